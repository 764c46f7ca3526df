//! Drawing step 4: what the step is for (the connector's own tunnel or one catwalk runs), the legend, the
//! notice, then the form, its help panel and the open popup. Reads the state only.

use crate::tui::state::State;
use crate::tui::widgets::form_page::areas;
use crate::tui::widgets::form_view;
use crate::tui::widgets::text::{truncate, wrap};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// What the step says about itself.
fn intro(state: &State) -> String {
    let t = &state.tunnel;
    let mut s = if t.builtin.is_some() {
        "If your system is only reachable through an SSH server (a bastion host), this connector can tunnel \
         through it. Enter on “No tunnel” skips this step."
            .to_string()
    } else {
        "If your system is only reachable through an SSH server (a bastion host), catwalk can run a tunnel \
         and point the connector at it. Enter on “No tunnel” skips this step."
            .to_string()
    };
    if let Some(own) = &t.own_settings {
        s.push_str(&format!(
            " This connector has SSH settings of its own in step 3 ({own}): use those or these, not both."
        ));
    }
    s
}

const LEGEND: &str = "* required · no connection is made now: the check step uses the tunnel";

/// Lines above the form: title, the intro (wrapped), the legend, the notice.
pub fn head_height(state: &State) -> u16 {
    let w = state.size.0 as usize;
    let intro = wrap(&intro(state), w.max(1)).len().min(3) as u16;
    2 + intro + u16::from(state.tunnel.notice.is_some())
}

pub fn view(state: &State, frame: &mut Frame, body: Rect) {
    let th = &state.theme;
    let t = &state.tunnel;
    let w = body.width as usize;
    let Some(form) = &t.form else {
        frame.render_widget(
            Line::styled(
                "The config step has not given a config yet: Esc goes back.",
                th.dim(),
            ),
            body,
        );
        return;
    };
    let a = areas(body, head_height(state));
    let kind = if t.builtin.is_some() {
        "the connector has its own tunnel setting"
    } else {
        "catwalk can run one for this connector"
    };
    let mut head = vec![Line::from(vec![
        Span::styled("SSH tunnel", th.title()),
        Span::styled(
            truncate(&format!("  optional · {kind}"), w.saturating_sub(10)),
            th.dim(),
        ),
    ])];
    head.extend(wrap(&intro(state), w).into_iter().take(3).map(Line::raw));
    head.push(Line::styled(truncate(LEGEND, w), th.dim()));
    if let Some(n) = &t.notice {
        let style = if n.bad { th.error() } else { th.ok() };
        head.push(Line::styled(truncate(&n.text, w), style));
    }
    for (i, l) in head.into_iter().take(a.head.height as usize).enumerate() {
        frame.render_widget(l, Rect::new(a.head.x, a.head.y + i as u16, a.head.width, 1));
    }
    let active = state.overlays.is_empty();
    form_view::render(frame, a.form, &t.ui, form, th, active);
    form_view::help_panel(frame, a.panel, &t.ui, form, th);
    form_view::render_popup(frame, a.form, a.popup, &t.ui, th);
}
