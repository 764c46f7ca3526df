//! `catwalk adapt airbyte` moves data: real Airbyte connectors (venvs from scripts/test-deps) behind a catalog
//! `catwalk discover` wrote, driven with Flow's own requests (spec, validate, apply, open) on stdin. Counts,
//! values and state across sessions are checked, and every document against its collection's schema.

#[path = "adapt_support/mod.rs"]
mod adapt_support;
mod support;

use adapt_support::Capture;
use serde_json::{Value, json};
use std::path::Path;

/// `catwalk discover --local -- <connector>` in `dir` with `config` (YAML) as its config file.
fn discover(dir: &Path, connector: &str, config: &str) -> Capture {
    let command = support::airbyte_connector(connector).display().to_string();
    std::fs::create_dir_all(dir.join("acmeCo")).unwrap();
    std::fs::write(
        dir.join("acmeCo").join(format!("{connector}.config.yaml")),
        config,
    )
    .unwrap();
    let ran = support::run_catwalk(dir, &["discover", "--local", "--", &command]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    Capture::load(dir, connector, &format!("acmeCo/{connector}"))
}

#[test]
fn hardcoded_records_reads_the_configured_count_per_stream() {
    let tmp = support::temp_dir();
    let capture = discover(tmp.path(), "source-hardcoded-records", "count: 25\n");
    assert_eq!(capture.bindings().len(), 3);
    let session = capture.session(tmp.path(), &json!({}), &[]);
    session.assert_served();
    session.assert_docs_fit(&capture);
    for (i, b) in capture.bindings().iter().enumerate() {
        let docs = session.docs(i);
        assert_eq!(docs.len(), 25, "{}", b["resourceConfig"]);
        // No primary key: the fallback key counts the stream's rows from 0.
        assert_eq!(b["collection"]["key"], json!(["/_meta/row_id"]));
        let ids: Vec<Value> = docs.iter().map(|d| d["_meta"]["row_id"].clone()).collect();
        assert_eq!(ids, (0..25).map(|n| json!(n)).collect::<Vec<_>>());
    }
    // A full-refresh re-read gives the same documents the same row ids.
    let again = capture.session(tmp.path(), &session.state_after(&json!({})), &[]);
    again.assert_served();
    for i in 0..3 {
        assert_eq!(again.docs(i), session.docs(i));
    }
}

#[test]
fn faker_resumes_from_the_first_sessions_state() {
    let tmp = support::temp_dir();
    let config = "count: 5\nseed: 7\nalways_updated: false\nparallelism: 1\n";
    let mut capture = discover(tmp.path(), "source-faker", config);
    let users = capture.binding("users");
    assert_eq!(
        capture.bindings()[users]["resourceConfig"],
        json!({"stream": "users", "syncMode": "incremental", "cursorField": ["updated_at"]}),
        "discover writes the sync mode and cursor into the resource"
    );
    assert_eq!(
        capture.bindings()[users]["collection"]["key"],
        json!(["/id"])
    );

    let first = capture.session(tmp.path(), &json!({}), &[]);
    first.assert_served();
    first.assert_docs_fit(&capture);
    let ids: Vec<Value> = first.docs(users).iter().map(|d| d["id"].clone()).collect();
    assert_eq!(ids, vec![json!(1), json!(2), json!(3), json!(4), json!(5)]);
    let state = first.state_after(&json!({}));
    assert_eq!(
        state["streams"]["users"]["stream_state"]["loop_offset"],
        json!(5),
        "per-stream states are kept by stream: {state}"
    );

    // More users in the source; the second session resumes from the first one's state. Faker (with
    // always_updated off) emits nothing once its state has a cursor: no document is read again.
    capture.spec["config"]["count"] = json!(8);
    let second = capture.session(tmp.path(), &state, &[]);
    second.assert_served();
    assert_eq!(
        second.docs(users),
        Vec::<&Value>::new(),
        "{}",
        second.stderr
    );
    assert_eq!(
        second.state_after(&state)["streams"]["users"]["stream_state"]["seed"],
        json!(7)
    );

    // Without the state, the same session reads every user: the state is what the connector resumed from.
    let fresh = capture.session(tmp.path(), &json!({}), &[]);
    fresh.assert_served();
    fresh.assert_docs_fit(&capture);
    assert_eq!(fresh.docs(users).len(), 8);
}

#[test]
fn source_file_reads_a_local_csv_as_it_is() {
    let tmp = support::temp_dir();
    let csv = tmp.path().join("people.csv");
    std::fs::write(
        &csv,
        "id,name,score\n1,Ada,9.5\n2,Grace,7\n3,Linus Ångström,8.25\n",
    )
    .unwrap();
    let config = format!(
        "dataset_name: people\nformat: csv\nurl: {}\nprovider:\n  storage: local\n",
        csv.display()
    );
    let capture = discover(tmp.path(), "source-file", &config);
    assert_eq!(capture.bindings().len(), 1);
    let session = capture.session(tmp.path(), &json!({}), &[]);
    session.assert_served();
    session.assert_docs_fit(&capture);
    let docs = session.docs(0);
    let expected = [
        json!({"id": 1, "name": "Ada", "score": 9.5, "_meta": {"row_id": 0}}),
        json!({"id": 2, "name": "Grace", "score": 7, "_meta": {"row_id": 1}}),
        json!({"id": 3, "name": "Linus Ångström", "score": 8.25, "_meta": {"row_id": 2}}),
    ];
    assert_eq!(docs.len(), expected.len());
    for (doc, want) in docs.iter().zip(&expected) {
        for (field, value) in want.as_object().unwrap() {
            let got = &doc[field];
            let same = match (got.as_f64(), value.as_f64()) {
                (Some(a), Some(b)) => a == b,
                _ => got == value,
            };
            assert!(same, "{field}: {got} != {value} in {doc}");
        }
    }
}

#[test]
fn the_end_of_stdin_stops_the_read() {
    let tmp = support::temp_dir();
    let mut capture = discover(tmp.path(), "source-hardcoded-records", "count: 1\n");
    // Far more records than the session lives to read: its stdin closes right after open.
    capture.spec["config"]["count"] = json!(10_000_000);
    let open = capture.requests(&json!({})).pop().unwrap();
    let mut cmd = support::catwalk(tmp.path());
    cmd.args(&capture.command[1..]);
    let ran = support::run_with_timeout(
        &mut cmd,
        Some(format!("{open}\n").as_bytes()),
        std::time::Duration::from_secs(300),
    );
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let responses = support::json_lines(&ran.stdout);
    assert_eq!(responses[0], json!({"opened": {}}));
    assert!(
        responses.len() < 10_000_000,
        "the read stopped before the end"
    );
    assert!(
        ran.stderr().contains("stdin closed: the capture stops"),
        "{}",
        ran.stderr()
    );
}

#[test]
fn open_without_a_capture_and_other_requests_during_open_are_errors() {
    let tmp = support::temp_dir();
    let capture = discover(tmp.path(), "source-hardcoded-records", "count: 1000000\n");
    let mut cmd = support::catwalk(tmp.path());
    cmd.args(&capture.command[1..]);
    let ran = support::run_with_timeout(
        &mut cmd,
        Some(b"{\"open\": {\"state\": {}}}\n"),
        std::time::Duration::from_secs(300),
    );
    assert_eq!(ran.code(), Some(1));
    assert!(
        ran.stderr().contains("the open request has no `capture`"),
        "{}",
        ran.stderr()
    );

    let open = capture.requests(&json!({})).pop().unwrap();
    let lines =
        format!("{open}\n{{\"acknowledge\": {{\"checkpoints\": 1}}}}\n{{\"apply\": {{}}}}\n");
    let mut cmd = support::catwalk(tmp.path());
    cmd.args(&capture.command[1..]);
    let ran = support::run_with_timeout(
        &mut cmd,
        Some(lines.as_bytes()),
        std::time::Duration::from_secs(300),
    );
    assert_eq!(ran.code(), Some(1), "{}", ran.stderr());
    assert!(
        ran.stderr()
            .contains("a `apply` request arrived while the open session was reading"),
        "{}",
        ran.stderr()
    );
}

#[test]
fn a_closed_stdout_stops_the_read() {
    use std::io::{BufRead, Read, Write};
    let tmp = support::temp_dir();
    let mut capture = discover(tmp.path(), "source-hardcoded-records", "count: 1\n");
    capture.spec["config"]["count"] = json!(10_000_000);
    let open = capture.requests(&json!({})).pop().unwrap();
    let mut child = support::catwalk(tmp.path())
        .args(&capture.command[1..])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // stdin stays open all along: only the closed stdout can end the session early.
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{open}").unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert_eq!(first.trim(), r#"{"opened":{}}"#);
    let mut doc = String::new();
    stdout.read_line(&mut doc).unwrap();
    assert!(doc.starts_with(r#"{"captured""#), "{doc}");
    drop(stdout);
    let mut stderr = String::new();
    // stderr ends when catwalk exits (its connector's stderr is read by catwalk, not inherited).
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    drop(stdin);
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("writing a response"), "{stderr}");
}
