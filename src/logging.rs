//! Logs go to a file under the state directory (`~/.local/state/catwalk/catwalk.log`), never to the screen a
//! command or the wizard owns. `CATWALK_LOG` sets the filter (default `catwalk=info`). Every line passes through
//! [`crate::redact`], so no registered secret value is ever written to it.

use std::fs::OpenOptions;
use std::path::PathBuf;
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
    std::fs::create_dir_all(path.parent()?).ok()?;
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .ok()?;
    let filter = tracing_subscriber::EnvFilter::try_from_env("CATWALK_LOG")
        .unwrap_or_else(|_| "catwalk=info".into());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(Mutex::new(crate::redact::Writer(file)))
        .with_ansi(false)
        .try_init()
        .ok()
}
