//! Drawing step 1: the intro line, Docker's status, the filter, the list with its columns, and the
//! details of the selected row; the custom form goes on top when open. Reads the state only.

use super::connector::{INTRO, Mode, Row, areas, kind};
use super::connector_form;
use crate::tui::state::{DockerStatus, State};
use crate::tui::widgets::select_list;
use crate::tui::widgets::text::{fit, truncate, truncate_left, wrap};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

pub fn view(state: &State, frame: &mut Frame, body: Rect) {
    let t = &state.theme;
    let c = &state.connector;
    let a = areas(body);
    let w = body.width as usize;
    for (i, line) in wrap(INTRO, w)
        .into_iter()
        .take(a.intro.height as usize)
        .enumerate()
    {
        let r = Rect::new(a.intro.x, a.intro.y + i as u16, a.intro.width, 1);
        frame.render_widget(Line::styled(line, t.text()), r);
    }
    frame.render_widget(docker_line(state, w), a.docker);
    // The filter line: the input, and how many rows it lets through.
    let count = if c.filter.is_empty() {
        format!("{} connectors", c.total())
    } else {
        format!("{} of {}", c.matches(), c.total())
    };
    let label = "Filter: ";
    let count_w = count.chars().count() as u16 + 1;
    frame.render_widget(Line::styled(label, t.dim()), a.filter);
    let input = Rect::new(
        a.filter.x + label.len() as u16,
        a.filter.y,
        a.filter.width.saturating_sub(label.len() as u16 + count_w),
        a.filter.height,
    );
    let focused = c.mode == Mode::Filter && state.overlays.is_empty();
    let style = if focused { t.input() } else { t.text() };
    c.filter.render(
        frame,
        input,
        style,
        ("type to filter: name, image or category", t.dim()),
        focused,
    );
    let count_area = Rect::new(
        a.filter.x + a.filter.width.saturating_sub(count_w),
        a.filter.y,
        count_w.min(a.filter.width),
        a.filter.height,
    );
    frame.render_widget(Line::styled(count, t.dim()).right_aligned(), count_area);
    let cols = Columns::new(
        (a.list.width as usize).saturating_sub(usize::from(c.rows.len() > a.list.height as usize)),
    );
    frame.render_widget(Line::styled(cols.header(), t.dim()), a.header);
    select_list::render(
        frame,
        a.list,
        &c.nav,
        c.rows.len(),
        t,
        |i, width, selected| row_line(state, c.rows[i], &cols, width, selected),
    );
    if c.matches() == 0 && !c.filter.is_empty() && a.list.height as usize > c.rows.len() {
        let y = a.list.y + c.rows.len() as u16;
        let msg = format!(
            "  No connector matches “{}”. Try fewer letters, or pick Any Docker image… above.",
            c.filter.value()
        );
        frame.render_widget(
            Line::styled(truncate(&msg, w), t.warn()),
            Rect::new(a.list.x, y, a.list.width, 1),
        );
    }
    details(state, frame, a.details);
    if c.mode == Mode::Form {
        connector_form::view(&c.form, state, frame, a.list.union(a.details));
    }
}

fn docker_line(state: &State, w: usize) -> Line<'static> {
    let t = &state.theme;
    let (text, style) = match &state.docker {
        DockerStatus::Checking => (
            format!(
                "Docker: {} checking…",
                crate::tui::widgets::log_pane::spinner(state.frame)
            ),
            t.dim(),
        ),
        DockerStatus::Up { version } => (format!("Docker: up ({version})"), t.ok()),
        DockerStatus::Down { reason } => {
            // The reason may be long; what it means for the person must stay visible.
            let (head, tail) = ("Docker: down (", "). Local connectors still work.");
            let room = w.saturating_sub(head.len() + tail.len());
            (
                format!("{head}{}{tail}", truncate(&reason.message, room.max(8))),
                t.error(),
            )
        }
    };
    Line::styled(truncate(&text, w), style)
}

/// Column widths of the list at a given width.
struct Columns {
    title: usize,
    kind: usize,
    category: usize,
    protocol: usize,
    image: usize,
}

impl Columns {
    fn new(width: usize) -> Columns {
        let (kind, category, protocol) = (11, 9, 8);
        let fixed = 2 + kind + category + protocol + 4;
        let flexible = width.saturating_sub(fixed);
        let title = (flexible * 2 / 5).clamp(12.min(flexible), 30);
        let image = flexible.saturating_sub(title);
        Columns {
            title,
            kind,
            category,
            protocol,
            image,
        }
    }

    fn line(&self, title: &str, kind: &str, cat: &str, proto: &str, image: &str) -> String {
        format!(
            "{} {} {} {} {}",
            fit(title, self.title),
            fit(kind, self.kind),
            fit(cat, self.category),
            fit(proto, self.protocol),
            fit(&truncate_left(image, self.image), self.image)
        )
    }

    fn header(&self) -> String {
        format!(
            "  {}",
            self.line("Connector", "Kind", "Category", "Protocol", "Image or path")
        )
    }
}

fn row_line(
    state: &State,
    row: Row,
    cols: &Columns,
    width: usize,
    selected: bool,
) -> Line<'static> {
    let c = &state.connector;
    let t = &state.theme;
    let marker = if selected { "› " } else { "  " };
    let (text, style) = match row {
        Row::Catalog(ci, ti) => {
            let (cat, task) = (&c.catalogs[ci], &c.catalogs[ci].tasks[ti]);
            (
                format!(
                    "{marker}{}",
                    cols.line(
                        &task.name,
                        kind(task.kind),
                        "catalog",
                        &format!("{} bind", task.bindings),
                        &cat.file.display().to_string()
                    )
                ),
                t.title(),
            )
        }
        Row::AnyImage => (
            format!("{marker}{}", cols.line("Any Docker image…", "", "", "", "")),
            t.title(),
        ),
        Row::LocalCommand => (
            format!("{marker}{}", cols.line("Local command…", "", "", "", "")),
            t.title(),
        ),
        Row::Local(i) => {
            let l = &c.local[i];
            (
                format!(
                    "{marker}{}",
                    cols.line(
                        &l.name,
                        kind(l.kind),
                        "Local",
                        &l.protocol()
                            .map(|p| p.to_string())
                            .unwrap_or_else(|| "probe".into()),
                        &l.path.display().to_string()
                    )
                ),
                t.text(),
            )
        }
        Row::Curated(i) => {
            let e = &c.curated[i];
            (
                format!(
                    "{marker}{}",
                    cols.line(
                        &e.title,
                        kind(e.kind),
                        &e.category,
                        &e.protocol.to_string(),
                        &e.image
                    )
                ),
                t.text(),
            )
        }
    };
    Line::from(Span::styled(truncate(&text, width), style))
}

/// The three lines under the list about the selected row.
fn details(state: &State, frame: &mut Frame, area: Rect) {
    if area.height == 0 {
        return;
    }
    let t = &state.theme;
    let c = &state.connector;
    let w = area.width as usize;
    let rule = "─".repeat(w);
    let lines: Vec<Line> = match c.rows.get(c.nav.selected) {
        _ if c.opening.is_some() => vec![
            Line::raw(
                "Opening the catalog (sops decrypts its config in memory when it is protected)…",
            ),
            Line::default(),
            Line::default(),
        ],
        _ if c.open_error.is_some() => wrap(c.open_error.as_deref().unwrap_or(""), w)
            .into_iter()
            .take(3)
            .map(|l| Line::styled(l, t.error()))
            .collect(),
        Some(Row::Catalog(ci, ti)) => {
            let (cat, task) = (&c.catalogs[*ci], &c.catalogs[*ci].tasks[*ti]);
            vec![
                Line::raw(format!(
                    "Open the {} {} of {} to edit it.",
                    crate::ops::edit::kind_word(task.kind),
                    task.name,
                    cat.file.display()
                )),
                Line::styled(format!("{} · {}", task.connector, task.count()), t.dim()),
                Line::styled(
                    "Config, tunnel and bindings come from the file; saving writes back into it.",
                    t.dim(),
                ),
            ]
        }
        Some(Row::AnyImage) => vec![
            Line::raw("Type any image: Estuary Flow (ghcr.io/estuary/…) or Airbyte (airbyte/…)."),
            Line::styled(
                "Its labels say which protocol it speaks; you can also choose.",
                t.dim(),
            ),
            Line::styled(
                "Pulled when absent (never for tags ending in :local).",
                t.dim(),
            ),
        ],
        Some(Row::LocalCommand) => vec![
            Line::raw(
                "Run a program on this machine: an Airbyte connector or Singer tap from pip.",
            ),
            Line::styled(
                "No Docker needed. Its protocol is found by probing, or you choose it.",
                t.dim(),
            ),
            Line::default(),
        ],
        Some(Row::Local(i)) => {
            let l = &c.local[*i];
            vec![
                Line::raw(format!(
                    "{}: a {} program found on PATH.",
                    l.name,
                    kind(l.kind)
                )),
                Line::styled(format!("path {}", l.path.display()), t.dim()),
                Line::styled(
                    match l.protocol() {
                        Some(_) => "A Singer tap: its settings come from `--about --format=json`.",
                        None => "Its protocol is found by probing it (Airbyte first, then Flow).",
                    },
                    t.dim(),
                ),
            ]
        }
        Some(Row::Curated(i)) => {
            let e = &c.curated[*i];
            vec![
                Line::raw(e.description.clone()),
                Line::styled(
                    format!("{} · {} · {}", e.image, e.protocol, kind(e.kind)),
                    t.dim(),
                ),
                match &e.docs {
                    Some(url) => Line::from(vec![
                        Span::styled("docs ", t.dim()),
                        Span::styled(url.clone(), t.link()),
                    ]),
                    None => Line::styled("docs: the connector's spec names them", t.dim()),
                },
            ]
        }
        None => vec![],
    };
    frame.render_widget(
        Line::styled(rule, t.border()),
        Rect::new(area.x, area.y, area.width, 1),
    );
    for (i, line) in lines.into_iter().enumerate().take(area.height as usize - 1) {
        let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        let line = if crate::tui::widgets::text::width(&text) > w {
            Line::styled(
                truncate(&text, w),
                line.spans.first().map(|s| s.style).unwrap_or_default(),
            )
        } else {
            line
        };
        frame.render_widget(
            line,
            Rect::new(area.x, area.y + 1 + i as u16, area.width, 1),
        );
    }
}
