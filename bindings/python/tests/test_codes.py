"""The catalogue: describe() and codes()."""

from __future__ import annotations

import dataclasses

import pytest

import voicecb


def test_same_code_differs_by_status() -> None:
    auth = voicecb.describe(401, "1010010")
    quota = voicecb.describe(403, "1010010")
    assert auth is not None and quota is not None
    assert (auth.http_status, auth.code, auth.category) == (401, "1010010", "signature")
    assert (quota.http_status, quota.code, quota.category) == (403, "1010010", "quota")
    assert auth.en != quota.en and auth.zh and auth.advice
    assert quota.retryable is True and auth.retryable is False


def test_unknown_is_none() -> None:
    assert voicecb.describe(403, "1999999") is None
    assert voicecb.describe(200, "") is None
    assert voicecb.describe(70000, "1010010") is None
    assert voicecb.describe(-1, "1010010") is None


def test_describe_refuses_a_nul() -> None:
    with pytest.raises(voicecb.InvalidArgument) as ei:
        voicecb.describe(401, "1010\x00010")
    assert ei.value.field == "code"


def test_code_info_is_frozen() -> None:
    info = voicecb.describe(401, "1010010")
    assert info is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.code = "x"  # type: ignore[misc]


def test_codes_lists_the_catalogue() -> None:
    entries = voicecb.codes()
    assert len(entries) > 20
    assert all(isinstance(e, voicecb.CodeInfo) for e in entries)
    for e in entries:
        assert e.category, e
        assert voicecb.describe(e.http_status, e.code) is not None, e
    assert voicecb.describe(401, "1010010") in entries
    # A (status, code) pair may appear twice: click2Call's and callStop's
    # tables word some rows differently. Each row itself appears once.
    assert len(set(entries)) == len(entries)
    categories = {e.category for e in entries}
    assert {"auth_header", "signature", "app", "number", "quota", "policy", "parameter", "platform"} <= categories
    entries.clear()
    assert voicecb.codes(), "codes() returns a new list each time"


def test_version() -> None:
    assert voicecb.LIBRARY_VERSION == f"libvoicecb/{voicecb.__version__}"
    assert voicecb.__version__.count(".") == 2
