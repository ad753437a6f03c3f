"""Retries, whether a request left, the clock skew, and per-API catalogue lookups."""

from __future__ import annotations

import dataclasses
import pickle
import socket
import threading
from typing import Dict

import pytest

import voicecb
from voicecb import _errors
from conftest import APP_KEY, APP_SECRET, CALLEE, CALLER, DISPLAY, Sandbox

FAST = voicecb.RetryPolicy(3, 0.01, 0.02)


def counters(sandbox: Sandbox) -> Dict[str, int]:
    s = sandbox.stats()
    return {"click2call": int(s["click2call"]), "callstop": int(s["callstop"])}


def test_retry_policy_defaults_and_frozen() -> None:
    p = voicecb.RetryPolicy()
    assert (p.max_attempts, p.initial_backoff, p.max_backoff) == (3, 0.2, 5.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.max_attempts = 5  # type: ignore[misc]
    assert voicecb.RetryPolicy(3, 0.01, 0.02) == FAST


def test_retry_safe_refusal_is_retried_until_success(fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.force(http_status=403, resultcode="1010010", count=2)
    with voicecb.Client(APP_KEY, APP_SECRET, base_url=fresh_sandbox.url, retry=FAST) as c:
        call = c.click2call(DISPLAY, CALLER, CALLEE)
    assert call.session_id
    assert counters(fresh_sandbox)["click2call"] == 3


def test_retries_run_out(fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.force(http_status=403, resultcode="1010010", count=5)
    with voicecb.Client(APP_KEY, APP_SECRET, base_url=fresh_sandbox.url, retry=FAST) as c:
        with pytest.raises(voicecb.RateLimited) as ei:
            c.click2call(DISPLAY, CALLER, CALLEE)
    assert ei.value.retryable is True
    assert ei.value.request_not_sent is False
    assert counters(fresh_sandbox)["click2call"] == 3


def test_non_retryable_refusal_is_sent_once(fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.force(http_status=500, resultcode="1010001", count=2)
    with voicecb.Client(APP_KEY, APP_SECRET, base_url=fresh_sandbox.url, retry=FAST) as c:
        with pytest.raises(voicecb.PlatformInternalError) as ei:
            c.click2call(DISPLAY, CALLER, CALLEE)
    assert ei.value.retryable is False
    assert counters(fresh_sandbox)["click2call"] == 1


def test_without_a_policy_nothing_is_retried(fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.force(http_status=403, resultcode="1010010", count=2)
    with voicecb.Client(APP_KEY, APP_SECRET, base_url=fresh_sandbox.url) as c:
        with pytest.raises(voicecb.RateLimited):
            c.click2call(DISPLAY, CALLER, CALLEE)
    assert counters(fresh_sandbox)["click2call"] == 1


def test_stop_retries_a_callstop_retry_safe_answer(fresh_sandbox: Sandbox) -> None:
    with voicecb.Client(APP_KEY, APP_SECRET, base_url=fresh_sandbox.url, retry=FAST) as c:
        session = c.click2call(DISPLAY, CALLER, CALLEE).session_id
        # 500/1023002 is retry-safe for callStop (and only for it).
        fresh_sandbox.force(http_status=500, resultcode="1023002", count=1)
        c.stop(session)
    assert counters(fresh_sandbox) == {"click2call": 1, "callstop": 2}


class CountingServer:
    """A server on 127.0.0.1 that reads each request and never answers,
    counting them; it serves one connection at a time, in the order they
    were made."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.requests = 0
        self._marked = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return  # closed
            with conn:
                conn.settimeout(20)
                head = b""
                try:
                    while b"\r\n\r\n" not in head and len(head) < 65536:
                        chunk = conn.recv(4096)
                        if not chunk:
                            break
                        head += chunk
                    if head.startswith(b"MARK"):
                        self._marked.set()
                        continue
                    if head.startswith((b"POST ", b"GET ")):
                        self.requests += 1
                    while conn.recv(4096):  # never answer; wait until the client gives up
                        pass
                except OSError:
                    pass

    def drain(self) -> None:
        """Returns once every connection made before this call has been read:
        a marker connection queues behind them and is served after them."""
        self._marked.clear()
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as m:
            m.sendall(b"MARK\r\n\r\n")
            assert self._marked.wait(timeout=30), "the server never reached the marker"

    def close(self) -> None:
        # shutdown, not just close, wakes the accept() the thread waits in.
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()
        self._thread.join(timeout=30)


def test_click2call_timed_out_after_sending_is_sent_once() -> None:
    server = CountingServer()
    try:
        with voicecb.Client(APP_KEY, APP_SECRET, base_url=server.url, timeout=0.8, retry=FAST) as c:
            with pytest.raises(voicecb.Timeout) as ei:
                c.click2call(DISPLAY, CALLER, CALLEE)
            assert ei.value.request_not_sent is False
            server.drain()
            assert server.requests == 1, "click2Call was sent again after a timeout"
            # The count does count retries: callStop is retried after a timeout.
            with pytest.raises(voicecb.Timeout):
                c.stop("1200_366_0_20161228102743@callenabler.home1.com")
            server.drain()
            assert server.requests == 1 + FAST.max_attempts
    finally:
        server.close()


@pytest.mark.parametrize(
    "policy, field",
    [
        (voicecb.RetryPolicy(max_attempts=0), "retry.max_attempts"),
        (voicecb.RetryPolicy(max_attempts=11), "retry.max_attempts"),
        (voicecb.RetryPolicy(initial_backoff=2.0, max_backoff=1.0), "retry.initial_backoff"),
        (voicecb.RetryPolicy(initial_backoff=0.0, max_backoff=61.0), "retry.max_backoff"),
        (voicecb.RetryPolicy(max_attempts=-1), "retry.max_attempts"),
        (voicecb.RetryPolicy(initial_backoff=-0.5), "retry.initial_backoff"),
        (voicecb.RetryPolicy(max_backoff=float("nan")), "retry.max_backoff"),
    ],
)
def test_retry_policy_is_checked(policy: voicecb.RetryPolicy, field: str) -> None:
    with pytest.raises(voicecb.InvalidArgument) as ei:
        voicecb.Client(APP_KEY, APP_SECRET, retry=policy)
    assert ei.value.field == field
    assert ei.value.request_not_sent is True


def test_retry_policy_edges_are_accepted() -> None:
    for policy in (voicecb.RetryPolicy(1, 0, 0), voicecb.RetryPolicy(10, 0.0, 60.0)):
        voicecb.Client(APP_KEY, APP_SECRET, retry=policy).close()
    with pytest.raises(TypeError):
        voicecb.Client(APP_KEY, APP_SECRET, retry=3)  # type: ignore[arg-type]


def test_clock_behind_gives_an_auth_error_with_the_skew(fresh_sandbox: Sandbox) -> None:
    with voicecb.Client(APP_KEY, APP_SECRET, base_url=fresh_sandbox.url, clock_offset=-3600) as c:
        with pytest.raises(voicecb.AuthError) as ei:
            c.click2call(DISPLAY, CALLER, CALLEE)
    e = ei.value
    assert (e.http_status, e.result_code) == (401, "1010013")
    assert e.clock_skew is not None and -5 <= e.clock_skew <= 5
    assert e.request_not_sent is False
    e2 = pickle.loads(pickle.dumps(e))
    assert (e2.clock_skew, e2.request_not_sent) == (e.clock_skew, False)


def test_other_refusals_have_no_clock_skew(client: voicecb.Client, fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.force(http_status=403, resultcode="1010010")
    with pytest.raises(voicecb.RateLimited) as ei:
        client.click2call(DISPLAY, CALLER, CALLEE)
    assert ei.value.clock_skew is None


def test_validation_error_was_not_sent(client: voicecb.Client, fresh_sandbox: Sandbox) -> None:
    with pytest.raises(voicecb.InvalidArgument) as ei:
        client.click2call(DISPLAY, "123", CALLEE)
    assert ei.value.request_not_sent is True
    with pytest.raises(voicecb.InvalidArgument) as ei:
        voicecb.Client("", APP_SECRET)
    assert ei.value.request_not_sent is True
    assert counters(fresh_sandbox)["click2call"] == 0


def test_connection_refused_was_not_sent(closed_port: int) -> None:
    with voicecb.Client(APP_KEY, APP_SECRET, base_url=f"http://127.0.0.1:{closed_port}", connect_timeout=2.0) as c:
        with pytest.raises(voicecb.TransportError) as ei:
            c.click2call(DISPLAY, CALLER, CALLEE)
    assert ei.value.request_not_sent is True


def test_every_exception_has_request_not_sent() -> None:
    e = _errors.from_handle(_errors.VOICECB_ERR_PANIC, None)
    assert e.request_not_sent is False
    assert voicecb.ClientClosed("closed", code=_errors.VOICECB_ERR_NULL_ARGUMENT).request_not_sent is True


# --- the catalogue by API ----------------------------------------------------


def test_describe_by_api() -> None:
    stop = voicecb.describe(500, "1023002", api="callstop")
    call = voicecb.describe(500, "1023002", api="click2call")
    assert stop is not None and call is not None
    assert stop.retryable is True and call.retryable is False
    assert stop.apis == frozenset({voicecb.Api.CALL_STOP})
    assert call.apis == frozenset({voicecb.Api.CLICK2CALL})
    assert voicecb.describe(500, "1023002", api=voicecb.Api.CALL_STOP) == stop
    assert voicecb.describe(500, "1023002", api=voicecb.Api.CLICK2CALL) == call
    assert voicecb.describe(500, "1023002") == call  # click2Call's wording first


def test_describe_by_api_of_a_shared_row() -> None:
    both = voicecb.describe(401, "1010010")
    assert both is not None
    assert both.apis == frozenset({voicecb.Api.CLICK2CALL, voicecb.Api.CALL_STOP})
    assert voicecb.describe(401, "1010010", api="callstop") == both


def test_describe_by_api_of_the_new_apis() -> None:
    """Issue 16: the template codes are the notification's only; 1010007 is
    listed for the three new APIs and no other."""
    template = voicecb.describe(403, "1012003", api="callnotify")
    assert template is not None and template.apis == frozenset({voicecb.Api.CALL_NOTIFY})
    assert voicecb.describe(403, "1012003", api=voicecb.Api.CLICK2CALL) is None
    inactive = voicecb.describe(403, "1010007", api="recordurl")
    assert inactive is not None
    assert inactive.apis == frozenset({voicecb.Api.CALL_NOTIFY, voicecb.Api.CALL_VERIFY, voicecb.Api.RECORD_URL})
    assert voicecb.describe(403, "1010007", api="callverify") == inactive


def test_describe_by_api_unknown() -> None:
    assert voicecb.describe(403, "1999999", api="callstop") is None
    with pytest.raises(voicecb.InvalidArgument) as ei:
        voicecb.describe(401, "1010010", api="callStop")
    assert ei.value.field == "api"
    with pytest.raises(TypeError):
        voicecb.describe(401, "1010010", api=1)  # type: ignore[arg-type]


def test_every_entry_is_listed_for_some_api() -> None:
    for info in voicecb.codes():
        assert info.apis, info
        for api in info.apis:
            assert voicecb.describe(info.http_status, info.code, api=api) is not None, (info, api)
    assert {voicecb.Api.CALL_STOP} in [set(i.apis) for i in voicecb.codes()]


def test_api_values_are_the_c_constants() -> None:
    assert [m.value for m in voicecb.Api] == [1, 2, 3, 4, 5]
