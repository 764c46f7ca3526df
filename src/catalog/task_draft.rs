//! The task being built or edited, as the catalog will hold it: one type for captures and materializations.
//! Its names, and its bindings as written (resource, collection, disable, backfill, a materialization's
//! field selection), each with what a capture's binding brings from discovery (key, schema, read modes) and,
//! when an existing catalog is edited, the saved collection it had. The wizard settles one from its answers;
//! the save (capture or materialization alike) is planned from it.

use super::materialization::{FieldChoices, NewBinding};
use super::rediscover::Choice;
use crate::model::{CollectionSpec, ConnectorKind, DiscoveredBinding, ValidateBinding};
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;

/// A capture or a materialization being built (or edited).
#[derive(Debug, Clone, PartialEq)]
pub struct TaskDraft {
    pub kind: ConnectorKind,
    /// What comes before the task's own name (`acmeCo`): collections of a new capture are named under it.
    pub prefix: String,
    /// The task's own name under the prefix; its files are `<name>.flow.yaml`, `<name>.config.yaml`.
    pub name: String,
    /// The bindings to write, in order.
    pub bindings: Vec<DraftBinding>,
    /// A materialization: the catalog files defining its source collections (imported by it).
    pub sources: Vec<PathBuf>,
    /// The task is a catalog's, opened for editing: what the draft leaves out of it is removed.
    pub edit: bool,
    /// Where an edited task lives (`None`: a new task, written as `<name>.flow.yaml` with its config in
    /// `<name>.config.yaml` in the save's directory).
    pub files: Option<TaskFiles>,
    /// Editing an existing task: the person's choice per saved binding (by resource id) over keeping it
    /// as it is; a saved binding the draft leaves out is [`Choice::Remove`]d.
    pub choices: HashMap<String, Choice>,
}

/// The files an edited task is saved back into, whatever they are named.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskFiles {
    /// The catalog file holding the task.
    pub catalog: PathBuf,
    /// Its endpoint config file (`None`: the config is inline in the catalog).
    pub config: Option<PathBuf>,
}

/// One binding of a [`TaskDraft`].
#[derive(Debug, Clone, PartialEq)]
pub struct DraftBinding {
    /// How bindings are told apart: the resource path (`catalog::resource_id`).
    pub id: String,
    pub resource: Value,
    /// The full collection name: a capture's `target`, a materialization's `source`.
    pub collection: String,
    pub disable: bool,
    pub backfill: u32,
    /// A materialization's field selection (`None` for a capture).
    pub fields: Option<FieldChoices>,
    /// A capture's binding as discovered: its collection (key, schema) is written from it.
    pub discovered: Option<DiscoveredBinding>,
    /// Editing: the collection the saved binding has in the catalog (`None`: a binding new to it).
    pub saved_collection: Option<String>,
}

impl TaskDraft {
    /// `prefix/name`.
    pub fn full_name(&self) -> String {
        match self.prefix.as_str() {
            "" => self.name.clone(),
            p => format!("{p}/{}", self.name),
        }
    }

    /// A capture's bindings as discovered, each with the collection it writes (enabled: the person chose
    /// it; an edit's own `disable` is a [`Choice`]).
    pub fn capture_bindings(&self) -> Vec<(DiscoveredBinding, String)> {
        self.bindings
            .iter()
            .filter_map(|b| {
                let mut d = b.discovered.clone()?;
                d.resource_config = b.resource.clone();
                d.disable = false;
                Some((d, b.collection.clone()))
            })
            .collect()
    }

    /// A capture's bindings as a validate request carries them (collection key and schema as discovered).
    pub fn validate_bindings(&self) -> Vec<ValidateBinding> {
        self.capture_bindings()
            .into_iter()
            .map(|(b, collection)| ValidateBinding {
                resource_config: b.resource_config,
                collection: CollectionSpec {
                    name: collection,
                    key: b.key,
                    write_schema: b.document_schema,
                    read_schema: None,
                },
                backfill: 0,
                field_config: Default::default(),
            })
            .collect()
    }

    /// Saved bindings whose collection the person renamed: resource id -> the new full name.
    pub fn renames(&self) -> HashMap<String, String> {
        self.bindings
            .iter()
            .filter_map(|b| {
                let was = b.saved_collection.as_ref()?;
                (*was != b.collection).then(|| (b.id.clone(), b.collection.clone()))
            })
            .collect()
    }

    /// A materialization's bindings as written (a binding without field choices gets a new binding's,
    /// `recommended: 1`).
    pub fn materialization_bindings(&self) -> Vec<NewBinding> {
        self.bindings
            .iter()
            .map(|b| NewBinding {
                collection: b.collection.clone(),
                resource: b.resource.clone(),
                fields: b.fields.clone().unwrap_or_else(FieldChoices::new_binding),
                disable: b.disable,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn discovered(name: &str) -> DiscoveredBinding {
        DiscoveredBinding {
            recommended_name: name.into(),
            resource_config: json!({"name": name}),
            document_schema: json!({"type": "object"}),
            key: vec!["/id".into()],
            disable: true,
            is_fallback_key: false,
            resource_path: vec![name.into()],
            read_modes: None,
        }
    }

    fn binding(name: &str, collection: &str, saved: Option<&str>) -> DraftBinding {
        DraftBinding {
            id: name.into(),
            resource: json!({"name": name, "edited": true}),
            collection: collection.into(),
            disable: false,
            backfill: 0,
            fields: None,
            discovered: Some(discovered(name)),
            saved_collection: saved.map(String::from),
        }
    }

    #[test]
    fn a_capture_draft_gives_its_bindings_enabled_with_their_resources_and_renames() {
        let draft = TaskDraft {
            kind: ConnectorKind::Capture,
            prefix: "acmeCo".into(),
            name: "source-pg".into(),
            bindings: vec![
                binding("users", "acmeCo/people", Some("acmeCo/users")),
                binding("orders", "acmeCo/orders", Some("acmeCo/orders")),
                binding("events", "acmeCo/events", None),
            ],
            sources: Vec::new(),
            choices: HashMap::new(),
            edit: true,
            files: None,
        };
        assert_eq!(draft.full_name(), "acmeCo/source-pg");
        let chosen = draft.capture_bindings();
        assert_eq!(chosen.len(), 3);
        assert!(chosen.iter().all(|(b, _)| !b.disable));
        assert_eq!(chosen[0].0.resource_config["edited"], true);
        assert_eq!(chosen[0].1, "acmeCo/people");
        assert_eq!(
            draft.renames(),
            HashMap::from([("users".to_string(), "acmeCo/people".to_string())])
        );
    }

    #[test]
    fn a_materialization_draft_writes_a_new_bindings_field_choices_when_none_are_made() {
        let mut b = binding("orders", "acmeCo/orders", None);
        b.discovered = None;
        b.disable = true;
        let draft = TaskDraft {
            kind: ConnectorKind::Materialize,
            prefix: String::new(),
            name: "mat".into(),
            bindings: vec![b],
            sources: Vec::new(),
            choices: HashMap::new(),
            edit: false,
            files: None,
        };
        assert_eq!(draft.full_name(), "mat");
        assert!(draft.capture_bindings().is_empty());
        let m = draft.materialization_bindings();
        assert_eq!(m[0].fields, FieldChoices::new_binding());
        assert!(m[0].disable);
    }
}
