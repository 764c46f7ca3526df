//! Connectors written with Estuary's Python CDK (estuary-cdk, tests/fixtures/cdk-source) run as local
//! commands: the protocol is probed in one run with a pipe as stdin (a CDK connector given `/dev/null`
//! waits forever), discover and check work, the spec is cached between verbs, and a connector that answers
//! but never exits has its answer used.

mod support;

use serde_json::{Value, json};
use std::path::Path;

/// `catwalk ARGS --local --env ... -- python -m source_cdk_fixture`, with its own spec cache in `dir`.
fn cdk(dir: &Path, verb: &[&str], env: &[(&str, &str)]) -> support::Ran {
    let (python, fixture) = support::cdk_fixture();
    let mut args: Vec<String> = verb.iter().map(|s| s.to_string()).collect();
    args.push("--local".into());
    args.push(format!("--env=PYTHONPATH={}", fixture.display()));
    args.push(format!(
        "--env=CDK_FIXTURE_RECORD={}",
        dir.join("starts.jsonl").display()
    ));
    for (k, v) in env {
        args.push(format!("--env={k}={v}"));
    }
    args.extend([
        "--".into(),
        python.display().to_string(),
        "-m".into(),
        "source_cdk_fixture".into(),
    ]);
    let mut cmd = support::catwalk(dir);
    cmd.env("XDG_CACHE_HOME", dir.join("cache")).args(&args);
    support::run_with_timeout(&mut cmd, None, std::time::Duration::from_secs(180))
}

/// How the fixture was started, one entry per start (see tests/fixtures/cdk-source/README.md).
fn starts(dir: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(dir.join("starts.jsonl")).unwrap_or_default();
    support::json_lines(text.as_bytes())
}

fn assert_all_piped(starts: &[Value]) {
    for s in starts {
        assert_eq!(
            s["stdin"], "pipe",
            "every start gets a pipe as stdin: {starts:?}"
        );
    }
}

#[test]
fn the_protocol_of_a_cdk_connector_is_found_in_one_run_with_a_pipe_as_stdin() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    let ran = cdk(dir, &["spec", "--timeout", "60s", "--no-cache"], &[]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let spec: Value = serde_json::from_str(&ran.stdout()).unwrap();
    assert_eq!(spec["protocol"], 3032023);
    assert_eq!(
        spec["configSchema"]["properties"]["greeting"]["title"],
        "Greeting"
    );
    assert_eq!(spec["resourcePathPointers"], json!(["/name"]));
    assert!(
        ran.stderr()
            .contains("Flow capture connector (found by probing it)"),
        "{}",
        ran.stderr()
    );
    // One run answered: no attempt waited for its timeout, none had /dev/null as stdin.
    let starts = starts(dir);
    assert_eq!(starts.len(), 1, "{starts:?}");
    assert_all_piped(&starts);
}

#[test]
fn discover_and_check_a_cdk_connector_reading_its_spec_from_the_cache() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    let ran = cdk(dir, &["discover", "--prefix", "acmeCo"], &[]);
    assert_eq!(ran.code(), Some(5), "{}", ran.stderr());
    let config = dir.join("acmeCo/source-cdk-fixture.config.yaml");
    let stub = std::fs::read_to_string(&config).unwrap();
    assert!(stub.contains("greeting: \"\""), "{stub}");
    std::fs::write(&config, "greeting: hello\ndocuments: 2\n").unwrap();

    let ran = cdk(dir, &["discover", "--prefix", "acmeCo"], &[]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let flow = dir.join("acmeCo/source-cdk-fixture.flow.yaml");
    let doc = support::read_valid_catalog(&flow);
    let bindings = doc["captures"]["acmeCo/source-cdk-fixture"]["bindings"]
        .as_array()
        .unwrap();
    let targets: Vec<&str> = bindings
        .iter()
        .map(|b| b["target"].as_str().unwrap())
        .collect();
    assert_eq!(targets, ["acmeCo/greetings", "acmeCo/colors"]);
    assert_eq!(
        doc["collections"]["acmeCo/colors"]["key"],
        json!(["/_meta/row_id"])
    );
    // The first discover probed (one run) and cached the spec; the second ran only the discover.
    assert_eq!(starts(dir).len(), 2, "{:?}", starts(dir));

    let ran = support::run_with_timeout(
        support::catwalk(dir)
            .env("XDG_CACHE_HOME", dir.join("cache"))
            .args(["check", "--source", flow.to_str().unwrap()]),
        None,
        std::time::Duration::from_secs(180),
    );
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    assert!(
        ran.stderr().contains("✓ acmeCo/greetings"),
        "{}",
        ran.stderr()
    );
    // The check's spec came from the cache too: only the validate ran.
    let starts = starts(dir);
    assert_eq!(starts.len(), 3, "{starts:?}");
    assert_all_piped(&starts);

    // A blank greeting: the connector refuses it (exit 1, its words).
    std::fs::write(&config, "greeting: ' '\n").unwrap();
    let ran = support::run_with_timeout(
        support::catwalk(dir)
            .env("XDG_CACHE_HOME", dir.join("cache"))
            .args(["check", "--source", flow.to_str().unwrap()]),
        None,
        std::time::Duration::from_secs(180),
    );
    assert_eq!(ran.code(), Some(1), "{}", ran.stderr());
    assert!(
        ran.stderr().contains("config /greeting: must not be blank"),
        "{}",
        ran.stderr()
    );
}

#[test]
fn a_connector_that_answers_and_never_exits_has_its_answer_used() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    // Told the protocol: one Flow spec request. Probed: the one probing run. Either way the answer counts
    // and the lingering process is stopped.
    for verb in [
        &["spec", "--protocol", "flow", "--timeout", "60s"][..],
        &["spec", "--timeout", "60s"],
    ] {
        let ran = cdk(dir, verb, &[("CDK_FIXTURE_LINGER", "1")]);
        assert_eq!(ran.code(), Some(0), "{verb:?}: {}", ran.stderr());
        let spec: Value = serde_json::from_str(&ran.stdout()).unwrap();
        assert_eq!(spec["resourcePathPointers"], json!(["/name"]));
        assert!(
            ran.stderr().contains("did not exit; it was stopped"),
            "{}",
            ran.stderr()
        );
    }
    // Stopped: none of the lingering processes is left.
    for s in starts(dir) {
        let pid = s["pid"].as_i64().unwrap() as i32;
        let alive = unsafe { libc::kill(pid, 0) } == 0;
        assert!(!alive, "fixture {pid} still running");
    }
}
