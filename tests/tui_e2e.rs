//! The wizard end to end: the real `catwalk` binary in a tmux pane (private socket), driven with
//! send-keys and read with capture-pane, against the real Flow fixture as a local command. Each run ends
//! with Ctrl-C and checks that the terminal was given back (alternate screen left, cursor shown, mouse
//! reporting off) and that the shell prompt is there again.

mod support;

use std::process::{Command, Stdio};
use support::tmux::{Tmux, catwalk};

#[test]
fn local_flow_fixture_reaches_the_config_fields_then_quits_cleanly() {
    let tmux = Tmux::start("flow", 120, 40, None);
    tmux.start_catwalk(None);
    tmux.wait_for(&["1 Connector", "Filter:", "Local command…"]);
    // "Local command…" is the second row.
    tmux.keys(&["Down", "Enter"]);
    tmux.wait_for(&["Local command", "Protocol"]);
    tmux.text(&support::fixture_bin().display().to_string());
    // Protocol: probe -> flow (the fixture answers Airbyte's `spec` argument too, so probing would find
    // Airbyte; this run wants Flow).
    tmux.keys(&["Tab", "Right", "Enter"]);
    tmux.wait_for(&["The endpoint config tells", "Password *", "Private key"]);
    // Esc goes back a step, nothing lost.
    tmux.keys(&["Escape"]);
    let screen = tmux.wait_for(&["✓ Spec received", "Enter continue"]);
    assert!(screen.contains("flow protocol · capture"), "{screen}");
    assert!(screen.contains("Fetched from the connector."), "{screen}");
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["The endpoint config tells"]);
    // The `?` overlay lists keys from the key table.
    tmux.keys(&["F1"]);
    tmux.wait_for(&["Keys (↑↓ scroll, Esc close)", "Pick the selected entry"]);
    tmux.keys(&["Escape"]);
    tmux.keys(&["C-c"]);
    tmux.wait_for(&["Quit?", "y quit"]);
    tmux.keys(&["y"]);
    let screen = tmux.assert_restored();
    assert!(screen.contains("saved as a draft"), "{screen}");
    let draft = std::fs::read_to_string(tmux.draft()).expect("the draft was saved");
    let draft: serde_json::Value = serde_json::from_str(&draft).unwrap();
    assert_eq!(draft["answers"]["connector"]["type"], "local");
    assert_eq!(draft["answers"]["connector"]["protocol"], "flow");
    assert_eq!(
        draft["answers"]["connector"]["command"][0],
        support::fixture_bin().display().to_string()
    );
}

#[test]
fn a_connector_found_on_path_is_probed_and_the_draft_resumes_at_80x24() {
    // The fixture under an Airbyte console-script name, on PATH.
    let bin = support::temp_dir();
    std::os::unix::fs::symlink(support::fixture_bin(), bin.path().join("source-fixture")).unwrap();
    let tmux = Tmux::start("path", 80, 24, Some(bin.path()));
    tmux.start_catwalk(None);
    tmux.wait_for(&["Filter:", "source-fixture"]);
    tmux.keys(&["/"]);
    tmux.text("fixture");
    tmux.keys(&["Enter"]);
    // Probing finds Airbyte first.
    let screen = tmux.wait_for(&["The endpoint config tells", "Password *"]);
    for line in screen.lines() {
        assert!(
            line.chars().count() <= 80,
            "line wider than the pane: {line}"
        );
    }
    tmux.keys(&["C-c"]);
    tmux.wait_for(&["Quit?"]);
    tmux.keys(&["y"]);
    tmux.assert_restored();

    // A second run offers the draft; Enter resumes it.
    tmux.start_catwalk(None);
    tmux.wait_for(&["Draft found", "Resume your draft for source-fixture"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for(&["The endpoint config tells", "Password *"]);
    // Ctrl-C asks first; n stays.
    tmux.keys(&["C-c"]);
    tmux.wait_for(&["Quit?"]);
    tmux.keys(&["n"]);
    tmux.keys(&["C-c"]);
    tmux.wait_for(&["Quit?"]);
    tmux.keys(&["y"]);
    tmux.assert_restored();
}

#[test]
fn without_a_terminal_it_points_to_the_verbs() {
    let out = Command::new(catwalk())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("needs a terminal"), "{err}");
    assert!(
        err.contains("`catwalk spec`")
            && err.contains("`catwalk discover`")
            && err.contains("`catwalk check`"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "nothing drawn on a pipe");
}
