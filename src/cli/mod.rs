//! The scriptable verbs, flowctl-compatible: `spec`, `discover`, `check`, `adapt`, and `encrypt`. Each verb is a file;
//! this one holds the argument types they share, exit codes, terminal output and signal handling.

pub mod adapt;
pub mod args;
pub mod check;
pub mod discover;
pub mod encrypt;
mod fields;
pub mod output;
pub mod spec;
pub mod tunnel;

pub use args::{Cli, Command};

use crate::connector::ConnectorError;
use std::fmt;

/// Exit codes scripts can rely on (also listed in the README).
pub mod exit {
    /// Success.
    pub const OK: i32 = 0;
    /// A connector failed: it exited non-zero, broke the protocol, timed out, or rejected the config/bindings.
    pub const FAILED: i32 = 1;
    /// Bad command-line usage.
    pub const USAGE: i32 = 2;
    /// Invalid input: a config that does not match its schema, an unreadable or invalid catalog or file.
    pub const INVALID: i32 = 3;
    /// The environment: Docker unreachable, image missing or not pullable, command not found, sops or its key missing.
    pub const ENVIRONMENT: i32 = 4;
    /// `discover` wrote a config stub: edit it and run again.
    pub const STUB_WRITTEN: i32 = 5;
    /// Interrupted (Ctrl-C, SIGTERM, SIGHUP); everything started was cleaned up.
    pub const INTERRUPTED: i32 = 130;
}

/// A failure that knows its exit code. Its message says what is wrong, where, and what to do.
#[derive(Debug)]
pub struct Failure {
    pub code: i32,
    pub message: String,
}

impl Failure {
    pub fn new(code: i32, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(exit::INVALID, message)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<crate::secrets::SecretsError> for Failure {
    fn from(e: crate::secrets::SecretsError) -> Self {
        let code = if e.is_environment() {
            exit::ENVIRONMENT
        } else {
            exit::INVALID
        };
        Failure::new(code, e.to_string())
    }
}

impl From<ConnectorError> for Failure {
    fn from(e: ConnectorError) -> Self {
        Failure::new(e.exit_code(), e.to_string())
    }
}

pub type Outcome = Result<i32, Failure>;

/// Run one verb until it finishes or a signal arrives; on a signal the verb's future is dropped, which stops
/// its connector (process group killed, container removed) before we exit.
pub async fn run(cli: Cli) -> i32 {
    output::init(cli.verbose, cli.quiet);
    let verb = async {
        match cli.command {
            Some(Command::Spec(a)) => spec::run(a).await,
            Some(Command::Discover(a)) => discover::run(a).await,
            Some(Command::Check(a)) => check::run(a).await,
            Some(Command::Adapt(a)) => adapt::run(a).await,
            Some(Command::Encrypt(a)) => encrypt::run(a).await,
            None => Ok(crate::tui::run().await),
        }
    };
    tokio::select! {
        outcome = verb => match outcome {
            Ok(code) => code,
            Err(failure) => {
                output::error(&failure.message);
                failure.code
            }
        },
        signal = interrupted() => {
            output::error(&format!("interrupted by {signal}; stopped the connector and cleaned up"));
            exit::INTERRUPTED
        }
    }
}

async fn interrupted() -> &'static str {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).ok();
    let mut hup = signal(SignalKind::hangup()).ok();
    let term = async {
        match term.as_mut() {
            Some(s) => s.recv().await,
            None => std::future::pending().await,
        }
    };
    let hup = async {
        match hup.as_mut() {
            Some(s) => s.recv().await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => "Ctrl-C",
        _ = term => "SIGTERM",
        _ = hup => "SIGHUP",
    }
}
