//! materialize.proto: the requests a materialization connector serves and what it answers.
//!
//! `spec`, `validate` and `apply` get one answer each. After `open`/`opened`, each transaction is `load`s
//! (answered by `loaded`s), `flush` (`flushed`), `store`s, `startCommit` (`startedCommit`), and
//! `acknowledge`/`acknowledged` of the previous one.

use super::{CollectionSpec, ConnectorState, MaterializationSpec, RangeSpec, Spec, SpecRequest};

message_enum! {
    /// What the runtime sends a materialization connector.
    pub enum Request {
        Spec(SpecRequest) = "spec",
        Validate(request::Validate) = "validate",
        Apply(request::Apply) = "apply",
        Open(request::Open) = "open",
        Load(request::Load) = "load",
        Flush(request::Flush) = "flush",
        Store(request::Store) = "store",
        StartCommit(request::StartCommit) = "startCommit" | "start_commit",
        Acknowledge(request::Acknowledge) = "acknowledge",
    }
}

message_enum! {
    /// What a materialization connector answers.
    pub enum Response {
        Spec(Spec) = "spec",
        Validated(response::Validated) = "validated",
        Applied(response::Applied) = "applied",
        Opened(response::Opened) = "opened",
        Loaded(response::Loaded) = "loaded",
        Flushed(response::Flushed) = "flushed",
        StartedCommit(response::StartedCommit) = "startedCommit" | "started_commit",
        Acknowledged(response::Acknowledged) = "acknowledged",
    }
}

pub mod request {
    use super::super::{ConnectorType, is_false, is_zero};
    use super::{CollectionSpec, MaterializationSpec, RangeSpec};
    use serde::{Deserialize, Serialize};
    use serde_json::{Map, Value};

    /// Check a config and proposed bindings.
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", default)]
    pub struct Validate {
        /// The materialization's name.
        #[serde(skip_serializing_if = "String::is_empty")]
        pub name: String,
        #[serde(alias = "connector_type")]
        pub connector_type: ConnectorType,
        #[serde(alias = "config_json", skip_serializing_if = "Value::is_null")]
        pub config: Value,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        pub bindings: Vec<ValidateBinding>,
        #[serde(
            alias = "last_materialization",
            skip_serializing_if = "Option::is_none"
        )]
        pub last_materialization: Option<MaterializationSpec>,
        #[serde(alias = "last_version", skip_serializing_if = "String::is_empty")]
        pub last_version: String,
    }

    /// `Validate.Binding`.
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", default)]
    pub struct ValidateBinding {
        #[serde(alias = "resource_config_json", skip_serializing_if = "Value::is_null")]
        pub resource_config: Value,
        pub collection: CollectionSpec,
        /// Per-field configuration the binding asks for, `{field: config}`.
        #[serde(alias = "field_config_json_map", skip_serializing_if = "Map::is_empty")]
        pub field_config: Map<String, Value>,
        #[serde(skip_serializing_if = "is_zero")]
        pub backfill: u32,
        /// The binding's group-by fields, in order.
        #[serde(alias = "group_by", skip_serializing_if = "Vec::is_empty")]
        pub group_by: Vec<String>,
    }

    /// Set the endpoint up (create tables...), idempotently.
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", default)]
    pub struct Apply {
        #[serde(skip_serializing_if = "Option::is_none")]
        pub materialization: Option<MaterializationSpec>,
        #[serde(skip_serializing_if = "String::is_empty")]
        pub version: String,
        #[serde(
            alias = "last_materialization",
            skip_serializing_if = "Option::is_none"
        )]
        pub last_materialization: Option<MaterializationSpec>,
        #[serde(alias = "last_version", skip_serializing_if = "String::is_empty")]
        pub last_version: String,
        #[serde(alias = "state_json", skip_serializing_if = "Value::is_null")]
        pub state: Value,
    }

    /// Start a materialization session.
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", default)]
    pub struct Open {
        #[serde(skip_serializing_if = "Option::is_none")]
        pub materialization: Option<MaterializationSpec>,
        #[serde(skip_serializing_if = "String::is_empty")]
        pub version: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub range: Option<RangeSpec>,
        #[serde(alias = "state_json", skip_serializing_if = "Value::is_null")]
        pub state: Value,
    }

    /// Load the stored document of a key, if there is one.
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", default)]
    pub struct Load {
        pub binding: u32,
        /// Key components, in the order of the field selection's `keys`.
        #[serde(alias = "key_json", skip_serializing_if = "Value::is_null")]
        pub key: Value,
        /// Packed tuple of the key, base64.
        #[serde(alias = "key_packed", skip_serializing_if = "String::is_empty")]
        pub key_packed: String,
    }

    /// No more loads in this transaction.
    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct Flush {}

    /// Store a document of this transaction.
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", default)]
    pub struct Store {
        pub binding: u32,
        #[serde(alias = "key_json", skip_serializing_if = "Value::is_null")]
        pub key: Value,
        #[serde(alias = "key_packed", skip_serializing_if = "String::is_empty")]
        pub key_packed: String,
        /// Value components, in the order of the field selection's `values`.
        #[serde(alias = "values_json", skip_serializing_if = "Value::is_null")]
        pub values: Value,
        #[serde(alias = "values_packed", skip_serializing_if = "String::is_empty")]
        pub values_packed: String,
        #[serde(alias = "doc_json", skip_serializing_if = "Value::is_null")]
        pub doc: Value,
        /// The document was loaded or stored before.
        #[serde(skip_serializing_if = "is_false")]
        pub exists: bool,
        #[serde(skip_serializing_if = "is_false")]
        pub delete: bool,
    }

    /// The stores are done: start committing.
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", default)]
    pub struct StartCommit {
        /// The runtime's Gazette consumer checkpoint (kept as sent).
        #[serde(alias = "runtime_checkpoint", skip_serializing_if = "Value::is_null")]
        pub runtime_checkpoint: Value,
    }

    /// The previous transaction committed to the runtime's recovery log.
    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct Acknowledge {}
}

pub mod response {
    use super::super::{Constraint, is_false};
    use super::ConnectorState;
    use serde::{Deserialize, Serialize};
    use serde_json::Value;
    use std::collections::BTreeMap;

    /// Answers `validate`: one binding per requested one, in request order.
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", default)]
    pub struct Validated {
        pub bindings: Vec<ValidatedBinding>,
    }

    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", default)]
    pub struct ValidatedBinding {
        /// Constraints by field name; a projection left out is forbidden.
        #[serde(skip_serializing_if = "BTreeMap::is_empty")]
        pub constraints: BTreeMap<String, Constraint>,
        #[serde(alias = "resource_path")]
        pub resource_path: Vec<String>,
        #[serde(alias = "delta_updates", skip_serializing_if = "is_false")]
        pub delta_updates: bool,
        #[serde(alias = "ser_policy", skip_serializing_if = "Value::is_null")]
        pub ser_policy: Value,
        /// Newer Flow: the constraints as a list (what `constraints` says, one entry per field).
        #[serde(
            alias = "projection_constraints",
            skip_serializing_if = "Vec::is_empty"
        )]
        pub projection_constraints: Vec<ProjectionConstraint>,
        #[serde(alias = "case_insensitive_fields", skip_serializing_if = "is_false")]
        pub case_insensitive_fields: bool,
    }

    impl ValidatedBinding {
        /// Every constraint by field: `constraints`, and `projectionConstraints` for fields it lacks.
        pub fn all_constraints(&self) -> BTreeMap<String, Constraint> {
            let mut all = self.constraints.clone();
            for pc in &self.projection_constraints {
                if let Some(c) = &pc.constraint {
                    all.entry(pc.field.clone()).or_insert_with(|| c.clone());
                }
            }
            all
        }
    }

    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", default)]
    pub struct ProjectionConstraint {
        pub field: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub constraint: Option<Constraint>,
    }

    /// Answers `apply`.
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", default)]
    pub struct Applied {
        #[serde(alias = "action_description", skip_serializing_if = "String::is_empty")]
        pub action_description: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub state: Option<ConnectorState>,
    }

    /// Answers `open`.
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", default)]
    pub struct Opened {
        #[serde(alias = "runtime_checkpoint", skip_serializing_if = "Value::is_null")]
        pub runtime_checkpoint: Value,
        #[serde(alias = "disable_load_optimization", skip_serializing_if = "is_false")]
        pub disable_load_optimization: bool,
    }

    /// A stored document answering a `load`.
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", default)]
    pub struct Loaded {
        pub binding: u32,
        #[serde(alias = "doc_json")]
        pub doc: Value,
    }

    /// Answers `flush`.
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", default)]
    pub struct Flushed {
        #[serde(skip_serializing_if = "Option::is_none")]
        pub state: Option<ConnectorState>,
    }

    /// Answers `startCommit`.
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", default)]
    pub struct StartedCommit {
        #[serde(skip_serializing_if = "Option::is_none")]
        pub state: Option<ConnectorState>,
    }

    /// The previous transaction committed at the endpoint.
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", default)]
    pub struct Acknowledged {
        #[serde(skip_serializing_if = "Option::is_none")]
        pub state: Option<ConnectorState>,
    }
}
