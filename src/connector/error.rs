//! What can go wrong while starting or talking to a connector, worded for the person who has to fix it.

use std::time::Duration;

/// Where a connector runs, for messages: `image ghcr.io/estuary/source-postgres:v1` or `command source-faker`.
pub type Subject = String;

#[derive(Debug, thiserror::Error)]
pub enum ConnectorError {
    #[error(
        "cannot reach the Docker daemon at {host}: {reason}\n  Start Docker (e.g. `sudo systemctl start docker`) or point DOCKER_HOST at a running daemon. \
         Local connectors (`--local -- COMMAND`) work without Docker."
    )]
    DockerUnavailable { host: String, reason: String },

    #[error(
        "image {image} was not found locally and {reason}\n  Check the image name and tag, or build/load it locally first (`docker images` lists what is there)."
    )]
    ImageNotFound { image: String, reason: String },

    #[error(
        "pulling image {image} failed: {reason}\n  Check the image name, your network, and your registry credentials (`docker login REGISTRY`)."
    )]
    PullFailed { image: String, reason: String },

    #[error("Docker refused to run {image}: {reason}")]
    Docker { image: String, reason: String },

    #[error(
        "cannot start command {command:?}: {reason}\n  Check that the program exists and is executable (is it on PATH?)."
    )]
    Spawn { command: String, reason: String },

    #[error("{subject} exited with {status} {during}{}", last_log_suffix(.last_log))]
    Exited {
        subject: Subject,
        status: String,
        during: String,
        last_log: Option<String>,
    },

    #[error(
        "{subject} wrote output that is not the {protocol} protocol {during}: {line}\n  A connector must write only protocol messages to stdout; logs belong on stderr."
    )]
    Protocol {
        subject: Subject,
        protocol: &'static str,
        during: String,
        line: String,
    },

    #[error(
        "{subject} answered with the wrong message {during}: expected `{expected}`, got {got}\n  A Flow connector answers each request with one message of the matching type (see Flow's capture.proto and materialize.proto)."
    )]
    UnexpectedResponse {
        subject: Subject,
        during: String,
        /// The message the request calls for, e.g. `discovered`.
        expected: &'static str,
        /// What came instead, e.g. `` `spec` `` or `` `{}` ``.
        got: String,
    },

    #[error("{subject} reported an error {during}: {message}")]
    Reported {
        subject: Subject,
        during: String,
        message: String,
    },

    #[error("{subject} did not finish {during} within {}\n  Raise the limit with --timeout if the system it connects to is slow.{}", humantime(*.after), last_log_suffix(.last_log))]
    Timeout {
        subject: Subject,
        during: String,
        after: Duration,
        last_log: Option<String>,
    },

    #[error("cancelled {during}")]
    Cancelled { during: String },

    #[error("{0}")]
    Io(String),
}

fn last_log_suffix(last: &Option<String>) -> String {
    match last {
        Some(line) => match hint(line) {
            Some(hint) => format!("\n  Its last log line: {line}\n  {hint}"),
            None => format!("\n  Its last log line: {line}"),
        },
        None => String::new(),
    }
}

/// What a connector's last log line most likely means, in plain words, for the failures people meet
/// first (database drivers word them alike).
pub fn hint(line: &str) -> Option<&'static str> {
    let l = line.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| l.contains(w));
    if has(&["connection refused"]) {
        Some(
            "Nothing accepts connections at that host and port: check the host and port in the config, and that the server is running.",
        )
    } else if has(&[
        "password authentication failed",
        "authentication failed",
        "access denied",
        "invalid password",
    ]) {
        Some("The server refused the user name or password: check them in the config.")
    } else if has(&[
        "could not translate host name",
        "name or service not known",
        "temporary failure in name resolution",
        "nodename nor servname",
    ]) {
        Some("The host name does not resolve: check the host in the config.")
    } else if l.contains("database") && l.contains("does not exist") {
        Some("The server has no database of that name: check the database in the config.")
    } else if has(&["timeout expired", "timed out"]) {
        Some(
            "The server did not answer in time: check the host and port in the config, and any firewall between.",
        )
    } else {
        None
    }
}

/// `90s`, `5m`, `1h30m`: short and exact.
pub fn humantime(d: Duration) -> String {
    let secs = d.as_secs();
    if secs == 0 {
        return format!("{}ms", d.as_millis());
    }
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 || out.is_empty() {
        out.push_str(&format!("{s}s"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn humantime_is_short() {
        assert_eq!(humantime(Duration::from_secs(90)), "1m30s");
        assert_eq!(humantime(Duration::from_secs(600)), "10m");
        assert_eq!(humantime(Duration::from_millis(250)), "250ms");
    }

    #[test]
    fn connection_failures_get_plain_hints() {
        let e = ConnectorError::Exited {
            subject: "command tap-postgres".into(),
            status: "exit code 1".into(),
            during: "during discover".into(),
            last_log: Some(
                "connection to server at \"127.0.0.1\", port 1 failed: Connection refused".into(),
            ),
        };
        let msg = e.to_string();
        assert!(
            msg.contains("Connection refused") && msg.contains("check the host and port"),
            "{msg}"
        );
        assert!(
            hint("FATAL:  password authentication failed for user \"x\"")
                .unwrap()
                .contains("user name or password")
        );
        assert_eq!(hint("all is well"), None);
    }

    #[test]
    fn exited_mentions_last_log_line() {
        let e = ConnectorError::Exited {
            subject: "command source-x".into(),
            status: "exit code 3".into(),
            during: "during discover".into(),
            last_log: Some("boom".into()),
        };
        let msg = e.to_string();
        assert!(msg.contains("exit code 3") && msg.contains("boom"), "{msg}");
    }
}
