//! The fields a person sees, in display order: hidden ones skipped, advanced ones flagged,
//! choices followed into their selected option, lists expanded into their items.

use super::field::{Field, Kind};
use super::form::Form;
use super::pointer;
use super::walk::selected;
use serde_json::Value;

/// One visible field of a [`Form`], at one config pointer.
#[derive(Debug, Clone)]
pub struct FieldView<'f> {
    pub field: &'f Field,
    /// JSON pointer of the value in the config.
    pub pointer: String,
    /// Nesting level: 0 for the root's properties.
    pub depth: usize,
    pub value: Option<&'f Value>,
    /// This field or one around it is `advanced` (show it in a collapsed section).
    pub advanced: bool,
    /// Collapsed because it is optional in a long form (see [`FOLD_OVER`]), not because the schema says
    /// `advanced`.
    pub optional: bool,
    /// The root section (Airbyte `group` id) this field belongs to.
    pub group: Option<&'f str>,
    /// For a choice: the selected option.
    pub selected: Option<usize>,
    /// For a list item: its index.
    pub item: Option<usize>,
}

impl Form {
    /// The visible fields in display order, depth first. A choice is listed, then the fields of
    /// its selected option (less the discriminator, which the choice stands for); a list is
    /// listed, then each item.
    pub fn visible(&self) -> Vec<FieldView<'_>> {
        let mut out = Vec::new();
        let root = &self.root;
        if let Kind::Choice(_) = root.kind {
            self.push(&mut out, root, String::new(), 0, false, None, None);
            self.expand(&mut out, root, "", 1, false, None);
        } else {
            self.expand(&mut out, root, "", 0, false, None);
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn push<'f>(
        &'f self,
        out: &mut Vec<FieldView<'f>>,
        field: &'f Field,
        at: String,
        depth: usize,
        advanced: bool,
        group: Option<&'f str>,
        item: Option<usize>,
    ) {
        let value = self.value.pointer(&at);
        let selected = field
            .choice()
            .map(|c| selected(c, value, &at, &self.selections));
        out.push(FieldView {
            field,
            pointer: at,
            depth,
            value,
            advanced,
            optional: advanced && !field.advanced && depth == 0,
            group,
            selected,
            item,
        });
    }

    /// The children of `field` (at config pointer `at`).
    fn expand<'f>(
        &'f self,
        out: &mut Vec<FieldView<'f>>,
        field: &'f Field,
        at: &str,
        depth: usize,
        advanced: bool,
        group: Option<&'f str>,
    ) {
        if depth > 64 {
            return;
        }
        let value = self.value.pointer(at);
        let (body, skip) = match &field.kind {
            Kind::Choice(choice) => {
                let index = selected(choice, value, at, &self.selections);
                match choice.options.get(index) {
                    Some(option) => (&option.field, choice.discriminator.as_deref()),
                    None => return,
                }
            }
            _ => (field, None),
        };
        match &body.kind {
            Kind::Object(object) => {
                // A long root form: the fields people commonly need first, the optional rest after
                // them, collapsed (as Airbyte's form folds its optional fields).
                let fold = depth == 0 && foldable(object);
                let mut children: Vec<&Field> = object.fields.iter().collect();
                if fold {
                    // Required, then optional without a default, then the rest; folded ones last. The
                    // sort is stable: within each, the spec's `order`.
                    children.sort_by_key(|f| (folds(f), tier(f)));
                }
                for child in children {
                    if child.hidden || Some(child.key.as_str()) == skip {
                        continue;
                    }
                    let child_at = pointer::join(at, &child.key);
                    let child_group = group.or(if depth == 0 {
                        child.group.as_deref()
                    } else {
                        None
                    });
                    let child_advanced = advanced || child.advanced || (fold && folds(child));
                    self.push(
                        out,
                        child,
                        child_at.clone(),
                        depth,
                        child_advanced,
                        child_group,
                        None,
                    );
                    self.expand(
                        out,
                        child,
                        &child_at,
                        depth + 1,
                        child_advanced,
                        child_group,
                    );
                }
            }
            Kind::Array(Some(items)) => {
                let count = value.and_then(Value::as_array).map_or(0, Vec::len);
                for i in 0..count {
                    let item_at = pointer::join_index(at, i);
                    self.push(out, items, item_at.clone(), depth, advanced, group, Some(i));
                    self.expand(out, items, &item_at, depth + 1, advanced, group);
                }
            }
            _ => {}
        }
    }
}

/// A root form with more visible fields than this folds its optional ones.
pub const FOLD_OVER: usize = 12;

/// Config keys that people fill for most connectors, shown even when optional and defaulted.
const COMMON: &[&str] = &[
    "host",
    "hostname",
    "address",
    "port",
    "user",
    "username",
    "password",
    "database",
    "dbname",
    "url",
    "path",
    "dataset_name",
    "api_key",
    "token",
];

/// Whether an object is a long form whose optional fields fold away (never with Airbyte groups, which
/// keep their own order).
fn foldable(object: &super::field::Object) -> bool {
    let shown: Vec<&Field> = object.fields.iter().filter(|f| !f.hidden).collect();
    shown.len() > FOLD_OVER
        && shown.iter().all(|f| f.group.is_none())
        && shown.iter().any(|f| !folds(f))
        && shown.iter().any(|f| folds(f) && !f.advanced)
}

/// What a person must fill first: required (0), optional without a default (1), the rest (2).
fn tier(f: &Field) -> u8 {
    if f.required {
        0
    } else if f.default.is_none() && f.const_value.is_none() {
        1
    } else {
        2
    }
}

/// Whether a root field goes into the collapsed section of a long form: optional, not commonly needed,
/// and either defaulted, a switch, or a nested object, list or choice.
fn folds(f: &Field) -> bool {
    if f.advanced {
        return true;
    }
    if f.required || f.always_show || COMMON.contains(&f.key.to_lowercase().as_str()) {
        return false;
    }
    f.default.is_some()
        || f.const_value.is_some()
        || matches!(
            f.kind,
            Kind::Object(_) | Kind::Array(_) | Kind::Choice(_) | Kind::Boolean | Kind::Any
        )
}
