//! The help bar on the last line: the keys of the active contexts, from the key table. Entries that do
//! not fit are left out whole (never cut in the middle), keeping the last one (keys, quit) if possible.

use crate::tui::keys::{self, Ctx};
use crate::tui::theme::Theme;
use crate::tui::widgets::text::width;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

pub fn render(frame: &mut Frame, area: Rect, ctxs: &[Ctx], theme: &Theme) {
    let entries = keys::bar(ctxs);
    let w = area.width as usize;
    let cost = |(k, l): &(String, &str)| width(k) + 1 + width(l) + 2;
    // Keep entries in order while they fit; the global ones (at the end) go first when space is short.
    let globals = entries.len().min(2);
    let (local, global) = entries.split_at(entries.len() - globals);
    let mut budget = w.saturating_sub(1);
    let global_cost: usize = global.iter().map(cost).sum();
    let mut shown: Vec<&(String, &str)> = Vec::new();
    let reserve = if global_cost <= budget {
        global_cost
    } else {
        0
    };
    budget -= reserve;
    for e in local {
        if cost(e) > budget {
            break;
        }
        budget -= cost(e);
        shown.push(e);
    }
    if reserve > 0 {
        shown.extend(global.iter());
    }
    let mut spans = vec![Span::raw(" ")];
    for (k, l) in shown {
        spans.push(Span::styled(k.clone(), theme.key()));
        spans.push(Span::styled(format!(" {l}  "), theme.dim()));
    }
    frame.render_widget(Line::from(spans), area);
}
