//! PostgreSQL behind a bastion, end to end, with configs encrypted by the real sops and age.
//!
//! The set-up is the one people meet: a real PostgreSQL (tests/support/postgres.rs) listening only on
//! 127.0.0.2, which no connector is given, and a real OpenSSH server (tests/support/sshd.rs) on 127.0.0.1 that
//! forwards to it. catwalk runs the tunnel (`networkTunnel` in the older shape plus `rewrite: [/host, /port]`)
//! for connectors without tunnelling of their own: the Singer tap-postgres, and a small Airbyte-protocol
//! source (tests/fixtures/source-postgres-tables) reading the database's own catalog. Each config is
//! protected with `catwalk encrypt` before anything runs with it; the private key for the tunnel is in it.
//!
//! Then the failures specific to this path, each by catwalk's message: a wrong key, a wrong user, a changed
//! host key, the bastion down, the database stopped (the forward target refuses), the local port taken, the
//! sops key missing. The last test runs the whole discover + check with unique secrets and searches every
//! byte catwalk printed, logged and wrote for them.

mod support;

use catwalk::tunnel::{Secret, config::catwalk_value};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::postgres::{self, Postgres};
use support::sshd::{Sshd, keygen};

/// Where the Singer tap's stub, config and catalog are written (`catwalk discover` names them).
const TAP_CONFIG: &str = "acmeCo/tap-postgres.config.yaml";
const TAP_FLOW: &str = "acmeCo/tap-postgres.flow.yaml";
/// The same for the Airbyte source, named `pg-tables`.
const AIRBYTE_CONFIG: &str = "acmeCo/pg-tables.config.yaml";
const AIRBYTE_FLOW: &str = "acmeCo/pg-tables.flow.yaml";
/// A host name the connectors are given for the database: it resolves nowhere, so the only way in is the
/// tunnel (catwalk points `/host` at 127.0.0.1).
const DB_HOST: &str = "db.internal.invalid";

/// A value no other test run uses (the secret-search test must not find another run's values).
fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}-{}-{nanos}", std::process::id())
}

/// The database, the bastion, the keys and a project directory to run catwalk in.
struct Bastion {
    _tmp: tempfile::TempDir,
    /// Where catwalk runs (the catalog and configs are written under it).
    dir: PathBuf,
    /// HOME and the XDG dirs of every catwalk run: its log is `home/state/catwalk/catwalk.log`.
    home: PathBuf,
    pg: Postgres,
    sshd: Sshd,
    /// The SSH user's private key (OpenSSH format). Its file is removed: it lives only in the config.
    key: String,
    known_hosts: PathBuf,
    /// The age key file (outside `home`, so sops finds it only through SOPS_AGE_KEY_FILE) and its recipient.
    age_file: PathBuf,
    age_recipient: String,
    /// The database password of `postgres` over TCP, unique to this run.
    password: String,
}

fn bastion() -> Bastion {
    let tmp = support::temp_dir();
    let dir = tmp.path().to_path_buf();
    let home = dir.join("home");
    std::fs::create_dir_all(&home).unwrap();

    let pg = Postgres::start_on("127.0.0.2");
    pg.create_shop();
    let password = unique("Bastion-DB-pässword");
    pg.psql(
        "postgres",
        &format!("ALTER USER postgres PASSWORD '{password}';"),
    );
    // Only through the bastion: nothing listens on 127.0.0.1 at the database's port.
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", pg.port())).is_err(),
        "PostgreSQL must not be reachable on 127.0.0.1:{}",
        pg.port()
    );

    let keys = dir.join("keys");
    std::fs::create_dir(&keys).unwrap();
    let (key, public) = keygen(&keys, "id", "ed25519", None, "");
    std::fs::remove_file(keys.join("id")).unwrap();
    let sshd = Sshd::start(&[&public]);
    let known_hosts = dir.join("known_hosts");
    std::fs::write(&known_hosts, sshd.known_hosts_line() + "\n").unwrap();

    let age_file = dir.join("age-key.txt");
    let age_recipient = support::age_keygen(&age_file);
    Bastion {
        _tmp: tmp,
        dir,
        home,
        pg,
        sshd,
        key,
        known_hosts,
        age_file,
        age_recipient,
        password,
    }
}

/// Which sops key a catwalk run has.
#[derive(Clone, Copy, PartialEq)]
enum Sops {
    /// SOPS_AGE_KEY_FILE is the test's key file.
    Key,
    /// No key anywhere sops looks.
    NoKey,
}

impl Bastion {
    /// The tunnel catwalk runs: to the database as the bastion sees it, pointing `/host` and `/port` at it.
    fn tunnel(&self) -> Value {
        catwalk_value(
            &self.sshd.endpoint(),
            &Secret::new(self.key.clone()),
            self.pg.host(),
            self.pg.port(),
            None,
            &["/host".into(), "/port".into()],
        )
    }

    /// tap-postgres's config: the database by a name that resolves nowhere, through the tunnel.
    fn tap_config(&self) -> Value {
        json!({"host": DB_HOST, "port": 5432, "user": "postgres", "password": self.password,
            "database": "shop", "filter_schemas": ["shop"], "networkTunnel": self.tunnel()})
    }

    /// The Airbyte source's config, the same way.
    fn airbyte_config(&self) -> Value {
        json!({"host": DB_HOST, "port": 5432, "user": "postgres", "password": self.password,
            "database": "shop", "schema": "shop", "networkTunnel": self.tunnel()})
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.join(relative)
    }

    fn log_file(&self) -> PathBuf {
        self.home.join("state/catwalk/catwalk.log")
    }

    /// `catwalk ARGS` in the project dir as a user runs it: tap-postgres and sops on PATH, its own HOME and
    /// log (at trace level), known_hosts from `$CATWALK_KNOWN_HOSTS`, the age key or none.
    fn catwalk(&self, args: &[&str], sops: Sops) -> support::Ran {
        let mut cmd = support::catwalk(&self.dir);
        let path = cmd
            .get_envs()
            .find(|(k, _)| *k == "PATH")
            .and_then(|(_, v)| v.map(|v| v.to_os_string()))
            .unwrap();
        // catwalk's own directory first (catalogs name it `catwalk`), then the tap and sops.
        let mut dirs = vec![
            PathBuf::from(env!("CARGO_BIN_EXE_catwalk"))
                .parent()
                .unwrap()
                .to_path_buf(),
            postgres::singer_bin_dir("tap-postgres"),
            support::sops_bin().parent().unwrap().to_path_buf(),
        ];
        dirs.extend(std::env::split_paths(&path));
        cmd.env("PATH", std::env::join_paths(dirs).unwrap())
            .env("HOME", &self.home)
            .env("XDG_STATE_HOME", self.home.join("state"))
            .env("XDG_CONFIG_HOME", self.home.join("config"))
            .env("CATWALK_LOG", "trace")
            .env("CATWALK_KNOWN_HOSTS", &self.known_hosts)
            .env_remove("CATWALK_SOPS")
            .env_remove("SOPS_AGE_KEY")
            .env_remove("SOPS_AGE_KEY_FILE")
            .env_remove("CATWALK_SSH_KEY_PASSPHRASE");
        if sops == Sops::Key {
            cmd.env("SOPS_AGE_KEY_FILE", &self.age_file);
        }
        support::run_with_timeout(cmd.args(args), None, Duration::from_secs(300))
    }

    /// Write a config file as a person would (YAML).
    fn write_config(&self, relative: &str, config: &Value) {
        let path = self.path(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, serde_yaml::to_string(config).unwrap()).unwrap();
    }

    /// The Airbyte source as a local command: the tap venv's Python (it has psycopg2) and the script.
    fn airbyte_command(&self) -> [String; 2] {
        let python = postgres::singer_bin_dir("tap-postgres").join("python");
        let script = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/source-postgres-tables/source.py");
        [python.display().to_string(), script.display().to_string()]
    }

    fn airbyte_discover(&self, sops: Sops) -> support::Ran {
        self.airbyte_discover_with(sops, &[])
    }

    /// `catwalk -vv discover [extra] --name pg-tables --protocol airbyte --local -- PYTHON SCRIPT`
    fn airbyte_discover_with(&self, sops: Sops, extra: &[&str]) -> support::Ran {
        let command = self.airbyte_command();
        let mut args = vec!["-vv", "discover"];
        args.extend(extra);
        args.extend([
            "--name",
            "pg-tables",
            "--protocol",
            "airbyte",
            "--local",
            "--",
        ]);
        args.extend(command.iter().map(String::as_str));
        self.catwalk(&args, sops)
    }

    fn tap_discover(&self, sops: Sops) -> support::Ran {
        self.catwalk(&["-vv", "discover", "--local", "--", "tap-postgres"], sops)
    }

    /// The tap's config, written then protected with `catwalk encrypt` (suffix mode: the tap's schema says
    /// which fields are secret). Returns the encrypted file's text.
    fn encrypted_tap_config(&self) -> String {
        // The first discover writes the stub (and says to fill it).
        let ran = self.tap_discover(Sops::NoKey);
        assert_eq!(ran.code(), Some(5), "{}", ran.stderr());
        self.write_config(TAP_CONFIG, &self.tap_config());
        let ran = self.catwalk(
            &[
                "encrypt",
                "--source",
                TAP_CONFIG,
                "--age",
                &self.age_recipient,
                "--",
                "tap-postgres",
            ],
            Sops::NoKey,
        );
        assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
        let text = std::fs::read_to_string(self.path(TAP_CONFIG)).unwrap();
        self.assert_protected(&text);
        text
    }

    /// The Airbyte source's config, written then protected the same way.
    fn encrypted_airbyte_config(&self) -> String {
        self.encrypt_airbyte(&self.airbyte_config())
    }

    /// `config` as the Airbyte source's config, protected with `catwalk encrypt`.
    fn encrypt_airbyte(&self, config: &Value) -> String {
        self.write_config(AIRBYTE_CONFIG, config);
        let [python, script] = self.airbyte_command();
        let ran = self.catwalk(
            &[
                "encrypt",
                "--source",
                AIRBYTE_CONFIG,
                "--age",
                &self.age_recipient,
                "--",
                &python,
                &script,
            ],
            Sops::NoKey,
        );
        assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
        let text = std::fs::read_to_string(self.path(AIRBYTE_CONFIG)).unwrap();
        self.assert_protected(&text);
        text
    }

    /// An encrypted config holds neither the password nor any line of the private key in plaintext.
    fn assert_protected(&self, text: &str) {
        assert!(text.contains("ENC[AES256_GCM,"), "{text}");
        assert!(
            !text.contains(&self.password),
            "the password in plaintext:\n{text}"
        );
        for line in key_lines(&self.key) {
            assert!(
                !text.contains(line),
                "the private key in plaintext:\n{text}"
            );
        }
    }
}

impl Bastion {
    /// `ran` failed with `code`, its stderr says each of `expected`, and no secret is on its stdout/stderr.
    fn assert_fails(&self, what: &str, ran: &support::Ran, code: i32, expected: &[&str]) {
        let err = ran.stderr();
        assert_eq!(ran.code(), Some(code), "{what}: {err}");
        for e in expected {
            assert!(err.contains(e), "{what}: expected {e:?} in:\n{err}");
        }
        for text in [ran.stdout(), err] {
            assert!(
                !text.contains(&self.password),
                "{what}: the password in {text}"
            );
            for line in key_lines(&self.key) {
                assert!(!text.contains(line), "{what}: the private key in {text}");
            }
        }
    }
}

impl Bastion {
    /// The Airbyte source's discover (with the sops key) fails at the environment (exit 4), saying `expected`.
    fn discover_fails(&self, what: &str, expected: &[&str]) {
        let ran = self.airbyte_discover(Sops::Key);
        self.assert_fails(what, &ran, 4, expected);
    }
}

/// The lines of a private key worth searching for (not the BEGIN/END armour).
fn key_lines(key: &str) -> Vec<&str> {
    key.lines()
        .filter(|l| !l.starts_with("-----") && l.len() > 16)
        .collect()
}

/// The bindings' resource `stream`s and keys of a capture in a catalog.
fn bindings(flow: &Value, capture: &str) -> Vec<(String, Value)> {
    flow["captures"][capture]["bindings"]
        .as_array()
        .unwrap_or_else(|| panic!("no bindings for {capture}: {flow}"))
        .iter()
        .map(|b| {
            let collection = b["target"].as_str().unwrap();
            let key = flow["collections"][collection]["key"].clone();
            (b["resource"]["stream"].as_str().unwrap().to_string(), key)
        })
        .collect()
}

#[test]
fn tap_postgres_discovers_through_the_bastion_with_an_encrypted_config_and_check_passes() {
    let b = bastion();
    let encrypted = b.encrypted_tap_config();
    assert!(encrypted.contains("password_sops: ENC["), "{encrypted}");

    let ran = b.tap_discover(Sops::Key);
    assert_eq!(ran.code(), Some(0), "{}\n{}", ran.stderr(), b.sshd.log());
    let err = ran.stderr();
    assert!(
        err.contains(&format!(
            "-> {} -> {}:{}; config fields pointed at it: /host, /port.",
            b.sshd.endpoint().trim_start_matches("ssh://"),
            b.pg.host(),
            b.pg.port()
        )) || err.contains("SSH tunnel open: 127.0.0.1:"),
        "{err}"
    );
    let flow = support::read_valid_catalog(&b.path(TAP_FLOW));
    let found = bindings(&flow, "acmeCo/tap-postgres");
    let streams: Vec<&str> = found.iter().map(|(s, _)| s.as_str()).collect();
    for table in ["customers", "order_lines", "events", "products"] {
        assert!(
            streams.iter().any(|s| s.ends_with(table)),
            "{table} discovered through the tunnel: {streams:?}"
        );
    }
    // The config file is as it was: encrypted, catwalk did not rewrite it.
    assert_eq!(
        std::fs::read_to_string(b.path(TAP_CONFIG)).unwrap(),
        encrypted
    );

    // check runs the catalog's `catwalk adapt singer`, which decrypts and opens the tunnel itself.
    let ran = b.catwalk(&["-vv", "check", "--source", TAP_FLOW], Sops::Key);
    assert_eq!(ran.code(), Some(0), "{}\n{}", ran.stderr(), b.sshd.log());
    assert!(ran.stderr().contains("SSH tunnel open"), "{}", ran.stderr());
}

#[test]
fn an_airbyte_source_discovers_the_same_database_through_the_bastion() {
    let b = bastion();
    let encrypted = b.encrypted_airbyte_config();
    assert!(encrypted.contains("password_sops: ENC["), "{encrypted}");
    assert!(
        encrypted.contains("privateKey_sops: ENC[AES256_GCM,"),
        "{encrypted}"
    );
    // What is not secret stays readable and reviewable.
    assert!(
        encrypted.contains(&format!("host: {DB_HOST}")),
        "{encrypted}"
    );
    assert!(encrypted.contains("forwardHost: 127.0.0.2"), "{encrypted}");

    let ran = b.airbyte_discover(Sops::Key);
    assert_eq!(ran.code(), Some(0), "{}\n{}", ran.stderr(), b.sshd.log());
    let err = ran.stderr();
    // The connector was given the tunnel's local end, not the database's name nor 127.0.0.2.
    let local = err
        .split("SSH tunnel open: ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no tunnel note: {err}"))
        .to_string();
    assert!(local.starts_with("127.0.0.1:"), "{err}");
    assert!(
        err.contains(&format!("connecting to {local} as postgres")),
        "the connector's log line: {err}"
    );

    // The streams and keys are the database's own (pg_catalog through the tunnel).
    let flow = support::read_valid_catalog(&b.path(AIRBYTE_FLOW));
    let found = bindings(&flow, "acmeCo/pg-tables");
    let mut tables: Vec<String> = b
        .pg
        .rows(
            "shop",
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'shop' ORDER BY 1",
        )
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    tables.sort();
    let mut streams: Vec<String> = found.iter().map(|(s, _)| s.clone()).collect();
    streams.sort();
    assert_eq!(streams, tables);
    let key_of = |stream: &str| found.iter().find(|(s, _)| s == stream).unwrap().1.clone();
    assert_eq!(key_of("customers"), json!(["/id"]));
    assert_eq!(key_of("order_lines"), json!(["/order_id", "/line_no"]));
    assert_eq!(key_of("products"), json!(["/sku"]));

    // check: the catalog's `catwalk adapt airbyte` decrypts, opens the tunnel and runs the source's check.
    let ran = b.catwalk(&["-vv", "check", "--source", AIRBYTE_FLOW], Sops::Key);
    assert_eq!(ran.code(), Some(0), "{}\n{}", ran.stderr(), b.sshd.log());
    assert!(ran.stderr().contains("SSH tunnel open"), "{}", ran.stderr());
    assert!(
        !ran.stderr().contains("in plaintext"),
        "nothing is left in plaintext: {}",
        ran.stderr()
    );
}

/// `s` percent-encoded as in a URL (a connector building a database URL would write the password so).
fn percent_encoded(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[test]
fn no_secret_in_anything_catwalk_printed_logged_or_wrote_for_a_database_behind_a_bastion() {
    let mut b = bastion();
    // The secrets: the database password (unique to this run, non-ASCII) and the SSH private key (made
    // for this run), line by line.
    let mut secrets: Vec<String> = vec![b.password.clone(), percent_encoded(&b.password)];
    secrets.extend(key_lines(&b.key).into_iter().map(str::to_string));
    assert!(secrets.len() >= 4, "{secrets:?}");
    let mut printed: Vec<(String, support::Ran)> = Vec::new();
    let mut record = |what: &str, ran: support::Ran, code: i32| {
        assert_eq!(ran.code(), Some(code), "{what}: {}", ran.stderr());
        printed.push((what.to_string(), ran));
    };

    // Singer: a stub, the config in plaintext as a person fills it, a catalog, and a check that warns.
    record("tap stub", b.tap_discover(Sops::NoKey), 5);
    b.write_config(TAP_CONFIG, &b.tap_config());
    record("tap discover, plaintext", b.tap_discover(Sops::NoKey), 0);
    let ran = b.catwalk(&["-vv", "check", "--source", TAP_FLOW], Sops::NoKey);
    assert!(
        ran.stderr().contains(
            "holds 2 secrets in plaintext: Password (/password), SSH private key (/networkTunnel/sshForwarding/privateKey)"
        ),
        "{}",
        ran.stderr()
    );
    record("tap check, plaintext", ran, 0);
    // Protected, then the whole discover + check with the encrypted config.
    let ran = b.catwalk(
        &["encrypt", "--source", TAP_FLOW, "--age", &b.age_recipient],
        Sops::NoKey,
    );
    record("encrypt the catalog", ran, 0);
    b.assert_protected(&std::fs::read_to_string(b.path(TAP_CONFIG)).unwrap());
    record("tap discover, encrypted", b.tap_discover(Sops::Key), 0);
    let ran = b.catwalk(&["-vv", "check", "--source", TAP_FLOW], Sops::Key);
    assert!(!ran.stderr().contains("in plaintext"), "{}", ran.stderr());
    record("tap check, encrypted", ran, 0);

    // Airbyte: encrypted from the start.
    b.encrypted_airbyte_config();
    record("airbyte discover", b.airbyte_discover(Sops::Key), 0);
    let ran = b.catwalk(&["-vv", "check", "--source", AIRBYTE_FLOW], Sops::Key);
    record("airbyte check", ran, 0);

    // Failures say what went wrong, still without a secret: no sops key, then the database down.
    let ran = b.catwalk(&["-vv", "check", "--source", TAP_FLOW], Sops::NoKey);
    record("check without the sops key", ran, 4);
    b.pg.stop();
    record("discover, database down", b.airbyte_discover(Sops::Key), 4);
    let ran = b.catwalk(&["-vv", "check", "--source", AIRBYTE_FLOW], Sops::Key);
    record("check, database down", ran, 4);
    b.pg.restart();

    let log = std::fs::read_to_string(b.log_file()).expect("catwalk logged to its file");
    for expected in [
        "SSH tunnel 127.0.0.1:",
        "tap-postgres",
        "source.py",
        "TRACE",
    ] {
        assert!(
            log.contains(expected),
            "the log has {expected} lines to search:\n{log}"
        );
    }
    for (what, ran) in &printed {
        for (stream, bytes) in [("stdout", &ran.stdout), ("stderr", &ran.stderr)] {
            let text = String::from_utf8_lossy(bytes);
            for secret in &secrets {
                assert!(
                    !text.contains(secret.as_str()),
                    "a secret ({secret}) on the {stream} of {what}:\n{text}"
                );
            }
        }
    }
    // Every file under the test's directory: the project (catalogs, configs), HOME (the log, anything
    // catwalk keeps), known_hosts. The encrypted configs are searched too: they must hold only ciphertext.
    let files = support::files_below(&b.dir);
    for must in [
        b.log_file(),
        b.path(TAP_FLOW),
        b.path(AIRBYTE_CONFIG),
        b.known_hosts.clone(),
    ] {
        assert!(files.contains(&must), "{} among {files:?}", must.display());
    }
    for file in files {
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        for secret in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "a secret ({secret}) in {}:\n{text}",
                file.display()
            );
        }
    }
}

#[test]
fn discover_failures_behind_the_bastion_with_an_encrypted_config_each_say_what_is_wrong() {
    let mut b = bastion();
    b.encrypted_airbyte_config();
    let host_fp = support::sshd::fingerprint_of(&b.sshd.host_key_pub());
    let key_fp = support::sshd::fingerprint_of(&b.dir.join("keys/id.pub"));

    // sops key missing: said before any tunnel is tried, with the recipient and the variables.
    let ran = b.airbyte_discover(Sops::NoKey);
    b.assert_fails(
        "no sops key",
        &ran,
        4,
        &[
            "cannot decrypt acmeCo/pg-tables.config.yaml: none of the keys it is encrypted for is available here",
            &format!("age recipient {}", b.age_recipient),
            "Neither SOPS_AGE_KEY_FILE nor SOPS_AGE_KEY is set",
        ],
    );
    assert!(!ran.stderr().contains("SSH tunnel"), "{}", ran.stderr());

    // Changed host key: another key recorded for the bastion; refused, naming the file and line.
    let good_known_hosts = std::fs::read_to_string(&b.known_hosts).unwrap();
    let (_, impostor) = keygen(&b.dir.join("keys"), "impostor", "ed25519", None, "");
    let fake: Vec<&str> = impostor.split_whitespace().take(2).collect();
    std::fs::write(
        &b.known_hosts,
        format!("[127.0.0.1]:{} {} {}\n", b.sshd.port, fake[0], fake[1]),
    )
    .unwrap();
    b.discover_fails(
        "changed host key",
        &[
            "HOST KEY HAS CHANGED",
            &format!("{} line 1", b.known_hosts.display()),
            &host_fp,
        ],
    );
    // Even when new keys are accepted, and known_hosts is left as it was.
    let ran = b.airbyte_discover_with(Sops::Key, &["--accept-new-host-key"]);
    b.assert_fails(
        "changed host key, --accept-new-host-key",
        &ran,
        4,
        &["HOST KEY HAS CHANGED"],
    );
    assert!(
        std::fs::read_to_string(&b.known_hosts)
            .unwrap()
            .contains(fake[1])
    );
    std::fs::write(&b.known_hosts, &good_known_hosts).unwrap();

    // Wrong key: the bastion no longer accepts ours (the fingerprint says which key was offered).
    let authorized = b.sshd.dir.path().join("authorized_keys");
    let good_authorized = std::fs::read_to_string(&authorized).unwrap();
    std::fs::write(&authorized, format!("{impostor}\n")).unwrap();
    b.discover_fails(
        "wrong key",
        &[
            "step 3 of 4, logging in",
            &format!("refused user {}", support::sshd::USER),
            &key_fp,
        ],
    );
    std::fs::write(&authorized, good_authorized).unwrap();

    // The forward target refuses: PostgreSQL is stopped, the bastion is fine.
    b.pg.stop();
    b.discover_fails(
        "database stopped",
        &[
            "step 4 of 4",
            &format!("could not connect to 127.0.0.2:{}", b.pg.port()),
        ],
    );
    b.pg.restart();

    // Wrong user, in the (encrypted) endpoint.
    let mut config = b.airbyte_config();
    config["networkTunnel"]["sshForwarding"]["sshEndpoint"] =
        json!(format!("ssh://nobody-here@127.0.0.1:{}", b.sshd.port));
    b.encrypt_airbyte(&config);
    b.discover_fails(
        "wrong user",
        &[
            "step 3 of 4, logging in",
            "no user nobody-here on the server",
        ],
    );

    // The local port asked for is taken.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let mut config = b.airbyte_config();
    config["networkTunnel"]["sshForwarding"]["localPort"] = json!(port);
    b.encrypt_airbyte(&config);
    b.discover_fails(
        "local port taken",
        &[&format!("127.0.0.1:{port} is already in use")],
    );
    drop(taken);

    // The bastion is down.
    b.encrypted_airbyte_config();
    b.sshd.stop();
    b.discover_fails(
        "bastion down",
        &[
            &format!("127.0.0.1:{}", b.sshd.port),
            "refused the connection: no SSH server listens there",
        ],
    );

    // The connector never ran against a path that did not work: no catalog was written.
    assert!(!b.path(AIRBYTE_FLOW).exists());
}

#[test]
fn check_of_a_catalog_reports_the_tunnel_failures_of_its_catwalk_adapt_endpoint() {
    let mut b = bastion();
    b.encrypted_tap_config();
    let ran = b.tap_discover(Sops::Key);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let check = ["-vv", "check", "--source", TAP_FLOW];

    // sops key missing, for this task.
    let ran = b.catwalk(&check, Sops::NoKey);
    b.assert_fails(
        "no sops key",
        &ran,
        4,
        &["FAILED cannot decrypt acmeCo/tap-postgres.config.yaml: none of the keys it is encrypted for"],
    );

    // The database stopped: `catwalk adapt singer`, run by check, says the forward target refused.
    b.pg.stop();
    let ran = b.catwalk(&check, Sops::Key);
    b.assert_fails(
        "database stopped",
        &ran,
        4,
        &[&format!("could not connect to 127.0.0.2:{}", b.pg.port())],
    );
    b.pg.restart();
    let ran = b.catwalk(&check, Sops::Key);
    assert_eq!(ran.code(), Some(0), "back up: {}", ran.stderr());

    // The bastion down.
    b.sshd.stop();
    let ran = b.catwalk(&check, Sops::Key);
    b.assert_fails(
        "bastion down",
        &ran,
        4,
        &["refused the connection: no SSH server listens there"],
    );
}
