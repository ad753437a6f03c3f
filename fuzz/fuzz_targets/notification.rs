//! Fuzzes the parser of pushed notifications, `voicecb::notify::parse`,
//! and its C face, `voicecb_notification_parse` and the getters.
//!
//! Input: the body of a push, as is (the seeds are the spec's samples).
//!
//! Checks, beyond "never panics":
//! - parsing is deterministic, and an error is `BadNotification`;
//! - a status event's kind is its `eventType` (any ASCII case), a bill has
//!   1-50 records, an unknown event is neither; every typed field agrees
//!   with the raw body, and `get` renders every field the body has;
//! - the C ABI says what the Rust API says: same success or failure (and
//!   message), same type, kind, event type, state code, time, record
//!   count, the sorted list of fields (and of each record's), each record's
//!   JSON, and the same text for every field of every record (NULs become
//!   spaces);
//!   every handle is freed (leaks are reported by LSan).
#![no_main]

use std::borrow::Cow;
use std::ffi::{CStr, CString, c_char};
use std::ptr::{null, null_mut};

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use voicecb::ErrorKind;
use voicecb::ffi::error::*;
use voicecb::ffi::notify::*;
use voicecb::ffi::voicecb_result::*;
use voicecb::notify::{self, Notification, StatusKind};

fuzz_target!(|data: &[u8]| {
    let parsed = notify::parse(data);
    match (&parsed, notify::parse(data)) {
        (Ok(a), Ok(b)) => assert_eq!(*a, b, "parsing is not deterministic"),
        (Err(a), Err(b)) => assert_eq!(a.message(), b.message(), "parsing is not deterministic"),
        _ => panic!("parsing is not deterministic"),
    }
    match &parsed {
        Ok(n) => check_rust(n),
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::BadNotification, "{e}");
            assert!(e.message().starts_with("bad notification: "), "{e}");
            assert!(e.field().is_none() && e.http_status().is_none());
        }
    }
    unsafe { check_c(data, &parsed) };
});

fn check_rust(n: &Notification) {
    let raw = n.raw();
    let top = raw.as_object().expect("a parsed push is a JSON object");
    let event_type = n.event_type();
    assert!(!event_type.is_empty());
    assert_eq!(top.get("eventType").and_then(Value::as_str), Some(event_type));
    match n {
        Notification::Status(ev) => {
            assert_eq!(StatusKind::from_api_name(event_type), Some(ev.kind));
            assert_eq!(ev.event_type, event_type);
            let info = ev.info().expect("a status event has a statusInfo object");
            let text = |name: &str| match info.get(name) {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Number(x)) => Some(x.to_string()),
                Some(other) => panic!("{name} of type {other} accepted as text"),
            };
            assert_eq!(ev.session_id, text("sessionId"));
            assert_eq!(ev.timestamp, text("timestamp"));
            assert_eq!(ev.caller, text("caller"));
            assert_eq!(ev.called, text("called"));
            assert_eq!(ev.state_desc, text("stateDesc"));
            assert_eq!(ev.party_type, text("partyType"));
            assert_eq!(ev.digit_info, text("digitInfo"));
            assert_eq!(ev.user_data.is_some(), text("userData").is_some());
            if let Some(code) = ev.state_code {
                assert_eq!(ev.get("stateCode").as_deref(), Some(code.to_string().as_str()));
            }
            let _ = ev.time();
            for (key, value) in info {
                // Absent when null, or for a counter sent as an empty string.
                let empty_counter = key == "stateCode" && value.as_str().is_some_and(|s| s.trim().is_empty());
                assert_eq!(ev.get(key).is_none(), value.is_null() || empty_counter, "statusInfo.{key}");
            }
            if let Some(t) = &ev.timestamp {
                let _ = notify::parse_time(t);
            }
        }
        Notification::Bill(bill) => {
            assert!(event_type.eq_ignore_ascii_case("fee"));
            assert!((1..=notify::MAX_BILL_RECORDS).contains(&bill.records.len()));
            let list = top.get("feeLst").and_then(Value::as_array).expect("feeLst");
            assert_eq!(list.len(), bill.records.len());
            for (r, sent) in bill.records.iter().zip(list) {
                assert_eq!(&r.raw, sent);
                let obj = r.raw.as_object().expect("a record is an object");
                for key in obj.keys() {
                    let _ = r.get(key);
                }
                for t in [&r.call_in_time, &r.call_end_time, &r.fail_time].into_iter().flatten() {
                    let _ = notify::parse_time(t);
                }
            }
        }
        Notification::Other { event_type, .. } => {
            assert!(StatusKind::from_api_name(event_type).is_none());
            assert!(!event_type.eq_ignore_ascii_case("fee"));
        }
    }
}

/// A Rust string as the C ABI hands it out: NULs become spaces.
fn c_text(s: &str) -> String {
    s.replace('\0', " ")
}

unsafe fn text<'a>(p: *const c_char) -> Option<&'a str> {
    (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_str().expect("the C ABI hands out UTF-8"))
}

unsafe fn check_c(data: &[u8], parsed: &Result<Notification, voicecb::Error>) {
    const SENTINEL: *mut voicecb_notification = 0x70 as *mut voicecb_notification;
    let mut n = SENTINEL;
    let mut err: *mut voicecb_error = null_mut();
    let rc = unsafe { voicecb_notification_parse(data.as_ptr(), data.len(), &mut n, &mut err) };
    match parsed {
        Err(e) => unsafe {
            assert_eq!(rc, VOICECB_ERR_BAD_NOTIFICATION);
            assert_eq!(n, SENTINEL, "*out written on failure");
            assert!(!err.is_null());
            assert_eq!(voicecb_error_code(err), rc);
            assert_eq!(text(voicecb_error_message(err)), Some(c_text(e.message()).as_str()));
            voicecb_error_free(err);
        },
        Ok(rust) => unsafe {
            assert_eq!(rc, VOICECB_OK, "the C ABI refused what the Rust API parsed");
            assert!(err.is_null(), "*err written on success");
            assert!(n != SENTINEL && !n.is_null());
            compare(n, rust);
            voicecb_notification_free(n);
        },
    }
}

unsafe fn compare(n: *const voicecb_notification, rust: &Notification) {
    unsafe {
        assert_eq!(text(voicecb_notification_event_type(n)), Some(c_text(rust.event_type()).as_str()));
        assert_eq!(text(voicecb_notification_raw_json(n)), Some(c_text(&rust.raw().to_string()).as_str()));
        let get = |field: &str| {
            let c = CString::new(field).ok()?;
            text(voicecb_notification_get(n, c.as_ptr()))
        };
        let record_get = |i: usize, field: &str| {
            let c = CString::new(field).ok()?;
            text(voicecb_notification_record_get(n, i, c.as_ptr()))
        };
        assert!(voicecb_notification_get(n, null()).is_null());
        assert!(voicecb_notification_get(n, c"\xff".as_ptr()).is_null());
        let mut code = i64::MIN;
        let rc = voicecb_notification_state_code(n, &mut code);
        let mut secs = i64::MIN;
        let mut err: *mut voicecb_error = null_mut();
        let time_rc = voicecb_notification_time(n, &mut secs, &mut err);
        if time_rc == VOICECB_OK {
            assert!(err.is_null());
        } else {
            assert_eq!(secs, i64::MIN, "time: *unix_secs written on failure");
            assert!(!err.is_null());
            assert_eq!(voicecb_error_code(err), time_rc);
            voicecb_error_free(err);
        }
        // The fields listed: sorted, without NUL, those with a value.
        let listed = |count: usize, name: &dyn Fn(usize) -> *const c_char| {
            let names: Vec<String> = (0..count).map(|i| text(name(i)).expect("a listed name").to_owned()).collect();
            assert!(name(count).is_null(), "a name past the end");
            names
        };
        let expect = |obj: &serde_json::Map<String, Value>, get: &dyn Fn(&str) -> Option<String>| {
            let mut names: Vec<String> =
                obj.keys().filter(|k| !k.contains('\0') && get(k).is_some()).cloned().collect();
            names.sort();
            names
        };
        match rust {
            Notification::Status(ev) => {
                assert_eq!(voicecb_notification_type(n), VOICECB_NOTIFICATION_STATUS);
                let kind = StatusKind::ALL.iter().position(|k| *k == ev.kind).unwrap() as i32 + 1;
                assert_eq!(voicecb_notification_status_kind(n), kind);
                match ev.state_code {
                    Some(c) => assert_eq!((rc, code), (VOICECB_OK, c)),
                    None => assert_eq!((rc, code), (VOICECB_ERR_NOT_FOUND, i64::MIN)),
                }
                match (&ev.timestamp, ev.time()) {
                    (None, _) => assert_eq!(time_rc, VOICECB_ERR_NOT_FOUND),
                    (Some(_), Ok(t)) => assert_eq!((time_rc, secs), (VOICECB_OK, t.and_utc().timestamp())),
                    (Some(_), Err(_)) => assert_eq!(time_rc, VOICECB_ERR_BAD_NOTIFICATION),
                }
                let names = listed(voicecb_notification_field_count(n), &|i| voicecb_notification_field_name(n, i));
                assert_eq!(names, expect(ev.info().unwrap(), &|k| ev.get(k).map(|v| v.into_owned())), "statusInfo field list");
                for name in &names {
                    assert!(get(name).is_some(), "listed field {name:?} has no value");
                }
                assert_eq!(voicecb_notification_record_count(n), 0);
                for key in ev.info().unwrap().keys() {
                    if key.contains('\0') {
                        continue;
                    }
                    let want = ev.get(key).map(|v| c_text(&v));
                    assert_eq!(get(key), want.as_deref(), "statusInfo.{key}");
                }
            }
            Notification::Bill(bill) => {
                assert_eq!(voicecb_notification_type(n), VOICECB_NOTIFICATION_BILL);
                assert_eq!(voicecb_notification_status_kind(n), 0);
                assert_eq!((rc, code), (VOICECB_ERR_NOT_FOUND, i64::MIN));
                assert_eq!(time_rc, VOICECB_ERR_NOT_FOUND);
                assert_eq!(voicecb_notification_field_count(n), 0);
                assert_eq!(voicecb_notification_record_count(n), bill.records.len());
                let past = bill.records.len();
                assert!(voicecb_notification_record_raw_json(n, past).is_null());
                assert_eq!(voicecb_notification_record_field_count(n, past), 0);
                assert!(voicecb_notification_record_field_name(n, past, 0).is_null());
                for (i, r) in bill.records.iter().enumerate() {
                    assert_eq!(text(voicecb_notification_record_raw_json(n, i)), Some(c_text(&r.raw.to_string()).as_str()));
                    let names = listed(voicecb_notification_record_field_count(n, i), &|j| {
                        voicecb_notification_record_field_name(n, i, j)
                    });
                    let want = expect(r.raw.as_object().unwrap(), &|k| r.get(k).map(|v| v.into_owned()));
                    assert_eq!(names, want, "feeLst[{i}] field list");
                    for key in r.raw.as_object().unwrap().keys() {
                        if key.contains('\0') {
                            continue;
                        }
                        let want = r.get(key).map(|v: Cow<'_, str>| c_text(&v));
                        assert_eq!(record_get(i, key), want.as_deref(), "feeLst[{i}].{key}");
                    }
                }
                assert!(record_get(bill.records.len(), "sessionId").is_none());
                assert!(get("sessionId").is_none());
            }
            Notification::Other { .. } => {
                assert_eq!(voicecb_notification_type(n), VOICECB_NOTIFICATION_OTHER);
                assert_eq!(voicecb_notification_status_kind(n), 0);
                assert_eq!((rc, code), (VOICECB_ERR_NOT_FOUND, i64::MIN));
                assert_eq!(time_rc, VOICECB_ERR_NOT_FOUND);
                assert_eq!(voicecb_notification_field_count(n), 0);
                assert!(voicecb_notification_field_name(n, 0).is_null());
                assert!(voicecb_notification_record_raw_json(n, 0).is_null());
                assert_eq!(voicecb_notification_record_count(n), 0);
                assert!(get("sessionId").is_none());
            }
        }
    }
}
