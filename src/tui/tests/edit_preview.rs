//! The preview of an edited catalog: after the Changes step, the preview runs the capture as saving back
//! would write it (the catalog's bindings, resource configs and schemas, `disable`, with the person's
//! deselections and Changes choices applied, and the config as edited), reads again only when a choice
//! changes, and Esc goes back to the Changes step.

use super::edit::{to_changes, write_catalog};
use super::flow_support::*;
use super::support::*;
use crate::catalog::Choice;
use crate::ops::preview::{BindingReport, SessionEnd, SessionReport};
use crate::tui::msg::{Cmd, Msg, PreviewDoc, PreviewReport, PreviewRequest, ReqId, TaskMsg};
use crate::tui::state::{State, StepId};
use ratatui::crossterm::event::KeyCode;
use serde_json::{Value, json};

fn preview_of(cmds: &[Cmd]) -> Option<(ReqId, PreviewRequest)> {
    cmds.iter().find_map(|c| match c {
        Cmd::Preview { id, req } => Some((*id, req.clone())),
        _ => None,
    })
}

/// The planned capture's documents: two users (the second without its key), then the preview's end.
fn answer(s: &mut State, id: ReqId, collections: &[&str]) {
    let planned = TaskMsg::PreviewPlanned(collections.iter().map(|c| c.to_string()).collect());
    let doc = |binding, doc: Value, problem: Option<(&str, &str)>| {
        Msg::Task(
            id,
            TaskMsg::PreviewDoc(Box::new(PreviewDoc {
                binding,
                doc,
                problem: problem.map(|(p, r)| (p.to_string(), r.to_string())),
            })),
        )
    };
    let report = PreviewReport {
        capture: "acmeCo/source-postgres".into(),
        bindings: collections
            .iter()
            .map(|c| BindingReport {
                collection: c.to_string(),
                documents: if *c == "acmeCo/users" { 2 } else { 0 },
                invalid: 0,
                first_invalid: None,
                sourced_schemas: 0,
            })
            .collect(),
        sessions: vec![SessionReport {
            number: 1,
            documents: 2,
            transactions: 1,
            checkpoints: 1,
            ended: SessionEnd::ConnectorDone,
        }],
        state: json!({}),
        disabled: 1,
    };
    send(
        s,
        [
            Msg::Task(id, planned),
            doc(0, json!({"id": 1, "name": "Ann"}), None),
            doc(0, json!({"id": 2, "name": "Bo"}), None),
            Msg::Task(id, TaskMsg::Previewed(Ok(Box::new(report)))),
        ],
    );
}

#[test]
fn an_edit_previews_the_catalog_as_saving_back_would_write_it() {
    let dir = tempfile::tempdir().unwrap();
    write_catalog(dir.path());
    // events deselected, table_00003 selected; rows: table_00003, events, gone, users, audit_log.
    let mut s = to_changes(80, 24, dir.path());
    // gone: remove; users: keep its old schema.
    send(&mut s, [key(KeyCode::Down), key(KeyCode::Down), ch(' ')]);
    send(&mut s, [key(KeyCode::Down), ch(' ')]);
    assert_eq!(crate::tui::opened::choice(&s, "gone"), Choice::Remove);
    assert_eq!(crate::tui::opened::choice(&s, "users"), Choice::KeepOld);
    let cmds = send(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(s.step, StepId::Preview, "{}", render(&s));
    let (id, req) = preview_of(&cmds).expect("the preview starts");
    let edit = req.edit.clone().expect("an edit previews the save's plan");
    assert_eq!(edit.task.choices.get("events"), Some(&Choice::Remove));
    assert_eq!(edit.task.choices.get("gone"), Some(&Choice::Remove));
    assert_eq!(edit.task.choices.get("users"), Some(&Choice::KeepOld));
    assert!(
        s.preview.bindings.is_empty(),
        "an edit's bindings come from its plan"
    );

    // What the preview's thread runs: the save's plan of the catalog, held in memory.
    let task = crate::ops::edit::planned_task(&crate::tui::saving::request(&edit)).unwrap();
    let bindings: Vec<(&str, bool)> = task
        .bindings
        .iter()
        .map(|b| (b.collection_name.as_str(), b.disable))
        .collect();
    assert_eq!(
        bindings,
        [
            ("acmeCo/users", false),
            ("acmeCo/audit_log", true),
            ("acmeCo/table_00003", false),
        ],
        "events deselected and gone removed; audit_log stays disabled as in the catalog"
    );
    assert_eq!(task.bindings[0].resource, json!({"name": "users"}));
    let users = task.bindings[0].collection.as_ref().unwrap();
    let old: Value = serde_yaml::from_str(
        &std::fs::read_to_string(dir.path().join("users.schema.yaml")).unwrap(),
    )
    .unwrap();
    assert_eq!(users.write_schema, old, "users keeps its old schema");
    assert_eq!(users.key, ["/id"]);
    let new = task.bindings[2].collection.as_ref().unwrap();
    assert_eq!(
        new.write_schema["properties"]["id"]["type"], "integer",
        "the added binding has its discovered schema: {new:?}"
    );
    assert_eq!(
        Some(&task.config),
        s.answers.config.as_ref(),
        "the config as edited"
    );
    assert_eq!(task.config["host"], "db.internal");
    assert!(!task.has_sops && task.config_file.is_none());
    // Nothing was written.
    assert!(dir.path().join("events.schema.yaml").exists());

    answer(&mut s, id, &["acmeCo/users", "acmeCo/table_00003"]);
    let screen = render(&s);
    assert!(screen.contains("acmeCo/users"), "{screen}");
    assert!(screen.contains("2 documents"), "{screen}");
    assert!(screen.contains("saved back"), "{screen}");
    assert_eq!(s.preview.bindings.len(), 2);

    // Esc goes back to the Changes step; coming again shows what was read.
    send(&mut s, [key(KeyCode::Esc)]);
    assert_eq!(s.step, StepId::Changes, "{}", render(&s));
    let cmds = send(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(s.step, StepId::Preview);
    assert!(preview_of(&cmds).is_none(), "nothing changed: {cmds:?}");
    assert!(render(&s).contains("2 documents"));

    // Another choice changes what the save would write: the preview reads again.
    send(&mut s, [key(KeyCode::Esc), ch(' ')]);
    assert_eq!(crate::tui::opened::choice(&s, "users"), Choice::Disable);
    let cmds = send(&mut s, [key(KeyCode::Enter)]);
    let (again, req) = preview_of(&cmds).expect("read again");
    assert_ne!(again, id);
    let edit = req.edit.expect("an edit");
    assert_eq!(edit.task.choices.get("users"), Some(&Choice::Disable));
    let task = crate::ops::edit::planned_task(&crate::tui::saving::request(&edit)).unwrap();
    let enabled: Vec<&str> = task
        .bindings
        .iter()
        .filter(|b| !b.disable)
        .map(|b| b.collection_name.as_str())
        .collect();
    assert_eq!(enabled, ["acmeCo/table_00003"]);

    // Enter after the documents goes on to the review.
    answer(&mut s, again, &["acmeCo/table_00003"]);
    let cmds = send(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(s.step, StepId::Review, "{}", render(&s));
    answer_check(&mut s, &cmds);
    assert!(plan_of(&cmds).1.keep_config);
}

#[test]
fn an_edit_stepper_shows_the_preview_between_changes_and_save() {
    let dir = tempfile::tempdir().unwrap();
    write_catalog(dir.path());
    let s = to_changes(120, 40, dir.path());
    let steps = s.flow().steps;
    assert_eq!(
        steps[steps.len() - 3..],
        [StepId::Changes, StepId::Preview, StepId::Review]
    );
    let screen = render(&s);
    let header = screen.lines().take(3).collect::<String>();
    assert!(
        header.contains("Preview") && header.contains("Changes"),
        "{screen}"
    );
}
