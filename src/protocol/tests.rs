//! Round trips through the types: recorded lines (testdata/, see its README) and the examples of Flow's
//! protocol in the shared PROTOCOLS.md. Decoding then encoding keeps every field the protocol knows (fields
//! at their default value are left out, as protobuf's canonical JSON does), and decodes to the same value.

use super::*;
use serde_json::json;

/// `v` without object members at a default value (`false`, `0`, `""`, `[]`, `{}`, `null`), at any depth.
fn without_defaults(v: Value) -> Value {
    match v {
        Value::Object(obj) => Value::Object(
            obj.into_iter()
                .map(|(k, v)| (k, without_defaults(v)))
                .filter(|(_, v)| !is_default(v))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_defaults).collect()),
        other => other,
    }
}

fn is_default(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
    }
}

/// Decode `line` as `M`, check that encoding it gives the line back (defaults aside, and without the
/// `ignored` pointers: fields Flow's protocol does not have), and that the encoding decodes the same.
fn round_trip<M: Message + std::fmt::Debug + PartialEq>(line: &str, ignored: &[&str]) -> M {
    let message: M = decode(line.as_bytes()).unwrap_or_else(|e| panic!("{e}: {line}"));
    let encoded = serde_json::to_value(&message).unwrap();
    let mut original: Value = serde_json::from_str(line).unwrap();
    for ptr in ignored {
        let (parent, key) = ptr.rsplit_once('/').unwrap();
        let removed = original
            .pointer_mut(parent)
            .and_then(Value::as_object_mut)
            .and_then(|o| o.remove(key));
        assert!(removed.is_some(), "{ptr} is not in {line}");
    }
    assert_eq!(
        without_defaults(encoded.clone()),
        without_defaults(original),
        "{line}"
    );
    let again: M = decode_value(encoded).unwrap();
    assert_eq!(again, message);
    message
}

fn lines(text: &str) -> Vec<&str> {
    text.lines().filter(|l| !l.trim().is_empty()).collect()
}

#[test]
fn recorded_capture_exchange() {
    let requests: Vec<capture::Request> = lines(include_str!("testdata/capture.requests.jsonl"))
        .into_iter()
        .map(|l| round_trip(l, &[]))
        .collect();
    let names: Vec<&str> = requests.iter().map(|r| r.name()).collect();
    assert_eq!(names, ["spec", "discover", "validate", "open"]);
    let capture::Request::Validate(v) = &requests[2] else {
        unreachable!()
    };
    assert_eq!(v.connector_type, ConnectorType::Image);
    assert_eq!(v.bindings[0].backfill, 1);
    let capture::Request::Open(o) = &requests[3] else {
        unreachable!()
    };
    assert_eq!(o.range.unwrap().key_end, u32::MAX);
    assert_eq!(o.capture.as_ref().unwrap().bindings[0].state_key, "users");
    assert_eq!(o.state, json!({"cursors": {"users": 1}}));

    let responses: Vec<capture::Response> = lines(include_str!("testdata/capture.responses.jsonl"))
        .into_iter()
        .map(|l| round_trip(l, &[]))
        .collect();
    let names: Vec<&str> = responses.iter().map(|r| r.name()).collect();
    assert_eq!(
        names,
        [
            "spec",
            "discovered",
            "validated",
            "opened",
            "captured",
            "captured",
            "checkpoint"
        ]
    );
    let capture::Response::Spec(spec) = &responses[0] else {
        unreachable!()
    };
    assert_eq!(spec.protocol, PROTOCOL_VERSION);
    assert_eq!(spec.resource_path_pointers, ["/name"]);
    let capture::Response::Discovered(d) = &responses[1] else {
        unreachable!()
    };
    assert!(d.bindings[1].is_fallback_key && d.bindings[2].disable);
    let capture::Response::Captured(c) = &responses[4] else {
        unreachable!()
    };
    assert_eq!((c.binding, &c.doc["id"]), (0, &json!(2)));
    let capture::Response::Checkpoint(c) = &responses[6] else {
        unreachable!()
    };
    let state = c.state.as_ref().unwrap();
    assert!(state.merge_patch);
    assert_eq!(state.updated, json!({"cursors": {"users": 3}}));
}

#[test]
fn recorded_materialize_exchange() {
    let requests: Vec<materialize::Request> =
        lines(include_str!("testdata/materialize.requests.jsonl"))
            .into_iter()
            .enumerate()
            // `dryRun` was capture's (older Flow); materialize's apply has none: ignored, as Flow does.
            .map(|(i, l)| round_trip(l, if i == 2 { &["/apply/dryRun"] } else { &[] }))
            .collect();
    let materialize::Request::Validate(v) = &requests[1] else {
        unreachable!()
    };
    assert_eq!(v.bindings[0].field_config["name"], json!({"width": 10}));
    let p = &v.bindings[0].collection.projections[0];
    assert!(p.is_primary_key && p.inference.exists == Exists::Must);
    let materialize::Request::Apply(a) = &requests[2] else {
        unreachable!()
    };
    let b = &a.materialization.as_ref().unwrap().bindings[0];
    assert_eq!(b.field_selection.as_ref().unwrap().keys, ["id"]);

    let responses: Vec<materialize::Response> =
        lines(include_str!("testdata/materialize.responses.jsonl"))
            .into_iter()
            .map(|l| round_trip(l, &[]))
            .collect();
    let materialize::Response::Validated(v) = &responses[1] else {
        unreachable!()
    };
    let kind = |b: usize, field: &str| v.bindings[b].constraints[field].kind;
    assert_eq!(kind(0, "id"), ConstraintType::LocationRequired);
    assert_eq!(kind(0, "name"), ConstraintType::LocationRecommended);
    assert_eq!(kind(0, "forbidden_field"), ConstraintType::FieldForbidden);
    assert_eq!(v.bindings[0].resource_path, ["crm", "people"]);
    assert!(v.bindings[1].delta_updates);
    let materialize::Response::Applied(a) = &responses[2] else {
        unreachable!()
    };
    assert!(a.action_description.starts_with("CREATE TABLE"));
}

/// The shapes PROTOCOLS.md (§1, §8, §10) gives, one line each.
#[test]
fn protocols_md_examples() {
    for line in [
        r#"{"spec":{"connectorType":"IMAGE","config":{}}}"#,
        r#"{"discover":{"connectorType":"IMAGE","config":{"host":"h"}}}"#,
        r#"{"validate":{"name":"acmeCo/cap","connectorType":"IMAGE","config":{"host":"h"},"bindings":[{"resourceConfig":{"stream":"s"},"collection":{"name":"acmeCo/s","key":["/id"],"writeSchema":{"type":"object"},"readSchema":{"allOf":[]}},"backfill":0}]}}"#,
        r#"{"apply":{"capture":{"name":"acmeCo/cap","connectorType":"IMAGE","config":{}},"version":"v1"}}"#,
        r#"{"open":{"capture":{"name":"acmeCo/cap","bindings":[{"resourceConfig":{"stream":"s"},"stateKey":"s"}]},"version":"v1","range":{"keyBegin":0,"keyEnd":4294967295},"state":{}}}"#,
        r#"{"acknowledge":{"checkpoints":1}}"#,
    ] {
        round_trip::<capture::Request>(line, &[]);
    }
    for line in [
        r#"{"spec":{"protocol":3032023,"configSchema":{"type":"object"},"resourceConfigSchema":{"type":"object"},"documentationUrl":"https://x","resourcePathPointers":["/namespace","/stream"],"oauth2":{"provider":"p"}}}"#,
        r#"{"discovered":{"bindings":[{"recommendedName":"orders","resourceConfig":{"stream":"orders"},"documentSchema":{"type":"object"},"key":["/_meta/row_id"],"disable":true,"isFallbackKey":true,"resourcePath":["orders"]}]}}"#,
        r#"{"validated":{"bindings":[{"resourcePath":["public","orders"]}]}}"#,
        r#"{"applied":{"actionDescription":"created"}}"#,
        r#"{"opened":{"explicitAcknowledgements":true}}"#,
        r#"{"captured":{"binding":1,"doc":{"gid":"1"}}}"#,
        r#"{"sourcedSchema":{"binding":0,"documentSchema":{"type":"object"}}}"#,
        r#"{"checkpoint":{"state":{"updated":{"cursor":"x"},"mergePatch":true}}}"#,
    ] {
        round_trip::<capture::Response>(line, &[]);
    }
    for line in [
        r#"{"validate":{"name":"acmeCo/pg","connectorType":"IMAGE","config":{},"bindings":[{"resourceConfig":{"table":"orders"},"collection":{"name":"acmeCo/orders","key":["/id"],"projections":[{"ptr":"/id","field":"id","isPrimaryKey":true,"inference":{"types":["integer"],"exists":"MUST"}}]},"fieldConfig":{"id":{}},"backfill":1,"groupBy":["id"]}]}}"#,
        r#"{"load":{"binding":0,"key":[1]}}"#,
        r#"{"flush":{}}"#,
        r#"{"store":{"binding":0,"key":[1],"values":["a"],"doc":{"id":1},"exists":true}}"#,
        r#"{"startCommit":{"runtimeCheckpoint":{"sources":{}}}}"#,
        r#"{"acknowledge":{}}"#,
    ] {
        round_trip::<materialize::Request>(line, &[]);
    }
    for line in [
        r#"{"validated":{"bindings":[{"constraints":{"id":{"type":"LOCATION_REQUIRED","reason":"key"},"Total":{"type":"FIELD_OPTIONAL","reason":"r","foldedField":"total"}},"resourcePath":["public","orders"],"deltaUpdates":true}]}}"#,
        r#"{"opened":{}}"#,
        r#"{"loaded":{"binding":0,"doc":{"id":1}}}"#,
        r#"{"flushed":{}}"#,
        r#"{"startedCommit":{"state":{"updated":{"a":1}}}}"#,
        r#"{"acknowledged":{}}"#,
    ] {
        round_trip::<materialize::Response>(line, &[]);
    }
}

#[test]
fn unknown_fields_are_ignored_and_protobuf_names_accepted() {
    let r: capture::Response = decode(
        br#"{"$internal":"AAA","discovered":{"bindings":[{"recommended_name":"a","document_schema_json":{},"future":1}]}}"#,
    )
    .unwrap();
    let capture::Response::Discovered(d) = r else {
        panic!("{r:?}")
    };
    assert_eq!(d.bindings[0].recommended_name, "a");
    let r: materialize::Request = decode(br#"{"start_commit":{}}"#).unwrap();
    assert_eq!(r.name(), "startCommit");
}

#[test]
fn lines_that_are_no_message_say_why() {
    let e = decode::<capture::Response>(b"{}").unwrap_err();
    assert_eq!(e, DecodeError::NoMessage { keys: vec![] });
    assert_eq!(e.to_string(), "an empty object `{}`");
    let e = decode::<capture::Response>(br#"{"loaded":{}}"#).unwrap_err();
    assert_eq!(e.to_string(), "an object with only unknown keys (loaded)");
    let e = decode::<capture::Response>(br#"{"spec":{},"discovered":{}}"#).unwrap_err();
    assert_eq!(e, DecodeError::Several(vec!["spec", "discovered"]));
    assert!(matches!(
        decode::<capture::Response>(b"[1]").unwrap_err(),
        DecodeError::NotAnObject("array")
    ));
    assert!(matches!(
        decode::<capture::Response>(b"not json").unwrap_err(),
        DecodeError::NotJson(_)
    ));
    let e = decode::<capture::Response>(br#"{"captured":{"binding":"one"}}"#).unwrap_err();
    assert!(
        matches!(
            e,
            DecodeError::Malformed {
                variant: "captured",
                ..
            }
        ),
        "{e:?}"
    );
    // serde's own entry point is as lenient, and as strict about what it needs.
    assert!(serde_json::from_str::<capture::Response>(r#"{"x":1,"opened":{}}"#).is_ok());
    let e = serde_json::from_str::<capture::Response>("{}").unwrap_err();
    assert!(e.to_string().contains("none of `spec`"), "{e}");
}

#[test]
fn variants_wrap_and_take() {
    let m = capture::response::Opened::default().wrap();
    assert_eq!(encode(&m), b"{\"opened\":{}}\n");
    let back = capture::response::Discovered::take(m).unwrap_err();
    assert_eq!(back.name(), "opened");
    assert_eq!(
        <capture::response::Discovered as Variant<capture::Response>>::NAME,
        "discovered"
    );
}

#[test]
fn captured_lines_of_json_text_are_what_encode_writes() {
    for (binding, doc) in [
        (0, json!({"a": [1, 2.5, "x\"y"], "b": null})),
        (7, json!("text")),
    ] {
        let mut line = Vec::new();
        capture::write_captured(&mut line, binding, &doc.to_string()).unwrap();
        let message = capture::Response::Captured(capture::response::Captured { binding, doc });
        assert_eq!(
            String::from_utf8(line).unwrap(),
            String::from_utf8(encode(&message)).unwrap()
        );
    }
}
