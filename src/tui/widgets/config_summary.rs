//! The spec summary's count of config fields: the top-level properties of a config schema, read straight
//! from the JSON (no form needed), in `order` then declaration order, hidden ones left out.

use serde_json::Value;

/// One top-level property of a config schema.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldRow {
    pub name: String,
    pub kind: String,
    pub required: bool,
    pub secret: bool,
    pub title: String,
}

/// The top-level properties of a config schema, in `order` then declaration order. A root `$ref` into
/// `$defs`/`definitions` is followed once; a root `oneOf` lists its options instead.
pub fn fields(schema: &Value) -> Vec<FieldRow> {
    let root = follow_ref(schema, schema);
    let required: Vec<&str> = root
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut rows: Vec<(i64, usize, FieldRow)> = Vec::new();
    if let Some(props) = root.get("properties").and_then(Value::as_object) {
        for (i, (name, prop)) in props.iter().enumerate() {
            let prop = follow_ref(schema, prop);
            let hidden = ["x-hidden-field", "airbyte_hidden"]
                .iter()
                .any(|k| prop.get(*k) == Some(&Value::Bool(true)));
            if hidden {
                continue;
            }
            let order = prop
                .get("order")
                .and_then(Value::as_i64)
                .unwrap_or(i64::MAX);
            rows.push((
                order,
                i,
                FieldRow {
                    name: name.clone(),
                    kind: type_name(prop),
                    required: required.contains(&name.as_str()),
                    secret: ["secret", "airbyte_secret", "writeOnly"]
                        .iter()
                        .any(|k| prop.get(*k) == Some(&Value::Bool(true))),
                    title: describe(prop),
                },
            ));
        }
    } else if let Some(options) = root.get("oneOf").and_then(Value::as_array) {
        for (i, option) in options.iter().enumerate() {
            let option = follow_ref(schema, option);
            rows.push((
                i as i64,
                i,
                FieldRow {
                    name: format!("option {}", i + 1),
                    kind: "object".into(),
                    required: false,
                    secret: false,
                    title: describe(option),
                },
            ));
        }
    }
    rows.sort_by_key(|(order, i, _)| (*order, *i));
    rows.into_iter().map(|(_, _, r)| r).collect()
}

fn follow_ref<'a>(root: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) if r.starts_with("#/") => root.pointer(&r[1..]).unwrap_or(v),
        _ => v,
    }
}

fn type_name(prop: &Value) -> String {
    if prop.get("oneOf").is_some() || prop.get("anyOf").is_some() {
        return "choice".into();
    }
    if prop.get("enum").is_some() {
        return "enum".into();
    }
    match prop.get("type") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| *t != "null")
            .collect::<Vec<_>>()
            .join("|"),
        _ => "any".into(),
    }
}

fn describe(prop: &Value) -> String {
    let text = |k: &str| prop.get(k).and_then(Value::as_str).map(str::trim);
    let title = text("title").filter(|s| !s.is_empty());
    let desc = text("description")
        .filter(|s| !s.is_empty())
        .map(|d| d.lines().next().unwrap_or_default().to_string());
    match (title, desc) {
        (Some(t), Some(d)) => format!("{t}: {d}"),
        (Some(t), None) => t.to_string(),
        (None, Some(d)) => d,
        (None, None) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_top_level_fields_in_order() {
        let schema = json!({
            "$defs": {"Cfg": {"type": "object", "required": ["host"], "properties": {
                "port": {"type": ["integer", "null"], "order": 2, "title": "Port"},
                "host": {"type": "string", "order": 1, "title": "Host", "description": "Where.\nMore."},
                "password": {"type": "string", "secret": true},
                "mode": {"oneOf": [{"title": "a"}]},
                "hidden": {"type": "string", "airbyte_hidden": true}
            }}},
            "$ref": "#/$defs/Cfg"
        });
        let f = fields(&schema);
        let names: Vec<&str> = f.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, vec!["host", "port", "password", "mode"]);
        assert_eq!(f[0].title, "Host: Where.");
        assert!(f[0].required && !f[1].required);
        assert_eq!(f[1].kind, "integer");
        assert!(f[2].secret);
        assert_eq!(f[3].kind, "choice");
    }

    #[test]
    fn root_one_of_lists_options() {
        let f = fields(&json!({"oneOf": [{"title": "Continuous"}, {"title": "Infinite"}]}));
        assert_eq!(f.len(), 2);
        assert_eq!(f[1].title, "Infinite");
    }
}
