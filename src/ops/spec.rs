//! Fetching a connector's spec, cache-aware: an image whose digest the spec cache knows answers from the
//! cache (no container is started) unless a fresh answer is asked for; otherwise the connector runs and its
//! answer refreshes the cache. Pull progress (at most every [`PULL_EVERY`]) and log lines (secrets masked)
//! go to the reporter as they come.

use super::exit::Failure;
use super::report::{self, Event, Reporter};
use crate::connector::spec_cache::{self, SpecCache};
use crate::connector::{Connector, Endpoint, Options, PullSink};
use crate::model::{ConnectorKind, Protocol, Spec};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A spec and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct SpecOutcome {
    pub spec: Spec,
    pub protocol: Protocol,
    pub kind: ConnectorKind,
    /// `image X` or `command Y`.
    pub subject: String,
    /// The image digest (or id, for images built locally) the spec is cached under.
    pub digest: Option<String>,
    /// Read from the spec cache: no container was started.
    pub from_cache: bool,
}

/// At most one pull report per this interval (plus the last one).
pub const PULL_EVERY: Duration = Duration::from_millis(100);

/// A pull sink reporting at most every [`PULL_EVERY`], and always the finished pull.
pub fn pull_sink(report: &Reporter) -> PullSink {
    let last_pull: Mutex<Option<Instant>> = Mutex::new(None);
    let report = report.clone();
    Arc::new(move |p| {
        let now = Instant::now();
        let Ok(mut last) = last_pull.lock() else {
            return;
        };
        let finished = p.total > 0 && p.done >= p.total;
        if finished || last.is_none_or(|t| now.duration_since(t) >= PULL_EVERY) {
            *last = Some(now);
            report(Event::Pull(p.clone()));
        }
    })
}

/// Open the connector at `endpoint` (with `protocol`, if known) and get its spec: from `cache` when the
/// image's digest has one and `fresh` is not asked, else by running it (then [`Event::Running`] is
/// reported). `reference` is what the cache records the entry as.
pub async fn fetch(
    endpoint: Endpoint,
    protocol: Option<Protocol>,
    reference: &str,
    cache: Option<SpecCache>,
    fresh: bool,
    report: &Reporter,
) -> Result<SpecOutcome, Failure> {
    let opts = Options {
        protocol,
        logs: Some(report::log_sink(report)),
        pull: Some(pull_sink(report)),
        ..Options::default()
    };
    let connector = Connector::open(endpoint, opts).await?;
    let digest = connector.image().and_then(spec_cache::key);
    // The spec's kind: a local Flow command says it is a materialization only there.
    let outcome = |spec: crate::model::Spec, from_cache| SpecOutcome {
        protocol: connector.protocol(),
        kind: match spec.kind {
            ConnectorKind::Materialize => ConnectorKind::Materialize,
            ConnectorKind::Capture => connector.kind(),
        },
        subject: connector.subject(),
        digest: digest.clone(),
        spec,
        from_cache,
    };
    if let (Some(cache), Some(key), false) = (&cache, &digest, fresh)
        && let Some(spec) = cache.get(key)
        && protocol.is_none_or(|p| p == spec.protocol)
    {
        tracing::info!(
            "spec of {} read from the cache ({key})",
            connector.subject()
        );
        return Ok(outcome(spec, true));
    }
    report(Event::Running);
    let spec = connector.spec().await?;
    if let (Some(cache), Some(key)) = (&cache, &digest) {
        cache.put(key, reference, &spec);
    }
    Ok(outcome(spec, false))
}
