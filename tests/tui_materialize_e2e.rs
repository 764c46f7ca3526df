//! A materialization through the wizard end to end, in the `catwalk` binary in tmux: the flow-fixture in its
//! materialize role (the local command `env FIXTURE_ROLE=materialize flow-fixture`) picked, its config typed, checked;
//! the collections of a capture's catalog in the directory chosen, their resources prefilled, the
//! connector's validate giving the fields (a forbidden one cannot be chosen, delta updates switched on
//! one binding), then saved. The catalog validates against Flow's schema, imports the capture's catalog,
//! and `catwalk check --source` passes on it. And a hand-written materialization edited with `catwalk edit`:
//! only the lines of the binding removed differ.

mod support;

use std::time::Duration;
use support::tmux::Tmux;

const SLOW: Duration = Duration::from_secs(120);

const CAPTURE: &str = "collections:
  acmeCo/public/users:
    key: [/id]
    schema:
      type: object
      required: [id]
      properties:
        id: {type: integer}
        name: {type: string}
        tags: {type: array, items: {type: string}}
        forbidden_field: {type: string}
  acmeCo/public/orders:
    key: [/order_id]
    schema:
      type: object
      required: [order_id]
      properties:
        order_id: {type: string}
        total: {type: number}
";

#[test]
fn the_materialize_fixture_from_its_collections_to_a_saved_catalog_at_120x40() {
    drive("wide", 120, 40);
}

#[test]
fn the_materialize_fixture_from_its_collections_to_a_saved_catalog_at_80x24() {
    drive("narrow", 80, 24);
}

fn drive(name: &str, w: u16, h: u16) {
    let fixture = support::fixture_bin();
    let out = support::temp_dir();
    std::fs::create_dir_all(out.path().join("captures")).unwrap();
    std::fs::write(out.path().join("captures/shop.flow.yaml"), CAPTURE).unwrap();
    let t = Tmux::start(&format!("mat-{name}"), w, h, None);
    t.start_catwalk(Some(out.path()));
    t.wait_for(&["1 Connector", "Local command…"]);
    t.keys(&["Down", "Enter"]);
    t.wait_for(&["Protocol"]);
    // The role is part of the command, so the saved catalog runs the fixture as a materialization too.
    t.text(&format!(
        "env FIXTURE_ROLE=materialize {}",
        fixture.display()
    ));
    t.keys(&["Enter"]);
    t.wait_long(&["The endpoint config tells", "Address"], SLOW);
    t.text("db.example.com:5432");
    t.keys(&["Tab"]);
    t.text("flow");
    t.keys(&["Tab"]);
    t.text("pw-materialize-e2e");
    t.keys(&["C-n"]);
    t.wait_for(&["No tunnel"]);
    t.keys(&["Enter"]);
    t.wait_long(&["✓ The check passed"], SLOW);
    t.keys(&["Enter"]);
    // The collections of the catalog in the directory, each with its key.
    let screen = t.wait_long(&["2 of 2 selected", "acmeCo/public/users"], SLOW);
    assert!(screen.contains("key /order_id"), "{screen}");
    assert!(screen.contains("6 Collections"), "{screen}");
    t.keys(&["C-n"]);
    // One resource form per collection, prefilled.
    let screen = t.wait_for(&["binding 1 of 2", "acmeCo/public/orders"]);
    assert!(screen.contains("orders"), "{screen}");
    assert!(screen.contains("public"), "{screen}");
    t.keys(&["C-n"]);
    t.wait_for(&["binding 2 of 2", "acmeCo/public/users"]);
    t.keys(&["C-n"]);
    // The fixture's constraints: the key and the document required, forbidden_field refused.
    let screen = t.wait_long(&["Fields", "binding 1 of 2", "order_id"], SLOW);
    assert!(screen.contains("flow_document"), "{screen}");
    t.keys(&["Tab"]);
    let screen = t.wait_for(&["binding 2 of 2", "forbidden_field"]);
    assert!(screen.contains("forbidden"), "{screen}");
    t.keys(&["Down", "Down", "Down", "Space"]);
    t.wait_for(&["cannot be changed"]);
    // Delta updates for users: validate runs again and says so.
    t.keys(&["d"]);
    t.wait_long(&["delta updates on"], SLOW);
    t.keys(&["C-n"]);
    let screen = t.wait_long(
        &["Review and save", "flow-fixture.flow.yaml", "Files: "],
        SLOW,
    );
    assert!(screen.contains("materialization acmeCo/"), "{screen}");
    for line in screen.lines() {
        assert!(
            line.chars().count() <= w as usize,
            "wider than the pane: {line}"
        );
    }
    t.keys(&["C-s"]);
    let screen = t.wait_long(&["✓ Saved the materialization acmeCo/flow-fixture"], SLOW);
    assert!(screen.contains("catwalk check --source"), "{screen}");
    t.keys(&["q"]);
    t.assert_restored();

    let flow = out.path().join("flow-fixture.flow.yaml");
    let doc = support::read_valid_catalog(&flow);
    assert_eq!(
        doc["import"],
        serde_json::json!(["captures/shop.flow.yaml"]),
        "{doc:#}"
    );
    let m = &doc["materializations"]["acmeCo/flow-fixture"];
    let command = &m["endpoint"]["local"]["command"];
    assert_eq!(command[1], "FIXTURE_ROLE=materialize", "{doc:#}");
    let bindings = m["bindings"].as_array().expect("bindings");
    assert_eq!(bindings.len(), 2, "{doc:#}");
    assert_eq!(bindings[0]["source"], "acmeCo/public/orders");
    assert_eq!(
        bindings[0]["resource"],
        serde_json::json!({"table": "orders", "schema": "public", "delta_updates": false})
    );
    assert_eq!(bindings[1]["resource"]["delta_updates"], true, "{doc:#}");
    assert_eq!(bindings[1]["fields"]["recommended"], 1, "{doc:#}");
    support::assert_check_passes(out.path(), &flow);
}

/// A hand-written materialization of the fixture (comments, a flow-style resource, `fields` as Flow's old
/// default), edited with `catwalk edit`: users deselected on Collections, saved. Only its binding goes.
#[test]
fn an_existing_materialization_edited_in_the_wizard_changes_only_its_lines() {
    let fixture = support::fixture_bin();
    let out = support::temp_dir();
    std::fs::create_dir_all(out.path().join("captures")).unwrap();
    std::fs::write(out.path().join("captures/shop.flow.yaml"), CAPTURE).unwrap();
    let flow = out.path().join("flow-fixture.flow.yaml");
    let before = format!(
        "# The warehouse sink, written by hand.
import:
  - captures/shop.flow.yaml
materializations:
  acmeCo/flow-fixture:
    endpoint:
      local:
        command: [env, FIXTURE_ROLE=materialize, {}]
        config: flow-fixture.config.yaml
    bindings:
      # orders, in flow style
      - resource: {{table: orders, schema: public}}
        source: acmeCo/public/orders
        fields: {{recommended: true}}
      # users
      - resource:
          table: users
          schema: public
        source: acmeCo/public/users
",
        fixture.display()
    );
    std::fs::write(&flow, &before).unwrap();
    let config = out.path().join("flow-fixture.config.yaml");
    let config_text =
        "# where it writes\naddress: db.example.com:5432\nuser: flow\npassword: pw-edit-e2e\n";
    std::fs::write(&config, config_text).unwrap();

    let t = Tmux::start("mat-edit", 100, 32, None);
    t.text(&format!(
        "clear; cd {} && {} edit flow-fixture.flow.yaml; echo EXIT=$?",
        out.path().display(),
        support::tmux::catwalk().display()
    ));
    t.keys(&["Enter"]);
    t.wait_long(&["Address", "db.example.com:5432"], SLOW);
    t.keys(&["C-n"]);
    t.wait_for(&["No tunnel"]);
    t.keys(&["Enter"]);
    t.wait_long(&["✓ The check passed"], SLOW);
    t.keys(&["Enter"]);
    // The saved bindings' collections are the ones selected.
    let screen = t.wait_long(&["2 of 2 selected", "acmeCo/public/users"], SLOW);
    assert!(screen.contains("4 Collections"), "{screen}");
    // The list is sorted by name: orders, then users.
    t.keys(&["Down", "Space"]);
    t.wait_for(&["1 of 2 selected"]);
    t.keys(&["C-n"]);
    let screen = t.wait_for(&["binding 1 of 1", "acmeCo/public/orders"]);
    assert!(screen.contains("orders"), "{screen}");
    t.keys(&["C-n"]);
    t.wait_long(&["Fields", "order_id"], SLOW);
    t.keys(&["C-n"]);
    let screen = t.wait_long(&["Review and save", "Files: "], SLOW);
    assert!(screen.contains("materialization acmeCo/"), "{screen}");
    t.keys(&["C-s"]);
    t.wait_long(&["✓ Saved the materialization acmeCo/flow-fixture"], SLOW);
    t.keys(&["q"]);
    t.assert_restored();

    let after = std::fs::read_to_string(&flow).unwrap();
    let (removed, added) = catwalk::text::line_diff(&before, &after);
    assert!(added.is_empty(), "nothing added: {added:?}\n{after}");
    assert_eq!(
        removed,
        [
            "      # users",
            "      - resource:",
            "          table: users",
            "          schema: public",
            "        source: acmeCo/public/users",
        ],
        "{after}"
    );
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        config_text,
        "the config did not change, so its file was not rewritten"
    );
    support::read_valid_catalog(&flow);
    support::assert_check_passes(out.path(), &flow);
}
