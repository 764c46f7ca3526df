//! How a discovered connector is written into a catalog, and reading its endpoint config file: shared by
//! `catwalk discover` and the wizard's save step, so both write the same catalog. Flow connectors run as
//! they are; connectors of other protocols run through `catwalk adapt`, a local Flow connector, because
//! Flow runs only its own protocol. Uses `model` only.

use crate::catalog::load::parse_text;
use crate::catalog::types::{ContentRef, Endpoint};
use crate::model::Protocol;
use indexmap::IndexMap;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// What runs the connector: an image, or a command on this machine.
#[derive(Debug, Clone, Copy)]
pub enum Runs<'a> {
    Image(&'a str),
    Local {
        command: &'a [String],
        env: &'a BTreeMap<String, String>,
    },
}

/// The catalog endpoint for a connector speaking `protocol`, whose config is the file `config_file`
/// (relative to the catalog). `network`: a Docker network other than `bridge`, passed to `catwalk adapt`;
/// `catwalk`: how to call catwalk (see [`catwalk_command`]).
pub fn catalog_endpoint(
    runs: Runs<'_>,
    protocol: Protocol,
    network: Option<&str>,
    catwalk: &str,
    config_file: &str,
) -> Endpoint {
    let config = ContentRef::Path(config_file.to_string());
    match (protocol, runs) {
        (Protocol::Flow, Runs::Image(image)) => Endpoint::image(image, config),
        (Protocol::Flow, Runs::Local { command, env }) => {
            Endpoint::local(command.to_vec(), to_index_map(env), config)
        }
        (Protocol::Airbyte | Protocol::Singer, runs) => {
            let mut command = vec![catwalk.to_string(), "adapt".into(), protocol.to_string()];
            if let Some(n) = network.filter(|n| *n != "bridge") {
                command.extend(["--network".into(), n.to_string()]);
            }
            let env = match runs {
                Runs::Image(image) => {
                    command.extend(["--image".into(), image.to_string()]);
                    IndexMap::new()
                }
                Runs::Local {
                    command: wrapped,
                    env,
                } => {
                    command.push("--".into());
                    command.extend(wrapped.iter().cloned());
                    to_index_map(env)
                }
            };
            Endpoint::local(command, env, config)
        }
    }
}

fn to_index_map(env: &BTreeMap<String, String>) -> IndexMap<String, String> {
    env.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// How a catalog calls catwalk: `catwalk` when this very binary is what PATH finds under that name;
/// else its absolute path, so the catalog runs wherever it is checked from on this machine, with a
/// warning to show.
pub fn catwalk_command() -> (String, Option<String>) {
    let me = std::env::current_exe()
        .ok()
        .and_then(|p| p.canonicalize().ok());
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("catwalk"))
            .find(|p| p.is_file())
            .and_then(|p| p.canonicalize().ok())
    });
    match (me, on_path) {
        (Some(me), Some(found)) if me == found => ("catwalk".into(), None),
        (Some(me), _) => {
            let warning = format!(
                "this catwalk is not the one on your PATH, so the catalog names it by its path: {}",
                me.display()
            );
            (me.display().to_string(), Some(warning))
        }
        _ => ("catwalk".into(), None),
    }
}

/// Read a YAML or JSON endpoint config file: a mapping (an empty file is an empty one). Errors carry
/// the file, line and column, and say what to do. A sops-protected config comes back as it is in the file:
/// `crate::secrets::decrypt` opens it (in memory).
pub fn read_config(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read config {}: {e}", path.display()))?;
    let config: Value = parse_text(path, &text).map_err(|e| e.to_string())?;
    let config = if config.is_null() {
        Value::Object(Default::default())
    } else {
        config
    };
    if !config.is_object() {
        return Err(format!(
            "config {} must be a mapping of field names to values, not a {}",
            path.display(),
            kind_of(&config)
        ));
    }
    Ok(config)
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Array(_) => "list",
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "boolean",
        _ => "value",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn airbyte_runs_through_adapt() {
        let command = vec!["source-x".to_string(), "--debug".to_string()];
        let env = BTreeMap::from([("A".to_string(), "1".to_string())]);
        let e = catalog_endpoint(
            Runs::Local {
                command: &command,
                env: &env,
            },
            Protocol::Airbyte,
            Some("host"),
            "catwalk",
            "x.config.yaml",
        );
        let Endpoint::Local(l) = e else {
            panic!("{e:?}")
        };
        assert_eq!(
            l.command,
            [
                "catwalk",
                "adapt",
                "airbyte",
                "--network",
                "host",
                "--",
                "source-x",
                "--debug"
            ]
        );
        assert_eq!(l.env.get("A").map(String::as_str), Some("1"));
        let e = catalog_endpoint(
            Runs::Image("ghcr.io/estuary/source-x:v1"),
            Protocol::Flow,
            None,
            "catwalk",
            "x.config.yaml",
        );
        assert_eq!(e.describe(), "ghcr.io/estuary/source-x:v1");
    }

    #[test]
    fn config_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.yaml");
        std::fs::write(&p, "").unwrap();
        assert_eq!(read_config(&p).unwrap(), serde_json::json!({}));
        std::fs::write(&p, "- a\n").unwrap();
        assert!(read_config(&p).unwrap_err().contains("not a list"));
        // A sops-protected config comes back as it is: `secrets::decrypt` opens it.
        std::fs::write(&p, "a: 1\nsops: {x: 1}\n").unwrap();
        assert_eq!(
            read_config(&p).unwrap(),
            serde_json::json!({"a": 1, "sops": {"x": 1}})
        );
    }
}
