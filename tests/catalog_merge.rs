//! Re-discovery: merging into an existing `<name>.flow.yaml` keeps the user's edits, adds new bindings and
//! reports vanished ones; the merged catalog stays valid for Flow.

mod catalog_support;

use catalog_support::{assert_valid, assert_valid_yaml, binding};
use catwalk::catalog::{self, Catalog, ContentRef, Discovery, Endpoint, FileStatus};
use catwalk::model::DiscoveredBinding;
use serde_json::json;
use std::fs;
use std::path::Path;

fn discovery(image: &str, bindings: Vec<DiscoveredBinding>) -> Discovery {
    Discovery::for_image("acmeCo", image, bindings, vec!["/stream".into()])
}

const IMAGE: &str = "ghcr.io/estuary/source-hello:v1";

/// Discover and write, returning the outcome.
fn discover_and_write(
    dir: &Path,
    image: &str,
    bindings: Vec<DiscoveredBinding>,
) -> catalog::DiscoverOutcome {
    let outcome = catalog::plan_discovery(dir, discovery(image, bindings)).unwrap();
    outcome.plan.write_all().unwrap();
    assert_valid(&outcome.files.catalog);
    assert_valid_yaml(&fs::read_to_string(&outcome.flow_file).unwrap());
    outcome
}

#[test]
fn rediscovery_without_changes_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let first = discover_and_write(dir.path(), IMAGE, vec![binding("a"), binding("b")]);
    assert_eq!(first.report.added.len(), 2);
    let again = catalog::plan_discovery(
        dir.path(),
        discovery(IMAGE, vec![binding("a"), binding("b")]),
    )
    .unwrap();
    assert!(again.plan.is_noop(), "{}", again.plan);
    assert_eq!(again.report.kept.len(), 2);
    assert!(again.report.added.is_empty() && again.report.vanished.is_empty());
    assert_eq!(
        again.report.summary(),
        "acmeCo/source-hello: 0 added, 2 kept, 0 vanished"
    );
}

#[test]
fn user_edits_are_kept_new_bindings_added_vanished_reported() {
    let dir = tempfile::tempdir().unwrap();
    discover_and_write(
        dir.path(),
        IMAGE,
        vec![binding("a"), binding("b"), binding("gone")],
    );
    let flow = dir.path().join("source-hello.flow.yaml");

    // The person edits the catalog: retargets `a`, disables `b`, edits a resource, adds a projection,
    // an interval, a backfill and a field catwalk does not model, and moves b's schema inline.
    let mut cat: Catalog = serde_yaml::from_str(&fs::read_to_string(&flow).unwrap()).unwrap();
    {
        let cap = cat.captures.get_mut("acmeCo/source-hello").unwrap();
        cap.interval = Some("10m".into());
        cap.bindings[0].target = "acmeCo/renamed_a".into();
        cap.bindings[1].disable = true;
        cap.bindings[1].resource["syncMode"] = json!("full_refresh");
        cap.bindings[1].backfill = 2;
        cap.extra.insert("redactSalt".into(), json!("pepper"));
    }
    let mut a = cat.collections.shift_remove("acmeCo/a").unwrap();
    a.extra
        .insert("projections".into(), json!({"the_id": "/id"}));
    cat.collections.insert("acmeCo/renamed_a".into(), a);
    cat.collections.get_mut("acmeCo/b").unwrap().schema =
        Some(ContentRef::Inline(json!({"type": "object"})));
    fs::write(&flow, catalog::to_yaml(&cat).unwrap()).unwrap();

    // Re-discover: `gone` vanished, `c` is new, `a` has a changed schema, under a new image tag.
    let mut a2 = binding("a");
    a2.document_schema["properties"]["extra"] = json!({"type": "boolean"});
    let out = discover_and_write(
        dir.path(),
        "ghcr.io/estuary/source-hello:v2",
        vec![binding("c"), a2, binding("b")],
    );

    let r = &out.report;
    let names =
        |v: &[catalog::BindingChange]| v.iter().map(|b| b.target.clone()).collect::<Vec<_>>();
    assert_eq!(names(&r.added), ["acmeCo/c"]);
    assert_eq!(names(&r.kept), ["acmeCo/renamed_a", "acmeCo/b"]);
    assert_eq!(names(&r.vanished), ["acmeCo/gone"]);
    assert_eq!(
        r.endpoint_changed,
        Some((
            "ghcr.io/estuary/source-hello:v1".into(),
            "ghcr.io/estuary/source-hello:v2".into()
        ))
    );
    let text = r.to_string();
    assert!(
        text.contains("+ c -> acmeCo/c") && text.contains("- gone -> acmeCo/gone"),
        "{text}"
    );

    let cat = &out.files.catalog;
    let cap = &cat.captures["acmeCo/source-hello"];
    assert_eq!(cap.interval.as_deref(), Some("10m"));
    let targets: Vec<&str> = cap.bindings.iter().map(|b| b.target.as_str()).collect();
    assert_eq!(
        targets,
        ["acmeCo/renamed_a", "acmeCo/b", "acmeCo/gone", "acmeCo/c"]
    );
    assert!(cap.bindings[1].disable);
    assert_eq!(cap.bindings[1].resource["syncMode"], "full_refresh");
    assert_eq!(cap.bindings[1].backfill, 2);
    assert_eq!(cap.extra["redactSalt"], "pepper");
    match &cap.endpoint {
        Endpoint::Connector(c) => {
            assert_eq!(c.image, "ghcr.io/estuary/source-hello:v2");
            assert_eq!(
                c.config,
                ContentRef::Path("source-hello.config.yaml".into())
            );
        }
        other => panic!("{other:?}"),
    }

    // The renamed collection kept its projection and its schema file, which now holds the new schema.
    let ra = &cat.collections["acmeCo/renamed_a"];
    assert_eq!(ra.extra["projections"], json!({"the_id": "/id"}));
    assert_eq!(ra.schema, Some(ContentRef::Path("a.schema.yaml".into())));
    let a_schema: serde_json::Value =
        serde_yaml::from_str(&fs::read_to_string(dir.path().join("a.schema.yaml")).unwrap())
            .unwrap();
    assert_eq!(a_schema["properties"]["extra"]["type"], "boolean");
    // b's schema stays inline; the vanished collection is untouched; c is new.
    assert!(matches!(
        cat.collections["acmeCo/b"].schema,
        Some(ContentRef::Inline(_))
    ));
    assert!(cat.collections.contains_key("acmeCo/gone"));
    assert!(dir.path().join("c.schema.yaml").exists());
    // No collection was created for the old name `acmeCo/a`.
    assert!(!cat.collections.contains_key("acmeCo/a"));

    let statuses: Vec<(String, FileStatus)> = out
        .plan
        .files()
        .iter()
        .map(|f| {
            (
                f.path.file_name().unwrap().to_string_lossy().into_owned(),
                f.status,
            )
        })
        .collect();
    assert!(
        statuses.contains(&("a.schema.yaml".into(), FileStatus::Changed)),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&("c.schema.yaml".into(), FileStatus::New)),
        "{statuses:?}"
    );
}

#[test]
fn new_binding_whose_name_is_taken_gets_a_suffix() {
    let dir = tempfile::tempdir().unwrap();
    discover_and_write(dir.path(), IMAGE, vec![binding("orders")]);
    // The old `orders` resource vanished and a different resource recommends the same name.
    let mut other = binding("orders");
    other.resource_config = json!({"stream": "orders_v2"});
    let out = discover_and_write(dir.path(), IMAGE, vec![other]);
    assert_eq!(out.report.added[0].target, "acmeCo/orders_2");
    assert_eq!(out.report.vanished[0].target, "acmeCo/orders");
    assert_eq!(
        out.files.catalog.collections["acmeCo/orders_2"].schema,
        Some(ContentRef::Path("orders_2.schema.yaml".into()))
    );
    assert!(
        out.warnings
            .iter()
            .any(|w| w.contains("acmeCo/orders -> acmeCo/orders_2")),
        "{:?}",
        out.warnings
    );
}

#[test]
fn keys_follow_discovery_unless_fallback() {
    let dir = tempfile::tempdir().unwrap();
    let mut f = binding("f");
    catalog_support::with_fallback_key(&mut f);
    discover_and_write(dir.path(), IMAGE, vec![binding("k"), f.clone()]);
    let flow = dir.path().join("source-hello.flow.yaml");
    let mut cat: Catalog = serde_yaml::from_str(&fs::read_to_string(&flow).unwrap()).unwrap();
    cat.collections.get_mut("acmeCo/f").unwrap().key = vec!["/id".into()];
    fs::write(&flow, catalog::to_yaml(&cat).unwrap()).unwrap();

    let mut k = binding("k");
    k.key = vec!["/id".into(), "/note".into()];
    let out = discover_and_write(dir.path(), IMAGE, vec![k, f]);
    let cols = &out.files.catalog.collections;
    assert_eq!(cols["acmeCo/k"].key, ["/id", "/note"]);
    assert_eq!(
        cols["acmeCo/f"].key,
        ["/id"],
        "a user's key beats a fallback key"
    );
    assert_eq!(out.report.rekeyed.len(), 1);
    assert_eq!(out.report.rekeyed[0].collection, "acmeCo/k");
}

#[test]
fn discovery_turning_on_inference_switches_to_write_and_read_schemas() {
    let dir = tempfile::tempdir().unwrap();
    discover_and_write(dir.path(), IMAGE, vec![binding("e")]);
    let mut e = binding("e");
    e.document_schema["x-infer-schema"] = json!(true);
    let out = discover_and_write(dir.path(), IMAGE, vec![e]);
    let c = &out.files.catalog.collections["acmeCo/e"];
    assert_eq!(c.schema, None);
    assert_eq!(
        c.write_schema,
        Some(ContentRef::Path("e.schema.yaml".into()))
    );
    assert_eq!(
        c.read_schema,
        Some(ContentRef::Inline(catalog::inferred_read_schema()))
    );
    // A later discovery without inference keeps the read schema and updates the write schema.
    let out = discover_and_write(dir.path(), IMAGE, vec![binding("e")]);
    let c = &out.files.catalog.collections["acmeCo/e"];
    assert!(c.read_schema.is_some() && c.write_schema.is_some() && c.schema.is_none());
}

#[test]
fn other_content_of_the_file_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let flow = dir.path().join("source-hello.flow.yaml");
    fs::write(
        &flow,
        "import: [shared.flow.yaml]\n\
         materializations:\n  acmeCo/m:\n    endpoint:\n      connector: {image: ghcr.io/estuary/materialize-x:v1, config: m.yaml}\n    \
         bindings: [{resource: {table: t}, source: acmeCo/a}]\n",
    )
    .unwrap();
    let out = catalog::plan_discovery(dir.path(), discovery(IMAGE, vec![binding("a")])).unwrap();
    let cat = &out.files.catalog;
    assert_eq!(cat.import, ["shared.flow.yaml"]);
    assert!(cat.materializations.contains_key("acmeCo/m"));
    assert!(cat.captures.contains_key("acmeCo/source-hello"));
    assert_valid(cat);
}

#[test]
fn duplicate_bindings_in_the_file_are_an_error() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("source-hello.flow.yaml"),
        "captures:\n  acmeCo/source-hello:\n    endpoint: {connector: {image: x, config: c.yaml}}\n    bindings:\n    \
         - {resource: {stream: a}, target: acmeCo/a}\n    - {resource: {stream: a}, target: acmeCo/b}\n",
    )
    .unwrap();
    let err =
        catalog::plan_discovery(dir.path(), discovery(IMAGE, vec![binding("a")])).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("source-hello.flow.yaml") && msg.contains("#0 and #1"),
        "{msg}"
    );
}

#[test]
fn a_broken_existing_file_is_reported_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("source-hello.flow.yaml"),
        "captures:\n  x: [\n",
    )
    .unwrap();
    let err =
        catalog::plan_discovery(dir.path(), discovery(IMAGE, vec![binding("a")])).unwrap_err();
    match err {
        catalog::PlanError::Load(catalog::LoadError::Parse { line, .. }) => assert!(line >= 2),
        other => panic!("{other}"),
    }
}
