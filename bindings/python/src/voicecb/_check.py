"""The report of :meth:`voicecb.Client.check`, read from the library's JSON.

The verdicts, their advice and every text are the library's
(``Client::check`` in Rust); this module only turns its JSON form into
dataclasses.
"""

from __future__ import annotations

import json
from ctypes import byref
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, Optional, Tuple

from ._errors import raise_for
from ._native import LIB, CheckReportP, ErrorP


@dataclass(frozen=True)
class CheckStep:
    """One line of the checklist."""

    #: "resolve", "connect", "tls", "probe", "clock" or "credentials".
    step: str
    #: "ok", "warning", "failed" or "skipped".
    status: str
    #: What was found, or why the step was not tried.
    detail: str
    #: What to do, for a step that failed or warned; else None.
    advice: Optional[str]


@dataclass(frozen=True)
class TlsFacts:
    """What the TLS handshake showed."""

    #: "TLSv1.3" or "TLSv1.2".
    version: str
    #: The server certificate's subject, e.g. "CN=localhost".
    subject: str
    #: When the certificate expires (UTC), if readable.
    not_after: Optional[datetime]
    #: The root that verified the chain and where it came from, or why none did.
    verified_by: str


@dataclass(frozen=True)
class CheckReport:
    """What :meth:`Client.check` found. ``passed`` is True only when the
    platform accepted the credentials and no step failed; ``verdict`` names
    the outcome ("accepted", "app_key_unknown", "wrong_secret",
    "clock_skew", "header_refused", "wrong_path", "refused",
    "unexpected_answer", "not_resolved", "connect_failed", "tls_failed",
    "timeout", "transport_failed") and ``advice`` says what to do."""

    passed: bool
    verdict: str
    #: The verdict's number (the C ``VOICECB_CHECK_*`` value).
    verdict_code: int
    #: The verdict in a few words.
    summary: str
    advice: str
    #: ``host:port`` checked.
    endpoint: str
    #: ``host:port`` of the proxy, when requests go through one.
    proxy: Optional[str]
    #: The addresses the endpoint resolved to (``ip:port``).
    addresses: Tuple[str, ...]
    connected_to: Optional[str]
    #: Seconds the TCP connection took, or None.
    connect_time: Optional[float]
    tls: Optional[TlsFacts]
    #: Seconds of the probe's round trip, or None without an answer.
    probe_time: Optional[float]
    http_status: Optional[int]
    result_code: Optional[str]
    result_desc: Optional[str]
    #: The platform's clock from its Date header (UTC), or None.
    platform_time: Optional[datetime]
    #: The platform's clock minus this host's, in seconds (positive: this host is behind).
    clock_skew_secs: Optional[int]
    clock_offset_secs: int
    steps: Tuple[CheckStep, ...]
    #: Seconds the whole check took.
    elapsed: float
    #: The checklist as ``voicecb doctor`` prints it.
    checklist: str

    def __str__(self) -> str:
        return self.checklist


def _seconds(us: Optional[int]) -> Optional[float]:
    return None if us is None else us / 1_000_000


def _time(text: Optional[str]) -> Optional[datetime]:
    return None if text is None else datetime.fromisoformat(text)


def _report(data: Dict[str, Any], checklist: str) -> CheckReport:
    tls = data["tls"]
    return CheckReport(
        passed=data["passed"],
        verdict=data["verdict"],
        verdict_code=data["verdict_code"],
        summary=data["summary"],
        advice=data["advice"],
        endpoint=data["endpoint"],
        proxy=data["proxy"],
        addresses=tuple(data["addresses"]),
        connected_to=data["connected_to"],
        connect_time=_seconds(data["connect_us"]),
        tls=None
        if tls is None
        else TlsFacts(tls["version"], tls["subject"], _time(tls["not_after"]), tls["verified_by"]),
        probe_time=_seconds(data["probe_us"]),
        http_status=data["http_status"],
        result_code=data["result_code"],
        result_desc=data["result_desc"],
        platform_time=_time(data["platform_time"]),
        clock_skew_secs=data["clock_skew_secs"],
        clock_offset_secs=data["clock_offset_secs"],
        steps=tuple(CheckStep(s["step"], s["status"], s["detail"], s["advice"]) for s in data["steps"]),
        elapsed=data["elapsed_us"] / 1_000_000,
        checklist=checklist,
    )


def run_check(handle: Any, timeout_ms: int) -> CheckReport:
    """Runs ``voicecb_client_check`` on a client handle."""
    report = CheckReportP()
    err = ErrorP()
    raise_for(LIB.voicecb_client_check(handle, timeout_ms, byref(report), byref(err)), err)
    try:
        data = json.loads(LIB.voicecb_check_report_json(report).decode("utf-8"))
        checklist = LIB.voicecb_check_report_checklist(report).decode("utf-8")
    finally:
        LIB.voicecb_check_report_free(report)
    return _report(data, checklist)
