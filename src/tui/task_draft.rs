//! The task being built (or edited), settled from what the steps answered as one catalog-level
//! [`TaskDraft`] for either kind: a capture's chosen bindings with their collections, a materialization's
//! chosen collections with their resources and field choices, and, when a catalog's task is edited, the
//! collection each saved binding had. The save and the Changes step's diff are planned from it.

use super::state::State;
use crate::catalog::{Choice, DraftBinding, TaskDraft, TaskFiles};
use crate::model::ConnectorKind;
use std::collections::HashMap;

/// The draft of the task the answers describe, named `prefix/name`, with the edit's `choices`; or why
/// there is none yet (in words that say which step to go back to).
pub fn draft(
    state: &State,
    prefix: &str,
    name: &str,
    choices: HashMap<String, Choice>,
) -> Result<TaskDraft, String> {
    let run = super::session::run_of(state)
        .ok_or("there is no connector spec: go back to the first steps")?;
    let saved: HashMap<String, String> = super::opened::saved(state)
        .into_iter()
        .map(|(id, b)| (id, b.collection.clone()))
        .collect();
    let (bindings, sources) = match run.kind {
        ConnectorKind::Materialize => {
            let m = state.mat.save_part()?;
            // A materialization's bindings are told apart by their source collection.
            let saved: HashMap<&str, &serde_json::Value> = super::opened::task(state)
                .map(|t| {
                    let b = t.bindings.iter();
                    b.map(|b| (b.collection.as_str(), &b.resource)).collect()
                })
                .unwrap_or_default();
            let resource_schema = super::session::resource_schema(state);
            let bindings = m
                .bindings
                .into_iter()
                .map(|b| DraftBinding {
                    id: b.collection.clone(),
                    saved_collection: saved
                        .contains_key(b.collection.as_str())
                        .then(|| b.collection.clone()),
                    resource: match saved.get(b.collection.as_str()) {
                        Some(was) => as_edited(&resource_schema, was, b.resource),
                        None => b.resource,
                    },
                    collection: b.collection,
                    disable: b.disable,
                    backfill: 0,
                    fields: Some(b.fields),
                    discovered: None,
                })
                .collect();
            (bindings, m.files)
        }
        ConnectorKind::Capture => (capture_bindings(state, prefix, &saved), Vec::new()),
    };
    Ok(TaskDraft {
        kind: run.kind,
        prefix: prefix.to_string(),
        name: name.to_string(),
        bindings,
        sources,
        choices,
        edit: super::opened::task(state).is_some(),
        files: super::opened::task(state).map(|t| TaskFiles {
            catalog: t.file.clone(),
            config: t.config_file.clone(),
        }),
    })
}

/// The bindings chosen on the bindings step as discovered, each under its collection: `prefix/<name
/// typed>`, or, for an edited task's saved binding, its saved collection unless renamed
/// (`opened::renames`, the one rule for what counts as a rename).
fn capture_bindings(
    state: &State,
    prefix: &str,
    saved: &HashMap<String, String>,
) -> Vec<DraftBinding> {
    let renames = super::opened::renames(state);
    super::session::chosen(state, prefix)
        .into_iter()
        .filter_map(|(i, collection)| {
            let item = state.bindings.items.get(i)?;
            let discovered = state.bindings.bindings.get(i)?.clone();
            let was = saved.get(&item.id).cloned();
            // A saved binding keeps its collection (inside the prefix or not) unless the person renamed it.
            let collection = match (renames.get(&item.id), &was) {
                (Some(renamed), _) => renamed.clone(),
                (None, Some(w)) => w.clone(),
                (None, None) => collection,
            };
            Some(DraftBinding {
                id: item.id.clone(),
                resource: discovered.resource_config.clone(),
                collection,
                disable: false,
                backfill: 0,
                fields: None,
                discovered: Some(discovered),
                saved_collection: was,
            })
        })
        .collect()
}

/// A saved resource as the person left it in its form (which filled in the schema's defaults): the
/// defaults the saved one did not write are left out again, so only what the person changed differs.
fn as_edited(
    schema: &serde_json::Value,
    was: &serde_json::Value,
    mut now: serde_json::Value,
) -> serde_json::Value {
    let filled = crate::schema::with_defaults(schema, was);
    if let (Some(now), Some(filled)) = (now.as_object_mut(), filled.as_object()) {
        now.retain(|k, v| was.get(k).is_some() || filled.get(k) != Some(v));
    }
    now
}
