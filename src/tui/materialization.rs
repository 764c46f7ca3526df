//! What a materialization being built has settled, apart from each step's screen state: the collections
//! the catalogs offer (loaded by a task), the ones chosen (Collections), their resource configs
//! (Resources) and the person's field choices (Fields). The review writes from these; no step reads
//! another step's state for them.

use super::draft::{Draft, MaterializationAnswer};
use super::msg::Cmd;
use super::state::State;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

/// A collection a catalog defines, ready to be bound (`catalog::load`'s, schemas resolved).
pub use crate::catalog::LoadedCollection as Source;

/// The schema documents are read with: `readSchema`, else the write schema.
pub fn schema_of(s: &Source) -> &Value {
    s.read_schema.as_ref().unwrap_or(&s.write_schema)
}

/// The catalogs read for a materialization: their collections, and what could not be read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Loaded {
    /// The directory searched, absolute.
    pub dir: PathBuf,
    /// Every catalog file read, in order.
    pub files: Vec<PathBuf>,
    /// The collections, each once (the first file defining it wins), sorted by name.
    pub collections: Vec<Source>,
    /// Files that could not be read: the file and why (one line each).
    pub problems: Vec<String>,
}

/// How a binding's resource names its table (Estuary's `targetNaming`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Naming {
    /// A table per collection, in the schema the collection's name gives (`acmeCo/public/orders` is
    /// `public.orders`).
    #[default]
    WithSchema,
    /// A table per collection in the endpoint's schema: the collection name's last part.
    NoSchema,
}

impl Naming {
    pub const ALL: [Naming; 2] = [Naming::WithSchema, Naming::NoSchema];

    pub fn label(self) -> &'static str {
        match self {
            Naming::WithSchema => "table per collection, with its schema",
            Naming::NoSchema => "table per collection, without schema (the endpoint's)",
        }
    }

    /// The next choice, round.
    pub fn next(self) -> Naming {
        let i = Naming::ALL.iter().position(|n| *n == self).unwrap_or(0);
        Naming::ALL[(i + 1) % Naming::ALL.len()]
    }
}

/// The fields a person chose for one binding (`fields` as written: `recommended: 1` for a new one).
pub use crate::catalog::FieldChoices as FieldChoice;

/// The materialization being built.
#[derive(Debug, Clone, Default)]
pub struct Materialization {
    /// The catalogs read (shared: schemas are never copied).
    pub loaded: Arc<Loaded>,
    /// Catalog files opened by path, besides the directory's.
    pub opened: Vec<String>,
    /// The chosen collections, by index into `loaded.collections`, in list order.
    pub chosen: Vec<usize>,
    /// How resources are named.
    pub naming: Naming,
    /// Each chosen binding's resource config, in `chosen` order (set when Resources goes on).
    pub resources: Vec<Value>,
    /// The field choices, by collection name (kept while a collection is deselected and chosen again).
    pub fields: BTreeMap<String, FieldChoice>,
    /// Collections the connector's validate rejected (with its reason): written disabled.
    pub rejected: BTreeMap<String, String>,
    /// Resources kept in the draft, by collection: a resumed session's forms start from them.
    pub resumed: BTreeMap<String, Value>,
    /// Collections whose binding an edited catalog has disabled: they stay disabled.
    pub disabled: BTreeSet<String>,
}

impl Materialization {
    /// The chosen collections, in order.
    pub fn sources(&self) -> impl Iterator<Item = &Source> + '_ {
        self.chosen
            .iter()
            .filter_map(|i| self.loaded.collections.get(*i))
    }

    /// The chosen collections' names, in order.
    pub fn chosen_names(&self) -> Vec<String> {
        self.sources().map(|s| s.name.clone()).collect()
    }

    /// The field choices of a collection: the person's, else a new binding's (`recommended: 1`).
    pub fn choice(&self, collection: &str) -> FieldChoice {
        self.fields
            .get(collection)
            .cloned()
            .unwrap_or_else(FieldChoice::new_binding)
    }

    /// The catalog files to import: those defining a chosen collection, each once, in order.
    pub fn imports(&self) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = Vec::new();
        for s in self.sources() {
            if !out.contains(&s.file) {
                out.push(s.file.clone());
            }
        }
        out
    }
}

/// A materialization's part of a save: its bindings and the catalog files defining their collections
/// (imported by the catalog written).
#[derive(Debug, Clone, PartialEq)]
pub struct MatSave {
    pub bindings: Vec<crate::catalog::NewBinding>,
    pub files: Vec<PathBuf>,
}

impl Materialization {
    /// What the review saves, or why nothing can be.
    pub fn save_part(&self) -> Result<MatSave, String> {
        let names = self.chosen_names();
        if names.is_empty() {
            return Err(
                "no collection is chosen: go back to Collections (Esc) and select at least one"
                    .into(),
            );
        }
        if self.resources.len() != names.len() {
            return Err(
                "the resources are not settled: go back to Resources (Esc) and go on from there"
                    .into(),
            );
        }
        let bindings = names
            .into_iter()
            .zip(self.resources.iter().cloned())
            .map(|(n, resource)| crate::catalog::NewBinding {
                fields: self.choice(&n),
                disable: self.rejected.contains_key(&n) || self.disabled.contains(&n),
                collection: n,
                resource,
            })
            .collect();
        Ok(MatSave {
            bindings,
            files: self.imports(),
        })
    }
}

impl Materialization {
    /// The answers for the draft.
    pub fn answer(&self) -> MaterializationAnswer {
        let names = self.chosen_names();
        let mut resources = self.resumed.clone();
        resources.extend(names.iter().cloned().zip(self.resources.iter().cloned()));
        MaterializationAnswer {
            with_schema: self.naming == Naming::WithSchema,
            resources,
            fields: self
                .fields
                .iter()
                .map(|(k, v)| (k.clone(), v.to_value()))
                .collect(),
            chosen: names,
        }
    }

    /// Take up a draft's answers (before the catalogs are read): naming, resources and field choices.
    pub fn resume(&mut self, a: &MaterializationAnswer) {
        self.naming = if a.with_schema {
            Naming::WithSchema
        } else {
            Naming::NoSchema
        };
        self.resumed = a.resources.clone();
        self.fields = a
            .fields
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), FieldChoice::from_value(Some(v)).ok()?)))
            .collect();
    }
}

/// Keep the materialization's answers in the draft (saved when they changed).
pub fn keep_answer(state: &mut State) -> Vec<Cmd> {
    if state.mat.loaded.collections.is_empty() {
        return Vec::new();
    }
    let answer = state.mat.answer();
    if state.answers.materialization.as_deref() == Some(&answer) {
        return Vec::new();
    }
    state.answers.materialization = Some(Box::new(answer));
    let id = state.next_req();
    state.draft.req = Some(id);
    vec![Cmd::SaveDraft(id, Draft::new(state.answers.clone()))]
}

/// A schema in one line: `7 properties: id integer, name string, …` (at most `max` named).
pub fn schema_summary(schema: &Value, key: &[String], max: usize) -> String {
    let rows = crate::schema::tree::rows(schema, 1, 500);
    let top: Vec<String> = rows
        .iter()
        .filter(|r| r.depth == 0)
        .map(|r| {
            if key.contains(&r.pointer) {
                format!("{} {} (key)", r.name, r.ty)
            } else {
                format!("{} {}", r.name, r.ty)
            }
        })
        .collect();
    let n = top.len();
    let shown = top.iter().take(max).cloned().collect::<Vec<_>>().join(", ");
    let more = if n > max { ", …" } else { "" };
    let word = if n == 1 { "property" } else { "properties" };
    format!("{n} {word}: {shown}{more}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn imports_name_each_defining_file_once() {
        let src = |name: &str, file: &str| Source {
            name: name.into(),
            key: vec!["/id".into()],
            write_schema: json!({"type": "object"}),
            read_schema: None,
            file: file.into(),
        };
        let m = Materialization {
            loaded: Arc::new(Loaded {
                collections: vec![
                    src("a/x", "/c/a.flow.yaml"),
                    src("a/y", "/c/b.flow.yaml"),
                    src("a/z", "/c/a.flow.yaml"),
                ],
                ..Loaded::default()
            }),
            chosen: vec![2, 1, 0],
            ..Materialization::default()
        };
        assert_eq!(m.chosen_names(), ["a/z", "a/y", "a/x"]);
        assert_eq!(
            m.imports(),
            [
                PathBuf::from("/c/a.flow.yaml"),
                PathBuf::from("/c/b.flow.yaml")
            ]
        );
        assert_eq!(Naming::NoSchema.next(), Naming::WithSchema);
    }

    #[test]
    fn a_schema_reads_in_one_line_with_its_key() {
        let schema = json!({"type": "object", "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"}, "tags": {"type": "array"}}});
        let s = schema_summary(&schema, &["/id".into()], 2);
        assert_eq!(s, "3 properties: id integer (key), name string, …");
    }
}
