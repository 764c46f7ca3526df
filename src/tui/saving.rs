//! Step 7's file work, run by the task executor: plan the catalog the wizard writes (the capture from the
//! selected bindings, merged into an existing `<name>.flow.yaml` or replacing it, plus the config file
//! with mode 0600) with the same catalog code `catwalk discover` uses, and write it atomically. A config
//! to protect is encrypted with sops (`secrets::encrypt`) when saving, in memory: the plaintext is never
//! written.

use super::msg::{SaveDone, SavePreview, SaveRequest};
use crate::catalog::{self, DiscoverOutcome, Discovery, FileStatus};
use crate::connector::Endpoint;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The directory as typed, made absolute: `~` is the home directory, a relative path is under the
/// current directory, empty is the current directory.
pub fn resolve_dir(typed: &str) -> Result<PathBuf, String> {
    let typed = typed.trim();
    let home = || {
        std::env::var_os("HOME")
            .map(PathBuf::from)
            .ok_or_else(|| "there is no home directory to expand ~ in".to_string())
    };
    let path = match typed.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => {
            home()?.join(rest.trim_start_matches('/'))
        }
        _ => PathBuf::from(typed),
    };
    let path = if path.is_absolute() {
        path
    } else {
        std::env::current_dir()
            .map_err(|e| format!("cannot find the current directory: {e}"))?
            .join(path)
    };
    // `.` parts say nothing: `/home/ana/./x` is `/home/ana/x`.
    Ok(path
        .components()
        .filter(|c| *c != std::path::Component::CurDir)
        .collect())
}

fn discovery(req: &SaveRequest) -> Discovery {
    let bindings = req
        .chosen
        .iter()
        .map(|(i, _)| {
            let mut b = req.bindings[*i].clone();
            // Chosen: enabled, even when the connector proposed it disabled.
            b.disable = false;
            b
        })
        .collect();
    let targets = req.chosen.iter().map(|(_, t)| t.clone()).collect();
    let endpoint = req.run.choice.endpoint();
    let runs = match &endpoint {
        Endpoint::Image(image) => catalog::Runs::Image(image),
        Endpoint::Local { command, env } => catalog::Runs::Local { command, env },
    };
    let (catwalk, _) = catalog::catwalk_command();
    Discovery {
        prefix: req.prefix.clone(),
        name: req.name.clone(),
        endpoint: catalog::catalog_endpoint(
            runs,
            req.run.protocol,
            None,
            &catwalk,
            &catalog::config_file_name(&req.name),
        ),
        bindings,
        targets: Some(targets),
        resource_path_pointers: req.resource_path_pointers.clone(),
    }
}

/// Plan every file (nothing is written).
fn plan_files(req: &SaveRequest) -> Result<(PathBuf, DiscoverOutcome, bool), String> {
    let dir = resolve_dir(&req.dir)?;
    if dir.is_file() {
        return Err(format!(
            "{} is a file: give a directory to write the catalog in",
            dir.display()
        ));
    }
    let flow_file = dir.join(catalog::flow_file_name(&req.name));
    let existed = flow_file.exists();
    // The person chose these bindings: new ones are added enabled (a re-discovery alone adds them disabled).
    let choices: HashMap<String, catalog::Choice> = req
        .chosen
        .iter()
        .map(|(i, _)| {
            let id = catalog::resource_id(
                &req.bindings[*i].resource_config,
                &req.resource_path_pointers,
            );
            (id.to_string(), catalog::Choice::Accept)
        })
        .collect();
    let options = catalog::PlanOptions {
        replace: req.replace,
        force: false,
    };
    let mut outcome = catalog::plan_capture_choosing(&dir, discovery(req), options, &choices)
        .map_err(|e| e.to_string())?;
    outcome
        .add_config(&dir, &catalog::config_file_name(&req.name), &req.config)
        .map_err(|e| e.to_string())?;
    Ok((dir, outcome, existed))
}

/// What merging keeps from the existing catalog against the person's choices: bindings already in the
/// file keep their collection and their `disable` there (see `catalog::merge`).
fn kept_as_is(req: &SaveRequest, outcome: &DiscoverOutcome, existed: bool) -> Vec<String> {
    if !existed || req.replace {
        return Vec::new();
    }
    let chosen: HashMap<String, &str> = req
        .chosen
        .iter()
        .map(|(i, target)| {
            let id = catalog::resource_id(
                &req.bindings[*i].resource_config,
                &req.resource_path_pointers,
            );
            (id.to_string(), target.as_str())
        })
        .collect();
    let mut out = Vec::new();
    for k in &outcome.report.kept {
        let Some(wanted) = chosen.get(&k.resource) else {
            continue;
        };
        if *wanted != k.target {
            out.push(format!("{wanted} stays {} as in the file", k.target));
        }
        if k.disable {
            out.push(format!("{} stays disabled as in the file", k.target));
        }
    }
    out
}

/// The `.sops.yaml` (or `.sops.yml`) sops would use for files in `dir`: the nearest up from it.
pub fn sops_rules(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .flat_map(|d| [d.join(".sops.yaml"), d.join(".sops.yml")])
        .find(|f| f.is_file())
}

fn relative(path: &Path, dir: &Path) -> String {
    path.strip_prefix(dir).unwrap_or(path).display().to_string()
}

/// What a save would write, for the review screen.
pub fn plan(req: &SaveRequest) -> Result<SavePreview, String> {
    let (dir, outcome, existed) = plan_files(req)?;
    let flow_yaml = outcome
        .plan
        .files()
        .iter()
        .find(|f| f.path == outcome.flow_file)
        .map(|f| String::from_utf8_lossy(&f.contents).into_owned())
        .unwrap_or_default();
    let mut warnings = outcome.warnings.clone();
    if let (_, Some(w)) = catalog::catwalk_command()
        && req.run.protocol != crate::model::Protocol::Flow
    {
        warnings.push(w);
    }
    let plaintext_secrets = if req.protection.is_none() {
        crate::secrets::plaintext_secrets(&req.config_schema, &req.config)
            .iter()
            .map(ToString::to_string)
            .collect()
    } else {
        Vec::new()
    };
    if let Some(p) = &req.protection
        && p.scope == crate::secrets::Scope::Secrets
        && crate::secrets::plaintext_secrets(&req.config_schema, &req.config).is_empty()
    {
        return Err(
            "no field the connector marks secret has a value, so there is nothing to encrypt: choose \
             \"whole document\" or \"off\""
                .into(),
        );
    }
    Ok(SavePreview {
        plaintext_secrets,
        sops_rules: sops_rules(&dir),
        env_age_recipients: std::env::var("SOPS_AGE_RECIPIENTS")
            .ok()
            .filter(|s| !s.trim().is_empty()),
        files: outcome
            .plan
            .files()
            .iter()
            .map(|f| (relative(&f.path, &dir), f.status))
            .collect(),
        flow_yaml,
        merged: (existed && !req.replace).then(|| outcome.report.summary()),
        kept_as_is: kept_as_is(req, &outcome, existed),
        replace: req.replace && existed,
        warnings,
        dir,
    })
}

/// Plan again and write. Refused when a file that exists would change and the person has not confirmed
/// (merge or overwrite).
pub fn save(req: &SaveRequest) -> Result<SaveDone, String> {
    let (dir, outcome, existed) = plan_files(req)?;
    if !req.confirmed {
        if let Some(f) = outcome
            .plan
            .files()
            .iter()
            .find(|f| f.status == FileStatus::Changed)
        {
            return Err(format!(
                "{} exists and would change: choose to merge or to overwrite first",
                f.path.display()
            ));
        }
        if let Some(k) = kept_as_is(req, &outcome, existed).first() {
            return Err(format!(
                "merging would not apply all your choices ({k}): choose to merge or to overwrite first"
            ));
        }
    }
    let config_file = dir.join(catalog::config_file_name(&req.name));
    let mut plan = outcome.plan;
    if let Some(protection) = &req.protection {
        // Encrypted in memory; the planned plaintext is replaced before anything is written.
        let bytes =
            crate::secrets::encrypt(&req.config, &req.config_schema, protection, &config_file)
                .map_err(|e| e.to_string())?;
        plan.add(
            &config_file,
            bytes,
            catalog::WriteMode::Replace,
            Some(0o600),
        )
        .map_err(|e| e.to_string())?;
    }
    let summary = plan.write_all().map_err(|e| e.to_string())?;
    Ok(SaveDone {
        config_file,
        flow_file: outcome.flow_file,
        written: summary.written,
        unchanged: summary.unchanged,
        capture: outcome.capture_name,
    })
}
