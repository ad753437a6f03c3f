"""Python binding of libvoicecb, a client of the voice-callback
("click to call") REST platform.

>>> import voicecb
>>> with voicecb.Client("app-key", "app-secret", base_url="https://...") as client:  # doctest: +SKIP
...     call = client.click2call("+8675512345678", "+8613800000001", "+8613800000002")
...     client.stop(call.session_id)

Pushed call-status events and bills are read (and their signature
checked) by :func:`parse_notification`.

Every request is checked, signed and sent by the native library; errors
are exceptions derived from :class:`voicecb.Error`, whose message is the
library's (what happened, and what to do).

The library is found in this order: the file named by ``VOICECB_LIBRARY``;
the copy inside this package; in a source checkout, the repository's
``target/release`` then ``target/debug`` build. Its C ABI version must be
the one this package was written for (:data:`ABI_VERSION`).
"""

from __future__ import annotations

from ._native import ABI_VERSION, LIB as _LIB, LIBRARY_PATH
from ._codes import Api, CodeInfo, codes, describe
from ._errors import (
    AppError,
    AuthError,
    BadNotification,
    BadResponse,
    BadSignature,
    ClientClosed,
    Error,
    InternalError,
    InvalidArgument,
    NumberError,
    ParameterError,
    PlatformError,
    PlatformInternalError,
    PolicyError,
    RateLimited,
    Timeout,
    TLSError,
    TransportError,
)
from ._client import CallResult, CalleeMedia, Client, LastMinToUE, PlayInfo, RetryPolicy, sign
from ._events import Event
from ._async import AsyncClient
from ._check import CheckReport, CheckStep, TlsFacts
from ._notify import (
    NOTIFICATION_MAX_BODY,
    NOTIFICATION_MAX_FIELDS,
    NOTIFICATION_MAX_RECORDS,
    Bill,
    BillRecord,
    DigestForm,
    Notification,
    OtherEvent,
    SignerClock,
    StatusEvent,
    StatusKind,
    parse_notification,
    verify_notification,
)

#: The native library's version string, e.g. "libvoicecb/0.1.0".
LIBRARY_VERSION: str = _LIB.voicecb_version().decode("utf-8", "replace")

#: The library's version, e.g. "0.1.0" (from ``voicecb_version()``).
__version__: str = LIBRARY_VERSION.rpartition("/")[2]

__all__ = [
    "ABI_VERSION",
    "LIBRARY_PATH",
    "LIBRARY_VERSION",
    "__version__",
    "Client",
    "AsyncClient",
    "CallResult",
    "CheckReport",
    "CheckStep",
    "TlsFacts",
    "PlayInfo",
    "Event",
    "LastMinToUE",
    "CalleeMedia",
    "RetryPolicy",
    "sign",
    "describe",
    "codes",
    "CodeInfo",
    "Api",
    "parse_notification",
    "verify_notification",
    "NOTIFICATION_MAX_BODY",
    "NOTIFICATION_MAX_RECORDS",
    "NOTIFICATION_MAX_FIELDS",
    "SignerClock",
    "DigestForm",
    "Notification",
    "StatusEvent",
    "StatusKind",
    "Bill",
    "BillRecord",
    "OtherEvent",
    "Error",
    "InvalidArgument",
    "ClientClosed",
    "TransportError",
    "Timeout",
    "TLSError",
    "BadResponse",
    "InternalError",
    "BadNotification",
    "BadSignature",
    "PlatformError",
    "AuthError",
    "AppError",
    "NumberError",
    "RateLimited",
    "PolicyError",
    "ParameterError",
    "PlatformInternalError",
]
