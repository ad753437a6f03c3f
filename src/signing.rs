//! AKSK request signing.
//!
//! Every request carries two headers:
//!
//! ```text
//! Authorization: AKSK realm="SDP",profile="UsernameToken",type="Appkey"
//! X-AKSK: UsernameToken Username="<app_key>",PasswordDigest="<digest>",Nonce="<nonce>",Created="<created>"
//! ```
//!
//! with `digest = Base64(HMAC-SHA256(key = app_secret, message = nonce + created))`.
//!
//! Pushed notifications may carry the same two headers, with the URL they
//! were sent to in front of the digest's message; [`parse_x_aksk`] reads
//! the header for [`crate::notify::verify`], so that its format lives here.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use rand::distr::{Alphanumeric, SampleString};
use sha2::Sha256;

use crate::error::Error;
use crate::secret::Secret;

/// The fixed value of the `Authorization` header.
pub const AUTHORIZATION: &str = r#"AKSK realm="SDP",profile="UsernameToken",type="Appkey""#;

/// Length of the nonces [`sign`] generates. The platform accepts 1 to 128.
pub const NONCE_LEN: usize = 32;

/// The longest nonce the platform accepts.
pub const MAX_NONCE_LEN: usize = 128;

/// The `Created` format: UTC, second precision, literal `Z`.
pub const CREATED_FORMAT: &str = "%Y-%m-%dT%H:%M:%SZ";

/// The two header values that sign one request.
///
/// `x_aksk` holds a digest, which is as good as a password for the few
/// minutes the platform accepts it: `Debug` redacts it.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthHeaders {
    /// Value of the `Authorization` header (always [`AUTHORIZATION`]).
    pub authorization: &'static str,
    /// Value of the `X-AKSK` header.
    pub x_aksk: String,
}

impl fmt::Debug for AuthHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthHeaders")
            .field("authorization", &self.authorization)
            .field("x_aksk", &"<redacted>")
            .finish()
    }
}

/// Signs a request now, with a [`fresh_nonce`] and [`created_now`].
pub fn sign(
    app_key: &str,
    app_secret: &Secret,
    clock_offset_secs: i64,
) -> Result<AuthHeaders, Error> {
    let created = created_at(chrono::Utc::now(), clock_offset_secs).ok_or_else(|| {
        Error::invalid(
            "clock_offset_secs",
            "puts the time outside the dates a Created can hold",
        )
    })?;
    sign_with(app_key, app_secret.expose(), &fresh_nonce(), &created)
}

/// A fresh 32-character nonce of [0-9A-Za-z] from the thread-local CSPRNG
/// (ChaCha, seeded from the operating system).
pub fn fresh_nonce() -> String {
    Alphanumeric.sample_string(&mut rand::rng(), NONCE_LEN)
}

/// The current UTC time in the `Created` format, shifted by
/// `clock_offset_secs` (for hosts whose clock is known to be off).
/// An offset so large that the time cannot be written saturates at the
/// nearest time that can (the client refuses offsets over a day anyway).
pub fn created_now(clock_offset_secs: i64) -> String {
    let now = chrono::Utc::now();
    created_at(now, clock_offset_secs).unwrap_or_else(|| {
        let edge = if clock_offset_secs < 0 {
            chrono::DateTime::<chrono::Utc>::MIN_UTC
        } else {
            chrono::DateTime::<chrono::Utc>::MAX_UTC
        };
        edge.format(CREATED_FORMAT).to_string()
    })
}

/// `now` shifted by `offset_secs` in the `Created` format; `None` when
/// the shift leaves the range of times (checked, never a panic).
fn created_at(now: chrono::DateTime<chrono::Utc>, offset_secs: i64) -> Option<String> {
    let shifted = now.checked_add_signed(chrono::TimeDelta::try_seconds(offset_secs)?)?;
    Some(format_created(&shifted))
}

/// [`CREATED_FORMAT`], written digit by digit for the years of four
/// digits (every request formats one; chrono's formatter interprets the
/// pattern each time), and by chrono for the others.
fn format_created(t: &chrono::DateTime<chrono::Utc>) -> String {
    use chrono::{Datelike, Timelike};
    let Ok(year @ 0..=9999) = u32::try_from(t.year()) else {
        return t.format(CREATED_FORMAT).to_string();
    };
    // chrono writes a leap second as :60, and so does this.
    let second = t.second() + u32::from(t.nanosecond() >= 1_000_000_000);
    let mut out = String::with_capacity(20);
    let parts = [
        (year / 100, ""),
        (year % 100, "-"),
        (t.month(), "-"),
        (t.day(), "T"),
        (t.hour(), ":"),
        (t.minute(), ":"),
        (second, "Z"),
    ];
    for (n, after) in parts {
        out.push(char::from(b'0' + (n / 10) as u8));
        out.push(char::from(b'0' + (n % 10) as u8));
        out.push_str(after);
    }
    out
}

/// Signs with an explicit nonce and created time. Deterministic: for
/// debugging and shared test vectors.
///
/// Rejects a nonce that is not 1 to 128 characters of `[0-9A-Za-z]`, an
/// empty app key, and any CR, LF, NUL or double quote in the app key or
/// `created` (they would break out of the header). `created` is otherwise
/// taken as given, so that vectors can pin odd values.
pub fn sign_with(
    app_key: &str,
    app_secret: &str,
    nonce: &str,
    created: &str,
) -> Result<AuthHeaders, Error> {
    check_header_value("app_key", app_key)?;
    check_header_value("created", created)?;
    if app_secret.is_empty() {
        return Err(Error::invalid("app_secret", "is required"));
    }
    if !is_nonce(nonce) {
        return Err(Error::invalid(
            "nonce",
            "must be 1 to 128 characters of [0-9A-Za-z]",
        ));
    }
    let digest = hmac_sha256(app_secret, &[nonce, created]);
    Ok(AuthHeaders {
        authorization: AUTHORIZATION,
        x_aksk: x_aksk(app_key, &digest, nonce, created),
    })
}

/// A nonce the platform accepts: 1 to [`MAX_NONCE_LEN`] characters of `[0-9A-Za-z]`.
pub fn is_nonce(nonce: &str) -> bool {
    !nonce.is_empty()
        && nonce.len() <= MAX_NONCE_LEN
        && nonce.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The app secret made into an HMAC key once, for a client that signs
/// every request with it: HMAC hashes the key's two padded blocks before
/// the message, and a copy of this state starts after them, which halves
/// the hashing per request. The state is as good as the secret: `Debug`
/// redacts it and it is wiped when dropped (the `zeroize` feature of
/// `hmac` and `sha2`).
#[derive(Clone)]
pub(crate) struct SigningKey(Hmac<Sha256>);

impl SigningKey {
    pub(crate) fn new(app_secret: &Secret) -> SigningKey {
        SigningKey(
            <Hmac<Sha256> as KeyInit>::new_from_slice(app_secret.expose().as_bytes())
                .expect("HMAC accepts keys of any length"),
        )
    }

    /// Signs with a key checked when the client was built and a nonce and
    /// `created` that the client made: what [`sign_with`] would give for
    /// them, without its checks.
    pub(crate) fn sign(&self, app_key: &str, nonce: &str, created: &str) -> AuthHeaders {
        let mut mac = self.0.clone();
        mac.update(nonce.as_bytes());
        mac.update(created.as_bytes());
        let digest: [u8; 32] = mac.finalize().into_bytes().into();
        AuthHeaders {
            authorization: AUTHORIZATION,
            x_aksk: x_aksk(app_key, &digest, nonce, created),
        }
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

/// The `X-AKSK` value; its `PasswordDigest` is the Base64 of `digest`,
/// HMAC-SHA256(key = app secret, message = nonce + created).
fn x_aksk(app_key: &str, digest: &[u8; 32], nonce: &str, created: &str) -> String {
    const FIXED: usize = r#"UsernameToken Username="",PasswordDigest="",Nonce="",Created="""#.len();
    // The Base64 of the 32-byte digest is 44 characters; one byte more
    // lets the C ABI add its NUL to this buffer instead of copying it.
    let len = FIXED + 44 + app_key.len() + nonce.len() + created.len();
    let mut x_aksk = String::with_capacity(len + 1);
    x_aksk.push_str("UsernameToken Username=\"");
    x_aksk.push_str(app_key);
    x_aksk.push_str("\",PasswordDigest=\"");
    STANDARD.encode_string(digest, &mut x_aksk);
    x_aksk.push_str("\",Nonce=\"");
    x_aksk.push_str(nonce);
    x_aksk.push_str("\",Created=\"");
    x_aksk.push_str(created);
    x_aksk.push('"');
    x_aksk
}

/// The four attributes of an `X-AKSK` value, borrowed from it; made by
/// [`parse_x_aksk`]. `Debug` redacts the digest, as for [`AuthHeaders`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct XAkskParts<'a> {
    /// `Username`: the app key.
    pub username: &'a str,
    /// `PasswordDigest`: Base64 of an HMAC-SHA256.
    pub password_digest: &'a str,
    /// `Nonce`.
    pub nonce: &'a str,
    /// `Created`, in [`CREATED_FORMAT`] when well formed.
    pub created: &'a str,
}

impl fmt::Debug for XAkskParts<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("XAkskParts")
            .field("username", &self.username)
            .field("password_digest", &"<redacted>")
            .field("nonce", &self.nonce)
            .field("created", &self.created)
            .finish()
    }
}

/// Reads an `X-AKSK` value: what [`sign_with`] writes, and the variants
/// the platform's documentation shows (", " between the attributes, any
/// order, names in any case). Unknown attributes are ignored so that a
/// future one does not break verification. The error says what is
/// wrong, naming the attribute, never quoting the digest.
pub fn parse_x_aksk(value: &str) -> Result<XAkskParts<'_>, String> {
    let rest = value.trim();
    let rest = match rest.strip_prefix("UsernameToken") {
        Some(r) if r.starts_with(|c: char| c.is_ascii_whitespace()) => r.trim_start(),
        _ => return Err("X-AKSK does not start with \"UsernameToken \"".into()),
    };
    const NAMES: [&str; 4] = ["Username", "PasswordDigest", "Nonce", "Created"];
    let mut found: [Option<&str>; 4] = [None; 4];
    let mut rest = rest;
    while !rest.is_empty() {
        let eq = rest
            .find('=')
            .ok_or("X-AKSK has an attribute without '='")?;
        let name = rest[..eq].trim();
        // Names are short; anything long is not a name worth quoting back.
        let shown: String = name.chars().take(32).collect();
        let after = rest[eq + 1..].trim_start();
        let after = after
            .strip_prefix('"')
            .ok_or_else(|| format!("X-AKSK attribute {shown} is not quoted"))?;
        let end = after
            .find('"')
            .ok_or_else(|| format!("X-AKSK attribute {shown} has no closing quote"))?;
        if let Some(i) = NAMES.iter().position(|n| n.eq_ignore_ascii_case(name)) {
            if found[i].replace(&after[..end]).is_some() {
                return Err(format!("X-AKSK has {} twice", NAMES[i]));
            }
        }
        rest = after[end + 1..].trim_start();
        if !rest.is_empty() {
            rest = rest
                .strip_prefix(',')
                .ok_or("X-AKSK attributes are not separated by commas")?
                .trim_start();
        }
    }
    let get = |i: usize| {
        found[i]
            .filter(|v| !v.is_empty())
            .ok_or_else(|| format!("X-AKSK has no {}", NAMES[i]))
    };
    Ok(XAkskParts {
        username: get(0)?,
        password_digest: get(1)?,
        nonce: get(2)?,
        created: get(3)?,
    })
}

/// True when `value` is the fixed [`AUTHORIZATION`] value, allowing
/// whitespace around its commas and between its words, which proxies and
/// hand-written senders add.
pub fn is_authorization(value: &str) -> bool {
    let normal: Vec<String> = value
        .split(',')
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    normal.join(",") == AUTHORIZATION
}

/// `HMAC-SHA256(key = app_secret, message = the parts, concatenated)`, raw:
/// for verifying, where the bytes are compared, not their Base64.
pub(crate) fn hmac_sha256(app_secret: &str, parts: &[&str]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(app_secret.as_bytes())
        .expect("HMAC accepts keys of any length");
    for part in parts {
        mac.update(part.as_bytes());
    }
    mac.finalize().into_bytes().into()
}

/// Compares two byte strings in time that depends only on their lengths,
/// so that a forger cannot learn a digest byte by byte from response
/// times. The lengths are not secret (a digest is always 32 bytes).
/// subtle's comparison, which the optimiser cannot turn into an early exit.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    subtle::ConstantTimeEq::ct_eq(a, b).into()
}

/// A value that goes inside a quoted attribute of `X-AKSK`.
pub(crate) fn check_header_value(field: &'static str, value: &str) -> Result<(), Error> {
    if value.is_empty() {
        return Err(Error::invalid(field, "is required"));
    }
    crate::request::check_no_controls(field, value)?;
    if value.contains('"') {
        return Err(Error::invalid(field, "must not contain a double quote"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_is_written_as_chrono_writes_it() {
        use chrono::TimeZone;
        let mut times: Vec<chrono::DateTime<chrono::Utc>> = [
            (1970, 1, 1, 0, 0, 0),
            (2018, 2, 12, 15, 30, 20),
            (2026, 12, 31, 23, 59, 59),
            (0, 1, 1, 0, 0, 0),
            (9999, 12, 31, 23, 59, 59),
            (10000, 1, 1, 0, 0, 0),
            (-1, 6, 15, 12, 0, 0),
        ]
        .iter()
        .map(|&(y, mo, d, h, mi, s)| chrono::Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap())
        .collect();
        // Every second of a day and a day of every month, and a leap second.
        let base = chrono::Utc.with_ymd_and_hms(2024, 2, 28, 0, 0, 0).unwrap();
        times.extend(
            (0..86_400 * 2)
                .step_by(7)
                .map(|s| base + chrono::TimeDelta::seconds(s)),
        );
        times.extend((0..366).map(|d| base + chrono::TimeDelta::days(d)));
        let leap = chrono::NaiveDate::from_ymd_opt(2016, 12, 31)
            .unwrap()
            .and_hms_nano_opt(23, 59, 59, 1_500_000_000)
            .unwrap()
            .and_utc();
        times.push(leap);
        for t in times {
            assert_eq!(
                format_created(&t),
                t.format(CREATED_FORMAT).to_string(),
                "{t:?}"
            );
        }
    }

    #[test]
    fn a_signing_key_signs_as_sign_with_does() {
        let secrets = [
            "s",
            "sandbox-app-secret",
            &"k".repeat(64),
            &"long".repeat(64),
        ];
        for secret in secrets {
            let key = SigningKey::new(&Secret::new(secret.to_owned()));
            for (nonce, created) in [
                ("Xq3vB7kP9mN2wR5tY8zC1dF4gH6jL0aS", "2026-11-28T09:00:00Z"),
                ("a", "2018-02-12T15:30:20Z"),
            ] {
                // Twice: the cached state must not carry one message into the next.
                for _ in 0..2 {
                    assert_eq!(
                        key.sign("app-key", nonce, created),
                        sign_with("app-key", secret, nonce, created).unwrap()
                    );
                }
            }
            assert_eq!(format!("{key:?}"), "SigningKey(<redacted>)");
        }
    }

    #[test]
    fn fresh_nonce_and_utc_created() {
        let secret = Secret::new("s".into());
        let a = sign("key", &secret, 0).unwrap();
        let b = sign("key", &secret, 0).unwrap();
        assert_ne!(a.x_aksk, b.x_aksk, "two signatures share a nonce");
        let nonce = attr(&a.x_aksk, "Nonce");
        assert_eq!(nonce.len(), NONCE_LEN);
        assert!(nonce.bytes().all(|c| c.is_ascii_alphanumeric()));
        let created = attr(&a.x_aksk, "Created");
        let parsed = chrono::NaiveDateTime::parse_from_str(created, CREATED_FORMAT).unwrap();
        let skew = (chrono::Utc::now().naive_utc() - parsed)
            .num_seconds()
            .abs();
        assert!(skew <= 2, "Created {created} is {skew} s away from UTC now");
    }

    #[test]
    fn clock_offset_shifts_created() {
        let secret = Secret::new("s".into());
        let h = sign("key", &secret, -3600).unwrap();
        let parsed =
            chrono::NaiveDateTime::parse_from_str(attr(&h.x_aksk, "Created"), CREATED_FORMAT)
                .unwrap();
        let delta = (chrono::Utc::now().naive_utc() - parsed).num_seconds();
        assert!(
            (3598..=3602).contains(&delta),
            "offset not applied: {delta}"
        );
    }

    #[test]
    fn rejects_bad_inputs_naming_the_field() {
        let cases = [
            ("k", "s", "", "2018-02-12T15:30:20Z", "nonce"),
            ("k", "s", "abc-def", "2018-02-12T15:30:20Z", "nonce"),
            ("k", "s", &"a".repeat(129), "2018-02-12T15:30:20Z", "nonce"),
            ("k\r\n", "s", "abc", "2018-02-12T15:30:20Z", "app_key"),
            ("k\"", "s", "abc", "2018-02-12T15:30:20Z", "app_key"),
            ("", "s", "abc", "2018-02-12T15:30:20Z", "app_key"),
            ("k", "s", "abc", "2018\n", "created"),
            ("k", "", "abc", "2018-02-12T15:30:20Z", "app_secret"),
        ];
        for (key, secret, nonce, created, field) in cases {
            let err = sign_with(key, secret, nonce, created).unwrap_err();
            assert_eq!(err.field(), Some(field), "{err}");
        }
        assert!(sign_with("k", "s", &"a".repeat(128), "x").is_ok());
    }

    #[test]
    fn debug_hides_the_digest() {
        let h = sign_with("k", "s", "abc", "2018-02-12T15:30:20Z").unwrap();
        let digest = attr(&h.x_aksk, "PasswordDigest").to_owned();
        assert!(!format!("{h:?}").contains(&digest));
    }

    #[test]
    fn x_aksk_parses_back_what_sign_with_writes_and_the_documented_variants() {
        let h = sign_with("key", "s", "abc", "2018-02-12T15:30:20Z").unwrap();
        let p = parse_x_aksk(&h.x_aksk).unwrap();
        assert_eq!(
            (p.username, p.nonce, p.created),
            ("key", "abc", "2018-02-12T15:30:20Z")
        );
        assert_eq!(p.password_digest, attr(&h.x_aksk, "PasswordDigest"));
        assert!(!format!("{p:?}").contains(p.password_digest));
        let spaced =
            r#"UsernameToken Username="k", PasswordDigest="d", Nonce="n", Created="c", Extra="x""#;
        let p = parse_x_aksk(spaced).unwrap();
        assert_eq!(
            (p.username, p.password_digest, p.nonce, p.created),
            ("k", "d", "n", "c")
        );
        for (bad, says) in [
            ("", "UsernameToken"),
            (r#"UsernameTokenUsername="k""#, "UsernameToken"),
            (
                r#"UsernameToken Username="k",PasswordDigest="d",Nonce="n""#,
                "no Created",
            ),
            (
                r#"UsernameToken Username="k",PasswordDigest="",Nonce="n",Created="c""#,
                "no PasswordDigest",
            ),
            (
                r#"UsernameToken Username="k",Username="j",PasswordDigest="d",Nonce="n",Created="c""#,
                "twice",
            ),
            (r#"UsernameToken Username=k"#, "not quoted"),
            (r#"UsernameToken Username="k"#, "closing quote"),
            (r#"UsernameToken Username="k" Nonce="n""#, "commas"),
            (r#"UsernameToken junk"#, "'='"),
        ] {
            let e = parse_x_aksk(bad).unwrap_err();
            assert!(e.contains(says), "{bad:?}: {e}");
        }
        assert!(is_authorization(AUTHORIZATION));
        assert!(is_authorization(
            r#" AKSK  realm="SDP", profile="UsernameToken", type="Appkey" "#
        ));
        assert!(!is_authorization(
            r#"AKSK realm="SDP",profile="UsernameToken",type="Other""#
        ));
    }

    #[test]
    fn constant_time_eq_is_eq() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        let d = hmac_sha256("s", &["abc", "2018-02-12T15:30:20Z"]);
        let h = sign_with("key", "s", "abc", "2018-02-12T15:30:20Z").unwrap();
        assert_eq!(attr(&h.x_aksk, "PasswordDigest"), STANDARD.encode(d));
    }

    /// The C ABI hands the X-AKSK buffer over as its C string: it is made
    /// with room for the NUL, so that nothing is copied or grown then.
    #[test]
    fn the_x_aksk_is_made_in_one_buffer_with_room_for_a_nul() {
        for key in [
            "k",
            "a-much-longer-app-key-of-sixty-four-characters-0123456789abcdef",
        ] {
            for nonce in ["a", "Xq3vB7kP9mN2wR5tY8zC1dF4gH6jL0aS"] {
                let h = sign_with(key, "s", nonce, "2018-02-12T15:30:20Z").unwrap();
                assert_eq!(h.x_aksk.capacity(), h.x_aksk.len() + 1, "{key} {nonce}");
            }
        }
    }

    fn attr<'a>(x_aksk: &'a str, name: &str) -> &'a str {
        let start = x_aksk.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        let len = x_aksk[start..].find('"').unwrap();
        &x_aksk[start..start + len]
    }
}
