//! The wizard's preview and per-binding settings end to end in tmux, with a real Airbyte connector
//! (`source-hardcoded-records`, a local command): a stream without a primary key gets `id` as its key in
//! its settings (`o`), the preview step reads its documents through the catalog about to be saved (as a
//! table, then as JSON), the catalog is saved, validates against Flow's schema with the chosen key, and
//! `catwalk preview` reads it back: every document carries the key and matches its collection's schema.

mod support;

use std::time::Duration;
use support::tmux::{Tmux, catwalk};

const SLOW: Duration = Duration::from_secs(180);

#[test]
fn a_key_chosen_in_the_settings_is_previewed_saved_and_read_back() {
    let connector = support::airbyte_connector("source-hardcoded-records");
    let bin_dir = catwalk().parent().unwrap().to_path_buf();
    let t = Tmux::start("preview-airbyte", 120, 40, Some(&bin_dir));
    let out = support::temp_dir();
    t.start_catwalk(Some(out.path()));
    t.wait_for(&["1 Connector", "Local command…"]);
    t.keys(&["Down", "Enter"]);
    t.wait_for(&["Protocol"]);
    t.text(&connector.display().to_string());
    t.keys(&["Enter"]);
    t.wait_long(&["The endpoint config tells", "Count"], SLOW);
    t.keys(&["C-n"]);
    t.wait_long(&["✓ The check passed"], SLOW);
    t.keys(&["Enter"]);
    t.wait_long(&["3 of 3 selected", "products"], SLOW);

    // products, under the cursor, has no primary key: its settings offer one among its fields.
    t.keys(&["o"]);
    let screen = t.wait_for(&["Binding settings", "Collection key", "full_refresh"]);
    assert!(
        screen.contains("(row number, /_meta/row_id)"),
        "the fallback is the current key:\n{screen}"
    );
    t.keys(&["Tab", "Right"]);
    t.wait_for(&["‹ id ›"]);
    t.keys(&["C-n"]);
    let screen = t.wait_for(&["3 of 3 selected", "Key"]);
    assert!(!screen.contains("Binding settings"), "{screen}");
    assert!(screen.contains("/id"), "the chosen key shows:\n{screen}");

    // The preview reads documents through the catalog about to be saved.
    t.keys(&["C-n"]);
    let screen = t.wait_long(
        &["acmeCo/products", "documents", "✓ all match the schema"],
        SLOW,
    );
    assert!(
        screen.contains("make"),
        "a column per top-level field:\n{screen}"
    );
    t.keys(&["v"]);
    let screen = t.wait_for(&["── document 1 ──", "\"id\":"]);
    assert!(
        !screen.contains("row_id"),
        "keyed by id, no row number:\n{screen}"
    );
    t.keys(&["Enter"]);
    t.wait_long(&["Review and save", "Files: "], SLOW);
    t.keys(&["Enter"]);
    t.wait_long(
        &["✓ Saved the capture acmeCo/source-hardcoded-records"],
        SLOW,
    );
    t.keys(&["q"]);
    t.assert_restored();

    let flow = out.path().join("source-hardcoded-records.flow.yaml");
    let doc = support::read_valid_catalog(&flow);
    assert_eq!(
        doc["collections"]["acmeCo/products"]["key"],
        serde_json::json!(["/id"]),
        "{doc:#}"
    );
    assert_eq!(
        doc["collections"]["acmeCo/customers"]["key"],
        serde_json::json!(["/_meta/row_id"]),
        "the other streams keep the fallback: {doc:#}"
    );
    let ran = support::run_catwalk(
        out.path(),
        &[
            "preview",
            "--source",
            &flow.display().to_string(),
            "--limit",
            "30",
        ],
    );
    assert_eq!(
        ran.code(),
        Some(0),
        "catwalk preview:\n{}\n{}",
        ran.stdout(),
        ran.stderr()
    );
    let products: Vec<serde_json::Value> = ran
        .stdout()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|l| l[0] == "acmeCo/products")
        .map(|l| l[1].clone())
        .collect();
    assert!(!products.is_empty(), "{}", ran.stderr());
    for p in &products {
        assert!(p["id"].is_i64(), "{p}");
        assert!(p.pointer("/_meta/row_id").is_none(), "{p}");
    }
}

/// Whether a process runs the program at `exe` (matched by its path: a copy no other test runs).
fn running(exe: &std::path::Path) -> bool {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .any(|p| std::fs::read_link(p.path().join("exe")).is_ok_and(|e| e == exe))
}

#[test]
fn esc_stops_the_previewed_connector_and_a_caught_up_one_ends_the_preview() {
    // The flow-fixture as a local command, copied to a path of its own: its processes are this test's.
    let tmp = support::temp_dir();
    let exe = tmp.path().join("preview-esc-fixture");
    std::fs::copy(support::fixture_bin(), &exe).unwrap();
    let t = Tmux::start("preview-esc", 80, 24, None);
    t.start_catwalk(None);
    t.wait_for(&["1 Connector", "Local command…"]);
    t.keys(&["Down", "Enter"]);
    t.wait_for(&["Protocol"]);
    t.text(&exe.display().to_string());
    t.keys(&["Tab", "Right", "Enter"]);
    t.wait_long(&["› Host *"], SLOW);
    t.text("db.internal");
    t.keys(&["Tab", "Tab"]);
    t.text("preview-esc-password");
    // Mode Slow: every answer waits 3 s, long enough to press Esc while the preview runs.
    t.keys(&["Tab", "Tab", "Right", "Right", "Tab", "C-u"]);
    t.text("3000");
    t.wait_for(&["‹ Slow ›", "3000"]);
    t.keys(&["C-n"]);
    t.wait_for(&["Enter skip"]);
    t.keys(&["Enter"]);
    t.wait_long(&["✓ The check passed"], SLOW);
    t.keys(&["Enter"]);
    t.wait_long(&["2 of 3 selected"], SLOW);
    t.keys(&["C-n"]);
    t.wait_long(
        &["Reading up to 10 documents per binding", "sleeping"],
        SLOW,
    );
    assert!(running(&exe), "the preview runs the connector");
    t.keys(&["Escape"]);
    t.wait_for(&["2 of 3 selected"]);
    // The connector is stopped once the preview is cancelled (at most its stop grace later).
    let until = std::time::Instant::now() + Duration::from_secs(20);
    while running(&exe) && std::time::Instant::now() < until {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!running(&exe), "Esc stopped the previewed connector");

    // Again, to the end: the fixture waits for EOF once caught up; its last checkpoint ends the preview
    // (not the timeout), with every binding's documents.
    t.keys(&["C-n"]);
    let screen = t.wait_long(
        &["acmeCo/users", "3 documents", "✓ all match the schema"],
        SLOW,
    );
    assert!(
        screen.contains("read until each binding had documents"),
        "ended by the documents, not the timeout:\n{screen}"
    );
    t.keys(&["Tab"]);
    t.wait_for(&["acmeCo/events", "3 documents"]);
    t.keys(&["C-c"]);
    t.wait_for(&["Quit?"]);
    t.keys(&["y"]);
    t.assert_restored();
    assert!(!running(&exe), "nothing is left running");
}
