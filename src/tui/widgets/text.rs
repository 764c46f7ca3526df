//! Text measured in terminal cells: truncation with an ellipsis and word wrapping, so that every line the
//! wizard draws fits its area at any width (80x24 included) instead of being cut or wrapped by chance.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Display width in terminal cells.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// `s` cut to at most `max` cells, ending in `…` when something was cut.
pub fn truncate(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > max - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// `s` cut from the left (`…tail`), for paths and image references whose end matters most.
pub fn truncate_left(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut kept: Vec<char> = Vec::new();
    let mut used = 0;
    for c in s.chars().rev() {
        let w = c.width().unwrap_or(0);
        if used + w > max - 1 {
            break;
        }
        kept.push(c);
        used += w;
    }
    let mut out = String::from("…");
    out.extend(kept.into_iter().rev());
    out
}

/// `s` truncated or padded with spaces to exactly `w` cells.
pub fn fit(s: &str, w: usize) -> String {
    let mut out = truncate(s, w);
    let pad = w.saturating_sub(width(&out));
    out.extend(std::iter::repeat_n(' ', pad));
    out
}

/// Word-wrap `text` into lines of at most `max` cells. Newlines in `text` start new lines, a paragraph's
/// leading spaces indent its continuation lines, and a word longer than a line is split. Control characters
/// (tabs, escapes) are replaced so they cannot move the cursor.
pub fn wrap(text: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let para = sanitize(para);
        let n = para.chars().take_while(|c| *c == ' ').count();
        let indent = if n < max / 2 {
            " ".repeat(n)
        } else {
            String::new()
        };
        let mut line = indent.clone();
        let mut words_on_line = 0;
        for word in para.split(' ').filter(|w| !w.is_empty()) {
            let ww = width(word);
            if words_on_line > 0 && width(&line) + 1 + ww > max {
                lines.push(std::mem::replace(&mut line, indent.clone()));
                words_on_line = 0;
            }
            if words_on_line > 0 {
                line.push(' ');
            }
            if width(&line) + ww <= max {
                line.push_str(word);
            } else {
                // A word wider than the line: split it by cells.
                for c in word.chars() {
                    let w = c.width().unwrap_or(0);
                    if width(&line) + w > max && width(&line) > width(&indent) {
                        lines.push(std::mem::replace(&mut line, indent.clone()));
                    }
                    line.push(c);
                }
            }
            words_on_line += 1;
        }
        lines.push(line);
    }
    lines
}

/// Replace control characters so that text from connectors cannot move the cursor or change colours.
pub fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\t' => ' ',
            c if c.is_control() => '�',
            c => c,
        })
        .collect()
}

/// A key shortened for one line: `age1qyqszqgp…x7k2`.
pub fn short(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() <= 16 {
        return key.to_string();
    }
    let head: String = chars[..12].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_with_ellipsis() {
        assert_eq!(truncate("postgres", 10), "postgres");
        assert_eq!(truncate("postgres", 5), "post…");
        assert_eq!(truncate("postgres", 1), "…");
        assert_eq!(truncate("postgres", 0), "");
        assert_eq!(truncate_left("ghcr.io/estuary/x:dev", 8), "…y/x:dev");
        assert_eq!(fit("ab", 4), "ab  ");
        assert_eq!(width(&fit("PokéAPI things", 6)), 6);
    }

    #[test]
    fn wraps_words_and_long_words() {
        // "a connector" is 11 cells > 10, so "a" stays alone.
        assert_eq!(
            wrap("a connector is a program", 10),
            vec!["a", "connector", "is a", "program"]
        );
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("one\ntwo", 10), vec!["one", "two"]);
        assert_eq!(
            wrap("  indented text here", 12),
            vec!["  indented", "  text here"]
        );
        for line in wrap("x\u{1b}[31m red", 80) {
            assert!(!line.contains('\u{1b}'));
        }
    }
}
