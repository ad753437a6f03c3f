"""The client's life cycle: close, context manager, use after close, close during a call."""

from __future__ import annotations

import gc
import threading
import time
from typing import List

import pytest

import voicecb
from voicecb import _errors
from conftest import APP_KEY, APP_SECRET, CALLEE, CALLER, DISPLAY, Sandbox, SilentServer


def test_close_twice_is_fine(fresh_sandbox: Sandbox) -> None:
    c = voicecb.Client(APP_KEY, APP_SECRET, base_url=fresh_sandbox.url)
    assert not c.closed
    c.close()
    c.close()
    assert c.closed


def test_closed_client_raises_without_calling_the_library(fresh_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    c = voicecb.Client(APP_KEY, APP_SECRET, base_url=fresh_sandbox.url)
    c.close()

    class NoLibrary:
        def __getattr__(self, name: str) -> None:
            raise AssertionError(f"the library was called ({name}) on a closed client")

    monkeypatch.setattr(voicecb._client, "LIB", NoLibrary())
    before = fresh_sandbox.requests()
    with pytest.raises(voicecb.Error) as ei:
        c.click2call(DISPLAY, CALLER, CALLEE)
    assert isinstance(ei.value, voicecb.ClientClosed)
    assert isinstance(ei.value, voicecb.InvalidArgument)
    assert ei.value.field == "client"
    assert ei.value.code == _errors.VOICECB_ERR_NULL_ARGUMENT
    assert "closed" in str(ei.value)
    with pytest.raises(voicecb.ClientClosed):
        c.stop("1200_366_0_20161228102743@callenabler.home1.com")
    assert fresh_sandbox.requests() == before


def test_context_manager_closes(fresh_sandbox: Sandbox) -> None:
    with voicecb.Client(APP_KEY, APP_SECRET, base_url=fresh_sandbox.url) as c:
        c.click2call(DISPLAY, CALLER, CALLEE)
    assert c.closed
    with pytest.raises(voicecb.ClientClosed):
        c.click2call(DISPLAY, CALLER, CALLEE)


def test_close_while_a_call_is_running(silent_server: SilentServer) -> None:
    # A timeout far longer than the test: the call ends when the server
    # hangs up, after close(), never by the clock.
    c = voicecb.Client(APP_KEY, APP_SECRET, base_url=silent_server.url, timeout=600.0)
    outcome: List[BaseException] = []

    def call() -> None:
        try:
            c.click2call(DISPLAY, CALLER, CALLEE)
        except BaseException as e:  # noqa: BLE001
            outcome.append(e)

    t = threading.Thread(target=call)
    t.start()
    silent_server.wait_accepted(1)
    c.close()  # must neither crash nor wait for the call
    assert c.closed
    with pytest.raises(voicecb.ClientClosed):
        c.stop("x")
    assert c._handle is not None  # not freed under the call in flight
    silent_server.drop()
    t.join(timeout=60)
    assert not t.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], voicecb.TransportError), outcome
    assert c._handle is None  # freed when the call ended


def test_close_from_many_threads_during_calls(fresh_sandbox: Sandbox) -> None:
    c = voicecb.Client(APP_KEY, APP_SECRET, base_url=fresh_sandbox.url)
    unexpected: List[BaseException] = []
    done = threading.Event()

    def caller() -> None:
        while not done.is_set():
            try:
                c.click2call(DISPLAY, CALLER, CALLEE)
            except voicecb.ClientClosed:
                return
            except BaseException as e:  # noqa: BLE001
                unexpected.append(e)
                return

    pool = [threading.Thread(target=caller) for _ in range(4)]
    for t in pool:
        t.start()
    time.sleep(0.2)
    closers = [threading.Thread(target=c.close) for _ in range(3)]
    for t in closers:
        t.start()
    for t in closers + pool:
        t.join(timeout=10)
    done.set()
    assert not unexpected, unexpected[:3]
    assert c._handle is None


def test_garbage_collected_client_is_freed(fresh_sandbox: Sandbox) -> None:
    c = voicecb.Client(APP_KEY, APP_SECRET, base_url=fresh_sandbox.url)
    c.click2call(DISPLAY, CALLER, CALLEE)
    del c
    gc.collect()


def test_failed_constructor_leaves_nothing_to_close() -> None:
    with pytest.raises(voicecb.InvalidArgument):
        voicecb.Client(APP_KEY, APP_SECRET, base_url="nonsense")
    gc.collect()


def test_repr_shows_no_secret(fresh_sandbox: Sandbox) -> None:
    c = voicecb.Client(APP_KEY, APP_SECRET, base_url=fresh_sandbox.url)
    assert APP_SECRET not in repr(c) and "open" in repr(c)
    c.close()
    assert "closed" in repr(c)
