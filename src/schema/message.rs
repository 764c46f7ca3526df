//! Validation errors worded for a person. A secret's value never appears in a message.

use super::field::Field;
use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{JsonType, ValidationError};
use serde_json::Value;

/// How many enum values a message lists before it says how many more there are.
const ENUM_LISTED: usize = 8;

/// The message for one error of a value described by `field` (if known). `secret` masks the value.
pub(crate) fn describe(error: &ValidationError<'_>, field: Option<&Field>, secret: bool) -> String {
    let shown = |v: &Value| {
        if secret {
            "the value".to_string()
        } else {
            short(v)
        }
    };
    match error.kind() {
        ValidationErrorKind::Required { .. } => "is required".to_string(),
        ValidationErrorKind::Type { kind } => {
            let names: Vec<&'static str> = match kind {
                TypeKind::Single(t) => vec![type_phrase(*t)],
                TypeKind::Multiple(set) => set.iter().map(type_phrase).collect(),
            };
            format!(
                "must be {}, not {}",
                or_list(&names),
                kind_of(error.instance())
            )
        }
        ValidationErrorKind::Enum { options } => match options.as_ref() {
            Value::Array(values) => format!("must be one of {}", list_values(values)),
            other => format!("must be one of {}", short(other)),
        },
        ValidationErrorKind::Constant { expected_value } => {
            format!("must be {}", short(expected_value))
        }
        ValidationErrorKind::Pattern { pattern } => {
            match field.and_then(|f| f.pattern_descriptor.as_deref()) {
                Some(hint) => format!("must look like {hint} (pattern {pattern})"),
                None => format!("must match the pattern {pattern}"),
            }
        }
        ValidationErrorKind::Format { format } => match format_example(format) {
            Some(example) => format!("must be a valid {format}, such as {example}"),
            None => format!("must be a valid {format}"),
        },
        ValidationErrorKind::MinLength { limit } => match limit {
            1 => "must not be empty".to_string(),
            n => format!("must be at least {n} characters long"),
        },
        ValidationErrorKind::MaxLength { limit } => {
            format!("must be at most {limit} characters long")
        }
        ValidationErrorKind::Minimum { limit } => format!("must be at least {limit}"),
        ValidationErrorKind::Maximum { limit } => format!("must be at most {limit}"),
        ValidationErrorKind::ExclusiveMinimum { limit } => format!("must be greater than {limit}"),
        ValidationErrorKind::ExclusiveMaximum { limit } => format!("must be less than {limit}"),
        ValidationErrorKind::MultipleOf { multiple_of } => {
            format!("must be a multiple of {multiple_of}")
        }
        ValidationErrorKind::MinItems { limit } => match limit {
            1 => "must have at least one item".to_string(),
            n => format!("must have at least {n} items"),
        },
        ValidationErrorKind::MaxItems { limit } => format!("must have at most {limit} items"),
        ValidationErrorKind::UniqueItems => "must not list the same item twice".to_string(),
        ValidationErrorKind::MinProperties { limit } => {
            format!("must have at least {limit} entries")
        }
        ValidationErrorKind::MaxProperties { limit } => {
            format!("must have at most {limit} entries")
        }
        ValidationErrorKind::AdditionalProperties { .. }
        | ValidationErrorKind::UnevaluatedProperties { .. } => {
            "is not a setting the schema knows here".to_string()
        }
        ValidationErrorKind::FalseSchema | ValidationErrorKind::Not { .. } => {
            format!("{} is not allowed here", shown(error.instance()))
        }
        ValidationErrorKind::OneOfMultipleValid { .. } => {
            "matches more than one of the options: pick one".to_string()
        }
        ValidationErrorKind::OneOfNotValid { .. } | ValidationErrorKind::AnyOf { .. } => {
            match field.and_then(Field::choice) {
                Some(choice) => format!(
                    "must match one of the options: {}",
                    choice
                        .options
                        .iter()
                        .map(|o| o.title.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                None => "does not match any of the allowed shapes".to_string(),
            }
        }
        _ => error.masked_with("the value").to_string(),
    }
}

fn type_phrase(t: JsonType) -> &'static str {
    match t {
        JsonType::Array => "a list",
        JsonType::Boolean => "true or false",
        JsonType::Integer => "a whole number",
        JsonType::Null => "null",
        JsonType::Number => "a number",
        JsonType::Object => "an object",
        JsonType::String => "a string",
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "true/false",
        Value::Number(n) if n.is_i64() || n.is_u64() => "a whole number",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn or_list(names: &[&str]) -> String {
    match names {
        [] => "something else".to_string(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

fn list_values(values: &[Value]) -> String {
    let mut listed: Vec<String> = values.iter().take(ENUM_LISTED).map(short).collect();
    if values.len() > ENUM_LISTED {
        listed.push(format!("… ({} in all)", values.len()));
    }
    listed.join(", ")
}

/// A value as a person reads it: strings quoted, long ones cut.
pub(crate) fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 60 {
        let cut: String = text.chars().take(57).collect();
        format!("{cut}…")
    } else {
        text
    }
}

fn format_example(format: &str) -> Option<&'static str> {
    Some(match format {
        "date-time" => "2024-01-31T12:00:00Z",
        "date" => "2024-01-31",
        "time" => "12:00:00Z",
        "duration" => "PT1H30M",
        "email" => "name@example.com",
        "uri" | "url" | "iri" => "https://example.com/path",
        "hostname" => "db.example.com",
        "ipv4" => "192.0.2.1",
        "ipv6" => "2001:db8::1",
        "uuid" => "123e4567-e89b-12d3-a456-426614174000",
        _ => return None,
    })
}
