//! One SSH session to the bastion, made step by step so that a failure names its step: TCP connect, host key
//! (known_hosts), publickey authentication; then direct-tcpip channels to the forward target.

use super::known_hosts::{self, HostKeyPolicy, Verdict};
use super::{STEP_TIMEOUT, SshSettings, SshTarget, Step, TunnelError, host_port, key};
use russh::client;
use russh::keys::{PrivateKeyWithHashAlg, PublicKey};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// The SSH server's host key, and what known_hosts says of it.
#[derive(Debug, Clone)]
pub struct ServerKey {
    pub key: PublicKey,
    /// `SHA256:…`
    pub fingerprint: String,
    /// e.g. `ssh-ed25519`.
    pub algorithm: String,
    pub verdict: Verdict,
    /// The known_hosts file consulted.
    pub known_hosts: PathBuf,
}

/// What [`check_path`] found.
#[derive(Debug, Clone)]
pub struct PathReport {
    pub host_key: String,
    /// The host key was new and has been recorded (the policy accepts new keys).
    pub learned: bool,
    /// The forward target was reached from the SSH server (false when none was given).
    pub forward_checked: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// Check the key against known_hosts (recording a new one when the policy says so).
    Verify,
    /// Only capture the key and end the handshake.
    Fetch,
}

#[derive(Default)]
struct Seen {
    key: Option<ServerKey>,
    learned: bool,
    problem: Option<String>,
}

pub(super) struct Client {
    target: SshTarget,
    policy: HostKeyPolicy,
    mode: Mode,
    seen: Arc<Mutex<Seen>>,
    progress: Progress,
}

/// Told each step of the path as it passes (for the wizard to tick them off as they happen).
pub type Progress = Arc<dyn Fn(Step) + Send + Sync>;

/// A [`Progress`] that tells nobody.
pub fn quiet() -> Progress {
    Arc::new(|_| {})
}

impl client::Handler for Client {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        server_key: &russh::keys::PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        // The server answered as an SSH server and showed its key: it is reached.
        (self.progress)(Step::Bastion);
        let mut seen = self.seen.lock().expect("not poisoned");
        let russh::keys::PublicKeyOrCertificate::PublicKey { key, .. } = server_key else {
            seen.problem = Some(
                "the SSH server presented a host certificate; catwalk checks plain host keys only"
                    .into(),
            );
            return Ok(false);
        };
        let path = self.policy.path();
        let verdict = match known_hosts::lookup(&path, &self.target.host, self.target.port, key) {
            Ok(v) => v,
            Err(e) => {
                seen.problem = Some(e);
                return Ok(false);
            }
        };
        let ok = match (self.mode, &verdict) {
            (Mode::Fetch, _) => false,
            (Mode::Verify, Verdict::Known) => true,
            (Mode::Verify, Verdict::Unknown) if self.policy.accept_new => {
                match known_hosts::append(&path, &self.target.host, self.target.port, key) {
                    Ok(()) => {
                        seen.learned = true;
                        true
                    }
                    Err(e) => {
                        seen.problem = Some(format!("the new host key could not be recorded: {e}"));
                        false
                    }
                }
            }
            (Mode::Verify, _) => false,
        };
        seen.key = Some(ServerKey {
            fingerprint: known_hosts::fingerprint(key),
            algorithm: key.algorithm().to_string(),
            key: key.clone(),
            verdict,
            known_hosts: path,
        });
        Ok(ok)
    }
}

pub(super) type Handle = client::Handle<Client>;

/// Steps 1 to 3: reach the server, check its host key, log in. The key is parsed first (no network needed).
pub(super) async fn connect(
    settings: &SshSettings,
    policy: &HostKeyPolicy,
    progress: &Progress,
) -> Result<(Handle, PathReport), TunnelError> {
    let key = key::parse(&settings.private_key, settings.passphrase.as_ref())?;
    let (handle, seen) = handshake(&settings.target, policy, Mode::Verify, progress).await?;
    progress(Step::HostKey);
    let mut handle =
        handle.ok_or_else(|| TunnelError::new(Step::HostKey, "the handshake ended early"))?;
    let report = {
        let seen = seen.lock().expect("not poisoned");
        PathReport {
            host_key: seen
                .key
                .as_ref()
                .map(|k| k.fingerprint.clone())
                .unwrap_or_default(),
            learned: seen.learned,
            forward_checked: false,
        }
    };
    authenticate(&mut handle, &settings.target, key).await?;
    progress(Step::Auth);
    Ok((handle, report))
}

/// Connect to the SSH server and get its host key, without logging in: for the wizard to show the fingerprint
/// (and, once the user accepts, [`HostKeyPolicy::accept`]).
pub async fn fetch_host_key(
    target: &SshTarget,
    policy: &HostKeyPolicy,
) -> Result<ServerKey, TunnelError> {
    let (_, seen) = handshake(target, policy, Mode::Fetch, &quiet()).await?;
    let seen = seen.lock().expect("not poisoned");
    seen.key
        .clone()
        .ok_or_else(|| TunnelError::new(Step::HostKey, "the SSH server presented no host key"))
}

/// Check the whole path a tunnel takes: steps 1 to 3, then (when given) opening a channel to the forward target
/// from the SSH server. Says which step failed.
pub async fn check_path(
    settings: &SshSettings,
    forward: Option<(&str, u16)>,
    policy: &HostKeyPolicy,
) -> Result<PathReport, TunnelError> {
    check_path_reporting(settings, forward, policy, &quiet()).await
}

/// [`check_path`], telling `progress` each step as it passes.
pub async fn check_path_reporting(
    settings: &SshSettings,
    forward: Option<(&str, u16)>,
    policy: &HostKeyPolicy,
    progress: &Progress,
) -> Result<PathReport, TunnelError> {
    let (handle, mut report) = connect(settings, policy, progress).await?;
    if let Some((host, port)) = forward {
        let channel = open_channel(&handle, host, port, "127.0.0.1", 0).await?;
        drop(channel);
        report.forward_checked = true;
        progress(Step::Forward);
    }
    let _ = handle
        .disconnect(russh::Disconnect::ByApplication, "", "en")
        .await;
    Ok(report)
}

/// Step 4: a direct-tcpip channel to `host:port`, opened by the SSH server.
pub(super) async fn open_channel(
    handle: &Handle,
    host: &str,
    port: u16,
    from_ip: &str,
    from_port: u16,
) -> Result<russh::Channel<client::Msg>, TunnelError> {
    let target = host_port(host, port);
    let opened = tokio::time::timeout(
        STEP_TIMEOUT,
        handle.channel_open_direct_tcpip(host, port.into(), from_ip, from_port.into()),
    )
    .await;
    let fail = |m: String| TunnelError::new(Step::Forward, m);
    use russh::ChannelOpenFailure as F;
    match opened {
        Ok(Ok(channel)) => Ok(channel),
        Err(_) => Err(fail(format!(
            "the SSH server did not reach {target} within {}s: the target may be down, or a firewall between it and the SSH server drops the connection",
            STEP_TIMEOUT.as_secs()
        ))),
        Ok(Err(russh::Error::ChannelOpenFailure(F::ConnectFailed))) => Err(fail(format!(
            "the SSH server could not connect to {target} (connection refused or host unreachable from there). \
             Check the forward host and port as the SSH server sees them, and that the service is running."
        ))),
        Ok(Err(russh::Error::ChannelOpenFailure(F::AdministrativelyProhibited))) => {
            Err(fail(format!(
                "the SSH server does not allow forwarding to {target}: its sshd_config must allow it (AllowTcpForwarding yes; PermitOpen)"
            )))
        }
        Ok(Err(e)) => Err(fail(format!(
            "the SSH server could not open a connection to {target}: {e}"
        ))),
    }
}

async fn handshake(
    target: &SshTarget,
    policy: &HostKeyPolicy,
    mode: Mode,
    progress: &Progress,
) -> Result<(Option<Handle>, Arc<Mutex<Seen>>), TunnelError> {
    let address = target.address();
    let tcp = tokio::time::timeout(
        STEP_TIMEOUT,
        tokio::net::TcpStream::connect((target.host.as_str(), target.port)),
    )
    .await;
    let stream = match tcp {
        Err(_) => {
            return Err(TunnelError::new(
                Step::Bastion,
                format!(
                    "no answer from {address} within {}s: the host may be down, or a firewall drops the connection. Check the host and port of the SSH endpoint.",
                    STEP_TIMEOUT.as_secs()
                ),
            ));
        }
        Ok(Err(e)) => return Err(TunnelError::new(Step::Bastion, tcp_error(&address, &e))),
        Ok(Ok(s)) => s,
    };
    let _ = stream.set_nodelay(true);
    let path = policy.path();
    let mut config = client::Config {
        inactivity_timeout: None,
        keepalive_interval: Some(std::time::Duration::from_secs(30)),
        ..Default::default()
    };
    // Ask first for the key types known_hosts has for this host, so that a known host is checked as known.
    let known = known_hosts::known_algorithms(&path, &target.host, target.port);
    if !known.is_empty() {
        let mut algs = known;
        for a in config.preferred.key.iter() {
            if !algs.contains(a) {
                algs.push(a.clone());
            }
        }
        config.preferred.key = algs.into();
    }
    let seen = Arc::new(Mutex::new(Seen::default()));
    let client = Client {
        target: target.clone(),
        policy: policy.clone(),
        mode,
        seen: seen.clone(),
        progress: progress.clone(),
    };
    let connected = tokio::time::timeout(
        STEP_TIMEOUT,
        client::connect_stream(Arc::new(config), stream, client),
    )
    .await;
    match connected {
        Ok(Ok(handle)) => Ok((Some(handle), seen)),
        Err(_) => Err(TunnelError::new(
            Step::Bastion,
            format!(
                "{address} accepted the connection but no SSH handshake completed within {}s: is it an SSH server?",
                STEP_TIMEOUT.as_secs()
            ),
        )),
        Ok(Err(e)) => {
            let seen_now = seen.lock().expect("not poisoned");
            if mode == Mode::Fetch && seen_now.key.is_some() {
                drop(seen_now);
                return Ok((None, seen));
            }
            if let Some(p) = &seen_now.problem {
                return Err(TunnelError::new(Step::HostKey, p.clone()));
            }
            match &seen_now.key {
                Some(k) => Err(host_key_refusal(target, k)),
                None => Err(TunnelError::new(
                    Step::Bastion,
                    format!(
                        "the SSH handshake with {address} failed: {e}. Is it an SSH server, on this port?"
                    ),
                )),
            }
        }
    }
}

fn host_key_refusal(target: &SshTarget, k: &ServerKey) -> TunnelError {
    let name = known_hosts::host_name(&target.host, target.port);
    let file = k.known_hosts.display();
    let message = match &k.verdict {
        Verdict::Changed { line } => format!(
            "REFUSED: THE SSH SERVER'S HOST KEY HAS CHANGED. {file} line {line} records another {alg} key for {name}, \
             but the server now presents {fp}. Someone may be intercepting the connection, or the server was \
             reinstalled. catwalk will not connect. If the change is expected (confirm the new fingerprint with the \
             server's administrator), remove the old entry with `ssh-keygen -R '{name}' -f {file}` and run again.",
            alg = k.algorithm,
            fp = k.fingerprint,
        ),
        Verdict::Revoked { line } => format!(
            "REFUSED: the SSH server's host key {} is marked @revoked in {file} line {line}.",
            k.fingerprint
        ),
        Verdict::Unknown | Verdict::Known => format!(
            "the SSH server {name} is not in {file}; it presents the {alg} host key {fp}. If that is the server's \
             key (its administrator can confirm with `ssh-keygen -lf /etc/ssh/ssh_host_{short}_key.pub`), accept it: \
             run again with --accept-new-host-key, or accept it in the wizard, or add it to {file} (`ssh-keyscan -p {port} {host} >> {file}`).",
            alg = k.algorithm,
            fp = k.fingerprint,
            short = k
                .algorithm
                .trim_start_matches("ssh-")
                .split('-')
                .next()
                .unwrap_or("ed25519"),
            port = target.port,
            host = target.host,
        ),
    };
    TunnelError::new(Step::HostKey, message)
}

fn tcp_error(address: &str, e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::ConnectionRefused => format!(
            "{address} refused the connection: no SSH server listens there. Check the host and port of the SSH endpoint, and that the server is running."
        ),
        K::HostUnreachable | K::NetworkUnreachable => format!(
            "{address} is unreachable from this machine ({e}): check the host, and the network or VPN."
        ),
        _ if e.to_string().contains("lookup") || e.to_string().contains("resolve") => {
            format!("cannot resolve the SSH server's host in {address} ({e}): check its spelling.")
        }
        _ => format!("cannot connect to {address}: {e}"),
    }
}

async fn authenticate(
    handle: &mut Handle,
    target: &SshTarget,
    key: russh::keys::PrivateKey,
) -> Result<(), TunnelError> {
    let fail = |m: String| TunnelError::new(Step::Auth, m);
    let public = known_hosts::fingerprint(key.public_key());
    let is_rsa = matches!(key.algorithm(), russh::keys::Algorithm::Rsa { .. });
    let hash = if is_rsa {
        tokio::time::timeout(STEP_TIMEOUT, handle.best_supported_rsa_hash())
            .await
            .ok()
            .and_then(Result::ok)
            .flatten()
            .flatten()
    } else {
        None
    };
    let key = PrivateKeyWithHashAlg::new(Arc::new(key), hash);
    let result = tokio::time::timeout(
        STEP_TIMEOUT,
        handle.authenticate_publickey(&target.user, key),
    )
    .await
    .map_err(|_| {
        fail(format!(
            "the SSH server did not answer the login within {}s",
            STEP_TIMEOUT.as_secs()
        ))
    })?
    .map_err(|e| fail(format!("the login failed: {e}")))?;
    match result {
        russh::client::AuthResult::Success => Ok(()),
        russh::client::AuthResult::Failure {
            remaining_methods,
            partial_success,
        } => {
            let offers_keys = remaining_methods
                .iter()
                .any(|m| matches!(m, russh::MethodKind::PublicKey));
            Err(fail(if partial_success {
                format!(
                    "the SSH server accepted the key for user {user} but asks for more (e.g. a password or a second factor), which a tunnel cannot give",
                    user = target.user
                )
            } else if !offers_keys && !remaining_methods.is_empty() {
                format!(
                    "the SSH server does not accept key logins for user {user}: configure it to (PubkeyAuthentication yes)",
                    user = target.user
                )
            } else {
                format!(
                    "the SSH server refused user {user} with this key: either there is no user {user} on the server \
                     (check the user in the SSH endpoint), or the key's public half ({public}) is not in that user's \
                     ~/.ssh/authorized_keys (check that you gave the right key).",
                    user = target.user
                )
            }))
        }
    }
}
