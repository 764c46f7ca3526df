//! Re-discovery: merging a freshly discovered capture into the catalog that already exists, keeping the
//! user's edits. Pure: no I/O (the caller loads the existing file and writes the result).
//!
//! The rules (close to Flow's control plane, except that vanished bindings are kept):
//! - Bindings are matched by resource identity (see `resource`). A matched binding is **kept exactly as
//!   it is in the file** (target, `disable`, `backfill`, resource edits, unknown fields).
//! - A discovered resource with no match is **added** at the end, in discovery order. In a capture the file
//!   already has it is added **disabled** unless the capture's `autoDiscover.addNewBindings` is true (as
//!   Flow's control plane does), so a binding the person deleted never comes back enabled; in a new capture
//!   it takes the discovered `disable`. If its collection name is already used in the file it gets a
//!   `_2`-style suffix. (The wizard enables one the person chose with [`crate::catalog::Choice::Accept`].)
//! - An existing binding that discovery no longer reports has **vanished**: it stays where it is,
//!   untouched, and is reported so the person can remove it.
//! - The collection of a kept or added binding keeps everything the user wrote (projections, journals,
//!   unknown fields, whether its schema is inline or in a file and which file) except:
//!   - its schema takes the newly discovered one: `schema`, or `writeSchema` when the collection has a
//!     `readSchema` or discovery asks for one (`x-infer-schema`, `x-initial-read-schema`); schema files are
//!     rewritten in place;
//!   - its key takes the discovered key, unless that key is a fallback key (`/_meta/row_id`) and the
//!     collection already has a key, which then stays (the user may have chosen a better one).
//! - The capture's endpoint takes the discovered image (or local command and env), keeping the config
//!   reference the file had. `interval`, `autoDiscover`, `shards` and everything else stay.
//! - Other captures, collections, materializations, tests and imports in the file are left alone.

use crate::catalog::discovery::{
    Generated, GeneratedBinding, flow_file_name, list_some, schema_file_name,
};
use crate::catalog::naming::{NameAllocator, last_segment};
use crate::catalog::resource::{ResourceId, resource_id};
use crate::catalog::types::{
    CaptureBinding, CaptureDef, Catalog, CollectionDef, ContentRef, Endpoint,
};
use indexmap::IndexMap;
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};
use std::fmt;

/// How many names per section the report prints before saying "and N more".
const REPORT_LIST_MAX: usize = 20;

/// A schema to write, at a path relative to the catalog's directory.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaFile {
    pub path: String,
    pub schema: Value,
}

/// The files a discovery produces: the catalog (written to `flow_file`) and the schema files it names.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogFiles {
    /// `<name>.flow.yaml`, relative to the catalog's directory.
    pub flow_file: String,
    pub catalog: Catalog,
    pub schemas: Vec<SchemaFile>,
}

/// One binding in a merge report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingChange {
    /// The resource, e.g. `public/orders`.
    pub resource: String,
    /// The collection it is captured into.
    pub target: String,
    pub disable: bool,
}

/// A collection whose key discovery changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyChange {
    pub collection: String,
    pub old: Vec<String>,
    pub new: Vec<String>,
}

/// What a merge did, for the person to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeReport {
    pub capture: String,
    pub added: Vec<BindingChange>,
    pub kept: Vec<BindingChange>,
    pub vanished: Vec<BindingChange>,
    pub rekeyed: Vec<KeyChange>,
    /// `(before, after)` when the endpoint's image or command changed.
    pub endpoint_changed: Option<(String, String)>,
}

impl MergeReport {
    /// `acmeCo/source-x: 3 added, 10 kept, 1 vanished`.
    pub fn summary(&self) -> String {
        format!(
            "{}: {} added, {} kept, {} vanished",
            self.capture,
            self.added.len(),
            self.kept.len(),
            self.vanished.len()
        )
    }
}

impl fmt::Display for MergeReport {
    /// The summary, then added and vanished bindings and other changes, a few lines each.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.summary())?;
        if let Some((old, new)) = &self.endpoint_changed {
            writeln!(f, "  endpoint: {old} -> {new}")?;
        }
        let section =
            |f: &mut fmt::Formatter<'_>, sign: &str, items: &[BindingChange]| -> fmt::Result {
                for b in items.iter().take(REPORT_LIST_MAX) {
                    let off = if b.disable { " (disabled)" } else { "" };
                    writeln!(f, "  {sign} {} -> {}{off}", b.resource, b.target)?;
                }
                if items.len() > REPORT_LIST_MAX {
                    writeln!(f, "  {sign} ... and {} more", items.len() - REPORT_LIST_MAX)?;
                }
                Ok(())
            };
        section(f, "+", &self.added)?;
        section(f, "-", &self.vanished)?;
        if !self.vanished.is_empty() {
            writeln!(
                f,
                "  vanished bindings are still in the catalog: remove them (and their collections) by hand \
                 if the resources are gone for good"
            )?;
        }
        for k in &self.rekeyed {
            writeln!(
                f,
                "  key of {}: [{}] -> [{}]",
                k.collection,
                k.old.join(", "),
                k.new.join(", ")
            )?;
        }
        Ok(())
    }
}

/// The merged catalog, what changed, and things to tell the person.
#[derive(Debug, Clone)]
pub struct Merged {
    pub files: CatalogFiles,
    pub report: MergeReport,
    pub warnings: Vec<String>,
}

/// The existing catalog cannot be merged into.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error(
        "the capture `{capture}` already has two bindings for the resource `{resource}` (bindings #{first} and \
         #{second}): remove one of them, then discover again"
    )]
    DuplicateExisting {
        capture: String,
        resource: String,
        first: usize,
        second: usize,
    },
}

impl Generated {
    /// The files for a first discovery (nothing exists yet).
    pub fn into_files(self) -> CatalogFiles {
        merge(None, self)
            .expect("a new catalog has no existing bindings to conflict with")
            .files
    }
}

/// Merge a discovered capture into `existing` (the current `<name>.flow.yaml`, or `None`). See the module
/// docs for the rules. Linear in the number of bindings and collections.
pub fn merge(existing: Option<Catalog>, generated: Generated) -> Result<Merged, MergeError> {
    merge_reserving(existing, generated, &[])
}

/// As [`merge`]; a collection that needs a new schema file never gets one of the `reserved` file
/// names (files in the catalog's directory that other catalogs own).
pub fn merge_reserving(
    existing: Option<Catalog>,
    generated: Generated,
    reserved: &[String],
) -> Result<Merged, MergeError> {
    let Generated {
        name,
        capture_name,
        endpoint,
        bindings: discovered,
        resource_path_pointers: pointers,
        mut warnings,
        ..
    } = generated;
    let mut catalog = existing.unwrap_or_default();
    let mut report = MergeReport {
        capture: capture_name.clone(),
        ..Default::default()
    };

    let mut targets = NameAllocator::new();
    for n in catalog.collections.keys() {
        targets.reserve(n);
    }
    for b in catalog.captures.values().flat_map(|c| &c.bindings) {
        targets.reserve(&b.target);
    }
    let mut placer = SchemaPlacer::new(&catalog.collections);
    for name in reserved {
        placer.reserve(name);
    }

    let Catalog {
        captures,
        collections,
        ..
    } = &mut catalog;
    let mut add_enabled = true;
    let capture = match captures.get_mut(&capture_name) {
        Some(cap) => {
            report.endpoint_changed = update_endpoint(&mut cap.endpoint, endpoint);
            add_enabled = adds_new_bindings(cap);
            cap
        }
        None => captures.entry(capture_name.clone()).or_insert(CaptureDef {
            endpoint,
            bindings: Vec::with_capacity(discovered.len()),
            interval: None,
            auto_discover: None,
            shards: None,
            extra: Map::new(),
        }),
    };

    let mut index: HashMap<ResourceId, usize> = HashMap::with_capacity(capture.bindings.len());
    for (i, b) in capture.bindings.iter().enumerate() {
        let id = resource_id(&b.resource, &pointers);
        if let Some(first) = index.insert(id.clone(), i) {
            return Err(MergeError::DuplicateExisting {
                capture: capture_name,
                resource: id.to_string(),
                first,
                second: i,
            });
        }
    }

    let mut matched = vec![false; capture.bindings.len()];
    let mut added = Vec::new();
    let mut missing_collections = Vec::new();
    let mut renamed = Vec::new();
    for g in discovered {
        let GeneratedBinding {
            id,
            resource,
            target: wanted,
            disable,
            key,
            is_fallback_key,
            schema,
            read_schema,
            ..
        } = g;
        let target = match index.get(&id) {
            Some(&i) => {
                matched[i] = true;
                let b = &capture.bindings[i];
                report.kept.push(change(&id, b));
                if !collections.contains_key(&b.target) {
                    missing_collections.push(b.target.clone());
                }
                b.target.clone()
            }
            None => {
                let target = targets.allocate(&wanted);
                if target != wanted {
                    renamed.push(format!("{wanted} -> {target}"));
                }
                let b = CaptureBinding {
                    resource,
                    target: target.clone(),
                    disable: disable || !add_enabled,
                    backfill: 0,
                    extra: Map::new(),
                };
                report.added.push(change(&id, &b));
                added.push(b);
                target
            }
        };
        let coll = collections
            .entry(target.clone())
            .or_insert_with(|| CollectionDef {
                key: Vec::new(),
                schema: None,
                write_schema: None,
                read_schema: None,
                extra: Map::new(),
            });
        if !coll.key.is_empty() && !key.is_empty() && coll.key != key && !is_fallback_key {
            report.rekeyed.push(KeyChange {
                collection: target.clone(),
                old: std::mem::take(&mut coll.key),
                new: key.clone(),
            });
        }
        if coll.key.is_empty() {
            coll.key = key;
        }
        set_schema(coll, &target, schema, read_schema, &mut placer);
    }

    for (i, b) in capture.bindings.iter().enumerate() {
        if !matched[i] {
            report
                .vanished
                .push(change(&resource_id(&b.resource, &pointers), b));
        }
    }
    capture.bindings.extend(added);

    if !missing_collections.is_empty() {
        warnings.push(format!(
            "kept bindings capture into collections not defined in {}, so catwalk added them (if they \
             are defined in another file, remove them here): {}",
            flow_file_name(&name),
            list_some(&missing_collections)
        ));
    }
    if !renamed.is_empty() {
        warnings.push(format!(
            "new bindings would capture into collections already used in {}, so their names got a \
             suffix: {}",
            flow_file_name(&name),
            list_some(&renamed)
        ));
    }

    Ok(Merged {
        files: CatalogFiles {
            flow_file: flow_file_name(&name),
            catalog,
            schemas: placer.out,
        },
        report,
        warnings,
    })
}

/// The capture's `autoDiscover.addNewBindings` is true: new bindings are added enabled.
pub(crate) fn adds_new_bindings(cap: &CaptureDef) -> bool {
    cap.auto_discover
        .as_ref()
        .and_then(|a| a.get("addNewBindings"))
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

fn change(id: &ResourceId, b: &CaptureBinding) -> BindingChange {
    BindingChange {
        resource: id.to_string(),
        target: b.target.clone(),
        disable: b.disable,
    }
}

/// Take the discovered image (or command and env) into `old`, keeping its config reference.
/// Returns `(before, after)` descriptions when something visible changed.
fn update_endpoint(old: &mut Endpoint, new: Endpoint) -> Option<(String, String)> {
    let before = old.describe();
    let other_kind = match (&mut *old, new) {
        (Endpoint::Connector(o), Endpoint::Connector(n)) => {
            o.image = n.image;
            None
        }
        (Endpoint::Local(o), Endpoint::Local(n)) => {
            o.command = n.command;
            o.env.extend(n.env);
            None
        }
        (_, n) => Some(n),
    };
    if let Some(mut n) = other_kind {
        if let (Some(config), Some(slot)) = (old.config().cloned(), n.config_mut()) {
            *slot = config;
        }
        *old = n;
    }
    let after = old.describe();
    (before != after).then_some((before, after))
}

/// Put the discovered schema into the collection (see the module docs).
fn set_schema(
    coll: &mut CollectionDef,
    target: &str,
    schema: Value,
    read_schema: Option<Value>,
    placer: &mut SchemaPlacer,
) {
    if coll.read_schema.is_some() {
        let slot = coll.write_schema.take().or(coll.schema.take());
        coll.write_schema = Some(placer.place(slot, target, schema));
    } else if let Some(read) = read_schema {
        let slot = coll.schema.take().or(coll.write_schema.take());
        coll.write_schema = Some(placer.place(slot, target, schema));
        coll.read_schema = Some(ContentRef::Inline(read));
    } else {
        let slot = coll.schema.take().or(coll.write_schema.take());
        coll.schema = Some(placer.place(slot, target, schema));
    }
}

/// Chooses where each collection's schema goes: inline stays inline, a file stays in its file, and a
/// collection without one gets `<last-segment>.schema.yaml` (suffixed `_2`... when taken).
struct SchemaPlacer {
    stems: NameAllocator,
    claimed: HashSet<String>,
    out: Vec<SchemaFile>,
}

impl SchemaPlacer {
    fn new(collections: &IndexMap<String, CollectionDef>) -> Self {
        let mut stems = NameAllocator::new();
        for c in collections.values() {
            for r in [&c.schema, &c.write_schema, &c.read_schema]
                .into_iter()
                .flatten()
            {
                if let Some(p) = r.path() {
                    stems.reserve(p.strip_suffix(".schema.yaml").unwrap_or(p));
                }
            }
        }
        SchemaPlacer {
            stems,
            claimed: HashSet::new(),
            out: Vec::new(),
        }
    }

    /// Keep `file` (a name in the catalog's directory) from being given to a new schema.
    fn reserve(&mut self, file: &str) {
        if let Some(stem) = file.strip_suffix(".schema.yaml") {
            self.stems.reserve(stem);
        }
    }

    fn place(&mut self, slot: Option<ContentRef>, target: &str, schema: Value) -> ContentRef {
        match slot {
            Some(ContentRef::Inline(_)) => return ContentRef::Inline(schema),
            Some(ContentRef::Path(p))
                if is_plain_relative(&p) && self.claimed.insert(p.to_lowercase()) =>
            {
                self.out.push(SchemaFile {
                    path: p.clone(),
                    schema,
                });
                return ContentRef::Path(p);
            }
            _ => {}
        }
        let path = schema_file_name(&self.stems.allocate(last_segment(target)));
        self.claimed.insert(path.to_lowercase());
        self.out.push(SchemaFile {
            path: path.clone(),
            schema,
        });
        ContentRef::Path(path)
    }
}

/// A path catwalk may rewrite: relative, no URL scheme, no `#fragment`.
fn is_plain_relative(p: &str) -> bool {
    !p.is_empty()
        && !p.contains("://")
        && !p.contains('#')
        && !std::path::Path::new(p).is_absolute()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::types::ContentRef;
    use serde_json::json;

    #[test]
    fn endpoint_kind_change_keeps_the_config_reference() {
        let mut old = Endpoint::image(
            "ghcr.io/x/source-a:v1",
            ContentRef::Path("mine.yaml".into()),
        );
        let new = Endpoint::local(
            vec!["./a".into()],
            Default::default(),
            ContentRef::Path("a.config.yaml".into()),
        );
        let changed = update_endpoint(&mut old, new);
        assert_eq!(
            changed,
            Some(("ghcr.io/x/source-a:v1".into(), "./a".into()))
        );
        assert_eq!(old.config(), Some(&ContentRef::Path("mine.yaml".into())));
        assert!(matches!(old, Endpoint::Local(_)));
    }

    #[test]
    fn schemas_stay_where_the_user_put_them() {
        let mut collections = IndexMap::new();
        let coll = |schema: ContentRef| CollectionDef {
            key: vec!["/id".into()],
            schema: Some(schema),
            write_schema: None,
            read_schema: None,
            extra: Map::new(),
        };
        collections.insert("p/a".to_string(), coll(ContentRef::Inline(json!({}))));
        collections.insert(
            "p/b".to_string(),
            coll(ContentRef::Path("sub/b.yaml".into())),
        );
        collections.insert(
            "p/c".to_string(),
            coll(ContentRef::Path("https://x/c.yaml".into())),
        );
        collections.insert(
            "p/d".to_string(),
            coll(ContentRef::Path("c.schema.yaml".into())),
        );
        let mut placer = SchemaPlacer::new(&collections);
        let new = json!({"type": "object"});
        for (name, c) in collections.iter_mut() {
            set_schema(c, name, new.clone(), None, &mut placer);
        }
        let got: Vec<_> = collections
            .values()
            .map(|c| c.schema.clone().unwrap())
            .collect();
        assert_eq!(
            got,
            [
                ContentRef::Inline(new.clone()),
                ContentRef::Path("sub/b.yaml".into()),
                // A URL is not rewritten: the schema moves to a file of its own, clear of `d`'s file.
                ContentRef::Path("c_2.schema.yaml".into()),
                ContentRef::Path("c.schema.yaml".into()),
            ]
        );
        let written: Vec<&str> = placer.out.iter().map(|s| s.path.as_str()).collect();
        assert_eq!(written, ["sub/b.yaml", "c_2.schema.yaml", "c.schema.yaml"]);
    }
}
