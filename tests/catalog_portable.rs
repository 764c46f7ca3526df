//! Portable local endpoints: a connector command given by its path is written by name when PATH finds that
//! very program (so the catalog runs on any machine that has it installed), and kept by path with a
//! warning otherwise. Either way discover says the catalog is local only, and how to make it publishable.
//! The Flow fixture binary (in Airbyte mode, through `catwalk adapt airbyte`) stands in for a connector in
//! a virtualenv.

mod support;

use serde_json::json;
use std::path::Path;

fn discover(dir: &Path, program: &str, path_prefix: Option<&Path>) -> support::Ran {
    let mut cmd = support::catwalk(dir);
    if let Some(p) = path_prefix {
        let path = format!("{}:{}", p.display(), cmd_path(&cmd).unwrap_or_default());
        cmd.env("PATH", path);
    }
    let args = [
        "discover",
        "--protocol",
        "airbyte",
        "--local",
        "--",
        program,
        "airbyte",
    ];
    support::run_with_timeout(cmd.args(args), None, std::time::Duration::from_secs(120))
}

/// The PATH `support::catwalk` set (catwalk's own directory first).
fn cmd_path(cmd: &std::process::Command) -> Option<String> {
    cmd.get_envs()
        .find(|(k, _)| *k == "PATH")
        .and_then(|(_, v)| v.map(|v| v.to_string_lossy().into_owned()))
}

#[test]
fn local_programs_are_named_as_path_finds_them() {
    let tmp = support::temp_dir();
    let venv_bin = tmp.path().join("venv/bin");
    std::fs::create_dir_all(&venv_bin).unwrap();
    let program = venv_bin.join("flow-fixture");
    std::fs::copy(support::fixture_bin(), &program).unwrap();
    let program = program.display().to_string();

    // Not on PATH: the path stays, and discover says the catalog runs only here.
    let dir = tmp.path().join("a");
    std::fs::create_dir(&dir).unwrap();
    assert_eq!(discover(&dir, &program, None).code(), Some(5));
    std::fs::write(
        dir.join("acmeCo/flow-fixture.config.yaml"),
        serde_yaml::to_string(&support::fixture_config()).unwrap(),
    )
    .unwrap();
    let ran = discover(&dir, &program, None);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let doc = support::read_valid_catalog(&dir.join("acmeCo/flow-fixture.flow.yaml"));
    let local = &doc["captures"]["acmeCo/flow-fixture"]["endpoint"]["local"];
    assert_eq!(
        local["command"],
        json!(["catwalk", "adapt", "airbyte", "--", program, "airbyte"])
    );
    let err = ran.stderr();
    assert!(
        err.contains("the catalog runs only on this machine"),
        "{err}"
    );
    assert!(err.contains(&format!("names {program} by path")), "{err}");
    assert!(err.contains("Where it can run: local only"), "{err}");
    assert!(!err.contains("flowctl catalog publish"), "{err}");

    // On PATH (the virtualenv activated): named by name, no warning.
    let dir = tmp.path().join("b");
    std::fs::create_dir(&dir).unwrap();
    assert_eq!(discover(&dir, &program, Some(&venv_bin)).code(), Some(5));
    std::fs::write(
        dir.join("acmeCo/flow-fixture.config.yaml"),
        serde_yaml::to_string(&support::fixture_config()).unwrap(),
    )
    .unwrap();
    let ran = discover(&dir, &program, Some(&venv_bin));
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let doc = support::read_valid_catalog(&dir.join("acmeCo/flow-fixture.flow.yaml"));
    let local = &doc["captures"]["acmeCo/flow-fixture"]["endpoint"]["local"];
    assert_eq!(
        local["command"],
        json!([
            "catwalk",
            "adapt",
            "airbyte",
            "--",
            "flow-fixture",
            "airbyte"
        ])
    );
    let err = ran.stderr();
    assert!(!err.contains("only on this machine"), "{err}");
    assert!(err.contains("Where it can run: local only"), "{err}");
    assert!(err.contains("package the connector as an image"), "{err}");
}
