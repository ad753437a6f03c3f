"""click2Call the way the vendor's Python sample does it: the standard
library's urllib, a new connection for every call, and signing in Python
with hmac, hashlib and base64. Written after the sample's shape (build the
X-AKSK header, json.dumps the body, urllib.request.Request, urlopen with an
SSL context made per call), with one fix: Created is taken in UTC
(time.gmtime), as the API requires, where the sample formats local time.

Only the standard library is imported: nothing of libvoicecb.
"""

import base64
import hashlib
import hmac
import json
import ssl
import time
import urllib.request
import uuid

AUTHORIZATION = 'AKSK realm="SDP",profile="UsernameToken",type="Appkey"'


def build_aksk_header(app_key, app_secret):
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    nonce = str(uuid.uuid4()).replace("-", "")
    digest = hmac.new(app_secret.encode(), (nonce + now).encode(), digestmod=hashlib.sha256).digest()
    digest_base64 = base64.b64encode(digest).decode()
    return 'UsernameToken Username="{}",PasswordDigest="{}",Nonce="{}",Created="{}"'.format(
        app_key, digest_base64, nonce, now
    )


def click2call(base_url, app_key, app_secret, display_nbr, caller_nbr, callee_nbr):
    api_uri = "/rest/httpsessions/click2Call/v2.0"
    request_url = base_url + api_uri
    header = {
        "Content-Type": "application/json;charset=UTF-8",
        "Authorization": AUTHORIZATION,
        "X-AKSK": build_aksk_header(app_key, app_secret),
    }
    json_data = {
        "displayNbr": display_nbr,
        "callerNbr": caller_nbr,
        "displayCalleeNbr": display_nbr,
        "calleeNbr": callee_nbr,
    }
    data = json.dumps(json_data).encode("ascii")
    req = urllib.request.Request(url=request_url, data=data, headers=header, method="POST")
    # The sample skips certificate checks; over plain http (the sandbox) the
    # context is unused, but urlopen still builds an opener for it per call.
    context = ssl._create_unverified_context()
    with urllib.request.urlopen(req, context=context) as r:
        answer = json.loads(r.read().decode("utf-8"))
    if answer.get("resultcode") != "0":
        raise RuntimeError("refused: %r" % (answer,))
    return answer["sessionId"]
