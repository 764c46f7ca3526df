//! The stepper across the top: the current flow's steps, numbered in it, the current one highlighted, the ones passed ticked (a
//! step passed without doing its job, such as a skipped check, gets `!` instead). When the names do not
//! fit, steps other than the current one and its neighbours shrink to their numbers (then the neighbours
//! too).

use crate::tui::flow::{Flow, StepId};
use crate::tui::theme::Theme;
use crate::tui::widgets::text::{truncate, width};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

pub fn render(
    frame: &mut Frame,
    area: Rect,
    flow: &Flow,
    current: StepId,
    skipped: &[StepId],
    theme: &Theme,
) {
    let w = area.width as usize;
    let passed = |s: StepId| flow.precedes(s, current);
    let number = |s: StepId| flow.number(s).unwrap_or(0);
    let label = |s: StepId, full: bool| {
        let mark = match (passed(s), skipped.contains(&s)) {
            (true, true) => "!",
            (true, false) => "✓",
            _ => "",
        };
        if full || s == current {
            format!(" {mark}{} {} ", number(s), s.title())
        } else {
            format!(" {mark}{} ", number(s))
        }
    };
    let steps_w: usize = flow.steps.iter().map(|s| width(&label(*s, true))).sum();
    // Full names with the brand if they fit, else full names alone, else the names of the current step
    // and its neighbours, else numbers and the current name.
    let brand = if width(" catwalk ") + steps_w <= w {
        " catwalk "
    } else {
        ""
    };
    let here = flow.position(current).unwrap_or(0);
    let near = |s: StepId| flow.position(s).is_some_and(|p| p.abs_diff(here) <= 1);
    let near_w: usize = flow.steps.iter().map(|s| width(&label(*s, near(*s)))).sum();
    let named = |s: StepId| steps_w <= w || (near_w <= w && near(s));
    let mut spans = vec![Span::styled(brand, theme.title())];
    for &s in &flow.steps {
        let style = if s == current {
            theme.current()
        } else if passed(s) && skipped.contains(&s) {
            theme.warn()
        } else if passed(s) {
            theme.ok()
        } else {
            theme.dim()
        };
        spans.push(Span::styled(label(s, named(s)), style));
    }
    let line = Line::from(spans);
    let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
    if width(&text) > w {
        frame.render_widget(Line::styled(truncate(&text, w), theme.title()), area);
    } else {
        frame.render_widget(line, area);
    }
}
