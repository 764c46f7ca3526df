//! Materializations against a real local process: the flow-fixture in its materialize role (env
//! `FIXTURE_ROLE=materialize`, see tests/fixtures/flow-fixture/README.md). The runtime (spec, validate with
//! per-binding constraints and failures), the fixture's own protocol answers (apply, refusals), and the
//! `catwalk` binary (`spec`, `check` of a catalog whose capture and materialization are local commands).

mod support;

use catwalk::connector::{Connector, ConnectorError, Endpoint, Options};
use catwalk::model::{CollectionSpec, Protocol, ValidateBinding, ValidateRequest, Validated};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

fn materialize_endpoint() -> Endpoint {
    Endpoint::Local {
        command: vec![support::fixture_bin().display().to_string()],
        env: BTreeMap::from([("FIXTURE_ROLE".to_string(), "materialize".to_string())]),
    }
}

async fn materialize_fixture() -> Connector {
    let opts = Options {
        protocol: Some(Protocol::Flow),
        ..Options::default()
    };
    Connector::open(materialize_endpoint(), opts).await.unwrap()
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

/// A collection whose top-level properties cover every constraint the fixture gives.
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
                "tags": {"type": "array", "items": {"type": "string"}},
                "address": {"type": ["object", "null"]},
                "forbidden_field": {"type": "string"}
            },
            "required": ["id", "name"]
        }),
        read_schema: None,
    }
}

fn orders() -> CollectionSpec {
    CollectionSpec {
        name: "acmeCo/orders".into(),
        key: vec!["/order_id".into()],
        write_schema: json!({
            "type": "object",
            "properties": {"order_id": {"type": "string"}, "total": {"type": "number"}},
            "required": ["order_id"]
        }),
        read_schema: None,
    }
}

fn request(config: Value, bindings: Vec<(Value, CollectionSpec)>) -> ValidateRequest {
    ValidateRequest {
        name: "acmeCo/warehouse".into(),
        config,
        bindings: bindings
            .into_iter()
            .map(|(resource_config, collection)| ValidateBinding {
                field_config: Default::default(),
                resource_config,
                collection,
                backfill: 0,
            })
            .collect(),
    }
}

fn two_bindings() -> Vec<(Value, CollectionSpec)> {
    vec![
        (json!({"table": "people"}), people()),
        (
            json!({"table": "orders", "schema": "sales", "delta_updates": true}),
            orders(),
        ),
    ]
}

/// The constraint types of one validated binding, by field.
fn types(v: &Validated, binding: usize) -> BTreeMap<String, String> {
    v.bindings[binding]
        .constraints
        .iter()
        .map(|(field, c)| (field.clone(), c.kind.to_string()))
        .collect()
}

fn expect_types(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(f, t)| (f.to_string(), t.to_string()))
        .collect()
}

#[tokio::test]
async fn local_spec_is_a_materialization_spec() {
    let c = materialize_fixture().await;
    let spec = c.spec().await.unwrap();
    assert_eq!(spec.protocol, Protocol::Flow);
    assert!(
        spec.resource_path_pointers.is_empty(),
        "materializations have no resource path pointers: {:?}",
        spec.resource_path_pointers
    );
    let resource = &spec.resource_config_schema;
    assert_eq!(resource["required"], json!(["table"]));
    assert_eq!(
        resource["properties"]["table"]["x-collection-name"],
        json!(true)
    );
    assert_eq!(
        resource["properties"]["schema"]["x-schema-name"],
        json!(true)
    );
    assert_eq!(
        resource["properties"]["delta_updates"]["x-delta-updates"],
        json!(true)
    );
    let config = &spec.config_schema;
    assert_eq!(config["required"], json!(["address", "user", "password"]));
    assert_eq!(config["properties"]["password"]["secret"], json!(true));
    assert_eq!(config["properties"]["schema"]["default"], json!("public"));
    assert_eq!(config["properties"]["hardDelete"]["type"], json!("boolean"));
    assert!(
        spec.documentation_url
            .as_deref()
            .is_some_and(|u| u.contains("materialize")),
        "{:?}",
        spec.documentation_url
    );
}

#[tokio::test]
async fn local_validate_gives_constraints_per_binding() {
    let c = materialize_fixture().await;
    let v = c
        .validate(&request(config(json!({})), two_bindings()))
        .await
        .unwrap();
    assert_eq!(v.bindings.len(), 2);

    assert_eq!(
        types(&v, 0),
        expect_types(&[
            ("id", "LOCATION_REQUIRED"),
            ("name", "LOCATION_RECOMMENDED"),
            ("email", "LOCATION_RECOMMENDED"),
            ("tags", "FIELD_OPTIONAL"),
            ("address", "FIELD_OPTIONAL"),
            ("forbidden_field", "FIELD_FORBIDDEN"),
            // What Flow projects of every collection: the document, and its publication time (nested).
            ("flow_document", "LOCATION_REQUIRED"),
            ("flow_published_at", "FIELD_OPTIONAL"),
        ])
    );
    for (field, c) in &v.bindings[0].constraints {
        assert!(!c.reason.is_empty(), "{field} has a reason");
    }
    assert!(
        v.bindings[0].constraints["id"].reason.contains("key"),
        "{:?}",
        v.bindings[0].constraints["id"]
    );
    // No schema in the resource: the endpoint's default schema.
    assert_eq!(v.bindings[0].resource_path, vec!["public", "people"]);
    assert!(!v.bindings[0].delta_updates);

    assert_eq!(
        types(&v, 1),
        expect_types(&[
            ("order_id", "LOCATION_REQUIRED"),
            ("total", "LOCATION_RECOMMENDED"),
            // Delta updates: the document is optional.
            ("flow_document", "LOCATION_RECOMMENDED"),
            ("flow_published_at", "FIELD_OPTIONAL"),
        ])
    );
    assert_eq!(v.bindings[1].resource_path, vec!["sales", "orders"]);
    assert!(v.bindings[1].delta_updates);

    // The endpoint's schema applies to bindings that name none.
    let v = c
        .validate(&request(
            config(json!({"schema": "warehouse"})),
            two_bindings(),
        ))
        .await
        .unwrap();
    assert_eq!(v.bindings[0].resource_path, vec!["warehouse", "people"]);
    assert_eq!(v.bindings[1].resource_path, vec!["sales", "orders"]);
}

#[tokio::test]
async fn local_validate_failures_say_why() {
    let c = materialize_fixture().await;

    let failing = config(
        json!({"mode": {"kind": "fail_check", "message": "permission denied for schema public"}}),
    );
    let msg = c
        .validate(&request(failing, two_bindings()))
        .await
        .unwrap_err()
        .to_string();
    assert!(msg.contains("permission denied for schema public"), "{msg}");

    let mut bindings = two_bindings();
    bindings[1].0 = json!({"schema": "sales"});
    let err = c
        .validate(&request(config(json!({})), bindings))
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, ConnectorError::Exited { .. }), "{msg}");
    assert!(
        msg.contains("binding 1: resource config /table is required"),
        "{msg}"
    );

    let mut bindings = two_bindings();
    bindings[1].0 = json!({"table": "people"});
    let msg = c
        .validate(&request(config(json!({})), bindings))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("binding 1: table public.people is already the target of binding 0"),
        "{msg}"
    );

    let mut no_address = config(json!({}));
    no_address.as_object_mut().unwrap().remove("address");
    let msg = c
        .validate(&request(no_address, two_bindings()))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("config /address: required field missing"),
        "{msg}"
    );

    let err = c
        .validate(&request(
            config(json!({"behaviour": "exit_nonzero"})),
            two_bindings(),
        ))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("exit code 3"), "{err}");
}

/// Run the fixture binary directly in its materialize role, feeding `requests` (one JSON per line).
fn run_fixture(requests: &[Value], env: &[(&str, &str)]) -> support::Ran {
    let mut stdin = String::new();
    for r in requests {
        stdin.push_str(&r.to_string());
        stdin.push('\n');
    }
    let mut cmd = std::process::Command::new(support::fixture_bin());
    cmd.env("FLOW_RUNTIME_CODEC", "json")
        .env("FIXTURE_ROLE", "materialize")
        .env_remove("FIXTURE_BEHAVIOUR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    support::run_with_timeout(&mut cmd, Some(stdin.as_bytes()), Duration::from_secs(30))
}

fn projection(field: &str, types: &[&str], key: bool) -> Value {
    json!({"ptr": format!("/{field}"), "field": field, "isPrimaryKey": key,
        "inference": {"types": types, "exists": if key { "MUST" } else { "MAY" }}})
}

#[test]
fn fixture_apply_describes_the_tables_it_would_create() {
    let collection = json!({
        "name": "acmeCo/people",
        "key": ["/id"],
        "projections": [
            projection("id", &["integer"], true),
            projection("email", &["string", "null"], false),
            projection("tags", &["array"], false),
            {"ptr": "", "field": "flow_document", "inference": {"types": ["object"], "exists": "MUST"}}
        ]
    });
    let apply = json!({"apply": {"materialization": {
        "name": "acmeCo/warehouse",
        "config": config(json!({})),
        "bindings": [
            {"resourceConfig": {"table": "people"}, "resourcePath": ["public", "people"], "collection": collection},
            {"resourceConfig": {"table": "log", "schema": "raw", "delta_updates": true}, "collection": collection,
             "fieldSelection": {"keys": ["id"], "values": ["tags"], "document": ""}}
        ]
    }, "version": "test", "dryRun": true}});
    let ran = run_fixture(&[apply], &[]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let out = support::json_lines(&ran.stdout);
    assert_eq!(out.len(), 1, "{}", ran.stdout());
    assert_eq!(
        out[0]["applied"]["actionDescription"],
        "CREATE TABLE IF NOT EXISTS \"public\".\"people\" (\n\t\"id\" BIGINT NOT NULL,\n\t\"email\" TEXT,\n\t\"flow_document\" JSON,\n\tPRIMARY KEY (\"id\")\n);\n\
         CREATE TABLE IF NOT EXISTS \"raw\".\"log\" (\n\t\"id\" BIGINT NOT NULL,\n\t\"tags\" JSON\n);"
    );
}

#[test]
fn fixture_materialize_role_refuses_capture_requests() {
    let ran = run_fixture(
        &[json!({"discover": {"connectorType": "LOCAL", "config": config(json!({}))}})],
        &[],
    );
    assert_eq!(ran.code(), Some(1));
    assert!(
        ran.stderr()
            .contains("discover is a capture request, but this connector materializes"),
        "{}",
        ran.stderr()
    );
    let ran = run_fixture(&[json!({"spec": {}})], &[("FIXTURE_ROLE", "derive")]);
    assert_eq!(ran.code(), Some(1));
    assert!(
        ran.stderr().contains(r#"unknown FIXTURE_ROLE \"derive\""#),
        "{}",
        ran.stderr()
    );
    // The capture role stays the default, and answers with resource path pointers.
    let mut cmd = std::process::Command::new(support::fixture_bin());
    cmd.env("FLOW_RUNTIME_CODEC", "json")
        .env_remove("FIXTURE_ROLE")
        .env_remove("FIXTURE_BEHAVIOUR");
    let ran =
        support::run_with_timeout(&mut cmd, Some(b"{\"spec\":{}}\n"), Duration::from_secs(30));
    let out = support::json_lines(&ran.stdout);
    assert_eq!(out[0]["spec"]["resourcePathPointers"], json!(["/name"]));
}

// ------------------------------------------------------------------------------------------------
// The binary

fn write_yaml(path: &Path, value: &Value) {
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
fn spec_of_a_local_materialization() {
    let tmp = support::temp_dir();
    let bin = support::fixture_bin().display().to_string();
    let ran = support::run_catwalk(
        tmp.path(),
        &[
            "spec",
            "--protocol",
            "flow",
            "--local",
            "--env",
            "FIXTURE_ROLE=materialize",
            "--",
            &bin,
        ],
    );
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let spec: Value = serde_json::from_str(&ran.stdout()).unwrap();
    assert_eq!(spec["protocol"], 3032023);
    assert!(spec.get("resourcePathPointers").is_none(), "{spec}");
    assert_eq!(
        spec["resourceConfigSchema"]["properties"]["table"]["x-collection-name"],
        json!(true)
    );
}

/// A catalog whose capture and materialization both run the fixture binary as local commands.
fn local_catalog(dir: &Path, materialization_config: Value) -> std::path::PathBuf {
    let bin = support::fixture_bin().display().to_string();
    let flow = dir.join("local.flow.yaml");
    write_yaml(
        &flow,
        &json!({
            "captures": {"acmeCo/source": {
                "endpoint": {"local": {"command": [bin], "config": support::fixture_config()}},
                "bindings": [{"resource": {"name": "users"}, "target": "acmeCo/users"}]
            }},
            "collections": {
                "acmeCo/users": {"key": ["/id"], "schema": people().write_schema}
            },
            "materializations": {"acmeCo/warehouse": {
                "endpoint": {"local": {
                    "command": [bin],
                    "env": {"FIXTURE_ROLE": "materialize"},
                    "config": materialization_config
                }},
                "bindings": [{"resource": {"table": "users", "schema": "crm"}, "source": "acmeCo/users"}]
            }}
        }),
    );
    assert_valid_catalog(&flow);
    flow
}

#[test]
fn check_a_local_capture_and_materialization() {
    let tmp = support::temp_dir();
    let flow = local_catalog(tmp.path(), config(json!({})));
    let ran = support::run_catwalk(tmp.path(), &["check", "--source", flow.to_str().unwrap()]);
    let err = ran.stderr();
    assert_eq!(ran.code(), Some(0), "{err}");
    assert!(err.contains("capture acmeCo/source"), "{err}");
    assert!(err.contains("materialization acmeCo/warehouse"), "{err}");
    assert!(err.contains("✓ acmeCo/users  users"), "{err}");
    assert!(err.contains("✓ acmeCo/users  crm.users"), "{err}");
    assert!(
        err.contains("2 tasks checked: 2 passed, 0 failed."),
        "{err}"
    );

    let flow = local_catalog(
        tmp.path(),
        config(json!({"mode": {"kind": "fail_check", "message": "role \"flow\" does not exist"}})),
    );
    let ran = support::run_catwalk(tmp.path(), &["check", "--source", flow.to_str().unwrap()]);
    let err = ran.stderr();
    assert_eq!(ran.code(), Some(1), "{err}");
    assert!(err.contains("role \"flow\" does not exist"), "{err}");
    assert!(err.contains("1 passed, 1 failed"), "{err}");
}

// ------------------------------------------------------------------------------------------------
// What Flow's build does that catwalk once missed: key projections of nested and inferred schemas, and
// field selections the connector refuses.

#[test]
fn a_discovered_collection_with_a_fallback_key_can_be_materialized() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    let bin = support::fixture_bin().display().to_string();
    let discover = ["discover", "--protocol", "flow", "--local", "--", &bin];
    assert_eq!(support::run_catwalk(dir, &discover).code(), Some(5));
    write_yaml(
        &dir.join("acmeCo/flow-fixture.config.yaml"),
        &support::fixture_config(),
    );
    let ran = support::run_catwalk(dir, &discover);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let flow = dir.join("warehouse.flow.yaml");
    write_yaml(
        &flow,
        &json!({
            "import": ["acmeCo/flow-fixture.flow.yaml"],
            "materializations": {"acmeCo/warehouse": {
                "endpoint": {"local": {
                    "command": [bin],
                    "env": {"FIXTURE_ROLE": "materialize"},
                    "config": config(json!({}))
                }},
                // events: key /_meta/row_id, readSchema allOf [flow://write-schema, flow://inferred-schema].
                "bindings": [{"resource": {"table": "events"}, "source": "acmeCo/events"}]
            }}
        }),
    );
    assert_valid_catalog(&flow);
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
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    assert!(
        ran.stderr().contains("✓ acmeCo/events  public.events"),
        "{}",
        ran.stderr()
    );
}

#[test]
fn requiring_a_forbidden_field_fails_the_check() {
    let tmp = support::temp_dir();
    let flow = local_catalog(tmp.path(), config(json!({})));
    let mut doc = support::read_yaml(&flow);
    doc["collections"]["acmeCo/users"]["schema"]["properties"]["forbidden_field"] =
        json!({"type": "string"});
    doc["materializations"]["acmeCo/warehouse"]["bindings"][0]["fields"] =
        json!({"recommended": true, "require": {"forbidden_field": {}}});
    write_yaml(&flow, &doc);
    assert_valid_catalog(&flow);
    let ran = support::run_catwalk(
        tmp.path(),
        &[
            "check",
            "--source",
            flow.to_str().unwrap(),
            "--name",
            "acmeCo/warehouse",
        ],
    );
    assert_eq!(ran.code(), Some(1), "{}", ran.stderr());
    assert!(ran.stderr().contains("forbidden_field"), "{}", ran.stderr());
}

#[test]
fn discover_writes_a_config_stub_for_a_local_materialization() {
    let tmp = support::temp_dir();
    let bin = support::fixture_bin().display().to_string();
    let ran = support::run_catwalk(
        tmp.path(),
        &[
            "discover",
            "--protocol",
            "flow",
            "--local",
            "--env",
            "FIXTURE_ROLE=materialize",
            "--",
            &bin,
        ],
    );
    assert_eq!(ran.code(), Some(5), "{}", ran.stderr());
    // As for a capture: the commented stub of the connector's config, and no catalog yet.
    let stub = tmp.path().join("acmeCo/flow-fixture.config.yaml");
    let text = std::fs::read_to_string(&stub).unwrap();
    assert!(text.contains("address:"), "{text}");
    assert!(
        !tmp.path().join("acmeCo/flow-fixture.flow.yaml").exists(),
        "no catalog before the config is filled in"
    );
}
