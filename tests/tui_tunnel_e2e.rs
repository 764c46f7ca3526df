//! The wizard opens an SSH tunnel of its own, end to end: the real `catwalk` binary in tmux, a real sshd, and
//! a local Airbyte connector (a Python script) whose config host cannot be resolved: it reaches its system (an
//! echo server on 127.0.0.2, the forward target) only through the tunnel catwalk opens. The key is pasted; the
//! host key is unknown and accepted on screen; the check, discover and preview pass through the tunnel; the saved config
//! has the tunnel in the old shape plus `rewrite`, and `catwalk check --source` passes on it. The private key
//! never shows on any capture.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;
use support::sshd::{Sshd, echo_server, fingerprint_of, keygen};
use support::tmux::{Tmux, catwalk};

const SLOW: Duration = Duration::from_secs(180);

const CONNECTOR: &str = r#"#!/usr/bin/env python3
import json, socket, sys
verb = sys.argv[1]
def emit(m):
    print(json.dumps(m), flush=True)
schema = {"type": "object", "required": ["host", "port"], "properties": {
    "host": {"type": "string", "title": "Host", "order": 0},
    "port": {"type": "integer", "title": "Port", "order": 1}}}
if verb == "spec":
    emit({"type": "SPEC", "spec": {"connectionSpecification": schema}})
    sys.exit(0)
config = json.load(open(sys.argv[sys.argv.index("--config") + 1]))
assert "networkTunnel" not in config, "catwalk gives the connector its config without the tunnel"
s = socket.create_connection((config["host"], config["port"]), timeout=20)
s.sendall(b"ping")
name = "echo_" + s.recv(4).decode()
if verb == "check":
    emit({"type": "CONNECTION_STATUS", "connectionStatus": {"status": "SUCCEEDED"}})
elif verb == "discover":
    emit({"type": "CATALOG", "catalog": {"streams": [{"name": name, "json_schema": {"type": "object",
        "properties": {"id": {"type": "integer"}}}, "supported_sync_modes": ["full_refresh"],
        "source_defined_primary_key": [["id"]]}]}})
elif verb == "read":
    emit({"type": "RECORD", "record": {"stream": name, "data": {"id": 7}, "emitted_at": 0}})
"#;

#[test]
fn a_tunnel_catwalk_runs_from_pasted_key_to_a_saved_catalog_that_checks() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    let keys = dir.join("keys");
    std::fs::create_dir(&keys).unwrap();
    let (key, public) = keygen(&keys, "id", "ed25519", None, "");
    std::fs::remove_file(keys.join("id")).unwrap();
    let sshd = Sshd::start(&[&public]);
    let echo = echo_server("127.0.0.2");
    let connector = dir.join("source-echo");
    std::fs::write(&connector, CONNECTOR).unwrap();
    std::fs::set_permissions(&connector, std::fs::Permissions::from_mode(0o755)).unwrap();
    let known_hosts = dir.join("known_hosts");
    let out = dir.join("out");
    std::fs::create_dir(&out).unwrap();

    let bin_dir = catwalk().parent().unwrap().to_path_buf();
    let t = Tmux::start("tunnel", 100, 30, Some(&bin_dir));
    // No line of the key, and not its body, ever shows.
    for line in key.lines().filter(|l| !l.starts_with("-----")) {
        t.forbid(line, false);
    }
    t.text(&format!(
        "clear; cd {} && CATWALK_KNOWN_HOSTS={} catwalk; echo EXIT=$?",
        out.display(),
        known_hosts.display()
    ));
    t.keys(&["Enter"]);
    t.wait_for(&["1 Connector", "Local command…"]);
    t.keys(&["Down", "Enter"]);
    t.wait_for(&["Protocol"]);
    t.text(&connector.display().to_string());
    t.keys(&["Enter"]);
    // Step 3: a host only the bastion could know.
    t.wait_long(&["The endpoint config tells", "Host *"], SLOW);
    t.text("db.reachable-only-via-bastion");
    t.keys(&["Tab"]);
    t.text("5432");
    t.keys(&["C-n"]);
    t.wait_for(&["SSH tunnel", "‹ No tunnel (default) ›"]);
    // Step 4: a tunnel catwalk runs; the target suggested from the config, the fields to point at it shown.
    t.keys(&["Right"]);
    let screen = t.wait_for(&[
        "Through an SSH server, run by catwalk",
        "Host → 127.0.0.1",
        "Port → local port",
        "Key passphrase",
    ]);
    assert!(screen.contains("db.reachable-only-via-bastion"), "{screen}");
    t.keys(&["Tab"]);
    t.text(&sshd.endpoint());
    // The key, pasted into the editor.
    t.keys(&["Tab", "Enter"]);
    t.wait_for(&["Private key (masked)", "Esc done"]);
    t.paste(&key);
    t.keys(&["Escape"]);
    t.wait_for(&["••••• ("]);
    // No passphrase; the forward target as the SSH server sees it (the person changes the suggestion).
    t.keys(&["Tab", "Tab", "C-u"]);
    t.text("127.0.0.2");
    t.keys(&["Tab", "C-u"]);
    t.text(&echo.port().to_string());
    t.keys(&["C-n"]);
    // Step 5: the host key is unknown: its fingerprint, then y.
    let fp = fingerprint_of(&sshd.host_key_pub());
    let screen = t.wait_long(&["has not been seen before", "y accept key"], SLOW);
    assert!(screen.contains(&fp), "the fingerprint {fp}:\n{screen}");
    assert!(screen.contains("✓ 1 reaching the SSH server"), "{screen}");
    t.keys(&["y"]);
    let screen = t.wait_long(&["✓ The check passed"], SLOW);
    for step in [
        "✓ 1 reaching the SSH server",
        "✓ 2 its host key",
        "✓ 3 logging in as",
        "✓ 4 reaching 127.0.0.2:",
    ] {
        assert!(screen.contains(step), "{step}:\n{screen}");
    }
    assert!(screen.contains("SSH tunnel open: 127.0.0.1:"), "{screen}");
    let recorded = std::fs::read_to_string(&known_hosts).expect("known_hosts written");
    assert!(
        recorded.contains(&format!("[127.0.0.1]:{}", sshd.port)),
        "{recorded}"
    );
    // Step 6: discover goes through the tunnel too.
    t.keys(&["Enter"]);
    t.wait_long(&["1 of 1 selected", "echo_ping"], SLOW);
    t.keys(&["C-n"]);
    // The preview reads through the tunnel too: the record the connector got from the echo server.
    let screen = t.wait_long(
        &["acmeCo/echo_ping", "1 document", "✓ all match the schema"],
        SLOW,
    );
    assert!(screen.contains(" 7 "), "{screen}");
    t.keys(&["Enter"]);
    t.wait_long(&["Review and save", "Files: "], SLOW);
    t.keys(&["Enter"]);
    t.wait_long(&["✓ Saved the capture acmeCo/source-echo"], SLOW);
    t.keys(&["q"]);
    t.assert_restored();

    let flow = out.join("source-echo.flow.yaml");
    let config = support::read_yaml(&out.join("source-echo.config.yaml"));
    let nt = &config["networkTunnel"];
    assert_eq!(
        nt["rewrite"],
        serde_json::json!(["/host", "/port"]),
        "{config}"
    );
    let fwd = &nt["sshForwarding"];
    assert_eq!(fwd["sshEndpoint"], sshd.endpoint().as_str());
    assert_eq!(fwd["forwardHost"], "127.0.0.2");
    assert_eq!(fwd["forwardPort"], echo.port());
    assert_eq!(
        fwd["privateKey"].as_str().map(str::trim),
        Some(key.trim()),
        "the key is saved in the config file (mode 0600)"
    );
    assert_eq!(config["host"], "db.reachable-only-via-bastion");
    let ran = support::run_with_timeout(
        support::catwalk(&out)
            .args(["check", "--source", &flow.display().to_string()])
            .env("CATWALK_KNOWN_HOSTS", &known_hosts),
        None,
        SLOW,
    );
    support::assert_check_passed(&ran);
    assert!(
        !ran.stdout().contains(key.lines().nth(1).unwrap())
            && !ran.stderr().contains(key.lines().nth(1).unwrap())
    );
}
