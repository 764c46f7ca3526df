//! The multiline editor (ratatui-textarea) for private keys, certificates and other long text. Pasted text
//! goes in whole, with CRLF and lone CR made LF (terminals paste newlines as CR). A secret is masked with
//! bullets unless revealed. The state lives in the form editor; `render` only reads it.

use super::text::truncate;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui_textarea::{Input, Key, TextArea};

#[derive(Debug, Clone)]
pub struct Editor {
    /// The config pointer of the field being edited.
    pub pointer: String,
    pub title: String,
    pub secret: bool,
    pub revealed: bool,
    pub area: TextArea<'static>,
}

impl PartialEq for Editor {
    fn eq(&self, other: &Self) -> bool {
        self.pointer == other.pointer && self.area.lines() == other.area.lines()
    }
}

/// Newlines as LF only.
pub fn normalize(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

impl Editor {
    pub fn new(pointer: String, title: String, text: &str, secret: bool, theme: &Theme) -> Editor {
        let lines: Vec<String> = normalize(text).split('\n').map(str::to_string).collect();
        let mut area = TextArea::new(lines);
        area.set_cursor_line_style(ratatui::style::Style::default());
        area.set_cursor_style(theme.selected());
        area.set_selection_style(theme.selected());
        area.set_placeholder_text("Paste or type here (your terminal's paste works)");
        area.set_placeholder_style(theme.dim());
        area.move_cursor(ratatui_textarea::CursorMove::Bottom);
        area.move_cursor(ratatui_textarea::CursorMove::End);
        let mut e = Editor {
            pointer,
            title,
            secret,
            revealed: false,
            area,
        };
        e.set_revealed(false);
        e
    }

    /// Show the text in clear (`true`) or, for a secret, as bullets.
    pub fn set_revealed(&mut self, revealed: bool) {
        self.revealed = revealed;
        if self.secret && !revealed {
            self.area.set_mask_char('•');
        } else {
            self.area.clear_mask_char();
        }
    }

    /// The text: lines joined with LF (a final empty line keeps the trailing newline).
    pub fn text(&self) -> String {
        self.area.lines().join("\n")
    }

    pub fn paste(&mut self, text: &str) {
        self.area.insert_str(normalize(text));
    }

    /// Replace the whole text (a file was read into the field).
    pub fn replace(&mut self, text: &str) {
        self.area.select_all();
        self.area.cut();
        self.paste(text);
    }

    /// A key the key table left to the editor.
    pub fn key(&mut self, key: KeyEvent) {
        let k = match key.code {
            KeyCode::Char(c) => Key::Char(c),
            KeyCode::Enter => Key::Enter,
            KeyCode::Backspace => Key::Backspace,
            KeyCode::Delete => Key::Delete,
            KeyCode::Left => Key::Left,
            KeyCode::Right => Key::Right,
            KeyCode::Up => Key::Up,
            KeyCode::Down => Key::Down,
            KeyCode::Home => Key::Home,
            KeyCode::End => Key::End,
            KeyCode::PageUp => Key::PageUp,
            KeyCode::PageDown => Key::PageDown,
            KeyCode::Tab => Key::Tab,
            _ => return,
        };
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        // As in every text input of the wizard: Ctrl-U deletes to the line's start; Ctrl-Z undoes.
        match k {
            Key::Char('u') if ctrl => {
                self.area.delete_line_by_head();
                return;
            }
            Key::Char('z') if ctrl => {
                self.area.undo();
                return;
            }
            _ => {}
        }
        self.area.input(Input {
            key: k,
            ctrl: key.modifiers.contains(KeyModifiers::CONTROL),
            alt: key.modifiers.contains(KeyModifiers::ALT),
            shift: key.modifiers.contains(KeyModifiers::SHIFT),
        });
    }

    pub fn line_count(&self) -> usize {
        let lines = self.area.lines();
        lines.len() - usize::from(lines.len() > 1 && lines.last().is_some_and(String::is_empty))
    }
}

/// Draw the editor in a box filling `area`.
pub fn render(frame: &mut Frame, area: Rect, e: &Editor, theme: &Theme) {
    let state = if e.secret && !e.revealed {
        " (masked)"
    } else {
        ""
    };
    let title = format!("{}{state}", e.title);
    let inner = super::overlay::frame_box(frame, area, &title, theme);
    if inner.height < 2 {
        return;
    }
    let text = Rect::new(inner.x, inner.y, inner.width, inner.height - 1);
    frame.render_widget(&e.area, text);
    let ratatui_textarea::DataCursor(row, col) = e.area.cursor();
    let status = format!(
        "{} · cursor {}:{} · your terminal's paste works here · ^Z undo",
        super::field::lines(&e.text()),
        row + 1,
        col + 1
    );
    let at = Rect::new(inner.x, inner.y + inner.height - 1, inner.width, 1);
    frame.render_widget(
        Line::from(Span::styled(
            truncate(&status, inner.width as usize),
            theme.dim(),
        )),
        at,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pastes_keep_lines_and_text_round_trips() {
        let theme = Theme::monochrome();
        let mut e = Editor::new("/k".into(), "Key".into(), "", true, &theme);
        assert_eq!(e.text(), "");
        e.paste("-----BEGIN KEY-----\r\nabc\rdef\r\n-----END KEY-----\r\n");
        assert_eq!(
            e.text(),
            "-----BEGIN KEY-----\nabc\ndef\n-----END KEY-----\n"
        );
        assert_eq!(e.line_count(), 4);
        e.key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE));
        assert_eq!(e.text(), "-----BEGIN KEY-----\nabc\ndef\n-----END KEY-----");
        e.replace("x\ny");
        assert_eq!(e.text(), "x\ny");
        let e = Editor::new("/k".into(), "Key".into(), "a\nb\n", false, &theme);
        assert_eq!(e.text(), "a\nb\n");
    }
}
