//! Step 6, Bindings: run the connector's discover in a task (spinner, latest log line, Esc cancels), then
//! the discovered bindings in a list that stays instant with tens of thousands of entries: the bindings
//! are shared (`Arc`), the filter keeps a vector of indices (no schema is ever copied), and only the
//! visible rows are drawn. Space toggles, `a`/`n` select all/none of the filtered set, Enter edits a
//! collection name (checked with `catalog::naming`, duplicates refused). Names are the ones
//! `catwalk discover` would write; the answer (selected resource ids, edited names) goes to the draft.
//! Discover goes through the SSH tunnel the config asks for, as the check does (opened by the same code,
//! closed when it ends or is cancelled).

use super::{Reply, Step};
use crate::catalog;
use crate::model::DiscoveredBinding;
use crate::tui::draft::{BindingsAnswer, Draft};
use crate::tui::flow::Transition;
use crate::tui::job::Job;
use crate::tui::keys::{Action, Ctx};
use crate::tui::msg::{Cmd, Hidden, ReqId, TaskError, TaskMsg};
use crate::tui::session;
use crate::tui::state::{State, StepId};
use crate::tui::widgets::select_list::ListNav;
use crate::tui::widgets::text_input::TextInput;
use ratatui::Frame;
use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;
use std::collections::HashSet;
use std::sync::Arc;

/// The prefix collections go under until step 7 says otherwise (the CLI's default).
pub use crate::tui::session::DEFAULT_PREFIX;

#[derive(Debug, Clone, Default, PartialEq)]
pub enum Phase {
    #[default]
    Idle,
    Working,
    Failed(TaskError),
    Done,
}

/// One discovered binding as the list shows it (its schema stays in `BindingsState::bindings`).
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The collection name after the prefix.
    pub name: String,
    /// The name discover would give it.
    pub default_name: String,
    pub selected: bool,
    /// `catalog::resource_id`, as text: what the draft remembers it by.
    pub id: String,
    /// Lower-case name and recommended name: what the filter matches.
    pub search: String,
}

/// Editing a collection name.
#[derive(Debug, Clone, PartialEq)]
pub struct NameEdit {
    pub item: usize,
    pub input: TextInput,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct BindingsState {
    /// The discover task.
    pub job: Job,
    pub phase: Phase,
    pub bindings: Arc<Vec<DiscoveredBinding>>,
    pub items: Vec<Item>,
    /// Indices into `items` of the rows shown (all, or those matching the filter).
    pub visible: Vec<usize>,
    pub filter: TextInput,
    pub filtering: bool,
    pub nav: ListNav,
    /// How many items are selected.
    pub selected: usize,
    pub edit: Option<NameEdit>,
    /// A fingerprint of the config discovered with.
    pub discovered_for: Option<u64>,
    /// The SSH tunnel discover goes through, once ready (what was done).
    pub ssh_note: Option<String>,
    /// The detail pane shows the whole schema tree, the list only a few rows (narrow screens; `t`).
    pub schema_open: bool,
    /// The selected binding's settings, while they are edited (`o`).
    pub settings: Option<Box<super::binding_settings::SettingsEdit>>,
    /// Settings applied (`{resource, key}`), by the discovered resource id: kept in the draft.
    pub applied: std::collections::BTreeMap<String, serde_json::Value>,
}

impl BindingsState {
    pub fn is_working(&self) -> bool {
        self.phase == Phase::Working
    }

    /// Recompute the visible rows from the filter (every word, in the name or the recommended name).
    pub fn refilter(&mut self) {
        let query = crate::tui::widgets::filter::Query::new(self.filter.value());
        self.visible = query.select(self.items.iter().map(|it| it.search.as_str()));
    }

    /// The item under the cursor.
    pub fn current(&self) -> Option<usize> {
        self.visible.get(self.nav.selected).copied()
    }

    /// The answer for the draft.
    pub fn answer(&self) -> BindingsAnswer {
        BindingsAnswer {
            selected: self
                .items
                .iter()
                .filter(|i| i.selected)
                .map(|i| i.id.clone())
                .collect(),
            names: self
                .items
                .iter()
                .filter(|i| i.name != i.default_name)
                .map(|i| (i.id.clone(), i.name.clone()))
                .collect(),
            settings: self.applied.clone(),
        }
    }
}

pub use crate::tui::session::prefix;

/// The list items for discovered `bindings`: the names `catwalk discover` gives (normalised, made
/// unique), selected unless the connector proposes them disabled; then `answer` (from the draft or an
/// earlier visit) restores selections and edited names by resource id.
pub fn items_for(
    bindings: &[DiscoveredBinding],
    pointers: &[String],
    answer: Option<&BindingsAnswer>,
) -> Vec<Item> {
    let names: Vec<String> = bindings
        .iter()
        .map(|b| catalog::normalize_name(&b.recommended_name))
        .collect();
    let names = catalog::dedupe_names(&names);
    let chosen: Option<HashSet<&str>> =
        answer.map(|a| a.selected.iter().map(String::as_str).collect());
    let mut items: Vec<Item> = bindings
        .iter()
        .zip(names)
        .map(|(b, name)| {
            let id = catalog::resource_id(&b.resource_config, pointers).to_string();
            let selected = match &chosen {
                Some(set) => set.contains(id.as_str()),
                None => !b.disable,
            };
            let renamed = answer.and_then(|a| a.names.get(&id)).cloned();
            let shown = renamed.unwrap_or_else(|| name.clone());
            Item {
                search: search_text(&shown, &b.recommended_name),
                name: shown,
                default_name: name,
                selected,
                id,
            }
        })
        .collect();
    // A restored name may now clash with a default one: the restored name wins, the other gets a suffix.
    if answer.is_some_and(|a| !a.names.is_empty()) {
        let mut alloc = catalog::NameAllocator::new();
        for it in items.iter().filter(|i| i.name != i.default_name) {
            alloc.reserve(&it.name);
        }
        for (it, b) in items.iter_mut().zip(bindings) {
            if it.name == it.default_name {
                let n = alloc.allocate(&it.name);
                if n != it.name {
                    it.search = search_text(&n, &b.recommended_name);
                    it.name = n;
                }
            }
        }
    }
    items
}

fn search_text(name: &str, recommended: &str) -> String {
    format!("{} {}", name.to_lowercase(), recommended.to_lowercase())
}

/// Go to step 6: discover, unless bindings were already discovered with this very config.
fn enter(state: &mut State) -> Vec<Cmd> {
    let print = state.answers.config.as_ref().map(session::fingerprint);
    let b = &state.bindings;
    if b.phase == Phase::Done && print.is_some() && b.discovered_for == print {
        return Vec::new();
    }
    start(state)
}

fn cancel(state: &mut State) -> Vec<Cmd> {
    state.bindings.job.cancel().into_iter().collect()
}

/// Start (or restart) discover. What was selected stays in `answers.bindings` and applies to the result.
pub fn start(state: &mut State) -> Vec<Cmd> {
    let mut cmds = cancel(state);
    if state.bindings.phase == Phase::Done {
        state.answers.bindings = Some(Box::new(state.bindings.answer()));
    }
    let (Some(run), Some(config)) = (session::run_of(state), state.answers.config.clone()) else {
        state.bindings.phase = Phase::Failed(TaskError::invalid(
            "There is no config to discover with: go back to step 3 and fill in the form.",
        ));
        return cmds;
    };
    if run.kind == crate::model::ConnectorKind::Materialize {
        state.bindings.phase = Phase::Failed(TaskError::invalid(format!(
            "{} is a materialization connector: it writes collections into a system, so it has nothing to \
             discover. The wizard builds captures: pick a capture (source) connector. A materialization's \
             bindings name the collections to write; write them by hand and check them with `catwalk check`.",
            run.choice.describe()
        )));
        return cmds;
    }
    let id = state.next_req();
    state.bindings = BindingsState {
        phase: Phase::Working,
        discovered_for: Some(session::fingerprint(&config)),
        ..BindingsState::default()
    };
    state.bindings.job.start(id);
    cmds.push(Cmd::Discover {
        id,
        run,
        config: Hidden::new(config),
        ssh: session::ssh_use(state),
    });
    cmds
}

/// A report from a discover task; stale ones are dropped.
pub fn on_task(state: &mut State, id: ReqId, msg: TaskMsg) -> Reply {
    if !state.bindings.job.is_current(id) || !state.bindings.is_working() {
        return Reply::stay();
    }
    match msg {
        TaskMsg::Log(line) => state.bindings.job.log(line),
        TaskMsg::Discovered(Ok(found)) => {
            let pointers = state
                .spec
                .outcome
                .as_ref()
                .map(|o| o.spec.resource_path_pointers.clone())
                .unwrap_or_default();
            let items = items_for(&found, &pointers, state.answers.bindings.as_deref());
            let b = &mut state.bindings;
            b.job.finish();
            b.phase = Phase::Done;
            b.selected = items.iter().filter(|i| i.selected).count();
            b.items = items;
            b.bindings = found;
            b.applied = Default::default();
            b.nav = ListNav::default();
            b.refilter();
            clamp(state);
            if let Some(a) = state.answers.bindings.as_deref() {
                let settings = a.settings.clone();
                super::binding_settings::restore(&mut state.bindings, &settings);
            }
        }
        TaskMsg::Discovered(Err(e)) | TaskMsg::Panicked(e) => {
            let b = &mut state.bindings;
            b.job.finish();
            b.phase = Phase::Failed(e);
        }
        TaskMsg::SshReady(note) => state.bindings.ssh_note = Some(note),
        TaskMsg::SshFailed(e) => {
            let b = &mut state.bindings;
            b.job.finish();
            b.discovered_for = None;
            b.phase = Phase::Failed(e.into());
        }
        TaskMsg::HostKeyUnknown(ask) => {
            let b = &mut state.bindings;
            b.job.finish();
            b.discovered_for = None;
            b.phase = Phase::Failed(TaskError::environment(format!(
                "SSH tunnel: the SSH server {} is not in {}; it presents the {} host key {}. Esc goes back to \
                 the check, where r checks the SSH path and asks whether to trust this key.",
                crate::tunnel::known_hosts::host_name(&ask.host, ask.port),
                ask.known_hosts.display(),
                ask.algorithm,
                ask.fingerprint
            )));
        }
        _ => {}
    }
    Reply::stay()
}

/// Keep the answer and save the draft.
fn keep_answer(state: &mut State) -> Vec<Cmd> {
    if state.bindings.phase != Phase::Done {
        return Vec::new();
    }
    state.answers.bindings = Some(Box::new(state.bindings.answer()));
    let id = state.next_req();
    state.draft.req = Some(id);
    vec![Cmd::SaveDraft(id, Draft::new(state.answers.clone()))]
}

fn back(state: &mut State) -> Reply {
    let mut cmds = cancel(state);
    if state.bindings.is_working() {
        state.bindings.phase = Phase::Idle;
        state.bindings.discovered_for = None;
    }
    cmds.extend(keep_answer(state));
    Reply::then(cmds, Transition::Back)
}

/// The list's height for the current terminal size.
fn list_height(state: &State) -> usize {
    let body = crate::tui::layout::areas(state.screen()).body;
    super::bindings_view::areas(state, body).list.height as usize
}

/// Keep the list's selection and offset valid.
pub fn clamp(state: &mut State) {
    let h = list_height(state);
    let b = &mut state.bindings;
    b.nav.clamp(b.visible.len(), h);
}

fn set_selected(b: &mut BindingsState, item: usize, on: bool) {
    let it = &mut b.items[item];
    if it.selected != on {
        it.selected = on;
        if on {
            b.selected += 1;
        } else {
            b.selected -= 1;
        }
    }
}

fn move_by(state: &mut State, delta: isize) {
    let h = list_height(state);
    let b = &mut state.bindings;
    b.nav.move_by(delta, b.visible.len(), h);
}

/// Check an edited name: valid under the prefix, and used by no other binding (case ignored).
pub fn check_name(state: &State, item: usize, name: &str) -> Result<String, String> {
    let name = name.trim().trim_matches('/').to_string();
    let full = format!("{}/{name}", prefix(state));
    catalog::validate_name("collection name", &full).map_err(|e| e.to_string())?;
    let folded = name.to_lowercase();
    if let Some((_, other)) = state
        .bindings
        .items
        .iter()
        .enumerate()
        .find(|(i, it)| *i != item && it.name.to_lowercase() == folded)
    {
        return Err(format!(
            "`{full}` is taken by another binding ({}): choose another name",
            other.default_name
        ));
    }
    Ok(name)
}

fn on_edit(state: &mut State, action: Action) -> Vec<Cmd> {
    let Some(mut edit) = state.bindings.edit.take() else {
        return Vec::new();
    };
    match action {
        Action::Back | Action::Cancel => return Vec::new(),
        Action::Submit => match check_name(state, edit.item, edit.input.value()) {
            Ok(name) => {
                let b = &mut state.bindings;
                let recommended = &b.bindings[edit.item].recommended_name;
                let it = &mut b.items[edit.item];
                it.search = search_text(&name, recommended);
                it.name = name;
                return Vec::new();
            }
            Err(e) => edit.error = Some(e),
        },
        other => {
            if edit.input.edit(other) {
                edit.error = None;
            }
        }
    }
    state.bindings.edit = Some(edit);
    Vec::new()
}

fn on_list(state: &mut State, action: Action) -> Reply {
    let h = list_height(state);
    match action {
        Action::Up => move_by(state, -1),
        Action::Down => move_by(state, 1),
        Action::PageUp => move_by(state, -(h.max(1) as isize)),
        Action::PageDown => move_by(state, h.max(1) as isize),
        Action::NextStep => return Reply::then(keep_answer(state), Transition::Next),
        Action::Back => return back(state),
        _ => {}
    }
    let b = &mut state.bindings;
    match action {
        Action::Top => b.nav.select(0, b.visible.len(), h),
        Action::Bottom => b.nav.select(b.visible.len(), b.visible.len(), h),
        Action::Toggle => {
            if let Some(i) = b.current() {
                let on = !b.items[i].selected;
                set_selected(b, i, on);
            }
        }
        Action::SelectAll | Action::SelectNone => {
            let on = action == Action::SelectAll;
            for k in 0..b.visible.len() {
                let i = b.visible[k];
                set_selected(b, i, on);
            }
        }
        Action::Filter => b.filtering = true,
        Action::BindingSettings => super::binding_settings::open(state),
        Action::ShowSchema => {
            b.schema_open = !b.schema_open;
            clamp(state);
        }
        Action::Rename => {
            if let Some(i) = b.current() {
                b.edit = Some(NameEdit {
                    item: i,
                    input: TextInput::new(&b.items[i].name),
                    error: None,
                });
            }
        }
        _ => {}
    }
    Reply::stay()
}

fn on_filter(state: &mut State, action: Action) -> Vec<Cmd> {
    match action {
        Action::LeaveFilter => state.bindings.filtering = false,
        Action::Up => move_by(state, -1),
        Action::Down => move_by(state, 1),
        other => {
            let b = &mut state.bindings;
            if b.filter.edit(other) {
                b.refilter();
                b.nav = ListNav::default();
                clamp(state);
            }
        }
    }
    Vec::new()
}

fn on_page(state: &mut State, action: Action) -> Reply {
    match action {
        Action::Retry => return start(state).into(),
        Action::EditConfig => return Reply::then(cancel(state), Transition::GoTo(StepId::Config)),
        Action::Back | Action::Cancel => return back(state),
        other => {
            if let Some(d) = super::scroll_delta(other) {
                state.bindings.job.scroll_log(d);
            }
        }
    }
    Reply::stay()
}

pub struct BindingsStep;

impl Step for BindingsStep {
    fn contexts(state: &State) -> Vec<Ctx> {
        let b = &state.bindings;
        match &b.phase {
            Phase::Working => vec![Ctx::Busy],
            Phase::Failed(_) | Phase::Idle => vec![Ctx::DiscoverFailed, Ctx::Page],
            Phase::Done if b.items.is_empty() => vec![Ctx::DiscoverFailed],
            Phase::Done if b.settings.is_some() => b
                .settings
                .as_deref()
                .map(super::binding_settings::contexts)
                .unwrap_or_default(),
            Phase::Done if b.edit.is_some() => vec![Ctx::NameEdit, Ctx::TextInput],
            Phase::Done if b.filtering => vec![Ctx::BindingFilter, Ctx::TextInput],
            Phase::Done => vec![Ctx::Bindings],
        }
    }

    fn enter(state: &mut State) -> Reply {
        enter(state).into()
    }

    fn on_action(state: &mut State, action: Action) -> Reply {
        let b = &state.bindings;
        let listed = b.phase == Phase::Done && !b.items.is_empty();
        if b.is_working() {
            return match action {
                Action::Cancel | Action::Back => back(state),
                _ => Reply::stay(),
            };
        }
        if listed && b.settings.is_some() {
            super::binding_settings::on_action(state, action)
        } else if listed && b.edit.is_some() {
            on_edit(state, action).into()
        } else if listed && b.filtering {
            on_filter(state, action).into()
        } else if listed {
            on_list(state, action)
        } else {
            on_page(state, action)
        }
    }

    fn on_text(state: &mut State, text: &str) -> Reply {
        if state.bindings.settings.is_some() {
            return super::binding_settings::on_text(state, text);
        }
        let b = &mut state.bindings;
        if let Some(edit) = b.edit.as_mut() {
            edit.input.insert(text);
            edit.error = None;
        } else if b.filtering {
            b.filter.insert(text);
            b.refilter();
            b.nav = ListNav::default();
            clamp(state);
        }
        Reply::stay()
    }

    fn on_key(state: &mut State, key: ratatui::crossterm::event::KeyEvent) -> Reply {
        super::binding_settings::on_key(state, key)
    }

    fn on_mouse(state: &mut State, body: Rect, ev: MouseEvent) -> Reply {
        if state.bindings.settings.is_some() {
            return Reply::stay();
        }
        if state.bindings.phase != Phase::Done || state.bindings.items.is_empty() {
            if let Some(d) = super::wheel_delta(&ev) {
                state.bindings.job.scroll_log(d);
            }
            return Reply::stay();
        }
        if state.bindings.edit.is_some() {
            return Reply::stay();
        }
        let list = super::bindings_view::areas(state, body).list;
        if let Some(d) = super::wheel_delta(&ev) {
            move_by(state, d);
            return Reply::stay();
        }
        match ev.kind {
            MouseEventKind::Down(MouseButton::Left)
                if ev.row >= list.y
                    && ev.row < list.y + list.height
                    && ev.column >= list.x
                    && ev.column < list.x + list.width =>
            {
                let h = list.height as usize;
                let b = &mut state.bindings;
                let y = (ev.row - list.y) as usize;
                if let Some(row) = b.nav.row_at(y, b.visible.len(), h) {
                    let i = b.visible[row];
                    // A click on the box, or on the row already selected, toggles it.
                    if row == b.nav.selected || ev.column < list.x + 5 {
                        let on = !b.items[i].selected;
                        set_selected(b, i, on);
                    }
                    b.nav.select(row, b.visible.len(), h);
                    b.filtering = false;
                }
            }
            _ => {}
        }
        Reply::stay()
    }

    fn view(state: &State, frame: &mut Frame, body: Rect) {
        if state.bindings.settings.is_some() {
            return super::binding_settings::view(state, frame, body);
        }
        super::bindings_view::view(state, frame, body);
    }
}
