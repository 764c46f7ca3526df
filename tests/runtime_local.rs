//! The connector runtime against real local connectors: the Flow fixture binary and real Airbyte connectors
//! from PyPI, run as local commands. Failure cases assert the message a person would read.

mod support;

use catwalk::connector::{Connector, ConnectorError, Endpoint, Options, airbyte};
use catwalk::model::{CollectionSpec, Protocol, ValidateBinding, ValidateRequest};
use serde_json::{Value, json};
use std::time::Duration;

fn flow_fixture(opts: Options) -> Options {
    Options {
        protocol: Some(Protocol::Flow),
        ..opts
    }
}

async fn fixture() -> Connector {
    let endpoint = Endpoint::local(vec![support::fixture_bin().display().to_string()]);
    Connector::open(endpoint, flow_fixture(Options::default()))
        .await
        .unwrap()
}

fn fixture_config(patch: Value) -> Value {
    let mut config = support::fixture_config();
    for (k, v) in patch.as_object().unwrap() {
        config[k] = v.clone();
    }
    config
}

async fn airbyte(name: &str) -> Connector {
    let endpoint = Endpoint::local(vec![support::airbyte_connector(name).display().to_string()]);
    Connector::open(endpoint, Options::default()).await.unwrap()
}

#[tokio::test]
async fn flow_fixture_spec_discover_validate() {
    let c = fixture().await;
    let spec = c.spec().await.unwrap();
    assert_eq!(spec.protocol, Protocol::Flow);
    assert_eq!(spec.resource_path_pointers, vec!["/name"]);
    assert!(spec.config_schema["properties"]["password"]["secret"] == json!(true));

    let bindings = c.discover(&support::fixture_config()).await.unwrap();
    let names: Vec<&str> = bindings
        .iter()
        .map(|b| b.recommended_name.as_str())
        .collect();
    assert_eq!(names, vec!["users", "events", "audit_log"]);
    assert_eq!(bindings[0].key, vec!["/id"]);
    assert!(bindings[1].is_fallback_key);
    assert!(bindings[2].disable);

    let req = ValidateRequest {
        name: "acmeCo/flow-fixture".into(),
        config: support::fixture_config(),
        bindings: bindings
            .iter()
            .map(|b| ValidateBinding {
                field_config: Default::default(),
                resource_config: b.resource_config.clone(),
                collection: CollectionSpec {
                    name: format!("acmeCo/{}", b.recommended_name),
                    key: b.key.clone(),
                    write_schema: b.document_schema.clone(),
                    read_schema: None,
                },
                backfill: 0,
            })
            .collect(),
    };
    let validated = c.validate(&req).await.unwrap();
    let paths: Vec<Vec<String>> = validated
        .bindings
        .iter()
        .map(|b| b.resource_path.clone())
        .collect();
    assert_eq!(
        paths,
        vec![vec!["users"], vec!["events"], vec!["audit_log"]]
    );
}

#[tokio::test]
async fn flow_connector_that_exits_nonzero_shows_its_last_log_line() {
    let c = fixture().await;
    let err = c
        .discover(&fixture_config(json!({"behaviour": "exit_nonzero"})))
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, ConnectorError::Exited { .. }), "{msg}");
    assert!(msg.contains("exit code 3"), "{msg}");
    assert!(msg.contains("Its last log line:"), "{msg}");
    assert!(msg.contains("during discover"), "{msg}");
}

#[tokio::test]
async fn flow_connector_that_rejects_the_config_says_why() {
    let c = fixture().await;
    let config = fixture_config(
        json!({"mode": {"kind": "fail_check", "message": "password authentication failed for user x"}}),
    );
    let req = ValidateRequest {
        name: "acmeCo/x".into(),
        config,
        bindings: vec![],
    };
    let msg = c.validate(&req).await.unwrap_err().to_string();
    assert!(
        msg.contains("password authentication failed for user x"),
        "{msg}"
    );
}

#[tokio::test]
async fn garbage_output_is_a_protocol_error_showing_the_line() {
    let c = fixture().await;
    let err = c
        .discover(&fixture_config(json!({"behaviour": "garbage"})))
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, ConnectorError::Protocol { .. }), "{msg}");
    assert!(msg.contains("not the Flow protocol"), "{msg}");
    assert!(msg.contains("stdout"), "{msg}");
}

/// A response of the wrong type, or `{}`, fails at once (not at the timeout), naming what came and what was
/// expected; the fixture keeps waiting for requests, so only catwalk's own verdict ends the exchange.
#[tokio::test]
async fn a_response_of_the_wrong_type_fails_at_once_naming_both() {
    let endpoint = Endpoint::local(vec![support::fixture_bin().display().to_string()]);
    let opts = Options {
        // Far beyond the test runner's own limit: a timeout here would be the old behaviour.
        timeout: Duration::from_secs(3600),
        ..flow_fixture(Options::default())
    };
    let c = Connector::open(endpoint, opts).await.unwrap();
    for (behaviour, got) in [("wrong_answer", "`spec`"), ("empty_answer", "`{}`")] {
        let err = c
            .discover(&fixture_config(json!({"behaviour": behaviour})))
            .await
            .unwrap_err();
        let msg = err.to_string();
        assert!(
            matches!(err, ConnectorError::UnexpectedResponse { .. }),
            "{behaviour}: {msg}"
        );
        assert!(
            msg.contains(&format!("expected `discovered`, got {got}")),
            "{behaviour}: {msg}"
        );
        assert!(msg.contains("during discover"), "{msg}");
    }
    let req = ValidateRequest {
        name: "acmeCo/flow-fixture".into(),
        config: fixture_config(json!({"behaviour": "wrong_answer"})),
        bindings: vec![],
    };
    let msg = c.validate(&req).await.unwrap_err().to_string();
    assert!(msg.contains("expected `validated`, got `spec`"), "{msg}");
}

#[tokio::test]
async fn a_hang_ends_in_the_timeout_and_the_process_is_killed() {
    let endpoint = Endpoint::local(vec![support::fixture_bin().display().to_string()]);
    let opts = Options {
        timeout: Duration::from_secs(2),
        ..flow_fixture(Options::default())
    };
    let c = Connector::open(endpoint, opts).await.unwrap();
    let started = std::time::Instant::now();
    let err = c
        .discover(&fixture_config(json!({"behaviour": "hang"})))
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, ConnectorError::Timeout { .. }), "{msg}");
    assert!(
        msg.contains("within 2s") && msg.contains("--timeout"),
        "{msg}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    let fixture = support::fixture_bin();
    let out = std::process::Command::new("pgrep")
        .arg("-f")
        .arg(fixture.as_os_str())
        .output()
        .unwrap();
    let left = String::from_utf8_lossy(&out.stdout);
    // Other tests may be running the fixture right now; none of them hangs, so a survivor would show
    // here only briefly. Look twice.
    if !left.trim().is_empty() {
        tokio::time::sleep(Duration::from_secs(3)).await;
        let out = std::process::Command::new("pgrep")
            .arg("-f")
            .arg(fixture.as_os_str())
            .output()
            .unwrap();
        assert!(
            out.stdout.is_empty(),
            "fixture processes still running: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

#[tokio::test]
async fn flow_fixture_refuses_without_the_json_codec_env() {
    // The runtime must set FLOW_RUNTIME_CODEC=json; run the fixture by hand without it to prove the
    // fixture really checks, so the other tests prove the runtime passes it.
    let ran = support::run_with_timeout(
        std::process::Command::new(support::fixture_bin()).env_remove("FLOW_RUNTIME_CODEC"),
        Some(b"{\"spec\":{}}\n"),
        Duration::from_secs(10),
    );
    assert_ne!(ran.code(), Some(0));
    assert!(
        ran.stderr().contains("FLOW_RUNTIME_CODEC"),
        "{}",
        ran.stderr()
    );
}

#[tokio::test]
async fn missing_command_is_a_spawn_error() {
    let endpoint = Endpoint::local(vec!["/no/such/connector".into()]);
    let err = Connector::open(endpoint, Options::default())
        .await
        .err()
        .unwrap();
    assert!(matches!(err, ConnectorError::Spawn { .. }), "{err}");
    assert_eq!(catwalk::cli::exit::of_connector(&err).code(), 4);
}

#[tokio::test]
async fn airbyte_connectors_are_probed_and_specced() {
    for name in ["source-hardcoded-records", "source-faker", "source-file"] {
        let c = airbyte(name).await;
        assert_eq!(c.protocol(), Protocol::Airbyte, "{name}");
        let spec = c.spec().await.unwrap();
        assert!(
            spec.config_schema.get("properties").is_some(),
            "{name}: {}",
            spec.config_schema
        );
        assert_eq!(spec.resource_path_pointers, vec!["/namespace", "/stream"]);
        assert_eq!(
            spec.resource_config_schema["required"],
            json!(["stream", "syncMode"])
        );
    }
    // source-file's spec is a real oneOf form.
    let spec = airbyte("source-file").await.spec().await.unwrap();
    assert!(
        spec.config_schema["properties"]["provider"]["oneOf"]
            .as_array()
            .unwrap()
            .len()
            > 3
    );
}

#[tokio::test]
async fn hardcoded_records_discover_maps_streams() {
    let c = airbyte("source-hardcoded-records").await;
    let bindings = c.discover(&json!({"count": 10})).await.unwrap();
    let mut names: Vec<&str> = bindings
        .iter()
        .map(|b| b.recommended_name.as_str())
        .collect();
    names.sort();
    assert_eq!(names, vec!["customers", "dummy_fields", "products"]);
    for b in &bindings {
        assert!(!b.key.is_empty(), "{} has no key", b.recommended_name);
        assert_eq!(b.resource_config["stream"], json!(b.recommended_name));
        assert_eq!(b.resource_path, vec![b.recommended_name.clone()]);
        if b.is_fallback_key {
            assert_eq!(b.key, vec![airbyte::ROW_ID_POINTER]);
            assert_eq!(
                b.document_schema["properties"]["_meta"]["properties"]["row_id"]["type"],
                "integer"
            );
        }
    }
}

#[tokio::test]
async fn faker_check_and_discover_with_defaults() {
    let c = airbyte("source-faker").await;
    let spec = c.spec().await.unwrap();
    let config = catwalk::schema::with_defaults(&spec.config_schema, &json!({"count": 10}));
    c.airbyte_check(&config).await.unwrap();
    let bindings = c.discover(&config).await.unwrap();
    let users = bindings
        .iter()
        .find(|b| b.recommended_name == "users")
        .unwrap();
    assert_eq!(users.key, vec!["/id"]);
    assert!(!users.is_fallback_key);
    assert_eq!(users.resource_config["syncMode"], "incremental");
    assert_eq!(users.resource_config["cursorField"], json!(["updated_at"]));
}

#[tokio::test]
async fn airbyte_check_failure_reports_the_connectors_message() {
    let c = airbyte("source-file").await;
    let config = json!({"dataset_name": "people", "format": "csv", "url": "/definitely/not/here.csv", "provider": {"storage": "local"}});
    let msg = c.airbyte_check(&config).await.unwrap_err().to_string();
    assert!(msg.contains("during check"), "{msg}");
    assert!(
        msg.contains("/definitely/not/here.csv") || msg.to_lowercase().contains("no such file"),
        "{msg}"
    );
}

#[tokio::test]
async fn airbyte_read_returns_records() {
    let c = airbyte("source-hardcoded-records").await;
    let config = json!({"count": 5});
    let streams = c.airbyte_streams(&config).await.unwrap();
    let products = streams
        .iter()
        .find(|s| s["name"] == "products")
        .unwrap()
        .clone();
    let catalog = airbyte::configured_catalog(&[(
        products,
        json!({"stream": "products", "syncMode": "full_refresh"}),
    )]);
    let mut records = 0;
    c.airbyte_read(&config, &catalog, None, |m| {
        if let airbyte::Message::Record { stream, data, .. } = m {
            assert_eq!(stream, "products");
            assert!(data.get("id").is_some());
            records += 1;
        }
    })
    .await
    .unwrap();
    assert_eq!(records, 5);
}

#[tokio::test]
async fn airbyte_crash_shows_its_trace_error() {
    // The fixture in Airbyte mode with an invalid config: LOG FATAL + TRACE ERROR, exit 1.
    let endpoint = Endpoint::local(vec![
        support::fixture_bin().display().to_string(),
        "airbyte".into(),
    ]);
    let opts = Options {
        protocol: Some(Protocol::Airbyte),
        ..Options::default()
    };
    let c = Connector::open(endpoint, opts).await.unwrap();
    let err = c
        .discover(&json!({"behaviour": "exit_nonzero", "host": "h", "password": "p"}))
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, ConnectorError::Exited { .. }), "{msg}");
    assert!(msg.contains("exit code 1"), "{msg}");
    assert!(msg.contains("Its last log line:"), "{msg}");
}
