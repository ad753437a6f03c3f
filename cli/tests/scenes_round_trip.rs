//! The voice notification, the verification code call and the recording
//! flow against the sandbox: each API, the pushes of its scene parsed with
//! the library, each refusal the sandbox gives, and a recording from the
//! click2Call that made it to the WAV file downloaded.

mod common;

use common::{CALLEE, CALLER, DISPLAY, KEY, Sandbox, next, raw_http, receiver};
use voicecb::notify::{self, Bill, Notification, SERVICE_TYPE_VOICE_PLAYBACK, StatusKind};
use voicecb::{Api, CallNotify, CallVerify, Click2Call, ErrorKind, PlayInfo};

/// A sandbox whose simulated minute lasts 600 ms, so that a scene takes
/// well under a second.
fn sandbox(extra: &[&str]) -> Sandbox {
    let mut args = vec!["--time-scale", "600"];
    args.extend_from_slice(extra);
    Sandbox::start_with(&args)
}

/// A status event as the tests look at it: kind, `digitInfo`, `stateCode`.
type Seen = (StatusKind, Option<String>, Option<i64>);

/// The status events of a call's scene, up to its bill, and the bill.
fn scene(rx: &std::sync::mpsc::Receiver<common::Push>, session: &str) -> (Vec<Seen>, Bill) {
    let mut events = Vec::new();
    // Bounded: a scene has at most a few dozen events.
    for _ in 0..64 {
        let push = next(rx);
        match notify::parse(&push.body).unwrap() {
            Notification::Status(ev) => {
                assert_eq!(push.path, "/status");
                assert_eq!(ev.session_id.as_deref(), Some(session));
                events.push((ev.kind, ev.digit_info.clone(), ev.state_code));
            }
            Notification::Bill(bill) => {
                assert_eq!(push.path, "/fee");
                return (events, bill);
            }
            other => panic!("unexpected push {other:?}"),
        }
    }
    panic!("no bill after 64 pushes")
}

#[test]
fn a_notification_plays_collects_and_bills_as_voice_playback() {
    let sb = sandbox(&[]);
    let (base, rx) = receiver();
    let client = sb.client();
    let call = client
        .call_notify(&CallNotify {
            status_url: Some(format!("{base}/status")),
            fee_url: Some(format!("{base}/fee")),
            user_data: Some("order-42".into()),
            return_idle_port: Some(true),
            ..CallNotify::new(
                DISPLAY,
                CALLEE,
                [
                    PlayInfo::template("test_template", ["3", "人民公园正门"]),
                    PlayInfo {
                        collect_ind: Some(4),
                        ..PlayInfo::voice("notifyvoice.wav")
                    },
                ],
            )
        })
        .unwrap();
    assert!(call.idle_port.is_some());
    let (events, bill) = scene(&rx, &call.session_id);
    let kinds: Vec<_> = events.iter().map(|e| e.0).collect();
    assert_eq!(
        kinds,
        [
            StatusKind::Callout,
            StatusKind::Alerting,
            StatusKind::Answer,
            StatusKind::CollectInfo,
            StatusKind::Disconnect
        ]
    );
    assert_eq!(
        events[3].1.as_deref(),
        Some("1234"),
        "the first 4 of 1234567890"
    );
    assert_eq!(events[4].2, Some(0));
    let record = &bill.records[0];
    assert_eq!(record.session_id.as_deref(), Some(call.session_id.as_str()));
    assert_eq!(
        record.service_type.as_deref(),
        Some(SERVICE_TYPE_VOICE_PLAYBACK)
    );
    assert_eq!(record.user_data.as_deref(), Some("order-42"));
    // Never recorded: no recording to ask for.
    assert_eq!(record.record_url_params(), None);
    assert_eq!(
        client.record_url_for(record).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
}

#[test]
fn a_notification_replays_on_the_trigger_digits() {
    let sb = sandbox(&[]);
    let (base, rx) = receiver();
    // A callee ending 0000111 keys 1s: the vendor's replay example.
    let callee = "+8613800000111";
    let call = sb
        .client()
        .call_notify(&CallNotify {
            status_url: Some(format!("{base}/status")),
            fee_url: Some(format!("{base}/fee")),
            ..CallNotify::new(
                DISPLAY,
                callee,
                [PlayInfo {
                    collect_ind: Some(2),
                    replay_after_collection: Some(true),
                    collect_content_trigger_replaying: Some("11".into()),
                    ..PlayInfo::voice("welcome.wav")
                }],
            )
        })
        .unwrap();
    let (events, bill) = scene(&rx, &call.session_id);
    let collected: Vec<_> = events
        .iter()
        .filter(|e| e.0 == StatusKind::CollectInfo)
        .map(|e| e.1.clone().unwrap_or_default())
        .collect();
    assert!(
        collected.len() >= 2,
        "the item was not replayed: {events:?}"
    );
    assert!(collected.iter().all(|d| d == "11"), "{collected:?}");
    assert_eq!(events.last().unwrap().0, StatusKind::Disconnect);
    assert_eq!(bill.records[0].service_type.as_deref(), Some("001"));
}

#[test]
fn a_verification_speaks_the_code_and_bills_as_voice_playback() {
    let sb = sandbox(&[]);
    let (base, rx) = receiver();
    let call = sb
        .client()
        .call_verify(&CallVerify {
            status_url: Some(format!("{base}/status")),
            fee_url: Some(format!("{base}/fee")),
            pos_tone: Some("postone.wav".into()),
            times: Some(2),
            ..CallVerify::new(DISPLAY, CALLEE, "2468", "pretone.wav")
        })
        .unwrap();
    let (events, bill) = scene(&rx, &call.session_id);
    let kinds: Vec<_> = events.iter().map(|e| e.0).collect();
    assert_eq!(
        kinds,
        [
            StatusKind::Callout,
            StatusKind::Alerting,
            StatusKind::Answer,
            StatusKind::Disconnect
        ]
    );
    assert_eq!(events[3].2, Some(0));
    let record = &bill.records[0];
    assert_eq!(record.service_type.as_deref(), Some("001"));
    assert!(record.record_object_name.is_none() && record.record_flag.is_none());
}

#[test]
fn each_refusal_of_the_sandbox_is_reported_through_the_catalogue() {
    let sb = sandbox(&["--template-status", "400"]);
    let client = sb.client();
    let template = |id: &str, paras: &[&str]| {
        client
            .call_notify(&CallNotify::new(
                DISPLAY,
                CALLEE,
                [PlayInfo::template(id, paras.iter().copied())],
            ))
            .unwrap_err()
    };
    for (e, code) in [
        (template("no_such_template", &[]), "1012003"),
        (template("pending_template", &["x"]), "1012002"),
        (template("test_template", &["3"]), "1012004"),
        (
            template("test_template", &["3", &"x".repeat(21)]),
            "1012005",
        ),
        (template("test_template", &["", "x"]), "1012005"),
    ] {
        assert_eq!(e.kind(), ErrorKind::Platform, "{e}");
        assert_eq!(
            (e.http_status(), e.result_code()),
            (Some(400), Some(code)),
            "{e}"
        );
        let info = e
            .code_info()
            .unwrap_or_else(|| panic!("{code} not described: {e}"));
        assert!(info.listed_for(Api::CallNotify));
        assert_eq!(e.session_id(), None, "a refusal places no call");
    }
    // A wrong secret, on each API.
    let wrong = sb.builder_with(KEY, "not-the-secret").build().unwrap();
    let refusals = [
        wrong
            .call_notify(&CallNotify::new(
                DISPLAY,
                CALLEE,
                [PlayInfo::voice("welcome.wav")],
            ))
            .unwrap_err(),
        wrong
            .call_verify(&CallVerify::new(DISPLAY, CALLEE, "12", "pretone.wav"))
            .unwrap_err(),
        wrong.record_url("r.wav", "d").unwrap_err(),
    ];
    for e in refusals {
        assert_eq!(
            (e.http_status(), e.result_code()),
            (Some(401), Some("1010010")),
            "{e}"
        );
        assert_eq!(e.code_info().unwrap().en(), "Invalid digest.");
    }
    // A display number that is not the app's (the sandbox's 403/1010023).
    let e = client
        .call_verify(&CallVerify::new(
            "+8675500000000",
            CALLEE,
            "12",
            "pretone.wav",
        ))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Platform, "{e}");
    // An unknown recording: the vendor's code is not documented, so the
    // sandbox's 1012007 is reported as a code the catalogue does not know.
    let e = client.record_url("nothing.wav", "nowhere").unwrap_err();
    assert_eq!(
        (e.http_status(), e.result_code()),
        (Some(403), Some("1012007")),
        "{e}"
    );
    assert!(
        e.code_info().is_none() && e.message().contains("not in the catalogue"),
        "{e}"
    );
}

#[test]
fn the_record_flow_from_the_call_to_the_wav_file() {
    let sb = sandbox(&[]);
    let (base, rx) = receiver();
    let client = sb.client();
    let call = client
        .click2call(&Click2Call {
            fee_url: Some(format!("{base}/fee")),
            record_flag: Some(true),
            max_duration: Some(1),
            ..Click2Call::new(DISPLAY, CALLER, CALLEE)
        })
        .unwrap();
    let push = next(&rx);
    let Notification::Bill(bill) = notify::parse(&push.body).unwrap() else {
        panic!("not a bill")
    };
    let record = &bill.records[0];
    assert_eq!(record.session_id.as_deref(), Some(call.session_id.as_str()));
    assert_eq!(record.record_flag, Some(1));
    let url = client.record_url_for(record).unwrap();
    let prefix = format!("{}/", sb.base_url());
    let path = url
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{url} is not on the sandbox"));
    let wav = raw_http(
        sb.port(),
        format!("GET /{path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").as_bytes(),
    );
    assert_eq!(wav.status, 200, "{}", wav.text());
    assert_eq!(&wav.body[..4], b"RIFF");
    assert_eq!(&wav.body[8..12], b"WAVE");
    // The same recording asked by its fields gives a URL again.
    let again = client
        .record_url(
            record.record_object_name.as_deref().unwrap(),
            record.record_domain.as_deref().unwrap(),
        )
        .unwrap();
    assert!(again.starts_with(&prefix), "{again}");
}
