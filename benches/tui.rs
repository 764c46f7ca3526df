//! Keystroke to frame (update + render into a TestBackend) and start-up to first frame, for the wizard:
//! the connector list, the config forms (the shared spec with the most fields, the Flow fixture), and the
//! bindings list with 10,000 discovered bindings (moving, toggling, filtering, all/none).
//! `cargo bench --bench tui` (or scripts/bench-tui). Prints median and p99 per case; the targets are a p99
//! under 8 ms per keystroke and a first frame under 100 ms.

use catwalk::model::{ConnectorKind, Protocol, Spec};
use catwalk::tui::connectors::{CatalogEntry, curated};
use catwalk::tui::msg::{Msg, SpecOutcome, TaskMsg};
use catwalk::tui::state::State;
use catwalk::tui::theme::Theme;
use catwalk::tui::{update, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::time::{Duration, Instant};

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "{name:<58} n={:<5} median {:>8.3} ms   p99 {:>8.3} ms   max {:>8.3} ms",
        samples.len(),
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        samples[samples.len() - 1].as_secs_f64() * 1e3
    );
}

/// A state with Docker up and nothing on PATH, at `w`x`h`.
fn ready(entries: Vec<CatalogEntry>, w: u16, h: u16) -> State {
    let mut s = State::new(Theme::default(), entries, None);
    s.size = (w, h);
    for cmd in update::init(&mut s) {
        let msg = match cmd {
            catwalk::tui::Cmd::CheckDocker(id) => Msg::Task(id, TaskMsg::Docker(Ok("27".into()))),
            catwalk::tui::Cmd::ScanPath(id) => Msg::Task(id, TaskMsg::LocalConnectors(vec![])),
            _ => continue,
        };
        update::update(&mut s, msg);
    }
    s
}

/// Time `keys` (cycled, `n` times), each followed by one frame.
fn keystrokes(name: &str, s: &mut State, keys: &[Msg], n: usize) {
    let mut terminal = Terminal::new(TestBackend::new(s.size.0, s.size.1)).unwrap();
    terminal.draw(|f| view::view(s, f)).unwrap();
    let mut samples = Vec::with_capacity(n);
    for i in 0..n {
        let msg = keys[i % keys.len()].clone();
        let t = Instant::now();
        for cmd in update::update(s, msg) {
            std::hint::black_box(cmd);
        }
        terminal.draw(|f| view::view(s, f)).unwrap();
        samples.push(t.elapsed());
    }
    report(name, samples);
}

fn synthetic(n: usize) -> Vec<CatalogEntry> {
    (0..n)
        .map(|i| CatalogEntry {
            image: format!("ghcr.io/acme/source-system-{i:05}:v{}", i % 7),
            title: format!("System {i:05}"),
            category: ["Database", "SaaS", "Files", "Streaming"][i % 4].into(),
            description: format!("Capture everything from system number {i}."),
            docs: Some(format!("https://docs.example.com/{i}")),
            protocol: if i % 3 == 0 {
                Protocol::Airbyte
            } else {
                Protocol::Flow
            },
            kind: ConnectorKind::Capture,
        })
        .collect()
}

/// The largest config schema among tests/fixtures/specs.
fn largest_spec() -> Option<(String, serde_json::Value)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/specs");
    let mut best: Option<(u64, std::path::PathBuf)> = None;
    for dir in std::fs::read_dir(&root).ok()?.flatten() {
        let Ok(files) = std::fs::read_dir(dir.path()) else {
            continue;
        };
        for f in files.flatten() {
            let Ok(meta) = f.metadata() else { continue };
            let len = meta.len();
            if f.path().extension().is_some_and(|e| e == "json")
                && best.as_ref().is_none_or(|b| len > b.0)
            {
                best = Some((len, f.path()));
            }
        }
    }
    let (_, path) = best?;
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).ok()?).ok()?;
    let schema = v
        .get("configSchema")
        .or_else(|| v.get("connectionSpecification"))?
        .clone();
    Some((path.display().to_string(), schema))
}

/// A wizard at step 3 with `schema`, at `w`x`h`.
fn at_config(schema: serde_json::Value, w: u16, h: u16) -> State {
    let mut s = ready(curated(), w, h);
    s.spec.outcome = Some(SpecOutcome {
        spec: Spec {
            protocol: Protocol::Airbyte,
            kind: ConnectorKind::Capture,
            config_schema: schema,
            resource_config_schema: serde_json::Value::Null,
            documentation_url: None,
            resource_path_pointers: vec![],
            oauth2: None,
        },
        protocol: Protocol::Airbyte,
        kind: ConnectorKind::Capture,
        subject: "bench".into(),
        digest: None,
        from_cache: true,
    });
    s.spec.phase = catwalk::tui::steps::spec::Phase::Done;
    use catwalk::tui::flow::{Reply, StepId, Transition};
    catwalk::tui::update::apply(&mut s, Reply::go(Transition::GoTo(StepId::Config)));
    s
}

/// Fields in a field tree: objects' properties, every choice option's, list items'.
fn count(field: &catwalk::schema::Field) -> usize {
    use catwalk::schema::Kind;
    match &field.kind {
        Kind::Object(o) => o.fields.iter().map(|f| 1 + count(f)).sum(),
        Kind::Choice(c) => c.options.iter().map(|o| count(&o.field)).sum(),
        Kind::Array(Some(items)) => count(items),
        _ => 0,
    }
}

/// Every corpus spec's config schema, with the number of fields in it.
fn shared_forms() -> Vec<(String, usize, serde_json::Value)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/specs");
    let mut out = Vec::new();
    for dir in std::fs::read_dir(&root).into_iter().flatten().flatten() {
        for f in std::fs::read_dir(dir.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let Ok(text) = std::fs::read_to_string(f.path()) else {
                continue;
            };
            let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else {
                continue;
            };
            let Some(schema) = v
                .get("configSchema")
                .or_else(|| v.get("connectionSpecification"))
            else {
                continue;
            };
            let Ok(form) = catwalk::schema::Form::build(schema) else {
                continue;
            };
            let name = format!(
                "{}/{}",
                dir.file_name().to_string_lossy(),
                f.path().file_stem().unwrap_or_default().to_string_lossy()
            );
            out.push((name, count(form.root()), schema.clone()));
        }
    }
    out.sort_by_key(|(n, c, _)| (std::cmp::Reverse(*c), n.clone()));
    out
}

/// The Flow fixture's config schema (tests/fixtures/flow-fixture), inlined so the bench needs no build of it.
fn fixture_schema() -> serde_json::Value {
    serde_json::json!({
        "type": "object", "required": ["host", "password"],
        "properties": {
            "host": {"type": "string", "title": "Host", "examples": ["db.example.com"], "minLength": 1, "order": 0},
            "port": {"type": "integer", "title": "Port", "default": 5432, "minimum": 1, "maximum": 65535, "order": 1},
            "password": {"type": "string", "title": "Password", "secret": true, "order": 2},
            "private_key": {"type": "string", "title": "Private key", "secret": true, "multiline": true, "order": 3},
            "mode": {"type": "object", "title": "Mode", "default": {"kind": "normal"}, "order": 4,
                "discriminator": {"propertyName": "kind"},
                "oneOf": [
                    {"type": "object", "title": "Normal", "required": ["kind"],
                     "properties": {"kind": {"type": "string", "const": "normal", "default": "normal"}}},
                    {"type": "object", "title": "Fail the check", "required": ["kind", "message"],
                     "properties": {"kind": {"type": "string", "const": "fail_check", "default": "fail_check"},
                                    "message": {"type": "string", "default": "the fixture was told to fail its check"}}},
                    {"type": "object", "title": "Slow", "required": ["kind", "delay_ms"],
                     "properties": {"kind": {"type": "string", "const": "slow", "default": "slow"},
                                    "delay_ms": {"type": "integer", "default": 1500, "minimum": 0}}}]},
            "behaviour": {"type": "string", "enum": ["normal", "exit_nonzero", "garbage", "hang"], "default": "normal", "order": 5},
            "advanced": {"type": "object", "title": "Advanced", "advanced": true, "order": 6, "properties": {
                "bindings": {"type": "integer", "default": 3, "minimum": 0},
                "docs_per_binding": {"type": "integer", "default": 3, "minimum": 0}}}
        }
    })
}

/// Three items in each top-level list, so that the form is as long as it gets; the focus back on top.
fn grow(s: &mut State) {
    use catwalk::tui::widgets::form_rows::RowKind;
    let mut i = 0;
    while i < s.config.ui.rows.len() {
        let row = &s.config.ui.rows[i];
        if row.depth == 0 && row.kind == (RowKind::List { len: 0 }) {
            for _ in 0..3 {
                s.config.ui.focus = i;
                update::update(s, key(KeyCode::Char('a')));
            }
        }
        i += 1;
    }
    s.config.ui.focus = 0;
}

fn typing(text: &str) -> Vec<Msg> {
    let mut keys: Vec<Msg> = text.chars().map(|c| key(KeyCode::Char(c))).collect();
    keys.extend(text.chars().map(|_| key(KeyCode::Backspace)));
    keys
}

/// Keystroke to frame on config forms: the form with the most fields among the shared specs, the largest
/// spec file, the Flow fixture's form; moving, typing (each key parses, sets and validates), switching a
/// oneOf, and filtering the 898-value enum's picker.
fn config_forms() {
    let nav = [
        key(KeyCode::Down),
        key(KeyCode::Down),
        key(KeyCode::Tab),
        key(KeyCode::Up),
    ];
    let forms = shared_forms();
    if let Some((name, fields, schema)) = forms.first() {
        for (w, h) in [(80, 24), (120, 40)] {
            let mut s = at_config(schema.clone(), w, h);
            grow(&mut s);
            let rows = s.config.ui.rows.len();
            keystrokes(
                &format!(
                    "config form, most fields ({name}: {fields} fields, {rows} rows), ↓↓Tab↑, {w}x{h}"
                ),
                &mut s,
                &nav,
                2000,
            );
        }
        let mut s = at_config(schema.clone(), 120, 40);
        s.config.ui.focus = 1;
        keystrokes(
            &format!("config form ({name}), typing in a text field, 120x40"),
            &mut s,
            &typing("sftp.example.com"),
            2000,
        );
        let mut s = at_config(schema.clone(), 120, 40);
        if let Some(i) = s
            .config
            .ui
            .rows
            .iter()
            .position(|r| r.kind == catwalk::tui::widgets::form_rows::RowKind::Choice)
        {
            s.config.ui.focus = i;
        }
        keystrokes(
            &format!("config form ({name}), switching a oneOf →←, 120x40"),
            &mut s,
            &[key(KeyCode::Right), key(KeyCode::Left)],
            2000,
        );
    }
    if let Some((path, schema)) = largest_spec() {
        let mut s = at_config(schema, 120, 40);
        let name = std::path::Path::new(&path)
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        keystrokes(
            &format!("config form of the largest spec file ({name}), ↓↓Tab↑, 120x40"),
            &mut s,
            &nav,
            2000,
        );
    }
    for (w, h) in [(80, 24), (120, 40)] {
        let mut s = at_config(fixture_schema(), w, h);
        keystrokes(
            &format!("config form of the flow fixture, typing the host, {w}x{h}"),
            &mut s,
            &typing("db.example.com"),
            2000,
        );
    }
    if let Some((_, _, schema)) = forms.iter().find(|(n, _, _)| n == "airbyte/source-pokeapi") {
        let mut s = at_config(schema.clone(), 80, 24);
        update::update(&mut s, key(KeyCode::Enter));
        keystrokes(
            "898-value enum picker, typing a filter, 80x24",
            &mut s,
            &typing("char"),
            2000,
        );
    }
}

/// `n` discovered bindings with ten-property schemas, every tenth proposed disabled, every seventh
/// without a key.
fn many_bindings(n: usize) -> Vec<catwalk::model::DiscoveredBinding> {
    const TYPES: [&str; 3] = ["string", "integer", "null"];
    (0..n)
        .map(|i| {
            let props: serde_json::Map<String, serde_json::Value> = (0..10)
                .map(|p| {
                    (
                        format!("column_{p}"),
                        serde_json::json!({"type": TYPES[p % 3]}),
                    )
                })
                .collect();
            catwalk::model::DiscoveredBinding {
                recommended_name: format!("public/table_{i:05}"),
                resource_config: serde_json::json!({"namespace": "public", "stream": format!("table_{i:05}")}),
                document_schema: serde_json::json!({"type": "object", "properties": props}),
                key: vec![if i % 7 == 0 { "/_meta/row_id".into() } else { "/column_0".into() }],
                disable: i % 10 == 9,
                is_fallback_key: i % 7 == 0,
                resource_path: vec!["public".into(), format!("table_{i:05}")],
                read_modes: None,
            }
        })
        .collect()
}

/// A wizard on step 6 with `bindings` discovered, at `w`x`h`.
fn at_bindings(
    bindings: &std::sync::Arc<Vec<catwalk::model::DiscoveredBinding>>,
    w: u16,
    h: u16,
) -> State {
    use catwalk::tui::steps::bindings;
    let mut s = ready(curated(), w, h);
    s.step = catwalk::tui::state::StepId::Bindings;
    let pointers = vec!["/namespace".to_string(), "/stream".to_string()];
    let items = bindings::items_for(bindings, &pointers, None);
    let b = &mut s.bindings;
    b.phase = bindings::Phase::Done;
    b.selected = items.iter().filter(|i| i.selected).count();
    b.items = items;
    b.bindings = bindings.clone();
    b.refilter();
    bindings::clamp(&mut s);
    s
}

fn bindings_list() {
    let found = std::sync::Arc::new(many_bindings(10_000));
    let nav = [
        key(KeyCode::Down),
        key(KeyCode::Down),
        key(KeyCode::Down),
        key(KeyCode::Up),
    ];
    let mut filter = vec![key(KeyCode::Char('/'))];
    filter.extend("table_01".chars().map(|c| key(KeyCode::Char(c))));
    filter.extend((0..8).map(|_| key(KeyCode::Backspace)));
    filter.push(key(KeyCode::Esc));
    for (w, h) in [(80, 24), (120, 40)] {
        let mut s = at_bindings(&found, w, h);
        keystrokes(&format!("10,000 bindings, ↓↑, {w}x{h}"), &mut s, &nav, 2000);
        let mut s = at_bindings(&found, w, h);
        keystrokes(
            &format!("10,000 bindings, Space toggles, {w}x{h}"),
            &mut s,
            &[key(KeyCode::Char(' ')), key(KeyCode::Down)],
            2000,
        );
        let mut s = at_bindings(&found, w, h);
        keystrokes(
            &format!("10,000 bindings, typing a filter, {w}x{h}"),
            &mut s,
            &filter,
            1000,
        );
        let mut s = at_bindings(&found, w, h);
        keystrokes(
            &format!("10,000 bindings, a/n all or none, {w}x{h}"),
            &mut s,
            &[key(KeyCode::Char('n')), key(KeyCode::Char('a'))],
            1000,
        );
    }
}

fn main() {
    // `cargo test --all-targets` and nextest run bench targets as tests (nextest first lists them with
    // `--list`): there is nothing to test here, and timing an unoptimised build means nothing. Only
    // `cargo bench` (which passes `--bench`) measures.
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") || !args.iter().any(|a| a == "--bench") {
        return;
    }
    let nav = [
        key(KeyCode::Down),
        key(KeyCode::Down),
        key(KeyCode::Down),
        key(KeyCode::Up),
    ];
    for (w, h) in [(80, 24), (120, 40)] {
        let mut s = ready(curated(), w, h);
        keystrokes(
            &format!(
                "connector list ({} entries), ↓↑, {w}x{h}",
                s.connector.total()
            ),
            &mut s,
            &nav,
            2000,
        );
    }
    // Typing a filter: refilter on every key.
    let mut typing = vec![key(KeyCode::Char('/'))];
    typing.extend("postgres".chars().map(|c| key(KeyCode::Char(c))));
    typing.extend((0..8).map(|_| key(KeyCode::Backspace)));
    typing.push(key(KeyCode::Esc));
    let mut s = ready(curated(), 80, 24);
    keystrokes(
        "connector list, typing a filter, 80x24",
        &mut s,
        &typing,
        2000,
    );

    let mut s = ready(synthetic(10_000), 120, 40);
    keystrokes("10,000-entry list, ↓↑, 120x40", &mut s, &nav, 2000);
    let mut s = ready(synthetic(10_000), 120, 40);
    keystrokes(
        "10,000-entry list, typing a filter, 120x40",
        &mut s,
        &typing,
        1000,
    );
    let mut s = ready(synthetic(10_000), 120, 40);
    keystrokes(
        "10,000-entry list, PgDn/End/Home, 120x40",
        &mut s,
        &[
            key(KeyCode::PageDown),
            key(KeyCode::End),
            key(KeyCode::Home),
        ],
        1000,
    );

    config_forms();
    bindings_list();

    // Start-up to first frame, in process: parse the embedded list, build the state, draw.
    let mut samples = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        let mut s = State::new(Theme::from_env(), curated(), None);
        s.size = (120, 40);
        let cmds = update::init(&mut s);
        std::hint::black_box(cmds);
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
        terminal.draw(|f| view::view(&s, f)).unwrap();
        samples.push(t.elapsed());
    }
    report("start-up to first frame (in process, 120x40)", samples);
}
