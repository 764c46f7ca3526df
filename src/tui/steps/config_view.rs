//! Drawing step 3: the heading (connector, the intro line, the legend, the notice), the form, the help
//! panel for the focused field, and the open popup. Reads the state only.

use super::config::{INTRO, areas, head_height, notice_lines};
use crate::tui::state::State;
use crate::tui::widgets::form_view;
use crate::tui::widgets::text::{truncate, wrap};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

pub const LEGEND: &str =
    "* required · secrets are masked (^R shows one) and never kept in the draft";

pub fn view(state: &State, frame: &mut Frame, body: Rect) {
    let t = &state.theme;
    let c = &state.config;
    let w = body.width as usize;
    let Some(form) = &c.form else {
        let mut lines = vec![
            Line::styled(
                "✗ This connector's config schema cannot be shown as a form",
                t.error(),
            ),
            Line::default(),
        ];
        let e = c.error.as_deref().unwrap_or("there is no spec yet");
        lines.extend(wrap(e, w).into_iter().map(Line::raw));
        lines.push(Line::default());
        let hint = "Esc goes back. `catwalk spec` prints the schema; `catwalk discover` writes a config stub \
                    to fill in by hand.";
        lines.extend(wrap(hint, w).into_iter().map(|l| Line::styled(l, t.dim())));
        for (i, l) in lines.into_iter().take(body.height as usize).enumerate() {
            frame.render_widget(l, Rect::new(body.x, body.y + i as u16, body.width, 1));
        }
        return;
    };
    let a = areas(body, head_height(state));
    let name = state
        .answers
        .connector
        .as_ref()
        .map(|c| c.label())
        .unwrap_or_default();
    let mut head = vec![
        Line::from(vec![
            Span::styled("Config", t.title()),
            Span::styled(truncate(&format!("  {name}"), w.saturating_sub(6)), t.dim()),
        ]),
        Line::raw(truncate(INTRO, w)),
        Line::styled(truncate(LEGEND, w), t.dim()),
    ];
    if let Some(n) = &c.notice {
        let style = if n.bad { t.error() } else { t.ok() };
        head.extend(
            notice_lines(state)
                .into_iter()
                .map(|l| Line::styled(l, style)),
        );
    }
    for (i, l) in head.into_iter().take(a.head.height as usize).enumerate() {
        frame.render_widget(l, Rect::new(a.head.x, a.head.y + i as u16, a.head.width, 1));
    }
    let active = state.overlays.is_empty();
    form_view::render(frame, a.form, &c.ui, form, t, active);
    form_view::help_panel(frame, a.panel, &c.ui, form, t);
    form_view::render_popup(frame, a.form, a.popup, &c.ui, t);
}
