//! Estuary Flow's connector protocol, JSON codec: one request per line on stdin, one response per line on
//! stdout, several requests per process. Maps responses to the protocol-neutral model.

use super::error::ConnectorError;
use super::process::Running;
use crate::clip::clip;
use crate::model::{
    CollectionSpec, ConnectorKind, Constraint, DiscoveredBinding, Protocol, Spec, ValidateRequest,
    Validated, ValidatedBinding,
};
use serde_json::{Map, Value, json};

/// The protocol version Flow's runtime requires in a spec response.
pub const PROTOCOL_VERSION: u64 = 3032023;

/// One request/response exchange on a running Flow connector.
pub(crate) struct FlowSession<'a> {
    pub run: &'a mut Running,
    pub subject: &'a str,
}

impl FlowSession<'_> {
    /// Send `request` and return the value under `response_key` of the first response carrying it.
    pub async fn call(
        &mut self,
        request: &Value,
        response_key: &str,
        during: &str,
    ) -> Result<Value, ConnectorError> {
        let line = serde_json::to_vec(request).map_err(|e| ConnectorError::Io(e.to_string()))?;
        if let Err(e) = self.run.write_line(&line).await {
            // The connector may have died before reading: its exit says more than the broken pipe.
            tracing::debug!("writing request failed: {e}");
        }
        self.expect(response_key, during).await
    }

    /// Read responses until one carries `response_key`.
    pub async fn expect(
        &mut self,
        response_key: &str,
        during: &str,
    ) -> Result<Value, ConnectorError> {
        loop {
            let line = match self.run.next_line().await {
                Some(Ok(line)) => line,
                Some(Err(e)) => {
                    return Err(ConnectorError::Io(format!(
                        "reading from {}: {e}",
                        self.subject
                    )));
                }
                None => return Err(ConnectorError::Io(String::new())), // replaced by the caller with the exit
            };
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let parsed: Value = match serde_json::from_slice(&line) {
                Ok(v @ Value::Object(_)) => v,
                _ => {
                    return Err(ConnectorError::Protocol {
                        subject: self.subject.to_string(),
                        protocol: "Flow",
                        during: during.to_string(),
                        line: clip(String::from_utf8_lossy(&line).trim_end(), 200),
                    });
                }
            };
            if let Value::Object(mut obj) = parsed {
                if let Some(v) = obj.remove(response_key) {
                    return Ok(v);
                }
                let keys: Vec<&String> = obj.keys().collect();
                tracing::debug!(
                    subject = self.subject,
                    ?keys,
                    "skipping a response that is not {response_key}"
                );
            }
        }
    }
}

pub fn spec_request(local: bool) -> Value {
    json!({"spec": {"connectorType": connector_type(local), "config": {}}})
}

pub fn discover_request(local: bool, config: &Value) -> Value {
    json!({"discover": {"connectorType": connector_type(local), "config": config}})
}

pub fn validate_request(local: bool, kind: ConnectorKind, req: &ValidateRequest) -> Value {
    let bindings: Vec<Value> = req
        .bindings
        .iter()
        .map(|b| {
            let mut binding = json!({
                "resourceConfig": b.resource_config,
                "collection": collection_json(&b.collection),
            });
            match kind {
                ConnectorKind::Capture => binding["backfill"] = json!(b.backfill),
                ConnectorKind::Materialize => {
                    binding["fieldConfig"] = Value::Object(b.field_config.clone())
                }
            }
            binding
        })
        .collect();
    json!({"validate": {
        "name": req.name,
        "connectorType": connector_type(local),
        "config": req.config,
        "bindings": bindings,
    }})
}

fn connector_type(local: bool) -> &'static str {
    if local { "LOCAL" } else { "IMAGE" }
}

/// A collection in protobuf canonical JSON, with projections (what materializations base their constraints
/// on): every top-level property of the write and read schemas, and every key location, however deep.
pub fn collection_json(c: &CollectionSpec) -> Value {
    let mut projections: Vec<Value> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for schema in std::iter::once(&c.write_schema).chain(c.read_schema.as_ref()) {
        if let Some(Value::Object(props)) = schema.get("properties") {
            for (field, prop) in props {
                let ptr = format!("/{}", field.replace('~', "~0").replace('/', "~1"));
                if seen.insert(ptr.clone()) {
                    let required = is_required(schema, field);
                    projections.push(projection(&ptr, field, prop, required, &c.key));
                }
            }
        }
    }
    for ptr in &c.key {
        if seen.insert(ptr.clone()) {
            let prop = locate(&c.write_schema, ptr).cloned().unwrap_or(Value::Null);
            // Flow names a nested field by its pointer without the leading slash.
            let field = ptr.trim_start_matches('/').to_string();
            projections.push(projection(ptr, &field, &prop, true, &c.key));
        }
    }
    let mut out = json!({
        "name": c.name,
        "key": c.key,
        "writeSchema": c.write_schema,
        "projections": projections,
        "partitionFields": [],
        "uuidPtr": "/_meta/uuid",
    });
    if let Some(read) = &c.read_schema {
        out["readSchema"] = read.clone();
    }
    out
}

fn projection(ptr: &str, field: &str, prop: &Value, required: bool, key: &[String]) -> Value {
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
    json!({
        "ptr": ptr,
        "field": field,
        "isPrimaryKey": is_key,
        "inference": {"types": types, "exists": if required || is_key { "MUST" } else { "MAY" }},
    })
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
        let token = token.replace("~1", "/").replace("~0", "~");
        node.get("properties")?.get(token.as_str())
    })
}

/// Read a field by its lowerCamel name, falling back to the snake_case and `_json` spellings.
fn field<'a>(obj: &'a Map<String, Value>, camel: &str, snake: &str) -> Option<&'a Value> {
    obj.get(camel)
        .or_else(|| obj.get(snake))
        .or_else(|| obj.get(&format!("{snake}_json")))
        .or_else(|| obj.get(&format!("{camel}Json")))
}

pub fn parse_spec(v: Value, kind: ConnectorKind, subject: &str) -> Result<Spec, ConnectorError> {
    let bad = |what: String| ConnectorError::Reported {
        subject: subject.to_string(),
        during: "during spec".into(),
        message: what,
    };
    let Value::Object(obj) = v else {
        return Err(bad("the spec response is not an object".into()));
    };
    match obj.get("protocol").and_then(Value::as_u64) {
        Some(PROTOCOL_VERSION) | None => {}
        Some(other) => {
            return Err(bad(format!(
                "it speaks Flow protocol version {other}, catwalk speaks {PROTOCOL_VERSION}"
            )));
        }
    }
    let config_schema = field(&obj, "configSchema", "config_schema")
        .cloned()
        .filter(Value::is_object)
        .ok_or_else(|| bad("the spec has no configSchema object".into()))?;
    let resource_config_schema = field(&obj, "resourceConfigSchema", "resource_config_schema")
        .cloned()
        .unwrap_or(Value::Null);
    let pointers = field(&obj, "resourcePathPointers", "resource_path_pointers")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    // A local command says what it is only through its spec: a resource naming a collection is a
    // materialization's (`x-collection-name`).
    let kind = if resource_config_schema
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
        config_schema,
        resource_config_schema,
        documentation_url: field(&obj, "documentationUrl", "documentation_url")
            .and_then(Value::as_str)
            .map(str::to_string),
        resource_path_pointers: pointers,
        oauth2: obj.get("oauth2").cloned(),
    })
}

pub fn parse_discovered(v: Value, subject: &str) -> Result<Vec<DiscoveredBinding>, ConnectorError> {
    let mut v = v;
    let bindings = match v.get_mut("bindings").map(Value::take) {
        Some(Value::Array(b)) => b,
        None | Some(Value::Null) => vec![],
        Some(_) => {
            return Err(ConnectorError::Reported {
                subject: subject.into(),
                during: "during discover".into(),
                message: "`discovered.bindings` is not a list".into(),
            });
        }
    };
    bindings
        .into_iter()
        .enumerate()
        .map(|(i, b)| {
            let Value::Object(mut obj) = b else {
                return Err(ConnectorError::Reported {
                    subject: subject.into(),
                    during: "during discover".into(),
                    message: format!("discovered binding {i} is not an object"),
                });
            };
            let strings = |v: Option<Value>| -> Vec<String> {
                v.and_then(|v| v.as_array().cloned())
                    .map(|a| {
                        a.iter()
                            .filter_map(|s| s.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let take = |obj: &mut Map<String, Value>, camel: &str, snake: &str| {
                obj.remove(camel)
                    .or_else(|| obj.remove(snake))
                    .or_else(|| obj.remove(&format!("{snake}_json")))
            };
            Ok(DiscoveredBinding {
                recommended_name: take(&mut obj, "recommendedName", "recommended_name")
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                resource_config: take(&mut obj, "resourceConfig", "resource_config")
                    .unwrap_or(json!({})),
                document_schema: take(&mut obj, "documentSchema", "document_schema")
                    .unwrap_or(json!({})),
                key: strings(obj.remove("key")),
                disable: obj
                    .remove("disable")
                    .and_then(|v| v.as_bool())
                    .unwrap_or(false),
                is_fallback_key: take(&mut obj, "isFallbackKey", "is_fallback_key")
                    .and_then(|v| v.as_bool())
                    .unwrap_or(false),
                resource_path: strings(take(&mut obj, "resourcePath", "resource_path")),
            })
        })
        .collect()
}

pub fn parse_validated(v: Value) -> Validated {
    let bindings = v
        .get("bindings")
        .and_then(Value::as_array)
        .map(|bs| {
            bs.iter()
                .map(|b| ValidatedBinding {
                    resource_path: b
                        .get("resourcePath")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(|s| s.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default(),
                    constraints: b
                        .get("constraints")
                        .and_then(Value::as_object)
                        .map(|c| {
                            c.iter()
                                .filter_map(|(k, v)| {
                                    serde_json::from_value::<Constraint>(v.clone())
                                        .ok()
                                        .map(|c| (k.clone(), c))
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                    delta_updates: b
                        .get("deltaUpdates")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                })
                .collect()
        })
        .unwrap_or_default();
    Validated { bindings }
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

    #[test]
    fn spec_accepts_camel_and_snake_case() {
        let camel = json!({"protocol": 3032023, "configSchema": {"type": "object"}, "resourceConfigSchema": {"type": "object"},
            "documentationUrl": "https://x", "resourcePathPointers": ["/namespace", "/stream"]});
        let s = parse_spec(camel, ConnectorKind::Capture, "image x").unwrap();
        assert_eq!(s.resource_path_pointers, vec!["/namespace", "/stream"]);
        assert_eq!(s.documentation_url.as_deref(), Some("https://x"));
        let snake =
            json!({"config_schema_json": {"type": "object"}, "resource_config_schema_json": {}});
        assert!(parse_spec(snake, ConnectorKind::Capture, "image x").is_ok());
    }

    #[test]
    fn spec_rejects_wrong_protocol_and_missing_schema() {
        let e = parse_spec(
            json!({"protocol": 1, "configSchema": {}}),
            ConnectorKind::Capture,
            "image x",
        )
        .unwrap_err();
        assert!(e.to_string().contains("version 1"), "{e}");
        let e = parse_spec(
            json!({"protocol": 3032023}),
            ConnectorKind::Capture,
            "image x",
        )
        .unwrap_err();
        assert!(e.to_string().contains("configSchema"), "{e}");
    }

    #[test]
    fn discovered_bindings_map_all_fields() {
        let v = json!({"bindings": [{"recommendedName": "public/orders", "resourceConfig": {"namespace": "public", "stream": "orders"},
            "documentSchema": {"type": "object"}, "key": ["/id"], "disable": true, "isFallbackKey": false, "resourcePath": ["public", "orders"],
            "somethingNew": 1}]});
        let b = parse_discovered(v, "x").unwrap();
        assert_eq!(b[0].recommended_name, "public/orders");
        assert_eq!(b[0].key, vec!["/id"]);
        assert!(b[0].disable);
        assert_eq!(b[0].resource_path, vec!["public", "orders"]);
        assert!(parse_discovered(json!({}), "x").unwrap().is_empty());
        assert!(parse_discovered(json!({"bindings": 3}), "x").is_err());
    }

    #[test]
    fn validate_request_carries_projections() {
        let req = ValidateRequest {
            name: "acmeCo/cap".into(),
            config: json!({"a": 1}),
            bindings: vec![crate::model::ValidateBinding {
                field_config: Default::default(),
                resource_config: json!({"stream": "s"}),
                collection: CollectionSpec {
                    name: "acmeCo/s".into(),
                    key: vec!["/id".into()],
                    write_schema: json!({"type": "object", "properties": {"id": {"type": "integer"}, "a/b": {"type": ["string", "null"]}}, "required": ["id"]}),
                    read_schema: None,
                },
                backfill: 0,
            }],
        };
        let v = validate_request(false, ConnectorKind::Capture, &req);
        let proj = &v["validate"]["bindings"][0]["collection"]["projections"];
        assert_eq!(proj[0]["ptr"], "/id");
        assert_eq!(proj[0]["isPrimaryKey"], true);
        assert_eq!(proj[1]["ptr"], "/a~1b");
        assert_eq!(proj[1]["inference"]["exists"], "MAY");
        assert_eq!(v["validate"]["connectorType"], "IMAGE");
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
        let v = collection_json(&c);
        let fields: Vec<&str> = v["projections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, vec!["msg", "_meta", "extra", "_meta/row_id"]);
        let key = &v["projections"][3];
        assert_eq!(key["isPrimaryKey"], true);
        assert_eq!(key["inference"]["types"], json!(["integer"]));
        assert_eq!(key["inference"]["exists"], "MUST");
    }

    #[test]
    fn a_resource_naming_a_collection_makes_a_materialization() {
        let v = json!({"configSchema": {}, "resourceConfigSchema": {"properties": {"table": {"x-collection-name": true}}}});
        assert_eq!(
            parse_spec(v, ConnectorKind::Capture, "x").unwrap().kind,
            ConnectorKind::Materialize
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
