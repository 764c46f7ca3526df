//! Singer taps, proven against a real tap (meltanolabs-tap-postgres, installed by scripts/test-deps) and a
//! real PostgreSQL server (tests/support/postgres.rs): `catwalk discover` writes a catalog whose collections,
//! keys and schemas match the database's own catalog (information_schema), table by table and column by
//! column; `catwalk check` passes through `catwalk adapt singer`; a wrong password and a server that is down
//! give clear errors; records read through the connector layer fit the discovered schemas. Also a tap that
//! cannot describe its settings (no JSON `--about`).

mod support;

use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use support::postgres::{self, Postgres};

/// PATH with catwalk's directory first (catalogs name it `catwalk`), then `extra`, then ours.
fn path_with(extra: &[PathBuf]) -> OsString {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_catwalk"));
    let mut dirs = vec![bin.parent().unwrap().to_path_buf()];
    dirs.extend(extra.iter().cloned());
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(dirs).unwrap()
}

/// `catwalk ARGS` in `dir`, with tap-postgres's venv on PATH so the tap runs by name.
fn catwalk(dir: &Path, args: &[&str]) -> support::Ran {
    let mut cmd = support::catwalk(dir);
    cmd.env(
        "PATH",
        path_with(&[postgres::singer_bin_dir("tap-postgres")]),
    )
    .args(args);
    support::run_with_timeout(&mut cmd, None, Duration::from_secs(300))
}

/// `catwalk adapt singer -- tap-postgres` with `requests` (Flow protocol lines) on stdin.
fn adapt(dir: &Path, requests: &str) -> support::Ran {
    let mut cmd = support::catwalk(dir);
    cmd.env(
        "PATH",
        path_with(&[postgres::singer_bin_dir("tap-postgres")]),
    )
    .args(["adapt", "singer", "--", "tap-postgres"]);
    support::run_with_timeout(
        &mut cmd,
        Some(requests.as_bytes()),
        Duration::from_secs(300),
    )
}

fn assert_valid_catalog(path: &Path) -> Value {
    let doc = support::read_yaml(path);
    if let Err(errors) = catwalk::catalog::validate_flow_catalog(&doc) {
        panic!(
            "{} is not a valid Flow catalog:\n{}",
            path.display(),
            errors.join("\n")
        );
    }
    // (The embedded schema is checked against ../shared/flow.schema.json by tests/shared_copies.rs.)
    doc
}

fn assert_no_secret(ran: &support::Ran) {
    for (what, text) in [("stdout", ran.stdout()), ("stderr", ran.stderr())] {
        assert!(
            !text.contains(postgres::PASSWORD),
            "the password appears on {what}:\n{text}"
        );
    }
}

/// Write the tap's config where the stub was, as a person filling it would (YAML, mode kept).
fn fill_config(path: &Path, config: &Value) {
    let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the stub is private");
    std::fs::write(path, serde_yaml::to_string(config).unwrap()).unwrap();
}

/// One column of information_schema.columns.
#[derive(Debug)]
struct Column {
    name: String,
    data_type: String,
    udt_name: String,
    nullable: bool,
}

/// Tables of schema `shop`: columns in order, and primary-key columns in key order.
fn database_catalog(pg: &Postgres) -> BTreeMap<String, (Vec<Column>, Vec<String>)> {
    let mut tables: BTreeMap<String, (Vec<Column>, Vec<String>)> = BTreeMap::new();
    for t in pg.rows(
        "shop",
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'shop' AND table_type = 'BASE TABLE' ORDER BY 1",
    ) {
        tables.insert(t[0].clone(), Default::default());
    }
    for r in pg.rows(
        "shop",
        "SELECT table_name, column_name, data_type, udt_name, is_nullable FROM information_schema.columns \
         WHERE table_schema = 'shop' ORDER BY table_name, ordinal_position",
    ) {
        tables.get_mut(&r[0]).unwrap().0.push(Column {
            name: r[1].clone(),
            data_type: r[2].clone(),
            udt_name: r[3].clone(),
            nullable: r[4] == "YES",
        });
    }
    for r in pg.rows(
        "shop",
        "SELECT tc.table_name, kcu.column_name FROM information_schema.table_constraints tc \
         JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name \
           AND kcu.table_schema = tc.table_schema AND kcu.table_name = tc.table_name \
         WHERE tc.table_schema = 'shop' AND tc.constraint_type = 'PRIMARY KEY' \
         ORDER BY tc.table_name, kcu.ordinal_position",
    ) {
        tables.get_mut(&r[0]).unwrap().1.push(r[1].clone());
    }
    assert!(tables.len() >= 4, "the fixture has tables: {tables:?}");
    tables
}

/// The JSON type a PostgreSQL type maps to (`None`: any JSON, for json/jsonb), and its format.
fn expected_type(data_type: &str, udt_name: &str) -> (Option<&'static str>, Option<&'static str>) {
    match data_type {
        "bigint" | "integer" | "smallint" => (Some("integer"), None),
        "numeric" | "double precision" | "real" => (Some("number"), None),
        "boolean" => (Some("boolean"), None),
        "text" | "character varying" | "character" | "uuid" | "bytea" => (Some("string"), None),
        "timestamp with time zone" | "timestamp without time zone" => {
            (Some("string"), Some("date-time"))
        }
        "date" => (Some("string"), Some("date")),
        "json" | "jsonb" => (None, None),
        "ARRAY" => (Some("array"), None),
        other => {
            panic!("the fixture has a column of type {other} ({udt_name}) the test does not map")
        }
    }
}

/// The element type of an array column (`_int4` -> integer).
fn array_item_type(udt_name: &str) -> &'static str {
    match udt_name {
        "_int2" | "_int4" | "_int8" => "integer",
        "_text" | "_varchar" => "string",
        "_numeric" | "_float4" | "_float8" => "number",
        other => panic!("the test does not map arrays of {other}"),
    }
}

/// The schema's types as a set (`"integer"` or `["integer", "null"]`).
fn types_of(schema: &Value) -> BTreeSet<String> {
    match schema.get("type") {
        Some(Value::String(t)) => [t.clone()].into(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(|t| t.as_str().map(str::to_string))
            .collect(),
        _ => BTreeSet::new(),
    }
}

#[test]
fn discover_matches_the_database_and_check_passes() {
    let pg = Postgres::start();
    pg.create_shop();
    let tmp = support::temp_dir();
    let dir = tmp.path();

    // First run: the tap is found to speak Singer (probed), and a stub is written from its settings.
    let ran = catwalk(dir, &["discover", "--local", "--", "tap-postgres"]);
    assert_eq!(ran.code(), Some(5), "{}", ran.stderr());
    let stub_path = dir.join("acmeCo/tap-postgres.config.yaml");
    let stub = std::fs::read_to_string(&stub_path).unwrap();
    assert!(stub.contains("password"), "{stub}");
    assert!(
        stub.contains("(secret)"),
        "the password is marked secret: {stub}"
    );
    assert!(
        ran.stderr()
            .contains("catwalk discover --local -- tap-postgres"),
        "{}",
        ran.stderr()
    );

    // Fill it (only schema `shop`, as people do; the adapter test runs without the filter); second run: the
    // catalog.
    let mut config = pg.tap_config("shop");
    config["filter_schemas"] = json!(["shop"]);
    fill_config(&stub_path, &config);
    let ran = catwalk(dir, &["discover", "--local", "--", "tap-postgres"]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    assert_no_secret(&ran);
    let flow = dir.join("acmeCo/tap-postgres.flow.yaml");
    let doc = assert_valid_catalog(&flow);
    let capture = &doc["captures"]["acmeCo/tap-postgres"];
    assert_eq!(
        capture["endpoint"]["local"]["command"],
        json!(["catwalk", "adapt", "singer", "--", "tap-postgres"])
    );
    assert_eq!(
        capture["endpoint"]["local"]["config"],
        "tap-postgres.config.yaml"
    );
    let bindings = capture["bindings"].as_array().unwrap();

    // Table by table, column by column, against information_schema.
    let tables = database_catalog(&pg);
    for (table, (columns, pk)) in &tables {
        let stream = format!("shop-{table}");
        let name = format!("acmeCo/{stream}");
        let binding = bindings
            .iter()
            .find(|b| b["target"] == json!(name))
            .unwrap_or_else(|| panic!("no binding for table {table} (collection {name})"));
        assert_eq!(binding["resource"], json!({"stream": stream}), "{table}");
        let collection = &doc["collections"][&name];
        let expected_key: Vec<String> = if pk.is_empty() {
            vec!["/_meta/row_id".into()]
        } else {
            pk.iter().map(|c| format!("/{c}")).collect()
        };
        assert_eq!(collection["key"], json!(expected_key), "key of {table}");
        let schema = support::read_yaml(
            &dir.join("acmeCo")
                .join(collection["schema"].as_str().unwrap()),
        );
        assert_eq!(schema["type"], "object", "{table}");
        let props = schema["properties"].as_object().unwrap();
        let mut expected_props: BTreeSet<String> = columns.iter().map(|c| c.name.clone()).collect();
        if pk.is_empty() {
            expected_props.insert("_meta".into());
            assert_eq!(
                props["_meta"]["properties"]["row_id"]["type"], "integer",
                "{table}"
            );
            assert!(
                ran.stderr().contains(&name) && ran.stderr().contains("fallback key"),
                "the fallback key of {name} is pointed out: {}",
                ran.stderr()
            );
        }
        assert_eq!(
            props.keys().cloned().collect::<BTreeSet<_>>(),
            expected_props,
            "columns of {table}"
        );
        let required: BTreeSet<String> = schema["required"]
            .as_array()
            .map(|r| r.iter().map(|v| v.as_str().unwrap().to_string()).collect())
            .unwrap_or_default();
        for c in columns {
            let p = &props[&c.name];
            let at = format!("{table}.{} ({} {})", c.name, c.data_type, c.udt_name);
            let is_key = pk.contains(&c.name);
            let (ty, format) = expected_type(&c.data_type, &c.udt_name);
            let types = types_of(p);
            match ty {
                None => assert_eq!(p, &json!({}), "{at}: json accepts any JSON"),
                Some(ty) => {
                    let mut want: BTreeSet<String> = [ty.to_string()].into();
                    // tap-postgres reports every non-key column as nullable, NOT NULL or not (it does not
                    // read the constraint); key columns are never null in Flow.
                    if !is_key {
                        want.insert("null".into());
                    }
                    assert_eq!(types, want, "{at}: {p}");
                }
            }
            assert_eq!(
                p.get("format").and_then(Value::as_str),
                format,
                "{at}: format {p}"
            );
            if c.data_type == "ARRAY" {
                assert!(
                    types_of(&p["items"]).contains(array_item_type(&c.udt_name)),
                    "{at}: items {p}"
                );
            }
            assert_eq!(
                required.contains(&c.name),
                is_key,
                "{at}: required {required:?}"
            );
            if is_key {
                assert!(!c.nullable, "{at}: a primary key column is NOT NULL");
            }
        }
    }
    // One collection per table, nothing else.
    let shop_collections: BTreeSet<String> = doc["collections"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let expected: BTreeSet<String> = tables.keys().map(|t| format!("acmeCo/shop-{t}")).collect();
    assert_eq!(shop_collections, expected);

    // check runs `catwalk adapt singer` as Flow would, and reports each binding.
    let ran = catwalk(dir, &["check", "--source", flow.to_str().unwrap()]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    assert_no_secret(&ran);
    for table in tables.keys() {
        assert!(
            ran.stderr().contains(&format!("✓ acmeCo/shop-{table}")),
            "{}",
            ran.stderr()
        );
    }
    assert!(
        ran.stderr().contains("1 task checked: 1 passed, 0 failed."),
        "{}",
        ran.stderr()
    );
}

#[test]
fn wrong_password_and_server_down_are_clear() {
    let mut pg = Postgres::start();
    pg.create_shop();
    let tmp = support::temp_dir();
    let dir = tmp.path();
    let args = [
        "discover",
        "--local",
        "--protocol",
        "singer",
        "--",
        "tap-postgres",
    ];
    assert_eq!(catwalk(dir, &args).code(), Some(5));
    let config_path = dir.join("acmeCo/tap-postgres.config.yaml");
    let mut config = pg.tap_config("shop");
    fill_config(&config_path, &config);
    let ran = catwalk(dir, &args);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let flow = dir.join("acmeCo/tap-postgres.flow.yaml");

    // A wrong password: the server's words, and what to do.
    config["password"] = json!("not-the-password");
    std::fs::write(&config_path, serde_yaml::to_string(&config).unwrap()).unwrap();
    let ran = catwalk(dir, &["check", "--source", flow.to_str().unwrap()]);
    assert_eq!(ran.code(), Some(1), "{}", ran.stderr());
    let err = ran.stderr();
    assert!(
        err.contains("password authentication failed for user \"postgres\""),
        "{err}"
    );
    assert!(err.contains("check them in the config"), "{err}");
    assert!(!err.contains("not-the-password"), "{err}");
    // The verdict is in plain words (the tap's log lines, shown before it, may hold its traceback).
    let verdict = &err[err.find("FAILED").expect("a FAILED line")..];
    assert!(
        verdict.contains("password authentication failed") && !verdict.contains("Error"),
        "{verdict}"
    );
    // discover says the same.
    let ran = catwalk(dir, &args);
    assert_eq!(ran.code(), Some(1), "{}", ran.stderr());
    assert!(
        ran.stderr().contains("password authentication failed"),
        "{}",
        ran.stderr()
    );

    // The server down: nothing listens at the port.
    pg.stop();
    std::fs::write(
        &config_path,
        serde_yaml::to_string(&pg.tap_config("shop")).unwrap(),
    )
    .unwrap();
    let ran = catwalk(dir, &["check", "--source", flow.to_str().unwrap()]);
    assert_eq!(ran.code(), Some(1), "{}", ran.stderr());
    let err = ran.stderr();
    assert!(
        err.contains(&format!("port {} failed: Connection refused", pg.port())),
        "{err}"
    );
    assert!(
        err.contains("check the host and port in the config, and that the server is running"),
        "{err}"
    );
    assert_no_secret(&ran);
}

#[test]
fn adapt_singer_speaks_flow_protocol() {
    let pg = Postgres::start();
    pg.create_shop();
    let tmp = support::temp_dir();
    let config = pg.tap_config("shop");
    let requests = format!(
        "{}\n{}\n{}\n",
        json!({"spec": {"connectorType": "LOCAL", "config": {}}}),
        json!({"discover": {"connectorType": "LOCAL", "config": config}}),
        json!({"validate": {"name": "acmeCo/pg", "connectorType": "LOCAL", "config": config, "bindings": [
            {"resourceConfig": {"stream": "shop-products"}, "collection": {"name": "acmeCo/p", "key": ["/sku"], "writeSchema": {"type": "object"}}},
            {"resourceConfig": {"stream": "shop-events"}, "collection": {"name": "acmeCo/e", "key": ["/_meta/row_id"], "writeSchema": {"type": "object"}}}
        ]}}),
    );
    let ran = adapt(tmp.path(), &requests);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let answers = support::json_lines(&ran.stdout);
    assert_eq!(answers.len(), 3, "{}", ran.stdout());
    let spec = &answers[0]["spec"];
    assert_eq!(spec["protocol"], 3032023);
    assert_eq!(spec["resourcePathPointers"], json!(["/stream"]));
    assert_eq!(
        spec["configSchema"]["properties"]["password"]["secret"],
        true
    );
    let discovered = answers[1]["discovered"]["bindings"].as_array().unwrap();
    let products = discovered
        .iter()
        .find(|b| b["recommendedName"] == "shop-products")
        .unwrap();
    assert_eq!(products["key"], json!(["/sku"]));
    assert_eq!(
        products["resourceConfig"],
        json!({"stream": "shop-products"})
    );
    let events = discovered
        .iter()
        .find(|b| b["recommendedName"] == "shop-events")
        .unwrap();
    assert_eq!(events["isFallbackKey"], true);
    assert_eq!(
        answers[2]["validated"]["bindings"],
        json!([{"resourcePath": ["shop-products"]}, {"resourcePath": ["shop-events"]}])
    );
    assert_no_secret(&ran);

    // A stream that is gone is named.
    let request = json!({"validate": {"name": "acmeCo/pg", "connectorType": "LOCAL", "config": config, "bindings": [
        {"resourceConfig": {"stream": "shop-gone"}, "collection": {"name": "acmeCo/g", "key": ["/id"], "writeSchema": {"type": "object"}}}]}});
    let ran = adapt(tmp.path(), &format!("{request}\n"));
    assert_eq!(ran.code(), Some(1), "{}", ran.stderr());
    assert!(ran.stderr().contains("shop-gone"), "{}", ran.stderr());
}

#[test]
fn records_are_read_and_fit_the_discovered_schemas() {
    use catwalk::connector::{Connector, Endpoint, Options};
    let pg = Postgres::start();
    pg.create_shop();
    let tap = postgres::singer_tap("tap-postgres").display().to_string();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        // Probed: the name says tap, and it answers `--about --format=json`.
        let connector = Connector::open(Endpoint::local(vec![tap]), Options::default())
            .await
            .unwrap();
        assert_eq!(connector.protocol(), catwalk::model::Protocol::Singer);
        let config = pg.tap_config("shop");
        let bindings = connector.discover(&config).await.unwrap();
        let resources: Vec<Value> = ["shop-customers", "shop-events", "shop-order_lines"]
            .iter()
            .map(|s| json!({"stream": s}))
            .collect();
        let mut docs = Vec::new();
        let state = connector
            .singer_documents(&config, &resources, None, |d| docs.push(d))
            .await
            .unwrap();
        assert!(state.is_some_and(|s| s["bookmarks"].is_object()));
        let of = |b: usize| {
            docs.iter()
                .filter(|d| d.binding == b)
                .map(|d| &d.doc)
                .collect::<Vec<_>>()
        };
        let customers = of(0);
        assert_eq!(customers.len(), 2);
        assert_eq!(customers[0]["name"], "Zoë Ångström ✓ 日本語");
        assert_eq!(customers[0]["prefs"], json!({"tier": "gold", "n": [1, 2]}));
        assert_eq!(customers[0]["tags"], json!(["a", "b"]));
        let events = of(1);
        assert_eq!(events.len(), 2, "rows without a key are all kept");
        assert_eq!(events[0]["_meta"]["row_id"], 0);
        assert_eq!(events[1]["_meta"]["row_id"], 1);
        assert_eq!(events[0]["msg"], "héllo wörld");
        assert_eq!(of(2).len(), 2);
        // Every document fits its collection's schema, as discovered.
        for d in &docs {
            let stream = resources[d.binding]["stream"].as_str().unwrap();
            let b = bindings
                .iter()
                .find(|b| b.resource_config["stream"] == stream)
                .unwrap();
            let problems = catwalk::schema::validate(&b.document_schema, &d.doc).unwrap();
            assert!(problems.is_empty(), "{stream}: {:?}\n{}", problems, d.doc);
            for k in &b.key {
                assert!(
                    d.doc.pointer(k).is_some_and(|v| !v.is_null()),
                    "{stream}: key {k} in {}",
                    d.doc
                );
            }
        }
        // An unknown stream is named, and nothing runs.
        let err = connector
            .singer_documents(&config, &[json!({"stream": "shop-nope"})], None, |_| {})
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("shop-nope"), "{err}");
    });
}

#[test]
fn tap_without_json_about_works_with_a_hand_written_config() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    let bin = tmp.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    // Behaves like a singer-python tap: argparse, no `--about`, a catalog on `--discover`.
    let tap = bin.join("tap-legacy");
    std::fs::write(
        &tap,
        r#"#!/bin/sh
case "$*" in
  *--about*)
    echo "usage: tap-legacy [-h] -c CONFIG [-s STATE] [--catalog CATALOG] [-d]" >&2
    echo "tap-legacy: error: unrecognized arguments: --about --format=json" >&2
    exit 2;;
  *--discover*)
    grep -q api_key "$2" || { echo "CRITICAL Config is missing required keys: ['api_key']" >&2; exit 1; }
    echo '{"streams": [{"tap_stream_id": "items", "stream": "items", "key_properties": ["id"], "metadata": [],'
    echo ' "schema": {"type": "object", "properties": {"id": {"type": "integer"}, "v": {"type": ["string", "null"]}}}}]}';;
  *)
    echo "CRITICAL no config given" >&2
    exit 1;;
esac
"#,
    )
    .unwrap();
    std::fs::set_permissions(&tap, std::fs::Permissions::from_mode(0o755)).unwrap();
    let run = |args: &[&str]| {
        let mut cmd = support::catwalk(dir);
        cmd.env("PATH", path_with(std::slice::from_ref(&bin)))
            .args(args);
        support::run_with_timeout(&mut cmd, None, Duration::from_secs(120))
    };

    // Probing cannot tell what it is: the error says how to go on.
    let ran = run(&["spec", "--local", "--", "tap-legacy"]);
    assert_eq!(ran.code(), Some(1), "{}", ran.stderr());
    let err = ran.stderr();
    assert!(err.contains("As Singer (`--about --format=json`)"), "{err}");
    assert!(
        err.contains("instead of describing its settings as JSON"),
        "{err}"
    );
    assert!(
        err.contains("--protocol singer") && err.contains("by hand"),
        "{err}"
    );

    // Told it is Singer: a free-form config, with a warning.
    let args = [
        "discover",
        "--local",
        "--protocol",
        "singer",
        "--",
        "tap-legacy",
    ];
    let ran = run(&args);
    assert_eq!(ran.code(), Some(5), "{}", ran.stderr());
    assert!(
        ran.stderr().contains("free-form config"),
        "{}",
        ran.stderr()
    );
    let config = dir.join("acmeCo/tap-legacy.config.yaml");
    assert!(
        support::read_yaml(&config)
            .as_object()
            .is_some_and(|o| o.is_empty())
    );
    std::fs::write(&config, "api_key: abc\nanything: [1, 2]\n").unwrap();
    let ran = run(&args);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let flow = dir.join("acmeCo/tap-legacy.flow.yaml");
    let doc = assert_valid_catalog(&flow);
    assert_eq!(
        doc["captures"]["acmeCo/tap-legacy"]["endpoint"]["local"]["command"],
        json!(["catwalk", "adapt", "singer", "--", "tap-legacy"])
    );
    assert_eq!(doc["collections"]["acmeCo/items"]["key"], json!(["/id"]));
    let ran = run(&["check", "--source", flow.to_str().unwrap()]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    assert!(ran.stderr().contains("✓ acmeCo/items"), "{}", ran.stderr());

    // The tap's own complaint reaches the person.
    std::fs::write(&config, "other: 1\n").unwrap();
    let ran = run(&["check", "--source", flow.to_str().unwrap()]);
    assert_eq!(ran.code(), Some(1), "{}", ran.stderr());
    assert!(
        ran.stderr()
            .contains("Config is missing required keys: ['api_key']"),
        "{}",
        ran.stderr()
    );
}

#[test]
fn the_pinned_tap_is_installed() {
    let tap = postgres::singer_tap("tap-postgres");
    let out = Command::new(&tap).arg("--version").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("0.10.0"));
}
