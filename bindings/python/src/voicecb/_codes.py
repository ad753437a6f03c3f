"""The result-code catalogue: what each platform ``resultcode`` means."""

from __future__ import annotations

import ctypes
import enum
from dataclasses import dataclass
from typing import Any, FrozenSet, List, Optional, Tuple, Union

from ._native import LIB, CodeInfoP, ErrorP


class Api(enum.Enum):
    """One of the platform's APIs, each with its own table of result codes.

    Values are the header's ``VOICECB_API_*`` constants; the strings
    "click2call", "callstop", "callnotify", "callverify" and "recordurl"
    are accepted wherever a member is.
    """

    #: click2Call, placing a call (``VOICECB_API_CLICK2CALL``).
    CLICK2CALL = 1
    #: callStop, ending a call (``VOICECB_API_CALL_STOP``).
    CALL_STOP = 2
    #: callNotify, the voice notification (``VOICECB_API_CALL_NOTIFY``).
    CALL_NOTIFY = 3
    #: callVerify, the voice verification code (``VOICECB_API_CALL_VERIFY``).
    CALL_VERIFY = 4
    #: recordUrl, a recording's download URL (``VOICECB_API_RECORD_URL``).
    RECORD_URL = 5


_API_NAMES = {
    "click2call": Api.CLICK2CALL,
    "callstop": Api.CALL_STOP,
    "callnotify": Api.CALL_NOTIFY,
    "callverify": Api.CALL_VERIFY,
    "recordurl": Api.RECORD_URL,
}


@dataclass(frozen=True)
class CodeInfo:
    """A catalogue entry of the platform's result codes.

    Attributes:
        http_status: the HTTP status the platform sends with this code.
        code: the platform's ``resultcode``, e.g. ``"1010010"``.
        en: the spec's English description.
        zh: the spec's Chinese description.
        advice: the handling advice in English (the spec's Chinese advice,
            translated).
        category: the category's short name (``"auth_header"``,
            ``"signature"``, ``"app"``, ``"number"``, ``"quota"``,
            ``"policy"``, ``"parameter"``, ``"platform"``, ``"success"``).
        retryable: True when the answer proves the call was not placed and
            sending the same request again later is safe.
        apis: the APIs whose table lists this entry (:class:`Api` members).
        advice_zh: the spec's handling advice, in Chinese, to the letter.
    """

    http_status: int
    code: str
    en: str
    zh: str
    advice: str
    category: str
    retryable: bool
    apis: FrozenSet[Api] = frozenset()
    advice_zh: str = ""


def _text(raw: Optional[bytes]) -> str:
    return "" if raw is None else raw.decode("utf-8", "replace")


def category_name(category: int) -> str:
    """The library's name of a ``VOICECB_CATEGORY_*`` value ("" when unknown)."""
    return _text(LIB.voicecb_category_name(category))


def info_from_pointer(ptr: Any) -> Optional[CodeInfo]:
    """A :class:`CodeInfo` copied from a static ``voicecb_code_info *`` (None for NULL)."""
    if not ptr:
        return None
    return CodeInfo(
        http_status=int(LIB.voicecb_code_info_http_status(ptr)),
        code=_text(LIB.voicecb_code_info_code(ptr)),
        en=_text(LIB.voicecb_code_info_en(ptr)),
        zh=_text(LIB.voicecb_code_info_zh(ptr)),
        advice=_text(LIB.voicecb_code_info_advice(ptr)),
        category=category_name(int(LIB.voicecb_code_info_category(ptr))),
        retryable=bool(LIB.voicecb_code_info_retryable(ptr)),
        apis=frozenset(api for api in Api if LIB.voicecb_code_info_listed_for(ptr, api.value)),
        advice_zh=_text(LIB.voicecb_code_info_advice_zh(ptr)),
    )


def api_value(api: Union[str, Api]) -> int:
    """The ``VOICECB_API_*`` constant of an :class:`Api` or of its name."""
    if isinstance(api, Api):
        return int(api.value)
    if isinstance(api, str):
        member = _API_NAMES.get(api)
        if member is None:
            from ._errors import invalid

            invalid("api", f"must be one of {', '.join(repr(n) for n in _API_NAMES)}, got {api!r}")
        return int(member.value)
    raise TypeError(f"api must be a str or a voicecb.Api, not {type(api).__name__}")


def describe(http_status: int, code: str, api: Optional[Union[str, Api]] = None) -> Optional[CodeInfo]:
    """The catalogue entry for an HTTP status and a platform ``resultcode``,
    or None when the catalogue has none.

    The same code can mean different things under different statuses, e.g.
    ``describe(401, "1010010")`` (wrong app key or secret) is not
    ``describe(403, "1010010")``.

    Args:
        http_status: the HTTP status of the answer.
        code: the platform's ``resultcode``.
        api: an :class:`Api` or its name ("click2call", "callnotify", ...)
            to read that API's table: a few rows are worded differently,
            and one (500/1023002, a response timeout) is retry-safe only
            for callStop. None reads every table, click2Call's wording first.

    Raises:
        InvalidArgument: ``code`` contains a NUL character or cannot be
            encoded as UTF-8, or ``api`` is not an API's name.
    """
    from ._errors import VOICECB_ERR_NOT_FOUND, raise_for
    from ._convert import c_string

    which = None if api is None else api_value(api)
    status = int(http_status)
    if not 0 <= status <= 0xFFFF:
        return None  # no HTTP status: the catalogue cannot hold it
    raw = c_string(code, "code")
    out = CodeInfoP()
    err = ErrorP()
    if which is None:
        rc = LIB.voicecb_code_lookup(status, raw, ctypes.byref(out), ctypes.byref(err))
    else:
        rc = LIB.voicecb_code_lookup_for(which, status, raw, ctypes.byref(out), ctypes.byref(err))
    if rc == VOICECB_ERR_NOT_FOUND:
        LIB.voicecb_error_free(err)
        return None
    raise_for(rc, err)
    return info_from_pointer(out)


_ALL: Optional[Tuple[CodeInfo, ...]] = None


def codes() -> List[CodeInfo]:
    """Every entry of the catalogue, in the library's order."""
    global _ALL
    if _ALL is None:
        count = int(LIB.voicecb_code_count())
        entries = []
        for i in range(count):
            info = info_from_pointer(LIB.voicecb_code_at(i))
            if info is not None:
                entries.append(info)
        _ALL = tuple(entries)
    return list(_ALL)
