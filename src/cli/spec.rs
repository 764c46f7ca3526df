//! `catwalk spec`: print a connector's spec as JSON on stdout, in Flow's spec-response shape.

use super::args::SpecArgs;
use super::{Outcome, exit};
use crate::connector::Connector;
use crate::model::Spec;
use serde_json::{Value, json};

pub async fn run(args: SpecArgs) -> Outcome {
    // `spec` always asks the connector; its answer refreshes the cache the other verbs read.
    let mut opts = args.connector.run.options();
    opts.spec_cache = opts.spec_cache.map(crate::connector::SpecCache::refreshing);
    let connector = Connector::open(args.connector.endpoint(), opts).await?;
    let spec = connector.spec().await?;
    let kind = match spec.kind {
        crate::model::ConnectorKind::Capture => "capture",
        crate::model::ConnectorKind::Materialize => "materialization",
    };
    let how = if args.connector.run.protocol.is_some() {
        "as told by --protocol"
    } else if args.connector.image.is_some() {
        "from its image labels"
    } else {
        "found by probing it"
    };
    let protocol = match spec.protocol {
        crate::model::Protocol::Flow => "Flow",
        crate::model::Protocol::Airbyte => "Airbyte",
        crate::model::Protocol::Singer => "Singer",
    };
    super::output::note(&format!(
        "{}: {protocol} {kind} connector ({how})",
        connector.subject()
    ));
    let out =
        serde_json::to_string_pretty(&spec_json(&spec)).expect("JSON values always serialize");
    super::output::stdout(&format!("{out}\n"))?;
    Ok(exit::OK)
}

/// Flow's spec response fields (camelCase, as `flowctl raw spec` prints them).
pub fn spec_json(spec: &Spec) -> Value {
    let mut out = json!({
        "protocol": crate::connector::flow::PROTOCOL_VERSION,
        "configSchema": spec.config_schema,
        "resourceConfigSchema": spec.resource_config_schema,
    });
    if let Some(url) = &spec.documentation_url {
        out["documentationUrl"] = json!(url);
    }
    if !spec.resource_path_pointers.is_empty() {
        out["resourcePathPointers"] = json!(spec.resource_path_pointers);
    }
    if let Some(oauth2) = &spec.oauth2 {
        out["oauth2"] = oauth2.clone();
    }
    out
}
