//! Helpers shared by the catalog integration tests: discovered bindings and catalog validation.
#![allow(dead_code)]

use catwalk::catalog::{self, Catalog};
use catwalk::model::DiscoveredBinding;
use serde_json::{Value, json};

/// A discovered binding for stream `name` keyed on `/id`.
pub fn binding(name: &str) -> DiscoveredBinding {
    DiscoveredBinding {
        recommended_name: name.to_string(),
        resource_config: json!({"stream": name, "syncMode": "incremental"}),
        document_schema: json!({
            "type": "object",
            "properties": {"id": {"type": "integer"}, "note": {"type": "string"}},
            "required": ["id"],
        }),
        key: vec!["/id".to_string()],
        disable: false,
        is_fallback_key: false,
        resource_path: vec![name.to_string()],
        read_modes: None,
    }
}

/// Give `b` the fallback key `/_meta/row_id`, declared in its schema as the connector layer does.
pub fn with_fallback_key(b: &mut DiscoveredBinding) {
    b.key = vec!["/_meta/row_id".into()];
    b.is_fallback_key = true;
    b.document_schema["properties"]["_meta"] =
        json!({"type": "object", "properties": {"row_id": {"type": "integer"}}});
}

/// Assert the catalog is valid for Flow, printing every error otherwise.
pub fn assert_valid(catalog: &Catalog) {
    if let Err(errors) = catalog::validate_catalog(catalog) {
        panic!("catalog is not valid for Flow:\n{}", errors.join("\n"));
    }
}

/// Assert a YAML file's text is a valid Flow catalog.
pub fn assert_valid_yaml(text: &str) {
    let doc: Value = serde_yaml::from_str(text).expect("catalog YAML parses");
    if let Err(errors) = catalog::validate_flow_catalog(&doc) {
        panic!(
            "catalog is not valid for Flow:\n{}\n{text}",
            errors.join("\n")
        );
    }
}
