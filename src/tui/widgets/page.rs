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

/// Where a list, its head and its detail pane go in a step's body.
#[derive(Debug, Clone, Copy)]
pub struct ListDetail {
    pub head: Rect,
    pub list: Rect,
    /// The detail pane (right of the list when wide, below it otherwise), and whether it is beside.
    pub detail: Rect,
    pub beside: bool,
}

/// A list under `head` rows, with its detail pane beside it (the list 55%) when `body` is 100 columns or
/// wider, else below it, `detail_rows` rows of the height left under the head.
pub fn list_detail(body: Rect, head: u16, detail_rows: impl FnOnce(u16) -> u16) -> ListDetail {
    let head = head.min(body.height);
    let rest = Rect::new(body.x, body.y + head, body.width, body.height - head);
    let head = Rect::new(body.x, body.y, body.width, head);
    if body.width >= 100 {
        let lw = body.width * 55 / 100;
        ListDetail {
            head,
            list: Rect::new(rest.x, rest.y, lw, rest.height),
            detail: Rect::new(rest.x + lw + 1, rest.y, body.width - lw - 1, rest.height),
            beside: true,
        }
    } else {
        let dh = detail_rows(rest.height).min(rest.height);
        let lh = rest.height - dh;
        ListDetail {
            head,
            list: Rect::new(rest.x, rest.y, rest.width, lh),
            detail: Rect::new(rest.x, rest.y + lh, rest.width, dh),
            beside: false,
        }
    }
}
