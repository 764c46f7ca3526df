//! Progress and logs of a running connector: a spinner frame, a byte gauge, and a pane with the latest
//! log lines (newest at the bottom, level tags, control characters removed).

use crate::connector::logs::one_line;
use crate::model::{LogLevel, LogLine};
use crate::tui::theme::Theme;
use crate::tui::widgets::text::{sanitize, truncate, wrap};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use std::collections::VecDeque;

/// How many connector log lines a job keeps for its log pane.
pub const KEEP_LOGS: usize = 200;

/// Keep `line` at the end of a job's log tail, dropping the oldest beyond [`KEEP_LOGS`].
pub fn keep(logs: &mut VecDeque<LogLine>, line: LogLine) {
    if logs.len() == KEEP_LOGS {
        logs.pop_front();
    }
    logs.push_back(line);
}

/// The level a log line is shown at, as a short tag.
pub fn level_tag(level: LogLevel) -> &'static str {
    match level {
        LogLevel::Trace => "trace",
        LogLevel::Debug => "debug",
        LogLevel::Info => "info ",
        LogLevel::Warn => "warn ",
        LogLevel::Error => "error",
    }
}

/// A failed run, in `room` lines: the connector's error wrapped to `w`, then the latest lines of its log
/// that fit, `back` lines before the newest (↑ goes back to older lines).
pub fn failure_page(
    t: &Theme,
    e: &str,
    logs: &VecDeque<LogLine>,
    w: usize,
    room: usize,
    back: usize,
) -> Vec<Line<'static>> {
    let mut out: Vec<Line> = wrap(e, w).into_iter().map(Line::raw).collect();
    if logs.is_empty() || out.len() + 3 > room {
        out.truncate(room);
        return out;
    }
    out.push(Line::default());
    let rows = room - out.len() - 1;
    let end = logs.len() - back.min(logs.len() - 1);
    let start = end.saturating_sub(rows);
    let heading = if logs.len() > rows {
        format!(
            "Connector log, lines {}-{end} of {} (↑ older, ↓ newer)",
            start + 1,
            logs.len()
        )
    } else {
        "Connector log (latest last)".to_string()
    };
    out.push(Line::styled(truncate(&heading, w), t.dim()));
    for l in logs.range(start..end) {
        let tag = level_tag(l.level);
        let style = match l.level {
            LogLevel::Error => t.error(),
            LogLevel::Warn => t.warn(),
            _ => t.text(),
        };
        out.push(Line::from(vec![
            Span::styled(format!("  {tag} "), t.dim()),
            Span::styled(
                truncate(&sanitize(&one_line(l)), w.saturating_sub(tag.len() + 3)),
                style,
            ),
        ]));
    }
    out
}

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// The spinner's glyph at tick `frame`.
pub fn spinner(frame: u64) -> &'static str {
    SPINNER[(frame % SPINNER.len() as u64) as usize]
}

/// `[██████░░░░░░]  27%` in `width` cells.
pub fn gauge(done: u64, total: u64, width: usize, theme: &Theme) -> Line<'static> {
    let ratio = if total == 0 {
        0.0
    } else {
        (done as f64 / total as f64).clamp(0.0, 1.0)
    };
    let bar_w = width.saturating_sub(9).max(1);
    let filled = (ratio * bar_w as f64).round() as usize;
    Line::from(vec![
        Span::raw("  "),
        Span::styled("█".repeat(filled), theme.title()),
        Span::styled("░".repeat(bar_w - filled), theme.dim()),
        Span::raw(format!(" {:>3}%", (ratio * 100.0).round() as u64)),
    ])
}

/// The latest lines of `logs` that fit in `area`, under a heading.
pub fn render(frame: &mut Frame, area: Rect, logs: &VecDeque<LogLine>, theme: &Theme) {
    if area.height < 2 {
        return;
    }
    let w = area.width as usize;
    frame.render_widget(
        Line::styled(truncate("Connector log (latest last)", w), theme.dim()),
        Rect::new(area.x, area.y, area.width, 1),
    );
    let rows = area.height as usize - 1;
    let start = logs.len().saturating_sub(rows);
    for (i, line) in logs.iter().skip(start).enumerate() {
        let style = match line.level {
            LogLevel::Error => theme.error(),
            LogLevel::Warn => theme.warn(),
            _ => theme.text(),
        };
        let tag = level_tag(line.level);
        let text = truncate(&sanitize(&one_line(line)), w.saturating_sub(tag.len() + 3));
        let l = Line::from(vec![
            Span::styled(format!("  {tag} "), theme.dim()),
            Span::styled(text, style),
        ]);
        frame.render_widget(l, Rect::new(area.x, area.y + 1 + i as u16, area.width, 1));
    }
}
