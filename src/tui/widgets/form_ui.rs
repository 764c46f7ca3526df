//! The form editor's state, shared by steps 3 and 4: the rows of a `schema::Form`, the focus and scroll,
//! the text being typed in the focused field, typed text that does not parse (kept, never lost), revealed
//! secrets, the validation problems by field, and the open popup (picker, multiline editor, file path).
//! The form itself stays with the step; every function here gets it. Input handling is in `form_input`.

use super::editor::Editor;
use super::field::{TextKind, to_text};
use super::form_rows::{self, Row, RowKind};
use super::picker::Picker;
use super::text_input::TextInput;
use crate::schema::{Form, Validator};
use crate::tui::keys::Ctx;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Extra checks a step adds to the schema's (step 4 checks SSH endpoints and private keys): the config in,
/// (pointer, message) problems out.
pub type Check = fn(&Value) -> Vec<(String, String)>;

/// What a file being read is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileTarget {
    /// The whole config (step 3).
    Config,
    /// One multiline field, by config pointer.
    Field(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct PathPrompt {
    pub target: FileTarget,
    pub input: TextInput,
    /// A read is under way.
    pub reading: bool,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Popup {
    Picker(Picker),
    Editor(Box<Editor>),
    Path(PathPrompt),
}

/// What an input meant for the step holding the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Nothing,
    /// The config changed.
    Changed,
    /// Check everything and go on.
    Next,
    /// Go back a step.
    Back,
    /// Read this file (the target is in the open path prompt).
    Read(String),
}

#[derive(Debug, Clone, Default)]
pub struct FormUi {
    pub rows: Vec<Row>,
    /// Index of the focused row (always a focusable one when there is any).
    pub focus: usize,
    /// The first line drawn (adjusted when drawing to keep the focus in view).
    pub offset: usize,
    pub show_advanced: bool,
    /// What is typed in the focused text field.
    pub input: TextInput,
    /// The row key `input` belongs to.
    pub input_key: Option<String>,
    /// Typed text that does not parse (by pointer): the text and what is wrong with it.
    pub texts: BTreeMap<String, (String, String)>,
    /// Secrets shown in clear, by pointer.
    pub revealed: BTreeSet<String>,
    /// Every problem of the config: (pointer, message), parse problems first.
    pub problems: Vec<(String, String)>,
    /// The first problem of each row, by the row's pointer.
    pub errors: BTreeMap<String, String>,
    /// Values the schema allows but that cannot work (a port over 65535), by pointer: shown, not blocking.
    pub warnings: BTreeMap<String, String>,
    /// Fields edited by hand: their problems show as they are typed.
    pub touched: BTreeSet<String>,
    /// Show every problem (after Next was refused, or a file was loaded).
    pub show_all: bool,
    pub popup: Option<Popup>,
    /// Parts shown as a note instead of their fields: (pointer, note).
    pub exclude: Vec<(String, String)>,
    pub next_label: String,
    pub check: Option<Check>,
    pub validator: Option<Arc<Validator>>,
    /// The path typed last (offered again).
    pub last_path: String,
}

impl FormUi {
    pub fn new(
        form: &Form,
        validator: Option<Arc<Validator>>,
        exclude: Vec<(String, String)>,
        next_label: &str,
        check: Option<Check>,
    ) -> FormUi {
        let mut ui = FormUi {
            validator,
            exclude,
            next_label: next_label.to_string(),
            check,
            ..FormUi::default()
        };
        ui.refresh(form);
        ui
    }

    pub fn focused(&self) -> Option<&Row> {
        self.rows.get(self.focus)
    }

    /// Rebuild the rows after the form changed, keeping the focus on the same row (or the nearest), and
    /// check the config again.
    pub fn refresh(&mut self, form: &Form) {
        let key = self.focused().map(|r| r.key.clone());
        self.rows = form_rows::build(form, self.show_advanced, &self.exclude, &self.next_label);
        self.revalidate(form);
        match key.and_then(|k| self.rows.iter().position(|r| r.key == k)) {
            Some(i) => self.focus = i,
            None => self.settle(),
        }
        self.sync_input(form);
    }

    /// Move the focus to the nearest focusable row (forward first).
    fn settle(&mut self) {
        let len = self.rows.len();
        self.focus = self.focus.min(len.saturating_sub(1));
        if self.rows.get(self.focus).is_some_and(Row::focusable) {
            return;
        }
        let after = (self.focus..len).find(|i| self.rows[*i].focusable());
        let before = (0..self.focus).rev().find(|i| self.rows[*i].focusable());
        self.focus = after.or(before).unwrap_or(0);
    }

    /// Focus the row with this key, if there is one.
    pub fn focus_key(&mut self, form: &Form, key: &str) {
        if let Some(i) = self.rows.iter().position(|r| r.key == key) {
            self.focus = i;
            self.settle();
            self.sync_input(form);
        }
    }

    /// Load the focused text field's text into the input when the focus moved to it.
    pub fn sync_input(&mut self, form: &Form) {
        let Some(row) = self.rows.get(self.focus) else {
            self.input_key = None;
            return;
        };
        if !row.is_text() {
            self.input_key = None;
            return;
        }
        if self.input_key.as_deref() != Some(row.key.as_str()) {
            let text = match self.texts.get(&row.pointer) {
                Some((t, _)) => t.clone(),
                None => to_text(form.value(&row.pointer)),
            };
            self.input = TextInput::new(&text);
            self.input_key = Some(row.key.clone());
        }
    }

    /// Check the config: the schema's validator, the step's own checks, and typed text that does not parse.
    pub fn revalidate(&mut self, form: &Form) {
        let config = form.to_config();
        let mut all: Vec<(String, String)> = self
            .texts
            .iter()
            .map(|(p, (_, e))| (p.clone(), e.clone()))
            .collect();
        if let Some(v) = &self.validator {
            all.extend(
                v.validate(&config)
                    .into_iter()
                    .map(|e| (e.pointer, e.message)),
            );
        }
        if let Some(check) = self.check {
            all.extend(check(&config));
        }
        all.retain(|(p, _)| !self.is_excluded(p));
        self.errors = BTreeMap::new();
        for (p, m) in &all {
            if let Some(row) = self.row_for(p) {
                self.errors.entry(row).or_insert_with(|| m.clone());
            }
        }
        self.problems = all;
        self.warnings = self
            .rows
            .iter()
            .filter(|r| r.holds_value() && !r.pointer.is_empty())
            .filter_map(|r| {
                let w = super::field::warning(form.field(&r.pointer)?, form.value(&r.pointer)?)?;
                Some((r.pointer.clone(), w))
            })
            .collect();
    }

    fn is_excluded(&self, at: &str) -> bool {
        self.exclude.iter().any(|(p, _)| {
            at == p || (at.starts_with(p.as_str()) && at.as_bytes().get(p.len()) == Some(&b'/'))
        })
    }

    /// The pointer of the row a problem at `at` is shown on: the field's own, else its nearest ancestor's.
    fn row_for(&self, at: &str) -> Option<String> {
        let mut p = at.to_string();
        loop {
            if self.rows.iter().any(|r| r.pointer == p && r.holds_value()) {
                return Some(p);
            }
            if p.is_empty() {
                return None;
            }
            p = form_rows::parent(&p);
        }
    }

    /// Problems that no shown row can carry (a closed advanced run, the root): shown above the form.
    pub fn unplaced(&self) -> Vec<&(String, String)> {
        self.problems
            .iter()
            .filter(|(p, _)| self.row_for(p).is_none())
            .collect()
    }

    /// The problem shown under row `i`, if any.
    pub fn shown_error(&self, i: usize) -> Option<&str> {
        let row = self.rows.get(i)?;
        if !row.holds_value() {
            return None;
        }
        // A choice between scalars carries its problem on its value row, right below.
        if row.kind == RowKind::Choice
            && self
                .rows
                .get(i + 1)
                .is_some_and(|n| n.pointer == row.pointer)
        {
            return None;
        }
        let touched = self.touched.contains(&row.pointer);
        if !(self.show_all || touched) {
            return None;
        }
        self.errors.get(&row.pointer).map(String::as_str)
    }

    /// The warning shown under row `i` when it has no problem (as problems are: once touched or asked).
    pub fn shown_warning(&self, i: usize) -> Option<&str> {
        let row = self.rows.get(i)?;
        if self.shown_error(i).is_some() || !(self.show_all || self.touched.contains(&row.pointer))
        {
            return None;
        }
        self.warnings.get(&row.pointer).map(String::as_str)
    }

    /// Lines each row takes: one, plus one for its problem or warning.
    pub fn heights(&self) -> Vec<usize> {
        (0..self.rows.len())
            .map(|i| {
                1 + usize::from(self.shown_error(i).is_some() || self.shown_warning(i).is_some())
            })
            .collect()
    }

    /// The first line to draw in `height` lines: the stored offset, moved just enough to show the focused
    /// row (and the heading right above it).
    pub fn visible_offset(&self, height: usize) -> usize {
        let heights = self.heights();
        let total: usize = heights.iter().sum();
        if height == 0 || total <= height {
            return 0;
        }
        let line_of = |i: usize| heights[..i].iter().sum::<usize>();
        let focus = self.focus.min(self.rows.len().saturating_sub(1));
        let bottom = line_of(focus) + heights[focus];
        let top = if focus > 0 && !self.rows[focus - 1].focusable() {
            line_of(focus - 1)
        } else {
            line_of(focus)
        };
        let mut off = self.offset.min(total - height);
        if top < off {
            off = top;
        } else if bottom > off + height {
            off = (bottom - height).min(top);
        }
        off
    }

    /// Keep the stored offset in step with what is drawn in `height` lines.
    pub fn scroll(&mut self, height: usize) {
        self.offset = self.visible_offset(height);
    }

    /// The row drawn at line `y` of a `height`-line area.
    pub fn row_at(&self, y: usize, height: usize) -> Option<usize> {
        let mut line = self.visible_offset(height);
        let target = line + y;
        for (i, h) in self.heights().into_iter().enumerate() {
            if target < line + h {
                return (y < height).then_some(i);
            }
            line += h;
        }
        None
    }

    /// The key contexts of the focused row (or the open popup), most specific first.
    pub fn contexts(&self) -> Vec<Ctx> {
        match &self.popup {
            Some(Popup::Picker(_)) => return vec![Ctx::Picker, Ctx::TextInput],
            Some(Popup::Editor(_)) => return vec![Ctx::Editor],
            Some(Popup::Path(_)) => return vec![Ctx::PathInput, Ctx::TextInput],
            None => {}
        }
        let mut out = Vec::new();
        if let Some(row) = self.focused() {
            match row.kind {
                RowKind::Text(_) if row.is_text() => {
                    out.extend([Ctx::TextField, Ctx::TextInput]);
                }
                RowKind::Multiline => out.push(Ctx::MultilineField),
                RowKind::Bool | RowKind::Advanced { .. } => out.push(Ctx::ToggleField),
                RowKind::Enum | RowKind::Choice => out.push(Ctx::PickField),
                RowKind::List { .. } => out.push(Ctx::ListField),
                RowKind::Next => out.push(Ctx::NextButton),
                _ => {}
            }
            if row.item.is_some() || row.kind == RowKind::Unknown {
                out.push(Ctx::ItemField);
            }
            if row.secret {
                out.push(Ctx::Secret);
            }
        }
        out.push(Ctx::Fields);
        out
    }

    /// Next was asked for: show every problem, open the advanced options if a problem hides there, and
    /// focus the first problem. Returns how many fields have problems.
    pub fn check_all(&mut self, form: &Form) -> usize {
        self.show_all = true;
        self.refresh(form);
        if !self.show_advanced && !self.unplaced().is_empty() {
            self.show_advanced = true;
            self.refresh(form);
        }
        if let Some(i) = (0..self.rows.len()).find(|i| self.shown_error(*i).is_some()) {
            self.focus = i;
            self.sync_input(form);
        }
        self.problems
            .iter()
            .map(|(p, _)| p.as_str())
            .collect::<BTreeSet<_>>()
            .len()
    }

    /// Focus the first row with a problem, without showing problems not yet asked for (a resumed draft
    /// lands on the first secret to type again).
    pub fn focus_first_problem(&mut self, form: &Form) {
        if let Some(i) = (0..self.rows.len()).find(|i| {
            self.rows[*i].holds_value() && self.errors.contains_key(&self.rows[*i].pointer)
        }) {
            self.focus = i;
            self.sync_input(form);
        }
    }

    /// The path prompt's target, if a file is being read.
    pub fn reading(&self) -> Option<&FileTarget> {
        match &self.popup {
            Some(Popup::Path(p)) if p.reading => Some(&p.target),
            _ => None,
        }
    }

    /// The read failed: say why in the prompt, which stays open.
    pub fn read_failed(&mut self, error: String) {
        if let Some(Popup::Path(p)) = &mut self.popup {
            p.reading = false;
            p.error = Some(error);
        }
    }

    /// Put a file's text into the multiline field at `at` (or its open editor); the prompt closes.
    pub fn fill_field(&mut self, form: &mut Form, at: &str, text: &str) {
        self.popup = None;
        let text = super::editor::normalize(text);
        let _ = form.set(at, Value::String(text));
        self.touched.insert(at.to_string());
        self.refresh(form);
    }

    /// Whether the focused row is a text field of this kind (for tests and the view).
    pub fn focused_text_kind(&self) -> Option<TextKind> {
        match self.focused()?.kind {
            RowKind::Text(k) => Some(k),
            _ => None,
        }
    }
}
