//! Writing a materialization's catalog from a [`TaskDraft`](crate::catalog::TaskDraft): the task with
//! its bindings and the imports of the catalogs defining its sources, merged into an existing
//! `<name>.flow.yaml` (a new task's bindings added, an edited task's bindings changed and removed as the
//! person did, everything else in the file kept) or replacing it, plus its config file; planned for the
//! review ([`plan`]) and written all or nothing ([`save`]). Reached through `ops::save` for either kind.

use super::exit::Failure;
use super::materialize;
use super::save::{
    Request, SaveDone, SavePreview, config_file, flow_file, plaintext_secrets, relative,
    resolve_dir, sops_rules, unconfirmed_change,
};
use crate::catalog::{MaterializationOutcome, NewMaterialization};

/// The materialization operation's request for a save.
fn request(req: &Request) -> Result<materialize::SaveRequest, Failure> {
    let dir = resolve_dir(&req.dir, req.home.as_deref())?;
    if dir.is_file() {
        return Err(Failure::invalid(format!(
            "{} is a file: give a directory to write the catalog in",
            dir.display()
        )));
    }
    let task = &req.task;
    if task.bindings.is_empty() {
        return Err(Failure::invalid(
            "no collection is chosen: go back to Collections (Esc) and select at least one",
        ));
    }
    let target = super::discover::Target {
        prefix: &task.prefix,
        name: &task.name,
        endpoint: &req.endpoint,
        protocol: req.protocol,
        network: None,
    };
    let (endpoint, _) = super::discover::endpoint(&target);
    Ok(materialize::SaveRequest {
        materialization: NewMaterialization {
            name: task.full_name(),
            endpoint,
            imports: materialize::imports(&dir, &task.sources),
            bindings: task.materialization_bindings(),
            edit: task.edit,
        },
        flow_file: flow_file(req, &dir),
        config_file: config_file(req, &dir)?,
        dir,
        replace: req.replace,
        config: (!req.keep_config).then(|| req.config.clone()),
        config_schema: req.config_schema.clone(),
        protection: req.protection.clone(),
    })
}

/// What a materialization's save would write, for the review screen.
pub fn plan(req: &Request) -> Result<SavePreview, Failure> {
    let r = request(req)?;
    let existed = r.flow_file.exists();
    let outcome = materialize::plan_save(&r)?;
    let plaintext = plaintext_secrets(&req.config_schema, &req.config, req.protection.as_ref())?;
    Ok(preview(req, &r, &outcome, existed, plaintext))
}

fn preview(
    req: &Request,
    r: &materialize::SaveRequest,
    outcome: &MaterializationOutcome,
    existed: bool,
    plaintext_secrets: Vec<String>,
) -> SavePreview {
    let mut warnings = outcome.warnings.clone();
    warnings.extend(outcome.merge.warnings.iter().cloned());
    let merging = existed && !req.replace;
    let kept_as_is = if merging && !r.materialization.edit {
        outcome
            .merge
            .kept
            .iter()
            .map(|c| format!("{c} keeps its binding as in the file"))
            .collect()
    } else {
        Vec::new()
    };
    let m = &outcome.merge;
    let merged = merging.then(|| match r.materialization.edit {
        true => format!(
            "{} binding(s) added, {} changed, {} removed, {} unchanged",
            m.added.len(),
            m.changed.len(),
            m.removed.len(),
            m.kept.len()
        ),
        false => format!(
            "{} binding(s) added, {} kept as in the file",
            m.added.len(),
            m.kept.len()
        ),
    });
    SavePreview {
        dir: r.dir.clone(),
        files: outcome
            .plan
            .files()
            .iter()
            .map(|f| (relative(&f.path, &r.dir), f.status))
            .collect(),
        flow_yaml: outcome.flow_yaml(),
        merged,
        replace: req.replace && existed,
        kept_as_is,
        warnings,
        plaintext_secrets,
        sops_rules: sops_rules(&r.dir),
        // A materialization's merge is told by `merged` and `kept_as_is`: no capture diff.
        diff: Default::default(),
        env_age_recipients: req.env_age_recipients.clone(),
    }
}

/// Plan again and write; refused when a file that exists would change and the person has not chosen
/// merge or overwrite. Blocking (sops runs here).
pub fn save(req: &Request) -> Result<SaveDone, Failure> {
    let r = request(req)?;
    if !req.confirmed {
        unconfirmed_change(&materialize::plan_save(&r)?.plan)?;
    }
    let (outcome, summary) = materialize::save(&r)?;
    let endpoint = outcome
        .merge
        .catalog
        .materializations
        .get(&outcome.name)
        .map(|m| m.endpoint.clone());
    Ok(SaveDone {
        flow_file: outcome.flow_file,
        config_file: r.dir.join(&r.config_file),
        written: summary.written,
        unchanged: summary.unchanged,
        capture: outcome.name,
        endpoint,
        pushed: None,
    })
}
