//! SSH tunnels around a connector run: the one call a verb makes once it has the config and before the
//! connector runs with it (see `crate::tunnel::prepare`).

use super::args::RunArgs;
use super::{Failure, exit, output};
use crate::tunnel::{self, HostKeyPolicy, Secret, Step, Tunnel};
use serde_json::Value;

/// The passphrase of an encrypted SSH key, for the commands (never a command-line argument).
pub const PASSPHRASE_ENV: &str = "CATWALK_SSH_KEY_PASSPHRASE";

/// A config ready for the connector, and the tunnel it goes through (closed when this is dropped).
pub struct Ready {
    pub config: Value,
    /// Docker connectors must run on the host network to reach the tunnel.
    pub host_network: bool,
    pub tunnel: Option<Tunnel>,
    /// What was done (no secret in it).
    pub note: Option<String>,
}

impl Drop for Ready {
    /// Whatever went wrong in the tunnel while the connector ran is said once it is closed.
    fn drop(&mut self) {
        if let Some(t) = self.tunnel.take() {
            for e in t.close() {
                output::warn(&e);
            }
        }
    }
}

impl Ready {
    /// The Docker network to run the connector on.
    pub fn network<'a>(&self, asked: &'a str) -> &'a str {
        if self.host_network { "host" } else { asked }
    }
}

/// The host-key policy of the commands.
pub fn policy(accept_new: bool, known_hosts: Option<std::path::PathBuf>) -> HostKeyPolicy {
    HostKeyPolicy {
        file: known_hosts,
        accept_new,
    }
}

/// Check the path of a connector's own tunnel, or open the tunnel catwalk runs; say what was done.
pub async fn prepare(config: &Value, run: &RunArgs) -> Result<Ready, Failure> {
    let ready = prepare_with(
        config,
        &policy(run.accept_new_host_key, run.known_hosts.clone()),
    )
    .await
    .map_err(|e| {
        let mut message = e.to_string();
        if e.step == Step::Key && message.contains("passphrase") {
            message.push_str(&format!(" (commands read it from ${PASSPHRASE_ENV})"));
        }
        Failure::new(exit_code(&e), message)
    })?;
    if let Some(note) = &ready.note {
        output::note(note);
    }
    Ok(ready)
}

/// [`prepare`] with an explicit policy, printing nothing; the error is the tunnel's own.
pub async fn prepare_with(
    config: &Value,
    policy: &HostKeyPolicy,
) -> Result<Ready, tunnel::TunnelError> {
    let passphrase = std::env::var(PASSPHRASE_ENV).ok().map(Secret::new);
    let p = tunnel::prepare(config, policy, passphrase.as_ref()).await?;
    Ok(Ready {
        config: p.config,
        host_network: p.host_network,
        tunnel: p.tunnel,
        note: p.note,
    })
}

pub(super) fn exit_code(e: &tunnel::TunnelError) -> exit::ExitKind {
    match e.step {
        Step::Settings | Step::Key => exit::INVALID,
        _ => exit::ENVIRONMENT,
    }
}
