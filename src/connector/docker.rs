//! Docker connectors through bollard: connect (negotiating the API version), inspect, pull with progress,
//! run attached, and remove the container on every path (success, error, timeout, cancel, panic).
//! Containers are labelled `catwalk=1` with our pid; leftovers of a catwalk that was killed are reaped.
//! Input files (configs with secrets) go into the container through the Docker API, uploaded as an archive
//! between create and start: no host file a local user could read, gone with the container.

use super::error::ConnectorError;
use super::files;
use super::process::{
    Arg, Exit, Invocation, LineSplitter, LogCollector, ProcessControl, Running, send_lines,
};
use bollard::Docker;
use bollard::container::LogOutput;
use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{
    AttachContainerOptionsBuilder, CreateContainerOptionsBuilder, CreateImageOptionsBuilder,
    ListContainersOptionsBuilder, RemoveContainerOptionsBuilder, UploadToContainerOptionsBuilder,
    WaitContainerOptionsBuilder,
};
use futures_util::future::BoxFuture;
use futures_util::{FutureExt, StreamExt};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;

/// The directory input files are put in, at the container's root (`/catwalk/config.json`).
const INPUT_DIR: &str = "catwalk";
pub const LABEL: &str = "catwalk";
const LABEL_PID: &str = "catwalk.pid";
const LABEL_HOST: &str = "catwalk.hostname";
/// `catwalk.run=$CATWALK_RUN_LABEL` when that variable is set: lets a test run find its own containers.
const LABEL_RUN: &str = "catwalk.run";
const RUN_LABEL_ENV: &str = "CATWALK_RUN_LABEL";

/// Bytes pulled so far, summed over layers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PullProgress {
    pub image: String,
    pub done: u64,
    pub total: u64,
    pub layers: usize,
    /// Docker's latest status line, e.g. `Downloading` or `Pull complete`.
    pub status: String,
}

pub type PullSink = Arc<dyn Fn(&PullProgress) + Send + Sync>;

/// What an image says about itself.
#[derive(Debug, Clone, Default)]
pub struct ImageInfo {
    pub reference: String,
    pub id: String,
    /// `repo@sha256:...` when the image came from a registry.
    pub digest: Option<String>,
    pub labels: HashMap<String, String>,
    pub env: BTreeMap<String, String>,
    pub user: Option<String>,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
}

/// A connection to a Docker daemon.
#[derive(Clone)]
pub struct DockerHost {
    docker: Docker,
    host: String,
}

impl DockerHost {
    /// Connect using `DOCKER_HOST` (or the default socket) and agree on an API version with the daemon.
    pub async fn connect() -> Result<DockerHost, ConnectorError> {
        let host =
            std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".into());
        let unavailable = |reason: String| ConnectorError::DockerUnavailable {
            host: host.clone(),
            reason,
        };
        let docker = Docker::connect_with_defaults()
            .map_err(|e| unavailable(e.to_string()))?
            .with_timeout(Duration::from_secs(120));
        let docker = tokio::time::timeout(Duration::from_secs(15), docker.negotiate_version())
            .await
            .map_err(|_| unavailable("no answer within 15s".into()))?
            .map_err(|e| unavailable(describe(&e)))?;
        let me = DockerHost { docker, host };
        me.reap_stale().await;
        super::leftovers::reap_once();
        Ok(me)
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    /// The Engine API, for the image verbs (`wrap`: build and push).
    pub(super) fn api(&self) -> &Docker {
        &self.docker
    }

    /// Inspect the image, pulling it first when it is absent (never for `:local` tags).
    pub async fn ensure_image(
        &self,
        image: &str,
        progress: Option<PullSink>,
    ) -> Result<ImageInfo, ConnectorError> {
        match self.inspect(image).await {
            Ok(info) => return Ok(info),
            Err(e) if status_of(&e) == Some(404) => {}
            Err(e) => return Err(self.docker_error(image, e)),
        }
        if image.ends_with(":local") {
            return Err(ConnectorError::ImageNotFound {
                image: image.into(),
                reason: "images tagged `:local` are never pulled".into(),
            });
        }
        self.pull(image, progress).await?;
        self.inspect(image)
            .await
            .map_err(|e| self.docker_error(image, e))
    }

    pub(super) async fn inspect(&self, image: &str) -> Result<ImageInfo, bollard::errors::Error> {
        let inspect = self.docker.inspect_image(image).await?;
        let config = inspect.config.unwrap_or_default();
        let env = config
            .env
            .unwrap_or_default()
            .into_iter()
            .filter_map(|kv| {
                kv.split_once('=')
                    .map(|(k, v)| (k.to_string(), v.to_string()))
            })
            .collect();
        Ok(ImageInfo {
            reference: image.to_string(),
            id: inspect.id.unwrap_or_default(),
            digest: inspect.repo_digests.and_then(|d| d.into_iter().next()),
            labels: config.labels.unwrap_or_default(),
            env,
            user: config.user.filter(|u| !u.is_empty()),
            entrypoint: config.entrypoint.unwrap_or_default(),
            cmd: config.cmd.unwrap_or_default(),
        })
    }

    async fn pull(&self, image: &str, progress: Option<PullSink>) -> Result<(), ConnectorError> {
        let (from_image, tag) = split_tag(image);
        let mut opts = CreateImageOptionsBuilder::default().from_image(from_image);
        if let Some(tag) = tag {
            opts = opts.tag(tag);
        }
        let mut stream = self.docker.create_image(Some(opts.build()), None, None);
        let mut layers: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        while let Some(item) = stream.next().await {
            let info = item.map_err(|e| pull_error(image, &e))?;
            if let Some(detail) = info.error_detail.and_then(|d| d.message) {
                return Err(pull_error_message(image, detail));
            }
            let status = info.status.unwrap_or_default();
            // Layer ids are short hex digests; "Pulling from <repo>" carries the tag as its id.
            if let Some(id) = info.id.filter(|id| is_layer_id(id)) {
                let entry = layers.entry(id).or_default();
                if let Some(p) = &info.progress_detail
                    && status.starts_with("Downloading")
                {
                    entry.0 = p.current.unwrap_or(0).max(0) as u64;
                    entry.1 = p.total.unwrap_or(0).max(0) as u64;
                }
                if status == "Download complete"
                    || status == "Pull complete"
                    || status == "Already exists"
                {
                    entry.0 = entry.1;
                }
            }
            if let Some(sink) = &progress {
                sink(&PullProgress {
                    image: image.to_string(),
                    done: layers.values().map(|l| l.0).sum(),
                    total: layers.values().map(|l| l.1).sum(),
                    layers: layers.len(),
                    status,
                });
            }
        }
        Ok(())
    }

    /// Create, attach and start a container for one invocation.
    pub(crate) async fn start(
        &self,
        image: &ImageInfo,
        inv: &Invocation,
        network: &str,
        logs: LogCollector,
    ) -> Result<Running, ConnectorError> {
        let archive = if inv.files.is_empty() {
            None
        } else {
            Some(files::archive(INPUT_DIR, &inv.files)?)
        };
        let cmd: Vec<String> = inv
            .args
            .iter()
            .map(|a| match a {
                Arg::Lit(s) => s.clone(),
                Arg::File(name) => format!("/{INPUT_DIR}/{name}"),
            })
            .collect();
        // Airbyte images may name their entrypoint only in AIRBYTE_ENTRYPOINT.
        let entrypoint = match (
            image.entrypoint.is_empty(),
            image.env.get("AIRBYTE_ENTRYPOINT"),
        ) {
            (true, Some(ep)) => Some(ep.split_whitespace().map(str::to_string).collect()),
            _ => None,
        };
        let mut labels = HashMap::from([
            (LABEL.to_string(), "1".to_string()),
            (LABEL_PID.to_string(), std::process::id().to_string()),
            (LABEL_HOST.to_string(), hostname()),
        ]);
        if let Some(run) = std::env::var(RUN_LABEL_ENV).ok().filter(|r| !r.is_empty()) {
            labels.insert(LABEL_RUN.to_string(), run);
        }
        let body = ContainerCreateBody {
            image: Some(image.reference.clone()),
            cmd: (!cmd.is_empty()).then_some(cmd),
            entrypoint,
            env: Some(inv.env.iter().map(|(k, v)| format!("{k}={v}")).collect()),
            attach_stdin: Some(inv.stdin),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            open_stdin: Some(inv.stdin),
            stdin_once: Some(inv.stdin),
            tty: Some(false),
            labels: Some(labels),
            host_config: Some(HostConfig {
                network_mode: Some(network.to_string()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let name = container_name();
        let created = self
            .docker
            .create_container(
                Some(CreateContainerOptionsBuilder::default().name(&name).build()),
                body,
            )
            .await
            .map_err(|e| self.docker_error(&image.reference, e))?;
        let mut control = DockerControl {
            docker: self.clone(),
            id: created.id,
            removed: false,
        };
        if let Some(archive) = archive {
            // Owned by the container's user (`copyUIDGID`: the daemon resolves the image's USER), mode 0400.
            let opts = UploadToContainerOptionsBuilder::default()
                .path("/")
                .copy_uidgid("true")
                .build();
            if let Err(e) = self
                .docker
                .upload_to_container(&control.id, Some(opts), bollard::body_full(archive.into()))
                .await
            {
                control.remove().await;
                return Err(self.docker_error(&image.reference, e));
            }
        }
        let attach = AttachContainerOptionsBuilder::default()
            .stdin(inv.stdin)
            .stdout(true)
            .stderr(true)
            .stream(true)
            .build();
        let attached = match self
            .docker
            .attach_container(&control.id, Some(attach))
            .await
        {
            Ok(a) => a,
            Err(e) => {
                control.remove().await;
                return Err(self.docker_error(&image.reference, e));
            }
        };
        if let Err(e) = self.docker.start_container(&control.id, None).await {
            control.remove().await;
            return Err(self.docker_error(&image.reference, e));
        }
        tracing::debug!(container = %control.id, image = %image.reference, "started");

        let (tx, rx) = mpsc::channel(16);
        let mut output = attached.output;
        let pump_logs = logs.clone();
        tokio::spawn(async move {
            let (mut out, mut err) = (LineSplitter::default(), LineSplitter::default());
            while let Some(item) = output.next().await {
                match item {
                    Ok(LogOutput::StdOut { message }) | Ok(LogOutput::Console { message }) => {
                        let mut lines = Vec::new();
                        out.push(&message, |l| lines.push(l));
                        if !send_lines(&tx, lines).await {
                            return;
                        }
                    }
                    Ok(LogOutput::StdErr { message }) => {
                        err.push(&message, |l| {
                            pump_logs.stderr_line(&String::from_utf8_lossy(&l))
                        });
                    }
                    Ok(LogOutput::StdIn { .. }) => {}
                    Err(e) => {
                        let _ = tx
                            .send(Err(std::io::Error::other(format!(
                                "lost the connection to Docker: {e}"
                            ))))
                            .await;
                        return;
                    }
                }
            }
            if let Some(rest) = err.finish() {
                pump_logs.stderr_line(&String::from_utf8_lossy(&rest));
            }
            if let Some(rest) = out.finish() {
                let _ = tx.send(Ok(vec![rest])).await;
            }
        });
        let stdin = inv
            .stdin
            .then(|| Box::new(attached.input) as Box<dyn tokio::io::AsyncWrite + Send + Unpin>);
        Ok(Running::new(stdin, rx, Box::new(control), logs))
    }

    /// Remove containers that a catwalk on this host started and that outlived it (it was killed by SIGKILL).
    async fn reap_stale(&self) {
        let filters = HashMap::from([(
            "label".to_string(),
            vec![format!("{LABEL}=1"), format!("{LABEL_HOST}={}", hostname())],
        )]);
        let opts = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&filters)
            .build();
        let Ok(list) = self.docker.list_containers(Some(opts)).await else {
            return;
        };
        for c in list {
            let pid = c
                .labels
                .as_ref()
                .and_then(|l| l.get(LABEL_PID))
                .and_then(|p| p.parse::<i32>().ok());
            let alive = pid.is_some_and(process_exists);
            if let (Some(id), false) = (c.id, alive) {
                tracing::info!(container = %id, "removing a container left behind by a catwalk that was killed");
                let _ = self.remove(&id).await;
            }
        }
    }

    async fn remove(&self, id: &str) -> Result<(), bollard::errors::Error> {
        let opts = RemoveContainerOptionsBuilder::default()
            .force(true)
            .v(true)
            .build();
        match self.docker.remove_container(id, Some(opts)).await {
            Err(e) if matches!(status_of(&e), Some(404) | Some(409)) => Ok(()),
            other => other,
        }
    }

    pub(super) fn docker_error(&self, image: &str, e: bollard::errors::Error) -> ConnectorError {
        if is_connection_error(&e) {
            return ConnectorError::DockerUnavailable {
                host: self.host.clone(),
                reason: describe(&e),
            };
        }
        // A 404 also answers a missing network or volume: only "No such image" means the image.
        if status_of(&e) == Some(404) && describe(&e).to_ascii_lowercase().contains("no such image")
        {
            return ConnectorError::ImageNotFound {
                image: image.into(),
                reason: describe(&e),
            };
        }
        ConnectorError::Docker {
            image: image.into(),
            reason: describe(&e),
        }
    }
}

struct DockerControl {
    docker: DockerHost,
    id: String,
    removed: bool,
}

impl DockerControl {
    async fn remove(&mut self) {
        if self.removed {
            return;
        }
        match self.docker.remove(&self.id).await {
            Ok(()) => self.removed = true,
            Err(e) => tracing::warn!(container = %self.id, "could not remove container: {e}"),
        }
    }
}

impl ProcessControl for DockerControl {
    fn wait(&mut self) -> BoxFuture<'_, Exit> {
        async move {
            let opts = WaitContainerOptionsBuilder::default()
                .condition("not-running")
                .build();
            let mut waits = self.docker.docker.wait_container(&self.id, Some(opts));
            let exit = match waits.next().await {
                Some(Ok(r)) => Exit::Code(r.status_code),
                Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. })) => {
                    Exit::Code(code)
                }
                Some(Err(e)) => Exit::Unknown(describe(&e)),
                None => Exit::Unknown("Docker said nothing".into()),
            };
            self.remove().await;
            exit
        }
        .boxed()
    }

    fn kill(&mut self) -> BoxFuture<'_, ()> {
        self.remove().boxed()
    }
}

impl Drop for DockerControl {
    /// The last line of defence (panic, a future dropped by cancellation): remove the container from a
    /// short-lived runtime on its own thread, so it works whatever state the caller's runtime is in.
    fn drop(&mut self) {
        if self.removed {
            return;
        }
        let id = self.id.clone();
        let cleanup = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                if let Ok(docker) = Docker::connect_with_defaults() {
                    let docker = DockerHost {
                        docker: docker.with_timeout(Duration::from_secs(30)),
                        host: String::new(),
                    };
                    let _ = docker.remove(&id).await;
                }
            });
        });
        let _ = cleanup.join();
    }
}

fn process_exists(pid: i32) -> bool {
    // Signal 0 checks existence; EPERM means it exists but belongs to someone else.
    let ok = unsafe { libc::kill(pid, 0) } == 0;
    ok || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

fn container_name() -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "catwalk-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "unknown".into())
}

/// `ghcr.io:443/a/b:v1` -> (`ghcr.io:443/a/b`, Some(`v1`)); digests stay in the name.
pub fn split_tag(image: &str) -> (&str, Option<&str>) {
    if image.contains('@') {
        return (image, None);
    }
    match image.rfind(':') {
        Some(i) if !image[i..].contains('/') => (&image[..i], Some(&image[i + 1..])),
        _ => (image, Some("latest")),
    }
}

/// A layer id in pull progress: 12 or more hex digits.
fn is_layer_id(id: &str) -> bool {
    id.len() >= 12 && id.chars().all(|c| c.is_ascii_hexdigit())
}

pub(super) fn status_of(e: &bollard::errors::Error) -> Option<u16> {
    match e {
        bollard::errors::Error::DockerResponseServerError { status_code, .. } => Some(*status_code),
        _ => None,
    }
}

fn is_connection_error(e: &bollard::errors::Error) -> bool {
    use bollard::errors::Error::*;
    matches!(
        e,
        HyperResponseError { .. } | IOError { .. } | RequestTimeoutError | SocketNotFoundError(_)
    )
}

pub(super) fn describe(e: &bollard::errors::Error) -> String {
    match e {
        bollard::errors::Error::DockerResponseServerError { message, .. } => message.clone(),
        bollard::errors::Error::DockerStreamError { error } => error.clone(),
        other => {
            let mut msg = other.to_string();
            let mut src = std::error::Error::source(other);
            while let Some(s) = src {
                let text = s.to_string();
                if !msg.contains(&text) {
                    msg.push_str(": ");
                    msg.push_str(&text);
                }
                src = s.source();
            }
            msg
        }
    }
}

fn pull_error(image: &str, e: &bollard::errors::Error) -> ConnectorError {
    pull_error_message(image, describe(e))
}

fn pull_error_message(image: &str, message: String) -> ConnectorError {
    let lower = message.to_ascii_lowercase();
    // A refusal first: registries also say "does not exist" when they refuse, and the fix is usually a login.
    let refused = [
        "pull access denied",
        "unauthorized",
        "denied:",
        "authentication required",
    ];
    if refused.iter().any(|r| lower.contains(r)) {
        return ConnectorError::PullFailed {
            image: image.into(),
            reason: message,
        };
    }
    if lower.contains("not found")
        || lower.contains("manifest unknown")
        || lower.contains("name unknown")
    {
        ConnectorError::ImageNotFound {
            image: image.into(),
            reason: format!("pulling it failed: {message}"),
        }
    } else {
        ConnectorError::PullFailed {
            image: image.into(),
            reason: message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_tags_but_not_registry_ports() {
        assert_eq!(
            split_tag("ghcr.io/estuary/source-postgres:v1"),
            ("ghcr.io/estuary/source-postgres", Some("v1"))
        );
        assert_eq!(
            split_tag("localhost:5000/img"),
            ("localhost:5000/img", Some("latest"))
        );
        assert_eq!(split_tag("img@sha256:abc"), ("img@sha256:abc", None));
        assert_eq!(
            split_tag("airbyte/source-faker"),
            ("airbyte/source-faker", Some("latest"))
        );
    }

    #[test]
    fn layer_ids_are_hex_digests() {
        assert!(is_layer_id("a3ed95caeb02"));
        assert!(!is_layer_id("v1"));
        assert!(!is_layer_id("latest"));
    }

    #[test]
    fn pull_errors_are_classified() {
        assert!(matches!(
            pull_error_message(
                "x",
                "pull access denied for x, repository does not exist or may require 'docker login'"
                    .into()
            ),
            ConnectorError::PullFailed { .. }
        ));
        assert!(matches!(
            pull_error_message("x", "manifest unknown: manifest unknown".into()),
            ConnectorError::ImageNotFound { .. }
        ));
        assert!(matches!(
            pull_error_message(
                "x",
                "Get https://registry-1.docker.io/v2/: dial tcp: lookup failed".into()
            ),
            ConnectorError::PullFailed { .. }
        ));
    }
}
