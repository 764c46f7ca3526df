//! [`Form`]: a connector's config schema as a field tree, plus the config being edited.

use super::build::build_root;
use super::defaults::fill_root;
use super::error::{SchemaError, SchemaWarning};
use super::field::{Field, Group, Kind};
use super::pointer;
use super::walk::{Selections, field_at, selected, through_choices, walk};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A config schema turned into fields, holding the config being filled.
///
/// The config always has the schema's defaults written in (see [`super::with_defaults`]); values
/// the schema does not describe are kept and listed by [`Form::unknown`].
#[derive(Debug, Clone)]
pub struct Form {
    pub(crate) root: Field,
    groups: Vec<Group>,
    warnings: Vec<SchemaWarning>,
    pub(crate) value: Value,
    /// Options chosen by hand ([`Form::choose`]), by config pointer of the choice.
    pub(crate) selections: Selections,
    /// Values of options switched away from, by choice pointer and option, to restore them.
    pub(crate) stash: BTreeMap<(String, usize), Map<String, Value>>,
}

/// A value in a config that the schema does not describe. Kept, never dropped.
#[derive(Debug, Clone, PartialEq)]
pub struct Unknown {
    /// JSON pointer in the config.
    pub pointer: String,
    pub value: Value,
}

impl Form {
    /// The field tree of `schema`, filled with its defaults.
    ///
    /// Errors name the schema location that is invalid (e.g. `type: ["number", null]`). Parts
    /// the engine works around (an unresolvable or recursive `$ref`) are in [`Form::warnings`].
    pub fn build(schema: &Value) -> Result<Form, SchemaError> {
        let (root, groups, warnings) = build_root(schema)?;
        let mut form = Form {
            root,
            groups,
            warnings,
            value: Value::Object(Map::new()),
            selections: Selections::new(),
            stash: BTreeMap::new(),
        };
        form.refill();
        Ok(form)
    }

    /// A form filled from an existing config (parsed from YAML or JSON), and the values in it that
    /// the schema does not describe (kept in the form, and in [`Form::to_config`]).
    pub fn from_config(
        schema: &Value,
        config: &Value,
    ) -> Result<(Form, Vec<Unknown>), SchemaError> {
        let mut form = Form::build(schema)?;
        form.value = config.clone();
        form.refill();
        let unknown = form.unknown();
        Ok((form, unknown))
    }

    /// The config: every value set, every default, every unknown value.
    pub fn to_config(&self) -> Value {
        fill_root(&self.root, &self.value, &self.selections)
    }

    /// The root field (an object, or a choice when the schema's root is a `oneOf`).
    pub fn root(&self) -> &Field {
        &self.root
    }

    /// Root sections (Airbyte `groups`), in order.
    pub fn groups(&self) -> &[Group] {
        &self.groups
    }

    /// Parts of the schema the engine skipped, and why.
    pub fn warnings(&self) -> &[SchemaWarning] {
        &self.warnings
    }

    /// The value at a config pointer.
    pub fn value(&self, pointer: &str) -> Option<&Value> {
        self.value.pointer(pointer)
    }

    /// The field describing the value at a config pointer (for a choice, the choice itself).
    pub fn field(&self, pointer: &str) -> Option<&Field> {
        let tokens = pointer::split(pointer)?;
        field_at(&self.root, &self.value, &tokens, &self.selections)
    }

    /// The option selected for the choice at a config pointer (`None` if it is not a choice).
    pub fn selected(&self, pointer: &str) -> Option<usize> {
        let choice = self.field(pointer)?.choice()?;
        Some(selected(
            choice,
            self.value(pointer),
            pointer,
            &self.selections,
        ))
    }

    /// Values the schema does not describe, with their config pointers.
    pub fn unknown(&self) -> Vec<Unknown> {
        let mut out = Vec::new();
        let selections = &self.selections;
        walk(
            &self.root,
            &self.value,
            selections,
            &mut |field, value, at| {
                if field.is_none() && !described_by_parent(&self.root, &self.value, at, selections)
                {
                    out.push(Unknown {
                        pointer: at.to_string(),
                        value: value.clone(),
                    });
                }
                field.is_some()
            },
        );
        out
    }

    /// Config pointers of the values the schema marks secret, in the current config.
    pub fn secret_pointers(&self) -> Vec<String> {
        secret_pointers_in(&self.root, &self.value, &self.selections)
    }

    /// Write defaults into the config after an edit (a removed value with a default comes back).
    pub(crate) fn refill(&mut self) {
        self.value = fill_root(&self.root, &self.value, &self.selections);
    }
}

/// Whether the object holding `at` describes other keys (`additionalProperties` schema or
/// `patternProperties`), so that a key without a field of its own is still described.
fn described_by_parent(root: &Field, config: &Value, at: &str, selections: &Selections) -> bool {
    let Some(mut tokens) = pointer::split(at) else {
        return false;
    };
    if tokens.pop().is_none() {
        return false;
    }
    let parent_at = tokens
        .iter()
        .fold(String::new(), |p, t| pointer::join(&p, t));
    let Some(parent) = field_at(root, config, &tokens, selections) else {
        return false;
    };
    let body = through_choices(parent, config.pointer(&parent_at), &parent_at, selections);
    matches!(&body.kind, Kind::Object(o) if o.additional_described)
}

/// Config pointers of secret values in `config`, following the options it selects.
pub(crate) fn secret_pointers_in(
    root: &Field,
    config: &Value,
    selections: &Selections,
) -> Vec<String> {
    let mut out = Vec::new();
    walk(
        root,
        config,
        selections,
        &mut |field, value, at| match field {
            Some(f) if f.secret => {
                if !value.is_null() {
                    out.push(at.to_string());
                }
                false
            }
            Some(_) => true,
            None => false,
        },
    );
    out
}
