//! The wizard's preview, run by the task executor: the capture the save would write, planned in memory
//! (`ops::preview::planned_task`), read by the very operation `catwalk preview` runs
//! (`ops::preview::preview_task`) on a thread of its own (the capture runtime's future is not `Send`),
//! each binding's first documents reported as they come. Dropping the stop handle ends the read there,
//! stopping the connector.

use super::msg::{PreviewDoc, PreviewRequest as Request, SshUse, TaskError, TaskMsg};
use super::tasks::{Report, reporter, ssh_policy};
use crate::connector::Options;
use crate::ops::report as ops_report;
use crate::tunnel::Secret;
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::oneshot;

/// Start the preview on its own thread: the handle that stops it when dropped, and its result.
pub fn start(
    req: Request,
    report: Report,
) -> (
    oneshot::Sender<()>,
    oneshot::Receiver<Result<crate::ops::preview::Report, TaskError>>,
) {
    let (stop, stopped) = oneshot::channel::<()>();
    let (done, result) = oneshot::channel();
    std::thread::spawn(move || {
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
            let endpoint = req.run.choice.endpoint();
            let target = crate::ops::discover::Target {
                prefix: &req.prefix,
                name: &req.name,
                endpoint: &endpoint,
                protocol: req.run.protocol,
                network: None,
            };
            let reading = preview(
                target,
                &req.config,
                &req.bindings,
                req.resource_path_pointers.clone(),
                &req.ssh,
                (req.limit, req.timeout),
                report,
            );
            tokio::select! {
                read = reading => read,
                _ = stopped => Err(TaskError::new(
                    crate::ops::exit::ExitKind::Interrupted,
                    "the preview was cancelled",
                )),
            }
        });
        let _ = done.send(read);
    });
    (stop, result)
}

/// The wizard's preview (`ops::preview::preview_task` of the capture the save would write, planned in
/// memory): each binding's first `limit` documents go to `report` as they come; the preview stops once
/// every binding has them, at a checkpoint once every binding has some, or after `timeout`.
async fn preview(
    target: crate::ops::discover::Target<'_>,
    config: &Value,
    chosen: &[(crate::model::DiscoveredBinding, String)],
    resource_path_pointers: Vec<String>,
    ssh: &SshUse,
    (limit, timeout): (usize, Duration),
    report: Report,
) -> Result<crate::ops::preview::Report, TaskError> {
    use crate::ops::preview::{self, PreviewRequest};
    let bindings = chosen.iter().map(|(b, _)| b.clone()).collect();
    let targets = chosen.iter().map(|(_, t)| t.clone()).collect();
    let (discovery, _) =
        crate::ops::discover::discovery(&target, bindings, Some(targets), resource_path_pointers);
    let task = preview::planned_task(discovery, config.clone())?;
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
    let mut sent = vec![0usize; chosen.len()];
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
    preview::preview_task(&task, req, &mut on)
        .await
        .map_err(TaskError::from)
}
