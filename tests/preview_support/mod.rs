//! What the preview tests share: reading `catwalk preview`'s stdout, and checking every document against
//! its collection's schema and key, as the catalog on disk defines them (independently of catwalk's check).

#![allow(dead_code)] // each test binary uses its share

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// stdout's lines as `(collection, document)`, and the `connectorState` updates apart. Panics on a line that
/// is not `["<name>", <value>]`.
pub fn read_output(stdout: &str) -> (Vec<(String, Value)>, Vec<Value>) {
    let (mut docs, mut states) = (Vec::new(), Vec::new());
    for line in stdout.lines() {
        let v: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {line}"));
        let pair = v.as_array().filter(|a| a.len() == 2);
        let Some([name, value]) = pair.map(|a| [&a[0], &a[1]]) else {
            panic!("stdout line is not [name, value]: {line}");
        };
        let name = name.as_str().expect("the first element is a string");
        if name == "connectorState" {
            states.push(value.clone());
        } else {
            docs.push((name.to_string(), value.clone()));
        }
    }
    (docs, states)
}

/// Documents per collection.
pub fn counts(docs: &[(String, Value)]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for (c, _) in docs {
        *counts.entry(c.clone()).or_default() += 1;
    }
    counts
}

/// Every document matches its collection's write schema and carries its key (the catalog loaded from disk).
pub fn assert_all_valid(catalog: &Path, docs: &[(String, Value)]) {
    let loaded = catwalk::catalog::load(catalog).expect("the catalog loads");
    let mut validators = BTreeMap::new();
    for (collection, doc) in docs {
        let c = loaded
            .collections
            .get(collection)
            .unwrap_or_else(|| panic!("{collection} is not a collection of {}", catalog.display()));
        let v = validators.entry(collection.clone()).or_insert_with(|| {
            jsonschema::validator_for(&c.write_schema).expect("the schema compiles")
        });
        if let Err(e) = v.validate(doc) {
            panic!(
                "a document of {collection} breaks its schema at {}: {e}\n{doc}",
                e.instance_path()
            );
        }
        for key in &c.key {
            assert!(
                doc.pointer(key).is_some(),
                "a document of {collection} lacks its key {key}: {doc}"
            );
        }
    }
}
