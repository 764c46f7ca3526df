//! Materializing collections, one path for `catwalk discover` with a materialization connector and the
//! wizard's materialization steps: the collections to bind from source catalogs ([`sources`]), one binding per
//! collection with its resource prefilled ([`candidates`], `catalog::resource_for`), the connector's validate
//! with every binding, those it rejects singled out by halving ([`validate`]), Flow's field selection of each
//! (`ops::fields`), and the catalog file planned and written ([`plan`], [`save`]: merged into an existing
//! `<name>.flow.yaml`, hand edits kept; the config file as for captures, sops-encrypted in memory when asked).

use super::check::schema_problems;
use super::exit::Failure;
use super::fields::{self, Selection, SelectionError};
use crate::catalog::{
    self, FieldChoices, LoadedCollection, MaterializationOutcome, NewBinding, NewMaterialization,
    ResourceOptions,
};
use crate::connector::Connector;
use crate::model::{CollectionSpec, ValidateBinding, ValidateRequest, ValidatedBinding};
use crate::secrets::Protection;
use crate::text::plural;
use serde_json::Value;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The collections a materialization can bind.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// The catalog files that define them, to import.
    pub files: Vec<PathBuf>,
    /// Every collection, once, in file order.
    pub collections: Vec<LoadedCollection>,
    /// Catalog files found in the directory that could not be read (only when none was given).
    pub warnings: Vec<String>,
}

/// The collections of `given` catalog files (`--source`, each loaded with its imports), or, when none is
/// given, of every `*.flow.yaml` under `dir` (hidden directories skipped) but `own` (the materialization's
/// file). A collection defined by several files counts once, from the first (files in path order).
pub fn sources(dir: &Path, given: &[PathBuf], own: &Path) -> Result<Sources, Failure> {
    let mut out = Sources::default();
    let files = if given.is_empty() {
        let mut found = Vec::new();
        find_catalogs(dir, 0, &mut found);
        let own = catalog_key(own);
        found.retain(|f| catalog_key(f) != own);
        found.sort();
        found
    } else {
        given.to_vec()
    };
    let mut seen = HashSet::new();
    for file in files {
        let loaded = match catalog::load(&file) {
            Ok(l) => l,
            Err(e) if given.is_empty() => {
                out.warnings
                    .push(format!("{} is left out: {e}", file.display()));
                continue;
            }
            Err(e) => return Err(Failure::invalid(format!("--source: {e}"))),
        };
        for (name, c) in loaded.collections {
            if seen.insert(name) {
                // The file that defines it is imported: never a file that only imports it (another
                // materialization's, whose task would come along).
                let key = catalog_key(&c.file);
                if !out.files.iter().any(|f| catalog_key(f) == key) {
                    out.files.push(c.file.clone());
                }
                out.collections.push(c);
            }
        }
    }
    Ok(out)
}

fn catalog_key(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

fn find_catalogs(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        match e.file_type() {
            Ok(t) if t.is_dir() && depth < 8 => find_catalogs(&path, depth + 1, out),
            Ok(t) if t.is_file() && name.ends_with(".flow.yaml") => out.push(path),
            _ => {}
        }
    }
}

/// One binding to validate: its collection (as the connector sees it), resource and field choices.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub collection: CollectionSpec,
    pub resource: Value,
    pub fields: FieldChoices,
}

impl Candidate {
    /// The validate request's binding: `fields.require` as the field config.
    pub fn validate_binding(&self) -> ValidateBinding {
        ValidateBinding {
            resource_config: self.resource.clone(),
            collection: self.collection.clone(),
            backfill: 0,
            field_config: self.fields.require.clone(),
        }
    }
}

/// A loaded collection as a validate request carries it.
pub fn collection_spec(c: &LoadedCollection) -> CollectionSpec {
    CollectionSpec {
        name: c.name.clone(),
        key: c.key.clone(),
        write_schema: c.write_schema.clone(),
        read_schema: c.read_schema.clone(),
    }
}

/// One new binding per collection: its resource from `resource_schema` (see `catalog::resource_for`), and
/// `fields: {recommended: 1}`.
pub fn candidates(
    collections: &[LoadedCollection],
    resource_schema: &Value,
    opts: &ResourceOptions,
) -> Vec<Candidate> {
    collections
        .iter()
        .map(|c| Candidate {
            collection: collection_spec(c),
            resource: catalog::resource_for(&c.name, resource_schema, opts),
            fields: FieldChoices::new_binding(),
        })
        .collect()
}

/// What the connector made of one binding.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Accepted: where it goes, its constraints, and Flow's field selection (a conflict when the field
    /// choices ask for what the connector refuses).
    Accepted {
        validated: ValidatedBinding,
        selection: Result<Selection, SelectionError>,
    },
    /// Rejected: the resource schema's or the connector's message.
    Rejected(String),
}

impl Verdict {
    pub fn is_accepted(&self) -> bool {
        matches!(self, Verdict::Accepted { .. })
    }
}

/// The connector's validate of `candidates` for the materialization `name`: each resource against the
/// resource schema first, then one validate with every binding that passed. Flow answers one error for
/// the whole request, so when it fails, the config is validated alone (its failure is the config's, an
/// error), then halves of the bindings, down to single ones, for a verdict per binding (at most
/// [`MAX_RUNS`] more runs). Verdicts are in the order of `candidates`.
pub async fn validate(
    connector: &Connector,
    name: &str,
    config: &Value,
    resource_schema: &Value,
    candidates: &[Candidate],
) -> Result<Vec<Verdict>, Failure> {
    let mut verdicts: Vec<Option<Verdict>> = vec![None; candidates.len()];
    if resource_schema.is_object() {
        for (i, c) in candidates.iter().enumerate() {
            let problems = schema_problems(resource_schema, &c.resource, "resource")?;
            if !problems.is_empty() {
                verdicts[i] = Some(Verdict::Rejected(format!(
                    "its resource does not match the connector's resource schema: {}",
                    problems.join("; ")
                )));
            }
        }
    }
    let asked: Vec<usize> = (0..candidates.len())
        .filter(|i| verdicts[*i].is_none())
        .collect();
    let request = |which: &[usize]| ValidateRequest {
        name: name.to_string(),
        config: config.clone(),
        bindings: which
            .iter()
            .map(|i| candidates[*i].validate_binding())
            .collect(),
    };
    let accept = |i: usize, v: ValidatedBinding| {
        let c = &candidates[i];
        let selection = fields::select(&c.collection, &v, &c.fields);
        Verdict::Accepted {
            validated: v,
            selection,
        }
    };
    if !asked.is_empty() {
        match connector.validate(&request(&asked)).await {
            Ok(v) if v.bindings.len() == asked.len() => {
                for (i, b) in asked.iter().zip(v.bindings) {
                    verdicts[*i] = Some(accept(*i, b));
                }
            }
            Ok(v) => {
                return Err(Failure::new(
                    super::exit::FAILED,
                    format!(
                        "{} answered validate with {} for {}",
                        connector.subject(),
                        plural(v.bindings.len(), "binding"),
                        plural(asked.len(), "binding")
                    ),
                ));
            }
            Err(_) => {
                // The config alone: when it fails, nothing is the bindings' fault.
                connector.validate(&request(&[])).await?;
                // Halves of each failing group, down to single bindings: the rejected ones are found in
                // about 2·k·log2(n) runs for k of n, at most MAX_RUNS.
                let mut groups = halves(&asked);
                let mut runs = 0;
                while let Some(group) = groups.pop() {
                    if runs == MAX_RUNS {
                        for i in group.iter().chain(groups.iter().flatten()) {
                            verdicts[*i] = Some(Verdict::Rejected(format!(
                                "not known on its own: the connector rejects a group of bindings including it \
                                 and {MAX_RUNS} runs did not single out which (validate fewer: --source)"
                            )));
                        }
                        break;
                    }
                    runs += 1;
                    match connector.validate(&request(&group)).await {
                        Ok(v) if v.bindings.len() == group.len() => {
                            for (i, b) in group.iter().zip(v.bindings) {
                                verdicts[*i] = Some(accept(*i, b));
                            }
                        }
                        Ok(v) => {
                            for i in &group {
                                verdicts[*i] = Some(Verdict::Rejected(format!(
                                    "the connector answered {} for {}",
                                    plural(v.bindings.len(), "binding"),
                                    plural(group.len(), "binding")
                                )));
                            }
                        }
                        Err(e) if group.len() == 1 => {
                            verdicts[group[0]] = Some(Verdict::Rejected(e.to_string()));
                        }
                        Err(_) => groups.extend(halves(&group)),
                    }
                }
            }
        }
    }
    Ok(verdicts
        .into_iter()
        .map(|v| v.unwrap_or_else(|| Verdict::Rejected("not validated".into())))
        .collect())
}

/// How many connector runs [`validate`] spends at most to find the bindings a connector rejects.
pub const MAX_RUNS: usize = 64;

/// `group` in two halves, the first last (it is validated first).
fn halves(group: &[usize]) -> Vec<Vec<usize>> {
    let (a, b) = group.split_at(group.len() / 2);
    [b, a]
        .into_iter()
        .filter(|h| !h.is_empty())
        .map(<[usize]>::to_vec)
        .collect()
}

/// What to do with the bindings the connector rejects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejected {
    /// Written with `disable: true`, to fix and enable later.
    Disable,
    /// Left out of the catalog.
    Skip,
}

/// The bindings to write: accepted ones as they are, rejected ones disabled or left out.
pub fn bindings(
    candidates: &[Candidate],
    verdicts: &[Verdict],
    rejected: Rejected,
) -> Vec<NewBinding> {
    candidates
        .iter()
        .zip(verdicts)
        .filter(|(_, v)| v.is_accepted() || rejected == Rejected::Disable)
        .map(|(c, v)| NewBinding {
            collection: c.collection.name.clone(),
            resource: c.resource.clone(),
            fields: c.fields.clone(),
            disable: !v.is_accepted(),
        })
        .collect()
}

/// Import paths (relative to `dir`) of source catalog files.
pub fn imports(dir: &Path, files: &[PathBuf]) -> Vec<String> {
    files.iter().map(|f| catalog::import_path(dir, f)).collect()
}

/// Plan `<dir>/<file_name>.flow.yaml` with `m` (merged into the existing file unless `replace`); its
/// warnings go to `warn`. Nothing is written.
pub fn plan(
    dir: &Path,
    file_name: &str,
    m: &NewMaterialization,
    replace: bool,
    warn: impl Fn(&str),
) -> Result<MaterializationOutcome, Failure> {
    plan_in(
        dir,
        &dir.join(catalog::flow_file_name(file_name)),
        m,
        replace,
        warn,
    )
}

/// As [`plan`], into `flow_file` whatever it is named.
pub fn plan_in(
    dir: &Path,
    flow_file: &Path,
    m: &NewMaterialization,
    replace: bool,
    warn: impl Fn(&str),
) -> Result<MaterializationOutcome, Failure> {
    let outcome = catalog::plan_materialization_in(flow_file.to_path_buf(), m, replace)
        .map_err(|e| Failure::invalid(e.to_string()))?;
    // Written into a catalog it reads from, it would import itself and merge into (or overwrite) the
    // capture that defines its collections.
    let own = catalog_key(&outcome.flow_file);
    let base = outcome.flow_file.parent().unwrap_or(dir);
    if m.imports.iter().any(|i| catalog_key(&base.join(i)) == own) {
        return Err(Failure::invalid(format!(
            "materialization {} would be written into {}, the catalog that defines the collections it \
             reads: give the materialization another name",
            m.name,
            outcome.flow_file.display()
        )));
    }
    for w in &outcome.warnings {
        warn(w);
    }
    Ok(outcome)
}

/// Everything the wizard's save of a materialization needs.
#[derive(Clone)]
pub struct SaveRequest {
    /// The directory, absolute (see `ops::save::resolve_dir`).
    pub dir: PathBuf,
    /// The catalog file written (`<name>.flow.yaml`, or an edited task's own).
    pub flow_file: PathBuf,
    /// The config file, relative to `dir` (`<name>.config.yaml`, or an edited task's own).
    pub config_file: PathBuf,
    pub materialization: NewMaterialization,
    /// Replace an existing catalog file instead of merging into it.
    pub replace: bool,
    /// The endpoint config (secrets in clear), written to `config_file`; `None`: not written.
    pub config: Option<Value>,
    /// The connector's config schema: which fields are secret.
    pub config_schema: Value,
    /// Write the config encrypted with sops this way (`None`: plaintext, mode 0600).
    pub protection: Option<Protection>,
}

/// Plan every file of a save (the config in plaintext, as the preview shows its status; [`save`] encrypts
/// it before writing).
pub fn plan_save(req: &SaveRequest) -> Result<MaterializationOutcome, Failure> {
    let mut outcome = plan_in(
        &req.dir,
        &req.flow_file,
        &req.materialization,
        req.replace,
        |_| {},
    )?;
    if let Some(config) = &req.config {
        outcome
            .add_config(&req.dir, &req.config_file.display().to_string(), config)
            .map_err(|e| Failure::invalid(e.to_string()))?;
    }
    Ok(outcome)
}

/// Plan again and write it all (or nothing); a protected config is encrypted in memory first, so its
/// plaintext never reaches the disk. Blocking (sops runs here): call it from a blocking thread.
pub fn save(req: &SaveRequest) -> Result<(MaterializationOutcome, catalog::WriteSummary), Failure> {
    let mut outcome = plan_save(req)?;
    if let (Some(config), Some(protection)) = (&req.config, &req.protection) {
        let path = req.dir.join(&req.config_file);
        let bytes = crate::secrets::encrypt(config, &req.config_schema, protection, &path)?;
        outcome
            .plan
            .add(&path, bytes, catalog::WriteMode::Replace, Some(0o600))?;
    }
    let summary = outcome.plan.write_all()?;
    Ok((outcome, summary))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sources_default_to_every_catalog_under_the_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let write = |p: &str, text: &str| {
            let path = dir.join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        let coll = |name: &str| {
            format!(
                "collections:\n  {name}:\n    key: [/id]\n    schema: {{type: object, properties: {{id: {{type: integer}}}}, required: [id]}}\n"
            )
        };
        write("a.flow.yaml", &coll("acmeCo/a"));
        // Sorts first and imports a.flow.yaml: a.flow.yaml is still the one imported.
        write("0-other.flow.yaml", "import: [a.flow.yaml]\n");
        write("sub/b.flow.yaml", &coll("acmeCo/b"));
        write("own.flow.yaml", &coll("acmeCo/own"));
        write(".hidden/c.flow.yaml", &coll("acmeCo/c"));
        write("broken.flow.yaml", "collections: [");
        let s = sources(dir, &[], &dir.join("own.flow.yaml")).unwrap();
        let names: Vec<&str> = s.collections.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, vec!["acmeCo/a", "acmeCo/b"]);
        assert_eq!(
            imports(dir, &s.files),
            vec!["a.flow.yaml", "sub/b.flow.yaml"]
        );
        assert!(
            s.warnings[0].contains("broken.flow.yaml"),
            "{:?}",
            s.warnings
        );

        let s = sources(
            dir,
            &[dir.join("sub/b.flow.yaml")],
            &dir.join("own.flow.yaml"),
        )
        .unwrap();
        assert_eq!(s.collections.len(), 1);
        let e = sources(dir, &[dir.join("broken.flow.yaml")], &dir.join("x")).unwrap_err();
        assert!(e.message.contains("--source"), "{e}");

        let c = candidates(
            &s.collections,
            &json!({"type": "object", "properties": {"table": {"type": "string", "x-collection-name": true}}}),
            &ResourceOptions::default(),
        );
        assert_eq!(c[0].resource, json!({"table": "b"}));
        assert_eq!(c[0].validate_binding().collection.key, vec!["/id"]);
    }

    #[test]
    fn a_materialization_is_never_written_into_its_source_catalog() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("src.flow.yaml"), "collections: {}\n").unwrap();
        let m = NewMaterialization {
            name: "acmeCo/src".into(),
            endpoint: catalog::Endpoint::image(
                "ghcr.io/estuary/materialize-postgres:v1",
                catalog::ContentRef::Path("src.config.yaml".into()),
            ),
            imports: vec!["src.flow.yaml".into()],
            edit: false,
            bindings: vec![],
        };
        let e = plan(tmp.path(), "src", &m, false, |_| {}).err().unwrap();
        assert!(e.message.contains("src.flow.yaml"), "{}", e.message);
        assert!(e.message.contains("another name"), "{}", e.message);
        // Another name is fine.
        assert!(plan(tmp.path(), "pg", &m, false, |_| {}).is_ok());
    }

    #[test]
    fn save_writes_the_catalog_and_the_config_file() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let m = NewMaterialization {
            name: "acmeCo/pg".into(),
            endpoint: catalog::Endpoint::image(
                "ghcr.io/estuary/materialize-postgres:v1",
                catalog::ContentRef::Path("pg.config.yaml".into()),
            ),
            imports: vec!["src.flow.yaml".into()],
            edit: false,
            bindings: vec![NewBinding {
                collection: "acmeCo/a".into(),
                resource: json!({"table": "a"}),
                fields: FieldChoices::new_binding(),
                disable: false,
            }],
        };
        let req = SaveRequest {
            dir: tmp.path().to_path_buf(),
            flow_file: tmp.path().join("pg.flow.yaml"),
            config_file: "pg.config.yaml".into(),
            materialization: m,
            replace: false,
            config: Some(json!({"address": "db:5432", "password": "pw"})),
            config_schema: json!({"type": "object"}),
            protection: None,
        };
        let planned = plan_save(&req).unwrap();
        assert_eq!(planned.plan.files().len(), 2);
        assert!(planned.flow_yaml().contains("source: acmeCo/a"));
        let (outcome, summary) = save(&req).unwrap();
        assert_eq!(summary.written, 2);
        assert!(!outcome.merged);
        let config = tmp.path().join("pg.config.yaml");
        let mode = std::fs::metadata(&config).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        crate::catalog::validate_flow_catalog(
            &serde_yaml::from_str(
                &std::fs::read_to_string(tmp.path().join("pg.flow.yaml")).unwrap(),
            )
            .unwrap(),
        )
        .unwrap();
        // Saved again: merged into the file, nothing changes.
        let (again, summary) = save(&req).unwrap();
        assert!(again.merged);
        assert_eq!(summary.written, 0, "{summary:?}");
    }

    #[test]
    fn rejected_bindings_are_disabled_or_left_out() {
        let c = |name: &str| Candidate {
            collection: CollectionSpec {
                name: name.into(),
                key: vec!["/id".into()],
                write_schema: json!({}),
                read_schema: None,
            },
            resource: json!({"table": name}),
            fields: FieldChoices::new_binding(),
        };
        let cands = vec![c("a"), c("b")];
        let verdicts = vec![
            Verdict::Rejected("no".into()),
            Verdict::Accepted {
                validated: ValidatedBinding::default(),
                selection: Ok(Selection::default()),
            },
        ];
        let all = bindings(&cands, &verdicts, Rejected::Disable);
        assert_eq!(all.len(), 2);
        assert!(all[0].disable && !all[1].disable);
        let some = bindings(&cands, &verdicts, Rejected::Skip);
        assert_eq!(some.len(), 1);
        assert_eq!(some[0].collection, "b");
    }
}
