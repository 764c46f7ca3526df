//! SSH tunnels against a real OpenSSH server on 127.0.0.1 (tests/support/sshd.rs): every step of the path,
//! each failure with its message, key formats, host-key policy, the local forward.

mod support;

use catwalk::tunnel::{self, HostKeyPolicy, Secret, SshSettings, SshTarget, Step, Tunnel};
use std::path::Path;
use support::sshd::{self, Sshd, echo_server, fingerprint_of, free_port, keygen};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn settings(sshd: &Sshd, key: &str, passphrase: Option<&str>) -> SshSettings {
    SshSettings {
        target: SshTarget::parse(&sshd.endpoint(), None).unwrap(),
        private_key: Secret::new(key),
        passphrase: passphrase.map(Secret::new),
    }
}

/// A policy whose known_hosts (in `dir`) knows this server.
fn trusting(sshd: &Sshd, dir: &Path) -> HostKeyPolicy {
    let file = dir.join("known_hosts");
    std::fs::write(&file, format!("# ours\n{}\n", sshd.known_hosts_line())).unwrap();
    HostKeyPolicy {
        file: Some(file),
        accept_new: false,
    }
}

async fn echo_through(tunnel: &Tunnel, payload: &[u8]) -> Vec<u8> {
    let mut c = tokio::net::TcpStream::connect(tunnel.local_addr())
        .await
        .unwrap();
    c.write_all(payload).await.unwrap();
    let mut back = vec![0u8; payload.len()];
    c.read_exact(&mut back).await.unwrap();
    back
}

fn assert_no_key_in(message: &str, key: &str) {
    for line in key
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() > 16)
    {
        assert!(
            !message.contains(line),
            "the private key leaked into: {message}"
        );
    }
}

#[tokio::test]
async fn openssh_key_checks_the_path_and_forwards() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keygen(dir.path(), "id", "ed25519", None, "");
    let sshd = Sshd::start(&[&public]);
    let policy = trusting(&sshd, dir.path());
    let echo = echo_server("127.0.0.2");
    let s = settings(&sshd, &key, None);
    let report = tunnel::check_path(&s, Some(("127.0.0.2", echo.port())), &policy)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", sshd.log()));
    assert!(report.forward_checked && !report.learned);
    assert_eq!(report.host_key, fingerprint_of(&sshd.host_key_pub()));

    let t = Tunnel::open(&s, "127.0.0.2", echo.port(), None, &policy)
        .await
        .unwrap();
    assert!(t.local_addr().ip().is_loopback() && t.local_addr().is_ipv4());
    assert_eq!(
        echo_through(&t, b"hello through the bastion").await,
        b"hello through the bastion"
    );
    // Several connections at once, each its own channel.
    let (a, b) = tokio::join!(
        echo_through(&t, &[1u8; 100_000]),
        echo_through(&t, &[2u8; 100_000])
    );
    assert!(a.iter().all(|x| *x == 1) && b.iter().all(|x| *x == 2));
    assert!(t.errors().is_empty(), "{:?}", t.errors());

    // Closed on drop: the port stops accepting.
    let addr = t.local_addr();
    drop(t);
    let mut closed = false;
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            closed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(closed, "{addr} still accepts after the tunnel was dropped");
}

#[tokio::test]
async fn pem_pkcs8_passphrase_and_crlf_keys_work() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let keys = [
        (
            "rsa-pem",
            keygen(d, "rsa-pem", "rsa", Some("PEM"), ""),
            None,
        ),
        (
            "rsa-pkcs8",
            keygen(d, "rsa-pkcs8", "rsa", Some("PKCS8"), ""),
            None,
        ),
        (
            "ecdsa-pkcs8",
            keygen(d, "ecdsa-pkcs8", "ecdsa", Some("PKCS8"), ""),
            None,
        ),
        (
            "ed25519-pass",
            keygen(d, "ed25519-pass", "ed25519", None, "open sesame"),
            Some("open sesame"),
        ),
        (
            "rsa-pkcs8-pass",
            keygen(d, "rsa-pkcs8-pass", "rsa", Some("PKCS8"), "second pass"),
            Some("second pass"),
        ),
        (
            "rsa-pem-pass",
            keygen(d, "rsa-pem-pass", "rsa", Some("PEM"), "third pass"),
            Some("third pass"),
        ),
    ];
    let publics: Vec<&str> = keys.iter().map(|(_, (_, p), _)| p.as_str()).collect();
    let sshd = Sshd::start(&publics);
    let policy = trusting(&sshd, d);
    for (name, (key, _), pass) in &keys {
        tunnel::check_path(&settings(&sshd, key, *pass), None, &policy)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}\n{}", sshd.log()));
    }
    // CRLF line ends and no trailing newline, as a key pasted from Windows arrives.
    let crlf = keys[0].1.0.trim_end().replace('\n', "\r\n");
    tunnel::check_path(&settings(&sshd, &crlf, None), None, &policy)
        .await
        .unwrap();

    // Encrypted keys without their passphrase, or with a wrong one.
    for (i, pass) in [
        (3, None),
        (3, Some("wrong")),
        (4, None),
        (4, Some("wrong")),
        (5, None),
        (5, Some("wrong")),
    ] {
        let e = tunnel::check_path(&settings(&sshd, &keys[i].1.0, pass), None, &policy)
            .await
            .unwrap_err();
        assert_eq!(e.step, Step::Key, "{e}");
        let expected = if pass.is_some() {
            "passphrase does not open"
        } else {
            "encrypted: give its passphrase"
        };
        assert!(e.to_string().contains(expected), "{}: {e}", keys[i].0);
        assert_no_key_in(&e.to_string(), &keys[i].1.0);
    }
}

#[tokio::test]
async fn wrong_key_and_wrong_user_are_refused_plainly() {
    let dir = tempfile::tempdir().unwrap();
    let (_, public) = keygen(dir.path(), "allowed", "ed25519", None, "");
    let (other, _) = keygen(dir.path(), "other", "ed25519", None, "");
    let sshd = Sshd::start(&[&public]);
    let policy = trusting(&sshd, dir.path());
    let e = tunnel::check_path(&settings(&sshd, &other, None), None, &policy)
        .await
        .unwrap_err();
    assert_eq!(e.step, Step::Auth);
    let other_fp = fingerprint_of(&dir.path().join("other.pub"));
    assert!(
        e.to_string()
            .contains(&format!("refused user {}", sshd::USER))
            && e.to_string().contains(&other_fp),
        "{e}"
    );
    assert!(e.to_string().contains("step 3 of 4, logging in"), "{e}");
    assert_no_key_in(&e.to_string(), &other);

    let (key, _) = (
        std::fs::read_to_string(dir.path().join("allowed")).unwrap(),
        (),
    );
    let mut s = settings(&sshd, &key, None);
    s.target.user = "nobody-here".into();
    let e = tunnel::check_path(&s, None, &policy).await.unwrap_err();
    assert_eq!(e.step, Step::Auth);
    assert!(
        e.to_string().contains("no user nobody-here on the server"),
        "{e}"
    );
}

#[tokio::test]
async fn host_keys_unknown_changed_accepted_and_hashed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (key, public) = keygen(d, "id", "ed25519", None, "");
    let sshd = Sshd::start(&[&public]);
    let s = settings(&sshd, &key, None);
    let file = d.join("kh/known_hosts");
    let refuse = HostKeyPolicy {
        file: Some(file.clone()),
        accept_new: false,
    };
    let fp = fingerprint_of(&sshd.host_key_pub());

    // Unknown, not accepted: the fingerprint and how to accept it.
    let e = tunnel::check_path(&s, None, &refuse).await.unwrap_err();
    assert_eq!(e.step, Step::HostKey);
    let m = e.to_string();
    assert!(
        m.contains(&fp) && m.contains("--accept-new-host-key") && m.contains("is not in"),
        "{m}"
    );
    assert!(!file.exists(), "nothing is recorded without acceptance");

    // The wizard's path: fetch, show, accept.
    let seen = tunnel::fetch_host_key(&s.target, &refuse).await.unwrap();
    assert_eq!(seen.fingerprint, fp);
    assert_eq!(seen.verdict, tunnel::known_hosts::Verdict::Unknown);
    refuse
        .accept(&s.target.host, s.target.port, &seen.key)
        .unwrap();
    tunnel::check_path(&s, None, &refuse).await.unwrap();

    // --accept-new-host-key records it in another file.
    let file2 = d.join("known_hosts2");
    let accept = HostKeyPolicy {
        file: Some(file2.clone()),
        accept_new: true,
    };
    let r = tunnel::check_path(&s, None, &accept).await.unwrap();
    assert!(r.learned);
    assert!(
        std::fs::read_to_string(&file2)
            .unwrap()
            .contains(&format!("[127.0.0.1]:{} ssh-ed25519 ", sshd.port))
    );
    let r = tunnel::check_path(&s, None, &accept).await.unwrap();
    assert!(!r.learned, "known the second time");

    // Hashed entries (ssh-keygen -H) are honoured.
    let out = std::process::Command::new(support::tool("ssh_keygen"))
        .arg("-H")
        .arg("-f")
        .arg(&file2)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(std::fs::read_to_string(&file2).unwrap().starts_with("|1|"));
    tunnel::check_path(
        &s,
        None,
        &HostKeyPolicy {
            file: Some(file2),
            accept_new: false,
        },
    )
    .await
    .unwrap();

    // Changed: another ed25519 key recorded for this host. Refused loudly, naming the line, even when
    // new keys are accepted.
    let (_, impostor) = keygen(d, "impostor", "ed25519", None, "");
    let file3 = d.join("known_hosts3");
    let fake = impostor
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    std::fs::write(&file3, format!("# a comment\nother.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK2MELNr7QYzp7+0RY89HQ2ccu6xoc8ZwJv/OTWdXL7F\n[127.0.0.1]:{} {fake}\n", sshd.port)).unwrap();
    let before = std::fs::read_to_string(&file3).unwrap();
    let e = tunnel::check_path(
        &s,
        None,
        &HostKeyPolicy {
            file: Some(file3.clone()),
            accept_new: true,
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.step, Step::HostKey);
    let m = e.to_string();
    assert!(
        m.contains("HOST KEY HAS CHANGED")
            && m.contains(&format!("{} line 3", file3.display()))
            && m.contains(&fp),
        "{m}"
    );
    assert_eq!(
        std::fs::read_to_string(&file3).unwrap(),
        before,
        "known_hosts untouched"
    );
}

#[tokio::test]
async fn bastion_down_target_refused_and_local_port_taken() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keygen(dir.path(), "id", "ed25519", None, "");
    let sshd = Sshd::start(&[&public]);
    let policy = trusting(&sshd, dir.path());

    // Nothing listens on the SSH port.
    let mut down = settings(&sshd, &key, None);
    down.target.port = free_port("127.0.0.1");
    let e = tunnel::check_path(&down, None, &policy).await.unwrap_err();
    assert_eq!(e.step, Step::Bastion);
    assert!(
        e.to_string()
            .contains("refused the connection: no SSH server listens there"),
        "{e}"
    );

    // The target refuses, as the SSH server sees it.
    let s = settings(&sshd, &key, None);
    let closed = free_port("127.0.0.2");
    let e = tunnel::check_path(&s, Some(("127.0.0.2", closed)), &policy)
        .await
        .unwrap_err();
    assert_eq!(e.step, Step::Forward);
    assert!(
        e.to_string()
            .contains(&format!("could not connect to 127.0.0.2:{closed}")),
        "{e}"
    );
    let e = Tunnel::open(&s, "127.0.0.2", closed, None, &policy)
        .await
        .err()
        .unwrap();
    assert_eq!(e.step, Step::Forward);

    // The local port is taken.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let echo = echo_server("127.0.0.2");
    let e = Tunnel::open(&s, "127.0.0.2", echo.port(), Some(port), &policy)
        .await
        .err()
        .unwrap();
    assert_eq!(e.step, Step::Listen);
    assert!(
        e.to_string()
            .contains(&format!("127.0.0.1:{port} is already in use")),
        "{e}"
    );
    // A free port given explicitly is used.
    let want = free_port("127.0.0.1");
    let t = Tunnel::open(&s, "127.0.0.2", echo.port(), Some(want), &policy)
        .await
        .unwrap();
    assert_eq!(t.local_port(), want);
    assert_eq!(echo_through(&t, b"x").await, b"x");
}
