//! Start a connector (Docker image or local command) and talk to it. Knows nothing of the wizard or catalogs.
//!
//! [`Connector::open`] resolves the endpoint (connects to Docker, pulls the image, reads its labels) and the
//! protocol (Flow, Airbyte or Singer); [`Connector::spec`], [`Connector::discover`], [`Connector::validate`]
//! and the protocol-specific reads each run the connector once, under a timeout, and always clean up the
//! process or container.

pub mod airbyte;
pub mod docker;
pub mod endpoint;
pub mod error;
mod files;
pub mod flow;
pub mod keys;
mod leftovers;
mod local;
pub mod logs;
mod probe;
pub mod process;
mod raw_doc;
mod read;
pub mod registry_auth;
pub mod singer;
pub mod spec_cache;
pub mod wrap;

pub use docker::{DockerHost, ImageInfo, PullProgress, PullSink};
pub use endpoint::Endpoint;
pub use error::ConnectorError;
pub use process::{Exit, LogSink};
pub use spec_cache::SpecCache;

use crate::model::{
    CapturedDoc, ConnectorKind, DiscoveredBinding, LogLevel, LogLine, Protocol, Spec,
    ValidateRequest, Validated, ValidatedBinding,
};
use crate::protocol::capture as protocol_capture;
use airbyte::Message;
use flow::FlowSession;
use process::{Invocation, LogCollector, Running};
use serde_json::Value;
use std::time::Duration;

/// The default limit for one connector run (spec, discover, validate...). Pulls are not counted.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

/// How long a connector may take to exit once its answer is in, at most (and never past its timeout).
/// One that is still running then is stopped, and its answer used.
pub const EXIT_GRACE: Duration = Duration::from_secs(5);

/// How long a capture connector may take to exit once its session is over (its input closed), at most.
pub const CAPTURE_STOP_GRACE: Duration = Duration::from_secs(2);

/// How a supervised run is ended once its body is done.
struct Stop {
    /// How long the connector may take to exit (never past the deadline); then it is stopped.
    grace: Duration,
    /// Warn when it had to be stopped.
    warn: bool,
}

impl Default for Stop {
    fn default() -> Self {
        Stop {
            grace: EXIT_GRACE,
            warn: true,
        }
    }
}

/// How to run connectors.
#[derive(Clone)]
pub struct Options {
    /// Force a protocol instead of reading image labels (images) or probing (local commands).
    pub protocol: Option<Protocol>,
    /// Capture or materialization, when the caller knows (a catalog says). Otherwise from image labels, or
    /// for local commands from their spec (default capture).
    pub kind: Option<ConnectorKind>,
    /// Docker network for containers (`bridge`, `host`, or a named network).
    pub network: String,
    pub timeout: Duration,
    /// `LOG_LEVEL` given to connectors.
    pub log_level: String,
    pub logs: Option<LogSink>,
    pub pull: Option<PullSink>,
    /// Specs cached on disk: read by [`Connector::open`] (unless refreshing), written after a fresh spec.
    pub spec_cache: Option<SpecCache>,
    /// Told to bypass the cache: local connectors get [`spec_cache::BYPASS_ENV`], so that a `catwalk adapt`
    /// they run bypasses its own cache too.
    pub bypass_spec_cache: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            protocol: None,
            kind: None,
            network: "bridge".into(),
            timeout: DEFAULT_TIMEOUT,
            log_level: "info".into(),
            logs: None,
            pull: None,
            spec_cache: None,
            bypass_spec_cache: false,
        }
    }
}

enum Runner {
    Local {
        command: Vec<String>,
        env: std::collections::BTreeMap<String, String>,
    },
    Docker {
        host: DockerHost,
        image: Box<ImageInfo>,
    },
}

/// A connector ready to run: endpoint resolved, protocol known.
pub struct Connector {
    endpoint: Endpoint,
    protocol: Protocol,
    kind: ConnectorKind,
    runner: Runner,
    opts: Options,
    /// The spec, when finding the protocol already fetched it, or the cache had it.
    probed_spec: Option<Spec>,
    /// Where a fresh spec is stored: the cache and this connector's key in it.
    cache_slot: Option<(SpecCache, String)>,
}

impl Connector {
    /// Resolve the endpoint: for an image, connect to Docker, pull it if absent and read its labels; for a
    /// local command without `--protocol`, probe it (see [`Connector::probe`]).
    pub async fn open(endpoint: Endpoint, opts: Options) -> Result<Connector, ConnectorError> {
        match &endpoint {
            Endpoint::Image(image) => {
                let host = DockerHost::connect().await?;
                let info = host.ensure_image(image, opts.pull.clone()).await?;
                let (protocol, kind) = match opts.protocol {
                    Some(p) => (p, endpoint::detect(&info).map(|d| d.1).unwrap_or_default()),
                    None => endpoint::detect(&info).ok_or_else(|| ConnectorError::Reported {
                        subject: endpoint.subject(),
                        during: "while reading its labels".into(),
                        message: "it carries none of the labels that say which protocol it speaks (FLOW_RUNTIME_PROTOCOL, \
                                  CONNECTOR_PROTOCOL, io.airbyte.name, or env AIRBYTE_ENTRYPOINT).\n  Pass --protocol flow, --protocol airbyte or --protocol singer."
                            .into(),
                    })?,
                };
                let cache_slot = opts.spec_cache.clone().zip(spec_cache::key(&info));
                let mut c = Connector {
                    endpoint,
                    protocol,
                    kind: opts.kind.unwrap_or(kind),
                    runner: Runner::Docker {
                        host,
                        image: Box::new(info),
                    },
                    opts,
                    probed_spec: None,
                    cache_slot,
                };
                c.read_cache();
                Ok(c)
            }
            Endpoint::Local { command, env } => {
                let runner = Runner::Local {
                    command: command.clone(),
                    env: env.clone(),
                };
                let cache_slot = opts
                    .spec_cache
                    .clone()
                    .zip(spec_cache::local_key(command, env));
                let mut c = Connector {
                    endpoint,
                    protocol: opts.protocol.unwrap_or(Protocol::Flow),
                    kind: opts.kind.unwrap_or_default(),
                    runner,
                    opts,
                    probed_spec: None,
                    cache_slot,
                };
                if !c.read_cache() && c.opts.protocol.is_none() {
                    c.probe().await?;
                    if let Some(spec) = &c.probed_spec {
                        c.write_cache(spec);
                    }
                }
                Ok(c)
            }
        }
    }

    /// A spec from the cache, when there is one for this connector and it speaks the protocol asked for:
    /// then no process is started to learn the protocol or the spec. True when found.
    fn read_cache(&mut self) -> bool {
        let Some((cache, key)) = &self.cache_slot else {
            return false;
        };
        let Some(mut spec) = cache.get(key) else {
            return false;
        };
        if self.opts.protocol.is_some_and(|p| p != spec.protocol) {
            return false;
        }
        tracing::info!("spec of {} read from the cache ({key})", self.subject());
        // A materialization says so in its spec; otherwise the caller's word (a catalog) or the labels hold.
        if spec.kind != ConnectorKind::Materialize {
            spec.kind = self.opts.kind.unwrap_or(self.kind);
        }
        self.protocol = spec.protocol;
        self.kind = spec.kind;
        self.probed_spec = Some(spec);
        true
    }

    fn write_cache(&self, spec: &Spec) {
        if let Some((cache, key)) = &self.cache_slot {
            cache.put(key, &self.subject(), spec);
        }
    }

    /// Find the protocol of a local command by asking it for its spec, first in one run that any Airbyte
    /// or Flow connector answers (see [`probe`]); when that fails, as Flow alone (a connector that refuses
    /// the argument), then as Singer (`--about --format=json`). A program named `tap-*` is most likely a
    /// Singer tap, so it is asked that first. Every run has a pipe as stdin, and a run that times out ends
    /// the probe: the next ones would wait as long.
    async fn probe(&mut self) -> Result<(), ConnectorError> {
        #[derive(Clone, Copy)]
        enum Ask {
            Either,
            Flow,
            Singer,
        }
        let order = if self.endpoint.looks_like_singer_tap() {
            [Ask::Singer, Ask::Either, Ask::Flow]
        } else {
            [Ask::Either, Ask::Flow, Ask::Singer]
        };
        let mut failures = Vec::new();
        for ask in order {
            let answer = match ask {
                Ask::Either => {
                    // The Flow codec, in case a Flow connector answers.
                    self.protocol = Protocol::Flow;
                    let (kind, subject) = (self.kind, self.subject());
                    self.supervise(
                        probe::invocation(),
                        "during spec",
                        async |run: &mut Running| probe::either_spec(run, kind, &subject).await,
                    )
                    .await
                }
                Ask::Flow => {
                    self.protocol = Protocol::Flow;
                    self.flow_spec().await
                }
                Ask::Singer => {
                    self.protocol = Protocol::Singer;
                    self.singer_about().await
                }
            };
            match answer {
                Ok(spec) => {
                    self.protocol = spec.protocol;
                    self.kind = spec.kind;
                    self.probed_spec = Some(spec);
                    return Ok(());
                }
                Err(e @ (ConnectorError::Spawn { .. } | ConnectorError::Timeout { .. })) => {
                    return Err(e);
                }
                Err(e) => failures.push((ask, e)),
            }
        }
        let mut message = "it answered none of the protocols.".to_string();
        for (ask, e) in failures {
            let how = match ask {
                Ask::Either => "As Airbyte or Flow (`spec`, and a spec request on stdin)",
                Ask::Flow => "As Flow (a spec request on stdin, no arguments)",
                Ask::Singer => "As Singer (`--about --format=json`)",
            };
            message.push_str(&format!("\n  {how}: {e}"));
        }
        message.push_str(
            "\n  Pass --protocol flow, airbyte or singer to see only the relevant error \
             (a Singer tap that cannot describe its settings works with --protocol singer and a config written by hand).",
        );
        Err(ConnectorError::Reported {
            subject: self.subject(),
            during: "while finding out which protocol it speaks".into(),
            message,
        })
    }

    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// The Docker network of later runs (`host` to reach an SSH tunnel catwalk opened on 127.0.0.1).
    pub fn set_network(&mut self, network: &str) {
        self.opts.network = network.to_string();
    }

    pub fn kind(&self) -> ConnectorKind {
        self.kind
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The image's inspected details, for Docker endpoints.
    pub fn image(&self) -> Option<&ImageInfo> {
        match &self.runner {
            Runner::Docker { image, .. } => Some(image),
            Runner::Local { .. } => None,
        }
    }

    /// `image X` or `command Y`, for messages.
    pub fn subject(&self) -> String {
        self.endpoint.subject()
    }

    /// The spec: probed or cached when [`Connector::open`] got it, else asked of the connector (and cached).
    pub async fn spec(&self) -> Result<Spec, ConnectorError> {
        if let Some(spec) = &self.probed_spec {
            return Ok(spec.clone());
        }
        let spec = self.fresh_spec().await?;
        self.write_cache(&spec);
        Ok(spec)
    }

    async fn fresh_spec(&self) -> Result<Spec, ConnectorError> {
        match self.protocol {
            Protocol::Flow => self.flow_spec().await,
            Protocol::Airbyte => self.airbyte_spec().await,
            Protocol::Singer => match self.singer_about().await {
                Ok(spec) => Ok(spec),
                Err(e @ ConnectorError::Reported { .. }) => {
                    // Told it is a Singer tap: one that cannot describe its settings still works, with a
                    // config written by hand (any object is accepted).
                    let warning =
                        format!("{e}\n  Going on with a free-form config: any object is accepted.");
                    tracing::warn!("{warning}");
                    if let Some(sink) = &self.opts.logs {
                        sink(&LogLine {
                            level: LogLevel::Warn,
                            message: warning,
                            fields: None,
                        });
                    }
                    Ok(singer::free_form_spec())
                }
                Err(e) => Err(e),
            },
        }
    }

    /// Discover resources. `config` must already carry schema defaults (see `schema::with_defaults`).
    pub async fn discover(&self, config: &Value) -> Result<Vec<DiscoveredBinding>, ConnectorError> {
        match self.protocol {
            Protocol::Flow => {
                let local = self.is_local();
                self.flow_call("during discover", async |s| s.discover(local, config).await)
                    .await
            }
            Protocol::Airbyte => Ok(self
                .airbyte_streams(config)
                .await?
                .iter()
                .map(airbyte::stream_to_binding)
                .collect()),
            Protocol::Singer => Ok(self
                .singer_streams(config)
                .await?
                .iter()
                .map(singer::stream_to_binding)
                .collect()),
        }
    }

    /// The raw Airbyte streams of a discover (what `read` needs in its configured catalog).
    pub async fn airbyte_streams(&self, config: &Value) -> Result<Vec<Value>, ConnectorError> {
        let mut catalog = None;
        self.airbyte_run(
            airbyte::invocation("discover", Some(config), None, None),
            "during discover",
            |m| {
                if let Message::Catalog(c) = m {
                    catalog = Some(c);
                }
            },
        )
        .await?;
        let catalog = catalog
            .ok_or_else(|| self.reported("during discover", "it printed no CATALOG message"))?;
        Ok(catalog
            .get("streams")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default())
    }

    /// Check the connection and the bindings. Flow: the connector's validate. Airbyte: `check`, then (when
    /// there are bindings) a discover to confirm that every bound stream exists.
    pub async fn validate(&self, req: &ValidateRequest) -> Result<Validated, ConnectorError> {
        match self.protocol {
            Protocol::Flow => {
                let (local, kind) = (self.is_local(), self.kind);
                self.flow_call("during validate", async |s| {
                    s.validate(local, kind, req).await
                })
                .await
            }
            // The check and the discover that finds the bound streams run side by side: one connector
            // start's time, not two.
            Protocol::Airbyte => {
                if req.bindings.is_empty() {
                    self.airbyte_check(&req.config).await?;
                    return Ok(Validated::default());
                }
                let (checked, streams) = tokio::join!(
                    self.airbyte_check(&req.config),
                    self.airbyte_streams(&req.config)
                );
                checked?;
                let streams = streams?;
                let found: Vec<Vec<String>> = streams
                    .iter()
                    .map(|s| airbyte::stream_to_binding(s).resource_path)
                    .collect();
                self.bound_streams(req, &airbyte::resource_path_pointers(), &found)
            }
            // The cheapest real connection test a tap offers is its discover (the SDK's `--test=schema`
            // discovers too, then prints every schema): it connects and lists the streams to check against.
            Protocol::Singer => {
                let streams = self.singer_streams(&req.config).await?;
                let found: Vec<Vec<String>> = streams
                    .iter()
                    .map(|s| vec![singer::stream_id(s).to_string()])
                    .collect();
                self.bound_streams(req, &singer::resource_path_pointers(), &found)
            }
        }
    }

    /// One validated binding per requested one, each bound stream looked up among those discovered (`found`,
    /// as resource paths); an error lists the streams that no longer exist.
    fn bound_streams(
        &self,
        req: &ValidateRequest,
        pointers: &[String],
        found: &[Vec<String>],
    ) -> Result<Validated, ConnectorError> {
        let mut missing = Vec::new();
        let bindings = req
            .bindings
            .iter()
            .map(|b| {
                let path = flow::resource_path(&b.resource_config, pointers);
                if !found.contains(&path) {
                    missing.push(path.join("."));
                }
                ValidatedBinding {
                    resource_path: path,
                    ..Default::default()
                }
            })
            .collect();
        if !missing.is_empty() {
            return Err(self.reported(
                "during validate",
                &format!(
                    "these streams no longer exist in the source: {}",
                    missing.join(", ")
                ),
            ));
        }
        Ok(Validated { bindings })
    }

    /// The spec, then (when `make` builds a request from it) validation. A Flow connector serves both requests
    /// in one process, as Flow's runtime does; `make` runs in between (e.g. to check the config against the
    /// schema) and may decline with its own error, in which case nothing is validated.
    pub async fn spec_and_validate<E>(
        &self,
        make: impl FnOnce(&Spec) -> Result<ValidateRequest, E>,
    ) -> Result<(Spec, Result<Validated, E>), ConnectorError> {
        if self.protocol != Protocol::Flow || self.probed_spec.is_some() {
            let spec = self.spec().await?;
            return match make(&spec) {
                Ok(req) => {
                    let validated = self.validate(&req).await?;
                    Ok((spec, Ok(validated)))
                }
                Err(e) => Ok((spec, Err(e))),
            };
        }
        let inv = Invocation {
            stdin: true,
            ..Default::default()
        };
        let subject = self.subject();
        let (local, kind) = (self.is_local(), self.kind);
        let (spec, outcome) = self
            .supervise(
                inv,
                "during spec and validate",
                async |run: &mut Running| {
                    let mut session = FlowSession {
                        run,
                        subject: &subject,
                    };
                    let spec = session.spec(local, kind).await?;
                    let req = match make(&spec) {
                        Ok(req) => req,
                        Err(e) => return Ok((spec, Err(e))),
                    };
                    let validated = session.validate(local, spec.kind, &req).await?;
                    Ok((spec, Ok(validated)))
                },
            )
            .await?;
        self.write_cache(&spec);
        Ok((spec, outcome))
    }

    /// Airbyte `check`: Ok when the connection succeeded, else the connector's message.
    pub async fn airbyte_check(&self, config: &Value) -> Result<(), ConnectorError> {
        let mut status = None;
        self.airbyte_run(
            airbyte::invocation("check", Some(config), None, None),
            "during check",
            |m| {
                if let Message::ConnectionStatus { succeeded, message } = m {
                    status = Some((succeeded, message));
                }
            },
        )
        .await?;
        match status {
            Some((true, _)) => Ok(()),
            Some((false, message)) => Err(self.reported(
                "during check",
                &message.unwrap_or_else(|| "the connection check failed (no message)".into()),
            )),
            None => Err(self.reported("during check", "it printed no CONNECTION_STATUS message")),
        }
    }

    /// Airbyte `read` with a configured catalog (see [`airbyte::configured_catalog`]); every message other than
    /// logs goes to `on_message` (records, state).
    pub async fn airbyte_read(
        &self,
        config: &Value,
        catalog: &Value,
        state: Option<&Value>,
        on_message: impl FnMut(Message),
    ) -> Result<(), ConnectorError> {
        let state = state.cloned().unwrap_or_else(|| Value::Array(vec![]));
        self.airbyte_run(
            airbyte::invocation("read", Some(config), Some(catalog), Some(&state)),
            "during read",
            on_message,
        )
        .await
    }

    /// The spec of a Singer tap, from `--about --format=json`; an error when it gives none (unlike
    /// [`Connector::spec`], which then falls back to a free-form config for a tap said to be Singer).
    pub async fn singer_about(&self) -> Result<Spec, ConnectorError> {
        let during = "during spec (`--about --format=json`)";
        let out = self
            .supervise(
                singer::about_invocation(),
                during,
                async |run: &mut Running| singer::collect(run).await,
            )
            .await;
        match out {
            Ok(out) => singer::map_about(&out, &self.subject()),
            Err(ConnectorError::Exited {
                status, last_log, ..
            }) => Err(self.reported(
                during,
                &format!(
                    "it exited with {status} instead of describing its settings as JSON{}.\n  {}",
                    last_log
                        .map(|l| format!(" (its last log line: {l})"))
                        .unwrap_or_default(),
                    singer::NO_ABOUT_ADVICE
                ),
            )),
            Err(e) => Err(e),
        }
    }

    /// The raw streams of a Singer discover (`--config F --discover`): what a sync's catalog is made of.
    pub async fn singer_streams(&self, config: &Value) -> Result<Vec<Value>, ConnectorError> {
        let out = self
            .supervise(
                singer::invocation(config, None, None, true),
                "during discover",
                async |run: &mut Running| singer::collect(run).await,
            )
            .await?;
        let catalog = singer::json_document(&out)
            .filter(|c| c.get("streams").is_some_and(Value::is_array))
            .ok_or_else(|| {
                self.reported(
                    "during discover",
                    "it printed no catalog (a JSON object with `streams`) on stdout",
                )
            })?;
        Ok(singer::catalog_streams(&catalog))
    }

    /// A Singer sync (`--config F --catalog F [--state F]`) with a catalog from
    /// [`singer::selected_catalog`]; every message (schemas, records, states...) goes to `on_message`.
    pub async fn singer_read(
        &self,
        config: &Value,
        catalog: &Value,
        state: Option<&Value>,
        on_message: impl FnMut(singer::Message),
    ) -> Result<(), ConnectorError> {
        self.supervise(
            singer::invocation(config, Some(catalog), state, false),
            "during read",
            async |run: &mut Running| singer::pump(run, on_message).await,
        )
        .await
    }

    /// Read the streams the `resources` (bindings' resource configs, in binding order) name: discover, select
    /// them, sync. Each record becomes a document of its binding, as the catalog's collection expects it
    /// (streams without a primary key get `_meta.row_id`, counted from 0 per binding). Returns the last
    /// STATE the tap sent: the `state` to resume from.
    pub async fn singer_documents(
        &self,
        config: &Value,
        resources: &[Value],
        state: Option<&Value>,
        mut on_doc: impl FnMut(CapturedDoc),
    ) -> Result<Option<Value>, ConnectorError> {
        let streams = self.singer_streams(config).await?;
        let catalog = singer::selected_catalog(&streams, resources)
            .map_err(|e| self.reported("during read", &e))?;
        // stream id -> (binding, fallback key, next row id)
        let mut bound: std::collections::HashMap<String, (usize, bool, u64)> = resources
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let id = r.get("stream").and_then(Value::as_str).unwrap_or("");
                let fallback = streams
                    .iter()
                    .find(|s| singer::stream_id(s) == id)
                    .is_some_and(|s| singer::key_properties(s).is_empty());
                (id.to_string(), (i, fallback, 0))
            })
            .collect();
        let mut last_state = None;
        self.singer_read(config, &catalog, state, |m| match m {
            singer::Message::Record {
                stream, mut record, ..
            } => {
                if let Some((binding, fallback, next)) = bound.get_mut(&stream) {
                    if *fallback {
                        keys::stamp_row_id(&mut record, *next);
                        *next += 1;
                    }
                    on_doc(CapturedDoc {
                        binding: *binding,
                        doc: record,
                    });
                }
            }
            singer::Message::State(s) => last_state = Some(s),
            _ => {}
        })
        .await?;
        Ok(last_state)
    }

    /// One capture session, as Flow's runtime runs it: `apply`, then `open` -> `opened`, then the documents,
    /// sourced schemas and checkpoints streamed into `on` (see [`FlowSession::capture`]) until `on` breaks,
    /// `until` passes or the connector ends its output; then the connector is stopped (stdin closed, killed
    /// after [`EXIT_GRACE`]) and cleaned up, as on every path. Flow connectors only: Airbyte and Singer ones
    /// run through `catwalk adapt`. Until `opened`, the run's timeout applies.
    pub async fn capture(
        &self,
        apply: protocol_capture::request::Apply,
        open: protocol_capture::request::Open,
        until: Option<tokio::time::Instant>,
        on: impl FnMut(flow::CaptureEvent) -> std::ops::ControlFlow<()>,
    ) -> Result<flow::CaptureEnd, ConnectorError> {
        if self.protocol != Protocol::Flow {
            return Err(self.reported(
                "during open",
                &format!(
                    "it speaks the {} protocol: captures run through Flow's protocol, so run it as a local endpoint \
                     running `catwalk adapt {}` (what `catwalk discover` writes)",
                    self.protocol, self.protocol
                ),
            ));
        }
        let inv = Invocation {
            stdin: true,
            ..Default::default()
        };
        let now = tokio::time::Instant::now();
        let deadline = match until {
            Some(at) => at.max(now) + CAPTURE_STOP_GRACE,
            None => now + self.opts.timeout,
        };
        let limit = deadline.saturating_duration_since(now);
        // A capture runs until stopped: one that does not exit at the end of its input (estuary-cdk
        // connectors don't) is ended as Flow's runtime ends it, without a warning.
        let stop = Stop {
            grace: CAPTURE_STOP_GRACE,
            warn: false,
        };
        let subject = self.subject();
        let ended = std::cell::Cell::new(None);
        let result = self
            .supervise_until(
                (deadline, limit),
                stop,
                inv,
                "during capture",
                async |run: &mut Running| {
                    let mut session = FlowSession {
                        run,
                        subject: &subject,
                    };
                    let action = session.apply(apply).await?;
                    if !action.is_empty() {
                        tracing::info!("{subject} applied: {action}");
                    }
                    let opened = session.open(open).await?;
                    let end = session
                        .capture(opened.explicit_acknowledgements, until, on)
                        .await?;
                    ended.set(Some(end));
                    Ok(end)
                },
            )
            .await;
        match (result, ended.get()) {
            // Stopped by us mid-capture, a connector may well exit non-zero: the session is over all the same.
            (Err(ConnectorError::Exited { status, .. }), Some(end))
                if end != flow::CaptureEnd::Closed =>
            {
                tracing::info!("{subject} exited with {status} once its session was over");
                Ok(end)
            }
            (result, _) => result,
        }
    }

    fn is_local(&self) -> bool {
        matches!(self.endpoint, Endpoint::Local { .. })
    }

    fn reported(&self, during: &str, message: &str) -> ConnectorError {
        ConnectorError::Reported {
            subject: self.subject(),
            during: during.into(),
            message: message.into(),
        }
    }

    async fn flow_spec(&self) -> Result<Spec, ConnectorError> {
        let (local, kind) = (self.is_local(), self.kind);
        self.flow_call("during spec", async |s| s.spec(local, kind).await)
            .await
    }

    async fn airbyte_spec(&self) -> Result<Spec, ConnectorError> {
        let mut spec = None;
        self.airbyte_run(
            airbyte::invocation("spec", None, None, None),
            "during spec",
            |m| {
                if let Message::Spec(s) = m {
                    spec = Some(s);
                }
            },
        )
        .await?;
        let spec =
            spec.ok_or_else(|| self.reported("during spec", "it printed no SPEC message"))?;
        airbyte::map_spec(spec, &self.subject())
    }

    async fn start(&self, mut inv: Invocation) -> Result<Running, ConnectorError> {
        if self.protocol == Protocol::Flow {
            inv.env.push(("FLOW_RUNTIME_CODEC".into(), "json".into()));
        }
        inv.env
            .push(("LOG_LEVEL".into(), self.opts.log_level.clone()));
        if self.opts.bypass_spec_cache {
            inv.env.push((spec_cache::BYPASS_ENV.into(), "1".into()));
        }
        let logs = LogCollector::new(&self.subject(), self.opts.logs.clone());
        match &self.runner {
            Runner::Docker { host, image } => {
                host.start(image, &inv, &self.opts.network, logs).await
            }
            Runner::Local { command, env } => local::start(command, env, &inv, logs),
        }
    }

    /// One Flow exchange (`body`, on a session) in a fresh process, under the timeout; the process always
    /// ends cleaned up.
    async fn flow_call<T>(
        &self,
        during: &str,
        body: impl AsyncFnOnce(&mut FlowSession<'_>) -> Result<T, ConnectorError>,
    ) -> Result<T, ConnectorError> {
        let inv = Invocation {
            stdin: true,
            ..Default::default()
        };
        let subject = self.subject();
        self.supervise(inv, during, async |run: &mut Running| {
            body(&mut FlowSession {
                run,
                subject: &subject,
            })
            .await
        })
        .await
    }

    /// One Airbyte verb in a fresh process, under the timeout. A non-zero exit is an error that carries the
    /// connector's TRACE error, or its last log line.
    async fn airbyte_run(
        &self,
        inv: Invocation,
        during: &str,
        on_message: impl FnMut(Message),
    ) -> Result<(), ConnectorError> {
        let trace_error = self
            .supervise(inv, during, async |run: &mut Running| {
                airbyte::pump(run, on_message).await
            })
            .await?;
        if let Some(e) = trace_error {
            tracing::debug!("connector reported an error but exited 0: {e}");
        }
        Ok(())
    }

    /// Start the process, run `body` against it within the timeout, then check how it ended. Once `body`
    /// has its answer, the process gets [`EXIT_GRACE`] (never past the timeout) to exit; one still running
    /// then is stopped and the answer used.
    async fn supervise<T>(
        &self,
        inv: Invocation,
        during: &str,
        body: impl AsyncFnOnce(&mut Running) -> Result<T, ConnectorError>,
    ) -> Result<T, ConnectorError> {
        self.supervise_within(self.opts.timeout, inv, during, body)
            .await
    }

    /// [`Connector::supervise`] with another limit than the connector's timeout (reads run until done).
    async fn supervise_within<T>(
        &self,
        limit: Duration,
        inv: Invocation,
        during: &str,
        body: impl AsyncFnOnce(&mut Running) -> Result<T, ConnectorError>,
    ) -> Result<T, ConnectorError> {
        let deadline = tokio::time::Instant::now() + limit;
        self.supervise_until((deadline, limit), Stop::default(), inv, during, body)
            .await
    }

    /// [`Connector::supervise`] with its deadline given (and the limit it stands for, as a timeout error
    /// names it), and how to stop it once `body` is done.
    async fn supervise_until<T>(
        &self,
        (deadline, limit): (tokio::time::Instant, Duration),
        stop: Stop,
        inv: Invocation,
        during: &str,
        body: impl AsyncFnOnce(&mut Running) -> Result<T, ConnectorError>,
    ) -> Result<T, ConnectorError> {
        let mut run = self.start(inv).await?;
        let outcome = tokio::time::timeout_at(deadline, body(&mut run)).await;
        let result = match outcome {
            Err(_elapsed) => {
                let last_log = run.last_error();
                run.kill().await;
                return Err(ConnectorError::Timeout {
                    subject: self.subject(),
                    during: during.into(),
                    after: limit,
                    last_log,
                });
            }
            Ok(Err(
                e @ (ConnectorError::Protocol { .. } | ConnectorError::UnexpectedResponse { .. }),
            )) => {
                run.kill().await;
                return Err(e);
            }
            Ok(r) => r,
        };
        let logs = run.logs().clone();
        let grace = deadline.min(tokio::time::Instant::now() + stop.grace);
        let last_words = |l: Option<String>| {
            l.map(|l| format!("; its last log line: {l}"))
                .unwrap_or_default()
        };
        let finished = run.finish_by(grace).await;
        // Read after the exit: stderr is read by its own task, and its last lines may land after stdout's end.
        let last_log = logs.last_error();
        let Some(exit) = finished else {
            return match result {
                Ok(answer) if !stop.warn => Ok(answer),
                Ok(answer) => {
                    logs.text(
                        LogLevel::Warn,
                        format!(
                            "{} answered {during} but did not exit; it was stopped",
                            self.subject()
                        ),
                    );
                    Ok(answer)
                }
                Err(ConnectorError::Io(msg)) if msg.is_empty() => Err(self.reported(
                    during,
                    &format!(
                        "it closed its output without answering, and did not exit (it was stopped){}",
                        last_words(last_log)
                    ),
                )),
                Err(e) => Err(e),
            };
        };
        if !exit.success() {
            // An Airbyte TRACE error was logged at error level, so the tail's last error line is the cause.
            return Err(ConnectorError::Exited {
                subject: self.subject(),
                status: exit.to_string(),
                during: during.into(),
                last_log,
            });
        }
        match result {
            Err(ConnectorError::Io(msg)) if msg.is_empty() => Err(self.reported(
                during,
                &format!("it exited without answering{}", last_words(last_log)),
            )),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Flow connector (a shell script) that answers the spec request, then neither reads stdin nor exits.
    fn lingering() -> Endpoint {
        let answer = r#"{"spec":{"protocol":3032023,"configSchema":{"type":"object"},"resourceConfigSchema":{}}}"#;
        Endpoint::local(vec![
            "/bin/sh".into(),
            "-c".into(),
            format!("read request; echo '{answer}'; exec sleep 600"),
        ])
    }

    #[tokio::test]
    async fn an_answer_counts_even_when_the_connector_never_exits() {
        let seen: std::sync::Arc<std::sync::Mutex<Vec<String>>> = Default::default();
        let sink = seen.clone();
        let opts = Options {
            protocol: Some(Protocol::Flow),
            // The wait for the exit is bounded by the run's timeout (and EXIT_GRACE), nothing fixed.
            timeout: Duration::from_secs(2),
            logs: Some(std::sync::Arc::new(move |l: &LogLine| {
                sink.lock().unwrap().push(l.message.clone())
            })),
            ..Options::default()
        };
        let c = Connector::open(lingering(), opts).await.unwrap();
        let spec = c.spec().await.unwrap();
        assert_eq!(spec.config_schema, serde_json::json!({"type": "object"}));
        let seen = seen.lock().unwrap();
        assert!(
            seen.iter()
                .any(|l| l.contains("did not exit; it was stopped")),
            "{seen:?}"
        );
    }
}
