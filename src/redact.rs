//! The one place that keeps secret values out of what catwalk prints and logs.
//!
//! Whoever learns a secret value (a decrypted config, a plaintext config read with its connector's schema)
//! [`register`]s it; every line catwalk writes to the terminal (`cli::output`, `catwalk adapt`'s log lines)
//! and the log file ([`Writer`]) goes through [`text`], which replaces each registered value with [`MASK`].
//! Values shorter than [`MIN_LEN`] characters are not registered: masking `1` or `on` everywhere would make
//! every message unreadable, and such a value is no secret anyway.
//!
//! Connectors seldom print a value as it is: a JSON log line escapes `"` and `\` (`Q\"uote`), Python's `json`
//! writes non-ASCII as `\u00e4`, a URL carries it percent-encoded, a Python exception its `repr`. Each
//! registered value is therefore masked in every one of these spellings (see [`encodings`]).

use serde_json::Value;
use std::borrow::Cow;
use std::io;
use std::sync::RwLock;

/// What a secret is replaced with.
pub const MASK: &str = "****";

/// The shortest value that is masked.
pub const MIN_LEN: usize = 4;

/// Registered values and their encodings, longest first (so a secret containing another is masked whole).
static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Mask `value` in everything written from now on. A multi-line value (a private key) is also masked line
/// by line, as connectors may log one line of it.
pub fn register(value: &str) {
    let mut candidates = vec![value.trim().to_string()];
    if value.contains('\n') {
        candidates.extend(
            value
                .lines()
                .map(|l| l.trim().to_string())
                .filter(|l| !l.starts_with("-----")),
        );
    }
    let Ok(mut secrets) = SECRETS.write() else {
        return;
    };
    for c in candidates {
        if c.chars().count() < MIN_LEN {
            continue;
        }
        for e in encodings(&c) {
            if !secrets.contains(&e) {
                secrets.push(e);
            }
        }
    }
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
}

/// The spellings of `value` a connector or library may print: as it is; JSON-escaped (once, and twice for
/// JSON inside a JSON string), with non-ASCII as `\u` escapes (lower and upper case hex); percent-encoded
/// the ways common encoders do it (RFC 3986, `+` for spaces, `/` kept, JavaScript's `!'()*` kept; hex in
/// both cases); Python `repr`/`ascii` of the string and of its UTF-8 bytes; and Rust's `{:?}`.
pub fn encodings(value: &str) -> Vec<String> {
    let json = json_escape(value, false);
    let mut out = vec![
        value.to_string(),
        json_escape(&json, false),
        json_escape(value, true),
        recase(&json_escape(value, true), "\\u", 4, true),
        python_repr(value, Repr::Str),
        python_repr(value, Repr::Ascii),
        python_repr(value, Repr::Bytes),
        // Rust's `{:?}` (catwalk's own debug lines).
        format!("{value:?}").trim_matches('"').to_string(),
        json,
    ];
    for keep in ["", "/", "!'()*"] {
        for plus in [false, true] {
            let encoded = percent_encode(value, keep, plus);
            out.push(recase(&encoded, "%", 2, false));
            out.push(encoded);
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|e| !e.is_empty() && seen.insert(e.clone()));
    out
}

/// The inside of a JSON string holding `s` (no quotes); with `ascii`, everything beyond ASCII as `\uXXXX`
/// (surrogate pairs above U+FFFF), as Python's `json.dumps` writes it.
fn json_escape(s: &str, ascii: bool) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (ascii && !c.is_ascii()) => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

#[derive(Clone, Copy, PartialEq)]
enum Repr {
    /// `repr(s)`: non-ASCII printable characters stay as they are.
    Str,
    /// `ascii(s)`: `\xe4`, `\u20ac`, `\U0001f600`.
    Ascii,
    /// `repr(s.encode())`: every byte beyond ASCII as `\xNN`.
    Bytes,
}

/// The inside of Python's quoted `repr` (no quotes). Python quotes with `'` and escapes `'` unless the
/// string holds `'` and no `"` (then it quotes with `"` and leaves `'` alone): the first form is the one
/// whose escaping differs from the raw value, so it is the one produced.
fn python_repr(s: &str, how: Repr) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    let quote_double = s.contains('\'') && !s.contains('"');
    let push_char = |out: &mut String, c: char| match c {
        '\\' => out.push_str("\\\\"),
        '\'' if !quote_double => out.push_str("\\'"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
        c if c.is_ascii() => out.push(c),
        c if how == Repr::Str => out.push(c),
        c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
        c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
        c => out.push_str(&format!("\\U{:08x}", c as u32)),
    };
    if how == Repr::Bytes {
        for b in s.bytes() {
            if b.is_ascii() {
                push_char(&mut out, b as char);
            } else {
                out.push_str(&format!("\\x{b:02x}"));
            }
        }
    } else {
        for c in s.chars() {
            push_char(&mut out, c);
        }
    }
    out
}

/// Percent-encode every byte but ASCII letters, digits, `-._~` and those in `keep`; `plus`: a space as `+`.
fn percent_encode(s: &str, keep: &str, plus: bool) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        let c = b as char;
        if c.is_ascii_alphanumeric() || "-._~".contains(c) || (b.is_ascii() && keep.contains(c)) {
            out.push(c);
        } else if plus && c == ' ' {
            out.push('+');
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `s` with the `digits` hex digits after each `marker` upper- or lower-cased (`\\u00E4`, `%c3`).
fn recase(s: &str, marker: &str, digits: usize, upper: bool) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(marker) {
        let end = (i + marker.len() + digits).min(rest.len());
        out.push_str(&rest[..i + marker.len()]);
        let hex = &rest[i + marker.len()..end];
        out.push_str(&if upper {
            hex.to_ascii_uppercase()
        } else {
            hex.to_ascii_lowercase()
        });
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Register every string and number inside `value` (a secret may be an object or a list).
pub fn register_value(value: &Value) {
    match value {
        Value::String(s) => register(s),
        Value::Number(n) => register(&n.to_string()),
        Value::Array(items) => items.iter().for_each(register_value),
        Value::Object(map) => map.values().for_each(register_value),
        Value::Bool(_) | Value::Null => {}
    }
}

/// `s` with every registered secret replaced by [`MASK`].
pub fn text(s: &str) -> Cow<'_, str> {
    let Ok(secrets) = SECRETS.read() else {
        return Cow::Borrowed(s);
    };
    let mut out = Cow::Borrowed(s);
    for secret in secrets.iter() {
        if out.contains(secret.as_str()) {
            out = Cow::Owned(out.replace(secret.as_str(), MASK));
        }
    }
    out
}

/// An [`io::Write`] that masks secrets in what passes through it (the log file's writer). The tracing
/// formatter writes each event in one call, so a value is never split across two writes.
pub struct Writer<W>(pub W);

impl<W: io::Write> io::Write for Writer<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let raw = String::from_utf8_lossy(buf);
        self.0.write_all(text(&raw).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn registered_values_are_masked_everywhere() {
        register("redact-unit-hunter2");
        register("ab");
        register_value(&json!({"k": ["redact-unit-token-9", 123456], "b": true}));
        register(
            "-----BEGIN KEY-----\nredact-unit-line-one\nredact-unit-line-two\n-----END KEY-----\n",
        );
        let line =
            "user=ab pw=redact-unit-hunter2 t=redact-unit-token-9 n=123456 k=redact-unit-line-two";
        assert_eq!(
            text(line),
            "user=ab pw=**** t=**** n=**** k=****",
            "short values are left alone"
        );
        let mut out = Writer(Vec::new());
        io::Write::write_all(&mut out, b"log: redact-unit-line-one\n").unwrap();
        assert_eq!(String::from_utf8(out.0).unwrap(), "log: ****\n");
    }

    #[test]
    fn every_encoding_of_a_secret_is_masked() {
        let secret = "redact-Q\"uote\\slash ä€'/😀";
        register(secret);
        let config = serde_json::json!({ "password": secret }).to_string();
        let ascii_json = {
            // What Python's json.dumps writes (ensure_ascii): \u escapes, surrogate pairs for 😀.
            let mut out = String::new();
            for c in config.chars() {
                if c.is_ascii() {
                    out.push(c);
                } else {
                    let mut units = [0u16; 2];
                    for u in c.encode_utf16(&mut units) {
                        out.push_str(&format!("\\u{u:04x}"));
                    }
                }
            }
            out
        };
        let lines = [
            format!("raw {secret} end"),
            format!("json {config} end"),
            format!("json in json {} end", serde_json::to_string(&config).unwrap()),
            format!("ascii json {ascii_json} end"),
            format!("upper {} end", ascii_json.replace("\\u00e4", "\\u00E4").replace("\\u20ac", "\\u20AC").replace("\\ud83d\\ude00", "\\uD83D\\uDE00")),
            "url postgres://u:redact-Q%22uote%5Cslash%20%C3%A4%E2%82%AC%27%2F%F0%9F%98%80@h end".into(),
            "form password=redact-Q%22uote%5Cslash+%C3%A4%E2%82%AC%27%2F%F0%9F%98%80 end".into(),
            "lower redact-Q%22uote%5cslash%20%c3%a4%e2%82%ac%27%2f%f0%9f%98%80 end".into(),
            "python quote redact-Q%22uote%5Cslash%20%C3%A4%E2%82%AC%27/%F0%9F%98%80 end".into(),
            "repr {'password': 'redact-Q\"uote\\\\slash ä€\\'/😀'} end".into(),
            "ascii {'password': 'redact-Q\"uote\\\\slash \\xe4\\u20ac\\'/\\U0001f600'} end".into(),
            "bytes b'redact-Q\"uote\\\\slash \\xc3\\xa4\\xe2\\x82\\xac\\'/\\xf0\\x9f\\x98\\x80' end".into(),
            format!("debug {secret:?} end"),
        ];
        for line in &lines {
            let masked = text(line);
            assert!(masked.contains(MASK), "not masked: {line}");
            assert!(
                !masked.contains("redact-Q"),
                "partly masked: {line} -> {masked}"
            );
            assert!(masked.ends_with(" end"), "{masked}");
        }
    }

    #[test]
    fn longest_secret_wins() {
        register("redact-unit-abcd");
        register("redact-unit-abcd-longer");
        assert_eq!(text("x redact-unit-abcd-longer y"), "x **** y");
    }
}
