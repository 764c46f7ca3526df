//! Checking tasks: one implementation for `catwalk check` (a catalog's tasks: structure, collections, config
//! and resources against the connector's schemas, the connector's own validation, field selection) and for
//! the wizard (the connector's check of a config, the chosen bindings one by one). Each returns a typed
//! report the verb prints and the wizard shows; what happens meanwhile goes to a [`Reporter`].

use super::exit::{self, Failure};
use super::report::{Event, Reporter};
use super::{fields, secrets, tunnel};
use crate::catalog::{self, LoadedTask};
use crate::connector::{Connector, Endpoint, Options};
use crate::model::{CollectionSpec, Protocol, ValidateBinding, ValidateRequest, Validated};
use crate::schema;
use crate::text::plural;
use crate::tunnel::HostKeyPolicy;
use serde_json::Value;
use std::path::Path;

/// Every catalog file must match Flow's catalog schema, or `flowctl catalog publish` would reject it.
pub fn structure(files: &[std::path::PathBuf]) -> Result<(), Failure> {
    let mut message = String::new();
    for file in files {
        let text = std::fs::read_to_string(file)
            .map_err(|e| Failure::invalid(format!("cannot read {}: {e}", file.display())))?;
        let doc: Value =
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
pub fn collections(loaded: &catalog::LoadedCatalog) -> Result<(), Failure> {
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

/// How to run a task's connector: its image (with `protocol`, if told), or its local command, which Flow
/// runs with its own protocol. `base` carries the sinks, timeout, network and cache.
pub fn task_connector(
    task: &LoadedTask,
    protocol: Option<Protocol>,
    base: Options,
) -> Result<(Endpoint, Options), String> {
    let (endpoint, protocol) = super::task::endpoint(task, protocol)?;
    let opts = Options {
        protocol,
        kind: Some(task.kind),
        ..base
    };
    Ok((endpoint, opts))
}

/// How a catalog's tasks are run for checking.
pub struct TaskRun<'a> {
    /// Options for every connector (sinks, timeout, network, cache).
    pub base: Options,
    /// `--protocol`, if told.
    pub protocol: Option<Protocol>,
    pub policy: HostKeyPolicy,
    /// The catalog named on the command line, for the commands a message suggests.
    pub source: &'a Path,
}

/// One checked binding: where, what the connector says of its fields, and what it refuses.
#[derive(Debug, Clone)]
pub struct BindingReport {
    pub collection: String,
    pub resource_path: Vec<String>,
    /// `2 required, 5 recommended fields` (see [`fields::summary`]).
    pub summary: String,
    /// The field selection the connector refuses, one line each.
    pub problems: Vec<String>,
    /// A materialization binding's field selection by Flow's rules (as far as it goes when `problems`
    /// has conflicts); `None` for captures.
    pub selection: Option<fields::Selection>,
}

/// What checking one task found, when its connector could be asked.
#[derive(Debug, Clone, Default)]
pub struct TaskReport {
    pub bindings: Vec<BindingReport>,
    /// Disabled bindings, not checked.
    pub disabled: usize,
}

impl TaskReport {
    /// Every refused field of every binding, as `binding to C: field F …`.
    pub fn refused(&self) -> Vec<String> {
        self.bindings
            .iter()
            .flat_map(|b| {
                b.problems
                    .iter()
                    .map(move |p| format!("binding to {}: {p}", b.collection))
            })
            .collect()
    }
}

/// The problems of `value` against `schema` (a connector's config or resource schema, `what`), as lines;
/// a schema that cannot be used is the connector's failure.
pub fn schema_problems(schema: &Value, value: &Value, what: &str) -> Result<Vec<String>, Failure> {
    schema::validate(schema, value)
        .map(|problems| problems.iter().map(ToString::to_string).collect())
        .map_err(|e| {
            Failure::new(
                exit::FAILED,
                format!("the connector's {what} schema cannot be used: {e}"),
            )
        })
}

/// Check one task of a loaded catalog: decrypt its config (in memory), prepare its tunnel, check the config
/// and each enabled binding's resource against the connector's schemas, then the connector's validation and
/// the field selection it allows.
pub async fn task(
    task: &LoadedTask,
    run: &TaskRun<'_>,
    report: &Reporter,
) -> Result<TaskReport, Failure> {
    let config_place = super::task::config_place(task);
    // A sops-protected config is decrypted in memory only; the plaintext goes to the connector through a pipe.
    let decrypted = secrets::decrypt(&task.config, &config_place).await?;
    let (endpoint, mut opts) =
        task_connector(task, run.protocol, run.base.clone()).map_err(Failure::invalid)?;
    // SSH: the connector's own tunnel is checked; a tunnel catwalk runs opens here, until this function ends.
    let ready = tunnel::prepare(&decrypted, &run.policy, report).await?;
    opts.network = ready.network(&run.base.network).to_string();
    let config = &ready.config;
    let connector = Connector::open(endpoint, opts).await?;
    if connector.protocol() != Protocol::Flow {
        report(Event::Warn(format!(
            "{} speaks the {} protocol, which Flow cannot run: `catwalk discover` writes such connectors as local \
             endpoints running `catwalk adapt {}`. Checking it directly anyway.",
            connector.subject(),
            connector.protocol(),
            connector.protocol()
        )));
    }
    if let Some(source) = &task.source {
        report(Event::Warn(format!(
            "{} has `source: {source}`: Flow adds bindings for that capture's collections when it publishes; \
             catwalk checks only the bindings written out",
            task.name
        )));
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
            secrets::register(&spec.config_schema, &decrypted);
            warn_plaintext_secrets(task, &spec.config_schema, &config_place, run.source, report);
            let problems = schema_problems(&spec.config_schema, config, "config")?;
            if !problems.is_empty() {
                msg.push_str(&format!("config {config_place} does not match the connector's schema:"));
                for p in &problems {
                    msg.push_str(&format!("\n  - {p}"));
                }
            }
            if spec.resource_config_schema.is_object() {
                for b in &checked {
                    let problems =
                        schema_problems(&spec.resource_config_schema, &b.resource, "resource")?;
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
    let materialization = task.kind == crate::model::ConnectorKind::Materialize;
    let bindings = checked
        .iter()
        .zip(&validated.bindings)
        .map(|(b, v)| {
            let mut report = BindingReport {
                collection: b.collection_name.clone(),
                resource_path: v.resource_path.clone(),
                summary: fields::summary(v),
                problems: Vec::new(),
                selection: None,
            };
            if let (true, Some(c)) = (materialization, &b.collection) {
                let collection = super::materialize::collection_spec(c);
                match crate::catalog::FieldChoices::from_value(b.fields.as_ref()) {
                    Err(e) => report.problems.push(e),
                    Ok(choices) => match fields::select(&collection, v, &choices) {
                        Ok(s) => report.selection = Some(s),
                        Err(e) => {
                            report.problems = e.conflicts.iter().map(ToString::to_string).collect();
                            report.selection = Some(*e.selection);
                        }
                    },
                }
            }
            report
        })
        .collect();
    Ok(TaskReport { bindings, disabled })
}

/// A plaintext config with secret values: say which task, which fields, and how to protect them.
fn warn_plaintext_secrets(
    task: &LoadedTask,
    schema: &Value,
    config_place: &str,
    source: &Path,
    report: &Reporter,
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
    report(Event::Warn(format!(
        "{}: {config_place} holds {} in plaintext: {}. {fix}",
        task.name,
        plural(found.len(), "secret"),
        fields.join(", "),
    )));
}

/// The connector's own check of `config`: Flow validate of the capture `name` without bindings, Airbyte
/// `check`.
pub async fn config(connector: &Connector, name: &str, config: &Value) -> Result<(), Failure> {
    let req = ValidateRequest {
        name: name.to_string(),
        config: config.clone(),
        bindings: Vec::new(),
    };
    connector
        .validate(&req)
        .await
        .map(drop)
        .map_err(Failure::from)
}

/// The connector's verdict on one chosen binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BindingVerdict {
    Passed,
    /// The connector's (or the resource schema's) message for this binding.
    Failed(String),
    /// Not known on its own (the whole check failed and the bindings were too many to try one by one).
    Unknown,
}

/// What the check of chosen bindings found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingsCheck {
    /// One per chosen binding, in the order of the request.
    pub verdicts: Vec<BindingVerdict>,
    /// A failure that is not one binding's (the config, or the connector itself).
    pub overall: Option<String>,
    /// How the bindings were checked, one line (e.g. "Flow validate with the 3 bindings").
    pub how: String,
}

impl BindingsCheck {
    pub fn failed(&self) -> usize {
        self.verdicts
            .iter()
            .filter(|v| matches!(v, BindingVerdict::Failed(_)))
            .count()
    }

    pub fn passed(&self) -> bool {
        self.overall.is_none() && self.failed() == 0
    }
}

/// At most this many bindings are validated one by one to find which fail, when validating them together
/// failed: each is one more connector run.
pub const ONE_BY_ONE: usize = 20;

/// The check of chosen bindings: each resource config against the resource schema, then the connector's
/// validate with the bindings that passed (the request `catwalk check` sends; for Airbyte and Singer the
/// validate `catwalk adapt` answers Flow with). When that fails and several bindings were asked about, each
/// is validated alone (up to [`ONE_BY_ONE`]) to say which fail; when every one fails alone with the same
/// message, the failure is the config's, not the bindings'. The connector is opened only when some binding
/// is to be asked about.
pub async fn bindings(
    endpoint: Endpoint,
    opts: Options,
    protocol: Protocol,
    name: &str,
    config: &Value,
    bindings: &[ValidateBinding],
    resource_schema: &Value,
) -> Result<BindingsCheck, Failure> {
    let mut verdicts = vec![BindingVerdict::Passed; bindings.len()];
    if resource_schema.is_object() {
        for (i, b) in bindings.iter().enumerate() {
            let problems = schema_problems(resource_schema, &b.resource_config, "resource")?;
            if !problems.is_empty() {
                verdicts[i] = BindingVerdict::Failed(format!(
                    "its resource does not match the connector's resource schema: {}",
                    problems.join("; ")
                ));
            }
        }
    }
    let asked: Vec<usize> = (0..bindings.len())
        .filter(|i| verdicts[*i] == BindingVerdict::Passed)
        .collect();
    let how = match protocol {
        Protocol::Flow => format!(
            "Flow validate with the {} chosen, as `catwalk check` runs it",
            plural(bindings.len(), "binding")
        ),
        p => format!(
            "{p} check, then each stream looked up in its discover: what `catwalk adapt` answers Flow's validate with"
        ),
    };
    let mut out = BindingsCheck {
        verdicts,
        overall: None,
        how,
    };
    if asked.is_empty() {
        return Ok(out);
    }
    let connector = Connector::open(endpoint, opts).await?;
    let request = |which: &[usize]| ValidateRequest {
        name: name.to_string(),
        config: config.clone(),
        bindings: which.iter().map(|i| bindings[*i].clone()).collect(),
    };
    let all = match connector.validate(&request(&asked)).await {
        Ok(_) => return Ok(out),
        Err(e) => e.to_string(),
    };
    if asked.len() == 1 {
        out.verdicts[asked[0]] = BindingVerdict::Failed(all);
        return Ok(out);
    }
    if asked.len() > ONE_BY_ONE {
        for i in &asked {
            out.verdicts[*i] = BindingVerdict::Unknown;
        }
        out.overall = Some(format!(
            "{all} (with {} bindings, they are not tried one by one: check them with `catwalk check` after \
             saving, or choose fewer)",
            asked.len()
        ));
        return Ok(out);
    }
    let mut messages = Vec::new();
    for i in &asked {
        if let Err(e) = connector.validate(&request(&[*i])).await {
            let e = e.to_string();
            messages.push(e.clone());
            out.verdicts[*i] = BindingVerdict::Failed(e);
        }
    }
    if messages.len() == asked.len() && messages.iter().all(|m| *m == messages[0]) {
        // Every binding fails alone the same way: the config (or the connector) is at fault.
        for i in &asked {
            out.verdicts[*i] = BindingVerdict::Unknown;
        }
        out.overall = Some(all);
    } else if messages.is_empty() {
        // Each passes alone, not together.
        out.overall = Some(format!(
            "the bindings pass one by one but not together: {all}"
        ));
    }
    Ok(out)
}
