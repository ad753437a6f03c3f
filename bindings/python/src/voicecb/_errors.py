"""Exceptions, and their construction from a ``voicecb_error`` handle."""

from __future__ import annotations

import ctypes
from typing import Any, Dict, NoReturn, Optional, Type

from ._codes import CodeInfo, info_from_pointer
from ._native import LIB

# The header's voicecb_result values.
VOICECB_OK = 0
VOICECB_ERR_NULL_ARGUMENT = 1
VOICECB_ERR_INVALID_UTF8 = 2
VOICECB_ERR_INVALID_ARGUMENT = 3
VOICECB_ERR_TRANSPORT = 4
VOICECB_ERR_TIMEOUT = 5
VOICECB_ERR_TLS = 6
VOICECB_ERR_BAD_RESPONSE = 7
VOICECB_ERR_PLATFORM = 8
VOICECB_ERR_NOT_FOUND = 9
VOICECB_ERR_PANIC = 10
VOICECB_ERR_BAD_NOTIFICATION = 11
VOICECB_ERR_BAD_SIGNATURE = 12
VOICECB_ERR_INVALID_HANDLE = 13


class Error(Exception):
    """Base class of every error of this package.

    Attributes:
        code: the C result code (``VOICECB_ERR_*`` of ``voicecb.h``).
        message: the library's description of what happened and what to do
            (also ``str(error)``).
        http_status: the HTTP status of the server's answer, or None when
            there was none.
        request_not_sent: True when the library knows no byte of the
            request reached the network (a refused argument, a connection
            that could not be made); False means it may have reached the
            platform, so a click2call may have placed a call.
        session_id: for a failed click2call whose answer held a
            ``sessionId`` (a refusal with a 3xx or 5xx status, a body too
            large or broken after the id, an id callStop would refuse): that
            id, control characters escaped, so that a call that may be
            ringing can still be stopped; None otherwise.
    """

    code: int
    message: str
    http_status: Optional[int]
    request_not_sent: bool
    session_id: Optional[str]
    #: How many tries of the request the call made (0: refused before any,
    #: or not a call's error).
    attempts: int = 0
    #: Seconds the call took in all, tries and waits included.
    elapsed: float = 0.0

    def __init__(
        self,
        message: str,
        *,
        code: int,
        http_status: Optional[int] = None,
        request_not_sent: bool = False,
        session_id: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.http_status = http_status
        self.request_not_sent = request_not_sent
        self.session_id = session_id

    def __reduce__(self) -> Any:
        # Keyword-only constructor arguments: pickle the state instead.
        return (_rebuild, (type(self), self.message, dict(self.__dict__)))


def _rebuild(cls: Type[Error], message: str, state: Dict[str, Any]) -> Error:
    obj = cls.__new__(cls)
    Exception.__init__(obj, message)
    obj.__dict__.update(state)
    return obj


# The API's name of each request field whose keyword argument is spelled
# otherwise, so that messages name both (the library knows only the API's).
KEYWORDS: Dict[str, str] = {
    "displayNbr": "display_nbr",
    "callerNbr": "caller_nbr",
    "calleeNbr": "callee_nbr",
    "displayCalleeNbr": "display_callee_nbr",
    "maxDuration": "max_duration",
    "lastMinVoice": "last_min_voice",
    "lastMinToUE": "last_min_to_ue",
    "playPreVoice": "play_pre_voice",
    "preVoice": "pre_voice",
    "waitVoice": "wait_voice",
    "calleeMedia": "callee_media",
    "statusUrl": "status_url",
    "feeUrl": "fee_url",
    "recordFlag": "record",
    "recordHintTone": "record_hint_tone",
    "partyTypeRequiredInDisconnect": "party_type_required_in_disconnect",
    "returnIdlePort": "return_idle_port",
    "userData": "user_data",
    "sessionid": "session_id",
    "playInfoList": "play_info",
    "verifyCode": "verify_code",
    "preTone": "pre_tone",
    "posTone": "pos_tone",
    "languageType": "language_type",
    "fileName": "file_name",
    "recordDomain": "record_domain",
}


def display_name(field: str) -> str:
    """How messages name a field: ``max_duration (maxDuration)`` for a
    request field, the name itself for the rest."""
    keyword = KEYWORDS.get(field)
    return field if keyword is None else f"{keyword} ({field})"


class InvalidArgument(Error, ValueError):
    """An argument broke a rule of the API; nothing was sent.

    Also raised for a NULL argument and for a string that is not valid
    UTF-8 (``VOICECB_ERR_NULL_ARGUMENT``, ``VOICECB_ERR_INVALID_UTF8``), and
    for a string that contains a NUL character. The message names the
    keyword argument and the API's field: ``invalid max_duration
    (maxDuration): must be 0 to 1440 minutes, got 5000``.

    Attributes:
        field: the field or argument at fault, as the API names it
            (``"callerNbr"``, ``"maxDuration"``, ``"app_key"``, ...), or None.
        keyword: the keyword argument of this package that sets it
            (``"caller_nbr"``, ``"max_duration"``, ``"app_key"``, ...), or None.
    """

    field: Optional[str]

    def __init__(
        self,
        message: str,
        *,
        code: int = VOICECB_ERR_INVALID_ARGUMENT,
        field: Optional[str] = None,
        http_status: Optional[int] = None,
        request_not_sent: bool = True,
    ) -> None:
        super().__init__(message, code=code, http_status=http_status, request_not_sent=request_not_sent)
        self.field = field
        self.keyword = None if field is None else KEYWORDS.get(field, field)


class ClientClosed(InvalidArgument):
    """The client was used after :meth:`Client.close`; nothing was sent."""


class TransportError(Error):
    """Connecting failed or the connection broke (refused, DNS, reset, proxy)."""


class Timeout(Error, TimeoutError):
    """A timeout ran out.

    Attributes:
        limit: which one, as the library saw it: ``"connect"`` (the
            client's connect_timeout), ``"request"`` (the client's timeout)
            or ``"call"`` (the call's own ``timeout=``); None when unknown.
    """

    limit: Optional[str]

    def __init__(self, message: str, *, limit: Optional[str] = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.limit = limit


class TLSError(Error):
    """The TLS handshake failed (untrusted or expired certificate, wrong host)."""


class BadResponse(Error):
    """The server's answer was not what the API defines."""


class InternalError(Error):
    """A bug in libvoicecb (a panic caught at its boundary); please report it."""


class BadNotification(Error, ValueError):
    """A pushed notification's body is not what the API defines (not JSON,
    no eventType, a field of an impossible type, over 1 MiB); the message
    names what is wrong. Answer the push with an error status, and log it."""


class BadSignature(Error):
    """A pushed notification's signature did not verify; the message names
    the check that failed (never a digest or the secret)."""


class PlatformError(Error):
    """The platform refused the request.

    Subclasses are chosen by the catalogue's category of the answer;
    an answer the catalogue does not know raises a plain PlatformError.

    Attributes:
        http_status: the HTTP status of the answer.
        result_code: the platform's ``resultcode``, or None when it sent none.
        result_desc: the platform's ``resultdesc``, or None when it sent none.
        info: the catalogue entry of (http_status, result_code), or None.
        advice: the catalogue's handling advice in English, or None.
        advice_zh: the spec's handling advice in Chinese, or None.
        category: the catalogue's category name, or None.
        retryable: True when sending the same request again later is safe
            (False when the catalogue does not know the answer).
        clock_skew: for a refusal of the time limit (1010013) whose answer
            had a ``Date`` header, how many seconds the platform's clock is
            ahead of this host's (negative: behind); otherwise None. See the
            client's ``clock_offset``.
    """

    result_code: Optional[str]
    result_desc: Optional[str]
    info: Optional[CodeInfo]
    clock_skew: Optional[int]

    def __init__(
        self,
        message: str,
        *,
        code: int = VOICECB_ERR_PLATFORM,
        http_status: Optional[int] = None,
        result_code: Optional[str] = None,
        result_desc: Optional[str] = None,
        info: Optional[CodeInfo] = None,
        request_not_sent: bool = False,
        clock_skew: Optional[int] = None,
        session_id: Optional[str] = None,
    ) -> None:
        super().__init__(
            message, code=code, http_status=http_status, request_not_sent=request_not_sent, session_id=session_id
        )
        self.result_code = result_code
        self.result_desc = result_desc
        self.info = info
        self.clock_skew = clock_skew

    @property
    def advice(self) -> Optional[str]:
        """The catalogue's handling advice, or None."""
        return None if self.info is None else self.info.advice

    @property
    def advice_zh(self) -> Optional[str]:
        """The spec's handling advice in Chinese, or None."""
        return None if self.info is None else self.info.advice_zh

    @property
    def category(self) -> Optional[str]:
        """The catalogue's category name ("quota", "number", ...), or None."""
        return None if self.info is None else self.info.category

    @property
    def retryable(self) -> bool:
        """True when the catalogue says sending the same request again later is safe."""
        return False if self.info is None else self.info.retryable


class AuthError(PlatformError):
    """The signature headers were refused (categories "auth_header" and "signature")."""


class AppError(PlatformError):
    """The app key, app or account is unknown, suspended or not allowed (category "app")."""


class NumberError(PlatformError):
    """A phone number is invalid or not the app's (category "number")."""


class RateLimited(PlatformError):
    """A quota, call limit, port limit or flow control was hit (category "quota")."""


class PolicyError(PlatformError):
    """A policy refused the call: blacklist, whitelist, risk control, region (category "policy")."""


class ParameterError(PlatformError):
    """The platform found a request parameter malformed (category "parameter")."""


class PlatformInternalError(PlatformError):
    """An internal error of the platform (category "platform")."""


_BY_CATEGORY: Dict[str, Type[PlatformError]] = {
    "auth_header": AuthError,
    "signature": AuthError,
    "app": AppError,
    "number": NumberError,
    "quota": RateLimited,
    "policy": PolicyError,
    "parameter": ParameterError,
    "platform": PlatformInternalError,
}

_BY_CODE: Dict[int, Type[Error]] = {
    VOICECB_ERR_TRANSPORT: TransportError,
    VOICECB_ERR_TIMEOUT: Timeout,
    VOICECB_ERR_TLS: TLSError,
    VOICECB_ERR_BAD_RESPONSE: BadResponse,
    VOICECB_ERR_PANIC: InternalError,
    VOICECB_ERR_BAD_NOTIFICATION: BadNotification,
    VOICECB_ERR_BAD_SIGNATURE: BadSignature,
    # The package manages its handles: a dead one is a bug in it.
    VOICECB_ERR_INVALID_HANDLE: InternalError,
}


def _text(raw: Optional[bytes]) -> Optional[str]:
    return None if raw is None else raw.decode("utf-8", "replace")


def from_handle(rc: int, err: Any) -> Error:
    """The exception for result ``rc`` with details from ``err`` (a
    ``voicecb_error *``, possibly NULL). Does not free ``err``."""
    exc = _exception(rc, err)
    if err:
        exc.attempts = int(LIB.voicecb_error_attempts(err))
        exc.elapsed = LIB.voicecb_error_elapsed_us(err) / 1e6
    return exc


def _exception(rc: int, err: Any) -> Error:
    if err:
        code = int(LIB.voicecb_error_code(err))
        message = _text(LIB.voicecb_error_message(err)) or ""
        field = _text(LIB.voicecb_error_field(err))
        rule = _text(LIB.voicecb_error_rule(err))
        if field is not None and rule is not None and field in KEYWORDS:
            # The library's rule, with the field named as Python spells it too.
            message = f"invalid {display_name(field)}: {rule}"
        status = int(LIB.voicecb_error_http_status(err)) or None
        result_code = _text(LIB.voicecb_error_result_code(err))
        result_desc = _text(LIB.voicecb_error_result_desc(err))
        info = info_from_pointer(LIB.voicecb_error_code_info(err))
        not_sent = bool(LIB.voicecb_error_request_not_sent(err))
        skew = ctypes.c_int64()
        known = LIB.voicecb_error_clock_skew_secs(err, ctypes.byref(skew)) == VOICECB_OK
        clock_skew = int(skew.value) if known else None
        limit = _text(LIB.voicecb_timeout_limit_name(LIB.voicecb_error_timeout_limit(err)))
        session_id = _text(LIB.voicecb_error_session_id(err))
    else:
        # The library could not even allocate the details.
        code = rc
        message = _text(LIB.voicecb_result_str(rc)) or f"libvoicecb error {rc}"
        field = result_code = result_desc = None
        status = None
        info = None
        not_sent = False  # unknown, as the library answers for a NULL error
        clock_skew = None
        limit = None
        session_id = None
    if code == VOICECB_ERR_TIMEOUT:
        return Timeout(message, code=code, http_status=status, request_not_sent=not_sent, limit=limit)
    if code in (VOICECB_ERR_NULL_ARGUMENT, VOICECB_ERR_INVALID_UTF8, VOICECB_ERR_INVALID_ARGUMENT):
        return InvalidArgument(message, code=code, field=field, http_status=status, request_not_sent=not_sent)
    if code == VOICECB_ERR_PLATFORM:
        cls = _BY_CATEGORY.get(info.category, PlatformError) if info is not None else PlatformError
        return cls(
            message,
            code=code,
            http_status=status,
            result_code=result_code,
            result_desc=result_desc,
            info=info,
            request_not_sent=not_sent,
            clock_skew=clock_skew,
            session_id=session_id,
        )
    return _BY_CODE.get(code, Error)(
        message, code=code, http_status=status, request_not_sent=not_sent, session_id=session_id
    )


def raise_for(rc: int, err: Any) -> None:
    """Raises the exception for a failed call and frees ``err``; does
    nothing (but free a stray ``err``) when ``rc`` is ``VOICECB_OK``."""
    try:
        if rc != VOICECB_OK:
            raise from_handle(rc, err)
    finally:
        if err:
            LIB.voicecb_error_free(err)


def invalid(field: str, rule: str, code: int = VOICECB_ERR_INVALID_ARGUMENT) -> NoReturn:
    """Raises an InvalidArgument made in Python (for an argument ctypes
    cannot pass), worded like the library's."""
    raise InvalidArgument(f"invalid {display_name(field)}: {rule}", code=code, field=field)


# The classes are used as voicecb.AuthError, ...: show them so in
# tracebacks and reprs (and pickle them under that name, which resolves).
for _cls in list(globals().values()):
    if isinstance(_cls, type) and issubclass(_cls, Error):
        _cls.__module__ = "voicecb"
del _cls
