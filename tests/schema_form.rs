//! The form tree, construct by construct, on small schemas written here.

use catwalk::schema::{Form, Kind, SchemaError};
use serde_json::{Value, json};

fn keys(form: &Form) -> Vec<String> {
    form.visible().iter().map(|v| v.pointer.clone()).collect()
}

#[test]
fn fields_are_ordered_by_order_then_required_then_schema_order() {
    let form = Form::build(&json!({
        "type": "object",
        "required": ["d", "b"],
        "properties": {
            "a": {"type": "string"},
            "b": {"type": "string"},
            "c": {"type": "string", "order": 1},
            "d": {"type": "string"},
            "e": {"type": "string", "order": 0}
        }
    }))
    .unwrap();
    assert_eq!(keys(&form), ["/e", "/c", "/b", "/d", "/a"]);
}

#[test]
fn nested_objects_to_any_depth() {
    let mut schema = json!({"type": "string", "title": "Leaf"});
    for i in 0..12 {
        schema = json!({"type": "object", "properties": {format!("l{i}"): schema}});
    }
    let form = Form::build(&schema).unwrap();
    let views = form.visible();
    assert_eq!(views.len(), 12);
    let last = views.last().unwrap();
    assert_eq!(last.depth, 11);
    assert_eq!(last.field.title, "Leaf");
    assert_eq!(last.pointer, "/l11/l10/l9/l8/l7/l6/l5/l4/l3/l2/l1/l0");
}

#[test]
fn string_annotations_are_read() {
    let form = Form::build(&json!({"properties": {"s": {
        "type": "string", "title": "S", "description": "d", "format": "date-time",
        "pattern": "^[0-9]{4}$", "pattern_descriptor": "YYYY", "enum": ["2020", "2021"],
        "examples": ["2020"], "minLength": 4, "maxLength": 4, "multiline": true,
        "airbyte_secret": true, "nonsensitive": false, "x-oauth2-provider": "google"
    }}}))
    .unwrap();
    let f = form.field("/s").unwrap();
    assert_eq!(f.kind, Kind::String);
    assert_eq!(
        (f.title.as_str(), f.description.as_deref()),
        ("S", Some("d"))
    );
    assert_eq!(f.format.as_deref(), Some("date-time"));
    assert_eq!(f.pattern.as_deref(), Some("^[0-9]{4}$"));
    assert_eq!(f.pattern_descriptor.as_deref(), Some("YYYY"));
    assert_eq!(f.enum_values, [json!("2020"), json!("2021")]);
    assert_eq!(f.examples, [json!("2020")]);
    assert_eq!((f.min_length, f.max_length), (Some(4), Some(4)));
    assert!(f.multiline && f.secret);
    assert_eq!(f.extensions["x-oauth2-provider"], "google");
}

#[test]
fn numbers_booleans_and_bounds() {
    let form = Form::build(&json!({"properties": {
        "i": {"type": "integer", "minimum": 1, "maximum": 65535},
        "n": {"type": "number", "exclusiveMinimum": 0},
        "old": {"type": "number", "minimum": 5, "exclusiveMinimum": true},
        "b": {"type": "boolean", "default": true}
    }}))
    .unwrap();
    let i = form.field("/i").unwrap();
    assert_eq!(i.kind, Kind::Integer);
    assert_eq!(
        (i.bounds.minimum, i.bounds.maximum),
        (Some(1.0), Some(65535.0))
    );
    assert_eq!(
        form.field("/n").unwrap().bounds.exclusive_minimum,
        Some(0.0)
    );
    let old = form.field("/old").unwrap().bounds;
    assert_eq!((old.minimum, old.exclusive_minimum), (None, Some(5.0)));
    assert_eq!(form.field("/b").unwrap().kind, Kind::Boolean);
    assert_eq!(form.value("/b"), Some(&json!(true)));
}

#[test]
fn nullable_types_in_both_spellings() {
    let form = Form::build(&json!({"properties": {
        "a": {"type": ["string", "null"]},
        "b": {"anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}], "default": null,
              "title": "B"}
    }}))
    .unwrap();
    let a = form.field("/a").unwrap();
    assert!(a.nullable && a.kind == Kind::String);
    let b = form.field("/b").unwrap();
    assert!(b.nullable && b.kind == Kind::Integer);
    assert_eq!((b.title.as_str(), b.bounds.minimum), ("B", Some(1.0)));
    assert_eq!(form.value("/b"), Some(&Value::Null));
}

#[test]
fn invalid_type_is_an_error_with_its_pointer() {
    let err = Form::build(&json!({"properties": {"x": {"type": ["number", null]}}})).unwrap_err();
    match &err {
        SchemaError::Invalid { pointer, .. } => assert_eq!(pointer, "/properties/x/type"),
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("/properties/x/type"));
    assert!(Form::build(&json!({"properties": {"x": {"type": "strin"}}})).is_err());
    assert!(Form::build(&json!({"properties": []})).is_err());
    assert!(Form::build(&json!({"properties": {"x": 3}})).is_err());
    assert!(Form::build(&json!({"properties": {"x": {"oneOf": {}}}})).is_err());
}

#[test]
fn misspelled_keywords_are_ignored() {
    let form = Form::build(&json!({"properties": {"x": {
        "type": "integer", "mininum": 3, "Title": "No", "desciprtion": "no"
    }}}))
    .unwrap();
    let x = form.field("/x").unwrap();
    assert_eq!(
        (x.title.as_str(), x.description.as_deref(), x.bounds.minimum),
        ("X", None, None)
    );
}

#[test]
fn arrays_of_scalars_and_objects() {
    let mut form = Form::build(&json!({"properties": {
        "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 3},
        "rows": {"type": "array", "items": {"type": "object", "required": ["name"], "properties": {
            "name": {"type": "string"},
            "mode": {"type": "string", "default": "append"},
            "cols": {"type": "array", "items": {"type": "string"}}
        }}}
    }}))
    .unwrap();
    let tags = form.field("/tags").unwrap();
    assert_eq!((tags.min_items, tags.max_items), (Some(1), Some(3)));
    assert_eq!(tags.items().unwrap().kind, Kind::String);
    assert_eq!(form.push_item("/tags").unwrap(), 0);
    assert_eq!(form.value("/tags"), Some(&json!([""])));
    assert_eq!(form.push_item("/rows").unwrap(), 0);
    assert_eq!(form.push_item("/rows").unwrap(), 1);
    form.set("/rows/1/name", json!("b")).unwrap();
    assert_eq!(form.value("/rows/0"), Some(&json!({"mode": "append"})));
    assert_eq!(
        form.field("/rows/1/mode").unwrap().default,
        Some(json!("append"))
    );
    assert_eq!(
        form.remove_item("/rows", 0).unwrap(),
        json!({"mode": "append"})
    );
    assert_eq!(
        form.value("/rows"),
        Some(&json!([{"name": "b", "mode": "append"}]))
    );
    let views = form.visible();
    let item = views.iter().find(|v| v.pointer == "/rows/0").unwrap();
    assert_eq!((item.item, item.depth), (Some(0), 1));
    assert!(
        views
            .iter()
            .any(|v| v.pointer == "/rows/0/name" && v.depth == 2)
    );
    assert!(form.remove_item("/rows", 5).is_err());
    assert!(form.push_item("/rows/0/name").is_err());
}

fn auth_schema() -> Value {
    json!({
        "type": "object",
        "properties": {"auth": {
            "title": "Authentication",
            "default": {"kind": "key"},
            "discriminator": {"propertyName": "kind"},
            "oneOf": [
                {"title": "Password", "type": "object", "required": ["kind", "user", "password"],
                 "properties": {"kind": {"const": "pw", "default": "pw"},
                                "user": {"type": "string"},
                                "password": {"type": "string", "secret": true}}},
                {"title": "API key", "type": "object", "required": ["kind", "key"],
                 "properties": {"kind": {"const": "key"},
                                "user": {"type": "string"},
                                "key": {"type": "string", "secret": true},
                                "region": {"type": "string", "default": "us"}}}
            ]
        }}
    })
}

#[test]
fn choice_preselects_the_default_option_and_switching_keeps_shared_values() {
    let mut form = Form::build(&auth_schema()).unwrap();
    let choice = form.field("/auth").unwrap().choice().unwrap().clone();
    assert_eq!(choice.discriminator.as_deref(), Some("kind"));
    let titles: Vec<_> = choice.options.iter().map(|o| o.title.as_str()).collect();
    assert_eq!(titles, ["Password", "API key"]);
    assert_eq!(choice.default_option, 1);
    assert_eq!(form.selected("/auth"), Some(1));
    assert_eq!(
        form.value("/auth"),
        Some(&json!({"kind": "key", "region": "us"}))
    );

    form.set("/auth/user", json!("ann")).unwrap();
    form.set("/auth/key", json!("k-123")).unwrap();
    form.set("/auth/extra", json!(1)).unwrap();
    form.choose("/auth", 0).unwrap();
    assert_eq!(form.selected("/auth"), Some(0));
    assert_eq!(
        form.value("/auth"),
        Some(&json!({"user": "ann", "extra": 1, "kind": "pw"}))
    );
    // Back again: the key put aside comes back.
    form.choose("/auth", 1).unwrap();
    assert_eq!(form.value("/auth/key"), Some(&json!("k-123")));
    assert_eq!(form.value("/auth/user"), Some(&json!("ann")));
    // Setting the discriminator switches too.
    form.set("/auth/kind", json!("pw")).unwrap();
    assert_eq!(form.selected("/auth"), Some(0));
    assert!(form.choose("/auth", 9).is_err());
    assert!(form.choose("/auth/user", 0).is_err());
    // The choice is listed, then the option's fields, less the discriminator.
    let views = form.visible();
    let pointers: Vec<_> = views.iter().map(|v| v.pointer.as_str()).collect();
    assert_eq!(pointers, ["/auth", "/auth/user", "/auth/password"]);
    assert_eq!(views[0].selected, Some(0));
}

#[test]
fn choice_discriminated_by_a_shared_const_without_discriminator_keyword() {
    let form = Form::build(&json!({"properties": {"ssl": {"type": "object", "oneOf": [
        {"title": "disable", "properties": {"mode": {"type": "string", "const": "disable"}}},
        {"title": "verify", "properties": {"mode": {"type": "string", "enum": ["verify"]},
                                           "ca": {"type": "string"}}}
    ]}}}))
    .unwrap();
    let choice = form.field("/ssl").unwrap().choice().unwrap();
    assert_eq!(choice.discriminator.as_deref(), Some("mode"));
    assert_eq!(choice.options[1].tag, Some(json!("verify")));
    let (form, _) = Form::from_config(
        &json!({"properties": {"ssl": {"oneOf": [
            {"properties": {"mode": {"const": "a"}}}, {"properties": {"mode": {"const": "b"}}}
        ]}}}),
        &json!({"ssl": {"mode": "b"}}),
    )
    .unwrap();
    assert_eq!(form.selected("/ssl"), Some(1));
}

#[test]
fn an_option_titled_with_a_code_name_is_labelled_by_its_tag_in_words() {
    // As tap-hubspot's SDK schema: `title` is the class name, the discriminator's value is the words.
    let form = Form::build(
        &json!({"properties": {"credentials": {"type": "object", "oneOf": [
            {"title": "AccessToken", "properties": {
                "credentials_title": {"type": "string", "const": "Private App Credentials"},
                "access_token": {"type": "string"}}},
            {"title": "OAuth", "properties": {
                "credentials_title": {"type": "string", "const": "OAuth Credentials"}}},
            {"title": "Key file", "properties": {
                "credentials_title": {"type": "string", "const": "key_file"}}}
        ]}}}),
    )
    .unwrap();
    let choice = form.field("/credentials").unwrap().choice().unwrap();
    let titles: Vec<&str> = choice.options.iter().map(|o| o.title.as_str()).collect();
    // A title in words stays, and so does one whose tag is a code name too.
    assert_eq!(
        titles,
        ["Private App Credentials", "OAuth Credentials", "Key file"]
    );
}

#[test]
fn airbyte_scalar_default_on_an_object_choice_picks_the_option() {
    let form = Form::build(&json!({"properties": {"ssl_mode": {"type": "object", "default": "required",
        "oneOf": [
            {"title": "preferred", "properties": {"mode": {"enum": ["preferred"], "default": "preferred"}}},
            {"title": "required", "properties": {"mode": {"enum": ["required"], "default": "required"}}}
        ]}}}))
    .unwrap();
    assert_eq!(form.selected("/ssl_mode"), Some(1));
    assert_eq!(form.value("/ssl_mode"), Some(&json!({"mode": "required"})));
}

#[test]
fn oneof_at_the_root_and_nested_oneofs() {
    let form = Form::build(&json!({"oneOf": [
        {"title": "A", "properties": {"t": {"const": "a"}, "inner": {"oneOf": [
            {"title": "X", "properties": {"k": {"const": "x"}}},
            {"title": "Y", "properties": {"k": {"const": "y"}}}
        ]}}, "required": ["inner"]},
        {"title": "B", "properties": {"t": {"const": "b"}}}
    ]}))
    .unwrap();
    assert!(form.root().choice().is_some());
    assert_eq!(form.to_config(), json!({"t": "a", "inner": {"k": "x"}}));
    let views = form.visible();
    assert_eq!(views[0].pointer, "");
    assert!(
        views
            .iter()
            .any(|v| v.pointer == "/inner" && v.selected == Some(0))
    );
}

#[test]
fn refs_allof_and_cycles() {
    let form = Form::build(&json!({
        "definitions": {"Port": {"type": "integer", "default": 5432}},
        "$defs": {
            "Node": {"type": "object", "properties": {"name": {"type": "string"},
                     "child": {"$ref": "#/$defs/Node"}}}
        },
        "allOf": [
            {"properties": {"port": {"$ref": "#/definitions/Port", "title": "Port!"}}},
            {"properties": {"tree": {"$ref": "#/$defs/Node"}}, "required": ["port"]}
        ]
    }))
    .unwrap();
    let port = form.field("/port").unwrap();
    assert_eq!((port.title.as_str(), port.required), ("Port!", true));
    assert_eq!(form.value("/port"), Some(&json!(5432)));
    assert!(matches!(form.field("/tree").unwrap().kind, Kind::Object(_)));
    assert!(matches!(form.field("/tree/child").unwrap().kind, Kind::Any));
    assert!(
        form.warnings()
            .iter()
            .any(|w| w.message.contains("recursive"))
    );
}

#[test]
fn unresolvable_ref_is_a_warning() {
    let form = Form::build(&json!({"properties": {"a": {"$ref": "#/$defs/Nope"}}})).unwrap();
    assert_eq!(form.warnings().len(), 1);
    assert!(matches!(form.field("/a").unwrap().kind, Kind::Any));
}

#[test]
fn if_then_else_shows_the_fields_it_adds() {
    let form = Form::build(&json!({"type": "object",
        "properties": {"kind": {"enum": ["a", "b"]}},
        "if": {"properties": {"kind": {"const": "a"}}},
        "then": {"properties": {"a_only": {"type": "string"}}, "required": ["a_only"]},
        "else": {"properties": {"b_only": {"type": "integer"}}}
    }))
    .unwrap();
    let a = form.field("/a_only").unwrap();
    assert!(a.conditional && !a.required);
    assert!(form.field("/b_only").unwrap().conditional);
}

#[test]
fn hidden_advanced_groups_and_display_annotations() {
    let form = Form::build(&json!({
        "groups": [{"id": "db", "title": "Database"}, {"id": "auth"}],
        "properties": {
            "password": {"type": "string", "group": "auth", "always_show": true, "order": 0},
            "host": {"type": "string", "group": "db", "order": 1},
            "hidden": {"type": "string", "airbyte_hidden": true, "default": "kept"},
            "x": {"type": "string", "x-hidden-field": true},
            "adv": {"type": "object", "advanced": true, "properties": {"n": {"type": "integer"}}},
            "mode": {"display_type": "radio", "nonsensitive": true,
                     "oneOf": [{"title": "a", "properties": {}}, {"title": "b", "properties": {}}]}
        }
    }))
    .unwrap();
    assert_eq!(form.groups()[0].title, "Database");
    assert_eq!(form.groups()[1].title, "auth");
    assert_eq!(
        keys(&form),
        ["/adv", "/adv/n", "/mode", "/host", "/password"]
    );
    let views = form.visible();
    assert!(
        views
            .iter()
            .find(|v| v.pointer == "/adv/n")
            .unwrap()
            .advanced
    );
    assert_eq!(
        views.iter().find(|v| v.pointer == "/host").unwrap().group,
        Some("db")
    );
    assert!(form.field("/password").unwrap().always_show);
    let mode = form.field("/mode").unwrap();
    assert_eq!(mode.display_type.as_deref(), Some("radio"));
    assert!(mode.nonsensitive);
    assert_eq!(form.value("/hidden"), Some(&json!("kept")));
    assert!(form.field("/x").unwrap().hidden);
}

#[test]
fn from_config_keeps_and_reports_unknown_values() {
    let schema = json!({"properties": {
        "a": {"type": "string", "default": "d"},
        "o": {"type": "object", "properties": {"b": {"type": "integer"}}},
        "m": {"type": "object", "additionalProperties": {"type": "string"}}
    }});
    let config = json!({"o": {"b": 1, "zz": true}, "extra": [1], "m": {"any": "x"}});
    let (form, unknown) = Form::from_config(&schema, &config).unwrap();
    let pointers: Vec<_> = unknown.iter().map(|u| u.pointer.as_str()).collect();
    assert_eq!(pointers, ["/o/zz", "/extra"]);
    assert_eq!(unknown[1].value, json!([1]));
    let out = form.to_config();
    assert_eq!(
        out,
        json!({"a": "d", "o": {"b": 1, "zz": true}, "m": {"any": "x"}, "extra": [1]})
    );
}

#[test]
fn edits_with_bad_pointers_are_errors() {
    let mut form =
        Form::build(&json!({"properties": {"a": {"type": "string", "default": "d"}}})).unwrap();
    assert!(form.set("a", json!(1)).is_err());
    assert!(form.set("/a/b", json!(1)).is_err());
    form.set("/a", json!("x")).unwrap();
    assert_eq!(form.unset("/a").unwrap(), Some(json!("x")));
    assert_eq!(form.value("/a"), Some(&json!("d")));
}

#[test]
fn titles_fall_back_to_readable_keys() {
    let form = Form::build(&json!({"properties": {"historyMode": {"type": "boolean"}}})).unwrap();
    let f = form.field("/historyMode").unwrap();
    assert_eq!((f.title.as_str(), f.has_title), ("History Mode", false));
}

#[test]
fn a_yaml_config_fills_the_form_and_round_trips() {
    let schema = auth_schema();
    let text = "auth:\n  kind: pw\n  user: ann\n  password: s3cret\nnote: kept\n";
    let config: Value = serde_yaml::from_str(text).unwrap();
    let (form, unknown) = Form::from_config(&schema, &config).unwrap();
    assert_eq!(form.selected("/auth"), Some(0));
    assert_eq!(unknown.len(), 1);
    assert_eq!(unknown[0].pointer, "/note");
    assert_eq!(form.secret_pointers(), ["/auth/password"]);
    assert_eq!(form.to_config(), config);
    let back: Value =
        serde_yaml::from_str(&serde_yaml::to_string(&form.to_config()).unwrap()).unwrap();
    assert_eq!(back, config);
}
