//! Loading a catalog from disk for `catwalk check --source F`: parse the file (YAML or JSON), follow its
//! `import`s, resolve endpoint configs and collection schemas named by relative paths, and index the
//! captures and materializations with their bindings' collections. Reads files only; never decrypts
//! (sops-protected configs are kept as they are and flagged).
//!
//! Import cycles are allowed, as in Flow: each file is loaded once.

use crate::catalog::types::{Catalog, ContentRef, Endpoint};
use crate::clip::{QUOTE, clip, quotes};
use crate::model::ConnectorKind;
use indexmap::IndexMap;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::io;
use std::path::{Component, Path, PathBuf};

/// A catalog that cannot be loaded: which file, where, and what to do. What the files hold (names, paths,
/// quoted values) is echoed [`clip`]ped: a file may be one 10 MB line, or `/etc/passwd`.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(
        "`{}` does not exist ({}): create it, or fix the path",
        shown(path),
        clip(context, QUOTE)
    )]
    NotFound { path: PathBuf, context: String },
    #[error(
        "could not read `{}` ({}): {source}",
        shown(path),
        clip(context, QUOTE)
    )]
    Read {
        path: PathBuf,
        context: String,
        #[source]
        source: io::Error,
    },
    #[error(
        "{}:{line}:{column}: {message}\nfix the file there, then run again",
        shown(path)
    )]
    Parse {
        path: PathBuf,
        /// 1-based; 0 when unknown.
        line: usize,
        /// 1-based; 0 when unknown.
        column: usize,
        /// The parser's message, its quoted values clipped ([`crate::clip::quotes`]).
        message: String,
    },
    #[error(
        "`{}` in `{}` is not supported: {why}",
        clip(reference, QUOTE),
        shown(file)
    )]
    Unsupported {
        file: PathBuf,
        reference: String,
        why: &'static str,
    },
    #[error(
        "the {kind} `{}` is defined in both `{}` and `{}`: keep one definition",
        clip(name, QUOTE),
        shown(first),
        shown(second)
    )]
    Duplicate {
        kind: &'static str,
        name: String,
        first: PathBuf,
        second: PathBuf,
    },
    #[error(
        "the collection `{}` in `{}` has no `schema` (or `writeSchema`): add one",
        clip(name, QUOTE),
        shown(file)
    )]
    MissingSchema { name: String, file: PathBuf },
    #[error(
        "`{}` points at nothing in `{}` (referenced from `{}`): fix the `#` part of the reference",
        clip(pointer, QUOTE),
        shown(path),
        shown(file)
    )]
    BadPointer {
        path: PathBuf,
        pointer: String,
        file: PathBuf,
    },
}

/// A path as errors show it: clipped (a reference in a file may be any length).
fn shown(path: &Path) -> String {
    clip(&path.display().to_string(), QUOTE)
}

/// A collection with its schemas resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedCollection {
    pub name: String,
    /// The catalog file that defines it.
    pub file: PathBuf,
    pub key: Vec<String>,
    /// `writeSchema`, else `schema`, resolved from its file when it names one.
    pub write_schema: Value,
    /// `readSchema`, resolved, when the collection has one.
    pub read_schema: Option<Value>,
}

/// A binding of a loaded capture or materialization.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedBinding {
    pub resource: Value,
    /// The capture's `target`, or the materialization's `source` collection.
    pub collection_name: String,
    /// That collection, when the loaded files define it (`None`: defined elsewhere, or missing).
    pub collection: Option<LoadedCollection>,
    pub disable: bool,
    pub backfill: u32,
    /// A materialization binding's `fields` (`{recommended, require?, exclude?}`), as written.
    pub fields: Option<Value>,
}

/// A capture or materialization with its config resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedTask {
    pub name: String,
    pub kind: ConnectorKind,
    /// The catalog file that defines it.
    pub file: PathBuf,
    pub endpoint: Endpoint,
    /// The endpoint config, read from its file when it names one (`Null` for endpoints without config).
    pub config: Value,
    /// The config file, or `None` when the config is inline.
    pub config_file: Option<PathBuf>,
    /// The config has a non-null `sops` key: it must be decrypted before a connector sees it.
    pub has_sops: bool,
    pub bindings: Vec<LoadedBinding>,
    /// A materialization's `source` (a capture whose collections Flow adds as bindings at publish).
    pub source: Option<Value>,
}

/// Everything reachable from a catalog file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadedCatalog {
    /// The file `load` was given.
    pub root: PathBuf,
    /// Every catalog file read, root first.
    pub files: Vec<PathBuf>,
    pub captures: Vec<LoadedTask>,
    pub materializations: Vec<LoadedTask>,
    pub collections: IndexMap<String, LoadedCollection>,
}

/// Load `path` and everything it imports (see the module docs).
pub fn load(path: &Path) -> Result<LoadedCatalog, LoadError> {
    let mut files = Vec::new();
    let mut catalogs = Vec::new();
    let mut seen = HashSet::new();
    // Depth-first, in import order; a file already seen (including one being loaded: a cycle) is skipped.
    let mut stack = vec![(path.to_path_buf(), "the catalog to load".to_string())];
    while let Some((file, context)) = stack.pop() {
        let key = normalize(&file);
        if !seen.insert(key) {
            continue;
        }
        let catalog = read_catalog_file_in(&file, &context)?;
        for import in catalog.import.iter().rev() {
            let target = resolve(&file, import)?;
            stack.push((target, format!("imported by `{}`", file.display())));
        }
        files.push(file.clone());
        catalogs.push((file, catalog));
    }

    let mut docs = DocCache::default();
    let mut out = LoadedCatalog {
        root: path.to_path_buf(),
        files,
        ..Default::default()
    };
    for (file, catalog) in &catalogs {
        for (name, def) in &catalog.collections {
            if let Some(prev) = out.collections.get(name) {
                return Err(duplicate("collection", name, &prev.file, file));
            }
            let write = def
                .write_schema_ref()
                .ok_or_else(|| LoadError::MissingSchema {
                    name: name.clone(),
                    file: file.clone(),
                })?;
            let context = format!("schema of collection `{name}` in `{}`", file.display());
            let write_schema = docs.resolve(file, write, &context)?;
            let read_schema = match &def.read_schema {
                Some(r) => Some(docs.resolve(file, r, &context)?),
                None => None,
            };
            out.collections.insert(
                name.clone(),
                LoadedCollection {
                    name: name.clone(),
                    file: file.clone(),
                    key: def.key.clone(),
                    write_schema,
                    read_schema,
                },
            );
        }
    }

    let mut task_files: HashMap<String, PathBuf> = HashMap::new();
    for (file, catalog) in &catalogs {
        for (name, def) in &catalog.captures {
            check_unique(&mut task_files, "capture", name, file)?;
            let bindings = def
                .bindings
                .iter()
                .map(|b| {
                    binding(
                        &out.collections,
                        b.resource.clone(),
                        &b.target,
                        b.disable,
                        b.backfill,
                        None,
                    )
                })
                .collect();
            let task = task(
                &mut docs,
                file,
                name,
                ConnectorKind::Capture,
                &def.endpoint,
                bindings,
            )?;
            out.captures.push(task);
        }
        for (name, def) in &catalog.materializations {
            check_unique(&mut task_files, "materialization", name, file)?;
            let bindings = def
                .bindings
                .iter()
                .map(|b| {
                    let source = b.source_collection().unwrap_or_default();
                    binding(
                        &out.collections,
                        b.resource.clone(),
                        source,
                        b.disable,
                        b.backfill,
                        b.fields.clone(),
                    )
                })
                .collect();
            let mut task = task(
                &mut docs,
                file,
                name,
                ConnectorKind::Materialize,
                &def.endpoint,
                bindings,
            )?;
            task.source = def.source.clone();
            out.materializations.push(task);
        }
    }
    Ok(out)
}

fn binding(
    collections: &IndexMap<String, LoadedCollection>,
    resource: Value,
    name: &str,
    disable: bool,
    backfill: u32,
    fields: Option<Value>,
) -> LoadedBinding {
    LoadedBinding {
        resource,
        collection_name: name.to_string(),
        collection: collections.get(name).cloned(),
        disable,
        backfill,
        fields,
    }
}

fn task(
    docs: &mut DocCache,
    file: &Path,
    name: &str,
    kind: ConnectorKind,
    endpoint: &Endpoint,
    bindings: Vec<LoadedBinding>,
) -> Result<LoadedTask, LoadError> {
    let (config, config_file) = match endpoint.config() {
        Some(r) => {
            let context = format!("config of `{name}` in `{}`", file.display());
            let config_file = match r {
                ContentRef::Path(p) => Some(resolve(file, p)?),
                ContentRef::Inline(_) => None,
            };
            (docs.resolve(file, r, &context)?, config_file)
        }
        None => (Value::Null, None),
    };
    let has_sops = config.get("sops").is_some_and(|s| !s.is_null());
    Ok(LoadedTask {
        name: name.to_string(),
        kind,
        file: file.to_path_buf(),
        endpoint: endpoint.clone(),
        config,
        config_file,
        has_sops,
        bindings,
        source: None,
    })
}

fn check_unique(
    seen: &mut HashMap<String, PathBuf>,
    kind: &'static str,
    name: &str,
    file: &Path,
) -> Result<(), LoadError> {
    if let Some(prev) = seen.insert(name.to_string(), file.to_path_buf()) {
        return Err(duplicate(kind, name, &prev, file));
    }
    Ok(())
}

fn duplicate(kind: &'static str, name: &str, first: &Path, second: &Path) -> LoadError {
    LoadError::Duplicate {
        kind,
        name: name.to_string(),
        first: first.to_path_buf(),
        second: second.to_path_buf(),
    }
}

/// Read and parse one catalog file (no imports followed). An empty file is an empty catalog.
pub fn read_catalog_file(path: &Path) -> Result<Catalog, LoadError> {
    read_catalog_file_in(path, "a catalog file")
}

fn read_catalog_file_in(path: &Path, context: &str) -> Result<Catalog, LoadError> {
    let text = read_text(path, context)?;
    if text.trim().is_empty() {
        return Ok(Catalog::default());
    }
    parse_text(path, &text)
}

/// Parse a YAML or JSON file's text (JSON when the name ends in `.json`), with the error's line and column.
pub fn parse_text<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T, LoadError> {
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if is_json {
        serde_json::from_str(text).map_err(|e| LoadError::Parse {
            path: path.to_path_buf(),
            line: e.line(),
            column: e.column(),
            message: quotes(&e.to_string(), QUOTE),
        })
    } else {
        serde_yaml::from_str(text).map_err(|e| {
            let (line, column) = e
                .location()
                .map(|l| (l.line(), l.column()))
                .unwrap_or((0, 0));
            LoadError::Parse {
                path: path.to_path_buf(),
                line,
                column,
                message: quotes(&e.to_string(), QUOTE),
            }
        })
    }
}

fn read_text(path: &Path, context: &str) -> Result<String, LoadError> {
    std::fs::read_to_string(path).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => LoadError::NotFound {
            path: path.to_path_buf(),
            context: context.to_string(),
        },
        _ => LoadError::Read {
            path: path.to_path_buf(),
            context: context.to_string(),
            source,
        },
    })
}

/// Resolve a reference found in `file`: a path relative to `file`'s directory, an absolute path, or a
/// `file://` URL. Other URLs are not supported.
pub fn resolve(file: &Path, reference: &str) -> Result<PathBuf, LoadError> {
    let reference = reference.split('#').next().unwrap_or(reference);
    if let Some(rest) = reference.strip_prefix("file://") {
        return Ok(PathBuf::from(rest));
    }
    if reference.contains("://") {
        return Err(LoadError::Unsupported {
            file: file.to_path_buf(),
            reference: reference.to_string(),
            why: "catwalk reads local files only; download it and use a relative path",
        });
    }
    let base = file.parent().unwrap_or(Path::new(""));
    Ok(base.join(reference))
}

/// A lexical normal form of a path, so `a/./b/../c.yaml` and `a/c.yaml` are seen as one file.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    std::fs::canonicalize(&out).unwrap_or(out)
}

/// Config and schema documents, each file read once.
#[derive(Default)]
struct DocCache {
    docs: HashMap<PathBuf, Value>,
}

impl DocCache {
    fn resolve(&mut self, file: &Path, r: &ContentRef, context: &str) -> Result<Value, LoadError> {
        let reference = match r {
            ContentRef::Inline(v) => return Ok(v.clone()),
            ContentRef::Path(p) => p,
        };
        let path = resolve(file, reference)?;
        let key = normalize(&path);
        if !self.docs.contains_key(&key) {
            let text = read_text(&path, context)?;
            let doc: Value = parse_text(&path, &text)?;
            self.docs.insert(key.clone(), doc);
        }
        let doc = &self.docs[&key];
        match reference.split_once('#') {
            None | Some((_, "")) => Ok(doc.clone()),
            Some((_, pointer)) => {
                doc.pointer(pointer)
                    .cloned()
                    .ok_or_else(|| LoadError::BadPointer {
                        path,
                        pointer: pointer.to_string(),
                        file: file.to_path_buf(),
                    })
            }
        }
    }
}
