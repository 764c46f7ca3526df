//! Step 1's custom entries: a small form for "Any Docker image…" (an image reference) or "Local command…"
//! (a command line, split like a shell), each with a protocol choice (auto, flow, airbyte). What is typed
//! is kept when the form is left with Esc, separately for each kind.

use crate::model::Protocol;
use crate::tui::connectors::{ConnectorChoice, check_image, split_command};
use crate::tui::keys::{Action, Ctx};
use crate::tui::state::State;
use crate::tui::widgets::text::{truncate, wrap};
use crate::tui::widgets::text_input::TextInput;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FormKind {
    #[default]
    Image,
    Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Field {
    #[default]
    Text,
    Protocol,
}

/// The options of the protocol choice, `None` meaning "find out" (labels for images, probing for
/// commands).
pub const PROTOCOLS: [Option<Protocol>; 4] = [
    None,
    Some(Protocol::Flow),
    Some(Protocol::Airbyte),
    Some(Protocol::Singer),
];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomForm {
    pub kind: FormKind,
    pub image: TextInput,
    pub command: TextInput,
    /// Index into [`PROTOCOLS`], per kind.
    pub image_protocol: usize,
    pub command_protocol: usize,
    pub focus: Field,
    /// Why the last Enter was refused.
    pub error: Option<String>,
}

pub enum Outcome {
    Stay,
    Back,
    Picked(ConnectorChoice),
}

impl CustomForm {
    /// Open for `kind`; an empty image input takes the list's filter when it looks like an image.
    pub fn open(&mut self, kind: FormKind, filter: &str) {
        self.kind = kind;
        self.focus = Field::Text;
        self.error = None;
        if kind == FormKind::Image && self.image.is_empty() && filter.contains(['/', ':']) {
            self.image.set(filter);
        }
    }

    /// Fill the form from an earlier choice that the list does not have (a resumed draft).
    pub fn remember(&mut self, choice: &ConnectorChoice) {
        let p = PROTOCOLS
            .iter()
            .position(|p| *p == choice.protocol())
            .unwrap_or(0);
        match choice {
            ConnectorChoice::Image { image, .. } => {
                self.image.set(image);
                self.image_protocol = p;
            }
            ConnectorChoice::Local { command, .. } => {
                self.command.set(&super::connector::command_line(command));
                self.command_protocol = p;
            }
        }
    }

    pub fn input(&self) -> &TextInput {
        match self.kind {
            FormKind::Image => &self.image,
            FormKind::Command => &self.command,
        }
    }

    fn input_mut(&mut self) -> &mut TextInput {
        match self.kind {
            FormKind::Image => &mut self.image,
            FormKind::Command => &mut self.command,
        }
    }

    fn protocol_mut(&mut self) -> &mut usize {
        match self.kind {
            FormKind::Image => &mut self.image_protocol,
            FormKind::Command => &mut self.command_protocol,
        }
    }

    pub fn protocol(&self) -> Option<Protocol> {
        let i = match self.kind {
            FormKind::Image => self.image_protocol,
            FormKind::Command => self.command_protocol,
        };
        PROTOCOLS[i.min(PROTOCOLS.len() - 1)]
    }

    pub fn contexts(&self) -> Vec<Ctx> {
        match self.focus {
            Field::Text => vec![Ctx::Form, Ctx::TextInput],
            Field::Protocol => vec![Ctx::Choice, Ctx::Form],
        }
    }

    pub fn insert(&mut self, text: &str) {
        if self.focus == Field::Text {
            self.input_mut().insert(text);
            self.error = None;
        }
    }

    /// The choice the form describes, or why it is not one yet.
    pub fn choice(&self) -> Result<ConnectorChoice, String> {
        let protocol = self.protocol();
        match self.kind {
            FormKind::Image => Ok(ConnectorChoice::Image {
                image: check_image(self.image.value())?,
                title: None,
                protocol,
            }),
            FormKind::Command => Ok(ConnectorChoice::Local {
                command: split_command(self.command.value())?,
                title: None,
                protocol,
                env: Default::default(),
            }),
        }
    }
}

pub fn on_action(form: &mut CustomForm, action: Action) -> Outcome {
    match action {
        Action::Back => return Outcome::Back,
        Action::Submit => match form.choice() {
            Ok(choice) => {
                form.error = None;
                return Outcome::Picked(choice);
            }
            Err(e) => {
                form.error = Some(e);
                form.focus = Field::Text;
            }
        },
        Action::NextField | Action::PrevField => {
            form.focus = match form.focus {
                Field::Text => Field::Protocol,
                Field::Protocol => Field::Text,
            }
        }
        Action::NextChoice => {
            let p = form.protocol_mut();
            *p = (*p + 1) % PROTOCOLS.len();
        }
        Action::PrevChoice => {
            let p = form.protocol_mut();
            *p = (*p + PROTOCOLS.len() - 1) % PROTOCOLS.len();
        }
        edit => {
            if form.focus == Field::Text && form.input_mut().edit(edit) {
                form.error = None;
            }
        }
    }
    Outcome::Stay
}

/// Draw the form as a box over `area` (the list and details of step 1).
pub fn view(form: &CustomForm, state: &State, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    // The box covers the list; what is left of the area below it is cleared too.
    frame.render_widget(Clear, area);
    let r = Rect::new(area.x, area.y, area.width, area.height.min(9));
    let (title, label, hint, auto) = match form.kind {
        FormKind::Image => (
            " Any Docker image ",
            "Image    ",
            "e.g. ghcr.io/estuary/source-postgres:dev or airbyte/source-faker:7.2.1. \
             Pulled when absent, never for tags ending in :local.",
            "from its labels",
        ),
        FormKind::Command => (
            " Local command ",
            "Command  ",
            "The program and its arguments, split like a shell does (quotes group words), \
             e.g. source-faker or python main.py. Runs here, without Docker.",
            "probe it",
        ),
    };
    frame.render_widget(Clear, r);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border())
        .title(Span::styled(title, t.title()));
    let inner = block.inner(r);
    frame.render_widget(block, r);
    if inner.height < 2 || inner.width < 20 {
        return;
    }
    let row = |i: u16| Rect::new(inner.x + 1, inner.y + i, inner.width - 2, 1);
    // The input.
    let focused_text = form.focus == Field::Text && state.overlays.is_empty();
    frame.render_widget(Line::styled(label, t.dim()), row(0));
    let input = Rect::new(
        row(0).x + label.len() as u16,
        row(0).y,
        row(0).width - label.len() as u16,
        1,
    );
    form.input().render(
        frame,
        input,
        if focused_text { t.input() } else { t.text() },
        ("type here", t.dim()),
        focused_text,
    );
    // The protocol choice: (•) marks the chosen option, so it reads without colour.
    let current = match form.kind {
        FormKind::Image => form.image_protocol,
        FormKind::Command => form.command_protocol,
    };
    let mut spans = vec![Span::styled("Protocol ", t.dim())];
    for (i, p) in PROTOCOLS.iter().enumerate() {
        let name = p.map(|p| p.to_string()).unwrap_or_else(|| auto.to_string());
        let mark = if i == current { "(•) " } else { "( ) " };
        let style = if i == current && form.focus == Field::Protocol {
            t.selected()
        } else if i == current {
            t.title()
        } else {
            t.text()
        };
        spans.push(Span::styled(format!("{mark}{name}"), style));
        spans.push(Span::raw("  "));
    }
    frame.render_widget(Line::from(spans), row(1));
    let width = row(0).width as usize;
    for (y, line) in (3..inner.height.saturating_sub(1)).zip(wrap(hint, width)) {
        frame.render_widget(Line::styled(line, t.dim()), row(y));
    }
    if let Some(e) = &form.error {
        let at = inner.height - 1;
        frame.render_widget(
            Line::styled(truncate(&format!("✗ {e}"), width), t.error()),
            row(at),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn submits_a_command_with_a_protocol() {
        let mut f = CustomForm::default();
        f.open(FormKind::Command, "");
        f.insert("/bin/fixture --x 'a b'");
        on_action(&mut f, Action::NextField);
        on_action(&mut f, Action::NextChoice);
        match on_action(&mut f, Action::Submit) {
            Outcome::Picked(ConnectorChoice::Local {
                command, protocol, ..
            }) => {
                assert_eq!(command, vec!["/bin/fixture", "--x", "a b"]);
                assert_eq!(protocol, Some(Protocol::Flow));
            }
            _ => panic!("not picked"),
        }
    }

    #[test]
    fn refuses_bad_input_and_keeps_it() {
        let mut f = CustomForm::default();
        f.open(FormKind::Image, "postgres");
        assert!(f.image.is_empty(), "a plain word is not an image reference");
        f.insert("my image");
        assert!(matches!(on_action(&mut f, Action::Submit), Outcome::Stay));
        assert!(f.error.as_deref().unwrap().contains("spaces"));
        assert!(matches!(on_action(&mut f, Action::Back), Outcome::Back));
        f.open(FormKind::Image, "x/y:1");
        assert_eq!(
            f.image.value(),
            "my image",
            "what was typed wins over the filter"
        );
    }
}
