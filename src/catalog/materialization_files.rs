//! Planning a materialization's catalog file (`<dir>/<name>.flow.yaml`): the task built from chosen
//! bindings ([`NewMaterialization`]), merged into the file when it exists ([`merge_materialization`]: the
//! file's bindings and hand edits stay) and written as an edit of its text, so comments and layout survive
//! ([`crate::catalog::edit_yaml`], checked by reading it back), else rendered anew. Reads files; writes
//! nothing: the caller writes the [`Plan`].

use crate::catalog::discovery::flow_file_name;
use crate::catalog::files::{PlanError, edit_checked, plan_config, read_existing};
use crate::catalog::load::normalize;
use crate::catalog::materialization::{
    MaterializationMerge, NewMaterialization, merge_materialization,
};
use crate::catalog::types::{Catalog, to_yaml};
use crate::catalog::write::{Plan, WriteMode};
use serde_json::Value;
use std::path::{Component, Path, PathBuf};

/// A planned materialization file.
#[derive(Debug)]
pub struct MaterializationOutcome {
    /// `P/<name>`.
    pub name: String,
    /// `<dir>/<name>.flow.yaml`.
    pub flow_file: PathBuf,
    /// The file existed and was merged into (not replaced).
    pub merged: bool,
    /// What the file holds after the write, and what the merge kept and added.
    pub merge: MaterializationMerge,
    pub plan: Plan,
    pub warnings: Vec<String>,
}

impl MaterializationOutcome {
    /// The catalog file's text as planned.
    pub fn flow_yaml(&self) -> String {
        self.plan
            .files()
            .iter()
            .find(|f| f.path == self.flow_file)
            .map(|f| String::from_utf8_lossy(&f.contents).into_owned())
            .unwrap_or_default()
    }

    /// Add the endpoint config to the plan as `<dir>/<file>`, mode 0600, an existing YAML config edited in
    /// place (as for captures).
    pub fn add_config(&mut self, dir: &Path, file: &str, config: &Value) -> Result<(), PlanError> {
        plan_config(&mut self.plan, dir, file, config)
    }
}

/// Plan `<dir>/<file_name>.flow.yaml` holding `new`. An existing file is merged into (see
/// [`merge_materialization`]) and edited in place, unless `replace`, when it is replaced by `new` alone.
pub fn plan_materialization(
    dir: &Path,
    file_name: &str,
    new: &NewMaterialization,
    replace: bool,
) -> Result<MaterializationOutcome, PlanError> {
    plan_materialization_in(dir.join(flow_file_name(file_name)), new, replace)
}

/// As [`plan_materialization`], into `flow_file` whatever it is named (an edited task's own file).
pub fn plan_materialization_in(
    flow_file: PathBuf,
    new: &NewMaterialization,
    replace: bool,
) -> Result<MaterializationOutcome, PlanError> {
    let existing = match replace {
        false => read_existing(&flow_file)?,
        true => None,
    };
    let merged = existing.is_some();
    let merge = merge_materialization(existing.as_ref().map(|(c, _)| c.clone()), new);
    let mut warnings = merge.warnings.clone();
    let as_value = |c: &Catalog| serde_json::to_value(c).unwrap_or(Value::Null);
    let edited = existing.as_ref().and_then(|(old, text)| {
        let reread = |t: &str| {
            serde_yaml::from_str::<Catalog>(t)
                .ok()
                .map(|c| as_value(&c))
        };
        edit_checked(text, &as_value(old), &as_value(&merge.catalog), reread)
    });
    let text = match edited {
        Some(t) => t,
        None => {
            if existing.is_some() {
                warnings.push(format!(
                    "{} could not be edited in place, so it was written anew: its comments and layout are lost",
                    flow_file.display()
                ));
            }
            to_yaml(&merge.catalog).map_err(|source| PlanError::Render {
                path: flow_file.clone(),
                source,
            })?
        }
    };
    let mut plan = Plan::new();
    plan.add(flow_file.clone(), text, WriteMode::Replace, None)?;
    plan.set_last(flow_file.clone());
    Ok(MaterializationOutcome {
        name: new.name.clone(),
        flow_file,
        merged,
        merge,
        plan,
        warnings,
    })
}

/// How a catalog in `dir` imports `file`: its path relative to `dir` (`../src/x.flow.yaml`), or absolute
/// when they share no root.
pub fn import_path(dir: &Path, file: &Path) -> String {
    let dir = normalize(dir);
    let file = normalize(file);
    let d: Vec<Component> = dir.components().collect();
    let f: Vec<Component> = file.components().collect();
    let common = d.iter().zip(&f).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return file.display().to_string();
    }
    let mut out = PathBuf::new();
    for _ in common..d.len() {
        out.push("..");
    }
    for c in &f[common..] {
        out.push(c);
    }
    out.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::materialization::{FieldChoices, NewBinding};
    use crate::catalog::types::{ContentRef, Endpoint};
    use serde_json::json;

    fn new(collections: &[&str]) -> NewMaterialization {
        NewMaterialization {
            name: "acmeCo/pg".into(),
            endpoint: Endpoint::image(
                "ghcr.io/estuary/materialize-postgres:v1",
                ContentRef::Path("pg.config.yaml".into()),
            ),
            imports: vec!["src.flow.yaml".into()],
            edit: false,
            bindings: collections
                .iter()
                .map(|c| NewBinding {
                    collection: c.to_string(),
                    resource: json!({"table": c.rsplit('/').next().unwrap()}),
                    fields: FieldChoices::new_binding(),
                    disable: false,
                })
                .collect(),
        }
    }

    #[test]
    fn a_rerun_keeps_comments_and_hand_edits() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let first = plan_materialization(dir, "pg", &new(&["acmeCo/a"]), false).unwrap();
        assert!(!first.merged);
        first.plan.write_all().unwrap();
        let path = dir.join("pg.flow.yaml");
        let text = std::fs::read_to_string(&path).unwrap();
        let edited = format!(
            "# my notes\n{}",
            text.replace("table: a", "table: a_renamed # mine")
        );
        std::fs::write(&path, &edited).unwrap();

        let again =
            plan_materialization(dir, "pg", &new(&["acmeCo/a", "acmeCo/b"]), false).unwrap();
        assert!(again.merged);
        assert_eq!(again.merge.added, vec!["acmeCo/b"]);
        let out = again.flow_yaml();
        assert!(out.starts_with("# my notes\n"), "{out}");
        assert!(out.contains("table: a_renamed # mine"), "{out}");
        assert!(out.contains("source: acmeCo/b"), "{out}");
        assert!(again.warnings.is_empty(), "{:?}", again.warnings);

        let replaced = plan_materialization(dir, "pg", &new(&["acmeCo/b"]), true).unwrap();
        assert!(!replaced.merged);
        assert!(!replaced.flow_yaml().contains("a_renamed"));
    }

    #[test]
    fn imports_are_relative_to_the_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let base = tmp.path();
        std::fs::create_dir_all(base.join("out")).unwrap();
        std::fs::create_dir_all(base.join("src")).unwrap();
        std::fs::write(base.join("src/x.flow.yaml"), "{}").unwrap();
        assert_eq!(
            import_path(&base.join("out"), &base.join("src/x.flow.yaml")),
            "../src/x.flow.yaml"
        );
        assert_eq!(
            import_path(base, &base.join("src/x.flow.yaml")),
            "src/x.flow.yaml"
        );
    }
}
