//! The draft: the answers given so far, saved as JSON under the state directory after every answer, so
//! that an interrupted session can resume. Later steps add their answers to [`Answers`].

use super::connectors::ConnectorChoice;
use super::tunnel_schema::TunnelAnswer;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// Every answer of the wizard. Only what the person decided: everything else can be recomputed.
/// `Debug` leaves the config out (it holds secrets; commands are logged).
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Answers {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connector: Option<ConnectorChoice>,
    /// The endpoint config as filled in step 3 (defaults included, secrets in clear), set when the person
    /// leaves step 3 with a valid config. Never written to the draft: see `config_values`.
    #[serde(skip)]
    pub config: Option<Value>,
    /// The config being filled, without its secret values: what the draft keeps to refill the form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_values: Option<Box<Value>>,
    /// Step 4's answer (its private key is never written to the draft).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tunnel: Option<TunnelAnswer>,
    /// Step 6's answer: which bindings, under which names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bindings: Option<Box<BindingsAnswer>>,
    /// Step 7's answer: where and under which names the catalog is written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub save: Option<Box<SaveAnswer>>,
    /// A materialization's answers (collections, naming, resources, fields).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub materialization: Option<Box<MaterializationAnswer>>,
}

/// A materialization's steps' answers, by collection name, so that they apply to the catalogs read again.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MaterializationAnswer {
    pub chosen: Vec<String>,
    /// Resources name their schema (Estuary's `withSchema`).
    pub with_schema: bool,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub resources: BTreeMap<String, Value>,
    /// Each binding's `fields` as written in a catalog.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, Value>,
}

/// The bindings chosen in step 6, by resource id (`catalog::resource_id`), so that they apply to a later
/// discover of the same connector (resuming, or after the config changed).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BindingsAnswer {
    pub selected: Vec<String>,
    /// Collection names (after the prefix) the person changed, by resource id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub names: BTreeMap<String, String>,
    /// Per-binding settings the person applied (`{resource, key}`), by the discovered resource id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub settings: BTreeMap<String, Value>,
}

/// Step 7's fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SaveAnswer {
    pub directory: String,
    pub prefix: String,
    pub name: String,
}

impl std::fmt::Debug for Answers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Answers")
            .field("connector", &self.connector)
            .field("config", &self.config.as_ref().map(|_| "<hidden>"))
            .field("config_values", &self.config_values)
            .field("tunnel", &self.tunnel)
            .field(
                "bindings",
                &self.bindings.as_ref().map(|b| b.selected.len()),
            )
            .field("save", &self.save)
            .field(
                "materialization",
                &self.materialization.as_ref().map(|m| m.chosen.len()),
            )
            .finish_non_exhaustive()
    }
}

impl Answers {
    pub fn is_empty(&self) -> bool {
        self.connector.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Draft {
    pub version: u32,
    pub answers: Answers,
}

pub const VERSION: u32 = 1;

impl Draft {
    pub fn new(answers: Answers) -> Draft {
        Draft {
            version: VERSION,
            answers,
        }
    }
}

/// Read the draft at `path`: `Ok(None)` when there is none; an error for an unreadable or invalid file
/// (shown to the person, who can start afresh).
pub fn load(path: &Path) -> Result<Option<Draft>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read the draft {}: {e}", path.display())),
    };
    let draft: Draft = serde_json::from_str(&text)
        .map_err(|e| format!("the draft {} is not valid: {e}", path.display()))?;
    if draft.version != VERSION {
        return Err(format!(
            "the draft {} has version {}, this catwalk reads version {VERSION}",
            path.display(),
            draft.version
        ));
    }
    Ok((!draft.answers.is_empty()).then_some(draft))
}

/// Write the draft atomically (a temporary file renamed over the old one), readable by its owner only:
/// later steps put config values in it.
pub fn save(path: &Path, draft: &Draft) -> Result<(), String> {
    let dir = path
        .parent()
        .ok_or_else(|| format!("{} has no parent directory", path.display()))?;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| format!("cannot write in {}: {e}", dir.display()))?;
    let json = serde_json::to_vec_pretty(draft).map_err(|e| e.to_string())?;
    tmp.write_all(&json)
        .and_then(|_| tmp.write_all(b"\n"))
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| format!("cannot write the draft: {e}"))?;
    tmp.persist(path)
        .map_err(|e| format!("cannot save the draft {}: {e}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_and_loads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/draft.json");
        assert_eq!(load(&path).unwrap(), None);
        let draft = Draft::new(Answers {
            connector: Some(ConnectorChoice::Image {
                image: "airbyte/source-faker:7.2.1".into(),
                title: Some("Faker".into()),
                protocol: None,
            }),
            ..Answers::default()
        });
        save(&path, &draft).unwrap();
        assert_eq!(load(&path).unwrap(), Some(draft));
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "draft readable by others: {mode:o}");
        std::fs::write(&path, "{not json").unwrap();
        assert!(load(&path).unwrap_err().contains("not valid"));
    }
}
