//! The screen's layout: the stepper, a rule, the current step's body, the status line and the help bar.
//! A leaf, shared by `view` (drawing), `update` and the steps (mouse clicks and list heights land where
//! things are drawn).

use ratatui::layout::Rect;

/// Below this size the wizard asks for a bigger terminal instead of drawing a broken screen.
pub const MIN_SIZE: (u16, u16) = (60, 16);

pub struct Areas {
    pub stepper: Rect,
    pub rule: Rect,
    pub body: Rect,
    pub status: Rect,
    pub help: Rect,
}

pub fn areas(screen: Rect) -> Areas {
    let h = screen.height;
    let row = |y: u16| {
        Rect::new(
            screen.x,
            screen.y + y.min(h.saturating_sub(1)),
            screen.width,
            u16::from(h > y),
        )
    };
    let body_h = h.saturating_sub(4);
    Areas {
        stepper: row(0),
        rule: row(1),
        body: Rect::new(screen.x, screen.y + 2.min(h), screen.width, body_h),
        status: row(h.saturating_sub(2)),
        help: row(h.saturating_sub(1)),
    }
}
