//! The scriptable verbs, flowctl-compatible: `spec`, `discover`, `check`, `adapt`, `encrypt` and `image`. Each verb is a file;
//! this one holds the argument types they share, exit codes, terminal output and signal handling.

pub mod adapt;
pub mod args;
pub mod check;
pub mod discover;
pub mod encrypt;
pub mod exit;
mod fields;
pub mod image;
pub mod output;
pub mod spec;
pub mod tunnel;

pub use args::{Cli, Command};
pub use exit::ExitKind;

use crate::connector::ConnectorError;
use std::fmt;

/// A failure that knows its exit kind. Its message says what is wrong, where, and what to do.
#[derive(Debug)]
pub struct Failure {
    pub kind: ExitKind,
    pub message: String,
}

impl Failure {
    pub fn new(kind: ExitKind, message: impl Into<String>) -> Self {
        Self {
            kind,
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
        Failure::new(exit::of_secrets(&e), e.to_string())
    }
}

impl From<ConnectorError> for Failure {
    fn from(e: ConnectorError) -> Self {
        Failure::new(exit::of_connector(&e), e.to_string())
    }
}

impl From<crate::catalog::WriteError> for Failure {
    fn from(e: crate::catalog::WriteError) -> Self {
        Failure::new(exit::of_write(&e), e.to_string())
    }
}

pub type Outcome = Result<ExitKind, Failure>;

/// Run one verb until it finishes or a signal arrives; on a signal the verb's future is dropped, which stops
/// its connector (process group killed, container removed) before we exit.
pub async fn run(cli: Cli) -> i32 {
    output::init(cli.verbose, cli.quiet);
    // Err: the wizard ran, and says its own code.
    let verb = async {
        let outcome = match cli.command {
            Some(Command::Spec(a)) => spec::run(a).await,
            Some(Command::Discover(a)) => discover::run(a).await,
            Some(Command::Check(a)) => check::run(a).await,
            Some(Command::Adapt(a)) => adapt::run(a).await,
            Some(Command::Encrypt(a)) => encrypt::run(a).await,
            Some(Command::Image(a)) => image::run(a).await,
            None => return Err(crate::tui::run().await),
        };
        Ok(outcome)
    };
    tokio::select! {
        outcome = verb => match outcome {
            Err(code) => code,
            Ok(Ok(kind)) => kind.code(),
            Ok(Err(failure)) => {
                output::error(&failure.message);
                failure.kind.code()
            }
        },
        signal = interrupted() => {
            output::error(&format!("interrupted by {signal}; stopped the connector and cleaned up"));
            exit::INTERRUPTED.code()
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
