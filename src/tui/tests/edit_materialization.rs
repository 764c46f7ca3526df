//! Editing an existing materialization in the wizard: opening it settles its collections, resources and
//! field choices (a disabled binding stays disabled), the steps walk Config, SSH tunnel, Check,
//! Collections, Resources, Fields, Save, and the save writes back into the same files (named otherwise
//! than the task) with only the lines the person changed: a binding removed, a resource changed, comments
//! and the rest as they were; a changed config goes into its own file.

use super::flow_support::*;
use super::materialize_support::*;
use super::support::*;
use crate::catalog::TaskDraft;
use crate::ops::edit;
use crate::tui::flow::Origin;
use crate::tui::msg::{Msg, TaskMsg};
use crate::tui::state::{State, StepId};
use crate::tui::{opened, update};
use ratatui::crossterm::event::KeyCode;
use std::path::Path;
use std::sync::Arc;

const SOURCES: &str = "\
collections:
  acmeCo/public/orders:
    key: [/id]
    schema: {type: object, required: [id], properties: {id: {type: integer}, total: {type: number}}}
  acmeCo/public/users:
    key: [/id]
    schema: {type: object, required: [id], properties: {id: {type: integer}, email: {type: string}}}
  acmeCo/shop/carts:
    key: [/id]
    schema: {type: object, required: [id], properties: {id: {type: integer}}}
";

/// Hand-written: comments, a flow-style resource, a binding with no `fields` (Flow's default), one
/// disabled with its own field choices and a backfill counter.
const SINK: &str = "\
# Our warehouse. Keep this comment.
import:
  - captures/pg.flow.yaml
materializations:
  acmeCo/pg-sink:
    endpoint:
      connector:
        image: ghcr.io/estuary/materialize-postgres:dev
        config: secrets/warehouse.yaml
    bindings:
      # orders go to the public schema
      - resource: {table: orders, schema: public}
        source: acmeCo/public/orders
      - resource:
          table: users
        source: acmeCo/public/users
        disable: true
        backfill: 2
        fields:
          recommended: true
          exclude: [email]
";

fn write_catalogs(dir: &Path) {
    std::fs::create_dir_all(dir.join("captures")).unwrap();
    std::fs::write(dir.join("captures/pg.flow.yaml"), SOURCES).unwrap();
    std::fs::write(dir.join("warehouse.flow.yaml"), SINK).unwrap();
    std::fs::create_dir_all(dir.join("secrets")).unwrap();
    std::fs::write(
        dir.join("secrets/warehouse.yaml"),
        format!("# the warehouse\nhost: warehouse.internal\npassword: {PASSWORD}\n"),
    )
    .unwrap();
}

/// The spec of a materialization connector shaped like the fixture's.
fn materialize_outcome() -> crate::tui::msg::SpecOutcome {
    let mut o = outcome(false);
    o.kind = crate::model::ConnectorKind::Materialize;
    o.spec.kind = crate::model::ConnectorKind::Materialize;
    o.spec.resource_config_schema = resource_schema();
    o.spec.resource_path_pointers = vec!["/schema".into(), "/table".into()];
    o
}

/// Opened from `dir`, its spec answered, walked to the collections, which are read from the disk as the
/// load task reads them.
fn to_collections(dir: &Path) -> State {
    let task = edit::open(&dir.join("warehouse.flow.yaml"), None).unwrap();
    assert_eq!(task.kind, crate::model::ConnectorKind::Materialize);
    let mut s = state_at(120, 40);
    let reply = opened::start(&mut s, task);
    let cmds = update::apply(&mut s, reply);
    assert_eq!((s.step, s.origin), (StepId::Spec, Origin::Existing));
    send(
        &mut s,
        [Msg::Task(
            fetch_id(&cmds),
            TaskMsg::Spec(Ok(Box::new(materialize_outcome()))),
        )],
    );
    assert_eq!(s.step, StepId::Config, "{}", render(&s));
    let steps: Vec<StepId> = s.flow().steps;
    assert_eq!(
        steps,
        [
            StepId::Config,
            StepId::Tunnel,
            StepId::Check,
            StepId::Collections,
            StepId::Resources,
            StepId::Fields,
            StepId::Review
        ]
    );
    send(&mut s, [ctrl('n')]);
    let cmds = send(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(s.step, StepId::Check, "{}", render(&s));
    send(
        &mut s,
        [Msg::Task(check_id(&cmds), TaskMsg::Checked(Ok(())))],
    );
    let cmds = send(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(s.step, StepId::Collections, "{}", render(&s));
    let load = cmds
        .iter()
        .find_map(|c| match c {
            crate::tui::msg::Cmd::LoadCatalogs { id, dir, opened } => {
                Some((*id, dir.clone(), opened.clone()))
            }
            _ => None,
        })
        .expect("the catalogs are read");
    let loaded = crate::tui::materialize_tasks::load_catalogs(&load.1, &load.2).unwrap();
    send(
        &mut s,
        [Msg::Task(
            load.0,
            TaskMsg::CatalogsLoaded(Ok(Arc::new(loaded))),
        )],
    );
    s
}

/// On from the collections to the review, the validate answered; the plan's request.
fn to_review(s: &mut State) -> crate::tui::msg::SaveRequest {
    send(s, [ctrl('n')]);
    assert_eq!(s.step, StepId::Resources, "{}", render(s));
    to_review_from_resources(s)
}

#[test]
fn opening_a_materialization_settles_its_bindings_and_an_unchanged_save_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write_catalogs(dir.path());
    let mut s = to_collections(dir.path());
    // The saved collections are the ones chosen; the other one the catalogs define is offered.
    assert_eq!(
        s.mat.chosen_names(),
        ["acmeCo/public/orders", "acmeCo/public/users"]
    );
    assert_eq!(s.collections.selected, [true, true, false]);
    let req = to_review(&mut s);
    let task: &TaskDraft = &req.task;
    assert!(task.edit);
    assert_eq!(task.full_name(), "acmeCo/pg-sink");
    assert_eq!(task.bindings[1].resource["table"], "users");
    assert!(
        task.bindings[1].disable,
        "a disabled binding stays disabled"
    );
    assert_eq!(task.bindings[1].fields.as_ref().unwrap().exclude, ["email"]);
    let mut req = req.clone();
    req.dir = dir.path().display().to_string();
    let p = crate::tui::saving::plan(&req).expect("a plan");
    assert_eq!(p.flow_yaml, SINK, "nothing changed, nothing differs");
    assert!(
        p.merged
            .as_deref()
            .unwrap()
            .contains("0 changed, 0 removed"),
        "{:?}",
        p.merged
    );
}

#[test]
fn an_edited_materialization_is_saved_back_with_only_the_changed_lines() {
    let dir = tempfile::tempdir().unwrap();
    write_catalogs(dir.path());
    let mut s = to_collections(dir.path());
    // Remove orders (the first row), keep users.
    send(&mut s, [ch(' ')]);
    send(&mut s, [ctrl('n')]);
    assert_eq!(s.step, StepId::Resources, "{}", render(&s));
    // users' table: `people` instead.
    let form = s.resources.pages[0].form.to_config();
    assert_eq!(form["table"], "users", "the saved resource fills the form");
    let mut req = {
        // Type over the table field (the form's first field is focused).
        for _ in 0.."users".len() {
            send(&mut s, [key(KeyCode::Backspace)]);
        }
        send(&mut s, typed("people"));
        assert_eq!(s.resources.pages[0].form.to_config()["table"], "people");
        to_review_from_resources(&mut s)
    };
    req.dir = dir.path().display().to_string();
    req.confirmed = true;
    let p = crate::tui::saving::plan(&req).expect("a plan");
    assert!(
        p.merged
            .as_deref()
            .unwrap()
            .contains("1 changed, 1 removed"),
        "{:?}",
        p.merged
    );
    crate::tui::saving::save(&req).expect("saved");
    // Saved back into its own files, named otherwise than the task: no `pg-sink.*` file is made.
    let after = std::fs::read_to_string(dir.path().join("warehouse.flow.yaml")).unwrap();
    assert!(!dir.path().join("pg-sink.flow.yaml").exists());
    assert!(!dir.path().join("pg-sink.config.yaml").exists());
    assert_eq!(after, p.flow_yaml, "the preview is what is written");
    let (gone, added) = crate::text::line_diff(SINK, &after);
    assert_eq!(added, ["          table: people"], "{after}");
    assert_eq!(
        gone,
        [
            "      # orders go to the public schema",
            "      - resource: {table: orders, schema: public}",
            "        source: acmeCo/public/orders",
            "          table: users",
        ],
        "{after}"
    );
    // The config file was not rewritten: unchanged, it stays as it was (its comment too).
    let config = std::fs::read_to_string(dir.path().join("secrets/warehouse.yaml")).unwrap();
    assert!(config.starts_with("# the warehouse\n"), "{config}");
    let doc: serde_json::Value = serde_yaml::from_str(&after).unwrap();
    crate::catalog::validate_flow_catalog(&doc).unwrap_or_else(|e| panic!("{}", e.join("\n")));
    assert_eq!(
        doc["materializations"]["acmeCo/pg-sink"]["bindings"][0]["backfill"],
        2
    );
}

/// From the resources to the review, the validate answered; the plan's request.
fn to_review_from_resources(s: &mut State) -> crate::tui::msg::SaveRequest {
    let mut cmds = Vec::new();
    while s.step == StepId::Resources {
        cmds = send(s, [ctrl('n')]);
    }
    assert_eq!(s.step, StepId::Fields, "{}", render(s));
    answer_validate(s, &cmds);
    let mut cmds = Vec::new();
    while s.step == StepId::Fields {
        cmds = send(s, [ctrl('n')]);
    }
    assert_eq!(s.step, StepId::Review, "{}", render(s));
    plan_of(&cmds).1
}

#[test]
fn a_changed_config_goes_into_its_own_file_and_an_inline_one_must_stay_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    write_catalogs(dir.path());
    let mut s = to_collections(dir.path());
    let mut req = to_review(&mut s);
    req.dir = dir.path().display().to_string();
    req.confirmed = true;
    // As if the person had changed the host on the config step.
    req.config["host"] = "warehouse2.internal".into();
    req.keep_config = false;
    let done = crate::tui::saving::save(&req).expect("saved");
    assert_eq!(done.config_file, dir.path().join("secrets/warehouse.yaml"));
    let config = std::fs::read_to_string(&done.config_file).unwrap();
    assert!(config.starts_with("# the warehouse\n"), "{config}");
    assert!(config.contains("host: warehouse2.internal"), "{config}");
    assert!(!dir.path().join("pg-sink.config.yaml").exists());
    // The same task with its config inline: unchanged it saves; changed, the save says what to do.
    let inline = SINK.replace(
        "config: secrets/warehouse.yaml",
        "config: {host: warehouse.internal, password: pw-inline}",
    );
    std::fs::write(dir.path().join("warehouse.flow.yaml"), &inline).unwrap();
    let mut task = (*req.task).clone();
    task.files.as_mut().unwrap().config = None;
    req.task = Arc::new(task);
    let e = crate::tui::saving::save(&req).unwrap_err();
    assert!(
        e.to_string().contains("written inline in")
            && e.to_string().contains("config: pg-sink.config.yaml"),
        "{e}"
    );
    req.keep_config = true;
    crate::tui::saving::save(&req).expect("an unchanged inline config saves");
    let after = std::fs::read_to_string(dir.path().join("warehouse.flow.yaml")).unwrap();
    assert_eq!(after, inline, "nothing changed");
}
