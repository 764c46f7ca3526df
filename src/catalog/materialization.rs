//! Materializations in a catalog, pure (no I/O): a binding's resource config prefilled from the connector's
//! resource schema as Estuary's UI does it, a binding's field choices (`fields`), and the materialization task
//! built from chosen bindings and merged into the one a file already holds. Shared by `catwalk discover`
//! (`ops::materialize`) and the wizard; planning the files is `materialization_files`.
//!
//! Resource names: the property marked `x-collection-name` gets the collection name's last segment as it is
//! (`acmeCo/public/orders` -> `orders`), and `x-schema-name` the segment before it (`public`) when asked for,
//! which is what Estuary's control plane writes (targetNaming `withSchema`). Flow's name characters
//! (letters, digits, `-`, `_`, `.`) are all names a destination accepts: Estuary's connectors quote (and,
//! where the endpoint needs it, fold) identifiers themselves, so nothing is rewritten here.

use crate::catalog::naming::last_segment;
use crate::catalog::resource::canonical_json;
use crate::catalog::types::{Catalog, Endpoint, MaterializationBinding, MaterializationDef};
use crate::schema::{self, Field, Form, Kind};
use serde_json::{Map, Value, json};

/// How a binding's resource is named.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResourceOptions {
    /// Fill the `x-schema-name` property with the collection name's second-to-last segment.
    pub with_schema: bool,
    /// The value of the `x-delta-updates` property.
    pub delta_updates: bool,
}

/// Config pointers of the resource schema's annotated properties.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourcePointers {
    /// `x-collection-name`: the table (index, path, topic...) the collection goes to.
    pub collection_name: Option<String>,
    /// `x-schema-name`: the schema (namespace) of that table.
    pub schema_name: Option<String>,
    /// `x-delta-updates`: whether the binding uses delta updates.
    pub delta_updates: Option<String>,
}

/// Where the resource schema marks the collection name, schema name and delta updates (top-level
/// properties, or nested objects, `$ref`/`allOf` followed). An unusable schema has none.
pub fn resource_pointers(resource_schema: &Value) -> ResourcePointers {
    let mut out = ResourcePointers::default();
    if let Ok(form) = Form::build(resource_schema) {
        find_annotated(form.root(), "", &mut out, 0);
    }
    out
}

fn find_annotated(field: &Field, at: &str, out: &mut ResourcePointers, depth: usize) {
    let Kind::Object(object) = &field.kind else {
        return;
    };
    if depth > 4 {
        return;
    }
    for f in &object.fields {
        let pointer = schema::pointer::join(at, &f.key);
        let marked = |name: &str| f.extensions.get(name).is_some_and(is_truthy);
        let slots = [
            ("x-collection-name", &mut out.collection_name),
            ("x-schema-name", &mut out.schema_name),
            ("x-delta-updates", &mut out.delta_updates),
        ];
        for (name, slot) in slots {
            if marked(name) && slot.is_none() {
                *slot = Some(pointer.clone());
            }
        }
        find_annotated(f, &pointer, out, depth + 1);
    }
}

fn is_truthy(v: &Value) -> bool {
    !matches!(v, Value::Null | Value::Bool(false))
}

/// The table name of a collection: its last segment (`acmeCo/public/orders` -> `orders`).
pub fn table_name(collection: &str) -> &str {
    last_segment(collection)
}

/// The schema name of a collection: the segment before its last (`acmeCo/public/orders` -> `public`,
/// `acmeCo/orders` -> `acmeCo`); `None` for a name of one segment.
pub fn schema_name(collection: &str) -> Option<&str> {
    let mut parts = collection.rsplit('/');
    parts.next()?;
    parts.next()
}

/// The resource config of a new binding of `collection`: the `x-collection-name` property gets
/// [`table_name`], the `x-schema-name` property [`schema_name`] when `opts.with_schema`, the
/// `x-delta-updates` property `opts.delta_updates`; then every schema default is written in
/// ([`schema::with_defaults`]). Required properties without a default stay absent (the connector's
/// validate, or the person, supplies them).
pub fn resource_for(collection: &str, resource_schema: &Value, opts: &ResourceOptions) -> Value {
    let pointers = resource_pointers(resource_schema);
    let mut resource = json!({});
    let mut put = |pointer: &Option<String>, value: Value| {
        let Some(tokens) = pointer.as_deref().and_then(schema::pointer::split) else {
            return;
        };
        if let Ok(slot) = schema::pointer::create(&mut resource, &tokens) {
            *slot = value;
        }
    };
    put(&pointers.collection_name, json!(table_name(collection)));
    if opts.with_schema
        && let Some(s) = schema_name(collection)
    {
        put(&pointers.schema_name, json!(s));
    }
    put(&pointers.delta_updates, json!(opts.delta_updates));
    schema::with_defaults(resource_schema, &resource)
}

/// `fields.recommended`: how deep recommended fields are selected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recommended {
    /// `true`: any depth; `false`: none (only what the connector or the person requires).
    Bool(bool),
    /// `0`: none, `1`: top-level fields, `N`: N levels.
    Depth(u32),
}

impl Recommended {
    /// The depth as a number: `true` is unbounded (`u32::MAX`), `false` is 0.
    pub fn depth(self) -> u32 {
        match self {
            Recommended::Bool(true) => u32::MAX,
            Recommended::Bool(false) => 0,
            Recommended::Depth(d) => d,
        }
    }

    fn to_value(self) -> Value {
        match self {
            Recommended::Bool(b) => json!(b),
            Recommended::Depth(d) => json!(d),
        }
    }
}

/// A binding's `fields`: what the person chose of the field selection.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChoices {
    pub recommended: Recommended,
    /// Fields to select whatever the connector recommends, with their field config (`{}` for none).
    pub require: Map<String, Value>,
    /// Fields never to select.
    pub exclude: Vec<String>,
    /// The grouping key's fields; empty: the collection key.
    pub group_by: Vec<String>,
}

impl Default for FieldChoices {
    /// Flow's default when a binding has no `fields`: `{recommended: true}`.
    fn default() -> Self {
        FieldChoices {
            recommended: Recommended::Bool(true),
            require: Map::new(),
            exclude: Vec::new(),
            group_by: Vec::new(),
        }
    }
}

impl FieldChoices {
    /// What a new binding gets: `{recommended: 1}`, as Estuary's UI writes.
    pub fn new_binding() -> Self {
        FieldChoices {
            recommended: Recommended::Depth(1),
            ..FieldChoices::default()
        }
    }

    /// Read a binding's `fields` as written (`None`: Flow's default). `require`'s old name `include`
    /// is read too. Parts of the wrong type are an error naming them.
    pub fn from_value(fields: Option<&Value>) -> Result<Self, String> {
        let mut out = FieldChoices::default();
        let Some(fields) = fields.filter(|f| !f.is_null()) else {
            return Ok(out);
        };
        let obj = fields
            .as_object()
            .ok_or_else(|| format!("`fields` must be an object, found {fields}"))?;
        match obj.get("recommended") {
            None | Some(Value::Null) => {}
            Some(Value::Bool(b)) => out.recommended = Recommended::Bool(*b),
            Some(Value::Number(n)) if n.as_u64().is_some_and(|n| n <= u64::from(u32::MAX)) => {
                out.recommended = Recommended::Depth(n.as_u64().unwrap_or(0) as u32)
            }
            Some(other) => {
                return Err(format!(
                    "`fields.recommended` must be true, false or a depth (0, 1, 2...), found {other}"
                ));
            }
        }
        match obj.get("require").or_else(|| obj.get("include")) {
            None | Some(Value::Null) => {}
            Some(Value::Object(m)) => out.require = m.clone(),
            Some(other) => {
                return Err(format!(
                    "`fields.require` must map field names to their config, found {other}"
                ));
            }
        }
        out.exclude = string_list(obj.get("exclude"), "exclude")?;
        out.group_by = string_list(obj.get("groupBy"), "groupBy")?;
        Ok(out)
    }

    /// As written in a catalog: `{recommended, require?, exclude?, groupBy?}`.
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("recommended".into(), self.recommended.to_value());
        if !self.require.is_empty() {
            m.insert("require".into(), Value::Object(self.require.clone()));
        }
        if !self.exclude.is_empty() {
            m.insert("exclude".into(), json!(self.exclude));
        }
        if !self.group_by.is_empty() {
            m.insert("groupBy".into(), json!(self.group_by));
        }
        Value::Object(m)
    }
}

fn string_list(v: Option<&Value>, what: &str) -> Result<Vec<String>, String> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("`fields.{what}` must list field names, found {i}"))
            })
            .collect(),
        Some(other) => Err(format!(
            "`fields.{what}` must be a list of field names, found {other}"
        )),
    }
}

/// One binding to write: a collection, the resource it goes to, the field choices.
#[derive(Debug, Clone, PartialEq)]
pub struct NewBinding {
    /// The source collection's full name.
    pub collection: String,
    pub resource: Value,
    pub fields: FieldChoices,
    /// Written `disable: true` (the connector rejected it, and the person chose to keep it disabled).
    pub disable: bool,
}

impl NewBinding {
    /// The catalog binding: `{resource, source, fields, disable?}`.
    pub fn to_binding(&self) -> MaterializationBinding {
        MaterializationBinding {
            resource: self.resource.clone(),
            source: Value::String(self.collection.clone()),
            fields: Some(self.fields.to_value()),
            disable: self.disable,
            backfill: 0,
            extra: Map::new(),
        }
    }
}

/// A materialization to write: its full name, endpoint, the catalogs defining its collections, bindings.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMaterialization {
    /// `P/<name>`.
    pub name: String,
    pub endpoint: Endpoint,
    /// Catalog files to import (paths relative to the file written), defining the source collections.
    pub imports: Vec<String>,
    pub bindings: Vec<NewBinding>,
    /// The person edited the task a file holds (`catwalk edit`): the file's bindings take these bindings'
    /// resource, fields and `disable`, and the file's bindings left out are removed. Otherwise the file's
    /// bindings are kept verbatim and only new collections are added.
    pub edit: bool,
}

impl NewMaterialization {
    /// The task as written: endpoint then bindings.
    pub fn to_def(&self) -> MaterializationDef {
        MaterializationDef {
            source: None,
            endpoint: self.endpoint.clone(),
            bindings: self.bindings.iter().map(NewBinding::to_binding).collect(),
            extra: Map::new(),
        }
    }

    /// A catalog file holding only this materialization and its imports.
    pub fn to_catalog(&self) -> Catalog {
        let mut catalog = Catalog {
            import: self.imports.clone(),
            ..Catalog::default()
        };
        catalog
            .materializations
            .insert(self.name.clone(), self.to_def());
        catalog
    }
}

/// What merging into an existing file kept and added.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MaterializationMerge {
    pub catalog: Catalog,
    /// Collections of bindings added.
    pub added: Vec<String>,
    /// Collections whose binding the file already had: kept as written there (resource, fields, disable).
    pub kept: Vec<String>,
    /// Bindings of the file whose collection is not among the sources now: kept too, reported.
    pub not_in_sources: Vec<String>,
    /// An edit: collections whose binding the person changed (resource, fields or `disable`).
    pub changed: Vec<String>,
    /// An edit: collections whose binding the person removed.
    pub removed: Vec<String>,
    /// Things to tell the person.
    pub warnings: Vec<String>,
}

/// Merge `new` into the catalog a file holds (`None`: a new file). Everything else in the file stays; the
/// materialization's bindings are matched by source collection: the file's are kept verbatim (hand edits to
/// resources, fields, `disable`), new collections are appended; imports are added where missing. An
/// endpoint of another image or command replaces the file's, keeping the file's config reference.
pub fn merge_materialization(
    old: Option<Catalog>,
    new: &NewMaterialization,
) -> MaterializationMerge {
    let Some(mut catalog) = old else {
        return MaterializationMerge {
            catalog: new.to_catalog(),
            added: new.bindings.iter().map(|b| b.collection.clone()).collect(),
            ..MaterializationMerge::default()
        };
    };
    let mut out = MaterializationMerge::default();
    for import in &new.imports {
        if !catalog.import.contains(import) {
            catalog.import.push(import.clone());
        }
    }
    match catalog.materializations.get_mut(&new.name) {
        None => {
            out.added = new.bindings.iter().map(|b| b.collection.clone()).collect();
            catalog
                .materializations
                .insert(new.name.clone(), new.to_def());
        }
        Some(def) => {
            if def.endpoint.describe() != new.endpoint.describe() {
                let config = def.endpoint.config().cloned();
                let mut endpoint = new.endpoint.clone();
                if let (Some(c), Some(slot)) = (config, endpoint.config_mut()) {
                    *slot = c;
                }
                out.warnings.push(format!(
                    "the endpoint of {} changes from {} to {}",
                    new.name,
                    def.endpoint.describe(),
                    endpoint.describe()
                ));
                def.endpoint = endpoint;
            }
            if new.edit {
                edit_bindings(&mut def.bindings, &new.bindings, &mut out);
            } else {
                let wanted: Vec<&str> =
                    new.bindings.iter().map(|b| b.collection.as_str()).collect();
                for b in &def.bindings {
                    let name = b.source_collection().unwrap_or_default().to_string();
                    if wanted.contains(&name.as_str()) {
                        out.kept.push(name);
                    } else {
                        out.not_in_sources.push(name);
                    }
                }
            }
            for b in &new.bindings {
                if !out.kept.contains(&b.collection) && !out.changed.contains(&b.collection) {
                    out.added.push(b.collection.clone());
                    def.bindings.push(b.to_binding());
                }
            }
            if !out.not_in_sources.is_empty() {
                out.warnings.push(format!(
                    "{} keeps bindings of collections the source catalogs do not define: {} (remove them by \
                     hand if they are gone)",
                    new.name,
                    out.not_in_sources.join(", ")
                ));
            }
        }
    }
    out.catalog = catalog;
    out
}

/// An edit's bindings over the file's: each file binding the edit keeps takes its resource, fields and
/// `disable` where they differ (a `fields` written otherwise but meaning the same choices stays as written,
/// as does every key catwalk does not set); one the edit left out is removed.
fn edit_bindings(
    file: &mut Vec<MaterializationBinding>,
    edited: &[NewBinding],
    out: &mut MaterializationMerge,
) {
    file.retain(|b| {
        let name = b.source_collection().unwrap_or_default().to_string();
        let kept = edited.iter().any(|e| e.collection == name);
        if !kept {
            out.removed.push(name);
        }
        kept
    });
    for b in file.iter_mut() {
        let name = b.source_collection().unwrap_or_default().to_string();
        let Some(e) = edited.iter().find(|e| e.collection == name) else {
            continue;
        };
        let mut changed = false;
        if canonical_json(&b.resource) != canonical_json(&e.resource) {
            b.resource = e.resource.clone();
            changed = true;
        }
        if FieldChoices::from_value(b.fields.as_ref()).as_ref() != Ok(&e.fields) {
            b.fields = Some(e.fields.to_value());
            changed = true;
        }
        if b.disable != e.disable {
            b.disable = e.disable;
            changed = true;
        }
        match changed {
            true => out.changed.push(name),
            false => out.kept.push(name),
        }
    }
}

#[cfg(test)]
#[path = "materialization_tests.rs"]
mod tests;
