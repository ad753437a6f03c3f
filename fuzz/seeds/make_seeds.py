#!/usr/bin/env python3
"""Writes the committed seed inputs of the fuzz targets, in each target's
input layout (see the comment at the top of fuzz/fuzz_targets/*.rs), from
the spec's sample answers and the shared vectors in tests/vectors/.

    python3 fuzz/seeds/make_seeds.py     # rewrites fuzz/seeds/<target>/

Deterministic: running it again gives the same files.
"""
import json
import shutil
import struct
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
VECTORS = ROOT / "tests" / "vectors"
NOTIFICATIONS = VECTORS / "notifications"


def write(target, name, data):
    d = HERE / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


def reset(target):
    shutil.rmtree(HERE / target, ignore_errors=True)


# --- response: u16 LE status, then the body ---------------------------------

def response_seeds():
    reset("response")
    answers = {
        "c2c_success": (200, '{"resultcode":"0","resultdesc":"Success","sessionId":"1202_566_0_20161228102743@callenabler.home1.com"}'),
        "c2c_idle_port": (200, '{"resultcode":"0","resultdesc":"Success","sessionId":"1202_566_0_20161228102743@callenabler.home1.com","idlePort":17}'),
        "c2c_idle_port_string": (200, '{"resultcode":0,"sessionId":"s","idlePort":"65535"}'),
        "stop_success": (200, '{"resultcode":"0","resultdesc":"Success"}'),
        "invalid_digest": (401, '{"resultcode":"1010010","resultdesc":"Invalid digest."}'),
        "time_out_limit": (401, '{"resultcode":"1010013","resultdesc":"Time out limit."}'),
        "flow_control": (403, '{"resultcode":"1010010","resultdesc":"The flow control upper limit is reached on the platform."}'),
        "auth_header": (400, '{"resultcode":"1023006","resultdesc":"Authorization not contained in the HTTP header."}'),
        "invalid_sessionid": (500, '{"resultcode":"1020152","resultdesc":"Invalid sessionid."}'),
        "response_timeout": (500, '{"resultcode":1023002,"resultdesc":"Response timeout."}'),
        "south_ne": (500, '{"resultcode":"1040001","resultdesc":"south ne error with responseCode: %$ and responseMsg: %$."}'),
        "bad_gateway_html": (502, "<html><body>502 Bad Gateway</body></html>"),
        "empty": (204, ""),
        "array": (200, "[]"),
    }
    for name, (status, body) in answers.items():
        write("response", name, struct.pack("<H", status) + body.encode())


# --- validation: header, then 0xFF-separated texts ---------------------------

TEXTS = ["displayNbr", "callerNbr", "displayCalleeNbr", "calleeNbr", "lastMinVoice", "preVoice", "waitVoice",
         "statusUrl", "feeUrl", "recordHintTone", "userData", "sessionid", "app_key", "app_secret", "nonce",
         "created", "authorization", "x_aksk"]
OPTIONAL_BIT = {"lastMinVoice": 0, "preVoice": 1, "waitVoice": 2, "statusUrl": 3, "feeUrl": 4,
                "recordHintTone": 5, "userData": 6, "authorization": 12, "x_aksk": 13}
FLAG_BIT = {"playPreVoice": 0, "recordFlag": 1, "partyTypeRequiredInDisconnect": 2, "returnIdlePort": 3}


def validation_input(fields, flags=None, max_duration=None, last_min_to_ue=0, callee_media=0, encode=False):
    present = 0
    bools = 0x10 if encode else 0
    for name, bit in OPTIONAL_BIT.items():
        if name in fields:
            present |= 1 << bit
    for name, value in (flags or {}).items():
        present |= 1 << (8 + FLAG_BIT[name])
        if value:
            bools |= 1 << FLAG_BIT[name]
    if max_duration is not None:
        present |= 1 << 7
    enums = last_min_to_ue | (callee_media << 2)
    head = struct.pack("<HBBI", present, bools, enums, max_duration or 0)
    return head + b"\xff".join(fields.get(n, "").encode() for n in TEXTS)


def validation_seeds():
    reset("validation")
    aksk = json.loads((VECTORS / "aksk.json").read_text())["vectors"]
    base = {"displayNbr": "+8675512345678", "callerNbr": "+8613800000001",
            "displayCalleeNbr": "+8675512345678", "calleeNbr": "+8613800000002",
            "sessionid": "1202_566_0_20161228102743@callenabler.home1.com"}
    for i, v in enumerate(aksk):
        fields = dict(base, app_key=v["app_key"], app_secret=v["app_secret"], nonce=v["nonce"], created=v["created"])
        write("validation", f"minimal_sign_{i}", validation_input(fields))
    full = dict(base, lastMinVoice="lastmin_voice1.wav", preVoice="pre_voice1.wav", waitVoice="wait_voice1.wav",
                statusUrl="https://example.com/status", feeUrl="http://10.0.0.1:8080/fee",
                recordHintTone="recordhint_voice1.wav", userData="customerId123",
                app_key="ZRBRz4bAXoFgEH7o4Ew308eXc1RA", app_secret="app-secret-1",
                nonce="ac1c911c4792492687f8f6b2264a491e", created="2018-05-26T00:35:30Z")
    every_flag = {name: True for name in FLAG_BIT}
    write("validation", "every_field", validation_input(full, every_flag, 1440, 2, 2))
    write("validation", "non_ascii_user_data", validation_input(dict(full, userData="客户123"), {"recordFlag": False},
                                                                0, 3, 3, encode=True))
    # A push URL of [0-9A-Za-z] only, so that the verify round trip runs.
    write("validation", "verify_round_trip", validation_input(dict(base, statusUrl="examplecom", app_key="k",
                                                                   app_secret="s", nonce="abc",
                                                                   created="2019-01-24T03:04:24Z")))
    signed = json.loads((NOTIFICATIONS / "signed.json").read_text())
    for i, c in enumerate(signed["cases"]):
        fields = dict(base, statusUrl=c["url"], app_key=c["app_key"], app_secret=c["app_secret"])
        if c.get("authorization") is not None:
            fields["authorization"] = c["authorization"]
        if c.get("x_aksk") is not None:
            fields["x_aksk"] = c["x_aksk"]
        write("validation", f"verify_{i}", validation_input(fields, max_duration=signed["window_secs"]))


# --- notification: the body of a push ---------------------------------------

def notification_seeds():
    reset("notification")
    for p in sorted(NOTIFICATIONS.glob("*.json")) + sorted((NOTIFICATIONS / "malformed").glob("*.json")):
        if p.name in ("index.json", "signed.json"):
            continue
        write("notification", p.stem, p.read_bytes())
    signed = json.loads((NOTIFICATIONS / "signed.json").read_text())
    write("notification", "signed_body", signed["cases"][0]["body"].encode())


# --- c_abi: opcode, flags, arguments ------------------------------------------

def cbuf(s):
    b = s.encode() if isinstance(s, str) else s
    assert len(b) < 256
    return bytes([len(b)]) + b


def blob(b):
    return struct.pack("<H", len(b)) + b


def op(code, flags=0, *args):
    return bytes([code, flags]) + b"".join(args)


def u8(v): return struct.pack("<B", v)
def u16(v): return struct.pack("<H", v)
def u32(v): return struct.pack("<I", v)
def i32(v): return struct.pack("<i", v)
def i64(v): return struct.pack("<q", v)
def u64(v): return struct.pack("<Q", v)


def c_abi_seeds():
    reset("c_abi")
    v = json.loads((VECTORS / "aksk.json").read_text())["vectors"][0]
    write("c_abi", "sign_vector", op(0, 0, cbuf(v["app_key"]), cbuf(v["app_secret"]), cbuf(v["nonce"]), cbuf(v["created"])))
    # NULL nonce and created (bits 3, 4): a fresh signature.
    write("c_abi", "sign_fresh", op(0, 0b11000, cbuf("key"), cbuf("secret")))
    write("c_abi", "sign_bad_utf8", op(0, 0, cbuf(b"k\xff"), cbuf("s"), cbuf("abc"), cbuf("2018-02-12T15:30:20Z")))
    write("c_abi", "lookups", op(1, 0, u16(401), cbuf("1010010")) + op(1, 0, u16(403), cbuf("1010010"))
          + op(2, 0, u8(1), u16(500), cbuf("1023002")) + op(2, 0, u8(0), u16(500), cbuf("1020152"))
          + op(2, 0, u8(2), i32(7), u16(200), cbuf("0")) + op(3, 0, u64(0)) + op(3, 0, u64(200)))
    options = (op(4) + op(6, 0, cbuf("https://rtccall.cn-north-1.myhuaweicloud.cn:443")) + op(7, 0, u32(5000))
               + op(8, 0, u32(15000)) + op(9, 0, cbuf("/etc/ssl/certs/ca.pem")) + op(10, 0, u8(1))
               + op(11, 0, cbuf("http://127.0.0.1:3128")) + op(12, 0, cbuf("libvoicecb-fuzz/1"))
               + op(13, 0, u8(1)) + op(14, 0, i64(-3600)) + op(15, 0, u32(3), u32(200), u32(5000)))
    good_ca = (HERE / "ca.pem").read_bytes()
    write("c_abi", "client_good_ca", options + op(16, 0, cbuf("ZRBRz4bAXoFgEH7o4Ew308eXc1RA"), cbuf("app-secret-1"),
                                                  u8(2), blob(b"")) + op(5))
    write("c_abi", "client_ca_bytes", options + op(16, 0, cbuf("key"), cbuf("secret"), u8(1), blob(good_ca)))
    write("c_abi", "client_defaults", op(16, 0b1000, cbuf("key"), cbuf("secret"), u8(0), blob(b"")))
    request = (op(17, 0, cbuf("+8675512345678"), cbuf("+8613800000001"), cbuf("+8613800000002"))
               + op(19, 0, u8(0), cbuf("+8675512345678")) + op(19, 0, u8(1), cbuf("lastmin_voice1.wav"))
               + op(19, 0, u8(2), cbuf("pre_voice1.wav")) + op(19, 0, u8(3), cbuf("wait_voice1.wav"))
               + op(19, 0, u8(4), cbuf("https://example.com/status")) + op(19, 0, u8(5), cbuf("http://10.0.0.1:8080/fee"))
               + op(19, 0, u8(6), cbuf("recordhint_voice1.wav")) + op(19, 0, u8(7), cbuf("customerId123"))
               + op(20, 0, u8(1), u8(0)) + op(20, 0, u8(0), u8(1)) + op(20, 0, u8(1), u8(2)) + op(20, 0, u8(1), u8(3))
               + op(21, 0, u32(30)) + op(22, 0, i32(3)) + op(23, 0, i32(2)) + op(22, 0, i32(4))
               + op(24, 0, u32(1000)) + op(25, 0, cbuf("1202_566_0_20161228102743@callenabler.home1.com"), u32(0))
               + op(18))
    write("c_abi", "request", request)
    write("c_abi", "misc", op(26, 0, i32(0)) + op(26, 0, i32(10)) + op(26, 0, i32(99)) + op(27, 0, i32(4))
          + op(27, 0, i32(9)) + op(28))
    disconnect = (NOTIFICATIONS / "disconnect.json").read_bytes()
    bill = (NOTIFICATIONS / "bill.json").read_bytes()
    # getters: field name, field index, record index
    write("c_abi", "notification", op(29, 0, blob(disconnect)) + op(30, 0, cbuf("stateCode"), u8(0), u8(0))
          + op(30, 0, cbuf("partyType"), u8(1), u8(0)) + op(29, 0, blob(bill))
          + op(30, 0, cbuf("ttsPlayTimes"), u8(2), u8(0)) + op(31))
    signed = json.loads((NOTIFICATIONS / "signed.json").read_text())
    c = signed["cases"][0]
    write("c_abi", "notification_verify", op(32, 0, cbuf(c["app_key"]), cbuf(c["app_secret"]), cbuf(c["url"]),
                                            cbuf(c["authorization"]), cbuf(c["x_aksk"]), u32(300)))


if __name__ == "__main__":
    response_seeds()
    validation_seeds()
    notification_seeds()
    c_abi_seeds()
    for t in ("response", "validation", "notification", "c_abi"):
        print(f"{t}: {len(list((HERE / t).iterdir()))} seeds")
