//! Messages into `update` (terminal input, timer ticks, results of background tasks) and commands out of
//! it (work for the task executor). Both are plain data so that `update` stays pure and testable.

use super::connectors::{ConnectorChoice, LocalConnector};
use super::draft::Draft;
use crate::connector::PullProgress;
use crate::model::{ConnectorKind, LogLine, Protocol, Spec};
use ratatui::crossterm::event::{KeyEvent, MouseEvent};
use std::time::Instant;

/// Identifies one background request. A result whose id is not the one the state waits for is stale
/// (the person went back, cancelled or picked something else) and is dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReqId(pub u64);

#[derive(Debug, Clone)]
pub enum Msg {
    /// A key press (releases and repeats never get here).
    Key(KeyEvent),
    Mouse(MouseEvent),
    /// Bracketed paste: the whole pasted text at once.
    Paste(String),
    Resize(u16, u16),
    /// The spinner's timer; only sent while something runs in the background.
    Tick(Instant),
    /// A background task's report.
    Task(ReqId, TaskMsg),
    /// The terminal's input ended (closed or broken): leave without asking.
    InputClosed,
}

/// What background tasks report.
#[derive(Debug, Clone)]
pub enum TaskMsg {
    /// Docker answered with its version, or could not be reached (the reason).
    Docker(Result<String, String>),
    LocalConnectors(Vec<LocalConnector>),
    /// What the spec task is doing now.
    Stage(Stage),
    Pull(PullProgress),
    Log(LogLine),
    Spec(Result<Box<SpecOutcome>, String>),
    DraftSaved(Result<(), String>),
    /// A file read for a form (a config file, a private key): its text, or why it could not be read.
    FileRead(Result<FileText, String>),
    /// The task panicked (a bug): its message, already logged.
    Panicked(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Connecting to Docker and inspecting the image (pulling it when absent).
    Resolving,
    /// Finding out which protocol a local command speaks (it runs `spec` as part of that).
    Probing,
    /// Running the connector's spec.
    Running,
}

/// A spec and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct SpecOutcome {
    pub spec: Spec,
    pub protocol: Protocol,
    pub kind: ConnectorKind,
    /// `image X` or `command Y`.
    pub subject: String,
    /// The image digest (or id, for images built locally) the spec is cached under.
    pub digest: Option<String>,
    /// Read from the spec cache: no container was started.
    pub from_cache: bool,
}

/// A text file read for the wizard. `Debug` shows its size only (it may be a private key).
#[derive(Clone, PartialEq)]
pub struct FileText {
    /// The path as the person typed it, `~` expanded.
    pub path: String,
    pub text: String,
}

impl std::fmt::Debug for FileText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FileText({}, {} bytes)", self.path, self.text.len())
    }
}

/// Work for the task executor.
#[derive(Debug, Clone, PartialEq)]
pub enum Cmd {
    CheckDocker(ReqId),
    ScanPath(ReqId),
    /// Open the connector and get its spec (from the cache when the image digest is known, unless
    /// `fresh`).
    FetchSpec {
        id: ReqId,
        choice: ConnectorChoice,
        fresh: bool,
    },
    /// Abort a running request; the connector layer stops its process or removes its container.
    Cancel(ReqId),
    SaveDraft(ReqId, Draft),
    /// Read a (small) text file; `~/` is the home directory.
    ReadFile(ReqId, String),
}
