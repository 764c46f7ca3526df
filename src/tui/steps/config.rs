//! Step 3, Config: the form generated from the connector's config schema (`schema::Form`), edited with the
//! form editor (`widgets::form_ui`). Values are checked as they are typed; Next checks everything, jumps
//! to the first problem, or sets `answers.config` and goes on to step 4. A YAML/JSON config file can fill
//! the form (read by a command). The draft keeps every value but the secrets. A connector's own
//! `networkTunnel` is left to step 4.

use super::{Reply, Step};
use crate::schema::{Form, Validator};
use crate::secrets::Protection;
use crate::tui::connectors::ConnectorChoice;
use crate::tui::flow::Transition;
use crate::tui::keys::{Action, Ctx};
use crate::tui::msg::{Cmd, Decrypted, FileText, Hidden, ReqId};
use crate::tui::state::State;
use crate::tui::widgets::form_ui::{FileTarget, FormUi, Outcome};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyEvent, MouseEvent};
use ratatui::layout::Rect;
use serde_json::Value;
use std::sync::Arc;

pub use crate::tui::widgets::config_summary::{FieldRow, fields};

pub use crate::tui::widgets::form_page::{Areas, Notice, areas};

pub const INTRO: &str = "The endpoint config tells the connector how to reach your system.";

#[derive(Debug, Clone, Default)]
pub struct ConfigState {
    /// The schema the form was built from, and for which connector.
    pub schema: Option<Value>,
    pub built_for: Option<ConnectorChoice>,
    pub form: Option<Form>,
    /// Why the schema cannot be a form.
    pub error: Option<String>,
    pub ui: FormUi,
    /// The request reading (or decrypting) a file for this step.
    pub file_req: Option<ReqId>,
    pub notice: Option<Notice>,
    /// How the config file opened last was protected with sops (its keys and scope, never a secret):
    /// step 7 encrypts again the same way by default. `None` after a plaintext file.
    pub protection: Option<Protection>,
}

/// Go to step 3. The form is built when the spec is new (refilled from the draft's values when resuming,
/// or from the previous form when the same connector's spec was fetched again); otherwise it is kept.
fn enter(state: &mut State) {
    let Some(o) = &state.spec.outcome else {
        return;
    };
    let schema = o.spec.config_schema.clone();
    let c = &state.config;
    let same_connector = c.built_for.is_some() && c.built_for == state.answers.connector;
    if same_connector && c.schema.as_ref() == Some(&schema) {
        return;
    }
    // An opened catalog's task: the form is filled from its config (decrypted in memory), once.
    if !same_connector && let Some((value, place, protection)) = crate::tui::opened::config(state) {
        crate::tui::opened::settle_bindings(state);
        build(state, schema.clone(), None, false);
        let filled = super::config_file::fill(&schema, &value, &place, protection.as_ref());
        fill_form(state, filled, protection);
        if let Some(form) = &state.config.form {
            let read = form.to_config();
            crate::tui::opened::set_form_config(state, read);
        }
        return;
    }
    let (values, resumed) = if same_connector {
        (c.form.as_ref().map(Form::to_config), false)
    } else {
        let v = state.answers.config_values.as_deref().cloned();
        let resumed = v.is_some();
        (v, resumed)
    };
    build(state, schema, values, resumed);
}

fn build(state: &mut State, schema: Value, values: Option<Value>, resumed: bool) {
    let built = match &values {
        Some(v) => Form::from_config(&schema, v),
        None => Form::build(&schema).map(|f| (f, Vec::new())),
    };
    let mut c = ConfigState {
        schema: Some(schema.clone()),
        built_for: state.answers.connector.clone(),
        ..ConfigState::default()
    };
    match built {
        Err(e) => c.error = Some(e.to_string()),
        Ok((form, _)) => {
            let validator = Validator::new(&schema).ok().map(Arc::new);
            let exclude = match crate::tui::tunnel_schema::builtin_pointer(&form) {
                Some(p) => vec![(p, "SSH tunnel: set in the next step".to_string())],
                None => Vec::new(),
            };
            c.ui = FormUi::new(&form, validator, exclude, "Next: SSH tunnel ›", None);
            if resumed {
                c.ui.focus_first_problem(&form);
                c.notice = Some(Notice {
                    text: "Refilled from your draft. Secrets are not kept in the draft: type them again."
                        .into(),
                    bad: false,
                });
            }
            c.form = Some(form);
        }
    }
    state.config = c;
}

/// At most this many lines of a notice that reports a problem (a sops error says what to do).
pub const NOTICE_LINES: usize = 8;

/// Lines of the heading: title, intro, legend, and the notice when there is one (a problem wrapped).
pub fn head_height(state: &State) -> u16 {
    3 + notice_lines(state).len() as u16
}

/// The notice as drawn: wrapped to two lines, a problem to at most [`NOTICE_LINES`].
pub fn notice_lines(state: &State) -> Vec<String> {
    let Some(n) = &state.config.notice else {
        return Vec::new();
    };
    let w = crate::tui::layout::areas(state.screen()).body.width as usize;
    let max = if n.bad { NOTICE_LINES } else { 2 };
    let mut lines = crate::tui::widgets::text::wrap(&n.text, w);
    if lines.len() > max {
        lines.truncate(max);
        if let Some(last) = lines.last_mut() {
            *last = crate::tui::widgets::text::truncate(&format!("{last} …"), w);
        }
    }
    lines
}

fn form_area(state: &State) -> Rect {
    let body = crate::tui::layout::areas(state.screen()).body;
    areas(body, head_height(state)).form
}

/// Keep the form's scroll valid for the terminal's size.
pub fn clamp(state: &mut State) {
    let h = form_area(state).height as usize;
    state.config.ui.scroll(h);
}

pub use crate::tui::session::sync_config_draft as sync_draft;

/// Next: check everything; with problems, focus the first; else keep the config and go on to step 4.
fn next(state: &mut State) -> Reply {
    let Some(form) = &state.config.form else {
        return Reply::stay();
    };
    let ui = &mut state.config.ui;
    let n = ui.check_all(form);
    if n > 0 {
        let first = match ui.unplaced().first() {
            Some((p, m)) => format!(" ({p}: {m})"),
            None => String::new(),
        };
        let fields = if n == 1 {
            "1 field needs"
        } else {
            "fields need"
        };
        let count = if n == 1 {
            String::new()
        } else {
            format!("{n} ")
        };
        state.config.notice = Some(Notice {
            text: format!("✗ {count}{fields} attention; the first one has the focus{first}."),
            bad: true,
        });
        clamp(state);
        return sync_draft(state).into();
    }
    state.config.notice = None;
    state.answers.config = Some(form.to_config());
    Reply::then(sync_draft(state), Transition::Next)
}

/// Put the focus on the field a connector's error names, if one does: its title, its key (`port`) or the
/// value typed in it (`70000`), matched as whole words; a title counts most, a value least. Returns the
/// field's title.
pub fn focus_named(state: &mut State, error: &str) -> Option<String> {
    let c = &mut state.config;
    let form = c.form.as_ref()?;
    let text = error.to_lowercase();
    let has_word = |w: &str| {
        let w = w.to_lowercase();
        if w.chars().count() < 3 && w != "db" {
            return false;
        }
        text.match_indices(&w).any(|(at, _)| {
            let before = text[..at].chars().next_back();
            let after = text[at + w.len()..].chars().next();
            let edge = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric() && c != '_');
            edge(before) && edge(after)
        })
    };
    let mut best: Option<(usize, usize)> = None;
    for (i, row) in c.ui.rows.iter().enumerate() {
        if row.pointer.is_empty() || !row.focusable() || !row.holds_value() {
            continue;
        }
        let key = row.pointer.rsplit('/').next().unwrap_or_default();
        let value = match form.value(&row.pointer) {
            Some(Value::String(s)) if !row.secret => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        };
        let score = if has_word(&row.title) {
            3
        } else if has_word(key) || has_word(&key.replace('_', " ")) {
            2
        } else if !value.is_empty() && has_word(&value) {
            1
        } else {
            0
        };
        if score > 0 && best.is_none_or(|(_, s)| score > s) {
            best = Some((i, score));
        }
    }
    let (i, _) = best?;
    let key = c.ui.rows[i].key.clone();
    let title = c.ui.rows[i].title.clone();
    let form = c.form.as_ref()?;
    c.ui.focus_key(form, &key);
    Some(title)
}

/// Whether an action only edits the text being typed (the draft is saved when the focus moves instead).
fn typing(action: Action) -> bool {
    matches!(
        action,
        Action::Left
            | Action::Right
            | Action::LineStart
            | Action::LineEnd
            | Action::DeleteBack
            | Action::DeleteForward
            | Action::ClearLine
            | Action::DeleteWord
    )
}

/// What the form editor asked for.
fn outcome(state: &mut State, out: Outcome) -> Reply {
    match out {
        Outcome::Next => next(state),
        Outcome::Back => Reply::then(sync_draft(state), Transition::Back),
        Outcome::Read(path) => {
            let id = state.next_req();
            state.config.file_req = Some(id);
            vec![Cmd::ReadFile(id, path)].into()
        }
        Outcome::Changed | Outcome::Nothing => Reply::stay(),
    }
}

/// A file read for this step's form (`update` routes it here by request id).
pub fn on_file(state: &mut State, id: ReqId, result: Result<FileText, String>) -> Vec<Cmd> {
    if state.config.file_req != Some(id) {
        return Vec::new();
    }
    state.config.file_req = None;
    let c = &mut state.config;
    let (Some(form), Some(target)) = (c.form.as_mut(), c.ui.reading().cloned()) else {
        return Vec::new();
    };
    let file = match result {
        Ok(f) => f,
        Err(e) => {
            c.ui.read_failed(e);
            return Vec::new();
        }
    };
    match target {
        FileTarget::Field(at) => {
            c.ui.fill_field(form, &at, &file.text);
            c.notice = Some(Notice {
                text: format!(
                    "Read {} ({}).",
                    file.path,
                    crate::tui::widgets::field::lines(&file.text)
                ),
                bad: false,
            });
        }
        FileTarget::Config => {
            let schema = c.schema.clone().unwrap_or(Value::Null);
            match super::config_file::parse(&file) {
                Err(e) => c.ui.read_failed(e),
                Ok(value) if crate::secrets::is_protected(&value) => {
                    // Decrypted by sops in a task; the prompt keeps saying "Reading…" meanwhile.
                    let id = state.next_req();
                    state.config.file_req = Some(id);
                    return vec![Cmd::DecryptConfig {
                        id,
                        path: file.path,
                        value: Hidden::new(value),
                        schema: Hidden::new(schema),
                    }];
                }
                Ok(value) => {
                    let filled = super::config_file::fill(&schema, &value, &file.path, None);
                    fill_form(state, filled, None);
                }
            }
        }
    }
    clamp(state);
    sync_draft(state)
}

/// A sops-protected config file decrypted (or not) by its task: the form is filled from the plaintext
/// and the protection remembered; an error closes the prompt and is shown above the form.
pub fn on_decrypted(
    state: &mut State,
    id: ReqId,
    result: Result<Box<Decrypted>, crate::tui::msg::TaskError>,
) -> Vec<Cmd> {
    if state.config.file_req != Some(id) {
        return Vec::new();
    }
    state.config.file_req = None;
    match result {
        Ok(d) => {
            let schema = state.config.schema.clone().unwrap_or(Value::Null);
            let filled = super::config_file::fill(&schema, &d.value, &d.path, Some(&d.protection));
            fill_form(state, filled, Some(d.protection));
        }
        Err(e) => {
            state.config.ui.popup = None;
            state.config.notice = Some(Notice {
                text: format!("✗ {e}"),
                bad: true,
            });
        }
    }
    clamp(state);
    sync_draft(state)
}

/// Replace the form with one filled from a file (or say why the file cannot fill it, in the prompt).
fn fill_form(
    state: &mut State,
    filled: Result<(Form, Notice), String>,
    protection: Option<Protection>,
) {
    let c = &mut state.config;
    match filled {
        Err(e) => c.ui.read_failed(e),
        Ok((form, notice)) => {
            let ui = &c.ui;
            let mut fresh = FormUi::new(
                &form,
                ui.validator.clone(),
                ui.exclude.clone(),
                &ui.next_label,
                None,
            );
            fresh.last_path = ui.last_path.clone();
            fresh.show_all = true;
            fresh.refresh(&form);
            c.ui = fresh;
            c.form = Some(form);
            c.notice = Some(notice);
            c.protection = protection;
        }
    }
}

pub struct ConfigStep;

impl Step for ConfigStep {
    fn contexts(state: &State) -> Vec<Ctx> {
        if state.config.form.is_none() {
            return vec![Ctx::Page];
        }
        let mut ctxs = state.config.ui.contexts();
        if state.config.ui.popup.is_none() {
            ctxs.push(Ctx::ConfigFile);
        }
        ctxs
    }

    fn enter(state: &mut State) -> Reply {
        enter(state);
        Reply::stay()
    }

    /// Back from a failed check with `e`: the field its error names gets the focus.
    fn revisit(state: &mut State) {
        if let Some(error) = state.session.config_error.take()
            && let Some(title) = focus_named(state, &error)
        {
            state.config.notice = Some(Notice {
                text: format!("The check's error is about {title}: it has the focus."),
                bad: false,
            });
        }
    }

    fn on_action(state: &mut State, action: Action) -> Reply {
        let area = form_area(state);
        let theme = state.theme;
        let c = &mut state.config;
        let Some(form) = c.form.as_mut() else {
            if action == Action::Back {
                return Reply::go(Transition::Back);
            }
            return Reply::stay();
        };
        if !typing(action) && c.notice.as_ref().is_some_and(|n| !n.bad) {
            c.notice = None;
        }
        let out = c.ui.on_action(form, action, area, &theme);
        let mut reply = outcome(state, out);
        if !typing(action) && reply.go == Transition::Stay {
            reply.cmds.extend(sync_draft(state));
        }
        clamp(state);
        reply
    }

    fn on_text(state: &mut State, text: &str) -> Reply {
        let theme = state.theme;
        let c = &mut state.config;
        if let Some(form) = c.form.as_mut() {
            c.ui.on_text(form, text, &theme);
        }
        clamp(state);
        Reply::stay()
    }

    fn on_key(state: &mut State, key: KeyEvent) -> Reply {
        state.config.ui.on_key(key);
        Reply::stay()
    }

    fn on_mouse(state: &mut State, body: Rect, ev: MouseEvent) -> Reply {
        let area = areas(body, head_height(state)).form;
        let theme = state.theme;
        let c = &mut state.config;
        let Some(form) = c.form.as_mut() else {
            return Reply::stay();
        };
        let out = c.ui.mouse(form, ev, area, &theme);
        let mut reply = outcome(state, out);
        if reply.go == Transition::Stay {
            reply.cmds.extend(sync_draft(state));
        }
        clamp(state);
        reply
    }

    fn view(state: &State, frame: &mut Frame, body: Rect) {
        super::config_view::view(state, frame, body);
    }
}
