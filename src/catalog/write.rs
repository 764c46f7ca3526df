//! Writing files safely: each file goes to a temporary file in its own directory, then is renamed over
//! the target, so a reader sees the old file or the new one, never half of one. A [`Plan`] lists the
//! files to write and whether each is new, changed or unchanged before anything is written, and writes
//! them all or none: every file is staged first, then the renames run in a fixed order (the file marked
//! [`Plan::set_last`], the catalog, after all the files it names), and a failure undoes what was done.

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
    /// Renamed into place after every other file (the catalog that names them).
    last: Option<PathBuf>,
    /// Files removed after every file is written (schema files nothing references any more).
    removals: Vec<PathBuf>,
}

/// The step of [`Plan::write_all_with`] a fault hook is called before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteStep {
    /// Writing the file's temporary copy.
    Stage,
    /// Renaming the temporary copy onto the file.
    Commit,
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

    /// Remove `path` after every file is written (when it exists).
    pub fn remove(&mut self, path: impl Into<PathBuf>) {
        let path = path.into();
        if path.exists() && !self.removals.contains(&path) {
            self.removals.push(path);
        }
    }

    /// The files [`remove`](Self::remove) will delete.
    pub fn removals(&self) -> &[PathBuf] {
        &self.removals
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
        self.files.iter().all(|f| f.status == FileStatus::Unchanged) && self.removals.is_empty()
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
        if !self.removals.is_empty() {
            parts.push(format!("{} removed", self.removals.len()));
        }
        parts.join(", ")
    }

    /// Rename `path` into place after every other file (for the catalog file: a reader never sees it
    /// name a schema file that is not written yet).
    pub fn set_last(&mut self, path: impl Into<PathBuf>) {
        self.last = Some(path.into());
    }

    /// Write every new or changed file, all or none (unchanged ones are not touched). Refuses before
    /// writing anything when a [`WriteMode::CreateNew`] file already exists with other contents.
    ///
    /// First every file is written to a temporary file beside it (missing directories created); a
    /// failure there (disk full, a file where a directory must be) removes the temporary files and the
    /// directories made, and nothing on disk has changed. Then the temporary files are renamed onto
    /// their targets in the order added, the [`set_last`](Self::set_last) file last; a replaced file is
    /// kept under a hard link until the end, so a failed rename puts back every file already replaced
    /// and removes the new ones. Only a kill during the renames (a few system calls per file) can leave
    /// a mix, and then the catalog, renamed last, still names the files it had. Files are not flushed
    /// one by one: thousands of fsyncs take seconds.
    pub fn write_all(&self) -> Result<WriteSummary, WriteError> {
        self.write_all_with(&mut |_, _| Ok(()))
    }

    /// [`write_all`](Self::write_all), calling `fault(step, path)` before each file's stage and commit:
    /// an error it returns fails that step as the file system would (for tests of the recovery).
    pub fn write_all_with(
        &self,
        fault: &mut dyn FnMut(WriteStep, &Path) -> io::Result<()>,
    ) -> Result<WriteSummary, WriteError> {
        if let Some(c) = self.files.iter().find(|f| f.status == FileStatus::Conflict) {
            return Err(WriteError::Exists {
                path: c.path.clone(),
            });
        }
        let mut todo: Vec<&PlannedFile> = self
            .files
            .iter()
            .filter(|f| f.status != FileStatus::Unchanged)
            .collect();
        if let Some(last) = &self.last
            && let Some(i) = todo.iter().position(|f| &f.path == last)
        {
            let file = todo.remove(i);
            todo.push(file);
        }
        let summary = WriteSummary {
            written: todo.len(),
            unchanged: self.files.len() - todo.len(),
        };
        let mut made_dirs = Vec::new();
        let staged = match stage(&todo, &mut made_dirs, fault) {
            Ok(staged) => staged,
            Err(e) => {
                remove_dirs(&made_dirs);
                return Err(e);
            }
        };
        let mut done: Vec<Committed> = Vec::with_capacity(staged.len());
        let mut pending = staged.into_iter();
        for (file, tmp) in pending.by_ref() {
            match commit(file, tmp, fault) {
                Ok(c) => done.push(c),
                Err(e) => {
                    // Put back what was replaced, remove what was new, and the staged rest.
                    drop(pending);
                    for c in done.into_iter().rev() {
                        c.undo();
                    }
                    remove_dirs(&made_dirs);
                    return Err(e);
                }
            }
        }
        for c in done {
            c.finish();
        }
        // After the catalog no longer names them: a failure here leaves a stray file, never a broken catalog.
        for path in &self.removals {
            match fs::remove_file(path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(WriteError::io(path, "remove", e)),
            }
        }
        Ok(summary)
    }
}

/// Every file written to a temporary file in its directory, in order; the first failure drops (and so
/// removes) the temporary files written so far.
fn stage<'p>(
    todo: &[&'p PlannedFile],
    made_dirs: &mut Vec<PathBuf>,
    fault: &mut dyn FnMut(WriteStep, &Path) -> io::Result<()>,
) -> Result<Vec<(&'p PlannedFile, tempfile::NamedTempFile)>, WriteError> {
    let mut dirs: HashSet<&Path> = HashSet::new();
    let mut staged = Vec::with_capacity(todo.len());
    for f in todo {
        let dir = parent_dir(&f.path);
        if dirs.insert(dir) {
            make_dir(dir, made_dirs)?;
        }
        fault(WriteStep::Stage, &f.path).map_err(|e| WriteError::io(&f.path, "write", e))?;
        staged.push((*f, temp_copy(f)?));
    }
    Ok(staged)
}

/// Create `dir` and its missing ancestors, recording the ones made (outermost first).
fn make_dir(dir: &Path, made: &mut Vec<PathBuf>) -> Result<(), WriteError> {
    let mut missing = Vec::new();
    let mut at = Some(dir);
    while let Some(d) = at.filter(|d| !d.as_os_str().is_empty() && d.symlink_metadata().is_err()) {
        missing.push(d.to_path_buf());
        at = d.parent();
    }
    for d in missing.into_iter().rev() {
        match fs::create_dir(&d) {
            Ok(()) => made.push(d),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && d.is_dir() => {}
            Err(e) => return Err(WriteError::io(&d, "create the directory", e)),
        }
    }
    Ok(())
}

/// Remove the directories a failed write made, innermost first, if they are empty.
fn remove_dirs(made: &[PathBuf]) {
    for d in made.iter().rev() {
        let _ = fs::remove_dir(d);
    }
}

/// The file's contents in a temporary file beside it, with the mode it will have.
fn temp_copy(f: &PlannedFile) -> Result<tempfile::NamedTempFile, WriteError> {
    let dir = parent_dir(&f.path);
    let existing_mode = match (f.perm, f.status) {
        (None, FileStatus::Changed) => fs::metadata(&f.path)
            .ok()
            .map(|m| m.permissions().mode() & 0o7777),
        _ => None,
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{}.", file_name(&f.path)))
        .suffix(".tmp")
        .permissions(fs::Permissions::from_mode(f.perm.unwrap_or(0o666)))
        .tempfile_in(dir)
        .map_err(|e| WriteError::io(dir, "create a temporary file in", e))?;
    if let Some(m) = f.perm.or(existing_mode) {
        fs::set_permissions(tmp.path(), fs::Permissions::from_mode(m))
            .map_err(|e| WriteError::io(&f.path, "set the permissions of", e))?;
    }
    tmp.write_all(&f.contents)
        .map_err(|e| WriteError::io(&f.path, "write", e))?;
    Ok(tmp)
}

fn file_name(path: &Path) -> &str {
    path.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("catwalk")
}

/// A file renamed into place, and how to undo it.
struct Committed {
    path: PathBuf,
    /// A hard link to the file it replaced (`None`: the file is new).
    backup: Option<PathBuf>,
}

impl Committed {
    fn undo(self) {
        match self.backup {
            Some(b) => {
                let _ = fs::rename(&b, &self.path);
            }
            None => {
                let _ = fs::remove_file(&self.path);
            }
        }
    }

    fn finish(self) {
        if let Some(b) = self.backup {
            let _ = fs::remove_file(b);
        }
    }
}

/// Rename the staged copy onto its file, keeping a hard link to the file it replaces. A file that
/// should be new but appeared since the plan is replaced like a changed one.
fn commit(
    f: &PlannedFile,
    tmp: tempfile::NamedTempFile,
    fault: &mut dyn FnMut(WriteStep, &Path) -> io::Result<()>,
) -> Result<Committed, WriteError> {
    let rename_err = |e| WriteError::io(&f.path, "rename a temporary file onto", e);
    fault(WriteStep::Commit, &f.path).map_err(rename_err)?;
    let backup = if f.path.symlink_metadata().is_ok() {
        Some(backup_link(&f.path).map_err(|e| WriteError::io(&f.path, "keep a link to", e))?)
    } else {
        None
    };
    let result = if backup.is_some() {
        tmp.persist(&f.path).map(drop).map_err(|e| e.error)
    } else {
        tmp.persist_noclobber(&f.path)
            .map(drop)
            .map_err(|e| e.error)
    };
    match result {
        Ok(()) => Ok(Committed {
            path: f.path.clone(),
            backup,
        }),
        Err(e) => {
            if let Some(b) = backup {
                let _ = fs::remove_file(b);
            }
            Err(rename_err(e))
        }
    }
}

/// A new hard link to `path` beside it (`.<name>.<random>.old`).
fn backup_link(path: &Path) -> io::Result<PathBuf> {
    let link = tempfile::Builder::new()
        .prefix(&format!(".{}.", file_name(path)))
        .suffix(".old")
        .make_in(parent_dir(path), |p| fs::hard_link(path, p))?;
    // Kept: `finish` removes it, `undo` renames it back.
    let (_, link) = link.into_parts();
    link.keep().map_err(|e| e.error)
}

impl fmt::Display for Plan {
    /// One line per file: `new        acmeCo/source-x.flow.yaml`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for file in &self.files {
            writeln!(f, "{:<10} {}", file.status.to_string(), file.path.display())?;
        }
        for path in &self.removals {
            writeln!(f, "{:<10} {}", "removed", path.display())?;
        }
        Ok(())
    }
}
