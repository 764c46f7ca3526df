//! The scriptable verbs.
