//! `catwalk check --source F`: load a catalog (following imports, resolving config and schema files), then for
//! each capture and materialization validate its config against the connector's schema and run the connector's
//! own validation, reporting per task and per binding. Any failure makes the exit code non-zero.

use super::args::{CheckArgs, RunArgs};
use super::{Failure, Outcome, exit, fields, output};
use crate::catalog::{self, LoadedTask};
use crate::connector::{Connector, Endpoint, Options};
use crate::model::{
    CollectionSpec, ConnectorKind, Protocol, ValidateBinding, ValidateRequest, Validated,
};
use crate::schema;

pub async fn run(args: CheckArgs) -> Outcome {
    let loaded = catalog::load(&args.source).map_err(|e| Failure::invalid(e.to_string()))?;
    check_structure(&loaded.files)?;
    check_collections(&loaded)?;
    let tasks: Vec<&LoadedTask> = loaded
        .captures
        .iter()
        .chain(&loaded.materializations)
        .filter(|t| args.names.is_empty() || args.names.contains(&t.name))
        .collect();
    if tasks.is_empty() {
        let what = if args.names.is_empty() {
            "no captures or materializations".to_string()
        } else {
            format!("none of the named tasks ({})", args.names.join(", "))
        };
        return Err(Failure::invalid(format!(
            "{} defines {what} (files read: {})",
            args.source.display(),
            loaded.files.len()
        )));
    }
    let mut failed = 0;
    let mut worst = exit::OK;
    let mut local = Vec::new();
    for task in &tasks {
        let kind = match task.kind {
            ConnectorKind::Capture => "capture",
            ConnectorKind::Materialize => "materialization",
        };
        output::note(&format!(
            "{kind} {} ({})",
            output::bold(&task.name),
            task.endpoint.describe()
        ));
        let outcome = check_task(task, &args).await;
        let reach = where_it_runs(task).await;
        output::note(&format!(
            "  where it can run: {}{}",
            reach.label(),
            reach
                .advice()
                .map(|a| format!("; to publish: {a}"))
                .unwrap_or_default()
        ));
        if !reach.is_publishable() {
            local.push(task.name.clone());
        }
        match outcome {
            Ok(lines) => {
                for line in lines {
                    output::note(&line);
                }
                output::note(&format!("  {} {kind} {}", output::green("ok"), task.name));
            }
            Err(Failure { kind, message }) => {
                failed += 1;
                if kind.rank() > worst.rank() {
                    worst = kind;
                }
                for (i, line) in message.lines().enumerate() {
                    if i == 0 {
                        output::note(&format!("  {} {line}", output::red("FAILED")));
                    } else {
                        output::note(&format!("  {line}"));
                    }
                }
            }
        }
    }
    let passed = tasks.len() - failed;
    if failed == 0 {
        if local.is_empty() {
            output::note(&format!(
                "Every task is publishable: `flowctl catalog publish --source {}`.",
                args.source.display()
            ));
        } else {
            output::note(&format!(
                "Not publishable yet ({}): see \"where it can run\" above.",
                local.join(", ")
            ));
        }
    }
    output::note(&format!(
        "{} checked: {passed} passed, {failed} failed.",
        plural(tasks.len(), "task")
    ));
    // Each task's failure has its kind (a missing sops key, a config off its schema, a connector's refusal);
    // the most telling one is the exit code.
    Ok(worst)
}

/// Where the task can run (`catalog::reach`), asking Docker whether an image endpoint's image was pushed.
async fn where_it_runs(task: &LoadedTask) -> catalog::Reach {
    let pushed = match &task.endpoint {
        catalog::Endpoint::Connector(c) => match crate::connector::DockerHost::connect().await {
            Ok(docker) => crate::connector::wrap::pushed(&docker, &c.image).await,
            Err(_) => None,
        },
        _ => None,
    };
    catalog::reach(&task.endpoint, pushed)
}

/// Every catalog file must match Flow's catalog schema, or `flowctl catalog publish` would reject it.
fn check_structure(files: &[std::path::PathBuf]) -> Result<(), Failure> {
    let mut message = String::new();
    for file in files {
        let text = std::fs::read_to_string(file)
            .map_err(|e| Failure::invalid(format!("cannot read {}: {e}", file.display())))?;
        let doc: serde_json::Value =
            catalog::parse_text(file, &text).map_err(|e| Failure::invalid(e.to_string()))?;
        if let Err(errors) = catalog::validate_flow_catalog(&doc) {
            message.push_str(&format!(
                "\n{} does not match Flow's catalog schema:",
                file.display()
            ));
            for e in errors.iter().take(20) {
                message.push_str(&format!("\n  - {e}"));
            }
            if errors.len() > 20 {
                message.push_str(&format!("\n  ... and {} more", errors.len() - 20));
            }
        }
    }
    if message.is_empty() {
        Ok(())
    } else {
        Err(Failure::invalid(format!(
            "the catalog is not valid Flow YAML; fix it before checking connectors:{message}"
        )))
    }
}

/// Every collection's schema must compile and declare its key, or Flow refuses the catalog at publish.
fn check_collections(loaded: &catalog::LoadedCatalog) -> Result<(), Failure> {
    let problems = catalog::loaded_collection_problems(loaded);
    if problems.is_empty() {
        return Ok(());
    }
    let list: String = problems.iter().map(|p| format!("\n  - {p}")).collect();
    Err(Failure::invalid(format!(
        "Flow would refuse {} of this catalog; fix the schema or the key before checking connectors:{list}",
        plural(problems.len(), "collection problem")
    )))
}

pub(super) fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// Where a task's config is, for messages: its file, or which inline config.
pub(super) fn config_place(task: &LoadedTask) -> String {
    task.config_file
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| {
            format!(
                "the inline config of {} in {}",
                task.name,
                task.file.display()
            )
        })
}

/// How to run a task's connector: its image, or its local command, which Flow runs with its own protocol.
pub(super) fn task_connector(
    task: &LoadedTask,
    run: &RunArgs,
) -> Result<(Endpoint, Options), String> {
    let (endpoint, protocol) = match &task.endpoint {
        catalog::Endpoint::Connector(c) => (Endpoint::Image(c.image.clone()), run.protocol),
        // Flow runs local endpoints with its own protocol; so do we.
        catalog::Endpoint::Local(l) => (
            Endpoint::Local {
                command: l.command.clone(),
                env: l.env.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            },
            Some(run.protocol.unwrap_or(Protocol::Flow)),
        ),
        catalog::Endpoint::Dekaf(_) => {
            return Err(
                "Dekaf endpoints run inside Flow's control plane: catwalk cannot check them".into(),
            );
        }
    };
    let opts = Options {
        protocol,
        kind: Some(task.kind),
        ..run.options()
    };
    Ok((endpoint, opts))
}

/// Check one task; on success, the per-binding lines to print; on failure, what and where, and its exit kind.
async fn check_task(task: &LoadedTask, args: &CheckArgs) -> Result<Vec<String>, Failure> {
    let config_place = config_place(task);
    // A sops-protected config is decrypted in memory only; the plaintext goes to the connector through a pipe.
    let decrypted = crate::secrets::decrypt(&task.config, &config_place)?;
    let (endpoint, mut opts) = task_connector(task, &args.run).map_err(Failure::invalid)?;
    // SSH: the connector's own tunnel is checked; a tunnel catwalk runs opens here, until this function ends.
    let ready = super::tunnel::prepare(&decrypted, &args.run).await?;
    opts.network = ready.network(&args.run.network).to_string();
    let config = &ready.config;
    let connector = Connector::open(endpoint, opts).await?;
    if connector.protocol() != Protocol::Flow {
        output::warn(&format!(
            "{} speaks the {} protocol, which Flow cannot run: `catwalk discover` writes such connectors as local \
             endpoints running `catwalk adapt {}`. Checking it directly anyway.",
            connector.subject(),
            connector.protocol(),
            connector.protocol()
        ));
    }
    if let Some(source) = &task.source {
        output::warn(&format!(
            "{} has `source: {source}`: Flow adds bindings for that capture's collections when it publishes; \
             catwalk checks only the bindings written out",
            task.name
        ));
    }
    let mut checked = Vec::new();
    let mut bindings = Vec::new();
    for b in task.bindings.iter().filter(|b| !b.disable) {
        let Some(collection) = &b.collection else {
            return Err(Failure::invalid(format!(
                "binding to collection {}: the collection is not defined in {} or its imports",
                b.collection_name,
                task.file.display()
            )));
        };
        checked.push(b);
        bindings.push(ValidateBinding {
            field_config: fields::field_config(b.fields.as_ref()),
            resource_config: b.resource.clone(),
            collection: CollectionSpec {
                name: collection.name.clone(),
                key: collection.key.clone(),
                write_schema: collection.write_schema.clone(),
                read_schema: collection.read_schema.clone(),
            },
            backfill: b.backfill,
        });
    }
    let disabled = task.bindings.len() - bindings.len();
    // The config and each resource config are checked against their schemas before the connector sees them.
    let (_spec, validated) = connector
        .spec_and_validate(|spec| {
            let mut msg = String::new();
            crate::secrets::register_secrets(&spec.config_schema, &decrypted);
            warn_plaintext_secrets(task, &spec.config_schema, &config_place, &args.source);
            let unusable = |what: &str, e| {
                Failure::new(exit::FAILED, format!("the connector's {what} schema cannot be used: {e}"))
            };
            let problems = schema::validate(&spec.config_schema, config)
                .map_err(|e| unusable("config", e))?;
            if !problems.is_empty() {
                msg.push_str(&format!("config {config_place} does not match the connector's schema:"));
                for p in &problems {
                    msg.push_str(&format!("\n  - {p}"));
                }
            }
            if spec.resource_config_schema.is_object() {
                for b in &checked {
                    let problems = schema::validate(&spec.resource_config_schema, &b.resource)
                        .map_err(|e| unusable("resource", e))?;
                    if !problems.is_empty() {
                        if !msg.is_empty() {
                            msg.push('\n');
                        }
                        msg.push_str(&format!(
                            "the resource of the binding to {} (in {}) does not match the connector's resource schema:",
                            b.collection_name,
                            task.file.display()
                        ));
                        for p in &problems {
                            msg.push_str(&format!("\n  - {p}"));
                        }
                    }
                }
            }
            if !msg.is_empty() {
                return Err(Failure::invalid(msg));
            }
            Ok(ValidateRequest {
                name: task.name.clone(),
                config: config.clone(),
                bindings,
            })
        })
        .await?;
    let validated: Validated = validated?;
    let mut lines = Vec::new();
    let mut refused = Vec::new();
    for (b, v) in checked.iter().zip(&validated.bindings) {
        let key = b
            .collection
            .as_ref()
            .map(|c| c.key.as_slice())
            .unwrap_or_default();
        let problems = fields::problems(b.fields.as_ref(), key, v);
        let summary = fields::summary(v);
        let mark = if problems.is_empty() {
            output::green("✓")
        } else {
            output::red("✗")
        };
        let mut line = format!(
            "  {mark} {}  {}",
            b.collection_name,
            output::dim(&v.resource_path.join("."))
        );
        if !summary.is_empty() {
            line.push_str(&format!(" ({summary})"));
        }
        lines.push(line);
        for p in problems {
            refused.push(format!("binding to {}: {p}", b.collection_name));
        }
    }
    if !refused.is_empty() {
        let mut msg = format!(
            "the connector refuses the field selection of {}:",
            plural(refused.len(), "binding field")
        );
        for line in lines.iter().chain(&refused) {
            msg.push_str(&format!("\n{line}"));
        }
        return Err(Failure::new(exit::FAILED, msg));
    }
    if disabled > 0 {
        lines.push(format!(
            "  {}",
            output::dim(&format!(
                "{} disabled, not checked",
                plural(disabled, "binding")
            ))
        ));
    }
    Ok(lines)
}

/// A plaintext config with secret values: say which task, which fields, and how to protect them.
fn warn_plaintext_secrets(
    task: &LoadedTask,
    schema: &serde_json::Value,
    config_place: &str,
    source: &std::path::Path,
) {
    let found = crate::secrets::plaintext_secrets(schema, &task.config);
    if found.is_empty() {
        return;
    }
    let fields: Vec<String> = found.iter().map(ToString::to_string).collect();
    let source = crate::connector::endpoint::shell_words(&[source.display().to_string()]);
    let them = if found.len() == 1 { "it" } else { "them" };
    let fix = if task.has_sops {
        format!(
            "It is encrypted with sops, but not {them}: decrypt the file (`sops decrypt -i FILE`), then run \
             `catwalk encrypt --source {source}` with its keys"
        )
    } else {
        format!(
            "Protect {them} with sops: `catwalk encrypt --source {source} --age RECIPIENT` (or --pgp, --kms, or a .sops.yaml)"
        )
    };
    output::warn(&format!(
        "{}: {config_place} holds {} in plaintext: {}. {fix}",
        task.name,
        plural(found.len(), "secret"),
        fields.join(", "),
    ));
}
