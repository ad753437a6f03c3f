//! Fuzzes request validation and signing: `Click2Call::to_body`,
//! `request::call_stop_body` and `sign_with`.
//!
//! Input layout (see fuzz/README.md; `fuzz/seeds/make_seeds.py` writes it):
//!   byte 0-1   which optional fields are set (bit i = field i below, LE)
//!   byte 2     bit 0-3: playPreVoice, recordFlag, partyTypeRequiredInDisconnect,
//!              returnIdlePort; bit 4: encode_non_ascii_user_data
//!   byte 3     bits 0-1: lastMinToUE (0 = unset), bits 2-3: calleeMedia (0 = unset)
//!   byte 4-7   maxDuration (u32 LE)
//!   then text fields separated by 0xFF (a byte no UTF-8 text holds; any
//!   other invalid UTF-8 becomes U+FFFD):
//!     displayNbr, callerNbr, displayCalleeNbr, calleeNbr,
//!     lastMinVoice, preVoice, waitVoice, statusUrl, feeUrl, recordHintTone,
//!     userData, sessionid, app_key, app_secret, nonce, created,
//!     Authorization, X-AKSK (of a push, for notify::verify_at; present
//!     when bit 12 / bit 13 of bytes 0-1 is set; the push's URL is the
//!     statusUrl text, its window maxDuration seconds, the clock 2019-01-24T03:05:00Z)
//!   Missing fields are empty strings.
//!
//! Invariants checked (not just "no panic"):
//! - to_body succeeds exactly when an independent model of the spec's rules
//!   says the request is valid;
//! - on success the body is a JSON object; the four numbers are 4-31 chars
//!   of '+' and digits; no string value holds a control character; every
//!   field round-trips (URLs through Base64, userData through "b64:");
//! - on failure the error is InvalidArgument, names a field (`field()` is
//!   Some, one of the API's names) and says nothing was sent;
//! - call_stop_body: the same for `sessionid`;
//! - sign_with succeeds exactly when its documented rules hold (app key and
//!   created non-empty, without '"' or any control character; a secret; a
//!   nonce of 1-128 [0-9A-Za-z]); its X-AKSK then has no control character, round-trips its attributes, and signing is
//!   deterministic;
//! - notify::verify_at never panics, fails as InvalidArgument (naming the
//!   field) or BadSignature, and accepts a push signed as documented
//!   (digest over url + nonce + created) at its Created time;
//! - no error message quotes the app secret.
#![no_main]

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use voicecb::request::{USER_DATA_BASE64_PREFIX, call_stop_body};
use voicecb::signing::{AUTHORIZATION, CREATED_FORMAT};
use voicecb::{CalleeMedia, Click2Call, ErrorKind, LastMinToUe, sign_with};

const CLICK2CALL_FIELDS: [&str; 18] = [
    "displayNbr", "callerNbr", "displayCalleeNbr", "calleeNbr", "maxDuration", "lastMinVoice", "lastMinToUE",
    "playPreVoice", "preVoice", "waitVoice", "calleeMedia", "statusUrl", "feeUrl", "recordFlag", "recordHintTone",
    "partyTypeRequiredInDisconnect", "returnIdlePort", "userData",
];

fuzz_target!(|data: &[u8]| {
    if data.len() < 8 {
        return;
    }
    let present = u16::from_le_bytes([data[0], data[1]]);
    let bools = data[2];
    let enums = data[3];
    let max_duration = u32::from_le_bytes([data[4], data[5], data[6], data[7]]);
    let texts: Vec<String> = data[8..].split(|b| *b == 0xFF).map(|p| String::from_utf8_lossy(p).into_owned()).collect();
    let text = |i: usize| texts.get(i).cloned().unwrap_or_default();
    let opt = |bit: u32, i: usize| (present & (1 << bit) != 0).then(|| text(i));
    let flag = |bit: u32| (present & (1 << (8 + bit)) != 0).then_some(bools & (1 << bit) != 0);

    let req = Click2Call {
        display_nbr: text(0),
        caller_nbr: text(1),
        display_callee_nbr: text(2),
        callee_nbr: text(3),
        last_min_voice: opt(0, 4),
        pre_voice: opt(1, 5),
        wait_voice: opt(2, 6),
        status_url: opt(3, 7),
        fee_url: opt(4, 8),
        record_hint_tone: opt(5, 9),
        user_data: opt(6, 10),
        max_duration: (present & (1 << 7) != 0).then_some(max_duration),
        play_pre_voice: flag(0),
        record_flag: flag(1),
        party_type_required_in_disconnect: flag(2),
        return_idle_port: flag(3),
        last_min_to_ue: [None, Some(LastMinToUe::Caller), Some(LastMinToUe::Callee), Some(LastMinToUe::Both)]
            [usize::from(enums & 3)],
        callee_media: [None, Some(CalleeMedia::All), Some(CalleeMedia::None), Some(CalleeMedia::Fail)]
            [usize::from((enums >> 2) & 3)],
    };
    let encode = bools & 0x10 != 0;
    check_click2call(&req, encode);
    check_call_stop(&text(11));
    let (key, secret, nonce, created) = (text(12), text(13), text(14), text(15));
    check_sign(&key, &secret, &nonce, &created);
    let auth = (present & (1 << 12) != 0).then(|| text(16));
    let x_aksk = (present & (1 << 13) != 0).then(|| text(17));
    check_verify(&key, &secret, &text(7), auth.as_deref(), x_aksk.as_deref(), max_duration);
    check_verify_round_trip(&key, &secret, &text(7), &nonce, &created);
});

/// Asserts that an error message does not quote the secret. Only a secret
/// that no fixed text can hold (it has a non-ASCII character) and that no
/// other input holds is looked for.
fn assert_secret_not_quoted(e: &voicecb::Error, secret: &str, others: &[&str]) {
    if secret.len() >= 4 && !secret.is_ascii() && !others.iter().any(|o| o.contains(secret)) {
        assert!(!e.message().contains(secret), "the message quotes the app secret: {e}");
    }
}

fn check_verify(key: &str, secret: &str, url: &str, auth: Option<&str>, x_aksk: Option<&str>, window: u32) {
    // The clock of the shared vectors (tests/vectors/notifications/signed.json).
    let now = chrono::DateTime::from_timestamp(1_548_299_100, 0).unwrap();
    let r = voicecb::notify::verify_at(key, secret, url, auth, x_aksk, Duration::from_secs(window.into()), now);
    if let Err(e) = r {
        match e.kind() {
            ErrorKind::InvalidArgument => {
                let f = e.field().unwrap_or_else(|| panic!("verify error without a field: {e}"));
                assert!(["app_key", "app_secret", "url"].contains(&f), "{f}");
                assert!(key.is_empty() || secret.is_empty() || url.is_empty(), "{e}");
            }
            ErrorKind::BadSignature => assert!(!key.is_empty() && !secret.is_empty() && !url.is_empty()),
            other => panic!("verify failed as {other:?}: {e}"),
        }
        assert_secret_not_quoted(&e, secret, &[key, url, auth.unwrap_or(""), x_aksk.unwrap_or("")]);
    }
}

/// A push signed as the platform signs it verifies at its Created time.
/// The digest is HMAC(secret, url + nonce + created), which sign_with makes
/// when url + nonce is given as its nonce: so for URLs of [0-9A-Za-z] only.
fn check_verify_round_trip(key: &str, secret: &str, url: &str, nonce: &str, created: &str) {
    if url.is_empty() || !url.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return;
    }
    let Ok(at) = chrono::NaiveDateTime::parse_from_str(created, CREATED_FORMAT) else { return };
    let Ok(h) = sign_with(key, secret, &format!("{url}{nonce}"), created) else { return };
    if nonce.is_empty() || !nonce.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return;
    }
    let digest = h.x_aksk.split("PasswordDigest=\"").nth(1).and_then(|r| r.split('"').next()).unwrap();
    let x_aksk = format!("UsernameToken Username=\"{key}\",PasswordDigest=\"{digest}\",Nonce=\"{nonce}\",Created=\"{created}\"");
    let r = voicecb::notify::verify_at(key, secret, url, Some(AUTHORIZATION), Some(&x_aksk), Duration::ZERO, at.and_utc());
    assert!(r.is_ok(), "a correctly signed push does not verify: {:?} ({x_aksk:?})", r.unwrap_err());
}

fn check_click2call(req: &Click2Call, encode: bool) {
    let expected_ok = model_valid(req, encode);
    match req.to_body(encode) {
        Ok(body) => {
            assert!(expected_ok, "to_body accepted a request the rules refuse: {req:?}");
            let v: Value = serde_json::from_slice(&body).expect("to_body wrote JSON");
            let obj = v.as_object().expect("to_body wrote a JSON object");
            for key in obj.keys() {
                assert!(CLICK2CALL_FIELDS.contains(&key.as_str()), "unknown field {key}");
            }
            for (name, sent) in [
                ("displayNbr", &req.display_nbr),
                ("callerNbr", &req.caller_nbr),
                ("displayCalleeNbr", &req.display_callee_nbr),
                ("calleeNbr", &req.callee_nbr),
            ] {
                let s = obj.get(name).and_then(Value::as_str).unwrap_or_else(|| panic!("{name} missing"));
                assert!((4..=31).contains(&s.chars().count()), "{name} {s:?} is not 4-31 chars");
                assert!(
                    s.starts_with('+') && s[1..].bytes().all(|b| b.is_ascii_digit()) && s.len() > 1,
                    "{name} {s:?} is not '+' and digits"
                );
                assert_eq!(s, sent.as_str());
            }
            assert_no_controls(&v, "");
            // Each optional field is sent exactly when set, and as set.
            let text_field = |name: &str, value: &Option<String>| {
                assert_eq!(obj.get(name).and_then(Value::as_str), value.as_deref(), "{name}");
            };
            text_field("lastMinVoice", &req.last_min_voice);
            text_field("preVoice", &req.pre_voice);
            text_field("waitVoice", &req.wait_voice);
            text_field("recordHintTone", &req.record_hint_tone);
            for (name, url) in [("statusUrl", &req.status_url), ("feeUrl", &req.fee_url)] {
                let sent = obj.get(name).and_then(Value::as_str);
                assert_eq!(sent.is_some(), url.is_some(), "{name}");
                if let (Some(sent), Some(url)) = (sent, url) {
                    assert_eq!(STANDARD.decode(sent).expect("Base64"), url.as_bytes(), "{name} round trip");
                }
            }
            let ud = obj.get("userData").and_then(Value::as_str);
            assert_eq!(ud.is_some(), req.user_data.is_some(), "userData");
            if let (Some(sent), Some(u)) = (ud, &req.user_data) {
                assert!((1..=256).contains(&sent.len()), "userData of {} bytes sent", sent.len());
                assert!(!sent.contains(['{', '}']), "userData with a brace sent");
                if u.is_ascii() {
                    assert_eq!(sent, u);
                } else {
                    assert!(encode, "non-ASCII userData sent without encoding");
                    let b64 = sent.strip_prefix(USER_DATA_BASE64_PREFIX).expect("b64: prefix");
                    assert_eq!(STANDARD.decode(b64).expect("Base64"), u.as_bytes(), "userData round trip");
                }
            }
            assert_eq!(obj.get("maxDuration").and_then(Value::as_u64), req.max_duration.map(u64::from));
            let flag = |name: &str, v: Option<bool>| {
                assert_eq!(obj.get(name).and_then(Value::as_str), v.map(|b| if b { "true" } else { "false" }), "{name}");
            };
            flag("playPreVoice", req.play_pre_voice);
            flag("recordFlag", req.record_flag);
            flag("partyTypeRequiredInDisconnect", req.party_type_required_in_disconnect);
            flag("returnIdlePort", req.return_idle_port);
            let to_ue = req.last_min_to_ue.map(|v| match v {
                LastMinToUe::Caller => "toa",
                LastMinToUe::Callee => "tob",
                LastMinToUe::Both => "both",
            });
            assert_eq!(obj.get("lastMinToUE").and_then(Value::as_str), to_ue);
            let media = req.callee_media.map(|v| match v {
                CalleeMedia::All => "all",
                CalleeMedia::None => "none",
                CalleeMedia::Fail => "fail",
            });
            assert_eq!(obj.get("calleeMedia").and_then(Value::as_str), media);
        }
        Err(e) => {
            let field = e.field().unwrap_or_else(|| panic!("to_body error without a field: {e}"));
            assert!(CLICK2CALL_FIELDS.contains(&field), "to_body error names {field:?}, not an API field");
            assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
            assert!(e.request_not_sent());
            assert!(e.message().contains(field), "message does not name {field}: {e}");
            assert!(!expected_ok, "to_body refused a valid request ({e}): {req:?}");
        }
    }
}

/// The spec's rules, written independently of src/request.rs.
fn model_valid(req: &Click2Call, encode: bool) -> bool {
    let no_controls = |s: &str| !s.chars().any(char::is_control);
    let number = |s: &str| {
        (4..=31).contains(&s.len()) && s.starts_with('+') && s[1..].bytes().all(|b| b.is_ascii_digit())
    };
    let voice = |v: &Option<String>| {
        v.as_deref().is_none_or(|s| no_controls(s) && (1..=128).contains(&s.chars().count()))
    };
    let url = |v: &Option<String>| {
        v.as_deref().is_none_or(|s| {
            let host = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://"));
            (1..=128).contains(&s.len())
                && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-:./".contains(&b))
                && host.is_some_and(|h| !h.is_empty() && !h.starts_with('/'))
        })
    };
    let user_data = |v: &Option<String>| {
        v.as_deref().is_none_or(|s| {
            let sent_len = if s.is_ascii() {
                s.len()
            } else if encode {
                USER_DATA_BASE64_PREFIX.len() + s.len().div_ceil(3) * 4
            } else {
                return false;
            };
            no_controls(s) && !s.contains(['{', '}']) && (1..=256).contains(&sent_len)
        })
    };
    [&req.display_nbr, &req.caller_nbr, &req.display_callee_nbr, &req.callee_nbr].iter().all(|n| number(n))
        && req.max_duration.is_none_or(|m| m <= 1440)
        && [&req.last_min_voice, &req.pre_voice, &req.wait_voice, &req.record_hint_tone].into_iter().all(voice)
        && url(&req.status_url)
        && url(&req.fee_url)
        && user_data(&req.user_data)
}

fn assert_no_controls(v: &Value, path: &str) {
    match v {
        Value::String(s) => {
            assert!(!s.chars().any(char::is_control), "control character in the value of {path}: {s:?}")
        }
        Value::Object(m) => m.iter().for_each(|(k, v)| assert_no_controls(v, k)),
        Value::Array(a) => a.iter().for_each(|v| assert_no_controls(v, path)),
        _ => {}
    }
}

fn check_call_stop(session_id: &str) {
    let n = session_id.chars().count();
    let valid = (1..=256).contains(&n) && !session_id.chars().any(char::is_control);
    match call_stop_body(session_id) {
        Ok(body) => {
            assert!(valid, "call_stop_body accepted {session_id:?}");
            let v: Value = serde_json::from_slice(&body).expect("JSON");
            let obj = v.as_object().expect("a JSON object");
            assert_eq!(obj.len(), 2);
            assert_eq!(obj.get("sessionid").and_then(Value::as_str), Some(session_id));
            assert_eq!(obj.get("signal").and_then(Value::as_str), Some("call_stop"));
            assert_no_controls(&v, "");
        }
        Err(e) => {
            assert_eq!(e.field(), Some("sessionid"), "{e}");
            assert_eq!(e.kind(), ErrorKind::InvalidArgument);
            assert!(!valid, "call_stop_body refused a valid session id ({e}): {session_id:?}");
        }
    }
}

fn check_sign(app_key: &str, app_secret: &str, nonce: &str, created: &str) {
    let header_safe = |s: &str| !s.is_empty() && !s.contains('"') && !s.chars().any(char::is_control);
    let valid = header_safe(app_key)
        && header_safe(created)
        && !app_secret.is_empty()
        && (1..=128).contains(&nonce.len())
        && nonce.bytes().all(|b| b.is_ascii_alphanumeric());
    match sign_with(app_key, app_secret, nonce, created) {
        Ok(h) => {
            assert!(valid, "sign_with accepted {app_key:?} {nonce:?} {created:?}");
            assert_eq!(h.authorization, AUTHORIZATION);
            assert!(!h.x_aksk.chars().any(char::is_control), "control character in X-AKSK: {:?}", h.x_aksk);
            let expected_prefix = format!("UsernameToken Username=\"{app_key}\",PasswordDigest=\"");
            assert!(h.x_aksk.starts_with(&expected_prefix), "{:?}", h.x_aksk);
            let expected_suffix = format!("\",Nonce=\"{nonce}\",Created=\"{created}\"");
            assert!(h.x_aksk.ends_with(&expected_suffix), "{:?}", h.x_aksk);
            let digest = &h.x_aksk[expected_prefix.len()..h.x_aksk.len() - expected_suffix.len()];
            assert_eq!(STANDARD.decode(digest).expect("Base64 digest").len(), 32, "not a SHA-256 digest");
            assert_eq!(sign_with(app_key, app_secret, nonce, created).unwrap(), h, "signing is not deterministic");
            assert!(!format!("{h:?}").contains(digest), "Debug shows the digest");
        }
        Err(e) => {
            assert_secret_not_quoted(&e, app_secret, &[app_key, nonce, created]);
            let field = e.field().unwrap_or_else(|| panic!("sign_with error without a field: {e}"));
            assert!(["app_key", "app_secret", "nonce", "created"].contains(&field), "{field}");
            assert_eq!(e.kind(), ErrorKind::InvalidArgument);
            assert!(!valid, "sign_with refused valid input ({e})");
        }
    }
}
