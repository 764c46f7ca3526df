//! What Flow checks of a collection when it publishes one, checked before a catalog is written
//! (discover) and of catalogs on disk (`check`): the schema compiles as JSON Schema, and each key
//! pointer names a location the schema declares. Pure: no I/O.
//!
//! A location is declared when each token is a property under `properties` (or matches a
//! `patternProperties` pattern) or an index into `items`/`prefixItems`, looking through local
//! `$ref`s, `allOf`/`anyOf`/`oneOf` and `if`/`then`/`else`. A location that only
//! `additionalProperties` allows is not declared (Flow: "location is unknown in schema").
//! A `$ref` catwalk cannot follow (not `#...`) counts as declaring everything, so catwalk never
//! refuses what it cannot read.

use crate::catalog::load::LoadedCatalog;
use regex::Regex;
use serde_json::Value;

/// How many `$ref`s and combinators deep a location is looked for (cyclic schemas stop here).
const MAX_DEPTH: usize = 64;

/// Something Flow would refuse in a collection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CollectionProblem {
    #[error("its schema is not valid JSON Schema (at `{pointer}`): {reason}")]
    InvalidSchema { pointer: String, reason: String },
    #[error(
        "its key `{pointer}` names a location its schema does not declare \
         (no such property{hint}): Flow refuses such a collection"
    )]
    KeyNotInSchema { pointer: String, hint: String },
}

/// The problems Flow would find with a collection of this schema and key (empty: none).
pub fn collection_problems(schema: &Value, key: &[String]) -> Vec<CollectionProblem> {
    if let Err(e) = jsonschema::validator_for(schema) {
        // A meta-schema error is located in the schema by its instance path; others by their own.
        let at = match e.instance_path().as_str() {
            "" => e.schema_path().as_str().to_string(),
            at => at.to_string(),
        };
        return vec![CollectionProblem::InvalidSchema {
            pointer: display(&at),
            reason: e.to_string(),
        }];
    }
    key.iter()
        .filter(|ptr| !declares(schema, ptr))
        .map(|ptr| CollectionProblem::KeyNotInSchema {
            pointer: ptr.clone(),
            hint: properties_hint(schema, ptr),
        })
        .collect()
}

fn display(pointer: &str) -> String {
    if pointer.is_empty() {
        "/".into()
    } else {
        pointer.into()
    }
}

/// True when `schema` declares the location `pointer` (see the module docs). The root (`""`) always is.
pub fn declares(schema: &Value, pointer: &str) -> bool {
    let tokens: Vec<String> = match pointer.strip_prefix('/') {
        Some(rest) => rest.split('/').map(crate::text::unescape_token).collect(),
        None if pointer.is_empty() => return true,
        None => return false,
    };
    has(schema, schema, &tokens, 0)
}

fn has(root: &Value, schema: &Value, tokens: &[String], depth: usize) -> bool {
    let Some((token, rest)) = tokens.split_first() else {
        return true;
    };
    if depth > MAX_DEPTH {
        return true;
    }
    let Value::Object(map) = schema else {
        return false;
    };
    if let Some(Value::String(reference)) = map.get("$ref") {
        match resolve(root, reference) {
            Some(target) if has(root, target, tokens, depth + 1) => return true,
            Some(_) => {}
            None => return true,
        }
    }
    for keyword in ["allOf", "anyOf", "oneOf"] {
        if let Some(Value::Array(subs)) = map.get(keyword)
            && subs.iter().any(|s| has(root, s, tokens, depth + 1))
        {
            return true;
        }
    }
    for keyword in ["then", "else"] {
        if let Some(sub) = map.get(keyword)
            && has(root, sub, tokens, depth + 1)
        {
            return true;
        }
    }
    if let Some(sub) = map.get("properties").and_then(|p| p.get(token))
        && has(root, sub, rest, depth + 1)
    {
        return true;
    }
    if let Some(Value::Object(patterns)) = map.get("patternProperties") {
        for (pattern, sub) in patterns {
            if Regex::new(pattern).is_ok_and(|re| re.is_match(token))
                && has(root, sub, rest, depth + 1)
            {
                return true;
            }
        }
    }
    if let Ok(index) = token.parse::<usize>() {
        let tuple = map
            .get("prefixItems")
            .or_else(|| map.get("items").filter(|i| i.is_array()));
        if let Some(Value::Array(items)) = tuple
            && let Some(sub) = items.get(index)
        {
            return has(root, sub, rest, depth + 1);
        }
        let each = match map.get("items") {
            Some(items @ Value::Object(_)) => Some(items),
            _ => map.get("additionalItems").filter(|i| i.is_object()),
        };
        if let Some(sub) = each
            && has(root, sub, rest, depth + 1)
        {
            return true;
        }
    }
    false
}

/// A local `$ref` (`#`, `#/$defs/x`) in `root`; `None` for one catwalk cannot follow.
fn resolve<'v>(root: &'v Value, reference: &str) -> Option<&'v Value> {
    let fragment = reference.strip_prefix('#')?;
    if fragment.is_empty() {
        return Some(root);
    }
    let pointer = percent_decode(fragment);
    root.pointer(&pointer)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

/// `; the schema has `a`, `b` at `/`` — the properties declared where the pointer stopped matching.
fn properties_hint(schema: &Value, pointer: &str) -> String {
    let tokens: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
    let mut parent = String::new();
    for (i, _) in tokens.iter().enumerate() {
        let prefix = format!("/{}", tokens[..=i].join("/"));
        if !declares(schema, &prefix) {
            let mut names = Vec::new();
            collect_properties(schema, schema, &parent, &mut names, 0);
            names.sort();
            names.dedup();
            if names.is_empty() {
                return String::new();
            }
            let at = if parent.is_empty() { "/" } else { &parent };
            let shown: Vec<String> = names.iter().take(10).map(|n| format!("`{n}`")).collect();
            let more = if names.len() > 10 {
                format!(" and {} more", names.len() - 10)
            } else {
                String::new()
            };
            return format!("; properties at `{at}`: {}{more}", shown.join(", "));
        }
        parent = prefix;
    }
    String::new()
}

/// The property names declared at `pointer` (a location `declares` accepts).
fn collect_properties(
    root: &Value,
    schema: &Value,
    pointer: &str,
    out: &mut Vec<String>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let Value::Object(map) = schema else { return };
    if let Some(Value::String(r)) = map.get("$ref")
        && let Some(target) = resolve(root, r)
    {
        collect_properties(root, target, pointer, out, depth + 1);
    }
    for keyword in ["allOf", "anyOf", "oneOf"] {
        if let Some(Value::Array(subs)) = map.get(keyword) {
            for s in subs {
                collect_properties(root, s, pointer, out, depth + 1);
            }
        }
    }
    for keyword in ["then", "else"] {
        if let Some(sub) = map.get(keyword) {
            collect_properties(root, sub, pointer, out, depth + 1);
        }
    }
    match pointer.strip_prefix('/') {
        None => {
            if let Some(Value::Object(props)) = map.get("properties") {
                out.extend(props.keys().cloned());
            }
        }
        Some(rest) => {
            let (token, tail) = match rest.split_once('/') {
                Some((t, tail)) => (t, format!("/{tail}")),
                None => (rest, String::new()),
            };
            let token = crate::text::unescape_token(token);
            if let Some(sub) = map.get("properties").and_then(|p| p.get(&token)) {
                collect_properties(root, sub, &tail, out, depth + 1);
            }
            if token.parse::<usize>().is_ok()
                && let Some(items @ Value::Object(_)) = map.get("items")
            {
                collect_properties(root, items, &tail, out, depth + 1);
            }
        }
    }
}

/// Every collection of a loaded catalog Flow would refuse: `collection `N` (in F): problem` lines.
pub fn loaded_collection_problems(loaded: &LoadedCatalog) -> Vec<String> {
    let mut out = Vec::new();
    for c in loaded.collections.values() {
        for p in collection_problems(&c.write_schema, &c.key) {
            out.push(format!(
                "collection `{}` (in {}): {p}",
                c.name,
                c.file.display()
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn locations_through_refs_and_combinators() {
        let schema = json!({
            "$defs": {"Meta": {"type": "object", "properties": {"op": {"type": "string"}}}},
            "type": "object",
            "allOf": [{"properties": {"a": {"type": "object", "properties": {"b~/c": {}}}}}],
            "properties": {
                "id": {"type": "integer"},
                "_meta": {"$ref": "#/$defs/Meta"},
                "list": {"type": "array", "items": {"properties": {"x": {}}}},
                "pair": {"prefixItems": [{"properties": {"y": {}}}]}
            },
            "oneOf": [{"properties": {"kind": {"const": "k"}}}],
            "patternProperties": {"^p_": {"type": "string"}},
            "additionalProperties": true
        });
        for ok in [
            "",
            "/id",
            "/_meta/op",
            "/a/b~0~1c",
            "/list/3/x",
            "/pair/0/y",
            "/kind",
            "/p_x",
        ] {
            assert!(declares(&schema, ok), "{ok}");
        }
        for missing in ["/nope", "/_meta/nope", "/id/x", "/pair/1/y", "/a/b"] {
            assert!(!declares(&schema, missing), "{missing}");
        }
        assert!(declares(&json!({"$ref": "other.json"}), "/anything"));
        assert!(declares(&json!({"$ref": "#"}), ""));
    }

    #[test]
    fn problems_name_the_pointer_and_what_exists() {
        let schema = json!({"type": "object", "properties": {"name": {}, "email": {}}});
        let p = collection_problems(&schema, &["/id".into(), "/name".into()]);
        assert_eq!(p.len(), 1, "{p:?}");
        let text = p[0].to_string();
        assert!(
            text.contains("`/id`") && text.contains("`email`, `name`"),
            "{text}"
        );
        let bad = json!({"type": "object", "properties": {"id": {"type": "integr"}}});
        let p = collection_problems(&bad, &["/id".into()]);
        assert!(
            matches!(&p[..], [CollectionProblem::InvalidSchema { pointer, .. }] if pointer == "/properties/id/type"),
            "{p:?}"
        );
    }
}
