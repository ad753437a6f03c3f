"""Client.check() and AsyncClient.check() against the sandbox: the report
as a dataclass, each verdict the binding can provoke, and no call placed."""

from __future__ import annotations

import asyncio
import datetime

import voicecb
from conftest import APP_KEY, APP_SECRET, Sandbox, SilentServer


def _step(report: voicecb.CheckReport, name: str) -> voicecb.CheckStep:
    return next(s for s in report.steps if s.step == name)


def test_good_credentials_pass_and_no_call_is_placed(client: voicecb.Client, fresh_sandbox: Sandbox) -> None:
    report = client.check()
    assert isinstance(report, voicecb.CheckReport)
    assert report.passed and report.verdict == "accepted" and report.verdict_code == 0
    assert (report.http_status, report.result_code) == (500, "1020152")
    assert [s.step for s in report.steps] == ["resolve", "connect", "tls", "probe", "clock", "credentials"]
    assert _step(report, "tls").status == "skipped"
    assert _step(report, "credentials").status == "ok" and _step(report, "credentials").advice is None
    assert report.addresses == (f"127.0.0.1:{fresh_sandbox.port}",)
    assert isinstance(report.platform_time, datetime.datetime)
    assert isinstance(report.clock_skew_secs, int)
    assert report.connect_time is not None and report.probe_time is not None
    assert report.tls is None
    assert str(report).endswith("every step passed\n")
    stats = fresh_sandbox.stats()
    assert stats["click2call"] == 0 and stats["callstop"] == 1 and stats["active_sessions"] == 0


def test_a_wrong_secret_is_the_verdict_not_an_exception(fresh_sandbox: Sandbox) -> None:
    with voicecb.Client(APP_KEY, "not-the-secret", base_url=fresh_sandbox.url) as c:
        report = c.check()
    assert not report.passed and report.verdict == "wrong_secret"
    assert (report.http_status, report.result_code) == (401, "1010010")
    step = _step(report, "credentials")
    assert step.status == "failed" and step.advice
    assert "not-the-secret" not in repr(report) and "not-the-secret" not in report.checklist


def test_a_clock_ten_minutes_off_and_a_wrong_path(fresh_sandbox: Sandbox) -> None:
    with voicecb.Client(APP_KEY, APP_SECRET, base_url=fresh_sandbox.url, clock_offset=600) as c:
        report = c.check()
    assert report.verdict == "clock_skew" and report.clock_offset_secs == 600
    assert _step(report, "clock").status == "failed"
    url = fresh_sandbox.url + "/voice"
    with voicecb.Client(APP_KEY, APP_SECRET, base_url=url, allow_base_url_path=True) as c:
        assert c.check().verdict == "wrong_path"


def test_unreachable_servers(silent_server: SilentServer, closed_port: int) -> None:
    with voicecb.Client(APP_KEY, APP_SECRET, base_url=silent_server.url, timeout=30) as c:
        # Only the check's own limit can end it: the server never answers.
        report = c.check(timeout=1.0)
    assert report.verdict == "timeout" and _step(report, "probe").status == "failed"
    assert "the call's own timeout" in _step(report, "probe").detail
    with voicecb.Client(APP_KEY, APP_SECRET, base_url=f"http://127.0.0.1:{closed_port}") as c:
        report = c.check()
    assert report.verdict == "connect_failed" and report.http_status is None
    assert [s.status for s in report.steps][2:] == ["skipped"] * 4


def test_async_client_check(fresh_sandbox: Sandbox) -> None:
    async def main() -> voicecb.CheckReport:
        async with voicecb.AsyncClient(APP_KEY, APP_SECRET, base_url=fresh_sandbox.url) as c:
            return await c.check()

    report = asyncio.run(main())
    assert report.passed and report.verdict == "accepted"
