//! `$ref` and `allOf`: turns one schema location into the effective keywords that apply there.
//!
//! `$ref` targets are found by JSON pointer (`#/$defs/X`, `#/definitions/X`), or through an `$id`
//! (`other#/…`). Sibling keywords of a `$ref` win over the target's (titles and descriptions are
//! commonly set beside a `$ref`). `allOf` members are merged: properties joined (a property in
//! two members becomes the `allOf` of both), `required` united, other keywords first one wins.
//! Cycles are detected with the chain of targets followed so far; chains are bounded in length.

use super::error::{SchemaError, SchemaWarning};
use super::pointer;
use serde_json::{Map, Value};

/// How many `$ref`/`allOf` steps one location may take before it is cut short.
const MAX_CHAIN: usize = 64;

/// The keywords in force at one schema location, after `$ref` and `allOf`.
#[derive(Debug, Default)]
pub(crate) struct Effective {
    /// Keywords (never `$ref` nor `allOf`).
    pub map: Map<String, Value>,
    /// `$ref` targets followed to get here, as schema pointers.
    pub refs: Vec<String>,
    /// A `$ref` led back to a location already being built: the engine stopped there.
    pub cyclic: bool,
    /// The schema is `false`: nothing is allowed.
    pub never: bool,
}

/// Resolves `$ref`s within one root schema and collects what it had to skip.
pub(crate) struct Resolver<'s> {
    root: &'s Value,
    /// `$id` values and the pointer of the schema that declares each.
    ids: Vec<(String, String)>,
    pub warnings: Vec<SchemaWarning>,
}

impl<'s> Resolver<'s> {
    pub fn new(root: &'s Value) -> Self {
        let mut ids = Vec::new();
        collect_ids(root, "", 0, &mut ids);
        Resolver {
            root,
            ids,
            warnings: Vec::new(),
        }
    }

    pub fn warn(&mut self, pointer: &str, message: impl Into<String>) {
        let warning = SchemaWarning {
            pointer: pointer.to_string(),
            message: message.into(),
        };
        if !self.warnings.contains(&warning) {
            self.warnings.push(warning);
        }
    }

    /// The schema a `$ref` points to, and its pointer in the root.
    pub fn lookup(&self, reference: &str) -> Option<(String, &'s Value)> {
        let (base, fragment) = match reference.split_once('#') {
            Some((base, fragment)) => (base, fragment),
            None => (reference, ""),
        };
        let (doc_pointer, doc) = if base.is_empty() {
            (String::new(), self.root)
        } else {
            let (_, at) = self.ids.iter().find(|(id, _)| {
                let id = id.trim_end_matches('#');
                id == base || id.ends_with(&format!("/{base}"))
            })?;
            (at.clone(), self.root.pointer(at)?)
        };
        if fragment.is_empty() {
            return Some((doc_pointer, doc));
        }
        if !fragment.starts_with('/') {
            return None; // `$anchor`s are not followed.
        }
        let fragment = percent_decode(fragment);
        let target = doc.pointer(&fragment)?;
        Some((format!("{doc_pointer}{fragment}"), target))
    }

    /// The effective keywords of `schema`, used at `at`. `stack` holds the `$ref` targets of the
    /// locations being built around this one (to detect cycles).
    pub fn effective(
        &mut self,
        schema: &Value,
        at: &str,
        stack: &[String],
    ) -> Result<Effective, SchemaError> {
        let mut out = Effective::default();
        self.merge_into(&mut out, schema, at, stack, 0)?;
        Ok(out)
    }

    fn merge_into(
        &mut self,
        out: &mut Effective,
        schema: &Value,
        at: &str,
        stack: &[String],
        steps: usize,
    ) -> Result<(), SchemaError> {
        let map = match schema {
            Value::Bool(true) => return Ok(()),
            Value::Bool(false) => {
                out.never = true;
                return Ok(());
            }
            Value::Object(map) => map,
            _ => {
                return Err(SchemaError::invalid(
                    at,
                    "a schema must be an object or a boolean",
                ));
            }
        };
        if steps > MAX_CHAIN {
            self.warn(at, "too many nested `$ref`/`allOf`: the rest is skipped");
            out.cyclic = true;
            return Ok(());
        }
        // Own keywords first: they win over what `$ref` and `allOf` bring.
        for (key, value) in map {
            // `$defs` are reached through `$ref`, never read from here: not copying them keeps a
            // root that refers to itself cheap to expand.
            if !matches!(
                key.as_str(),
                "$ref" | "allOf" | "$defs" | "definitions" | "$comment"
            ) {
                merge_keyword(&mut out.map, key, value);
            }
        }
        if let Some(reference) = map.get("$ref") {
            let Some(reference) = reference.as_str() else {
                return Err(SchemaError::invalid(
                    &pointer::join(at, "$ref"),
                    "`$ref` must be a string",
                ));
            };
            match self.lookup(reference) {
                None => self.warn(
                    &pointer::join(at, "$ref"),
                    format!("cannot resolve `$ref` {reference:?}: it is skipped"),
                ),
                Some((target_ptr, target)) => {
                    if stack.contains(&target_ptr) || out.refs.contains(&target_ptr) {
                        out.cyclic = true;
                    } else {
                        out.refs.push(target_ptr.clone());
                        self.merge_into(out, target, &target_ptr, stack, steps + 1)?;
                    }
                }
            }
        }
        if let Some(members) = map.get("allOf") {
            let Some(members) = members.as_array() else {
                return Err(SchemaError::invalid(
                    &pointer::join(at, "allOf"),
                    "`allOf` must be an array of schemas",
                ));
            };
            let all_of = pointer::join(at, "allOf");
            for (i, member) in members.iter().enumerate() {
                self.merge_into(
                    out,
                    member,
                    &pointer::join_index(&all_of, i),
                    stack,
                    steps + 1,
                )?;
            }
        }
        Ok(())
    }
}

/// Merge one keyword into `map`: properties joined, `required` united, else the first one wins.
fn merge_keyword(map: &mut Map<String, Value>, key: &str, value: &Value) {
    match (key, map.get_mut(key), value) {
        (_, None, _) => {
            map.insert(key.to_string(), value.clone());
        }
        ("properties", Some(Value::Object(have)), Value::Object(add)) => {
            for (name, schema) in add {
                match have.get_mut(name) {
                    None => {
                        have.insert(name.clone(), schema.clone());
                    }
                    Some(existing) => {
                        let both = Value::Array(vec![existing.take(), schema.clone()]);
                        *existing = Value::Object(Map::from_iter([("allOf".to_string(), both)]));
                    }
                }
            }
        }
        ("required", Some(Value::Array(have)), Value::Array(add)) => {
            for name in add {
                if !have.contains(name) {
                    have.push(name.clone());
                }
            }
        }
        _ => {}
    }
}

fn collect_ids(schema: &Value, at: &str, depth: usize, ids: &mut Vec<(String, String)>) {
    if depth > 64 {
        return;
    }
    match schema {
        Value::Object(map) => {
            if let Some(id) = map.get("$id").and_then(Value::as_str) {
                ids.push((id.to_string(), at.to_string()));
            }
            for (key, value) in map {
                if matches!(key.as_str(), "enum" | "const" | "default" | "examples") {
                    continue;
                }
                collect_ids(value, &pointer::join(at, key), depth + 1, ids);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                collect_ids(item, &pointer::join_index(at, i), depth + 1, ids);
            }
        }
        _ => {}
    }
}

/// Decode `%XX` escapes in a URI fragment (invalid escapes are kept as written).
fn percent_decode(fragment: &str) -> String {
    let bytes = fragment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(byte) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ref_siblings_win_and_allof_merges() {
        let root = json!({
            "$defs": {"A": {"title": "A", "type": "object", "properties": {"a": {"type": "string"}},
                            "required": ["a"]}},
            "properties": {"x": {"$ref": "#/$defs/A", "title": "X",
                                 "allOf": [{"properties": {"b": {}}, "required": ["b"]}]}}
        });
        let mut r = Resolver::new(&root);
        let e = r
            .effective(&root["properties"]["x"], "/properties/x", &[])
            .unwrap();
        assert_eq!(e.map["title"], "X");
        assert_eq!(e.map["required"], json!(["a", "b"]));
        assert_eq!(
            e.map["properties"]
                .as_object()
                .unwrap()
                .keys()
                .collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(e.refs, ["/$defs/A"]);
    }

    #[test]
    fn cycles_and_missing_refs() {
        let root = json!({"$defs": {"A": {"$ref": "#/$defs/B"}, "B": {"$ref": "#/$defs/A"}},
                          "properties": {"m": {"$ref": "#/$defs/Missing"}}});
        let mut r = Resolver::new(&root);
        assert!(
            r.effective(&json!({"$ref": "#/$defs/A"}), "", &[])
                .unwrap()
                .cyclic
        );
        let e = r
            .effective(&root["properties"]["m"], "/properties/m", &[])
            .unwrap();
        assert!(!e.cyclic && e.map.is_empty());
        assert_eq!(r.warnings.len(), 1);
        assert!(r.effective(&json!({"$ref": 3}), "", &[]).is_err());
        assert!(r.effective(&json!(3), "", &[]).is_err());
    }

    #[test]
    fn ids_and_escapes() {
        let root = json!({"$defs": {"a/b": {"$id": "https://x.test/thing", "title": "T",
                                            "$defs": {"c": {"title": "C"}}}}});
        let r = Resolver::new(&root);
        assert_eq!(r.lookup("#/$defs/a~1b").unwrap().1["title"], "T");
        assert_eq!(r.lookup("https://x.test/thing").unwrap().1["title"], "T");
        assert_eq!(r.lookup("thing#/$defs/c").unwrap().1["title"], "C");
        assert_eq!(r.lookup("#/%24defs/a~1b").unwrap().1["title"], "T");
        assert!(r.lookup("#anchor").is_none());
    }
}
