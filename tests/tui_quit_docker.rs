//! Quitting the wizard while an edit's preview runs in a container removes the container before catwalk
//! exits (not at the next catwalk's reaper): the real `catwalk edit` in tmux on a catalog of the
//! flow-fixture image, its config asking for slow answers; Ctrl-C, `y` while the preview's connector
//! waits; once catwalk has exited, none of its containers is left, at once.

mod support;

use std::time::{Duration, Instant};
use support::tmux::Tmux;

const SLOW: Duration = Duration::from_secs(180);
/// How long the fixture waits before each answer: long enough to quit while it waits.
const DELAY_MS: u64 = 8000;

#[test]
fn quitting_during_the_preview_of_a_docker_capture_removes_its_container() {
    assert!(
        support::docker_available(),
        "component docker missing: the Docker engine does not answer"
    );
    let tmp = support::temp_dir();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("acmeCo")).unwrap();
    support::write_json(
        dir,
        "acmeCo/fixture.config.yaml",
        &support::fixture_config(),
    );
    let image = support::fixture_image();
    let discover = [
        "discover", "--prefix", "acmeCo", "--name", "fixture", "--image", image,
    ];
    let ran = support::run_catwalk(dir, &discover);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let mut config = support::fixture_config();
    config["mode"] = serde_json::json!({"kind": "slow", "delay_ms": DELAY_MS});
    support::write_json(dir, "acmeCo/fixture.config.yaml", &config);

    let t = Tmux::start("quit-docker", 100, 30, None);
    t.text(&format!(
        "clear; cd {} && {} edit acmeCo/fixture.flow.yaml; echo EXIT=$?",
        dir.display(),
        support::tmux::catwalk().display()
    ));
    t.keys(&["Enter"]);
    t.wait_long(&["db.example.com"], SLOW);
    t.keys(&["C-n"]);
    t.wait_for(&["SSH tunnel", "Enter skip"]);
    t.keys(&["Enter"]);
    t.wait_long(&["✓ The check passed"], SLOW);
    t.keys(&["Enter"]);
    t.wait_long(&["3 of 3 selected"], SLOW);
    t.keys(&["C-n"]);
    t.wait_long(&["Changes to acmeCo/fixture"], SLOW);
    t.keys(&["Enter"]);
    t.wait_for(&["Reading up to 10 documents per binding"]);
    t.wait_long(&["sleeping"], SLOW);
    assert!(
        !support::catwalk_containers().is_empty(),
        "the preview runs its connector in a container:\n{}",
        t.screen()
    );
    let asked = Instant::now();
    t.keys(&["C-c"]);
    t.wait_for(&["Quit?"]);
    t.keys(&["y"]);
    t.assert_restored();
    let took = asked.elapsed();
    eprintln!("from Ctrl-C to the shell prompt: {took:?}");
    // Removed before catwalk exited: no grace here.
    assert_eq!(
        support::catwalk_containers(),
        Vec::<String>::new(),
        "quitting during the preview left its container"
    );
    assert!(
        took < Duration::from_millis(DELAY_MS),
        "catwalk took {took:?} to quit: it waited for the connector instead of stopping it"
    );
}
