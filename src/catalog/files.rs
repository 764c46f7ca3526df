//! From a discovery to the list of files to write: build, merge with the `<name>.flow.yaml` already in the
//! directory (if any), and render YAML into a [`Plan`]. Reads the existing catalog file; writes nothing.

use crate::catalog::discovery::{Discovery, DiscoveryError, from_discovery};
use crate::catalog::load::{LoadError, read_catalog_file};
use crate::catalog::merge::{CatalogFiles, MergeError, MergeReport, merge_reserving};
use crate::catalog::owners::Owners;
use crate::catalog::types::to_yaml;
use crate::catalog::write::{Plan, WriteError, WriteMode};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Why discovery output could not be planned.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Discovery(#[from] DiscoveryError),
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("in `{}`: {source}", path.display())]
    Merge {
        path: PathBuf,
        #[source]
        source: MergeError,
    },
    #[error("could not render `{}` as YAML: {source}", path.display())]
    Render {
        path: PathBuf,
        #[source]
        source: serde_yaml::Error,
    },
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error(
        "nothing was written: this would change what other catalogs in {} own:{}\n\
         Use another prefix, name or directory for this capture, or force it (`--force`) to write anyway.",
        dir.display(),
        conflicts.iter().map(|c| format!("\n  - {c}")).collect::<String>()
    )]
    Owned {
        dir: PathBuf,
        conflicts: Vec<String>,
    },
}

/// How [`plan_capture_with`] treats what exists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlanOptions {
    /// Replace an existing `<name>.flow.yaml` instead of merging into it.
    pub replace: bool,
    /// Write even what other catalogs in the directory own (their collections, their files); each
    /// such change is then a warning.
    pub force: bool,
}

/// The outcome of planning a discovery: files to write, what changed, and warnings to print.
#[derive(Debug)]
pub struct DiscoverOutcome {
    /// `P/<name>`.
    pub capture_name: String,
    /// `<dir>/<name>.flow.yaml`.
    pub flow_file: PathBuf,
    /// The merged catalog and schemas, as written by `plan`.
    pub files: CatalogFiles,
    pub plan: Plan,
    pub report: MergeReport,
    pub warnings: Vec<String>,
}

impl CatalogFiles {
    /// Render the schema files and the catalog as YAML under `dir` (all [`WriteMode::Replace`]). The
    /// catalog comes last, so it is written after the schemas it names.
    pub fn plan(&self, dir: &Path) -> Result<Plan, PlanError> {
        let mut plan = Plan::new();
        for s in &self.schemas {
            let path = dir.join(&s.path);
            let text = to_yaml(&s.schema).map_err(|source| PlanError::Render {
                path: path.clone(),
                source,
            })?;
            plan.add(path, text, WriteMode::Replace, None)?;
        }
        let flow_path = dir.join(&self.flow_file);
        let text = to_yaml(&self.catalog).map_err(|source| PlanError::Render {
            path: flow_path.clone(),
            source,
        })?;
        plan.add(flow_path.clone(), text, WriteMode::Replace, None)?;
        plan.set_last(flow_path);
        Ok(plan)
    }
}

/// Build the capture from `discovery`, merge it into `<dir>/<name>.flow.yaml` when that exists, and plan
/// the files (nothing is written: call `outcome.plan.write_all()`). The config file is not part of it.
pub fn plan_discovery(dir: &Path, discovery: Discovery) -> Result<DiscoverOutcome, PlanError> {
    plan_capture(dir, discovery, false)
}

/// As [`plan_discovery`]; with `replace`, an existing `<name>.flow.yaml` is not merged into but replaced
/// by the discovered capture alone (the caller has asked the person first: its edits are lost).
pub fn plan_capture(
    dir: &Path,
    discovery: Discovery,
    replace: bool,
) -> Result<DiscoverOutcome, PlanError> {
    plan_capture_with(
        dir,
        discovery,
        PlanOptions {
            replace,
            force: false,
        },
    )
}

/// As [`plan_capture`]. Other catalogs in `dir` (`*.flow.yaml`) are read first: new schema files
/// never take a file name one of them uses, and when the plan would still change a file one of them
/// names, or define a collection one of them defines, it is refused ([`PlanError::Owned`], naming each)
/// unless `options.force`.
pub fn plan_capture_with(
    dir: &Path,
    discovery: Discovery,
    options: PlanOptions,
) -> Result<DiscoverOutcome, PlanError> {
    let generated = from_discovery(discovery)?;
    let capture_name = generated.capture_name.clone();
    let flow_file = dir.join(crate::catalog::discovery::flow_file_name(&generated.name));
    let existing = if flow_file.exists() && !options.replace {
        Some(read_catalog_file(&flow_file)?)
    } else {
        None
    };
    let owners = Owners::of_directory(dir, &flow_file);
    let merged = merge_reserving(existing, generated, &owners.names_in(dir)).map_err(|source| {
        PlanError::Merge {
            path: flow_file.clone(),
            source,
        }
    })?;
    let plan = merged.files.plan(dir)?;
    let mut warnings = merged.warnings;
    warnings.extend(owners.unreadable.iter().cloned());
    let conflicts = owners.conflicts(&plan, &merged.files.catalog);
    if !conflicts.is_empty() {
        if !options.force {
            return Err(PlanError::Owned {
                dir: dir.to_path_buf(),
                conflicts,
            });
        }
        warnings.extend(
            conflicts
                .into_iter()
                .map(|c| format!("{c} (written anyway: forced)")),
        );
    }
    Ok(DiscoverOutcome {
        capture_name,
        flow_file,
        files: merged.files,
        plan,
        report: merged.report,
        warnings,
    })
}

impl DiscoverOutcome {
    /// Add the endpoint config to the plan as `<dir>/<file>`, YAML, mode 0600 (it holds secrets).
    pub fn add_config(&mut self, dir: &Path, file: &str, config: &Value) -> Result<(), PlanError> {
        let path = dir.join(file);
        let text = to_yaml(config).map_err(|source| PlanError::Render {
            path: path.clone(),
            source,
        })?;
        self.plan.add(path, text, WriteMode::Replace, Some(0o600))?;
        Ok(())
    }
}
