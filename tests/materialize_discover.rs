//! `catwalk discover` with a materialization connector (the flow-fixture in its materialize role, a local
//! command, answering as Estuary's SQL materializations do): the config stub first, then one binding per
//! collection of the source catalogs with its resource prefilled, Flow's field selection of the connector's
//! constraints, rejected bindings written disabled or left out, `--source`, re-runs that keep hand edits, and
//! `catwalk check` printing each binding's selection. Every catalog written is checked against Flow's schema.
//! Real materialization specs of the corpus give stubs and resources that match their own schemas.

mod support;

use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// `catwalk discover` of the materialize fixture as the local command `warehouse`, with `extra` arguments.
fn discover(dir: &Path, extra: &[&str]) -> support::Ran {
    let bin = support::fixture_bin().display().to_string();
    let mut args = vec![
        "discover",
        "--protocol",
        "flow",
        "--name",
        "warehouse",
        "--local",
        "--env",
        "FIXTURE_ROLE=materialize",
    ];
    args.extend_from_slice(extra);
    args.push("--");
    args.push(&bin);
    support::run_catwalk(dir, &args)
}

fn write_yaml(path: &Path, value: &Value) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, serde_yaml::to_string(value).unwrap()).unwrap();
}

/// A collection keyed by `/id` with a scalar of each kind, nullable, an array, an object and the fields
/// the fixture refuses.
fn orders_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "total": {"type": "number"},
            "note": {"type": ["string", "null"]},
            "items": {"type": "array", "items": {"type": "string"}},
            "customer": {"type": "object", "properties": {"name": {"type": "string"}}},
            "either": {"type": ["string", "integer"]},
            "forbidden_field": {"type": "string"},
            "incompatible_field": {"type": "string"}
        },
        "required": ["id"]
    })
}

/// `<dir>/acmeCo/<file>` defining `collections` (name -> schema, key `/id`).
fn source_catalog(dir: &Path, file: &str, collections: &[(&str, Value)]) -> PathBuf {
    let path = dir.join("acmeCo").join(file);
    let defs: serde_json::Map<String, Value> = collections
        .iter()
        .map(|(n, s)| (n.to_string(), json!({"key": ["/id"], "schema": s})))
        .collect();
    write_yaml(&path, &json!({ "collections": defs }));
    path
}

fn config_path(dir: &Path) -> PathBuf {
    dir.join("acmeCo/warehouse.config.yaml")
}

fn write_config(dir: &Path, patch: Value) {
    let mut config =
        json!({"address": "db.example.com:5432", "user": "flow", "password": "secret"});
    for (k, v) in patch.as_object().unwrap() {
        config[k] = v.clone();
    }
    write_yaml(&config_path(dir), &config);
}

fn flow_file(dir: &Path) -> PathBuf {
    dir.join("acmeCo/warehouse.flow.yaml")
}

fn bindings(doc: &Value) -> &Vec<Value> {
    doc["materializations"]["acmeCo/warehouse"]["bindings"]
        .as_array()
        .unwrap()
}

fn binding<'a>(doc: &'a Value, collection: &str) -> &'a Value {
    bindings(doc)
        .iter()
        .find(|b| b["source"] == collection)
        .unwrap_or_else(|| panic!("no binding of {collection} in {doc}"))
}

fn check(dir: &Path) -> support::Ran {
    support::run_catwalk(
        dir,
        &["check", "--source", flow_file(dir).to_str().unwrap()],
    )
}

/// What Flow's rules select for `orders` with the fixture's constraints and `recommended: 1`: the key; the
/// document (LOCATION_REQUIRED); every top-level field the connector allows, objects and arrays too
/// (depth 1), and `flow_published_at` (core metadata); never FIELD_FORBIDDEN or INCOMPATIBLE ones.
const ORDERS_SELECTION: &str = "keys: id; values: customer, either, flow_published_at, items, note, total; document: flow_document";

#[test]
fn the_first_run_writes_a_stub_then_every_collection_is_bound() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    source_catalog(
        dir,
        "shop.flow.yaml",
        &[
            ("acmeCo/shop/orders", orders_schema()),
            (
                "acmeCo/shop/customers",
                json!({"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}),
            ),
        ],
    );
    let ran = discover(dir, &["--with-schema"]);
    assert_eq!(ran.code(), Some(5), "{}", ran.stderr());
    let stub = std::fs::read_to_string(config_path(dir)).unwrap();
    assert!(stub.contains("# Endpoint config for"), "{stub}");
    assert!(stub.contains("address:"), "{stub}");
    assert!(!flow_file(dir).exists());
    assert!(
        ran.stderr().contains("--with-schema"),
        "the command to run again keeps the flags: {}",
        ran.stderr()
    );

    write_config(dir, json!({}));
    let ran = discover(dir, &["--with-schema"]);
    let err = ran.stderr();
    assert_eq!(ran.code(), Some(0), "{err}");
    let doc = support::read_valid_catalog(&flow_file(dir));
    assert_eq!(doc["import"], json!(["shop.flow.yaml"]));
    let m = &doc["materializations"]["acmeCo/warehouse"];
    assert_eq!(m["endpoint"]["local"]["config"], "warehouse.config.yaml");
    assert_eq!(
        m["endpoint"]["local"]["env"],
        json!({"FIXTURE_ROLE": "materialize"})
    );
    assert_eq!(
        binding(&doc, "acmeCo/shop/orders"),
        &json!({
            "resource": {"table": "orders", "schema": "shop", "delta_updates": false},
            "source": "acmeCo/shop/orders",
            "fields": {"recommended": 1}
        })
    );
    assert_eq!(
        binding(&doc, "acmeCo/shop/customers")["resource"]["table"],
        "customers"
    );
    assert!(err.contains("✓ acmeCo/shop/orders  shop.orders"), "{err}");
    assert!(err.contains(ORDERS_SELECTION), "{err}");
    assert!(err.contains("Next: review the bindings"), "{err}");

    // check prints the same selection per binding.
    let ran = check(dir);
    let err = ran.stderr();
    assert_eq!(ran.code(), Some(0), "{err}");
    assert!(err.contains(ORDERS_SELECTION), "{err}");
    assert!(
        err.contains("keys: id; values: flow_published_at; document: flow_document"),
        "customers: {err}"
    );
}

#[test]
fn rejected_bindings_are_written_disabled_or_left_out() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    let simple =
        json!({"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]});
    source_catalog(
        dir,
        "src.flow.yaml",
        &[
            ("acmeCo/good", simple.clone()),
            ("acmeCo/reject_me", simple.clone()),
        ],
    );
    write_config(dir, json!({}));
    let ran = discover(dir, &[]);
    let err = ran.stderr();
    assert_eq!(ran.code(), Some(0), "{err}");
    assert!(
        err.contains("✗ acmeCo/reject_me  rejected (written disabled)")
            && err.contains("table public.reject_me cannot be created"),
        "{err}"
    );
    let doc = support::read_valid_catalog(&flow_file(dir));
    assert_eq!(binding(&doc, "acmeCo/reject_me")["disable"], json!(true));
    assert!(binding(&doc, "acmeCo/good").get("disable").is_none());
    let ran = check(dir);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    assert!(
        ran.stderr().contains("1 binding disabled, not checked"),
        "{}",
        ran.stderr()
    );

    // A re-run keeps the disabled binding as it is, without asking the connector again.
    let ran = discover(dir, &[]);
    let err = ran.stderr();
    assert_eq!(ran.code(), Some(0), "{err}");
    assert!(
        err.contains("acmeCo/reject_me  disabled in the file: kept, not validated"),
        "{err}"
    );
    assert!(!err.contains("do not define"), "{err}");
    assert!(err.contains("0 added, 2 kept as in the file"), "{err}");

    std::fs::remove_file(flow_file(dir)).unwrap();
    let ran = discover(dir, &["--skip-invalid"]);
    let err = ran.stderr();
    assert_eq!(ran.code(), Some(0), "{err}");
    assert!(err.contains("rejected (left out)"), "{err}");
    let doc = support::read_valid_catalog(&flow_file(dir));
    assert_eq!(bindings(&doc).len(), 1);
    assert_eq!(bindings(&doc)[0]["source"], "acmeCo/good");
}

#[test]
fn rejected_bindings_among_many_are_singled_out() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    let simple =
        json!({"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]});
    let names: Vec<String> = (0..40)
        .map(|i| match i {
            7 => "acmeCo/reject_seven".to_string(),
            31 => "acmeCo/reject_thirty_one".to_string(),
            i => format!("acmeCo/t{i:02}"),
        })
        .collect();
    let collections: Vec<(&str, Value)> =
        names.iter().map(|n| (n.as_str(), simple.clone())).collect();
    source_catalog(dir, "many.flow.yaml", &collections);
    write_config(dir, json!({}));
    let ran = discover(dir, &[]);
    let err = ran.stderr();
    assert_eq!(ran.code(), Some(0), "{err}");
    let doc = support::read_valid_catalog(&flow_file(dir));
    let disabled: Vec<&str> = bindings(&doc)
        .iter()
        .filter(|b| b["disable"] == json!(true))
        .map(|b| b["source"].as_str().unwrap())
        .collect();
    assert_eq!(
        disabled,
        vec!["acmeCo/reject_seven", "acmeCo/reject_thirty_one"]
    );
    assert_eq!(bindings(&doc).len(), 40);
    assert!(err.contains("(38 enabled)"), "{err}");
}

#[test]
fn a_failing_config_is_the_configs_fault_not_the_bindings() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    source_catalog(dir, "src.flow.yaml", &[("acmeCo/orders", orders_schema())]);
    write_config(
        dir,
        json!({"mode": {"kind": "fail_check", "message": "password authentication failed"}}),
    );
    let ran = discover(dir, &[]);
    assert_eq!(ran.code(), Some(1), "{}", ran.stderr());
    assert!(
        ran.stderr().contains("password authentication failed"),
        "{}",
        ran.stderr()
    );
    assert!(!flow_file(dir).exists(), "nothing written");
}

#[test]
fn source_chooses_the_catalogs_and_a_rerun_keeps_hand_edits() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    let a = source_catalog(dir, "a.flow.yaml", &[("acmeCo/a", orders_schema())]);
    source_catalog(dir, "b/b.flow.yaml", &[("acmeCo/b", orders_schema())]);
    write_config(dir, json!({}));
    let ran = discover(dir, &["--source", a.to_str().unwrap()]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let doc = support::read_valid_catalog(&flow_file(dir));
    assert_eq!(doc["import"], json!(["a.flow.yaml"]));
    assert_eq!(bindings(&doc).len(), 1);

    // Hand edits: a comment, a renamed table, an excluded field.
    let text = std::fs::read_to_string(flow_file(dir)).unwrap();
    let line = text.lines().find(|l| l.contains("recommended: 1")).unwrap();
    let indent = &line[..line.len() - line.trim_start().len()];
    let edited = format!(
        "# ours\n{}",
        text.replace("table: a", "table: a_renamed # keep").replace(
            "recommended: 1",
            &format!("recommended: 1\n{indent}exclude: [note]")
        )
    );
    std::fs::write(flow_file(dir), &edited).unwrap();
    assert_eq!(
        support::read_valid_catalog(&flow_file(dir))["materializations"]["acmeCo/warehouse"]["bindings"]
            [0]["fields"],
        json!({"recommended": 1, "exclude": ["note"]}),
        "{edited}"
    );

    // --dry-run: nothing written.
    let ran = discover(dir, &["--dry-run"]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    assert!(
        ran.stderr().contains("Dry run: nothing written"),
        "{}",
        ran.stderr()
    );
    assert_eq!(std::fs::read_to_string(flow_file(dir)).unwrap(), edited);

    // Default sources: every catalog under the directory; the file's binding is kept as written.
    let ran = discover(dir, &[]);
    let err = ran.stderr();
    assert_eq!(ran.code(), Some(0), "{err}");
    assert!(err.contains("1 added, 1 kept as in the file"), "{err}");
    assert!(err.contains("public.a_renamed (as in the file)"), "{err}");
    assert!(
        err.contains("keys: id; values: customer, either, flow_published_at, items, total; document: flow_document"),
        "the excluded field is not selected: {err}"
    );
    let text = std::fs::read_to_string(flow_file(dir)).unwrap();
    assert!(text.starts_with("# ours\n"), "{text}");
    assert!(text.contains("table: a_renamed # keep"), "{text}");
    let doc = support::read_valid_catalog(&flow_file(dir));
    assert_eq!(doc["import"], json!(["a.flow.yaml", "b/b.flow.yaml"]));
    assert_eq!(binding(&doc, "acmeCo/b")["resource"]["table"], "b");
}

#[test]
fn delta_updates_and_field_conflicts() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    source_catalog(dir, "src.flow.yaml", &[("acmeCo/orders", orders_schema())]);
    write_config(dir, json!({}));
    let ran = discover(dir, &["--delta-updates"]);
    let err = ran.stderr();
    assert_eq!(ran.code(), Some(0), "{err}");
    let doc = support::read_valid_catalog(&flow_file(dir));
    assert_eq!(
        binding(&doc, "acmeCo/orders")["resource"],
        json!({"table": "orders", "delta_updates": true})
    );
    // Delta updates: the fixture makes the document optional, so it is not selected.
    assert!(err.contains("delta updates"), "{err}");
    assert!(
        err.contains("keys: id; values: customer, either, flow_published_at, items, note, total; document: (none)"),
        "{err}"
    );

    // A field choice the connector refuses: reported by discover and by check, naming field and reason.
    let mut doc = doc;
    doc["materializations"]["acmeCo/warehouse"]["bindings"][0]["fields"] =
        json!({"recommended": 1, "require": {"forbidden_field": {}}});
    write_yaml(&flow_file(dir), &doc);
    let ran = discover(dir, &[]);
    let err = ran.stderr();
    assert_eq!(ran.code(), Some(0), "{err}");
    assert!(
        err.contains(
            "field forbidden_field is required by `fields.require`, but the connector says FIELD_FORBIDDEN"
        ),
        "{err}"
    );
    let ran = check(dir);
    let err = ran.stderr();
    assert_eq!(ran.code(), Some(1), "{err}");
    assert!(
        err.contains("field forbidden_field is required by `fields.require`")
            && err.contains("The fixture forbids fields named forbidden_field"),
        "{err}"
    );
}

#[test]
fn nothing_to_materialize_says_what_to_do() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    write_config(dir, json!({}));
    let ran = discover(dir, &[]);
    assert_eq!(ran.code(), Some(3), "{}", ran.stderr());
    assert!(
        ran.stderr().contains("nothing to materialize") && ran.stderr().contains("--source"),
        "{}",
        ran.stderr()
    );
}

#[test]
fn a_discovered_capture_then_its_materialization() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    let bin = support::fixture_bin().display().to_string();
    let capture = ["discover", "--protocol", "flow", "--local", "--", &bin];
    assert_eq!(support::run_catwalk(dir, &capture).code(), Some(5));
    write_yaml(
        &dir.join("acmeCo/flow-fixture.config.yaml"),
        &support::fixture_config(),
    );
    let ran = support::run_catwalk(dir, &capture);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    write_config(dir, json!({}));
    let ran = discover(dir, &[]);
    let err = ran.stderr();
    assert_eq!(ran.code(), Some(0), "{err}");
    let doc = support::read_valid_catalog(&flow_file(dir));
    assert_eq!(doc["import"], json!(["flow-fixture.flow.yaml"]));
    // events: no primary key, so the fallback key /_meta/row_id is the group-by.
    assert!(err.contains("keys: _meta/row_id;"), "{err}");
    assert_eq!(
        binding(&doc, "acmeCo/events")["resource"]["table"],
        "events"
    );
    let ran = support::run_catwalk(
        dir,
        &[
            "check",
            "--source",
            flow_file(dir).to_str().unwrap(),
            "--name",
            "acmeCo/warehouse",
        ],
    );
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    assert!(
        ran.stderr().contains("✓ acmeCo/users  public.users"),
        "{}",
        ran.stderr()
    );
}

/// Real materialization specs of the corpus: their config stubs are YAML, and a binding's prefilled resource
/// matches the resource schema; the catalog built from them is valid Flow.
#[test]
fn corpus_materialization_specs_give_stubs_and_resources() {
    let dir = support::specs_dir().join("estuary");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with("materialize-") {
            continue;
        }
        seen += 1;
        let spec: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let stub = catwalk::schema::stub_yaml(&spec["configSchema"])
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let _: Value =
            serde_yaml::from_str(&stub).unwrap_or_else(|e| panic!("{name}: {e}\n{stub}"));
        let schema = &spec["resourceConfigSchema"];
        let opts = catwalk::catalog::ResourceOptions {
            with_schema: true,
            delta_updates: false,
        };
        let resource = catwalk::catalog::resource_for("acmeCo/sales/orders", schema, &opts);
        let pointers = catwalk::catalog::resource_pointers(schema);
        let at = pointers
            .collection_name
            .unwrap_or_else(|| panic!("{name}: no x-collection-name"));
        assert_eq!(resource.pointer(&at), Some(&json!("orders")), "{name}");
        if let Some(s) = pointers.schema_name {
            assert_eq!(resource.pointer(&s), Some(&json!("sales")), "{name}");
        }
        let problems = catwalk::schema::validate(schema, &resource).unwrap();
        assert!(problems.is_empty(), "{name}: {resource} {problems:?}");
        let m = catwalk::catalog::NewMaterialization {
            name: format!("acmeCo/{}", name.trim_end_matches(".json")),
            endpoint: catwalk::catalog::Endpoint::image(
                format!("ghcr.io/estuary/{}:v1", name.trim_end_matches(".json")),
                catwalk::catalog::ContentRef::Path("x.config.yaml".into()),
            ),
            imports: vec!["sales.flow.yaml".into()],
            edit: false,
            bindings: vec![catwalk::catalog::NewBinding {
                collection: "acmeCo/sales/orders".into(),
                resource,
                fields: catwalk::catalog::FieldChoices::new_binding(),
                disable: false,
            }],
        };
        catwalk::catalog::validate_catalog(&m.to_catalog())
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
    }
    assert!(seen >= 10, "materialization specs in the corpus: {seen}");
}

/// The wizard's save of a materialization (`ops::materialize::save`) with a config to protect: sops
/// encrypts it in memory (the real binary and a real age key), the plaintext never reaches the disk.
#[test]
fn a_saved_materialization_config_is_encrypted_with_sops() {
    use catwalk::catalog::{ContentRef, Endpoint, FieldChoices, NewBinding, NewMaterialization};
    use catwalk::ops::materialize::{SaveRequest, save};
    use catwalk::secrets::{Keys, Protection, Scope};
    let tmp = support::temp_dir();
    let key = support::age_key(tmp.path(), "key.txt");
    // SAFETY: this test binary sets these nowhere else; catwalk runs of other tests pass their own env.
    unsafe {
        std::env::set_var("CATWALK_SOPS", support::sops_bin());
        std::env::set_var("SOPS_AGE_KEY_FILE", &key.file);
    }
    let dir = tmp.path().join("out");
    let req = SaveRequest {
        dir: dir.clone(),
        flow_file: dir.join("pg.flow.yaml"),
        config_file: "pg.config.yaml".into(),
        materialization: NewMaterialization {
            name: "acmeCo/pg".into(),
            endpoint: Endpoint::image(
                "ghcr.io/estuary/materialize-postgres:v1",
                ContentRef::Path("pg.config.yaml".into()),
            ),
            imports: vec!["../src.flow.yaml".into()],
            edit: false,
            bindings: vec![NewBinding {
                collection: "acmeCo/orders".into(),
                resource: json!({"table": "orders"}),
                fields: FieldChoices::new_binding(),
                disable: false,
            }],
        },
        replace: false,
        config: Some(json!({"address": "db:5432", "password": "hunter2-very-secret"})),
        config_schema: json!({"type": "object", "properties": {
            "address": {"type": "string"}, "password": {"type": "string", "secret": true}}}),
        protection: Some(Protection {
            keys: Keys {
                age: vec![key.recipient.clone()],
                ..Keys::default()
            },
            scope: Scope::Secrets,
        }),
    };
    let (outcome, summary) = save(&req).unwrap();
    assert_eq!(summary.written, 2);
    let text = std::fs::read_to_string(dir.join("pg.config.yaml")).unwrap();
    assert!(!text.contains("hunter2-very-secret"), "{text}");
    assert!(text.contains("password_sops: ENC["), "{text}");
    assert!(text.contains("address: db:5432"), "{text}");
    let doc = support::read_valid_catalog(&outcome.flow_file);
    assert_eq!(doc["import"], json!(["../src.flow.yaml"]));
    let config: Value = serde_yaml::from_str(&text).unwrap();
    let plain = catwalk::secrets::decrypt(&config, "pg.config.yaml").unwrap();
    assert_eq!(plain["password"], "hunter2-very-secret");
}
