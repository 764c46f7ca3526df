//! Filling the form from a config file the person already has (YAML or JSON, read by a command): the
//! values go in, values the schema does not describe are kept and listed. A sops-encrypted file is
//! decrypted in memory by a task first (see `config::on_file`), then fills the form the same way.

use crate::schema::Form;
use crate::secrets::{Protection, Scope};
use crate::tui::msg::FileText;
use crate::tui::widgets::form_page::Notice;
use serde_json::Value;

/// A form of `schema` filled from `file`, and the line saying what happened; or why the file cannot be used.
/// A sops-protected file is refused here: it is decrypted first (`config::on_file`).
#[cfg(test)]
pub fn load(schema: &Value, file: &FileText) -> Result<(Form, Notice), String> {
    let value = parse(file)?;
    if crate::secrets::is_protected(&value) {
        return Err(format!(
            "{} is encrypted with sops: it must be decrypted first",
            file.path
        ));
    }
    fill(schema, &value, &file.path, None)
}

/// The config a file holds (a mapping), or why it holds none.
pub fn parse(file: &FileText) -> Result<Value, String> {
    let value: Value = serde_yaml::from_str(&file.text).map_err(|e| {
        let e = crate::clip::quotes(&e.to_string(), crate::clip::QUOTE);
        format!("{} is not YAML or JSON: {e}", file.path)
    })?;
    if !value.is_object() {
        return Err(format!(
            "{} holds {}, not a config (a mapping of settings)",
            file.path,
            kind(&value)
        ));
    }
    Ok(value)
}

/// A form of `schema` filled from `value` (the plaintext, when `sops` says how the file was protected),
/// and the line saying what happened.
pub fn fill(
    schema: &Value,
    value: &Value,
    path: &str,
    sops: Option<&Protection>,
) -> Result<(Form, Notice), String> {
    let (form, unknown) = Form::from_config(schema, value).map_err(|e| e.to_string())?;
    let mut text = match sops {
        Some(p) => format!(
            "Decrypted {path} in memory with sops ({}): {} values, secrets masked. Saving encrypts it again \
             for the same keys.",
            describe(p),
            leaves(value)
        ),
        None => format!("Filled from {path}: {} values.", leaves(value)),
    };
    if !unknown.is_empty() {
        let listed: Vec<&str> = unknown.iter().take(4).map(|u| u.pointer.as_str()).collect();
        let more = if unknown.len() > 4 { ", …" } else { "" };
        text.push_str(&format!(
            " {} not in the schema, kept: {}{more}.",
            unknown.len(),
            listed.join(", ")
        ));
    }
    Ok((form, Notice { text, bad: false }))
}

/// "age age1abc…, secret fields only" for notices: the keys (shortened) and the scope.
pub fn describe(p: &Protection) -> String {
    let keys = if p.keys.is_empty() {
        "keys from .sops.yaml".to_string()
    } else {
        let mut parts: Vec<String> = p
            .keys
            .age
            .iter()
            .map(|k| format!("age {}", short(k)))
            .collect();
        let others = p.keys.pgp.len()
            + p.keys.aws_kms.len()
            + p.keys.gcp_kms.len()
            + p.keys.azure_kv.len()
            + p.keys.hc_vault_transit.len();
        if others > 0 {
            parts.push(format!(
                "{others} other key{}",
                if others == 1 { "" } else { "s" }
            ));
        }
        parts.join(", ")
    };
    let scope = match p.scope {
        Scope::Secrets => "secret fields only",
        Scope::Whole => "whole document",
    };
    format!("{keys}; {scope}")
}

pub use crate::tui::widgets::text::short;

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// How many scalar values a config holds.
fn leaves(v: &Value) -> usize {
    match v {
        Value::Object(m) => m.values().map(leaves).sum(),
        Value::Array(a) => a.iter().map(leaves).sum(),
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn file(text: &str) -> FileText {
        FileText {
            path: "/tmp/c.yaml".into(),
            text: text.into(),
        }
    }

    #[test]
    fn loads_yaml_and_keeps_unknown_values() {
        let schema = json!({"type": "object", "properties": {"host": {"type": "string"}, "port": {"type": "integer", "default": 5432}}});
        let (form, notice) = load(&schema, &file("host: db\nextra: 1\n")).unwrap();
        assert_eq!(
            form.to_config(),
            json!({"host": "db", "extra": 1, "port": 5432})
        );
        assert!(notice.text.contains("2 values"), "{}", notice.text);
        assert!(
            notice.text.contains("1 not in the schema, kept: /extra"),
            "{}",
            notice.text
        );
        assert!(!notice.bad);
        assert!(
            load(
                &schema,
                &file("{\"host\": \"x\", \"sops\": {\"mac\": \"m\"}}")
            )
            .unwrap_err()
            .contains("encrypted with sops")
        );
        assert!(
            load(&schema, &file("- a\n- b\n"))
                .unwrap_err()
                .contains("a list")
        );
        assert!(
            load(&schema, &file("host: [unclosed"))
                .unwrap_err()
                .contains("not YAML")
        );
    }
}
