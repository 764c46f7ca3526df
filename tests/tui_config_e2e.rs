//! Steps 3 and 4 end to end: the real `catwalk` binary in a tmux pane (a private socket), driven as a
//! person would, at 120x40 and 80x24, with the Flow fixture picked as a local command (protocol flow):
//! fill host and password, switch the mode oneOf, reveal and mask the secret, paste a multiline key,
//! get Next refused then accepted, reach step 4 and step 5, quit cleanly. Every capture is checked: the
//! password never shows unmasked unless revealed, the key never.

mod tui_config_support;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tui_config_support::support;

const PASSWORD: &str = "hunter2-e2e";
/// A line of the pasted key: never on screen.
const KEY_LINE: &str = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW";

struct Tmux {
    socket: String,
    dir: tempfile::TempDir,
    /// Whether the password may show (revealed on purpose).
    revealed: bool,
}

impl Tmux {
    fn start(name: &str, w: u16, h: u16) -> Tmux {
        let dir = support::temp_dir();
        let socket = format!("catwalk-cfg-{name}-{}", std::process::id());
        let command = format!(
            "env XDG_STATE_HOME={} XDG_CACHE_HOME={} PATH={} bash --norc --noprofile",
            dir.path().join("state").display(),
            dir.path().join("cache").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let t = Tmux {
            socket,
            dir,
            revealed: false,
        };
        t.run(&[
            "new-session",
            "-d",
            "-x",
            &w.to_string(),
            "-y",
            &h.to_string(),
            &command,
        ]);
        t.text("PS1='test-prompt$ '");
        t.keys(&["Enter"]);
        t
    }

    fn run(&self, args: &[&str]) -> String {
        let out = Command::new(support::tool("tmux"))
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("running tmux");
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// One key at a time, as typed (Esc followed at once by another key would read as Alt+key).
    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.run(&["send-keys", "-t", "0", k]);
            std::thread::sleep(Duration::from_millis(120));
        }
    }

    fn text(&self, text: &str) {
        self.run(&["send-keys", "-t", "0", "-l", text]);
        std::thread::sleep(Duration::from_millis(150));
    }

    /// Paste `text` as a terminal does (bracketed paste).
    fn paste(&self, text: &str) {
        let file = self.dir.path().join("paste");
        std::fs::write(&file, text).unwrap();
        self.run(&["load-buffer", &file.display().to_string()]);
        self.run(&["paste-buffer", "-p", "-t", "0"]);
        std::thread::sleep(Duration::from_millis(200));
    }

    fn screen(&self) -> String {
        let screen = self.run(&["capture-pane", "-p", "-t", "0"]);
        assert!(
            !screen.contains(KEY_LINE),
            "the private key is on screen:\n{screen}"
        );
        if !self.revealed {
            assert!(
                !screen.contains(PASSWORD),
                "the password is on screen unmasked:\n{screen}"
            );
        }
        screen
    }

    fn wait_for(&self, wanted: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let screen = self.screen();
            if wanted.iter().all(|w| screen.contains(w)) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "waited 30s for {wanted:?}; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn flag(&self, name: &str) -> String {
        self.run(&["display", "-p", "-t", "0", &format!("#{{{name}}}")])
            .trim()
            .to_string()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new(support::tool("tmux"))
            .args(["-L", &self.socket, "kill-server"])
            .stdin(Stdio::null())
            .output();
    }
}

fn key_text() -> String {
    format!(
        "-----BEGIN OPENSSH PRIVATE KEY-----\n{KEY_LINE}\nQyNTUxOQAAACBhc2RmYXNkZmFzZGZhc2RmYXNkZmFzZGZhc2RmYXNkZg==\n-----END OPENSSH PRIVATE KEY-----\n"
    )
}

fn drive(name: &str, w: u16, h: u16) {
    let mut t = Tmux::start(name, w, h);
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_catwalk"));
    t.text(&format!("clear; {}; echo EXIT=$?", bin.display()));
    t.keys(&["Enter"]);
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
    t.revealed = true;
    t.keys(&["C-r"]);
    t.wait_for(&[PASSWORD, "^R masks it again"]);
    t.keys(&["C-r"]);
    t.revealed = false;
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
    // Enter skips to step 5 (the check, built in another branch).
    t.keys(&["Enter"]);
    t.wait_for(&["✓4 SSH tunnel", "Check"]);
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
