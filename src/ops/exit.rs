//! What kind of failure an operation met: one [`ExitKind`] per row of the README's exit-code table (its code
//! and wording), the one mapping from each kind of error to its kind, and [`Failure`] (a message that knows
//! its kind), used by the verbs (as exit codes) and the wizard alike.

use crate::catalog::WriteError;
use crate::connector::ConnectorError;
use crate::connector::wrap::WrapError;
use crate::ops::preview::PreviewError;
use crate::ops::task::PrepareError;
use crate::secrets::SecretsError;
use crate::tunnel::{Step, TunnelError};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitKind {
    /// Success.
    Ok,
    /// A connector failed: it exited non-zero, broke the protocol, timed out, or rejected the config/bindings.
    Failed,
    /// Bad command-line usage.
    Usage,
    /// Invalid input: a config that does not match its schema, an unreadable or invalid catalog or file.
    Invalid,
    /// The environment: Docker, the image, the command, sops or its key, an SSH tunnel step, a file that
    /// cannot be written.
    Environment,
    /// `discover` wrote a config stub: edit it and run again.
    StubWritten,
    /// Interrupted (Ctrl-C, SIGTERM, SIGHUP); everything started was cleaned up.
    Interrupted,
}

pub const OK: ExitKind = ExitKind::Ok;
pub const FAILED: ExitKind = ExitKind::Failed;
pub const USAGE: ExitKind = ExitKind::Usage;
pub const INVALID: ExitKind = ExitKind::Invalid;
pub const ENVIRONMENT: ExitKind = ExitKind::Environment;
pub const STUB_WRITTEN: ExitKind = ExitKind::StubWritten;
pub const INTERRUPTED: ExitKind = ExitKind::Interrupted;

impl ExitKind {
    /// Every row of the table, in order.
    pub const ALL: [ExitKind; 7] = [
        ExitKind::Ok,
        ExitKind::Failed,
        ExitKind::Usage,
        ExitKind::Invalid,
        ExitKind::Environment,
        ExitKind::StubWritten,
        ExitKind::Interrupted,
    ];

    pub const fn code(self) -> i32 {
        match self {
            ExitKind::Ok => 0,
            ExitKind::Failed => 1,
            ExitKind::Usage => 2,
            ExitKind::Invalid => 3,
            ExitKind::Environment => 4,
            ExitKind::StubWritten => 5,
            ExitKind::Interrupted => 130,
        }
    }

    /// The README's wording (Markdown).
    pub fn meaning(self) -> &'static str {
        match self {
            ExitKind::Ok => "success",
            ExitKind::Failed => {
                "a connector failed: exited non-zero, broke its protocol, timed out, or rejected the config or bindings"
            }
            ExitKind::Usage => "bad command-line usage",
            ExitKind::Invalid => {
                "invalid input: a config that does not match its schema, an unreadable or invalid catalog"
            }
            ExitKind::Environment => {
                "environment: Docker unreachable, image missing or not pullable, command not found, sops or its key \
                 missing, an SSH tunnel step failed, a file that cannot be written (read-only or full disk)"
            }
            ExitKind::StubWritten => {
                "`discover` wrote a config stub: edit it, then run `discover` again"
            }
            ExitKind::Interrupted => {
                "interrupted (Ctrl-C, SIGTERM, SIGHUP): connectors were stopped and their containers removed"
            }
        }
    }

    /// When several tasks fail (`check`), the code said is the most telling one: the environment (fixing
    /// it may fix the rest), then invalid input, then a connector's refusal.
    pub fn rank(self) -> u8 {
        match self {
            ExitKind::Ok => 0,
            ExitKind::StubWritten => 1,
            ExitKind::Failed => 2,
            ExitKind::Invalid => 3,
            ExitKind::Environment => 4,
            ExitKind::Usage => 5,
            ExitKind::Interrupted => 6,
        }
    }
}

pub fn of_connector(e: &ConnectorError) -> ExitKind {
    match e {
        ConnectorError::DockerUnavailable { .. }
        | ConnectorError::ImageNotFound { .. }
        | ConnectorError::PullFailed { .. }
        | ConnectorError::Docker { .. }
        | ConnectorError::Spawn { .. } => ExitKind::Environment,
        ConnectorError::Cancelled { .. } => ExitKind::Interrupted,
        ConnectorError::Exited { .. }
        | ConnectorError::Protocol { .. }
        | ConnectorError::UnexpectedResponse { .. }
        | ConnectorError::Reported { .. }
        | ConnectorError::Timeout { .. }
        | ConnectorError::Io(_) => ExitKind::Failed,
    }
}

pub fn of_secrets(e: &SecretsError) -> ExitKind {
    if e.is_environment() {
        ExitKind::Environment
    } else {
        ExitKind::Invalid
    }
}

/// A file in the way (a stub or config that exists) is the input; a disk that refuses is the environment.
pub fn of_write(e: &WriteError) -> ExitKind {
    match e {
        WriteError::Exists { .. } => ExitKind::Invalid,
        WriteError::Io { .. } => ExitKind::Environment,
    }
}

/// A tunnel's settings or key are the input; every later step is the environment.
pub fn of_tunnel(e: &TunnelError) -> ExitKind {
    match e.step {
        Step::Settings | Step::Key => ExitKind::Invalid,
        _ => ExitKind::Environment,
    }
}

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
        Self::new(INVALID, message)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

impl From<SecretsError> for Failure {
    fn from(e: SecretsError) -> Self {
        Failure::new(of_secrets(&e), e.to_string())
    }
}

impl From<ConnectorError> for Failure {
    fn from(e: ConnectorError) -> Self {
        Failure::new(of_connector(&e), e.to_string())
    }
}

impl From<WriteError> for Failure {
    fn from(e: WriteError) -> Self {
        Failure::new(of_write(&e), e.to_string())
    }
}

impl From<WrapError> for Failure {
    fn from(e: WrapError) -> Self {
        let kind = match &e {
            WrapError::Connector(c) => of_connector(c),
            WrapError::NoEntrypoint { .. } | WrapError::AlreadyFlow { .. } => INVALID,
            WrapError::NoStaticBinary { .. } | WrapError::Build { .. } | WrapError::Push { .. } => {
                ENVIRONMENT
            }
        };
        Failure::new(kind, e.to_string())
    }
}

impl From<PreviewError> for Failure {
    fn from(e: PreviewError) -> Self {
        match e {
            PreviewError::Invalid(m) => Failure::invalid(m),
            PreviewError::Connector(e) => e.into(),
            PreviewError::Prepare(PrepareError::Secrets(e)) => e.into(),
            PreviewError::Prepare(PrepareError::Tunnel(e)) => {
                Failure::new(of_tunnel(&e), e.to_string())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The README's table, row by row, is this module's.
    #[test]
    fn the_readme_table_is_exit_kind() {
        let readme = include_str!("../../README.md");
        let table = readme
            .split("### Exit codes")
            .nth(1)
            .expect("README has an Exit codes section");
        let rows: Vec<(i32, String)> = table
            .lines()
            .skip_while(|l| !l.starts_with('|'))
            .take_while(|l| l.starts_with('|'))
            .skip(2)
            .map(|l| {
                let cells: Vec<&str> = l.trim_matches('|').split(" | ").collect();
                (
                    cells[0].trim().parse().unwrap(),
                    cells[1].trim().to_string(),
                )
            })
            .collect();
        let ours: Vec<(i32, String)> = ExitKind::ALL
            .iter()
            .map(|k| (k.code(), k.meaning().to_string()))
            .collect();
        assert_eq!(rows, ours);
    }

    #[test]
    fn writes_map_to_input_or_environment() {
        let io = WriteError::Io {
            path: "x".into(),
            action: "write",
            source: std::io::Error::from_raw_os_error(libc::ENOSPC),
        };
        assert_eq!(of_write(&io), ExitKind::Environment);
        let exists = WriteError::Exists { path: "x".into() };
        assert_eq!(of_write(&exists), ExitKind::Invalid);
    }
}
