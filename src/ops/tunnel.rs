//! SSH tunnels around a connector run: the one call an operation makes once it has the config and before
//! the connector runs with it (see `crate::tunnel::prepare`); what was done and what went wrong in the
//! tunnel go to the operation's reporter.

use super::exit::{self, Failure};
use super::report::{Event, Reporter};
use crate::tunnel::{self, HostKeyPolicy, Secret, Step, Tunnel};
use serde_json::Value;

pub use crate::tunnel::PASSPHRASE_ENV;

/// A config ready for the connector, and the tunnel it goes through (closed when this is dropped).
pub struct Ready {
    pub config: Value,
    /// Docker connectors must run on the host network to reach the tunnel.
    pub host_network: bool,
    pub tunnel: Option<Tunnel>,
    /// What was done (no secret in it).
    pub note: Option<String>,
    /// Where the tunnel's late errors go.
    pub report: Reporter,
}

impl Drop for Ready {
    /// Whatever went wrong in the tunnel while the connector ran is said once it is closed.
    fn drop(&mut self) {
        if let Some(t) = self.tunnel.take() {
            for e in t.close() {
                (self.report)(Event::Warn(e));
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

/// Check the path of a connector's own tunnel, or open the tunnel catwalk runs; report what was done.
pub async fn prepare(
    config: &Value,
    policy: &HostKeyPolicy,
    report: &Reporter,
) -> Result<Ready, Failure> {
    let ready = prepare_with(config, policy, report).await.map_err(|e| {
        let mut message = e.to_string();
        if e.step == Step::Key && message.contains("passphrase") {
            message.push_str(&format!(" (commands read it from ${PASSPHRASE_ENV})"));
        }
        Failure::new(exit::of_tunnel(&e), message)
    })?;
    if let Some(note) = &ready.note {
        report(Event::Note(note.clone()));
    }
    Ok(ready)
}

/// [`prepare`] reporting nothing of its own; the error is the tunnel's own.
pub async fn prepare_with(
    config: &Value,
    policy: &HostKeyPolicy,
    report: &Reporter,
) -> Result<Ready, tunnel::TunnelError> {
    let passphrase = std::env::var(PASSPHRASE_ENV).ok().map(Secret::new);
    let p = tunnel::prepare(config, policy, passphrase.as_ref()).await?;
    Ok(Ready {
        config: p.config,
        host_network: p.host_network,
        tunnel: p.tunnel,
        note: p.note,
        report: report.clone(),
    })
}
