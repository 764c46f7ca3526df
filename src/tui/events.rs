//! Where terminal events come from: a trait, crossterm's event stream for the real terminal, and a scripted
//! source for tests (crossterm's stream needs a TTY, so tests never build it).

use ratatui::crossterm::event::{Event, EventStream};
use std::collections::VecDeque;
use std::future::Future;
use std::time::Duration;
use tokio::sync::mpsc;

pub trait EventSource {
    /// The next event; `None` once the source has ended (or broke: the reason is logged).
    fn next(&mut self) -> impl Future<Output = Option<Event>> + Send;
}

/// The real terminal: crossterm's event stream, read by a task of its own that forwards into a channel.
/// Polling the stream directly from a loop that also drains without waiting (`now_or_never`) can lose the
/// stream's wake-up; a channel has no such trap. The task ends when this is dropped.
pub struct CrosstermEvents {
    rx: mpsc::UnboundedReceiver<Event>,
    reader: tokio::task::JoinHandle<()>,
}

impl CrosstermEvents {
    /// Start reading. Needs a terminal and a tokio runtime.
    pub fn start() -> CrosstermEvents {
        let (tx, rx) = mpsc::unbounded_channel();
        let reader = tokio::spawn(async move {
            use futures_util::StreamExt;
            let mut stream = EventStream::new();
            while let Some(ev) = stream.next().await {
                match ev {
                    Ok(ev) => {
                        if tx.send(ev).is_err() {
                            return;
                        }
                    }
                    Err(e) => {
                        tracing::error!("reading terminal events failed: {e}");
                        return;
                    }
                }
            }
        });
        CrosstermEvents { rx, reader }
    }
}

impl Drop for CrosstermEvents {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

impl EventSource for CrosstermEvents {
    async fn next(&mut self) -> Option<Event> {
        self.rx.recv().await
    }
}

/// One step of a script.
#[derive(Debug, Clone)]
pub enum Scripted {
    Event(Event),
    /// Let time pass (background tasks report meanwhile).
    Wait(Duration),
}

/// Plays a script of events, then ends. Cancel-safe: a wait interrupted by another message resumes
/// where it was on the next call.
#[derive(Debug, Default)]
pub struct ScriptedEvents {
    script: VecDeque<Scripted>,
    until: Option<tokio::time::Instant>,
}

impl ScriptedEvents {
    pub fn new(script: impl IntoIterator<Item = Scripted>) -> ScriptedEvents {
        ScriptedEvents {
            script: script.into_iter().collect(),
            until: None,
        }
    }
}

impl EventSource for ScriptedEvents {
    async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(until) = self.until {
                tokio::time::sleep_until(until).await;
                self.until = None;
            }
            match self.script.pop_front()? {
                Scripted::Event(e) => return Some(e),
                Scripted::Wait(d) => self.until = Some(tokio::time::Instant::now() + d),
            }
        }
    }
}
