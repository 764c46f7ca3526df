//! One file per wizard step. Each step keeps its own state in [`State`] (e.g. `ConnectorState`) and a unit
//! type implementing [`Step`]: which key contexts it has, how it answers actions, typed text and the mouse,
//! and how it draws itself into the body area. `update` and `view` dispatch on `state.step`; task results
//! are routed by their kind to the step that asked for them (e.g. [`spec::on_task`]).
//!
//! A later step (config, tunnel, check, bindings, review) plugs in by adding its state to `State`, a
//! `StepId` arm in [`dispatch`]'s callers, and its answers to `draft::Answers`.

pub mod config;
mod config_draft;
mod config_file;
pub mod config_summary;
mod config_view;
pub mod connector;
pub mod connector_form;
mod connector_view;
pub mod spec;
pub mod tunnel;
mod tunnel_schema;
mod tunnel_view;

use super::keys::{Action, Ctx};
use super::msg::Cmd;
use super::state::{State, StepId};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyEvent, MouseEvent};
use ratatui::layout::Rect;

/// What every step implements. All functions but `view` may change the state; none does I/O: work
/// happens through the returned commands.
pub trait Step {
    /// The key contexts active now, most specific first (`Global` is added by the caller).
    fn contexts(state: &State) -> Vec<Ctx>;
    /// An action the key table resolved in those contexts.
    fn on_action(state: &mut State, action: Action) -> Vec<Cmd>;
    /// Text typed (a printable key) or pasted while a text input has the focus.
    fn on_text(_state: &mut State, _text: &str) -> Vec<Cmd> {
        Vec::new()
    }
    /// A key no binding took while the step has `Ctx::Editor` active (the multiline editor edits with it).
    fn on_key(_state: &mut State, _key: KeyEvent) -> Vec<Cmd> {
        Vec::new()
    }
    /// A mouse event; `body` is the area the step is drawn in.
    fn on_mouse(_state: &mut State, _body: Rect, _ev: MouseEvent) -> Vec<Cmd> {
        Vec::new()
    }
    /// Draw the step into the body area.
    fn view(state: &State, frame: &mut Frame, body: Rect);
}

/// Steps 5 to 7, until they are built: a page saying so, from which Esc goes back.
pub struct NotYet;

impl Step for NotYet {
    fn contexts(_: &State) -> Vec<Ctx> {
        vec![Ctx::Page]
    }

    fn on_action(state: &mut State, action: Action) -> Vec<Cmd> {
        match action {
            Action::Back => {
                let i = (state.step.number() - 1).saturating_sub(1);
                state.step = StepId::ALL[i];
            }
            Action::Quit => return super::update::request_quit(state),
            _ => {}
        }
        Vec::new()
    }

    fn view(state: &State, frame: &mut Frame, body: Rect) {
        let text = format!("{} is not built yet.", state.step.title());
        frame.render_widget(ratatui::text::Line::styled(text, state.theme.dim()), body);
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
            _ => {
                type $s = $crate::tui::steps::NotYet;
                $body
            }
        }
    };
}
pub(crate) use dispatch;
