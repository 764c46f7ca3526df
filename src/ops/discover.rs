//! From an endpoint to catalog plans: the config a connector is given, its check against the connector's
//! schema, the connector's discover, and the [`Discovery`] the catalog is built from. One path for
//! `catwalk discover` and the wizard; writing the plan is [`super::save`].

use super::exit::Failure;
use crate::catalog::{self, Discovery};
use crate::connector::{Connector, Endpoint};
use crate::model::{DiscoveredBinding, Protocol, Spec};
use crate::schema;
use serde_json::Value;
use std::path::Path;

/// The config a connector is given: with the schema's defaults written in, which many Airbyte connectors
/// need. Singer taps get it as written: SDK taps apply their own defaults, and a default written by catwalk
/// would override a setting the tap reads from its environment.
pub fn config_for(spec: &Spec, config: Value) -> Value {
    match spec.protocol {
        Protocol::Singer => config,
        _ => schema::with_defaults(&spec.config_schema, &config),
    }
}

/// Read a YAML or JSON config file; errors carry the file, line and column. A sops-protected config is
/// decrypted in memory (sops off the async threads), never written.
pub async fn read_config(path: &Path) -> Result<Value, Failure> {
    let config = catalog::read_config(path).map_err(Failure::invalid)?;
    super::secrets::decrypt(&config, &path.display().to_string()).await
}

/// Validate a config against the spec's schema; on errors, list every one with the field's title and pointer.
pub fn check_config(spec: &Spec, config: &Value, path: &Path) -> Result<(), Failure> {
    let errors = super::check::schema_problems(&spec.config_schema, config, "config")?;
    if errors.is_empty() {
        return Ok(());
    }
    let mut message = format!(
        "config {} does not match the connector's schema ({} problem{}):",
        path.display(),
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    );
    for e in &errors {
        message.push_str(&format!("\n  - {e}"));
    }
    message.push_str(&format!(
        "\n  Fix these in {} and run the command again.",
        path.display()
    ));
    Err(Failure::invalid(message))
}

/// The connector's discover with `config`.
pub async fn bindings(
    connector: &Connector,
    config: &Value,
) -> Result<Vec<DiscoveredBinding>, Failure> {
    Ok(connector.discover(config).await?)
}

/// Where and under which names a capture's catalog goes, and how its connector runs.
pub struct Target<'a> {
    pub prefix: &'a str,
    pub name: &'a str,
    pub endpoint: &'a Endpoint,
    pub protocol: Protocol,
    /// The Docker network written into the catalog (`None`: Flow's default).
    pub network: Option<&'a str>,
}

/// The capture's catalog endpoint (see `catalog::catalog_endpoint`), and a warning when an Airbyte or
/// Singer connector's `catwalk adapt` command is not the `catwalk` on PATH.
pub fn endpoint(target: &Target<'_>) -> (catalog::Endpoint, Option<String>) {
    let runs = match target.endpoint {
        Endpoint::Image(image) => catalog::Runs::Image(image),
        Endpoint::Local { command, env } => catalog::Runs::Local { command, env },
    };
    let (catwalk, warning) = catalog::catwalk_command();
    let endpoint = catalog::catalog_endpoint(
        runs,
        target.protocol,
        target.network,
        &catwalk,
        &catalog::config_file_name(target.name),
    );
    (
        endpoint,
        warning.filter(|_| target.protocol != Protocol::Flow),
    )
}

/// The discovery a capture's catalog is planned from: `bindings` (with their collection names in `targets`,
/// else named from their resources) under `target`.
pub fn discovery(
    target: &Target<'_>,
    bindings: Vec<DiscoveredBinding>,
    targets: Option<Vec<String>>,
    resource_path_pointers: Vec<String>,
) -> (Discovery, Option<String>) {
    let (endpoint, warning) = endpoint(target);
    let discovery = Discovery {
        prefix: target.prefix.to_string(),
        name: target.name.to_string(),
        endpoint,
        bindings,
        targets,
        resource_path_pointers,
    };
    (discovery, warning)
}
