//! A single-line text input: the value and a cursor (pure editing operations used by `update`), and a
//! renderer that scrolls horizontally so the cursor stays visible. Multiline fields will use
//! ratatui-textarea; this one is for filters, image references and command lines.

use super::text::width;
use crate::tui::keys::Action;
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextInput {
    value: String,
    /// Cursor position in characters (0..=len).
    cursor: usize,
}

impl TextInput {
    pub fn new(value: &str) -> TextInput {
        TextInput {
            value: value.to_string(),
            cursor: value.chars().count(),
        }
    }

    pub fn value(&self) -> &str {
        &self.value
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }

    pub fn set(&mut self, value: &str) {
        *self = TextInput::new(value);
    }

    /// The same input with every character shown as `c` (a secret being typed), the cursor in place.
    pub fn masked(&self, c: char) -> TextInput {
        TextInput {
            value: std::iter::repeat_n(c, self.value.chars().count()).collect(),
            cursor: self.cursor,
        }
    }

    fn byte_at(&self, char_idx: usize) -> usize {
        self.value
            .char_indices()
            .nth(char_idx)
            .map(|(i, _)| i)
            .unwrap_or(self.value.len())
    }

    /// Insert typed or pasted text at the cursor. Newlines and other control characters become spaces,
    /// since this input holds one line.
    pub fn insert(&mut self, text: &str) {
        let clean: String = text
            .trim_end_matches(['\r', '\n'])
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let at = self.byte_at(self.cursor);
        self.value.insert_str(at, &clean);
        self.cursor += clean.chars().count();
    }

    /// Apply an editing action; returns whether it was one (and so was handled).
    pub fn edit(&mut self, action: Action) -> bool {
        let len = self.value.chars().count();
        match action {
            Action::Left => self.cursor = self.cursor.saturating_sub(1),
            Action::Right => self.cursor = (self.cursor + 1).min(len),
            Action::LineStart => self.cursor = 0,
            Action::LineEnd => self.cursor = len,
            Action::DeleteBack => {
                if self.cursor > 0 {
                    let at = self.byte_at(self.cursor - 1);
                    self.value.remove(at);
                    self.cursor -= 1;
                }
            }
            Action::DeleteForward => {
                if self.cursor < len {
                    let at = self.byte_at(self.cursor);
                    self.value.remove(at);
                }
            }
            Action::ClearLine => {
                self.value.clear();
                self.cursor = 0;
            }
            Action::DeleteWord => {
                let chars: Vec<char> = self.value.chars().collect();
                let mut start = self.cursor;
                while start > 0 && chars[start - 1] == ' ' {
                    start -= 1;
                }
                while start > 0 && chars[start - 1] != ' ' {
                    start -= 1;
                }
                let (a, b) = (self.byte_at(start), self.byte_at(self.cursor));
                self.value.replace_range(a..b, "");
                self.cursor = start;
            }
            _ => return false,
        }
        true
    }

    /// Draw the input in `area` (one row). With `focused`, the terminal cursor is placed at the
    /// insertion point; text scrolls so that it stays visible. An empty input shows `placeholder`.
    pub fn render(
        &self,
        frame: &mut Frame,
        area: Rect,
        style: Style,
        placeholder: (&str, Style),
        focused: bool,
    ) {
        if area.width == 0 || area.height == 0 {
            return;
        }
        let avail = area.width as usize - 1; // keep a cell for the cursor at the end
        if self.value.is_empty() {
            let text = super::text::truncate(placeholder.0, avail);
            frame.render_widget(Line::from(Span::styled(text, placeholder.1)), area);
            if focused {
                frame.set_cursor_position(Position::new(area.x, area.y));
            }
            return;
        }
        // `sanitize` maps char to char, so cursor indices stay valid.
        let chars: Vec<char> = super::text::sanitize(&self.value).chars().collect();
        let cw = |c: &char| c.width().unwrap_or(0);
        // The first visible char: the smallest that keeps the cursor in view (an ellipsis marks a cut).
        let mut start = 0;
        while start < self.cursor
            && usize::from(start > 0) + chars[start..self.cursor].iter().map(cw).sum::<usize>()
                > avail
        {
            start += 1;
        }
        let mut shown = String::new();
        let mut used = 0;
        if start > 0 {
            shown.push('…');
            used = 1;
        }
        let cursor_x = used + chars[start..self.cursor].iter().map(cw).sum::<usize>();
        for c in &chars[start..] {
            if used + cw(c) > avail {
                break;
            }
            shown.push(*c);
            used += cw(c);
        }
        frame.render_widget(Line::from(Span::styled(shown, style)), area);
        if focused {
            let x = area.x + cursor_x.min(area.width as usize - 1) as u16;
            frame.set_cursor_position(Position::new(x, area.y));
        }
    }

    /// The value's width in cells (for layouts that size around it).
    pub fn width(&self) -> usize {
        width(&self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_at_the_cursor() {
        let mut t = TextInput::new("source-fker");
        t.edit(Action::Left);
        t.edit(Action::Left);
        t.edit(Action::Left);
        t.insert("a");
        assert_eq!(t.value(), "source-faker");
        t.edit(Action::LineEnd);
        t.insert(" --debug");
        t.edit(Action::DeleteWord);
        assert_eq!(t.value(), "source-faker ");
        t.edit(Action::DeleteBack);
        t.edit(Action::LineStart);
        t.edit(Action::DeleteForward);
        assert_eq!(t.value(), "ource-faker");
        t.edit(Action::ClearLine);
        assert!(t.is_empty());
        assert_eq!(t.cursor(), 0);
    }

    #[test]
    fn pasted_newlines_become_spaces_and_unicode_is_safe() {
        let mut t = TextInput::default();
        t.insert("héllo\nwörld\n");
        assert_eq!(t.value(), "héllo wörld");
        t.edit(Action::DeleteBack);
        t.edit(Action::Left);
        t.edit(Action::DeleteBack);
        assert_eq!(t.value(), "héllo wöl");
        assert!(!t.edit(Action::Pick));
    }
}
