//! Step 5, Check: run the connector's own check of the config from step 3 (Flow: validate without
//! bindings; Airbyte: `check`) in a task, with a spinner and the connector's latest log line; Esc cancels
//! (the process or container is removed) and goes back to step 4. Then the result: passed, or the
//! connector's error with its log tail (scrollable), with keys to retry, fix the config or skip. A tunnel
//! catwalk should open is not opened (catwalk cannot yet): the screen says so before anything runs.

use super::Step;
use crate::model::LogLine;
use crate::tui::keys::{Action, Ctx};
use crate::tui::msg::{Cmd, Hidden, ReqId, Run, TaskMsg};
use crate::tui::state::{State, StepId};
use crate::tui::steps::tunnel::TunnelAnswer;
use ratatui::Frame;
use ratatui::crossterm::event::{MouseEvent, MouseEventKind};
use ratatui::layout::Rect;
use serde_json::Value;
use std::collections::VecDeque;
use std::time::Instant;

#[derive(Debug, Clone, Default, PartialEq)]
pub enum Phase {
    #[default]
    Idle,
    /// A tunnel catwalk should open: asking whether to check without it.
    NeedsTunnel,
    Working,
    Passed,
    Failed(String),
    Skipped,
}

#[derive(Debug, Clone, Default)]
pub struct CheckState {
    pub req: Option<ReqId>,
    pub phase: Phase,
    pub started: Option<Instant>,
    pub logs: VecDeque<LogLine>,
    /// Scroll of the error text and log tail.
    pub scroll: usize,
    /// A fingerprint of the config the result is for (never the config itself).
    pub checked: Option<u64>,
}

impl CheckState {
    pub fn is_working(&self) -> bool {
        self.phase == Phase::Working
    }
}

/// A fingerprint of a config: equal configs, equal prints (key order ignored).
pub fn fingerprint(config: &Value) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    crate::catalog::canonical_json(config).hash(&mut h);
    h.finish()
}

/// The connector as step 2 found it, when there is one.
pub fn run_of(state: &State) -> Option<Run> {
    let choice = state.answers.connector.clone()?;
    let o = state.spec.outcome.as_ref()?;
    Some(Run {
        choice,
        protocol: o.protocol,
        kind: o.kind,
    })
}

/// Whether the tunnel answer asks catwalk to open a tunnel (not implemented yet).
pub fn catwalk_tunnel(state: &State) -> bool {
    matches!(state.answers.tunnel, Some(TunnelAnswer::Catwalk(_)))
}

/// Go to step 5 (from step 4's Next): run the check unless it already passed for this very config.
pub fn enter(state: &mut State) -> Vec<Cmd> {
    state.step = StepId::Check;
    let print = state.answers.config.as_ref().map(fingerprint);
    let c = &mut state.check;
    if c.checked.is_some()
        && c.checked == print
        && matches!(c.phase, Phase::Passed | Phase::Skipped)
    {
        return Vec::new();
    }
    if catwalk_tunnel(state) {
        let cmds = cancel(state);
        state.check.phase = Phase::NeedsTunnel;
        state.check.checked = None;
        return cmds;
    }
    start(state)
}

fn cancel(state: &mut State) -> Vec<Cmd> {
    match state.check.req.take() {
        Some(id) => vec![Cmd::Cancel(id)],
        None => Vec::new(),
    }
}

/// Start (or restart) the check.
pub fn start(state: &mut State) -> Vec<Cmd> {
    let mut cmds = cancel(state);
    let (Some(run), Some(config)) = (run_of(state), state.answers.config.clone()) else {
        state.check.phase = Phase::Failed(
            "There is no config to check: go back to step 3 and fill in the form.".into(),
        );
        return cmds;
    };
    let own = match state.review.field(2) {
        "" => super::review::default_name(&run.choice),
        typed => typed.to_string(),
    };
    let name = format!("{}/{own}", super::bindings::prefix(state));
    let id = state.next_req();
    state.check = CheckState {
        req: Some(id),
        phase: Phase::Working,
        checked: Some(fingerprint(&config)),
        ..CheckState::default()
    };
    cmds.push(Cmd::Check {
        id,
        run,
        name,
        config: Hidden::new(config),
    });
    cmds
}

/// A report from a check task; any request but the current one is stale and dropped.
pub fn on_task(state: &mut State, id: ReqId, msg: TaskMsg) -> Vec<Cmd> {
    let c = &mut state.check;
    if c.req != Some(id) || !c.is_working() {
        return Vec::new();
    }
    match msg {
        TaskMsg::Log(line) => {
            if c.logs.len() == super::spec::KEEP_LOGS {
                c.logs.pop_front();
            }
            c.logs.push_back(line);
        }
        TaskMsg::Checked(Ok(())) => {
            c.req = None;
            c.phase = Phase::Passed;
        }
        TaskMsg::Checked(Err(e)) | TaskMsg::Panicked(e) => {
            c.req = None;
            c.phase = Phase::Failed(e);
            c.scroll = 0;
        }
        _ => {}
    }
    Vec::new()
}

/// Back to step 4; a running check is cancelled (its container removed).
fn back(state: &mut State) -> Vec<Cmd> {
    let cmds = cancel(state);
    if state.check.is_working() {
        state.check.phase = Phase::Idle;
        state.check.checked = None;
    }
    state.step = StepId::Tunnel;
    cmds
}

/// On to step 6.
fn next(state: &mut State) -> Vec<Cmd> {
    super::bindings::enter(state)
}

/// Move through the failure's log: up (negative) is older lines, kept as lines back from the newest.
fn scroll_by(state: &mut State, delta: isize) {
    let lines = state.check.logs.len();
    let c = &mut state.check;
    c.scroll = c
        .scroll
        .saturating_add_signed(-delta)
        .min(lines.saturating_sub(1));
}

pub struct CheckStep;

impl Step for CheckStep {
    fn contexts(state: &State) -> Vec<Ctx> {
        match state.check.phase {
            Phase::Working => vec![Ctx::Busy],
            Phase::NeedsTunnel | Phase::Idle => vec![Ctx::CheckTunnel],
            Phase::Passed | Phase::Skipped => vec![Ctx::CheckPassed],
            Phase::Failed(_) => vec![Ctx::CheckFailed, Ctx::Page],
        }
    }

    fn on_action(state: &mut State, action: Action) -> Vec<Cmd> {
        match (action, &state.check.phase) {
            (Action::Cancel | Action::Back, _) => back(state),
            (Action::Continue, Phase::NeedsTunnel | Phase::Idle) | (Action::Retry, _) => {
                start(state)
            }
            (Action::Continue, Phase::Passed | Phase::Skipped) => next(state),
            (Action::Skip, Phase::NeedsTunnel | Phase::Idle | Phase::Failed(_)) => {
                let mut cmds = cancel(state);
                state.check.phase = Phase::Skipped;
                state.check.checked = state.answers.config.as_ref().map(fingerprint);
                cmds.extend(next(state));
                cmds
            }
            (Action::EditConfig, _) => {
                let cmds = cancel(state);
                state.step = StepId::Config;
                cmds
            }
            (Action::Quit, _) => crate::tui::update::request_quit(state),
            (other, _) => {
                if let Some(d) = super::scroll_delta(other) {
                    scroll_by(state, d);
                }
                Vec::new()
            }
        }
    }

    fn on_mouse(state: &mut State, _body: Rect, ev: MouseEvent) -> Vec<Cmd> {
        match ev.kind {
            MouseEventKind::ScrollDown => scroll_by(state, 3),
            MouseEventKind::ScrollUp => scroll_by(state, -3),
            _ => {}
        }
        Vec::new()
    }

    fn view(state: &State, frame: &mut Frame, body: Rect) {
        super::check_view::view(state, frame, body);
    }
}
