//! The preview step and the bindings' schema tree and settings: the preview reads the catalog the save
//! would write (the chosen bindings, with their settings), shows documents as a table or JSON with the
//! ones that break the schema marked, cancels and skips; the settings are written into the saved catalog.

use super::flow_support::*;
use super::support::*;
use crate::ops::preview::{BindingReport, Invalid, SessionEnd, SessionReport};
use crate::tui::msg::{Cmd, Msg, PreviewDoc, PreviewReport, ReqId, TaskMsg};
use crate::tui::state::{State, StepId};
use ratatui::crossterm::event::KeyCode;
use serde_json::{Value, json};

fn preview_id(cmds: &[Cmd]) -> ReqId {
    id_of(cmds, "Preview", |c| match c {
        Cmd::Preview { id, .. } => Some(*id),
        _ => None,
    })
}

/// Step 6 with three bindings (two chosen), then on to the preview: its request.
fn to_preview(w: u16, h: u16) -> (State, Vec<Cmd>) {
    let mut s = to_bindings(w, h, 3);
    let cmds = send(&mut s, [ctrl('n')]);
    assert_eq!(s.step, StepId::Preview, "{}", render(&s));
    (s, cmds)
}

fn user(id: Value, name: &str) -> Value {
    json!({"id": id, "name": name, "email": format!("{}@example.com", name.to_lowercase()),
        "updated_at": "2024-05-01T10:00:00Z", "tags": ["new"], "address": {"city": "Oslo"}})
}

/// The documents of a preview: three users (the second breaks the schema), one event.
fn answer(s: &mut State, id: ReqId) {
    let docs = [
        (0, user(json!(1), "Ann"), None),
        (
            0,
            user(json!("two"), "Bo"),
            Some(("/id", "\"two\" is not of type \"integer\"")),
        ),
        (0, user(json!(3), "Cy"), None),
        (1, json!({"id": 7, "_meta": {"row_id": 0}}), None),
    ];
    for (binding, doc, problem) in docs {
        send(
            s,
            [Msg::Task(
                id,
                TaskMsg::PreviewDoc(Box::new(PreviewDoc {
                    binding,
                    doc,
                    problem: problem.map(|(p, r): (&str, &str)| (p.to_string(), r.to_string())),
                })),
            )],
        );
    }
    let report = PreviewReport {
        capture: "acmeCo/source-postgres".into(),
        bindings: vec![
            BindingReport {
                collection: "acmeCo/users".into(),
                documents: 3,
                invalid: 1,
                first_invalid: Some(Invalid {
                    document: 2,
                    pointer: "/id".into(),
                    reason: "\"two\" is not of type \"integer\"".into(),
                }),
                sourced_schemas: 0,
            },
            BindingReport {
                collection: "acmeCo/events".into(),
                documents: 1,
                invalid: 0,
                first_invalid: None,
                sourced_schemas: 0,
            },
        ],
        sessions: vec![SessionReport {
            number: 1,
            documents: 4,
            transactions: 1,
            checkpoints: 1,
            ended: SessionEnd::ConnectorDone,
        }],
        state: json!({}),
        disabled: 0,
    };
    send(s, [Msg::Task(id, TaskMsg::Previewed(Ok(Box::new(report))))]);
}

fn previewed(w: u16, h: u16) -> State {
    let (mut s, cmds) = to_preview(w, h);
    answer(&mut s, preview_id(&cmds));
    s
}

#[test]
fn the_preview_reads_the_chosen_bindings_as_the_save_would_write_them() {
    let (s, cmds) = to_preview(80, 24);
    let Some(Cmd::Preview { req, .. }) = cmds.iter().find(|c| matches!(c, Cmd::Preview { .. }))
    else {
        panic!("{cmds:?}")
    };
    assert_eq!(
        (req.task.prefix.as_str(), req.task.name.as_str()),
        ("acmeCo", "source-postgres")
    );
    let chosen = req.task.capture_bindings();
    let targets: Vec<&str> = chosen.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(targets, ["acmeCo/users", "acmeCo/events"]);
    assert_eq!(req.limit, crate::tui::steps::preview::LIMIT);
    assert!(s.busy());
    assert!(render(&s).contains("Reading up to 10 documents per binding"));
}

#[test]
fn esc_cancels_the_preview_and_goes_back_to_the_bindings() {
    let (mut s, cmds) = to_preview(80, 24);
    let id = preview_id(&cmds);
    let cmds = send(&mut s, [key(KeyCode::Esc)]);
    assert!(cmds.contains(&Cmd::Cancel(id)), "{cmds:?}");
    assert_eq!(s.step, StepId::Bindings);
    // A late document of the cancelled run is dropped; Next reads again.
    answer(&mut s, id);
    assert!(s.preview.bindings.iter().all(|b| b.docs.is_empty()));
    let cmds = send(&mut s, [ctrl('n')]);
    assert_ne!(preview_id(&cmds), id);
}

#[test]
fn documents_then_fix_the_config_or_go_on() {
    let mut s = previewed(80, 24);
    // The binding with a broken document is shown first.
    assert_eq!(s.preview.current, 0);
    assert!(!s.busy());
    send(&mut s, [key(KeyCode::Tab)]);
    assert_eq!(s.preview.current, 1);
    let screen = render(&s);
    assert!(screen.contains("acmeCo/events"), "{screen}");
    // e: the config form; coming back shows the documents as they were (nothing read again).
    send(&mut s, [ch('e')]);
    assert_eq!(s.step, StepId::Config);
    // Enter: on to the review.
    let mut s = previewed(80, 24);
    let cmds = send(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(s.step, StepId::Review);
    assert!(
        cmds.iter().any(|c| matches!(c, Cmd::PlanSave(..))),
        "{cmds:?}"
    );
    // Back from the review: the preview as it was.
    send(&mut s, [key(KeyCode::Esc)]);
    assert_eq!(s.step, StepId::Preview);
    assert_eq!(s.preview.bindings[0].docs.len(), 3);
}

#[test]
fn preview_table_marks_a_document_that_breaks_the_schema() {
    snap("preview_table", |w, h| {
        let s = previewed(w, h);
        let screen = render(&s);
        assert!(screen.contains("✗ 1 breaks the schema"), "{screen}");
        assert!(
            screen.contains("document 2, at /id"),
            "the pointer and reason show:\n{screen}"
        );
        s
    });
}

#[test]
fn preview_json() {
    snap("preview_json", |w, h| {
        let mut s = previewed(w, h);
        send(&mut s, [ch('v')]);
        let screen = render(&s);
        assert!(screen.contains("── document 1 ──"), "{screen}");
        assert!(screen.contains("\"city\": \"Oslo\""), "{screen}");
        s
    });
}

#[test]
fn preview_running() {
    snap("preview_running", |w, h| to_preview(w, h).0);
}

#[test]
fn bindings_schema_tree() {
    snap("bindings_schema_tree", |w, h| {
        let mut s = to_bindings(w, h, 3);
        send(&mut s, [ch('t')]);
        let screen = render(&s);
        assert!(screen.contains("└─ city"), "nested fields show:\n{screen}");
        assert!(screen.contains("id*"), "{screen}");
        s
    });
}

#[test]
fn binding_settings_choose_a_key_written_into_the_saved_catalog() {
    let mut s = to_bindings(80, 24, 3);
    // `events` has no primary key: its settings offer one among the schema's fields.
    send(&mut s, [key(KeyCode::Down), ch('o')]);
    let screen = render(&s);
    assert!(screen.contains("Binding settings"), "{screen}");
    assert!(screen.contains("Collection key"), "{screen}");
    let edit = s.bindings.settings.as_mut().expect("settings open");
    edit.form.set("/collectionKey", json!("id")).unwrap();
    send(&mut s, [ctrl('n')]);
    assert!(s.bindings.settings.is_none(), "{}", render(&s));
    let events = &s.bindings.bindings[1];
    assert_eq!(events.key, ["/id"]);
    assert!(!events.is_fallback_key);
    // Kept in the draft: a new discover (a resumed wizard) keys `events` by /id again.
    let mut again = s.clone();
    again.answers.bindings = Some(Box::new(s.bindings.answer()));
    let cmds = crate::tui::steps::bindings::start(&mut again);
    send(
        &mut again,
        [Msg::Task(
            discover_id(&cmds),
            TaskMsg::Discovered(Ok(std::sync::Arc::new(discovered(3)))),
        )],
    );
    assert_eq!(again.bindings.bindings[1].key, ["/id"]);
    assert!(!again.bindings.bindings[1].is_fallback_key);
    // The preview reads with it, and the save writes it.
    let cmds = send(&mut s, [ctrl('n')]);
    let Some(Cmd::Preview { req, .. }) = cmds.iter().find(|c| matches!(c, Cmd::Preview { .. }))
    else {
        panic!("{cmds:?}")
    };
    assert_eq!(req.task.capture_bindings()[1].0.key, ["/id"]);
    let cmds = send(&mut s, [ch('s')]);
    let (_, mut req) = plan_of(&cmds);
    let dir = tempfile::tempdir().unwrap();
    req.dir = dir.path().display().to_string();
    let done = crate::tui::saving::save(&req).expect("saved");
    let loaded = crate::catalog::load(&done.flow_file).expect("loads");
    let doc: Value =
        serde_yaml::from_str(&std::fs::read_to_string(&done.flow_file).unwrap()).unwrap();
    crate::catalog::validate_flow_catalog(&doc).expect("valid for Flow");
    let events = &loaded.collections["acmeCo/events"];
    assert_eq!(events.key, ["/id"]);
    assert!(crate::catalog::collection_problems(&events.write_schema, &events.key).is_empty());
}

/// Step 6 with a Flow connector whose resource schema has settings of its own, on `users`' settings.
fn flow_settings(w: u16, h: u16) -> State {
    let mut s = to_bindings(w, h, 3);
    let spec = &mut s.spec.outcome.as_mut().unwrap().spec;
    spec.resource_config_schema = json!({"type": "object", "required": ["name"], "properties": {
        "name": {"type": "string", "title": "Table", "order": 0},
        "pageSize": {"type": "integer", "title": "Page size", "default": 100, "order": 1,
            "description": "Rows fetched per request."},
        "interval": {"type": "string", "title": "Interval", "order": 2}
    }});
    let bindings = std::sync::Arc::make_mut(&mut s.bindings.bindings);
    bindings[0].resource_config = json!({"name": "users", "interval": "PT5M"});
    send(&mut s, [ch('o')]);
    s
}

#[test]
fn binding_settings_of_a_flow_connector() {
    snap("binding_settings_flow", |w, h| {
        let s = flow_settings(w, h);
        let screen = render(&s);
        // The form is the connector's resource schema, prefilled with the discovered values.
        assert!(screen.contains("Page size"), "{screen}");
        assert!(screen.contains("PT5M"), "{screen}");
        s
    });
    let mut s = flow_settings(80, 24);
    let edit = s.bindings.settings.as_mut().unwrap();
    edit.form.set("/pageSize", json!(500)).unwrap();
    edit.form.set("/name", json!("people")).unwrap();
    send(&mut s, [ctrl('n')]);
    assert!(s.bindings.settings.is_none(), "{}", render(&s));
    assert_eq!(
        s.bindings.bindings[0].resource_config,
        json!({"name": "people", "pageSize": 500, "interval": "PT5M"})
    );
    // The draft keeps the settings by the discovered resource, and a new discover gets them again.
    let answer = s.bindings.answer();
    let id = s.bindings.items[0].id.clone();
    assert!(id.contains("users"), "{id}");
    assert_eq!(answer.settings[&id]["resource"]["pageSize"], 500);
    let mut again = s.clone();
    again.answers.bindings = Some(Box::new(answer));
    let cmds = crate::tui::steps::bindings::start(&mut again);
    send(
        &mut again,
        [Msg::Task(
            discover_id(&cmds),
            TaskMsg::Discovered(Ok(std::sync::Arc::new(discovered(3)))),
        )],
    );
    assert_eq!(again.bindings.bindings[0].resource_config["pageSize"], 500);
    assert_eq!(again.bindings.bindings[0].resource_config["name"], "people");
    assert!(again.bindings.items[0].selected);
    // Esc leaves the settings as they were.
    send(&mut s, [ch('o')]);
    let edit = s.bindings.settings.as_mut().unwrap();
    edit.form.set("/pageSize", json!(7)).unwrap();
    send(&mut s, [key(KeyCode::Esc)]);
    assert!(s.bindings.settings.is_none());
    assert_eq!(s.bindings.bindings[0].resource_config["pageSize"], 500);
    assert_eq!(s.step, StepId::Bindings);
}
