"""Events of a client's calls: the library's, to a callback and to logging.

The library reports one event per try of a request and one when the call
ends (see :class:`Event`). Every client logs them to the logger named
``voicecb`` (the package installs a :class:`logging.NullHandler` on it, so
nothing is printed unless the application configures logging): DEBUG for
tries, INFO for a call that succeeded, WARNING for refusals, retries and
failed calls. Each record carries the event's fields as attributes named
``voicecb_<field>`` (``record.voicecb_attempt``, ...), so structured
handlers keep them. ``Client(..., on_event=callable)`` also receives each
:class:`Event`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Optional

from ._native import EVENT_CALLBACK, LIB

#: The logger every client's events go to.
logger = logging.getLogger("voicecb")
logger.addHandler(logging.NullHandler())

# The library's levels (VOICECB_EVENT_LEVEL_*) to logging's.
_LEVELS = {0: logging.DEBUG, 1: logging.INFO, 2: logging.WARNING}


@dataclass(frozen=True)
class Event:
    """One thing a client did: a try of a request ended (``kind``
    "attempt"), or the call did ("finished").

    Attributes:
        kind: "attempt" or "finished".
        level: "debug", "info" or "warn", as it is logged.
        api: "click2Call" or "callStop".
        attempt: the try, from 1; for "finished", the tries made (0 when
            the request was refused before any).
        attempt_elapsed: seconds this try took (for "finished": the last).
        elapsed: seconds the call has taken so far, waits included.
        outcome: "answered", "refused", "invalid", "transport", "timeout",
            "tls" or "bad_response".
        http_status: the answer's HTTP status, or None.
        result_code: the platform's ``resultcode``, or None.
        result_desc: the platform's ``resultdesc``, or None.
        error_kind: the library's kind of the failure ("platform",
            "timeout", ...), None on success.
        may_have_reached_platform: False only when the library knows no
            byte of the request left.
        retry_in: for a try that will be retried, the seconds of the wait.
        session_id: the call's ``sessionId`` when known.
        request_id: the try's ``Nonce``: unique per request.
        numbers: the request's phone numbers by API field name, masked
            (``+86138****0001``) unless ``mask_numbers=False``.
    """

    kind: str
    level: str
    api: str
    attempt: int
    attempt_elapsed: float
    elapsed: float
    outcome: str
    http_status: Optional[int]
    result_code: Optional[str]
    result_desc: Optional[str]
    error_kind: Optional[str]
    may_have_reached_platform: bool
    retry_in: Optional[float]
    session_id: Optional[str]
    request_id: Optional[str]
    numbers: Dict[str, str] = field(default_factory=dict)

    @classmethod
    def _from_json(cls, raw: bytes) -> "Event":
        d = json.loads(raw)
        retry_ms = d["retry_in_ms"]
        return cls(
            kind=d["kind"],
            level=d["level"],
            api=d["api"],
            attempt=d["attempt"],
            attempt_elapsed=d["attempt_elapsed_ms"] / 1000.0,
            elapsed=d["elapsed_ms"] / 1000.0,
            outcome=d["outcome"],
            http_status=d["http_status"],
            result_code=d["result_code"],
            result_desc=d["result_desc"],
            error_kind=d["error_kind"],
            may_have_reached_platform=d["may_have_reached_platform"],
            retry_in=None if retry_ms is None else retry_ms / 1000.0,
            session_id=d["session_id"],
            request_id=d["request_id"],
            numbers=dict(d["numbers"]),
        )


def make_callback(on_event: Optional[Callable[[Event], Any]]) -> Any:
    """The C callback of a client: logs each event and hands it to
    ``on_event``. Keep the returned object alive as long as the client."""

    def callback(ev: Any, _userdata: Any) -> None:
        # Runs on the thread of the call, with the GIL (ctypes takes it).
        # Nothing may escape into the library: report and go on.
        try:
            level = _LEVELS.get(LIB.voicecb_event_level(ev), logging.WARNING)
            logged = logger.isEnabledFor(level)
            if not logged and on_event is None:
                return
            event = Event._from_json(LIB.voicecb_event_json(ev))
            if logged:
                line = LIB.voicecb_event_line(ev).decode("utf-8", "replace")
                extra = {f"voicecb_{k}": v for k, v in event.__dict__.items()}
                logger.log(level, line, extra=extra)
            if on_event is not None:
                on_event(event)
        except Exception:  # noqa: BLE001 - the callback must not raise into C
            logger.exception("voicecb: the on_event callback raised; the call goes on")

    return EVENT_CALLBACK(callback)
