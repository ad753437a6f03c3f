//! The voice notification, verification code and recording URL APIs
//! against local servers that count or capture what they receive: what
//! is sent, what is never sent, the redirect that is not followed, and the
//! retry rule of each API.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

use common::{CALLEE, DISPLAY, FaultServer, quick_retries, refused_port};
use serde_json::{Value, json};
use voicecb::codes::Api;
use voicecb::{CallNotify, CallVerify, Client, ErrorKind, Notification, PlayInfo};

fn client_of(base_url: &str) -> Client {
    Client::builder("k", "s")
        .base_url(base_url)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn notify() -> CallNotify {
    CallNotify::new(DISPLAY, CALLEE, [PlayInfo::voice("notifyvoice.wav")])
}

fn verify() -> CallVerify {
    CallVerify::new(DISPLAY, CALLEE, "1234", "pretone.wav")
}

const SUCCESS: &str = "HTTP/1.1 200 OK\r\nContent-Type: application/json;charset=UTF-8\r\nContent-Length: 83\r\n\r\n{\"resultcode\":\"0\",\"resultdesc\":\"Success\",\"sessionId\":\"1200_366_0_20161228102743@x\"}";

/// A server of one connection on 127.0.0.1:0 that hands over the request
/// it read (head and body) and answers `answer`.
fn capture_once(answer: &'static str) -> (String, mpsc::Receiver<String>) {
    let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        // Bounded by the read timeout and the size.
        while buf.len() < 1 << 20 {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .map_or(0, |v| v.trim().parse().unwrap());
                if buf.len() >= end + 4 + len {
                    break;
                }
            }
            match s.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let _ = s.write_all(answer.as_bytes());
        let _ = s.flush();
        let _ = tx.send(String::from_utf8_lossy(&buf).into_owned());
        // Until the client has read the answer and closed.
        let _ = s.read(&mut chunk);
    });
    (url, rx)
}

/// A server answering every request with `status` and a JSON `body`.
fn answering(status: &str, body: &str) -> FaultServer {
    FaultServer::fixed(format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    ))
}

fn received(rx: &mpsc::Receiver<String>) -> (String, Value) {
    let req = rx.recv_timeout(Duration::from_secs(10)).expect("a request");
    let (head, body) = req.split_once("\r\n\r\n").unwrap();
    let body = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(body).unwrap()
    };
    (head.to_owned(), body)
}

#[test]
fn a_notification_is_a_signed_post_of_its_body() {
    let (url, rx) = capture_once(SUCCESS);
    let req = CallNotify {
        user_data: Some("order42".into()),
        ..CallNotify::new(
            DISPLAY,
            CALLEE,
            [
                PlayInfo::voice("welcome.wav"),
                PlayInfo {
                    collect_ind: Some(1),
                    ..PlayInfo::template("test_template", ["3", "人民公园正门"])
                },
            ],
        )
    };
    let r = client_of(&url).call_notify(&req).unwrap();
    assert_eq!(r.session_id, "1200_366_0_20161228102743@x");
    let (head, body) = received(&rx);
    assert!(
        head.starts_with("POST /rest/httpsessions/callnotify/v2.0 HTTP/1.1\r\n"),
        "{head}"
    );
    assert!(
        head.contains("\r\nx-aksk: UsernameToken Username=\"k\""),
        "{head}"
    );
    assert_eq!(
        body,
        json!({"displayNbr": DISPLAY, "calleeNbr": CALLEE, "userData": "order42",
               "playInfoList": [{"notifyVoice": "welcome.wav"},
                                {"templateId": "test_template", "templateParas": ["3", "人民公园正门"], "collectInd": 1}]})
    );
}

#[test]
fn a_verification_is_a_signed_post_of_its_body() {
    let (url, rx) = capture_once(SUCCESS);
    let req = CallVerify {
        times: Some(2),
        pos_tone: Some("postone.wav".into()),
        ..verify()
    };
    client_of(&url).call_verify(&req).unwrap();
    let (head, body) = received(&rx);
    assert!(
        head.starts_with("POST /rest/httpsessions/callVerify/v1.0 HTTP/1.1\r\n"),
        "{head}"
    );
    assert_eq!(
        body,
        json!({"displayNbr": DISPLAY, "calleeNbr": CALLEE, "languageType": 2,
               "preTone": "pretone.wav", "verifyCode": "1234", "posTone": "postone.wav", "times": 2})
    );
}

#[test]
fn the_recording_url_is_a_signed_get_with_an_encoded_query() {
    let (url, rx) = capture_once(
        "HTTP/1.1 301 Moved Permanently\r\nLocation: https://obs.example.com/r.wav?x=1\r\nContent-Length: 0\r\n\r\n",
    );
    let got = client_of(&url)
        .record_url("1200_366 0&x.wav", "ostor.example.com")
        .unwrap();
    assert_eq!(got, "https://obs.example.com/r.wav?x=1");
    let (head, body) = received(&rx);
    assert!(
        head.starts_with(
            "GET /rest/provision/voice/record/v1.0?fileName=1200_366%200%26x.wav&recordDomain=ostor.example.com HTTP/1.1\r\n"
        ),
        "{head}"
    );
    assert!(
        head.contains("\r\nauthorization: AKSK realm=\"SDP\""),
        "{head}"
    );
    assert!(head.contains("\r\nx-aksk: UsernameToken"), "{head}");
    assert_eq!(body, Value::Null);
}

#[test]
fn the_redirect_is_returned_never_followed() {
    // Following the Location would fail: nothing listens there.
    let target = format!("http://127.0.0.1:{}/records/r.wav", refused_port());
    let server = FaultServer::fixed(format!(
        "HTTP/1.1 301 Moved Permanently\r\nLocation: {target}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    ));
    let client = client_of(&server.base_url());
    assert_eq!(client.record_url("r.wav", "d").unwrap(), target);
    assert_eq!(server.accepted(), 1);
    // A Location that is only a path is the server's own.
    let server = FaultServer::fixed(
        "HTTP/1.1 301 Moved Permanently\r\nLocation: /records/r.wav\r\nContent-Length: 0\r\n\r\n",
    );
    let client = client_of(&server.base_url());
    assert_eq!(
        client.record_url("r.wav", "d").unwrap(),
        format!("{}/records/r.wav", server.base_url())
    );
    // A redirect without Location is a bad answer.
    let server = FaultServer::fixed("HTTP/1.1 301 Moved Permanently\r\nContent-Length: 0\r\n\r\n");
    let e = client_of(&server.base_url())
        .record_url("r.wav", "d")
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadResponse, "{e}");
}

#[test]
fn invalid_requests_send_nothing() {
    let server = FaultServer::fixed(SUCCESS);
    let client = client_of(&server.base_url());
    let item = |p: PlayInfo| CallNotify {
        play_info_list: vec![PlayInfo::voice("a.wav"), p],
        ..notify()
    };
    let notifications = [
        (
            CallNotify {
                play_info_list: vec![],
                ..notify()
            },
            "playInfoList",
        ),
        (item(PlayInfo::default()), "playInfoList[1].notifyVoice"),
        (
            item(PlayInfo::template("t".repeat(33), ["x"])),
            "playInfoList[1].templateId",
        ),
        (
            item(PlayInfo {
                collect_ind: Some(33),
                ..PlayInfo::voice("a.wav")
            }),
            "playInfoList[1].collectInd",
        ),
        (
            CallNotify {
                callee_nbr: "13800000002".into(),
                ..notify()
            },
            "calleeNbr",
        ),
    ];
    for (req, field) in notifications {
        let e = client.call_notify(&req).unwrap_err();
        assert_eq!(
            (e.kind(), e.field(), e.request_not_sent()),
            (ErrorKind::InvalidArgument, Some(field), true),
            "{e}"
        );
    }
    for (req, field) in [
        (
            CallVerify {
                verify_code: "1".into(),
                ..verify()
            },
            "verifyCode",
        ),
        (
            CallVerify {
                times: Some(10),
                ..verify()
            },
            "times",
        ),
        (
            CallVerify {
                language_type: 1,
                ..verify()
            },
            "languageType",
        ),
        (
            CallVerify {
                pre_tone: String::new(),
                ..verify()
            },
            "preTone",
        ),
    ] {
        let e = client.call_verify(&req).unwrap_err();
        assert_eq!(
            (e.kind(), e.field()),
            (ErrorKind::InvalidArgument, Some(field)),
            "{e}"
        );
    }
    for (file, domain, field) in [
        ("", "d", "fileName"),
        ("f", &*"d".repeat(129), "recordDomain"),
    ] {
        let e = client.record_url(file, domain).unwrap_err();
        assert_eq!(
            (e.kind(), e.field()),
            (ErrorKind::InvalidArgument, Some(field)),
            "{e}"
        );
    }
    assert_eq!(server.accepted(), 0, "an invalid request was sent");
}

#[test]
fn calls_are_never_resent_once_sent_but_the_recording_url_is() {
    // The server reads each request, then closes without answering.
    let server = FaultServer::fixed(Vec::new());
    let client = Client::builder("k", "s")
        .base_url(server.base_url())
        .timeout(Duration::from_secs(3))
        .retry(quick_retries(4))
        .build()
        .unwrap();
    let e = client.call_notify(&notify()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
    assert!(e.message().contains("the call may have been placed"), "{e}");
    assert_eq!(server.accepted(), 1, "the notification was sent again");
    let e = client.call_verify(&verify()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
    assert_eq!(server.accepted(), 2, "the verification was sent again");
    let e = client.record_url("r.wav", "d").unwrap_err();
    assert_eq!((e.kind(), e.attempts()), (ErrorKind::Transport, 4), "{e}");
    assert_eq!(
        server.accepted(),
        2 + 4,
        "the recording URL was not asked again"
    );
}

#[test]
fn scene_refusals_go_through_the_catalogue() {
    // The spec gives 1012003 no HTTP status: found under any.
    for status in ["403 Forbidden", "400 Bad Request"] {
        let body = r#"{"resultcode":"1012003","resultdesc":"The template ID does not exist.","sessionId":""}"#;
        let server = answering(status, body);
        let e = client_of(&server.base_url())
            .call_notify(&notify())
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Platform);
        let info = e.code_info().expect("1012003 is in the catalogue");
        assert!(info.listed_for(Api::CallNotify) && !info.http_status_documented());
        assert!(e.message().contains("advice: Check templateId"), "{e}");
    }
    // A code only the notification table lists is unknown to verification.
    let body = r#"{"resultcode":"1012003","resultdesc":"x"}"#;
    let server = answering("403 Forbidden", body);
    let e = client_of(&server.base_url())
        .call_verify(&verify())
        .unwrap_err();
    assert!(
        e.code_info().is_none() && e.message().contains("not in the catalogue"),
        "{e}"
    );
    // Shared codes are described from click2Call's table, as before.
    let body = r#"{"resultcode":"1010010","resultdesc":"Invalid digest."}"#;
    let server = answering("401 Unauthorized", body);
    let e = client_of(&server.base_url())
        .record_url("r.wav", "d")
        .unwrap_err();
    assert_eq!(e.code_info().unwrap().zh(), "PasswordDigest校验失败。");
}

#[test]
fn a_bill_record_gives_its_recording_url() {
    let bill = |record: Value| match voicecb::notify::parse(
        json!({"eventType": "fee", "feeLst": [record]})
            .to_string()
            .as_bytes(),
    )
    .unwrap()
    {
        Notification::Bill(b) => b.records.into_iter().next().unwrap(),
        other => panic!("{other:?}"),
    };
    let server = FaultServer::fixed(
        "HTTP/1.1 301 Moved Permanently\r\nLocation: https://obs.example.com/a.wav\r\nContent-Length: 0\r\n\r\n",
    );
    let client = client_of(&server.base_url());
    let recorded = bill(
        json!({"sessionId": "s", "serviceType": "002", "recordFlag": 1,
        "recordObjectName": "a.wav", "recordDomain": "ostor.example.com",
        "recordFileDownloadUrl": "https://direct.example.com/a.wav"}),
    );
    assert_eq!(
        client.record_url_for(&recorded).unwrap(),
        "https://obs.example.com/a.wav"
    );
    assert_eq!(server.accepted(), 1);
    // Only the direct URL: given as it is, nothing asked.
    let direct = bill(json!({"sessionId": "s", "recordObjectName": "",
        "recordFileDownloadUrl": "https://direct.example.com/a.wav"}));
    assert_eq!(
        client.record_url_for(&direct).unwrap(),
        "https://direct.example.com/a.wav"
    );
    // A voice playback record (notification, verification) has no recording.
    let playback = bill(json!({"sessionId": "s", "serviceType": "001"}));
    assert_eq!(
        playback.service_type.as_deref(),
        Some(voicecb::notify::SERVICE_TYPE_VOICE_PLAYBACK)
    );
    let e = client.record_url_for(&playback).unwrap_err();
    assert_eq!(
        (e.kind(), e.field()),
        (ErrorKind::InvalidArgument, Some("recordObjectName"))
    );
    assert_eq!(server.accepted(), 1);
}

/// `voicecb ARGS --json` with the credentials and `base_url`; its exit
/// status and the JSON it printed.
fn cli_json(base_url: &str, args: &[&str]) -> (i32, Value) {
    let out = std::process::Command::new(common::BIN)
        .args(args)
        .arg("--json")
        .env("VOICECB_BASE_URL", base_url)
        .env("VOICECB_APP_KEY", "k")
        .env("VOICECB_APP_SECRET", "s")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let json =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {out:?}"));
    (out.status.code().expect("exited"), json)
}

#[test]
fn the_commands_send_what_their_flags_say() {
    let (url, rx) = capture_once(SUCCESS);
    let (code, out) = cli_json(
        &url,
        &[
            "notify",
            "--display-nbr",
            DISPLAY,
            "--callee",
            CALLEE,
            "--play",
            "welcome.wav",
            "--play",
            r#"{"templateId":"test_template","templateParas":["3","x"],"collectInd":2,"replayAfterCollection":true,"collectContentTriggerReplaying":"11"}"#,
        ],
    );
    assert_eq!(
        (code, &out["session_id"]),
        (0, &json!("1200_366_0_20161228102743@x")),
        "{out}"
    );
    let (_, body) = received(&rx);
    assert_eq!(
        body["playInfoList"],
        json!([{"notifyVoice": "welcome.wav"},
               {"templateId": "test_template", "templateParas": ["3", "x"], "collectInd": 2,
                "replayAfterCollection": "true", "collectContentTriggerReplaying": "11"}])
    );
    let (url, rx) = capture_once(SUCCESS);
    let (code, _) = cli_json(
        &url,
        &[
            "verify",
            "--display-nbr",
            DISPLAY,
            "--callee",
            CALLEE,
            "--code",
            "2468",
            "--pre-tone",
            "pretone.wav",
            "--pos-tone",
            "postone.wav",
            "--times",
            "0",
        ],
    );
    assert_eq!(code, 0);
    let (head, body) = received(&rx);
    assert!(
        head.starts_with("POST /rest/httpsessions/callVerify/v1.0 "),
        "{head}"
    );
    assert_eq!(
        (&body["verifyCode"], &body["times"], &body["languageType"]),
        (&json!("2468"), &json!(0), &json!(2))
    );
    let server = FaultServer::fixed(
        "HTTP/1.1 301 Moved Permanently\r\nLocation: https://obs.example.com/a.wav\r\nContent-Length: 0\r\n\r\n",
    );
    let (code, out) = cli_json(
        &server.base_url(),
        &["record-url", "a.wav", "ostor.example.com"],
    );
    assert_eq!(
        (code, out),
        (0, json!({"url": "https://obs.example.com/a.wav"}))
    );
}

#[test]
fn the_commands_name_the_flag_of_a_bad_value_and_send_nothing() {
    let server = FaultServer::fixed(SUCCESS);
    let url = server.base_url();
    let notify = [
        "notify",
        "--display-nbr",
        DISPLAY,
        "--callee",
        CALLEE,
        "--play",
        "a.wav",
    ];
    for (extra, field, says) in [
        (
            vec!["--play", r#"{"templateId":"t","collectInd":33}"#],
            "playInfoList[1].collectInd",
            "(from --play #2)",
        ),
        (
            vec!["--play", r#"{"templateId":"t","bogus":1}"#],
            "--play",
            "unknown field \"bogus\"",
        ),
        (vec!["--play", "{not json"], "--play", "not a JSON object"),
        (
            vec![
                "--play", "b.wav", "--play", "c.wav", "--play", "d.wav", "--play", "e.wav",
                "--play", "f.wav",
            ],
            "playInfoList",
            "(from --play)",
        ),
    ] {
        let args: Vec<&str> = notify.iter().copied().chain(extra).collect();
        let (code, out) = cli_json(&url, &args);
        assert_eq!((code, &out["error"]["field"]), (2, &json!(field)), "{out}");
        assert!(
            out["error"]["message"].as_str().unwrap().contains(says),
            "{out}"
        );
    }
    let verify = [
        "verify",
        "--display-nbr",
        DISPLAY,
        "--callee",
        CALLEE,
        "--pre-tone",
        "p.wav",
    ];
    for (extra, field) in [
        (["--code", "1"], "verifyCode"),
        (["--code", "12345"], "--times"),
    ] {
        let mut args: Vec<&str> = verify.iter().copied().chain(extra).collect();
        if field == "--times" {
            args.extend(["--times", "x"]);
        }
        let (code, out) = cli_json(&url, &args);
        assert_eq!((code, &out["error"]["field"]), (2, &json!(field)), "{out}");
    }
    let (code, out) = cli_json(&url, &["record-url", &"f".repeat(129), "d"]);
    assert_eq!(
        (code, &out["error"]["field"]),
        (2, &json!("fileName")),
        "{out}"
    );
    assert!(
        out["error"]["message"]
            .as_str()
            .unwrap()
            .ends_with("(from FILE_NAME)"),
        "{out}"
    );
    assert_eq!(server.accepted(), 0, "a bad command sent something");
}

#[test]
fn events_name_the_new_apis_and_mask_their_numbers() {
    use std::sync::{Arc, Mutex};
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = seen.clone();
    let server = FaultServer::fixed(SUCCESS);
    let client = Client::builder("k", "s")
        .base_url(server.base_url())
        .on_event(move |e| log.lock().unwrap().push(e.to_string()))
        .build()
        .unwrap();
    client.call_notify(&notify()).unwrap();
    client.call_verify(&verify()).unwrap();
    let _ = client.record_url("r.wav", "d");
    let lines = seen.lock().unwrap().clone();
    for api in ["callNotify", "callVerify", "recordUrl"] {
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(&format!("{api} attempt 1"))),
            "{api}: {lines:#?}"
        );
    }
    assert!(lines.iter().all(|l| !l.contains(CALLEE)), "{lines:#?}");
    assert!(
        lines.iter().any(|l| l.contains("+86138****0002")),
        "{lines:#?}"
    );
}
