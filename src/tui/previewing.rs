//! The wizard's preview, run by the task executor: the capture the save would write, planned in memory
//! (`ops::preview::planned_task`), read by the very operation `catwalk preview` runs
//! (`ops::preview::preview_task`) on a thread of its own (the capture runtime's future is not `Send`),
//! each binding's first documents reported as they come. An edit previews the capture its save would
//! write back (`ops::edit::planned_task`: the opened catalog merged with the person's choices). Dropping the
//! stop handle ends the read there, stopping the connector; the thread's [`Ended`] says when it is gone.

use super::msg::{PreviewDoc, PreviewRequest as Request, SaveRequest, SshUse, TaskError, TaskMsg};
use super::tasks::{Report, reporter, ssh_policy};
use crate::catalog::LoadedTask;
use crate::connector::Options;
use crate::ops::report as ops_report;
use crate::tunnel::Secret;
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::oneshot;

/// Resolves once the preview's thread has ended: its connector stopped (process group killed, container
/// removed) and its runtime gone. The wizard waits for it before leaving.
pub type Ended = oneshot::Receiver<()>;

/// Start the preview on its own thread: the handle that stops it when dropped, its result, and when the
/// thread has ended.
pub fn start(
    req: Request,
    report: Report,
) -> (
    oneshot::Sender<()>,
    oneshot::Receiver<Result<crate::ops::preview::Report, TaskError>>,
    Ended,
) {
    let (stop, stopped) = oneshot::channel::<()>();
    let (done, result) = oneshot::channel();
    let (ended_tx, ended) = oneshot::channel::<()>();
    std::thread::spawn(move || {
        // Dropped last, when everything the preview started is gone.
        let _ended = ended_tx;
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(r) => r,
            Err(e) => {
                let _ = done.send(Err(TaskError::environment(format!(
                    "cannot start the preview: {e}"
                ))));
                return;
            }
        };
        let read = runtime.block_on(async move {
            tokio::select! {
                read = read(&req, report) => read,
                _ = stopped => Err(TaskError::new(
                    crate::ops::exit::ExitKind::Interrupted,
                    "the preview was cancelled",
                )),
            }
        });
        // The connector is stopped by now (the read future is dropped); what its runtime still runs goes here.
        runtime.shutdown_timeout(Duration::from_secs(5));
        let _ = done.send(read);
    });
    (stop, result, ended)
}

/// Plan the capture the save would write, then preview it.
async fn read(req: &Request, report: Report) -> Result<crate::ops::preview::Report, TaskError> {
    let task = match &req.edit {
        Some(edit) => edited(edit).await?,
        None => planned(req)?,
    };
    preview(&task, &req.ssh, (req.limit, req.timeout), report).await
}

/// A new capture: the one the save would write from the chosen bindings, planned in memory.
fn planned(req: &Request) -> Result<LoadedTask, TaskError> {
    let endpoint = req.run.choice.endpoint();
    let target = crate::ops::discover::Target {
        prefix: &req.task.prefix,
        name: &req.task.name,
        endpoint: &endpoint,
        protocol: req.run.protocol,
        network: None,
    };
    let chosen = req.task.capture_bindings();
    let targets = chosen.iter().map(|(_, t)| t.clone()).collect();
    let bindings = chosen.into_iter().map(|(b, _)| b).collect();
    let (discovery, _) = crate::ops::discover::discovery(
        &target,
        bindings,
        Some(targets),
        req.resource_path_pointers.clone(),
    );
    Ok(crate::ops::preview::planned_task(
        discovery,
        Value::clone(&req.config),
    )?)
}

/// An edit: the capture its save would write back, planned from the catalog's files (off the runtime).
async fn edited(edit: &SaveRequest) -> Result<LoadedTask, TaskError> {
    let req = super::saving::request(edit);
    tokio::task::spawn_blocking(move || crate::ops::edit::planned_task(&req))
        .await
        .map_err(|e| TaskError::bug(format!("planning the capture to preview failed: {e}")))?
        .map_err(TaskError::from)
}

/// The wizard's preview (`ops::preview::preview_task` of the capture the save would write, held in
/// memory): its enabled bindings' collections go to `report` first, then each binding's first `limit`
/// documents as they come; the preview stops once every binding has them, at a checkpoint once every
/// binding has some, or after `timeout`.
async fn preview(
    task: &LoadedTask,
    ssh: &SshUse,
    (limit, timeout): (usize, Duration),
    report: Report,
) -> Result<crate::ops::preview::Report, TaskError> {
    use crate::ops::preview::{self, PreviewRequest};
    let enabled: Vec<String> = task
        .bindings
        .iter()
        .filter(|b| !b.disable)
        .map(|b| b.collection_name.clone())
        .collect();
    if enabled.is_empty() {
        return Err(TaskError::invalid(
            "every binding of the capture is disabled, so there is nothing to read: enable one on the \
             Changes step (Esc), or skip the preview (s)",
        ));
    }
    report(TaskMsg::PreviewPlanned(enabled.clone()));
    let req = PreviewRequest {
        source: PathBuf::from(preview::UNSAVED),
        name: None,
        sessions: preview::Sessions::default(),
        limit: None,
        session_timeout: timeout,
        initial_state: Value::Object(Default::default()),
        options: Options {
            logs: Some(ops_report::log_sink(&reporter(&report))),
            ..Options::default()
        },
        host_keys: ssh_policy(),
        passphrase: ssh.passphrase.clone().or_else(|| {
            std::env::var(crate::tunnel::PASSPHRASE_ENV)
                .ok()
                .map(Secret::new)
        }),
    };
    let mut sent = vec![0usize; enabled.len()];
    let mut on = |event: preview::Event<'_>| -> std::io::Result<()> {
        match event {
            preview::Event::Note(n) => tracing::info!("preview: {n}"),
            preview::Event::Warning(w) => tracing::warn!("preview: {w}"),
            preview::Event::Document {
                binding,
                doc,
                problem,
                ..
            } => {
                if let Some(n) = sent.get_mut(binding)
                    && *n < limit
                {
                    *n += 1;
                    report(TaskMsg::PreviewDoc(Box::new(PreviewDoc {
                        binding,
                        doc: doc.clone(),
                        problem: problem.map(|(p, r)| (p.to_string(), r.to_string())),
                    })));
                }
                if sent.iter().all(|n| *n >= limit) {
                    // Every binding has its documents: the preview ends here (the connector is stopped).
                    return Err(std::io::Error::other("enough documents"));
                }
            }
            // A connector that keeps running once caught up (estuary-cdk's, Flow's own) would hold the
            // preview until its timeout: a checkpoint once every binding has shown documents ends it.
            preview::Event::State(_) if sent.iter().all(|n| *n > 0) => {
                return Err(std::io::Error::other("every binding has documents"));
            }
            _ => {}
        }
        Ok(())
    };
    preview::preview_task(task, req, &mut on)
        .await
        .map_err(TaskError::from)
}
