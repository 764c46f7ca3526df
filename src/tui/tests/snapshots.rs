//! insta snapshots of every screen and its main states, at 80x24 and 120x40, in `snapshots/`. The text
//! shows what a person reads; markers (`›`, `(•)`, `✓`) carry what colour would, so NO_COLOR reads the same.

use super::support::*;
use crate::model::LogLevel;
use crate::tui::msg::{Msg, Stage, TaskError, TaskMsg};
use crate::tui::state::State;
use crate::tui::theme::Theme;
use crate::tui::{connectors, update};
use ratatui::crossterm::event::KeyCode;
use std::time::{Duration, Instant};

/// Snapshot the screen built by `build` at both sizes.
fn snap(name: &str, build: impl Fn(u16, u16) -> State) {
    snap_with(name, build, |_| {});
}

#[test]
fn connector_list() {
    snap("connector_list", |w, h| {
        let mut s = state_at(w, h);
        send(&mut s, [key(KeyCode::Down), key(KeyCode::Down)]);
        s
    });
}

#[test]
fn connector_filtered() {
    snap("connector_filtered", |w, h| {
        let mut s = state_at(w, h);
        send(&mut s, [ch('/')]);
        send(&mut s, typed("postgres"));
        s
    });
}

#[test]
fn connector_filter_empty() {
    snap("connector_filter_empty", |w, h| {
        let mut s = state_at(w, h);
        send(&mut s, [ch('/')]);
        send(&mut s, typed("cobol"));
        s
    });
}

#[test]
fn connector_docker_down() {
    snap("connector_docker_down", |w, h| {
        let mut s = State::new(Theme::default(), connectors::curated(), None);
        s.size = (w, h);
        let cmds = update::init(&mut s);
        answer_init(
            &mut s,
            cmds,
            Err(TaskError::environment(
                "error trying to connect: No such file or directory (os error 2)",
            )),
        );
        s
    });
}

#[test]
fn connector_image_form() {
    snap("connector_image_form", |w, h| {
        let mut s = state_at(w, h);
        send(&mut s, [key(KeyCode::Enter)]);
        send(&mut s, typed("airbyte/source-faker:7.2.1"));
        s
    });
}

#[test]
fn connector_command_form_error() {
    snap("connector_command_form_error", |w, h| {
        let mut s = state_at(w, h);
        send(&mut s, [key(KeyCode::Down), key(KeyCode::Enter)]);
        send(&mut s, typed("python 'main.py"));
        send(&mut s, [key(KeyCode::Tab), key(KeyCode::Right)]);
        send(&mut s, [key(KeyCode::Enter)]);
        s
    });
}

#[test]
fn connector_local_found() {
    snap("connector_local_found", |w, h| {
        let mut s = state_at(w, h);
        let id = s.next_req();
        s.connector.scan_req = Some(id);
        let found = ["source-faker", "source-file", "destination-duckdb"]
            .iter()
            .map(|n| connectors::LocalConnector {
                name: n.to_string(),
                path: format!("/home/ana/.venvs/airbyte/bin/{n}").into(),
                kind: if n.starts_with("dest") {
                    crate::model::ConnectorKind::Materialize
                } else {
                    crate::model::ConnectorKind::Capture
                },
            })
            .collect();
        send(&mut s, [Msg::Task(id, TaskMsg::LocalConnectors(found))]);
        send(&mut s, [key(KeyCode::Down), key(KeyCode::Down)]);
        s
    });
}

/// Step 2 for PostgreSQL, with `reports` from its task, 4.2 s after it started.
fn spec_state(w: u16, h: u16, reports: Vec<TaskMsg>) -> State {
    let mut s = state_at(w, h);
    let id = fetch_id(&pick(&mut s, "source-postgres"));
    let t0 = Instant::now();
    send(&mut s, [Msg::Tick(t0)]);
    send(&mut s, reports.into_iter().map(|r| Msg::Task(id, r)));
    send(&mut s, [Msg::Tick(t0 + Duration::from_millis(4200))]);
    s
}

#[test]
fn spec_pulling() {
    snap("spec_pulling", |w, h| {
        spec_state(
            w,
            h,
            vec![TaskMsg::Pull(crate::connector::PullProgress {
                image: "ghcr.io/estuary/source-postgres:dev".into(),
                done: 12_300_000,
                total: 45_600_000,
                layers: 4,
                status: "Downloading".into(),
            })],
        )
    });
}

#[test]
fn spec_running_with_logs() {
    snap("spec_running_with_logs", |w, h| {
        spec_state(
            w,
            h,
            vec![
                TaskMsg::Stage(Stage::Running),
                TaskMsg::Log(log(LogLevel::Info, "connector starting")),
                TaskMsg::Log(log(LogLevel::Warn, "LOG_LEVEL debug is verbose")),
                TaskMsg::Log(log(
                    LogLevel::Info,
                    "building the endpoint schema\twith\u{1b}[31m escapes",
                )),
            ],
        )
    });
}

#[test]
fn spec_error() {
    snap("spec_error", |w, h| {
        spec_state(
            w,
            h,
            vec![
                TaskMsg::Log(log(
                    LogLevel::Error,
                    "unauthorized: authentication required",
                )),
                TaskMsg::Spec(Err(TaskError::failed(
                    "pulling image ghcr.io/estuary/source-postgres:dev failed: unauthorized: authentication required\n  \
                     Check the name, your network and registry credentials (`docker login`).",
                ))),
            ],
        )
    });
}

#[test]
fn spec_done_after_going_back() {
    snap("spec_done", |w, h| {
        let mut s = spec_state(w, h, vec![TaskMsg::Spec(Ok(Box::new(outcome(false))))]);
        send(&mut s, [key(KeyCode::Esc)]);
        s
    });
}

#[test]
fn help_overlay() {
    snap("help_overlay", |w, h| {
        let mut s = state_at(w, h);
        send(&mut s, [ch('?')]);
        s
    });
}

#[test]
fn quit_confirmation() {
    snap("quit_confirmation", |w, h| {
        let mut s = spec_state(w, h, vec![TaskMsg::Stage(Stage::Running)]);
        s.draft.saved = Some(Ok(()));
        send(&mut s, [ctrl('c')]);
        s
    });
}

#[test]
fn resume_prompt() {
    snap("resume_prompt", |w, h| {
        let mut s = State::new(
            Theme::default(),
            connectors::curated(),
            Some(draft_for(postgres())),
        );
        s.size = (w, h);
        let cmds = update::init(&mut s);
        answer_init(&mut s, cmds, Ok("27.3.1".into()));
        s
    });
}

#[test]
fn too_small() {
    let mut s = state_at(50, 12);
    s.size = (50, 12);
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"),
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!("too_small_50x12", render(&s));
    });
}

/// With NO_COLOR, no cell has a colour; the selection and the current step are still marked (reverse).
#[test]
fn monochrome_has_no_colour() {
    use ratatui::style::{Color, Modifier};
    let mut s = state_at(80, 24);
    s.theme = Theme::monochrome();
    send(&mut s, [key(KeyCode::Down), key(KeyCode::Down)]);
    let buf = render_buffer(&s);
    let mut reversed = 0;
    for cell in buf.content() {
        assert!(
            matches!(cell.fg, Color::Reset) && matches!(cell.bg, Color::Reset),
            "{cell:?}"
        );
        if cell.modifier.contains(Modifier::REVERSED) {
            reversed += 1;
        }
    }
    assert!(
        reversed > 80,
        "the selected row and the current step are reversed"
    );
}

/// Every line fits: no row is cut in the middle of a wide character, nothing runs past the edge.
#[test]
fn all_text_fits_at_80x24() {
    let screens = [
        {
            let mut s = state();
            send(&mut s, [ch('?')]);
            s
        },
        spec_state(
            80,
            24,
            vec![TaskMsg::Spec(Err(TaskError::failed("x ".repeat(500))))],
        ),
    ];
    for s in screens {
        for line in render(&s).lines() {
            assert!(!line.contains("Hidden by multi-width"), "{line}");
        }
    }
}
