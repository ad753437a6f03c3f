"""Finds and loads libvoicecb, and declares the C functions this package uses.

Every function of ``include/voicecb.h`` that the package calls has its
``restype`` and ``argtypes`` in :data:`PROTOTYPES` (a test compares them
with the header). Strings the library allocates (``char **``
out-parameters) are received as ``c_void_p``, copied, and freed with
``voicecb_string_free``; borrowed ``const char *`` results are read as
``c_char_p`` (ctypes copies them into ``bytes``) and never freed.

The library is loaded with :class:`ctypes.CDLL`, which releases the GIL
during every call, so network calls of several threads run in parallel.
"""

from __future__ import annotations

import ctypes
import os
import sys
from ctypes import (
    POINTER,
    c_bool,
    c_char_p,
    c_int32,
    c_int64,
    c_size_t,
    c_uint8,
    c_uint16,
    c_uint32,
    c_uint64,
    c_void_p,
)
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

#: The ``VOICECB_ABI_VERSION`` this wrapper was written for.
ABI_VERSION = 1


class voicecb_client(ctypes.Structure):
    """Opaque ``voicecb_client``."""


class voicecb_options(ctypes.Structure):
    """Opaque ``voicecb_options``."""


class voicecb_click2call(ctypes.Structure):
    """Opaque ``voicecb_click2call``."""


class voicecb_callnotify(ctypes.Structure):
    """Opaque ``voicecb_callnotify``."""


class voicecb_callverify(ctypes.Structure):
    """Opaque ``voicecb_callverify``."""


class voicecb_error(ctypes.Structure):
    """Opaque ``voicecb_error``."""


class voicecb_code_info(ctypes.Structure):
    """Opaque ``voicecb_code_info`` (static catalogue entries)."""


class voicecb_notification(ctypes.Structure):
    """Opaque ``voicecb_notification`` (a parsed push)."""


class voicecb_event(ctypes.Structure):
    """Opaque ``voicecb_event`` (borrowed during the event callback)."""


class voicecb_call_result(ctypes.Structure):
    """Opaque ``voicecb_call_result``."""


class voicecb_check_report(ctypes.Structure):
    """Opaque ``voicecb_check_report``."""


ClientP = POINTER(voicecb_client)
CheckReportP = POINTER(voicecb_check_report)
OptionsP = POINTER(voicecb_options)
RequestP = POINTER(voicecb_click2call)
NotifyP = POINTER(voicecb_callnotify)
VerifyP = POINTER(voicecb_callverify)
ErrorP = POINTER(voicecb_error)
EventP = POINTER(voicecb_event)
CallResultP = POINTER(voicecb_call_result)
#: ``voicecb_event_callback``: void (*)(const voicecb_event *, void *).
EVENT_CALLBACK = ctypes.CFUNCTYPE(None, EventP, c_void_p)
CodeInfoP = POINTER(voicecb_code_info)
NotificationP = POINTER(voicecb_notification)

#: ``voicecb_result`` is an ``int32_t``.
c_result = c_int32

_OWNED_STR_OUT = POINTER(c_void_p)  # char ** receiving a string the caller frees
_ERR_OUT = POINTER(ErrorP)  # voicecb_error **

_STR_OPTION = (c_result, [OptionsP, c_char_p, _ERR_OUT])
_STR_FIELD = (c_result, [RequestP, c_char_p, _ERR_OUT])
_BOOL_FIELD = (c_result, [RequestP, c_bool, _ERR_OUT])
_NOTIFY_STR = (c_result, [NotifyP, c_char_p, _ERR_OUT])
_VERIFY_STR = (c_result, [VerifyP, c_char_p, _ERR_OUT])
_INFO_TEXT = (c_char_p, [CodeInfoP])
_ERROR_TEXT = (c_char_p, [ErrorP])

#: name -> (restype, argtypes) of every C function the package calls.
PROTOTYPES: Dict[str, Tuple[Any, List[Any]]] = {
    "voicecb_version": (c_char_p, []),
    "voicecb_abi_version": (c_uint32, []),
    "voicecb_default_connect_timeout_ms": (c_uint32, []),
    "voicecb_default_timeout_ms": (c_uint32, []),
    "voicecb_default_retry_max_attempts": (c_uint32, []),
    "voicecb_default_retry_initial_backoff_ms": (c_uint32, []),
    "voicecb_default_retry_max_backoff_ms": (c_uint32, []),
    "voicecb_default_notification_window_secs": (c_uint32, []),
    "voicecb_bill_integer_field_count": (c_size_t, []),
    "voicecb_bill_integer_field_at": (c_char_p, [c_size_t]),
    "voicecb_string_free": (None, [c_void_p]),
    "voicecb_client_new": (c_result, [c_char_p, c_char_p, OptionsP, POINTER(ClientP), _ERR_OUT]),
    "voicecb_client_new_from_env": (c_result, [OptionsP, POINTER(ClientP), _ERR_OUT]),
    "voicecb_options_set_event_callback": (c_result, [OptionsP, EVENT_CALLBACK, c_void_p, _ERR_OUT]),
    "voicecb_options_set_mask_numbers": (c_result, [OptionsP, c_bool, _ERR_OUT]),
    "voicecb_event_level": (c_int32, [EventP]),
    "voicecb_event_json": (c_char_p, [EventP]),
    "voicecb_event_line": (c_char_p, [EventP]),
    "voicecb_click2call_send_result": (
        c_result,
        [ClientP, RequestP, c_uint32, POINTER(CallResultP), _ERR_OUT],
    ),
    "voicecb_call_result_free": (None, [CallResultP]),
    "voicecb_call_result_session_id": (c_char_p, [CallResultP]),
    "voicecb_call_result_idle_port": (c_int32, [CallResultP]),
    "voicecb_call_result_attempts": (c_uint32, [CallResultP]),
    "voicecb_call_result_elapsed_us": (c_uint64, [CallResultP]),
    "voicecb_error_attempts": (c_uint32, [ErrorP]),
    "voicecb_error_elapsed_us": (c_uint64, [ErrorP]),
    "voicecb_client_free": (None, [ClientP]),
    "voicecb_call_stop": (c_result, [ClientP, c_char_p, c_uint32, _ERR_OUT]),
    "voicecb_client_check": (c_result, [ClientP, c_uint32, POINTER(CheckReportP), _ERR_OUT]),
    "voicecb_check_report_free": (None, [CheckReportP]),
    "voicecb_check_report_json": (c_char_p, [CheckReportP]),
    "voicecb_check_report_checklist": (c_char_p, [CheckReportP]),
    "voicecb_code_lookup": (c_result, [c_uint16, c_char_p, POINTER(CodeInfoP), _ERR_OUT]),
    "voicecb_code_lookup_for": (c_result, [c_int32, c_uint16, c_char_p, POINTER(CodeInfoP), _ERR_OUT]),
    "voicecb_code_info_listed_for": (c_bool, [CodeInfoP, c_int32]),
    "voicecb_code_count": (c_size_t, []),
    "voicecb_code_at": (CodeInfoP, [c_size_t]),
    "voicecb_code_info_code": _INFO_TEXT,
    "voicecb_code_info_en": _INFO_TEXT,
    "voicecb_code_info_zh": _INFO_TEXT,
    "voicecb_code_info_advice": _INFO_TEXT,
    "voicecb_code_info_advice_zh": _INFO_TEXT,
    "voicecb_code_info_http_status": (c_uint16, [CodeInfoP]),
    "voicecb_code_info_category": (c_int32, [CodeInfoP]),
    "voicecb_code_info_retryable": (c_bool, [CodeInfoP]),
    "voicecb_category_name": (c_char_p, [c_int32]),
    "voicecb_error_free": (None, [ErrorP]),
    "voicecb_error_code": (c_result, [ErrorP]),
    "voicecb_error_message": _ERROR_TEXT,
    "voicecb_error_field": _ERROR_TEXT,
    "voicecb_error_rule": _ERROR_TEXT,
    "voicecb_error_http_status": (c_uint16, [ErrorP]),
    "voicecb_error_result_code": _ERROR_TEXT,
    "voicecb_error_result_desc": _ERROR_TEXT,
    "voicecb_error_code_info": (CodeInfoP, [ErrorP]),
    "voicecb_error_request_not_sent": (c_bool, [ErrorP]),
    "voicecb_error_clock_skew_secs": (c_result, [ErrorP, POINTER(c_int64)]),
    "voicecb_error_timeout_limit": (c_int32, [ErrorP]),
    "voicecb_timeout_limit_name": (c_char_p, [c_int32]),
    "voicecb_error_session_id": (c_char_p, [ErrorP]),
    "voicecb_result_str": (c_char_p, [c_int32]),
    "voicecb_options_new": (c_result, [POINTER(OptionsP)]),
    "voicecb_options_free": (None, [OptionsP]),
    "voicecb_options_set_base_url": _STR_OPTION,
    "voicecb_options_set_connect_timeout_ms": (c_result, [OptionsP, c_uint32, _ERR_OUT]),
    "voicecb_options_set_timeout_ms": (c_result, [OptionsP, c_uint32, _ERR_OUT]),
    "voicecb_options_set_ca_file": _STR_OPTION,
    "voicecb_options_set_insecure_skip_verify": (c_result, [OptionsP, c_bool, _ERR_OUT]),
    "voicecb_options_set_proxy": _STR_OPTION,
    "voicecb_options_set_user_agent": _STR_OPTION,
    "voicecb_options_set_encode_non_ascii_user_data": (c_result, [OptionsP, c_bool, _ERR_OUT]),
    "voicecb_options_set_allow_base_url_path": (c_result, [OptionsP, c_bool, _ERR_OUT]),
    "voicecb_options_set_clock_offset_secs": (c_result, [OptionsP, c_int64, _ERR_OUT]),
    "voicecb_options_set_retry": (c_result, [OptionsP, c_uint32, c_uint32, c_uint32, _ERR_OUT]),
    "voicecb_options_set_binding": _STR_OPTION,
    "voicecb_click2call_new": (
        c_result,
        [c_char_p, c_char_p, c_char_p, POINTER(RequestP), _ERR_OUT],
    ),
    "voicecb_click2call_free": (None, [RequestP]),
    "voicecb_click2call_set_display_callee_nbr": _STR_FIELD,
    "voicecb_click2call_set_last_min_voice": _STR_FIELD,
    "voicecb_click2call_set_pre_voice": _STR_FIELD,
    "voicecb_click2call_set_wait_voice": _STR_FIELD,
    "voicecb_click2call_set_status_url": _STR_FIELD,
    "voicecb_click2call_set_fee_url": _STR_FIELD,
    "voicecb_click2call_set_record_hint_tone": _STR_FIELD,
    "voicecb_click2call_set_user_data": _STR_FIELD,
    "voicecb_click2call_set_play_pre_voice": _BOOL_FIELD,
    "voicecb_click2call_set_record_flag": _BOOL_FIELD,
    "voicecb_click2call_set_party_type_required_in_disconnect": _BOOL_FIELD,
    "voicecb_click2call_set_return_idle_port": _BOOL_FIELD,
    "voicecb_click2call_set_max_duration_i64": (c_result, [RequestP, c_int64, _ERR_OUT]),
    "voicecb_click2call_set_last_min_to_ue": (c_result, [RequestP, c_int32, _ERR_OUT]),
    "voicecb_click2call_set_callee_media": (c_result, [RequestP, c_int32, _ERR_OUT]),
    "voicecb_click2call_set_last_min_to_ue_name": _STR_FIELD,
    "voicecb_click2call_set_callee_media_name": _STR_FIELD,
    "voicecb_callnotify_new": (c_result, [c_char_p, c_char_p, POINTER(NotifyP), _ERR_OUT]),
    "voicecb_callnotify_free": (None, [NotifyP]),
    "voicecb_callnotify_add_play_item": (c_result, [NotifyP, c_char_p, c_char_p, _ERR_OUT]),
    "voicecb_callnotify_add_template_para": (c_result, [NotifyP, c_size_t, c_char_p, _ERR_OUT]),
    "voicecb_callnotify_item_set_collect_ind": (c_result, [NotifyP, c_size_t, c_int64, _ERR_OUT]),
    "voicecb_callnotify_item_set_replay_after_collection": (c_result, [NotifyP, c_size_t, c_bool, _ERR_OUT]),
    "voicecb_callnotify_item_set_collect_content_trigger_replaying": (
        c_result,
        [NotifyP, c_size_t, c_char_p, _ERR_OUT],
    ),
    "voicecb_callnotify_set_status_url": _NOTIFY_STR,
    "voicecb_callnotify_set_fee_url": _NOTIFY_STR,
    "voicecb_callnotify_set_user_data": _NOTIFY_STR,
    "voicecb_callnotify_set_return_idle_port": (c_result, [NotifyP, c_bool, _ERR_OUT]),
    "voicecb_callnotify_send_result": (c_result, [ClientP, NotifyP, c_uint32, POINTER(CallResultP), _ERR_OUT]),
    "voicecb_callverify_new": (
        c_result,
        [c_char_p, c_char_p, c_char_p, c_char_p, POINTER(VerifyP), _ERR_OUT],
    ),
    "voicecb_callverify_free": (None, [VerifyP]),
    "voicecb_callverify_set_language_type": (c_result, [VerifyP, c_int64, _ERR_OUT]),
    "voicecb_callverify_set_pos_tone": _VERIFY_STR,
    "voicecb_callverify_set_times": (c_result, [VerifyP, c_int64, _ERR_OUT]),
    "voicecb_callverify_set_status_url": _VERIFY_STR,
    "voicecb_callverify_set_fee_url": _VERIFY_STR,
    "voicecb_callverify_set_user_data": _VERIFY_STR,
    "voicecb_callverify_set_return_idle_port": (c_result, [VerifyP, c_bool, _ERR_OUT]),
    "voicecb_callverify_send_result": (c_result, [ClientP, VerifyP, c_uint32, POINTER(CallResultP), _ERR_OUT]),
    "voicecb_record_url": (c_result, [ClientP, c_char_p, c_char_p, c_uint32, _OWNED_STR_OUT, _ERR_OUT]),
    "voicecb_notification_record_url": (
        c_result,
        [ClientP, NotificationP, c_size_t, c_uint32, _OWNED_STR_OUT, _ERR_OUT],
    ),
    "voicecb_sign": (
        c_result,
        [c_char_p, c_char_p, c_char_p, c_char_p, _OWNED_STR_OUT, _OWNED_STR_OUT, _ERR_OUT],
    ),
    "voicecb_notification_parse": (c_result, [POINTER(c_uint8), c_size_t, POINTER(NotificationP), _ERR_OUT]),
    "voicecb_notification_free": (None, [NotificationP]),
    "voicecb_notification_type": (c_int32, [NotificationP]),
    "voicecb_notification_event_type": (c_char_p, [NotificationP]),
    "voicecb_notification_status_kind": (c_int32, [NotificationP]),
    "voicecb_notification_state_code": (c_result, [NotificationP, POINTER(c_int64)]),
    "voicecb_notification_record_count": (c_size_t, [NotificationP]),
    "voicecb_notification_raw_json": (c_char_p, [NotificationP]),
    "voicecb_notification_verify_with": (
        c_result,
        [c_char_p, c_char_p, c_char_p, c_char_p, c_char_p, c_uint32, c_int32, c_int32, _ERR_OUT],
    ),
    "voicecb_notification_field_value": (c_char_p, [NotificationP, c_size_t]),
    "voicecb_notification_record_field_value": (c_char_p, [NotificationP, c_size_t, c_size_t]),
    "voicecb_notification_field_count": (c_size_t, [NotificationP]),
    "voicecb_notification_field_name": (c_char_p, [NotificationP, c_size_t]),
    "voicecb_notification_record_field_count": (c_size_t, [NotificationP, c_size_t]),
    "voicecb_notification_record_field_name": (c_char_p, [NotificationP, c_size_t, c_size_t]),
    "voicecb_notification_record_raw_json": (c_char_p, [NotificationP, c_size_t]),
    "voicecb_notification_time": (c_result, [NotificationP, POINTER(c_int64), _ERR_OUT]),
}


def library_filename() -> str:
    """The platform's file name of the shared library."""
    if sys.platform == "darwin":
        return "libvoicecb.dylib"
    if sys.platform == "win32":
        return "voicecb.dll"
    return "libvoicecb.so"


def source_repository() -> Optional[Path]:
    """The repository root when this package is imported from its source
    tree (``<repo>/bindings/python/src/voicecb``), else None."""
    here = Path(__file__).resolve().parent
    root = here.parents[3]
    if (root / "Cargo.toml").is_file() and (root / "bindings" / "python" / "src" / "voicecb") == here:
        return root
    return None


def candidates() -> List[Tuple[str, Path]]:
    """Where the library is looked for, in order, as (description, path)."""
    name = library_filename()
    places = [("the copy inside the package", Path(__file__).resolve().parent / name)]
    root = source_repository()
    if root is not None:
        places.append(("the repository's release build", root / "target" / "release" / name))
        places.append(("the repository's debug build", root / "target" / "debug" / name))
    return places


def declare(lib: Any, names: Sequence[str]) -> None:
    """Sets restype and argtypes of the named functions of ``lib``."""
    missing = []
    for name in names:
        restype, argtypes = PROTOTYPES[name]
        try:
            fn = getattr(lib, name)
        except AttributeError:
            missing.append(name)
            continue
        fn.restype = restype
        fn.argtypes = argtypes
    if missing:
        raise ImportError(f"libvoicecb lacks functions this voicecb package needs: {', '.join(missing)}")


def check_abi(lib: Any, path: str) -> None:
    """Raises ImportError unless the library's ABI version is :data:`ABI_VERSION`."""
    declare(lib, ["voicecb_abi_version"])
    found = int(lib.voicecb_abi_version())
    if found != ABI_VERSION:
        raise ImportError(
            f"{path} has C ABI version {found}, but this voicecb package was written for ABI "
            f"version {ABI_VERSION}: install the voicecb package that matches the library "
            "(or point VOICECB_LIBRARY at a matching libvoicecb)"
        )


def _open(path: Path) -> Any:
    lib = ctypes.CDLL(str(path))
    check_abi(lib, str(path))
    declare(lib, list(PROTOTYPES))
    return lib


def load() -> Tuple[Any, str]:
    """Loads the library: ``VOICECB_LIBRARY`` when set (and then only that),
    else the first of :func:`candidates` that loads. Raises ImportError
    naming every place it looked."""
    override = os.environ.get("VOICECB_LIBRARY")
    if override:
        path = Path(override).expanduser()
        if not path.is_file():
            raise ImportError(f"cannot load libvoicecb: VOICECB_LIBRARY names {override}, which is not a file")
        try:
            return _open(path), str(path)
        except OSError as e:
            raise ImportError(f"cannot load libvoicecb from VOICECB_LIBRARY={override}: {e}") from e
    looked = ["VOICECB_LIBRARY: not set"]
    for what, path in candidates():
        if not path.is_file():
            looked.append(f"{what}: {path} (no such file)")
            continue
        try:
            return _open(path), str(path)
        except OSError as e:
            looked.append(f"{what}: {path} (could not be loaded: {e})")
    if source_repository() is None:
        looked.append("the repository's target/release and target/debug: not searched (the package is not in its source tree)")
    raise ImportError(
        "cannot find libvoicecb. Looked at:\n  - "
        + "\n  - ".join(looked)
        + "\nInstall the package with `pip install ./bindings/python` (which builds and embeds it), "
        "build it with `cargo build --release --lib`, or set VOICECB_LIBRARY to its path."
    )


LIB, LIBRARY_PATH = load()
