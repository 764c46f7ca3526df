//! `catwalk preview` of the flow-fixture (tests/fixtures/flow-fixture) as a local command: a connector
//! that asks for explicit acknowledgements gets one after each committed checkpoint (it sends nothing more
//! until then), and sessions resume from the cursors the last one left.

mod preview_support;
mod support;

use preview_support::{assert_all_valid, counts, read_output};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Discover the fixture (`endpoint`: how to run it) into `dir/acmeCo`; the catalog's path.
pub fn discovered(dir: &Path, endpoint: &[String]) -> PathBuf {
    std::fs::create_dir_all(dir.join("acmeCo")).unwrap();
    support::write_json(
        dir,
        "acmeCo/fixture.config.yaml",
        &support::fixture_config(),
    );
    let mut args: Vec<String> = ["discover", "--prefix", "acmeCo", "--name", "fixture"]
        .map(String::from)
        .to_vec();
    args.extend(endpoint.iter().cloned());
    let ran = support::run_with_timeout(
        support::catwalk(dir)
            .env("XDG_CACHE_HOME", dir.join("cache"))
            .args(&args),
        None,
        Duration::from_secs(180),
    );
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    dir.join("acmeCo/fixture.flow.yaml")
}

fn ids(docs: &[(String, Value)], collection: &str) -> Vec<u64> {
    docs.iter()
        .filter(|(c, _)| c == collection)
        .map(|(_, d)| d["id"].as_u64().unwrap())
        .collect()
}

#[test]
fn explicit_acknowledgements_are_sent_and_sessions_resume_from_the_cursors() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    let flow = discovered(
        dir,
        &[
            "--protocol=flow".into(),
            "--local".into(),
            "--env=FIXTURE_EXPLICIT_ACKS=1".into(),
            "--".into(),
            support::fixture_bin().display().to_string(),
        ],
    );
    // users and events (audit_log is disabled): three documents each per session. Without an acknowledge
    // after users' checkpoint, the fixture would never send events.
    let ran = support::run_with_timeout(
        support::catwalk(dir)
            .env("XDG_CACHE_HOME", dir.join("cache"))
            .args(["preview", "--source", flow.to_str().unwrap()])
            .args([
                "--sessions",
                "-1,-1",
                "--limit",
                "6",
                "--timeout",
                "60s",
                "--output-state",
            ]),
        None,
        Duration::from_secs(180),
    );
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let (docs, states) = read_output(&ran.stdout());
    assert_all_valid(&flow, &docs);
    assert_eq!(
        ids(&docs, "acmeCo/users"),
        [1, 2, 3, 4, 5, 6],
        "{}",
        ran.stdout()
    );
    assert_eq!(ids(&docs, "acmeCo/events"), [1, 2, 3, 4, 5, 6]);
    assert_eq!(counts(&docs).len(), 2);
    let cursors: Vec<&Value> = states
        .iter()
        .filter_map(|s| s.pointer("/updated/cursors/users"))
        .collect();
    assert_eq!(cursors, [&Value::from(3), &Value::from(6)], "{states:?}");
    assert!(
        ran.stderr().contains("session 2: 6 documents"),
        "{}",
        ran.stderr()
    );
}

#[test]
fn a_catalog_with_several_captures_needs_a_name() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    let flow = discovered(
        dir,
        &[
            "--protocol=flow".into(),
            "--local".into(),
            "--".into(),
            support::fixture_bin().display().to_string(),
        ],
    );
    // A second capture in the same catalog.
    let mut doc = support::read_yaml(&flow);
    let capture = doc["captures"]["acmeCo/fixture"].clone();
    doc["captures"]["acmeCo/other"] = capture;
    std::fs::write(&flow, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let run = |args: &[&str]| {
        support::run_with_timeout(
            support::catwalk(dir)
                .env("XDG_CACHE_HOME", dir.join("cache"))
                .args(["preview", "--source", flow.to_str().unwrap()])
                .args(args),
            None,
            Duration::from_secs(180),
        )
    };
    let ran = run(&[]);
    assert_eq!(ran.code(), Some(3), "{}", ran.stderr());
    assert!(
        ran.stderr()
            .contains("2 captures (acmeCo/fixture, acmeCo/other): pick one with --name"),
        "{}",
        ran.stderr()
    );
    let ran = run(&["--name", "acmeCo/nope"]);
    assert_eq!(ran.code(), Some(3), "{}", ran.stderr());
    assert!(
        ran.stderr().contains("no capture named acmeCo/nope"),
        "{}",
        ran.stderr()
    );
    let ran = run(&["--name", "acmeCo/other", "--limit", "6", "--timeout", "60s"]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let (docs, _) = read_output(&ran.stdout());
    assert_all_valid(&flow, &docs);
    assert_eq!(docs.len(), 6);
}
