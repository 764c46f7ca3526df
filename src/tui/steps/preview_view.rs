//! Drawing the preview step: the read under way (spinner, documents so far per binding, the latest log
//! line), its failure, or the documents of the binding shown as a table of top-level fields or as JSON,
//! with the documents that break the collection's schema marked (pointer and reason).

use super::preview::{BindingDocs, LIMIT, Phase, TIMEOUT};
use crate::tui::state::{State, StepId};
use crate::tui::theme::Theme;
use crate::tui::widgets::page::draw as draw_lines;
use crate::tui::widgets::text::{sanitize, truncate, wrap};
use crate::tui::widgets::{doc_table, log_pane};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

const TITLE: &str = "Preview";

pub fn view(state: &State, frame: &mut Frame, body: Rect) {
    let t = &state.theme;
    let p = &state.preview;
    let w = body.width as usize;
    let mut lines = vec![
        Line::styled(TITLE, t.title()),
        Line::styled(
            truncate(
                if crate::tui::opened::task(state).is_some() {
                    "A few documents per binding, read as the catalog would be saved back, your changes \
                     applied (nothing is saved yet)."
                } else {
                    "A few documents per binding, read as the catalog would (nothing is saved yet)."
                },
                w,
            ),
            t.dim(),
        ),
    ];
    match &p.phase {
        Phase::Working => {
            let read: usize = p.bindings.iter().map(|b| b.docs.len()).sum();
            let doing = format!(
                "Reading up to {LIMIT} documents per binding (at most {}s): {read} so far",
                TIMEOUT.as_secs()
            );
            lines.push(Line::default());
            let elapsed = p.job.elapsed(state.now);
            lines.push(log_pane::working(t, state.frame, &doing, Some(elapsed), w));
            lines.push(log_pane::latest(t, &p.job.logs, w));
            lines.push(Line::styled(
                truncate(
                    "Esc cancels (the connector is stopped) · s skips the preview",
                    w,
                ),
                t.dim(),
            ));
            lines.push(Line::default());
            for b in &p.bindings {
                lines.push(Line::raw(truncate(
                    &format!("  {:>3}  {}", b.docs.len(), sanitize(&b.collection)),
                    w,
                )));
            }
            draw_lines(frame, body, lines);
        }
        Phase::Failed(e) => {
            lines.push(Line::default());
            lines.push(Line::styled(
                truncate("✗ The preview could not read documents:", w),
                t.error(),
            ));
            let room = (body.height as usize).saturating_sub(lines.len() + 1);
            lines.extend(log_pane::failure_page(
                t,
                &e.message,
                &p.job.logs,
                w,
                room,
                p.job.scroll,
            ));
            lines.push(Line::styled(
                truncate(
                    &format!(
                        "r reads again · e fixes the config · s skips the preview · Esc back to {}",
                        back_to(state)
                    ),
                    w,
                ),
                t.dim(),
            ));
            draw_lines(frame, body, lines);
        }
        Phase::Idle | Phase::Skipped => {
            lines.push(Line::default());
            lines.push(Line::raw(truncate("The preview did not run.", w)));
            lines.push(Line::styled(
                truncate("r reads documents · s skips the preview · Esc goes back", w),
                t.dim(),
            ));
            draw_lines(frame, body, lines);
        }
        Phase::Done => done(state, frame, body, lines),
    }
}

/// Where Esc goes from the preview, in words: the step before it in this flow ("the bindings", or an
/// edit's "the changes").
fn back_to(state: &State) -> String {
    let before = state.flow().before(StepId::Preview).next();
    format!(
        "the {}",
        before.map_or("bindings", |s| s.title()).to_lowercase()
    )
}

fn done(state: &State, frame: &mut Frame, body: Rect, mut lines: Vec<Line<'static>>) {
    let t = &state.theme;
    let p = &state.preview;
    let w = body.width as usize;
    let Some(b) = p.shown() else {
        draw_lines(frame, body, lines);
        return;
    };
    // Which binding, and what it read.
    let n = p.bindings.len();
    let mut head = vec![
        Span::styled(format!("◀ {}/{n} ▶ ", p.current + 1), t.dim()),
        Span::styled(sanitize(&b.collection), t.title()),
        Span::raw(format!(
            "  {} document{}",
            b.read,
            if b.read == 1 { "" } else { "s" }
        )),
    ];
    if b.invalid > 0 {
        head.push(Span::styled(
            format!(
                "  ✗ {} break{} the schema",
                b.invalid,
                if b.invalid == 1 { "s" } else { "" }
            ),
            t.error(),
        ));
    } else if b.read > 0 {
        head.push(Span::styled("  ✓ all match the schema", t.ok()));
    }
    lines.push(Line::from(head));
    let invalid: usize = p.bindings.iter().filter(|b| b.invalid > 0).count();
    let summary = match (invalid, &p.ended) {
        (0, Some(e)) => format!("All documents match their schemas; read until {e}."),
        (1, Some(_)) => format!(
            "✗ 1 binding breaks its schema: e fixes the config, Esc goes to {}",
            back_to(state)
        ),
        (k, Some(_)) => format!(
            "✗ {k} bindings break their schemas: e fixes the config, Esc goes to {}",
            back_to(state)
        ),
        (_, None) => String::new(),
    };
    lines.push(Line::styled(
        truncate(&summary, w),
        if invalid > 0 { t.warn() } else { t.dim() },
    ));
    let head = lines.len() as u16;
    draw_lines(frame, body, lines);
    let area = Rect::new(
        body.x,
        body.y + head.min(body.height),
        body.width,
        body.height.saturating_sub(head),
    );
    let mut page: Vec<Line> = Vec::new();
    if b.docs.is_empty() {
        page.push(Line::default());
        page.push(Line::styled(
            truncate(
                "No document was read for this binding (Tab shows the next one).",
                w,
            ),
            t.warn(),
        ));
    } else if p.json {
        let json = json_lines(b);
        page.extend(
            json.into_iter()
                .skip(p.scroll)
                .map(|(text, bad)| styled(text, bad, w, t)),
        );
    } else {
        let docs: Vec<(&serde_json::Value, bool)> = b
            .docs
            .iter()
            .map(|d| (&d.value, d.problem.is_some()))
            .collect();
        let (table, _) = doc_table::lines(&docs, w, p.column, t);
        let mut table = table.into_iter();
        page.extend(table.next());
        page.extend(table.skip(p.scroll));
        // Where each marked document breaks the schema.
        for (i, d) in b.docs.iter().enumerate() {
            if let Some((pointer, reason)) = &d.problem {
                page.extend(
                    wrap(&problem_text(i + 1, pointer, reason), w)
                        .into_iter()
                        .map(|l| Line::styled(l, t.error())),
                );
            }
        }
    }
    draw_lines(frame, area, page);
}

fn styled(text: String, bad: bool, w: usize, t: &Theme) -> Line<'static> {
    let text = truncate(&text, w);
    if bad {
        Line::styled(text, t.error())
    } else if text.starts_with("── ") {
        Line::styled(text, t.dim())
    } else {
        Line::raw(text)
    }
}

fn problem_text(n: usize, pointer: &str, reason: &str) -> String {
    let at = if pointer.is_empty() {
        "the document".to_string()
    } else {
        pointer.to_string()
    };
    sanitize(&format!("✗ document {n}, at {at}: {reason}"))
}

/// The JSON page of a binding: each document pretty-printed under a rule, its problem first; `true`
/// marks a line of a problem.
pub fn json_lines(b: &BindingDocs) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for (i, d) in b.docs.iter().enumerate() {
        out.push((format!("── document {} ──", i + 1), false));
        if let Some((pointer, reason)) = &d.problem {
            out.push((problem_text(i + 1, pointer, reason), true));
        }
        let pretty = serde_json::to_string_pretty(&d.value).unwrap_or_default();
        out.extend(pretty.lines().map(|l| (sanitize(l), false)));
    }
    out
}
