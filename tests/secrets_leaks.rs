//! Secrets must stay where the user put them, with local connectors: never printed or logged in any
//! spelling (JSON, `\u`, percent-encoded, Python repr), never left in a file another local user can read,
//! nothing left running or lying around after catwalk is killed (the next catwalk cleans up), and
//! `catwalk encrypt` on a symlink encrypts the file it points to. The connectors are small real programs
//! written by each test (a Singer tap, an Airbyte source behind a shell wrapper).

mod support;

use serde_json::{Value, json};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;
use support::leaks;

const WAIT: Duration = Duration::from_secs(120);

fn write_executable(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn write_yaml(path: &Path, value: &Value) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, serde_yaml::to_string(value).unwrap()).unwrap();
}

/// Files in shared places holding `needle`, outside the test's own directory (which holds the config).
fn leaked(needle: &str, own: &Path) -> Vec<PathBuf> {
    leaks::files_holding(&leaks::shared_places(), &[needle])
        .into_iter()
        .filter(|p| !p.starts_with(own))
        .collect()
}

/// A Singer tap whose `--discover` logs its password in every spelling Python gives it, and whose
/// `--about` answers only after that (the order in which catwalk used to show the lines unmasked).
const LEAKY_TAP: &str = r#"#!/usr/bin/env python3
import json, os, sys, time, urllib.parse
args = sys.argv[1:]
marker = os.environ["LEAKY_MARKER"]
if "--about" in args:
    while not os.path.exists(marker):
        time.sleep(0.02)
    print(json.dumps({"name": "tap-leaky", "capabilities": ["discover", "about"], "settings": {
        "type": "object", "required": ["host", "password"], "properties": {
            "host": {"type": "string"},
            "password": {"type": "string", "secret": True, "writeOnly": True}}}}))
    sys.exit(0)
config = json.load(open(args[args.index("--config") + 1]))
pw = config["password"]
forms = {
    "raw": pw,
    "json": json.dumps(pw, ensure_ascii=False)[1:-1],
    "ascii_json": json.dumps(pw)[1:-1],
    "url": urllib.parse.quote(pw),
    "url_plus": urllib.parse.quote_plus(pw),
    "url_strict": urllib.parse.quote(pw, safe=""),
    "repr": repr(pw)[1:-1],
    "ascii": ascii(pw)[1:-1],
    "bytes": repr(pw.encode())[2:-1],
}
for name, form in forms.items():
    print(f"WARNING {name}: connecting with {form} now", file=sys.stderr, flush=True)
print(json.dumps({"level": "warning", "message": "config " + json.dumps(config)}), file=sys.stderr, flush=True)
json.dump(forms, open(os.environ["LEAKY_FORMS"], "w"))
open(marker, "w").close()
print(json.dumps({"streams": [{"tap_stream_id": "items", "stream": "items", "key_properties": ["id"],
    "schema": {"type": "object", "properties": {"id": {"type": "integer"}}}, "metadata": []}]}))
"#;

#[test]
fn a_taps_log_lines_are_masked_in_every_spelling_even_before_its_spec_is_known() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    let secret = leaks::distinctive_secret("tap");
    let tag = secret.split('-').next().unwrap().to_string();
    let tap = dir.join("tap-leaky");
    write_executable(&tap, LEAKY_TAP);
    write_yaml(
        &dir.join("acmeCo/tap-leaky.config.yaml"),
        &json!({"host": "db.example.com", "password": secret}),
    );
    let state = dir.join("state");
    let ran = support::run_with_timeout(
        support::catwalk(dir)
            .args(["-vv", "discover", "--local", "--"])
            .arg(&tap)
            .env("LEAKY_MARKER", dir.join("discover-logged"))
            .env("LEAKY_FORMS", dir.join("forms.json"))
            .env("XDG_STATE_HOME", &state)
            .env("CATWALK_LOG", "debug"),
        None,
        WAIT,
    );
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let forms: Value =
        serde_json::from_slice(&std::fs::read(dir.join("forms.json")).unwrap()).unwrap();
    let log_path = state.join("catwalk/catwalk.log");
    let log = std::fs::read_to_string(&log_path).unwrap();
    for (what, text) in [
        ("stderr", ran.stderr()),
        ("stdout", ran.stdout()),
        ("log", log.clone()),
    ] {
        for (name, form) in forms.as_object().unwrap() {
            let form = form.as_str().unwrap();
            assert!(
                !text.contains(form),
                "{what} holds the {name} form {form:?}:\n{text}"
            );
        }
        // Every form starts with the tag: not even a part of the secret may show.
        assert!(
            !text.contains(&tag),
            "{what} holds a part of the secret:\n{text}"
        );
    }
    // The lines were shown (masked), not dropped.
    let shown = ran.stderr().matches("connecting with **** now").count();
    assert_eq!(shown, forms.as_object().unwrap().len(), "{}", ran.stderr());
    assert!(log.contains("connecting with **** now"), "{log}");
    // The log is the user's alone.
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&log_path), 0o600);
    assert_eq!(mode(log_path.parent().unwrap()), 0o700);
    assert!(!leaks::readable_by_another_user(&log_path));
    assert_eq!(leaked(&tag, dir), Vec::<PathBuf>::new());
}

/// An Airbyte source that, on `discover`, starts a helper process, notes its own pid, the helper's and
/// the config file's path, and hangs. Run through a shell wrapper (`sh wrapper.sh`), so catwalk's direct
/// child is the shell and the source is a grandchild.
const HANGING_SOURCE: &str = r#"#!/usr/bin/env python3
import json, os, subprocess, sys, time
if sys.argv[1] == "spec":
    print(json.dumps({"type": "SPEC", "spec": {"connectionSpecification": {"type": "object",
        "required": ["password"], "properties": {"password": {"type": "string", "airbyte_secret": True}}}}}))
    sys.exit(0)
config = sys.argv[sys.argv.index("--config") + 1]
helper = subprocess.Popen(["sleep", "3000"])
with open(os.environ["HANG_STARTED"] + ".part", "w") as f:
    json.dump({"source": os.getpid(), "helper": helper.pid, "config": config}, f)
os.rename(os.environ["HANG_STARTED"] + ".part", os.environ["HANG_STARTED"])
time.sleep(3000)
"#;

#[test]
fn a_killed_catwalk_leaves_no_readable_config_and_the_next_run_ends_its_processes_and_files() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    let secret = leaks::distinctive_secret("kill");
    let tag = secret.split('-').next().unwrap().to_string();
    let source = dir.join("source-hang.py");
    write_executable(&source, HANGING_SOURCE);
    let wrapper = dir.join("wrapper.sh");
    // Not `exec`: the shell stays as catwalk's child, the source is its child.
    std::fs::write(&wrapper, format!("{} \"$@\"\nexit $?\n", source.display())).unwrap();
    write_yaml(
        &dir.join("acmeCo/hang.config.yaml"),
        &json!({"password": secret}),
    );
    let started = dir.join("started.json");
    let local = |cmd: &mut Command| {
        cmd.args(["--protocol", "airbyte", "--local", "--", "/bin/sh"])
            .arg(&wrapper)
            .env("HANG_STARTED", &started);
    };
    let mut discover = support::catwalk(dir);
    discover.args(["discover", "--name", "hang"]);
    local(&mut discover);
    let mut catwalk = discover
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    leaks::wait_until("the source to start its discover", WAIT, || {
        started.exists()
    });
    let info: Value = serde_json::from_slice(&std::fs::read(&started).unwrap()).unwrap();
    let pid = |k: &str| info[k].as_i64().unwrap() as i32;
    let config = PathBuf::from(info["config"].as_str().unwrap());

    // While it runs: the config is a private file; nothing in a shared place is readable by another user.
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&config), 0o600);
    assert_eq!(mode(config.parent().unwrap()), 0o700);
    for file in leaked(&tag, dir) {
        assert!(
            !leaks::readable_by_another_user(&file),
            "{} holds the secret and another user can read it",
            file.display()
        );
    }

    catwalk.kill().unwrap();
    catwalk.wait().unwrap();
    // What a SIGKILL leaves: the source and its helper (the shell got PDEATHSIG, they did not), the file.
    assert!(
        leaks::process_alive(pid("source")),
        "the scenario needs the source to outlive catwalk"
    );
    assert!(config.exists());
    for entry in leaks::entries_below(config.parent().unwrap().parent().unwrap()) {
        assert!(
            !leaks::readable_by_another_user(&entry),
            "{} is readable by another user",
            entry.display()
        );
    }

    // The next catwalk that runs a local connector ends them and removes the files.
    let mut spec = support::catwalk(dir);
    spec.arg("spec");
    local(&mut spec);
    let ran = support::run_with_timeout(&mut spec, None, WAIT);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    leaks::wait_until("the left-behind source and helper to end", WAIT, || {
        !leaks::process_alive(pid("source")) && !leaks::process_alive(pid("helper"))
    });
    assert!(!config.exists(), "{} is still there", config.display());
    assert_eq!(leaked(&tag, dir), Vec::<PathBuf>::new());
}

#[test]
fn a_normal_run_ends_the_whole_session_and_removes_its_files() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    let secret = leaks::distinctive_secret("normal");
    let tag = secret.split('-').next().unwrap().to_string();
    // A source that starts a helper in a process group of its own (a shell with job control would), then
    // answers and exits: the helper is still in the connector's session, and must not outlive the run.
    // (The helper lets go of stdout and stderr, or catwalk would wait for their end.)
    let source = dir.join("source-bg.py");
    write_executable(
        &source,
        r#"#!/usr/bin/env python3
import json, os, subprocess, sys
if sys.argv[1] == "spec":
    print(json.dumps({"type": "SPEC", "spec": {"connectionSpecification": {"type": "object",
        "properties": {"password": {"type": "string", "airbyte_secret": True}}}}}))
    sys.exit(0)
helper = subprocess.Popen(["sleep", "3000"], process_group=0,
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
open(os.environ["HELPER_PID"], "w").write(str(helper.pid))
print(json.dumps({"type": "CATALOG", "catalog": {"streams": [{"name": "items",
    "json_schema": {"type": "object"}, "supported_sync_modes": ["full_refresh"]}]}}))
"#,
    );
    write_yaml(
        &dir.join("acmeCo/bg.config.yaml"),
        &json!({"password": secret}),
    );
    let helper_pid = dir.join("helper.pid");
    let ran = support::run_with_timeout(
        support::catwalk(dir)
            .args([
                "discover",
                "--name",
                "bg",
                "--protocol",
                "airbyte",
                "--local",
                "--",
            ])
            .arg(&source)
            .env("HELPER_PID", &helper_pid),
        None,
        WAIT,
    );
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let helper: i32 = std::fs::read_to_string(&helper_pid)
        .unwrap()
        .parse()
        .unwrap();
    leaks::wait_until("the helper to be ended", WAIT, || {
        !leaks::process_alive(helper)
    });
    assert_eq!(leaked(&tag, dir), Vec::<PathBuf>::new());
}

#[test]
fn encrypting_a_symlinked_config_encrypts_its_target_and_keeps_the_link() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    let key = support::age_key(dir, "key.txt");
    let secret = leaks::distinctive_secret("link");
    let tag = secret.split('-').next().unwrap().to_string();
    let real = dir.join("configs/real.config.yaml");
    write_yaml(
        &real,
        &json!({"host": "db.example.com", "password": secret}),
    );
    let link = dir.join("source.config.yaml");
    std::os::unix::fs::symlink("configs/real.config.yaml", &link).unwrap();
    let ran = support::run_with_timeout(
        support::catwalk(dir)
            .args(["encrypt", "--whole", "--age", &key.recipient, "--source"])
            .arg(&link)
            .env("CATWALK_SOPS", support::sops_bin()),
        None,
        WAIT,
    );
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link was replaced"
    );
    assert!(
        ran.stderr().contains("real.config.yaml"),
        "says which file was encrypted: {}",
        ran.stderr()
    );
    let encrypted = std::fs::read_to_string(&real).unwrap();
    assert!(encrypted.contains("sops"), "{encrypted}");
    assert_eq!(
        leaks::files_holding(&[dir.to_path_buf()], &[&tag]),
        Vec::<PathBuf>::new(),
        "plaintext left behind"
    );
    assert_eq!(
        std::fs::metadata(&real).unwrap().permissions().mode() & 0o777,
        0o600
    );
}
