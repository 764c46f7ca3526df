//! One form field's value as text: how it is shown (secrets masked), typed text parsed back into JSON with
//! a clear message when it does not parse, and the hints a person reads about the field (examples, default,
//! bounds, pattern). Pure functions over `schema::Field` and values.

use crate::schema::{Field, Kind};
use serde_json::Value;

/// What a single-line field holds, which decides how typed text is parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    String,
    Integer,
    Number,
    /// Any JSON (a field without a type, a free-form object or list): parsed as JSON, else kept as text
    /// when strings are allowed.
    Json,
    /// A string that must hold JSON (source-file's `reader_options`: its description or examples say so):
    /// kept as the text, refused when it does not parse.
    JsonText,
}

impl TextKind {
    pub fn of(field: &Field) -> TextKind {
        match field.kind {
            Kind::String if holds_json(field) => TextKind::JsonText,
            Kind::String => TextKind::String,
            Kind::Integer => TextKind::Integer,
            Kind::Number => TextKind::Number,
            _ => TextKind::Json,
        }
    }
}

/// Whether a string field's text is JSON: its description says "in JSON format" (or "JSON string",
/// "JSON-encoded", "valid JSON"), or every example is a JSON object or list written as a string.
pub fn holds_json(field: &Field) -> bool {
    let said = field.description.as_deref().is_some_and(|d| {
        let d = d.to_lowercase();
        [
            "in json format",
            "json string",
            "json-encoded",
            "json encoded",
            "valid json",
            "a json object",
        ]
        .iter()
        .any(|p| d.contains(p))
    });
    let shown = !field.examples.is_empty()
        && field.examples.iter().all(|e| {
            e.as_str().is_some_and(|t| {
                matches!(
                    serde_json::from_str::<Value>(t.trim()),
                    Ok(Value::Object(_) | Value::Array(_))
                )
            })
        });
    said || shown
}

/// A value the schema allows that cannot work, in words: a port outside 1-65535 when the schema sets no
/// bounds of its own (a schema's own bounds are errors already).
pub fn warning(field: &Field, value: &Value) -> Option<String> {
    let key = field.key.to_lowercase();
    if !(key == "port" || key.ends_with("_port") || key.ends_with("port")) {
        return None;
    }
    let n = value.as_i64()?;
    let b = &field.bounds;
    let over = n > 65535 && b.maximum.is_none() && b.exclusive_maximum.is_none();
    let under = n < 1 && b.minimum.is_none() && b.exclusive_minimum.is_none();
    (over || under).then(|| {
        format!("ports are 1-65535: {n} cannot be one (the connector's schema does not say so)")
    })
}

/// Shown for a secret that has a value, whatever its length.
pub const MASK: &str = "••••••••";

/// The text to edit for a value: strings as they are, anything else as compact JSON, nothing for null.
pub fn to_text(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    }
}

/// A value as a one-line label (enum values, option tags): strings unquoted, the empty one named.
pub fn label(value: &Value) -> String {
    match value {
        Value::String(s) if s.is_empty() => "(empty)".to_string(),
        Value::String(s) => s.clone(),
        v => v.to_string(),
    }
}

/// Parse typed text for a field of `kind`: `Ok(None)` for nothing typed (the value is removed), the value,
/// or what is wrong with the text. `strings_ok` lets JSON fields fall back to the text as a string.
pub fn parse(kind: TextKind, text: &str, strings_ok: bool) -> Result<Option<Value>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    let t = text.trim();
    match kind {
        TextKind::String => Ok(Some(Value::String(text.to_string()))),
        TextKind::Integer => {
            if let Ok(i) = t.parse::<i64>() {
                Ok(Some(Value::from(i)))
            } else if let Ok(u) = t.parse::<u64>() {
                Ok(Some(Value::from(u)))
            } else if is_whole(t) {
                let (what, limit) = if t.starts_with('-') {
                    ("small", i64::MIN.to_string())
                } else {
                    ("large", u64::MAX.to_string())
                };
                Err(format!(
                    "“{}” is a whole number, but too {what}: the limit is {limit}",
                    short(t)
                ))
            } else {
                Err(format!(
                    "“{}” is not a whole number (such as 5432)",
                    short(t)
                ))
            }
        }
        TextKind::Number => {
            if let Ok(i) = t.parse::<i64>() {
                return Ok(Some(Value::from(i)));
            }
            match t.parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
                Some(n) if !t.is_empty() => Ok(Some(Value::Number(n))),
                _ => Err(format!("“{}” is not a number (such as 2.5)", short(t))),
            }
        }
        TextKind::Json => match serde_json::from_str::<Value>(t) {
            Ok(v) => Ok(Some(v)),
            Err(_) if strings_ok => Ok(Some(Value::String(text.to_string()))),
            Err(e) => Err(format!("is not valid JSON ({e})")),
        },
        TextKind::JsonText => match serde_json::from_str::<Value>(t) {
            Ok(_) => Ok(Some(Value::String(text.to_string()))),
            Err(e) => Err(format!(
                "is not valid JSON ({e}); this field takes JSON text, such as {{}} or {{\"key\": \"value\"}}"
            )),
        },
    }
}

/// Digits with an optional sign: a whole number, however long.
fn is_whole(t: &str) -> bool {
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

fn short(t: &str) -> String {
    super::text::truncate(t, 24)
}

/// Bullets in place of each character (what a focused secret shows while typed).
pub fn bullets(text: &str) -> String {
    "•".repeat(text.chars().count())
}

/// `1 line`, `35 lines`.
pub fn lines(text: &str) -> String {
    match text.lines().count() {
        1 => "1 line".to_string(),
        n => format!("{n} lines"),
    }
}

/// A description as plain text: HTML tags dropped (Airbyte's descriptions have links and `<strong>`), the
/// common entities decoded, runs of blanks made one space.
pub fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let out = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    out.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

/// Short facts about a field for the help panel: examples, default, bounds, length, format, pattern.
/// Nothing of a secret's default or examples is shown.
pub fn hints(field: &Field) -> Vec<String> {
    let mut out = Vec::new();
    if !field.secret {
        let examples: Vec<String> = field.examples.iter().take(3).map(label).collect();
        if !examples.is_empty() {
            out.push(format!("e.g. {}", examples.join(", ")));
        }
        if let Some(d) = &field.default
            && !d.is_object()
            && d != &Value::String(String::new())
            && !(d.is_array() && d.as_array().is_some_and(Vec::is_empty))
        {
            out.push(format!("default {}", super::text::truncate(&label(d), 40)));
        }
    }
    let b = &field.bounds;
    let num = |f: f64| {
        if f.fract() == 0.0 && f.abs() < 1e15 {
            format!("{}", f as i64)
        } else {
            f.to_string()
        }
    };
    match (b.minimum, b.maximum) {
        (Some(lo), Some(hi)) => out.push(format!("{} to {}", num(lo), num(hi))),
        (Some(lo), None) => out.push(format!("at least {}", num(lo))),
        (None, Some(hi)) => out.push(format!("at most {}", num(hi))),
        (None, None) => {}
    }
    if let Some(lo) = b.exclusive_minimum {
        out.push(format!("more than {}", num(lo)));
    }
    if let Some(hi) = b.exclusive_maximum {
        out.push(format!("less than {}", num(hi)));
    }
    match (field.min_length, field.max_length) {
        (Some(lo), Some(hi)) if lo > 1 => out.push(format!("{lo} to {hi} characters")),
        (_, Some(hi)) => out.push(format!("at most {hi} characters")),
        (Some(lo), None) if lo > 1 => out.push(format!("at least {lo} characters")),
        _ => {}
    }
    if let Some(f) = &field.format {
        out.push(format!("format {f}"));
    }
    match (&field.pattern_descriptor, &field.pattern) {
        (Some(d), _) => out.push(format!("looks like {d}")),
        (None, Some(p)) => out.push(format!("pattern {}", super::text::truncate(p, 40))),
        _ => {}
    }
    if !field.enum_values.is_empty() {
        out.push(format!("{} values", field.enum_values.len()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_typed_text_by_kind() {
        assert_eq!(
            parse(TextKind::Integer, "5432", false),
            Ok(Some(json!(5432)))
        );
        assert_eq!(parse(TextKind::Integer, " 7 ", false), Ok(Some(json!(7))));
        assert!(
            parse(TextKind::Integer, "54x", false)
                .unwrap_err()
                .contains("not a whole number")
        );
        assert_eq!(parse(TextKind::Number, "2.5", false), Ok(Some(json!(2.5))));
        assert_eq!(parse(TextKind::Number, "3", false), Ok(Some(json!(3))));
        assert!(parse(TextKind::Number, "abc", false).is_err());
        assert!(parse(TextKind::Number, "NaN", false).is_err());
        assert_eq!(parse(TextKind::String, "", false), Ok(None));
        assert_eq!(
            parse(TextKind::String, " a ", false),
            Ok(Some(json!(" a ")))
        );
        assert_eq!(
            parse(TextKind::Json, "{\"a\": 1}", false),
            Ok(Some(json!({"a": 1})))
        );
        assert!(parse(TextKind::Json, "{", false).is_err());
        assert_eq!(
            parse(TextKind::Json, "plain", true),
            Ok(Some(json!("plain")))
        );
    }

    #[test]
    fn a_huge_whole_number_is_too_large_not_malformed() {
        let e = parse(TextKind::Integer, "99999999999999999999999", false).unwrap_err();
        assert!(e.contains("too large"), "{e}");
        assert!(!e.contains("not a whole number"), "{e}");
        let e = parse(TextKind::Integer, "-99999999999999999999999", false).unwrap_err();
        assert!(e.contains("too small"), "{e}");
    }

    #[test]
    fn a_string_field_that_takes_json_refuses_what_does_not_parse() {
        // source-file's `reader_options`, as its spec gives it.
        let schema = json!({"type": "object", "properties": {"reader_options": {
            "type": "string", "title": "Reader Options",
            "description": "This should be a string in JSON format. It depends on the chosen file format.",
            "examples": ["{}", "{\"sep\": \" \"}"]
        }, "path": {"type": "string", "description": "Path to a JSON file", "examples": ["a.json"]}}});
        let form = crate::schema::Form::build(&schema).unwrap();
        let field = form.field("/reader_options").unwrap();
        assert_eq!(TextKind::of(field), TextKind::JsonText);
        assert_eq!(TextKind::of(form.field("/path").unwrap()), TextKind::String);
        let e = parse(TextKind::JsonText, "{sep: ,}", false).unwrap_err();
        assert!(e.contains("not valid JSON"), "{e}");
        assert_eq!(
            parse(TextKind::JsonText, "{\"sep\": \";\"}", false),
            Ok(Some(json!("{\"sep\": \";\"}")))
        );
    }

    #[test]
    fn descriptions_lose_their_html() {
        assert_eq!(
            plain(
                "See <a href=\"https://x\">the docs</a> &amp; <strong>more</strong>.\n  Next   line"
            ),
            "See the docs & more.\nNext line"
        );
    }

    #[test]
    fn hints_never_show_a_secret_default() {
        let f = Field {
            secret: true,
            default: Some(json!("hunter2")),
            examples: vec![json!("s3cret")],
            ..Field::default()
        };
        assert!(hints(&f).is_empty());
        let f = Field {
            examples: vec![json!("db.example.com")],
            default: Some(json!(5432)),
            bounds: crate::schema::Bounds {
                minimum: Some(1.0),
                maximum: Some(65535.0),
                ..Default::default()
            },
            ..Field::default()
        };
        assert_eq!(
            hints(&f),
            vec!["e.g. db.example.com", "default 5432", "1 to 65535"]
        );
    }
}
