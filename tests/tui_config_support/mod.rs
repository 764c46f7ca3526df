//! Helpers for the config and tunnel step tests (`mod tui_config_support;`): a wizard at a given size
//! brought to step 3 with a given config schema (through the public `update`, as keys and task reports),
//! the real Flow fixture's schema, the real specs of tests/fixtures/specs, key messages, and rendering to text.
#![allow(dead_code)]

use catwalk::model::{ConnectorKind, Protocol, Spec};
use catwalk::tui::connectors::curated;
use catwalk::tui::msg::{Cmd, Msg, SpecOutcome, TaskMsg};
use catwalk::tui::state::{State, StepId};
use catwalk::tui::theme::Theme;
use catwalk::tui::{update, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::Value;
use std::process::{Command, Stdio};

#[path = "../support/mod.rs"]
pub mod support;

pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ch(c: char) -> Msg {
    key(KeyCode::Char(c))
}

pub fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

pub fn shift_tab() -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT))
}

pub fn typed(text: &str) -> Vec<Msg> {
    text.chars().map(ch).collect()
}

pub fn send(state: &mut State, msgs: impl IntoIterator<Item = Msg>) -> Vec<Cmd> {
    msgs.into_iter()
        .flat_map(|m| update::update(state, m))
        .collect()
}

/// The config schema the Flow fixture reports (Flow protocol, its `secret` annotations).
pub fn fixture_schema() -> Value {
    let out = Command::new(support::fixture_bin())
        .env("FLOW_RUNTIME_CODEC", "json")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            if let Some(mut stdin) = child.stdin.take() {
                stdin.write_all(b"{\"spec\":{\"connectorType\":\"LOCAL\",\"config\":{}}}\n")?;
            }
            child.wait_with_output()
        })
        .expect("running the flow fixture's spec");
    let line = String::from_utf8_lossy(&out.stdout);
    let v: Value = serde_json::from_str(line.lines().next().unwrap_or_default())
        .expect("the fixture's spec is JSON");
    v["spec"]["configSchema"].clone()
}

/// A real connector's config schema from tests/fixtures/specs (e.g. `estuary/source-postgres`).
pub fn shared_schema(name: &str) -> Value {
    let path = support::specs_dir().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("the spec {} is missing: {e}", path.display()));
    let v: Value = serde_json::from_str(&text).expect("a JSON spec");
    v.get("configSchema")
        .or_else(|| v.get("connectionSpecification"))
        .cloned()
        .expect("a config schema")
}

/// A wizard at `w`x`h` that picked a local command and got a spec with `schema`: it is at step 3.
pub fn at_config(schema: Value, w: u16, h: u16) -> State {
    let mut s = State::new(Theme::default(), curated(), None);
    s.size = (w, h);
    for cmd in update::init(&mut s) {
        let msg = match cmd {
            Cmd::CheckDocker(id) => Msg::Task(id, TaskMsg::Docker(Ok("27.3.1".into()))),
            Cmd::ScanPath(id) => Msg::Task(id, TaskMsg::LocalConnectors(vec![])),
            _ => continue,
        };
        update::update(&mut s, msg);
    }
    // "Local command…", the command, protocol flow.
    send(&mut s, [key(KeyCode::Down), key(KeyCode::Enter)]);
    send(&mut s, typed("/opt/connectors/source-db"));
    let cmds = send(
        &mut s,
        [key(KeyCode::Tab), key(KeyCode::Right), key(KeyCode::Enter)],
    );
    let id = cmds
        .iter()
        .find_map(|c| match c {
            Cmd::FetchSpec { id, .. } => Some(*id),
            _ => None,
        })
        .expect("a spec request");
    let outcome = SpecOutcome {
        spec: Spec {
            protocol: Protocol::Flow,
            kind: ConnectorKind::Capture,
            config_schema: schema,
            resource_config_schema: serde_json::json!({"type": "object"}),
            documentation_url: None,
            resource_path_pointers: vec![],
            oauth2: None,
        },
        protocol: Protocol::Flow,
        kind: ConnectorKind::Capture,
        subject: "command /opt/connectors/source-db".into(),
        digest: None,
        from_cache: false,
    };
    send(
        &mut s,
        [Msg::Task(id, TaskMsg::Spec(Ok(Box::new(outcome))))],
    );
    assert_eq!(s.step, StepId::Config);
    s
}

/// The screen as text (one quoted line per row).
pub fn render(s: &State) -> String {
    let mut terminal = Terminal::new(TestBackend::new(s.size.0, s.size.1)).expect("test terminal");
    terminal
        .draw(|f| view::view(s, f))
        .expect("drawing never fails on a TestBackend");
    terminal.backend().to_string()
}

/// Go to the top, then press Tab until the focused row's pointer is `at` (at most 200 times).
pub fn focus(s: &mut State, at: &str) {
    send(s, (0..20).map(|_| key(KeyCode::PageUp)));
    for _ in 0..200 {
        let ui = if s.step == StepId::Tunnel {
            &s.tunnel.ui
        } else {
            &s.config.ui
        };
        if ui.focused().is_some_and(|r| r.pointer == at) {
            return;
        }
        send(s, [key(KeyCode::Tab)]);
    }
    panic!("no field {at} reached with Tab");
}

/// The config of step 3's form.
pub fn config(s: &State) -> Value {
    s.config.form.as_ref().expect("a form").to_config()
}

/// An OpenSSH-shaped private key with CRLF line ends (not a real key).
pub const KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\r\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\r\nQyNTUxOQAAACBhc2RmYXNkZmFzZGZhc2RmYXNkZmFzZGZhc2RmYXNkZg==\r\n-----END OPENSSH PRIVATE KEY-----\r\n";

pub fn fixture(w: u16, h: u16) -> State {
    at_config(fixture_schema(), w, h)
}

pub fn focused(s: &State) -> String {
    s.config
        .ui
        .focused()
        .map(|r| r.pointer.clone())
        .unwrap_or_default()
}

/// The drafts the commands would save, as JSON text.
pub fn drafts(cmds: &[Cmd]) -> Vec<String> {
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::SaveDraft(_, d) => Some(serde_json::to_string(d).unwrap()),
            _ => None,
        })
        .collect()
}

/// Fill the fixture's required fields: host and password.
pub fn fill_required(s: &mut State) -> Vec<Cmd> {
    let mut cmds = Vec::new();
    focus(s, "/host");
    cmds.extend(send(s, typed("db.internal")));
    cmds.extend(send(s, [key(KeyCode::Tab), key(KeyCode::Tab)]));
    assert_eq!(focused(s), "/password");
    cmds.extend(send(s, typed("hunter2-secret")));
    cmds.extend(send(s, [key(KeyCode::Tab)]));
    cmds
}
