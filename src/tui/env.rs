//! What the wizard takes from its environment, read once when it starts ([`init`], from `tui::run`), so
//! that `update` and the steps it calls never read environment variables themselves.

use std::sync::OnceLock;

/// The environment as the wizard saw it at start.
#[derive(Debug, Clone, Default)]
pub struct Env {
    /// `$CATWALK_SSH_KEY_PASSPHRASE` is set: a key with a passphrase needs none typed.
    pub passphrase_set: bool,
}

impl Env {
    pub fn read() -> Env {
        Env {
            passphrase_set: std::env::var_os(crate::tunnel::PASSPHRASE_ENV).is_some(),
        }
    }
}

static ENV: OnceLock<Env> = OnceLock::new();

/// Take the environment now (the first call wins).
pub fn init() -> &'static Env {
    ENV.get_or_init(Env::read)
}

/// The environment taken at start (taken now when the wizard did not start through `tui::run`, as in tests).
pub fn get() -> &'static Env {
    init()
}
