//! What of the config goes into the draft: every value but the secrets. A secret that is an object's
//! member is left out; one that is a list item becomes null (so the other items keep their places).
//! On resume the form is refilled from these values and the secrets are asked again.

use crate::schema::{Form, pointer};
use serde_json::Value;

/// The config without its secret values.
pub fn public(form: &Form) -> Value {
    let mut config = form.to_config();
    for at in form.secret_pointers() {
        strip(&mut config, &at);
    }
    config
}

fn strip(config: &mut Value, at: &str) {
    let Some(tokens) = pointer::split(at) else {
        return;
    };
    let Some((last, parents)) = tokens.split_last() else {
        return;
    };
    let mut current = config;
    for t in parents {
        current = match current {
            Value::Object(m) => match m.get_mut(t) {
                Some(v) => v,
                None => return,
            },
            Value::Array(items) => match t.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                Some(v) => v,
                None => return,
            },
            _ => return,
        };
    }
    match current {
        Value::Object(m) => {
            m.shift_remove(last);
        }
        Value::Array(items) => {
            if let Some(v) = last.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                *v = Value::Null;
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_stay_out() {
        let schema = json!({"type": "object", "properties": {
            "host": {"type": "string"},
            "password": {"type": "string", "secret": true},
            "keys": {"type": "array", "items": {"type": "string", "airbyte_secret": true}},
            "auth": {"type": "object", "properties": {"token": {"type": "string", "writeOnly": true}}}
        }});
        let config =
            json!({"host": "h", "password": "hunter2", "keys": ["a", "b"], "auth": {"token": "t"}});
        let (form, _) = Form::from_config(&schema, &config).unwrap();
        let p = public(&form);
        assert_eq!(p, json!({"host": "h", "keys": [null, null], "auth": {}}));
        assert!(!p.to_string().contains("hunter2"));
    }
}
