//! The `catwalk` binary with connectors in Docker (images built locally by scripts/test-deps): discover and
//! check through the Flow image and through the Airbyte image (adapted), a dead daemon, a missing image,
//! Ctrl-C, and a catwalk killed outright. After each, no container of ours may remain.

mod support;

use serde_json::json;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

/// Docker tests share the engine and assert on its containers: one at a time (nextest groups them too).
static ENGINE: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn lock() -> std::sync::MutexGuard<'static, ()> {
    ENGINE.lock().unwrap_or_else(|e| e.into_inner())
}

fn write_yaml(path: &Path, value: &serde_json::Value) {
    std::fs::write(path, serde_yaml::to_string(value).unwrap()).unwrap();
}

#[test]
fn flow_image_discover_twice_then_check() {
    let _engine = lock();
    let tmp = support::temp_dir();
    let dir = tmp.path();
    let image = support::fixture_image();
    let args = ["discover", "--image", image, "--prefix", "acmeCo/fixture"];
    let ran = support::run_catwalk(dir, &args);
    assert_eq!(ran.code(), Some(5), "{}", ran.stderr());
    let config = dir.join("acmeCo/fixture/flow-fixture.config.yaml");
    assert!(config.exists());
    write_yaml(&config, &support::fixture_config());
    let ran = support::run_catwalk(dir, &args);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let flow = dir.join("acmeCo/fixture/flow-fixture.flow.yaml");
    let doc = support::read_yaml(&flow);
    catwalk::catalog::validate_flow_catalog(&doc).unwrap_or_else(|e| panic!("{}", e.join("\n")));
    let endpoint = &doc["captures"]["acmeCo/fixture/flow-fixture"]["endpoint"]["connector"];
    assert_eq!(endpoint["image"], image);
    assert_eq!(endpoint["config"], "flow-fixture.config.yaml");
    assert!(doc["collections"]["acmeCo/fixture/users"].is_object());

    let ran = support::run_catwalk(dir, &["check", "--source", flow.to_str().unwrap()]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    assert!(
        ran.stderr().contains("✓ acmeCo/fixture/users"),
        "{}",
        ran.stderr()
    );
    support::assert_no_catwalk_containers();
}

#[test]
fn airbyte_image_is_written_as_an_adapted_local_endpoint() {
    let _engine = lock();
    let tmp = support::temp_dir();
    let dir = tmp.path();
    let image = support::airbyte_fixture_image();
    let args = ["discover", "--image", image];
    assert_eq!(support::run_catwalk(dir, &args).code(), Some(5));
    write_yaml(
        &dir.join("acmeCo/airbyte-fixture.config.yaml"),
        &support::fixture_config(),
    );
    let ran = support::run_catwalk(dir, &args);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let flow = dir.join("acmeCo/airbyte-fixture.flow.yaml");
    let doc = support::read_yaml(&flow);
    catwalk::catalog::validate_flow_catalog(&doc).unwrap_or_else(|e| panic!("{}", e.join("\n")));
    let local = &doc["captures"]["acmeCo/airbyte-fixture"]["endpoint"]["local"];
    assert_eq!(
        local["command"],
        json!(["catwalk", "adapt", "airbyte", "--image", image])
    );
    assert_eq!(
        doc["collections"]["acmeCo/events"]["key"],
        json!(["/_meta/row_id"])
    );
    assert_eq!(doc["collections"]["acmeCo/users"]["key"], json!(["/id"]));

    // check runs `catwalk adapt airbyte --image ...`, which runs the image: Airbyte check + discover.
    let ran = support::run_catwalk(dir, &["check", "--source", flow.to_str().unwrap()]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    assert!(ran.stderr().contains("✓ acmeCo/users"), "{}", ran.stderr());
    support::assert_no_catwalk_containers();
}

#[test]
fn a_dead_docker_daemon_is_explained() {
    let _engine = lock();
    let tmp = support::temp_dir();
    let ran = support::run_with_timeout(
        support::catwalk(tmp.path())
            .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
            .args(["spec", "--image", support::fixture_image()]),
        None,
        Duration::from_secs(60),
    );
    assert_eq!(ran.code(), Some(4), "{}", ran.stderr());
    let err = ran.stderr();
    assert!(
        err.contains("cannot reach the Docker daemon at unix:///nonexistent/docker.sock"),
        "{err}"
    );
    assert!(
        err.contains("Local connectors (`--local -- COMMAND`) work without Docker"),
        "{err}"
    );
}

#[test]
fn a_missing_local_image_is_explained() {
    let _engine = lock();
    let tmp = support::temp_dir();
    let ran = support::run_catwalk(
        tmp.path(),
        &["discover", "--image", "catwalk-test/no-such-image:local"],
    );
    assert_eq!(ran.code(), Some(4), "{}", ran.stderr());
    assert!(
        ran.stderr()
            .contains("catwalk-test/no-such-image:local was not found locally"),
        "{}",
        ran.stderr()
    );
    assert!(
        !tmp.path().join("acmeCo").exists(),
        "nothing written for a connector that never ran"
    );
}

fn start_hung_discover(dir: &Path) -> std::process::Child {
    start_hung_discover_of_run(dir, support::run_id())
}

/// [`start_hung_discover`] with `CATWALK_RUN_LABEL=run`.
fn start_hung_discover_of_run(dir: &Path, run: &str) -> std::process::Child {
    let image = support::fixture_image();
    let args = ["discover", "--image", image];
    assert_eq!(support::run_catwalk(dir, &args).code(), Some(5));
    let mut config = support::fixture_config();
    config["behaviour"] = json!("hang");
    write_yaml(&dir.join("acmeCo/flow-fixture.config.yaml"), &config);
    let child = support::catwalk(dir)
        .args(args)
        .env(support::RUN_LABEL_ENV, run)
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until its discover container runs and says it hangs (the spec container comes and goes first;
    // a container just created has said nothing yet).
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let running = support::containers_with_labels(&[
            support::CATWALK_LABEL,
            &format!("catwalk.pid={}", child.id()),
        ]);
        if running
            .iter()
            .any(|id| support::container_logs(id).contains("hanging forever"))
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no hanging container appeared"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    child
}

/// Send `signal` to a catwalk whose connector hangs in a container: it exits 130, naming the signal, and
/// leaves no container behind.
fn interrupt_removes_the_container(signal: i32, named: &str) {
    let _engine = lock();
    let tmp = support::temp_dir();
    let child = start_hung_discover(tmp.path());
    unsafe {
        libc::kill(child.id() as i32, signal);
    }
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains(&format!("interrupted by {named}")), "{err}");
    support::assert_no_catwalk_containers();
}

#[test]
fn ctrl_c_removes_the_container_and_exits_130() {
    interrupt_removes_the_container(libc::SIGINT, "Ctrl-C");
}

#[test]
fn sigterm_removes_the_container_too() {
    interrupt_removes_the_container(libc::SIGTERM, "SIGTERM");
}

#[test]
fn containers_of_a_killed_catwalk_are_reaped_by_the_next_run() {
    let _engine = lock();
    let tmp = support::temp_dir();
    let mut child = start_hung_discover(tmp.path());
    let pid = child.id();
    // SIGKILL cannot be handled: the hung container outlives this catwalk...
    child.kill().unwrap();
    child.wait().unwrap();
    let left =
        support::containers_with_labels(&[support::CATWALK_LABEL, &format!("catwalk.pid={pid}")]);
    assert_eq!(
        left.len(),
        1,
        "the killed catwalk's container is still there"
    );
    // ...until the next catwalk that talks to Docker removes it.
    let ran = support::run_catwalk(tmp.path(), &["spec", "--image", support::fixture_image()]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    support::assert_no_catwalk_containers();
}

/// The leftover check counts the containers of this test run only: a container of another catwalk (another
/// run's label) does not fail it; one of a catwalk this run started does, and so does one of this process's
/// own runtime calls.
#[test]
fn the_leftover_check_sees_this_runs_containers_and_only_those() {
    let _engine = lock();
    let tmp = support::temp_dir();
    let check = || std::panic::catch_unwind(support::assert_no_catwalk_containers);

    // Another run's catwalk, its connector hung in a container: not ours.
    let other_run = format!("another-run-{}", std::process::id());
    let mut other = start_hung_discover_of_run(tmp.path(), &other_run);
    let theirs = support::containers_with_labels(&[
        support::CATWALK_LABEL,
        &format!("catwalk.run={other_run}"),
    ]);
    assert_eq!(theirs.len(), 1, "the other run's container runs");
    assert!(check().is_ok(), "another run's container was counted");
    unsafe {
        libc::kill(other.id() as i32, libc::SIGTERM);
    }
    other.wait().unwrap();

    // A catwalk of this run, the same: its container is this run's leftover.
    let again = support::temp_dir();
    let mut ours = start_hung_discover(again.path());
    let left = check().expect_err("a container of this run's catwalk was not seen");
    let message = left.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        message.contains("1 container(s) of this test run"),
        "{message}"
    );
    unsafe {
        libc::kill(ours.id() as i32, libc::SIGTERM);
    }
    ours.wait().unwrap();
    support::assert_no_catwalk_containers();

    // A container as this process's own runtime calls label theirs.
    let out = std::process::Command::new("docker")
        .args(["create", "--label", support::CATWALK_LABEL, "--label"])
        .arg(support::in_process_label())
        .arg(support::fixture_image())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let seen = check();
    let _ = std::process::Command::new("docker")
        .args(["rm", "-f", &id])
        .output();
    assert!(seen.is_err(), "an in-process container ({id}) was not seen");
    support::assert_no_catwalk_containers();
}
