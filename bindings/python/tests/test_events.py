"""Events: to on_event and to the "voicecb" logger, with the call's facts
and no secret; attempts and elapsed on results and errors; a client from
the environment; AsyncClient."""

from __future__ import annotations

import asyncio
import logging
from typing import List

import pytest

import voicecb
from conftest import APP_KEY, APP_SECRET, CALLEE, CALLER, DISPLAY, Sandbox, SilentServer

FAST_RETRY = voicecb.RetryPolicy(max_attempts=3, initial_backoff=0.01, max_backoff=0.02)


def recording(**kwargs: object) -> "tuple[dict, List[voicecb.Event]]":
    seen: List[voicecb.Event] = []
    return dict(on_event=seen.append, **kwargs), seen


def test_a_successful_call(fresh_sandbox: Sandbox) -> None:
    kw, seen = recording()
    with voicecb.Client(APP_KEY, APP_SECRET, base_url=fresh_sandbox.url, **kw) as c:
        call = c.click2call(DISPLAY, CALLER, CALLEE)
    assert call.attempts == 1 and call.elapsed > 0
    assert [(e.kind, e.attempt, e.outcome, e.level) for e in seen] == [
        ("attempt", 1, "answered", "debug"),
        ("finished", 1, "answered", "info"),
    ]
    for e in seen:
        assert e.api == "click2Call" and e.session_id == call.session_id
        assert e.may_have_reached_platform and e.retry_in is None and e.error_kind is None
        assert e.request_id is not None and len(e.request_id) == 32 and e.request_id.isalnum()
        assert e.numbers == {
            "displayNbr": "+86755****5678",
            "callerNbr": "+86138****0001",
            "displayCalleeNbr": "+86755****5678",
            "calleeNbr": "+86138****0002",
        }
        assert 0 < e.attempt_elapsed <= e.elapsed
    assert seen[1].elapsed == pytest.approx(call.elapsed, abs=1e-6)


def test_a_refusal_is_logged_as_a_warning(fresh_sandbox: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    kw, seen = recording()
    fresh_sandbox.force(http_status=403, resultcode="1010010", count=1)
    with caplog.at_level(logging.DEBUG, logger="voicecb"):
        with voicecb.Client(APP_KEY, APP_SECRET, base_url=fresh_sandbox.url, **kw) as c:
            with pytest.raises(voicecb.RateLimited) as ei:
                c.click2call(DISPLAY, CALLER, CALLEE)
    assert ei.value.attempts == 1 and ei.value.elapsed > 0
    assert [(e.outcome, e.http_status, e.result_code, e.error_kind) for e in seen] == [
        ("refused", 403, "1010010", "platform")
    ] * 2
    records = [r for r in caplog.records if r.name == "voicecb"]
    assert [r.levelno for r in records] == [logging.WARNING, logging.WARNING]
    finished = records[1]
    print(finished.getMessage())
    assert "refused (HTTP 403, resultcode 1010010" in finished.getMessage()
    # The event's fields ride along for structured handlers.
    assert finished.voicecb_kind == "finished"  # type: ignore[attr-defined]
    assert finished.voicecb_result_code == "1010010"  # type: ignore[attr-defined]
    assert finished.voicecb_numbers["callerNbr"] == "+86138****0001"  # type: ignore[attr-defined]


def test_a_retried_call(fresh_sandbox: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    kw, seen = recording(retry=FAST_RETRY)
    fresh_sandbox.force(http_status=403, resultcode="1010010", count=2)
    with caplog.at_level(logging.DEBUG, logger="voicecb"):
        with voicecb.Client(APP_KEY, APP_SECRET, base_url=fresh_sandbox.url, **kw) as c:
            call = c.click2call(DISPLAY, CALLER, CALLEE)
    assert call.attempts == 3
    assert [(e.kind, e.attempt, e.outcome) for e in seen] == [
        ("attempt", 1, "refused"),
        ("attempt", 2, "refused"),
        ("attempt", 3, "answered"),
        ("finished", 3, "answered"),
    ]
    assert all(e.retry_in is not None and 0 <= e.retry_in <= 0.02 for e in seen[:2])
    assert len({e.request_id for e in seen[:3]}) == 3
    levels = [r.levelno for r in caplog.records if r.name == "voicecb"]
    assert levels == [logging.WARNING, logging.WARNING, logging.DEBUG, logging.INFO]


def test_a_timeout(silent_server: SilentServer) -> None:
    kw, seen = recording()
    with voicecb.Client(APP_KEY, APP_SECRET, base_url=silent_server.url, timeout=0.3, **kw) as c:
        with pytest.raises(voicecb.Timeout) as ei:
            c.click2call(DISPLAY, CALLER, CALLEE)
    assert ei.value.attempts == 1
    assert [(e.kind, e.outcome, e.level) for e in seen] == [
        ("attempt", "timeout", "debug"),
        ("finished", "timeout", "warn"),
    ]
    assert all(e.may_have_reached_platform for e in seen)


def test_no_event_or_record_shows_the_secret_or_a_number(
    fresh_sandbox: Sandbox, silent_server: SilentServer, closed_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "s3cr3t-never-shown-0123456789"
    texts: List[str] = []
    with caplog.at_level(logging.DEBUG, logger="voicecb"):
        for base in (fresh_sandbox.url, silent_server.url, f"http://127.0.0.1:{closed_port}"):
            kw, seen = recording(retry=voicecb.RetryPolicy(2, 0.01, 0.02))
            with voicecb.Client(APP_KEY, secret, base_url=base, timeout=0.3, **kw) as c:
                for call in (
                    lambda: c.click2call(DISPLAY, CALLER, CALLEE),
                    lambda: c.click2call(DISPLAY, "123", CALLEE),
                    lambda: c.stop("1_2_0_3@x"),
                ):
                    with pytest.raises(voicecb.Error):
                        call()
            assert seen
            texts += [repr(e) for e in seen]
    records = [r for r in caplog.records if r.name == "voicecb"]
    assert records
    texts += [r.getMessage() for r in records] + [repr(r.__dict__) for r in records]
    for t in texts:
        assert secret not in t and "PasswordDigest" not in t and "UsernameToken" not in t, t
        assert CALLER not in t and CALLEE not in t, t


def test_masking_off(fresh_sandbox: Sandbox) -> None:
    kw, seen = recording(mask_numbers=False)
    with voicecb.Client(APP_KEY, APP_SECRET, base_url=fresh_sandbox.url, **kw) as c:
        c.click2call(DISPLAY, CALLER, CALLEE)
    assert seen[0].numbers["callerNbr"] == CALLER


def test_a_raising_on_event_is_logged_and_the_call_goes_on(
    fresh_sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    def boom(_: voicecb.Event) -> None:
        raise RuntimeError("the application's bug")

    with caplog.at_level(logging.ERROR, logger="voicecb"):
        with voicecb.Client(APP_KEY, APP_SECRET, base_url=fresh_sandbox.url, on_event=boom) as c:
            call = c.click2call(DISPLAY, CALLER, CALLEE)
            c.stop(call.session_id)
    assert any("on_event callback raised" in r.getMessage() for r in caplog.records)


def test_on_event_must_be_callable() -> None:
    with pytest.raises(TypeError, match="on_event"):
        voicecb.Client(APP_KEY, APP_SECRET, on_event=42)  # type: ignore[arg-type]


def test_from_env(fresh_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("VOICECB_APP_KEY", "VOICECB_APP_SECRET", "VOICECB_BASE_URL", "VOICECB_TIMEOUT"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(voicecb.InvalidArgument) as ei:
        voicecb.Client.from_env()
    assert ei.value.field == "VOICECB_APP_KEY"
    monkeypatch.setenv("VOICECB_APP_KEY", APP_KEY)
    monkeypatch.setenv("VOICECB_APP_SECRET", APP_SECRET)
    monkeypatch.setenv("VOICECB_BASE_URL", fresh_sandbox.url)
    monkeypatch.setenv("VOICECB_TIMEOUT", "soon")
    with pytest.raises(voicecb.InvalidArgument) as ei:
        voicecb.Client.from_env()
    assert ei.value.field == "VOICECB_TIMEOUT" and "soon" in str(ei.value)
    assert APP_SECRET not in str(ei.value)
    monkeypatch.setenv("VOICECB_TIMEOUT", "5")
    with voicecb.Client.from_env() as c:
        c.stop(c.click2call(DISPLAY, CALLER, CALLEE).session_id)
    # An argument replaces the environment's setting.
    monkeypatch.setenv("VOICECB_BASE_URL", "http://127.0.0.1:9")
    with voicecb.Client.from_env(base_url=fresh_sandbox.url) as c:
        c.click2call(DISPLAY, CALLER, CALLEE)


def test_async_client_fifty_calls_at_once(fresh_sandbox: Sandbox) -> None:
    async def main() -> List[voicecb.CallResult]:
        async with voicecb.AsyncClient(APP_KEY, APP_SECRET, base_url=fresh_sandbox.url, timeout=30.0) as c:
            results = await asyncio.gather(*(c.click2call(DISPLAY, CALLER, CALLEE) for _ in range(50)))
            await asyncio.gather(*(c.stop(r.session_id) for r in results))
            assert not c.closed
        assert c.closed
        return list(results)

    results = asyncio.run(main())
    assert len({r.session_id for r in results}) == 50
    assert fresh_sandbox.stats()["click2call"] == 50


def test_async_client_raises_the_same_errors(fresh_sandbox: Sandbox) -> None:
    async def main() -> None:
        async with voicecb.AsyncClient(APP_KEY, APP_SECRET, base_url=fresh_sandbox.url) as c:
            with pytest.raises(voicecb.InvalidArgument) as ei:
                await c.click2call(DISPLAY, "123", CALLEE)
            assert ei.value.field == "callerNbr"
        with pytest.raises(voicecb.ClientClosed):
            await c.stop("1_2_0_3@x")

    asyncio.run(main())
    with pytest.raises(ValueError, match="max_workers"):
        voicecb.AsyncClient(APP_KEY, APP_SECRET, max_workers=0)
