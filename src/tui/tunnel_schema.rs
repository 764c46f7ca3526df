//! Step 4's data: the answer kept in `answers.tunnel`, the form schemas the step edits (a choice between no
//! tunnel and a tunnel: the connector's own `networkTunnel.sshForwarding`, or one catwalk runs), the config
//! fields a catwalk-run tunnel would point at itself, and the checks of an SSH endpoint and a private key.
//! Pure: no SSH connection is made here.

use crate::schema::{Form, Kind, pointer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// Text kept in memory only: never serialized into the draft, never printed by `Debug`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretText(pub String);

impl std::fmt::Debug for SecretText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() {
            f.write_str("\"\"")
        } else {
            f.write_str("\"****\"")
        }
    }
}

/// Step 4's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum TunnelAnswer {
    /// The connector connects directly.
    None,
    /// The connector's own `networkTunnel.sshForwarding` (the values are in `answers.config` too).
    Connector(Box<SshForwarding>),
    /// A tunnel catwalk opens before starting the connector.
    Catwalk(Box<CatwalkTunnel>),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SshForwarding {
    /// `ssh://user@host[:port]`.
    pub ssh_endpoint: String,
    #[serde(skip)]
    pub private_key: SecretText,
    /// The older shape's other settings (`user`, `forwardHost`, `forwardPort`, `localPort`), as filled.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub other: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CatwalkTunnel {
    pub ssh_endpoint: String,
    #[serde(skip)]
    pub private_key: SecretText,
    /// The private key's passphrase, when it has one: for the wizard's own check and discover only (never
    /// in the draft, never saved: the commands read `$CATWALK_SSH_KEY_PASSPHRASE`).
    #[serde(skip)]
    pub passphrase: SecretText,
    /// Where the system is, as the SSH server sees it.
    pub forward_host: String,
    pub forward_port: u16,
    /// The local end; `None`: a free port picked when the tunnel opens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_port: Option<u16>,
    /// Config pointers pointed at the local end when the connector runs: hosts get 127.0.0.1, ports the
    /// local port, `host:port` addresses both.
    #[serde(default)]
    pub rewrite: Vec<String>,
}

/// The discriminator of the step's choice.
pub const TAG: &str = "tunnel";

/// The step form's field for a key's passphrase (a tunnel catwalk runs only).
pub const PASSPHRASE: &str = "keyPassphrase";

/// What the passphrase field says of itself.
pub const PASSPHRASE_HELP: &str = "Only for a private key with a passphrase. The wizard uses it for its check and discover and \
     never keeps it (not in the draft, not in the saved files). catwalk check, discover and adapt (run by Flow) read \
     it from the environment variable CATWALK_SSH_KEY_PASSPHRASE.";

/// The config pointer of the connector's own tunnel (`/networkTunnel`), when its schema has one with an
/// `sshForwarding` object.
pub fn builtin_pointer(form: &Form) -> Option<String> {
    let nt = form
        .root()
        .fields()
        .iter()
        .find(|f| f.key == "networkTunnel")?;
    nt.fields()
        .iter()
        .any(|f| f.key == "sshForwarding" && matches!(f.kind, Kind::Object(_)))
        .then(|| "/networkTunnel".to_string())
}

/// The config field where the connector has SSH settings of its own in another shape (Airbyte's
/// `tunnel_method`), by title.
pub fn own_settings(form: &Form) -> Option<String> {
    form.root()
        .fields()
        .iter()
        .find(|f| f.key == "tunnel_method" || f.key == "ssh_tunnel")
        .map(|f| f.title.clone())
}

fn none_option() -> Value {
    json!({
        "type": "object",
        "title": "No tunnel (default)",
        "description": "The connector connects to your system directly.",
        "required": [TAG],
        "properties": {TAG: {"type": "string", "const": "none", "default": "none"}}
    })
}

/// The step's schema for a connector with its own tunnel: the `sshForwarding` sub-schema of `config_schema`
/// (found at `schema_pointer`) as the second option; `$defs` come along for its `$ref`s.
pub fn builtin_schema(config_schema: &Value, schema_pointer: &str) -> Option<Value> {
    let sub = config_schema.pointer(schema_pointer)?;
    let mut props = Map::new();
    props.insert(
        TAG.into(),
        json!({"type": "string", "const": "ssh", "default": "ssh"}),
    );
    if let Some(p) = sub.get("properties").and_then(Value::as_object) {
        props.extend(p.clone());
    }
    let mut required = vec![json!(TAG)];
    if let Some(r) = sub.get("required").and_then(Value::as_array) {
        required.extend(r.iter().cloned());
    }
    let mut option = json!({
        "type": "object",
        "title": "Through an SSH server",
        "description": sub.get("description").cloned().unwrap_or_else(|| json!(
            "The connector opens an SSH tunnel to a server that can reach your system (a bastion host)."
        )),
        "required": required,
        "properties": props,
    });
    if let Some(a) = sub.get("additionalProperties") {
        option["additionalProperties"] = a.clone();
    }
    let mut schema = json!({"title": "Tunnel", "oneOf": [none_option(), option]});
    for defs in ["$defs", "definitions"] {
        if let Some(d) = config_schema.get(defs) {
            schema[defs] = d.clone();
        }
    }
    Some(schema)
}

/// A config field a catwalk-run tunnel can point at itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub pointer: String,
    pub title: String,
    pub role: Role,
    pub value: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Host,
    Port,
    /// `host:port` in one string.
    Address,
}

/// Config fields named like a host, a port or an address, with a value.
pub fn candidates(form: &Form, config: &Value) -> Vec<Candidate> {
    let mut out = Vec::new();
    for v in form.visible() {
        let key = v.field.key.to_lowercase();
        let Some(value) = config.pointer(&v.pointer) else {
            continue;
        };
        let role = match (key.as_str(), value) {
            ("host" | "hostname" | "host_name" | "server" | "server_name", Value::String(s))
                if !s.is_empty() =>
            {
                Role::Host
            }
            ("address" | "addr" | "server_address", Value::String(s)) if !s.is_empty() => {
                Role::Address
            }
            ("port", Value::Number(_)) => Role::Port,
            _ => continue,
        };
        out.push(Candidate {
            pointer: v.pointer.clone(),
            title: v.field.title.clone(),
            role,
            value: value.clone(),
        });
    }
    out
}

/// The forward target the candidates suggest: (host, port).
pub fn suggest(candidates: &[Candidate]) -> (Option<String>, Option<u64>) {
    let mut host = None;
    let mut port = None;
    for c in candidates {
        match (c.role, &c.value) {
            (Role::Host, Value::String(s)) => host = host.or(Some(s.clone())),
            (Role::Port, Value::Number(n)) => port = port.or(n.as_u64()),
            (Role::Address, Value::String(s)) => {
                let (h, p) = split_address(s);
                host = host.or(Some(h));
                port = port.or(p);
            }
            _ => {}
        }
    }
    (host, port)
}

fn split_address(s: &str) -> (String, Option<u64>) {
    match s.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') || h.ends_with(']') => {
            (h.trim_matches(['[', ']']).to_string(), p.parse().ok())
        }
        _ => (s.to_string(), None),
    }
}

/// The step's schema for a connector without a tunnel of its own: a tunnel catwalk runs, with the forward
/// target suggested from the config and a switch per config field it would point at the tunnel.
pub fn catwalk_schema(
    candidates: &[Candidate],
    suggested: &(Option<String>, Option<u64>),
) -> Value {
    let mut props = json!({
        TAG: {"type": "string", "const": "catwalk", "default": "catwalk"},
        "sshEndpoint": {
            "type": "string", "title": "SSH endpoint", "order": 1,
            "description": "The SSH server (bastion host) that can reach your system.",
            "pattern": "^ssh://.+@.+$", "pattern_descriptor": "ssh://user@host[:port]",
            "examples": ["ssh://flow@bastion.example.com:22"]
        },
        "privateKey": {
            "type": "string", "title": "Private key", "order": 2, "secret": true, "multiline": true,
            "description": "The SSH user's private key (OpenSSH or PEM; with or without a passphrase). Paste it, or read it from a file such as ~/.ssh/id_ed25519. The draft never keeps it; saving writes it to the config file (mode 0600)."
        },
        PASSPHRASE: {
            "type": "string", "title": "Key passphrase", "order": 3, "secret": true,
            "description": PASSPHRASE_HELP
        },
        "forwardHost": {
            "type": "string", "title": "Forward host", "order": 4, "minLength": 1,
            "description": "Your system's host as the SSH server sees it (suggested from the config)."
        },
        "forwardPort": {
            "type": "integer", "minimum": 1, "maximum": 65535, "title": "Forward port", "order": 5,
            "description": "Your system's port as the SSH server sees it (suggested from the config)."
        },
        "localPort": {
            "type": "integer", "minimum": 1, "maximum": 65535, "title": "Local port", "order": 6,
            "description": "The port on this machine the connector is pointed at. Leave it empty: catwalk picks a free one when the tunnel opens."
        }
    });
    if let Some(p) = suggested.1 {
        props["forwardPort"]["default"] = json!(p);
    }
    if let Some(h) = &suggested.0 {
        props["forwardHost"]["default"] = json!(h);
    }
    if !candidates.is_empty() {
        let mut switches = Map::new();
        for c in candidates {
            let to = match c.role {
                Role::Host => "127.0.0.1",
                Role::Port => "local port",
                Role::Address => "127.0.0.1:local port",
            };
            let now = match &c.value {
                Value::String(s) => s.clone(),
                v => v.to_string(),
            };
            switches.insert(
                c.pointer.clone(),
                json!({"type": "boolean", "default": true,
                       "title": format!("{} → {to}", c.title),
                       "description": format!(
                           "When the connector runs, {} (now {now}) becomes {to}, so that it connects through the tunnel. Your saved config keeps {now}.",
                           c.pointer
                       )}),
            );
        }
        props["rewrite"] = json!({
            "type": "object", "title": "Config fields pointed at the tunnel", "order": 7,
            "description": "When the connector runs, these config fields are replaced so that it connects through the tunnel. Your saved config keeps your values.",
            "properties": switches
        });
    }
    let description = if candidates.is_empty() {
        "catwalk opens an SSH tunnel before the connector starts. The config has no host or port field \
         catwalk recognises: give the forward target here, and point the config at 127.0.0.1 and the local \
         port yourself."
    } else {
        "catwalk opens an SSH tunnel before the connector starts and points the connector at it."
    };
    let option = json!({
        "type": "object",
        "title": "Through an SSH server, run by catwalk",
        "description": description,
        "required": [TAG, "sshEndpoint", "privateKey", "forwardHost", "forwardPort"],
        "properties": props
    });
    json!({"title": "Tunnel", "oneOf": [none_option(), option]})
}

/// The pieces of `ssh://user@host[:port]`, or what is wrong with it.
pub fn parse_endpoint(s: &str) -> Result<(String, String, Option<u16>), String> {
    const SHAPE: &str = "ssh://user@host[:port], e.g. ssh://flow@bastion.example.com:22";
    let rest = s
        .trim()
        .strip_prefix("ssh://")
        .ok_or_else(|| format!("must start with ssh:// ({SHAPE})"))?;
    let (user, hostport) = rest
        .split_once('@')
        .ok_or_else(|| format!("needs a user before @ ({SHAPE})"))?;
    if user.is_empty() {
        return Err(format!("needs a user before @ ({SHAPE})"));
    }
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (h, after) = v6
            .split_once(']')
            .ok_or_else(|| "an IPv6 host needs its closing ]".to_string())?;
        (h.to_string(), after.strip_prefix(':'))
    } else {
        match hostport.split_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (hostport.to_string(), None),
        }
    };
    if host.is_empty() || host.contains(['/', ' ', '@']) {
        return Err(format!("needs a host after @ ({SHAPE})"));
    }
    let port = match port {
        None => None,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 => Some(n),
            _ => return Err("the port must be a number from 1 to 65535".into()),
        },
    };
    Ok((user.to_string(), host, port))
}

/// Whether `key` has a passphrase: PEM and PKCS#8 say so in their text, OpenSSH keys only once read (no
/// decryption is attempted).
pub fn is_encrypted(key: &str) -> bool {
    let t = key.trim();
    if t.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----")
        || t.contains("Proc-Type: 4,ENCRYPTED")
    {
        return true;
    }
    t.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----")
        && matches!(
            crate::tunnel::key::parse(&crate::tunnel::Secret::new(t), None),
            Err(e) if e.message.contains("encrypted: give its passphrase")
        )
}

/// Whether `key` looks like a private key an SSH client can use (with or without a passphrase), or what it
/// looks like instead.
pub fn check_key(key: &str) -> Result<(), String> {
    let t = key.trim();
    let first = t.lines().next().unwrap_or_default().trim();
    let last = t.lines().last().unwrap_or_default().trim();
    if first.starts_with("ssh-") || first.starts_with("ecdsa-") {
        return Err("this is a public key: paste the private one".into());
    }
    let pem = |l: &str, edge: &str| l.starts_with(edge) && l.ends_with("PRIVATE KEY-----");
    if pem(first, "-----BEGIN ") && pem(last, "-----END ") && t.lines().count() >= 3 {
        Ok(())
    } else {
        Err("does not look like a private key: it starts with -----BEGIN … PRIVATE KEY----- and ends with -----END … PRIVATE KEY-----".into())
    }
}

/// Step 4's own checks, on top of the schema's: the endpoint's shape and the key's. A key with a passphrase
/// needs it (catwalk's tunnel), or is refused (the connector's own tunnel takes no passphrase).
pub fn checks(config: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(s) = config.get("sshEndpoint").and_then(Value::as_str)
        && !s.is_empty()
        && let Err(e) = parse_endpoint(s)
    {
        out.push(("/sshEndpoint".into(), e));
    }
    if let Some(k) = config.get("privateKey").and_then(Value::as_str)
        && !k.trim().is_empty()
    {
        let catwalk = config.get(TAG).and_then(Value::as_str) == Some("catwalk");
        let typed = config
            .get(PASSPHRASE)
            .and_then(Value::as_str)
            .is_some_and(|p| !p.is_empty());
        match check_key(k) {
            Err(e) => out.push(("/privateKey".into(), e)),
            Ok(()) if !is_encrypted(k) => {}
            Ok(()) if !catwalk => out.push((
                "/privateKey".into(),
                "this key has a passphrase, and the connector opens this tunnel itself without one: use a key without a passphrase (`ssh-keygen -p -f KEYFILE` removes it from a copy)".into(),
            )),
            Ok(()) if !typed && !crate::tui::env::get().passphrase_set => out.push((
                format!("/{PASSPHRASE}"),
                "this private key has a passphrase: type it here (or set CATWALK_SSH_KEY_PASSPHRASE before starting catwalk)".into(),
            )),
            Ok(()) => {}
        }
    }
    out
}

/// The answer a filled step-4 form gives (`form_config` is the step form's config).
pub fn answer(form_config: &Value) -> TunnelAnswer {
    let text = |k: &str| {
        form_config
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let port = |k: &str| {
        form_config
            .get(k)
            .and_then(Value::as_u64)
            .and_then(|p| u16::try_from(p).ok())
    };
    match form_config.get(TAG).and_then(Value::as_str) {
        Some("ssh") => {
            let mut other = form_config.as_object().cloned().unwrap_or_default();
            for k in [TAG, "sshEndpoint", "privateKey"] {
                other.shift_remove(k);
            }
            TunnelAnswer::Connector(Box::new(SshForwarding {
                ssh_endpoint: text("sshEndpoint"),
                private_key: SecretText(text("privateKey")),
                other,
            }))
        }
        Some("catwalk") => TunnelAnswer::Catwalk(Box::new(CatwalkTunnel {
            ssh_endpoint: text("sshEndpoint"),
            private_key: SecretText(text("privateKey")),
            passphrase: SecretText(text(PASSPHRASE)),
            forward_host: text("forwardHost"),
            forward_port: port("forwardPort").unwrap_or(0),
            local_port: port("localPort"),
            rewrite: form_config
                .get("rewrite")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .filter(|(_, on)| on.as_bool() == Some(true))
                        .map(|(p, _)| p.clone())
                        .collect()
                })
                .unwrap_or_default(),
        })),
        _ => TunnelAnswer::None,
    }
}

/// The step form's values for an earlier answer (a resumed draft: the private key is not in it).
pub fn values_of(answer: &TunnelAnswer) -> Value {
    match answer {
        TunnelAnswer::None => json!({TAG: "none"}),
        TunnelAnswer::Connector(s) => {
            let mut m = s.other.clone();
            m.insert(TAG.into(), json!("ssh"));
            m.insert("sshEndpoint".into(), json!(s.ssh_endpoint));
            if !s.private_key.0.is_empty() {
                m.insert("privateKey".into(), json!(s.private_key.0));
            }
            Value::Object(m)
        }
        TunnelAnswer::Catwalk(c) => {
            let mut v = json!({TAG: "catwalk", "sshEndpoint": c.ssh_endpoint,
                "forwardHost": c.forward_host, "forwardPort": c.forward_port});
            if !c.private_key.0.is_empty() {
                v["privateKey"] = json!(c.private_key.0);
            }
            if !c.passphrase.0.is_empty() {
                v[PASSPHRASE] = json!(c.passphrase.0);
            }
            if let Some(p) = c.local_port {
                v["localPort"] = json!(p);
            }
            v
        }
    }
}

impl CatwalkTunnel {
    /// The `networkTunnel` value saved in the config (the older shape plus `rewrite`; never the passphrase).
    pub fn network_tunnel(&self) -> Value {
        crate::tunnel::config::catwalk_value(
            &self.ssh_endpoint,
            &crate::tunnel::Secret::new(self.private_key.0.clone()),
            &self.forward_host,
            self.forward_port,
            self.local_port,
            &self.rewrite,
        )
    }
}

/// The config pointer joined with `sshForwarding`.
pub fn forwarding_pointer(builtin: &str) -> String {
    pointer::join(builtin, "sshForwarding")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_checked() {
        assert_eq!(
            parse_endpoint("ssh://flow@bastion.example.com:2222"),
            Ok(("flow".into(), "bastion.example.com".into(), Some(2222)))
        );
        assert_eq!(
            parse_endpoint("ssh://ana@[2001:db8::1]:22"),
            Ok(("ana".into(), "2001:db8::1".into(), Some(22)))
        );
        assert_eq!(parse_endpoint("ssh://a@h").map(|e| e.2), Ok(None));
        for (bad, says) in [
            ("bastion:22", "must start with ssh://"),
            ("ssh://bastion", "needs a user"),
            ("ssh://@bastion", "needs a user"),
            ("ssh://u@", "needs a host"),
            ("ssh://u@h:0", "from 1 to 65535"),
            ("ssh://u@h:99999", "from 1 to 65535"),
            ("ssh://u@h/path", "needs a host"),
        ] {
            let e = parse_endpoint(bad).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn keys_are_checked() {
        let key = "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n";
        assert_eq!(check_key(key), Ok(()));
        assert_eq!(
            check_key("-----BEGIN RSA PRIVATE KEY-----\nx\n-----END RSA PRIVATE KEY-----"),
            Ok(())
        );
        assert!(
            check_key("ssh-ed25519 AAAA me")
                .unwrap_err()
                .contains("public key")
        );
        let encrypted =
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nx\n-----END ENCRYPTED PRIVATE KEY-----";
        assert_eq!(check_key(encrypted), Ok(()), "a passphrase is fine now");
        assert!(is_encrypted(encrypted));
        assert!(!is_encrypted(key));
        // The connector's own tunnel takes no passphrase; catwalk's asks for it.
        let own = checks(&json!({"tunnel": "ssh", "privateKey": encrypted}));
        assert!(own[0].1.contains("without a passphrase"), "{own:?}");
        if std::env::var_os(crate::tunnel::PASSPHRASE_ENV).is_none() {
            let ours = checks(&json!({"tunnel": "catwalk", "privateKey": encrypted}));
            assert_eq!(ours[0].0, "/keyPassphrase", "{ours:?}");
        }
        assert_eq!(
            checks(&json!({"tunnel": "catwalk", "privateKey": encrypted, "keyPassphrase": "pw"})),
            vec![]
        );
        assert!(
            check_key("hello")
                .unwrap_err()
                .contains("does not look like a private key")
        );
        assert!(
            check_key("-----BEGIN OPENSSH PRIVATE KEY-----\nabc").is_err(),
            "cut short"
        );
    }

    #[test]
    fn the_older_tunnel_shape_is_filled_as_it_is() {
        let config_schema = json!({"type": "object", "properties": {"networkTunnel": {
            "type": "object", "properties": {"sshForwarding": {"type": "object",
                "required": ["sshEndpoint", "user", "forwardHost", "forwardPort", "privateKey"],
                "properties": {
                    "sshEndpoint": {"type": "string"}, "user": {"type": "string"},
                    "forwardHost": {"type": "string"}, "forwardPort": {"type": "integer"},
                    "localPort": {"type": "integer"},
                    "privateKey": {"type": "string", "secret": true, "multiline": true}}}}}}});
        let config_form = Form::build(&config_schema).unwrap();
        assert_eq!(
            builtin_pointer(&config_form).as_deref(),
            Some("/networkTunnel")
        );
        let at = config_form
            .field("/networkTunnel/sshForwarding")
            .unwrap()
            .schema_pointer
            .clone();
        let schema = builtin_schema(&config_schema, &at).unwrap();
        let (form, _) = Form::from_config(
            &schema,
            &json!({"tunnel": "ssh", "sshEndpoint": "ssh://b", "user": "flow", "forwardHost": "db",
                     "forwardPort": 5432, "localPort": 15432, "privateKey": "k"}),
        )
        .unwrap();
        let keys: Vec<String> = form.visible().iter().map(|v| v.pointer.clone()).collect();
        for k in ["/user", "/forwardHost", "/forwardPort", "/localPort"] {
            assert!(keys.contains(&k.to_string()), "{keys:?}");
        }
        match answer(&form.to_config()) {
            TunnelAnswer::Connector(f) => {
                assert_eq!(f.other["forwardPort"], 5432);
                assert_eq!(f.other["user"], "flow");
                assert!(!f.other.contains_key("privateKey") && !f.other.contains_key(TAG));
                let draft = serde_json::to_string(&TunnelAnswer::Connector(f)).unwrap();
                assert!(!draft.contains("\"k\""), "{draft}");
            }
            other => panic!("{other:?}"),
        }
    }
}
