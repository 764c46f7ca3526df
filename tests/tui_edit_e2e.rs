//! Editing a sops-protected catalog in the wizard, end to end: the real `catwalk` in tmux. A catalog written
//! by `catwalk discover` for the Flow fixture (a local command), edited by hand (comments), its config then
//! encrypted by the real sops for a real age key, the fixture now reporting a fourth table.
//! `catwalk edit FILE` opens it (the config decrypted in memory, the password never on screen), the new
//! table is selected, the Changes step shows it added and `events` is disabled there, the preview reads the
//! capture as saving back would write it (the new table and users, not the disabled ones), the save writes back
//! into the same file: a line diff shows only the new binding, its collection and `disable: true` added,
//! every comment kept, and the config file (unchanged) left byte for byte as it was, encrypted.

mod support;

use serde_json::json;
use std::time::Duration;
use support::tmux::Tmux;

const PASSWORD: &str = "s3cret-e2e-edit-pw";
const SLOW: Duration = Duration::from_secs(120);

/// With `from_list`, the wizard starts without a verb and the catalog is opened from its first screen.
fn drive(name: &str, w: u16, h: u16, from_list: bool) {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    let support::AgeKey {
        file: key_file,
        recipient,
    } = support::age_key(dir, "age-key.txt");
    // A catalog as `catwalk discover` writes it (a stub config first, then the catalog).
    let bin = support::fixture_bin().display().to_string();
    let discover = [
        "discover",
        "--protocol",
        "flow",
        "--local",
        "--",
        bin.as_str(),
    ];
    assert_eq!(support::run_catwalk(dir, &discover).code(), Some(5));
    let config = dir.join("acmeCo/flow-fixture.config.yaml");
    std::fs::write(
        &config,
        "host: db.internal\npassword: plain-for-the-first-discover\n",
    )
    .unwrap();
    let ran = support::run_catwalk(dir, &discover);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    // Hand edits: comments at the top, between bindings and at the end.
    let flow = dir.join("acmeCo/flow-fixture.flow.yaml");
    let written = std::fs::read_to_string(&flow).unwrap();
    let edited = format!(
        "# Our fixture capture: keep this comment.\n{}# trailing note\n",
        written.replacen("    bindings:\n", "    bindings:\n      # users first\n", 1)
    );
    assert_ne!(written, edited);
    std::fs::write(&flow, &edited).unwrap();
    // The config, now protected, and asking the fixture for a fourth table.
    let plain =
        json!({"host": "db.internal", "password_sops": PASSWORD, "advanced": {"bindings": 4}});
    std::fs::write(&config, support::sops_encrypt(&plain, &recipient)).unwrap();
    let config_before = std::fs::read_to_string(&config).unwrap();

    let t = Tmux::start(&format!("edit-{name}"), w, h, None);
    t.forbid(PASSWORD, false);
    t.text(&format!(
        "export SOPS_AGE_KEY_FILE={} CATWALK_SOPS={}",
        key_file.display(),
        support::sops_bin().display()
    ));
    t.keys(&["Enter"]);
    let verb = if from_list {
        ""
    } else {
        " edit acmeCo/flow-fixture.flow.yaml"
    };
    t.text(&format!(
        "clear; cd {} && {}{verb}; echo EXIT=$?",
        dir.display(),
        support::tmux::catwalk().display()
    ));
    t.keys(&["Enter"]);
    if from_list {
        let screen = t.wait_for(&[
            "› acmeCo/flow-fix",
            "catalog",
            "Open the capture acmeCo/flow-fixture",
        ]);
        assert!(screen.contains("3 bind"), "{screen}");
        t.keys(&["Enter"]);
    }
    let screen = t.wait_long(&["Decrypted", "with sops", "db.internal"], SLOW);
    assert!(screen.contains("••••"), "the password is masked:\n{screen}");
    t.keys(&["C-n"]);
    t.wait_for(&["SSH tunnel", "Enter skip"]);
    t.keys(&["Enter"]);
    t.wait_long(&["✓ The check passed"], SLOW);
    t.keys(&["Enter"]);
    let screen = t.wait_long(&["3 of 4 selected", "+ new"], SLOW);
    assert!(
        screen.contains("○ disabled"),
        "audit_log is disabled in the file:\n{screen}"
    );
    // Accept the new table.
    t.keys(&["Down", "Down", "Down", "Space"]);
    t.wait_for(&["4 of 4 selected"]);
    t.keys(&["C-n"]);
    t.wait_long(
        &["Changes to acmeCo/flow-fixture", "1 added", "[add]"],
        SLOW,
    );
    // Disable events (the rows: table_00003 added, then users, events, audit_log kept).
    t.keys(&["Down", "Down", "Space"]);
    let screen = t.wait_for(&["[disable]"]);
    for line in screen.lines() {
        assert!(
            line.chars().count() <= w as usize,
            "wider than the pane: {line}"
        );
    }
    // The preview reads the capture as saving back would write it: users and the new table, not events
    // (disabled just now) nor audit_log (disabled in the file); the config decrypted in memory.
    t.keys(&["Enter"]);
    let screen = t.wait_long(
        &[
            "saved back",
            "◀ 1/2 ▶",
            "acmeCo/users",
            "3 documents",
            "✓ all match the schema",
        ],
        SLOW,
    );
    assert!(!screen.contains("acmeCo/events"), "{screen}");
    t.keys(&["Tab"]);
    t.wait_for(&["◀ 2/2 ▶", "acmeCo/table_00003", "3 documents"]);
    t.keys(&["Enter"]);
    t.wait_long(&["Review and save", "sops: secret fields"], SLOW);
    t.keys(&["Enter"]);
    t.wait_long(&["✓ Saved the capture"], SLOW);
    t.keys(&["q"]);
    t.assert_restored();

    let after = std::fs::read_to_string(&flow).unwrap();
    let (removed, added) = catwalk::text::line_diff(&edited, &after);
    assert!(removed.is_empty(), "nothing removed: {removed:?}\n{after}");
    assert!(
        added.iter().any(|l| l.trim() == "disable: true"),
        "{added:?}"
    );
    assert!(added.iter().any(|l| l.contains("table_00003")), "{added:?}");
    assert!(
        added.iter().all(|l| l.contains("table_00003")
            || l.trim() == "disable: true"
            || l.trim_start().starts_with("key:")
            || l.trim_start().starts_with("- ")
            || l.trim_start().starts_with("schema:")
            || l.trim_start().starts_with("target:")
            || l.trim_start().starts_with("resource:")
            || l.trim_start().starts_with("name:")),
        "only the new binding, its collection and the disable: {added:?}"
    );
    for comment in [
        "# Our fixture capture: keep this comment.",
        "# users first",
        "# trailing note",
    ] {
        assert!(after.contains(comment), "{comment} lost:\n{after}");
    }
    let doc = support::read_yaml(&flow);
    let bindings = doc["captures"]["acmeCo/flow-fixture"]["bindings"]
        .as_array()
        .unwrap();
    let events = bindings
        .iter()
        .find(|b| b["resource"]["name"] == "events")
        .unwrap();
    assert_eq!(events["disable"], true, "{after}");
    let new = bindings
        .iter()
        .find(|b| b["resource"]["name"] == "table_00003")
        .unwrap();
    assert!(new.get("disable").is_none(), "accepted enabled: {after}");
    // The config did not change: its file is left as it was (not encrypted anew).
    assert_eq!(std::fs::read_to_string(&config).unwrap(), config_before);
    let conf = support::read_yaml(&config);
    let pw = conf["password_sops"].as_str().unwrap_or_default();
    assert!(pw.starts_with("ENC[AES256_GCM,"), "{conf:#}");
    assert!(!std::fs::read_to_string(&config).unwrap().contains(PASSWORD));
}

#[test]
fn a_sops_protected_catalog_is_edited_and_saved_back_at_120x40() {
    drive("wide", 120, 40, false);
}

#[test]
fn a_sops_protected_catalog_is_edited_and_saved_back_at_80x24() {
    drive("narrow", 80, 24, false);
}

#[test]
fn a_catalog_opened_from_the_first_screen_is_edited_and_saved_back_at_80x24() {
    drive("list", 80, 24, true);
}
