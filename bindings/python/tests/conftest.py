"""Fixtures: the repository, a sandbox process for the session, clients."""

from __future__ import annotations

import http.server
import json
import os
import queue
import socket
import subprocess
import threading
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pytest

import voicecb

#: <repo>/bindings/python/tests/conftest.py -> <repo>
REPO = Path(__file__).resolve().parents[3]

APP_KEY = "sandbox-app-key"
APP_SECRET = "sandbox-app-secret"
DISPLAY = "+8675512345678"
CALLER = "+8613800000001"
CALLEE = "+8613800000002"

# Admin requests must never go through a proxy of the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Sandbox:
    """A running sandbox: its URL and its admin endpoints."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"

    def _admin(self, method: str, path: str, body: Any = None) -> Dict[str, Any]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with _OPENER.open(req, timeout=5) as resp:
            return json.loads(resp.read().decode() or "{}")

    def force(self, **answer: Any) -> None:
        """Forces the next answer(s): http_status, resultcode, resultdesc, count, raw_body."""
        self._admin("POST", "/__sandbox/next", answer)

    def stats(self) -> Dict[str, Any]:
        return self._admin("GET", "/__sandbox/stats")

    def requests(self) -> int:
        return int(self.stats()["requests"])

    def reset(self) -> None:
        self._admin("POST", "/__sandbox/reset", {})


@contextmanager
def running_sandbox(workdir: Path, *extra_args: str) -> Iterator[Sandbox]:
    """Runs `voicecb sandbox` (VOICECB_SANDBOX_BIN, default
    <repo>/target/release/voicecb) on a free port with ``extra_args``,
    its port file and log in ``workdir``; stops it on exit."""
    binary = os.environ.get("VOICECB_SANDBOX_BIN") or str(REPO / "target" / "release" / "voicecb")
    if not os.access(binary, os.X_OK):
        pytest.fail(
            f"sandbox binary {binary} not found: build it with `cargo build --release` "
            "in the repository or set VOICECB_SANDBOX_BIN"
        )
    port_file = workdir / "port"
    log_path = workdir / "log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [binary, "sandbox", "--port-file", str(port_file), *extra_args],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        deadline = time.monotonic() + 10
        port = 0
        while not port:
            try:
                port = int(port_file.read_text().strip() or "0")
            except (OSError, ValueError):
                port = 0
            if port:
                break
            if proc.poll() is not None:
                pytest.fail(f"the sandbox exited with {proc.returncode}: {log_path.read_text(errors='replace')}")
            if time.monotonic() > deadline:
                pytest.fail(f"the sandbox wrote no port within 10 s: {log_path.read_text(errors='replace')}")
            time.sleep(0.05)
        yield Sandbox(port)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """The sandbox with its defaults, on a free port, for the whole session."""
    with running_sandbox(tmp_path_factory.mktemp("sandbox")) as sb:
        yield sb


@pytest.fixture
def fresh_sandbox(sandbox: Sandbox) -> Sandbox:
    """The session's sandbox, reset (no forced answers, counters at 0)."""
    sandbox.reset()
    return sandbox


@pytest.fixture
def client(fresh_sandbox: Sandbox) -> Iterator[voicecb.Client]:
    """A client of the sandbox's default app."""
    with voicecb.Client(APP_KEY, APP_SECRET, base_url=fresh_sandbox.url, timeout=10.0) as c:
        yield c


class LocalServer:
    """A TCP server on 127.0.0.1 port 0 that hands each accepted connection
    to :meth:`handle` on its own thread, until :meth:`close`."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._sock.settimeout(0.1)
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(5)
                try:
                    self.handle(conn)
                except OSError:
                    pass

    def handle(self, conn: socket.socket) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._sock.close()


class FixedServer(LocalServer):
    """Reads one request (head and Content-Length body), answers it with
    ``answer`` verbatim, and closes."""

    def __init__(self, answer: bytes) -> None:
        self._answer = answer
        super().__init__()

    def handle(self, conn: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data and len(data) < 1 << 20:
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        while len(body) < length:
            chunk = conn.recv(4096)
            if not chunk:
                break
            body += chunk
        conn.sendall(self._answer)
        conn.shutdown(socket.SHUT_WR)


class SilentServer:
    """A local TCP server that accepts connections and never answers."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self._sock.settimeout(0.1)
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._conns: List[socket.socket] = []
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            with self._changed:
                self._conns.append(conn)
                self._changed.notify_all()

    @property
    def accepted(self) -> int:
        with self._changed:
            return len(self._conns)

    def wait_accepted(self, n: int) -> None:
        """Waits until ``n`` connections were accepted. The bound (a minute)
        only stops a broken test from hanging; it decides nothing."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._conns) >= n, timeout=60):
                pytest.fail(f"{len(self._conns)} of {n} connections accepted within a minute")

    def drop(self) -> None:
        """Closes every accepted connection: calls waiting on them end at
        once with a transport error."""
        with self._changed:
            for c in self._conns:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass  # the client hung up first

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for c in self._conns:
            c.close()
        self._sock.close()


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def closed_port() -> int:
    """A port of 127.0.0.1 on which nothing listens."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return int(port)


#: The longest wait for one push, in seconds.
PUSH_WAIT = 10.0

Push = Tuple[str, Dict[str, str], bytes]


class Receiver:
    """An HTTP server on 127.0.0.1 (a free port) in a thread of its own: it
    answers 200 to every POST and queues it as (path, headers, body)."""

    def __init__(self) -> None:
        pushes: "queue.Queue[Push]" = queue.Queue()
        self._pushes = pushes

        class Handler(http.server.BaseHTTPRequestHandler):
            timeout = PUSH_WAIT  # a stalled sender cannot hold a thread for ever

            def do_POST(self) -> None:  # noqa: N802 (the http.server name)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {name: value for name, value in self.headers.items()}
                # Queued before the answer: the sandbox sends a receiver's
                # next push once this one is answered, maybe to another
                # thread of this server, which must not queue it first.
                pushes.put((self.path, headers, body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass  # keep the test output clean

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def next(self) -> Push:
        """The next push, waiting at most :data:`PUSH_WAIT` seconds."""
        try:
            return self._pushes.get(timeout=PUSH_WAIT)
        except queue.Empty:
            pytest.fail(f"no push within {PUSH_WAIT:g} s")

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=PUSH_WAIT)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    try:
        yield r
    finally:
        r.close()
