//! Schema defaults written into a config: every field with a `default`, inside the selected option
//! of each choice and inside every list item. Values the schema does not describe are kept.
//! Missing optional objects are created only when defaults alone complete them.
//!
//! A `const` is not a default: it is written only where a value must exist (a required field, the
//! discriminator of a choice's option, a list item). An optional field pinned by a `const` (Singer
//! SDK taps' `stream_maps.__else__: __NULL__`, which drops every stream) stays absent, and an
//! optional object holding nothing but such values is not created.

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
    fill_as(field, current, at, selections, must, Consts::WhereRequired)
}

/// Whether `const` values are written where a value must exist, or not at all (to find out whether
/// defaults alone give an optional object anything).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Consts {
    WhereRequired,
    Never,
}

fn fill_as(
    field: &Field,
    current: Option<Value>,
    at: &str,
    selections: &Selections,
    must: bool,
    consts: Consts,
) -> Option<Value> {
    let given = current.is_some();
    let value = current
        .or_else(|| field.default.clone())
        .or_else(|| match (must, consts) {
            (true, Consts::WhereRequired) => field.const_value.clone(),
            _ => None,
        });
    match &field.kind {
        Kind::Object(object) => match value {
            Some(Value::Object(map)) => Some(Value::Object(fill_object(
                object, map, at, selections, None, consts,
            ))),
            None => create(object, at, selections, None, must, consts),
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
            let tag = choice.discriminator.as_deref();
            match (&option.field.kind, value) {
                (Kind::Object(object), Some(Value::Object(map))) => Some(Value::Object(
                    fill_object(object, map, at, selections, tag, consts),
                )),
                (Kind::Object(object), None) => create(object, at, selections, tag, must, consts),
                (_, Some(v)) => fill_as(&option.field, Some(v), at, selections, true, consts),
                (_, None) if given || must => {
                    fill_as(&option.field, None, at, selections, must, consts)
                }
                (_, None) => None,
            }
        }
        Kind::Array(Some(items)) => match value {
            Some(Value::Array(list)) => Some(Value::Array(
                list.into_iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let item_at = pointer::join_index(at, i);
                        fill_as(items, Some(item), &item_at, selections, true, consts)
                            .unwrap_or(Value::Null)
                    })
                    .collect(),
            )),
            other => other,
        },
        _ => value,
    }
}

/// An object's properties filled, in display order, then the keys the schema does not describe.
/// `tag`: the discriminator of the choice whose option this object is (its `const` is written).
fn fill_object(
    object: &Object,
    mut map: Map<String, Value>,
    at: &str,
    selections: &Selections,
    tag: Option<&str>,
    consts: Consts,
) -> Map<String, Value> {
    let mut out = Map::with_capacity(map.len() + object.fields.len());
    for field in &object.fields {
        let current = map.shift_remove(&field.key);
        let field_at = pointer::join(at, &field.key);
        let must = field.required || tag == Some(field.key.as_str());
        if let Some(v) = fill_as(field, current, &field_at, selections, must, consts) {
            out.insert(field.key.clone(), v);
        }
    }
    out.extend(map);
    out
}

/// A missing object: created when it must exist; an optional one only when defaults (not consts)
/// give it something and it then lacks no required key.
fn create(
    object: &Object,
    at: &str,
    selections: &Selections,
    tag: Option<&str>,
    must: bool,
    consts: Consts,
) -> Option<Value> {
    let map = fill_object(object, Map::new(), at, selections, tag, consts);
    if must {
        return Some(Value::Object(map));
    }
    let complete = object
        .fields
        .iter()
        .all(|f| !f.required || map.contains_key(&f.key));
    let has_defaults = match consts {
        Consts::Never => holds_value(&map),
        Consts::WhereRequired => holds_value(&fill_object(
            object,
            Map::new(),
            at,
            selections,
            tag,
            Consts::Never,
        )),
    };
    (complete && has_defaults).then_some(Value::Object(map))
}

/// True when some value in `map` is more than an empty object.
fn holds_value(map: &Map<String, Value>) -> bool {
    map.values().any(|v| match v {
        Value::Object(inner) => holds_value(inner),
        _ => true,
    })
}

/// A whole value for `field` as a new entry: its defaults, else an empty placeholder.
pub(crate) fn instance(field: &Field) -> Value {
    fill(field, None, "", &Selections::new(), true).unwrap_or_else(|| placeholder(field))
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
