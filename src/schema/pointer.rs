//! JSON pointers (RFC 6901): escaping, joining, splitting, reading and creating locations in a value.

use serde_json::{Map, Value};

/// Escape one reference token (`~` becomes `~0`, `/` becomes `~1`), and undo it: the one implementation,
/// in the leaf [`crate::text`] so `connector` and `catalog` share it.
pub use crate::text::{escape_token as escape, unescape_token as unescape};

/// `base` + `/` + the escaped `token`.
pub fn join(base: &str, token: &str) -> String {
    let mut out = String::with_capacity(base.len() + token.len() + 1);
    out.push_str(base);
    out.push('/');
    out.push_str(&escape(token));
    out
}

/// `base` + `/` + an array index.
pub fn join_index(base: &str, index: usize) -> String {
    format!("{base}/{index}")
}

/// The unescaped tokens of a pointer; `None` when it is neither empty nor starts with `/`.
pub fn split(pointer: &str) -> Option<Vec<String>> {
    if pointer.is_empty() {
        return Some(Vec::new());
    }
    let rest = pointer.strip_prefix('/')?;
    Some(rest.split('/').map(unescape).collect())
}

/// The value at `pointer`, if any.
pub fn get<'a>(value: &'a Value, pointer: &str) -> Option<&'a Value> {
    value.pointer(pointer)
}

/// A mutable reference to the location `tokens` inside `value`, creating objects (or, for a
/// numeric token on an array, the next item) along the way. `Err` names why it cannot be made.
pub fn create<'a>(value: &'a mut Value, tokens: &[String]) -> Result<&'a mut Value, String> {
    let mut current = value;
    for (depth, token) in tokens.iter().enumerate() {
        if current.is_null() {
            *current = Value::Object(Map::new());
        }
        current = match current {
            Value::Object(map) => map.entry(token.clone()).or_insert(Value::Null),
            Value::Array(items) => {
                let index: usize = token
                    .parse()
                    .map_err(|_| format!("{token:?} is not a list index"))?;
                if index == items.len() {
                    items.push(Value::Null);
                }
                items
                    .get_mut(index)
                    .ok_or_else(|| format!("the list has no item {index}"))?
            }
            _ => {
                return Err(format!(
                    "the value at /{} is not an object",
                    tokens[..depth]
                        .iter()
                        .map(|t| escape(t))
                        .collect::<Vec<_>>()
                        .join("/")
                ));
            }
        };
    }
    Ok(current)
}

/// Remove the value at `tokens` (an object key or an array item); returns it if it was there.
pub fn remove(value: &mut Value, tokens: &[String]) -> Option<Value> {
    let (last, parents) = tokens.split_last()?;
    let mut current = value;
    for token in parents {
        current = match current {
            Value::Object(map) => map.get_mut(token)?,
            Value::Array(items) => items.get_mut(token.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    match current {
        Value::Object(map) => map.shift_remove(last),
        Value::Array(items) => {
            let index = last.parse::<usize>().ok()?;
            (index < items.len()).then(|| items.remove(index))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn escapes_and_splits() {
        assert_eq!(join("/a", "b/c~d"), "/a/b~1c~0d");
        assert_eq!(
            split("/a/b~1c~0d"),
            Some(vec!["a".to_string(), "b/c~d".to_string()])
        );
        assert_eq!(split(""), Some(vec![]));
        assert_eq!(split("a"), None);
    }

    #[test]
    fn creates_and_removes() {
        let mut v = json!({"a": [1]});
        *create(&mut v, &split("/a/1").unwrap()).unwrap() = json!(2);
        *create(&mut v, &split("/b/c").unwrap()).unwrap() = json!(3);
        assert_eq!(v, json!({"a": [1, 2], "b": {"c": 3}}));
        assert!(create(&mut v, &split("/b/c/d").unwrap()).is_err());
        assert_eq!(remove(&mut v, &split("/a/0").unwrap()), Some(json!(1)));
        assert_eq!(v, json!({"a": [2], "b": {"c": 3}}));
    }
}
