//! The review's file work, run by the task executor: the wizard's [`SaveRequest`] as the save operation's
//! request (`ops::save`, the same catalog code `catwalk discover` writes with, for captures and
//! materializations alike): plan the catalog, and write it atomically with the config (encrypted with sops
//! in memory when asked).

use super::msg::{SaveDone, SavePreview, SaveRequest, TaskError};
use crate::catalog;
use crate::ops::exit::Failure;
use crate::ops::save;
use std::path::PathBuf;

/// The operation's request (either kind); `~` is `$HOME`.
pub fn request(req: &SaveRequest) -> save::Request {
    save::Request {
        dir: req.dir.clone(),
        home: std::env::var_os("HOME").map(PathBuf::from),
        task: req.task.clone(),
        endpoint: req.run.choice.endpoint(),
        protocol: req.run.protocol,
        resource_path_pointers: req.resource_path_pointers.clone(),
        config: req.config.clone(),
        config_schema: req.config_schema.clone(),
        replace: req.replace,
        confirmed: req.confirmed,
        protection: req.protection.clone(),
        env_age_recipients: std::env::var("SOPS_AGE_RECIPIENTS")
            .ok()
            .filter(|s| !s.trim().is_empty()),
        wrap: req.wrap.clone(),
        keep_config: req.keep_config,
    }
}

/// What a save would write, for the review screen.
pub fn plan(req: &SaveRequest) -> Result<SavePreview, TaskError> {
    Ok(save::plan(&request(req))?)
}

/// Plan again and write (see `ops::save::save`).
pub fn save(req: &SaveRequest) -> Result<SaveDone, TaskError> {
    Ok(save::save(&request(req))?)
}

/// Wrap the Airbyte `image` for Flow as `tag` (as `catwalk image wrap` does), before the catalog naming it
/// is written.
pub async fn wrap_image(image: &str, tag: &str) -> Result<(), TaskError> {
    use crate::connector::wrap;
    let binary = wrap::static_binary().map_err(Failure::from)?;
    let docker = crate::connector::DockerHost::connect().await?;
    wrap::wrap(&docker, image, tag, &binary, None, &|_| {})
        .await
        .map(|_| ())
        .map_err(|e| {
            TaskError::from(Failure::from(e))
                .map_message(|m| format!("wrapping {image} as {tag} failed: {m}"))
        })
}

/// Whether Docker knows the image of an image endpoint from a registry (`None`: not an image, or unknown).
pub async fn image_pushed(endpoint: Option<&catalog::Endpoint>) -> Option<bool> {
    crate::ops::reach::pushed(endpoint?).await
}
