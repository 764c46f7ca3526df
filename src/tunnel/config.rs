//! `networkTunnel` in a connector config, in both shapes:
//!
//! - current: `networkTunnel: {sshForwarding: {sshEndpoint: "ssh://user@host[:port]", privateKey}}`, the
//!   connector's own tunnel; the forward target is the connector's own address (`address: host:port`, or
//!   `host` + `port`).
//! - older: `sshForwarding` (or `networkTunnel` itself) also has `user`, `forwardHost`, `forwardPort`, `localPort`.
//!
//! A tunnel catwalk runs (for connectors without one of their own) is saved in the older shape, which Flow's
//! tools understand, plus `networkTunnel.rewrite`: the config pointers pointed at the local end when the
//! connector runs. The `rewrite` key is what marks a tunnel as catwalk's: `networkTunnel` is then removed from
//! the config the connector gets.

use super::key::Secret;
use super::{SshSettings, SshTarget, Step, TunnelError};
use serde_json::{Value, json};

/// Who opens the tunnel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// The connector (its spec has `networkTunnel`): catwalk only checks the path first.
    Connector,
    /// catwalk, before the connector starts; these config pointers get 127.0.0.1 / the local port.
    Catwalk { rewrite: Vec<String> },
}

/// A tunnel read from a config.
#[derive(Debug, Clone)]
pub struct TunnelConfig {
    pub settings: SshSettings,
    /// Where the system is, as the SSH server sees it (unknown for a connector-owned tunnel whose config has
    /// no address catwalk recognises).
    pub forward: Option<(String, u16)>,
    pub local_port: Option<u16>,
    pub owner: Owner,
}

const AT: &str = "/networkTunnel/sshForwarding";

/// The tunnel a config asks for, if any. An absent, null or empty `networkTunnel` (or one whose endpoint and
/// key are both empty, as a fresh stub has) is none.
pub fn from_config(config: &Value) -> Result<Option<TunnelConfig>, TunnelError> {
    let Some(nt) = config.get("networkTunnel").filter(|v| v.is_object()) else {
        return Ok(None);
    };
    let (fwd, at) = match nt.get("sshForwarding") {
        Some(f) if f.is_object() => (f, AT),
        _ if nt.get("sshEndpoint").is_some() => (nt, "/networkTunnel"),
        _ => return Ok(None),
    };
    let text = |k: &str| {
        fwd.get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .unwrap_or_default()
    };
    let bad = |m: String| TunnelError::new(Step::Settings, m);
    if text("sshEndpoint").is_empty() && text("privateKey").is_empty() {
        return Ok(None);
    }
    let user = Some(text("user")).filter(|u| !u.is_empty());
    let target = SshTarget::parse(text("sshEndpoint"), user)
        .map_err(|e| bad(format!("SSH endpoint ({at}/sshEndpoint): {e}")))?;
    let key = fwd
        .get("privateKey")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if key.trim().is_empty() {
        return Err(bad(format!(
            "Private key ({at}/privateKey) is empty: give the SSH user's private key"
        )));
    }
    let port = |k: &str| -> Result<Option<u16>, TunnelError> {
        match fwd.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => port_of(v).map(Some).ok_or_else(|| {
                bad(format!(
                    "{at}/{k} must be a port number from 1 to 65535, not {v}"
                ))
            }),
        }
    };
    let forward = match (text("forwardHost"), port("forwardPort")?) {
        ("", _) | (_, None) => None,
        (h, Some(p)) => Some((h.to_string(), p)),
    };
    let owner = match nt.get("rewrite") {
        None | Some(Value::Null) => Owner::Connector,
        Some(Value::Array(a)) => Owner::Catwalk {
            rewrite: a
                .iter()
                .map(|p| {
                    p.as_str()
                        .filter(|s| s.starts_with('/'))
                        .map(str::to_string)
                        .ok_or_else(|| bad(format!("/networkTunnel/rewrite lists {p}, which is not a JSON pointer such as \"/host\"")))
                })
                .collect::<Result<_, _>>()?,
        },
        Some(v) => {
            return Err(bad(format!(
                "/networkTunnel/rewrite must be a list of config pointers such as [\"/host\", \"/port\"], not {v}"
            )));
        }
    };
    let forward = match (&owner, forward) {
        (_, Some(f)) => Some(f),
        (Owner::Connector, None) => own_address(config),
        (Owner::Catwalk { .. }, None) => {
            return Err(bad(format!(
                "a tunnel catwalk runs needs its forward target: {at}/forwardHost and {at}/forwardPort (your system's host and port as the SSH server sees them)"
            )));
        }
    };
    Ok(Some(TunnelConfig {
        settings: SshSettings {
            target,
            private_key: Secret::new(key),
            passphrase: None,
        },
        forward,
        local_port: port("localPort")?,
        owner,
    }))
}

fn port_of(v: &Value) -> Option<u16> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .and_then(|p| u16::try_from(p).ok())
    .filter(|p| *p > 0)
}

/// `host:port` split; `None` without a numeric port.
fn split_host_port(s: &str) -> Option<(String, u16)> {
    let (h, p) = s.trim().rsplit_once(':')?;
    let port = p.parse::<u16>().ok()?;
    let host = h.trim_start_matches('[').trim_end_matches(']');
    (!host.is_empty()).then(|| (host.to_string(), port))
}

/// The connector's own address at the config's root: `address` (`host:port`), else `host`/`hostname`/`server`
/// with `port`.
fn own_address(config: &Value) -> Option<(String, u16)> {
    let root = config.as_object()?;
    let field = |names: &[&str]| names.iter().find_map(|n| root.get(*n));
    if let Some(a) = field(&["address", "addr", "server_address"]).and_then(Value::as_str) {
        return split_host_port(a);
    }
    let host = field(&["host", "hostname", "host_name", "server"]).and_then(Value::as_str)?;
    match field(&["port"]).and_then(port_of) {
        Some(p) => Some((host.to_string(), p)),
        None => split_host_port(host),
    }
}

/// The config a connector gets when catwalk runs its tunnel: without `networkTunnel`, each `rewrite` pointer
/// pointed at the local end (a host gets 127.0.0.1, a port the local port, a `host:port` both).
pub fn rewrite(config: &Value, pointers: &[String], local_port: u16) -> Result<Value, TunnelError> {
    let mut out = config.clone();
    if let Some(m) = out.as_object_mut() {
        m.shift_remove("networkTunnel");
    }
    for p in pointers {
        let slot = out.pointer_mut(p).ok_or_else(|| {
            TunnelError::new(
                Step::Settings,
                format!("/networkTunnel/rewrite names {p}, which the config does not have: fix the list or the config"),
            )
        })?;
        *slot = match &*slot {
            Value::Number(_) => json!(local_port),
            Value::String(s) if s.trim().parse::<u16>().is_ok() => json!(local_port.to_string()),
            Value::String(s) if split_host_port(s).is_some() => {
                json!(format!("127.0.0.1:{local_port}"))
            }
            Value::String(_) => json!("127.0.0.1"),
            other => {
                return Err(TunnelError::new(
                    Step::Settings,
                    format!(
                        "/networkTunnel/rewrite names {p}, whose value {other} is neither a host nor a port"
                    ),
                ));
            }
        };
    }
    Ok(out)
}

/// Pointers of the SSH private keys in a config's `networkTunnel` (either shape). They are secret whatever the
/// connector's schema says: a tunnel catwalk runs is in no connector's schema, yet its key is in the config.
pub fn secret_pointers(config: &Value) -> Vec<String> {
    [
        "/networkTunnel/sshForwarding/privateKey",
        "/networkTunnel/privateKey",
    ]
    .into_iter()
    .filter(|p| config.pointer(p).is_some())
    .map(str::to_string)
    .collect()
}

/// The `networkTunnel` value that saves a tunnel catwalk runs (the older shape plus `rewrite`).
pub fn catwalk_value(
    ssh_endpoint: &str,
    private_key: &Secret,
    forward_host: &str,
    forward_port: u16,
    local_port: Option<u16>,
    rewrite: &[String],
) -> Value {
    let mut fwd = json!({
        "sshEndpoint": ssh_endpoint,
        "privateKey": private_key.expose(),
        "forwardHost": forward_host,
        "forwardPort": forward_port,
    });
    if let Some(p) = local_port {
        fwd["localPort"] = json!(p);
    }
    json!({"sshForwarding": fwd, "rewrite": rewrite})
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----\n";

    #[test]
    fn both_shapes_are_read() {
        assert!(from_config(&json!({"host": "db"})).unwrap().is_none());
        assert!(
            from_config(&json!({"networkTunnel": null}))
                .unwrap()
                .is_none()
        );
        assert!(
            from_config(
                &json!({"networkTunnel": {"sshForwarding": {"sshEndpoint": "", "privateKey": ""}}})
            )
            .unwrap()
            .is_none()
        );
        let t = from_config(&json!({"address": "db.internal:5432",
            "networkTunnel": {"sshForwarding": {"sshEndpoint": "ssh://flow@b:2222", "privateKey": KEY}}}))
        .unwrap()
        .unwrap();
        assert_eq!(t.owner, Owner::Connector);
        assert_eq!(t.forward, Some(("db.internal".into(), 5432)));
        assert_eq!(t.settings.target.to_string(), "flow@b:2222");
        let t = from_config(&json!({"host": "db", "port": 3306,
            "networkTunnel": {"sshForwarding": {"sshEndpoint": "ssh://b", "user": "old", "privateKey": KEY,
                "forwardHost": "10.0.0.5", "forwardPort": 5432, "localPort": 15432}}}))
        .unwrap()
        .unwrap();
        assert_eq!(t.settings.target.user, "old");
        assert_eq!(t.forward, Some(("10.0.0.5".into(), 5432)));
        assert_eq!(t.local_port, Some(15432));
        let flat = from_config(
            &json!({"networkTunnel": {"sshEndpoint": "ssh://u@b", "privateKey": KEY,
            "forwardHost": "db", "forwardPort": 5432}, "host": "db"}),
        )
        .unwrap()
        .unwrap();
        assert_eq!(flat.forward, Some(("db".into(), 5432)));
        let e =
            from_config(&json!({"networkTunnel": {"sshForwarding": {"sshEndpoint": "ssh://u@b"}}}))
                .unwrap_err();
        assert!(
            e.message
                .contains("/networkTunnel/sshForwarding/privateKey"),
            "{e}"
        );
        let e = from_config(&json!({"networkTunnel": {"sshForwarding": {"sshEndpoint": "b:22", "privateKey": KEY}}}))
            .unwrap_err();
        assert!(
            e.message
                .contains("/networkTunnel/sshForwarding/sshEndpoint"),
            "{e}"
        );
    }

    #[test]
    fn catwalk_tunnels_round_trip_and_rewrite() {
        let nt = catwalk_value(
            "ssh://u@b",
            &Secret::new(KEY),
            "db",
            5432,
            None,
            &["/host".into(), "/port".into(), "/dsn".into()],
        );
        let config = json!({"host": "db", "port": 5432, "dsn": "db:5432", "networkTunnel": nt});
        let t = from_config(&config).unwrap().unwrap();
        let Owner::Catwalk { rewrite: pointers } = &t.owner else {
            panic!("{:?}", t.owner)
        };
        let out = rewrite(&config, pointers, 40001).unwrap();
        assert_eq!(
            out,
            json!({"host": "127.0.0.1", "port": 40001, "dsn": "127.0.0.1:40001"})
        );
        let e = rewrite(&config, &["/nope".into()], 1).unwrap_err();
        assert!(e.message.contains("/nope"), "{e}");
        let e = from_config(&json!({"networkTunnel": {"sshForwarding": {"sshEndpoint": "ssh://u@b", "privateKey": KEY}, "rewrite": []}}))
            .unwrap_err();
        assert!(e.message.contains("forwardHost"), "{e}");
    }
}
