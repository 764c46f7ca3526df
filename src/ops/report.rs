//! How an operation tells its caller what happens while it runs: one [`Event`] at a time through a
//! [`Reporter`] the caller gives. The verbs print them (`cli::output`), the wizard turns them into task
//! messages. Connector log lines pass through [`log_sink`], which masks every registered secret first, so
//! no caller can show a secret a connector logged.

use crate::connector::{LogSink, PullProgress};
use crate::model::LogLine;
use serde_json::Value;
use std::sync::Arc;

/// What an operation reports while it runs.
#[derive(Debug, Clone)]
pub enum Event {
    /// Something done, worth saying (a tunnel opened).
    Note(String),
    /// Something the person should fix or know (a plaintext secret, a protocol Flow cannot run).
    Warn(String),
    /// A connector's log line, its secrets already masked.
    Log(LogLine),
    /// Image pull progress.
    Pull(PullProgress),
    /// The connector is running (nothing came from a cache).
    Running,
}

/// Where an operation's events go.
pub type Reporter = Arc<dyn Fn(Event) + Send + Sync>;

/// A reporter that drops everything.
pub fn silent() -> Reporter {
    Arc::new(|_| {})
}

/// A connector log sink reporting each line as [`Event::Log`], with every registered secret masked in its
/// message and its structured fields.
pub fn log_sink(report: &Reporter) -> LogSink {
    let report = report.clone();
    Arc::new(move |l: &LogLine| report(Event::Log(masked(l))))
}

/// The line with every registered secret masked (`redact::text`).
pub fn masked(line: &LogLine) -> LogLine {
    LogLine {
        level: line.level,
        message: crate::redact::text(&line.message).into_owned(),
        fields: line.fields.as_ref().map(mask_value),
    }
}

fn mask_value(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(crate::redact::text(s).into_owned()),
        Value::Array(items) => Value::Array(items.iter().map(mask_value).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), mask_value(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LogLevel;
    use serde_json::json;
    use std::sync::Mutex;

    /// A secret typed into a form (a field the schema marks secret) is registered before the connector runs,
    /// and a log line that echoes it reaches the caller masked, in its text and its structured fields.
    #[test]
    fn a_form_secret_is_masked_in_connector_log_lines() {
        let schema = json!({"type": "object", "properties": {
            "user": {"type": "string"},
            "password": {"type": "string", "secret": true}}});
        let config = json!({"user": "ops-report-visible-user", "password": "ops-report-Hunter2!"});
        crate::ops::secrets::register(&schema, &config);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let keep = seen.clone();
        let report: Reporter = Arc::new(move |e| {
            if let Event::Log(l) = e {
                keep.lock().unwrap().push(l);
            }
        });
        let sink = log_sink(&report);
        sink(&LogLine {
            level: LogLevel::Error,
            message: "login failed for ops-report-visible-user with ops-report-Hunter2!".into(),
            fields: Some(json!({"config": {"password": "ops-report-Hunter2!"}, "n": 3})),
        });
        let seen = seen.lock().unwrap();
        assert_eq!(
            seen[0].message,
            "login failed for ops-report-visible-user with ****"
        );
        assert_eq!(
            seen[0].fields,
            Some(json!({"config": {"password": "****"}, "n": 3}))
        );
    }
}
