//! A materialization's steps after the check: the collections to write, their resource configs and field
//! selection are still to come (their steps go in `Flow::for_task`'s materialization list). Until then
//! this step says so, instead of a capture's discover refusing the connector.

use super::{Reply, Step};
use crate::tui::flow::{StepId, Transition};
use crate::tui::keys::{Action, Ctx};
use crate::tui::state::State;
use crate::tui::widgets::text::wrap;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

pub struct CollectionsStep;

impl Step for CollectionsStep {
    fn contexts(_state: &State) -> Vec<Ctx> {
        vec![Ctx::Upcoming]
    }

    fn on_action(_state: &mut State, action: Action) -> Reply {
        match action {
            Action::Back => Reply::go(Transition::Back),
            Action::EditConfig => Reply::go(Transition::GoTo(StepId::Config)),
            _ => Reply::stay(),
        }
    }

    fn view(state: &State, frame: &mut Frame, body: Rect) {
        let t = &state.theme;
        let w = body.width as usize;
        let name =
            crate::tui::session::connector_label(state).unwrap_or_else(|| "This connector".into());
        let text = format!(
            "{name} is a materialization connector: it writes collections into a system, so it has \
             nothing to discover. Choosing the collections it writes, their resources and fields comes \
             in a later version of the wizard; until then, write its bindings by hand and check them \
             with `catwalk check`."
        );
        let mut lines = vec![Line::styled("Collections", t.title()), Line::default()];
        lines.extend(wrap(&text, w).into_iter().map(Line::raw));
        lines.push(Line::default());
        lines.push(Line::styled("e fixes the config · Esc goes back", t.dim()));
        crate::tui::widgets::page::draw(frame, body, lines);
    }
}
