//! A tunnel catwalk runs, for a connector in Docker: the container runs on the host network (so 127.0.0.1
//! reaches the tunnel) and gets its config pointed at the tunnel, without `networkTunnel`. Run as
//! `flock /tmp/catwalk-docker.lock cargo nextest run --test tunnel_docker`.

mod support;

use catwalk::tunnel::{Secret, config::catwalk_value};
use serde_json::json;
use support::sshd::{Sshd, echo_server, keygen};

#[test]
fn docker_connector_runs_on_the_host_network_through_the_tunnel() {
    let tmp = support::temp_dir();
    let dir = tmp.path();
    let (key, public) = keygen(dir, "id", "ed25519", None, "");
    std::fs::remove_file(dir.join("id")).unwrap();
    let sshd = Sshd::start(&[&public]);
    let known_hosts = dir.join("known_hosts");
    std::fs::write(&known_hosts, sshd.known_hosts_line() + "\n").unwrap();
    let echo = echo_server("127.0.0.2");

    let mut config = support::fixture_config();
    config["networkTunnel"] = catwalk_value(
        &sshd.endpoint(),
        &Secret::new(key.clone()),
        "127.0.0.2",
        echo.port(),
        None,
        &["/host".into(), "/port".into()],
    );
    std::fs::write(
        dir.join("fx.config.yaml"),
        serde_json::to_string(&config).unwrap(),
    )
    .unwrap();
    let catalog = json!({"captures": {"acmeCo/fx": {
        "endpoint": {"connector": {"image": support::airbyte_fixture_image(), "config": "fx.config.yaml"}},
        "bindings": []}}});
    std::fs::write(
        dir.join("flow.yaml"),
        serde_json::to_string(&catalog).unwrap(),
    )
    .unwrap();

    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let ran = support::run_with_timeout(
        support::catwalk(dir)
            .args(["check", "-v", "--source", "flow.yaml"])
            .env("CATWALK_KNOWN_HOSTS", &known_hosts),
        None,
        std::time::Duration::from_secs(180),
    );
    let err = ran.stderr();
    assert_eq!(ran.code(), Some(0), "{err}");
    // The connector was given the tunnel's end (its check logs the address it was given).
    let line = err
        .lines()
        .find(|l| l.contains("SSH tunnel open: 127.0.0.1:"))
        .unwrap_or_else(|| panic!("{err}"));
    let port = line["SSH tunnel open: 127.0.0.1:".len() + line.find("SSH tunnel open").unwrap()..]
        .split_whitespace()
        .next()
        .unwrap();
    assert!(
        err.contains(&format!("checking connection to 127.0.0.1:{port}")),
        "{err}"
    );
    // Its container joined the host network.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let until_now = std::process::Command::new("docker")
        .args([
            "events",
            "--since",
            &since,
            "--until",
            &(now + 1).to_string(),
        ])
        .args(["--filter", "type=network", "--filter", "event=connect"])
        .args(["--format", "{{.Actor.Attributes.name}}"])
        .output()
        .unwrap();
    let names = String::from_utf8_lossy(&until_now.stdout).to_string();
    assert!(
        names.lines().any(|n| n == "host"),
        "network connect events: {names:?}"
    );
    for l in key
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() > 16)
    {
        assert!(!err.contains(l) && !ran.stdout().contains(l));
    }
    support::assert_no_catwalk_containers();
}
