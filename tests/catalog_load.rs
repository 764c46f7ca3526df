//! Loading catalogs for `catwalk check --source F`: imports (with cycles), configs and schemas named by
//! relative paths, sops detection, and errors that name the file and line.

use catwalk::catalog::{self, ContentRef, LoadError};
use catwalk::model::ConnectorKind;
use serde_json::json;
use std::fs;
use std::path::Path;

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "flow.yaml",
        "import:\n  - acmeCo/source-x.flow.yaml\n  - materialize/m.flow.yaml\n",
    );
    write(
        d,
        "acmeCo/source-x.flow.yaml",
        "import: [../flow.yaml]\n\
         captures:\n  acmeCo/source-x:\n    endpoint:\n      connector:\n        image: ghcr.io/estuary/source-x:v1\n        \
         config: source-x.config.yaml\n    bindings:\n      - resource: {stream: a}\n        target: acmeCo/a\n      \
         - resource: {stream: b}\n        target: acmeCo/b\n        disable: true\n      \
         - resource: {stream: c}\n        target: elsewhere/c\n\
         collections:\n  acmeCo/a:\n    key: [/id]\n    schema: schemas/a.schema.yaml\n  \
         acmeCo/b:\n    key: [/id]\n    writeSchema: defs.json#/$defs/b\n    \
         readSchema: {allOf: [{$ref: flow://write-schema}, {$ref: flow://inferred-schema}]}\n",
    );
    write(d, "acmeCo/source-x.config.yaml", "host: db\nport: 5432\n");
    write(
        d,
        "acmeCo/schemas/a.schema.yaml",
        "type: object\nproperties: {id: {type: integer}}\n",
    );
    write(
        d,
        "acmeCo/defs.json",
        r#"{"$defs": {"b": {"type": "object", "x-infer-schema": true}}}"#,
    );
    write(
        d,
        "materialize/m.flow.yaml",
        "import: [../acmeCo/source-x.flow.yaml]\n\
         materializations:\n  acmeCo/m:\n    endpoint:\n      local:\n        command: [./m]\n        config: m.config.json\n    \
         bindings:\n      - {resource: {table: a}, source: acmeCo/a}\n      \
         - {resource: {table: b}, source: {name: acmeCo/b}, fields: {recommended: true}}\n",
    );
    write(
        d,
        "materialize/m.config.json",
        r#"{"password_sops": "ENC[...]", "sops": {"version": "3"}}"#,
    );
    dir
}

#[test]
fn loads_imports_configs_and_schemas() {
    let dir = project();
    let d = dir.path();
    let cat = catalog::load(&d.join("flow.yaml")).unwrap();
    assert_eq!(
        cat.files.len(),
        3,
        "each file once, despite the cycle: {:?}",
        cat.files
    );

    assert_eq!(cat.captures.len(), 1);
    let cap = &cat.captures[0];
    assert_eq!(cap.name, "acmeCo/source-x");
    assert_eq!(cap.kind, ConnectorKind::Capture);
    assert_eq!(cap.config, json!({"host": "db", "port": 5432}));
    assert_eq!(
        cap.config_file.as_deref(),
        Some(d.join("acmeCo/source-x.config.yaml").as_path())
    );
    assert!(!cap.has_sops);
    assert!(cap.file.ends_with("acmeCo/source-x.flow.yaml"));
    assert_eq!(cap.bindings.len(), 3);
    let a = cap.bindings[0].collection.as_ref().unwrap();
    assert_eq!(a.key, ["/id"]);
    assert_eq!(a.write_schema["properties"]["id"]["type"], "integer");
    assert!(a.read_schema.is_none());
    assert!(cap.bindings[1].disable);
    let b = cap.bindings[1].collection.as_ref().unwrap();
    assert_eq!(b.write_schema["x-infer-schema"], true);
    assert_eq!(
        b.read_schema.as_ref().unwrap()["allOf"][0]["$ref"],
        "flow://write-schema"
    );
    assert_eq!(cap.bindings[2].collection_name, "elsewhere/c");
    assert!(cap.bindings[2].collection.is_none());

    let m = &cat.materializations[0];
    assert_eq!(m.kind, ConnectorKind::Materialize);
    assert!(m.has_sops);
    assert!(matches!(m.endpoint.config(), Some(ContentRef::Path(p)) if p == "m.config.json"));
    assert_eq!(m.bindings[1].collection_name, "acmeCo/b");
    assert!(m.bindings[1].collection.is_some());
}

#[test]
fn inline_config_and_schema() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "one.flow.json",
        r#"{"captures": {"a/c": {"endpoint": {"connector": {"image": "i", "config": {"k": "v", "sops": null}}},
            "bindings": [{"resource": {}, "target": "a/x"}]}},
           "collections": {"a/x": {"key": ["/id"], "schema": {"type": "object"}}}}"#,
    );
    let cat = catalog::load(&dir.path().join("one.flow.json")).unwrap();
    let cap = &cat.captures[0];
    assert_eq!(cap.config, json!({"k": "v", "sops": null}));
    assert!(!cap.has_sops, "a null sops key is not sops");
    assert!(cap.config_file.is_none());
    assert_eq!(
        cap.bindings[0].collection.as_ref().unwrap().write_schema,
        json!({"type": "object"})
    );
}

#[test]
fn yaml_syntax_error_has_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "flow.yaml", "import: [bad.flow.yaml]\n");
    write(
        dir.path(),
        "bad.flow.yaml",
        "captures:\n  a/b:\n    endpoint: {connector: {image: x\n    bindings: []\n",
    );
    let err = catalog::load(&dir.path().join("flow.yaml")).unwrap_err();
    match &err {
        LoadError::Parse {
            path, line, column, ..
        } => {
            assert!(path.ends_with("bad.flow.yaml"));
            assert!(*line >= 3 && *column > 0, "{err}");
        }
        other => panic!("{other}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains("bad.flow.yaml:") && msg.contains("fix the file"),
        "{msg}"
    );
}

#[test]
fn wrong_shapes_are_reported_with_a_line() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "f.flow.yaml",
        "collections:\n  a/b:\n    key: /id\n    schema: {}\n",
    );
    let err = catalog::load(&dir.path().join("f.flow.yaml")).unwrap_err();
    assert!(matches!(err, LoadError::Parse { line: 3, .. }), "{err}");

    write(
        dir.path(),
        "g.flow.yaml",
        "captures:\n  a/b:\n    endpoint: {docker: {}}\n    bindings: []\n",
    );
    let err = catalog::load(&dir.path().join("g.flow.yaml")).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("exactly one of `connector`") && msg.contains("`docker`"),
        "{msg}"
    );
    assert!(
        matches!(err, LoadError::Parse { line, .. } if line > 0),
        "{msg}"
    );

    write(dir.path(), "h.json", "{\"captures\": {\n  \"a\": 1,\n}}");
    let err = catalog::load(&dir.path().join("h.json")).unwrap_err();
    assert!(matches!(err, LoadError::Parse { line: 2 | 3, .. }), "{err}");
}

#[test]
fn missing_files_say_who_named_them() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "flow.yaml", "import: [nope.flow.yaml]\n");
    let err = catalog::load(&dir.path().join("flow.yaml")).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("nope.flow.yaml") && msg.contains("imported by"),
        "{msg}"
    );

    write(
        dir.path(),
        "c.flow.yaml",
        "captures:\n  a/c:\n    endpoint: {connector: {image: i, config: missing.config.yaml}}\n    bindings: []\n",
    );
    let err = catalog::load(&dir.path().join("c.flow.yaml")).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("missing.config.yaml") && msg.contains("config of `a/c`"),
        "{msg}"
    );

    let err = catalog::load(&dir.path().join("absent.flow.yaml")).unwrap_err();
    assert!(matches!(err, LoadError::NotFound { .. }), "{err}");
}

#[test]
fn duplicate_definitions_across_files() {
    let dir = tempfile::tempdir().unwrap();
    let coll = "collections:\n  a/x:\n    key: [/id]\n    schema: {}\n";
    write(
        dir.path(),
        "one.flow.yaml",
        &format!("import: [two.flow.yaml]\n{coll}"),
    );
    write(dir.path(), "two.flow.yaml", coll);
    let err = catalog::load(&dir.path().join("one.flow.yaml")).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("a/x") && msg.contains("one.flow.yaml") && msg.contains("two.flow.yaml"),
        "{msg}"
    );
}

#[test]
fn http_imports_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "flow.yaml",
        "import: [https://example.com/x.flow.yaml]\n",
    );
    let err = catalog::load(&dir.path().join("flow.yaml")).unwrap_err();
    assert!(matches!(err, LoadError::Unsupported { .. }), "{err}");
}

#[test]
fn a_written_discovery_loads_back() {
    let dir = tempfile::tempdir().unwrap();
    let d = catalog::Discovery::for_image(
        "acmeCo",
        "ghcr.io/estuary/source-x:v1",
        vec![catwalk::model::DiscoveredBinding {
            recommended_name: "orders".into(),
            resource_config: json!({"stream": "orders"}),
            document_schema: json!({"type": "object", "description": "multi\nline",
                "properties": {"id": {"type": "integer"}}}),
            key: vec!["/id".into()],
            disable: false,
            is_fallback_key: false,
            resource_path: vec![],
            read_modes: None,
        }],
        vec!["/stream".into()],
    );
    let out = catalog::plan_discovery(dir.path(), d).unwrap();
    out.plan.write_all().unwrap();
    catalog::write_atomic(
        &dir.path().join("source-x.config.yaml"),
        b"a: 1\n",
        catalog::WriteMode::CreateNew,
        Some(0o600),
    )
    .unwrap();
    let cat = catalog::load(&out.flow_file).unwrap();
    let b = &cat.captures[0].bindings[0];
    assert_eq!(
        b.collection.as_ref().unwrap().write_schema["description"],
        "multi\nline"
    );
}
