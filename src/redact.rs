//! The one place that keeps secret values out of what catwalk prints and logs.
//!
//! Whoever learns a secret value (a decrypted config, a plaintext config read with its connector's schema)
//! [`register`]s it; every line catwalk writes to the terminal (`cli::output`, `catwalk adapt`'s log lines)
//! and the log file ([`Writer`]) goes through [`text`], which replaces each registered value with [`MASK`].
//! Values shorter than [`MIN_LEN`] characters are not registered: masking `1` or `on` everywhere would make
//! every message unreadable, and such a value is no secret anyway.

use serde_json::Value;
use std::borrow::Cow;
use std::io;
use std::sync::RwLock;

/// What a secret is replaced with.
pub const MASK: &str = "****";

/// The shortest value that is masked.
pub const MIN_LEN: usize = 4;

/// Registered values, longest first (so a secret containing another is masked whole).
static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Mask `value` in everything written from now on. A multi-line value (a private key) is also masked line
/// by line, as connectors may log one line of it.
pub fn register(value: &str) {
    let mut candidates = vec![value.trim().to_string()];
    if value.contains('\n') {
        candidates.extend(
            value
                .lines()
                .map(|l| l.trim().to_string())
                .filter(|l| !l.starts_with("-----")),
        );
    }
    let Ok(mut secrets) = SECRETS.write() else {
        return;
    };
    for c in candidates {
        if c.chars().count() >= MIN_LEN && !secrets.contains(&c) {
            secrets.push(c);
        }
    }
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
}

/// Register every string and number inside `value` (a secret may be an object or a list).
pub fn register_value(value: &Value) {
    match value {
        Value::String(s) => register(s),
        Value::Number(n) => register(&n.to_string()),
        Value::Array(items) => items.iter().for_each(register_value),
        Value::Object(map) => map.values().for_each(register_value),
        Value::Bool(_) | Value::Null => {}
    }
}

/// `s` with every registered secret replaced by [`MASK`].
pub fn text(s: &str) -> Cow<'_, str> {
    let Ok(secrets) = SECRETS.read() else {
        return Cow::Borrowed(s);
    };
    let mut out = Cow::Borrowed(s);
    for secret in secrets.iter() {
        if out.contains(secret.as_str()) {
            out = Cow::Owned(out.replace(secret.as_str(), MASK));
        }
    }
    out
}

/// An [`io::Write`] that masks secrets in what passes through it (the log file's writer). The tracing
/// formatter writes each event in one call, so a value is never split across two writes.
pub struct Writer<W>(pub W);

impl<W: io::Write> io::Write for Writer<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let raw = String::from_utf8_lossy(buf);
        self.0.write_all(text(&raw).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn registered_values_are_masked_everywhere() {
        register("redact-unit-hunter2");
        register("ab");
        register_value(&json!({"k": ["redact-unit-token-9", 123456], "b": true}));
        register(
            "-----BEGIN KEY-----\nredact-unit-line-one\nredact-unit-line-two\n-----END KEY-----\n",
        );
        let line =
            "user=ab pw=redact-unit-hunter2 t=redact-unit-token-9 n=123456 k=redact-unit-line-two";
        assert_eq!(
            text(line),
            "user=ab pw=**** t=**** n=**** k=****",
            "short values are left alone"
        );
        let mut out = Writer(Vec::new());
        io::Write::write_all(&mut out, b"log: redact-unit-line-one\n").unwrap();
        assert_eq!(String::from_utf8(out.0).unwrap(), "log: ****\n");
    }

    #[test]
    fn longest_secret_wins() {
        register("redact-unit-abcd");
        register("redact-unit-abcd-longer");
        assert_eq!(text("x redact-unit-abcd-longer y"), "x **** y");
    }
}
