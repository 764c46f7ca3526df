//! Step 3 (Config), pure `update` tests through the public API: moving between fields, typing in place,
//! numbers parsed with a clear problem, a oneOf switched (shared values kept), lists, secrets revealed
//! and masked, the multiline editor with a paste, validation as you type and the full check on Next, Esc
//! back without loss, the mouse, resizing, Ctrl-C. (Step 4: `tui_config_tunnel`; draft and files:
//! `tui_config_draft`.)

mod tui_config_support;

use catwalk::tui::msg::Msg;
use catwalk::tui::state::{Overlay, StepId};
use catwalk::tui::widgets::form_rows::RowKind;
use catwalk::tui::widgets::form_ui::Popup;
use ratatui::crossterm::event::KeyCode;
use serde_json::json;
use tui_config_support::*;

#[test]
fn moves_between_fields_with_tab_and_arrows() {
    let mut s = fixture(80, 24);
    assert_eq!(focused(&s), "/host", "the first field has the focus");
    send(&mut s, [key(KeyCode::Tab)]);
    assert_eq!(focused(&s), "/port");
    send(&mut s, [key(KeyCode::Down), key(KeyCode::Down)]);
    assert_eq!(focused(&s), "/private_key");
    send(&mut s, [shift_tab(), key(KeyCode::Up)]);
    assert_eq!(focused(&s), "/port");
    send(
        &mut s,
        [
            key(KeyCode::PageDown),
            key(KeyCode::PageDown),
            key(KeyCode::PageDown),
        ],
    );
    assert_eq!(
        s.config.ui.focused().unwrap().kind,
        RowKind::Next,
        "paging stops at the end"
    );
    send(&mut s, (0..10).map(|_| key(KeyCode::Up)));
    assert_eq!(focused(&s), "/host", "and at the start");
}

#[test]
fn typing_edits_the_focused_field_in_place() {
    let mut s = fixture(80, 24);
    send(&mut s, typed("db.exmple.com"));
    assert_eq!(config(&s)["host"], "db.exmple.com");
    // Cursor keys, Home/End, Backspace.
    send(&mut s, (0..8).map(|_| key(KeyCode::Left)));
    send(&mut s, [ch('a')]);
    assert_eq!(config(&s)["host"], "db.example.com");
    send(
        &mut s,
        [
            key(KeyCode::Home),
            key(KeyCode::Delete),
            key(KeyCode::End),
            key(KeyCode::Backspace),
        ],
    );
    assert_eq!(config(&s)["host"], "b.example.co");
    send(&mut s, typed(" x"));
    send(&mut s, [ctrl('w')]);
    assert_eq!(config(&s)["host"], "b.example.co ", "Ctrl-W deletes a word");
    send(&mut s, [ctrl('u')]);
    assert!(
        config(&s).get("host").is_none(),
        "Ctrl-U clears: the value is gone"
    );
    // Letters that are keys elsewhere (q quits a page, a adds an item) are text here.
    send(&mut s, typed("qa?"));
    assert_eq!(config(&s)["host"], "qa?");
    // A paste goes into the focused field.
    send(
        &mut s,
        [ctrl('u'), Msg::Paste("pasted.example.com\n".into())],
    );
    assert_eq!(config(&s)["host"], "pasted.example.com");
}

#[test]
fn numbers_are_parsed_with_a_clear_inline_error_and_the_text_kept() {
    let mut s = fixture(80, 24);
    focus(&mut s, "/port");
    assert_eq!(config(&s)["port"], 5432, "the default is filled in");
    send(&mut s, [ctrl('u')]);
    send(&mut s, typed("54x"));
    let ui = &s.config.ui;
    assert_eq!(ui.texts["/port"].0, "54x");
    assert!(
        ui.errors["/port"].contains("not a whole number"),
        "{:?}",
        ui.errors
    );
    let screen = render(&s);
    assert!(screen.contains("✗ “54x” is not a whole number"), "{screen}");
    // Leaving and coming back keeps the typed text.
    send(&mut s, [key(KeyCode::Tab), shift_tab()]);
    assert_eq!(s.config.ui.input.value(), "54x");
    send(&mut s, [key(KeyCode::Backspace), ch('3')]);
    assert_eq!(config(&s)["port"], 543);
    assert!(!s.config.ui.errors.contains_key("/port"));
    send(&mut s, [ctrl('u')]);
    send(&mut s, typed("70000"));
    assert!(
        s.config.ui.errors["/port"].contains("at most 65535"),
        "bounds are checked as you type"
    );
}

#[test]
fn a_oneof_switch_swaps_the_fields_below_and_keeps_values() {
    let mut s = fixture(80, 24);
    focus(&mut s, "/mode");
    assert_eq!(config(&s)["mode"], json!({"kind": "normal"}));
    send(&mut s, [key(KeyCode::Right)]);
    assert_eq!(config(&s)["mode"]["kind"], "fail_check");
    let next = &s.config.ui.rows[s.config.ui.focus + 1];
    assert_eq!(
        next.pointer, "/mode/message",
        "the option's fields appear below the choice"
    );
    send(&mut s, [key(KeyCode::Tab), ctrl('u')]);
    send(&mut s, typed("boom"));
    // The picker: Enter lists the options; the third is Slow.
    send(&mut s, [shift_tab(), key(KeyCode::Enter)]);
    assert!(matches!(s.config.ui.popup, Some(Popup::Picker(_))));
    send(&mut s, [key(KeyCode::Down), key(KeyCode::Enter)]);
    assert!(s.config.ui.popup.is_none());
    assert_eq!(
        config(&s)["mode"],
        json!({"kind": "slow", "delay_ms": 1500})
    );
    // Back to "Fail the check": the message typed there comes back.
    send(&mut s, [key(KeyCode::Left)]);
    assert_eq!(
        config(&s)["mode"],
        json!({"kind": "fail_check", "message": "boom"})
    );
    // The picker filters by typing; Esc closes it without a change.
    send(&mut s, [ch(' ')]);
    send(&mut s, typed("slo"));
    match &s.config.ui.popup {
        Some(Popup::Picker(p)) => assert_eq!(p.shown.len(), 1),
        other => panic!("no picker: {other:?}"),
    }
    send(&mut s, [key(KeyCode::Esc)]);
    assert_eq!(config(&s)["mode"]["kind"], "fail_check");
    assert_eq!(s.step, StepId::Config, "Esc closed the picker only");
}

#[test]
fn switching_options_keeps_the_values_they_share() {
    let schema = json!({"type": "object", "properties": {"auth": {"title": "Auth", "oneOf": [
        {"title": "Password", "properties": {"method": {"const": "pw"}, "user": {"type": "string"}, "password": {"type": "string", "secret": true}}},
        {"title": "Key", "properties": {"method": {"const": "key"}, "user": {"type": "string"}, "key": {"type": "string"}}}
    ]}}});
    let mut s = at_config(schema, 80, 24);
    focus(&mut s, "/auth/user");
    send(&mut s, typed("ana"));
    send(&mut s, [shift_tab(), key(KeyCode::Right)]);
    assert_eq!(config(&s)["auth"], json!({"method": "key", "user": "ana"}));
}

#[test]
fn lists_of_scalars_and_objects_add_and_remove_items() {
    let mut s = at_config(shared_schema("airbyte/source-sftp-bulk"), 120, 40);
    focus(&mut s, "/streams");
    send(&mut s, [ch('a')]);
    assert_eq!(focused(&s), "/streams/0", "the new item has the focus");
    let item = s.config.ui.focused().unwrap();
    assert_eq!((item.title.as_str(), item.item), ("#1", Some(0)));
    // Its fields follow; a nested list of globs has its default.
    focus(&mut s, "/streams/0/name");
    send(&mut s, typed("orders"));
    assert_eq!(config(&s)["streams"][0]["globs"], json!(["**"]));
    assert!(
        s.config.ui.rows.iter().any(|r| r.title == "#1 orders"),
        "the item is named after its name"
    );
    focus(&mut s, "/streams/0/globs");
    send(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(focused(&s), "/streams/0/globs/1");
    send(&mut s, typed("*.csv"));
    assert_eq!(config(&s)["streams"][0]["globs"], json!(["**", "*.csv"]));
    // Emptying an item's text keeps the item.
    send(&mut s, [ctrl('u')]);
    assert_eq!(config(&s)["streams"][0]["globs"], json!(["**", ""]));
    assert_eq!(focused(&s), "/streams/0/globs/1");
    send(&mut s, typed("*.csv"));
    // Ctrl-D removes the focused item, even a text one (d would be text there).
    send(&mut s, [ctrl('d')]);
    assert_eq!(config(&s)["streams"][0]["globs"], json!(["**"]));
    // d on an object item removes it.
    focus(&mut s, "/streams");
    send(&mut s, [ch('a')]);
    focus(&mut s, "/streams/0");
    send(&mut s, [ch('d')]);
    assert_eq!(config(&s)["streams"].as_array().unwrap().len(), 1);
    assert!(
        config(&s)["streams"][0].get("name").is_none(),
        "the first item went"
    );
}

#[test]
fn a_secret_is_masked_and_ctrl_r_reveals_only_the_focused_one() {
    let mut s = fixture(80, 24);
    focus(&mut s, "/password");
    send(&mut s, typed("hunter2-secret"));
    send(
        &mut s,
        [key(KeyCode::Tab), Msg::Paste(KEY.into()), key(KeyCode::Esc)],
    );
    let screen = render(&s);
    assert!(!screen.contains("hunter2"), "{screen}");
    assert!(screen.contains("••••• (4 lines)"), "{screen}");
    send(&mut s, [shift_tab()]);
    assert!(
        render(&s).contains("••••••••••••••"),
        "typed secrets show a bullet per character"
    );
    send(&mut s, [ctrl('r')]);
    let screen = render(&s);
    assert!(screen.contains("hunter2-secret"), "{screen}");
    assert!(
        !screen.contains("OPENSSH"),
        "the key stays masked: {screen}"
    );
    send(&mut s, [ctrl('r')]);
    assert!(!render(&s).contains("hunter2"));
}

#[test]
fn the_multiline_editor_takes_a_paste_and_esc_keeps_it() {
    let mut s = fixture(120, 40);
    focus(&mut s, "/private_key");
    send(&mut s, [key(KeyCode::Enter)]);
    assert!(matches!(s.config.ui.popup, Some(Popup::Editor(_))));
    send(&mut s, [Msg::Paste(KEY.into())]);
    let screen = render(&s);
    assert!(
        !screen.contains("OPENSSH"),
        "masked in the editor too: {screen}"
    );
    assert!(screen.contains("Private key (masked)"), "{screen}");
    // Ctrl-R shows it there; keys are the editor's (Enter is a newline, q is text).
    send(&mut s, [ctrl('r')]);
    assert!(render(&s).contains("BEGIN OPENSSH PRIVATE KEY"));
    send(&mut s, [ch('q'), key(KeyCode::Backspace)]);
    send(&mut s, [key(KeyCode::Esc)]);
    assert!(s.config.ui.popup.is_none());
    let key = config(&s)["private_key"].as_str().unwrap().to_string();
    assert!(
        key.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl"),
        "{key:?}"
    );
    assert!(!key.contains('\r'), "CRLF became LF");
    assert!(
        key.ends_with("-----END OPENSSH PRIVATE KEY-----\n"),
        "{key:?}"
    );
    // Ctrl-E opens it again with the text; Ctrl-S closes it.
    send(&mut s, [ctrl('e')]);
    assert!(matches!(&s.config.ui.popup, Some(Popup::Editor(e)) if e.text() == key));
    send(&mut s, [ctrl('s')]);
    assert!(s.config.ui.popup.is_none());
}

#[test]
fn next_checks_everything_and_jumps_to_the_first_problem() {
    let mut s = fixture(80, 24);
    focus(&mut s, "/behaviour");
    send(&mut s, [ctrl('n')]);
    assert_eq!(s.step, StepId::Config, "refused");
    assert_eq!(focused(&s), "/host", "the first problem has the focus");
    let notice = s.config.notice.clone().unwrap();
    assert!(
        notice.bad && notice.text.contains("2 fields need attention"),
        "{notice:?}"
    );
    let screen = render(&s);
    assert!(screen.contains("✗ is required"), "{screen}");
    // Problems of untouched fields show only after Next; typing fixes them as you go.
    send(&mut s, typed("db"));
    assert!(!s.config.ui.errors.contains_key("/host"));
    focus(&mut s, "/password");
    send(&mut s, typed("pw"));
    let cmds = send(&mut s, [ctrl('n')]);
    assert_eq!(s.step, StepId::Tunnel);
    let config = s.answers.config.clone().unwrap();
    assert_eq!(config["host"], "db");
    assert_eq!(config["port"], 5432, "defaults included");
    assert_eq!(
        config["advanced"],
        json!({"bindings": 3, "docs_per_binding": 3})
    );
    assert_eq!(config["mode"], json!({"kind": "normal"}));
    assert_eq!(config["password"], "pw");
    for d in drafts(&cmds) {
        assert!(
            d.contains("\"host\":\"db\"") && !d.contains("\"pw\""),
            "{d}"
        );
    }
}

#[test]
fn a_problem_behind_the_advanced_switch_opens_it() {
    let mut s = fixture(80, 24);
    fill_required(&mut s);
    assert!(!s.config.ui.show_advanced);
    assert!(
        !s.config
            .ui
            .rows
            .iter()
            .any(|r| r.pointer == "/advanced/bindings")
    );
    // Open, break a value, close again.
    let adv = s
        .config
        .ui
        .rows
        .iter()
        .position(|r| matches!(r.kind, RowKind::Advanced { .. }))
        .unwrap();
    s.config.ui.focus = adv;
    send(&mut s, [ch(' ')]);
    focus(&mut s, "/advanced/bindings");
    send(&mut s, [ctrl('u')]);
    send(&mut s, typed("-1"));
    let adv = s
        .config
        .ui
        .rows
        .iter()
        .position(|r| matches!(r.kind, RowKind::Advanced { .. }))
        .unwrap();
    s.config.ui.focus = adv;
    send(&mut s, [key(KeyCode::Enter)]);
    assert!(!s.config.ui.show_advanced);
    send(&mut s, [ctrl('n')]);
    assert!(s.config.ui.show_advanced);
    assert_eq!(focused(&s), "/advanced/bindings");
    assert!(s.config.ui.errors["/advanced/bindings"].contains("at least 0"));
}

#[test]
fn esc_goes_back_and_nothing_typed_is_lost() {
    let mut s = fixture(80, 24);
    fill_required(&mut s);
    focus(&mut s, "/port");
    send(&mut s, [ctrl('u')]);
    send(&mut s, typed("12a"));
    send(&mut s, [key(KeyCode::Esc)]);
    assert_eq!(s.step, StepId::Spec);
    send(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(s.step, StepId::Config);
    assert_eq!(focused(&s), "/port");
    assert_eq!(
        s.config.ui.input.value(),
        "12a",
        "even text that does not parse"
    );
    assert_eq!(config(&s)["host"], "db.internal");
    assert_eq!(config(&s)["password"], "hunter2-secret");
    // And from step 4 back to step 3.
    send(&mut s, [ctrl('u')]);
    send(&mut s, typed("5433"));
    send(&mut s, [ctrl('n')]);
    assert_eq!(s.step, StepId::Tunnel);
    send(&mut s, [key(KeyCode::Esc)]);
    assert_eq!(s.step, StepId::Config);
    assert_eq!(config(&s)["port"], 5433);
}

#[test]
fn an_enum_of_898_values_is_picked_by_filtering() {
    let mut s = at_config(shared_schema("airbyte/source-pokeapi"), 80, 24);
    focus(&mut s, "/pokemon_name");
    send(&mut s, [key(KeyCode::Enter)]);
    send(&mut s, typed("pikac"));
    match &s.config.ui.popup {
        Some(Popup::Picker(p)) => assert_eq!(p.shown.len(), 1),
        other => panic!("{other:?}"),
    }
    send(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(config(&s)["pokemon_name"], "pikachu");
}

#[test]
fn clicks_focus_and_act_and_the_wheel_moves() {
    let mut s = fixture(80, 24);
    // Rows: stepper 0, rule 1, head 2-4, form from 5.
    send(&mut s, [Msg::Mouse(mouse_down(10, 7))]);
    assert_eq!(focused(&s), "/password");
    send(&mut s, [Msg::Mouse(wheel(10, 7, true))]);
    assert_eq!(focused(&s), "/behaviour");
    let before = config(&s)["behaviour"].clone();
    // A click on the focused enum opens its list.
    let line = 5 + s.config.ui.focus as u16;
    send(&mut s, [Msg::Mouse(mouse_down(10, line))]);
    assert!(matches!(s.config.ui.popup, Some(Popup::Picker(_))));
    send(&mut s, [key(KeyCode::Esc)]);
    assert_eq!(config(&s)["behaviour"], before);
    // In the list, a click selects an entry and a second click picks it.
    send(&mut s, [Msg::Mouse(mouse_down(10, line))]);
    let body = catwalk::tui::view::areas(s.screen()).body;
    let area =
        catwalk::tui::steps::config::areas(body, catwalk::tui::steps::config::head_height(&s)).form;
    let list = match &s.config.ui.popup {
        Some(Popup::Picker(p)) => p.list_rect(area),
        other => panic!("{other:?}"),
    };
    send(&mut s, [Msg::Mouse(mouse_down(list.x + 4, list.y + 2))]);
    assert_eq!(
        config(&s)["behaviour"],
        before,
        "the first click only selects"
    );
    send(&mut s, [Msg::Mouse(mouse_down(list.x + 4, list.y + 2))]);
    assert!(s.config.ui.popup.is_none());
    assert_eq!(config(&s)["behaviour"], "garbage");
}

#[test]
fn resizing_keeps_the_focus_visible() {
    let mut s = at_config(shared_schema("airbyte/source-sftp-bulk"), 120, 40);
    send(&mut s, (0..12).map(|_| key(KeyCode::Down)));
    send(&mut s, [Msg::Resize(80, 24)]);
    let screen = render(&s);
    assert!(screen.contains("› "), "{screen}");
}

#[test]
fn ctrl_c_asks_before_quitting_from_the_form() {
    let mut s = fixture(80, 24);
    send(&mut s, typed("x"));
    send(&mut s, [ctrl('c')]);
    assert_eq!(s.overlay(), Some(&Overlay::ConfirmQuit));
    send(&mut s, [ch('n')]);
    assert_eq!(config(&s)["host"], "x", "n was not typed into the field");
}

fn mouse_down(column: u16, row: u16) -> ratatui::crossterm::event::MouseEvent {
    use ratatui::crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column,
        row,
        modifiers: KeyModifiers::NONE,
    }
}

fn wheel(column: u16, row: u16, down: bool) -> ratatui::crossterm::event::MouseEvent {
    use ratatui::crossterm::event::{KeyModifiers, MouseEvent, MouseEventKind};
    let kind = if down {
        MouseEventKind::ScrollDown
    } else {
        MouseEventKind::ScrollUp
    };
    MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    }
}
