//! Drawing step 5: the connector, the SSH path step by step when the config asks for a tunnel, then a
//! spinner with the connector's latest log line while the check runs, the host key question, or the result
//! (the error and log tail scroll together).

use super::check::Phase;
use super::check::{Mark, SshPath};
use crate::tui::msg::HostKeyAsk;
use crate::tui::state::State;
use crate::tui::widgets::log_pane;
use crate::tui::widgets::text::{truncate, wrap};
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

pub fn view(state: &State, frame: &mut Frame, body: Rect) {
    let t = &state.theme;
    let c = &state.check;
    let w = body.width as usize;
    let label = crate::tui::session::connector_label(state).unwrap_or_default();
    let mut lines: Vec<Line> = vec![Line::from(vec![
        Span::styled("Check the connection", t.title()),
        Span::styled(
            truncate(&format!("  {label}"), w.saturating_sub(20)),
            t.dim(),
        ),
    ])];
    lines.extend(wrapped(
        &format!(
            "The connector's own {} of your config: can it reach the system with these settings?",
            what(state)
        ),
        w,
        t.dim(),
    ));
    if let Some(why) = &state.tunnel.skipped {
        lines.extend(wrapped(why, w, t.dim()));
    }
    lines.push(Line::default());
    let mut log_area = false;
    let connector_running = c.ssh.as_ref().is_none_or(|p| p.ready.is_some());
    if let Some(p) = &c.ssh {
        lines.extend(ssh_lines(state, p, w));
        lines.push(Line::default());
    }
    match &c.phase {
        Phase::Idle => {
            lines.push(Line::raw(truncate(
                "The check has not run: r runs it; s skips it; Esc goes back.",
                w,
            )));
        }
        Phase::HostKey(ask) => lines.extend(host_key_question(t, ask, w)),
        Phase::Working => {
            if connector_running {
                let through = if c.ssh.as_ref().is_some_and(|p| p.catwalk) {
                    " through the tunnel"
                } else {
                    ""
                };
                let doing = format!("Running the connector's {}{through}", what(state));
                let elapsed = c.job.elapsed(state.now);
                lines.push(log_pane::working(t, state.frame, &doing, Some(elapsed), w));
                lines.push(log_pane::latest(t, &c.job.logs, w));
                lines.push(Line::default());
            }
            lines.push(Line::styled(
                truncate(
                    if c.ssh.is_some() {
                        "Esc cancels: closes the tunnel, stops the connector, removes its container."
                    } else {
                        "Esc cancels: the connector is stopped and its container removed."
                    },
                    w,
                ),
                t.dim(),
            ));
            log_area = connector_running;
        }
        Phase::Passed => {
            lines.extend(wrapped(
                &format!(
                    "✓ The check passed: the connector accepted the config ({}).",
                    what(state)
                ),
                w,
                t.ok(),
            ));
            if c.ssh.as_ref().is_some_and(|p| p.catwalk) {
                lines.push(Line::styled(
                    truncate("  It ran through the SSH tunnel, now closed.", w),
                    t.dim(),
                ));
            }
            lines.push(Line::default());
            let next = match state.flow().kind {
                crate::tui::flow::TaskKind::Materialization => {
                    "Enter goes on to the collections: choose which of your catalogs' collections it writes."
                }
                crate::tui::flow::TaskKind::Capture => {
                    "Enter goes on to the bindings: the connector's discover lists what it can capture."
                }
            };
            lines.extend(wrapped(next, w, ratatui::style::Style::default()));
        }
        Phase::Skipped => {
            lines.push(Line::styled(
                truncate("The check was skipped: the config has not been tried.", w),
                t.warn(),
            ));
            lines.push(Line::default());
            let next = match state.flow().kind {
                crate::tui::flow::TaskKind::Materialization => {
                    "Enter goes on to the collections; r runs the check now."
                }
                crate::tui::flow::TaskKind::Capture => {
                    "Enter goes on to the bindings; r runs the check now."
                }
            };
            lines.push(Line::raw(truncate(next, w)));
        }
        Phase::Failed(e) => {
            let ssh_failed = c.ssh.as_ref().and_then(|p| p.failed.as_ref());
            let (heading, text) = match ssh_failed {
                Some(f) => (
                    format!("✗ The SSH tunnel failed, {}:", f.step.title()),
                    f.message.clone(),
                ),
                None => match super::check::plain_failure(&e.message, &c.job.logs) {
                    // The exception in plain words first; the whole message (the traceback) below.
                    Some(plain) => (
                        format!("✗ The check failed: {plain}"),
                        format!("The connector's whole message:\n{e}"),
                    ),
                    None => (
                        "✗ The check failed. The connector said:".to_string(),
                        e.message.clone(),
                    ),
                },
            };
            lines.extend(wrapped(&heading, w, t.error()).into_iter().take(4));
            let room = (body.height as usize).saturating_sub(lines.len() + 1);
            lines.extend(log_pane::failure_page(
                t,
                &text,
                &c.job.logs,
                w,
                room,
                c.job.scroll,
            ));
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
    if log_area {
        log_pane::render_below(frame, body, used, &c.job.logs, t);
    }
}

/// The SSH path: where it goes, then its four steps ticked off (✓ passed, ✗ failed, a spinner on the one
/// under way, · waiting), then what was opened.
fn ssh_lines(state: &State, p: &SshPath, w: usize) -> Vec<Line<'static>> {
    let t = &state.theme;
    let target = p.target.as_deref().unwrap_or("the target");
    let whose = if p.catwalk {
        "a tunnel catwalk opens"
    } else {
        "the connector's own tunnel: catwalk checks the path first"
    };
    let mut out = vec![Line::from(vec![
        Span::styled("SSH path ", t.title()),
        Span::styled(
            truncate(
                &format!("{} → {target} · {whose}", p.via),
                w.saturating_sub(9),
            ),
            t.dim(),
        ),
    ])];
    let working = state.check.is_working() && p.failed.is_none();
    let current = p.marks.iter().position(|m| *m == Mark::Waiting);
    let asking = matches!(state.check.phase, super::check::Phase::HostKey(_));
    let labels = [
        "1 reaching the SSH server".to_string(),
        "2 its host key (known_hosts)".to_string(),
        format!("3 logging in as {}", p.user),
        match &p.target {
            Some(tg) => format!("4 reaching {tg} from the SSH server"),
            None => "4 the forward target (not known: not checked)".to_string(),
        },
    ];
    for (i, label) in labels.into_iter().enumerate() {
        let (sign, style) = match p.marks[i] {
            Mark::Passed => ("✓".to_string(), t.ok()),
            Mark::Failed => ("✗".to_string(), t.error()),
            Mark::Waiting if asking && i == 1 => ("?".to_string(), t.warn()),
            Mark::Waiting if working && current == Some(i) => {
                (log_pane::spinner(state.frame).to_string(), t.title())
            }
            Mark::Waiting => ("·".to_string(), t.dim()),
        };
        out.push(Line::from(vec![
            Span::styled(format!("  {sign} "), style),
            Span::raw(truncate(&label, w.saturating_sub(4))),
        ]));
    }
    if let Some(n) = &p.ready {
        for l in wrap(&format!("⇄ {n}"), w.saturating_sub(2))
            .into_iter()
            .take(3)
        {
            out.push(Line::styled(format!("  {l}"), t.dim()));
        }
    }
    out
}

/// An unknown host key: its fingerprint, how to confirm it, what `y` and `n` do.
fn host_key_question(
    t: &crate::tui::theme::Theme,
    ask: &HostKeyAsk,
    w: usize,
) -> Vec<Line<'static>> {
    let name = crate::tunnel::known_hosts::host_name(&ask.host, ask.port);
    let file = ask.known_hosts.display().to_string();
    let short = ask
        .algorithm
        .trim_start_matches("ssh-")
        .split('-')
        .next()
        .unwrap_or("ed25519")
        .to_string();
    let mut out: Vec<Line> = wrap(
        &format!(
            "The SSH server {name} has not been seen before (it is not in {file}). It presents this {} host key:",
            ask.algorithm
        ),
        w,
    )
    .into_iter()
    .map(|l| Line::styled(l, t.warn()))
    .collect();
    out.push(Line::styled(
        truncate(&format!("    {}", ask.fingerprint), w),
        t.title(),
    ));
    out.extend(
        wrap(
            &format!(
                "Trust it only if it is the server's key: its administrator can confirm it with \
                 `ssh-keygen -lf /etc/ssh/ssh_host_{short}_key.pub`."
            ),
            w,
        )
        .into_iter()
        .map(Line::raw),
    );
    out.push(Line::default());
    out.extend(
        wrap(
            &format!("y trusts it (recorded in {file}) and checks on · n goes back"),
            w,
        )
        .into_iter()
        .map(|l| Line::styled(l, t.dim())),
    );
    out
}

/// `text` wrapped to `w` columns, every line in `style` (prose is wrapped, never cut).
fn wrapped(text: &str, w: usize, style: ratatui::style::Style) -> Vec<Line<'static>> {
    wrap(text, w)
        .into_iter()
        .map(|l| Line::styled(l, style))
        .collect()
}
