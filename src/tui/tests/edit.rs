//! Editing an existing catalog in the wizard: opening a task (from `catwalk edit` or the first screen's
//! catalog list), its config and saved bindings settled, the Changes step's diff and choices, and the
//! save writing back into the same file with only the intended lines changed (comments kept). Snapshots
//! of the catalog list and the Changes screen at 80x24 and 120x40.

use super::flow_support::*;
use super::support::*;
use crate::catalog::Choice;
use crate::ops::edit::{self, OpenedTask};
use crate::tui::flow::Origin;
use crate::tui::msg::{Cmd, Msg, TaskError, TaskMsg};
use crate::tui::state::{State, StepId};
use crate::tui::steps::changes::Status;
use crate::tui::steps::connector::Row;
use crate::tui::{opened, update};
use ratatui::crossterm::event::KeyCode;
use std::path::Path;
use std::sync::Arc;

/// A hand-written catalog: users (its saved schema lacks fields discovery now reports), events, audit_log
/// (disabled) and gone (no longer discovered), with comments.
const CATALOG: &str = "\
# Our postgres capture. Keep this comment.
captures:
  acmeCo/source-postgres:
    endpoint:
      connector:
        image: ghcr.io/estuary/source-postgres:dev
        config: source-postgres.config.yaml
    bindings:
      # the users table
      - resource: {name: users}
        target: acmeCo/users
      - resource: {name: events}
        target: acmeCo/events
      - resource: {name: audit_log}
        target: acmeCo/audit_log
        disable: true
      - resource: {name: gone}
        target: acmeCo/gone
collections:
  acmeCo/users:
    key: [/id]
    schema: users.schema.yaml
  acmeCo/events:
    key: [/_meta/row_id]
    schema: events.schema.yaml
  acmeCo/audit_log:
    key: [/id]
    schema: audit_log.schema.yaml
  acmeCo/gone:
    key: [/id]
    schema: {type: object, required: [id], properties: {id: {type: integer}}}
";

const OLD_USERS: &str = "\
type: object
required: [id]
properties:
  id: {type: integer}
  name: {type: [string, \"null\"]}
";

/// The catalog and its files in `dir`.
pub(super) fn write_catalog(dir: &Path) {
    std::fs::write(dir.join("source-postgres.flow.yaml"), CATALOG).unwrap();
    std::fs::write(
        dir.join("source-postgres.config.yaml"),
        format!("# where it reads from\nhost: db.internal\npassword: {PASSWORD}\n"),
    )
    .unwrap();
    std::fs::write(dir.join("users.schema.yaml"), OLD_USERS).unwrap();
    let schema = |name: &str| {
        discovered(3)
            .into_iter()
            .find(|b| b.recommended_name == name)
            .unwrap()
            .document_schema
    };
    let yaml = |v: &serde_json::Value| crate::catalog::to_yaml(v).unwrap();
    std::fs::write(dir.join("events.schema.yaml"), yaml(&schema("events"))).unwrap();
    // audit_log had a required column the source no longer has: a breaking change.
    let mut audit = schema("audit_log");
    audit["properties"]["legacy"] = serde_json::json!({"type": "string"});
    audit["required"] = serde_json::json!(["id", "legacy"]);
    let audit = yaml(&audit);
    std::fs::write(dir.join("audit_log.schema.yaml"), audit).unwrap();
}

fn opened_task(dir: &Path) -> OpenedTask {
    edit::open(&dir.join("source-postgres.flow.yaml"), None).unwrap()
}

/// The wizard opened on the catalog in `dir` (shown as `/home/ana/catalogs`), its spec answered: on the
/// config step.
fn to_config(w: u16, h: u16, dir: &Path) -> State {
    let mut task = opened_task(dir);
    task.file = "/home/ana/catalogs/source-postgres.flow.yaml".into();
    let mut s = state_at(w, h);
    let reply = opened::start(&mut s, task);
    let cmds = update::apply(&mut s, reply);
    assert_eq!(s.step, StepId::Spec);
    assert_eq!(s.origin, Origin::Existing);
    send(
        &mut s,
        [Msg::Task(
            fetch_id(&cmds),
            TaskMsg::Spec(Ok(Box::new(outcome(false)))),
        )],
    );
    assert_eq!(s.step, StepId::Config, "{}", render(&s));
    s
}

/// On to the bindings, discovered as the fixture's four (users, events, audit_log, table_00003).
fn to_bindings_of(s: &mut State) {
    send(s, [ctrl('n')]);
    assert_eq!(s.step, StepId::Tunnel, "{}", render(s));
    let cmds = send(s, [key(KeyCode::Enter)]);
    assert_eq!(s.step, StepId::Check, "{}", render(s));
    send(s, [Msg::Task(check_id(&cmds), TaskMsg::Checked(Ok(())))]);
    let cmds = send(s, [key(KeyCode::Enter)]);
    assert_eq!(s.step, StepId::Bindings);
    send(
        s,
        [Msg::Task(
            discover_id(&cmds),
            TaskMsg::Discovered(Ok(Arc::new(discovered(4)))),
        )],
    );
}

/// Deselect events, select table_00003, go on: the Changes step with its real plan.
pub(super) fn to_changes(w: u16, h: u16, dir: &Path) -> State {
    let mut s = to_config(w, h, dir);
    to_bindings_of(&mut s);
    // events (2nd), table_00003 (4th).
    send(
        &mut s,
        [
            key(KeyCode::Down),
            ch(' '),
            key(KeyCode::Down),
            key(KeyCode::Down),
            ch(' '),
        ],
    );
    let cmds = send(&mut s, [ctrl('n')]);
    assert_eq!(s.step, StepId::Changes, "{}", render(&s));
    let (id, req) = plan_of(&cmds);
    let p = crate::tui::saving::plan(&req).expect("a plan");
    send(&mut s, [Msg::Task(id, TaskMsg::Planned(Ok(Box::new(p))))]);
    s
}

/// From the Changes step: on to the preview (it starts), passed over (s): the review starts. Their
/// commands.
pub(super) fn changes_to_review(s: &mut State) -> Vec<Cmd> {
    let started = send(s, [key(KeyCode::Enter)]);
    assert_eq!(s.step, StepId::Preview, "{}", render(s));
    assert!(
        started.iter().any(|c| matches!(c, Cmd::Preview { .. })),
        "{started:?}"
    );
    let cmds = send(s, [ch('s')]);
    assert_eq!(s.step, StepId::Review, "{}", render(s));
    started.into_iter().chain(cmds).collect()
}

#[test]
fn opening_settles_the_connector_config_and_saved_bindings() {
    let dir = tempfile::tempdir().unwrap();
    write_catalog(dir.path());
    let mut s = to_config(80, 24, dir.path());
    assert!(
        matches!(&s.answers.connector, Some(crate::tui::connectors::ConnectorChoice::Image { image, .. })
            if image == "ghcr.io/estuary/source-postgres:dev")
    );
    let form = s.config.form.as_ref().expect("the form is filled");
    assert_eq!(form.to_config()["host"], "db.internal");
    assert_eq!(form.to_config()["password"], PASSWORD);
    to_bindings_of(&mut s);
    let b = &s.bindings;
    let selected: Vec<&str> = b
        .items
        .iter()
        .filter(|i| i.selected)
        .map(|i| i.id.as_str())
        .collect();
    assert_eq!(selected, ["users", "events", "audit_log"], "the saved ones");
    let screen = render(&s);
    assert!(screen.contains("○ disabled"), "{screen}");
    assert!(screen.contains("+ new"), "{screen}");
}

#[test]
fn the_changes_step_shows_the_diff_with_a_choice_per_binding() {
    let dir = tempfile::tempdir().unwrap();
    write_catalog(dir.path());
    let s = to_changes(80, 24, dir.path());
    let rows: Vec<(&str, Status)> = s
        .changes
        .rows
        .iter()
        .map(|r| (r.id.as_str(), r.status))
        .collect();
    assert_eq!(
        rows,
        [
            ("table_00003", Status::Added),
            ("events", Status::Removed),
            ("gone", Status::Vanished),
            ("users", Status::Changed),
            ("audit_log", Status::Changed),
        ]
    );
    let audit = &s.changes.rows[4];
    assert!(audit.breaking && audit.disabled, "{audit:?}");
    assert!(
        audit
            .changes
            .iter()
            .any(|c| c.to_string() == "field /legacy removed (breaking)"),
        "{:?}",
        audit.changes
    );
    assert!(render(&s).contains("(breaking)"), "{}", render(&s));
    let users = &s.changes.rows[3];
    assert!(!users.breaking, "fields added only: {:?}", users.changes);
    assert!(
        users
            .changes
            .iter()
            .any(|c| c.to_string().starts_with("field /email added")),
        "{:?}",
        users.changes
    );
}

#[test]
fn choices_reach_the_save_and_only_intended_lines_change() {
    let dir = tempfile::tempdir().unwrap();
    write_catalog(dir.path());
    let mut s = to_changes(80, 24, dir.path());
    // users: disable (accept -> keep old -> disable); gone: remove.
    send(&mut s, [key(KeyCode::Down), key(KeyCode::Down), ch(' ')]);
    assert_eq!(opened::choice(&s, "gone"), Choice::Remove);
    send(&mut s, [key(KeyCode::Down), ch(' '), ch(' ')]);
    assert_eq!(opened::choice(&s, "users"), Choice::Disable);
    let screen = render(&s);
    assert!(screen.contains("[disable]"), "{screen}");
    let cmds = changes_to_review(&mut s);
    answer_check(&mut s, &cmds);
    let (id, req) = plan_of(&cmds);
    assert_eq!(req.task.choices.get("events"), Some(&Choice::Remove));
    assert!(req.keep_config, "the config did not change");
    let preview = crate::tui::saving::plan(&req).unwrap();
    send(
        &mut s,
        [Msg::Task(
            id,
            TaskMsg::Planned(Ok(Box::new(preview.clone()))),
        )],
    );
    // Existing files change: no merge-or-overwrite question, the reviewed plan is written.
    let cmds = send(&mut s, [key(KeyCode::Enter)]);
    let Some(Cmd::Save(_, req)) = cmds.last().cloned() else {
        panic!("{cmds:?} {}", render(&s))
    };
    assert!(req.confirmed);
    let config_before =
        std::fs::read_to_string(dir.path().join("source-postgres.config.yaml")).unwrap();
    crate::tui::saving::save(&req).unwrap();
    let after = std::fs::read_to_string(dir.path().join("source-postgres.flow.yaml")).unwrap();
    assert_eq!(after, preview.flow_yaml, "the preview is what is written");
    let (removed, added) = crate::text::line_diff(CATALOG, &after);
    assert_eq!(
        removed,
        [
            "      - resource: {name: events}",
            "        target: acmeCo/events",
            "      - resource: {name: gone}",
            "        target: acmeCo/gone",
            "  acmeCo/events:",
            "    key: [/_meta/row_id]",
            "    schema: events.schema.yaml",
            "  acmeCo/gone:",
            "    key: [/id]",
            "    schema: {type: object, required: [id], properties: {id: {type: integer}}}",
        ],
        "{after}"
    );
    assert!(
        added.contains(&"        disable: true".to_string()),
        "{added:?}"
    );
    assert!(
        added.iter().any(|l| l.contains("name: table_00003")),
        "{added:?}"
    );
    assert!(after.contains("# Our postgres capture. Keep this comment."));
    assert!(after.contains("# the users table"));
    assert!(
        !dir.path().join("events.schema.yaml").exists(),
        "its schema file goes"
    );
    let config_after =
        std::fs::read_to_string(dir.path().join("source-postgres.config.yaml")).unwrap();
    assert_eq!(
        config_before, config_after,
        "the config file is left as it was"
    );
}

#[test]
fn the_first_screen_lists_catalogs_and_opens_one() {
    let dir = tempfile::tempdir().unwrap();
    write_catalog(dir.path());
    let mut s = state_at(80, 24);
    let cmds = update::scan_catalogs(&mut s);
    let [Cmd::ScanCatalogs(id)] = cmds[..] else {
        panic!("{cmds:?}")
    };
    let mut found = edit::list_catalogs(dir.path());
    found[0].file = "./source-postgres.flow.yaml".into();
    send(&mut s, [Msg::Task(id, TaskMsg::Catalogs(found))]);
    assert_eq!(s.connector.rows[0], Row::Catalog(0, 0));
    assert_eq!(
        s.connector.matches(),
        s.connector.total(),
        "catalogs are not connectors"
    );
    let cmds = send(&mut s, [key(KeyCode::Enter)]);
    let Some(Cmd::OpenCatalog { id, name, .. }) = cmds.last().cloned() else {
        panic!("{cmds:?}")
    };
    assert_eq!(name, "acmeCo/source-postgres");
    let task = opened_task(dir.path());
    let cmds = send(
        &mut s,
        [Msg::Task(id, TaskMsg::CatalogOpened(Ok(Box::new(task))))],
    );
    assert_eq!(s.step, StepId::Spec);
    assert!(matches!(cmds[..], [Cmd::FetchSpec { .. }]), "{cmds:?}");
    assert_eq!(s.flow().steps.first(), Some(&StepId::Config));
}

#[test]
fn a_catalog_that_cannot_be_opened_says_why_on_the_list() {
    let mut s = state_at(80, 24);
    let [Cmd::ScanCatalogs(id)] = update::scan_catalogs(&mut s)[..] else {
        panic!()
    };
    let found = vec![edit::CatalogSummary {
        file: "./x.flow.yaml".into(),
        tasks: vec![edit::TaskSummary {
            name: "acmeCo/x".into(),
            kind: crate::model::ConnectorKind::Capture,
            connector: "source-x".into(),
            bindings: 1,
            disabled: 0,
        }],
    }];
    send(&mut s, [Msg::Task(id, TaskMsg::Catalogs(found))]);
    let cmds = send(&mut s, [key(KeyCode::Enter)]);
    let Some(Cmd::OpenCatalog { id, .. }) = cmds.last().cloned() else {
        panic!("{cmds:?}")
    };
    send(
        &mut s,
        [Msg::Task(
            id,
            TaskMsg::CatalogOpened(Err(TaskError::environment("sops: no key could decrypt it"))),
        )],
    );
    assert_eq!(s.step, StepId::Connector);
    assert!(
        render(&s).contains("no key could decrypt"),
        "{}",
        render(&s)
    );
}

#[test]
fn catalog_list_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    write_catalog(dir.path());
    snap("edit_catalog_list", |w, h| {
        let mut s = state_at(w, h);
        let [Cmd::ScanCatalogs(id)] = update::scan_catalogs(&mut s)[..] else {
            panic!()
        };
        let mut found = edit::list_catalogs(dir.path());
        found[0].file = "./source-postgres.flow.yaml".into();
        send(&mut s, [Msg::Task(id, TaskMsg::Catalogs(found))]);
        s
    });
}

#[test]
fn changes_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    write_catalog(dir.path());
    snap("edit_changes", |w, h| {
        let mut s = to_changes(w, h, dir.path());
        // The changed binding has the focus, its choice moved to "keep old schema".
        send(
            &mut s,
            [
                key(KeyCode::Down),
                key(KeyCode::Down),
                key(KeyCode::Down),
                ch(' '),
            ],
        );
        s
    });
}

#[test]
fn a_renamed_collection_and_an_enabled_binding_are_written_back() {
    let dir = tempfile::tempdir().unwrap();
    write_catalog(dir.path());
    let mut s = to_config(80, 24, dir.path());
    to_bindings_of(&mut s);
    // Rename users' collection (the first row) to people.
    send(&mut s, [key(KeyCode::Enter), ctrl('u')]);
    send(&mut s, typed("people"));
    send(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(s.bindings.items[0].name, "people");
    let cmds = send(&mut s, [ctrl('n')]);
    let (id, req) = plan_of(&cmds);
    assert_eq!(
        req.task.renames().get("users").map(String::as_str),
        Some("acmeCo/people")
    );
    let p = crate::tui::saving::plan(&req).expect("a plan");
    send(&mut s, [Msg::Task(id, TaskMsg::Planned(Ok(Box::new(p))))]);
    let users = s.changes.rows.iter().find(|r| r.id == "users").unwrap();
    assert_eq!(users.renamed.as_deref(), Some("acmeCo/people"));
    assert!(render(&s).contains("⇒ acmeCo/people"), "{}", render(&s));
    // Enable audit_log.
    let at = s
        .changes
        .rows
        .iter()
        .position(|r| r.id == "audit_log")
        .unwrap();
    send(&mut s, (0..at).map(|_| key(KeyCode::Down)));
    // Changed and disabled: accept, keep old schema, enable, backfill.
    send(&mut s, [ch(' '), ch(' ')]);
    assert_eq!(opened::choice(&s, "audit_log"), Choice::Enable);
    let cmds = changes_to_review(&mut s);
    answer_check(&mut s, &cmds);
    let (id, req) = plan_of(&cmds);
    let preview = crate::tui::saving::plan(&req).unwrap();
    send(
        &mut s,
        [Msg::Task(id, TaskMsg::Planned(Ok(Box::new(preview))))],
    );
    let cmds = send(&mut s, [key(KeyCode::Enter)]);
    let Some(Cmd::Save(_, req)) = cmds.last().cloned() else {
        panic!("{cmds:?} {}", render(&s))
    };
    crate::tui::saving::save(&req).unwrap();
    let after = std::fs::read_to_string(dir.path().join("source-postgres.flow.yaml")).unwrap();
    let (removed, added) = crate::text::line_diff(CATALOG, &after);
    assert_eq!(
        removed,
        [
            "        target: acmeCo/users",
            "        disable: true",
            "  acmeCo/users:"
        ],
        "{after}"
    );
    assert_eq!(
        added,
        ["        target: acmeCo/people", "  acmeCo/people:"],
        "{after}"
    );
    assert!(after.contains("# the users table"));
}

#[test]
fn the_review_of_an_edit_says_it_writes_back_and_asks_no_merge_question() {
    let dir = tempfile::tempdir().unwrap();
    write_catalog(dir.path());
    let mut s = to_changes(80, 24, dir.path());
    let cmds = changes_to_review(&mut s);
    answer_check(&mut s, &cmds);
    let (id, req) = plan_of(&cmds);
    let preview = crate::tui::saving::plan(&req).unwrap();
    send(
        &mut s,
        [Msg::Task(id, TaskMsg::Planned(Ok(Box::new(preview))))],
    );
    let screen = render(&s);
    assert!(
        screen.contains("Saving writes the reviewed changes back"),
        "{screen}"
    );
    assert!(!screen.contains("merge or overwrite"), "{screen}");
}

#[test]
fn an_opened_catalog_keeps_its_directory_prefix_and_name_on_the_review() {
    use crate::tui::steps::review::Input;
    let dir = tempfile::tempdir().unwrap();
    write_catalog(dir.path());
    let mut s = to_changes(80, 24, dir.path());
    let cmds = changes_to_review(&mut s);
    answer_check(&mut s, &cmds);
    assert_eq!(s.step, StepId::Review);
    for input in [Input::Directory, Input::Prefix, Input::Name] {
        let before = s.review.value(input).to_string();
        s.review.focus = input as usize;
        send(&mut s, [key(KeyCode::Char('x')), key(KeyCode::Backspace)]);
        assert_eq!(s.review.value(input), before, "{input:?} changed");
        let problem = s.review.problem.clone().unwrap_or_default();
        assert!(
            problem.contains("saved back into its own files"),
            "{problem}"
        );
    }
}

#[test]
fn a_local_endpoints_env_goes_with_its_connector_runs_and_never_into_the_draft() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("local.flow.yaml"),
        "captures:
  acmeCo/local:
    endpoint:
      local:
        command: [flow-fixture, --verbose]
        env: {FIXTURE_ROLE: capture, API_TOKEN: tok-local-secret-1234}
        config: {host: db.internal}
    bindings: []
",
    )
    .unwrap();
    let task = edit::open(&dir.path().join("local.flow.yaml"), None).unwrap();
    let choice = opened::choice_of(&task);
    let crate::connector::Endpoint::Local { command, env } = choice.endpoint() else {
        panic!("{choice:?}")
    };
    assert_eq!(command, ["flow-fixture", "--verbose"]);
    assert_eq!(env["FIXTURE_ROLE"], "capture");
    assert_eq!(env["API_TOKEN"], "tok-local-secret-1234");
    // The draft file keeps the choice, never its environment.
    let saved = serde_json::to_string(&choice).unwrap();
    assert!(!saved.contains("tok-local-secret"), "{saved}");
    assert!(saved.contains("flow-fixture"), "{saved}");
}
