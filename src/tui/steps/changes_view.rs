//! Drawing the Changes step: a summary line, one row per binding (what happens to it, its collection, the
//! choice made) with the schema changes of a changed collection beneath it (breaking ones marked), then
//! what the plan says besides. The focused row stays in view. Reads the state only.

use super::changes::{Phase, Status, choice_label};
use crate::tui::opened;
use crate::tui::state::State;
use crate::tui::widgets::text::{truncate, width, wrap};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

pub fn view(state: &State, frame: &mut Frame, body: Rect) {
    let t = &state.theme;
    let ch = &state.changes;
    let w = body.width as usize;
    let name = opened::task(state)
        .map(|o| format!("{} ({})", o.name, o.file.display()))
        .unwrap_or_default();
    let mut head = vec![Line::styled(format!("Changes to {name}"), t.title())];
    let lines = match &ch.phase {
        Phase::Working => {
            head.push(Line::raw(
                "Working out what saving would change (nothing is written)…",
            ));
            Vec::new()
        }
        Phase::Failed(e) => {
            head.extend(
                wrap(&e.message, w)
                    .into_iter()
                    .map(|l| Line::styled(l, t.error())),
            );
            head.push(Line::styled("Esc goes back · e fixes the config", t.dim()));
            Vec::new()
        }
        Phase::Idle => Vec::new(),
        Phase::Done => {
            head.push(Line::styled(summary(state), t.dim()));
            rows(state, w)
        }
    };
    let top = head.len() as u16;
    crate::tui::widgets::page::draw(frame, body, head);
    if lines.is_empty() {
        return;
    }
    let foot: Vec<Line> = footer(state, w);
    let list_h = (body.height.saturating_sub(top + 1 + foot.len() as u16)) as usize;
    // Keep the focused row (and its first changes) in view.
    let focus = lines
        .iter()
        .position(|(row, _)| *row == Some(ch.selected))
        .unwrap_or(0);
    let start = (focus + 2).saturating_sub(list_h).min(focus);
    let shown: Vec<Line> = lines
        .into_iter()
        .skip(start)
        .take(list_h)
        .map(|(_, l)| l)
        .collect();
    let list = Rect::new(body.x, body.y + top + 1, body.width, list_h as u16);
    crate::tui::widgets::page::draw(frame, list, shown);
    let foot_area = Rect::new(
        body.x,
        body.y + body.height.saturating_sub(foot.len() as u16),
        body.width,
        foot.len() as u16,
    );
    crate::tui::widgets::page::draw(frame, foot_area, foot);
}

/// `1 added · 1 removed · 0 vanished · 2 changed (1 breaking) · 3 kept`.
fn summary(state: &State) -> String {
    let rows = &state.changes.rows;
    let count = |s: Status| rows.iter().filter(|r| r.status == s).count();
    let breaking = rows.iter().filter(|r| r.breaking).count();
    format!(
        "{} added · {} removed · {} vanished · {} changed ({breaking} breaking) · {} kept",
        count(Status::Added),
        count(Status::Removed),
        count(Status::Vanished),
        count(Status::Changed),
        count(Status::Kept)
    )
}

/// Each line, with the row it belongs to (the row's own line and its changes).
fn rows(state: &State, w: usize) -> Vec<(Option<usize>, Line<'static>)> {
    let t = &state.theme;
    let ch = &state.changes;
    let mut out = Vec::new();
    for (i, r) in ch.rows.iter().enumerate() {
        let focused = i == ch.selected;
        let choice = choice_label(r.status, opened::choice(state, &r.id), r.disabled);
        let chip = format!("[{choice}]");
        let mark = if focused { "›" } else { " " };
        let mut what = format!("{mark} {} {} → {}", r.status.mark(), r.id, r.collection);
        if let Some(new) = &r.renamed {
            what.push_str(&format!(" ⇒ {new}"));
        }
        if r.status != Status::Kept {
            what.push_str(&format!("  {}", r.status.word()));
        }
        if r.breaking {
            what.push_str(" (breaking)");
        }
        if r.disabled && r.status != Status::Kept {
            what.push_str(" (disabled)");
        }
        let room = w.saturating_sub(width(&chip) + 1);
        let what = truncate(&what, room);
        let pad = " ".repeat(room.saturating_sub(width(&what)) + 1);
        let style = match r.status {
            Status::Added => t.ok(),
            Status::Removed | Status::Vanished => t.warn(),
            _ if r.breaking => t.error(),
            _ => t.text(),
        };
        let chip_style = if focused { t.input() } else { t.dim() };
        out.push((
            Some(i),
            Line::from(vec![
                Span::styled(what, style),
                Span::raw(pad),
                Span::styled(chip, chip_style),
            ]),
        ));
        for c in &r.changes {
            let style = if c.is_breaking() { t.error() } else { t.dim() };
            out.push((
                Some(i),
                Line::styled(truncate(&format!("      {c}"), w), style),
            ));
        }
    }
    if !ch.notes.is_empty() {
        out.push((None, Line::default()));
        for n in &ch.notes {
            for l in wrap(n, w.saturating_sub(2)) {
                out.push((None, Line::styled(format!("  {l}"), t.dim())));
            }
        }
    }
    out
}

fn footer(state: &State, w: usize) -> Vec<Line<'static>> {
    let t = &state.theme;
    let Some(r) = state.changes.rows.get(state.changes.selected) else {
        return Vec::new();
    };
    let options: Vec<&str> = r
        .status
        .options(r.disabled)
        .iter()
        .map(|c| choice_label(r.status, *c, r.disabled))
        .collect();
    vec![Line::styled(
        truncate(&format!("{}: {}", r.id, options.join(" / ")), w),
        t.dim(),
    )]
}
