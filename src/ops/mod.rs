//! The operations both front ends run: fetching a spec, checking tasks, discovering, previewing documents,
//! saving a catalog, materializing collections. The verbs (`cli`) parse arguments and print what these
//! return; the wizard (`tui`) runs them as background tasks and shows it. Below: `schema`, `connector`,
//! `catalog`, `tunnel`, `secrets`; above: `cli`, `tui`.

pub mod check;
pub mod discover;
pub mod edit;
pub mod exit;
pub mod fields;
pub mod materialize;
pub mod preview;
pub mod reach;
pub mod report;
pub mod save;
pub mod save_materialization;
pub mod secrets;
pub mod spec;
pub mod task;
pub mod tunnel;
