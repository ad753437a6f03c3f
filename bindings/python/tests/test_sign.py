"""voicecb.sign() against the shared vectors and an independent HMAC."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import re
from typing import Any, Dict, List

import pytest

import voicecb
from conftest import REPO

VECTORS = REPO / "tests" / "vectors" / "aksk.json"
X_AKSK = re.compile(
    r'UsernameToken Username="(?P<user>[^"]*)",PasswordDigest="(?P<digest>[^"]*)",'
    r'Nonce="(?P<nonce>[^"]*)",Created="(?P<created>[^"]*)"'
)


def vectors() -> List[Dict[str, Any]]:
    return list(json.loads(VECTORS.read_text(encoding="utf-8"))["vectors"])


def digest(secret: str, nonce: str, created: str) -> str:
    mac = hmac.new(secret.encode("utf-8"), (nonce + created).encode("utf-8"), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("ascii")


def test_there_are_vectors() -> None:
    assert len(vectors()) >= 5


@pytest.mark.parametrize("v", vectors(), ids=lambda v: v["name"])
def test_sign_matches_the_vector(v: Dict[str, Any]) -> None:
    headers = voicecb.sign(v["app_key"], v["app_secret"], v["nonce"], v["created"])
    assert headers == {"Authorization": v["authorization"], "X-AKSK": v["x_aksk"]}
    m = X_AKSK.fullmatch(headers["X-AKSK"])
    assert m is not None
    independent = digest(v["app_secret"], v["nonce"], v["created"])
    assert m.group("digest") == independent == v["password_digest"]


def test_fresh_nonce_and_time() -> None:
    a = voicecb.sign("key", "secret")
    b = voicecb.sign("key", "secret")
    ma, mb = X_AKSK.fullmatch(a["X-AKSK"]), X_AKSK.fullmatch(b["X-AKSK"])
    assert ma is not None and mb is not None
    assert ma.group("nonce") != mb.group("nonce")
    assert re.fullmatch(r"[0-9A-Za-z]{1,128}", ma.group("nonce"))
    created = datetime.datetime.strptime(ma.group("created"), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    now = datetime.datetime.now(datetime.timezone.utc)
    assert abs((now - created).total_seconds()) < 300
    assert ma.group("digest") == digest("secret", ma.group("nonce"), ma.group("created"))


def test_only_nonce_given() -> None:
    h = voicecb.sign("key", "secret", nonce="abc123")
    m = X_AKSK.fullmatch(h["X-AKSK"])
    assert m is not None and m.group("nonce") == "abc123"
    assert m.group("digest") == digest("secret", "abc123", m.group("created"))


def test_sign_refuses_what_the_library_refuses() -> None:
    with pytest.raises(voicecb.InvalidArgument) as ei:
        voicecb.sign("key", "secret", nonce="not-alnum!")
    assert ei.value.field == "nonce"
    with pytest.raises(voicecb.InvalidArgument) as ei:
        voicecb.sign("key", "")
    assert ei.value.field == "app_secret"
