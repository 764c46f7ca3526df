//! The one call the commands make before a connector runs with a config.

use super::config::{self, Owner};
use super::session::{Progress, quiet};
use super::{HostKeyPolicy, Secret, Tunnel, TunnelError, check_path_reporting, host_port};
use serde_json::Value;

/// A config made ready to run.
pub struct Prepared {
    /// The config to give the connector (for a tunnel catwalk runs: without `networkTunnel`, pointed at it).
    pub config: Value,
    /// The tunnel catwalk opened; it closes when this is dropped, so keep it until the connector has finished.
    pub tunnel: Option<Tunnel>,
    /// A Docker connector must use host networking to reach the tunnel on 127.0.0.1.
    pub host_network: bool,
    /// What was done, for the user (no secret in it).
    pub note: Option<String>,
}

/// Read the config's `networkTunnel`. A connector-owned tunnel: check the path (every step; the connector opens
/// its own tunnel). A catwalk-owned one: open the local forward and rewrite the config. No tunnel: as it is.
pub async fn prepare(
    config: &Value,
    policy: &HostKeyPolicy,
    passphrase: Option<&Secret>,
) -> Result<Prepared, TunnelError> {
    prepare_reporting(config, policy, passphrase, &quiet()).await
}

/// [`prepare`], telling `progress` each step of the SSH path as it passes (the wizard ticks them off).
pub async fn prepare_reporting(
    config: &Value,
    policy: &HostKeyPolicy,
    passphrase: Option<&Secret>,
    progress: &Progress,
) -> Result<Prepared, TunnelError> {
    let Some(mut t) = config::from_config(config)? else {
        return Ok(Prepared {
            config: config.clone(),
            tunnel: None,
            host_network: false,
            note: None,
        });
    };
    t.settings.passphrase = passphrase.cloned();
    let via = t.settings.target.to_string();
    match &t.owner {
        Owner::Connector => {
            let forward = t.forward.as_ref().map(|(h, p)| (h.as_str(), *p));
            let report = check_path_reporting(&t.settings, forward, policy, progress).await?;
            let target = match &t.forward {
                Some((h, p)) => format!("{} reachable from it", host_port(h, *p)),
                None => "the forward target not checked (the config has no address or host/port field catwalk recognises)".into(),
            };
            Ok(Prepared {
                config: config.clone(),
                tunnel: None,
                host_network: false,
                note: Some(format!(
                    "SSH path checked for the connector's own tunnel: {via}, host key {}{}, logged in, {target}.",
                    report.host_key,
                    if report.learned {
                        " (new: recorded in known_hosts)"
                    } else {
                        ""
                    },
                )),
            })
        }
        Owner::Catwalk { rewrite } => {
            let (host, port) = t.forward.clone().expect("a catwalk tunnel has its target");
            let tunnel =
                Tunnel::open_reporting(&t.settings, &host, port, t.local_port, policy, progress)
                    .await?;
            let config = config::rewrite(config, rewrite, tunnel.local_port())?;
            let mut note = format!(
                "SSH tunnel open: {} -> {via} -> {}; config fields pointed at it: {}.",
                tunnel.local_addr(),
                host_port(&host, port),
                if rewrite.is_empty() {
                    "none".to_string()
                } else {
                    rewrite.join(", ")
                }
            );
            if let Some(fp) = tunnel.learned_host_key() {
                note.push_str(&format!(
                    " New host key {fp} recorded in {}.",
                    policy.path().display()
                ));
            }
            Ok(Prepared {
                config,
                tunnel: Some(tunnel),
                host_network: true,
                note: Some(note),
            })
        }
    }
}
