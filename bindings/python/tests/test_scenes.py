"""Issue 16: the voice notification, the verification code and the
recording URL against the sandbox: round trips with their pushes and
bills, every refusal the sandbox gives, validation that sends nothing, the
record flow down to the WAV file, and the retry rules."""

from __future__ import annotations

import asyncio
import urllib.request
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List

import pytest

import voicecb
from conftest import APP_KEY, APP_SECRET, CALLEE, CALLER, DISPLAY, Receiver, Sandbox, running_sandbox
from test_retry import FAST, CountingServer

# Admin and download requests must never go through a proxy of the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

#: The sandbox's templates and announcements (`voicecb sandbox --help`).
VOICE = voicecb.PlayInfo(notify_voice="notifyvoice.wav")
TEMPLATE = voicecb.PlayInfo(template_id="test_template", template_paras=["3", "south gate"])


def scene_counters(sandbox: Sandbox) -> Dict[str, int]:
    s = sandbox.stats()
    return {name: int(s[name]) for name in ("requests", "callnotify", "callverify", "record", "click2call")}


def pushes_until_bill(receiver: Receiver, session_id: str) -> List[voicecb.Notification]:
    """Every push of the call, parsed, up to and including its bill (at
    most 20, so that a sandbox that never bills fails the test)."""
    got: List[voicecb.Notification] = []
    for _ in range(20):
        _, _, body = receiver.next()
        n = voicecb.parse_notification(body)
        got.append(n)
        if isinstance(n, voicecb.Bill):
            assert [r.session_id for r in n.records] == [session_id]
            return got
        assert isinstance(n, voicecb.StatusEvent) and n.session_id == session_id, n
    pytest.fail(f"no bill among {len(got)} pushes")


def kinds(pushes: List[voicecb.Notification]) -> List[str]:
    return [n.event_type for n in pushes]


# --- round trips ------------------------------------------------------------


def test_call_notify_round_trip(client: voicecb.Client, fresh_sandbox: Sandbox, receiver: Receiver) -> None:
    result = client.call_notify(
        DISPLAY,
        CALLEE,
        [TEMPLATE, voicecb.PlayInfo(notify_voice="welcome.wav", collect_ind=4)],
        status_url=f"{receiver.base}/status",
        fee_url=f"{receiver.base}/fee",
        return_idle_port=True,
        user_data="order-42",
    )
    assert isinstance(result, voicecb.CallResult)
    assert result.session_id and result.attempts == 1 and result.idle_port is not None
    pushes = pushes_until_bill(receiver, result.session_id)
    assert kinds(pushes) == ["callout", "alerting", "answer", "collectInfo", "disconnect", "fee"]
    collect = pushes[3]
    assert isinstance(collect, voicecb.StatusEvent)
    # By the end of calleeNbr ...0002: the first 4 of 1234567890.
    assert collect.kind is voicecb.StatusKind.COLLECT_INFO and collect.digit_info == "1234"
    assert collect.user_data == "order-42"
    bill = pushes[-1]
    assert isinstance(bill, voicecb.Bill)
    record = bill.records[0]
    assert record.service_type == "001" and record.user_data == "order-42"
    assert record.record_object_name is None
    assert scene_counters(fresh_sandbox)["callnotify"] == 1


def test_call_notify_replays_on_the_trigger_keys(tmp_path: Path, receiver: Receiver) -> None:
    """Keys "11" (callee ...0000111) equal the trigger: the item is
    replayed (twice at most), so three collectInfo events come."""
    with running_sandbox(tmp_path) as sb, voicecb.Client(APP_KEY, APP_SECRET, base_url=sb.url, timeout=10.0) as c:
        item = voicecb.PlayInfo(
            notify_voice="notifyvoice.wav",
            collect_ind=2,
            replay_after_collection=True,
            collect_content_trigger_replaying="11",
        )
        result = c.call_notify(DISPLAY, "+8613800000111", [item], status_url=f"{receiver.base}/status")
        got: List[str] = []
        for _ in range(20):
            _, _, body = receiver.next()
            n = voicecb.parse_notification(body)
            assert isinstance(n, voicecb.StatusEvent) and n.session_id == result.session_id
            got.append(n.event_type if n.digit_info is None else f"{n.event_type}:{n.digit_info}")
            if n.kind is voicecb.StatusKind.DISCONNECT:
                break
    assert got == ["callout", "alerting", "answer"] + ["collectInfo:11"] * 3 + ["disconnect"]


def test_call_verify_round_trip(client: voicecb.Client, fresh_sandbox: Sandbox, receiver: Receiver) -> None:
    result = client.call_verify(
        DISPLAY,
        CALLEE,
        "2468",
        pre_tone="pretone.wav",
        pos_tone="postone.wav",
        language_type=2,
        times=2,
        status_url=f"{receiver.base}/status",
        fee_url=f"{receiver.base}/fee",
    )
    assert result.session_id and result.idle_port is None
    pushes = pushes_until_bill(receiver, result.session_id)
    assert kinds(pushes) == ["callout", "alerting", "answer", "disconnect", "fee"]
    disconnect = pushes[3]
    assert isinstance(disconnect, voicecb.StatusEvent) and disconnect.state_code == 0
    bill = pushes[-1]
    assert isinstance(bill, voicecb.Bill)
    assert bill.records[0].service_type == "001"
    assert bill.records[0].tts_play_times is not None
    assert scene_counters(fresh_sandbox)["callverify"] == 1


def test_omitted_times_is_left_out_not_restated(client: voicecb.Client, fresh_sandbox: Sandbox, receiver: Receiver) -> None:
    """times unset reaches the sandbox as absent: it then plays the platform's
    default, which the bill's ttsPlayTimes shows to differ from times=1."""
    plays = []
    for times in (None, 1):
        result = client.call_verify(DISPLAY, CALLEE, "24", "pretone.wav", times=times, fee_url=f"{receiver.base}/fee")
        (bill,) = pushes_until_bill(receiver, result.session_id)
        assert isinstance(bill, voicecb.Bill)
        plays.append(bill.records[0].tts_play_times)
    assert plays[0] is not None and plays[1] is not None and plays[0] > plays[1]


def test_stop_ends_a_notification(client: voicecb.Client, receiver: Receiver) -> None:
    result = client.call_notify(DISPLAY, CALLEE, [VOICE] * 5, status_url=f"{receiver.base}/status")
    for expected in ("callout", "alerting", "answer"):
        _, _, body = receiver.next()
        assert voicecb.parse_notification(body).event_type == expected
    client.stop(result.session_id)
    _, _, body = receiver.next()
    assert voicecb.parse_notification(body).event_type == "disconnect"


def test_async_client_has_the_new_calls(fresh_sandbox: Sandbox) -> None:
    async def main() -> List[Any]:
        async with voicecb.AsyncClient(APP_KEY, APP_SECRET, base_url=fresh_sandbox.url, timeout=10.0) as ac:
            note = await ac.call_notify(DISPLAY, CALLEE, [VOICE])
            code = await ac.call_verify(DISPLAY, CALLEE, "1234", "pretone.wav")
            with pytest.raises(voicecb.PlatformError):
                await ac.record_url("missing.wav", "example.com")
            with pytest.raises(voicecb.InvalidArgument):
                await ac.record_url_for(voicecb.BillRecord())
            return [note, code]

    note, code = asyncio.run(main())
    assert isinstance(note, voicecb.CallResult) and isinstance(code, voicecb.CallResult)
    assert note.session_id != code.session_id
    counts = scene_counters(fresh_sandbox)
    assert (counts["callnotify"], counts["callverify"], counts["record"]) == (1, 1, 1)


# --- refusals of the sandbox ------------------------------------------------


REFUSALS: List[Any] = [
    ("template unknown", lambda c: c.call_notify(DISPLAY, CALLEE, [voicecb.PlayInfo(template_id="no_such")]), "1012003"),
    (
        "template not approved",
        lambda c: c.call_notify(DISPLAY, CALLEE, [voicecb.PlayInfo(template_id="pending_template", template_paras=["x"])]),
        "1012002",
    ),
    (
        "wrong number of templateParas",
        lambda c: c.call_notify(DISPLAY, CALLEE, [voicecb.PlayInfo(template_id="test_template", template_paras=["3"])]),
        "1012004",
    ),
    (
        "a templateParas value too long for the template",
        lambda c: c.call_notify(
            DISPLAY, CALLEE, [voicecb.PlayInfo(template_id="test_template", template_paras=["12345678901", "x"])]
        ),
        "1012005",
    ),
    ("recording not found", lambda c: c.record_url("no-such-recording.wav", "example.com"), "1012007"),
]


@pytest.mark.parametrize("what, call, code", REFUSALS, ids=[r[0] for r in REFUSALS])
def test_sandbox_refusals(
    client: voicecb.Client, fresh_sandbox: Sandbox, what: str, call: Callable[[voicecb.Client], Any], code: str
) -> None:
    with pytest.raises(voicecb.PlatformError) as ei:
        call(client)
    e = ei.value
    assert (e.http_status, e.result_code) == (403, code), what
    assert e.request_not_sent is False
    assert scene_counters(fresh_sandbox)["requests"] == 1, "refusals are not retried"
    if code.startswith("10120") and code != "1012007":
        # Catalogued for the notification (which names it)...
        assert e.info is not None and voicecb.Api.CALL_NOTIFY in e.info.apis
    else:
        # ...while the missing recording's code is not documented.
        assert e.info is None


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.call_notify(DISPLAY, CALLEE, [VOICE]),
        lambda c: c.call_verify(DISPLAY, CALLEE, "1234", "pretone.wav"),
        lambda c: c.record_url("a.wav", "example.com"),
    ],
    ids=["call_notify", "call_verify", "record_url"],
)
def test_wrong_secret_is_an_auth_error(fresh_sandbox: Sandbox, call: Callable[[voicecb.Client], Any]) -> None:
    with voicecb.Client(APP_KEY, "not-the-secret", base_url=fresh_sandbox.url) as c:
        with pytest.raises(voicecb.AuthError) as ei:
            call(c)
    assert (ei.value.http_status, ei.value.result_code) == (401, "1010010")
    assert "not-the-secret" not in str(ei.value)


def test_unknown_announcement_ends_the_call_with_8006(client: voicecb.Client, receiver: Receiver) -> None:
    result = client.call_notify(
        DISPLAY, CALLEE, [voicecb.PlayInfo(notify_voice="missing.wav")], status_url=f"{receiver.base}/status"
    )
    last = None
    for _ in range(10):
        _, _, body = receiver.next()
        last = voicecb.parse_notification(body)
        assert isinstance(last, voicecb.StatusEvent) and last.session_id == result.session_id
        if last.kind is voicecb.StatusKind.DISCONNECT:
            break
    assert last is not None and last.kind is voicecb.StatusKind.DISCONNECT and last.state_code == 8006


# --- validation that sends nothing -------------------------------------------


def _items(*extra: voicecb.PlayInfo) -> List[voicecb.PlayInfo]:
    return [VOICE, TEMPLATE, *extra]


INVALID: List[Any] = [
    (lambda c: c.call_notify(DISPLAY, CALLEE, _items(voicecb.PlayInfo(template_id="t" * 33))), "playInfoList[2].templateId"),
    (lambda c: c.call_notify(DISPLAY, CALLEE, _items(voicecb.PlayInfo(notify_voice="v" * 129))), "playInfoList[2].notifyVoice"),
    (lambda c: c.call_notify(DISPLAY, CALLEE, []), "playInfoList"),
    (lambda c: c.call_notify(DISPLAY, CALLEE, [VOICE] * 6), "playInfoList"),
    (
        lambda c: c.call_notify(DISPLAY, CALLEE, [voicecb.PlayInfo(notify_voice="a.wav", template_paras=["x"])]),
        "playInfoList[0].templateParas",
    ),
    (
        lambda c: c.call_notify(DISPLAY, CALLEE, _items(voicecb.PlayInfo(template_id="t", template_paras=["ok", "x" * 33]))),
        "playInfoList[2].templateParas[1]",
    ),
    (lambda c: c.call_notify(DISPLAY, CALLEE, [voicecb.PlayInfo(notify_voice="a.wav", collect_ind=33)]), "playInfoList[0].collectInd"),
    (lambda c: c.call_notify(DISPLAY, CALLEE, [voicecb.PlayInfo(notify_voice="a.wav", collect_ind=-1)]), "playInfoList[0].collectInd"),
    (
        lambda c: c.call_notify(DISPLAY, CALLEE, [VOICE, voicecb.PlayInfo(notify_voice="a.wav", replay_after_collection=True)]),
        "playInfoList[1].replayAfterCollection",
    ),
    (
        lambda c: c.call_notify(
            DISPLAY, CALLEE, [voicecb.PlayInfo(notify_voice="a.wav", collect_ind=1, replay_after_collection=True, collect_content_trigger_replaying="12")]
        ),
        "playInfoList[0].collectContentTriggerReplaying",
    ),
    (
        lambda c: c.call_notify(DISPLAY, CALLEE, [VOICE, voicecb.PlayInfo(notify_voice="a.wav", template_id="t")]),
        "playInfoList[1].templateId",
    ),
    (lambda c: c.call_notify(DISPLAY, CALLEE, [voicecb.PlayInfo()]), "playInfoList[0].notifyVoice"),
    (lambda c: c.call_notify(DISPLAY, "12", [VOICE]), "calleeNbr"),
    (lambda c: c.call_notify(DISPLAY, CALLEE, [VOICE], status_url="ftp://example.com/x"), "statusUrl"),
    (lambda c: c.call_notify(DISPLAY, CALLEE, [VOICE], user_data="{x}"), "userData"),
    (lambda c: c.call_verify(DISPLAY, CALLEE, "12a4", "pretone.wav"), "verifyCode"),
    (lambda c: c.call_verify(DISPLAY, CALLEE, "1", "pretone.wav"), "verifyCode"),
    (lambda c: c.call_verify(DISPLAY, CALLEE, "123456789", "pretone.wav"), "verifyCode"),
    (lambda c: c.call_verify(DISPLAY, CALLEE, "1234", ""), "preTone"),
    (lambda c: c.call_verify(DISPLAY, CALLEE, "1234", "pretone.wav", pos_tone="p" * 129), "posTone"),
    (lambda c: c.call_verify(DISPLAY, CALLEE, "1234", "pretone.wav", times=10), "times"),
    (lambda c: c.call_verify(DISPLAY, CALLEE, "1234", "pretone.wav", language_type=1), "languageType"),
    (lambda c: c.call_verify("", CALLEE, "1234", "pretone.wav"), "displayNbr"),
    (lambda c: c.record_url("", "example.com"), "fileName"),
    (lambda c: c.record_url("a.wav", "d" * 129), "recordDomain"),
    (lambda c: c.record_url("a\0.wav", "example.com"), "fileName"),
    (lambda c: c.record_url_for(voicecb.BillRecord()), "recordObjectName"),
]


@pytest.mark.parametrize("call, field", INVALID, ids=[f"{i}-{case[1]}" for i, case in enumerate(INVALID)])
def test_validation_sends_nothing(
    client: voicecb.Client, fresh_sandbox: Sandbox, call: Callable[[voicecb.Client], Any], field: str
) -> None:
    with pytest.raises(voicecb.InvalidArgument) as ei:
        call(client)
    assert ei.value.field == field, str(ei.value)
    assert ei.value.request_not_sent is True
    assert field in str(ei.value)
    assert scene_counters(fresh_sandbox)["requests"] == 0


def test_wrong_types_are_type_errors(client: voicecb.Client, fresh_sandbox: Sandbox) -> None:
    with pytest.raises(TypeError):
        client.call_notify(DISPLAY, CALLEE, VOICE)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        client.call_notify(DISPLAY, CALLEE, ["notifyvoice.wav"])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        client.call_notify(DISPLAY, CALLEE, [voicecb.PlayInfo(template_id="t", template_paras="ab")])
    with pytest.raises(TypeError):
        client.call_verify(DISPLAY, CALLEE, 1234, "pretone.wav")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        client.record_url_for({"recordObjectName": "a.wav"})  # type: ignore[arg-type]
    assert scene_counters(fresh_sandbox)["requests"] == 0


# --- the record flow ----------------------------------------------------------


def download(url: str) -> bytes:
    with _OPENER.open(url, timeout=10) as resp:
        return bytes(resp.read())


def test_record_flow_down_to_the_wav(client: voicecb.Client, fresh_sandbox: Sandbox, receiver: Receiver) -> None:
    call = client.click2call(DISPLAY, CALLER, CALLEE, record=True, max_duration=1, fee_url=f"{receiver.base}/fee")
    (bill,) = pushes_until_bill(receiver, call.session_id)
    assert isinstance(bill, voicecb.Bill)
    record = bill.records[0]
    assert record.record_flag == 1
    assert record.record_object_name and record.record_domain and record.record_file_download_url

    url = client.record_url(record.record_object_name, record.record_domain)
    assert url.startswith(fresh_sandbox.url + "/"), url
    wav = download(url)
    assert wav[:4] == b"RIFF" and wav[8:12] == b"WAVE", wav[:16]

    # The helper asks with recordObjectName and recordDomain.
    before = scene_counters(fresh_sandbox)["record"]
    url2 = client.record_url_for(record)
    assert scene_counters(fresh_sandbox)["record"] == before + 1
    assert download(url2) == wav
    assert int(fresh_sandbox.stats()["downloads"]) == 2

    # Without them it gives recordFileDownloadUrl as it is, asking nothing.
    raw = {k: v for k, v in record.raw.items() if k not in ("recordObjectName", "recordDomain")}
    fallback = voicecb.BillRecord(raw=raw)
    assert client.record_url_for(fallback) == record.record_file_download_url
    assert scene_counters(fresh_sandbox)["record"] == before + 1


def test_a_notification_bill_has_no_recording(client: voicecb.Client, fresh_sandbox: Sandbox, receiver: Receiver) -> None:
    result = client.call_notify(DISPLAY, CALLEE, [VOICE], fee_url=f"{receiver.base}/fee")
    (bill,) = pushes_until_bill(receiver, result.session_id)
    assert isinstance(bill, voicecb.Bill)
    with pytest.raises(voicecb.InvalidArgument) as ei:
        client.record_url_for(bill.records[0])
    assert ei.value.field == "recordObjectName"
    assert scene_counters(fresh_sandbox)["record"] == 0


# --- retries ------------------------------------------------------------------


@pytest.fixture
def counting_server() -> Iterator[CountingServer]:
    server = CountingServer()
    try:
        yield server
    finally:
        server.close()


def test_notification_and_verification_timed_out_are_sent_once(counting_server: CountingServer) -> None:
    with voicecb.Client(APP_KEY, APP_SECRET, base_url=counting_server.url, timeout=0.8, retry=FAST) as c:
        with pytest.raises(voicecb.Timeout) as ei:
            c.call_notify(DISPLAY, CALLEE, [VOICE])
        assert ei.value.request_not_sent is False
        counting_server.drain()
        assert counting_server.requests == 1, "callnotify was sent again after a timeout"
        with pytest.raises(voicecb.Timeout):
            c.call_verify(DISPLAY, CALLEE, "1234", "pretone.wav")
        counting_server.drain()
        assert counting_server.requests == 2, "callVerify was sent again after a timeout"
        # The count does count retries: the recording URL, a read, is retried.
        with pytest.raises(voicecb.Timeout):
            c.record_url("a.wav", "example.com")
        counting_server.drain()
        assert counting_server.requests == 2 + FAST.max_attempts


def test_retry_safe_refusals_are_retried(fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.force(http_status=403, resultcode="1010010", count=2)
    with voicecb.Client(APP_KEY, APP_SECRET, base_url=fresh_sandbox.url, retry=FAST) as c:
        result = c.call_notify(DISPLAY, CALLEE, [VOICE])
        assert result.attempts == 3
        fresh_sandbox.force(http_status=403, resultcode="1010010", count=2)
        assert c.call_verify(DISPLAY, CALLEE, "1234", "pretone.wav").attempts == 3
    counts = scene_counters(fresh_sandbox)
    assert (counts["callnotify"], counts["callverify"]) == (3, 3)
