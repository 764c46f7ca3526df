//! Materializations in Docker: `catwalk-test/materialize-fixture:local` (the flow-fixture in its
//! materialize role, labelled `FLOW_RUNTIME_PROTOCOL=materialize`), built by scripts/test-deps. The runtime
//! (kind from the label, spec, validate, failures) and the `catwalk` binary (`spec`, `discover` refusing it,
//! `check` of a catalog with the capture fixture image and a materialization of its collections). After each
//! test no container of ours may remain.

mod support;

use catwalk::connector::{Connector, Endpoint, Options};
use catwalk::model::{CollectionSpec, ConnectorKind, Protocol, ValidateBinding, ValidateRequest};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// Docker tests share the engine and assert on its containers: one at a time (nextest groups them too).
static ENGINE: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn lock() -> std::sync::MutexGuard<'static, ()> {
    ENGINE.lock().unwrap_or_else(|e| e.into_inner())
}

/// A valid materialize endpoint config, patched.
fn config(patch: Value) -> Value {
    let mut config =
        json!({"address": "db.example.com:5432", "user": "flow", "password": "secret"});
    for (k, v) in patch.as_object().unwrap() {
        config[k] = v.clone();
    }
    config
}

fn collection(name: &str, key: &str, properties: Value, required: &[&str]) -> CollectionSpec {
    CollectionSpec {
        name: name.into(),
        key: vec![key.into()],
        write_schema: json!({"type": "object", "properties": properties, "required": required}),
        read_schema: None,
    }
}

fn two_bindings(config: Value) -> ValidateRequest {
    let people = collection(
        "acmeCo/people",
        "/id",
        json!({
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "payload": {"type": "object"},
            "history": {"type": "array"},
            "forbidden_field": {"type": "string"}
        }),
        &["id"],
    );
    let orders = collection(
        "acmeCo/orders",
        "/order_id",
        json!({"order_id": {"type": "string"}, "total": {"type": ["number", "null"]}}),
        &["order_id"],
    );
    ValidateRequest {
        name: "acmeCo/warehouse".into(),
        config,
        bindings: vec![
            ValidateBinding {
                field_config: Default::default(),
                resource_config: json!({"table": "people", "schema": "crm"}),
                collection: people,
                backfill: 0,
            },
            ValidateBinding {
                field_config: Default::default(),
                resource_config: json!({"table": "orders", "delta_updates": true}),
                collection: orders,
                backfill: 0,
            },
        ],
    }
}

#[test]
fn image_runtime_spec_validate_and_failure() {
    // A std Mutex guards the engine for the sync binary tests too; hold it outside the async body.
    let _engine = lock();
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(runtime_spec_validate_and_failure());
    support::assert_no_catwalk_containers();
}

async fn runtime_spec_validate_and_failure() {
    let c = Connector::open(
        Endpoint::Image(support::materialize_fixture_image().into()),
        Options::default(),
    )
    .await
    .unwrap();
    assert_eq!(c.protocol(), Protocol::Flow);
    assert_eq!(
        c.kind(),
        ConnectorKind::Materialize,
        "kind comes from the FLOW_RUNTIME_PROTOCOL=materialize label"
    );

    // The image has no codec label and the fixture refuses to run without FLOW_RUNTIME_CODEC=json: a spec
    // answer proves the runtime passed the env to a materialization too.
    let spec = c.spec().await.unwrap();
    assert_eq!(spec.kind, ConnectorKind::Materialize);
    assert!(
        spec.resource_path_pointers.is_empty(),
        "{:?}",
        spec.resource_path_pointers
    );
    assert_eq!(
        spec.resource_config_schema["properties"]["table"]["x-collection-name"],
        json!(true)
    );
    assert_eq!(spec.resource_config_schema["required"], json!(["table"]));

    let v = c.validate(&two_bindings(config(json!({})))).await.unwrap();
    assert_eq!(v.bindings.len(), 2);
    let people = &v.bindings[0].constraints;
    let kind = |field: &str| people[field].kind.as_str();
    assert_eq!(kind("id"), "LOCATION_REQUIRED", "key");
    assert_eq!(kind("name"), "LOCATION_RECOMMENDED", "top-level scalar");
    assert_eq!(kind("payload"), "FIELD_OPTIONAL", "object");
    assert_eq!(kind("history"), "FIELD_OPTIONAL", "array");
    assert_eq!(kind("forbidden_field"), "FIELD_FORBIDDEN");
    assert_eq!(kind("flow_document"), "LOCATION_REQUIRED", "the document");
    assert_eq!(kind("flow_published_at"), "FIELD_OPTIONAL", "nested");
    assert_eq!(people.len(), 7);
    assert!(people.values().all(|c| !c.reason.is_empty()));
    assert_eq!(v.bindings[0].resource_path, vec!["crm", "people"]);
    assert!(!v.bindings[0].delta_updates);
    let orders = &v.bindings[1];
    assert_eq!(
        orders.constraints["order_id"].kind.as_str(),
        "LOCATION_REQUIRED"
    );
    assert_eq!(
        orders.constraints["total"].kind.as_str(),
        "LOCATION_RECOMMENDED"
    );
    assert_eq!(orders.resource_path, vec!["public", "orders"]);
    assert!(orders.delta_updates);

    let failing = config(
        json!({"mode": {"kind": "fail_check", "message": "could not connect to db.example.com:5432"}}),
    );
    let msg = c
        .validate(&two_bindings(failing))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("could not connect to db.example.com:5432"),
        "{msg}"
    );
    assert!(msg.contains("exit code 1"), "{msg}");
}

// ------------------------------------------------------------------------------------------------
// The binary

fn write_yaml(path: &Path, value: &Value) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, serde_yaml::to_string(value).unwrap()).unwrap();
}

fn assert_valid_catalog(path: &Path) -> Value {
    let doc = support::read_yaml(path);
    if let Err(errors) = catwalk::catalog::validate_flow_catalog(&doc) {
        panic!(
            "{} is not a valid Flow catalog:\n{}",
            path.display(),
            errors.join("\n")
        );
    }
    doc
}

#[test]
fn spec_prints_the_materialization_spec() {
    let _engine = lock();
    let tmp = support::temp_dir();
    let image = support::materialize_fixture_image();
    let ran = support::run_catwalk(tmp.path(), &["spec", "--image", image]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let spec: Value = serde_json::from_str(&ran.stdout()).unwrap();
    assert_eq!(spec["protocol"], 3032023);
    assert!(spec.get("resourcePathPointers").is_none(), "{spec}");
    assert_eq!(
        spec["configSchema"]["properties"]["password"]["secret"],
        json!(true)
    );
    assert_eq!(
        spec["resourceConfigSchema"]["properties"]["delta_updates"]["x-delta-updates"],
        json!(true)
    );
    assert!(
        spec["documentationUrl"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://")),
        "{spec}"
    );
    support::assert_no_catwalk_containers();
}

/// Discover the capture fixture image into `dir/acmeCo` (stub, config, catalog); returns the catalog.
fn discover_capture(dir: &Path) -> PathBuf {
    let args = ["discover", "--image", support::fixture_image()];
    let ran = support::run_catwalk(dir, &args);
    assert_eq!(ran.code(), Some(5), "{}", ran.stderr());
    write_yaml(
        &dir.join("acmeCo/flow-fixture.config.yaml"),
        &support::fixture_config(),
    );
    let ran = support::run_catwalk(dir, &args);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let flow = dir.join("acmeCo/flow-fixture.flow.yaml");
    assert_valid_catalog(&flow);
    flow
}

/// A catalog importing the discovered capture, with a collection of its own and two materializations of
/// the image: `acmeCo/warehouse` (config in a file) and `acmeCo/lake` (inline config, delta updates).
fn write_materializations(dir: &Path) -> PathBuf {
    let image = support::materialize_fixture_image();
    let flow = dir.join("warehouse.flow.yaml");
    write_yaml(
        &flow,
        &json!({
            "import": ["acmeCo/flow-fixture.flow.yaml"],
            "collections": {"acmeCo/extras": {
                "key": ["/id"],
                "schema": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "label": {"type": "string"},
                        "forbidden_field": {"type": "string"}
                    },
                    "required": ["id"]
                }
            }},
            "materializations": {
                "acmeCo/warehouse": {
                    "endpoint": {"connector": {"image": image, "config": "warehouse.config.yaml"}},
                    "bindings": [
                        {"resource": {"table": "users"}, "source": "acmeCo/users"},
                        {
                            "resource": {"table": "extras", "schema": "staging"},
                            "source": "acmeCo/extras",
                            "fields": {"recommended": true, "exclude": ["forbidden_field"]}
                        },
                        {"resource": {"table": "audit_log"}, "source": "acmeCo/audit_log", "disable": true}
                    ]
                },
                "acmeCo/lake": {
                    "endpoint": {"connector": {
                        "image": image,
                        "config": config(json!({"schema": "lake", "hardDelete": true}))
                    }},
                    "bindings": [
                        {"resource": {"table": "users_log", "delta_updates": true}, "source": "acmeCo/users"}
                    ]
                }
            }
        }),
    );
    write_yaml(&dir.join("warehouse.config.yaml"), &config(json!({})));
    flow
}

#[test]
fn check_a_capture_image_and_its_materializations() {
    let _engine = lock();
    let tmp = support::temp_dir();
    let dir = tmp.path();
    discover_capture(dir);
    let flow = write_materializations(dir);
    let doc = assert_valid_catalog(&flow);
    assert_eq!(
        doc["materializations"]["acmeCo/warehouse"]["endpoint"]["connector"]["image"],
        support::materialize_fixture_image()
    );
    let check = ["check", "--source", flow.to_str().unwrap()];

    let ran = support::run_catwalk(dir, &check);
    let err = ran.stderr();
    assert_eq!(ran.code(), Some(0), "{err}");
    assert!(
        err.contains("capture acmeCo/flow-fixture (catwalk-test/flow-fixture:local)"),
        "{err}"
    );
    assert!(err.contains("✓ acmeCo/users  users"), "{err}");
    assert!(err.contains("ok capture acmeCo/flow-fixture"), "{err}");
    assert!(
        err.contains("materialization acmeCo/warehouse (catwalk-test/materialize-fixture:local)"),
        "{err}"
    );
    // resourcePath from the connector: the endpoint's default schema, or the binding's own.
    assert!(err.contains("✓ acmeCo/users  public.users"), "{err}");
    assert!(err.contains("✓ acmeCo/extras  staging.extras"), "{err}");
    assert!(err.contains("ok materialization acmeCo/warehouse"), "{err}");
    assert!(err.contains("✓ acmeCo/users  lake.users_log"), "{err}");
    assert!(err.contains("ok materialization acmeCo/lake"), "{err}");
    assert!(err.contains("1 binding disabled, not checked"), "{err}");
    assert!(
        err.contains("3 tasks checked: 3 passed, 0 failed."),
        "{err}"
    );

    // A materialization config without its required address: caught against the connector's schema,
    // naming the field's title and pointer, before the connector validates anything.
    let mut no_address = config(json!({}));
    no_address.as_object_mut().unwrap().remove("address");
    write_yaml(&dir.join("warehouse.config.yaml"), &no_address);
    let ran = support::run_catwalk(dir, &check);
    let err = ran.stderr();
    assert_eq!(ran.code(), Some(3), "{err}");
    assert!(
        err.contains("FAILED config ")
            && err.contains("warehouse.config.yaml does not match the connector's schema"),
        "{err}"
    );
    assert!(err.contains("Address (/address)"), "{err}");
    assert!(
        err.contains("3 tasks checked: 2 passed, 1 failed."),
        "{err}"
    );

    // The connector rejects the connection: its message is shown.
    write_yaml(
        &dir.join("warehouse.config.yaml"),
        &config(
            json!({"mode": {"kind": "fail_check", "message": "password authentication failed for user \"flow\""}}),
        ),
    );
    let ran = support::run_catwalk(dir, &check);
    let err = ran.stderr();
    assert_eq!(ran.code(), Some(1), "{err}");
    assert!(
        err.contains("password authentication failed for user \"flow\""),
        "{err}"
    );
    assert!(err.contains("2 passed, 1 failed"), "{err}");

    // A binding without its table: caught against the connector's resource schema, naming the collection.
    write_yaml(&dir.join("warehouse.config.yaml"), &config(json!({})));
    let text = std::fs::read_to_string(&flow).unwrap();
    std::fs::write(&flow, text.replace("table: extras", "tabel: extras")).unwrap();
    let ran = support::run_catwalk(
        dir,
        &[
            "check",
            "--source",
            flow.to_str().unwrap(),
            "--name",
            "acmeCo/warehouse",
        ],
    );
    let err = ran.stderr();
    assert_eq!(ran.code(), Some(3), "{err}");
    assert!(
        err.contains("the resource of the binding to acmeCo/extras")
            && err.contains("does not match the connector's resource schema")
            && err.contains("(/table): is required"),
        "{err}"
    );
    assert!(err.contains("1 task checked: 0 passed, 1 failed."), "{err}");
    support::assert_no_catwalk_containers();
}

#[test]
fn discover_materializes_the_captured_collections_through_the_image() {
    let _engine = lock();
    let tmp = support::temp_dir();
    let dir = tmp.path();
    discover_capture(dir);
    let image = support::materialize_fixture_image();
    let args = ["discover", "--image", image, "--name", "warehouse"];
    // First run: the config stub, as for a capture.
    let ran = support::run_catwalk(dir, &args);
    assert_eq!(ran.code(), Some(5), "{}", ran.stderr());
    let stub = std::fs::read_to_string(dir.join("acmeCo/warehouse.config.yaml")).unwrap();
    assert!(stub.contains("address:"), "{stub}");
    write_yaml(
        &dir.join("acmeCo/warehouse.config.yaml"),
        &config(json!({})),
    );

    // Then every collection of the catalogs in the directory, bound and validated through the image.
    let ran = support::run_catwalk(dir, &args);
    let err = ran.stderr();
    assert_eq!(ran.code(), Some(0), "{err}");
    let flow = dir.join("acmeCo/warehouse.flow.yaml");
    let doc = assert_valid_catalog(&flow);
    assert_eq!(doc["import"], json!(["flow-fixture.flow.yaml"]));
    let m = &doc["materializations"]["acmeCo/warehouse"];
    assert_eq!(m["endpoint"]["connector"]["image"], image);
    assert_eq!(
        m["endpoint"]["connector"]["config"],
        "warehouse.config.yaml"
    );
    let mut sources: Vec<&str> = m["bindings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["source"].as_str().unwrap())
        .collect();
    sources.sort();
    assert_eq!(
        sources,
        vec!["acmeCo/audit_log", "acmeCo/events", "acmeCo/users"]
    );
    assert!(err.contains("✓ acmeCo/users  public.users"), "{err}");
    assert!(
        err.contains("keys: id; values: active, address, amount, created_at, email, flow_published_at, name, score, tags, updated_at; document: flow_document"),
        "{err}"
    );

    let ran = support::run_catwalk(dir, &["check", "--source", flow.to_str().unwrap()]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    assert!(
        ran.stderr().contains("keys: _meta/row_id;"),
        "{}",
        ran.stderr()
    );
    support::assert_no_catwalk_containers();
}
