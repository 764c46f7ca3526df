//! `catwalk discover`, with flowctl's semantics: the first run writes a commented config stub
//! (`<dir>/<name>.config.yaml`, mode 0600, never overwriting) and says what to do next; later runs validate the
//! config against the connector's schema (no discover on an invalid config), discover, and write
//! `<name>.flow.yaml` with the capture, its collections and their schema files, merged with what exists.
//! For a Singer tap whose config exists, the spec and the discover run side by side (see `run`).
//! A sops-protected config is decrypted in memory ([`crate::secrets`]). The work is `ops::discover` and
//! `ops::save`, shared with the wizard; this verb runs it in order and prints.
//! `--wrap TAG` wraps the Airbyte image for Flow first (`catwalk image wrap`) and writes TAG as the
//! capture's image. A materialization connector gets the same stub first; later runs bind the collections of
//! the source catalogs instead of discovering (`discover_materialize.rs`).

use super::args::DiscoverArgs;
use super::{Failure, Outcome, exit, output};
use crate::catalog::{self, WriteMode};
use crate::connector::{Connector, Endpoint, Options};
use crate::model::{ConnectorKind, DiscoveredBinding, Protocol, Spec};
use crate::ops::discover as ops_discover;
use crate::schema;
use serde_json::Value;
use std::path::{Path, PathBuf};

pub use crate::ops::discover::{check_config, config_for};

#[path = "discover_materialize.rs"]
mod materialize;

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
            Endpoint::Local { command, .. } => catalog::local_connector_name(
                &crate::connector::endpoint::program_name(command)
                    .into_iter()
                    .collect::<Vec<_>>(),
            ),
        },
    };
    // Before anything runs: a name with a `.`/`..` part would write outside the directory.
    catalog::validate_name("--name", &name)
        .and_then(|()| catalog::validate_name("capture name", &format!("{prefix}/{name}")))
        .map_err(|e| Failure::new(exit::USAGE, e.to_string()))?;
    let config_path = dir.join(catalog::config_file_name(&name));
    let opts = args.connector.run.options();
    // --wrap: the Airbyte image is wrapped for Flow first, and discovered through (and written as) the wrap.
    let endpoint = match (&args.wrap, &endpoint) {
        (Some(tag), Endpoint::Image(image)) => {
            super::image::wrap(image, tag).await?;
            Endpoint::Image(tag.clone())
        }
        _ => endpoint,
    };

    // A Singer tap's discover does not need its spec: when the config exists, `--about` (the spec, and the
    // probe) and `--discover` run side by side, so catwalk adds little to the tap's own time.
    let tap = opts.protocol == Some(Protocol::Singer)
        || (opts.protocol.is_none() && endpoint.looks_like_singer_tap());
    if tap && config_path.exists() {
        let config = read_config(&config_path).await?;
        let forced = opts.protocol.is_some();
        let singer = Options {
            protocol: Some(Protocol::Singer),
            ..opts.clone()
        };
        let mut connector = Connector::open(endpoint.clone(), singer).await?;
        // SSH: as below; the tap discovers through a tunnel catwalk runs.
        let ready = tunnel(&config, &args).await?;
        connector.set_network(ready.network(&args.connector.run.network));
        // The secrets are registered before anything the tap logged is shown.
        let (spec, bindings) = connector
            .singer_spec_and_discover(&ready.config, forced, |spec| {
                crate::ops::secrets::register(&spec.config_schema, &config)
            })
            .await;
        match spec {
            Ok(spec) => {
                check_config(&spec, &ready.config, &config_path)?;
                let target = Target {
                    prefix,
                    dir,
                    name,
                    endpoint,
                    pushed: None,
                };
                return write_catalog(&args, target, &spec, bindings?);
            }
            Err(e) if forced => return Err(e.into()),
            // Named tap-* but not a Singer tap: find out what it is.
            Err(e) => tracing::debug!("not a Singer tap after all ({e}); probing"),
        }
    }

    let mut connector = Connector::open(endpoint.clone(), opts).await?;
    let spec = connector.spec().await?;
    if spec.kind == ConnectorKind::Materialize && args.wrap.is_some() {
        return Err(Failure::new(
            exit::USAGE,
            format!(
                "--wrap wraps an Airbyte source for Flow, but {} is a materialization connector",
                connector.subject()
            ),
        ));
    }

    if !config_path.exists() {
        write_stub(&config_path, &spec, &connector.subject(), &args)?;
        return Ok(exit::STUB_WRITTEN);
    }

    let config = read_config(&config_path).await?;
    crate::ops::secrets::register(&spec.config_schema, &config);
    // SSH: the connector's own tunnel is checked; a tunnel catwalk runs opens here, until this function ends.
    let ready = tunnel(&config, &args).await?;
    connector.set_network(ready.network(&args.connector.run.network));
    let config = ready.config.clone();
    check_config(&spec, &config, &config_path)?;
    let config = config_for(&spec, config);
    if spec.kind == ConnectorKind::Materialize {
        let pushed = match &endpoint {
            Endpoint::Image(image) => crate::ops::reach::image_pushed(image).await,
            Endpoint::Local { .. } => None,
        };
        let place = materialize::Place {
            prefix,
            dir,
            name,
            endpoint,
            pushed,
        };
        return materialize::run(&args, &connector, &spec, &config, place).await;
    }
    let bindings = ops_discover::bindings(&connector, &config).await?;
    // Whether an image endpoint's image is in its registry (a fresh --wrap is not, until pushed).
    let pushed = match &endpoint {
        Endpoint::Image(image) => crate::ops::reach::image_pushed(image).await,
        Endpoint::Local { .. } => None,
    };
    let target = Target {
        prefix,
        dir,
        name,
        endpoint,
        pushed,
    };
    write_catalog(&args, target, &spec, bindings)
}

/// The SSH tunnel `config` asks for, checked or opened (see `ops::tunnel::prepare`), until it is dropped.
async fn tunnel(config: &Value, args: &DiscoverArgs) -> Result<crate::ops::tunnel::Ready, Failure> {
    let policy = args.connector.run.policy();
    crate::ops::tunnel::prepare(config, &policy, &output::reporter()).await
}

/// Where the catalog goes.
struct Target {
    prefix: String,
    dir: PathBuf,
    name: String,
    endpoint: Endpoint,
    /// For an image: whether Docker knows it from its registry (see `catalog::reach`).
    pushed: Option<bool>,
}

/// Plan and write `<name>.flow.yaml`, its collections and schemas, merged with what exists; say what was done.
fn write_catalog(
    args: &DiscoverArgs,
    target: Target,
    spec: &Spec,
    bindings: Vec<DiscoveredBinding>,
) -> Outcome {
    let Target {
        prefix,
        dir,
        name,
        endpoint,
        pushed,
    } = target;
    let target = ops_discover::Target {
        prefix: &prefix,
        name: &name,
        endpoint: &endpoint,
        protocol: spec.protocol,
        network: Some(args.connector.run.network.as_str()),
    };
    let (discovery, warning) =
        ops_discover::discovery(&target, bindings, None, spec.resource_path_pointers.clone());
    if let Some(w) = warning {
        output::warn(&w);
    }
    let options = catalog::PlanOptions {
        replace: false,
        force: args.force,
    };
    let outcome = crate::ops::save::plan_discovered(&dir, discovery, options, output::warn)?;
    // Re-discovery into an existing catalog: the reviewed diff first (hand edits and comments are kept).
    if !outcome.diff.is_empty() {
        output::note(outcome.diff.to_string().trim_end());
    }
    let Some(summary) = write_unless_dry(args, &outcome.plan)? else {
        return Ok(exit::OK);
    };

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
    print_next(
        &capture.endpoint,
        pushed,
        &outcome.flow_file,
        "the bindings",
    );
    Ok(exit::OK)
}

/// Write the plan (all or nothing), or with `--dry-run` only say what it would write (`None`).
fn write_unless_dry(
    args: &DiscoverArgs,
    plan: &catalog::Plan,
) -> Result<Option<catalog::WriteSummary>, Failure> {
    if args.dry_run {
        output::note(&format!(
            "Dry run: nothing written. Would write ({}):\n{}",
            plan.summary(),
            plan.to_string().trim_end()
        ));
        return Ok(None);
    }
    Ok(Some(plan.write_all()?))
}

/// Say where the task can run (and warn when its endpoint names programs by path), then what to do next:
/// review `what`, check, and publish when it can be.
fn print_next(endpoint: &catalog::Endpoint, pushed: Option<bool>, flow_file: &Path, what: &str) {
    let reach = catalog::reach(endpoint, pushed);
    if let Some(w) = catalog::machine_bound(endpoint) {
        output::warn(&w);
    }
    output::note(&format!(
        "  Where it can run: {}{}",
        reach.label(),
        reach
            .advice()
            .map(|a| format!(" (to publish: {a})"))
            .unwrap_or_default()
    ));
    output::note(&format!(
        "Next: review {what}, then `catwalk check --source {}`{}.",
        flow_file.display(),
        if reach.is_publishable() {
            format!(
                "; publish with `flowctl catalog publish --source {}`",
                flow_file.display()
            )
        } else {
            String::new()
        }
    ));
}

fn write_stub(path: &Path, spec: &Spec, subject: &str, args: &DiscoverArgs) -> Result<(), Failure> {
    if args.dry_run {
        output::note(&format!(
            "Dry run: nothing written. Would write a config stub at {} (there is no config yet).",
            path.display()
        ));
        return Ok(());
    }
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
            Failure::new(
                exit::ENVIRONMENT,
                format!("cannot create directory {}: {e}", parent.display()),
            )
        })?;
    }
    catalog::write_atomic(
        path,
        format!("{header}{stub}").as_bytes(),
        WriteMode::CreateNew,
        Some(0o600),
    )?;
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
    if let Some(t) = &args.wrap {
        words.extend(["--wrap".into(), t.clone()]);
    }
    for s in &args.sources {
        words.extend(["--source".into(), s.display().to_string()]);
    }
    for (on, flag) in [
        (args.delta_updates, "--delta-updates"),
        (args.with_schema, "--with-schema"),
        (args.skip_invalid, "--skip-invalid"),
    ] {
        if on {
            words.push(flag.into());
        }
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

/// Read a YAML or JSON config file (decrypted in memory; see `ops::discover::read_config`).
pub async fn read_config(path: &Path) -> Result<Value, Failure> {
    ops_discover::read_config(path).await
}
