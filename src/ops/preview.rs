//! The preview operation: run a catalog's capture as Flow's runtime would, and report every document as it
//! comes, validated against its collection's schema.
//!
//! Load the catalog, pick the capture, make its config ready (sops, tunnel: [`super::task`]), build the
//! capture spec (bindings with resource, collection, Flow's state key, backfill), then run sessions: each
//! one `apply` + `open` with the state the previous one left, streaming documents until its transaction count,
//! its document limit or its timeout, or until the connector ends; then the connector is stopped. Nothing is
//! held: each document is validated (schemas compiled once per binding) and handed to the caller at once.

use super::task::{self, PrepareError};
use crate::catalog::{self, Discovery, LoadedBinding, LoadedCollection, LoadedTask};
use crate::connector::flow::{self as flow_proto, CaptureEnd, CaptureEvent};
use crate::connector::{Connector, ConnectorError, Options};
use crate::model::{CollectionSpec, ConnectorKind, ValidateBinding, ValidateRequest};
use crate::protocol::{
    CaptureBinding, CaptureSpec, ConnectorState, ConnectorType, RangeSpec, capture,
};
use crate::tunnel::{HostKeyPolicy, Secret};
use serde_json::Value;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::time::Duration;

/// The version every preview session gives its capture (`apply.version`, `open.version`).
pub const VERSION: &str = "catwalk-preview";

/// Sessions as flowctl counts them: one entry per session, its number of transactions (`-1`: unlimited).
/// Only transactions with documents count: one that carries only state does not end a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sessions(pub Vec<i64>);

impl Default for Sessions {
    /// One session, as long as the connector runs (or the timeout).
    fn default() -> Self {
        Sessions(vec![-1])
    }
}

impl std::str::FromStr for Sessions {
    type Err = String;

    /// flowctl's `2,1,-1`: three sessions, of two transactions, one, and as many as come.
    fn from_str(s: &str) -> Result<Self, String> {
        let counts = s
            .split(',')
            .map(|part| match part.trim().parse::<i64>() {
                Ok(n) if n == -1 || n > 0 => Ok(n),
                _ => Err(format!(
                    "`{part}` is not a transaction count: give one per session, each a positive number or -1 \
                     (unlimited), e.g. `--sessions 2,1,-1`"
                )),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Sessions(counts))
    }
}

/// What to preview, and how.
pub struct PreviewRequest {
    /// The catalog (its imports are followed).
    pub source: PathBuf,
    /// The capture; needed when the catalog has several.
    pub name: Option<String>,
    pub sessions: Sessions,
    /// At most this many documents per session: the session ends at the checkpoint after the last one.
    pub limit: Option<u64>,
    /// Each session ends after this long (its state so far is kept).
    pub session_timeout: Duration,
    /// The state of the first session (`{}` for none).
    pub initial_state: Value,
    /// How to run the connector (protocol override, network, log level, log sink, spec cache).
    pub options: Options,
    pub host_keys: HostKeyPolicy,
    pub passphrase: Option<Secret>,
}

/// Progress, in order, for the caller to show.
#[derive(Debug)]
pub enum Event<'a> {
    /// Something done along the way (the capture picked, the tunnel step).
    Note(&'a str),
    /// Something the user should know but that does not stop the preview.
    Warning(&'a str),
    /// Session `number` (from 1) of `of` starts with this state.
    SessionStarted {
        number: usize,
        of: usize,
        state: &'a Value,
    },
    /// A document of `collection` (the binding's index in the capture's enabled bindings), and where it
    /// breaks the collection's schema or key (pointer, reason) when it does.
    Document {
        binding: usize,
        collection: &'a str,
        doc: &'a Value,
        problem: Option<(&'a str, &'a str)>,
    },
    /// A committed checkpoint's state update, as the connector sent it.
    State(&'a ConnectorState),
    /// Session `number` ended.
    SessionEnded(&'a SessionReport),
}

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionEnd {
    /// Its transaction count was reached.
    Transactions,
    /// `--limit` documents were captured.
    Limit,
    /// Its timeout passed.
    Timeout,
    /// The connector ended its output (a batch connector's read is done).
    ConnectorDone,
    /// The caller stopped it (e.g. its output was closed).
    Stopped,
}

impl std::fmt::Display for SessionEnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SessionEnd::Transactions => "its transactions were done",
            SessionEnd::Limit => "the document limit was reached",
            SessionEnd::Timeout => "its timeout passed",
            SessionEnd::ConnectorDone => "the connector finished",
            SessionEnd::Stopped => "it was stopped",
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SessionReport {
    pub number: usize,
    pub documents: u64,
    /// Committed transactions (checkpoints that were ready together count as one).
    pub transactions: u64,
    pub checkpoints: u64,
    pub ended: SessionEnd,
}

/// The first invalid document of a binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// Its number among the binding's documents (from 1).
    pub document: u64,
    /// Where in the document (a JSON pointer; `""` for the whole document).
    pub pointer: String,
    pub reason: String,
}

/// What one binding captured, over all sessions.
#[derive(Debug, Clone, PartialEq)]
pub struct BindingReport {
    pub collection: String,
    pub documents: u64,
    pub invalid: u64,
    pub first_invalid: Option<Invalid>,
    pub sourced_schemas: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub capture: String,
    pub bindings: Vec<BindingReport>,
    pub sessions: Vec<SessionReport>,
    /// The state after the last session.
    pub state: Value,
    /// Bindings disabled in the catalog (not captured).
    pub disabled: usize,
}

impl Report {
    pub fn invalid(&self) -> u64 {
        self.bindings.iter().map(|b| b.invalid).sum()
    }

    /// Documents over all sessions and bindings.
    pub fn documents(&self) -> u64 {
        self.bindings.iter().map(|b| b.documents).sum()
    }
}

/// Why a preview could not run.
#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    /// The catalog, the task or an argument is wrong: what and where.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Prepare(#[from] PrepareError),
    #[error(transparent)]
    Connector(#[from] ConnectorError),
}

/// Run the preview; `on` sees every event as it happens. An `Err` from `on` (its output is closed) ends the
/// preview where it is, as a success.
pub async fn preview(
    req: PreviewRequest,
    on: &mut dyn FnMut(Event<'_>) -> std::io::Result<()>,
) -> Result<Report, PreviewError> {
    let loaded = catalog::load(&req.source).map_err(|e| PreviewError::Invalid(e.to_string()))?;
    let task = pick(&loaded.captures, req.name.as_deref(), &req.source)?;
    preview_task(task, req, on).await
}

/// Where a capture held in memory says it comes from, in messages (its inline config's place).
pub const UNSAVED: &str = "the catalog being built (not saved yet)";

/// The capture a discovery plans, held in memory as `catwalk discover` and the wizard's save would write it
/// (same names, keys, schemas and endpoint), with `config` inline: what the wizard previews before
/// anything is written. Fails as the save would on bindings Flow would refuse.
pub fn planned_task(discovery: Discovery, config: Value) -> Result<LoadedTask, PreviewError> {
    let generated =
        catalog::from_discovery(discovery).map_err(|e| PreviewError::Invalid(e.to_string()))?;
    let file = PathBuf::from(UNSAVED);
    let bindings = generated
        .bindings
        .into_iter()
        .map(|b| LoadedBinding {
            collection: Some(LoadedCollection {
                name: b.target.clone(),
                file: file.clone(),
                key: b.key,
                write_schema: b.schema,
                read_schema: b.read_schema,
            }),
            resource: b.resource,
            collection_name: b.target,
            disable: false,
            backfill: 0,
            fields: None,
        })
        .collect();
    Ok(LoadedTask {
        name: generated.capture_name,
        kind: ConnectorKind::Capture,
        file,
        endpoint: generated.endpoint,
        config,
        config_file: None,
        has_sops: false,
        bindings,
        source: None,
    })
}

/// Run the preview of `task` (loaded from a catalog, or planned in memory by [`planned_task`]):
/// `req.source` and `req.name` are not read. Only the private temporary files the connector runtime uses
/// are written.
pub async fn preview_task(
    task: &LoadedTask,
    req: PreviewRequest,
    on: &mut dyn FnMut(Event<'_>) -> std::io::Result<()>,
) -> Result<Report, PreviewError> {
    let bindings: Vec<&LoadedBinding> = task.bindings.iter().filter(|b| !b.disable).collect();
    let disabled = task.bindings.len() - bindings.len();
    let checks = bindings
        .iter()
        .map(|b| DocCheck::new(b, task))
        .collect::<Result<Vec<_>, _>>()?;

    let mut ready = task::prepare_config(task, &req.host_keys, req.passphrase.as_ref()).await?;
    if let Some(note) = &ready.note {
        let _ = on(Event::Note(note));
    }
    let (endpoint, protocol) =
        task::endpoint(task, req.options.protocol).map_err(PreviewError::Invalid)?;
    let mut opts = Options {
        protocol,
        kind: Some(ConnectorKind::Capture),
        ..req.options.clone()
    };
    if ready.host_network {
        opts.network = "host".into();
    }
    let connector = Connector::open(endpoint, opts).await?;
    let spec = connector.spec().await?;
    crate::secrets::register_secrets(&spec.config_schema, &ready.decrypted);

    let capture = capture_spec(&connector, task, &bindings, &checks, &ready.config, &spec).await?;
    let mut report = Report {
        capture: task.name.clone(),
        bindings: checks
            .iter()
            .map(|c| BindingReport {
                collection: c.collection.clone(),
                documents: 0,
                invalid: 0,
                first_invalid: None,
                sourced_schemas: 0,
            })
            .collect(),
        sessions: Vec::new(),
        state: if req.initial_state.is_null() {
            Value::Object(Default::default())
        } else {
            req.initial_state.clone()
        },
        disabled,
    };
    let _ = on(Event::Note(&format!(
        "capture {} ({}), {} binding{}",
        task.name,
        task.endpoint.describe(),
        bindings.len(),
        if bindings.len() == 1 { "" } else { "s" }
    )));

    let of = req.sessions.0.len();
    let mut output_closed = false;
    for (i, &transactions) in req.sessions.0.iter().enumerate() {
        if output_closed {
            break;
        }
        let number = i + 1;
        if on(Event::SessionStarted {
            number,
            of,
            state: &report.state,
        })
        .is_err()
        {
            break;
        }
        let apply = capture::request::Apply {
            capture: Some(capture.clone()),
            version: VERSION.into(),
            last_capture: (i > 0).then(|| capture.clone()),
            last_version: if i > 0 { VERSION.into() } else { String::new() },
        };
        let open = capture::request::Open {
            capture: Some(capture.clone()),
            version: VERSION.into(),
            range: Some(RangeSpec::full()),
            state: report.state.clone(),
        };
        let until = tokio::time::Instant::now() + req.session_timeout;
        let mut session = SessionReport {
            number,
            documents: 0,
            transactions: 0,
            checkpoints: 0,
            ended: SessionEnd::ConnectorDone,
        };
        let mut limit_reached = false;
        // Documents in the transaction under way, and transactions with documents so far.
        let (mut pending, mut counted) = (0u64, 0u64);
        let mut stop: Option<SessionEnd> = None;
        let state = &mut report.state;
        let reports = &mut report.bindings;
        let end = connector
            .capture(apply, open, Some(until), |event| {
                match event {
                    CaptureEvent::Document { binding, doc } => {
                        let b = binding as usize;
                        let Some(check) = checks.get(b) else {
                            let _ = on(Event::Warning(&format!(
                                "the connector sent a document of binding {b}, but the capture has {} bindings: ignored",
                                checks.len()
                            )));
                            return ControlFlow::Continue(());
                        };
                        let r = &mut reports[b];
                        r.documents += 1;
                        session.documents += 1;
                        pending += 1;
                        let problem = check.problem(&doc);
                        if let Some((pointer, reason)) = &problem {
                            r.invalid += 1;
                            if r.first_invalid.is_none() {
                                r.first_invalid = Some(Invalid {
                                    document: r.documents,
                                    pointer: pointer.clone(),
                                    reason: reason.clone(),
                                });
                            }
                        }
                        if !limit_reached
                            && on(Event::Document {
                                binding: b,
                                collection: &check.collection,
                                doc: &doc,
                                problem: problem.as_ref().map(|(p, r)| (p.as_str(), r.as_str())),
                            })
                            .is_err()
                        {
                            output_closed = true;
                            stop = Some(SessionEnd::Stopped);
                            return ControlFlow::Break(());
                        }
                        if req.limit.is_some_and(|l| session.documents >= l) {
                            limit_reached = true;
                        }
                    }
                    CaptureEvent::SourcedSchema { binding, .. } => {
                        if let Some(r) = reports.get_mut(binding as usize) {
                            r.sourced_schemas += 1;
                        }
                    }
                    CaptureEvent::Commit { states } => {
                        for s in &states {
                            apply_state(state, s);
                            if on(Event::State(s)).is_err() {
                                output_closed = true;
                            }
                        }
                        session.checkpoints += states.len() as u64;
                        session.transactions += 1;
                        // A transaction without documents carries only state (estuary-cdk checkpoints each
                        // binding's start before its documents): it does not count towards --sessions.
                        if pending > 0 {
                            counted += 1;
                            pending = 0;
                        }
                        if output_closed {
                            stop = Some(SessionEnd::Stopped);
                            return ControlFlow::Break(());
                        }
                        if limit_reached {
                            stop = Some(SessionEnd::Limit);
                            return ControlFlow::Break(());
                        }
                        if transactions > 0 && counted >= transactions as u64 {
                            stop = Some(SessionEnd::Transactions);
                            return ControlFlow::Break(());
                        }
                    }
                }
                ControlFlow::Continue(())
            })
            .await?;
        session.ended = match end {
            CaptureEnd::Stopped => stop.unwrap_or(SessionEnd::Stopped),
            CaptureEnd::TimedOut => SessionEnd::Timeout,
            CaptureEnd::Closed => SessionEnd::ConnectorDone,
        };
        let _ = on(Event::SessionEnded(&session));
        report.sessions.push(session);
    }
    for e in ready.close() {
        let _ = on(Event::Warning(&e));
    }
    Ok(report)
}

/// The capture named, or the only one.
fn pick<'a>(
    captures: &'a [LoadedTask],
    name: Option<&str>,
    source: &std::path::Path,
) -> Result<&'a LoadedTask, PreviewError> {
    let names = || {
        captures
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match name {
        Some(n) => captures.iter().find(|c| c.name == n).ok_or_else(|| {
            PreviewError::Invalid(if captures.is_empty() {
                format!("{} defines no captures (looking for {n})", source.display())
            } else {
                format!(
                    "{} defines no capture named {n}; it defines: {}",
                    source.display(),
                    names()
                )
            })
        }),
        None => match captures {
            [] => Err(PreviewError::Invalid(format!(
                "{} defines no captures: preview runs a capture",
                source.display()
            ))),
            [one] => Ok(one),
            _ => Err(PreviewError::Invalid(format!(
                "{} defines {} captures ({}): pick one with --name",
                source.display(),
                captures.len(),
                names()
            ))),
        },
    }
}

/// The capture as `apply` and `open` carry it. Each binding's resource path comes from the spec's resource
/// path pointers, or (a connector without them) from its validation, as in Flow.
async fn capture_spec(
    connector: &Connector,
    task: &LoadedTask,
    bindings: &[&LoadedBinding],
    checks: &[DocCheck],
    config: &Value,
    spec: &crate::model::Spec,
) -> Result<CaptureSpec, PreviewError> {
    let collections: Vec<CollectionSpec> = checks.iter().map(|c| c.spec.clone()).collect();
    let paths: Vec<Vec<String>> = if spec.resource_path_pointers.is_empty() && !bindings.is_empty()
    {
        let req = ValidateRequest {
            name: task.name.clone(),
            config: config.clone(),
            bindings: bindings
                .iter()
                .zip(&collections)
                .map(|(b, c)| ValidateBinding {
                    resource_config: b.resource.clone(),
                    collection: c.clone(),
                    backfill: b.backfill,
                    field_config: Default::default(),
                })
                .collect(),
        };
        connector
            .validate(&req)
            .await?
            .bindings
            .into_iter()
            .map(|v| v.resource_path)
            .collect()
    } else {
        bindings
            .iter()
            .map(|b| flow_proto::resource_path(&b.resource, &spec.resource_path_pointers))
            .collect()
    };
    let local = matches!(
        connector.endpoint(),
        crate::connector::Endpoint::Local { .. }
    );
    Ok(CaptureSpec {
        name: task.name.clone(),
        connector_type: ConnectorType::of(local),
        config: config.clone(),
        bindings: bindings
            .iter()
            .zip(collections)
            .zip(paths)
            .map(|((b, c), path)| CaptureBinding {
                resource_config: b.resource.clone(),
                state_key: flow_proto::state_key(&path, b.backfill),
                resource_path: path,
                collection: flow_proto::collection_spec(&c),
                backfill: b.backfill,
            })
            .collect(),
        // Flow's default capture interval.
        interval_seconds: 300,
        ..Default::default()
    })
}

/// A binding's document check: its collection's schema compiled once, and its key.
struct DocCheck {
    collection: String,
    spec: CollectionSpec,
    validator: jsonschema::Validator,
    /// The tokens of each key pointer, unescaped once (`None`: not a pointer, found in no document).
    key_tokens: Vec<Option<Vec<String>>>,
}

/// The tokens of a JSON pointer, unescaped; `None` when it is not one (`Value::pointer` finds nothing).
fn pointer_tokens(pointer: &str) -> Option<Vec<String>> {
    match pointer {
        "" => Some(Vec::new()),
        p => p
            .strip_prefix('/')
            .map(|rest| rest.split('/').map(crate::text::unescape_token).collect()),
    }
}

/// What `Value::pointer` finds at the pointer of `tokens` (see [`DocCheck::key_tokens`]), without
/// splitting and unescaping the pointer again for every document.
fn locate<'a>(doc: &'a Value, tokens: &[String]) -> Option<&'a Value> {
    tokens.iter().try_fold(doc, |at, token| match at {
        Value::Object(map) => map.get(token),
        // As `Value::pointer` reads an index: digits, no sign, no leading zero.
        Value::Array(items) => {
            if token.starts_with('+') || (token.starts_with('0') && token.len() != 1) {
                return None;
            }
            token.parse::<usize>().ok().and_then(|i| items.get(i))
        }
        _ => None,
    })
}

impl DocCheck {
    fn new(b: &LoadedBinding, task: &LoadedTask) -> Result<DocCheck, PreviewError> {
        let Some(c) = &b.collection else {
            return Err(PreviewError::Invalid(format!(
                "binding to collection {}: the collection is not defined in {} or its imports",
                b.collection_name,
                task.file.display()
            )));
        };
        // Captures write documents: Flow validates them against the write schema.
        let validator = jsonschema::validator_for(&c.write_schema).map_err(|e| {
            PreviewError::Invalid(format!(
                "the schema of collection {} (in {}) cannot be compiled: {e} (at {})",
                c.name,
                c.file.display(),
                e.instance_path()
            ))
        })?;
        Ok(DocCheck {
            key_tokens: c.key.iter().map(|k| pointer_tokens(k)).collect(),
            collection: c.name.clone(),
            spec: CollectionSpec {
                name: c.name.clone(),
                key: c.key.clone(),
                write_schema: c.write_schema.clone(),
                read_schema: c.read_schema.clone(),
            },
            validator,
        })
    }

    /// The first problem of a document: a key location it lacks, or where it breaks the schema and why.
    fn problem(&self, doc: &Value) -> Option<(String, String)> {
        for (key, tokens) in self.spec.key.iter().zip(&self.key_tokens) {
            if tokens.as_ref().and_then(|t| locate(doc, t)).is_none() {
                return Some((
                    key.clone(),
                    format!("the collection's key {key} is missing from the document"),
                ));
            }
        }
        if self.validator.is_valid(doc) {
            return None;
        }
        self.validator
            .iter_errors(doc)
            .next()
            .map(|e| (e.instance_path().as_str().to_string(), e.to_string()))
    }
}

/// Apply a checkpoint's state update: an RFC 7396 merge patch when it says so, else a replacement.
pub fn apply_state(state: &mut Value, update: &ConnectorState) {
    if update.merge_patch {
        merge_patch(state, &update.updated);
    } else {
        *state = update.updated.clone();
    }
}

/// RFC 7396: objects merge key by key, `null` removes a key, anything else replaces.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Default::default());
    }
    let map = target.as_object_mut().expect("made an object above");
    for (k, v) in patch {
        if v.is_null() {
            map.remove(k);
        } else {
            merge_patch(map.entry(k.clone()).or_insert(Value::Null), v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_follows_rfc_7396() {
        let mut state = json!({"a": "b", "c": {"d": "e", "f": "g"}});
        merge_patch(&mut state, &json!({"a": "z", "c": {"f": null}}));
        assert_eq!(state, json!({"a": "z", "c": {"d": "e"}}));
        merge_patch(&mut state, &json!({"c": [1]}));
        assert_eq!(state, json!({"a": "z", "c": [1]}));
        let mut replaced = json!({"a": 1});
        apply_state(
            &mut replaced,
            &ConnectorState {
                updated: json!({"b": 2}),
                merge_patch: false,
            },
        );
        assert_eq!(replaced, json!({"b": 2}));
    }

    #[test]
    fn keys_are_located_as_value_pointer_locates_them() {
        let doc = json!({"a": {"b/c": [1, {"d~e": 2}]}, "": 3, "0": 4, "list": [5, 6]});
        let key = vec![
            "/a/b~1c/1/d~0e",
            "/a/b~1c/0",
            "/a/b~1c/01",
            "/a/b~1c/+1",
            "/a/b~1c/2",
            "/",
            "/0",
            "/list/1",
            "/list/x",
            "/a/b~1c/0/x",
            "",
            "a",
            "/missing",
        ];
        for k in key {
            let found = pointer_tokens(k).and_then(|t| locate(&doc, &t).cloned());
            assert_eq!(found.as_ref(), doc.pointer(k), "{k}");
        }
    }

    #[test]
    fn sessions_parse_like_flowctl() {
        assert_eq!("2,1,-1".parse::<Sessions>().unwrap().0, vec![2, 1, -1]);
        assert_eq!("3".parse::<Sessions>().unwrap().0, vec![3]);
        for bad in ["0", "x", "1,,2", "-2"] {
            let e = bad.parse::<Sessions>().unwrap_err();
            assert!(e.contains("--sessions 2,1,-1"), "{bad}: {e}");
        }
    }
}
