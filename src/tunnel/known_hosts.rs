//! known_hosts, as OpenSSH reads it: `host`, `[host]:port` (ports other than 22), comma-separated patterns with
//! `*`/`?` wildcards and `!` negation, hashed names (`|1|salt|hmac`), `@revoked` lines (`@cert-authority`
//! lines are skipped). New keys are appended atomically (a temporary file renamed over the old one).

use russh::keys::{HashAlg, PublicKey};
use std::path::{Path, PathBuf};

/// Where known host keys are kept and whether a new one may be accepted.
#[derive(Debug, Clone, Default)]
pub struct HostKeyPolicy {
    /// The known_hosts file; `None`: `~/.ssh/known_hosts`.
    pub file: Option<PathBuf>,
    /// Accept (and record) a host key not seen before. A changed key is refused regardless.
    pub accept_new: bool,
}

impl HostKeyPolicy {
    /// The file read and written.
    pub fn path(&self) -> PathBuf {
        match &self.file {
            Some(p) => p.clone(),
            None => directories::BaseDirs::new()
                .map(|d| d.home_dir().to_path_buf())
                .unwrap_or_else(|| PathBuf::from("/"))
                .join(".ssh")
                .join("known_hosts"),
        }
    }

    /// Record `key` for `host:port` (what the wizard calls once the user accepted the fingerprint).
    pub fn accept(&self, host: &str, port: u16, key: &PublicKey) -> Result<(), String> {
        append(&self.path(), host, port, key)
    }
}

/// What known_hosts says of a server's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Known,
    /// No entry for this host (with a key of this type).
    Unknown,
    /// The host is known with another key of this type: the 1-based line of the first such entry.
    Changed {
        line: usize,
    },
    /// The key is listed as `@revoked`, at this line.
    Revoked {
        line: usize,
    },
}

/// `SHA256:…`, as `ssh-keygen -l` shows it.
pub fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

/// The name known_hosts uses for a host: `host`, or `[host]:port` when the port is not 22.
pub fn host_name(host: &str, port: u16) -> String {
    if port == 22 {
        host.to_string()
    } else {
        format!("[{host}]:{port}")
    }
}

/// Look `key` up for `host:port` in `path` (a missing file knows nothing).
pub fn lookup(path: &Path, host: &str, port: u16, key: &PublicKey) -> Result<Verdict, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Verdict::Unknown),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let name = host_name(host, port);
    let mut changed = None;
    let mut known = false;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut words = line.split_whitespace();
        let mut first = words.next().unwrap_or_default();
        let marker = first.strip_prefix('@');
        if marker.is_some() {
            first = words.next().unwrap_or_default();
        }
        if marker == Some("cert-authority") || !patterns_match(first, &name) {
            continue;
        }
        let (Some(_alg), Some(b64)) = (words.next(), words.next()) else {
            continue;
        };
        let Ok(recorded) = russh::keys::parse_public_key_base64(b64) else {
            continue;
        };
        let same = recorded.key_data() == key.key_data();
        match marker {
            Some("revoked") if same => return Ok(Verdict::Revoked { line: i + 1 }),
            Some(_) => {}
            None if same => known = true,
            None if recorded.algorithm() == key.algorithm() => {
                changed = changed.or(Some(i + 1));
            }
            None => {}
        }
    }
    Ok(match (known, changed) {
        (true, _) => Verdict::Known,
        (false, Some(line)) => Verdict::Changed { line },
        (false, None) => Verdict::Unknown,
    })
}

/// The algorithms of the keys known for `host:port`, so the handshake can ask for a key that can be checked.
pub fn known_algorithms(path: &Path, host: &str, port: u16) -> Vec<russh::keys::Algorithm> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    let name = host_name(host, port);
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with('@') {
            continue;
        }
        let mut words = line.split_whitespace();
        if !patterns_match(words.next().unwrap_or_default(), &name) {
            continue;
        }
        if let Some(Ok(k)) = words.nth(1).map(russh::keys::parse_public_key_base64)
            && !out.contains(&k.algorithm())
        {
            out.push(k.algorithm());
        }
    }
    out
}

/// Whether a comma-separated pattern list (or a hashed name) matches `name`; a matching `!pattern` excludes.
fn patterns_match(patterns: &str, name: &str) -> bool {
    if let Some(hashed) = patterns.strip_prefix("|1|") {
        return hashed_match(hashed, name);
    }
    let mut any = false;
    for p in patterns.split(',') {
        match p.strip_prefix('!') {
            Some(neg) if glob(neg, name) => return false,
            Some(_) => {}
            None => any |= glob(p, name),
        }
    }
    any
}

fn hashed_match(salt_and_hash: &str, name: &str) -> bool {
    use data_encoding::BASE64;
    use hmac::{KeyInit, Mac};
    let Some((salt, hash)) = salt_and_hash.split_once('|') else {
        return false;
    };
    let (Ok(salt), Ok(hash)) = (
        BASE64.decode(salt.as_bytes()),
        BASE64.decode(hash.as_bytes()),
    ) else {
        return false;
    };
    let Ok(mac) = hmac::Hmac::<sha1::Sha1>::new_from_slice(&salt) else {
        return false;
    };
    mac.chain_update(name.as_bytes())
        .verify_slice(&hash)
        .is_ok()
}

/// `*` and `?` wildcards, case-insensitive as host names are.
fn glob(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let n: Vec<char> = name.to_lowercase().chars().collect();
    let (mut pi, mut ni, mut star, mut mark) = (0, 0, None, 0);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Append `name key` to known_hosts atomically: the old content and the new line are written to a temporary
/// file beside it, which replaces it (mode kept; 0600 for a new file, its directory made 0700).
pub fn append(path: &Path, host: &str, port: u16, key: &PublicKey) -> Result<(), String> {
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !dir.exists() {
        std::fs::create_dir_all(dir)
            .and_then(|_| std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)))
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let (mut text, mode) = match std::fs::read_to_string(path) {
        Ok(t) => (
            t,
            std::fs::metadata(path)
                .map(|m| m.permissions().mode())
                .unwrap_or(0o600),
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (String::new(), 0o600),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    let bare = PublicKey::new(key.key_data().clone(), "");
    let line = bare
        .to_openssh()
        .map_err(|e| format!("cannot encode the host key: {e}"))?;
    text.push_str(&format!("{} {line}\n", host_name(host, port)));
    let write = || -> std::io::Result<()> {
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        tmp.write_all(text.as_bytes())?;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode & 0o777))?;
        tmp.as_file().sync_all()?;
        tmp.persist(path).map_err(|e| e.error)?;
        Ok(())
    };
    write().map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
    const OTHER: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIK2MELNr7QYzp7+0RY89HQ2ccu6xoc8ZwJv/OTWdXL7F";

    fn key(b64: &str) -> PublicKey {
        russh::keys::parse_public_key_base64(b64).unwrap()
    }

    #[test]
    fn names_patterns_and_hashes() {
        assert_eq!(host_name("h", 22), "h");
        assert_eq!(host_name("h", 2222), "[h]:2222");
        assert!(patterns_match("a,*.example.com", "db.example.com"));
        assert!(!patterns_match(
            "*.example.com,!db.example.com",
            "db.example.com"
        ));
        assert!(patterns_match("[127.0.0.1]:2?22", "[127.0.0.1]:2222"));
        // `ssh-keygen -H` of "[127.0.0.1]:2222" with this salt.
        let salt = data_encoding::BASE64.encode(b"0123456789abcdefghij");
        use hmac::{KeyInit, Mac};
        let mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(b"0123456789abcdefghij")
            .unwrap()
            .chain_update(b"[127.0.0.1]:2222")
            .finalize()
            .into_bytes();
        let hashed = format!("|1|{salt}|{}", data_encoding::BASE64.encode(&mac));
        assert!(patterns_match(&hashed, "[127.0.0.1]:2222"));
        assert!(!patterns_match(&hashed, "[127.0.0.1]:2223"));
    }

    #[test]
    fn lookup_and_append() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/known_hosts");
        assert_eq!(lookup(&path, "h", 2222, &key(KEY)), Ok(Verdict::Unknown));
        append(&path, "h", 2222, &key(KEY)).unwrap();
        assert_eq!(lookup(&path, "h", 2222, &key(KEY)), Ok(Verdict::Known));
        assert_eq!(lookup(&path, "h", 22, &key(KEY)), Ok(Verdict::Unknown));
        std::fs::write(
            &path,
            format!("# comment\n\n[h]:2222 ssh-ed25519 {OTHER}\n"),
        )
        .unwrap();
        assert_eq!(
            lookup(&path, "h", 2222, &key(KEY)),
            Ok(Verdict::Changed { line: 3 })
        );
        append(&path, "other", 22, &key(KEY)).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("# comment\n")
                && text.ends_with(&format!("other ssh-ed25519 {KEY}\n")),
            "{text}"
        );
        assert_eq!(known_algorithms(&path, "h", 2222).len(), 1);
    }
}
