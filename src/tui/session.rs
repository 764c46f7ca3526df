//! What the steps settle and share, apart from each step's screen state: the connector run (choice and
//! what its spec said), the config's fingerprint, the tunnel's use, the task's prefix and name as typed,
//! and requests one step leaves for another (the config field a check error names). Steps read these
//! through here, never through another step's module.

use super::connectors::ConnectorChoice;
use super::msg::{Cmd, Run, SshUse};
use super::state::State;
use super::tunnel_schema::TunnelAnswer;
use crate::catalog;
use serde_json::Value;

/// The prefix collections and the task are named under when nobody typed one.
pub const DEFAULT_PREFIX: &str = "acmeCo";

/// Settled things that are not answers of the draft.
#[derive(Debug, Clone, Default)]
pub struct Session {
    /// The task's prefix and name as typed on the review (empty: not typed, defaults apply).
    pub prefix: String,
    pub name: String,
    /// An error the config step is asked to focus the field of, when it is shown next.
    pub config_error: Option<String>,
}

/// A fingerprint of a config: equal configs, equal prints (key order ignored).
pub fn fingerprint(config: &Value) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    catalog::canonical_json(config).hash(&mut h);
    h.finish()
}

/// The connector's resource config schema, as its spec gave it (`null` before the spec is known).
pub fn resource_schema(state: &State) -> serde_json::Value {
    state
        .spec
        .outcome
        .as_ref()
        .map(|o| o.spec.resource_config_schema.clone())
        .unwrap_or_default()
}

/// The connector as step 2 found it, when there is one.
pub fn run_of(state: &State) -> Option<Run> {
    let choice = state.answers.connector.clone()?;
    let o = state.spec.outcome.as_ref()?;
    Some(Run {
        choice,
        protocol: o.protocol,
        kind: o.kind,
    })
}

/// What a task needs to use catwalk's tunnel: the key's passphrase (the host key to accept is added by
/// the check when the person said yes).
pub fn ssh_use(state: &State) -> SshUse {
    let passphrase = match &state.answers.tunnel {
        Some(TunnelAnswer::Catwalk(c)) if !c.passphrase.0.is_empty() => {
            Some(crate::tunnel::Secret::new(c.passphrase.0.clone()))
        }
        _ => None,
    };
    SshUse {
        passphrase,
        accept: None,
    }
}

/// The chosen connector as headings name it (`ConnectorChoice::describe`).
pub fn connector_label(state: &State) -> Option<String> {
    state.answers.connector.as_ref().map(|c| c.describe())
}

/// Whether the tunnel answer asks catwalk to open a tunnel.
pub fn catwalk_tunnel(state: &State) -> bool {
    matches!(state.answers.tunnel, Some(TunnelAnswer::Catwalk(_)))
}

/// The prefix in force: the one typed on the review, else the draft's, else [`DEFAULT_PREFIX`].
pub fn prefix(state: &State) -> String {
    let typed = &state.session.prefix;
    if !typed.is_empty() {
        return typed.trim_end_matches('/').to_string();
    }
    state
        .answers
        .save
        .as_ref()
        .map(|s| s.prefix.clone())
        .unwrap_or_else(|| DEFAULT_PREFIX.to_string())
}

/// The task's own name (after the prefix): the one typed on the review, else the connector's default.
pub fn task_name(state: &State, choice: &ConnectorChoice) -> String {
    match state.session.name.as_str() {
        "" => default_name(choice),
        typed => typed.to_string(),
    }
}

/// The capture's default name: from the image, or the local command's program (launchers skipped).
pub fn default_name(choice: &ConnectorChoice) -> String {
    match choice {
        ConnectorChoice::Image { image, .. } => catalog::connector_name(image),
        // `env X=1 python -m source_x` is named after `source-x`, not `env`.
        ConnectorChoice::Local { command, .. } => {
            let program: Vec<String> = crate::connector::endpoint::program_name(command)
                .into_iter()
                .collect();
            catalog::local_connector_name(&program)
        }
    }
}

/// The selected bindings of step 6 (by index into the discovered ones) with their full collection names
/// under `prefix`.
pub fn chosen(state: &State, prefix: &str) -> Vec<(usize, String)> {
    state
        .bindings
        .items
        .iter()
        .enumerate()
        .filter(|(_, it)| it.selected)
        .map(|(i, it)| (i, format!("{prefix}/{}", it.name)))
        .collect()
}

/// Save the config (secrets left out) in the draft when it changed since the last save.
pub fn sync_config_draft(state: &mut State) -> Vec<Cmd> {
    let Some(form) = &state.config.form else {
        return Vec::new();
    };
    let values = super::config_draft::public(form);
    if state.answers.config_values.as_deref() == Some(&values) {
        return Vec::new();
    }
    state.answers.config_values = Some(Box::new(values));
    let id = state.next_req();
    state.draft.req = Some(id);
    vec![Cmd::SaveDraft(
        id,
        super::draft::Draft::new(state.answers.clone()),
    )]
}
