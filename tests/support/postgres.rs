//! A real PostgreSQL server for tests: an unprivileged cluster in a temporary directory, listening on
//! 127.0.0.1 (or only on another loopback address, [`Postgres::start_on`]) at a free port with scram-sha-256 password authentication (the Unix socket, in the same
//! directory, trusts local users for set-up). As root, the cluster runs as the `postgres` user (`runuser`),
//! since PostgreSQL refuses to run as root. Stopped (immediate mode) and removed on drop, also on panic.

use super::{manifest_file, pg_bin_dir};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The password of the `postgres` superuser over TCP.
pub const PASSWORD: &str = "pg-test-Pässword-1";

pub struct Postgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    /// The one address it listens on over TCP.
    host: String,
    port: u16,
    /// Run server commands as the `postgres` user (we are root).
    as_postgres: bool,
    running: bool,
}

impl Postgres {
    /// initdb, then start on 127.0.0.1. Panics with the server's log when it cannot.
    pub fn start() -> Postgres {
        Postgres::start_on("127.0.0.1")
    }

    /// initdb, then start listening over TCP only on `host` (e.g. 127.0.0.2: a server reachable only through
    /// an SSH server that forwards to that address, when the connector is given 127.0.0.1). Panics when
    /// `host` cannot be bound here or the server cannot start.
    pub fn start_on(host: &str) -> Postgres {
        if let Err(e) = std::net::TcpListener::bind((host, 0)) {
            panic!(
                "cannot listen on {host} on this machine ({e}): PostgreSQL cannot be started there"
            );
        }
        let bin = pg_bin_dir();
        let root = unsafe { libc_geteuid() } == 0;
        let dir = tempfile::Builder::new()
            .prefix("catwalk-pg-")
            .tempdir()
            .expect("creating the cluster directory");
        if root {
            let status = Command::new("chown")
                .arg("postgres:")
                .arg(dir.path())
                .status()
                .expect("running chown");
            assert!(
                status.success(),
                "cannot give {} to the postgres user (is the postgresql package installed? run scripts/test-deps)",
                dir.path().display()
            );
        }
        let mut pg = Postgres {
            dir,
            bin,
            host: host.to_string(),
            port: 0,
            as_postgres: root,
            running: false,
        };
        let pwfile = pg.dir.path().join("pwfile");
        std::fs::write(&pwfile, PASSWORD).expect("writing the password file");
        if root {
            Command::new("chown")
                .arg("postgres:")
                .arg(&pwfile)
                .status()
                .expect("running chown");
        }
        pg.server_cmd(
            "initdb",
            &[
                "-D",
                &pg.data().display().to_string(),
                "-U",
                "postgres",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                &format!("--pwfile={}", pwfile.display()),
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
        );
        std::fs::remove_file(&pwfile).ok();
        pg.port = free_port_on(host);
        pg.start_server();
        pg
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn log(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    /// The directory holding the Unix socket.
    pub fn socket_dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The address it listens on over TCP.
    pub fn host(&self) -> &str {
        &self.host
    }

    fn start_server(&mut self) {
        let opts = format!(
            "-c listen_addresses={} -p {} -c unix_socket_directories={} -c fsync=off \
             -c synchronous_commit=off -c full_page_writes=off -c max_connections=50",
            self.host,
            self.port,
            self.dir.path().display()
        );
        self.server_cmd(
            "pg_ctl",
            &[
                "-D",
                &self.data().display().to_string(),
                "-l",
                &self.log().display().to_string(),
                "-w",
                "-t",
                "60",
                "-o",
                &opts,
                "start",
            ],
        );
        self.running = true;
    }

    /// Start it again after [`Postgres::stop`], on the same address and port.
    pub fn restart(&mut self) {
        if !self.running {
            self.start_server();
        }
    }

    /// Stop the server now (a test of "server down"); dropping stops it too.
    pub fn stop(&mut self) {
        if self.running {
            self.running = false;
            self.server_cmd(
                "pg_ctl",
                &[
                    "-D",
                    &self.data().display().to_string(),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ],
            );
        }
    }

    /// A server program (initdb, pg_ctl) run as the cluster's owner.
    fn owner_cmd(&self, program: &str) -> Command {
        let exe = self.bin.join(program);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(exe);
            c
        } else {
            Command::new(exe)
        }
    }

    /// Run a server program (initdb, pg_ctl) as the cluster's owner; panics with its output and the log.
    fn server_cmd(&self, program: &str, args: &[&str]) {
        let exe = self.bin.join(program);
        let out = self
            .owner_cmd(program)
            .args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", exe.display()));
        if !out.status.success() {
            panic!(
                "{program} {args:?} failed ({}):\n{}{}\nserver log:\n{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
                std::fs::read_to_string(self.log()).unwrap_or_default()
            );
        }
    }

    /// Run SQL in `database` through the Unix socket (`psql -v ON_ERROR_STOP=1`); returns the unaligned,
    /// tuples-only output (`|`-separated columns, one row a line). Panics on any SQL error.
    pub fn psql(&self, database: &str, sql: &str) -> String {
        let psql = psql_bin(&self.bin);
        let mut child = Command::new(&psql)
            .args(["-X", "-q", "-A", "-t", "-F", "|", "-v", "ON_ERROR_STOP=1"])
            .arg("-h")
            .arg(self.dir.path())
            .args([
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                "-d",
                database,
            ])
            .args(["-f", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", psql.display()));
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().unwrap();
            stdin.write_all(sql.as_bytes()).unwrap();
        }
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "psql failed in {database}: {}\nSQL:\n{sql}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Rows of a query, each a vector of column values.
    pub fn rows(&self, database: &str, sql: &str) -> Vec<Vec<String>> {
        self.psql(database, sql)
            .lines()
            .filter(|l| !l.is_empty())
            .map(|l| l.split('|').map(str::to_string).collect())
            .collect()
    }

    /// A tap-postgres config for `database` over TCP with the password.
    pub fn tap_config(&self, database: &str) -> Value {
        json!({
            "host": self.host,
            "port": self.port,
            "user": "postgres",
            "password": PASSWORD,
            "database": database,
        })
    }

    /// Create database `shop` with schema `shop` and the tables every Singer test uses: keys single and
    /// composite, a table without a primary key, and the column types people meet (numeric, timestamptz,
    /// json/jsonb, arrays, unicode text, boolean, bigint, uuid...), each with a row.
    pub fn create_shop(&self) {
        self.psql("postgres", "CREATE DATABASE shop;");
        self.psql("shop", SHOP_SQL);
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if self.running {
            self.running = false;
            let data = self.data();
            let _ = self
                .owner_cmd("pg_ctl")
                .arg("-D")
                .arg(&data)
                .args(["-m", "immediate", "-w", "stop"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// The schema of [`Postgres::create_shop`].
pub const SHOP_SQL: &str = r#"
CREATE SCHEMA shop;
CREATE TABLE shop.customers (
  id bigint PRIMARY KEY,
  name text NOT NULL,
  email varchar(200),
  active boolean NOT NULL DEFAULT true,
  balance numeric(12,2),
  created_at timestamptz,
  tags text[],
  prefs jsonb,
  extra json,
  uid uuid,
  score double precision,
  born date,
  small smallint,
  visits integer
);
CREATE TABLE shop.order_lines (
  order_id integer,
  line_no smallint,
  sku text NOT NULL,
  qty integer NOT NULL,
  price numeric,
  shipped_at timestamp,
  PRIMARY KEY (order_id, line_no)
);
CREATE TABLE shop.events (
  happened_at timestamptz,
  payload jsonb,
  msg text,
  counts integer[]
);
CREATE TABLE shop.products (
  sku text PRIMARY KEY,
  title text,
  weight real,
  launched date,
  ratio numeric(5,4)
);
INSERT INTO shop.customers VALUES
  (1, 'Zoë Ångström ✓ 日本語', 'zoe@example.com', true, 12.50, '2024-05-01 10:00:00+02', '{a,b}', '{"tier": "gold", "n": [1, 2]}', '[1, "x"]',
   'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 1.5, '1990-02-03', 7, 42),
  (2, 'Émile', NULL, false, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO shop.order_lines VALUES (1, 1, 'sku-1', 3, 9.99, '2024-05-02 12:00:00'), (1, 2, 'sku-2', 1, 100, NULL);
INSERT INTO shop.events VALUES ('2024-05-01 10:00:00+00', '{"kind": "login"}', 'héllo wörld', '{1,2,3}'),
  ('2024-05-01 10:00:00+00', '{"kind": "login"}', 'héllo wörld', '{1,2,3}');
INSERT INTO shop.products VALUES ('sku-1', 'Tea ☕', 0.25, '2020-01-01', 0.1234);
"#;

/// Ask the OS for a free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    free_port_on("127.0.0.1")
}

/// Ask the OS for a free TCP port on `host`.
pub fn free_port_on(host: &str) -> u16 {
    std::net::TcpListener::bind((host, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("asking the OS for a free port on {host}: {e}"))
}

fn psql_bin(server_bin: &Path) -> PathBuf {
    let beside = server_bin.join("psql");
    if beside.exists() {
        return beside;
    }
    PathBuf::from("/usr/bin/psql")
}

/// The console script of a Singer tap installed by scripts/test-deps, e.g. `singer_tap("tap-postgres")`.
pub fn singer_tap(name: &str) -> PathBuf {
    manifest_file(name, &format!("/singer_taps/{name}/command"))
}

/// The `bin` directory of a Singer tap's venv (put it on PATH to run the tap by name).
pub fn singer_bin_dir(name: &str) -> PathBuf {
    manifest_file(name, &format!("/singer_taps/{name}/bin_dir"))
}

unsafe extern "C" {
    #[link_name = "geteuid"]
    fn libc_geteuid() -> u32;
}
