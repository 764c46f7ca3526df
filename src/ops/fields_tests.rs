//! Unit tests of Flow's field selection (`ops::fields`): every constraint type, the depth rules, the
//! person's choices and their conflicts.

use super::*;
use crate::catalog::materialization::Recommended;
use crate::model::Constraint;
use serde_json::json;

/// A collection with a scalar key, scalars, an array, an object, and fields the test connector refuses.
fn people() -> CollectionSpec {
    CollectionSpec {
        name: "acmeCo/people".into(),
        key: vec!["/id".into()],
        write_schema: json!({
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "email": {"type": ["string", "null"]},
                "tags": {"type": "array"},
                "address": {"type": ["object", "null"]},
                "bad": {"type": "string"},
                "old": {"type": "string"}
            },
            "required": ["id", "name"]
        }),
        read_schema: None,
    }
}

/// Constraints as Estuary's SQL materializations give them for a new binding.
fn estuary_like(extra: &[(&str, &str)]) -> ValidatedBinding {
    let mut pairs = vec![
        ("id", "LOCATION_REQUIRED"),
        ("name", "LOCATION_RECOMMENDED"),
        ("email", "LOCATION_RECOMMENDED"),
        ("tags", "FIELD_OPTIONAL"),
        ("address", "FIELD_OPTIONAL"),
        ("flow_document", "LOCATION_REQUIRED"),
        ("flow_published_at", "LOCATION_RECOMMENDED"),
    ];
    pairs.extend_from_slice(extra);
    ValidatedBinding {
        resource_path: vec!["public".into(), "people".into()],
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

fn row<'a>(s: &'a Selection, field: &str) -> &'a FieldRow {
    s.fields.iter().find(|r| r.field == field).unwrap()
}

#[test]
fn a_new_binding_selects_the_key_the_document_and_top_level_fields() {
    let v = estuary_like(&[("bad", "FIELD_FORBIDDEN"), ("old", "INCOMPATIBLE")]);
    let s = select(&people(), &v, &FieldChoices::new_binding()).unwrap();
    assert_eq!(s.keys, vec!["id"]);
    assert_eq!(s.document.as_deref(), Some("flow_document"));
    assert_eq!(
        s.values,
        vec!["address", "email", "flow_published_at", "name", "tags"]
    );
    assert_eq!(row(&s, "id").reason, Reason::GroupByKey);
    assert_eq!(
        row(&s, "flow_document").reason,
        Reason::ConnectorRequiresLocation
    );
    assert_eq!(row(&s, "flow_published_at").reason, Reason::CoreMetadata);
    assert_eq!(row(&s, "name").reason, Reason::DesiredDepth);
    assert_eq!(row(&s, "bad").reason, Reason::ConnectorForbids);
    assert_eq!(row(&s, "old").reason, Reason::ConnectorIncompatible);
    assert!(!row(&s, "bad").selected && !row(&s, "old").selected);
    assert_eq!(row(&s, "email").type_label(), "string?");
    assert_eq!(row(&s, "bad").constraint_label(), "FIELD_FORBIDDEN");
    assert!(row(&s, "name").can_toggle());
    assert!(!row(&s, "id").can_toggle() && !row(&s, "bad").can_toggle());
    assert_eq!(
        s.summary(),
        "keys: id; values: address, email, flow_published_at, name, tags; document: flow_document"
    );
}

#[test]
fn a_field_the_connector_leaves_out_is_forbidden() {
    let mut v = estuary_like(&[]);
    v.constraints.remove("email");
    let s = select(&people(), &v, &FieldChoices::new_binding()).unwrap();
    assert_eq!(row(&s, "email").reason, Reason::ConnectorOmits);
    assert!(!s.values.contains(&"email".to_string()));
    assert_eq!(row(&s, "email").constraint_label(), "(none)");
}

#[test]
fn recommended_off_selects_only_what_is_required() {
    let mut choices = FieldChoices::new_binding();
    choices.recommended = Recommended::Bool(false);
    let s = select(&people(), &estuary_like(&[]), &choices).unwrap();
    assert_eq!(s.keys, vec!["id"]);
    assert!(s.values.is_empty(), "{:?}", s.values);
    assert_eq!(s.document.as_deref(), Some("flow_document"));
    assert_eq!(row(&s, "name").reason, Reason::NotRecommended);
}

#[test]
fn delta_updates_leave_the_document_out_unless_required() {
    let v = estuary_like(&[("flow_document", "LOCATION_RECOMMENDED")]);
    let s = select(&people(), &v, &FieldChoices::new_binding()).unwrap();
    assert_eq!(s.document, None);
    assert_eq!(row(&s, "flow_document").reason, Reason::DocumentNotRequired);
}

#[test]
fn field_required_is_selected_whatever_the_depth() {
    let v = estuary_like(&[("tags", "FIELD_REQUIRED")]);
    let mut choices = FieldChoices::new_binding();
    choices.recommended = Recommended::Depth(0);
    let s = select(&people(), &v, &choices).unwrap();
    assert_eq!(row(&s, "tags").reason, Reason::ConnectorRequires);
    assert_eq!(s.values, vec!["tags"]);
}

#[test]
fn the_persons_require_and_exclude_are_honoured() {
    let mut choices = FieldChoices::new_binding();
    choices.recommended = Recommended::Bool(false);
    choices.require.insert("tags".into(), json!({}));
    choices.exclude.push("email".into());
    let s = select(&people(), &estuary_like(&[]), &choices).unwrap();
    assert_eq!(s.values, vec!["tags"]);
    assert_eq!(row(&s, "tags").reason, Reason::UserRequires);
    assert_eq!(row(&s, "email").reason, Reason::UserExcludes);

    // Toggling: a selected field is excluded, an unselected one required.
    let mut choices = FieldChoices::new_binding();
    let s = select(&people(), &estuary_like(&[]), &choices).unwrap();
    toggle(&mut choices, row(&s, "name")).unwrap();
    assert_eq!(choices.exclude, vec!["name"]);
    let s = select(&people(), &estuary_like(&[]), &choices).unwrap();
    assert!(!row(&s, "name").selected);
    toggle(&mut choices, row(&s, "name")).unwrap();
    assert!(choices.exclude.is_empty() && choices.require.contains_key("name"));
    let e = toggle(&mut choices, row(&s, "id")).unwrap_err();
    assert!(e.contains("field id cannot be changed"), "{e}");
}

#[test]
fn conflicts_name_the_field_and_the_connectors_reason() {
    let v = estuary_like(&[("bad", "FIELD_FORBIDDEN"), ("tags", "FIELD_REQUIRED")]);
    let mut choices = FieldChoices::new_binding();
    choices.require.insert("bad".into(), json!({}));
    choices.exclude.push("tags".into());
    choices.exclude.push("flow_document".into());
    choices.exclude.push("id".into());
    choices.require.insert("nope".into(), json!({}));
    let e = select(&people(), &v, &choices).unwrap_err();
    let text = e.to_string();
    let fields: Vec<&str> = e.conflicts.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(
        fields,
        vec!["nope", "id", "tags", "bad", "flow_document"],
        "{text}"
    );
    assert!(
        text.contains(
            "field bad is required by `fields.require`, but the connector says FIELD_FORBIDDEN: because bad"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "field tags is excluded by `fields.exclude`, but the connector says FIELD_REQUIRED"
        ),
        "{text}"
    );
    assert!(text.contains("field id is excluded"), "{text}");
    assert!(
        text.contains("field flow_document is excluded")
            && text.contains("LOCATION_REQUIRED: because flow_document"),
        "{text}"
    );
    assert!(
        text.contains("collection acmeCo/people has no such field"),
        "{text}"
    );
    // The selection as far as it goes is still there, for a table.
    assert!(!e.selection.fields.is_empty());
}

#[test]
fn a_forbidden_key_is_a_conflict() {
    let c = CollectionSpec {
        name: "acmeCo/events".into(),
        key: vec!["/_meta/row_id".into()],
        write_schema: json!({"type": "object", "properties": {"msg": {"type": "string"},
            "_meta": {"type": "object", "properties": {"row_id": {"type": "integer"}}}}}),
        read_schema: None,
    };
    let mut v = estuary_like(&[
        ("_meta/row_id", "INCOMPATIBLE"),
        ("msg", "LOCATION_RECOMMENDED"),
    ]);
    let e = select(&c, &v, &FieldChoices::new_binding()).unwrap_err();
    assert!(
        e.to_string().contains(
            "field _meta/row_id is part of the collection key, but the connector says INCOMPATIBLE"
        ),
        "{e}"
    );
    // Allowed, the nested key is the key; `_meta` itself is Flow's metadata, not selected by depth.
    v.constraints.get_mut("_meta/row_id").unwrap().kind = ConstraintType::LocationRequired;
    v.constraints.insert(
        "_meta".into(),
        Constraint {
            kind: ConstraintType::FieldOptional,
            reason: "object".into(),
            folded_field: None,
        },
    );
    let s = select(&c, &v, &FieldChoices::new_binding()).unwrap();
    assert_eq!(s.keys, vec!["_meta/row_id"]);
    assert_eq!(s.values, vec!["flow_published_at", "msg"]);
    assert_eq!(row(&s, "_meta").reason, Reason::Metadata);
}

#[test]
fn depth_two_prefers_nested_fields_and_covers_their_objects() {
    let c = CollectionSpec {
        name: "acmeCo/nested".into(),
        key: vec!["/id".into(), "/a/b".into()],
        write_schema: json!({"type": "object", "required": ["id", "a"], "properties": {
            "id": {"type": "string"},
            "a": {"type": "object", "required": ["b"], "properties": {"b": {"type": "string"}}}}}),
        read_schema: None,
    };
    let v = estuary_like(&[
        ("id", "LOCATION_REQUIRED"),
        ("a", "FIELD_OPTIONAL"),
        ("a/b", "LOCATION_REQUIRED"),
    ]);
    let mut choices = FieldChoices::new_binding();
    choices.recommended = Recommended::Depth(2);
    let s = select(&c, &v, &choices).unwrap();
    assert_eq!(s.keys, vec!["id", "a/b"]);
    assert_eq!(row(&s, "a").reason, Reason::CoveredLocation);
    assert!(!s.values.contains(&"a".to_string()), "{:?}", s.values);

    // Required by the person, `a` is selected, and holds `a/b`... which is still the key.
    let mut choices = FieldChoices::new_binding();
    choices.require.insert("a".into(), json!({}));
    let s = select(&c, &v, &choices).unwrap();
    assert!(s.values.contains(&"a".to_string()));
}

#[test]
fn group_by_replaces_the_collection_key() {
    let mut choices = FieldChoices::new_binding();
    choices.group_by = vec!["email".into(), "name".into()];
    let s = select(&people(), &estuary_like(&[]), &choices).unwrap();
    assert_eq!(s.keys, vec!["email", "name"]);
    assert!(s.values.contains(&"id".to_string()), "{:?}", s.values);
}

#[test]
fn folded_duplicates_are_left_out() {
    let mut v = estuary_like(&[]);
    v.constraints.get_mut("email").unwrap().folded_field = Some("name".into());
    let s = select(&people(), &v, &FieldChoices::new_binding()).unwrap();
    let dup = s
        .fields
        .iter()
        .filter(|r| r.reason == Reason::DuplicateFold)
        .count();
    assert_eq!(dup, 1, "{:?}", s.fields);
}

#[test]
fn problems_for_check_read_the_catalog_fields() {
    let v = estuary_like(&[("bad", "FIELD_FORBIDDEN")]);
    let fields = json!({"recommended": true, "require": {"bad": {}}, "exclude": ["id"]});
    let p = problems(Some(&fields), &people(), &v);
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(
        p.iter()
            .any(|p| p.contains("field bad is required by `fields.require`"))
    );
    assert!(problems(None, &people(), &v).is_empty());
    let p = problems(Some(&json!({"recommended": "yes"})), &people(), &v);
    assert!(p[0].contains("fields.recommended"), "{p:?}");
    assert_eq!(
        field_config(Some(&json!({"include": {"a": {"x": 1}}})))["a"],
        json!({"x": 1})
    );
}

#[test]
fn summaries_count_kinds() {
    let mut v = estuary_like(&[]);
    v.constraints
        .retain(|f, _| ["id", "name", "email", "tags"].contains(&f.as_str()));
    assert_eq!(summary(&v), "1 required, 2 recommended, 1 optional fields");
    v.delta_updates = true;
    v.constraints.clear();
    assert_eq!(summary(&v), "delta updates");
}

#[test]
fn nested_fields_are_projected_and_selected_by_depth() {
    let c = CollectionSpec {
        name: "acmeCo/people".into(),
        key: vec!["/id".into()],
        write_schema: json!({"type": "object", "required": ["id"], "properties": {
            "id": {"type": "integer"},
            "address": {"type": "object", "properties": {"city": {"type": "string"}, "zip": {"type": "string"}}}}}),
        read_schema: None,
    };
    let v = estuary_like(&[
        ("address", "FIELD_OPTIONAL"),
        ("address/city", "FIELD_OPTIONAL"),
        ("address/zip", "FIELD_OPTIONAL"),
    ]);
    let s = select(&c, &v, &FieldChoices::new_binding()).unwrap();
    assert_eq!(s.values, vec!["address", "flow_published_at"]);
    assert_eq!(row(&s, "address/city").reason, Reason::BeyondDepth);
    assert_eq!(row(&s, "address/city").ptr, "/address/city");

    let mut deeper = FieldChoices::new_binding();
    deeper.recommended = Recommended::Depth(2);
    let s = select(&c, &v, &deeper).unwrap();
    assert_eq!(
        s.values,
        vec!["address/city", "address/zip", "flow_published_at"]
    );
    assert_eq!(row(&s, "address").reason, Reason::CoveredLocation);

    // Required by the person, the object holds its fields: they are not selected again.
    deeper.require.insert("address".into(), json!({}));
    let s = select(&c, &v, &deeper).unwrap();
    assert_eq!(s.values, vec!["address", "flow_published_at"]);
    assert_eq!(row(&s, "address/zip").reason, Reason::CoveredLocation);
}
