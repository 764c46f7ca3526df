//! Every real connector spec under tests/fixtures/specs: the form builds, defaults plus a generated
//! value for each required field validate against the spec's own schema, the stub parses back to
//! the defaults, and nothing panics. Prints how often each construct appears.

use catwalk::schema::{self, Field, Form, Kind, Validator};
use regex_syntax::hir::{Class, Hir, HirKind};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::path::PathBuf;

mod support;

/// The one corpus schema that is invalid on purpose (`type: ["number", null]`).
const KNOWN_INVALID: &[&str] = &["source-salesforce-singer.json#connectionSpecification"];

fn spec_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["estuary", "airbyte", "airbyte-legacy-catalog"] {
        let path = support::specs_dir().join(dir);
        let entries = std::fs::read_dir(&path)
            .unwrap_or_else(|e| panic!("cannot read the specs in {}: {e}", path.display()));
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// (name, schema) for every config and resource schema in the corpus.
fn corpus() -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for path in spec_files() {
        let text = std::fs::read_to_string(&path).expect("readable spec");
        let spec: Value = serde_json::from_str(&text).expect("spec is JSON");
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

#[test]
fn every_corpus_spec_works() {
    let corpus = corpus();
    assert!(
        corpus.len() >= 180,
        "expected the corpus of tests/fixtures/specs, found {}",
        corpus.len()
    );
    let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for (name, schema) in &corpus {
        count_raw(schema, &mut counts);
        let form = match Form::build(schema) {
            Ok(form) => form,
            Err(e) if KNOWN_INVALID.iter().any(|k| name.ends_with(k)) => {
                assert!(e.pointer().ends_with("/type"), "{name}: {e}");
                assert!(schema::validate(schema, &json!({})).is_err());
                assert!(schema::stub_yaml(schema).is_err());
                *counts.entry("invalid schemas (reported)").or_default() += 1;
                continue;
            }
            Err(e) => {
                failures.push(format!("{name}: form: {e}"));
                continue;
            }
        };
        count_form(form.root(), &mut counts);
        if let Err(problem) = check_schema(schema, &form) {
            failures.push(format!("{name}: {problem}"));
        }
    }
    println!(
        "corpus: {} schemas from {} files",
        corpus.len(),
        spec_files().len()
    );
    for (construct, n) in &counts {
        println!("  {construct:<34} {n:>5}");
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn check_schema(schema: &Value, form: &Form) -> Result<(), String> {
    let validator = Validator::new(schema).map_err(|e| format!("validator: {e}"))?;
    if !validator.warnings().is_empty() {
        println!("  warnings: {:?}", validator.warnings());
    }
    let defaults = schema::with_defaults(schema, &json!({}));
    if defaults != form.to_config() {
        return Err("with_defaults and Form::build disagree".into());
    }
    // Defaults alone may only lack required values.
    for e in validator.validate(&defaults) {
        if e.message != "is required" {
            return Err(format!("defaults are invalid: {e}"));
        }
    }
    // Fill each missing required field with a value its schema accepts.
    let (mut form, unknown) = Form::from_config(schema, &defaults).map_err(|e| e.to_string())?;
    if !unknown.is_empty() {
        return Err(format!("defaults hold unknown values: {unknown:?}"));
    }
    let mut errors = validator.validate(&form.to_config());
    for _ in 0..32 {
        let Some(e) = errors.first().cloned() else {
            break;
        };
        let field = form.field(&e.pointer).cloned();
        let candidates = match &field {
            Some(f) => candidates(f),
            None => vec![json!("x")],
        };
        let mut fixed = false;
        for candidate in candidates {
            let mut trial = form.clone();
            if trial.set(&e.pointer, candidate).is_err() {
                continue;
            }
            let after = validator.validate(&trial.to_config());
            if !after.iter().any(|x| x.pointer == e.pointer) {
                form = trial;
                errors = after;
                fixed = true;
                break;
            }
        }
        if !fixed {
            return Err(format!("no generated value satisfies {e}"));
        }
    }
    if let Some(e) = errors.first() {
        return Err(format!("filled config still invalid: {e}"));
    }
    let filled = form.to_config();
    if schema::with_defaults(schema, &filled) != filled {
        return Err("with_defaults is not idempotent".into());
    }
    // Secrets: every reported pointer holds a value in the filled config.
    for p in schema::secret_pointers(schema, &filled) {
        if filled.pointer(&p).is_none() {
            return Err(format!("secret pointer {p} names no value"));
        }
    }
    check_stub(schema, form.root(), &defaults)
}

/// The stub parses as YAML to the defaults plus a placeholder at each required field that has
/// no default, and filling its defaults changes nothing.
fn check_stub(schema: &Value, root: &Field, defaults: &Value) -> Result<(), String> {
    let stub = schema::stub_yaml(schema).map_err(|e| format!("stub: {e}"))?;
    let parsed: Value =
        serde_yaml::from_str(&stub).map_err(|e| format!("stub YAML: {e}\n{stub}"))?;
    if schema::with_defaults(schema, &parsed) != parsed {
        return Err(format!("stub lacks defaults:\n{stub}"));
    }
    let stripped = strip_placeholders(&parsed, defaults);
    if &stripped != defaults {
        return Err(format!(
            "stub != defaults + placeholders\nstub: {parsed}\ndefaults: {defaults}\n{stub}"
        ));
    }
    let _ = root;
    Ok(())
}

/// `stub` less every value that `defaults` lacks and that is an empty placeholder.
fn strip_placeholders(stub: &Value, defaults: &Value) -> Value {
    match (stub, defaults) {
        (Value::Object(s), Value::Object(d)) => {
            let mut out = Map::new();
            for (k, v) in s {
                match d.get(k) {
                    Some(dv) => {
                        out.insert(k.clone(), strip_placeholders(v, dv));
                    }
                    None if is_placeholder(v) => {}
                    None => {
                        out.insert(k.clone(), v.clone());
                    }
                }
            }
            Value::Object(out)
        }
        _ => stub.clone(),
    }
}

fn is_placeholder(v: &Value) -> bool {
    match v {
        Value::String(s) => s.is_empty(),
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::Bool(b) => !b,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.values().all(is_placeholder),
        Value::Null => true,
    }
}

/// Values to try for a field, most likely to be valid first.
fn candidates(field: &Field) -> Vec<Value> {
    let mut out = Vec::new();
    out.extend(field.const_value.clone());
    out.extend(field.enum_values.iter().take(1).cloned());
    out.extend(field.examples.iter().cloned());
    match &field.kind {
        Kind::String | Kind::Any => {
            if let Some(format) = &field.format {
                out.push(json!(match format.as_str() {
                    "date-time" => "2024-01-31T12:00:00Z",
                    "date" => "2024-01-31",
                    "duration" => "PT1H",
                    "email" => "a@example.com",
                    "uri" | "url" => "https://example.com",
                    _ => "x",
                }));
            }
            if let Some(pattern) = &field.pattern {
                out.extend(sample_regex(pattern).map(Value::String));
            }
            let len = field.min_length.unwrap_or(1).max(1) as usize;
            out.push(Value::String("x".repeat(len)));
            out.push(json!("2024-01-31T12:00:00Z"));
        }
        Kind::Integer | Kind::Number => {
            let lo = field
                .bounds
                .minimum
                .or(field.bounds.exclusive_minimum.map(|m| m + 1.0));
            let hi = field
                .bounds
                .maximum
                .or(field.bounds.exclusive_maximum.map(|m| m - 1.0));
            let n = lo
                .unwrap_or(1.0)
                .max(1.0)
                .min(hi.unwrap_or(f64::MAX))
                .ceil() as i64;
            out.push(json!(n));
        }
        Kind::Boolean => out.push(json!(true)),
        Kind::Object(_) | Kind::Choice(_) => out.push(json!({})),
        Kind::Array(items) => {
            let n = field.min_items.unwrap_or(1).max(1) as usize;
            let item = items
                .as_deref()
                .and_then(|i| candidates(i).into_iter().next());
            out.push(Value::Array(vec![item.unwrap_or(json!("x")); n]));
        }
        Kind::Null => out.push(Value::Null),
    }
    out
}

/// A short string matching `pattern`, when regex-syntax can read it.
fn sample_regex(pattern: &str) -> Option<String> {
    let hir = regex_syntax::parse(pattern).ok()?;
    let mut out = String::new();
    sample(&hir, &mut out);
    Some(out)
}

fn sample(hir: &Hir, out: &mut String) {
    match hir.kind() {
        HirKind::Literal(lit) => out.push_str(&String::from_utf8_lossy(&lit.0)),
        HirKind::Class(Class::Unicode(c)) => {
            let r = c
                .ranges()
                .iter()
                .find(|r| r.start().is_alphanumeric())
                .or(c.ranges().first());
            if let Some(r) = r {
                out.push(r.start());
            }
        }
        HirKind::Class(Class::Bytes(c)) => {
            if let Some(r) = c.ranges().first() {
                out.push(r.start() as char);
            }
        }
        HirKind::Repetition(rep) => {
            for _ in 0..rep.min.clamp(1, 8) {
                sample(&rep.sub, out);
            }
        }
        HirKind::Capture(cap) => sample(&cap.sub, out),
        HirKind::Concat(items) => items.iter().for_each(|h| sample(h, out)),
        HirKind::Alternation(items) => {
            if let Some(h) = items.iter().find(|h| !matches!(h.kind(), HirKind::Empty)) {
                sample(h, out);
            }
        }
        HirKind::Empty | HirKind::Look(_) => {}
    }
}

fn count_raw(schema: &Value, counts: &mut BTreeMap<&'static str, usize>) {
    let mut stack = vec![schema];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                for (k, label) in [
                    ("oneOf", "oneOf"),
                    ("anyOf", "anyOf"),
                    ("allOf", "allOf"),
                    ("$ref", "$ref"),
                    ("if", "if/then/else"),
                    ("discriminator", "discriminator"),
                    ("pattern", "pattern"),
                    ("format", "format"),
                    ("writeOnly", "writeOnly"),
                ] {
                    if map.contains_key(k) {
                        *counts.entry(label).or_default() += 1;
                    }
                }
                for (k, child) in map {
                    if !matches!(k.as_str(), "default" | "enum" | "const" | "examples") {
                        stack.push(child);
                    }
                }
            }
            Value::Array(items) => stack.extend(items.iter()),
            _ => {}
        }
    }
}

fn count_form(field: &Field, counts: &mut BTreeMap<&'static str, usize>) {
    let mut bump = |k: &'static str, yes: bool| {
        if yes {
            *counts.entry(k).or_default() += 1;
        }
    };
    bump("fields", !field.key.is_empty());
    bump("secret fields", field.secret);
    bump("multiline fields", field.multiline);
    bump("advanced fields", field.advanced);
    bump("hidden fields", field.hidden);
    bump("grouped fields", field.group.is_some());
    bump("nullable fields", field.nullable);
    bump("enum fields", !field.enum_values.is_empty());
    bump("fields with default", field.default.is_some());
    bump("conditional fields (if/then)", field.conditional);
    match &field.kind {
        Kind::Object(o) => o.fields.iter().for_each(|f| count_form(f, counts)),
        Kind::Choice(c) => {
            bump("choices", true);
            bump("choices by discriminator", c.discriminator.is_some());
            bump("choices preselecting non-first", c.default_option > 0);
            for o in &c.options {
                count_form(&o.field, counts);
            }
        }
        Kind::Array(items) => {
            let of_objects = items
                .as_deref()
                .is_some_and(|i| matches!(i.kind, Kind::Object(_) | Kind::Choice(_)));
            bump("arrays of objects", of_objects);
            bump("arrays of scalars", !of_objects);
            if let Some(i) = items {
                count_form(i, counts);
            }
        }
        Kind::Any => bump("free-JSON fields", !field.key.is_empty()),
        _ => {}
    }
}
