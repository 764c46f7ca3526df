//! The wizard's whole state: which step is shown, each step's own state, the answers, overlays, Docker's
//! status. Plain data: `update` is the only writer, `view` only reads it.

use super::connectors::CatalogEntry;
use super::draft::{Answers, Draft};
use super::flow::{Flow, Origin, TaskKind};
use super::materialization::Materialization;
use super::msg::{ReqId, TaskError};
use super::opened::Opened;
use super::session::Session;
use super::steps::bindings::BindingsState;
use super::steps::changes::ChangesState;
use super::steps::check::CheckState;
use super::steps::collections::CollectionsState;
use super::steps::config::ConfigState;
use super::steps::connector::ConnectorState;
use super::steps::fields::FieldsState;
use super::steps::preview::PreviewState;
use super::steps::resources::ResourcesState;
use super::steps::review::ReviewState;
use super::steps::spec::SpecState;
use super::steps::tunnel::TunnelState;
use super::theme::Theme;
use ratatui::layout::Rect;
use std::time::Instant;

pub use super::flow::StepId;

/// A modal layer over the current step; the last one gets the keys.
#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    /// The `?` list of every key, scrolled by `scroll` lines.
    Help { scroll: usize },
    /// "Quit?" when there are answers.
    ConfirmQuit,
    /// "Resume your draft?" at start-up.
    Resume(Draft),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DockerStatus {
    Checking,
    Up { version: String },
    Down { reason: TaskError },
}

/// Whether the draft reached the disk.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DraftStatus {
    pub req: Option<ReqId>,
    /// `Some(Ok)` once saved; `Some(Err)` says why not.
    pub saved: Option<Result<(), String>>,
    /// A draft that could not be read at start-up (the reason), shown once.
    pub load_error: Option<String>,
}

#[derive(Debug, Clone)]
pub struct State {
    pub theme: Theme,
    /// The terminal's size in cells.
    pub size: (u16, u16),
    pub step: StepId,
    /// Where the task comes from: with its kind (known once the spec is), it chooses the flow.
    pub origin: Origin,
    pub overlays: Vec<Overlay>,
    /// Set by `update` when the wizard should end; the loop then cleans up and leaves.
    pub quit: bool,
    /// The time of the latest tick (ticks only come while something runs).
    pub now: Option<Instant>,
    /// Ticks seen: drives the spinner.
    pub frame: u64,
    next_req: u64,
    pub docker: DockerStatus,
    pub docker_req: Option<ReqId>,
    pub answers: Answers,
    /// What steps settle for each other beyond the answers (the task's typed names, requests).
    pub session: Session,
    pub draft: DraftStatus,
    pub connector: ConnectorState,
    pub spec: SpecState,
    pub config: ConfigState,
    pub tunnel: TunnelState,
    pub check: CheckState,
    pub bindings: BindingsState,
    pub preview: PreviewState,
    pub review: ReviewState,
    /// A materialization's steps, and what they settled.
    pub collections: CollectionsState,
    pub resources: ResourcesState,
    pub fields: FieldsState,
    pub mat: Materialization,
    /// The task of an existing catalog being edited (`Origin::Existing`).
    pub opened: Option<Opened>,
    pub changes: ChangesState,
    /// The terminal shows OSC 8 hyperlinks (links are clickable); off in tests and with `TERM=dumb`.
    pub hyperlinks: bool,
    /// Opening the documentation: the request, then what happened (shown on the status line).
    pub docs_req: Option<ReqId>,
    pub docs_note: Option<Result<String, String>>,
}

impl State {
    /// A fresh wizard offering `curated` connectors, and offering to resume `draft` when there is one.
    pub fn new(theme: Theme, curated: Vec<CatalogEntry>, draft: Option<Draft>) -> State {
        State {
            theme,
            size: (80, 24),
            step: StepId::Connector,
            origin: Origin::New,
            overlays: draft.map(Overlay::Resume).into_iter().collect(),
            quit: false,
            now: None,
            frame: 0,
            next_req: 0,
            docker: DockerStatus::Checking,
            docker_req: None,
            answers: Answers::default(),
            session: Session::default(),
            draft: DraftStatus::default(),
            connector: ConnectorState::new(curated),
            spec: SpecState::default(),
            config: ConfigState::default(),
            tunnel: TunnelState::default(),
            check: CheckState::default(),
            bindings: BindingsState::default(),
            preview: PreviewState::default(),
            review: ReviewState::default(),
            collections: CollectionsState::default(),
            resources: ResourcesState::default(),
            fields: FieldsState::default(),
            mat: Materialization::default(),
            opened: None,
            changes: ChangesState::default(),
            hyperlinks: false,
            docs_req: None,
            docs_note: None,
        }
    }

    /// A new request id; ids are never reused, so a late answer can never pass for a current one.
    pub fn next_req(&mut self) -> ReqId {
        self.next_req += 1;
        ReqId(self.next_req)
    }

    pub fn screen(&self) -> Rect {
        Rect::new(0, 0, self.size.0, self.size.1)
    }

    /// Whether background work is running that the screen shows progress for (the spinner ticks).
    pub fn busy(&self) -> bool {
        self.spec.is_working()
            || self.check.is_working()
            || self.bindings.is_working()
            || self.preview.is_working()
            || self.review.is_working()
            || self.collections.is_working()
            || self.fields.is_working()
            || self.changes.is_working()
            || self.docker == DockerStatus::Checking
    }

    /// The steps' background jobs (their clocks tick together).
    pub fn jobs_mut(&mut self) -> [&mut crate::tui::job::Job; 8] {
        [
            &mut self.spec.job,
            &mut self.check.job,
            &mut self.bindings.job,
            &mut self.preview.job,
            &mut self.collections.job,
            &mut self.fields.job,
            &mut self.changes.job,
            &mut self.review.check,
        ]
    }

    /// The steps of the task being built: a capture's until the spec says it is a materialization.
    pub fn flow(&self) -> Flow {
        let kind = match self.spec.outcome.as_ref().map(|o| o.kind) {
            Some(crate::model::ConnectorKind::Materialize) => TaskKind::Materialization,
            _ => TaskKind::Capture,
        };
        Flow::for_task(kind, self.origin)
    }

    pub fn overlay(&self) -> Option<&Overlay> {
        self.overlays.last()
    }

    /// The documentation link of the connector picked: its spec's, else the curated list's.
    pub fn docs_url(&self) -> Option<String> {
        if let Some(url) = self
            .spec
            .outcome
            .as_ref()
            .and_then(|o| o.spec.documentation_url.clone())
        {
            return Some(url);
        }
        let image = match self.answers.connector.as_ref()? {
            crate::tui::connectors::ConnectorChoice::Image { image, .. } => image,
            _ => return None,
        };
        self.connector
            .curated
            .iter()
            .find(|e| &e.image == image)
            .and_then(|e| e.docs.clone())
    }
}
