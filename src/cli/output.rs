//! What the verbs print on stderr: errors, warnings, notes, connector logs and pull progress. Stdout is kept
//! for data (a spec, a report). Colour only on a terminal and never with NO_COLOR. Everything printed here passes
//! through [`crate::redact::text`]: no registered secret value reaches the terminal.

use crate::connector::logs::one_line;
use crate::connector::{LogSink, PullProgress, PullSink};
use crate::model::{LogLevel, LogLine};
use crate::redact;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

static VERBOSITY: AtomicU8 = AtomicU8::new(1);

/// 0: errors only; 1: warnings and notes (default); 2: connector info logs; 3: debug.
pub fn init(verbose: u8, quiet: bool) {
    VERBOSITY.store(if quiet { 0 } else { 1 + verbose }, Ordering::Relaxed);
}

fn verbosity() -> u8 {
    VERBOSITY.load(Ordering::Relaxed)
}

fn color() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
}

fn paint(code: &str, text: &str) -> String {
    if color() {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

pub fn error(message: &str) {
    eprintln!("{} {}", paint("1;31", "error:"), redact::text(message));
}

pub fn warn(message: &str) {
    if verbosity() >= 1 {
        eprintln!("{} {}", paint("1;33", "warning:"), redact::text(message));
    }
}

/// A line for the person running the command (what happened, what to do next).
pub fn note(message: &str) {
    if verbosity() >= 1 {
        eprintln!("{}", redact::text(message));
    }
}

pub fn bold(text: &str) -> String {
    paint("1", text)
}

pub fn green(text: &str) -> String {
    paint("32", text)
}

pub fn red(text: &str) -> String {
    paint("31", text)
}

pub fn dim(text: &str) -> String {
    paint("2", text)
}

/// Write data to stdout. A reader that went away (`catwalk spec | head`) is not an error.
pub fn stdout(text: &str) -> Result<(), super::Failure> {
    let mut out = std::io::stdout().lock();
    match out
        .write_all(redact::text(text).as_bytes())
        .and_then(|_| out.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(super::Failure::new(
            super::exit::ENVIRONMENT,
            format!("cannot write to stdout: {e}"),
        )),
        _ => Ok(()),
    }
}

/// Connector logs: warnings and errors by default, info with -v, everything with -vv.
pub fn log_sink() -> LogSink {
    Arc::new(|line: &LogLine| {
        let show = match line.level {
            LogLevel::Error | LogLevel::Warn => verbosity() >= 1,
            LogLevel::Info => verbosity() >= 2,
            LogLevel::Debug | LogLevel::Trace => verbosity() >= 3,
        };
        if show {
            let level = format!("{:?}", line.level).to_ascii_lowercase();
            eprintln!(
                "{}",
                dim(&format!(
                    "  connector {level}: {}",
                    redact::text(&one_line(line))
                ))
            );
        }
    })
}

/// Pull progress: one updating line on a terminal, a line at start and end otherwise.
pub fn pull_sink() -> PullSink {
    let last = Mutex::new((0u64, false));
    Arc::new(move |p: &PullProgress| {
        if verbosity() == 0 {
            return;
        }
        let Ok(mut last) = last.lock() else { return };
        let tty = std::io::stderr().is_terminal();
        if !last.1 {
            last.1 = true;
            eprintln!("Pulling image {} ...", p.image);
        }
        if tty && p.done != last.0 {
            last.0 = p.done;
            let total = if p.total > 0 {
                format!(" / {}", bytes(p.total))
            } else {
                String::new()
            };
            eprint!(
                "\r\x1b[2K  {}{total} in {} layers ({})",
                bytes(p.done),
                p.layers,
                p.status
            );
            let _ = std::io::stderr().flush();
        }
    })
}

pub use crate::text::bytes;

/// An operation's events, printed as the verbs print them: notes and warnings on stderr, connector log
/// lines and pull progress as [`log_sink`] and [`pull_sink`] show them.
pub fn reporter() -> crate::ops::report::Reporter {
    let (logs, pull) = (log_sink(), pull_sink());
    std::sync::Arc::new(move |e| match e {
        crate::ops::report::Event::Note(n) => note(&n),
        crate::ops::report::Event::Warn(w) => warn(&w),
        crate::ops::report::Event::Log(l) => logs(&l),
        crate::ops::report::Event::Pull(p) => pull(&p),
        crate::ops::report::Event::Running => {}
    })
}
