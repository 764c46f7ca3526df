//! Pure update tests of steps 5 to 7: going forward and back without losing anything, toggling, select
//! all/none of a filtered list, renaming, resuming a draft with its selections, stale reports dropped,
//! and no secret in any draft or logged command.

use super::flow_support::*;
use super::support::*;
use crate::tui::draft::Draft;
use crate::tui::msg::{Cmd, Msg, TaskError, TaskMsg};
use crate::tui::state::{State, StepId};
use crate::tui::steps::check;
use crate::tui::theme::Theme;
use ratatui::crossterm::event::KeyCode;
use std::sync::Arc;

fn names(s: &State) -> Vec<String> {
    s.bindings
        .visible
        .iter()
        .map(|&i| s.bindings.items[i].name.clone())
        .collect()
}

#[test]
fn forward_to_save_and_back_to_the_tunnel_keeps_everything() {
    let mut s = to_bindings(80, 24, 5);
    assert_eq!(s.bindings.selected, 4, "audit_log is proposed disabled");
    assert_eq!(
        names(&s),
        ["users", "events", "audit_log", "table_00003", "table_00004"]
    );
    send(&mut s, [ch(' ')]);
    let cmds = skip_preview(&mut s);
    assert!(
        cmds.iter().any(|c| matches!(c, Cmd::PlanSave(..))),
        "{cmds:?}"
    );
    assert!(
        cmds.iter().any(|c| matches!(c, Cmd::SaveDraft(..))),
        "{cmds:?}"
    );
    assert_eq!(s.review.field(1), "acmeCo");
    assert_eq!(s.review.field(2), "source-postgres");
    // Back, back, back: nothing runs again, nothing is lost.
    send(&mut s, [key(KeyCode::Esc)]);
    assert_eq!(s.step, StepId::Bindings);
    assert_eq!(s.bindings.selected, 3);
    send(&mut s, [key(KeyCode::Esc)]);
    assert_eq!(s.step, StepId::Check);
    assert_eq!(s.check.phase, check::Phase::Passed);
    send(&mut s, [key(KeyCode::Esc)]);
    assert_eq!(s.step, StepId::Tunnel);
    // Forward again with the same config: the check and discover are not run again.
    let cmds = send(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(s.step, StepId::Check);
    assert!(
        !cmds.iter().any(|c| matches!(c, Cmd::Check { .. })),
        "{cmds:?}"
    );
    let cmds = send(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(s.step, StepId::Bindings);
    assert!(
        !cmds.iter().any(|c| matches!(c, Cmd::Discover { .. })),
        "{cmds:?}"
    );
    assert_eq!(s.bindings.selected, 3);
    // A changed config is checked again.
    send(&mut s, [key(KeyCode::Esc), key(KeyCode::Esc)]);
    assert_eq!(s.step, StepId::Tunnel);
    if let Some(c) = s.answers.config.as_mut() {
        c["host"] = "db2.internal".into();
    }
    let cmds = send(&mut s, [key(KeyCode::Enter)]);
    assert!(
        cmds.iter().any(|c| matches!(c, Cmd::Check { .. })),
        "{cmds:?}"
    );
}

#[test]
fn esc_cancels_a_running_check_and_discover() {
    let (mut s, cmds) = to_check(80, 24);
    let id = check_id(&cmds);
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Cmd::Check { name, .. } if name == "acmeCo/source-postgres")),
        "the check validates the capture as it will be named: {cmds:?}"
    );
    let cmds = send(&mut s, [key(KeyCode::Esc)]);
    assert_eq!(cmds, vec![Cmd::Cancel(id)]);
    assert_eq!(s.step, StepId::Tunnel);
    let (mut s, id) = to_discover(80, 24);
    let cmds = send(&mut s, [key(KeyCode::Esc)]);
    assert!(cmds.contains(&Cmd::Cancel(id)), "{cmds:?}");
    assert_eq!(s.step, StepId::Check);
}

#[test]
fn a_failed_check_offers_retry_fix_and_skip() {
    let (mut s, cmds) = to_check(80, 24);
    let id = check_id(&cmds);
    send(
        &mut s,
        [Msg::Task(
            id,
            TaskMsg::Checked(Err(TaskError::failed("password authentication failed"))),
        )],
    );
    assert!(matches!(s.check.phase, check::Phase::Failed(_)));
    let cmds = send(&mut s, [ch('r')]);
    let again = check_id(&cmds);
    assert_ne!(again, id);
    send(
        &mut s,
        [Msg::Task(
            again,
            TaskMsg::Checked(Err(TaskError::failed("still failing"))),
        )],
    );
    send(&mut s, [ch('e')]);
    assert_eq!(s.step, StepId::Config);
    assert!(s.config.form.is_some(), "the form is kept");
    let cmds = send(&mut s, [ctrl('n'), key(KeyCode::Enter)]);
    assert_eq!(s.step, StepId::Check);
    let third = check_id(&cmds);
    send(
        &mut s,
        [Msg::Task(
            third,
            TaskMsg::Checked(Err(TaskError::failed("no route to host"))),
        )],
    );
    // Skipping goes on to discover anyway.
    let cmds = send(&mut s, [ch('s')]);
    assert_eq!(s.step, StepId::Bindings);
    discover_id(&cmds);
    assert_eq!(s.check.phase, check::Phase::Skipped);
    let screen = render(&s);
    assert!(
        screen.contains("!5 Check"),
        "a skipped check is not ticked:\n{screen}"
    );
}

#[test]
fn stale_reports_are_dropped() {
    let (mut s, cmds) = to_check(80, 24);
    let old = check_id(&cmds);
    send(&mut s, [key(KeyCode::Esc)]);
    let cmds = send(&mut s, [key(KeyCode::Enter)]);
    let new = check_id(&cmds);
    assert_ne!(old, new);
    send(&mut s, [Msg::Task(old, TaskMsg::Checked(Ok(())))]);
    assert_eq!(
        s.check.phase,
        check::Phase::Working,
        "a late answer of the cancelled check"
    );
    send(&mut s, [Msg::Task(new, TaskMsg::Checked(Ok(())))]);
    assert_eq!(s.check.phase, check::Phase::Passed);
    // Discover: an old result never replaces the list.
    let cmds = send(&mut s, [key(KeyCode::Enter)]);
    let first = discover_id(&cmds);
    let cmds = send(&mut s, [key(KeyCode::Esc), key(KeyCode::Enter)]);
    let second = discover_id(&cmds);
    send(
        &mut s,
        [Msg::Task(
            first,
            TaskMsg::Discovered(Ok(Arc::new(discovered(7)))),
        )],
    );
    assert!(s.bindings.items.is_empty());
    send(
        &mut s,
        [Msg::Task(
            second,
            TaskMsg::Discovered(Ok(Arc::new(discovered(2)))),
        )],
    );
    assert_eq!(s.bindings.items.len(), 2);
    // And a stale plan never replaces the preview.
    let cmds = skip_preview(&mut s);
    let (plan, _) = plan_of(&cmds);
    // Up four times: from the Save button to the name.
    send(
        &mut s,
        [
            key(KeyCode::Up),
            key(KeyCode::Up),
            key(KeyCode::Up),
            key(KeyCode::Up),
            ch('x'),
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    answer_plan(&mut s, &cmds, dir.path());
    assert!(s.review.preview.is_none(), "plan {plan:?} is stale");
}

#[test]
fn toggling_and_select_all_or_none_of_the_filtered_set() {
    let mut s = to_bindings(80, 24, 30);
    assert_eq!(s.bindings.selected, 29);
    send(&mut s, [ch(' ')]);
    assert!(!s.bindings.items[0].selected);
    send(&mut s, [ch(' ')]);
    assert!(s.bindings.items[0].selected);
    send(&mut s, [ch('/')]);
    send(&mut s, typed("TABLE_0001"));
    assert_eq!(
        names(&s),
        (10..20)
            .map(|i| format!("table_{i:05}"))
            .collect::<Vec<_>>()
    );
    send(&mut s, [key(KeyCode::Enter), ch('n')]);
    assert_eq!(s.bindings.selected, 19, "only the ten shown are deselected");
    assert!(s.bindings.items[3].selected && !s.bindings.items[12].selected);
    send(&mut s, [ch('a')]);
    assert_eq!(s.bindings.selected, 29);
    // Clearing the filter shows everything again; `n` then deselects all.
    send(&mut s, [ch('/'), ctrl('u'), key(KeyCode::Esc), ch('n')]);
    assert_eq!(s.bindings.visible.len(), 30);
    assert_eq!(s.bindings.selected, 0);
    // The mouse: a click on a row's box toggles it, the wheel moves.
    let body = crate::tui::view::areas(s.screen()).body;
    let list_y = body.y + 2;
    send(&mut s, [click(1, list_y + 2)]);
    assert_eq!(s.bindings.nav.selected, 2);
    assert!(s.bindings.items[2].selected);
    send(&mut s, [wheel_down(10, list_y)]);
    assert_eq!(s.bindings.nav.selected, 5);
}

fn edit_error(s: &State) -> String {
    s.bindings
        .edit
        .as_ref()
        .and_then(|e| e.error.clone())
        .expect("refused")
}

#[test]
fn renaming_checks_names_and_refuses_duplicates() {
    let mut s = to_bindings(80, 24, 5);
    send(&mut s, [key(KeyCode::Down), key(KeyCode::Enter), ctrl('u')]);
    send(&mut s, typed("Users"));
    send(&mut s, [key(KeyCode::Enter)]);
    let e = edit_error(&s);
    assert!(
        e.contains("acmeCo/Users") && e.contains("another binding"),
        "{e}"
    );
    send(&mut s, [ctrl('u')]);
    send(&mut s, typed("bad name!"));
    send(&mut s, [key(KeyCode::Enter)]);
    let e = edit_error(&s);
    assert!(e.contains("' ' (a space)"), "{e}");
    send(&mut s, [ctrl('u')]);
    send(&mut s, typed("web/events"));
    send(&mut s, [key(KeyCode::Enter)]);
    assert!(s.bindings.edit.is_none());
    assert_eq!(s.bindings.items[1].name, "web/events");
    // Esc cancels an edit.
    send(&mut s, [key(KeyCode::Enter), ch('z'), key(KeyCode::Esc)]);
    assert_eq!(s.bindings.items[1].name, "web/events");
    // The name is saved with the selection.
    let answer = s.bindings.answer();
    assert_eq!(
        answer.names.get("events").map(String::as_str),
        Some("web/events"),
        "{answer:?}"
    );
}

#[test]
fn resuming_a_draft_restores_selections_and_names() {
    let mut s = to_bindings(80, 24, 6);
    send(
        &mut s,
        [ch(' '), key(KeyCode::Down), key(KeyCode::Down), ch(' ')],
    );
    send(&mut s, [key(KeyCode::Down), key(KeyCode::Enter), ctrl('u')]);
    send(&mut s, typed("renamed"));
    send(&mut s, [key(KeyCode::Enter), ch(' ')]);
    let cmds = send(&mut s, [ctrl('n')]);
    let draft = cmds
        .iter()
        .find_map(|c| match c {
            Cmd::SaveDraft(_, d) => Some(d.clone()),
            _ => None,
        })
        .expect("the draft is saved");
    // Through JSON, as on disk.
    let draft: Draft = serde_json::from_str(&serde_json::to_string(&draft).unwrap()).unwrap();
    let mut r = State::new(
        Theme::default(),
        crate::tui::connectors::curated(),
        Some(draft),
    );
    r.size = (80, 24);
    let cmds = send(&mut r, [key(KeyCode::Enter)]);
    send(
        &mut r,
        [Msg::Task(
            fetch_id(&cmds),
            TaskMsg::Spec(Ok(Box::new(outcome(false)))),
        )],
    );
    assert_eq!(r.step, StepId::Config);
    // The password is typed again (the draft has none); the host came back.
    assert_eq!(
        r.answers
            .config_values
            .as_ref()
            .and_then(|v| v.get("host"))
            .and_then(|v| v.as_str()),
        Some("db.internal")
    );
    send(&mut r, typed(PASSWORD));
    send(&mut r, [ctrl('n')]);
    assert_eq!(r.step, StepId::Tunnel, "{}", render(&r));
    let cmds = send(&mut r, [key(KeyCode::Enter)]);
    send(
        &mut r,
        [Msg::Task(check_id(&cmds), TaskMsg::Checked(Ok(())))],
    );
    let cmds = send(&mut r, [key(KeyCode::Enter)]);
    send(
        &mut r,
        [Msg::Task(
            discover_id(&cmds),
            TaskMsg::Discovered(Ok(Arc::new(discovered(6)))),
        )],
    );
    let selected: Vec<bool> = r.bindings.items.iter().map(|i| i.selected).collect();
    assert_eq!(selected, [false, true, true, false, true, true]);
    assert_eq!(r.bindings.items[3].name, "renamed");
    assert_eq!(r.bindings.selected, 4);
}

#[test]
fn no_draft_and_no_logged_command_holds_the_password() {
    let mut s = to_bindings(80, 24, 3);
    let mut cmds = skip_preview(&mut s);
    let dir = tempfile::tempdir().unwrap();
    answer_plan(&mut s, &cmds, dir.path());
    cmds.extend(send(&mut s, [key(KeyCode::Enter)]));
    assert!(cmds.iter().any(|c| matches!(c, Cmd::Save(..))), "{cmds:?}");
    // The config itself has it (it is written to the config file)...
    assert_eq!(
        s.answers
            .config
            .as_ref()
            .and_then(|c| c.get("password"))
            .and_then(|v| v.as_str()),
        Some(PASSWORD)
    );
    // ...but no draft, no command as logged, no answer as logged.
    let draft = serde_json::to_string(&Draft::new(s.answers.clone())).unwrap();
    assert!(
        draft.contains("db.internal") && draft.contains("source-postgres"),
        "{draft}"
    );
    assert!(!draft.contains(PASSWORD), "{draft}");
    for c in &cmds {
        let logged = format!("{c:?}");
        assert!(!logged.contains(PASSWORD), "{logged}");
        if let Cmd::SaveDraft(_, d) = c {
            assert!(!serde_json::to_string(d).unwrap().contains(PASSWORD));
        }
    }
    assert!(!format!("{:?}", s.answers).contains(PASSWORD));
}

#[test]
fn quitting_after_the_save_does_not_ask() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_review(80, 24, dir.path());
    send(&mut s, [ctrl('c')]);
    assert!(!s.quit, "unsaved answers: asks first");
    send(&mut s, [ch('n')]);
    let cmds = send(&mut s, [key(KeyCode::Enter)]);
    let Some(Cmd::Save(id, req)) = cmds.last().cloned() else {
        panic!("{cmds:?}")
    };
    let mut req = (*req).clone();
    req.dir = dir.path().display().to_string();
    let done = crate::tui::saving::save(&req).unwrap();
    let cmds = send(&mut s, [Msg::Task(id, TaskMsg::Saved(Ok(Box::new(done))))]);
    assert!(
        cmds.iter().any(|c| matches!(c, Cmd::ClearDraft(_))),
        "{cmds:?}"
    );
    send(&mut s, [ctrl('c')]);
    assert!(s.quit);
}

#[test]
fn a_save_over_changed_files_asks_merge_or_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_review(80, 24, dir.path());
    let cmds = send(&mut s, [key(KeyCode::Enter)]);
    let Some(Cmd::Save(_, req)) = cmds.last().cloned() else {
        panic!("{cmds:?}")
    };
    let mut req = (*req).clone();
    req.dir = dir.path().display().to_string();
    crate::tui::saving::save(&req).unwrap();
    // The person edits the catalog by hand; a new save with another config must ask.
    let flow = dir.path().join("source-postgres.flow.yaml");
    let mut doc: serde_json::Value =
        serde_yaml::from_str(&std::fs::read_to_string(&flow).unwrap()).unwrap();
    doc["captures"]["acmeCo/source-postgres"]["interval"] = "10m".into();
    std::fs::write(&flow, crate::catalog::to_yaml(&doc).unwrap()).unwrap();
    req.config["host"] = "db2.internal".into();
    let e = crate::tui::saving::save(&req).unwrap_err();
    assert!(e.message.contains("would change"), "{e}");
    let p = crate::tui::saving::plan(&req).unwrap();
    assert!(p.touches_existing());
    assert!(
        p.merged
            .as_deref()
            .is_some_and(|m| m.contains("0 added, 2 kept")),
        "{p:?}"
    );
    req.confirmed = true;
    let done = crate::tui::saving::save(&req).unwrap();
    assert!(
        std::fs::read_to_string(&flow)
            .unwrap()
            .contains("interval: 10m"),
        "merged: the edit is kept"
    );
    assert!(
        std::fs::read_to_string(&done.config_file)
            .unwrap()
            .contains("db2.internal")
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&done.config_file)
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    // Overwrite replaces the hand edit.
    req.replace = true;
    crate::tui::saving::save(&req).unwrap();
    assert!(!std::fs::read_to_string(&flow).unwrap().contains("interval"));
}

#[test]
fn the_help_lists_the_new_keys_and_the_bar_follows_the_state() {
    let all: Vec<String> = crate::tui::keys::overlay(&[])
        .0
        .into_iter()
        .flat_map(|(title, rows)| {
            std::iter::once(title.to_string())
                .chain(rows.into_iter().map(|(k, d)| format!("{k} {d}")))
        })
        .collect();
    for wanted in [
        "Bindings list",
        "Space Select or deselect this binding",
        "a Select every binding shown (the filtered ones)",
        "m Merge into the existing catalog (its edits are kept)",
        "s Go on to the bindings without a passing check",
    ] {
        assert!(
            all.iter().any(|l| l == wanted),
            "{wanted} missing from {all:#?}"
        );
    }
    let mut s = to_bindings(120, 40, 3);
    let screen = render(&s);
    assert!(
        screen.contains("Space toggle") && screen.contains("^N next step"),
        "{screen}"
    );
    send(&mut s, [ch('/')]);
    assert!(render(&s).contains("Enter done"));
}

#[test]
fn a_rename_that_a_merge_would_not_apply_is_asked_about() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_review(80, 24, dir.path());
    let cmds = send(&mut s, [key(KeyCode::Enter)]);
    let Some(Cmd::Save(save_id, req)) = cmds.last().cloned() else {
        panic!("{cmds:?}")
    };
    let mut req = (*req).clone();
    req.dir = dir.path().display().to_string();
    crate::tui::saving::save(&req).unwrap();
    // The person renames `users`: the file keeps `acmeCo/users`, so a merge would drop the rename.
    std::sync::Arc::make_mut(&mut req.task).bindings[0].collection = "acmeCo/people".into();
    let p = crate::tui::saving::plan(&req).unwrap();
    assert!(
        p.files
            .iter()
            .all(|f| f.1 == crate::catalog::FileStatus::Unchanged),
        "{p:?}"
    );
    assert_eq!(
        p.kept_as_is,
        ["acmeCo/people stays acmeCo/users as in the file"]
    );
    assert!(p.touches_existing());
    let e = crate::tui::saving::save(&req).unwrap_err();
    assert!(
        e.message.contains("acmeCo/people stays acmeCo/users"),
        "{e}"
    );
    let flow = dir.path().join("source-postgres.flow.yaml");
    req.confirmed = true;
    crate::tui::saving::save(&req).unwrap();
    assert!(
        !std::fs::read_to_string(&flow)
            .unwrap()
            .contains("acmeCo/people")
    );
    req.replace = true;
    crate::tui::saving::save(&req).unwrap();
    assert!(
        std::fs::read_to_string(&flow)
            .unwrap()
            .contains("target: acmeCo/people")
    );
    // The question on screen says so (the save in the wizard is answered first: it wrote elsewhere).
    send(
        &mut s,
        [Msg::Task(
            save_id,
            TaskMsg::Saved(Err(TaskError::invalid("written by the test"))),
        )],
    );
    let id = s.next_req();
    s.review.plan_req = Some(id);
    req.replace = false;
    std::sync::Arc::make_mut(&mut req.task).bindings[1].collection = "acmeCo/clicks".into();
    let mut p = crate::tui::saving::plan(&req).unwrap();
    p.dir = "/home/ana/catalogs".into();
    send(&mut s, [Msg::Task(id, TaskMsg::Planned(Ok(Box::new(p))))]);
    send(&mut s, [ctrl('s')]);
    let screen = render(&s);
    assert!(
        screen.contains("A merge keeps what the catalog file says"),
        "{screen}"
    );
}

#[test]
fn a_failure_shows_the_newest_log_lines_and_scrolls_back() {
    let (mut s, cmds) = to_check(80, 24);
    let id = check_id(&cmds);
    let mut msgs: Vec<Msg> = (0..30)
        .map(|i| {
            Msg::Task(
                id,
                TaskMsg::Log(log(crate::model::LogLevel::Info, &format!("line {i:02}"))),
            )
        })
        .collect();
    msgs.push(Msg::Task(
        id,
        TaskMsg::Checked(Err(TaskError::failed("refused"))),
    ));
    send(&mut s, msgs);
    let screen = render(&s);
    assert!(
        screen.contains("line 29") && !screen.contains("line 10"),
        "{screen}"
    );
    send(&mut s, [key(KeyCode::PageUp)]);
    let screen = render(&s);
    assert!(
        screen.contains("line 10") && !screen.contains("line 29"),
        "{screen}"
    );
    send(&mut s, (0..10).map(|_| key(KeyCode::PageUp)));
    assert!(render(&s).contains("line 00"));
    send(&mut s, (0..10).map(|_| key(KeyCode::PageDown)));
    assert!(render(&s).contains("line 29"));
}

#[test]
fn typing_while_the_files_are_planned_plans_once_more_afterwards() {
    let mut s = to_bindings(80, 24, 3);
    let cmds = skip_preview(&mut s);
    let (first, _) = plan_of(&cmds);
    let cmds = send(
        &mut s,
        [
            key(KeyCode::Up),
            key(KeyCode::Up),
            key(KeyCode::Up),
            key(KeyCode::Up),
            ch('x'),
            ch('y'),
        ],
    );
    assert!(
        !cmds.iter().any(|c| matches!(c, Cmd::PlanSave(..))),
        "one plan at a time: {cmds:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    let mut req = crate::tui::steps::review::request(&s, false, false).unwrap();
    req.dir = dir.path().display().to_string();
    let p = crate::tui::saving::plan(&req).unwrap();
    let cmds = send(
        &mut s,
        [Msg::Task(first, TaskMsg::Planned(Ok(Box::new(p))))],
    );
    assert!(
        s.review.preview.is_none(),
        "the answer was for other fields"
    );
    let (second, again) = plan_of(&cmds);
    assert_ne!(first, second);
    assert_eq!(again.task.name, "source-postgresxy");
    answer_plan(&mut s, &cmds, dir.path());
    let p = s.review.preview.as_ref().expect("planned");
    assert!(
        p.files.iter().any(|f| f.0 == "source-postgresxy.flow.yaml"),
        "{p:?}"
    );
}

#[test]
fn tab_cycles_the_review_fields_and_only_enter_on_save_writes() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_review(80, 24, dir.path());
    assert_eq!(s.review.focus, crate::tui::steps::review::SAVE_BUTTON);
    let cmds = send(&mut s, [key(KeyCode::Tab)]);
    assert!(cmds.is_empty(), "{cmds:?}");
    assert_eq!(s.review.focus, 0);
    send(&mut s, [key(KeyCode::Enter), key(KeyCode::Enter)]);
    assert_eq!(s.review.focus, 2);
    let cmds = send(
        &mut s,
        [key(KeyCode::Up), key(KeyCode::Up), key(KeyCode::Up)],
    );
    assert!(cmds.is_empty());
    assert_eq!(s.review.focus, crate::tui::steps::review::SAVE_BUTTON);
    let cmds = send(&mut s, [key(KeyCode::Enter)]);
    assert!(cmds.iter().any(|c| matches!(c, Cmd::Save(..))), "{cmds:?}");
}

#[test]
fn a_materialization_is_told_there_is_nothing_to_discover() {
    let (mut s, cmds) = to_check(80, 24);
    send(
        &mut s,
        [Msg::Task(check_id(&cmds), TaskMsg::Checked(Ok(())))],
    );
    if let Some(o) = s.spec.outcome.as_mut() {
        o.kind = crate::model::ConnectorKind::Materialize;
    }
    let cmds = send(&mut s, [key(KeyCode::Enter)]);
    assert!(
        !cmds.iter().any(|c| matches!(c, Cmd::Discover { .. })),
        "{cmds:?}"
    );
    let screen = render(&s);
    assert!(
        screen.contains("is a materialization connector"),
        "{screen}"
    );
}

#[test]
fn the_ssh_path_is_ticked_off_and_an_unknown_host_key_is_asked_about() {
    use crate::tui::steps::check::{Mark, Phase};
    use crate::tunnel::{Step, TunnelError};
    let (mut s, id) = to_tunnel_check(80, 24);
    let path = s.check.ssh.clone().expect("the path is shown");
    assert!(path.catwalk);
    assert_eq!(path.target.as_deref(), Some("db.internal:5432"));
    send(&mut s, [Msg::Task(id, TaskMsg::SshStep(Step::HostKey))]);
    assert_eq!(
        s.check.ssh.as_ref().unwrap().marks,
        [Mark::Passed, Mark::Passed, Mark::Waiting, Mark::Waiting]
    );
    // An unknown key: the question; n goes back, nothing is recorded.
    send(
        &mut s,
        [Msg::Task(
            id,
            TaskMsg::HostKeyUnknown(Box::new(host_key_ask())),
        )],
    );
    assert!(matches!(s.check.phase, Phase::HostKey(_)));
    assert!(render(&s).contains("SHA256:Sxz+1yfEuMwcX131qz5pREAO+Ual/SP8MUj2mFfBRsw"));
    let cmds = send(&mut s, [ch('n')]);
    assert_eq!(s.step, StepId::Tunnel);
    assert!(
        cmds.iter().all(|c| !matches!(c, Cmd::Check { .. })),
        "{cmds:?}"
    );
    // Again, and y: the check runs once more with the key to record.
    let (mut s, id) = to_tunnel_check(80, 24);
    send(
        &mut s,
        [Msg::Task(
            id,
            TaskMsg::HostKeyUnknown(Box::new(host_key_ask())),
        )],
    );
    let cmds = send(&mut s, [ch('y')]);
    let accepted = cmds.iter().find_map(|c| match c {
        Cmd::Check { ssh, .. } => ssh.accept.clone(),
        _ => None,
    });
    assert_eq!(accepted, Some(host_key_ask()));
    assert!(s.check.is_working());
    // A failure at login: that step is marked, the message is the tunnel's.
    let id = check_id(&cmds);
    send(
        &mut s,
        [
            Msg::Task(id, TaskMsg::SshStep(Step::HostKey)),
            Msg::Task(
                id,
                TaskMsg::SshFailed(TunnelError::new(Step::Auth, "refused user ana")),
            ),
            // Late reports of the finished task are dropped.
            Msg::Task(id, TaskMsg::Checked(Ok(()))),
        ],
    );
    assert_eq!(
        s.check.ssh.as_ref().unwrap().marks,
        [Mark::Passed, Mark::Passed, Mark::Failed, Mark::Waiting]
    );
    assert!(
        matches!(&s.check.phase, Phase::Failed(e) if e.message.contains("step 3 of 4, logging in: refused user ana"))
    );
    assert!(!render(&s).contains("not-a-real-key"));
}

#[test]
fn a_catwalk_tunnel_goes_to_discover_too_with_its_passphrase_but_never_to_the_draft() {
    let (mut s, id) = to_tunnel_check(80, 24);
    if let Some(crate::tui::steps::tunnel::TunnelAnswer::Catwalk(t)) = s.answers.tunnel.as_mut() {
        t.passphrase = crate::tui::steps::tunnel::SecretText("pass-phrase-9".into());
    }
    send(
        &mut s,
        [Msg::Task(
            id,
            TaskMsg::SshReady("SSH tunnel open: 127.0.0.1:40001".into()),
        )],
    );
    assert!(render(&s).contains("SSH tunnel open: 127.0.0.1:40001"));
    send(&mut s, [Msg::Task(id, TaskMsg::Checked(Ok(())))]);
    let cmds = send(&mut s, [key(KeyCode::Enter)]);
    let (config, ssh) = cmds
        .iter()
        .find_map(|c| match c {
            Cmd::Discover { config, ssh, .. } => Some(((**config).clone(), ssh.clone())),
            _ => None,
        })
        .expect("discover runs");
    assert_eq!(
        config["networkTunnel"]["rewrite"],
        serde_json::json!(["/host"])
    );
    assert_eq!(
        ssh.passphrase.map(|p| p.expose().to_string()).as_deref(),
        Some("pass-phrase-9")
    );
    let draft = serde_json::to_string(&Draft::new(s.answers.clone())).unwrap();
    assert!(
        !draft.contains("pass-phrase-9") && !draft.contains("not-a-real-key"),
        "{draft}"
    );
}

#[test]
fn a_materialization_walks_its_own_flow_and_the_stepper_names_it() {
    let (mut s, cmds) = to_check(120, 40);
    send(
        &mut s,
        [Msg::Task(check_id(&cmds), TaskMsg::Checked(Ok(())))],
    );
    if let Some(o) = s.spec.outcome.as_mut() {
        o.kind = crate::model::ConnectorKind::Materialize;
    }
    send(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(s.step, crate::tui::state::StepId::Collections);
    let screen = render(&s);
    let top = screen.lines().next().unwrap_or_default();
    assert!(top.contains("6 Collections"), "{top}");
    assert!(
        top.contains("7 Resources") && top.contains("8 Fields"),
        "{top}"
    );
    assert!(!top.contains("Bindings"), "{top}");
    // Esc goes back to the check, e to the config.
    send(&mut s, [key(KeyCode::Esc)]);
    assert_eq!(s.step, crate::tui::state::StepId::Check);
    send(&mut s, [key(KeyCode::Enter), key(KeyCode::Char('e'))]);
    assert_eq!(s.step, crate::tui::state::StepId::Config);
}

#[test]
fn the_bindings_filter_matches_every_word_in_any_order_as_the_other_lists_do() {
    let mut s = to_bindings(80, 24, 30);
    send(&mut s, [ch('/')]);
    send(&mut s, typed("0002 TABLE"));
    assert_eq!(
        names(&s),
        (20..30)
            .map(|i| format!("table_{i:05}"))
            .collect::<Vec<_>>()
    );
    send(&mut s, [ctrl('u')]);
    send(&mut s, typed("log audit"));
    assert_eq!(names(&s), ["audit_log"]);
}

#[test]
fn a_click_lands_on_the_review_input_drawn_under_it() {
    use crate::tui::steps::review::{Input, SAVE_BUTTON};
    use ratatui::crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_review(80, 24, dir.path());
    let body = crate::tui::layout::areas(s.screen()).body;
    let click = |row: u16| {
        Msg::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: body.x + 14,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    // The row the Name label is drawn on, found on the screen.
    let screen = render(&s);
    let name_row = screen
        .lines()
        .position(|l| {
            l.trim_matches('"')
                .trim_start_matches(['›', ' '])
                .starts_with("Name")
        })
        .expect("the Name label is drawn") as u16;
    send(&mut s, [click(name_row)]);
    assert_eq!(s.review.focus, Input::Name as usize);
    send(&mut s, [click(name_row - 2)]);
    assert_eq!(s.review.focus, Input::Directory as usize);
    let cmds = send(
        &mut s,
        [click(
            name_row + (SAVE_BUTTON - Input::Name as usize) as u16,
        )],
    );
    assert_eq!(s.review.focus, SAVE_BUTTON);
    assert!(
        cmds.iter().any(|c| matches!(c, Cmd::Save(..)))
            || s.review.save_when_checked
            || s.review.question,
        "{cmds:?}"
    );
}
