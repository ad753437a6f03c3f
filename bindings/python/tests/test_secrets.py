"""The app secret never shows in an exception, and CR/LF never reach a header or a body."""

from __future__ import annotations

import base64
import hashlib
import hmac
import pickle
import socket
from datetime import datetime, timezone
from typing import Any, Callable, Dict, Iterator, List, Tuple, Type

import pytest

import voicecb
from conftest import APP_KEY, APP_SECRET, CALLEE, CALLER, DISPLAY, LocalServer, Sandbox, SilentServer

#: Distinctive, so that any copy of it (or of a part) is found.
SECRET = "Zq7-SECRET-do-not-leak-4fV9xK2"
#: Pieces a leak could show even when the whole is not copied.
PIECES = [SECRET, SECRET[:12], SECRET[-12:], base64.b64encode(SECRET.encode()).decode()[:16]]

AUTHORIZATION = 'AKSK realm="SDP",profile="UsernameToken",type="Appkey"'
PUSH_URL = "https://example.com/voicecb/status"


class GarbageServer(LocalServer):
    """Answers anything with plain HTTP: a TLS client fails its handshake."""

    def handle(self, conn: socket.socket) -> None:
        conn.recv(4096)
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")


@pytest.fixture
def garbage_server() -> Iterator[GarbageServer]:
    server = GarbageServer()
    try:
        yield server
    finally:
        server.close()


def assert_no_secret(e: BaseException) -> None:
    texts = [str(e), repr(e), repr(e.args), *(str(a) for a in e.args), repr(vars(e))]
    if isinstance(e, voicecb.Error):
        texts.append(e.message)
    texts.append(repr(pickle.loads(pickle.dumps(e)).args))
    for text in texts:
        for piece in PIECES:
            assert piece not in text, f"{type(e).__name__} shows the secret: {text!r}"


def push_headers(created: str, secret: str = SECRET, nonce: str = "N1") -> Dict[str, str]:
    digest = base64.b64encode(hmac.new(secret.encode(), (PUSH_URL + nonce + created).encode(), hashlib.sha256).digest())
    return {
        "Authorization": AUTHORIZATION,
        "X-AKSK": f'UsernameToken Username="{APP_KEY}",PasswordDigest="{digest.decode()}",Nonce="{nonce}",Created="{created}"',
    }


def now_created() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_no_exception_shows_the_secret(
    fresh_sandbox: Sandbox, closed_port: int, silent_server: SilentServer, garbage_server: GarbageServer
) -> None:
    url = fresh_sandbox.url
    seen: List[Type[BaseException]] = []

    def provoke(cls: Type[voicecb.Error], fn: Callable[[], Any]) -> None:
        with pytest.raises(cls) as ei:
            fn()
        assert_no_secret(ei.value)
        seen.append(type(ei.value))

    def call(base_url: str = url, secret: str = SECRET, **kw: Any) -> Callable[[], Any]:
        def run() -> Any:
            with voicecb.Client(APP_KEY, secret, base_url=base_url, **kw) as c:
                return c.click2call(DISPLAY, CALLER, CALLEE)

        return run

    # Refused arguments, with the secret in hand.
    provoke(voicecb.InvalidArgument, lambda: voicecb.Client("key\r\n", SECRET))
    provoke(voicecb.InvalidArgument, lambda: voicecb.Client(APP_KEY, SECRET + "\udc80"))
    provoke(voicecb.InvalidArgument, lambda: voicecb.Client(APP_KEY, SECRET + "\0"))
    provoke(voicecb.InvalidArgument, lambda: voicecb.Client(APP_KEY, SECRET, base_url="ftp://x"))
    provoke(voicecb.InvalidArgument, lambda: voicecb.sign(APP_KEY, SECRET, nonce="not-alnum!"))
    provoke(voicecb.InvalidArgument, lambda: voicecb.sign("", SECRET))
    with voicecb.Client(APP_KEY, SECRET, base_url=url) as c:
        provoke(voicecb.InvalidArgument, lambda: c.click2call(DISPLAY, "123", CALLEE))
        provoke(voicecb.InvalidArgument, lambda: c.click2call(DISPLAY, CALLER, CALLEE, user_data=SECRET + "{}"))
    closed = voicecb.Client(APP_KEY, SECRET, base_url=url)
    closed.close()
    provoke(voicecb.ClientClosed, lambda: closed.click2call(DISPLAY, CALLER, CALLEE))
    assert SECRET not in repr(closed)

    # The platform's refusals: a wrong secret, a clock off, forced answers.
    provoke(voicecb.AuthError, call())
    provoke(voicecb.AuthError, call(secret=APP_SECRET, clock_offset=-3600))
    for status, code, cls in [
        (403, "1010010", voicecb.RateLimited),
        (403, "1013004", voicecb.PolicyError),
        (403, "1010002", voicecb.ParameterError),
        (500, "1010001", voicecb.PlatformInternalError),
        (403, "1010003", voicecb.AppError),
        (403, "1010023", voicecb.NumberError),
        (403, "1999999", voicecb.PlatformError),
    ]:
        fresh_sandbox.force(http_status=status, resultcode=code, resultdesc="forced")
        provoke(cls, call(secret=APP_SECRET))
    fresh_sandbox.force(http_status=502, raw_body="<html>502</html>")
    provoke(voicecb.BadResponse, call(secret=APP_SECRET))
    # The secret with retries on: the last refusal is the one raised.
    fresh_sandbox.force(http_status=403, resultcode="1010010", count=2)
    provoke(voicecb.RateLimited, call(secret=SECRET, retry=voicecb.RetryPolicy(2, 0.01, 0.02)))

    # No answer at all.
    provoke(voicecb.TransportError, call(base_url=f"http://127.0.0.1:{closed_port}", connect_timeout=2.0))
    provoke(voicecb.Timeout, call(base_url=silent_server.url, timeout=0.5))
    provoke(voicecb.TLSError, call(base_url=f"https://127.0.0.1:{garbage_server.port}", timeout=5.0))

    # Pushes: a signature that fails, then a good signature on a bad body.
    body = b'{"eventType":"answer","statusInfo":{"sessionId":"s"}}'
    verify = dict(url=PUSH_URL, app_key=APP_KEY, app_secret=SECRET)
    provoke(voicecb.BadSignature, lambda: voicecb.parse_notification(body, push_headers(now_created(), "other"), **verify))
    provoke(voicecb.BadSignature, lambda: voicecb.parse_notification(body, {}, **verify))
    provoke(voicecb.BadSignature, lambda: voicecb.parse_notification(body, push_headers("2019-01-24T03:04:24Z"), **verify))
    good = push_headers(now_created())
    assert isinstance(voicecb.parse_notification(body, good, **verify), voicecb.StatusEvent)
    provoke(voicecb.BadNotification, lambda: voicecb.parse_notification(b"{" + SECRET.encode(), good, **verify))
    provoke(voicecb.BadNotification, lambda: voicecb.parse_notification(b'{"eventType":"fee","feeLst":[]}', good, **verify))
    provoke(voicecb.InvalidArgument, lambda: voicecb.parse_notification(body, good, url="", app_key=APP_KEY, app_secret=SECRET))

    # Every class the binding can raise, except InternalError (a library bug).
    every = {
        voicecb.InvalidArgument,
        voicecb.ClientClosed,
        voicecb.TransportError,
        voicecb.Timeout,
        voicecb.TLSError,
        voicecb.BadResponse,
        voicecb.BadNotification,
        voicecb.BadSignature,
        voicecb.PlatformError,
        voicecb.AuthError,
        voicecb.AppError,
        voicecb.NumberError,
        voicecb.RateLimited,
        voicecb.PolicyError,
        voicecb.ParameterError,
        voicecb.PlatformInternalError,
    }
    assert every <= set(seen), f"not provoked: {every - set(seen)}"


def test_signed_headers_are_not_in_errors(client: voicecb.Client, fresh_sandbox: Sandbox) -> None:
    # A digest works as a password for a few minutes: it must not leak either.
    headers = voicecb.sign(APP_KEY, SECRET, nonce="abc", created="2019-01-24T03:04:24Z")
    digest = headers["X-AKSK"].split('PasswordDigest="')[1].split('"')[0]
    with voicecb.Client(APP_KEY, SECRET, base_url=fresh_sandbox.url) as c:
        with pytest.raises(voicecb.AuthError) as ei:
            c.click2call(DISPLAY, CALLER, CALLEE)
    assert digest not in str(ei.value)
    forged = dict(push_headers("2019-01-24T03:04:24Z", "other"))
    with pytest.raises(voicecb.BadSignature) as bi:
        voicecb.parse_notification(b"{}", forged, url=PUSH_URL, app_key=APP_KEY, app_secret=SECRET, window=4294967295)
    forged_digest = forged["X-AKSK"].split('PasswordDigest="')[1].split('"')[0]
    assert forged_digest not in str(bi.value) and "does not match" in str(bi.value)


# --- CR and LF -----------------------------------------------------------------

BREAKS = ["a\r\nb", "a\nb", "a\rb", "\r\n"]


def _client_kwargs(field: str, value: str) -> Tuple[str, str, Dict[str, Any]]:
    key, secret, kw = APP_KEY, APP_SECRET, {}
    if field == "app_key":
        key = value
    elif field in ("base_url", "proxy"):
        kw[field] = "http://host" + value
    else:
        kw[field] = value
    return key, secret, kw


@pytest.mark.parametrize("brk", BREAKS, ids=repr)
@pytest.mark.parametrize("field", ["app_key", "user_agent", "base_url", "proxy", "ca_file"])
def test_cr_lf_in_client_settings_is_refused(field: str, brk: str) -> None:
    key, secret, kw = _client_kwargs(field, brk)
    with pytest.raises(voicecb.InvalidArgument) as ei:
        voicecb.Client(key, secret, **kw)
    assert ei.value.field == field
    assert field in str(ei.value)
    assert ei.value.request_not_sent is True


CALL_FIELDS = [
    ("displayNbr", lambda v: ((DISPLAY + v, CALLER, CALLEE), {})),
    ("callerNbr", lambda v: ((DISPLAY, CALLER + v, CALLEE), {})),
    ("calleeNbr", lambda v: ((DISPLAY, CALLER, CALLEE + v), {})),
    ("displayCalleeNbr", lambda v: ((DISPLAY, CALLER, CALLEE, DISPLAY + v), {})),
    ("lastMinVoice", lambda v: ((DISPLAY, CALLER, CALLEE), {"last_min_voice": "a.wav" + v})),
    ("preVoice", lambda v: ((DISPLAY, CALLER, CALLEE), {"pre_voice": "a.wav" + v})),
    ("waitVoice", lambda v: ((DISPLAY, CALLER, CALLEE), {"wait_voice": "a.wav" + v})),
    ("statusUrl", lambda v: ((DISPLAY, CALLER, CALLEE), {"status_url": "https://example.com/s" + v})),
    ("feeUrl", lambda v: ((DISPLAY, CALLER, CALLEE), {"fee_url": "https://example.com/f" + v})),
    ("recordHintTone", lambda v: ((DISPLAY, CALLER, CALLEE), {"record_hint_tone": "a.wav" + v})),
    ("userData", lambda v: ((DISPLAY, CALLER, CALLEE), {"user_data": "tag" + v})),
]


@pytest.mark.parametrize("brk", BREAKS, ids=repr)
@pytest.mark.parametrize("field, make", CALL_FIELDS, ids=[f for f, _ in CALL_FIELDS])
def test_cr_lf_in_every_request_field_is_refused(
    client: voicecb.Client, fresh_sandbox: Sandbox, field: str, make: Callable[[str], Any], brk: str
) -> None:
    args, kwargs = make(brk)
    with pytest.raises(voicecb.InvalidArgument) as ei:
        client.click2call(*args, **kwargs)
    assert ei.value.field == field
    assert field in str(ei.value)
    assert ei.value.request_not_sent is True
    assert fresh_sandbox.requests() == 0


@pytest.mark.parametrize("brk", BREAKS, ids=repr)
def test_cr_lf_in_stop_and_sign_is_refused(client: voicecb.Client, fresh_sandbox: Sandbox, brk: str) -> None:
    with pytest.raises(voicecb.InvalidArgument) as ei:
        client.stop("1200_366_0_20161228102743@callenabler.home1.com" + brk)
    assert ei.value.field == "sessionid"
    with pytest.raises(voicecb.InvalidArgument) as ei:
        voicecb.sign(APP_KEY + brk, APP_SECRET)
    assert ei.value.field == "app_key"
    with pytest.raises(voicecb.InvalidArgument) as ei:
        voicecb.sign(APP_KEY, APP_SECRET, nonce="abc" + brk, created="2019-01-24T03:04:24Z")
    assert ei.value.field == "nonce"
    with pytest.raises(voicecb.InvalidArgument) as ei:
        voicecb.sign(APP_KEY, APP_SECRET, nonce="abc", created="2019-01-24T03:04:24Z" + brk)
    assert ei.value.field == "created"
    assert fresh_sandbox.requests() == 0
