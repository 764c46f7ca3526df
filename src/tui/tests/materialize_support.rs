//! Builders for the materialization flow's tests: the materialize fixture's resource schema and
//! constraints, catalogs' collections as the load task answers, and a wizard brought to each new step.

use super::flow_support::*;
use super::support::*;
use crate::model::{Constraint, ConstraintType, ValidatedBinding};
use crate::tui::materialization::{Loaded, Source};
use crate::tui::msg::{Candidate, Cmd, Msg, ReqId, TaskMsg, Verdict};
use crate::tui::state::{State, StepId};
use ratatui::crossterm::event::KeyCode;
use serde_json::{Value, json};
use std::sync::Arc;

/// The materialize fixture's resource schema (tests/fixtures/flow-fixture/src/materialize.rs).
pub fn resource_schema() -> Value {
    json!({
        "type": "object",
        "title": "Table",
        "required": ["table"],
        "properties": {
            "table": {"type": "string", "title": "Table", "minLength": 1, "x-collection-name": true,
                "description": "Name of the table to materialize the collection into."},
            "schema": {"type": "string", "title": "Schema", "x-schema-name": true,
                "description": "Schema of the table (default: the endpoint's schema)."},
            "delta_updates": {"type": "boolean", "title": "Delta updates", "default": false,
                "x-delta-updates": true, "description": "Append every document as a row."}
        }
    })
}

pub fn users_schema() -> Value {
    json!({
        "type": "object",
        "required": ["id"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": ["string", "null"]},
            "email": {"type": "string"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "address": {"type": "object", "properties": {"city": {"type": "string"}}},
            "forbidden_field": {"type": "string"},
            "incompatible_field": {"type": "string"}
        }
    })
}

/// Two catalogs' collections, as the load task answers (paths shown as under /home/ana/catalogs).
pub fn loaded() -> Loaded {
    let src = |name: &str, file: &str| Source {
        name: name.into(),
        key: vec!["/id".into()],
        write_schema: users_schema(),
        read_schema: None,
        file: format!("/home/ana/catalogs/{file}").into(),
    };
    Loaded {
        dir: "/home/ana/catalogs".into(),
        files: vec![
            "/home/ana/catalogs/source-postgres.flow.yaml".into(),
            "/home/ana/catalogs/shop.flow.yaml".into(),
        ],
        collections: vec![
            src("acmeCo/public/orders", "source-postgres.flow.yaml"),
            src("acmeCo/public/users", "source-postgres.flow.yaml"),
            src("acmeCo/shop/carts", "shop.flow.yaml"),
        ],
        problems: Vec::new(),
    }
}

pub fn load_id(cmds: &[Cmd]) -> ReqId {
    id_of(cmds, "LoadCatalogs", |c| match c {
        Cmd::LoadCatalogs { id, .. } => Some(*id),
        _ => None,
    })
}

pub fn validate_of(cmds: &[Cmd]) -> (ReqId, Vec<Candidate>) {
    cmds.iter()
        .rev()
        .find_map(|c| match c {
            Cmd::ValidateMaterialization { id, candidates, .. } => {
                Some((*id, (**candidates).clone()))
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("no ValidateMaterialization in {cmds:?}"))
}

/// Step 5 passed for a materialization connector (the fixture's resource schema): Enter goes to the
/// collections, which asks for the catalogs to be read.
pub fn to_collections_loading(w: u16, h: u16) -> (State, ReqId) {
    let (mut s, cmds) = to_check(w, h);
    send(
        &mut s,
        [Msg::Task(check_id(&cmds), TaskMsg::Checked(Ok(())))],
    );
    if let Some(o) = s.spec.outcome.as_mut() {
        o.kind = crate::model::ConnectorKind::Materialize;
        o.spec.kind = crate::model::ConnectorKind::Materialize;
        o.spec.resource_config_schema = resource_schema();
    }
    let screen = render(&s);
    assert!(screen.contains("goes on to the collections"), "{screen}");
    // The help bar names the flow's next step too.
    assert!(
        screen.contains(" Enter collections  r check again"),
        "{screen}"
    );
    assert!(!screen.contains("bindings"), "{screen}");
    let cmds = send(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(s.step, StepId::Collections, "{}", render(&s));
    (s, load_id(&cmds))
}

/// The collections listed (all three selected).
pub fn to_collections(w: u16, h: u16) -> State {
    let (mut s, id) = to_collections_loading(w, h);
    send(
        &mut s,
        [Msg::Task(
            id,
            TaskMsg::CatalogsLoaded(Ok(Arc::new(loaded()))),
        )],
    );
    s
}

/// Constraints as the materialize fixture gives them for `users_schema`.
pub fn validated_binding(table: &str) -> ValidatedBinding {
    let c = |kind, reason: &str| Constraint {
        kind,
        reason: reason.into(),
        folded_field: None,
    };
    use ConstraintType::*;
    let constraints = [
        ("flow_document", c(LocationRequired, "The root document must be materialized")),
        ("flow_published_at", c(LocationRecommended, "Top-level locations with a single scalar type are materialized by default")),
        ("id", c(LocationRequired, "All locations that are part of the collection key are required")),
        ("name", c(FieldOptional, "The field has several types (or none) and would be materialized as JSON")),
        ("email", c(LocationRecommended, "Top-level locations with a single scalar type are materialized by default")),
        ("tags", c(FieldOptional, "Object and array fields can be materialized as JSON columns")),
        ("address", c(FieldOptional, "Object and array fields can be materialized as JSON columns")),
        ("address/city", c(FieldOptional, "Nested locations can be materialized, but are not by default")),
        ("forbidden_field", c(FieldForbidden, "The fixture forbids fields named forbidden_field")),
        ("incompatible_field", c(Incompatible, "The (pretend) existing column incompatible_field has a type that cannot hold this field")),
    ]
    .into_iter()
    .map(|(f, c)| (f.to_string(), c))
    .collect();
    ValidatedBinding {
        resource_path: vec!["public".into(), table.into()],
        constraints,
        delta_updates: false,
    }
}

/// The resources of two collections (orders and users) settled: validate runs.
pub fn to_fields_validating(w: u16, h: u16) -> (State, Vec<Cmd>) {
    let mut s = to_collections(w, h);
    // Only the public ones.
    send(&mut s, [key(KeyCode::End), ch(' ')]);
    send(&mut s, [ctrl('n')]);
    assert_eq!(s.step, StepId::Resources, "{}", render(&s));
    send(&mut s, [ctrl('n')]);
    let cmds = send(&mut s, [ctrl('n')]);
    assert_eq!(s.step, StepId::Fields, "{}", render(&s));
    (s, cmds)
}

/// The fields of the first binding shown.
pub fn to_fields(w: u16, h: u16) -> State {
    let (mut s, cmds) = to_fields_validating(w, h);
    answer_validate(&mut s, &cmds);
    s
}

/// Answer the validate among `cmds`: every candidate accepted, with the fixture's constraints for its
/// table and Flow's selection of them.
pub fn answer_validate(s: &mut State, cmds: &[Cmd]) {
    let (id, candidates) = validate_of(cmds);
    let verdicts: Vec<Verdict> = candidates
        .iter()
        .map(|c| {
            let validated = validated_binding(c.resource["table"].as_str().unwrap());
            let selection = crate::ops::fields::select(&c.collection, &validated, &c.fields);
            Verdict::Accepted {
                validated,
                selection,
            }
        })
        .collect();
    send(
        s,
        [Msg::Task(
            id,
            TaskMsg::MaterializationValidated(Ok(Box::new(verdicts))),
        )],
    );
}
