//! Builders for steps 5 to 7: a wizard brought to the check through the real form (host and a password
//! typed), discovered bindings shaped like the Flow fixture's, a real save plan in a temporary directory.

use super::support::*;
use crate::model::DiscoveredBinding;
use crate::tui::msg::{Cmd, HostKeyAsk, Msg, ReqId, SaveRequest, TaskMsg};
use crate::tui::state::{State, StepId};
use crate::tui::steps::tunnel::{CatwalkTunnel, SecretText, TunnelAnswer};
use ratatui::crossterm::event::KeyCode;
use serde_json::json;
use std::sync::Arc;

pub const PASSWORD: &str = "hunter2-flow-secret";

/// The id of the last command matching `f` in `cmds`.
pub fn id_of(cmds: &[Cmd], what: &str, f: impl Fn(&Cmd) -> Option<ReqId>) -> ReqId {
    cmds.iter()
        .rev()
        .find_map(f)
        .unwrap_or_else(|| panic!("no {what} in {cmds:?}"))
}

pub fn check_id(cmds: &[Cmd]) -> ReqId {
    id_of(cmds, "Check", |c| match c {
        Cmd::Check { id, .. } => Some(*id),
        _ => None,
    })
}

pub fn discover_id(cmds: &[Cmd]) -> ReqId {
    id_of(cmds, "Discover", |c| match c {
        Cmd::Discover { id, .. } => Some(*id),
        _ => None,
    })
}

pub fn plan_of(cmds: &[Cmd]) -> (ReqId, SaveRequest) {
    cmds.iter()
        .rev()
        .find_map(|c| match c {
            Cmd::PlanSave(id, req) => Some((*id, (**req).clone())),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no PlanSave in {cmds:?}"))
}

/// Steps 1 to 3 through the form (host, password), then step 4 with no tunnel: step 5 starts. The
/// commands returned by the last key.
pub fn to_check(w: u16, h: u16) -> (State, Vec<Cmd>) {
    let mut s = state_at(w, h);
    to_check_from(&mut s);
    let cmds = send(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(s.step, StepId::Check, "{}", render(&s));
    (s, cmds)
}

/// From the list: pick PostgreSQL, answer its spec, fill the form, go to step 4.
pub fn to_check_from(s: &mut State) {
    let id = fetch_id(&pick(s, "source-postgres"));
    send(
        s,
        [Msg::Task(id, TaskMsg::Spec(Ok(Box::new(outcome(false)))))],
    );
    fill_form(s);
}

/// On step 3: host, password, Next; on step 4.
pub fn fill_form(s: &mut State) {
    assert_eq!(s.step, StepId::Config);
    send(s, typed("db.internal"));
    send(s, [key(KeyCode::Tab), key(KeyCode::Tab)]);
    send(s, typed(PASSWORD));
    send(s, [ctrl('n')]);
    assert_eq!(s.step, StepId::Tunnel, "{}", render(s));
}

fn binding(name: &str, key: &str) -> DiscoveredBinding {
    DiscoveredBinding {
        recommended_name: name.into(),
        resource_config: json!({"name": name}),
        document_schema: json!({
            "type": "object",
            "required": ["id"],
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": ["string", "null"]},
                "email": {"type": "string", "format": "email"},
                "updated_at": {"type": "string", "format": "date-time"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "address": {"type": "object", "properties": {"city": {"type": "string"}}}
            }
        }),
        key: vec![key.into()],
        disable: false,
        is_fallback_key: false,
        resource_path: vec![name.into()],
        read_modes: None,
    }
}

/// `users`, `events` (no key: a fallback key), `audit_log` (proposed disabled), then `table_00003`…
pub fn discovered(n: usize) -> Vec<DiscoveredBinding> {
    let mut out = vec![binding("users", "/id")];
    let mut events = binding("events", "/_meta/row_id");
    events.is_fallback_key = true;
    // The connector layer declares the fallback key in the schema (Flow refuses an undeclared key).
    events.document_schema["properties"]["_meta"] =
        json!({"type": "object", "properties": {"row_id": {"type": "integer"}}});
    out.push(events);
    let mut audit = binding("audit_log", "/id");
    audit.disable = true;
    out.push(audit);
    out.extend((3..n).map(|i| binding(&format!("table_{i:05}"), "/id")));
    out.truncate(n);
    out
}

/// Step 5 passed, Enter: discover runs.
pub fn to_discover(w: u16, h: u16) -> (State, ReqId) {
    let (mut s, cmds) = to_check(w, h);
    send(
        &mut s,
        [Msg::Task(check_id(&cmds), TaskMsg::Checked(Ok(())))],
    );
    let cmds = send(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(s.step, StepId::Bindings);
    (s, discover_id(&cmds))
}

/// Step 6 with `n` bindings discovered.
pub fn to_bindings(w: u16, h: u16, n: usize) -> State {
    let (mut s, id) = to_discover(w, h);
    send(
        &mut s,
        [Msg::Task(
            id,
            TaskMsg::Discovered(Ok(Arc::new(discovered(n)))),
        )],
    );
    s
}

/// Step 7 with its plan answered by a real plan in `dir` (shown as `/home/ana/catalogs`).
pub fn to_review(w: u16, h: u16, dir: &std::path::Path) -> State {
    let mut s = to_bindings(w, h, 3);
    let cmds = skip_preview(&mut s);
    answer_plan(&mut s, &cmds, dir);
    s
}

/// From step 6: on to the preview, passed over (s): step 8 starts. Its commands.
pub fn skip_preview(s: &mut State) -> Vec<Cmd> {
    let started = send(s, [ctrl('n')]);
    assert_eq!(s.step, StepId::Preview, "{}", render(s));
    assert!(
        started.iter().any(|c| matches!(c, Cmd::Preview { .. })),
        "{started:?}"
    );
    let cmds = send(s, [ch('s')]);
    assert_eq!(s.step, StepId::Review, "{}", render(s));
    started.into_iter().chain(cmds).collect()
}

/// Answer the bindings check in `cmds` (if any): every binding passes.
pub fn answer_check(s: &mut State, cmds: &[Cmd]) {
    let Some((id, n)) = cmds.iter().rev().find_map(|c| match c {
        Cmd::CheckBindings { id, bindings, .. } => Some((*id, bindings.len())),
        _ => None,
    }) else {
        return;
    };
    let check = crate::tui::msg::BindingsCheck {
        verdicts: vec![crate::tui::msg::BindingVerdict::Passed; n],
        overall: None,
        how: "Flow validate with the bindings chosen, as `catwalk check` runs it".into(),
    };
    send(
        s,
        [Msg::Task(id, TaskMsg::BindingsChecked(Ok(Box::new(check))))],
    );
}

/// Answer the last plan request with a real plan made in `dir` (shown as `/home/ana/catalogs`), and the
/// bindings check (all pass).
pub fn answer_plan(s: &mut State, cmds: &[Cmd], dir: &std::path::Path) {
    answer_check(s, cmds);
    let (id, mut req) = plan_of(cmds);
    req.dir = dir.display().to_string();
    let mut p = crate::tui::saving::plan(&req).expect("a plan");
    p.dir = "/home/ana/catalogs".into();
    send(s, [Msg::Task(id, TaskMsg::Planned(Ok(Box::new(p))))]);
}

/// Step 5 for a config with a tunnel catwalk runs (set as step 4 leaves it): the check's commands.
pub fn to_tunnel_check(w: u16, h: u16) -> (State, ReqId) {
    let mut s = state_at(w, h);
    to_check_from(&mut s);
    let tunnel = CatwalkTunnel {
        ssh_endpoint: "ssh://ana@bastion.example.com".into(),
        private_key: SecretText(FAKE_KEY.into()),
        passphrase: SecretText::default(),
        forward_host: "db.internal".into(),
        forward_port: 5432,
        local_port: None,
        rewrite: vec!["/host".into()],
    };
    let mut config = s
        .answers
        .config
        .clone()
        .unwrap_or_else(|| serde_json::json!({}));
    config["networkTunnel"] = tunnel.network_tunnel();
    s.answers.config = Some(config);
    s.answers.tunnel = Some(TunnelAnswer::Catwalk(Box::new(tunnel)));
    let cmds = crate::tui::update::apply(
        &mut s,
        crate::tui::flow::Reply::go(crate::tui::flow::Transition::GoTo(
            crate::tui::state::StepId::Check,
        )),
    );
    (s, check_id(&cmds))
}

pub const FAKE_KEY: &str =
    "-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key\n-----END OPENSSH PRIVATE KEY-----\n";

/// A host key question for bastion.example.com (a real ed25519 public key).
pub fn host_key_ask() -> HostKeyAsk {
    let key = russh::keys::parse_public_key_base64(
        "AAAAC3NzaC1lZDI1NTE5AAAAIOASpis6FQvO/h9vFxDgiShKi+Ivsk8ttseIHc9RYtEm",
    )
    .unwrap();
    HostKeyAsk {
        host: "bastion.example.com".into(),
        port: 22,
        algorithm: "ssh-ed25519".into(),
        fingerprint: crate::tunnel::known_hosts::fingerprint(&key),
        key,
        known_hosts: "/home/ana/.ssh/known_hosts".into(),
    }
}

/// Snapshot the state `build` makes at 80x24 and 120x40 (in `snapshots/`); the password never shows.
pub fn snap(name: &str, build: impl Fn(u16, u16) -> State) {
    snap_with(name, build, |screen| {
        assert!(
            !screen.contains(PASSWORD),
            "{name}: the password shows:\n{screen}"
        );
    });
}
