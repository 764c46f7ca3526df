//! Tests of the wizard: pure `update` tests and insta snapshots of every screen.
