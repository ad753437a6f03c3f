"""Writes aksk.json: signing vectors computed with Python's own hmac module,
independently of the library. Run: python3 tests/vectors/make_aksk.py"""
import base64, hashlib, hmac, json, pathlib

CASES = [
    ("spec example", "ZRBRz4bAXoFgEH7o4Ew308eXc1RA", "app-secret-1", "ac1c911c4792492687f8f6b2264a491e", "2018-05-26T00:35:30Z"),
    ("one-character nonce", "key", "secret", "A", "2018-02-12T15:30:20Z"),
    ("128-character nonce", "key", "secret", ("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" * 3)[:128], "2026-11-28T08:45:46Z"),
    ("non-ASCII secret (UTF-8 bytes are the key)", "appkey-中文", "密钥-ключ-🔑", "66C92B11FF8A425FB8D4CCFE0ED9ED1F", "2020-01-01T00:00:00Z"),
    ("secret longer than the SHA-256 block (hashed first)", "k", "S" * 100, "Nonce42", "1999-12-31T23:59:59Z"),
    ("secret with punctuation and spaces", "my app", "p@ss w0rd!+/=\"'", "zzzz", "2038-01-19T03:14:07Z"),
]

vectors = []
for name, key, secret, nonce, created in CASES:
    digest = base64.b64encode(hmac.new(secret.encode(), (nonce + created).encode(), hashlib.sha256).digest()).decode()
    vectors.append({
        "name": name, "app_key": key, "app_secret": secret, "nonce": nonce, "created": created,
        "password_digest": digest,
        "authorization": 'AKSK realm="SDP",profile="UsernameToken",type="Appkey"',
        "x_aksk": f'UsernameToken Username="{key}",PasswordDigest="{digest}",Nonce="{nonce}",Created="{created}"',
    })

out = {
    "generated_by": "python3 tests/vectors/make_aksk.py (Python's hmac and hashlib, not libvoicecb)",
    "rule": "password_digest = Base64(HMAC-SHA256(key = UTF-8 app_secret, message = nonce + created))",
    "vectors": vectors,
}
path = pathlib.Path(__file__).with_name("aksk.json")
path.write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
