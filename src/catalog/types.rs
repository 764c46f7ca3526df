//! Serde types mirroring the parts of a Flow catalog (`*.flow.yaml`) that catwalk reads and writes.
//! Pure data: no I/O. Fields catwalk does not model are kept in `extra` so a read-modify-write loses nothing.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A catalog source file: the top level of a `*.flow.yaml`.
///
/// Field order here is the order written: `$schema`, `import`, `captures`, `collections`,
/// `materializations`, `tests`, then anything else that was read. Maps keep the order they were read in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub import: Vec<String>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "IndexMap::is_empty"
    )]
    pub captures: IndexMap<String, CaptureDef>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "IndexMap::is_empty"
    )]
    pub collections: IndexMap<String, CollectionDef>,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "IndexMap::is_empty"
    )]
    pub materializations: IndexMap<String, MaterializationDef>,
    /// Catalog tests, kept as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tests: Option<Value>,
    /// Anything else found at the top level (Flow rejects unknown fields; we keep them for the user to see).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A document that is either written inline or stored in a file named by a relative path
/// (endpoint configs, collection schemas).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ContentRef {
    /// A path (or URL) relative to the catalog file that names it.
    Path(String),
    /// The document itself.
    Inline(Value),
}

impl ContentRef {
    /// The relative path, when the document lives in another file.
    pub fn path(&self) -> Option<&str> {
        match self {
            ContentRef::Path(p) => Some(p),
            ContentRef::Inline(_) => None,
        }
    }
}

/// Where a capture or materialization runs: `{connector: ...}`, `{local: ...}` or (materializations) `{dekaf: ...}`.
///
/// Read and written as a map with one key (YAML serializers would otherwise use `!tags` for enums).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "EndpointRepr", into = "EndpointRepr")]
pub enum Endpoint {
    Connector(ConnectorEndpoint),
    Local(LocalEndpoint),
    /// Dekaf materializations, kept as written.
    Dekaf(Value),
}

#[derive(Serialize, Deserialize)]
struct EndpointRepr {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    connector: Option<ConnectorEndpoint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    local: Option<LocalEndpoint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dekaf: Option<Value>,
    #[serde(flatten)]
    other: Map<String, Value>,
}

impl TryFrom<EndpointRepr> for Endpoint {
    type Error = String;

    fn try_from(r: EndpointRepr) -> Result<Self, Self::Error> {
        let mut found: Vec<&str> = r.other.keys().map(String::as_str).collect();
        let known = [
            r.connector.as_ref().map(|_| "connector"),
            r.local.as_ref().map(|_| "local"),
            r.dekaf.as_ref().map(|_| "dekaf"),
        ];
        found.extend(known.into_iter().flatten());
        let pick = match (r.connector, r.local, r.dekaf) {
            (Some(c), None, None) if r.other.is_empty() => Endpoint::Connector(c),
            (None, Some(l), None) if r.other.is_empty() => Endpoint::Local(l),
            (None, None, Some(d)) if r.other.is_empty() => Endpoint::Dekaf(d),
            _ => {
                return Err(format!(
                    "an endpoint needs exactly one of `connector` (image and config) or `local` (command and \
                     config), found {}",
                    if found.is_empty() {
                        "none".to_string()
                    } else {
                        format!("`{}`", found.join("`, `"))
                    }
                ));
            }
        };
        Ok(pick)
    }
}

impl From<Endpoint> for EndpointRepr {
    fn from(e: Endpoint) -> Self {
        let mut r = EndpointRepr {
            connector: None,
            local: None,
            dekaf: None,
            other: Map::new(),
        };
        match e {
            Endpoint::Connector(c) => r.connector = Some(c),
            Endpoint::Local(l) => r.local = Some(l),
            Endpoint::Dekaf(d) => r.dekaf = Some(d),
        }
        r
    }
}

impl Endpoint {
    /// `{connector: {image, config}}`.
    pub fn image(image: impl Into<String>, config: ContentRef) -> Self {
        Endpoint::Connector(ConnectorEndpoint {
            image: image.into(),
            config,
            extra: Map::new(),
        })
    }

    /// `{local: {command, config, env}}`.
    pub fn local(command: Vec<String>, env: IndexMap<String, String>, config: ContentRef) -> Self {
        Endpoint::Local(LocalEndpoint {
            command,
            config,
            env,
            protobuf: None,
            extra: Map::new(),
        })
    }

    /// The endpoint's config (inline or a path), if it has one.
    pub fn config(&self) -> Option<&ContentRef> {
        match self {
            Endpoint::Connector(c) => Some(&c.config),
            Endpoint::Local(l) => Some(&l.config),
            Endpoint::Dekaf(_) => None,
        }
    }

    /// Mutable access to the endpoint's config.
    pub fn config_mut(&mut self) -> Option<&mut ContentRef> {
        match self {
            Endpoint::Connector(c) => Some(&mut c.config),
            Endpoint::Local(l) => Some(&mut l.config),
            Endpoint::Dekaf(_) => None,
        }
    }

    /// A short human description: the image, or the local command.
    pub fn describe(&self) -> String {
        match self {
            Endpoint::Connector(c) => c.image.clone(),
            Endpoint::Local(l) => l.command.join(" "),
            Endpoint::Dekaf(_) => "dekaf".to_string(),
        }
    }
}

/// `endpoint.connector`: a connector image and its config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectorEndpoint {
    pub image: String,
    pub config: ContentRef,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `endpoint.local`: a command run on this machine (development only) and its config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocalEndpoint {
    pub command: Vec<String>,
    pub config: ContentRef,
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub env: IndexMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protobuf: Option<bool>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A capture task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CaptureDef {
    pub endpoint: Endpoint,
    #[serde(default)]
    pub bindings: Vec<CaptureBinding>,
    /// Time between invocations, e.g. `5m`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    /// `{addNewBindings, evolveIncompatibleCollections}`, kept as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_discover: Option<Value>,
    /// Shard template, kept as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shards: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One capture binding: a resource of the endpoint captured into a collection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaptureBinding {
    pub resource: Value,
    pub target: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub disable: bool,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub backfill: u32,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A collection: its key and its schema(s). Projections, journals, derivations etc. stay in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CollectionDef {
    #[serde(default)]
    pub key: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<ContentRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write_schema: Option<ContentRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_schema: Option<ContentRef>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl CollectionDef {
    /// The schema documents are validated against on write: `writeSchema`, else `schema`.
    pub fn write_schema_ref(&self) -> Option<&ContentRef> {
        self.write_schema.as_ref().or(self.schema.as_ref())
    }
}

/// A materialization task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MaterializationDef {
    /// A capture whose collections are materialized automatically (a name or `{capture, ...}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Value>,
    pub endpoint: Endpoint,
    #[serde(default)]
    pub bindings: Vec<MaterializationBinding>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One materialization binding: a collection materialized into a resource of the endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MaterializationBinding {
    pub resource: Value,
    /// A collection name, or `{name, partitions?, notBefore?, notAfter?}`.
    pub source: Value,
    /// `{recommended, require?, exclude?, groupBy?}`, kept as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<Value>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub disable: bool,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub backfill: u32,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl MaterializationBinding {
    /// The name of the collection this binding reads.
    pub fn source_collection(&self) -> Option<&str> {
        match &self.source {
            Value::String(s) => Some(s),
            Value::Object(o) => o.get("name").and_then(Value::as_str),
            _ => None,
        }
    }
}

/// `captures:` with nothing after it is YAML null: read it as empty.
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// The read schema Flow uses for collections whose discovered schema asks for inference.
pub fn inferred_read_schema() -> Value {
    serde_json::json!({
        "allOf": [
            {"$ref": "flow://write-schema"},
            {"$ref": "flow://inferred-schema"},
        ]
    })
}

/// Render any serializable value (a catalog, a schema) as YAML text.
pub fn to_yaml<T: Serialize>(value: &T) -> Result<String, serde_yaml::Error> {
    serde_yaml::to_string(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
import: [other.flow.yaml]
captures:
  acmeCo/source-x:
    endpoint:
      connector:
        image: ghcr.io/estuary/source-x:v1
        config: source-x.config.yaml
    bindings:
      - resource: {stream: a}
        target: acmeCo/a
        disable: true
        futureField: 1
    interval: 5m
    autoDiscover: {addNewBindings: true}
    somethingNew: [1, 2]
collections:
  acmeCo/a:
    key: [/id]
    schema: a.schema.yaml
    projections: {id: /id}
  acmeCo/b:
    key: [/id]
    writeSchema: {type: object}
    readSchema: {allOf: [{$ref: flow://write-schema}, {$ref: flow://inferred-schema}]}
materializations:
  acmeCo/m:
    endpoint:
      local:
        command: [./m, --x]
        config: {a: 1}
        env: {A: b}
    bindings:
      - resource: {table: a}
        source: {name: acmeCo/a, notBefore: "2024-01-01T00:00:00Z"}
        fields: {recommended: true}
tests:
  acmeCo/t: []
unknownTop: yes
"#;

    #[test]
    fn round_trip_keeps_unknown_fields() {
        let cat: Catalog = serde_yaml::from_str(SAMPLE).unwrap();
        let cap = &cat.captures["acmeCo/source-x"];
        assert_eq!(cap.bindings[0].extra["futureField"], 1);
        assert_eq!(cap.extra["somethingNew"], serde_json::json!([1, 2]));
        assert!(
            cat.collections["acmeCo/a"]
                .extra
                .contains_key("projections")
        );
        assert_eq!(cat.extra["unknownTop"], "yes");
        let m = &cat.materializations["acmeCo/m"];
        assert_eq!(m.bindings[0].source_collection(), Some("acmeCo/a"));
        assert!(matches!(m.endpoint, Endpoint::Local(_)));

        let again: Catalog = serde_yaml::from_str(&to_yaml(&cat).unwrap()).unwrap();
        assert_eq!(cat, again);
    }

    #[test]
    fn empty_sections_read_as_empty() {
        let cat: Catalog = serde_yaml::from_str("import:\ncaptures:\ncollections:\n").unwrap();
        assert_eq!(cat, Catalog::default());
    }

    #[test]
    fn endpoint_written_before_bindings() {
        let cat: Catalog = serde_yaml::from_str(SAMPLE).unwrap();
        let text = to_yaml(&cat).unwrap();
        let e = text.find("endpoint:").unwrap();
        let b = text.find("bindings:").unwrap();
        assert!(e < b, "{text}");
        assert!(text.find("import:").unwrap() < text.find("captures:").unwrap());
    }
}
