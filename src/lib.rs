//! catwalk: from a connector image to a working Estuary Flow catalog, in a terminal.
//!
//! The map of the crate, lowest layer first:
//! - [`protocol`]: Estuary Flow's connector protocol as typed messages (a leaf, shared with the test fixture).
//! - [`model`]: protocol-neutral data (spec, discovered binding, validation) shared by every layer.
//! - [`schema`]: pure JSON-Schema work: the form tree, defaults, validation, config stubs.
//! - [`connector`]: starts a connector (Docker image or local command) and speaks its protocol.
//! - [`catalog`]: Flow catalog types, naming, building from discovery, merging, atomic writes.
//! - [`secrets`]: sops-protected configs (encrypt on save, decrypt in memory); [`redact`] masks secret values
//!   in everything printed or logged; [`clip`] shortens every input echoed back (a log line, a quoted value),
//!   saying its size; [`text`] holds the small wording and path helpers (counts, byte sizes, `~`, pointer
//!   tokens).
//! - [`ops`]: the operations both front ends run (spec, check, discover, preview, save), reporting through a callback
//!   and failing with a [`ops::exit::Failure`] that knows its kind.
//! - [`cli`]: the scriptable verbs (`spec`, `discover`, `check`, `preview`, `adapt`, `encrypt`): parse, call `ops`, print.
//! - [`tui`]: the full-screen wizard (`catwalk` without a verb), Elm style, on ratatui: calls `ops` from its
//!   background tasks and shows the results.
//!
//! Lower layers never import higher ones, and `cli` and `tui` never import each other: `main` chooses
//! between them (see docs/ARCHITECTURE.md).

pub mod catalog;
pub mod cli;
pub mod clip;
pub mod connector;
pub mod logging;
pub mod model;
pub mod ops;
pub mod protocol;
pub mod redact;
pub mod schema;
pub mod secrets;
pub mod text;
pub mod tui;
pub mod tunnel;
