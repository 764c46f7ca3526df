//! The rows of a form editor, built from `schema::Form::visible()`: one row per field a person fills, plus
//! section headings (nested objects, Airbyte groups, list items), the switch of each run of advanced
//! fields, notes for parts edited elsewhere, values the schema does not describe, and the Next button.
//! Rows are owned data (no borrow of the form), rebuilt after every edit.

use super::field::TextKind;
use crate::schema::{FieldView, Form, Kind, pointer};

#[derive(Debug, Clone, PartialEq)]
pub enum RowKind {
    /// An Airbyte `group` heading.
    Group,
    /// A nested object's heading (focusable when it is a list item, to remove it).
    Section,
    /// The switch in front of a run of advanced fields; `hidden` are their titles while closed.
    Advanced {
        open: bool,
        hidden: Vec<String>,
    },
    Text(TextKind),
    Multiline,
    Bool,
    Enum,
    Choice,
    List {
        len: usize,
    },
    /// A value the schema does not describe (kept; removable).
    Unknown,
    /// A line of text in place of a part edited elsewhere.
    Note,
    /// The button that checks the form and goes on.
    Next,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Unique among the rows, stable across rebuilds: keeps the focus where it was.
    pub key: String,
    pub kind: RowKind,
    /// The config pointer of the value (empty for headings and buttons).
    pub pointer: String,
    pub depth: usize,
    pub title: String,
    pub required: bool,
    pub secret: bool,
    /// For a list item, its index.
    pub item: Option<usize>,
    /// A `const` or `readOnly` value: shown, not edited.
    pub read_only: bool,
}

impl Row {
    fn new(key: String, kind: RowKind, title: String, depth: usize) -> Row {
        Row {
            key,
            kind,
            pointer: String::new(),
            depth,
            title,
            required: false,
            secret: false,
            item: None,
            read_only: false,
        }
    }

    pub fn focusable(&self) -> bool {
        match self.kind {
            RowKind::Group | RowKind::Note => false,
            RowKind::Section => self.item.is_some(),
            _ => !self.read_only,
        }
    }

    /// Whether the row stands for a value (problems with that value are shown on it).
    pub fn holds_value(&self) -> bool {
        !matches!(
            self.kind,
            RowKind::Group | RowKind::Advanced { .. } | RowKind::Note | RowKind::Next
        )
    }

    /// Whether typing edits this row in place.
    pub fn is_text(&self) -> bool {
        matches!(self.kind, RowKind::Text(_)) && !self.read_only
    }
}

/// Parts of the form shown as a note instead of their fields: (config pointer, note).
pub type Exclude = [(String, String)];

fn excluded<'a>(exclude: &'a Exclude, at: &str) -> Option<&'a (String, String)> {
    exclude.iter().find(|(p, _)| {
        at == p || (at.starts_with(p.as_str()) && at.as_bytes().get(p.len()) == Some(&b'/'))
    })
}

/// The rows of `form`: advanced runs open or closed, `exclude`d parts as notes, then the values the schema
/// does not describe, then the Next button labelled `next`.
pub fn build(form: &Form, show_advanced: bool, exclude: &Exclude, next: &str) -> Vec<Row> {
    let views = form.visible();
    let mut rows = Vec::with_capacity(views.len() + 4);
    let mut group: Option<&str> = None;
    let mut i = 0;
    while i < views.len() {
        let v = &views[i];
        if let Some((p, note)) = excluded(exclude, &v.pointer) {
            if *p == v.pointer {
                let mut row = Row::new(format!("#note{p}"), RowKind::Note, note.clone(), v.depth);
                row.pointer = p.clone();
                rows.push(row);
            }
            i += 1;
            continue;
        }
        if v.depth == 0 && v.group != group {
            group = v.group;
            if let Some(id) = v.group {
                let title = form
                    .groups()
                    .iter()
                    .find(|g| g.id == id)
                    .map_or_else(|| crate::schema::humanize(id), |g| g.title.clone());
                rows.push(Row::new(format!("#group{id}"), RowKind::Group, title, 0));
            }
        }
        if !v.advanced {
            push(&mut rows, v);
            i += 1;
            continue;
        }
        // A run of advanced fields behind one switch.
        let end = views[i..]
            .iter()
            .position(|w| !w.advanced || w.depth < v.depth)
            .map_or(views.len(), |n| i + n);
        let mut hidden: Vec<String> = views[i..end]
            .iter()
            .filter(|w| w.depth == v.depth && excluded(exclude, &w.pointer).is_none())
            .map(|w| w.field.title.clone())
            .collect();
        // One "Advanced" object: name what is inside it instead.
        if hidden.len() == 1 && matches!(v.field.kind, Kind::Object(_)) {
            let inner: Vec<String> = views[i..end]
                .iter()
                .filter(|w| w.depth == v.depth + 1)
                .map(|w| w.field.title.clone())
                .collect();
            if !inner.is_empty() {
                hidden = inner;
            }
        }
        // Optional fields of a long form fold here too: then the switch says so.
        let optional = views[i..end].iter().any(|w| w.optional);
        rows.push(Row::new(
            format!("#adv{}", v.pointer),
            RowKind::Advanced {
                open: show_advanced,
                hidden,
            },
            if optional {
                "Optional settings".into()
            } else {
                "Advanced options".into()
            },
            v.depth,
        ));
        if show_advanced {
            for w in &views[i..end] {
                if excluded(exclude, &w.pointer).is_none() {
                    push(&mut rows, w);
                }
            }
        }
        i = end;
    }
    let unknown: Vec<_> = form
        .unknown()
        .into_iter()
        .filter(|u| excluded(exclude, &u.pointer).is_none())
        .collect();
    if !unknown.is_empty() {
        rows.push(Row::new(
            "#unknown".into(),
            RowKind::Group,
            "Not in the schema (kept as they are; d removes)".into(),
            0,
        ));
        for u in unknown {
            let mut row = Row::new(
                format!("?{}", u.pointer),
                RowKind::Unknown,
                u.pointer.clone(),
                0,
            );
            row.pointer = u.pointer;
            rows.push(row);
        }
    }
    if !rows.iter().any(Row::focusable) {
        rows.push(Row::new(
            "#empty".into(),
            RowKind::Note,
            "Nothing to fill in: this connector needs no settings.".into(),
            0,
        ));
    }
    rows.push(Row::new("#next".into(), RowKind::Next, next.to_string(), 0));
    rows
}

/// The row (or rows) of one visible field.
fn push(rows: &mut Vec<Row>, v: &FieldView<'_>) {
    let f = v.field;
    let kind = match &f.kind {
        Kind::Null => return,
        Kind::Object(o) if o.fields.is_empty() => RowKind::Text(TextKind::Json),
        Kind::Object(_) => RowKind::Section,
        Kind::Choice(_) => RowKind::Choice,
        Kind::Array(Some(_)) => RowKind::List {
            len: v.value.and_then(|x| x.as_array()).map_or(0, Vec::len),
        },
        Kind::Array(None) => RowKind::Text(TextKind::Json),
        _ if !f.enum_values.is_empty() => RowKind::Enum,
        Kind::Boolean => RowKind::Bool,
        Kind::String if f.multiline => RowKind::Multiline,
        _ => RowKind::Text(TextKind::of(f)),
    };
    let title = match v.item {
        Some(i) => item_title(i, v),
        None => f.title.clone(),
    };
    let mut row = Row::new(v.pointer.clone(), kind, title, v.depth);
    row.pointer = v.pointer.clone();
    // The root (a choice at the root) is not "required": it is the whole form.
    row.required = f.required && !v.pointer.is_empty();
    row.secret = f.secret;
    row.item = v.item;
    row.read_only = f.read_only || (f.const_value.is_some() && f.choice().is_none());
    let scalar_option = match (&f.kind, v.selected) {
        (Kind::Choice(c), Some(s)) => c.options.get(s).and_then(|o| match o.field.kind {
            Kind::Object(_) | Kind::Choice(_) | Kind::Null => None,
            Kind::Array(_) | Kind::Any => Some(TextKind::Json),
            _ => Some(TextKind::of(&o.field)),
        }),
        _ => None,
    };
    rows.push(row);
    // A choice between scalar shapes (a string or a number…): its value is edited right below it.
    if let Some(kind) = scalar_option {
        let mut value = Row::new(
            format!("{}#value", v.pointer),
            RowKind::Text(kind),
            "Value".into(),
            v.depth + 1,
        );
        value.pointer = v.pointer.clone();
        value.secret = f.secret;
        rows.push(value);
    }
}

/// `#2`, or `#2 orders` when the item has a name.
fn item_title(i: usize, v: &FieldView<'_>) -> String {
    let name = v
        .value
        .and_then(|x| {
            ["name", "title", "id", "stream_name"]
                .iter()
                .find_map(|k| x.get(*k).and_then(|n| n.as_str()))
        })
        .filter(|n| !n.is_empty());
    match name {
        Some(n) => format!("#{} {n}", i + 1),
        None => format!("#{}", i + 1),
    }
}

/// The pointer of the list holding the item at `at`.
pub fn parent(at: &str) -> String {
    match pointer::split(at) {
        Some(mut tokens) if !tokens.is_empty() => {
            tokens.pop();
            tokens
                .iter()
                .fold(String::new(), |p, t| pointer::join(&p, t))
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> serde_json::Value {
        json!({"type": "object", "required": ["host"], "properties": {
            "host": {"type": "string", "title": "Host", "order": 0},
            "password": {"type": "string", "secret": true, "order": 1},
            "key": {"type": "string", "secret": true, "multiline": true, "order": 2},
            "mode": {"title": "Mode", "order": 3, "oneOf": [
                {"title": "A", "properties": {"kind": {"const": "a"}, "x": {"type": "integer"}}},
                {"title": "B", "properties": {"kind": {"const": "b"}}}]},
            "tags": {"type": "array", "items": {"type": "string"}, "order": 4},
            "flag": {"type": "boolean", "order": 5},
            "tunnel": {"type": "object", "order": 6, "properties": {"h": {"type": "string"}}},
            "advanced": {"type": "object", "advanced": true, "order": 7, "properties": {
                "n": {"type": "integer", "default": 3}}}
        }})
    }

    fn kinds(rows: &[Row]) -> Vec<(String, RowKind)> {
        rows.iter()
            .map(|r| (r.title.clone(), r.kind.clone()))
            .collect()
    }

    #[test]
    fn a_long_form_with_nothing_required_shows_what_people_fill_and_folds_the_rest() {
        // As tap-postgres's settings: 30 fields, none required, connection fields among SSL paths and
        // stream maps.
        let mut props = serde_json::Map::new();
        for (k, v) in [
            ("sqlalchemy_url", json!({"type": "string"})),
            ("ssl_enable", json!({"type": "boolean", "default": false})),
            (
                "ssl_mode",
                json!({"type": "string", "default": "verify-full"}),
            ),
            (
                "ssl_certificate_authority",
                json!({"type": "string", "default": "~/.postgresql/root.crl"}),
            ),
            ("host", json!({"type": "string"})),
            ("port", json!({"type": "integer", "default": 5432})),
            ("user", json!({"type": "string"})),
            ("password", json!({"type": "string", "secret": true})),
            ("database", json!({"type": "string"})),
            (
                "filter_schemas",
                json!({"type": "array", "items": {"type": "string"}}),
            ),
            ("stream_maps", json!({"type": "object", "properties": {}})),
            (
                "ssh_tunnel",
                json!({"type": "object", "properties": {"enable": {"type": "boolean"}}}),
            ),
        ] {
            props.insert(k.into(), v);
        }
        for i in 0..18 {
            props.insert(
                format!("extra_{i}"),
                json!({"type": "string", "default": "x"}),
            );
        }
        let long = json!({"type": "object", "properties": props});
        let form = Form::build(&long).unwrap();
        let rows = build(&form, false, &[], "Next");
        let titles: Vec<&str> = rows.iter().map(|r| r.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Sqlalchemy Url",
                "Host",
                "User",
                "Password",
                "Database",
                "Port",
                "Optional settings",
                "Next"
            ],
            "{titles:#?}"
        );
        // Opened, the rest follows in the schema's order.
        let rows = build(&form, true, &[], "Next");
        assert!(rows.len() > 30, "{:#?}", kinds(&rows));
        assert!(
            rows.iter()
                .any(|r| r.title == "Ssl Mode" || r.pointer == "/ssl_mode")
        );
        // A short form folds nothing.
        let form = Form::build(&schema()).unwrap();
        let rows = build(&form, false, &[], "Next");
        assert!(!rows.iter().any(|r| r.title == "Optional settings"));
    }

    #[test]
    fn rows_follow_the_form() {
        let form = Form::build(&schema()).unwrap();
        let exclude = [("/tunnel".to_string(), "Set in step 4".to_string())];
        let rows = build(&form, false, &exclude, "Next");
        let k = kinds(&rows);
        assert_eq!(k[0], ("Host".into(), RowKind::Text(TextKind::String)));
        assert!(rows[0].required);
        assert_eq!(k[1].1, RowKind::Text(TextKind::String));
        assert!(rows[1].secret);
        assert_eq!(k[2].1, RowKind::Multiline);
        assert_eq!(k[3], ("Mode".into(), RowKind::Choice));
        assert_eq!(k[4].1, RowKind::Text(TextKind::Integer));
        assert_eq!(rows[4].pointer, "/mode/x");
        assert_eq!(rows[4].depth, 1);
        assert_eq!(k[5].1, RowKind::List { len: 0 });
        assert_eq!(k[6].1, RowKind::Bool);
        assert_eq!(k[7], ("Set in step 4".into(), RowKind::Note));
        assert!(
            matches!(&k[8].1, RowKind::Advanced { open: false, hidden } if hidden == &vec!["N".to_string()])
        );
        assert_eq!(k[9].1, RowKind::Next);
        let open = build(&form, true, &exclude, "Next");
        assert_eq!(open[9].kind, RowKind::Section);
        assert_eq!(open[10].pointer, "/advanced/n");
    }

    #[test]
    fn list_items_and_unknown_values() {
        let (mut form, unknown) =
            Form::from_config(&schema(), &json!({"host": "h", "extra": 1})).unwrap();
        assert_eq!(unknown.len(), 1);
        form.push_item("/tags").unwrap();
        form.push_item("/tags").unwrap();
        let rows = build(&form, false, &[], "Next");
        let items: Vec<&Row> = rows.iter().filter(|r| r.item.is_some()).collect();
        assert_eq!(items.len(), 2);
        assert_eq!(items[1].title, "#2");
        assert_eq!(items[1].pointer, "/tags/1");
        assert_eq!(parent(&items[1].pointer), "/tags");
        let u = rows.iter().find(|r| r.kind == RowKind::Unknown).unwrap();
        assert_eq!(u.pointer, "/extra");
    }
}
