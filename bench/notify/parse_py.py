"""Parses push bodies through the Python binding (voicecb.parse_notification,
which lists and reads every field); one JSON line per file. Run by
bench/notify/run.py with PYTHONPATH and VOICECB_LIBRARY set to the tree
under test. Not a test: it measures."""

import json
import sys
import time

import voicecb


def main() -> None:
    rounds = int(sys.argv[1])
    for path in sys.argv[2:]:
        body = open(path, "rb").read()
        times, ok, fields, error = [], True, 0, ""
        for _ in range(rounds):
            t0 = time.perf_counter()
            try:
                n = voicecb.parse_notification(body)
                fields = len(n.fields) if isinstance(n, voicecb.StatusEvent) else sum(len(r.fields) for r in n.records)
            except voicecb.BadNotification as e:
                ok, error = False, str(e)[:200]
            times.append((time.perf_counter() - t0) * 1e3)
        print(json.dumps({"file": path, "ms": times, "ok": ok, "fields": fields, "error": error}), flush=True)


if __name__ == "__main__":
    main()
