//! `catwalk preview` of a capture written with Estuary's Python CDK (tests/fixtures/cdk-source), run as a
//! local command through Flow's protocol: every document on stdout as `["<collection>", <doc>]` and valid
//! against its collection, sessions carrying state (a second session shows nothing new), an initial state,
//! documents that break their schema (exit 1 naming binding, document, pointer and reason; --allow-invalid).

mod preview_support;
mod support;

use preview_support::{assert_all_valid, counts, read_output};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Discover the fixture (greetings: 3, colors: 3, events: 5) into `dir/acmeCo`; the catalog's path.
fn discovered(dir: &Path) -> PathBuf {
    let (python, fixture) = support::cdk_fixture();
    std::fs::create_dir_all(dir.join("acmeCo")).unwrap();
    std::fs::write(
        dir.join("acmeCo/source-cdk-fixture.config.yaml"),
        "greeting: hello\ndocuments: 3\nevents: 5\n",
    )
    .unwrap();
    let ran = support::run_with_timeout(
        support::catwalk(dir)
            .env("XDG_CACHE_HOME", dir.join("cache"))
            .args(["discover", "--prefix", "acmeCo", "--local"])
            .arg(format!("--env=PYTHONPATH={}", fixture.display()))
            .arg("--")
            .arg(python)
            .args(["-m", "source_cdk_fixture"]),
        None,
        Duration::from_secs(180),
    );
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    dir.join("acmeCo/source-cdk-fixture.flow.yaml")
}

fn preview(dir: &Path, flow: &Path, args: &[&str]) -> support::Ran {
    support::run_with_timeout(
        support::catwalk(dir)
            .env("XDG_CACHE_HOME", dir.join("cache"))
            .args(["preview", "--source", flow.to_str().unwrap()])
            .args(args),
        None,
        Duration::from_secs(180),
    )
}

fn seqs(docs: &[(String, Value)]) -> Vec<i64> {
    docs.iter()
        .filter(|(c, _)| c == "acmeCo/events")
        .map(|(_, d)| d["seq"].as_i64().unwrap())
        .collect()
}

#[test]
fn preview_shows_every_document_once_and_the_next_session_resumes_from_the_state() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    let flow = discovered(dir);
    // Session 1 ends at the checkpoint after all 11 documents; session 2 opens with its state, so the
    // snapshots are not due and the events' cursor is at 5: it shows nothing (and ends at its timeout).
    let ran = preview(
        dir,
        &flow,
        &[
            "--sessions",
            "-1,-1",
            "--limit",
            "11",
            "--timeout",
            "5s",
            "--output-state",
        ],
    );
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let (docs, states) = read_output(&ran.stdout());
    assert_all_valid(&flow, &docs);
    let expected: std::collections::BTreeMap<String, usize> = [
        ("acmeCo/colors".to_string(), 3),
        ("acmeCo/events".to_string(), 5),
        ("acmeCo/greetings".to_string(), 3),
    ]
    .into();
    assert_eq!(counts(&docs), expected, "{}", ran.stdout());
    assert_eq!(seqs(&docs), [1, 2, 3, 4, 5]);
    // The state updates are the connector's own, merge patches keyed by Flow's state keys.
    assert!(
        states.iter().all(|s| s["mergePatch"] == json!(true)),
        "{states:?}"
    );
    let last_cursor = states
        .iter()
        .filter_map(|s| s.pointer("/updated/bindingStateV1/events/inc/cursor"))
        .next_back();
    assert_eq!(last_cursor, Some(&json!(5)), "{states:?}");
    let err = ran.stderr();
    assert!(err.contains("session 1: 11 documents"), "{err}");
    assert!(
        err.contains("ended because the document limit was reached"),
        "{err}"
    );
    assert!(err.contains("session 2: 0 documents"), "{err}");
    assert!(err.contains("✓ acmeCo/events: 5 documents"), "{err}");
}

#[test]
fn an_initial_state_is_where_the_first_session_starts() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    let flow = discovered(dir);
    let ran = preview(
        dir,
        &flow,
        &[
            "--limit",
            "8",
            "--timeout",
            "60s",
            "--initial-state",
            r#"{"bindingStateV1": {"events": {"inc": {"cursor": 3}}}}"#,
        ],
    );
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let (docs, _) = read_output(&ran.stdout());
    assert_all_valid(&flow, &docs);
    assert_eq!(seqs(&docs), [4, 5], "{}", ran.stdout());
    assert_eq!(docs.len(), 8, "{}", ran.stdout());

    let ran = preview(dir, &flow, &["--initial-state", "{not json"]);
    assert_eq!(ran.code(), Some(2), "{}", ran.stderr());
    assert!(
        ran.stderr().contains("--initial-state is not JSON"),
        "{}",
        ran.stderr()
    );
}

#[test]
fn documents_off_their_schema_fail_the_preview_per_binding_unless_allowed() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    let flow = discovered(dir);
    // The collection now says `message` is an integer: every greeting breaks it.
    let schema_file = dir.join("acmeCo/greetings.schema.yaml");
    let mut schema = support::read_yaml(&schema_file);
    schema["properties"]["message"] = json!({"type": "integer"});
    std::fs::write(&schema_file, serde_json::to_string_pretty(&schema).unwrap()).unwrap();

    let ran = preview(dir, &flow, &["--limit", "11", "--timeout", "60s"]);
    assert_eq!(ran.code(), Some(1), "{}", ran.stderr());
    let err = ran.stderr();
    assert!(
        err.contains("✗ acmeCo/greetings: 3 documents, 3 invalid (first: document 1, at /message:"),
        "{err}"
    );
    assert!(err.contains("✓ acmeCo/colors: 3 documents"), "{err}");
    assert!(err.contains("--allow-invalid"), "{err}");
    // Streamed all the same: the documents are on stdout.
    let (docs, _) = read_output(&ran.stdout());
    assert_eq!(docs.len(), 11);

    let ran = preview(
        dir,
        &flow,
        &["--limit", "11", "--timeout", "60s", "--allow-invalid"],
    );
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    assert!(ran.stderr().contains("3 invalid"), "{}", ran.stderr());
}
