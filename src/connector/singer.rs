//! The Singer protocol (Meltano SDK taps and older singer-python ones), mapped to the protocol-neutral model.
//!
//! - spec: `TAP --about --format=json`, whose `settings` is the config's JSON Schema;
//! - discover: `TAP --config F --discover` prints a catalog (`streams[]` with `tap_stream_id`, `schema`,
//!   `key_properties` and `metadata`), one JSON document, often pretty-printed over many lines;
//! - read: `TAP --config F --catalog F [--state F]`, chosen streams selected in their metadata; stdout is one
//!   message per line (SCHEMA, RECORD, STATE, ACTIVATE_VERSION, BATCH); stderr is the log.
//!
//! Streams become bindings with resource `{stream: tap_stream_id}` (plus an optional replication method and
//! key), keyed by `table-key-properties` / `key_properties`, or by the `/_meta/row_id` fallback.

use super::Connector;
use super::error::ConnectorError;
use super::keys;
use super::process::{Arg, Invocation, LogHold, Running, typed_message};
use crate::clip::clip;
use crate::model::{ConnectorKind, DiscoveredBinding, LogLevel, Protocol, Spec};
use serde_json::{Map, Value, json};

/// What one line of a tap's stdout was during a sync.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    Schema {
        stream: String,
        schema: Value,
        key_properties: Vec<String>,
    },
    Record {
        stream: String,
        record: Value,
        /// The table version, for taps that send ACTIVATE_VERSION.
        version: Option<i64>,
    },
    /// The tap's bookmarks: what to pass as `--state` next time.
    State(Value),
    ActivateVersion {
        stream: String,
        version: i64,
    },
    /// Records written to files instead of stdout (the SDK's batch capability).
    Batch {
        stream: String,
        encoding: Value,
        manifest: Vec<String>,
    },
    /// A JSON message of another type: logged, ignored.
    Other(String),
    /// Not a JSON object: logged, never fatal.
    Stray(String),
}

impl Connector {
    /// The spec and a discover of a tap, side by side (a tap's discover does not need its spec, so catwalk
    /// adds little to the tap's own time). The spec is `--about` (or, when `forced` to Singer,
    /// [`Connector::spec`], which falls back to a free-form one). `on_spec` runs as soon as the spec is known,
    /// before any line the discover logged is shown or written to the log file: register the config's
    /// secrets there. Without a spec the discover's lines are dropped unseen (nothing says what is secret).
    pub async fn singer_spec_and_discover(
        &self,
        config: &Value,
        forced: bool,
        on_spec: impl FnOnce(&Spec),
    ) -> (
        Result<Spec, ConnectorError>,
        Result<Vec<DiscoveredBinding>, ConnectorError>,
    ) {
        let hold = LogHold::new();
        tokio::join!(
            async {
                let spec = if forced {
                    self.spec().await
                } else {
                    self.singer_about().await
                };
                match &spec {
                    Ok(spec) => {
                        on_spec(spec);
                        hold.release();
                    }
                    Err(_) => hold.discard(),
                }
                spec
            },
            hold.scope(self.discover(config))
        )
    }
}

/// Parse one stdout line of a sync. Unknown fields and types never fail.
pub fn parse_line(line: &[u8]) -> Message {
    let (ty, mut msg) = match typed_message(line) {
        Ok(m) => m,
        Err(text) => return Message::Stray(text),
    };
    let stream = msg
        .get("stream")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let mut take = |k: &str| msg.remove(k).unwrap_or(Value::Null);
    match ty.as_str() {
        "SCHEMA" => Message::Schema {
            stream,
            schema: take("schema"),
            key_properties: keys::strings(Some(&take("key_properties"))),
        },
        "RECORD" => Message::Record {
            stream,
            record: take("record"),
            version: take("version").as_i64(),
        },
        "STATE" => Message::State(take("value")),
        "ACTIVATE_VERSION" => Message::ActivateVersion {
            stream,
            version: take("version").as_i64().unwrap_or(0),
        },
        "BATCH" => Message::Batch {
            stream,
            encoding: take("encoding"),
            manifest: keys::strings(Some(&take("manifest"))),
        },
        _ => Message::Other(ty),
    }
}

/// `--about --format=json`.
pub fn about_invocation() -> Invocation {
    Invocation {
        args: vec![Arg::Lit("--about".into()), Arg::Lit("--format=json".into())],
        ..Default::default()
    }
}

/// `--config F [--catalog F] [--state F] [--discover]`; the files go to the private input directory.
pub fn invocation(
    config: &Value,
    catalog: Option<&Value>,
    state: Option<&Value>,
    discover: bool,
) -> Invocation {
    let mut inv = Invocation::default();
    inv.add_file("--config", "config.json", Some(config));
    inv.add_file("--catalog", "catalog.json", catalog);
    inv.add_file("--state", "state.json", state);
    if discover {
        inv.args.push(Arg::Lit("--discover".into()));
    }
    inv
}

/// All of stdout, lines joined: `--about` and `--discover` print one JSON document, often pretty-printed.
pub(crate) async fn collect(run: &mut Running) -> Result<Vec<u8>, ConnectorError> {
    let mut out = Vec::new();
    while let Some(line) = run.next_line().await {
        out.extend(line.map_err(|e| ConnectorError::Io(e.to_string()))?);
        out.push(b'\n');
    }
    Ok(out)
}

/// The JSON document a tap printed, when its output is one (some print a line of text before it: the
/// document then starts at the first line that opens an object).
pub fn json_document(out: &[u8]) -> Option<Value> {
    if let Ok(v) = serde_json::from_slice::<Value>(out) {
        return Some(v);
    }
    let text = String::from_utf8_lossy(out);
    let start = text
        .match_indices('\n')
        .map(|(i, _)| i + 1)
        .find(|&i| text[i..].starts_with('{'))?;
    serde_json::from_str(&text[start..]).ok()
}

/// Read messages until stdout ends, handing each to `on_message`; stray and unknown lines are logged.
pub(crate) async fn pump(
    run: &mut Running,
    mut on_message: impl FnMut(Message),
) -> Result<(), ConnectorError> {
    run.each_line(|logs, line| match parse_line(&line) {
        Message::Stray(text) => logs.text(LogLevel::Info, text),
        Message::Other(ty) => logs.text(
            LogLevel::Debug,
            format!("ignored a Singer message of type {ty:?}"),
        ),
        other => on_message(other),
    })
    .await
}

/// The resource config schema catwalk gives Singer taps.
pub fn resource_config_schema() -> Value {
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "Singer stream",
        "type": "object",
        "properties": {
            "stream": {"type": "string", "title": "Stream", "description": "tap_stream_id of the stream to capture."},
            "replicationMethod": {"type": "string", "title": "Replication method", "enum": ["FULL_TABLE", "INCREMENTAL", "LOG_BASED"],
                "description": "How the tap reads the stream (the stream's `replication-method` metadata). Default: the tap's."},
            "replicationKey": {"type": "string", "title": "Replication key",
                "description": "The field that orders records for INCREMENTAL reads (the stream's `replication-key` metadata)."}
        },
        "required": ["stream"]
    })
}

pub fn resource_path_pointers() -> Vec<String> {
    vec!["/stream".into()]
}

/// Whether a JSON document is a tap's `--about` output.
pub fn is_about(v: &Value) -> bool {
    v.get("settings").is_some_and(Value::is_object)
        || (v.get("name").is_some_and(Value::is_string)
            && v.get("capabilities").is_some_and(Value::is_array))
}

/// The spec from a tap's `--about --format=json` output.
pub fn map_about(out: &[u8], subject: &str) -> Result<Spec, ConnectorError> {
    let reported = |message: String| ConnectorError::Reported {
        subject: subject.into(),
        during: "during spec (`--about --format=json`)".into(),
        message,
    };
    let about = json_document(out).filter(is_about).ok_or_else(|| {
        reported(format!(
            "it printed no JSON description of its settings{}.\n  {}",
            first_line(out),
            NO_ABOUT_ADVICE
        ))
    })?;
    let mut settings = about
        .get("settings")
        .cloned()
        .filter(Value::is_object)
        .ok_or_else(|| {
            reported(format!(
                "its `--about` output has no `settings` schema.\n  {NO_ABOUT_ADVICE}"
            ))
        })?;
    sanitize_schema(&mut settings);
    if settings.get("type").is_none() {
        settings["type"] = json!("object");
    }
    if let Some(desc) = about.get("description").and_then(Value::as_str)
        && settings.get("description").is_none()
    {
        settings["description"] = json!(desc);
    }
    Ok(spec_with(settings, documentation_url(&about)))
}

/// The advice when a tap cannot describe its settings.
pub const NO_ABOUT_ADVICE: &str = "Taps built on the Meltano SDK describe them; older taps do not. With `--protocol singer`, \
     catwalk accepts any config object for such a tap: write the config file by hand from the tap's README.";

/// The spec catwalk uses for a tap that cannot describe its settings: any object.
pub fn free_form_spec() -> Spec {
    spec_with(
        json!({
            "type": "object",
            "title": "Tap settings",
            "description": "This tap does not describe its settings (`--about --format=json`): write them by hand from its documentation.",
        }),
        None,
    )
}

fn spec_with(config_schema: Value, documentation_url: Option<String>) -> Spec {
    Spec {
        protocol: Protocol::Singer,
        kind: ConnectorKind::Capture,
        config_schema,
        resource_config_schema: resource_config_schema(),
        documentation_url,
        resource_path_pointers: resource_path_pointers(),
        oauth2: None,
    }
}

fn documentation_url(about: &Value) -> Option<String> {
    ["documentation_url", "docs", "homepage", "repository_url"]
        .iter()
        .find_map(|k| about.get(*k).and_then(Value::as_str))
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
        .map(str::to_string)
}

fn first_line(out: &[u8]) -> String {
    let text = String::from_utf8_lossy(out);
    match text.lines().find(|l| !l.trim().is_empty()) {
        Some(l) => format!(" (its output began: {})", clip(l.trim(), 120)),
        None => " (its output was empty)".into(),
    }
}

/// Repair what SDK taps print that is not a valid JSON Schema: a type name where a schema belongs (e.g.
/// `"anyOf": [{"const": "__NULL__"}, {"type": "null"}, "null"]`) becomes `{"type": NAME}`; any other
/// non-schema value there becomes `true`.
pub fn sanitize_schema(schema: &mut Value) {
    let Value::Object(obj) = schema else {
        return;
    };
    for (k, v) in obj.iter_mut() {
        match k.as_str() {
            "properties" | "patternProperties" | "$defs" | "definitions" => {
                if let Value::Object(children) = v {
                    children.values_mut().for_each(fix_subschema);
                }
            }
            "anyOf" | "oneOf" | "allOf" | "prefixItems" => {
                if let Value::Array(options) = v {
                    options.iter_mut().for_each(fix_subschema);
                }
            }
            "items" if v.is_array() => {
                if let Value::Array(items) = v {
                    items.iter_mut().for_each(fix_subschema);
                }
            }
            "items" | "additionalProperties" | "not" | "if" | "then" | "else" | "contains" => {
                fix_subschema(v)
            }
            _ => {}
        }
    }
}

fn fix_subschema(v: &mut Value) {
    match v {
        Value::Object(_) => sanitize_schema(v),
        Value::Bool(_) => {}
        Value::String(s)
            if [
                "null", "string", "number", "integer", "boolean", "object", "array",
            ]
            .contains(&s.as_str()) =>
        {
            *v = json!({"type": s.clone()});
        }
        _ => *v = Value::Bool(true),
    }
}

/// Convert a stream's schema to one Flow accepts and documents satisfy (see ARCHITECTURE):
/// - a `type` list naming every JSON type (SDK taps' json/jsonb) becomes `{}` (anything);
/// - fractional `multipleOf` (`1e-38` from some taps' numerics) is dropped: floats would fail it;
/// - `format: time` is dropped (taps print `12:00:00` without the offset the format requires), and
///   `singer.decimal` (strings holding decimals) becomes Flow's `number` format;
/// - `inclusion: unsupported` columns (the tap never sends them) are left out.
pub fn convert_schema(schema: &mut Value) {
    sanitize_schema(schema);
    convert_node(schema);
}

fn convert_node(node: &mut Value) {
    let Value::Object(obj) = node else {
        return;
    };
    if let Some(Value::Array(types)) = obj.get("type") {
        let all = ["string", "number", "array", "object", "boolean"]
            .iter()
            .all(|t| types.iter().any(|x| x == t));
        if all {
            obj.remove("type");
            obj.remove("additionalProperties");
        }
    }
    if obj
        .get("multipleOf")
        .and_then(Value::as_f64)
        .is_some_and(|m| m.fract() != 0.0)
    {
        obj.remove("multipleOf");
    }
    let format = obj
        .get("format")
        .and_then(Value::as_str)
        .map(str::to_string);
    match format.as_deref() {
        Some("time") => {
            obj.remove("format");
        }
        Some("singer.decimal") => {
            obj.insert("format".into(), json!("number"));
        }
        _ => {}
    }
    for (k, v) in obj.iter_mut() {
        match k.as_str() {
            "properties" | "patternProperties" | "$defs" | "definitions" => {
                if let Value::Object(children) = v {
                    children.values_mut().for_each(convert_node);
                }
            }
            "anyOf" | "oneOf" | "allOf" | "prefixItems" | "items" => match v {
                Value::Array(options) => options.iter_mut().for_each(convert_node),
                other => convert_node(other),
            },
            "additionalProperties" | "not" | "if" | "then" | "else" | "contains" => convert_node(v),
            _ => {}
        }
    }
}

/// The metadata entry of a stream at `breadcrumb` (`[]` for the stream itself).
fn metadata<'a>(stream: &'a Value, breadcrumb: &[&str]) -> Option<&'a Map<String, Value>> {
    stream
        .get("metadata")?
        .as_array()?
        .iter()
        .find(|m| {
            m.get("breadcrumb")
                .and_then(Value::as_array)
                .is_some_and(|b| {
                    b.iter()
                        .map(Value::as_str)
                        .eq(breadcrumb.iter().map(|s| Some(*s)))
                })
        })?
        .get("metadata")?
        .as_object()
}

/// The stream's id: `tap_stream_id`, else `stream`.
pub fn stream_id(stream: &Value) -> &str {
    stream
        .get("tap_stream_id")
        .or_else(|| stream.get("stream"))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// The key properties: `table-key-properties` of the stream's metadata, else `key_properties`.
pub fn key_properties(stream: &Value) -> Vec<String> {
    let found = metadata(stream, &[])
        .and_then(|m| m.get("table-key-properties"))
        .filter(|k| k.as_array().is_some_and(|a| !a.is_empty()))
        .or_else(|| stream.get("key_properties"));
    keys::strings(found)
}

/// Map a discovered stream to a binding.
pub fn stream_to_binding(stream: &Value) -> DiscoveredBinding {
    let id = stream_id(stream).to_string();
    let name = stream
        .get("stream")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or(id.as_str())
        .to_string();
    let mut schema = stream.get("schema").cloned().unwrap_or_else(|| json!({}));
    convert_schema(&mut schema);
    if let Some(Value::Object(props)) = schema.get_mut("properties") {
        props.retain(|col, _| {
            metadata(stream, &["properties", col.as_str()])
                .and_then(|m| m.get("inclusion"))
                .is_none_or(|i| i != "unsupported")
        });
    }
    let key: Vec<String> = key_properties(stream)
        .iter()
        .map(|k| keys::pointer(&[k]))
        .collect();
    let (key, fallback) = keys::finish_schema(&mut schema, key);
    let stream_meta = metadata(stream, &[]);
    let disable = stream_meta.is_some_and(|m| {
        m.get("selected-by-default") == Some(&json!(false))
            || m.get("inclusion") == Some(&json!("unsupported"))
    });
    DiscoveredBinding {
        recommended_name: name,
        resource_config: json!({ "stream": id }),
        document_schema: schema,
        key,
        disable,
        is_fallback_key: fallback,
        resource_path: vec![id],
        read_modes: None,
    }
}

/// The streams of a discovered catalog.
pub fn catalog_streams(catalog: &Value) -> Vec<Value> {
    catalog
        .get("streams")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// The catalog for a sync: each discovered stream named by a resource config, selected in its stream metadata
/// (breadcrumb `[]`, created when missing), with the resource's replication method and key; other streams
/// are left out. Errors name the resources whose stream was not discovered.
pub fn selected_catalog(streams: &[Value], resources: &[Value]) -> Result<Value, String> {
    let mut chosen = Vec::new();
    let mut missing = Vec::new();
    for resource in resources {
        let id = resource.get("stream").and_then(Value::as_str).unwrap_or("");
        let Some(stream) = streams.iter().find(|s| stream_id(s) == id) else {
            missing.push(id.to_string());
            continue;
        };
        let mut stream = stream.clone();
        if !stream.get("metadata").is_some_and(Value::is_array) {
            stream["metadata"] = json!([]);
        }
        let entries = stream["metadata"]
            .as_array_mut()
            .expect("just made an array");
        let at = match entries.iter().position(|m| {
            m.get("breadcrumb")
                .and_then(Value::as_array)
                .is_some_and(Vec::is_empty)
        }) {
            Some(i) => i,
            None => {
                entries.push(json!({"breadcrumb": [], "metadata": {}}));
                entries.len() - 1
            }
        };
        let method = resource.get("replicationMethod").and_then(Value::as_str);
        let key = resource.get("replicationKey").and_then(Value::as_str);
        let meta = &mut entries[at]["metadata"];
        if !meta.is_object() {
            *meta = json!({});
        }
        meta["selected"] = json!(true);
        if let Some(m) = method {
            meta["replication-method"] = json!(m);
        }
        if let Some(k) = key {
            meta["replication-key"] = json!(k);
        }
        // Older taps read the stream's own fields rather than its metadata.
        if let Some(m) = method {
            stream["replication_method"] = json!(m);
        }
        if let Some(k) = key {
            stream["replication_key"] = json!(k);
        }
        chosen.push(stream);
    }
    if !missing.is_empty() {
        return Err(format!(
            "the tap did not discover these streams: {}",
            missing.join(", ")
        ));
    }
    Ok(json!({ "streams": chosen }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_message_type() {
        assert_eq!(
            parse_line(br#"{"type":"SCHEMA","stream":"s","schema":{"type":"object"},"key_properties":["id"],"bookmark_properties":[]}"#),
            Message::Schema {
                stream: "s".into(),
                schema: json!({"type": "object"}),
                key_properties: vec!["id".into()]
            }
        );
        assert_eq!(
            parse_line(br#"{"type": "RECORD", "stream": "s", "record": {"id": 1, "n": 12.50}, "time_extracted": "2024-01-01T00:00:00Z", "version": 3}"#),
            Message::Record {
                stream: "s".into(),
                record: json!({"id": 1, "n": 12.5}),
                version: Some(3)
            }
        );
        assert_eq!(
            parse_line(br#"{"type":"STATE","value":{"bookmarks":{"s":{}}}}"#),
            Message::State(json!({"bookmarks": {"s": {}}}))
        );
        assert_eq!(
            parse_line(br#"{"type":"ACTIVATE_VERSION","stream":"s","version":1700000000}"#),
            Message::ActivateVersion {
                stream: "s".into(),
                version: 1_700_000_000
            }
        );
        assert_eq!(
            parse_line(br#"{"type":"BATCH","stream":"s","encoding":{"format":"jsonl","compression":"gzip"},"manifest":["file:///tmp/a.jsonl.gz"]}"#),
            Message::Batch {
                stream: "s".into(),
                encoding: json!({"format": "jsonl", "compression": "gzip"}),
                manifest: vec!["file:///tmp/a.jsonl.gz".into()]
            }
        );
        assert_eq!(
            parse_line(br#"{"type":"FUTURE","x":1}"#),
            Message::Other("FUTURE".into())
        );
        assert_eq!(
            parse_line(b"INFO starting"),
            Message::Stray("INFO starting".into())
        );
        assert_eq!(parse_line(b"[1, 2]"), Message::Stray("[1, 2]".into()));
        // A record without its fields is still a record: no crash.
        assert_eq!(
            parse_line(br#"{"type":"RECORD"}"#),
            Message::Record {
                stream: String::new(),
                record: Value::Null,
                version: None
            }
        );
    }

    #[test]
    fn about_output_becomes_a_spec() {
        let about = br#"{
  "name": "tap-x",
  "capabilities": ["discover", "about"],
  "settings": {"type": "object", "properties": {
    "password": {"type": ["string", "null"], "secret": true, "writeOnly": true},
    "maps": {"type": ["object", "null"], "additionalProperties": {"anyOf": [{"const": "__NULL__"}, {"type": "null"}, "null", 5]}}
  }}
}"#;
        let spec = map_about(about, "command tap-x").unwrap();
        assert_eq!(spec.protocol, Protocol::Singer);
        assert_eq!(spec.resource_path_pointers, vec!["/stream"]);
        assert_eq!(
            spec.config_schema["properties"]["maps"]["additionalProperties"]["anyOf"],
            json!([{"const": "__NULL__"}, {"type": "null"}, {"type": "null"}, true])
        );
        assert!(crate::schema::validate(&spec.config_schema, &json!({"password": "x"})).is_ok());
        assert_eq!(
            crate::schema::secret_pointers(&spec.config_schema, &json!({"password": "x"})),
            vec!["/password".to_string()]
        );
    }

    #[test]
    fn about_text_is_a_clear_error() {
        let err = map_about(b"tap-old 1.0\nUsage: tap-old [-h]\n", "command tap-old")
            .unwrap_err()
            .to_string();
        assert!(err.contains("no JSON description of its settings"), "{err}");
        assert!(
            err.contains("Usage: tap-old") || err.contains("tap-old 1.0"),
            "{err}"
        );
        assert!(
            err.contains("--protocol singer") && err.contains("by hand"),
            "{err}"
        );
        let err = map_about(b"", "command tap-old").unwrap_err().to_string();
        assert!(err.contains("output was empty"), "{err}");
        // A JSON document that is not an about: also refused.
        assert!(map_about(br#"{"streams": []}"#, "command tap-old").is_err());
        assert_eq!(free_form_spec().config_schema["type"], "object");
    }

    #[test]
    fn json_document_after_a_text_line() {
        assert_eq!(
            json_document(b"warning: old python\n{\"a\": 1}\n"),
            Some(json!({"a": 1}))
        );
        assert_eq!(json_document(b"nothing"), None);
    }

    fn pg_stream() -> Value {
        json!({
            "tap_stream_id": "sales-customers", "table_name": "customers", "stream": "sales-customers",
            "key_properties": ["id"],
            "schema": {"type": "object", "$schema": "https://json-schema.org/draft/2020-12/schema", "required": ["id"], "properties": {
                "id": {"type": ["integer"]},
                "balance": {"type": ["number", "null"], "multipleOf": 1e-38},
                "created_at": {"format": "date-time", "type": ["string", "null"]},
                "t": {"format": "time", "type": ["string", "null"]},
                "d": {"type": ["string", "null"], "format": "singer.decimal"},
                "prefs": {"type": ["string", "number", "integer", "array", "object", "boolean", "null"], "additionalProperties": true},
                "tags": {"items": {"type": ["string"]}, "type": ["array", "null"]},
                "geom": {"type": ["string", "null"]}
            }},
            "metadata": [
                {"breadcrumb": ["properties", "id"], "metadata": {"inclusion": "automatic"}},
                {"breadcrumb": ["properties", "geom"], "metadata": {"inclusion": "unsupported"}},
                {"breadcrumb": [], "metadata": {"inclusion": "available", "table-key-properties": ["id"], "schema-name": "sales"}}
            ]
        })
    }

    #[test]
    fn stream_maps_to_binding() {
        let b = stream_to_binding(&pg_stream());
        assert_eq!(b.recommended_name, "sales-customers");
        assert_eq!(b.resource_config, json!({"stream": "sales-customers"}));
        assert_eq!(b.resource_path, vec!["sales-customers"]);
        assert_eq!(b.key, vec!["/id"]);
        assert!(!b.is_fallback_key && !b.disable);
        let p = &b.document_schema["properties"];
        assert_eq!(p["id"]["type"], "integer");
        assert_eq!(
            p["balance"],
            json!({"type": ["number", "null"]}),
            "fractional multipleOf dropped"
        );
        assert_eq!(p["created_at"]["format"], "date-time");
        assert_eq!(p["t"], json!({"type": ["string", "null"]}));
        assert_eq!(p["d"]["format"], "number");
        assert_eq!(p["prefs"], json!({}), "json/jsonb accept anything");
        assert_eq!(p["tags"]["items"]["type"], json!(["string"]));
        assert!(p.get("geom").is_none(), "unsupported columns are left out");
        assert_eq!(b.document_schema["required"], json!(["id"]));
    }

    #[test]
    fn key_from_key_properties_and_composite_keys() {
        let mut s = pg_stream();
        s["metadata"] = json!([]);
        s["key_properties"] = json!(["order_id", "line/no"]);
        s["schema"]["properties"]["order_id"] = json!({"type": ["integer", "null"]});
        s["schema"]["properties"]["line/no"] =
            json!({"anyOf": [{"type": "integer"}, {"type": "null"}]});
        let b = stream_to_binding(&s);
        assert_eq!(b.key, vec!["/order_id", "/line~1no"]);
        assert_eq!(
            b.document_schema["properties"]["order_id"]["type"],
            "integer"
        );
        assert_eq!(
            b.document_schema["properties"]["line/no"],
            json!({"type": "integer"})
        );
        let req = b.document_schema["required"].as_array().unwrap();
        assert!(req.contains(&json!("order_id")) && req.contains(&json!("line/no")));
    }

    #[test]
    fn stream_without_key_gets_row_id() {
        let s = json!({"tap_stream_id": "public-logs", "key_properties": [],
            "schema": {"type": ["object", "null"], "properties": {"msg": {"type": ["string", "null"]}}},
            "metadata": [{"breadcrumb": [], "metadata": {"table-key-properties": [], "selected-by-default": false}}]});
        let b = stream_to_binding(&s);
        assert_eq!(b.recommended_name, "public-logs");
        assert_eq!(b.key, vec![keys::ROW_ID_POINTER]);
        assert!(b.is_fallback_key);
        assert!(b.disable, "selected-by-default: false");
        assert_eq!(b.document_schema["type"], "object");
        assert_eq!(
            b.document_schema["properties"]["_meta"]["properties"]["row_id"]["type"],
            "integer"
        );
    }

    #[test]
    fn catalog_selects_the_chosen_streams() {
        let other = json!({"tap_stream_id": "other", "schema": {}});
        let bare = json!({"tap_stream_id": "bare", "schema": {}});
        let streams = vec![pg_stream(), other, bare];
        let c = selected_catalog(
            &streams,
            &[
                json!({"stream": "sales-customers", "replicationMethod": "INCREMENTAL", "replicationKey": "created_at"}),
                json!({"stream": "bare"}),
            ],
        )
        .unwrap();
        let chosen = c["streams"].as_array().unwrap();
        assert_eq!(chosen.len(), 2);
        let meta = metadata(&chosen[0], &[]).unwrap();
        assert_eq!(meta["selected"], true);
        assert_eq!(meta["replication-method"], "INCREMENTAL");
        assert_eq!(meta["replication-key"], "created_at");
        assert_eq!(meta["schema-name"], "sales", "other metadata kept");
        assert_eq!(metadata(&chosen[1], &[]).unwrap()["selected"], true);
        let err = selected_catalog(&streams, &[json!({"stream": "gone"})]).unwrap_err();
        assert!(err.contains("gone"), "{err}");
    }

    #[test]
    fn invocation_uses_private_files() {
        let inv = invocation(
            &json!({"host": "h"}),
            Some(&json!({"streams": []})),
            None,
            false,
        );
        assert_eq!(
            inv.args,
            vec![
                Arg::Lit("--config".into()),
                Arg::File("config.json".into()),
                Arg::Lit("--catalog".into()),
                Arg::File("catalog.json".into()),
            ]
        );
        let inv = invocation(&json!({}), None, None, true);
        assert_eq!(inv.args.last(), Some(&Arg::Lit("--discover".into())));
        assert!(!inv.stdin);
    }
}
