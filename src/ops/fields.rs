//! Materialization field selection as Flow's build checks it: a binding's `fields.require` goes to the
//! connector as field config, and the connector's constraints must allow what the binding selects. Shared by
//! `check` and whatever else builds materialization bindings.

use crate::model::{ConstraintType, ValidatedBinding};
use serde_json::{Map, Value};

/// `fields.require` (`{field: config}`) as the connector's `fieldConfig`.
pub fn field_config(fields: Option<&Value>) -> Map<String, Value> {
    fields
        .and_then(|f| f.get("require"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// What the binding selects that the connector refuses: required fields and key fields it forbids, and
/// excluded fields it requires. One line per problem, with the connector's reason.
pub fn problems(
    fields: Option<&Value>,
    key: &[String],
    validated: &ValidatedBinding,
) -> Vec<String> {
    let mut out = Vec::new();
    let required = field_config(fields);
    let key_fields = key
        .iter()
        .map(|p| crate::text::unescape_token(p.trim_start_matches('/')));
    let selected = required
        .keys()
        .map(|f| (f.clone(), "is required by `fields.require`"))
        .chain(key_fields.map(|f| (f, "is part of the collection key")));
    for (field, why) in selected {
        if let Some(c) = validated
            .constraints
            .get(&field)
            .filter(|c| c.kind.refuses())
        {
            out.push(format!(
                "field {field} {why}, but the connector says {}: {}",
                c.kind, c.reason
            ));
        }
    }
    let excluded = fields
        .and_then(|f| f.get("exclude"))
        .and_then(Value::as_array);
    for field in excluded.into_iter().flatten().filter_map(Value::as_str) {
        if let Some(c) = validated
            .constraints
            .get(field)
            .filter(|c| c.kind.is_required())
        {
            out.push(format!(
                "field {field} is excluded by `fields.exclude`, but the connector says {}: {}",
                c.kind, c.reason
            ));
        }
    }
    out
}

/// `2 required, 5 recommended, 3 optional, 1 forbidden; delta updates`.
pub fn summary(validated: &ValidatedBinding) -> String {
    let count = |f: fn(ConstraintType) -> bool| {
        validated.constraints.values().filter(|c| f(c.kind)).count()
    };
    let parts = [
        (count(ConstraintType::is_required), "required"),
        (count(ConstraintType::is_recommended), "recommended"),
        (count(ConstraintType::is_optional), "optional"),
        (count(ConstraintType::refuses), "refused"),
    ];
    let mut text: Vec<String> = parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
    if !text.is_empty() {
        let last = text.len() - 1;
        text[last].push_str(" fields");
    }
    if validated.delta_updates {
        text.push("delta updates".into());
    }
    text.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Constraint;
    use serde_json::json;

    fn validated(pairs: &[(&str, &str)]) -> ValidatedBinding {
        ValidatedBinding {
            resource_path: vec!["public".into(), "t".into()],
            constraints: pairs
                .iter()
                .map(|(f, k)| {
                    (
                        f.to_string(),
                        Constraint {
                            kind: k.parse().unwrap(),
                            reason: format!("because {f}"),
                            folded_field: None,
                        },
                    )
                })
                .collect(),
            delta_updates: false,
        }
    }

    #[test]
    fn forbidden_required_fields_and_excluded_required_ones_are_problems() {
        let v = validated(&[
            ("id", "LOCATION_REQUIRED"),
            ("bad", "FIELD_FORBIDDEN"),
            ("ok", "FIELD_OPTIONAL"),
        ]);
        let fields =
            json!({"recommended": true, "require": {"bad": {}, "ok": {}}, "exclude": ["id"]});
        let p = problems(Some(&fields), &["/id".into()], &v);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(
            p[0].contains("field bad is required by `fields.require`")
                && p[0].contains("FIELD_FORBIDDEN: because bad")
        );
        assert!(p[1].contains("field id is excluded") && p[1].contains("LOCATION_REQUIRED"));
        assert!(problems(None, &["/id".into()], &v).is_empty());
    }

    #[test]
    fn a_forbidden_key_is_a_problem() {
        let v = validated(&[("_meta/row_id", "INCOMPATIBLE")]);
        let p = problems(None, &["/_meta/row_id".into()], &v);
        assert!(p[0].contains("part of the collection key"), "{p:?}");
    }

    #[test]
    fn summaries_count_kinds() {
        let mut v = validated(&[
            ("a", "LOCATION_REQUIRED"),
            ("b", "LOCATION_RECOMMENDED"),
            ("c", "LOCATION_RECOMMENDED"),
            ("d", "FIELD_OPTIONAL"),
        ]);
        assert_eq!(summary(&v), "1 required, 2 recommended, 1 optional fields");
        v.delta_updates = true;
        v.constraints.clear();
        assert_eq!(summary(&v), "delta updates");
    }
}
