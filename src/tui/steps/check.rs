//! Step 5, Check: run the connector's own check of the config from step 3 (Flow: validate without
//! bindings; Airbyte: `check`) in a task, with a spinner and the connector's latest log line; Esc cancels
//! (the process or container is removed, a tunnel closed) and goes back to step 4. Then the result: passed,
//! or the connector's error with its log tail (scrollable), with keys to retry, fix the config or skip.
//! When the config asks for an SSH tunnel, the task first goes through the SSH path step by step (reaching
//! the server, host key, login, the target from the server; each ticked off as it passes) with the commands'
//! code: a connector's own tunnel is checked, catwalk's is opened and the check runs through it (Docker on
//! the host network). An unknown host key stops it with the fingerprint: `y` records it in known_hosts and
//! checks again, `n` goes back; a changed one is refused.

use super::{Reply, Step};
use crate::tui::flow::Transition;
use crate::tui::job::Job;
use crate::tui::keys::{Action, Ctx};
use crate::tui::msg::{Cmd, Hidden, HostKeyAsk, ReqId, TaskError, TaskMsg};
use crate::tui::session::{self, fingerprint, run_of, ssh_use};
use crate::tui::state::{State, StepId};
use ratatui::Frame;
use ratatui::crossterm::event::MouseEvent;
use ratatui::layout::Rect;
use serde_json::Value;

#[derive(Debug, Clone, Default, PartialEq)]
pub enum Phase {
    #[default]
    Idle,
    /// The SSH server's host key is not in known_hosts: accept it (`y`) or go back (`n`).
    HostKey(Box<HostKeyAsk>),
    Working,
    Passed,
    Failed(TaskError),
    Skipped,
}

#[derive(Debug, Clone, Default)]
pub struct CheckState {
    /// The check task (its scroll: the error text and log tail).
    pub job: Job,
    pub phase: Phase,
    /// A fingerprint of the config the result is for (never the config itself).
    pub checked: Option<u64>,
    /// The SSH path, when the config asks for a tunnel.
    pub ssh: Option<SshPath>,
}

/// How far a step of the SSH path got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Waiting,
    Passed,
    Failed,
}

/// The SSH path the check goes through, as step 5 shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct SshPath {
    /// `user@host:port`.
    pub via: String,
    pub user: String,
    /// The forward target `host:port`, when known.
    pub target: Option<String>,
    /// catwalk opens the tunnel (else the connector does, and catwalk only checks the path).
    pub catwalk: bool,
    /// Reaching the server, its host key, logging in, the target from the server.
    pub marks: [Mark; 4],
    /// What was done once the path is ready (the tunnel's local end, the fields pointed at it).
    pub ready: Option<String>,
    /// The failure, when the path failed (its step, what to do).
    pub failed: Option<crate::tunnel::TunnelError>,
}

impl SshPath {
    /// The path a config asks for (`None`: no tunnel, or settings the task will report as wrong).
    pub fn of(config: &Value) -> Option<SshPath> {
        let t = crate::tunnel::config::from_config(config).ok()??;
        Some(SshPath {
            via: t.settings.target.to_string(),
            user: t.settings.target.user.clone(),
            target: t
                .forward
                .as_ref()
                .map(|(h, p)| crate::tunnel::host_port(h, *p)),
            catwalk: matches!(t.owner, crate::tunnel::Owner::Catwalk { .. }),
            marks: [Mark::Waiting; 4],
            ready: None,
            failed: None,
        })
    }

    /// The index of a path step among the four shown.
    pub fn index(step: crate::tunnel::Step) -> Option<usize> {
        use crate::tunnel::Step as S;
        match step {
            S::Bastion => Some(0),
            S::HostKey => Some(1),
            S::Auth => Some(2),
            S::Forward => Some(3),
            S::Settings | S::Key | S::Listen => None,
        }
    }

    /// A step passed (and so did every step before it).
    pub fn passed(&mut self, step: crate::tunnel::Step) {
        if let Some(i) = Self::index(step) {
            for m in &mut self.marks[..=i] {
                *m = Mark::Passed;
            }
        }
    }
}

impl CheckState {
    pub fn is_working(&self) -> bool {
        self.phase == Phase::Working
    }
}

/// Go to step 5 (from step 4's Next): run the check unless it already passed for this very config.
fn enter(state: &mut State) -> Vec<Cmd> {
    let print = state.answers.config.as_ref().map(fingerprint);
    let c = &mut state.check;
    if c.checked.is_some()
        && c.checked == print
        && matches!(c.phase, Phase::Passed | Phase::Skipped)
    {
        return Vec::new();
    }
    start(state)
}

fn cancel(state: &mut State) -> Vec<Cmd> {
    state.check.job.cancel().into_iter().collect()
}

/// Start (or restart) the check.
pub fn start(state: &mut State) -> Vec<Cmd> {
    start_with(state, None)
}

/// Start the check, recording first the host key the person accepted (if any).
fn start_with(state: &mut State, accept: Option<HostKeyAsk>) -> Vec<Cmd> {
    let mut cmds = cancel(state);
    let (Some(run), Some(config)) = (run_of(state), state.answers.config.clone()) else {
        state.check.phase = Phase::Failed(TaskError::invalid(
            "There is no config to check: go back to step 3 and fill in the form.",
        ));
        return cmds;
    };
    let own = session::task_name(state, &run.choice);
    let name = format!("{}/{own}", session::prefix(state));
    let id = state.next_req();
    let mut ssh = ssh_use(state);
    ssh.accept = accept;
    state.check = CheckState {
        phase: Phase::Working,
        checked: Some(fingerprint(&config)),
        ssh: SshPath::of(&config),
        ..CheckState::default()
    };
    state.check.job.start(id);
    cmds.push(Cmd::Check {
        id,
        run,
        name,
        config: Hidden::new(config),
        ssh,
    });
    cmds
}

/// A report from a check task; any request but the current one is stale and dropped.
pub fn on_task(state: &mut State, id: ReqId, msg: TaskMsg) -> Reply {
    let c = &mut state.check;
    if !c.job.is_current(id) || !c.is_working() {
        return Reply::stay();
    }
    match msg {
        TaskMsg::Log(line) => c.job.log(line),
        TaskMsg::Checked(Ok(())) => {
            c.job.finish();
            c.phase = Phase::Passed;
        }
        TaskMsg::Checked(Err(e)) | TaskMsg::Panicked(e) => {
            c.job.finish();
            c.phase = Phase::Failed(e);
        }
        TaskMsg::SshStep(step) => {
            if let Some(p) = c.ssh.as_mut() {
                p.passed(step);
            }
        }
        TaskMsg::SshReady(note) => {
            if let Some(p) = c.ssh.as_mut() {
                p.ready = Some(note);
            }
        }
        TaskMsg::SshFailed(e) => {
            c.job.finish();
            c.checked = None;
            let p = c.ssh.get_or_insert_with(|| SshPath {
                via: String::new(),
                user: String::new(),
                target: None,
                catwalk: false,
                marks: [Mark::Waiting; 4],
                ready: None,
                failed: None,
            });
            if let Some(i) = SshPath::index(e.step) {
                p.marks[i] = Mark::Failed;
            }
            c.phase = Phase::Failed(e.clone().into());
            p.failed = Some(e);
        }
        TaskMsg::HostKeyUnknown(ask) => {
            c.job.finish();
            c.checked = None;
            if let Some(p) = c.ssh.as_mut() {
                p.passed(crate::tunnel::Step::Bastion);
            }
            c.phase = Phase::HostKey(ask);
        }
        _ => {}
    }
    Reply::stay()
}

/// A failure in plain words: the exception a Python traceback ends with (`Exception: cannot connect
/// to …`), found in the error or in the connector's log (where a traceback often is one multi-line
/// message); `None` when there is no traceback.
pub fn plain_failure(
    e: &str,
    logs: &std::collections::VecDeque<crate::model::LogLine>,
) -> Option<String> {
    use crate::connector::logs::python_exception;
    python_exception(e.lines()).or_else(|| {
        let lines: Vec<&str> = logs.iter().flat_map(|l| l.message.lines()).collect();
        python_exception(lines.into_iter())
    })
}

/// Back to step 4; a running check is cancelled (its container removed).
fn back(state: &mut State) -> Reply {
    let cmds = cancel(state);
    if state.check.is_working() {
        state.check.phase = Phase::Idle;
        state.check.checked = None;
    }
    // A skipped step 4 is not gone back to (it does not apply): the config is.
    Reply::then(cmds, Transition::Back)
}

pub struct CheckStep;

impl Step for CheckStep {
    fn contexts(state: &State) -> Vec<Ctx> {
        match state.check.phase {
            Phase::Working => vec![Ctx::Busy],
            Phase::HostKey(_) => vec![Ctx::HostKeyQuestion],
            // Enter names the flow's next step: a materialization's collections, else the bindings.
            Phase::Passed | Phase::Skipped
                if state.flow().after(StepId::Check) == Some(StepId::Collections) =>
            {
                vec![Ctx::CheckPassedCollections, Ctx::CheckPassed]
            }
            Phase::Passed | Phase::Skipped => vec![Ctx::CheckPassed],
            Phase::Failed(_) | Phase::Idle => vec![Ctx::CheckFailed, Ctx::Page],
        }
    }

    fn enter(state: &mut State) -> Reply {
        enter(state).into()
    }

    fn on_action(state: &mut State, action: Action) -> Reply {
        match (action, &state.check.phase) {
            (Action::Yes, Phase::HostKey(ask)) => {
                let ask = (**ask).clone();
                start_with(state, Some(ask)).into()
            }
            (Action::No, Phase::HostKey(_)) => {
                state.check.phase = Phase::Idle;
                back(state)
            }
            (Action::Cancel | Action::Back, _) => back(state),
            (Action::Retry, _) => start(state).into(),
            (Action::Continue, Phase::Passed | Phase::Skipped) => Reply::go(Transition::Next),
            (Action::Skip, Phase::Idle | Phase::Failed(_)) => {
                let cmds = cancel(state);
                state.check.phase = Phase::Skipped;
                state.check.checked = state.answers.config.as_ref().map(fingerprint);
                Reply::then(cmds, Transition::Next)
            }
            (Action::EditConfig, _) => {
                let cmds = cancel(state);
                // The field the error is about gets the focus (else the form's is kept).
                if let Phase::Failed(e) = &state.check.phase {
                    let mut text = e.message.clone();
                    if let Some(plain) = plain_failure(&e.message, &state.check.job.logs) {
                        text = format!("{plain}\n{text}");
                    }
                    state.session.config_error = Some(text);
                }
                Reply::then(cmds, Transition::GoTo(StepId::Config))
            }
            (other, _) => {
                if let Some(d) = super::scroll_delta(other) {
                    state.check.job.scroll_log(d);
                }
                Reply::stay()
            }
        }
    }

    fn on_mouse(state: &mut State, _body: Rect, ev: MouseEvent) -> Reply {
        if let Some(d) = super::wheel_delta(&ev) {
            state.check.job.scroll_log(d);
        }
        Reply::stay()
    }

    fn view(state: &State, frame: &mut Frame, body: Rect) {
        super::check_view::view(state, frame, body);
    }
}
