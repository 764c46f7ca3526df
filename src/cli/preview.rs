//! `catwalk preview --source F`: run a catalog's capture (see [`crate::ops::preview`]) and print what it
//! captures as `flowctl preview` does: one `["<collection>", <document>]` line per document on stdout (and
//! `["connectorState", {...}]` lines with --output-state), a summary per binding on stderr. Documents that
//! break their collection's schema or lack its key make the exit code non-zero, unless --allow-invalid.

use super::args::PreviewArgs;
use super::{Failure, Outcome, exit, output};
use crate::ops::preview::{self, Event, PreviewRequest, Report};
use crate::ops::tunnel::PASSPHRASE_ENV;
use crate::tunnel::Secret;
use serde::Serialize;
use std::io::Write;

pub async fn run(args: PreviewArgs) -> Outcome {
    let initial_state = match &args.initial_state {
        None => serde_json::json!({}),
        Some(text) => serde_json::from_str(text).map_err(|e| {
            Failure::new(
                exit::USAGE,
                format!("--initial-state is not JSON ({e}); give the state as a JSON object, e.g. '{{\"cursor\": 3}}'"),
            )
        })?,
    };
    let req = PreviewRequest {
        source: args.source.clone(),
        name: args.name.clone(),
        sessions: args.sessions.clone().unwrap_or_default(),
        limit: args.limit,
        session_timeout: args.run.timeout,
        initial_state,
        options: args.run.options(),
        host_keys: crate::ops::tunnel::policy(
            args.run.accept_new_host_key,
            args.run.known_hosts.clone(),
        ),
        passphrase: std::env::var(PASSPHRASE_ENV).ok().map(Secret::new),
    };
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout());
    let output_state = args.output_state;
    let mut printer = |event: Event<'_>| -> std::io::Result<()> {
        match event {
            Event::Note(n) => output::note(n),
            Event::Warning(w) => output::warn(w),
            Event::SessionStarted { number, of, .. } => {
                if of > 1 {
                    output::note(&output::dim(&format!("session {number} of {of}")));
                }
            }
            Event::Document {
                collection, doc, ..
            } => line(&mut out, collection, doc)?,
            Event::State(s) => {
                if output_state {
                    line(&mut out, "connectorState", s)?;
                }
                out.flush()?;
            }
            Event::SessionEnded(s) => {
                out.flush()?;
                output::note(&output::dim(&format!(
                    "session {}: {} documents, {} transactions ({} checkpoints); ended because {}",
                    s.number, s.documents, s.transactions, s.checkpoints, s.ended
                )));
            }
        }
        Ok(())
    };
    let outcome = preview::preview(req, &mut printer).await;
    // A reader that went away (`catwalk preview ... | head`) is not an error.
    let _ = out.flush();
    let report = outcome.map_err(Failure::from)?;
    summary(&report);
    let invalid = report.invalid();
    if invalid > 0 {
        let message = format!(
            "{invalid} document{} did not match {} collection's schema or lacked its key (above)",
            if invalid == 1 { "" } else { "s" },
            if invalid == 1 { "its" } else { "their" },
        );
        if args.allow_invalid {
            output::warn(&format!("{message}; --allow-invalid: not an error"));
        } else {
            return Err(Failure::new(
                exit::FAILED,
                format!(
                    "{message}. Fix the schemas (or the connector), or pass --allow-invalid to only warn."
                ),
            ));
        }
    }
    Ok(exit::OK)
}

/// `["name", value]` and a newline.
fn line(out: &mut impl Write, name: &str, value: &impl Serialize) -> std::io::Result<()> {
    out.write_all(b"[")?;
    serde_json::to_writer(&mut *out, name)?;
    out.write_all(b",")?;
    serde_json::to_writer(&mut *out, value)?;
    out.write_all(b"]\n")
}

/// One line per binding on stderr: its documents, and where the first invalid one went wrong.
fn summary(report: &Report) {
    output::note(&format!(
        "{}: {} documents in {} session{}",
        output::bold(&report.capture),
        report.documents(),
        report.sessions.len(),
        if report.sessions.len() == 1 { "" } else { "s" }
    ));
    for b in &report.bindings {
        let mark = if b.invalid == 0 {
            output::green("✓")
        } else {
            output::red("✗")
        };
        let mut text = format!("  {mark} {}: {} documents", b.collection, b.documents);
        if b.sourced_schemas > 0 {
            text.push_str(&format!(", {} sourced schemas", b.sourced_schemas));
        }
        if let Some(first) = &b.first_invalid {
            let at = if first.pointer.is_empty() {
                "the document".to_string()
            } else {
                first.pointer.clone()
            };
            text.push_str(&format!(
                ", {} invalid (first: document {}, at {at}: {})",
                b.invalid, first.document, first.reason
            ));
        }
        output::note(&text);
    }
    if report.disabled > 0 {
        output::note(&output::dim(&format!(
            "  {} disabled binding{}, not captured",
            report.disabled,
            if report.disabled == 1 { "" } else { "s" }
        )));
    }
}
