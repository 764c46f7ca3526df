//! Drawing step 5: the connector, then a spinner with its latest log line while the check runs, the
//! tunnel question, or the result (the error and log tail scroll together).

use super::check::Phase;
use crate::connector::logs::one_line;
use crate::tui::state::State;
use crate::tui::steps::tunnel::TunnelAnswer;
use crate::tui::widgets::log_pane;
use crate::tui::widgets::text::{sanitize, truncate, wrap};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// What the check runs, for the heading: `Flow validate`, `Airbyte check` or `Singer discover` (a Singer
/// tap has no check of its own: its discover is the cheapest real connection test).
fn what(state: &State) -> &'static str {
    match state.spec.outcome.as_ref().map(|o| o.protocol) {
        Some(crate::model::Protocol::Airbyte) => "Airbyte check",
        Some(crate::model::Protocol::Singer) => "Singer discover",
        _ => "Flow validate",
    }
}

/// A failed run, in `room` lines: the connector's error wrapped to `w`, then the latest lines of its log
/// that fit, `back` lines before the newest (↑ goes back to older lines).
pub fn failure_page(
    t: &crate::tui::theme::Theme,
    e: &str,
    logs: &std::collections::VecDeque<crate::model::LogLine>,
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
        let tag = super::spec::level_tag(l.level);
        let style = match l.level {
            crate::model::LogLevel::Error => t.error(),
            crate::model::LogLevel::Warn => t.warn(),
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

pub fn view(state: &State, frame: &mut Frame, body: Rect) {
    let t = &state.theme;
    let c = &state.check;
    let w = body.width as usize;
    let label = state
        .answers
        .connector
        .as_ref()
        .map(|c| c.describe())
        .unwrap_or_default();
    let mut lines: Vec<Line> = vec![
        Line::from(vec![
            Span::styled("Check the connection", t.title()),
            Span::styled(
                truncate(&format!("  {label}"), w.saturating_sub(20)),
                t.dim(),
            ),
        ]),
        Line::styled(
            truncate(
                &format!(
                    "The connector's own {} of your config: can it reach the system with these settings?",
                    what(state)
                ),
                w,
            ),
            t.dim(),
        ),
        Line::default(),
    ];
    let tunnel_note = match &state.answers.tunnel {
        Some(TunnelAnswer::Catwalk(tun)) => Some(format!(
            "⚠ You asked for an SSH tunnel catwalk opens ({} to {}:{}). catwalk cannot open its own tunnels yet, so the check runs without it: it can pass only if the connector reaches the system directly.",
            tun.ssh_endpoint, tun.forward_host, tun.forward_port
        )),
        _ => None,
    };
    let mut log_area = false;
    match &c.phase {
        Phase::Idle | Phase::NeedsTunnel => {
            if let Some(n) = &tunnel_note {
                lines.extend(wrap(n, w).into_iter().map(|l| Line::styled(l, t.warn())));
                lines.push(Line::default());
            }
            lines.push(Line::raw(truncate(
                "Enter checks without the tunnel; s skips the check; Esc goes back.",
                w,
            )));
        }
        Phase::Working => {
            let elapsed = match (c.started, state.now) {
                (Some(a), Some(b)) => b.saturating_duration_since(a),
                _ => Default::default(),
            };
            let secs = format!("  {:.1}s", elapsed.as_secs_f64());
            let doing = format!("Running the connector's {}", what(state));
            lines.push(Line::from(vec![
                Span::styled(format!("{} ", log_pane::spinner(state.frame)), t.title()),
                Span::raw(truncate(&doing, w.saturating_sub(2 + secs.len()))),
                Span::styled(secs, t.dim()),
            ]));
            let latest = c
                .logs
                .back()
                .map(|l| sanitize(&one_line(l)))
                .unwrap_or_else(|| "no log line yet".into());
            lines.push(Line::styled(truncate(&format!("  {latest}"), w), t.dim()));
            if tunnel_note.is_some() {
                lines.push(Line::styled(
                    truncate("  ⚠ without the SSH tunnel (catwalk cannot open it yet)", w),
                    t.warn(),
                ));
            }
            lines.push(Line::default());
            lines.push(Line::styled(
                truncate(
                    "Esc cancels: the connector is stopped and its container removed.",
                    w,
                ),
                t.dim(),
            ));
            log_area = true;
        }
        Phase::Passed => {
            lines.push(Line::styled(
                truncate(
                    &format!(
                        "✓ The check passed: the connector accepted the config ({}).",
                        what(state)
                    ),
                    w,
                ),
                t.ok(),
            ));
            if tunnel_note.is_some() {
                lines.push(Line::styled(
                    truncate(
                        "  It ran without the SSH tunnel (catwalk cannot open it yet).",
                        w,
                    ),
                    t.warn(),
                ));
            }
            lines.push(Line::default());
            lines.push(Line::raw(truncate(
                "Enter goes on to the bindings: the connector's discover lists what it can capture.",
                w,
            )));
        }
        Phase::Skipped => {
            lines.push(Line::styled(
                truncate("The check was skipped: the config has not been tried.", w),
                t.warn(),
            ));
            lines.push(Line::default());
            lines.push(Line::raw(truncate(
                "Enter goes on to the bindings; r runs the check now.",
                w,
            )));
        }
        Phase::Failed(e) => {
            lines.push(Line::styled(
                truncate("✗ The check failed. The connector said:", w),
                t.error(),
            ));
            if tunnel_note.is_some() {
                lines.push(Line::styled(
                    truncate(
                        "  It ran without the SSH tunnel (catwalk cannot open it yet).",
                        w,
                    ),
                    t.warn(),
                ));
            }
            let room = (body.height as usize).saturating_sub(lines.len() + 1);
            lines.extend(failure_page(t, e, &c.logs, w, room, c.scroll));
            lines.push(Line::styled(
                truncate(
                    "r retries · e fixes the config · s skips the check · Esc goes back",
                    w,
                ),
                t.dim(),
            ));
        }
    }
    let used = lines.len();
    for (i, line) in lines.into_iter().enumerate().take(body.height as usize) {
        frame.render_widget(line, Rect::new(body.x, body.y + i as u16, body.width, 1));
    }
    if log_area && !c.logs.is_empty() {
        let top = (used as u16 + 1).min(body.height);
        let area = Rect::new(body.x, body.y + top, body.width, body.height - top);
        log_pane::render(frame, area, &c.logs, t);
    }
}
