//! `catwalk discover` and `catwalk check` never lose or spoil a catalog, with real connectors (the Flow
//! fixture, and a small Airbyte connector written here in Python whose catalog is broken on purpose):
//! - names that would lead out of the directory (`--prefix ..`, `--name ../evil`) are refused before
//!   anything runs;
//! - a second capture in the same directory never overwrites the first one's files, and says which
//!   collections both define (`--force` to write anyway); `check` catches a collection whose schema
//!   lost its key;
//! - bindings whose key the schema does not declare, or whose schema is not JSON Schema, are refused at
//!   discover (binding, pointer and reason named) and caught by `check` in existing catalogs;
//! - a catalog write that fails part-way (the disk refusing a file: `ulimit -f`) leaves the old catalog
//!   exactly as it was, and no temporary file behind.

mod support;

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// `catwalk discover --protocol flow [extra] --local -- flow-fixture` in `dir`.
fn fixture_discover(dir: &Path, extra: &[&str]) -> support::Ran {
    let bin = support::fixture_bin().display().to_string();
    let mut args = vec!["discover", "--protocol", "flow"];
    args.extend_from_slice(extra);
    args.extend(["--local", "--", bin.as_str()]);
    support::run_catwalk(dir, &args)
}

fn write_yaml(path: &Path, value: &Value) {
    std::fs::write(path, serde_yaml::to_string(value).unwrap()).unwrap();
}

/// Every file below `dir` with its bytes.
fn contents(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    support::files_below(dir)
        .into_iter()
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect()
}

/// The paths that differ between two [`contents`] (added, removed or changed).
fn changed(
    before: &BTreeMap<PathBuf, Vec<u8>>,
    after: &BTreeMap<PathBuf, Vec<u8>>,
) -> Vec<PathBuf> {
    before
        .keys()
        .chain(after.keys())
        .filter(|p| before.get(*p) != after.get(*p))
        .cloned()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// Names of temporary files (`.x.<random>.tmp` / `.old`) left below `dir`.
fn leftovers(dir: &Path) -> Vec<PathBuf> {
    support::files_below(dir)
        .into_iter()
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'))
        })
        .collect()
}

/// A catalog discovered with the fixture as capture `acmeCo/<name>` (stub, config, discover).
fn discover_fixture_as(dir: &Path, name: &str, config: &Value) {
    let ran = fixture_discover(dir, &["--name", name]);
    assert_eq!(ran.code(), Some(5), "stub: {}", ran.stderr());
    write_yaml(&dir.join(format!("acmeCo/{name}.config.yaml")), config);
    let ran = fixture_discover(dir, &["--name", name]);
    assert_eq!(ran.code(), Some(0), "discover: {}", ran.stderr());
}

// ------------------------------------------------------------------------------------------------
// Names (item 8)

#[test]
fn prefixes_and_names_leading_out_of_the_directory_are_refused_before_anything_runs() {
    let outer = support::temp_dir();
    let work = outer.path().join("work");
    std::fs::create_dir(&work).unwrap();
    for args in [
        &["--prefix", ".."][..],
        &["--prefix", "acmeCo/../.."],
        &["--prefix", "./acmeCo"],
        &["--name", "../evil"],
        &["--name", ".."],
    ] {
        let ran = fixture_discover(&work, args);
        assert_eq!(ran.code(), Some(2), "{args:?}: {}", ran.stderr());
        let err = ran.stderr();
        assert!(
            err.contains("may not be `.` or `..`"),
            "{args:?} says why: {err}"
        );
        assert!(
            !err.contains("Wrote") && !err.contains("flow-fixture:"),
            "{args:?}: nothing ran: {err}"
        );
    }
    // Nothing written anywhere: not in the working directory, not beside it.
    assert_eq!(support::files_below(outer.path()), Vec::<PathBuf>::new());
    assert_eq!(std::fs::read_dir(&work).unwrap().count(), 0);
}

// ------------------------------------------------------------------------------------------------
// Two captures in one directory (item 5)

#[test]
fn a_second_capture_never_overwrites_the_first_ones_files() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    discover_fixture_as(dir, "first", &support::fixture_config());
    let first = contents(&dir.join("acmeCo"));
    assert!(dir.join("acmeCo/users.schema.yaml").exists());

    // The second capture discovers the same collection names, with other schemas (more bindings).
    let mut config = support::fixture_config();
    config["advanced"] = json!({"bindings": 5});
    let ran = fixture_discover(dir, &["--name", "second"]);
    assert_eq!(ran.code(), Some(5), "{}", ran.stderr());
    write_yaml(&dir.join("acmeCo/second.config.yaml"), &config);
    let ran = fixture_discover(dir, &["--name", "second"]);
    assert_eq!(ran.code(), Some(3), "refused: {}", ran.stderr());
    let err = ran.stderr();
    for name in ["acmeCo/users", "acmeCo/events", "acmeCo/audit_log"] {
        assert!(
            err.contains(&format!("the collection `{name}` is also defined in")),
            "{name}: {err}"
        );
    }
    assert!(
        err.contains("first.flow.yaml") && err.contains("--force"),
        "{err}"
    );
    assert!(!dir.join("acmeCo/second.flow.yaml").exists());
    let mut now = contents(&dir.join("acmeCo"));
    now.remove(&dir.join("acmeCo/second.config.yaml"));
    assert_eq!(
        changed(&first, &now),
        Vec::<PathBuf>::new(),
        "the first capture's files are untouched"
    );

    // Forced: written, each conflict a warning, and still not one of the first capture's files changed.
    let bin = support::fixture_bin().display().to_string();
    let ran = support::run_catwalk(
        dir,
        &[
            "discover",
            "--protocol",
            "flow",
            "--name",
            "second",
            "--force",
            "--local",
            "--",
            &bin,
        ],
    );
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    assert!(ran.stderr().contains("written anyway"), "{}", ran.stderr());
    let now = contents(&dir.join("acmeCo"));
    for (path, bytes) in &first {
        assert!(now.get(path) == Some(bytes), "{} changed", path.display());
    }
    let second = support::read_yaml(&dir.join("acmeCo/second.flow.yaml"));
    assert_eq!(
        second["collections"]["acmeCo/users"]["schema"], "users_2.schema.yaml",
        "a schema file of its own"
    );

    // Both catalogs still pass check's collection checks... until a schema loses its key field, as an
    // overwrite used to do: then check names the collection and the pointer.
    let users = dir.join("acmeCo/users.schema.yaml");
    let mut schema = support::read_yaml(&users);
    schema["properties"].as_object_mut().unwrap().remove("id");
    schema["required"] = json!(["name"]);
    write_yaml(&users, &schema);
    let ran = support::run_catwalk(dir, &["check", "--source", "acmeCo/first.flow.yaml"]);
    assert_ne!(ran.code(), Some(0), "{}", ran.stderr());
    let err = ran.stderr();
    assert!(
        err.contains("collection `acmeCo/users`") && err.contains("key `/id`"),
        "{err}"
    );
}

// ------------------------------------------------------------------------------------------------
// Keys and schemas Flow refuses (item 12)

/// An Airbyte source (Python, stdlib only) whose discovered catalog is broken as `streams` says.
fn broken_airbyte_source(dir: &Path, streams: &Value) -> PathBuf {
    let catalog = json!({"type": "CATALOG", "catalog": {"streams": streams}});
    let spec = json!({"type": "SPEC", "spec": {
        "documentationUrl": "https://example.com",
        "connectionSpecification": {"type": "object", "properties": {
            "host": {"type": "string", "default": "localhost"}}}}});
    let status = json!({"type": "CONNECTION_STATUS", "connectionStatus": {"status": "SUCCEEDED"}});
    let script = format!(
        "#!/usr/bin/env python3\nimport sys\nanswers = {{'spec': {spec:?}, 'check': {status:?}, 'discover': {catalog:?}}}\n\
         cmd = sys.argv[1] if len(sys.argv) > 1 else ''\n\
         if cmd not in answers:\n    sys.exit('unknown command ' + cmd)\nprint(answers[cmd])\n",
        spec = spec.to_string(),
        status = status.to_string(),
        catalog = catalog.to_string(),
    );
    let path = dir.join("source-broken");
    std::fs::write(&path, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn stream(name: &str, schema: Value, key: &[&str]) -> Value {
    json!({"name": name, "json_schema": schema, "supported_sync_modes": ["full_refresh"],
           "source_defined_primary_key": key.iter().map(|k| vec![*k]).collect::<Vec<_>>()})
}

#[test]
fn discover_refuses_keys_the_schema_lacks_and_invalid_schemas() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    let object = |props: Value| json!({"type": "object", "properties": props});
    let source = broken_airbyte_source(
        dir,
        &json!([
            stream("fine", object(json!({"id": {"type": "integer"}})), &["id"]),
            stream(
                "orders",
                object(json!({"order_id": {"type": "integer"}})),
                &["id"]
            ),
            stream("users", object(json!({"id": {"type": "integr"}})), &["id"]),
        ]),
    );
    let source = source.display().to_string();
    let args = [
        "discover",
        "--protocol",
        "airbyte",
        "--local",
        "--",
        &source,
    ];
    let ran = support::run_catwalk(dir, &args);
    assert_eq!(ran.code(), Some(5), "stub: {}", ran.stderr());
    let ran = support::run_catwalk(dir, &args);
    assert_eq!(ran.code(), Some(3), "{}", ran.stderr());
    let err = ran.stderr();
    assert!(err.contains("Flow would refuse"), "{err}");
    assert!(
        err.contains("binding #1 `orders`")
            && err.contains("key `/id`")
            && err.contains("`order_id`"),
        "the binding, the pointer and what the schema has: {err}"
    );
    assert!(
        err.contains("binding #2 `users`") && err.contains("not valid JSON Schema"),
        "{err}"
    );
    assert!(!err.contains("`fine`"), "{err}");
    assert!(
        !dir.join("acmeCo/source-broken.flow.yaml").exists(),
        "nothing written"
    );
}

#[test]
fn check_catches_an_invalid_schema_in_an_existing_catalog() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    discover_fixture_as(dir, "flow-fixture", &support::fixture_config());
    let events = dir.join("acmeCo/events.schema.yaml");
    let mut schema = support::read_yaml(&events);
    schema["properties"]["amount"]["type"] = json!("decimal");
    write_yaml(&events, &schema);
    let ran = support::run_catwalk(dir, &["check", "--source", "acmeCo/flow-fixture.flow.yaml"]);
    assert_ne!(ran.code(), Some(0), "{}", ran.stderr());
    let err = ran.stderr();
    assert!(
        err.contains("collection `acmeCo/events`")
            && err.contains("not valid JSON Schema")
            && err.contains("/properties/amount/type"),
        "{err}"
    );
}

// ------------------------------------------------------------------------------------------------
// All or nothing (item 7)

#[test]
fn a_write_the_disk_refuses_leaves_the_old_catalog_intact_and_no_temporary_files() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    discover_fixture_as(dir, "flow-fixture", &support::fixture_config());
    let catalog_dir = dir.join("acmeCo");
    let mut config = support::fixture_config();
    config["advanced"] = json!({"bindings": 300});
    write_yaml(&catalog_dir.join("flow-fixture.config.yaml"), &config);
    let before = contents(&catalog_dir);

    // Files above 16 KiB cannot be written (SIGXFSZ ignored, so the write fails with EFBIG): the
    // schema files fit, the catalog with 300 bindings does not.
    let state = support::temp_dir();
    let bin = support::fixture_bin().display().to_string();
    let mut cmd = Command::new("bash");
    cmd.current_dir(dir)
        .env("XDG_STATE_HOME", state.path())
        .env("NO_COLOR", "1")
        .args([
            "-c",
            "trap '' XFSZ; ulimit -f 16; exec \"$@\"",
            "bash",
            env!("CARGO_BIN_EXE_catwalk"),
            "discover",
            "--protocol",
            "flow",
            "--local",
            "--",
            &bin,
        ]);
    let ran = support::run_with_timeout(&mut cmd, None, Duration::from_secs(180));
    assert_ne!(ran.code(), Some(0), "{}", ran.stderr());
    let err = ran.stderr();
    assert!(
        err.contains("flow-fixture.flow.yaml") && err.to_lowercase().contains("too large"),
        "names the file and the reason: {err}"
    );
    assert_eq!(
        changed(&before, &contents(&catalog_dir)),
        Vec::<PathBuf>::new(),
        "the old catalog is intact"
    );
    assert_eq!(leftovers(dir), Vec::<PathBuf>::new(), "no temporary files");

    // Without the limit the same discover writes everything.
    let ran = fixture_discover(dir, &[]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    assert!(catalog_dir.join("table_00299.schema.yaml").exists());
    assert_eq!(leftovers(dir), Vec::<PathBuf>::new());
}
