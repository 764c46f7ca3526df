//! Step 7, Review and save: the directory (default: the current one), the prefix and the capture's name
//! as fields; the files about to be written as a tree (new / changed / unchanged) and a YAML preview of
//! the catalog file, planned in a task by the catalog code `catwalk discover` uses. When a file that
//! exists would change, the person chooses: merge into the existing catalog (`catalog::merge`, its
//! summary shown) or overwrite; nothing is replaced silently. Files are written atomically, the config
//! with mode 0600, or encrypted with sops when the person protects it (secret fields only, or the whole
//! document, for age recipients or a `.sops.yaml`; a config opened encrypted in step 3 is encrypted again
//! for the same keys by default). The chosen bindings are checked with the connector on entry (Flow
//! validate with them, as `catwalk check` does; Airbyte and Singer through the adapter's validate), with
//! a verdict per binding; saving after a failure asks first. An Airbyte image can be wrapped for Flow on
//! save ("Wrap as": a tag; `catwalk image wrap`), and the capture then names the wrap as its image. The last
//! screen says where the catalog can run (`catalog::reach`) and gives the exact next commands: publishing
//! only for a publishable catalog.

use super::{Reply, Step};
use crate::catalog;
use crate::model::ConnectorKind;
use crate::secrets::{Keys, Protection, Scope};
use crate::tui::connectors::ConnectorChoice;
use crate::tui::draft::{Draft, SaveAnswer};
use crate::tui::flow::Transition;
use crate::tui::job::Job;
use crate::tui::keys::{Action, Ctx};
use crate::tui::msg::{
    BindingsCheck, Cmd, Hidden, ReqId, SaveDone, SavePreview, SaveRequest, TaskError, TaskMsg,
};
use crate::tui::session;
use crate::tui::state::State;
use crate::tui::widgets::text_input::TextInput;
use ratatui::Frame;
use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

/// The review's inputs in focus order, the Save button last; a focus is `Input as usize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    Directory,
    Prefix,
    Name,
    /// The sops choice (not a text input).
    Sops,
    /// The age recipients.
    Recipients,
    /// The tag to wrap an Airbyte image as; empty: the local adapter endpoint.
    Wrap,
    Save,
}

impl Input {
    pub const ALL: [Input; 7] = [
        Input::Directory,
        Input::Prefix,
        Input::Name,
        Input::Sops,
        Input::Recipients,
        Input::Wrap,
        Input::Save,
    ];

    /// The input a focus index names.
    pub fn at(focus: usize) -> Option<Input> {
        Input::ALL.get(focus).copied()
    }

    /// Its place in `ReviewState::fields`, for the text inputs.
    pub fn text(self) -> Option<usize> {
        match self {
            Input::Directory => Some(0),
            Input::Prefix => Some(1),
            Input::Name => Some(2),
            Input::Recipients => Some(3),
            Input::Wrap => Some(4),
            Input::Sops | Input::Save => None,
        }
    }
}

/// The fields' labels, in focus order (the Save button follows them).
pub const FIELDS: [&str; 6] = [
    "Directory",
    "Prefix",
    "Name",
    "Secrets",
    "Age keys",
    "Wrap as",
];
pub const SAVE_BUTTON: usize = Input::Save as usize;
pub const SOPS_FIELD: usize = Input::Sops as usize;
pub const RECIPIENTS_FIELD: usize = Input::Recipients as usize;
pub const WRAP_FIELD: usize = Input::Wrap as usize;
const PREFIX: usize = Input::Prefix as usize;
const NAME: usize = Input::Name as usize;

/// Whether and how the config file is protected with sops.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SopsMode {
    /// Plaintext, mode 0600.
    #[default]
    Off,
    /// The fields the connector marks secret, renamed `<field>_sops`.
    Secrets,
    /// Every value.
    Whole,
}

impl SopsMode {
    pub const ALL: [SopsMode; 3] = [SopsMode::Off, SopsMode::Secrets, SopsMode::Whole];

    pub fn label(self) -> &'static str {
        match self {
            SopsMode::Off => "off: plaintext, mode 0600",
            SopsMode::Secrets => "sops: secret fields (renamed _sops)",
            SopsMode::Whole => "sops: whole document",
        }
    }

    fn of(scope: Scope) -> SopsMode {
        match scope {
            Scope::Secrets => SopsMode::Secrets,
            Scope::Whole => SopsMode::Whole,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ReviewState {
    /// Directory, prefix, name, age recipients (empty until the step is first entered).
    pub fields: Vec<TextInput>,
    pub focus: usize,
    /// A problem per field.
    pub errors: [Option<String>; 6],
    pub sops: SopsMode,
    /// The recipients were edited by the person (no default replaces them then).
    pub recipients_touched: bool,
    /// The protection of the config opened in step 3 that the defaults came from.
    pub opened: Option<Protection>,
    /// The check of the chosen bindings under way.
    pub check: Job,
    /// What it is for (the run, the config, the chosen resources), so it reruns only when they change.
    pub check_for: Option<u64>,
    /// The collection names of the bindings checked (under the prefix), in the order of the verdicts.
    pub check_targets: Vec<String>,
    /// Its result, or why it could not run.
    pub checked: Option<Result<BindingsCheck, TaskError>>,
    /// Why the bindings are not checked here (a tunnel the wizard does not open).
    pub not_checked: Option<String>,
    /// Save was asked for while the check ran: save (or ask) once it answers.
    pub save_when_checked: bool,
    /// "Some bindings failed the check: save anyway?"
    pub ask_failed: bool,
    /// The person chose to save despite the failed check.
    pub failed_ok: bool,
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
        self.value(Input::Prefix)
    }

    /// The text of an input; "" for the sops choice and the button.
    pub fn value(&self, input: Input) -> &str {
        input
            .text()
            .and_then(|k| self.fields.get(k))
            .map(TextInput::value)
            .unwrap_or("")
    }

    /// The text input of an input, once the fields exist.
    pub fn input_mut(&mut self, input: Input) -> Option<&mut TextInput> {
        self.fields.get_mut(input.text()?)
    }

    /// The text of field `i` (a focus index); "" for the sops choice.
    pub fn field(&self, i: usize) -> &str {
        input_index(i)
            .and_then(|k| self.fields.get(k))
            .map(TextInput::value)
            .unwrap_or("")
    }

    /// Neither saved nor asking a question: Back leaves the step.
    pub fn idle(&self) -> bool {
        self.done.is_none() && !self.ask_failed && !self.question
    }

    pub fn is_working(&self) -> bool {
        self.plan_req.is_some() || self.save_req.is_some() || self.check.is_running()
    }

    /// The age recipients typed (split on commas and spaces).
    pub fn recipients(&self) -> Vec<String> {
        self.field(RECIPIENTS_FIELD)
            .split([',', ' ', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect()
    }

    /// How the config will be protected, from the choice and the recipients: the opened file's keys
    /// (PGP and KMS ones included) while the recipients are still its age ones.
    pub fn protection(&self) -> Option<Protection> {
        let scope = match self.sops {
            SopsMode::Off => return None,
            SopsMode::Secrets => Scope::Secrets,
            SopsMode::Whole => Scope::Whole,
        };
        let age = self.recipients();
        let keys = match &self.opened {
            Some(p) if p.keys.age == age => p.keys.clone(),
            _ => Keys {
                age,
                ..Keys::default()
            },
        };
        Some(Protection { keys, scope })
    }

    /// The tag typed in "Wrap as", if any.
    pub fn wrap_tag(&self) -> Option<String> {
        Some(self.field(WRAP_FIELD).trim().to_string()).filter(|t| !t.is_empty())
    }

    /// Whether the chosen bindings failed the connector's check (or it could not run).
    pub fn check_failed(&self) -> bool {
        matches!(&self.checked, Some(Err(_))) || matches!(&self.checked, Some(Ok(c)) if !c.passed())
    }

    /// The fields as the draft keeps them.
    pub fn answer(&self) -> SaveAnswer {
        SaveAnswer {
            directory: self.value(Input::Directory).to_string(),
            prefix: self.value(Input::Prefix).to_string(),
            name: self.value(Input::Name).to_string(),
        }
    }

    pub fn owns(&self, id: ReqId) -> bool {
        self.plan_req == Some(id) || self.save_req == Some(id) || self.check.is_current(id)
    }
}

/// The text input behind a focus index (the sops choice and the Save button have none).
pub fn input_index(focus: usize) -> Option<usize> {
    Input::at(focus)?.text()
}

pub use crate::tui::session::default_name;

/// Go to step 7 (from step 6): fill the fields (from the draft, else defaults) the first time for this
/// connector, and plan the files.
fn enter(state: &mut State) -> Vec<Cmd> {
    let r = &mut state.review;
    if r.fields.is_empty() || r.built_for != state.answers.connector {
        let answer = state
            .answers
            .save
            .as_deref()
            .cloned()
            .unwrap_or_else(|| SaveAnswer {
                directory: ".".into(),
                prefix: session::DEFAULT_PREFIX.into(),
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
                TextInput::new(""),
                TextInput::new(""),
            ],
            built_for: state.answers.connector.clone(),
            ..ReviewState::default()
        };
    }
    // A config opened encrypted in step 3 is encrypted again the same way, unless changed here since.
    if r.opened != state.config.protection {
        r.opened = state.config.protection.clone();
        match &r.opened {
            Some(p) => {
                r.sops = SopsMode::of(p.scope);
                let keys = p.keys.age.join(", ");
                if let Some(f) = r.input_mut(Input::Recipients) {
                    f.set(&keys);
                }
                r.recipients_touched = false;
            }
            None => r.sops = SopsMode::Off,
        }
    }
    r.done = None;
    r.question = false;
    r.ask_failed = false;
    r.focus = SAVE_BUTTON;
    let mut cmds = check_bindings(state);
    cmds.extend(replan(state));
    cmds
}

/// What the bindings check depends on: the connector, the config, the chosen resources.
fn check_print(state: &State) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    if let Some(c) = &state.answers.config {
        session::fingerprint(c).hash(&mut h);
    }
    format!("{:?}", session::run_of(state)).hash(&mut h);
    for (i, it) in state.bindings.items.iter().enumerate() {
        if it.selected {
            i.hash(&mut h);
            crate::catalog::canonical_json(&state.bindings.bindings[i].resource_config)
                .hash(&mut h);
        }
    }
    h.finish()
}

/// Check the chosen bindings with the connector, unless they were checked already as they are.
fn check_bindings(state: &mut State) -> Vec<Cmd> {
    let print = check_print(state);
    let r = &state.review;
    if r.check_for == Some(print) && (r.check.is_running() || r.checked.is_some()) {
        return Vec::new();
    }
    let mut cmds: Vec<Cmd> = state.review.check.cancel().into_iter().collect();
    let r = &mut state.review;
    r.check_for = Some(print);
    r.checked = None;
    r.not_checked = None;
    r.failed_ok = false;
    r.save_when_checked = false;
    if session::catwalk_tunnel(state) {
        state.review.not_checked = Some(
            "the wizard does not open catwalk's SSH tunnel yet: run the `catwalk check` below after saving"
                .into(),
        );
        return cmds;
    }
    let Ok(req) = request(state, false, false) else {
        // Nothing to check (no binding chosen, no config): the plan says why.
        return cmds;
    };
    if req.run.kind == ConnectorKind::Materialize {
        return cmds;
    }
    let bindings = req.task.validate_bindings();
    let resource_schema = crate::tui::session::resource_schema(state);
    let id = state.next_req();
    state.review.check.start(id);
    // Kept without the prefix: the prefix may change while the verdicts stand (they do not depend on it).
    let under = format!("{}/", req.task.prefix);
    state.review.check_targets = req
        .task
        .bindings
        .iter()
        .map(|b| {
            let t = &b.collection;
            t.strip_prefix(&under).unwrap_or(t).to_string()
        })
        .collect();
    cmds.push(Cmd::CheckBindings {
        id,
        run: req.run,
        name: req.task.full_name(),
        config: Hidden::new(req.config),
        bindings: Hidden::new(bindings),
        resource_schema: Hidden::new(resource_schema),
    });
    cmds
}

/// Check the fields; the problems go next to them.
fn check_fields(state: &mut State) -> bool {
    let r = &mut state.review;
    r.errors = Default::default();
    if let Err(e) = catalog::validate_prefix(r.value(Input::Prefix)) {
        r.errors[PREFIX] = Some(e.to_string());
    }
    let name = r.value(Input::Name);
    if name.contains('/') {
        r.errors[NAME] = Some(format!(
            "the name `{name}` has a `/`: the capture's own name is one part (the prefix comes before it)"
        ));
    } else if let Err(e) = catalog::validate_name("capture name", name) {
        r.errors[NAME] = Some(e.to_string());
    }
    if r.sops != SopsMode::Off
        && let Some(bad) = r.recipients().into_iter().find(|k| !k.starts_with("age1"))
    {
        r.errors[RECIPIENTS_FIELD] = Some(format!(
            "`{bad}` is not an age recipient (age1…, from `age-keygen -y KEYFILE`)"
        ));
    }
    if let Some(tag) = r.wrap_tag() {
        let airbyte_image = can_wrap(state);
        let r = &mut state.review;
        if !airbyte_image {
            r.errors[WRAP_FIELD] = Some(
                "only an Airbyte image is wrapped for Flow: leave this empty (Flow images run as they are, local commands stay local)".into(),
            );
        } else if let Some(bad) = tag
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || "-_./:@".contains(*c)))
        {
            r.errors[WRAP_FIELD] = Some(format!(
                "`{bad}` cannot be in an image tag (e.g. ghcr.io/acme/source-x-flow:v1)"
            ));
        }
    }
    state.review.errors.iter().all(Option::is_none)
}

/// Whether the connector is an Airbyte image, which "Wrap as" can wrap for Flow.
pub fn can_wrap(state: &State) -> bool {
    matches!(
        (&state.answers.connector, crate::tui::session::run_of(state)),
        (Some(ConnectorChoice::Image { .. }), Some(run)) if run.protocol == crate::model::Protocol::Airbyte
    )
}

/// What is being saved, in words: `capture` or `materialization`.
pub fn task_word(state: &State) -> &'static str {
    match session::run_of(state).map(|r| r.kind) {
        Some(ConnectorKind::Materialize) => "materialization",
        _ => "capture",
    }
}

/// The save request for the current answers, or why there is none.
pub fn request(state: &State, replace: bool, confirmed: bool) -> Result<SaveRequest, String> {
    let run =
        session::run_of(state).ok_or("there is no connector spec: go back to the first steps")?;
    let config = state
        .answers
        .config
        .clone()
        .ok_or("there is no config: go back to step 3 and fill in the form")?;
    let r = &state.review;
    let prefix = catalog::validate_prefix(r.value(Input::Prefix)).map_err(|e| e.to_string())?;
    let edit = crate::tui::opened::edit_choices(state, r.protection().as_ref());
    let name = r.value(Input::Name).trim().to_string();
    let task = crate::tui::task_draft::draft(state, &prefix, &name, edit.choices)?;
    if task.bindings.is_empty() && run.kind == ConnectorKind::Capture {
        return Err(
            "no binding is selected: go back to step 6 (Esc) and select at least one".into(),
        );
    }
    Ok(SaveRequest {
        keep_config: edit.keep_config,
        dir: r.value(Input::Directory).to_string(),
        run,
        task: std::sync::Arc::new(task),
        resource_path_pointers: state
            .spec
            .outcome
            .as_ref()
            .map(|o| o.spec.resource_path_pointers.clone())
            .unwrap_or_default(),
        config,
        replace,
        confirmed,
        protection: r.protection(),
        config_schema: state
            .spec
            .outcome
            .as_ref()
            .map(|o| o.spec.config_schema.clone())
            .unwrap_or_default(),
        wrap: r.wrap_tag(),
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

/// Save asked for: wait for the bindings check, ask first when it failed, and when files that exist
/// would change.
fn ask_or_save(state: &mut State) -> Vec<Cmd> {
    if !check_fields(state) {
        // Say why nothing happens, and go to the field to fix.
        let r = &mut state.review;
        if let Some(i) = r.errors.iter().position(Option::is_some) {
            let e = r.errors[i].clone().unwrap_or_default();
            r.problem = Some(format!("Not saved: fix the {} first: {e}", FIELDS[i]));
            r.focus = i;
        }
        return Vec::new();
    }
    if state.review.save_req.is_some() {
        state.review.problem =
            Some("Already writing the files: this save goes on, nothing more to do.".into());
        return Vec::new();
    }
    let r = &mut state.review;
    if r.sops != SopsMode::Off
        && r.recipients().is_empty()
        && r.preview.as_ref().is_some_and(|p| p.sops_rules.is_none())
    {
        r.errors[RECIPIENTS_FIELD] =
            Some("give an age recipient (age1…) or add a .sops.yaml next to the catalog".into());
        r.focus = RECIPIENTS_FIELD;
        return Vec::new();
    }
    if r.check.is_running() {
        r.save_when_checked = true;
        return Vec::new();
    }
    if r.check_failed() && !r.failed_ok {
        r.ask_failed = true;
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
        // Editing a catalog: the changes were reviewed, and the preview is what is written.
        Some(p) if p.touches_existing() && state.origin == crate::tui::flow::Origin::Existing => {
            save(state, false, true)
        }
        Some(p) if p.touches_existing() => {
            state.review.question = true;
            Vec::new()
        }
        Some(_) => save(state, false, false),
    }
}

/// A text field changed: the recipients need no new plan (only whether sops is on does); the others do.
fn edited(state: &mut State) -> Vec<Cmd> {
    if state.review.focus == RECIPIENTS_FIELD {
        state.review.recipients_touched = true;
        check_fields(state);
        return Vec::new();
    }
    replan(state)
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
                    // $SOPS_AGE_RECIPIENTS is the default recipients, unless typed or from a file.
                    if let Some(env) = &p.env_age_recipients
                        && !r.recipients_touched
                        && r.opened.is_none()
                        && r.field(RECIPIENTS_FIELD).is_empty()
                        && let Some(f) = r.input_mut(Input::Recipients)
                    {
                        f.set(env);
                    }
                    r.preview = Some(*p);
                    r.problem = None;
                }
                Err(e) => {
                    r.preview = None;
                    r.problem = Some(e.to_string());
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
        TaskMsg::BindingsChecked(result) if r.check.is_current(id) => {
            r.check.finish();
            r.checked = Some(result.map(|c| *c));
            if std::mem::take(&mut r.save_when_checked) {
                return ask_or_save(state);
            }
        }
        TaskMsg::Panicked(e) if r.check.is_current(id) => {
            r.check.finish();
            r.checked = Some(Err(e));
            r.save_when_checked = false;
        }
        TaskMsg::Panicked(e) if r.owns(id) => {
            r.plan_req = None;
            r.save_req = None;
            r.problem = Some(e.to_string());
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
        if r.done.is_some() && task_word(state) == "capture" {
            vec![Ctx::SavedCapture, Ctx::Saved]
        } else if r.done.is_some() {
            vec![Ctx::Saved]
        } else if r.ask_failed {
            vec![Ctx::SaveAnyway]
        } else if r.question {
            vec![Ctx::SaveQuestion]
        } else if r.focus == SOPS_FIELD {
            vec![Ctx::Choice, Ctx::SaveFields]
        } else if r.focus < SAVE_BUTTON {
            vec![Ctx::SaveFields, Ctx::TextInput]
        } else {
            vec![Ctx::SaveFields]
        }
    }

    fn enter(state: &mut State) -> Reply {
        let cmds = enter(state);
        publish(state);
        cmds.into()
    }

    fn on_action(state: &mut State, action: Action) -> Reply {
        if action == Action::Back && state.review.idle() {
            return back(state);
        }
        if action == Action::MaterializeThese {
            return materialize_these(state);
        }
        let cmds = on_action(state, action);
        publish(state);
        cmds.into()
    }

    fn on_text(state: &mut State, text: &str) -> Reply {
        let cmds = on_text(state, text);
        publish(state);
        cmds.into()
    }

    fn on_mouse(state: &mut State, body: Rect, ev: MouseEvent) -> Reply {
        let cmds = on_mouse(state, body, ev);
        publish(state);
        cmds.into()
    }

    fn view(state: &State, frame: &mut Frame, body: Rect) {
        super::review_view::view(state, frame, body);
    }
}

/// After a capture is saved: on to a materialization of its collections. The connector list comes back
/// (a destination connector is picked there); the catalog just written is among those the
/// materialization's Collections step reads, from the same directory.
fn materialize_these(state: &mut State) -> Reply {
    let Some(done) = state.review.done.take() else {
        return Reply::stay();
    };
    let file = done.flow_file.display().to_string();
    if !state.mat.opened.contains(&file) {
        state.mat.opened.push(file);
    }
    Reply::go(Transition::GoTo(crate::tui::flow::StepId::Connector))
}

/// The prefix and name as typed, for the steps that name the task before this one (the check).
fn publish(state: &mut State) {
    state.session.prefix = state.review.prefix().to_string();
    state.session.name = state.review.value(Input::Name).to_string();
}

/// Back to step 6: planning and checking stop (the check runs again when the step is entered next).
fn back(state: &mut State) -> Reply {
    let r = &mut state.review;
    let mut cmds: Vec<Cmd> = r.plan_req.take().map(Cmd::Cancel).into_iter().collect();
    if let Some(cancel) = r.check.cancel() {
        cmds.push(cancel);
        r.check_for = None;
    }
    r.save_when_checked = false;
    r.dirty = false;
    cmds.extend(keep_answer(state));
    Reply::then(cmds, Transition::Back)
}

fn on_action(state: &mut State, action: Action) -> Vec<Cmd> {
    let editing = crate::tui::opened::task(state).is_some();
    let r = &mut state.review;
    if r.done.is_some() {
        if action == Action::Back {
            r.done = None;
        }
        return Vec::new();
    }
    if r.ask_failed {
        return match action {
            Action::Yes => {
                r.ask_failed = false;
                r.failed_ok = true;
                ask_or_save(state)
            }
            Action::Back => {
                r.ask_failed = false;
                Vec::new()
            }
            _ => Vec::new(),
        };
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
        Action::PrevChoice | Action::NextChoice if r.focus == SOPS_FIELD => {
            let i = SopsMode::ALL.iter().position(|m| *m == r.sops).unwrap_or(0);
            let n = SopsMode::ALL.len();
            let i = if action == Action::NextChoice {
                i + 1
            } else {
                i + n - 1
            };
            r.sops = SopsMode::ALL[i % n];
            replan(state)
        }
        other => match input_index(r.focus) {
            Some(k) if editing && k <= NAME => refuse_move(state),
            Some(k) if r.fields[k].edit(other) => edited(state),
            _ => Vec::new(),
        },
    }
}

/// An opened catalog is saved back into its own files: its directory, prefix and name stay as they are.
fn locked(state: &State, input: usize) -> bool {
    input <= NAME && crate::tui::opened::task(state).is_some()
}

fn refuse_move(state: &mut State) -> Vec<Cmd> {
    state.review.problem = Some(
        "an opened catalog is saved back into its own files: its directory, prefix and name cannot change here"
            .into(),
    );
    Vec::new()
}

fn on_text(state: &mut State, text: &str) -> Vec<Cmd> {
    let r = &mut state.review;
    if r.done.is_some() || r.question || r.ask_failed {
        return Vec::new();
    }
    let Some(k) = input_index(r.focus) else {
        return Vec::new();
    };
    if locked(state, k) {
        return refuse_move(state);
    }
    let r = &mut state.review;
    r.fields[k].insert(text);
    edited(state)
}

fn on_mouse(state: &mut State, body: Rect, ev: MouseEvent) -> Vec<Cmd> {
    match ev.kind {
        MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
            scroll_by(state, super::wheel_delta(&ev).unwrap_or(0));
        }
        MouseEventKind::Down(MouseButton::Left) => {
            let r = &mut state.review;
            if r.done.is_some() || r.question {
                return Vec::new();
            }
            if r.ask_failed {
                return Vec::new();
            }
            // Where the view draws the inputs and the button.
            if let Some(input) = super::review_view::input_at(body, ev.row) {
                r.focus = input as usize;
                if input == Input::Save {
                    return ask_or_save(state);
                }
            }
        }
        _ => {}
    }
    Vec::new()
}
