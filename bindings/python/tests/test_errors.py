"""Each exception class, raised by a real answer of the sandbox (or a real socket)."""

from __future__ import annotations

import pickle
import time
from typing import Any, Dict, Type

import pytest

import voicecb
from voicecb import _errors
from conftest import APP_KEY, APP_SECRET, CALLEE, CALLER, DISPLAY, Sandbox, SilentServer


def test_wrong_secret_is_an_auth_error(fresh_sandbox: Sandbox) -> None:
    with voicecb.Client(APP_KEY, "not-the-secret", base_url=fresh_sandbox.url) as c:
        with pytest.raises(voicecb.AuthError) as ei:
            c.click2call(DISPLAY, CALLER, CALLEE)
    e = ei.value
    assert isinstance(e, voicecb.PlatformError) and isinstance(e, voicecb.Error)
    assert e.code == _errors.VOICECB_ERR_PLATFORM
    assert (e.http_status, e.result_code) == (401, "1010010")
    assert e.category == "signature"
    assert e.info == voicecb.describe(401, "1010010")
    assert e.advice == e.info.advice and e.advice
    assert e.retryable is False
    assert e.result_desc
    assert str(e) == e.message and "1010010" in str(e)
    assert "not-the-secret" not in str(e)


def test_display_number_not_the_apps_is_a_number_error(client: voicecb.Client) -> None:
    with pytest.raises(voicecb.NumberError) as ei:
        client.click2call("+8675500000000", CALLER, CALLEE)
    assert (ei.value.http_status, ei.value.result_code) == (403, "1010023")
    assert ei.value.category == "number"


def test_caller_not_e164_for_the_platform_is_a_number_error(client: voicecb.Client) -> None:
    with pytest.raises(voicecb.NumberError) as ei:
        client.click2call(DISPLAY, "+0123456", CALLEE)
    assert (ei.value.http_status, ei.value.result_code) == (403, "1010024")


@pytest.mark.parametrize(
    "status, code, cls, category",
    [
        (403, "1010010", voicecb.RateLimited, "quota"),
        (403, "1013004", voicecb.PolicyError, "policy"),
        (403, "1010002", voicecb.ParameterError, "parameter"),
        (500, "1010001", voicecb.PlatformInternalError, "platform"),
        (403, "1010003", voicecb.AppError, "app"),
    ],
)
def test_forced_answers_pick_the_subclass(
    client: voicecb.Client, fresh_sandbox: Sandbox, status: int, code: str, cls: Type[voicecb.PlatformError], category: str
) -> None:
    fresh_sandbox.force(http_status=status, resultcode=code, resultdesc="forced by the test")
    with pytest.raises(cls) as ei:
        client.click2call(DISPLAY, CALLER, CALLEE)
    e = ei.value
    assert type(e) is cls
    assert (e.http_status, e.result_code, e.result_desc) == (status, code, "forced by the test")
    assert e.category == category
    assert e.info is not None and e.info.code == code
    assert e.retryable == e.info.retryable


def test_quota_answer_is_retryable(client: voicecb.Client, fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.force(http_status=403, resultcode="1010010")
    with pytest.raises(voicecb.RateLimited) as ei:
        client.click2call(DISPLAY, CALLER, CALLEE)
    assert ei.value.retryable is True


def test_unknown_code_is_a_plain_platform_error(client: voicecb.Client, fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.force(http_status=403, resultcode="1999999", resultdesc="new in the platform")
    with pytest.raises(voicecb.PlatformError) as ei:
        client.click2call(DISPLAY, CALLER, CALLEE)
    e = ei.value
    assert type(e) is voicecb.PlatformError
    assert e.info is None and e.category is None and e.advice is None and e.retryable is False
    assert (e.http_status, e.result_code) == (403, "1999999")


def test_stop_errors_too(client: voicecb.Client, fresh_sandbox: Sandbox) -> None:
    session = client.click2call(DISPLAY, CALLER, CALLEE).session_id
    fresh_sandbox.force(http_status=403, resultcode="1010010")
    with pytest.raises(voicecb.RateLimited):
        client.stop(session)
    client.stop(session)


def test_html_answer_is_a_bad_response(client: voicecb.Client, fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.force(http_status=502, raw_body="<html>502</html>")
    with pytest.raises(voicecb.BadResponse) as ei:
        client.click2call(DISPLAY, CALLER, CALLEE)
    assert ei.value.code == _errors.VOICECB_ERR_BAD_RESPONSE
    assert ei.value.http_status == 502
    assert not isinstance(ei.value, voicecb.PlatformError)


def test_closed_port_is_a_transport_error(closed_port: int) -> None:
    with voicecb.Client(APP_KEY, APP_SECRET, base_url=f"http://127.0.0.1:{closed_port}", connect_timeout=2.0) as c:
        with pytest.raises(voicecb.TransportError) as ei:
            c.click2call(DISPLAY, CALLER, CALLEE)
    assert ei.value.code == _errors.VOICECB_ERR_TRANSPORT
    assert ei.value.http_status is None


def test_silent_server_is_a_timeout(silent_server: SilentServer) -> None:
    with voicecb.Client(APP_KEY, APP_SECRET, base_url=silent_server.url, timeout=0.5) as c:
        began = time.monotonic()
        with pytest.raises(voicecb.Timeout) as ei:
            c.click2call(DISPLAY, CALLER, CALLEE)
        elapsed = time.monotonic() - began
    assert isinstance(ei.value, TimeoutError)
    assert ei.value.code == _errors.VOICECB_ERR_TIMEOUT
    # Which limit ran out, not how long it took, says the right one did; a
    # timeout is never early (a loaded machine only makes calls longer).
    assert ei.value.limit == "request"
    assert elapsed > 0.45
    assert silent_server.accepted >= 1


def test_per_call_timeout_shortens_the_clients(silent_server: SilentServer) -> None:
    with voicecb.Client(APP_KEY, APP_SECRET, base_url=silent_server.url, timeout=30.0) as c:
        with pytest.raises(voicecb.Timeout) as ei:
            c.click2call(DISPLAY, CALLER, CALLEE, timeout=0.5)
        assert ei.value.limit == "call"
        with pytest.raises(voicecb.Timeout) as ei:
            c.stop("1200_366_0_20161228102743@callenabler.home1.com", timeout=0.5)
        assert ei.value.limit == "call"


@pytest.mark.parametrize(
    "args, kwargs, field",
    [
        ((DISPLAY, "123", CALLEE), {}, "callerNbr"),
        ((DISPLAY, CALLER, "8613800000002"), {}, "calleeNbr"),
        (("", CALLER, CALLEE), {}, "displayNbr"),
        ((DISPLAY, CALLER, CALLEE, "x"), {}, "displayCalleeNbr"),
        ((DISPLAY, CALLER, CALLEE), {"max_duration": 1441}, "maxDuration"),
        ((DISPLAY, CALLER, CALLEE), {"user_data": "{json}"}, "userData"),
        # Each brace alone: a check of one of them would let the other through.
        ((DISPLAY, CALLER, CALLEE), {"user_data": "id{1"}, "userData"),
        ((DISPLAY, CALLER, CALLEE), {"user_data": "id}1"}, "userData"),
        ((DISPLAY, CALLER, CALLEE), {"status_url": "ftp://example.com/x"}, "statusUrl"),
        ((DISPLAY, CALLER, CALLEE), {"wait_voice": ""}, "waitVoice"),
    ],
)
def test_invalid_arguments_are_refused_before_sending(
    client: voicecb.Client, fresh_sandbox: Sandbox, args: Any, kwargs: Dict[str, Any], field: str
) -> None:
    before = fresh_sandbox.requests()
    with pytest.raises(voicecb.InvalidArgument) as ei:
        client.click2call(*args, **kwargs)
    e = ei.value
    assert isinstance(e, ValueError)
    assert e.field == field
    assert e.code == _errors.VOICECB_ERR_INVALID_ARGUMENT
    assert field in str(e)
    assert fresh_sandbox.requests() == before


def test_nul_inside_a_string_is_invalid(client: voicecb.Client, fresh_sandbox: Sandbox) -> None:
    before = fresh_sandbox.requests()
    with pytest.raises(voicecb.InvalidArgument) as ei:
        # Truncated at the NUL, this would be a valid number: it must not be sent.
        client.click2call(DISPLAY, "+8613800000001\x00junk", CALLEE)
    assert ei.value.field == "callerNbr"
    with pytest.raises(voicecb.InvalidArgument) as ei:
        client.click2call(DISPLAY, CALLER, CALLEE, user_data="a\x00b")
    assert ei.value.field == "userData"
    with pytest.raises(voicecb.InvalidArgument) as ei:
        client.stop("abc\x00")
    assert ei.value.field == "sessionid"
    with pytest.raises(voicecb.InvalidArgument) as ei:
        voicecb.Client("key\x00", APP_SECRET)
    assert ei.value.field == "app_key"
    with pytest.raises(voicecb.InvalidArgument) as ei:
        voicecb.sign(APP_KEY, APP_SECRET, nonce="abc\x00")
    assert ei.value.field == "nonce"
    assert fresh_sandbox.requests() == before


def test_lone_surrogate_is_refused_by_the_library_as_invalid_utf8(client: voicecb.Client, fresh_sandbox: Sandbox) -> None:
    before = fresh_sandbox.requests()
    with pytest.raises(voicecb.InvalidArgument) as ei:
        client.click2call(DISPLAY, CALLER, CALLEE, user_data="tag-\ud800")
    assert ei.value.field == "userData"
    assert ei.value.code == _errors.VOICECB_ERR_INVALID_UTF8
    with pytest.raises(voicecb.InvalidArgument) as ei:
        voicecb.Client(APP_KEY, "secret-\udfff")
    assert ei.value.field == "app_secret"
    assert ei.value.code == _errors.VOICECB_ERR_INVALID_UTF8
    assert fresh_sandbox.requests() == before


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"last_min_to_ue": "sometimes"}, "lastMinToUE"),
        ({"last_min_to_ue": "TOA"}, "lastMinToUE"),
        ({"callee_media": "some"}, "calleeMedia"),
        ({"max_duration": -1}, "maxDuration"),
        ({"max_duration": 1 << 32}, "maxDuration"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": -1.0}, "timeout"),
        ({"timeout": float("nan")}, "timeout"),
    ],
)
def test_values_python_cannot_pass_are_invalid(
    client: voicecb.Client, fresh_sandbox: Sandbox, kwargs: Dict[str, Any], field: str
) -> None:
    before = fresh_sandbox.requests()
    with pytest.raises(voicecb.InvalidArgument) as ei:
        client.click2call(DISPLAY, CALLER, CALLEE, **kwargs)
    assert ei.value.field == field
    assert fresh_sandbox.requests() == before


def test_wrong_types_are_type_errors(client: voicecb.Client) -> None:
    with pytest.raises(TypeError):
        client.click2call(DISPLAY, 8613800000001, CALLEE)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        client.click2call(DISPLAY, CALLER, CALLEE, last_min_to_ue=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        client.click2call(DISPLAY, CALLER, CALLEE, max_duration=1.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"timeout": 0}, "timeout"),
        ({"timeout": -5}, "timeout"),
        ({"connect_timeout": 0.0}, "connect_timeout"),
        ({"connect_timeout": float("nan")}, "connect_timeout"),
        ({"timeout": float("inf")}, "timeout"),
        ({"base_url": "ftp://example.com"}, "base_url"),
        ({"proxy": "not a url"}, "proxy"),
        ({"ca_file": "/nonexistent/ca.pem"}, "ca_file"),
        ({"clock_offset": 1 << 63}, "clock_offset"),
    ],
)
def test_client_settings_are_checked(kwargs: Dict[str, Any], field: str) -> None:
    with pytest.raises(voicecb.InvalidArgument) as ei:
        voicecb.Client(APP_KEY, APP_SECRET, **kwargs)
    assert ei.value.field == field


def test_empty_app_key_is_refused_by_the_library() -> None:
    with pytest.raises(voicecb.InvalidArgument) as ei:
        voicecb.Client("", APP_SECRET)
    assert ei.value.field == "app_key"
    assert ei.value.code == _errors.VOICECB_ERR_INVALID_ARGUMENT


def test_exceptions_pickle(client: voicecb.Client, fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.force(http_status=403, resultcode="1010010")
    with pytest.raises(voicecb.RateLimited) as ei:
        client.click2call(DISPLAY, CALLER, CALLEE)
    e = pickle.loads(pickle.dumps(ei.value))
    assert type(e) is voicecb.RateLimited
    assert (str(e), e.code, e.http_status, e.result_code, e.info) == (
        str(ei.value),
        ei.value.code,
        403,
        "1010010",
        ei.value.info,
    )


def test_exception_hierarchy() -> None:
    assert issubclass(voicecb.InvalidArgument, ValueError)
    assert issubclass(voicecb.Timeout, TimeoutError)
    assert issubclass(voicecb.ClientClosed, voicecb.InvalidArgument)
    for cls in (
        voicecb.InvalidArgument,
        voicecb.TransportError,
        voicecb.Timeout,
        voicecb.TLSError,
        voicecb.BadResponse,
        voicecb.PlatformError,
        voicecb.InternalError,
    ):
        assert issubclass(cls, voicecb.Error)
    for cls in (
        voicecb.AuthError,
        voicecb.AppError,
        voicecb.NumberError,
        voicecb.RateLimited,
        voicecb.PolicyError,
        voicecb.ParameterError,
        voicecb.PlatformInternalError,
    ):
        assert issubclass(cls, voicecb.PlatformError)


def test_error_without_details_uses_the_result_text() -> None:
    # When the library could not allocate the error handle, the code alone comes back.
    e = _errors.from_handle(_errors.VOICECB_ERR_PANIC, None)
    assert type(e) is voicecb.InternalError
    assert e.code == _errors.VOICECB_ERR_PANIC
    assert "panic" in str(e)
    e = _errors.from_handle(_errors.VOICECB_ERR_NULL_ARGUMENT, None)
    assert type(e) is voicecb.InvalidArgument


# Reads as success, sessionId included, so that only the HTTP status tells it is not one.
SUCCESS_BODY = '{"resultcode":"0","resultdesc":"Success","sessionId":"1200_366_0_20161228102743@callenabler.home1.com"}'


def test_an_http_error_with_resultcode_0_is_not_a_success(client: voicecb.Client, fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.force(http_status=500, raw_body=SUCCESS_BODY)
    with pytest.raises(voicecb.PlatformError) as ei:
        client.click2call(DISPLAY, CALLER, CALLEE)
    assert (ei.value.http_status, ei.value.result_code) == (500, "0")
    fresh_sandbox.force(http_status=500, resultcode="0")
    with pytest.raises(voicecb.PlatformError) as ei:
        client.stop("1200_366_0_20161228102743@callenabler.home1.com")
    assert (ei.value.http_status, ei.value.result_code) == (500, "0")
    assert fresh_sandbox.stats()["queued"] == 0


@pytest.mark.parametrize(
    "answer",
    [
        {"http_status": 500, "raw_body": SUCCESS_BODY},
        {"http_status": 403, "resultcode": "1010010"},
        # A sessionId callStop would refuse: a bad response (that carries it).
        {"http_status": 200, "raw_body": '{"resultcode":"0","sessionId":"x\\u001by"}'},
    ],
)
def test_a_failed_call_leaves_the_result_untouched(
    client: voicecb.Client, fresh_sandbox: Sandbox, answer: Dict[str, Any]
) -> None:
    # What Python can show of "out-parameters are written only on success":
    # the call raises, so a variable meant for its result keeps its value,
    # even when the failed answer's body held a sessionId.
    before = object()
    result: Any = before
    fresh_sandbox.force(**answer)
    with pytest.raises(voicecb.Error):
        result = client.click2call(DISPLAY, CALLER, CALLEE, return_idle_port=True)
    assert result is before


def test_messages_name_the_keyword_and_the_api_field(client: voicecb.Client) -> None:
    with pytest.raises(voicecb.InvalidArgument) as ei:
        client.click2call(DISPLAY, CALLER, CALLEE, max_duration=5000)
    assert str(ei.value) == "invalid max_duration (maxDuration): must be 0 to 1440 minutes, got 5000"
    assert (ei.value.field, ei.value.keyword) == ("maxDuration", "max_duration")
    # A negative number gets the documented range, from the library.
    with pytest.raises(voicecb.InvalidArgument) as ei:
        client.click2call(DISPLAY, CALLER, CALLEE, max_duration=-5)
    assert str(ei.value) == "invalid max_duration (maxDuration): must be 0 to 1440 minutes, got -5"
    with pytest.raises(voicecb.InvalidArgument) as ei:
        client.click2call(DISPLAY, "", CALLEE)
    assert str(ei.value) == "invalid caller_nbr (callerNbr): is required"
    with pytest.raises(voicecb.InvalidArgument) as ei:
        client.stop("")
    assert str(ei.value) == "invalid session_id (sessionid): is required"
    # Made in Python (a NUL cannot cross into C): worded the same way.
    with pytest.raises(voicecb.InvalidArgument) as ei:
        client.click2call(DISPLAY, CALLER, CALLEE, user_data="a\x00b")
    assert str(ei.value) == "invalid user_data (userData): must not contain a NUL character"
    # A client setting keeps its one name.
    with pytest.raises(voicecb.InvalidArgument) as ei:
        voicecb.Client(APP_KEY, APP_SECRET, timeout=0)
    assert str(ei.value) == "invalid timeout: must be greater than zero" and ei.value.keyword == "timeout"


def test_type_errors_name_the_keyword(client: voicecb.Client) -> None:
    with pytest.raises(TypeError) as ei:
        client.click2call(DISPLAY, CALLER, CALLEE, max_duration="30")  # type: ignore[arg-type]
    assert str(ei.value) == "max_duration (maxDuration) must be an int, not str"
    with pytest.raises(TypeError) as ei:
        client.click2call(DISPLAY, 8613800000001, CALLEE)  # type: ignore[arg-type]
    assert str(ei.value) == "caller_nbr (callerNbr) must be a str, not int"
    with pytest.raises(TypeError) as ei:
        client.click2call(DISPLAY, CALLER, CALLEE, record="yes")  # type: ignore[arg-type]
    assert str(ei.value) == "record (recordFlag) must be a bool, not str"


def test_a_negative_retry_count_gets_the_documented_range() -> None:
    with pytest.raises(voicecb.InvalidArgument) as ei:
        voicecb.Client(APP_KEY, APP_SECRET, retry=voicecb.RetryPolicy(max_attempts=-1))
    assert str(ei.value) == "invalid retry.max_attempts: must be 1 to 10"


def test_exception_classes_show_as_voicecb(client: voicecb.Client, fresh_sandbox: Sandbox) -> None:
    import traceback

    for name in voicecb.__all__:
        cls = getattr(voicecb, name)
        if isinstance(cls, type) and issubclass(cls, voicecb.Error):
            assert cls.__module__ == "voicecb", name
    fresh_sandbox.force(http_status=401, resultcode="1010010")
    with pytest.raises(voicecb.AuthError) as ei:
        client.click2call(DISPLAY, CALLER, CALLEE)
    shown = traceback.format_exception_only(type(ei.value), ei.value)[-1]
    assert shown.startswith("voicecb.AuthError: "), shown


def test_advice_is_english_and_the_chinese_stays_reachable(fresh_sandbox: Sandbox) -> None:
    with voicecb.Client(APP_KEY, "not-the-secret", base_url=fresh_sandbox.url) as c:
        with pytest.raises(voicecb.AuthError) as ei:
            c.click2call(DISPLAY, CALLER, CALLEE)
    e = ei.value
    assert e.advice == "Check that PasswordDigest is filled in correctly."
    assert e.advice_zh == "请检查PasswordDigest字段填写是否正确。" == e.info.advice_zh
    assert "advice: Check that PasswordDigest" in str(e) and "请检查" not in str(e)
    assert "so that secret is wrong for this app_key" in str(e)
    # advice_zh is empty for the rows whose source gives no advice (the
    # catalogue documents which); the English advice is always there.
    assert all(i.advice and i.advice.isascii() and not (i.advice_zh and i.advice_zh.isascii()) for i in voicecb.codes())
    assert sum(1 for i in voicecb.codes() if i.advice_zh) > len(voicecb.codes()) // 2


def test_the_user_data_hint_names_the_python_option(client: voicecb.Client, fresh_sandbox: Sandbox) -> None:
    with pytest.raises(voicecb.InvalidArgument) as ei:
        client.click2call(DISPLAY, CALLER, CALLEE, user_data="订单")
    assert "set encode_non_ascii_user_data=True on the voicecb.Client" in str(ei.value)
    assert "voicecb_options" not in str(ei.value) and "ClientBuilder" not in str(ei.value)
    assert fresh_sandbox.requests() == 0


def test_transport_and_timeout_messages_say_where_and_whether_sent(
    closed_port: int, silent_server: SilentServer
) -> None:
    with voicecb.Client(APP_KEY, APP_SECRET, base_url=f"http://127.0.0.1:{closed_port}") as c:
        with pytest.raises(voicecb.TransportError) as ei:
            c.click2call(DISPLAY, CALLER, CALLEE)
    assert str(ei.value).startswith(f"transport error: could not connect to 127.0.0.1:{closed_port}: ")
    assert str(ei.value).endswith("; nothing was sent") and ei.value.request_not_sent
    with voicecb.Client(APP_KEY, APP_SECRET, base_url=silent_server.url, timeout=0.5) as c:
        with pytest.raises(voicecb.Timeout) as ei:
            c.click2call(DISPLAY, CALLER, CALLEE)
    assert str(ei.value) == (
        f"timed out: no answer from {silent_server.url[len('http://'):]} within 0.5 s (request timeout); "
        "the request may have reached the platform, so the call may have been placed"
    )
