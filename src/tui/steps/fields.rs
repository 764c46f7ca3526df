//! A materialization's Fields step: the connector's validate of the chosen bindings (a task, through the
//! SSH tunnel the config asks for; Esc cancels), then per binding a table of its fields: name, type,
//! constraint, the connector's reason, selected. Flow's defaults apply (`recommended: 1`: the key, what
//! the connector requires, top-level recommended fields); Space requires an optional field or excludes a
//! recommended one; required fields cannot be deselected and forbidden or incompatible ones cannot be
//! chosen (the line under the table says why). `d` switches delta updates when the resource schema has
//! the setting (validating again). The choices are settled in `state.mat.fields`.

use super::{Reply, Step};
use crate::model::ConstraintType;
use crate::ops::fields::{self as selection, FieldRow};
use crate::tui::flow::{StepId, Transition};
use crate::tui::job::Job;
use crate::tui::keys::{Action, Ctx};
use crate::tui::materialization::Materialization;
use crate::tui::msg::{Candidate, Cmd, Hidden, ReqId, TaskError, TaskMsg, Verdict};
use crate::tui::session;
use crate::tui::state::State;
use crate::tui::widgets::select_list::ListNav;
use ratatui::Frame;
use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;
use serde_json::{Value, json};

/// Where the table's rows are drawn.
pub use super::fields_view::list_area;

#[derive(Debug, Clone, Default, PartialEq)]
pub enum Phase {
    #[default]
    Idle,
    Working,
    Failed(TaskError),
    Done,
}

#[derive(Debug, Clone, Default)]
pub struct FieldsState {
    /// The validate task.
    pub job: Job,
    pub phase: Phase,
    /// A fingerprint of what was validated (config, collections, resources): validate runs again only
    /// when it changed.
    pub validated_for: Option<u64>,
    /// The connector's verdict on each chosen binding, in order.
    pub verdicts: Option<Vec<Verdict>>,
    /// The binding shown.
    pub at: usize,
    pub nav: ListNav,
    /// Why the last key did nothing (a required field, a forbidden one).
    pub note: Option<String>,
    pub ssh_note: Option<String>,
}

impl FieldsState {
    pub fn is_working(&self) -> bool {
        self.phase == Phase::Working
    }
}

/// The constraint in a few words (the table's column).
pub fn constraint_label(c: ConstraintType) -> &'static str {
    match c {
        ConstraintType::FieldRequired => "required",
        ConstraintType::LocationRequired => "req. location",
        ConstraintType::LocationRecommended => "recommended",
        ConstraintType::FieldOptional => "optional",
        ConstraintType::FieldForbidden => "forbidden",
        ConstraintType::Incompatible | ConstraintType::Unsatisfiable => "incompatible",
        ConstraintType::Invalid => "invalid",
    }
}

/// What validate depends on: the config, the chosen collections and their resources.
fn print(state: &State) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    if let Some(c) = &state.answers.config {
        session::fingerprint(c).hash(&mut h);
    }
    format!("{:?}", session::run_of(state)).hash(&mut h);
    state.mat.chosen_names().hash(&mut h);
    for r in &state.mat.resources {
        crate::catalog::canonical_json(r).hash(&mut h);
    }
    h.finish()
}

/// The bindings to validate: each chosen collection with its resource and field choices.
pub fn candidates(mat: &Materialization) -> Vec<Candidate> {
    mat.sources()
        .zip(&mat.resources)
        .map(|(s, resource)| Candidate {
            collection: crate::ops::materialize::collection_spec(s),
            resource: resource.clone(),
            fields: mat.choice(&s.name),
        })
        .collect()
}

fn cancel(state: &mut State) -> Vec<Cmd> {
    state.fields.job.cancel().into_iter().collect()
}

/// Validate (again).
pub fn start(state: &mut State) -> Vec<Cmd> {
    let mut cmds = cancel(state);
    let (Some(run), Some(config)) = (session::run_of(state), state.answers.config.clone()) else {
        state.fields.phase = Phase::Failed(TaskError::invalid(
            "There is no config to validate with: go back to step 3 and fill in the form.",
        ));
        return cmds;
    };
    let id = state.next_req();
    let name = format!(
        "{}/{}",
        session::prefix(state),
        session::task_name(state, &run.choice)
    );
    let validated_for = print(state);
    let f = &mut state.fields;
    f.job.start(id);
    f.phase = Phase::Working;
    f.note = None;
    f.validated_for = Some(validated_for);
    let resource_schema = crate::tui::session::resource_schema(state);
    cmds.push(Cmd::ValidateMaterialization {
        id,
        run,
        name,
        config: Hidden::new(config),
        candidates: Hidden::new(candidates(&state.mat)),
        resource_schema: Hidden::new(resource_schema),
        ssh: session::ssh_use(state),
    });
    cmds
}

fn enter(state: &mut State) -> Vec<Cmd> {
    let f = &state.fields;
    if f.phase == Phase::Done && f.validated_for == Some(print(state)) {
        return Vec::new();
    }
    state.fields.at = 0;
    state.fields.nav = ListNav::default();
    start(state)
}

/// A report of the validate task; stale ones are dropped.
pub fn on_task(state: &mut State, id: ReqId, msg: TaskMsg) -> Reply {
    let f = &mut state.fields;
    if !f.job.is_current(id) || !f.is_working() {
        return Reply::stay();
    }
    match msg {
        TaskMsg::Log(line) => f.job.log(line),
        TaskMsg::SshReady(note) => f.ssh_note = Some(note),
        TaskMsg::MaterializationValidated(Ok(v)) => {
            f.job.finish();
            f.phase = Phase::Done;
            let names = state.mat.chosen_names();
            state.mat.rejected = names
                .into_iter()
                .zip(v.iter())
                .filter_map(|(n, v)| match v {
                    Verdict::Rejected(why) => Some((n, why.clone())),
                    Verdict::Accepted { .. } => None,
                })
                .collect();
            state.fields.verdicts = Some(*v);
        }
        TaskMsg::MaterializationValidated(Err(e)) | TaskMsg::Panicked(e) => fail(state, e),
        TaskMsg::SshFailed(e) => fail(state, e.into()),
        TaskMsg::HostKeyUnknown(ask) => fail(
            state,
            TaskError::environment(format!(
                "SSH tunnel: the SSH server {} presents the unknown {} host key {}: go back to the check, where r asks whether to trust it.",
                crate::tunnel::known_hosts::host_name(&ask.host, ask.port),
                ask.algorithm,
                ask.fingerprint
            )),
        ),
        _ => {}
    }
    Reply::stay()
}

fn fail(state: &mut State, e: TaskError) {
    let f = &mut state.fields;
    f.job.finish();
    f.validated_for = None;
    f.phase = Phase::Failed(e);
}

/// The binding shown: its fields as Flow's selection makes them with the person's choices, and why
/// the choices cannot all be honoured (a conflict); or why the connector rejected it.
pub fn shown(state: &State) -> Result<(Vec<FieldRow>, Option<String>), String> {
    let f = &state.fields;
    let (Some(verdicts), Some(source)) = (&f.verdicts, state.mat.sources().nth(f.at)) else {
        return Ok((Vec::new(), None));
    };
    match verdicts.get(f.at) {
        Some(Verdict::Accepted { validated, .. }) => {
            let collection = crate::ops::materialize::collection_spec(source);
            match selection::select(&collection, validated, &state.mat.choice(&source.name)) {
                Ok(sel) => Ok((sel.fields, None)),
                Err(e) => Ok((e.selection.fields.clone(), Some(e.to_string()))),
            }
        }
        Some(Verdict::Rejected(why)) => Err(why.clone()),
        None => Ok((Vec::new(), None)),
    }
}

/// The rows of the binding shown.
pub fn current_rows(state: &State) -> Vec<FieldRow> {
    shown(state).map(|(rows, _)| rows).unwrap_or_default()
}

/// How many bindings there are to show.
fn count(state: &State) -> usize {
    state
        .mat
        .chosen
        .len()
        .min(state.fields.verdicts.as_ref().map_or(0, Vec::len))
}

fn list_height(state: &State) -> usize {
    let body = crate::tui::layout::areas(state.screen()).body;
    list_area(body).height as usize
}

fn toggle(state: &mut State) {
    let rows = current_rows(state);
    let Some(row) = rows.get(state.fields.nav.selected) else {
        return;
    };
    let Some(name) = state
        .mat
        .sources()
        .nth(state.fields.at)
        .map(|s| s.name.clone())
    else {
        return;
    };
    let mut choice = state.mat.choice(&name);
    match selection::toggle(&mut choice, row) {
        Ok(()) => {
            state.mat.fields.insert(name, choice);
            state.fields.note = None;
        }
        Err(why) => state.fields.note = Some(why),
    }
}

/// `d`: switch the binding's delta updates (its resource's `x-delta-updates` property), then validate.
fn delta_updates(state: &mut State) -> Vec<Cmd> {
    let schema = crate::tui::session::resource_schema(state);
    let pointers = crate::catalog::materialization::resource_pointers(&schema);
    let Some(pointer) = pointers.delta_updates else {
        state.fields.note =
            Some("This connector's resources have no delta updates setting.".into());
        return Vec::new();
    };
    let at = state.fields.at;
    let Some(resource) = state.mat.resources.get_mut(at) else {
        return Vec::new();
    };
    let on = resource
        .pointer(&pointer)
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if let Some(tokens) = crate::schema::pointer::split(&pointer)
        && let Ok(slot) = crate::schema::pointer::create(resource, &tokens)
    {
        *slot = json!(!on);
    }
    start(state)
}

fn on_list(state: &mut State, action: Action) -> Reply {
    let h = list_height(state).max(1);
    let len = current_rows(state).len();
    let n = count(state);
    let f = &mut state.fields;
    match action {
        Action::Up => f.nav.move_by(-1, len, h),
        Action::Down => f.nav.move_by(1, len, h),
        Action::PageUp => f.nav.move_by(-(h as isize), len, h),
        Action::PageDown => f.nav.move_by(h as isize, len, h),
        Action::NextBinding | Action::PrevBinding if n > 0 => {
            f.at = if action == Action::NextBinding {
                (f.at + 1) % n
            } else {
                (f.at + n - 1) % n
            };
            f.nav = ListNav::default();
            f.note = None;
        }
        Action::Toggle => {
            toggle(state);
            return crate::tui::materialization::keep_answer(state).into();
        }
        Action::DeltaUpdates => return delta_updates(state).into(),
        Action::Retry => return start(state).into(),
        Action::NextStep => {
            return Reply::then(
                crate::tui::materialization::keep_answer(state),
                Transition::Next,
            );
        }
        Action::Back => {
            return Reply::then(
                crate::tui::materialization::keep_answer(state),
                Transition::Back,
            );
        }
        _ => {}
    }
    Reply::stay()
}

pub struct FieldsStep;

impl Step for FieldsStep {
    fn contexts(state: &State) -> Vec<Ctx> {
        match state.fields.phase {
            Phase::Working => vec![Ctx::Busy],
            Phase::Done => vec![Ctx::FieldList],
            _ => vec![Ctx::ValidateFailed, Ctx::Page],
        }
    }

    fn enter(state: &mut State) -> Reply {
        enter(state).into()
    }

    fn on_action(state: &mut State, action: Action) -> Reply {
        match state.fields.phase {
            Phase::Working => match action {
                Action::Cancel | Action::Back => {
                    let cmds = cancel(state);
                    state.fields.phase = Phase::Idle;
                    state.fields.validated_for = None;
                    Reply::then(cmds, Transition::Back)
                }
                _ => Reply::stay(),
            },
            Phase::Done => on_list(state, action),
            _ => match action {
                Action::Retry => start(state).into(),
                Action::EditConfig => Reply::go(Transition::GoTo(StepId::Config)),
                Action::Back => Reply::go(Transition::Back),
                other => {
                    if let Some(d) = super::scroll_delta(other) {
                        state.fields.job.scroll_log(d);
                    }
                    Reply::stay()
                }
            },
        }
    }

    fn on_mouse(state: &mut State, body: Rect, ev: MouseEvent) -> Reply {
        let list = list_area(body);
        if let MouseEventKind::Down(MouseButton::Left) = ev.kind
            && state.fields.phase == Phase::Done
            && ev.row >= list.y
            && ev.row < list.y + list.height
        {
            // A click selects the row; on the row already selected, or on its box, it toggles.
            let len = current_rows(state).len();
            let h = list.height as usize;
            if let Some(row) = state.fields.nav.row_at((ev.row - list.y) as usize, len, h) {
                let again = row == state.fields.nav.selected || ev.column < list.x + 4;
                state.fields.nav.select(row, len, h);
                if again {
                    toggle(state);
                    return crate::tui::materialization::keep_answer(state).into();
                }
            }
            return Reply::stay();
        }
        if let Some(d) = super::wheel_delta(&ev) {
            if state.fields.phase == Phase::Done {
                let h = list_height(state);
                let len = current_rows(state).len();
                state.fields.nav.move_by(d, len, h);
            } else {
                state.fields.job.scroll_log(d);
            }
        }
        Reply::stay()
    }

    fn view(state: &State, frame: &mut Frame, body: Rect) {
        super::fields_view::view(state, frame, body);
    }
}

/// The constraint in a few words (the table's column).
pub fn constraint_word(row: &FieldRow) -> &'static str {
    row.constraint
        .as_ref()
        .map_or("omitted", |c| constraint_label(c.kind))
}
