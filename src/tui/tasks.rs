//! The command executor: runs each `Cmd` as a tokio task that reports back as `Msg::Task(id, …)` on the
//! one channel. Cancelling aborts the task; dropping its future drops the connector, which kills the
//! process group or removes the container. A panicking task reports `Panicked` instead of going silent.

use super::connectors::{ConnectorChoice, scan_path};
use super::draft;
use super::msg::{
    BindingsCheck, Cmd, Decrypted, FileText, Hidden, HostKeyAsk, Msg, ReqId, Run, SpecOutcome,
    SshUse, Stage, TaskError, TaskMsg,
};
use super::saving;
use crate::connector::spec_cache::SpecCache;
use crate::connector::{Connector, ConnectorError, DockerHost, Endpoint, Options};
use crate::model::{DiscoveredBinding, ValidateBinding};
use crate::ops::report::{self as ops_report, Event, Reporter};
use crate::tunnel::{self, HostKeyPolicy, Secret, Step, Tunnel, TunnelError};
use futures_util::FutureExt;
use serde_json::Value;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

/// Where the wizard keeps files: the spec cache and the draft.
#[derive(Debug, Clone, Default)]
pub struct Paths {
    pub cache_dir: Option<PathBuf>,
    pub state_dir: Option<PathBuf>,
}

impl Paths {
    /// `~/.cache/catwalk` and `~/.local/state/catwalk` (XDG variables honoured), or none if there is no
    /// home directory.
    pub fn from_env() -> Paths {
        match directories::ProjectDirs::from("", "", "catwalk") {
            Some(d) => Paths {
                cache_dir: Some(d.cache_dir().to_path_buf()),
                state_dir: Some(
                    d.state_dir()
                        .unwrap_or_else(|| d.data_local_dir())
                        .to_path_buf(),
                ),
            },
            None => Paths::default(),
        }
    }

    pub fn draft(&self) -> Option<PathBuf> {
        self.state_dir.as_ref().map(|d| d.join("draft.json"))
    }

    pub fn spec_cache(&self) -> Option<SpecCache> {
        self.cache_dir.as_deref().map(SpecCache::new)
    }
}

/// Sends a task's reports, tagged with its request id.
pub type Report = Arc<dyn Fn(TaskMsg) + Send + Sync>;

/// An operation's events as task reports: log lines (secrets masked by `ops::report::log_sink`), pull
/// progress, the connector running; notes and warnings go to the log file.
pub fn reporter(report: &Report) -> Reporter {
    let report = report.clone();
    Arc::new(move |e| match e {
        Event::Log(l) => report(TaskMsg::Log(l)),
        Event::Pull(p) => report(TaskMsg::Pull(p)),
        Event::Running => report(TaskMsg::Stage(Stage::Running)),
        Event::Note(n) => tracing::info!("{n}"),
        Event::Warn(w) => tracing::warn!("{w}"),
    })
}

struct Running {
    id: ReqId,
    handle: JoinHandle<()>,
    /// Aborted on cancel and on quit; otherwise (draft saves) awaited on quit.
    abortable: bool,
}

pub struct Tasks {
    tx: UnboundedSender<Msg>,
    running: Vec<Running>,
    paths: Paths,
    /// The config schema of the last spec fetched: which values of a form's config are secret, registered
    /// for masking before a connector runs with it.
    config_schema: Arc<Mutex<Option<Value>>>,
    /// Work on threads of its own (the preview's) not known to have ended: waited for on shutdown, so that
    /// their connectors are stopped before the wizard leaves.
    threads: Vec<super::previewing::Ended>,
}

impl Tasks {
    pub fn new(tx: UnboundedSender<Msg>, paths: Paths) -> Tasks {
        Tasks {
            tx,
            running: Vec::new(),
            paths,
            config_schema: Arc::default(),
            threads: Vec::new(),
        }
    }

    /// Register the secrets of a config typed into the form (the fields the last spec marks secret, and a
    /// tunnel's key or password) before a connector sees it.
    fn register_secrets(&self, config: &Value) {
        let schema = self
            .config_schema
            .lock()
            .ok()
            .and_then(|s| s.clone())
            .unwrap_or(Value::Null);
        crate::ops::secrets::register(&schema, config);
    }

    fn reporter(&self, id: ReqId) -> Report {
        let tx = self.tx.clone();
        Arc::new(move |m| {
            let _ = tx.send(Msg::Task(id, m));
        })
    }

    fn spawn<F>(&mut self, id: ReqId, abortable: bool, work: F)
    where
        F: Future<Output = TaskMsg> + Send + 'static,
    {
        let report = self.reporter(id);
        let handle = tokio::spawn(async move {
            let msg = match AssertUnwindSafe(work).catch_unwind().await {
                Ok(msg) => msg,
                Err(panic) => {
                    let what = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "unknown panic".into());
                    tracing::error!("background task {id:?} panicked: {what}");
                    TaskMsg::Panicked(TaskError::bug(format!(
                        "catwalk hit a bug ({what}). Details are in its log{}.",
                        crate::logging::log_path()
                            .map(|p| format!(" ({})", p.display()))
                            .unwrap_or_default()
                    )))
                }
            };
            report(msg);
        });
        self.running.retain(|r| !r.handle.is_finished());
        self.running.push(Running {
            id,
            handle,
            abortable,
        });
    }

    /// A connector task through the SSH tunnel the config asks for: the form's secrets registered, the
    /// tunnel prepared (its failure, or an unknown host key, is the task's last report), `work` run with
    /// the ready config on its Docker network, then the tunnel closed and the result reported by `done`.
    fn spawn_through_ssh<T, W, F>(
        &mut self,
        id: ReqId,
        config: Hidden<Value>,
        ssh: SshUse,
        work: W,
        done: impl FnOnce(Result<T, TaskError>) -> TaskMsg + Send + 'static,
    ) where
        T: Send + 'static,
        W: FnOnce(Value, &'static str, Report) -> F + Send + 'static,
        F: Future<Output = Result<T, TaskError>> + Send,
    {
        self.register_secrets(&config);
        let report = self.reporter(id);
        self.spawn(id, true, async move {
            let ready = match ssh_prepare(&config, &ssh, &report).await {
                Ok(r) => r,
                Err(stop) => return stop,
            };
            let out = work(ready.config.clone(), ready.network(), report).await;
            done(ready.close(out))
        })
    }

    pub fn run(&mut self, cmd: Cmd) {
        tracing::debug!("command {cmd:?}");
        match cmd {
            Cmd::CheckDocker(id) => {
                self.spawn(id, true, async { TaskMsg::Docker(docker_status().await) })
            }
            Cmd::ScanPath(id) => self.spawn(id, true, async {
                let path = std::env::var_os("PATH").unwrap_or_default();
                let found = tokio::task::spawn_blocking(move || scan_path(&path))
                    .await
                    .unwrap_or_default();
                TaskMsg::LocalConnectors(found)
            }),
            Cmd::FetchSpec { id, choice, fresh } => {
                let report = self.reporter(id);
                let cache = self.paths.spec_cache();
                let schema = self.config_schema.clone();
                self.spawn(id, true, async move {
                    let fetched = fetch_spec(choice, cache, fresh, report).await;
                    if let (Ok(f), Ok(mut s)) = (&fetched, schema.lock()) {
                        *s = Some(f.spec.config_schema.clone());
                    }
                    TaskMsg::Spec(fetched.map(Box::new))
                })
            }
            Cmd::Cancel(id) => {
                for r in self.running.iter().filter(|r| r.id == id && r.abortable) {
                    tracing::info!("cancelling request {id:?}");
                    r.handle.abort();
                }
            }
            Cmd::SaveDraft(id, d) => {
                let path = self.paths.draft();
                self.spawn(id, false, async move {
                    let Some(path) = path else {
                        return TaskMsg::DraftSaved(Err(
                            "there is no home directory to save it in".into(),
                        ));
                    };
                    let saved = tokio::task::spawn_blocking(move || draft::save(&path, &d))
                        .await
                        .unwrap_or_else(|e| Err(e.to_string()));
                    TaskMsg::DraftSaved(saved)
                })
            }
            Cmd::ReadFile(id, path) => self.spawn(id, true, async move {
                let read = tokio::task::spawn_blocking(move || read_text(&path))
                    .await
                    .unwrap_or_else(|e| Err(e.to_string()));
                TaskMsg::FileRead(read)
            }),
            Cmd::Check {
                id,
                run,
                name,
                config,
                ssh,
            } => self.spawn_through_ssh(
                id,
                config,
                ssh,
                move |config, network, report| async move {
                    check(&run, &name, &config, network, report).await
                },
                TaskMsg::Checked,
            ),
            Cmd::Discover {
                id,
                run,
                config,
                ssh,
            } => self.spawn_through_ssh(
                id,
                config,
                ssh,
                move |config, network, report| async move {
                    discover(&run, &config, network, report).await
                },
                |found| TaskMsg::Discovered(found.map(Arc::new)),
            ),
            Cmd::PlanSave(id, req) => self.spawn(id, true, async move {
                let planned = tokio::task::spawn_blocking(move || saving::plan(&req))
                    .await
                    .unwrap_or_else(|e| Err(joined(e)));
                TaskMsg::Planned(planned.map(Box::new))
            }),
            // Not abortable: a save, once started, finishes (each file is written atomically anyway).
            Cmd::Save(id, req) => self.spawn(id, false, async move {
                // Wrapping the image first: a catalog never names an image that was not built.
                if let Some(tag) = req.wrap.clone() {
                    let image = req.run.choice.reference();
                    if let Err(e) = saving::wrap_image(&image, &tag).await {
                        return TaskMsg::Saved(Err(e));
                    }
                }
                let saved = tokio::task::spawn_blocking(move || saving::save(&req))
                    .await
                    .unwrap_or_else(|e| Err(joined(e)));
                let saved = match saved {
                    Ok(mut done) => {
                        done.pushed = saving::image_pushed(done.endpoint.as_ref()).await;
                        Ok(done)
                    }
                    Err(e) => Err(e),
                };
                TaskMsg::Saved(saved.map(Box::new))
            }),
            Cmd::DecryptConfig {
                id,
                path,
                value,
                schema,
            } => self.spawn(id, true, async move {
                let out =
                    tokio::task::spawn_blocking(move || decrypt_config(path, &value, &schema))
                        .await
                        .unwrap_or_else(|e| Err(joined(e)));
                TaskMsg::ConfigDecrypted(out.map(Box::new))
            }),
            Cmd::CheckBindings {
                id,
                run,
                name,
                config,
                bindings,
                resource_schema,
            } => {
                self.register_secrets(&config);
                let report = self.reporter(id);
                self.spawn(id, true, async move {
                    let checked =
                        check_bindings(&run, &name, &config, &bindings, &resource_schema, report)
                            .await;
                    TaskMsg::BindingsChecked(checked.map(Box::new))
                })
            }
            Cmd::Preview { id, req } => {
                self.register_secrets(&req.config);
                let (stop, result, ended) = super::previewing::start(req, self.reporter(id));
                self.threads.retain_mut(|t| {
                    matches!(
                        t.try_recv(),
                        Err(tokio::sync::oneshot::error::TryRecvError::Empty)
                    )
                });
                self.threads.push(ended);
                self.spawn(id, true, async move {
                    // Aborting this task drops `stop`: the preview's thread then stops the connector.
                    let _stop = stop;
                    let read = result.await.unwrap_or_else(|_| {
                        Err(TaskError::bug("the preview ended without a result"))
                    });
                    TaskMsg::Previewed(read.map(Box::new))
                })
            }
            Cmd::OpenUrl(id, url) => self.spawn(id, false, async move {
                let opened = tokio::task::spawn_blocking(move || open_url(&url))
                    .await
                    .unwrap_or_else(|e| Err(e.to_string()));
                TaskMsg::Opened(opened)
            }),
            Cmd::LoadCatalogs { id, dir, opened } => self.spawn(id, true, async move {
                let loaded = tokio::task::spawn_blocking(move || {
                    super::materialize_tasks::load_catalogs(&dir, &opened)
                })
                .await
                .unwrap_or_else(|e| Err(joined(e)));
                TaskMsg::CatalogsLoaded(loaded.map(Arc::new))
            }),
            Cmd::ValidateMaterialization {
                id,
                run,
                name,
                config,
                candidates,
                resource_schema,
                ssh,
            } => self.spawn_through_ssh(
                id,
                config,
                ssh,
                move |config, network, report| async move {
                    let connector = open_run(&run, network, &report).await?;
                    crate::ops::materialize::validate(
                        &connector,
                        &name,
                        &config,
                        &resource_schema,
                        &candidates,
                    )
                    .await
                    .map_err(TaskError::from)
                },
                |v| TaskMsg::MaterializationValidated(v.map(Box::new)),
            ),
            Cmd::ScanCatalogs(id) => self.spawn(id, true, async {
                let found = tokio::task::spawn_blocking(|| {
                    crate::ops::edit::list_catalogs(std::path::Path::new("."))
                })
                .await
                .unwrap_or_default();
                TaskMsg::Catalogs(found)
            }),
            Cmd::OpenCatalog { id, file, name } => self.spawn(id, true, async move {
                let opened = tokio::task::spawn_blocking(move || {
                    crate::ops::edit::open(&file, Some(&name)).map_err(TaskError::from)
                })
                .await
                .unwrap_or_else(|e| Err(joined(e)));
                TaskMsg::CatalogOpened(opened.map(Box::new))
            }),
            Cmd::ClearDraft(id) => {
                let path = self.paths.draft();
                self.spawn(id, false, async move {
                    if let Some(path) = path
                        && let Err(e) = std::fs::remove_file(&path)
                        && e.kind() != std::io::ErrorKind::NotFound
                    {
                        tracing::warn!("cannot remove the draft {}: {e}", path.display());
                    }
                    TaskMsg::DraftSaved(Ok(()))
                })
            }
        }
    }

    /// Abort every abortable task and wait (at most `grace`) for all of them to end, so that connectors
    /// are stopped (processes killed, containers removed) and drafts written before the wizard exits. A
    /// preview runs on a thread of its own: its task's end stops it there, and the thread is waited for.
    pub async fn shutdown(&mut self, grace: Duration) {
        for r in &self.running {
            if r.abortable {
                r.handle.abort();
            }
        }
        let tasks = futures_util::future::join_all(self.running.drain(..).map(|r| r.handle));
        let threads = futures_util::future::join_all(self.threads.drain(..));
        let all = async move {
            tasks.await;
            threads.await;
        };
        if tokio::time::timeout(grace, all).await.is_err() {
            tracing::warn!("some background tasks did not end within {grace:?}");
        }
    }
}

impl Drop for Tasks {
    fn drop(&mut self) {
        for r in &self.running {
            if r.abortable {
                r.handle.abort();
            }
        }
    }
}

/// A blocking task that did not return (it panicked): catwalk's bug.
fn joined(e: tokio::task::JoinError) -> TaskError {
    TaskError::bug(e.to_string())
}

/// Docker's version, or why it cannot be reached (one line).
pub async fn docker_status() -> Result<String, TaskError> {
    match DockerHost::connect().await {
        Err(e) => {
            let line = match &e {
                ConnectorError::DockerUnavailable { reason, .. } => first_line(reason),
                e => first_line(&e.to_string()),
            };
            Err(TaskError::new(crate::ops::exit::of_connector(&e), line))
        }
        Ok(_) => {
            let version = async {
                let docker = bollard::Docker::connect_with_defaults().ok()?;
                docker.version().await.ok()?.version
            }
            .await;
            Ok(version.unwrap_or_else(|| "version unknown".into()))
        }
    }
}

/// Files larger than this are refused: a config or a key is a few kilobytes.
const MAX_READ: u64 = 4 << 20;

/// Read a text file for a form; `~` and `~/…` are the home directory. Errors name the path.
pub fn read_text(typed: &str) -> Result<FileText, String> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Err("type the path of a file".into());
    }
    let path = crate::text::expand_home_env(typed)?;
    let shown = path.display().to_string();
    let meta = std::fs::metadata(&path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    if meta.is_dir() {
        return Err(format!("{shown} is a directory: type the path of a file"));
    }
    if meta.len() > MAX_READ {
        return Err(format!(
            "{shown} is {} bytes: too large for a config or a key",
            meta.len()
        ));
    }
    let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    let text =
        String::from_utf8(bytes).map_err(|_| format!("{shown} is not a text file (not UTF-8)"))?;
    Ok(FileText { path: shown, text })
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().trim().to_string()
}

/// Open the connector and get its spec: from the cache when the image's digest has one (no container is
/// started) unless `fresh`, else by running it (`ops::spec::fetch`). Pull progress and log lines (secrets
/// masked) go to `report` as they come.
pub async fn fetch_spec(
    choice: ConnectorChoice,
    cache: Option<SpecCache>,
    fresh: bool,
    report: Report,
) -> Result<SpecOutcome, TaskError> {
    crate::ops::spec::fetch(
        choice.endpoint(),
        choice.protocol(),
        &choice.reference(),
        cache,
        fresh,
        &reporter(&report),
    )
    .await
    .map_err(TaskError::from)
}

/// The known_hosts the wizard reads and writes: `$CATWALK_KNOWN_HOSTS`, else `~/.ssh/known_hosts`. It never
/// accepts a new host key by itself: the person does, in step 5.
pub fn ssh_policy() -> HostKeyPolicy {
    HostKeyPolicy {
        file: std::env::var_os("CATWALK_KNOWN_HOSTS").map(Into::into),
        accept_new: false,
    }
}

/// A config made ready for the connector, and the tunnel it goes through (closed by [`SshReady::close`],
/// or when dropped: a cancelled task closes it).
pub struct SshReady {
    pub config: Value,
    pub tunnel: Option<Tunnel>,
    pub host_network: bool,
}

impl SshReady {
    /// The Docker network the connector runs on: the host's when it must reach the tunnel on 127.0.0.1.
    pub fn network(&self) -> &'static str {
        if self.host_network { "host" } else { "bridge" }
    }

    /// Close the tunnel; what went wrong in it while the connector ran is added to a failure (and logged).
    pub fn close<T>(self, out: Result<T, TaskError>) -> Result<T, TaskError> {
        let errors = self.tunnel.map(Tunnel::close).unwrap_or_default();
        for e in &errors {
            tracing::warn!("{e}");
        }
        match out {
            Err(e) if !errors.is_empty() => {
                Err(e.map_message(|m| format!("{m}\n{}", errors.join("\n"))))
            }
            other => other,
        }
    }
}

/// Before the connector runs: the SSH path of the tunnel the config asks for, step by step (the same code as
/// the commands, `tunnel::prepare`): checked for the connector's own tunnel, opened for catwalk's. `Err` is
/// the task's last report: the failing step, or an unknown host key for the person to accept.
pub async fn ssh_prepare(
    config: &Value,
    ssh: &SshUse,
    report: &Report,
) -> Result<SshReady, TaskMsg> {
    let policy = ssh_policy();
    let fail = |step, m: String| TaskMsg::SshFailed(TunnelError::new(step, m));
    if let Some(a) = &ssh.accept {
        policy.accept(&a.host, a.port, &a.key).map_err(|e| {
            fail(
                Step::HostKey,
                format!("the accepted host key could not be recorded: {e}"),
            )
        })?;
        tracing::info!(
            "host key {} of {} recorded in {}",
            a.fingerprint,
            tunnel::known_hosts::host_name(&a.host, a.port),
            a.known_hosts.display()
        );
    }
    let passphrase = ssh.passphrase.clone().or_else(|| {
        std::env::var(crate::tunnel::PASSPHRASE_ENV)
            .ok()
            .map(Secret::new)
    });
    let step_report = report.clone();
    let progress: tunnel::Progress = Arc::new(move |s| step_report(TaskMsg::SshStep(s)));
    match tunnel::prepare_reporting(config, &policy, passphrase.as_ref(), &progress).await {
        Ok(p) => {
            if let Some(note) = p.note {
                report(TaskMsg::SshReady(note));
            }
            Ok(SshReady {
                config: p.config,
                tunnel: p.tunnel,
                host_network: p.host_network,
            })
        }
        Err(e) if e.step == Step::HostKey => Err(match unknown_host_key(config, &policy).await {
            Some(ask) => TaskMsg::HostKeyUnknown(Box::new(ask)),
            None => TaskMsg::SshFailed(e),
        }),
        Err(e) => Err(TaskMsg::SshFailed(e)),
    }
}

/// The server's host key when known_hosts does not have it (not when it changed or is revoked).
async fn unknown_host_key(config: &Value, policy: &HostKeyPolicy) -> Option<HostKeyAsk> {
    let t = tunnel::config::from_config(config).ok()??;
    let target = &t.settings.target;
    let k = tunnel::fetch_host_key(target, policy).await.ok()?;
    (k.verdict == tunnel::known_hosts::Verdict::Unknown).then(|| HostKeyAsk {
        host: target.host.clone(),
        port: target.port,
        algorithm: k.algorithm,
        fingerprint: k.fingerprint,
        key: k.key,
        known_hosts: k.known_hosts,
    })
}

/// How to run the connector of `run` (its protocol and kind known from step 2) on the Docker `network`,
/// its log lines (secrets masked) going to `report`.
fn run_options(run: &Run, network: &str, report: &Report) -> (Endpoint, Options) {
    let opts = Options {
        protocol: Some(run.protocol),
        kind: Some(run.kind),
        logs: Some(ops_report::log_sink(&reporter(report))),
        network: network.to_string(),
        ..Options::default()
    };
    (run.choice.endpoint(), opts)
}

async fn open_run(run: &Run, network: &str, report: &Report) -> Result<Connector, TaskError> {
    let (endpoint, opts) = run_options(run, network, report);
    Connector::open(endpoint, opts)
        .await
        .map_err(TaskError::from)
}

/// The connector's own check of `config` (`ops::check::config`).
pub async fn check(
    run: &Run,
    name: &str,
    config: &Value,
    network: &str,
    report: Report,
) -> Result<(), TaskError> {
    let connector = open_run(run, network, &report).await?;
    crate::ops::check::config(&connector, name, config)
        .await
        .map_err(TaskError::from)
}

/// The connector's discover with `config`.
pub async fn discover(
    run: &Run,
    config: &Value,
    network: &str,
    report: Report,
) -> Result<Vec<DiscoveredBinding>, TaskError> {
    let connector = open_run(run, network, &report).await?;
    crate::ops::discover::bindings(&connector, config)
        .await
        .map_err(TaskError::from)
}

/// Decrypt a sops-protected config (as parsed from `path`) in memory; its secret values are registered for
/// redaction (the suffixed ones by `secrets::decrypt`, the rest from the schema).
pub fn decrypt_config(path: String, value: &Value, schema: &Value) -> Result<Decrypted, TaskError> {
    let protection = crate::secrets::Protection::of(value)
        .ok_or_else(|| TaskError::invalid(format!("{path} is not protected with sops")))?;
    let plain = crate::secrets::decrypt(value, &path)?;
    crate::secrets::register_secrets(schema, &plain);
    Ok(Decrypted {
        path,
        value: Hidden::new(plain),
        protection,
    })
}

pub use crate::ops::check::ONE_BY_ONE;

/// Step 7's check of the chosen bindings (`ops::check::bindings`): each resource config against the
/// resource schema, then the connector's validate, one by one when that fails.
pub async fn check_bindings(
    run: &Run,
    name: &str,
    config: &Value,
    bindings: &[ValidateBinding],
    resource_schema: &Value,
    report: Report,
) -> Result<BindingsCheck, TaskError> {
    let (endpoint, opts) = run_options(run, &Options::default().network, &report);
    crate::ops::check::bindings(
        endpoint,
        opts,
        run.protocol,
        name,
        config,
        bindings,
        resource_schema,
    )
    .await
    .map_err(TaskError::from)
}

/// Hand `url` to the desktop's opener. Over SSH (or with no desktop) there is none to use: the error
/// carries the link whole, to copy.
fn open_url(url: &str) -> Result<String, String> {
    let ssh = std::env::var_os("SSH_CONNECTION").is_some() || std::env::var_os("SSH_TTY").is_some();
    let desktop = cfg!(target_os = "macos")
        || std::env::var_os("DISPLAY").is_some()
        || std::env::var_os("WAYLAND_DISPLAY").is_some();
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    if ssh || !desktop {
        let why = if ssh { "over SSH" } else { "no desktop here" };
        return Err(format!("Docs ({why}, copy the link): {url}"));
    }
    match std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        // The opener is reaped in the background: it may run as long as the browser.
        Ok(mut child) => {
            std::thread::spawn(move || child.wait());
            Ok(format!("Opened the documentation with {opener}: {url}"))
        }
        Err(e) => Err(format!("Docs ({opener} failed: {e}; copy the link): {url}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Shutting down waits for work on a thread of its own (the preview's) to end, so that its connector
    /// is stopped before the wizard leaves; but no longer than the grace.
    #[tokio::test]
    async fn shutdown_waits_for_the_previews_thread() {
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let mut tasks = Tasks::new(tx, Paths::default());
        let stopped = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (ended_tx, ended) = tokio::sync::oneshot::channel::<()>();
        let flag = stopped.clone();
        std::thread::spawn(move || {
            let _ended = ended_tx;
            std::thread::sleep(Duration::from_millis(300));
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
        });
        tasks.threads.push(ended);
        tasks.shutdown(Duration::from_secs(10)).await;
        assert!(stopped.load(std::sync::atomic::Ordering::SeqCst));
        assert!(tasks.threads.is_empty());

        let (_held, ended) = tokio::sync::oneshot::channel::<()>();
        tasks.threads.push(ended);
        let started = std::time::Instant::now();
        tasks.shutdown(Duration::from_millis(200)).await;
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the grace bounds it"
        );
    }

    /// The wizard's connector tasks register the secrets typed into the form, by the schema of the spec
    /// fetched last, before they start: the connector's log lines (and the log file) then mask them.
    #[test]
    fn form_secrets_are_registered_before_a_connector_task() {
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let tasks = Tasks::new(tx, Paths::default());
        *tasks.config_schema.lock().unwrap() = Some(json!({"type": "object", "properties": {
            "api_key": {"type": "string", "secret": true}}}));
        let config = json!({"api_key": "tasks-form-key-0451", "region": "tasks-region-eu"});
        assert_eq!(
            crate::redact::text("key tasks-form-key-0451"),
            "key tasks-form-key-0451"
        );
        tasks.register_secrets(&config);
        assert_eq!(
            crate::redact::text("key tasks-form-key-0451 in tasks-region-eu"),
            "key **** in tasks-region-eu"
        );
    }
}
