//! Materialization field selection, Flow's rules (PROTOCOLS.md section 8): from a validated binding's
//! constraints and the binding's `fields` choices to the selected keys, values and document, with a reason
//! for every field so a front end can show the table (field, type, constraint, reason, selected). Used by
//! `catwalk discover` of a materialization, `catwalk check` and the wizard's fields step.
//!
//! The rules, in order: the group-by fields (`fields.groupBy`, else the collection key) are selected;
//! FIELD_REQUIRED and the person's `require` are selected; for each LOCATION_REQUIRED location one field is
//! selected; then, when `fields.recommended` is above 0, `flow_published_at` and `_meta/op`, and every other
//! selectable field down to that depth (1: top level) except the root document, what lies under `/_meta`,
//! a location already selected and an object whose nested fields are selected. Never: FIELD_FORBIDDEN,
//! INCOMPATIBLE, a field the connector leaves out of its constraints, what the person excludes. Requiring
//! what the connector refuses, excluding what it requires, or naming a field the collection lacks is a
//! [`Conflict`].

use crate::catalog::materialization::FieldChoices;
use crate::model::{CollectionSpec, Constraint, ConstraintType, ValidatedBinding};
use crate::protocol::Projection;
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::fmt;

/// `fields.require` (`{field: config}`) as the connector's `fieldConfig`.
pub fn field_config(fields: Option<&Value>) -> Map<String, Value> {
    fields
        .and_then(|f| f.get("require").or_else(|| f.get("include")))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// Why a field is selected, or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Part of the group-by key (the collection key, or `fields.groupBy`).
    GroupByKey,
    /// The connector says FIELD_REQUIRED.
    ConnectorRequires,
    /// The connector says LOCATION_REQUIRED and no other field of the location is selected.
    ConnectorRequiresLocation,
    /// In `fields.require`.
    UserRequires,
    /// `flow_published_at` or `_meta/op`, selected whenever recommended fields are.
    CoreMetadata,
    /// Within the depth of `fields.recommended`.
    DesiredDepth,
    /// In `fields.exclude`.
    UserExcludes,
    /// The connector says FIELD_FORBIDDEN.
    ConnectorForbids,
    /// The connector says INCOMPATIBLE (a backfill of the binding would clear it).
    ConnectorIncompatible,
    /// The connector gave no constraint for it, which means forbidden.
    ConnectorOmits,
    /// Another field of the same location is selected.
    LocationSelected,
    /// Fields nested in this object are selected, or an object enclosing this field is.
    CoveredLocation,
    /// The connector folds another selected field to the same name.
    DuplicateFold,
    /// Flow's own metadata (under `/_meta`), not selected by depth.
    Metadata,
    /// The root document, selected only when the connector requires it (or the person does).
    DocumentNotRequired,
    /// Deeper than `fields.recommended`.
    BeyondDepth,
    /// `fields.recommended` is false (0): only required fields.
    NotRecommended,
}

impl Reason {
    /// Whether the reason selects the field.
    pub fn selects(self) -> bool {
        matches!(
            self,
            Reason::GroupByKey
                | Reason::ConnectorRequires
                | Reason::ConnectorRequiresLocation
                | Reason::UserRequires
                | Reason::CoreMetadata
                | Reason::DesiredDepth
        )
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Reason::GroupByKey => "collection key (group by)",
            Reason::ConnectorRequires => "required by the connector",
            Reason::ConnectorRequiresLocation => "location required by the connector",
            Reason::UserRequires => "required by you",
            Reason::CoreMetadata => "Flow metadata, selected with recommended fields",
            Reason::DesiredDepth => "recommended (within fields.recommended)",
            Reason::UserExcludes => "excluded by you",
            Reason::ConnectorForbids => "forbidden by the connector",
            Reason::ConnectorIncompatible => "incompatible (a backfill would clear it)",
            Reason::ConnectorOmits => "not offered by the connector",
            Reason::LocationSelected => "another field of its location is selected",
            Reason::CoveredLocation => "covered by a nested or enclosing selected field",
            Reason::DuplicateFold => "folds to the name of another selected field",
            Reason::Metadata => "Flow metadata",
            Reason::DocumentNotRequired => "document not required by the connector",
            Reason::BeyondDepth => "deeper than fields.recommended",
            Reason::NotRecommended => "optional (fields.recommended is off)",
        })
    }
}

/// One field of the collection (a projection) and what the selection made of it.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldRow {
    pub field: String,
    /// Its document location (`""` is the whole document).
    pub ptr: String,
    /// The JSON types it may hold (`null` included when nullable).
    pub types: Vec<String>,
    /// The connector's constraint (`None`: left out, i.e. forbidden).
    pub constraint: Option<Constraint>,
    pub selected: bool,
    pub reason: Reason,
}

impl FieldRow {
    /// `string`, `integer?` (nullable), `string|integer`, `any`.
    pub fn type_label(&self) -> String {
        let nullable = self.types.iter().any(|t| t == "null");
        let types: Vec<&str> = self
            .types
            .iter()
            .map(String::as_str)
            .filter(|t| *t != "null")
            .collect();
        let base = if types.is_empty() {
            "any".to_string()
        } else {
            types.join("|")
        };
        if nullable { format!("{base}?") } else { base }
    }

    /// The constraint's wire name, or `(none)`.
    pub fn constraint_label(&self) -> &'static str {
        self.constraint
            .as_ref()
            .map(|c| c.kind.as_str())
            .unwrap_or("(none)")
    }

    /// Whether the person may change it (select an optional field, drop a recommended one): not the key,
    /// nothing the connector requires or refuses.
    pub fn can_toggle(&self) -> bool {
        let Some(c) = &self.constraint else {
            return false;
        };
        if c.kind.refuses() || c.kind == ConstraintType::FieldRequired {
            return false;
        }
        !matches!(
            self.reason,
            Reason::GroupByKey | Reason::ConnectorRequiresLocation
        )
    }
}

/// The selection of one binding: Flow's `fieldSelection` plus every field's row.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Selection {
    /// The group-by fields, in key order.
    pub keys: Vec<String>,
    /// Other selected fields but the document, sorted by name.
    pub values: Vec<String>,
    /// The field of the whole document, when selected.
    pub document: Option<String>,
    /// Every field of the collection, in projection order.
    pub fields: Vec<FieldRow>,
}

impl Selection {
    /// `keys: id; values: name, total; document: flow_document`.
    pub fn summary(&self) -> String {
        let list = |v: &[String]| {
            if v.is_empty() {
                "(none)".to_string()
            } else {
                v.join(", ")
            }
        };
        format!(
            "keys: {}; values: {}; document: {}",
            list(&self.keys),
            list(&self.values),
            self.document.as_deref().unwrap_or("(none)")
        )
    }
}

/// A choice the connector or the collection does not allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub field: String,
    /// The whole sentence, naming the field, what was asked and the connector's reason.
    pub message: String,
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The choices cannot be honoured: each conflict, and the selection as far as it goes (for a table).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "the field selection is not possible:{}",
    conflicts.iter().map(|c| format!("\n  - {c}")).collect::<String>()
)]
pub struct SelectionError {
    pub conflicts: Vec<Conflict>,
    pub selection: Box<Selection>,
}

/// The fields of a collection as Flow projects it (see `connector::flow::collection_spec`).
pub fn projections(collection: &CollectionSpec) -> Vec<Projection> {
    crate::connector::flow::collection_spec(collection).projections
}

/// Flow's field selection of a binding of `collection` (see the module docs).
pub fn select(
    collection: &CollectionSpec,
    validated: &ValidatedBinding,
    choices: &FieldChoices,
) -> Result<Selection, SelectionError> {
    let projections = projections(collection);
    let mut conflicts = Vec::new();
    let mut conflict = |field: &str, message: String| {
        conflicts.push(Conflict {
            field: field.to_string(),
            message,
        })
    };
    let says = |c: &Constraint| format!("the connector says {}: {}", c.kind, c.reason);
    let known: HashSet<&str> = projections.iter().map(|p| p.field.as_str()).collect();
    let asked = choices
        .require
        .keys()
        .map(|f| (f, "`fields.require`"))
        .chain(choices.exclude.iter().map(|f| (f, "`fields.exclude`")))
        .chain(choices.group_by.iter().map(|f| (f, "`fields.groupBy`")));
    for (field, where_) in asked {
        if !known.contains(field.as_str()) {
            conflict(
                field,
                format!(
                    "field {field} is named in {where_}, but collection {} has no such field",
                    collection.name
                ),
            );
        }
    }
    let group_by: Vec<String> = if choices.group_by.is_empty() {
        collection
            .key
            .iter()
            .filter_map(|k| projections.iter().find(|p| &p.ptr == k))
            .map(|p| p.field.clone())
            .collect()
    } else {
        choices.group_by.clone()
    };

    let mut rows: Vec<(FieldRow, bool)> = projections
        .iter()
        .map(|p| {
            let row = FieldRow {
                field: p.field.clone(),
                ptr: p.ptr.clone(),
                types: p.inference.types.clone(),
                constraint: validated.constraints.get(&p.field).cloned(),
                selected: false,
                reason: Reason::NotRecommended,
            };
            (row, false)
        })
        .collect();

    // Pass 1: the key, what the connector requires of a field, what the person requires or excludes.
    for (row, decided) in rows.iter_mut() {
        let field = row.field.as_str();
        let required = choices.require.contains_key(field);
        let excluded = choices.exclude.iter().any(|e| e == field);
        let refused = match &row.constraint {
            None => Some(Reason::ConnectorOmits),
            Some(c) if c.kind.cleared_by_backfill() => Some(Reason::ConnectorIncompatible),
            Some(c) if c.kind.refuses() => Some(Reason::ConnectorForbids),
            Some(_) => None,
        };
        let refusal = |reason: Reason| match &row.constraint {
            Some(c) => says(c),
            None if reason == Reason::ConnectorOmits => {
                "the connector gives it no constraint, which forbids it".to_string()
            }
            None => String::new(),
        };
        *decided = true;
        if group_by.iter().any(|g| g == field) {
            if let Some(reason) = refused {
                conflict(
                    field,
                    format!(
                        "field {field} is part of the collection key, but {}",
                        refusal(reason)
                    ),
                );
                row.reason = reason;
            } else if excluded {
                conflict(
                    field,
                    format!(
                        "field {field} is excluded by `fields.exclude`, but it is part of the collection key (group by)"
                    ),
                );
                row.reason = Reason::UserExcludes;
            } else {
                row.selected = true;
                row.reason = Reason::GroupByKey;
            }
            continue;
        }
        if let Some(reason) = refused {
            if required {
                conflict(
                    field,
                    format!(
                        "field {field} is required by `fields.require`, but {}",
                        refusal(reason)
                    ),
                );
            }
            row.reason = reason;
            continue;
        }
        let kind = row.constraint.as_ref().map(|c| c.kind).unwrap_or_default();
        if excluded {
            if kind == ConstraintType::FieldRequired {
                let c = row.constraint.as_ref().map(&says).unwrap_or_default();
                conflict(
                    field,
                    format!("field {field} is excluded by `fields.exclude`, but {c}"),
                );
            }
            row.reason = Reason::UserExcludes;
        } else if kind == ConstraintType::FieldRequired {
            row.selected = true;
            row.reason = Reason::ConnectorRequires;
        } else if required {
            row.selected = true;
            row.reason = Reason::UserRequires;
        } else {
            *decided = false;
        }
    }
    let mut selected_ptrs: HashSet<String> = rows
        .iter()
        .filter(|(r, _)| r.selected)
        .map(|(r, _)| r.ptr.clone())
        .collect();

    // Pass 2: one field for each location the connector requires.
    for (row, decided) in rows.iter_mut().filter(|(_, d)| !*d) {
        let kind = row.constraint.as_ref().map(|c| c.kind).unwrap_or_default();
        if kind != ConstraintType::LocationRequired {
            continue;
        }
        *decided = true;
        if selected_ptrs.insert(row.ptr.clone()) {
            row.selected = true;
            row.reason = Reason::ConnectorRequiresLocation;
        } else {
            row.reason = Reason::LocationSelected;
        }
    }
    for (row, _) in &rows {
        let required_location = row
            .constraint
            .as_ref()
            .filter(|c| c.kind == ConstraintType::LocationRequired);
        if let Some(c) = required_location
            && row.reason == Reason::UserExcludes
            && !group_by.contains(&row.field)
            && !selected_ptrs.contains(&row.ptr)
        {
            conflict(
                &row.field,
                format!(
                    "field {} is excluded by `fields.exclude`, but {} (and no other field of its location is selected)",
                    row.field,
                    says(c)
                ),
            );
        }
    }

    // Pass 3: Flow's metadata and the recommended depth; deeper fields first, so an object whose nested
    // fields are selected is known to be covered.
    let depth = choices.recommended.depth();
    let mut order: Vec<usize> = (0..rows.len()).filter(|i| !rows[*i].1).collect();
    order.sort_by_key(|i| std::cmp::Reverse(ptr_depth(&rows[*i].0.ptr)));
    let mut folds: HashSet<String> = rows
        .iter()
        .filter(|(r, _)| r.selected)
        .map(|(r, _)| fold(r))
        .collect();
    for i in order {
        let row = &rows[i].0;
        let d = ptr_depth(&row.ptr);
        let reason = if depth == 0 {
            Reason::NotRecommended
        } else if row.field == "flow_published_at" || row.field == "_meta/op" {
            Reason::CoreMetadata
        } else if row.ptr.is_empty() {
            Reason::DocumentNotRequired
        } else if row.ptr == "/_meta" || row.ptr.starts_with("/_meta/") {
            Reason::Metadata
        } else if d > depth as usize {
            Reason::BeyondDepth
        } else if selected_ptrs.contains(&row.ptr) {
            Reason::LocationSelected
        } else if selected_ptrs
            .iter()
            .any(|p| !p.is_empty() && row.ptr.starts_with(&format!("{p}/")))
        {
            // An enclosing object is selected (the person required it): it holds this field.
            Reason::CoveredLocation
        } else if selected_ptrs
            .iter()
            .any(|p| p.len() > row.ptr.len() && p.starts_with(&format!("{}/", row.ptr)))
        {
            Reason::CoveredLocation
        } else if folds.contains(&fold(row)) {
            Reason::DuplicateFold
        } else {
            Reason::DesiredDepth
        };
        let row = &mut rows[i].0;
        row.reason = reason;
        if reason.selects() {
            row.selected = true;
            selected_ptrs.insert(row.ptr.clone());
            folds.insert(fold(row));
        }
    }

    let fields: Vec<FieldRow> = rows.into_iter().map(|(r, _)| r).collect();
    let document = fields
        .iter()
        .find(|r| r.selected && r.ptr.is_empty())
        .map(|r| r.field.clone());
    let mut values: Vec<String> = fields
        .iter()
        .filter(|r| r.selected && !r.ptr.is_empty() && !group_by.contains(&r.field))
        .map(|r| r.field.clone())
        .collect();
    values.sort();
    let keys = group_by
        .into_iter()
        .filter(|g| fields.iter().any(|r| &r.field == g && r.selected))
        .collect();
    let selection = Selection {
        keys,
        values,
        document,
        fields,
    };
    if conflicts.is_empty() {
        Ok(selection)
    } else {
        Err(SelectionError {
            conflicts,
            selection: Box::new(selection),
        })
    }
}

/// The number of tokens of a pointer (`""` 0, `/a` 1, `/a/b` 2).
fn ptr_depth(ptr: &str) -> usize {
    if ptr.is_empty() {
        0
    } else {
        ptr.matches('/').count()
    }
}

/// The name the endpoint stores a field under.
fn fold(row: &FieldRow) -> String {
    row.constraint
        .as_ref()
        .and_then(|c| c.folded_field.clone())
        .unwrap_or_else(|| row.field.clone())
}

/// The person's toggle of a field in a table: a selected field is excluded (and no longer required), an
/// unselected one required (and no longer excluded). Refused for fields they cannot change
/// ([`FieldRow::can_toggle`]), naming why.
pub fn toggle(choices: &mut FieldChoices, row: &FieldRow) -> Result<(), String> {
    if !row.can_toggle() {
        return Err(format!(
            "field {} cannot be changed: {}",
            row.field, row.reason
        ));
    }
    if row.selected {
        choices.require.remove(&row.field);
        if !choices.exclude.contains(&row.field) {
            choices.exclude.push(row.field.clone());
        }
    } else {
        choices.exclude.retain(|f| f != &row.field);
        choices
            .require
            .entry(row.field.clone())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    Ok(())
}

/// What the binding selects that the connector or the collection refuses, one line each (for `check`).
pub fn problems(
    fields: Option<&Value>,
    collection: &CollectionSpec,
    validated: &ValidatedBinding,
) -> Vec<String> {
    let choices = match FieldChoices::from_value(fields) {
        Ok(c) => c,
        Err(e) => return vec![e],
    };
    match select(collection, validated, &choices) {
        Ok(_) => Vec::new(),
        Err(e) => e.conflicts.iter().map(ToString::to_string).collect(),
    }
}

/// `2 required, 5 recommended, 3 optional, 1 refused fields; delta updates`.
pub fn summary(validated: &ValidatedBinding) -> String {
    let count = |f: fn(ConstraintType) -> bool| {
        validated.constraints.values().filter(|c| f(c.kind)).count()
    };
    let parts = [
        (count(ConstraintType::is_required), "required"),
        (count(ConstraintType::is_recommended), "recommended"),
        (count(ConstraintType::is_optional), "optional"),
        (count(ConstraintType::refuses), "refused"),
    ];
    let mut text: Vec<String> = parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
    if !text.is_empty() {
        let last = text.len() - 1;
        text[last].push_str(" fields");
    }
    if validated.delta_updates {
        text.push("delta updates".into());
    }
    text.join(", ")
}

#[cfg(test)]
#[path = "fields_tests.rs"]
mod tests;
