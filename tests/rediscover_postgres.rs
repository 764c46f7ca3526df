//! `catwalk discover` on an existing, hand-edited catalog against a real PostgreSQL whose tables change
//! between runs (the Airbyte fixture source in tests/fixtures/source-postgres-tables reads pg_catalog): a
//! new table is added as a disabled binding, a dropped NOT NULL column and a retyped column are reported as
//! breaking, `--dry-run` writes nothing, and the write keeps every comment and hand edit (a line diff shows
//! only the lines of the new binding and collection).

mod support;

use std::fs;
use std::path::Path;
use support::postgres::{self, Postgres};

fn airbyte_command() -> [String; 2] {
    let python = postgres::singer_bin_dir("tap-postgres").join("python");
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/source-postgres-tables/source.py");
    [python.display().to_string(), script.display().to_string()]
}

fn discover(dir: &Path, extra: &[&str]) -> support::Ran {
    let command = airbyte_command();
    let mut args = vec!["-v", "discover"];
    args.extend(extra);
    args.extend(["--name", "pg", "--protocol", "airbyte", "--local", "--"]);
    args.extend(command.iter().map(String::as_str));
    let ran = support::run_catwalk(dir, &args);
    assert_eq!(ran.code(), Some(0), "catwalk {args:?}:\n{}", ran.stderr());
    ran
}

/// Lines of `b` not in `a` and of `a` not in `b` (multiset difference; the files are small).
fn changed_lines(a: &str, b: &str) -> (Vec<String>, Vec<String>) {
    let diff = |x: &str, y: &str| {
        let mut pool: Vec<&str> = y.lines().collect();
        let mut only = Vec::new();
        for l in x.lines() {
            match pool.iter().position(|p| *p == l) {
                Some(i) => {
                    pool.remove(i);
                }
                None => only.push(l.to_string()),
            }
        }
        only
    };
    (diff(a, b), diff(b, a))
}

#[test]
fn rediscovery_against_a_changing_database_keeps_hand_edits_and_reports_the_diff() {
    let pg = Postgres::start();
    pg.psql(
        "postgres",
        "CREATE TABLE orders (id integer PRIMARY KEY, total integer NOT NULL, note text);",
    );
    let dir = tempfile::tempdir().unwrap();
    let mut config = pg.tap_config("postgres");
    config["schema"] = "public".into();
    fs::create_dir_all(dir.path().join("acmeCo")).unwrap();
    fs::write(
        dir.path().join("acmeCo/pg.config.yaml"),
        serde_yaml::to_string(&config).unwrap(),
    )
    .unwrap();
    discover(dir.path(), &[]);
    let flow = dir.path().join("acmeCo/pg.flow.yaml");
    let first = fs::read_to_string(&flow).unwrap();

    // The person edits by hand: a comment on top, a comment on a line, an interval.
    let edited = format!(
        "# Orders capture: reviewed by hand.\n{}",
        first.replacen("bindings:", "interval: 10m # hand-set\n    bindings:", 1)
    );
    assert!(
        edited.contains("\n    interval: 10m # hand-set\n    bindings:"),
        "{edited}"
    );
    fs::write(&flow, &edited).unwrap();
    support::read_valid_catalog(&flow);

    // The database changes: a new table, a dropped NOT NULL column, a retyped column.
    pg.psql(
        "postgres",
        "CREATE TABLE customers (id integer PRIMARY KEY, name text);\n\
         ALTER TABLE orders DROP COLUMN total;\n\
         ALTER TABLE orders ALTER COLUMN note TYPE integer USING NULL;",
    );

    let dry = discover(dir.path(), &["--dry-run"]);
    let shown = dry.stderr();
    assert_eq!(
        fs::read_to_string(&flow).unwrap(),
        edited,
        "--dry-run wrote the catalog"
    );
    assert!(
        !dir.path().join("acmeCo/customers.schema.yaml").exists(),
        "--dry-run wrote a schema"
    );
    assert!(
        shown.contains("1 added, 0 vanished, 1 changed (1 breaking)"),
        "{shown}"
    );
    assert!(
        shown.contains("customers -> acmeCo/customers (disabled)"),
        "{shown}"
    );
    assert!(shown.contains("field /total removed (breaking)"), "{shown}");
    assert!(
        shown.contains("field /note type changed: null|string -> integer|null (breaking)"),
        "{shown}"
    );
    assert!(shown.contains("Dry run: nothing written"), "{shown}");

    let ran = discover(dir.path(), &[]);
    assert!(ran.stderr().contains("(breaking)"), "{}", ran.stderr());
    let after = fs::read_to_string(&flow).unwrap();
    let doc = support::read_valid_catalog(&flow);
    let bindings = doc["captures"]["acmeCo/pg"]["bindings"].as_array().unwrap();
    let customers = bindings
        .iter()
        .find(|b| b["target"] == "acmeCo/customers")
        .expect("a binding for the new table");
    assert_eq!(
        customers["disable"], true,
        "a new table's binding is added disabled"
    );
    let (removed, added) = changed_lines(&edited, &after);
    assert!(removed.is_empty(), "lines lost: {removed:?}\n{after}");
    assert!(
        after.starts_with("# Orders capture: reviewed by hand.\n") && after.contains("# hand-set")
    );
    assert!(
        added.iter().all(|l| l.contains("customers")
            || l.contains("disable: true")
            || l.trim_start().starts_with("- ")
            || l.trim_start().starts_with("key:")
            || l.contains("resource:")
            || l.contains("namespace")
            || l.contains("stream")
            || l.contains("syncMode")
            || l.contains("cursorField")
            || l.trim() == "- id"
            || l.trim() == "- /id"),
        "unexpected lines: {added:?}\n{after}"
    );
    // The orders schema file now has no `total` and an integer `note`.
    let orders: serde_json::Value =
        support::read_yaml(&dir.path().join("acmeCo/orders.schema.yaml"));
    assert!(orders["properties"].get("total").is_none(), "{orders}");
    assert_eq!(
        orders["properties"]["note"]["type"],
        serde_json::json!(["integer", "null"])
    );
}

#[test]
fn dry_run_without_a_config_writes_no_stub() {
    let dir = tempfile::tempdir().unwrap();
    let command = airbyte_command();
    let mut args = vec![
        "discover",
        "--dry-run",
        "--name",
        "pg",
        "--protocol",
        "airbyte",
        "--local",
        "--",
    ];
    args.extend(command.iter().map(String::as_str));
    let ran = support::run_catwalk(dir.path(), &args);
    assert!(
        ran.stderr().contains("Dry run: nothing written"),
        "{}",
        ran.stderr()
    );
    assert!(
        !dir.path().join("acmeCo").exists(),
        "--dry-run wrote {:?}",
        fs::read_dir(dir.path().join("acmeCo")).map(|d| d.count())
    );
}
