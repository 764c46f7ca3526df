//! Keystroke to frame (update + render into a TestBackend) and start-up to first frame, for the wizard.
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

/// The largest config schema among ../shared/specs, if that folder is there.
fn largest_spec() -> Option<(String, serde_json::Value)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/specs");
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

    if let Some((path, schema)) = largest_spec() {
        let mut s = ready(curated(), 120, 40);
        s.spec.outcome = Some(SpecOutcome {
            spec: Spec {
                protocol: Protocol::Airbyte,
                kind: ConnectorKind::Materialize,
                config_schema: schema,
                resource_config_schema: serde_json::Value::Null,
                documentation_url: None,
                resource_path_pointers: vec![],
                oauth2: None,
            },
            protocol: Protocol::Airbyte,
            kind: ConnectorKind::Materialize,
            subject: path.clone(),
            digest: None,
            from_cache: true,
        });
        s.spec.phase = catwalk::tui::steps::spec::Phase::Done;
        catwalk::tui::steps::config::enter(&mut s);
        let name = std::path::Path::new(&path)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        keystrokes(
            &format!("config fields of the largest spec ({name}), 120x40"),
            &mut s,
            &nav,
            2000,
        );
    }

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
