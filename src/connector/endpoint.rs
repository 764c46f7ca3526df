//! Where a connector comes from: a Docker image, or a local command with its environment. And which protocol
//! an image speaks, read from its labels and environment.

use super::docker::ImageInfo;
use crate::model::{ConnectorKind, Protocol};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
pub enum Endpoint {
    /// A Docker image reference, e.g. `ghcr.io/estuary/source-postgres:v1`.
    Image(String),
    /// A local command (program and arguments) and environment added to ours (Flow's `local` endpoint).
    Local {
        command: Vec<String>,
        env: BTreeMap<String, String>,
    },
}

impl Endpoint {
    pub fn local(command: Vec<String>) -> Endpoint {
        Endpoint::Local {
            command,
            env: BTreeMap::new(),
        }
    }

    /// A local command whose program is named `tap-*`: by the Singer convention, most likely a Singer tap.
    pub fn looks_like_singer_tap(&self) -> bool {
        match self {
            Endpoint::Local { command, .. } => command.first().is_some_and(|program| {
                std::path::Path::new(program)
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("tap-"))
            }),
            Endpoint::Image(_) => false,
        }
    }

    /// `image X` or `command Y`, for messages.
    pub fn subject(&self) -> String {
        match self {
            Endpoint::Image(image) => format!("image {image}"),
            Endpoint::Local { command, .. } => format!("command `{}`", shell_words(command)),
        }
    }
}

/// The connector's own program in a command line, for naming it: launchers are skipped (`env [-i]
/// VAR=x … prog`, `uv run [--opt …] prog`, `uvx prog`, `npx [-y] prog`, `poetry run`, `pipx run`, `exec`),
/// `python -m pkg.module` gives the module's package with `_` as `-` (`source_iterate` ->
/// `source-iterate`), and a path gives its file name. `None` when no program is left.
pub fn program_name(command: &[String]) -> Option<String> {
    let base = |w: &str| {
        std::path::Path::new(w)
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_else(|| w.to_string())
    };
    let mut words = command.iter().map(String::as_str).peekable();
    // Options of a launcher that take a value as the next word.
    const WITH_VALUE: &[&str] = &[
        "-u",
        "-C",
        "-S",
        "--unset",
        "--chdir",
        "--with",
        "--from",
        "--python",
        "-p",
        "--package",
        "--project",
        "--directory",
        "--env-file",
        "--group",
        "--extra",
    ];
    loop {
        let word = words.next()?;
        let name = base(word);
        let launcher = match name.as_str() {
            "env" | "exec" | "nohup" | "uvx" | "npx" | "pnpx" | "bunx" => true,
            "uv" | "poetry" | "pipx" | "pdm" | "hatch" | "rye" | "pipenv" | "npm" | "yarn"
            | "pnpm" => {
                // `uv run X`, `npm exec X`: the sub-command is part of the launcher.
                if matches!(words.peek(), Some(&"run" | &"exec" | &"x")) {
                    words.next();
                }
                true
            }
            _ if name.starts_with("python") => {
                // `python [-u …] -m module` or `python script.py`.
                while let Some(w) = words.next() {
                    if w == "-m" {
                        let module = words.next()?;
                        let package = module.split('.').find(|p| !p.is_empty())?;
                        return Some(package.replace('_', "-"));
                    }
                    if w == "-c" {
                        return Some(name);
                    }
                    if !w.starts_with('-') {
                        return Some(base(w));
                    }
                }
                return Some(name);
            }
            _ => false,
        };
        if !launcher {
            return Some(name);
        }
        // The launcher's options and `VAR=value` words, up to the program.
        while let Some(w) = words.peek() {
            if w.starts_with('-') {
                let takes_value = WITH_VALUE.contains(w);
                words.next();
                if takes_value {
                    words.next();
                }
            } else if w.contains('=') && !w.starts_with('=') {
                words.next();
            } else {
                break;
            }
        }
    }
}

/// Quote words for display the way a shell would need them.
pub fn shell_words(words: &[String]) -> String {
    words
        .iter()
        .map(|w| {
            if !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:@%+,".contains(c))
            {
                w.clone()
            } else {
                format!("'{}'", w.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The protocol an image speaks, from its labels and environment (see PROTOCOLS.md section 1).
pub fn detect(info: &ImageInfo) -> Option<(Protocol, ConnectorKind)> {
    let label = |k: &str| info.labels.get(k).map(|v| v.trim().to_ascii_lowercase());
    if let Some(p) = label("FLOW_RUNTIME_PROTOCOL") {
        return match p.as_str() {
            "capture" => Some((Protocol::Flow, ConnectorKind::Capture)),
            "materialize" => Some((Protocol::Flow, ConnectorKind::Materialize)),
            _ => None,
        };
    }
    if let Some(p) = label("CONNECTOR_PROTOCOL") {
        return match p.as_str() {
            "flow-capture" => Some((Protocol::Flow, ConnectorKind::Capture)),
            "flow-materialize" => Some((Protocol::Flow, ConnectorKind::Materialize)),
            "airbyte-source" => Some((Protocol::Airbyte, ConnectorKind::Capture)),
            "airbyte-destination" => Some((Protocol::Airbyte, ConnectorKind::Materialize)),
            _ => None,
        };
    }
    let airbyte_name = label("io.airbyte.name");
    if airbyte_name.is_some() || info.env.contains_key("AIRBYTE_ENTRYPOINT") {
        let kind = match airbyte_name {
            Some(n)
                if n.rsplit('/')
                    .next()
                    .is_some_and(|n| n.starts_with("destination-")) =>
            {
                ConnectorKind::Materialize
            }
            _ => ConnectorKind::Capture,
        };
        return Some((Protocol::Airbyte, kind));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn program(line: &str) -> Option<String> {
        let words: Vec<String> = line.split_whitespace().map(str::to_string).collect();
        program_name(&words)
    }

    #[test]
    fn program_name_skips_launchers() {
        assert_eq!(program("source-faker").as_deref(), Some("source-faker"));
        assert_eq!(
            program("/venv/bin/tap-postgres --about").as_deref(),
            Some("tap-postgres")
        );
        assert_eq!(
            program("env -i LOG_LEVEL=debug PATH=/bin /opt/source-iterate").as_deref(),
            Some("source-iterate")
        );
        assert_eq!(
            program("python -m source_iterate").as_deref(),
            Some("source-iterate")
        );
        assert_eq!(
            program("env A=1 python3 -u -m source_iterate.main spec").as_deref(),
            Some("source-iterate")
        );
        assert_eq!(
            program("python3 ./source_hello.py").as_deref(),
            Some("source_hello.py")
        );
        assert_eq!(
            program("uv run --with pg8000 tap-postgres").as_deref(),
            Some("tap-postgres")
        );
        assert_eq!(program("uvx tap-github").as_deref(), Some("tap-github"));
        assert_eq!(
            program("npx -y @acme/source-x").as_deref(),
            Some("source-x")
        );
        assert_eq!(program("env").as_deref(), None);
        assert_eq!(program("").as_deref(), None);
    }

    fn image(labels: &[(&str, &str)], env: &[(&str, &str)]) -> ImageInfo {
        ImageInfo {
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn detects_from_labels_and_env() {
        assert_eq!(
            detect(&image(&[("FLOW_RUNTIME_PROTOCOL", "capture")], &[])),
            Some((Protocol::Flow, ConnectorKind::Capture))
        );
        assert_eq!(
            detect(&image(&[("FLOW_RUNTIME_PROTOCOL", "materialize")], &[])),
            Some((Protocol::Flow, ConnectorKind::Materialize))
        );
        assert_eq!(
            detect(&image(&[("CONNECTOR_PROTOCOL", "flow-capture")], &[])),
            Some((Protocol::Flow, ConnectorKind::Capture))
        );
        assert_eq!(
            detect(&image(&[("io.airbyte.name", "airbyte/source-faker")], &[])),
            Some((Protocol::Airbyte, ConnectorKind::Capture))
        );
        assert_eq!(
            detect(&image(
                &[("io.airbyte.name", "airbyte/destination-s3")],
                &[]
            )),
            Some((Protocol::Airbyte, ConnectorKind::Materialize))
        );
        assert_eq!(
            detect(&image(&[], &[("AIRBYTE_ENTRYPOINT", "python /main.py")])),
            Some((Protocol::Airbyte, ConnectorKind::Capture))
        );
        assert_eq!(detect(&image(&[], &[])), None);
    }

    #[test]
    fn flow_label_wins_over_airbyte_env() {
        // Estuary's wrapped Airbyte images are Flow-native.
        let info = image(
            &[
                ("FLOW_RUNTIME_PROTOCOL", "capture"),
                ("io.airbyte.name", "x"),
            ],
            &[("AIRBYTE_ENTRYPOINT", "y")],
        );
        assert_eq!(
            detect(&info),
            Some((Protocol::Flow, ConnectorKind::Capture))
        );
    }

    #[test]
    fn tap_names_hint_at_singer() {
        assert!(Endpoint::local(vec!["/venv/bin/tap-postgres".into()]).looks_like_singer_tap());
        assert!(Endpoint::local(vec!["tap-github".into(), "--x".into()]).looks_like_singer_tap());
        assert!(!Endpoint::local(vec!["source-faker".into()]).looks_like_singer_tap());
        assert!(!Endpoint::local(vec!["python".into(), "tap-x.py".into()]).looks_like_singer_tap());
        assert!(!Endpoint::Image("meltano/tap-x".into()).looks_like_singer_tap());
    }

    #[test]
    fn subjects_quote_words() {
        assert_eq!(Endpoint::Image("a/b:1".into()).subject(), "image a/b:1");
        let e = Endpoint::local(vec!["python".into(), "my main.py".into(), "it's".into()]);
        assert_eq!(e.subject(), r"command `python 'my main.py' 'it'\''s'`");
    }
}
