//! Small wording and path helpers every layer shares (a leaf: imports nothing of catwalk): counts with
//! their noun, byte sizes, `~` expansion, JSON-pointer token escaping (RFC 6901), and which lines two
//! texts do not share (tests check that an edit changed only what it meant to).

use std::path::{Path, PathBuf};

/// `1 binding`, `3 bindings`.
pub fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// The lines only in `before` and the lines only in `after`, in order, by a longest common subsequence
/// of lines (for texts of a few thousand lines: quadratic).
pub fn line_diff(before: &str, after: &str) -> (Vec<String>, Vec<String>) {
    let a: Vec<&str> = before.lines().collect();
    let b: Vec<&str> = after.lines().collect();
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut removed, mut added) = (0, 0, Vec::new(), Vec::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            added.push(b[j].to_string());
            j += 1;
        } else {
            removed.push(a[i].to_string());
            i += 1;
        }
    }
    (removed, added)
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
