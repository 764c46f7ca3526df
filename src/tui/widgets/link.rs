//! Clickable links: a link's text already drawn in the buffer becomes an OSC 8 hyperlink (terminals
//! that know OSC 8 open it on click; others show the text as it was). Each pair of cells carries the
//! escape sequence around its two characters, because the buffer counts a symbol with the sequence as
//! two cells wide (ratatui's hyperlink example does the same). Draw-only: reads no state.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

/// The OSC 8 sequence that makes `text` a link to `url`.
pub fn osc8(url: &str, text: &str) -> String {
    format!("\x1b]8;;{url}\x1b\\{text}\x1b]8;;\x1b\\")
}

/// Turn every whole occurrence of `url` (ASCII, on one row of `area`) into a hyperlink to it.
pub fn mark(buf: &mut Buffer, area: Rect, url: &str) {
    if url.is_empty() || !url.is_ascii() || url.len() > area.width as usize {
        return;
    }
    let area = area.intersection(buf.area);
    for y in area.top()..area.bottom() {
        let row: Vec<String> = (area.left()..area.right())
            .map(|x| buf[(x, y)].symbol().to_string())
            .collect();
        let mut x = 0;
        while x + url.len() <= row.len() {
            let hit = url
                .chars()
                .enumerate()
                .all(|(i, c)| row[x + i].len() == 1 && row[x + i].starts_with(c));
            if !hit {
                x += 1;
                continue;
            }
            let chars: Vec<char> = url.chars().collect();
            for (n, pair) in chars.chunks(2).enumerate() {
                let text: String = pair.iter().collect();
                let at = area.left() + (x + n * 2) as u16;
                buf[(at, y)].set_symbol(&osc8(url, &text));
            }
            x += url.len();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::text::Line;
    use ratatui::widgets::Widget;

    #[test]
    fn a_link_drawn_becomes_an_osc8_hyperlink_in_pairs() {
        let area = Rect::new(0, 0, 30, 1);
        let mut buf = Buffer::empty(area);
        Line::raw("docs https://x.io/a end").render(area, &mut buf);
        mark(&mut buf, area, "https://x.io/a");
        assert_eq!(buf[(4, 0)].symbol(), " ");
        assert_eq!(buf[(5, 0)].symbol(), osc8("https://x.io/a", "ht"));
        assert_eq!(buf[(17, 0)].symbol(), osc8("https://x.io/a", "/a"));
        assert_eq!(buf[(19, 0)].symbol(), " ");
        assert_eq!(buf[(20, 0)].symbol(), "e");
        // Text that is not the link is left alone.
        let mut other = Buffer::empty(area);
        Line::raw("https://x.io/b").render(area, &mut other);
        mark(&mut other, area, "https://x.io/a");
        assert_eq!(other[(0, 0)].symbol(), "h");
    }
}
