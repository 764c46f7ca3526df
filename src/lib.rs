//! catwalk: from a connector image to a working Estuary Flow catalog, in a terminal.
//!
//! The map of the crate, lowest layer first:
//! - [`protocol`]: Estuary Flow's connector protocol as typed messages (a leaf, shared with the test fixture).
//! - [`model`]: protocol-neutral data (spec, discovered binding, validation) shared by every layer.
//! - [`schema`]: pure JSON-Schema work: the form tree, defaults, validation, config stubs.
//! - [`connector`]: starts a connector (Docker image or local command) and speaks its protocol.
//! - [`catalog`]: Flow catalog types, naming, building from discovery, merging, atomic writes.
//! - [`secrets`]: sops-protected configs (encrypt on save, decrypt in memory); [`redact`] masks secret values
//!   in everything printed or logged.
//! - [`ops`]: operations shared by the verbs and the wizard (`preview`), reporting progress through a callback.
//! - [`cli`]: the scriptable verbs (`spec`, `discover`, `check`, `preview`, `adapt`, `encrypt`).
//! - [`tui`]: the full-screen wizard (`catwalk` without a verb), Elm style, on ratatui.
//!
//! Lower layers never import higher ones (see docs/ARCHITECTURE.md).

pub mod catalog;
pub mod cli;
pub mod connector;
pub mod logging;
pub mod model;
pub mod ops;
pub mod protocol;
pub mod redact;
pub mod schema;
pub mod secrets;
pub mod tui;
pub mod tunnel;
