//! Proves the test infrastructure: runs each real component directly (no catwalk code) and checks
//! its real output. If one of these fails, catwalk's own tests cannot be trusted.

mod support;

use serde_json::{Value, json};
use std::process::Command;
use std::time::Duration;
use support::{Ran, run_with_timeout};

const SLOW: Duration = Duration::from_secs(180);
const QUICK: Duration = Duration::from_secs(30);

fn lines(requests: &[Value]) -> Vec<u8> {
    requests
        .iter()
        .map(|r| format!("{r}\n"))
        .collect::<String>()
        .into_bytes()
}

/// The messages of type `t` among an Airbyte connector's stdout lines.
fn of_type(stdout: &[u8], t: &str) -> Vec<Value> {
    support::json_lines(stdout)
        .into_iter()
        .filter(|m| m["type"] == t)
        .collect()
}

/// The first message of type `t`, or a panic showing the output.
fn first_of(stdout: &[u8], t: &str) -> Value {
    of_type(stdout, t)
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no {t} message in: {}", String::from_utf8_lossy(stdout)))
}

fn last_stderr_json(ran: &Ran) -> Value {
    let stderr = ran.stderr();
    let last = stderr
        .lines()
        .last()
        .unwrap_or_else(|| panic!("no stderr; stdout: {}", ran.stdout()));
    serde_json::from_str(last)
        .unwrap_or_else(|e| panic!("last stderr line is not JSON ({e}): {last}"))
}

// ------------------------------------------------------------------------------------------------
// Airbyte connectors from PyPI

fn assert_airbyte_spec(name: &str) {
    let bin = support::airbyte_connector(name);
    let ran = run_with_timeout(Command::new(&bin).arg("spec"), None, SLOW);
    assert_eq!(
        ran.code(),
        Some(0),
        "{name} spec failed: {}\n{}",
        ran.stdout(),
        ran.stderr()
    );
    let specs = of_type(&ran.stdout, "SPEC");
    assert_eq!(
        specs.len(),
        1,
        "{name}: expected one SPEC message in {}",
        ran.stdout()
    );
    let schema = &specs[0]["spec"]["connectionSpecification"];
    assert!(
        schema.is_object(),
        "{name}: connectionSpecification is not an object: {schema}"
    );
    assert!(
        schema.get("properties").is_some() || schema.get("oneOf").is_some(),
        "{name}: {schema}"
    );
}

#[test]
fn source_hardcoded_records_prints_a_spec() {
    assert_airbyte_spec("source-hardcoded-records");
}

#[test]
fn source_faker_prints_a_spec() {
    assert_airbyte_spec("source-faker");
}

#[test]
fn source_file_prints_a_spec() {
    assert_airbyte_spec("source-file");
}

#[test]
fn manifest_lists_every_airbyte_connector() {
    let mut names = support::airbyte_connectors();
    names.sort();
    assert_eq!(
        names,
        ["source-faker", "source-file", "source-hardcoded-records"]
    );
    for n in &names {
        assert!(
            support::airbyte_bin_dir(n).join("python").exists(),
            "{n}: venv has no python"
        );
    }
}

// ------------------------------------------------------------------------------------------------
// The flow-fixture binary, Flow protocol

fn flow_fixture() -> Command {
    let mut cmd = Command::new(support::fixture_bin());
    cmd.env("FLOW_RUNTIME_CODEC", "json")
        .env_remove("FIXTURE_BEHAVIOUR");
    cmd
}

#[test]
fn flow_fixture_serves_several_requests_in_one_process() {
    let config = support::fixture_config();
    let requests = [
        json!({"spec": {"connectorType": "IMAGE", "config": {}}}),
        json!({"discover": {"connectorType": "IMAGE", "config": config}}),
        json!({"validate": {"name": "acmeCo/fixture", "connectorType": "IMAGE", "config": config, "bindings": [
            {"resourceConfig": {"name": "events"}, "collection": {"name": "acmeCo/events"}, "backfill": 0},
            {"resourceConfig": {"name": "users"}, "collection": {"name": "acmeCo/users"}, "backfill": 0}
        ]}}),
        json!({"open": {"capture": {"name": "acmeCo/fixture", "config": config, "bindings": [
            {"resourceConfig": {"name": "users"}}
        ]}, "version": "v1", "state": {}}}),
    ];
    let ran = run_with_timeout(&mut flow_fixture(), Some(&lines(&requests)), QUICK);
    assert_eq!(ran.code(), Some(0), "stderr: {}", ran.stderr());
    let out: Vec<Value> = ran
        .stdout()
        .lines()
        .map(|l| serde_json::from_str(l).expect("every stdout line is JSON"))
        .collect();

    let spec = &out[0]["spec"];
    assert_eq!(spec["protocol"], json!(3032023));
    assert_eq!(spec["resourcePathPointers"], json!(["/name"]));
    assert_eq!(
        spec["configSchema"]["properties"]["password"]["secret"],
        json!(true)
    );
    assert_eq!(
        spec["configSchema"]["required"],
        json!(["host", "password"])
    );
    let order: Vec<&String> = spec["configSchema"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(
        order,
        [
            "host",
            "port",
            "password",
            "private_key",
            "mode",
            "behaviour",
            "advanced"
        ]
    );
    assert!(spec["documentationUrl"].is_string());

    let bindings = out[1]["discovered"]["bindings"]
        .as_array()
        .expect("discovered.bindings");
    let names: Vec<&str> = bindings
        .iter()
        .map(|b| b["recommendedName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["users", "events", "audit_log"]);
    assert_eq!(bindings[0]["key"], json!(["/id"]));
    assert_eq!(bindings[1]["key"], json!(["/_meta/row_id"]));
    assert_eq!(bindings[1]["isFallbackKey"], json!(true));
    assert_eq!(bindings[2]["disable"], json!(true));
    assert_eq!(
        bindings[0]["documentSchema"]["properties"]
            .as_object()
            .unwrap()
            .len(),
        10
    );

    assert_eq!(
        out[2],
        json!({"validated": {"bindings": [{"resourcePath": ["events"]}, {"resourcePath": ["users"]}]}})
    );

    assert_eq!(out[3], json!({"opened": {}}));
    let captured: Vec<&Value> = out.iter().filter_map(|m| m.get("captured")).collect();
    assert_eq!(captured.len(), 3);
    assert_eq!(captured[0]["binding"], json!(0));
    assert_eq!(captured[0]["doc"]["id"], json!(1));
    assert_eq!(
        out.last().unwrap(),
        &json!({"checkpoint": {"state": {"updated": {"cursors": {"users": 3}}, "mergePatch": true}}})
    );

    // Logs are JSON lines on stderr.
    for l in ran.stderr().lines() {
        let v: Value =
            serde_json::from_str(l).unwrap_or_else(|e| panic!("stderr line not JSON ({e}): {l}"));
        assert!(v["level"].is_string() && v["msg"].is_string(), "{l}");
    }
}

#[test]
fn flow_fixture_refuses_to_run_without_the_json_codec() {
    let spec = lines(&[json!({"spec": {"connectorType": "IMAGE", "config": {}}})]);
    for codec in [None, Some("protobuf")] {
        let mut cmd = flow_fixture();
        match codec {
            None => cmd.env_remove("FLOW_RUNTIME_CODEC"),
            Some(c) => cmd.env("FLOW_RUNTIME_CODEC", c),
        };
        let ran = run_with_timeout(&mut cmd, Some(&spec), QUICK);
        assert_eq!(ran.code(), Some(1), "codec {codec:?}");
        assert!(
            ran.stdout.is_empty(),
            "codec {codec:?}: answered anyway: {}",
            ran.stdout()
        );
        let err = last_stderr_json(&ran);
        assert_eq!(err["level"], "error");
        assert!(
            err["msg"]
                .as_str()
                .unwrap()
                .contains("FLOW_RUNTIME_CODEC=json"),
            "{err}"
        );
    }
}

#[test]
fn flow_fixture_behaviours_fail_as_documented() {
    let discover = |patch: Value| {
        let mut config = support::fixture_config();
        config
            .as_object_mut()
            .unwrap()
            .extend(patch.as_object().unwrap().clone());
        lines(&[json!({"discover": {"connectorType": "IMAGE", "config": config}})])
    };

    let ran = run_with_timeout(
        &mut flow_fixture(),
        Some(&discover(json!({"behaviour": "exit_nonzero"}))),
        QUICK,
    );
    assert_eq!(ran.code(), Some(3));
    assert_eq!(last_stderr_json(&ran)["level"], "error");

    let ran = run_with_timeout(
        &mut flow_fixture(),
        Some(&discover(json!({"behaviour": "garbage"}))),
        QUICK,
    );
    assert_eq!(ran.code(), Some(0));
    let first = ran.stdout().lines().next().unwrap_or_default().to_string();
    assert!(
        serde_json::from_str::<Value>(&first).is_err(),
        "expected a non-JSON line, got {first}"
    );

    let ran = run_with_timeout(
        &mut flow_fixture(),
        Some(&discover(json!({"behaviour": "hang"}))),
        Duration::from_secs(2),
    );
    assert!(
        ran.timed_out(),
        "hang should not exit: {:?} {}",
        ran.status,
        ran.stderr()
    );
    assert!(ran.stdout.is_empty());

    let mut cmd = flow_fixture();
    cmd.env("FIXTURE_BEHAVIOUR", "exit_nonzero");
    let ran = run_with_timeout(
        &mut cmd,
        Some(&lines(&[json!({"spec": {"config": {}}})])),
        QUICK,
    );
    assert_eq!(ran.code(), Some(3), "env FIXTURE_BEHAVIOUR applies to spec");

    let ran = run_with_timeout(
        &mut flow_fixture(),
        Some(&discover(
            json!({"mode": {"kind": "slow", "delay_ms": 300}}),
        )),
        QUICK,
    );
    assert_eq!(ran.code(), Some(0));
    assert!(ran.elapsed >= Duration::from_millis(300));

    // fail_check: validate fails with the message, exit 1.
    let mut config = support::fixture_config();
    config["mode"] = json!({"kind": "fail_check", "message": "password authentication failed"});
    let validate = json!({"validate": {"name": "a/b", "config": config, "bindings": [{"resourceConfig": {"name": "users"}}]}});
    let ran = run_with_timeout(&mut flow_fixture(), Some(&lines(&[validate])), QUICK);
    assert_eq!(ran.code(), Some(1));
    assert_eq!(
        last_stderr_json(&ran)["msg"],
        "password authentication failed"
    );

    // An invalid config names the field.
    let ran = run_with_timeout(
        &mut flow_fixture(),
        Some(&lines(&[
            json!({"discover": {"config": {"password": "p"}}}),
        ])),
        QUICK,
    );
    assert_eq!(ran.code(), Some(1));
    assert!(
        last_stderr_json(&ran)["msg"]
            .as_str()
            .unwrap()
            .contains("/host")
    );
}

#[test]
fn flow_fixture_discovers_ten_thousand_bindings() {
    let mut config = support::fixture_config();
    config["advanced"] = json!({"bindings": 10000});
    let ran = run_with_timeout(
        &mut flow_fixture(),
        Some(&lines(&[json!({"discover": {"config": config}})])),
        QUICK,
    );
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let v: Value = serde_json::from_slice(&ran.stdout).unwrap();
    let bindings = v["discovered"]["bindings"].as_array().unwrap();
    assert_eq!(bindings.len(), 10000);
    assert_eq!(bindings[9999]["recommendedName"], "table_09999");
}

// ------------------------------------------------------------------------------------------------
// The flow-fixture binary, Airbyte protocol

#[test]
fn fixture_airbyte_mode_answers_spec_check_discover_read() {
    let dir = support::temp_dir();
    let bin = support::fixture_bin();
    let airbyte = |args: &[&str]| {
        let mut cmd = Command::new(&bin);
        cmd.args(args)
            .env_remove("FIXTURE_BEHAVIOUR")
            .env_remove("FLOW_RUNTIME_CODEC");
        run_with_timeout(&mut cmd, None, QUICK)
    };
    let config = support::write_json(dir.path(), "config.json", &support::fixture_config());
    let config = config.to_str().unwrap();

    let ran = airbyte(&["spec"]);
    assert_eq!(ran.code(), Some(0));
    let spec = &first_of(&ran.stdout, "SPEC")["spec"];
    assert_eq!(
        spec["connectionSpecification"]["properties"]["password"]["airbyte_secret"],
        json!(true)
    );

    let ran = airbyte(&["check", "--config", config]);
    assert_eq!(ran.code(), Some(0));
    let status = &first_of(&ran.stdout, "CONNECTION_STATUS")["connectionStatus"];
    assert_eq!(status["status"], "SUCCEEDED");

    let mut failing = support::fixture_config();
    failing["mode"] = json!({"kind": "fail_check", "message": "no route to host"});
    let failing = support::write_json(dir.path(), "failing.json", &failing);
    let ran = airbyte(&["airbyte", "check", "--config", failing.to_str().unwrap()]);
    assert_eq!(ran.code(), Some(0), "a failed check exits 0");
    let status = &first_of(&ran.stdout, "CONNECTION_STATUS")["connectionStatus"];
    assert_eq!(
        status,
        &json!({"status": "FAILED", "message": "no route to host"})
    );

    let ran = airbyte(&["discover", "--config", config]);
    assert_eq!(ran.code(), Some(0));
    let catalog = &first_of(&ran.stdout, "CATALOG")["catalog"];
    let streams = catalog["streams"].as_array().unwrap();
    assert_eq!(streams.len(), 3);
    assert_eq!(streams[0]["source_defined_primary_key"], json!([["id"]]));
    assert!(
        streams[1].get("source_defined_primary_key").is_none(),
        "events has no primary key"
    );

    let configured = json!({"streams": [
        {"stream": streams[0], "sync_mode": "incremental", "destination_sync_mode": "append", "cursor_field": ["updated_at"]},
        {"stream": streams[1], "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}
    ]});
    let catalog_path = support::write_json(dir.path(), "catalog.json", &configured);
    let catalog_path = catalog_path.to_str().unwrap();
    let ran = airbyte(&["read", "--config", config, "--catalog", catalog_path]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stdout());
    let records = of_type(&ran.stdout, "RECORD");
    assert_eq!(records.len(), 6);
    assert_eq!(records[0]["record"]["stream"], "users");
    assert!(records[0]["record"]["emitted_at"].is_u64());
    let states = of_type(&ran.stdout, "STATE");
    assert_eq!(states.len(), 2);

    // --state resumes after the cursor.
    let state: Vec<Value> = states.iter().map(|s| s["state"].clone()).collect();
    let state_path = support::write_json(dir.path(), "state.json", &Value::Array(state));
    let ran = airbyte(&[
        "read",
        "--config",
        config,
        "--catalog",
        catalog_path,
        "--state",
        state_path.to_str().unwrap(),
    ]);
    let record = first_of(&ran.stdout, "RECORD");
    assert_eq!(record["record"]["data"]["id"], json!(4));

    // Bad arguments: usage, exit 2. Unreadable config: TRACE ERROR, exit 1.
    let ran = airbyte(&["read", "--config", config]);
    assert_eq!(ran.code(), Some(2));
    assert!(ran.stderr().contains("--catalog"));
    let ran = airbyte(&["check", "--config", "/nonexistent/config.json"]);
    assert_eq!(ran.code(), Some(1));
    let trace = first_of(&ran.stdout, "TRACE");
    assert_eq!(trace["trace"]["type"], "ERROR");
    assert!(
        trace["trace"]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("/nonexistent/config.json")
    );
}

// ------------------------------------------------------------------------------------------------
// Docker images

fn inspect(image: &str) -> Value {
    let out = Command::new("docker")
        .args(["image", "inspect", image])
        .output()
        .expect("docker CLI");
    assert!(
        out.status.success(),
        "docker image inspect {image}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<Value>(&out.stdout).unwrap()[0]["Config"].clone()
}

#[test]
fn images_exist_with_the_right_labels() {
    assert!(support::docker_available(), "Docker engine not reachable");
    let flow = inspect(support::fixture_image());
    assert_eq!(flow["Labels"]["FLOW_RUNTIME_PROTOCOL"], "capture");
    assert_eq!(flow["Labels"]["catwalk.test"], "1");
    assert!(
        flow["Labels"].get("FLOW_RUNTIME_CODEC").is_none(),
        "the runtime must pass the codec itself"
    );
    assert_eq!(flow["Entrypoint"], json!(["/flow-fixture"]));

    let airbyte = inspect(support::airbyte_fixture_image());
    assert_eq!(
        airbyte["Labels"]["io.airbyte.name"],
        "catwalk-test/airbyte-fixture"
    );
    assert_eq!(airbyte["Labels"]["io.airbyte.version"], "0.1.0");
    assert_eq!(airbyte["Labels"]["catwalk.test"], "1");
    assert_eq!(airbyte["User"], "1000");
    assert!(
        airbyte["Env"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e.as_str().unwrap().starts_with("AIRBYTE_ENTRYPOINT=")),
        "{airbyte}"
    );
}

#[test]
fn flow_image_answers_a_spec_request_over_docker_run() {
    let spec = lines(&[json!({"spec": {"connectorType": "IMAGE", "config": {}}})]);
    let image = support::fixture_image();
    let mut cmd = Command::new("docker");
    cmd.args([
        "run",
        "--rm",
        "-i",
        "--label",
        support::TEST_LABEL,
        "-e",
        "FLOW_RUNTIME_CODEC=json",
        image,
    ]);
    let ran = run_with_timeout(&mut cmd, Some(&spec), QUICK);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let v: Value = serde_json::from_str(ran.stdout().trim()).expect("one JSON line");
    assert_eq!(v["spec"]["protocol"], json!(3032023));

    let mut cmd = Command::new("docker");
    cmd.args(["run", "--rm", "-i", "--label", support::TEST_LABEL, image]);
    let ran = run_with_timeout(&mut cmd, Some(&spec), QUICK);
    assert_eq!(
        ran.code(),
        Some(1),
        "without FLOW_RUNTIME_CODEC=json the fixture refuses"
    );
}

#[test]
fn airbyte_image_reads_a_mounted_config_as_uid_1000() {
    let dir = support::temp_dir();
    let config = support::write_json(dir.path(), "config.json", &support::fixture_config());
    let mount = format!("{}:/local:ro", dir.path().display());
    let run = |file_mode: u32| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(file_mode)).unwrap();
        let mut cmd = Command::new("docker");
        cmd.args([
            "run",
            "--rm",
            "--label",
            support::TEST_LABEL,
            "-v",
            &mount,
            support::airbyte_fixture_image(),
        ]);
        cmd.args(["check", "--config", "/local/config.json"]);
        run_with_timeout(&mut cmd, None, QUICK)
    };
    let ran = run(0o444);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let status = &first_of(&ran.stdout, "CONNECTION_STATUS")["connectionStatus"];
    assert_eq!(status["status"], "SUCCEEDED");

    // The image runs as uid 1000: a root-only file is unreadable, so the mount is really used.
    let ran = run(0o400);
    assert_eq!(ran.code(), Some(1), "{}", ran.stdout());
    assert!(
        ran.stdout().contains("Permission denied"),
        "{}",
        ran.stdout()
    );
}

#[test]
fn container_label_queries_see_labelled_containers() {
    let unique = format!("catwalk.test.id=smoke-{}", std::process::id());
    let out = Command::new("docker")
        .args([
            "create",
            "--label",
            support::TEST_LABEL,
            "--label",
            &unique,
            support::fixture_image(),
        ])
        .output()
        .expect("docker create");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let found = support::containers_with_labels(&[support::TEST_LABEL, &unique]);
    let _ = Command::new("docker").args(["rm", "-f", &id]).output();
    assert_eq!(found, vec![id.clone()]);
    assert!(
        support::containers_with_labels(&[&unique]).is_empty(),
        "container {id} not removed"
    );
    // Only proves the query runs; the no-leftover assertion belongs to catwalk's own tests.
    let _ = support::catwalk_containers();
}

// ------------------------------------------------------------------------------------------------
// Tools

#[test]
fn sops_age_ssh_postgres_tmux_are_installed() {
    let ran = run_with_timeout(
        Command::new(support::sops_bin()).args(["--version", "--disable-version-check"]),
        None,
        QUICK,
    );
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    assert!(ran.stdout().contains("sops 3."), "{}", ran.stdout());

    let dir = support::temp_dir();
    let key = dir.path().join("key.txt");
    let ran = run_with_timeout(
        Command::new(support::tool("age_keygen"))
            .arg("-o")
            .arg(&key),
        None,
        QUICK,
    );
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    assert!(
        std::fs::read_to_string(&key)
            .unwrap()
            .contains("AGE-SECRET-KEY-")
    );

    for t in ["age", "sshd", "ssh_keygen", "tmux"] {
        assert!(support::tool(t).is_file(), "{t}");
    }
    let ran = run_with_timeout(
        Command::new(support::pg_bin_dir().join("initdb")).arg("--version"),
        None,
        QUICK,
    );
    assert!(ran.stdout().contains("PostgreSQL"), "{}", ran.stdout());
}
