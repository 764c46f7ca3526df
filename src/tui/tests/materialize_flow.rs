//! A materialization through the wizard's own steps, driven by `update` with the materialize fixture's
//! resource schema and constraints: collections from catalogs on disk, prefilled resource forms and the
//! naming switch, the fields table (required, recommended, optional, forbidden, incompatible), the review
//! planning a materialization; and snapshots of each new screen at 80x24 and 120x40.

use super::flow_support::*;
use super::materialize_support::*;
use super::support::*;
use crate::tui::materialization::Loaded;
use crate::tui::msg::{Cmd, Msg, TaskError, TaskMsg, Verdict};
use crate::tui::state::{State, StepId};
use ratatui::crossterm::event::KeyCode;
use serde_json::{Value, json};
use std::sync::Arc;

#[test]
fn collections_come_from_the_catalogs_and_filter_and_select_as_lists_do() {
    let (mut s, id) = to_collections_loading(80, 24);
    let screen = render(&s);
    assert!(
        screen.contains("is a materialization connector"),
        "{screen}"
    );
    send(
        &mut s,
        [Msg::Task(
            id,
            TaskMsg::CatalogsLoaded(Ok(Arc::new(loaded()))),
        )],
    );
    let screen = render(&s);
    assert!(screen.contains("3 of 3 selected"), "{screen}");
    assert!(screen.contains("acmeCo/shop/carts"), "{screen}");
    // The one filter rule: every word, any order.
    send(&mut s, [ch('/')]);
    send(&mut s, typed("PUBLIC ord"));
    send(&mut s, [key(KeyCode::Enter), ch('n')]);
    assert_eq!(
        s.collections.count(),
        2,
        "only the filtered one is deselected"
    );
    send(&mut s, [ch('/'), ctrl('u'), key(KeyCode::Esc), ch('n')]);
    assert_eq!(s.collections.count(), 0);
    // Nothing chosen: no going on, and it says why.
    send(&mut s, [ctrl('n')]);
    assert_eq!(s.step, StepId::Collections);
    assert!(render(&s).contains("Select at least one collection"));
    send(&mut s, [ch('a'), ctrl('n')]);
    assert_eq!(s.step, StepId::Resources);
    assert_eq!(s.mat.chosen_names().len(), 3);
}

#[test]
fn a_catalog_opened_by_path_is_read_with_the_directory() {
    let (mut s, id) = to_collections_loading(80, 24);
    send(
        &mut s,
        [Msg::Task(
            id,
            TaskMsg::CatalogsLoaded(Ok(Arc::new(Loaded::default()))),
        )],
    );
    assert!(render(&s).contains("No collection found"), "{}", render(&s));
    send(&mut s, [ch('o')]);
    send(&mut s, typed("~/other/flow.yaml"));
    let cmds = send(&mut s, [key(KeyCode::Enter)]);
    assert!(
        cmds.iter().any(|c| matches!(c, Cmd::LoadCatalogs { opened, .. } if opened == &["~/other/flow.yaml".to_string()])),
        "{cmds:?}"
    );
}

#[test]
fn resources_are_prefilled_as_estuary_does_and_the_naming_switches() {
    let mut s = to_collections(120, 40);
    send(&mut s, [ctrl('n')]);
    let page = &s.resources.pages[0];
    assert_eq!(page.form.to_config()["table"], "orders");
    assert_eq!(page.form.to_config()["schema"], "public");
    assert_eq!(page.form.to_config()["delta_updates"], false);
    assert!(render(&s).contains("binding 1 of 3"), "{}", render(&s));
    // Without schema: forms still as prefilled follow.
    send(&mut s, [ctrl('t')]);
    assert_eq!(s.resources.pages[2].form.to_config().get("schema"), None);
    assert_eq!(s.resources.pages[2].form.to_config()["table"], "carts");
    send(&mut s, [ctrl('t')]);
    assert_eq!(s.resources.pages[2].form.to_config()["schema"], "shop");
    // ^N goes through every binding's form, Esc back through them.
    send(&mut s, [ctrl('n'), ctrl('n')]);
    assert_eq!(s.resources.at, 2);
    send(&mut s, [key(KeyCode::Esc)]);
    assert_eq!(s.resources.at, 1);
    send(&mut s, [key(KeyCode::Esc), key(KeyCode::Esc)]);
    assert_eq!(s.step, StepId::Collections);
}

#[test]
fn an_emptied_table_keeps_the_form_until_it_is_filled() {
    let mut s = to_collections(80, 24);
    send(&mut s, [ctrl('n')]);
    // The table field has the focus: clear it.
    send(&mut s, [ctrl('u'), ctrl('n')]);
    assert_eq!(s.step, StepId::Resources);
    assert_eq!(s.resources.at, 0);
    assert!(render(&s).contains("need attention"), "{}", render(&s));
}

#[test]
fn fields_show_the_constraints_and_only_optional_ones_toggle() {
    let (s0, cmds) = to_fields_validating(80, 24);
    let (_, bindings) = validate_of(&cmds);
    assert_eq!(bindings.len(), 2);
    assert_eq!(bindings[0].collection.name, "acmeCo/public/orders");
    assert_eq!(bindings[1].resource["table"], "users");
    drop(s0);
    let mut s = to_fields(80, 24);
    let selected = |s: &State| -> Vec<String> {
        crate::tui::steps::fields::current_rows(s)
            .into_iter()
            .filter(|r| r.selected)
            .map(|r| r.field)
            .collect()
    };
    let all = [
        "id",
        "name",
        "email",
        "tags",
        "address",
        "flow_document",
        "flow_published_at",
    ];
    assert_eq!(selected(&s), all);
    // id (the key) cannot be deselected, and the line says why.
    send(&mut s, [ch(' ')]);
    assert_eq!(selected(&s), all);
    assert!(render(&s).contains("cannot be changed"), "{}", render(&s));
    // tags (optional, top level) is excluded by Space.
    send(&mut s, [ch('j'), ch('j'), ch('j'), ch(' ')]);
    assert!(!selected(&s).contains(&"tags".to_string()));
    // forbidden_field cannot be chosen.
    send(&mut s, [ch('j'), ch('j'), ch('j'), ch(' ')]);
    let rows = crate::tui::steps::fields::current_rows(&s);
    assert_eq!(rows[6].field, "forbidden_field");
    assert!(!rows[6].selected);
    assert!(render(&s).contains("forbidden"), "{}", render(&s));
    // The next binding has its own choices.
    send(&mut s, [key(KeyCode::Tab)]);
    assert_eq!(s.fields.at, 1);
    assert!(selected(&s).contains(&"tags".to_string()));
    assert_eq!(s.mat.fields["acmeCo/public/orders"].exclude, ["tags"]);
    // Delta updates: the resource changes and validate runs again with the choices.
    let cmds = send(&mut s, [ch('d')]);
    let (_, bindings) = validate_of(&cmds);
    assert_eq!(bindings[1].resource["delta_updates"], true);
    assert_eq!(bindings[0].fields.exclude, ["tags"]);
}

#[test]
fn a_refused_validate_is_shown_with_the_way_back() {
    let (mut s, cmds) = to_fields_validating(80, 24);
    let (id, _) = validate_of(&cmds);
    send(
        &mut s,
        [Msg::Task(
            id,
            TaskMsg::MaterializationValidated(Err(TaskError::failed(
                "binding 1: table public.users is already the target of binding 0",
            ))),
        )],
    );
    let screen = render(&s);
    assert!(
        screen.contains("already the target of binding 0"),
        "{screen}"
    );
    let cmds = send(&mut s, [ch('r')]);
    validate_of(&cmds);
    send(&mut s, [key(KeyCode::Esc)]);
    assert_eq!(s.step, StepId::Resources);
}

#[test]
fn materialization_collections() {
    snap("materialization_collections", to_collections);
}

#[test]
fn materialization_resources() {
    snap("materialization_resources", |w, h| {
        let mut s = to_collections(w, h);
        send(&mut s, [ctrl('n')]);
        s
    });
}

#[test]
fn materialization_fields() {
    snap("materialization_fields", |w, h| {
        let mut s = to_fields(w, h);
        send(&mut s, [ch('j'), ch('j'), ch('j')]);
        s
    });
}

#[test]
fn the_review_saves_a_materialization_that_imports_its_sources() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_fields(120, 40);
    // Point the collections at a real catalog in the directory (the import is relative to it).
    let source = dir.path().join("captures/pg.flow.yaml");
    std::fs::create_dir_all(source.parent().unwrap()).unwrap();
    std::fs::write(&source, "collections: {}\n").unwrap();
    let mut loaded = (*s.mat.loaded).clone();
    for c in &mut loaded.collections {
        c.file = source.clone();
    }
    s.mat.loaded = Arc::new(loaded);
    send(&mut s, [ch('j'), ch('j'), ch('j'), ch(' ')]);
    let cmds = send(&mut s, [ctrl('n')]);
    assert_eq!(s.step, StepId::Review, "{}", render(&s));
    assert!(
        !cmds.iter().any(|c| matches!(c, Cmd::CheckBindings { .. })),
        "a materialization's bindings were validated on the Fields step: {cmds:?}"
    );
    let (id, mut req) = plan_of(&cmds);
    assert_eq!(req.task.kind, crate::model::ConnectorKind::Materialize);
    let m = req.task.materialization_bindings();
    assert_eq!(m.len(), 2);
    assert_eq!(m[0].fields.exclude, ["tags"]);
    req.dir = dir.path().display().to_string();
    let p = crate::tui::saving::plan(&req).expect("a plan");
    assert!(p.flow_yaml.contains("materializations:"), "{}", p.flow_yaml);
    assert!(
        p.flow_yaml.contains("captures/pg.flow.yaml"),
        "{}",
        p.flow_yaml
    );
    send(&mut s, [Msg::Task(id, TaskMsg::Planned(Ok(Box::new(p))))]);
    let screen = render(&s);
    assert!(
        screen.contains("materialization acmeCo/source-postgres"),
        "{screen}"
    );
    let cmds = send(&mut s, [ctrl('s')]);
    assert!(
        cmds.iter().any(|c| matches!(c, Cmd::Save(..))),
        "{cmds:?}\n{}",
        render(&s)
    );
    // Save writes the catalog and its config; the catalog is one Flow accepts.
    req.confirmed = true;
    let done = crate::tui::saving::save(&req).expect("saved");
    let text = std::fs::read_to_string(&done.flow_file).unwrap();
    let doc: Value = serde_yaml::from_str(&text).unwrap();
    crate::catalog::validate_flow_catalog(&doc)
        .unwrap_or_else(|e| panic!("{}\n{text}", e.join("\n")));
    let task = &doc["materializations"]["acmeCo/source-postgres"];
    assert_eq!(task["bindings"][0]["source"], "acmeCo/public/orders");
    assert_eq!(task["bindings"][0]["resource"]["table"], "orders");
    assert_eq!(task["bindings"][0]["fields"]["recommended"], 1);
    assert_eq!(task["bindings"][1]["resource"]["schema"], "public");
    assert_eq!(doc["import"][0], "captures/pg.flow.yaml");
}

#[test]
fn a_binding_the_connector_rejects_is_named_and_written_disabled() {
    let (mut s, cmds) = to_fields_validating(80, 24);
    let (id, candidates) = validate_of(&cmds);
    let validated = validated_binding("orders");
    let selection =
        crate::ops::fields::select(&candidates[0].collection, &validated, &candidates[0].fields);
    let verdicts = vec![
        Verdict::Accepted {
            validated,
            selection,
        },
        Verdict::Rejected("binding 1: table public.users is locked".into()),
    ];
    send(
        &mut s,
        [Msg::Task(
            id,
            TaskMsg::MaterializationValidated(Ok(Box::new(verdicts))),
        )],
    );
    send(&mut s, [key(KeyCode::Tab)]);
    let screen = render(&s);
    assert!(screen.contains("Rejected by the connector"), "{screen}");
    assert!(screen.contains("table public.users is locked"), "{screen}");
    let m = s.mat.save_part().unwrap();
    assert!(!m.bindings[0].disable);
    assert!(m.bindings[1].disable, "{m:?}");
}

#[test]
fn a_saved_capture_leads_on_to_materializing_its_collections() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_review(80, 24, dir.path());
    let cmds = send(&mut s, [ctrl('s')]);
    let Some(Cmd::Save(id, req)) = cmds.last().cloned() else {
        panic!("no save in {cmds:?}");
    };
    let mut req = (*req).clone();
    req.dir = dir.path().display().to_string();
    let done = crate::tui::saving::save(&req).unwrap();
    let flow = done.flow_file.display().to_string();
    send(&mut s, [Msg::Task(id, TaskMsg::Saved(Ok(Box::new(done))))]);
    assert!(render(&s).contains("m materialize these"), "{}", render(&s));
    send(&mut s, [ch('m')]);
    assert_eq!(s.step, StepId::Connector);
    assert_eq!(s.mat.opened, [flow]);
    // Quitting now asks: the capture is saved, but the materialization is not.
    send(&mut s, [ctrl('c')]);
    assert!(!s.quit);
}

/// Estuary's own materialization specs (the corpus in tests/fixtures/specs/estuary): every resource schema
/// becomes a form, prefilled with the collection's table where the schema marks one.
#[test]
fn real_resource_schemas_become_prefilled_forms() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/specs/estuary");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if !name.starts_with("materialize-") || !name.ends_with(".json") {
            continue;
        }
        let spec: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let schema = spec["resourceConfigSchema"].clone();
        let mut s = to_collections(120, 40);
        if let Some(o) = s.spec.outcome.as_mut() {
            o.spec.resource_config_schema = schema.clone();
        }
        send(&mut s, [ctrl('n')]);
        assert_eq!(s.step, StepId::Resources, "{name}");
        assert_eq!(s.resources.error, None, "{name}");
        assert_eq!(s.resources.pages.len(), 3, "{name}");
        let pointers = crate::catalog::resource_pointers(&schema);
        if let Some(p) = pointers.collection_name {
            let value = s.resources.pages[0].form.to_config();
            assert_eq!(value.pointer(&p), Some(&json!("orders")), "{name}: {value}");
        }
        render(&s);
        seen += 1;
    }
    assert!(
        seen >= 10,
        "only {seen} materialization specs in {}",
        dir.display()
    );
}

#[test]
fn the_draft_keeps_a_materializations_answers_by_collection() {
    let mut s = to_collections(80, 24);
    send(&mut s, [key(KeyCode::End), ch(' '), ctrl('n')]);
    // A table renamed by hand, and the naming without schema for the other.
    send(&mut s, [ctrl('u')]);
    send(&mut s, typed("orders_v2"));
    send(&mut s, [ctrl('t'), ctrl('n')]);
    let cmds = send(&mut s, [ctrl('n')]);
    assert!(
        cmds.iter().any(|c| matches!(c, Cmd::SaveDraft(..))),
        "{cmds:?}"
    );
    answer_validate(&mut s, &cmds);
    send(&mut s, [ch('j'), ch('j'), ch('j'), ch(' ')]);
    let answer = s
        .answers
        .materialization
        .clone()
        .expect("kept in the draft");
    assert_eq!(
        answer.chosen,
        ["acmeCo/public/orders", "acmeCo/public/users"]
    );
    assert!(!answer.with_schema);
    assert_eq!(
        answer.resources["acmeCo/public/orders"]["table"],
        "orders_v2"
    );
    assert_eq!(
        answer.fields["acmeCo/public/orders"]["exclude"],
        json!(["tags"])
    );
    // The draft as written and read back, in a new session: the same choices come back.
    let draft: crate::tui::draft::Draft = serde_json::from_str(
        &serde_json::to_string(&crate::tui::draft::Draft::new(s.answers.clone())).unwrap(),
    )
    .unwrap();
    let (mut t, id) = to_collections_loading(80, 24);
    t.answers.materialization = draft.answers.materialization;
    send(
        &mut t,
        [Msg::Task(
            id,
            TaskMsg::CatalogsLoaded(Ok(Arc::new(loaded()))),
        )],
    );
    assert_eq!(t.collections.count(), 2);
    assert_eq!(t.mat.fields["acmeCo/public/orders"].exclude, ["tags"]);
    send(&mut t, [ctrl('n')]);
    assert_eq!(t.resources.pages[0].form.to_config()["table"], "orders_v2");
    assert_eq!(t.resources.pages[1].form.to_config().get("schema"), None);
}

#[test]
fn a_click_on_a_fields_box_toggles_it() {
    let mut s = to_fields(80, 24);
    let body = crate::tui::layout::areas(s.screen()).body;
    let list = crate::tui::steps::fields::list_area(body);
    // tags is the fourth row: a click on its box excludes it.
    send(&mut s, [click(list.x + 1, list.y + 3)]);
    let rows = crate::tui::steps::fields::current_rows(&s);
    assert_eq!(rows[3].field, "tags");
    assert!(!rows[3].selected);
    assert_eq!(s.fields.nav.selected, 3);
}
