//! Drawing a materialization's Fields step: validate's progress or its failure, else the binding shown
//! (which of how many, where it goes, delta updates) and its fields as a table: selected, field, type,
//! constraint, reason; the last line says why the row under the cursor cannot change, or its reason whole.

use super::fields::{Phase, constraint_word, shown};
use crate::model::ConstraintType;
use crate::ops::fields::FieldRow;
use crate::tui::state::State;
use crate::tui::theme::Theme;
use crate::tui::widgets::page::draw as draw_lines;
use crate::tui::widgets::text::{fit, sanitize, truncate, width};
use crate::tui::widgets::{log_pane, select_list};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// Lines above the table (title, summary, column heads) and below it (the note).
const HEAD: u16 = 3;
const FOOT: u16 = 1;

/// Where the table's rows go.
pub fn list_area(body: Rect) -> Rect {
    let h = body.height.saturating_sub(HEAD + FOOT);
    Rect::new(body.x, body.y + HEAD.min(body.height), body.width, h)
}

pub fn view(state: &State, frame: &mut Frame, body: Rect) {
    let t = &state.theme;
    let f = &state.fields;
    let w = body.width as usize;
    match &f.phase {
        Phase::Done => table(state, frame, body),
        Phase::Working => {
            let n = state.mat.chosen.len();
            let lines = vec![
                Line::styled("Fields", t.title()),
                Line::styled(
                    truncate(
                        "Which fields of each collection become columns: the connector says what it can take.",
                        w,
                    ),
                    t.dim(),
                ),
                Line::default(),
                log_pane::working(
                    t,
                    state.frame,
                    &format!(
                        "Running the connector's validate of {n} binding{}",
                        if n == 1 { "" } else { "s" }
                    ),
                    None,
                    w,
                ),
                log_pane::latest(t, &f.job.logs, w),
                match &f.ssh_note {
                    Some(n) => Line::styled(truncate(&format!("  ⇄ {n}"), w), t.dim()),
                    None => Line::default(),
                },
                Line::styled(
                    truncate("Esc cancels: the connector is stopped.", w),
                    t.dim(),
                ),
            ];
            let used = draw_lines(frame, body, lines);
            log_pane::render_below(frame, body, used, &f.job.logs, t);
        }
        Phase::Failed(_) | Phase::Idle => {
            let mut lines = vec![
                Line::styled("Fields", t.title()),
                Line::default(),
                Line::styled(
                    truncate(
                        "✗ The connector's validate refused the bindings. It said:",
                        w,
                    ),
                    t.error(),
                ),
            ];
            let room = (body.height as usize).saturating_sub(lines.len() + 1);
            if let Phase::Failed(e) = &f.phase {
                lines.extend(log_pane::failure_page(
                    t,
                    &e.message,
                    &f.job.logs,
                    w,
                    room,
                    f.job.scroll,
                ));
            }
            lines.push(Line::styled(
                truncate(
                    "r validates again · e fixes the config · Esc back to the resources",
                    w,
                ),
                t.dim(),
            ));
            draw_lines(frame, body, lines);
        }
    }
}

/// Column widths: field, type, constraint (the reason gets the rest).
fn columns(w: usize) -> (usize, usize, usize) {
    let field = (w * 26 / 100).clamp(10, 30);
    let ty = (w * 14 / 100).clamp(8, 20);
    let constraint = 13.min(w.saturating_sub(field + ty + 5) / 2);
    (field, ty, constraint)
}

fn table(state: &State, frame: &mut Frame, body: Rect) {
    let t = &state.theme;
    let f = &state.fields;
    let w = body.width as usize;
    let (rows, conflict, rejected) = match shown(state) {
        Ok((rows, conflict)) => (rows, conflict, None),
        Err(why) => (Vec::new(), None, Some(why)),
    };
    let n = state.mat.chosen.len();
    let name = state
        .mat
        .sources()
        .nth(f.at)
        .map(|s| s.name.clone())
        .unwrap_or_default();
    let validated = match f.verdicts.as_ref().and_then(|v| v.get(f.at)) {
        Some(crate::tui::msg::Verdict::Accepted { validated, .. }) => Some(validated),
        _ => None,
    };
    let path = match validated {
        Some(v) => format!(" → {}", v.resource_path.join(".")),
        None => String::new(),
    };
    let which = format!("  binding {} of {n} · ", f.at + 1);
    let title = Line::from(vec![
        Span::styled("Fields", t.title()),
        Span::styled(which.clone(), t.dim()),
        Span::styled(
            truncate(
                &sanitize(&format!("{name}{path}")),
                w.saturating_sub(6 + width(&which)),
            ),
            t.title(),
        ),
    ]);
    let selected = rows.iter().filter(|r| r.selected).count();
    let delta = if validated.is_some_and(|v| v.delta_updates) {
        "on"
    } else {
        "off"
    };
    let summary = match &rejected {
        Some(_) => "✗ Rejected by the connector: written disabled, to fix later · Tab next binding"
            .to_string(),
        None => format!(
            "{} fields, {selected} selected · delta updates {delta} (d) · Tab next binding · ^N review",
            rows.len()
        ),
    };
    let (fw, tw, cw) = columns(w);
    let head = format!(
        "     {}{}{}Why",
        fit("Field", fw + 1),
        fit("Type", tw + 1),
        fit("Constraint", cw + 1)
    );
    let head_lines = vec![
        title,
        Line::styled(
            truncate(&summary, w),
            if rejected.is_some() {
                t.error()
            } else {
                t.dim()
            },
        ),
        Line::styled(truncate(&head, w), t.title()),
    ];
    draw_lines(
        frame,
        Rect::new(body.x, body.y, body.width, HEAD.min(body.height)),
        head_lines,
    );
    let list = list_area(body);
    if let Some(why) = &rejected {
        let lines = crate::tui::widgets::text::wrap(&format!("The connector said: {why}"), w)
            .into_iter()
            .map(|l| Line::styled(l, t.error()))
            .collect();
        draw_lines(frame, list, lines);
        return;
    }
    select_list::render(frame, list, &f.nav, rows.len(), t, |i, rw, cursor| {
        row_line(&rows[i], rw, cursor, (fw, tw, cw), t)
    });
    let foot = Rect::new(
        body.x,
        list.y + list.height,
        body.width,
        FOOT.min(body.height),
    );
    let (text, style) = match (&f.note, &conflict, rows.get(f.nav.selected)) {
        (Some(note), _, _) => (format!("✗ {note}"), t.warn()),
        (None, Some(c), _) => (format!("✗ {c}"), t.error()),
        (None, None, Some(r)) => {
            let said = r
                .constraint
                .as_ref()
                .map(|c| c.reason.clone())
                .unwrap_or_else(|| {
                    "the connector gave no constraint: it cannot take this field".into()
                });
            let lock = if r.can_toggle() { "" } else { "fixed · " };
            (format!("{}: {lock}{said}", r.field), t.dim())
        }
        (None, None, None) => (
            "The connector names no field for this binding.".into(),
            t.warn(),
        ),
    };
    frame.render_widget(Line::styled(truncate(&sanitize(&text), w), style), foot);
}

fn constraint_style(row: &FieldRow, t: &Theme) -> Style {
    let Some(c) = row.constraint.as_ref().map(|c| c.kind) else {
        return t.error();
    };
    match c {
        ConstraintType::FieldRequired | ConstraintType::LocationRequired => t.ok(),
        ConstraintType::FieldForbidden
        | ConstraintType::Incompatible
        | ConstraintType::Unsatisfiable
        | ConstraintType::Invalid => t.error(),
        _ => t.dim(),
    }
}

fn row_line(
    r: &FieldRow,
    w: usize,
    cursor: bool,
    (fw, tw, cw): (usize, usize, usize),
    t: &Theme,
) -> Line<'static> {
    let mark = match (r.selected, r.can_toggle()) {
        (true, false) => "[■]",
        (true, true) => "[x]",
        (false, false) => "[-]",
        (false, true) => "[ ]",
    };
    let lead = if cursor { "›" } else { " " };
    let reason_w = w.saturating_sub(5 + fw + tw + cw + 3);
    Line::from(vec![
        Span::styled(
            format!("{lead}{mark}"),
            if r.selected { t.ok() } else { t.dim() },
        ),
        Span::raw(" "),
        Span::raw(fit(&sanitize(&r.field), fw)),
        Span::raw(" "),
        Span::styled(fit(&sanitize(&r.type_label()), tw), t.dim()),
        Span::raw(" "),
        Span::styled(fit(constraint_word(r), cw), constraint_style(r, t)),
        Span::raw(" "),
        Span::styled(truncate(&r.reason.to_string(), reason_w), t.dim()),
    ])
}
