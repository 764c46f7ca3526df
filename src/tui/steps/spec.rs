//! Step 2, Spec: run the picked connector's spec in the background, showing pull progress in bytes, a
//! spinner with the connector's latest log line and the time so far. Esc cancels (the task is aborted and
//! the connector layer removes the container); errors are shown in full with "r retry, Esc back". When the
//! spec arrives the wizard moves on to step 3; a spec already fetched for the same choice is reused.

use super::{Reply, Step};
use crate::connector::PullProgress;
use crate::tui::connectors::ConnectorChoice;
use crate::tui::flow::Transition;
use crate::tui::job::Job;
use crate::tui::keys::{Action, Ctx};
use crate::tui::msg::{Cmd, ReqId, SpecOutcome, Stage, TaskError, TaskMsg};
use crate::tui::state::State;
use crate::tui::widgets::log_pane;
use crate::tui::widgets::text::{truncate, width, wrap};
use ratatui::Frame;
use ratatui::crossterm::event::MouseEvent;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

#[derive(Debug, Clone, Default, PartialEq)]
pub enum Phase {
    #[default]
    Idle,
    Working(Stage),
    Failed(TaskError),
    Done,
}

#[derive(Debug, Clone, Default)]
pub struct SpecState {
    /// What the spec is (being) fetched for.
    pub target: Option<ConnectorChoice>,
    /// The spec task (its scroll: down the error text).
    pub job: Job,
    pub phase: Phase,
    pub pull: Option<PullProgress>,
    pub outcome: Option<SpecOutcome>,
}

impl SpecState {
    pub fn is_working(&self) -> bool {
        matches!(self.phase, Phase::Working(_))
    }
}

/// Entering step 2 for the connector settled in step 1 (picked, or resumed): fetch its spec, unless the
/// spec for this very choice is already here (then straight on to step 3).
fn enter(state: &mut State) -> Reply {
    let Some(choice) = state.answers.connector.clone() else {
        return Reply::go(Transition::Back);
    };
    if state.spec.target.as_ref() == Some(&choice)
        && state.spec.phase == Phase::Done
        && state.spec.outcome.is_some()
    {
        return Reply::go(Transition::Next);
    }
    fetch(state, choice, false).into()
}

fn fetch(state: &mut State, choice: ConnectorChoice, fresh: bool) -> Vec<Cmd> {
    let mut cmds: Vec<Cmd> = state.spec.job.cancel().into_iter().collect();
    let id = state.next_req();
    state.spec = SpecState {
        target: Some(choice.clone()),
        phase: Phase::Working(if choice.is_image() {
            Stage::Resolving
        } else if choice.protocol().is_none() {
            Stage::Probing
        } else {
            Stage::Running
        }),
        ..SpecState::default()
    };
    state.spec.job.start(id);
    cmds.push(Cmd::FetchSpec { id, choice, fresh });
    cmds
}

/// Leave step 2 for the list. A running request is cancelled: its container is removed.
fn back(state: &mut State) -> Reply {
    let cancel = state.spec.job.cancel();
    let cmds = match cancel {
        Some(cmd) if state.spec.is_working() => {
            state.spec.phase = Phase::Idle;
            vec![cmd]
        }
        _ => Vec::new(),
    };
    Reply::then(cmds, Transition::Back)
}

/// A report from a spec task. Reports of any request but the current one are dropped.
pub fn on_task(state: &mut State, id: ReqId, msg: TaskMsg) -> Reply {
    if !state.spec.job.is_current(id) || !state.spec.is_working() {
        return Reply::stay();
    }
    let s = &mut state.spec;
    match msg {
        TaskMsg::Stage(stage) => s.phase = Phase::Working(stage),
        TaskMsg::Pull(p) => s.pull = Some(p),
        TaskMsg::Log(line) => s.job.log(line),
        TaskMsg::Spec(Ok(mut outcome)) => {
            // An opened catalog's task is what its catalog says it is.
            if let Some(kind) = crate::tui::opened::task(state).map(|t| t.kind) {
                outcome.kind = kind;
            }
            let s = &mut state.spec;
            s.outcome = Some(*outcome);
            s.phase = Phase::Done;
            s.job.finish();
            return Reply::go(Transition::Next);
        }
        TaskMsg::Spec(Err(e)) | TaskMsg::Panicked(e) => {
            s.phase = Phase::Failed(e);
            s.job.finish();
        }
        _ => {}
    }
    Reply::stay()
}

/// Scroll the error text, never past its last line.
fn scroll_by(state: &mut State, delta: isize) {
    let width = state.size.0 as usize;
    let lines = match &state.spec.phase {
        Phase::Failed(e) => wrap(&e.message, width).len(),
        _ => 0,
    };
    let job = &mut state.spec.job;
    job.scroll = job
        .scroll
        .saturating_add_signed(delta)
        .min(lines.saturating_sub(1));
}

pub struct SpecStep;

impl Step for SpecStep {
    fn contexts(state: &State) -> Vec<Ctx> {
        match state.spec.phase {
            Phase::Working(_) => vec![Ctx::Busy],
            Phase::Failed(_) => vec![Ctx::Failed, Ctx::Page],
            Phase::Done | Phase::Idle => vec![Ctx::SpecDone, Ctx::Page],
        }
    }

    fn enter(state: &mut State) -> Reply {
        enter(state)
    }

    fn on_action(state: &mut State, action: Action) -> Reply {
        match (action, &state.spec.phase) {
            (Action::Cancel | Action::Back, _) => back(state),
            (Action::Retry, Phase::Failed(_)) | (Action::Refetch, Phase::Done | Phase::Idle) => {
                match state.spec.target.clone() {
                    Some(choice) => fetch(state, choice, action == Action::Refetch).into(),
                    None => back(state),
                }
            }
            (Action::Continue, Phase::Done) => Reply::go(Transition::Next),
            (other, _) => {
                if let Some(d) = super::scroll_delta(other) {
                    scroll_by(state, d);
                }
                Reply::stay()
            }
        }
    }

    fn on_mouse(state: &mut State, _body: Rect, ev: MouseEvent) -> Reply {
        if let Some(d) = super::wheel_delta(&ev) {
            scroll_by(state, d);
        }
        Reply::stay()
    }

    fn view(state: &State, frame: &mut Frame, body: Rect) {
        let t = &state.theme;
        let s = &state.spec;
        let w = body.width as usize;
        let Some(target) = &s.target else {
            return;
        };
        let mut head = vec![Span::styled(truncate(&target.label(), w), t.title())];
        if target.label() != target.reference() {
            let rest = w.saturating_sub(target.label().chars().count() + 2);
            head.push(Span::styled(
                format!("  {}", truncate(&target.reference(), rest)),
                t.dim(),
            ));
        }
        let mut lines: Vec<Line> = vec![Line::from(head), Line::default()];
        match &s.phase {
            Phase::Working(stage) => {
                let doing = match (stage, &s.pull) {
                    (Stage::Resolving, Some(p)) => format!(
                        "Pulling image {}: {}",
                        p.image,
                        if p.total > 0 {
                            format!("{} / {}", bytes(p.done), bytes(p.total))
                        } else {
                            bytes(p.done)
                        }
                    ),
                    (Stage::Resolving, None) => {
                        "Connecting to Docker and inspecting the image".into()
                    }
                    (Stage::Probing, _) => {
                        "Finding out which protocol it speaks (running its spec)".into()
                    }
                    (Stage::Running, _) => "Running the connector's spec".into(),
                };
                let elapsed = s.job.elapsed(state.now);
                lines.push(log_pane::working(t, state.frame, &doing, Some(elapsed), w));
                if let Some(p) = s
                    .pull
                    .as_ref()
                    .filter(|p| p.total > 0 && *stage == Stage::Resolving)
                {
                    lines.push(log_pane::gauge(p.done, p.total, w.min(60), t));
                }
                lines.push(log_pane::latest(t, &s.job.logs, w));
                lines.push(Line::default());
                lines.push(Line::styled(
                    "Esc cancels: the connector is stopped and its container removed.",
                    t.dim(),
                ));
            }
            Phase::Failed(e) => {
                lines.push(Line::styled(
                    truncate(
                        &format!("✗ Could not get the spec of {}", target.reference()),
                        w,
                    ),
                    t.error(),
                ));
                lines.push(Line::default());
                let text: Vec<Line> = wrap(&e.message, w).into_iter().map(Line::raw).collect();
                lines.extend(text.into_iter().skip(s.job.scroll));
                lines.push(Line::default());
                lines.push(Line::styled(
                    "r tries again; Esc goes back to the list (your choice is kept).",
                    t.dim(),
                ));
            }
            Phase::Done | Phase::Idle => {
                if let Some(o) = &s.outcome {
                    lines.push(Line::styled("✓ Spec received", t.ok()));
                    lines.extend(summary(o, w, t));
                    lines.push(Line::default());
                    lines.push(Line::styled("Enter goes on to the config.", t.dim()));
                }
            }
        }
        let used = lines.len();
        for (i, line) in lines.into_iter().enumerate().take(body.height as usize) {
            frame.render_widget(line, Rect::new(body.x, body.y + i as u16, body.width, 1));
        }
        // The connector's log below, newest last, while it runs or after it failed.
        if !matches!(s.phase, Phase::Done) {
            log_pane::render_below(frame, body, used, &s.job.logs, t);
        }
    }
}

/// The summary lines of a spec: protocol, kind, number of config fields, docs URL, where it came from.
pub fn summary(o: &SpecOutcome, w: usize, t: &crate::tui::theme::Theme) -> Vec<Line<'static>> {
    let fields = crate::tui::widgets::config_summary::fields(&o.spec.config_schema);
    let required = fields.iter().filter(|f| f.required).count();
    let kind = match o.kind {
        crate::model::ConnectorKind::Capture => "capture",
        crate::model::ConnectorKind::Materialize => "materialization",
    };
    let source = if o.from_cache {
        "Read from the spec cache: no container was started."
    } else {
        "Fetched from the connector."
    };
    let mut out = vec![
        Line::raw(truncate(
            &format!(
                "{} protocol · {kind} · {} config fields ({required} required)",
                o.protocol,
                fields.len()
            ),
            w,
        )),
        Line::styled(truncate(source, w), t.dim()),
    ];
    if let Some(url) = &o.spec.documentation_url {
        // Whole, never cut (over SSH it is copied from here); `o` opens it.
        if width(url) + 5 <= w {
            out.push(Line::from(vec![
                Span::styled("docs ", t.dim()),
                Span::styled(url.clone(), t.link()),
            ]));
        } else {
            out.push(Line::styled("docs (o opens it):", t.dim()));
            out.extend(wrap(url, w).into_iter().map(|l| Line::styled(l, t.link())));
        }
    }
    out
}

pub use crate::text::bytes;
