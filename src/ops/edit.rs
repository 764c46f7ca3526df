//! Opening a task of an existing catalog for editing (`catwalk edit`, the wizard's "Open a catalog"):
//! which tasks a catalog file holds, the catalogs found under a directory, and one task loaded whole: its
//! connector, its config decrypted in memory when sops protects it (never written anywhere), its SSH
//! tunnel, its bindings with their resource configs and settings, their collections and schemas. And the
//! capture an edit would save, held in memory for the wizard's preview ([`planned_task`]).

use super::exit::{self, Failure};
use crate::catalog::{self, ContentRef, LoadedBinding, LoadedCollection, LoadedTask};
use crate::model::{ConnectorKind, Protocol};
use crate::secrets::Protection;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// One task of a catalog file, as lists show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskSummary {
    /// The full name, e.g. `acmeCo/source-postgres`.
    pub name: String,
    pub kind: ConnectorKind,
    /// The image, or the local command line.
    pub connector: String,
    pub bindings: usize,
    pub disabled: usize,
}

impl TaskSummary {
    /// `acmeCo/pg  capture  ghcr.io/estuary/source-postgres:dev  3 bindings (1 disabled)`.
    pub fn line(&self) -> String {
        format!(
            "{}  {}  {}  {}",
            self.name,
            kind_word(self.kind),
            self.connector,
            self.count()
        )
    }

    /// `3 bindings (1 disabled)`.
    pub fn count(&self) -> String {
        let mut s = crate::text::plural(self.bindings, "binding");
        if self.disabled > 0 {
            s.push_str(&format!(" ({} disabled)", self.disabled));
        }
        s
    }
}

/// `capture` or `materialization`.
pub fn kind_word(kind: ConnectorKind) -> &'static str {
    match kind {
        ConnectorKind::Capture => "capture",
        ConnectorKind::Materialize => "materialization",
    }
}

/// A catalog file found under a directory, with its tasks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogSummary {
    /// The path as found (under the directory searched).
    pub file: PathBuf,
    pub tasks: Vec<TaskSummary>,
}

fn describe_endpoint(e: &catalog::Endpoint) -> String {
    match e {
        catalog::Endpoint::Connector(c) => c.image.clone(),
        catalog::Endpoint::Local(l) => crate::connector::endpoint::shell_words(&l.command),
        catalog::Endpoint::Dekaf(_) => "dekaf".to_string(),
    }
}

/// The tasks `file` itself defines (imports are not followed), captures first.
pub fn tasks_in(file: &Path) -> Result<Vec<TaskSummary>, Failure> {
    if !file.exists() {
        // As `check --source` says of a missing catalog: unreadable input.
        return Err(Failure::invalid(format!(
            "{} does not exist: give the path of a catalog file (`*.flow.yaml`)",
            file.display()
        )));
    }
    let c = catalog::read_catalog_file(file)
        .map_err(|e| Failure::invalid(format!("{} is not a Flow catalog: {e}", file.display())))?;
    let captures = c.captures.iter().map(|(name, t)| TaskSummary {
        name: name.clone(),
        kind: ConnectorKind::Capture,
        connector: describe_endpoint(&t.endpoint),
        bindings: t.bindings.len(),
        disabled: t.bindings.iter().filter(|b| b.disable).count(),
    });
    let materializations = c.materializations.iter().map(|(name, t)| TaskSummary {
        name: name.clone(),
        kind: ConnectorKind::Materialize,
        connector: describe_endpoint(&t.endpoint),
        bindings: t.bindings.len(),
        disabled: t.bindings.iter().filter(|b| b.disable).count(),
    });
    Ok(captures.chain(materializations).collect())
}

/// Directories never searched for catalogs (build output, dependencies, VCS data).
const SKIPPED: &[&str] = &[
    "target",
    "node_modules",
    ".git",
    ".venv",
    "venv",
    "__pycache__",
];
/// How deep [`list_catalogs`] looks under the directory.
const DEPTH: usize = 3;
/// At most this many catalogs are listed.
const MAX_CATALOGS: usize = 50;

/// The catalogs (`*.flow.yaml` / `*.flow.yml` with at least one task) under `dir`, at most three levels
/// down, sorted by path; files that cannot be read as catalogs are left out.
pub fn list_catalogs(dir: &Path) -> Vec<CatalogSummary> {
    let mut files = Vec::new();
    walk(dir, 0, &mut files);
    files.sort();
    files
        .into_iter()
        .filter_map(|file| {
            let tasks = tasks_in(&file).ok()?;
            (!tasks.is_empty()).then_some(CatalogSummary { file, tasks })
        })
        .take(MAX_CATALOGS)
        .collect()
}

fn walk(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        let Ok(kind) = e.file_type() else { continue };
        if kind.is_dir() {
            if depth + 1 < DEPTH && !name.starts_with('.') && !SKIPPED.contains(&name.as_str()) {
                walk(&e.path(), depth + 1, out);
            }
        } else if kind.is_file() && (name.ends_with(".flow.yaml") || name.ends_with(".flow.yml")) {
            out.push(e.path());
        }
    }
}

/// A saved binding of the opened task: its resource and settings as written, its collection resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedBinding {
    pub resource: Value,
    /// The full collection name (a capture's `target`, a materialization's `source`).
    pub collection: String,
    pub disable: bool,
    pub backfill: u32,
    /// The collection with its key and schemas, when the catalog's files define it.
    pub defined: Option<LoadedCollection>,
    /// A materialization binding's `fields`, as written.
    pub fields: Option<Value>,
}

impl From<&LoadedBinding> for SavedBinding {
    fn from(b: &LoadedBinding) -> SavedBinding {
        SavedBinding {
            resource: b.resource.clone(),
            collection: b.collection_name.clone(),
            disable: b.disable,
            backfill: b.backfill,
            defined: b.collection.clone(),
            fields: b.fields.clone(),
        }
    }
}

/// One task of a catalog, loaded for editing. `Debug` leaves the config out (it holds secrets).
#[derive(Clone)]
pub struct OpenedTask {
    /// The catalog file, as given.
    pub file: PathBuf,
    /// Its directory (where the wizard saves back).
    pub dir: PathBuf,
    /// The full name, e.g. `acmeCo/source-postgres`.
    pub name: String,
    /// What comes before the last `/` (`acmeCo`), and the last segment (`source-postgres`).
    pub prefix: String,
    pub short_name: String,
    pub kind: ConnectorKind,
    pub endpoint: catalog::Endpoint,
    /// How to start its connector, and the protocol (a local command speaks Flow's, as Flow runs it).
    pub connector: crate::connector::Endpoint,
    pub protocol: Option<Protocol>,
    /// The config decrypted (in memory only).
    pub config: Value,
    /// The config file (`None`: inline in the catalog).
    pub config_file: Option<PathBuf>,
    /// How the config file was protected with sops, if it was.
    pub protection: Option<Protection>,
    /// The config's `networkTunnel`, if any (a tunnel is part of the config).
    pub tunnel: Option<Value>,
    pub bindings: Vec<SavedBinding>,
}

impl std::fmt::Debug for OpenedTask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenedTask")
            .field("file", &self.file)
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("config", &"<hidden>")
            .field("protection", &self.protection.is_some())
            .field("bindings", &self.bindings.len())
            .finish_non_exhaustive()
    }
}

/// Which task of `tasks` (from `file`) `name` picks: the only one, or the one named; otherwise an error
/// listing them.
pub fn pick<'a>(
    file: &Path,
    tasks: &'a [TaskSummary],
    name: Option<&str>,
) -> Result<&'a TaskSummary, Failure> {
    let listed = || {
        tasks
            .iter()
            .map(|t| format!("\n  {}", t.line()))
            .collect::<String>()
    };
    match (name, tasks) {
        (_, []) => Err(Failure::invalid(format!(
            "{} defines no capture and no materialization: there is nothing to edit",
            file.display()
        ))),
        (None, [one]) => Ok(one),
        (None, _) => Err(Failure::new(
            exit::USAGE,
            format!(
                "{} defines {} tasks: choose one with --name:{}",
                file.display(),
                tasks.len(),
                listed()
            ),
        )),
        (Some(n), _) => tasks.iter().find(|t| t.name == n).ok_or_else(|| {
            Failure::new(
                exit::USAGE,
                format!(
                    "{} defines no task named {n}; it defines:{}",
                    file.display(),
                    listed()
                ),
            )
        }),
    }
}

/// Load the task `name` (or the only one) of `file` for editing: its config read and, when sops protects
/// it, decrypted in memory. Blocking (sops runs here): call it from a blocking thread in async code.
pub fn open(file: &Path, name: Option<&str>) -> Result<OpenedTask, Failure> {
    let tasks = tasks_in(file)?;
    let chosen = pick(file, &tasks, name)?.name.clone();
    let loaded = catalog::load(file).map_err(|e| Failure::invalid(e.to_string()))?;
    let task = loaded
        .captures
        .iter()
        .chain(&loaded.materializations)
        .find(|t| t.name == chosen)
        .ok_or_else(|| Failure::invalid(format!("{chosen} vanished from {}", file.display())))?;
    let (connector, protocol) = super::task::endpoint(task, None).map_err(Failure::invalid)?;
    let place = super::task::config_place(task);
    let config = crate::secrets::decrypt(&task.config, &place)?;
    let protection = Protection::of(&task.config);
    let (prefix, short_name) = match chosen.rsplit_once('/') {
        Some((p, n)) => (p.to_string(), n.to_string()),
        None => (String::new(), chosen.clone()),
    };
    let dir = file
        .parent()
        .map(Path::to_path_buf)
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| PathBuf::from("."));
    Ok(OpenedTask {
        file: file.to_path_buf(),
        tunnel: config.get("networkTunnel").cloned(),
        bindings: task.bindings.iter().map(SavedBinding::from).collect(),
        kind: task.kind,
        endpoint: task.endpoint.clone(),
        connector,
        protocol,
        config,
        config_file: task.config_file.clone(),
        protection,
        name: chosen,
        prefix,
        short_name,
        dir,
    })
}

/// The capture an edit would save, as a task to preview: the save's own plan of the catalog (`req`: the
/// opened catalog merged with the chosen bindings, the person's choices and renames; nothing is written),
/// its bindings (resource configs, collections and their schemas as planned, `disable`, `backfill`) read
/// from the plan, with `req.config` (the config as edited) inline. A schema the plan leaves in its file is
/// read from the disk; a collection another catalog file defines comes from the opened catalog's imports.
/// Blocking (it reads the catalog's files).
pub fn planned_task(req: &super::save::Request) -> Result<LoadedTask, Failure> {
    let (dir, outcome, _) = super::save::plan_files(req)?;
    let flow_file = outcome.flow_file.clone();
    let files = &outcome.files;
    let capture = files
        .catalog
        .captures
        .get(&outcome.capture_name)
        .ok_or_else(|| {
            Failure::invalid(format!(
                "the planned catalog {} has no capture {}: nothing to preview",
                flow_file.display(),
                outcome.capture_name
            ))
        })?;
    // What the catalog and its imports define now (collections the save leaves where they are).
    let existing = catalog::load(&flow_file).ok();
    let schema = |r: &ContentRef| -> Option<Value> {
        match r {
            ContentRef::Inline(v) => Some(v.clone()),
            ContentRef::Path(p) => match files.schemas.iter().find(|s| s.path == *p) {
                Some(planned) => Some(planned.schema.clone()),
                None if !p.contains('#') && !p.contains("://") => {
                    let path = dir.join(p);
                    let text = std::fs::read_to_string(&path).ok()?;
                    catalog::parse_text(&path, &text).ok()
                }
                None => None,
            },
        }
    };
    let from_files = |name: &str| -> Option<LoadedCollection> {
        existing.as_ref()?.collections.get(name).cloned()
    };
    let collection = |name: &str| -> Option<LoadedCollection> {
        let Some(def) = files.catalog.collections.get(name) else {
            return from_files(name);
        };
        let write_schema = def.write_schema_ref().and_then(schema);
        let read_schema = match &def.read_schema {
            None => Some(None),
            Some(r) => schema(r).map(Some),
        };
        match (write_schema, read_schema) {
            (Some(write_schema), Some(read_schema)) => Some(LoadedCollection {
                name: name.to_string(),
                file: flow_file.clone(),
                key: def.key.clone(),
                write_schema,
                read_schema,
            }),
            // A reference the plan cannot resolve by itself: as the files on the disk define it.
            _ => from_files(name),
        }
    };
    let bindings = capture
        .bindings
        .iter()
        .map(|b| LoadedBinding {
            resource: b.resource.clone(),
            collection_name: b.target.clone(),
            collection: collection(&b.target),
            disable: b.disable,
            backfill: b.backfill,
            fields: None,
        })
        .collect();
    Ok(LoadedTask {
        name: outcome.capture_name.clone(),
        kind: ConnectorKind::Capture,
        file: flow_file,
        endpoint: capture.endpoint.clone(),
        config: req.config.clone(),
        config_file: None,
        has_sops: false,
        bindings,
        source: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CATALOG: &str = "\
# hand-written
captures:
  acmeCo/source-x:
    endpoint:
      local:
        command: [source-x]
        config: source-x.config.yaml
    bindings:
      - resource: {stream: a}
        target: acmeCo/a
      - resource: {stream: b}
        target: acmeCo/b
        disable: true
collections:
  acmeCo/a:
    key: [/id]
    schema: {type: object, properties: {id: {type: integer}}, required: [id]}
  acmeCo/b:
    key: [/id]
    schema: {type: object, properties: {id: {type: integer}}, required: [id]}
";

    fn setup() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("source-x.flow.yaml"), CATALOG).unwrap();
        std::fs::write(
            dir.path().join("source-x.config.yaml"),
            "host: db\nnetworkTunnel:\n  sshForwarding: {sshEndpoint: 'ssh://b:22', privateKey: k}\n",
        )
        .unwrap();
        dir
    }

    #[test]
    fn opens_the_only_task_with_its_bindings_and_tunnel() {
        let dir = setup();
        let t = open(&dir.path().join("source-x.flow.yaml"), None).unwrap();
        assert_eq!(t.name, "acmeCo/source-x");
        assert_eq!(
            (t.prefix.as_str(), t.short_name.as_str()),
            ("acmeCo", "source-x")
        );
        assert_eq!(t.kind, ConnectorKind::Capture);
        assert_eq!(t.config["host"], "db");
        assert!(t.tunnel.is_some());
        assert_eq!(t.bindings.len(), 2);
        assert!(t.bindings[1].disable);
        assert_eq!(t.bindings[0].defined.as_ref().unwrap().key, ["/id"]);
        assert!(!format!("{t:?}").contains("db"), "Debug shows the config");
    }

    #[test]
    fn lists_catalogs_with_their_tasks() {
        let dir = setup();
        std::fs::create_dir(dir.path().join("target")).unwrap();
        std::fs::write(dir.path().join("target/x.flow.yaml"), CATALOG).unwrap();
        std::fs::write(dir.path().join("bad.flow.yaml"), "captures: [").unwrap();
        let found = list_catalogs(dir.path());
        assert_eq!(found.len(), 1, "{found:?}");
        let t = &found[0].tasks[0];
        assert_eq!(t.count(), "2 bindings (1 disabled)");
        assert_eq!(
            t.line(),
            "acmeCo/source-x  capture  source-x  2 bindings (1 disabled)"
        );
    }

    #[test]
    fn names_what_is_wrong() {
        let dir = setup();
        let missing = open(&dir.path().join("nope.flow.yaml"), None).unwrap_err();
        assert!(missing.message.contains("does not exist"), "{missing}");
        std::fs::write(dir.path().join("notes.yaml"), "- a list\n").unwrap();
        let not = open(&dir.path().join("notes.yaml"), None).unwrap_err();
        assert!(not.message.contains("is not a Flow catalog"), "{not}");
        let other = open(&dir.path().join("source-x.flow.yaml"), Some("acmeCo/y")).unwrap_err();
        assert!(other.message.contains("no task named acmeCo/y"), "{other}");
        assert!(
            other.message.contains("acmeCo/source-x  capture"),
            "{other}"
        );
    }
}
