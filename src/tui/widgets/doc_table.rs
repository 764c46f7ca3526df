//! JSON documents as a table of their top-level fields: one row per document, one column per field (in
//! the order fields first appear), strings shown bare and other values as compact JSON, every cell cut to
//! its column. Rows can be marked (a document that breaks its schema). Draws lines; keeps no state.

use super::text::{fit, sanitize, truncate, width};
use crate::tui::theme::Theme;
use ratatui::text::{Line, Span};
use serde_json::Value;

/// A column is never wider than this (a long value is cut).
const MAX_COLUMN: usize = 24;

/// The top-level field names of `docs`, in the order they first appear (a document that is not an
/// object gives the column `(value)`).
pub fn columns<'a>(docs: impl IntoIterator<Item = &'a Value>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for d in docs {
        match d {
            Value::Object(m) => {
                for k in m.keys() {
                    if !out.iter().any(|c| c == k) {
                        out.push(k.clone());
                    }
                }
            }
            _ => {
                if !out.iter().any(|c| c == VALUE) {
                    out.push(VALUE.into());
                }
            }
        }
    }
    out
}

const VALUE: &str = "(value)";

/// A cell: a string bare, a missing field empty, anything else as compact JSON; one line.
pub fn cell(doc: &Value, column: &str) -> String {
    let v = match doc {
        Value::Object(m) => m.get(column),
        other if column == VALUE => Some(other),
        _ => None,
    };
    match v {
        None => String::new(),
        Some(Value::String(s)) => sanitize(s),
        Some(other) => sanitize(&other.to_string()),
    }
}

/// The table in `w` columns of text: a header, then a row per document (`marked` ones start with ✗ and
/// are drawn as errors), columns from `first` on (as many as fit). The second value is how many columns
/// there are in all.
pub fn lines(
    docs: &[(&Value, bool)],
    w: usize,
    first: usize,
    t: &Theme,
) -> (Vec<Line<'static>>, usize) {
    let cols = columns(docs.iter().map(|(d, _)| *d));
    let total = cols.len();
    let first = first.min(total.saturating_sub(1));
    // "✗ 10 " before the cells.
    let lead = 2 + docs.len().to_string().len() + 1;
    let mut shown: Vec<(&String, usize)> = Vec::new();
    let mut used = lead;
    for c in cols.iter().skip(first) {
        let cw = docs
            .iter()
            .map(|(d, _)| width(&cell(d, c)))
            .chain([width(c)])
            .max()
            .unwrap_or(1)
            .clamp(1, MAX_COLUMN);
        if used + cw > w && !shown.is_empty() {
            break;
        }
        shown.push((c, cw.min(w.saturating_sub(used)).max(1)));
        used += cw + 2;
    }
    let more = if first + shown.len() < total {
        format!(" +{}→", total - first - shown.len())
    } else {
        String::new()
    };
    let mut out = Vec::with_capacity(docs.len() + 1);
    let mut head = vec![Span::raw(" ".repeat(lead))];
    if first > 0 {
        head[0] = Span::styled(fit(&format!("←{first}"), lead), t.dim());
    }
    for (c, cw) in &shown {
        head.push(Span::styled(
            format!("{}  ", fit(&truncate(&sanitize(c), *cw), *cw)),
            t.title(),
        ));
    }
    head.push(Span::styled(more, t.dim()));
    out.push(Line::from(head));
    for (n, (d, marked)) in docs.iter().enumerate() {
        let number = format!("{:>1$} ", n + 1, lead - 3);
        let mut spans = vec![
            if *marked {
                Span::styled("✗ ", t.error())
            } else {
                Span::raw("  ")
            },
            Span::styled(number, t.dim()),
        ];
        let style = if *marked { t.error() } else { t.text() };
        for (c, cw) in &shown {
            spans.push(Span::styled(
                format!("{}  ", fit(&truncate(&cell(d, c), *cw), *cw)),
                style,
            ));
        }
        out.push(Line::from(spans));
    }
    (out, total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn columns_follow_first_appearance_and_cells_are_one_line() {
        let a = json!({"id": 1, "name": "Ann\nB"});
        let b = json!({"id": 2, "tags": ["x"], "name": null});
        assert_eq!(columns([&a, &b]), ["id", "name", "tags"]);
        assert_eq!(cell(&b, "tags"), r#"["x"]"#);
        assert_eq!(cell(&b, "name"), "null");
        assert_eq!(cell(&a, "tags"), "");
        assert!(!cell(&a, "name").contains('\n'));
        assert_eq!(columns([&json!(3)]), [VALUE]);
    }
}
