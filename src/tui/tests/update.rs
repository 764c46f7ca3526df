//! Pure `update` tests: messages in, state and commands out. No terminal, no tasks, no clock.

use super::support::*;
use crate::model::{LogLevel, Protocol};
use crate::tui::connectors::{ConnectorChoice, LocalConnector};
use crate::tui::msg::{Cmd, Msg, ReqId, Stage, TaskError, TaskMsg};
use crate::tui::state::{DockerStatus, Overlay, State, StepId};
use crate::tui::steps::connector::{Mode, Row};
use crate::tui::steps::spec::Phase;
use crate::tui::theme::Theme;
use crate::tui::{connectors, update};
use ratatui::crossterm::event::KeyCode;
use std::time::{Duration, Instant};

fn selected_row(s: &State) -> Row {
    s.connector.rows[s.connector.nav.selected]
}

fn selected_title(s: &State) -> String {
    match selected_row(s) {
        Row::Curated(i) => s.connector.curated[i].title.clone(),
        other => format!("{other:?}"),
    }
}

#[test]
fn starts_on_the_list_checking_docker_and_path() {
    let mut s = State::new(Theme::default(), connectors::curated(), None);
    let cmds = update::init(&mut s);
    assert!(
        matches!(cmds[..], [Cmd::CheckDocker(_), Cmd::ScanPath(_)]),
        "{cmds:?}"
    );
    assert_eq!(s.docker, DockerStatus::Checking);
    assert!(s.busy(), "the Docker check spins");
    assert_eq!(s.step, StepId::Connector);
    assert_eq!(selected_row(&s), Row::AnyImage);
}

#[test]
fn arrows_move_and_stop_at_the_ends() {
    let mut s = state();
    send(&mut s, [key(KeyCode::Down), key(KeyCode::Down)]);
    assert_eq!(selected_title(&s), "PostgreSQL");
    send(
        &mut s,
        [key(KeyCode::Up), key(KeyCode::Up), key(KeyCode::Up)],
    );
    assert_eq!(selected_row(&s), Row::AnyImage);
    send(&mut s, [key(KeyCode::End)]);
    assert_eq!(s.connector.nav.selected, s.connector.rows.len() - 1);
    send(&mut s, [key(KeyCode::Down)]);
    assert_eq!(s.connector.nav.selected, s.connector.rows.len() - 1);
    send(&mut s, [key(KeyCode::Home)]);
    assert_eq!(s.connector.nav.selected, 0);
    send(&mut s, [key(KeyCode::PageDown)]);
    let page = s.connector.nav.selected;
    assert!(page > 5, "a page moves by the list height, got {page}");
    // The selection is always visible.
    send(&mut s, [key(KeyCode::PageDown), key(KeyCode::PageDown)]);
    let nav = s.connector.nav;
    assert!(nav.selected >= nav.offset && nav.selected < nav.offset + 12);
}

#[test]
fn typing_on_the_list_starts_the_filter() {
    let mut s = state();
    // No `/` first: the letters go to the filter (j, k, g and q are text here, not commands).
    send(&mut s, typed("postgres"));
    assert_eq!(s.connector.mode, Mode::Filter);
    assert_eq!(s.connector.filter.value(), "postgres");
    assert_eq!(selected_title(&s), "PostgreSQL");
    // `/` still opens the filter, and does not type itself.
    let mut s = state();
    send(&mut s, [ch('/')]);
    assert_eq!(s.connector.mode, Mode::Filter);
    assert_eq!(s.connector.filter.value(), "");
    let mut s = state();
    send(&mut s, typed("jq"));
    assert_eq!(s.connector.filter.value(), "jq");
    assert!(!s.quit);
    // The help bar says so.
    let bar = crate::tui::keys::bar(&update::contexts(&state()));
    assert_eq!(bar[0], ("/".to_string(), "type to filter"));
}

#[test]
fn filter_takes_text_and_selects_the_first_match() {
    let mut s = state();
    send(&mut s, [ch('/')]);
    assert_eq!(s.connector.mode, Mode::Filter);
    // Letters that are commands on the list are text in the filter.
    send(&mut s, typed("kafka"));
    assert_eq!(s.connector.filter.value(), "kafka");
    assert_eq!(s.connector.matches(), 1);
    assert_eq!(selected_title(&s), "Apache Kafka");
    // Several words must all match, in title, image, category, kind or protocol.
    send(&mut s, [ctrl('u')]);
    send(&mut s, typed("postgres materialize"));
    assert_eq!(s.connector.matches(), 1);
    assert!(
        matches!(selected_row(&s), Row::Curated(i) if s.connector.curated[i].image.contains("materialize-postgres"))
    );
    send(&mut s, [ctrl('w')]);
    assert_eq!(s.connector.filter.value(), "postgres ");
    assert!(s.connector.matches() >= 2);
    // Esc leaves the filter and keeps it.
    send(&mut s, [key(KeyCode::Esc)]);
    assert_eq!(s.connector.mode, Mode::List);
    assert_eq!(s.connector.filter.value(), "postgres ");
    // On the list, letters type into the filter again (as in fzf); arrows move.
    send(&mut s, [ch('j')]);
    assert_eq!(s.connector.filter.value(), "postgres j");
}

#[test]
fn a_filter_without_match_keeps_the_custom_entries() {
    let mut s = state();
    send(&mut s, [ch('/')]);
    send(&mut s, typed("zzzz"));
    assert_eq!(s.connector.matches(), 0);
    assert_eq!(s.connector.rows, vec![Row::AnyImage, Row::LocalCommand]);
    assert_eq!(s.connector.nav.selected, 0);
}

#[test]
fn picking_a_connector_saves_the_draft_and_fetches_its_spec() {
    let mut s = state();
    let cmds = pick(&mut s, "source-postgres");
    assert_eq!(s.step, StepId::Spec);
    assert_eq!(s.answers.connector, Some(postgres()));
    assert!(matches!(&cmds[0], Cmd::SaveDraft(_, d) if d.answers.connector == Some(postgres())));
    assert!(
        matches!(&cmds[1], Cmd::FetchSpec { choice, fresh: false, .. } if *choice == postgres())
    );
    assert!(s.spec.is_working());
    assert!(s.busy(), "the spinner ticks while the spec runs");
}

#[test]
fn spec_progress_then_success_moves_to_config() {
    let mut s = state();
    let id = fetch_id(&pick(&mut s, "source-postgres"));
    let t0 = Instant::now();
    send(
        &mut s,
        [
            Msg::Tick(t0),
            Msg::Task(
                id,
                TaskMsg::Pull(crate::connector::PullProgress {
                    image: "ghcr.io/estuary/source-postgres:dev".into(),
                    done: 12_300_000,
                    total: 45_600_000,
                    layers: 3,
                    status: "Downloading".into(),
                }),
            ),
            Msg::Task(id, TaskMsg::Stage(Stage::Running)),
            Msg::Task(id, TaskMsg::Log(log(LogLevel::Info, "starting"))),
            Msg::Tick(t0 + Duration::from_secs(2)),
        ],
    );
    assert_eq!(s.spec.job.started, Some(t0));
    assert_eq!(s.spec.phase, Phase::Working(Stage::Running));
    assert_eq!(s.spec.job.logs.len(), 1);
    send(
        &mut s,
        [Msg::Task(id, TaskMsg::Spec(Ok(Box::new(outcome(false)))))],
    );
    assert_eq!(s.step, StepId::Config);
    assert!(!s.busy());
    let names: Vec<&str> = s
        .config
        .ui
        .rows
        .iter()
        .map(|r| r.pointer.as_str())
        .collect();
    assert_eq!(names[..4], ["/host", "/port", "/password", "/mode"]);
}

#[test]
fn esc_cancels_the_spec_and_keeps_the_list_as_it_was() {
    let mut s = state();
    let cmds = pick(&mut s, "mongo");
    let id = fetch_id(&cmds);
    let before = (s.connector.filter.clone(), s.connector.nav);
    let cmds = send(&mut s, [key(KeyCode::Esc)]);
    assert_eq!(cmds, vec![Cmd::Cancel(id)]);
    assert_eq!(s.step, StepId::Connector);
    assert_eq!((s.connector.filter.clone(), s.connector.nav), before);
    assert_eq!(selected_title(&s), "MongoDB");
    assert!(!s.busy());
    // Anything the cancelled task still says is dropped.
    send(
        &mut s,
        [Msg::Task(id, TaskMsg::Spec(Ok(Box::new(outcome(false)))))],
    );
    assert_eq!(s.step, StepId::Connector);
    assert!(s.spec.outcome.is_none());
}

#[test]
fn stale_answers_are_dropped() {
    let mut s = state();
    let first = fetch_id(&pick(&mut s, "mongo"));
    send(&mut s, [key(KeyCode::Esc), ch('/'), ctrl('u')]);
    let mut msgs = typed("kafka");
    msgs.push(key(KeyCode::Enter));
    let second = fetch_id(&send(&mut s, msgs));
    assert_ne!(first, second);
    send(
        &mut s,
        [Msg::Task(first, TaskMsg::Log(log(LogLevel::Info, "old")))],
    );
    send(
        &mut s,
        [Msg::Task(
            first,
            TaskMsg::Spec(Err(TaskError::failed("old failure"))),
        )],
    );
    assert!(s.spec.job.logs.is_empty());
    assert!(
        s.spec.is_working(),
        "the old failure did not end the new request"
    );
    send(
        &mut s,
        [Msg::Task(
            ReqId(9999),
            TaskMsg::Docker(Err(TaskError::environment("x"))),
        )],
    );
    assert_eq!(
        s.docker,
        DockerStatus::Up {
            version: "27.3.1".into()
        }
    );
    send(
        &mut s,
        [Msg::Task(
            second,
            TaskMsg::Spec(Ok(Box::new(outcome(false)))),
        )],
    );
    assert_eq!(s.step, StepId::Config);
}

#[test]
fn errors_offer_retry_and_back() {
    let mut s = state();
    let id = fetch_id(&pick(&mut s, "kafka"));
    send(
        &mut s,
        [Msg::Task(
            id,
            TaskMsg::Spec(Err(TaskError::failed("pulling image x failed: denied"))),
        )],
    );
    assert!(matches!(&s.spec.phase, Phase::Failed(e) if e.message.contains("denied")));
    let cmds = send(&mut s, [ch('r')]);
    let retry = fetch_id(&cmds);
    assert!(retry > id);
    assert!(s.spec.is_working());
    send(
        &mut s,
        [Msg::Task(
            retry,
            TaskMsg::Spec(Err(TaskError::failed("again"))),
        )],
    );
    assert!(send(&mut s, [key(KeyCode::Esc)]).is_empty());
    assert_eq!(s.step, StepId::Connector);
    assert_eq!(selected_title(&s), "Apache Kafka");
}

#[test]
fn going_back_and_picking_the_same_connector_reuses_the_spec() {
    let mut s = state();
    let id = fetch_id(&pick(&mut s, "source-postgres"));
    send(
        &mut s,
        [Msg::Task(id, TaskMsg::Spec(Ok(Box::new(outcome(false)))))],
    );
    send(&mut s, [key(KeyCode::Down)]);
    assert_eq!(s.config.ui.focus, 1);
    send(&mut s, [key(KeyCode::Esc)]);
    assert_eq!(s.step, StepId::Spec);
    assert_eq!(s.spec.phase, Phase::Done);
    send(&mut s, [key(KeyCode::Esc)]);
    assert_eq!(s.step, StepId::Connector);
    let cmds = send(&mut s, [key(KeyCode::Enter)]);
    assert!(cmds.is_empty(), "no new request, no draft change: {cmds:?}");
    assert_eq!(s.step, StepId::Config);
    assert_eq!(s.config.ui.focus, 1, "the config form kept its place");
    // From step 2, r fetches afresh, skipping the cache.
    send(&mut s, [key(KeyCode::Esc)]);
    let cmds = send(&mut s, [ch('r')]);
    assert!(
        matches!(&cmds[..], [Cmd::FetchSpec { fresh: true, .. }]),
        "{cmds:?}"
    );
}

#[test]
fn the_image_form_keeps_what_was_typed() {
    let mut s = state();
    send(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(s.connector.mode, Mode::Form);
    send(&mut s, typed("my image"));
    assert!(send(&mut s, [key(KeyCode::Enter)]).is_empty());
    assert!(s.connector.form.error.is_some());
    send(&mut s, [key(KeyCode::Esc)]);
    assert_eq!(s.connector.mode, Mode::List);
    send(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(s.connector.form.image.value(), "my image");
    send(
        &mut s,
        [key(KeyCode::Left), key(KeyCode::Left), key(KeyCode::Left)],
    );
    send(
        &mut s,
        [
            key(KeyCode::Left),
            key(KeyCode::Left),
            key(KeyCode::Backspace),
        ],
    );
    send(&mut s, typed("/"));
    let cmds = send(&mut s, [key(KeyCode::Enter)]);
    assert!(
        matches!(&cmds[1], Cmd::FetchSpec { choice: ConnectorChoice::Image { image, protocol: None, .. }, .. } if image == "my/image")
    );
}

#[test]
fn a_local_command_with_a_chosen_protocol() {
    let mut s = state();
    send(&mut s, [key(KeyCode::Down), key(KeyCode::Enter)]);
    send(&mut s, typed("/opt/flow-fixture --x 'a b'"));
    send(&mut s, [key(KeyCode::Tab), key(KeyCode::Right)]);
    assert_eq!(s.connector.form.protocol(), Some(Protocol::Flow));
    // On the protocol choice, letters are not text.
    send(&mut s, [ch('l'), ch('h')]);
    assert_eq!(
        s.connector.form.command.value(),
        "/opt/flow-fixture --x 'a b'"
    );
    let cmds = send(&mut s, [key(KeyCode::Enter)]);
    let expected = ConnectorChoice::Local {
        command: vec!["/opt/flow-fixture".into(), "--x".into(), "a b".into()],
        title: None,
        protocol: Some(Protocol::Flow),
        env: Default::default(),
    };
    assert!(
        matches!(&cmds[1], Cmd::FetchSpec { choice, .. } if *choice == expected),
        "{cmds:?}"
    );
    assert_eq!(s.spec.phase, Phase::Working(Stage::Running));
}

#[test]
fn local_connectors_from_path_are_listed_and_picked() {
    let mut s = state();
    let scan = s.next_req();
    s.connector.scan_req = Some(scan);
    send(
        &mut s,
        [Msg::Task(
            scan,
            TaskMsg::LocalConnectors(vec![LocalConnector {
                name: "source-faker".into(),
                path: "/venv/bin/source-faker".into(),
                kind: crate::model::ConnectorKind::Capture,
            }]),
        )],
    );
    assert_eq!(s.connector.rows[2], Row::Local(0));
    let cmds = pick(&mut s, "faker");
    // The curated Faker image also matches, but the local one comes first.
    assert!(
        matches!(&cmds[1], Cmd::FetchSpec { choice: ConnectorChoice::Local { command, protocol: None, .. }, .. } if command == &vec!["/venv/bin/source-faker".to_string()])
    );
    assert_eq!(s.spec.phase, Phase::Working(Stage::Probing));
}

#[test]
fn quitting_asks_only_when_there_are_answers() {
    let mut s = state();
    send(&mut s, [ctrl('c')]);
    assert!(s.quit, "nothing picked: no question");

    let mut s = state();
    pick(&mut s, "kafka");
    send(&mut s, [ctrl('c')]);
    assert!(!s.quit);
    assert_eq!(s.overlay(), Some(&Overlay::ConfirmQuit));
    send(&mut s, [ch('n')]);
    assert!(s.overlays.is_empty() && !s.quit);
    assert!(s.spec.is_working(), "staying keeps the work going");
    send(&mut s, [ctrl('c'), ctrl('c')]);
    assert!(s.quit, "a second Ctrl-C confirms");
}

#[test]
fn help_overlay_lists_keys_and_text_inputs_keep_question_marks() {
    let mut s = state();
    send(&mut s, [ch('?')]);
    assert_eq!(s.overlay(), Some(&Overlay::Help { scroll: 0 }));
    send(&mut s, [ch('j'), ch('j'), key(KeyCode::Up)]);
    assert_eq!(s.overlay(), Some(&Overlay::Help { scroll: 1 }));
    send(&mut s, [key(KeyCode::Esc)]);
    assert!(s.overlays.is_empty());
    send(&mut s, [ch('/'), ch('?')]);
    assert_eq!(s.connector.filter.value(), "?");
    send(&mut s, [key(KeyCode::F(1))]);
    assert!(matches!(s.overlay(), Some(Overlay::Help { .. })));
}

#[test]
fn the_help_starts_with_the_keys_of_the_screen_under_it() {
    let titles = |s: &State| -> Vec<String> {
        let first = update::screen_contexts(s);
        crate::tui::widgets::overlay::help_lines(72, &Theme::monochrome(), &first)
            .iter()
            .map(|l| l.to_string())
            .filter(|l| !l.is_empty() && !l.starts_with("  "))
            .collect()
    };
    let mut s = state();
    send(&mut s, [ch('?')]);
    let t = titles(&s);
    assert_eq!(
        t[..4],
        [
            "Connector list",
            "Lists",
            "Everywhere",
            "── Other screens ──"
        ],
        "{t:#?}"
    );
    // In the filter: filtering keys first, and no other screen's before "Everywhere".
    let mut s = state();
    send(&mut s, [ch('/'), key(KeyCode::F(1))]);
    let t = titles(&s);
    assert_eq!(
        t[..4],
        [
            "Filtering a list",
            "Editing text",
            "Everywhere",
            "── Other screens ──"
        ],
        "{t:#?}"
    );
}

#[test]
fn resuming_a_draft_selects_its_connector_and_fetches() {
    let mut s = State::new(
        Theme::default(),
        connectors::curated(),
        Some(draft_for(postgres())),
    );
    assert!(matches!(s.overlay(), Some(Overlay::Resume(_))));
    let cmds = update::init(&mut s);
    answer_init(&mut s, cmds, Ok("27".into()));
    let cmds = send(&mut s, [key(KeyCode::Enter)]);
    assert!(
        matches!(&cmds[..], [Cmd::FetchSpec { choice, .. }] if *choice == postgres()),
        "no draft rewrite: {cmds:?}"
    );
    assert_eq!(s.step, StepId::Spec);
    send(&mut s, [key(KeyCode::Esc)]);
    assert_eq!(selected_title(&s), "PostgreSQL");

    // A custom image not in the list comes back in the form.
    let custom = ConnectorChoice::Image {
        image: "me/mine:1".into(),
        title: None,
        protocol: Some(Protocol::Airbyte),
    };
    let mut s = State::new(
        Theme::default(),
        connectors::curated(),
        Some(draft_for(custom.clone())),
    );
    send(&mut s, [key(KeyCode::Enter), key(KeyCode::Esc)]);
    assert_eq!(selected_row(&s), Row::AnyImage);
    assert_eq!(s.connector.form.image.value(), "me/mine:1");
    assert_eq!(s.answers.connector, Some(custom));

    // n starts afresh.
    let mut s = State::new(
        Theme::default(),
        connectors::curated(),
        Some(draft_for(postgres())),
    );
    assert!(send(&mut s, [ch('n')]).is_empty());
    assert!(s.overlays.is_empty());
    assert_eq!(s.step, StepId::Connector);
    assert!(s.answers.is_empty());
}

#[test]
fn mouse_clicks_select_and_pick_and_the_wheel_scrolls() {
    let mut s = state();
    // Rows: stepper 0, rule 1, intro 2-3, docker 4, filter 5, header 6, list from 7.
    send(&mut s, [click(10, 9)]);
    assert_eq!(selected_title(&s), "PostgreSQL");
    let cmds = send(&mut s, [click(10, 9)]);
    assert!(
        matches!(&cmds[1], Cmd::FetchSpec { .. }),
        "a click on the selected row picks it"
    );
    send(&mut s, [key(KeyCode::Esc)]);
    send(&mut s, [wheel_down(10, 10), wheel_down(10, 10)]);
    assert_eq!(s.connector.nav.selected, 8);
    send(&mut s, [click(20, 5)]);
    assert_eq!(s.connector.mode, Mode::Filter);
}

#[test]
fn pasting_on_the_list_filters() {
    let mut s = state();
    send(
        &mut s,
        [Msg::Paste("ghcr.io/estuary/source-kafka:dev\n".into())],
    );
    assert_eq!(s.connector.mode, Mode::Filter);
    assert_eq!(
        s.connector.filter.value(),
        "ghcr.io/estuary/source-kafka:dev"
    );
    assert_eq!(selected_title(&s), "Apache Kafka");
}

#[test]
fn docker_down_offers_a_recheck() {
    let mut s = State::new(Theme::default(), connectors::curated(), None);
    let cmds = update::init(&mut s);
    answer_init(
        &mut s,
        cmds,
        Err(TaskError::environment("connection refused")),
    );
    assert!(matches!(s.docker, DockerStatus::Down { .. }));
    // Letters filter the list, so the recheck is Ctrl-R.
    let cmds = send(&mut s, [ctrl('r')]);
    assert!(matches!(cmds[..], [Cmd::CheckDocker(_)]));
    assert_eq!(s.docker, DockerStatus::Checking);
}

#[test]
fn resizing_keeps_the_selection_visible() {
    let mut s = state_at(120, 40);
    send(&mut s, [key(KeyCode::End)]);
    send(&mut s, [Msg::Resize(80, 24)]);
    let nav = s.connector.nav;
    assert!(
        nav.selected >= nav.offset && nav.selected < nav.offset + 11,
        "{nav:?}"
    );
    assert_eq!(s.size, (80, 24));
}

#[test]
fn a_panicking_task_is_an_error_not_a_hang() {
    let mut s = state();
    let id = fetch_id(&pick(&mut s, "kafka"));
    send(
        &mut s,
        [Msg::Task(
            id,
            TaskMsg::Panicked(TaskError::bug("catwalk hit a bug")),
        )],
    );
    assert!(matches!(&s.spec.phase, Phase::Failed(e) if e.message.contains("bug")));
}

#[test]
fn closed_input_quits_without_asking() {
    let mut s = state();
    pick(&mut s, "kafka");
    send(&mut s, [Msg::InputClosed]);
    assert!(s.quit);
}
