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
use std::path::{Path, PathBuf};

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
            Endpoint::local(portable_program(command), to_index_map(env), config)
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
                    command.extend(portable_program(wrapped));
                    to_index_map(env)
                }
            };
            Endpoint::local(command, env, config)
        }
    }
}

/// Where a task can run, from its endpoint: what the last screen and `check` say, and what to do next.
#[derive(Debug, Clone, PartialEq)]
pub enum Reach {
    /// An image endpoint Flow can pull: the catalog can be published (`flowctl catalog publish`).
    Publishable { image: String },
    /// An image endpoint whose image only this machine has (a `:local` tag, a build never pushed, or a
    /// registry on this machine): push it to a registry Estuary can reach first.
    NeedsPush { image: String },
    /// A local endpoint: runs where its command is installed (`catwalk check`, a local data plane),
    /// never in Estuary's cloud. `airbyte_image`: the Airbyte image it adapts, which can be wrapped.
    LocalOnly { airbyte_image: Option<String> },
}

impl Reach {
    /// `publishable`, `local only`, `needs the image pushed`.
    pub fn label(&self) -> &'static str {
        match self {
            Reach::Publishable { .. } => "publishable",
            Reach::NeedsPush { .. } => "needs the image pushed",
            Reach::LocalOnly { .. } => "local only",
        }
    }

    pub fn is_publishable(&self) -> bool {
        matches!(self, Reach::Publishable { .. })
    }

    /// What to do to make it publishable (`None` when it is).
    pub fn advice(&self) -> Option<String> {
        match self {
            Reach::Publishable { .. } => None,
            Reach::NeedsPush { image } => Some(format!(
                "push {image} to a registry Estuary can reach (`docker push {image}`, or `catwalk image wrap ... --push`); \
                 an image tagged `:local` or in a registry on this machine must be tagged for a real registry first"
            )),
            Reach::LocalOnly {
                airbyte_image: Some(image),
            } => {
                let tag = suggested_wrap_tag(image);
                Some(format!(
                    "wrap the image for Flow and push it: `catwalk image wrap --image {image} --tag {tag} --push`, \
                     then `catwalk discover --image {image} --wrap {tag}` writes an image endpoint"
                ))
            }
            Reach::LocalOnly {
                airbyte_image: None,
            } => Some(
                "a local command runs only where it is installed (connector development); to publish, package \
                 the connector as an image (an Airbyte image can be wrapped with `catwalk image wrap`)"
                    .into(),
            ),
        }
    }
}

/// A tag to suggest for the wrapped image of `image`: its name with `-flow` appended, same tag.
pub fn suggested_wrap_tag(image: &str) -> String {
    let (name, tag) = match image.rsplit_once(':') {
        Some((n, t)) if !t.contains('/') => (n, t),
        _ => (image, "latest"),
    };
    let last = name.rsplit('/').next().unwrap_or(name);
    format!("REGISTRY/{last}-flow:{tag}")
}

/// Where the task with `endpoint` can run. `image_pushed`: for an image endpoint, whether this machine's
/// Docker knows the image from a registry (`Some(false)`: built or loaded here and never pushed; `None`:
/// unknown, e.g. Docker not asked or the image not here, so it is taken to be in its registry).
pub fn reach(endpoint: &Endpoint, image_pushed: Option<bool>) -> Reach {
    match endpoint {
        Endpoint::Connector(c) => {
            let image = c.image.clone();
            let local_tag = image.rsplit_once(':').is_some_and(|(_, t)| t == "local");
            let registry = image.split('/').next().unwrap_or_default();
            let here = image.contains('/')
                && ["localhost", "127.", "[::1]"]
                    .iter()
                    .any(|h| registry.starts_with(h));
            if local_tag || here || image_pushed == Some(false) {
                Reach::NeedsPush { image }
            } else {
                Reach::Publishable { image }
            }
        }
        Endpoint::Local(l) => {
            let words = &l.command;
            let adapt = words.iter().position(|w| w == "adapt");
            let airbyte_image = adapt.and_then(|i| {
                let rest = &words[i..];
                if rest.get(1).map(String::as_str) != Some("airbyte") {
                    return None;
                }
                rest.iter()
                    .position(|w| w == "--image")
                    .and_then(|j| rest.get(j + 1))
                    .cloned()
            });
            Reach::LocalOnly { airbyte_image }
        }
        Endpoint::Dekaf(_) => Reach::Publishable {
            image: "dekaf".into(),
        },
    }
}

/// The command with its program named as PATH finds it (`source-faker`, not
/// `/home/me/venv/bin/source-faker`) when PATH finds that very file under its name; else as given.
pub fn portable_program(command: &[String]) -> Vec<String> {
    let mut out = command.to_vec();
    if let Some(program) = out.first_mut()
        && let Some(name) = on_path_as(program, std::env::var_os("PATH").as_deref())
    {
        *program = name;
    }
    out
}

/// The bare name PATH (`path`) finds `program` under, when `program` is a path to that same entry: the
/// same directory (symlinked directories resolved), not merely the same file behind a symlink. A
/// virtualenv's `bin/python` is a symlink to the system interpreter, yet only the venv's path runs it with
/// the venv's packages, so it must stay a path.
pub fn on_path_as(program: &str, path: Option<&std::ffi::OsStr>) -> Option<String> {
    let given = Path::new(program);
    if given.components().count() < 2 {
        return None;
    }
    let name = given.file_name()?.to_str()?.to_string();
    let entry =
        |p: &Path| -> Option<PathBuf> { Some(p.parent()?.canonicalize().ok()?.join(&name)) };
    let real = entry(given)?;
    let found = std::env::split_paths(path?)
        .map(|d| d.join(&name))
        .find(|p| p.is_file())?;
    (entry(&found)? == real).then_some(name)
}

/// A warning when a local endpoint names programs by paths (absolute, or relative to where it was
/// written), so the catalog runs only on this machine; `None` for image endpoints and portable commands.
pub fn machine_bound(endpoint: &Endpoint) -> Option<String> {
    let Endpoint::Local(l) = endpoint else {
        return None;
    };
    // The programs: the first word, and the wrapped command after `adapt ... --`.
    let mut programs = vec![l.command.first()?];
    if l.command.iter().any(|w| w == "adapt")
        && let Some(i) = l.command.iter().position(|w| w == "--")
        && let Some(p) = l.command.get(i + 1)
    {
        programs.push(p);
    }
    let paths: Vec<&str> = programs
        .into_iter()
        .filter(|p| p.contains('/'))
        .map(String::as_str)
        .collect();
    if paths.is_empty() {
        return None;
    }
    Some(format!(
        "the catalog runs only on this machine: it names {} by path; put {} on PATH (e.g. install it, or \
         activate its virtualenv) and discover again to name {} by name",
        paths.join(" and "),
        if paths.len() == 1 { "it" } else { "them" },
        if paths.len() == 1 { "it" } else { "them" },
    ))
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

    fn local(command: &[&str]) -> Endpoint {
        Endpoint::local(
            command.iter().map(|s| s.to_string()).collect(),
            IndexMap::new(),
            ContentRef::Path("c.yaml".into()),
        )
    }

    fn image(image: &str) -> Endpoint {
        Endpoint::image(image, ContentRef::Path("c.yaml".into()))
    }

    #[test]
    fn where_tasks_can_run() {
        let r = reach(&image("ghcr.io/estuary/source-x:v1"), None);
        assert_eq!(r.label(), "publishable");
        assert!(r.advice().is_none());
        // Built here and never pushed, tagged :local, or in a registry on this machine.
        for (img, pushed) in [
            ("ghcr.io/acme/source-x-flow:v1", Some(false)),
            ("acme/source-x-flow:local", None),
            ("127.0.0.1:5000/source-x-flow:v1", Some(true)),
            ("localhost:5000/source-x-flow:v1", None),
        ] {
            let r = reach(&image(img), pushed);
            assert_eq!(r.label(), "needs the image pushed", "{img}");
            assert!(r.advice().unwrap().contains(img), "{img}");
        }
        let r = reach(
            &local(&[
                "catwalk",
                "adapt",
                "airbyte",
                "--image",
                "airbyte/source-faker:6.2.1",
            ]),
            None,
        );
        assert_eq!(r.label(), "local only");
        let advice = r.advice().unwrap();
        assert!(
            advice.contains("catwalk image wrap --image airbyte/source-faker:6.2.1 --tag REGISTRY/source-faker-flow:6.2.1 --push"),
            "{advice}"
        );
        assert!(
            advice.contains("--wrap REGISTRY/source-faker-flow:6.2.1"),
            "{advice}"
        );
        let r = reach(
            &local(&["catwalk", "adapt", "airbyte", "--", "source-faker"]),
            None,
        );
        assert_eq!(
            r,
            Reach::LocalOnly {
                airbyte_image: None
            }
        );
        assert!(r.advice().unwrap().contains("connector development"));
    }

    #[test]
    fn machine_bound_commands_are_pointed_out() {
        assert_eq!(
            machine_bound(&local(&[
                "catwalk",
                "adapt",
                "airbyte",
                "--",
                "source-faker"
            ])),
            None
        );
        assert_eq!(machine_bound(&image("a/b:1")), None);
        let w = machine_bound(&local(&[
            "/src/target/release/catwalk",
            "adapt",
            "airbyte",
            "--",
            "/home/me/venv/bin/source-faker",
        ]))
        .unwrap();
        assert!(
            w.contains("/src/target/release/catwalk and /home/me/venv/bin/source-faker"),
            "{w}"
        );
        assert!(w.contains("only on this machine"), "{w}");
        let w = machine_bound(&local(&["./source_hello.py"])).unwrap();
        assert!(w.contains("./source_hello.py"), "{w}");
    }

    #[test]
    fn programs_on_path_are_named_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        let prog = bin.join("source-x");
        std::fs::write(&prog, "#!/bin/sh\n").unwrap();
        let other = dir.path().join("other");
        std::fs::create_dir(&other).unwrap();
        std::fs::write(other.join("source-x"), "#!/bin/sh\n").unwrap();
        let p = prog.to_str().unwrap();
        assert_eq!(
            on_path_as(p, Some(bin.as_os_str())).as_deref(),
            Some("source-x")
        );
        // PATH finds another file of that name first: the path stays.
        let path = std::env::join_paths([&other, &bin]).unwrap();
        assert_eq!(on_path_as(p, Some(&path)), None);
        assert_eq!(on_path_as(p, None), None);
        assert_eq!(on_path_as("source-x", Some(bin.as_os_str())), None);
        // A venv's `bin/python` is a symlink to the interpreter PATH finds elsewhere: a different entry
        // (it runs with the venv's packages only by its own path), so the path stays.
        let venv = dir.path().join("venv/bin");
        std::fs::create_dir_all(&venv).unwrap();
        std::os::unix::fs::symlink(&prog, venv.join("source-x")).unwrap();
        let in_venv = venv.join("source-x");
        assert_eq!(
            on_path_as(in_venv.to_str().unwrap(), Some(bin.as_os_str())),
            None
        );
        // A symlinked directory on PATH is the same directory.
        let linked = dir.path().join("linked-bin");
        std::os::unix::fs::symlink(&bin, &linked).unwrap();
        assert_eq!(
            on_path_as(p, Some(linked.as_os_str())).as_deref(),
            Some("source-x")
        );
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
