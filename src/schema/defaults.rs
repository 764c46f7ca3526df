//! Schema defaults written into a config: every field with a `default` (or a `const`), inside the
//! selected option of each choice and inside every list item. Values the schema does not describe
//! are kept. Missing optional objects are created only when defaults alone complete them.

use super::field::{Field, Kind, Object};
use super::pointer;
use super::walk::{Selections, selected};
use serde_json::{Map, Value};

/// How many passes [`fill_root`] makes at most before it stops looking for a fixed point.
const MAX_PASSES: usize = 8;

/// `config` with every default of `root` filled in. Filling only adds values, but what it adds
/// can make a choice select another option (a default that fits a sibling option better), so it
/// repeats until nothing changes: the result is stable under another fill.
pub(crate) fn fill_root(root: &Field, config: &Value, selections: &Selections) -> Value {
    let mut current = fill(root, Some(config.clone()), "", selections, true).unwrap_or(Value::Null);
    for _ in 1..MAX_PASSES {
        let next = fill(root, Some(current.clone()), "", selections, true).unwrap_or(Value::Null);
        if next == current {
            break;
        }
        current = next;
    }
    current
}

/// The value of `field` with defaults filled in. `must` says the value has to exist (the field is
/// required, or is a new list item); otherwise a missing object is kept only when complete.
pub(crate) fn fill(
    field: &Field,
    current: Option<Value>,
    at: &str,
    selections: &Selections,
    must: bool,
) -> Option<Value> {
    let given = current.is_some();
    let value = current
        .or_else(|| field.default.clone())
        .or_else(|| field.const_value.clone());
    match &field.kind {
        Kind::Object(object) => match value {
            Some(Value::Object(map)) => {
                Some(Value::Object(fill_object(object, map, at, selections)))
            }
            None => keep_if(
                object,
                fill_object(object, Map::new(), at, selections),
                must,
            ),
            other => other,
        },
        Kind::Choice(choice) => {
            let index = selected(choice, value.as_ref(), at, selections);
            let Some(option) = choice.options.get(index) else {
                return value;
            };
            // Airbyte writes an object choice's `default` as the tag of its option: it picked
            // the option, it is not a value.
            let value = match (&option.field.kind, value) {
                (Kind::Object(_), Some(v)) if !given && !v.is_object() => None,
                (_, v) => v,
            };
            match (&option.field.kind, value) {
                (Kind::Object(object), Some(Value::Object(map))) => {
                    Some(Value::Object(fill_object(object, map, at, selections)))
                }
                (Kind::Object(object), None) => keep_if(
                    object,
                    fill_object(object, Map::new(), at, selections),
                    must,
                ),
                (_, Some(v)) => fill(&option.field, Some(v), at, selections, true),
                (_, None) if given || must => fill(&option.field, None, at, selections, must),
                (_, None) => None,
            }
        }
        Kind::Array(Some(items)) => match value {
            Some(Value::Array(list)) => Some(Value::Array(
                list.into_iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let item_at = pointer::join_index(at, i);
                        fill(items, Some(item), &item_at, selections, true).unwrap_or(Value::Null)
                    })
                    .collect(),
            )),
            other => other,
        },
        _ => value,
    }
}

/// An object's properties filled, in display order, then the keys the schema does not describe.
fn fill_object(
    object: &Object,
    mut map: Map<String, Value>,
    at: &str,
    selections: &Selections,
) -> Map<String, Value> {
    let mut out = Map::with_capacity(map.len() + object.fields.len());
    for field in &object.fields {
        let current = map.shift_remove(&field.key);
        let field_at = pointer::join(at, &field.key);
        if let Some(v) = fill(field, current, &field_at, selections, field.required) {
            out.insert(field.key.clone(), v);
        }
    }
    out.extend(map);
    out
}

/// A whole value for `field` as a new entry: its defaults, else an empty placeholder.
pub(crate) fn instance(field: &Field) -> Value {
    fill(field, None, "", &Selections::new(), true).unwrap_or_else(|| placeholder(field))
}

/// A created optional object survives only if it holds something and lacks no required key.
fn keep_if(object: &Object, map: Map<String, Value>, must: bool) -> Option<Value> {
    let complete = object
        .fields
        .iter()
        .all(|f| !f.required || map.contains_key(&f.key));
    (must || (!map.is_empty() && complete)).then_some(Value::Object(map))
}

/// The empty value flowctl writes for a field without a default: `""`, `0`, `0.0`, `false`,
/// `{}`, `[]`, or `null`.
pub fn placeholder(field: &Field) -> Value {
    match &field.kind {
        Kind::String => Value::String(String::new()),
        Kind::Integer => Value::from(0),
        Kind::Number => Value::from(0.0),
        Kind::Boolean => Value::Bool(false),
        Kind::Object(_) | Kind::Choice(_) => Value::Object(Map::new()),
        Kind::Array(_) => Value::Array(Vec::new()),
        Kind::Null | Kind::Any => Value::Null,
    }
}
