//! Modal boxes drawn over the screen: the `?` key list, the quit question, the resume question.

use crate::tui::keys;
use crate::tui::theme::Theme;
use crate::tui::widgets::text::{fit, truncate, wrap};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear};

/// A centred rectangle of at most `w` x `h` inside `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// Clear `r`, draw a titled border, return the inside.
pub fn frame_box(frame: &mut Frame, r: Rect, title: &str, theme: &Theme) -> Rect {
    frame.render_widget(Clear, r);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title(Span::styled(format!(" {title} "), theme.title()));
    let inner = block.inner(r);
    frame.render_widget(block, r);
    inner
}

/// The lines of the key list: the keys of the screen under it (`first`, its contexts) and those that work
/// everywhere, then, under a rule, every other screen's; a heading per context, then `keys  description` rows.
pub fn help_lines(width: usize, theme: &Theme, first: &[keys::Ctx]) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let key_w = 18.min(width / 3);
    let (groups, here) = keys::overlay(first);
    for (i, (title, rows)) in groups.into_iter().enumerate() {
        if i > 0 {
            out.push(Line::default());
        }
        if i == here && i > 0 {
            out.push(Line::styled(
                truncate("── Other screens ──", width),
                theme.dim(),
            ));
            out.push(Line::default());
        }
        out.push(Line::styled(truncate(title, width), theme.title()));
        for (k, d) in rows {
            out.push(Line::from(vec![
                Span::styled(format!("  {}", fit(&k, key_w)), theme.key()),
                Span::raw(truncate(d, width.saturating_sub(key_w + 3))),
            ]));
        }
    }
    out
}

pub fn help(frame: &mut Frame, area: Rect, scroll: usize, theme: &Theme, first: &[keys::Ctx]) {
    // On narrow screens the list takes the whole width: fragments of the screen beside it only distract.
    let w = if area.width <= 90 { area.width } else { 76 };
    let r = centered(area, w, area.height.saturating_sub(2).max(8));
    let inner = frame_box(frame, r, "Keys (↑↓ scroll, Esc close)", theme);
    let lines = help_lines(inner.width.saturating_sub(2) as usize, theme, first);
    for (i, line) in lines
        .into_iter()
        .skip(scroll)
        .take(inner.height as usize)
        .enumerate()
    {
        let row = Rect::new(
            inner.x + 1,
            inner.y + i as u16,
            inner.width.saturating_sub(2),
            1,
        );
        frame.render_widget(line, row);
    }
}

/// A question box: a title, wrapped text, and a line of key hints.
pub fn question(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    text: &str,
    keys: &[(String, &str)],
    theme: &Theme,
) {
    let w = 64.min(area.width);
    let body = wrap(text, w.saturating_sub(4) as usize);
    let h = (body.len() as u16 + 4).min(area.height);
    let r = centered(area, w, h);
    let inner = frame_box(frame, r, title, theme);
    for (i, line) in body
        .into_iter()
        .enumerate()
        .take(inner.height.saturating_sub(2) as usize)
    {
        let row = Rect::new(
            inner.x + 1,
            inner.y + i as u16,
            inner.width.saturating_sub(2),
            1,
        );
        frame.render_widget(Line::raw(line), row);
    }
    if inner.height >= 1 {
        let mut spans = Vec::new();
        for (k, l) in keys {
            spans.push(Span::styled(k.clone(), theme.key()));
            spans.push(Span::raw(format!(" {l}   ")));
        }
        let row = Rect::new(
            inner.x + 1,
            inner.y + inner.height - 1,
            inner.width.saturating_sub(2),
            1,
        );
        frame.render_widget(Line::from(spans), row);
    }
}
