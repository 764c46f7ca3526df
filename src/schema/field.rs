//! The field tree's types: one [`Field`] per schema location a person can fill, with its annotations.

use serde_json::{Map, Value};

/// One field of a form: an object property, a list's item, a choice's option body, or the root.
///
/// Built once from the schema by [`Form::build`](super::Form::build); values live in the form,
/// not here, so one `Field` describes every item of a list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Field {
    /// The property name ("" for the root, for list items and for choice options).
    pub key: String,
    /// JSON pointer into the schema where this field is used.
    pub schema_pointer: String,
    /// `title`, else the key made readable (`historyMode` -> `History Mode`).
    pub title: String,
    /// Whether `title` came from the schema.
    pub has_title: bool,
    pub description: Option<String>,
    /// Listed in the parent's `required`.
    pub required: bool,
    pub kind: Kind,
    /// The JSON types the schema allows, as written (`null` included when nullable).
    pub types: Vec<String>,
    /// `null` is allowed (`type: [T, "null"]`, or `anyOf`/`oneOf` with a `{type: null}` option).
    pub nullable: bool,
    pub default: Option<Value>,
    pub const_value: Option<Value>,
    pub enum_values: Vec<Value>,
    /// `examples`, or the non-standard `example`.
    pub examples: Vec<Value>,
    pub format: Option<String>,
    pub pattern: Option<String>,
    /// A person's hint for `pattern` (Airbyte `pattern_descriptor`).
    pub pattern_descriptor: Option<String>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub bounds: Bounds,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    pub unique_items: bool,
    /// `order` (lower first).
    pub order: Option<i64>,
    /// `secret`, `airbyte_secret` or `writeOnly`: mask it, encrypt it.
    pub secret: bool,
    pub multiline: bool,
    /// Shown in a collapsed section.
    pub advanced: bool,
    /// `x-hidden-field` / `airbyte_hidden`: never shown, defaults kept.
    pub hidden: bool,
    /// Airbyte: shown even when optional.
    pub always_show: bool,
    pub nonsensitive: bool,
    pub read_only: bool,
    /// Airbyte `group` (an id of the root's `groups`).
    pub group: Option<String>,
    /// `display_type` (`dropdown` or `radio`) for a choice.
    pub display_type: Option<String>,
    /// Added by an `if`/`then`/`else` branch: may or may not apply.
    pub conditional: bool,
    /// Every `x-…` annotation, as written (`x-oauth2-provider`, `x-collection-name`, …).
    pub extensions: Map<String, Value>,
}

/// Numeric bounds. Draft-4 boolean `exclusiveMinimum`/`exclusiveMaximum` are normalised to numbers.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Bounds {
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub exclusive_minimum: Option<f64>,
    pub exclusive_maximum: Option<f64>,
}

/// What kind of value a field holds.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Kind {
    Object(Object),
    /// `oneOf` / `anyOf` offered as a choice between options.
    Choice(Choice),
    /// A list; `None` items when the schema does not describe them (or describes a tuple).
    Array(Option<Box<Field>>),
    String,
    Integer,
    Number,
    Boolean,
    Null,
    /// Any JSON: no type, several types, a recursive `$ref`, or a part the engine skipped.
    #[default]
    Any,
}

/// An object's properties, in display order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Object {
    pub fields: Vec<Field>,
    /// Whether keys other than `fields` are allowed (`additionalProperties` not `false`).
    pub additional_allowed: bool,
    /// Whether other keys are described (an `additionalProperties` schema or `patternProperties`).
    pub additional_described: bool,
}

impl Object {
    /// The property named `key`.
    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }
}

/// A choice between options (`oneOf` / `anyOf`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Choice {
    pub options: Vec<ChoiceOption>,
    /// The property whose value picks the option: `discriminator.propertyName`, or a property
    /// every option gives a `const`.
    pub discriminator: Option<String>,
    /// The option shown first: the one whose tag equals the choice's `default`, else 0.
    pub default_option: usize,
    /// `anyOf` rather than `oneOf`.
    pub any_of: bool,
}

/// One option of a [`Choice`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChoiceOption {
    /// The option's `title`, else its tag, else `Option N`.
    pub title: String,
    pub description: Option<String>,
    /// The discriminator's value that selects this option.
    pub tag: Option<Value>,
    /// The option's body (the parent's own properties merged in).
    pub field: Field,
}

impl Field {
    /// The properties of an object field (empty for other kinds).
    pub fn fields(&self) -> &[Field] {
        match &self.kind {
            Kind::Object(object) => &object.fields,
            _ => &[],
        }
    }

    /// The choice, when this field is one.
    pub fn choice(&self) -> Option<&Choice> {
        match &self.kind {
            Kind::Choice(choice) => Some(choice),
            _ => None,
        }
    }

    /// The item field of a list.
    pub fn items(&self) -> Option<&Field> {
        match &self.kind {
            Kind::Array(items) => items.as_deref(),
            _ => None,
        }
    }

    /// A short name of the kind, as flowctl's stub writes it (`string`, `object`, …).
    pub fn type_names(&self) -> Vec<String> {
        let mut names: Vec<String> = if self.types.is_empty() {
            match &self.kind {
                Kind::Object(_) | Kind::Choice(_) => vec!["object".into()],
                Kind::Array(_) => vec!["array".into()],
                Kind::String => vec!["string".into()],
                Kind::Integer => vec!["integer".into()],
                Kind::Number => vec!["number".into()],
                Kind::Boolean => vec!["boolean".into()],
                Kind::Null => vec!["null".into()],
                Kind::Any => Vec::new(),
            }
        } else {
            self.types.clone()
        };
        if self.nullable && !names.iter().any(|n| n == "null") {
            names.push("null".into());
        }
        names.sort();
        names.dedup();
        names
    }
}

/// `historyMode`, `history_mode`, `history-mode` -> `History Mode` (lodash `startCase`, as
/// Estuary's form shows a property without a title).
pub fn humanize(key: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut prev: Option<char> = None;
    for c in key.chars() {
        let boundary = match prev {
            Some(p) => {
                (c.is_uppercase() && (p.is_lowercase() || p.is_ascii_digit()))
                    || (c.is_ascii_digit() && p.is_alphabetic())
            }
            None => false,
        };
        if !c.is_alphanumeric() {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
        } else {
            if boundary && !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            word.push(c);
        }
        prev = Some(c);
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
        .iter()
        .map(|w| {
            let mut chars = w.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Read a field's annotations from an effective (resolved, merged) schema object.
pub(crate) fn annotate(field: &mut Field, map: &Map<String, Value>) {
    let text = |k: &str| map.get(k).and_then(Value::as_str).map(str::to_string);
    let flag = |k: &str| map.get(k).and_then(Value::as_bool).unwrap_or(false);
    let count = |k: &str| map.get(k).and_then(as_count);
    if let Some(title) = text("title").filter(|t| !t.trim().is_empty()) {
        field.title = title;
        field.has_title = true;
    } else {
        field.title = humanize(&field.key);
    }
    field.description = text("description").filter(|d| !d.trim().is_empty());
    field.default = map.get("default").cloned();
    field.const_value = map.get("const").cloned();
    if let Some(Value::Array(values)) = map.get("enum") {
        field.enum_values = values.clone();
    }
    field.examples = match (map.get("examples"), map.get("example")) {
        (Some(Value::Array(values)), _) => values.clone(),
        (Some(value), _) => vec![value.clone()],
        (None, Some(value)) => vec![value.clone()],
        (None, None) => Vec::new(),
    };
    field.format = text("format");
    field.pattern = text("pattern");
    field.pattern_descriptor = text("pattern_descriptor");
    field.min_length = count("minLength");
    field.max_length = count("maxLength");
    field.min_items = count("minItems");
    field.max_items = count("maxItems");
    field.unique_items = flag("uniqueItems");
    field.bounds = bounds(map);
    field.order = map.get("order").and_then(as_order);
    field.secret = flag("secret") || flag("airbyte_secret") || flag("writeOnly");
    field.multiline = flag("multiline");
    field.advanced = flag("advanced");
    field.hidden = flag("x-hidden-field") || flag("airbyte_hidden");
    field.always_show = flag("always_show");
    field.nonsensitive = flag("nonsensitive");
    field.read_only = flag("readOnly");
    field.group = text("group");
    field.display_type = text("display_type");
    field.extensions = map
        .iter()
        .filter(|(k, _)| k.starts_with("x-"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
}

fn as_count(value: &Value) -> Option<u64> {
    value.as_u64().or_else(|| {
        value
            .as_f64()
            .filter(|f| *f >= 0.0 && f.fract() == 0.0)
            .map(|f| f as u64)
    })
}

fn as_order(value: &Value) -> Option<i64> {
    value
        .as_i64()
        .or_else(|| value.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
}

fn bounds(map: &Map<String, Value>) -> Bounds {
    let num = |k: &str| map.get(k).and_then(Value::as_f64);
    let mut b = Bounds {
        minimum: num("minimum"),
        maximum: num("maximum"),
        exclusive_minimum: num("exclusiveMinimum"),
        exclusive_maximum: num("exclusiveMaximum"),
    };
    if map.get("exclusiveMinimum") == Some(&Value::Bool(true)) {
        b.exclusive_minimum = b.minimum.take();
    }
    if map.get("exclusiveMaximum") == Some(&Value::Bool(true)) {
        b.exclusive_maximum = b.maximum.take();
    }
    b
}

#[cfg(test)]
mod tests {
    use super::humanize;

    #[test]
    fn humanizes_keys() {
        assert_eq!(humanize("historyMode"), "History Mode");
        assert_eq!(humanize("aws_region"), "Aws Region");
        assert_eq!(humanize("x-api-key"), "X Api Key");
        assert_eq!(humanize("port2"), "Port 2");
        assert_eq!(humanize(""), "");
    }
}

/// A section of the root form (Airbyte `groups: [{id, title}]`, referred to by fields' `group`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub id: String,
    pub title: String,
}
