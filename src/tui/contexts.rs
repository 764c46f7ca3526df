//! The key contexts active now: the overlay's, else the current step's, most specific first. Read by
//! `update` (which key does what) and `view` (the help bar and the `?` list).

use super::keys::Ctx;
use super::state::{Overlay, State};
use super::steps::{Step, dispatch};

/// The key contexts active now, most specific first.
pub fn contexts(state: &State) -> Vec<Ctx> {
    contexts_of(state, state.overlay())
}

/// The contexts of what the `?` overlay covers (the step, or the question under it): its list starts with
/// their keys.
pub fn screen_contexts(state: &State) -> Vec<Ctx> {
    let under = state
        .overlays
        .iter()
        .rev()
        .find(|o| !matches!(o, Overlay::Help { .. }));
    contexts_of(state, under)
}

fn contexts_of(state: &State, overlay: Option<&Overlay>) -> Vec<Ctx> {
    match overlay {
        Some(Overlay::Help { .. }) => vec![Ctx::Help, Ctx::Global],
        Some(Overlay::ConfirmQuit) => vec![Ctx::Confirm],
        Some(Overlay::Resume(_)) => vec![Ctx::Resume, Ctx::Global],
        None => {
            let mut ctxs = dispatch!(state.step, S => S::contexts(state));
            ctxs.push(Ctx::Global);
            ctxs
        }
    }
}
