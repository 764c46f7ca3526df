//! Builders for wizard tests: a state with answers from fake tasks, key messages, rendering to text.

use crate::model::{ConnectorKind, LogLevel, LogLine, Protocol, Spec};
use crate::tui::connectors::{ConnectorChoice, curated};
use crate::tui::draft::Draft;
use crate::tui::msg::{Cmd, Msg, ReqId, SpecOutcome, TaskMsg};
use crate::tui::state::State;
use crate::tui::theme::Theme;
use crate::tui::{update, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use serde_json::json;

pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ch(c: char) -> Msg {
    key(KeyCode::Char(c))
}

pub fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

pub fn typed(text: &str) -> Vec<Msg> {
    text.chars().map(ch).collect()
}

pub fn click(column: u16, row: u16) -> Msg {
    Msg::Mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column,
        row,
        modifiers: KeyModifiers::NONE,
    })
}

pub fn wheel_down(column: u16, row: u16) -> Msg {
    Msg::Mouse(MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    })
}

/// Apply messages in order; all the commands they returned.
pub fn send(state: &mut State, msgs: impl IntoIterator<Item = Msg>) -> Vec<Cmd> {
    msgs.into_iter()
        .flat_map(|m| update::update(state, m))
        .collect()
}

/// A wizard at `w`x`h` with the curated list, Docker up and nothing found on PATH.
pub fn state_at(w: u16, h: u16) -> State {
    let mut s = State::new(Theme::default(), curated(), None);
    s.size = (w, h);
    let cmds = update::init(&mut s);
    answer_init(&mut s, cmds, Ok("27.3.1".into()));
    s
}

pub fn state() -> State {
    state_at(80, 24)
}

/// Answer the start-up commands: Docker's status, and an empty PATH scan.
pub fn answer_init(
    s: &mut State,
    cmds: Vec<Cmd>,
    docker: Result<String, crate::tui::msg::TaskError>,
) {
    for cmd in cmds {
        match cmd {
            Cmd::CheckDocker(id) => {
                send(s, [Msg::Task(id, TaskMsg::Docker(docker.clone()))]);
            }
            Cmd::ScanPath(id) => {
                send(s, [Msg::Task(id, TaskMsg::LocalConnectors(vec![]))]);
            }
            _ => {}
        }
    }
}

/// The id of the (last) spec request among `cmds`.
pub fn fetch_id(cmds: &[Cmd]) -> ReqId {
    cmds.iter()
        .rev()
        .find_map(|c| match c {
            Cmd::FetchSpec { id, .. } => Some(*id),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no FetchSpec in {cmds:?}"))
}

/// A spec shaped like the flow fixture's.
pub fn spec() -> Spec {
    Spec {
        protocol: Protocol::Flow,
        kind: ConnectorKind::Capture,
        config_schema: json!({
            "type": "object",
            "required": ["host", "password"],
            "properties": {
                "host": {"type": "string", "title": "Host", "description": "Hostname or IP address of the server.", "order": 0},
                "port": {"type": "integer", "title": "Port", "default": 5432, "order": 1},
                "password": {"type": "string", "title": "Password", "secret": true, "order": 2},
                "mode": {"title": "Mode", "oneOf": [{"title": "Normal"}, {"title": "Slow"}], "order": 3},
                "advanced": {"type": "object", "title": "Advanced", "advanced": true, "order": 4}
            }
        }),
        resource_config_schema: json!({"type": "object"}),
        documentation_url: Some("https://go.estuary.dev/source-postgresql".into()),
        resource_path_pointers: vec!["/name".into()],
        oauth2: None,
    }
}

pub fn outcome(from_cache: bool) -> SpecOutcome {
    SpecOutcome {
        spec: spec(),
        protocol: Protocol::Flow,
        kind: ConnectorKind::Capture,
        subject: "image ghcr.io/estuary/source-postgres:dev".into(),
        digest: Some("0123".into()),
        from_cache,
    }
}

pub fn log(level: LogLevel, message: &str) -> LogLine {
    LogLine {
        level,
        message: message.into(),
        fields: None,
    }
}

pub fn postgres() -> ConnectorChoice {
    ConnectorChoice::Image {
        image: "ghcr.io/estuary/source-postgres:dev".into(),
        title: Some("PostgreSQL".into()),
        protocol: None,
    }
}

pub fn draft_for(choice: ConnectorChoice) -> Draft {
    Draft::new(crate::tui::draft::Answers {
        connector: Some(choice),
        ..Default::default()
    })
}

/// Pick the first curated connector matching `filter` (`/`, text, Enter); the commands returned.
pub fn pick(s: &mut State, filter: &str) -> Vec<Cmd> {
    let mut msgs = vec![ch('/')];
    msgs.extend(typed(filter));
    msgs.push(key(KeyCode::Enter));
    send(s, msgs)
}

/// The screen as text (one quoted line per row, as ratatui's TestBackend prints it).
pub fn render(s: &State) -> String {
    let mut terminal = Terminal::new(TestBackend::new(s.size.0, s.size.1)).expect("test terminal");
    terminal
        .draw(|f| view::view(s, f))
        .expect("drawing never fails on a TestBackend");
    terminal.backend().to_string()
}

/// The screen's cells: for style assertions.
pub fn render_buffer(s: &State) -> ratatui::buffer::Buffer {
    let mut terminal = Terminal::new(TestBackend::new(s.size.0, s.size.1)).expect("test terminal");
    terminal
        .draw(|f| view::view(s, f))
        .expect("drawing never fails on a TestBackend");
    terminal.backend().buffer().clone()
}

/// The sizes every screen is snapshotted at.
pub const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

/// Snapshot the screen `build` makes at each of [`SIZES`] (in `snapshots/`), after `check` has read its text.
pub fn snap_with(name: &str, build: impl Fn(u16, u16) -> State, check: impl Fn(&str)) {
    for (w, h) in SIZES {
        let screen = render(&build(w, h));
        check(&screen);
        insta::with_settings!({
            snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen);
        });
    }
}
