//! Step 1, Connector: the catalogs found under the current directory ("Open a catalog": each task with its
//! kind, connector and binding count; picking one opens it for editing), the curated list, connectors
//! found on PATH, and two custom entries ("Any Docker image…", "Local command…" opening a form, see
//! `connector_form`). Typing (or `/`) filters; Enter picks, which saves the draft and starts step 2.
//! Docker's status is shown; local connectors work without it.

use super::connector_form::{self, CustomForm, FormKind};
use super::{Reply, Step};
use crate::connector::endpoint::shell_words;
use crate::model::ConnectorKind;
use crate::ops::edit::CatalogSummary;
use crate::tui::connectors::{CatalogEntry, ConnectorChoice, LocalConnector};
use crate::tui::draft::Draft;
use crate::tui::flow::Transition;
use crate::tui::keys::{Action, Ctx};
use crate::tui::msg::{Cmd, ReqId};
use crate::tui::state::{DockerStatus, State};
use crate::tui::widgets::select_list::ListNav;
use crate::tui::widgets::text::wrap;
use crate::tui::widgets::text_input::TextInput;
use ratatui::Frame;
use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

pub const INTRO: &str = "A connector is a program that reads from (capture) or writes to (materialize) an \
                         external system. Pick one to start with.";

/// A row of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    /// A task of a catalog found under the current directory: (catalog, task).
    Catalog(usize, usize),
    AnyImage,
    LocalCommand,
    Local(usize),
    Curated(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    List,
    Filter,
    Form,
}

#[derive(Debug, Clone)]
pub struct ConnectorState {
    pub curated: Vec<CatalogEntry>,
    pub local: Vec<LocalConnector>,
    pub scan_req: Option<crate::tui::msg::ReqId>,
    pub filter: TextInput,
    pub mode: Mode,
    /// The rows the filter lets through, in display order.
    pub rows: Vec<Row>,
    pub nav: ListNav,
    pub form: CustomForm,
    /// What the filter searches in each curated entry, lowercased once (typing stays fast at 10,000).
    curated_hay: Vec<String>,
    /// Catalogs found under the current directory, and the search for them.
    pub catalogs: Vec<CatalogSummary>,
    pub catalogs_req: Option<ReqId>,
    /// A catalog's task being opened (sops may be decrypting its config), and why the last one failed.
    pub opening: Option<ReqId>,
    pub open_error: Option<String>,
}

impl ConnectorState {
    pub fn new(curated: Vec<CatalogEntry>) -> ConnectorState {
        let mut s = ConnectorState {
            curated,
            local: Vec::new(),
            scan_req: None,
            filter: TextInput::default(),
            mode: Mode::List,
            rows: Vec::new(),
            nav: ListNav::default(),
            form: CustomForm::default(),
            curated_hay: Vec::new(),
            catalogs: Vec::new(),
            catalogs_req: None,
            opening: None,
            open_error: None,
        };
        s.refilter();
        s
    }

    /// Recompute the visible rows from the filter, keeping the selected row when it is still there.
    pub fn refilter(&mut self) {
        let keep = self.rows.get(self.nav.selected).copied();
        let query = crate::tui::widgets::filter::Query::new(self.filter.value());
        if self.curated_hay.len() != self.curated.len() {
            self.curated_hay = self
                .curated
                .iter()
                .map(|e| {
                    format!(
                        "{} {} {} {} {}",
                        e.title,
                        e.image,
                        e.category,
                        kind(e.kind),
                        e.protocol
                    )
                    .to_lowercase()
                })
                .collect();
        }
        let hit = |hay: &str| query.matches(hay);
        let mut rows: Vec<Row> = self
            .catalogs
            .iter()
            .enumerate()
            .flat_map(|(c, cat)| {
                cat.tasks.iter().enumerate().filter_map(move |(t, task)| {
                    let hay = format!(
                        "{} {} {} catalog {}",
                        task.name,
                        task.connector,
                        cat.file.display(),
                        crate::ops::edit::kind_word(task.kind)
                    )
                    .to_lowercase();
                    hit(&hay).then_some(Row::Catalog(c, t))
                })
            })
            .collect();
        rows.extend([Row::AnyImage, Row::LocalCommand]);
        rows.extend(
            (0..self.local.len())
                .filter(|i| {
                    let l = &self.local[*i];
                    hit(&format!(
                        "{} {} local {} {}",
                        l.name,
                        l.path.display(),
                        kind(l.kind),
                        l.protocol().map(|p| p.to_string()).unwrap_or_default()
                    )
                    .to_lowercase())
                })
                .map(Row::Local),
        );
        rows.extend(
            (0..self.curated.len())
                .filter(|i| hit(&self.curated_hay[*i]))
                .map(Row::Curated),
        );
        self.rows = rows;
        // Keep the selected connector if it still matches; else, with a filter, select the first match
        // (that is what a filter is for) rather than a custom entry.
        let filtering = !query.is_empty() && self.rows.len() > 2;
        let keep = keep.filter(|k| !(filtering && matches!(k, Row::AnyImage | Row::LocalCommand)));
        let first_match = self
            .rows
            .iter()
            .position(|r| !matches!(r, Row::AnyImage | Row::LocalCommand))
            .unwrap_or(0);
        self.nav.selected = match keep.and_then(|k| self.rows.iter().position(|r| *r == k)) {
            Some(i) => i,
            None if filtering => first_match,
            None => 0,
        };
    }

    /// Connector rows matching the filter (the two custom entries and the catalogs excluded).
    pub fn matches(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| matches!(r, Row::Local(_) | Row::Curated(_)))
            .count()
    }

    pub fn total(&self) -> usize {
        self.curated.len() + self.local.len()
    }

    /// Select the row for `choice` if the list has it (used when resuming a draft).
    pub fn select_choice(&mut self, choice: &ConnectorChoice) {
        let found = self.rows.iter().position(|r| match (r, choice) {
            (Row::Curated(i), ConnectorChoice::Image { image, .. }) => {
                self.curated[*i].image == *image
            }
            (Row::Local(i), ConnectorChoice::Local { command, .. }) => {
                command.len() == 1 && self.local[*i].path.display().to_string() == command[0]
            }
            _ => false,
        });
        match found {
            Some(i) => self.nav.selected = i,
            None => {
                self.form.remember(choice);
                self.nav.selected = if choice.is_image() { 0 } else { 1 };
            }
        }
    }
}

pub(super) fn kind(k: ConnectorKind) -> &'static str {
    match k {
        ConnectorKind::Capture => "capture",
        ConnectorKind::Materialize => "materialize",
    }
}

/// Where things are drawn in the body; `update` uses the same layout to map mouse clicks.
pub struct Areas {
    pub intro: Rect,
    pub docker: Rect,
    pub filter: Rect,
    pub header: Rect,
    pub list: Rect,
    pub details: Rect,
}

pub fn areas(body: Rect) -> Areas {
    let roomy = body.height >= 14;
    let intro_h = if roomy {
        wrap(INTRO, body.width as usize).len().min(2) as u16
    } else {
        0
    };
    let details_h = if roomy { 4 } else { 0 };
    let mut y = body.y;
    let mut take = |h: u16| {
        let h = h.min(body.y + body.height - y);
        let r = Rect::new(body.x, y, body.width, h);
        y += h;
        r
    };
    let intro = take(intro_h);
    let docker = take(1);
    let filter = take(1);
    let header = take(1);
    let rest = body.height.saturating_sub(intro_h + 3);
    let list = take(rest.saturating_sub(details_h));
    let details = take(details_h);
    Areas {
        intro,
        docker,
        filter,
        header,
        list,
        details,
    }
}

fn list_height(state: &State) -> usize {
    areas(crate::tui::layout::areas(state.screen()).body)
        .list
        .height as usize
}

/// Pick the selected row: a connector starts step 2; a custom entry opens its form; a catalog's task is
/// opened (in a task: sops may decrypt its config).
fn pick(state: &mut State) -> Reply {
    let c = &state.connector;
    let choice = match c.rows.get(c.nav.selected) {
        None => return Reply::stay(),
        Some(Row::Catalog(ci, ti)) => {
            let (file, name) = (
                c.catalogs[*ci].file.clone(),
                c.catalogs[*ci].tasks[*ti].name.clone(),
            );
            let id = state.next_req();
            let c = &mut state.connector;
            c.opening = Some(id);
            c.open_error = None;
            return vec![Cmd::OpenCatalog { id, file, name }].into();
        }
        Some(Row::AnyImage) => return open_form(state, FormKind::Image),
        Some(Row::LocalCommand) => return open_form(state, FormKind::Command),
        Some(Row::Curated(i)) => {
            let e = &c.curated[*i];
            ConnectorChoice::Image {
                image: e.image.clone(),
                title: Some(e.title.clone()),
                protocol: None,
            }
        }
        Some(Row::Local(i)) => {
            let l = &c.local[*i];
            ConnectorChoice::Local {
                command: vec![l.path.display().to_string()],
                title: Some(l.name.clone()),
                protocol: l.protocol(),
                env: Default::default(),
            }
        }
    };
    // Coming back to step 1 lands on the list (the filter text stays; / edits it again).
    state.connector.mode = Mode::List;
    settle(state, choice)
}

/// The connector is chosen: keep it (saving the draft), then on to step 2, which fetches its spec.
fn settle(state: &mut State, choice: ConnectorChoice) -> Reply {
    let mut cmds = Vec::new();
    if state.answers.connector.as_ref() != Some(&choice) {
        // Another connector: the answers given for the previous one (config, tunnel…) no longer apply.
        state.answers = crate::tui::draft::Answers {
            connector: Some(choice),
            ..Default::default()
        };
        let id = state.next_req();
        state.draft.req = Some(id);
        cmds.push(Cmd::SaveDraft(id, Draft::new(state.answers.clone())));
    }
    Reply::then(cmds, Transition::Next)
}

fn open_form(state: &mut State, kind: FormKind) -> Reply {
    let c = &mut state.connector;
    // A filter that looks like an image reference is most likely the image the person wants.
    let filter = c.filter.value().trim().to_string();
    c.form.open(kind, &filter);
    c.mode = Mode::Form;
    Reply::stay()
}

/// The catalogs found under the current directory.
pub fn on_catalogs(state: &mut State, id: ReqId, found: Vec<CatalogSummary>) {
    let c = &mut state.connector;
    if c.catalogs_req != Some(id) {
        return;
    }
    c.catalogs_req = None;
    c.catalogs = found;
    // Still at the top: the catalogs come first (they are above the connectors).
    let at_top = c.nav.selected == 0 && c.filter.is_empty();
    c.refilter();
    if at_top {
        c.nav.selected = 0;
    }
}

/// A catalog's task opened (or not): editing it starts, walking the flow of an existing task.
pub fn on_opened(
    state: &mut State,
    id: ReqId,
    result: Result<Box<crate::ops::edit::OpenedTask>, crate::tui::msg::TaskError>,
) -> Reply {
    if state.connector.opening != Some(id) {
        return Reply::stay();
    }
    state.connector.opening = None;
    match result {
        Ok(task) => crate::tui::opened::start(state, *task),
        Err(e) => {
            state.connector.open_error = Some(e.to_string());
            Reply::stay()
        }
    }
}

pub struct ConnectorStep;

impl Step for ConnectorStep {
    fn contexts(state: &State) -> Vec<Ctx> {
        let c = &state.connector;
        let mut ctxs = match c.mode {
            // Typing on the list filters it, as in fzf: letters are filter text, not commands.
            Mode::List => vec![Ctx::TypeToFilter, Ctx::List],
            Mode::Filter => vec![Ctx::Filter, Ctx::TextInput],
            Mode::Form => c.form.contexts(),
        };
        if c.mode == Mode::List && matches!(state.docker, DockerStatus::Down { .. }) {
            ctxs.push(Ctx::DockerDown);
        }
        ctxs
    }

    fn on_action(state: &mut State, action: Action) -> Reply {
        if state.connector.mode == Mode::Form {
            return match connector_form::on_action(&mut state.connector.form, action) {
                connector_form::Outcome::Stay => Reply::stay(),
                connector_form::Outcome::Back => {
                    state.connector.mode = Mode::List;
                    Reply::stay()
                }
                connector_form::Outcome::Picked(choice) => {
                    state.connector.mode = Mode::List;
                    settle(state, choice)
                }
            };
        }
        let height = list_height(state);
        let c = &mut state.connector;
        let len = c.rows.len();
        let page = height.max(1) as isize;
        match action {
            Action::Up => c.nav.move_by(-1, len, height),
            Action::Down => c.nav.move_by(1, len, height),
            Action::PageUp => c.nav.move_by(-page, len, height),
            Action::PageDown => c.nav.move_by(page, len, height),
            Action::Top => c.nav.select(0, len, height),
            Action::Bottom => c.nav.select(len.saturating_sub(1), len, height),
            Action::Filter => c.mode = Mode::Filter,
            Action::LeaveFilter => c.mode = Mode::List,
            Action::Pick => return pick(state),
            edit if c.mode == Mode::Filter && c.filter.edit(edit) => {
                c.refilter();
                c.nav.clamp(c.rows.len(), height);
            }
            _ => {}
        }
        Reply::stay()
    }

    fn on_text(state: &mut State, text: &str) -> Reply {
        let height = list_height(state);
        let c = &mut state.connector;
        match c.mode {
            Mode::Form => c.form.insert(text),
            Mode::List | Mode::Filter => {
                // Typing or pasting on the list filters by that text.
                c.mode = Mode::Filter;
                c.filter.insert(text);
                c.refilter();
                c.nav.clamp(c.rows.len(), height);
            }
        }
        Reply::stay()
    }

    fn on_mouse(state: &mut State, body: Rect, ev: MouseEvent) -> Reply {
        if state.connector.mode == Mode::Form {
            return Reply::stay();
        }
        let a = areas(body);
        let height = a.list.height as usize;
        let c = &mut state.connector;
        let len = c.rows.len();
        let inside = |r: Rect| r.contains(ratatui::layout::Position::new(ev.column, ev.row));
        match ev.kind {
            MouseEventKind::ScrollDown if inside(a.list) => c.nav.move_by(3, len, height),
            MouseEventKind::ScrollUp if inside(a.list) => c.nav.move_by(-3, len, height),
            MouseEventKind::Down(MouseButton::Left) if inside(a.filter) => c.mode = Mode::Filter,
            MouseEventKind::Down(MouseButton::Left) if inside(a.list) => {
                if let Some(row) = c.nav.row_at((ev.row - a.list.y) as usize, len, height) {
                    if c.mode == Mode::List && row == c.nav.selected {
                        // A click on the selected row picks it.
                        return pick(state);
                    }
                    c.nav.select(row, len, height);
                    c.mode = Mode::List;
                }
            }
            _ => {}
        }
        Reply::stay()
    }

    fn view(state: &State, frame: &mut Frame, body: Rect) {
        super::connector_view::view(state, frame, body);
    }
}

/// For the local command form: the command of a choice as one line.
pub fn command_line(command: &[String]) -> String {
    shell_words(command)
}
