//! The reviewed diff of a re-discovery: what [`crate::catalog::merge`] would change in an existing
//! catalog, binding by binding (added, vanished, changed with each collection's schema changes, marked
//! breaking as Airbyte's and Estuary's UIs do), and the person's choice per binding applied to the merge
//! before anything is written. Pure: the caller passes the old schemas it read from their files.
//!
//! Breaking (the change can stop downstream readers or materializations): the key changed; a field that
//! is in the key, required, or not nullable was removed; a field's type changed other than by widening
//! (new types a superset of the old, e.g. `integer` -> `[integer, null]`). An added field, a widened type
//! or a removed nullable field is not breaking.

use crate::catalog::discovery::Generated;
use crate::catalog::merge::{BindingChange, Merged};
use crate::catalog::resource::resource_id;
use crate::catalog::types::{Catalog, CollectionDef, ContentRef};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

/// One change to a collection's schema or key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaChange {
    /// A field (JSON pointer) that is new, with its types (e.g. `string`, `null`).
    FieldAdded {
        field: String,
        types: Vec<String>,
    },
    FieldRemoved {
        field: String,
        breaking: bool,
    },
    TypeChanged {
        field: String,
        old: Vec<String>,
        new: Vec<String>,
        breaking: bool,
    },
    KeyChanged {
        old: Vec<String>,
        new: Vec<String>,
    },
}

impl SchemaChange {
    pub fn is_breaking(&self) -> bool {
        match self {
            SchemaChange::FieldAdded { .. } => false,
            SchemaChange::FieldRemoved { breaking, .. }
            | SchemaChange::TypeChanged { breaking, .. } => *breaking,
            SchemaChange::KeyChanged { .. } => true,
        }
    }
}

impl fmt::Display for SchemaChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mark = if self.is_breaking() {
            " (breaking)"
        } else {
            ""
        };
        match self {
            SchemaChange::FieldAdded { field, types } => {
                write!(f, "field {field} added: {}{mark}", types.join("|"))
            }
            SchemaChange::FieldRemoved { field, .. } => write!(f, "field {field} removed{mark}"),
            SchemaChange::TypeChanged {
                field, old, new, ..
            } => write!(
                f,
                "field {field} type changed: {} -> {}{mark}",
                old.join("|"),
                new.join("|")
            ),
            SchemaChange::KeyChanged { old, new } => {
                write!(
                    f,
                    "key changed: [{}] -> [{}]{mark}",
                    old.join(", "),
                    new.join(", ")
                )
            }
        }
    }
}

/// A kept binding whose collection changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedBinding {
    /// The resource path, e.g. `public/orders`.
    pub resource: String,
    pub collection: String,
    pub changes: Vec<SchemaChange>,
    pub breaking: bool,
}

/// What a re-discovery changes, for review before anything is written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diff {
    pub capture: String,
    /// New bindings (in an existing capture: disabled unless `autoDiscover.addNewBindings`).
    pub added: Vec<BindingChange>,
    /// Bindings discovery no longer reports (kept in the catalog unless chosen [`Choice::Remove`]).
    pub vanished: Vec<BindingChange>,
    pub changed: Vec<ChangedBinding>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.vanished.is_empty() && self.changed.is_empty()
    }

    pub fn breaking(&self) -> usize {
        self.changed.iter().filter(|c| c.breaking).count()
    }
}

impl fmt::Display for Diff {
    /// `+ public/t -> acmeCo/t (disabled)`, `- ...`, `~ ... (breaking)` and the schema changes beneath.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: {} added, {} vanished, {} changed ({} breaking)",
            self.capture,
            self.added.len(),
            self.vanished.len(),
            self.changed.len(),
            self.breaking()
        )?;
        for b in &self.added {
            let off = if b.disable { " (disabled)" } else { "" };
            writeln!(f, "  + {} -> {}{off}", b.resource, b.target)?;
        }
        for b in &self.vanished {
            writeln!(
                f,
                "  - {} -> {} (vanished: still in the catalog)",
                b.resource, b.target
            )?;
        }
        for c in &self.changed {
            let mark = if c.breaking { " (breaking)" } else { "" };
            writeln!(f, "  ~ {} -> {}{mark}", c.resource, c.collection)?;
            for s in &c.changes {
                writeln!(f, "      {s}")?;
            }
        }
        Ok(())
    }
}

/// What to do with one binding of the diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Choice {
    /// Take the discovered change (an added binding: add it enabled, as discovered).
    #[default]
    Accept,
    /// Keep the collection's old key and schema (an added binding: do not add it).
    KeepOld,
    /// Take the change and disable the binding.
    Disable,
    /// Take the change and re-capture the resource from the start (`backfill` + 1).
    Backfill,
    /// Remove the binding (a vanished one); its collection goes too when no other binding uses it.
    Remove,
    /// Take the change and enable a binding the catalog has disabled.
    Enable,
}

/// The diff between the catalog before (`old`, with `old_schemas`: each collection's write schema,
/// resolved from its file by the caller) and the merge.
pub fn diff(
    old: &Catalog,
    old_schemas: &HashMap<String, Value>,
    merged: &Merged,
    generated_pointers: &[String],
) -> Diff {
    let capture = merged.report.capture.clone();
    let mut out = Diff {
        capture: capture.clone(),
        added: merged.report.added.clone(),
        vanished: merged.report.vanished.clone(),
        changed: Vec::new(),
    };
    let new_schemas = new_write_schemas(merged);
    let Some(cap) = merged.files.catalog.captures.get(&capture) else {
        return out;
    };
    for b in &cap.bindings {
        let Some(before) = old.collections.get(&b.target) else {
            continue;
        };
        let (Some(after), Some(old_schema)) = (
            merged.files.catalog.collections.get(&b.target),
            old_schemas.get(&b.target),
        ) else {
            continue;
        };
        let Some(new_schema) = new_schemas.get(&b.target) else {
            continue;
        };
        let changes = schema_changes(old_schema, new_schema, &before.key, &after.key);
        if changes.is_empty() {
            continue;
        }
        out.changed.push(ChangedBinding {
            resource: resource_id(&b.resource, generated_pointers).to_string(),
            collection: b.target.clone(),
            breaking: changes.iter().any(SchemaChange::is_breaking),
            changes,
        });
    }
    out
}

/// Each merged collection's write schema (inline, or from the schema files the merge writes).
fn new_write_schemas(merged: &Merged) -> HashMap<String, Value> {
    let files: HashMap<&str, &Value> = merged
        .files
        .schemas
        .iter()
        .map(|s| (s.path.as_str(), &s.schema))
        .collect();
    merged
        .files
        .catalog
        .collections
        .iter()
        .filter_map(|(name, c)| {
            let v = match c.write_schema_ref()? {
                ContentRef::Inline(v) => v.clone(),
                ContentRef::Path(p) => (*files.get(p.as_str())?).clone(),
            };
            Some((name.clone(), v))
        })
        .collect()
}

/// The changes from `old` to `new` (JSON schemas of documents) and from key `old_key` to `new_key`.
pub fn schema_changes(
    old: &Value,
    new: &Value,
    old_key: &[String],
    new_key: &[String],
) -> Vec<SchemaChange> {
    let mut out = Vec::new();
    if old_key != new_key && !new_key.is_empty() {
        out.push(SchemaChange::KeyChanged {
            old: old_key.to_vec(),
            new: new_key.to_vec(),
        });
    }
    let (before, after) = (fields(old), fields(new));
    for (ptr, f) in &before {
        match after.get(ptr) {
            None => {
                let in_key = old_key.iter().chain(new_key).any(|k| k == ptr);
                let nullable = f.types.is_empty() || f.types.contains("null");
                out.push(SchemaChange::FieldRemoved {
                    field: ptr.clone(),
                    breaking: in_key || f.required || !nullable,
                });
            }
            Some(g) if g.types != f.types => out.push(SchemaChange::TypeChanged {
                field: ptr.clone(),
                old: f.types.iter().cloned().collect(),
                new: g.types.iter().cloned().collect(),
                // Widening (new ⊇ old, or no type constraint at all) is not breaking.
                breaking: !g.types.is_empty() && !g.types.is_superset(&f.types),
            }),
            Some(_) => {}
        }
    }
    for (ptr, g) in &after {
        if !before.contains_key(ptr) {
            out.push(SchemaChange::FieldAdded {
                field: ptr.clone(),
                types: g.types.iter().cloned().collect(),
            });
        }
    }
    out
}

struct Field {
    /// `integer`, `null`, `string(date-time)`...; empty: any.
    types: BTreeSet<String>,
    required: bool,
}

/// Every property of the schema (nested objects too), by JSON pointer.
fn fields(schema: &Value) -> BTreeMap<String, Field> {
    let mut out = BTreeMap::new();
    collect(schema, "", &mut out);
    out
}

fn collect(schema: &Value, prefix: &str, out: &mut BTreeMap<String, Field>) {
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    let required: BTreeSet<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for (name, sub) in props {
        let ptr = format!("{prefix}/{}", name.replace('~', "~0").replace('/', "~1"));
        out.insert(
            ptr.clone(),
            Field {
                types: types_of(sub),
                required: required.contains(name.as_str()),
            },
        );
        collect(sub, &ptr, out);
    }
}

fn types_of(schema: &Value) -> BTreeSet<String> {
    let format = schema.get("format").and_then(Value::as_str);
    let label = |t: &str| match (t, format) {
        ("string", Some(f)) => format!("string({f})"),
        _ => t.to_string(),
    };
    match schema.get("type") {
        Some(Value::String(t)) => [label(t)].into(),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).map(label).collect(),
        _ => ["anyOf", "oneOf"]
            .iter()
            .filter_map(|k| schema.get(k).and_then(Value::as_array))
            .flatten()
            .flat_map(types_of)
            .collect(),
    }
}

/// Apply the person's choices (by resource path; a binding without one is [`Choice::Accept`]ed) to the
/// merge. `old` is the catalog before the merge. Returns the collections removed (no binding left uses
/// them) and messages for the person.
pub fn apply_choices(
    merged: &mut Merged,
    old: &Catalog,
    generated: &Generated,
    choices: &HashMap<String, Choice>,
) -> Vec<String> {
    let capture = merged.report.capture.clone();
    let pointers = &generated.resource_path_pointers;
    let mut notes = Vec::new();
    let discovered: HashMap<String, bool> = generated
        .bindings
        .iter()
        .map(|g| (g.id.to_string(), g.disable))
        .collect();
    let catalog = &mut merged.files.catalog;
    let Some(cap) = catalog.captures.get_mut(&capture) else {
        return notes;
    };
    let added: BTreeSet<&str> = merged
        .report
        .added
        .iter()
        .map(|b| b.resource.as_str())
        .collect();
    let mut dropped_targets = Vec::new();
    let mut kept_old = Vec::new();
    cap.bindings.retain_mut(|b| {
        let id = resource_id(&b.resource, pointers).to_string();
        let Some(choice) = choices.get(&id) else {
            return true;
        };
        let is_added = added.contains(id.as_str());
        match choice {
            Choice::Accept if is_added => {
                b.disable = discovered.get(&id).copied().unwrap_or(false);
            }
            Choice::Accept => {}
            Choice::KeepOld if is_added => {
                dropped_targets.push(b.target.clone());
                return false;
            }
            Choice::KeepOld => kept_old.push(b.target.clone()),
            Choice::Disable => b.disable = true,
            Choice::Enable => b.disable = false,
            Choice::Backfill => b.backfill += 1,
            Choice::Remove => {
                notes.push(format!("removed the binding {id} -> {}", b.target));
                dropped_targets.push(b.target.clone());
                return false;
            }
        }
        true
    });
    // Collections no binding of this catalog uses any more go (their schema files are the caller's).
    let used: BTreeSet<String> = catalog
        .captures
        .values()
        .flat_map(|c| c.bindings.iter().map(|b| b.target.clone()))
        .chain(
            catalog
                .materializations
                .values()
                .flat_map(|m| m.bindings.iter())
                .filter_map(|b| b.source_collection().map(str::to_string)),
        )
        .collect();
    for t in dropped_targets {
        if used.contains(&t) {
            notes.push(format!("kept the collection {t}: another binding uses it"));
            continue;
        }
        if catalog.collections.shift_remove(&t).is_some() && old.collections.contains_key(&t) {
            notes.push(format!(
                "removed the collection {t}: no binding uses it any more"
            ));
        }
    }
    for t in kept_old {
        if let (Some(before), Some(now)) =
            (old.collections.get(&t), catalog.collections.get_mut(&t))
        {
            restore(now, before);
        }
    }
    // Schema files of collections that are gone or kept as they were are not rewritten.
    let wanted: BTreeSet<String> = catalog
        .collections
        .iter()
        .filter(|(name, _)| {
            !choices.iter().any(|(id, c)| {
                *c == Choice::KeepOld
                    && cap_target(&catalog.captures, &capture, id, pointers).as_deref()
                        == Some(name.as_str())
            })
        })
        .flat_map(|(_, c)| schema_paths(c))
        .collect();
    merged.files.schemas.retain(|s| wanted.contains(&s.path));
    notes
}

/// Rename the collections of kept bindings (by resource path) as the person chose: the binding's target
/// and the collection's definition (same place, same schema files) take the new name. A new name another
/// collection has, or an old one a materialization of the catalog reads, is not renamed (a note says
/// so). Returns notes for the person.
pub fn apply_renames(
    merged: &mut Merged,
    generated: &Generated,
    renames: &HashMap<String, String>,
) -> Vec<String> {
    let mut notes = Vec::new();
    let capture = merged.report.capture.clone();
    let catalog = &mut merged.files.catalog;
    let read_by_materialization = |c: &Catalog, name: &str| {
        c.materializations
            .values()
            .flat_map(|m| &m.bindings)
            .any(|b| b.source_collection() == Some(name))
    };
    let Some(bindings) = catalog.captures.get(&capture).map(|c| c.bindings.clone()) else {
        return notes;
    };
    for (i, b) in bindings.iter().enumerate() {
        let id = resource_id(&b.resource, &generated.resource_path_pointers).to_string();
        let Some(new) = renames.get(&id).filter(|n| **n != b.target) else {
            continue;
        };
        let old = b.target.clone();
        if catalog.collections.contains_key(new) {
            notes.push(format!("kept {old}: the collection {new} exists already"));
            continue;
        }
        if read_by_materialization(catalog, &old) {
            notes.push(format!(
                "kept {old}: a materialization of this catalog reads it"
            ));
            continue;
        }
        if let Some(at) = catalog.collections.get_index_of(&old)
            && let Some(def) = catalog.collections.shift_remove(&old)
        {
            catalog.collections.shift_insert(at, new.clone(), def);
        }
        if let Some(cap) = catalog.captures.get_mut(&capture) {
            cap.bindings[i].target = new.clone();
        }
        notes.push(format!(
            "renamed the collection {old} to {new}: Flow captures {id} into the new collection from the \
             start (the old one keeps its data)"
        ));
    }
    notes
}

fn cap_target(
    captures: &indexmap::IndexMap<String, crate::catalog::types::CaptureDef>,
    capture: &str,
    id: &str,
    pointers: &[String],
) -> Option<String> {
    captures.get(capture)?.bindings.iter().find_map(|b| {
        (resource_id(&b.resource, pointers).to_string() == id).then(|| b.target.clone())
    })
}

fn schema_paths(c: &CollectionDef) -> Vec<String> {
    [&c.schema, &c.write_schema, &c.read_schema]
        .into_iter()
        .flatten()
        .filter_map(|r| r.path().map(str::to_string))
        .collect()
}

/// Put back the collection's key and schema references as they were.
fn restore(now: &mut CollectionDef, before: &CollectionDef) {
    now.key = before.key.clone();
    now.schema = before.schema.clone();
    now.write_schema = before.write_schema.clone();
    now.read_schema = before.read_schema.clone();
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(props: Value, required: &[&str]) -> Value {
        json!({"type": "object", "properties": props, "required": required})
    }

    #[test]
    fn breaking_as_the_uis_class_it() {
        let key = vec!["/id".to_string()];
        let old = obj(
            json!({"id": {"type": "integer"}, "a": {"type": ["string", "null"]}, "b": {"type": "integer"},
                   "c": {"type": "integer"}, "d": {"type": "string"}}),
            &["id"],
        );
        let new = obj(
            json!({"id": {"type": "integer"}, "b": {"type": ["integer", "null"]}, "c": {"type": "string"},
                   "d": {"type": "string"}, "e": {"type": ["string", "null"]}}),
            &["id"],
        );
        let changes = schema_changes(&old, &new, &key, &key);
        let shown: Vec<String> = changes.iter().map(|c| c.to_string()).collect();
        assert_eq!(
            shown,
            [
                "field /a removed",
                "field /b type changed: integer -> integer|null",
                "field /c type changed: integer -> string (breaking)",
                "field /e added: null|string",
            ]
        );
        let dropped = obj(json!({"id": {"type": "integer"}}), &["id"]);
        let c = schema_changes(&new, &dropped, &key, &key);
        assert!(
            c.iter()
                .any(|c| c.to_string() == "field /c removed (breaking)"),
            "{c:?}"
        );
        let rekeyed = schema_changes(&old, &old, &key, &["/a".to_string()]);
        assert!(rekeyed[0].is_breaking());
    }
}
