//! `catwalk discover`, with flowctl's semantics: the first run writes a commented config stub
//! (`<dir>/<name>.config.yaml`, mode 0600, never overwriting) and says what to do next; later runs validate the
//! config against the connector's schema (no discover on an invalid config), discover, and write
//! `<name>.flow.yaml` with the capture, its collections and their schema files, merged with what exists.

use super::args::DiscoverArgs;
use super::{Failure, Outcome, exit, output};
use crate::catalog::{self, ContentRef, Discovery, WriteMode};
use crate::connector::{Connector, Endpoint};
use crate::model::{ConnectorKind, Protocol, Spec};
use crate::schema;
use indexmap::IndexMap;
use serde_json::Value;
use std::path::{Path, PathBuf};

pub async fn run(args: DiscoverArgs) -> Outcome {
    let prefix = catalog::validate_prefix(&args.prefix)
        .map_err(|e| Failure::new(exit::USAGE, format!("--prefix: {e}")))?;
    let dir = args
        .directory
        .clone()
        .unwrap_or_else(|| PathBuf::from(&prefix));
    let endpoint = args.connector.endpoint();
    let name = match &args.name {
        Some(n) => n.clone(),
        None => match &endpoint {
            Endpoint::Image(image) => catalog::connector_name(image),
            Endpoint::Local { command, .. } => catalog::local_connector_name(command),
        },
    };
    catalog::validate_name("--name", &format!("{prefix}/{name}"))
        .map_err(|e| Failure::new(exit::USAGE, e.to_string()))?;
    let config_path = dir.join(catalog::config_file_name(&name));

    let mut connector = Connector::open(endpoint.clone(), args.connector.run.options()).await?;
    let spec = connector.spec().await?;
    if spec.kind == ConnectorKind::Materialize {
        return Err(Failure::invalid(format!(
            "{} is a materialization connector: discover finds resources to capture. Use a capture (source) connector.",
            connector.subject()
        )));
    }

    if !config_path.exists() {
        write_stub(&config_path, &spec, &connector.subject(), &args)?;
        return Ok(exit::STUB_WRITTEN);
    }

    let config = read_config(&config_path)?;
    // SSH: the connector's own tunnel is checked; a tunnel catwalk runs opens here, until this function ends.
    let ready = super::tunnel::prepare(&config, &args.connector.run).await?;
    connector.set_network(ready.network(&args.connector.run.network));
    let config = ready.config.clone();
    check_config(&spec, &config, &config_path)?;
    let config = schema::with_defaults(&spec.config_schema, &config);
    let bindings = connector.discover(&config).await?;

    let discovery = Discovery {
        prefix: prefix.clone(),
        name: name.clone(),
        endpoint: catalog_endpoint(
            &endpoint,
            spec.protocol,
            &args,
            &catalog::config_file_name(&name),
        ),
        bindings,
        targets: None,
        resource_path_pointers: spec.resource_path_pointers.clone(),
    };
    let outcome =
        catalog::plan_discovery(&dir, discovery).map_err(|e| Failure::invalid(e.to_string()))?;
    for w in &outcome.warnings {
        output::warn(w);
    }
    let summary = outcome
        .plan
        .write_all()
        .map_err(|e| Failure::new(exit::FAILED, e.to_string()))?;

    let capture = &outcome.files.catalog.captures[&outcome.capture_name];
    let enabled = capture.bindings.iter().filter(|b| !b.disable).count();
    output::note(&format!(
        "{} {}: capture {} with {} bindings ({} enabled), {} collections.",
        output::green("Wrote"),
        outcome.flow_file.display(),
        output::bold(&outcome.capture_name),
        capture.bindings.len(),
        enabled,
        outcome.files.catalog.collections.len(),
    ));
    output::note(&format!(
        "  {}; files: {} written, {} unchanged.",
        outcome.report.summary(),
        summary.written,
        summary.unchanged
    ));
    output::note(&format!(
        "Next: review the bindings, then `catwalk check --source {}`.",
        outcome.flow_file.display()
    ));
    Ok(exit::OK)
}

fn write_stub(path: &Path, spec: &Spec, subject: &str, args: &DiscoverArgs) -> Result<(), Failure> {
    let stub = schema::stub_yaml(&spec.config_schema).map_err(|e| {
        Failure::new(
            exit::FAILED,
            format!("{subject} published a config schema catwalk cannot use: {e}"),
        )
    })?;
    let mut header = format!("# Endpoint config for {subject}.\n");
    if let Some(url) = &spec.documentation_url {
        header.push_str(&format!("# Documentation: {url}\n"));
    }
    header.push_str("# Fill in the fields marked (required), then run the same `catwalk discover` command again.\n\n");
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| {
            Failure::invalid(format!("cannot create directory {}: {e}", parent.display()))
        })?;
    }
    catalog::write_atomic(
        path,
        format!("{header}{stub}").as_bytes(),
        WriteMode::CreateNew,
        Some(0o600),
    )
    .map_err(|e| Failure::invalid(e.to_string()))?;
    output::note(&format!(
        "{} a config stub at {}.\n  Edit it: fill in the fields marked (required); secrets are marked (secret).\n  Then run this command again: {}",
        output::green("Wrote"),
        path.display(),
        rerun_command(args)
    ));
    Ok(())
}

/// The command line to run again, as the user would type it.
fn rerun_command(args: &DiscoverArgs) -> String {
    let mut words = vec!["catwalk".to_string(), "discover".to_string()];
    let c = &args.connector;
    if let Some(image) = &c.image {
        words.extend(["--image".into(), image.clone()]);
    }
    if args.prefix != "acmeCo" {
        words.extend(["--prefix".into(), args.prefix.clone()]);
    }
    if let Some(d) = &args.directory {
        words.extend(["--directory".into(), d.display().to_string()]);
    }
    if let Some(n) = &args.name {
        words.extend(["--name".into(), n.clone()]);
    }
    if let Some(p) = c.run.protocol {
        words.extend(["--protocol".into(), p.to_string()]);
    }
    if c.run.network != "bridge" {
        words.extend(["--network".into(), c.run.network.clone()]);
    }
    if c.local {
        words.push("--local".into());
        for (k, v) in &c.env {
            words.extend(["--env".into(), format!("{k}={v}")]);
        }
        words.push("--".into());
        words.extend(c.command.iter().cloned());
    }
    crate::connector::endpoint::shell_words(&words)
}

/// Read a YAML or JSON config file; errors carry the file, line and column.
pub fn read_config(path: &Path) -> Result<Value, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::invalid(format!("cannot read config {}: {e}", path.display())))?;
    let config: Value =
        catalog::parse_text(path, &text).map_err(|e| Failure::invalid(e.to_string()))?;
    let config = if config.is_null() {
        Value::Object(Default::default())
    } else {
        config
    };
    if !config.is_object() {
        return Err(Failure::invalid(format!(
            "config {} must be a mapping of field names to values, not a {}",
            path.display(),
            kind_of(&config)
        )));
    }
    if config.get("sops").is_some_and(|s| !s.is_null()) {
        return Err(Failure::invalid(format!(
            "config {} is encrypted with sops; catwalk cannot decrypt configs yet. Decrypt it with `sops --decrypt` to run discover.",
            path.display()
        )));
    }
    Ok(config)
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Array(_) => "list",
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "boolean",
        _ => "value",
    }
}

/// Validate a config against the spec's schema; on errors, list every one with the field's title and pointer.
pub fn check_config(spec: &Spec, config: &Value, path: &Path) -> Result<(), Failure> {
    let errors = schema::validate(&spec.config_schema, config).map_err(|e| {
        Failure::new(
            exit::FAILED,
            format!("the connector's config schema cannot be used: {e}"),
        )
    })?;
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

/// How the capture's endpoint is written. Flow connectors run as they are; connectors of other protocols run
/// through `catwalk adapt`, a local Flow connector, because Flow runs only its own protocol.
fn catalog_endpoint(
    endpoint: &Endpoint,
    protocol: Protocol,
    args: &DiscoverArgs,
    config_file: &str,
) -> catalog::Endpoint {
    let config = ContentRef::Path(config_file.to_string());
    match (protocol, endpoint) {
        (Protocol::Flow, Endpoint::Image(image)) => catalog::Endpoint::image(image.clone(), config),
        (Protocol::Flow, Endpoint::Local { command, env }) => {
            catalog::Endpoint::local(command.clone(), to_index_map(env), config)
        }
        (Protocol::Airbyte, endpoint) => {
            let mut command = vec![catwalk_command(), "adapt".into(), "airbyte".into()];
            if args.connector.run.network != "bridge" {
                command.extend(["--network".into(), args.connector.run.network.clone()]);
            }
            let env = match endpoint {
                Endpoint::Image(image) => {
                    command.extend(["--image".into(), image.clone()]);
                    IndexMap::new()
                }
                Endpoint::Local {
                    command: wrapped,
                    env,
                } => {
                    command.push("--".into());
                    command.extend(wrapped.iter().cloned());
                    to_index_map(env)
                }
            };
            catalog::Endpoint::local(command, env, config)
        }
    }
}

fn to_index_map(env: &std::collections::BTreeMap<String, String>) -> IndexMap<String, String> {
    env.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// `catwalk` when this very binary is what PATH finds under that name; else its absolute path, so the
/// catalog runs wherever it is checked from on this machine.
fn catwalk_command() -> String {
    let me = std::env::current_exe()
        .ok()
        .and_then(|p| p.canonicalize().ok());
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("catwalk"))
            .find(|p| p.is_file())
            .and_then(|p| p.canonicalize().ok())
    });
    match (me, on_path) {
        (Some(me), Some(found)) if me == found => "catwalk".into(),
        (Some(me), _) => {
            output::warn(&format!(
                "this catwalk is not the one on your PATH, so the catalog names it by its path: {}",
                me.display()
            ));
            me.display().to_string()
        }
        _ => "catwalk".into(),
    }
}
