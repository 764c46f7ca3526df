//! Quitting the wizard while a connector runs stops the connector before catwalk exits (not at the next
//! catwalk's reaper), and catwalk still exits promptly: the real `catwalk edit` in tmux, on a catalog of the
//! Flow fixture whose local command is a wrapper that first starts a child that would run forever (a copy
//! of `sleep` at a path of the test's own, its input closed: unlike the fixture it never ends at the end
//! of its input), then runs the fixture in slow mode (every answer waits a few seconds). Ctrl-C (then `y`
//! or Ctrl-C again) while the check, the discover or the preview waits: once catwalk has exited, no
//! process of that copy is left.

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use support::tmux::Tmux;

const SLOW: Duration = Duration::from_secs(120);
/// How long the fixture waits before each answer: long enough to quit while it waits.
const DELAY_MS: u64 = 8000;

/// The processes running the program at `exe` (matched by its path: a copy no other test runs).
fn running(exe: &Path) -> Vec<String> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|p| std::fs::read_link(p.path().join("exe")).is_ok_and(|e| e == exe))
        .map(|p| p.file_name().to_string_lossy().into_owned())
        .collect()
}

/// `sleep`, found on PATH.
fn sleep_program() -> PathBuf {
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join("sleep"))
        .find(|p| p.is_file())
        .expect("sleep on PATH")
}

/// In `dir`: the wrapper `source-quit` (the forever child, then the fixture), the copy of `sleep` it
/// starts, and the catalog `catwalk discover` writes for it, its config then asking for slow answers.
/// The catalog's path, and the copy's.
fn setup(dir: &Path) -> (PathBuf, PathBuf) {
    let forever = dir.join("forever-child");
    std::fs::copy(sleep_program(), &forever).unwrap();
    let wrapper = dir.join("source-quit");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\n# A child that would outlive the connector, unless its session is killed.\n\
             '{}' 100000 </dev/null >/dev/null 2>&1 &\nexec '{}'\n",
            forever.display(),
            support::fixture_bin().display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let w = wrapper.display().to_string();
    let discover = [
        "discover",
        "--protocol",
        "flow",
        "--local",
        "--",
        w.as_str(),
    ];
    assert_eq!(support::run_catwalk(dir, &discover).code(), Some(5));
    let config = dir.join("acmeCo/source-quit.config.yaml");
    assert!(config.exists(), "the stub config is written");
    std::fs::write(&config, "host: db.internal\npassword: quit-e2e-pw\n").unwrap();
    let ran = support::run_catwalk(dir, &discover);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    // The connector runs of `discover` ended: their sessions were killed, forever child and all.
    assert_eq!(running(&forever), Vec::<String>::new(), "after discover");
    std::fs::write(
        &config,
        format!(
            "host: db.internal\npassword: quit-e2e-pw\nmode: {{kind: slow, delay_ms: {DELAY_MS}}}\n"
        ),
    )
    .unwrap();
    (dir.join("acmeCo/source-quit.flow.yaml"), forever)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum During {
    Check,
    Discover,
    Preview,
}

fn quit_during(during: During, name: &str, keys: &[&str]) {
    let tmp = support::temp_dir();
    let (flow, forever) = setup(tmp.path());
    let t = Tmux::start(&format!("quit-{name}"), 100, 30, None);
    t.text(&format!(
        "clear; cd {} && {} edit {}; echo EXIT=$?",
        tmp.path().display(),
        support::tmux::catwalk().display(),
        flow.display()
    ));
    t.keys(&["Enter"]);
    t.wait_long(&["db.internal"], SLOW);
    t.keys(&["C-n"]);
    t.wait_for(&["SSH tunnel", "Enter skip"]);
    t.keys(&["Enter"]);
    if during != During::Check {
        t.wait_long(&["✓ The check passed"], SLOW);
        t.keys(&["Enter"]);
    }
    if during == During::Preview {
        t.wait_long(&["3 of 3 selected"], SLOW);
        t.keys(&["C-n"]);
        t.wait_long(&["Changes to acmeCo/source-quit"], SLOW);
        t.keys(&["Enter"]);
        t.wait_for(&["Reading up to 10 documents per binding"]);
    }
    // The connector waits before its answer: it runs, and so does its child.
    t.wait_long(&["sleeping"], SLOW);
    assert_eq!(
        running(&forever).len(),
        1,
        "the connector's child runs:\n{}",
        t.screen()
    );
    let asked = Instant::now();
    t.keys(&["C-c"]);
    t.wait_for(&["Quit?"]);
    t.keys(keys);
    t.assert_restored();
    let took = asked.elapsed();
    eprintln!("from Ctrl-C to the shell prompt: {took:?}");
    // Stopped before catwalk exited (a killed process may take a moment to be reaped).
    let until = Instant::now() + Duration::from_secs(1);
    while !running(&forever).is_empty() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        running(&forever),
        Vec::<String>::new(),
        "quitting during the {during:?} left the connector's process running"
    );
    assert!(
        took < Duration::from_millis(DELAY_MS),
        "catwalk took {took:?} to quit: it waited for the connector instead of stopping it"
    );
}

#[test]
fn quitting_during_the_check_stops_the_connector() {
    quit_during(During::Check, "check", &["y"]);
}

#[test]
fn quitting_during_the_discover_stops_the_connector() {
    quit_during(During::Discover, "discover", &["C-c"]);
}

#[test]
fn quitting_during_the_preview_of_an_edit_stops_the_connector() {
    quit_during(During::Preview, "preview", &["y"]);
}
