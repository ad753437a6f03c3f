"""Pushed notifications: call-status events and bills, and their signatures.

The library parses the body, lists and renders every field (userData
decoded, counters in decimal), gives each bill record's own JSON and reads
the status timestamp; this module copies what it gave into dataclasses and
frees the native handle before returning.
"""

from __future__ import annotations

import ctypes
import enum
import json
from ctypes import byref, c_int64, c_uint8
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple, Union

from ._convert import c_string, i32, optional_c_string, whole_seconds
from ._errors import VOICECB_ERR_BAD_NOTIFICATION, VOICECB_ERR_NOT_FOUND, VOICECB_OK, raise_for
from ._native import LIB, ErrorP, NotificationP

# The header's voicecb_notification_type values.
VOICECB_NOTIFICATION_STATUS = 1
VOICECB_NOTIFICATION_BILL = 2
VOICECB_NOTIFICATION_OTHER = 3

# The header's limits of a push.
VOICECB_NOTIFICATION_MAX_BODY = 1048576
VOICECB_NOTIFICATION_MAX_RECORDS = 50
VOICECB_NOTIFICATION_MAX_FIELDS = 1024

#: The largest body :func:`parse_notification` accepts, in bytes
#: (``VOICECB_NOTIFICATION_MAX_BODY``): a receiver may stop reading there.
NOTIFICATION_MAX_BODY: int = VOICECB_NOTIFICATION_MAX_BODY
#: The most records a bill may carry (``VOICECB_NOTIFICATION_MAX_RECORDS``).
NOTIFICATION_MAX_RECORDS: int = VOICECB_NOTIFICATION_MAX_RECORDS
#: The most fields a ``statusInfo`` object or one bill record may have
#: (``VOICECB_NOTIFICATION_MAX_FIELDS``); more is a :class:`BadNotification`.
NOTIFICATION_MAX_FIELDS: int = VOICECB_NOTIFICATION_MAX_FIELDS


class SignerClock(enum.IntEnum):
    """The time zone in which the platform writes a push's ``Created``."""

    #: UTC (``VOICECB_SIGNER_CLOCK_UTC``), the default.
    UTC = 0
    #: Beijing time, UTC+8, with a literal Z, as the vendor's current pages
    #: state (``VOICECB_SIGNER_CLOCK_UTC8``).
    UTC8 = 1


class DigestForm(enum.IntEnum):
    """The message a push's digest is over."""

    #: Either form (``VOICECB_DIGEST_FORM_ANY``), the default.
    ANY = 0
    #: ``url + nonce + created`` only (``VOICECB_DIGEST_FORM_PLAIN``).
    PLAIN = 1
    #: ``url + "\n" + nonce + "\n" + created`` only (``VOICECB_DIGEST_FORM_LINES``).
    LINES = 2

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class StatusKind(enum.Enum):
    """The kind of a call-status event.

    Values are the header's ``VOICECB_STATUS_*`` constants;
    :attr:`api_name` is the ``eventType`` the API uses.
    """

    #: "callout": the platform is calling a party (``VOICECB_STATUS_CALLOUT``).
    CALLOUT = 1
    #: "alerting": a party's phone is ringing (``VOICECB_STATUS_ALERTING``).
    ALERTING = 2
    #: "answer": a party answered (``VOICECB_STATUS_ANSWER``).
    ANSWER = 3
    #: "collectInfo": the digits a party keyed in (``VOICECB_STATUS_COLLECT_INFO``).
    COLLECT_INFO = 4
    #: "disconnect": the call ended (``VOICECB_STATUS_DISCONNECT``).
    DISCONNECT = 5

    @property
    def api_name(self) -> str:
        """The ``eventType`` of this kind in the API ("collectInfo", ...)."""
        return _API_NAMES[self]


_API_NAMES = {
    StatusKind.CALLOUT: "callout",
    StatusKind.ALERTING: "alerting",
    StatusKind.ANSWER: "answer",
    StatusKind.COLLECT_INFO: "collectInfo",
    StatusKind.DISCONNECT: "disconnect",
}


@dataclass(frozen=True)
class StatusEvent:
    """A call-status event: the ``statusInfo`` of a push, typed.

    Every field is optional (deployments leave some out); ``fields`` and
    ``raw`` keep what was sent, including fields without an attribute
    (e.g. ``displayCallerNum``).

    Attributes:
        event_type: the ``eventType`` as sent.
        kind: which event, a :class:`StatusKind`.
        session_id: ``sessionId``: the call, as :meth:`Client.click2call` returned it.
        timestamp: ``timestamp`` as sent ("2019-01-24 03:04:24", UTC).
        time: ``timestamp`` as read by the library, an aware ``datetime``
            in UTC (``tzinfo`` is ``timezone.utc``); None when it is absent
            or not of that form.
        caller: ``caller``, the calling number.
        called: ``called``, the called number.
        user_data: ``userData`` of the call, decoded when libvoicecb
            Base64-encoded it (``encode_non_ascii_user_data``), else as sent.
        state_code: ``stateCode`` (on disconnect): why the call ended.
        state_desc: ``stateDesc``: the text of ``stateCode``.
        party_type: ``partyType`` (on disconnect): which party hung up, as text.
        digit_info: ``digitInfo`` (on collectInfo): the digits keyed in.
        display_caller_num: ``displayCallerNum``: the number shown to the called party.
        fields: every ``statusInfo`` field as the library renders it (API
            name to text: strings as sent, userData decoded, integers in
            decimal, other values as JSON); absent and null fields left out.
        raw: the whole body, parsed (userData as sent).
    """

    event_type: str
    kind: StatusKind
    session_id: Optional[str] = None
    timestamp: Optional[str] = None
    time: Optional[datetime] = None
    caller: Optional[str] = None
    called: Optional[str] = None
    user_data: Optional[str] = None
    state_code: Optional[int] = None
    state_desc: Optional[str] = None
    party_type: Optional[str] = None
    digit_info: Optional[str] = None
    display_caller_num: Optional[str] = None
    fields: Dict[str, str] = field(default_factory=dict, repr=False, hash=False)
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, hash=False)


#: How far a signed push's Created may be from now by default, in seconds:
#: the library's (``voicecb_default_notification_window_secs``).
DEFAULT_WINDOW: float = float(LIB.voicecb_default_notification_window_secs())

#: The bill-record fields the platform sends as integers, as the library
#: lists them (``voicecb_bill_integer_field_at``).
_INTEGER_FIELDS = frozenset(
    LIB.voicecb_bill_integer_field_at(i).decode("utf-8") for i in range(LIB.voicecb_bill_integer_field_count())
)

#: (attribute, API name) of every named field of a bill record.
_RECORD_NAMES: Tuple[Tuple[str, str], ...] = (
    ("direction", "direction"),
    ("sp_id", "spId"),
    ("app_key", "appKey"),
    ("icid", "icid"),
    ("bind_num", "bindNum"),
    ("session_id", "sessionId"),
    ("caller_num", "callerNum"),
    ("callee_num", "calleeNum"),
    ("fwd_display_num", "fwdDisplayNum"),
    ("fwd_dst_num", "fwdDstNum"),
    ("call_in_time", "callInTime"),
    ("fwd_start_time", "fwdStartTime"),
    ("fwd_alerting_time", "fwdAlertingTime"),
    ("fwd_answer_time", "fwdAnswerTime"),
    ("call_end_time", "callEndTime"),
    ("fwd_unasw_rsn", "fwdUnaswRsn"),
    ("fail_time", "failTime"),
    ("ul_fail_reason", "ulFailReason"),
    ("sip_status_code", "sipStatusCode"),
    ("call_out_start_time", "callOutStartTime"),
    ("call_out_alerting_time", "callOutAlertingTime"),
    ("call_out_answer_time", "callOutAnswerTime"),
    ("call_out_unasw_rsn", "callOutUnaswRsn"),
    ("record_flag", "recordFlag"),
    ("record_start_time", "recordStartTime"),
    ("record_object_name", "recordObjectName"),
    ("record_bucket_name", "recordBucketName"),
    ("record_domain", "recordDomain"),
    ("record_file_download_url", "recordFileDownloadUrl"),
    ("tts_play_times", "ttsPlayTimes"),
    ("tts_trans_duration", "ttsTransDuration"),
    ("service_type", "serviceType"),
    ("host_name", "hostName"),
    ("user_data", "userData"),
    ("dyn_ivr_start_time", "dynIVRStartTime"),
    ("dyn_ivr_path", "dynIVRPath"),
    ("orig_callee_num", "origCalleeNum"),
)

#: (attribute, API name, is a counter) of every named field of a bill record.
BILL_RECORD_FIELDS: Tuple[Tuple[str, str, bool], ...] = tuple(
    (attr, api_name, api_name in _INTEGER_FIELDS) for attr, api_name in _RECORD_NAMES
)


@dataclass(frozen=True)
class BillRecord:
    """One call record of a bill.

    Times are "yyyy-MM-dd HH:mm:ss" strings (UTC) as sent; counters and
    codes are ints whether the platform sent numbers or strings of digits.
    Each attribute is the API field in snake case (``call_end_time`` is
    ``callEndTime``, ``fwd_unasw_rsn`` is ``fwdUnaswRsn``); None when absent.

    Attributes:
        direction: ``direction`` of the call.
        sp_id: ``spId``, the cloud account.
        app_key: ``appKey``, the app that placed the call.
        icid: ``icid``, the record's unique id.
        bind_num: ``bindNum``, the platform number of the call.
        session_id: ``sessionId``, the call.
        caller_num: ``callerNum``. callee_num: ``calleeNum``.
        fwd_display_num: ``fwdDisplayNum``. fwd_dst_num: ``fwdDstNum``.
        call_in_time, fwd_start_time, fwd_alerting_time, fwd_answer_time,
        call_end_time, fail_time, call_out_start_time,
        call_out_alerting_time, call_out_answer_time, record_start_time:
            times.
        fwd_unasw_rsn, call_out_unasw_rsn: Q.850 causes of a failed leg.
        ul_fail_reason: where the call failed. sip_status_code: its SIP status.
        record_flag: 1 when the call was recorded. record_object_name,
        record_bucket_name, record_domain, record_file_download_url: the
            recording.
        tts_play_times, tts_trans_duration: text-to-speech use.
        service_type: "002" for voice callback, "001" for a voice notification
            or verification code. host_name: the platform host.
        user_data: ``userData`` of the call, decoded as in :class:`StatusEvent`.
        fields: every field of the record as the library renders it (API
            name to text); absent and null fields left out.
        raw: the record's object as sent.
    """

    direction: Optional[int] = None
    sp_id: Optional[str] = None
    app_key: Optional[str] = None
    icid: Optional[str] = None
    bind_num: Optional[str] = None
    session_id: Optional[str] = None
    caller_num: Optional[str] = None
    callee_num: Optional[str] = None
    fwd_display_num: Optional[str] = None
    fwd_dst_num: Optional[str] = None
    call_in_time: Optional[str] = None
    fwd_start_time: Optional[str] = None
    fwd_alerting_time: Optional[str] = None
    fwd_answer_time: Optional[str] = None
    call_end_time: Optional[str] = None
    fwd_unasw_rsn: Optional[int] = None
    fail_time: Optional[str] = None
    ul_fail_reason: Optional[int] = None
    sip_status_code: Optional[int] = None
    call_out_start_time: Optional[str] = None
    call_out_alerting_time: Optional[str] = None
    call_out_answer_time: Optional[str] = None
    call_out_unasw_rsn: Optional[int] = None
    record_flag: Optional[int] = None
    record_start_time: Optional[str] = None
    record_object_name: Optional[str] = None
    record_bucket_name: Optional[str] = None
    record_domain: Optional[str] = None
    record_file_download_url: Optional[str] = None
    tts_play_times: Optional[int] = None
    tts_trans_duration: Optional[int] = None
    service_type: Optional[str] = None
    host_name: Optional[str] = None
    user_data: Optional[str] = None
    dyn_ivr_start_time: Optional[str] = None
    dyn_ivr_path: Optional[str] = None
    orig_callee_num: Optional[str] = None
    fields: Dict[str, str] = field(default_factory=dict, repr=False, hash=False)
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, hash=False)


@dataclass(frozen=True)
class Bill:
    """A bill (``eventType`` "fee"): one to :data:`NOTIFICATION_MAX_RECORDS` call records.

    Attributes:
        event_type: the ``eventType`` as sent ("fee").
        records: the records of ``feeLst``, in the order sent.
        raw: the whole body, parsed (userData as sent).
    """

    event_type: str
    records: List[BillRecord] = field(default_factory=list, hash=False)
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, hash=False)


@dataclass(frozen=True)
class OtherEvent:
    """A push of an ``eventType`` this library does not know, kept whole.

    Attributes:
        event_type: the ``eventType`` as sent.
        raw: the whole body, parsed.
    """

    event_type: str
    raw: Dict[str, Any] = field(default_factory=dict, hash=False)


Notification = Union[StatusEvent, Bill, OtherEvent]


def _text(raw: Optional[bytes]) -> Optional[str]:
    return None if raw is None else raw.decode("utf-8", "replace")


def _header(headers: Optional[Mapping[str, str]], name: str) -> Optional[bytes]:
    """The value of header ``name`` (looked up without regard to case) as a
    C string, or None (NULL) when absent."""
    if headers is None:
        return None
    wanted = name.lower()
    for key, value in headers.items():
        if isinstance(key, str) and key.lower() == wanted:
            return c_string(value, name)
    return None


def _body_bytes(body: Union[bytes, bytearray, memoryview, str]) -> bytes:
    if isinstance(body, str):
        # A lone surrogate passes through, for the library to refuse as not JSON.
        return body.encode("utf-8", "surrogatepass")
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    raise TypeError(f"body must be bytes or str, not {type(body).__name__}")


def verify_notification(
    headers: Optional[Mapping[str, str]],
    *,
    url: Optional[str],
    app_key: Optional[str],
    app_secret: Optional[str],
    window: float = DEFAULT_WINDOW,
    signer_clock: SignerClock = SignerClock.UTC,
    digest_form: DigestForm = DigestForm.ANY,
) -> None:
    """Checks the signature of a push (``voicecb_notification_verify_with``).

    ``signer_clock`` is the time zone the platform writes ``Created`` in
    (:attr:`SignerClock.UTC8` for Beijing time, as the vendor's pages
    state); ``digest_form`` pins the digest's message (both accepted by
    default). The ``Nonce`` must be 1 to 128 characters of [0-9A-Za-z].

    Raises:
        BadSignature: it did not verify (the message names the check).
        InvalidArgument: ``url``, ``app_key`` or ``app_secret`` is missing
            or empty, ``signer_clock`` or ``digest_form`` is not one of
            their values, or ``window`` cannot be passed.
    """
    key = optional_c_string(app_key, "app_key")
    secret = optional_c_string(app_secret, "app_secret")
    target = optional_c_string(url, "url")
    window_secs = whole_seconds(window, "window")
    authorization = _header(headers, "Authorization")
    x_aksk = _header(headers, "X-AKSK")
    err = ErrorP()
    clock = i32(signer_clock, "signer_clock")
    form = i32(digest_form, "digest_form")
    rc = LIB.voicecb_notification_verify_with(
        key, secret, target, authorization, x_aksk, window_secs, clock, form, byref(err)
    )
    raise_for(rc, err)


def parse_notification(
    body: Union[bytes, str],
    headers: Optional[Mapping[str, str]] = None,
    *,
    url: Optional[str] = None,
    app_key: Optional[str] = None,
    app_secret: Optional[str] = None,
    window: float = DEFAULT_WINDOW,
    signer_clock: SignerClock = SignerClock.UTC,
    digest_form: DigestForm = DigestForm.ANY,
) -> Notification:
    """Reads the body of a push to a ``statusUrl`` or ``feeUrl``.

    Args:
        body: the request body, as received (bytes, or str).
        headers: the request's headers (any mapping; names are matched
            without regard to case). Only read to verify the signature.
        url: the ``status_url``/``fee_url`` exactly as given to
            :meth:`Client.click2call`.
        app_key: the app's key.
        app_secret: the app's secret.
        window: seconds ``Created`` of the signature may be away from now
            (whole seconds, rounded down).
        signer_clock: the time zone ``Created`` is written in.
        digest_form: the digest forms accepted.

    When any of ``url``, ``app_key`` and ``app_secret`` is given, the
    signature is verified first (for deployments that sign pushes): the
    ``Authorization`` and ``X-AKSK`` headers are passed to the library, a
    missing one as absent, and the library decides. A push replayed within
    the window verifies again, and the signature does not cover the body.

    Returns:
        A :class:`StatusEvent`, a :class:`Bill`, or an :class:`OtherEvent`
        for an ``eventType`` the library does not know.

    Raises:
        BadNotification: the body is not what the API defines (the message
            says what is wrong; it is also a ``ValueError``).
        BadSignature: the signature did not verify.
        InvalidArgument: a verification argument is missing or empty.
    """
    data = _body_bytes(body)
    if url is not None or app_key is not None or app_secret is not None:
        verify_notification(
            headers,
            url=url,
            app_key=app_key,
            app_secret=app_secret,
            window=window,
            signer_clock=signer_clock,
            digest_form=digest_form,
        )
    with _parsed(data) as handle:
        return _read(handle)


@contextmanager
def _parsed(data: bytes) -> Iterator[Any]:
    """The library's handle of the push ``data``, freed on exit."""
    buf = ctypes.cast(ctypes.c_char_p(data), ctypes.POINTER(c_uint8))
    handle = NotificationP()
    err = ErrorP()
    rc = LIB.voicecb_notification_parse(buf, len(data), byref(handle), byref(err))
    raise_for(rc, err)
    try:
        yield handle
    finally:
        LIB.voicecb_notification_free(handle)


@contextmanager
def parsed_record(record: BillRecord) -> Iterator[Tuple[Any, int]]:
    """The library's handle of a bill holding only ``record`` (its object as
    sent), and the record's index in it, for the C functions that read a
    parsed bill's record: they, not this package, decide what it holds."""
    body = json.dumps({"eventType": "fee", "feeLst": [record.raw]}).encode("utf-8")
    with _parsed(body) as handle:
        yield handle, 0


def _read(n: Any) -> Notification:
    kind = int(LIB.voicecb_notification_type(n))
    event_type = _text(LIB.voicecb_notification_event_type(n)) or ""
    raw = json.loads(_text(LIB.voicecb_notification_raw_json(n)) or "null")
    if kind == VOICECB_NOTIFICATION_STATUS:
        return _status(n, event_type, raw)
    if kind == VOICECB_NOTIFICATION_BILL:
        return _bill(n, event_type, raw)
    return OtherEvent(event_type=event_type, raw=raw)


def _status(n: Any, event_type: str, raw: Dict[str, Any]) -> StatusEvent:
    # By index: listing the fields stays linear in their number.
    fields = _listed(
        int(LIB.voicecb_notification_field_count(n)),
        lambda i: LIB.voicecb_notification_field_name(n, i),
        lambda i: LIB.voicecb_notification_field_value(n, i),
    )

    def get(name: str) -> Optional[str]:
        return fields.get(name)

    code = c_int64()
    rc = LIB.voicecb_notification_state_code(n, byref(code))
    if rc not in (VOICECB_OK, VOICECB_ERR_NOT_FOUND):
        raise_for(rc, None)
    return StatusEvent(
        event_type=event_type,
        kind=StatusKind(int(LIB.voicecb_notification_status_kind(n))),
        session_id=get("sessionId"),
        timestamp=get("timestamp"),
        time=_time(n),
        caller=get("caller"),
        called=get("called"),
        user_data=get("userData"),
        state_code=int(code.value) if rc == VOICECB_OK else None,
        state_desc=get("stateDesc"),
        party_type=get("partyType"),
        digit_info=get("digitInfo"),
        display_caller_num=get("displayCallerNum"),
        fields=fields,
        raw=raw,
    )


def _listed(count: int, name_at: Any, value_at: Any) -> Dict[str, str]:
    """The fields the library lists (present and not null, rendered by it),
    read by index."""
    fields: Dict[str, str] = {}
    for i in range(count):
        name, value = name_at(i), value_at(i)
        if name is None or value is None:
            break
        fields[_text(name) or ""] = _text(value) or ""
    return fields


def _time(n: Any) -> Optional[datetime]:
    """The library's reading of the status event's ``timestamp``
    (``voicecb_notification_time``) as an aware UTC datetime; None when
    there is none, when it is malformed, or when ``datetime`` cannot hold it."""
    secs = c_int64()
    err = ErrorP()
    rc = LIB.voicecb_notification_time(n, byref(secs), byref(err))
    if rc in (VOICECB_ERR_NOT_FOUND, VOICECB_ERR_BAD_NOTIFICATION):
        # Not an error of the push: the event is kept, with its timestamp as sent.
        if err:
            LIB.voicecb_error_free(err)
        return None
    raise_for(rc, err)
    try:
        return _EPOCH + timedelta(seconds=int(secs.value))
    except OverflowError:
        return None


def _bill(n: Any, event_type: str, raw: Dict[str, Any]) -> Bill:
    records = []
    for i in range(int(LIB.voicecb_notification_record_count(n))):
        fields = _listed(
            int(LIB.voicecb_notification_record_field_count(n, i)),
            lambda j, i=i: LIB.voicecb_notification_record_field_name(n, i, j),
            lambda j, i=i: LIB.voicecb_notification_record_field_value(n, i, j),
        )
        values: Dict[str, Any] = {}
        for attr, api_name, counter in BILL_RECORD_FIELDS:
            text = fields.get(api_name)
            # The library gives counters in decimal.
            values[attr] = int(text) if counter and text is not None else text
        # The record's own object as sent (the library refuses a record that is not one).
        obj = json.loads(_text(LIB.voicecb_notification_record_raw_json(n, i)) or "{}")
        records.append(BillRecord(**values, fields=fields, raw=obj))
    return Bill(event_type=event_type, records=records, raw=raw)
