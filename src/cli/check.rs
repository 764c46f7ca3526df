//! `catwalk check --source F`: load a catalog (following imports, resolving config and schema files), then for
//! each capture and materialization validate its config against the connector's schema and run the connector's
//! own validation, reporting per task and per binding (for a materialization binding, the field selection
//! Flow's rules give and any field choice the connector refuses). Any failure makes the exit code non-zero.

//! The checking is `ops::check`; this verb picks the tasks and prints the report.

use super::args::{CheckArgs, RunArgs};
use super::{Failure, Outcome, exit, output};
use crate::catalog::{self, LoadedTask};
use crate::connector::{Endpoint, Options};
use crate::model::ConnectorKind;
use crate::ops::check::{self as ops_check, TaskRun};
pub(super) use crate::text::plural;

pub async fn run(args: CheckArgs) -> Outcome {
    let loaded = catalog::load(&args.source).map_err(|e| Failure::invalid(e.to_string()))?;
    ops_check::structure(&loaded.files)?;
    ops_check::collections(&loaded)?;
    let tasks: Vec<&LoadedTask> = loaded
        .captures
        .iter()
        .chain(&loaded.materializations)
        .filter(|t| args.names.is_empty() || args.names.contains(&t.name))
        .collect();
    if tasks.is_empty() {
        let what = if args.names.is_empty() {
            "no captures or materializations".to_string()
        } else {
            format!("none of the named tasks ({})", args.names.join(", "))
        };
        return Err(Failure::invalid(format!(
            "{} defines {what} (files read: {})",
            args.source.display(),
            loaded.files.len()
        )));
    }
    let run = TaskRun {
        base: args.run.options(),
        protocol: args.run.protocol,
        policy: args.run.policy(),
        source: &args.source,
    };
    let mut failed = 0;
    let mut worst = exit::OK;
    let mut local = Vec::new();
    for task in &tasks {
        let kind = match task.kind {
            ConnectorKind::Capture => "capture",
            ConnectorKind::Materialize => "materialization",
        };
        output::note(&format!(
            "{kind} {} ({})",
            output::bold(&task.name),
            task.endpoint.describe()
        ));
        let outcome = check_task(task, &run).await;
        let reach = crate::ops::reach::of(&task.endpoint).await;
        output::note(&format!(
            "  where it can run: {}{}",
            reach.label(),
            reach
                .advice()
                .map(|a| format!("; to publish: {a}"))
                .unwrap_or_default()
        ));
        if !reach.is_publishable() {
            local.push(task.name.clone());
        }
        match outcome {
            Ok(lines) => {
                for line in lines {
                    output::note(&line);
                }
                output::note(&format!("  {} {kind} {}", output::green("ok"), task.name));
            }
            Err(Failure { kind, message }) => {
                failed += 1;
                if kind.rank() > worst.rank() {
                    worst = kind;
                }
                for (i, line) in message.lines().enumerate() {
                    if i == 0 {
                        output::note(&format!("  {} {line}", output::red("FAILED")));
                    } else {
                        output::note(&format!("  {line}"));
                    }
                }
            }
        }
    }
    let passed = tasks.len() - failed;
    if failed == 0 {
        if local.is_empty() {
            output::note(&format!(
                "Every task is publishable: `flowctl catalog publish --source {}`.",
                args.source.display()
            ));
        } else {
            output::note(&format!(
                "Not publishable yet ({}): see \"where it can run\" above.",
                local.join(", ")
            ));
        }
    }
    output::note(&format!(
        "{} checked: {passed} passed, {failed} failed.",
        plural(tasks.len(), "task")
    ));
    // Each task's failure has its kind (a missing sops key, a config off its schema, a connector's refusal);
    // the most telling one is the exit code.
    Ok(worst)
}

/// How to run a task's connector: its image, or its local command, which Flow runs with its own protocol.
pub(super) fn task_connector(
    task: &LoadedTask,
    run: &RunArgs,
) -> Result<(Endpoint, Options), String> {
    ops_check::task_connector(task, run.protocol, run.options())
}

/// Check one task; on success, the per-binding lines to print; on failure, what and where, and its exit kind.
async fn check_task(task: &LoadedTask, run: &TaskRun<'_>) -> Result<Vec<String>, Failure> {
    let report = ops_check::task(task, run, &output::reporter()).await?;
    let mut lines = Vec::new();
    for b in &report.bindings {
        let mark = if b.problems.is_empty() {
            output::green("✓")
        } else {
            output::red("✗")
        };
        let mut line = format!(
            "  {mark} {}  {}",
            b.collection,
            output::dim(&b.resource_path.join("."))
        );
        if !b.summary.is_empty() {
            line.push_str(&format!(" ({})", b.summary));
        }
        lines.push(line);
        // A materialization binding: the fields Flow would select, and what the connector refuses of them.
        if let Some(selection) = &b.selection {
            lines.push(format!("      {}", selection.summary()));
        }
        for p in &b.problems {
            lines.push(format!("      {} {p}", output::red("✗")));
        }
    }
    let refused = report.refused();
    if !refused.is_empty() {
        let mut msg = format!(
            "the connector refuses the field selection of {}:",
            plural(refused.len(), "binding field")
        );
        for line in &lines {
            msg.push_str(&format!("\n{line}"));
        }
        return Err(Failure::new(exit::FAILED, msg));
    }
    if report.disabled > 0 {
        lines.push(format!(
            "  {}",
            output::dim(&format!(
                "{} disabled, not checked",
                plural(report.disabled, "binding")
            ))
        ));
    }
    Ok(lines)
}
