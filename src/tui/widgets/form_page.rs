//! A form page: the layout every form step shares (heading lines, the form, the help panel beside or
//! below it, the area popups may cover) and the notice above the form. Used by the config and tunnel
//! steps (and later per-binding resource forms).

use ratatui::layout::Rect;

/// The line above the form: what happened last (a file loaded, the draft resumed, Next refused).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub bad: bool,
}

/// Where the step draws: the heading lines, the form, the help panel, and the area popups may cover.
pub struct Areas {
    pub head: Rect,
    pub form: Rect,
    pub panel: Rect,
    pub popup: Rect,
}

/// The layout of a form step in `body`, below `head` lines: the help panel on the right when the body is
/// wide, else at the bottom.
pub fn areas(body: Rect, head: u16) -> Areas {
    let head = head.min(body.height);
    let rest = Rect::new(body.x, body.y + head, body.width, body.height - head);
    let (form, panel) = if body.width >= 110 {
        let pw = (body.width / 3).min(56);
        (
            Rect::new(rest.x, rest.y, rest.width - pw - 1, rest.height),
            Rect::new(rest.x + rest.width - pw, rest.y, pw, rest.height),
        )
    } else {
        let ph = if rest.height >= 24 { 7 } else { 5 }.min(rest.height / 2);
        (
            Rect::new(rest.x, rest.y, rest.width, rest.height - ph),
            Rect::new(rest.x, rest.y + rest.height - ph, rest.width, ph),
        )
    };
    Areas {
        head: Rect::new(body.x, body.y, body.width, head),
        form,
        panel,
        popup: rest,
    }
}
