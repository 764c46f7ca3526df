//! The SSH private key: kept in memory only, never printed. Pasted keys are normalised as Estuary's tunnel does
//! (CRLF to LF, a trailing newline), then parsed by russh: OpenSSH, PEM PKCS#1 (`RSA PRIVATE KEY`) and PKCS#8
//! (`PRIVATE KEY`, `ENCRYPTED PRIVATE KEY`); encrypted keys take a passphrase.

use super::{Step, TunnelError};
use russh::keys::PrivateKey;

/// Secret text (a private key or its passphrase): `Debug` never shows it, and it is wiped when dropped.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The secret itself, for the few places that must use it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() {
            "\"\""
        } else {
            "\"****\""
        })
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        // Overwrite the bytes before the allocation is freed (same length, so still valid UTF-8).
        // SAFETY: every byte written is ASCII '0'.
        unsafe { self.0.as_bytes_mut() }.fill(b'0');
    }
}

/// CRLF (and lone CR) to LF, surrounding blank space trimmed, one trailing newline.
pub fn normalise(text: &str) -> String {
    let mut out = text
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .trim()
        .to_string();
    out.push('\n');
    out
}

/// Parse a private key (normalised first). `passphrase` opens an encrypted key.
pub fn parse(key: &Secret, passphrase: Option<&Secret>) -> Result<PrivateKey, TunnelError> {
    let fail = |m: String| TunnelError::new(Step::Key, m);
    if key.is_empty() {
        return Err(fail(
            "the private key is empty: paste the SSH user's private key".into(),
        ));
    }
    let text = Secret::new(normalise(key.expose()));
    let first = text.expose().lines().next().unwrap_or_default().trim();
    if first.starts_with("ssh-") || first.starts_with("ecdsa-") {
        return Err(fail(
            "this is a public key (it starts with ssh-… or ecdsa-…): give the private one, which starts with -----BEGIN".into(),
        ));
    }
    if !first.starts_with("-----BEGIN ") {
        return Err(fail(
            "this does not look like a private key: it should start with -----BEGIN … PRIVATE KEY-----".into(),
        ));
    }
    if text.expose().contains("Proc-Type: 4,ENCRYPTED") && !text.expose().contains("AES-128-CBC") {
        return Err(fail(
            "this PEM key is encrypted with a legacy cipher catwalk cannot read: convert it with `ssh-keygen -p -f KEYFILE` (which rewrites it in OpenSSH format)".into(),
        ));
    }
    let pass = passphrase.filter(|p| !p.expose().is_empty());
    let parsed = russh::keys::decode_secret_key(text.expose(), pass.map(Secret::expose));
    let key = match parsed {
        Ok(k) => k,
        Err(e) => return Err(fail(explain(&e, pass.is_some(), first))),
    };
    if key.is_encrypted() {
        return Err(fail(if pass.is_some() {
            "the passphrase does not open this private key: check it".into()
        } else {
            "this private key is encrypted: give its passphrase".into()
        }));
    }
    Ok(key)
}

fn explain(e: &russh::keys::Error, had_passphrase: bool, first_line: &str) -> String {
    use russh::keys::Error as E;
    // A wrong passphrase shows as a failed decryption (OpenSSH: a cipher error; PEM: bad padding).
    let encrypted = first_line.contains("ENCRYPTED")
        || matches!(
            e,
            E::KeyIsEncrypted
                | E::Unpad(_)
                | E::SshKey(
                    russh::keys::ssh_key::Error::Encrypted | russh::keys::ssh_key::Error::Crypto
                )
        );
    match (encrypted, had_passphrase) {
        (true, false) => "this private key is encrypted: give its passphrase".into(),
        (true, true) => "the passphrase does not open this private key: check it".into(),
        _ if had_passphrase => format!(
            "the private key cannot be read with this passphrase ({e}): check the passphrase, and that the whole key was pasted"
        ),
        _ => format!(
            "the private key cannot be read ({e}): give the whole key, from -----BEGIN to -----END (OpenSSH, PEM RSA or PKCS#8)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_and_trailing_newline_are_normalised() {
        assert_eq!(
            normalise("\r\n-----BEGIN X-----\r\nab\r\n-----END X-----"),
            "-----BEGIN X-----\nab\n-----END X-----\n"
        );
        assert_eq!(normalise("a\n\n"), "a\n");
    }

    #[test]
    fn secrets_do_not_debug_print() {
        assert_eq!(format!("{:?}", Secret::new("hunter2")), "\"****\"");
    }

    #[test]
    fn bad_keys_are_named() {
        let e = parse(&Secret::new("ssh-ed25519 AAAA me"), None).unwrap_err();
        assert!(e.to_string().contains("public key"), "{e}");
        let e = parse(&Secret::new("hello"), None).unwrap_err();
        assert!(
            e.to_string().contains("does not look like a private key"),
            "{e}"
        );
        let e = parse(&Secret::new(""), None).unwrap_err();
        assert!(e.to_string().contains("empty"), "{e}");
    }
}
