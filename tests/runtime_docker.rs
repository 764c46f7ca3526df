//! The connector runtime against the real Docker engine, with images built locally by scripts/test-deps.
//! Tests run one at a time (they share the engine) and each asserts that no container of ours remains:
//! after success, connector errors, timeouts, cancellation and panics.

mod support;

use catwalk::connector::{Connector, ConnectorError, Endpoint, Options, PullProgress, airbyte};
use catwalk::model::{CollectionSpec, ConnectorKind, Protocol, ValidateBinding, ValidateRequest};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

static ENGINE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn config(patch: Value) -> Value {
    let mut config = support::fixture_config();
    for (k, v) in patch.as_object().unwrap() {
        config[k] = v.clone();
    }
    config
}

async fn flow_image(opts: Options) -> Connector {
    Connector::open(Endpoint::Image(support::fixture_image().into()), opts)
        .await
        .unwrap()
}

#[tokio::test]
async fn flow_image_spec_discover_validate() {
    let _engine = ENGINE.lock().await;
    let c = flow_image(Options::default()).await;
    assert_eq!(
        c.protocol(),
        Protocol::Flow,
        "protocol comes from the FLOW_RUNTIME_PROTOCOL label"
    );
    assert_eq!(c.kind(), ConnectorKind::Capture);
    assert!(c.image().unwrap().id.starts_with("sha256:"));

    // The fixture refuses to run without FLOW_RUNTIME_CODEC=json, and the image has no codec label:
    // a spec answer proves the runtime passed the env.
    let spec = c.spec().await.unwrap();
    assert_eq!(spec.resource_path_pointers, vec!["/name"]);
    let bindings = c.discover(&support::fixture_config()).await.unwrap();
    assert_eq!(bindings.len(), 3);
    let req = ValidateRequest {
        name: "acmeCo/flow-fixture".into(),
        config: support::fixture_config(),
        bindings: vec![ValidateBinding {
            field_config: Default::default(),
            resource_config: bindings[0].resource_config.clone(),
            collection: CollectionSpec {
                name: "acmeCo/users".into(),
                key: bindings[0].key.clone(),
                write_schema: bindings[0].document_schema.clone(),
                read_schema: None,
            },
            backfill: 0,
        }],
    };
    let validated = c.validate(&req).await.unwrap();
    assert_eq!(validated.bindings[0].resource_path, vec!["users"]);
    support::assert_no_catwalk_containers();
}

#[tokio::test]
async fn airbyte_image_reads_its_mounted_config_as_uid_1000() {
    let _engine = ENGINE.lock().await;
    let c = Connector::open(
        Endpoint::Image(support::airbyte_fixture_image().into()),
        Options::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        c.protocol(),
        Protocol::Airbyte,
        "protocol comes from io.airbyte.* labels"
    );
    assert_eq!(c.image().unwrap().user.as_deref(), Some("1000"));
    let spec = c.spec().await.unwrap();
    assert_eq!(spec.protocol, Protocol::Airbyte);
    // check and discover read the config FILE inside the container.
    c.airbyte_check(&support::fixture_config()).await.unwrap();
    let failing = config(
        json!({"mode": {"kind": "fail_check", "message": "no route to host db.example.com"}}),
    );
    let msg = c.airbyte_check(&failing).await.unwrap_err().to_string();
    assert!(msg.contains("no route to host db.example.com"), "{msg}");

    let streams = c.airbyte_streams(&support::fixture_config()).await.unwrap();
    let bindings: Vec<_> = streams.iter().map(airbyte::stream_to_binding).collect();
    let events = bindings
        .iter()
        .find(|b| b.recommended_name == "events")
        .unwrap();
    assert!(events.is_fallback_key, "events has no primary key");
    let users = streams
        .iter()
        .find(|s| s["name"] == "users")
        .unwrap()
        .clone();
    let catalog = airbyte::configured_catalog(&[(
        users,
        json!({"stream": "users", "syncMode": "incremental", "cursorField": ["updated_at"]}),
    )]);
    let mut records = 0;
    let mut states = 0;
    c.airbyte_read(&support::fixture_config(), &catalog, None, |m| match m {
        airbyte::Message::Record { .. } => records += 1,
        airbyte::Message::State(_) => states += 1,
        _ => {}
    })
    .await
    .unwrap();
    assert!(
        records > 0 && states > 0,
        "records {records}, states {states}"
    );
    support::assert_no_catwalk_containers();
}

#[tokio::test]
async fn container_exiting_nonzero_is_removed_and_explained() {
    let _engine = ENGINE.lock().await;
    let c = flow_image(Options::default()).await;
    let err = c
        .discover(&config(json!({"behaviour": "exit_nonzero"})))
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, ConnectorError::Exited { .. }), "{msg}");
    assert!(
        msg.contains(support::fixture_image())
            && msg.contains("exit code 3")
            && msg.contains("Its last log line"),
        "{msg}"
    );
    support::assert_no_catwalk_containers();
}

#[tokio::test]
async fn container_writing_garbage_is_removed_and_explained() {
    let _engine = ENGINE.lock().await;
    let c = flow_image(Options::default()).await;
    let msg = c
        .discover(&config(json!({"behaviour": "garbage"})))
        .await
        .unwrap_err()
        .to_string();
    assert!(msg.contains("not the Flow protocol"), "{msg}");
    support::assert_no_catwalk_containers();
}

#[tokio::test]
async fn hung_container_times_out_and_is_removed() {
    let _engine = ENGINE.lock().await;
    let c = flow_image(Options {
        timeout: Duration::from_secs(3),
        ..Options::default()
    })
    .await;
    let err = c
        .discover(&config(json!({"behaviour": "hang"})))
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectorError::Timeout { .. }), "{err}");
    assert!(err.to_string().contains("within 3s"), "{err}");
    support::assert_no_catwalk_containers();
}

#[tokio::test]
async fn cancelling_an_operation_removes_its_container() {
    let _engine = ENGINE.lock().await;
    let c = flow_image(Options::default()).await;
    let hang = config(json!({"behaviour": "hang"}));
    tokio::select! {
        r = c.discover(&hang) => panic!("a hung connector answered: {r:?}"),
        _ = tokio::time::sleep(Duration::from_millis(1500)) => {}
    }
    // The dropped future removed its container synchronously: nothing to wait for.
    assert!(
        support::catwalk_containers().is_empty(),
        "left: {:?}",
        support::catwalk_containers()
    );
}

#[tokio::test]
async fn a_panic_mid_operation_removes_the_container() {
    let _engine = ENGINE.lock().await;
    let image = support::fixture_image().to_string();
    let outcome = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let c = Connector::open(Endpoint::Image(image), Options::default()).await.unwrap();
            let hang = config(json!({"behaviour": "hang"}));
            let op = c.discover(&hang);
            tokio::pin!(op);
            tokio::select! {
                _ = &mut op => {}
                _ = tokio::time::sleep(Duration::from_millis(1500)) => {
                    assert!(!support::catwalk_containers().is_empty(), "the container should be running now");
                    panic!("deliberate panic while a container runs");
                }
            }
        })
    })
    .join();
    assert!(outcome.is_err(), "the thread should have panicked");
    support::assert_no_catwalk_containers();
}

#[tokio::test]
async fn local_tags_are_never_pulled() {
    let _engine = ENGINE.lock().await;
    let err = Connector::open(
        Endpoint::Image("catwalk-test/does-not-exist:local".into()),
        Options::default(),
    )
    .await
    .err()
    .unwrap();
    let msg = err.to_string();
    assert!(matches!(err, ConnectorError::ImageNotFound { .. }), "{msg}");
    assert!(
        msg.contains("catwalk-test/does-not-exist:local") && msg.contains("never pulled"),
        "{msg}"
    );
    assert_eq!(catwalk::cli::exit::of_connector(&err).code(), 4);
}

#[tokio::test]
async fn a_missing_image_is_pulled_and_the_failure_explained() {
    let _engine = ENGINE.lock().await;
    let seen: Arc<Mutex<Vec<PullProgress>>> = Arc::default();
    let sink = seen.clone();
    let opts = Options {
        pull: Some(Arc::new(move |p: &PullProgress| {
            sink.lock().unwrap().push(p.clone())
        })),
        ..Options::default()
    };
    // No registry is reachable from this machine: the pull is attempted and fails.
    let err = Connector::open(
        Endpoint::Image("catwalk-test/does-not-exist:v1".into()),
        opts,
    )
    .await
    .err()
    .unwrap();
    let msg = err.to_string();
    assert!(
        matches!(
            err,
            ConnectorError::ImageNotFound { .. } | ConnectorError::PullFailed { .. }
        ),
        "{msg}"
    );
    assert!(msg.contains("catwalk-test/does-not-exist:v1"), "{msg}");
    assert_eq!(catwalk::cli::exit::of_connector(&err).code(), 4);
}

#[tokio::test]
async fn docker_refusing_the_network_is_explained() {
    let _engine = ENGINE.lock().await;
    let c = flow_image(Options {
        network: "catwalk-no-such-network".into(),
        ..Options::default()
    })
    .await;
    let err = c.spec().await.unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, ConnectorError::Docker { .. }), "{msg}");
    assert!(
        msg.contains("Docker refused to run")
            && msg.contains("network catwalk-no-such-network not found"),
        "{msg}"
    );
    assert!(msg.contains(support::fixture_image()), "{msg}");
    support::assert_no_catwalk_containers();
}
