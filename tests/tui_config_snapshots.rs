//! insta snapshots of steps 3 and 4 at 80x24 and 120x40 (in `snapshots/`): an unusable schema, a config
//! without settings, the Flow fixture's form, real
//! Estuary and Airbyte specs, problems shown after Next, a oneOf switched, a secret masked and revealed,
//! the multiline editor, the enum picker filtered, a list of objects, the file prompt, and step 4 for a
//! connector with its own tunnel and for a tunnel catwalk runs. Markers (`›`, `*`, `✗`, `‹ ›`) carry what
//! colour would, so the text reads the same with NO_COLOR.

mod tui_config_support;

use catwalk::tui::msg::{Msg, TaskMsg};
use catwalk::tui::state::{State, StepId};
use catwalk::tui::theme::Theme;
use ratatui::crossterm::event::KeyCode;
use serde_json::Value;
use tui_config_support::*;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

const KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACBhc2RmYXNkZmFzZGZhc2RmYXNkZmFzZGZhc2RmYXNkZg==\n-----END OPENSSH PRIVATE KEY-----\n";

fn snap(name: &str, build: impl Fn(u16, u16) -> State) {
    for (w, h) in SIZES {
        let screen = render(&build(w, h));
        assert!(
            !screen.contains("hunter2") || name.contains("revealed"),
            "{name}: a secret shows:\n{screen}"
        );
        assert!(
            !screen.contains("b3BlbnNzaC1"),
            "{name}: the key shows:\n{screen}"
        );
        insta::with_settings!({
            snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen);
        });
    }
}

fn fixture(w: u16, h: u16) -> State {
    at_config(fixture_schema(), w, h)
}

fn schema(name: &str) -> Value {
    shared_schema(name)
}

#[test]
fn config_fixture() {
    snap("config_fixture", fixture);
}

#[test]
fn config_schema_error() {
    snap("config_schema_error", |w, h| {
        at_config(
            serde_json::json!({"type": "object", "properties": {"ratio": {"type": ["number", null]}}}),
            w,
            h,
        )
    });
}

#[test]
fn config_empty() {
    snap("config_empty", |w, h| {
        at_config(
            serde_json::json!({"type": "object", "properties": {}}),
            w,
            h,
        )
    });
}

#[test]
fn config_estuary_postgres() {
    snap("config_estuary_postgres", |w, h| {
        let mut s = at_config(schema("estuary/source-postgres"), w, h);
        send(&mut s, typed("db.internal:5432"));
        s
    });
}

#[test]
fn config_estuary_postgres_advanced_open() {
    snap("config_estuary_postgres_advanced_open", |w, h| {
        let mut s = at_config(schema("estuary/source-postgres"), w, h);
        focus(&mut s, "/discoveryFilters/discover_unpublished_tables");
        send(
            &mut s,
            [key(KeyCode::Tab), key(KeyCode::Enter), key(KeyCode::Tab)],
        );
        s
    });
}

#[test]
fn config_airbyte_file_oneof() {
    snap("config_airbyte_file_oneof", |w, h| {
        let mut s = at_config(schema("airbyte-legacy-catalog/source-file-secure"), w, h);
        focus(&mut s, "/provider");
        s
    });
}

#[test]
fn config_airbyte_file_oneof_switched() {
    snap("config_airbyte_file_oneof_switched", |w, h| {
        let mut s = at_config(schema("airbyte-legacy-catalog/source-file-secure"), w, h);
        focus(&mut s, "/provider");
        send(&mut s, [key(KeyCode::Right), key(KeyCode::Right)]);
        s
    });
}

#[test]
fn config_oneof_picker() {
    snap("config_oneof_picker", |w, h| {
        let mut s = fixture(w, h);
        focus(&mut s, "/mode");
        send(&mut s, [key(KeyCode::Enter), key(KeyCode::Down)]);
        s
    });
}

#[test]
fn config_oneof_switched() {
    snap("config_oneof_switched", |w, h| {
        let mut s = fixture(w, h);
        focus(&mut s, "/mode");
        send(&mut s, [key(KeyCode::Right), key(KeyCode::Tab)]);
        s
    });
}

#[test]
fn config_validation_errors() {
    snap("config_validation_errors", |w, h| {
        let mut s = fixture(w, h);
        focus(&mut s, "/port");
        send(&mut s, [ctrl('u')]);
        send(&mut s, typed("54x"));
        send(&mut s, [ctrl('n')]);
        s
    });
}

/// The fixture with a password and a pasted key, the password focused.
fn secrets(w: u16, h: u16) -> State {
    let mut s = fixture(w, h);
    send(&mut s, typed("db.internal"));
    focus(&mut s, "/password");
    send(&mut s, typed("hunter2-secret"));
    send(
        &mut s,
        [
            key(KeyCode::Tab),
            Msg::Paste(KEY.into()),
            key(KeyCode::Esc),
            shift_tab(),
        ],
    );
    s
}

#[test]
fn config_secret_masked() {
    snap("config_secret_masked", secrets);
}

#[test]
fn config_secret_revealed() {
    snap("config_secret_revealed", |w, h| {
        let mut s = secrets(w, h);
        send(&mut s, [ctrl('r')]);
        s
    });
}

#[test]
fn config_multiline_editor() {
    snap("config_multiline_editor", |w, h| {
        let mut s = fixture(w, h);
        focus(&mut s, "/private_key");
        send(&mut s, [key(KeyCode::Enter), Msg::Paste(KEY.into())]);
        s
    });
}

#[test]
fn config_enum_picker_filtered() {
    snap("config_enum_picker_filtered", |w, h| {
        let mut s = at_config(schema("airbyte/source-pokeapi"), w, h);
        focus(&mut s, "/pokemon_name");
        send(&mut s, [key(KeyCode::Enter)]);
        send(&mut s, typed("char"));
        send(&mut s, [key(KeyCode::Down)]);
        s
    });
}

#[test]
fn config_array_of_objects() {
    snap("config_array_of_objects", |w, h| {
        let mut s = at_config(schema("airbyte/source-sftp-bulk"), w, h);
        focus(&mut s, "/streams");
        send(&mut s, [ch('a')]);
        focus(&mut s, "/streams/0/name");
        send(&mut s, typed("orders"));
        focus(&mut s, "/streams");
        send(&mut s, [ch('a')]);
        focus(&mut s, "/streams/1/format");
        send(&mut s, [key(KeyCode::Right)]);
        s
    });
}

#[test]
fn config_load_file_prompt() {
    snap("config_load_file_prompt", |w, h| {
        let mut s = fixture(w, h);
        send(&mut s, [ctrl('o')]);
        send(&mut s, typed("~/configs/pg.yaml"));
        let cmds = send(&mut s, [key(KeyCode::Enter)]);
        if let Some(catwalk::tui::Cmd::ReadFile(id, _)) = cmds.last() {
            send(
                &mut s,
                [Msg::Task(
                    *id,
                    TaskMsg::FileRead(Err(
                        "cannot read /home/ana/configs/pg.yaml: No such file or directory (os error 2)".into(),
                    )),
                )],
            );
        }
        s
    });
}

/// Step 4 reached from a valid step 3.
fn tunnel_of(schema: Value, fill: &[(&str, &str)], w: u16, h: u16) -> State {
    let mut s = at_config(schema, w, h);
    for (at, text) in fill {
        focus(&mut s, at);
        send(&mut s, typed(text));
    }
    send(&mut s, [ctrl('n')]);
    assert_eq!(s.step, StepId::Tunnel, "{:?}", s.config.ui.problems);
    s
}

#[test]
fn tunnel_builtin() {
    snap("tunnel_builtin", |w, h| {
        tunnel_of(
            schema("estuary/source-postgres"),
            &[
                ("/address", "db.internal:5432"),
                ("/credentials/password", "hunter2"),
            ],
            w,
            h,
        )
    });
}

#[test]
fn tunnel_builtin_filled() {
    snap("tunnel_builtin_filled", |w, h| {
        let mut s = tunnel_of(
            schema("estuary/source-postgres"),
            &[
                ("/address", "db.internal:5432"),
                ("/credentials/password", "hunter2"),
            ],
            w,
            h,
        );
        send(&mut s, [key(KeyCode::Right), key(KeyCode::Tab)]);
        send(&mut s, typed("ssh://flow@bastion.example.com:22x"));
        send(
            &mut s,
            [
                key(KeyCode::Tab),
                Msg::Paste("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI me@laptop".into()),
            ],
        );
        send(&mut s, [key(KeyCode::Esc), shift_tab()]);
        s
    });
}

#[test]
fn tunnel_catwalk() {
    snap("tunnel_catwalk", |w, h| {
        let mut s = tunnel_of(
            fixture_schema(),
            &[("/host", "db.internal"), ("/password", "hunter2")],
            w,
            h,
        );
        send(&mut s, [key(KeyCode::Right), key(KeyCode::Tab)]);
        send(&mut s, typed("ssh://flow@bastion.example.com"));
        send(
            &mut s,
            [key(KeyCode::Tab), Msg::Paste(KEY.into()), key(KeyCode::Esc)],
        );
        s
    });
}

#[test]
fn config_help_overlay_lists_the_form_keys() {
    let mut s = fixture(80, 24);
    send(&mut s, [key(KeyCode::F(1))]);
    // The form's own keys come first, without scrolling.
    let screen = render(&s);
    assert!(screen.contains("Config form"), "{screen}");
}

/// With NO_COLOR, no cell of the form has a colour; the focused field is still marked (reverse video).
#[test]
fn the_form_has_no_colour_with_no_color() {
    use ratatui::style::{Color, Modifier};
    let mut s = secrets(80, 24);
    s.theme = Theme::monochrome();
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
    terminal.draw(|f| catwalk::tui::view::view(&s, f)).unwrap();
    let buf = terminal.backend().buffer().clone();
    let mut reversed = 0;
    for cell in buf.content() {
        assert!(
            matches!(cell.fg, Color::Reset) && matches!(cell.bg, Color::Reset),
            "{cell:?}"
        );
        if cell.modifier.contains(Modifier::REVERSED) {
            reversed += 1;
        }
    }
    assert!(
        reversed > 20,
        "the focused field and the current step are reversed"
    );
}
