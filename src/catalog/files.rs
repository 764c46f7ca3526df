//! From a discovery to the list of files to write: build, merge with the `<name>.flow.yaml` already in the
//! directory (if any), and render YAML into a [`Plan`]. Reads the existing catalog and schema files; writes
//! nothing. An existing file is edited, not rewritten ([`crate::catalog::edit_yaml`]): only what the merge
//! changes differs, every comment and hand edit elsewhere stays, and the plan holds the exact bytes written.

use crate::catalog::discovery::{Discovery, DiscoveryError, from_discovery};
use crate::catalog::load::{LoadError, read_catalog_file};
use crate::catalog::merge::{CatalogFiles, MergeError, MergeReport, merge_reserving};
use crate::catalog::owners::Owners;
use crate::catalog::rediscover::{Choice, Diff, apply_choices, apply_renames, diff};
use crate::catalog::types::to_yaml;
use crate::catalog::types::{Catalog, ContentRef};
use crate::catalog::write::{Plan, WriteError, WriteMode};
use crate::catalog::yaml_edit::edit;
use serde_json::Value;
use std::collections::HashMap;
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
    /// Added, vanished and changed bindings with their schema changes (empty for a new catalog).
    pub diff: Diff,
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
    plan_capture_choosing(dir, discovery, options, &HashMap::new())
}

/// As [`plan_capture_with`], with the person's [`Choice`] per binding (by resource path, as in
/// [`Diff`]) applied to the merge; a binding without one is accepted.
pub fn plan_capture_choosing(
    dir: &Path,
    discovery: Discovery,
    options: PlanOptions,
    choices: &HashMap<String, Choice>,
) -> Result<DiscoverOutcome, PlanError> {
    plan_capture_editing(dir, discovery, options, choices, &HashMap::new(), None)
}

/// As [`plan_capture_choosing`], with kept bindings' collections renamed (by resource path: the new full
/// name; see [`crate::catalog::apply_renames`]), into `flow_file` when given (a task edited in a catalog
/// file named otherwise than `<name>.flow.yaml`).
pub fn plan_capture_editing(
    dir: &Path,
    discovery: Discovery,
    options: PlanOptions,
    choices: &HashMap<String, Choice>,
    renames: &HashMap<String, String>,
    flow_file: Option<&Path>,
) -> Result<DiscoverOutcome, PlanError> {
    let generated = from_discovery(discovery)?;
    let capture_name = generated.capture_name.clone();
    let flow_file = match flow_file {
        Some(f) => f.to_path_buf(),
        None => dir.join(crate::catalog::discovery::flow_file_name(&generated.name)),
    };
    let existing = match options.replace {
        false => read_existing(&flow_file)?,
        true => None,
    };
    let owners = Owners::of_directory(dir, &flow_file);
    let reserved = owners.names_in(dir);
    let pointers = generated.resource_path_pointers.clone();
    let old = existing
        .as_ref()
        .map(|(c, _)| c.clone())
        .unwrap_or_default();
    let mut merged = merge_reserving(
        existing.as_ref().map(|(c, _)| c.clone()),
        generated.clone(),
        &reserved,
    )
    .map_err(|source| PlanError::Merge {
        path: flow_file.clone(),
        source,
    })?;
    let mut warnings = std::mem::take(&mut merged.warnings);
    if !choices.is_empty() {
        warnings.extend(apply_choices(&mut merged, &old, &generated, choices));
    }
    if !renames.is_empty() {
        warnings.extend(apply_renames(&mut merged, &generated, renames));
    }
    let diff = match &existing {
        Some(_) => diff(&old, &old_schemas(dir, &old), &merged, &pointers),
        None => Diff::default(),
    };
    let mut plan = match &existing {
        Some((_, text)) => {
            let (plan, w) = merged.files.plan_edit(dir, &old, text)?;
            warnings.extend(w);
            plan
        }
        None => merged.files.plan(dir)?,
    };
    // Schema files the old catalog named and nothing names now (here or in another catalog) go.
    let now: Vec<String> = schema_refs(&merged.files.catalog);
    for p in schema_refs(&old) {
        if !now.contains(&p) && !reserved.contains(&p) && is_plain(&p) {
            warnings.push(format!(
                "removed the schema file {p}: nothing uses it any more"
            ));
            plan.remove(dir.join(&p));
        }
    }
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
        diff,
        warnings,
    })
}

/// The catalog in `flow_file` and its text, to merge into (`None` when there is no such file).
pub(crate) fn read_existing(flow_file: &Path) -> Result<Option<(Catalog, String)>, PlanError> {
    if !flow_file.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(flow_file).map_err(|source| LoadError::Read {
        path: flow_file.to_path_buf(),
        context: "the catalog to merge into".into(),
        source,
    })?;
    Ok(Some((read_catalog_file(flow_file)?, text)))
}

/// Each collection's write schema, read from its file when it names one (unreadable ones are left out).
fn old_schemas(dir: &Path, old: &Catalog) -> HashMap<String, Value> {
    old.collections
        .iter()
        .filter_map(|(name, c)| {
            let v = match c.write_schema_ref()? {
                ContentRef::Inline(v) => v.clone(),
                ContentRef::Path(p) if is_plain(p) => {
                    let path = dir.join(p);
                    let text = std::fs::read_to_string(&path).ok()?;
                    crate::catalog::load::parse_text(&path, &text).ok()?
                }
                ContentRef::Path(_) => return None,
            };
            Some((name.clone(), v))
        })
        .collect()
}

/// The schema files a catalog's collections name.
fn schema_refs(c: &Catalog) -> Vec<String> {
    c.collections
        .values()
        .flat_map(|c| [&c.schema, &c.write_schema, &c.read_schema])
        .flatten()
        .filter_map(|r| r.path().map(str::to_string))
        .collect()
}

/// A relative path without URL scheme or fragment (a file catwalk may read, rewrite or remove).
fn is_plain(p: &str) -> bool {
    !p.is_empty() && !p.contains("://") && !p.contains('#') && !Path::new(p).is_absolute()
}

impl CatalogFiles {
    /// As [`plan`](Self::plan), editing the existing catalog text (`old` is what it means) and the
    /// existing schema files in place so only what changed differs. A file the editor cannot handle
    /// (or whose edit would not mean what the merge decided) is rendered anew, with a warning.
    pub fn plan_edit(
        &self,
        dir: &Path,
        old: &Catalog,
        text: &str,
    ) -> Result<(Plan, Vec<String>), PlanError> {
        let mut plan = Plan::new();
        let mut warnings = Vec::new();
        for s in &self.schemas {
            let path = dir.join(&s.path);
            let is_json = path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"));
            let rendered = match std::fs::read_to_string(&path) {
                Ok(before) if !is_json => {
                    let meant: Option<Value> = serde_yaml::from_str(&before).ok();
                    meant.and_then(|m| {
                        edit_checked(&before, &m, &s.schema, |t| {
                            serde_yaml::from_str::<Value>(t).ok()
                        })
                    })
                }
                _ => None,
            };
            let text = match rendered {
                Some(t) => t,
                None if is_json => {
                    serde_json::to_string_pretty(&s.schema).unwrap_or_default() + "\n"
                }
                None => to_yaml(&s.schema).map_err(|source| PlanError::Render {
                    path: path.clone(),
                    source,
                })?,
            };
            plan.add(path, text, WriteMode::Replace, None)?;
        }
        let flow_path = dir.join(&self.flow_file);
        let as_value = |c: &Catalog| serde_json::to_value(c).unwrap_or(Value::Null);
        let reread = |t: &str| {
            serde_yaml::from_str::<Catalog>(t)
                .ok()
                .map(|c| as_value(&c))
        };
        let edited = edit_checked(text, &as_value(old), &as_value(&self.catalog), reread);
        let out = match edited {
            Some(t) => t,
            None => {
                warnings.push(format!(
                    "{} could not be edited in place, so it was written anew: its comments and layout are lost",
                    flow_path.display()
                ));
                to_yaml(&self.catalog).map_err(|source| PlanError::Render {
                    path: flow_path.clone(),
                    source,
                })?
            }
        };
        plan.add(flow_path.clone(), out, WriteMode::Replace, None)?;
        plan.set_last(flow_path);
        Ok((plan, warnings))
    }
}

/// The edit of `text` from `old` to `new`, when it reads back (by `read`) as `new`.
pub(crate) fn edit_checked(
    text: &str,
    old: &Value,
    new: &Value,
    read: impl Fn(&str) -> Option<Value>,
) -> Option<String> {
    if text.trim().is_empty() {
        return None;
    }
    let out = edit(text, old, new).ok()?;
    (read(&out).as_ref() == Some(new)).then_some(out)
}

impl DiscoverOutcome {
    /// Add the endpoint config to the plan as `<dir>/<file>` (see [`plan_config`]).
    pub fn add_config(&mut self, dir: &Path, file: &str, config: &Value) -> Result<(), PlanError> {
        plan_config(&mut self.plan, dir, file, config)
    }
}

/// Add an endpoint config to `plan` as `<dir>/<file>`, YAML, mode 0600 (it holds secrets). An existing YAML
/// config is edited in place (its comments and layout kept, only changed values differ).
pub(crate) fn plan_config(
    plan: &mut Plan,
    dir: &Path,
    file: &str,
    config: &Value,
) -> Result<(), PlanError> {
    let path = dir.join(file);
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let edited = match std::fs::read_to_string(&path) {
        Ok(before) if !is_json => serde_yaml::from_str::<Value>(&before).ok().and_then(|old| {
            edit_checked(&before, &old, config, |t| {
                serde_yaml::from_str::<Value>(t).ok()
            })
        }),
        _ => None,
    };
    let text = match edited {
        Some(t) => t,
        None => to_yaml(config).map_err(|source| PlanError::Render {
            path: path.clone(),
            source,
        })?,
    };
    plan.add(path, text, WriteMode::Replace, Some(0o600))?;
    Ok(())
}
