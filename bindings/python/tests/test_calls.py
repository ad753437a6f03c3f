"""Successful calls against the sandbox."""

from __future__ import annotations

import re
import threading
import time
from typing import List

import pytest

import voicecb
from conftest import APP_KEY, APP_SECRET, CALLEE, CALLER, DISPLAY, Sandbox, SilentServer


def test_click2call_and_stop(client: voicecb.Client, fresh_sandbox: Sandbox) -> None:
    result = client.click2call(DISPLAY, CALLER, CALLEE)
    assert isinstance(result, voicecb.CallResult)
    assert isinstance(result.session_id, str) and result.session_id
    assert result.idle_port is None  # not asked for
    assert client.stop(result.session_id) is None
    stats = fresh_sandbox.stats()
    assert stats["click2call"] == 1 and stats["callstop"] == 1
    assert stats["active_sessions"] == 0


def test_return_idle_port_gives_an_int(client: voicecb.Client) -> None:
    result = client.click2call(DISPLAY, CALLER, CALLEE, return_idle_port=True)
    assert isinstance(result.idle_port, int) and result.idle_port >= 0
    client.stop(result.session_id, timeout=5)


def test_every_optional_field_once(client: voicecb.Client) -> None:
    result = client.click2call(
        DISPLAY,
        CALLER,
        CALLEE,
        DISPLAY,
        max_duration=60,
        last_min_voice="lastmin.wav",
        last_min_to_ue="toa",
        play_pre_voice=True,
        pre_voice="pre.wav",
        wait_voice="wait.wav",
        callee_media=voicecb.CalleeMedia.NONE,
        status_url="http://example.com/status",
        fee_url="https://example.com/fee",
        record=True,
        record_hint_tone="hint.wav",
        party_type_required_in_disconnect=True,
        return_idle_port=True,
        user_data="order-42",
        timeout=5.0,
    )
    assert result.session_id
    assert isinstance(result.idle_port, int)


@pytest.mark.parametrize("value", ["toa", "tob", "both", *voicecb.LastMinToUE])
def test_last_min_to_ue_accepts_str_and_enum(client: voicecb.Client, value: object) -> None:
    client.click2call(DISPLAY, CALLER, CALLEE, last_min_to_ue=value)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["all", "none", "fail", *voicecb.CalleeMedia])
def test_callee_media_accepts_str_and_enum(client: voicecb.Client, value: object) -> None:
    client.click2call(DISPLAY, CALLER, CALLEE, callee_media=value)  # type: ignore[arg-type]


def test_client_options_reach_the_library(fresh_sandbox: Sandbox) -> None:
    with voicecb.Client(
        APP_KEY,
        APP_SECRET,
        base_url=fresh_sandbox.url,
        connect_timeout=2.0,
        timeout=3.5,
        insecure=False,
        user_agent="voicecb-python-tests/1",
        encode_non_ascii_user_data=True,
        clock_offset=0,
    ) as c:
        # Non-ASCII userData is sent Base64-encoded instead of refused.
        c.click2call(DISPLAY, CALLER, CALLEE, user_data="订单-42")
    assert fresh_sandbox.stats()["last_user_agent"] == "voicecb-python-tests/1"


def test_eight_threads_share_one_client(client: voicecb.Client, fresh_sandbox: Sandbox) -> None:
    threads, per_thread = 8, 25
    sessions: List[str] = []
    failures: List[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def work() -> None:
        try:
            start.wait(timeout=10)
            for _ in range(per_thread):
                r = client.click2call(DISPLAY, CALLER, CALLEE)
                with lock:
                    sessions.append(r.session_id)
        except BaseException as e:  # noqa: BLE001 - reported below
            with lock:
                failures.append(e)

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in pool)
    assert not failures, failures[:3]
    assert len(sessions) == threads * per_thread
    assert len(set(sessions)) == len(sessions)
    assert fresh_sandbox.stats()["click2call"] == threads * per_thread


def test_calls_release_the_gil(silent_server: SilentServer) -> None:
    # Four calls to a server that never answers, with a timeout far longer
    # than the test: all four reach the server while none has returned only
    # if the GIL is released during a call (otherwise the second would wait
    # for the first). The calls then end when the server hangs up.
    errors: List[BaseException] = []
    with voicecb.Client(APP_KEY, APP_SECRET, base_url=silent_server.url, timeout=600.0) as c:

        def call() -> None:
            try:
                c.click2call(DISPLAY, CALLER, CALLEE)
            except BaseException as e:  # noqa: BLE001
                errors.append(e)

        pool = [threading.Thread(target=call) for _ in range(4)]
        for t in pool:
            t.start()
        silent_server.wait_accepted(4)
        assert not errors
        silent_server.drop()
        for t in pool:
            t.join(timeout=60)
        assert not any(t.is_alive() for t in pool)
    assert len(errors) == 4 and all(isinstance(e, voicecb.TransportError) for e in errors), errors


def test_requests_carry_a_created_time(fresh_sandbox: Sandbox) -> None:
    # The sandbox records the Created of the last signed request it saw.
    with voicecb.Client(APP_KEY, APP_SECRET, base_url=fresh_sandbox.url) as c:
        c.click2call(DISPLAY, CALLER, CALLEE)
    created = fresh_sandbox.stats()["last_created"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", created)
