//! Step 3, Config, for now a placeholder: the spec's summary and its top-level config properties, read-only.
//! The form to fill them in comes with the schema engine (`schema::Form`); this file will then hold it.

use super::Step;
use crate::tui::keys::{Action, Ctx};
use crate::tui::msg::Cmd;
use crate::tui::state::{State, StepId};
use crate::tui::widgets::select_list::{self, ListNav};
use crate::tui::widgets::text::{fit, truncate};
use ratatui::Frame;
use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};
use ratatui::text::Line;
use serde_json::Value;

#[derive(Debug, Clone, Default)]
pub struct ConfigState {
    pub fields: Vec<FieldRow>,
    pub nav: ListNav,
}

/// One top-level property of a config schema, as the placeholder lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldRow {
    pub name: String,
    pub kind: String,
    pub required: bool,
    pub secret: bool,
    pub title: String,
}

/// Go to step 3 with the fields of the spec just received.
pub fn enter(state: &mut State) {
    let fields = state
        .spec
        .outcome
        .as_ref()
        .map(|o| fields(&o.spec.config_schema))
        .unwrap_or_default();
    if fields != state.config.fields {
        state.config = ConfigState {
            fields,
            nav: ListNav::default(),
        };
    }
    state.step = StepId::Config;
}

/// The top-level properties of a config schema, in `order` then declaration order. A root `$ref` into
/// `$defs`/`definitions` is followed once; a root `oneOf` lists its options instead.
pub fn fields(schema: &Value) -> Vec<FieldRow> {
    let root = follow_ref(schema, schema);
    let required: Vec<&str> = root
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut rows: Vec<(i64, usize, FieldRow)> = Vec::new();
    if let Some(props) = root.get("properties").and_then(Value::as_object) {
        for (i, (name, prop)) in props.iter().enumerate() {
            let prop = follow_ref(schema, prop);
            let hidden = ["x-hidden-field", "airbyte_hidden"]
                .iter()
                .any(|k| prop.get(*k) == Some(&Value::Bool(true)));
            if hidden {
                continue;
            }
            let order = prop
                .get("order")
                .and_then(Value::as_i64)
                .unwrap_or(i64::MAX);
            rows.push((
                order,
                i,
                FieldRow {
                    name: name.clone(),
                    kind: type_name(prop),
                    required: required.contains(&name.as_str()),
                    secret: ["secret", "airbyte_secret", "writeOnly"]
                        .iter()
                        .any(|k| prop.get(*k) == Some(&Value::Bool(true))),
                    title: describe(prop),
                },
            ));
        }
    } else if let Some(options) = root.get("oneOf").and_then(Value::as_array) {
        for (i, option) in options.iter().enumerate() {
            let option = follow_ref(schema, option);
            rows.push((
                i as i64,
                i,
                FieldRow {
                    name: format!("option {}", i + 1),
                    kind: "object".into(),
                    required: false,
                    secret: false,
                    title: describe(option),
                },
            ));
        }
    }
    rows.sort_by_key(|(order, i, _)| (*order, *i));
    rows.into_iter().map(|(_, _, r)| r).collect()
}

fn follow_ref<'a>(root: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) if r.starts_with("#/") => root.pointer(&r[1..]).unwrap_or(v),
        _ => v,
    }
}

fn type_name(prop: &Value) -> String {
    if prop.get("oneOf").is_some() || prop.get("anyOf").is_some() {
        return "choice".into();
    }
    if prop.get("enum").is_some() {
        return "enum".into();
    }
    match prop.get("type") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| *t != "null")
            .collect::<Vec<_>>()
            .join("|"),
        _ => "any".into(),
    }
}

fn describe(prop: &Value) -> String {
    let text = |k: &str| prop.get(k).and_then(Value::as_str).map(str::trim);
    let title = text("title").filter(|s| !s.is_empty());
    let desc = text("description")
        .filter(|s| !s.is_empty())
        .map(|d| d.lines().next().unwrap_or_default().to_string());
    match (title, desc) {
        (Some(t), Some(d)) => format!("{t}: {d}"),
        (Some(t), None) => t.to_string(),
        (None, Some(d)) => d,
        (None, None) => String::new(),
    }
}

/// Lines above the field list: the heading and the spec summary.
fn head_height(state: &State, width: usize) -> u16 {
    let summary = state
        .spec
        .outcome
        .as_ref()
        .map(|o| super::spec::summary(o, width, &state.theme).len())
        .unwrap_or(0);
    (2 + summary + 2) as u16
}

fn list_area(state: &State, body: Rect) -> Rect {
    let top = head_height(state, body.width as usize).min(body.height);
    Rect::new(body.x, body.y + top, body.width, body.height - top)
}

/// Width of the "required, secret" column.
const FLAGS_W: usize = 16;

pub struct ConfigStep;

impl Step for ConfigStep {
    fn contexts(_: &State) -> Vec<Ctx> {
        vec![Ctx::Page]
    }

    fn on_action(state: &mut State, action: Action) -> Vec<Cmd> {
        let body = crate::tui::view::areas(state.screen()).body;
        let height = list_area(state, body).height as usize;
        let len = state.config.fields.len();
        let nav = &mut state.config.nav;
        match action {
            Action::Up => nav.move_by(-1, len, height),
            Action::Down => nav.move_by(1, len, height),
            Action::PageUp => nav.move_by(-(height.max(1) as isize), len, height),
            Action::PageDown => nav.move_by(height.max(1) as isize, len, height),
            Action::Back => state.step = StepId::Spec,
            Action::Quit => return crate::tui::update::request_quit(state),
            _ => {}
        }
        Vec::new()
    }

    fn on_mouse(state: &mut State, body: Rect, ev: MouseEvent) -> Vec<Cmd> {
        let area = list_area(state, body);
        let height = area.height as usize;
        let len = state.config.fields.len();
        let nav = &mut state.config.nav;
        match ev.kind {
            MouseEventKind::ScrollDown => nav.move_by(3, len, height),
            MouseEventKind::ScrollUp => nav.move_by(-3, len, height),
            MouseEventKind::Down(MouseButton::Left)
                if area.contains(Position::new(ev.column, ev.row)) =>
            {
                if let Some(row) = nav.row_at((ev.row - area.y) as usize, len, height) {
                    nav.select(row, len, height);
                }
            }
            _ => {}
        }
        Vec::new()
    }

    fn view(state: &State, frame: &mut Frame, body: Rect) {
        let t = &state.theme;
        let w = body.width as usize;
        let mut lines = vec![
            Line::styled(truncate("Config (next)", w), t.title()),
            Line::styled(
                truncate(
                    "The form to fill them in comes next. For now, the top-level fields:",
                    w,
                ),
                t.dim(),
            ),
        ];
        if let Some(o) = &state.spec.outcome {
            lines.extend(super::spec::summary(o, w, t));
        }
        lines.push(Line::default());
        let name_w = 24.min(w / 3);
        let header = format!(
            "  {} {} {} {}",
            fit("Field", name_w),
            fit("Type", 9),
            fit("", FLAGS_W),
            "Title and description"
        );
        lines.push(Line::styled(truncate(&header, w), t.dim()));
        for (i, line) in lines.into_iter().enumerate().take(body.height as usize) {
            frame.render_widget(line, Rect::new(body.x, body.y + i as u16, body.width, 1));
        }
        let area = list_area(state, body);
        let fields = &state.config.fields;
        if fields.is_empty() {
            frame.render_widget(
                Line::styled("  This connector's config has no properties.", t.dim()),
                area,
            );
            return;
        }
        select_list::render(
            frame,
            area,
            &state.config.nav,
            fields.len(),
            t,
            |i, width, selected| {
                let f = &fields[i];
                let flags = match (f.required, f.secret) {
                    (true, true) => "required, secret",
                    (true, false) => "required",
                    (false, true) => "secret",
                    (false, false) => "",
                };
                let text = format!(
                    "{}{} {} {} {}",
                    if selected { "› " } else { "  " },
                    fit(&f.name, name_w),
                    fit(&f.kind, 9),
                    fit(flags, FLAGS_W),
                    f.title
                );
                Line::raw(truncate(&text, width))
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_top_level_fields_in_order() {
        let schema = json!({
            "$defs": {"Cfg": {"type": "object", "required": ["host"], "properties": {
                "port": {"type": ["integer", "null"], "order": 2, "title": "Port"},
                "host": {"type": "string", "order": 1, "title": "Host", "description": "Where.\nMore."},
                "password": {"type": "string", "secret": true},
                "mode": {"oneOf": [{"title": "a"}]},
                "hidden": {"type": "string", "airbyte_hidden": true}
            }}},
            "$ref": "#/$defs/Cfg"
        });
        let f = fields(&schema);
        let names: Vec<&str> = f.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, vec!["host", "port", "password", "mode"]);
        assert_eq!(f[0].title, "Host: Where.");
        assert!(f[0].required && !f[1].required);
        assert_eq!(f[1].kind, "integer");
        assert!(f[2].secret);
        assert_eq!(f[3].kind, "choice");
    }

    #[test]
    fn root_one_of_lists_options() {
        let f = fields(&json!({"oneOf": [{"title": "Continuous"}, {"title": "Infinite"}]}));
        assert_eq!(f.len(), 2);
        assert_eq!(f[1].title, "Infinite");
    }
}
