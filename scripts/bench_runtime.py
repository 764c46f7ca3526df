#!/usr/bin/env python3
"""Runtime benchmarks for catwalk (issue: connector runtime). Prints figures; asserts nothing.

1. Overhead of `catwalk spec` over running the same connector's spec directly (median of N runs, ratio):
   the Flow fixture as a local command, source-faker (a real Python Airbyte connector) as a local command,
   and the Flow fixture image in Docker.
2. `catwalk discover` of a Flow connector that emits 10,000 bindings with realistic schemas, until the
   catalog is written: wall time and catwalk's own peak RSS (the connector runs in a container, so it is
   not counted), first discovery and re-discovery (merge with the 10,000 already written).

Usage: scripts/bench-runtime (builds the release binary, then runs this with the component manifest).
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

CATWALK = os.environ["CATWALK_BIN"]
MANIFEST = json.load(open(os.environ["CATWALK_TEST_MANIFEST"]))
FIXTURE = MANIFEST["flow_fixture"]["bin"]
FAKER = MANIFEST["airbyte_connectors"]["source-faker"]["command"]
IMAGE = MANIFEST["images"]["flow_fixture"]
SPEC_REQUEST = b'{"spec":{"connectorType":"LOCAL","config":{}}}\n'


def timed(cmd, stdin=None, env=None, cwd=None):
    start = time.perf_counter()
    proc = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 5):
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.decode()[-2000:]}")
    return elapsed


def median_of(n, fn):
    fn()  # warm-up: page cache, Docker image layers, Python bytecode
    return statistics.median(fn() for _ in range(n))


def interleaved(n, a, b):
    """Medians of a and b, run alternately so that load on the machine affects both alike."""
    a(), b()
    xs, ys = [], []
    for _ in range(n):
        xs.append(a())
        ys.append(b())
    return statistics.median(xs), statistics.median(ys)


def spec_overhead():
    env = dict(os.environ, FLOW_RUNTIME_CODEC="json")
    cases = [
        ("flow fixture, local", 30,
         lambda: timed([FIXTURE], stdin=SPEC_REQUEST, env=env),
         lambda: timed([CATWALK, "-q", "spec", "--protocol", "flow", "--local", "--", FIXTURE])),
        ("source-faker, local (Python)", 8,
         lambda: timed([FAKER, "spec"]),
         lambda: timed([CATWALK, "-q", "spec", "--protocol", "airbyte", "--local", "--", FAKER])),
        ("source-faker, local, protocol probed", 8,
         lambda: timed([FAKER, "spec"]),
         lambda: timed([CATWALK, "-q", "spec", "--local", "--", FAKER])),
        ("flow fixture image, Docker", 12,
         lambda: timed(["docker", "run", "--rm", "-i", "-e", "FLOW_RUNTIME_CODEC=json", IMAGE], stdin=SPEC_REQUEST),
         lambda: timed([CATWALK, "-q", "spec", "--image", IMAGE])),
    ]
    print("spec: catwalk vs the connector run directly (median)")
    print(f"  {'case':40} {'direct':>10} {'catwalk':>10} {'overhead':>10} {'ratio':>7}")
    for name, n, direct, via in cases:
        d, c = interleaved(n, direct, via)
        print(f"  {name:40} {d*1000:8.1f}ms {c*1000:8.1f}ms {(c-d)*1000:8.1f}ms {c/d:7.3f}")


def run_with_peak_rss(cmd, cwd):
    """Wall time and peak RSS (kB) of `cmd` itself, from GNU time."""
    out = tempfile.NamedTemporaryFile(delete=False)
    start = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", out.name] + cmd, cwd=cwd,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 5):
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.decode()[-2000:]}")
    rss = int(open(out.name).read().split()[-1])
    os.unlink(out.name)
    return elapsed, rss


def discover_10k(base, runs=3):
    config = {"host": "h", "password": "p", "advanced": {"bindings": 10000, "docs_per_binding": 0}}
    cmd = [CATWALK, "-q", "discover", "--image", IMAGE]
    firsts, agains, rss = [], [], []
    for _ in range(runs):
        work = tempfile.mkdtemp(prefix="catwalk-bench-", dir=base)
        timed(cmd, cwd=work)  # writes the stub
        with open(os.path.join(work, "acmeCo", "flow-fixture.config.yaml"), "w") as f:
            json.dump(config, f)
        t, m = run_with_peak_rss(cmd, work)
        firsts.append(t)
        rss.append(m)
        t, m = run_with_peak_rss(cmd, work)
        agains.append(t)
        rss.append(m)
        files = len(os.listdir(os.path.join(work, "acmeCo")))
        shutil.rmtree(work)
    print(f"discover of 10,000 bindings into {base} ({files} files; median of {runs})")
    print(f"  catwalk discover, first run:                 {statistics.median(firsts):6.2f}s")
    print(f"  catwalk discover, re-discovery (merge):      {statistics.median(agains):6.2f}s")
    print(f"  catwalk peak RSS (max over runs):            {max(rss)/1024:6.1f} MB")


def connector_alone_10k():
    config = {"host": "h", "password": "p", "advanced": {"bindings": 10000, "docs_per_binding": 0}}
    request = json.dumps({"discover": {"connectorType": "IMAGE", "config": config}}).encode() + b"\n"
    docker = ["docker", "run", "--rm", "-i", "-e", "FLOW_RUNTIME_CODEC=json", IMAGE]
    print(f"discover of 10,000 bindings, the connector alone (docker run): {median_of(3, lambda: timed(docker, stdin=request)):.2f}s")


if __name__ == "__main__":
    spec_overhead()
    connector_alone_10k()
    # Memory-backed, then the disk's file system: creating 10,000 files costs what the file system makes it.
    if os.path.isdir("/dev/shm"):
        discover_10k("/dev/shm")
    discover_10k(tempfile.gettempdir())
