//! capture.proto: the requests a capture connector serves and what it answers.
//!
//! `spec`, `discover`, `validate` and `apply` get one answer each. `open` gets `opened`, then any number of
//! `captured` documents and `sourcedSchema`s, each run of them ended by a `checkpoint`; when `opened` asked
//! for explicit acknowledgements, the runtime answers each committed checkpoint with `acknowledge`.

use super::{CaptureSpec, CollectionSpec, ConnectorState, RangeSpec, Spec, SpecRequest};

/// Write the `captured` line of a document already written as JSON text (`doc`: one JSON value): the line
/// [`super::encode`] writes for `Response::Captured` of that document, the document's text kept as it is (a
/// capture passes most documents on without parsing them).
pub fn write_captured(
    out: &mut impl std::io::Write,
    binding: u32,
    doc: &str,
) -> std::io::Result<()> {
    write!(out, "{{\"captured\":{{\"binding\":{binding},\"doc\":")?;
    out.write_all(doc.as_bytes())?;
    out.write_all(b"}}\n")
}

message_enum! {
    /// What the runtime sends a capture connector.
    pub enum Request {
        Spec(SpecRequest) = "spec",
        Discover(request::Discover) = "discover",
        Validate(request::Validate) = "validate",
        Apply(request::Apply) = "apply",
        Open(request::Open) = "open",
        Acknowledge(request::Acknowledge) = "acknowledge",
    }
}

message_enum! {
    /// What a capture connector answers.
    pub enum Response {
        Spec(Spec) = "spec",
        Discovered(response::Discovered) = "discovered",
        Validated(response::Validated) = "validated",
        Applied(response::Applied) = "applied",
        Opened(response::Opened) = "opened",
        Captured(response::Captured) = "captured",
        SourcedSchema(response::SourcedSchema) = "sourcedSchema" | "sourced_schema",
        Checkpoint(response::Checkpoint) = "checkpoint",
    }
}

pub mod request {
    use super::super::{ConnectorType, is_zero};
    use super::{CaptureSpec, CollectionSpec, RangeSpec};
    use serde::{Deserialize, Serialize};
    use serde_json::Value;

    /// The resources the connector could capture.
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", default)]
    pub struct Discover {
        #[serde(alias = "connector_type")]
        pub connector_type: ConnectorType,
        #[serde(alias = "config_json", skip_serializing_if = "Value::is_null")]
        pub config: Value,
    }

    /// Check a config and proposed bindings.
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", default)]
    pub struct Validate {
        /// The capture's name, e.g. `acmeCo/source-postgres`.
        #[serde(skip_serializing_if = "String::is_empty")]
        pub name: String,
        #[serde(alias = "connector_type")]
        pub connector_type: ConnectorType,
        #[serde(alias = "config_json", skip_serializing_if = "Value::is_null")]
        pub config: Value,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        pub bindings: Vec<ValidateBinding>,
        #[serde(alias = "last_capture", skip_serializing_if = "Option::is_none")]
        pub last_capture: Option<CaptureSpec>,
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
        #[serde(skip_serializing_if = "is_zero")]
        pub backfill: u32,
    }

    /// Set the endpoint up for a capture (idempotent).
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", default)]
    pub struct Apply {
        #[serde(skip_serializing_if = "Option::is_none")]
        pub capture: Option<CaptureSpec>,
        #[serde(skip_serializing_if = "String::is_empty")]
        pub version: String,
        #[serde(alias = "last_capture", skip_serializing_if = "Option::is_none")]
        pub last_capture: Option<CaptureSpec>,
        #[serde(alias = "last_version", skip_serializing_if = "String::is_empty")]
        pub last_version: String,
    }

    /// Start capturing.
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", default)]
    pub struct Open {
        #[serde(skip_serializing_if = "Option::is_none")]
        pub capture: Option<CaptureSpec>,
        #[serde(skip_serializing_if = "String::is_empty")]
        pub version: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub range: Option<RangeSpec>,
        /// The state the last session's checkpoints left (`{}` for none).
        #[serde(alias = "state_json", skip_serializing_if = "Value::is_null")]
        pub state: Value,
    }

    /// Some of the connector's checkpoints have committed (only when it asked for explicit
    /// acknowledgements).
    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", default)]
    pub struct Acknowledge {
        /// How many preceding checkpoints committed; one or more.
        #[serde(skip_serializing_if = "is_zero")]
        pub checkpoints: u32,
    }
}

pub mod response {
    use super::super::is_false;
    use super::ConnectorState;
    use serde::{Deserialize, Serialize};
    use serde_json::Value;

    /// Answers `discover`.
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", default)]
    pub struct Discovered {
        pub bindings: Vec<DiscoveredBinding>,
    }

    /// A resource the connector can capture, in any order.
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", default)]
    pub struct DiscoveredBinding {
        /// The suggested collection name (normalised and prefixed by the catalog's author).
        #[serde(alias = "recommended_name", skip_serializing_if = "String::is_empty")]
        pub recommended_name: String,
        #[serde(alias = "resource_config_json", skip_serializing_if = "Value::is_null")]
        pub resource_config: Value,
        #[serde(alias = "document_schema_json", skip_serializing_if = "Value::is_null")]
        pub document_schema: Value,
        /// The documents' key as JSON pointers, when known.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        pub key: Vec<String>,
        /// Add the binding, but disabled.
        #[serde(skip_serializing_if = "is_false")]
        pub disable: bool,
        #[serde(alias = "resource_path", skip_serializing_if = "Vec::is_empty")]
        pub resource_path: Vec<String>,
        /// The key is a stand-in (e.g. `/_meta/row_id`), not the source's own.
        #[serde(alias = "is_fallback_key", skip_serializing_if = "is_false")]
        pub is_fallback_key: bool,
    }

    /// Answers `validate`: one binding per requested one, in request order.
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", default)]
    pub struct Validated {
        pub bindings: Vec<ValidatedBinding>,
    }

    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", default)]
    pub struct ValidatedBinding {
        #[serde(alias = "resource_path")]
        pub resource_path: Vec<String>,
    }

    /// Answers `apply`; an empty description means nothing was done.
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", default)]
    pub struct Applied {
        #[serde(alias = "action_description", skip_serializing_if = "String::is_empty")]
        pub action_description: String,
    }

    /// Answers `open`; documents and checkpoints follow.
    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", default)]
    pub struct Opened {
        /// The runtime must send `acknowledge` for each committed checkpoint.
        #[serde(alias = "explicit_acknowledgements", skip_serializing_if = "is_false")]
        pub explicit_acknowledgements: bool,
    }

    /// A document of binding `binding` (index into `open.capture.bindings`), pending the next checkpoint.
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", default)]
    pub struct Captured {
        pub binding: u32,
        #[serde(alias = "doc_json")]
        pub doc: Value,
    }

    /// The source's own schema of a binding's documents (takes effect at the next checkpoint).
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", default)]
    pub struct SourcedSchema {
        pub binding: u32,
        #[serde(alias = "schema_json")]
        pub document_schema: Value,
    }

    /// Everything captured since the last checkpoint may commit, with this state update.
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", default)]
    pub struct Checkpoint {
        #[serde(skip_serializing_if = "Option::is_none")]
        pub state: Option<ConnectorState>,
    }
}
