//! `catwalk image wrap` and `discover --wrap` with real Docker: Airbyte images of two styles (FROM scratch with
//! AIRBYTE_ENTRYPOINT as uid 1000; a busybox base with a shell-script ENTRYPOINT relative to its WORKDIR, as
//! root) are wrapped with the static catwalk (scripts/test-deps builds it), their labels read, and the wrapped
//! images run with Flow's requests through plain `docker run -i`; then discovered and checked through catwalk.
//! No container and no dangling image may be left behind.

mod support;

use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;
use support::registry::{Registry, RemoveImage};

static ENGINE: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn lock() -> std::sync::MutexGuard<'static, ()> {
    ENGINE.lock().unwrap_or_else(|e| e.into_inner())
}

fn shell_fixture_image() -> &'static str {
    "catwalk-test/airbyte-shell-fixture:local"
}

/// A tag of this test's own, removed on drop.
fn tag(name: &str) -> (String, RemoveImage) {
    let t = format!("catwalk-test/wrapped-{name}-{}:local", std::process::id());
    (t.clone(), RemoveImage(t))
}

fn docker(args: &[&str]) -> String {
    let out = Command::new("docker").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Dangling images, and containers the classic builder makes (`#(nop)` steps, or running the adapter).
fn leftovers() -> (Vec<String>, Vec<String>) {
    let dangling = docker(&["images", "-q", "--no-trunc", "--filter", "dangling=true"]);
    let containers = docker(&["ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Command}}"]);
    (
        dangling.lines().map(str::to_string).collect(),
        containers
            .lines()
            .filter(|l| l.contains("#(nop)") || l.contains("/opt/catwalk/bin/catwalk"))
            .map(str::to_string)
            .collect(),
    )
}

/// Whether an image was built by a wrap: its history has the step that copies catwalk in. (Other clones'
/// test-deps may leave dangling fixture images of their own meanwhile.)
fn from_a_wrap(image: &str) -> bool {
    // An image removed meanwhile (another clone's prune) is no leftover.
    Command::new("docker")
        .args(["history", "--no-trunc", "--format", "{{.CreatedBy}}", image])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("/opt/catwalk/bin/catwalk"))
}

fn assert_nothing_new(before: &(Vec<String>, Vec<String>)) {
    let after = leftovers();
    let new_images: Vec<&String> = after
        .0
        .iter()
        .filter(|i| !before.0.contains(i) && from_a_wrap(i))
        .collect();
    assert!(
        new_images.is_empty(),
        "dangling images left behind: {new_images:?}"
    );
    let new_containers: Vec<&String> = after.1.iter().filter(|i| !before.1.contains(i)).collect();
    assert!(
        new_containers.is_empty(),
        "build or adapter containers left behind: {new_containers:?}"
    );
    support::assert_no_catwalk_containers();
}

fn wrap(dir: &Path, image: &str, tag: &str) -> support::Ran {
    support::run_with_timeout(
        support::catwalk(dir)
            .env("CATWALK_STATIC_BINARY", support::static_catwalk())
            .args(["image", "wrap", "--image", image, "--tag", tag]),
        None,
        Duration::from_secs(300),
    )
}

fn inspect(image: &str) -> Value {
    let text = docker(&["image", "inspect", image]);
    serde_json::from_str::<Value>(&text).unwrap()[0].clone()
}

/// `docker run -i --rm TAG` with these Flow requests on stdin: its stdout lines and stderr.
fn run_flow(tag: &str, requests: &[Value]) -> (Vec<Value>, String, Option<i32>) {
    let mut input = String::new();
    for r in requests {
        input.push_str(&r.to_string());
        input.push('\n');
    }
    let ran = support::run_with_timeout(
        Command::new("docker").args(["run", "-i", "--rm", tag]),
        Some(input.as_bytes()),
        Duration::from_secs(120),
    );
    (
        support::json_lines(ran.stdout().as_bytes()),
        ran.stderr(),
        ran.code(),
    )
}

/// Like [`run_flow`], with stdin held open until the image exits, as Flow's runtime holds it during a
/// capture (the adapter ends a capture when its stdin ends).
fn run_flow_held(tag: &str, requests: &[Value]) -> (Vec<Value>, String, Option<i32>) {
    use std::io::{Read, Write};
    let mut child = Command::new("docker")
        .args(["run", "-i", "--rm", tag])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("docker runs");
    let mut stdin = child.stdin.take().unwrap();
    for r in requests {
        writeln!(stdin, "{r}").unwrap();
    }
    stdin.flush().unwrap();
    let (mut stdout, mut stderr) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let errors = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        let _ = tx.send(s);
    });
    let Ok(out) = rx.recv_timeout(Duration::from_secs(120)) else {
        let _ = child.kill();
        panic!("{tag} did not finish its capture within 120s");
    };
    drop(stdin);
    let status = child.wait().unwrap();
    (
        support::json_lines(out.as_bytes()),
        errors.join().unwrap(),
        status.code(),
    )
}

fn capture_requests() -> (Value, Value) {
    let config = support::fixture_config();
    let spec = json!({"spec": {"connectorType": "IMAGE", "config": {}}});
    let discover = json!({"discover": {"connectorType": "IMAGE", "config": config}});
    (spec, discover)
}

/// The wrapped image answers Flow's spec, discover, validate and apply, and passes `open` on faithfully.
fn speaks_flow(tag: &str) {
    let (spec, discover) = capture_requests();
    let (out, err, code) = run_flow(tag, &[spec, discover]);
    assert_eq!(code, Some(0), "stderr: {err}");
    assert_eq!(out.len(), 2, "{out:?}\nstderr: {err}");
    assert_eq!(out[0]["spec"]["protocol"], 3032023, "{}", out[0]);
    assert_eq!(
        out[0]["spec"]["configSchema"]["required"],
        json!(["host", "password"])
    );
    assert_eq!(
        out[0]["spec"]["resourcePathPointers"],
        json!(["/namespace", "/stream"])
    );
    let bindings = out[1]["discovered"]["bindings"].as_array().unwrap();
    let users = bindings
        .iter()
        .find(|b| b["recommendedName"] == "users")
        .unwrap_or_else(|| panic!("no users binding: {}", out[1]));
    assert_eq!(users["key"], json!(["/id"]));

    let binding = json!({
        "resourceConfig": users["resourceConfig"],
        "collection": {"name": "acmeCo/users", "key": ["/id"], "writeSchema": users["documentSchema"]},
        "backfill": 0,
        "stateKey": "users",
    });
    let config = support::fixture_config();
    let validate = json!({"validate": {"name": "acmeCo/wrapped", "connectorType": "IMAGE",
        "config": config, "bindings": [binding.clone()]}});
    let apply = json!({"apply": {"capture": {"name": "acmeCo/wrapped", "connectorType": "IMAGE",
        "config": config, "bindings": [binding.clone()]}, "version": "1", "dryRun": false}});
    let (out, err, code) = run_flow(tag, &[validate, apply]);
    assert_eq!(code, Some(0), "stderr: {err}");
    assert_eq!(
        out[0]["validated"]["bindings"][0]["resourcePath"],
        json!(["users"]),
        "{out:?}"
    );
    assert!(out[1]["applied"].is_object(), "{out:?}");

    // `open`: the adapter reads the Airbyte connector inside the image and answers as a Flow capture:
    // `opened`, the users as documents of binding 0, and a checkpoint that commits them.
    let open = json!({"open": {"capture": {"name": "acmeCo/wrapped", "connectorType": "IMAGE",
        "config": config, "bindings": [binding]}, "version": "1",
        "range": {"keyBegin": 0, "keyEnd": 4294967295u32, "rClockBegin": 0, "rClockEnd": 4294967295u32},
        "state": {}}});
    let (out, err, code) = run_flow_held(tag, &[open]);
    assert_eq!(code, Some(0), "{out:?}\n{err}");
    assert!(
        out.first().is_some_and(|o| o.get("opened").is_some()),
        "{out:?}\n{err}"
    );
    let docs: Vec<&Value> = out.iter().filter_map(|o| o.get("captured")).collect();
    assert!(
        !docs.is_empty(),
        "opened but captured nothing: {out:?}\n{err}"
    );
    assert!(
        docs.iter()
            .all(|d| d["binding"].as_u64().unwrap_or(0) == 0 && d["doc"]["id"].is_number()),
        "{docs:?}"
    );
    assert!(
        out.last().is_some_and(|o| o.get("checkpoint").is_some()),
        "{out:?}"
    );
}

#[test]
fn the_airbyte_fixture_wrapped_speaks_flow() {
    let _engine = lock();
    assert!(support::docker_available(), "component Docker missing");
    let before = leftovers();
    let tmp = support::temp_dir();
    let (tag, _rm) = tag("fixture");
    let ran = wrap(tmp.path(), support::airbyte_fixture_image(), &tag);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    assert!(
        ran.stderr().contains("Step 1/"),
        "build progress: {}",
        ran.stderr()
    );
    assert!(
        ran.stderr().contains("docker run -i --rm"),
        "{}",
        ran.stderr()
    );

    let info = inspect(&tag);
    let labels = &info["Config"]["Labels"];
    assert_eq!(labels["FLOW_RUNTIME_PROTOCOL"], "capture");
    assert_eq!(labels["FLOW_RUNTIME_CODEC"], "json");
    assert_eq!(
        labels["io.catwalk.wrapped-from"],
        support::airbyte_fixture_image()
    );
    // The Airbyte image's own labels and user stay.
    assert_eq!(labels["io.airbyte.name"], "catwalk-test/airbyte-fixture");
    assert_eq!(info["Config"]["User"], "1000");
    assert_eq!(
        info["Config"]["Entrypoint"],
        json!([
            "/opt/catwalk/bin/catwalk",
            "adapt",
            "airbyte",
            "--",
            "/flow-fixture",
            "airbyte"
        ])
    );
    assert!(
        info["Config"]["Cmd"].is_null() || info["Config"]["Cmd"] == json!([]),
        "{}",
        info["Config"]["Cmd"]
    );
    speaks_flow(&tag);

    // Wrapping again builds nothing new (the same image), and leaves nothing behind.
    let id = info["Id"].clone();
    let ran = wrap(tmp.path(), support::airbyte_fixture_image(), &tag);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    assert_eq!(inspect(&tag)["Id"], id);
    assert_nothing_new(&before);
}

#[test]
fn an_image_of_another_style_wrapped_speaks_flow() {
    let _engine = lock();
    let before = leftovers();
    let tmp = support::temp_dir();
    let (tag, _rm) = tag("shell");
    let ran = wrap(tmp.path(), shell_fixture_image(), &tag);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let info = inspect(&tag);
    // No AIRBYTE_ENTRYPOINT: the image's Entrypoint is what the adapter runs, from the image's WORKDIR.
    assert_eq!(
        info["Config"]["Entrypoint"],
        json!([
            "/opt/catwalk/bin/catwalk",
            "adapt",
            "airbyte",
            "--",
            "/bin/sh",
            "./main.sh"
        ])
    );
    assert_eq!(info["Config"]["WorkingDir"], "/airbyte/integration_code");
    assert_eq!(info["Config"]["Labels"]["FLOW_RUNTIME_PROTOCOL"], "capture");
    speaks_flow(&tag);

    // The tag moves to another wrap: the build it named before would dangle, so catwalk removes it.
    let old = info["Id"].as_str().unwrap().to_string();
    let ran = wrap(tmp.path(), support::airbyte_fixture_image(), &tag);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    assert!(
        ran.stderr().contains("removed the older build"),
        "{}",
        ran.stderr()
    );
    assert!(
        !support::registry::image_exists(&old),
        "{old} is still there"
    );
    assert_nothing_new(&before);
}

#[test]
fn discover_and_check_through_the_wrapped_image() {
    let _engine = lock();
    let before = leftovers();
    let tmp = support::temp_dir();
    let dir = tmp.path();
    let (tag, _rm) = tag("discover");
    let args = [
        "discover",
        "--image",
        shell_fixture_image(),
        "--wrap",
        &tag,
        "--prefix",
        "acmeCo/wrapped",
    ];
    let run = |args: &[&str]| {
        support::run_with_timeout(
            support::catwalk(dir)
                .env("CATWALK_STATIC_BINARY", support::static_catwalk())
                .args(args),
            None,
            Duration::from_secs(300),
        )
    };
    let ran = run(&args);
    assert_eq!(ran.code(), Some(5), "{}", ran.stderr());
    assert!(
        ran.stderr().contains(&format!("--wrap {tag}")),
        "{}",
        ran.stderr()
    );
    // Named after the Airbyte connector's image, not the wrap.
    let config = dir.join("acmeCo/wrapped/airbyte-shell-fixture.config.yaml");
    std::fs::write(
        &config,
        serde_yaml::to_string(&support::fixture_config()).unwrap(),
    )
    .unwrap();
    let ran = run(&args);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let flow = dir.join("acmeCo/wrapped/airbyte-shell-fixture.flow.yaml");
    let doc = support::read_valid_catalog(&flow);
    let capture = &doc["captures"]["acmeCo/wrapped/airbyte-shell-fixture"];
    assert_eq!(
        capture["endpoint"],
        json!({"connector": {"image": tag, "config": "airbyte-shell-fixture.config.yaml"}})
    );
    assert!(
        doc["collections"]["acmeCo/wrapped/users"]["key"] == json!(["/id"]),
        "{doc}"
    );
    // Built here, never pushed (and tagged :local): not publishable yet, and discover says so.
    assert!(
        ran.stderr()
            .contains("Where it can run: needs the image pushed"),
        "{}",
        ran.stderr()
    );
    assert!(
        !ran.stderr().contains("flowctl catalog publish"),
        "{}",
        ran.stderr()
    );

    // Preview through the wrapped image, as Flow would run it: the users, each fitting its collection.
    let ran = run(&[
        "preview",
        "--source",
        flow.to_str().unwrap(),
        "--limit",
        "3",
    ]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let lines = support::json_lines(ran.stdout().as_bytes());
    assert_eq!(lines.len(), 3, "{}\n{}", ran.stdout(), ran.stderr());
    assert!(
        lines
            .iter()
            .all(|l| l[0] == "acmeCo/wrapped/users" && l[1]["id"].is_number()),
        "{}",
        ran.stdout()
    );

    let ran = run(&["check", "--source", flow.to_str().unwrap()]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    assert!(
        ran.stderr().contains("✓ acmeCo/wrapped/users"),
        "{}",
        ran.stderr()
    );
    assert!(
        ran.stderr()
            .contains("where it can run: needs the image pushed"),
        "{}",
        ran.stderr()
    );
    assert!(
        ran.stderr().contains("Not publishable yet"),
        "{}",
        ran.stderr()
    );
    assert_nothing_new(&before);
}

#[test]
fn wrapping_refuses_what_it_cannot_wrap() {
    let _engine = lock();
    let tmp = support::temp_dir();
    let (tag, _rm) = tag("refused");
    // A Flow image needs no wrap.
    let ran = wrap(tmp.path(), support::fixture_image(), &tag);
    assert_eq!(ran.code(), Some(3), "{}", ran.stderr());
    assert!(
        ran.stderr().contains("already speaks Flow's protocol"),
        "{}",
        ran.stderr()
    );
    // A dynamically linked catwalk would not run in other images.
    let ran = support::run_with_timeout(
        support::catwalk(tmp.path())
            .env("CATWALK_STATIC_BINARY", env!("CARGO_BIN_EXE_catwalk"))
            .args([
                "image",
                "wrap",
                "--image",
                support::airbyte_fixture_image(),
                "--tag",
                &tag,
            ]),
        None,
        Duration::from_secs(60),
    );
    assert_eq!(ran.code(), Some(4), "{}", ran.stderr());
    assert!(
        ran.stderr().contains("dynamically linked"),
        "{}",
        ran.stderr()
    );
    assert!(
        ran.stderr().contains("scripts/build-static"),
        "{}",
        ran.stderr()
    );
    assert!(!support::registry::image_exists(&tag));
}

#[test]
fn push_sends_the_wrapped_image_with_progress() {
    let _engine = lock();
    let before = leftovers();
    let tmp = support::temp_dir();
    let reg = Registry::start(&[]);
    let tag = reg.image_ref("acme/airbyte-fixture-flow:v1");
    let _rm = RemoveImage(tag.clone());
    // No credentials: an anonymous push, as to a registry that needs none.
    let docker_config = tmp.path().join("docker-config");
    std::fs::create_dir(&docker_config).unwrap();
    let ran = support::run_with_timeout(
        support::catwalk(tmp.path())
            .env("CATWALK_STATIC_BINARY", support::static_catwalk())
            .env("DOCKER_CONFIG", &docker_config)
            .args([
                "image",
                "wrap",
                "--image",
                support::airbyte_fixture_image(),
                "--tag",
                &tag,
                "--push",
            ]),
        None,
        Duration::from_secs(300),
    );
    assert_eq!(ran.code(), Some(0), "{}\n{}", ran.stderr(), reg.log());
    let err = ran.stderr();
    assert!(err.contains(&format!("Pushing {tag}")), "{err}");
    assert!(err.contains(&format!("Pushed {tag}.")), "{err}");
    let pushed = reg.pushed();
    let digest = pushed["acme/airbyte-fixture-flow:v1"]
        .as_str()
        .unwrap_or_else(|| panic!("nothing pushed: {pushed}\n{}", reg.log()))
        .to_string();
    // Docker now knows the image from its registry, by the digest the registry holds.
    let digests = inspect(&tag)["RepoDigests"].clone();
    let repo = tag.rsplit_once(':').unwrap().0;
    assert!(
        digests
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d == &json!(format!("{repo}@{digest}"))),
        "{digests}"
    );
    // The blobs went up (config and layers), each checked against its digest by the registry.
    let puts = reg
        .requests()
        .into_iter()
        .filter(|r| r.method == "PUT" && r.status == 201)
        .count();
    assert!(puts >= 3, "{}", reg.log());
    assert_nothing_new(&before);
}
