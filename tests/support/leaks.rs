//! Looking for secrets where catwalk must not leave them: the shared scratch places of the host
//! (`/dev/shm`, `/tmp`, `$XDG_RUNTIME_DIR`), and whether another local user can read what is there.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The places every local user can reach, where plaintext configs used to be written.
pub fn shared_places() -> Vec<PathBuf> {
    let mut out = vec![PathBuf::from("/dev/shm"), std::env::temp_dir()];
    if let Some(d) = std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        out.push(d.into());
    }
    out.dedup();
    out
}

/// Files below `roots` (symlinks not followed, unreadable ones and ones over 16 MB skipped) that hold
/// any of `needles`.
pub fn files_holding(roots: &[PathBuf], needles: &[&str]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack: Vec<PathBuf> = roots.to_vec();
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(meta) = std::fs::symlink_metadata(entry.path()) else {
                continue;
            };
            if meta.is_dir() {
                stack.push(entry.path());
            } else if meta.is_file()
                && meta.len() <= 16 << 20
                && let Ok(bytes) = std::fs::read(entry.path())
            {
                let text = String::from_utf8_lossy(&bytes);
                if needles.iter().any(|n| text.contains(n)) {
                    found.push(entry.path());
                }
            }
        }
    }
    found
}

/// Every file and directory below `root` (symlinks not followed), `root` included.
pub fn entries_below(root: &Path) -> Vec<PathBuf> {
    let mut out = vec![root.to_path_buf()];
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
                stack.push(path.clone());
            }
            out.push(path);
        }
    }
    out
}

/// Whether user `nobody` (uid 65534) can read `path` (list it, for a directory). Only root can ask: for
/// other users this checks that neither group nor others have any permission on it or a parent below `/`.
pub fn readable_by_another_user(path: &Path) -> bool {
    if unsafe { libc::geteuid() } != 0 {
        use std::os::unix::fs::PermissionsExt;
        return path
            .ancestors()
            .all(|p| std::fs::metadata(p).is_ok_and(|m| m.permissions().mode() & 0o007 != 0));
    }
    let is_dir = path.is_dir();
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .args(if is_dir { ["ls", "--"] } else { ["cat", "--"] })
        .arg(path)
        .output()
        .expect("setpriv runs (util-linux)");
    out.status.success()
}

/// Wait (up to `limit`, a generous bound, not a measurement) until `ready` is true; panics with `what`.
pub fn wait_until(what: &str, limit: Duration, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(start.elapsed() < limit, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Whether a process with this pid exists (zombies count as gone).
pub fn process_alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit_once(')').map(|(_, r)| r.trim_start().to_string()))
        .is_some_and(|rest| !rest.starts_with('Z') && !rest.starts_with('X'))
}

/// A secret that appears nowhere else, with characters every encoding changes (`"`, `\`, space, non-ASCII).
pub fn distinctive_secret(tag: &str) -> String {
    format!("leak{tag}{}-Q\"uote\\slash ä€", std::process::id())
}
