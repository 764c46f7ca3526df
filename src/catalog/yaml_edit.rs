//! Minimal edits to YAML text: bring a document from the value `old` to the value `new` by changing only the
//! parts that differ, so comments, key order, quoting, anchors, flow style, block scalars and CRLF line ends
//! of everything else stay byte for byte. Pure: text in, text out.
//!
//! The text is parsed with libyaml (the parser under `serde_yaml`), which gives every node's byte span.
//! Then `old` and `new` are walked together: equal values are not touched; a mapping gets its removed keys
//! removed, its changed values edited (recursively) and its new keys appended after its last entry; a
//! sequence is aligned item by item (items with the same `target`, `source`, `resource` or value are the
//! same item),
//! so removed items are removed, changed ones edited and new ones appended; anything else is replaced by
//! its rendering, in flow style where the old node was flow style or sits in a flow collection.
//! `old` is what the text means (as the caller's model reads it); keys the text has but `old` lacks are
//! left alone unless `new` sets them.

use serde_json::{Map, Value};

/// The text could not be edited (the caller renders the document anew instead).
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("line {line}, column {column}: {problem}")]
    Parse {
        line: usize,
        column: usize,
        problem: String,
    },
    #[error("the document is empty or its top level is not a mapping")]
    NotAMapping,
}

#[derive(Debug)]
enum Kind {
    Scalar {
        value: String,
        block: bool,
    },
    /// `*name`.
    Alias(String),
    Map(Vec<(Node, Node)>),
    Seq(Vec<Node>),
}

#[derive(Debug)]
struct Node {
    kind: Kind,
    /// Written in flow style (`{...}`, `[...]`).
    flow: bool,
    /// Inside a flow collection (so anything replacing it must be flow style).
    in_flow: bool,
    /// `&name` on this node.
    anchor: Option<String>,
    start: usize,
    /// Just after the node's last character (block collections: after their last child).
    end: usize,
}

/// Edit `text` (whose meaning is `old`) into a document meaning `new`. See the module docs.
pub fn edit(text: &str, old: &Value, new: &Value) -> Result<String, EditError> {
    let root = parse(text)?;
    if !matches!(root.kind, Kind::Map(_)) {
        return Err(EditError::NotAMapping);
    }
    let mut ed = Editor {
        text,
        nl: if text.contains("\r\n") { "\r\n" } else { "\n" },
        edits: Vec::new(),
        aliases: Vec::new(),
    };
    ed.sync(&root, Some(old), new, 0);
    ed.expand_aliases_of_edited_anchors(&root);
    Ok(ed.apply())
}

struct Editor<'t> {
    text: &'t str,
    nl: &'static str,
    /// `(start, end, replacement)`, non-overlapping.
    edits: Vec<(usize, usize, String)>,
    /// Aliases left as they are, with the value they must keep: `(name, start, end, value)`.
    aliases: Vec<(String, usize, usize, Value)>,
}

impl Editor<'_> {
    fn apply(mut self) -> String {
        // Stable: edits at the same position keep the order they were made in.
        self.edits.sort_by_key(|e| e.0);
        let mut out = String::with_capacity(self.text.len());
        let mut at = 0;
        for (start, end, with) in &self.edits {
            let start = (*start).max(at);
            out.push_str(&self.text[at..start]);
            out.push_str(with);
            at = (*end).max(start);
        }
        out.push_str(&self.text[at..]);
        out
    }

    /// `indent`: the column of the key this node is the value of (for a value moved to its own lines).
    fn sync(&mut self, node: &Node, old: Option<&Value>, new: &Value, indent: usize) {
        if old == Some(new) {
            return self.record_aliases(node, new);
        }
        match (&node.kind, old, new) {
            (Kind::Map(entries), Some(Value::Object(o)), Value::Object(n)) if !n.is_empty() => {
                self.sync_map(node, entries, o, n)
            }
            (Kind::Seq(items), Some(Value::Array(o)), Value::Array(n))
                if !n.is_empty() && o.len() == items.len() =>
            {
                self.sync_seq(node, items, o, n)
            }
            _ => self.replace(node, new, indent),
        }
    }

    fn sync_map(
        &mut self,
        node: &Node,
        entries: &[(Node, Node)],
        o: &Map<String, Value>,
        n: &Map<String, Value>,
    ) {
        let find = |k: &str| {
            entries
                .iter()
                .position(|(key, _)| matches!(&key.kind, Kind::Scalar { value, .. } if value == k))
        };
        // A key renamed (an old key gone, a new one with the very same value) keeps its place.
        let mut renamed: Vec<(&str, &str)> = Vec::new();
        for k in n
            .keys()
            .filter(|k| !o.contains_key(*k) && find(k).is_none())
        {
            let old = o.iter().find(|(g, v)| {
                !n.contains_key(*g)
                    && find(g).is_some()
                    && n.get(k.as_str()) == Some(*v)
                    && !renamed.iter().any(|(r, _)| r == g)
            });
            if let Some((g, _)) = old {
                renamed.push((g.as_str(), k.as_str()));
            }
        }
        let mut removed = Vec::new();
        for k in o.keys() {
            if !n.contains_key(k)
                && !renamed.iter().any(|(r, _)| r == k)
                && let Some(i) = find(k)
            {
                removed.push(i);
            }
        }
        if removed.len() == entries.len() && !n.keys().any(|k| find(k).is_some()) {
            // Nothing of the old mapping stays: write it anew.
            return self.replace(node, &Value::Object(n.clone()), self.column(node.start));
        }
        for &i in &removed {
            self.remove_entry(node, entries, i);
        }
        let mut added = Vec::new();
        for (k, v) in n {
            match find(k) {
                Some(i) => {
                    let (key, value) = &entries[i];
                    let indent = self.column(key.start);
                    self.sync(value, o.get(k), v, indent);
                }
                None => match renamed
                    .iter()
                    .find(|(_, to)| to == k)
                    .and_then(|(r, _)| find(r))
                {
                    Some(i) => {
                        let (key, value) = &entries[i];
                        let indent = self.column(key.start);
                        self.replace(key, &Value::String(k.clone()), indent);
                        self.record_aliases(value, v);
                    }
                    None => added.push((k.as_str(), v)),
                },
            }
        }
        if !added.is_empty() {
            self.append_entries(node, entries, &added);
        }
    }

    fn sync_seq(&mut self, node: &Node, items: &[Node], o: &[Value], n: &[Value]) {
        // Align: each new item takes the next old item with the same identity; old items skipped are
        // removed; new items with no match may only come after the last match (appended).
        let mut plan: Vec<(usize, &Value)> = Vec::new();
        let mut removed = Vec::new();
        let mut appended = Vec::new();
        let mut at = 0;
        for v in n {
            match (at..o.len()).find(|&p| same_item(&o[p], v)) {
                Some(p) if appended.is_empty() => {
                    removed.extend(at..p);
                    plan.push((p, v));
                    at = p + 1;
                }
                Some(_) => return self.replace(node, &Value::Array(n.to_vec()), 0),
                None => appended.push(v),
            }
        }
        removed.extend(at..o.len());
        if plan.is_empty() {
            return self.replace(node, &Value::Array(n.to_vec()), self.column(node.start));
        }
        if !node.flow && removed.iter().any(|&i| self.dash_of(&items[i]).is_none()) {
            return self.replace(node, &Value::Array(n.to_vec()), self.column(node.start));
        }
        for &i in &removed {
            self.remove_item(node, items, i);
        }
        for (p, v) in plan {
            let indent = self.column(items[p].start);
            self.sync(&items[p], Some(&o[p]), v, indent);
        }
        if !appended.is_empty() {
            self.append_items(node, items, &appended);
        }
    }

    /// Remember the aliases under an unchanged node, with the values they stand for.
    fn record_aliases(&mut self, node: &Node, value: &Value) {
        match (&node.kind, value) {
            (Kind::Alias(name), v) => {
                self.aliases
                    .push((name.clone(), node.start, node.end, v.clone()))
            }
            (Kind::Map(entries), Value::Object(o)) => {
                for (k, v) in entries {
                    if let Kind::Scalar { value: key, .. } = &k.kind
                        && let Some(x) = o.get(key)
                    {
                        self.record_aliases(v, x);
                    }
                }
            }
            (Kind::Seq(items), Value::Array(a)) if items.len() == a.len() => {
                for (n, x) in items.iter().zip(a) {
                    self.record_aliases(n, x);
                }
            }
            _ => {}
        }
    }

    /// An edit inside an anchored node changes every alias of it: each alias that must keep its value
    /// is written out in full (flow style) instead.
    fn expand_aliases_of_edited_anchors(&mut self, root: &Node) {
        let mut anchors = Vec::new();
        collect_anchors(root, &mut anchors);
        let mut expanded = Vec::new();
        for (name, s, e, block) in anchors {
            // A block collection's new entries go after its last line; anything else is edited within.
            let edited = self.edits.iter().any(|&(es, ee, _)| {
                if block {
                    es >= s && ee <= self.line_end_after(e)
                } else {
                    es >= s && ee <= e && !(es == ee && es == e)
                }
            });
            if !edited {
                continue;
            }
            for (alias, a_s, a_e, v) in &self.aliases {
                if *alias == name && *a_s >= e {
                    expanded.push((*a_s, *a_e, flow_text(v)));
                }
            }
        }
        self.edits.extend(expanded);
    }

    /// Replace the node by a rendering of `new`.
    fn replace(&mut self, node: &Node, new: &Value, indent: usize) {
        let flow = node.in_flow || node.flow || is_flat(new);
        if flow {
            let text = flow_text(new);
            return self.edits.push((node.start, node.end, text));
        }
        let line_start = self.line_start(node.start);
        let before = &self.text[line_start..node.start];
        if before.chars().all(|c| c == ' ' || c == '-') {
            // The node starts its own block (a mapping value on its own lines, or a sequence item).
            let col = self.column(node.start);
            let text = self.block(new, col, false);
            self.edits.push((node.start, node.end, text));
        } else {
            // On its key's line: move to the lines below, indented under the key.
            let from = self.text[..node.start].trim_end_matches(' ').len();
            let text = format!("{}{}", self.nl, self.block(new, indent + 2, true));
            self.edits.push((from, node.end, text));
        }
    }

    fn remove_entry(&mut self, node: &Node, entries: &[(Node, Node)], i: usize) {
        let (key, value) = &entries[i];
        if node.flow {
            let (s, e) = match (i.checked_sub(1), entries.get(i + 1)) {
                (Some(p), _) => (entries[p].1.end, value.end),
                (None, Some(next)) => (key.start, next.0.start),
                (None, None) => (key.start, value.end),
            };
            return self.edits.push((s, e, String::new()));
        }
        let ls = self.line_start(key.start);
        if self.text[ls..key.start].trim().is_empty() {
            let e = self.line_end_after(value.end);
            self.edits.push((ls, e, String::new()));
        } else if let Some(next) = entries.get(i + 1) {
            // The first key of a `- ` item: the next key moves up onto the dash's line.
            self.edits.push((key.start, next.0.start, String::new()));
        } else {
            self.edits.push((key.start, value.end, "{}".into()));
        }
    }

    fn remove_item(&mut self, node: &Node, items: &[Node], i: usize) {
        let item = &items[i];
        if node.flow {
            let (s, e) = match (i.checked_sub(1), items.get(i + 1)) {
                (Some(p), _) => (items[p].end, item.end),
                (None, Some(next)) => (item.start, next.start),
                (None, None) => (item.start, item.end),
            };
            return self.edits.push((s, e, String::new()));
        }
        let dash = self.dash_of(item).unwrap_or(item.start);
        let s = self.comments_above(self.line_start(dash), self.column(dash));
        let e = self.line_end_after(item.end);
        self.edits.push((s, e, String::new()));
    }

    /// Where the comment lines right above `line` (a line's start) begin, counting only comments indented
    /// as `column`: they belong to what `line` holds, and go with it.
    fn comments_above(&self, line: usize, column: usize) -> usize {
        let mut start = line;
        while start > 0 {
            let prev = self.line_start(start - 1);
            let text = self.text[prev..start].trim_end_matches(['\r', '\n']);
            let indent = text.len() - text.trim_start_matches(' ').len();
            if indent != column || !text[indent..].starts_with('#') {
                break;
            }
            start = prev;
        }
        start
    }

    fn append_entries(&mut self, node: &Node, entries: &[(Node, Node)], added: &[(&str, &Value)]) {
        if node.flow || entries.is_empty() {
            let parts: Vec<String> = added
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{}: {}",
                        scalar_text(&Value::String(k.to_string())),
                        flow_text(v)
                    )
                })
                .collect();
            let (at, sep) = match entries.last() {
                Some((_, v)) => (v.end, ", "),
                None => (node.end.saturating_sub(1), ""),
            };
            if node.flow || entries.is_empty() {
                return self
                    .edits
                    .push((at, at, format!("{sep}{}", parts.join(", "))));
            }
        }
        let col = self.column(entries[0].0.start);
        let at = self.line_end_after(node.end);
        let mut text = String::new();
        if !self.text[..at].ends_with('\n') {
            text.push_str(self.nl);
        }
        for (k, v) in added {
            text.push_str(&" ".repeat(col));
            text.push_str(&scalar_text(&Value::String(k.to_string())));
            text.push(':');
            if is_flat(v) {
                text.push(' ');
                text.push_str(&flow_text(v));
            } else {
                text.push_str(self.nl);
                text.push_str(&self.block(v, col + 2, true));
            }
            text.push_str(self.nl);
        }
        self.edits.push((at, at, text));
    }

    fn append_items(&mut self, node: &Node, items: &[Node], added: &[&Value]) {
        if node.flow {
            let parts: Vec<String> = added.iter().map(|v| flow_text(v)).collect();
            let (at, sep) = match items.last() {
                Some(last) => (last.end, ", "),
                None => (node.end.saturating_sub(1), ""),
            };
            return self
                .edits
                .push((at, at, format!("{sep}{}", parts.join(", "))));
        }
        let dash = self.dash_of(&items[0]).unwrap_or(items[0].start);
        let col = self.column(dash);
        let at = self.line_end_after(node.end);
        let mut text = String::new();
        if !self.text[..at].ends_with('\n') {
            text.push_str(self.nl);
        }
        for v in added {
            text.push_str(&" ".repeat(col));
            text.push_str("- ");
            text.push_str(&self.block(v, col + 2, false));
            text.push_str(self.nl);
        }
        self.edits.push((at, at, text));
    }

    /// `v` as block YAML whose lines after the first (or, with `indent_first`, all lines) are indented
    /// by `col`; no final line end.
    fn block(&self, v: &Value, col: usize, indent_first: bool) -> String {
        let rendered = if is_flat(v) {
            flow_text(v)
        } else {
            serde_yaml::to_string(v).unwrap_or_else(|_| flow_text(v))
        };
        let pad = " ".repeat(col);
        let mut out = String::new();
        for (i, line) in rendered.trim_end_matches('\n').split('\n').enumerate() {
            if i > 0 {
                out.push_str(self.nl);
            }
            if (i > 0 || indent_first) && !line.is_empty() {
                out.push_str(&pad);
            }
            out.push_str(line);
        }
        out
    }

    fn line_start(&self, at: usize) -> usize {
        self.text[..at].rfind('\n').map_or(0, |i| i + 1)
    }

    /// Just after the line end that ends the line holding `at - 1` (the text's end when none).
    fn line_end_after(&self, at: usize) -> usize {
        let from = at.saturating_sub(1).min(self.text.len());
        let from = if self.text.as_bytes().get(from) == Some(&b'\n') {
            return from + 1;
        } else {
            from
        };
        self.text[from..]
            .find('\n')
            .map_or(self.text.len(), |i| from + i + 1)
    }

    fn column(&self, at: usize) -> usize {
        self.text[self.line_start(at)..at].chars().count()
    }

    /// The position of the `-` that introduces a block sequence item, when it is first on its line.
    fn dash_of(&self, item: &Node) -> Option<usize> {
        let before = self.text[..item.start].trim_end_matches([' ', '\r', '\n']);
        let dash = before.len().checked_sub(1)?;
        (before.ends_with('-') && self.text[self.line_start(dash)..dash].trim().is_empty())
            .then_some(dash)
    }
}

fn collect_anchors(node: &Node, out: &mut Vec<(String, usize, usize, bool)>) {
    if let Some(a) = &node.anchor {
        let block = !node.flow && matches!(node.kind, Kind::Map(_) | Kind::Seq(_));
        out.push((a.clone(), node.start, node.end, block));
    }
    match &node.kind {
        Kind::Map(entries) => {
            for (k, v) in entries {
                collect_anchors(k, out);
                collect_anchors(v, out);
            }
        }
        Kind::Seq(items) => items.iter().for_each(|i| collect_anchors(i, out)),
        _ => {}
    }
}

/// Same item of a sequence: the same `target` or the same `resource` (a binding whose collection was
/// renamed is still the same binding), else equal.
fn same_item(a: &Value, b: &Value) -> bool {
    let mut keyed = false;
    for field in ["target", "source", "resource"] {
        if let (Some(x), Some(y)) = (a.get(field), b.get(field)) {
            if x == y {
                return true;
            }
            keyed = true;
        }
    }
    !keyed && a == b
}

/// Written on one line: scalars, empty and short collections of scalars.
fn is_flat(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.len() <= 8 && a.iter().all(|x| !x.is_object() && !x.is_array()),
        Value::String(s) => !s.contains('\n'),
        _ => true,
    }
}

/// A scalar as YAML text (plain when it can be, else quoted).
fn scalar_text(v: &Value) -> String {
    match serde_yaml::to_string(v) {
        Ok(s) if !s.trim_end().contains('\n') => s.trim_end().to_string(),
        _ => serde_json::to_string(v).unwrap_or_default(),
    }
}

/// `v` in flow style on one line.
fn flow_text(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let parts: Vec<String> = m
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{}: {}",
                        scalar_text(&Value::String(k.clone())),
                        flow_text(v)
                    )
                })
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        Value::Array(a) => {
            let parts: Vec<String> = a.iter().map(flow_text).collect();
            format!("[{}]", parts.join(", "))
        }
        other => scalar_text(other),
    }
}

// ---- Parsing: libyaml events into a tree of spans. ----

mod sys_parse {
    use super::{EditError, Kind, Node};
    use libyaml_rs as sys;
    use std::mem::MaybeUninit;

    enum Open {
        Map(Vec<Node>),
        Seq(Vec<Node>),
    }

    struct Frame {
        open: Open,
        flow: bool,
        in_flow: bool,
        start: usize,
        anchor: Option<String>,
    }

    unsafe fn name(p: *const u8) -> Option<String> {
        (!p.is_null()).then(|| {
            unsafe { std::ffi::CStr::from_ptr(p.cast()) }
                .to_string_lossy()
                .into_owned()
        })
    }

    /// The first document of `text` as a tree of nodes with byte spans.
    pub(super) fn parse(text: &str) -> Result<Node, EditError> {
        // libyaml's marks count bytes of the input after a byte-order mark.
        let base = if text.starts_with('\u{feff}') { 3 } else { 0 };
        let bytes = text.as_bytes();
        let mut parser: Box<MaybeUninit<sys::yaml_parser_t>> = Box::new(MaybeUninit::uninit());
        let parser = parser.as_mut_ptr();
        // SAFETY: the parser is initialized before use, reads `bytes` (which outlive it), and is
        // deleted before this function returns; each event is deleted after it is read.
        unsafe {
            if sys::yaml_parser_initialize(parser).fail {
                return Err(EditError::NotAMapping);
            }
            sys::yaml_parser_set_encoding(parser, sys::YAML_UTF8_ENCODING);
            sys::yaml_parser_set_input_string(parser, bytes.as_ptr(), bytes.len() as u64);
            let out = run(parser, base, text.len());
            sys::yaml_parser_delete(parser);
            out
        }
    }

    unsafe fn run(
        parser: *mut sys::yaml_parser_t,
        base: usize,
        len: usize,
    ) -> Result<Node, EditError> {
        let mut stack: Vec<Frame> = Vec::new();
        let mut root: Option<Node> = None;
        let pos = |m: sys::yaml_mark_t| (m.index as usize + base).min(len);
        loop {
            let mut event = MaybeUninit::<sys::yaml_event_t>::uninit();
            let ev = event.as_mut_ptr();
            if unsafe { sys::yaml_parser_parse(parser, ev) }.fail {
                let p = unsafe { &*parser };
                let problem = if p.problem.is_null() {
                    "not valid YAML".to_string()
                } else {
                    unsafe { std::ffi::CStr::from_ptr(p.problem) }
                        .to_string_lossy()
                        .into_owned()
                };
                return Err(EditError::Parse {
                    line: p.problem_mark.line as usize + 1,
                    column: p.problem_mark.column as usize + 1,
                    problem,
                });
            }
            let e = unsafe { &*ev };
            let (start, end) = (pos(e.start_mark), pos(e.end_mark));
            let in_flow = stack.last().is_some_and(|f| f.flow || f.in_flow);
            let mut done: Option<Node> = None;
            let mut stop = false;
            match e.type_ {
                sys::YAML_SCALAR_EVENT => {
                    let s = unsafe { e.data.scalar };
                    let value = if s.value.is_null() {
                        String::new()
                    } else {
                        let raw = unsafe { std::slice::from_raw_parts(s.value, s.length as usize) };
                        String::from_utf8_lossy(raw).into_owned()
                    };
                    let block = matches!(
                        s.style,
                        sys::YAML_LITERAL_SCALAR_STYLE | sys::YAML_FOLDED_SCALAR_STYLE
                    );
                    done = Some(Node {
                        kind: Kind::Scalar { value, block },
                        flow: false,
                        in_flow,
                        anchor: unsafe { name(s.anchor) },
                        start,
                        end,
                    });
                }
                sys::YAML_ALIAS_EVENT => {
                    let alias = unsafe { name(e.data.alias.anchor) }.unwrap_or_default();
                    done = Some(Node {
                        kind: Kind::Alias(alias),
                        flow: false,
                        in_flow,
                        anchor: None,
                        start,
                        end,
                    })
                }
                sys::YAML_MAPPING_START_EVENT => {
                    let m = unsafe { e.data.mapping_start };
                    let flow = m.style == sys::YAML_FLOW_MAPPING_STYLE;
                    stack.push(Frame {
                        open: Open::Map(Vec::new()),
                        flow,
                        in_flow,
                        start,
                        anchor: unsafe { name(m.anchor) },
                    });
                }
                sys::YAML_SEQUENCE_START_EVENT => {
                    let q = unsafe { e.data.sequence_start };
                    let flow = q.style == sys::YAML_FLOW_SEQUENCE_STYLE;
                    stack.push(Frame {
                        open: Open::Seq(Vec::new()),
                        flow,
                        in_flow,
                        start,
                        anchor: unsafe { name(q.anchor) },
                    });
                }
                sys::YAML_MAPPING_END_EVENT | sys::YAML_SEQUENCE_END_EVENT => {
                    let f = stack.pop().expect("libyaml balances collection events");
                    let (kind, last_end) = match f.open {
                        Open::Map(nodes) => {
                            let last = nodes.last().map(|n| n.end);
                            let mut pairs = Vec::with_capacity(nodes.len() / 2);
                            let mut it = nodes.into_iter();
                            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                                pairs.push((k, v));
                            }
                            (Kind::Map(pairs), last)
                        }
                        Open::Seq(nodes) => {
                            let last = nodes.last().map(|n| n.end);
                            (Kind::Seq(nodes), last)
                        }
                    };
                    let end = if f.flow {
                        end
                    } else {
                        last_end.unwrap_or(start)
                    };
                    done = Some(Node {
                        kind,
                        flow: f.flow,
                        in_flow: f.in_flow,
                        anchor: f.anchor,
                        start: f.start,
                        end,
                    });
                }
                sys::YAML_DOCUMENT_END_EVENT | sys::YAML_STREAM_END_EVENT => stop = true,
                _ => {}
            }
            unsafe { sys::yaml_event_delete(ev) };
            if let Some(node) = done {
                match stack.last_mut() {
                    Some(Frame {
                        open: Open::Map(v) | Open::Seq(v),
                        ..
                    }) => v.push(node),
                    None => root = Some(node),
                }
            }
            if stop || root.is_some() {
                break;
            }
        }
        root.ok_or(EditError::NotAMapping)
    }
}

/// Trim a block scalar's end back over the line ends libyaml counts in it.
fn fix_ends(node: &mut Node, text: &str) {
    match &mut node.kind {
        Kind::Scalar { block: true, .. } => {
            let trimmed = text[node.start..node.end].trim_end_matches(['\n', '\r', ' ']);
            node.end = node.start + trimmed.len().max(1);
        }
        Kind::Map(pairs) => {
            for (k, v) in pairs.iter_mut() {
                fix_ends(k, text);
                fix_ends(v, text);
            }
            if !node.flow
                && let Some((_, v)) = pairs.last()
            {
                node.end = v.end;
            }
        }
        Kind::Seq(items) => {
            for i in items.iter_mut() {
                fix_ends(i, text);
            }
            if !node.flow
                && let Some(i) = items.last()
            {
                node.end = i.end;
            }
        }
        _ => {}
    }
}

fn parse(text: &str) -> Result<Node, EditError> {
    let mut root = sys_parse::parse(text)?;
    fix_ends(&mut root, text);
    Ok(root)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn value(text: &str) -> Value {
        serde_yaml::from_str(text).unwrap()
    }

    /// Edit `text` to `new` and check the result means `new`.
    fn check(text: &str, new: Value) -> String {
        let out = edit(text, &value(text), &new).unwrap();
        assert_eq!(value(&out), new, "edited text:\n{out}");
        out
    }

    #[test]
    fn unchanged_is_byte_for_byte() {
        let text = "# top\na: 1 # one\nb: {x: [1, 2]}\n";
        assert_eq!(check(text, value(text)), text);
    }

    #[test]
    fn scalar_replaced_in_place_keeping_comments() {
        let text = "# top\na: 1 # one\nb: 'q'\n";
        let out = check(text, json!({"a": 2, "b": "q"}));
        assert_eq!(out, "# top\na: 2 # one\nb: 'q'\n");
    }

    #[test]
    fn keys_appended_and_removed() {
        let text = "m:\n  a: 1\n  # about b\n  b: 2\n  c: 3\nz: 0\n";
        let out = check(
            text,
            json!({"m": {"a": 1, "b": 2, "d": {"e": [1, {"f": 2}]}}, "z": 0}),
        );
        assert_eq!(
            out,
            "m:\n  a: 1\n  # about b\n  b: 2\n  d:\n    e:\n    - 1\n    - f: 2\nz: 0\n"
        );
    }

    #[test]
    fn flow_mappings_stay_flow() {
        let text = "a: {x: 1, y: 2}\nb: [1, 2]\n";
        let out = check(text, json!({"a": {"x": 1, "z": 3}, "b": [1, 2, 3]}));
        assert_eq!(out, "a: {x: 1, z: 3}\nb: [1, 2, 3]\n");
    }

    #[test]
    fn sequence_items_appended_removed_and_edited() {
        let text =
            "s:\n  - target: a # first\n    disable: true\n  - target: b\n  - target: c\nt: 1\n";
        let out = check(
            text,
            json!({"s": [{"target": "a"}, {"target": "c", "x": 1}, {"target": "d"}], "t": 1}),
        );
        assert_eq!(
            out,
            "s:\n  - target: a # first\n  - target: c\n    x: 1\n  - target: d\nt: 1\n"
        );
    }

    #[test]
    fn a_removed_item_takes_the_comments_right_above_it() {
        let text = "s:\n  # about a\n  # more about a\n  - target: a\n  # about b\n  - target: b\n    # inside b\n    x: 1\n  - target: c\n";
        let out = check(text, json!({"s": [{"target": "a"}, {"target": "c"}]}));
        assert_eq!(
            out,
            "s:\n  # about a\n  # more about a\n  - target: a\n  - target: c\n"
        );
        let out = check(
            text,
            json!({"s": [{"target": "b", "x": 1}, {"target": "c"}]}),
        );
        assert!(out.starts_with("s:\n  # about b\n  - target: b\n"), "{out}");
    }

    #[test]
    fn crlf_and_block_scalars_and_anchors_kept() {
        let text = "a: &x {k: 1}\r\nb: *x\r\nd: |\r\n  line one\r\n  line two\r\ne: 1\r\n";
        let out = check(
            text,
            json!({"a": {"k": 1}, "b": {"k": 1}, "d": "line one\nline two\n", "e": 2, "f": [1]}),
        );
        assert_eq!(
            out,
            "a: &x {k: 1}\r\nb: *x\r\nd: |\r\n  line one\r\n  line two\r\ne: 2\r\nf: [1]\r\n"
        );
    }

    #[test]
    fn an_alias_of_an_edited_anchor_keeps_its_value() {
        let text = "a: &s {type: object, x: 1} # shared\nb: *s\nc: 2\n";
        let out = check(
            text,
            json!({"a": {"type": "object", "x": 2}, "b": {"type": "object", "x": 1}, "c": 2}),
        );
        assert_eq!(
            out,
            "a: &s {type: object, x: 2} # shared\nb: {type: object, x: 1}\nc: 2\n"
        );
    }

    #[test]
    fn scalar_becoming_a_mapping_moves_below_its_key() {
        let text = "c:\n  schema: a.schema.yaml # file\n  key: [/id]\n";
        let out = check(
            text,
            json!({"c": {"schema": {"type": "object", "required": ["id"]}, "key": ["/id"]}}),
        );
        assert_eq!(
            out,
            "c:\n  schema:\n    type: object\n    required:\n    - id # file\n  key: [/id]\n"
        );
    }

    #[test]
    fn first_key_of_an_item_removed() {
        let text = "s:\n- a: 1\n  b: 2\n";
        let out = check(text, json!({"s": [{"b": 2}]}));
        assert_eq!(out, "s:\n- b: 2\n");
    }

    #[test]
    fn utf8_and_bom_offsets() {
        let text = "n: \"Grüße\" # ü\nm: 1\n";
        let out = check(text, json!({"n": "Grüße", "m": 2}));
        assert_eq!(out, "n: \"Grüße\" # ü\nm: 2\n");
    }

    #[test]
    fn a_renamed_key_and_a_retargeted_item_stay_in_place() {
        let text = "b:\n  # users\n  - resource: {name: users}\n    target: a/users\ncollections:\n  a/users:\n    key: [/id]   # the key\n  a/z:\n    key: [/id]\n";
        let mut new = value(text);
        new["b"][0]["target"] = "a/people".into();
        let c = new["collections"].as_object_mut().unwrap();
        let users = c.remove("a/users").unwrap();
        let z = c.remove("a/z").unwrap();
        c.insert("a/people".into(), users);
        c.insert("a/z".into(), z);
        assert_eq!(
            check(text, new),
            text.replace("a/users", "a/people"),
            "only the names change"
        );
    }

    #[test]
    fn not_yaml_is_an_error() {
        assert!(edit("a: [", &json!({}), &json!({"a": 1})).is_err());
        assert!(edit("- 1\n", &json!([1]), &json!([2])).is_err());
    }
}
