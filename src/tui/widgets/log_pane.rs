//! Progress and logs of a running connector: a spinner frame with what runs and for how long, its latest
//! log line, a byte gauge, and a pane with the latest log lines (newest at the bottom, level tags, control
//! characters removed). The job's state (request, clock, log tail) is `tui::job::Job`.

use crate::connector::logs::one_line;
use crate::model::{LogLevel, LogLine};
use crate::tui::theme::Theme;
use crate::tui::widgets::text::{sanitize, truncate, wrap};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use std::collections::VecDeque;
use std::time::Duration;

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

/// A running job's line in `w` cells: the spinner at tick `frame`, what it does, and the time so far when
/// it is given (`  4.2s`, dimmed, at the end).
pub fn working(
    t: &Theme,
    frame: u64,
    doing: &str,
    elapsed: Option<Duration>,
    w: usize,
) -> Line<'static> {
    let secs = elapsed
        .map(|e| format!("  {:.1}s", e.as_secs_f64()))
        .unwrap_or_default();
    let mut spans = vec![
        Span::styled(format!("{} ", spinner(frame)), t.title()),
        Span::raw(truncate(doing, w.saturating_sub(2 + secs.len()))),
    ];
    if !secs.is_empty() {
        spans.push(Span::styled(secs, t.dim()));
    }
    Line::from(spans)
}

/// The job's latest log line, dimmed and indented ("no log line yet" before the first).
pub fn latest(t: &Theme, logs: &VecDeque<LogLine>, w: usize) -> Line<'static> {
    let latest = logs
        .back()
        .map(|l| sanitize(&one_line(l)))
        .unwrap_or_else(|| "no log line yet".into());
    Line::styled(truncate(&format!("  {latest}"), w), t.dim())
}

/// The log pane under the `used` lines of `body` (one blank line between), when there is a log.
pub fn render_below(
    frame: &mut Frame,
    body: Rect,
    used: usize,
    logs: &VecDeque<LogLine>,
    t: &Theme,
) {
    if logs.is_empty() {
        return;
    }
    let top = (used as u16).saturating_add(1).min(body.height);
    let area = Rect::new(body.x, body.y + top, body.width, body.height - top);
    render(frame, area, logs, t);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LogLevel;

    fn text(l: &Line) -> String {
        l.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn a_job_line_shows_its_time_when_given_and_the_latest_log_line() {
        let t = Theme::default();
        let line = working(&t, 0, "Running the connector's check", None, 40);
        assert_eq!(text(&line), "⠋ Running the connector's check");
        let line = working(
            &t,
            1,
            "Running the connector's check",
            Some(Duration::from_millis(4200)),
            40,
        );
        assert_eq!(text(&line), "⠙ Running the connector's check  4.2s");
        let mut logs = VecDeque::new();
        assert_eq!(text(&latest(&t, &logs, 40)), "  no log line yet");
        logs.push_back(LogLine {
            level: LogLevel::Info,
            message: "connected\u{7}".into(),
            fields: None,
        });
        // A control character cannot reach the terminal.
        assert_eq!(text(&latest(&t, &logs, 40)), "  connected�");
    }
}
