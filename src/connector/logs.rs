//! Connector log lines: parse stderr (JSON or text), keep a bounded tail for error messages, forward to a sink.
//! Every line is [`clipped`] on the way in: a connector may print a 50 MB line.

use crate::model::{LogLevel, LogLine};
use serde_json::Value;
use std::collections::VecDeque;

/// Parse one stderr line. JSON lines (`{"level","msg"|"message","fields"...}`, also Python's `levelname`)
/// become structured; anything else is kept as text at info level.
pub fn parse_stderr_line(line: &str) -> LogLine {
    let trimmed = line.trim_end_matches(['\r', '\n']);
    if trimmed.starts_with('{')
        && let Ok(Value::Object(mut obj)) = serde_json::from_str::<Value>(trimmed)
    {
        let level = ["level", "levelname", "severity", "lvl"]
            .iter()
            .find_map(|k| obj.get(*k).and_then(Value::as_str))
            .map(LogLevel::parse)
            .unwrap_or(LogLevel::Info);
        let message = ["msg", "message", "error", "err"]
            .iter()
            .find_map(|k| obj.remove(*k))
            .map(|v| match v {
                Value::String(s) => s,
                other => other.to_string(),
            });
        if let Some(message) = message {
            let fields = obj.remove("fields").or_else(|| {
                for k in [
                    "level",
                    "levelname",
                    "severity",
                    "lvl",
                    "ts",
                    "time",
                    "timestamp",
                ] {
                    obj.remove(k);
                }
                (!obj.is_empty()).then_some(Value::Object(obj))
            });
            return LogLine {
                level,
                message,
                fields,
            };
        }
    }
    LogLine {
        level: guess_text_level(trimmed),
        message: trimmed.to_string(),
        fields: None,
    }
}

fn guess_text_level(line: &str) -> LogLevel {
    let head: String = line
        .chars()
        .take(40)
        .collect::<String>()
        .to_ascii_uppercase();
    if head.contains("ERROR")
        || head.contains("FATAL")
        || head.starts_with("TRACEBACK")
        || head.starts_with("PANIC")
    {
        LogLevel::Error
    } else if head.contains("WARN") {
        LogLevel::Warn
    } else if head.contains("DEBUG") {
        LogLevel::Debug
    } else {
        LogLevel::Info
    }
}

/// `line` with its message and each of its fields cut to [`crate::clip::ECHO`] bytes (saying the size), as
/// every log line is kept and shown: a connector that prints a 50 MB line must not flood the terminal, the
/// wizard or the log file.
pub fn clipped(mut line: LogLine) -> LogLine {
    use crate::clip::{ECHO, clip};
    if line.message.len() > ECHO {
        line.message = clip(&line.message, ECHO);
    }
    match &mut line.fields {
        Some(Value::Object(fields)) => {
            for v in fields.values_mut() {
                clip_value(v);
            }
        }
        Some(other) => clip_value(other),
        None => {}
    }
    line
}

/// A string longer than [`crate::clip::ECHO`] is clipped; any other value that long in JSON becomes its
/// clipped JSON text.
fn clip_value(v: &mut Value) {
    use crate::clip::{ECHO, clip};
    match v {
        Value::String(s) if s.len() > ECHO => *s = clip(s, ECHO),
        Value::String(_) | Value::Null | Value::Bool(_) | Value::Number(_) => {}
        other => {
            let text = other.to_string();
            if text.len() > ECHO {
                *other = Value::String(clip(&text, ECHO));
            }
        }
    }
}

/// Render a log line on one line: the message, then `error`/`err` fields if any, which is where Go
/// connectors put the cause.
pub fn one_line(log: &LogLine) -> String {
    let mut out = log.message.clone();
    if let Some(Value::Object(fields)) = &log.fields {
        for k in ["error", "err", "cause"] {
            if let Some(v) = fields.get(k) {
                let v = v
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string());
                out.push_str(&format!(": {v}"));
            }
        }
    }
    out
}

/// A bounded tail of log lines, for the error message when a connector fails.
#[derive(Debug, Default, Clone)]
pub struct LogTail {
    lines: VecDeque<LogLine>,
}

impl LogTail {
    const KEEP: usize = 50;

    pub fn push(&mut self, line: LogLine) {
        if self.lines.len() == Self::KEEP {
            self.lines.pop_front();
        }
        self.lines.push_back(line);
    }

    /// The line to show when the connector failed: the exception of a Python traceback that ends the tail
    /// (in plain words, see [`python_exception`]), else the last error-level line, else the last non-empty one.
    pub fn last_error(&self) -> Option<String> {
        if let Some(e) = python_exception(self.lines.iter().map(|l| l.message.as_str())) {
            return Some(crate::clip::clip(&e, 500));
        }
        self.lines
            .iter()
            .rev()
            .find(|l| l.level >= LogLevel::Error && !l.message.trim().is_empty())
            .or_else(|| {
                self.lines
                    .iter()
                    .rev()
                    .find(|l| !l.message.trim().is_empty())
            })
            .map(|l| crate::clip::clip(&one_line(l), 500))
    }

    pub fn lines(&self) -> impl Iterator<Item = &LogLine> {
        self.lines.iter()
    }
}

/// The final exception of a Python traceback, when nothing at error level follows it: the line
/// `pkg.SomeError: message` that comes right after the indented frame lines, with its indented continuation
/// lines, and without qualified exception names (`sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) `),
/// which say nothing to the person who has to fix the config.
pub fn python_exception<'a>(lines: impl DoubleEndedIterator<Item = &'a str>) -> Option<String> {
    let lines: Vec<&str> = lines.collect();
    let indented = |l: &str| l.starts_with([' ', '\t']);
    let at = (1..lines.len())
        .rev()
        .find(|&i| indented(lines[i - 1]) && exception_name(lines[i]).is_some())?;
    let continued = lines[at + 1..].iter().take_while(|l| indented(l)).count();
    let after = &lines[at + 1 + continued..];
    if after.iter().any(|l| {
        !l.starts_with("(Background on this error") && guess_text_level(l) >= LogLevel::Error
    }) {
        return None;
    }
    let mut message = lines[at].to_string();
    // `pkg.A: (pkg.B) text` -> `text`; builtin names (`KeyError: 'x'`) are kept, they say something.
    while let Some(name) = exception_name(&message).filter(|n| n.contains('.')) {
        message = message[name.len()..]
            .trim_start_matches(':')
            .trim_start()
            .to_string();
    }
    while let Some(rest) = message.strip_prefix('(')
        && let Some((inner, tail)) = rest.split_once(") ")
        && is_exception_name(inner)
        && inner.contains('.')
    {
        message = tail.to_string();
    }
    for l in &lines[at + 1..at + 1 + continued] {
        message.push(' ');
        message.push_str(l.trim());
    }
    Some(message.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// `pkg.mod.SomeError` at the start of `line`, followed by `:` or the end of the line.
fn exception_name(line: &str) -> Option<&str> {
    let name = match line.split_once(':') {
        Some((name, _)) => name,
        None => line,
    };
    is_exception_name(name).then_some(name)
}

fn is_exception_name(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or_default();
    !name.is_empty()
        && name.split('.').all(|part| {
            part.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
        && [
            "Error",
            "Exception",
            "Exit",
            "Interrupt",
            "Failure",
            "Warning",
        ]
        .iter()
        .any(|suffix| last.ends_with(suffix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_json_logs() {
        let l = parse_stderr_line(
            r#"{"level":"error","msg":"connecting","fields":{"error":"refused"}}"#,
        );
        assert_eq!(l.level, LogLevel::Error);
        assert_eq!(one_line(&l), "connecting: refused");
    }

    #[test]
    fn parses_python_json_logs() {
        let l = parse_stderr_line(r#"{"levelname":"WARNING","message":"slow","ts":1}"#);
        assert_eq!(l.level, LogLevel::Warn);
        assert_eq!(l.message, "slow");
        assert!(l.fields.is_none());
    }

    #[test]
    fn text_lines_are_kept() {
        let l = parse_stderr_line("Traceback (most recent call last):\n");
        assert_eq!(l.level, LogLevel::Error);
        assert_eq!(l.message, "Traceback (most recent call last):");
        let l = parse_stderr_line("{not json");
        assert_eq!(l.message, "{not json");
    }

    #[test]
    fn python_tracebacks_end_in_plain_words() {
        let stderr = [
            "2026-11-22 06:43:17,473 | INFO     | tap-postgres | Skipping parse of env var settings...",
            "Traceback (most recent call last):",
            "  File \"/v/lib/python3.11/site-packages/sqlalchemy/engine/base.py\", line 143, in __init__",
            "           ^^^^^^^^^^^^^",
            "sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) connection to server at \"127.0.0.1\", port 1 failed: Connection refused",
            "\tIs the server running on that host and accepting TCP/IP connections?",
            "(Background on this error at: https://sqlalche.me/e/20/e3q8)",
        ];
        let mut tail = LogTail::default();
        for l in stderr {
            tail.push(parse_stderr_line(l));
        }
        assert_eq!(
            tail.last_error().as_deref(),
            Some(
                "connection to server at \"127.0.0.1\", port 1 failed: Connection refused Is the server running on that host and accepting TCP/IP connections?"
            )
        );
        // A later error line wins over the traceback.
        tail.push(parse_stderr_line("ERROR: the connector gave up"));
        assert_eq!(
            tail.last_error().as_deref(),
            Some("ERROR: the connector gave up")
        );
        // Not a traceback: unchanged.
        assert_eq!(python_exception(["KeyError: 'x'"].into_iter()), None);
        assert_eq!(
            python_exception(["  File x", "KeyError: 'x'"].into_iter()).as_deref(),
            Some("KeyError: 'x'")
        );
    }

    #[test]
    fn huge_lines_are_clipped_with_their_size() {
        let text = format!("ERROR: {}", "x".repeat(5_000_000));
        let l = clipped(parse_stderr_line(&text));
        assert!(l.message.len() < 2_100, "{}", l.message.len());
        assert!(
            l.message.ends_with("(5,000,007 bytes; first 2,000 shown)"),
            "{}",
            &l.message[1_990..]
        );
        assert_eq!(l.level, LogLevel::Error);
        let json = format!(
            r#"{{"level":"error","msg":"{}","fields":{{"error":"{}","rows":[{}]}}}}"#,
            "m".repeat(3_000),
            "e".repeat(3_000),
            vec!["1"; 2_000].join(",")
        );
        let l = clipped(parse_stderr_line(&json));
        assert!(one_line(&l).len() < 4_200, "{}", one_line(&l).len());
        assert!(l.message.ends_with("(3,000 bytes; first 2,000 shown)"));
        let fields = l.fields.unwrap();
        assert!(
            fields["error"]
                .as_str()
                .unwrap()
                .ends_with("(3,000 bytes; first 2,000 shown)")
        );
        assert!(
            fields["rows"]
                .as_str()
                .unwrap()
                .ends_with("(4,001 bytes; first 2,000 shown)")
        );
    }

    #[test]
    fn tail_prefers_last_error() {
        let mut tail = LogTail::default();
        tail.push(parse_stderr_line("ERROR: bad password"));
        tail.push(parse_stderr_line("shutting down"));
        assert_eq!(tail.last_error().as_deref(), Some("ERROR: bad password"));
        for i in 0..100 {
            tail.push(parse_stderr_line(&format!("line {i}")));
        }
        assert_eq!(tail.lines().count(), LogTail::KEEP);
        assert_eq!(tail.last_error().as_deref(), Some("line 99"));
    }
}
