//! Collection keys and document schemas for the streams of protocols other than Flow's (Airbyte, Singer):
//! key paths as JSON pointers, key locations made required and non-null (Flow needs every key location in
//! every document, as a scalar), and the `/_meta/row_id` fallback key for streams without a primary key.
//! Also the string lists both protocols' messages carry (key properties, sync modes, cursor fields).

use serde_json::{Value, json};

/// A JSON list's strings (no value, or not a list: none; items that are not strings are skipped).
pub fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The pointer of the fallback key added to streams without a primary key.
pub const ROW_ID_POINTER: &str = "/_meta/row_id";

/// Escape one JSON-pointer token.
pub fn token(s: &str) -> String {
    crate::text::escape_token(s)
}

/// A property path (`["a/b", "c"]`) as a JSON pointer (`/a~1b/c`).
pub fn pointer<S: AsRef<str>>(path: &[S]) -> String {
    path.iter()
        .map(|t| format!("/{}", token(t.as_ref())))
        .collect()
}

/// Make a stream's schema fit for a Flow collection keyed by `key` (pointers): the root becomes an object
/// (a nullable root would let the key be absent), each key location required and non-null. An empty key
/// becomes the `/_meta/row_id` fallback, added to the schema. Returns the key and whether it is the fallback.
pub fn finish_schema(schema: &mut Value, key: Vec<String>) -> (Vec<String>, bool) {
    ensure_object(schema);
    strip_null(schema);
    if key.is_empty() {
        add_row_id(schema);
        return (vec![ROW_ID_POINTER.to_string()], true);
    }
    for ptr in &key {
        require_location(schema, ptr);
    }
    (key, false)
}

/// Add `_meta.row_id` (a counter the adapter assigns to each document) to a stream's schema.
pub fn add_row_id(schema: &mut Value) {
    let row_id = json!({"type": "integer", "description": "Row number assigned by catwalk: this stream has no primary key."});
    ensure_object(schema);
    let meta = child_schema(schema, "_meta");
    ensure_object(meta);
    child_schema(meta, "row_id").clone_from(&row_id);
    add_required(meta, "row_id");
    add_required(schema, "_meta");
}

/// Set `_meta.row_id` of a document (the fallback key's value), keeping other `_meta` fields.
pub fn stamp_row_id(doc: &mut Value, row_id: u64) {
    if !doc.is_object() {
        return;
    }
    if !doc.get("_meta").is_some_and(Value::is_object) {
        doc["_meta"] = json!({});
    }
    doc["_meta"]["row_id"] = json!(row_id);
}

/// Flow requires every key location to exist in each document and to be a scalar: mark it required at every
/// level and drop `null` from its type, as Flow's airbyte-to-flow does.
pub fn require_location(schema: &mut Value, pointer: &str) {
    let tokens: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(crate::text::unescape_token)
        .collect();
    require_tokens(schema, &tokens);
}

fn require_tokens(node: &mut Value, tokens: &[String]) {
    let Some((first, rest)) = tokens.split_first() else {
        return;
    };
    if !node.is_object() {
        return;
    }
    add_required(node, first);
    if let Some(child) = node
        .get_mut("properties")
        .and_then(|p| p.get_mut(first.as_str()))
    {
        strip_null(child);
        require_tokens(child, rest);
    }
}

/// Drop `null` from a schema's type: from a `type` list, and from `anyOf`/`oneOf` alternatives (a single
/// alternative left is merged into the schema itself).
pub fn strip_null(schema: &mut Value) {
    if let Some(Value::Array(types)) = schema.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types[0].clone();
            schema["type"] = only;
        }
    }
    for combinator in ["anyOf", "oneOf"] {
        let Some(Value::Array(options)) = schema.get_mut(combinator) else {
            continue;
        };
        options.retain(|o| !is_null_schema(o));
        if options.len() == 1
            && let Some(Value::Object(only)) = options.pop_if(|o| o.is_object())
            && let Some(obj) = schema.as_object_mut()
        {
            obj.remove(combinator);
            for (k, v) in only {
                obj.entry(k).or_insert(v);
            }
            strip_null(schema);
        }
    }
}

fn is_null_schema(s: &Value) -> bool {
    s == "null" || s.get("type") == Some(&json!("null")) || s.get("type") == Some(&json!(["null"]))
}

/// A document schema is an object: anything else (a nullable root, no type) becomes one.
pub fn ensure_object(schema: &mut Value) {
    if !schema.is_object() {
        *schema = json!({});
    }
    if schema.get("type").is_none() {
        schema["type"] = json!("object");
    }
}

fn child_schema<'a>(schema: &'a mut Value, name: &str) -> &'a mut Value {
    if !schema.get("properties").is_some_and(Value::is_object) {
        schema["properties"] = json!({});
    }
    let props = schema["properties"]
        .as_object_mut()
        .expect("just made an object");
    props.entry(name.to_string()).or_insert_with(|| json!({}))
}

fn add_required(schema: &mut Value, name: &str) {
    if !schema.get("required").is_some_and(Value::is_array) {
        schema["required"] = json!([]);
    }
    let req = schema["required"]
        .as_array_mut()
        .expect("just made an array");
    if !req.iter().any(|r| r == name) {
        req.push(json!(name));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_escape_tokens() {
        assert_eq!(pointer(&["a/b", "c~d"]), "/a~1b/c~0d");
        assert_eq!(pointer::<&str>(&[]), "");
    }

    #[test]
    fn any_of_null_is_dropped_from_key_locations() {
        let mut s = json!({"type": "object", "properties": {"id": {"anyOf": [{"type": "integer"}, {"type": "null"}], "title": "Id"}}});
        let (key, fallback) = finish_schema(&mut s, vec!["/id".into()]);
        assert_eq!(key, vec!["/id"]);
        assert!(!fallback);
        assert_eq!(
            s["properties"]["id"],
            json!({"type": "integer", "title": "Id"})
        );
        assert_eq!(s["required"], json!(["id"]));
    }

    #[test]
    fn any_of_with_several_alternatives_keeps_them() {
        let mut s = json!({"anyOf": [{"type": "integer"}, {"type": "string"}, {"type": "null"}]});
        strip_null(&mut s);
        assert_eq!(
            s,
            json!({"anyOf": [{"type": "integer"}, {"type": "string"}]})
        );
    }

    #[test]
    fn row_ids_are_stamped() {
        let mut doc = json!({"a": 1, "_meta": {"op": "c"}});
        stamp_row_id(&mut doc, 7);
        assert_eq!(doc, json!({"a": 1, "_meta": {"op": "c", "row_id": 7}}));
        let mut doc = json!({"a": 1});
        stamp_row_id(&mut doc, 0);
        assert_eq!(doc["_meta"]["row_id"], 0);
    }
}
