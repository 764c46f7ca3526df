//! A tmux server of our own (private socket) with one pane running bash, to drive the real `catwalk`
//! binary as a person would: keys one at a time, text, bracketed paste, screen captures. Strings that must
//! never be on screen (secrets) are checked on every capture. Killed on drop.

use std::cell::{Cell, RefCell};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub struct Tmux {
    socket: String,
    pub dir: tempfile::TempDir,
    /// (text, may show while revealed on purpose).
    forbidden: RefCell<Vec<(String, bool)>>,
    revealed: Cell<bool>,
}

impl Tmux {
    /// A `w`x`h` pane running bash with the state and cache directories in a temporary directory, and
    /// `path_prefix` (if any) before PATH.
    pub fn start(name: &str, w: u16, h: u16, path_prefix: Option<&Path>) -> Tmux {
        let dir = super::temp_dir();
        let socket = format!("catwalk-{name}-{}", std::process::id());
        let path = match path_prefix {
            Some(p) => format!(
                "{}:{}",
                p.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
            None => std::env::var("PATH").unwrap_or_default(),
        };
        // The environment goes through `env` in the command: tmux's own `-e` does not reach every variable.
        let command = format!(
            "env XDG_STATE_HOME={} XDG_CACHE_HOME={} PATH={} {}={} bash --norc --noprofile",
            dir.path().join("state").display(),
            dir.path().join("cache").display(),
            path,
            super::RUN_LABEL_ENV,
            super::run_id()
        );
        let t = Tmux {
            socket,
            dir,
            forbidden: RefCell::new(Vec::new()),
            revealed: Cell::new(false),
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

    pub fn run(&self, args: &[&str]) -> String {
        let out = Command::new(super::tool("tmux"))
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("running tmux");
        assert!(
            out.status.success(),
            "tmux {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `text` must never be on screen; with `revealable`, except while [`Tmux::reveal`] is on.
    pub fn forbid(&self, text: &str, revealable: bool) {
        self.forbidden
            .borrow_mut()
            .push((text.to_string(), revealable));
    }

    pub fn reveal(&self, on: bool) {
        self.revealed.set(on);
    }

    /// Keys (tmux key names), one at a time as typed: Esc followed at once by another key would read as
    /// Alt+key.
    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.run(&["send-keys", "-t", "0", k]);
            std::thread::sleep(Duration::from_millis(120));
        }
    }

    /// Literal text.
    pub fn text(&self, text: &str) {
        self.run(&["send-keys", "-t", "0", "-l", text]);
        std::thread::sleep(Duration::from_millis(150));
    }

    /// Paste `text` as a terminal does (bracketed paste).
    pub fn paste(&self, text: &str) {
        let file = self.dir.path().join("paste");
        std::fs::write(&file, text).unwrap();
        self.run(&["load-buffer", &file.display().to_string()]);
        self.run(&["paste-buffer", "-p", "-t", "0"]);
        std::thread::sleep(Duration::from_millis(200));
    }

    /// The pane's text; panics when a forbidden string shows.
    pub fn screen(&self) -> String {
        let screen = self.run(&["capture-pane", "-p", "-t", "0"]);
        for (text, revealable) in self.forbidden.borrow().iter() {
            if *revealable && self.revealed.get() {
                continue;
            }
            assert!(
                !screen.contains(text.as_str()),
                "a secret is on screen ({text}):\n{screen}"
            );
        }
        screen
    }

    pub fn flag(&self, name: &str) -> String {
        self.run(&["display", "-p", "-t", "0", &format!("#{{{name}}}")])
            .trim()
            .to_string()
    }

    /// Wait (at most 30 s) until the screen shows every one of `wanted`; the screen then.
    pub fn wait_for(&self, wanted: &[&str]) -> String {
        self.wait_long(wanted, Duration::from_secs(30))
    }

    /// Wait at most `limit` for every one of `wanted` (connectors that pull or discover take longer).
    pub fn wait_long(&self, wanted: &[&str], limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let screen = self.screen();
            if wanted.iter().all(|w| screen.contains(w)) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "waited {limit:?} for {wanted:?}; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Start the catwalk under test (`clear; catwalk; echo EXIT=$?`) in `cwd` (else the pane's own).
    pub fn start_catwalk(&self, cwd: Option<&Path>) {
        let cd = cwd
            .map(|d| format!("cd {} && ", d.display()))
            .unwrap_or_default();
        self.text(&format!("clear; {cd}{}; echo EXIT=$?", catwalk().display()));
        self.keys(&["Enter"]);
    }

    /// Assert the terminal is back to normal after catwalk exited with 0, and return the screen.
    pub fn assert_restored(&self) -> String {
        let screen = self.wait_for(&["EXIT=0", "test-prompt$"]);
        assert_eq!(
            self.flag("alternate_on"),
            "0",
            "still on the alternate screen"
        );
        assert_eq!(self.flag("cursor_flag"), "1", "cursor left hidden");
        assert_eq!(self.flag("mouse_any_flag"), "0", "mouse reporting left on");
        assert_eq!(self.flag("mouse_sgr_flag"), "0", "SGR mouse mode left on");
        // Nothing of the wizard remains on the normal screen.
        assert!(!screen.contains("Filter:"), "{screen}");
        screen
    }

    pub fn draft(&self) -> PathBuf {
        self.dir.path().join("state/catwalk/draft.json")
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new(super::tool("tmux"))
            .args(["-L", &self.socket, "kill-server"])
            .stdin(Stdio::null())
            .output();
    }
}

/// The catwalk binary under test.
pub fn catwalk() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_catwalk"))
}
