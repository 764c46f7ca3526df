//! A local container registry for pull tests: `tests/fixtures/registry/registry.py` serving images that
//! the test `docker save`s from the local engine. Docker treats registries on 127.0.0.0/8 as insecure (plain
//! HTTP), so `127.0.0.1:PORT/repo:tag` pulls from it with no daemon configuration.
//!
//! Every registry gets a salt of its own: the served images have an image id and layer digests that no
//! engine has seen, so a pull downloads for real (Docker skips an image id it already holds, and reports
//! `Already exists` for a layer digest it has pulled before).

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The label the registry adds to every config it serves, with the salt as value.
pub const SALT_LABEL: &str = "catwalk.test.registry-salt";

/// A running registry; dropping it kills the server and removes its files.
pub struct Registry {
    child: Child,
    /// Held open: the server exits when it closes, also when this process dies without dropping us.
    _stdin: ChildStdin,
    _stdout: BufReader<ChildStdout>,
    host_port: String,
    salt: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

/// One request the registry answered (`GET /_debug/requests`).
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub status: u16,
    /// The body length announced (Content-Length), whether or not the method carries a body.
    pub length: u64,
    pub accept: Option<String>,
    pub range: Option<String>,
}

/// What the registry serves for one `repo:tag` (`GET /_debug/images`).
#[derive(Debug, Clone)]
pub struct Served {
    /// Digest of the Docker image manifest v2 schema 2 (served for plain names).
    pub manifest_digest: String,
    /// Digest of the OCI image manifest (served under the `oci/` prefix).
    pub oci_manifest_digest: String,
    /// The image id Docker gives the pulled image.
    pub config_digest: String,
    /// Compressed layers: (digest, size).
    pub layers: Vec<(String, u64)>,
}

impl Served {
    pub fn layer_bytes(&self) -> u64 {
        self.layers.iter().map(|l| l.1).sum()
    }
}

impl Registry {
    /// `docker save` each local image and serve it as `repo:tag`, e.g.
    /// `Registry::start(&[("catwalk-test/pulled-fixture:v1", support::fixture_image())])`.
    pub fn start(images: &[(&str, &str)]) -> Registry {
        let dir = super::temp_dir();
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/registry/registry.py");
        static N: AtomicUsize = AtomicUsize::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let salt = format!(
            "{}-{nanos}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let mut cmd = Command::new("python3");
        cmd.arg(&script).args(["--port", "0", "--salt", &salt]);
        for (i, (repo_tag, local)) in images.iter().enumerate() {
            let tar = dir.path().join(format!("image-{i}.tar"));
            let out = super::docker(&["save", "-o", tar.to_str().unwrap(), local]);
            assert!(
                out.status.success(),
                "docker save {local} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            cmd.arg("--image")
                .arg(format!("{repo_tag}={}", tar.display()));
        }
        let log = dir.path().join("registry.log");
        let log_file = std::fs::File::create(&log).expect("creating the registry log");
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .unwrap_or_else(|e| panic!("component python3 missing: cannot run {cmd:?}: {e}"));
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        // The server prints its address once it accepts connections; EOF means it died (a bad tarball...).
        let mut line = String::new();
        let _ = stdout.read_line(&mut line);
        let Some(host_port) = line
            .trim()
            .strip_prefix("listening on ")
            .map(str::to_string)
        else {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the test registry did not start (stdout {line:?}):\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        };
        assert!(host_port.starts_with("127.0.0.1:"), "{host_port}");
        Registry {
            child,
            _stdin: stdin,
            _stdout: stdout,
            host_port,
            salt,
            log,
            _dir: dir,
        }
    }

    /// `127.0.0.1:PORT`
    pub fn host_port(&self) -> &str {
        &self.host_port
    }

    /// `127.0.0.1:PORT/repo:tag`; `repo` may start with the `denied/`, `slow/` or `oci/` prefixes.
    pub fn image_ref(&self, repo_tag: &str) -> String {
        format!("{}/{repo_tag}", self.host_port)
    }

    /// What was pushed: `repo:tag` (and `repo:sha256:...`) -> manifest digest.
    pub fn pushed(&self) -> Value {
        self.debug("/_debug/pushed")
    }

    /// The value of [`SALT_LABEL`] on every image this registry serves.
    pub fn salt(&self) -> &str {
        &self.salt
    }

    /// The server's stderr so far (one line per request).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Every API request answered so far, oldest first. A request is recorded before its answer is sent,
    /// so whatever a client has been answered is listed.
    pub fn requests(&self) -> Vec<Request> {
        let v = self.debug("/_debug/requests");
        v.as_array()
            .expect("a list of requests")
            .iter()
            .map(|r| Request {
                method: r["method"].as_str().unwrap().to_string(),
                path: r["path"].as_str().unwrap().to_string(),
                status: r["status"].as_u64().unwrap() as u16,
                length: r["length"].as_u64().unwrap(),
                accept: r["accept"].as_str().map(str::to_string),
                range: r["range"].as_str().map(str::to_string),
            })
            .collect()
    }

    /// What is served as `repo:tag` (as given to [`Registry::start`], without prefixes).
    pub fn served(&self, repo_tag: &str) -> Served {
        let all = self.debug("/_debug/images");
        let v = &all[repo_tag];
        assert!(v.is_object(), "{repo_tag} is not served: {all}");
        let s = |p: &str| v.pointer(p).and_then(Value::as_str).unwrap().to_string();
        Served {
            manifest_digest: s("/manifests/docker/digest"),
            oci_manifest_digest: s("/manifests/oci/digest"),
            config_digest: s("/config_digest"),
            layers: v["layers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| {
                    (
                        l["digest"].as_str().unwrap().to_string(),
                        l["size"].as_u64().unwrap(),
                    )
                })
                .collect(),
        }
    }

    /// GET a debug endpoint (HTTP/1.0: the server closes the connection after the answer).
    fn debug(&self, path: &str) -> Value {
        let mut conn = TcpStream::connect(&self.host_port)
            .unwrap_or_else(|e| panic!("cannot reach the test registry: {e}\n{}", self.log()));
        conn.set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        write!(
            conn,
            "GET {path} HTTP/1.0\r\nHost: {}\r\n\r\n",
            self.host_port
        )
        .unwrap();
        let mut answer = Vec::new();
        conn.read_to_end(&mut answer).unwrap();
        let answer = String::from_utf8(answer).expect("the registry answers UTF-8");
        let (head, body) = answer.split_once("\r\n\r\n").expect("an HTTP answer");
        assert!(head.starts_with("HTTP/1.1 200"), "GET {path}: {head}");
        serde_json::from_str(body).unwrap_or_else(|e| panic!("GET {path}: {e}: {body}"))
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- test registry log ---\n{}", self.log());
        }
    }
}

/// `docker rmi REF`; an image that is not there is fine. Panics on other failures (e.g. in use).
pub fn remove_image(reference: &str) {
    if let Err(e) = try_remove_image(reference) {
        panic!("docker rmi {reference} failed: {e}");
    }
}

fn try_remove_image(reference: &str) -> Result<(), String> {
    let out = super::docker(&["rmi", reference]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.success() || stderr.contains("No such image") {
        Ok(())
    } else {
        Err(stderr.trim().to_string())
    }
}

/// Whether the local engine has `reference`.
pub fn image_exists(reference: &str) -> bool {
    super::docker(&["image", "inspect", "--format", "{{.Id}}", reference])
        .status
        .success()
}

/// Removes an image reference when dropped, so a test that fails half-way leaves no pulled image behind.
pub struct RemoveImage(pub String);

impl Drop for RemoveImage {
    fn drop(&mut self) {
        let result = try_remove_image(&self.0);
        if !std::thread::panicking() {
            result.unwrap_or_else(|e| panic!("docker rmi {} failed: {e}", self.0));
        }
    }
}
