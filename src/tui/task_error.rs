//! Why a background task failed, kept typed until a screen shows it: the operation's exit kind (the one
//! the verbs would exit with, `ops::exit`; none for catwalk's own bug) and its message, which says what is
//! wrong, where, and what to do. Only the views turn it into text.

use crate::connector::ConnectorError;
use crate::ops::exit::{self, ExitKind, Failure};
use crate::tunnel::TunnelError;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskError {
    /// What kind of failure it is; `None`: a bug in catwalk (a task panicked).
    pub kind: Option<ExitKind>,
    pub message: String,
}

impl TaskError {
    pub fn new(kind: ExitKind, message: impl Into<String>) -> TaskError {
        TaskError {
            kind: Some(kind),
            message: message.into(),
        }
    }

    /// The input is wrong or missing (a config not filled in, a path that is not a directory).
    pub fn invalid(message: impl Into<String>) -> TaskError {
        TaskError::new(ExitKind::Invalid, message)
    }

    /// The connector failed or refused (its error as it said it).
    pub fn failed(message: impl Into<String>) -> TaskError {
        TaskError::new(ExitKind::Failed, message)
    }

    /// The environment is at fault: Docker, a file that cannot be read or written, sops, the tunnel.
    pub fn environment(message: impl Into<String>) -> TaskError {
        TaskError::new(ExitKind::Environment, message)
    }

    /// catwalk's own bug (a panicked task): the message says where its log is.
    pub fn bug(message: impl Into<String>) -> TaskError {
        TaskError {
            kind: None,
            message: message.into(),
        }
    }

    /// The same failure, its message replaced by `f` of it (more said before or after it).
    pub fn map_message(self, f: impl FnOnce(String) -> String) -> TaskError {
        TaskError {
            kind: self.kind,
            message: f(self.message),
        }
    }
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TaskError {}

impl From<Failure> for TaskError {
    fn from(f: Failure) -> TaskError {
        TaskError::new(f.kind, f.message)
    }
}

impl From<ConnectorError> for TaskError {
    fn from(e: ConnectorError) -> TaskError {
        Failure::from(e).into()
    }
}

impl From<TunnelError> for TaskError {
    fn from(e: TunnelError) -> TaskError {
        TaskError::new(exit::of_tunnel(&e), e.to_string())
    }
}

impl From<crate::secrets::SecretsError> for TaskError {
    fn from(e: crate::secrets::SecretsError) -> TaskError {
        Failure::from(e).into()
    }
}

impl From<crate::ops::preview::PreviewError> for TaskError {
    fn from(e: crate::ops::preview::PreviewError) -> TaskError {
        Failure::from(e).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_error_keeps_its_kind_and_shows_its_message() {
        let e = TaskError::from(Failure::new(ExitKind::Environment, "Docker is not running"));
        assert_eq!(e.kind, Some(ExitKind::Environment));
        assert_eq!(e.to_string(), "Docker is not running");
        let e = e.map_message(|m| format!("{m}\nthe tunnel closed"));
        assert_eq!(e.kind, Some(ExitKind::Environment));
        assert_eq!(e.message, "Docker is not running\nthe tunnel closed");
        let t = TaskError::from(TunnelError::new(crate::tunnel::Step::Key, "no key file"));
        assert_eq!(
            t.kind,
            Some(ExitKind::Invalid),
            "a tunnel's key is the input"
        );
        assert_eq!(TaskError::bug("a bug").kind, None);
    }
}
