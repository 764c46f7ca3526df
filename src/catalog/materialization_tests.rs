//! Unit tests of `catalog::materialization`: resource prefill against real connectors' resource schemas
//! (the spec corpus), field choices as written, the task built and merged into an existing catalog.

use super::*;
use crate::catalog::types::ContentRef;
use crate::catalog::validate_catalog;

/// The resource schema of a corpus spec (`tests/fixtures/specs/estuary/<name>.json`).
fn corpus_resource_schema(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/specs/estuary")
        .join(format!("{name}.json"));
    let spec: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    spec["resourceConfigSchema"].clone()
}

const PLAIN: ResourceOptions = ResourceOptions {
    with_schema: false,
    delta_updates: false,
};

#[test]
fn postgres_gets_table_schema_and_delta_updates() {
    let schema = corpus_resource_schema("materialize-postgres");
    assert_eq!(
        resource_pointers(&schema),
        ResourcePointers {
            collection_name: Some("/table".into()),
            schema_name: Some("/schema".into()),
            delta_updates: Some("/delta_updates".into()),
        }
    );
    assert_eq!(
        resource_for("acmeCo/public/orders", &schema, &PLAIN),
        json!({"table": "orders", "delta_updates": false})
    );
    let both = ResourceOptions {
        with_schema: true,
        delta_updates: true,
    };
    assert_eq!(
        resource_for("acmeCo/public/orders", &schema, &both),
        json!({"table": "orders", "schema": "public", "delta_updates": true})
    );
    // Two segments: the schema is the prefix, as Estuary's withSchema naming gives.
    assert_eq!(
        resource_for("acmeCo/orders", &schema, &both)["schema"],
        json!("acmeCo")
    );
    // Flow's name characters are kept as they are.
    assert_eq!(
        resource_for("acmeCo/my-table.v2", &schema, &PLAIN)["table"],
        json!("my-table.v2")
    );
}

#[test]
fn corpus_specs_prefill_their_own_property_names_and_defaults() {
    let cases = [
        (
            "materialize-elasticsearch",
            json!({"index": "orders", "delta_updates": false}),
        ),
        (
            "materialize-sqlserver",
            json!({"table": "orders", "delta_updates": false}),
        ),
        (
            "materialize-mysql",
            json!({"table": "orders", "delta_updates": false}),
        ),
        (
            "materialize-databricks",
            json!({"table": "orders", "delta_updates": false}),
        ),
        (
            "materialize-motherduck",
            json!({"table": "orders", "delta_updates": false}),
        ),
        ("materialize-google-sheets", json!({"sheet": "orders"})),
        ("materialize-s3-parquet", json!({"path": "orders"})),
        ("materialize-pinecone", json!({"namespace": "orders"})),
        ("materialize-sns", json!({"topic_name": "orders"})),
        // No x-delta-updates: the connector's own default stays.
        (
            "materialize-s3-iceberg",
            json!({"table": "orders", "delta_updates": true}),
        ),
        // A required property with a default is written in.
        (
            "materialize-eventbridge",
            json!({"source": "orders", "detail_type": "Document Published"}),
        ),
    ];
    for (name, want) in cases {
        let schema = corpus_resource_schema(name);
        let got = resource_for("acmeCo/shop/orders", &schema, &PLAIN);
        assert_eq!(got, want, "{name}");
        let problems = crate::schema::validate(&schema, &got).unwrap();
        assert!(problems.is_empty(), "{name}: {problems:?}");
    }
}

#[test]
fn annotations_are_found_through_refs_and_nested_objects() {
    let schema = json!({
        "$defs": {"Res": {"type": "object", "required": ["t"], "properties": {
            "t": {"type": "string", "x-collection-name": true},
            "where": {"type": "object", "properties": {"ns": {"type": "string", "x-schema-name": true}}}
        }}},
        "$ref": "#/$defs/Res"
    });
    let p = resource_pointers(&schema);
    assert_eq!(p.collection_name.as_deref(), Some("/t"));
    assert_eq!(p.schema_name.as_deref(), Some("/where/ns"));
    let with_schema = ResourceOptions {
        with_schema: true,
        delta_updates: false,
    };
    assert_eq!(
        resource_for("a/b/c", &schema, &with_schema),
        json!({"t": "c", "where": {"ns": "b"}})
    );
    assert_eq!(resource_pointers(&json!(null)), ResourcePointers::default());
    assert_eq!(schema_name("single"), None);
}

#[test]
fn field_choices_round_trip() {
    assert_eq!(
        FieldChoices::new_binding().to_value(),
        json!({"recommended": 1})
    );
    let v = json!({"recommended": true, "require": {"a": {"x": 1}}, "exclude": ["b"], "groupBy": ["c"]});
    let c = FieldChoices::from_value(Some(&v)).unwrap();
    assert_eq!(c.recommended.depth(), u32::MAX);
    assert_eq!(c.to_value(), v);
    let old = FieldChoices::from_value(Some(&json!({"include": {"a": {}}}))).unwrap();
    assert!(old.require.contains_key("a"));
    assert_eq!(
        FieldChoices::from_value(None).unwrap(),
        FieldChoices::default()
    );
    let e = FieldChoices::from_value(Some(&json!({"exclude": "b"}))).unwrap_err();
    assert!(e.contains("fields.exclude"), "{e}");
    assert_eq!(Recommended::Bool(false).depth(), 0);
}

fn new_materialization(collections: &[&str]) -> NewMaterialization {
    NewMaterialization {
        name: "acmeCo/postgres".into(),
        endpoint: Endpoint::image(
            "ghcr.io/estuary/materialize-postgres:v1",
            ContentRef::Path("postgres.config.yaml".into()),
        ),
        imports: vec!["source-x.flow.yaml".into()],
        edit: false,
        bindings: collections
            .iter()
            .map(|c| NewBinding {
                collection: c.to_string(),
                resource: json!({"table": table_name(c)}),
                fields: FieldChoices::new_binding(),
                disable: c.ends_with("rejected"),
            })
            .collect(),
    }
}

#[test]
fn the_task_is_valid_flow() {
    let m = new_materialization(&["acmeCo/a", "acmeCo/rejected"]);
    let catalog = m.to_catalog();
    validate_catalog(&catalog).unwrap();
    let v = serde_json::to_value(&catalog).unwrap();
    assert_eq!(
        v["materializations"]["acmeCo/postgres"]["bindings"][0],
        json!({"resource": {"table": "a"}, "source": "acmeCo/a", "fields": {"recommended": 1}})
    );
    assert_eq!(
        v["materializations"]["acmeCo/postgres"]["bindings"][1]["disable"],
        json!(true)
    );
    assert_eq!(v["import"], json!(["source-x.flow.yaml"]));
}

#[test]
fn merging_keeps_the_files_bindings_and_adds_new_ones() {
    let first = merge_materialization(None, &new_materialization(&["acmeCo/a"]));
    assert_eq!(first.added, vec!["acmeCo/a"]);
    let mut old = first.catalog;
    // Hand edits: a resource renamed, a field excluded, a binding of a collection now gone.
    let def = old.materializations.get_mut("acmeCo/postgres").unwrap();
    def.bindings[0].resource = json!({"table": "a_renamed"});
    def.bindings[0].fields = Some(json!({"recommended": 1, "exclude": ["x"]}));
    let mut gone = def.bindings[0].clone();
    gone.source = json!("acmeCo/gone");
    def.bindings.push(gone);
    old.import.push("other.flow.yaml".into());

    let mut new = new_materialization(&["acmeCo/a", "acmeCo/b"]);
    new.endpoint = Endpoint::image(
        "ghcr.io/estuary/materialize-postgres:v2",
        ContentRef::Path("other.config.yaml".into()),
    );
    let m = merge_materialization(Some(old), &new);
    assert_eq!(m.added, vec!["acmeCo/b"]);
    assert_eq!(m.kept, vec!["acmeCo/a"]);
    assert_eq!(m.not_in_sources, vec!["acmeCo/gone"]);
    assert!(
        m.warnings.iter().any(|w| w.contains("acmeCo/gone")),
        "{:?}",
        m.warnings
    );
    assert!(
        m.warnings.iter().any(|w| w.contains("v2")),
        "{:?}",
        m.warnings
    );
    let def = &m.catalog.materializations["acmeCo/postgres"];
    assert_eq!(def.bindings[0].resource, json!({"table": "a_renamed"}));
    assert_eq!(def.bindings.len(), 3);
    assert_eq!(def.bindings[2].source, json!("acmeCo/b"));
    // The new image, the file's config reference.
    assert_eq!(
        def.endpoint.describe(),
        "ghcr.io/estuary/materialize-postgres:v2"
    );
    assert_eq!(
        def.endpoint.config(),
        Some(&ContentRef::Path("postgres.config.yaml".into()))
    );
    assert_eq!(
        m.catalog.import,
        vec!["source-x.flow.yaml", "other.flow.yaml"]
    );
    validate_catalog(&m.catalog).unwrap();
}
