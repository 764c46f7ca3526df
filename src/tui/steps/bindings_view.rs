//! Drawing step 6: discover's progress, its error, the empty result, or the list of bindings (only the
//! visible rows are drawn) with a detail pane for the one under the cursor: its collection, resource, key
//! (JSON pointers) and its whole schema as a tree (`widgets::schema_tree`; `t` gives it most of a narrow
//! screen).

use super::bindings::{Phase, prefix};
use crate::model::DiscoveredBinding;
use crate::tui::state::State;
use crate::tui::theme::Theme;
use crate::tui::widgets::page::draw as draw_lines;
use crate::tui::widgets::text::{fit, sanitize, truncate, width, wrap};
use crate::tui::widgets::{log_pane, schema_tree, select_list};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// Where the list screen draws.
pub type Areas = crate::tui::widgets::page::ListDetail;

/// Lines above the list: the title, the filter or hint line, and the name editor (two lines) when open.
fn head_height(state: &State) -> u16 {
    2 + if state.bindings.edit.is_some() { 2 } else { 0 }
}

pub fn areas(state: &State, body: Rect) -> Areas {
    // The schema tree open (t): the list keeps a few rows, the detail the rest.
    let open = state.bindings.schema_open;
    crate::tui::widgets::page::list_detail(body, head_height(state), |rows| {
        if open {
            rows.saturating_sub((rows / 3).clamp(1, 5))
        } else {
            (rows / 2).min(6)
        }
    })
}

pub fn view(state: &State, frame: &mut Frame, body: Rect) {
    let t = &state.theme;
    let b = &state.bindings;
    let w = body.width as usize;
    match &b.phase {
        Phase::Working => {
            let elapsed = b.job.elapsed(state.now);
            let lines = vec![
                Line::styled("Bindings", t.title()),
                Line::styled(
                    truncate(
                        "What the connector can capture: each resource becomes a collection.",
                        w,
                    ),
                    t.dim(),
                ),
                Line::default(),
                log_pane::working(
                    t,
                    state.frame,
                    "Running the connector's discover",
                    Some(elapsed),
                    w,
                ),
                log_pane::latest(t, &b.job.logs, w),
                match &b.ssh_note {
                    Some(n) => Line::styled(truncate(&format!("  ⇄ {n}"), w), t.dim()),
                    None if crate::tui::session::catwalk_tunnel(state) => {
                        Line::styled(truncate("  ⇄ opening the SSH tunnel first", w), t.dim())
                    }
                    None => Line::default(),
                },
                Line::styled(
                    truncate(
                        "Esc cancels: the connector is stopped and its container removed.",
                        w,
                    ),
                    t.dim(),
                ),
            ];
            let used = draw_lines(frame, body, lines);
            log_pane::render_below(frame, body, used, &b.job.logs, t);
        }
        Phase::Failed(_) | Phase::Idle => {
            let mut lines = vec![
                Line::styled("Bindings", t.title()),
                Line::default(),
                Line::styled(
                    truncate("✗ Discover failed. The connector said:", w),
                    t.error(),
                ),
            ];
            let room = (body.height as usize).saturating_sub(lines.len() + 1);
            if let Phase::Failed(e) = &b.phase {
                lines.extend(log_pane::failure_page(
                    t,
                    &e.message,
                    &b.job.logs,
                    w,
                    room,
                    b.job.scroll,
                ));
            }
            lines.push(Line::styled(
                truncate(
                    "r runs discover again · e fixes the config · Esc goes back",
                    w,
                ),
                t.dim(),
            ));
            draw_lines(frame, body, lines);
        }
        Phase::Done if b.items.is_empty() => {
            let mut lines = vec![Line::styled("Bindings", t.title()), Line::default()];
            lines.push(Line::styled(
                truncate("The connector found nothing to capture.", w),
                t.warn(),
            ));
            lines.push(Line::default());
            let text = "Its discover ran and succeeded but listed no resource (no table, stream or file). \
                        This usually means the user in the config cannot see any, or the config points at an \
                        empty database, schema or account. Fix the config and discover again.";
            lines.extend(wrap(text, w).into_iter().map(Line::raw));
            lines.push(Line::default());
            lines.push(Line::styled(
                truncate(
                    "r runs discover again · e fixes the config · Esc goes back",
                    w,
                ),
                t.dim(),
            ));
            draw_lines(frame, body, lines);
        }
        Phase::Done => list(state, frame, body),
    }
}

fn list(state: &State, frame: &mut Frame, body: Rect) {
    let t = &state.theme;
    let b = &state.bindings;
    let a = areas(state, body);
    let w = body.width as usize;
    let p = prefix(state);
    let count = format!("{} of {} selected", b.selected, b.items.len());
    let title = Line::from(vec![
        Span::styled("Bindings", t.title()),
        Span::raw("  "),
        Span::styled(count.clone(), t.ok()),
        Span::styled(
            truncate(
                &format!("  · collections under {p}/"),
                w.saturating_sub(12 + count.len()),
            ),
            t.dim(),
        ),
    ]);
    frame.render_widget(title, Rect::new(a.head.x, a.head.y, a.head.width, 1));
    let row1 = Rect::new(a.head.x, a.head.y + 1, a.head.width, 1);
    if b.filtering || !b.filter.is_empty() {
        let label = "Filter: ";
        let shown = format!("  {} shown", b.visible.len());
        frame.render_widget(Line::styled(label, t.title()), row1);
        let iw = (a.head.width as usize).saturating_sub(label.len() + shown.len()) as u16;
        let input = Rect::new(row1.x + label.len() as u16, row1.y, iw, 1);
        b.filter.render(
            frame,
            input,
            t.input(),
            ("", t.dim()),
            b.filtering && b.edit.is_none(),
        );
        frame.render_widget(
            Line::styled(shown, t.dim()),
            Rect::new(
                input.x + iw,
                row1.y,
                row1.width.saturating_sub(input.x + iw - row1.x),
                1,
            ),
        );
    } else {
        frame.render_widget(
            Line::styled(
                truncate(
                    "Space toggles · a all · n none · / filter · Enter renames · ^N preview and save",
                    w,
                ),
                t.dim(),
            ),
            row1,
        );
    }
    if let Some(edit) = &b.edit {
        let y = a.head.y + 2;
        let label = format!("Collection name: {p}/");
        let lw = width(&label).min(w / 2);
        frame.render_widget(
            Line::styled(truncate(&label, lw), t.title()),
            Rect::new(a.head.x, y, lw as u16, 1),
        );
        edit.input.render(
            frame,
            Rect::new(a.head.x + lw as u16, y, (w - lw) as u16, 1),
            t.input(),
            ("", t.dim()),
            true,
        );
        let (msg, style) = match &edit.error {
            Some(e) => (format!("✗ {e}"), t.error()),
            None => (
                "Enter keeps this name; Esc cancels. Letters, numbers, - _ . and / between parts."
                    .into(),
                t.dim(),
            ),
        };
        frame.render_widget(
            Line::styled(truncate(&msg, w), style),
            Rect::new(a.head.x, y + 1, a.head.width, 1),
        );
    }
    if b.visible.is_empty() {
        frame.render_widget(
            Line::styled(
                truncate(
                    "  No binding matches the filter (^U clears it).",
                    a.list.width as usize,
                ),
                t.dim(),
            ),
            Rect::new(a.list.x, a.list.y, a.list.width, 1.min(a.list.height)),
        );
    } else {
        select_list::render(frame, a.list, &b.nav, b.visible.len(), t, |row, rw, _| {
            let i = b.visible[row];
            let tag = edit_tag(state, &b.items[i].id);
            row_line(
                &b.items[i],
                &b.bindings[i],
                rw,
                row == b.nav.selected,
                t,
                tag,
            )
        });
    }
    if let Some(i) = b.current() {
        detail(state, frame, a.detail, a.beside, i);
    }
}

/// Editing a catalog: a saved binding disabled there, or one that is not in it yet.
fn edit_tag(state: &State, id: &str) -> &'static str {
    use crate::tui::opened;
    if opened::task(state).is_none() {
        ""
    } else if opened::is_disabled(state, id) {
        " ○ disabled"
    } else if opened::is_saved(state, id) {
        ""
    } else {
        " + new"
    }
}

fn row_line(
    item: &super::bindings::Item,
    binding: &DiscoveredBinding,
    w: usize,
    cursor: bool,
    t: &Theme,
    edit_tag: &str,
) -> Line<'static> {
    let check = match (cursor, item.selected) {
        (true, true) => "›[x] ",
        (true, false) => "›[ ] ",
        (false, true) => " [x] ",
        (false, false) => " [ ] ",
    };
    let mut tags = String::new();
    if binding.is_fallback_key {
        tags.push_str(" ⚠ no key");
    }
    if binding.disable && edit_tag.is_empty() {
        tags.push_str(" ○ off");
    }
    tags.push_str(edit_tag);
    let name_w = w.saturating_sub(5 + width(&tags));
    let name = fit(&sanitize(&item.name), name_w);
    let mut spans = vec![
        Span::styled(check, if item.selected { t.ok() } else { t.dim() }),
        Span::raw(name),
    ];
    if !tags.is_empty() {
        spans.push(Span::styled(tags, t.warn()));
    }
    Line::from(spans)
}

fn detail(state: &State, frame: &mut Frame, area: Rect, beside: bool, i: usize) {
    if area.height == 0 || area.width < 10 {
        return;
    }
    let t = &state.theme;
    let b = &state.bindings;
    let item = &b.items[i];
    let binding = &b.bindings[i];
    let (area, w) = crate::tui::widgets::page::detail_pane(frame, area, beside, t.border());
    let label = |s: &'static str| Span::styled(format!("{s:<11}"), t.dim());
    let mut lines: Vec<Line> = Vec::new();
    lines.push(Line::from(vec![
        label("Collection"),
        Span::styled(
            truncate(
                &sanitize(&format!("{}/{}", prefix(state), item.name)),
                w - 11,
            ),
            t.title(),
        ),
    ]));
    let resource = serde_json::to_string(&binding.resource_config).unwrap_or_default();
    lines.push(Line::from(vec![
        label("Resource"),
        Span::raw(truncate(&sanitize(&resource), w - 11)),
    ]));
    let key = binding.key.join(", ");
    if binding.is_fallback_key {
        // Wrapped, never cut: this is what a person must know about the binding.
        let text = format!("⚠ {key}: no primary key from the source; a fallback key");
        for (n, part) in wrap(&text, w.saturating_sub(11).max(1))
            .into_iter()
            .enumerate()
        {
            let head = if n == 0 {
                label("Key")
            } else {
                Span::raw(" ".repeat(11))
            };
            lines.push(Line::from(vec![head, Span::styled(part, t.warn())]));
        }
    } else {
        lines.push(Line::from(vec![
            label("Key"),
            Span::raw(truncate(&sanitize(&key), w - 11)),
        ]));
    }
    if binding.disable {
        lines.push(Line::styled(
            truncate("○ The connector recommends leaving this one off.", w),
            t.warn(),
        ));
    }
    // The schema as a tree (`$ref`s resolved, nested objects and lists), key fields marked.
    let tree = schema_tree::rows(&binding.document_schema);
    let top = tree.iter().filter(|r| r.depth == 0).count();
    let nested = tree.len() - top;
    let count = if nested > 0 {
        format!("{top} top-level properties, {nested} nested")
    } else {
        format!("{top} top-level properties")
    };
    // The concepts, in one line where they first appear (beside the list: before the schema).
    let concept = "Binding = one resource of the source → one collection (keyed JSON documents).";
    if beside {
        lines.extend(
            wrap(concept, w)
                .into_iter()
                .map(|l| Line::styled(l, t.dim())),
        );
    }
    let hint = if beside || b.schema_open {
        ""
    } else {
        "  (t: whole tree)"
    };
    lines.push(Line::from(vec![
        label("Schema"),
        Span::raw(truncate(&format!("{count}{hint}"), w - 11)),
    ]));
    let room = (area.height as usize).saturating_sub(lines.len());
    if room >= 3 || tree.len() <= room {
        lines.extend(schema_tree::lines(&tree, &binding.key, w, room, 0, t));
    } else {
        // No room for the tree: its top level in one line.
        let list = tree
            .iter()
            .filter(|r| r.depth == 0)
            .map(|r| {
                let key = if binding.key.contains(&r.pointer) {
                    " · key"
                } else {
                    ""
                };
                format!("{} {}{key}", r.name, r.ty)
            })
            .collect::<Vec<_>>()
            .join(", ");
        lines.push(Line::styled(truncate(&sanitize(&list), w), t.dim()));
    }
    draw_lines(frame, area, lines);
}
