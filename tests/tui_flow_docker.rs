//! Steps 1 to 7 end to end with the Flow fixture image in Docker (`docker` in the name: run one at a time
//! with the other Docker tests, under `flock /tmp/catwalk-docker.lock`): the real form with the `mode`
//! oneOf switched to Slow and the password typed (masked: it never shows in any capture), the check, the
//! bindings (one proposed disabled is selected), the save. The saved config has the option and the
//! password, `catwalk check --source` passes, and no container of ours remains. And Esc during a slow check
//! removes its container at once.

mod support;

use std::time::Duration;
use support::tmux::{Tmux, catwalk};

const PASSWORD: &str = "s3cret-docker-e2e";
const SLOW: Duration = Duration::from_secs(180);

#[test]
fn docker_flow_fixture_with_a_oneof_and_a_secret_to_a_saved_catalog() {
    assert!(support::docker_available(), "Docker must be running");
    let image = support::fixture_image();
    let bin_dir = catwalk().parent().unwrap().to_path_buf();
    let t = Tmux::start("flow-docker", 120, 40, Some(&bin_dir));
    t.forbid(PASSWORD, false);
    let out = support::temp_dir();
    t.start_catwalk(Some(out.path()));
    t.wait_for(&["1 Connector", "Any Docker image…"]);
    t.keys(&["Enter"]);
    t.text(image);
    t.keys(&["Enter"]);
    t.wait_long(&["The endpoint config tells", "› Host *"], SLOW);
    t.text("db.internal");
    t.keys(&["Tab", "Tab"]);
    t.text(PASSWORD);
    t.wait_for(&["› Password *", "•••••"]);
    // Private key, then the mode: → → switches the oneOf to Slow, whose delay appears below it.
    t.keys(&["Tab", "Tab", "Right", "Right"]);
    t.wait_for(&["‹ Slow ›", "Delay (milliseconds)"]);
    t.keys(&["C-n"]);
    t.wait_for(&["SSH tunnel", "Enter skip"]);
    t.keys(&["Enter"]);
    // Slow: the spinner shows first.
    t.wait_long(&["Running the connector's Flow validate"], SLOW);
    t.wait_long(&["✓ The check passed"], SLOW);
    t.keys(&["Enter"]);
    t.wait_long(&["2 of 3 selected", "audit_log", "○ off"], SLOW);
    // Select the one the connector proposes off.
    t.keys(&["Down", "Down", "Space"]);
    t.wait_for(&["3 of 3 selected", "recommends leaving this one off"]);
    t.keys(&["C-n"]);
    // The preview runs the image as the catalog will: each binding's documents, matching the schemas.
    let screen = t.wait_long(&["All documents match their schemas", "3 documents"], SLOW);
    assert!(screen.contains("◀ 1/3 ▶"), "{screen}");
    t.keys(&["Enter"]);
    t.wait_long(&["Review and save", "flow-fixture.flow.yaml (lines"], SLOW);
    t.keys(&["Enter"]);
    t.wait_long(&["✓ Saved the capture acmeCo/flow-fixture"], SLOW);
    t.keys(&["q"]);
    t.assert_restored();

    let flow = out.path().join("flow-fixture.flow.yaml");
    let config = support::read_yaml(&out.path().join("flow-fixture.config.yaml"));
    assert_eq!(config["mode"]["kind"], "slow", "{config}");
    assert_eq!(config["password"], PASSWORD);
    assert_eq!(config["host"], "db.internal");
    let doc = support::read_valid_catalog(&flow);
    let capture = &doc["captures"]["acmeCo/flow-fixture"];
    assert_eq!(capture["endpoint"]["connector"]["image"], image);
    let bindings = capture["bindings"].as_array().unwrap();
    assert_eq!(bindings.len(), 3);
    assert!(
        bindings
            .iter()
            .all(|b| b.get("disable").is_none_or(|d| d == false)),
        "{doc:#}"
    );
    let ran = support::assert_check_passes(out.path(), &flow);
    assert!(!ran.stdout().contains(PASSWORD) && !ran.stderr().contains(PASSWORD));
    support::assert_no_catwalk_containers();
}

#[test]
fn docker_esc_during_the_check_removes_its_container() {
    assert!(support::docker_available(), "Docker must be running");
    let t = Tmux::start("flow-docker-esc", 80, 24, None);
    t.forbid(PASSWORD, false);
    t.start_catwalk(None);
    t.wait_for(&["Any Docker image…"]);
    t.keys(&["Enter"]);
    t.text(support::fixture_image());
    t.keys(&["Enter"]);
    t.wait_long(&["› Host *"], SLOW);
    t.text("db.internal");
    t.keys(&["Tab", "Tab"]);
    t.text(PASSWORD);
    // Mode Slow, a minute per answer.
    t.keys(&["Tab", "Tab", "Right", "Right", "Tab", "C-u"]);
    t.text("60000");
    t.wait_for(&["‹ Slow ›", "60000"]);
    t.keys(&["C-n"]);
    t.wait_for(&["Enter skip"]);
    t.keys(&["Enter"]);
    t.wait_long(&["Running the connector's Flow validate", "sleeping"], SLOW);
    assert!(
        !support::catwalk_containers().is_empty(),
        "the check runs in a container"
    );
    t.keys(&["Escape"]);
    t.wait_for(&["Enter skip"]);
    support::assert_no_catwalk_containers();
    t.keys(&["C-c"]);
    t.wait_for(&["Quit?"]);
    t.keys(&["y"]);
    t.assert_restored();
}
