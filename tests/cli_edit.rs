//! `catwalk edit FILE [--name TASK]` refusing what it cannot open, before any terminal is needed: a
//! missing file, a file that is not a catalog, several tasks without --name (listed), a --name the file
//! does not define, a materialization; and a catalog it can open, which then needs a terminal.

mod support;

use std::path::Path;

const TWO_TASKS: &str = "\
captures:
  acmeCo/one:
    endpoint: {local: {command: [source-one], config: {}}}
    bindings:
      - {resource: {name: a}, target: acmeCo/a}
      - {resource: {name: b}, target: acmeCo/b, disable: true}
  acmeCo/two:
    endpoint: {connector: {image: ghcr.io/estuary/source-two:dev, config: {}}}
    bindings: []
materializations:
  acmeCo/sink:
    endpoint: {connector: {image: ghcr.io/estuary/materialize-x:dev, config: {}}}
    bindings:
      - {source: acmeCo/a, resource: {table: a}}
collections:
  acmeCo/a: {key: [/id], schema: {type: object, required: [id], properties: {id: {type: integer}}}}
  acmeCo/b: {key: [/id], schema: {type: object, required: [id], properties: {id: {type: integer}}}}
";

fn edit(dir: &Path, args: &[&str]) -> support::Ran {
    let mut all = vec!["edit"];
    all.extend_from_slice(args);
    support::run_catwalk(dir, &all)
}

#[test]
fn a_missing_file_is_invalid_input_as_for_check() {
    let tmp = support::temp_dir();
    let ran = edit(tmp.path(), &["nope.flow.yaml"]);
    assert_eq!(ran.code(), Some(3), "{}", ran.stderr());
    assert!(
        ran.stderr().contains("nope.flow.yaml does not exist"),
        "{}",
        ran.stderr()
    );
}

#[test]
fn a_file_that_is_not_a_catalog_says_so() {
    let tmp = support::temp_dir();
    std::fs::write(tmp.path().join("notes.yaml"), "- just\n- a list\n").unwrap();
    let ran = edit(tmp.path(), &["notes.yaml"]);
    assert_eq!(ran.code(), Some(3), "{}", ran.stderr());
    assert!(
        ran.stderr().contains("notes.yaml is not a Flow catalog"),
        "{}",
        ran.stderr()
    );
    std::fs::write(tmp.path().join("empty.flow.yaml"), "collections: {}\n").unwrap();
    let ran = edit(tmp.path(), &["empty.flow.yaml"]);
    assert_eq!(ran.code(), Some(3), "{}", ran.stderr());
    assert!(
        ran.stderr()
            .contains("defines no capture and no materialization"),
        "{}",
        ran.stderr()
    );
}

#[test]
fn several_tasks_need_a_name_and_are_listed() {
    let tmp = support::temp_dir();
    std::fs::write(tmp.path().join("all.flow.yaml"), TWO_TASKS).unwrap();
    let ran = edit(tmp.path(), &["all.flow.yaml"]);
    assert_eq!(ran.code(), Some(2), "{}", ran.stderr());
    let err = ran.stderr();
    assert!(
        err.contains("defines 3 tasks: choose one with --name"),
        "{err}"
    );
    assert!(
        err.contains("acmeCo/one  capture  source-one  2 bindings (1 disabled)"),
        "{err}"
    );
    assert!(
        err.contains("acmeCo/two  capture  ghcr.io/estuary/source-two:dev  0 bindings"),
        "{err}"
    );
    assert!(err.contains("acmeCo/sink  materialization"), "{err}");

    let ran = edit(tmp.path(), &["all.flow.yaml", "--name", "acmeCo/three"]);
    assert_eq!(ran.code(), Some(2), "{}", ran.stderr());
    assert!(
        ran.stderr().contains("defines no task named acmeCo/three"),
        "{}",
        ran.stderr()
    );
    assert!(
        ran.stderr().contains("acmeCo/one  capture"),
        "{}",
        ran.stderr()
    );

    // A materialization opens as a capture does (here it goes on to the wizard, which needs a terminal).
    let ran = edit(tmp.path(), &["all.flow.yaml", "--name", "acmeCo/sink"]);
    assert_eq!(ran.code(), Some(2), "{}", ran.stderr());
    assert!(
        ran.stderr().contains("the wizard needs a terminal"),
        "{}",
        ran.stderr()
    );
}

#[test]
fn a_task_it_can_open_goes_to_the_wizard_which_needs_a_terminal() {
    let tmp = support::temp_dir();
    std::fs::write(tmp.path().join("all.flow.yaml"), TWO_TASKS).unwrap();
    let ran = edit(tmp.path(), &["all.flow.yaml", "--name", "acmeCo/one"]);
    assert_eq!(ran.code(), Some(2), "{}", ran.stderr());
    assert!(
        ran.stderr().contains("the wizard needs a terminal"),
        "{}",
        ran.stderr()
    );
}
