//! A page of lines: drawn one per row from the top of an area, cut at its bottom; and the detail pane
//! beside or below a list, set off by a rule.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

/// Draw `lines` from the top of `area`; returns how many lines there were (drawn or not).
pub fn draw(frame: &mut Frame, area: Rect, lines: Vec<Line>) -> usize {
    let n = lines.len();
    for (i, line) in lines.into_iter().enumerate().take(area.height as usize) {
        frame.render_widget(line, Rect::new(area.x, area.y + i as u16, area.width, 1));
    }
    n
}

/// The detail pane of a list: a vertical rule left of `area` when it stands `beside` the list, else a
/// horizontal one on its first row. Returns the area left for the details and its width.
pub fn detail_pane(
    frame: &mut Frame,
    area: Rect,
    beside: bool,
    border: ratatui::style::Style,
) -> (Rect, usize) {
    if beside {
        for y in 0..area.height {
            frame.render_widget(
                Line::styled("│", border),
                Rect::new(area.x - 1, area.y + y, 1, 1),
            );
        }
        (
            Rect::new(area.x + 1, area.y, area.width - 1, area.height),
            area.width as usize - 1,
        )
    } else {
        frame.render_widget(
            Line::styled("─".repeat(area.width as usize), border),
            Rect::new(area.x, area.y, area.width, 1),
        );
        (
            Rect::new(area.x, area.y + 1, area.width, area.height - 1),
            area.width as usize,
        )
    }
}
