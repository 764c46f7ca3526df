//! Validation with the `jsonschema` crate, each error attached to the field it concerns and
//! worded for a person: a `required` error lands on the missing child, a failed choice on the
//! selected option's own errors, secrets are masked. A keyword the validator cannot compile (a
//! regex it does not support, a `$ref` it cannot resolve) is skipped and reported, not fatal.

use super::build::build_root;
use super::error::{SchemaError, SchemaWarning, display_pointer};
use super::field::{Field, Kind, humanize};
use super::form::secret_pointers_in;
use super::message::describe;
use super::pointer;
use super::walk::{Selections, field_at};
use jsonschema::ValidationError;
use jsonschema::error::ValidationErrorKind;
use serde_json::Value;

/// Configs nested deeper than this are not validated.
const MAX_NESTING: usize = 32;

/// How deep `value` nests (stops counting past the limit).
fn nesting(value: &Value, depth: usize) -> usize {
    if depth > MAX_NESTING {
        return depth;
    }
    match value {
        Value::Object(map) => map
            .values()
            .map(|v| nesting(v, depth + 1))
            .max()
            .unwrap_or(depth),
        Value::Array(list) => list
            .iter()
            .map(|v| nesting(v, depth + 1))
            .max()
            .unwrap_or(depth),
        _ => depth,
    }
}

/// How many keywords may be skipped before a schema is declared unusable.
const MAX_SKIPPED: usize = 64;

/// One problem with a config, on one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// JSON pointer of the field in the config, e.g. `/credentials/password`.
    pub pointer: String,
    /// The field's title (or its key, made readable).
    pub title: String,
    /// For a person; secret values are masked.
    pub message: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.title,
            display_pointer(&self.pointer),
            self.message
        )
    }
}

/// A compiled schema: validate many configs against it.
pub struct Validator {
    compiled: jsonschema::Validator,
    root: Field,
    warnings: Vec<SchemaWarning>,
}

impl std::fmt::Debug for Validator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Validator")
            .field("warnings", &self.warnings)
            .finish_non_exhaustive()
    }
}

impl Validator {
    /// Compile `schema` (formats are checked; regexes use `fancy-regex`, which knows
    /// look-around and `\p{Letter}`).
    pub fn new(schema: &Value) -> Result<Validator, SchemaError> {
        let (root, _, mut warnings) = build_root(schema)?;
        let compiled = compile(schema, &mut warnings)?;
        Ok(Validator {
            compiled,
            root,
            warnings,
        })
    }

    /// Keywords skipped because they could not be compiled, and other parts worked around.
    pub fn warnings(&self) -> &[SchemaWarning] {
        &self.warnings
    }

    /// The problems of `config`, in the order the validator finds them, without duplicates.
    /// A config nested deeper than 32 levels is refused rather than checked (recursive schemas
    /// can make checking it exponentially slow).
    pub fn validate(&self, config: &Value) -> Vec<FieldError> {
        if nesting(config, 0) > MAX_NESTING {
            return vec![FieldError {
                pointer: String::new(),
                title: title_of(Some(&self.root), ""),
                message: format!("is nested more than {MAX_NESTING} levels deep: not checked"),
            }];
        }
        let selections = Selections::new();
        let secrets = secret_pointers_in(&self.root, config, &selections);
        let secret_values: Vec<String> = secrets
            .iter()
            .filter_map(|p| config.pointer(p))
            .filter_map(|v| match v {
                Value::String(s) if s.chars().count() >= 3 => Some(s.clone()),
                Value::Null => None,
                other if !other.is_string() => Some(other.to_string()).filter(|s| s.len() >= 3),
                _ => None,
            })
            .collect();
        let mut out = Vec::new();
        for error in self.compiled.iter_errors(config) {
            self.collect(&error, config, &secrets, &mut out, 0);
        }
        for e in &mut out {
            for secret in &secret_values {
                if e.message.contains(secret.as_str()) {
                    e.message = e.message.replace(secret.as_str(), "****");
                }
            }
        }
        let mut seen = Vec::with_capacity(out.len());
        out.retain(|e| {
            let key = (e.pointer.clone(), e.message.clone());
            !seen.contains(&key) && {
                seen.push(key);
                true
            }
        });
        out
    }

    fn collect(
        &self,
        error: &ValidationError<'_>,
        config: &Value,
        secrets: &[String],
        out: &mut Vec<FieldError>,
        depth: usize,
    ) {
        let at = error.instance_path().as_str().to_string();
        match error.kind() {
            ValidationErrorKind::Required { property } => {
                let name = property
                    .as_str()
                    .map_or_else(|| property.to_string(), str::to_string);
                let child = pointer::join(&at, &name);
                out.push(self.error_at(&child, config, "is required".to_string()));
                return;
            }
            ValidationErrorKind::AdditionalProperties { unexpected }
            | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
                for key in unexpected {
                    let child = pointer::join(&at, key);
                    out.push(self.error_at(
                        &child,
                        config,
                        "is not a setting the schema knows here".to_string(),
                    ));
                }
                return;
            }
            ValidationErrorKind::OneOfNotValid { context }
            | ValidationErrorKind::AnyOf { context }
                if depth < 16 =>
            {
                if let Some(errors) = self.pick_context(&at, config, context) {
                    for inner in errors {
                        self.collect(inner, config, secrets, out, depth + 1);
                    }
                    return;
                }
            }
            _ => {}
        }
        let field = self.field(&at, config);
        let secret = secrets
            .iter()
            .any(|s| at == *s || at.starts_with(&format!("{s}/")));
        let message = describe(error, field, secret);
        out.push(FieldError {
            title: title_of(field, &at),
            pointer: at,
            message,
        });
    }

    /// For a failed choice, the errors of the option the config selects (for a nullable value,
    /// of the non-null option). `None` when it cannot tell.
    fn pick_context<'e>(
        &self,
        at: &str,
        config: &Value,
        context: &'e [Vec<ValidationError<'static>>],
    ) -> Option<&'e [ValidationError<'static>]> {
        let value = config.pointer(at);
        let field = self.field(at, config);
        let index = match field.map(|f| &f.kind) {
            Some(Kind::Choice(choice)) => {
                let option = choice.options.get(choice.select(value))?;
                option
                    .field
                    .schema_pointer
                    .rsplit('/')
                    .next()?
                    .parse::<usize>()
                    .ok()?
            }
            _ => {
                let is_null_only = |errors: &Vec<ValidationError<'static>>| {
                    errors.len() == 1
                        && matches!(
                            errors[0].kind(),
                            ValidationErrorKind::Type {
                                kind: jsonschema::error::TypeKind::Single(
                                    jsonschema::JsonType::Null
                                )
                            }
                        )
                };
                let candidates: Vec<usize> = (0..context.len())
                    .filter(|i| !is_null_only(&context[*i]))
                    .collect();
                match candidates.as_slice() {
                    [only] => *only,
                    _ => return None,
                }
            }
        };
        context
            .get(index)
            .map(Vec::as_slice)
            .filter(|e| !e.is_empty())
    }

    fn field(&self, at: &str, config: &Value) -> Option<&Field> {
        let tokens = pointer::split(at)?;
        field_at(&self.root, config, &tokens, &Selections::new())
    }

    fn error_at(&self, at: &str, config: &Value, message: String) -> FieldError {
        FieldError {
            title: title_of(self.field(at, config), at),
            pointer: at.to_string(),
            message,
        }
    }
}

/// The field's title; else the last key of the pointer made readable; `Config` for the root.
fn title_of(field: Option<&Field>, at: &str) -> String {
    if let Some(f) = field
        && !f.title.is_empty()
    {
        return f.title.clone();
    }
    match pointer::split(at).and_then(|t| t.last().cloned()) {
        Some(last) if !humanize(&last).is_empty() => humanize(&last),
        Some(last) => last,
        None => "Config".to_string(),
    }
}

/// Build the validator; a keyword that fails to compile is removed from a copy and reported.
fn compile(
    schema: &Value,
    warnings: &mut Vec<SchemaWarning>,
) -> Result<jsonschema::Validator, SchemaError> {
    let mut current: Option<Value> = None;
    for _ in 0..MAX_SKIPPED {
        let attempt = jsonschema::options()
            .should_validate_formats(true)
            .build(current.as_ref().unwrap_or(schema));
        let error = match attempt {
            Ok(validator) => return Ok(validator),
            Err(error) => error,
        };
        let working = current.get_or_insert_with(|| schema.clone());
        let location = error.schema_path().as_str().to_string();
        let message = error.to_string();
        if !skip_keyword(working, &location, &error) {
            return Err(SchemaError::Compile {
                pointer: location,
                message,
            });
        }
        warnings.push(SchemaWarning {
            pointer: location,
            message: format!("not checked: {message}"),
        });
    }
    Err(SchemaError::Compile {
        pointer: String::new(),
        message: format!("more than {MAX_SKIPPED} keywords could not be compiled"),
    })
}

/// Remove the keyword an error is about; `false` when there is nothing sensible to remove.
fn skip_keyword(schema: &mut Value, location: &str, error: &ValidationError<'_>) -> bool {
    if let ValidationErrorKind::Referencing(_) = error.kind() {
        let text = error.to_string();
        return remove_refs(schema, &text, 0);
    }
    let Some(mut tokens) = pointer::split(location) else {
        return false;
    };
    // The location may name the keyword itself or a value inside it (`/pattern`, `/enum/0`).
    while let Some(last) = tokens.pop() {
        if !matches!(
            last.as_str(),
            "pattern"
                | "patternProperties"
                | "format"
                | "$ref"
                | "propertyNames"
                | "dependencies"
                | "if"
                | "then"
                | "else"
                | "contentMediaType"
                | "contentEncoding"
        ) {
            continue;
        }
        let parent = tokens
            .iter()
            .fold(String::new(), |p, t| pointer::join(&p, t));
        if let Some(Value::Object(map)) = schema.pointer_mut(&parent)
            && map.shift_remove(&last).is_some()
        {
            return true;
        }
    }
    false
}

/// Remove every `$ref` whose target is named in `message` (an unresolvable reference).
fn remove_refs(schema: &mut Value, message: &str, depth: usize) -> bool {
    if depth > 128 {
        return false;
    }
    let mut removed = false;
    match schema {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref")
                && (message.contains(r.as_str())
                    || r.split_once('#')
                        .is_some_and(|(_, frag)| !frag.is_empty() && message.contains(frag)))
            {
                map.shift_remove("$ref");
                removed = true;
            }
            for value in map.values_mut() {
                removed |= remove_refs(value, message, depth + 1);
            }
        }
        Value::Array(items) => {
            for item in items {
                removed |= remove_refs(item, message, depth + 1);
            }
        }
        _ => {}
    }
    removed
}
