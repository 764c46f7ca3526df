//! Reading a capture's documents through Airbyte or Singer, behind one call: [`Connector::read`] streams
//! [`ReadEvent`]s (documents and Flow checkpoints) to a callback as the connector prints them; nothing is
//! collected. Flow connectors are read through their own `open` session instead (see `flow.rs`).
//!
//! - Airbyte: `read --config --catalog --state` with a configured catalog built, as Flow's airbyte-to-flow
//!   builds it, from each binding's resource and collection schema (no discover first); STATE messages become checkpoints as Flow's airbyte-to-flow
//!   keeps them (see [`airbyte::state_update`]), and the Flow state becomes the next run's `--state`.
//! - Singer: a discover, then `--config --catalog [--state]` with the bound streams selected; each STATE
//!   value is the whole Flow state.
//!
//! Airbyte timestamps without an offset, where the collection's schema says date-time, are made UTC (see
//! [`airbyte::utc_timestamps`]): Flow would reject them.
//!
//! Documents of a binding keyed by `/_meta/row_id` get row ids counted from 0 per binding and read (a
//! full-refresh re-read gives the same documents the same ids, as Flow's adapter does). A read that ends
//! with documents after its last checkpoint ends with an empty, merged checkpoint so they commit.

use super::{Connector, ConnectorError, airbyte, keys, raw_doc, singer};
use crate::model::{Protocol, ReadEvent, ReadRequest};
use serde_json::value::RawValue;
use serde_json::{Value, json};
use std::time::Duration;

/// How long a read may run: it runs until the connector is done (or the caller drops it).
const READ_LIMIT: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// The sink, plus whether documents wait for a checkpoint and the row id counters.
struct Events<F> {
    sink: F,
    pending: bool,
    next_row_id: Vec<Option<u64>>,
    /// Per binding: whether its schema says `date-time` anywhere (else no timestamp is rewritten).
    date_times: Vec<bool>,
}

impl<F: FnMut(ReadEvent<'_>)> Events<F> {
    fn new(sink: F, req: &ReadRequest) -> Self {
        Events {
            sink,
            pending: false,
            next_row_id: req
                .bindings
                .iter()
                .map(|b| b.fallback_key.then_some(0))
                .collect(),
            date_times: req
                .bindings
                .iter()
                .map(|b| b.schema.to_string().contains("date-time"))
                .collect(),
        }
    }

    /// A parsed document, with its row id when its binding counts them, written out.
    fn document(&mut self, binding: usize, mut doc: Value) {
        if let Some(Some(next)) = self.next_row_id.get_mut(binding) {
            keys::stamp_row_id(&mut doc, *next);
            *next += 1;
        }
        self.emit(binding, &doc.to_string());
    }

    /// An Airbyte record's data, passed on as the connector wrote it (with its row id appended) unless it
    /// may hold a timestamp to make UTC (see [`airbyte::utc_timestamps`]) or the text cannot take the row
    /// id (see [`raw_doc`]): then parsed, rewritten and written out.
    fn airbyte_document(&mut self, binding: usize, data: &RawValue, schema: &Value) {
        let text = data.get();
        let parse =
            self.date_times.get(binding) == Some(&true) && raw_doc::may_hold_local_timestamp(text);
        if !parse {
            match self.next_row_id.get_mut(binding) {
                Some(Some(next)) => {
                    if let Some(stamped) = raw_doc::with_row_id(text, *next) {
                        *next += 1;
                        return self.emit(binding, &stamped);
                    }
                }
                _ => return self.emit(binding, text),
            }
        }
        let mut doc: Value = serde_json::from_str(text).expect("a RawValue holds valid JSON");
        airbyte::utc_timestamps(&mut doc, schema);
        self.document(binding, doc)
    }

    fn emit(&mut self, binding: usize, json: &str) {
        self.pending = true;
        (self.sink)(ReadEvent::Document { binding, json });
    }

    fn checkpoint(&mut self, state: Value, merge_patch: bool) {
        self.pending = false;
        (self.sink)(ReadEvent::Checkpoint { state, merge_patch });
    }

    /// The documents since the last checkpoint commit with an empty (no-op) state update.
    fn finish(&mut self) {
        if self.pending {
            self.checkpoint(json!({}), true);
        }
    }
}

impl Connector {
    /// Read the request's bindings once, resuming from its state; every document and checkpoint goes to
    /// `sink` as the connector prints it. Ends when the connector does; not bounded by the timeout (drop the
    /// future to stop the connector).
    pub async fn read(
        &self,
        req: &ReadRequest,
        sink: impl FnMut(ReadEvent<'_>),
    ) -> Result<(), ConnectorError> {
        let mut events = Events::new(sink, req);
        match self.protocol {
            Protocol::Airbyte => self.airbyte_events(req, &mut events).await?,
            Protocol::Singer => self.singer_events(req, &mut events).await?,
            Protocol::Flow => {
                return Err(self.reported(
                    "during read",
                    "a Flow connector is read through its own open session, not Connector::read",
                ));
            }
        }
        events.finish();
        Ok(())
    }

    async fn airbyte_events<F: FnMut(ReadEvent<'_>)>(
        &self,
        req: &ReadRequest,
        events: &mut Events<F>,
    ) -> Result<(), ConnectorError> {
        // As Flow's airbyte-to-flow does, the configured catalog is built from the bindings (their
        // resource and collection schema), with no discover first: that would start the connector once
        // more. Only a binding without a schema (unknown shape) needs the discovered stream.
        let selected = if req.bindings.iter().all(|b| b.schema.is_object()) {
            req.bindings
                .iter()
                .map(|b| (airbyte::stream_of_binding(b), b.resource_config.clone()))
                .collect()
        } else {
            self.discovered_streams(req).await?
        };
        let catalog = airbyte::configured_catalog(&selected);
        let state = airbyte::state_file(&req.state);
        let inv = airbyte::invocation("read", Some(&req.config), Some(&catalog), Some(&state));
        let bindings = &req.bindings;
        let names: Vec<(Option<&str>, Option<&str>)> = bindings
            .iter()
            .map(|b| {
                let text = |k: &str| b.resource_config.get(k).and_then(Value::as_str);
                (text("stream"), text("namespace").filter(|n| !n.is_empty()))
            })
            .collect();
        let subject = self.subject();
        let trace_error = self
            .supervise_within(READ_LIMIT, inv, "during read", async |run| {
                airbyte::pump_read(run, |line| match line {
                    airbyte::ReadLine::Record(r) => {
                        match binding_of(&names, &r.stream, r.namespace.as_deref()) {
                            Some(i) => events.airbyte_document(i, r.data, &bindings[i].schema),
                            None => tracing::debug!(
                                "{subject} sent a record of stream {:?}, which no binding reads",
                                r.stream
                            ),
                        }
                    }
                    airbyte::ReadLine::Message(airbyte::Message::Record {
                        stream,
                        namespace,
                        data,
                    }) => match binding_of(&names, &stream, namespace.as_deref()) {
                        Some(i) => {
                            let mut doc = data;
                            airbyte::utc_timestamps(&mut doc, &bindings[i].schema);
                            events.document(i, doc)
                        }
                        None => tracing::debug!(
                            "{subject} sent a record of stream {stream:?}, which no binding reads"
                        ),
                    },
                    airbyte::ReadLine::Message(airbyte::Message::State(state)) => {
                        match airbyte::state_update(&state) {
                            Some((update, merge)) => events.checkpoint(update, merge),
                            None => {
                                tracing::warn!("{subject} sent a STATE message of no known type")
                            }
                        }
                    }
                    _ => {}
                })
                .await
            })
            .await?;
        if let Some(e) = trace_error {
            tracing::debug!("connector reported an error but exited 0: {e}");
        }
        Ok(())
    }

    /// The discovered stream of each binding (for bindings whose schema is unknown); an error names the
    /// streams the source no longer has.
    async fn discovered_streams(
        &self,
        req: &ReadRequest,
    ) -> Result<Vec<(Value, Value)>, ConnectorError> {
        let streams = self.airbyte_streams(&req.config).await?;
        let mut selected = Vec::new();
        let mut missing = Vec::new();
        for b in &req.bindings {
            match streams
                .iter()
                .find(|s| airbyte::stream_matches(s, &b.resource_config))
            {
                Some(s) => selected.push((s.clone(), b.resource_config.clone())),
                None => missing.push(resource_name(&b.resource_config)),
            }
        }
        if !missing.is_empty() {
            return Err(self.reported(
                "during read",
                &format!(
                    "these streams no longer exist in the source: {}.\n  Run `catwalk discover` again to update the catalog.",
                    missing.join(", ")
                ),
            ));
        }
        Ok(selected)
    }

    async fn singer_events<F: FnMut(ReadEvent<'_>)>(
        &self,
        req: &ReadRequest,
        events: &mut Events<F>,
    ) -> Result<(), ConnectorError> {
        let streams = self.singer_streams(&req.config).await?;
        let resources: Vec<Value> = req
            .bindings
            .iter()
            .map(|b| b.resource_config.clone())
            .collect();
        let catalog = singer::selected_catalog(&streams, &resources)
            .map_err(|e| self.reported("during read", &e))?;
        // A RECORD names its stream by tap_stream_id, or (older taps) by the stream's name.
        let names: Vec<(String, Option<String>)> = resources
            .iter()
            .map(|r| {
                let id = r.get("stream").and_then(Value::as_str).unwrap_or("");
                let name = streams
                    .iter()
                    .find(|s| singer::stream_id(s) == id)
                    .and_then(|s| s.get("stream").and_then(Value::as_str))
                    .map(str::to_string);
                (id.to_string(), name)
            })
            .collect();
        let state = req
            .state
            .as_object()
            .filter(|s| !s.is_empty())
            .map(|_| req.state.clone());
        let mut batched = None;
        let subject = self.subject();
        self.supervise_within(
            READ_LIMIT,
            singer::invocation(&req.config, Some(&catalog), state.as_ref(), false),
            "during read",
            async |run| {
                singer::pump(run, |m| match m {
                    singer::Message::Record { stream, record, .. } => {
                        let at = names
                            .iter()
                            .position(|(id, _)| *id == stream)
                            .or_else(|| {
                                names
                                    .iter()
                                    .position(|(_, name)| name.as_deref() == Some(&stream))
                            });
                        match at {
                            Some(i) => events.document(i, record),
                            None => tracing::debug!(
                                "{subject} sent a record of stream {stream:?}, which no binding reads"
                            ),
                        }
                    }
                    singer::Message::State(state) => events.checkpoint(state, false),
                    singer::Message::Batch { stream, .. } => {
                        batched.get_or_insert(stream);
                    }
                    // Flow keeps every document: a new table version deletes nothing. The schemas are the
                    // collections'.
                    singer::Message::ActivateVersion { .. } | singer::Message::Schema { .. } => {}
                    singer::Message::Other(_) | singer::Message::Stray(_) => {}
                })
                .await
            },
        )
        .await?;
        if let Some(stream) = batched {
            return Err(self.reported(
                "during read",
                &format!(
                    "it wrote records of stream {stream:?} to batch files (BATCH messages), which catwalk does not read.\n  Turn batch messages off in the tap's config (remove `batch_config`)."
                ),
            ));
        }
        Ok(())
    }
}

/// The binding reading records of `stream` in `namespace` (a record without one matches a binding of the
/// stream in any namespace).
fn binding_of(
    names: &[(Option<&str>, Option<&str>)],
    stream: &str,
    namespace: Option<&str>,
) -> Option<usize> {
    let namespace = namespace.filter(|n| !n.is_empty());
    names
        .iter()
        .position(|(s, ns)| *s == Some(stream) && (*ns == namespace || namespace.is_none()))
}

/// `namespace.stream`, or `stream`, of a resource config: how errors name it.
fn resource_name(resource: &Value) -> String {
    let text = |k: &str| {
        resource
            .get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    match (text("namespace"), text("stream")) {
        (Some(ns), Some(s)) => format!("{ns}.{s}"),
        (None, Some(s)) => s.to_string(),
        _ => resource.to_string(),
    }
}
