//! Drawing the form editor: one line per row (label column, value column; secrets masked unless revealed),
//! a problem line under a row that has one, a scrollbar when the rows do not fit; the help panel for the
//! focused row (breadcrumb, description, examples, default, bounds); and the open popup. Reads only.

use super::field::{self, MASK, hints, plain};
use super::form_rows::{Row, RowKind};
use super::form_ui::{FileTarget, FormUi, Popup};
use super::text::{fit, truncate, width, wrap};
use crate::schema::Form;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// Cells of the label column (marker and indent included): the longest label, within limits of `w`.
fn label_width(ui: &FormUi, w: usize) -> usize {
    let longest = ui
        .rows
        .iter()
        .filter(|r| {
            !matches!(
                r.kind,
                RowKind::Group
                    | RowKind::Section
                    | RowKind::Note
                    | RowKind::Next
                    | RowKind::Advanced { .. }
            )
        })
        .map(|r| 2 + 2 * r.depth.min(5) + width(&r.title) + width(required(r)))
        .max()
        .unwrap_or(16);
    (longest + 1).clamp(16, (w / 2).clamp(16, 40))
}

/// Draw the rows in `area`; `active` is false while something covers the form (no cursor then).
pub fn render(
    frame: &mut Frame,
    area: Rect,
    ui: &FormUi,
    form: &Form,
    theme: &Theme,
    active: bool,
) {
    if area.height == 0 || area.width < 10 {
        return;
    }
    let height = area.height as usize;
    let heights = ui.heights();
    let total: usize = heights.iter().sum();
    let scroll = total > height;
    let w = area.width as usize - usize::from(scroll);
    let offset = ui.visible_offset(height);
    let label_w = label_width(ui, w);
    let mut line = 0;
    for (i, row) in ui.rows.iter().enumerate() {
        let h = heights[i];
        if line + h <= offset {
            line += h;
            continue;
        }
        if line >= offset + height {
            break;
        }
        let focused = i == ui.focus;
        if line >= offset {
            let y = area.y + (line - offset) as u16;
            let r = Rect::new(area.x, y, w as u16, 1);
            draw_row(frame, r, ui, form, row, focused, label_w, theme, active);
        }
        let below = match (ui.shown_error(i), ui.shown_warning(i)) {
            (Some(problem), _) => Some((format!("✗ {problem}"), theme.error())),
            (None, Some(warning)) => Some((format!("⚠ {warning}"), theme.warn())),
            _ => None,
        };
        if let Some((text, style)) = below
            && line + 1 >= offset
            && line + 1 < offset + height
        {
            let y = area.y + (line + 1 - offset) as u16;
            let x = (label_w + 1).min(w.saturating_sub(10));
            let text = truncate(&text, w - x);
            let r = Rect::new(area.x + x as u16, y, (w - x) as u16, 1);
            frame.render_widget(Line::styled(text, style), r);
        }
        line += h;
    }
    if scroll {
        super::select_list::scrollbar(frame, area, total, height, offset, theme);
    }
}

#[allow(clippy::too_many_arguments)]
fn draw_row(
    frame: &mut Frame,
    r: Rect,
    ui: &FormUi,
    form: &Form,
    row: &Row,
    focused: bool,
    label_w: usize,
    theme: &Theme,
    active: bool,
) {
    let w = r.width as usize;
    let indent = "  ".repeat(row.depth.min(5));
    let marker = if focused { "› " } else { "  " };
    let full = |text: String, style: Style| {
        let style = if focused { theme.selected() } else { style };
        Line::styled(truncate(&format!("{marker}{indent}{text}"), w), style)
    };
    let line = match &row.kind {
        RowKind::Group => Line::styled(truncate(&format!("── {} ", row.title), w), theme.title()),
        RowKind::Note => full(row.title.clone(), theme.dim()),
        RowKind::Next => full(format!("[ {} ]", row.title), theme.title()),
        // "Advanced options", or "Optional settings" when a long form folds its optional fields.
        RowKind::Advanced { open: true, .. } => full(format!("▾ {}", row.title), theme.dim()),
        RowKind::Advanced {
            open: false,
            hidden,
        } => full(
            format!("▸ {} ({}): {}", row.title, hidden.len(), hidden.join(", ")),
            theme.dim(),
        ),
        RowKind::Section => {
            let hint = if focused { "   d removes it" } else { "" };
            let mut l = full(format!("{}{}", row.title, required(row)), theme.title());
            l.push_span(Span::styled(hint, theme.dim()));
            l
        }
        _ => {
            let label = format!("{marker}{indent}{}{}", row.title, required(row));
            let label_style = if focused {
                theme.selected()
            } else {
                theme.text()
            };
            frame.render_widget(
                Line::styled(fit(&label, label_w), label_style),
                Rect::new(r.x, r.y, label_w.min(w) as u16, 1),
            );
            let vx = label_w + 1;
            if vx + 2 > w {
                return;
            }
            let value = Rect::new(r.x + vx as u16, r.y, (w - vx) as u16, 1);
            draw_value(frame, value, ui, form, row, focused, theme, active);
            return;
        }
    };
    frame.render_widget(line, r);
}

/// The required mark, unless the title already ends with one (older Airbyte specs write it in).
fn required(row: &Row) -> &'static str {
    if row.required && !row.title.trim_end().ends_with('*') {
        " *"
    } else {
        ""
    }
}

#[allow(clippy::too_many_arguments)]
fn draw_value(
    frame: &mut Frame,
    r: Rect,
    ui: &FormUi,
    form: &Form,
    row: &Row,
    focused: bool,
    theme: &Theme,
    active: bool,
) {
    let w = r.width as usize;
    let value = form.value(&row.pointer);
    let revealed = ui.revealed.contains(&row.pointer);
    let dim = |t: &str| Line::styled(truncate(t, w), theme.dim());
    let line: Line = match &row.kind {
        RowKind::Text(_) if focused && row.is_text() => {
            let input = if row.secret && !revealed {
                ui.input.masked('•')
            } else {
                ui.input.clone()
            };
            let hint = empty_hint(form, row);
            input.render(
                frame,
                r,
                theme.input(),
                (&hint, theme.dim()),
                active && ui.popup.is_none(),
            );
            return;
        }
        RowKind::Text(_) => {
            let (text, bad) = match ui.texts.get(&row.pointer) {
                Some((t, _)) => (t.clone(), true),
                None => (field::to_text(value), false),
            };
            if text.is_empty() {
                dim(&empty_hint(form, row))
            } else if row.secret && !revealed {
                Line::raw(MASK)
            } else {
                let style = if bad {
                    theme.error()
                } else if row.read_only {
                    theme.dim()
                } else {
                    theme.text()
                };
                Line::styled(truncate(&super::text::sanitize(&text), w), style)
            }
        }
        RowKind::Multiline => {
            let text = field::to_text(value);
            if text.is_empty() {
                dim(if focused {
                    "empty · Enter to paste or type, ^O to read a file"
                } else {
                    "empty"
                })
            } else if row.secret && !revealed {
                Line::raw(format!("••••• ({})", field::lines(&text)))
            } else {
                let first = text.lines().next().unwrap_or_default();
                let more = format!(" … ({})", field::lines(&text));
                Line::from(vec![
                    Span::raw(truncate(
                        &super::text::sanitize(first),
                        w.saturating_sub(width(&more)),
                    )),
                    Span::styled(more, theme.dim()),
                ])
            }
        }
        RowKind::Bool => match value.and_then(|v| v.as_bool()) {
            Some(true) => Line::raw("[x] yes"),
            Some(false) => Line::raw("[ ] no"),
            None => dim("[ ] no (not set)"),
        },
        RowKind::Enum => match value {
            Some(v) if !v.is_null() => Line::raw(truncate(&format!("‹ {} ›", field::label(v)), w)),
            _ => dim(if row.required {
                "‹ choose › required"
            } else {
                "‹ choose ›"
            }),
        },
        RowKind::Choice => {
            let field = form.field(&row.pointer);
            let options = field
                .and_then(|f| f.choice())
                .map_or(0, |c| c.options.len());
            let sel = form.selected(&row.pointer).unwrap_or(0);
            let title = field
                .and_then(|f| f.choice())
                .and_then(|c| c.options.get(sel))
                .map_or_else(String::new, |o| o.title.clone());
            let count = format!("  {} of {options}", sel + 1);
            Line::from(vec![
                Span::raw(truncate(
                    &format!("‹ {title} ›"),
                    w.saturating_sub(count.len()),
                )),
                Span::styled(count, theme.dim()),
            ])
        }
        RowKind::List { len } => {
            let text = match (len, focused) {
                (0, true) => "none · a adds one".to_string(),
                (0, false) => "none".to_string(),
                (1, _) => "1 item".to_string(),
                (n, _) => format!("{n} items"),
            };
            Line::styled(truncate(&text, w), theme.dim())
        }
        RowKind::Unknown => Line::styled(
            truncate(&value.map(|v| v.to_string()).unwrap_or_default(), w),
            theme.dim(),
        ),
        _ => return,
    };
    frame.render_widget(line, r);
}

/// What an empty field says: required or optional, and an example if the schema has one.
fn empty_hint(form: &Form, row: &Row) -> String {
    let example = form
        .field(&row.pointer)
        .filter(|f| !f.secret)
        .and_then(|f| f.examples.first())
        .map(|e| format!("e.g. {}", field::label(e)));
    match (row.required, example) {
        (true, Some(e)) => format!("required · {e}"),
        (true, None) => "required".to_string(),
        (false, Some(e)) => e,
        (false, None) => "optional".to_string(),
    }
}

/// The help panel for the focused row: a rule with its path, its description, then its facts.
pub fn help_panel(frame: &mut Frame, area: Rect, ui: &FormUi, form: &Form, theme: &Theme) {
    if area.height == 0 {
        return;
    }
    let w = area.width as usize;
    let Some(row) = ui.focused() else { return };
    let mut head = breadcrumb(ui);
    head.push(format!("{}{}", row.title, required(row)));
    let mut rule = format!("── {} ", head.join(" › "));
    if !row.pointer.is_empty() && row.kind != RowKind::Unknown {
        rule.push_str(&format!("· {} ", row.pointer));
    }
    let pad = w.saturating_sub(width(&rule));
    frame.render_widget(
        Line::styled(
            truncate(&format!("{rule}{}", "─".repeat(pad)), w),
            theme.border(),
        ),
        Rect::new(area.x, area.y, area.width, 1),
    );
    let (text, facts) = describe(ui, form, row);
    let mut lines: Vec<Line> = wrap(&text, w).into_iter().map(Line::raw).collect();
    let room = (area.height as usize).saturating_sub(1);
    if !facts.is_empty() {
        lines.truncate(room.saturating_sub(1));
        lines.extend(
            wrap(&facts.join(" · "), w)
                .into_iter()
                .map(|l| Line::styled(l, theme.dim())),
        );
    }
    for (i, l) in lines.into_iter().take(room).enumerate() {
        frame.render_widget(l, Rect::new(area.x, area.y + 1 + i as u16, area.width, 1));
    }
}

/// The titles of the sections, choices and lists around the focused row.
fn breadcrumb(ui: &FormUi) -> Vec<String> {
    let mut out = Vec::new();
    let Some(row) = ui.focused() else { return out };
    let mut depth = row.depth;
    for r in ui.rows[..ui.focus].iter().rev() {
        if depth == 0 {
            break;
        }
        if r.depth < depth
            && matches!(
                r.kind,
                RowKind::Section | RowKind::Choice | RowKind::List { .. }
            )
        {
            out.push(r.title.clone());
            depth = r.depth;
        }
    }
    out.reverse();
    out
}

/// The focused row's text and facts for the help panel.
fn describe(ui: &FormUi, form: &Form, row: &Row) -> (String, Vec<String>) {
    let field = form.field(&row.pointer);
    let own = field
        .and_then(|f| f.description.as_deref())
        .map(plain)
        .unwrap_or_default();
    let mut facts = field.map(hints).unwrap_or_default();
    let text = match &row.kind {
        RowKind::Next => {
            "Checks every field; the first one with a problem gets the focus. Ctrl-N does the same from any field."
                .to_string()
        }
        RowKind::Advanced { .. } => {
            "Optional settings most people leave as they are. Enter or Space shows or hides them.".into()
        }
        RowKind::Unknown => {
            "The connector's schema does not describe this value. It is kept as it is; d removes it.".into()
        }
        RowKind::Note => row.title.clone(),
        RowKind::Choice => {
            let option = field.and_then(|f| f.choice()).and_then(|c| {
                c.options
                    .get(form.selected(&row.pointer).unwrap_or(0))
                    .map(|o| (o.title.clone(), o.description.clone()))
            });
            facts.insert(0, "←→ switch, Enter lists the options".into());
            match option {
                Some((t, Some(d))) => format!("{own}\n{t}: {}", plain(&d)).trim().to_string(),
                _ => own,
            }
        }
        RowKind::Multiline | RowKind::Text(_) if row.secret => {
            let state = if ui.revealed.contains(&row.pointer) {
                "shown; ^R masks it again"
            } else {
                "masked; ^R shows it"
            };
            facts.insert(0, state.into());
            own
        }
        RowKind::List { .. } => {
            facts.insert(0, "a adds an item; d removes the focused item".into());
            own
        }
        _ => own,
    };
    if let Some(p) = ui.errors.get(&row.pointer)
        && (ui.show_all || ui.touched.contains(&row.pointer))
    {
        facts.insert(0, format!("✗ {p}"));
    }
    (text, facts)
}

/// Draw the open popup: the picker over `form_area`, the editor and the path prompt over `big`.
pub fn render_popup(frame: &mut Frame, form_area: Rect, big: Rect, ui: &FormUi, theme: &Theme) {
    match &ui.popup {
        Some(Popup::Picker(p)) => super::picker::render(frame, form_area, p, theme),
        Some(Popup::Editor(e)) => super::editor::render(frame, big, e, theme),
        Some(Popup::Path(p)) => {
            let w = 72.min(big.width);
            let r = super::overlay::centered(big, w, 6);
            let title = match &p.target {
                FileTarget::Config => "Fill the form from a config file (YAML or JSON)".to_string(),
                FileTarget::Field(_) => "Read the field from a file".to_string(),
            };
            let inner = super::overlay::frame_box(frame, r, &title, theme);
            if inner.height < 3 {
                return;
            }
            let row =
                |k: u16| Rect::new(inner.x + 1, inner.y + k, inner.width.saturating_sub(2), 1);
            let label = "Path: ";
            frame.render_widget(Line::styled(label, theme.dim()), row(0));
            let input = Rect::new(
                row(0).x + label.len() as u16,
                row(0).y,
                row(0).width.saturating_sub(label.len() as u16),
                1,
            );
            p.input.render(
                frame,
                input,
                theme.input(),
                ("~/config.yaml", theme.dim()),
                !p.reading,
            );
            let (msg, style) = match (&p.error, p.reading) {
                (Some(e), _) => (format!("✗ {e}"), theme.error()),
                (None, true) => ("Reading…".to_string(), theme.dim()),
                (None, false) => (
                    "Enter reads it; Esc closes. ~ is your home directory.".into(),
                    theme.dim(),
                ),
            };
            for (k, l) in wrap(&msg, row(1).width as usize)
                .into_iter()
                .take(2)
                .enumerate()
            {
                frame.render_widget(Line::styled(l, style), row(1 + k as u16));
            }
        }
        None => {}
    }
}
