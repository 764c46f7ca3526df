//! A page of lines: drawn one per row from the top of an area, cut at its bottom.

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
