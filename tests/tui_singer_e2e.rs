//! A Singer tap through the whole wizard: `tap-postgres` (the real tap, from the test venv) found on PATH,
//! against a real PostgreSQL server (tests/support/postgres.rs). The config is opened from a file in step 3
//! (its password never on screen), the check runs the tap's discover, every table becomes a binding, and the
//! saved catalog names the tables' collections and keys as the database's own catalog (information_schema)
//! says, validates against Flow's schema, and passes `catwalk check --source`.

mod support;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::time::Duration;
use support::postgres::{self, PASSWORD, Postgres};
use support::tmux::{Tmux, catwalk};

const SLOW: Duration = Duration::from_secs(240);

/// Primary-key columns per table of schema `shop`, in key order, from information_schema.
fn primary_keys(pg: &Postgres) -> BTreeMap<String, Vec<String>> {
    let mut keys: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for t in pg.rows(
        "shop",
        "SELECT table_name FROM information_schema.tables \
         WHERE table_schema = 'shop' AND table_type = 'BASE TABLE' ORDER BY 1",
    ) {
        keys.insert(t[0].clone(), Vec::new());
    }
    for row in pg.rows(
        "shop",
        "SELECT kcu.table_name, kcu.column_name FROM information_schema.table_constraints tc \
         JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name \
         AND kcu.table_schema = tc.table_schema \
         WHERE tc.table_schema = 'shop' AND tc.constraint_type = 'PRIMARY KEY' \
         ORDER BY kcu.table_name, kcu.ordinal_position",
    ) {
        keys.get_mut(&row[0]).unwrap().push(row[1].clone());
    }
    keys
}

#[test]
fn tap_postgres_from_path_to_a_saved_catalog_matching_the_database() {
    let pg = Postgres::start();
    pg.create_shop();
    let tables = primary_keys(&pg);
    assert!(tables.len() >= 3, "the shop has tables: {tables:?}");

    let out = support::temp_dir();
    let mut config = pg.tap_config("shop");
    config["filter_schemas"] = serde_json::json!(["shop"]);
    let config_in = out.path().join("typed-elsewhere.json");
    std::fs::write(&config_in, serde_json::to_vec_pretty(&config).unwrap()).unwrap();
    std::fs::set_permissions(&config_in, std::fs::Permissions::from_mode(0o600)).unwrap();

    let tap_dir = postgres::singer_bin_dir("tap-postgres");
    let bin_dir = catwalk().parent().unwrap().to_path_buf();
    let path: PathBuf = std::env::join_paths([&bin_dir, &tap_dir]).unwrap().into();
    let t = Tmux::start("singer", 120, 40, Some(&path));
    t.forbid(PASSWORD, false);
    t.start_catwalk(Some(out.path()));

    // Step 1: the tap is offered among the programs found on PATH, as a Singer connector.
    // Typing on the list filters it (no `/` first).
    t.wait_for(&["1 Connector", "Local command…"]);
    t.text("tap-postgres");
    let screen = t.wait_for(&["tap-postgres", "A Singer tap"]);
    assert!(
        screen.contains("singer"),
        "the protocol is shown:\n{screen}"
    );
    t.keys(&["Enter"]);

    // Step 3: the form from the tap's settings; the config is opened from a file.
    t.wait_long(&["The endpoint config tells", "Host"], SLOW);
    t.keys(&["C-o"]);
    t.wait_for(&["config file"]);
    t.text(&config_in.display().to_string());
    t.keys(&["Enter"]);
    let screen = t.wait_for(&["shop"]);
    assert!(screen.contains("••"), "the password is masked:\n{screen}");
    t.keys(&["C-n"]);

    // Step 4 is not offered: the tap has SSH settings of its own (one tunnel form, not two). Step 5:
    // the check is the tap's discover.
    let screen = t.wait_long(&["✓ The check passed"], SLOW);
    assert!(screen.contains("Singer discover"), "{screen}");
    assert!(
        screen.contains("SSH tunnel: this connector has its own"),
        "the skipped step says why:\n{screen}"
    );

    // Step 6: every table is a binding.
    t.keys(&["Enter"]);
    let n = tables.len();
    let screen = t.wait_long(&[&format!("{n} of {n} selected")], SLOW);
    for table in tables.keys() {
        assert!(screen.contains(table.as_str()), "{table} listed:\n{screen}");
    }
    let keyless: Vec<&String> = tables
        .iter()
        .filter(|(_, k)| k.is_empty())
        .map(|(t, _)| t)
        .collect();
    assert!(!keyless.is_empty(), "the shop has a table without a key");
    assert!(
        screen.contains("⚠ no key"),
        "a table without a primary key is marked:\n{screen}"
    );

    // The preview reads the tables' rows through the catalog about to be saved: they match the schemas.
    t.keys(&["C-n"]);
    let screen = t.wait_long(&["All documents match their schemas"], SLOW);
    assert!(!screen.contains("✗"), "{screen}");
    // Step 8: save.
    t.keys(&["Enter"]);
    t.wait_long(&["Review and save", "tap-postgres.flow.yaml"], SLOW);
    t.keys(&["Enter"]);
    t.wait_long(&["✓ Saved the capture acmeCo/tap-postgres"], SLOW);
    t.keys(&["q"]);
    t.assert_restored();

    let flow = out.path().join("tap-postgres.flow.yaml");
    let saved_config = out.path().join("tap-postgres.config.yaml");
    let mode = std::fs::metadata(&saved_config)
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "config mode {mode:o}");
    assert_eq!(support::read_yaml(&saved_config)["password"], PASSWORD);
    let doc = support::read_valid_catalog(&flow);
    let capture = &doc["captures"]["acmeCo/tap-postgres"];
    assert_eq!(
        capture["endpoint"]["local"]["command"],
        // The program found on PATH, by its name: the catalog runs wherever the tap is installed, not only
        // from this machine's virtualenv.
        serde_json::json!(["catwalk", "adapt", "singer", "--", "tap-postgres"]),
        "{doc:#}"
    );
    let bindings = capture["bindings"].as_array().unwrap();
    assert_eq!(bindings.len(), n, "{doc:#}");

    // Collections and keys, table by table, as information_schema has them.
    for (table, key) in &tables {
        let binding = bindings
            .iter()
            .find(|b| {
                b["resource"]["stream"]
                    .as_str()
                    .is_some_and(|s| s.ends_with(&format!("-{table}")) || s == table)
            })
            .unwrap_or_else(|| panic!("no binding for {table}: {doc:#}"));
        let collection = binding["target"].as_str().unwrap();
        let expected: Vec<String> = if key.is_empty() {
            vec!["/_meta/row_id".into()]
        } else {
            key.iter().map(|c| format!("/{c}")).collect()
        };
        assert_eq!(
            doc["collections"][collection]["key"],
            serde_json::json!(expected),
            "key of {table} ({collection})"
        );
    }

    let mut cmd = support::catwalk(out.path());
    cmd.env("PATH", {
        let mut dirs = vec![bin_dir, tap_dir];
        dirs.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        std::env::join_paths(dirs).unwrap()
    })
    .args(["check", "--source", &flow.display().to_string()]);
    let ran = support::run_with_timeout(&mut cmd, None, SLOW);
    support::assert_check_passed(&ran);
    assert!(!ran.stdout().contains(PASSWORD) && !ran.stderr().contains(PASSWORD));
}
