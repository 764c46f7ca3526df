//! Validating catalogs against Flow's own JSON Schema of catalogs, generated from estuary/flow's models
//! crate. A copy is embedded (`assets/flow.schema.json`), so an installed binary validates too;
//! tests/shared_copies.rs keeps it identical to the shared reference (`../shared/flow.schema.json`) when
//! that folder is there (a clone of the repository has none).

use crate::catalog::types::Catalog;
use crate::clip::{ECHO, QUOTE, clip};
use serde_json::Value;
use std::sync::OnceLock;

/// Flow's catalog schema as embedded in the binary.
pub const FLOW_SCHEMA: &str = include_str!("../../assets/flow.schema.json");

/// A compiled validator for Flow catalogs, built once. Its name patterns use `\p{Letter}`, which the
/// jsonschema crate's default regex engine handles (a test checks that it really does).
pub fn flow_schema_validator() -> Result<&'static jsonschema::Validator, String> {
    static VALIDATOR: OnceLock<Result<jsonschema::Validator, String>> = OnceLock::new();
    VALIDATOR
        .get_or_init(|| {
            let schema: Value = serde_json::from_str(FLOW_SCHEMA)
                .map_err(|e| format!("the embedded Flow catalog schema is not JSON: {e}"))?;
            jsonschema::validator_for(&schema)
                .map_err(|e| format!("the embedded Flow catalog schema is not usable: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// Validate a catalog document (as JSON) against Flow's schema. On failure, one line per error:
/// `/captures/acmeCo~1x/bindings/0: "target" is a required property`.
pub fn validate_flow_catalog(document: &Value) -> Result<(), Vec<String>> {
    let validator = flow_schema_validator().map_err(|e| vec![e])?;
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|e| {
            // The message quotes the value at fault, which may be megabytes: shown clipped.
            let mut text = e.to_string();
            if text.len() > QUOTE * 2 {
                text = e
                    .masked_with(clip(&e.instance().to_string(), QUOTE))
                    .to_string();
            }
            let at = clip(&e.instance_path().to_string(), QUOTE);
            clip(&format!("{}: {text}", display_path(&at)), ECHO)
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Validate a [`Catalog`] (serialised to JSON first) against Flow's schema.
pub fn validate_catalog(catalog: &Catalog) -> Result<(), Vec<String>> {
    let document =
        serde_json::to_value(catalog).map_err(|e| vec![format!("catalog is not JSON: {e}")])?;
    validate_flow_catalog(&document)
}

fn display_path(p: &str) -> &str {
    if p.is_empty() { "(top level)" } else { p }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn collection_named(name: &str) -> Value {
        json!({"collections": {name: {"key": ["/id"], "schema": {"type": "object"}}}})
    }

    #[test]
    fn letter_patterns_work() {
        for ok in ["acmeCo/orders", "ünï/cödé-1.2_3", "東京/データ", "a/b/c"] {
            assert!(
                validate_flow_catalog(&collection_named(ok)).is_ok(),
                "{ok} should be valid"
            );
        }
        for bad in ["acme Co/x", "a//b", "a/b/", "/a", "a:b", "a\\b"] {
            assert!(
                validate_flow_catalog(&collection_named(bad)).is_err(),
                "{bad} should be rejected"
            );
        }
    }

    #[test]
    fn structure_is_checked() {
        let no_key = json!({"collections": {"a/b": {"schema": {}}}});
        assert!(validate_flow_catalog(&no_key).is_err());
        let both = json!({"collections": {"a/b": {"key": ["/id"], "schema": {}, "writeSchema": {}, "readSchema": {}}}});
        assert!(validate_flow_catalog(&both).is_err());
        let unknown = json!({"collectionz": {}});
        let errs = validate_flow_catalog(&unknown).unwrap_err();
        assert!(errs[0].contains("collectionz"), "{errs:?}");
    }
}
