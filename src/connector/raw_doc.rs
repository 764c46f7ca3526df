//! Documents passed on as the connector wrote them. Most Airbyte records need no rewrite on their way to a
//! Flow `captured` line: parsing each into a `Value` and writing it out again was most of what
//! `catwalk adapt` spent per document. These checks read a record's JSON text and say when it can go as it
//! is, or with `_meta.row_id` appended; when they cannot tell, the document is parsed and rewritten as
//! before (see `read.rs`). They never say "as it is" wrongly; they may say "parse it" needlessly.
//!
//! JSON lets a string spell any character as `\uXXXX`, so a key `_meta` or a timestamp could hide behind
//! escapes no check on the text would see. No encoder escapes printable ASCII, so a text holding such an
//! escape (`\u0020` to `\u007f`) is always parsed.

/// Whether `text` holds `\u00XX` with XX a printable ASCII character (see the module's header).
fn escapes_printable_ascii(text: &[u8]) -> bool {
    let mut at = 0;
    while let Some(i) = text[at..].iter().position(|c| *c == b'\\') {
        let escape = &text[at + i..];
        if let [b'\\', b'u', b'0', b'0', c, ..] = escape
            && (b'2'..=b'7').contains(c)
        {
            return true;
        }
        // Past the escaped character: `\\u0041` is a backslash, then text.
        at += i + 2;
        if at >= text.len() {
            return false;
        }
    }
    false
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// `text` (a JSON value) with `"_meta":{"row_id":<row_id>}` added as its last member, as
/// `keys::stamp_row_id` does on a parsed object without `_meta`; `None` when it cannot be done on the text:
/// not an object, or one that may have a `_meta` member already.
pub fn with_row_id(text: &str, row_id: u64) -> Option<String> {
    let bytes = text.as_bytes();
    let inner = bytes.strip_prefix(b"{")?.strip_suffix(b"}")?;
    if contains(inner, b"_meta") || escapes_printable_ascii(inner) {
        return None;
    }
    let empty = inner.iter().all(u8::is_ascii_whitespace);
    let mut out = String::with_capacity(text.len() + 32);
    out.push_str(&text[..text.len() - 1]);
    if !empty {
        out.push(',');
    }
    out.push_str("\"_meta\":{\"row_id\":");
    use std::fmt::Write;
    let _ = write!(out, "{row_id}}}}}");
    Some(out)
}

/// Whether `text` (a JSON value) may hold a string `airbyte::utc_timestamps` would rewrite: one that reads
/// `YYYY-MM-DD[T ]hh:mm:ss[.frac]` to its end (no offset). False means no such string is there.
pub fn may_hold_local_timestamp(text: &str) -> bool {
    let b = text.as_bytes();
    if escapes_printable_ascii(b) {
        return true;
    }
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let mut at = 0;
    while let Some(quote) = b[at..].iter().position(|c| *c == b'"') {
        let s = at + quote + 1;
        at = s;
        // `"` then the 19 characters of a timestamp, then `"` or a fraction and `"`.
        if b.len() < s + 20
            || !(digits(s..s + 4)
                && b[s + 4] == b'-'
                && digits(s + 5..s + 7)
                && b[s + 7] == b'-'
                && digits(s + 8..s + 10)
                && (b[s + 10] == b'T' || b[s + 10] == b' ')
                && digits(s + 11..s + 13)
                && b[s + 13] == b':'
                && digits(s + 14..s + 16)
                && b[s + 16] == b':'
                && digits(s + 17..s + 19))
        {
            continue;
        }
        let rest = &b[s + 19..];
        let end = match rest.strip_prefix(b".") {
            Some(frac) => {
                let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
                (n > 0).then(|| frac.get(n)).flatten()
            }
            None => rest.first(),
        };
        if end == Some(&b'"') {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn stamped(doc: &str, row_id: u64) -> Value {
        let mut v: Value = serde_json::from_str(doc).unwrap();
        super::super::keys::stamp_row_id(&mut v, row_id);
        v
    }

    #[test]
    fn row_ids_are_appended_as_stamp_row_id_sets_them() {
        for doc in [r#"{"a":1,"b":[{"c":"d"}]}"#, "{}", "{ }", r#"{"a": "x}" }"#] {
            let text = with_row_id(doc, 7).unwrap();
            let parsed: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(parsed, stamped(doc, 7), "{doc} -> {text}");
            // Same members in the same order: `_meta` last.
            assert_eq!(
                serde_json::to_string(&parsed).unwrap(),
                serde_json::to_string(&stamped(doc, 7)).unwrap()
            );
        }
        assert_eq!(
            with_row_id(r#"{"id":1}"#, 0).as_deref(),
            Some(r#"{"id":1,"_meta":{"row_id":0}}"#)
        );
    }

    #[test]
    fn row_ids_are_left_to_the_parse_when_the_text_cannot_tell() {
        // A `_meta` already there (even as a value, or escaped), or not an object.
        for doc in [
            r#"{"_meta":{"op":"c"}}"#,
            r#"{"note":"_meta"}"#,
            r#"{"\u005fmeta":{}}"#,
            r#"{"x":"\\","\u005fmeta":{}}"#,
            "[1]",
            "null",
            r#""{}""#,
        ] {
            assert_eq!(with_row_id(doc, 1), None, "{doc}");
        }
        // Other escapes are fine.
        assert!(with_row_id(r#"{"name":"caf\u00e9\n","path":"C:\\u0041"}"#, 1).is_some());
    }

    #[test]
    fn local_timestamps_are_found_in_text() {
        for doc in [
            r#"{"at":"2014-10-12 08:08:11"}"#,
            r#"{"at":"2014-10-12T08:08:11.908655"}"#,
            r#"[{"x":{"at":"2014-10-12T08:08:11"}}]"#,
            // Escapes of printable characters: always parsed.
            r#"{"at":"\u0032014-10-12T08:08:11"}"#,
        ] {
            assert!(may_hold_local_timestamp(doc), "{doc}");
        }
        for doc in [
            r#"{"at":"2014-10-12T08:08:11+00:00"}"#,
            r#"{"at":"2014-10-12T08:08:11Z","d":"2014-10-12"}"#,
            r#"{"at":"2014-10-12T08:08:11."}"#,
            r#"{"at":"2014-10-12T08:08:11.5x"}"#,
            r#"{"n":20141012,"s":"2014-10-12T08:08"}"#,
            r#"{"at":"2014"#,
        ] {
            assert!(!may_hold_local_timestamp(doc), "{doc}");
        }
    }

    #[test]
    fn whatever_the_text_says_matches_utc_timestamps() {
        // Where the check says "none", the parse-and-rewrite changes nothing.
        let schema = json!({"properties": {"at": {"format": "date-time"}}});
        for doc in [
            r#"{"at":"2014-10-12T08:08:11+00:00"}"#,
            r#"{"at":"2014-10-12T08:08:11."}"#,
            r#"{"at":"2014-10-12 08:08"}"#,
        ] {
            assert!(!may_hold_local_timestamp(doc));
            let mut v: Value = serde_json::from_str(doc).unwrap();
            let before = v.clone();
            super::super::airbyte::utc_timestamps(&mut v, &schema);
            assert_eq!(v, before, "{doc}");
        }
    }
}
