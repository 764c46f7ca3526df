//! `catwalk adapt singer` moves data: the real tap-postgres (scripts/test-deps) against a real PostgreSQL
//! server (tests/support/postgres.rs), behind the catalog `catwalk discover` wrote, driven with Flow's own
//! requests on stdin. Documents equal the tables' rows and fit their collections' schemas; an incremental
//! stream (replication key `id`) resumes from the first session's state.

#[path = "adapt_support/mod.rs"]
mod adapt_support;
mod support;

use adapt_support::Capture;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::PathBuf;
use support::postgres::Postgres;

#[test]
fn tap_postgres_reads_the_rows_then_only_new_ones() {
    let pg = Postgres::start();
    pg.create_shop();
    let tmp = support::temp_dir();
    let dir = tmp.path();
    let tap_dir: PathBuf = support::postgres::singer_bin_dir("tap-postgres");
    std::fs::create_dir_all(dir.join("acmeCo")).unwrap();
    let mut config = pg.tap_config("shop");
    config["filter_schemas"] = json!(["shop"]);
    std::fs::write(
        dir.join("acmeCo/tap-postgres.config.yaml"),
        serde_yaml::to_string(&config).unwrap(),
    )
    .unwrap();
    let mut cmd = support::catwalk(dir);
    let path = std::env::join_paths(
        std::iter::once(tap_dir.clone()).chain(std::env::split_paths(
            &cmd.get_envs()
                .find(|(k, _)| *k == "PATH")
                .and_then(|(_, v)| v.map(|v| v.to_os_string()))
                .unwrap_or_default(),
        )),
    )
    .unwrap();
    cmd.env("PATH", &path)
        .args(["discover", "--local", "--", "tap-postgres"]);
    let ran = support::run_with_timeout(&mut cmd, None, std::time::Duration::from_secs(300));
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());

    let mut capture = Capture::load(dir, "tap-postgres", "acmeCo/tap-postgres");
    assert_eq!(
        capture.command,
        vec!["catwalk", "adapt", "singer", "--", "tap-postgres"]
    );
    // The person makes customers incremental by id, in the binding's resource.
    let customers = capture.binding("shop-customers");
    capture.bindings_mut()[customers]["resourceConfig"] = json!({
        "stream": "shop-customers", "replicationMethod": "INCREMENTAL", "replicationKey": "id"
    });

    let first = capture.session(dir, &json!({}), &[&tap_dir]);
    first.assert_served();
    first.assert_docs_fit(&capture);

    // Every table's documents are its rows.
    for table in ["customers", "order_lines", "events", "products"] {
        let i = capture.binding(&format!("shop-{table}"));
        let count = pg.rows("shop", &format!("SELECT count(*) FROM shop.{table}"))[0][0]
            .parse::<usize>()
            .unwrap();
        assert_eq!(first.docs(i).len(), count, "shop.{table}");
    }
    let rows = pg.rows(
        "shop",
        "SELECT id, name, coalesce(email, ''), active FROM shop.customers ORDER BY id",
    );
    let docs = first.docs(customers);
    for (doc, row) in docs.iter().zip(&rows) {
        assert_eq!(doc["id"].to_string(), row[0], "{doc}");
        assert_eq!(doc["name"], json!(row[1]), "{doc}");
        assert_eq!(doc["email"].as_str().unwrap_or(""), row[2], "{doc}");
        assert_eq!(doc["active"], json!(row[3] == "t"), "{doc}");
    }
    let products = first.docs(capture.binding("shop-products"));
    assert_eq!(products[0]["sku"], "sku-1");
    assert_eq!(products[0]["title"], "Tea ☕");
    // events has no primary key: row ids from 0.
    let events = first.docs(capture.binding("shop-events"));
    let ids: Vec<&Value> = events.iter().map(|d| &d["_meta"]["row_id"]).collect();
    assert_eq!(ids, vec![&json!(0), &json!(1)]);

    // The tap's state is the Flow state, whole; the next session resumes from it.
    let state = first.state_after(&json!({}));
    assert_eq!(
        state.pointer("/bookmarks/shop-customers/replication_key"),
        Some(&json!("id")),
        "{state}"
    );
    pg.psql(
        "shop",
        "INSERT INTO shop.customers (id, name, active) VALUES (3, 'Nouveau', true);",
    );
    let second = capture.session(dir, &state, &[&tap_dir]);
    second.assert_served();
    second.assert_docs_fit(&capture);
    let ids: BTreeSet<String> = second
        .docs(customers)
        .iter()
        .map(|d| d["id"].to_string())
        .collect();
    assert!(ids.contains("3"), "the new row is read: {ids:?}");
    assert!(
        !ids.contains("1"),
        "rows before the bookmark are not read again: {ids:?}"
    );
    // Full-table streams are read whole again.
    assert_eq!(
        second.docs(capture.binding("shop-products")).len(),
        products.len()
    );
}
