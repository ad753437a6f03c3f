#!/usr/bin/env python3
"""Benchmark: parsing a 1 MiB push in C, Python and Go (issue 12).

Makes push bodies just under the 1 MiB limit, then, for each tree given,
parses every body ROUNDS times through the C ABI (bench/notify/parse.c, which
also lists every field), the Python binding (parse_notification) and the Go
binding (ParseNotification), each of which reads every field, and prints the
median time per body and language. Not a test: nothing is asserted.

    python3 bench/notify/run.py                       # this tree, after `cargo build --release`
    python3 bench/notify/run.py --before /tmp/old     # and an older tree (built there), side by side

A tree is a checkout whose library is built (target/release/libvoicecb.so
and .a, e.g. `cargo build --release --lib`); --before takes one made with
`git archive <commit> | tar -x -C DIR` and built in DIR.

The bodies:
  status-wide    a statusInfo of as many short fields as fit in 1 MiB (~70,000;
                 over the 1024-field cap since issue 12, so refused there)
  status-1024    a statusInfo of 1024 fields (the cap) with ~1 KiB values
  bill-50x1024   a bill of 50 records of 1024 short fields each (51,200 fields)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
MAX_BODY = 1024 * 1024


def bodies(out: Path) -> List[Path]:
    made = []
    # Short fields until the body would pass 1 MiB.
    parts, size, i = [], len('{"eventType":"answer","statusInfo":{}}'), 0
    while True:
        f = f'"f{i:06}":"v"'
        if size + len(f) + 1 > MAX_BODY:
            break
        parts.append(f)
        size += len(f) + 1
        i += 1
    made.append(("status-wide", '{"eventType":"answer","statusInfo":{' + ",".join(parts) + "}}"))
    pad = (MAX_BODY - 2048) // 1024 - 16
    made.append(
        (
            "status-1024",
            '{"eventType":"answer","statusInfo":{'
            + ",".join(f'"f{i:04}":"{"v" * pad}"' for i in range(1024))
            + "}}",
        )
    )
    record = "{" + ",".join(f'"f{i:04}":"v{i:04}"' for i in range(1024)) + "}"
    made.append(("bill-50x1024", '{"eventType":"fee","feeLst":[' + ",".join([record] * 50) + "]}"))
    paths = []
    for name, text in made:
        assert len(text) <= MAX_BODY, (name, len(text))
        p = out / f"{name}.json"
        p.write_text(text)
        paths.append(p)
    return paths


def run_lines(cmd: List[str], env: Dict[str, str], cwd: Path) -> List[dict]:
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stderr}")
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def measure(tree: Path, files: List[Path], rounds: int, work: Path) -> Dict[str, List[dict]]:
    lib = tree / "target" / "release"
    env = dict(os.environ)
    results = {}
    exe = work / f"parse-{abs(hash(str(tree)))}"
    subprocess.run(
        ["cc", "-O2", "-std=c11", "-I", str(tree / "include"), str(HERE / "parse.c"), str(lib / "libvoicecb.so"),
         f"-Wl,-rpath,{lib}", "-o", str(exe)],
        check=True,
    )
    results["C"] = run_lines([str(exe), str(rounds), *map(str, files)], env, work)

    py_env = dict(env, PYTHONPATH=str(tree / "bindings" / "python" / "src"), VOICECB_LIBRARY=str(lib / "libvoicecb.so"))
    results["Python"] = run_lines([sys.executable, str(HERE / "parse_py.py"), str(rounds), *map(str, files)], py_env, work)

    mod = work / f"go-{abs(hash(str(tree)))}"
    mod.mkdir()
    (mod / "go.mod").write_text(
        "module notifybench\n\ngo 1.24\n\nrequire github.com/libvoicecb/libvoicecb/bindings/go v0.0.0\n\n"
        f"replace github.com/libvoicecb/libvoicecb/bindings/go => {tree / 'bindings' / 'go'}\n"
    )
    shutil.copy(HERE / "parse_go.go.txt", mod / "main.go")
    subprocess.run(["go", "build", "-o", "parse-go", "."], cwd=mod, check=True, env=dict(env, GOFLAGS="-mod=mod"))
    results["Go"] = run_lines([str(mod / "parse-go"), str(rounds), *map(str, files)], env, work)
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3, help="parses of each body per language (default 3)")
    ap.add_argument("--before", type=Path, help="an older tree, built, to measure side by side")
    ap.add_argument("--tree", type=Path, default=REPO, help="the tree to measure (default: this one)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="voicecb-notify-bench-") as tmp:
        work = Path(tmp)
        files = bodies(work)
        trees = [("before", args.before)] if args.before else []
        trees.append(("after" if args.before else "this tree", args.tree))
        measured = {label: measure(tree.resolve(), files, args.rounds, work) for label, tree in trees}
        print(f"load average {os.getloadavg()[0]:.2f}; median of {args.rounds} rounds, ms per body (parse + read every field)")
        header = f"{'body':<14} {'lang':<7}" + "".join(f" {label:>28}" for label, _ in trees)
        print(header)
        for fi, f in enumerate(files):
            for lang in ("C", "Python", "Go"):
                row = f"{f.stem:<14} {lang:<7}"
                for label, _ in trees:
                    r = measured[label][lang][fi]
                    what = f"{r['fields']} fields" if r["ok"] else "refused"
                    row += f" {statistics.median(r['ms']):>10.1f} ms {what:>14}"
                print(row)
        for label, _ in trees:
            for lang in ("C", "Python", "Go"):
                for r in measured[label][lang]:
                    if not r["ok"]:
                        print(f"{label} {lang} {Path(r['file']).stem}: {r['error']}")
                        break


if __name__ == "__main__":
    main()
