//! A document schema drawn as a tree: every property at its depth under tree guides (`├─`, `└─`, `│`),
//! nested objects and list items (`[]`) included, its type beside it, required ones with `*`, key fields
//! marked `key`. The rows come from `schema::tree` (`$ref`s resolved, bounded, cycle-safe); this draws
//! them into `room` lines scrolled by `scroll`. Keeps no state.

use super::text::{fit, sanitize, truncate, width};
use crate::schema::tree::{self, TreeRow};
use crate::tui::theme::Theme;
use ratatui::text::{Line, Span};
use serde_json::Value;

/// How deep and how many rows a tree goes (a schema of thousands of fields stays cheap).
pub const MAX_DEPTH: usize = 8;
pub const MAX_ROWS: usize = 2000;

/// The rows of `schema`'s tree.
pub fn rows(schema: &Value) -> Vec<TreeRow> {
    tree::rows(schema, MAX_DEPTH, MAX_ROWS)
}

/// The guides before each row: `├─ ` / `└─ ` for the row, `│  ` / `   ` for each open ancestor.
pub fn guides(rows: &[TreeRow]) -> Vec<String> {
    // Whether the row is the last of its siblings: no later row at its depth before one shallower.
    let last: Vec<bool> = (0..rows.len())
        .map(|i| {
            rows[i + 1..]
                .iter()
                .find(|r| r.depth <= rows[i].depth)
                .is_none_or(|r| r.depth < rows[i].depth)
        })
        .collect();
    let mut open: Vec<bool> = Vec::new();
    rows.iter()
        .zip(&last)
        .map(|(r, &is_last)| {
            open.truncate(r.depth);
            let mut g: String = open
                .iter()
                .map(|o| if *o { "│  " } else { "   " })
                .collect();
            g.push_str(if is_last { "└─ " } else { "├─ " });
            open.push(!is_last);
            g
        })
        .collect()
}

/// The tree in `w` columns: a line per row from `scroll` on, at most `room` lines (the last one says how
/// many more there are when they do not fit). `key`: the collection's key pointers.
pub fn lines(
    rows: &[TreeRow],
    key: &[String],
    w: usize,
    room: usize,
    scroll: usize,
    t: &Theme,
) -> Vec<Line<'static>> {
    if room == 0 {
        return Vec::new();
    }
    let guides = guides(rows);
    let names: Vec<String> = rows
        .iter()
        .zip(&guides)
        .map(|(r, g)| {
            format!(
                "{g}{}{}",
                sanitize(&r.name),
                if r.required { "*" } else { "" }
            )
        })
        .collect();
    let nw = names
        .iter()
        .map(|n| width(n))
        .max()
        .unwrap_or(0)
        .min(w * 3 / 5);
    let scroll = scroll.min(rows.len().saturating_sub(1));
    let left = rows.len() - scroll;
    let shown = if left > room { room - 1 } else { left };
    let mut out: Vec<Line> = rows
        .iter()
        .zip(&names)
        .skip(scroll)
        .take(shown)
        .map(|(r, name)| {
            let is_key = key.contains(&r.pointer);
            let mut spans = vec![Span::styled(
                fit(&truncate(name, nw), nw),
                if is_key { t.title() } else { t.text() },
            )];
            let rest = w.saturating_sub(nw + 2);
            spans.push(Span::styled(
                truncate(&format!("  {}", r.ty), rest),
                t.dim(),
            ));
            if is_key && rest > width(&r.ty) + 8 {
                spans.push(Span::styled("  key", t.ok()));
            }
            Line::from(spans)
        })
        .collect();
    if left > shown {
        out.push(Line::styled(
            truncate(&format!("… {} more", left - shown), w),
            t.dim(),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn guides_follow_nesting() {
        let schema = json!({"type": "object", "required": ["id"], "properties": {
            "id": {"type": "integer"},
            "address": {"type": "object", "properties": {"city": {"type": "string"}, "zip": {"type": "string"}}},
            "tags": {"type": "array", "items": {"type": "string"}}
        }});
        let rows = rows(&schema);
        let g = guides(&rows);
        let shown: Vec<String> = rows
            .iter()
            .zip(&g)
            .map(|(r, g)| format!("{g}{}", r.name))
            .collect();
        assert_eq!(
            shown,
            ["├─ id", "├─ address", "│  ├─ city", "│  └─ zip", "└─ tags"]
        );
        let t = Theme::monochrome();
        let text: Vec<String> = lines(&rows, &["/id".into()], 60, 3, 0, &t)
            .iter()
            .map(|l| l.to_string())
            .collect();
        assert!(
            text[0].contains("id*") && text[0].contains("key"),
            "{text:?}"
        );
        assert!(text[2].contains("3 more"), "{text:?}");
    }
}
