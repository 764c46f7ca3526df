#!/usr/bin/env python3
"""`catwalk discover` of tap-postgres on a database with 1,000 tables, end to end (catalog written), versus
the tap's own `--discover` alone. Runs alternate (so load on the machine affects both alike); prints medians
and the ratio. Asserts nothing.

Usage: scripts/bench-singer (builds the release binary, then runs this with the component manifest).
"""

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

CATWALK = os.environ["CATWALK_BIN"]
MANIFEST = json.load(open(os.environ["CATWALK_TEST_MANIFEST"]))
TAP = MANIFEST["singer_taps"]["tap-postgres"]
PG_BIN = MANIFEST["tools"]["pg_bin_dir"]
TABLES = int(os.environ.get("BENCH_TABLES", "1000"))
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
PASSWORD = "bench-password"


def as_owner(cmd):
    return (["runuser", "-u", "postgres", "--"] + cmd) if os.geteuid() == 0 else cmd


class Cluster:
    """A private PostgreSQL cluster on 127.0.0.1 at a free port, password auth over TCP; stopped on exit."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="catwalk-bench-pg-")
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        pwfile = os.path.join(self.dir, "pw")
        with open(pwfile, "w") as f:
            f.write(PASSWORD)
        if os.geteuid() == 0:
            shutil.chown(pwfile, "postgres")
        data = os.path.join(self.dir, "data")
        subprocess.run(as_owner([f"{PG_BIN}/initdb", "-D", data, "-U", "postgres", "--auth-local=trust",
                                 "--auth-host=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8",
                                 "--locale=C.UTF-8", "--no-sync"]), check=True, stdout=subprocess.DEVNULL)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        opts = (f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.dir} "
                "-c fsync=off -c synchronous_commit=off")
        subprocess.run(as_owner([f"{PG_BIN}/pg_ctl", "-D", data, "-l", os.path.join(self.dir, "log"), "-w",
                                 "-o", opts, "start"]), check=True, stdout=subprocess.DEVNULL)
        self.data = data

    def psql(self, db, sql):
        subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", self.dir, "-p", str(self.port),
                        "-U", "postgres", "-d", db, "-f", "-"], input=sql.encode(), check=True,
                       stdout=subprocess.DEVNULL)

    def stop(self):
        subprocess.run(as_owner([f"{PG_BIN}/pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop"]),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(self.dir, ignore_errors=True)


def timed(cmd, cwd=None, env=None):
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.decode()[-3000:]}")
    return elapsed, proc


def main():
    pg = Cluster()
    try:
        sql = ["CREATE SCHEMA bench;"]
        for i in range(TABLES):
            pk = "PRIMARY KEY" if i % 10 else ""  # every tenth table has no key: the fallback key path
            sql.append(f"CREATE TABLE bench.t{i:04d} (id bigint {pk}, name text, amount numeric(10,2), "
                       "created_at timestamptz, payload jsonb, tags text[], flag boolean, born date);")
        pg.psql("postgres", "CREATE DATABASE bench;")
        pg.psql("bench", "\n".join(sql))
        work = tempfile.mkdtemp(prefix="catwalk-bench-singer-")
        config = {"host": "127.0.0.1", "port": pg.port, "user": "postgres", "password": PASSWORD,
                  "database": "bench", "filter_schemas": ["bench"]}
        config_json = os.path.join(work, "config.json")
        with open(config_json, "w") as f:
            json.dump(config, f)
        # The catalog goes to a directory on disk and, separately, on tmpfs: creating 1,000 new files costs
        # ext4 ~0.7 s here (plain Python takes as long), which is the file system's, not catwalk's.
        shm = tempfile.mkdtemp(prefix="catwalk-bench-singer-", dir="/dev/shm")
        out_dirs = {"disk": os.path.join(work, "out"), "tmpfs": os.path.join(shm, "out")}
        for out_dir in out_dirs.values():
            os.makedirs(out_dir)
            # The config as the user fills the stub (catwalk reads YAML; JSON is YAML).
            config_yaml = os.path.join(out_dir, "tap-postgres.config.yaml")
            shutil.copy(config_json, config_yaml)
            os.chmod(config_yaml, 0o600)
        env = dict(os.environ, PATH=TAP["bin_dir"] + os.pathsep + os.environ["PATH"])

        def tap_alone():
            t, proc = timed(["tap-postgres", "--config", config_json, "--discover"], env=env)
            streams = len(json.loads(proc.stdout)["streams"])
            assert streams == TABLES, f"the tap discovered {streams} streams"
            return t

        def catwalk_discover(out_dir):
            # A first discovery each time: only the config is kept.
            for name in os.listdir(out_dir):
                if name != "tap-postgres.config.yaml":
                    os.remove(os.path.join(out_dir, name))
            t, _ = timed([CATWALK, "-q", "discover", "--prefix", "bench", "--directory", out_dir, "--local",
                          "--", "tap-postgres"], cwd=work, env=env)
            return t

        tap_alone(), catwalk_discover(out_dirs["disk"])  # warm-up: page cache, Python bytecode
        a, b, c = [], [], []
        for _ in range(RUNS):
            a.append(tap_alone())
            b.append(catwalk_discover(out_dirs["disk"]))
            c.append(catwalk_discover(out_dirs["tmpfs"]))
        files = len(os.listdir(out_dirs["disk"]))
        ta, tb, tc = statistics.median(a), statistics.median(b), statistics.median(c)
        runs = lambda xs: " ".join(f"{x:.2f}" for x in xs)
        print(f"discover of {TABLES} PostgreSQL tables with tap-postgres ({TAP['requirement']}), "
              f"{RUNS} interleaved runs, medians:")
        print(f"  tap-postgres --discover alone                 {ta:8.3f}s   (runs: {runs(a)})")
        print(f"  catwalk discover, catalog written to disk     {tb:8.3f}s   (runs: {runs(b)})")
        print(f"  catwalk discover, catalog written to tmpfs    {tc:8.3f}s   (runs: {runs(c)})")
        print(f"  ratio disk {tb / ta:.3f}, tmpfs {tc / ta:.3f} (target <= 1.1); catwalk wrote {files} files")
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(shm, ignore_errors=True)
    finally:
        pg.stop()


if __name__ == "__main__":
    main()
