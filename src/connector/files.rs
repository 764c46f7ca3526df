//! Input files for a connector (Airbyte and Singer config, catalog, state), which may hold plaintext secrets.
//! No other local user may ever read them:
//! - a local connector reads them from an [`InputDir`]: mode 0600 files in a 0700 directory inside this
//!   catwalk's private directory (see `leftovers`), removed when the run ends, and by the next catwalk when
//!   this one was killed;
//! - a container gets them through the Docker API ([`archive`], uploaded between create and start): they
//!   never touch the host's file system outside Docker's own storage, and go with the container.

use super::error::ConnectorError;
use super::leftovers;
use super::process::InputFile;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// A private directory of input files; removed on drop.
pub struct InputDir {
    dir: Option<tempfile::TempDir>,
}

impl InputDir {
    pub fn create(files: &[InputFile]) -> Result<Option<InputDir>, ConnectorError> {
        if files.is_empty() {
            return Ok(None);
        }
        for f in files {
            check_name(&f.name)?;
        }
        let io = |what: &str, e: std::io::Error| {
            ConnectorError::Io(format!(
                "cannot {what} for the connector's input files: {e}"
            ))
        };
        let dir = leftovers::in_own_dir(|parent| {
            tempfile::Builder::new()
                .prefix("in-")
                .permissions(std::fs::Permissions::from_mode(0o700))
                .tempdir_in(parent)
        })
        .map_err(|e| io("create a private directory", e))?;
        let me = InputDir { dir: Some(dir) };
        for f in files {
            let path = me.path().join(&f.name);
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
                .and_then(|mut file| std::io::Write::write_all(&mut file, &f.contents))
                .map_err(|e| io("write", e))?;
        }
        Ok(Some(me))
    }

    pub fn path(&self) -> &Path {
        self.dir.as_ref().expect("present until dropped").path()
    }
}

impl Drop for InputDir {
    fn drop(&mut self) {
        if let Some(dir) = self.dir.take() {
            let parent = dir.path().parent().map(Path::to_path_buf);
            match parent {
                Some(parent) => leftovers::leaving_own_dir(&parent, || drop(dir)),
                None => drop(dir),
            }
        }
    }
}

fn check_name(name: &str) -> Result<(), ConnectorError> {
    if name.is_empty() || name.contains('/') || name.starts_with('.') || name.len() > 90 {
        return Err(ConnectorError::Io(format!(
            "invalid input file name {name:?}"
        )));
    }
    Ok(())
}

/// A tar archive holding directory `dir` (mode 0500) with `files` in it (mode 0400), owned by root: the
/// daemon gives them to the container's user when asked to (`copyUIDGID`). Extracted at `/`, the files are
/// `/<dir>/<name>`.
pub fn archive(dir: &str, files: &[InputFile]) -> Result<Vec<u8>, ConnectorError> {
    check_name(dir)?;
    let mut out = Vec::new();
    tar_entry(&mut out, &format!("{dir}/"), 0o500, b'5', &[]);
    for f in files {
        check_name(&f.name)?;
        tar_entry(
            &mut out,
            &format!("{dir}/{}", f.name),
            0o400,
            b'0',
            &f.contents,
        );
    }
    // Two zero blocks end the archive.
    out.resize(out.len() + 1024, 0);
    Ok(out)
}

/// One ustar entry: a 512-byte header, then the contents padded to a multiple of 512.
pub(super) fn tar_entry(out: &mut Vec<u8>, name: &str, mode: u32, kind: u8, contents: &[u8]) {
    let mut h = [0u8; 512];
    let field = |h: &mut [u8; 512], at: usize, len: usize, value: &[u8]| {
        h[at..at + value.len().min(len)].copy_from_slice(&value[..value.len().min(len)]);
    };
    let octal = |width: usize, v: u64| format!("{v:0w$o}\0", w = width - 1).into_bytes();
    field(&mut h, 0, 100, name.as_bytes());
    field(&mut h, 100, 8, &octal(8, mode as u64));
    field(&mut h, 108, 8, &octal(8, 0));
    field(&mut h, 116, 8, &octal(8, 0));
    field(&mut h, 124, 12, &octal(12, contents.len() as u64));
    field(&mut h, 136, 12, &octal(12, 0));
    h[148..156].copy_from_slice(b"        ");
    h[156] = kind;
    field(&mut h, 257, 6, b"ustar\0");
    field(&mut h, 263, 2, b"00");
    let sum: u32 = h.iter().map(|b| *b as u32).sum();
    field(&mut h, 148, 8, format!("{sum:06o}\0 ").as_bytes());
    out.extend_from_slice(&h);
    out.extend_from_slice(contents);
    let pad = (512 - contents.len() % 512) % 512;
    out.resize(out.len() + pad, 0);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Vec<InputFile> {
        vec![InputFile {
            name: "config.json".into(),
            contents: b"{\"password\":\"files-unit-secret\"}".to_vec(),
        }]
    }

    #[test]
    fn private_files_are_private_and_removed() {
        let dir = InputDir::create(&config()).unwrap().unwrap();
        let path = dir.path().to_path_buf();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path.join("config.json")), 0o600);
        assert_eq!(mode(&path), 0o700);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        drop(dir);
        assert!(!path.exists());
    }

    #[test]
    fn no_files_no_dir() {
        assert!(InputDir::create(&[]).unwrap().is_none());
    }

    #[test]
    fn rejects_path_names() {
        let files = vec![InputFile {
            name: "../x".into(),
            contents: vec![],
        }];
        assert!(InputDir::create(&files).is_err());
        assert!(archive("catwalk", &files).is_err());
    }

    #[test]
    fn the_archive_is_what_tar_reads() {
        let bytes = archive("catwalk", &config()).unwrap();
        assert_eq!(bytes.len() % 512, 0);
        let tmp = tempfile::tempdir().unwrap();
        let tar = tmp.path().join("a.tar");
        std::fs::write(&tar, &bytes).unwrap();
        let out = std::process::Command::new("tar")
            .args(["-tvf"])
            .arg(&tar)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let listing = String::from_utf8_lossy(&out.stdout);
        assert!(
            listing.contains("dr-x------") && listing.contains("catwalk/"),
            "{listing}"
        );
        assert!(
            listing.contains("-r--------") && listing.contains("catwalk/config.json"),
            "{listing}"
        );
        let out = std::process::Command::new("tar")
            .args(["-xOf"])
            .arg(&tar)
            .arg("catwalk/config.json")
            .output()
            .unwrap();
        assert_eq!(out.stdout, config()[0].contents);
    }
}
