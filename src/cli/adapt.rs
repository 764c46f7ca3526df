//! `catwalk adapt airbyte|singer`: a Flow capture connector (JSON codec on stdin/stdout) that drives an
//! Airbyte connector or a Singer tap. Flow runs only Flow-protocol connectors, so `discover` writes them into
//! catalogs as `local: {command: [catwalk, adapt, <protocol>, ...]}`; `catwalk check` and Flow's tools then
//! run this.
//! Like any Flow connector it logs JSON lines on stderr and exits non-zero on failure.

use super::args::AdaptArgs;
use super::{Outcome, exit};
use crate::connector::{Connector, ConnectorError, Endpoint, LogSink, Options};
use crate::model::{
    CollectionSpec, LogLevel, LogLine, Protocol, Spec, ValidateBinding, ValidateRequest,
};
use serde_json::{Value, json};
use std::io::Write;
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

pub async fn run(args: AdaptArgs) -> Outcome {
    match serve(args).await {
        Ok(()) => Ok(exit::OK),
        Err(message) => {
            log_json(LogLevel::Error, &message);
            Ok(exit::FAILED)
        }
    }
}

async fn serve(args: AdaptArgs) -> Result<(), String> {
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
    };
    let connector = Connector::open(endpoint, opts)
        .await
        .map_err(|e| e.to_string())?;
    let mut adapter = Adapter {
        connector,
        spec: None,
        protocol,
        network: args.network.clone(),
    };
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let mut stdout = tokio::io::stdout();
    while let Some(line) = lines
        .next_line()
        .await
        .map_err(|e| format!("reading a request from stdin: {e}"))?
    {
        if line.trim().is_empty() {
            continue;
        }
        let request: Value = serde_json::from_str(&line).map_err(|e| {
            format!(
                "a request on stdin is not JSON ({e}): {}",
                crate::clip::clip(line.trim_end(), 200)
            )
        })?;
        let response = adapter.answer(request).await?;
        let mut out = serde_json::to_vec(&response).map_err(|e| e.to_string())?;
        out.push(b'\n');
        stdout
            .write_all(&out)
            .await
            .map_err(|e| format!("writing a response: {e}"))?;
        stdout
            .flush()
            .await
            .map_err(|e| format!("writing a response: {e}"))?;
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
    async fn answer(&mut self, request: Value) -> Result<Value, String> {
        let Value::Object(mut request) = request else {
            return Err("a request is not a JSON object".into());
        };
        if request.contains_key("spec") {
            let spec = self.spec().await?;
            return Ok(json!({"spec": super::spec::spec_json(&spec)}));
        }
        if let Some(discover) = request.remove("discover") {
            let (config, _ready) = self.config_with_defaults(&discover).await?;
            let bindings = self.connector.discover(&config).await.map_err(err)?;
            let bindings: Vec<Value> = bindings
                .into_iter()
                .map(|b| {
                    json!({
                        "recommendedName": b.recommended_name,
                        "resourceConfig": b.resource_config,
                        "documentSchema": b.document_schema,
                        "key": b.key,
                        "disable": b.disable,
                        "isFallbackKey": b.is_fallback_key,
                        "resourcePath": b.resource_path,
                    })
                })
                .collect();
            return Ok(json!({"discovered": {"bindings": bindings}}));
        }
        if let Some(validate) = request.remove("validate") {
            let (config, _ready) = self.config_with_defaults(&validate).await?;
            let req = ValidateRequest {
                name: validate
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                config,
                bindings: validate
                    .get("bindings")
                    .and_then(Value::as_array)
                    .map(|bs| bs.iter().map(binding_of).collect())
                    .unwrap_or_default(),
            };
            let validated = self.connector.validate(&req).await.map_err(err)?;
            let bindings: Vec<Value> = validated
                .bindings
                .iter()
                .map(|b| json!({"resourcePath": b.resource_path}))
                .collect();
            return Ok(json!({"validated": {"bindings": bindings}}));
        }
        if request.contains_key("apply") {
            return Ok(json!({"applied": {"actionDescription": ""}}));
        }
        if request.contains_key("open") {
            return Err(format!(
                "capturing data through `catwalk adapt {}` (the open request) is not supported yet; \
                 spec, discover, validate and apply are",
                self.protocol
            ));
        }
        let keys: Vec<&String> = request.keys().collect();
        Err(format!(
            "unknown request {keys:?}: expected spec, discover, validate, apply or open"
        ))
    }

    async fn spec(&mut self) -> Result<Spec, String> {
        if self.spec.is_none() {
            self.spec = Some(self.connector.spec().await.map_err(err)?);
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
        request: &Value,
    ) -> Result<(Value, super::tunnel::Ready), String> {
        let config = request.get("config").cloned().unwrap_or_else(|| json!({}));
        let config = crate::secrets::decrypt(&config, "the config of the request")
            .map_err(|e| e.to_string())?;
        let known_hosts = std::env::var_os("CATWALK_KNOWN_HOSTS").map(Into::into);
        let ready =
            super::tunnel::prepare_with(&config, &super::tunnel::policy(false, known_hosts))
                .await
                .map_err(|e| e.to_string())?;
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

fn binding_of(b: &Value) -> ValidateBinding {
    let c = b.get("collection").cloned().unwrap_or_default();
    ValidateBinding {
        field_config: b
            .get("fieldConfig")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default(),
        resource_config: b
            .get("resourceConfig")
            .cloned()
            .unwrap_or_else(|| json!({})),
        collection: CollectionSpec {
            name: c
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            key: c
                .get("key")
                .and_then(Value::as_array)
                .map(|k| {
                    k.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            write_schema: c.get("writeSchema").cloned().unwrap_or_default(),
            read_schema: c.get("readSchema").cloned(),
        },
        backfill: b.get("backfill").and_then(Value::as_u64).unwrap_or(0) as u32,
    }
}

fn err(e: ConnectorError) -> String {
    e.to_string()
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
        let b = json!({"resourceConfig": {"stream": "users", "syncMode": "full_refresh"},
            "collection": {"name": "acmeCo/users", "key": ["/id"], "writeSchema": {"type": "object"}, "projections": []}, "backfill": 2});
        let v = binding_of(&b);
        assert_eq!(v.collection.key, vec!["/id"]);
        assert_eq!(v.backfill, 2);
        assert_eq!(
            crate::connector::flow::resource_path(
                &v.resource_config,
                &crate::connector::airbyte::resource_path_pointers()
            ),
            vec!["users"]
        );
    }
}
