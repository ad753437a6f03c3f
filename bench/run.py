#!/usr/bin/env python3
"""Runs the benchmarks of libvoicecb on this machine and writes BENCHMARKS.md;
or, with `load`, the load runs of issue 7.

    python3 bench/run.py                 # = make bench: build, measure, write BENCHMARKS.md
    python3 bench/run.py --quick         # fewer calls and rounds: checks the suite itself
    python3 bench/run.py --rounds 9      # more rounds (default 5)
    python3 bench/run.py --no-build      # reuse what the last run built
    python3 bench/run.py --no-profile    # skip callgrind and strace
    python3 bench/run.py load [--quick]  # = make load

Every figure is the median over the rounds, with the minimum and the
maximum; every ratio is taken within a round (both sides measured in the
same run, one right after the other) and then summarised the same way.
Nothing here asserts a time: targets are reported as met or missed.

Needs what `make test` needs (cargo, cc, Go, Python 3 with venv and pip
access for setuptools and the pinned peers of bench/python/requirements.txt);
bench/deps.sh installs the rest (libcurl, OpenSSL and cJSON headers for
the C peer, valgrind and strace for the profile, taskset) when missing.
Builds into target/ and build/bench/, and leaves the source tree
alone.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = ROOT / "build" / "bench"
REL = ROOT / "target" / "release"
RUST_BENCH = ROOT / "target" / "release" / "voicecb-bench"
C_BENCH = OUT / "bench_c"
C_LOAD = OUT / "load"
C_PEER = OUT / "peer_curl"
GO_BENCH = OUT / "voicecb-bench-go"
VENV_PY = OUT / "venv" / "bin" / "python"
PY_BENCH = BENCH / "python" / "bench_py.py"
SANDBOX = REL / "voicecb"

# Targets of issue 8.
TARGET_SIGN = 3.0
TARGET_C_VS_RAW = 1.15
TARGET_PY_VS_URLLIB = 3.0
TARGET_GO_VS_C = 1.2
# Issue 17: every binding at least as fast per call as every peer of its
# language (the peer's time over the binding's, per turn), and the C ABI's
# client CPU per call at most twice the raw client's.
TARGET_PEER = 1.0
TARGET_CPU_C_VS_RAW = 2.0
TARGET_GROWTH_KIB = 1024
TARGET_SO_BYTES = 4 * 1024 * 1024


# (peer, binding): the peers of issue 17, each paired with its binding in one process.
PEERS = [
    ("requests", "python"),
    ("httpx", "python"),
    ("urllib", "python"),
    ("httpx-async", "python-async"),
    ("go-nethttp", "go"),
    ("curl", "c-lib"),
]
THREADS = (1, 2, 4)
EVENT_VARIANTS = ("lib", "lib-again", "lib-events-noop", "lib-events-line")


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def run(cmd, env=None, cwd=ROOT, capture=False, check=True, timeout=3600):
    shown = " ".join(str(c) for c in cmd)
    log(f"$ {shown}")
    p = subprocess.run(
        [str(c) for c in cmd],
        cwd=str(cwd),
        env=env,
        stdout=subprocess.PIPE if capture else None,
        stderr=subprocess.PIPE if capture else None,
        text=True,
        timeout=timeout,
    )
    if check and p.returncode != 0:
        if capture:
            sys.stderr.write(p.stdout or "")
            sys.stderr.write(p.stderr or "")
        raise SystemExit(f"bench: failed ({p.returncode}): {shown}")
    return p


def records(cmd, env, timeout=1800):
    """Runs a benchmark program; returns the JSON objects it printed."""
    p = run(cmd, env=env, capture=True, check=False, timeout=timeout)
    if p.stderr.strip():
        sys.stderr.write(p.stderr)
    if p.returncode != 0:
        sys.stderr.write(p.stdout)
        raise SystemExit(f"bench: {cmd[0]} failed with status {p.returncode}")
    out = []
    for line in p.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            out.append(json.loads(line))
        elif line:
            print(line, flush=True)
    return out


# --------------------------------------------------------------------------
# building


def build(skip: bool) -> None:
    if skip:
        for f in (RUST_BENCH, C_BENCH, C_LOAD, C_PEER, GO_BENCH, VENV_PY, SANDBOX):
            if not f.exists():
                raise SystemExit(f"bench: --no-build, but {f} is missing")
        return
    OUT.mkdir(parents=True, exist_ok=True)
    # The system packages of the C peer and of the profile; installs only
    # what is missing.
    run(["sh", BENCH / "deps.sh"])
    cargo = os.environ.get("CARGO", "cargo")
    # The library, the sandbox and the CLI, exactly as `make build`.
    run([cargo, "build", "--release", "--locked"])
    # The Rust benchmarks: a member of the workspace (bench/rust), so the
    # same lock file, target dir and release settings as the library.
    run([cargo, "build", "--release", "--locked", "-p", "voicecb-bench"])
    cc = os.environ.get("CC", "cc")
    for name in ("bench_c", "load"):
        run([cc, "-std=c11", "-O2", "-g", "-Wall", "-Wextra", "-Werror", f"-I{ROOT / 'include'}", BENCH / "c" / f"{name}.c",
             f"-L{REL}", "-lvoicecb", f"-Wl,-rpath,{REL}", "-lpthread", "-o", OUT / name])
    # The C peer: libcurl, OpenSSL's HMAC and cJSON, beside the C ABI.
    run([cc, "-std=c11", "-O2", "-g", "-Wall", "-Wextra", "-Werror", f"-I{ROOT / 'include'}", BENCH / "c" / "peer_curl.c",
         f"-L{REL}", "-lvoicecb", f"-Wl,-rpath,{REL}", "-lcurl", "-lcrypto", "-lcjson", "-lpthread", "-o", C_PEER])
    go = os.environ.get("GO", "go")
    run([go, "build", "-o", GO_BENCH, "."], cwd=BENCH / "go")
    # The Python binding, installed with the library inside, as a wheel
    # carries it.
    if not VENV_PY.exists():
        run([os.environ.get("PYTHON", sys.executable), "-m", "venv", OUT / "venv"])
    # The Python peers (requests, httpx), pinned; reinstalled when the pins change.
    reqs = BENCH / "python" / "requirements.txt"
    peers_stamp = OUT / "venv" / "peers-installed.sha256"
    peers_digest = hashlib.sha256(reqs.read_bytes()).hexdigest()
    if not peers_stamp.exists() or peers_stamp.read_text() != peers_digest:
        run([VENV_PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input", "-r", reqs])
        peers_stamp.write_text(peers_digest)
    # Reinstalled only when the library or the binding changed.
    digest = hashlib.sha256((REL / "libvoicecb.so").read_bytes())
    for p in sorted((ROOT / "bindings" / "python").rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts and "build" not in p.relative_to(ROOT / "bindings" / "python").parts:
            digest.update(str(p).encode() + p.read_bytes())
    stamp = OUT / "venv" / "voicecb-installed.sha256"
    if stamp.exists() and stamp.read_text() == digest.hexdigest():
        return
    # From the tree, as bindings/python/run-tests.sh installs it: setup.py
    # reads the version from the crate two levels up and takes the library
    # just built (its build files land in ignored directories).
    env = dict(os.environ, VOICECB_PREBUILT_LIB=str(REL / "libvoicecb.so"))
    run([VENV_PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input",
         "--force-reinstall", "--no-deps", ROOT / "bindings" / "python"], env=env)
    stamp.write_text(digest.hexdigest())


def stripped_size() -> dict:
    so = REL / "libvoicecb.so"
    copy = OUT / "libvoicecb.stripped.so"
    shutil.copy(so, copy)
    run(["strip", "--strip-all", copy])
    return {"so_bytes": so.stat().st_size, "stripped_bytes": copy.stat().st_size}


# --------------------------------------------------------------------------
# the sandbox


@contextmanager
def sandbox(cpus: str | None = None):
    """A fresh sandbox on a free port; yields the environment for clients.
    With `cpus`, the sandbox (all its threads) runs only on those CPUs."""
    with tempfile.TemporaryDirectory() as tmp:
        port_file = Path(tmp) / "port"
        logf = open(Path(tmp) / "log", "w")
        pin = ["taskset", "-c", cpus] if cpus else []  # taskset execs: the pid is the sandbox's
        p = subprocess.Popen(pin + [str(SANDBOX), "sandbox", "--port-file", str(port_file)], stdout=logf, stderr=logf)
        try:
            for _ in range(200):
                if port_file.exists() and port_file.read_text().strip():
                    break
                if p.poll() is not None:
                    break
                time.sleep(0.05)
            else:
                raise SystemExit("bench: the sandbox did not start")
            if p.poll() is not None:
                raise SystemExit("bench: the sandbox exited: " + (Path(tmp) / "log").read_text())
            env = dict(
                os.environ,
                VOICECB_BASE_URL=f"http://127.0.0.1:{port_file.read_text().strip()}",
                VOICECB_APP_KEY="sandbox-app-key",
                VOICECB_APP_SECRET="sandbox-app-secret",
                VOICECB_BENCH_SANDBOX_PID=str(p.pid),
                VOICECB_BENCH_LIB=str(REL / "libvoicecb.so"),
            )
            env.pop("VOICECB_LIBRARY", None)
            yield env
        finally:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            logf.close()


# --------------------------------------------------------------------------
# measuring


class Results:
    def __init__(self):
        self.values: dict[str, list[float]] = {}
        self.raw: list[dict] = []

    def add(self, key: str, value) -> None:
        if value is None:
            return
        self.values.setdefault(key, []).append(float(value))

    def has(self, key: str) -> bool:
        return bool(self.values.get(key))

    def med(self, key: str) -> float:
        v = self.values.get(key)
        return statistics.median(v) if v else float("nan")

    def lo(self, key: str) -> float:
        v = self.values.get(key)
        return min(v) if v else float("nan")

    def hi(self, key: str) -> float:
        v = self.values.get(key)
        return max(v) if v else float("nan")


def sizes(quick: bool) -> dict:
    s = dict(
        sign_iters=200_000,
        resolver_iters=1_000,
        paired_rounds=60,   # chunks per client in the paired round trips (50 calls; raw 200; urllib 10)
        warmup=300,
        thread_calls=6_000,
        peer_rounds=40,     # turns per client in the Python peer runs (Go and C: paired_rounds)
        strace_calls=1_000,   # the profile's N (and 3N)
        heap_calls=500,
        callgrind_calls=1_000,
        raw_thread_calls=40_000,
        growth_calls=100_000,  # at most 100,000: the sandbox closes a connection after 100,000 requests
        start_iters=200,
    )
    if quick:
        s.update(sign_iters=50_000, resolver_iters=200, paired_rounds=10, peer_rounds=8, warmup=50, strace_calls=150, heap_calls=100, callgrind_calls=200,
                 thread_calls=1_000, raw_thread_calls=6_000, growth_calls=10_000, start_iters=50)
    return s


def proc_stat() -> list[int] | None:
    """The machine's CPU time counters (user, nice, system, idle, iowait, ...)."""
    try:
        with open("/proc/stat") as fh:
            return [int(x) for x in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return None


def one_round(r: int, env: dict, res: Results, s: dict) -> None:
    """One round of every benchmark; ratios are taken within the round."""
    rb, py = str(RUST_BENCH), [str(VENV_PY), str(PY_BENCH)]

    # 1. Signing.
    got = {}
    for rec in records([rb, "sign", "--iters", s["sign_iters"], "--reps", 1], env):
        got[rec["variant"]] = rec["ns_per_op"]
        res.add(f"sign.{rec['variant']}", rec["ns_per_op"])
    for v in ("hmac_base64", "sign_with", "c_voicecb_sign", "c_voicecb_sign_fresh"):
        res.add(f"ratio.sign.{v}", got[v] / got["hmac"])

    # The resolver alone.
    for rec in records([rb, "resolver", "--iters", s["resolver_iters"], "--reps", 1], env):
        res.add(f"resolver.{rec['variant']}", rec["ns_per_op"])

    # 2. Sequential round trips. Clients that are compared run in one
    # process, taking turns in short chunks (paired), so that each ratio
    # compares measurements taken side by side.
    names = {"raw": "raw", "raw-ureqlike": "raw-ureqlike", "cabi": "c", "lib": "rust", "ureq": "ureq", "ureq-iplit": "ureq-iplit",
             "lib-localhost": "rust-localhost", "python": "python", "urllib": "urllib", "requests": "requests",
             "httpx": "httpx", "python-async": "python-async", "httpx-async": "httpx-async", "go": "go", "go-c": "go-c",
             "go-nethttp": "go-nethttp", "c-lib": "c-lib", "curl": "curl"}
    rounds_us = {}
    for cmd in (
        [rb, "paired", "--variants", "raw,raw-ureqlike,ureq-iplit,cabi,lib,ureq,lib-localhost", "--rounds", s["paired_rounds"],
         "--warmup", s["warmup"]],
        py + ["paired", "--rounds", s["peer_rounds"], "--warmup", s["warmup"]],
        py + ["paired-async", "--rounds", s["peer_rounds"], "--warmup", s["warmup"]],
        [GO_BENCH, "paired", "-rounds", s["paired_rounds"], "-warmup", s["warmup"]],
        [C_PEER, "paired", s["paired_rounds"], s["warmup"]],
    ):
        for rec in records(cmd, env):
            name = names[rec["variant"]]
            if rec["errors"]:
                raise SystemExit(f"bench: {name}: {rec['errors']} calls failed")
            rounds_us[name] = rec["rounds_us"]
            res.add(f"rt.{name}.us", rec["us_per_call"])
            res.add(f"rt.{name}.client_cpu", rec["client_cpu_us_per_call"])
            res.add(f"rt.{name}.server_cpu", rec.get("server_cpu_us_per_call"))

    def paired(f, *sides):
        return statistics.median(f(*vals) for vals in zip(*(rounds_us[x] for x in sides)))

    for name in ("c", "rust", "ureq", "ureq-iplit", "rust-localhost", "raw-ureqlike"):
        res.add(f"ratio.rt.{name}/raw", paired(lambda a, b: a / b, name, "raw"))
    for name in ("python", "go", "urllib", "go-c"):  # other processes: ratio of the round's medians
        res.add(f"ratio.rt.{name}/raw", res.values[f"rt.{name}.us"][-1] / res.values["rt.raw.us"][-1])
    res.add("ratio.rt.urllib/python", paired(lambda a, b: a / b, "urllib", "python"))
    res.add("ratio.rt.go/c", paired(lambda a, b: a / b, "go", "go-c"))
    res.add("ratio.rt.c/ureq-iplit", paired(lambda a, b: a / b, "c", "ureq-iplit"))
    res.add("ratio.rt.rust-localhost/rust", paired(lambda a, b: a / b, "rust-localhost", "rust"))
    # The ladder from the raw client to the library, one step at a time.
    for a, b in (("raw-ureqlike", "raw"), ("ureq-iplit", "raw-ureqlike"), ("c", "ureq-iplit"), ("rust", "ureq-iplit"),
                 ("ureq", "ureq-iplit"), ("c", "raw")):
        res.add(f"diff.rt.{a}-{b}", paired(lambda x, y: x - y, a, b))
    res.add("share.rt.resolver_of_ureq", paired(lambda a, b: (a - b) / a, "ureq", "ureq-iplit"))
    # The C ABI's client CPU per call against the raw client's, in the same
    # process and round.
    res.add("ratio.cpu.c/raw", res.values["rt.c.client_cpu"][-1] / res.values["rt.raw.client_cpu"][-1])
    res.add("ratio.cpu.rust/raw", res.values["rt.rust.client_cpu"][-1] / res.values["rt.raw.client_cpu"][-1])
    # What any client on ureq spends: the replica (a fresh nonce, signing,
    # ureq's agent, the answer parsed) on a transport making the raw
    # client's system calls, i.e. the replica on ureq's own transport less
    # what ureq's system calls cost on the raw socket (the ladder's first
    # step), in the same round.
    cpu_of = {k: res.values[f"rt.{k}.client_cpu"][-1] for k in ("ureq-iplit", "raw-ureqlike", "raw")}
    floor = cpu_of["ureq-iplit"] - (cpu_of["raw-ureqlike"] - cpu_of["raw"])
    res.add("cpu.ureq_floor", floor)
    res.add("ratio.cpu.ureq_floor/raw", floor / cpu_of["raw"])
    # Peers: what a user would write instead, each in its binding's process.
    # The ratio is the peer's time over the binding's, per turn: above 1, the
    # binding is faster.
    for peer, binding in PEERS:
        res.add(f"ratio.peer.{peer}", paired(lambda a, b: a / b, peer, binding))
        res.add(f"ratio.peercpu.{peer}", res.values[f"rt.{peer}.client_cpu"][-1] / res.values[f"rt.{binding}.client_cpu"][-1])

    # Events on and off (issue 15): four clients of the Rust API in one
    # process, taking turns; ratios per turn against the first.
    ev = {}
    for rec in records([rb, "paired", "--variants", ",".join(EVENT_VARIANTS), "--rounds", s["paired_rounds"],
                        "--warmup", s["warmup"]], env):
        if rec["errors"]:
            raise SystemExit(f"bench: events {rec['variant']}: {rec['errors']} calls failed")
        ev[rec["variant"]] = rec["rounds_us"]
        res.add(f"ev.{rec['variant']}.us", rec["us_per_call"])
        res.add(f"ev.{rec['variant']}.client_cpu", rec["client_cpu_us_per_call"])
    for v in EVENT_VARIANTS[1:]:
        res.add(f"ratio.ev.{v}", statistics.median(a / b for a, b in zip(ev[v], ev[EVENT_VARIANTS[0]])))

    # 4. Threads sharing one client: client CPU per call at 1, 2 and 4
    # threads, with a sandbox of its own pinned to the first CPU and the
    # client to the second, so that the two do not take each other's core
    # and contention in the client shows as its CPU per call rising.
    pinned = (os.cpu_count() or 1) >= 2 and shutil.which("taskset") is not None
    res.add("thr.pinned", 1.0 if pinned else 0.0)
    with sandbox("0" if pinned else None) as penv:
        pin = ["taskset", "-c", "1"] if pinned else []
        stat0 = proc_stat()
        for t in THREADS:
            for name, cmd in (
                ("c", [C_BENCH, "roundtrip", s["thread_calls"], s["warmup"], t]),
                ("rust", [rb, "roundtrip", "--variant", "lib", "--calls", s["thread_calls"], "--warmup", s["warmup"], "--threads", t]),
                ("raw", [rb, "roundtrip", "--variant", "raw", "--calls", s["raw_thread_calls"], "--warmup", s["warmup"], "--threads", t,
                         "--chunk", 500]),
            ):
                (rec,) = records(pin + cmd, penv)
                if rec["errors"]:
                    raise SystemExit(f"bench: threads {name} {t}: {rec['errors']} calls failed")
                res.add(f"thr.{name}.{t}.cps", rec["calls_per_s"])
                res.add(f"thr.{name}.{t}.client_cpu", rec["client_cpu_us_per_call"])
                res.add(f"thr.{name}.{t}.server_cpu", rec.get("server_cpu_us_per_call"))
        stat1 = proc_stat()
    for name in ("rust", "c", "raw"):
        for t in THREADS[1:]:
            res.add(f"ratio.thrcpu.{name}.{t}", res.values[f"thr.{name}.{t}.client_cpu"][-1] / res.values[f"thr.{name}.1.client_cpu"][-1])
    if stat0 and stat1:
        d = [b - a for a, b in zip(stat0, stat1)]
        res.add("thr.idle_share", (d[3] + d[4]) / max(sum(d[:8]), 1))

    # 4. Memory.
    (rec,) = records([C_BENCH, "clients"], env)
    for k in ("rss_base_kib", "rss_1_kib", "rss_1_called_kib", "rss_100_kib", "rss_100_called_kib"):
        res.add(f"mem.{k}", rec[k])
    (rec,) = records([C_BENCH, "growth", s["growth_calls"]], env)
    if rec["errors"]:
        raise SystemExit(f"bench: growth: {rec['errors']} calls failed")
    for k in ("rss_first_kib", "rss_1000_kib", "rss_end_kib", "rss_peak_kib", "growth_kib", "growth_after_1000_kib"):
        res.add(f"mem.growth.{k}", rec[k])
    for kib in (None, 16):
        (rec,) = records([rb, "clients"] + ([] if kib is None else ["--buffer-kib", kib]), env)
        res.add(f"mem.buffers.{rec['buffer_kib']:g}", rec["kib_per_connected_agent"])

    # 5. Start.
    for name, cmd in (
        ("rust", [rb, "start", "--iters", s["start_iters"]]),
        ("c", [C_BENCH, "start", s["start_iters"]]),
        ("python", py + ["start", "--iters", s["start_iters"]]),
        ("go", [GO_BENCH, "start", "-iters", s["start_iters"]]),
    ):
        (rec,) = records(cmd, env)
        for k in ("cold_us", "warm_us", "tls_cold_us", "tls_warm_us", "roots", "import_us"):
            if k in rec:
                res.add(f"start.{name}.{k}", rec[k])


# --------------------------------------------------------------------------
# profile: callgrind (perf when hardware counters work) and syscall counts


def perf_works() -> bool:
    if not shutil.which("perf"):
        return False
    p = subprocess.run(["perf", "stat", "-e", "instructions", "true"], capture_output=True, text=True)
    return p.returncode == 0 and "not supported" not in p.stderr and "instructions" in p.stderr


TOP_FUNCTIONS = 25
# ureq's agent, inclusive: everything `Agent::run` does for a request.
UREQ_AGENT = "ureq::middleware::MiddlewareNext::handle"
# ureq-proto, the sans-I/O HTTP/1.1 state machine under the agent.
PROTO_WRITE = "ureq_proto::client::sendreq::<impl ureq_proto::client::Call<ureq_proto::client::state::SendRequest>>::write"
PROTO_READ = "ureq_proto::client::recvresp::<impl ureq_proto::client::Call<ureq_proto::client::state::RecvResponse>>::try_response"
# The library's transport under the agent.
TRANSPORT = ("<voicecb::transport::LeanTcpTransport as ureq::unversioned::transport::Transport>::transmit_output",
             "<voicecb::transport::LeanTcpTransport as ureq::unversioned::transport::Transport>::await_input",
             "<voicecb::transport::LeanTcpTransport as ureq::unversioned::transport::Transport>::is_open")
CALLGRIND_FUNCS = [
    ("voicecb_click2call_send", "the whole call (C ABI)"),
    ("voicecb::client::Client::send", "sign, send, read (Client::send)"),
    (UREQ_AGENT, "ureq's agent: the whole HTTP exchange (pool, timeouts, request and response, ureq-proto, the transport)"),
    ("<ureq::unversioned::resolver::DefaultResolver as ureq::unversioned::resolver::Resolver>::resolve", "ureq DefaultResolver::resolve (spawns the thread)"),
    ("<std::sys::thread::unix::Thread>::new::thread_start", "the resolver threads themselves (getaddrinfo)"),
    ("<voicecb::resolver::CachingResolver as ureq::unversioned::resolver::Resolver>::resolve", "the library's resolver"),
    ("voicecb::signing::sign", "signing (nonce, Created, HMAC, Base64)"),
    ("voicecb::signing::sign_with", "signing: HMAC, Base64, the header"),
    ("voicecb::signing::created_now", "signing: Created, the time formatted"),
    ("voicecb::signing::fresh_nonce", "signing: the nonce"),
    ("voicecb::request::Click2Call::to_body_for", "validating and writing the JSON body"),
    ("voicecb::response::parse_call", "parsing the answer"),
    (PROTO_WRITE, "ureq-proto: writing the request head"),
    (PROTO_READ, "ureq-proto: parsing the response head"),
    ("sha2::sha256::compress256", "SHA-256 blocks (software under valgrind)"),
    ("malloc", "malloc (glibc), everything"),
    ("free", "free (glibc), everything"),
    ("core::fmt::write", "formatting (core::fmt::write), everything"),
]


def per_call_diff(small: dict, large: dict, n_small: int, n_large: int) -> dict:
    """Counts per call from two runs of the same program with different
    numbers of calls: what start-up and exit cost cancels out."""
    return {k: (large.get(k, 0) - small.get(k, 0)) / (n_large - n_small) for k in set(small) | set(large)}


def callgrind_incl(env: dict, calls: int) -> tuple[int, dict]:
    """Program total and inclusive instructions per function of a C ABI
    round trip of `calls` calls under callgrind."""
    out = OUT / f"callgrind.c.{calls}.out"
    run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", C_BENCH, "roundtrip", calls, 0, 1],
        env=env, capture=True)
    p = run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", out], capture=True)
    total = 0
    incl = {}
    for line in p.stdout.splitlines():
        m = re.match(r"^\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)$", line)
        if not m:
            continue
        n = int(m.group(1).replace(",", ""))
        rest = m.group(2)
        if rest.startswith("PROGRAM TOTALS"):
            total = n
            continue
        if rest.startswith(("=>", "<", ">", "*")):
            continue  # a call-tree line, not a function's own total
        fn = re.sub(r"\s+\[[^\]]*\]$", "", rest)  # the object file
        fn = re.sub(r"^(\?\?\?|\S+?\.(c|S|h|rs|cc|cpp)):", "", fn)  # the source file
        incl.setdefault(fn, n)
    return total, incl


def callgrind(env: dict, calls: int) -> dict | None:
    if not shutil.which("valgrind") or not shutil.which("callgrind_annotate"):
        return None
    (t1, i1), (t2, i2) = callgrind_incl(env, calls), callgrind_incl(env, 3 * calls)
    per = per_call_diff(i1, i2, calls, 3 * calls)
    total = (t2 - t1) / (2 * calls)
    rows = [(what, fn, per[fn], per[fn] / total) for fn, what in CALLGRIND_FUNCS if per.get(fn, 0) > 0]
    # Everything at or above 1% of a call, by inclusive count, less the
    # frames that only wrap the whole call (the thread's entry, the
    # benchmark's own loop): the library's entry point stands for them.
    top = sorted(((fn, n) for fn, n in per.items()
                  if n >= 0.01 * total and (n < 0.995 * total or fn.startswith("voicecb"))), key=lambda x: -x[1])
    layers = {"agent": per.get(UREQ_AGENT, 0.0), "proto": per.get(PROTO_WRITE, 0.0) + per.get(PROTO_READ, 0.0),
              "transport": sum(per.get(fn, 0.0) for fn in TRANSPORT)}
    return {"total_per_call": total, "rows": rows, "top": top[:TOP_FUNCTIONS], "calls": (calls, 3 * calls), "layers": layers,
            "file": str((OUT / f"callgrind.c.{3 * calls}.out").relative_to(ROOT))}


def profile_cases(calls: int) -> dict:
    """The clients of the profile: the command for `calls` calls."""
    rb = str(RUST_BENCH)
    return {
        "C ABI (library)": lambda n: [C_BENCH, "roundtrip", n, 0, 1],
        "C peer: libcurl, OpenSSL HMAC, cJSON": lambda n: [C_PEER, "curl", n],
        "ureq replica, IP-literal resolver": lambda n: [rb, "roundtrip", "--variant", "ureq-iplit", "--calls", n, "--warmup", 0],
        "raw client": lambda n: [rb, "roundtrip", "--variant", "raw", "--calls", n, "--warmup", 0],
    }


def strace_counts(env: dict, calls: int) -> dict | None:
    """System calls per call, by name: `strace -f -c` over runs of N and
    3N calls, the difference over 2N."""
    if not shutil.which("strace"):
        return None
    result = {}
    for name, cmd in profile_cases(calls).items():
        counts = []
        for n in (calls, 3 * calls):
            f = OUT / ("strace." + re.sub(r"\W+", "_", name) + f".{n}.txt")
            run(["strace", "-f", "-c", "-o", f] + cmd(n), env=env, capture=True)
            c = {}
            for line in f.read_text().splitlines():
                parts = line.split()
                if len(parts) >= 5 and re.match(r"^[\d.]+$", parts[0]) and parts[-1] != "total":
                    # % time, seconds, usecs/call, calls, [errors,] syscall
                    c[parts[-1]] = int(parts[3])
            counts.append(c)
        per = per_call_diff(counts[0], counts[1], calls, 3 * calls)
        result[name] = {k: v for k, v in per.items() if v >= 0.05}
    return result


def heap_allocs(env: dict, calls: int) -> dict | None:
    """Heap allocations and bytes allocated per call, from valgrind
    memcheck's "total heap usage" over runs of N and 3N calls."""
    if not shutil.which("valgrind"):
        return None
    result = {}
    for name, cmd in profile_cases(calls).items():
        got = []
        for n in (calls, 3 * calls):
            p = run(["valgrind", "--tool=memcheck", "--leak-check=no"] + cmd(n), env=env, capture=True)
            m = re.search(r"total heap usage: ([\d,]+) allocs, ([\d,]+) frees, ([\d,]+) bytes allocated", p.stderr)
            if not m:
                raise SystemExit(f"bench: no heap summary from valgrind for {name}")
            got.append({"allocs": int(m.group(1).replace(",", "")), "bytes": int(m.group(3).replace(",", ""))})
        result[name] = per_call_diff(got[0], got[1], calls, 3 * calls)
    return result


# --------------------------------------------------------------------------
# the report


def machine() -> dict:
    def cmd_out(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.strip().splitlines()[0]
        except Exception:
            return "?"

    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    commit = cmd_out(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "src", "Cargo.toml", "Cargo.lock"],
                           capture_output=True, text=True).stdout.strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": mem,
        "kernel": platform.release(),
        "os": cmd_out(["sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"]),
        "rustc": cmd_out(["rustc", "--version"]),
        "cc": cmd_out([os.environ.get("CC", "cc"), "--version"]),
        "go": cmd_out([os.environ.get("GO", "go"), "version"]),
        "python": platform.python_version(),
        "commit": commit + (" with uncommitted changes to src/" if dirty else ""),
    }


def f(x: float, digits: int = 1) -> str:
    if x != x:
        return "n/a"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}"


def spread(res: Results, key: str, digits: int = 1, scale: float = 1.0) -> str:
    if not res.has(key):
        return "n/a"
    return f"{f(res.med(key) * scale, digits)} ({f(res.lo(key) * scale, digits)}–{f(res.hi(key) * scale, digits)})"


def ratio(res: Results, key: str) -> str:
    if not res.has(key):
        return "n/a"
    return f"{res.med(key):.2f}x ({res.lo(key):.2f}–{res.hi(key):.2f})"


# key: (short name, what it is, language)
PEER_LABELS = {
    "python": ("the Python binding", "binding: `voicecb.Client.click2call`", "Python"),
    "requests": ("`requests.Session`", "`requests.Session`, signed by hand", "Python"),
    "httpx": ("`httpx.Client`", "`httpx.Client` (HTTP/1.1), signed by hand", "Python"),
    "urllib": ("the urllib way", "the vendor sample's way: urllib, a new connection per call", "Python"),
    "python-async": ("`voicecb.AsyncClient`", "binding: `voicecb.AsyncClient.click2call`, awaited", "Python asyncio"),
    "httpx-async": ("`httpx.AsyncClient`", "`httpx.AsyncClient` (HTTP/1.1), signed by hand, awaited", "Python asyncio"),
    "go": ("the Go binding", "binding: `Client.Click2Call`", "Go"),
    "go-nethttp": ("Go `net/http`", "`net/http`, one shared `http.Client`, signed with `crypto/hmac`", "Go"),
    "c-lib": ("the C ABI", "binding: `voicecb_click2call_send`", "C"),
    "curl": ("libcurl", "libcurl, one easy handle reused, OpenSSL `HMAC`, cJSON", "C"),
}


def peer_versions() -> str:
    pins = {}
    for line in (BENCH / "python" / "requirements.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            k, v = line.split("==", 1)
            pins[k.strip()] = v.strip()
    curl = subprocess.run(["curl-config", "--version"], capture_output=True, text=True).stdout.strip() or "libcurl ?"
    return (f"requests {pins.get('requests', '?')}, httpx {pins.get('httpx', '?')} (h11 {pins.get('h11', '?')}), "
            f"pinned in `bench/python/requirements.txt`; Go's standard library; {curl} (Debian's "
            "`libcurl4-openssl-dev`, installed by `bench/deps.sh`) with OpenSSL and cJSON")


def status(ok: bool) -> str:
    return "**met**" if ok else "**missed**"


def report(res: Results, info: dict, args, started: str, loads: tuple, so: dict, cg, st, heap, perf_ok: bool) -> str:
    L = []
    w = L.append
    w("# Benchmarks of libvoicecb")
    w("")
    w("Generated by `make bench` (`python3 bench/run.py`); do not edit by hand, run it again. "
      "The code is in [`bench/`](bench/README.md).")
    w("")
    w(f"- Command: `{' '.join(['python3', 'bench/run.py'] + sys.argv[1:])}`")
    w(f"- Date: {started} (UTC)")
    w(f"- Machine: {info['cpu']}, {info['cores']} cores, {info['memory']}; {info['os']}, Linux {info['kernel']}")
    w(f"- Tools: {info['rustc']}; {info['cc']}; {info['go']}; Python {info['python']}")
    w(f"- Library: commit {info['commit']}, release profile as shipped (`lto = true`, `codegen-units = 1`, `opt-level = 3`, `panic = \"unwind\"`)")
    w(f"- Load average (1 min) before / after: {loads[0]:.2f} / {loads[1]:.2f}"
      + (" — **the machine was not idle when the measurements started: treat absolute figures as noisy; the "
         "ratios, measured side by side, hold better**" if loads[0] > 0.5 else
         " (the run's own clients and sandbox make the load after)"))
    w(f"- Rounds: {args.rounds}{' (quick mode: fewer calls)' if args.quick else ''}. Every figure is the median over "
      "the rounds, then (min–max). Every ratio is computed within one round, from two measurements taken one "
      "after the other, then summarised the same way.")
    w("- Round trips go to the sandbox (`target/release/voicecb sandbox`) on 127.0.0.1 over keep-alive; "
      "the call is `click2Call` with `displayNbr` +8675512345678, `callerNbr` +8613800000001 and `calleeNbr` "
      "+8613800000486 (the sandbox's \"busy\" number, so each call ends by itself and the sandbox stays small).")
    w("")

    # ---- targets
    sign_r = res.med("ratio.sign.sign_with")
    csign_r = res.med("ratio.sign.c_voicecb_sign")
    c_raw = res.med("ratio.rt.c/raw")
    py_r = res.med("ratio.rt.urllib/python")
    go_r = res.med("ratio.rt.go/c")
    cpu_c_raw = res.med("ratio.cpu.c/raw")
    growth = res.med("mem.growth.growth_kib")
    growth_max = res.hi("mem.growth.growth_kib")
    w("## Targets")
    w("")
    w("| Target | Goal | Measured (median, min–max) | |")
    w("|---|---|---|---|")
    w(f"| Signing, `sign_with` vs bare HMAC | ≤ {TARGET_SIGN:g}x | {ratio(res, 'ratio.sign.sign_with')} | {status(sign_r <= TARGET_SIGN)} |")
    w(f"| Signing, C `voicecb_sign` vs bare HMAC | ≤ {TARGET_SIGN:g}x | {ratio(res, 'ratio.sign.c_voicecb_sign')} | {status(csign_r <= TARGET_SIGN)} |")
    w(f"| Round trip, C ABI vs raw client | ≤ {TARGET_C_VS_RAW:g}x | {ratio(res, 'ratio.rt.c/raw')} | {status(c_raw <= TARGET_C_VS_RAW)} |")
    w(f"| Round trip, urllib way vs Python binding | ≥ {TARGET_PY_VS_URLLIB:g}x | {ratio(res, 'ratio.rt.urllib/python')} | {status(py_r >= TARGET_PY_VS_URLLIB)} |")
    w(f"| Round trip, Go vs C | ≤ {TARGET_GO_VS_C:g}x | {ratio(res, 'ratio.rt.go/c')} | {status(go_r <= TARGET_GO_VS_C)} |")
    for peer, binding in PEERS:
        w(f"| {PEER_LABELS[binding][0]} at least as fast per call as {PEER_LABELS[peer][0]} (peer's time / binding's) | "
          f"≥ {TARGET_PEER:g}x | {ratio(res, f'ratio.peer.{peer}')} | {status(res.med(f'ratio.peer.{peer}') >= TARGET_PEER)} |")
    w(f"| C ABI client CPU per call vs the raw client's (same process, per round) | ≤ {TARGET_CPU_C_VS_RAW:g}x | "
      f"{ratio(res, 'ratio.cpu.c/raw')} ({f(res.med('rt.c.client_cpu'))} vs {f(res.med('rt.raw.client_cpu'))} µs; "
      f"any client on ureq: {ratio(res, 'ratio.cpu.ureq_floor/raw')}, below) | "
      f"{status(cpu_c_raw <= TARGET_CPU_C_VS_RAW)} |")
    w(f"| Memory growth over {res.med('n.growth_calls'):,.0f} calls | < 1024 KiB | {spread(res, 'mem.growth.growth_kib', 0)} KiB | {status(growth_max < TARGET_GROWTH_KIB)} |")
    w(f"| Stripped `libvoicecb.so` | < 4 MiB | {so['stripped_bytes'] / 1048576:.2f} MiB ({so['stripped_bytes']:,} bytes) | {status(so['stripped_bytes'] < TARGET_SO_BYTES)} |")
    w("")
    w(f"Earlier reports had a target of 1.6x the calls per second with 2 threads. On this machine ({info['cores']} cores, "
      "which the sandbox shares: every call costs CPU in the client *and* in the sandbox) it measured the machine's "
      "load more than the client, so it is replaced by what can be measured: the client's CPU per call at 1, 2 and 4 "
      "threads, with the sandbox and the client each pinned to a core of its own (section 4).")
    w("")

    # ---- 1. signing
    w("## 1. Signing")
    w("")
    w("Time to make one `X-AKSK` header for the same message (a 32-character nonce and a `Created`), against the floor: "
      "HMAC-SHA256 of that message alone with the `hmac` and `sha2` crates (the versions the library builds with). "
      "All rows run in one process, taking turns in chunks of 1,000 calls; the C rows call `voicecb_sign` of the "
      "shipped `libvoicecb.so` (loaded with dlopen) as a C program does.")
    w("")
    w("| What | ns per header | ratio to HMAC |")
    w("|---|---|---|")
    for key, label in (
        ("hmac", "HMAC-SHA256 alone (floor)"),
        ("hmac_base64", "HMAC-SHA256 + Base64"),
        ("sign_with", "`voicecb::sign_with`"),
        ("c_voicecb_sign", "C `voicecb_sign` (given nonce and Created; both strings freed)"),
        ("c_voicecb_sign_fresh", "C `voicecb_sign` with NULL, NULL: fresh CSPRNG nonce and the time now, as every request does"),
    ):
        r = "1" if key == "hmac" else ratio(res, f"ratio.sign.{key}")
        w(f"| {label} | {spread(res, f'sign.{key}', 0)} | {r} |")
    w("")

    # ---- 2. round trip
    raw_us = res.med("rt.raw.us")
    w("## 2. Round trip")
    w("")
    w("Sequential `click2Call` calls, each client on one kept-alive connection. Clients that are compared run "
      "in one process and take turns in short chunks (50 calls; the raw client 200, urllib 10), the order turning "
      f"every turn, {int(res.med('n.paired_rounds'))} turns per client and round: the raw client, the C ABI (the shipped "
      "`libvoicecb.so` loaded with dlopen, one request built once, as a C program does) and the Rust API in one Rust "
      "process; the Python binding, the urllib way and the Python peers of section 3 in one Python process "
      f"({int(res.med('n.peer_rounds'))} turns); the Go binding, C calls on the same library and the Go peer in one Go "
      "process. *µs per call* is the median over the turns. A ratio is the median over the turns of "
      "the ratio of two neighbouring chunks, so whatever else the machine does hits both sides alike; ratios across "
      "processes (marked †) divide the two medians instead. *Client CPU* is the CPU time of the client process per "
      "call (user + system, all its threads), *sandbox CPU* that of the sandbox process (from /proc, 10 ms ticks), so "
      "client cost and server cost can be told apart.")
    w("")
    w("| Client | µs per call | ratio to raw | client CPU µs/call | sandbox CPU µs/call |")
    w("|---|---|---|---|---|")
    for key, label, cross in (
        ("raw", "raw client: byte-identical pre-signed requests, one socket (floor)", False),
        ("c", "C ABI (`voicecb_click2call_send`)", False),
        ("rust", "Rust API (`Client::click2call`)", False),
        ("go", "Go binding (`Client.Click2Call`)", True),
        ("go-c", "C ABI called from C inside the Go process (the Go row's pair)", True),
        ("python", "Python binding (`Client.click2call`)", True),
        ("urllib", "the vendor sample's way: urllib, a new connection per call, signing in Python", True),
    ):
        r = "1" if key == "raw" else ratio(res, f"ratio.rt.{key}/raw") + (" †" if cross else "")
        w(f"| {label} | {spread(res, f'rt.{key}.us')} | {r} | {f(res.med(f'rt.{key}.client_cpu'))} | "
          f"{f(res.med(f'rt.{key}.server_cpu'))} |")
    w("")
    w(f"- C ABI vs raw: {ratio(res, 'ratio.rt.c/raw')} (target ≤ {TARGET_C_VS_RAW:g}x).")
    w(f"- urllib way vs Python binding: {ratio(res, 'ratio.rt.urllib/python')} (the binding is that many times faster; target ≥ {TARGET_PY_VS_URLLIB:g}x).")
    w(f"- Go vs C: {ratio(res, 'ratio.rt.go/c')} (target ≤ {TARGET_GO_VS_C:g}x), the Go binding against C calls "
      "on the same library in the same process.")
    w("")
    w(f"**The sandbox itself** answers the raw client in {spread(res, 'rt.raw.us')} µs per call, loopback and the "
      f"client's two system calls included, and spends about {f(res.med('rt.raw.server_cpu'))} µs of CPU per request. "
      "That is the floor for every client here, and it is far below a real platform's network round trip (milliseconds): "
      "ratios to it magnify client cost that a real deployment would not notice, which is what they are meant to show.")
    w("")
    w("### Where the round trip goes")
    w("")
    w("A ladder from the raw client to the library, all in the one paired Rust process, each step adding one thing "
      "(`bench/rust/src/roundtrip.rs`). The ureq agents are replicas of the library's (the configuration of "
      "`Client::build`; a nonce, `Created` and signature made by the library's own functions, the request built as "
      "`Client::send` builds it, the same body, the answer parsed by the library's parser).")
    w("")
    w("| Step | µs per call | ratio to raw | adds (µs, paired) | client CPU µs/call | sandbox CPU µs/call |")
    w("|---|---|---|---|---|---|")
    for key, label, diff in (
        ("raw", "raw client: one write, one read per call", None),
        ("raw-ureqlike", "raw client making ureq's system calls: a non-blocking liveness read as the connection leaves and "
                         "re-enters the pool, a timeout before each write and the read, head and body in two writes",
         "diff.rt.raw-ureqlike-raw"),
        ("ureq-iplit", "ureq agent configured like the library's, on ureq's own TCP transport, with a resolver that answers IP "
                       "literals without a thread: adds ureq's own work", "diff.rt.ureq-iplit-raw-ureqlike"),
        ("c", "the library through the C ABI: adds signing, validation, JSON, parsing, the FFI boundary, and takes "
         "away most of the system calls of the second row (its own TCP transport, src/transport.rs)",
         "diff.rt.c-ureq-iplit"),
        ("rust", "the library through the Rust API", "diff.rt.rust-ureq-iplit"),
        ("ureq", "ureq agent like the library's with ureq's `DefaultResolver` (a thread per request), against the "
                 "thread-free one", "diff.rt.ureq-ureq-iplit"),
        ("rust-localhost", "the library with `http://localhost:PORT` (a name instead of an IP literal)", None),
    ):
        r = "1" if key == "raw" else ratio(res, f"ratio.rt.{key}/raw")
        w(f"| {label} | {spread(res, f'rt.{key}.us')} | {r} | {spread(res, diff) if diff else ''} | "
          f"{f(res.med(f'rt.{key}.client_cpu'))} | {f(res.med(f'rt.{key}.server_cpu'))} |")
    w("")
    lib_vs_free = res.med("ratio.rt.c/ureq-iplit")
    w(f"- ureq's `DefaultResolver`, given a timeout, spawns a thread per request to run `getaddrinfo`, for an IP "
      f"literal too and before the pool is asked for a kept-alive connection: {spread(res, 'diff.rt.ureq-ureq-iplit')} µs "
      f"per request, {res.med('share.rt.resolver_of_ureq') * 100:.0f}% of such a round trip.")
    if lib_vs_free <= 1.3:
        w(f"- The library does not pay it: its C ABI round trip is {ratio(res, 'ratio.rt.c/ureq-iplit')} the thread-free "
          "agent's (its resolver, `src/resolver.rs`, answers IP literals at once and remembers names). With a host "
          f"name it is {ratio(res, 'ratio.rt.rust-localhost/rust')} its IP-literal round trip.")
    else:
        w(f"- The library pays it: its C ABI round trip is {ratio(res, 'ratio.rt.c/ureq-iplit')} the thread-free agent's.")
    w("")
    w("`DefaultResolver::resolve` alone, per call (ns):")
    w("")
    w("| Resolve | ns per call |")
    w("|---|---|")
    for key, label in (
        ("default_ip_timeout", "127.0.0.1 with a timeout (what the library does): a thread per call"),
        ("default_ip_no_timeout", "127.0.0.1 without a timeout: `to_socket_addrs` on the calling thread"),
        ("default_localhost_timeout", "localhost with a timeout"),
        ("default_localhost_no_timeout", "localhost without a timeout"),
        ("ip_literal", "IP-literal resolver (parse only)"),
    ):
        w(f"| {label} | {spread(res, f'resolver.{key}', 0)} |")
    w("")
    # ---- 3. peers
    w("## 3. Against what users would write instead")
    w("")
    w("Each binding against a click2Call that a user of its language would write without libvoicecb: signed by hand "
      "(HMAC-SHA256 of nonce + Created, Base64, a fresh random nonce and `Created` in UTC per request) and sent through "
      "the HTTP client everyone uses there, with keep-alive on both sides; every peer parses the JSON answer and checks "
      "`resultcode` \"0\" on every call, as the binding does, and a failed check ends the run. Peer and binding run in "
      "one process and take turns in chunks (the binding 50 calls; requests and httpx 20, urllib 10, net/http and "
      f"libcurl 50), the order turning every turn; {int(res.med('n.peer_rounds'))} turns per client and round "
      f"(Go and C: {int(res.med('n.paired_rounds'))}). *Peer / binding* is the median over the turns of the peer's time per "
      "call over the binding's in the neighbouring chunk: above 1, the binding is faster. Client CPU is the process's "
      "CPU time (user + system, all threads) while that client ran, per call.")
    w("")
    w(f"Peers: {peer_versions()}.")
    w("")
    w("| Language | Client | µs per call | client CPU µs/call | peer / binding (time) | peer / binding (client CPU) |")
    w("|---|---|---|---|---|---|")
    shown = set()
    for peer, binding in PEERS:
        for key in (binding, peer):
            if key in shown:
                continue
            shown.add(key)
            r = ("1" if key == binding else ratio(res, f"ratio.peer.{key}"))
            rc = ("1" if key == binding else ratio(res, f"ratio.peercpu.{key}"))
            w(f"| {PEER_LABELS[key][2]} | {PEER_LABELS[key][1]} | {spread(res, f'rt.{key}.us')} | "
              f"{f(res.med(f'rt.{key}.client_cpu'))} | {r} | {rc} |")
    w("")
    slow = [peer for peer, _ in PEERS if res.med(f"ratio.peer.{peer}") < TARGET_PEER]
    if slow:
        w("- Peers faster than their binding at the median: " + ", ".join(PEER_LABELS[p][0] for p in slow) + ".")
    else:
        w("- Every binding is at least as fast per call as every peer of its language, at the median of the rounds.")
    w("- The async pair awaits one call at a time: `voicecb.AsyncClient` runs each call on a thread of its pool (the "
      "library releases the GIL), `httpx.AsyncClient` on the event loop itself.")
    w("- The C ABI row here is the C ABI in the libcurl peer's process (`bench/c/peer_curl.c`), the Go binding's pair is "
      "net/http in the Go benchmark's process: their figures differ a little from section 2's, measured in other "
      "processes at other moments.")
    w("")

    # ---- 4. threads
    pinned = res.med("thr.pinned") == 1.0
    w("## 4. Threads sharing one client: client CPU per call")
    w("")
    if pinned:
        w(f"1, 2 and 4 threads share one client, placing calls back to back. The machine has {info['cores']} cores, which "
          "the sandbox shares, so calls per second with more threads measure the machine's load more than the client "
          "(earlier reports' 2-thread target, now dropped). Here a sandbox of its own runs pinned to CPU 0 "
          "(`taskset -c 0`) and the client to CPU 1 (`taskset -c 1`): the client's threads share one core and never "
          "wait for the sandbox's, and what sharing one client costs (locks, the connection pool, cache lines moving) "
          "shows as the client's CPU per call rising with the threads. The raw client (one socket per thread, no "
          "shared state) shows what the kernel and the loopback add by themselves.")
    else:
        w("This machine has one core (or no `taskset`): nothing is pinned, so the figures below mix the client's and "
          "the sandbox's cost.")
    w("")
    w("| Client | threads | client CPU µs/call | ratio to 1 thread (CPU per call) | calls/s | sandbox CPU µs/call |")
    w("|---|---|---|---|---|---|")
    for name, label in (("c", "C ABI"), ("rust", "Rust API"), ("raw", "raw client")):
        for t in THREADS:
            r = "1" if t == 1 else ratio(res, f"ratio.thrcpu.{name}.{t}")
            w(f"| {label} | {t} | {spread(res, f'thr.{name}.{t}.client_cpu')} | {r} | "
              f"{spread(res, f'thr.{name}.{t}.cps', 0)} | {f(res.med(f'thr.{name}.{t}.server_cpu'))} |")
    w("")
    w("Each row is its own process (one per client and thread count), so the ratios to 1 thread divide the round's "
      "figures rather than pairing turns. Calls per second are bounded by the sandbox on its single core. Pinning "
      "keeps the two apart, not other work out: the machine was idle "
      f"{res.med('thr.idle_share') * 100:.0f}% of the time during these runs.")
    w("")

    # ---- 5. memory
    w("## 5. Memory")
    w("")
    w("Resident memory (VmRSS) of a C program linked to `libvoicecb.so`; medians (min–max) in KiB.")
    w("")
    w("| Process | RSS KiB |")
    w("|---|---|")
    w(f"| library loaded, no client | {spread(res, 'mem.rss_base_kib', 0)} |")
    w(f"| one client | {spread(res, 'mem.rss_1_kib', 0)} |")
    w(f"| one client after one call (one pooled connection) | {spread(res, 'mem.rss_1_called_kib', 0)} |")
    w(f"| 100 clients | {spread(res, 'mem.rss_100_kib', 0)} |")
    w(f"| 100 clients after one call each | {spread(res, 'mem.rss_100_called_kib', 0)} |")
    w("")
    per_idle = (res.med("mem.rss_100_kib") - res.med("mem.rss_1_kib")) / 99
    per_conn = (res.med("mem.rss_100_called_kib") - res.med("mem.rss_100_kib")) / 100
    w(f"An idle client costs about {per_idle:.1f} KiB; a client's first call about {per_conn:.0f} KiB more, nearly all "
      "of it the connection's read and write buffers (the library sets 16 KiB each; ureq's default is 128 KiB). Replicas of the library's agent "
      f"with one connection each: {f(res.med('mem.buffers.128'), 0)} KiB per agent with ureq's default buffers, "
      f"{f(res.med('mem.buffers.16'), 0)} KiB with 16 KiB buffers.")
    w("")
    w(f"Growth: one client, {res.med('n.growth_calls'):,.0f} calls in all, over one kept-alive connection:")
    w("")
    w("| | KiB |")
    w("|---|---|")
    w(f"| RSS after the first call (connection open) | {spread(res, 'mem.growth.rss_first_kib', 0)} |")
    w(f"| RSS after 1,000 calls | {spread(res, 'mem.growth.rss_1000_kib', 0)} |")
    w(f"| RSS after the last call | {spread(res, 'mem.growth.rss_end_kib', 0)} |")
    w(f"| highest RSS seen (every 1,000 calls) | {spread(res, 'mem.growth.rss_peak_kib', 0)} |")
    w(f"| **growth: highest RSS minus RSS after the first call** | {spread(res, 'mem.growth.growth_kib', 0)} |")
    w(f"| growth: highest RSS minus RSS after 1,000 calls | {spread(res, 'mem.growth.growth_after_1000_kib', 0)} |")
    w("")
    w("Growth is taken from the highest RSS seen, not the last: the sandbox closes a connection after its 100,000th "
      "request, so the client drops its connection, and frees that connection's buffers, right at the end of the run.")
    w("")
    w("The load runs of issue 7 (8 threads sharing one client, 10,000 calls each, RSS after 8,000 and 80,000 calls) "
      "are `make load`; they print their results and are not part of this report.")
    w("")
    w(f"`libvoicecb.so`: {so['so_bytes']:,} bytes as built, **{so['stripped_bytes']:,} bytes "
      f"({so['stripped_bytes'] / 1048576:.2f} MiB) stripped** (`strip --strip-all` of a copy).")
    w("")

    # ---- 6. start
    w("## 6. Start")
    w("")
    w("Time to create a client with the default settings (production https URL, built-in roots): the first one "
      "in a fresh process, and the median of later ones. ureq does not build its TLS configuration when the client "
      "is made but on the client's first https connection; that step (a rustls `ClientConfig` on ring with the "
      f"{f(res.med('start.rust.roots'), 0)} built-in webpki roots, ureq's `build_config`) is timed on its own by "
      "repeating it (`bench/rust/src/start.rs`).")
    w("")
    w("| Language | first client µs | later clients µs |")
    w("|---|---|---|")
    for name, label in (("rust", "Rust (`Client::builder().build()`)"), ("c", "C (`voicecb_client_new`)"),
                        ("go", "Go (`NewClient`)"), ("python", "Python (`voicecb.Client`)")):
        w(f"| {label} | {spread(res, f'start.{name}.cold_us')} | {spread(res, f'start.{name}.warm_us', 2)} |")
    w(f"| TLS configuration with the root certificates, at the first https connection | "
      f"{spread(res, 'start.rust.tls_cold_us')} | {spread(res, 'start.rust.tls_warm_us', 2)} |")
    w("")
    w(f"- A first client is ready to send in about {f(res.med('start.rust.cold_us') + res.med('start.rust.tls_cold_us'), 0)} µs, "
      "root certificates included (plus the TCP and TLS handshakes of its first connection, which depend on the network).")
    w(f"- Python: `import voicecb` (loading the library, checking its ABI) takes {spread(res, 'start.python.import_us', 0)} µs.")
    w("")

    # ---- 7. events
    w("## 7. Events on and off (issue 15)")
    w("")
    w("Four clients of the Rust API in one process, each with its own kept-alive connection, taking turns in chunks "
      f"of 50 calls for {int(res.med('n.paired_rounds'))} turns, the order turning every turn; the ratio is per turn, "
      "against the first client.")
    w("")
    w("| Client | µs per call | client CPU µs/call | ratio to `lib` |")
    w("|---|---|---|---|")
    for v, label in zip(EVENT_VARIANTS, ("`lib`: events off", "`lib-again`: events off, a second client (the noise floor)",
                                         "`lib-events-noop`: `on_event` with a callback that does nothing",
                                         "`lib-events-line`: `on_event` formatting each event's log line")):
        r = "1" if v == EVENT_VARIANTS[0] else ratio(res, f"ratio.ev.{v}")
        w(f"| {label} | {spread(res, f'ev.{v}.us')} | {f(res.med(f'ev.{v}.client_cpu'))} | {r} |")
    w("")
    w("Events off cost nothing a round trip shows: with no callback and no logger enabled for the target, a call "
      "checks an `Option`, reads the `log` crate's level (an atomic load) and builds nothing.")
    w("")

    # ---- profile
    w("## Profile")
    w("")
    w("Where a C ABI call's client cost goes, per call. Every count here comes from two runs of the same program, "
      "one with N calls and one with 3N, and is their difference over 2N: what starting and ending the process "
      "costs cancels out.")
    w("")
    if st:
        w(f"**System calls per call** (`strace -f -c`, all threads; N = {res.med('n.strace_calls'):,.0f}); calls at "
          "0.05 per call or more:")
        w("")
        names = list(st)
        w("| System call | " + " | ".join(names) + " |")
        w("|---|" + "---|" * len(names))
        calls_all = sorted({k for v in st.values() for k in v}, key=lambda k: -max(v.get(k, 0) for v in st.values()))
        for sc in calls_all:
            w(f"| `{sc}` | " + " | ".join(f"{st[n].get(sc, 0):.1f}" for n in names) + " |")
        w("| **total** | " + " | ".join(f"**{sum(st[n].values()):.1f}**" for n in names) + " |")
        w("")
    if heap:
        w(f"**Heap allocations per call** (valgrind memcheck's \"total heap usage\"; N = {res.med('n.heap_calls'):,.0f}):")
        w("")
        w("| Client | allocations per call | bytes allocated per call |")
        w("|---|---|---|")
        for name, v in heap.items():
            w(f"| {name} | {v['allocs']:.1f} | {v['bytes']:,.0f} |")
        w("")
    if perf_ok:
        w("`perf stat -e instructions true` works on this machine; callgrind is used anyway for a count that does "
          "not depend on the machine's load.")
    else:
        w("`perf stat -e instructions true` does not work on this machine (no hardware counters), so the profile is "
          "valgrind's callgrind.")
    w("")
    if cg:
        w(f"**Instructions per call**: a C ABI round trip (`bench_c roundtrip`, one thread) under callgrind, "
          f"{cg['calls'][0]:,} and {cg['calls'][1]:,} calls ({cg['file']}): {cg['total_per_call']:,.0f} user-space "
          "instructions per call in the client process, all threads. The parts of a call, inclusive:")
        w("")
        w("| Part | Function | instructions per call | share |")
        w("|---|---|---|---|")
        for what, fn, per, share in cg["rows"]:
            w(f"| {what} | `{fn[:90]}` | {per:,.0f} | {share * 100:.1f}% |")
        w("")
        w(f"The top {len(cg['top'])} functions by inclusive instructions per call (1% of a call or more; the frames "
          "that only wrap the whole call, the thread's entry and the benchmark's loop, left out):")
        w("")
        w("| Function | instructions per call | share |")
        w("|---|---|---|")
        for fn, per in cg["top"]:
            w(f"| `{fn[:110]}` | {per:,.0f} | {per / cg['total_per_call'] * 100:.1f}% |")
        w("")
        w("Read it with two caveats. Valgrind hides SHA-NI from the program, so SHA-256 runs in software there and "
          "signing looks far bigger than it is natively (table 1: under a microsecond). And callgrind counts user-space "
          "instructions only: system calls cost mostly in the kernel (the system-call table above), which the client "
          "CPU figures of sections 2 and 3 include.")
    else:
        w("(valgrind or callgrind_annotate not found: no profile.)")
    w("")

    # ---- what bounds the rest
    w("## What bounds the rest")
    w("")
    c_us = res.med("rt.c.us")
    sys_n = sum(st["C ABI (library)"].values()) if st else float("nan")
    raw_sys = sum(st["raw client"].values()) if st else float("nan")
    c_allocs = heap["C ABI (library)"]["allocs"] if heap else float("nan")
    cg_total = cg["total_per_call"] if cg else float("nan")
    w(f"- **Round trip, C ABI vs raw ({c_raw:.2f}x, target {TARGET_C_VS_RAW:g}x).** The sandbox answers the raw client in "
      f"about {f(raw_us)} µs, so the target leaves the client about {f(raw_us * (TARGET_C_VS_RAW - 1))} µs per call; the "
      f"C ABI takes {f(c_us)} µs, {spread(res, 'diff.rt.c-raw')} µs more (paired). The ladder above measures what "
      f"ureq would cost: its system calls (a replica of them on the raw socket) add {f(res.med('diff.rt.raw-ureqlike-raw'))} µs, "
      f"its user-space work {f(res.med('diff.rt.ureq-iplit-raw-ureqlike'))} µs, and the library on top of such an agent "
      f"{f(res.med('diff.rt.c-ureq-iplit'))} µs (signing with a fresh nonce, validation, JSON, parsing, the boundary, "
      "less what its own TCP transport saves on ureq's system calls). "
      f"The library itself makes {f(sys_n)} system calls per call, the raw client {f(raw_sys)} (profile). Against the "
      "real platform, whose round trip is milliseconds, none of this shows.")
    w(f"- **Client CPU, C ABI vs raw ({cpu_c_raw:.2f}x, target {TARGET_CPU_C_VS_RAW:g}x).** The C ABI spends "
      f"{f(res.med('rt.c.client_cpu'))} µs of client CPU per call, the Rust API {f(res.med('rt.rust.client_cpu'))} µs "
      f"({ratio(res, 'ratio.cpu.rust/raw')}), the raw client {f(res.med('rt.raw.client_cpu'))} µs (section 2, same "
      f"process). The profile counts what the difference is made of: {f(sys_n)} system calls per call against the raw "
      f"client's {f(raw_sys)}, {f(c_allocs)} heap allocations per call, and {f(cg_total, 0)} user-space instructions "
      "per call.")
    floor_r = res.med("ratio.cpu.ureq_floor/raw")
    room = TARGET_CPU_C_VS_RAW * res.med("rt.raw.client_cpu") - res.med("cpu.ureq_floor")
    above = res.med("rt.c.client_cpu") - res.med("cpu.ureq_floor")
    w(f"  - **{'ureq is the floor' if floor_r >= 0.9 * TARGET_CPU_C_VS_RAW else 'What ureq leaves'}.** What every "
      "client of the API does on ureq (a fresh nonce, signing, ureq's agent, the answer parsed: the ladder's ureq "
      "replica) on a transport that makes only the raw client's two system calls spends "
      f"{spread(res, 'cpu.ureq_floor')} µs of client CPU per call, {ratio(res, 'ratio.cpu.ureq_floor/raw')} the raw "
      "client's (the replica on ureq's own transport, less what ureq's system calls cost on the raw socket, in the "
      "same round). " + (
          f"That leaves {f(room)} µs under the target for all the rest the library does" if room >= 0 else
          f"That floor alone is {f(-room)} µs over the target, before anything the library does on top of it") +
      " (validating the request, writing its JSON body, the FFI boundary, the events and errors; its own transport "
      f"makes one system call more than the raw client), which takes {f(above)} µs more in the C ABI.")
    if cg:
        lay = cg["layers"]
        agent_own = lay["agent"] - lay["proto"] - lay["transport"]
        w(f"  - In the profile, ureq's agent (`Agent::run`, inclusive) is {lay['agent']:,.0f} of the "
          f"{cg_total:,.0f} instructions of a call ({lay['agent'] / cg_total * 100:.0f}%): ureq-proto writing the "
          f"request head and parsing the answer's {lay['proto']:,.0f}, the library's transport {lay['transport']:,.0f}, "
          f"and the agent itself {agent_own:,.0f} ({agent_own / cg_total * 100:.0f}% of the call: the pool, "
          "the timeouts computed at every step, the `http` request and response objects, the body readers, and "
          "their allocations).")
        w(f"  - **What would move it**: driving ureq-proto (the sans-I/O HTTP/1.1 state machine under ureq, which "
          "does the protocol's work) directly over the library's own transport and a pool of its own, instead of "
          f"through ureq's agent. That can save at most the agent's own {agent_own:,.0f} instructions per call, "
          "less what the pool, the timeouts and the error mapping it would replace cost in the library; TLS, "
          "proxies and connection set-up would still come from ureq's connectors. It is a rewrite of the library's "
          "HTTP layer, not done here.")
    cpu_rise = res.med("ratio.thrcpu.c.4")
    raw_rise = res.med("ratio.thrcpu.raw.4")
    w(f"- **Threads.** With the sandbox and the client on a core each, the C ABI's client CPU per call is "
      f"{ratio(res, 'ratio.thrcpu.c.2')} its 1-thread figure with 2 threads and {ratio(res, 'ratio.thrcpu.c.4')} with 4 "
      f"(the raw client, sharing nothing: {ratio(res, 'ratio.thrcpu.raw.2')} and {ratio(res, 'ratio.thrcpu.raw.4')}). "
      + ("It does not rise: no contention shows. " if cpu_rise <= 1.05 else
         "It rises: sharing one client costs CPU per call. " if cpu_rise > raw_rise * 1.1 else
         "It rises no more than the raw client's, which shares nothing. ")
      + ("Where it falls, a lone thread pays for sleeping and waking its core on every call, which busy threads on "
         "the same core do not." if min(cpu_rise, raw_rise) < 1 else ""))
    if res.has("ratio.peer.curl"):
        curl_sys = sum(st["C peer: libcurl, OpenSSL HMAC, cJSON"].values()) if st else float("nan")
        curl_allocs = heap["C peer: libcurl, OpenSSL HMAC, cJSON"]["allocs"] if heap else float("nan")
        w(f"- **C ABI vs libcurl ({res.med('ratio.peer.curl'):.2f}x, target ≥ {TARGET_PEER:g}x).** Per call the C ABI "
          f"spends {f(res.med('rt.c-lib.client_cpu'))} µs of client CPU, libcurl {f(res.med('rt.curl.client_cpu'))} µs "
          f"(same process); the C ABI makes {f(sys_n)} system calls and {f(c_allocs)} heap allocations, libcurl "
          f"{f(curl_sys)} and {f(curl_allocs)} (profile).")
    go_extra = res.med("rt.go.client_cpu") - res.med("rt.go-c.client_cpu")
    w(f"- **Go ({go_r:.2f}x C).** The Go binding spends {f(go_extra)} µs more client CPU per call than C calls on the "
      "same library in the same process. Per call it builds the request through C: nine cgo calls besides the send "
      "(three `C.CString`, `voicecb_click2call_new`, `voicecb_string_free`, three `C.free`, "
      "`voicecb_click2call_free`), about a microsecond; the rest is the send itself blocking in a cgo call for the "
      "whole round trip, long enough for Go's scheduler to hand the goroutine's P to another thread and take it back "
      "afterwards, which costs more the busier the machine is.")
    w(f"- **Memory.** Growth over the calls is {f(growth, 0)} KiB (median, highest RSS minus RSS after the first call); "
      "RSS stays flat once the connection is open and the allocator's arenas are warm. What a client holds is its "
      "pooled connections: about 35 KiB each with the library's 16 KiB buffers (265 KiB with ureq's default ones, "
      "section 5), up to 64 idle connections per client.")
    w("")
    return "\n".join(L) + "\n"


# --------------------------------------------------------------------------
# load runs (issue 7)


def load_runs(args) -> int:
    quick = args.quick
    plans = [
        ("Rust API, 8 threads", [RUST_BENCH, "load", "--threads", 8, "--calls-per-thread", 1000 if quick else 10_000]),
        ("C ABI, 8 threads", [C_LOAD, 8, 1000 if quick else 10_000, 1024]),
        ("Python binding, 8 threads", [VENV_PY, PY_BENCH, "load", "--threads", 8, "--calls-per-thread", 250 if quick else 2_000,
                                       "--max-growth-kib", -1]),
        ("Go binding, 16 goroutines", [GO_BENCH, "load", "-goroutines", 16, "-calls-per-goroutine", 125 if quick else 1_000,
                                       "-max-growth-kib", -1]),
    ]
    failed = []
    summary = []
    for name, cmd in plans:
        with sandbox() as env:
            p = run(cmd, env=env, capture=True, check=False)
        sys.stderr.write(p.stderr)
        lines = p.stdout.splitlines()
        text = [l for l in lines if not l.startswith("{")]
        rec = next((json.loads(l) for l in lines if l.startswith("{")), None)
        for l in text:
            print(l, flush=True)
        if p.returncode != 0 or rec is None:
            failed.append(name)
        summary.append((name, rec, p.returncode))
    print()
    print("| Load run | calls | errors | calls/s | RSS at 1/10 of the calls KiB | RSS at the end KiB | growth KiB | |")
    print("|---|---|---|---|---|---|---|---|")
    for name, rec, rc in summary:
        if rec is None:
            print(f"| {name} | - | - | - | - | - | - | failed ({rc}) |")
            continue
        print(f"| {name} | {rec['calls']:,} | {rec['errors']} | {rec['calls'] / rec['wall_s']:,.0f} | "
              f"{rec['rss_checkpoint_kib']:,} (after {rec['checkpoint']:,}) | {rec['rss_end_kib']:,} | {rec['growth_kib']:+,} | "
              f"{'ok' if rc == 0 else 'FAILED'} |")
    print()
    print("Memory is checked (at most 1024 KiB of growth) for the Rust and C runs; for Python and Go it is shown "
          "only, since their runtimes' heaps move more than that on their own.")
    if failed:
        print("load: FAILED: " + ", ".join(failed))
        return 1
    print("load: every run passed")
    return 0


# --------------------------------------------------------------------------


def settle(limit_s: float = 150.0) -> None:
    """Waits, at most `limit_s`, for the 1-minute load average to fall under
    0.5 after the builds, so that the first measurements do not share the
    machine with their tail (it decays from 2 to 0.5 in about 80 s)."""
    deadline = time.monotonic() + limit_s
    while os.getloadavg()[0] > 0.5 and time.monotonic() < deadline:
        time.sleep(5)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", nargs="?", default="bench", choices=["bench", "load"])
    ap.add_argument("--rounds", type=int, default=None)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--no-profile", action="store_true")
    ap.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"))
    args = ap.parse_args()
    if args.rounds is None:
        args.rounds = 3 if args.quick else 5
    build(args.no_build)
    if args.what == "load":
        return load_runs(args)

    settle()
    started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")
    load_before = os.getloadavg()[0]
    info = machine()
    so = stripped_size()
    s = sizes(args.quick)
    res = Results()
    res.add("n.growth_calls", s["growth_calls"])
    res.add("n.paired_rounds", s["paired_rounds"])
    res.add("n.peer_rounds", s["peer_rounds"])
    res.add("n.strace_calls", s["strace_calls"])
    res.add("n.heap_calls", s["heap_calls"])
    perf_ok = perf_works()
    cg = st = heap = None
    with sandbox() as env:
        for r in range(args.rounds):
            log(f"round {r + 1} of {args.rounds}")
            one_round(r, env, res, s)
        if not args.no_profile:
            cg = callgrind(env, s["callgrind_calls"])
            st = strace_counts(env, s["strace_calls"])
            heap = heap_allocs(env, s["heap_calls"])
    load_after = os.getloadavg()[0]
    text = report(res, info, args, started, (load_before, load_after), so, cg, st, heap, perf_ok)
    Path(args.output).write_text(text)
    (OUT / "results.json").write_text(json.dumps({"values": res.values, "callgrind": cg, "strace": st, "heap": heap}, indent=1))
    log(f"wrote {args.output} (raw figures in {(OUT / 'results.json').relative_to(ROOT)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
