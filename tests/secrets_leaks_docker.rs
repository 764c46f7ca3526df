//! Secrets handed to a connector in Docker (the Airbyte fixture image, which reads its config FILE as uid
//! 1000): the config goes into the container through the Docker API, so no host file in `/dev/shm`, `/tmp`
//! or `$XDG_RUNTIME_DIR` ever holds it, while the connector runs, after it, or after catwalk is killed; the
//! next catwalk removes the container a killed one left.

mod support;

use serde_json::{Value, json};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;
use support::leaks;

const WAIT: Duration = Duration::from_secs(180);

/// Docker tests share the engine and assert on its containers: one at a time (nextest groups them too).
static ENGINE: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn lock() -> std::sync::MutexGuard<'static, ()> {
    ENGINE.lock().unwrap_or_else(|e| e.into_inner())
}

fn write_yaml(path: &Path, value: &Value) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, serde_yaml::to_string(value).unwrap()).unwrap();
}

fn leaked(needle: &str, own: &Path) -> Vec<PathBuf> {
    leaks::files_holding(&leaks::shared_places(), &[needle])
        .into_iter()
        .filter(|p| !p.starts_with(own))
        .collect()
}

/// `docker ps -a` ids and commands of the containers the catwalk with this pid started.
fn containers_of(pid: u32) -> Vec<(String, String)> {
    let out = Command::new("docker")
        .args([
            "ps",
            "-a",
            "--no-trunc",
            "--format",
            "{{.ID}}\t{{.Command}}",
        ])
        .arg("--filter")
        .arg(format!("label=catwalk.pid={pid}"))
        .output()
        .expect("docker ps runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(id, cmd)| (id.to_string(), cmd.to_string()))
        .collect()
}

/// Mode and uid of `path` in a container, from the archive `docker cp` makes of it.
fn mode_and_uid_in_container(id: &str, path: &str) -> (u32, u32) {
    let mut child = Command::new("docker")
        .args(["cp", &format!("{id}:{path}"), "-"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut tar = Vec::new();
    child.stdout.take().unwrap().read_to_end(&mut tar).unwrap();
    assert!(child.wait().unwrap().success(), "docker cp {id}:{path}");
    let octal = |field: &[u8]| {
        let text = String::from_utf8_lossy(field);
        u32::from_str_radix(text.trim_matches(|c: char| c == '\0' || c == ' '), 8).unwrap()
    };
    (octal(&tar[100..108]) & 0o777, octal(&tar[108..116]))
}

#[test]
fn an_airbyte_config_never_touches_a_shared_place_even_when_catwalk_is_killed() {
    let _engine = lock();
    let tmp = support::temp_dir();
    let dir = tmp.path();
    let image = support::airbyte_fixture_image();
    let secret = leaks::distinctive_secret("docker");
    let tag = secret.split('-').next().unwrap().to_string();
    // `hang`: the fixture reads its config, logs, then sleeps until killed.
    write_yaml(
        &dir.join("acmeCo/airbyte-fixture.config.yaml"),
        &json!({"host": "db.example.com", "password": secret, "behaviour": "hang"}),
    );
    let state = dir.join("state");
    let mut catwalk = support::catwalk(dir)
        .args(["discover", "--image", image])
        .env("XDG_STATE_HOME", &state)
        .env("CATWALK_LOG", "debug")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = catwalk.id();
    leaks::wait_until("the fixture's discover container", WAIT, || {
        containers_of(pid)
            .iter()
            .any(|(_, cmd)| cmd.contains("discover"))
    });
    let (id, _) = containers_of(pid)
        .into_iter()
        .find(|(_, cmd)| cmd.contains("discover"))
        .unwrap();
    // The config is in the container, for its user alone.
    assert_eq!(
        mode_and_uid_in_container(&id, "/catwalk/config.json"),
        (0o400, 1000)
    );
    assert_eq!(leaked(&tag, dir), Vec::<PathBuf>::new(), "while it runs");

    catwalk.kill().unwrap();
    catwalk.wait().unwrap();
    assert_eq!(leaked(&tag, dir), Vec::<PathBuf>::new(), "after SIGKILL");
    let log = std::fs::read_to_string(state.join("catwalk/catwalk.log")).unwrap_or_default();
    assert!(!log.contains(&tag), "{log}");

    // The next catwalk that talks to Docker removes the container (and the config with it).
    let ran = support::run_catwalk(dir, &["spec", "--image", image]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    assert_eq!(containers_of(pid), Vec::new());
    assert_eq!(leaked(&tag, dir), Vec::<PathBuf>::new());
}

#[test]
fn a_finished_docker_run_leaves_no_config_behind() {
    let _engine = lock();
    let tmp = support::temp_dir();
    let dir = tmp.path();
    let image = support::airbyte_fixture_image();
    let secret = leaks::distinctive_secret("dockerok");
    let tag = secret.split('-').next().unwrap().to_string();
    write_yaml(
        &dir.join("acmeCo/airbyte-fixture.config.yaml"),
        &json!({"host": "db.example.com", "password": secret}),
    );
    let ran = support::run_catwalk(dir, &["-vv", "discover", "--image", image]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    assert!(!ran.stderr().contains(&tag), "{}", ran.stderr());
    assert_eq!(leaked(&tag, dir), Vec::<PathBuf>::new());
    support::assert_no_catwalk_containers();
}
