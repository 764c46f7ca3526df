//! Changes (an existing task only, before saving): what saving would change in the catalog, binding by
//! binding, as the re-discovery's reviewed diff (`catalog::Diff`, planned by the save operation without
//! writing): bindings added, removed (deselected), vanished (no longer discovered), changed (each
//! collection's schema changes, breaking or not) and kept. Each row has a choice (`catalog::Choice`:
//! accept, keep old, disable, backfill, remove where it applies), kept in `opened` for the save.

use super::{Reply, Step};
use crate::catalog::{Choice, SchemaChange};
use crate::tui::edit_plan;
use crate::tui::flow::Transition;
use crate::tui::job::Job;
use crate::tui::keys::{Action, Ctx};
use crate::tui::msg::{Cmd, Hidden, ReqId, SavePreview, TaskError, TaskMsg};
use crate::tui::opened;
use crate::tui::state::{State, StepId};
use ratatui::Frame;
use ratatui::layout::Rect;

#[derive(Debug, Clone, Default, PartialEq)]
pub enum Phase {
    #[default]
    Idle,
    Working,
    Failed(TaskError),
    Done,
}

/// What happens to a binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Discovered and selected, not in the catalog yet.
    Added,
    /// In the catalog, deselected on the bindings step.
    Removed,
    /// In the catalog, no longer discovered.
    Vanished,
    /// In the catalog; its collection's schema or key changes.
    Changed,
    /// In the catalog, unchanged.
    Kept,
}

impl Status {
    /// The choices a binding in this state offers (`disabled` in the catalog: enable, else disable), the
    /// default first.
    pub fn options(self, disabled: bool) -> &'static [Choice] {
        use Choice::*;
        match (self, disabled) {
            (Status::Added, _) => &[Accept, Disable, KeepOld],
            (Status::Removed, _) => &[Remove],
            (Status::Vanished, _) => &[Accept, Remove],
            (Status::Changed, false) => &[Accept, KeepOld, Disable, Backfill],
            (Status::Changed, true) => &[Accept, KeepOld, Enable, Backfill],
            (Status::Kept, false) => &[Accept, Disable, Backfill],
            (Status::Kept, true) => &[Accept, Enable, Backfill],
        }
    }

    pub fn mark(self) -> &'static str {
        match self {
            Status::Added => "+",
            Status::Removed | Status::Vanished => "-",
            Status::Changed => "~",
            Status::Kept => " ",
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Status::Added => "added",
            Status::Removed => "removed",
            Status::Vanished => "vanished",
            Status::Changed => "changed",
            Status::Kept => "kept",
        }
    }
}

/// What a choice does to a binding in this state, in words.
pub fn choice_label(status: Status, choice: Choice, disabled: bool) -> &'static str {
    match (status, choice) {
        (Status::Added, Choice::Accept) => "add",
        (Status::Added, Choice::Disable) => "add disabled",
        (Status::Added, _) => "leave out",
        (Status::Removed, _) => "remove",
        (Status::Vanished, Choice::Remove) => "remove",
        (Status::Vanished, _) => "keep",
        (Status::Changed, Choice::Accept) => "accept",
        (Status::Changed, Choice::KeepOld) => "keep old schema",
        (_, Choice::Disable) => "disable",
        (_, Choice::Enable) => "enable",
        (_, Choice::Backfill) => "backfill",
        (Status::Kept, _) if disabled => "keep (disabled)",
        _ => "keep",
    }
}

/// One binding of the diff.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The resource id (`public/orders`).
    pub id: String,
    pub collection: String,
    pub status: Status,
    pub changes: Vec<SchemaChange>,
    pub breaking: bool,
    /// Disabled in the catalog.
    pub disabled: bool,
    /// The new collection name, when the person renamed it on the bindings step.
    pub renamed: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct ChangesState {
    /// The plan task.
    pub job: Job,
    pub phase: Phase,
    pub rows: Vec<Row>,
    /// The row with the focus.
    pub selected: usize,
    /// The first line shown.
    pub scroll: usize,
    /// What the plan says besides (collections or schema files removed, warnings).
    pub notes: Vec<String>,
}

impl ChangesState {
    pub fn is_working(&self) -> bool {
        self.phase == Phase::Working
    }
}

fn enter(state: &mut State) -> Reply {
    if opened::task(state).is_none() {
        return Reply::go(Transition::Next);
    }
    let mut cmds: Vec<Cmd> = state.changes.job.cancel().into_iter().collect();
    // The diff comes from the bindings as chosen (a deselected saved one removed); the choices made here
    // apply on top of it.
    match edit_plan::request(state, edit_plan::Choices::Deselected) {
        Ok(req) => {
            let id = state.next_req();
            state.changes = ChangesState {
                phase: Phase::Working,
                ..ChangesState::default()
            };
            state.changes.job.start(id);
            cmds.push(Cmd::PlanSave(id, Hidden::new(req)));
        }
        Err(e) => state.changes.phase = Phase::Failed(e),
    }
    cmds.into()
}

/// The rows for a plan's diff: added, removed, vanished, changed, then the saved bindings kept as they are.
pub fn rows_for(state: &State, p: &SavePreview) -> Vec<Row> {
    let deselected = opened::deselected(state);
    let renames = opened::renames(state);
    let mut rows: Vec<Row> = Vec::new();
    for b in &p.diff.added {
        rows.push(Row {
            id: b.resource.clone(),
            collection: b.target.clone(),
            status: Status::Added,
            changes: Vec::new(),
            breaking: false,
            // The report's `disable` is the merge's default for a new binding; the choice decides.
            disabled: false,
            renamed: None,
        });
    }
    let mut gone: Vec<Row> = p
        .diff
        .vanished
        .iter()
        .map(|b| Row {
            status: if deselected.contains(&b.resource) {
                Status::Removed
            } else {
                Status::Vanished
            },
            id: b.resource.clone(),
            collection: b.target.clone(),
            changes: Vec::new(),
            breaking: false,
            disabled: b.disable,
            renamed: None,
        })
        .collect();
    gone.sort_by_key(|r| r.status != Status::Removed);
    rows.extend(gone);
    for c in &p.diff.changed {
        rows.push(Row {
            id: c.resource.clone(),
            collection: c.collection.clone(),
            status: Status::Changed,
            changes: c.changes.clone(),
            breaking: c.breaking,
            disabled: opened::is_disabled(state, &c.resource),
            renamed: renames.get(&c.resource).cloned(),
        });
    }
    for (id, b) in opened::saved(state) {
        if rows.iter().any(|r| r.id == id) {
            continue;
        }
        rows.push(Row {
            renamed: renames.get(&id).cloned(),
            id,
            collection: b.collection.clone(),
            status: Status::Kept,
            changes: Vec::new(),
            breaking: false,
            disabled: b.disable,
        });
    }
    rows
}

/// The plan's answer: the rows, with the choices made before that still apply.
pub fn on_task(state: &mut State, id: ReqId, msg: TaskMsg) -> Reply {
    if !state.changes.job.is_current(id) {
        return Reply::stay();
    }
    state.changes.job.finish();
    match msg {
        TaskMsg::Planned(Ok(p)) => {
            let rows = rows_for(state, &p);
            // A choice a binding no longer offers (it moved from added to kept…) is dropped.
            for r in &rows {
                let c = opened::choice(state, &r.id);
                let options = r.status.options(r.disabled);
                if !options.contains(&c) {
                    opened::set_choice(state, &r.id, options[0]);
                }
            }
            let ch = &mut state.changes;
            ch.rows = rows;
            ch.notes = p.warnings.clone();
            ch.phase = Phase::Done;
            ch.selected = 0;
            ch.scroll = 0;
        }
        TaskMsg::Planned(Err(e)) | TaskMsg::Panicked(e) => {
            state.changes.phase = Phase::Failed(e);
        }
        _ => {}
    }
    Reply::stay()
}

/// Step the focused row's choice through what it offers.
fn cycle(state: &mut State, forward: bool) {
    let Some(row) = state.changes.rows.get(state.changes.selected).cloned() else {
        return;
    };
    let options = row.status.options(row.disabled);
    let now = opened::choice(state, &row.id);
    let at = options.iter().position(|c| *c == now).unwrap_or(0);
    let next = if forward {
        (at + 1) % options.len()
    } else {
        (at + options.len() - 1) % options.len()
    };
    opened::set_choice(state, &row.id, options[next]);
}

pub struct ChangesStep;

impl Step for ChangesStep {
    fn contexts(state: &State) -> Vec<Ctx> {
        match state.changes.phase {
            Phase::Working => vec![Ctx::Busy],
            Phase::Done if !state.changes.rows.is_empty() => vec![Ctx::Changes],
            _ => vec![Ctx::Page],
        }
    }

    fn enter(state: &mut State) -> Reply {
        enter(state)
    }

    fn on_action(state: &mut State, action: Action) -> Reply {
        let ch = &mut state.changes;
        let len = ch.rows.len();
        match action {
            Action::Cancel | Action::Back => {
                let cmds: Vec<Cmd> = ch.job.cancel().into_iter().collect();
                if ch.is_working() {
                    ch.phase = Phase::Idle;
                }
                return Reply::then(cmds, Transition::Back);
            }
            Action::Up => ch.selected = ch.selected.saturating_sub(1),
            Action::Down => ch.selected = (ch.selected + 1).min(len.saturating_sub(1)),
            Action::Top => ch.selected = 0,
            Action::Bottom => ch.selected = len.saturating_sub(1),
            Action::NextChoice | Action::Toggle => cycle(state, true),
            Action::PrevChoice => cycle(state, false),
            Action::NextStep if ch.phase == Phase::Done => return Reply::go(Transition::Next),
            Action::EditConfig => return Reply::go(Transition::GoTo(StepId::Config)),
            _ => {}
        }
        Reply::stay()
    }

    fn view(state: &State, frame: &mut Frame, body: Rect) {
        super::changes_view::view(state, frame, body);
    }
}
