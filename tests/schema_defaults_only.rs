//! A stub or a new form sets only what the schema asks for: its active (uncommented) values and a new
//! form's initial config hold schema defaults and required fields, nothing else. A `const` is not a
//! default: it is written only where the field is required (or is the discriminator of a choice's
//! option). Checked over every spec of the corpus, and on a real Singer tap (tap-postgres), whose
//! `stream_maps: {__else__: __NULL__}` once came out active and made the tap emit no records.

mod support;

use catwalk::schema::{self, Field, Form, Kind, placeholder};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Duration;

/// The spec corpus the repository carries (one place: `support::specs_dir`).
fn specs_dir() -> PathBuf {
    support::specs_dir()
}

/// The one corpus schema that is invalid on purpose (`type: ["number", null]`).
const KNOWN_INVALID: &str = "source-salesforce-singer.json#connectionSpecification";

/// (name, schema) for every config and resource schema in the corpus.
fn corpus() -> Vec<(String, Value)> {
    let mut files: Vec<PathBuf> = Vec::new();
    let specs = specs_dir();
    for dir in ["estuary", "airbyte", "airbyte-legacy-catalog"] {
        let Ok(entries) = std::fs::read_dir(specs.join(dir)) else {
            continue;
        };
        files.extend(
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "json")),
        );
    }
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let spec: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).expect("spec is JSON");
        let file = path.file_name().unwrap().to_string_lossy().to_string();
        for key in [
            "configSchema",
            "resourceConfigSchema",
            "connectionSpecification",
        ] {
            if let Some(schema) = spec.get(key).filter(|s| s.is_object()) {
                out.push((format!("{file}#{key}"), schema.clone()));
            }
        }
    }
    out
}

/// Why `value` (at `at`, described by `field`) is more than defaults and required fields, if it is.
/// `required`: the value must exist (a required field, a discriminator, the root). `default`: the
/// value an enclosing default gives this place. Returns whether a default was found inside.
fn only_defaults(
    field: &Field,
    value: &Value,
    at: &str,
    required: bool,
    default: Option<&Value>,
) -> Result<bool, String> {
    if field.default.as_ref() == Some(value) || default == Some(value) {
        return Ok(true);
    }
    let (body, tag) = match &field.kind {
        Kind::Choice(choice) => {
            let option = &choice.options[choice.select(Some(value))];
            (&option.field, choice.discriminator.as_deref())
        }
        _ => (field, None),
    };
    match (&body.kind, value) {
        (Kind::Object(object), Value::Object(map)) => {
            let mut found = false;
            for (key, v) in map {
                let child_at = format!("{at}/{key}");
                let child = object
                    .field(key)
                    .ok_or_else(|| format!("{child_at}: {v} is not in the schema"))?;
                let hint = field.default.as_ref().or(default).and_then(|d| d.get(key));
                let must = child.required || tag == Some(key.as_str());
                found |= only_defaults(child, v, &child_at, must, hint)?;
            }
            // An optional object exists only by a default: its own (to which fill adds the option's
            // discriminator and nested defaults), or one inside it.
            let by_default = field.default.is_some() || default.is_some();
            if !required && !found && !by_default {
                return Err(format!(
                    "{at}: the optional object {value} is set, but holds no default"
                ));
            }
            Ok(found || by_default)
        }
        _ if required => {
            let pinned = [&body.const_value, &field.const_value]
                .into_iter()
                .flatten()
                .any(|c| c == value);
            if pinned || *value == placeholder(body) || *value == placeholder(field) {
                Ok(false)
            } else {
                Err(format!(
                    "{at}: {value} is neither the default nor a placeholder"
                ))
            }
        }
        _ => Err(format!(
            "{at}: {value} is set on an optional field that has no such default (const {:?})",
            body.const_value.as_ref().or(field.const_value.as_ref())
        )),
    }
}

/// The stub's active values and a new form's config, checked; `Err` names the first offence.
fn check(schema: &Value) -> Result<(), String> {
    let form = Form::build(schema).map_err(|e| format!("form: {e}"))?;
    only_defaults(form.root(), &form.to_config(), "", true, None)
        .map_err(|e| format!("new form: {e}"))?;
    let stub = schema::stub_yaml(schema).map_err(|e| format!("stub: {e}"))?;
    let active: Value = serde_yaml::from_str(&stub).map_err(|e| format!("stub YAML: {e}"))?;
    only_defaults(form.root(), &active, "", true, None).map_err(|e| format!("stub: {e}"))?;
    Ok(())
}

#[test]
fn every_corpus_stub_and_new_form_hold_only_defaults_and_required_fields() {
    let corpus = corpus();
    assert!(
        corpus.len() >= 180,
        "expected the shared specs, found {}",
        corpus.len()
    );
    let failures: Vec<String> = corpus
        .iter()
        .filter(|(name, _)| !name.ends_with(KNOWN_INVALID))
        .filter_map(|(name, schema)| check(schema).err().map(|e| format!("{name}: {e}")))
        .collect();
    println!("{} schemas checked", corpus.len() - 1);
    assert!(
        failures.is_empty(),
        "{} schemas set more than defaults:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn an_optional_const_is_not_a_default() {
    // Singer SDK taps' `stream_maps`, as tap-postgres publishes it.
    let schema = json!({"type": "object", "properties": {
        "host": {"type": "string", "default": "localhost"},
        "stream_maps": {"type": ["object", "null"], "properties": {
            "__else__": {"anyOf": [{"const": "__NULL__"}, {"type": "null"}]}}},
        "ssh": {"type": "object", "required": ["method"], "properties": {
            "method": {"const": "none"}}},
        "auth": {"type": "object", "required": ["mode"], "properties": {
            "mode": {"const": "password"}, "port": {"type": "integer", "default": 22}}},
        "tunnel": {"oneOf": [
            {"title": "None", "properties": {"kind": {"const": "none"}}},
            {"title": "SSH", "properties": {"kind": {"const": "ssh"}, "host": {"type": "string"}}}
        ]}
    }, "required": ["tunnel"]});
    let defaults = schema::with_defaults(&schema, &json!({}));
    // No stream_maps, no `ssh` made of a const alone; `auth` has a real default, so its required
    // const comes along; the discriminator of the required choice is written.
    assert_eq!(
        defaults,
        json!({"host": "localhost", "auth": {"mode": "password", "port": 22}, "tunnel": {"kind": "none"}})
    );
    check(&schema).unwrap();
    let stub = schema::stub_yaml(&schema).unwrap();
    assert!(stub.contains("# stream_maps:"), "{stub}");
    let active: Value = serde_yaml::from_str(&stub).unwrap();
    assert_eq!(active, defaults, "{stub}");
}

#[test]
fn tap_postgres_stub_leaves_stream_maps_commented_out() {
    let dir = support::temp_dir();
    let tap = support::postgres::singer_bin_dir("tap-postgres");
    let path = std::env::join_paths([tap].into_iter().chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    let mut spec = support::catwalk(dir.path());
    spec.env("PATH", &path)
        .args(["spec", "--local", "--", "tap-postgres"]);
    let ran = support::run_with_timeout(&mut spec, None, Duration::from_secs(120));
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let spec: Value = serde_json::from_str(&ran.stdout()).expect("spec JSON");
    let config_schema = &spec["configSchema"];
    assert!(
        config_schema["properties"]["stream_maps"].is_object(),
        "the tap still publishes stream_maps: {config_schema}"
    );
    check(config_schema).unwrap();

    let mut discover = support::catwalk(dir.path());
    discover
        .env("PATH", &path)
        .args(["discover", "--local", "--", "tap-postgres"]);
    let ran = support::run_with_timeout(&mut discover, None, Duration::from_secs(120));
    let stub_path = dir.path().join("acmeCo/tap-postgres.config.yaml");
    let stub = std::fs::read_to_string(&stub_path)
        .unwrap_or_else(|e| panic!("no stub ({e}): {}", ran.stderr()));
    let active: Value = serde_yaml::from_str(&stub).unwrap();
    assert!(
        active.get("stream_maps").is_none(),
        "stream_maps is active in the stub:\n{stub}"
    );
    assert!(stub.contains("# stream_maps:"), "{stub}");
}
