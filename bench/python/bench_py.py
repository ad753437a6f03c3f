"""The Python side of the benchmarks and of the load run. Prints one JSON
object per measurement; bench/run.py drives it.

  bench_py.py roundtrip --way binding|urllib [--calls N] [--warmup W] [--threads T] [--chunk C]
  bench_py.py paired [--rounds R] [--warmup W]     the binding, the urllib way, requests and httpx, alternating
  bench_py.py paired-async [--rounds R] [--warmup W]   voicecb.AsyncClient and httpx.AsyncClient, alternating
  bench_py.py start [--iters N]
  bench_py.py load [--threads 8] [--calls-per-thread N] [--max-growth-kib K]

The sandbox comes from VOICECB_BASE_URL, VOICECB_APP_KEY and
VOICECB_APP_SECRET; VOICECB_BENCH_SANDBOX_PID adds the sandbox's CPU time.
"""

import argparse
import json
import os
import resource
import statistics
import sys
import threading
import time

DISPLAY, CALLER, CALLEE = "+8675512345678", "+8613800000001", "+8613800000486"

BASE_URL = os.environ.get("VOICECB_BASE_URL", "http://127.0.0.1:8080")
APP_KEY = os.environ.get("VOICECB_APP_KEY", "sandbox-app-key")
APP_SECRET = os.environ.get("VOICECB_APP_SECRET", "sandbox-app-secret")
SANDBOX_PID = int(os.environ.get("VOICECB_BENCH_SANDBOX_PID", "0") or 0)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # vendor_way, peers


def self_cpu():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def proc_cpu(pid):
    if pid <= 0:
        return None
    try:
        with open("/proc/%d/stat" % pid) as f:
            rest = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(rest[11]) + int(rest[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def emit(**fields):
    print(json.dumps(fields), flush=True)


def make_call(way):
    """A function placing one click2Call; raises on failure."""
    if way == "binding":
        import voicecb

        client = voicecb.Client(APP_KEY, APP_SECRET, base_url=BASE_URL)
        return lambda: client.click2call(DISPLAY, CALLER, CALLEE)
    if way == "urllib":
        import vendor_way

        return lambda: vendor_way.click2call(BASE_URL, APP_KEY, APP_SECRET, DISPLAY, CALLER, CALLEE)
    raise SystemExit("unknown way %r" % way)


def roundtrip(way, calls, warmup, threads, chunk):
    call = make_call(way)
    errors = [0]
    chunks = []
    barrier = threading.Barrier(threads + 1)
    ends = []

    def worker():
        n_err = 0
        for _ in range(warmup // threads):
            try:
                call()
            except Exception as e:  # counted, reported once
                n_err += 1
                if n_err == 1:
                    print("warm-up call failed: %s" % e, file=sys.stderr)
        barrier.wait()
        left = calls // threads
        while left > 0:
            n = min(chunk, left)
            t = time.perf_counter()
            for _ in range(n):
                try:
                    call()
                except Exception as e:
                    n_err += 1
                    if n_err == 1:
                        print("call failed: %s" % e, file=sys.stderr)
            chunks.append((time.perf_counter() - t) / n)
            left -= n
        ends.append(time.perf_counter())
        errors[0] += n_err

    ts = [threading.Thread(target=worker) for _ in range(threads)]
    for t in ts:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    cpu0, srv0 = self_cpu(), proc_cpu(SANDBOX_PID)
    for t in ts:
        t.join()
    cpu, srv1 = self_cpu() - cpu0, proc_cpu(SANDBOX_PID)
    wall = max(ends) - start
    emit(
        bench="roundtrip",
        variant="python-" + way,
        lang="python",
        threads=threads,
        calls=calls,
        errors=errors[0],
        wall_s=wall,
        us_per_call=statistics.median(chunks) * 1e6,
        us_per_call_mean=wall * 1e6 / calls,
        calls_per_s=calls / wall,
        client_cpu_us_per_call=cpu * 1e6 / calls,
        server_cpu_us_per_call=None if srv0 is None or srv1 is None else (srv1 - srv0) * 1e6 / calls,
    )


def alternate(sides, rounds, warmup, lang="python"):
    """Takes turns through `sides` in chunks (each side's "chunk" calls),
    the order turning every round, and prints one record per side with its
    time per call in every turn. A failed call aborts the run: a peer that
    errs is not measured."""

    def run(side, n):
        try:
            side["run"](n)
        except Exception as e:
            print("%s: call failed: %s" % (side["name"], e), file=sys.stderr)
            sys.exit(1)

    for side in sides:
        run(side, max(warmup * side["chunk"] // 50, 1))
        side.update(rounds=[], cpu=0.0, server=0.0)
    for r in range(rounds):
        for k in range(len(sides)):
            side = sides[(k + r) % len(sides)]
            cpu0, srv0, t = self_cpu(), proc_cpu(SANDBOX_PID), time.perf_counter()
            run(side, side["chunk"])
            side["rounds"].append((time.perf_counter() - t) / side["chunk"] * 1e6)
            side["cpu"] += self_cpu() - cpu0
            srv1 = proc_cpu(SANDBOX_PID)
            side["server"] = None if srv0 is None or srv1 is None or side["server"] is None else side["server"] + srv1 - srv0
    for side in sides:
        calls = rounds * side["chunk"]
        emit(bench="paired", variant=side["name"], lang=lang, calls=calls, errors=0,
             us_per_call=statistics.median(side["rounds"]), client_cpu_us_per_call=side["cpu"] * 1e6 / calls,
             server_cpu_us_per_call=None if side["server"] is None else side["server"] * 1e6 / calls,
             rounds_us=side["rounds"])


def repeat(call):
    def run(n):
        for _ in range(n):
            call()

    return run


def paired(rounds, warmup):
    """The binding (chunks of 50 calls) against what a user would write
    instead: the vendor's urllib way (10 calls), and a hand-signed request
    through `requests.Session` and `httpx.Client` (20 calls each)."""
    import peers

    args = (BASE_URL, APP_KEY, APP_SECRET, DISPLAY, CALLER, CALLEE)
    alternate([
        {"name": "python", "run": repeat(make_call("binding")), "chunk": 50},
        {"name": "urllib", "run": repeat(make_call("urllib")), "chunk": 10},
        {"name": "requests", "run": repeat(peers.sync_caller("requests", *args)), "chunk": 20},
        {"name": "httpx", "run": repeat(peers.sync_caller("httpx", *args)), "chunk": 20},
    ], rounds, warmup)


def paired_async(rounds, warmup):
    """`voicecb.AsyncClient` against a hand-signed request through
    `httpx.AsyncClient`, in one event loop, each call awaited before the
    next (chunks of 50 and 20 calls)."""
    import asyncio

    import peers
    import voicecb

    loop = asyncio.new_event_loop()
    binding = voicecb.AsyncClient(APP_KEY, APP_SECRET, base_url=BASE_URL)
    peer = peers.async_caller(BASE_URL, APP_KEY, APP_SECRET, DISPLAY, CALLER, CALLEE)

    def awaiting(call):
        async def many(n):
            for _ in range(n):
                await call()

        return lambda n: loop.run_until_complete(many(n))

    alternate([
        {"name": "python-async", "run": awaiting(lambda: binding.click2call(DISPLAY, CALLER, CALLEE)), "chunk": 50},
        {"name": "httpx-async", "run": awaiting(peer), "chunk": 20},
    ], rounds, warmup)
    binding.close()
    loop.close()


def start(iters):
    t = time.perf_counter()
    import voicecb

    imported = time.perf_counter() - t
    t = time.perf_counter()
    c = voicecb.Client(APP_KEY, APP_SECRET)
    cold = time.perf_counter() - t
    c.close()
    t = time.perf_counter()
    for _ in range(iters):
        voicecb.Client(APP_KEY, APP_SECRET).close()
    warm = (time.perf_counter() - t) / iters
    emit(bench="start", variant="python", lang="python", import_us=imported * 1e6, cold_us=cold * 1e6, warm_us=warm * 1e6)


def load(threads, per_thread, max_growth_kib):
    import voicecb

    client = voicecb.Client(APP_KEY, APP_SECRET, base_url=BASE_URL)
    total = threads * per_thread
    checkpoint = max(total // 10, 1)
    lock = threading.Lock()
    state = {"done": 0, "errors": 0, "rss_checkpoint": -1}

    def worker():
        for _ in range(per_thread):
            ok = True
            try:
                client.click2call(DISPLAY, CALLER, CALLEE)
            except voicecb.Error as e:
                ok = False
                print("load: %s" % e, file=sys.stderr)
            with lock:
                state["done"] += 1
                if not ok:
                    state["errors"] += 1
                if state["done"] == checkpoint:
                    state["rss_checkpoint"] = rss_kib()

    t = time.perf_counter()
    ts = [threading.Thread(target=worker) for _ in range(threads)]
    for th in ts:
        th.start()
    for th in ts:
        th.join()
    wall = time.perf_counter() - t
    client.close()
    end = rss_kib()
    growth = end - state["rss_checkpoint"]
    print(
        "load python: %d threads x %d calls = %d calls, %d errors, %.0f calls/s; RSS %d KiB after %d calls, "
        "%d KiB after %d (%+d KiB)"
        % (threads, per_thread, state["done"], state["errors"], total / wall, state["rss_checkpoint"], checkpoint, end, total, growth)
    )
    emit(
        bench="load",
        variant="python",
        threads=threads,
        calls=state["done"],
        errors=state["errors"],
        wall_s=wall,
        checkpoint=checkpoint,
        rss_checkpoint_kib=state["rss_checkpoint"],
        rss_end_kib=end,
        growth_kib=growth,
    )
    return state["errors"] == 0 and (max_growth_kib < 0 or growth <= max_growth_kib)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("cmd", choices=["roundtrip", "paired", "paired-async", "start", "load"])
    p.add_argument("--rounds", type=int, default=40)
    p.add_argument("--way", default="binding", choices=["binding", "urllib"])
    p.add_argument("--calls", type=int, default=2000)
    p.add_argument("--warmup", type=int, default=200)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--iters", type=int, default=200)
    p.add_argument("--chunk", type=int, default=50, help="calls per timed chunk (roundtrip)")
    p.add_argument("--calls-per-thread", type=int, default=1000)
    p.add_argument("--max-growth-kib", type=int, default=1024)
    a = p.parse_args()
    if a.cmd == "roundtrip":
        roundtrip(a.way, a.calls, a.warmup, a.threads or 1, a.chunk)
    elif a.cmd == "paired":
        paired(a.rounds, a.warmup)
    elif a.cmd == "paired-async":
        paired_async(a.rounds, a.warmup)
    elif a.cmd == "start":
        start(a.iters)
    else:
        sys.exit(0 if load(a.threads or 8, a.calls_per_thread, a.max_growth_kib) else 1)


if __name__ == "__main__":
    main()
