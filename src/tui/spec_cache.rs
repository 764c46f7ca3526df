//! Specs cached by image digest under the cache directory (`<cache>/specs/<sha256>.json`), so that a
//! connector picked again starts no container. Only images are cached: a digest (or, for images built
//! locally, the image id) names exactly one image content. Local commands are always run.

use crate::connector::ImageInfo;
use crate::model::Spec;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct SpecCache {
    dir: PathBuf,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    image: String,
    digest: String,
    spec: Spec,
}

/// The key of an image: the hex of its registry digest, else of its id. `None` when neither is a sha256.
pub fn key(info: &ImageInfo) -> Option<String> {
    let hex = |s: &str| {
        let h = s.rsplit("sha256:").next().unwrap_or_default();
        (h.len() == 64 && h.chars().all(|c| c.is_ascii_hexdigit())).then(|| h.to_ascii_lowercase())
    };
    info.digest
        .as_deref()
        .and_then(|d| d.contains("sha256:").then(|| hex(d)).flatten())
        .or_else(|| hex(&info.id))
}

impl SpecCache {
    pub fn new(cache_dir: &Path) -> SpecCache {
        SpecCache {
            dir: cache_dir.join("specs"),
        }
    }

    pub fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    /// The cached spec for `key`, if any. A damaged entry is treated as missing (and logged).
    pub fn get(&self, key: &str) -> Option<Spec> {
        let path = self.path(key);
        let text = std::fs::read_to_string(&path).ok()?;
        match serde_json::from_str::<Entry>(&text) {
            Ok(e) if e.digest == key => Some(e.spec),
            Ok(_) => None,
            Err(e) => {
                tracing::warn!(
                    "ignoring the damaged spec cache entry {}: {e}",
                    path.display()
                );
                None
            }
        }
    }

    /// Store a spec atomically. Failing to cache is not an error for the person: it is logged.
    pub fn put(&self, key: &str, image: &str, spec: &Spec) {
        if let Err(e) = self.try_put(key, image, spec) {
            tracing::warn!(
                "cannot cache the spec of {image} in {}: {e}",
                self.dir.display()
            );
        }
    }

    fn try_put(&self, key: &str, image: &str, spec: &Spec) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let entry = Entry {
            image: image.to_string(),
            digest: key.to_string(),
            spec: spec.clone(),
        };
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
        serde_json::to_writer(&mut tmp, &entry)?;
        tmp.flush()?;
        tmp.persist(self.path(key)).map_err(|e| e.error)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ConnectorKind, Protocol};
    use serde_json::json;

    const HEX: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn keys_come_from_digests_then_ids() {
        let mut info = ImageInfo {
            id: format!("sha256:{}", HEX.replace('0', "f")),
            digest: Some(format!("ghcr.io/estuary/source-postgres@sha256:{HEX}")),
            ..Default::default()
        };
        assert_eq!(key(&info).as_deref(), Some(HEX));
        info.digest = None;
        assert_eq!(key(&info), Some(HEX.replace('0', "f")));
        info.id = "not-a-digest".into();
        assert_eq!(key(&info), None);
    }

    #[test]
    fn stores_and_reads_specs() {
        let dir = tempfile::tempdir().unwrap();
        let cache = SpecCache::new(dir.path());
        assert!(cache.get(HEX).is_none());
        let spec = Spec {
            protocol: Protocol::Flow,
            kind: ConnectorKind::Capture,
            config_schema: json!({"type": "object"}),
            resource_config_schema: json!({}),
            documentation_url: Some("https://go.estuary.dev/x".into()),
            resource_path_pointers: vec!["/name".into()],
            oauth2: None,
        };
        cache.put(HEX, "img:1", &spec);
        assert_eq!(cache.get(HEX), Some(spec));
        std::fs::write(cache.path(HEX), "{broken").unwrap();
        assert!(cache.get(HEX).is_none());
    }
}
