//! Step 6's per-binding settings (`o` on a binding): what a read of the binding needs, as a form built with
//! the config form's widgets and written into the binding's resource (and key) when applied, so the
//! preview, the save and `catwalk preview`/`adapt` all read with it.
//! - Airbyte: the sync mode and the cursor field (one of the schema's top-level fields, the stream's
//!   default first; fixed, and not shown, when the source defines the cursor).
//! - Singer: the replication method and key (one of the schema's fields).
//! - Flow connectors: the resource config, a form built from the connector's resource schema, prefilled
//!   with the discovered values.
//! - A stream without a primary key (the `/_meta/row_id` fallback): a key chosen among the schema's
//!   top-level fields, made required and non-null in the collection's schema (as discovered keys are).
//!
//! The stream's name and namespace name the resource: they are shown, never edited. Applied settings go
//! to the draft (by the discovered resource id) and are applied again to a new discover's bindings.

use super::Reply;
use super::bindings::BindingsState;
use crate::model::{DiscoveredBinding, Protocol};
use crate::schema::{Form, Validator};
use crate::tui::keys::{Action, Ctx};
use crate::tui::state::State;
use crate::tui::widgets::form_page::{Notice, areas};
use crate::tui::widgets::form_ui::{FormUi, Outcome};
use crate::tui::widgets::text::{sanitize, truncate, wrap};
use crate::tui::widgets::{form_view, schema_tree};
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// The form's extra field: the collection key of a stream that has none.
pub const KEY_FIELD: &str = "collectionKey";
/// The key choice that keeps the row-number fallback.
pub const ROW_NUMBER: &str = "(row number, /_meta/row_id)";
const ROW_ID: &str = crate::connector::keys::ROW_ID_POINTER;

/// The settings of one binding being edited.
#[derive(Debug, Clone)]
pub struct SettingsEdit {
    /// The binding (index into the discovered bindings).
    pub item: usize,
    pub protocol: Protocol,
    pub form: Form,
    pub ui: FormUi,
    /// What is fixed and why (the resource's name, a source-defined cursor).
    pub notes: Vec<String>,
    pub notice: Option<Notice>,
}

/// The top-level fields of a document schema that can order or key documents (not objects or lists).
pub fn scalar_fields(schema: &Value) -> Vec<String> {
    schema_tree::rows(schema)
        .into_iter()
        .filter(|r| r.depth == 0 && !r.ty.starts_with("object") && !r.ty.starts_with("array"))
        .filter(|r| r.pointer != "/_meta")
        .map(|r| r.name)
        .collect()
}

/// Whether the binding's key is catwalk's row-number fallback, or was chosen here in place of it (the
/// schema still describes `/_meta/row_id`).
pub fn keyless(b: &DiscoveredBinding) -> bool {
    b.is_fallback_key
        || b.document_schema
            .pointer("/properties/_meta/properties/row_id")
            .is_some()
}

/// The form's schema and values, and notes, for binding `b` of a connector speaking `protocol` whose
/// resource schema is `resource_schema`.
pub fn form_of(
    protocol: Protocol,
    resource_schema: &Value,
    b: &DiscoveredBinding,
) -> (Value, Value, Vec<String>) {
    let fields = scalar_fields(&b.document_schema);
    let mut values = b.resource_config.clone();
    let mut notes = Vec::new();
    let mut schema = match protocol {
        Protocol::Flow => resource_schema.clone(),
        Protocol::Airbyte => {
            let cursor: Option<String> =
                values
                    .get("cursorField")
                    .and_then(Value::as_array)
                    .map(|p| {
                        p.iter()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join(".")
                    });
            let incremental = values.get("syncMode").and_then(Value::as_str) == Some("incremental");
            // The stream's own modes when discovery kept them; else what discovery chose tells: it
            // writes `incremental` only for a stream that supports it with a cursor.
            let (offers_incremental, source_cursor, default_cursor) = match &b.read_modes {
                Some(m) if !m.sync_modes.is_empty() => (
                    m.sync_modes.iter().any(|s| s == "incremental"),
                    m.source_defined_cursor,
                    (!m.default_cursor.is_empty()).then(|| m.default_cursor.join(".")),
                ),
                _ => (incremental, incremental && cursor.is_none(), cursor.clone()),
            };
            let modes: Vec<&str> = match &b.read_modes {
                Some(m) if !m.sync_modes.is_empty() => {
                    m.sync_modes.iter().map(String::as_str).collect()
                }
                _ if offers_incremental => vec!["incremental", "full_refresh"],
                _ => vec!["full_refresh"],
            };
            let mut props = json!({
                "syncMode": {"type": "string", "title": "Sync mode", "enum": modes,
                    "description": "incremental reads only what changed since the last checkpoint (with a cursor); full_refresh reads everything each time."}
            });
            // A full-refresh stream switched to incremental starts from the stream's default cursor.
            let cursor = cursor.or(default_cursor);
            if !offers_incremental {
                notes.push(
                    "Sync mode: full_refresh (the stream offers no incremental read).".into(),
                );
            } else if source_cursor {
                notes.push("Cursor: defined by the source (fixed).".into());
            } else {
                let mut choices = fields.clone();
                if let Some(c) = &cursor
                    && !choices.contains(c)
                {
                    choices.insert(0, c.clone());
                }
                props["cursorField"] = json!({"type": "string", "title": "Cursor field", "enum": choices,
                    "description": "The field that orders records for incremental reads (the stream's default when it has one; not used by full_refresh)."});
            }
            let cursor = if source_cursor { None } else { cursor };
            if let Some(m) = values.as_object_mut() {
                match cursor {
                    Some(c) => m.insert("cursorField".into(), json!(c)),
                    None => m.remove("cursorField"),
                };
            }
            json!({"type": "object", "properties": props, "required": ["syncMode"]})
        }
        Protocol::Singer => {
            let mut key = json!({"type": "string", "title": "Replication key",
                "description": "The field that orders records for INCREMENTAL reads."});
            let mut choices = fields.clone();
            if let Some(k) = values.get("replicationKey").and_then(Value::as_str)
                && !choices.iter().any(|c| c == k)
            {
                choices.insert(0, k.to_string());
            }
            if !choices.is_empty() {
                key["enum"] = json!(choices);
            }
            json!({"type": "object", "properties": {
                "replicationMethod": {"type": "string", "title": "Replication method", "enum": ["FULL_TABLE", "INCREMENTAL", "LOG_BASED"],
                    "description": "How the tap reads the stream (empty: the tap's default)."},
                "replicationKey": key
            }})
        }
    };
    // The resource's name is fixed: it names what is captured.
    for name in ["stream", "namespace"] {
        if protocol != Protocol::Flow
            && let Some(v) = values.get(name).and_then(Value::as_str)
        {
            notes.push(format!("{}: {v} (names the resource)", title_case(name)));
        }
    }
    if keyless(b) {
        if let Some(m) = schema.as_object_mut() {
            m.entry("properties").or_insert_with(|| json!({}));
        }
        let mut choices = vec![ROW_NUMBER.to_string()];
        choices.extend(fields);
        if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
            props.insert(KEY_FIELD.into(), json!({"type": "string", "title": "Collection key", "enum": choices,
                "description": "The stream has no primary key: a field that identifies each document, or the row number catwalk assigns."}));
        }
        let current = match b.key.as_slice() {
            [k] if k != ROW_ID => k.trim_start_matches('/').to_string(),
            _ => ROW_NUMBER.to_string(),
        };
        if let Some(m) = values.as_object_mut() {
            m.insert(KEY_FIELD.into(), json!(current));
        }
    }
    (schema, values, notes)
}

fn title_case(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Binding `b` with the form's `values` applied: its resource (the fixed parts kept) and, for a stream
/// without a primary key, its key and schema.
pub fn apply(protocol: Protocol, b: &DiscoveredBinding, values: &Value) -> DiscoveredBinding {
    let mut out = b.clone();
    let Value::Object(mut v) = values.clone() else {
        return out;
    };
    let key = v
        .remove(KEY_FIELD)
        .and_then(|k| k.as_str().map(str::to_string));
    match protocol {
        Protocol::Flow => out.resource_config = Value::Object(v),
        Protocol::Airbyte | Protocol::Singer => {
            let mut resource: Map<String, Value> =
                b.resource_config.as_object().cloned().unwrap_or_default();
            let fields: &[&str] = if protocol == Protocol::Airbyte {
                &["syncMode", "cursorField"]
            } else {
                &["replicationMethod", "replicationKey"]
            };
            let full_refresh = v.get("syncMode").and_then(Value::as_str) == Some("full_refresh");
            for f in fields {
                resource.remove(*f);
                match v.remove(*f) {
                    Some(Value::String(s)) if *f == "cursorField" => {
                        // Only an incremental read has a cursor.
                        if !full_refresh {
                            resource.insert((*f).into(), json!(s.split('.').collect::<Vec<_>>()));
                        }
                    }
                    Some(Value::Null) | None => {}
                    Some(other) => {
                        resource.insert((*f).into(), other);
                    }
                }
            }
            // A source-defined cursor stays as discovered.
            if protocol == Protocol::Airbyte
                && let Some(c) = b.resource_config.get("cursorField")
                && !resource.contains_key("cursorField")
                && resource.get("syncMode").and_then(Value::as_str) == Some("incremental")
                && !values
                    .as_object()
                    .is_some_and(|m| m.contains_key("cursorField"))
            {
                resource.insert("cursorField".into(), c.clone());
            }
            out.resource_config = Value::Object(resource);
        }
    }
    if let Some(k) = key {
        let key = if k == ROW_NUMBER {
            vec![ROW_ID.to_string()]
        } else {
            vec![crate::connector::keys::pointer(&[k.as_str()])]
        };
        set_key(&mut out, key);
    }
    out
}

/// Key `b` by `key`: the row-number fallback (declared in the schema), or fields made required and
/// non-null (the row number then no longer required).
fn set_key(b: &mut DiscoveredBinding, key: Vec<String>) {
    if b.key == key {
        return;
    }
    if key == [ROW_ID] {
        crate::connector::keys::add_row_id(&mut b.document_schema);
        b.is_fallback_key = true;
    } else {
        unrequire_row_id(&mut b.document_schema);
        for pointer in &key {
            crate::connector::keys::require_location(&mut b.document_schema, pointer);
        }
        b.is_fallback_key = false;
    }
    b.key = key;
}

/// Settings kept in the draft, applied again to the bindings of a new discover (by the discovered
/// resource id): their resource and key.
pub fn restore(b: &mut BindingsState, settings: &std::collections::BTreeMap<String, Value>) {
    if settings.is_empty() {
        return;
    }
    let found: Vec<(usize, &Value)> = b
        .items
        .iter()
        .enumerate()
        .filter_map(|(i, it)| settings.get(&it.id).map(|v| (i, v)))
        .collect();
    if found.is_empty() {
        return;
    }
    let bindings = Arc::make_mut(&mut b.bindings);
    for (i, v) in found {
        let binding = &mut bindings[i];
        if let Some(r) = v.get("resource").filter(|r| r.is_object()) {
            binding.resource_config = r.clone();
        }
        let key: Option<Vec<String>> = v
            .get("key")
            .and_then(|k| serde_json::from_value(k.clone()).ok())
            .filter(|k: &Vec<String>| !k.is_empty());
        if let Some(key) = key {
            set_key(binding, key);
        }
        b.applied.insert(b.items[i].id.clone(), v.clone());
    }
}

/// Documents keyed by a field carry no row number: `_meta.row_id` (and `_meta`) stop being required.
fn unrequire_row_id(schema: &mut Value) {
    let drop = |node: Option<&mut Value>, name: &str| {
        if let Some(Value::Array(r)) = node.and_then(|n| n.get_mut("required")) {
            r.retain(|x| x != name);
        }
    };
    drop(schema.pointer_mut("/properties/_meta"), "row_id");
    drop(Some(schema), "_meta");
}

/// Open the settings of the binding under the cursor.
pub fn open(state: &mut State) {
    let Some(i) = state.bindings.current() else {
        return;
    };
    let Some(outcome) = state.spec.outcome.as_ref() else {
        return;
    };
    let protocol = outcome.protocol;
    let (schema, values, notes) = form_of(
        protocol,
        &outcome.spec.resource_config_schema,
        &state.bindings.bindings[i],
    );
    let form = match Form::from_config(&schema, &values) {
        Ok((f, _)) => f,
        Err(e) => {
            tracing::warn!("the resource schema cannot be shown as a form: {e}");
            return;
        }
    };
    let validator = Validator::new(&schema).ok().map(Arc::new);
    let ui = FormUi::new(&form, validator, Vec::new(), "Apply these settings ›", None);
    state.bindings.settings = Some(Box::new(SettingsEdit {
        item: i,
        protocol,
        form,
        ui,
        notes,
        notice: None,
    }));
}

/// Check the form and write it into the binding (and the draft's answer, by the discovered resource id:
/// the item keeps that id even when the resource's name changes, so that a new discover finds it).
fn save(b: &mut BindingsState) {
    let Some(edit) = b.settings.as_mut() else {
        return;
    };
    let n = edit.ui.check_all(&edit.form);
    if n > 0 {
        edit.notice = Some(Notice {
            text: format!("✗ {n} field(s) need attention; the first one has the focus."),
            bad: true,
        });
        return;
    }
    let i = edit.item;
    let updated = apply(edit.protocol, &b.bindings[i], &edit.form.to_config());
    b.applied.insert(
        b.items[i].id.clone(),
        json!({"resource": updated.resource_config, "key": updated.key}),
    );
    Arc::make_mut(&mut b.bindings)[i] = updated;
    b.settings = None;
}

fn form_area(state: &State) -> Rect {
    let body = crate::tui::layout::areas(state.screen()).body;
    areas(body, head_height(state)).form
}

pub fn contexts(edit: &SettingsEdit) -> Vec<Ctx> {
    edit.ui.contexts()
}

pub fn on_action(state: &mut State, action: Action) -> Reply {
    let area = form_area(state);
    let theme = state.theme;
    let b = &mut state.bindings;
    let Some(edit) = b.settings.as_mut() else {
        return Reply::stay();
    };
    match edit.ui.on_action(&mut edit.form, action, area, &theme) {
        Outcome::Next => save(b),
        Outcome::Back => b.settings = None,
        _ => {}
    }
    Reply::stay()
}

pub fn on_text(state: &mut State, text: &str) -> Reply {
    let theme = state.theme;
    if let Some(edit) = state.bindings.settings.as_mut() {
        edit.ui.on_text(&mut edit.form, text, &theme);
    }
    Reply::stay()
}

pub fn on_key(state: &mut State, key: KeyEvent) -> Reply {
    if let Some(edit) = state.bindings.settings.as_mut() {
        edit.ui.on_key(key);
    }
    Reply::stay()
}

/// Lines above the form: the title, the notes, the notice.
pub fn head_height(state: &State) -> u16 {
    let Some(edit) = &state.bindings.settings else {
        return 0;
    };
    2 + edit.notes.len().min(3) as u16 + u16::from(edit.notice.is_some())
}

pub fn view(state: &State, frame: &mut Frame, body: Rect) {
    let th = &state.theme;
    let Some(edit) = &state.bindings.settings else {
        return;
    };
    let w = body.width as usize;
    let a = areas(body, head_height(state));
    let name = state
        .bindings
        .items
        .get(edit.item)
        .map(|it| it.name.as_str())
        .unwrap_or_default();
    let mut head = vec![
        Line::from(vec![
            Span::styled("Binding settings", th.title()),
            Span::styled(
                truncate(&format!("  {}", sanitize(name)), w.saturating_sub(16)),
                th.dim(),
            ),
        ]),
        Line::styled(
            truncate(
                "How the binding is read; written into the catalog. Esc leaves them as they were.",
                w,
            ),
            th.dim(),
        ),
    ];
    for n in edit.notes.iter().take(3) {
        head.push(Line::raw(wrap(n, w).into_iter().next().unwrap_or_default()));
    }
    if let Some(n) = &edit.notice {
        let style = if n.bad { th.error() } else { th.ok() };
        head.push(Line::styled(truncate(&n.text, w), style));
    }
    for (i, l) in head.into_iter().take(a.head.height as usize).enumerate() {
        frame.render_widget(l, Rect::new(a.head.x, a.head.y + i as u16, a.head.width, 1));
    }
    let active = state.overlays.is_empty();
    form_view::render(frame, a.form, &edit.ui, &edit.form, th, active);
    form_view::help_panel(frame, a.panel, &edit.ui, &edit.form, th);
    form_view::render_popup(frame, a.form, a.popup, &edit.ui, th);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn airbyte(resource: Value, key: &[&str], fallback: bool) -> DiscoveredBinding {
        let mut schema = json!({"type": "object", "properties": {
            "id": {"type": ["integer", "null"]}, "updated": {"type": "string"}, "tags": {"type": "array"}}});
        let key: Vec<String> = key.iter().map(|k| k.to_string()).collect();
        let (key, fallback_key) = crate::connector::keys::finish_schema(&mut schema, key);
        assert_eq!(fallback_key, fallback);
        DiscoveredBinding {
            recommended_name: "users".into(),
            resource_config: resource,
            document_schema: schema,
            key,
            disable: false,
            is_fallback_key: fallback_key,
            resource_path: vec!["users".into()],
            read_modes: None,
        }
    }

    #[test]
    fn airbyte_settings_set_mode_cursor_and_a_chosen_key() {
        // Only the modes the stream supports: a full-refresh stream has no cursor to choose.
        let full = airbyte(
            json!({"stream": "users", "syncMode": "full_refresh"}),
            &[],
            true,
        );
        let (schema, values, _) = form_of(Protocol::Airbyte, &Value::Null, &full);
        assert_eq!(
            schema["properties"]["syncMode"]["enum"],
            json!(["full_refresh"])
        );
        assert!(schema["properties"].get("cursorField").is_none());
        assert_eq!(values[KEY_FIELD], ROW_NUMBER);
        let b = airbyte(
            json!({"stream": "users", "syncMode": "incremental", "cursorField": ["updated"]}),
            &[],
            true,
        );
        let (schema, values, notes) = form_of(Protocol::Airbyte, &Value::Null, &b);
        assert_eq!(
            schema["properties"]["syncMode"]["enum"],
            json!(["incremental", "full_refresh"])
        );
        assert_eq!(
            schema["properties"]["cursorField"]["enum"],
            json!(["id", "updated"])
        );
        assert_eq!(values["cursorField"], "updated");
        assert!(notes.iter().any(|n| n.contains("users")), "{notes:?}");
        let chosen = json!({"syncMode": "incremental", "cursorField": "id", KEY_FIELD: "id"});
        let out = apply(Protocol::Airbyte, &b, &chosen);
        assert_eq!(
            out.resource_config,
            json!({"stream": "users", "syncMode": "incremental", "cursorField": ["id"]})
        );
        assert_eq!(out.key, ["/id"]);
        assert!(!out.is_fallback_key);
        // The key is required and non-null; the row number no longer is.
        assert!(crate::catalog::collection_problems(&out.document_schema, &out.key).is_empty());
        assert_eq!(out.document_schema["properties"]["id"]["type"], "integer");
        assert!(
            !out.document_schema["required"]
                .as_array()
                .unwrap()
                .contains(&json!("_meta"))
        );
        // Still keyless at heart: the key can be chosen again, or given back to the row number.
        assert!(keyless(&out));
        let back = apply(
            Protocol::Airbyte,
            &out,
            &json!({"syncMode": "full_refresh", KEY_FIELD: ROW_NUMBER}),
        );
        assert_eq!(back.key, [ROW_ID]);
        assert_eq!(
            back.resource_config,
            json!({"stream": "users", "syncMode": "full_refresh"})
        );
    }

    #[test]
    fn the_streams_own_modes_are_offered() {
        // Discovered full_refresh, but the stream supports incremental with a default cursor: both modes
        // are offered, and the cursor starts at the stream's default.
        let mut b = airbyte(
            json!({"stream": "users", "syncMode": "full_refresh"}),
            &["/id"],
            false,
        );
        b.read_modes = Some(crate::model::ReadModes {
            sync_modes: vec!["full_refresh".into(), "incremental".into()],
            default_cursor: vec!["updated".into()],
            source_defined_cursor: false,
        });
        let (schema, values, notes) = form_of(Protocol::Airbyte, &json!({}), &b);
        assert_eq!(
            schema["properties"]["syncMode"]["enum"],
            json!(["full_refresh", "incremental"])
        );
        assert!(
            schema["properties"]["cursorField"]["enum"]
                .as_array()
                .unwrap()
                .contains(&json!("updated"))
        );
        assert_eq!(values["cursorField"], "updated");
        assert!(
            notes.iter().all(|n| !n.starts_with("Sync mode")),
            "{notes:?}"
        );
        let chosen = json!({"syncMode": "incremental", "cursorField": "updated"});
        assert_eq!(
            apply(Protocol::Airbyte, &b, &chosen).resource_config,
            json!({"stream": "users", "syncMode": "incremental", "cursorField": ["updated"]})
        );

        // A stream that says it reads only in full has no incremental to offer.
        b.read_modes = Some(crate::model::ReadModes {
            sync_modes: vec!["full_refresh".into()],
            ..Default::default()
        });
        let (schema, _, notes) = form_of(Protocol::Airbyte, &json!({}), &b);
        assert_eq!(
            schema["properties"]["syncMode"]["enum"],
            json!(["full_refresh"])
        );
        assert!(schema["properties"].get("cursorField").is_none());
        assert!(
            notes
                .iter()
                .any(|n| n.starts_with("Sync mode: full_refresh")),
            "{notes:?}"
        );

        // A source-defined cursor is fixed even when discovery named it.
        b.read_modes = Some(crate::model::ReadModes {
            sync_modes: vec!["incremental".into(), "full_refresh".into()],
            default_cursor: vec!["updated".into()],
            source_defined_cursor: true,
        });
        let (schema, _, notes) = form_of(Protocol::Airbyte, &json!({}), &b);
        assert!(schema["properties"].get("cursorField").is_none());
        assert!(
            notes.iter().any(|n| n.contains("defined by the source")),
            "{notes:?}"
        );
    }

    #[test]
    fn a_source_defined_cursor_is_fixed() {
        let b = airbyte(
            json!({"stream": "users", "syncMode": "incremental"}),
            &["/id"],
            false,
        );
        let (schema, _, notes) = form_of(Protocol::Airbyte, &Value::Null, &b);
        assert!(schema["properties"].get("cursorField").is_none());
        assert!(schema["properties"].get(KEY_FIELD).is_none());
        assert!(notes.iter().any(|n| n.contains("defined by the source")));
        let out = apply(Protocol::Airbyte, &b, &json!({"syncMode": "incremental"}));
        assert_eq!(out.resource_config, b.resource_config);
    }

    #[test]
    fn singer_and_flow_resources() {
        let b = airbyte(json!({"stream": "users"}), &["/id"], false);
        // The replication key is one of the schema's fields; the stream is fixed.
        let (schema, _, notes) = form_of(Protocol::Singer, &Value::Null, &b);
        assert_eq!(
            schema["properties"]["replicationKey"]["enum"],
            json!(["id", "updated"])
        );
        assert!(schema["properties"].get("stream").is_none());
        assert!(
            notes.iter().any(|n| n.contains("Stream: users")),
            "{notes:?}"
        );
        let out = apply(
            Protocol::Singer,
            &b,
            &json!({"replicationMethod": "INCREMENTAL", "replicationKey": "updated"}),
        );
        assert_eq!(
            out.resource_config,
            json!({"stream": "users", "replicationMethod": "INCREMENTAL", "replicationKey": "updated"})
        );
        let flow = apply(
            Protocol::Flow,
            &b,
            &json!({"name": "users", "interval": "5m"}),
        );
        assert_eq!(
            flow.resource_config,
            json!({"name": "users", "interval": "5m"})
        );
    }
}
