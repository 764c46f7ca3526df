//! The background work of a materialization's steps, run by the task executor (`tasks.rs`): reading the
//! catalogs whose collections can be bound (`ops::materialize::sources`: every `*.flow.yaml` under the
//! directory, plus the files opened by path). Its validate is `ops::materialize::validate`; its save goes
//! through `ops::save` with the other kind's (`saving.rs`).

use super::materialization::Loaded;
use super::msg::TaskError;
use crate::ops::materialize;
use std::path::PathBuf;

/// Read the catalogs in `dir` (as typed; `~` is the home directory, relative is under the current
/// directory) and the files `opened` by path (relative to `dir`). A catalog of the directory that cannot
/// be read is a problem named with its path; an opened one that cannot be read too. Collections are kept
/// once each, sorted by name.
pub fn load_catalogs(dir: &str, opened: &[String]) -> Result<Loaded, TaskError> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let dir = crate::ops::save::resolve_dir(dir, home.as_deref())?;
    if !dir.is_dir() {
        return Err(TaskError::invalid(format!(
            "{} is not a directory: set the directory on the review (Save) step, or open a catalog file (o)",
            dir.display()
        )));
    }
    // Nothing is the materialization's own file yet: its name is typed on the review.
    let own = dir.join(".catwalk-none");
    let found = materialize::sources(&dir, &[], &own)?;
    let mut out = Loaded {
        dir: dir.clone(),
        files: found.files,
        collections: found.collections,
        problems: found.warnings,
    };
    for typed in opened {
        let path =
            crate::text::expand_home(typed.trim(), home.as_deref()).map_err(TaskError::invalid)?;
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
        assert!(err.message.contains("is not a directory"), "{err}");
    }
}
