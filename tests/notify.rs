//! Pushed notifications through the Rust API: every case of the shared
//! vectors (tests/vectors/notifications/index.json and signed.json, the
//! latter computed by Python's hmac), bodies that must be refused without
//! a panic, and the clock window of verification.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use voicecb::notify::{self, MAX_BILL_RECORDS, MAX_BODY_LEN};
use voicecb::{
    BillRecord, DigestForm, ErrorKind, Notification, SignerClock, StatusEvent, StatusKind,
    VerifyOptions,
};

fn dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/notifications"
    ))
}

fn load(name: &str) -> Value {
    serde_json::from_slice(&std::fs::read(dir().join(name)).unwrap()).unwrap()
}

fn opt_str(v: &Value) -> Option<&str> {
    v.as_str()
}

/// The typed field of a record named by its API name, as text, so that the
/// expectations (text) check the typed struct too.
fn typed_record_field(r: &BillRecord, name: &str) -> Option<String> {
    let int = |v: Option<i64>| v.map(|n| n.to_string());
    let text = |v: &Option<String>| v.clone();
    match name {
        "direction" => int(r.direction),
        "spId" => text(&r.sp_id),
        "appKey" => text(&r.app_key),
        "icid" => text(&r.icid),
        "bindNum" => text(&r.bind_num),
        "sessionId" => text(&r.session_id),
        "callerNum" => text(&r.caller_num),
        "calleeNum" => text(&r.callee_num),
        "fwdDisplayNum" => text(&r.fwd_display_num),
        "fwdDstNum" => text(&r.fwd_dst_num),
        "callInTime" => text(&r.call_in_time),
        "fwdStartTime" => text(&r.fwd_start_time),
        "fwdAlertingTime" => text(&r.fwd_alerting_time),
        "fwdAnswerTime" => text(&r.fwd_answer_time),
        "callEndTime" => text(&r.call_end_time),
        "fwdUnaswRsn" => int(r.fwd_unasw_rsn),
        "failTime" => text(&r.fail_time),
        "ulFailReason" => int(r.ul_fail_reason),
        "sipStatusCode" => int(r.sip_status_code),
        "callOutStartTime" => text(&r.call_out_start_time),
        "callOutAlertingTime" => text(&r.call_out_alerting_time),
        "callOutAnswerTime" => text(&r.call_out_answer_time),
        "callOutUnaswRsn" => int(r.call_out_unasw_rsn),
        "recordFlag" => int(r.record_flag),
        "recordStartTime" => text(&r.record_start_time),
        "recordObjectName" => text(&r.record_object_name),
        "recordBucketName" => text(&r.record_bucket_name),
        "recordDomain" => text(&r.record_domain),
        "recordFileDownloadUrl" => text(&r.record_file_download_url),
        "ttsPlayTimes" => int(r.tts_play_times),
        "ttsTransDuration" => int(r.tts_trans_duration),
        "serviceType" => text(&r.service_type),
        "hostName" => text(&r.host_name),
        "userData" => text(&r.user_data),
        "dynIVRStartTime" => text(&r.dyn_ivr_start_time),
        "dynIVRPath" => text(&r.dyn_ivr_path),
        "origCalleeNum" => text(&r.orig_callee_num),
        // Not a typed field: only reachable through raw and get.
        _ => r.get(name).map(|v| v.into_owned()),
    }
}

fn typed_status_field(ev: &StatusEvent, name: &str) -> Option<String> {
    match name {
        "sessionId" => ev.session_id.clone(),
        "timestamp" => ev.timestamp.clone(),
        "caller" => ev.caller.clone(),
        "called" => ev.called.clone(),
        "userData" => ev.user_data.clone(),
        "stateCode" => ev.state_code.map(|n| n.to_string()),
        "stateDesc" => ev.state_desc.clone(),
        "partyType" => ev.party_type.clone(),
        "digitInfo" => ev.digit_info.clone(),
        "displayCallerNum" => ev.display_caller_num.clone(),
        _ => ev.get(name).map(|v| v.into_owned()),
    }
}

/// The flat form of a case for the C test, derived from the structured
/// expectations, so the two cannot drift apart.
fn c_checks(case: &Value) -> Vec<String> {
    let s = |k: &str| case[k].as_str().unwrap_or("none").to_owned();
    let mut out = vec![
        format!("type={}", s("type")),
        format!("event_type={}", s("event_type")),
        format!("kind={}", s("status_kind")),
        format!(
            "state_code={}",
            case["state_code"]
                .as_i64()
                .map_or("none".into(), |n| n.to_string())
        ),
        format!("records={}", case["record_count"]),
    ];
    for (k, v) in case["fields"].as_object().unwrap() {
        out.push(match v.as_str() {
            Some(v) => format!("get:{k}={v}"),
            None => format!("absent:{k}"),
        });
    }
    for (i, r) in case["records"].as_array().unwrap().iter().enumerate() {
        for (k, v) in r.as_object().unwrap() {
            out.push(match v.as_str() {
                Some(v) => format!("record:{i}:{k}={v}"),
                None => format!("record_absent:{i}:{k}"),
            });
        }
    }
    out.sort();
    out
}

#[test]
fn every_case_of_the_index_parses_as_expected() {
    let index = load("index.json");
    let cases = index["cases"].as_array().unwrap();
    assert!(cases.len() >= 9);
    let mut kinds_seen = std::collections::HashSet::new();
    for case in cases {
        let file = case["file"].as_str().unwrap();
        let body = std::fs::read(dir().join(file)).unwrap();
        let n = notify::parse(&body).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(
            n.event_type(),
            case["event_type"].as_str().unwrap(),
            "{file}"
        );
        // raw is the whole body, unknown fields included.
        assert_eq!(
            n.raw(),
            &serde_json::from_slice::<Value>(&body).unwrap(),
            "{file}"
        );

        let mut flat: Vec<String> = case["c_checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect();
        flat.sort();
        assert_eq!(
            flat,
            c_checks(case),
            "{file}: c_checks differ from the structured expectations"
        );

        match (&n, case["type"].as_str().unwrap()) {
            (Notification::Status(ev), "status") => {
                let kind =
                    StatusKind::from_api_name(case["status_kind"].as_str().unwrap()).unwrap();
                kinds_seen.insert(kind);
                assert_eq!(ev.kind, kind, "{file}");
                assert_eq!(
                    ev.session_id.as_deref(),
                    opt_str(&case["session_id"]),
                    "{file}"
                );
                assert_eq!(
                    ev.timestamp.as_deref(),
                    opt_str(&case["timestamp"]),
                    "{file}"
                );
                assert_eq!(ev.state_code, case["state_code"].as_i64(), "{file}");
                assert_eq!(
                    ev.user_data.as_deref(),
                    opt_str(&case["user_data"]),
                    "{file}"
                );
                assert!(
                    ev.time().is_ok(),
                    "{file}: timestamp {:?} does not parse",
                    ev.timestamp
                );
                assert_eq!(ev.info(), n.raw()["statusInfo"].as_object(), "{file}");
                for (field, want) in case["fields"].as_object().unwrap() {
                    assert_eq!(
                        ev.get(field).as_deref(),
                        want.as_str(),
                        "{file}: get({field})"
                    );
                    assert_eq!(
                        typed_status_field(ev, field).as_deref(),
                        want.as_str(),
                        "{file}: typed {field}"
                    );
                }
            }
            (Notification::Bill(bill), "bill") => {
                assert_eq!(
                    bill.records.len() as u64,
                    case["record_count"].as_u64().unwrap(),
                    "{file}"
                );
                for (i, want) in case["records"].as_array().unwrap().iter().enumerate() {
                    let r = &bill.records[i];
                    assert_eq!(&r.raw, &n.raw()["feeLst"][i], "{file}[{i}]");
                    for (field, want) in want.as_object().unwrap() {
                        assert_eq!(
                            r.get(field).as_deref(),
                            want.as_str(),
                            "{file}[{i}]: get({field})"
                        );
                        assert_eq!(
                            typed_record_field(r, field).as_deref(),
                            want.as_str(),
                            "{file}[{i}]: typed {field}"
                        );
                    }
                }
            }
            (Notification::Other { event_type, raw }, "other") => {
                assert_eq!(event_type, case["event_type"].as_str().unwrap());
                assert_eq!(raw["vendorExtra"], json!({"a": [1, 2]}));
            }
            (n, want) => panic!("{file}: parsed as {n:?}, expected a {want}"),
        }
    }
    assert_eq!(
        kinds_seen.len(),
        StatusKind::ALL.len(),
        "every status kind has a vector"
    );
}

#[test]
fn the_bill_vector_is_fully_typed() {
    let Notification::Bill(bill) =
        notify::parse(&std::fs::read(dir().join("bill.json")).unwrap()).unwrap()
    else {
        panic!("not a bill")
    };
    let (a, b) = (&bill.records[0], &bill.records[1]);
    // Counters as numbers in one record and as strings in the other.
    assert_eq!(
        (
            a.direction,
            a.record_flag,
            a.tts_play_times,
            a.sip_status_code
        ),
        (Some(0), Some(1), Some(0), Some(0))
    );
    assert_eq!(
        (
            b.direction,
            b.record_flag,
            b.tts_play_times,
            b.sip_status_code
        ),
        (Some(1), Some(0), Some(3), Some(486))
    );
    assert_eq!(
        (b.fwd_unasw_rsn, b.ul_fail_reason, b.tts_trans_duration),
        (Some(17), Some(6), Some(12))
    );
    assert_eq!(
        a.service_type.as_deref(),
        Some(notify::SERVICE_TYPE_VOICE_CALLBACK)
    );
    assert!(
        a.record_file_download_url
            .as_deref()
            .unwrap()
            .starts_with("https://")
    );
    assert_eq!(b.user_data.as_deref(), Some("客户123"));
    assert_eq!(
        b.fwd_answer_time.as_deref(),
        Some(""),
        "an empty time is kept as sent"
    );
    let end = notify::parse_time(a.call_end_time.as_deref().unwrap()).unwrap();
    let answer = notify::parse_time(a.fwd_answer_time.as_deref().unwrap()).unwrap();
    assert_eq!((end - answer).num_seconds(), 81);
}

#[test]
fn malformed_vectors_are_bad_notifications_naming_the_problem() {
    let index = load("index.json");
    let list = index["malformed"].as_array().unwrap();
    assert!(list.len() >= 20);
    for m in list {
        let name = m["name"].as_str().unwrap();
        let body = match (m["body"].as_str(), m["malformed_file"].as_str()) {
            (Some(b), None) => b.as_bytes().to_vec(),
            (None, Some(f)) => std::fs::read(dir().join(f)).unwrap(),
            _ => panic!("{name}: needs body or malformed_file"),
        };
        let e = notify::parse(&body).expect_err(name);
        assert_eq!(e.kind(), ErrorKind::BadNotification, "{name}: {e}");
        let want = m["error_contains"].as_str().unwrap();
        assert!(
            e.message().contains(want),
            "{name}: {e:?} does not contain {want:?}"
        );
    }
}

#[test]
fn oversized_bodies_are_refused_before_parsing() {
    // Valid JSON padded with spaces: only the size can refuse it.
    let mut body = br#"{"eventType":"answer","statusInfo":{"sessionId":"a"}}"#.to_vec();
    body.resize(MAX_BODY_LEN, b' ');
    assert!(notify::parse(&body).is_ok(), "exactly 1 MiB is allowed");
    body.push(b' ');
    let e = notify::parse(&body).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadNotification);
    assert!(
        e.message().contains(&format!("{} bytes", MAX_BODY_LEN + 1)),
        "{e}"
    );
    // Even garbage that size is refused for its size, not its content.
    let e = notify::parse(&vec![b'['; MAX_BODY_LEN + 1]).unwrap_err();
    assert!(e.message().contains("more than"), "{e}");
}

#[test]
fn garbage_never_panics() {
    let deep_array = vec![b'['; 100_000];
    let deep_object = "{\"a\":".repeat(100_000);
    let mut deep_in_field = br#"{"eventType":"answer","statusInfo":{"x":"#.to_vec();
    deep_in_field.extend(std::iter::repeat_n(b'[', 100_000));
    let cases: Vec<Vec<u8>> = vec![
        deep_array,
        deep_object.into_bytes(),
        deep_in_field,
        b"\xff\xfe\x00garbage".to_vec(),
        b"{\"eventType\":\"answer\",\"statusInfo\":{\"sessionId\":\"\xff\"}}".to_vec(),
        b"\xEF\xBB\xBF".to_vec(),
        b"{".to_vec(),
        b"{\"eventType\":\"fee\",\"feeLst\":[{\"ttsPlayTimes\":1e400}]}".to_vec(),
        b"{\"eventType\":\"fee\",\"feeLst\":[{\"ttsPlayTimes\":99999999999999999999}]}".to_vec(),
        b"{\"eventType\":\"disconnect\",\"statusInfo\":{\"stateCode\":\"99999999999999999999\"}}"
            .to_vec(),
        b"\0".to_vec(),
    ];
    for body in cases {
        let r = std::panic::catch_unwind(|| notify::parse(&body));
        let e = r.expect("parse panicked").expect_err("garbage parsed");
        assert_eq!(e.kind(), ErrorKind::BadNotification, "{e}");
    }
    // Every prefix of a real body fails cleanly (or parses, for the whole).
    let file = std::fs::read(dir().join("bill.json")).unwrap();
    let body = file.trim_ascii_end();
    for cut in 0..body.len() {
        if let Ok(n) = notify::parse(&body[..cut]) {
            panic!("a truncated body parsed: {n:?}");
        }
    }
}

#[test]
fn a_bom_is_skipped_and_event_types_ignore_case() {
    let mut body = b"\xEF\xBB\xBF".to_vec();
    body.extend_from_slice(br#"{"eventType":"DISCONNECT","statusInfo":{"stateCode":"  42 "}}"#);
    let Notification::Status(ev) = notify::parse(&body).unwrap() else {
        panic!()
    };
    assert_eq!(
        (ev.kind, ev.event_type.as_str(), ev.state_code),
        (StatusKind::Disconnect, "DISCONNECT", Some(42))
    );
    assert!(ev.time().is_err(), "no timestamp");
    let n = notify::parse(br#"{"eventType":"Fee","feeLst":[{}]}"#).unwrap();
    assert!(
        matches!(&n, Notification::Bill(b) if b.records.len() == 1 && b.records[0].session_id.is_none())
    );
    assert_eq!(n.event_type(), "Fee");
}

#[test]
fn fifty_records_pass_and_fifty_one_are_refused() {
    let record = json!({"sessionId": "s", "serviceType": "002", "ttsPlayTimes": "1"});
    let bill = |n: usize| {
        serde_json::to_vec(&json!({"eventType": "fee", "feeLst": vec![record.clone(); n]})).unwrap()
    };
    let Notification::Bill(b) = notify::parse(&bill(MAX_BILL_RECORDS)).unwrap() else {
        panic!()
    };
    assert_eq!(b.records.len(), 50);
    let e = notify::parse(&bill(MAX_BILL_RECORDS + 1)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadNotification);
    assert!(e.message().contains("51 records"), "{e}");
    assert!(
        notify::parse(&bill(0))
            .unwrap_err()
            .message()
            .contains("0 records")
    );
}

fn now_of(signed: &Value) -> DateTime<Utc> {
    signed["now"].as_str().unwrap().parse().unwrap()
}

#[test]
fn every_signed_case_gets_its_verdict() {
    let signed = load("signed.json");
    let now = now_of(&signed);
    let window = Duration::from_secs(signed["window_secs"].as_u64().unwrap());
    let cases = signed["cases"].as_array().unwrap();
    assert!(cases.iter().filter(|c| c["valid"] == json!(true)).count() >= 2);
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let s = |k: &str| c[k].as_str().unwrap();
        let opts = VerifyOptions {
            window,
            signer_clock: match s("signer_clock") {
                "utc" => SignerClock::Utc,
                "utc8" => SignerClock::Utc8,
                other => panic!("{name}: signer_clock {other}"),
            },
            digest_form: match s("digest_form") {
                "any" => DigestForm::Any,
                "plain" => DigestForm::Plain,
                "lines" => DigestForm::Lines,
                other => panic!("{name}: digest_form {other}"),
            },
        };
        let r = notify::verify_with_at(
            s("app_key"),
            s("app_secret"),
            s("url"),
            c["authorization"].as_str(),
            c["x_aksk"].as_str(),
            &opts,
            now,
        );
        if c["valid"].as_bool().unwrap() {
            r.unwrap_or_else(|e| panic!("{name}: {e}"));
        } else {
            let e = r.expect_err(name);
            assert_eq!(e.kind(), ErrorKind::BadSignature, "{name}: {e}");
            let want = s("error_contains");
            assert!(
                e.message().contains(want),
                "{name}: {e:?} does not contain {want:?}"
            );
            // Never the secret, nor any digest (the given one or one computed).
            assert!(!e.message().contains(s("app_secret")), "{name}: {e}");
            if let Some(x) = c["x_aksk"]
                .as_str()
                .and_then(|x| voicecb::signing::parse_x_aksk(x).ok())
            {
                assert!(!e.message().contains(x.password_digest), "{name}: {e}");
            }
            assert!(
                !format!("{e:?}").contains('='),
                "{name}: a Base64 digest in {e:?}"
            );
        }
        // The body is not covered: the verdict does not depend on it, and
        // the vector's body is a notification that parses.
        assert!(notify::parse(s("body").as_bytes()).is_ok());
    }
}

#[test]
fn the_clock_window_is_inclusive_and_symmetric() {
    let signed = load("signed.json");
    let c = &signed["cases"][0];
    let s = |k: &str| c[k].as_str().unwrap();
    let created: DateTime<Utc> = "2019-01-24T03:04:24Z".parse().unwrap();
    let verify = |now: DateTime<Utc>, secs: u64| {
        notify::verify_at(
            s("app_key"),
            s("app_secret"),
            s("url"),
            c["authorization"].as_str(),
            c["x_aksk"].as_str(),
            Duration::from_secs(secs),
            now,
        )
    };
    let at = |offset: i64| created + chrono::TimeDelta::seconds(offset);
    assert!(verify(at(0), 0).is_ok(), "window 0 allows exactly Created");
    assert!(verify(at(300), 300).is_ok());
    assert!(
        verify(at(-300), 300).is_ok(),
        "a receiver clock behind the platform's"
    );
    for (offset, window) in [(301, 300), (-301, 300), (1, 0), (86_400, 3_600)] {
        let e = verify(at(offset), window).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BadSignature);
        assert!(
            e.message()
                .contains(&format!("{} s away", offset.unsigned_abs())),
            "{e}"
        );
    }
    // The real clock: the vector is years old.
    let e = notify::verify(
        s("app_key"),
        s("app_secret"),
        s("url"),
        c["authorization"].as_str(),
        c["x_aksk"].as_str(),
        Duration::from_secs(300),
    )
    .unwrap_err();
    assert!(e.message().contains("window"), "{e}");
    // The widest window the C ABI can give accepts it.
    assert!(
        notify::verify(
            s("app_key"),
            s("app_secret"),
            s("url"),
            c["authorization"].as_str(),
            c["x_aksk"].as_str(),
            Duration::from_secs(u32::MAX.into())
        )
        .is_ok()
    );
}

#[test]
fn verification_arguments_are_checked() {
    let now = Utc::now();
    for (key, secret, url, field) in [
        ("", "s", "u", "app_key"),
        ("k", "", "u", "app_secret"),
        ("k", "s", "", "url"),
    ] {
        let e = notify::verify_at(key, secret, url, None, None, Duration::from_secs(1), now)
            .unwrap_err();
        assert_eq!(
            (e.kind(), e.field()),
            (ErrorKind::InvalidArgument, Some(field))
        );
    }
}

#[test]
fn a_push_signed_by_the_request_rule_does_not_verify() {
    // sign_with covers nonce + created only; a push's digest also covers the url.
    let h = voicecb::sign_with("key", "secret", "abc", "2019-01-24T03:04:24Z").unwrap();
    let now: DateTime<Utc> = "2019-01-24T03:04:25Z".parse().unwrap();
    let e = notify::verify_at(
        "key",
        "secret",
        "https://x/y",
        Some(h.authorization),
        Some(&h.x_aksk),
        Duration::from_secs(60),
        now,
    )
    .unwrap_err();
    assert!(e.message().contains("PasswordDigest does not match"), "{e}");
}

/// The vectors of the notification and verification scenes, and of a
/// recorded voice callback: what their bills say about recordings.
#[test]
fn scene_vectors_say_where_a_recording_is() {
    let read = |name: &str| notify::parse(&std::fs::read(dir().join(name)).unwrap()).unwrap();
    let Notification::Status(collect) = read("notify_collectInfo.json") else {
        panic!("not a status event")
    };
    assert_eq!(collect.kind, StatusKind::CollectInfo);
    assert_eq!(collect.digit_info.as_deref(), Some("1234"));
    for name in ["notify_bill.json", "verify_bill.json"] {
        let Notification::Bill(bill) = read(name) else {
            panic!("{name}: not a bill")
        };
        let record = &bill.records[0];
        assert_eq!(
            record.service_type.as_deref(),
            Some(notify::SERVICE_TYPE_VOICE_PLAYBACK),
            "{name}"
        );
        assert_eq!(record.record_url_params(), None, "{name}");
    }
    let Notification::Bill(bill) = read("callback_recorded_bill.json") else {
        panic!("not a bill")
    };
    let record = &bill.records[0];
    assert_eq!(
        record.service_type.as_deref(),
        Some(notify::SERVICE_TYPE_VOICE_CALLBACK)
    );
    assert_eq!(
        record.record_url_params(),
        Some(voicecb::RecordLocation::Query {
            file_name: "9811_436_0_20261201045813_callenabler.home1.com.wav".into(),
            record_domain: "obs.sandbox.invalid".into(),
        })
    );
}
