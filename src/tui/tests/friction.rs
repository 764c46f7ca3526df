//! The friction a first walk through the wizard met (the tunnel step for a CSV file, raw tracebacks, the
//! focus after a failed check, names from launchers, a bad prefix that Ctrl-S ignored, old names after a
//! prefix change, a long paste's end hidden): one `update` test each.

use super::flow_support::*;
use super::support::*;
use crate::model::{LogLevel, LogLine};
use crate::tui::connectors::ConnectorChoice;
use crate::tui::msg::{Msg, TaskError, TaskMsg};
use crate::tui::state::{State, StepId};
use crate::tui::steps::{check, review};
use ratatui::crossterm::event::KeyCode;
use serde_json::{Value, json};

/// Step 3 for a connector whose config schema is `schema`.
fn config_for(schema: Value) -> State {
    config_at(schema, 80, 24)
}

fn config_at(schema: Value, w: u16, h: u16) -> State {
    let mut s = state_at(w, h);
    let id = fetch_id(&pick(&mut s, "source-postgres"));
    let mut o = outcome(false);
    o.spec.config_schema = schema;
    send(&mut s, [Msg::Task(id, TaskMsg::Spec(Ok(Box::new(o))))]);
    assert_eq!(s.step, StepId::Config);
    s
}

#[test]
fn a_config_without_host_and_port_skips_the_tunnel_step() {
    // As source-faker or a local CSV file: nothing to tunnel to.
    let mut s = config_for(json!({"type": "object", "properties": {
        "count": {"type": "integer", "default": 1000},
        "seed": {"type": "integer", "default": -1}
    }}));
    let cmds = send(&mut s, [ctrl('n')]);
    assert_eq!(s.step, StepId::Check, "{}", render(&s));
    check_id(&cmds);
    let why = s
        .tunnel
        .skipped
        .clone()
        .expect("the step says why it was skipped");
    assert!(why.contains("no host and port"), "{why}");
    let screen = render(&s);
    assert!(
        screen.contains("skipped, the config has no host and port"),
        "{screen}"
    );
    // Back goes to the config, not to a step that was never shown.
    send(&mut s, [key(KeyCode::Esc)]);
    assert_eq!(s.step, StepId::Config);
}

#[test]
fn a_connector_with_its_own_ssh_settings_gets_no_second_tunnel_form() {
    // As tap-postgres: its own `ssh_tunnel` group beside host and port.
    let mut s = config_for(
        json!({"type": "object", "required": ["host"], "properties": {
            "host": {"type": "string", "title": "Host"},
            "port": {"type": "integer", "title": "Port", "default": 5432},
            "ssh_tunnel": {"type": "object", "title": "SSH Tunnel", "properties": {
                "enable": {"type": "boolean", "default": false}}}
        }}),
    );
    send(&mut s, typed("db.internal"));
    send(&mut s, [ctrl('n')]);
    assert_eq!(s.step, StepId::Check, "{}", render(&s));
    let why = s.tunnel.skipped.clone().unwrap_or_default();
    assert!(why.contains("its own (SSH Tunnel"), "{why}");
    // With a host and port and no tunnel settings of its own, the step is offered (the flow spec).
    let (s, _) = to_check(80, 24);
    assert!(s.tunnel.skipped.is_none());
}

#[test]
fn a_failed_check_shows_the_exception_first_and_fix_focuses_the_field_it_names() {
    let (mut s, cmds) = to_check(80, 24);
    let id = check_id(&cmds);
    // A traceback logged as one multi-line message, the error cut short, as source-iterate's was.
    let traceback = "Traceback (most recent call last):\n  File \"/app/main.py\", line 9, in check\n    \
                     connect(config)\npsycopg.OperationalError: invalid integer value \"70000\" for \
                     connection option \"port\"";
    send(
        &mut s,
        [
            Msg::Task(
                id,
                TaskMsg::Log(LogLine {
                    level: LogLevel::Error,
                    message: traceback.into(),
                    fields: None,
                }),
            ),
            Msg::Task(
                id,
                TaskMsg::Checked(Err(TaskError::failed(
                    "the connector exited with code 1\n  Its last log line: \
                                      Traceback (most recent call last): … (3778 more bytes)",
                ))),
            ),
        ],
    );
    assert!(matches!(s.check.phase, check::Phase::Failed(_)));
    let screen = render(&s);
    assert!(
        screen.contains("✗ The check failed: invalid integer value \"70000\" for"),
        "the exception in plain words comes first:\n{screen}"
    );
    // e: the config, on the field the error names (not the first one).
    send(&mut s, [ch('e')]);
    assert_eq!(s.step, StepId::Config);
    let focused = s.config.ui.focused().map(|r| r.title.clone());
    assert_eq!(focused.as_deref(), Some("Port"));
    assert!(render(&s).contains("it has the focus"));
}

#[test]
fn the_value_typed_also_names_the_field() {
    let (mut s, cmds) = to_check(80, 24);
    send(
        &mut s,
        [Msg::Task(
            check_id(&cmds),
            TaskMsg::Checked(Err(TaskError::failed(
                "could not translate host name \"db.internal\" to address",
            ))),
        )],
    );
    send(&mut s, [ch('e')]);
    let focused = s.config.ui.focused().map(|r| r.title.clone());
    assert_eq!(focused.as_deref(), Some("Host"));
}

#[test]
fn the_capture_is_named_after_the_connector_not_its_launcher() {
    let local = |line: &str| ConnectorChoice::Local {
        command: line.split_whitespace().map(str::to_string).collect(),
        title: None,
        protocol: None,
        env: Default::default(),
    };
    assert_eq!(
        review::default_name(&local("env LOG_LEVEL=debug python -m source_iterate")),
        "source-iterate"
    );
    assert_eq!(
        review::default_name(&local("uv run --with x tap-postgres")),
        "tap-postgres"
    );
    assert_eq!(
        review::default_name(&local("/opt/bin/source-faker")),
        "source-faker"
    );
}

#[test]
fn ctrl_s_with_a_bad_prefix_says_why_and_goes_to_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_review(80, 24, dir.path());
    // Focus the prefix, type a character a Flow name cannot have.
    send(&mut s, [key(KeyCode::Tab), key(KeyCode::Tab)]);
    assert_eq!(s.review.focus, 1);
    send(&mut s, typed(" x"));
    send(&mut s, [key(KeyCode::Tab)]);
    let cmds = send(&mut s, [ctrl('s')]);
    assert!(cmds.is_empty(), "nothing is written: {cmds:?}");
    let problem = s
        .review
        .problem
        .clone()
        .expect("Ctrl-S says why it did nothing");
    assert!(
        problem.starts_with("Not saved: fix the Prefix first"),
        "{problem}"
    );
    assert_eq!(s.review.focus, 1, "the prefix has the focus");
    // The whole message is on screen (wrapped, not cut), at both sizes.
    for (w, h) in [(80, 24), (120, 40)] {
        send(&mut s, [Msg::Resize(w, h)]);
        let screen: String = render(&s)
            .lines()
            .map(str::trim_end)
            .collect::<Vec<_>>()
            .join(" ");
        let words: Vec<&str> = problem.split_whitespace().collect();
        let last = words[words.len() - 1];
        assert!(
            screen.contains(last),
            "{last} missing at {w}x{h}:\n{}",
            render(&s)
        );
    }
}

#[test]
fn the_checked_bindings_follow_a_new_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_review(120, 40, dir.path());
    assert!(render(&s).contains("acmeCo/users"), "{}", render(&s));
    send(&mut s, [key(KeyCode::Tab), key(KeyCode::Tab), ctrl('u')]);
    send(&mut s, typed("shop"));
    let screen = render(&s);
    assert!(screen.contains("shop/users"), "{screen}");
    assert!(!screen.contains("acmeCo/users"), "{screen}");
}

#[test]
fn after_a_long_paste_its_end_is_in_view() {
    let long: String = (0..3000)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect::<String>()
        + "THE-END";
    // A single-line field.
    let mut s = config_for(
        json!({"type": "object", "required": ["token"], "properties": {
            "token": {"type": "string", "title": "Token"},
            "key": {"type": "string", "title": "Key", "multiline": true}
        }}),
    );
    send(&mut s, [Msg::Paste(long.clone())]);
    let screen = render(&s);
    assert!(screen.contains("THE-END"), "{screen}");
    // A multiline field: the paste opens its editor, the cursor after the text.
    send(&mut s, [key(KeyCode::Tab)]);
    send(&mut s, [Msg::Paste(format!("{long}\n{long}"))]);
    let screen = render(&s);
    assert!(screen.contains("THE-END"), "{screen}");
}

#[test]
fn the_documentation_link_can_be_opened_or_is_shown_whole_to_copy() {
    use crate::tui::msg::Cmd;
    let mut s = config_for(json!({"type": "object", "properties": {"host": {"type": "string"}}}));
    // From the config form (^G); the spec step has `o`.
    let cmds = send(&mut s, [ctrl('g')]);
    let (id, url) = match &cmds[..] {
        [Cmd::OpenUrl(id, url)] => (*id, url.clone()),
        other => panic!("no OpenUrl in {other:?}"),
    };
    assert_eq!(url, "https://go.estuary.dev/source-postgresql");
    // Over SSH the opener is not run: the link is shown whole, to copy.
    send(
        &mut s,
        [Msg::Task(
            id,
            TaskMsg::Opened(Err(format!("Docs (over SSH, copy the link): {url}"))),
        )],
    );
    let screen = render(&s);
    assert!(
        screen.contains(&format!("copy the link): {url}")),
        "{screen}"
    );
    // The `?` list offers it first, with the form's keys.
    let first = crate::tui::update::screen_contexts(&s);
    let (groups, here) = crate::tui::keys::overlay(&first);
    assert!(
        groups[..here]
            .iter()
            .any(|(_, rows)| rows.iter().any(|(k, _)| k == "^G")),
        "{groups:?}"
    );
}

#[test]
fn a_port_out_of_range_is_warned_about_though_the_schema_allows_it() {
    // As tap-postgres: `port` an integer without bounds.
    let mut s = config_for(json!({"type": "object", "properties": {
        "host": {"type": "string", "title": "Host"},
        "port": {"type": "integer", "title": "Port"}
    }}));
    send(&mut s, [key(KeyCode::Tab)]);
    send(&mut s, typed("70000"));
    send(&mut s, [key(KeyCode::Tab)]);
    let screen = render(&s);
    assert!(
        screen.contains("⚠ ports are 1-65535: 70000 cannot be one"),
        "{screen}"
    );
    // A warning, not a problem: Next goes on.
    send(&mut s, [key(KeyCode::BackTab), key(KeyCode::BackTab)]);
    send(&mut s, typed("db"));
    send(&mut s, [ctrl('n')]);
    assert_ne!(s.step, StepId::Config, "{}", render(&s));
}

/// tap-postgres's settings as its `--about` gives them (abridged descriptions): none required.
fn tap_postgres_like() -> Value {
    let mut props = serde_json::Map::new();
    for (k, v) in [
        (
            "host",
            json!({"type": "string", "description": "Hostname for postgres instance."}),
        ),
        ("port", json!({"type": "integer", "default": 5432})),
        ("user", json!({"type": "string"})),
        ("password", json!({"type": "string", "secret": true})),
        ("database", json!({"type": "string"})),
        ("sqlalchemy_url", json!({"type": "string", "secret": true})),
        (
            "filter_schemas",
            json!({"type": "array", "items": {"type": "string"}}),
        ),
        (
            "dates_as_string",
            json!({"type": "boolean", "default": false}),
        ),
        (
            "json_as_object",
            json!({"type": "boolean", "default": false}),
        ),
        (
            "ssh_tunnel",
            json!({"type": "object", "properties": {"enable": {"type": "boolean", "default": false}}}),
        ),
        ("ssl_enable", json!({"type": "boolean", "default": false})),
        (
            "ssl_client_certificate_enable",
            json!({"type": "boolean", "default": false}),
        ),
        (
            "ssl_mode",
            json!({"type": "string", "default": "verify-full"}),
        ),
        (
            "ssl_certificate_authority",
            json!({"type": "string", "default": "~/.postgresql/root.crl"}),
        ),
        (
            "ssl_client_certificate",
            json!({"type": "string", "default": "~/.postgresql/postgresql.crt"}),
        ),
        (
            "ssl_client_private_key",
            json!({"type": "string", "default": "~/.postgresql/postgresql.key"}),
        ),
        (
            "ssl_storage_directory",
            json!({"type": "string", "default": ".secrets"}),
        ),
        ("stream_maps", json!({"type": "object", "properties": {}})),
        (
            "stream_map_config",
            json!({"type": "object", "properties": {}}),
        ),
        (
            "faker_config",
            json!({"type": "object", "properties": {"seed": {"type": "integer"}}}),
        ),
        ("flattening_enabled", json!({"type": "boolean"})),
        ("flattening_max_depth", json!({"type": "integer"})),
    ] {
        props.insert(k.into(), v);
    }
    json!({"type": "object", "properties": props})
}

#[test]
fn config_long_form_folded() {
    // The connection fields first; the 16 others behind one closed switch.
    snap("config_long_form_folded", |w, h| {
        config_at(tap_postgres_like(), w, h)
    });
    let s = config_at(tap_postgres_like(), 80, 24);
    let screen = render(&s);
    assert!(screen.contains("Optional settings"), "{screen}");
    assert!(!screen.contains("Ssl Mode"), "{screen}");
}
