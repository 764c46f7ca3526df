//! Wrapping an Airbyte image for Flow (`catwalk image wrap`): an image built FROM it, through the Engine API,
//! with a statically linked catwalk whose `adapt airbyte` is the entrypoint, over the image's own Airbyte
//! entrypoint, labelled `FLOW_RUNTIME_PROTOCOL=capture` and `FLOW_RUNTIME_CODEC=json`: what Estuary does to
//! run Airbyte connectors. Then pushing it with the user's Docker credentials. Which static binary goes in is
//! decided here too ([`static_binary`]). No container or dangling image is left behind: the classic builder
//! removes its containers (`forcerm`), and an older build the tag moved away from is removed when it was ours.

use super::docker::{DockerHost, ImageInfo, describe, split_tag, status_of};
use super::error::ConnectorError;
use super::files::tar_entry;
use bollard::query_parameters::{
    BuildImageOptionsBuilder, PushImageOptionsBuilder, RemoveImageOptionsBuilder,
};
use futures_util::StreamExt;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Where the static catwalk lives in a wrapped image.
pub const BINARY_IN_IMAGE: &str = "/opt/catwalk/bin/catwalk";
/// Label naming the image a wrapped image was built from (also how catwalk knows an image is its own).
pub const WRAPPED_FROM: &str = "io.catwalk.wrapped-from";
/// The environment variable naming the static catwalk to put into images.
pub const STATIC_BINARY_ENV: &str = "CATWALK_STATIC_BINARY";

#[derive(Debug, thiserror::Error)]
pub enum WrapError {
    #[error(
        "no statically linked catwalk to put into the image: {reason}\n  Build one with `scripts/build-static` in catwalk's source tree (it writes target/static/catwalk-static, which a catwalk in target/ finds), or point {STATIC_BINARY_ENV} at one, or put it beside this catwalk as `catwalk-static`."
    )]
    NoStaticBinary { reason: String },
    #[error(
        "image {image} names no Airbyte entrypoint (no AIRBYTE_ENTRYPOINT variable, no Entrypoint, no Cmd), so there is nothing to wrap.\n  Is it an Airbyte connector image? `docker image inspect {image}` shows its configuration."
    )]
    NoEntrypoint { image: String },
    #[error(
        "image {image} already speaks Flow's protocol (label FLOW_RUNTIME_PROTOCOL={protocol}): use it as it is, no wrapping needed."
    )]
    AlreadyFlow { image: String, protocol: String },
    #[error("{0}")]
    Connector(#[from] ConnectorError),
    #[error("building {tag} failed: {reason}")]
    Build { tag: String, reason: String },
    #[error(
        "pushing {tag} failed: {reason}\n  Log in to the registry (`docker login {registry}`), check that the repository exists and that you may push to it."
    )]
    Push {
        tag: String,
        registry: String,
        reason: String,
    },
}

/// What a build or a push is doing, for progress lines.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImageProgress {
    /// A step of the build (`Step 2/4 : COPY ...`) or a push status (`Pushing`, `Pushed`).
    pub status: String,
    /// Bytes pushed so far, summed over layers, and their total (0 when unknown).
    pub done: u64,
    pub total: u64,
}

/// What was built.
#[derive(Debug, Clone)]
pub struct Wrapped {
    pub tag: String,
    pub id: String,
    pub base: String,
    /// The Airbyte connector's own command line, as the adapter runs it.
    pub entrypoint: Vec<String>,
    /// An older image this tag named, removed because nothing else named it.
    pub replaced: Option<String>,
}

/// The Airbyte connector's command line in `image`: `AIRBYTE_ENTRYPOINT` (split on white space, as Airbyte's
/// own launcher does), else its Entrypoint followed by its Cmd, else its Cmd.
pub fn airbyte_entrypoint(image: &ImageInfo) -> Result<Vec<String>, WrapError> {
    if let Some(ep) = image.env.get("AIRBYTE_ENTRYPOINT") {
        let words: Vec<String> = ep.split_whitespace().map(str::to_string).collect();
        if !words.is_empty() {
            return Ok(words);
        }
    }
    let words: Vec<String> = image
        .entrypoint
        .iter()
        .chain(image.cmd.iter())
        .cloned()
        .collect();
    if words.is_empty() {
        return Err(WrapError::NoEntrypoint {
            image: image.reference.clone(),
        });
    }
    Ok(words)
}

/// The Dockerfile of a wrapped image. Setting ENTRYPOINT clears the base's Cmd, so nothing is appended.
pub fn dockerfile(base: &str, airbyte: &[String]) -> String {
    let mut entrypoint = vec![
        BINARY_IN_IMAGE.to_string(),
        "adapt".into(),
        "airbyte".into(),
        "--".into(),
    ];
    entrypoint.extend(airbyte.iter().cloned());
    format!(
        "FROM {base}\nCOPY catwalk {BINARY_IN_IMAGE}\nENTRYPOINT {}\n",
        serde_json::to_string(&entrypoint).expect("strings serialize")
    )
}

/// The labels of a wrapped image.
pub fn labels(base: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("FLOW_RUNTIME_PROTOCOL".into(), "capture".into()),
        ("FLOW_RUNTIME_CODEC".into(), "json".into()),
        (WRAPPED_FROM.into(), base.to_string()),
    ])
}

/// The static catwalk to put into images: `$CATWALK_STATIC_BINARY`, else `catwalk-static` beside the running
/// executable, else `../static/catwalk-static` from its directory (scripts/build-static's output, in a build
/// tree), else the running executable itself when it is statically linked.
pub fn static_binary() -> Result<PathBuf, WrapError> {
    let no = |reason: String| WrapError::NoStaticBinary { reason };
    if let Some(path) = std::env::var_os(STATIC_BINARY_ENV).filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        return match is_static(&path) {
            Ok(true) => Ok(path),
            Ok(false) => Err(no(format!(
                "{STATIC_BINARY_ENV}={} is dynamically linked (it has an ELF interpreter), so it would not run in other images",
                path.display()
            ))),
            Err(e) => Err(no(format!("{STATIC_BINARY_ENV}={}: {e}", path.display()))),
        };
    }
    let me =
        std::env::current_exe().map_err(|e| no(format!("cannot find this executable: {e}")))?;
    let beside = me.with_file_name("catwalk-static");
    // In a build tree (target/debug/catwalk), scripts/build-static's output is target/static/catwalk-static.
    let built = me
        .parent()
        .and_then(Path::parent)
        .map(|target| target.join("static/catwalk-static"));
    for candidate in std::iter::once(beside.clone()).chain(built) {
        if let Ok(true) = is_static(&candidate) {
            return Ok(candidate);
        }
    }
    match is_static(&me) {
        Ok(true) => Ok(me),
        _ => Err(no(format!(
            "this catwalk ({}) is dynamically linked, {STATIC_BINARY_ENV} is not set and there is no static {}",
            me.display(),
            beside.display()
        ))),
    }
}

/// Whether the file is an ELF executable without a `PT_INTERP` program header (needs no dynamic loader).
pub fn is_static(path: &Path) -> std::io::Result<bool> {
    use std::io::Read;
    let mut head = Vec::new();
    std::fs::File::open(path)?
        .take(64 * 1024)
        .read_to_end(&mut head)?;
    static_elf(&head).map_err(std::io::Error::other)
}

/// [`is_static`] on the first bytes of a file (64-bit little-endian ELF).
pub fn static_elf(head: &[u8]) -> Result<bool, String> {
    if head.len() < 64 || &head[..4] != b"\x7fELF" {
        return Err("not an ELF executable".into());
    }
    if head[4] != 2 || head[5] != 1 {
        return Err("not a 64-bit little-endian ELF executable".into());
    }
    let u16_at = |at: usize| u16::from_le_bytes([head[at], head[at + 1]]) as usize;
    let phoff = u64::from_le_bytes(head[0x20..0x28].try_into().expect("8 bytes")) as usize;
    let (phentsize, phnum) = (u16_at(0x36), u16_at(0x38));
    for i in 0..phnum {
        let at = phoff + i * phentsize;
        let Some(ptype) = head.get(at..at + 4) else {
            return Err("program headers past the first 64 KiB".into());
        };
        if ptype == [3, 0, 0, 0] {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Build `tag` FROM `base` (pulled when absent) with the static catwalk at `binary`. `progress` sees each
/// build step, `pull` the pull of `base`. Refuses an image that already speaks Flow.
pub async fn wrap(
    docker: &DockerHost,
    base: &str,
    tag: &str,
    binary: &Path,
    pull: Option<super::PullSink>,
    progress: &(dyn Fn(&ImageProgress) + Send + Sync),
) -> Result<Wrapped, WrapError> {
    let info = docker.ensure_image(base, pull).await?;
    if let Some(p) = info.labels.get("FLOW_RUNTIME_PROTOCOL") {
        return Err(WrapError::AlreadyFlow {
            image: base.into(),
            protocol: p.clone(),
        });
    }
    let airbyte = airbyte_entrypoint(&info)?;
    let bytes = std::fs::read(binary).map_err(|e| WrapError::NoStaticBinary {
        reason: format!("cannot read {}: {e}", binary.display()),
    })?;
    let mut context = Vec::with_capacity(bytes.len() + 4096);
    tar_entry(
        &mut context,
        "Dockerfile",
        0o644,
        b'0',
        dockerfile(base, &airbyte).as_bytes(),
    );
    tar_entry(&mut context, "catwalk", 0o755, b'0', &bytes);
    context.resize(context.len() + 1024, 0);
    drop(bytes);

    let before = docker.inspect(tag).await.ok().map(|i| i.id);
    let labels: HashMap<String, String> = labels(base).into_iter().collect();
    let opts = BuildImageOptionsBuilder::default()
        .dockerfile("Dockerfile")
        .t(tag)
        .rm(true)
        .forcerm(true)
        .labels(&labels)
        .build();
    let api = docker.api();
    let mut stream = api.build_image(opts, None, Some(bollard::body_full(context.into())));
    let mut id = None;
    while let Some(item) = stream.next().await {
        let info = item.map_err(|e| WrapError::Build {
            tag: tag.into(),
            reason: describe(&e),
        })?;
        if let Some(message) = info.error_detail.and_then(|d| d.message) {
            return Err(WrapError::Build {
                tag: tag.into(),
                reason: message,
            });
        }
        if let Some(aux) = info.aux.and_then(|a| a.id) {
            id = Some(aux);
        }
        if let Some(line) = info
            .stream
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
        {
            progress(&ImageProgress {
                status: line.to_string(),
                ..Default::default()
            });
        }
    }
    let built = docker
        .inspect(tag)
        .await
        .map_err(|e| docker.docker_error(tag, e))?;
    let id = id.unwrap_or(built.id.clone());
    // The tag moved: an older wrapped image nothing else names would be left dangling.
    let mut replaced = None;
    if let Some(old) = before.filter(|old| *old != built.id)
        && let Ok(old_info) = docker.api().inspect_image(&old).await
        && old_info.repo_tags.as_ref().is_none_or(|t| t.is_empty())
        && old_info
            .config
            .as_ref()
            .and_then(|c| c.labels.as_ref())
            .is_some_and(|l| l.contains_key(WRAPPED_FROM))
    {
        let opts = RemoveImageOptionsBuilder::default().build();
        match docker.api().remove_image(&old, Some(opts), None).await {
            Ok(_) => replaced = Some(old),
            Err(e) if status_of(&e) == Some(409) => {
                tracing::info!(image = %old, "older wrapped image still in use: kept");
            }
            Err(e) => {
                tracing::warn!(image = %old, "could not remove the older wrapped image: {}", describe(&e))
            }
        }
    }
    Ok(Wrapped {
        tag: tag.into(),
        id,
        base: base.into(),
        entrypoint: airbyte,
        replaced,
    })
}

/// Whether this machine's Docker knows `image` from its registry (it was pulled or pushed: it has a
/// repository digest there); `None` when Docker does not have the image or cannot be asked.
pub async fn pushed(docker: &DockerHost, image: &str) -> Option<bool> {
    let info = docker.api().inspect_image(image).await.ok()?;
    let (repo, _) = split_tag(image);
    let names = [
        repo.to_string(),
        format!("docker.io/{repo}"),
        format!("docker.io/library/{repo}"),
    ];
    Some(
        info.repo_digests
            .unwrap_or_default()
            .iter()
            .filter_map(|d| d.split('@').next())
            .any(|name| names.iter().any(|n| n == name)),
    )
}

/// The registry an image reference names (`docker.io` when it names none).
pub fn registry_of(image: &str) -> String {
    match image.split_once('/') {
        Some((first, _)) if first.contains('.') || first.contains(':') || first == "localhost" => {
            first.to_string()
        }
        _ => "docker.io".into(),
    }
}

/// Push `tag` with the user's Docker credentials (`~/.docker/config.json`, its credential helpers), with
/// byte progress summed over layers.
pub async fn push(
    docker: &DockerHost,
    tag: &str,
    progress: &(dyn Fn(&ImageProgress) + Send + Sync),
) -> Result<(), WrapError> {
    let registry = registry_of(tag);
    let (name, version) = split_tag(tag);
    let mut opts = PushImageOptionsBuilder::default();
    if let Some(v) = version {
        opts = opts.tag(v);
    }
    let credentials = super::registry_auth::credentials(&registry);
    let mut stream = docker
        .api()
        .push_image(name, Some(opts.build()), credentials);
    let mut layers: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let failed = |reason: String| WrapError::Push {
        tag: tag.into(),
        registry: registry.clone(),
        reason,
    };
    while let Some(item) = stream.next().await {
        let info = item.map_err(|e| failed(describe(&e)))?;
        if let Some(message) = info.error_detail.and_then(|d| d.message) {
            return Err(failed(message));
        }
        let status = info.status.unwrap_or_default();
        if let Some(p) = &info.progress_detail
            && status.starts_with("Pushing")
        {
            // Push progress carries no layer id in this model: one entry per total size.
            let total = p.total.unwrap_or(0).max(0) as u64;
            let entry = layers.entry(format!("{total}")).or_default();
            entry.0 = p.current.unwrap_or(0).max(0) as u64;
            entry.1 = total;
        }
        progress(&ImageProgress {
            status,
            done: layers.values().map(|l| l.0).sum(),
            total: layers.values().map(|l| l.1).sum(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(env: &[(&str, &str)], entrypoint: &[&str], cmd: &[&str]) -> ImageInfo {
        ImageInfo {
            reference: "x/source-y:1".into(),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            entrypoint: entrypoint.iter().map(|s| s.to_string()).collect(),
            cmd: cmd.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn the_airbyte_entrypoint_comes_from_the_env_first() {
        let i = image(
            &[("AIRBYTE_ENTRYPOINT", "python  /airbyte/main.py")],
            &["/bin/sh", "-c"],
            &["x"],
        );
        assert_eq!(
            airbyte_entrypoint(&i).unwrap(),
            ["python", "/airbyte/main.py"]
        );
        let i = image(&[], &["/airbyte/base.sh"], &[]);
        assert_eq!(airbyte_entrypoint(&i).unwrap(), ["/airbyte/base.sh"]);
        let i = image(&[("AIRBYTE_ENTRYPOINT", " ")], &[], &["source-x"]);
        assert_eq!(airbyte_entrypoint(&i).unwrap(), ["source-x"]);
        let e = airbyte_entrypoint(&image(&[], &[], &[])).unwrap_err();
        assert!(e.to_string().contains("x/source-y:1"), "{e}");
    }

    #[test]
    fn the_dockerfile_puts_the_adapter_in_front() {
        let d = dockerfile("airbyte/source-x:1", &["python".into(), "/a b.py".into()]);
        assert_eq!(
            d,
            "FROM airbyte/source-x:1\nCOPY catwalk /opt/catwalk/bin/catwalk\nENTRYPOINT [\"/opt/catwalk/bin/catwalk\",\"adapt\",\"airbyte\",\"--\",\"python\",\"/a b.py\"]\n"
        );
        assert_eq!(labels("b")["FLOW_RUNTIME_PROTOCOL"], "capture");
        assert_eq!(labels("b")["FLOW_RUNTIME_CODEC"], "json");
    }

    #[test]
    fn static_elfs_have_no_interpreter() {
        let me = std::env::current_exe().unwrap();
        // Test binaries are linked dynamically here.
        assert!(!is_static(&me).unwrap());
        assert!(static_elf(b"#!/bin/sh\n").is_err());
    }

    #[test]
    fn registries_of_references() {
        assert_eq!(registry_of("airbyte/source-faker:1"), "docker.io");
        assert_eq!(registry_of("source-faker"), "docker.io");
        assert_eq!(registry_of("ghcr.io/acme/x:v1"), "ghcr.io");
        assert_eq!(registry_of("127.0.0.1:5000/x:v1"), "127.0.0.1:5000");
        assert_eq!(registry_of("localhost/x"), "localhost");
    }
}
