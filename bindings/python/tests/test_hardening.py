"""Issue 12 through Python: a placed call is never lost to an odd answer,
and no setting sends a signed request where it was not pointed. Each
server is a raw TCP listener of the test's own on 127.0.0.1 port 0."""

from __future__ import annotations

import pytest

import voicecb
from conftest import APP_KEY, APP_SECRET, CALLEE, CALLER, DISPLAY, FixedServer


def answer(status: str, body: bytes) -> bytes:
    head = f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    return head.encode() + body


def call(status: str, body: bytes, **client_kwargs: object) -> voicecb.CallResult:
    server = FixedServer(answer(status, body))
    try:
        with voicecb.Client(APP_KEY, APP_SECRET, base_url=server.url, **client_kwargs) as c:  # type: ignore[arg-type]
            return c.click2call(DISPLAY, CALLER, CALLEE, return_idle_port=True)
    finally:
        server.close()


@pytest.mark.parametrize("port", [b"-1", b"70000", b'"abc"', b"2.5", b"{}"])
def test_odd_idle_port_is_unknown_not_an_error(port: bytes) -> None:
    result = call("200 OK", b'{"resultcode":"0","sessionId":"p1","idlePort":' + port + b"}")
    print(f"idlePort {port.decode()}: {result}")
    assert (result.session_id, result.idle_port, result.attempts) == ("p1", None, 1)


@pytest.mark.parametrize("status", ["302 Found", "500 Internal Server Error"])
def test_refusal_with_a_session_id_carries_it(status: str) -> None:
    with pytest.raises(voicecb.PlatformError) as ei:
        call(status, b'{"resultcode":"0","resultdesc":"ok","sessionId":"placed-1"}')
    print(f"{status}: {type(ei.value).__name__} session_id={ei.value.session_id!r}: {ei.value}")
    assert ei.value.session_id == "placed-1"


def test_control_characters_in_a_session_id() -> None:
    with pytest.raises(voicecb.BadResponse) as ei:
        call("200 OK", b'{"resultcode":"0","sessionId":"id\\r\\nX: 1\\u001b[2J"}')
    e = ei.value
    print(f"CR/LF/ESC sessionId: {type(e).__name__} session_id={e.session_id!r}: {e}")
    assert e.session_id == "id\\r\\nX: 1\\u{1b}[2J"
    assert not any(c in str(e) for c in "\r\n\x1b")


def test_broken_body_after_the_id_keeps_it() -> None:
    with pytest.raises(voicecb.BadResponse) as ei:
        call("200 OK", b'{"resultcode":"0","sessionId":"placed-2","x":"\xff"}')
    assert ei.value.session_id == "placed-2"


def test_no_session_id_is_none_and_desc_is_escaped() -> None:
    with pytest.raises(voicecb.PlatformError) as ei:
        call("403 Forbidden", b'{"resultcode":"1010010","resultdesc":"a\\r\\nb"}')
    assert ei.value.session_id is None
    assert ei.value.result_desc == "a\r\nb"
    assert "\r" not in str(ei.value) and "\n" not in str(ei.value)


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"base_url": "http://h:abc"}, "base_url"),
        ({"base_url": "http://h:83626"}, "base_url"),
        ({"base_url": "https://h:70000"}, "base_url"),
        ({"base_url": "http://127.0.0.1:"}, "base_url"),
        ({"base_url": "https://h/rest/httpsessions/click2Call/v2.0"}, "base_url"),
        ({"proxy": "socks5://127.0.0.1:1080"}, "proxy"),
        ({"proxy": "http://h:70000"}, "proxy"),
        ({"clock_offset": 86401}, "clock_offset_secs"),
        ({"clock_offset": -86401}, "clock_offset_secs"),
        ({"clock_offset": (1 << 63) - 1}, "clock_offset_secs"),
        ({"clock_offset": -(1 << 63)}, "clock_offset_secs"),
        ({"timeout": 0}, "timeout"),
        ({"connect_timeout": -1}, "connect_timeout"),
        ({"timeout": 4294967.296}, "timeout"),
        ({"retry": voicecb.RetryPolicy(max_attempts=0)}, "retry.max_attempts"),
        ({"retry": voicecb.RetryPolicy(max_attempts=(1 << 32) - 1)}, "retry.max_attempts"),
        ({"retry": voicecb.RetryPolicy(max_attempts=-1)}, "retry.max_attempts"),
        ({"retry": voicecb.RetryPolicy(max_backoff=4294967.295)}, "retry.max_backoff"),
        ({"retry": voicecb.RetryPolicy(initial_backoff=-1)}, "retry.initial_backoff"),
    ],
)
def test_settings_are_refused_naming_the_option(kwargs: dict, field: str) -> None:
    with pytest.raises(voicecb.InvalidArgument) as ei:
        voicecb.Client(APP_KEY, APP_SECRET, **kwargs)
    print(f"{kwargs}: {ei.value}")
    assert ei.value.field == field and field in str(ei.value)
    assert ei.value.request_not_sent


def test_key_and_secret_lengths() -> None:
    for key, secret, field in [("k" * 257, APP_SECRET, "app_key"), (APP_KEY, "s" * 257, "app_secret")]:
        with pytest.raises(voicecb.InvalidArgument) as ei:
            voicecb.Client(key, secret)
        assert ei.value.field == field and "256" in str(ei.value)
    voicecb.Client("k" * 256, "s" * 256).close()


def test_extremes_that_are_allowed() -> None:
    body = b'{"resultcode":"0","sessionId":"ok"}'
    for offset in (86400, -86400, 0):
        assert call("200 OK", body, clock_offset=offset).session_id == "ok"
    assert call("200 OK", body, timeout=4294967.295, connect_timeout=0.001 + 4).session_id == "ok"
    voicecb.Client(APP_KEY, APP_SECRET, base_url="http://h:65535", proxy="https://h:1").close()
    voicecb.Client(APP_KEY, APP_SECRET, base_url="http://h:1/gw", allow_base_url_path=True).close()
    voicecb.Client(APP_KEY, APP_SECRET, retry=voicecb.RetryPolicy(10, 0, 60)).close()
    voicecb.Client(APP_KEY, APP_SECRET, retry=voicecb.RetryPolicy(1, 0, 0)).close()


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"max_duration": -1}, "maxDuration"),
        ({"max_duration": 1441}, "maxDuration"),
        ({"max_duration": 1 << 32}, "maxDuration"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": -1}, "timeout"),
    ],
)
def test_call_numbers_at_the_extremes(kwargs: dict, field: str) -> None:
    with voicecb.Client(APP_KEY, APP_SECRET, base_url="http://127.0.0.1:9") as c:
        with pytest.raises(voicecb.InvalidArgument) as ei:
            c.click2call(DISPLAY, CALLER, CALLEE, **kwargs)
        assert ei.value.field == field


def test_call_numbers_allowed_at_the_extremes() -> None:
    server = FixedServer(answer("200 OK", b'{"resultcode":"0","sessionId":"ok"}'))
    try:
        with voicecb.Client(APP_KEY, APP_SECRET, base_url=server.url) as c:
            for n in (0, 1440):
                assert c.click2call(DISPLAY, CALLER, CALLEE, max_duration=n, timeout=4294967.295).session_id == "ok"
    finally:
        server.close()


def _status_with_fields(n: int) -> bytes:
    info = ",".join(f'"f{i:05}":"v{i}"' for i in range(n))
    return ('{"eventType":"answer","statusInfo":{' + info + "}}").encode()


def test_field_cap() -> None:
    n = voicecb.parse_notification(_status_with_fields(voicecb.NOTIFICATION_MAX_FIELDS))
    assert isinstance(n, voicecb.StatusEvent) and len(n.fields) == 1024 and n.fields["f01023"] == "v1023"
    with pytest.raises(voicecb.BadNotification) as ei:
        voicecb.parse_notification(_status_with_fields(voicecb.NOTIFICATION_MAX_FIELDS + 1))
    assert "1025 fields, more than the 1024" in str(ei.value)


def test_verify_options_at_the_extremes() -> None:
    args = dict(url="https://example.com/s", app_key="k", app_secret="s")
    for clock, form, field in [(2, 0, "signer_clock"), (-1, 0, "signer_clock"), (0, 3, "digest_form"), (0, -1, "digest_form")]:
        with pytest.raises(voicecb.InvalidArgument) as ei:
            voicecb.verify_notification({}, **args, signer_clock=clock, digest_form=form)  # type: ignore[arg-type]
        assert ei.value.field == field
    with pytest.raises(voicecb.InvalidArgument) as ei:
        voicecb.verify_notification({}, **args, signer_clock=1 << 31)  # type: ignore[arg-type]
    assert ei.value.field == "signer_clock"
    for window in (0, 4294967295):
        with pytest.raises(voicecb.BadSignature):
            voicecb.verify_notification({}, **args, window=window, signer_clock=voicecb.SignerClock.UTC8)
    with pytest.raises(voicecb.InvalidArgument):
        voicecb.verify_notification({}, **args, window=-1)
    with pytest.raises(voicecb.InvalidArgument):
        voicecb.verify_notification({}, **args, window=4294967296)


def test_fee_without_fee_lst_is_an_empty_bill() -> None:
    n = voicecb.parse_notification(b'{"eventType":"fee"}')
    assert isinstance(n, voicecb.Bill) and n.records == []


def test_notification_url_is_checked_in_its_base64_form() -> None:
    with voicecb.Client(APP_KEY, APP_SECRET, base_url="http://127.0.0.1:9") as c:
        for kwarg, field in (("status_url", "statusUrl"), ("fee_url", "feeUrl")):
            with pytest.raises(voicecb.InvalidArgument) as ei:
                c.click2call(DISPLAY, CALLER, CALLEE, **{kwarg: "https://" + "a" * 89})
            assert ei.value.field == field and "97 bytes, 132 in Base64" in str(ei.value)
            assert ei.value.request_not_sent
