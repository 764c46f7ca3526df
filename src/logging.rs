//! Logs go to a file under the state directory (`~/.local/state/catwalk/catwalk.log`), never to the screen a
//! command or the wizard owns. `CATWALK_LOG` sets the filter (default `catwalk=info`). Every line passes through
//! [`crate::redact`], so no registered secret value is ever written to it. A connector's log lines may still
//! hold what no schema marked secret, so the file is the user's alone: mode 0600 in a 0700 directory (both
//! tightened when an older catwalk made them readable to others).

use std::fs::OpenOptions;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Where the log file lives.
pub fn log_path() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "catwalk")?;
    let dir = dirs
        .state_dir()
        .unwrap_or_else(|| dirs.data_local_dir())
        .to_path_buf();
    Some(dir.join("catwalk.log"))
}

/// Install the file logger. Failing to open the file is not an error: catwalk works without its log.
pub fn init() -> Option<()> {
    let path = log_path()?;
    let file = open_private(&path).ok()?;
    let filter = tracing_subscriber::EnvFilter::try_from_env("CATWALK_LOG")
        .unwrap_or_else(|_| "catwalk=info".into());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(Mutex::new(crate::redact::Writer(file)))
        .with_ansi(false)
        .try_init()
        .ok()
}

/// Open `path` for appending, mode 0600, in a directory of mode 0700 (created when missing; an existing
/// directory or file of ours with wider modes is tightened).
pub fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    if let Some(dir) = path.parent() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        tighten(dir, 0o700)?;
    }
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    if file.metadata()?.permissions().mode() & 0o077 != 0 {
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(file)
}

fn tighten(path: &Path, mode: u32) -> std::io::Result<()> {
    let meta = std::fs::metadata(path)?;
    if meta.permissions().mode() & 0o777 != mode {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_is_private_even_where_an_older_catwalk_left_it_open() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("state/catwalk");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = dir.join("catwalk.log");
        std::fs::write(&path, "old\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        drop(open_private(&path).unwrap());
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&path), 0o600);
        let fresh = tmp.path().join("new/dir/catwalk.log");
        drop(open_private(&fresh).unwrap());
        assert_eq!(mode(fresh.parent().unwrap()), 0o700);
        assert_eq!(mode(&fresh), 0o600);
    }
}
