"""The client, its requests (click2Call, callStop, voice notification,
verification code, recording URL), and signing."""

from __future__ import annotations

import ctypes
import enum
import functools
import inspect
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from ctypes import byref, c_int32, c_void_p
from typing import Any, Callable, Dict, Iterable, Iterator, NamedTuple, Optional, Sequence, Tuple, Type, TypeVar, Union

from ._convert import backoff_millis, c_path, c_string, clamped_u32, flag, i64, millis, optional_c_string
from ._errors import VOICECB_ERR_NULL_ARGUMENT, ClientClosed, display_name, invalid, raise_for
from ._events import Event, make_callback
from ._check import CheckReport, run_check
from ._native import LIB, CallResultP, ClientP, ErrorP, NotifyP, OptionsP, RequestP, VerifyP
from ._notify import BillRecord, parsed_record


class LastMinToUE(enum.Enum):
    """Who hears the last-minute announcement (``lastMinToUE``).

    Values are the header's ``VOICECB_LAST_MIN_TO_UE_*`` constants; the
    strings "toa", "tob" and "both" are accepted wherever a member is.
    """

    #: "toa": only the caller (``VOICECB_LAST_MIN_TO_UE_CALLER``).
    CALLER = 1
    #: "tob": only the callee (``VOICECB_LAST_MIN_TO_UE_CALLEE``).
    CALLEE = 2
    #: "both": both parties, the platform's default (``VOICECB_LAST_MIN_TO_UE_BOTH``).
    BOTH = 3


class CalleeMedia(enum.Enum):
    """Which callee-side media the caller hears while waiting (``calleeMedia``).

    Values are the header's ``VOICECB_CALLEE_MEDIA_*`` constants; the
    strings "all", "none" and "fail" are accepted wherever a member is.
    """

    #: "all": all of the callee side's tones, the default (``VOICECB_CALLEE_MEDIA_ALL``).
    ALL = 1
    #: "none": the wait tone until the callee answers (``VOICECB_CALLEE_MEDIA_NONE``).
    NONE = 2
    #: "fail": only failure announcements (``VOICECB_CALLEE_MEDIA_FAIL``).
    FAIL = 3


_E = TypeVar("_E", bound=enum.Enum)


def _enum_setter(
    value: Union[str, _E], cls: Type[_E], by_number: Any, by_name: Any, field: str
) -> Tuple[Any, Union[int, bytes]]:
    """The setter and argument for an enum member (its C constant) or for the
    API's string, which the library checks and names the field if wrong."""
    if isinstance(value, cls):
        return by_number, int(value.value)
    if isinstance(value, str):
        return by_name, c_string(value, field)
    raise TypeError(f"{display_name(field)} must be a str or a voicecb.{cls.__name__}, not {type(value).__name__}")


#: The library's defaults (``voicecb_default_*``): stated once, in Rust.
DEFAULT_CONNECT_TIMEOUT: float = LIB.voicecb_default_connect_timeout_ms() / 1000.0
DEFAULT_TIMEOUT: float = LIB.voicecb_default_timeout_ms() / 1000.0
_RETRY_ATTEMPTS: int = int(LIB.voicecb_default_retry_max_attempts())
_RETRY_INITIAL_BACKOFF: float = LIB.voicecb_default_retry_initial_backoff_ms() / 1000.0
_RETRY_MAX_BACKOFF: float = LIB.voicecb_default_retry_max_backoff_ms() / 1000.0


@dataclass(frozen=True)
class RetryPolicy:
    """Retries of failed calls, where that cannot place a call twice.

    The library retries a request that never left (connecting failed), a
    refusal the catalogue marks retry-safe (:attr:`PlatformError.retryable`),
    and a stop after a transport error or timeout; a click2call is never
    sent again once its request may have reached the platform. Waits grow
    exponentially from ``initial_backoff`` to at most ``max_backoff``, each
    a random time up to that bound (full jitter); each try has the whole
    request timeout. The library checks the values when the client is made
    (``max_attempts`` 1 to 10, ``max_backoff`` at most 60 s, not below
    ``initial_backoff``) and raises :class:`InvalidArgument` naming
    ``retry.max_attempts``, ``retry.initial_backoff`` or ``retry.max_backoff``.

    Attributes:
        max_attempts: tries in all, the first included; 1 turns retries off.
        initial_backoff: seconds, the bound of the first wait.
        max_backoff: seconds, the largest bound of a wait.
    """

    max_attempts: int = _RETRY_ATTEMPTS
    initial_backoff: float = _RETRY_INITIAL_BACKOFF
    max_backoff: float = _RETRY_MAX_BACKOFF


class CallResult(NamedTuple):
    """What the platform answered to a placed call."""

    #: The platform's id of the call, for :meth:`Client.stop` and notifications.
    session_id: str
    #: The platform's count of idle call ports, when asked for with
    #: ``return_idle_port=True`` and sent as an integer 0-65535; otherwise
    #: None (an odd value does not turn the placed call into an error).
    idle_port: Optional[int]
    #: How many tries the call made (more than 1 only with a retry policy).
    attempts: int = 1
    #: Seconds the call took in all, tries and waits included.
    elapsed: float = 0.0


@dataclass(frozen=True)
class PlayInfo:
    """One item of a voice notification's ``playInfoList``: either an
    announcement file (``notify_voice``) or a TTS template (``template_id``
    with its ``template_paras``), never both.

    ``PlayInfo(notify_voice="notifyvoice.wav", collect_ind=4)`` or
    ``PlayInfo(template_id="test_template", template_paras=["3", "x"])``.
    None leaves a field out; the library checks every value when the
    notification is sent and names the item (``playInfoList[1].templateId``).

    Attributes:
        notify_voice: the announcement file (``notifyVoice``).
        template_id: the approved template (``templateId``).
        template_paras: one value per variable of the template, in order
            (``templateParas``); only for a template item.
        collect_ind: digits to collect after the item plays (``collectInd``).
        replay_after_collection: replay the item when the digits collected
            equal ``collect_content_trigger_replaying`` (``replayAfterCollection``).
        collect_content_trigger_replaying: the keys that replay it
            (``collectContentTriggerReplaying``).
    """

    notify_voice: Optional[str] = None
    template_id: Optional[str] = None
    template_paras: Sequence[str] = ()
    collect_ind: Optional[int] = None
    replay_after_collection: Optional[bool] = None
    collect_content_trigger_replaying: Optional[str] = None


def _add_play_item(req: Any, index: int, item: PlayInfo) -> None:
    """Appends ``item`` to the C request as its item ``index``."""
    at = f"playInfoList[{index}]"
    if not isinstance(item, PlayInfo):
        raise TypeError(f"play_info[{index}] must be a voicecb.PlayInfo, not {type(item).__name__}")
    # None is NULL: the library checks that exactly one of the two is given.
    voice = None if item.notify_voice is None else c_string(item.notify_voice, f"{at}.notifyVoice")
    template = None if item.template_id is None else c_string(item.template_id, f"{at}.templateId")
    _check(LIB.voicecb_callnotify_add_play_item, req, voice, template)
    paras = item.template_paras
    if isinstance(paras, str):
        raise TypeError(f"{at}.templateParas must be a list of str, not a str")
    for j, value in enumerate(paras):
        _check(LIB.voicecb_callnotify_add_template_para, req, index, c_string(value, f"{at}.templateParas[{j}]"))
    if item.collect_ind is not None:
        digits = i64(item.collect_ind, f"{at}.collectInd")
        _check(LIB.voicecb_callnotify_item_set_collect_ind, req, index, digits)
    if item.replay_after_collection is not None:
        replay = flag(item.replay_after_collection, f"{at}.replayAfterCollection")
        _check(LIB.voicecb_callnotify_item_set_replay_after_collection, req, index, replay)
    if item.collect_content_trigger_replaying is not None:
        keys = c_string(item.collect_content_trigger_replaying, f"{at}.collectContentTriggerReplaying")
        _check(LIB.voicecb_callnotify_item_set_collect_content_trigger_replaying, req, index, keys)


def _check(fn: Callable[..., int], *args: Any) -> None:
    """Calls a fallible C function whose last argument is ``voicecb_error **``."""
    err = ErrorP()
    rc = fn(*args, byref(err))
    raise_for(rc, err)


def _take_call_result(result: Any) -> CallResult:
    """Copies a ``voicecb_call_result``, then frees it."""
    try:
        idle = int(LIB.voicecb_call_result_idle_port(result))
        return CallResult(
            session_id=LIB.voicecb_call_result_session_id(result).decode("utf-8", "replace"),
            idle_port=None if idle < 0 else idle,
            attempts=int(LIB.voicecb_call_result_attempts(result)),
            elapsed=LIB.voicecb_call_result_elapsed_us(result) / 1e6,
        )
    finally:
        LIB.voicecb_call_result_free(result)


def _call_ms(timeout: Optional[float]) -> int:
    """A call's own timeout for the C ABI: 0 (the client's) when None."""
    return 0 if timeout is None else millis(timeout, "timeout", zero_means_default=True)


def _set_optional(req: Any, fields: Sequence[Tuple[Any, Any]]) -> None:
    """Calls each (setter, value) whose value is not None: a field left out
    keeps the library's default."""
    for setter, value in fields:
        if value is not None:
            _check(setter, req, value)


def _take_string(ptr: c_void_p) -> str:
    """Copies a string the library allocated, then frees it."""
    try:
        if not ptr.value:
            return ""
        return ctypes.string_at(ptr.value).decode("utf-8", "replace")
    finally:
        LIB.voicecb_string_free(ptr)


def _settings(arguments: Dict[str, Any]) -> Dict[str, Any]:
    """The client settings among a constructor's arguments (``locals()``):
    the keyword-only parameters of :meth:`Client._open`."""
    names = [p.name for p in inspect.signature(Client._open).parameters.values() if p.kind is p.KEYWORD_ONLY]
    return {name: arguments[name] for name in names}


class Client:
    """A client of the voice-callback platform for one app.

    It keeps connections alive between calls. One client may be used by
    any number of threads at once; network calls release the GIL.

    Args:
        app_key: the app's key.
        app_secret: the app's secret (only ever used to sign).
        base_url: the platform's address, ``http[s]://host[:port]`` (port
            1-65535); None for the library's default (the production
            endpoint). A path is refused unless ``allow_base_url_path``.
        connect_timeout: seconds allowed for DNS, TCP and TLS set-up; None
            for the library's default.
        timeout: seconds allowed for a whole request, answer included; None
            for the library's default.
        ca_file: a PEM file whose certificates are trusted instead of the
            built-in roots.
        insecure: **dangerous**: skip every check of the server's
            certificate (tests against a throwaway certificate only).
        proxy: an HTTP proxy, ``http://host:port`` or ``https://host:port``
            (other schemes are refused; proxy variables of the environment
            are never read).
        user_agent: the ``User-Agent`` header; None for the library's.
        encode_non_ascii_user_data: send a non-ASCII ``user_data``
            Base64-encoded (prefix "b64:") instead of refusing it.
        clock_offset: seconds added to this host's clock when signing (see
            :attr:`PlatformError.clock_skew` of a 1010013 refusal); at most
            one day either way.
        allow_base_url_path: accept a ``base_url`` with a path (a gateway's
            prefix put in front of the API's paths). Off by default: a
            pasted full endpoint URL would fail with 403/1010006.
        retry: a :class:`RetryPolicy`; None (the default) sends each request
            once.
        on_event: called with each :class:`Event` of the client's calls
            (one per try, one per call), on the calling thread, during the
            call; an exception it raises is logged and the call goes on.
            Events are logged to the ``voicecb`` logger either way.
        mask_numbers: show phone numbers in events and log records masked
            (``+86138****0001``); False shows them whole.

    Raises:
        InvalidArgument: a setting was refused (``.field`` names it).

    Use it as a context manager, or call :meth:`close` when done.
    """

    def __init__(
        self,
        app_key: str,
        app_secret: str,
        *,
        base_url: Optional[str] = None,
        connect_timeout: Optional[float] = None,
        timeout: Optional[float] = None,
        ca_file: Optional[Union[str, "os.PathLike[str]"]] = None,
        insecure: bool = False,
        proxy: Optional[str] = None,
        user_agent: Optional[str] = None,
        encode_non_ascii_user_data: bool = False,
        clock_offset: int = 0,
        retry: Optional[RetryPolicy] = None,
        allow_base_url_path: bool = False,
        on_event: Optional[Callable[[Event], Any]] = None,
        mask_numbers: bool = True,
    ) -> None:
        self._setup(app_key)
        key = c_string(app_key, "app_key")
        secret = c_string(app_secret, "app_secret")
        self._open(functools.partial(LIB.voicecb_client_new, key, secret), **_settings(locals()))

    @classmethod
    def from_env(
        cls,
        *,
        base_url: Optional[str] = None,
        connect_timeout: Optional[float] = None,
        timeout: Optional[float] = None,
        ca_file: Optional[Union[str, "os.PathLike[str]"]] = None,
        insecure: bool = False,
        proxy: Optional[str] = None,
        user_agent: Optional[str] = None,
        encode_non_ascii_user_data: bool = False,
        clock_offset: int = 0,
        retry: Optional[RetryPolicy] = None,
        allow_base_url_path: bool = False,
        on_event: Optional[Callable[[Event], Any]] = None,
        mask_numbers: bool = True,
    ) -> "Client":
        """A client configured by the environment, as the ``voicecb``
        command is: ``VOICECB_APP_KEY`` and ``VOICECB_APP_SECRET``
        (required), ``VOICECB_BASE_URL``, ``VOICECB_CA_FILE``,
        ``VOICECB_INSECURE_SKIP_VERIFY``, ``VOICECB_PROXY``,
        ``VOICECB_TIMEOUT`` and ``VOICECB_CONNECT_TIMEOUT`` (seconds). The
        library reads them, with its rules; an empty variable is unset. An
        argument given here replaces the environment's setting (the on/off
        ones can only turn an option on).

        Raises:
            InvalidArgument: a variable is missing or refused; ``.field``
                names the variable.
        """
        self = cls.__new__(cls)
        self._setup(None)
        self._open(LIB.voicecb_client_new_from_env, **_settings(locals()))
        return self

    def _setup(self, app_key: Optional[str]) -> None:
        # Set first, so that close() and __del__ work whatever fails later.
        self._lock = threading.Lock()
        self._handle: Optional[Any] = None
        self._users = 0
        self._closed = False
        self._app_key = app_key
        self._callback: Any = None

    def _open(
        self,
        make: Callable[..., int],
        *,
        base_url: Optional[str],
        connect_timeout: Optional[float],
        timeout: Optional[float],
        ca_file: Optional[Union[str, "os.PathLike[str]"]],
        insecure: bool,
        proxy: Optional[str],
        user_agent: Optional[str],
        encode_non_ascii_user_data: bool,
        clock_offset: int,
        retry: Optional[RetryPolicy],
        allow_base_url_path: bool,
        on_event: Optional[Callable[[Event], Any]],
        mask_numbers: bool,
    ) -> None:
        """Makes the library's client with ``make(opts, out, err)``; only the
        settings given are set, so the library's defaults apply to the rest."""
        url = optional_c_string(base_url, "base_url")
        connect_ms = None if connect_timeout is None else millis(connect_timeout, "connect_timeout", zero_means_default=False)
        timeout_ms = None if timeout is None else millis(timeout, "timeout", zero_means_default=False)
        ca = None if ca_file is None else c_path(ca_file, "ca_file")
        insecure_flag = flag(insecure, "insecure")
        proxy_url = optional_c_string(proxy, "proxy")
        agent = optional_c_string(user_agent, "user_agent")
        encode = flag(encode_non_ascii_user_data, "encode_non_ascii_user_data")
        offset = i64(clock_offset, "clock_offset")
        allow_path = flag(allow_base_url_path, "allow_base_url_path")
        mask = flag(mask_numbers, "mask_numbers")
        if on_event is not None and not callable(on_event):
            raise TypeError(f"on_event must be callable or None, not {type(on_event).__name__}")
        if retry is not None and not isinstance(retry, RetryPolicy):
            raise TypeError(f"retry must be a voicecb.RetryPolicy or None, not {type(retry).__name__}")
        retry_args = None
        if retry is not None:
            retry_args = (
                clamped_u32(retry.max_attempts, "retry.max_attempts"),
                backoff_millis(retry.initial_backoff, "retry.initial_backoff"),
                backoff_millis(retry.max_backoff, "retry.max_backoff"),
            )
        # Kept on the client: the library calls it for as long as it lives.
        self._callback = make_callback(on_event)

        opts = OptionsP()
        raise_for(LIB.voicecb_options_new(byref(opts)), None)
        try:
            # Messages then name options as this package spells them.
            _check(LIB.voicecb_options_set_binding, opts, b"python")
            if url is not None:
                _check(LIB.voicecb_options_set_base_url, opts, url)
            if connect_ms is not None:
                _check(LIB.voicecb_options_set_connect_timeout_ms, opts, connect_ms)
            if timeout_ms is not None:
                _check(LIB.voicecb_options_set_timeout_ms, opts, timeout_ms)
            if ca is not None:
                _check(LIB.voicecb_options_set_ca_file, opts, ca)
            _check(LIB.voicecb_options_set_insecure_skip_verify, opts, insecure_flag)
            if proxy_url is not None:
                _check(LIB.voicecb_options_set_proxy, opts, proxy_url)
            if agent is not None:
                _check(LIB.voicecb_options_set_user_agent, opts, agent)
            _check(LIB.voicecb_options_set_encode_non_ascii_user_data, opts, encode)
            _check(LIB.voicecb_options_set_clock_offset_secs, opts, offset)
            _check(LIB.voicecb_options_set_allow_base_url_path, opts, allow_path)
            if retry_args is not None:
                _check(LIB.voicecb_options_set_retry, opts, *retry_args)
            _check(LIB.voicecb_options_set_event_callback, opts, self._callback, None)
            _check(LIB.voicecb_options_set_mask_numbers, opts, mask)
            handle = ClientP()
            _check(make, opts, byref(handle))
        finally:
            LIB.voicecb_options_free(opts)
        self._handle = handle

    # -- life cycle -------------------------------------------------------

    @contextmanager
    def _use(self) -> Iterator[Any]:
        """Holds a "use" of the handle for one call; close() defers the free
        until every use has ended."""
        with self._lock:
            if self._closed or not self._handle:
                raise ClientClosed(
                    "the client is closed: make a new voicecb.Client",
                    code=VOICECB_ERR_NULL_ARGUMENT,
                    field="client",
                )
            self._users += 1
            handle = self._handle
        try:
            yield handle
        finally:
            with self._lock:
                self._users -= 1
                if self._closed and self._users == 0:
                    self._free_locked()

    def _free_locked(self) -> None:
        handle, self._handle = self._handle, None
        if handle:
            LIB.voicecb_client_free(handle)

    def close(self) -> None:
        """Closes the client and its connections. Closing again does nothing.

        Calls already running in other threads finish normally; the
        library's client is freed when the last of them returns. Any call
        made after close() raises :class:`ClientClosed`.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._users == 0:
                self._free_locked()

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closed

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        # A backstop only: close() is the way. No call can be running here,
        # since every call holds a reference to the client.
        try:
            handle = self.__dict__.get("_handle")
            if handle:
                self._handle = None
                LIB.voicecb_client_free(handle)
        except Exception:  # interpreter shutdown: the module may be gone
            pass

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<voicecb.Client app_key={self._app_key!r} {state}>"

    # -- calls ------------------------------------------------------------

    def click2call(
        self,
        display_nbr: str,
        caller_nbr: str,
        callee_nbr: str,
        display_callee_nbr: Optional[str] = None,
        *,
        max_duration: Optional[int] = None,
        last_min_voice: Optional[str] = None,
        last_min_to_ue: Optional[Union[str, LastMinToUE]] = None,
        play_pre_voice: Optional[bool] = None,
        pre_voice: Optional[str] = None,
        wait_voice: Optional[str] = None,
        callee_media: Optional[Union[str, CalleeMedia]] = None,
        status_url: Optional[str] = None,
        fee_url: Optional[str] = None,
        record: Optional[bool] = None,
        record_hint_tone: Optional[str] = None,
        party_type_required_in_disconnect: Optional[bool] = None,
        return_idle_port: Optional[bool] = None,
        user_data: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> CallResult:
        """Places a voice callback: the platform rings ``caller_nbr``, then
        bridges in ``callee_nbr``.

        Args:
            display_nbr: the number the caller sees, one of the app's (``displayNbr``).
            caller_nbr: the party rung first, ``+{country code}{number}`` (``callerNbr``).
            callee_nbr: the party bridged in once the caller answers (``calleeNbr``).
            display_callee_nbr: the number the callee sees; defaults to ``display_nbr``.
            max_duration: minutes after the answer before the call is ended; 0: no limit.
            last_min_voice: announcement file of the last minute.
            last_min_to_ue: who hears it: "toa", "tob", "both" or a :class:`LastMinToUE`.
            play_pre_voice: play ``pre_voice`` to the caller before ringing the callee.
            pre_voice: file played to the caller first.
            wait_voice: file the caller hears while the callee is rung.
            callee_media: "all", "none", "fail" or a :class:`CalleeMedia`.
            status_url: where call-state notifications are pushed.
            fee_url: where bills are pushed.
            record: record the call (``recordFlag``).
            record_hint_tone: file telling the parties they are recorded.
            party_type_required_in_disconnect: say in the disconnect event who hung up.
            return_idle_port: ask for the platform's count of idle ports.
            user_data: the application's tag echoed in notifications.
            timeout: seconds for this call, shortening the client's timeout.

        None leaves a field out (the platform's default). Every value is
        checked by the library before anything is sent.

        Returns:
            The session id, and the idle port count when asked for.

        Raises:
            InvalidArgument: a field broke a rule (``.field`` names it); nothing was sent.
            PlatformError: the platform refused (a subclass names the kind).
            TransportError, Timeout, TLSError, BadResponse: as their names say.
            ClientClosed: the client was closed.
        """
        with self._use() as handle:
            display = c_string(display_nbr, "displayNbr")
            caller = c_string(caller_nbr, "callerNbr")
            callee = c_string(callee_nbr, "calleeNbr")
            texts = [
                (LIB.voicecb_click2call_set_display_callee_nbr, optional_c_string(display_callee_nbr, "displayCalleeNbr")),
                (LIB.voicecb_click2call_set_last_min_voice, optional_c_string(last_min_voice, "lastMinVoice")),
                (LIB.voicecb_click2call_set_pre_voice, optional_c_string(pre_voice, "preVoice")),
                (LIB.voicecb_click2call_set_wait_voice, optional_c_string(wait_voice, "waitVoice")),
                (LIB.voicecb_click2call_set_status_url, optional_c_string(status_url, "statusUrl")),
                (LIB.voicecb_click2call_set_fee_url, optional_c_string(fee_url, "feeUrl")),
                (LIB.voicecb_click2call_set_record_hint_tone, optional_c_string(record_hint_tone, "recordHintTone")),
                (LIB.voicecb_click2call_set_user_data, optional_c_string(user_data, "userData")),
            ]
            flags = [
                (LIB.voicecb_click2call_set_play_pre_voice, play_pre_voice, "playPreVoice"),
                (LIB.voicecb_click2call_set_record_flag, record, "recordFlag"),
                (
                    LIB.voicecb_click2call_set_party_type_required_in_disconnect,
                    party_type_required_in_disconnect,
                    "partyTypeRequiredInDisconnect",
                ),
                (LIB.voicecb_click2call_set_return_idle_port, return_idle_port, "returnIdlePort"),
            ]
            numbers = []
            if max_duration is not None:
                # Signed and 64-bit, so that the library gives its range for a negative value too.
                numbers.append((LIB.voicecb_click2call_set_max_duration_i64, i64(max_duration, "maxDuration")))
            if last_min_to_ue is not None:
                numbers.append(
                    _enum_setter(
                        last_min_to_ue,
                        LastMinToUE,
                        LIB.voicecb_click2call_set_last_min_to_ue,
                        LIB.voicecb_click2call_set_last_min_to_ue_name,
                        "lastMinToUE",
                    )
                )
            if callee_media is not None:
                numbers.append(
                    _enum_setter(
                        callee_media,
                        CalleeMedia,
                        LIB.voicecb_click2call_set_callee_media,
                        LIB.voicecb_click2call_set_callee_media_name,
                        "calleeMedia",
                    )
                )
            call_ms = _call_ms(timeout)
            bools = [(fn, flag(v, name)) for fn, v, name in flags if v is not None]

            req = RequestP()
            _check(LIB.voicecb_click2call_new, display, caller, callee, byref(req))
            try:
                for setter, text in texts:
                    if text is not None:
                        _check(setter, req, text)
                for setter, b in bools:
                    _check(setter, req, b)
                for setter, n in numbers:
                    _check(setter, req, n)
                result = CallResultP()
                _check(LIB.voicecb_click2call_send_result, handle, req, call_ms, byref(result))
            finally:
                LIB.voicecb_click2call_free(req)
            return _take_call_result(result)

    def stop(self, session_id: str, timeout: Optional[float] = None) -> None:
        """Stops a call placed by :meth:`click2call`; both parties are released.

        Args:
            session_id: the session id :meth:`click2call` returned.
            timeout: seconds for this call, shortening the client's timeout.

        Raises:
            the same exceptions as :meth:`click2call`.
        """
        with self._use() as handle:
            sid = c_string(session_id, "sessionid")
            call_ms = _call_ms(timeout)
            _check(LIB.voicecb_call_stop, handle, sid, call_ms)

    def check(self, timeout: Optional[float] = None) -> CheckReport:
        """Proves the configuration works without placing a call: resolves
        and connects to the endpoint, makes a TLS handshake (https), and
        sends one callStop of a session that cannot exist, whose answer says
        whether the app key, the digest and Created passed.

        Args:
            timeout: seconds for the whole check (None: the client's own timeouts).

        Returns:
            a :class:`CheckReport`; a failed check is its verdict, not an exception.
        """
        with self._use() as handle:
            return run_check(handle, _call_ms(timeout))

    def call_notify(
        self,
        display_nbr: str,
        callee_nbr: str,
        play_info: Sequence[PlayInfo],
        *,
        status_url: Optional[str] = None,
        fee_url: Optional[str] = None,
        return_idle_port: Optional[bool] = None,
        user_data: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> CallResult:
        """Places a voice notification: the platform calls ``callee_nbr``
        and plays each item of ``play_info`` in order.

        Args:
            display_nbr: the number the callee sees, one of the app's (``displayNbr``).
            callee_nbr: the party called (``calleeNbr``).
            play_info: the :class:`PlayInfo` items (``playInfoList``).
            status_url, fee_url, return_idle_port, user_data: as for :meth:`click2call`.
            timeout: seconds for this call, shortening the client's timeout.

        None leaves a field out. Every value is checked by the library
        before anything is sent, and the notification is never sent again
        once it may have reached the platform, whatever the retry policy.

        Returns:
            The same :class:`CallResult` as :meth:`click2call`.

        Raises:
            the same exceptions as :meth:`click2call`; an
            :class:`InvalidArgument` names the item (``playInfoList[2].templateId``).
        """
        if isinstance(play_info, (PlayInfo, str)) or not isinstance(play_info, Iterable):
            raise TypeError(f"play_info must be a list of voicecb.PlayInfo, not {type(play_info).__name__}")
        items = list(play_info)
        with self._use() as handle:
            display = c_string(display_nbr, "displayNbr")
            callee = c_string(callee_nbr, "calleeNbr")
            texts = [
                (LIB.voicecb_callnotify_set_status_url, optional_c_string(status_url, "statusUrl")),
                (LIB.voicecb_callnotify_set_fee_url, optional_c_string(fee_url, "feeUrl")),
                (LIB.voicecb_callnotify_set_user_data, optional_c_string(user_data, "userData")),
            ]
            idle = None if return_idle_port is None else flag(return_idle_port, "returnIdlePort")
            call_ms = _call_ms(timeout)
            req = NotifyP()
            _check(LIB.voicecb_callnotify_new, display, callee, byref(req))
            try:
                for index, item in enumerate(items):
                    _add_play_item(req, index, item)
                _set_optional(req, texts)
                if idle is not None:
                    _check(LIB.voicecb_callnotify_set_return_idle_port, req, idle)
                result = CallResultP()
                _check(LIB.voicecb_callnotify_send_result, handle, req, call_ms, byref(result))
            finally:
                LIB.voicecb_callnotify_free(req)
            return _take_call_result(result)

    def call_verify(
        self,
        display_nbr: str,
        callee_nbr: str,
        verify_code: str,
        pre_tone: str,
        *,
        language_type: Optional[int] = None,
        pos_tone: Optional[str] = None,
        times: Optional[int] = None,
        status_url: Optional[str] = None,
        fee_url: Optional[str] = None,
        return_idle_port: Optional[bool] = None,
        user_data: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> CallResult:
        """Places a voice verification code call: the platform calls
        ``callee_nbr``, plays ``pre_tone``, speaks ``verify_code``, then
        plays ``pos_tone``.

        Args:
            display_nbr: the number the callee sees, one of the app's (``displayNbr``).
            callee_nbr: the party called (``calleeNbr``).
            verify_code: the digits spoken (``verifyCode``).
            pre_tone: the file played before the code (``preTone``).
            language_type: the language the code is spoken in (``languageType``);
                None: the library's default.
            pos_tone: the file played after the code (``posTone``).
            times: how many times the code is spoken (``times``); None
                leaves it out, so the platform's default applies.
            status_url, fee_url, return_idle_port, user_data: as for :meth:`click2call`.
            timeout: seconds for this call, shortening the client's timeout.

        Checked and never re-sent as :meth:`call_notify` is.

        Returns:
            The same :class:`CallResult` as :meth:`click2call`.

        Raises:
            the same exceptions as :meth:`click2call`.
        """
        with self._use() as handle:
            display = c_string(display_nbr, "displayNbr")
            callee = c_string(callee_nbr, "calleeNbr")
            code = c_string(verify_code, "verifyCode")
            pre = c_string(pre_tone, "preTone")
            texts = [
                (LIB.voicecb_callverify_set_pos_tone, optional_c_string(pos_tone, "posTone")),
                (LIB.voicecb_callverify_set_status_url, optional_c_string(status_url, "statusUrl")),
                (LIB.voicecb_callverify_set_fee_url, optional_c_string(fee_url, "feeUrl")),
                (LIB.voicecb_callverify_set_user_data, optional_c_string(user_data, "userData")),
            ]
            numbers = [
                (LIB.voicecb_callverify_set_language_type, None if language_type is None else i64(language_type, "languageType")),
                (LIB.voicecb_callverify_set_times, None if times is None else i64(times, "times")),
            ]
            idle = None if return_idle_port is None else flag(return_idle_port, "returnIdlePort")
            call_ms = _call_ms(timeout)
            req = VerifyP()
            _check(LIB.voicecb_callverify_new, display, callee, code, pre, byref(req))
            try:
                _set_optional(req, texts + numbers)
                if idle is not None:
                    _check(LIB.voicecb_callverify_set_return_idle_port, req, idle)
                result = CallResultP()
                _check(LIB.voicecb_callverify_send_result, handle, req, call_ms, byref(result))
            finally:
                LIB.voicecb_callverify_free(req)
            return _take_call_result(result)

    def record_url(self, file_name: str, record_domain: str, timeout: Optional[float] = None) -> str:
        """The download URL of a recording, asked of the platform.

        Args:
            file_name: the bill record's ``recordObjectName`` (``fileName``).
            record_domain: its ``recordDomain``.
            timeout: seconds for this call, shortening the client's timeout.

        The platform answers with a redirect, which is not followed: its
        target is returned. The URL expires (see the README): fetch it soon
        rather than store it. With a :class:`RetryPolicy` this read is also
        retried after a transport error or a timeout.

        Raises:
            the same exceptions as :meth:`click2call`.
        """
        with self._use() as handle:
            name = c_string(file_name, "fileName")
            domain = c_string(record_domain, "recordDomain")
            call_ms = _call_ms(timeout)
            url = c_void_p()
            _check(LIB.voicecb_record_url, handle, name, domain, call_ms, byref(url))
            return _take_string(url)

    def record_url_for(self, record: BillRecord, timeout: Optional[float] = None) -> str:
        """The download URL of the recording of a bill record (from
        :func:`parse_notification`): asked of the platform with the
        record's ``recordObjectName`` and ``recordDomain``, or its
        ``recordFileDownloadUrl`` as it is (no request) when those are empty.

        Raises:
            InvalidArgument: the call was not recorded (``.field`` is
                ``recordObjectName``); nothing was sent.
            the same exceptions as :meth:`record_url` otherwise.
        """
        if not isinstance(record, BillRecord):
            raise TypeError(f"record must be a voicecb.BillRecord, not {type(record).__name__}")
        with self._use() as handle, parsed_record(record) as (n, index):
            call_ms = _call_ms(timeout)
            url = c_void_p()
            _check(LIB.voicecb_notification_record_url, handle, n, index, call_ms, byref(url))
            return _take_string(url)


def sign(app_key: str, app_secret: str, nonce: Optional[str] = None, created: Optional[str] = None) -> Dict[str, str]:
    """The two headers that sign a request to the platform.

    Args:
        app_key: the app's key.
        app_secret: the app's secret.
        nonce: 1-128 characters of [0-9A-Za-z]; None for a fresh random one.
        created: UTC time "yyyy-MM-ddTHH:mm:ssZ"; None for now.

    Returns:
        ``{"Authorization": ..., "X-AKSK": ...}``. The X-AKSK value holds a
        digest that works as a password for a few minutes: do not log it.

    Raises:
        InvalidArgument: an argument was refused (``.field`` names it).
    """
    key = c_string(app_key, "app_key")
    secret = c_string(app_secret, "app_secret")
    n = optional_c_string(nonce, "nonce")
    c = optional_c_string(created, "created")
    authorization = c_void_p()
    x_aksk = c_void_p()
    _check(LIB.voicecb_sign, key, secret, n, c, byref(authorization), byref(x_aksk))
    try:
        auth_value = _take_string(authorization)
    finally:
        x_aksk_value = _take_string(x_aksk)
    return {"Authorization": auth_value, "X-AKSK": x_aksk_value}
