//! Building a capture and its collections from a connector's discovered bindings, the way
//! `flowctl discover` does: capture `P/<name>`, one binding and one collection per discovered resource.
//! Pure: no I/O. The result is merged with what exists (see `merge`) and written (see `files`, `write`).

use crate::catalog::collection::{CollectionProblem, collection_problems};
use crate::catalog::naming::{self, NameError};
use crate::catalog::resource::{ResourceId, resource_id};
use crate::catalog::types::{ContentRef, Endpoint, inferred_read_schema};
use crate::model::DiscoveredBinding;
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// How many names a warning lists before saying "and N more".
const WARN_LIST_MAX: usize = 10;

/// `<name>.flow.yaml`: the catalog file discover writes.
pub fn flow_file_name(name: &str) -> String {
    format!("{name}.flow.yaml")
}

/// `<name>.config.yaml`: the endpoint config file the catalog names.
pub fn config_file_name(name: &str) -> String {
    format!("{name}.config.yaml")
}

/// `<stem>.schema.yaml`: a collection's schema file.
pub fn schema_file_name(stem: &str) -> String {
    format!("{stem}.schema.yaml")
}

/// Everything `from_discovery` needs.
#[derive(Debug, Clone)]
pub struct Discovery {
    /// The prefix, e.g. `acmeCo` (check it first with [`naming::validate_prefix`]).
    pub prefix: String,
    /// The capture's own name under the prefix, usually [`naming::connector_name`] of the image.
    pub name: String,
    /// The endpoint; its config is normally `ContentRef::Path(config_file_name(name))`.
    pub endpoint: Endpoint,
    pub bindings: Vec<DiscoveredBinding>,
    /// The full collection name chosen for each binding, in the same order. `None`: defaults from the
    /// recommended names ([`naming::default_targets`]).
    pub targets: Option<Vec<String>>,
    /// The spec's `resourcePathPointers`, used to identify resources (see `resource`).
    pub resource_path_pointers: Vec<String>,
}

impl Discovery {
    /// A discovery with default targets, for an image endpoint whose config is `<name>.config.yaml`.
    pub fn for_image(
        prefix: &str,
        image: &str,
        bindings: Vec<DiscoveredBinding>,
        resource_path_pointers: Vec<String>,
    ) -> Self {
        let name = naming::connector_name(image);
        let endpoint = Endpoint::image(image, ContentRef::Path(config_file_name(&name)));
        Discovery {
            prefix: prefix.to_string(),
            name,
            endpoint,
            bindings,
            targets: None,
            resource_path_pointers,
        }
    }

    /// `P/<name>`.
    pub fn capture_name(&self) -> String {
        format!("{}/{}", self.prefix, self.name)
    }
}

/// Why a discovery cannot become a catalog.
#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    #[error(transparent)]
    Name(#[from] NameError),
    #[error(
        "binding #{index} `{recommended_name}` has an empty collection key; Flow needs a key on every collection. \
         The connector layer should have supplied a fallback key such as `/_meta/row_id`: please report this"
    )]
    EmptyKey {
        index: usize,
        recommended_name: String,
    },
    #[error(
        "binding #{index} `{recommended_name}` has the key pointer {pointer:?}, which is not a JSON pointer \
         (it must look like `/id` or `/a/b`, with `~0` for `~` and `~1` for `/`)"
    )]
    BadKey {
        index: usize,
        recommended_name: String,
        pointer: String,
    },
    #[error(
        "the connector discovered {} that Flow would refuse, so nothing was written:{}\n\
         The connector's discovered schemas are at fault: report this to its maintainers.",
        if problems.len() == 1 { "a binding".to_string() } else { format!("{} bindings", problems.len()) },
        problems.iter().map(|p| format!("\n  - {p}")).collect::<String>()
    )]
    Refused { problems: Vec<BindingProblem> },
    #[error(
        "the connector discovered two bindings for the same resource `{resource}` (#{first} and #{second}); \
         each resource may be captured once"
    )]
    DuplicateResource {
        resource: String,
        first: usize,
        second: usize,
    },
    #[error(
        "{got} collection names were given for {expected} discovered bindings: give one per binding"
    )]
    TargetCount { expected: usize, got: usize },
    #[error(
        "the collection name `{target}` is chosen for more than one binding (names are compared ignoring case): \
         give each binding its own collection"
    )]
    DuplicateTarget { target: String },
}

/// A discovered binding Flow would refuse: which one, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("binding #{index} `{recommended_name}`: {problem}")]
pub struct BindingProblem {
    pub index: usize,
    pub recommended_name: String,
    pub problem: CollectionProblem,
}

/// One discovered binding, named and checked, ready to merge.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratedBinding {
    pub id: ResourceId,
    pub recommended_name: String,
    pub resource: Value,
    /// The full collection name.
    pub target: String,
    pub disable: bool,
    pub key: Vec<String>,
    pub is_fallback_key: bool,
    /// The discovered document schema (the `schema`, or `writeSchema` when `read_schema` is set).
    pub schema: Value,
    /// Set when the discovered schema asks for a separate read schema: its `x-initial-read-schema`,
    /// else Flow's inferred read schema when it has `x-infer-schema: true`.
    pub read_schema: Option<Value>,
}

/// A capture built from discovery, before merging with files on disk.
#[derive(Debug, Clone)]
pub struct Generated {
    pub prefix: String,
    pub name: String,
    /// `P/<name>`.
    pub capture_name: String,
    pub endpoint: Endpoint,
    pub bindings: Vec<GeneratedBinding>,
    pub resource_path_pointers: Vec<String>,
    /// Things the caller should print (fallback keys, renamed duplicates).
    pub warnings: Vec<String>,
}

/// Name and check discovered bindings. Fails on an empty or malformed key, a schema that is not JSON
/// Schema or lacks a key location ([`DiscoveryError::Refused`], listing every such binding), a
/// duplicate resource, or bad names; never writes anything. Linear in the number of bindings.
pub fn from_discovery(d: Discovery) -> Result<Generated, DiscoveryError> {
    naming::validate_name("prefix", &d.prefix)?;
    naming::validate_name("capture name", &d.name)?;
    let capture_name = d.capture_name();
    let mut warnings = Vec::new();

    let targets = match d.targets {
        Some(t) => {
            if t.len() != d.bindings.len() {
                return Err(DiscoveryError::TargetCount {
                    expected: d.bindings.len(),
                    got: t.len(),
                });
            }
            let mut seen = HashSet::with_capacity(t.len());
            for target in &t {
                naming::validate_name("collection name", target)?;
                if !seen.insert(target.to_lowercase()) {
                    return Err(DiscoveryError::DuplicateTarget {
                        target: target.clone(),
                    });
                }
            }
            t
        }
        None => {
            let targets = naming::default_targets(
                &d.prefix,
                d.bindings.iter().map(|b| b.recommended_name.as_str()),
            );
            let renamed: Vec<String> = d
                .bindings
                .iter()
                .zip(&targets)
                .filter(|(b, t)| {
                    naming::last_segment(t)
                        != naming::last_segment(&naming::normalize_name(&b.recommended_name))
                })
                .map(|(b, t)| format!("`{}` -> {t}", b.recommended_name))
                .collect();
            if !renamed.is_empty() {
                warnings.push(format!(
                    "some recommended names normalise to a name already taken, so their collections got a \
                     suffix: {}",
                    list_some(&renamed)
                ));
            }
            targets
        }
    };

    let mut refused = Vec::new();
    for (index, b) in d.bindings.iter().enumerate() {
        check_key(index, b)?;
        refused.extend(
            collection_problems(&b.document_schema, &b.key)
                .into_iter()
                .map(|problem| BindingProblem {
                    index,
                    recommended_name: b.recommended_name.clone(),
                    problem,
                }),
        );
    }
    if !refused.is_empty() {
        return Err(DiscoveryError::Refused { problems: refused });
    }

    let mut ids: HashMap<ResourceId, usize> = HashMap::with_capacity(d.bindings.len());
    let mut fallback = Vec::new();
    let mut bindings = Vec::with_capacity(d.bindings.len());
    for (index, (b, target)) in d.bindings.into_iter().zip(targets).enumerate() {
        let id = resource_id(&b.resource_config, &d.resource_path_pointers);
        if let Some(first) = ids.insert(id.clone(), index) {
            return Err(DiscoveryError::DuplicateResource {
                resource: id.to_string(),
                first,
                second: index,
            });
        }
        if b.is_fallback_key {
            fallback.push(format!("{target} ({})", b.key.join(", ")));
        }
        let read_schema = read_schema_for(&b.document_schema);
        bindings.push(GeneratedBinding {
            id,
            recommended_name: b.recommended_name,
            resource: b.resource_config,
            target,
            disable: b.disable,
            key: b.key,
            is_fallback_key: b.is_fallback_key,
            schema: b.document_schema,
            read_schema,
        });
    }
    if !fallback.is_empty() {
        warnings.push(format!(
            "these collections have no primary key from the source and use a fallback key instead: {}",
            list_some(&fallback)
        ));
    }

    Ok(Generated {
        prefix: d.prefix,
        name: d.name,
        capture_name,
        endpoint: d.endpoint,
        bindings,
        resource_path_pointers: d.resource_path_pointers,
        warnings,
    })
}

fn check_key(index: usize, b: &DiscoveredBinding) -> Result<(), DiscoveryError> {
    if b.key.is_empty() {
        return Err(DiscoveryError::EmptyKey {
            index,
            recommended_name: b.recommended_name.clone(),
        });
    }
    for ptr in &b.key {
        if !is_key_pointer(ptr) {
            return Err(DiscoveryError::BadKey {
                index,
                recommended_name: b.recommended_name.clone(),
                pointer: ptr.clone(),
            });
        }
    }
    Ok(())
}

/// A non-empty JSON pointer whose tokens are non-empty and whose `~` escapes are `~0` or `~1`
/// (Flow's `JsonPointer` pattern, excluding the document root).
pub fn is_key_pointer(ptr: &str) -> bool {
    let Some(rest) = ptr.strip_prefix('/') else {
        return false;
    };
    rest.split('/').all(|token| {
        !token.is_empty() && {
            let mut chars = token.chars();
            let mut ok = true;
            while let Some(c) = chars.next() {
                if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
                    ok = false;
                    break;
                }
            }
            ok
        }
    })
}

/// The read schema a discovered document schema asks for, if any (see [`GeneratedBinding::read_schema`]).
pub fn read_schema_for(schema: &Value) -> Option<Value> {
    if let Some(initial @ Value::Object(_)) = schema.get("x-initial-read-schema") {
        return Some(initial.clone());
    }
    if schema.get("x-infer-schema") == Some(&Value::Bool(true)) {
        return Some(inferred_read_schema());
    }
    None
}

/// `a, b, c and 7 more`.
pub(crate) fn list_some(items: &[String]) -> String {
    let shown = items
        .iter()
        .take(WARN_LIST_MAX)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > WARN_LIST_MAX {
        format!("{shown} and {} more", items.len() - WARN_LIST_MAX)
    } else {
        shown
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn binding(name: &str, key: &[&str]) -> DiscoveredBinding {
        DiscoveredBinding {
            recommended_name: name.into(),
            resource_config: json!({"stream": name}),
            document_schema: json!({"type": "object", "properties": {
                "id": {"type": "integer"},
                "_meta": {"type": "object", "properties": {"row_id": {"type": "integer"}}}
            }}),
            key: key.iter().map(|s| s.to_string()).collect(),
            disable: false,
            is_fallback_key: false,
            resource_path: vec![],
            read_modes: None,
        }
    }

    fn discovery(bindings: Vec<DiscoveredBinding>) -> Discovery {
        Discovery::for_image(
            "acmeCo",
            "ghcr.io/estuary/source-x:v1",
            bindings,
            vec!["/stream".into()],
        )
    }

    #[test]
    fn names_and_keys() {
        let mut b2 = binding("some greetings!", &["/_meta/row_id"]);
        b2.is_fallback_key = true;
        b2.document_schema = json!({"type": "object", "x-infer-schema": true,
            "properties": {"_meta": {"properties": {"row_id": {"type": "integer"}}}}});
        let g = from_discovery(discovery(vec![binding("orders", &["/id"]), b2])).unwrap();
        assert_eq!(g.capture_name, "acmeCo/source-x");
        assert_eq!(g.bindings[1].target, "acmeCo/some_greetings");
        assert_eq!(g.bindings[1].read_schema, Some(inferred_read_schema()));
        assert_eq!(g.bindings[0].read_schema, None);
        assert_eq!(g.warnings.len(), 1, "{:?}", g.warnings);
        assert!(g.warnings[0].contains("acmeCo/some_greetings (/_meta/row_id)"));
    }

    #[test]
    fn empty_key_names_the_binding() {
        let e = from_discovery(discovery(vec![
            binding("a", &["/id"]),
            binding("orders", &[]),
        ]))
        .unwrap_err();
        assert!(matches!(e, DiscoveryError::EmptyKey { index: 1, .. }));
        assert!(e.to_string().contains("`orders`"), "{e}");
        let e = from_discovery(discovery(vec![binding("a", &["id"])])).unwrap_err();
        assert!(matches!(e, DiscoveryError::BadKey { .. }), "{e}");
    }

    #[test]
    fn duplicates() {
        let e = from_discovery(discovery(vec![
            binding("a", &["/id"]),
            binding("a", &["/id"]),
        ]))
        .unwrap_err();
        assert!(
            matches!(
                e,
                DiscoveryError::DuplicateResource {
                    first: 0,
                    second: 1,
                    ..
                }
            ),
            "{e}"
        );

        let mut d = discovery(vec![binding("a", &["/id"]), binding("b", &["/id"])]);
        d.targets = Some(vec!["acmeCo/x".into(), "acmeCo/X".into()]);
        assert!(matches!(
            from_discovery(d).unwrap_err(),
            DiscoveryError::DuplicateTarget { .. }
        ));

        let mut b = binding("a b", &["/id"]);
        b.resource_config = json!({"stream": "other"});
        let g = from_discovery(discovery(vec![binding("a_b", &["/id"]), b])).unwrap();
        assert_eq!(g.bindings[1].target, "acmeCo/a_b_2");
        assert!(g.warnings[0].contains("acmeCo/a_b_2"), "{:?}", g.warnings);
    }

    #[test]
    fn keys_the_schema_lacks_and_invalid_schemas_are_refused() {
        let mut lacking = binding("orders", &["/order_id"]);
        lacking.resource_config = json!({"stream": "orders"});
        let mut invalid = binding("users", &["/id"]);
        invalid.document_schema = json!({"type": "object", "properties": {"id": {"type": 5}}});
        let e =
            from_discovery(discovery(vec![binding("a", &["/id"]), lacking, invalid])).unwrap_err();
        let DiscoveryError::Refused { problems } = &e else {
            panic!("{e:?}")
        };
        assert_eq!(problems.len(), 2, "{problems:?}");
        let text = e.to_string();
        assert!(text.contains("binding #1 `orders`"), "{text}");
        assert!(text.contains("`/order_id`"), "{text}");
        assert!(text.contains("binding #2 `users`"), "{text}");
        assert!(text.contains("not valid JSON Schema"), "{text}");
    }

    #[test]
    fn key_pointers() {
        for ok in ["/id", "/a/b", "/a~0b", "/a~1b", "/_meta/row_id"] {
            assert!(is_key_pointer(ok), "{ok}");
        }
        for bad in ["", "/", "id", "/a//b", "/a~", "/a~2"] {
            assert!(!is_key_pointer(bad), "{bad}");
        }
    }
}
