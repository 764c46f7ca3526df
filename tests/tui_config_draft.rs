//! Step 3's values in and out, pure `update` tests through the public API: the draft keeps every value but
//! the secrets and resuming refills the form; a config file fills the form through a command.

mod tui_config_support;

use catwalk::tui::draft::Draft;
use catwalk::tui::msg::{Cmd, FileText, Msg, TaskMsg};
use catwalk::tui::state::{State, StepId};
use catwalk::tui::theme::Theme;
use catwalk::tui::widgets::form_rows::RowKind;
use catwalk::tui::widgets::form_ui::Popup;
use ratatui::crossterm::event::KeyCode;
use serde_json::json;
use tui_config_support::*;

#[test]
fn the_draft_keeps_values_but_no_secret_and_resuming_refills_the_form() {
    let mut s = fixture(80, 24);
    let mut cmds = fill_required(&mut s);
    focus(&mut s, "/private_key");
    cmds.extend(send(&mut s, [Msg::Paste(KEY.into()), key(KeyCode::Esc)]));
    cmds.extend(send(&mut s, [key(KeyCode::Tab)]));
    let saved = drafts(&cmds);
    assert!(!saved.is_empty());
    for d in &saved {
        assert!(!d.contains("hunter2") && !d.contains("OPENSSH"), "{d}");
    }
    // Commands are logged: their Debug text has no secret either.
    let logged = format!("{cmds:?} {:?}", s.answers);
    assert!(
        !logged.contains("hunter2") && !logged.contains("OPENSSH"),
        "{logged}"
    );
    let last: Draft = serde_json::from_str(saved.last().unwrap()).unwrap();
    assert_eq!(
        last.answers.config_values.as_deref().unwrap()["host"],
        "db.internal"
    );
    // A new session resumes it: the form is refilled, the secrets are asked again.
    let mut r = State::new(
        Theme::default(),
        catwalk::tui::connectors::curated(),
        Some(last),
    );
    r.size = (80, 24);
    let cmds = send(&mut r, [key(KeyCode::Enter)]);
    let id = cmds
        .iter()
        .find_map(|c| match c {
            Cmd::FetchSpec { id, .. } => Some(*id),
            _ => None,
        })
        .unwrap();
    let outcome = s.spec.outcome.clone().unwrap();
    send(
        &mut r,
        [Msg::Task(id, TaskMsg::Spec(Ok(Box::new(outcome))))],
    );
    assert_eq!(r.step, StepId::Config);
    assert_eq!(config(&r)["host"], "db.internal");
    assert!(config(&r).get("password").is_none());
    assert!(config(&r).get("private_key").is_none());
    let screen = render(&r);
    assert!(
        screen.contains("Secrets are not kept in the draft"),
        "{screen}"
    );
    assert_eq!(
        r.config.ui.focused().unwrap().pointer,
        "/password",
        "the first secret to type again has the focus"
    );
    send(&mut r, [ctrl('n')]);
    assert_eq!(r.config.ui.focused().unwrap().pointer, "/password");
}

#[test]
fn a_config_file_fills_the_form_through_a_command() {
    let mut s = fixture(120, 40);
    let cmds = send(&mut s, [ctrl('o')]);
    assert!(!cmds.iter().any(|c| matches!(c, Cmd::ReadFile(..))));
    assert!(matches!(s.config.ui.popup, Some(Popup::Path(_))));
    send(&mut s, typed("~/pg.yaml"));
    let cmds = send(&mut s, [key(KeyCode::Enter)]);
    let id = match &cmds[..] {
        [Cmd::ReadFile(id, path)] if path == "~/pg.yaml" => *id,
        other => panic!("{other:?}"),
    };
    assert!(render(&s).contains("Reading…"));
    send(
        &mut s,
        [Msg::Task(
            id,
            TaskMsg::FileRead(Err("cannot read /root/pg.yaml: No such file".into())),
        )],
    );
    assert!(
        render(&s).contains("No such file"),
        "the prompt says why and stays open"
    );
    send(&mut s, [ctrl('u')]);
    send(&mut s, typed("/tmp/pg.yaml"));
    let cmds = send(&mut s, [key(KeyCode::Enter)]);
    let Some(Cmd::ReadFile(id, _)) = cmds.first().cloned() else {
        panic!()
    };
    let text = "host: db.prod\nport: 6543\nmode: {kind: slow, delay_ms: 10}\nextra_setting: true\n";
    let cmds = send(
        &mut s,
        [Msg::Task(
            id,
            TaskMsg::FileRead(Ok(FileText {
                path: "/tmp/pg.yaml".into(),
                text: text.into(),
            })),
        )],
    );
    assert!(s.config.ui.popup.is_none());
    let c = config(&s);
    assert_eq!(
        (c["host"].clone(), c["port"].clone()),
        (json!("db.prod"), json!(6543))
    );
    assert_eq!(c["mode"], json!({"kind": "slow", "delay_ms": 10}));
    assert_eq!(c["extra_setting"], true, "unknown values are kept");
    let notice = s.config.notice.clone().unwrap().text;
    assert!(
        notice.contains("1 not in the schema, kept: /extra_setting"),
        "{notice}"
    );
    assert!(
        s.config
            .ui
            .rows
            .iter()
            .any(|r| r.kind == RowKind::Unknown && r.pointer == "/extra_setting")
    );
    assert!(
        s.config.ui.errors.contains_key("/password"),
        "what is missing shows at once"
    );
    assert_eq!(drafts(&cmds).len(), 1, "the draft follows");
}
