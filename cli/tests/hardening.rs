//! Issue 12: answers of a malicious or broken server never lose a placed
//! call, and no option can send a signed request where the user did not
//! point it. Every server here is a raw TCP listener of the test's own on
//! 127.0.0.1 port 0.

mod common;

use std::time::Duration;

use common::{CALLEE, CALLER, DISPLAY, FaultServer, KEY, SECRET};
use voicecb::{Click2Call, Client, ClientBuilder, ErrorKind};

fn request() -> Click2Call {
    Click2Call::new(DISPLAY, CALLER, CALLEE)
}

fn answer(status_line: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status_line}\r\nContent-Type: application/json;charset=UTF-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

fn send(status_line: &str, body: &[u8]) -> Result<voicecb::CallResult, voicecb::Error> {
    let server = FaultServer::fixed(answer(status_line, body));
    Client::builder(KEY, SECRET)
        .base_url(server.base_url())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
        .click2call(&request())
}

#[test]
fn odd_idle_ports_keep_the_call() {
    for (i, port) in ["-1", "70000", "\"abc\"", "1.5", "{\"n\":1}"]
        .iter()
        .enumerate()
    {
        let body = format!(r#"{{"resultcode":"0","sessionId":"s-{i}","idlePort":{port}}}"#);
        let call = send("200 OK", body.as_bytes()).unwrap_or_else(|e| panic!("{port}: {e}"));
        println!(
            "idlePort {port}: session {:?}, idle_port {:?}",
            call.session_id, call.idle_port
        );
        assert_eq!(call.idle_port, None, "{port}");
        assert!(call.session_id.starts_with("s-"), "{port}");
    }
}

#[test]
fn refusals_with_a_session_id_carry_it() {
    for status in ["302 Found", "500 Internal Server Error"] {
        let e = send(
            status,
            br#"{"resultcode":"0","resultdesc":"ok","sessionId":"placed-1"}"#,
        )
        .unwrap_err();
        println!(
            "{status}: {:?} session_id={:?}: {e}",
            e.kind(),
            e.session_id()
        );
        assert_eq!(e.kind(), ErrorKind::Platform, "{e}");
        assert_eq!(e.session_id(), Some("placed-1"), "{e}");
    }
    let mut big = br#"{"resultcode":"0","sessionId":"placed-big","pad":""#.to_vec();
    big.resize(100 * 1024, b'p');
    big.extend_from_slice(b"\"}");
    let e = send("200 OK", &big).unwrap_err();
    assert_eq!(
        (e.kind(), e.session_id()),
        (ErrorKind::BadResponse, Some("placed-big")),
        "{e}"
    );
    let e = send(
        "200 OK",
        b"{\"resultcode\":\"0\",\"sessionId\":\"placed-2\",\"x\":\"\xff\"}",
    )
    .unwrap_err();
    assert_eq!(
        (e.kind(), e.session_id()),
        (ErrorKind::BadResponse, Some("placed-2")),
        "{e}"
    );
}

#[test]
fn control_characters_in_a_session_id_are_a_bad_response_carrying_it_escaped() {
    let e = send(
        "200 OK",
        b"{\"resultcode\":\"0\",\"sessionId\":\"id\\r\\nX: y\\u001b]0;t\\u0007\"}",
    )
    .unwrap_err();
    println!(
        "CR/LF/ESC sessionId: {:?} session_id={:?}: {e}",
        e.kind(),
        e.session_id()
    );
    assert_eq!(e.kind(), ErrorKind::BadResponse);
    assert_eq!(e.session_id(), Some("id\\r\\nX: y\\u{1b}]0;t\\u{7}"));
    assert!(!e.message().contains(|c: char| c.is_control()), "{e:?}");
}

#[test]
fn result_desc_is_escaped_in_messages() {
    let e = send(
        "403 Forbidden",
        b"{\"resultcode\":\"1010010\",\"resultdesc\":\"a\\r\\nb\\u001b[2J\"}",
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Platform);
    assert_eq!(e.result_desc(), Some("a\r\nb\x1b[2J"));
    assert!(!e.message().contains(|c: char| c.is_control()), "{e:?}");
}

fn refused(builder: ClientBuilder, field: &str) -> String {
    let text = format!("{builder:?}");
    let e = builder
        .build()
        .err()
        .unwrap_or_else(|| panic!("built: {text}"));
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{text}: {e}");
    assert_eq!(e.field(), Some(field), "{text}: {e}");
    assert!(e.request_not_sent());
    e.message().to_owned()
}

fn ok() -> ClientBuilder {
    Client::builder(KEY, SECRET)
}

/// A base URL that passes the scheme, host and port checks but makes no
/// URL (a host that is not ASCII, characters a URL cannot carry) is refused
/// when the client is built, not at its first call.
#[test]
fn a_base_url_that_makes_no_url_is_refused_when_built() {
    for url in [
        "http://例え.jp",
        "http://exa\"mple.com:80",
        "https://a<b>:443",
    ] {
        let m = refused(ok().base_url(url), "base_url");
        assert!(m.contains("does not make a valid URL"), "{url}: {m}");
    }
}

#[test]
fn ports_outside_1_to_65535_are_refused() {
    for url in [
        "http://h:abc",
        "http://h:83626",
        "https://h:70000",
        "http://127.0.0.1:",
        "http://127.0.0.1:0",
        "http://127.0.0.1:-1",
        "http://127.0.0.1:+80",
        "http://[::1]:99999",
        "http://[::1]x",
        "http://h:80:81",
    ] {
        let m = refused(ok().base_url(url), "base_url");
        println!("base_url {url}: {m}");
        let m = refused(ok().proxy(url), "proxy");
        println!("proxy {url}: {m}");
    }
    for url in [
        "http://h:1",
        "https://h:65535",
        "http://[::1]:8080",
        "http://h",
        "HTTPS://h/",
    ] {
        ok().base_url(url)
            .build()
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        ok().proxy(url)
            .build()
            .unwrap_or_else(|e| panic!("{url}: {e}"));
    }
    ok().proxy("http://user:pa:ss@h:3128")
        .build()
        .expect("proxy credentials");
}

#[test]
fn only_http_and_https_proxies() {
    for url in [
        "socks5://127.0.0.1:1080",
        "socks4://h:1",
        "socks5h://h:1",
        "ftp://h:21",
        "127.0.0.1:3128",
    ] {
        let m = refused(ok().proxy(url), "proxy");
        println!("proxy {url}: {m}");
    }
}

#[test]
fn a_base_url_path_must_be_asked_for() {
    let url = "https://rtccall.example.com:443/rest/httpsessions/click2Call/v2.0";
    let m = refused(ok().base_url(url), "base_url");
    assert!(
        m.contains("1010006") && m.contains("allow_base_url_path"),
        "{m}"
    );
    ok().base_url("http://h:1/")
        .build()
        .expect("a lone slash is no path");
    ok().base_url("http://h:1/gw")
        .allow_base_url_path(true)
        .build()
        .expect("asked for");
    refused(ok().base_url("http://user:pw@h:1"), "base_url");
}

#[test]
fn clock_offset_is_at_most_a_day() {
    for secs in [i64::MIN, i64::MAX, 86_401, -86_401] {
        let m = refused(ok().clock_offset_secs(secs), "clock_offset_secs");
        println!("clock_offset_secs {secs}: {m}");
    }
    // At the maximum both ways a call is signed (and refused by the server
    // for its own reasons, never a panic).
    for secs in [86_400, -86_400, 0] {
        let server =
            FaultServer::fixed(answer("200 OK", br#"{"resultcode":"0","sessionId":"ok"}"#));
        let client = ok()
            .base_url(server.base_url())
            .clock_offset_secs(secs)
            .build()
            .unwrap();
        assert_eq!(
            client.click2call(&request()).unwrap().session_id,
            "ok",
            "{secs}"
        );
    }
}

#[test]
fn app_key_and_secret_have_a_maximum_length() {
    let long = "k".repeat(voicecb::client::MAX_APP_KEY_LEN + 1);
    let m = refused(Client::builder(&long, SECRET), "app_key");
    assert!(m.contains("256") && !m.contains(&long), "{m}");
    let m = refused(Client::builder(KEY, &long), "app_secret");
    assert!(m.contains("256") && !m.contains(&long), "{m}");
    refused(Client::builder("k".repeat(10 << 20), SECRET), "app_key");
    Client::builder("k".repeat(256), "s".repeat(256))
        .build()
        .expect("at the maximum");
}

fn status_with_fields(n: usize) -> Vec<u8> {
    let info: Vec<String> = (0..n).map(|i| format!(r#""f{i:05}":"v{i}""#)).collect();
    format!(
        r#"{{"eventType":"answer","statusInfo":{{{}}}}}"#,
        info.join(",")
    )
    .into_bytes()
}

#[test]
fn notification_objects_have_at_most_max_fields() {
    use voicecb::notify::{self, MAX_FIELDS};
    let n = notify::parse(&status_with_fields(MAX_FIELDS)).unwrap();
    let voicecb::Notification::Status(ev) = n else {
        panic!("not a status")
    };
    assert_eq!(ev.info().unwrap().len(), MAX_FIELDS);
    let e = notify::parse(&status_with_fields(MAX_FIELDS + 1)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadNotification);
    assert!(e.message().contains("statusInfo has 1025 fields"), "{e}");
    let record: Vec<String> = (0..=MAX_FIELDS).map(|i| format!(r#""f{i}":1"#)).collect();
    let bill = format!(
        r#"{{"eventType":"fee","feeLst":[{{{}}}]}}"#,
        record.join(",")
    );
    let e = notify::parse(bill.as_bytes()).unwrap_err();
    assert!(e.message().contains("feeLst[0] has 1025 fields"), "{e}");
}

#[test]
fn a_fee_push_without_fee_lst_is_a_bill_of_no_records() {
    match voicecb::notify::parse(br#"{"eventType":"fee"}"#).unwrap() {
        voicecb::Notification::Bill(b) => assert!(b.records.is_empty()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn notification_urls_are_checked_in_their_base64_form() {
    let url = format!("https://{}", "a".repeat(89)); // 97 bytes
    let req = Click2Call {
        status_url: Some(url),
        ..request()
    };
    let server = FaultServer::fixed(answer("200 OK", br#"{"resultcode":"0","sessionId":"s"}"#));
    let client = ok().base_url(server.base_url()).build().unwrap();
    let e = client.click2call(&req).unwrap_err();
    println!("statusUrl of 97 bytes: {e}");
    assert_eq!(
        (e.kind(), e.field(), e.request_not_sent()),
        (ErrorKind::InvalidArgument, Some("statusUrl"), true)
    );
    assert!(e.message().contains("97 bytes, 132 in Base64"), "{e}");
    assert_eq!(server.accepted(), 0, "nothing was sent");
}
