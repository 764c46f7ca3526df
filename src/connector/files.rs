//! Input files for a connector (Airbyte config and catalog): a private directory on memory-backed storage
//! when the machine has it, removed when the run ends.

use super::error::ConnectorError;
use super::process::InputFile;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Who must be able to read the files.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reader {
    /// This process's own user (local connectors): 0700 directory, 0600 files.
    Me,
    /// A container user by uid: owned by that uid when we can chown (root), else readable by all (read-only).
    Uid(u32),
}

/// A directory of input files; removed on drop.
pub struct InputDir {
    dir: tempfile::TempDir,
}

impl InputDir {
    pub fn create(files: &[InputFile], reader: Reader) -> Result<Option<InputDir>, ConnectorError> {
        if files.is_empty() {
            return Ok(None);
        }
        let io = |what: &str, e: std::io::Error| {
            ConnectorError::Io(format!(
                "cannot {what} for the connector's input files: {e}"
            ))
        };
        let dir = tempfile::Builder::new()
            .prefix("catwalk-")
            .tempdir_in(base_dir())
            .map_err(|e| io("create a private directory", e))?;
        let can_chown = unsafe { libc::geteuid() } == 0;
        let (dir_mode, file_mode, owner) = match reader {
            Reader::Me => (0o700, 0o600, None),
            Reader::Uid(uid) if can_chown => (0o500, 0o400, Some(uid)),
            Reader::Uid(_) => (0o755, 0o444, None),
        };
        for f in files {
            if f.name.contains('/') || f.name.starts_with('.') {
                return Err(ConnectorError::Io(format!(
                    "invalid input file name {:?}",
                    f.name
                )));
            }
            let path = dir.path().join(&f.name);
            std::fs::write(&path, &f.contents).map_err(|e| io("write", e))?;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(file_mode))
                .map_err(|e| io("set permissions", e))?;
            if let Some(uid) = owner {
                std::os::unix::fs::chown(&path, Some(uid), None).map_err(|e| io("chown", e))?;
            }
        }
        if let Some(uid) = owner {
            std::os::unix::fs::chown(dir.path(), Some(uid), None).map_err(|e| io("chown", e))?;
        }
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(dir_mode))
            .map_err(|e| io("set permissions", e))?;
        Ok(Some(InputDir { dir }))
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for InputDir {
    fn drop(&mut self) {
        // Files may be read-only and owned by another uid: make the directory writable so removal works.
        let _ = std::fs::set_permissions(self.dir.path(), std::fs::Permissions::from_mode(0o700));
    }
}

/// Memory-backed when possible: `$XDG_RUNTIME_DIR`, then `/dev/shm`, then the temp dir.
fn base_dir() -> PathBuf {
    let writable = |p: &Path| {
        p.is_dir()
            && std::fs::metadata(p)
                .map(|m| !m.permissions().readonly())
                .unwrap_or(false)
    };
    if let Some(d) = std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from)
        && writable(&d)
    {
        return d;
    }
    let shm = Path::new("/dev/shm");
    if writable(shm) {
        return shm.to_path_buf();
    }
    std::env::temp_dir()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_files_are_private_and_removed() {
        let files = vec![InputFile {
            name: "config.json".into(),
            contents: b"{}".to_vec(),
        }];
        let dir = InputDir::create(&files, Reader::Me).unwrap().unwrap();
        let path = dir.path().to_path_buf();
        let mode = std::fs::metadata(path.join("config.json"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        drop(dir);
        assert!(!path.exists());
    }

    #[test]
    fn no_files_no_dir() {
        assert!(InputDir::create(&[], Reader::Me).unwrap().is_none());
    }

    #[test]
    fn container_files_are_readable_by_the_uid_and_removed() {
        let files = vec![InputFile {
            name: "config.json".into(),
            contents: b"{}".to_vec(),
        }];
        let dir = InputDir::create(&files, Reader::Uid(1000))
            .unwrap()
            .unwrap();
        let path = dir.path().to_path_buf();
        let meta = std::fs::metadata(path.join("config.json")).unwrap();
        use std::os::unix::fs::MetadataExt;
        if unsafe { libc::geteuid() } == 0 {
            assert_eq!(meta.uid(), 1000);
            assert_eq!(meta.permissions().mode() & 0o777, 0o400);
        } else {
            assert_eq!(meta.permissions().mode() & 0o777, 0o444);
        }
        drop(dir);
        assert!(!path.exists());
    }

    #[test]
    fn rejects_path_names() {
        let files = vec![InputFile {
            name: "../x".into(),
            contents: vec![],
        }];
        assert!(InputDir::create(&files, Reader::Me).is_err());
    }
}
