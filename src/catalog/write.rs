//! Writing files safely: each file goes to a temporary file in its own directory, then is renamed over
//! the target, so a reader sees the old file or the new one, never half of one. A [`Plan`] lists the
//! files to write and whether each is new, changed or unchanged before anything is written.

use std::collections::HashSet;
use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// What to do when the target file exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// Refuse to touch an existing file (config stubs).
    CreateNew,
    /// Replace an existing file.
    Replace,
}

/// A write that failed: which file, and why.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(
        "`{path}` already exists and catwalk will not overwrite it: edit it, or delete it to start again"
    )]
    Exists { path: PathBuf },
    #[error("could not {action} `{path}`: {source}")]
    Io {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: io::Error,
    },
}

impl WriteError {
    fn io(path: &Path, action: &'static str, source: io::Error) -> Self {
        WriteError::Io {
            path: path.to_path_buf(),
            action,
            source,
        }
    }
}

/// Write `bytes` to `path` atomically (temporary file in the same directory, flushed to disk, then
/// renamed), creating the parent directory when needed.
///
/// `perm`: the file mode, e.g. `Some(0o600)` for configs. `None` keeps the mode of the file being replaced,
/// or for a new file uses `0o666` less the umask. With [`WriteMode::CreateNew`] the rename refuses to replace
/// a file that exists (checked atomically), and an existing file is left unchanged.
pub fn write_atomic(
    path: &Path,
    bytes: &[u8],
    mode: WriteMode,
    perm: Option<u32>,
) -> Result<(), WriteError> {
    if mode == WriteMode::CreateNew && path.symlink_metadata().is_ok() {
        return Err(WriteError::Exists { path: path.into() });
    }
    ensure_dir(parent_dir(path))?;
    write_via_rename(path, bytes, mode, perm, true)
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

fn ensure_dir(dir: &Path) -> Result<(), WriteError> {
    fs::create_dir_all(dir).map_err(|e| WriteError::io(dir, "create the directory", e))
}

fn write_via_rename(
    path: &Path,
    bytes: &[u8],
    mode: WriteMode,
    perm: Option<u32>,
    sync: bool,
) -> Result<(), WriteError> {
    let dir = parent_dir(path);
    let existing_mode = match (perm, mode) {
        (None, WriteMode::Replace) => fs::metadata(path)
            .ok()
            .map(|m| m.permissions().mode() & 0o7777),
        _ => None,
    };
    let file_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("catwalk");
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{file_name}."))
        .suffix(".tmp")
        .permissions(fs::Permissions::from_mode(perm.unwrap_or(0o666)))
        .tempfile_in(dir)
        .map_err(|e| WriteError::io(dir, "create a temporary file in", e))?;
    // The mode given at creation is reduced by the umask; an explicit or inherited mode is set exactly.
    if let Some(m) = perm.or(existing_mode) {
        fs::set_permissions(tmp.path(), fs::Permissions::from_mode(m))
            .map_err(|e| WriteError::io(path, "set the permissions of", e))?;
    }
    tmp.write_all(bytes)
        .map_err(|e| WriteError::io(path, "write", e))?;
    if sync {
        tmp.as_file()
            .sync_all()
            .map_err(|e| WriteError::io(path, "flush", e))?;
    }
    match mode {
        WriteMode::Replace => tmp
            .persist(path)
            .map(drop)
            .map_err(|e| WriteError::io(path, "rename a temporary file onto", e.error)),
        WriteMode::CreateNew => tmp.persist_noclobber(path).map(drop).map_err(|e| {
            if e.error.kind() == io::ErrorKind::AlreadyExists {
                WriteError::Exists { path: path.into() }
            } else {
                WriteError::io(path, "rename a temporary file onto", e.error)
            }
        }),
    }
}

/// Create a file that does not exist yet, directly (no temporary file: cheaper for thousands of files).
/// Returns `Ok(false)` when the file appeared meanwhile; a failed write removes the partial file.
fn write_fresh(path: &Path, bytes: &[u8], perm: Option<u32>) -> Result<bool, WriteError> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = match fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(perm.unwrap_or(0o666))
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Ok(false),
        Err(e) => return Err(WriteError::io(path, "create", e)),
    };
    let result = perm
        .map(|m| file.set_permissions(fs::Permissions::from_mode(m)))
        .unwrap_or(Ok(()))
        .and_then(|()| file.write_all(bytes));
    if let Err(e) = result {
        drop(file);
        let _ = fs::remove_file(path);
        return Err(WriteError::io(path, "write", e));
    }
    Ok(true)
}

/// How a planned file compares with what is on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileStatus {
    New,
    Changed,
    Unchanged,
    /// Exists with other contents, and the plan must not overwrite it ([`WriteMode::CreateNew`]).
    Conflict,
}

impl fmt::Display for FileStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileStatus::New => "new",
            FileStatus::Changed => "changed",
            FileStatus::Unchanged => "unchanged",
            FileStatus::Conflict => "exists",
        })
    }
}

/// One file a plan will write.
#[derive(Debug, Clone)]
pub struct PlannedFile {
    pub path: PathBuf,
    pub contents: Vec<u8>,
    pub mode: WriteMode,
    pub perm: Option<u32>,
    pub status: FileStatus,
}

/// What `write_all` did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteSummary {
    pub written: usize,
    pub unchanged: usize,
}

/// Files to write, listed before writing. Adding a path twice replaces the earlier entry.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    files: Vec<PlannedFile>,
    by_path: std::collections::HashMap<PathBuf, usize>,
}

impl Plan {
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a file, comparing it with what is on disk now.
    pub fn add(
        &mut self,
        path: impl Into<PathBuf>,
        contents: impl Into<Vec<u8>>,
        mode: WriteMode,
        perm: Option<u32>,
    ) -> Result<&PlannedFile, WriteError> {
        let path = path.into();
        let contents = contents.into();
        let status = match fs::read(&path) {
            Ok(old) if old == contents => FileStatus::Unchanged,
            Ok(_) if mode == WriteMode::CreateNew => FileStatus::Conflict,
            Ok(_) => FileStatus::Changed,
            Err(e) if e.kind() == io::ErrorKind::NotFound => FileStatus::New,
            Err(e) => return Err(WriteError::io(&path, "read", e)),
        };
        let file = PlannedFile {
            path: path.clone(),
            contents,
            mode,
            perm,
            status,
        };
        let i = match self.by_path.get(&path) {
            Some(&i) => {
                self.files[i] = file;
                i
            }
            None => {
                self.files.push(file);
                self.by_path.insert(path, self.files.len() - 1);
                self.files.len() - 1
            }
        };
        Ok(&self.files[i])
    }

    /// The files, in the order added.
    pub fn files(&self) -> &[PlannedFile] {
        &self.files
    }

    /// How many files have `status`.
    pub fn count(&self, status: FileStatus) -> usize {
        self.files.iter().filter(|f| f.status == status).count()
    }

    /// True when writing would change nothing on disk.
    pub fn is_noop(&self) -> bool {
        self.files.iter().all(|f| f.status == FileStatus::Unchanged)
    }

    /// `3 new, 1 changed, 10 unchanged`.
    pub fn summary(&self) -> String {
        let mut parts = vec![
            format!("{} new", self.count(FileStatus::New)),
            format!("{} changed", self.count(FileStatus::Changed)),
            format!("{} unchanged", self.count(FileStatus::Unchanged)),
        ];
        let conflicts = self.count(FileStatus::Conflict);
        if conflicts > 0 {
            parts.push(format!("{conflicts} already exist"));
        }
        parts.join(", ")
    }

    /// Write every new or changed file, in the order added (unchanged ones are not touched). Refuses
    /// before writing anything when a [`WriteMode::CreateNew`] file already exists with other contents.
    /// Stops at the first failure, naming the file; files written before it stay written.
    ///
    /// A changed file is replaced atomically (temporary file, then rename). A new file is created directly
    /// (never over a file that appeared meanwhile): a crash can leave it partial, which the next plan shows
    /// as changed. Files are not flushed one by one: thousands of fsyncs take seconds.
    pub fn write_all(&self) -> Result<WriteSummary, WriteError> {
        if let Some(c) = self.files.iter().find(|f| f.status == FileStatus::Conflict) {
            return Err(WriteError::Exists {
                path: c.path.clone(),
            });
        }
        let mut summary = WriteSummary::default();
        let mut dirs: HashSet<&Path> = HashSet::new();
        for f in &self.files {
            if f.status == FileStatus::Unchanged {
                summary.unchanged += 1;
                continue;
            }
            let dir = parent_dir(&f.path);
            if dirs.insert(dir) {
                ensure_dir(dir)?;
            }
            let fresh = f.status == FileStatus::New && write_fresh(&f.path, &f.contents, f.perm)?;
            if !fresh {
                write_via_rename(&f.path, &f.contents, f.mode, f.perm, false)?;
            }
            summary.written += 1;
        }
        Ok(summary)
    }
}

impl fmt::Display for Plan {
    /// One line per file: `new        acmeCo/source-x.flow.yaml`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for file in &self.files {
            writeln!(f, "{:<10} {}", file.status.to_string(), file.path.display())?;
        }
        Ok(())
    }
}
