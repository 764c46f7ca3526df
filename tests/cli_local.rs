//! The `catwalk` binary as a user runs it, against real local connectors: `discover` twice (stub, then
//! catalog), edits, `check`, re-discovery, bad input, and interruption. Every catalog written is validated
//! against Flow's catalog schema.

mod support;

use serde_json::{Value, json};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

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

fn mode_of(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn airbyte_hardcoded_records_stub_discover_check() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    let hc = support::airbyte_connector("source-hardcoded-records")
        .display()
        .to_string();

    // First run: a stub, mode 0600, and instructions.
    let ran = support::run_catwalk(dir, &["discover", "--local", "--", &hc]);
    assert_eq!(ran.code(), Some(5), "{}", ran.stderr());
    let stub = dir.join("acmeCo/source-hardcoded-records.config.yaml");
    assert_eq!(mode_of(&stub), 0o600);
    assert!(
        ran.stderr()
            .contains("Then run this command again: catwalk discover --local --"),
        "{}",
        ran.stderr()
    );
    let stub_value = support::read_yaml(&stub);
    assert_eq!(
        stub_value,
        json!({"count": 1000}),
        "the stub holds the schema's defaults"
    );
    assert!(
        !dir.join("acmeCo/source-hardcoded-records.flow.yaml")
            .exists()
    );

    // Edit it, run again: the catalog.
    std::fs::write(&stub, "count: 25\n").unwrap();
    let ran = support::run_catwalk(dir, &["discover", "--local", "--", &hc]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    assert_eq!(
        std::fs::read_to_string(&stub).unwrap(),
        "count: 25\n",
        "discover never rewrites the config"
    );
    let flow = dir.join("acmeCo/source-hardcoded-records.flow.yaml");
    let doc = assert_valid_catalog(&flow);
    let capture = &doc["captures"]["acmeCo/source-hardcoded-records"];
    let command = capture["endpoint"]["local"]["command"].as_array().unwrap();
    assert_eq!(
        command[..4],
        [
            json!("catwalk"),
            json!("adapt"),
            json!("airbyte"),
            json!("--")
        ]
    );
    assert_eq!(command[4], json!(hc));
    assert_eq!(
        capture["endpoint"]["local"]["config"],
        "source-hardcoded-records.config.yaml"
    );
    let targets: Vec<&str> = capture["bindings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["target"].as_str().unwrap())
        .collect();
    assert_eq!(
        targets,
        vec!["acmeCo/products", "acmeCo/customers", "acmeCo/dummy_fields"]
    );
    for t in &targets {
        let collection = &doc["collections"][t];
        assert!(
            !collection["key"].as_array().unwrap().is_empty(),
            "{t} has a key"
        );
        let schema_file = dir
            .join("acmeCo")
            .join(collection["schema"].as_str().unwrap());
        let schema = support::read_yaml(&schema_file);
        assert_eq!(schema["type"], "object", "{}", schema_file.display());
    }
    assert!(
        ran.stderr().contains("fallback key"),
        "fallback keys are pointed out: {}",
        ran.stderr()
    );

    // check runs the adapter as Flow would, and reports each binding.
    let ran = support::run_catwalk(dir, &["check", "--source", flow.to_str().unwrap()]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    for t in &targets {
        assert!(ran.stderr().contains(&format!("✓ {t}")), "{}", ran.stderr());
    }
    assert!(
        ran.stderr().contains("1 task checked: 1 passed, 0 failed."),
        "{}",
        ran.stderr()
    );
}

#[test]
fn airbyte_faker_catalog_has_real_keys_and_passes_check() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    let faker = support::airbyte_connector("source-faker")
        .display()
        .to_string();
    let args = [
        "discover",
        "--local",
        "--prefix",
        "shop/faker",
        "--directory",
        "out",
        "--",
        &faker,
    ];
    assert_eq!(support::run_catwalk(dir, &args).code(), Some(5));
    // faker's check crashes on `{}`: it works only because catwalk writes defaults for it.
    std::fs::write(dir.join("out/source-faker.config.yaml"), "count: 20\n").unwrap();
    let ran = support::run_catwalk(dir, &args);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let flow = dir.join("out/source-faker.flow.yaml");
    let doc = assert_valid_catalog(&flow);
    for stream in ["users", "products", "purchases"] {
        let c = &doc["collections"][format!("shop/faker/{stream}")];
        assert_eq!(c["key"], json!(["/id"]), "{stream}");
    }
    let ran = support::run_catwalk(dir, &["check", "--source", flow.to_str().unwrap()]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
}

#[test]
fn airbyte_source_file_with_a_one_of_provider() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    let file = support::airbyte_connector("source-file")
        .display()
        .to_string();
    let csv = dir.join("people.csv");
    std::fs::write(&csv, "id,name\n1,Ada\n2,Grace\n").unwrap();
    let args = ["discover", "--local", "--", &file];
    assert_eq!(support::run_catwalk(dir, &args).code(), Some(5));
    let stub = std::fs::read_to_string(dir.join("acmeCo/source-file.config.yaml")).unwrap();
    assert!(stub.contains("provider:"), "{stub}");
    assert!(stub.contains("(required)"), "{stub}");
    let config = format!(
        "dataset_name: people\nformat: csv\nurl: {}\nprovider:\n  storage: local\n",
        csv.display()
    );
    std::fs::write(dir.join("acmeCo/source-file.config.yaml"), config).unwrap();
    let ran = support::run_catwalk(dir, &args);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let flow = dir.join("acmeCo/source-file.flow.yaml");
    let doc = assert_valid_catalog(&flow);
    assert!(doc["collections"]["acmeCo/people"].is_object(), "{doc}");
    let ran = support::run_catwalk(dir, &["check", "--source", flow.to_str().unwrap()]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
}

fn fixture_discover(dir: &Path, extra: &[&str]) -> support::Ran {
    let bin = support::fixture_bin().display().to_string();
    let mut args = vec!["discover", "--protocol", "flow"];
    args.extend_from_slice(extra);
    args.extend(["--local", "--", bin.as_str()]);
    support::run_catwalk(dir, &args)
}

fn write_fixture_config(dir: &Path, config: &Value) {
    let path = dir.join("acmeCo/flow-fixture.config.yaml");
    std::fs::write(path, serde_yaml::to_string(config).unwrap()).unwrap();
}

#[test]
fn flow_fixture_invalid_config_names_fields_and_runs_no_discover() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    assert_eq!(fixture_discover(dir, &[]).code(), Some(5));
    let stub = std::fs::read_to_string(dir.join("acmeCo/flow-fixture.config.yaml")).unwrap();
    assert!(
        stub.contains("(secret)"),
        "secrets are marked in the stub: {stub}"
    );

    // The stub as written has an empty host, which the schema forbids.
    let ran = fixture_discover(dir, &[]);
    assert_eq!(ran.code(), Some(3), "{}", ran.stderr());
    assert!(ran.stderr().contains("Host (/host)"), "{}", ran.stderr());

    // Required fields missing altogether.
    write_fixture_config(dir, &json!({"port": 5432}));
    let ran = fixture_discover(dir, &["-vv"]);
    assert_eq!(ran.code(), Some(3), "{}", ran.stderr());
    let err = ran.stderr();
    assert!(
        err.contains("does not match the connector's schema"),
        "{err}"
    );
    assert!(
        err.contains("(/host)") && err.contains("(/password)"),
        "{err}"
    );
    assert!(
        err.contains("flow-fixture.config.yaml"),
        "names the file: {err}"
    );
    assert!(
        !err.contains("received discover request"),
        "no discover on an invalid config: {err}"
    );

    // A wrong type, and a secret that must not be echoed.
    write_fixture_config(
        dir,
        &json!({"host": "h", "password": "hunter2-very-secret", "port": "not a number"}),
    );
    let ran = fixture_discover(dir, &[]);
    assert_eq!(ran.code(), Some(3));
    assert!(ran.stderr().contains("(/port)"), "{}", ran.stderr());
    assert!(
        !ran.stderr().contains("hunter2-very-secret"),
        "{}",
        ran.stderr()
    );
}

#[test]
fn flow_fixture_yaml_syntax_error_says_file_and_line() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    assert_eq!(fixture_discover(dir, &[]).code(), Some(5));
    std::fs::write(
        dir.join("acmeCo/flow-fixture.config.yaml"),
        "host: h\npassword: [unclosed\n",
    )
    .unwrap();
    let ran = fixture_discover(dir, &[]);
    assert_eq!(ran.code(), Some(3), "{}", ran.stderr());
    assert!(
        ran.stderr().contains("flow-fixture.config.yaml:3:1:"),
        "file, line and column: {}",
        ran.stderr()
    );
}

#[test]
fn flow_fixture_rediscovery_keeps_edits_and_check_reports_failures() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    assert_eq!(fixture_discover(dir, &[]).code(), Some(5));
    write_fixture_config(dir, &support::fixture_config());
    let ran = fixture_discover(dir, &[]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let flow = dir.join("acmeCo/flow-fixture.flow.yaml");
    let doc = assert_valid_catalog(&flow);
    let capture = &doc["captures"]["acmeCo/flow-fixture"];
    assert_eq!(
        capture["endpoint"]["local"]["command"],
        json!([support::fixture_bin().display().to_string()])
    );
    assert_eq!(
        capture["bindings"][2]["disable"],
        json!(true),
        "audit_log is proposed disabled"
    );
    assert!(
        doc["collections"]["acmeCo/events"]["readSchema"].is_object(),
        "x-infer-schema gives a read schema"
    );

    // The user renames a collection and disables a binding; a new discover keeps both edits.
    let text = std::fs::read_to_string(&flow).unwrap();
    let edited = text.replace("target: acmeCo/users", "target: acmeCo/people");
    let edited = edited.replace("acmeCo/users:", "acmeCo/people:");
    std::fs::write(&flow, edited).unwrap();
    let ran = fixture_discover(dir, &[]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let doc = assert_valid_catalog(&flow);
    let targets: Vec<&str> = doc["captures"]["acmeCo/flow-fixture"]["bindings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["target"].as_str().unwrap())
        .collect();
    assert_eq!(
        targets,
        vec!["acmeCo/people", "acmeCo/events", "acmeCo/audit_log"]
    );
    assert!(ran.stderr().contains("3 kept"), "{}", ran.stderr());

    let ran = support::run_catwalk(dir, &["check", "--source", flow.to_str().unwrap()]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    assert!(ran.stderr().contains("✓ acmeCo/people"), "{}", ran.stderr());
    assert!(
        ran.stderr().contains("1 binding disabled, not checked"),
        "{}",
        ran.stderr()
    );

    // The connector rejects the connection: check fails, showing why.
    let mut failing = support::fixture_config();
    failing["mode"] =
        json!({"kind": "fail_check", "message": "password authentication failed for user app"});
    write_fixture_config(dir, &failing);
    let ran = support::run_catwalk(dir, &["check", "--source", flow.to_str().unwrap()]);
    assert_eq!(ran.code(), Some(1), "{}", ran.stderr());
    assert!(
        ran.stderr()
            .contains("password authentication failed for user app"),
        "{}",
        ran.stderr()
    );
    assert!(
        ran.stderr().contains("0 passed, 1 failed"),
        "{}",
        ran.stderr()
    );

    // An invalid config is caught before the connector validates.
    write_fixture_config(dir, &json!({"host": "h"}));
    let ran = support::run_catwalk(dir, &["check", "--source", flow.to_str().unwrap()]);
    assert_eq!(ran.code(), Some(3), "{}", ran.stderr());
    assert!(ran.stderr().contains("(/password)"), "{}", ran.stderr());
}

#[test]
fn ctrl_c_stops_the_connector_and_exits_130() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    assert_eq!(fixture_discover(dir, &[]).code(), Some(5));
    let mut hang = support::fixture_config();
    hang["behaviour"] = json!("hang");
    hang["host"] = json!("ctrl-c-test-host");
    write_fixture_config(dir, &hang);
    let bin = support::fixture_bin().display().to_string();
    let child = support::catwalk(dir)
        .args(["discover", "--protocol", "flow", "--local", "--", &bin])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(2));
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("interrupted by Ctrl-C"));
    std::thread::sleep(Duration::from_millis(300));
    let ps = std::process::Command::new("pgrep")
        .args(["-f", &bin])
        .output()
        .unwrap();
    let left: Vec<String> = String::from_utf8_lossy(&ps.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    // Other tests may run the fixture right now, but none of theirs hangs: wait for them to finish.
    if !left.is_empty() {
        std::thread::sleep(Duration::from_secs(5));
        let ps = std::process::Command::new("pgrep")
            .args(["-f", &bin])
            .output()
            .unwrap();
        assert!(
            ps.stdout.is_empty(),
            "fixture still running: {}",
            String::from_utf8_lossy(&ps.stdout)
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    let tmp = support::temp_dir();
    let ran = support::run_catwalk(tmp.path(), &["discover"]);
    assert_eq!(ran.code(), Some(2), "{}", ran.stderr());
    let ran = support::run_catwalk(
        tmp.path(),
        &["discover", "--image", "x", "--prefix", "bad prefix!"],
    );
    assert_eq!(ran.code(), Some(2), "{}", ran.stderr());
    assert!(ran.stderr().contains("--prefix"), "{}", ran.stderr());
    for verb in ["spec", "discover", "check", "adapt"] {
        let ran = support::run_catwalk(tmp.path(), &[verb, "--help"]);
        assert_eq!(ran.code(), Some(0), "{verb} --help");
        assert!(
            ran.stdout().contains("Usage: catwalk"),
            "{verb}: {}",
            ran.stdout()
        );
    }
}

#[test]
fn check_reports_a_missing_catalog_clearly() {
    let tmp = support::temp_dir();
    let ran = support::run_catwalk(tmp.path(), &["check", "--source", "nope.flow.yaml"]);
    assert_eq!(ran.code(), Some(3), "{}", ran.stderr());
    assert!(ran.stderr().contains("nope.flow.yaml"), "{}", ran.stderr());
}

#[test]
fn spec_prints_json_and_adapt_serves_flow_requests() {
    let tmp = support::temp_dir();
    let faker = support::airbyte_connector("source-faker")
        .display()
        .to_string();
    let ran = support::run_catwalk(tmp.path(), &["spec", "--local", "--", &faker]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let spec: Value = serde_json::from_str(&ran.stdout()).unwrap();
    assert_eq!(spec["protocol"], 3032023);
    assert_eq!(
        spec["resourcePathPointers"],
        json!(["/namespace", "/stream"])
    );
    assert!(
        ran.stderr()
            .contains(": Airbyte capture connector (found by probing it)"),
        "{}",
        ran.stderr()
    );

    let requests = concat!(
        r#"{"spec":{"connectorType":"LOCAL","config":{}}}"#,
        "\n",
        r#"{"discover":{"connectorType":"LOCAL","config":{"count":5}}}"#,
        "\n",
        r#"{"open":{}}"#,
        "\n"
    );
    let ran = support::run_with_timeout(
        support::catwalk(tmp.path()).args(["adapt", "airbyte", "--", &faker]),
        Some(requests.as_bytes()),
        Duration::from_secs(120),
    );
    let responses = support::json_lines(&ran.stdout);
    assert_eq!(
        responses.len(),
        2,
        "spec and discover answered: {}",
        ran.stdout()
    );
    assert!(responses[0]["spec"]["configSchema"].is_object());
    let bindings = responses[1]["discovered"]["bindings"].as_array().unwrap();
    assert!(
        bindings
            .iter()
            .any(|b| b["recommendedName"] == "users" && b["key"] == json!(["/id"]))
    );
    // open is not supported yet: a Flow-style error line on stderr and a non-zero exit.
    assert_eq!(ran.code(), Some(1));
    let last = support::json_lines(&ran.stderr).into_iter().last().unwrap();
    assert_eq!(last["level"], "error");
    assert!(last["msg"].as_str().unwrap().contains("open"), "{last}");
}
