//! A real OpenSSH server (Debian's /usr/sbin/sshd) on 127.0.0.1 and a free port, with its own sshd_config, host
//! key and authorized_keys in a temporary directory; killed on drop. Tests run as root: `StrictModes no`,
//! `UsePAM no`, a dedicated user `catwalk-tunnel` (created once, password field `*` so keys are accepted).
//! Also: key generation with ssh-keygen, and a TCP echo server to forward to.

use super::tool;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const USER: &str = "catwalk-tunnel";

/// A free TCP port on `ip` (bound then released).
pub fn free_port(ip: &str) -> u16 {
    TcpListener::bind((ip, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn ensure_user() {
    let exists = Command::new("id")
        .arg(USER)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if exists.map(|s| s.success()).unwrap_or(false) {
        return;
    }
    let out = Command::new("useradd")
        .args(["-M", "-d", "/nonexistent", "-s", "/bin/sh", USER])
        .output()
        .unwrap();
    // 9: created meanwhile by another test.
    assert!(
        out.status.success() || out.status.code() == Some(9),
        "useradd {USER}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new("usermod")
        .args(["-p", "*", USER])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "usermod: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A key pair made by ssh-keygen: `kind` (ed25519, rsa, ecdsa), `format` (None: OpenSSH; "PEM"; "PKCS8"),
/// `passphrase` ("" for none). Returns (private key text, public key line).
pub fn keygen(
    dir: &Path,
    name: &str,
    kind: &str,
    format: Option<&str>,
    passphrase: &str,
) -> (String, String) {
    let path = dir.join(name);
    let mut cmd = Command::new(tool("ssh_keygen"));
    cmd.args(["-q", "-t", kind, "-N", passphrase, "-C", "test", "-f"])
        .arg(&path);
    if kind == "rsa" {
        cmd.args(["-b", "2048"]);
    }
    if let Some(f) = format {
        cmd.args(["-m", f]);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "ssh-keygen: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let private = std::fs::read_to_string(&path).unwrap();
    let public = std::fs::read_to_string(path.with_extension("pub")).unwrap();
    (private, public.trim().to_string())
}

/// `SHA256:…` of a public key file, by ssh-keygen.
pub fn fingerprint_of(public_file: &Path) -> String {
    let out = Command::new(tool("ssh_keygen"))
        .arg("-lf")
        .arg(public_file)
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string()
}

pub struct Sshd {
    pub port: u16,
    pub dir: tempfile::TempDir,
    child: Child,
}

impl Sshd {
    /// Start sshd accepting these public key lines for [`USER`]; returns once it accepts connections.
    pub fn start(authorized: &[&str]) -> Sshd {
        ensure_user();
        std::fs::create_dir_all("/run/sshd").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let out = Command::new(tool("ssh_keygen"))
            .args(["-q", "-t", "ed25519", "-N", "", "-f"])
            .arg(d.join("host_key"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "ssh-keygen host key: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::write(d.join("authorized_keys"), authorized.join("\n") + "\n").unwrap();
        let port = free_port("127.0.0.1");
        let config = format!(
            "ListenAddress 127.0.0.1\nPort {port}\nHostKey {d}/host_key\nPidFile {d}/sshd.pid\n\
             AuthorizedKeysFile {d}/authorized_keys\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n\
             UsePAM no\nStrictModes no\nAllowUsers {USER}\nAllowTcpForwarding yes\nPermitOpen any\n\
             PermitTTY no\nX11Forwarding no\nLogLevel VERBOSE\n",
            d = d.display()
        );
        std::fs::write(d.join("sshd_config"), config).unwrap();
        let out = Command::new(tool("sshd"))
            .arg("-t")
            .arg("-f")
            .arg(d.join("sshd_config"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "sshd -t: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let log = std::fs::File::create(d.join("sshd.log")).unwrap();
        let child = Command::new(tool("sshd"))
            .args(["-D", "-e", "-f"])
            .arg(d.join("sshd_config"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut sshd = Sshd { port, dir, child };
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = sshd.child.try_wait() {
                panic!("sshd exited ({status}): {}", sshd.log());
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "sshd did not listen: {}",
                sshd.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        sshd
    }

    /// `ssh://catwalk-tunnel@127.0.0.1:PORT`
    pub fn endpoint(&self) -> String {
        format!("ssh://{USER}@127.0.0.1:{}", self.port)
    }

    pub fn host_key_pub(&self) -> PathBuf {
        self.dir.path().join("host_key.pub")
    }

    /// The known_hosts line for this server.
    pub fn known_hosts_line(&self) -> String {
        let public = std::fs::read_to_string(self.host_key_pub()).unwrap();
        let mut words = public.split_whitespace();
        format!(
            "[127.0.0.1]:{} {} {}",
            self.port,
            words.next().unwrap(),
            words.next().unwrap()
        )
    }

    /// Stop the server now (a test of "bastion down"): its port refuses connections from then on.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A TCP server on `ip` and a free port, a thread per connection; runs until the test process ends.
fn serve_threads(ip: &str, handle: fn(TcpStream)) -> SocketAddr {
    let listener = TcpListener::bind((ip, 0)).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            std::thread::spawn(move || handle(conn));
        }
    });
    addr
}

/// A TCP echo server.
pub fn echo_server(ip: &str) -> SocketAddr {
    serve_threads(ip, |mut conn| {
        let mut buf = vec![0u8; 64 * 1024];
        while let Ok(n) = conn.read(&mut buf) {
            if n == 0 || conn.write_all(&buf[..n]).is_err() {
                break;
            }
        }
    })
}

/// A server that reads until EOF, then answers with the byte count (8 bytes, big-endian).
pub fn sink_server(ip: &str) -> SocketAddr {
    serve_threads(ip, |mut conn| {
        let mut buf = vec![0u8; 256 * 1024];
        let mut total = 0u64;
        while let Ok(n) = conn.read(&mut buf) {
            if n == 0 {
                break;
            }
            total += n as u64;
        }
        let _ = conn.write_all(&total.to_be_bytes());
    })
}
