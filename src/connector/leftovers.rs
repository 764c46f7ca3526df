//! What a catwalk leaves on the host while it runs, and the removal of what a dead one left behind.
//!
//! Each catwalk process keeps a private directory `<base>/catwalk-<uid>/<pid>-<start>/` (mode 0700; `<base>` is
//! `$XDG_RUNTIME_DIR`, else `/dev/shm`, else the temp dir; `<start>` is the process's start time in clock ticks
//! since boot, so a reused pid never looks alive). It holds local connectors' input directories and one record
//! per running local connector, `session-<sid>` holding the connector's start time: local connectors lead a
//! session of their own, so the record names every process they started, shell wrappers' children included.
//! The directory is removed when it empties.
//!
//! When a catwalk is killed (SIGKILL), nothing of this is cleaned up; the next catwalk does it
//! ([`reap_once`], called before it starts a connector): for every `<pid>-<start>` directory whose process is
//! gone or is another process now, it kills what is left of each recorded session and removes the directory.
//! Only our own uid's directory is looked at, and a session is killed only while it is provably the one
//! recorded (see [`kill_session`]).

use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once};

/// Serialises creating an entry in our directory with removing the directory when it empties.
static LOCK: Mutex<()> = Mutex::new(());

/// A process's line of `/proc/<pid>/stat`, the fields we use.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Stat {
    pub ppid: i32,
    pub pgrp: i32,
    pub session: i32,
    /// Start time after boot, in clock ticks: with the pid, it names one process for good.
    pub start: u64,
}

pub(crate) fn stat(pid: i32) -> Option<Stat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces and parentheses: the fields we want follow its last `)`.
    let rest = &text[text.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(Stat {
        ppid: f.get(1)?.parse().ok()?,
        pgrp: f.get(2)?.parse().ok()?,
        session: f.get(3)?.parse().ok()?,
        start: f.get(19)?.parse().ok()?,
    })
}

fn euid() -> u32 {
    unsafe { libc::geteuid() }
}

/// Where per-catwalk directories may live, in order of preference (memory-backed first).
fn bases() -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(d) = std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        out.push(PathBuf::from(d));
    }
    out.push(PathBuf::from("/dev/shm"));
    out.push(std::env::temp_dir());
    out
}

/// `<base>/catwalk-<uid>` when it is a real directory of ours (never a symlink or another user's), mode 0700;
/// created when `create`.
fn user_dir(base: &Path, create: bool) -> Option<PathBuf> {
    let dir = base.join(format!("catwalk-{}", euid()));
    if create && !dir.exists() {
        let _ = std::fs::DirBuilder::new().mode(0o700).create(&dir);
    }
    let meta = std::fs::symlink_metadata(&dir).ok()?;
    if !meta.is_dir() || meta.uid() != euid() {
        return None;
    }
    if meta.permissions().mode() & 0o777 != 0o700 {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).ok()?;
    }
    Some(dir)
}

fn own_name() -> String {
    let pid = std::process::id() as i32;
    format!("{pid}-{}", stat(pid).map(|s| s.start).unwrap_or(0))
}

/// Run `f` with this catwalk's private directory (created when missing), under the lock that keeps it from
/// being removed meanwhile.
pub(crate) fn in_own_dir<T>(f: impl FnOnce(&Path) -> io::Result<T>) -> io::Result<T> {
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let mut last = io::Error::other("no base directory");
    for base in bases() {
        let Some(user) = user_dir(&base, true) else {
            last = io::Error::other(format!(
                "{} is not a private directory of this user",
                base.join(format!("catwalk-{}", euid())).display()
            ));
            continue;
        };
        let dir = user.join(own_name());
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => {
                last = e;
                continue;
            }
        }
        return f(&dir);
    }
    Err(last)
}

/// Run `f` (which removes something from our directory), then remove the directory if it is empty.
pub(crate) fn leaving_own_dir(dir: &Path, f: impl FnOnce()) {
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    f();
    let _ = std::fs::remove_dir(dir);
}

/// A running local connector's session, recorded until dropped.
pub(crate) struct SessionRecord {
    pub sid: i32,
    pub start: u64,
    file: Option<PathBuf>,
}

impl SessionRecord {
    /// Record the session led by `pid` (just started with `setsid`). A failure to record is logged: the
    /// connector still runs, only a SIGKILL of catwalk would then leave it to run on.
    pub(crate) fn record(pid: i32) -> SessionRecord {
        let start = stat(pid).map(|s| s.start).unwrap_or(0);
        let file = in_own_dir(|dir| {
            let path = dir.join(format!("session-{pid}"));
            std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&path)
                .and_then(|mut f| io::Write::write_all(&mut f, format!("{start}\n").as_bytes()))?;
            Ok(path)
        });
        let file = match file {
            Ok(p) => Some(p),
            Err(e) => {
                tracing::warn!("cannot record the connector's process session {pid}: {e}");
                None
            }
        };
        SessionRecord {
            sid: pid,
            start,
            file,
        }
    }

    /// Kill every process of the session.
    pub(crate) fn kill(&self) {
        kill_session(self.sid, self.start);
    }
}

impl Drop for SessionRecord {
    fn drop(&mut self) {
        if let Some(file) = self.file.take()
            && let Some(dir) = file.parent()
        {
            leaving_own_dir(dir, || {
                let _ = std::fs::remove_file(&file);
            });
        }
    }
}

/// SIGKILL every process of session `sid` whose leader started at `start` (clock ticks). Safe against pid
/// reuse: Linux never hands out a pid that still names a session, so the processes of session `sid` are
/// the recorded session's unless its leader's pid came back as a new leader; a living process `sid` must
/// therefore have started at `start`. Processes that started before the leader are not of the session.
/// Returns how many processes were signalled.
pub(crate) fn kill_session(sid: i32, start: u64) -> usize {
    if sid <= 1 || sid == std::process::id() as i32 {
        return 0;
    }
    if let Some(leader) = stat(sid)
        && leader.start != start
    {
        return 0;
    }
    let mut killed = 0;
    // Killing the leader's group first stops it from starting more while we scan.
    unsafe {
        libc::killpg(sid, libc::SIGKILL);
    }
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i32>().ok())
        else {
            continue;
        };
        if let Some(s) = stat(pid)
            && s.session == sid
            && s.start >= start
            && unsafe { libc::kill(pid, libc::SIGKILL) } == 0
        {
            killed += 1;
        }
    }
    killed
}

/// Once per process: remove what dead catwalks of this user left (see the module's header).
pub(crate) fn reap_once() {
    static ONCE: Once = Once::new();
    ONCE.call_once(reap);
}

fn reap() {
    let me = own_name();
    for base in bases() {
        let Some(user) = user_dir(&base, false) else {
            continue;
        };
        let Ok(entries) = std::fs::read_dir(&user) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some((pid, start)) = name
                .split_once('-')
                .and_then(|(p, s)| Some((p.parse::<i32>().ok()?, s.parse::<u64>().ok()?)))
            else {
                continue;
            };
            let alive = stat(pid).is_some_and(|s| s.start == start);
            if name == me || alive {
                continue;
            }
            reap_dir(&entry.path());
        }
    }
}

/// End the sessions recorded in a dead catwalk's directory, then remove it.
fn reap_dir(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(sid) = name
                .strip_prefix("session-")
                .and_then(|s| s.parse::<i32>().ok())
            else {
                continue;
            };
            let start = std::fs::read_to_string(entry.path())
                .ok()
                .and_then(|s| s.trim().parse::<u64>().ok());
            if let Some(start) = start {
                let n = kill_session(sid, start);
                if n > 0 {
                    tracing::info!(
                        session = sid,
                        "ended {n} connector processes left behind by a catwalk that was killed"
                    );
                }
            }
        }
    }
    match std::fs::remove_dir_all(dir) {
        Ok(()) => tracing::info!(
            dir = %dir.display(),
            "removed the files of a catwalk that was killed"
        ),
        Err(e) => tracing::warn!(
            dir = %dir.display(),
            "cannot remove the files of a catwalk that was killed: {e}"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_reads_our_own_line() {
        let me = stat(std::process::id() as i32).unwrap();
        assert!(me.start > 0);
        assert_eq!(me.ppid, unsafe { libc::getppid() });
        assert!(stat(-5).is_none());
    }

    #[test]
    fn a_session_whose_leader_is_another_process_is_not_killed() {
        // Our own session id with a start time that is not its leader's: refused, nothing signalled.
        let me = stat(std::process::id() as i32).unwrap();
        if me.session > 1 && stat(me.session).is_some() {
            assert_eq!(kill_session(me.session, u64::MAX), 0);
        }
        assert_eq!(kill_session(std::process::id() as i32, me.start), 0);
        assert_eq!(kill_session(1, 0), 0);
    }

    #[test]
    fn own_dir_is_private_and_removed_when_empty() {
        let (dir, file) = in_own_dir(|dir| {
            let f = dir.join("probe");
            std::fs::write(&f, b"x")?;
            Ok((dir.to_path_buf(), f))
        })
        .unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(dir.parent().unwrap()), 0o700);
        assert_eq!(std::fs::metadata(&dir).unwrap().uid(), euid());
        leaving_own_dir(&dir, || std::fs::remove_file(&file).unwrap());
        // Other tests of this process may have entries in it at the same time.
        assert!(!file.exists());
    }
}
