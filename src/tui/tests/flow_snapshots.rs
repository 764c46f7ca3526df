//! insta snapshots of steps 5 to 7 at 80x24 and 120x40 (in `snapshots/`): the check running, passed,
//! failed with its log tail; the SSH path being checked, failed at login, an unknown host key; discover running; the bindings list,
//! filtered, empty, a name edit refused, a binding without a key; the review with its tree and preview,
//! the merge-or-overwrite question, and the saved screen. No secret shows on any of them.

use super::flow_support::*;
use super::support::*;
use crate::model::LogLevel;
use crate::tui::msg::{Msg, SaveDone, TaskError, TaskMsg};
use crate::tui::state::State;
use crate::tunnel::{Step, TunnelError};
use ratatui::crossterm::event::KeyCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Ticks so the elapsed time reads 2.5 s.
fn tick(s: &mut State) {
    let t0 = Instant::now();
    send(
        s,
        [Msg::Tick(t0), Msg::Tick(t0 + Duration::from_millis(2500))],
    );
}

#[test]
fn check_running() {
    snap("check_running", |w, h| {
        let (mut s, cmds) = to_check(w, h);
        let id = check_id(&cmds);
        tick(&mut s);
        send(
            &mut s,
            [
                Msg::Task(
                    id,
                    TaskMsg::Log(log(LogLevel::Info, "connecting to db.internal:5432")),
                ),
                Msg::Task(
                    id,
                    TaskMsg::Log(log(LogLevel::Info, "checking permissions on schema public")),
                ),
            ],
        );
        s
    });
}

#[test]
fn check_ok() {
    snap("check_ok", |w, h| {
        let (mut s, cmds) = to_check(w, h);
        send(
            &mut s,
            [Msg::Task(check_id(&cmds), TaskMsg::Checked(Ok(())))],
        );
        s
    });
}

#[test]
fn check_failed_with_log_tail() {
    snap("check_failed", |w, h| {
        let (mut s, cmds) = to_check(w, h);
        let id = check_id(&cmds);
        let mut msgs: Vec<Msg> = (0..14)
            .map(|i| {
                Msg::Task(
                    id,
                    TaskMsg::Log(log(
                        LogLevel::Info,
                        &format!("attempt {i}: dialing db.internal:5432"),
                    )),
                )
            })
            .collect();
        msgs.push(Msg::Task(
            id,
            TaskMsg::Log(log(
                LogLevel::Error,
                "password authentication failed for user \"flow\"",
            )),
        ));
        msgs.push(Msg::Task(
            id,
            TaskMsg::Checked(Err(TaskError::failed(
                "image ghcr.io/estuary/source-postgres:dev failed during validate: password authentication failed for user \"flow\""),
            )),
        ));
        send(&mut s, msgs);
        s
    });
}

fn snap_tunnel(name: &str, build: impl Fn(u16, u16) -> State) {
    snap(name, |w, h| {
        let s = build(w, h);
        assert!(!render(&s).contains("not-a-real-key"), "the key shows");
        s
    });
}

#[test]
fn ssh_path_check_in_progress() {
    snap_tunnel("check_ssh_path_running", |w, h| {
        let (mut s, id) = to_tunnel_check(w, h);
        tick(&mut s);
        send(
            &mut s,
            [
                Msg::Task(id, TaskMsg::SshStep(Step::Bastion)),
                Msg::Task(id, TaskMsg::SshStep(Step::HostKey)),
            ],
        );
        s
    });
}

#[test]
fn ssh_path_failed_at_login() {
    snap_tunnel("check_ssh_path_login_failed", |w, h| {
        let (mut s, id) = to_tunnel_check(w, h);
        send(
            &mut s,
            [
                Msg::Task(id, TaskMsg::SshStep(Step::Bastion)),
                Msg::Task(id, TaskMsg::SshStep(Step::HostKey)),
                Msg::Task(
                    id,
                    TaskMsg::SshFailed(TunnelError::new(
                        Step::Auth,
                        "the SSH server refused user ana with this key: either there is no user ana on the server \
                         (check the user in the SSH endpoint), or the key's public half (SHA256:Xn0cKXq1AdwOn2Y4Kq8) \
                         is not in that user's ~/.ssh/authorized_keys (check that you gave the right key).",
                    )),
                ),
            ],
        );
        s
    });
}

#[test]
fn ssh_unknown_host_key_question() {
    snap_tunnel("check_ssh_unknown_host_key", |w, h| {
        let (mut s, id) = to_tunnel_check(w, h);
        send(
            &mut s,
            [Msg::Task(
                id,
                TaskMsg::HostKeyUnknown(Box::new(host_key_ask())),
            )],
        );
        s
    });
}

#[test]
fn discover_running() {
    snap("discover_running", |w, h| {
        let (mut s, id) = to_discover(w, h);
        tick(&mut s);
        send(
            &mut s,
            [Msg::Task(
                id,
                TaskMsg::Log(log(LogLevel::Info, "discovering tables in schema public")),
            )],
        );
        s
    });
}

#[test]
fn bindings_list() {
    snap("bindings_list", |w, h| {
        let mut s = to_bindings(w, h, 40);
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
fn bindings_filtered() {
    snap("bindings_filtered", |w, h| {
        let mut s = to_bindings(w, h, 40);
        send(&mut s, [ch('/')]);
        send(&mut s, typed("table_0001"));
        s
    });
}

#[test]
fn bindings_empty() {
    snap("bindings_empty", |w, h| {
        let (mut s, id) = to_discover(w, h);
        send(
            &mut s,
            [Msg::Task(id, TaskMsg::Discovered(Ok(Arc::new(vec![]))))],
        );
        s
    });
}

#[test]
fn bindings_name_edit_error() {
    snap("bindings_name_error", |w, h| {
        let mut s = to_bindings(w, h, 40);
        send(&mut s, [key(KeyCode::Down), key(KeyCode::Enter), ctrl('u')]);
        send(&mut s, typed("users"));
        send(&mut s, [key(KeyCode::Enter)]);
        s
    });
}

#[test]
fn binding_without_a_key() {
    snap("bindings_no_key", |w, h| {
        let mut s = to_bindings(w, h, 3);
        send(&mut s, [key(KeyCode::Down)]);
        s
    });
}

#[test]
fn review_tree_and_preview() {
    snap("review", |w, h| {
        let dir = tempfile::tempdir().unwrap();
        to_review(w, h, dir.path())
    });
}

#[test]
fn review_existing_files() {
    snap("review_existing", |w, h| {
        let dir = tempfile::tempdir().unwrap();
        let mut s = to_review(w, h, dir.path());
        // Write what the plan shows, then change the config: the flow file exists and merges.
        let mut req = crate::tui::steps::review::request(&s, false, false).unwrap();
        req.dir = dir.path().display().to_string();
        crate::tui::saving::save(&req).unwrap();
        req.config["host"] = "db2.internal".into();
        let mut p = crate::tui::saving::plan(&req).unwrap();
        p.dir = "/home/ana/catalogs".into();
        let id = s.next_req();
        s.review.plan_req = Some(id);
        send(&mut s, [Msg::Task(id, TaskMsg::Planned(Ok(Box::new(p))))]);
        send(&mut s, [ctrl('s')]);
        assert!(s.review.question, "{}", render(&s));
        s
    });
}

#[test]
fn review_saved() {
    snap("review_saved", |w, h| {
        let dir = tempfile::tempdir().unwrap();
        let mut s = to_review(w, h, dir.path());
        let cmds = send(&mut s, [key(KeyCode::Enter)]);
        let id = match cmds.last() {
            Some(crate::tui::msg::Cmd::Save(id, _)) => *id,
            other => panic!("no save: {other:?}"),
        };
        send(
            &mut s,
            [Msg::Task(
                id,
                TaskMsg::Saved(Ok(Box::new(SaveDone {
                    flow_file: "/home/ana/catalogs/source-postgres.flow.yaml".into(),
                    config_file: "/home/ana/catalogs/source-postgres.config.yaml".into(),
                    written: 5,
                    unchanged: 0,
                    capture: "acmeCo/source-postgres".into(),
                    endpoint: Some(crate::catalog::Endpoint::image(
                        "ghcr.io/estuary/source-postgres:dev",
                        crate::catalog::ContentRef::Path("source-postgres.config.yaml".into()),
                    )),
                    pushed: None,
                }))),
            )],
        );
        s
    });
}
