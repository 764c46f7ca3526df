//! A materialization's Collections step: the collections the Flow catalogs in the save directory define
//! (read in a task with `catalog::load`; `o` reads one more catalog file by its path), in a list with the
//! shared filter (`/`), Space, select all / none (of the filtered set); each shown with its key and a
//! summary of its schema. Going on settles the chosen collections in `state.mat` for the later steps.

use super::{Reply, Step};
use crate::tui::flow::{StepId, Transition};
use crate::tui::job::Job;
use crate::tui::keys::{Action, Ctx};
use crate::tui::materialization::Loaded;
use crate::tui::msg::{Cmd, ReqId, TaskError, TaskMsg};
use crate::tui::state::State;
use crate::tui::widgets::select_list::ListNav;
use crate::tui::widgets::text_input::TextInput;
use ratatui::Frame;
use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;
use std::collections::HashSet;
use std::sync::Arc;

#[derive(Debug, Clone, Default, PartialEq)]
pub enum Phase {
    #[default]
    Idle,
    Loading,
    Failed(TaskError),
    Done,
}

/// Typing the path of a catalog file to read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PathPrompt {
    pub input: TextInput,
}

#[derive(Debug, Clone, Default)]
pub struct CollectionsState {
    /// The task reading the catalogs.
    pub job: Job,
    pub phase: Phase,
    /// The directory the catalogs were read from, as typed.
    pub loaded_for: Option<String>,
    /// Whether each collection of `state.mat.loaded` is selected.
    pub selected: Vec<bool>,
    /// Lower-case name, key and file of each collection: what the filter matches.
    pub search: Vec<String>,
    /// Indices of the collections shown (all, or those matching the filter).
    pub visible: Vec<usize>,
    pub filter: TextInput,
    pub filtering: bool,
    pub nav: ListNav,
    pub prompt: Option<PathPrompt>,
    /// Why the step cannot go on (nothing selected).
    pub problem: Option<String>,
}

impl CollectionsState {
    pub fn is_working(&self) -> bool {
        self.phase == Phase::Loading
    }

    /// How many collections are selected.
    pub fn count(&self) -> usize {
        self.selected.iter().filter(|s| **s).count()
    }

    /// The collection under the cursor.
    pub fn current(&self) -> Option<usize> {
        self.visible.get(self.nav.selected).copied()
    }

    fn refilter(&mut self) {
        let query = crate::tui::widgets::filter::Query::new(self.filter.value());
        self.visible = query.select(self.search.iter().map(String::as_str));
    }
}

/// The directory catalogs are read from: the review's (from the draft), else the current one.
fn directory(state: &State) -> String {
    state
        .answers
        .save
        .as_ref()
        .map(|s| s.directory.clone())
        .filter(|d| !d.trim().is_empty())
        .unwrap_or_else(|| ".".into())
}

/// Read the catalogs (again).
fn load(state: &mut State) -> Vec<Cmd> {
    let mut cmds: Vec<Cmd> = state.collections.job.cancel().into_iter().collect();
    let id = state.next_req();
    let dir = directory(state);
    let c = &mut state.collections;
    c.job.start(id);
    c.phase = Phase::Loading;
    c.loaded_for = Some(dir.clone());
    c.problem = None;
    cmds.push(Cmd::LoadCatalogs {
        id,
        dir,
        opened: state.mat.opened.clone(),
    });
    cmds
}

fn enter(state: &mut State) -> Vec<Cmd> {
    let c = &state.collections;
    if c.phase == Phase::Done && c.loaded_for.as_deref() == Some(directory(state).as_str()) {
        return Vec::new();
    }
    load(state)
}

/// The catalogs' collections arrived: the list, selections kept by name (all selected the first time).
pub fn on_task(state: &mut State, id: ReqId, msg: TaskMsg) -> Reply {
    if !state.collections.job.is_current(id) {
        return Reply::stay();
    }
    let result: Result<Arc<Loaded>, TaskError> = match msg {
        TaskMsg::CatalogsLoaded(r) => r,
        TaskMsg::Panicked(e) => Err(e),
        _ => return Reply::stay(),
    };
    state.collections.job.finish();
    match result {
        Err(e) => state.collections.phase = Phase::Failed(e),
        Ok(loaded) => {
            let first = state.mat.loaded.collections.is_empty();
            let resumed = state.answers.materialization.clone().filter(|_| first);
            if let Some(a) = &resumed {
                state.mat.resume(a);
            }
            let before: Option<HashSet<String>> = match resumed {
                Some(a) => Some(a.chosen.into_iter().collect()),
                None if !first => Some(state.mat.chosen_names().into_iter().collect()),
                None => None,
            };
            let c = &mut state.collections;
            c.selected = loaded
                .collections
                .iter()
                .map(|s| before.as_ref().is_none_or(|b| b.contains(&s.name)))
                .collect();
            c.search = loaded
                .collections
                .iter()
                .map(|s| {
                    format!("{} {} {}", s.name, s.key.join(" "), s.file.display()).to_lowercase()
                })
                .collect();
            c.phase = Phase::Done;
            c.nav = ListNav::default();
            c.refilter();
            state.mat.loaded = loaded;
            settle(state);
            clamp(state);
        }
    }
    Reply::stay()
}

/// Keep the chosen collections in `state.mat` (the later steps read them there).
fn settle(state: &mut State) {
    let chosen: Vec<usize> = (0..state.collections.selected.len())
        .filter(|i| state.collections.selected[*i])
        .collect();
    state.mat.chosen = chosen;
}

fn list_height(state: &State) -> usize {
    let body = crate::tui::layout::areas(state.screen()).body;
    super::collections_view::areas(state, body).list.height as usize
}

/// Keep the list's selection and offset valid.
pub fn clamp(state: &mut State) {
    let h = list_height(state);
    let c = &mut state.collections;
    c.nav.clamp(c.visible.len(), h);
}

fn next(state: &mut State) -> Reply {
    settle(state);
    if state.mat.chosen.is_empty() {
        state.collections.problem =
            Some("Select at least one collection (Space, or a for all) to go on.".into());
        return Reply::stay();
    }
    state.collections.problem = None;
    Reply::then(
        crate::tui::materialization::keep_answer(state),
        Transition::Next,
    )
}

fn back(state: &mut State) -> Reply {
    let cmds: Vec<Cmd> = state.collections.job.cancel().into_iter().collect();
    if state.collections.is_working() {
        state.collections.phase = Phase::Idle;
    }
    settle_if_done(state);
    let mut cmds = cmds;
    cmds.extend(crate::tui::materialization::keep_answer(state));
    Reply::then(cmds, Transition::Back)
}

fn settle_if_done(state: &mut State) {
    if state.collections.phase == Phase::Done {
        settle(state);
    }
}

fn on_list(state: &mut State, action: Action) -> Reply {
    let h = list_height(state).max(1);
    let c = &mut state.collections;
    let len = c.visible.len();
    match action {
        Action::Up => c.nav.move_by(-1, len, h),
        Action::Down => c.nav.move_by(1, len, h),
        Action::PageUp => c.nav.move_by(-(h as isize), len, h),
        Action::PageDown => c.nav.move_by(h as isize, len, h),
        Action::Top => c.nav.select(0, len, h),
        Action::Bottom => c.nav.select(len, len, h),
        Action::Toggle => {
            if let Some(i) = c.current() {
                c.selected[i] = !c.selected[i];
                c.problem = None;
            }
        }
        Action::SelectAll | Action::SelectNone => {
            for k in 0..c.visible.len() {
                let i = c.visible[k];
                c.selected[i] = action == Action::SelectAll;
            }
            c.problem = None;
        }
        Action::Filter => c.filtering = true,
        Action::OpenCatalog => c.prompt = Some(PathPrompt::default()),
        Action::Retry => return load(state).into(),
        Action::NextStep => return next(state),
        Action::Back => return back(state),
        _ => {}
    }
    settle(state);
    Reply::stay()
}

fn on_filter(state: &mut State, action: Action) {
    let h = list_height(state);
    let c = &mut state.collections;
    match action {
        Action::LeaveFilter => c.filtering = false,
        Action::Up => c.nav.move_by(-1, c.visible.len(), h),
        Action::Down => c.nav.move_by(1, c.visible.len(), h),
        other => {
            if c.filter.edit(other) {
                c.refilter();
                c.nav = ListNav::default();
            }
        }
    }
}

fn on_prompt(state: &mut State, action: Action) -> Reply {
    let Some(mut prompt) = state.collections.prompt.take() else {
        return Reply::stay();
    };
    match action {
        Action::Back | Action::Cancel => {}
        Action::Submit => {
            let path = prompt.input.value().trim().to_string();
            if !path.is_empty() && !state.mat.opened.contains(&path) {
                state.mat.opened.push(path);
            }
            return load(state).into();
        }
        other => {
            prompt.input.edit(other);
            state.collections.prompt = Some(prompt);
        }
    }
    Reply::stay()
}

pub struct CollectionsStep;

impl Step for CollectionsStep {
    fn contexts(state: &State) -> Vec<Ctx> {
        let c = &state.collections;
        if c.prompt.is_some() {
            return vec![Ctx::CatalogPath, Ctx::TextInput];
        }
        match &c.phase {
            Phase::Loading => vec![Ctx::Busy, Ctx::Upcoming],
            Phase::Done if !c.selected.is_empty() && c.filtering => {
                vec![Ctx::CollectionFilter, Ctx::TextInput]
            }
            Phase::Done if !c.selected.is_empty() => vec![Ctx::Collections],
            _ => vec![Ctx::NoCollections],
        }
    }

    fn enter(state: &mut State) -> Reply {
        enter(state).into()
    }

    fn on_action(state: &mut State, action: Action) -> Reply {
        let c = &state.collections;
        if c.prompt.is_some() {
            return on_prompt(state, action);
        }
        match &c.phase {
            Phase::Loading => match action {
                Action::Cancel | Action::Back => back(state),
                Action::EditConfig => Reply::go(Transition::GoTo(StepId::Config)),
                _ => Reply::stay(),
            },
            Phase::Done if !c.selected.is_empty() && c.filtering => {
                on_filter(state, action);
                clamp(state);
                Reply::stay()
            }
            Phase::Done if !c.selected.is_empty() => {
                let reply = on_list(state, action);
                clamp(state);
                reply
            }
            _ => match action {
                Action::OpenCatalog => {
                    state.collections.prompt = Some(PathPrompt::default());
                    Reply::stay()
                }
                Action::Retry => load(state).into(),
                Action::EditConfig => Reply::go(Transition::GoTo(StepId::Config)),
                Action::Back => back(state),
                _ => Reply::stay(),
            },
        }
    }

    fn on_text(state: &mut State, text: &str) -> Reply {
        let c = &mut state.collections;
        if let Some(p) = c.prompt.as_mut() {
            p.input.insert(text);
        } else if c.filtering {
            c.filter.insert(text);
            c.refilter();
            c.nav = ListNav::default();
            clamp(state);
        }
        Reply::stay()
    }

    fn on_mouse(state: &mut State, body: Rect, ev: MouseEvent) -> Reply {
        if state.collections.phase != Phase::Done || state.collections.prompt.is_some() {
            return Reply::stay();
        }
        let list = super::collections_view::areas(state, body).list;
        let h = list.height as usize;
        let c = &mut state.collections;
        if let Some(d) = super::wheel_delta(&ev) {
            c.nav.move_by(d, c.visible.len(), h);
            return Reply::stay();
        }
        if let MouseEventKind::Down(MouseButton::Left) = ev.kind
            && ev.row >= list.y
            && ev.row < list.y + list.height
            && let Some(row) = c.nav.row_at((ev.row - list.y) as usize, c.visible.len(), h)
        {
            let i = c.visible[row];
            if row == c.nav.selected || ev.column < list.x + 5 {
                c.selected[i] = !c.selected[i];
            }
            c.nav.select(row, c.visible.len(), h);
            c.filtering = false;
            settle(state);
        }
        Reply::stay()
    }

    fn view(state: &State, frame: &mut Frame, body: Rect) {
        super::collections_view::view(state, frame, body);
    }
}
