//! A document schema as a tree of rows for people to read (the bindings' schema pane, a preview): each
//! property at its depth with its type, `$ref`s and `allOf`s resolved (through [`Resolver`]), list items
//! as `[]`, the properties of `oneOf`/`anyOf` options joined. Bounded in depth and in rows, and safe on
//! cyclic `$ref`s (a cycle shows as the type `↻ ref`). Pure.

use super::pointer;
use super::resolve::Resolver;
use serde_json::{Map, Value};

/// One property of a schema tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeRow {
    /// 0 for the root's properties.
    pub depth: usize,
    /// The property's name (`[]` for list items).
    pub name: String,
    /// The document pointer of the value (`/_meta/uuid`; list items as `/tags/-`).
    pub pointer: String,
    /// `string`, `integer?` (nullable), `object`, `array of string`, `string | integer`, `↻ ref`.
    pub ty: String,
    /// Listed in its parent's `required`.
    pub required: bool,
}

/// The rows of `schema`, down to `max_depth` levels (0: top-level properties only), at most `max_rows`.
pub fn rows(schema: &Value, max_depth: usize, max_rows: usize) -> Vec<TreeRow> {
    let mut resolver = Resolver::new(schema);
    let mut out = Vec::new();
    let limits = Limits {
        depth: max_depth,
        rows: max_rows,
    };
    walk(&mut resolver, schema, "", "", 0, &[], limits, &mut out);
    out
}

#[derive(Clone, Copy)]
struct Limits {
    depth: usize,
    rows: usize,
}

/// The effective keywords of `schema` (at schema pointer `at`) and the `$ref` targets followed.
fn effective(
    resolver: &mut Resolver<'_>,
    schema: &Value,
    at: &str,
    stack: &[String],
) -> (Map<String, Value>, Vec<String>, bool) {
    match resolver.effective(schema, at, stack) {
        Ok(e) => (e.map, e.refs, e.cyclic),
        Err(_) => (Map::new(), Vec::new(), false),
    }
}

/// The properties (with `required`) of an object schema, its `oneOf`/`anyOf` options' joined in.
fn properties(
    resolver: &mut Resolver<'_>,
    map: &Map<String, Value>,
    at: &str,
    stack: &[String],
) -> Vec<(String, Value, bool, String)> {
    let required: Vec<&str> = map
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut out: Vec<(String, Value, bool, String)> = Vec::new();
    if let Some(Value::Object(props)) = map.get("properties") {
        for (name, schema) in props {
            let ptr = pointer::join(&pointer::join(at, "properties"), name);
            out.push((
                name.clone(),
                schema.clone(),
                required.contains(&name.as_str()),
                ptr,
            ));
        }
    }
    for key in ["oneOf", "anyOf"] {
        let Some(Value::Array(options)) = map.get(key) else {
            continue;
        };
        for (i, option) in options.iter().enumerate() {
            let opt_at = pointer::join_index(&pointer::join(at, key), i);
            let (m, _, _) = effective(resolver, option, &opt_at, stack);
            for (name, schema, _, ptr) in properties(resolver, &m, &opt_at, stack) {
                if !out.iter().any(|(n, ..)| *n == name) {
                    out.push((name, schema, false, ptr));
                }
            }
        }
    }
    out
}

/// A schema's type in a few words.
fn type_words(
    resolver: &mut Resolver<'_>,
    map: &Map<String, Value>,
    at: &str,
    stack: &[String],
) -> String {
    let mut names: Vec<String> = match map.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    };
    if names.is_empty() {
        for key in ["oneOf", "anyOf"] {
            if let Some(Value::Array(options)) = map.get(key) {
                for (i, option) in options.iter().enumerate() {
                    let opt_at = pointer::join_index(&pointer::join(at, key), i);
                    let (m, _, _) = effective(resolver, option, &opt_at, stack);
                    let t = type_words(resolver, &m, &opt_at, stack);
                    for part in t.split(" | ") {
                        let part = part.trim_end_matches('?').to_string();
                        if part == "null" {
                            names.push("null".into());
                        } else if !part.is_empty() && !names.contains(&part) {
                            names.push(part);
                        }
                    }
                }
            }
        }
    }
    if names.is_empty() {
        if map.contains_key("properties") {
            names.push("object".into());
        } else if map.contains_key("items") {
            names.push("array".into());
        } else if let Some(c) = map.get("const") {
            return format!("const {c}");
        } else if map.contains_key("enum") {
            names.push("enum".into());
        }
    }
    let nullable = names.iter().any(|n| n == "null");
    names.retain(|n| n != "null");
    let mut text = match names.len() {
        0 if nullable => "null".to_string(),
        0 => "any".to_string(),
        _ => names.join(" | "),
    };
    if text == "array"
        && let Some(items) = map.get("items")
    {
        let (m, _, cyclic) = effective(resolver, items, &pointer::join(at, "items"), stack);
        let inner = if cyclic && m.is_empty() {
            "↻ ref".to_string()
        } else {
            type_words(resolver, &m, &pointer::join(at, "items"), stack)
        };
        text = format!("array of {inner}");
    }
    if let Some(f) = map.get("format").and_then(Value::as_str) {
        text = format!("{text} ({f})");
    }
    if nullable && !names.is_empty() {
        text.push('?');
    }
    text
}

#[allow(clippy::too_many_arguments)]
fn walk(
    resolver: &mut Resolver<'_>,
    schema: &Value,
    at: &str,
    doc_at: &str,
    depth: usize,
    stack: &[String],
    limits: Limits,
    out: &mut Vec<TreeRow>,
) {
    let (map, refs, _) = effective(resolver, schema, at, stack);
    let mut stack = stack.to_vec();
    stack.extend(refs);
    for (name, child, required, child_at) in properties(resolver, &map, at, &stack) {
        if out.len() >= limits.rows {
            return;
        }
        let (m, child_refs, cyclic) = effective(resolver, &child, &child_at, &stack);
        let child_doc = pointer::join(doc_at, &name);
        let ty = if cyclic && m.is_empty() {
            "↻ ref".to_string()
        } else {
            type_words(resolver, &m, &child_at, &stack)
        };
        out.push(TreeRow {
            depth,
            name,
            pointer: child_doc.clone(),
            ty,
            required,
        });
        if depth >= limits.depth || cyclic {
            continue;
        }
        let mut inner_stack = stack.clone();
        inner_stack.extend(child_refs);
        // An object's properties, or a list's items' (shown under a `[]` row when they are objects).
        if let Some(items) = m.get("items").filter(|_| !m.contains_key("properties")) {
            let items_at = pointer::join(&child_at, "items");
            let (im, _, icyclic) = effective(resolver, items, &items_at, &inner_stack);
            if icyclic || properties(resolver, &im, &items_at, &inner_stack).is_empty() {
                continue;
            }
            walk(
                resolver,
                items,
                &items_at,
                &format!("{child_doc}/-"),
                depth + 1,
                &inner_stack,
                limits,
                out,
            );
        } else {
            walk(
                resolver,
                &child,
                &child_at,
                &child_doc,
                depth + 1,
                &stack,
                limits,
                out,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn shown(rows: &[TreeRow]) -> Vec<String> {
        rows.iter()
            .map(|r| format!("{}{} {}", "  ".repeat(r.depth), r.name, r.ty))
            .collect()
    }

    #[test]
    fn resolves_refs_at_the_root_and_below() {
        // As source-iterate's document schema: everything behind `$ref`s into `$defs`.
        let schema = json!({
            "$defs": {
                "Meta": {"type": "object", "required": ["op"], "properties": {
                    "op": {"type": "string", "enum": ["c", "u", "d"]},
                    "row_id": {"type": "integer"}}},
                "Doc": {"type": "object", "required": ["id"], "properties": {
                    "_meta": {"$ref": "#/$defs/Meta"},
                    "id": {"type": "string", "format": "uuid"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "note": {"type": ["string", "null"]},
                    "lines": {"type": "array", "items": {"type": "object", "properties": {
                        "sku": {"type": "string"}}}}}}
            },
            "$ref": "#/$defs/Doc"
        });
        let rows = rows(&schema, 4, 100);
        assert_eq!(
            shown(&rows),
            [
                "_meta object",
                "  op string",
                "  row_id integer",
                "id string (uuid)",
                "tags array of string",
                "note string?",
                "lines array of object",
                "  sku string",
            ]
        );
        assert!(rows[1].required && rows[3].required && !rows[4].required);
        assert_eq!(rows[1].pointer, "/_meta/op");
        assert_eq!(rows[7].pointer, "/lines/-/sku");
        // Depth 0: the top level only.
        assert_eq!(super::rows(&schema, 0, 100).len(), 5);
    }

    #[test]
    fn all_of_and_one_of_are_joined_and_cycles_stop() {
        let schema = json!({
            "definitions": {"Node": {"type": "object", "properties": {
                "name": {"type": "string"},
                "child": {"$ref": "#/definitions/Node"}}}},
            "allOf": [
                {"properties": {"a": {"type": "integer"}}},
                {"properties": {"tree": {"$ref": "#/definitions/Node"}}}
            ],
            "oneOf": [
                {"properties": {"kind": {"const": "x"}, "x": {"type": "number"}}},
                {"properties": {"kind": {"const": "y"}, "y": {"anyOf": [{"type": "string"}, {"type": "null"}]}}}
            ]
        });
        let rows = rows(&schema, 10, 100);
        let text = shown(&rows);
        assert_eq!(text[0], "a integer");
        assert_eq!(text[1], "tree object");
        assert_eq!(text[2], "  name string");
        // The cycle is shown once, not followed.
        assert_eq!(text[3], "  child ↻ ref");
        assert!(text.contains(&"kind const \"x\"".to_string()), "{text:?}");
        assert!(text.contains(&"y string?".to_string()), "{text:?}");
        // Bounded in rows.
        assert_eq!(super::rows(&schema, 10, 2).len(), 2);
    }
}
