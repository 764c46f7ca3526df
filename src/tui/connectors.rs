//! What step 1 offers: the curated list in assets/connectors.yaml (embedded), local connectors found on
//! PATH, and the choice a person makes (an image or a local command, with an optional protocol).
//! Parsing is pure; `scan_path` reads directories and is only called from a background task.

use crate::connector::Endpoint;
use crate::connector::endpoint::shell_words;
use crate::model::{ConnectorKind, Protocol};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The curated list, as shipped.
pub const CURATED_YAML: &str = include_str!("../../assets/connectors.yaml");

/// One entry of assets/connectors.yaml.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogEntry {
    pub image: String,
    pub title: String,
    pub category: String,
    pub description: String,
    #[serde(default)]
    pub docs: Option<String>,
    pub protocol: Protocol,
    pub kind: ConnectorKind,
}

/// Parse a connector list (the embedded one, or a test's).
pub fn parse_catalog(yaml: &str) -> Result<Vec<CatalogEntry>, String> {
    serde_yaml::from_str(yaml).map_err(|e| format!("assets/connectors.yaml is invalid: {e}"))
}

/// The embedded list. It is checked by a test, so failing here means a broken build: the wizard then
/// offers only local connectors and custom entries, and logs why.
pub fn curated() -> Vec<CatalogEntry> {
    parse_catalog(CURATED_YAML).unwrap_or_else(|e| {
        tracing::error!("{e}");
        Vec::new()
    })
}

/// An executable on PATH that looks like a connector (`source-*`, `destination-*`, `materialize-*`, and
/// Singer taps `tap-*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalConnector {
    pub name: String,
    pub path: PathBuf,
    pub kind: ConnectorKind,
}

impl LocalConnector {
    /// The protocol its name says: Singer for `tap-*` (the Singer convention); `None` (probe) otherwise, since
    /// `source-*` programs may speak Airbyte or Flow.
    pub fn protocol(&self) -> Option<Protocol> {
        self.name
            .starts_with(SINGER_PREFIX)
            .then_some(Protocol::Singer)
    }
}

const SINGER_PREFIX: &str = "tap-";

/// Name prefixes of connector programs. Singer targets (`target-*`) are not listed: catwalk does not run
/// materializations over Singer.
const PREFIXES: &[(&str, ConnectorKind)] = &[
    ("source-", ConnectorKind::Capture),
    ("destination-", ConnectorKind::Materialize),
    ("materialize-", ConnectorKind::Materialize),
    (SINGER_PREFIX, ConnectorKind::Capture),
];

/// Connector programs in the directories of `path_var` (a PATH value): the first of each name wins, as
/// in a shell. Unreadable directories are skipped. Sorted by name, at most 500.
pub fn scan_path(path_var: &std::ffi::OsStr) -> Vec<LocalConnector> {
    let mut found: Vec<LocalConnector> = Vec::new();
    for dir in std::env::split_paths(path_var) {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(kind) = PREFIXES
                .iter()
                .find(|(p, _)| name.starts_with(p) && name.len() > p.len())
                .map(|(_, k)| *k)
            else {
                continue;
            };
            if found.iter().any(|f| f.name == name) || !is_executable(&entry.path()) {
                continue;
            }
            found.push(LocalConnector {
                name,
                path: entry.path(),
                kind,
            });
        }
    }
    found.sort_by(|a, b| a.name.cmp(&b.name));
    found.truncate(500);
    found
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// What the person picked in step 1: saved in the draft, and what step 2 runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ConnectorChoice {
    Image {
        image: String,
        /// The curated title, when picked from the list.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title: Option<String>,
        /// Forced protocol; `None` reads the image's labels.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        protocol: Option<Protocol>,
    },
    Local {
        command: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title: Option<String>,
        /// Forced protocol; `None` probes (Airbyte `spec` first, then Flow).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        protocol: Option<Protocol>,
        /// Environment the command runs with (an opened catalog's `local.env`). Never in the draft file:
        /// it may hold secrets.
        #[serde(skip)]
        env: BTreeMap<String, String>,
    },
}

impl ConnectorChoice {
    pub fn endpoint(&self) -> Endpoint {
        match self {
            ConnectorChoice::Image { image, .. } => Endpoint::Image(image.clone()),
            ConnectorChoice::Local { command, env, .. } => Endpoint::Local {
                command: command.clone(),
                env: env.clone(),
            },
        }
    }

    pub fn protocol(&self) -> Option<Protocol> {
        match self {
            ConnectorChoice::Image { protocol, .. } | ConnectorChoice::Local { protocol, .. } => {
                *protocol
            }
        }
    }

    /// The image reference or the command line, as a person would type it.
    pub fn reference(&self) -> String {
        match self {
            ConnectorChoice::Image { image, .. } => image.clone(),
            ConnectorChoice::Local { command, .. } => shell_words(command),
        }
    }

    /// A short name for headings: the curated title, else the reference.
    pub fn label(&self) -> String {
        match self {
            ConnectorChoice::Image { title: Some(t), .. }
            | ConnectorChoice::Local { title: Some(t), .. } => t.clone(),
            _ => self.reference(),
        }
    }

    /// The label, followed by the reference when they differ: `PostgreSQL (ghcr.io/…:dev)`.
    pub fn describe(&self) -> String {
        let (label, reference) = (self.label(), self.reference());
        if label == reference {
            label
        } else {
            format!("{label} ({reference})")
        }
    }

    pub fn is_image(&self) -> bool {
        matches!(self, ConnectorChoice::Image { .. })
    }
}

/// Split a command line the way a POSIX shell would (quotes, backslashes), without running a shell.
pub fn split_command(line: &str) -> Result<Vec<String>, String> {
    let words = shell_words::split(line).map_err(|e| match e {
        shell_words::ParseError => "a quote is not closed".to_string(),
    })?;
    if words.is_empty() {
        return Err("type the command that starts the connector".into());
    }
    Ok(words)
}

/// Check an image reference enough to catch typos before Docker sees it.
pub fn check_image(reference: &str) -> Result<String, String> {
    let r = reference.trim();
    if r.is_empty() {
        return Err("type an image reference, e.g. ghcr.io/estuary/source-postgres:dev".into());
    }
    if r.chars().any(char::is_whitespace) {
        return Err("an image reference has no spaces".into());
    }
    if r.starts_with(['-', '/', ':', '@']) || r.ends_with([':', '/', '@']) {
        return Err(format!("{r:?} is not an image reference"));
    }
    Ok(r.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn curated_list_is_valid() {
        let list = parse_catalog(CURATED_YAML).unwrap();
        assert!(list.len() >= 30, "only {} entries", list.len());
        let mut images = HashSet::new();
        for e in &list {
            assert!(images.insert(&e.image), "duplicate image {}", e.image);
            if let Some(docs) = &e.docs {
                assert!(docs.starts_with("https://"), "{}: docs {docs}", e.image);
            }
            assert!(!e.title.is_empty() && !e.description.contains('\n'));
            assert!(
                [
                    "Database",
                    "Warehouse",
                    "SaaS",
                    "Files",
                    "Streaming",
                    "Test"
                ]
                .contains(&e.category.as_str()),
                "{}: category {}",
                e.image,
                e.category
            );
            match e.protocol {
                Protocol::Flow => assert!(
                    e.image.starts_with("ghcr.io/estuary/") && e.image.ends_with(":dev"),
                    "{}",
                    e.image
                ),
                Protocol::Airbyte => assert!(e.image.starts_with("airbyte/"), "{}", e.image),
                Protocol::Singer => panic!("{}: the curated list has no Singer images", e.image),
            }
            let name = e.image.rsplit('/').next().unwrap_or_default();
            let expected = if name.starts_with("materialize-") || name.starts_with("destination-") {
                ConnectorKind::Materialize
            } else {
                ConnectorKind::Capture
            };
            assert_eq!(e.kind, expected, "{}", e.image);
        }
        assert!(list.iter().any(|e| e.protocol == Protocol::Airbyte));
        assert!(list.iter().any(|e| e.kind == ConnectorKind::Materialize));
    }

    #[test]
    fn scans_path_for_connector_programs() {
        use std::os::unix::fs::PermissionsExt;
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let mk = |dir: &Path, name: &str, mode: u32| {
            let p = dir.join(name);
            std::fs::write(&p, "#!/bin/sh\n").unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        };
        mk(a.path(), "source-faker", 0o755);
        mk(a.path(), "source-notes.txt", 0o644);
        mk(a.path(), "tap-github", 0o755);
        mk(b.path(), "source-faker", 0o755);
        mk(b.path(), "destination-duckdb", 0o755);
        mk(b.path(), "source-", 0o755);
        mk(b.path(), "tap-", 0o755);
        mk(b.path(), "target-jsonl", 0o755);
        let path = std::env::join_paths([a.path(), Path::new("/nonexistent"), b.path()]).unwrap();
        let found = scan_path(&path);
        let names: Vec<&str> = found.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            vec!["destination-duckdb", "source-faker", "tap-github"]
        );
        assert_eq!(found[1].path, a.path().join("source-faker"));
        assert_eq!(found[0].kind, ConnectorKind::Materialize);
        assert_eq!(found[2].kind, ConnectorKind::Capture);
        assert_eq!(found[2].protocol(), Some(Protocol::Singer));
        assert_eq!(found[1].protocol(), None, "source-* programs are probed");
    }

    #[test]
    fn commands_split_like_a_shell() {
        assert_eq!(
            split_command("python 'my main.py' --x=\"a b\"").unwrap(),
            vec!["python", "my main.py", "--x=a b"]
        );
        assert!(split_command("python 'oops").unwrap_err().contains("quote"));
        assert!(split_command("   ").is_err());
    }

    #[test]
    fn image_references_are_checked() {
        assert_eq!(
            check_image(" airbyte/source-faker:7.2.1 ").unwrap(),
            "airbyte/source-faker:7.2.1"
        );
        assert!(check_image("airbyte/source faker").is_err());
        assert!(check_image("").is_err());
        assert!(check_image("airbyte/source-faker:").is_err());
    }

    #[test]
    fn choices_round_trip_through_json() {
        let c = ConnectorChoice::Local {
            command: vec!["/bin/fixture".into()],
            title: None,
            protocol: Some(Protocol::Flow),
            env: Default::default(),
        };
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"type": "local", "command": ["/bin/fixture"], "protocol": "flow"})
        );
        assert_eq!(serde_json::from_value::<ConnectorChoice>(json).unwrap(), c);
    }
}
