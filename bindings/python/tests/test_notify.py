"""Pushed notifications against the shared vectors of tests/vectors/notifications."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional

import pytest

import voicecb
from voicecb import _errors, _notify
from voicecb._notify import BILL_RECORD_FIELDS
from conftest import REPO

VECTORS = REPO / "tests" / "vectors" / "notifications"


def load(name: str) -> Any:
    path = VECTORS / name
    if not path.is_file():
        pytest.fail(f"{path} not found")
    return json.loads(path.read_text(encoding="utf-8"))


INDEX = load("index.json")
SIGNED = load("signed.json")
CASES: List[Dict[str, Any]] = INDEX["cases"]
MALFORMED: List[Dict[str, Any]] = INDEX["malformed"]
SIGNED_CASES: List[Dict[str, Any]] = SIGNED["cases"]

#: API name -> (attribute, counter) of the named fields of a bill record.
RECORD_ATTRS = {api: (attr, counter) for attr, api, counter in BILL_RECORD_FIELDS}
#: API name -> attribute of the named fields of a status event.
STATUS_ATTRS = {
    "sessionId": "session_id",
    "timestamp": "timestamp",
    "caller": "caller",
    "called": "called",
    "userData": "user_data",
    "stateDesc": "state_desc",
    "partyType": "party_type",
    "digitInfo": "digit_info",
    "displayCallerNum": "display_caller_num",
}


def body_of(case: Dict[str, Any]) -> bytes:
    return (VECTORS / case["file"]).read_bytes()


def test_the_vectors_are_there() -> None:
    assert len(CASES) >= 10
    assert len(MALFORMED) >= 20
    assert len(SIGNED_CASES) >= 30
    assert {c["type"] for c in CASES} == {"status", "bill", "other"}


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_every_sample_parses_to_the_expected_values(case: Dict[str, Any]) -> None:
    body = body_of(case)
    n = voicecb.parse_notification(body)
    assert n.event_type == case["event_type"]
    assert n.raw == json.loads(body)
    if case["type"] == "status":
        assert type(n) is voicecb.StatusEvent
        assert n.kind.api_name == case["status_kind"]
        assert n.session_id == case["session_id"]
        assert n.timestamp == case["timestamp"]
        assert n.state_code == case["state_code"]
        assert n.user_data == case["user_data"]
        assert case["record_count"] == 0
        for name, want in case["fields"].items():
            if want is None:
                assert name not in n.fields, name
            else:
                assert n.fields[name] == want, name
            if name in STATUS_ATTRS:
                assert getattr(n, STATUS_ATTRS[name]) == want, name
            if name == "stateCode":
                assert n.state_code == (None if want is None else int(want))
        if case["timestamp"] is None:
            assert n.time is None
        else:
            # The library reads runs of spaces as one.
            sent = datetime.strptime(" ".join(case["timestamp"].split()), "%Y-%m-%d %H:%M:%S")
            assert n.time == sent.replace(tzinfo=timezone.utc)
            assert n.time.tzinfo is timezone.utc
    elif case["type"] == "bill":
        assert type(n) is voicecb.Bill
        assert len(n.records) == case["record_count"] == len(case["records"])
        sent = json.loads(body).get("feeLst", [])
        for i, (record, want_fields) in enumerate(zip(n.records, case["records"])):
            assert type(record) is voicecb.BillRecord
            assert record.raw == sent[i]
            for name, want in want_fields.items():
                if want is None:
                    assert name not in record.fields, (i, name)
                else:
                    assert record.fields[name] == want, (i, name)
                if name in RECORD_ATTRS:
                    attr, counter = RECORD_ATTRS[name]
                    value = getattr(record, attr)
                    if counter:
                        assert value == (None if want in (None, "") else int(want)), (i, name)
                        assert value is None or type(value) is int
                    else:
                        assert value == want, (i, name)
    else:
        assert type(n) is voicecb.OtherEvent
        assert case["record_count"] == 0


def test_bill_record_fields_are_the_librarys() -> None:
    # The named fields of BillRecord in src/notify.rs, in order: f.int / f.text / f.user_data.
    source = (REPO / "src" / "notify.rs").read_text(encoding="utf-8")
    body = source[source.index("fn bill_record(") :]
    body = body[: body.index("\n}\n")]
    named = re.findall(r"(\w+): f\.(int|text|user_data)\((?:\"(\w+)\")?\)", body)
    assert len(named) > 30
    want = [(attr, api or "userData", kind == "int") for attr, kind, api in named]
    assert list(BILL_RECORD_FIELDS) == want
    names = [f.name for f in dataclasses.fields(voicecb.BillRecord)]
    assert names == [attr for attr, _, _ in BILL_RECORD_FIELDS] + ["fields", "raw"]


def test_bill_record_has_every_named_field() -> None:
    record: Dict[str, Any] = {}
    for i, (attr, api, counter) in enumerate(BILL_RECORD_FIELDS):
        # Counters alternate between numbers and strings of digits.
        record[api] = (i if i % 2 else str(i)) if counter else f"v{i}-{attr}"
    record["endToEndID"] = 543207693
    n = voicecb.parse_notification(json.dumps({"eventType": "fee", "feeLst": [record, {}]}))
    assert isinstance(n, voicecb.Bill) and len(n.records) == 2
    first, empty = n.records
    for i, (attr, api, counter) in enumerate(BILL_RECORD_FIELDS):
        assert getattr(first, attr) == (i if counter else f"v{i}-{attr}"), api
        assert getattr(empty, attr) is None, api
        assert first.fields[api] == (str(i) if counter else f"v{i}-{attr}")
    assert first.fields["endToEndID"] == "543207693"
    assert empty.fields == {} and empty.raw == {}
    assert first.raw == record


def test_body_may_be_str_bytearray_or_memoryview() -> None:
    body = (VECTORS / "answer.json").read_bytes()
    want = voicecb.parse_notification(body)
    assert voicecb.parse_notification(body.decode("utf-8")) == want
    assert voicecb.parse_notification(bytearray(body)) == want
    assert voicecb.parse_notification(memoryview(body)) == want
    with pytest.raises(TypeError):
        voicecb.parse_notification(None)  # type: ignore[arg-type]


def test_status_events_are_frozen_and_hashable() -> None:
    n = voicecb.parse_notification((VECTORS / "disconnect.json").read_bytes())
    assert isinstance(n, voicecb.StatusEvent)
    with pytest.raises(dataclasses.FrozenInstanceError):
        n.session_id = "x"  # type: ignore[misc]
    hash(n)
    assert n.kind is voicecb.StatusKind.DISCONNECT and n.state_code == 0


def test_time_is_the_librarys_reading_in_utc() -> None:
    n = voicecb.parse_notification(b'{"eventType":"answer","statusInfo":{"timestamp":"2019-01-24 03:04:24"}}')
    assert isinstance(n, voicecb.StatusEvent)
    assert n.time == datetime(2019, 1, 24, 3, 4, 24, tzinfo=timezone.utc)
    assert n.time.timestamp() == 1548299064
    assert n.timestamp == "2019-01-24 03:04:24"
    n = voicecb.parse_notification(b'{"eventType":"answer","statusInfo":{"timestamp":" 2019-01-24\\t 03:04:24 "}}')
    assert isinstance(n, voicecb.StatusEvent)
    assert n.time == datetime(2019, 1, 24, 3, 4, 24, tzinfo=timezone.utc)
    assert n.timestamp == " 2019-01-24\t 03:04:24 "


@pytest.mark.parametrize("timestamp", ["yesterday", "2019-01-24T03:04:24Z", "2019-02-30 00:00:00", ""])
def test_bad_timestamp_keeps_the_event(timestamp: str) -> None:
    body = json.dumps({"eventType": "answer", "statusInfo": {"sessionId": "s", "timestamp": timestamp}})
    n = voicecb.parse_notification(body)
    assert isinstance(n, voicecb.StatusEvent)
    assert n.timestamp == timestamp and n.time is None and n.session_id == "s"


def test_timestamp_datetime_cannot_hold_has_no_time() -> None:
    # Year 0 is a time to the library, but before datetime.min.
    n = voicecb.parse_notification(b'{"eventType":"answer","statusInfo":{"timestamp":"0000-01-01 00:00:00"}}')
    assert isinstance(n, voicecb.StatusEvent)
    assert n.timestamp == "0000-01-01 00:00:00" and n.time is None


def test_event_without_timestamp_has_no_time() -> None:
    n = voicecb.parse_notification(b'{"eventType":"callout","statusInfo":{"sessionId":"s"}}')
    assert isinstance(n, voicecb.StatusEvent)
    assert n.timestamp is None and n.time is None
    assert n.fields == {"sessionId": "s"}


def test_event_type_is_matched_without_case_and_kept_as_sent() -> None:
    n = voicecb.parse_notification(b'{"eventType":"DISCONNECT","statusInfo":{"stateCode":16}}')
    assert isinstance(n, voicecb.StatusEvent)
    assert n.kind is voicecb.StatusKind.DISCONNECT and n.event_type == "DISCONNECT"
    assert n.state_code == 16 and n.fields == {"stateCode": "16"}


def test_other_values_are_rendered_by_the_library() -> None:
    n = voicecb.parse_notification(
        b'{"eventType":"disconnect","statusInfo":{"sessionId":"s1","stateCode":"16","partyType":1,'
        b'"nested":{"a":[1,true]},"flag":false,"ratio":0.5,"nothing":null}}'
    )
    assert isinstance(n, voicecb.StatusEvent)
    assert n.fields == {
        "sessionId": "s1",
        "stateCode": "16",
        "partyType": "1",
        "nested": '{"a":[1,true]}',
        "flag": "false",
        "ratio": "0.5",
    }
    assert n.party_type == "1" and n.state_code == 16


def malformed_body(m: Dict[str, Any]) -> bytes:
    if "malformed_file" in m:
        return (VECTORS / m["malformed_file"]).read_bytes()
    return m["body"].encode("utf-8")


@pytest.mark.parametrize("m", MALFORMED, ids=[m["name"] for m in MALFORMED])
def test_every_malformed_sample_is_a_bad_notification(m: Dict[str, Any]) -> None:
    with pytest.raises(voicecb.BadNotification) as ei:
        voicecb.parse_notification(malformed_body(m))
    e = ei.value
    assert isinstance(e, voicecb.Error) and isinstance(e, ValueError)
    assert e.code == _errors.VOICECB_ERR_BAD_NOTIFICATION == 11
    assert m["error_contains"] in str(e)
    assert str(e) == e.message


def test_oversized_body_is_a_bad_notification() -> None:
    limit = voicecb.NOTIFICATION_MAX_BODY
    assert limit == _notify.VOICECB_NOTIFICATION_MAX_BODY
    with pytest.raises(voicecb.BadNotification) as ei:
        voicecb.parse_notification(b" " * (limit + 1))
    assert str(limit + 1) in str(ei.value)
    # The limit itself is fine (and then empty).
    with pytest.raises(voicecb.BadNotification) as ei:
        voicecb.parse_notification(b" " * limit)
    assert "the body is empty" in str(ei.value)


def test_a_bill_has_at_most_the_headers_number_of_records() -> None:
    most = voicecb.NOTIFICATION_MAX_RECORDS
    assert most == _notify.VOICECB_NOTIFICATION_MAX_RECORDS
    records = [{"sessionId": f"s{i}", "direction": i} for i in range(most)]
    n = voicecb.parse_notification(json.dumps({"eventType": "fee", "feeLst": records}))
    assert isinstance(n, voicecb.Bill)
    assert [r.session_id for r in n.records] == [f"s{i}" for i in range(most)]
    assert [r.raw for r in n.records] == records
    assert n.records[7].fields == {"direction": "7", "sessionId": "s7"}
    records.append({"sessionId": "one too many"})
    with pytest.raises(voicecb.BadNotification) as ei:
        voicecb.parse_notification(json.dumps({"eventType": "fee", "feeLst": records}))
    assert str(most) in str(ei.value)


def test_invalid_utf8_body_is_a_bad_notification() -> None:
    with pytest.raises(voicecb.BadNotification):
        voicecb.parse_notification(b'{"eventType":"answer","statusInfo":{"sessionId":"\xff"}}')
    with pytest.raises(voicecb.BadNotification):
        voicecb.parse_notification('{"eventType":"answer","statusInfo":{"sessionId":"\ud800"}}')


# --- signatures --------------------------------------------------------------

# Header names as a receiver's framework may spell them: lookup ignores case.
_SPELLINGS = [("Authorization", "X-AKSK"), ("authorization", "x-aksk"), ("AUTHORIZATION", "X-Aksk")]


def headers_of(case: Dict[str, Any], spelling: int = 0) -> Dict[str, str]:
    auth_name, aksk_name = _SPELLINGS[spelling % len(_SPELLINGS)]
    headers = {"Content-Type": "application/json"}
    if case["authorization"] is not None:
        headers[auth_name] = case["authorization"]
    if case["x_aksk"] is not None:
        headers[aksk_name] = case["x_aksk"]
    return headers


def verify_kwargs(case: Dict[str, Any]) -> Dict[str, Any]:
    """The verification arguments of a signed case, with the window the C test uses."""
    return dict(
        url=case["url"],
        app_key=case["app_key"],
        app_secret=case["app_secret"],
        window=case["c_window_secs"],
        signer_clock=voicecb.SignerClock[case["signer_clock"].upper()],
        digest_form=voicecb.DigestForm[case["digest_form"].upper()],
    )


@pytest.mark.parametrize("index", range(len(SIGNED_CASES)), ids=[c["name"] for c in SIGNED_CASES])
def test_every_signed_case_gives_its_verdict(index: int) -> None:
    # The library checks Created against the real clock: each case gives
    # the window (and the message) that makes its verdict hold today, as
    # the C test does: the widest window for the digest cases, a short one
    # for the Created cases, whose times are years in the past.
    case = SIGNED_CASES[index]
    kwargs = verify_kwargs(case)
    if case["valid"]:
        n = voicecb.parse_notification(case["body"], headers_of(case, index), **kwargs)
        assert isinstance(n, voicecb.StatusEvent) and n.kind is voicecb.StatusKind.ANSWER
        voicecb.verify_notification(headers_of(case, index), **kwargs)
    else:
        with pytest.raises(voicecb.BadSignature) as ei:
            voicecb.parse_notification(case["body"], headers_of(case, index), **kwargs)
        e = ei.value
        assert type(e) is voicecb.BadSignature and not isinstance(e, voicecb.BadNotification)
        assert e.code == _errors.VOICECB_ERR_BAD_SIGNATURE == 12
        assert case["c_error_contains"] in str(e)
        assert case["app_secret"] not in str(e) and case["app_secret"] not in repr(e)


def _sign_push(secret: str, url: str, created: str, nonce: str = "N0nce") -> str:
    digest = base64.b64encode(hmac.new(secret.encode(), (url + nonce + created).encode(), hashlib.sha256).digest())
    return (
        f'UsernameToken Username="{SIGNED_CASES[0]["app_key"]}",PasswordDigest="{digest.decode()}",'
        f'Nonce="{nonce}",Created="{created}"'
    )


def test_window_is_the_librarys_check_against_now() -> None:
    case = SIGNED_CASES[0]
    url, secret = case["url"], case["app_secret"]
    created = (datetime.now(timezone.utc) - timedelta(seconds=120)).strftime("%Y-%m-%dT%H:%M:%SZ")
    headers = {"Authorization": case["authorization"], "X-AKSK": _sign_push(secret, url, created)}
    kwargs = dict(url=url, app_key=case["app_key"], app_secret=secret)
    assert isinstance(voicecb.parse_notification(case["body"], headers, **kwargs), voicecb.StatusEvent)
    with pytest.raises(voicecb.BadSignature) as ei:
        voicecb.parse_notification(case["body"], headers, window=60, **kwargs)
    assert "outside the 60 s window" in str(ei.value)
    # Fractions of a second are dropped: 60.9 is a 60 s window.
    with pytest.raises(voicecb.BadSignature) as ei:
        voicecb.parse_notification(case["body"], headers, window=60.9, **kwargs)
    assert "outside the 60 s window" in str(ei.value)


def test_credentials_without_headers_fail_closed() -> None:
    case = SIGNED_CASES[0]
    kwargs = dict(url=case["url"], app_key=case["app_key"], app_secret=case["app_secret"])
    with pytest.raises(voicecb.BadSignature) as ei:
        voicecb.parse_notification(case["body"], **kwargs)
    assert "the Authorization header is missing" in str(ei.value)
    with pytest.raises(voicecb.BadSignature) as ei:
        voicecb.parse_notification(case["body"], {"Authorization": case["authorization"]}, **kwargs)
    assert "the X-AKSK header is missing" in str(ei.value)


def test_signature_is_checked_before_the_body() -> None:
    case = SIGNED_CASES[4]
    assert not case["valid"]
    kwargs = verify_kwargs(case)
    with pytest.raises(voicecb.BadSignature):
        voicecb.parse_notification(b"not json", headers_of(case), **kwargs)


def test_headers_alone_do_not_verify() -> None:
    # Without credentials there is nothing to verify with: the body is read.
    case = SIGNED_CASES[4]
    assert isinstance(voicecb.parse_notification(case["body"], headers_of(case)), voicecb.StatusEvent)


@pytest.mark.parametrize(
    "kwargs, field, code",
    [
        ({"app_key": None}, "app_key", _errors.VOICECB_ERR_NULL_ARGUMENT),
        ({"app_secret": None}, "app_secret", _errors.VOICECB_ERR_NULL_ARGUMENT),
        ({"url": None}, "url", _errors.VOICECB_ERR_NULL_ARGUMENT),
        ({"app_key": ""}, "app_key", _errors.VOICECB_ERR_INVALID_ARGUMENT),
        ({"app_secret": ""}, "app_secret", _errors.VOICECB_ERR_INVALID_ARGUMENT),
        ({"url": ""}, "url", _errors.VOICECB_ERR_INVALID_ARGUMENT),
        ({"app_secret": "s\udc80"}, "app_secret", _errors.VOICECB_ERR_INVALID_UTF8),
        ({"window": -1}, "window", _errors.VOICECB_ERR_INVALID_ARGUMENT),
        ({"window": float("nan")}, "window", _errors.VOICECB_ERR_INVALID_ARGUMENT),
        ({"window": 1 << 32}, "window", _errors.VOICECB_ERR_INVALID_ARGUMENT),
    ],
)
def test_verification_arguments_are_checked(kwargs: Dict[str, Any], field: str, code: int) -> None:
    case = SIGNED_CASES[0]
    args: Dict[str, Optional[Any]] = dict(url=case["url"], app_key=case["app_key"], app_secret=case["app_secret"])
    args.update(kwargs)
    with pytest.raises(voicecb.InvalidArgument) as ei:
        voicecb.parse_notification(case["body"], headers_of(case), **args)
    assert ei.value.field == field
    assert ei.value.code == code
