//! `catwalk discover` with a materialization connector, once its config exists: the collections of the source
//! catalogs (`--source`, default every catalog under the directory) bound one each, resources prefilled,
//! the connector's validate, Flow's field selection printed per binding, and `<name>.flow.yaml` written with
//! the materialization importing the source catalogs (merged into the file when it exists: its bindings and
//! hand edits stay). Rejected bindings are written disabled, or left out with `--skip-invalid`. The work is
//! `ops::materialize`; this prints.

use crate::catalog::{self, FieldChoices, ResourceOptions};
use crate::cli::args::DiscoverArgs;
use crate::cli::{Failure, Outcome, exit, output};
use crate::connector::{Connector, Endpoint};
use crate::model::Spec;
use crate::ops::discover as ops_discover;
use crate::ops::materialize::{self as ops_mat, Candidate, Rejected, Verdict};
use crate::text::plural;
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;

/// Where the materialization goes and how its connector runs.
pub(super) struct Place {
    pub prefix: String,
    pub dir: PathBuf,
    pub name: String,
    pub endpoint: Endpoint,
    pub pushed: Option<bool>,
}

/// A binding the file already has: validated as written there, kept as it is.
struct Existing {
    resource: Value,
    fields: Option<Value>,
    disable: bool,
}

pub(super) async fn run(
    args: &DiscoverArgs,
    connector: &Connector,
    spec: &Spec,
    config: &Value,
    place: Place,
) -> Outcome {
    let task = format!("{}/{}", place.prefix, place.name);
    let flow_file = place.dir.join(catalog::flow_file_name(&place.name));
    let sources = ops_mat::sources(&place.dir, &args.sources, &flow_file)?;
    for w in &sources.warnings {
        output::warn(w);
    }
    if sources.collections.is_empty() {
        let looked = if args.sources.is_empty() {
            format!(
                "no catalog under {} defines a collection",
                place.dir.display()
            )
        } else {
            "the --source catalogs define no collection".to_string()
        };
        return Err(Failure::invalid(format!(
            "nothing to materialize: {looked}. Discover a capture first (`catwalk discover --image SOURCE`), \
             or name the catalogs whose collections to bind with --source CATALOG"
        )));
    }
    let existing = existing_bindings(&flow_file, &task)?;
    let opts = ResourceOptions {
        with_schema: args.with_schema,
        delta_updates: args.delta_updates,
    };
    let fresh = ops_mat::candidates(&sources.collections, &spec.resource_config_schema, &opts);
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut kept_disabled = Vec::new();
    for mut c in fresh {
        if let Some(e) = existing.get(&c.collection.name) {
            if e.disable {
                kept_disabled.push(c.collection.name.clone());
                continue;
            }
            c.resource = e.resource.clone();
            c.fields = FieldChoices::from_value(e.fields.as_ref()).map_err(|m| {
                Failure::invalid(format!(
                    "{}: the binding of {} in {task}: {m}",
                    flow_file.display(),
                    c.collection.name
                ))
            })?;
        }
        candidates.push(c);
    }
    output::note(&format!(
        "Validating {} of {} with {}…",
        plural(candidates.len(), "binding"),
        plural(sources.files.len(), "source catalog"),
        connector.subject()
    ));
    let verdicts = ops_mat::validate(
        connector,
        &task,
        config,
        &spec.resource_config_schema,
        &candidates,
    )
    .await?;
    let rejected_mode = if args.skip_invalid {
        Rejected::Skip
    } else {
        Rejected::Disable
    };
    let mut conflicts = 0;
    for (c, v) in candidates.iter().zip(&verdicts) {
        conflicts += print_binding(
            c,
            v,
            rejected_mode,
            existing.contains_key(&c.collection.name),
        );
    }
    for name in &kept_disabled {
        output::note(&format!(
            "  {} {name}  {}",
            output::dim("-"),
            output::dim("disabled in the file: kept, not validated")
        ));
    }
    let rejected = verdicts.iter().filter(|v| !v.is_accepted()).count();

    let target = ops_discover::Target {
        prefix: &place.prefix,
        name: &place.name,
        endpoint: &place.endpoint,
        protocol: spec.protocol,
        network: Some(args.connector.run.network.as_str()),
    };
    let (endpoint, warning) = ops_discover::endpoint(&target);
    if let Some(w) = warning {
        output::warn(&w);
    }
    let mut bindings = ops_mat::bindings(&candidates, &verdicts, rejected_mode);
    // Disabled in the file: still among the sources, kept as written by the merge.
    bindings.extend(kept_disabled.iter().map(|name| {
        let e = &existing[name];
        catalog::NewBinding {
            collection: name.clone(),
            resource: e.resource.clone(),
            fields: FieldChoices::from_value(e.fields.as_ref()).unwrap_or_default(),
            disable: true,
        }
    }));
    let m = catalog::NewMaterialization {
        name: task.clone(),
        endpoint,
        imports: ops_mat::imports(&place.dir, &sources.files),
        edit: false,
        bindings,
    };
    let outcome = ops_mat::plan(&place.dir, &place.name, &m, false, output::warn)?;
    let Some(summary) = super::write_unless_dry(args, &outcome.plan)? else {
        return Ok(exit::OK);
    };
    let def = &outcome.merge.catalog.materializations[&task];
    let enabled = def.bindings.iter().filter(|b| !b.disable).count();
    output::note(&format!(
        "{} {}: materialization {} with {} ({} enabled), importing {}.",
        output::green("Wrote"),
        outcome.flow_file.display(),
        output::bold(&task),
        plural(def.bindings.len(), "binding"),
        enabled,
        m.imports.join(", ")
    ));
    let mut said = vec![format!(
        "{} added, {} kept as in the file",
        outcome.merge.added.len(),
        outcome.merge.kept.len()
    )];
    if rejected > 0 {
        said.push(format!(
            "{} rejected by the connector ({})",
            rejected,
            match rejected_mode {
                Rejected::Disable => "written disabled: fix them, then set `disable: false`",
                Rejected::Skip => "left out",
            }
        ));
    }
    output::note(&format!(
        "  {}; files: {} written, {} unchanged.",
        said.join("; "),
        summary.written,
        summary.unchanged
    ));
    if conflicts > 0 {
        output::warn(&format!(
            "{} of the file ask for fields the connector does not allow (see above): edit their `fields`",
            plural(conflicts, "binding")
        ));
    }
    super::print_next(
        &def.endpoint,
        place.pushed,
        &outcome.flow_file,
        "the bindings and their fields",
    );
    Ok(exit::OK)
}

/// The bindings `<name>.flow.yaml` already has for the materialization, by collection.
fn existing_bindings(
    flow_file: &std::path::Path,
    task: &str,
) -> Result<HashMap<String, Existing>, Failure> {
    if !flow_file.exists() {
        return Ok(HashMap::new());
    }
    let catalog =
        catalog::read_catalog_file(flow_file).map_err(|e| Failure::invalid(e.to_string()))?;
    let Some(def) = catalog.materializations.get(task) else {
        return Ok(HashMap::new());
    };
    Ok(def
        .bindings
        .iter()
        .filter_map(|b| {
            let name = b.source_collection()?.to_string();
            let e = Existing {
                resource: b.resource.clone(),
                fields: b.fields.clone(),
                disable: b.disable,
            };
            Some((name, e))
        })
        .collect())
}

/// One binding's lines: where it goes and its field selection, or why the connector rejects it. Returns 1
/// when its field choices conflict with the connector's constraints.
fn print_binding(c: &Candidate, v: &Verdict, rejected: Rejected, in_file: bool) -> usize {
    let name = &c.collection.name;
    let from_file = if in_file { " (as in the file)" } else { "" };
    match v {
        Verdict::Accepted {
            validated,
            selection,
        } => {
            let mut line = format!(
                "  {} {name}  {}{from_file}",
                output::green("✓"),
                output::dim(&validated.resource_path.join("."))
            );
            let s = crate::ops::fields::summary(validated);
            if !s.is_empty() {
                line.push_str(&format!(" ({s})"));
            }
            output::note(&line);
            match selection {
                Ok(sel) => {
                    output::note(&format!("      {}", sel.summary()));
                    0
                }
                Err(e) => {
                    output::note(&format!("      {}", e.selection.summary()));
                    for conflict in &e.conflicts {
                        output::note(&format!("      {} {conflict}", output::red("✗")));
                    }
                    1
                }
            }
        }
        Verdict::Rejected(message) => {
            let what = match (rejected, in_file) {
                (_, true) => "kept as in the file",
                (Rejected::Disable, false) => "written disabled",
                (Rejected::Skip, false) => "left out",
            };
            output::note(&format!(
                "  {} {name}  rejected ({what}): {message}",
                output::red("✗")
            ));
            0
        }
    }
}
