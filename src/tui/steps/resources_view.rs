//! Drawing a materialization's Resources step: which binding's form this is and how tables are named,
//! the notice, then the form, its help panel and open popup (the config step's form widgets).

use crate::tui::state::State;
use crate::tui::widgets::form_page::areas;
use crate::tui::widgets::form_view;
use crate::tui::widgets::text::{sanitize, truncate, wrap};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// Lines above the form: title and binding, naming, legend or notice.
pub const HEAD: u16 = 3;

pub fn view(state: &State, frame: &mut Frame, body: Rect) {
    let t = &state.theme;
    let r = &state.resources;
    let w = body.width as usize;
    let Some(p) = r.page() else {
        let mut lines = vec![Line::styled("Resources", t.title()), Line::default()];
        let text = r.error.clone().map(|e| {
            format!("✗ This connector's resource config schema cannot be shown as a form: {e}")
        });
        let text =
            text.unwrap_or_else(|| "No collection is chosen: Esc goes back to choose some.".into());
        lines.extend(
            wrap(&text, w)
                .into_iter()
                .map(|l| Line::styled(l, t.error())),
        );
        crate::tui::widgets::page::draw(frame, body, lines);
        return;
    };
    let a = areas(body, HEAD);
    let which = format!("  binding {} of {} · ", r.at + 1, r.pages.len());
    let head = vec![
        Line::from(vec![
            Span::styled("Resources", t.title()),
            Span::styled(which.clone(), t.dim()),
            Span::styled(
                truncate(&sanitize(&p.collection), w.saturating_sub(9 + which.len())),
                t.title(),
            ),
        ]),
        Line::from(vec![
            Span::styled("Naming: ", t.dim()),
            Span::raw(truncate(
                &format!("{} (^T switches)", state.mat.naming.label()),
                w.saturating_sub(8),
            )),
        ]),
        match &r.notice {
            Some(n) => Line::styled(truncate(&n.text, w), if n.bad { t.error() } else { t.ok() }),
            None => Line::styled(
                truncate(
                    "Where this collection goes in the destination. * required · ^N next · Esc previous",
                    w,
                ),
                t.dim(),
            ),
        },
    ];
    for (i, l) in head.into_iter().take(a.head.height as usize).enumerate() {
        frame.render_widget(l, Rect::new(a.head.x, a.head.y + i as u16, a.head.width, 1));
    }
    let active = state.overlays.is_empty();
    form_view::render(frame, a.form, &p.ui, &p.form, t, active);
    form_view::help_panel(frame, a.panel, &p.ui, &p.form, t);
    form_view::render_popup(frame, a.form, a.popup, &p.ui, t);
}
