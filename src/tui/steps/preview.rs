//! Step 7 of a new capture, Preview: read a few documents per chosen binding before anything is saved.
//! The capture the save would write is planned in memory (`ops::preview::planned_task`: the chosen
//! bindings, their collections and the config as typed, through the SSH tunnel when there is one) and run
//! by the preview operation in a task, at most [`LIMIT`] documents per binding and for at most
//! [`TIMEOUT`]; Esc cancels (the connector is stopped). Then each binding's documents as a table of
//! top-level fields or (v) as JSON, documents that break the collection's schema or lack its key marked
//! with the pointer and the reason; `e` goes back to fix the config, Esc to the bindings, Enter on to save.
//! `s`/`n` passes the step over (connectors that cannot be previewed cheaply).
//!
//! Editing an existing capture, the step comes after the Changes step (Esc goes back there) and previews
//! what saving back would write (`ops::edit::planned_task`: the catalog's bindings with their resource
//! configs, schemas and `disable`, the person's deselections, renames and Changes choices applied, the
//! config as edited); it reads again when one of those changes.

use super::{Reply, Step};
use crate::model::DiscoveredBinding;
use crate::tui::flow::Transition;
use crate::tui::job::Job;
use crate::tui::keys::{Action, Ctx};
use crate::tui::msg::{
    Cmd, Hidden, PreviewDoc, PreviewReport, PreviewRequest, ReqId, TaskError, TaskMsg,
};
use crate::tui::state::{State, StepId};
use crate::tui::{edit_plan, opened, session};
use ratatui::Frame;
use ratatui::crossterm::event::MouseEvent;
use ratatui::layout::Rect;
use serde_json::Value;
use std::time::Duration;

/// Documents read per binding.
pub const LIMIT: usize = 10;
/// The preview ends after this long, whatever it read.
pub const TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Default, PartialEq)]
pub enum Phase {
    #[default]
    Idle,
    Working,
    Done,
    Failed(TaskError),
    /// Passed over by the person.
    Skipped,
}

/// A document read, and where it breaks its collection's schema or key (pointer, reason).
#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    pub value: Value,
    pub problem: Option<(String, String)>,
}

/// One chosen binding's documents.
#[derive(Debug, Clone, PartialEq)]
pub struct BindingDocs {
    /// The full collection name.
    pub collection: String,
    pub docs: Vec<Doc>,
    /// Documents read in all (more may be read than kept), and how many broke the schema.
    pub read: u64,
    pub invalid: u64,
    /// The first invalid document's number and problem, from the operation's report.
    pub first_invalid: Option<crate::ops::preview::Invalid>,
}

impl BindingDocs {
    /// A binding of `collection`, nothing read yet.
    pub fn new(collection: String) -> BindingDocs {
        BindingDocs {
            collection,
            docs: Vec::new(),
            read: 0,
            invalid: 0,
            first_invalid: None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct PreviewState {
    /// The preview task (its scroll: the failure's log).
    pub job: Job,
    pub phase: Phase,
    pub bindings: Vec<BindingDocs>,
    /// The binding shown.
    pub current: usize,
    /// JSON instead of the table.
    pub json: bool,
    /// Lines scrolled down, and columns scrolled right (the table).
    pub scroll: usize,
    pub column: usize,
    /// What the documents are for (config, connector, chosen bindings): read again only when it changes.
    pub read_for: Option<u64>,
    /// Why the preview ended, once it did.
    pub ended: Option<String>,
}

impl PreviewState {
    pub fn is_working(&self) -> bool {
        self.phase == Phase::Working
    }

    /// The binding shown.
    pub fn shown(&self) -> Option<&BindingDocs> {
        self.bindings.get(self.current)
    }
}

/// The chosen bindings with their full collection names (under the prefix in force).
fn chosen(state: &State) -> Vec<(DiscoveredBinding, String)> {
    drafted(state)
        .map(|t| t.capture_bindings())
        .unwrap_or_default()
}

/// The capture the save would write, as drafted from the answers (`None` before there is one).
fn drafted(state: &State) -> Option<crate::catalog::TaskDraft> {
    let name = match &state.answers.connector {
        Some(choice) => session::task_name(state, choice),
        None => "capture".into(),
    };
    let prefix = session::prefix(state);
    crate::tui::task_draft::draft(state, &prefix, &name, Default::default()).ok()
}

/// What a preview depends on: the connector, the config, the chosen bindings as they would be written.
fn print(state: &State, chosen: &[(DiscoveredBinding, String)]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    if let Some(c) = &state.answers.config {
        session::fingerprint(c).hash(&mut h);
    }
    format!("{:?}", session::run_of(state)).hash(&mut h);
    for (b, target) in chosen {
        target.hash(&mut h);
        crate::catalog::canonical_json(&b.resource_config).hash(&mut h);
        b.key.hash(&mut h);
    }
    if opened::task(state).is_some() {
        // An edit: the Changes step's choices and the renames change what is previewed too.
        let edit = opened::edit_choices(state, None);
        let mut choices: Vec<String> = edit.choices.iter().map(|c| format!("{c:?}")).collect();
        let mut renames: Vec<_> = opened::renames(state).into_iter().collect();
        choices.sort();
        renames.sort();
        (choices, renames).hash(&mut h);
    }
    h.finish()
}

fn cancel(state: &mut State) -> Vec<Cmd> {
    state.preview.job.cancel().into_iter().collect()
}

/// Read documents, unless they were read for these very bindings and config.
fn enter(state: &mut State) -> Vec<Cmd> {
    let chosen = chosen(state);
    let p = &state.preview;
    if p.read_for == Some(print(state, &chosen)) && matches!(p.phase, Phase::Done | Phase::Working)
    {
        return Vec::new();
    }
    start(state)
}

/// Start (or restart) the preview.
pub fn start(state: &mut State) -> Vec<Cmd> {
    let mut cmds = cancel(state);
    let chosen = chosen(state);
    let read_for = Some(print(state, &chosen));
    let (Some(run), Some(config)) = (session::run_of(state), state.answers.config.clone()) else {
        state.preview.phase = Phase::Failed(TaskError::invalid(
            "There is no config to preview with: go back to step 3 (e).",
        ));
        return cmds;
    };
    if chosen.is_empty() {
        state.preview.phase = Phase::Failed(TaskError::invalid(
            "No binding is selected: go back to the bindings (Esc) and select at least one.",
        ));
        return cmds;
    }
    // An edit previews the catalog as saving back would write it, the person's choices applied.
    let edit = match opened::task(state) {
        Some(_) => match edit_plan::request(state, edit_plan::Choices::All) {
            Ok(req) => Some(Hidden::new(req)),
            Err(e) => {
                state.preview.phase = Phase::Failed(e);
                return cmds;
            }
        },
        None => None,
    };
    let id = state.next_req();
    state.preview = PreviewState {
        phase: Phase::Working,
        // An edit's bindings come from its plan (`PreviewPlanned`): disabled ones are not read.
        bindings: match edit {
            Some(_) => Vec::new(),
            None => chosen
                .iter()
                .map(|(_, collection)| BindingDocs::new(collection.clone()))
                .collect(),
        },
        json: state.preview.json,
        read_for,
        ..PreviewState::default()
    };
    state.preview.job.start(id);
    let Some(task) = drafted(state) else {
        return cmds;
    };
    let req = PreviewRequest {
        edit,
        run,
        task: std::sync::Arc::new(task),
        config: Hidden::new(config),
        resource_path_pointers: state
            .spec
            .outcome
            .as_ref()
            .map(|o| o.spec.resource_path_pointers.clone())
            .unwrap_or_default(),
        ssh: session::ssh_use(state),
        limit: LIMIT,
        timeout: TIMEOUT,
    };
    cmds.push(Cmd::Preview { id, req });
    cmds
}

/// A report of the preview task; stale ones are dropped.
pub fn on_task(state: &mut State, id: ReqId, msg: TaskMsg) -> Reply {
    let p = &mut state.preview;
    if !p.job.is_current(id) || !p.is_working() {
        return Reply::stay();
    }
    match msg {
        TaskMsg::Log(line) => p.job.log(line),
        // The capture's enabled bindings, as planned (an edit's may differ from the ones chosen).
        TaskMsg::PreviewPlanned(collections) => {
            p.bindings = collections.into_iter().map(BindingDocs::new).collect();
            p.current = 0;
        }
        TaskMsg::PreviewDoc(d) => {
            let PreviewDoc {
                binding,
                doc,
                problem,
            } = *d;
            if let Some(b) = p.bindings.get_mut(binding) {
                b.docs.push(Doc {
                    value: doc,
                    problem,
                });
            }
        }
        TaskMsg::Previewed(Ok(report)) => {
            p.job.finish();
            p.phase = Phase::Done;
            finish(p, &report);
            // Show the first binding with a broken document, else the first with documents.
            p.current = p
                .bindings
                .iter()
                .position(|b| b.invalid > 0)
                .or_else(|| p.bindings.iter().position(|b| !b.docs.is_empty()))
                .unwrap_or(0);
        }
        TaskMsg::Previewed(Err(e)) | TaskMsg::Panicked(e) => {
            p.job.finish();
            p.read_for = None;
            p.phase = Phase::Failed(e);
        }
        _ => {}
    }
    Reply::stay()
}

fn finish(p: &mut PreviewState, report: &PreviewReport) {
    for (b, r) in p.bindings.iter_mut().zip(&report.bindings) {
        b.read = r.documents;
        b.invalid = r.invalid;
        b.first_invalid = r.first_invalid.clone();
    }
    p.ended = Some(match report.sessions.last() {
        Some(s) if s.ended == crate::ops::preview::SessionEnd::Stopped => {
            "each binding had documents".into()
        }
        Some(s) => s.ended.to_string(),
        None => "it ended".into(),
    });
}

fn back(state: &mut State) -> Reply {
    let cmds = cancel(state);
    if state.preview.is_working() {
        state.preview.phase = Phase::Idle;
        state.preview.read_for = None;
    }
    Reply::then(cmds, Transition::Back)
}

fn skip(state: &mut State) -> Reply {
    let cmds = cancel(state);
    state.preview.phase = Phase::Skipped;
    state.preview.read_for = None;
    Reply::then(cmds, Transition::Next)
}

/// Lines the shown binding's page has (for scrolling bounds).
fn page_lines(state: &State) -> usize {
    let p = &state.preview;
    match p.shown() {
        Some(b) if p.json => super::preview_view::json_lines(b).len(),
        Some(b) => b.docs.len() + 2,
        None => 0,
    }
}

fn scroll_by(state: &mut State, delta: isize) {
    let max = page_lines(state).saturating_sub(1);
    let p = &mut state.preview;
    p.scroll = p.scroll.saturating_add_signed(delta).min(max);
}

fn on_done(state: &mut State, action: Action) -> Reply {
    let n = state.preview.bindings.len();
    let p = &mut state.preview;
    match action {
        Action::NextStep | Action::Continue => return Reply::go(Transition::Next),
        Action::Back | Action::Cancel => return back(state),
        Action::EditConfig => return Reply::go(Transition::GoTo(StepId::Config)),
        Action::Retry => {
            state.preview.read_for = None;
            return start(state).into();
        }
        Action::Skip => return skip(state),
        Action::Toggle => {
            p.json = !p.json;
            p.scroll = 0;
        }
        Action::NextField if n > 0 => {
            p.current = (p.current + 1) % n;
            (p.scroll, p.column) = (0, 0);
        }
        Action::PrevField if n > 0 => {
            p.current = (p.current + n - 1) % n;
            (p.scroll, p.column) = (0, 0);
        }
        Action::Left => p.column = p.column.saturating_sub(1),
        Action::Right => p.column += 1,
        Action::Top => p.scroll = 0,
        other => {
            if let Some(d) = super::scroll_delta(other) {
                scroll_by(state, d);
            }
        }
    }
    Reply::stay()
}

pub struct PreviewStep;

impl Step for PreviewStep {
    fn contexts(state: &State) -> Vec<Ctx> {
        match state.preview.phase {
            Phase::Working => vec![Ctx::PreviewBusy],
            Phase::Done => vec![Ctx::Preview],
            _ => vec![Ctx::PreviewFailed, Ctx::Page],
        }
    }

    fn enter(state: &mut State) -> Reply {
        enter(state).into()
    }

    /// A preview passed over is passed over going back too.
    fn applies(state: &State) -> bool {
        state.preview.phase != Phase::Skipped
    }

    fn on_action(state: &mut State, action: Action) -> Reply {
        match state.preview.phase {
            Phase::Working => match action {
                Action::Cancel | Action::Back => back(state),
                Action::Skip => skip(state),
                _ => Reply::stay(),
            },
            Phase::Done => on_done(state, action),
            _ => match action {
                Action::Retry => start(state).into(),
                Action::EditConfig => Reply::then(cancel(state), Transition::GoTo(StepId::Config)),
                Action::Skip => skip(state),
                Action::Back | Action::Cancel => back(state),
                other => {
                    if let Some(d) = super::scroll_delta(other) {
                        state.preview.job.scroll_log(d);
                    }
                    Reply::stay()
                }
            },
        }
    }

    fn on_mouse(state: &mut State, _body: Rect, ev: MouseEvent) -> Reply {
        if let Some(d) = super::wheel_delta(&ev) {
            scroll_by(state, d);
        }
        Reply::stay()
    }

    fn view(state: &State, frame: &mut Frame, body: Rect) {
        super::preview_view::view(state, frame, body);
    }
}
