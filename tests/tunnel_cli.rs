//! SSH tunnels from the commands, against a real sshd and a real local Airbyte connector (a Python script that
//! connects to its configured host:port and sends "ping" to an echo server reachable only as 127.0.0.2, the
//! forward target): `discover` and `check` with a tunnel catwalk runs, `catwalk adapt` doing the same under
//! Flow, a connector-owned tunnel whose path fails at step 4, host-key policy from the command line, and the
//! private key never in any output or file catwalk wrote.

mod support;

use catwalk::tunnel::{Secret, config::catwalk_value};
use serde_json::{Value, json};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use support::sshd::{Sshd, echo_server, free_port, keygen};

const CONNECTOR: &str = r#"#!/usr/bin/env python3
import json, socket, sys
verb = sys.argv[1]
def emit(m):
    print(json.dumps(m), flush=True)
schema = {"type": "object", "required": ["host", "port"], "properties": {
    "host": {"type": "string"}, "port": {"type": "integer"},
    "networkTunnel": {"type": "object"}}}
if verb == "spec":
    emit({"type": "SPEC", "spec": {"connectionSpecification": schema}})
    sys.exit(0)
config = json.load(open(sys.argv[sys.argv.index("--config") + 1]))
if "networkTunnel" in config:
    name = "own_tunnel"
else:
    s = socket.create_connection((config["host"], config["port"]), timeout=20)
    s.sendall(b"ping")
    name = "echo_" + s.recv(4).decode()
if verb == "check":
    emit({"type": "CONNECTION_STATUS", "connectionStatus": {"status": "SUCCEEDED"}})
elif verb == "discover":
    emit({"type": "CATALOG", "catalog": {"streams": [{"name": name, "json_schema": {"type": "object",
        "properties": {"id": {"type": "integer"}}}, "supported_sync_modes": ["full_refresh"],
        "source_defined_primary_key": [["id"]]}]}})
"#;

struct Setup {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    key: String,
    sshd: Sshd,
    connector: String,
    known_hosts: PathBuf,
    echo_port: u16,
}

fn setup() -> Setup {
    let tmp = support::temp_dir();
    let dir = tmp.path().to_path_buf();
    let keys = dir.join("keys");
    std::fs::create_dir(&keys).unwrap();
    let (key, public) = keygen(&keys, "id", "ed25519", None, "");
    std::fs::remove_file(keys.join("id")).unwrap();
    let sshd = Sshd::start(&[&public]);
    let connector = dir.join("source-echo");
    std::fs::write(&connector, CONNECTOR).unwrap();
    std::fs::set_permissions(&connector, std::fs::Permissions::from_mode(0o755)).unwrap();
    let known_hosts = dir.join("known_hosts");
    std::fs::write(&known_hosts, sshd.known_hosts_line() + "\n").unwrap();
    let echo_port = echo_server("127.0.0.2").port();
    Setup {
        connector: connector.display().to_string(),
        _tmp: tmp,
        dir,
        key,
        sshd,
        known_hosts,
        echo_port,
    }
}

impl Setup {
    /// A config whose host/port are not reachable directly, with a tunnel catwalk runs to the echo server.
    fn catwalk_config(&self) -> Value {
        json!({"host": "db.reachable-only-via-bastion", "port": 5432,
            "networkTunnel": catwalk_value(&self.sshd.endpoint(), &Secret::new(self.key.clone()),
                "127.0.0.2", self.echo_port, None, &["/host".into(), "/port".into()])})
    }

    fn write_config(&self, config: &Value) {
        std::fs::create_dir_all(self.dir.join("acmeCo")).unwrap();
        let path = self.dir.join("acmeCo/echo.config.yaml");
        std::fs::write(&path, serde_json::to_string_pretty(config).unwrap()).unwrap();
    }

    fn catwalk(&self, args: &[&str]) -> support::Ran {
        support::run_with_timeout(
            support::catwalk(&self.dir)
                .args(args)
                .env("CATWALK_KNOWN_HOSTS", &self.known_hosts)
                // catwalk's own log, as verbose as it gets, where the key test reads it.
                .env("XDG_STATE_HOME", self.dir.join("state"))
                .env("CATWALK_LOG", "trace"),
            None,
            std::time::Duration::from_secs(180),
        )
    }

    fn discover(&self, extra: &[&str]) -> support::Ran {
        let mut args = vec!["discover", "-vv", "--name", "echo", "--protocol", "airbyte"];
        args.extend(extra);
        args.extend(["--local", "--", &self.connector]);
        self.catwalk(&args)
    }
}

/// Every file under `dir` (but `skip`), as text.
fn files_under(dir: &Path, skip: &Path, out: &mut Vec<(PathBuf, String)>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p == skip {
            continue;
        }
        if p.is_dir() {
            files_under(&p, skip, out);
        } else {
            out.push((
                p.clone(),
                String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned(),
            ));
        }
    }
}

fn key_lines(key: &str) -> Vec<&str> {
    key.lines()
        .filter(|l| !l.starts_with("-----") && l.len() > 16)
        .collect()
}

#[test]
fn discover_and_check_through_a_tunnel_catwalk_runs() {
    let s = setup();
    s.write_config(&s.catwalk_config());
    let ran = s.discover(&[]);
    assert_eq!(ran.code(), Some(0), "{}\n{}", ran.stderr(), s.sshd.log());
    assert!(
        ran.stderr().contains("SSH tunnel open: 127.0.0.1:"),
        "{}",
        ran.stderr()
    );
    // The connector got 127.0.0.1:PORT and no networkTunnel, and reached the echo server through the bastion.
    let flow = support::read_yaml(&s.dir.join("acmeCo/echo.flow.yaml"));
    let bindings = &flow["captures"]["acmeCo/echo"]["bindings"];
    assert_eq!(bindings[0]["resource"]["stream"], "echo_ping", "{flow}");
    // The saved config is the user's, tunnel included.
    let saved = support::read_yaml(&s.dir.join("acmeCo/echo.config.yaml"));
    assert_eq!(saved["host"], "db.reachable-only-via-bastion");
    assert!(saved["networkTunnel"]["rewrite"].is_array());

    // `check` runs the catalog's `catwalk adapt airbyte` endpoint through the tunnel too.
    let ran = s.catwalk(&["check", "-vv", "--source", "acmeCo/echo.flow.yaml"]);
    assert_eq!(ran.code(), Some(0), "{}\n{}", ran.stderr(), s.sshd.log());
    assert!(ran.stderr().contains("SSH tunnel open"), "{}", ran.stderr());

    // Nothing catwalk printed or wrote holds the key (the config file is the user's own, where it belongs).
    let mut seen = vec![(PathBuf::from("stdout+stderr"), ran.stdout() + &ran.stderr())];
    let first = s.discover(&[]);
    seen.push((
        PathBuf::from("stdout+stderr of discover"),
        first.stdout() + &first.stderr(),
    ));
    files_under(&s.dir, &s.dir.join("acmeCo/echo.config.yaml"), &mut seen);
    let log = seen
        .iter()
        .find(|(p, _)| p.ends_with("state/catwalk/catwalk.log"));
    let names: Vec<_> = seen.iter().map(|(p, t)| (p.clone(), t.len())).collect();
    assert!(
        log.is_some_and(|(_, text)| text.contains("SSH tunnel")),
        "catwalk's log was read: {names:?}"
    );
    for (file, text) in &seen {
        for line in key_lines(&s.key) {
            assert!(
                !text.contains(line),
                "the private key appears in {}",
                file.display()
            );
        }
    }
}

#[test]
fn adapt_opens_the_tunnel_under_flow() {
    let s = setup();
    let request = json!({"discover": {"connectorType": "LOCAL", "config": s.catwalk_config()}});
    let ran = support::run_with_timeout(
        support::catwalk(&s.dir)
            .args(["adapt", "airbyte", "--", &s.connector])
            .env("CATWALK_KNOWN_HOSTS", &s.known_hosts),
        Some(format!("{request}\n").as_bytes()),
        std::time::Duration::from_secs(120),
    );
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let out: Value = serde_json::from_str(ran.stdout().trim()).unwrap();
    assert_eq!(
        out["discovered"]["bindings"][0]["recommendedName"], "echo_ping",
        "{out}"
    );
    for line in key_lines(&s.key) {
        assert!(!ran.stdout().contains(line) && !ran.stderr().contains(line));
    }
}

#[test]
fn connector_owned_tunnel_is_checked_first_and_fails_at_its_step() {
    let s = setup();
    let closed = free_port("127.0.0.2");
    let own = |address_port: u16| {
        json!({"host": "127.0.0.2", "port": address_port,
            "networkTunnel": {"sshForwarding": {"sshEndpoint": s.sshd.endpoint(), "privateKey": s.key}}})
    };
    s.write_config(&own(closed));
    let ran = s.discover(&[]);
    assert_eq!(ran.code(), Some(4), "{}", ran.stderr());
    let err = ran.stderr();
    assert!(
        err.contains("step 4 of 4")
            && err.contains(&format!("could not connect to 127.0.0.2:{closed}")),
        "{err}"
    );
    assert!(
        !s.dir.join("acmeCo/echo.flow.yaml").exists(),
        "the connector did not run"
    );

    // A reachable target: the path is checked, then the connector runs with its config as it is.
    s.write_config(&own(s.echo_port));
    let ran = s.discover(&[]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    assert!(
        ran.stderr()
            .contains("SSH path checked for the connector's own tunnel"),
        "{}",
        ran.stderr()
    );
    let flow = support::read_yaml(&s.dir.join("acmeCo/echo.flow.yaml"));
    assert_eq!(
        flow["captures"]["acmeCo/echo"]["bindings"][0]["resource"]["stream"],
        "own_tunnel"
    );
    for line in key_lines(&s.key) {
        assert!(!ran.stderr().contains(line) && !ran.stdout().contains(line));
    }
}

#[test]
fn unknown_host_key_needs_accept_new_host_key() {
    let s = setup();
    std::fs::remove_file(&s.known_hosts).unwrap();
    s.write_config(&s.catwalk_config());
    let ran = s.discover(&[]);
    assert_eq!(ran.code(), Some(4), "{}", ran.stderr());
    let fp = support::sshd::fingerprint_of(&s.sshd.host_key_pub());
    assert!(
        ran.stderr().contains(&fp) && ran.stderr().contains("--accept-new-host-key"),
        "{}",
        ran.stderr()
    );
    assert!(!s.known_hosts.exists());

    let ran = s.discover(&["--accept-new-host-key"]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    assert!(
        ran.stderr().contains(&format!(
            "New host key {fp} recorded in {}",
            s.known_hosts.display()
        )),
        "{}",
        ran.stderr()
    );
    assert!(
        std::fs::read_to_string(&s.known_hosts)
            .unwrap()
            .contains(&format!("[127.0.0.1]:{}", s.sshd.port))
    );
    // Known from now on, without the flag.
    let ran = s.discover(&[]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
}

#[test]
fn an_encrypted_key_takes_its_passphrase_from_the_environment() {
    let s = setup();
    let (key, public) = keygen(
        &s.dir.join("keys"),
        "enc",
        "ed25519",
        None,
        "long passphrase",
    );
    std::fs::write(s.sshd.dir.path().join("authorized_keys"), public + "\n").unwrap();
    let mut config = s.catwalk_config();
    config["networkTunnel"]["sshForwarding"]["privateKey"] = json!(key);
    s.write_config(&config);
    let ran = s.discover(&[]);
    assert_eq!(ran.code(), Some(3), "{}", ran.stderr());
    assert!(
        ran.stderr().contains("encrypted: give its passphrase")
            && ran.stderr().contains("$CATWALK_SSH_KEY_PASSPHRASE"),
        "{}",
        ran.stderr()
    );
    let mut args = vec![
        "discover",
        "--name",
        "echo",
        "--protocol",
        "airbyte",
        "--local",
        "--",
    ];
    args.push(&s.connector);
    let ran = support::run_with_timeout(
        support::catwalk(&s.dir)
            .args(&args)
            .env("CATWALK_KNOWN_HOSTS", &s.known_hosts)
            .env("CATWALK_SSH_KEY_PASSPHRASE", "long passphrase"),
        None,
        std::time::Duration::from_secs(180),
    );
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    assert!(!ran.stderr().contains("long passphrase"));
}
