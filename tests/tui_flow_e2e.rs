//! Steps 1 to 7 end to end with a real Airbyte connector: `source-hardcoded-records` from the test venv,
//! picked as a local command and driven through the real form, check, bindings and save in the `catwalk`
//! binary in tmux, the preview's documents shown on the way. The saved catalog validates against Flow's
//! schema, its config file has mode 0600, and `catwalk check --source` passes on it.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;
use support::tmux::{Tmux, catwalk};

const SLOW: Duration = Duration::from_secs(180);

#[test]
fn hardcoded_records_from_the_form_to_a_saved_catalog_that_checks_at_120x40() {
    drive("wide", 120, 40);
}

#[test]
fn hardcoded_records_from_the_form_to_a_saved_catalog_that_checks_at_80x24() {
    drive("narrow", 80, 24);
}

fn drive(name: &str, w: u16, h: u16) {
    let connector = support::airbyte_connector("source-hardcoded-records");
    // catwalk first on PATH, as installed: the catalog then names it `catwalk`.
    let bin_dir = catwalk().parent().unwrap().to_path_buf();
    let t = Tmux::start(&format!("flow-airbyte-{name}"), w, h, Some(&bin_dir));
    let out = support::temp_dir();
    t.start_catwalk(Some(out.path()));
    t.wait_for(&["1 Connector", "Local command…"]);
    t.keys(&["Down", "Enter"]);
    t.wait_for(&["Protocol"]);
    t.text(&connector.display().to_string());
    // Probed: Airbyte's `spec` answers.
    t.keys(&["Enter"]);
    t.wait_long(&["The endpoint config tells", "Count"], SLOW);
    t.keys(&["C-n"]);
    // No host and port in this config: step 4 is passed over, and the check says so.
    let screen = t.wait_long(&["✓ The check passed"], SLOW);
    assert!(screen.contains("Airbyte check"), "{screen}");
    assert!(
        screen.contains("skipped, the config has no host and port"),
        "{screen}"
    );
    t.keys(&["Enter"]);
    let screen = t.wait_long(&["3 of 3 selected", "products", "customers"], SLOW);
    assert!(
        screen.contains("⚠ no key"),
        "streams without a primary key are marked:\n{screen}"
    );
    assert!(screen.contains("/_meta/row_id"), "{screen}");
    // Esc goes back to the check without losing it; Enter comes back without discovering again.
    t.keys(&["Escape"]);
    t.wait_for(&["✓ The check passed"]);
    t.keys(&["Enter"]);
    t.wait_for(&["3 of 3 selected"]);
    t.keys(&["C-n"]);
    // The preview reads a few documents of each binding (the connector stopped once it has them), shown
    // as a table of top-level fields; every one matches its collection's schema.
    let screen = t.wait_long(&["acmeCo/products", "✓ all match the schema", "make"], SLOW);
    assert!(
        screen.contains("All documents match their schemas"),
        "{screen}"
    );
    t.keys(&["Enter"]);
    let screen = t.wait_long(
        &[
            "Review and save",
            "source-hardcoded-records.flow.yaml (lines",
            "Files: ",
        ],
        SLOW,
    );
    assert!(
        screen.contains("source-hardcoded-records.config.yaml"),
        "{screen}"
    );
    assert!(screen.contains("mode 0600"), "{screen}");
    // At 80x24 the fallback-key warning is wrapped whole above it, so the preview starts shorter.
    let wanted = if h >= 40 { "command:" } else { "captures:" };
    assert!(
        screen.contains(wanted),
        "the preview shows the catalog:\n{screen}"
    );
    for line in screen.lines() {
        assert!(
            line.chars().count() <= w as usize,
            "wider than the pane: {line}"
        );
    }
    // The Save button has the focus.
    t.keys(&["Enter"]);
    let screen = t.wait_long(
        &["✓ Saved the capture acmeCo/source-hardcoded-records"],
        SLOW,
    );
    assert!(screen.contains("catwalk check --source"), "{screen}");
    // A local endpoint runs only here: the last screen says so and does not offer publishing.
    assert!(screen.contains("local only"), "{screen}");
    assert!(
        !screen.contains("flowctl catalog publish --source"),
        "{screen}"
    );
    t.keys(&["q"]);
    let screen = t.assert_restored();
    assert!(
        screen.contains("catwalk check --source"),
        "the next commands are printed:\n{screen}"
    );
    assert!(
        !t.draft().exists(),
        "the draft is removed once the catalog is saved"
    );

    let flow = out.path().join("source-hardcoded-records.flow.yaml");
    let config = out.path().join("source-hardcoded-records.config.yaml");
    let mode = std::fs::metadata(&config).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "config mode {mode:o}");
    let doc = support::read_valid_catalog(&flow);
    let capture = &doc["captures"]["acmeCo/source-hardcoded-records"];
    let command = capture["endpoint"]["local"]["command"].clone();
    assert_eq!(
        command,
        serde_json::json!([
            "catwalk",
            "adapt",
            "airbyte",
            "--",
            connector.display().to_string()
        ]),
        "{doc:#}"
    );
    assert_eq!(
        capture["bindings"].as_array().map(Vec::len),
        Some(3),
        "{doc:#}"
    );
    assert_eq!(
        doc["collections"]["acmeCo/products"]["key"],
        serde_json::json!(["/_meta/row_id"])
    );
    let config_doc = support::read_yaml(&config);
    assert_eq!(
        config_doc["count"], 1000,
        "defaults are written: {config_doc}"
    );
    support::assert_check_passes(out.path(), &flow);
}
