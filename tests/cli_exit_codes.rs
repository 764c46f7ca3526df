//! One test per row of the README's exit-code table (`cli::exit::ExitKind`), each through the real binary
//! and real components: the flow-fixture connector, sops and age, a disk that refuses writes.

mod support;

use serde_json::{Value, json};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

fn fixture() -> String {
    support::fixture_bin().display().to_string()
}

/// `catwalk` in `dir` with its own cache, state and config directories, no sops key, and `env`.
fn catwalk(dir: &Path, env: &[(&str, &str)]) -> Command {
    let mut cmd = support::catwalk(dir);
    cmd.env("XDG_CACHE_HOME", dir.join("cache"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("CATWALK_SOPS", support::sops_bin())
        .env_remove("SOPS_AGE_KEY_FILE")
        .env_remove("SOPS_AGE_KEY")
        .env_remove("FIXTURE_BEHAVIOUR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> support::Ran {
    support::run_with_timeout(catwalk(dir, env).args(args), None, Duration::from_secs(180))
}

fn discover_args(fx: &str) -> Vec<&str> {
    vec!["discover", "--protocol", "flow", "--local", "--", fx]
}

const CONFIG: &str = "acmeCo/flow-fixture.config.yaml";
const FLOW: &str = "acmeCo/flow-fixture.flow.yaml";

fn write_config(dir: &Path, config: &Value) {
    std::fs::create_dir_all(dir.join("acmeCo")).unwrap();
    std::fs::write(dir.join(CONFIG), serde_yaml::to_string(config).unwrap()).unwrap();
}

/// A catalog of the flow-fixture, discovered with a valid config.
fn catalog(dir: &Path) {
    let fx = fixture();
    write_config(dir, &support::fixture_config());
    let ran = run(dir, &discover_args(&fx), &[]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
}

/// The same command, on a disk that takes no more bytes (RLIMIT_FSIZE 0: writes fail with EFBIG, as
/// they fail with ENOSPC on a full disk; root is bound by it too).
fn on_a_full_disk(mut cmd: Command) -> support::Ran {
    unsafe {
        cmd.pre_exec(|| {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let none = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &none) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    support::run_with_timeout(&mut cmd, None, Duration::from_secs(180))
}

#[test]
fn row_0_success() {
    let tmp = support::temp_dir();
    let fx = fixture();
    let ran = run(
        tmp.path(),
        &["spec", "--protocol", "flow", "--local", "--", &fx],
        &[],
    );
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
}

#[test]
fn row_1_a_connector_failed() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    let fx = fixture();
    // It exits non-zero.
    let ran = run(
        dir,
        &[
            "spec",
            "--protocol",
            "flow",
            "--no-cache",
            "--local",
            "--",
            &fx,
        ],
        &[("FIXTURE_BEHAVIOUR", "exit_nonzero")],
    );
    assert_eq!(ran.code(), Some(1), "{}", ran.stderr());
    // It rejects the config when checked.
    catalog(dir);
    let mut failing = support::fixture_config();
    failing["mode"] = json!({"kind": "fail_check", "message": "permission denied"});
    write_config(dir, &failing);
    let ran = run(dir, &["check", "--source", FLOW], &[]);
    assert_eq!(ran.code(), Some(1), "{}", ran.stderr());
    assert!(
        ran.stderr().contains("permission denied"),
        "{}",
        ran.stderr()
    );
}

#[test]
fn row_2_bad_usage() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    // An empty image never reaches Docker.
    let ran = run(dir, &["spec", "--image", ""], &[]);
    assert_eq!(ran.code(), Some(2), "{}", ran.stderr());
    assert!(
        ran.stderr().contains("must not be empty"),
        "{}",
        ran.stderr()
    );
    assert!(!ran.stderr().contains("Docker"), "{}", ran.stderr());
    let ran = run(dir, &["discover", "--image", "", "--prefix", "x"], &[]);
    assert_eq!(ran.code(), Some(2), "{}", ran.stderr());
    let ran = run(dir, &["spec"], &[]);
    assert_eq!(ran.code(), Some(2), "{}", ran.stderr());
}

#[test]
fn row_3_invalid_input() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    catalog(dir);
    // A config that does not match the connector's schema: check and discover alike.
    write_config(dir, &json!({"host": "h"}));
    let ran = run(dir, &["check", "--source", FLOW], &[]);
    assert_eq!(ran.code(), Some(3), "{}", ran.stderr());
    assert!(ran.stderr().contains("(/password)"), "{}", ran.stderr());
    let fx = fixture();
    let ran = run(dir, &discover_args(&fx), &[]);
    assert_eq!(ran.code(), Some(3), "{}", ran.stderr());
    // A catalog that is not one.
    std::fs::write(dir.join("broken.flow.yaml"), "captures: [unclosed\n").unwrap();
    let ran = run(dir, &["check", "--source", "broken.flow.yaml"], &[]);
    assert_eq!(ran.code(), Some(3), "{}", ran.stderr());
}

#[test]
fn row_4_the_environment() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    // Command not found.
    let ran = run(
        dir,
        &["spec", "--local", "--", "/nonexistent/source-nothing"],
        &[],
    );
    assert_eq!(ran.code(), Some(4), "{}", ran.stderr());

    // A sops key missing: `check` as `discover`.
    catalog(dir);
    let key = support::age_key(dir, "key.txt");
    let fx = fixture();
    let ran = run(
        dir,
        &[
            "encrypt",
            "--source",
            CONFIG,
            "--age",
            &key.recipient,
            "--",
            &fx,
        ],
        &[],
    );
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let ran = run(dir, &["check", "--source", FLOW], &[]);
    assert_eq!(ran.code(), Some(4), "{}", ran.stderr());
    assert!(ran.stderr().contains("cannot decrypt"), "{}", ran.stderr());
    let ran = run(dir, &discover_args(&fx), &[]);
    assert_eq!(ran.code(), Some(4), "{}", ran.stderr());

    // A disk that refuses the files: the stub and the catalog alike.
    let tmp = support::temp_dir();
    let dir = tmp.path();
    let ran = on_a_full_disk({
        let mut c = catwalk(dir, &[]);
        c.args(discover_args(&fx));
        c
    });
    assert_eq!(ran.code(), Some(4), "{}", ran.stderr());
    assert!(!dir.join(CONFIG).exists() || std::fs::read(dir.join(CONFIG)).unwrap().is_empty());
    write_config(dir, &support::fixture_config());
    let ran = on_a_full_disk({
        let mut c = catwalk(dir, &[]);
        c.args(discover_args(&fx));
        c
    });
    assert_eq!(ran.code(), Some(4), "{}", ran.stderr());
    assert!(
        ran.stderr().contains(".yaml"),
        "names the file: {}",
        ran.stderr()
    );
}

#[test]
fn row_5_discover_wrote_a_stub() {
    let tmp = support::temp_dir();
    let fx = fixture();
    let ran = run(tmp.path(), &discover_args(&fx), &[]);
    assert_eq!(ran.code(), Some(5), "{}", ran.stderr());
    assert!(tmp.path().join(CONFIG).exists());
}

#[test]
fn row_130_interrupted() {
    let tmp = support::temp_dir();
    let fx = fixture();
    let child = catwalk(tmp.path(), &[("FIXTURE_BEHAVIOUR", "hang")])
        .args([
            "spec",
            "--protocol",
            "flow",
            "--no-cache",
            "--local",
            "--",
            &fx,
        ])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(2));
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains("interrupted by SIGTERM"), "{err}");
}
