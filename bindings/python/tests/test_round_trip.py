"""A call's whole life (issue 6): click2call to a sandbox that signs its
pushes, with status and fee URLs on a local receiver; every push parsed and
its signature verified by parse_notification; stop; then the disconnect and
the bill; a second stop is refused."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

import pytest

import voicecb
from conftest import APP_KEY, APP_SECRET, CALLEE, CALLER, DISPLAY, Receiver, Sandbox, running_sandbox

#: Not ASCII: sent Base64-encoded ("b64:..."), given back decoded.
USER_DATA = "客户-42 ü"


@pytest.fixture
def signing_sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    """A sandbox of its own that signs its pushes, a simulated minute
    lasting 600 ms."""
    with running_sandbox(tmp_path, "--sign-pushes", "--time-scale", "600") as sb:
        yield sb


def test_click2call_pushes_then_stop_then_disconnect_and_bill(signing_sandbox: Sandbox, receiver: Receiver) -> None:
    status_url = f"{receiver.base}/status"
    fee_url = f"{receiver.base}/fee"
    with voicecb.Client(
        APP_KEY,
        APP_SECRET,
        base_url=signing_sandbox.url,
        timeout=10.0,
        encode_non_ascii_user_data=True,
    ) as client:
        placed_at = datetime.now(timezone.utc)
        call = client.click2call(
            DISPLAY,
            CALLER,
            CALLEE,
            status_url=status_url,
            fee_url=fee_url,
            user_data=USER_DATA,
            party_type_required_in_disconnect=True,
        )
        assert call.session_id

        def status(expected: voicecb.StatusKind) -> voicecb.StatusEvent:
            path, headers, body = receiver.next()
            assert path == "/status", (path, body)
            n = voicecb.parse_notification(body, headers, url=status_url, app_key=APP_KEY, app_secret=APP_SECRET)
            assert isinstance(n, voicecb.StatusEvent), n
            assert n.kind is expected, n
            assert n.event_type == expected.api_name
            assert n.session_id == call.session_id
            assert n.user_data == USER_DATA, "userData comes back decoded"
            assert n.raw["statusInfo"]["userData"].startswith("b64:"), "and was sent encoded"
            assert n.time is not None and n.time.tzinfo is timezone.utc
            assert n.time.strftime("%Y-%m-%d %H:%M:%S") == n.timestamp
            # Pushed by the sandbox the platform's way, so verified, and
            # refused with any other secret.
            with pytest.raises(voicecb.BadSignature) as ei:
                voicecb.parse_notification(body, headers, url=status_url, app_key=APP_KEY, app_secret="not-the-secret")
            assert "not-the-secret" not in str(ei.value)
            with pytest.raises(voicecb.BadSignature):
                voicecb.verify_notification(headers, url=status_url, app_key=APP_KEY, app_secret="not-the-secret")
            return n

        kinds = [voicecb.StatusKind.CALLOUT, voicecb.StatusKind.ALERTING, voicecb.StatusKind.ANSWER]
        events = []
        for party in (CALLER, CALLEE):
            for kind in kinds:
                n = status(kind)
                assert n.called == party, (kind, n)
                events.append(n)
        # On the sandbox's simulated clock, which starts at the click2call.
        assert abs(events[0].time - placed_at) < timedelta(seconds=60)
        times = [n.time for n in events]
        assert times == sorted(times)

        client.stop(call.session_id)

        disconnect = status(voicecb.StatusKind.DISCONNECT)
        assert disconnect.state_code is not None and disconnect.party_type is not None
        assert disconnect.time is not None and disconnect.time >= times[-1]

        path, headers, body = receiver.next()
        assert path == "/fee", (path, body)
        bill = voicecb.parse_notification(body, headers, url=fee_url, app_key=APP_KEY, app_secret=APP_SECRET)
        assert isinstance(bill, voicecb.Bill), bill
        assert bill.event_type == "fee"
        assert len(bill.records) == 1
        record = bill.records[0]
        assert record.session_id == call.session_id
        assert record.service_type == "002"
        assert record.user_data == USER_DATA
        assert record.fwd_answer_time is not None
        assert record.fields["sessionId"] == call.session_id
        assert record.raw == bill.raw["feeLst"][0]
        with pytest.raises(voicecb.BadSignature):
            voicecb.parse_notification(body, headers, url=fee_url, app_key=APP_KEY, app_secret="not-the-secret")

        # The call has ended: stopping it again is refused.
        with pytest.raises(voicecb.PlatformError) as ei:
            client.stop(call.session_id)
        assert ei.value.result_code == "1020152"
        assert ei.value.http_status == 500


@pytest.mark.parametrize("digest", ["plain", "lines"])
def test_utc8_signed_push_verifies_only_as_utc8(tmp_path: Path, receiver: Receiver, digest: str) -> None:
    """A sandbox signing in Beijing time (with its Z) and the given digest
    form: the push verifies with exactly those options, not with UTC nor
    with the other form."""
    flags = ("--sign-pushes", "--sign-pushes-as", "utc8", "--push-digest", digest, "--time-scale", "600")
    form = voicecb.DigestForm[digest.upper()]
    other_form = voicecb.DigestForm.LINES if form is voicecb.DigestForm.PLAIN else voicecb.DigestForm.PLAIN
    status_url = f"{receiver.base}/status"
    with running_sandbox(tmp_path, *flags) as sb, voicecb.Client(APP_KEY, APP_SECRET, base_url=sb.url, timeout=10.0) as client:
        client.click2call(DISPLAY, CALLER, CALLEE, status_url=status_url)
        _, headers, _ = receiver.next()

    def verify(clock: voicecb.SignerClock, form: voicecb.DigestForm) -> None:
        voicecb.verify_notification(
            headers, url=status_url, app_key=APP_KEY, app_secret=APP_SECRET, signer_clock=clock, digest_form=form
        )

    verify(voicecb.SignerClock.UTC8, form)
    with pytest.raises(voicecb.BadSignature, match="UTC"):
        verify(voicecb.SignerClock.UTC, form)
    with pytest.raises(voicecb.BadSignature, match="PasswordDigest"):
        verify(voicecb.SignerClock.UTC8, other_form)
