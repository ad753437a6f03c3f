"""What a Python user would write instead of the binding: a click2Call
signed by hand (hmac, hashlib, secrets, base64; Created in UTC) and sent
through the HTTP client everyone uses, with keep-alive: `requests.Session`,
`httpx.Client` (HTTP/1.1) and `httpx.AsyncClient`. Each checks resultcode
"0" on every answer, as the binding does, and raises otherwise.

Nothing of libvoicecb is imported here.
"""

import base64
import hashlib
import hmac
import json
import secrets
import time

PATH = "/rest/httpsessions/click2Call/v2.0"
AUTHORIZATION = 'AKSK realm="SDP",profile="UsernameToken",type="Appkey"'


def headers(app_key, secret):
    """The headers of one request: a fresh nonce and the time now."""
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    nonce = secrets.token_hex(16)
    digest = base64.b64encode(hmac.new(secret, (nonce + created).encode(), hashlib.sha256).digest()).decode()
    return {
        "Content-Type": "application/json;charset=UTF-8",
        "Authorization": AUTHORIZATION,
        "X-AKSK": 'UsernameToken Username="%s",PasswordDigest="%s",Nonce="%s",Created="%s"'
        % (app_key, digest, nonce, created),
    }


def body(display, caller, callee):
    return json.dumps(
        {"displayNbr": display, "callerNbr": caller, "displayCalleeNbr": display, "calleeNbr": callee}
    ).encode()


def session_id(status, answer):
    """The answer's sessionId; raises unless it is a 200 with resultcode "0"."""
    if status != 200 or answer.get("resultcode") != "0":
        raise RuntimeError("refused: HTTP %d, resultcode %r" % (status, answer.get("resultcode")))
    return answer["sessionId"]


def sync_caller(kind, base_url, app_key, app_secret, display, caller, callee):
    """A function placing one click2Call through `requests` or `httpx`."""
    url, secret = base_url + PATH, app_secret.encode()
    if kind == "requests":
        import requests

        session = requests.Session()

        def call():
            r = session.post(url, data=body(display, caller, callee), headers=headers(app_key, secret))
            return session_id(r.status_code, r.json())

    elif kind == "httpx":
        import httpx

        client = httpx.Client(http1=True, http2=False)

        def call():
            r = client.post(url, content=body(display, caller, callee), headers=headers(app_key, secret))
            return session_id(r.status_code, r.json())

    else:
        raise ValueError(kind)
    return call


def async_caller(base_url, app_key, app_secret, display, caller, callee):
    """A coroutine function placing one click2Call through `httpx.AsyncClient`."""
    import httpx

    url, secret = base_url + PATH, app_secret.encode()
    client = httpx.AsyncClient(http1=True, http2=False)

    async def call():
        r = await client.post(url, content=body(display, caller, callee), headers=headers(app_key, secret))
        return session_id(r.status_code, r.json())

    return call
