//! The commented config stub, in flowctl's format: each property's value line, then its title and
//! description as `# ` lines, then `# [types] (required) (secret)`. Nested objects are written
//! block style, with their comment lines just under the key. A choice writes its preselected
//! option's fields, under a line naming the other options. Optional fields without a default are
//! written commented out, so the stub parses back to exactly the defaults plus a placeholder
//! (`""`, `0`, `0.0`, `false`, `{}`, `[]`) for each required field that has no default.

use super::defaults::{instance, placeholder};
use super::error::SchemaError;
use super::field::{Field, Kind};
use super::form::Form;
use super::message::short;
use serde_json::{Map, Value};
use std::fmt::Write;

/// How many enum values a stub lists before it says how many more there are.
const ENUM_LISTED: usize = 10;

/// The commented YAML stub of `schema` (what `catwalk discover` writes on its first run).
///
/// Round trip, tested over every corpus spec: let `S` be the stub parsed as YAML and
/// `D = with_defaults(schema, {})`. Then `S` equals `D` plus, for each required field `D` has
/// no value for, that field's placeholder (`""`, `0`, `0.0`, `false`, `[]`, `{}`); and
/// `with_defaults(schema, S) == S`. Hidden fields appear only when they have a default.
pub fn stub_yaml(schema: &Value) -> Result<String, SchemaError> {
    let form = Form::build(schema)?;
    let defaults = form.to_config();
    let mut out = String::new();
    let root = form.root();
    match (&root.kind, &defaults) {
        (Kind::Object(_) | Kind::Choice(_), Value::Object(map)) => {
            write_body(&mut out, root, map, 0, false);
            if !out.lines().any(|l| !l.trim_start().starts_with('#')) {
                // Only commented-out fields: say `{}` so the stub still parses to an object.
                out.insert_str(
                    0,
                    "{} # every field is optional: replace `{}` by the ones you set\n",
                );
            }
        }
        (_, value) => {
            let _ = writeln!(out, "{}", flow(value));
            write_docs(&mut out, root, 0);
        }
    }
    Ok(out)
}

/// The fields of an object (or of a choice's selected option), one entry each.
fn write_body(
    out: &mut String,
    field: &Field,
    value: &Map<String, Value>,
    indent: usize,
    commented: bool,
) {
    let as_value = Value::Object(value.clone());
    let body = match &field.kind {
        Kind::Choice(choice) => {
            let index = choice.select(Some(&as_value));
            let Some(option) = choice.options.get(index) else {
                return;
            };
            write_choice_line(out, choice, index, indent);
            &option.field
        }
        _ => field,
    };
    for child in body.fields() {
        match value.get(&child.key) {
            Some(v) => write_entry(out, child, v, indent, commented),
            None if child.hidden => {}
            None if child.required => {
                write_entry(out, child, &placeholder(child), indent, commented)
            }
            None => write_entry(out, child, &instance(child), indent, true),
        }
    }
}

fn write_choice_line(out: &mut String, choice: &super::field::Choice, index: usize, indent: usize) {
    let pad = "  ".repeat(indent);
    if choice.options.len() < 2 {
        return;
    }
    let names: Vec<String> = choice
        .options
        .iter()
        .enumerate()
        .map(|(i, o)| {
            if i == index {
                format!("{} (below)", o.title)
            } else {
                o.title.clone()
            }
        })
        .collect();
    comment(out, &pad, &format!("One of: {}.", names.join(" | ")));
    if let Some(key) = &choice.discriminator {
        let tags: Vec<String> = choice
            .options
            .iter()
            .filter_map(|o| o.tag.as_ref().map(flow))
            .collect();
        if !tags.is_empty() {
            comment(
                out,
                &pad,
                &format!("Choose with {key}: {}.", tags.join(" | ")),
            );
        }
    }
}

/// One property: its value line (or block), then its comments.
fn write_entry(out: &mut String, field: &Field, value: &Value, indent: usize, commented: bool) {
    let pad = "  ".repeat(indent);
    let hash = if commented { "# " } else { "" };
    let key = yaml_key(&field.key);
    let nested = matches!(field.kind, Kind::Object(_) | Kind::Choice(_));
    match value {
        Value::Object(map) if nested && has_fields(field, value) => {
            let _ = writeln!(out, "{pad}{hash}{key}:");
            write_docs(out, field, indent + 1);
            write_body(out, field, map, indent + 1, commented);
        }
        _ => {
            let _ = writeln!(out, "{pad}{hash}{key}: {}", flow(value));
            write_docs(out, field, indent);
        }
    }
}

fn has_fields(field: &Field, value: &Value) -> bool {
    match &field.kind {
        Kind::Object(object) => !object.fields.is_empty(),
        Kind::Choice(choice) => choice
            .options
            .get(choice.select(Some(value)))
            .is_some_and(|o| !o.field.fields().is_empty()),
        _ => false,
    }
}

/// Title, description and hints, then `[types] (required) (secret)`.
fn write_docs(out: &mut String, field: &Field, indent: usize) {
    let pad = "  ".repeat(indent);
    let mut lines: Vec<String> = Vec::new();
    if field.has_title {
        lines.push(field.title.clone());
    }
    if let Some(description) = &field.description {
        lines.extend(
            plain_text(description)
                .lines()
                .map(|l| l.trim_end().to_string()),
        );
    }
    if field.choice().is_none() && !field.enum_values.is_empty() {
        let mut values: Vec<String> = field
            .enum_values
            .iter()
            .take(ENUM_LISTED)
            .map(flow)
            .collect();
        if field.enum_values.len() > ENUM_LISTED {
            values.push(format!("… ({} in all)", field.enum_values.len()));
        }
        lines.push(format!("Possible values: {}", values.join(", ")));
    }
    if let Some(hint) = &field.pattern_descriptor {
        lines.push(format!("Format: {hint}"));
    }
    if !field.examples.is_empty() && !field.secret {
        let examples: Vec<String> = field.examples.iter().take(3).map(short).collect();
        lines.push(format!("Example: {}", examples.join(", ")));
    }
    if let Some(items) = field.items() {
        let body = match &items.kind {
            Kind::Choice(choice) => choice.options.get(choice.default_option).map(|o| &o.field),
            _ => Some(items),
        };
        let parts: Vec<String> = body
            .map(Field::fields)
            .unwrap_or_default()
            .iter()
            .filter(|f| !f.hidden)
            .map(|f| {
                let mut part = format!("{} [{}]", yaml_key(&f.key), type_list(f));
                if f.required {
                    part.push_str(" (required)");
                }
                if f.secret {
                    part.push_str(" (secret)");
                }
                part
            })
            .collect();
        if !parts.is_empty() {
            lines.push(format!("Each item: {}", parts.join(", ")));
        }
    }
    let mut kinds = format!("[{}]", type_list(field));
    if field.required {
        kinds.push_str(" (required)");
    }
    if field.secret {
        kinds.push_str(" (secret)");
    }
    if field.hidden {
        kinds.push_str(" (hidden)");
    }
    lines.push(kinds);
    for line in lines {
        comment(out, &pad, &line);
    }
}

/// One comment line. Characters YAML reads as line breaks (or that no editor shows) become
/// spaces, so that the text cannot end the comment early.
fn comment(out: &mut String, pad: &str, text: &str) {
    let clean: String = text
        .chars()
        .map(|c| {
            if (c.is_control() && c != '\t') || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') {
                ' '
            } else {
                c
            }
        })
        .collect();
    let clean = clean.trim_end();
    if clean.is_empty() {
        let _ = writeln!(out, "{pad}#");
    } else {
        let _ = writeln!(out, "{pad}# {clean}");
    }
}

/// flowctl writes the types sorted, space separated (`[null string]`).
fn type_list(field: &Field) -> String {
    let names = field.type_names();
    if names.is_empty() {
        "any".to_string()
    } else {
        names.join(" ")
    }
}

/// A YAML key, quoted when plain style would change its meaning.
fn yaml_key(key: &str) -> String {
    let plain = serde_yaml::to_string(&Value::String(key.to_string()))
        .map(|s| s.trim_end_matches('\n').to_string())
        .unwrap_or_default();
    if plain.is_empty() || plain.contains('\n') || yaml11_ambiguous(&plain) {
        serde_json::to_string(key).unwrap_or_else(|_| format!("{key:?}"))
    } else {
        plain
    }
}

/// A value on one line: YAML plain or quoted scalars; JSON (valid YAML flow) for the rest.
fn flow(value: &Value) -> String {
    match value {
        Value::String(s) if s.is_empty() => "\"\"".to_string(),
        Value::String(_) => {
            let text = serde_yaml::to_string(value).unwrap_or_default();
            let text = text.trim_end_matches('\n');
            if text.contains('\n') || text.is_empty() || yaml11_ambiguous(text) {
                value.to_string()
            } else {
                text.to_string()
            }
        }
        Value::Number(n) if n.is_f64() => {
            let text = n.to_string();
            if text.contains(['.', 'e', 'E']) {
                text
            } else {
                format!("{text}.0")
            }
        }
        other => other.to_string(),
    }
}

/// Plain scalars that YAML 1.1 readers (PyYAML, older Go) take for booleans, nulls or numbers.
fn yaml11_ambiguous(plain: &str) -> bool {
    let lower = plain.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null" | "~"
    ) || (plain.contains(':')
        && plain
            .chars()
            .all(|c| c.is_ascii_digit() || c == ':' || c == '.'))
        || (plain.starts_with('0')
            && plain.len() > 1
            && plain.chars().all(|c| c.is_ascii_digit() || c == '_'))
}

/// Descriptions are often HTML or Markdown: keep the text and the link targets.
fn plain_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let Some(end) = after.find('>') else {
            out.push_str(after);
            rest = "";
            break;
        };
        let tag = &after[1..end];
        let lower = tag.to_ascii_lowercase();
        if lower.starts_with("br") || lower.starts_with("/p") || lower == "p" {
            out.push('\n');
        } else if lower.starts_with("a ") {
            if let Some(href) = tag.split("href=").nth(1) {
                let href = href.trim_start_matches(['"', '\'']);
                let href: String = href
                    .chars()
                    .take_while(|c| *c != '"' && *c != '\'' && *c != ' ')
                    .collect();
                out.push_str(&format!("[{href}] "));
            }
        } else if !(lower.starts_with('/')
            || lower
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic()))
        {
            out.push_str(&after[..=end]);
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_keeps_links() {
        assert_eq!(
            plain_text("See <a href=\"https://x.test/a\">the docs</a>.<br/>Then a < b"),
            "See [https://x.test/a] the docs.\nThen a < b"
        );
    }

    #[test]
    fn comments_cannot_break_out() {
        let mut out = String::new();
        comment(&mut out, "", "a\u{85}--- b\u{2028}c\rd");
        assert_eq!(out, "# a --- b c d\n");
        let parsed: Value = serde_yaml::from_str(&format!("x: 1\n{out}")).unwrap();
        assert_eq!(parsed, serde_json::json!({"x": 1}));
    }

    #[test]
    fn flow_values() {
        assert_eq!(flow(&Value::from("")), "\"\"");
        assert_eq!(flow(&Value::from("yes")), "\"yes\"");
        assert_eq!(flow(&Value::from("0755")), "'0755'");
        assert_eq!(flow(&Value::from("flow_capture")), "flow_capture");
        assert_eq!(flow(&Value::from(1.0)), "1.0");
        assert_eq!(flow(&serde_json::json!(["a"])), "[\"a\"]");
        assert_eq!(yaml_key("on"), "\"on\"");
        assert_eq!(
            yaml_key("Private App Credentials"),
            "Private App Credentials"
        );
    }
}
