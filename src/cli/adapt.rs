//! `catwalk adapt airbyte|singer`: a Flow capture connector (JSON codec on stdin/stdout) that drives an
//! Airbyte connector or a Singer tap. Flow runs only Flow-protocol connectors, so `discover` writes them into
//! catalogs as `local: {command: [catwalk, adapt, <protocol>, ...]}`; `catwalk check` and Flow's tools then
//! run this.
//! Like any Flow connector it logs JSON lines on stderr and exits non-zero on failure.

use super::args::AdaptArgs;
use super::{Outcome, exit};
use crate::connector::flow as codec;
use crate::connector::{Connector, ConnectorError, Endpoint, LogSink, Options};
use crate::model::{
    LogLevel, LogLine, Protocol, ReadBinding, ReadEvent, ReadRequest, Spec, ValidateRequest,
};
use crate::protocol::{self, DecodeError, Message, capture};
use serde_json::{Value, json};
use std::io::Write;
use std::sync::Arc;
use tokio::io::AsyncWriteExt;

/// Request lines from stdin, read on a thread of their own: a read blocks until the runtime sends a line,
/// and a blocked read on tokio's blocking pool would hold the runtime's shutdown (the process) for as long
/// as it waits. A plain thread ends with the process.
struct Lines(tokio::sync::mpsc::Receiver<std::io::Result<String>>);

impl Lines {
    fn stdin() -> Lines {
        let (tx, rx) = tokio::sync::mpsc::channel(16);
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::stdin().lock().lines() {
                let failed = line.is_err();
                if tx.blocking_send(line).is_err() || failed {
                    return;
                }
            }
        });
        Lines(rx)
    }

    /// The next line, `None` at the end of stdin.
    async fn next_line(&mut self) -> std::io::Result<Option<String>> {
        self.0.recv().await.transpose()
    }
}

/// Why `catwalk adapt` stopped; shown as its last (error) log line.
#[derive(Debug, thiserror::Error)]
enum AdaptError {
    #[error("reading a request from stdin: {0}")]
    Stdin(std::io::Error),
    #[error("writing a response: {0}")]
    Stdout(std::io::Error),
    #[error("a request on stdin is {error}: {line}")]
    BadRequest { error: DecodeError, line: String },
    #[error(
        "unknown request {keys:?}: expected {}",
        protocol::quoted(capture::Request::NAMES)
    )]
    UnknownRequest { keys: Vec<String> },
    #[error(
        "the open request has no `capture` (the capture spec with its config and bindings): \
         send it as Flow's runtime does"
    )]
    OpenWithoutCapture,
    #[error(
        "an `{request}` request arrived before any `open`: `catwalk adapt {protocol}` asks for no acknowledgements"
    )]
    AcknowledgeWithoutOpen {
        request: &'static str,
        protocol: Protocol,
    },
    #[error(
        "a `{request}` request arrived while the open session was reading: only `acknowledge` may"
    )]
    RequestDuringOpen { request: &'static str },
    #[error(transparent)]
    Connector(#[from] ConnectorError),
    #[error(transparent)]
    Secrets(#[from] crate::secrets::SecretsError),
    #[error(transparent)]
    Tunnel(#[from] crate::tunnel::TunnelError),
}

pub async fn run(args: AdaptArgs) -> Outcome {
    match serve(args).await {
        Ok(()) => Ok(exit::OK),
        Err(e) => {
            log_json(LogLevel::Error, &e.to_string());
            Ok(exit::FAILED)
        }
    }
}

async fn serve(args: AdaptArgs) -> Result<(), AdaptError> {
    let protocol = args.protocol.protocol();
    let endpoint = match &args.image {
        Some(image) => Endpoint::Image(image.clone()),
        None => Endpoint::local(args.command.clone()),
    };
    let opts = Options {
        protocol: Some(protocol),
        kind: Some(crate::model::ConnectorKind::Capture),
        network: args.network.clone(),
        timeout: args.timeout,
        log_level: "info".into(),
        logs: Some(json_log_sink()),
        pull: None,
        // Flow runs this for every request: the wrapped connector's spec is asked once, then cached.
        spec_cache: crate::connector::SpecCache::from_env(),
        bypass_spec_cache: false,
    };
    let connector = Connector::open(endpoint, opts).await?;
    let mut adapter = Adapter {
        connector,
        spec: None,
        protocol,
        network: args.network.clone(),
    };
    let mut lines = Lines::stdin();
    let mut stdout = tokio::io::stdout();
    while let Some(line) = lines.next_line().await.map_err(AdaptError::Stdin)? {
        if line.trim().is_empty() {
            continue;
        }
        let request = match protocol::decode::<capture::Request>(line.as_bytes()) {
            Ok(request) => request,
            Err(DecodeError::NoMessage { keys }) => {
                return Err(AdaptError::UnknownRequest { keys });
            }
            Err(error) => {
                return Err(AdaptError::BadRequest {
                    error,
                    line: crate::clip::clip(line.trim_end(), 200),
                });
            }
        };
        if let capture::Request::Open(open) = request {
            // Documents and checkpoints stream out until the wrapped connector is done: then we exit, as a
            // Flow connector whose capture ended does.
            return adapter.open(open, &mut lines).await;
        }
        let response = adapter.answer(request).await?;
        stdout
            .write_all(&protocol::encode(&response))
            .await
            .map_err(AdaptError::Stdout)?;
        stdout.flush().await.map_err(AdaptError::Stdout)?;
    }
    Ok(())
}

struct Adapter {
    connector: Connector,
    spec: Option<Spec>,
    protocol: Protocol,
    /// The Docker network asked for (`host` instead while a tunnel catwalk runs is open).
    network: String,
}

impl Adapter {
    async fn answer(&mut self, request: capture::Request) -> Result<capture::Response, AdaptError> {
        use capture::{Request, Response, response};
        match request {
            Request::Spec(_) => {
                let spec = self.spec().await?;
                Ok(Response::Spec(codec::spec_response(&spec)))
            }
            Request::Discover(discover) => {
                let (config, _ready) = self.config_with_defaults(discover.config).await?;
                let bindings = self.connector.discover(&config).await?;
                Ok(Response::Discovered(codec::discovered_response(bindings)))
            }
            Request::Validate(validate) => {
                let (config, _ready) = self.config_with_defaults(validate.config).await?;
                let req = ValidateRequest {
                    name: validate.name,
                    config,
                    bindings: validate
                        .bindings
                        .into_iter()
                        .map(codec::validate_binding)
                        .collect(),
                };
                let validated = self.connector.validate(&req).await?;
                Ok(Response::Validated(codec::validated_response(&validated)))
            }
            // Nothing to set up at the source: Airbyte and Singer connectors have no such step.
            Request::Apply(_) => Ok(Response::Applied(response::Applied::default())),
            Request::Open(_) | Request::Acknowledge(_) => Err(AdaptError::AcknowledgeWithoutOpen {
                request: request.name(),
                protocol: self.protocol,
            }),
        }
    }

    /// Serve `open`: `opened`, then a `captured` line per document and a `checkpoint` per state the
    /// connector sends, until it is done. stdin is watched meanwhile: `acknowledge` lines are ignored (none
    /// are asked for), and its end stops the connector.
    async fn open(
        &mut self,
        open: capture::request::Open,
        lines: &mut Lines,
    ) -> Result<(), AdaptError> {
        use capture::{Response, response};
        let capture = open.capture.ok_or(AdaptError::OpenWithoutCapture)?;
        let (config, _ready) = self.config_with_defaults(capture.config).await?;
        let req = ReadRequest {
            config,
            bindings: capture
                .bindings
                .into_iter()
                .map(|b| ReadBinding {
                    fallback_key: b.collection.key == [crate::connector::keys::ROW_ID_POINTER],
                    key: b.collection.key,
                    schema: b.collection.write_schema,
                    resource_config: b.resource_config,
                })
                .collect(),
            state: open.state,
        };
        write_response(&Response::Opened(response::Opened::default()))
            .map_err(AdaptError::Stdout)?;
        let mut broken: Option<std::io::Error> = None;
        // Told when stdout breaks: the runtime is gone, so the read stops.
        let stop = tokio::sync::Notify::new();
        // Documents go out in 64 KiB writes, not one write per document: flushed at each checkpoint and,
        // for a source that is slow to checkpoint, at least every FLUSH_EVERY.
        let out = std::cell::RefCell::new(std::io::BufWriter::with_capacity(
            64 << 10,
            std::io::stdout(),
        ));
        let mut flush_every = tokio::time::interval(FLUSH_EVERY);
        flush_every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        {
            let read = self.connector.read(&req, |event| {
                if broken.is_some() {
                    return;
                }
                let mut out = out.borrow_mut();
                let written = match event {
                    ReadEvent::Document { binding, json } => {
                        capture::write_captured(&mut *out, binding as u32, json)
                    }
                    ReadEvent::Checkpoint { state, merge_patch } => {
                        let checkpoint = Response::Checkpoint(response::Checkpoint {
                            state: Some(protocol::ConnectorState {
                                updated: state,
                                merge_patch,
                            }),
                        });
                        out.write_all(&protocol::encode(&checkpoint))
                            .and_then(|()| out.flush())
                    }
                };
                if let Err(e) = written {
                    broken = Some(e);
                    stop.notify_one();
                }
            });
            tokio::pin!(read);
            loop {
                tokio::select! {
                    done = &mut read => {
                        done?;
                        break;
                    }
                    () = stop.notified() => break,
                    _ = flush_every.tick() => {
                        // A broken stdout is seen again by the next write or the final flush.
                        if out.borrow_mut().flush().is_err() {
                            break;
                        }
                    }
                    line = lines.next_line() => match line.map_err(AdaptError::Stdin)? {
                        // The runtime is gone: dropping the read stops the connector.
                        None => {
                            log_json(LogLevel::Info, "stdin closed: the capture stops");
                            return Ok(());
                        }
                        Some(line) if line.trim().is_empty() => {}
                        Some(line) => match protocol::decode::<capture::Request>(line.as_bytes()) {
                            Ok(capture::Request::Acknowledge(_)) => {}
                            Ok(other) => {
                                return Err(AdaptError::RequestDuringOpen { request: other.name() });
                            }
                            Err(error) => {
                                return Err(AdaptError::BadRequest {
                                    error,
                                    line: crate::clip::clip(line.trim_end(), 200),
                                });
                            }
                        },
                    },
                }
            }
        }
        if broken.is_none()
            && let Err(e) = out.borrow_mut().flush()
        {
            broken = Some(e);
        }
        match broken {
            Some(e) => Err(AdaptError::Stdout(e)),
            None => Ok(()),
        }
    }

    async fn spec(&mut self) -> Result<Spec, ConnectorError> {
        if self.spec.is_none() {
            self.spec = Some(self.connector.spec().await?);
        }
        Ok(self.spec.clone().expect("just set"))
    }

    /// The request's endpoint config with the schema's defaults filled in: many Airbyte connectors crash
    /// without them, and Flow's runtime sends the config as the user wrote it. Singer taps get it as written
    /// (see `discover::config_for`). Flow decrypts sops-protected configs before; a protected one that
    /// reaches us anyway is decrypted here, in memory. A tunnel catwalk runs is opened (and the config
    /// pointed at it) until the returned `Ready` is dropped; known_hosts is `$CATWALK_KNOWN_HOSTS` or
    /// ~/.ssh/known_hosts, and new host keys are refused.
    async fn config_with_defaults(
        &mut self,
        config: Value,
    ) -> Result<(Value, crate::ops::tunnel::Ready), AdaptError> {
        let config = if config.is_null() { json!({}) } else { config };
        let config = crate::ops::secrets::blocking(move || {
            crate::secrets::decrypt(&config, "the config of the request")
        })
        .await?;
        let known_hosts = std::env::var_os("CATWALK_KNOWN_HOSTS").map(Into::into);
        let ready = crate::ops::tunnel::prepare_with(
            &config,
            &crate::ops::tunnel::policy(false, known_hosts),
            &super::output::reporter(),
        )
        .await?;
        if let Some(note) = &ready.note {
            log_json(LogLevel::Info, note);
        }
        self.connector.set_network(ready.network(&self.network));
        let spec = self.spec().await?;
        crate::secrets::register_secrets(&spec.config_schema, &config);
        Ok((
            super::discover::config_for(&spec, ready.config.clone()),
            ready,
        ))
    }
}

/// How long captured documents may wait in adapt's output buffer for a checkpoint.
const FLUSH_EVERY: std::time::Duration = std::time::Duration::from_millis(50);

/// One response line on stdout, written as it is made (a read's documents are never held back).
fn write_response(response: &capture::Response) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(&protocol::encode(response))?;
    out.flush()
}

/// The wrapped connector's logs, re-emitted as Flow-style JSON log lines on stderr.
fn json_log_sink() -> LogSink {
    Arc::new(|line: &LogLine| {
        let mut out = json!({"level": format!("{:?}", line.level).to_ascii_lowercase(), "msg": crate::redact::text(&line.message)});
        if let Some(fields) = &line.fields {
            out["fields"] = fields.clone();
        }
        let out = out.to_string();
        let _ = writeln!(std::io::stderr().lock(), "{}", crate::redact::text(&out));
    })
}

fn log_json(level: LogLevel, message: &str) {
    json_log_sink()(&LogLine {
        level,
        message: message.to_string(),
        fields: None,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validate_bindings_are_read_from_flow_json() {
        let line = br#"{"validate": {"name": "acmeCo/users", "connectorType": "LOCAL", "config": {}, "bindings": [
            {"resourceConfig": {"stream": "users", "syncMode": "full_refresh"},
             "collection": {"name": "acmeCo/users", "key": ["/id"], "writeSchema": {"type": "object"}, "projections": []},
             "backfill": 2}]}}"#;
        let capture::Request::Validate(v) = protocol::decode::<capture::Request>(line).unwrap()
        else {
            panic!("not a validate request")
        };
        let v = codec::validate_binding(v.bindings.into_iter().next().unwrap());
        assert_eq!(v.collection.key, vec!["/id"]);
        assert_eq!(v.backfill, 2);
        assert_eq!(
            codec::resource_path(
                &v.resource_config,
                &crate::connector::airbyte::resource_path_pointers()
            ),
            vec!["users"]
        );
    }

    #[test]
    fn requests_it_cannot_serve_are_named() {
        let e = match protocol::decode::<capture::Request>(br#"{"load": {}}"#) {
            Err(DecodeError::NoMessage { keys }) => AdaptError::UnknownRequest { keys },
            other => panic!("{other:?}"),
        };
        assert_eq!(
            e.to_string(),
            "unknown request [\"load\"]: expected `spec`, `discover`, `validate`, `apply`, `open`, `acknowledge`"
        );
    }
}
