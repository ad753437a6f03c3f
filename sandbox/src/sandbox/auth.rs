//! The platform's authentication of a request: the `Authorization` and
//! `X-AKSK` headers, the app key, the digest (by HMAC code of the sandbox's
//! own, never the library's signer) and the time window; and the digest of
//! signed pushes.

use super::*;

/// The `name="value"` attributes of an `Authorization` or `X-AKSK` value.
/// Only quoted values count: an unquoted one is treated as missing, so that
/// a client which forgets the quotes fails here as it would on the platform.
pub(super) fn attribute<'a>(list: &'a str, name: &str) -> Option<&'a str> {
    list.split(',').find_map(|part| {
        let (n, v) = part.split_once('=')?;
        if n.trim() != name {
            return None;
        }
        let v = v.trim();
        if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
            Some(&v[1..v.len() - 1])
        } else {
            None
        }
    })
}

pub(super) fn authenticate<'a>(shared: &'a Shared, req: &Request) -> Result<&'a App, Reject> {
    let auth = req
        .header("authorization")
        .and_then(|v| v.strip_prefix("AKSK "))
        .ok_or(Reject(
            400,
            "1023006",
            "Authorization missing or not \"AKSK ...\"",
        ))?;
    let realm = attribute(auth, "realm").ok_or(Reject(400, "1023007", ""))?;
    let profile = attribute(auth, "profile").ok_or(Reject(400, "1023008", ""))?;
    if realm != "SDP" {
        return Err(Reject(400, "1023009", ""));
    }
    if profile != "UsernameToken" {
        return Err(Reject(400, "1023010", ""));
    }
    let kind = attribute(auth, "type").ok_or(Reject(400, "1023012", ""))?;
    if kind != "Appkey" {
        return Err(Reject(400, "1023011", ""));
    }

    let token = req.header("x-aksk").ok_or(Reject(400, "1023033", ""))?;
    let token = token
        .strip_prefix("UsernameToken ")
        .ok_or(Reject(400, "1023038", ""))?;
    let username = attribute(token, "Username").ok_or(Reject(400, "1023034", ""))?;
    let nonce = attribute(token, "Nonce").ok_or(Reject(400, "1023035", ""))?;
    let created = attribute(token, "Created").ok_or(Reject(400, "1023036", ""))?;
    let digest = attribute(token, "PasswordDigest").ok_or(Reject(400, "1023037", ""))?;

    let app = shared
        .apps
        .iter()
        .find(|a| a.key == username)
        .ok_or(Reject(
            403,
            "1010003",
            "X-AKSK Username is no registered app key",
        ))?;

    let nonce_ok =
        (1..=128).contains(&nonce.len()) && nonce.bytes().all(|b| b.is_ascii_alphanumeric());
    if !nonce_ok {
        return Err(Reject(
            401,
            "1010010",
            "Nonce is not 1-128 characters of [0-9A-Za-z]",
        ));
    }
    let expected = password_digest(&app.secret, nonce, created).ok_or(Reject(
        401,
        "1010010",
        "the app secret cannot key an HMAC",
    ))?;
    if !constant_time_eq(expected.as_bytes(), digest.as_bytes()) {
        return Err(Reject(
            401,
            "1010010",
            "digest mismatch: computed over nonce+created with the app's secret",
        ));
    }

    let created_at = parse_created(created).ok_or(Reject(
        401,
        "1010013",
        "Created is not yyyy-MM-ddTHH:mm:ssZ",
    ))?;
    let now = chrono::Utc::now().timestamp();
    let skew = |offset: i64| (now + offset).abs_diff(created_at);
    let skew = match shared.created_clock {
        CreatedClock::Utc => skew(0),
        CreatedClock::Utc8 => skew(UTC8),
        CreatedClock::Either => skew(0).min(skew(UTC8)),
    };
    if skew > shared.time_window.as_secs() {
        return Err(Reject(
            401,
            "1010013",
            match shared.created_clock {
                CreatedClock::Utc => {
                    "Created is outside the time window of the sandbox's clock (UTC)"
                }
                CreatedClock::Utc8 => {
                    "Created is outside the time window of the sandbox's clock (UTC+8)"
                }
                CreatedClock::Either => {
                    "Created is outside the time window of the sandbox's clock (UTC and UTC+8)"
                }
            },
        ));
    }
    Ok(app)
}

/// Seconds from UTC to Beijing time.
const UTC8: i64 = 8 * 3600;

/// The clock a request's `Created` is read on. The vendor's pages say
/// standard UTC (click2Call, callStop, voice notification, recording URL)
/// except the current voice-verification page, which says Beijing time
/// (UTC+8) written with a literal `Z`; every variant is testable.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CreatedClock {
    /// UTC, on every API (the default).
    #[default]
    Utc,
    /// UTC+8 with a `Z`, on every API.
    Utc8,
    /// Either clock is accepted.
    Either,
}

/// `Base64(HMAC-SHA256(secret, nonce + created))`, standard alphabet with
/// padding, as the spec defines `PasswordDigest`.
pub(super) fn password_digest(secret: &str, nonce: &str, created: &str) -> Option<String> {
    hmac_base64(secret, &[nonce, created])
}

/// `Base64(HMAC-SHA256(app secret, url + nonce + created))`: the digest of a
/// signed push (the platform signs its notifications with the target URL
/// in front; `url` is the decoded `statusUrl` / `feeUrl` as given), the
/// three joined by "\n" in the [`DigestLayout::Lines`] layout.
pub(crate) fn push_digest(
    secret: &str,
    url: &str,
    nonce: &str,
    created: &str,
    layout: DigestLayout,
) -> Option<String> {
    match layout {
        DigestLayout::Plain => hmac_base64(secret, &[url, nonce, created]),
        DigestLayout::Lines => hmac_base64(secret, &[url, "\n", nonce, "\n", created]),
    }
}

/// `Base64(HMAC-SHA256(secret, parts joined))`, standard alphabet, padded.
pub(super) fn hmac_base64(secret: &str, parts: &[&str]) -> Option<String> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).ok()?;
    for part in parts {
        mac.update(part.as_bytes());
    }
    Some(BASE64.encode(mac.finalize().into_bytes()))
}

/// Compares without an early exit so the time taken does not reveal how
/// much of a guessed digest was right. The length is not secret.
pub(super) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    subtle::ConstantTimeEq::ct_eq(a, b).into()
}

/// Parses `yyyy-MM-ddTHH:mm:ssZ` strictly (chrono alone would also take
/// single-digit fields), as Unix seconds.
pub(super) fn parse_created(created: &str) -> Option<i64> {
    let b = created.as_bytes();
    if b.len() != 20 {
        return None;
    }
    let shape_ok = b.iter().enumerate().all(|(i, &c)| match i {
        4 | 7 => c == b'-',
        10 => c == b'T',
        13 | 16 => c == b':',
        19 => c == b'Z',
        _ => c.is_ascii_digit(),
    });
    if !shape_ok {
        return None;
    }
    chrono::NaiveDateTime::parse_from_str(created, "%Y-%m-%dT%H:%M:%SZ")
        .ok()
        .map(|t| t.and_utc().timestamp())
}
