//! The full-screen wizard (`catwalk` without a verb), Elm style: terminal events and background task reports
//! become [`Msg`]s; [`update()`] (pure) changes the [`State`] and returns [`Cmd`]s, which [`Tasks`] runs
//! as tokio tasks reporting back on one channel; [`view()`] draws the state. One key table ([`keys`])
//! drives key handling, the help bar and the `?` overlay. Steps live in [`steps`], one file each.
//! Uses `connector` and `model`; never prints to the screen it owns (logs go to the log file).

pub mod app;
pub mod config_draft;
pub mod connectors;
pub mod contexts;
pub mod draft;
pub mod edit_plan;
pub mod env;
pub mod events;
pub mod flow;
pub mod job;
pub mod keys;
pub mod layout;
pub mod materialization;
pub mod materialize_tasks;
pub mod msg;
pub mod opened;
pub mod previewing;
pub mod saving;
pub mod session;
pub mod state;
pub mod steps;
pub mod task_draft;
pub mod task_error;
pub mod tasks;
pub mod terminal;
pub mod theme;
pub mod tunnel_schema;
pub mod update;
pub mod view;
pub mod widgets;

#[cfg(test)]
mod tests;

pub use msg::{Cmd, Msg, ReqId, TaskMsg};
pub use state::State;
pub use tasks::{Paths, Tasks};
pub use update::update;
pub use view::view;

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::time::Duration;

/// Exit code when there is no terminal (as for bad usage: the verbs are the way in scripts).
pub const EXIT_NO_TTY: i32 = 2;

/// Run the wizard until the person quits; returns the process exit code. Without a terminal, explains
/// that the verbs are the way to go and returns 2.
pub async fn run() -> i32 {
    start(None).await
}

/// Run the wizard on a task of an existing catalog (`catwalk edit`): its flow starts with the spec of its
/// connector, then its config; no draft is offered.
pub async fn edit(task: crate::ops::edit::OpenedTask) -> i32 {
    start(Some(task)).await
}

async fn start(task: Option<crate::ops::edit::OpenedTask>) -> i32 {
    if !terminal::is_tty() {
        eprintln!("error: {}", terminal::NO_TTY);
        return EXIT_NO_TTY;
    }
    env::init();
    let paths = Paths::from_env();
    let mut state = State::new(theme::Theme::from_env(), connectors::curated(), None);
    state.hyperlinks = std::env::var("TERM").map_or(true, |t| t != "dumb")
        && std::env::var_os("CATWALK_NO_HYPERLINKS").is_none();
    if let Some(path) = paths.draft().filter(|_| task.is_none()) {
        match draft::load(&path) {
            Ok(Some(d)) => state.overlays.push(state::Overlay::Resume(d)),
            Ok(None) => {}
            Err(e) => {
                tracing::warn!("{e}");
                state.draft.load_error = Some(e);
            }
        }
    }
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut tasks = Tasks::new(tx, paths.clone());
    let guard = match terminal::TerminalGuard::enter() {
        Ok(g) => g,
        Err(e) => {
            terminal::restore();
            eprintln!("error: cannot set up the terminal: {e}");
            return crate::ops::exit::ENVIRONMENT.code();
        }
    };
    let outcome = async {
        let mut term = Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
        let size = term.size()?;
        state.size = (size.width, size.height);
        let mut initial = update::init(&mut state);
        match task {
            Some(task) => {
                let reply = opened::start(&mut state, task);
                initial.extend(update::apply(&mut state, reply));
            }
            None => initial.extend(update::scan_catalogs(&mut state)),
        }
        let mut events = events::CrosstermEvents::start();
        app::run(
            &mut term,
            &mut events,
            &mut state,
            &mut tasks,
            &mut rx,
            initial,
        )
        .await
    }
    .await;
    // Stop connectors (containers removed) and let the draft reach the disk before leaving.
    tasks.shutdown(Duration::from_secs(30)).await;
    drop(guard);
    match outcome {
        Ok(stats) => {
            tracing::info!("wizard ended after {} frames", stats.frames);
            if let Some(done) = &state.review.done {
                let source = crate::connector::endpoint::shell_words(&[done
                    .flow_file
                    .display()
                    .to_string()]);
                eprintln!(
                    "Saved {}. Next:\n  catwalk check --source {source}\n  flowctl catalog publish --source {source}",
                    done.flow_file.display()
                );
            } else if let (Some(c), Some(Ok(())), Some(path)) =
                (&state.answers.connector, &state.draft.saved, paths.draft())
            {
                eprintln!(
                    "Your answers for {} are saved as a draft in {}; run `catwalk` to resume.",
                    c.label(),
                    path.display()
                );
            }
            0
        }
        Err(e) => {
            eprintln!("error: the terminal failed: {e}");
            1
        }
    }
}
