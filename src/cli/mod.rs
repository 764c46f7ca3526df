//! The scriptable verbs, flowctl-compatible: `spec`, `discover`, `check`, `preview`, `adapt`, `encrypt`, `image` and `edit`. Each verb is a file;
//! this one holds the argument types they share, exit codes, terminal output and signal handling.

pub mod adapt;
pub mod args;
pub mod check;
pub mod discover;
pub mod edit;
pub mod encrypt;
pub mod exit;
pub mod image;
pub mod output;
pub mod preview;
pub mod spec;

pub use crate::ops::exit::Failure;
pub use args::{Cli, Command};
pub use exit::ExitKind;

pub type Outcome = Result<ExitKind, Failure>;

/// Run one verb until it finishes or a signal arrives; on a signal the verb's future is dropped, which stops
/// its connector (process group killed, container removed) before we exit.
pub async fn run(verbose: u8, quiet: bool, command: Command) -> i32 {
    output::init(verbose, quiet);
    let verb = async {
        match command {
            Command::Spec(a) => spec::run(a).await,
            Command::Discover(a) => discover::run(a).await,
            Command::Check(a) => check::run(a).await,
            Command::Preview(a) => preview::run(a).await,
            Command::Adapt(a) => adapt::run(a).await,
            Command::Encrypt(a) => encrypt::run(a).await,
            Command::Image(a) => image::run(a).await,
            // main opens the task and starts the wizard on it (see `edit::open`).
            Command::Edit(a) => edit::open(&a).await.map(|_| exit::OK),
        }
    };
    let code = async {
        match verb.await {
            Ok(kind) => kind.code(),
            Err(failure) => {
                output::error(&failure.message);
                failure.kind.code()
            }
        }
    };
    until_signal(code).await
}

/// Run `work` (a verb, or the wizard) until it ends, returning its exit code, or until a signal arrives:
/// then `work` is dropped (its connectors stopped, containers removed) and the code is 130.
pub async fn until_signal(work: impl std::future::Future<Output = i32>) -> i32 {
    tokio::select! {
        code = work => code,
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
