//! Coverage-guided fuzzing of the schema engine: the input is a JSON schema, optionally followed
//! by a NUL byte and a JSON config. Every entry point runs; nothing may panic, stubs must parse.

#![no_main]

use catwalk::schema::{self, Form, Kind};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

fuzz_target!(|data: &[u8]| {
    let (schema_bytes, config_bytes) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b"{}"[..]),
    };
    let Ok(schema) = serde_json::from_slice::<Value>(schema_bytes) else {
        return;
    };
    let config = serde_json::from_slice::<Value>(config_bytes).unwrap_or_else(|_| json!({}));

    let filled = schema::with_defaults(&schema, &config);
    assert_eq!(schema::with_defaults(&schema, &filled), filled, "defaults are not stable");
    let _ = schema::secret_pointers(&schema, &config);
    let _ = schema::validate(&schema, &config);
    let _ = schema::validate(&schema, &filled);
    if let Ok(stub) = schema::stub_yaml(&schema) {
        let parsed: Result<Value, _> = serde_yaml::from_str(&stub);
        assert!(parsed.is_ok(), "stub does not parse: {parsed:?}\n{stub}");
    }
    let Ok((mut form, _)) = Form::from_config(&schema, &config) else {
        return;
    };
    let views: Vec<(String, usize, bool)> = form
        .visible()
        .iter()
        .take(32)
        .map(|v| {
            let options = v.field.choice().map_or(0, |c| c.options.len());
            (v.pointer.clone(), options, matches!(v.field.kind, Kind::Array(_)))
        })
        .collect();
    for (pointer, options, list) in views {
        for i in 0..options.min(3) {
            let _ = form.choose(&pointer, i);
        }
        if list {
            let _ = form.push_item(&pointer);
            let _ = form.remove_item(&pointer, 0);
        }
        let _ = form.set(&pointer, json!(1));
        let _ = form.unset(&pointer);
    }
    let _ = form.to_config();
    let _ = form.unknown();
});
