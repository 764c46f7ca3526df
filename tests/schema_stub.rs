//! Stub snapshots for representative specs (reviewed line by line against flowctl's format), and
//! the stub's promises on small schemas.

use catwalk::schema::{stub_yaml, with_defaults};
use serde_json::{Value, json};

mod support;

fn spec(path: &str, key: &str) -> Value {
    let file = support::specs_dir().join(path);
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
    let spec: Value = serde_json::from_str(&text).expect("spec JSON");
    spec[key].clone()
}

fn snapshot(name: &str, stub: &str) {
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!(name, stub);
    });
}

#[test]
fn estuary_source_postgres() {
    let stub = stub_yaml(&spec("estuary/source-postgres.json", "configSchema")).unwrap();
    snapshot("stub_estuary_source_postgres", &stub);
}

#[test]
fn airbyte_source_postgres() {
    let stub = stub_yaml(&spec(
        "airbyte/source-postgres.json",
        "connectionSpecification",
    ))
    .unwrap();
    snapshot("stub_airbyte_source_postgres", &stub);
}

#[test]
fn airbyte_source_file() {
    let stub = stub_yaml(&spec(
        "airbyte-legacy-catalog/source-file-secure.json",
        "connectionSpecification",
    ))
    .unwrap();
    snapshot("stub_airbyte_source_file_secure", &stub);
}

#[test]
fn estuary_materialize_s3_iceberg() {
    let stub = stub_yaml(&spec("estuary/materialize-s3-iceberg.json", "configSchema")).unwrap();
    snapshot("stub_estuary_materialize_s3_iceberg", &stub);
}

#[test]
fn flowctl_shape_for_a_flat_object() {
    let schema = json!({
        "type": "object",
        "required": ["database", "password"],
        "properties": {
            "database": {"type": "string", "default": "postgres",
                         "description": "Logical database name to capture from."},
            "password": {"type": "string", "secret": true, "title": "Password"},
            "port": {"type": "integer"}
        }
    });
    let stub = stub_yaml(&schema).unwrap();
    assert_eq!(
        stub,
        "database: postgres\n\
         # Logical database name to capture from.\n\
         # [string] (required)\n\
         password: \"\"\n\
         # Password\n\
         # [string] (required) (secret)\n\
         # port: 0\n\
         # [integer]\n"
    );
    let parsed: Value = serde_yaml::from_str(&stub).unwrap();
    assert_eq!(parsed, json!({"database": "postgres", "password": ""}));
    assert_eq!(with_defaults(&schema, &parsed), parsed);
}

#[test]
fn a_choice_writes_its_preselected_option_and_names_the_others() {
    let schema = json!({
        "type": "object",
        "required": ["auth"],
        "properties": {"auth": {
            "title": "Authentication",
            "default": {"kind": "key"},
            "discriminator": {"propertyName": "kind"},
            "oneOf": [
                {"title": "Password", "properties": {"kind": {"const": "pw"},
                    "password": {"type": "string", "secret": true}}, "required": ["kind", "password"]},
                {"title": "API key", "properties": {"kind": {"const": "key"},
                    "key": {"type": "string", "airbyte_secret": true}}, "required": ["kind", "key"]}
            ]
        }}
    });
    let stub = stub_yaml(&schema).unwrap();
    assert_eq!(
        stub,
        "auth:\n  \
           # Authentication\n  \
           # [object] (required)\n  \
           # One of: Password | API key (below).\n  \
           # Choose with kind: pw | key.\n  \
           kind: key\n  \
           # [string] (required)\n  \
           key: \"\"\n  \
           # [string] (required) (secret)\n"
    );
    let parsed: Value = serde_yaml::from_str(&stub).unwrap();
    assert_eq!(parsed, json!({"auth": {"kind": "key", "key": ""}}));
}

#[test]
fn an_all_optional_schema_still_parses_to_an_object() {
    let schema = json!({"properties": {"a": {"type": "string"}}});
    let parsed: Value = serde_yaml::from_str(&stub_yaml(&schema).unwrap()).unwrap();
    assert_eq!(parsed, json!({}));
}

#[test]
fn a_list_of_objects_names_its_item_fields() {
    let schema = json!({"required": ["rows"], "properties": {"rows": {"type": "array", "items": {
        "type": "object", "required": ["name"],
        "properties": {"name": {"type": "string"}, "key": {"type": "string", "secret": true}}
    }}}});
    assert_eq!(
        stub_yaml(&schema).unwrap(),
        "rows: []\n\
         # Each item: name [string] (required), key [string] (secret)\n\
         # [array] (required)\n"
    );
}
