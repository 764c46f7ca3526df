//! The event loop: wait for a terminal event, a task report or (while work runs) a tick; then drain
//! everything already pending through `update`, run the commands it returned, and draw once.

use super::events::EventSource;
use super::msg::Msg;
use super::state::State;
use super::tasks::Tasks;
use super::{update, view};
use futures_util::FutureExt;
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::crossterm::event::{Event, KeyEventKind};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedReceiver;

/// The spinner's period.
pub const TICK: Duration = Duration::from_millis(100);
/// At most this many messages are applied between two frames, so a flood of logs cannot freeze the screen.
const MAX_BATCH: usize = 1024;

/// A terminal event as a message, or `None` for events the wizard ignores (key releases and repeats,
/// focus changes).
pub fn to_msg(ev: Event) -> Option<Msg> {
    match ev {
        Event::Key(k) if k.kind == KeyEventKind::Press => Some(Msg::Key(k)),
        Event::Key(_) => None,
        Event::Mouse(m) => Some(Msg::Mouse(m)),
        Event::Paste(text) => Some(Msg::Paste(text)),
        Event::Resize(w, h) => Some(Msg::Resize(w, h)),
        Event::FocusGained | Event::FocusLost => None,
    }
}

/// Statistics of a run (for tests and the start-up log line).
#[derive(Debug, Default, Clone)]
pub struct RunStats {
    pub frames: u64,
    pub messages: u64,
    pub first_frame: Option<Duration>,
}

/// Run until `state.quit`. `initial` are the commands of `update::init`.
pub async fn run<B: Backend, E: EventSource>(
    terminal: &mut Terminal<B>,
    events: &mut E,
    state: &mut State,
    tasks: &mut Tasks,
    rx: &mut UnboundedReceiver<Msg>,
    initial: Vec<super::msg::Cmd>,
) -> Result<RunStats, B::Error> {
    let started = Instant::now();
    let mut stats = RunStats::default();
    for cmd in initial {
        tasks.run(cmd);
    }
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut events_open = true;
    loop {
        terminal.draw(|f| view::view(state, f))?;
        stats.frames += 1;
        if stats.first_frame.is_none() {
            stats.first_frame = Some(started.elapsed());
            tracing::info!("first frame after {:?}", started.elapsed());
        }
        let busy = state.busy();
        let first = tokio::select! {
            ev = events.next(), if events_open => match ev {
                Some(ev) => to_msg(ev),
                None => { events_open = false; Some(Msg::InputClosed) }
            },
            msg = rx.recv() => msg,
            _ = ticker.tick(), if busy => Some(Msg::Tick(Instant::now())),
        };
        let mut batch: Vec<Msg> = first.into_iter().collect();
        // Drain what is already there, without waiting.
        while batch.len() < MAX_BATCH {
            if let Ok(msg) = rx.try_recv() {
                batch.push(msg);
                continue;
            }
            if events_open {
                match events.next().now_or_never() {
                    Some(Some(ev)) => {
                        batch.extend(to_msg(ev));
                        continue;
                    }
                    Some(None) => {
                        events_open = false;
                        batch.push(Msg::InputClosed);
                    }
                    None => {}
                }
            }
            break;
        }
        for msg in batch {
            stats.messages += 1;
            for cmd in update::update(state, msg) {
                tasks.run(cmd);
            }
        }
        if state.quit {
            return Ok(stats);
        }
    }
}
