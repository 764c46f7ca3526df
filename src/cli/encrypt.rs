//! `catwalk encrypt --source F`: protect plaintext configs with sops, in place. F is a catalog (every task's
//! config file is encrypted; the catalog keeps naming the same files, so it stays valid) or a single config
//! file. By default only the fields the connector's schema marks secret are encrypted, which needs the
//! connector's spec (run as `catwalk check` runs it); `--whole` encrypts every value and runs no connector.
//! Configs already encrypted are left alone and reported. Each file is replaced atomically, mode 0600. A config
//! written inside the catalog is encrypted there (Flow decrypts inline configs too): the catalog file is rewritten.

use super::args::EncryptArgs;
use super::check::{self, plural};
use super::{Failure, Outcome, exit, output};
use crate::catalog::{self, ContentRef, LoadedTask, WriteMode};
use crate::connector::{Connector, Endpoint};
use crate::model::ConnectorKind;
use crate::secrets::{self, Keys, Protection, Scope, SecretsError};
use serde_json::Value;
use std::collections::HashSet;
use std::path::Path;

pub async fn run(args: EncryptArgs) -> Outcome {
    let protection = Protection {
        keys: Keys {
            age: args.age.clone(),
            pgp: args.pgp.clone(),
            aws_kms: args.kms.clone(),
            gcp_kms: args.gcp_kms.clone(),
            azure_kv: args.azure_kv.clone(),
            hc_vault_transit: args.hc_vault_transit.clone(),
        },
        scope: if args.whole {
            Scope::Whole
        } else {
            Scope::Secrets
        },
    };
    let doc = read_doc(&args.source)?;
    let mut tally = Tally::default();
    if is_catalog(&doc) {
        if args.image.is_some() || !args.command.is_empty() {
            return Err(Failure::new(
                exit::USAGE,
                format!(
                    "{} is a catalog: its tasks name their connectors, so --image and a command are only for a single config file",
                    args.source.display()
                ),
            ));
        }
        encrypt_catalog(&args, &protection, &mut tally).await?;
    } else {
        let schema = match protection.scope {
            Scope::Whole => Value::Null,
            Scope::Secrets if secrets::is_protected(&doc) => Value::Null,
            Scope::Secrets => bare_config_schema(&args).await?,
        };
        let (source, p) = (args.source.clone(), protection.clone());
        let outcome =
            crate::ops::secrets::blocking(move || encrypt_one(&source, &doc, &schema, &p)).await;
        tally.report(&args.source.display().to_string(), outcome)?;
    }
    output::note(&tally.summary());
    Ok(if tally.failed == 0 {
        exit::OK
    } else {
        exit::FAILED
    })
}

fn read_doc(path: &Path) -> Result<Value, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::invalid(format!("cannot read {}: {e}", path.display())))?;
    let doc: Value =
        catalog::parse_text(path, &text).map_err(|e| Failure::invalid(e.to_string()))?;
    Ok(if doc.is_null() {
        Value::Object(Default::default())
    } else {
        doc
    })
}

/// A Flow catalog has at least one of its top-level sections; a config has none of them.
fn is_catalog(doc: &Value) -> bool {
    doc.as_object().is_some_and(|m| {
        [
            "captures",
            "materializations",
            "collections",
            "import",
            "tests",
        ]
        .iter()
        .any(|k| m.contains_key(*k))
    })
}

async fn encrypt_catalog(
    args: &EncryptArgs,
    protection: &Protection,
    tally: &mut Tally,
) -> Result<(), Failure> {
    let loaded = catalog::load(&args.source).map_err(|e| Failure::invalid(e.to_string()))?;
    let mut seen = HashSet::new();
    for task in loaded.captures.iter().chain(&loaded.materializations) {
        if task.config.is_null() && task.config_file.is_none() {
            continue;
        }
        let place = format!("{} ({})", crate::ops::task::config_place(task), task.name);
        if let Some(file) = &task.config_file {
            if matches!(task.endpoint.config(), Some(ContentRef::Path(p)) if p.contains('#')) {
                let outcome = Err(SecretsError::Io {
                    action: "encrypt",
                    place: place.clone(),
                    detail: "the catalog names a part of that file (`#...`); catwalk encrypts whole config files"
                        .into(),
                });
                tally.report(&place, outcome)?;
                continue;
            }
            // A file several tasks share is encrypted once.
            if !seen.insert(std::fs::canonicalize(file).unwrap_or_else(|_| file.clone())) {
                continue;
            }
        }
        let schema = match protection.scope {
            Scope::Secrets if !task.has_sops => match task_schema(task, args).await {
                Ok(schema) => schema,
                Err(message) => {
                    tally.failed += 1;
                    output::note(&format!(
                        "  {} {place}: cannot read the connector's spec to find its secret fields: {message}",
                        output::red("FAILED")
                    ));
                    continue;
                }
            },
            _ => Value::Null,
        };
        let config = if task.config.is_null() {
            Value::Object(Default::default())
        } else {
            task.config.clone()
        };
        // sops runs on a blocking thread, never on the async ones.
        let (task, protection, at) = (task.clone(), protection.clone(), place.clone());
        let outcome = crate::ops::secrets::blocking(move || match &task.config_file {
            Some(file) => encrypt_one(file, &config, &schema, &protection),
            None => encrypt_inline(&task, &config, &schema, &protection, &at),
        })
        .await;
        tally.report(&place, outcome)?;
    }
    if tally.total() == 0 {
        return Err(Failure::invalid(format!(
            "{} has no capture or materialization with a config to encrypt",
            args.source.display()
        )));
    }
    Ok(())
}

/// Encrypt one config file; on success, what was encrypted.
fn encrypt_one(
    file: &Path,
    config: &Value,
    schema: &Value,
    protection: &Protection,
) -> Result<String, SecretsError> {
    let what = what_is_encrypted(config, schema, protection);
    // A symlinked config is encrypted where it really is (see `secrets::save_config`).
    let target = secrets::real_path(file)?;
    secrets::save_config(file, config, schema, protection)?;
    if target != file {
        return Ok(format!(
            "{what} (in {}, which the symlink points to)",
            target.display()
        ));
    }
    Ok(what)
}

/// Encrypt a config written inside the catalog, in place: the catalog file is rewritten with the encrypted
/// config (Flow decrypts inline configs too).
fn encrypt_inline(
    task: &LoadedTask,
    config: &Value,
    schema: &Value,
    protection: &Protection,
    place: &str,
) -> Result<String, SecretsError> {
    let what = what_is_encrypted(config, schema, protection);
    let encrypted = secrets::encrypt_inline(config, schema, protection, &task.file, place)?;
    let fail = |detail: String| SecretsError::Io {
        action: "write the encrypted config into",
        place: task.file.display().to_string(),
        detail,
    };
    let mut doc = catalog::read_catalog_file(&task.file).map_err(|e| fail(e.to_string()))?;
    let endpoint = match task.kind {
        ConnectorKind::Capture => doc.captures.get_mut(&task.name).map(|c| &mut c.endpoint),
        ConnectorKind::Materialize => doc
            .materializations
            .get_mut(&task.name)
            .map(|m| &mut m.endpoint),
    };
    let Some(slot) = endpoint.and_then(|e| e.config_mut()) else {
        return Err(fail(format!("{} is no longer in it", task.name)));
    };
    *slot = ContentRef::Inline(encrypted);
    let is_json = task
        .file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let text = if is_json {
        serde_json::to_string_pretty(&doc)
            .map(|t| t + "\n")
            .map_err(|e| fail(e.to_string()))?
    } else {
        catalog::to_yaml(&doc).map_err(|e| fail(e.to_string()))?
    };
    // A symlinked catalog is rewritten where it really is: replacing the link would leave the plaintext.
    let target = secrets::real_path(&task.file)?;
    catalog::write_atomic(&target, text.as_bytes(), WriteMode::Replace, None)
        .map_err(|e| fail(e.to_string()))?;
    Ok(format!("{what} (written inline, in the catalog)"))
}

/// "every value", or which secret fields, for the report.
fn what_is_encrypted(config: &Value, schema: &Value, protection: &Protection) -> String {
    match protection.scope {
        Scope::Whole => "every value".to_string(),
        Scope::Secrets => {
            let fields: Vec<String> = secrets::plaintext_secrets(schema, config)
                .iter()
                .map(ToString::to_string)
                .collect();
            format!(
                "{}: {}",
                plural(fields.len(), "secret field"),
                fields.join(", ")
            )
        }
    }
}

/// The config schema of a task's connector, from its spec.
async fn task_schema(task: &LoadedTask, args: &EncryptArgs) -> Result<Value, String> {
    let (endpoint, opts) = check::task_connector(task, &args.run)?;
    let connector = Connector::open(endpoint, opts)
        .await
        .map_err(|e| e.to_string())?;
    Ok(connector
        .spec()
        .await
        .map_err(|e| e.to_string())?
        .config_schema)
}

/// The config schema for a single config file, from the connector given on the command line.
async fn bare_config_schema(args: &EncryptArgs) -> Result<Value, Failure> {
    let endpoint = match (&args.image, args.command.is_empty()) {
        (Some(image), _) => Endpoint::Image(image.clone()),
        (None, false) => Endpoint::local(args.command.clone()),
        (None, true) => {
            return Err(Failure::new(
                exit::USAGE,
                format!(
                    "{} is a single config file: catwalk needs its connector's spec to know which fields are \
                     secret. Name the connector with --image IMAGE (or `-- COMMAND` for a local one), give the \
                     catalog that uses the file instead, or use --whole to encrypt every value",
                    args.source.display()
                ),
            ));
        }
    };
    let connector = Connector::open(endpoint, args.run.options()).await?;
    Ok(connector.spec().await?.config_schema)
}

/// What happened to each file, printed as it happens.
#[derive(Default)]
struct Tally {
    encrypted: usize,
    already: usize,
    nothing: usize,
    failed: usize,
}

impl Tally {
    /// Print one file's outcome. sops missing and no key given end the command: every file would fail alike.
    fn report(
        &mut self,
        place: &str,
        outcome: Result<String, SecretsError>,
    ) -> Result<(), Failure> {
        match outcome {
            Ok(what) => {
                self.encrypted += 1;
                output::note(&format!("  {} {place}: {what}", output::green("encrypted")));
            }
            Err(SecretsError::AlreadyEncrypted { .. }) => {
                self.already += 1;
                output::note(&format!(
                    "  {} {place}: already encrypted, left as it is",
                    output::dim("skipped")
                ));
            }
            Err(SecretsError::NoSecrets { .. }) => {
                self.nothing += 1;
                output::note(&format!(
                    "  {} {place}: no secret field holds a value, nothing to encrypt (--whole encrypts every value)",
                    output::dim("skipped")
                ));
            }
            Err(e @ (SecretsError::SopsMissing { .. } | SecretsError::NoEncryptionKey { .. })) => {
                let code = if matches!(e, SecretsError::NoEncryptionKey { .. }) {
                    exit::USAGE
                } else {
                    exit::ENVIRONMENT
                };
                return Err(Failure::new(code, e.to_string()));
            }
            Err(e) => {
                self.failed += 1;
                output::note(&format!("  {} {e}", output::red("FAILED")));
            }
        }
        Ok(())
    }

    fn total(&self) -> usize {
        self.encrypted + self.already + self.nothing + self.failed
    }

    fn summary(&self) -> String {
        format!(
            "{} encrypted, {} already encrypted, {} without secrets, {} failed.",
            plural(self.encrypted, "config"),
            self.already,
            self.nothing,
            self.failed
        )
    }
}
