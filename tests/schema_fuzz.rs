//! Property tests: arbitrary JSON (biased towards schema keywords) as schemas and as configs,
//! through form building, filling, editing, defaults, validation, secrets and stubs. Nothing may
//! panic; stubs must parse as YAML; defaults must be stable.
//!
//! CI runs `CATWALK_FUZZ_CASES` cases (default 256). For a long run:
//! `CATWALK_FUZZ_SECONDS=600 cargo test --release --test schema_fuzz -- --ignored --nocapture`
//! (prints the cases run and the slowest one). To replay a run: `CATWALK_FUZZ_TRACE=1` prints each
//! batch's seed; `CATWALK_FUZZ_SEED=<base> CATWALK_FUZZ_BATCH=<n>` starts there, and
//! `CATWALK_FUZZ_DUMP=<file>` writes each case to the file before running it (the last case
//! survives a crash or an out-of-memory abort; run under `ulimit -v` to get one).

use catwalk::schema::{self, Form};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Map, Value, json};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Cases whose schema built a form (the rest were rejected as invalid schemas).
static BUILT: AtomicU64 = AtomicU64::new(0);
static VALID_CONFIGS: AtomicU64 = AtomicU64::new(0);

const KEYS: &[&str] = &[
    "type",
    "properties",
    "required",
    "items",
    "oneOf",
    "anyOf",
    "allOf",
    "$ref",
    "$defs",
    "definitions",
    "default",
    "const",
    "enum",
    "discriminator",
    "propertyName",
    "mapping",
    "pattern",
    "format",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "minLength",
    "maxItems",
    "minItems",
    "if",
    "then",
    "else",
    "not",
    "additionalProperties",
    "patternProperties",
    "title",
    "description",
    "secret",
    "airbyte_secret",
    "writeOnly",
    "order",
    "groups",
    "group",
    "id",
    "x-hidden-field",
    "advanced",
    "multiline",
    "examples",
    "$id",
    "$schema",
    "a",
    "b",
    "c",
];

const STRINGS: &[&str] = &[
    "object",
    "string",
    "integer",
    "number",
    "boolean",
    "array",
    "null",
    "#",
    "#/$defs/a",
    "#/$defs/b",
    "#/definitions/a",
    "#/properties/a",
    "#/properties",
    "a",
    "b",
    "c",
    "",
    "date-time",
    "duration",
    "(",
    "^a+$",
    "(?<=a)b",
    "\\p{Letter}",
    "[",
    "http://x.test/s",
    "https://json-schema.org/draft/2020-12/schema",
    "http://json-schema.org/draft-07/schema#",
    "~1",
    "/",
    "a/b",
    "yes",
    "0755",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-3i64..100).prop_map(Value::from),
        (-1.0e3f64..1.0e3).prop_map(Value::from),
        prop::sample::select(STRINGS).prop_map(Value::from),
        "\\PC{0,6}".prop_map(Value::from),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(6, 96, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner.clone()), 0..6).prop_map(
                |pairs| {
                    Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
                }
            ),
            prop::collection::vec(("\\PC{0,4}", inner), 0..3)
                .prop_map(|pairs| { Value::Object(pairs.into_iter().collect::<Map<_, _>>()) }),
        ]
    })
}

/// Schemas that are mostly valid: every construct the engine knows, nested, with `$defs` that
/// may refer to each other (cycles included).
fn schema_value() -> impl Strategy<Value = Value> {
    let scalar = (
        prop::sample::select(&["string", "integer", "number", "boolean", "null"][..]),
        prop::option::of(leaf()),
        prop::option::of(prop::sample::select(
            &["^a+$", "(?<=a)b", "\\p{Letter}+", "(", "[0-9]{2}"][..],
        )),
        prop::option::of(prop::sample::select(
            &["date-time", "date", "duration", "email", "x"][..],
        )),
        any::<bool>(),
        prop::option::of(prop::collection::vec(leaf(), 1..4)),
    )
        .prop_map(|(ty, default, pattern, format, secret, enumeration)| {
            let mut m = Map::new();
            m.insert("type".into(), json!(ty));
            if let Some(d) = default {
                m.insert("default".into(), d);
            }
            if let Some(p) = pattern {
                m.insert("pattern".into(), json!(p));
            }
            if let Some(f) = format {
                m.insert("format".into(), json!(f));
            }
            if secret {
                m.insert("secret".into(), json!(true));
            }
            if let Some(e) = enumeration {
                m.insert("enum".into(), Value::Array(e));
            }
            Value::Object(m)
        });
    let refs = prop::sample::select(&["#/$defs/a", "#/$defs/b", "#/$defs/none", "#"][..])
        .prop_map(|r| json!({"$ref": r, "title": "R"}));
    prop_oneof![scalar, refs].prop_recursive(5, 64, 5, |inner| {
        let names = prop::sample::select(&["a", "b", "c", "d", "x/y", "~"][..]);
        prop_oneof![
            (
                prop::collection::btree_map(names.clone(), inner.clone(), 0..5),
                prop::collection::vec(names, 0..3),
                any::<bool>()
            )
                .prop_map(|(props, required, closed)| json!({
                    "type": "object", "properties": props, "required": required,
                    "additionalProperties": !closed
                })),
            (inner.clone(), prop::option::of(0u64..3)).prop_map(|(items, min)| {
                let mut m = json!({"type": "array", "items": items});
                if let Some(min) = min {
                    m["minItems"] = json!(min);
                }
                m
            }),
            (
                prop::collection::vec(inner.clone(), 1..4),
                any::<bool>(),
                prop::option::of(0usize..4),
                any::<bool>()
            )
                .prop_map(|(options, explicit, default, any_of)| {
                    let options: Vec<Value> = options
                        .into_iter()
                        .enumerate()
                        .map(|(i, mut o)| {
                            if let Some(props) =
                                o.get_mut("properties").and_then(Value::as_object_mut)
                            {
                                props.insert("kind".into(), json!({"const": format!("k{i}")}));
                            }
                            o
                        })
                        .collect();
                    let mut m = json!({if any_of { "anyOf" } else { "oneOf" }: options});
                    if explicit {
                        m["discriminator"] = json!({"propertyName": "kind"});
                    }
                    if let Some(d) = default {
                        m["default"] = json!({"kind": format!("k{d}")});
                    }
                    m
                }),
            inner
                .clone()
                .prop_map(|t| json!({"anyOf": [t, {"type": "null"}], "default": null})),
            prop::collection::vec(inner.clone(), 1..3).prop_map(|all| json!({"allOf": all})),
            (inner.clone(), inner.clone(), inner)
                .prop_map(|(i, t, e)| json!({"if": i, "then": t, "else": e,
                "type": "object"})),
        ]
    })
}

/// A schema with `$defs` a and b, both drawn like the root.
fn rooted_schema() -> impl Strategy<Value = Value> {
    (schema_value(), schema_value(), schema_value()).prop_map(|(mut root, a, b)| {
        if let Some(m) = root.as_object_mut() {
            m.insert("$defs".into(), json!({"a": a, "b": b}));
        }
        root
    })
}

/// Exercise every entry point on one schema and one config. Panics on broken promises.
fn exercise(schema: &Value, config: &Value) {
    let with = schema::with_defaults(schema, config);
    assert_eq!(
        schema::with_defaults(schema, &with),
        with,
        "defaults not stable"
    );
    let _ = schema::secret_pointers(schema, config);
    let _ = schema::validate(schema, config);
    let _ = schema::validate(schema, &with);
    if let Ok(stub) = schema::stub_yaml(schema) {
        let parsed: Result<Value, _> = serde_yaml::from_str(&stub);
        assert!(parsed.is_ok(), "stub does not parse: {parsed:?}\n{stub}");
    }
    let Ok(form) = Form::build(schema) else {
        return;
    };
    BUILT.fetch_add(1, Ordering::Relaxed);
    if schema::validate(schema, &with).is_ok_and(|e| e.is_empty()) {
        VALID_CONFIGS.fetch_add(1, Ordering::Relaxed);
    }
    let built = form.to_config();
    assert_eq!(
        schema::with_defaults(schema, &built),
        built,
        "defaults not stable"
    );
    let Ok((mut form, _unknown)) = Form::from_config(schema, config) else {
        return;
    };
    let pointers: Vec<(String, Option<usize>, bool)> = form
        .visible()
        .iter()
        .map(|v| {
            let options = v.field.choice().map(|c| c.options.len());
            let list = matches!(v.field.kind, schema::Kind::Array(_));
            (v.pointer.clone(), options, list)
        })
        .take(40)
        .collect();
    for (pointer, options, list) in pointers {
        if let Some(n) = options {
            for i in 0..n.min(3) {
                let _ = form.choose(&pointer, i);
            }
        }
        if list {
            let _ = form.push_item(&pointer);
            let _ = form.remove_item(&pointer, 0);
        }
        let _ = form.set(&pointer, json!("x"));
        let _ = form.field(&pointer);
        let _ = form.unset(&pointer);
    }
    let _ = form.to_config();
    let _ = form.unknown();
    let _ = form.secret_pointers();
}

fn cases() -> u32 {
    std::env::var("CATWALK_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(256)
}

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 2_000,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config(cases()))]

    #[test]
    fn arbitrary_schemas_and_configs_never_panic(schema in json_value(), config in json_value()) {
        exercise(&schema, &config);
    }

    #[test]
    fn generated_schemas_and_configs_never_panic(schema in rooted_schema(), config in json_value()) {
        exercise(&schema, &config);
        let filled = schema::with_defaults(&schema, &config);
        exercise(&schema, &filled);
    }

    #[test]
    fn arbitrary_configs_against_real_shapes(config in json_value()) {
        exercise(&real_shape(), &config);
    }
}

/// A schema with every construct, for configs to be thrown at.
fn real_shape() -> Value {
    json!({
        "$defs": {"K": {"type": "string", "secret": true}, "R": {"type": "object",
                  "properties": {"r": {"$ref": "#/$defs/R"}, "a": {"type": "integer"}}}},
        "type": "object", "required": ["a", "b"],
        "properties": {
            "a": {"type": "string", "pattern": "(?<!x)y", "default": "y"},
            "b": {"oneOf": [
                {"properties": {"t": {"const": "p"}, "k": {"$ref": "#/$defs/K"}}, "required": ["k"]},
                {"properties": {"t": {"const": "q"}, "l": {"type": "array", "items": {"$ref": "#/$defs/R"}}}}
            ], "default": {"t": "q"}},
            "c": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
            "d": {"allOf": [{"properties": {"e": {"default": 1}}}, {"required": ["e"]}]},
            "w": {"a": 1}
        },
        "if": {"properties": {"a": {"const": "z"}}}, "then": {"properties": {"z": {"type": "boolean"}}}
    })
}

/// Run random cases until `CATWALK_FUZZ_SECONDS` have passed (default 60), in batches with
/// fresh seeds; prints how many cases ran.
#[test]
#[ignore = "long run: CATWALK_FUZZ_SECONDS=600 cargo test --release --test schema_fuzz -- --ignored"]
fn fuzz_for_a_while() {
    let seconds: u64 = std::env::var("CATWALK_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let start = Instant::now();
    let mut total = 0u64;
    let mut batch: u64 = std::env::var("CATWALK_FUZZ_BATCH")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let base = std::env::var("CATWALK_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64)
        });
    let slowest = std::cell::RefCell::new((Duration::ZERO, String::new()));
    while start.elapsed() < Duration::from_secs(seconds) {
        let mut seed = [0u8; 32];
        seed[..8].copy_from_slice(&base.to_le_bytes());
        seed[8..16].copy_from_slice(&batch.to_le_bytes());
        if std::env::var_os("CATWALK_FUZZ_TRACE").is_some() {
            eprintln!("batch {batch} seed base {base}");
        }
        let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed);
        let mut runner = TestRunner::new_with_rng(config(2_000), rng);
        let timed = |schema: Value, config: Value| {
            if let Ok(path) = std::env::var("CATWALK_FUZZ_DUMP") {
                let _ = std::fs::write(&path, format!("{schema}\n{config}\n"));
            }
            let case = Instant::now();
            exercise(&schema, &config);
            let took = case.elapsed();
            let mut slowest = slowest.borrow_mut();
            if took > slowest.0 {
                *slowest = (took, schema.to_string().chars().take(4000).collect());
            }
            Ok(())
        };
        let result = if batch.is_multiple_of(2) {
            runner.run(&(json_value(), json_value()), |(s, c)| timed(s, c))
        } else {
            runner.run(&(rooted_schema(), json_value()), |(s, c)| timed(s, c))
        };
        if let Err(e) = result {
            panic!("batch {batch} (seed base {base}): {e}");
        }
        total += 2_000;
        batch += 1;
    }
    println!(
        "fuzz: {total} cases in {batch} batches, {:.0} s, no failure; {} schemas built a form, \
         {} configs (with defaults) were valid",
        start.elapsed().as_secs_f64(),
        BUILT.load(Ordering::Relaxed),
        VALID_CONFIGS.load(Ordering::Relaxed),
    );
    let slowest = slowest.borrow();
    println!(
        "slowest case: {:.1} ms: {}",
        slowest.0.as_secs_f64() * 1e3,
        slowest.1
    );
}
