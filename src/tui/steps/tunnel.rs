//! Step 4, SSH tunnel: a choice between no tunnel (the default: Enter skips the step) and a tunnel, edited
//! with the same form editor as step 3. A connector with its own `networkTunnel` gets its `sshForwarding`
//! filled (written into the config on Next); one without gets a tunnel catwalk runs (endpoint, key and its
//! passphrase, forward target suggested from the config's host/port, the config fields to point at it),
//! written into the config on Next as `networkTunnel` in the shape the commands read (the older
//! `sshForwarding` plus `rewrite`; never the passphrase). The private key is pasted or read from a file;
//! endpoint and key are checked. No SSH connection is made here: step 5 makes it.

use super::{Reply, Step};
use crate::schema::{Form, Validator};
use crate::tui::flow::Transition;
use crate::tui::keys::{Action, Ctx};
use crate::tui::msg::{Cmd, FileText, ReqId};
use crate::tui::state::State;
use crate::tui::tunnel_schema::{self as ts, TAG};
use crate::tui::widgets::form_page::{Notice, areas};
use crate::tui::widgets::form_ui::{FileTarget, FormUi, Outcome};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyEvent, MouseEvent};
use ratatui::layout::Rect;
use serde_json::Value;
use std::sync::Arc;

pub use ts::{CatwalkTunnel, SecretText, SshForwarding, TunnelAnswer, builtin_pointer};

#[derive(Debug, Clone, Default)]
pub struct TunnelState {
    /// The step form's schema (rebuilt when the config's schema or suggestions change), and the
    /// connector it is for (another connector starts afresh).
    pub schema: Option<Value>,
    pub built_for: Option<crate::tui::connectors::ConnectorChoice>,
    /// The connector's own tunnel pointer (`/networkTunnel`), when it has one.
    pub builtin: Option<String>,
    /// The title of the connector's own SSH settings in another shape (Airbyte's `tunnel_method`).
    pub own_settings: Option<String>,
    pub form: Option<Form>,
    pub ui: FormUi,
    pub file_req: Option<ReqId>,
    pub notice: Option<Notice>,
    /// The forward target suggested from the config when the form was built.
    pub suggested: (Option<String>, Option<u64>),
    /// The step was passed over, and why (no host and port in the config; the connector's own SSH
    /// settings in another shape, in step 3).
    pub skipped: Option<String>,
}

impl TunnelState {
    /// Whether "no tunnel" is chosen.
    pub fn is_off(&self) -> bool {
        self.form
            .as_ref()
            .and_then(|f| f.value(&format!("/{TAG}")).cloned())
            .is_none_or(|v| v == "none")
    }
}

/// Go to step 4 from step 3 (whose config is valid).
fn enter(state: &mut State) -> Reply {
    let (Some(cfg_form), Some(cfg_schema)) = (&state.config.form, &state.config.schema) else {
        return Reply::stay();
    };
    let config = cfg_form.to_config();
    let builtin = builtin_pointer(cfg_form);
    if builtin.is_none()
        && let Some(reason) = skip_reason(state, cfg_form, &config)
    {
        return skip(state, reason);
    }
    let t = &state.tunnel;
    let (schema, suggested) = match &builtin {
        Some(p) => {
            let at = ts::forwarding_pointer(p);
            let sub = cfg_form.field(&at).map(|f| f.schema_pointer.clone());
            match sub.and_then(|s| ts::builtin_schema(cfg_schema, &s)) {
                Some(s) => (s, (None, None)),
                None => return Reply::stay(),
            }
        }
        None => {
            let c = ts::candidates(cfg_form, &config);
            let s = ts::suggest(&c);
            (ts::catwalk_schema(&c, &s), s)
        }
    };
    let same_connector = t.built_for.is_some() && t.built_for == state.answers.connector;
    if same_connector && t.schema.as_ref() == Some(&schema) && t.form.is_some() {
        return Reply::stay();
    }
    let previous = if same_connector {
        t.form.as_ref()
    } else {
        None
    };
    // Values: the form as it was (suggestions left untouched follow the config), else the config's own
    // tunnel, else a resumed answer.
    let values = match (previous, &builtin) {
        (Some(f), _) => {
            let mut v = f.to_config();
            if let Some(m) = v.as_object_mut() {
                if t.suggested.0.is_some()
                    && m.get("forwardHost").and_then(Value::as_str) == t.suggested.0.as_deref()
                {
                    m.shift_remove("forwardHost");
                }
                if t.suggested.1.is_some()
                    && m.get("forwardPort").and_then(Value::as_u64) == t.suggested.1
                {
                    m.shift_remove("forwardPort");
                }
                m.remove("rewrite");
            }
            Some(v)
        }
        (None, Some(p)) => match config.pointer(&ts::forwarding_pointer(p)) {
            Some(Value::Object(m)) if !m.is_empty() => {
                let mut m = m.clone();
                m.insert(TAG.into(), "ssh".into());
                Some(Value::Object(m))
            }
            _ => state.answers.tunnel.as_ref().map(ts::values_of),
        },
        (None, None) => state.answers.tunnel.as_ref().map(ts::values_of),
    };
    let built = match &values {
        Some(v) => Form::from_config(&schema, v).map(|(f, _)| f),
        None => Form::build(&schema),
    };
    let Ok(form) = built else {
        return Reply::stay();
    };
    let validator = Validator::new(&schema).ok().map(Arc::new);
    let ui = FormUi::new(
        &form,
        validator,
        Vec::new(),
        "Next: check the connection ›",
        Some(ts::checks),
    );
    state.tunnel = TunnelState {
        schema: Some(schema),
        built_for: state.answers.connector.clone(),
        own_settings: ts::own_settings(cfg_form),
        builtin,
        form: Some(form),
        ui,
        file_req: None,
        notice: None,
        suggested,
        skipped: None,
    };
    Reply::stay()
}

/// Why catwalk's tunnel is not offered for this config: the connector has SSH settings of its own (one
/// tunnel form is enough), or the config names no host and port (a file, a generator). A tunnel kept from
/// before (a draft) is offered again.
fn skip_reason(state: &State, form: &Form, config: &Value) -> Option<String> {
    if matches!(state.answers.tunnel, Some(TunnelAnswer::Catwalk(_))) {
        return None;
    }
    if let Some(own) = ts::own_settings(form) {
        return Some(format!(
            "SSH tunnel: this connector has its own ({own}, in the config form): it is used instead."
        ));
    }
    let found = ts::candidates(form, config);
    let has = |role| found.iter().any(|c| c.role == role);
    (!(has(ts::Role::Address) || (has(ts::Role::Host) && has(ts::Role::Port)))).then(|| {
        "SSH tunnel: skipped, the config has no host and port to reach through one.".to_string()
    })
}

/// Pass over step 4 (no tunnel) and go on to the check.
fn skip(state: &mut State, reason: String) -> Reply {
    state.tunnel = TunnelState {
        built_for: state.answers.connector.clone(),
        skipped: Some(reason),
        ..TunnelState::default()
    };
    if let Some(Value::Object(config)) = state.answers.config.as_mut()
        && config
            .get("networkTunnel")
            .is_some_and(|t| t.get("rewrite").is_some())
    {
        config.shift_remove("networkTunnel");
    }
    state.answers.tunnel = Some(TunnelAnswer::None);
    Reply::then(
        crate::tui::session::sync_config_draft(state),
        Transition::Next,
    )
}

/// Next: check; keep the answer (and, for the connector's own tunnel, the config); go on to step 5.
fn next(state: &mut State) -> Reply {
    let t = &mut state.tunnel;
    let Some(form) = &t.form else {
        return Reply::stay();
    };
    let n = t.ui.check_all(form);
    if n > 0 {
        t.notice = Some(Notice {
            text: format!(
                "✗ {} attention; the first one has the focus.",
                if n == 1 {
                    "1 field needs".to_string()
                } else {
                    format!("{n} fields need")
                }
            ),
            bad: true,
        });
        return Reply::stay();
    }
    t.notice = None;
    let answer = ts::answer(&form.to_config());
    if let (Some(p), Some(cfg)) = (&t.builtin, state.config.form.as_mut()) {
        let at = ts::forwarding_pointer(p);
        let _ = match &answer {
            TunnelAnswer::Connector(_) => {
                let mut v = form.to_config();
                if let Some(m) = v.as_object_mut() {
                    m.shift_remove(TAG);
                }
                cfg.set(&at, v)
            }
            _ => cfg.unset(&at).map(|_| ()),
        };
        state.answers.config = Some(cfg.to_config());
    } else if let Some(Value::Object(config)) = state.answers.config.as_mut() {
        // catwalk's own tunnel is saved with the config, in the shape the commands read.
        match &answer {
            TunnelAnswer::Catwalk(c) => {
                config.insert("networkTunnel".into(), c.network_tunnel());
            }
            _ => {
                config.shift_remove("networkTunnel");
            }
        }
    }
    state.answers.tunnel = Some(answer);
    // The draft gets the tunnel (its key left out) and the config's values.
    state.answers.config_values = None;
    Reply::then(
        crate::tui::session::sync_config_draft(state),
        Transition::Next,
    )
}

fn form_area(state: &State) -> Rect {
    let body = crate::tui::layout::areas(state.screen()).body;
    areas(body, super::tunnel_view::head_height(state)).form
}

/// Keep the form's scroll valid for the terminal's size.
pub fn clamp(state: &mut State) {
    let h = form_area(state).height as usize;
    state.tunnel.ui.scroll(h);
}

fn outcome(state: &mut State, out: Outcome) -> Reply {
    match out {
        Outcome::Next => next(state),
        Outcome::Back => Reply::go(Transition::Back),
        Outcome::Read(path) => {
            let id = state.next_req();
            state.tunnel.file_req = Some(id);
            vec![Cmd::ReadFile(id, path)].into()
        }
        Outcome::Changed | Outcome::Nothing => Reply::stay(),
    }
}

/// A file read for this step (a private key).
pub fn on_file(state: &mut State, id: ReqId, result: Result<FileText, String>) -> Vec<Cmd> {
    let t = &mut state.tunnel;
    if t.file_req != Some(id) {
        return Vec::new();
    }
    t.file_req = None;
    let (Some(form), Some(FileTarget::Field(at))) = (t.form.as_mut(), t.ui.reading().cloned())
    else {
        return Vec::new();
    };
    match result {
        Err(e) => t.ui.read_failed(e),
        Ok(file) => {
            t.ui.fill_field(form, &at, &file.text);
            let (text, bad) = match ts::check_key(&file.text) {
                Ok(()) => (
                    format!(
                        "Read the private key from {} ({}){}.",
                        file.path,
                        crate::tui::widgets::field::lines(&file.text),
                        if ts::is_encrypted(&file.text) {
                            "; it has a passphrase: type it in Key passphrase"
                        } else {
                            ""
                        }
                    ),
                    false,
                ),
                Err(e) => (format!("{}: {e}", file.path), true),
            };
            t.notice = Some(Notice { text, bad });
        }
    }
    clamp(state);
    Vec::new()
}

pub struct TunnelStep;

impl Step for TunnelStep {
    fn contexts(state: &State) -> Vec<Ctx> {
        let t = &state.tunnel;
        if t.form.is_none() {
            return vec![Ctx::Page];
        }
        let mut ctxs = t.ui.contexts();
        if t.ui.popup.is_none() && t.is_off() {
            ctxs.insert(0, Ctx::NoTunnel);
        }
        ctxs
    }

    fn enter(state: &mut State) -> Reply {
        enter(state)
    }

    /// Passed over (going back too) when catwalk's tunnel does not apply to this config.
    fn applies(state: &State) -> bool {
        state.tunnel.skipped.is_none()
    }

    fn on_action(state: &mut State, action: Action) -> Reply {
        let area = form_area(state);
        let theme = state.theme;
        let t = &mut state.tunnel;
        let Some(form) = t.form.as_mut() else {
            if action == Action::Back {
                return Reply::go(Transition::Back);
            }
            return Reply::stay();
        };
        if t.notice.as_ref().is_some_and(|n| !n.bad) {
            t.notice = None;
        }
        let out = t.ui.on_action(form, action, area, &theme);
        let cmds = outcome(state, out);
        clamp(state);
        cmds
    }

    fn on_text(state: &mut State, text: &str) -> Reply {
        let theme = state.theme;
        let t = &mut state.tunnel;
        if let Some(form) = t.form.as_mut() {
            t.ui.on_text(form, text, &theme);
        }
        clamp(state);
        Reply::stay()
    }

    fn on_key(state: &mut State, key: KeyEvent) -> Reply {
        state.tunnel.ui.on_key(key);
        Reply::stay()
    }

    fn on_mouse(state: &mut State, body: Rect, ev: MouseEvent) -> Reply {
        let area = areas(body, super::tunnel_view::head_height(state)).form;
        let theme = state.theme;
        let t = &mut state.tunnel;
        let Some(form) = t.form.as_mut() else {
            return Reply::stay();
        };
        let out = t.ui.mouse(form, ev, area, &theme);
        let cmds = outcome(state, out);
        clamp(state);
        cmds
    }

    fn view(state: &State, frame: &mut Frame, body: Rect) {
        super::tunnel_view::view(state, frame, body);
    }
}
