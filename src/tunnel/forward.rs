//! A local forward: 127.0.0.1:PORT (explicit IPv4), each accepted connection bridged to the forward target over a
//! direct-tcpip channel of one SSH session. Ready once listening; closed when dropped.

use super::known_hosts::HostKeyPolicy;
use super::session::{self, Handle, Progress};
use super::{SshSettings, Step, TunnelError, host_port};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use tokio::task::{JoinHandle, JoinSet};

/// An open tunnel. Dropping it stops accepting, closes the listener and every bridged connection.
pub struct Tunnel {
    local: SocketAddr,
    target: String,
    task: JoinHandle<()>,
    errors: Arc<Mutex<Vec<String>>>,
    /// The SSH server's host key fingerprint, when it was new and has just been recorded in known_hosts.
    learned: Option<String>,
}

impl Tunnel {
    /// Listen on 127.0.0.1:`local_port` (a free port when `None`), check the path to `forward_host:forward_port`
    /// through the SSH server (every step, see [`super::check_path`]), then serve. Returns once listening.
    pub async fn open(
        settings: &SshSettings,
        forward_host: &str,
        forward_port: u16,
        local_port: Option<u16>,
        policy: &HostKeyPolicy,
    ) -> Result<Tunnel, TunnelError> {
        Self::open_reporting(
            settings,
            forward_host,
            forward_port,
            local_port,
            policy,
            &session::quiet(),
        )
        .await
    }

    /// [`Tunnel::open`], telling `progress` each step of the path as it passes.
    pub async fn open_reporting(
        settings: &SshSettings,
        forward_host: &str,
        forward_port: u16,
        local_port: Option<u16>,
        policy: &HostKeyPolicy,
        progress: &Progress,
    ) -> Result<Tunnel, TunnelError> {
        let bind = SocketAddr::from((Ipv4Addr::LOCALHOST, local_port.unwrap_or(0)));
        let listener = tokio::net::TcpListener::bind(bind).await.map_err(|e| {
            TunnelError::new(
                Step::Listen,
                if e.kind() == std::io::ErrorKind::AddrInUse {
                    format!(
                        "{bind} is already in use by another program: choose another local port, or leave it empty for a free one"
                    )
                } else {
                    format!("cannot listen on {bind}: {e}")
                },
            )
        })?;
        let local = listener
            .local_addr()
            .map_err(|e| TunnelError::new(Step::Listen, format!("cannot listen on {bind}: {e}")))?;
        let (handle, report) = session::connect(settings, policy, progress).await?;
        // Step 4 before anyone connects: a target that cannot be reached fails the opening, not the connector.
        drop(session::open_channel(&handle, forward_host, forward_port, "127.0.0.1", 0).await?);
        progress(Step::Forward);
        let errors = Arc::new(Mutex::new(Vec::new()));
        let target = host_port(forward_host, forward_port);
        let task = tokio::spawn(serve(
            listener,
            Arc::new(handle),
            forward_host.to_string(),
            forward_port,
            errors.clone(),
        ));
        tracing::debug!("SSH tunnel {local} -> {} -> {target} open", settings.target);
        Ok(Tunnel {
            local,
            target,
            task,
            errors,
            learned: report.learned.then_some(report.host_key),
        })
    }

    /// 127.0.0.1:PORT.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// The host key's fingerprint when opening the tunnel recorded it in known_hosts (a new key, accepted).
    pub fn learned_host_key(&self) -> Option<&str> {
        self.learned.as_deref()
    }

    pub fn local_port(&self) -> u16 {
        self.local.port()
    }

    /// Failures of the tunnel since it opened (a connection it could not bridge, the session lost).
    pub fn errors(&self) -> Vec<String> {
        self.errors.lock().expect("not poisoned").clone()
    }

    /// Close it, returning the failures it had.
    pub fn close(self) -> Vec<String> {
        self.task.abort();
        self.errors()
    }
}

impl Drop for Tunnel {
    fn drop(&mut self) {
        self.task.abort();
        tracing::debug!("SSH tunnel {} -> {} closed", self.local, self.target);
    }
}

async fn serve(
    listener: tokio::net::TcpListener,
    handle: Arc<Handle>,
    host: String,
    port: u16,
    errors: Arc<Mutex<Vec<String>>>,
) {
    let record = |errors: &Mutex<Vec<String>>, m: String| {
        tracing::warn!("{m}");
        errors.lock().expect("not poisoned").push(m);
    };
    // Owned here: aborting this task drops the listener and every bridge.
    let mut bridges = JoinSet::new();
    loop {
        while bridges.try_join_next().is_some() {}
        let (mut socket, peer) = match listener.accept().await {
            Ok(a) => a,
            Err(e) => {
                record(
                    &errors,
                    format!("SSH tunnel: accepting a connection failed: {e}"),
                );
                continue;
            }
        };
        if handle.is_closed() {
            record(
                &errors,
                "SSH tunnel: the session to the SSH server was lost; the tunnel is closed".into(),
            );
            return;
        }
        let (handle, host, errors) = (handle.clone(), host.clone(), errors.clone());
        bridges.spawn(async move {
            let _ = socket.set_nodelay(true);
            match session::open_channel(&handle, &host, port, &peer.ip().to_string(), peer.port())
                .await
            {
                Ok(channel) => {
                    let mut stream = channel.into_stream();
                    if let Err(e) = tokio::io::copy_bidirectional(&mut socket, &mut stream).await {
                        tracing::debug!("SSH tunnel connection from {peer} ended: {e}");
                    }
                }
                Err(e) => record(&errors, e.to_string()),
            }
        });
    }
}
