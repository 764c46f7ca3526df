//! Resource identity: which discovered resource a capture binding is about, so re-discovery can match
//! bindings. Pure: no I/O.
//!
//! The rule, applied alike to discovered and existing bindings, reads only the resource config:
//! 1. `_meta.path` (an array of strings) when present and non-empty;
//! 2. else the string values at the spec's `resourcePathPointers` (missing and null values are skipped,
//!    other values count by their JSON text), when that gives anything;
//! 3. else the whole resource config, compared with object keys sorted.
//!
//! The discovered binding's own `resourcePath` is deliberately not used: an existing binding in a file has
//! no such field, and both sides must be identified the same way to match.

use serde_json::Value;
use std::fmt;

/// The identity of a captured resource.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResourceId {
    /// A resource path such as `["public", "orders"]`.
    Path(Vec<String>),
    /// The whole resource config as canonical JSON (object keys sorted).
    Whole(String),
}

impl fmt::Display for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResourceId::Path(p) => f.write_str(&p.join("/")),
            ResourceId::Whole(s) => f.write_str(s),
        }
    }
}

/// Identify a resource config (see the module docs for the rule).
pub fn resource_id(resource: &Value, pointers: &[String]) -> ResourceId {
    if let Some(path) = meta_path(resource) {
        return ResourceId::Path(path);
    }
    let mut path = Vec::with_capacity(pointers.len());
    for ptr in pointers {
        match resource.pointer(ptr) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => path.push(s.clone()),
            Some(other) => path.push(other.to_string()),
        }
    }
    if !path.is_empty() {
        return ResourceId::Path(path);
    }
    ResourceId::Whole(canonical_json(resource))
}

fn meta_path(resource: &Value) -> Option<Vec<String>> {
    let arr = resource.get("_meta")?.get("path")?.as_array()?;
    let path: Option<Vec<String>> = arr.iter().map(|v| v.as_str().map(String::from)).collect();
    path.filter(|p| !p.is_empty())
}

/// JSON text with object keys sorted at every depth, so key order does not change identity.
pub fn canonical_json(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(&map[k.as_str()], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ptrs() -> Vec<String> {
        vec!["/namespace".into(), "/stream".into()]
    }

    #[test]
    fn meta_path_wins() {
        let r = json!({"_meta": {"path": ["a", "b"]}, "namespace": "x", "stream": "y"});
        assert_eq!(
            resource_id(&r, &ptrs()),
            ResourceId::Path(vec!["a".into(), "b".into()])
        );
    }

    #[test]
    fn pointers_skip_missing_and_null() {
        let r = json!({"namespace": null, "stream": "orders", "syncMode": "incremental"});
        assert_eq!(
            resource_id(&r, &ptrs()),
            ResourceId::Path(vec!["orders".into()])
        );
        let r2 = json!({"stream": "orders", "syncMode": "full_refresh"});
        assert_eq!(resource_id(&r, &ptrs()), resource_id(&r2, &ptrs()));
    }

    #[test]
    fn whole_resource_ignores_key_order() {
        let a = json!({"b": 1, "a": {"y": [1, {"q": 2, "p": 1}], "x": "s"}});
        let b = json!({"a": {"x": "s", "y": [1, {"p": 1, "q": 2}]}, "b": 1});
        assert_eq!(resource_id(&a, &[]), resource_id(&b, &[]));
        assert_eq!(
            resource_id(&a, &[]).to_string(),
            r#"{"a":{"x":"s","y":[1,{"p":1,"q":2}]},"b":1}"#
        );
        // Pointers that find nothing fall back to the whole resource.
        assert!(matches!(resource_id(&a, &ptrs()), ResourceId::Whole(_)));
    }
}
