//! Steps 3 and 4 end to end: the real `catwalk` binary in a tmux pane (a private socket), driven as a
//! person would, at 120x40 and 80x24, with the Flow fixture picked as a local command (protocol flow):
//! fill host and password, switch the mode oneOf, reveal and mask the secret, paste a multiline key,
//! get Next refused then accepted, reach step 4 and step 5, quit cleanly. Every capture is checked: the
//! password never shows unmasked unless revealed, the key never.

mod tui_config_support;

use support::tmux::Tmux;
use tui_config_support::support;

const PASSWORD: &str = "hunter2-e2e";
/// A line of the pasted key: never on screen.
const KEY_LINE: &str = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW";

fn key_text() -> String {
    format!(
        "-----BEGIN OPENSSH PRIVATE KEY-----\n{KEY_LINE}\nQyNTUxOQAAACBhc2RmYXNkZmFzZGZhc2RmYXNkZmFzZGZhc2RmYXNkZg==\n-----END OPENSSH PRIVATE KEY-----\n"
    )
}

fn drive(name: &str, w: u16, h: u16) {
    let t = Tmux::start(&format!("cfg-{name}"), w, h, None);
    t.forbid(KEY_LINE, false);
    t.forbid(PASSWORD, true);
    t.start_catwalk(None);
    t.wait_for(&["1 Connector", "Local command…"]);
    t.keys(&["Down", "Enter"]);
    t.wait_for(&["Protocol"]);
    t.text(&support::fixture_bin().display().to_string());
    t.keys(&["Tab", "Right", "Enter"]);
    // Step 3: the form, the host focused.
    let screen = t.wait_for(&[
        "The endpoint config tells the connector how to reach your system.",
        "› Host *",
    ]);
    assert!(
        screen.contains("Password *") && screen.contains("‹ Normal ›"),
        "{screen}"
    );
    // Next at once: refused, the first problem focused.
    t.keys(&["C-n"]);
    let screen = t.wait_for(&["fields need attention", "✗ is required"]);
    assert!(screen.contains("› Host *"), "{screen}");
    t.text("db.internal");
    t.keys(&["Tab", "Tab"]);
    t.text(PASSWORD);
    t.wait_for(&["› Password *", "•••••••••••"]);
    // Reveal, then mask again.
    t.reveal(true);
    t.keys(&["C-r"]);
    t.wait_for(&[PASSWORD, "^R masks it again"]);
    t.keys(&["C-r"]);
    t.reveal(false);
    t.wait_for(&["masked; ^R shows it"]);
    // The key: Enter opens the editor, the paste goes in masked, Esc keeps it.
    t.keys(&["Tab", "Enter"]);
    t.wait_for(&["Private key (masked)", "Esc done"]);
    t.paste(&key_text());
    t.wait_for(&["4 lines · cursor 5:1"]);
    t.keys(&["Escape"]);
    t.wait_for(&["••••• (4 lines)"]);
    // The mode: → switches to "Fail the check", whose message appears below.
    t.keys(&["Tab", "Right"]);
    t.wait_for(&["‹ Fail the check ›", "Message *"]);
    // Next: accepted, on to step 4.
    t.keys(&["C-n"]);
    let screen = t.wait_for(&["SSH tunnel", "‹ No tunnel (default) ›", "Enter skip"]);
    assert!(screen.contains("✓3 Config"), "{screen}");
    // Enter skips to step 5, whose check fails as the mode asks.
    t.keys(&["Enter"]);
    t.wait_for(&["✓4 SSH tunnel", "The check failed"]);
    t.keys(&["C-c"]);
    t.wait_for(&["Quit?"]);
    t.keys(&["y"]);
    let screen = t.wait_for(&["EXIT=0", "test-prompt$"]);
    assert!(
        screen.replace('\n', "").contains("saved as a draft"),
        "{screen}"
    );
    assert_eq!(t.flag("alternate_on"), "0", "still on the alternate screen");
    assert_eq!(t.flag("mouse_any_flag"), "0", "mouse reporting left on");
    // The draft has the values, not the secrets.
    let draft = std::fs::read_to_string(t.dir.path().join("state/catwalk/draft.json")).unwrap();
    assert!(
        draft.contains("db.internal") && draft.contains("fail_check"),
        "{draft}"
    );
    assert!(
        !draft.contains(PASSWORD) && !draft.contains(KEY_LINE),
        "{draft}"
    );
    assert!(draft.contains("\"kind\": \"none\""), "{draft}");
}

#[test]
fn fixture_config_and_tunnel_at_120x40() {
    drive("wide", 120, 40);
}

#[test]
fn fixture_config_and_tunnel_at_80x24() {
    drive("narrow", 80, 24);
}
