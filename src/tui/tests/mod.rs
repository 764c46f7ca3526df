//! Tests of the wizard: pure `update` tests (navigation, editing, going back, cancelling, stale answers,
//! resuming) and insta snapshots of every screen at 80x24 and 120x40 (stored in `snapshots/`).

mod app_loop;
mod edit;
mod edit_materialization;
mod edit_preview;
mod flow_snapshots;
mod flow_support;
mod flow_update;
mod friction;
mod materialize_flow;
mod materialize_support;
mod preview;
mod snapshots;
mod sops_review;
mod support;
mod update;
