//! Small wording and path helpers every layer shares (a leaf: imports nothing of catwalk): counts with
//! their noun, byte sizes, `~` expansion, and JSON-pointer token escaping (RFC 6901).

use std::path::{Path, PathBuf};

/// `1 binding`, `3 bindings`.
pub fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// 1.5 MB, 320 kB, 12 B.
pub fn bytes(n: u64) -> String {
    match n {
        n if n >= 1_000_000_000 => format!("{:.1} GB", n as f64 / 1e9),
        n if n >= 1_000_000 => format!("{:.1} MB", n as f64 / 1e6),
        n if n >= 1_000 => format!("{:.0} kB", n as f64 / 1e3),
        n => format!("{n} B"),
    }
}

/// A typed path with `~` and `~/…` as the home directory `home`; any other path as typed.
pub fn expand_home(typed: &str, home: Option<&Path>) -> Result<PathBuf, String> {
    match typed.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => match home {
            Some(h) => Ok(h.join(rest.trim_start_matches('/'))),
            None => Err("there is no home directory to expand ~ in".into()),
        },
        _ => Ok(PathBuf::from(typed)),
    }
}

/// [`expand_home`] with `$HOME`.
pub fn expand_home_env(typed: &str) -> Result<PathBuf, String> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    expand_home(typed, home.as_deref())
}

/// Escape one JSON-pointer reference token: `~` becomes `~0`, `/` becomes `~1`.
pub fn escape_token(token: &str) -> String {
    if token.contains(['~', '/']) {
        token.replace('~', "~0").replace('/', "~1")
    } else {
        token.to_string()
    }
}

/// Undo [`escape_token`].
pub fn unescape_token(token: &str) -> String {
    if token.contains('~') {
        token.replace("~1", "/").replace("~0", "~")
    } else {
        token.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_sizes() {
        assert_eq!(bytes(12), "12 B");
        assert_eq!(bytes(320_000), "320 kB");
        assert_eq!(bytes(1_500_000), "1.5 MB");
    }

    #[test]
    fn counts_and_tokens() {
        assert_eq!(plural(1, "task"), "1 task");
        assert_eq!(plural(2, "task"), "2 tasks");
        assert_eq!(escape_token("a/b~c"), "a~1b~0c");
        assert_eq!(unescape_token("a~1b~0c"), "a/b~c");
        assert_eq!(unescape_token("~01"), "~1");
    }

    #[test]
    fn tilde_is_home() {
        let home = Path::new("/home/ana");
        assert_eq!(expand_home("~", Some(home)).unwrap(), home);
        assert_eq!(expand_home("~/x", Some(home)).unwrap(), home.join("x"));
        assert_eq!(
            expand_home("~ana/x", Some(home)).unwrap(),
            PathBuf::from("~ana/x")
        );
        assert!(expand_home("~/x", None).is_err());
    }
}
