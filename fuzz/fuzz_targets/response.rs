//! Fuzzes the parsers of the platform's answers:
//! `voicecb::response::parse_click2call` and `parse_call_stop`.
//!
//! Input: 2 bytes of HTTP status (little-endian), then the body.
//!
//! Beyond "never panics", checks what the module promises:
//! - success only for HTTP 2xx with `resultcode` "0" (string or number);
//! - a click2Call success has a non-empty session id, and an idle port only
//!   when the body had one;
//! - every error is `BadResponse` or `Platform`, carries the status, and a
//!   `Platform` error carries the platform's code (and a catalogue entry
//!   only for a code the catalogue has under that status);
//! - a body that click2Call accepts, callStop accepts too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use voicecb::ErrorKind;
use voicecb::response::{parse_call_stop, parse_click2call};

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let status = u16::from_le_bytes([data[0], data[1]]);
    let body = &data[2..];

    // What the body says, judged independently of the parser.
    let json = serde_json::from_slice::<Value>(body).ok();
    let code_is_zero = match json.as_ref().and_then(|v| v.get("resultcode")) {
        Some(Value::String(s)) => s == "0",
        Some(Value::Number(n)) => n.as_u64() == Some(0),
        _ => false,
    };
    let is_2xx = (200..300).contains(&status);

    let c2c = parse_click2call(status, body);
    match &c2c {
        Ok(r) => {
            assert!(is_2xx && code_is_zero, "click2Call success without 2xx and resultcode 0: {status} {body:?}");
            assert!(!r.session_id.is_empty(), "empty session id accepted");
            let sent = json.as_ref().unwrap().get("sessionId");
            assert_eq!(sent, Some(&Value::String(r.session_id.clone())), "session id differs from the body's");
            let idle = json.as_ref().unwrap().get("idlePort");
            if r.idle_port.is_some() {
                assert!(idle.is_some_and(|v| !v.is_null()), "idle port invented");
            }
        }
        Err(e) => check_error(e, status),
    }

    let stop = parse_call_stop(status, body);
    match &stop {
        Ok(()) => assert!(is_2xx && code_is_zero, "callStop success without 2xx and resultcode 0: {status} {body:?}"),
        Err(e) => check_error(e, status),
    }
    if c2c.is_ok() {
        assert!(stop.is_ok(), "click2Call accepted a body that callStop refused");
    }
    // A 2xx answer with resultcode 0 is a callStop success, whatever else it holds.
    if is_2xx && code_is_zero && json.as_ref().is_some_and(Value::is_object) {
        assert!(stop.is_ok(), "callStop refused a 2xx answer with resultcode 0: {:?}", stop.unwrap_err());
    }
});

fn check_error(e: &voicecb::Error, status: u16) {
    assert!(
        matches!(e.kind(), ErrorKind::BadResponse | ErrorKind::Platform),
        "unexpected kind {:?}",
        e.kind()
    );
    assert_eq!(e.http_status(), Some(status));
    assert!(e.field().is_none(), "a response error names a field");
    assert!(!e.request_not_sent(), "a parsed answer means the request was sent");
    assert!(!e.message().is_empty());
    assert_eq!(e.to_string(), e.message());
    match e.kind() {
        ErrorKind::Platform => {
            let code = e.result_code().expect("a platform error carries the resultcode");
            assert!(!code.is_empty());
            assert!(e.result_desc().is_some());
            if let Some(info) = e.code_info() {
                assert_eq!(info.http_status(), status, "catalogue entry for another status");
                assert_eq!(info.code(), code, "catalogue entry for another code");
            }
            let _ = e.retryable();
        }
        _ => {
            assert!(e.result_code().is_none() && e.result_desc().is_none() && e.code_info().is_none());
            assert!(!e.retryable());
        }
    }
}
