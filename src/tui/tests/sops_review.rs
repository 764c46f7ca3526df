//! Steps 3 and 7 with sops and the bindings check: a config file encrypted with sops opened in step 3
//! (the decryption is a task; the form filled with the secrets masked, the protection remembered, an error
//! shown in plain words); step 7 protecting the config (the opened file's keys by default, recipients
//! checked, a `.sops.yaml` used), and the chosen bindings checked with a verdict per binding (saving after
//! a failure asks first; saving while the check runs waits for it). Pure `update` tests and snapshots.

use super::flow_support::*;
use super::support::*;
use crate::secrets::{Keys, Protection, Scope};
use crate::tui::msg::{
    BindingVerdict, BindingsCheck, Cmd, Decrypted, FileText, Hidden, Msg, ReqId, TaskError, TaskMsg,
};
use crate::tui::state::{State, StepId};
use crate::tui::steps::review::{RECIPIENTS_FIELD, SAVE_BUTTON, SOPS_FIELD, SopsMode};
use ratatui::crossterm::event::KeyCode;
use serde_json::json;

const RECIPIENT: &str = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";

fn protection() -> Protection {
    Protection {
        keys: Keys {
            age: vec![RECIPIENT.into()],
            pgp: vec!["85D77543B3D624B63CEA9E6DBC17301B491B3F21".into()],
            ..Keys::default()
        },
        scope: Scope::Secrets,
    }
}

/// An encrypted config file's text, as sops writes it (the ciphertext is not real: the decryption is
/// answered by the test).
fn encrypted_file() -> FileText {
    FileText {
        path: "/home/ana/pg.config.yaml".into(),
        text: format!(
            "host: db.internal\npassword_sops: ENC[AES256_GCM,data:abc,iv:x,tag:y,type:str]\nsops:\n  \
             age:\n    - recipient: {RECIPIENT}\n      enc: x\n  lastmodified: '2026-01-01T00:00:00Z'\n  \
             mac: ENC[AES256_GCM,data:m]\n  encrypted_suffix: _sops\n  version: 3.9.0\n"
        ),
    }
}

/// Step 3 of the fixture-like spec, the open-config prompt answered with `file`: the command it leads to.
fn open_file(s: &mut State, file: FileText) -> Vec<Cmd> {
    send(s, [ctrl('o')]);
    send(s, typed(&file.path));
    let cmds = send(s, [key(KeyCode::Enter)]);
    let id = match cmds.last() {
        Some(Cmd::ReadFile(id, _)) => *id,
        other => panic!("no read: {other:?}"),
    };
    send(s, [Msg::Task(id, TaskMsg::FileRead(Ok(file)))])
}

fn at_config(w: u16, h: u16) -> State {
    let mut s = state_at(w, h);
    let id = fetch_id(&pick(&mut s, "source-postgres"));
    send(
        &mut s,
        [Msg::Task(id, TaskMsg::Spec(Ok(Box::new(outcome(false)))))],
    );
    assert_eq!(s.step, StepId::Config);
    s
}

fn decrypt_id(cmds: &[Cmd]) -> ReqId {
    match cmds.last() {
        Some(Cmd::DecryptConfig { id, path, .. }) => {
            assert_eq!(path, "/home/ana/pg.config.yaml");
            *id
        }
        other => panic!("no decryption: {other:?}"),
    }
}

/// Step 3 with the encrypted file opened and decrypted.
fn opened(w: u16, h: u16) -> State {
    let mut s = at_config(w, h);
    let cmds = open_file(&mut s, encrypted_file());
    let id = decrypt_id(&cmds);
    let plain = json!({"host": "db.internal", "password": PASSWORD});
    send(
        &mut s,
        [Msg::Task(
            id,
            TaskMsg::ConfigDecrypted(Ok(Box::new(Decrypted {
                path: "/home/ana/pg.config.yaml".into(),
                value: Hidden::new(plain),
                protection: protection(),
            }))),
        )],
    );
    s
}

fn no_key_error() -> TaskError {
    crate::secrets::SecretsError::NoKey {
        place: "/home/ana/pg.config.yaml".into(),
        recipients: format!("age recipient {RECIPIENT}"),
        how: "For age: set SOPS_AGE_KEY_FILE to a file holding the matching private key \
              (AGE-SECRET-KEY-...), or SOPS_AGE_KEY to the key itself, or put it in \
              ~/.config/sops/age/keys.txt. Neither SOPS_AGE_KEY_FILE nor SOPS_AGE_KEY is set."
            .into(),
    }
    .into()
}

fn sops_error(w: u16, h: u16) -> State {
    let mut s = at_config(w, h);
    let id = decrypt_id(&open_file(&mut s, encrypted_file()));
    send(
        &mut s,
        [Msg::Task(id, TaskMsg::ConfigDecrypted(Err(no_key_error())))],
    );
    s
}

#[test]
fn an_encrypted_config_is_decrypted_by_a_task_and_fills_the_form() {
    let mut s = opened(80, 24);
    let config = s.config.form.as_ref().unwrap().to_config();
    assert_eq!(config["password"], PASSWORD);
    assert_eq!(config["host"], "db.internal");
    assert!(config.get("sops").is_none() && config.get("password_sops").is_none());
    assert_eq!(s.config.protection, Some(protection()));
    let notice = s.config.notice.clone().unwrap();
    assert!(
        !notice.bad && notice.text.contains("Decrypted"),
        "{notice:?}"
    );
    assert!(s.config.ui.popup.is_none());
    // The draft keeps neither the password nor anything of the ciphertext.
    let draft = serde_json::to_string(&crate::tui::draft::Draft::new(s.answers.clone())).unwrap();
    assert!(
        !draft.contains(PASSWORD) && !draft.contains("ENC["),
        "{draft}"
    );
    // A stale decryption answer is dropped.
    let before = s.config.notice.clone();
    send(
        &mut s,
        [Msg::Task(
            ReqId(999),
            TaskMsg::ConfigDecrypted(Err(TaskError::environment("late"))),
        )],
    );
    assert_eq!(s.config.notice, before);
    // A plaintext file afterwards forgets the protection.
    let cmds = open_file(
        &mut s,
        FileText {
            path: "/home/ana/plain.yaml".into(),
            text: "host: other\n".into(),
        },
    );
    assert!(!cmds.iter().any(|c| matches!(c, Cmd::DecryptConfig { .. })));
    assert_eq!(s.config.protection, None);
}

#[test]
fn a_sops_error_is_shown_on_the_config_screen_in_plain_words() {
    let s = sops_error(80, 24);
    assert!(s.config.ui.popup.is_none(), "the prompt is closed");
    let screen = render(&s);
    assert!(
        screen.contains("none of the keys it is encrypted for"),
        "{screen}"
    );
    assert!(screen.contains("SOPS_AGE_KEY_FILE"), "{screen}");
    assert_eq!(s.config.protection, None);
}

/// From an opened encrypted config through steps 4 to 6 to step 7, its plan answered in `dir`.
fn review_from_opened(w: u16, h: u16, dir: &std::path::Path) -> (State, Vec<Cmd>) {
    let mut s = opened(w, h);
    send(&mut s, [ctrl('n')]);
    assert_eq!(s.step, StepId::Tunnel, "{}", render(&s));
    let cmds = send(&mut s, [key(KeyCode::Enter)]);
    send(
        &mut s,
        [Msg::Task(check_id(&cmds), TaskMsg::Checked(Ok(())))],
    );
    let cmds = send(&mut s, [key(KeyCode::Enter)]);
    send(
        &mut s,
        [Msg::Task(
            discover_id(&cmds),
            TaskMsg::Discovered(Ok(std::sync::Arc::new(discovered(3)))),
        )],
    );
    let cmds = skip_preview(&mut s);
    let (id, mut req) = plan_of(&cmds);
    req.dir = dir.display().to_string();
    let mut p = crate::tui::saving::plan(&req).expect("a plan");
    p.dir = "/home/ana/catalogs".into();
    send(&mut s, [Msg::Task(id, TaskMsg::Planned(Ok(Box::new(p))))]);
    (s, cmds)
}

fn check_of(cmds: &[Cmd]) -> (ReqId, usize) {
    cmds.iter()
        .rev()
        .find_map(|c| match c {
            Cmd::CheckBindings {
                id, bindings, name, ..
            } => {
                assert_eq!(name, "acmeCo/source-postgres");
                Some((*id, bindings.len()))
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("no bindings check in {cmds:?}"))
}

fn one_failing(n: usize) -> BindingsCheck {
    let mut verdicts = vec![BindingVerdict::Passed; n];
    verdicts[1] = BindingVerdict::Failed(
        "connector failed during validate: binding 0: resource \"events\" does not exist (this config \
         has 1 resources)"
            .into(),
    );
    BindingsCheck {
        verdicts,
        overall: None,
        how: "Flow validate with the 2 bindings chosen, as `catwalk check` runs it".into(),
    }
}

#[test]
fn review_encrypts_again_for_the_opened_files_keys_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, cmds) = review_from_opened(80, 24, dir.path());
    let (_, req) = plan_of(&cmds);
    assert_eq!(req.protection, Some(protection()), "PGP key kept too");
    assert_eq!(s.review.sops, SopsMode::Secrets);
    assert_eq!(s.review.field(RECIPIENTS_FIELD), RECIPIENT);
    // Other recipients typed: only those (age).
    s.review.focus = RECIPIENTS_FIELD;
    send(&mut s, [ctrl('u')]);
    send(&mut s, typed("age1other, age1more"));
    let req = crate::tui::steps::review::request(&s, false, false).unwrap();
    let p = req.protection.unwrap();
    assert_eq!(p.keys.age, ["age1other", "age1more"]);
    assert!(p.keys.pgp.is_empty());
    // Not an age recipient: refused next to the field.
    send(&mut s, typed(", ssh-ed25519"));
    assert!(
        s.review.errors[RECIPIENTS_FIELD]
            .as_deref()
            .is_some_and(|e| e.contains("`ssh-ed25519` is not an age recipient")),
        "{:?}",
        s.review.errors
    );
    // The choice cycles with ←→ and plans again; off means plaintext.
    send(&mut s, [ctrl('u')]);
    s.review.focus = SOPS_FIELD;
    let cmds = send(&mut s, [key(KeyCode::Right)]);
    assert_eq!(s.review.sops, SopsMode::Whole);
    assert!(
        cmds.iter().any(|c| matches!(c, Cmd::PlanSave(..))),
        "{cmds:?}"
    );
    send(&mut s, [key(KeyCode::Right)]);
    assert_eq!(s.review.sops, SopsMode::Off);
    s.review.plan_req = None;
    assert_eq!(
        crate::tui::steps::review::request(&s, false, false)
            .unwrap()
            .protection,
        None
    );
}

#[test]
fn sops_without_a_key_or_a_sops_yaml_is_refused_before_saving() {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, cmds) = review_from_opened(80, 24, dir.path());
    let (id, n) = check_of(&cmds);
    send(
        &mut s,
        [Msg::Task(
            id,
            TaskMsg::BindingsChecked(Ok(Box::new(BindingsCheck {
                verdicts: vec![BindingVerdict::Passed; n],
                overall: None,
                how: "x".into(),
            }))),
        )],
    );
    s.review.focus = RECIPIENTS_FIELD;
    send(&mut s, [ctrl('u')]);
    let cmds = send(&mut s, [ctrl('s')]);
    assert!(!cmds.iter().any(|c| matches!(c, Cmd::Save(..))), "{cmds:?}");
    assert!(
        s.review.errors[RECIPIENTS_FIELD]
            .as_deref()
            .is_some_and(|e| e.contains(".sops.yaml")),
        "{:?}",
        s.review.errors
    );
    // With a .sops.yaml found for the directory, it is used and said so.
    if let Some(p) = s.review.preview.as_mut() {
        p.sops_rules = Some("/home/ana/catalogs/.sops.yaml".into());
    }
    let cmds = send(&mut s, [ctrl('s')]);
    assert!(cmds.iter().any(|c| matches!(c, Cmd::Save(..))), "{cmds:?}");
    let screen = render(&s);
    assert!(screen.contains(" → .sops.yaml will be used"), "{screen}");
}

#[test]
fn a_failed_binding_asks_before_saving_and_save_waits_for_the_check() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_bindings(80, 24, 3);
    let cmds = skip_preview(&mut s);
    let (check, n) = check_of(&cmds);
    assert_eq!(n, 2, "the selected bindings only");
    let (plan, mut req) = plan_of(&cmds);
    req.dir = dir.path().display().to_string();
    let p = crate::tui::saving::plan(&req).unwrap();
    send(&mut s, [Msg::Task(plan, TaskMsg::Planned(Ok(Box::new(p))))]);
    // Save while the check runs: nothing yet, then the failure asks.
    let cmds = send(&mut s, [key(KeyCode::Enter)]);
    assert!(cmds.is_empty(), "{cmds:?}");
    assert!(render(&s).contains("saves once the bindings are checked"));
    let cmds = send(
        &mut s,
        [Msg::Task(
            check,
            TaskMsg::BindingsChecked(Ok(Box::new(one_failing(n)))),
        )],
    );
    assert!(cmds.is_empty(), "{cmds:?}");
    assert!(s.review.ask_failed);
    let screen = render(&s);
    assert!(
        screen.contains("✗ acmeCo/events: connector failed"),
        "{screen}"
    );
    assert!(screen.contains("y save anyway"), "{screen}");
    // Esc: nothing written; Save asks again; y saves.
    send(&mut s, [key(KeyCode::Esc)]);
    assert!(!s.review.ask_failed && s.step == StepId::Review);
    send(&mut s, [ctrl('s')]);
    assert!(s.review.ask_failed);
    let cmds = send(&mut s, [ch('y')]);
    assert!(cmds.iter().any(|c| matches!(c, Cmd::Save(..))), "{cmds:?}");
    // Back and forth without changes: not checked again; another selection: checked again.
    s.review.save_req = None;
    send(&mut s, [key(KeyCode::Esc)]);
    let cmds = skip_preview(&mut s);
    assert!(
        !cmds.iter().any(|c| matches!(c, Cmd::CheckBindings { .. })),
        "{cmds:?}"
    );
    send(&mut s, [key(KeyCode::Esc), ch('a')]);
    let cmds = skip_preview(&mut s);
    assert_eq!(check_of(&cmds).1, 3);
    assert_eq!(s.review.focus, SAVE_BUTTON);
}

#[test]
fn saving_while_the_check_runs_saves_once_it_passes() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_bindings(80, 24, 3);
    let cmds = skip_preview(&mut s);
    let (check, n) = check_of(&cmds);
    let (plan, mut req) = plan_of(&cmds);
    req.dir = dir.path().display().to_string();
    let p = crate::tui::saving::plan(&req).unwrap();
    send(&mut s, [Msg::Task(plan, TaskMsg::Planned(Ok(Box::new(p))))]);
    send(&mut s, [ctrl('s')]);
    let cmds = send(
        &mut s,
        [Msg::Task(
            check,
            TaskMsg::BindingsChecked(Ok(Box::new(BindingsCheck {
                verdicts: vec![BindingVerdict::Passed; n],
                overall: None,
                how: "x".into(),
            }))),
        )],
    );
    assert!(cmds.iter().any(|c| matches!(c, Cmd::Save(..))), "{cmds:?}");
}

#[test]
fn config_opened_encrypted() {
    snap("config_sops_opened", opened);
}

#[test]
fn config_sops_error() {
    snap("config_sops_error", sops_error);
}

#[test]
fn review_sops_on() {
    snap("review_sops_on", |w, h| {
        let dir = tempfile::tempdir().unwrap();
        let (mut s, cmds) = review_from_opened(w, h, dir.path());
        answer_check(&mut s, &cmds);
        s
    });
}

#[test]
fn review_bindings_one_failing() {
    snap("review_bindings_failed", |w, h| {
        let dir = tempfile::tempdir().unwrap();
        let mut s = to_bindings(w, h, 3);
        let cmds = skip_preview(&mut s);
        let (check, n) = check_of(&cmds);
        let (plan, mut req) = plan_of(&cmds);
        req.dir = dir.path().display().to_string();
        let mut p = crate::tui::saving::plan(&req).unwrap();
        p.dir = "/home/ana/catalogs".into();
        send(&mut s, [Msg::Task(plan, TaskMsg::Planned(Ok(Box::new(p))))]);
        send(
            &mut s,
            [Msg::Task(
                check,
                TaskMsg::BindingsChecked(Ok(Box::new(one_failing(n)))),
            )],
        );
        s
    });
}
