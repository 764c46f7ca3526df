#!/usr/bin/env python3
"""`catwalk check --source CATALOG` versus the connector's own check, for an Airbyte capture
(source-hardcoded-records: `check --config F`) and a Singer capture (tap-postgres on a private PostgreSQL
with a few tables: `--config F --discover`, the cheapest real test a tap offers, and what catwalk runs).
catwalk runs the capture as Flow does, through `catwalk adapt`; its spec comes from the spec cache (warm:
filled by a first run), so one connector start's time is left (for Airbyte, `check` and the discover that
finds the bound streams run side by side). `--no-cache` shows the cost without the cache. Runs alternate,
so that load on the machine affects every case alike. Prints medians and ratios; asserts nothing.

Usage: scripts/bench-check (builds the release binary, then runs this with the component manifest).
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_singer import Cluster, PASSWORD  # noqa: E402  (a private PostgreSQL cluster)

CATWALK = os.environ["CATWALK_BIN"]
MANIFEST = json.load(open(os.environ["CATWALK_TEST_MANIFEST"]))
RUNS = int(os.environ.get("BENCH_RUNS", "9"))


def timed(cmd, cwd, env, ok=(0,)):
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode not in ok:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.decode()[-3000:]}")
    return elapsed


def catalog_of(work, env, command, config):
    """`catwalk discover` twice (stub, then catalog) with `config` filled in; returns the catalog's path."""
    name = os.path.basename(command[0])
    timed([CATWALK, "-q", "discover", "--prefix", "bench", "--local", "--"] + command, work, env, ok=(5,))
    with open(os.path.join(work, "bench", f"{name}.config.yaml"), "w") as f:
        json.dump(config, f)
    timed([CATWALK, "-q", "discover", "--prefix", "bench", "--local", "--"] + command, work, env)
    return os.path.join(work, "bench", f"{name}.flow.yaml")


def compare(title, work, env, direct):
    flow = os.path.join(work, "bench", [f for f in os.listdir(os.path.join(work, "bench"))
                                        if f.endswith(".flow.yaml")][0])
    cases = [
        ("connector's own check", direct),
        ("catwalk check (spec cached)", lambda: timed([CATWALK, "-q", "check", "--source", flow], work, env)),
        ("catwalk check --no-cache", lambda: timed([CATWALK, "-q", "check", "--no-cache", "--source", flow],
                                                   work, env)),
    ]
    for _, run in cases:  # warm-up: page cache, Python bytecode, the spec cache
        run()
    times = [[] for _ in cases]
    for _ in range(RUNS):
        for i, (_, run) in enumerate(cases):
            times[i].append(run())
    base = statistics.median(times[0])
    print(f"{title}: {RUNS} interleaved runs, medians")
    for (label, _), ts in zip(cases, times):
        m = statistics.median(ts)
        runs = " ".join(f"{t:.2f}" for t in ts)
        print(f"  {label:30} {m:7.3f}s  ratio {m / base:5.2f}   (runs: {runs})")


def main():
    # Airbyte: source-hardcoded-records.
    src = MANIFEST["airbyte_connectors"]["source-hardcoded-records"]
    work = tempfile.mkdtemp(prefix="catwalk-bench-check-")
    cache = tempfile.mkdtemp(prefix="catwalk-bench-cache-")
    env = dict(os.environ, PATH=os.path.dirname(CATWALK) + os.pathsep + src["bin_dir"] + os.pathsep +
               os.environ["PATH"], XDG_CACHE_HOME=cache)
    config = {"count": 10}
    catalog_of(work, env, ["source-hardcoded-records"], config)
    config_json = os.path.join(work, "config.json")
    with open(config_json, "w") as f:
        json.dump(config, f)
    compare(f"catwalk check, one Airbyte capture ({src['requirement']})", work, env,
            lambda: timed(["source-hardcoded-records", "check", "--config", config_json], work, env))
    shutil.rmtree(work, ignore_errors=True)

    # Singer: tap-postgres on a few tables.
    tap = MANIFEST["singer_taps"]["tap-postgres"]
    pg = Cluster()
    try:
        pg.psql("postgres", "CREATE DATABASE bench;")
        pg.psql("bench", "CREATE SCHEMA bench;" + "".join(
            f"CREATE TABLE bench.t{i} (id bigint PRIMARY KEY, name text, at timestamptz);" for i in range(5)))
        work = tempfile.mkdtemp(prefix="catwalk-bench-check-")
        env = dict(env, PATH=os.path.dirname(CATWALK) + os.pathsep + tap["bin_dir"] + os.pathsep +
                   os.environ["PATH"])
        config = {"host": "127.0.0.1", "port": pg.port, "user": "postgres", "password": PASSWORD,
                  "database": "bench", "filter_schemas": ["bench"]}
        catalog_of(work, env, ["tap-postgres"], config)
        config_json = os.path.join(work, "config.json")
        with open(config_json, "w") as f:
            json.dump(config, f)
        print()
        compare(f"catwalk check, one Singer capture ({tap['requirement']}, 5 tables)", work, env,
                lambda: timed(["tap-postgres", "--config", config_json, "--discover"], work, env))
        shutil.rmtree(work, ignore_errors=True)
    finally:
        pg.stop()
        shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    main()
