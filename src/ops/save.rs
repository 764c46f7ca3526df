//! Writing a task's catalog: plan every file (the task from its [`TaskDraft`], merged into an existing
//! `<name>.flow.yaml` or replacing it, plus the config file with mode 0600) with the catalog code, show
//! what would change, and write it all or nothing. A config to protect is encrypted with sops in memory
//! when saving: the plaintext is never written. `catwalk discover` writes through [`plan_discovered`], the
//! wizard through [`plan`] and [`save`] (a materialization's files: `save_materialization`).

use super::discover::{self, Target};
use super::exit::{self, Failure};
use crate::catalog::{self, DiscoverOutcome, Discovery, FileStatus, PlanOptions, TaskDraft};
use crate::connector::Endpoint;
use crate::model::{ConnectorKind, Protocol};
use crate::secrets::Protection;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Plan `discovery` in `dir` (discover's write: merged with what exists, hand edits kept, with the diff of
/// a re-discovery); the plan's warnings go to `warn`. The caller shows the diff and writes the plan (all or
/// nothing) unless it only previews.
pub fn plan_discovered(
    dir: &Path,
    discovery: Discovery,
    options: PlanOptions,
    warn: impl Fn(&str),
) -> Result<DiscoverOutcome, Failure> {
    let outcome = catalog::plan_capture_with(dir, discovery, options)
        .map_err(|e| Failure::invalid(e.to_string()))?;
    for w in &outcome.warnings {
        warn(w);
    }
    Ok(outcome)
}

/// Everything a save needs: where, the task as drafted, and how to protect the config.
#[derive(Clone)]
pub struct Request {
    /// The directory as typed (`~` is `home`; relative to the current directory).
    pub dir: String,
    pub home: Option<PathBuf>,
    /// The task to write, capture or materialization (shared: a capture's schemas are never copied); its
    /// files are `<name>.flow.yaml`, `<name>.config.yaml`.
    pub task: Arc<TaskDraft>,
    pub endpoint: Endpoint,
    pub protocol: Protocol,
    pub resource_path_pointers: Vec<String>,
    /// The endpoint config (secrets in clear).
    pub config: Value,
    /// The connector's config schema: which fields are secret.
    pub config_schema: Value,
    /// Replace an existing catalog file instead of merging into it.
    pub replace: bool,
    /// The person confirmed writing over files whose contents differ.
    pub confirmed: bool,
    /// Write the config encrypted with sops this way (`None`: plaintext, mode 0600).
    pub protection: Option<Protection>,
    /// `$SOPS_AGE_RECIPIENTS`, shown as the default recipients.
    pub env_age_recipients: Option<String>,
    /// Wrap the Airbyte image for Flow as this tag (`catwalk image wrap`) and write it as the endpoint.
    pub wrap: Option<String>,
    /// Leave the config file as it is (an opened config that did not change: sops would re-encrypt every
    /// value, and a diff would show them all).
    pub keep_config: bool,
}

/// What a save would do, shown before it happens.
#[derive(Debug, Clone, PartialEq)]
pub struct SavePreview {
    /// The directory, absolute.
    pub dir: PathBuf,
    /// Paths relative to `dir`, with how each compares with the disk, in writing order.
    pub files: Vec<(String, FileStatus)>,
    /// `<name>.flow.yaml` as it would be written.
    pub flow_yaml: String,
    /// The merge report's summary, when an existing catalog file is merged into.
    pub merged: Option<String>,
    /// The existing catalog file is replaced, not merged into.
    pub replace: bool,
    /// What a merge keeps from the existing catalog against the person's choices (a binding's collection
    /// name, its `disable`), one line each.
    pub kept_as_is: Vec<String>,
    pub warnings: Vec<String>,
    /// Secret fields of the config written in plaintext ("Password (/password)"), when not protected.
    pub plaintext_secrets: Vec<String>,
    /// The `.sops.yaml` that applies to the directory (nearest up from it), if any.
    pub sops_rules: Option<PathBuf>,
    /// `$SOPS_AGE_RECIPIENTS`, when set: the default age recipients.
    pub env_age_recipients: Option<String>,
    /// What the save changes in an existing catalog, binding by binding (empty for a new one).
    pub diff: catalog::Diff,
}

impl SavePreview {
    /// Whether writing would change a file that exists, or a merge would keep the file's choices over the
    /// person's (either way the person must choose merge or overwrite).
    pub fn touches_existing(&self) -> bool {
        !self.kept_as_is.is_empty() || self.files.iter().any(|(_, s)| *s == FileStatus::Changed)
    }
}

/// What a save wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct SaveDone {
    /// Absolute paths.
    pub flow_file: PathBuf,
    pub config_file: PathBuf,
    pub written: usize,
    pub unchanged: usize,
    pub capture: String,
    /// The capture's endpoint as written, and whether Docker knows its image from a registry (see
    /// `catalog::reach`): where the catalog can run.
    pub endpoint: Option<catalog::Endpoint>,
    pub pushed: Option<bool>,
}

impl SaveDone {
    /// Where the saved capture can run (`None` before the endpoint is known).
    pub fn reach(&self) -> Option<catalog::Reach> {
        self.endpoint
            .as_ref()
            .map(|e| catalog::reach(e, self.pushed))
    }
}

/// The directory as typed, made absolute: `~` is `home`, a relative path is under the current directory,
/// empty is the current directory.
pub fn resolve_dir(typed: &str, home: Option<&Path>) -> Result<PathBuf, Failure> {
    let path = crate::text::expand_home(typed.trim(), home).map_err(Failure::invalid)?;
    let path = if path.is_absolute() {
        path
    } else {
        std::env::current_dir()
            .map_err(|e| {
                Failure::new(
                    exit::ENVIRONMENT,
                    format!("cannot find the current directory: {e}"),
                )
            })?
            .join(path)
    };
    // `.` parts say nothing: `/home/ana/./x` is `/home/ana/x`.
    Ok(path
        .components()
        .filter(|c| *c != std::path::Component::CurDir)
        .collect())
}

fn discovery(req: &Request) -> Discovery {
    // Wrapped for Flow: the wrap is a Flow image.
    let (endpoint, protocol) = match &req.wrap {
        Some(tag) => (Endpoint::Image(tag.clone()), Protocol::Flow),
        None => (req.endpoint.clone(), req.protocol),
    };
    let target = Target {
        prefix: &req.task.prefix,
        name: &req.task.name,
        endpoint: &endpoint,
        protocol,
        network: None,
    };
    let chosen = req.task.capture_bindings();
    let targets = chosen.iter().map(|(_, t)| t.clone()).collect();
    let bindings = chosen.into_iter().map(|(b, _)| b).collect();
    discover::discovery(
        &target,
        bindings,
        Some(targets),
        req.resource_path_pointers.clone(),
    )
    .0
}

/// Plan every file (nothing is written): the directory, the outcome, and whether the catalog file existed.
pub(crate) fn plan_files(req: &Request) -> Result<(PathBuf, DiscoverOutcome, bool), Failure> {
    let dir = resolve_dir(&req.dir, req.home.as_deref())?;
    if dir.is_file() {
        return Err(Failure::invalid(format!(
            "{} is a file: give a directory to write the catalog in",
            dir.display()
        )));
    }
    let flow_file = flow_file(req, &dir);
    let existed = flow_file.exists();
    // The person chose these bindings: new ones are added enabled (a re-discovery alone adds them
    // disabled, so that a binding deleted by hand never comes back enabled).
    let mut choices: HashMap<String, catalog::Choice> = req
        .task
        .capture_bindings()
        .iter()
        .map(|(b, _)| {
            let id = catalog::resource_id(&b.resource_config, &req.resource_path_pointers);
            (id.to_string(), catalog::Choice::Accept)
        })
        .collect();
    choices.extend(req.task.choices.iter().map(|(id, c)| (id.clone(), *c)));
    let options = PlanOptions {
        replace: req.replace,
        force: false,
    };
    let mut outcome = catalog::plan_capture_editing(
        &dir,
        discovery(req),
        options,
        &choices,
        &req.task.renames(),
        Some(&flow_file),
    )
    .map_err(|e| Failure::invalid(e.to_string()))?;
    if !req.keep_config {
        outcome
            .add_config(
                &dir,
                &config_file(req, &dir)?.display().to_string(),
                &req.config,
            )
            .map_err(|e| Failure::invalid(e.to_string()))?;
    }
    Ok((dir, outcome, existed))
}

/// The catalog file a save writes: an edited task's own file, else `<dir>/<name>.flow.yaml`.
pub(super) fn flow_file(req: &Request, dir: &Path) -> PathBuf {
    match &req.task.files {
        Some(f) => dir.join(f.catalog.file_name().unwrap_or(f.catalog.as_os_str())),
        None => dir.join(catalog::flow_file_name(&req.task.name)),
    }
}

/// The config file a save writes, relative to `dir` where it is inside it: an edited task's own file,
/// else `<name>.config.yaml`. An edited task whose config is inline in its catalog keeps it there, so it
/// can only be saved with the config unchanged.
pub(super) fn config_file(req: &Request, dir: &Path) -> Result<PathBuf, Failure> {
    match &req.task.files {
        None => Ok(PathBuf::from(catalog::config_file_name(&req.task.name))),
        Some(f) => match &f.config {
            Some(c) => {
                let c = resolve_dir(&c.display().to_string(), None)?;
                Ok(c.strip_prefix(dir).map(Path::to_path_buf).unwrap_or(c))
            }
            None if req.keep_config => Ok(PathBuf::from(catalog::config_file_name(&req.task.name))),
            None => Err(Failure::invalid(format!(
                "the config of {} is written inline in {}: the wizard saves an inline config back only \
                 unchanged. Move it into a file (`config: {}`) to change it here, or undo the change",
                req.task.full_name(),
                f.catalog.display(),
                catalog::config_file_name(&req.task.name)
            ))),
        },
    }
}

/// What merging keeps from the existing catalog against the person's choices: bindings already in the
/// file keep their collection and their `disable` there (see `catalog::merge`).
fn kept_as_is(req: &Request, outcome: &DiscoverOutcome, existed: bool) -> Vec<String> {
    if !existed || req.replace {
        return Vec::new();
    }
    let bindings = req.task.capture_bindings();
    let renames = req.task.renames();
    let chosen: HashMap<String, &str> = bindings
        .iter()
        .map(|(b, target)| {
            let id = catalog::resource_id(&b.resource_config, &req.resource_path_pointers);
            (id.to_string(), target.as_str())
        })
        .collect();
    let mut out = Vec::new();
    for k in &outcome.report.kept {
        let Some(wanted) = chosen.get(&k.resource) else {
            continue;
        };
        if *wanted != k.target && !renames.contains_key(&k.resource) {
            out.push(format!("{wanted} stays {} as in the file", k.target));
        }
        if k.disable {
            out.push(format!("{} stays disabled as in the file", k.target));
        }
    }
    out
}

/// Refuses a plan that would change a file that exists, when the person has not chosen merge or
/// overwrite.
pub(super) fn unconfirmed_change(plan: &catalog::Plan) -> Result<(), Failure> {
    match plan
        .files()
        .iter()
        .find(|f| f.status == FileStatus::Changed)
    {
        Some(f) => Err(Failure::invalid(format!(
            "{} exists and would change: choose to merge or to overwrite first",
            f.path.display()
        ))),
        None => Ok(()),
    }
}

/// The `.sops.yaml` (or `.sops.yml`) sops would use for files in `dir`: the nearest up from it.
pub fn sops_rules(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .flat_map(|d| [d.join(".sops.yaml"), d.join(".sops.yml")])
        .find(|f| f.is_file())
}

pub(super) fn relative(path: &Path, dir: &Path) -> String {
    path.strip_prefix(dir).unwrap_or(path).display().to_string()
}

/// The secret fields of `config` a save writes in plaintext ("Password (/password)"): all of them
/// when it is not protected, none when it is. Protecting only the secret fields of a config that has
/// none set is an error (there is nothing to encrypt).
pub fn plaintext_secrets(
    schema: &Value,
    config: &Value,
    protection: Option<&Protection>,
) -> Result<Vec<String>, Failure> {
    let secrets = crate::secrets::plaintext_secrets(schema, config);
    match protection {
        None => Ok(secrets.iter().map(ToString::to_string).collect()),
        Some(p) if p.scope == crate::secrets::Scope::Secrets && secrets.is_empty() => {
            Err(Failure::invalid(
                "no field the connector marks secret has a value, so there is nothing to encrypt: choose \
                 \"whole document\" or \"off\"",
            ))
        }
        Some(_) => Ok(Vec::new()),
    }
}

/// What a save would write, for the review screen.
pub fn plan(req: &Request) -> Result<SavePreview, Failure> {
    if req.task.kind == ConnectorKind::Materialize {
        return super::save_materialization::plan(req);
    }
    let (dir, outcome, existed) = plan_files(req)?;
    let flow_yaml = outcome
        .plan
        .files()
        .iter()
        .find(|f| f.path == outcome.flow_file)
        .map(|f| String::from_utf8_lossy(&f.contents).into_owned())
        .unwrap_or_default();
    let mut warnings = outcome.warnings.clone();
    if let (_, Some(w)) = catalog::catwalk_command()
        && req.protocol != Protocol::Flow
        && req.wrap.is_none()
    {
        warnings.push(w);
    }
    if let Some(w) = outcome
        .files
        .catalog
        .captures
        .get(&outcome.capture_name)
        .and_then(|c| catalog::machine_bound(&c.endpoint))
    {
        warnings.push(w);
    }
    let plaintext_secrets =
        plaintext_secrets(&req.config_schema, &req.config, req.protection.as_ref())?;
    Ok(SavePreview {
        plaintext_secrets,
        sops_rules: sops_rules(&dir),
        env_age_recipients: req.env_age_recipients.clone(),
        files: outcome
            .plan
            .files()
            .iter()
            .map(|f| (relative(&f.path, &dir), f.status))
            .collect(),
        flow_yaml,
        merged: (existed && !req.replace).then(|| outcome.report.summary()),
        kept_as_is: kept_as_is(req, &outcome, existed),
        replace: req.replace && existed,
        warnings,
        diff: outcome.diff.clone(),
        dir,
    })
}

/// Plan again and write. Refused when a file that exists would change and the person has not confirmed
/// (merge or overwrite). Blocking (sops runs here): call it from a blocking thread.
pub fn save(req: &Request) -> Result<SaveDone, Failure> {
    if req.task.kind == ConnectorKind::Materialize {
        return super::save_materialization::save(req);
    }
    let (dir, outcome, existed) = plan_files(req)?;
    if !req.confirmed {
        unconfirmed_change(&outcome.plan)?;
        if let Some(k) = kept_as_is(req, &outcome, existed).first() {
            return Err(Failure::invalid(format!(
                "merging would not apply all your choices ({k}): choose to merge or to overwrite first"
            )));
        }
    }
    let config_file = dir.join(config_file(req, &dir)?);
    let mut plan = outcome.plan;
    if let Some(protection) = req.protection.as_ref().filter(|_| !req.keep_config) {
        // Encrypted in memory; the planned plaintext is replaced before anything is written.
        let bytes =
            crate::secrets::encrypt(&req.config, &req.config_schema, protection, &config_file)?;
        plan.add(
            &config_file,
            bytes,
            catalog::WriteMode::Replace,
            Some(0o600),
        )?;
    }
    let summary = plan.write_all()?;
    let endpoint = outcome
        .files
        .catalog
        .captures
        .get(&outcome.capture_name)
        .map(|c| c.endpoint.clone());
    Ok(SaveDone {
        endpoint,
        pushed: None,
        config_file,
        flow_file: outcome.flow_file,
        written: summary.written,
        unchanged: summary.unchanged,
        capture: outcome.capture_name,
    })
}
