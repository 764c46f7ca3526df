//! SSH tunnel figures against a real sshd on 127.0.0.1 (tests/support/sshd.rs): the time to open a tunnel
//! (TCP, handshake, host key, login, target check, listen) and to check a path; the first byte through a new
//! connection (a direct-tcpip channel each); throughput through the forward versus direct to the same target.
//! `cargo bench --bench tunnel` (or scripts/bench-tunnel). Needs scripts/test-deps (sshd, ssh-keygen), root.

#[path = "../tests/support/mod.rs"]
mod support;

use catwalk::tunnel::{self, HostKeyPolicy, Secret, SshSettings, SshTarget, Tunnel};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use support::sshd::{Sshd, echo_server, keygen, sink_server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "{name:<52} n={:<4} median {:>8.2} ms   p90 {:>8.2} ms   max {:>8.2} ms",
        samples.len(),
        at(0.5).as_secs_f64() * 1e3,
        at(0.9).as_secs_f64() * 1e3,
        samples[samples.len() - 1].as_secs_f64() * 1e3
    );
}

async fn push(addr: SocketAddr, bytes: u64) -> Duration {
    let chunk = vec![7u8; 256 * 1024];
    let start = Instant::now();
    let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut sent = 0;
    while sent < bytes {
        c.write_all(&chunk).await.unwrap();
        sent += chunk.len() as u64;
    }
    c.shutdown().await.unwrap();
    let mut count = [0u8; 8];
    c.read_exact(&mut count).await.unwrap();
    assert_eq!(u64::from_be_bytes(count), sent);
    start.elapsed()
}

async fn first_byte(addr: SocketAddr) -> Duration {
    let start = Instant::now();
    let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
    c.write_all(b"x").await.unwrap();
    let mut b = [0u8; 1];
    c.read_exact(&mut b).await.unwrap();
    start.elapsed()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") || !args.iter().any(|a| a == "--bench") {
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let (key, public) = keygen(dir.path(), "id", "ed25519", None, "");
        let (rsa, rsa_public) = keygen(dir.path(), "rsa", "rsa", Some("PEM"), "");
        let sshd = Sshd::start(&[&public, &rsa_public]);
        let file = dir.path().join("known_hosts");
        std::fs::write(&file, sshd.known_hosts_line() + "\n").unwrap();
        let policy = HostKeyPolicy {
            file: Some(file),
            accept_new: false,
        };
        let settings = |k: &str| SshSettings {
            target: SshTarget::parse(&sshd.endpoint(), None).unwrap(),
            private_key: Secret::new(k),
            passphrase: None,
        };
        let echo = echo_server("127.0.0.2");
        let sink = sink_server("127.0.0.2");
        let runs = 20;

        for (name, k) in [("ed25519", &key), ("rsa 2048 PEM", &rsa)] {
            let s = settings(k);
            let mut samples = Vec::new();
            for _ in 0..runs {
                let start = Instant::now();
                tunnel::check_path(&s, Some(("127.0.0.2", echo.port())), &policy)
                    .await
                    .unwrap();
                samples.push(start.elapsed());
            }
            report(&format!("check_path, all 4 steps ({name} key)"), samples);
            let mut samples = Vec::new();
            for _ in 0..runs {
                let start = Instant::now();
                let t = Tunnel::open(&s, "127.0.0.2", echo.port(), None, &policy)
                    .await
                    .unwrap();
                samples.push(start.elapsed());
                drop(t);
            }
            report(
                &format!("Tunnel::open until listening ({name} key)"),
                samples,
            );
        }

        let s = settings(&key);
        let echo_tunnel = Tunnel::open(&s, "127.0.0.2", echo.port(), None, &policy)
            .await
            .unwrap();
        let mut via = Vec::new();
        let mut direct = Vec::new();
        for _ in 0..runs * 5 {
            via.push(first_byte(echo_tunnel.local_addr()).await);
            direct.push(first_byte(echo).await);
        }
        report("new connection + 1-byte echo, through the tunnel", via);
        report("new connection + 1-byte echo, direct", direct);

        let sink_tunnel = Tunnel::open(&s, "127.0.0.2", sink.port(), None, &policy)
            .await
            .unwrap();
        let bytes: u64 = 256 << 20;
        let _ = push(sink_tunnel.local_addr(), 16 << 20).await; // warm-up
        for (name, addr) in [
            ("through the tunnel", sink_tunnel.local_addr()),
            ("direct", sink),
        ] {
            let mut best = Duration::MAX;
            for _ in 0..3 {
                best = best.min(push(addr, bytes).await);
            }
            println!(
                "throughput {name:<20} {:>8.1} MB/s   ({} MiB, best of 3, {:.2} s)",
                bytes as f64 / 1e6 / best.as_secs_f64(),
                bytes >> 20,
                best.as_secs_f64()
            );
        }
        assert!(echo_tunnel.errors().is_empty() && sink_tunnel.errors().is_empty());
    });
}
