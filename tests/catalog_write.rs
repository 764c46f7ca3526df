//! Atomic writes and plans: no temporary files left behind, CreateNew never touches an existing file,
//! modes, statuses, and YAML that keeps multi-line strings and unicode.

use catwalk::catalog::{self, FileStatus, Plan, WriteError, WriteMode, write_atomic};
use serde_json::{Value, json};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn replace_writes_and_leaves_no_temp_files() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("sub/dir/x.flow.yaml");
    write_atomic(&p, b"one\n", WriteMode::Replace, None).unwrap();
    write_atomic(&p, b"two\n", WriteMode::Replace, None).unwrap();
    assert_eq!(fs::read_to_string(&p).unwrap(), "two\n");
    assert_eq!(names(p.parent().unwrap()), ["x.flow.yaml"]);
}

#[test]
fn replace_keeps_the_mode_of_the_file_it_replaces() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.config.yaml");
    write_atomic(&p, b"a: 1\n", WriteMode::Replace, Some(0o600)).unwrap();
    assert_eq!(mode(&p), 0o600);
    write_atomic(&p, b"a: 2\n", WriteMode::Replace, None).unwrap();
    assert_eq!(mode(&p), 0o600);
    write_atomic(&p, b"a: 3\n", WriteMode::Replace, Some(0o640)).unwrap();
    assert_eq!(mode(&p), 0o640);
}

#[test]
fn create_new_refuses_an_existing_file_and_leaves_it_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("source-x.config.yaml");
    write_atomic(&p, b"stub: 1\n", WriteMode::CreateNew, Some(0o600)).unwrap();
    assert_eq!(mode(&p), 0o600);
    let err = write_atomic(&p, b"other\n", WriteMode::CreateNew, Some(0o600)).unwrap_err();
    assert!(matches!(err, WriteError::Exists { .. }), "{err}");
    assert!(err.to_string().contains("source-x.config.yaml"), "{err}");
    assert_eq!(fs::read_to_string(&p).unwrap(), "stub: 1\n");
    assert_eq!(names(dir.path()), ["source-x.config.yaml"]);
}

#[test]
fn a_failed_write_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("blocker"), "a file, not a directory").unwrap();
    let p = dir.path().join("blocker/x.yaml");
    let err = write_atomic(&p, b"x", WriteMode::Replace, None).unwrap_err();
    assert!(err.to_string().contains("blocker"), "{err}");

    // Planning already reads the target, so it fails there, naming the file.
    let err = Plan::new()
        .add(&p, "x", WriteMode::Replace, None)
        .unwrap_err();
    assert!(err.to_string().contains("blocker/x.yaml"), "{err}");

    // A failure while writing names the file, and nothing is written (a file where a directory must be).
    let mut plan = Plan::new();
    plan.add(dir.path().join("ok.yaml"), "ok", WriteMode::Replace, None)
        .unwrap();
    plan.add(
        dir.path().join("later/x.yaml"),
        "x",
        WriteMode::Replace,
        None,
    )
    .unwrap();
    fs::write(dir.path().join("later"), "appeared meanwhile").unwrap();
    let err = plan.write_all().unwrap_err();
    assert!(err.to_string().contains("later"), "{err}");
    assert!(!dir.path().join("ok.yaml").exists());
    assert_eq!(names(dir.path()), ["blocker", "later"]);
}

/// An old catalog: a schema file, a sub-directory's schema, and the catalog that names them.
fn old_catalog(d: &Path) -> Vec<(std::path::PathBuf, &'static str)> {
    fs::create_dir(d.join("sub")).unwrap();
    let files = vec![
        (d.join("a.schema.yaml"), "old a\n"),
        (d.join("sub/b.schema.yaml"), "old b\n"),
        (d.join("x.flow.yaml"), "old catalog\n"),
    ];
    for (p, text) in &files {
        fs::write(p, text).unwrap();
    }
    files
}

/// A new catalog over `old_catalog`: both schemas changed, a new schema in a new directory, the
/// catalog (added first, renamed last).
fn new_plan(d: &Path) -> Plan {
    let mut plan = Plan::new();
    plan.add(
        d.join("x.flow.yaml"),
        "new catalog\n",
        WriteMode::Replace,
        None,
    )
    .unwrap();
    plan.set_last(d.join("x.flow.yaml"));
    for (name, text) in [
        ("a.schema.yaml", "new a\n"),
        ("sub/b.schema.yaml", "new b\n"),
        ("c/d/c.schema.yaml", "new c\n"),
    ] {
        plan.add(d.join(name), text, WriteMode::Replace, None)
            .unwrap();
    }
    plan
}

fn assert_old(d: &Path, files: &[(std::path::PathBuf, &str)]) {
    for (p, text) in files {
        assert_eq!(&fs::read_to_string(p).unwrap(), text, "{}", p.display());
    }
    assert_eq!(
        names(d),
        ["a.schema.yaml", "sub", "x.flow.yaml"],
        "no temporary file, no new directory"
    );
    assert_eq!(names(&d.join("sub")), ["b.schema.yaml"]);
}

#[test]
fn a_plan_is_written_all_or_nothing_whichever_step_fails() {
    use catwalk::catalog::WriteStep;
    // Each file, at each step: the disk refuses (as when full), and every old file is as it was.
    let files = [
        "a.schema.yaml",
        "sub/b.schema.yaml",
        "c/d/c.schema.yaml",
        "x.flow.yaml",
    ];
    for step in [WriteStep::Stage, WriteStep::Commit] {
        for failing in files {
            let dir = tempfile::tempdir().unwrap();
            let d = dir.path();
            let old = old_catalog(d);
            let plan = new_plan(d);
            let mut order = Vec::new();
            let err = plan
                .write_all_with(&mut |s, p| {
                    if s == WriteStep::Commit {
                        order.push(p.strip_prefix(d).unwrap().display().to_string());
                    }
                    if s == step && p == d.join(failing) {
                        Err(std::io::Error::from_raw_os_error(28)) // ENOSPC
                    } else {
                        Ok(())
                    }
                })
                .unwrap_err();
            assert!(
                err.to_string().contains(failing),
                "{step:?} {failing}: {err}"
            );
            assert_old(d, &old);
            if step == WriteStep::Commit && failing == "x.flow.yaml" {
                // The catalog, added first, is renamed after every schema it names.
                assert_eq!(order, files, "rename order");
            }
        }
    }
}

#[test]
fn a_rename_the_file_system_refuses_puts_back_what_was_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let old = old_catalog(d);
    let plan = new_plan(d);
    // After planning, `sub/b.schema.yaml` becomes a directory with a file in it: staging works, the
    // rename onto it fails, after `a.schema.yaml` was already replaced.
    fs::remove_file(d.join("sub/b.schema.yaml")).unwrap();
    fs::create_dir(d.join("sub/b.schema.yaml")).unwrap();
    fs::write(d.join("sub/b.schema.yaml/keep"), "").unwrap();
    let err = plan.write_all().unwrap_err();
    assert!(err.to_string().contains("b.schema.yaml"), "{err}");
    fs::remove_dir_all(d.join("sub/b.schema.yaml")).unwrap();
    fs::write(d.join("sub/b.schema.yaml"), "old b\n").unwrap();
    assert_old(d, &old);

    // Nothing in the way: everything written, no temporary file or link left.
    let summary = new_plan(d).write_all().unwrap();
    assert_eq!(summary.written, 4);
    assert_eq!(
        fs::read_to_string(d.join("a.schema.yaml")).unwrap(),
        "new a\n"
    );
    assert_eq!(
        fs::read_to_string(d.join("c/d/c.schema.yaml")).unwrap(),
        "new c\n"
    );
    assert_eq!(names(d), ["a.schema.yaml", "c", "sub", "x.flow.yaml"]);
    assert_eq!(names(&d.join("sub")), ["b.schema.yaml"]);
}

#[test]
fn plan_lists_statuses_then_writes_only_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("same.yaml"), "same\n").unwrap();
    fs::write(d.join("changed.yaml"), "old\n").unwrap();
    let mut plan = Plan::new();
    plan.add(d.join("new.yaml"), "new\n", WriteMode::Replace, None)
        .unwrap();
    plan.add(d.join("same.yaml"), "same\n", WriteMode::Replace, None)
        .unwrap();
    plan.add(d.join("changed.yaml"), "new\n", WriteMode::Replace, None)
        .unwrap();
    plan.add(
        d.join("secret.yaml"),
        "s\n",
        WriteMode::CreateNew,
        Some(0o600),
    )
    .unwrap();
    let statuses: Vec<FileStatus> = plan.files().iter().map(|f| f.status).collect();
    use FileStatus::*;
    assert_eq!(statuses, [New, Unchanged, Changed, New]);
    assert_eq!(plan.summary(), "2 new, 1 changed, 1 unchanged");
    let listing = plan.to_string();
    assert!(
        listing.lines().next().unwrap().starts_with("new "),
        "{listing}"
    );

    let summary = plan.write_all().unwrap();
    assert_eq!((summary.written, summary.unchanged), (3, 1));
    assert_eq!(fs::read_to_string(d.join("changed.yaml")).unwrap(), "new\n");
    assert_eq!(mode(&d.join("secret.yaml")), 0o600);
    assert_eq!(
        names(d),
        ["changed.yaml", "new.yaml", "same.yaml", "secret.yaml"]
    );
}

#[test]
fn plan_refuses_a_conflict_before_writing_anything() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("c.config.yaml"), "mine\n").unwrap();
    let mut plan = Plan::new();
    plan.add(d.join("a.yaml"), "a\n", WriteMode::Replace, None)
        .unwrap();
    plan.add(
        d.join("c.config.yaml"),
        "stub\n",
        WriteMode::CreateNew,
        Some(0o600),
    )
    .unwrap();
    assert_eq!(plan.files()[1].status, FileStatus::Conflict);
    assert!(matches!(plan.write_all(), Err(WriteError::Exists { .. })));
    assert_eq!(names(d), ["c.config.yaml"]);
    assert_eq!(
        fs::read_to_string(d.join("c.config.yaml")).unwrap(),
        "mine\n"
    );
}

#[test]
fn yaml_keeps_multiline_strings_and_unicode() {
    let schema = json!({
        "description": "Line one.\nLine two: with a colon.\n  indented — and “quotes”\n",
        "title": "Größe 東京 🎉",
        "x-trailing": "no newline\nat end",
        "x-space": " leading and trailing ",
        "x-special": "yes",
        "x-number-like": "0123",
        "x-empty": "",
        "x-null": null,
        "x-big": 18446744073709551615u64,
        "x-float": 0.1,
    });
    let text = catalog::to_yaml(&schema).unwrap();
    assert!(
        text.contains("Größe 東京 🎉"),
        "unicode is written as is:\n{text}"
    );
    assert!(
        text.contains("description: |"),
        "multi-line strings are block scalars:\n{text}"
    );
    let back: Value = serde_yaml::from_str(&text).unwrap();
    assert_eq!(back, schema, "{text}");
    let keys: Vec<&String> = back.as_object().unwrap().keys().collect();
    assert_eq!(keys[0], "description", "property order is kept");
}
