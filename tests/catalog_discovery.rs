//! from_discovery and the files it plans: names, keys, schemas, validity against Flow's schema, scale.

mod catalog_support;

use catalog_support::{assert_valid, assert_valid_yaml, binding};
use catwalk::catalog::{self, ContentRef, Discovery, Endpoint, FileStatus};
use serde_json::json;

fn discovery(bindings: Vec<catwalk::model::DiscoveredBinding>) -> Discovery {
    Discovery::for_image(
        "acmeCo",
        "ghcr.io/estuary/source-hello:v1",
        bindings,
        vec!["/stream".into()],
    )
}

#[test]
fn first_discovery_writes_capture_collections_and_schemas() {
    let mut infer = binding("events");
    infer.document_schema = json!({"type": "object", "x-infer-schema": true,
        "properties": {"id": {"type": "integer"}}});
    let mut off = binding("some greetings!");
    off.disable = true;
    let files = catalog::from_discovery(discovery(vec![binding("orders"), infer, off]))
        .unwrap()
        .into_files();
    assert_eq!(files.flow_file, "source-hello.flow.yaml");
    let cat = &files.catalog;
    assert_valid(cat);

    let cap = &cat.captures["acmeCo/source-hello"];
    match &cap.endpoint {
        Endpoint::Connector(c) => {
            assert_eq!(c.image, "ghcr.io/estuary/source-hello:v1");
            assert_eq!(
                c.config,
                ContentRef::Path("source-hello.config.yaml".into())
            );
        }
        other => panic!("{other:?}"),
    }
    let targets: Vec<&str> = cap.bindings.iter().map(|b| b.target.as_str()).collect();
    assert_eq!(
        targets,
        ["acmeCo/orders", "acmeCo/events", "acmeCo/some_greetings"]
    );
    assert!(cap.bindings[2].disable && !cap.bindings[0].disable);

    let orders = &cat.collections["acmeCo/orders"];
    assert_eq!(orders.key, ["/id"]);
    assert_eq!(
        orders.schema,
        Some(ContentRef::Path("orders.schema.yaml".into()))
    );
    let events = &cat.collections["acmeCo/events"];
    assert_eq!(events.schema, None);
    assert_eq!(
        events.write_schema,
        Some(ContentRef::Path("events.schema.yaml".into()))
    );
    assert_eq!(
        events.read_schema,
        Some(ContentRef::Inline(catalog::inferred_read_schema()))
    );

    let paths: Vec<&str> = files.schemas.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "orders.schema.yaml",
            "events.schema.yaml",
            "some_greetings.schema.yaml"
        ]
    );
    assert_eq!(files.schemas[1].schema["x-infer-schema"], true);
}

#[test]
fn written_yaml_is_what_a_person_writes() {
    let files = catalog::from_discovery(discovery(vec![binding("orders")]))
        .unwrap()
        .into_files();
    let text = catalog::to_yaml(&files.catalog).unwrap();
    assert_valid_yaml(&text);
    let expected = "\
captures:
  acmeCo/source-hello:
    endpoint:
      connector:
        image: ghcr.io/estuary/source-hello:v1
        config: source-hello.config.yaml
    bindings:
    - resource:
        stream: orders
        syncMode: incremental
      target: acmeCo/orders
collections:
  acmeCo/orders:
    key:
    - /id
    schema: orders.schema.yaml
";
    assert_eq!(text, expected);
}

#[test]
fn local_endpoint_and_same_last_segment() {
    let mut d = discovery(vec![binding("public/orders"), binding("archive/orders")]);
    d.name = catalog::local_connector_name(&["./bin/source-hello.py".to_string()]);
    d.endpoint = Endpoint::local(
        vec!["./bin/source-hello.py".into()],
        [("LOG_LEVEL".to_string(), "debug".to_string())]
            .into_iter()
            .collect(),
        ContentRef::Path(catalog::config_file_name(&d.name)),
    );
    let files = catalog::from_discovery(d).unwrap().into_files();
    assert_valid(&files.catalog);
    assert!(
        files
            .catalog
            .captures
            .contains_key("acmeCo/source-hello.py")
    );
    let paths: Vec<&str> = files.schemas.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(paths, ["orders.schema.yaml", "orders_2.schema.yaml"]);
    let text = catalog::to_yaml(&files.catalog).unwrap();
    assert!(text.contains("LOG_LEVEL: debug"), "{text}");
    assert_valid_yaml(&text);
}

#[test]
fn unicode_names_and_fallback_keys_validate() {
    let mut b = binding("Größe/東京 データ");
    catalog_support::with_fallback_key(&mut b);
    let g = catalog::from_discovery(discovery(vec![b])).unwrap();
    assert_eq!(g.bindings[0].target, "acmeCo/Größe/東京_データ");
    assert_eq!(g.warnings.len(), 1);
    let files = g.into_files();
    assert_valid(&files.catalog);
    assert_eq!(files.schemas[0].path, "東京_データ.schema.yaml");
}

#[test]
fn ten_thousand_bindings() {
    let bindings: Vec<_> = (0..10_000)
        .map(|i| {
            // Every 100th name collides with an earlier one after normalisation.
            let name = if i % 100 == 99 {
                format!("table {}", i - 1)
            } else {
                format!("table_{i}")
            };
            let mut b = binding(&name);
            b.resource_config = json!({"stream": format!("s{i}")});
            b
        })
        .collect();
    let outcome = catalog::plan_discovery(
        &tempfile::tempdir().unwrap().path().join("acmeCo"),
        discovery(bindings),
    )
    .unwrap();
    let cat = &outcome.files.catalog;
    assert_eq!(cat.captures["acmeCo/source-hello"].bindings.len(), 10_000);
    assert_eq!(cat.collections.len(), 10_000);
    assert_eq!(outcome.files.schemas.len(), 10_000);
    assert_eq!(outcome.plan.files().len(), 10_001);
    assert_eq!(outcome.plan.count(FileStatus::New), 10_001);
    assert_eq!(outcome.report.added.len(), 10_000);
    assert_eq!(
        cat.captures["acmeCo/source-hello"].bindings[99].target,
        "acmeCo/table_98_2"
    );
    assert_valid(cat);
}
