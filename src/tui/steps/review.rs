//! Step 7, Review and save: the directory (default: the current one), the prefix and the capture's name
//! as fields; the files about to be written as a tree (new / changed / unchanged) and a YAML preview of
//! the catalog file, planned in a task by the catalog code `catwalk discover` uses. When a file that
//! exists would change, the person chooses: merge into the existing catalog (`catalog::merge`, its
//! summary shown) or overwrite; nothing is replaced silently. Files are written atomically, the config
//! with mode 0600. The last screen gives the exact next commands.

use super::Step;
use crate::catalog;
use crate::tui::connectors::ConnectorChoice;
use crate::tui::draft::{Draft, SaveAnswer};
use crate::tui::keys::{Action, Ctx};
use crate::tui::msg::{Cmd, Hidden, ReqId, SaveDone, SavePreview, SaveRequest, TaskMsg};
use crate::tui::state::{State, StepId};
use crate::tui::widgets::text_input::TextInput;
use ratatui::Frame;
use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

/// The fields, in order; focus `FIELDS.len()` is the Save button.
pub const FIELDS: [&str; 3] = ["Directory", "Prefix", "Name"];
pub const SAVE_BUTTON: usize = FIELDS.len();

#[derive(Debug, Clone, Default)]
pub struct ReviewState {
    /// Directory, prefix, name (empty until the step is first entered).
    pub fields: Vec<TextInput>,
    pub focus: usize,
    /// A problem per field.
    pub errors: [Option<String>; 3],
    pub built_for: Option<ConnectorChoice>,
    pub plan_req: Option<ReqId>,
    pub preview: Option<SavePreview>,
    /// Why nothing can be planned (a bad directory, nothing selected…).
    pub problem: Option<String>,
    /// Files exist: merge or overwrite?
    pub question: bool,
    /// The fields changed while a plan was under way: its answer is dropped and the files planned again.
    pub dirty: bool,
    pub save_req: Option<ReqId>,
    pub done: Option<SaveDone>,
    /// Scroll of the YAML preview.
    pub scroll: usize,
}

impl ReviewState {
    pub fn prefix(&self) -> &str {
        self.fields.get(1).map(TextInput::value).unwrap_or("")
    }

    pub fn field(&self, i: usize) -> &str {
        self.fields.get(i).map(TextInput::value).unwrap_or("")
    }

    pub fn is_working(&self) -> bool {
        self.plan_req.is_some() || self.save_req.is_some()
    }

    /// The fields as the draft keeps them.
    pub fn answer(&self) -> SaveAnswer {
        SaveAnswer {
            directory: self.field(0).to_string(),
            prefix: self.field(1).to_string(),
            name: self.field(2).to_string(),
        }
    }

    pub fn owns(&self, id: ReqId) -> bool {
        self.plan_req == Some(id) || self.save_req == Some(id)
    }
}

/// The capture's default name: from the image, or the local command's program.
pub fn default_name(choice: &ConnectorChoice) -> String {
    match choice {
        ConnectorChoice::Image { image, .. } => catalog::connector_name(image),
        ConnectorChoice::Local { command, .. } => catalog::local_connector_name(command),
    }
}

/// Go to step 7 (from step 6): fill the fields (from the draft, else defaults) the first time for this
/// connector, and plan the files.
pub fn enter(state: &mut State) -> Vec<Cmd> {
    state.step = StepId::Review;
    let r = &mut state.review;
    if r.fields.is_empty() || r.built_for != state.answers.connector {
        let answer = state
            .answers
            .save
            .as_deref()
            .cloned()
            .unwrap_or_else(|| SaveAnswer {
                directory: ".".into(),
                prefix: super::bindings::DEFAULT_PREFIX.into(),
                name: state
                    .answers
                    .connector
                    .as_ref()
                    .map(default_name)
                    .unwrap_or_default(),
            });
        *r = ReviewState {
            fields: vec![
                TextInput::new(&answer.directory),
                TextInput::new(&answer.prefix),
                TextInput::new(&answer.name),
            ],
            built_for: state.answers.connector.clone(),
            ..ReviewState::default()
        };
    }
    r.done = None;
    r.question = false;
    r.focus = SAVE_BUTTON;
    replan(state)
}

/// Check the fields; the problems go next to them.
fn check_fields(state: &mut State) -> bool {
    let r = &mut state.review;
    r.errors = [None, None, None];
    if let Err(e) = catalog::validate_prefix(r.field(1)) {
        r.errors[1] = Some(e.to_string());
    }
    let name = r.field(2);
    if name.contains('/') {
        r.errors[2] = Some(format!(
            "the name `{name}` has a `/`: the capture's own name is one part (the prefix comes before it)"
        ));
    } else if let Err(e) = catalog::validate_name("capture name", name) {
        r.errors[2] = Some(e.to_string());
    }
    r.errors.iter().all(Option::is_none)
}

/// The save request for the current answers, or why there is none.
pub fn request(state: &State, replace: bool, confirmed: bool) -> Result<SaveRequest, String> {
    let run = super::check::run_of(state)
        .ok_or("there is no connector spec: go back to the first steps")?;
    let config = state
        .answers
        .config
        .clone()
        .ok_or("there is no config: go back to step 3 and fill in the form")?;
    let b = &state.bindings;
    let r = &state.review;
    let prefix = catalog::validate_prefix(r.field(1)).map_err(|e| e.to_string())?;
    let chosen: Vec<(usize, String)> = b
        .items
        .iter()
        .enumerate()
        .filter(|(_, it)| it.selected)
        .map(|(i, it)| (i, format!("{prefix}/{}", it.name)))
        .collect();
    if chosen.is_empty() {
        return Err(
            "no binding is selected: go back to step 6 (Esc) and select at least one".into(),
        );
    }
    Ok(SaveRequest {
        dir: r.field(0).to_string(),
        prefix,
        name: r.field(2).trim().to_string(),
        run,
        bindings: b.bindings.clone(),
        chosen,
        resource_path_pointers: state
            .spec
            .outcome
            .as_ref()
            .map(|o| o.spec.resource_path_pointers.clone())
            .unwrap_or_default(),
        config,
        replace,
        confirmed,
    })
}

/// Plan the files again (after a field changed); the previous plan is cancelled.
fn replan(state: &mut State) -> Vec<Cmd> {
    let mut cmds = Vec::new();
    state.review.problem = None;
    if !check_fields(state) {
        state.review.preview = None;
        // A plan under way is for other fields: its answer is dropped.
        state.review.dirty = state.review.plan_req.is_some();
        return cmds;
    }
    if state.review.plan_req.is_some() {
        // One plan at a time (thousands of schema files take a while): plan again when it answers.
        state.review.dirty = true;
        return cmds;
    }
    match request(state, false, false) {
        Ok(req) => {
            let id = state.next_req();
            state.review.plan_req = Some(id);
            cmds.push(Cmd::PlanSave(id, Hidden::new(req)));
        }
        Err(e) => {
            state.review.preview = None;
            state.review.problem = Some(e);
        }
    }
    cmds
}

fn save(state: &mut State, replace: bool, confirmed: bool) -> Vec<Cmd> {
    state.review.question = false;
    match request(state, replace, confirmed) {
        Ok(req) => {
            let id = state.next_req();
            state.review.save_req = Some(id);
            vec![Cmd::Save(id, Hidden::new(req))]
        }
        Err(e) => {
            state.review.problem = Some(e);
            Vec::new()
        }
    }
}

/// Save asked for: ask first when files that exist would change.
fn ask_or_save(state: &mut State) -> Vec<Cmd> {
    if !check_fields(state) || state.review.save_req.is_some() {
        return Vec::new();
    }
    if state.review.plan_req.is_some() {
        state.review.problem =
            Some("the files are still being worked out: try again in a moment".into());
        return Vec::new();
    }
    match &state.review.preview {
        None => {
            if state.review.problem.is_none() {
                state.review.problem =
                    Some("the files are still being worked out: try again in a moment".into());
            }
            Vec::new()
        }
        Some(p) if p.touches_existing() => {
            state.review.question = true;
            Vec::new()
        }
        Some(_) => save(state, false, false),
    }
}

fn keep_answer(state: &mut State) -> Vec<Cmd> {
    let r = &state.review;
    if r.fields.is_empty() {
        return Vec::new();
    }
    state.answers.save = Some(Box::new(r.answer()));
    let id = state.next_req();
    state.draft.req = Some(id);
    vec![Cmd::SaveDraft(id, Draft::new(state.answers.clone()))]
}

/// A report from a plan or save task; stale ones are dropped.
pub fn on_task(state: &mut State, id: ReqId, msg: TaskMsg) -> Vec<Cmd> {
    let r = &mut state.review;
    match msg {
        TaskMsg::Planned(result) if r.plan_req == Some(id) => {
            r.plan_req = None;
            if r.dirty {
                r.dirty = false;
                return replan(state);
            }
            match result {
                Ok(p) => {
                    r.preview = Some(*p);
                    r.problem = None;
                }
                Err(e) => {
                    r.preview = None;
                    r.problem = Some(e);
                }
            }
            r.scroll = 0;
        }
        TaskMsg::Saved(result) if r.save_req == Some(id) => {
            r.save_req = None;
            match result {
                Ok(done) => {
                    r.done = Some(*done);
                    r.problem = None;
                    state.answers.save = Some(Box::new(r.answer()));
                    // The catalog is written: nothing is left to resume.
                    let id = state.next_req();
                    state.draft.req = Some(id);
                    return vec![Cmd::ClearDraft(id)];
                }
                Err(e) => r.problem = Some(format!("Nothing more was written: {e}")),
            }
        }
        TaskMsg::Panicked(e) if r.owns(id) => {
            r.plan_req = None;
            r.save_req = None;
            r.problem = Some(e);
        }
        _ => {}
    }
    Vec::new()
}

fn scroll_by(state: &mut State, delta: isize) {
    let lines = state
        .review
        .preview
        .as_ref()
        .map(|p| p.flow_yaml.lines().count())
        .unwrap_or(0);
    let r = &mut state.review;
    r.scroll = r
        .scroll
        .saturating_add_signed(delta)
        .min(lines.saturating_sub(1));
}

pub struct ReviewStep;

impl Step for ReviewStep {
    fn contexts(state: &State) -> Vec<Ctx> {
        let r = &state.review;
        if r.done.is_some() {
            vec![Ctx::Saved]
        } else if r.question {
            vec![Ctx::SaveQuestion]
        } else if r.focus < SAVE_BUTTON {
            vec![Ctx::SaveFields, Ctx::TextInput]
        } else {
            vec![Ctx::SaveFields]
        }
    }

    fn on_action(state: &mut State, action: Action) -> Vec<Cmd> {
        let r = &mut state.review;
        if r.done.is_some() {
            if action == Action::Back {
                r.done = None;
            }
            return Vec::new();
        }
        if r.question {
            return match action {
                Action::Merge => save(state, false, true),
                Action::Overwrite => save(state, true, true),
                Action::Back => {
                    state.review.question = false;
                    Vec::new()
                }
                _ => Vec::new(),
            };
        }
        match action {
            Action::Back => {
                let mut cmds: Vec<Cmd> = r.plan_req.take().map(Cmd::Cancel).into_iter().collect();
                r.dirty = false;
                cmds.extend(keep_answer(state));
                state.step = StepId::Bindings;
                cmds
            }
            Action::Save => ask_or_save(state),
            Action::Submit if r.focus == SAVE_BUTTON => ask_or_save(state),
            Action::Submit | Action::NextField => {
                r.focus = (r.focus + 1) % (SAVE_BUTTON + 1);
                Vec::new()
            }
            Action::PrevField => {
                r.focus = (r.focus + SAVE_BUTTON) % (SAVE_BUTTON + 1);
                Vec::new()
            }
            Action::PageUp => {
                scroll_by(state, -10);
                Vec::new()
            }
            Action::PageDown => {
                scroll_by(state, 10);
                Vec::new()
            }
            other if r.focus < SAVE_BUTTON => {
                let focus = r.focus;
                if r.fields[focus].edit(other) {
                    return replan(state);
                }
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn on_text(state: &mut State, text: &str) -> Vec<Cmd> {
        let r = &mut state.review;
        if r.done.is_some() || r.question || r.focus >= SAVE_BUTTON {
            return Vec::new();
        }
        let focus = r.focus;
        r.fields[focus].insert(text);
        replan(state)
    }

    fn on_mouse(state: &mut State, body: Rect, ev: MouseEvent) -> Vec<Cmd> {
        match ev.kind {
            MouseEventKind::ScrollDown => scroll_by(state, 3),
            MouseEventKind::ScrollUp => scroll_by(state, -3),
            MouseEventKind::Down(MouseButton::Left) => {
                let r = &mut state.review;
                if r.done.is_some() || r.question {
                    return Vec::new();
                }
                // Fields are on rows 2..=4 of the body, the Save button on row 5.
                let row = ev.row.saturating_sub(body.y);
                if (2..=5).contains(&row) {
                    r.focus = (row - 2) as usize;
                    if r.focus == SAVE_BUTTON {
                        return ask_or_save(state);
                    }
                }
            }
            _ => {}
        }
        Vec::new()
    }

    fn view(state: &State, frame: &mut Frame, body: Rect) {
        super::review_view::view(state, frame, body);
    }
}
