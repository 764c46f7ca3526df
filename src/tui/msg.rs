//! Messages into `update` (terminal input, timer ticks, results of background tasks) and commands out of
//! it (work for the task executor). Both are plain data so that `update` stays pure and testable.

use super::connectors::{ConnectorChoice, LocalConnector};
use super::draft::Draft;
pub use super::task_error::TaskError;
use crate::connector::PullProgress;
use crate::model::{ConnectorKind, DiscoveredBinding, LogLine, Protocol, ValidateBinding};
use crate::secrets::Protection;
use ratatui::crossterm::event::{KeyEvent, MouseEvent};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;
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
    Docker(Result<String, TaskError>),
    LocalConnectors(Vec<LocalConnector>),
    /// What the spec task is doing now.
    Stage(Stage),
    Pull(PullProgress),
    Log(LogLine),
    Spec(Result<Box<SpecOutcome>, TaskError>),
    DraftSaved(Result<(), String>),
    /// A file read for a form (a config file, a private key): its text, or why it could not be read.
    FileRead(Result<FileText, String>),
    /// The connector's check (Flow validate, Airbyte check): passed, or its error.
    Checked(Result<(), TaskError>),
    /// The bindings discovered (shared: thousands of schemas are never copied), or the error.
    Discovered(Result<Arc<Vec<DiscoveredBinding>>, TaskError>),
    /// The files a save would write.
    Planned(Result<Box<SavePreview>, TaskError>),
    /// The files were written.
    Saved(Result<Box<SaveDone>, TaskError>),
    /// A sops-protected config file opened in step 3, decrypted in memory: the plaintext and how it was
    /// protected; or the error in plain words.
    ConfigDecrypted(Result<Box<Decrypted>, TaskError>),
    /// Step 7's check of the chosen bindings, one result per binding in order; or why it could not run.
    BindingsChecked(Result<Box<BindingsCheck>, TaskError>),
    /// The task panicked (a bug): its message, already logged.
    Panicked(TaskError),
    /// A step of the SSH path passed (the check or discover goes through a tunnel).
    SshStep(crate::tunnel::Step),
    /// The SSH path is ready: checked (the connector's own tunnel) or open (catwalk's); what was done.
    SshReady(String),
    /// The SSH path failed (the task ends): which step, and what to do.
    SshFailed(crate::tunnel::TunnelError),
    /// The SSH server's host key is not in known_hosts (the task ends): the person decides.
    HostKeyUnknown(Box<HostKeyAsk>),
    /// A link was handed to the desktop's opener (what ran), or why not (over SSH, no opener).
    Opened(Result<String, String>),
    /// The catalogs a materialization can bind: their collections (shared), or why none could be read.
    CatalogsLoaded(Result<Arc<crate::tui::materialization::Loaded>, TaskError>),
    /// A materialization's bindings validated by its connector: a verdict per binding, in order (its
    /// constraints and Flow's field selection, or why it is rejected); or why validate could not run.
    MaterializationValidated(Result<Box<Vec<Verdict>>, TaskError>),
    /// The catalogs found under the current directory (for "Open a catalog").
    Catalogs(Vec<crate::ops::edit::CatalogSummary>),
    /// A task of a catalog opened for editing (its config decrypted in memory), or why not.
    CatalogOpened(Result<Box<crate::ops::edit::OpenedTask>, TaskError>),
    /// The preview's next document (only the first few of each binding are sent).
    PreviewDoc(Box<PreviewDoc>),
    /// The preview's capture is planned: the collections of its enabled bindings, in the order documents
    /// name them (`PreviewDoc::binding`); sent before the first document.
    PreviewPlanned(Vec<String>),
    /// The preview ended: what each binding captured in all, or why it could not run.
    Previewed(Result<Box<PreviewReport>, TaskError>),
}

/// A document the preview read, and where it breaks its collection's schema or key (pointer, reason).
#[derive(Debug, Clone, PartialEq)]
pub struct PreviewDoc {
    /// The binding's index among the previewed capture's enabled bindings.
    pub binding: usize,
    pub doc: Value,
    pub problem: Option<(String, String)>,
}

/// What the wizard's preview reads: the capture the save would write, and how much of it.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviewRequest {
    pub run: Run,
    /// The capture the save would write (names, chosen bindings with their collections), shared.
    pub task: Arc<crate::catalog::TaskDraft>,
    pub config: Hidden<Value>,
    pub resource_path_pointers: Vec<String>,
    pub ssh: SshUse,
    /// At most this many documents per binding.
    pub limit: usize,
    /// At most this long.
    pub timeout: std::time::Duration,
    /// Editing an existing catalog: the save's request (with the person's choices), whose planned capture
    /// is previewed instead of one built from `bindings` alone (`ops::edit::planned_task`).
    pub edit: Option<Hidden<SaveRequest>>,
}

/// What a preview read: the preview operation's own report.
pub use crate::ops::preview::Report as PreviewReport;

/// How a check or discover goes through the SSH tunnel its config asks for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SshUse {
    /// The passphrase of an encrypted private key (step 4's field; else `$CATWALK_SSH_KEY_PASSPHRASE`).
    pub passphrase: Option<crate::tunnel::Secret>,
    /// A host key the person accepted: recorded in known_hosts before connecting.
    pub accept: Option<HostKeyAsk>,
}

/// An SSH server's host key that known_hosts does not have, for the person to accept or not.
#[derive(Debug, Clone, PartialEq)]
pub struct HostKeyAsk {
    pub host: String,
    pub port: u16,
    /// e.g. `ssh-ed25519`.
    pub algorithm: String,
    /// `SHA256:…`
    pub fingerprint: String,
    pub key: russh::keys::PublicKey,
    /// The known_hosts file it would be recorded in.
    pub known_hosts: PathBuf,
}

/// A config file decrypted with sops (`Debug` hides the plaintext).
#[derive(Debug, Clone)]
pub struct Decrypted {
    /// The path as shown to the person.
    pub path: String,
    pub value: Hidden<Value>,
    pub protection: Protection,
}

/// The check of chosen bindings: the check operation's own types.
pub use crate::ops::check::{BindingVerdict, BindingsCheck};

/// A value that may hold secrets (a config): `Debug` shows nothing of it (commands are logged), and two
/// are equal only when they are the very same value.
#[derive(Clone)]
pub struct Hidden<T>(pub Arc<T>);

impl<T> Hidden<T> {
    pub fn new(value: T) -> Hidden<T> {
        Hidden(Arc::new(value))
    }
}

impl<T> std::fmt::Debug for Hidden<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<hidden>")
    }
}

impl<T> PartialEq for Hidden<T> {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl<T> std::ops::Deref for Hidden<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// The connector picked, as step 2 found it: what steps 5 and 6 run.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub choice: ConnectorChoice,
    pub protocol: Protocol,
    pub kind: ConnectorKind,
}

/// Everything a save needs: where, the task as drafted (names, bindings), how to run its connector and
/// protect its config.
#[derive(Clone)]
pub struct SaveRequest {
    /// The directory as typed (`~` is the home directory; relative to the current directory).
    pub dir: String,
    pub run: Run,
    /// The task to write (capture or materialization), shared: its schemas are never copied.
    pub task: Arc<crate::catalog::TaskDraft>,
    pub resource_path_pointers: Vec<String>,
    /// The endpoint config (secrets in clear), written to the config file with mode 0600.
    pub config: Value,
    /// Replace an existing catalog file instead of merging into it.
    pub replace: bool,
    /// The person confirmed writing over files whose contents differ (for `Cmd::Save`).
    pub confirmed: bool,
    /// Write the config encrypted with sops this way (`None`: plaintext, mode 0600).
    pub protection: Option<Protection>,
    /// The connector's config schema: which fields are secret.
    pub config_schema: Value,
    /// Wrap the Airbyte image for Flow as this tag (`catwalk image wrap`) and write it as the endpoint.
    pub wrap: Option<String>,
    /// Leave the config file as it is (an opened config, unchanged).
    pub keep_config: bool,
}

/// What a save would do, and what it wrote: the save operation's own types.
pub use crate::ops::save::{SaveDone, SavePreview};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Connecting to Docker and inspecting the image (pulling it when absent).
    Resolving,
    /// Finding out which protocol a local command speaks (it runs `spec` as part of that).
    Probing,
    /// Running the connector's spec.
    Running,
}

/// A spec and where it came from: the spec operation's own type.
pub use crate::ops::spec::SpecOutcome;

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
    /// Run the connector's check with this config: Flow validate (no bindings) of the capture `name`,
    /// Airbyte check. A tunnel the config asks for is checked (or opened) first, step by step.
    Check {
        id: ReqId,
        run: Run,
        name: String,
        config: Hidden<Value>,
        /// Through the SSH tunnel the config asks for (if any).
        ssh: SshUse,
    },
    Discover {
        id: ReqId,
        run: Run,
        config: Hidden<Value>,
        ssh: SshUse,
    },
    /// Work out the files a save would write (reads the disk, writes nothing).
    PlanSave(ReqId, Hidden<SaveRequest>),
    /// Write the files (planned again, and refused when an existing file would change unconfirmed).
    Save(ReqId, Hidden<SaveRequest>),
    /// Remove the draft: the catalog is saved, nothing is left to resume.
    ClearDraft(ReqId),
    /// Open a link with the desktop's opener (`xdg-open`, `open`), unless over SSH.
    OpenUrl(ReqId, String),
    /// Decrypt a sops-protected config file (its parsed value) in memory, registering its secrets (per
    /// `schema`) for redaction.
    DecryptConfig {
        id: ReqId,
        path: String,
        value: Hidden<Value>,
        schema: Hidden<Value>,
    },
    /// Find the catalogs under the current directory.
    ScanCatalogs(ReqId),
    /// Open a task of a catalog for editing (sops decrypts its config in memory).
    OpenCatalog {
        id: ReqId,
        file: PathBuf,
        name: String,
    },
    /// Read a few documents per chosen binding through the catalog the save would write (held in memory:
    /// `ops::preview::planned_task`); through the SSH tunnel the config asks for. Cancelling stops the
    /// connector.
    Preview {
        id: ReqId,
        req: PreviewRequest,
    },
    /// Check the chosen bindings with the connector (Flow validate with them, as `catwalk check` does;
    /// Airbyte and Singer through the adapter's validate) and each resource config against its schema.
    CheckBindings {
        id: ReqId,
        run: Run,
        /// The capture's full name.
        name: String,
        config: Hidden<Value>,
        bindings: Hidden<Vec<ValidateBinding>>,
        resource_schema: Hidden<Value>,
    },
    /// Read the catalogs in `dir` (`~` is the home directory) and the files `opened` by path: the
    /// collections a materialization can bind.
    LoadCatalogs {
        id: ReqId,
        dir: String,
        opened: Vec<String>,
    },
    /// Validate a materialization's bindings with its connector (through the SSH tunnel its config asks
    /// for): the constraints on each binding's fields.
    ValidateMaterialization {
        id: ReqId,
        run: Run,
        /// The materialization's full name.
        name: String,
        config: Hidden<Value>,
        candidates: Hidden<Vec<Candidate>>,
        resource_schema: Hidden<Value>,
        ssh: SshUse,
    },
}

/// A materialization binding to validate, and the connector's verdict on it: the operation's own types.
pub use crate::ops::materialize::{Candidate, Verdict};
