//! The event loop with a scripted event source and a TestBackend: events reach `update`, everything pending
//! is applied before one draw, the loop ends on quit or when input closes, and key releases are ignored.

use super::support::state;
use crate::tui::app;
use crate::tui::events::{Scripted, ScriptedEvents};
use crate::tui::msg::Msg;
use crate::tui::tasks::{Paths, Tasks};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers,
};
use std::time::Duration;

fn press(code: KeyCode, mods: KeyModifiers) -> Scripted {
    Scripted::Event(Event::Key(KeyEvent::new(code, mods)))
}

fn release(code: KeyCode) -> Event {
    Event::Key(KeyEvent {
        code,
        modifiers: KeyModifiers::NONE,
        kind: KeyEventKind::Release,
        state: KeyEventState::NONE,
    })
}

#[tokio::test]
async fn drains_pending_events_then_draws_once() {
    let dir = tempfile::tempdir().unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut tasks = Tasks::new(
        tx,
        Paths {
            cache_dir: Some(dir.path().join("cache")),
            state_dir: Some(dir.path().join("state")),
        },
    );
    let mut s = state();
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    // 30 key presses arrive at once, then a pause, then Ctrl-C.
    let mut script: Vec<Scripted> = vec![press(KeyCode::Char('/'), KeyModifiers::NONE)];
    script.extend(
        "mysql"
            .chars()
            .map(|c| press(KeyCode::Char(c), KeyModifiers::NONE)),
    );
    script.push(Scripted::Event(release(KeyCode::Char('x'))));
    for _ in 0..24 {
        script.push(press(KeyCode::Down, KeyModifiers::NONE));
    }
    script.push(Scripted::Wait(Duration::from_millis(50)));
    script.push(press(KeyCode::Char('c'), KeyModifiers::CONTROL));
    let mut events = ScriptedEvents::new(script);
    let stats = app::run(
        &mut terminal,
        &mut events,
        &mut s,
        &mut tasks,
        &mut rx,
        vec![],
    )
    .await
    .unwrap();
    assert!(s.quit);
    assert_eq!(
        s.connector.filter.value(),
        "mysql",
        "the release added no x"
    );
    assert!(
        stats.frames <= 4,
        "{} frames for two batches of input: events were not drained before drawing",
        stats.frames
    );
    assert!(stats.first_frame.is_some());
    tasks.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn ends_when_input_closes() {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut tasks = Tasks::new(tx, Paths::default());
    let mut s = state();
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let mut events = ScriptedEvents::new([]);
    app::run(
        &mut terminal,
        &mut events,
        &mut s,
        &mut tasks,
        &mut rx,
        vec![],
    )
    .await
    .unwrap();
    assert!(s.quit);
}

#[test]
fn only_presses_become_messages() {
    assert!(app::to_msg(release(KeyCode::Enter)).is_none());
    assert!(matches!(
        app::to_msg(Event::Key(KeyEvent::new(
            KeyCode::Enter,
            KeyModifiers::NONE
        ))),
        Some(Msg::Key(_))
    ));
    assert!(matches!(
        app::to_msg(Event::Resize(100, 30)),
        Some(Msg::Resize(100, 30))
    ));
    assert!(app::to_msg(Event::FocusLost).is_none());
}
