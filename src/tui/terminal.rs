//! The terminal: refuse to start without one, set it up (raw mode, alternate screen, mouse capture,
//! bracketed paste, each enabled explicitly), and restore it on every exit: when the guard drops (normal
//! exit, error, a future dropped by a signal) and when the UI thread panics.

use ratatui::crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once};
use std::thread::ThreadId;

/// What to say when there is no terminal.
pub const NO_TTY: &str = "the wizard needs a terminal, and stdin or stdout is not one. \
     In scripts, use the verbs instead: `catwalk spec`, `catwalk discover`, `catwalk check` (`catwalk --help` lists them).";

/// Whether stdin and stdout are both terminals.
pub fn is_tty() -> bool {
    std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
}

/// Whether the terminal is in the wizard's mode (so restoring has something to undo).
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// The thread drawing the UI: a panic there must restore the terminal before it is reported.
static UI_THREAD: Mutex<Option<ThreadId>> = Mutex::new(None);

/// The terminal in the wizard's mode until dropped.
pub struct TerminalGuard {
    _private: (),
}

impl TerminalGuard {
    pub fn enter() -> std::io::Result<TerminalGuard> {
        install_panic_hook();
        if let Ok(mut t) = UI_THREAD.lock() {
            *t = Some(std::thread::current().id());
        }
        enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        let guard = TerminalGuard { _private: () };
        execute!(
            std::io::stdout(),
            EnterAlternateScreen,
            EnableMouseCapture,
            EnableBracketedPaste,
        )?;
        Ok(guard)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Leave the wizard's terminal mode. Idempotent; errors are ignored since there is nowhere to report them.
pub fn restore() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    let mut out = std::io::stdout();
    let _ = execute!(
        out,
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen,
        ratatui::crossterm::cursor::Show,
    );
    let _ = disable_raw_mode();
    let _ = out.flush();
}

fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let on_ui = UI_THREAD
                .lock()
                .ok()
                .and_then(|t| *t)
                .is_some_and(|t| t == std::thread::current().id());
            if ACTIVE.load(Ordering::SeqCst) && !on_ui {
                // A background task: it reports the panic as a message; printing here would garble the
                // screen the wizard owns, so only the log gets it.
                tracing::error!("panic in a background thread: {info}");
                return;
            }
            restore();
            tracing::error!("panic: {info}");
            previous(info);
        }));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A panic on the UI thread restores the terminal before it is reported; one in a background thread
    /// leaves the wizard's screen alone (the task reports it as a message instead).
    #[test]
    fn ui_thread_panics_restore_the_terminal_and_task_panics_do_not() {
        install_panic_hook();
        if let Ok(mut t) = UI_THREAD.lock() {
            *t = Some(std::thread::current().id());
        }
        ACTIVE.store(true, Ordering::SeqCst);
        let task = std::thread::spawn(|| panic!("a background task's bug")).join();
        assert!(task.is_err());
        assert!(
            ACTIVE.load(Ordering::SeqCst),
            "a task's panic restored the terminal"
        );
        let ui = std::panic::catch_unwind(|| panic!("a bug in update"));
        assert!(ui.is_err());
        assert!(
            !ACTIVE.load(Ordering::SeqCst),
            "the UI thread's panic left the terminal raw"
        );
        restore();
    }
}
