//! The background work of a materialization's steps, run by the task executor (`tasks.rs`): reading the
//! catalogs whose collections can be bound (`ops::materialize::sources`: every `*.flow.yaml` under the
//! directory, plus the files opened by path), the connector's validate of the chosen bindings with
//! Flow's field selection (`ops::materialize::validate`), and planning and writing the catalog
//! (`ops::materialize::plan_save` / `save`) as the review shows it (`SavePreview`, `SaveDone`).

use super::materialization::Loaded;
use super::msg::{SaveDone, SavePreview, SaveRequest};
use crate::catalog::{self, FileStatus, MaterializationOutcome, NewMaterialization};
use crate::ops::materialize;
use std::path::{Path, PathBuf};

/// Read the catalogs in `dir` (as typed; `~` is the home directory, relative is under the current
/// directory) and the files `opened` by path (relative to `dir`). A catalog of the directory that cannot
/// be read is a problem named with its path; an opened one that cannot be read too. Collections are kept
/// once each, sorted by name.
pub fn load_catalogs(dir: &str, opened: &[String]) -> Result<Loaded, String> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let dir = crate::ops::save::resolve_dir(dir, home.as_deref()).map_err(|e| e.to_string())?;
    if !dir.is_dir() {
        return Err(format!(
            "{} is not a directory: set the directory on the review (Save) step, or open a catalog file (o)",
            dir.display()
        ));
    }
    // Nothing is the materialization's own file yet: its name is typed on the review.
    let own = dir.join(".catwalk-none");
    let found = materialize::sources(&dir, &[], &own).map_err(|e| e.to_string())?;
    let mut out = Loaded {
        dir: dir.clone(),
        files: found.files,
        collections: found.collections,
        problems: found.warnings,
    };
    for typed in opened {
        let path = crate::text::expand_home(typed.trim(), home.as_deref())?;
        let path = if path.is_absolute() {
            path
        } else {
            dir.join(path)
        };
        match materialize::sources(&dir, std::slice::from_ref(&path), &own) {
            Ok(more) => {
                for c in more.collections {
                    if !out.collections.iter().any(|s| s.name == c.name) {
                        out.collections.push(c);
                    }
                }
                for f in more.files {
                    if !out.files.contains(&f) {
                        out.files.push(f);
                    }
                }
            }
            Err(e) => out.problems.push(format!("{}: {e}", path.display())),
        }
    }
    out.collections.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// The operation's request for the review's save of a materialization.
fn request(req: &SaveRequest) -> Result<materialize::SaveRequest, String> {
    let m = req
        .materialization
        .as_ref()
        .ok_or("not a materialization")?;
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let dir =
        crate::ops::save::resolve_dir(&req.dir, home.as_deref()).map_err(|e| e.to_string())?;
    if dir.is_file() {
        return Err(format!(
            "{} is a file: give a directory to write the catalog in",
            dir.display()
        ));
    }
    let file_name = req.name.clone();
    let runs = req.run.choice.endpoint();
    let target = crate::ops::discover::Target {
        prefix: &req.prefix,
        name: &req.name,
        endpoint: &runs,
        protocol: req.run.protocol,
        network: None,
    };
    let (endpoint, _) = crate::ops::discover::endpoint(&target);
    Ok(materialize::SaveRequest {
        materialization: NewMaterialization {
            name: format!("{}/{}", req.prefix, req.name),
            endpoint,
            imports: materialize::imports(&dir, &m.files),
            bindings: m.bindings.clone(),
        },
        dir,
        file_name,
        replace: req.replace,
        config: Some(req.config.clone()),
        config_schema: req.config_schema.clone(),
        protection: req.protection.clone(),
    })
}

fn relative(path: &Path, dir: &Path) -> String {
    path.strip_prefix(dir).unwrap_or(path).display().to_string()
}

/// What a materialization's save would write, for the review screen.
pub fn plan(req: &SaveRequest) -> Result<SavePreview, String> {
    let r = request(req)?;
    let existed = r.dir.join(catalog::flow_file_name(&r.file_name)).exists();
    let outcome = materialize::plan_save(&r).map_err(|e| e.to_string())?;
    let plaintext_secrets = crate::ops::save::plaintext_secrets(
        &req.config_schema,
        &req.config,
        req.protection.as_ref(),
    )
    .map_err(|e| e.to_string())?;
    Ok(preview(req, &r, &outcome, existed, plaintext_secrets))
}

fn preview(
    req: &SaveRequest,
    r: &materialize::SaveRequest,
    outcome: &MaterializationOutcome,
    existed: bool,
    plaintext_secrets: Vec<String>,
) -> SavePreview {
    let mut warnings = outcome.warnings.clone();
    warnings.extend(outcome.merge.warnings.iter().cloned());
    let kept_as_is = if existed && !req.replace {
        outcome
            .merge
            .kept
            .iter()
            .map(|c| format!("{c} keeps its binding as in the file"))
            .collect()
    } else {
        Vec::new()
    };
    SavePreview {
        dir: r.dir.clone(),
        files: outcome
            .plan
            .files()
            .iter()
            .map(|f| (relative(&f.path, &r.dir), f.status))
            .collect(),
        flow_yaml: outcome.flow_yaml(),
        merged: (existed && !req.replace).then(|| {
            format!(
                "{} binding(s) added, {} kept as in the file",
                outcome.merge.added.len(),
                outcome.merge.kept.len()
            )
        }),
        replace: req.replace && existed,
        kept_as_is,
        warnings,
        plaintext_secrets,
        sops_rules: crate::ops::save::sops_rules(&r.dir),
        // A materialization's merge is told by `merged` and `kept_as_is`: no capture diff.
        diff: Default::default(),
        env_age_recipients: std::env::var("SOPS_AGE_RECIPIENTS")
            .ok()
            .filter(|s| !s.trim().is_empty()),
    }
}

/// Plan again and write; refused when a file that exists would change and the person has not chosen
/// merge or overwrite.
pub fn save(req: &SaveRequest) -> Result<SaveDone, String> {
    let r = request(req)?;
    if !req.confirmed {
        let outcome = materialize::plan_save(&r).map_err(|e| e.to_string())?;
        if let Some(f) = outcome
            .plan
            .files()
            .iter()
            .find(|f| f.status == FileStatus::Changed)
        {
            return Err(format!(
                "{} exists and would change: choose to merge or to overwrite first",
                f.path.display()
            ));
        }
    }
    let (outcome, summary) = materialize::save(&r).map_err(|e| e.to_string())?;
    let endpoint = outcome
        .merge
        .catalog
        .materializations
        .get(&outcome.name)
        .map(|m| m.endpoint.clone());
    Ok(SaveDone {
        flow_file: outcome.flow_file,
        config_file: r.dir.join(catalog::config_file_name(&r.file_name)),
        written: summary.written,
        unchanged: summary.unchanged,
        capture: outcome.name,
        endpoint,
        pushed: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogs_are_found_and_a_broken_one_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("sub")).unwrap();
        std::fs::write(
            d.join("sub/a.flow.yaml"),
            "collections:\n  acmeCo/users:\n    key: [/id]\n    schema:\n      type: object\n      properties: {id: {type: integer}}\n      required: [id]\n",
        )
        .unwrap();
        std::fs::write(d.join("broken.flow.yaml"), "collections: [").unwrap();
        let loaded = load_catalogs(&d.display().to_string(), &["nope.flow.yaml".into()]).unwrap();
        assert_eq!(loaded.collections.len(), 1);
        assert_eq!(loaded.collections[0].name, "acmeCo/users");
        assert_eq!(loaded.collections[0].key, ["/id"]);
        assert_eq!(loaded.problems.len(), 2, "{:?}", loaded.problems);
        assert!(loaded.problems[0].contains("broken.flow.yaml"));
        assert!(loaded.problems[1].contains("nope.flow.yaml"));
        let err = load_catalogs(&d.join("nope").display().to_string(), &[]).unwrap_err();
        assert!(err.contains("is not a directory"), "{err}");
    }
}
