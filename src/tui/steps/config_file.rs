//! Filling the form from a config file the person already has (YAML or JSON, read by a command): the
//! values go in, values the schema does not describe are kept and listed, and a sops-encrypted file is
//! called out (its secrets are ciphertext until decrypted).

use super::config::Notice;
use crate::schema::Form;
use crate::tui::msg::FileText;
use serde_json::Value;

/// A form of `schema` filled from `file`, and the line saying what happened; or why the file cannot be used.
pub fn load(schema: &Value, file: &FileText) -> Result<(Form, Notice), String> {
    let value: Value = serde_yaml::from_str(&file.text)
        .map_err(|e| format!("{} is not YAML or JSON: {e}", file.path))?;
    if !value.is_object() {
        return Err(format!(
            "{} holds {}, not a config (a mapping of settings)",
            file.path,
            kind(&value)
        ));
    }
    let (form, unknown) = Form::from_config(schema, &value).map_err(|e| e.to_string())?;
    let mut text = format!("Filled from {}: {} values.", file.path, leaves(&value));
    if !unknown.is_empty() {
        let listed: Vec<&str> = unknown.iter().take(4).map(|u| u.pointer.as_str()).collect();
        let more = if unknown.len() > 4 { ", …" } else { "" };
        text.push_str(&format!(
            " {} not in the schema, kept: {}{more}.",
            unknown.len(),
            listed.join(", ")
        ));
    }
    let sops = value.get("sops").is_some();
    if sops {
        text.push_str(
            " It is sops-encrypted: decrypt it first (sops -d) or type the secrets again.",
        );
    }
    Ok((form, Notice { text, bad: sops }))
}

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
        let (_, notice) = load(&schema, &file("{\"host\": \"x\", \"sops\": {}}")).unwrap();
        assert!(notice.bad && notice.text.contains("sops -d"));
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
