//! Re-discovery into hand-edited catalogs: comments, anchors, flow mappings, block scalars and CRLF line
//! ends survive, and a line diff of each written file shows only the lines the change needs; deleted and
//! disabled bindings stay so; schema changes are reported, breaking ones marked; the person's choices per
//! binding are applied; orphaned schema files are removed only when nothing uses them.

mod catalog_support;

use catalog_support::{assert_valid_yaml, binding};
use catwalk::catalog::{self, Choice, Discovery, SchemaChange};
use catwalk::model::DiscoveredBinding;
use serde_json::json;
use std::collections::HashMap;
use std::fs;
use std::path::Path;

const IMAGE: &str = "ghcr.io/estuary/source-hello:v1";

fn discovery(bindings: Vec<DiscoveredBinding>) -> Discovery {
    Discovery::for_image("acmeCo", IMAGE, bindings, vec!["/stream".into()])
}

/// A catalog as a person writes it: comments, an anchor and its alias, flow mappings, a block scalar,
/// quoting of their own.
const HAND: &str = r#"# Our capture, edited by hand. Keep this comment.
captures:
  acmeCo/source-hello:   # the capture
    endpoint:
      connector: {image: "ghcr.io/estuary/source-hello:v1", config: source-hello.config.yaml}
    interval: 10m
    bindings:
      # a: the main table
      - resource: {stream: a, syncMode: incremental}
        target: acmeCo/a
        backfill: &bf 1
      - resource:
          stream: b
          syncMode: incremental
          query: |
            select *
            from b
        target: acmeCo/b
        disable: true   # off on purpose
        backfill: *bf
collections:
  # The collections.
  acmeCo/a:
    key: ["/id"]
    schema: a.schema.yaml
  acmeCo/b:
    key: [/id]
    schema: {type: object, properties: {id: {type: integer}, note: {type: string}}, required: [id]}
"#;

const HAND_SCHEMA: &str = "# a's schema, by hand\ntype: object\nproperties:\n  id: {type: integer}   # the key\n  note:\n    type: string\nrequired: [id]\n";

/// Lines only in `a` (`-`) and only in `b` (`+`), by longest common subsequence.
fn line_diff(a: &str, b: &str) -> Vec<String> {
    let (x, y): (Vec<&str>, Vec<&str>) = (
        a.split_inclusive('\n').collect(),
        b.split_inclusive('\n').collect(),
    );
    let mut l = vec![vec![0usize; y.len() + 1]; x.len() + 1];
    for i in (0..x.len()).rev() {
        for j in (0..y.len()).rev() {
            l[i][j] = if x[i] == y[j] {
                l[i + 1][j + 1] + 1
            } else {
                l[i + 1][j].max(l[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < x.len() || j < y.len() {
        if i < x.len() && j < y.len() && x[i] == y[j] {
            i += 1;
            j += 1;
        } else if j < y.len() && (i == x.len() || l[i][j + 1] >= l[i + 1][j]) {
            out.push(format!("+{}", y[j]));
            j += 1;
        } else {
            out.push(format!("-{}", x[i]));
            i += 1;
        }
    }
    out
}

fn setup(dir: &Path, crlf: bool) -> (String, String) {
    let conv = |s: &str| {
        if crlf {
            s.replace('\n', "\r\n")
        } else {
            s.to_string()
        }
    };
    let (cat, schema) = (conv(HAND), conv(HAND_SCHEMA));
    fs::write(dir.join("source-hello.flow.yaml"), &cat).unwrap();
    fs::write(dir.join("a.schema.yaml"), &schema).unwrap();
    (cat, schema)
}

fn round_trip(crlf: bool) {
    let dir = tempfile::tempdir().unwrap();
    let (cat, schema) = setup(dir.path(), crlf);
    let nl = if crlf { "\r\n" } else { "\n" };

    // Nothing changed upstream: nothing is written.
    let same =
        catalog::plan_discovery(dir.path(), discovery(vec![binding("a"), binding("b")])).unwrap();
    assert!(
        same.plan.is_noop(),
        "{}\n{:?}",
        same.plan,
        same.plan.files()[0].contents.len()
    );
    assert!(same.diff.is_empty(), "{}", same.diff);

    // `a` gains a column, `c` is new.
    let mut a = binding("a");
    a.document_schema["properties"]["extra"] = json!({"type": ["string", "null"]});
    let out = catalog::plan_discovery(dir.path(), discovery(vec![a, binding("b"), binding("c")]))
        .unwrap();
    let shown = out.diff.to_string();
    assert!(shown.contains("+ c -> acmeCo/c (disabled)"), "{shown}");
    assert!(
        shown.contains("~ a -> acmeCo/a\n") && shown.contains("field /extra added: null|string"),
        "{shown}"
    );
    assert_eq!(out.diff.breaking(), 0, "{shown}");
    out.plan.write_all().unwrap();

    let after = fs::read_to_string(dir.path().join("source-hello.flow.yaml")).unwrap();
    assert_valid_yaml(&after);
    let expected: Vec<String> = [
        "+      - resource:",
        "+          stream: c",
        "+          syncMode: incremental",
        "+        target: acmeCo/c",
        "+        disable: true",
        "+  acmeCo/c:",
        "+    key:",
        "+    - /id",
        "+    schema: c.schema.yaml",
    ]
    .iter()
    .map(|l| format!("{l}{nl}"))
    .collect();
    assert_eq!(line_diff(&cat, &after), expected, "{after}");

    let a_after = fs::read_to_string(dir.path().join("a.schema.yaml")).unwrap();
    assert_eq!(
        line_diff(&schema, &a_after),
        [
            format!("+  extra:{nl}"),
            format!("+    type:{nl}"),
            format!("+    - string{nl}"),
            format!("+    - 'null'{nl}")
        ],
        "{a_after}"
    );
    // The preview is the bytes written.
    for f in out.plan.files() {
        assert_eq!(
            fs::read(&f.path).unwrap(),
            f.contents,
            "{}",
            f.path.display()
        );
    }
    // Again: nothing left to do.
    let mut a = binding("a");
    a.document_schema["properties"]["extra"] = json!({"type": ["string", "null"]});
    let again = catalog::plan_discovery(dir.path(), discovery(vec![a, binding("b"), binding("c")]))
        .unwrap();
    assert!(again.plan.is_noop(), "{}", again.plan);
}

#[test]
fn hand_edited_catalog_keeps_everything_but_the_changed_lines() {
    round_trip(false);
}

#[test]
fn hand_edited_crlf_catalog_keeps_its_line_ends() {
    round_trip(true);
}

#[test]
fn deleted_and_disabled_bindings_stay_so() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), false);
    // The person deletes binding `a` (and its collection); `b` is disabled in the file.
    let text = HAND.replace(
        "      # a: the main table\n      - resource: {stream: a, syncMode: incremental}\n        target: acmeCo/a\n        backfill: &bf 1\n",
        "",
    )
    .replace("backfill: *bf", "backfill: 1")
    .replace("  acmeCo/a:\n    key: [\"/id\"]\n    schema: a.schema.yaml\n", "");
    fs::write(dir.path().join("source-hello.flow.yaml"), &text).unwrap();
    let out =
        catalog::plan_discovery(dir.path(), discovery(vec![binding("a"), binding("b")])).unwrap();
    out.plan.write_all().unwrap();
    let cap = &out.files.catalog.captures["acmeCo/source-hello"];
    let a = cap
        .bindings
        .iter()
        .find(|b| b.target.starts_with("acmeCo/a"))
        .unwrap();
    assert!(a.disable, "a deleted binding came back enabled");
    let b = cap
        .bindings
        .iter()
        .find(|b| b.target == "acmeCo/b")
        .unwrap();
    assert!(b.disable && b.backfill == 1);
    let after = fs::read_to_string(dir.path().join("source-hello.flow.yaml")).unwrap();
    assert!(
        after.contains("disable: true   # off on purpose"),
        "{after}"
    );
    assert_valid_yaml(&after);

    // With autoDiscover.addNewBindings, Flow adds new bindings enabled: so does catwalk.
    let dir = tempfile::tempdir().unwrap();
    let text = text.replace(
        "    interval: 10m\n",
        "    interval: 10m\n    autoDiscover: {addNewBindings: true}\n",
    );
    fs::write(dir.path().join("source-hello.flow.yaml"), &text).unwrap();
    let out =
        catalog::plan_discovery(dir.path(), discovery(vec![binding("a"), binding("b")])).unwrap();
    let cap = &out.files.catalog.captures["acmeCo/source-hello"];
    assert!(
        !cap.bindings
            .iter()
            .find(|b| b.target.starts_with("acmeCo/a"))
            .unwrap()
            .disable
    );
}

#[test]
fn schema_changes_are_reported_and_breaking_ones_marked() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), false);
    let mut a = binding("a");
    // `note` (a non-nullable column) dropped, `id` retyped.
    a.document_schema =
        json!({"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]});
    let out = catalog::plan_discovery(dir.path(), discovery(vec![a, binding("b")])).unwrap();
    let changed = &out.diff.changed;
    assert_eq!(changed.len(), 1, "{}", out.diff);
    assert!(changed[0].breaking);
    assert_eq!(
        changed[0].changes,
        [
            SchemaChange::TypeChanged {
                field: "/id".into(),
                old: vec!["integer".into()],
                new: vec!["string".into()],
                breaking: true
            },
            SchemaChange::FieldRemoved {
                field: "/note".into(),
                breaking: true
            },
        ]
    );
    assert!(
        out.diff.to_string().contains("~ a -> acmeCo/a (breaking)"),
        "{}",
        out.diff
    );
}

#[test]
fn choices_per_binding_are_applied_and_orphans_removed() {
    let dir = tempfile::tempdir().unwrap();
    let (cat, schema) = setup(dir.path(), false);
    let mut a = binding("a");
    a.document_schema["properties"]["extra"] = json!({"type": "boolean"});
    let mut b = binding("b");
    b.document_schema["properties"]["more"] = json!({"type": "boolean"});
    let d = discovery(vec![a.clone(), b.clone()]);

    // Disable a: only its `disable` line is added (the schema change is taken).
    let choices = HashMap::from([("a".to_string(), Choice::Disable)]);
    let out = catalog::plan_capture_choosing(
        dir.path(),
        discovery(vec![a.clone(), b.clone()]),
        Default::default(),
        &choices,
    )
    .unwrap();
    let flow = out
        .plan
        .files()
        .iter()
        .find(|f| f.path.ends_with("source-hello.flow.yaml"))
        .unwrap();
    let text = String::from_utf8(flow.contents.clone()).unwrap();
    let diff = line_diff(&cat, &text);
    assert_eq!(diff[0], "+        disable: true\n", "{text}");
    // The rest is b's inline flow schema taking its new column; the alias `*bf` stays.
    assert_eq!(diff.len(), 3, "{diff:?}");
    assert!(
        diff[1..]
            .iter()
            .all(|l| l.contains("    schema: {type: object")),
        "{diff:?}"
    );

    // Keep a's old schema, backfill b.
    let choices = HashMap::from([
        ("a".to_string(), Choice::KeepOld),
        ("b".to_string(), Choice::Backfill),
    ]);
    let out = catalog::plan_capture_choosing(dir.path(), d, Default::default(), &choices).unwrap();
    out.plan.write_all().unwrap();
    assert_eq!(
        fs::read_to_string(dir.path().join("a.schema.yaml")).unwrap(),
        schema
    );
    let after = fs::read_to_string(dir.path().join("source-hello.flow.yaml")).unwrap();
    let diff = line_diff(&cat, &after);
    assert!(
        diff.contains(&"+        backfill: 2\n".to_string()),
        "{diff:?}"
    );
    assert_valid_yaml(&after);

    // `a` vanishes and the person removes it: its binding, collection and schema file go.
    let choices = HashMap::from([("a".to_string(), Choice::Remove)]);
    let out = catalog::plan_capture_choosing(
        dir.path(),
        discovery(vec![b]),
        Default::default(),
        &choices,
    )
    .unwrap();
    assert!(
        out.warnings
            .iter()
            .any(|w| w.contains("removed the schema file a.schema.yaml")),
        "{:?}",
        out.warnings
    );
    out.plan.write_all().unwrap();
    assert!(!dir.path().join("a.schema.yaml").exists());
    let last = fs::read_to_string(dir.path().join("source-hello.flow.yaml")).unwrap();
    assert!(
        !last.contains("acmeCo/a") && last.contains("# Our capture, edited by hand."),
        "{last}"
    );
    assert_valid_yaml(&last);
}

#[test]
fn a_config_file_is_edited_in_place() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), false);
    let before = "# Our database.\nhost: db.internal   # the replica\nport: 5432\nuser: 'ana'\n";
    fs::write(dir.path().join("source-hello.config.yaml"), before).unwrap();
    let mut out =
        catalog::plan_discovery(dir.path(), discovery(vec![binding("a"), binding("b")])).unwrap();
    let config = json!({"host": "db.internal", "port": 6543, "user": "ana"});
    out.add_config(dir.path(), "source-hello.config.yaml", &config)
        .unwrap();
    out.plan.write_all().unwrap();
    let after = fs::read_to_string(dir.path().join("source-hello.config.yaml")).unwrap();
    assert_eq!(
        line_diff(before, &after),
        ["+port: 6543\n", "-port: 5432\n"],
        "{after}"
    );
}

/// As flowctl writes a catalog: block sequences indented under their keys, schema files beside it.
const FLOWCTL: &str = "---
captures:
  acmeCo/source-hello:
    endpoint:
      connector:
        image: \"ghcr.io/estuary/source-hello:v1\"
        config: source-hello.config.yaml
    bindings:
      - resource:
          stream: a
          syncMode: incremental
        target: acmeCo/a
collections:
  acmeCo/a:
    schema: a.schema.yaml
    key:
      - /id
";

#[test]
fn a_flowctl_catalog_gets_a_key_change_and_a_new_binding_only() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), false);
    fs::write(dir.path().join("source-hello.flow.yaml"), FLOWCTL).unwrap();
    let mut a = binding("a");
    a.key = vec!["/id".into(), "/note".into()];
    let out = catalog::plan_discovery(dir.path(), discovery(vec![a, binding("b")])).unwrap();
    assert!(out.diff.changed[0].breaking, "{}", out.diff);
    assert!(
        out.diff
            .to_string()
            .contains("key changed: [/id] -> [/id, /note] (breaking)"),
        "{}",
        out.diff
    );
    out.plan.write_all().unwrap();
    let after = fs::read_to_string(dir.path().join("source-hello.flow.yaml")).unwrap();
    assert_valid_yaml(&after);
    let diff = line_diff(FLOWCTL, &after);
    assert_eq!(
        diff,
        [
            "+      - resource:\n",
            "+          stream: b\n",
            "+          syncMode: incremental\n",
            "+        target: acmeCo/b\n",
            "+        disable: true\n",
            "+      - /note\n",
            "+  acmeCo/b:\n",
            "+    key:\n",
            "+    - /id\n",
            "+    schema: b.schema.yaml\n",
        ],
        "{after}"
    );
}
