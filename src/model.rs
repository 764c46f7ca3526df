//! The protocol-neutral model: what every connector protocol (Flow, Airbyte, Singer) is mapped to.
//! Plain data, no I/O. `connector` produces these types; `catalog`, `cli` and `tui` consume them.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Whether a connector captures from a system or materializes into one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ConnectorKind {
    #[default]
    Capture,
    Materialize,
}

/// The wire protocol a connector speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// Estuary Flow's capture/materialize protocol, JSON codec.
    Flow,
    /// The Airbyte protocol (CLI verbs spec/check/discover/read).
    Airbyte,
    /// Singer taps (flags `--about`, `--discover`, `--config`, `--catalog`, `--state`).
    Singer,
}

impl std::fmt::Display for Protocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Protocol::Flow => "flow",
            Protocol::Airbyte => "airbyte",
            Protocol::Singer => "singer",
        })
    }
}

impl std::str::FromStr for Protocol {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "flow" | "flow-capture" | "flow-materialize" | "capture" | "materialize" => {
                Ok(Protocol::Flow)
            }
            "airbyte" | "airbyte-source" => Ok(Protocol::Airbyte),
            "singer" | "singer-tap" | "tap" => Ok(Protocol::Singer),
            other => Err(format!(
                "unknown protocol {other:?}: expected `flow`, `airbyte` or `singer`"
            )),
        }
    }
}

/// A connector's specification: the schemas a person fills in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Spec {
    pub protocol: Protocol,
    pub kind: ConnectorKind,
    /// JSON Schema of the endpoint config.
    pub config_schema: Value,
    /// JSON Schema of one binding's resource config (`Value::Null` when the connector has none).
    pub resource_config_schema: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation_url: Option<String>,
    /// JSON pointers into a resource config that identify the resource (Flow captures only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource_path_pointers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth2: Option<Value>,
}

/// One resource a capture connector proposes to capture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiscoveredBinding {
    /// The connector's suggestion for the collection name (not yet normalised).
    pub recommended_name: String,
    pub resource_config: Value,
    pub document_schema: Value,
    /// Collection key as JSON pointers. Never empty once it leaves the connector layer for Airbyte and
    /// Singer streams (a `/_meta/row_id` fallback is used); Flow connectors provide their own.
    pub key: Vec<String>,
    /// The connector proposes this binding disabled.
    #[serde(default)]
    pub disable: bool,
    /// The key is a fallback (e.g. `/_meta/row_id`), not a real primary key of the source.
    #[serde(default)]
    pub is_fallback_key: bool,
    /// Identifies the resource, e.g. `["public", "orders"]`.
    #[serde(default)]
    pub resource_path: Vec<String>,
    /// How the stream can be read, when the connector says (Airbyte streams): what the wizard offers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_modes: Option<ReadModes>,
}

/// How an Airbyte stream can be read, as its discovered stream says: its `supported_sync_modes`, its
/// `default_cursor_field` and whether the source defines the cursor itself (`source_defined_cursor`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadModes {
    pub sync_modes: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub default_cursor: Vec<String>,
    #[serde(default)]
    pub source_defined_cursor: bool,
}

/// A collection as a connector sees it during validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CollectionSpec {
    pub name: String,
    pub key: Vec<String>,
    pub write_schema: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_schema: Option<Value>,
}

/// One binding to validate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidateBinding {
    pub resource_config: Value,
    pub collection: CollectionSpec,
    #[serde(default)]
    pub backfill: u32,
    /// Materializations: per-field configuration, `{field: config}`; the fields the binding requires
    /// (`fields.require` in the catalog).
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub field_config: serde_json::Map<String, Value>,
}

/// A validate request: the endpoint config and the bindings to check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidateRequest {
    /// The capture or materialization name, e.g. `acmeCo/source-postgres`.
    pub name: String,
    pub config: Value,
    pub bindings: Vec<ValidateBinding>,
}

/// A materialization's constraint on one field: Flow's own type (only Flow materializations have them).
pub use crate::protocol::{Constraint, ConstraintType};

/// The connector's answer for one validated binding, in request order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ValidatedBinding {
    pub resource_path: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub constraints: BTreeMap<String, Constraint>,
    #[serde(default)]
    pub delta_updates: bool,
}

/// The result of a successful validation (a failed one is an error with the connector's message).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Validated {
    pub bindings: Vec<ValidatedBinding>,
}

/// One document read from a capture during preview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapturedDoc {
    /// Index of the binding in the request.
    pub binding: usize,
    pub doc: Value,
}

/// One binding of a [`ReadRequest`]: the resource to read and how its collection is keyed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadBinding {
    /// The binding's resource config as the catalog has it (Airbyte `{stream, namespace, syncMode,
    /// cursorField}`, Singer `{stream, replicationMethod, replicationKey}`).
    pub resource_config: Value,
    /// The collection's key, as JSON pointers.
    pub key: Vec<String>,
    /// The collection's (write) schema: the documents' shape (`Value::Null` when unknown).
    #[serde(default)]
    pub schema: Value,
    /// The key is the `/_meta/row_id` fallback: each document gets a row id, counted from 0 per binding.
    #[serde(default)]
    pub fallback_key: bool,
}

/// Read a capture's bindings once (Airbyte `read`, a Singer sync), resuming from `state`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadRequest {
    pub config: Value,
    pub bindings: Vec<ReadBinding>,
    /// The Flow state the last session's checkpoints left (`{}` or null for none).
    #[serde(default)]
    pub state: Value,
}

/// What a read streams out, in order: documents, and checkpoints that commit the documents before them.
#[derive(Debug, Clone, PartialEq)]
pub enum ReadEvent<'a> {
    Document {
        /// Index of the binding in the request.
        binding: usize,
        /// The document as JSON text: the connector's own when it needed no rewrite, else written out.
        json: &'a str,
    },
    /// A Flow state update: `state` replaces the previous state, or is merged into it (RFC 7396) when
    /// `merge_patch`.
    Checkpoint { state: Value, merge_patch: bool },
}

/// A log line from a connector's stderr or protocol log messages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogLine {
    pub level: LogLevel,
    pub message: String,
    /// Structured fields, when the connector logged JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

impl LogLevel {
    /// Parse the level names connectors use (`warning`, `FATAL`, `ERROR`, ...), defaulting to info.
    pub fn parse(s: &str) -> LogLevel {
        match s.to_ascii_lowercase().as_str() {
            "trace" => LogLevel::Trace,
            "debug" => LogLevel::Debug,
            "warn" | "warning" => LogLevel::Warn,
            "error" | "fatal" | "critical" | "panic" => LogLevel::Error,
            _ => LogLevel::Info,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_parses_label_values() {
        assert_eq!("flow-capture".parse::<Protocol>(), Ok(Protocol::Flow));
        assert_eq!("airbyte-source".parse::<Protocol>(), Ok(Protocol::Airbyte));
        assert_eq!("singer".parse::<Protocol>(), Ok(Protocol::Singer));
        assert_eq!("Singer".parse::<Protocol>(), Ok(Protocol::Singer));
        assert!(
            "meltano-x"
                .parse::<Protocol>()
                .unwrap_err()
                .contains("singer")
        );
    }

    #[test]
    fn log_levels_from_connectors() {
        assert_eq!(LogLevel::parse("FATAL"), LogLevel::Error);
        assert_eq!(LogLevel::parse("warning"), LogLevel::Warn);
        assert_eq!(LogLevel::parse("whatever"), LogLevel::Info);
    }
}
