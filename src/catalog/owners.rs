//! The other catalogs in the directory a discovery writes into (`*.flow.yaml` beside ours): the files
//! they name (collection schemas, endpoint configs) and the collections they define, so that a
//! discovery never overwrites what another catalog owns without being told to. Reads files only.

use crate::catalog::load::{normalize, read_catalog_file, resolve};
use crate::catalog::types::{Catalog, ContentRef};
use crate::catalog::write::{FileStatus, Plan};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// What the other catalogs of a directory own.
#[derive(Debug, Default)]
pub struct Owners {
    /// Normalised path -> (catalog file, what it is there: `the schema of collection `x``).
    files: HashMap<PathBuf, (PathBuf, String)>,
    /// Collection name -> the catalog file that defines it.
    collections: HashMap<String, PathBuf>,
    /// Catalog files that could not be read (their ownership is unknown).
    pub unreadable: Vec<String>,
}

impl Owners {
    /// Read every `*.flow.yaml` (and `flow.yaml`) in `dir` except `own` (the file being written).
    pub fn of_directory(dir: &Path, own: &Path) -> Owners {
        let mut owners = Owners::default();
        let Ok(entries) = std::fs::read_dir(dir) else {
            return owners;
        };
        let own = normalize(own);
        let mut catalogs: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.ends_with(".flow.yaml") || n == "flow.yaml")
                    && p.is_file()
                    && normalize(p) != own
            })
            .collect();
        catalogs.sort();
        for file in catalogs {
            match read_catalog_file(&file) {
                Ok(catalog) => owners.add(&file, &catalog),
                Err(e) => owners.unreadable.push(format!(
                    "{} could not be read, so catwalk cannot tell which files it owns: {e}",
                    file.display()
                )),
            }
        }
        owners
    }

    fn add(&mut self, file: &Path, catalog: &Catalog) {
        let mut own = |reference: Option<&ContentRef>, what: String| {
            let Some(p) = reference.and_then(ContentRef::path) else {
                return;
            };
            if let Ok(path) = resolve(file, p) {
                self.files
                    .entry(normalize(&path))
                    .or_insert((file.to_path_buf(), what));
            }
        };
        for (name, c) in &catalog.collections {
            own(
                c.schema.as_ref(),
                format!("the schema of collection `{name}`"),
            );
            own(
                c.write_schema.as_ref(),
                format!("the write schema of collection `{name}`"),
            );
            own(
                c.read_schema.as_ref(),
                format!("the read schema of collection `{name}`"),
            );
        }
        for (name, c) in &catalog.captures {
            own(
                c.endpoint.config(),
                format!("the config of capture `{name}`"),
            );
        }
        for (name, m) in &catalog.materializations {
            own(
                m.endpoint.config(),
                format!("the config of materialization `{name}`"),
            );
        }
        for name in catalog.collections.keys() {
            self.collections
                .entry(name.clone())
                .or_insert_with(|| file.to_path_buf());
        }
    }

    /// File names in `dir` that other catalogs own: new schema files must not take them.
    pub fn names_in(&self, dir: &Path) -> Vec<String> {
        let dir = normalize(dir);
        self.files
            .keys()
            .filter(|p| p.parent() == Some(dir.as_path()))
            .filter_map(|p| p.file_name()?.to_str().map(str::to_string))
            .collect()
    }

    /// What writing `plan` (for `catalog`) would take from other catalogs: each a sentence.
    pub fn conflicts(&self, plan: &Plan, catalog: &Catalog) -> Vec<String> {
        let mut out = Vec::new();
        for name in catalog.collections.keys() {
            if let Some(other) = self.collections.get(name) {
                out.push(format!(
                    "the collection `{name}` is also defined in {}",
                    other.display()
                ));
            }
        }
        for f in plan.files() {
            if f.status == FileStatus::Unchanged {
                continue;
            }
            if let Some((other, what)) = self.files.get(&normalize(&f.path)) {
                out.push(format!(
                    "{} is {what} in {}, and would be overwritten",
                    f.path.display(),
                    other.display()
                ));
            }
        }
        out
    }
}
