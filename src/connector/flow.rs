//! Estuary Flow's connector protocol on a running connector: typed requests ([`crate::protocol`]) one per
//! line on stdin, responses one per line on stdout, several requests per process. Maps the messages to and
//! from the protocol-neutral model. A response of the wrong type fails at once, naming what came.

use super::error::ConnectorError;
use super::process::Running;
use crate::clip::clip;
use crate::model::{
    CollectionSpec, ConnectorKind, DiscoveredBinding, Protocol, Spec, ValidateBinding,
    ValidateRequest, Validated, ValidatedBinding,
};
use crate::protocol::{
    self, ConnectorType, DecodeError, Exists, Inference, Message, Projection, SpecRequest, Variant,
    capture, materialize,
};
use serde_json::{Value, json};

pub use crate::protocol::PROTOCOL_VERSION;

/// One request/response exchange on a running Flow connector.
pub(crate) struct FlowSession<'a> {
    pub run: &'a mut Running,
    pub subject: &'a str,
}

impl FlowSession<'_> {
    /// Send `request` and read its answer, which must be the message `T` (of protocol `M`): anything else
    /// fails at once, naming what came and what was expected.
    pub async fn call<Q: Message, M: Message, T: Variant<M>>(
        &mut self,
        request: &Q,
        during: &str,
    ) -> Result<T, ConnectorError> {
        self.send(request).await;
        self.expect(during).await
    }

    /// Write one request line. A failure is only logged: the connector may have died before reading, and
    /// its exit says more than the broken pipe.
    async fn send<Q: Message>(&mut self, request: &Q) {
        let line = protocol::encode(request);
        // `write_line` ends the line itself: a second newline would be an empty request, which estuary-cdk
        // connectors fail on.
        let line = line.strip_suffix(b"\n").unwrap_or(&line);
        if let Err(e) = self.run.write_line(line).await {
            tracing::debug!("writing a request failed: {e}");
        }
    }

    /// Read the next message, which must be `T`.
    pub async fn expect<M: Message, T: Variant<M>>(
        &mut self,
        during: &str,
    ) -> Result<T, ConnectorError> {
        let subject = self.subject;
        let unexpected = |got: String| ConnectorError::UnexpectedResponse {
            subject: subject.to_string(),
            during: during.to_string(),
            expected: T::NAME,
            got,
        };
        match self.next::<M>(during).await {
            Ok(message) => {
                T::take(message).map_err(|other| unexpected(format!("`{}`", other.name())))
            }
            Err(Received::NotMessage(DecodeError::NoMessage { keys })) if keys.is_empty() => {
                Err(unexpected("`{}`".into()))
            }
            // One key this protocol lacks is most likely another protocol's message: name it.
            Err(Received::NotMessage(DecodeError::NoMessage { keys })) if keys.len() == 1 => {
                Err(unexpected(format!("`{}`", keys[0])))
            }
            Err(Received::NotMessage(
                e @ (DecodeError::NoMessage { .. } | DecodeError::Several(_)),
            )) => Err(unexpected(e.to_string())),
            Err(Received::NotMessage(DecodeError::Malformed { variant, error })) => {
                Err(ConnectorError::Reported {
                    subject: self.subject.to_string(),
                    during: during.to_string(),
                    message: format!("its `{variant}` response is malformed: {error}"),
                })
            }
            Err(Received::NotMessage(_)) => {
                unreachable!("lines that are not JSON objects are errors of `next`")
            }
            Err(Received::Failed(e)) => Err(e),
        }
    }

    /// The next message of protocol `M`, whatever its variant. A line that is not a JSON object is a
    /// protocol error; end of output is `ConnectorError::Io("")` (the caller replaces it with the exit).
    pub async fn next<M: Message>(&mut self, during: &str) -> Result<M, Received> {
        loop {
            let line = match self.run.next_line().await {
                Some(Ok(line)) => line,
                Some(Err(e)) => {
                    return Err(Received::Failed(ConnectorError::Io(format!(
                        "reading from {}: {e}",
                        self.subject
                    ))));
                }
                None => return Err(Received::Failed(ConnectorError::Io(String::new()))),
            };
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return match protocol::decode::<M>(&line) {
                Ok(message) => Ok(message),
                Err(DecodeError::NotJson(_) | DecodeError::NotAnObject(_)) => {
                    Err(Received::Failed(ConnectorError::Protocol {
                        subject: self.subject.to_string(),
                        protocol: "Flow",
                        during: during.to_string(),
                        line: clip(String::from_utf8_lossy(&line).trim_end(), 200),
                    }))
                }
                Err(e) => Err(Received::NotMessage(e)),
            };
        }
    }

    /// `spec`. A local command's kind is told by its spec (see [`parse_spec`]).
    pub async fn spec(&mut self, local: bool, kind: ConnectorKind) -> Result<Spec, ConnectorError> {
        let spec = self
            .call::<_, capture::Response, protocol::Spec>(&spec_request(local), "during spec")
            .await?;
        parse_spec(spec, kind, self.subject)
    }

    /// `discover` (captures).
    pub async fn discover(
        &mut self,
        local: bool,
        config: &Value,
    ) -> Result<Vec<DiscoveredBinding>, ConnectorError> {
        let discovered: capture::response::Discovered = self
            .call::<_, capture::Response, _>(&discover_request(local, config), "during discover")
            .await?;
        Ok(parse_discovered(discovered))
    }

    /// `validate`, of a capture or a materialization: one validated binding per requested one.
    pub async fn validate(
        &mut self,
        local: bool,
        kind: ConnectorKind,
        req: &ValidateRequest,
    ) -> Result<Validated, ConnectorError> {
        let during = "during validate";
        // The answer is read as a materialization's whatever the kind: a capture's validated binding is
        // one without constraints, and catwalk is not always told the kind of a local command before it
        // validates (it learns it from the spec).
        let v: materialize::response::Validated = match kind {
            ConnectorKind::Capture => {
                let request = capture::Request::Validate(capture_validate(local, req));
                self.call::<_, materialize::Response, _>(&request, during)
                    .await?
            }
            ConnectorKind::Materialize => {
                let request = materialize::Request::Validate(materialize_validate(local, req));
                self.call::<_, materialize::Response, _>(&request, during)
                    .await?
            }
        };
        let validated = parse_validated(v);
        if validated.bindings.len() != req.bindings.len() {
            return Err(ConnectorError::Reported {
                subject: self.subject.to_string(),
                during: during.into(),
                message: format!(
                    "it answered for {} bindings but was asked about {}",
                    validated.bindings.len(),
                    req.bindings.len()
                ),
            });
        }
        Ok(validated)
    }
}

/// What an open capture reports, in the order it came (see [`FlowSession::capture`]).
#[derive(Debug)]
pub enum CaptureEvent {
    /// A document of binding `binding` (an index into `open.capture.bindings`).
    Document { binding: u32, doc: Value },
    /// The source's own schema of a binding's documents.
    SourcedSchema { binding: u32, schema: Value },
    /// A transaction committed: the checkpoints that were ready together, folded into one as Flow's runtime
    /// folds them, with their state updates in order.
    Commit {
        states: Vec<protocol::ConnectorState>,
    },
}

/// How an open capture's stream ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureEnd {
    /// The caller said stop.
    Stopped,
    /// `until` passed.
    TimedOut,
    /// The connector closed its output (it should then exit).
    Closed,
}

impl FlowSession<'_> {
    /// `apply` a capture (Flow's runtime does before each `open`); its action description.
    pub async fn apply(
        &mut self,
        apply: capture::request::Apply,
    ) -> Result<String, ConnectorError> {
        let applied: capture::response::Applied = self
            .call::<_, capture::Response, _>(&capture::Request::Apply(apply), "during apply")
            .await?;
        Ok(applied.action_description)
    }

    /// Send `open` and read `opened`; documents and checkpoints follow (read them with [`FlowSession::capture`]).
    pub async fn open(
        &mut self,
        open: capture::request::Open,
    ) -> Result<capture::response::Opened, ConnectorError> {
        self.call::<_, capture::Response, _>(&capture::Request::Open(open), "during open")
            .await
    }

    /// Stream an opened capture into `on`, one event at a time (nothing is held): documents and sourced
    /// schemas as they come, and a [`CaptureEvent::Commit`] once a checkpoint is followed by nothing ready to
    /// read (checkpoints that are ready together fold into one transaction, as in Flow's runtime). With
    /// `acknowledge` (the connector's `opened.explicitAcknowledgements`), each commit is acknowledged.
    /// Ends when `on` breaks, at `until`, or when the connector closes its output.
    pub async fn capture(
        &mut self,
        acknowledge: bool,
        until: Option<tokio::time::Instant>,
        mut on: impl FnMut(CaptureEvent) -> std::ops::ControlFlow<()>,
    ) -> Result<CaptureEnd, ConnectorError> {
        use futures_util::FutureExt;
        use std::ops::ControlFlow;
        let during = "during capture";
        let mut states: Vec<protocol::ConnectorState> = Vec::new();
        loop {
            // After a checkpoint, only what is already there belongs to its transaction.
            let next = if states.is_empty() {
                let read = self.next::<capture::Response>(during);
                match until {
                    Some(at) => match tokio::time::timeout_at(at, read).await {
                        Ok(r) => Some(r),
                        Err(_) => return Ok(CaptureEnd::TimedOut),
                    },
                    None => Some(read.await),
                }
            } else {
                self.next::<capture::Response>(during).now_or_never()
            };
            let message = match next {
                None => {
                    let states = std::mem::take(&mut states);
                    let n = states.len() as u32;
                    let flow = on(CaptureEvent::Commit { states });
                    if acknowledge {
                        self.acknowledge(n).await;
                    }
                    if flow.is_break() {
                        return Ok(CaptureEnd::Stopped);
                    }
                    continue;
                }
                Some(Ok(message)) => message,
                Some(Err(Received::Failed(ConnectorError::Io(e)))) if e.is_empty() => {
                    if !states.is_empty() {
                        let _ = on(CaptureEvent::Commit { states });
                    }
                    return Ok(CaptureEnd::Closed);
                }
                Some(Err(Received::Failed(e))) => return Err(e),
                Some(Err(Received::NotMessage(e))) => {
                    return Err(ConnectorError::UnexpectedResponse {
                        subject: self.subject.to_string(),
                        during: during.into(),
                        expected: "captured, sourcedSchema or checkpoint",
                        got: e.to_string(),
                    });
                }
            };
            let flow = match message {
                capture::Response::Captured(c) => on(CaptureEvent::Document {
                    binding: c.binding,
                    doc: c.doc,
                }),
                capture::Response::SourcedSchema(s) => on(CaptureEvent::SourcedSchema {
                    binding: s.binding,
                    schema: s.document_schema,
                }),
                capture::Response::Checkpoint(c) => {
                    states.push(c.state.unwrap_or_default());
                    ControlFlow::Continue(())
                }
                other => {
                    return Err(ConnectorError::UnexpectedResponse {
                        subject: self.subject.to_string(),
                        during: during.into(),
                        expected: "captured, sourcedSchema or checkpoint",
                        got: format!("`{}`", protocol::Message::name(&other)),
                    });
                }
            };
            if flow.is_break() {
                return Ok(CaptureEnd::Stopped);
            }
        }
    }

    async fn acknowledge(&mut self, checkpoints: u32) {
        let ack = capture::Request::Acknowledge(capture::request::Acknowledge { checkpoints });
        self.send(&ack).await;
    }
}

/// Flow's state key of a binding: its resource path joined by `/`, `.v<backfill>` when backfilled, then
/// percent-encoded (everything but ASCII letters, digits, `-`, `_` and `.`), so `["public", "users"]` is
/// `public%2Fusers`.
pub fn state_key(resource_path: &[String], backfill: u32) -> String {
    let mut key = resource_path.join("/");
    if backfill > 0 {
        key.push_str(&format!(".v{backfill}"));
    }
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// What [`FlowSession::next`] read instead of a message.
#[derive(Debug)]
pub enum Received {
    /// JSON objects, but no message of the protocol (`{}`, unknown keys, several, malformed).
    NotMessage(DecodeError),
    /// Not the protocol at all, or the output ended or failed.
    Failed(ConnectorError),
}

impl From<Received> for ConnectorError {
    fn from(r: Received) -> Self {
        match r {
            Received::Failed(e) => e,
            Received::NotMessage(e) => ConnectorError::Io(e.to_string()),
        }
    }
}

pub fn spec_request(local: bool) -> capture::Request {
    capture::Request::Spec(SpecRequest {
        connector_type: ConnectorType::of(local),
        config: json!({}),
    })
}

pub fn discover_request(local: bool, config: &Value) -> capture::Request {
    capture::Request::Discover(capture::request::Discover {
        connector_type: ConnectorType::of(local),
        config: config.clone(),
    })
}

pub fn capture_validate(local: bool, req: &ValidateRequest) -> capture::request::Validate {
    capture::request::Validate {
        name: req.name.clone(),
        connector_type: ConnectorType::of(local),
        config: req.config.clone(),
        bindings: req
            .bindings
            .iter()
            .map(|b| capture::request::ValidateBinding {
                resource_config: b.resource_config.clone(),
                collection: collection_spec(&b.collection),
                backfill: b.backfill,
            })
            .collect(),
        ..Default::default()
    }
}

pub fn materialize_validate(local: bool, req: &ValidateRequest) -> materialize::request::Validate {
    materialize::request::Validate {
        name: req.name.clone(),
        connector_type: ConnectorType::of(local),
        config: req.config.clone(),
        bindings: req
            .bindings
            .iter()
            .map(|b| materialize::request::ValidateBinding {
                resource_config: b.resource_config.clone(),
                collection: collection_spec(&b.collection),
                field_config: b.field_config.clone(),
                backfill: b.backfill,
                group_by: vec![],
            })
            .collect(),
        ..Default::default()
    }
}

/// A collection as Flow presents it, with projections (what materializations base their constraints
/// on): every property of the write and read schemas, nested ones too (`address/city`), every key
/// location, and what Flow adds to every collection: `flow_document` (the root, `""`) and
/// `flow_published_at` (`/_meta/uuid`, the publication time).
pub fn collection_spec(c: &CollectionSpec) -> protocol::CollectionSpec {
    let mut projections = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for schema in std::iter::once(&c.write_schema).chain(c.read_schema.as_ref()) {
        nested_projections(schema, "", "", true, 0, &c.key, &mut seen, &mut projections);
    }
    for ptr in &c.key {
        if seen.insert(ptr.clone()) {
            let prop = locate(&c.write_schema, ptr).cloned().unwrap_or(Value::Null);
            // Flow names a nested field by its pointer without the leading slash.
            let field = ptr.trim_start_matches('/').to_string();
            projections.push(projection(ptr, &field, &prop, true, &c.key));
        }
    }
    // What Flow's build adds to every collection: the whole document, and the publication time.
    if !projections.iter().any(|p| p.ptr.is_empty()) {
        projections.push(Projection {
            ptr: String::new(),
            field: "flow_document".into(),
            inference: Inference {
                types: vec!["object".into()],
                exists: Exists::Must,
                ..Default::default()
            },
            ..Default::default()
        });
    }
    if !projections.iter().any(|p| p.field == "flow_published_at") {
        projections.push(Projection {
            ptr: "/_meta/uuid".into(),
            field: "flow_published_at".into(),
            inference: Inference {
                types: vec!["string".into()],
                string: Some(protocol::StringInference {
                    format: "date-time".into(),
                    ..Default::default()
                }),
                exists: Exists::Must,
                ..Default::default()
            },
            ..Default::default()
        });
    }
    protocol::CollectionSpec {
        name: c.name.clone(),
        key: c.key.clone(),
        write_schema: c.write_schema.clone(),
        read_schema: c.read_schema.clone().unwrap_or(Value::Null),
        projections,
        uuid_ptr: "/_meta/uuid".into(),
        ..Default::default()
    }
}

/// Projections of the properties of `schema` (an object at `ptr`, named `field`), and of theirs, as Flow
/// projects every statically known location (not into arrays); a location exists surely when it and every
/// enclosing one are required.
#[allow(clippy::too_many_arguments)]
fn nested_projections(
    schema: &Value,
    ptr: &str,
    field: &str,
    required: bool,
    depth: usize,
    key: &[String],
    seen: &mut std::collections::HashSet<String>,
    out: &mut Vec<Projection>,
) {
    let Some(Value::Object(props)) = schema.get("properties") else {
        return;
    };
    for (name, prop) in props {
        let p = format!("{ptr}/{}", crate::text::escape_token(name));
        let f = if field.is_empty() {
            name.clone()
        } else {
            format!("{field}/{name}")
        };
        let must = required && is_required(schema, name);
        if seen.insert(p.clone()) {
            out.push(projection(&p, &f, prop, must, key));
        }
        if depth < MAX_PROJECTION_DEPTH {
            nested_projections(prop, &p, &f, must, depth + 1, key, seen, out);
        }
    }
}

/// How deep nested properties are projected (Flow has no limit; schemas this deep are rare).
const MAX_PROJECTION_DEPTH: usize = 8;

fn projection(ptr: &str, field: &str, prop: &Value, required: bool, key: &[String]) -> Projection {
    let types: Vec<String> = match prop.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => vec![],
    };
    let is_key = key.iter().any(|k| k == ptr);
    Projection {
        ptr: ptr.to_string(),
        field: field.to_string(),
        is_primary_key: is_key,
        inference: Inference {
            types,
            exists: if required || is_key {
                Exists::Must
            } else {
                Exists::May
            },
            ..Default::default()
        },
        ..Default::default()
    }
}

fn is_required(schema: &Value, field: &str) -> bool {
    schema
        .get("required")
        .and_then(Value::as_array)
        .is_some_and(|r| r.iter().any(|f| f == field))
}

/// The sub-schema at a document pointer, following `properties`.
fn locate<'a>(schema: &'a Value, ptr: &str) -> Option<&'a Value> {
    ptr.split('/').skip(1).try_fold(schema, |node, token| {
        let token = crate::text::unescape_token(token);
        node.get("properties")?.get(token.as_str())
    })
}

/// The spec response as catwalk's model. `kind` is what the caller knows; a resource schema naming a
/// collection (`x-collection-name`) makes it a materialization's.
pub fn parse_spec(
    spec: protocol::Spec,
    kind: ConnectorKind,
    subject: &str,
) -> Result<Spec, ConnectorError> {
    let bad = |what: String| ConnectorError::Reported {
        subject: subject.to_string(),
        during: "during spec".into(),
        message: what,
    };
    match spec.protocol {
        PROTOCOL_VERSION | 0 => {}
        other => {
            return Err(bad(format!(
                "it speaks Flow protocol version {other}, catwalk speaks {PROTOCOL_VERSION}"
            )));
        }
    }
    if !spec.config_schema.is_object() {
        return Err(bad("the spec has no configSchema object".into()));
    }
    // A local command says what it is only through its spec: a resource naming a collection is a
    // materialization's (`x-collection-name`).
    let kind = if spec
        .resource_config_schema
        .to_string()
        .contains("\"x-collection-name\"")
    {
        ConnectorKind::Materialize
    } else {
        kind
    };
    Ok(Spec {
        protocol: Protocol::Flow,
        kind,
        config_schema: spec.config_schema,
        resource_config_schema: spec.resource_config_schema,
        documentation_url: Some(spec.documentation_url).filter(|u| !u.is_empty()),
        resource_path_pointers: spec.resource_path_pointers,
        oauth2: spec.oauth2,
    })
}

/// A model spec as Flow's spec response (what `catwalk adapt` answers).
pub fn spec_response(spec: &Spec) -> protocol::Spec {
    protocol::Spec {
        protocol: PROTOCOL_VERSION,
        config_schema: spec.config_schema.clone(),
        resource_config_schema: spec.resource_config_schema.clone(),
        documentation_url: spec.documentation_url.clone().unwrap_or_default(),
        oauth2: spec.oauth2.clone(),
        resource_path_pointers: spec.resource_path_pointers.clone(),
    }
}

pub fn parse_discovered(d: capture::response::Discovered) -> Vec<DiscoveredBinding> {
    let or_object = |v: Value| if v.is_null() { json!({}) } else { v };
    d.bindings
        .into_iter()
        .map(|b| DiscoveredBinding {
            recommended_name: b.recommended_name,
            resource_config: or_object(b.resource_config),
            document_schema: or_object(b.document_schema),
            key: b.key,
            disable: b.disable,
            is_fallback_key: b.is_fallback_key,
            resource_path: b.resource_path,
            read_modes: None,
        })
        .collect()
}

/// Discovered bindings as Flow's discovered response (what `catwalk adapt` answers).
pub fn discovered_response(bindings: Vec<DiscoveredBinding>) -> capture::response::Discovered {
    capture::response::Discovered {
        bindings: bindings
            .into_iter()
            .map(|b| capture::response::DiscoveredBinding {
                recommended_name: b.recommended_name,
                resource_config: b.resource_config,
                document_schema: b.document_schema,
                key: b.key,
                disable: b.disable,
                resource_path: b.resource_path,
                is_fallback_key: b.is_fallback_key,
            })
            .collect(),
    }
}

/// A validated response (a capture's reads as a materialization's without constraints) as the model.
pub fn parse_validated(v: materialize::response::Validated) -> Validated {
    Validated {
        bindings: v
            .bindings
            .into_iter()
            .map(|b| ValidatedBinding {
                constraints: b.all_constraints(),
                resource_path: b.resource_path,
                delta_updates: b.delta_updates,
            })
            .collect(),
    }
}

/// A capture's validation as Flow's validated response (what `catwalk adapt` answers).
pub fn validated_response(v: &Validated) -> capture::response::Validated {
    capture::response::Validated {
        bindings: v
            .bindings
            .iter()
            .map(|b| capture::response::ValidatedBinding {
                resource_path: b.resource_path.clone(),
            })
            .collect(),
    }
}

/// A capture validate request's binding as catwalk's model (what `catwalk adapt` validates).
pub fn validate_binding(b: capture::request::ValidateBinding) -> ValidateBinding {
    let or_object = |v: Value| if v.is_null() { json!({}) } else { v };
    let c = b.collection;
    ValidateBinding {
        resource_config: or_object(b.resource_config),
        collection: CollectionSpec {
            name: c.name,
            key: c.key,
            write_schema: c.write_schema,
            read_schema: Some(c.read_schema).filter(|s| !s.is_null()),
        },
        backfill: b.backfill,
        field_config: Default::default(),
    }
}

/// The values at `pointers` in a resource config: the resource's identity (e.g. `["public", "orders"]`).
pub fn resource_path(resource: &Value, pointers: &[String]) -> Vec<String> {
    pointers
        .iter()
        .filter_map(|p| resource.pointer(p))
        .filter(|v| !v.is_null())
        .map(|v| {
            v.as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec_of(v: Value, kind: ConnectorKind) -> Result<Spec, ConnectorError> {
        let r: capture::Response = protocol::decode_value(json!({ "spec": v })).unwrap();
        parse_spec(protocol::Spec::take(r).unwrap(), kind, "image x")
    }

    fn discovered_of(v: Value) -> Result<Vec<DiscoveredBinding>, DecodeError> {
        let r: capture::Response = protocol::decode_value(json!({ "discovered": v }))?;
        Ok(parse_discovered(
            capture::response::Discovered::take(r).unwrap(),
        ))
    }

    #[test]
    fn spec_accepts_camel_and_protobuf_names() {
        let camel = json!({"protocol": 3032023, "configSchema": {"type": "object"}, "resourceConfigSchema": {"type": "object"},
            "documentationUrl": "https://x", "resourcePathPointers": ["/namespace", "/stream"]});
        let s = spec_of(camel, ConnectorKind::Capture).unwrap();
        assert_eq!(s.resource_path_pointers, vec!["/namespace", "/stream"]);
        assert_eq!(s.documentation_url.as_deref(), Some("https://x"));
        // Flow's decoder also takes protobuf's own field names.
        let snake =
            json!({"config_schema_json": {"type": "object"}, "resource_config_schema_json": {}});
        assert!(spec_of(snake, ConnectorKind::Capture).is_ok());
    }

    #[test]
    fn spec_rejects_wrong_protocol_and_missing_schema() {
        let e = spec_of(
            json!({"protocol": 1, "configSchema": {}}),
            ConnectorKind::Capture,
        )
        .unwrap_err();
        assert!(e.to_string().contains("version 1"), "{e}");
        let e = spec_of(json!({"protocol": 3032023}), ConnectorKind::Capture).unwrap_err();
        assert!(e.to_string().contains("configSchema"), "{e}");
    }

    #[test]
    fn discovered_bindings_map_all_fields() {
        let v = json!({"bindings": [{"recommendedName": "public/orders", "resourceConfig": {"namespace": "public", "stream": "orders"},
            "documentSchema": {"type": "object"}, "key": ["/id"], "disable": true, "isFallbackKey": false, "resourcePath": ["public", "orders"],
            "somethingNew": 1}]});
        let b = discovered_of(v).unwrap();
        assert_eq!(b[0].recommended_name, "public/orders");
        assert_eq!(b[0].key, vec!["/id"]);
        assert!(b[0].disable);
        assert_eq!(b[0].resource_path, vec!["public", "orders"]);
        assert!(discovered_of(json!({})).unwrap().is_empty());
        let e = discovered_of(json!({"bindings": 3})).unwrap_err();
        assert!(
            matches!(
                e,
                DecodeError::Malformed {
                    variant: "discovered",
                    ..
                }
            ),
            "{e:?}"
        );
        // Absent schemas and resources are empty objects, as the catalog needs them.
        let b = discovered_of(json!({"bindings": [{"recommendedName": "x"}]})).unwrap();
        assert_eq!(b[0].resource_config, json!({}));
        assert_eq!(b[0].document_schema, json!({}));
    }

    fn request(field_config: serde_json::Map<String, Value>) -> ValidateRequest {
        ValidateRequest {
            name: "acmeCo/cap".into(),
            config: json!({"a": 1}),
            bindings: vec![crate::model::ValidateBinding {
                field_config,
                resource_config: json!({"stream": "s"}),
                collection: CollectionSpec {
                    name: "acmeCo/s".into(),
                    key: vec!["/id".into()],
                    write_schema: json!({"type": "object", "properties": {"id": {"type": "integer"}, "a/b": {"type": ["string", "null"]}}, "required": ["id"]}),
                    read_schema: None,
                },
                backfill: 2,
            }],
        }
    }

    #[test]
    fn validate_request_carries_projections() {
        let v = serde_json::to_value(capture::Request::Validate(capture_validate(
            false,
            &request(Default::default()),
        )))
        .unwrap();
        let proj = &v["validate"]["bindings"][0]["collection"]["projections"];
        assert_eq!(proj[0]["ptr"], "/id");
        assert_eq!(proj[0]["isPrimaryKey"], true);
        assert_eq!(proj[1]["ptr"], "/a~1b");
        assert_eq!(proj[1]["inference"]["exists"], "MAY");
        assert_eq!(v["validate"]["connectorType"], "IMAGE");
        assert_eq!(v["validate"]["bindings"][0]["backfill"], 2);
        assert_eq!(
            v["validate"]["bindings"][0]["collection"]["uuidPtr"],
            "/_meta/uuid"
        );
    }

    #[test]
    fn materialize_validate_carries_field_config() {
        let mut fc = serde_json::Map::new();
        fc.insert("id".into(), json!({"x": 1}));
        let v = serde_json::to_value(materialize::Request::Validate(materialize_validate(
            true,
            &request(fc),
        )))
        .unwrap();
        assert_eq!(v["validate"]["connectorType"], "LOCAL");
        assert_eq!(
            v["validate"]["bindings"][0]["fieldConfig"],
            json!({"id": {"x": 1}})
        );
    }

    #[test]
    fn projections_cover_nested_keys_and_both_schemas() {
        let c = CollectionSpec {
            name: "a/events".into(),
            key: vec!["/_meta/row_id".into()],
            write_schema: json!({"type": "object", "properties": {"msg": {"type": "string"},
                "_meta": {"type": "object", "properties": {"row_id": {"type": "integer"}}}}}),
            read_schema: Some(
                json!({"allOf": [{"$ref": "flow://write-schema"}], "properties": {"extra": {"type": "boolean"}}}),
            ),
        };
        let v = collection_spec(&c);
        let fields: Vec<&str> = v.projections.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "msg",
                "_meta",
                "_meta/row_id",
                "extra",
                "flow_document",
                "flow_published_at"
            ]
        );
        let key = &v.projections[2];
        assert!(key.is_primary_key);
        assert_eq!(key.inference.types, vec!["integer"]);
        assert_eq!(key.inference.exists, Exists::Must);
        assert!(v.read_schema.is_object());
    }

    #[test]
    fn a_resource_naming_a_collection_makes_a_materialization() {
        let v = json!({"configSchema": {}, "resourceConfigSchema": {"properties": {"table": {"x-collection-name": true}}}});
        assert_eq!(
            spec_of(v, ConnectorKind::Capture).unwrap().kind,
            ConnectorKind::Materialize
        );
    }

    #[test]
    fn materialize_constraints_are_typed_and_merged() {
        let r: materialize::Response = protocol::decode(
            br#"{"validated":{"bindings":[{"constraints":{"id":{"type":"LOCATION_REQUIRED","reason":"key"}},
                "projectionConstraints":[{"field":"n","constraint":{"type":4,"reason":"r"}}],
                "resourcePath":["public","t"],"deltaUpdates":true}]}}"#,
        )
        .unwrap();
        let v = parse_validated(materialize::response::Validated::take(r).unwrap());
        let b = &v.bindings[0];
        assert_eq!(
            b.constraints["id"].kind,
            crate::model::ConstraintType::LocationRequired
        );
        assert!(b.constraints["n"].kind.is_optional());
        assert!(b.delta_updates);
        // An unknown constraint type fails the whole response, as in Flow, naming it.
        let e = protocol::decode::<materialize::Response>(
            br#"{"validated":{"bindings":[{"constraints":{"id":{"type":"SOMETIMES"}}}]}}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("SOMETIMES"), "{e}");
    }

    #[test]
    fn adapt_answers_round_trip_through_the_model() {
        let bindings = discovered_of(json!({"bindings": [{"recommendedName": "users", "resourceConfig": {"stream": "users"},
            "documentSchema": {"type": "object"}, "key": ["/_meta/row_id"], "isFallbackKey": true, "resourcePath": ["users"]}]}))
        .unwrap();
        let out = serde_json::to_value(capture::Response::Discovered(discovered_response(
            bindings.clone(),
        )))
        .unwrap();
        assert_eq!(
            out,
            json!({"discovered": {"bindings": [{"recommendedName": "users", "resourceConfig": {"stream": "users"},
                "documentSchema": {"type": "object"}, "key": ["/_meta/row_id"], "resourcePath": ["users"], "isFallbackKey": true}]}})
        );
        let back: capture::Response = protocol::decode_value(out).unwrap();
        assert_eq!(
            parse_discovered(capture::response::Discovered::take(back).unwrap()),
            bindings
        );
    }

    #[test]
    fn state_keys_escape_like_flow() {
        assert_eq!(state_key(&["users".into()], 0), "users");
        assert_eq!(
            state_key(&["public".into(), "my table".into()], 2),
            "public%2Fmy%20table.v2"
        );
    }

    #[test]
    fn resource_path_from_pointers() {
        let r = json!({"namespace": "public", "stream": "orders"});
        assert_eq!(
            resource_path(&r, &["/namespace".into(), "/stream".into()]),
            vec!["public", "orders"]
        );
        let r = json!({"stream": "orders", "namespace": null});
        assert_eq!(
            resource_path(&r, &["/namespace".into(), "/stream".into()]),
            vec!["orders"]
        );
    }
}
