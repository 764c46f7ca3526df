//! `update(&mut State, Msg) -> Vec<Cmd>`: the only place the state changes. Pure: no I/O, no clock, no
//! waiting; work to do comes back as commands for the task executor. Keys go through the key table (the
//! overlay on top, else the current step), task reports are routed to whoever asked, stale ones dropped.

use super::connectors::ConnectorChoice;
pub use super::contexts::{contexts, screen_contexts};
use super::flow::{Reply, Transition};
use super::keys::{self, Action, Ctx};
use super::msg::{Cmd, Msg, ReqId, TaskMsg};
use super::state::{DockerStatus, Overlay, State, StepId};
use super::steps::{Step, connector::Mode, dispatch};
use ratatui::crossterm::event::{KeyEvent, MouseEvent, MouseEventKind};

/// The commands to run when the wizard starts: check Docker, look for connectors on PATH.
pub fn init(state: &mut State) -> Vec<Cmd> {
    let mut cmds = check_docker(state);
    let id = state.next_req();
    state.connector.scan_req = Some(id);
    cmds.push(Cmd::ScanPath(id));
    cmds
}

/// Look for catalogs under the current directory, for the first screen's "Open a catalog" (the loop
/// starts it with [`init`]'s commands; the wizard opened on a task needs none).
pub fn scan_catalogs(state: &mut State) -> Vec<Cmd> {
    let id = state.next_req();
    state.connector.catalogs_req = Some(id);
    vec![Cmd::ScanCatalogs(id)]
}

pub fn update(state: &mut State, msg: Msg) -> Vec<Cmd> {
    let cmds = handle(state, msg);
    if state.origin == super::flow::Origin::Existing {
        // Editing a catalog keeps no draft: the catalog is the record (and a draft of a new task stays).
        return cmds
            .into_iter()
            .filter(|c| !matches!(c, Cmd::SaveDraft(..) | Cmd::ClearDraft(_)))
            .collect();
    }
    cmds
}

fn handle(state: &mut State, msg: Msg) -> Vec<Cmd> {
    match msg {
        Msg::Key(key) => {
            let step = state.step;
            let cmds = on_key(state, key);
            // What opening the docs did is said until the person moves on.
            if state.step != step {
                state.docs_note = None;
            }
            cmds
        }
        Msg::Paste(text) => on_paste(state, &text),
        Msg::Mouse(ev) => on_mouse(state, ev),
        Msg::Resize(w, h) => {
            state.size = (w, h);
            clamp_lists(state);
            Vec::new()
        }
        Msg::Tick(now) => {
            state.now = Some(now);
            state.frame += 1;
            for job in state.jobs_mut() {
                job.tick(now);
            }
            Vec::new()
        }
        Msg::Task(id, report) => on_task(state, id, report),
        Msg::InputClosed => {
            state.quit = true;
            Vec::new()
        }
    }
}

fn on_key(state: &mut State, key: KeyEvent) -> Vec<Cmd> {
    let ctxs = contexts(state);
    match keys::resolve(&ctxs, &key) {
        Some(action) => on_action(state, action),
        None if ctxs.contains(&Ctx::Editor) => {
            let reply = dispatch!(state.step, S => S::on_key(state, key));
            apply(state, reply)
        }
        None if keys::is_text(&key)
            && (ctxs.contains(&Ctx::TextInput) || ctxs.contains(&Ctx::TypeToFilter)) =>
        {
            let mut buf = [0u8; 4];
            let text = match key.code {
                ratatui::crossterm::event::KeyCode::Char(c) => c.encode_utf8(&mut buf).to_string(),
                _ => return Vec::new(),
            };
            let reply = dispatch!(state.step, S => S::on_text(state, &text));
            apply(state, reply)
        }
        None => Vec::new(),
    }
}

fn on_paste(state: &mut State, text: &str) -> Vec<Cmd> {
    if state.overlay().is_some() {
        return Vec::new();
    }
    let reply = dispatch!(state.step, S => S::on_text(state, text));
    apply(state, reply)
}

fn on_action(state: &mut State, action: Action) -> Vec<Cmd> {
    if let Some(overlay) = state.overlays.last().cloned() {
        return on_overlay(state, overlay, action);
    }
    match action {
        Action::Help => {
            state.overlays.push(Overlay::Help { scroll: 0 });
            Vec::new()
        }
        // Quit is global: no step handles it.
        Action::Quit => request_quit(state),
        // Bound only while the connector list says Docker is down.
        Action::RecheckDocker => check_docker(state),
        Action::OpenDocs => match state.docs_url() {
            Some(url) => {
                let id = state.next_req();
                state.docs_req = Some(id);
                state.docs_note = None;
                vec![Cmd::OpenUrl(id, url)]
            }
            None => {
                state.docs_note = Some(Err("this connector names no documentation link".into()));
                Vec::new()
            }
        },
        _ => {
            let reply = dispatch!(state.step, S => S::on_action(state, action));
            apply(state, reply)
        }
    }
}

/// Carry out a step's reply: its commands, then its transition through the current flow. Entering a step
/// may move on again (a step with nothing to do passes itself over), so this loops, at most once per step.
pub fn apply(state: &mut State, reply: Reply) -> Vec<Cmd> {
    let Reply { mut cmds, mut go } = reply;
    for _ in 0..=StepId::COUNT {
        let flow = state.flow();
        let to = match go {
            Transition::Stay => break,
            // A step outside the flow (the spec fetch of an opened catalog) goes on to the flow's first.
            Transition::Next => match flow.after(state.step).or_else(|| {
                flow.position(state.step)
                    .is_none()
                    .then(|| flow.steps.first().copied())
                    .flatten()
            }) {
                Some(to) => to,
                None => break,
            },
            Transition::Back => {
                // Back stops at the nearest earlier step that applies; nothing starts there.
                let to = flow
                    .before(state.step)
                    .find(|s| dispatch!(*s, S => S::applies(state)));
                if let Some(to) = to {
                    state.step = to;
                    dispatch!(to, S => S::revisit(state));
                }
                break;
            }
            Transition::GoTo(to) if flow.precedes(to, state.step) => {
                state.step = to;
                dispatch!(to, S => S::revisit(state));
                break;
            }
            Transition::GoTo(to) => to,
        };
        state.step = to;
        let reply = dispatch!(to, S => S::enter(state));
        cmds.extend(reply.cmds);
        go = reply.go;
    }
    cmds
}

fn on_overlay(state: &mut State, overlay: Overlay, action: Action) -> Vec<Cmd> {
    match (overlay, action) {
        (Overlay::Help { .. }, Action::CloseOverlay | Action::Help) => {
            state.overlays.pop();
        }
        (
            Overlay::Help { scroll },
            Action::Up | Action::Down | Action::PageUp | Action::PageDown,
        ) => {
            let delta: isize = match action {
                Action::Up => -1,
                Action::Down => 1,
                Action::PageUp => -10,
                _ => 10,
            };
            let max = super::view::help_len(state).saturating_sub(1);
            let scroll = scroll.saturating_add_signed(delta).min(max);
            if let Some(top) = state.overlays.last_mut() {
                *top = Overlay::Help { scroll };
            }
        }
        (Overlay::Help { .. } | Overlay::Resume(_), Action::Quit) => {
            state.overlays.pop();
            return request_quit(state);
        }
        (Overlay::Resume(_), Action::Help) => state.overlays.push(Overlay::Help { scroll: 0 }),
        (Overlay::ConfirmQuit, Action::Yes) => state.quit = true,
        (Overlay::ConfirmQuit, Action::No) => {
            state.overlays.pop();
        }
        (Overlay::Resume(draft), Action::Resume) => {
            state.overlays.pop();
            // Every answer comes back (the config refills step 3 once the spec is there).
            state.answers = draft.answers.clone();
            if let Some(choice) = draft.answers.connector {
                return resume(state, choice);
            }
        }
        (Overlay::Resume(_), Action::New) => {
            state.overlays.pop();
        }
        _ => {}
    }
    Vec::new()
}

/// Pick up a draft: select its connector in the list (or fill the custom form) and fetch its spec.
fn resume(state: &mut State, choice: ConnectorChoice) -> Vec<Cmd> {
    state.connector.select_choice(&choice);
    clamp_lists(state);
    // The draft on disk already holds this answer.
    state.answers.connector = Some(choice.clone());
    state.draft.saved = Some(Ok(()));
    apply(state, Reply::go(Transition::GoTo(StepId::Spec)))
}

/// Ctrl-C or q: leave at once when nothing was answered or the catalog is saved, else ask first.
pub fn request_quit(state: &mut State) -> Vec<Cmd> {
    if state.answers.is_empty() || state.review.done.is_some() {
        state.quit = true;
    } else if state.overlay() != Some(&Overlay::ConfirmQuit) {
        state.overlays.push(Overlay::ConfirmQuit);
    }
    Vec::new()
}

/// (Re)check whether Docker answers.
pub fn check_docker(state: &mut State) -> Vec<Cmd> {
    let id = state.next_req();
    state.docker_req = Some(id);
    state.docker = DockerStatus::Checking;
    vec![Cmd::CheckDocker(id)]
}

fn on_mouse(state: &mut State, ev: MouseEvent) -> Vec<Cmd> {
    if let Some(Overlay::Help { scroll }) = state.overlay().cloned() {
        let max = super::view::help_len(state).saturating_sub(1);
        let scroll = match ev.kind {
            MouseEventKind::ScrollDown => (scroll + 3).min(max),
            MouseEventKind::ScrollUp => scroll.saturating_sub(3),
            _ => return Vec::new(),
        };
        if let Some(top) = state.overlays.last_mut() {
            *top = Overlay::Help { scroll };
        }
        return Vec::new();
    }
    if state.overlay().is_some() {
        return Vec::new();
    }
    let body = super::layout::areas(state.screen()).body;
    let reply = dispatch!(state.step, S => S::on_mouse(state, body, ev));
    apply(state, reply)
}

fn on_task(state: &mut State, id: ReqId, report: TaskMsg) -> Vec<Cmd> {
    match report {
        TaskMsg::Docker(result) => {
            if state.docker_req == Some(id) {
                state.docker_req = None;
                state.docker = match result {
                    Ok(version) => DockerStatus::Up { version },
                    Err(reason) => DockerStatus::Down { reason },
                };
            }
            Vec::new()
        }
        TaskMsg::LocalConnectors(found) => {
            if state.connector.scan_req == Some(id) {
                state.connector.scan_req = None;
                state.connector.local = found;
                state.connector.refilter();
                clamp_lists(state);
            }
            Vec::new()
        }
        TaskMsg::DraftSaved(result) => {
            if state.draft.req == Some(id) {
                state.draft.req = None;
                state.draft.saved = Some(result);
            }
            Vec::new()
        }
        TaskMsg::Opened(result) => {
            if state.docs_req == Some(id) {
                state.docs_req = None;
                state.docs_note = Some(result);
            }
            Vec::new()
        }
        // A file read for a form: routed to the step that asked, by request id.
        TaskMsg::FileRead(result) if state.config.file_req == Some(id) => {
            super::steps::config::on_file(state, id, result)
        }
        TaskMsg::FileRead(result) => super::steps::tunnel::on_file(state, id, result),
        TaskMsg::ConfigDecrypted(result) => super::steps::config::on_decrypted(state, id, result),
        TaskMsg::Catalogs(found) => {
            super::steps::connector::on_catalogs(state, id, found);
            clamp_lists(state);
            Vec::new()
        }
        TaskMsg::CatalogOpened(result) => {
            let reply = super::steps::connector::on_opened(state, id, result);
            apply(state, reply)
        }
        TaskMsg::Panicked(e) if state.docker_req == Some(id) => {
            state.docker_req = None;
            state.docker = DockerStatus::Down { reason: e };
            Vec::new()
        }
        other => {
            let reply = if state.check.job.is_current(id) {
                super::steps::check::on_task(state, id, other)
            } else if state.bindings.job.is_current(id) {
                super::steps::bindings::on_task(state, id, other)
            } else if state.collections.job.is_current(id) {
                super::steps::collections::on_task(state, id, other)
            } else if state.fields.job.is_current(id) {
                super::steps::fields::on_task(state, id, other)
            } else if state.changes.job.is_current(id) {
                super::steps::changes::on_task(state, id, other)
            } else if state.preview.job.is_current(id) {
                super::steps::preview::on_task(state, id, other)
            } else if state.review.owns(id) {
                super::steps::review::on_task(state, id, other).into()
            } else {
                super::steps::spec::on_task(state, id, other)
            };
            apply(state, reply)
        }
    }
}

/// Keep list selections and offsets valid for the current size and contents.
fn clamp_lists(state: &mut State) {
    let body = super::layout::areas(state.screen()).body;
    let h = super::steps::connector::areas(body).list.height as usize;
    let c = &mut state.connector;
    c.nav.clamp(c.rows.len(), h);
    if c.mode == Mode::Form && state.step != StepId::Connector {
        c.mode = Mode::List;
    }
    super::steps::config::clamp(state);
    super::steps::tunnel::clamp(state);
    super::steps::bindings::clamp(state);
    super::steps::collections::clamp(state);
}
