//! Validation worded for a person on the right field, secrets masked; secret pointers; defaults.

use catwalk::schema::{self, FieldError, Validator, secret_pointers, with_defaults};
use serde_json::{Value, json};

fn errors(schema: &Value, config: &Value) -> Vec<FieldError> {
    schema::validate(schema, config).expect("usable schema")
}

fn creds_schema() -> Value {
    json!({
        "type": "object",
        "required": ["host", "credentials"],
        "properties": {
            "host": {"type": "string", "title": "Host", "minLength": 3},
            "port": {"type": "integer", "minimum": 1, "maximum": 65535},
            "credentials": {
                "title": "Credentials",
                "discriminator": {"propertyName": "auth_type"},
                "oneOf": [
                    {"title": "Password", "type": "object", "required": ["auth_type", "password"],
                     "properties": {"auth_type": {"const": "UserPassword"},
                                    "password": {"type": "string", "title": "Password",
                                                 "secret": true, "minLength": 12}}},
                    {"title": "Key", "type": "object", "required": ["auth_type", "key"],
                     "properties": {"auth_type": {"const": "Key"},
                                    "key": {"type": "string", "airbyte_secret": true}}}
                ]
            }
        }
    })
}

#[test]
fn required_lands_on_the_missing_child_with_its_title() {
    let errs = errors(
        &creds_schema(),
        &json!({"credentials": {"auth_type": "UserPassword"}}),
    );
    let text: Vec<String> = errs.iter().map(ToString::to_string).collect();
    assert_eq!(
        text,
        [
            "Host (/host): is required",
            "Password (/credentials/password): is required"
        ]
    );
}

#[test]
fn secrets_are_masked_in_every_message() {
    let secret = "hunter2-abc";
    let errs = errors(
        &creds_schema(),
        &json!({"host": "db", "port": 0, "credentials": {"auth_type": "UserPassword", "password": secret}}),
    );
    let text: Vec<String> = errs.iter().map(ToString::to_string).collect();
    assert_eq!(
        text,
        [
            "Host (/host): must be at least 3 characters long",
            "Port (/port): must be at least 1",
            "Password (/credentials/password): must be at least 12 characters long",
        ]
    );
    for e in &errs {
        assert!(!e.message.contains(secret));
    }
    // A secret in a message that would quote it.
    let schema = json!({"properties": {"k": {"type": "string", "secret": true, "not": {"const": "abcdef"}}}});
    let errs = errors(&schema, &json!({"k": "abcdef"}));
    assert_eq!(errs.len(), 1);
    assert!(!errs[0].to_string().contains("abcdef"), "{}", errs[0]);
}

#[test]
fn a_failed_choice_reports_the_selected_options_own_errors() {
    let errs = errors(
        &creds_schema(),
        &json!({"host": "db.example", "credentials": {"auth_type": "Key", "key": 7}}),
    );
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].pointer, "/credentials/key");
    assert_eq!(errs[0].message, "must be a string, not a whole number");
    assert_eq!(errs[0].title, "Key");
}

#[test]
fn a_nullable_value_reports_the_inner_errors() {
    let schema = json!({"properties": {"n": {"title": "N",
        "anyOf": [{"type": "integer", "minimum": 5}, {"type": "null"}]}}});
    assert!(errors(&schema, &json!({"n": null})).is_empty());
    let errs = errors(&schema, &json!({"n": 2}));
    assert_eq!(
        errs.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["N (/n): must be at least 5"]
    );
}

#[test]
fn wording_of_common_errors() {
    let schema = json!({"additionalProperties": false, "properties": {
        "e": {"enum": ["a", "b"]},
        "p": {"type": "string", "pattern": "^[0-9]+$", "pattern_descriptor": "digits"},
        "d": {"type": "string", "format": "date-time"},
        "l": {"type": "array", "minItems": 1}
    }});
    let errs = errors(
        &schema,
        &json!({"e": "c", "p": "x", "d": "yesterday", "l": [], "zz": 1}),
    );
    let text: Vec<String> = errs.iter().map(ToString::to_string).collect();
    assert!(
        text.contains(&"Zz (/zz): is not a setting the schema knows here".to_string()),
        "{text:?}"
    );
    assert!(
        text.contains(&"E (/e): must be one of \"a\", \"b\"".to_string()),
        "{text:?}"
    );
    assert!(
        text.contains(&"P (/p): must look like digits (pattern ^[0-9]+$)".to_string()),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|t| t.starts_with("D (/d): must be a valid date-time, such as")),
        "{text:?}"
    );
    assert!(
        text.contains(&"L (/l): must have at least one item".to_string()),
        "{text:?}"
    );
    let root = errors(&json!({"type": "object"}), &json!([]));
    assert_eq!(
        root[0].to_string(),
        "Config (/): must be an object, not a list"
    );
}

#[test]
fn lookbehind_and_unicode_classes_work() {
    let schema = json!({"properties": {
        "a": {"type": "string", "pattern": "^(?!.*(?<=/)/).*$"},
        "b": {"type": "string", "pattern": "^[\\p{Letter}_]+$"}
    }});
    let v = Validator::new(&schema).unwrap();
    assert!(v.warnings().is_empty(), "{:?}", v.warnings());
    assert!(v.validate(&json!({"a": "x/y", "b": "été_x"})).is_empty());
    assert_eq!(v.validate(&json!({"a": "x//y", "b": "1"})).len(), 2);
}

#[test]
fn a_pattern_the_engine_cannot_compile_is_skipped_and_reported() {
    let schema = json!({"properties": {
        "bad": {"type": "string", "pattern": "(unclosed"},
        "n": {"type": "integer"}
    }});
    let v = Validator::new(&schema).unwrap();
    assert_eq!(v.warnings().len(), 1, "{:?}", v.warnings());
    assert!(
        v.warnings()[0].pointer.contains("/properties/bad"),
        "{:?}",
        v.warnings()
    );
    assert!(v.validate(&json!({"bad": "anything"})).is_empty());
    assert_eq!(v.validate(&json!({"n": "x"}))[0].pointer, "/n");
}

#[test]
fn an_unresolvable_ref_does_not_make_the_schema_unusable() {
    let schema =
        json!({"properties": {"a": {"$ref": "#/$defs/Missing"}, "n": {"type": "integer"}}});
    let v = Validator::new(&schema).unwrap();
    assert!(!v.warnings().is_empty());
    assert_eq!(v.validate(&json!({"n": "x"})).len(), 1);
}

#[test]
fn invalid_schemas_are_errors_not_panics() {
    assert!(schema::validate(&json!({"type": ["number", null]}), &json!(1)).is_err());
    assert!(schema::validate(&json!({"minLength": "x"}), &json!("a")).is_err());
}

#[test]
fn secret_pointers_follow_choices_arrays_refs_and_write_only() {
    let schema = json!({
        "$defs": {"Key": {"type": "string", "airbyte_secret": true}},
        "properties": {
            "credentials": creds_schema()["properties"]["credentials"].clone(),
            "tunnels": {"type": "array", "items": {"type": "object", "properties": {
                "private_key": {"$ref": "#/$defs/Key"}}}},
            "token": {"type": "string", "writeOnly": true},
            "plain": {"type": "string"}
        }
    });
    let config = json!({
        "credentials": {"auth_type": "Key", "key": "k", "password": "not-this-option"},
        "tunnels": [{"private_key": "a"}, {}, {"private_key": "b"}],
        "token": "t",
        "plain": "p"
    });
    assert_eq!(
        secret_pointers(&schema, &config),
        [
            "/credentials/key",
            "/tunnels/0/private_key",
            "/tunnels/2/private_key",
            "/token"
        ]
    );
}

#[test]
fn defaults_fill_options_items_and_keep_unknowns() {
    let schema = json!({"properties": {
        "creds": {"default": {"t": "b"}, "oneOf": [
            {"properties": {"t": {"const": "a"}, "x": {"type": "integer", "default": 1}}},
            {"properties": {"t": {"const": "b"}, "y": {"type": "integer", "default": 2}}}
        ]},
        "items": {"type": "array", "items": {"properties": {"z": {"default": 3}}}},
        "opt": {"type": "object", "properties": {"w": {"type": "string", "default": "w"}}},
        "incomplete": {"type": "object", "required": ["need"], "properties": {
            "need": {"type": "string"}, "d": {"type": "string", "default": "d"}}},
        "tunnel": {"oneOf": [
            {"properties": {"m": {"const": "none"}}},
            {"properties": {"m": {"const": "ssh"}, "host": {"type": "string"}}, "required": ["host"]}
        ]}
    }});
    assert_eq!(
        with_defaults(&schema, &json!({"items": [{}, {"z": 9}], "keep": true})),
        json!({
            "creds": {"t": "b", "y": 2},
            "items": [{"z": 3}, {"z": 9}],
            "opt": {"w": "w"},
            // An optional choice whose option holds only a `const` is not created: a const is no default
            // (tap-postgres' `stream_maps: {__else__: __NULL__}` made the tap emit nothing).
            "keep": true
        })
    );
    assert_eq!(
        with_defaults(
            &schema,
            &json!({"creds": {"t": "a"}, "tunnel": {"m": "ssh"}})
        ),
        json!({"creds": {"t": "a", "x": 1}, "opt": {"w": "w"}, "tunnel": {"m": "ssh"}})
    );
    // An unusable schema leaves the config as it was.
    assert_eq!(
        with_defaults(&json!({"type": 5}), &json!({"a": 1})),
        json!({"a": 1})
    );
}

#[test]
fn a_config_nested_too_deep_is_refused_not_checked() {
    let mut config = json!(1);
    for _ in 0..40 {
        config = json!({"a": config});
    }
    let errs = errors(&json!({"properties": {"a": {"$ref": "#"}}}), &config);
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].pointer, "");
    assert!(
        errs[0].message.contains("nested more than 32 levels"),
        "{}",
        errs[0]
    );
}
