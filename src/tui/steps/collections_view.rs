//! Drawing a materialization's Collections step: reading the catalogs, why none could be bound, or the
//! list of collections (only the visible rows drawn) with the one under the cursor in detail: its key,
//! the catalog defining it, and its schema.

use super::collections::Phase;
use crate::tui::materialization::{Source, schema_of, schema_summary};
use crate::tui::state::State;
use crate::tui::theme::Theme;
use crate::tui::widgets::page::draw as draw_lines;
use crate::tui::widgets::select_list;
use crate::tui::widgets::text::{fit, sanitize, truncate, width, wrap};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// Where the list screen draws.
pub type Areas = crate::tui::widgets::page::ListDetail;

/// Title, hint or filter line, and the path prompt (two lines) when open.
fn head_height(state: &State) -> u16 {
    2 + if state.collections.prompt.is_some() {
        2
    } else {
        0
    }
}

pub fn areas(state: &State, body: Rect) -> Areas {
    crate::tui::widgets::page::list_detail(body, head_height(state), |rows| (rows / 2).min(6))
}

pub fn view(state: &State, frame: &mut Frame, body: Rect) {
    let t = &state.theme;
    let c = &state.collections;
    let w = body.width as usize;
    let name =
        crate::tui::session::connector_label(state).unwrap_or_else(|| "This connector".into());
    let dir = c.loaded_for.clone().unwrap_or_else(|| ".".into());
    match &c.phase {
        Phase::Done if !c.selected.is_empty() => list(state, frame, body),
        phase => {
            let mut lines = vec![Line::styled("Collections", t.title()), Line::default()];
            let intro = format!(
                "{name} is a materialization connector: it writes collections into a system. Choose the \
                 collections it writes from your Flow catalogs."
            );
            lines.extend(wrap(&intro, w).into_iter().map(Line::raw));
            lines.push(Line::default());
            let (text, style) = match phase {
                Phase::Loading => (
                    format!(
                        "{} Reading the catalogs (*.flow.yaml) in {dir}…",
                        crate::tui::widgets::log_pane::spinner(state.frame)
                    ),
                    t.dim(),
                ),
                Phase::Failed(e) => (format!("✗ {e}"), t.error()),
                _ => (
                    format!(
                        "No collection found: no catalog (*.flow.yaml) in {} defines one. Save a capture's \
                         catalog there first, or open a catalog file with o.",
                        state.mat.loaded.dir.display()
                    ),
                    t.warn(),
                ),
            };
            lines.extend(wrap(&text, w).into_iter().map(|l| Line::styled(l, style)));
            for p in state.mat.loaded.problems.iter().take(4) {
                lines.extend(
                    wrap(&format!("✗ {p}"), w)
                        .into_iter()
                        .map(|l| Line::styled(l, t.error())),
                );
            }
            let used = draw_lines(frame, body, lines) as u16;
            if c.prompt.is_some() {
                prompt(
                    state,
                    frame,
                    Rect::new(body.x, body.y + used + 1, body.width, 2),
                );
            }
        }
    }
}

fn prompt(state: &State, frame: &mut Frame, area: Rect) {
    let t = &state.theme;
    let Some(p) = &state.collections.prompt else {
        return;
    };
    if area.height < 2 || area.bottom() > frame.area().bottom() {
        return;
    }
    let label = "Catalog file: ";
    frame.render_widget(
        Line::styled(label, t.title()),
        Rect::new(area.x, area.y, label.len() as u16, 1),
    );
    let iw = area.width.saturating_sub(label.len() as u16);
    p.input.render(
        frame,
        Rect::new(area.x + label.len() as u16, area.y, iw, 1),
        t.input(),
        ("e.g. ~/flow/acmeCo/flow.yaml", t.dim()),
        true,
    );
    frame.render_widget(
        Line::styled(
            truncate(
                "Enter reads its collections (and those it imports); Esc closes",
                area.width as usize,
            ),
            t.dim(),
        ),
        Rect::new(area.x, area.y + 1, area.width, 1),
    );
}

fn list(state: &State, frame: &mut Frame, body: Rect) {
    let t = &state.theme;
    let c = &state.collections;
    let loaded = &state.mat.loaded;
    let a = areas(state, body);
    let w = body.width as usize;
    let count = format!("{} of {} selected", c.count(), c.selected.len());
    let files = loaded.files.len();
    let from = format!(
        "  · from {files} catalog{} in {}",
        if files == 1 { "" } else { "s" },
        loaded.dir.display()
    );
    frame.render_widget(
        Line::from(vec![
            Span::styled("Collections", t.title()),
            Span::raw("  "),
            Span::styled(count.clone(), t.ok()),
            Span::styled(truncate(&from, w.saturating_sub(13 + count.len())), t.dim()),
        ]),
        Rect::new(a.head.x, a.head.y, a.head.width, 1),
    );
    let row1 = Rect::new(a.head.x, a.head.y + 1, a.head.width, 1.min(a.head.height));
    if let Some(problem) = &c.problem {
        frame.render_widget(Line::styled(truncate(problem, w), t.error()), row1);
    } else if c.filtering || !c.filter.is_empty() {
        let label = "Filter: ";
        let shown = format!("  {} shown", c.visible.len());
        frame.render_widget(Line::styled(label, t.title()), row1);
        let iw = w.saturating_sub(label.len() + shown.len()) as u16;
        let input = Rect::new(row1.x + label.len() as u16, row1.y, iw, 1);
        c.filter
            .render(frame, input, t.input(), ("", t.dim()), c.filtering);
        frame.render_widget(
            Line::styled(shown.clone(), t.dim()),
            Rect::new(input.x + iw, row1.y, shown.len() as u16, 1),
        );
    } else {
        let hint = match loaded.problems.first() {
            Some(p) => format!("✗ {p}"),
            None => "Space toggles · a all · n none · / filter · o opens a catalog · ^N resources"
                .to_string(),
        };
        let style = if loaded.problems.is_empty() {
            t.dim()
        } else {
            t.error()
        };
        frame.render_widget(Line::styled(truncate(&hint, w), style), row1);
    }
    if c.prompt.is_some() {
        prompt(
            state,
            frame,
            Rect::new(a.head.x, a.head.y + 2, a.head.width, 2),
        );
    }
    if c.visible.is_empty() {
        frame.render_widget(
            Line::styled(
                truncate(
                    "  No collection matches the filter (^U clears it).",
                    a.list.width as usize,
                ),
                t.dim(),
            ),
            Rect::new(a.list.x, a.list.y, a.list.width, 1.min(a.list.height)),
        );
    } else {
        // Names in one column as wide as the longest shown, keys after them.
        let names_w = c
            .visible
            .iter()
            .map(|i| width(&loaded.collections[*i].name))
            .max()
            .unwrap_or(0)
            + 2;
        select_list::render(
            frame,
            a.list,
            &c.nav,
            c.visible.len(),
            t,
            |row, rw, cursor| {
                let i = c.visible[row];
                row_line(
                    &loaded.collections[i],
                    c.selected[i],
                    rw,
                    names_w,
                    cursor,
                    t,
                )
            },
        );
    }
    if let Some(i) = c.current() {
        detail(state, frame, a.detail, a.beside, &loaded.collections[i]);
    }
}

fn row_line(
    s: &Source,
    selected: bool,
    w: usize,
    names_w: usize,
    cursor: bool,
    t: &Theme,
) -> Line<'static> {
    let check = match (cursor, selected) {
        (true, true) => "›[x] ",
        (true, false) => "›[ ] ",
        (false, true) => " [x] ",
        (false, false) => " [ ] ",
    };
    let key = format!("key {}", s.key.join(", "));
    let kw = width(&key).min(w / 3);
    let name_w = names_w.min(w.saturating_sub(5 + kw));
    Line::from(vec![
        Span::styled(check, if selected { t.ok() } else { t.dim() }),
        Span::raw(fit(&sanitize(&s.name), name_w)),
        Span::styled(truncate(&sanitize(&key), kw), t.dim()),
    ])
}

fn detail(state: &State, frame: &mut Frame, area: Rect, beside: bool, s: &Source) {
    if area.height == 0 || area.width < 10 {
        return;
    }
    let t = &state.theme;
    let (area, w) = crate::tui::widgets::page::detail_pane(frame, area, beside, t.border());
    let label = |l: &'static str| Span::styled(format!("{l:<11}"), t.dim());
    let rest = w.saturating_sub(11);
    let file = s
        .file
        .strip_prefix(&state.mat.loaded.dir)
        .unwrap_or(&s.file)
        .display()
        .to_string();
    let mut lines = vec![
        Line::from(vec![
            label("Collection"),
            Span::styled(truncate(&sanitize(&s.name), rest), t.title()),
        ]),
        Line::from(vec![
            label("Key"),
            Span::raw(truncate(&sanitize(&s.key.join(", ")), rest)),
        ]),
        Line::from(vec![
            label("Catalog"),
            Span::raw(truncate(&sanitize(&file), rest)),
        ]),
    ];
    if beside {
        let tree = crate::schema::tree::rows(schema_of(s), 6, 2000);
        let top = tree.iter().filter(|r| r.depth == 0).count();
        lines.push(Line::from(vec![
            label("Schema"),
            Span::raw(format!("{top} top-level properties")),
        ]));
        let room = (area.height as usize).saturating_sub(lines.len());
        let shown = if tree.len() > room {
            room.saturating_sub(1)
        } else {
            room
        };
        for r in tree.iter().take(shown) {
            let name = format!("  {}{}", "  ".repeat(r.depth.min(6)), sanitize(&r.name));
            let ty = if s.key.contains(&r.pointer) {
                format!("{} · key", r.ty)
            } else {
                r.ty.clone()
            };
            let nw = width(&name).min(w / 2);
            lines.push(Line::from(vec![
                Span::raw(fit(&name, nw)),
                Span::styled(truncate(&format!("  {ty}"), w.saturating_sub(nw)), t.dim()),
            ]));
        }
        if tree.len() > shown {
            lines.push(Line::styled(
                format!("  … and {} more", tree.len() - shown),
                t.dim(),
            ));
        }
    } else {
        lines.push(Line::from(vec![
            label("Schema"),
            Span::raw(truncate(
                &sanitize(&schema_summary(schema_of(s), &s.key, 8)),
                rest,
            )),
        ]));
    }
    draw_lines(frame, area, lines);
}
