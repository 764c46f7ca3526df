//! SSH tunnels, with russh: the key stays in memory.
//!
//! - [`check_path`] checks, step by step, the path a connector's own tunnel will take (bastion reachable, host
//!   key, authentication, forward target reachable from the bastion) and says which step failed.
//! - [`Tunnel::open`] runs a local forward on 127.0.0.1 for connectors without a tunnel of their own.
//! - [`config`] reads both `networkTunnel` shapes from a connector config; [`prepare`] is the one call the
//!   commands make before a connector runs.
//! - Host keys: known_hosts is honoured ([`known_hosts`]); an unknown key is refused unless the policy accepts
//!   new keys, and [`fetch_host_key`] + [`HostKeyPolicy::accept`] let the wizard show it and accept it.

pub mod config;
mod forward;
pub mod key;
pub mod known_hosts;
mod prepare;
mod session;

pub use config::{Owner, TunnelConfig};
pub use forward::Tunnel;
pub use key::Secret;
pub use known_hosts::HostKeyPolicy;
pub use prepare::{Prepared, prepare, prepare_reporting};
pub use session::{
    PathReport, Progress, ServerKey, check_path, check_path_reporting, fetch_host_key,
};

use std::fmt;
use std::time::Duration;

/// The passphrase of an encrypted SSH key, from the environment (never a command-line argument).
pub const PASSPHRASE_ENV: &str = "CATWALK_SSH_KEY_PASSPHRASE";

/// How long connecting to the bastion (TCP and SSH handshake) and each later step may take.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(20);

/// The step of the path that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The tunnel settings themselves (endpoint, key).
    Settings,
    /// Reading the private key.
    Key,
    /// TCP connection to the SSH server.
    Bastion,
    /// The SSH server's host key.
    HostKey,
    /// Logging in with the key.
    Auth,
    /// Reaching the forward target from the SSH server.
    Forward,
    /// Listening on the local end.
    Listen,
}

impl Step {
    pub fn title(self) -> &'static str {
        match self {
            Step::Settings => "tunnel settings",
            Step::Key => "private key",
            Step::Bastion => "step 1 of 4, reaching the SSH server",
            Step::HostKey => "step 2 of 4, the SSH server's host key",
            Step::Auth => "step 3 of 4, logging in",
            Step::Forward => "step 4 of 4, reaching the forward target from the SSH server",
            Step::Listen => "the tunnel's local end",
        }
    }
}

/// A tunnel failure: which step, and what is wrong and what to do. Never carries the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TunnelError {
    pub step: Step,
    pub message: String,
}

impl TunnelError {
    pub fn new(step: Step, message: impl Into<String>) -> Self {
        Self {
            step,
            message: message.into(),
        }
    }
}

impl fmt::Display for TunnelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SSH tunnel, {}: {}", self.step.title(), self.message)
    }
}

impl std::error::Error for TunnelError {}

/// The SSH server to go through: `ssh://user@host[:port]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshTarget {
    pub user: String,
    pub host: String,
    pub port: u16,
}

impl SshTarget {
    /// Read `ssh://user@host[:port]` (or `ssh://host[:port]` with the user given apart, as the older shape has).
    pub fn parse(endpoint: &str, user: Option<&str>) -> Result<SshTarget, String> {
        const SHAPE: &str =
            "expected ssh://user@host[:port], e.g. ssh://flow@bastion.example.com:22";
        let rest = endpoint
            .trim()
            .strip_prefix("ssh://")
            .ok_or_else(|| format!("{endpoint:?} does not start with ssh:// ({SHAPE})"))?;
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let (in_url, hostport) = match rest.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, rest),
        };
        let user = in_url
            .or(user)
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .ok_or_else(|| format!("{endpoint:?} names no user ({SHAPE})"))?;
        let (host, port) = match hostport.strip_prefix('[') {
            Some(v6) => {
                let (h, after) = v6
                    .split_once(']')
                    .ok_or_else(|| format!("{endpoint:?}: an IPv6 host needs its closing ]"))?;
                (h, after.strip_prefix(':'))
            }
            None => match hostport.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (hostport, None),
            },
        };
        if host.is_empty() || host.contains(['/', ' ', '@', ':']) && !hostport.starts_with('[') {
            return Err(format!("{endpoint:?} names no valid host ({SHAPE})"));
        }
        let port = match port {
            None => 22,
            Some(p) => p.parse::<u16>().ok().filter(|n| *n > 0).ok_or_else(|| {
                format!("{endpoint:?}: the port must be a number from 1 to 65535")
            })?,
        };
        Ok(SshTarget {
            user: user.to_string(),
            host: host.to_string(),
            port,
        })
    }

    /// `host:port` (IPv6 in brackets), for messages and connecting.
    pub fn address(&self) -> String {
        host_port(&self.host, self.port)
    }
}

impl fmt::Display for SshTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.user, self.address())
    }
}

/// `host:port`, with an IPv6 host in brackets.
pub fn host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// What a tunnel needs to reach the SSH server and log in.
#[derive(Debug, Clone)]
pub struct SshSettings {
    pub target: SshTarget,
    pub private_key: Secret,
    /// For an encrypted key.
    pub passphrase: Option<Secret>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        let t = SshTarget::parse("ssh://flow@bastion.example.com:2222", None).unwrap();
        assert_eq!(
            (t.user.as_str(), t.host.as_str(), t.port),
            ("flow", "bastion.example.com", 2222)
        );
        let t = SshTarget::parse("ssh://bastion", Some("old")).unwrap();
        assert_eq!((t.user.as_str(), t.port), ("old", 22));
        let t = SshTarget::parse("ssh://a@[::1]:22", None).unwrap();
        assert_eq!(t.address(), "[::1]:22");
        for (bad, says) in [
            ("bastion:22", "ssh://"),
            ("ssh://bastion", "no user"),
            ("ssh://u@h:0", "1 to 65535"),
            ("ssh://u@", "no valid host"),
        ] {
            let e = SshTarget::parse(bad, None).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }
}
