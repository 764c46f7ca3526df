//! Walks a config together with the field tree, following the options the config selects.

use super::field::{Field, Kind};
use super::pointer;
use serde_json::Value;
use std::collections::BTreeMap;

/// Options chosen by hand, by the config pointer of their choice (they win over the value).
pub(crate) type Selections = BTreeMap<String, usize>;

/// The option selected at `at`: chosen by hand, else by the value.
pub(crate) fn selected(
    choice: &super::field::Choice,
    value: Option<&Value>,
    at: &str,
    selections: &Selections,
) -> usize {
    match selections.get(at) {
        Some(&index) if index < choice.options.len() => index,
        _ => choice.select(value),
    }
}

/// The field that describes the object or list behind a choice: the selected option's body.
pub(crate) fn through_choices<'f>(
    mut field: &'f Field,
    value: Option<&Value>,
    at: &str,
    selections: &Selections,
) -> &'f Field {
    for _ in 0..64 {
        let Kind::Choice(choice) = &field.kind else {
            break;
        };
        let Some(option) = choice.options.get(selected(choice, value, at, selections)) else {
            break;
        };
        field = &option.field;
    }
    field
}

/// Visit every value of `value` with the field describing it (`None` when nothing does).
/// `visit` returns whether to go into the value's children.
pub(crate) fn walk(
    root: &Field,
    value: &Value,
    selections: &Selections,
    visit: &mut dyn FnMut(Option<&Field>, &Value, &str) -> bool,
) {
    if visit(Some(root), value, "") {
        children(root, value, "", selections, visit);
    }
}

fn children(
    field: &Field,
    value: &Value,
    at: &str,
    selections: &Selections,
    visit: &mut dyn FnMut(Option<&Field>, &Value, &str) -> bool,
) {
    let body = through_choices(field, Some(value), at, selections);
    match (&body.kind, value) {
        (Kind::Object(object), Value::Object(map)) => {
            for (key, child_value) in map {
                let child_at = pointer::join(at, key);
                let child = object.field(key);
                if visit(child, child_value, &child_at)
                    && let Some(child) = child
                {
                    children(child, child_value, &child_at, selections, visit);
                }
            }
        }
        (Kind::Array(Some(items)), Value::Array(list)) => {
            for (i, item) in list.iter().enumerate() {
                let item_at = pointer::join_index(at, i);
                if visit(Some(items), item, &item_at) {
                    children(items, item, &item_at, selections, visit);
                }
            }
        }
        _ => {}
    }
}

/// The field at a config pointer (the choice itself, when the pointer names a choice).
pub(crate) fn field_at<'f>(
    root: &'f Field,
    config: &Value,
    tokens: &[String],
    selections: &Selections,
) -> Option<&'f Field> {
    let mut field = root;
    let mut value = Some(config);
    let mut at = String::new();
    for token in tokens {
        let body = through_choices(field, value, &at, selections);
        field = match &body.kind {
            Kind::Object(object) => object.field(token)?,
            Kind::Array(Some(items)) if token.parse::<usize>().is_ok() => items,
            _ => return None,
        };
        value = value.and_then(|v| match v {
            Value::Object(map) => map.get(token),
            Value::Array(list) => token.parse::<usize>().ok().and_then(|i| list.get(i)),
            _ => None,
        });
        at = pointer::join(&at, token);
    }
    Some(field)
}
