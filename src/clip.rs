//! Echoing input back without flooding the terminal: a connector's log line, a stray stdout line or a
//! parse error quoting a file may hold megabytes (a 50 MB log line, a 10 MB one-line catalog, `/etc/passwd`
//! imported as a catalog). Every place that echoes input goes through [`clip`] (or [`quotes`] for messages
//! that quote it), which keeps the start and says how big the whole was:
//! `xxxx… (52,428,800 bytes; first 2,000 shown)`.
//!
//! A leaf module: any layer may call it. Text that is cut is masked with [`crate::redact::text`] first, so
//! that a cut never leaves the first characters of a secret that the whole would have masked.

/// How much of an echoed input is shown, in bytes: a log line, a line a connector printed.
pub const ECHO: usize = 2_000;

/// How much of a value quoted inside a message is shown, in bytes (parse errors quote the input).
pub const QUOTE: usize = 200;

/// `text` when it has at most `max` bytes; else its first `max` bytes (cut on a character boundary),
/// `…` and the size: `… (52,428,800 bytes; first 2,000 shown)`. Text clipped before is cut again from
/// what was shown, still saying the size of the whole.
pub fn clip(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let (shown, total) = earlier_clip(text).unwrap_or((text, text.len()));
    let masked = crate::redact::text(shown);
    let kept = &masked[..floor_char_boundary(&masked, max)];
    format!("{kept}… ({})", size_note(total, kept.len()))
}

/// The part shown and the whole size of text that [`clip`] made (`…… (52,428,800 bytes; first 2,000 shown)`).
fn earlier_clip(text: &str) -> Option<(&str, usize)> {
    let body = text.strip_suffix(" shown)")?;
    let at = body.rfind("… (")?;
    let (total, _) = body[at + "… (".len()..].split_once(" bytes; first ")?;
    let total = total.replace(',', "").parse().ok()?;
    Some((&text[..at], total))
}

/// `52,428,800 bytes; first 2,000 shown`.
pub fn size_note(total: usize, shown: usize) -> String {
    format!("{} bytes; first {} shown", group(total), group(shown))
}

/// `message` with every quoted value (`"…"` with backslash escapes, as serde quotes strings, or `` `…` ``)
/// longer than `max` bytes shortened to its start, the size following the closing quote; the whole is then
/// [`clip`]ped to [`ECHO`] bytes. What the message says around the quotes (`expected a map`) is kept.
pub fn quotes(message: &str, max: usize) -> String {
    if message.len() <= max {
        return message.to_string();
    }
    let mut out = String::with_capacity(message.len().min(ECHO * 2));
    let mut rest = message;
    while let Some(open) = rest.find(['"', '`']) {
        let quote = rest.as_bytes()[open];
        out.push_str(&rest[..=open]);
        let body = &rest[open + 1..];
        let Some(close) = closing(body, quote) else {
            // No closing quote: the rest is one quoted value.
            out.push_str(&clip(body, max));
            return clip(&out, ECHO);
        };
        let inner = &body[..close];
        if inner.len() > max {
            let masked = crate::redact::text(inner);
            let kept = &masked[..floor_char_boundary(&masked, max)];
            out.push_str(kept);
            out.push('…');
            out.push(quote as char);
            out.push_str(&format!(" ({})", size_note(inner.len(), kept.len())));
        } else {
            out.push_str(inner);
            out.push(quote as char);
        }
        rest = &body[close + 1..];
    }
    out.push_str(rest);
    clip(&out, ECHO)
}

/// Where the quote `quote` that ends `body` is: `"` may be escaped with a backslash, `` ` `` may not.
fn closing(body: &str, quote: u8) -> Option<usize> {
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            b if b == quote => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// The largest character boundary at or before `at`.
fn floor_char_boundary(s: &str, at: usize) -> usize {
    let mut at = at.min(s.len());
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// `52428800` -> `52,428,800`.
pub fn group(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_kept_whole() {
        assert_eq!(clip("short", 10), "short");
        assert_eq!(clip("", 0), "");
        assert_eq!(
            quotes("invalid type: string \"x\"", 5),
            "invalid type: string \"x\""
        );
    }

    #[test]
    fn long_text_keeps_its_start_and_says_its_size() {
        let line = "x".repeat(52_428_800);
        let c = clip(&line, ECHO);
        assert!(c.starts_with(&"x".repeat(ECHO)));
        assert!(
            c.ends_with("… (52,428,800 bytes; first 2,000 shown)"),
            "{}",
            &c[ECHO..]
        );
        assert!(c.len() < ECHO + 60);
    }

    #[test]
    fn clipping_again_keeps_the_size_of_the_whole() {
        let once = clip(&"x".repeat(52_428_800), ECHO);
        let twice = clip(&format!("ERROR: {once}"), 500);
        assert_eq!(
            twice,
            format!(
                "ERROR: {}… (52,428,800 bytes; first 500 shown)",
                "x".repeat(493)
            )
        );
    }

    #[test]
    fn cuts_on_character_boundaries() {
        let s = "é".repeat(300);
        let c = clip(&s, 11);
        assert_eq!(c, format!("{}… (600 bytes; first 10 shown)", "é".repeat(5)));
    }

    #[test]
    fn quoted_values_are_shortened_and_the_message_around_them_kept() {
        let big = "root:x:0:0:root:/root:/bin/bash\\n".repeat(1000);
        let message =
            format!("invalid type: string \"{big}\", expected struct Catalog at line 1 column 1");
        let q = quotes(&message, 20);
        assert_eq!(
            q,
            format!(
                "invalid type: string \"root:x:0:0:root:/roo…\" ({} bytes; first 20 shown), expected struct Catalog at line 1 column 1",
                group(big.len())
            )
        );
        // An escaped quote does not end the value; backticks quote too.
        let message = format!(
            "unknown field `{}`, expected one of `a`, `b`",
            "k".repeat(50)
        );
        assert_eq!(
            quotes(&message, 10),
            "unknown field `kkkkkkkkkk…` (50 bytes; first 10 shown), expected one of `a`, `b`"
        );
        let escaped = format!("string \"a\\\"{}\" here", "b".repeat(30));
        assert_eq!(
            quotes(&escaped, 10),
            "string \"a\\\"bbbbbbb…\" (33 bytes; first 10 shown) here"
        );
    }

    #[test]
    fn sizes_are_grouped_by_thousands() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1_000), "1,000");
        assert_eq!(group(52_428_800), "52,428,800");
    }

    #[test]
    fn a_cut_never_shows_the_start_of_a_secret() {
        crate::redact::register("clip-test-secret-value");
        let line = format!("{}clip-test-secret-value and more", "a".repeat(95));
        let c = clip(&line, 100);
        assert!(!c.contains("clip-"), "{c}");
    }
}
