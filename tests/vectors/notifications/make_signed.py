"""Writes signed.json: signature cases for pushed notifications, with the
digests computed by Python's own hmac module, independently of the library.
Run: python3 tests/vectors/notifications/make_signed.py

Rule: PasswordDigest = Base64(HMAC-SHA256(key = UTF-8 app_secret,
message = url + nonce + created)), or with "\\n" between the three; the
body is not covered. Verdicts are at NOW with WINDOW_SECS; the C ABI has no
clock argument, so each case also gives the window and the message the C
test uses with the real clock (the widest window for cases about the digest,
a short one for cases about Created, whose times are years in the past).

Each case also names the verification options: "signer_clock" ("utc", or
"utc8" for a signer that writes Beijing time with a literal Z) and
"digest_form" ("any", "plain" for url + nonce + created only, "lines" for
url \n nonce \n created only)."""
import base64, hashlib, hmac, json, pathlib

AUTH = 'AKSK realm="SDP",profile="UsernameToken",type="Appkey"'
KEY, SECRET = "ZRBRz4bAXoFgEH7o4Ew308eXc1RA", "app-secret-1"
URL = "https://example.com/voicecb/status"
FEE_URL = "http://203.0.113.7:8080/voicecb/fee"
NONCE = "66C92B11FF8A425FB8D4CCFE0ED9ED1F"
NOW, WINDOW_SECS = "2019-01-24T03:05:00Z", 300
CREATED = "2019-01-24T03:04:24Z"
CREATED_UTC8 = "2019-01-24T11:04:24Z"  # the same moment, written in Beijing time with a Z
WIDEST = 4294967295  # for the C test: any Created since 1883 is within it
BODY = json.dumps({"eventType": "answer", "statusInfo": {
    "sessionId": "1201_1386_4294967295_20190124030424@callenabler246.huaweicaas.com",
    "timestamp": "2019-01-24 03:04:31", "caller": "+8675512345678", "called": "+8613800000001"}},
    separators=(",", ":"))


def digest(secret, *parts):
    return base64.b64encode(hmac.new(secret.encode(), "".join(parts).encode(), hashlib.sha256).digest()).decode()


def last_bit_flipped(b64):
    raw = bytearray(base64.b64decode(b64))
    raw[-1] ^= 1
    return base64.b64encode(bytes(raw)).decode()


def x_aksk(key, dig, nonce, created, sep=","):
    return f'UsernameToken Username="{key}"{sep}PasswordDigest="{dig}"{sep}Nonce="{nonce}"{sep}Created="{created}"'


def case(name, valid, error_contains=None, key=KEY, secret=SECRET, url=URL, authorization=AUTH, xaksk=None,
         c_window_secs=WIDEST, c_error_contains=None, signer_clock="utc", digest_form="any"):
    return {"name": name, "app_key": key, "app_secret": secret, "url": url, "body": BODY,
            "authorization": authorization, "x_aksk": xaksk, "valid": valid, "error_contains": error_contains,
            "c_window_secs": c_window_secs, "c_error_contains": c_error_contains or error_contains,
            "signer_clock": signer_clock, "digest_form": digest_form}


plain = digest(SECRET, URL, NONCE, CREATED)
lines = digest(SECRET, URL, "\n", NONCE, "\n", CREATED)
cases = [
    case("no separator: url + nonce + created", True, xaksk=x_aksk(KEY, plain, NONCE, CREATED)),
    case("newline separator: url \\n nonce \\n created", True, xaksk=x_aksk(KEY, lines, NONCE, CREATED)),
    case("documented spacing: ', ' between attributes, spaces in Authorization", True,
         authorization='AKSK realm="SDP", profile="UsernameToken", type="Appkey"',
         xaksk=x_aksk(KEY, plain, NONCE, CREATED, sep=", ")),
    case("non-ASCII secret, another url", True, secret="密钥-ключ-🔑", url=FEE_URL,
         xaksk=x_aksk(KEY, digest("密钥-ключ-🔑", FEE_URL, "A", CREATED), "A", CREATED)),
    case("forged: digest under another secret", False, "PasswordDigest does not match",
         xaksk=x_aksk(KEY, digest("not-the-secret", URL, NONCE, CREATED), NONCE, CREATED)),
    case("request rule: nonce + created without the url", False, "PasswordDigest does not match",
         xaksk=x_aksk(KEY, digest(SECRET, NONCE, CREATED), NONCE, CREATED)),
    case("signed for another url", False, "PasswordDigest does not match",
         xaksk=x_aksk(KEY, digest(SECRET, FEE_URL, NONCE, CREATED), NONCE, CREATED)),
    case("nonce changed after signing", False, "PasswordDigest does not match",
         xaksk=x_aksk(KEY, plain, NONCE[:-1] + "0", CREATED)),
    # Right but for the last bit: a comparison that skips any byte lets it through.
    case("digest off by one bit in its last byte", False, "PasswordDigest does not match",
         xaksk=x_aksk(KEY, last_bit_flipped(plain), NONCE, CREATED)),
    case("digest not Base64", False, "PasswordDigest is not Base64", xaksk=x_aksk(KEY, "not base64!", NONCE, CREATED)),
    case("another app's key", False, "Username is not this app's key",
         xaksk=x_aksk("other-app", digest(SECRET, URL, NONCE, CREATED), NONCE, CREATED)),
    case("Created an hour old", False, "Created is 3636 s away from now", c_window_secs=WINDOW_SECS,
         c_error_contains="outside the 300 s window",
         xaksk=x_aksk(KEY, digest(SECRET, URL, NONCE, "2019-01-24T02:04:24Z"), NONCE, "2019-01-24T02:04:24Z")),
    case("Created ten minutes ahead", False, "outside the 300 s window", c_window_secs=WINDOW_SECS,
         xaksk=x_aksk(KEY, digest(SECRET, URL, NONCE, "2019-01-24T03:15:00Z"), NONCE, "2019-01-24T03:15:00Z")),
    case("Created not in the UTC format", False, "Created is not a UTC time",
         xaksk=x_aksk(KEY, digest(SECRET, URL, NONCE, "2019-01-24 03:04:24"), NONCE, "2019-01-24 03:04:24")),
    case("X-AKSK without Nonce", False, "X-AKSK has no Nonce",
         xaksk=f'UsernameToken Username="{KEY}",PasswordDigest="{plain}",Created="{CREATED}"'),
    case("X-AKSK missing", False, "the X-AKSK header is missing", xaksk=None),
    case("Authorization missing", False, "the Authorization header is missing", authorization=None,
         xaksk=x_aksk(KEY, plain, NONCE, CREATED)),
    case("Authorization of another scheme", False, "the Authorization header is not",
         authorization='AKSK realm="SDP",profile="UsernameToken",type="Other"', xaksk=x_aksk(KEY, plain, NONCE, CREATED)),
    # The vendor's pages: Created in Beijing time (UTC+8) with a literal Z, digest over url \n nonce \n created.
    case("UTC+8 signer, \\n form, read as UTC+8", True, signer_clock="utc8", digest_form="lines",
         xaksk=x_aksk(KEY, digest(SECRET, URL, "\n", NONCE, "\n", CREATED_UTC8), NONCE, CREATED_UTC8)),
    case("UTC+8 signer, read as UTC", False, "Created is 28764 s away from now", c_window_secs=WINDOW_SECS,
         c_error_contains="outside the 300 s window",
         xaksk=x_aksk(KEY, digest(SECRET, URL, "\n", NONCE, "\n", CREATED_UTC8), NONCE, CREATED_UTC8)),
    case("UTC signer, read as UTC+8", False, "outside the 300 s window", signer_clock="utc8", c_window_secs=WINDOW_SECS,
         xaksk=x_aksk(KEY, plain, NONCE, CREATED)),
    case("\\n form, only \\n accepted", True, digest_form="lines", xaksk=x_aksk(KEY, lines, NONCE, CREATED)),
    case("\\n form, only plain accepted", False, "PasswordDigest does not match", digest_form="plain",
         xaksk=x_aksk(KEY, lines, NONCE, CREATED)),
    case("plain form, only \\n accepted", False, "PasswordDigest does not match", digest_form="lines",
         xaksk=x_aksk(KEY, plain, NONCE, CREATED)),
    case("plain form, only plain accepted", True, digest_form="plain", xaksk=x_aksk(KEY, plain, NONCE, CREATED)),
    # A signature for URL + "/fee" would verify at URL if the tail could move into the nonce.
    case("url tail moved into the nonce", False, "Nonce is not 1 to 128 characters",
         xaksk=x_aksk(KEY, digest(SECRET, URL + "/fee", NONCE, CREATED), "/fee" + NONCE, CREATED)),
    case("nonce empty", False, "X-AKSK has no Nonce",
         xaksk=x_aksk(KEY, digest(SECRET, URL, "", CREATED), "", CREATED)),
    case("nonce of 129 characters", False, "Nonce is not 1 to 128 characters",
         xaksk=x_aksk(KEY, digest(SECRET, URL, "N" * 129, CREATED), "N" * 129, CREATED)),
    case("nonce of 128 characters", True, xaksk=x_aksk(KEY, digest(SECRET, URL, "N" * 128, CREATED), "N" * 128, CREATED)),
    case("nonce with a dash", False, "Nonce is not 1 to 128 characters",
         xaksk=x_aksk(KEY, digest(SECRET, URL, "ab-cd", CREATED), "ab-cd", CREATED)),
    case("nonce not ASCII", False, "Nonce is not 1 to 128 characters",
         xaksk=x_aksk(KEY, digest(SECRET, URL, "nonceé", CREATED), "nonceé", CREATED)),
]

out = {
    "generated_by": "python3 tests/vectors/notifications/make_signed.py (Python's hmac and hashlib, not libvoicecb)",
    "rule": "PasswordDigest = Base64(HMAC-SHA256(key = UTF-8 app_secret, message = url + nonce + created)), "
            "or url + \"\\n\" + nonce + \"\\n\" + created; the body is not covered",
    "now": NOW,
    "window_secs": WINDOW_SECS,
    "cases": cases,
}
path = pathlib.Path(__file__).with_name("signed.json")
path.write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
