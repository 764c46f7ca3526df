//! The repository keeps copies of what its tests and binary use from `../shared` (the project's shared
//! reference folder, beside the project root): the spec corpus in tests/fixtures/specs and Flow's catalog
//! schema in assets/flow.schema.json. When `../shared` is there, the copies must match it file for file;
//! a clone of the repository has no `../shared`, and every other test runs without it.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every file below `dir`, by its path relative to `dir`, with its bytes.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    support::files_below(dir)
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p.strip_prefix(dir).unwrap().to_path_buf(), bytes)
        })
        .collect()
}

/// What differs between the copy and the reference, one line per file.
fn differences(copy: &Path, reference: &Path) -> Vec<String> {
    let (ours, theirs) = (files(copy), files(reference));
    let mut out = Vec::new();
    for (path, bytes) in &theirs {
        match ours.get(path) {
            None => out.push(format!(
                "missing from {}: {}",
                copy.display(),
                path.display()
            )),
            Some(b) if b != bytes => out.push(format!("differs: {}", path.display())),
            Some(_) => {}
        }
    }
    for path in ours.keys().filter(|p| !theirs.contains_key(*p)) {
        out.push(format!(
            "not in {}: {}",
            reference.display(),
            path.display()
        ));
    }
    out
}

#[test]
fn the_copies_match_shared_when_it_is_there() {
    let copy = support::specs_dir();
    assert!(
        files(&copy).len() >= 180,
        "the spec corpus is missing from {}",
        copy.display()
    );
    let Some(shared) = support::shared_dir() else {
        eprintln!("no ../shared beside the project root: nothing to compare the copies with");
        return;
    };
    let diff = differences(&copy, &shared.join("specs"));
    assert!(
        diff.is_empty(),
        "tests/fixtures/specs is not a copy of {}: copy it again\n{}",
        shared.join("specs").display(),
        diff.join("\n")
    );
    let embedded = include_str!("../assets/flow.schema.json");
    let reference = std::fs::read_to_string(shared.join("flow.schema.json")).unwrap();
    assert!(
        embedded == reference,
        "assets/flow.schema.json differs from {}: copy it again",
        shared.join("flow.schema.json").display()
    );
}

/// The comparison sees a changed, a missing and an extra file.
#[test]
fn the_comparison_sees_every_difference() {
    let tmp = support::temp_dir();
    let (copy, reference) = (tmp.path().join("copy"), tmp.path().join("reference"));
    for dir in [&copy, &reference] {
        std::fs::create_dir_all(dir.join("estuary")).unwrap();
        std::fs::write(dir.join("estuary/same.json"), "{}").unwrap();
    }
    assert!(differences(&copy, &reference).is_empty());
    std::fs::write(copy.join("estuary/same.json"), "{ }").unwrap();
    std::fs::write(reference.join("estuary/new.json"), "{}").unwrap();
    std::fs::write(copy.join("estuary/old.json"), "{}").unwrap();
    let diff = differences(&copy, &reference);
    assert_eq!(diff.len(), 3, "{diff:?}");
    assert!(diff[0].ends_with("estuary/new.json"), "{diff:?}");
    assert_eq!(diff[1], "differs: estuary/same.json");
    assert!(diff[2].ends_with("estuary/old.json"), "{diff:?}");
}
