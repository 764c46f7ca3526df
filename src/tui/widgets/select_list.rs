//! A scrolling list with one selected row. [`ListNav`] (selection and scroll offset) lives in the state and
//! is changed only by `update`; [`render`] draws the visible rows only, asking the caller for each, so a
//! list of 10,000 rows costs what a screenful costs.

use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Scrollbar, ScrollbarOrientation, ScrollbarState};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListNav {
    pub selected: usize,
    /// The first visible row.
    pub offset: usize,
}

impl ListNav {
    /// The offset to draw with: the stored one, moved just enough to show the selection in `height` rows.
    pub fn visible_offset(&self, len: usize, height: usize) -> usize {
        if height == 0 || len == 0 {
            return 0;
        }
        let selected = self.selected.min(len - 1);
        let max_offset = len.saturating_sub(height);
        let mut offset = self.offset.min(max_offset);
        if selected < offset {
            offset = selected;
        } else if selected >= offset + height {
            offset = selected + 1 - height;
        }
        offset
    }

    /// Select row `index` (clamped) and scroll it into view.
    pub fn select(&mut self, index: usize, len: usize, height: usize) {
        self.selected = index.min(len.saturating_sub(1));
        self.offset = self.visible_offset(len, height);
    }

    /// Move the selection by `delta` rows, stopping at the ends.
    pub fn move_by(&mut self, delta: isize, len: usize, height: usize) {
        let target = self.selected.saturating_add_signed(delta);
        self.select(target, len, height);
    }

    /// Re-clamp after the list or the area changed.
    pub fn clamp(&mut self, len: usize, height: usize) {
        self.select(self.selected, len, height);
    }

    /// The row drawn at line `y` of the list area (0-based), if any.
    pub fn row_at(&self, y: usize, len: usize, height: usize) -> Option<usize> {
        let row = self.visible_offset(len, height) + y;
        (y < height && row < len).then_some(row)
    }
}

/// Draw `len` rows into `area`: `row(index, width, selected)` gives each visible row's line. A scrollbar
/// appears on the right when the rows do not fit.
pub fn render<'a>(
    frame: &mut Frame,
    area: Rect,
    nav: &ListNav,
    len: usize,
    theme: &Theme,
    mut row: impl FnMut(usize, usize, bool) -> Line<'a>,
) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let height = area.height as usize;
    let scroll = len > height;
    let width = area.width as usize - usize::from(scroll);
    let offset = nav.visible_offset(len, height);
    for (i, index) in (offset..len.min(offset + height)).enumerate() {
        let selected = index == nav.selected;
        let mut line = row(index, width, selected);
        if selected {
            line = line.patch_style(theme.selected());
        }
        let r = Rect::new(area.x, area.y + i as u16, width as u16, 1);
        if selected {
            frame.buffer_mut().set_style(r, theme.selected());
        }
        frame.render_widget(line, r);
    }
    if scroll {
        scrollbar(frame, area, len, height, offset, theme);
    }
}

/// The vertical scrollbar at the right edge of `area` for `len` rows seen `height` at a time from `offset`.
pub fn scrollbar(
    frame: &mut Frame,
    area: Rect,
    len: usize,
    height: usize,
    offset: usize,
    theme: &Theme,
) {
    let mut state = ScrollbarState::new(len.saturating_sub(height) + 1).position(offset);
    frame.render_stateful_widget(
        Scrollbar::new(ScrollbarOrientation::VerticalRight)
            .begin_symbol(None)
            .end_symbol(None)
            .track_symbol(Some("│"))
            .thumb_symbol("█")
            .style(theme.dim()),
        area,
        &mut state,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_selection_visible() {
        let mut nav = ListNav::default();
        nav.move_by(12, 50, 10);
        assert_eq!((nav.selected, nav.offset), (12, 3));
        nav.move_by(-5, 50, 10);
        assert_eq!((nav.selected, nav.offset), (7, 3));
        nav.move_by(-100, 50, 10);
        assert_eq!((nav.selected, nav.offset), (0, 0));
        nav.move_by(1000, 50, 10);
        assert_eq!((nav.selected, nav.offset), (49, 40));
        nav.clamp(5, 10);
        assert_eq!((nav.selected, nav.offset), (4, 0));
        nav.clamp(0, 10);
        assert_eq!((nav.selected, nav.offset), (0, 0));
    }

    #[test]
    fn maps_clicks_to_rows() {
        let nav = ListNav {
            selected: 15,
            offset: 10,
        };
        assert_eq!(nav.row_at(0, 50, 10), Some(10));
        assert_eq!(nav.row_at(9, 50, 10), Some(19));
        assert_eq!(nav.row_at(10, 50, 10), None);
        assert_eq!(nav.row_at(3, 12, 10), Some(5));
        assert_eq!(nav.row_at(5, 4, 10), None);
    }
}
