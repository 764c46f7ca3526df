//! Operations: what a verb and the wizard both do, as one call each, with progress reported through a
//! callback. A verb only parses its arguments and prints what an operation reports; the wizard only shows it.
//! Operations sit above [`crate::connector`], [`crate::catalog`], [`crate::secrets`] and [`crate::tunnel`],
//! and below [`crate::cli`] and [`crate::tui`], which they never import.

pub mod preview;
pub mod task;
