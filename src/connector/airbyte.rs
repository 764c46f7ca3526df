//! The Airbyte protocol: CLI verbs, AirbyteMessage lines on stdout, mapped to the protocol-neutral model.
//! Streams become bindings the way Flow's own airbyte-to-flow does (resource `{stream, namespace, syncMode,
//! cursorField}`, key from `source_defined_primary_key`), with a `/_meta/row_id` fallback key where a stream has none.

use super::error::ConnectorError;
use super::keys;
pub use super::keys::{ROW_ID_POINTER, add_row_id, require_location};
use super::process::{Arg, Invocation, Running, typed_message};
use crate::model::{ConnectorKind, DiscoveredBinding, LogLevel, LogLine, Protocol, Spec};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};
use std::borrow::Cow;

/// What one line of an Airbyte connector's stdout was.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    Spec(Value),
    ConnectionStatus {
        succeeded: bool,
        message: Option<String>,
    },
    Catalog(Value),
    Record {
        stream: String,
        namespace: Option<String>,
        data: Value,
    },
    State(Value),
    Log(LogLine),
    /// A TRACE of type ERROR: the connector's own account of why it failed.
    Error(String),
    /// Anything else (CONTROL, other TRACEs, unknown types): ignored.
    Other,
    /// Not JSON: Airbyte connectors sometimes print stray lines. Logged, never fatal.
    Stray(String),
}

/// Parse one stdout line. Unknown fields and types never fail.
pub fn parse_line(line: &[u8]) -> Message {
    let (ty, mut msg) = match typed_message(line) {
        Ok(m) => m,
        Err(text) => return Message::Stray(text),
    };
    let mut take = |k: &str| msg.remove(k).unwrap_or(Value::Null);
    match ty.as_str() {
        "SPEC" => Message::Spec(take("spec")),
        "CATALOG" => Message::Catalog(take("catalog")),
        "CONNECTION_STATUS" => {
            let status = take("connectionStatus");
            Message::ConnectionStatus {
                succeeded: status.get("status").and_then(Value::as_str) == Some("SUCCEEDED"),
                message: status
                    .get("message")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            }
        }
        "RECORD" => {
            let mut record = take("record");
            Message::Record {
                stream: record
                    .get("stream")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                namespace: record
                    .get("namespace")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                data: record
                    .get_mut("data")
                    .map(Value::take)
                    .unwrap_or(Value::Null),
            }
        }
        "STATE" => Message::State(take("state")),
        "LOG" => {
            let log = take("log");
            Message::Log(LogLine {
                level: LogLevel::parse(log.get("level").and_then(Value::as_str).unwrap_or("INFO")),
                message: log
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                fields: log.get("stack_trace").cloned(),
            })
        }
        "TRACE" => {
            let trace = take("trace");
            if trace.get("type").and_then(Value::as_str) == Some("ERROR") {
                let err = trace.get("error").cloned().unwrap_or(Value::Null);
                let message = err
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .trim()
                    .to_string();
                let internal = err
                    .get("internal_message")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .trim();
                Message::Error(
                    match (
                        message.is_empty(),
                        internal.is_empty() || message.contains(internal),
                    ) {
                        (true, _) => internal.to_string(),
                        (false, true) => message,
                        (false, false) => format!("{message} ({internal})"),
                    },
                )
            } else {
                Message::Other
            }
        }
        _ => Message::Other,
    }
}

/// A RECORD line read without parsing its data: the stream, the namespace, and the data as the connector
/// wrote it (see `raw_doc`).
#[derive(Debug)]
pub struct RawRecord<'a> {
    pub stream: Cow<'a, str>,
    pub namespace: Option<Cow<'a, str>>,
    pub data: &'a RawValue,
}

/// The line as a RECORD with string `stream` and `namespace` and a `data`, read in one pass that leaves
/// the data as text; `None` for anything else (which [`parse_line`] then reads as it reads every line).
pub fn raw_record(line: &[u8]) -> Option<RawRecord<'_>> {
    #[derive(Deserialize)]
    struct Line<'a> {
        #[serde(rename = "type", borrow)]
        ty: Cow<'a, str>,
        #[serde(borrow)]
        record: Option<Record<'a>>,
    }
    #[derive(Deserialize)]
    struct Record<'a> {
        #[serde(borrow)]
        stream: Cow<'a, str>,
        #[serde(borrow, default)]
        namespace: Option<Cow<'a, str>>,
        #[serde(borrow)]
        data: &'a RawValue,
    }
    let line: Line = serde_json::from_slice(line).ok()?;
    let record = line
        .record
        .filter(|_| line.ty.eq_ignore_ascii_case("RECORD"))?;
    Some(RawRecord {
        stream: record.stream,
        namespace: record.namespace,
        data: record.data,
    })
}

/// What a read's stdout line was: a record whose data is left as text, or any other message.
pub(crate) enum ReadLine<'a> {
    Record(RawRecord<'a>),
    Message(Message),
}

/// The invocation for a verb; `config`/`catalog`/`state` are handed over as files.
pub fn invocation(
    verb: &str,
    config: Option<&Value>,
    catalog: Option<&Value>,
    state: Option<&Value>,
) -> Invocation {
    let mut inv = Invocation {
        args: vec![Arg::Lit(verb.into())],
        ..Default::default()
    };
    inv.add_file("--config", "config.json", config);
    inv.add_file("--catalog", "catalog.json", catalog);
    inv.add_file("--state", "state.json", state);
    inv
}

/// Read messages until stdout ends, handing each to `on_message`; logs and stray lines go to the log.
/// Returns the last TRACE error, if any.
pub(crate) async fn pump(
    run: &mut Running,
    mut on_message: impl FnMut(Message),
) -> Result<Option<String>, ConnectorError> {
    let mut error = None;
    run.each_line(|logs, line| {
        if let Some(other) = log_or_error(logs, parse_line(&line), &mut error) {
            on_message(other)
        }
    })
    .await?;
    Ok(error)
}

/// [`pump`] for `read`: a record comes with its data as text when [`raw_record`] can read its line (as a
/// [`Message`] otherwise).
pub(crate) async fn pump_read(
    run: &mut Running,
    mut on_line: impl FnMut(ReadLine<'_>),
) -> Result<Option<String>, ConnectorError> {
    let mut error = None;
    run.each_line(|logs, line| {
        if let Some(record) = raw_record(&line) {
            on_line(ReadLine::Record(record))
        } else if let Some(other) = log_or_error(logs, parse_line(&line), &mut error) {
            on_line(ReadLine::Message(other))
        }
    })
    .await?;
    Ok(error)
}

/// Logs, stray lines and TRACE errors go to the log (the error kept in `error`); other messages are
/// given back.
fn log_or_error(
    logs: &super::process::LogCollector,
    message: Message,
    error: &mut Option<String>,
) -> Option<Message> {
    match message {
        Message::Log(log) => logs.log(log),
        Message::Stray(text) => logs.text(LogLevel::Info, text),
        Message::Error(e) => {
            logs.text(LogLevel::Error, e.clone());
            *error = Some(e);
        }
        other => return Some(other),
    }
    None
}

/// The resource config schema catwalk gives Airbyte sources, as Flow's airbyte-to-flow does.
pub fn resource_config_schema() -> Value {
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "Airbyte stream",
        "type": "object",
        "properties": {
            "stream": {"type": "string", "title": "Stream", "description": "Name of the stream to capture."},
            "namespace": {"type": "string", "title": "Namespace", "description": "Namespace of the stream, if the source has them."},
            "syncMode": {"type": "string", "title": "Sync mode", "enum": ["incremental", "full_refresh"],
                "description": "incremental reads only what changed since the last checkpoint; full_refresh reads everything each time."},
            "cursorField": {"type": ["array", "null"], "items": {"type": "string"}, "title": "Cursor field",
                "description": "Path of the field that orders records for incremental reads."}
        },
        "required": ["stream", "syncMode"]
    })
}

pub fn resource_path_pointers() -> Vec<String> {
    vec!["/namespace".into(), "/stream".into()]
}

pub fn map_spec(spec: Value, subject: &str) -> Result<Spec, ConnectorError> {
    let config_schema = spec
        .get("connectionSpecification")
        .cloned()
        .filter(Value::is_object)
        .ok_or_else(|| ConnectorError::Reported {
            subject: subject.into(),
            during: "during spec".into(),
            message: "the SPEC message has no connectionSpecification object".into(),
        })?;
    Ok(Spec {
        protocol: Protocol::Airbyte,
        kind: ConnectorKind::Capture,
        config_schema,
        resource_config_schema: resource_config_schema(),
        documentation_url: spec
            .get("documentationUrl")
            .and_then(Value::as_str)
            .map(str::to_string),
        resource_path_pointers: resource_path_pointers(),
        oauth2: spec
            .get("advanced_auth")
            .or_else(|| spec.get("authSpecification"))
            .cloned(),
    })
}

/// Map a discovered stream to a binding.
pub fn stream_to_binding(stream: &Value) -> DiscoveredBinding {
    let name = stream
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let namespace = stream
        .get("namespace")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    let modes: Vec<&str> = stream
        .get("supported_sync_modes")
        .and_then(Value::as_array)
        .map(|m| m.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let cursor: Vec<Value> = stream
        .get("default_cursor_field")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let source_cursor = stream
        .get("source_defined_cursor")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let incremental = modes.contains(&"incremental") && (source_cursor || !cursor.is_empty());

    let mut resource = Map::new();
    resource.insert("stream".into(), json!(name));
    if let Some(ns) = namespace {
        resource.insert("namespace".into(), json!(ns));
    }
    resource.insert(
        "syncMode".into(),
        json!(if incremental {
            "incremental"
        } else {
            "full_refresh"
        }),
    );
    if incremental && !cursor.is_empty() {
        resource.insert("cursorField".into(), Value::Array(cursor));
    }

    let key: Vec<String> = stream
        .get("source_defined_primary_key")
        .and_then(Value::as_array)
        .map(|paths| {
            paths
                .iter()
                .filter_map(Value::as_array)
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let tokens: Vec<String> = p
                        .iter()
                        .map(|t| t.as_str().map(str::to_string).unwrap_or(t.to_string()))
                        .collect();
                    keys::pointer(tokens.as_slice())
                })
                .collect()
        })
        .unwrap_or_default();
    let mut schema = stream
        .get("json_schema")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let (key, fallback) = keys::finish_schema(&mut schema, key);
    let mut resource_path: Vec<String> = namespace.map(str::to_string).into_iter().collect();
    resource_path.push(name.clone());
    let strings = keys::strings;
    let read_modes = crate::model::ReadModes {
        sync_modes: strings(stream.get("supported_sync_modes")),
        default_cursor: strings(stream.get("default_cursor_field")),
        source_defined_cursor: stream
            .get("source_defined_cursor")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    };
    DiscoveredBinding {
        recommended_name: name,
        resource_config: Value::Object(resource),
        document_schema: schema,
        key,
        disable: false,
        is_fallback_key: fallback,
        resource_path,
        read_modes: Some(read_modes),
    }
}

/// The Airbyte stream a binding reads, built as Flow's airbyte-to-flow builds it for `read` (no discover):
/// name and namespace from the resource config, the collection's schema as `json_schema` (less the `_meta`
/// catwalk adds for a fallback key: the source never had it, and some sources select columns by the
/// schema's properties), the resource's sync mode as the supported one, and the collection key (unless it
/// is the row-id fallback) as the primary key.
pub fn stream_of_binding(b: &crate::model::ReadBinding) -> Value {
    let mut schema = b.schema.clone();
    if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        props.shift_remove("_meta");
    }
    if let Some(required) = schema.get_mut("required").and_then(Value::as_array_mut) {
        required.retain(|r| r != "_meta");
    }
    let text = |k: &str| {
        b.resource_config
            .get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let mut stream = json!({
        "name": text("stream").unwrap_or_default(),
        "json_schema": schema,
        "supported_sync_modes": [text("syncMode").unwrap_or("full_refresh")],
    });
    if let Some(ns) = text("namespace") {
        stream["namespace"] = json!(ns);
    }
    if !b.fallback_key && !b.key.is_empty() {
        let paths: Vec<Vec<String>> = b
            .key
            .iter()
            .map(|p| {
                p.trim_start_matches('/')
                    .split('/')
                    .map(crate::text::unescape_token)
                    .collect()
            })
            .collect();
        stream["source_defined_primary_key"] = json!(paths);
    }
    stream
}

/// A configured catalog for `read`, selecting `streams` (discovered stream objects) with the sync mode each
/// binding's resource config asks for.
pub fn configured_catalog(selected: &[(Value, Value)]) -> Value {
    let streams: Vec<Value> = selected
        .iter()
        .map(|(stream, resource)| {
            let mode = resource
                .get("syncMode")
                .and_then(Value::as_str)
                .unwrap_or("full_refresh");
            let mut s = json!({
                "stream": stream,
                "sync_mode": mode,
                "destination_sync_mode": "append",
            });
            if let Some(c) = resource.get("cursorField").filter(|c| c.is_array()) {
                s["cursor_field"] = c.clone();
            }
            if let Some(pk) = stream.get("source_defined_primary_key") {
                s["primary_key"] = pk.clone();
            }
            s
        })
        .collect();
    json!({ "streams": streams })
}

/// Airbyte's `timestamp_with_timezone` values without an offset are UTC, by the Airbyte protocol; Flow
/// validates `format: date-time` strictly (RFC 3339). So a string the collection's schema (`schema`, walked
/// through `properties` and `items`) says is a date-time, written as `YYYY-MM-DD[T ]hh:mm:ss[.frac]`, gets
/// its `T` and a `Z`. Other values are left as they are.
pub fn utc_timestamps(doc: &mut Value, schema: &Value) {
    match doc {
        Value::Object(fields) => {
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                for (k, v) in fields.iter_mut() {
                    if let Some(s) = props.get(k) {
                        utc_timestamps(v, s);
                    }
                }
            }
        }
        Value::Array(items) => {
            if let Some(s) = schema.get("items").filter(|s| s.is_object()) {
                for v in items {
                    utc_timestamps(v, s);
                }
            }
        }
        Value::String(text)
            if schema.get("format").and_then(Value::as_str) == Some("date-time")
                && is_local_timestamp(text) =>
        {
            text.replace_range(10..11, "T");
            text.push('Z');
        }
        _ => {}
    }
}

/// `YYYY-MM-DD[T ]hh:mm:ss` with optional fraction and no offset.
fn is_local_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    b.len() >= 19
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && (b[10] == b'T' || b[10] == b' ')
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && (b.len() == 19 || (b[19] == b'.' && b.len() > 20 && digits(20..b.len())))
}

/// Whether a discovered stream is the one a binding's resource config (`{stream, namespace}`) names.
pub fn stream_matches(stream: &Value, resource: &Value) -> bool {
    let text = |v: &Value, k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    text(stream, "name") == text(resource, "stream")
        && text(stream, "namespace") == text(resource, "namespace")
}

/// The key of a stream's state in the Flow state's `streams`: `namespace.name`, or `name`.
fn stream_state_key(descriptor: &Value) -> String {
    let name = descriptor.get("name").and_then(Value::as_str).unwrap_or("");
    match descriptor
        .get("namespace")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    {
        Some(ns) => format!("{ns}.{name}"),
        None => name.to_string(),
    }
}

/// The Flow state update for an AirbyteStateMessage, with whether it is a merge patch (as Flow's
/// airbyte-to-flow keeps them): a per-stream state goes to `{"streams": {"<namespace>.<name>": <the
/// AirbyteStreamState>}}`, merged; a global state replaces the state as `{"global": ...}`; a legacy one as
/// `{"data": ...}`. `None` for a message with none of them.
pub fn state_update(message: &Value) -> Option<(Value, bool)> {
    let ty = message.get("type").and_then(Value::as_str).unwrap_or("");
    if let Some(stream) = message.get("stream").filter(|s| s.is_object())
        && (ty == "STREAM" || ty.is_empty())
    {
        let key = stream_state_key(stream.get("stream_descriptor").unwrap_or(&Value::Null));
        return Some((json!({"streams": {key: stream}}), true));
    }
    if let Some(global) = message.get("global").filter(|g| g.is_object())
        && (ty == "GLOBAL" || ty.is_empty())
    {
        return Some((json!({"global": global}), false));
    }
    message
        .get("data")
        .filter(|d| !d.is_null())
        .map(|data| (json!({"data": data}), false))
}

/// The `--state` file for a read that resumes from a Flow state [`state_update`] built: a JSON array of
/// AirbyteStateMessages (per-stream or global), the legacy `data` object as it was, or `[]` for none.
pub fn state_file(flow_state: &Value) -> Value {
    if let Some(global) = flow_state.get("global").filter(|g| g.is_object()) {
        return json!([{"type": "GLOBAL", "global": global}]);
    }
    if let Some(streams) = flow_state.get("streams").and_then(Value::as_object) {
        return Value::Array(
            streams
                .values()
                .filter(|s| s.is_object())
                .map(|s| json!({"type": "STREAM", "stream": s}))
                .collect(),
        );
    }
    match flow_state.get("data") {
        Some(data) if !data.is_null() => data.clone(),
        _ => json!([]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_messages_with_spaces_and_unknown_fields() {
        let m = parse_line(br#"{"type": "RECORD", "record": {"stream": "s", "data": {"a": 1}, "emitted_at": 1, "new": true}}"#);
        assert_eq!(
            m,
            Message::Record {
                stream: "s".into(),
                namespace: None,
                data: json!({"a": 1})
            }
        );
        assert_eq!(
            parse_line(b"hello there"),
            Message::Stray("hello there".into())
        );
        assert_eq!(
            parse_line(br#"{"type":"CONTROL","control":{}}"#),
            Message::Other
        );
        assert_eq!(parse_line(br#"{"type":"FUTURE_THING"}"#), Message::Other);
    }

    #[test]
    fn parses_status_and_trace_errors() {
        let m = parse_line(br#"{"type":"CONNECTION_STATUS","connectionStatus":{"status":"FAILED","message":"bad key"}}"#);
        assert_eq!(
            m,
            Message::ConnectionStatus {
                succeeded: false,
                message: Some("bad key".into())
            }
        );
        let m = parse_line(br#"{"type":"TRACE","trace":{"type":"ERROR","emitted_at":1.5,"error":{"message":"Something went wrong","internal_message":"KeyError: 'x'"}}}"#);
        assert_eq!(
            m,
            Message::Error("Something went wrong (KeyError: 'x')".into())
        );
    }

    #[test]
    fn stream_with_primary_key() {
        let s = json!({"name": "users", "namespace": "public", "json_schema": {"type": "object", "properties": {"id": {"type": ["null", "integer"]}}},
            "supported_sync_modes": ["full_refresh", "incremental"], "source_defined_cursor": true, "default_cursor_field": ["updated_at"],
            "source_defined_primary_key": [["id"]]});
        let b = stream_to_binding(&s);
        assert_eq!(b.key, vec!["/id"]);
        assert!(!b.is_fallback_key);
        assert_eq!(
            b.resource_config,
            json!({"stream": "users", "namespace": "public", "syncMode": "incremental", "cursorField": ["updated_at"]})
        );
        assert_eq!(b.document_schema["properties"]["id"]["type"], "integer");
        assert_eq!(b.document_schema["required"], json!(["id"]));
        assert_eq!(b.resource_path, vec!["public", "users"]);
    }

    #[test]
    fn stream_without_key_gets_row_id() {
        let s = json!({"name": "logs", "json_schema": {"type": "object", "properties": {"msg": {"type": "string"}}}, "supported_sync_modes": ["full_refresh"]});
        let b = stream_to_binding(&s);
        assert_eq!(b.key, vec![ROW_ID_POINTER]);
        assert!(b.is_fallback_key);
        assert_eq!(
            b.resource_config,
            json!({"stream": "logs", "syncMode": "full_refresh"})
        );
        assert_eq!(
            b.document_schema["properties"]["_meta"]["properties"]["row_id"]["type"],
            "integer"
        );
        assert_eq!(
            b.document_schema["properties"]["_meta"]["required"],
            json!(["row_id"])
        );
        assert_eq!(b.document_schema["required"], json!(["_meta"]));
    }

    #[test]
    fn nullable_root_becomes_an_object() {
        let s = json!({"name": "c", "json_schema": {"type": ["null", "object"], "properties": {"id": {"type": ["null", "integer"]}}},
            "source_defined_primary_key": [["id"]]});
        let b = stream_to_binding(&s);
        assert_eq!(b.document_schema["type"], "object");
        let s = json!({"name": "c", "json_schema": {"type": ["null", "object"]}});
        assert_eq!(stream_to_binding(&s).document_schema["type"], "object");
    }

    #[test]
    fn nested_and_escaped_keys() {
        let s = json!({"name": "x", "json_schema": {"type": "object", "properties": {"a/b": {"type": "object", "properties": {"c": {"type": ["string", "null"]}}}}},
            "source_defined_primary_key": [["a/b", "c"]]});
        let b = stream_to_binding(&s);
        assert_eq!(b.key, vec!["/a~1b/c"]);
        assert_eq!(b.document_schema["required"], json!(["a/b"]));
        assert_eq!(
            b.document_schema["properties"]["a/b"]["required"],
            json!(["c"])
        );
        assert_eq!(
            b.document_schema["properties"]["a/b"]["properties"]["c"]["type"],
            "string"
        );
    }

    #[test]
    fn invocation_passes_files() {
        let inv = invocation("check", Some(&json!({"count": 1})), None, None);
        assert_eq!(
            inv.args,
            vec![
                Arg::Lit("check".into()),
                Arg::Lit("--config".into()),
                Arg::File("config.json".into())
            ]
        );
        assert_eq!(inv.files[0].contents, br#"{"count":1}"#);
        assert!(!inv.stdin);
    }

    #[test]
    fn discovered_streams_keep_how_they_can_be_read() {
        let b = stream_to_binding(&json!({"name": "users", "json_schema": {"type": "object"},
            "supported_sync_modes": ["full_refresh", "incremental"],
            "default_cursor_field": ["updated_at"], "source_defined_cursor": false}));
        let m = b.read_modes.unwrap();
        assert_eq!(m.sync_modes, ["full_refresh", "incremental"]);
        assert_eq!(m.default_cursor, ["updated_at"]);
        assert!(!m.source_defined_cursor);
    }

    #[test]
    fn configured_catalog_selects_modes() {
        let stream = json!({"name": "users", "source_defined_primary_key": [["id"]]});
        let c = configured_catalog(&[(
            stream,
            json!({"stream": "users", "syncMode": "incremental", "cursorField": ["u"]}),
        )]);
        assert_eq!(c["streams"][0]["sync_mode"], "incremental");
        assert_eq!(c["streams"][0]["cursor_field"], json!(["u"]));
        assert_eq!(c["streams"][0]["primary_key"], json!([["id"]]));
        assert_eq!(c["streams"][0]["destination_sync_mode"], "append");
    }

    #[test]
    fn streams_are_built_from_bindings_without_discover() {
        let b = crate::model::ReadBinding {
            resource_config: json!({"stream": "users", "namespace": "shop", "syncMode": "incremental",
                "cursorField": ["updated"]}),
            key: vec!["/id".into(), "/a~1b".into()],
            schema: json!({"type": "object", "required": ["id", "_meta"],
                "properties": {"id": {"type": "integer"}, "_meta": {"type": "object"}}}),
            fallback_key: false,
        };
        let s = stream_of_binding(&b);
        assert_eq!(s["name"], "users");
        assert_eq!(s["namespace"], "shop");
        assert_eq!(s["supported_sync_modes"], json!(["incremental"]));
        assert_eq!(s["source_defined_primary_key"], json!([["id"], ["a/b"]]));
        assert_eq!(s["json_schema"]["required"], json!(["id"]));
        assert!(s["json_schema"]["properties"].get("_meta").is_none());
        let c = configured_catalog(&[(s, b.resource_config.clone())]);
        assert_eq!(c["streams"][0]["cursor_field"], json!(["updated"]));
        assert_eq!(c["streams"][0]["primary_key"], json!([["id"], ["a/b"]]));

        let fallback = crate::model::ReadBinding {
            resource_config: json!({"stream": "events"}),
            key: vec!["/_meta/row_id".into()],
            schema: json!({"type": "object"}),
            fallback_key: true,
        };
        let s = stream_of_binding(&fallback);
        assert!(s.get("namespace").is_none());
        assert!(s.get("source_defined_primary_key").is_none());
        assert_eq!(s["supported_sync_modes"], json!(["full_refresh"]));
    }

    #[test]
    fn stream_states_round_trip_through_flow_state() {
        let m = json!({"type": "STREAM", "stream": {"stream_descriptor": {"name": "users", "namespace": "shop"},
            "stream_state": {"updated_at": "2024-01-01"}}});
        let (update, merge) = state_update(&m).unwrap();
        assert!(merge);
        assert_eq!(
            update["streams"]["shop.users"]["stream_state"]["updated_at"],
            "2024-01-01"
        );
        assert_eq!(state_file(&update), json!([m]));
        let g =
            json!({"type": "GLOBAL", "global": {"shared_state": {"lsn": 5}, "stream_states": []}});
        let (update, merge) = state_update(&g).unwrap();
        assert!(!merge);
        assert_eq!(state_file(&update), json!([g]));
        let (update, merge) = state_update(&json!({"data": {"users": {"cursor": 3}}})).unwrap();
        assert!(!merge);
        assert_eq!(state_file(&update), json!({"users": {"cursor": 3}}));
        assert_eq!(state_file(&json!({})), json!([]));
        assert_eq!(state_update(&json!({"type": "STREAM"})), None);
    }

    #[test]
    fn streams_match_resources_by_name_and_namespace() {
        let s = json!({"name": "users", "namespace": "shop"});
        assert!(stream_matches(
            &s,
            &json!({"stream": "users", "namespace": "shop"})
        ));
        assert!(!stream_matches(&s, &json!({"stream": "users"})));
        assert!(stream_matches(
            &json!({"name": "users"}),
            &json!({"stream": "users", "namespace": ""})
        ));
    }

    #[test]
    fn local_timestamps_become_utc_where_the_schema_says_date_time() {
        let schema = json!({"properties": {
            "created_at": {"type": "string", "format": "date-time"},
            "note": {"type": "string"},
            "items": {"type": "array", "items": {"properties": {"at": {"format": "date-time"}}}}}});
        let mut doc = json!({"created_at": "2014-10-12 08:08:11.908655", "note": "2014-10-12T08:08:11",
            "items": [{"at": "2020-01-01T00:00:00"}, {"at": "2020-01-01T00:00:00+02:00"}]});
        utc_timestamps(&mut doc, &schema);
        assert_eq!(doc["created_at"], "2014-10-12T08:08:11.908655Z");
        assert_eq!(doc["note"], "2014-10-12T08:08:11");
        assert_eq!(doc["items"][0]["at"], "2020-01-01T00:00:00Z");
        assert_eq!(doc["items"][1]["at"], "2020-01-01T00:00:00+02:00");
        assert!(!is_local_timestamp("2020-01-01T00:00:00."));
        assert!(!is_local_timestamp("2020-01-01"));
    }
}
