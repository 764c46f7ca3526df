//! The task of an existing catalog the wizard edits (`catwalk edit`, or a catalog opened from the first
//! screen): what opening it settles (connector, config decrypted in memory, its sops protection, names,
//! the saved bindings as the bindings step's selection), and the person's choice per binding made on the
//! Changes step, which the save sends with its request. Steps read it through here, never through another
//! step's module.

use super::connectors::ConnectorChoice;
use super::draft::{BindingsAnswer, MaterializationAnswer, SaveAnswer};
use super::flow::{Origin, Reply, StepId, Transition};
use super::msg::Hidden;
use super::state::State;
use crate::catalog::{self, Choice};
use crate::model::Protocol;
use crate::ops::edit::{OpenedTask, SavedBinding};
use crate::secrets::Protection;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// The opened task, and what the person chose for its bindings.
#[derive(Debug, Clone)]
pub struct Opened {
    /// Shared: its config is never copied into commands but through `Hidden`.
    pub task: Arc<OpenedTask>,
    /// The Changes step's choice per binding (by resource id); a binding without one is accepted.
    pub choices: BTreeMap<String, Choice>,
    /// The config as the form first read it (its defaults filled in): unchanged from this, the config
    /// file is left as it is.
    pub form_config: Option<Hidden<serde_json::Value>>,
}

/// How the wizard runs the task's connector: its image, or its local command with its `env` (Flow's
/// protocol, as Flow runs a local endpoint, unless the task says otherwise).
pub fn choice_of(task: &OpenedTask) -> ConnectorChoice {
    match &task.connector {
        crate::connector::Endpoint::Image(image) => ConnectorChoice::Image {
            image: image.clone(),
            title: None,
            protocol: task.protocol,
        },
        crate::connector::Endpoint::Local { command, env } => ConnectorChoice::Local {
            command: command.clone(),
            title: None,
            protocol: Some(task.protocol.unwrap_or(Protocol::Flow)),
            env: env.clone(),
        },
    }
}

/// Settle what the task says and walk its flow: the spec is fetched first (a step before the flow of an
/// existing task), then the flow starts at its config.
pub fn start(state: &mut State, task: OpenedTask) -> Reply {
    state.origin = Origin::Existing;
    // Nothing of a task walked before stays (answers, forms, discovered bindings, review fields).
    state.answers = super::draft::Answers {
        connector: Some(choice_of(&task)),
        config: Some(task.config.clone()),
        save: Some(Box::new(SaveAnswer {
            directory: task.dir.display().to_string(),
            prefix: task.prefix.clone(),
            name: task.short_name.clone(),
        })),
        ..Default::default()
    };
    state.config = Default::default();
    state.tunnel = Default::default();
    state.check = Default::default();
    state.bindings = Default::default();
    state.review = Default::default();
    state.changes = Default::default();
    state.collections = Default::default();
    state.resources = Default::default();
    state.fields = Default::default();
    state.mat = Default::default();
    state.session.prefix = task.prefix.clone();
    state.session.name = task.short_name.clone();
    state.opened = Some(Opened {
        task: Arc::new(task),
        choices: BTreeMap::new(),
        form_config: None,
    });
    Reply::go(Transition::GoTo(StepId::Spec))
}

/// The opened task, when the wizard edits one.
pub fn task(state: &State) -> Option<&OpenedTask> {
    state
        .opened
        .as_ref()
        .filter(|_| state.origin == Origin::Existing)
        .map(|o| o.task.as_ref())
}

/// The spec's resource path pointers (how bindings are told apart).
fn pointers(state: &State) -> Vec<String> {
    state
        .spec
        .outcome
        .as_ref()
        .map(|o| o.spec.resource_path_pointers.clone())
        .unwrap_or_default()
}

/// The saved bindings with their resource ids, in the catalog's order.
pub fn saved(state: &State) -> Vec<(String, &SavedBinding)> {
    let Some(task) = task(state) else {
        return Vec::new();
    };
    let pointers = pointers(state);
    task.bindings
        .iter()
        .map(|b| (catalog::resource_id(&b.resource, &pointers).to_string(), b))
        .collect()
}

/// The config as opened (decrypted) and how it was protected, for the config step to fill its form from
/// once: `(config, where it is, protection)`.
pub fn config(state: &State) -> Option<(serde_json::Value, String, Option<Protection>)> {
    let task = task(state)?;
    let place = task
        .config_file
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| format!("the inline config in {}", task.file.display()));
    Some((task.config.clone(), place, task.protection.clone()))
}

/// The saved bindings as the answers of the steps that choose bindings, unless the person has answered
/// already: a capture's every saved binding selected (disabled ones too) under its saved collection name;
/// a materialization's collections chosen with their resources and fields as written (disabled ones stay
/// disabled), its own file read for the catalogs it imports.
pub fn settle_bindings(state: &mut State) {
    let Some(task) = task(state) else { return };
    if task.kind == crate::model::ConnectorKind::Materialize {
        if state.answers.materialization.is_some() {
            return;
        }
        let mut answer = MaterializationAnswer {
            with_schema: true,
            ..Default::default()
        };
        let mut disabled = std::collections::BTreeSet::new();
        for b in &task.bindings {
            answer.chosen.push(b.collection.clone());
            answer
                .resources
                .insert(b.collection.clone(), b.resource.clone());
            // No `fields` is Flow's default, `recommended: true` (a new binding's would be `1`).
            let fields = b
                .fields
                .clone()
                .unwrap_or_else(|| serde_json::json!({"recommended": true}));
            answer.fields.insert(b.collection.clone(), fields);
            if b.disable {
                disabled.insert(b.collection.clone());
            }
        }
        let file = task.file.display().to_string();
        state.mat.opened = vec![file];
        state.mat.disabled = disabled;
        state.answers.materialization = Some(Box::new(answer));
        return;
    }
    if state.answers.bindings.is_some() {
        return;
    }
    let under = format!("{}/", task.prefix);
    let mut answer = BindingsAnswer::default();
    for (id, b) in saved(state) {
        answer.names.insert(
            id.clone(),
            b.collection
                .strip_prefix(&under)
                .unwrap_or(&b.collection)
                .to_string(),
        );
        answer.selected.push(id);
    }
    state.answers.bindings = Some(Box::new(answer));
}

/// Whether the saved binding `id` is disabled in the catalog.
pub fn is_disabled(state: &State, id: &str) -> bool {
    saved(state).iter().any(|(i, b)| i == id && b.disable)
}

/// Whether `id` is a binding of the opened task.
pub fn is_saved(state: &State, id: &str) -> bool {
    saved(state).iter().any(|(i, _)| i == id)
}

/// The saved bindings the person deselected on the bindings step (removed when saving).
pub fn deselected(state: &State) -> Vec<String> {
    let selected: Vec<&str> = state
        .bindings
        .items
        .iter()
        .filter(|i| i.selected)
        .map(|i| i.id.as_str())
        .collect();
    let discovered: Vec<&str> = state.bindings.items.iter().map(|i| i.id.as_str()).collect();
    saved(state)
        .into_iter()
        .filter(|(id, _)| discovered.contains(&id.as_str()) && !selected.contains(&id.as_str()))
        .map(|(id, _)| id)
        .collect()
}

/// What an edit adds to the save request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Edit {
    /// A deselected saved binding removed, the Changes step's choices.
    pub choices: HashMap<String, Choice>,
    /// The config file stays as it is (an unchanged config, the same protection).
    pub keep_config: bool,
}

/// The saved bindings renamed on the bindings step (resource id -> full new name).
pub fn renames(state: &State) -> HashMap<String, String> {
    let Some(task) = task(state) else {
        return HashMap::new();
    };
    let saved: HashMap<String, &str> = saved(state)
        .into_iter()
        .map(|(id, b)| (id, b.collection.as_str()))
        .collect();
    let under = format!("{}/", task.prefix);
    state
        .bindings
        .items
        .iter()
        .filter_map(|it| {
            let was = saved.get(&it.id)?;
            let was_named = was.strip_prefix(&under).unwrap_or(was);
            (it.name != was_named).then(|| (it.id.clone(), format!("{under}{}", it.name)))
        })
        .collect()
}

/// What an edit adds to the save request (see [`Edit`]).
pub fn edit_choices(state: &State, protection: Option<&Protection>) -> Edit {
    let (Some(task), Some(opened)) = (task(state), state.opened.as_ref()) else {
        return Edit::default();
    };
    let mut choices: HashMap<String, Choice> = deselected(state)
        .into_iter()
        .map(|id| (id, Choice::Remove))
        .collect();
    for (id, c) in &opened.choices {
        choices.entry(id.clone()).or_insert(*c);
    }
    let unchanged =
        |c: &serde_json::Value| *c == task.config || opened.form_config.as_deref() == Some(c);
    let keep_config = state.answers.config.as_ref().is_some_and(unchanged)
        && protection == task.protection.as_ref();
    Edit {
        choices,
        keep_config,
    }
}

/// Remember the config as the form first read it (see [`Opened::form_config`]).
pub fn set_form_config(state: &mut State, config: serde_json::Value) {
    if let Some(o) = state.opened.as_mut() {
        o.form_config = Some(Hidden::new(config));
    }
}

/// Set the choice for binding `id` (Accept is the default: it is not kept).
pub fn set_choice(state: &mut State, id: &str, choice: Choice) {
    if let Some(o) = state.opened.as_mut() {
        if choice == Choice::Accept {
            o.choices.remove(id);
        } else {
            o.choices.insert(id.to_string(), choice);
        }
    }
}

/// The choice for binding `id` (Accept unless chosen otherwise).
pub fn choice(state: &State, id: &str) -> Choice {
    state
        .opened
        .as_ref()
        .and_then(|o| o.choices.get(id).copied())
        .unwrap_or_default()
}
