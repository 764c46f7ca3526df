//! Benchmark: `Form::build` + `validate` (compile and check a config) for every corpus spec.
//! Prints median / p99 / max over specs of each spec's median time. Run in release:
//! `cargo bench --bench schema` (targets: median under 1 ms, largest under 10 ms).

use catwalk::schema::{self, Form};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const SPECS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/specs");
const ROUNDS: usize = 25;

fn corpus() -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for dir in ["estuary", "airbyte", "airbyte-legacy-catalog"] {
        let Ok(entries) = std::fs::read_dir(format!("{SPECS}/{dir}")) else {
            continue;
        };
        let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for path in paths {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let Ok(spec) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            let name = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string();
            for key in ["configSchema", "connectionSpecification"] {
                if let Some(schema) = spec.get(key) {
                    out.push((format!("{dir}/{name}"), schema.clone()));
                }
            }
        }
    }
    out
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn summary(label: &str, per_spec: &mut [(Duration, String)]) {
    per_spec.sort();
    let n = per_spec.len();
    let at = |q: f64| per_spec[((n as f64 - 1.0) * q).round() as usize].0;
    println!(
        "{label:<28} median {:>8.3} ms   p99 {:>8.3} ms   max {:>8.3} ms ({})",
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        at(1.0).as_secs_f64() * 1e3,
        per_spec[n - 1].1
    );
}

fn main() {
    // Test runners run bench targets too (nextest lists them with `--list`): only `cargo bench`, which
    // passes `--bench`, measures; an unoptimised build's timings would mean nothing.
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") || !args.iter().any(|a| a == "--bench") {
        return;
    }
    let corpus = corpus();
    if corpus.is_empty() {
        eprintln!("no specs under {SPECS}");
        return;
    }
    let mut build = Vec::new();
    let mut check = Vec::new();
    let mut both = Vec::new();
    for (name, schema) in &corpus {
        if Form::build(schema).is_err() {
            continue; // The one invalid schema of the corpus.
        }
        let config = schema::with_defaults(schema, &json!({}));
        let (mut b, mut c, mut t) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            let start = Instant::now();
            let form = Form::build(schema);
            let built = start.elapsed();
            let errors = schema::validate(schema, &config);
            let total = start.elapsed();
            let _ = std::hint::black_box((form.is_ok(), errors.map(|e| e.len())));
            b.push(built);
            c.push(total - built);
            t.push(total);
        }
        build.push((median(&mut b), name.clone()));
        check.push((median(&mut c), name.clone()));
        both.push((median(&mut t), name.clone()));
    }
    println!(
        "{} config schemas, {ROUNDS} rounds each (per-spec medians):",
        both.len()
    );
    summary("Form::build", &mut build);
    summary("validate (compile + check)", &mut check);
    summary("build + validate", &mut both);
    println!("slowest:");
    for (d, name) in both.iter().rev().take(5) {
        println!("  {:>8.3} ms  {name}", d.as_secs_f64() * 1e3);
    }
}
