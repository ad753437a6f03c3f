"""The result-code catalogue: what each platform ``resultcode`` means."""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from typing import Any, List, Optional, Tuple

from ._native import LIB, CodeInfoP, ErrorP


@dataclass(frozen=True)
class CodeInfo:
    """A catalogue entry of the platform's result codes.

    Attributes:
        http_status: the HTTP status the platform sends with this code.
        code: the platform's ``resultcode``, e.g. ``"1010010"``.
        en: the spec's English description.
        zh: the spec's Chinese description.
        advice: the spec's handling advice (Chinese).
        category: the category's short name (``"auth_header"``,
            ``"signature"``, ``"app"``, ``"number"``, ``"quota"``,
            ``"policy"``, ``"parameter"``, ``"platform"``, ``"success"``).
        retryable: True when the answer proves the call was not placed and
            sending the same request again later is safe.
    """

    http_status: int
    code: str
    en: str
    zh: str
    advice: str
    category: str
    retryable: bool


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
    )


def describe(http_status: int, code: str) -> Optional[CodeInfo]:
    """The catalogue entry for an HTTP status and a platform ``resultcode``,
    or None when the catalogue has none.

    The same code can mean different things under different statuses, e.g.
    ``describe(401, "1010010")`` (wrong app key or secret) is not
    ``describe(403, "1010010")``.

    Raises:
        InvalidArgument: ``code`` contains a NUL character or cannot be
            encoded as UTF-8.
    """
    from ._errors import VOICECB_ERR_NOT_FOUND, raise_for
    from ._convert import c_string

    status = int(http_status)
    if not 0 <= status <= 0xFFFF:
        return None  # no HTTP status: the catalogue cannot hold it
    raw = c_string(code, "code")
    out = CodeInfoP()
    err = ErrorP()
    rc = LIB.voicecb_code_lookup(status, raw, ctypes.byref(out), ctypes.byref(err))
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
