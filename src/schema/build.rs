//! Schema -> field tree: types, objects, lists, choices (`oneOf`/`anyOf`), nullables, `if/then/else`,
//! field order. Recursion is bounded in depth and in the number of fields built.

use super::error::{SchemaError, SchemaWarning};
use super::field::{Choice, ChoiceOption, Field, Group, Kind, Object, annotate};
use super::pointer;
use super::resolve::Resolver;
use serde_json::{Map, Value};

/// Deeper than this, a location becomes a free-JSON field.
const MAX_DEPTH: usize = 40;
/// More fields than this and the schema is refused (a `$ref` fan-out gone wild).
pub const MAX_FIELDS: usize = 5_000;

const TYPE_NAMES: [&str; 7] = [
    "null", "boolean", "object", "array", "number", "string", "integer",
];

/// The root field, the root's groups, and what was skipped.
pub(crate) fn build_root(
    schema: &Value,
) -> Result<(Field, Vec<Group>, Vec<SchemaWarning>), SchemaError> {
    let mut builder = Builder {
        resolver: Resolver::new(schema),
        budget: MAX_FIELDS,
        groups: Vec::new(),
    };
    let eff = builder.resolver.effective(schema, "", &[])?;
    builder.groups = groups(&eff.map);
    let mut root = builder.build_map("", eff.map, "", eff.refs, 0, eff.cyclic)?;
    root.required = true;
    Ok((root, builder.groups, builder.resolver.warnings))
}

struct Builder<'s> {
    resolver: Resolver<'s>,
    budget: usize,
    groups: Vec<Group>,
}

impl Builder<'_> {
    fn build(
        &mut self,
        key: &str,
        schema: &Value,
        at: &str,
        stack: &[String],
        depth: usize,
    ) -> Result<Field, SchemaError> {
        let eff = self.resolver.effective(schema, at, stack)?;
        let mut inner = stack.to_vec();
        inner.extend(eff.refs);
        self.build_map(key, eff.map, at, inner, depth, eff.cyclic)
    }

    fn build_map(
        &mut self,
        key: &str,
        map: Map<String, Value>,
        at: &str,
        stack: Vec<String>,
        depth: usize,
        cyclic: bool,
    ) -> Result<Field, SchemaError> {
        self.budget = self
            .budget
            .checked_sub(1)
            .ok_or(SchemaError::TooLarge { limit: MAX_FIELDS })?;
        let mut field = Field {
            key: key.to_string(),
            schema_pointer: at.to_string(),
            ..Field::default()
        };
        annotate(&mut field, &map);
        field.types = parse_types(&map, at)?;
        field.nullable = field.types.iter().any(|t| t == "null");
        if cyclic {
            self.resolver
                .warn(at, "recursive `$ref`: this part is edited as free JSON");
            return Ok(field);
        }
        if depth > MAX_DEPTH {
            self.resolver
                .warn(at, "nested too deep: this part is edited as free JSON");
            return Ok(field);
        }
        for keyword in ["oneOf", "anyOf"] {
            let Some(options) = map.get(keyword) else {
                continue;
            };
            let Some(options) = options.as_array() else {
                return Err(SchemaError::invalid(
                    &pointer::join(at, keyword),
                    format!("`{keyword}` must be an array of schemas"),
                ));
            };
            if let Some(built) =
                self.combinator(&field, &map, keyword, options, at, &stack, depth)?
            {
                return Ok(built);
            }
        }
        field.kind = self.kind(&field, &map, at, &stack, depth)?;
        Ok(field)
    }

    /// The kind of a location without (or past) a combinator.
    fn kind(
        &mut self,
        field: &Field,
        map: &Map<String, Value>,
        at: &str,
        stack: &[String],
        depth: usize,
    ) -> Result<Kind, SchemaError> {
        let declared: Vec<&str> = field
            .types
            .iter()
            .map(String::as_str)
            .filter(|t| *t != "null")
            .collect();
        let has_object_keywords = ["properties", "required", "additionalProperties"]
            .iter()
            .any(|k| map.contains_key(*k));
        let inferred = match declared.as_slice() {
            [one] => *one,
            ["integer", "number"] | ["number", "integer"] => "number",
            [] if field.types.iter().any(|t| t == "null") => "null",
            [] if has_object_keywords => "object",
            [] if map.contains_key("items") => "array",
            [] => infer_from_values(field).unwrap_or("any"),
            many if many.contains(&"object") && map.contains_key("properties") => "object",
            _ => "any",
        };
        Ok(match inferred {
            "object" => Kind::Object(self.object(map, at, stack, depth)?),
            "array" => Kind::Array(self.items(map, at, stack, depth)?),
            "string" => Kind::String,
            "integer" => Kind::Integer,
            "number" => Kind::Number,
            "boolean" => Kind::Boolean,
            "null" => Kind::Null,
            _ => Kind::Any,
        })
    }

    fn object(
        &mut self,
        map: &Map<String, Value>,
        at: &str,
        stack: &[String],
        depth: usize,
    ) -> Result<Object, SchemaError> {
        let required = required_names(map, at)?;
        let mut fields = Vec::new();
        if let Some(properties) = map.get("properties") {
            let Some(properties) = properties.as_object() else {
                return Err(SchemaError::invalid(
                    &pointer::join(at, "properties"),
                    "`properties` must be an object",
                ));
            };
            let props_at = pointer::join(at, "properties");
            for (name, schema) in properties {
                let mut child = self.build(
                    name,
                    schema,
                    &pointer::join(&props_at, name),
                    stack,
                    depth + 1,
                )?;
                child.required = required.contains(name);
                fields.push(child);
            }
        }
        // `then`/`else` may add fields: show them, optional and flagged.
        for branch in ["then", "else"] {
            let Some(schema) = map.get(branch) else {
                continue;
            };
            let branch_at = pointer::join(at, branch);
            let eff = self.resolver.effective(schema, &branch_at, stack)?;
            if eff.cyclic {
                continue;
            }
            let mut inner = stack.to_vec();
            inner.extend(eff.refs.iter().cloned());
            if let Some(Value::Object(properties)) = eff.map.get("properties") {
                for (name, schema) in properties {
                    if fields.iter().any(|f: &Field| &f.key == name) {
                        continue;
                    }
                    let child_at = pointer::join(&pointer::join(&branch_at, "properties"), name);
                    let mut child = self.build(name, schema, &child_at, &inner, depth + 1)?;
                    child.conditional = true;
                    fields.push(child);
                }
            }
        }
        // Required names the schema does not describe still get a field to fill.
        for name in &required {
            if !fields.iter().any(|f| &f.key == name) {
                let mut child = Field {
                    key: name.clone(),
                    schema_pointer: pointer::join(at, "required"),
                    required: true,
                    ..Field::default()
                };
                annotate(&mut child, &Map::new());
                fields.push(child);
            }
        }
        let groups = if depth == 0 {
            self.groups.clone()
        } else {
            Vec::new()
        };
        sort_fields(&mut fields, &groups);
        let additional = map.get("additionalProperties");
        Ok(Object {
            fields,
            additional_allowed: additional != Some(&Value::Bool(false)),
            additional_described: matches!(additional, Some(Value::Object(m)) if !m.is_empty())
                || matches!(map.get("patternProperties"), Some(Value::Object(m)) if !m.is_empty()),
        })
    }

    fn items(
        &mut self,
        map: &Map<String, Value>,
        at: &str,
        stack: &[String],
        depth: usize,
    ) -> Result<Option<Box<Field>>, SchemaError> {
        match map.get("items") {
            Some(items @ (Value::Object(_) | Value::Bool(_))) => Ok(Some(Box::new(self.build(
                "",
                items,
                &pointer::join(at, "items"),
                stack,
                depth + 1,
            )?))),
            Some(Value::Array(_)) | None => Ok(None),
            Some(_) => Err(SchemaError::invalid(
                &pointer::join(at, "items"),
                "`items` must be a schema or an array of schemas",
            )),
        }
    }

    /// A `oneOf`/`anyOf`: a nullable wrapper, constraints to ignore, or a choice. `None` when the
    /// combinator only constrains the location's own properties.
    #[allow(clippy::too_many_arguments)]
    fn combinator(
        &mut self,
        base: &Field,
        map: &Map<String, Value>,
        keyword: &str,
        options: &[Value],
        at: &str,
        stack: &[String],
        depth: usize,
    ) -> Result<Option<Field>, SchemaError> {
        let list_at = pointer::join(at, keyword);
        let mut rest = Vec::new();
        let mut saw_null = false;
        for (i, option) in options.iter().enumerate() {
            let option_at = pointer::join_index(&list_at, i);
            let eff = self.resolver.effective(option, &option_at, stack)?;
            let only_null = matches!(eff.map.get("type"), Some(Value::String(t)) if t == "null")
                || eff.map.get("type") == Some(&Value::Array(vec!["null".into()]));
            if only_null && !eff.map.contains_key("properties") {
                saw_null = true;
            } else {
                rest.push((i, option_at, eff, option));
            }
        }
        let mut own = map.clone();
        own.remove(keyword);
        if rest.is_empty() {
            let mut field = self.build_map(&base.key, own, at, stack.to_vec(), depth, false)?;
            field.nullable |= saw_null;
            return Ok(Some(field));
        }
        let constraint_only = rest.iter().all(|(_, _, eff, _)| {
            ![
                "properties",
                "type",
                "const",
                "enum",
                "items",
                "oneOf",
                "anyOf",
            ]
            .iter()
            .any(|k| eff.map.contains_key(*k))
        });
        if constraint_only && (map.contains_key("properties") || rest.len() == options.len()) {
            return Ok(None);
        }
        if rest.len() == 1 && saw_null {
            // `anyOf: [T, {type: null}]`: a nullable T. The wrapper's own keywords win.
            let (_, _, eff, _) = rest.remove(0);
            for (k, v) in eff.map {
                if !own.contains_key(&k) {
                    own.insert(k, v);
                }
            }
            let mut inner = stack.to_vec();
            inner.extend(eff.refs);
            let mut field = self.build_map(&base.key, own, at, inner, depth, eff.cyclic)?;
            field.nullable = true;
            if !field.types.iter().any(|t| t == "null") {
                field.types.push("null".into());
            }
            return Ok(Some(field));
        }
        let mut field = base.clone();
        field.nullable |= saw_null;
        let structural = ["properties", "required", "type", "additionalProperties"];
        let mut built = Vec::new();
        for (_, option_at, eff, raw) in rest {
            let mut body = eff.map;
            for k in structural {
                let Some(v) = own.get(k) else { continue };
                match (body.get_mut(k), v) {
                    (None, _) => {
                        body.insert(k.to_string(), v.clone());
                    }
                    (Some(Value::Object(have)), Value::Object(add)) => {
                        for (name, schema) in add {
                            have.entry(name.clone()).or_insert_with(|| schema.clone());
                        }
                    }
                    (Some(Value::Array(have)), Value::Array(add)) => {
                        for name in add {
                            if !have.contains(name) {
                                have.push(name.clone());
                            }
                        }
                    }
                    _ => {}
                }
            }
            let mut inner = stack.to_vec();
            inner.extend(eff.refs);
            let body = self.build_map("", body, &option_at, inner, depth + 1, eff.cyclic)?;
            let reference = raw.get("$ref").and_then(Value::as_str).map(str::to_string);
            built.push((reference, body));
        }
        field.kind = Kind::Choice(make_choice(map, keyword == "anyOf", built));
        Ok(Some(field))
    }
}

/// Options, their tags and titles, the discriminator and the preselected option.
fn make_choice(
    map: &Map<String, Value>,
    any_of: bool,
    built: Vec<(Option<String>, Field)>,
) -> Choice {
    let explicit = map
        .get("discriminator")
        .and_then(|d| d.get("propertyName"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let mapping = map
        .get("discriminator")
        .and_then(|d| d.get("mapping"))
        .and_then(Value::as_object);
    let discriminator = explicit.or_else(|| shared_const_key(&built));
    let mut options = Vec::with_capacity(built.len());
    for (i, (reference, body)) in built.into_iter().enumerate() {
        let tag = match &discriminator {
            Some(key) => body
                .fields()
                .iter()
                .find(|f| &f.key == key)
                .and_then(tag_of)
                .or_else(|| {
                    let reference = reference.as_deref()?;
                    mapping?
                        .iter()
                        .find(|(_, target)| target.as_str() == Some(reference))
                        .map(|(tag, _)| Value::String(tag.clone()))
                }),
            None => tag_of(&body),
        };
        // A title that is a code name (`AccessToken`) loses to a tag in words (`Private App
        // Credentials`): the tag is what the connector's documentation and web form call it.
        let code_name = |t: &str| !t.trim().contains(char::is_whitespace);
        let title = if body.has_title
            && !(code_name(&body.title) && matches!(&tag, Some(Value::String(t)) if !code_name(t)))
        {
            body.title.clone()
        } else if let Some(Value::String(tag)) = &tag {
            tag.clone()
        } else if let Some(tag) = &tag {
            tag.to_string()
        } else {
            format!("Option {}", i + 1)
        };
        options.push(ChoiceOption {
            title,
            description: body.description.clone(),
            tag,
            field: body,
        });
    }
    let default = map.get("default");
    let default_tag = match (&discriminator, default) {
        (Some(key), Some(Value::Object(d))) => d.get(key),
        (Some(_), Some(d)) | (None, Some(d)) if !d.is_object() => Some(d),
        _ => None,
    };
    let default_option = default_tag
        .and_then(|want| options.iter().position(|o| o.tag.as_ref() == Some(want)))
        .unwrap_or(0);
    Choice {
        options,
        discriminator,
        default_option,
        any_of,
    }
}

/// The value a field is pinned to: its `const`, or its only `enum` value.
fn tag_of(field: &Field) -> Option<Value> {
    field
        .const_value
        .clone()
        .or_else(|| match field.enum_values.as_slice() {
            [only] => Some(only.clone()),
            _ => None,
        })
}

/// A property that every option pins to a value (the implicit discriminator).
fn shared_const_key(built: &[(Option<String>, Field)]) -> Option<String> {
    let (_, first) = built.first()?;
    first
        .fields()
        .iter()
        .filter(|f| tag_of(f).is_some())
        .map(|f| f.key.clone())
        .find(|key| {
            built.iter().all(|(_, body)| {
                body.fields()
                    .iter()
                    .any(|f| &f.key == key && tag_of(f).is_some())
            })
        })
}

fn parse_types(map: &Map<String, Value>, at: &str) -> Result<Vec<String>, SchemaError> {
    let bad = |message: &str| SchemaError::invalid(&pointer::join(at, "type"), message);
    match map.get("type") {
        None => Ok(Vec::new()),
        Some(Value::String(t)) if TYPE_NAMES.contains(&t.as_str()) => Ok(vec![t.clone()]),
        Some(Value::String(t)) => Err(bad(&format!("unknown type {t:?}"))),
        Some(Value::Array(list)) if list.is_empty() => Err(bad("`type` must not be empty")),
        Some(Value::Array(list)) => list
            .iter()
            .map(|t| match t.as_str() {
                Some(name) if TYPE_NAMES.contains(&name) => Ok(name.to_string()),
                Some(name) => Err(bad(&format!("unknown type {name:?}"))),
                None => Err(bad(&format!(
                    "`type` lists {t}, which is not a type name (write \"null\" in quotes)"
                ))),
            })
            .collect(),
        Some(other) => Err(bad(&format!(
            "`type` must be a type name or a list of them, not {other}"
        ))),
    }
}

fn required_names(map: &Map<String, Value>, at: &str) -> Result<Vec<String>, SchemaError> {
    match map.get("required") {
        None => Ok(Vec::new()),
        Some(Value::Array(names)) => names
            .iter()
            .map(|n| {
                n.as_str().map(str::to_string).ok_or_else(|| {
                    SchemaError::invalid(
                        &pointer::join(at, "required"),
                        "`required` must list property names",
                    )
                })
            })
            .collect(),
        // Draft-3 style `required: true` on a property: not a list; ignored.
        Some(Value::Bool(_)) => Ok(Vec::new()),
        Some(_) => Err(SchemaError::invalid(
            &pointer::join(at, "required"),
            "`required` must be an array of property names",
        )),
    }
}

/// The type of `const`/`enum` values when they all share one.
fn infer_from_values(field: &Field) -> Option<&'static str> {
    let values: Vec<&Value> = field
        .const_value
        .iter()
        .chain(field.enum_values.iter())
        .collect();
    let name = |v: &Value| match v {
        Value::String(_) => "string",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::Null => "null",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let first = name(values.first()?);
    (values.iter().all(|v| name(v) == first) && first != "object" && first != "array")
        .then_some(first)
}

/// Display order: root groups (in `groups` order, ungrouped first), then `order`, then
/// required before optional, then schema order (the sort is stable).
fn sort_fields(fields: &mut [Field], groups: &[Group]) {
    let group_rank = |f: &Field| match &f.group {
        None => 0,
        Some(id) => groups
            .iter()
            .position(|g| &g.id == id)
            .map_or(groups.len() + 1, |p| p + 1),
    };
    fields.sort_by_key(|f| {
        (
            if groups.is_empty() { 0 } else { group_rank(f) },
            f.order.is_none(),
            f.order.unwrap_or(0),
            !f.required,
        )
    });
}

fn groups(map: &Map<String, Value>) -> Vec<Group> {
    let Some(Value::Array(list)) = map.get("groups") else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|g| {
            let id = g.get("id")?.as_str()?.to_string();
            let title = g
                .get("title")
                .and_then(Value::as_str)
                .map_or_else(|| id.clone(), str::to_string);
            Some(Group { id, title })
        })
        .collect()
}
