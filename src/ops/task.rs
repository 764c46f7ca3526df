//! A catalog task made ready to run: how to start its connector, and its config decrypted and routed through
//! its SSH tunnel (shared by `check` and `preview`).

use crate::catalog::{self, LoadedTask};
use crate::connector::Endpoint;
use crate::model::Protocol;
use crate::secrets::{self, SecretsError};
use crate::tunnel::{self, HostKeyPolicy, Secret, Tunnel, TunnelError};
use serde_json::Value;

/// How to run a task's connector: its image (with the protocol asked for, if any), or its local command,
/// which Flow runs with its own protocol (so do we, unless told otherwise). Dekaf endpoints cannot run here.
pub fn endpoint(
    task: &LoadedTask,
    protocol: Option<Protocol>,
) -> Result<(Endpoint, Option<Protocol>), String> {
    match &task.endpoint {
        catalog::Endpoint::Connector(c) => Ok((Endpoint::Image(c.image.clone()), protocol)),
        catalog::Endpoint::Local(l) => Ok((
            Endpoint::Local {
                command: l.command.clone(),
                env: l.env.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            },
            Some(protocol.unwrap_or(Protocol::Flow)),
        )),
        catalog::Endpoint::Dekaf(_) => Err(format!(
            "{} has a Dekaf endpoint, which runs inside Flow's control plane: catwalk cannot run it",
            task.name
        )),
    }
}

/// Where a task's config is, for messages: its file, or which inline config.
pub fn config_place(task: &LoadedTask) -> String {
    task.config_file
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| {
            format!(
                "the inline config of {} in {}",
                task.name,
                task.file.display()
            )
        })
}

/// A task's config as its connector gets it: decrypted in memory, pointed at the tunnel catwalk opened.
pub struct ReadyConfig {
    /// The config to send (no `networkTunnel` when catwalk runs the tunnel).
    pub config: Value,
    /// The decrypted config as written (what secret fields are registered from).
    pub decrypted: Value,
    /// Docker connectors must run on the host network to reach the tunnel.
    pub host_network: bool,
    /// Open until this is dropped or [`ReadyConfig::close`]d.
    pub tunnel: Option<Tunnel>,
    /// What the tunnel step did (no secret in it).
    pub note: Option<String>,
}

impl ReadyConfig {
    /// Close the tunnel; what went wrong in it while the connector ran.
    pub fn close(&mut self) -> Vec<String> {
        self.tunnel.take().map(Tunnel::close).unwrap_or_default()
    }
}

/// Why a config could not be made ready.
#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    #[error(transparent)]
    Secrets(#[from] SecretsError),
    #[error(transparent)]
    Tunnel(#[from] TunnelError),
}

/// Decrypt the task's config (sops, in memory only) and prepare its SSH tunnel (checking the path of a
/// connector's own tunnel, or opening the one catwalk runs).
pub async fn prepare_config(
    task: &LoadedTask,
    policy: &HostKeyPolicy,
    passphrase: Option<&Secret>,
) -> Result<ReadyConfig, PrepareError> {
    // sops is a blocking subprocess: off the async threads.
    let (config, place) = (task.config.clone(), config_place(task));
    let decrypted = super::secrets::blocking(move || secrets::decrypt(&config, &place)).await?;
    let p = tunnel::prepare(&decrypted, policy, passphrase).await?;
    Ok(ReadyConfig {
        config: p.config,
        decrypted,
        host_network: p.host_network,
        tunnel: p.tunnel,
        note: p.note,
    })
}
