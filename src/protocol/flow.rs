//! flow.proto: what captures and materializations share (collections, projections, task specs, connector
//! state), plus the spec request and response, the same in both protocols.

use super::{is_false, is_zero};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The protocol version Flow's runtime requires in a spec response.
pub const PROTOCOL_VERSION: u32 = 3032023;

/// How the connector is run (`CaptureSpec.ConnectorType`, `MaterializationSpec.ConnectorType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConnectorType {
    #[default]
    Invalid,
    Image,
    Local,
}

impl ConnectorType {
    pub fn of(local: bool) -> ConnectorType {
        if local {
            ConnectorType::Local
        } else {
            ConnectorType::Image
        }
    }

    fn is_invalid(&self) -> bool {
        *self == ConnectorType::Invalid
    }
}

/// `Request.Spec`, the same for captures and materializations.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SpecRequest {
    #[serde(
        alias = "connector_type",
        skip_serializing_if = "ConnectorType::is_invalid"
    )]
    pub connector_type: ConnectorType,
    /// Connector configuration (Flow's runtime sends `{}`).
    #[serde(alias = "config_json", skip_serializing_if = "Value::is_null")]
    pub config: Value,
}

/// `Response.Spec`. Materializations have no `resourcePathPointers` (their resource schema's annotations say
/// where the resource's name is).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Spec {
    /// Must be [`PROTOCOL_VERSION`].
    #[serde(skip_serializing_if = "is_zero")]
    pub protocol: u32,
    #[serde(alias = "config_schema_json", skip_serializing_if = "Value::is_null")]
    pub config_schema: Value,
    #[serde(
        alias = "resource_config_schema_json",
        skip_serializing_if = "Value::is_null"
    )]
    pub resource_config_schema: Value,
    #[serde(alias = "documentation_url", skip_serializing_if = "String::is_empty")]
    pub documentation_url: String,
    /// OAuth2 provider configuration (kept as sent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oauth2: Option<Value>,
    #[serde(
        alias = "resource_path_pointers",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub resource_path_pointers: Vec<String>,
}

/// A collection as a task sees it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CollectionSpec {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Composite key, as JSON pointers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub key: Vec<String>,
    #[serde(alias = "write_schema_json", skip_serializing_if = "Value::is_null")]
    pub write_schema: Value,
    /// Optional: when absent, `writeSchema` is read too.
    #[serde(alias = "read_schema_json", skip_serializing_if = "Value::is_null")]
    pub read_schema: Value,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub projections: Vec<Projection>,
    #[serde(alias = "partition_fields", skip_serializing_if = "Vec::is_empty")]
    pub partition_fields: Vec<String>,
    #[serde(alias = "uuid_ptr", skip_serializing_if = "String::is_empty")]
    pub uuid_ptr: String,
    #[serde(alias = "ack_template_json", skip_serializing_if = "Value::is_null")]
    pub ack_template: Value,
    /// Gazette journal template (kept as sent).
    #[serde(alias = "partition_template", skip_serializing_if = "Value::is_null")]
    pub partition_template: Value,
    /// A derivation (kept as sent; cleared when inlined into a capture or materialization).
    #[serde(skip_serializing_if = "Value::is_null")]
    pub derivation: Value,
}

/// A document location and the flat field name that aliases it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Projection {
    /// JSON pointer; `""` is the whole document.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ptr: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub field: String,
    #[serde(skip_serializing_if = "is_false")]
    pub explicit: bool,
    #[serde(alias = "is_partition_key", skip_serializing_if = "is_false")]
    pub is_partition_key: bool,
    #[serde(alias = "is_primary_key", skip_serializing_if = "is_false")]
    pub is_primary_key: bool,
    pub inference: Inference,
}

/// What is statically known of a document location.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Inference {
    /// Subset of `null`, `boolean`, `object`, `array`, `integer`, `number`, `string`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub string: Option<StringInference>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub title: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(alias = "default_json", skip_serializing_if = "Value::is_null")]
    pub default: Value,
    #[serde(skip_serializing_if = "is_false")]
    pub secret: bool,
    #[serde(skip_serializing_if = "Exists::is_invalid")]
    pub exists: Exists,
}

/// `Inference.String`: string-typed details.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StringInference {
    #[serde(alias = "content_type", skip_serializing_if = "String::is_empty")]
    pub content_type: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub format: String,
    #[serde(alias = "content_encoding", skip_serializing_if = "String::is_empty")]
    pub content_encoding: String,
    #[serde(alias = "max_length", skip_serializing_if = "is_zero")]
    pub max_length: u32,
}

/// `Inference.Exists`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Exists {
    #[default]
    Invalid,
    /// The location must exist.
    Must,
    /// It may exist, and its schema says what it looks like.
    May,
    /// It may exist; its schema says nothing of it.
    Implicit,
    /// It cannot exist.
    Cannot,
}

impl Exists {
    fn is_invalid(&self) -> bool {
        *self == Exists::Invalid
    }
}

/// A capture task: what `apply` and `open` carry.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CaptureSpec {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(
        alias = "connector_type",
        skip_serializing_if = "ConnectorType::is_invalid"
    )]
    pub connector_type: ConnectorType,
    #[serde(alias = "config_json", skip_serializing_if = "Value::is_null")]
    pub config: Value,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bindings: Vec<CaptureBinding>,
    #[serde(alias = "interval_seconds", skip_serializing_if = "is_zero")]
    pub interval_seconds: u32,
    #[serde(alias = "shard_template", skip_serializing_if = "Value::is_null")]
    pub shard_template: Value,
    #[serde(
        alias = "recovery_log_template",
        skip_serializing_if = "Value::is_null"
    )]
    pub recovery_log_template: Value,
    #[serde(alias = "network_ports", skip_serializing_if = "Vec::is_empty")]
    pub network_ports: Vec<Value>,
}

/// `CaptureSpec.Binding`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CaptureBinding {
    #[serde(alias = "resource_config_json", skip_serializing_if = "Value::is_null")]
    pub resource_config: Value,
    #[serde(alias = "resource_path", skip_serializing_if = "Vec::is_empty")]
    pub resource_path: Vec<String>,
    pub collection: CollectionSpec,
    #[serde(skip_serializing_if = "is_zero")]
    pub backfill: u32,
    /// Key of this binding's state within the connector state.
    #[serde(alias = "state_key", skip_serializing_if = "String::is_empty")]
    pub state_key: String,
}

/// A materialization task: what `apply` and `open` carry.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MaterializationSpec {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(
        alias = "connector_type",
        skip_serializing_if = "ConnectorType::is_invalid"
    )]
    pub connector_type: ConnectorType,
    #[serde(alias = "config_json", skip_serializing_if = "Value::is_null")]
    pub config: Value,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bindings: Vec<MaterializationBinding>,
    #[serde(alias = "shard_template", skip_serializing_if = "Value::is_null")]
    pub shard_template: Value,
    #[serde(
        alias = "recovery_log_template",
        skip_serializing_if = "Value::is_null"
    )]
    pub recovery_log_template: Value,
    #[serde(alias = "network_ports", skip_serializing_if = "Vec::is_empty")]
    pub network_ports: Vec<Value>,
}

/// `MaterializationSpec.Binding`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MaterializationBinding {
    #[serde(alias = "resource_config_json", skip_serializing_if = "Value::is_null")]
    pub resource_config: Value,
    #[serde(alias = "resource_path", skip_serializing_if = "Vec::is_empty")]
    pub resource_path: Vec<String>,
    pub collection: CollectionSpec,
    #[serde(alias = "partition_selector", skip_serializing_if = "Value::is_null")]
    pub partition_selector: Value,
    #[serde(skip_serializing_if = "is_zero")]
    pub priority: u32,
    /// `None` when the request carries no selection (Flow always sends one).
    #[serde(alias = "field_selection", skip_serializing_if = "Option::is_none")]
    pub field_selection: Option<FieldSelection>,
    #[serde(alias = "delta_updates", skip_serializing_if = "is_false")]
    pub delta_updates: bool,
    #[serde(
        alias = "journal_read_suffix",
        skip_serializing_if = "String::is_empty"
    )]
    pub journal_read_suffix: String,
    /// RFC 3339 timestamps.
    #[serde(alias = "not_before", skip_serializing_if = "Option::is_none")]
    pub not_before: Option<String>,
    #[serde(alias = "not_after", skip_serializing_if = "Option::is_none")]
    pub not_after: Option<String>,
    #[serde(skip_serializing_if = "is_zero")]
    pub backfill: u32,
    #[serde(alias = "state_key", skip_serializing_if = "String::is_empty")]
    pub state_key: String,
    #[serde(alias = "ser_policy", skip_serializing_if = "Value::is_null")]
    pub ser_policy: Value,
}

/// The fields a materialization binding selected.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FieldSelection {
    /// Key fields, in key order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// The field of the whole document, if selected.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub document: String,
    #[serde(alias = "field_config_json_map", skip_serializing_if = "Map::is_empty")]
    pub field_config: Map<String, Value>,
}

/// The key range and clock range a task shard reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RangeSpec {
    #[serde(alias = "key_begin", skip_serializing_if = "is_zero")]
    pub key_begin: u32,
    #[serde(alias = "key_end", skip_serializing_if = "is_zero")]
    pub key_end: u32,
    #[serde(alias = "r_clock_begin", skip_serializing_if = "is_zero")]
    pub r_clock_begin: u32,
    #[serde(alias = "r_clock_end", skip_serializing_if = "is_zero")]
    pub r_clock_end: u32,
}

impl RangeSpec {
    /// The whole key and clock range: what one shard reading everything has.
    pub fn full() -> RangeSpec {
        RangeSpec {
            key_begin: 0,
            key_end: u32::MAX,
            r_clock_begin: 0,
            r_clock_end: u32::MAX,
        }
    }
}

/// An update of the connector's state, persisted by the runtime and given back in a later `open`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConnectorState {
    #[serde(alias = "updated_json", skip_serializing_if = "Value::is_null")]
    pub updated: Value,
    /// Apply `updated` to the previous state as an RFC 7396 merge patch (else it replaces it).
    #[serde(alias = "merge_patch", skip_serializing_if = "is_false")]
    pub merge_patch: bool,
}
