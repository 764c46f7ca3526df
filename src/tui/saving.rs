//! Step 7's file work, run by the task executor: the wizard's [`SaveRequest`] as the save operation's
//! request (`ops::save`, the same catalog code `catwalk discover` writes with): plan the catalog, and write
//! it atomically with the config (encrypted with sops in memory when asked).

use super::msg::{SaveDone, SavePreview, SaveRequest};
use crate::ops::save;
use std::path::PathBuf;

/// The operation's request: the chosen bindings (enabled, even when the connector proposed them
/// disabled) with their collection names; `~` is `$HOME`.
pub fn request(req: &SaveRequest) -> save::Request {
    let chosen = req
        .chosen
        .iter()
        .map(|(i, target)| {
            let mut b = req.bindings[*i].clone();
            b.disable = false;
            (b, target.clone())
        })
        .collect();
    save::Request {
        dir: req.dir.clone(),
        home: std::env::var_os("HOME").map(PathBuf::from),
        prefix: req.prefix.clone(),
        name: req.name.clone(),
        endpoint: req.run.choice.endpoint(),
        protocol: req.run.protocol,
        chosen,
        resource_path_pointers: req.resource_path_pointers.clone(),
        config: req.config.clone(),
        config_schema: req.config_schema.clone(),
        replace: req.replace,
        confirmed: req.confirmed,
        protection: req.protection.clone(),
        env_age_recipients: std::env::var("SOPS_AGE_RECIPIENTS")
            .ok()
            .filter(|s| !s.trim().is_empty()),
    }
}

/// What a save would write, for the review screen.
pub fn plan(req: &SaveRequest) -> Result<SavePreview, String> {
    save::plan(&request(req)).map_err(|e| e.to_string())
}

/// Plan again and write (see `ops::save::save`).
pub fn save(req: &SaveRequest) -> Result<SaveDone, String> {
    save::save(&request(req)).map_err(|e| e.to_string())
}
