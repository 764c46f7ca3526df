//! One file per wizard step. Each step keeps its own state in [`State`] (e.g. `ConnectorState`) and a unit
//! type implementing [`Step`]: which key contexts it has, what it does when the flow enters it, how it
//! answers actions, typed text and the mouse, and how it draws itself into the body area. Handlers return a
//! [`Reply`]: commands, and a [`Transition`](crate::tui::flow::Transition) that `update` applies (a step
//! never sets `state.step` nor calls another step). `update` and `view` dispatch on `state.step`; task
//! results are routed by their kind to the step that asked for them (e.g. [`spec::on_task`]).
//!
//! A step plugs in with a `StepId` (in `flow.rs`, placed in the flows that walk it), its state in `State`,
//! an arm in [`dispatch`], and its answers in `draft::Answers`.

mod binding_settings;
pub mod bindings;
mod bindings_view;
pub mod changes;
mod changes_view;
pub mod check;
mod check_view;
pub mod collections;
mod collections_view;
pub mod config;
mod config_file;
mod config_view;
pub mod connector;
pub mod connector_form;
mod connector_view;
pub mod fields;
mod fields_view;
pub mod preview;
mod preview_view;
pub mod resources;
mod resources_view;
pub mod review;
mod review_view;
pub mod spec;
pub mod tunnel;
mod tunnel_view;

pub use super::flow::Reply;
use super::keys::{Action, Ctx};
use super::state::State;
use ratatui::Frame;
use ratatui::crossterm::event::{KeyEvent, MouseEvent};
use ratatui::layout::Rect;

/// What every step implements. All functions but `view` may change the state; none does I/O: work
/// happens through the returned commands.
pub trait Step {
    /// The key contexts active now, most specific first (`Global` is added by the caller).
    fn contexts(state: &State) -> Vec<Ctx>;
    /// The flow moved forward onto this step (`state.step` is already it): start its work, or pass itself
    /// over with `Transition::Next` when it has nothing to do.
    fn enter(_state: &mut State) -> Reply {
        Reply::stay()
    }
    /// The flow came back to this step (Back, or a go-to an earlier step): nothing starts, but requests
    /// left in `state.session` for it are taken up.
    fn revisit(_state: &mut State) {}
    /// Whether going back stops here (a step passed over on the way forward does not).
    fn applies(_state: &State) -> bool {
        true
    }
    /// An action the key table resolved in those contexts.
    fn on_action(state: &mut State, action: Action) -> Reply;
    /// Text typed (a printable key) or pasted while a text input has the focus.
    fn on_text(_state: &mut State, _text: &str) -> Reply {
        Reply::stay()
    }
    /// A key no binding took while the step has `Ctx::Editor` active (the multiline editor edits with it).
    fn on_key(_state: &mut State, _key: KeyEvent) -> Reply {
        Reply::stay()
    }
    /// A mouse event; `body` is the area the step is drawn in.
    fn on_mouse(_state: &mut State, _body: Rect, _ev: MouseEvent) -> Reply {
        Reply::stay()
    }
    /// Draw the step into the body area.
    fn view(state: &State, frame: &mut Frame, body: Rect);
}

/// How far a scrolling key moves a page: ↑↓ one line, PgUp/PgDn ten; `None` for other actions.
pub fn scroll_delta(action: Action) -> Option<isize> {
    match action {
        Action::Up => Some(-1),
        Action::Down => Some(1),
        Action::PageUp => Some(-10),
        Action::PageDown => Some(10),
        _ => None,
    }
}

/// Lines one notch of the mouse wheel moves.
pub const WHEEL_LINES: isize = 3;

/// The lines a wheel event scrolls (down positive), if it is one.
pub fn wheel_delta(ev: &MouseEvent) -> Option<isize> {
    match ev.kind {
        ratatui::crossterm::event::MouseEventKind::ScrollDown => Some(WHEEL_LINES),
        ratatui::crossterm::event::MouseEventKind::ScrollUp => Some(-WHEEL_LINES),
        _ => None,
    }
}

/// Call `f` with the step type of `state.step`: `dispatch!(state.step, S => S::contexts(state))`.
macro_rules! dispatch {
    ($step:expr, $s:ident => $body:expr) => {
        match $step {
            $crate::tui::state::StepId::Connector => {
                type $s = $crate::tui::steps::connector::ConnectorStep;
                $body
            }
            $crate::tui::state::StepId::Spec => {
                type $s = $crate::tui::steps::spec::SpecStep;
                $body
            }
            $crate::tui::state::StepId::Config => {
                type $s = $crate::tui::steps::config::ConfigStep;
                $body
            }
            $crate::tui::state::StepId::Tunnel => {
                type $s = $crate::tui::steps::tunnel::TunnelStep;
                $body
            }
            $crate::tui::state::StepId::Check => {
                type $s = $crate::tui::steps::check::CheckStep;
                $body
            }
            $crate::tui::state::StepId::Bindings => {
                type $s = $crate::tui::steps::bindings::BindingsStep;
                $body
            }
            $crate::tui::state::StepId::Preview => {
                type $s = $crate::tui::steps::preview::PreviewStep;
                $body
            }
            $crate::tui::state::StepId::Review => {
                type $s = $crate::tui::steps::review::ReviewStep;
                $body
            }
            $crate::tui::state::StepId::Collections => {
                type $s = $crate::tui::steps::collections::CollectionsStep;
                $body
            }
            $crate::tui::state::StepId::Resources => {
                type $s = $crate::tui::steps::resources::ResourcesStep;
                $body
            }
            $crate::tui::state::StepId::Fields => {
                type $s = $crate::tui::steps::fields::FieldsStep;
                $body
            }
            $crate::tui::state::StepId::Changes => {
                type $s = $crate::tui::steps::changes::ChangesStep;
                $body
            }
        }
    };
}
pub(crate) use dispatch;
