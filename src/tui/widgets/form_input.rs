//! Input to the form editor (pure): actions from the key table, typed and pasted text, raw keys for the
//! multiline editor, mouse clicks and the wheel. Text fields are edited in place and written to the form
//! at every key; text that does not parse is kept with its problem. Files are never read here: a path
//! typed in the prompt comes back as `Outcome::Read` for the step to turn into a command.

use super::editor::Editor;
use super::field::{self, TextKind, parse};
use super::form_rows::{Row, RowKind, parent};
use super::form_ui::{FileTarget, FormUi, Outcome, PathPrompt, Popup};
use super::picker::{Entry, Pick, Picker};
use super::text_input::TextInput;
use crate::schema::Form;
use crate::tui::keys::Action;
use crate::tui::theme::Theme;
use ratatui::crossterm::event::{KeyEvent, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};
use serde_json::Value;

/// Where a private key usually is: offered when reading a key from a file.
pub const KEY_PATH: &str = "~/.ssh/id_ed25519";

impl FormUi {
    /// An action from the key table; `area` is where the form is drawn (for paging and the picker).
    pub fn on_action(
        &mut self,
        form: &mut Form,
        action: Action,
        area: Rect,
        theme: &Theme,
    ) -> Outcome {
        let out = if self.popup.is_some() {
            self.on_popup(form, action, area)
        } else {
            self.on_row(form, action, area, theme)
        };
        self.scroll(area.height as usize);
        out
    }

    fn on_row(&mut self, form: &mut Form, action: Action, area: Rect, theme: &Theme) -> Outcome {
        let Some(row) = self.focused().cloned() else {
            return Outcome::Nothing;
        };
        let page = (area.height as isize / 2).max(1);
        match action {
            Action::NextField => self.move_focus(form, 1),
            Action::PrevField => self.move_focus(form, -1),
            Action::PageDown => self.move_focus(form, page),
            Action::PageUp => self.move_focus(form, -page),
            Action::NextStep => return Outcome::Next,
            Action::Back => return Outcome::Back,
            Action::Reveal if row.secret && !self.revealed.remove(&row.pointer) => {
                self.revealed.insert(row.pointer.clone());
            }
            Action::Toggle => return self.toggle(form, &row),
            Action::OpenPicker => {
                if let Some(p) = picker_for(form, &row) {
                    self.popup = Some(Popup::Picker(p));
                }
            }
            Action::PrevChoice => return self.cycle(form, &row, -1),
            Action::NextChoice => return self.cycle(form, &row, 1),
            Action::OpenEditor if row.kind == RowKind::Multiline => {
                self.open_editor(form, &row, theme)
            }
            Action::LoadFile if row.kind == RowKind::Multiline => {
                let suggest = if row.pointer.to_lowercase().contains("key") {
                    KEY_PATH
                } else {
                    ""
                };
                self.prompt(FileTarget::Field(row.pointer.clone()), suggest);
            }
            Action::LoadConfig => {
                let last = self.last_path.clone();
                self.prompt(FileTarget::Config, &last);
            }
            Action::AddItem => {
                if let Ok(i) = form.push_item(&row.pointer) {
                    self.touched.insert(row.pointer.clone());
                    self.refresh(form);
                    self.focus_key(form, &format!("{}/{i}", row.pointer));
                    return Outcome::Changed;
                }
            }
            Action::RemoveItem => return self.remove(form, &row),
            edit if row.is_text() => {
                let before = self.input.value().to_string();
                if self.input.edit(edit) && self.input.value() != before {
                    self.commit(form, &row);
                    return Outcome::Changed;
                }
            }
            _ => {}
        }
        Outcome::Nothing
    }

    /// Move the focus by `delta` focusable rows, stopping at the ends.
    pub fn move_focus(&mut self, form: &Form, delta: isize) {
        let focusable: Vec<usize> = (0..self.rows.len())
            .filter(|i| self.rows[*i].focusable())
            .collect();
        if focusable.is_empty() {
            return;
        }
        let at = focusable
            .iter()
            .position(|i| *i >= self.focus)
            .unwrap_or(focusable.len() - 1);
        let to = at.saturating_add_signed(delta).min(focusable.len() - 1);
        self.focus = focusable[to];
        self.sync_input(form);
    }

    /// Write the focused input's text into the form (or keep it, with its problem, if it does not parse).
    fn commit(&mut self, form: &mut Form, row: &Row) {
        let RowKind::Text(kind) = row.kind else {
            return;
        };
        let text = self.input.value().to_string();
        let strings_ok = kind == TextKind::Json
            && form
                .field(&row.pointer)
                .is_some_and(|f| f.types.is_empty() || f.types.iter().any(|t| t == "string"));
        let at = row.pointer.as_str();
        match parse(kind, &text, strings_ok) {
            Ok(value) => {
                self.texts.remove(at);
                let done = match value {
                    Some(v) => form.set(at, v).map_err(|e| e.to_string()),
                    // Emptied, a list item stays (as an empty string); removing it is Ctrl-D.
                    None if in_list(form, at) && kind == TextKind::String => form
                        .set(at, Value::String(String::new()))
                        .map_err(|e| e.to_string()),
                    None if in_list(form, at) => {
                        Err("type a value, or remove the item with Ctrl-D".to_string())
                    }
                    None => form.unset(at).map(|_| ()).map_err(|e| e.to_string()),
                };
                if let Err(e) = done {
                    self.texts.insert(at.to_string(), (text, e));
                }
            }
            Err(problem) => {
                self.texts.insert(at.to_string(), (text, problem));
                // The last good value goes, so that it is not taken for what was typed (a list item
                // keeps its place).
                if !in_list(form, at) {
                    let _ = form.unset(at);
                }
            }
        }
        self.touched.insert(at.to_string());
        self.refresh(form);
    }

    fn toggle(&mut self, form: &mut Form, row: &Row) -> Outcome {
        match row.kind {
            RowKind::Bool => {
                let on = form.value(&row.pointer).and_then(Value::as_bool) == Some(true);
                let _ = form.set(&row.pointer, Value::Bool(!on));
                self.touched.insert(row.pointer.clone());
                self.refresh(form);
                Outcome::Changed
            }
            RowKind::Advanced { .. } => {
                self.show_advanced = !self.show_advanced;
                self.refresh(form);
                Outcome::Nothing
            }
            _ => Outcome::Nothing,
        }
    }

    /// ←/→ on an enum or a choice: the previous or next value, without opening the list.
    fn cycle(&mut self, form: &mut Form, row: &Row, delta: isize) -> Outcome {
        let Some(field) = form.field(&row.pointer) else {
            return Outcome::Nothing;
        };
        let step = |at: Option<usize>, n: usize| match at {
            Some(i) => (i as isize + delta).rem_euclid(n as isize) as usize,
            None if delta > 0 => 0,
            None => n - 1,
        };
        match row.kind {
            RowKind::Enum if !field.enum_values.is_empty() => {
                let values = &field.enum_values;
                let at = form
                    .value(&row.pointer)
                    .and_then(|v| values.iter().position(|e| e == v));
                let next = values[step(at, values.len())].clone();
                let _ = form.set(&row.pointer, next);
            }
            RowKind::Choice => {
                let n = field.choice().map_or(0, |c| c.options.len());
                if n == 0 {
                    return Outcome::Nothing;
                }
                let next = step(form.selected(&row.pointer), n);
                let _ = form.choose(&row.pointer, next);
            }
            _ => return Outcome::Nothing,
        }
        self.touched.insert(row.pointer.clone());
        self.refresh(form);
        Outcome::Changed
    }

    fn remove(&mut self, form: &mut Form, row: &Row) -> Outcome {
        let done = match (row.item, &row.kind) {
            (_, RowKind::Unknown) => form.unset(&row.pointer).is_ok(),
            (Some(i), _) => form.remove_item(&parent(&row.pointer), i).is_ok(),
            _ => false,
        };
        if !done {
            return Outcome::Nothing;
        }
        // Problems and typed text of what followed no longer line up with the items: start over for them.
        let list = parent(&row.pointer);
        self.texts
            .retain(|p, _| !p.starts_with(&format!("{list}/")));
        self.revealed
            .retain(|p| !p.starts_with(&format!("{list}/")));
        self.touched.insert(list);
        self.input_key = None;
        self.refresh(form);
        Outcome::Changed
    }

    fn open_editor(&mut self, form: &Form, row: &Row, theme: &Theme) {
        let text = field::to_text(form.value(&row.pointer));
        let mut e = Editor::new(
            row.pointer.clone(),
            row.title.clone(),
            &text,
            row.secret,
            theme,
        );
        e.set_revealed(self.revealed.contains(&row.pointer));
        self.popup = Some(Popup::Editor(Box::new(e)));
    }

    fn prompt(&mut self, target: FileTarget, suggest: &str) {
        self.popup = Some(Popup::Path(PathPrompt {
            target,
            input: TextInput::new(suggest),
            reading: false,
            error: None,
        }));
    }

    /// Close the editor, writing its text into the form.
    fn close_editor(&mut self, form: &mut Form) {
        if let Some(Popup::Editor(e)) = self.popup.take() {
            let text = e.text();
            let _ = if text.trim().is_empty() && !in_list(form, &e.pointer) {
                form.unset(&e.pointer).map(|_| ())
            } else {
                form.set(&e.pointer, Value::String(text))
            };
            self.touched.insert(e.pointer.clone());
            self.refresh(form);
        }
    }

    fn on_popup(&mut self, form: &mut Form, action: Action, area: Rect) -> Outcome {
        match self.popup.as_mut() {
            Some(Popup::Picker(p)) => {
                let height = p.list_height(area);
                let len = p.shown.len();
                let page = height.max(1) as isize;
                match action {
                    Action::Up => p.nav.move_by(-1, len, height),
                    Action::Down => p.nav.move_by(1, len, height),
                    Action::PageUp => p.nav.move_by(-page, len, height),
                    Action::PageDown => p.nav.move_by(page, len, height),
                    Action::Back => self.popup = None,
                    Action::Pick => return self.pick(form),
                    edit => {
                        if p.filter.edit(edit) {
                            p.refilter();
                        }
                    }
                }
            }
            Some(Popup::Editor(e)) => match action {
                Action::Done => {
                    self.close_editor(form);
                    return Outcome::Changed;
                }
                Action::Reveal if e.secret => {
                    let on = !e.revealed;
                    e.set_revealed(on);
                    if on {
                        self.revealed.insert(e.pointer.clone());
                    } else {
                        self.revealed.remove(&e.pointer);
                    }
                }
                Action::ClearLine => e.replace(""),
                Action::LoadFile => {
                    let at = e.pointer.clone();
                    self.close_editor(form);
                    let suggest = if at.to_lowercase().contains("key") {
                        KEY_PATH
                    } else {
                        ""
                    };
                    self.prompt(FileTarget::Field(at), suggest);
                    return Outcome::Changed;
                }
                _ => {}
            },
            Some(Popup::Path(p)) => match action {
                Action::Back => self.popup = None,
                Action::Submit if !p.reading => {
                    p.reading = true;
                    p.error = None;
                    let path = p.input.value().trim().to_string();
                    if p.target == FileTarget::Config {
                        self.last_path = path.clone();
                    }
                    return Outcome::Read(path);
                }
                edit => {
                    if p.input.edit(edit) {
                        p.error = None;
                    }
                }
            },
            None => {}
        }
        Outcome::Nothing
    }

    /// Apply the picker's selected entry.
    fn pick(&mut self, form: &mut Form) -> Outcome {
        let Some(Popup::Picker(p)) = self.popup.take() else {
            return Outcome::Nothing;
        };
        let Some(pick) = p.selected() else {
            // Nothing matches the filter: stay open.
            self.popup = Some(Popup::Picker(p));
            return Outcome::Nothing;
        };
        let at = p.pointer.as_str();
        let _ = match pick {
            Pick::Unset => form.unset(at).map(|_| ()),
            Pick::Option(i) => form.choose(at, i),
            Pick::Value(i) => match form.field(at).and_then(|f| f.enum_values.get(i)).cloned() {
                Some(v) => form.set(at, v),
                None => Ok(()),
            },
        };
        self.touched.insert(at.to_string());
        self.refresh(form);
        Outcome::Changed
    }

    /// Typed text (in a text field, the picker's filter, the path prompt) or pasted text (also into the
    /// multiline editor; pasting on a multiline field opens its editor with the text in).
    pub fn on_text(&mut self, form: &mut Form, text: &str, theme: &Theme) -> Outcome {
        match self.popup.as_mut() {
            Some(Popup::Picker(p)) => {
                p.filter.insert(text);
                p.refilter();
                return Outcome::Nothing;
            }
            Some(Popup::Editor(e)) => {
                e.paste(text);
                return Outcome::Nothing;
            }
            Some(Popup::Path(p)) => {
                p.input.insert(text);
                p.error = None;
                return Outcome::Nothing;
            }
            None => {}
        }
        let Some(row) = self.focused().cloned() else {
            return Outcome::Nothing;
        };
        match row.kind {
            RowKind::Text(_) if row.is_text() => {
                self.input.insert(text);
                self.commit(form, &row);
                Outcome::Changed
            }
            RowKind::Multiline => {
                self.open_editor(form, &row, theme);
                if let Some(Popup::Editor(e)) = self.popup.as_mut() {
                    e.paste(text);
                }
                Outcome::Nothing
            }
            _ => Outcome::Nothing,
        }
    }

    /// A key the key table left to the multiline editor.
    pub fn on_key(&mut self, key: KeyEvent) {
        if let Some(Popup::Editor(e)) = self.popup.as_mut() {
            e.key(key);
        }
    }

    /// A mouse event over the form drawn in `area`: the wheel moves the focus (or the picker's selection);
    /// a click focuses a row (or selects in the picker), and a click on the focused one acts on it.
    pub fn mouse(&mut self, form: &mut Form, ev: MouseEvent, area: Rect, theme: &Theme) -> Outcome {
        let at = Position::new(ev.column, ev.row);
        if let Some(Popup::Picker(p)) = self.popup.as_mut() {
            let list = p.list_rect(area);
            let (len, height) = (p.shown.len(), list.height as usize);
            match ev.kind {
                MouseEventKind::ScrollDown => p.nav.move_by(3, len, height),
                MouseEventKind::ScrollUp => p.nav.move_by(-3, len, height),
                MouseEventKind::Down(MouseButton::Left) if list.contains(at) => {
                    if let Some(i) = p.nav.row_at((ev.row - list.y) as usize, len, height) {
                        if i == p.nav.selected {
                            return self.pick(form);
                        }
                        p.nav.select(i, len, height);
                    }
                }
                _ => {}
            }
            return Outcome::Nothing;
        }
        if self.popup.is_some() {
            return Outcome::Nothing;
        }
        let height = area.height as usize;
        match ev.kind {
            MouseEventKind::ScrollDown => self.move_focus(form, 3),
            MouseEventKind::ScrollUp => self.move_focus(form, -3),
            MouseEventKind::Down(MouseButton::Left) if area.contains(at) => {
                let Some(i) = self.row_at((ev.row - area.y) as usize, height) else {
                    return Outcome::Nothing;
                };
                if !self.rows[i].focusable() {
                    return Outcome::Nothing;
                }
                if i != self.focus {
                    self.focus = i;
                    self.sync_input(form);
                } else {
                    let action = match self.rows[i].kind {
                        RowKind::Bool | RowKind::Advanced { .. } => Action::Toggle,
                        RowKind::Enum | RowKind::Choice => Action::OpenPicker,
                        RowKind::Multiline => Action::OpenEditor,
                        RowKind::Next => Action::NextStep,
                        _ => return Outcome::Nothing,
                    };
                    return self.on_action(form, action, area, theme);
                }
            }
            _ => {}
        }
        self.scroll(height);
        Outcome::Nothing
    }
}

/// Whether the value at `at` is a list item (removing it would shift the others: it is emptied instead).
fn in_list(form: &Form, at: &str) -> bool {
    form.value(&parent(at)).is_some_and(Value::is_array)
}

/// The picker for an enum or a choice row.
fn picker_for(form: &Form, row: &Row) -> Option<Picker> {
    let field = form.field(&row.pointer)?;
    let (entries, current) = match row.kind {
        RowKind::Enum => {
            let value = form.value(&row.pointer);
            let mut entries: Vec<Entry> = field
                .enum_values
                .iter()
                .enumerate()
                .map(|(i, v)| Entry::new(field::label(v), None, Pick::Value(i)))
                .collect();
            let mut current = value.and_then(|v| field.enum_values.iter().position(|e| e == v));
            if !row.required && field.default.is_none() && row.item.is_none() {
                entries.insert(0, Entry::new("(none)".into(), None, Pick::Unset));
                current = Some(current.map_or(0, |c| c + 1));
            }
            (entries, current)
        }
        RowKind::Choice => {
            let choice = field.choice()?;
            let entries = choice
                .options
                .iter()
                .enumerate()
                .map(|(i, o)| Entry::new(o.title.clone(), o.description.clone(), Pick::Option(i)))
                .collect();
            (entries, form.selected(&row.pointer))
        }
        _ => return None,
    };
    Some(Picker::new(
        row.pointer.clone(),
        row.title.clone(),
        entries,
        current,
    ))
}
