//! The wizard's Docker paths against the real engine and the fixture images: the spec cache (a revisit
//! starts no container) and cancelling step 2 with Esc (its container is removed). `docker` in the name:
//! nextest runs these one at a time with the other Docker tests.

mod support;

use catwalk::connector::spec_cache::SpecCache;
use catwalk::model::Protocol;
use catwalk::tui::connectors::{ConnectorChoice, curated};
use catwalk::tui::msg::{Cmd, Msg, TaskMsg};
use catwalk::tui::state::{State, StepId};
use catwalk::tui::tasks::{self, Paths, Tasks};
use catwalk::tui::theme::Theme;
use catwalk::tui::update::update;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Tests in this file share the engine: one at a time.
static ENGINE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Now, as the fractional unix timestamp `docker events` takes.
fn now_stamp() -> String {
    let d = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    format!("{}.{:09}", d.as_secs(), d.subsec_nanos())
}

/// Containers this test process's runtime calls created between `since` and now (other catwalks on the
/// machine may create containers meanwhile).
fn created_since(since: &str) -> Vec<String> {
    let out = Command::new("docker")
        .args([
            "events",
            "--since",
            since,
            "--until",
            &now_stamp(),
            "--filter",
            "type=container",
            "--filter",
            "event=create",
            "--filter",
            &format!("label={}", support::CATWALK_LABEL),
            "--filter",
            &format!("label={}", support::in_process_label()),
            "--format",
            "{{.ID}}",
        ])
        .stdin(Stdio::null())
        .output()
        .expect("docker events");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .filter(|l| !l.is_empty())
        .collect()
}

fn image(reference: &str) -> ConnectorChoice {
    ConnectorChoice::Image {
        image: reference.into(),
        title: None,
        protocol: None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn docker_spec_is_cached_by_digest_so_a_revisit_starts_no_container() {
    let _engine = ENGINE.lock().await;
    assert!(support::docker_available(), "Docker must be running");
    let dir = support::temp_dir();
    let cache = SpecCache::new(dir.path());
    let choice = image(support::fixture_image());
    let logs = Arc::new(Mutex::new(Vec::new()));
    let seen = logs.clone();
    let report: tasks::Report = Arc::new(move |m| seen.lock().unwrap().push(format!("{m:?}")));

    let first = tasks::fetch_spec(choice.clone(), Some(cache.clone()), false, report.clone())
        .await
        .unwrap();
    assert!(!first.from_cache);
    assert_eq!(first.protocol, Protocol::Flow);
    let key = first.digest.clone().expect("an image id or digest");
    assert!(
        cache.path(&key).exists(),
        "cached under {}",
        cache.path(&key).display()
    );
    assert!(
        logs.lock().unwrap().iter().any(|l| l.contains("Running")),
        "the first run ran the connector"
    );
    support::assert_no_catwalk_containers();

    let since = now_stamp();
    let second = tasks::fetch_spec(choice.clone(), Some(cache.clone()), false, report.clone())
        .await
        .unwrap();
    assert!(second.from_cache);
    assert_eq!(second.spec, first.spec);
    let created = created_since(&since);
    assert!(
        created.is_empty(),
        "the revisit created containers: {created:?}"
    );

    // `fresh` (r on step 2) runs the connector again.
    let third = tasks::fetch_spec(choice, Some(cache), true, report)
        .await
        .unwrap();
    assert!(!third.from_cache);
    assert_eq!(created_since(&since).len(), 1);
    support::assert_no_catwalk_containers();
}

/// An image whose spec hangs forever: the fixture with `FIXTURE_BEHAVIOUR=hang` baked in.
fn hanging_image() -> String {
    let tag = "catwalk-test/flow-fixture-hang:local";
    let dockerfile = format!(
        "FROM {}\nENV FIXTURE_BEHAVIOUR=hang\nLABEL catwalk.test=1\n",
        support::fixture_image()
    );
    let mut child = Command::new("docker")
        .args(["build", "-q", "-t", tag, "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("docker build");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(dockerfile.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "docker build: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    tag.to_string()
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

#[tokio::test(flavor = "multi_thread")]
async fn docker_esc_on_the_spec_step_removes_the_container() {
    let _engine = ENGINE.lock().await;
    assert!(support::docker_available(), "Docker must be running");
    let hang = hanging_image();
    let dir = support::temp_dir();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut tasks = Tasks::new(
        tx,
        Paths {
            cache_dir: Some(dir.path().join("cache")),
            state_dir: Some(dir.path().join("state")),
        },
    );
    let mut state = State::new(Theme::default(), curated(), None);
    let apply = |state: &mut State, tasks: &mut Tasks, msg: Msg| {
        for cmd in update(state, msg) {
            tasks.run(cmd);
        }
    };
    // "Any Docker image…", type the reference, Enter.
    apply(&mut state, &mut tasks, key(KeyCode::Enter));
    for c in hang.chars() {
        apply(&mut state, &mut tasks, key(KeyCode::Char(c)));
    }
    apply(&mut state, &mut tasks, key(KeyCode::Enter));
    assert_eq!(state.step, StepId::Spec);
    let id = state.spec.job.req.expect("a spec request");

    // Wait for the connector's log line saying it hangs: its container is up.
    wait_until_hanging(&mut state, &mut tasks, &mut rx, id).await;
    assert_eq!(
        support::catwalk_containers().len(),
        1,
        "one connector container runs"
    );
    let latest = state.spec.job.logs.back().unwrap();
    assert!(
        latest.message.contains("hanging"),
        "the spinner's log line: {latest:?}"
    );

    // Esc: the request is cancelled, the wizard is back on step 1, the container goes.
    let cmds = update(&mut state, key(KeyCode::Esc));
    assert_eq!(cmds, vec![Cmd::Cancel(id)]);
    for cmd in cmds {
        tasks.run(cmd);
    }
    assert_eq!(state.step, StepId::Connector);
    support::assert_no_catwalk_containers();

    // Again (the form kept the image), and this time quit: the wizard's shutdown removes the container.
    apply(&mut state, &mut tasks, key(KeyCode::Enter));
    apply(&mut state, &mut tasks, key(KeyCode::Enter));
    let id = state.spec.job.req.expect("a second spec request");
    wait_until_hanging(&mut state, &mut tasks, &mut rx, id).await;
    assert_eq!(support::catwalk_containers().len(), 1);
    let ctrl_c = Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    apply(&mut state, &mut tasks, ctrl_c);
    apply(&mut state, &mut tasks, key(KeyCode::Char('y')));
    assert!(state.quit);
    tasks.shutdown(Duration::from_secs(30)).await;
    support::assert_no_catwalk_containers();
}

/// Apply reports until the connector of request `id` logs that it hangs (its container is up).
async fn wait_until_hanging(
    state: &mut State,
    tasks: &mut Tasks,
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<Msg>,
    id: catwalk::tui::msg::ReqId,
) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(60), rx.recv())
            .await
            .expect("a report")
            .expect("channel open");
        let hanging = matches!(&msg, Msg::Task(i, TaskMsg::Log(l)) if *i == id && l.message.contains("hanging"));
        for cmd in update(state, msg) {
            tasks.run(cmd);
        }
        if hanging {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the connector never said it hangs"
        );
    }
}
