//! Exit codes scripts can rely on: one [`ExitKind`] per row of the README's table, its code and wording
//! (`--help` prints them from here), and the one mapping from each kind of error to its exit kind, used by
//! every verb.

use crate::catalog::WriteError;
use crate::connector::ConnectorError;
use crate::secrets::SecretsError;

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

/// The "Exit codes:" section of `--help`.
pub fn help() -> String {
    let mut out = String::from("Exit codes:");
    for kind in ExitKind::ALL {
        out.push_str(&format!(
            "\n  {:<4} {}",
            kind.code(),
            kind.meaning().replace('`', "")
        ));
    }
    out
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
    fn help_lists_every_code() {
        let help = help();
        for kind in ExitKind::ALL {
            assert!(help.contains(&format!("\n  {:<4} ", kind.code())), "{help}");
        }
        assert!(!help.contains('`'));
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
