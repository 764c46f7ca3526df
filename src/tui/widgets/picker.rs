//! A box to choose one entry from: an enum's values or a choice's options, filtered by what is typed
//! (every word must appear). Only the visible rows are drawn, so an 898-value enum stays quick. The state
//! lives in the form editor; `render` only reads it.

use super::select_list::{self, ListNav};
use super::text::{truncate, wrap};
use super::text_input::TextInput;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// What choosing an entry does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// Set the enum value at this index.
    Value(usize),
    /// Choose the option at this index.
    Option(usize),
    /// Remove the value (an optional enum).
    Unset,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub label: String,
    pub description: Option<String>,
    pub pick: Pick,
    lower: String,
}

impl Entry {
    pub fn new(label: String, description: Option<String>, pick: Pick) -> Entry {
        let lower = label.to_lowercase();
        Entry {
            label,
            description,
            pick,
            lower,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Picker {
    /// The config pointer of the field being chosen for.
    pub pointer: String,
    pub title: String,
    pub entries: Vec<Entry>,
    /// The entry matching the current value.
    pub current: Option<usize>,
    pub filter: TextInput,
    /// Indices of the entries the filter lets through.
    pub shown: Vec<usize>,
    pub nav: ListNav,
}

impl Picker {
    pub fn new(
        pointer: String,
        title: String,
        entries: Vec<Entry>,
        current: Option<usize>,
    ) -> Picker {
        let mut p = Picker {
            pointer,
            title,
            entries,
            current,
            filter: TextInput::default(),
            shown: Vec::new(),
            nav: ListNav::default(),
        };
        p.refilter();
        if let Some(at) = current.and_then(|c| p.shown.iter().position(|i| *i == c)) {
            p.nav.selected = at;
        }
        p
    }

    /// Recompute the shown entries from the filter; the selection goes to the first match.
    pub fn refilter(&mut self) {
        let query = super::filter::Query::new(self.filter.value());
        self.shown = query.select(self.entries.iter().map(|e| e.lower.as_str()));
        self.nav = ListNav::default();
    }

    /// What the selected entry does, if the filter left any.
    pub fn selected(&self) -> Option<Pick> {
        let i = *self.shown.get(self.nav.selected)?;
        Some(self.entries[i].pick)
    }

    fn has_descriptions(&self) -> bool {
        self.entries.iter().any(|e| e.description.is_some())
    }

    /// The box drawn inside `area`.
    pub fn rect(&self, area: Rect) -> Rect {
        let longest = self
            .entries
            .iter()
            .map(|e| super::text::width(&e.label))
            .max()
            .unwrap_or(0)
            .max(super::text::width(&self.title));
        let w = (longest as u16 + 8).clamp(44, 76).min(area.width);
        let desc = if self.has_descriptions() { 3 } else { 0 };
        let h = (self.entries.len() as u16 + 3 + desc)
            .min(area.height)
            .max(area.height.min(6));
        super::overlay::centered(area, w, h)
    }

    /// Where the list is drawn inside the box over `area` (for mouse clicks).
    pub fn list_rect(&self, area: Rect) -> Rect {
        let r = self.rect(area);
        Rect::new(
            r.x + 2,
            r.y + 2,
            r.width.saturating_sub(4),
            self.list_height(area) as u16,
        )
    }

    /// Rows of the list inside the box drawn in `area` (for paging and clamping).
    pub fn list_height(&self, area: Rect) -> usize {
        let inner = self.rect(area).height.saturating_sub(2);
        let desc = if self.has_descriptions() { 3 } else { 0 };
        inner.saturating_sub(1 + desc) as usize
    }
}

/// Draw the picker over `area` (the form's area).
pub fn render(frame: &mut Frame, area: Rect, p: &Picker, theme: &Theme) {
    let r = p.rect(area);
    let inner = super::overlay::frame_box(frame, r, &format!("{}: choose one", p.title), theme);
    if inner.height < 2 {
        return;
    }
    let count = format!(" {} of {}", p.shown.len(), p.entries.len());
    let label = "Filter: ";
    let input_w = inner
        .width
        .saturating_sub(label.len() as u16 + count.chars().count() as u16 + 1);
    let row = Rect::new(inner.x + 1, inner.y, inner.width.saturating_sub(2), 1);
    frame.render_widget(Line::styled(label, theme.dim()), row);
    p.filter.render(
        frame,
        Rect::new(row.x + label.len() as u16, row.y, input_w, 1),
        theme.input(),
        ("type to filter", theme.dim()),
        true,
    );
    frame.render_widget(Line::styled(count, theme.dim()).right_aligned(), row);
    let list = p.list_rect(area);
    let height = list.height;
    select_list::render(
        frame,
        list,
        &p.nav,
        p.shown.len(),
        theme,
        |i, width, selected| {
            let e = &p.entries[p.shown[i]];
            let mark = if p.current == Some(p.shown[i]) {
                "(•) "
            } else {
                "( ) "
            };
            let lead = if selected { "› " } else { "  " };
            Line::from(vec![
                Span::raw(lead),
                Span::raw(mark),
                Span::raw(truncate(&e.label, width.saturating_sub(6))),
            ])
        },
    );
    if p.shown.is_empty() && height > 0 {
        let msg = format!("  Nothing matches “{}”.", p.filter.value());
        frame.render_widget(
            Line::styled(truncate(&msg, list.width as usize), theme.warn()),
            list,
        );
    }
    if p.has_descriptions() {
        let y = list.y + height;
        let desc = p
            .shown
            .get(p.nav.selected)
            .and_then(|i| p.entries[*i].description.as_deref())
            .map(super::field::plain)
            .unwrap_or_default();
        let rule = Rect::new(row.x, y, row.width, 1);
        frame.render_widget(
            Line::styled("─".repeat(row.width as usize), theme.border()),
            rule,
        );
        for (k, line) in wrap(&desc, row.width as usize)
            .into_iter()
            .take(2)
            .enumerate()
        {
            let at = Rect::new(row.x, y + 1 + k as u16, row.width, 1);
            if at.y < inner.y + inner.height {
                frame.render_widget(Line::styled(line, theme.dim()), at);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_by_every_word() {
        let entries = ["bulbasaur", "ivysaur", "venusaur", "charmander"]
            .iter()
            .enumerate()
            .map(|(i, n)| Entry::new(n.to_string(), None, Pick::Value(i)))
            .collect();
        let mut p = Picker::new("/pokemon".into(), "Pokemon".into(), entries, Some(2));
        assert_eq!(
            p.selected(),
            Some(Pick::Value(2)),
            "starts on the current value"
        );
        p.filter.insert("SAUR");
        p.refilter();
        assert_eq!(p.shown, vec![0, 1, 2]);
        p.filter.insert(" ivy");
        p.refilter();
        assert_eq!(p.selected(), Some(Pick::Value(1)));
        p.filter.insert("x");
        p.refilter();
        assert_eq!(p.selected(), None);
    }
}
