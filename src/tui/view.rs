//! `view(&State, &mut Frame)`: draws the whole screen from the state and never changes it. The frame is
//! the stepper, a rule, the current step's body, and the help bar; overlays go on top. [`areas`] is the
//! layout, shared with `update` so that mouse clicks land where things are drawn.

use super::keys::Ctx;
use super::state::{Overlay, State, StepId};
use super::steps::{Step, dispatch};
use super::widgets::text::{truncate, wrap};
use super::widgets::{help_bar, overlay, stepper};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

pub use super::layout::{Areas, MIN_SIZE, areas};

pub fn view(state: &State, frame: &mut Frame) {
    let screen = frame.area();
    let t = &state.theme;
    if screen.width < MIN_SIZE.0 || screen.height < MIN_SIZE.1 {
        let text = format!(
            "The terminal is {}x{}; catwalk needs at least {}x{}. Enlarge it, or press Ctrl-C to quit.",
            screen.width, screen.height, MIN_SIZE.0, MIN_SIZE.1
        );
        for (i, line) in wrap(&text, screen.width as usize)
            .into_iter()
            .take(screen.height as usize)
            .enumerate()
        {
            frame.render_widget(Line::raw(line), Rect::new(0, i as u16, screen.width, 1));
        }
        return;
    }
    let a = areas(screen);
    let mut skipped: Vec<StepId> = Vec::new();
    if state.tunnel.skipped.is_some() {
        skipped.push(StepId::Tunnel);
    }
    if state.check.phase != super::steps::check::Phase::Passed {
        skipped.push(StepId::Check);
    }
    if state.preview.phase == super::steps::preview::Phase::Skipped {
        skipped.push(StepId::Preview);
    }
    stepper::render(frame, a.stepper, &state.flow(), state.step, &skipped, t);
    frame.render_widget(
        Line::styled("─".repeat(a.rule.width as usize), t.border()),
        a.rule,
    );
    dispatch!(state.step, S => S::view(state, frame, a.body));
    // The documentation link, where a step shows it, is clickable in terminals that know OSC 8.
    if state.hyperlinks
        && state.overlays.is_empty()
        && let Some(url) = state.docs_url()
    {
        super::widgets::link::mark(frame.buffer_mut(), a.body, &url);
    }
    frame.render_widget(status_line(state, a.status.width as usize), a.status);
    let ctxs = super::contexts::contexts(state);
    help_bar::render(frame, a.help, &ctxs, t);
    if !state.overlays.is_empty() {
        // What is under a modal box is dimmed, so the box stands out (also without colour).
        frame.buffer_mut().set_style(screen, t.dim());
    }
    for o in &state.overlays {
        draw_overlay(state, o, frame, screen);
    }
}

/// The line above the help bar: that the answers are kept as a draft, or why they could not be.
fn status_line(state: &State, w: usize) -> Line<'static> {
    let t = &state.theme;
    if let Some(done) = &state.review.done {
        let text = format!("Saved {}; the draft is removed.", done.flow_file.display());
        return Line::styled(truncate(&text, w), t.dim());
    }
    // What opening the documentation did: the link whole when it could not be opened (to copy).
    match &state.docs_note {
        Some(Ok(how)) => return Line::styled(truncate(how, w), t.dim()),
        Some(Err(why)) => return Line::styled(why.clone(), t.warn()),
        None => {}
    }
    let (text, style) = match (&state.draft.saved, &state.draft.load_error) {
        (Some(Err(e)), _) => (format!("Draft not saved: {e}"), t.error()),
        (_, Some(e)) => (format!("Could not resume: {e}"), t.warn()),
        (Some(Ok(())), _) => match &state.answers.connector {
            Some(c) => (
                format!(
                    "Answers kept as a draft, without secrets ({}): catwalk offers to resume.",
                    c.label()
                ),
                t.dim(),
            ),
            None => (String::new(), t.dim()),
        },
        (None, None) => (String::new(), t.dim()),
    };
    Line::styled(truncate(&text, w), style)
}

fn draw_overlay(state: &State, o: &Overlay, frame: &mut Frame, screen: Rect) {
    let t = &state.theme;
    match o {
        Overlay::Help { scroll } => {
            let first = super::contexts::screen_contexts(state);
            overlay::help(frame, screen, *scroll, t, &first)
        }
        Overlay::ConfirmQuit => {
            let what = state
                .answers
                .connector
                .as_ref()
                .map(|c| c.label())
                .unwrap_or_default();
            let saved = match &state.draft.saved {
                Some(Ok(())) => "Your answers are saved as a draft: run catwalk again to resume.",
                Some(Err(_)) => "Your draft could not be saved, so your answers will be lost.",
                None => "Your draft is being saved.",
            };
            let secrets = if state.answers.config_values.is_some() {
                " Secrets are never kept in it."
            } else {
                ""
            };
            let text = format!("Quit catwalk? You picked {what}. {saved}{secrets}");
            overlay::question(
                frame,
                screen,
                "Quit?",
                &text,
                &crate::tui::keys::bar(&[Ctx::Confirm]),
                t,
            );
        }
        Overlay::Resume(draft) => {
            let what = draft
                .answers
                .connector
                .as_ref()
                .map(|c| c.describe())
                .unwrap_or_default();
            let text = format!("Resume your draft for {what}?");
            overlay::question(
                frame,
                screen,
                "Draft found",
                &text,
                &crate::tui::keys::bar(&[Ctx::Resume]),
                t,
            );
        }
    }
}

/// The number of lines of the `?` list (for clamping its scroll).
pub fn help_len(state: &State) -> usize {
    let first = super::contexts::screen_contexts(state);
    overlay::help_lines(72, &crate::tui::theme::Theme::monochrome(), &first).len()
}
