//! The Rust client against the sandbox (`voicecb sandbox`, run as a child
//! process) and against tiny local fault servers: successes, every refusal
//! the platform can give, validation, builder checks, transport failures,
//! timeouts, malformed answers, thread safety and secrecy.

mod common;

use std::time::{Duration, Instant};

use common::{CALLEE, CALLER, DISPLAY, FaultServer, KEY, SECRET, Sandbox, raw_http, refused_port};
use voicecb::codes::{self, Api, Category, CodeInfo};
use voicecb::{Click2Call, Client, ClientBuilder, Error, ErrorKind, TimeoutLimit};

// No test here times a call: a failing call that should have ended at once
// is told from one that waited for a limit by its kind (and, for timeouts,
// by which limit ran out), never by the clock, which a loaded machine
// stretches.

/// The unknown session id of the spec's example.
const SPEC_SESSION_ID: &str = "1200_366_0_20161228102743@callenabler.home1.com";

fn request() -> Click2Call {
    Click2Call::new(DISPLAY, CALLER, CALLEE)
}

/// `\d{4}_\d{3}_0_\d{14}@callenabler.home1.com`, checked by hand.
fn looks_like_session_id(id: &str) -> bool {
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let Some(local) = id.strip_suffix("@callenabler.home1.com") else {
        return false;
    };
    let parts: Vec<&str> = local.split('_').collect();
    parts.len() == 4
        && digits(parts[0], 4)
        && digits(parts[1], 3)
        && parts[2] == "0"
        && digits(parts[3], 14)
}

/// Asserts a platform refusal with exactly this catalogue row of `api`.
fn assert_platform(
    e: &Error,
    api: Api,
    status: u16,
    code: &str,
    category: Category,
) -> &'static CodeInfo {
    assert_eq!(e.kind(), ErrorKind::Platform, "{e}");
    assert_eq!(e.http_status(), Some(status), "{e}");
    assert_eq!(e.result_code(), Some(code), "{e}");
    let info = e
        .code_info()
        .unwrap_or_else(|| panic!("no catalogue entry: {e}"));
    let expected = codes::lookup(api, status, code).expect("the catalogue has the row");
    assert!(
        std::ptr::eq(info, expected),
        "{api:?} {status}/{code}: got the row {info:?}"
    );
    assert_eq!(info.category(), category, "{e}");
    assert_eq!(e.retryable(), info.retryable());
    info
}

/// `Created` as sent must be `%Y-%m-%dT%H:%M:%SZ` and near the current UTC time.
fn assert_created_is_now(created: &str) {
    let b = created.as_bytes();
    assert_eq!(b.len(), 20, "{created:?}");
    assert!(
        (b[4], b[7], b[10], b[13], b[16], b[19]) == (b'-', b'-', b'T', b':', b':', b'Z'),
        "{created:?}"
    );
    let t = chrono::NaiveDateTime::parse_from_str(created, "%Y-%m-%dT%H:%M:%SZ")
        .unwrap_or_else(|e| panic!("{created:?}: {e}"))
        .and_utc();
    let skew = (chrono::Utc::now() - t).num_seconds().abs();
    assert!(skew <= 5, "Created {created} is {skew} s away from UTC now");
}

// ---------------------------------------------------------------- success

#[test]
fn session_id_checker_matches_the_spec_example() {
    assert!(looks_like_session_id(
        "1202_566_0_20161228102743@callenabler.home1.com"
    ));
    for bad in [
        "1202_566_1_20161228102743@callenabler.home1.com",
        "12022_566_0_20161228102743@callenabler.home1.com",
        "1202_566_0_2016122810274@callenabler.home1.com",
        "1202_566_0_20161228102743@callenabler.home1.org",
        "1202_5a6_0_20161228102743@callenabler.home1.com",
        "1202_566_0_20161228102743",
    ] {
        assert!(!looks_like_session_id(bad), "{bad}");
    }
}

#[test]
fn click2call_and_call_stop_succeed() {
    let sb = Sandbox::start();
    let client = sb.client();

    let call = client.click2call(&request()).expect("click2call");
    assert!(
        looks_like_session_id(&call.session_id),
        "{}",
        call.session_id
    );
    assert_eq!(call.idle_port, None, "idlePort without returnIdlePort");

    let stats = sb.stats();
    assert_eq!(
        stats["last_user_agent"],
        concat!("libvoicecb/", env!("CARGO_PKG_VERSION")),
        "{stats}"
    );
    assert_eq!(
        voicecb::client::DEFAULT_USER_AGENT,
        concat!("libvoicecb/", env!("CARGO_PKG_VERSION"))
    );
    assert_created_is_now(stats["last_created"].as_str().expect("last_created"));

    let asked = Click2Call {
        return_idle_port: Some(true),
        ..request()
    };
    let with_port = client
        .click2call(&asked)
        .expect("click2call with returnIdlePort");
    assert!(looks_like_session_id(&with_port.session_id));
    assert_ne!(with_port.session_id, call.session_id);
    let n = with_port.idle_port.expect("idlePort when asked");
    assert!(n > 0, "{n}");
    let not_asked = Click2Call {
        return_idle_port: Some(false),
        ..request()
    };
    assert_eq!(client.click2call(&not_asked).unwrap().idle_port, None);
    assert_eq!(sb.counter("active_sessions"), 3);

    client.call_stop(&call.session_id).expect("call_stop");
    assert_eq!(sb.counter("active_sessions"), 2);
    let again = client.call_stop(&call.session_id).unwrap_err();
    assert_platform(&again, Api::CallStop, 500, "1020152", Category::Parameter);
    assert_eq!(again.result_desc(), Some("Invalid sessionid."));
    assert!(!again.retryable());

    let stats = sb.stats();
    assert_eq!(
        (stats["click2call"].as_u64(), stats["callstop"].as_u64()),
        (Some(3), Some(2)),
        "{stats}"
    );
}

#[test]
fn custom_user_agent_is_sent() {
    let sb = Sandbox::start();
    let client = sb
        .builder()
        .user_agent("crm-dialer/2.1 (test)")
        .build()
        .unwrap();
    client.click2call(&request()).unwrap();
    assert_eq!(sb.stats()["last_user_agent"], "crm-dialer/2.1 (test)");
}

#[test]
fn every_optional_field_set_once_succeeds() {
    let sb = Sandbox::start();
    let client = sb.client();
    let req = Click2Call {
        max_duration: Some(1440),
        last_min_voice: Some("lastmin_voice1.wav".into()),
        last_min_to_ue: Some(voicecb::LastMinToUe::Both),
        play_pre_voice: Some(true),
        pre_voice: Some("pre_voice1.wav".into()),
        wait_voice: Some("wait_voice1.wav".into()),
        callee_media: Some(voicecb::CalleeMedia::Fail),
        status_url: Some("https://example.com/voice/status".into()),
        fee_url: Some("http://10.0.0.1:8080/fee".into()),
        record_flag: Some(false),
        record_hint_tone: Some("recordhint_voice1.wav".into()),
        party_type_required_in_disconnect: Some(true),
        return_idle_port: Some(true),
        user_data: Some("customerId=123;campaign=spring".into()),
        ..request()
    };
    let call = client.click2call(&req).expect("every optional field");
    assert!(looks_like_session_id(&call.session_id));
    assert!(call.idle_port.is_some());
    assert_eq!(sb.counter("active_sessions"), 1);
}

// ------------------------------------------------- refusals a client can reach

#[test]
fn auth_and_parameter_refusals_reachable_by_a_real_client() {
    let sb = Sandbox::start();
    let wrong_secret = "wrong-secret-0xC0FFEE";
    let client = sb.client();

    let e = Client::builder(KEY, wrong_secret)
        .base_url(sb.base_url())
        .build()
        .unwrap()
        .click2call(&request())
        .unwrap_err();
    assert_platform(&e, Api::Click2Call, 401, "1010010", Category::Signature);
    assert!(e.message().contains("Invalid digest."), "{e}");
    assert!(!e.message().contains(wrong_secret) && !format!("{e:?}").contains(wrong_secret));

    let e = Client::builder("no-such-app", SECRET)
        .base_url(sb.base_url())
        .build()
        .unwrap()
        .click2call(&request())
        .unwrap_err();
    assert_platform(&e, Api::Click2Call, 403, "1010003", Category::App);

    let e = sb
        .builder()
        .clock_offset_secs(-3600)
        .build()
        .unwrap()
        .click2call(&request())
        .unwrap_err();
    assert_platform(&e, Api::Click2Call, 401, "1010013", Category::Signature);
    let e = sb
        .builder()
        .clock_offset_secs(-3600)
        .build()
        .unwrap()
        .call_stop(SPEC_SESSION_ID)
        .unwrap_err();
    assert_platform(&e, Api::CallStop, 401, "1010013", Category::Signature);

    let e = client
        .click2call(&Click2Call::new("+8675500000000", CALLER, CALLEE))
        .unwrap_err();
    assert_platform(&e, Api::Click2Call, 403, "1010023", Category::Number);
    let e = client
        .click2call(&Click2Call {
            display_callee_nbr: "+8675500000000".into(),
            ..request()
        })
        .unwrap_err();
    assert_platform(&e, Api::Click2Call, 403, "1010023", Category::Number);

    let e = client
        .click2call(&Click2Call::new(DISPLAY, "+0123456", CALLEE))
        .unwrap_err();
    assert_platform(&e, Api::Click2Call, 403, "1010024", Category::Number);

    let e = client
        .click2call(&Click2Call::new(DISPLAY, CALLER, "+0123"))
        .unwrap_err();
    assert_platform(&e, Api::Click2Call, 500, "1020001", Category::Parameter);

    let e = client.call_stop(SPEC_SESSION_ID).unwrap_err();
    assert_platform(&e, Api::CallStop, 500, "1020152", Category::Parameter);

    // Every one of them reached the sandbox.
    assert_eq!(sb.requests(), 9);
}

/// The right `Authorization` value.
const AUTH: &str = voicecb::signing::AUTHORIZATION;

/// `x_aksk` without the attribute `name`.
fn x_aksk_without(x_aksk: &str, name: &str) -> String {
    let list = x_aksk
        .strip_prefix("UsernameToken ")
        .expect("UsernameToken prefix");
    let kept: Vec<&str> = list
        .split(',')
        .filter(|part| part.split_once('=').map(|(n, _)| n.trim()) != Some(name))
        .collect();
    assert_eq!(kept.len(), 3, "{name} not in {x_aksk}");
    format!("UsernameToken {}", kept.join(","))
}

/// A raw callStop (or other path) request with the given auth headers.
fn raw_request(path: &str, authorization: Option<&str>, x_aksk: Option<&str>) -> Vec<u8> {
    let body = format!(r#"{{"sessionid":"{SPEC_SESSION_ID}","signal":"call_stop"}}"#);
    let mut out = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json;charset=UTF-8\r\n"
    );
    if let Some(a) = authorization {
        out.push_str(&format!("Authorization: {a}\r\n"));
    }
    if let Some(x) = x_aksk {
        out.push_str(&format!("X-AKSK: {x}\r\n"));
    }
    out.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ));
    out.into_bytes()
}

/// What a raw request shows, its path, `Authorization`, `X-AKSK`, and the
/// status, code and category expected.
type HeaderCase = (
    &'static str,
    String,
    Option<String>,
    Option<String>,
    u16,
    &'static str,
    Category,
);

#[test]
fn header_refusals_from_raw_requests_parse_to_the_right_catalogue_rows() {
    let sb = Sandbox::start();
    let sign = || {
        voicecb::sign_with(
            KEY,
            SECRET,
            &voicecb::signing::fresh_nonce(),
            &voicecb::signing::created_now(0),
        )
        .unwrap()
        .x_aksk
    };
    let stop = voicecb::request::CALL_STOP_PATH;
    let x = sign();
    let bare = x.strip_prefix("UsernameToken ").unwrap().to_owned();
    let cases: Vec<HeaderCase> = vec![
        // Control: every header right, so the request gets past authentication.
        (
            "valid",
            stop.into(),
            Some(AUTH.into()),
            Some(sign()),
            500,
            "1020152",
            Category::Parameter,
        ),
        (
            "no Authorization",
            stop.into(),
            None,
            Some(sign()),
            400,
            "1023006",
            Category::AuthHeader,
        ),
        (
            "not AKSK",
            stop.into(),
            Some("Basic dXNlcjpwYXNz".into()),
            Some(sign()),
            400,
            "1023006",
            Category::AuthHeader,
        ),
        (
            "realm missing",
            stop.into(),
            Some(r#"AKSK profile="UsernameToken",type="Appkey""#.into()),
            Some(sign()),
            400,
            "1023007",
            Category::AuthHeader,
        ),
        (
            "profile missing",
            stop.into(),
            Some(r#"AKSK realm="SDP",type="Appkey""#.into()),
            Some(sign()),
            400,
            "1023008",
            Category::AuthHeader,
        ),
        (
            "realm not SDP",
            stop.into(),
            Some(r#"AKSK realm="XYZ",profile="UsernameToken",type="Appkey""#.into()),
            Some(sign()),
            400,
            "1023009",
            Category::AuthHeader,
        ),
        (
            "profile not UsernameToken",
            stop.into(),
            Some(r#"AKSK realm="SDP",profile="Digest",type="Appkey""#.into()),
            Some(sign()),
            400,
            "1023010",
            Category::AuthHeader,
        ),
        (
            "type not Appkey",
            stop.into(),
            Some(r#"AKSK realm="SDP",profile="UsernameToken",type="Token""#.into()),
            Some(sign()),
            400,
            "1023011",
            Category::AuthHeader,
        ),
        (
            "type missing",
            stop.into(),
            Some(r#"AKSK realm="SDP",profile="UsernameToken""#.into()),
            Some(sign()),
            400,
            "1023012",
            Category::AuthHeader,
        ),
        (
            "no X-AKSK",
            stop.into(),
            Some(AUTH.into()),
            None,
            400,
            "1023033",
            Category::AuthHeader,
        ),
        (
            "Username missing",
            stop.into(),
            Some(AUTH.into()),
            Some(x_aksk_without(&sign(), "Username")),
            400,
            "1023034",
            Category::AuthHeader,
        ),
        (
            "Nonce missing",
            stop.into(),
            Some(AUTH.into()),
            Some(x_aksk_without(&sign(), "Nonce")),
            400,
            "1023035",
            Category::AuthHeader,
        ),
        (
            "Created missing",
            stop.into(),
            Some(AUTH.into()),
            Some(x_aksk_without(&sign(), "Created")),
            400,
            "1023036",
            Category::AuthHeader,
        ),
        (
            "PasswordDigest missing",
            stop.into(),
            Some(AUTH.into()),
            Some(x_aksk_without(&sign(), "PasswordDigest")),
            400,
            "1023037",
            Category::AuthHeader,
        ),
        (
            "UsernameToken missing",
            stop.into(),
            Some(AUTH.into()),
            Some(bare),
            400,
            "1023038",
            Category::AuthHeader,
        ),
        (
            "unknown API path",
            "/rest/httpsessions/nope/v2.0".into(),
            Some(AUTH.into()),
            Some(sign()),
            403,
            "1010006",
            Category::Parameter,
        ),
    ];
    let mut seen = Vec::new();
    for (what, path, auth, x_aksk, status, code, category) in &cases {
        let answer = raw_http(
            sb.port(),
            &raw_request(path, auth.as_deref(), x_aksk.as_deref()),
        );
        assert_eq!(answer.status, *status, "{what}: {}", answer.text());
        assert_eq!(
            answer.json()["resultcode"],
            *code,
            "{what}: {}",
            answer.text()
        );
        let e = voicecb::response::parse_call_stop(answer.status, &answer.body).unwrap_err();
        let info = assert_platform(&e, Api::CallStop, *status, code, *category);
        assert_eq!(e.result_desc(), Some(info.en()), "{what}");
        assert!(!e.retryable(), "{what}");
        seen.push(*code);
    }
    // Every 400 row of the catalogue was produced.
    for info in codes::table(Api::CallStop).filter(|i| i.http_status() == 400) {
        assert!(seen.contains(&info.code()), "{} not exercised", info.code());
    }
    assert_eq!(sb.requests(), cases.len() as u64);
}

// ------------------------------------------------------------- validation

#[test]
fn validation_errors_send_nothing() {
    let sb = Sandbox::start();
    let client = sb.client();
    let cases: Vec<(Click2Call, &str)> = vec![
        (
            Click2Call::new(DISPLAY, "8613800000001", CALLEE),
            "callerNbr",
        ),
        (
            Click2Call::new(DISPLAY, CALLER, "+86 138 0000 0002"),
            "calleeNbr",
        ),
        (Click2Call::new("+86", CALLER, CALLEE), "displayNbr"),
        (
            Click2Call {
                display_callee_nbr: "+86755123456781234567890123456789".into(),
                ..request()
            },
            "displayCalleeNbr",
        ),
        (
            Click2Call {
                max_duration: Some(1441),
                ..request()
            },
            "maxDuration",
        ),
        (
            Click2Call {
                status_url: Some("https://example.com/status?x=1".into()),
                ..request()
            },
            "statusUrl",
        ),
        (
            Click2Call {
                fee_url: Some("https://example.com/fee_bill".into()),
                ..request()
            },
            "feeUrl",
        ),
        (
            Click2Call {
                user_data: Some("{\"id\":1}".into()),
                ..request()
            },
            "userData",
        ),
        // Each brace alone: a check of one of them would let the other through.
        (
            Click2Call {
                user_data: Some("id{1".into()),
                ..request()
            },
            "userData",
        ),
        (
            Click2Call {
                user_data: Some("id}1".into()),
                ..request()
            },
            "userData",
        ),
        (
            Click2Call {
                user_data: Some("客户123".into()),
                ..request()
            },
            "userData",
        ),
        (
            Click2Call {
                wait_voice: Some("w".repeat(129)),
                ..request()
            },
            "waitVoice",
        ),
    ];
    for (req, field) in &cases {
        let e = client.click2call(req).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{field}: {e}");
        assert_eq!(e.field(), Some(*field), "{e}");
        assert!(e.message().contains(field), "{e}");
        assert_eq!(e.http_status(), None);
    }
    let e = client.call_stop(&"s".repeat(257)).unwrap_err();
    assert_eq!(
        (e.kind(), e.field()),
        (ErrorKind::InvalidArgument, Some("sessionid")),
        "{e}"
    );
    let e = client.call_stop("").unwrap_err();
    assert_eq!(
        (e.kind(), e.field()),
        (ErrorKind::InvalidArgument, Some("sessionid")),
        "{e}"
    );
    assert_eq!(sb.requests(), 0, "an invalid request was sent");

    // The counter does count: one valid request shows up.
    client.click2call(&request()).unwrap();
    assert_eq!(sb.requests(), 1);

    let encoding = sb
        .builder()
        .encode_non_ascii_user_data(true)
        .build()
        .unwrap();
    let call = encoding
        .click2call(&Click2Call {
            user_data: Some("客户123".into()),
            ..request()
        })
        .expect("non-ASCII userData, encoded");
    assert!(looks_like_session_id(&call.session_id));
    assert_eq!(sb.requests(), 2);
}

#[test]
fn builder_errors_name_their_field() {
    let dir = common::TempDir::new("builder");
    let not_pem = dir.path().join("not-a-cert.pem");
    std::fs::write(&not_pem, "this is not a certificate\n").unwrap();
    let bad_pem = dir.path().join("bad.pem");
    std::fs::write(
        &bad_pem,
        "-----BEGIN CERTIFICATE-----\n!!!not base64!!!\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let ok = || ClientBuilder::new(KEY, SECRET);
    let cases: Vec<(ClientBuilder, &str)> = vec![
        (ClientBuilder::new("", SECRET), "app_key"),
        (ClientBuilder::new("key\r\nX-Evil: 1", SECRET), "app_key"),
        (ClientBuilder::new(KEY, ""), "app_secret"),
        (ok().base_url("ftp://x"), "base_url"),
        (ok().base_url("http://"), "base_url"),
        (ok().base_url("127.0.0.1:8080"), "base_url"),
        (ok().connect_timeout(Duration::ZERO), "connect_timeout"),
        (ok().timeout(Duration::ZERO), "timeout"),
        (ok().ca_file(dir.path().join("missing.pem")), "ca_file"),
        (ok().ca_file(&not_pem), "ca_file"),
        (ok().ca_file(&bad_pem), "ca_file"),
        (ok().proxy("fakeproto://localhost"), "proxy"),
        (ok().proxy("not a proxy url"), "proxy"),
        (ok().user_agent("agent/1\r\nX-Evil: 1"), "user_agent"),
        (ok().user_agent("agent/1\nX"), "user_agent"),
    ];
    for (builder, field) in cases {
        let text = format!("{builder:?}");
        let e = builder.build().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{text}: {e}");
        assert_eq!(e.field(), Some(field), "{text}: {e}");
        assert!(e.message().contains(field), "{e}");
    }
    // The same settings, valid, build.
    ok().base_url("http://127.0.0.1:1/prefix/")
        .allow_base_url_path(true)
        .proxy("http://127.0.0.1:3128")
        .user_agent("agent/1")
        .connect_timeout(Duration::from_millis(1))
        .timeout(Duration::from_millis(1))
        .build()
        .expect("a valid configuration");
}

// -------------------------------------------------------------- transport

#[test]
fn connection_refused_is_transport() {
    let port = refused_port();
    let client = Client::builder(KEY, SECRET)
        .base_url(format!("http://127.0.0.1:{port}"))
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let t0 = Instant::now();
    let e = client.click2call(&request()).unwrap_err();
    println!("refused: {:?} after {:?}: {e}", e.kind(), t0.elapsed());
    assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
    assert_eq!((e.http_status(), e.result_code()), (None, None));
    let e = client.call_stop(SPEC_SESSION_ID).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
}

#[test]
fn unresolvable_host_fails() {
    let client = Client::builder(KEY, SECRET)
        .base_url("http://voicecb-test.invalid:80")
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(4))
        .build()
        .unwrap();
    // Names under .invalid are refused by the library's resolver without a
    // DNS query (RFC 6761), so this test sends nothing off the host.
    let e = client.click2call(&request()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
    assert!(e.request_not_sent(), "a failed lookup sent nothing: {e}");
    assert!(e.message().contains("voicecb-test.invalid"), "{e}");
}

#[test]
fn timeout_is_honoured() {
    let server = FaultServer::silent();
    let short = Client::builder(KEY, SECRET)
        .base_url(server.base_url())
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let t0 = Instant::now();
    let e = short.click2call(&request()).unwrap_err();
    println!(
        "client timeout 500 ms: {:?} after {:?}: {e}",
        e.kind(),
        t0.elapsed()
    );
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert_eq!(e.timeout_limit(), Some(TimeoutLimit::Request), "{e}");

    let e = short.call_stop(SPEC_SESSION_ID).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert_eq!(e.timeout_limit(), Some(TimeoutLimit::Request), "{e}");

    let long = Client::builder(KEY, SECRET)
        .base_url(server.base_url())
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap();
    let t0 = Instant::now();
    let e = long
        .click2call_within(&request(), Some(Duration::from_millis(300)))
        .unwrap_err();
    println!(
        "per-call timeout 300 ms: {:?} after {:?}: {e}",
        e.kind(),
        t0.elapsed()
    );
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert_eq!(e.timeout_limit(), Some(TimeoutLimit::Call), "{e}");

    let e = long
        .call_stop_within(SPEC_SESSION_ID, Some(Duration::from_millis(300)))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert_eq!(e.timeout_limit(), Some(TimeoutLimit::Call), "{e}");
    assert!(
        server.accepted() >= 1,
        "the requests never reached the server"
    );
}

#[test]
fn zero_per_call_timeout_sends_nothing() {
    let sb = Sandbox::start();
    let client = sb.client();
    let e = client
        .click2call_within(&request(), Some(Duration::ZERO))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert_eq!(e.timeout_limit(), Some(TimeoutLimit::Call), "{e}");
    let e = client
        .call_stop_within(SPEC_SESSION_ID, Some(Duration::ZERO))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert_eq!(sb.requests(), 0);
    // A per-call timeout longer than the client's is just the client's.
    client
        .click2call_within(&request(), Some(Duration::from_secs(60)))
        .unwrap();
    assert_eq!(sb.requests(), 1);
}

// ---------------------------------------------------------- bad responses

const HTML_502: &str = "<html><body>502 Bad Gateway</body></html>";

fn http_answer(status_line: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status_line}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// A JSON body of exactly `len` bytes that would be a success if it were read.
fn padded_success(len: usize) -> Vec<u8> {
    let head = format!(
        r#"{{"resultcode":"0","resultdesc":"Success","sessionId":"{SPEC_SESSION_ID}","pad":""#
    );
    let tail = "\"}";
    let mut body = head.into_bytes();
    body.resize(len - tail.len(), b'p');
    body.extend_from_slice(tail.as_bytes());
    assert_eq!(body.len(), len);
    body
}

fn client_for(server: &FaultServer) -> voicecb::Client {
    Client::builder(KEY, SECRET)
        .base_url(server.base_url())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

#[test]
fn html_502_is_a_bad_response_with_the_excerpt() {
    let sb = Sandbox::start();
    let client = sb.client();
    sb.force_raw(502, HTML_502);
    let e = client.click2call(&request()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadResponse, "{e}");
    assert_eq!(e.http_status(), Some(502));
    assert!(e.message().contains("502 Bad Gateway"), "{e}");
    assert_eq!(e.result_code(), None);
    sb.force_raw(502, HTML_502);
    let e = client.call_stop(SPEC_SESSION_ID).unwrap_err();
    assert_eq!(
        (e.kind(), e.http_status()),
        (ErrorKind::BadResponse, Some(502)),
        "{e}"
    );

    let server = FaultServer::fixed(http_answer(
        "502 Bad Gateway",
        "text/html",
        HTML_502.as_bytes(),
    ));
    let e = client_for(&server).click2call(&request()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadResponse, "{e}");
    assert_eq!(e.http_status(), Some(502));
    assert!(e.message().contains("502 Bad Gateway"), "{e}");
}

#[test]
fn malformed_json_answers_are_bad_responses() {
    let sb = Sandbox::start();
    let client = sb.client();
    for (body, what) in [
        ("", "not JSON"),
        ("{}", "no resultcode"),
        (r#"{"resultcode": true}"#, "resultcode is not"),
        ("[1,2]", "not an object"),
    ] {
        sb.force_raw(200, body);
        let e = client.click2call(&request()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BadResponse, "{body:?}: {e}");
        assert_eq!(e.http_status(), Some(200), "{body:?}");
        assert!(e.message().contains(what), "{body:?}: {e}");
    }
    sb.force_raw(200, "");
    let e = client.call_stop(SPEC_SESSION_ID).unwrap_err();
    assert_eq!(
        (e.kind(), e.http_status()),
        (ErrorKind::BadResponse, Some(200)),
        "{e}"
    );
    assert_eq!(sb.counter("queued"), 0);
}

#[test]
fn oversized_bodies_are_refused() {
    for len in [100 * 1024, 10 * 1024 * 1024] {
        let server = FaultServer::fixed(http_answer(
            "200 OK",
            "application/json;charset=UTF-8",
            &padded_success(len),
        ));
        let t0 = Instant::now();
        let e = client_for(&server).click2call(&request()).unwrap_err();
        println!("{len}-byte body: {:?} after {:?}", e.kind(), t0.elapsed());
        assert_eq!(e.kind(), ErrorKind::BadResponse, "{len}: {e}");
        assert_eq!(e.http_status(), Some(200));
        assert!(e.message().contains("64 KiB"), "{e}");
        // The excerpt is short even though the body was not.
        assert!(
            e.message().len() < 1024,
            "{} bytes of message",
            e.message().len()
        );
    }
    // Just under the limit is read and parsed.
    let server = FaultServer::fixed(http_answer(
        "200 OK",
        "application/json",
        &padded_success(64 * 1024),
    ));
    let call = client_for(&server)
        .click2call(&request())
        .expect("a 64 KiB body");
    assert_eq!(call.session_id, SPEC_SESSION_ID);
}

#[test]
fn non_http_answers_are_errors() {
    // What ureq 3.5 makes of each, as observed: the SSH banner, binary junk
    // and the bad status line are ureq::Error::Protocol, which the library
    // maps to BadResponse; the silent close is an I/O error (Transport).
    let cases: [(&str, &[u8]); 4] = [
        (
            "SSH banner",
            b"SSH-2.0-OpenSSH_9.6\r\nProtocol mismatch.\r\n",
        ),
        (
            "binary junk",
            b"\x00\x01\x02\xff\xfe\r\n\r\n\x16\x03\x01garbage",
        ),
        (
            "bad status line",
            b"HTTP/1.1 abc Nope\r\nContent-Length: 0\r\n\r\n",
        ),
        ("close without answer", b""),
    ];
    for (what, answer) in cases {
        let server = FaultServer::fixed(answer);
        let t0 = Instant::now();
        let e = client_for(&server).click2call(&request()).unwrap_err();
        println!("{what}: {:?} after {:?}: {e}", e.kind(), t0.elapsed());
        assert!(
            matches!(e.kind(), ErrorKind::BadResponse | ErrorKind::Transport),
            "{what}: {e}"
        );
    }
}

// ------------------------------------------- forced answers for every row

#[test]
fn forced_answers_for_every_catalogue_entry() {
    let sb = Sandbox::start();
    let client = sb.client();
    let mut checked = 0;
    for info in codes::table(Api::Click2Call).filter(|i| i.code() != "0") {
        sb.force(info.http_status(), info.code(), None);
        let e = client.click2call(&request()).unwrap_err();
        let what = format!("click2Call {}/{}", info.http_status(), info.code());
        assert_eq!(e.kind(), ErrorKind::Platform, "{what}: {e}");
        assert_eq!(e.http_status(), Some(info.http_status()), "{what}");
        assert_eq!(e.result_code(), Some(info.code()), "{what}");
        let got = e
            .code_info()
            .unwrap_or_else(|| panic!("{what}: no catalogue entry"));
        assert!(std::ptr::eq(got, info), "{what}: got {got:?}");
        assert_eq!(e.retryable(), info.retryable(), "{what}");
        assert_eq!(e.result_desc(), Some(info.en()), "{what}");
        assert!(
            e.message().contains(info.advice()) && !e.message().contains(info.advice_zh()),
            "{what}: {e}"
        );
        checked += 1;
    }
    assert_eq!(checked, codes::table(Api::Click2Call).count() - 1);
    assert!(checked > 50, "{checked}");

    let mut checked = 0;
    for info in codes::table(Api::CallStop).filter(|i| i.code() != "0") {
        let call = client.click2call(&request()).expect("a fresh session");
        sb.force(info.http_status(), info.code(), None);
        let e = client.call_stop(&call.session_id).unwrap_err();
        let what = format!("callStop {}/{}", info.http_status(), info.code());
        assert_eq!(e.kind(), ErrorKind::Platform, "{what}: {e}");
        assert_eq!(e.http_status(), Some(info.http_status()), "{what}");
        assert_eq!(e.result_code(), Some(info.code()), "{what}");
        let got = e
            .code_info()
            .unwrap_or_else(|| panic!("{what}: no catalogue entry"));
        assert!(std::ptr::eq(got, info), "{what}: got {got:?}");
        assert_eq!(e.retryable(), info.retryable(), "{what}");
        assert_eq!(e.result_desc(), Some(info.en()), "{what}");
        checked += 1;
    }
    assert_eq!(checked, codes::table(Api::CallStop).count() - 1);
    assert!(checked > 20, "{checked}");

    // A code the catalogue does not know keeps the platform's own text.
    sb.force(403, "1999999", Some("A brand new refusal."));
    let e = client.click2call(&request()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Platform, "{e}");
    assert_eq!(
        (e.http_status(), e.result_code()),
        (Some(403), Some("1999999"))
    );
    assert_eq!(e.result_desc(), Some("A brand new refusal."));
    assert!(e.message().contains("A brand new refusal."), "{e}");
    assert!(e.code_info().is_none());
    assert!(!e.retryable());

    // Success without a session id is not a success.
    sb.force(200, "0", None);
    let e = client.click2call(&request()).unwrap_err();
    assert_eq!(
        (e.kind(), e.http_status()),
        (ErrorKind::BadResponse, Some(200)),
        "{e}"
    );
    assert!(e.message().contains("sessionId"), "{e}");
    assert_eq!(sb.counter("queued"), 0);
}

/// A body that reads as success, sessionId included, so that only the
/// HTTP status tells it is not one.
const SUCCESS_BODY: &str = r#"{"resultcode":"0","resultdesc":"Success","sessionId":"1200_366_0_20161228102743@callenabler.home1.com"}"#;

#[test]
fn an_http_error_with_resultcode_0_is_not_a_success() {
    let sb = Sandbox::start();
    let client = sb.client();
    sb.force_raw(500, SUCCESS_BODY);
    let e = client
        .click2call(&request())
        .expect_err("HTTP 500 with resultcode 0 taken as success");
    assert_eq!(
        (e.kind(), e.http_status(), e.result_code()),
        (ErrorKind::Platform, Some(500), Some("0")),
        "{e}"
    );
    sb.force(500, "0", None);
    let e = client
        .call_stop(SPEC_SESSION_ID)
        .expect_err("HTTP 500 with resultcode 0 taken as success");
    assert_eq!(
        (e.kind(), e.http_status(), e.result_code()),
        (ErrorKind::Platform, Some(500), Some("0")),
        "{e}"
    );
    assert_eq!(sb.counter("queued"), 0);
}

// ---------------------------------------------------------- thread safety

#[test]
fn one_client_shared_by_eight_threads() {
    let sb = Sandbox::start();
    let client = sb.client();
    let before = sb.counter("click2call");
    let ids: Vec<String> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..8)
            .map(|_| {
                s.spawn(|| {
                    (0..25)
                        .map(|_| {
                            client
                                .click2call(&request())
                                .expect("a concurrent call")
                                .session_id
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a worker panicked"))
            .collect()
    });
    assert_eq!(ids.len(), 200);
    let unique: std::collections::HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), 200, "session ids repeat");
    assert_eq!(sb.counter("click2call") - before, 200);
    assert_eq!(sb.counter("active_sessions"), 200);
}

// ---------------------------------------------------------------- secrets

#[test]
fn the_secret_never_shows() {
    const APP: &str = "secret-test-app";
    const HIDDEN: &str = "Hidden-S3cret-Value-7f3a91";
    let sb = Sandbox::start_with(&["--app-key", APP, "--app-secret", HIDDEN]);
    let builder = Client::builder(APP, HIDDEN)
        .base_url(sb.base_url())
        .timeout(Duration::from_secs(5));
    let builder_debug = format!("{builder:?}");
    assert!(!builder_debug.contains(HIDDEN), "{builder_debug}");
    assert!(builder_debug.contains(APP), "{builder_debug}");
    let client = builder.clone().build().unwrap();
    let client_debug = format!("{client:?}");
    assert!(!client_debug.contains(HIDDEN), "{client_debug}");
    assert!(client_debug.contains(APP), "{client_debug}");

    // It works: this secret is the sandbox's.
    client.click2call(&request()).expect("the right secret");

    let mut errors: Vec<(&str, Error)> = Vec::new();
    errors.push((
        "platform 1020152",
        client.call_stop(SPEC_SESSION_ID).unwrap_err(),
    ));
    sb.force(403, "1010010", None);
    errors.push((
        "forced platform",
        client.click2call(&request()).unwrap_err(),
    ));
    errors.push((
        "wrong app",
        Client::builder(KEY, HIDDEN)
            .base_url(sb.base_url())
            .build()
            .unwrap()
            .click2call(&request())
            .unwrap_err(),
    ));
    errors.push((
        "validation",
        client
            .click2call(&Click2Call::new(DISPLAY, "bad", CALLEE))
            .unwrap_err(),
    ));
    errors.push((
        "builder",
        Client::builder(APP, HIDDEN)
            .base_url("ftp://x")
            .build()
            .unwrap_err(),
    ));
    errors.push((
        "refused",
        builder
            .clone()
            .base_url(format!("http://127.0.0.1:{}", refused_port()))
            .build()
            .unwrap()
            .click2call(&request())
            .unwrap_err(),
    ));
    let silent = FaultServer::silent();
    errors.push((
        "timeout",
        builder
            .clone()
            .base_url(silent.base_url())
            .timeout(Duration::from_millis(300))
            .build()
            .unwrap()
            .click2call(&request())
            .unwrap_err(),
    ));
    sb.force_raw(502, HTML_502);
    errors.push(("bad response", client.click2call(&request()).unwrap_err()));
    let kinds: Vec<ErrorKind> = errors.iter().map(|(_, e)| e.kind()).collect();
    for kind in [
        ErrorKind::Platform,
        ErrorKind::InvalidArgument,
        ErrorKind::Transport,
        ErrorKind::Timeout,
        ErrorKind::BadResponse,
    ] {
        assert!(kinds.contains(&kind), "no {kind:?} among {kinds:?}");
    }
    for (what, e) in &errors {
        let display = format!("{e}");
        let debug = format!("{e:?}");
        assert!(!display.contains(HIDDEN), "{what}: {display}");
        assert!(!debug.contains(HIDDEN), "{what}: {debug}");
    }
}

#[test]
fn odd_http_answers() {
    // A redirect is not followed (the signed headers must not travel to
    // another host): the 3xx itself is the bad response.
    let elsewhere = FaultServer::fixed(http_answer(
        "200 OK",
        "application/json",
        br#"{"resultcode":"0","sessionId":"x"}"#,
    ));
    let redirect = FaultServer::fixed(
        format!(
            "HTTP/1.1 302 Found\r\nLocation: {}/x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            elsewhere.base_url()
        )
        .into_bytes(),
    );
    let e = client_for(&redirect).click2call(&request()).unwrap_err();
    assert_eq!(
        (e.kind(), e.http_status()),
        (ErrorKind::BadResponse, Some(302)),
        "{e}"
    );
    assert_eq!(elsewhere.accepted(), 0, "the redirect was followed");

    // A head larger than ureq's 64 KiB limit: ureq::Error::LargeResponseHeader.
    let mut big_head = b"HTTP/1.1 200 OK\r\nX-Pad: ".to_vec();
    big_head.extend(std::iter::repeat_n(b'h', 100 * 1024));
    big_head.extend_from_slice(b"\r\nContent-Length: 2\r\n\r\n{}");
    let e = client_for(&FaultServer::fixed(big_head))
        .click2call(&request())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadResponse, "{e}");

    // A chunked body over 64 KiB, with no Content-Length to go by.
    let mut chunked =
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
    for _ in 0..100 {
        chunked.extend_from_slice(b"400\r\n");
        chunked.extend(std::iter::repeat_n(b'a', 1024));
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let e = client_for(&FaultServer::fixed(chunked))
        .click2call(&request())
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.http_status()),
        (ErrorKind::BadResponse, Some(200)),
        "{e}"
    );
    assert!(e.message().contains("64 KiB"), "{e}");

    // A body cut short of its Content-Length: ureq reports the early close
    // as an I/O error ("Peer disconnected"), so Transport.
    let truncated =
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{\"resultcode\":\"0\""
            .to_vec();
    let e = client_for(&FaultServer::fixed(truncated))
        .click2call(&request())
        .unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Transport | ErrorKind::BadResponse),
        "{e}"
    );
    println!("truncated body: {:?}: {e}", e.kind());
}
