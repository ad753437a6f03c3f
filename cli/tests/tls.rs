//! The Rust client over HTTPS against `voicecb sandbox --tls-dir`, whose
//! certificate is made at test time by a throwaway CA (`ca.pem`): trusted
//! with that CA, refused with the TLS error kind (before anything is sent)
//! without it, for a name it does not cover and when expired; insecure mode
//! is the one way past a bad certificate. No error text holds the secret.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{BIN, CALLEE, CALLER, DISPLAY, KEY, Sandbox, TempDir, TlsSandbox};
use voicecb::{Click2Call, Client, ClientBuilder, Error, ErrorKind};

/// The sandbox's default app secret: must not show in any error text.
const SECRET: &str = common::SECRET;

/// A secret of its own for the sandboxes that take `--app-secret`, long and
/// unlike anything a TLS library would print.
const OWN_SECRET: &str = "tls-test-secret-9f3c2a7b51e04d68";

fn request() -> Click2Call {
    Click2Call::new(DISPLAY, CALLER, CALLEE)
}

/// Places a call, then stops it: both API calls over the connection.
fn both_calls(client: &Client) -> Result<(), Error> {
    let call = client.click2call(&request())?;
    client.call_stop(&call.session_id)
}

fn build(builder: ClientBuilder) -> Client {
    builder.build().expect("build the client")
}

/// Neither the error's text nor its debug form holds `secret`.
fn assert_no_secret(e: &Error, secret: &str) {
    for text in [e.to_string(), format!("{e:?}"), e.message().to_owned()] {
        assert!(!text.contains(secret), "the secret leaked: {text}");
    }
}

/// A TLS failure: the TLS kind (never Transport), nothing sent, no secret.
fn assert_tls_failure(e: &Error, what: &str, secret: &str) {
    assert_eq!(e.kind(), ErrorKind::Tls, "{what}: {e}");
    assert_ne!(e.kind(), ErrorKind::Transport, "{what}: {e}");
    assert!(
        e.request_not_sent(),
        "{what}: request_not_sent() is false: {e}"
    );
    assert_eq!(e.http_status(), None, "{what}: {e}");
    assert_no_secret(e, secret);
}

/// Both calls fail as TLS failures, and the sandbox saw no request.
fn assert_both_refused(client: &Client, what: &str, secret: &str) {
    let e = client.click2call(&request()).expect_err(what);
    assert_tls_failure(&e, &format!("{what} (click2Call)"), secret);
    let e = client
        .call_stop("1200_366_0_20161228102743@callenabler.home1.com")
        .expect_err(what);
    assert_tls_failure(&e, &format!("{what} (callStop)"), secret);
}

#[test]
fn with_the_test_ca_both_calls_succeed_by_name_and_by_address() {
    let sb = TlsSandbox::start(&[]);
    for host in ["localhost", "127.0.0.1"] {
        let client = build(sb.builder(host).ca_file(sb.ca_file()));
        both_calls(&client).unwrap_or_else(|e| panic!("https://{host}: {e}"));
    }
    let stats = sb.stats();
    assert_eq!(stats["click2call"], 2, "{stats}");
    assert_eq!(stats["callstop"], 2, "{stats}");
    assert_eq!(
        stats["last_user_agent"],
        voicecb::client::DEFAULT_USER_AGENT,
        "{stats}"
    );
    // One client, many calls: the kept-alive TLS connection is reused.
    let client = build(sb.builder("localhost").ca_file(sb.ca_file()));
    for _ in 0..5 {
        both_calls(&client).expect("calls on a reused connection");
    }
}

#[test]
fn only_the_ca_certificate_is_written() {
    let sb = TlsSandbox::start(&[]);
    let names: Vec<String> = std::fs::read_dir(sb.tls_dir())
        .expect("the TLS directory")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["ca.pem"]);
    let pem = std::fs::read_to_string(sb.ca_file()).unwrap();
    assert_eq!(
        pem.matches("-----BEGIN CERTIFICATE-----").count(),
        1,
        "{pem}"
    );
    assert!(!pem.contains("PRIVATE KEY"), "{pem}");
}

#[test]
fn without_the_ca_calls_fail_with_the_tls_kind_before_sending() {
    let sb = TlsSandbox::start(&[]);
    for host in ["localhost", "127.0.0.1"] {
        let client = build(sb.builder(host));
        assert_both_refused(&client, &format!("no CA, {host}"), SECRET);
    }
    assert_eq!(
        sb.counter("requests"),
        0,
        "a refused handshake sent nothing"
    );
}

#[test]
fn another_sandboxs_ca_is_not_trusted() {
    let sb = TlsSandbox::start(&[]);
    let other = TlsSandbox::start(&[]);
    let client = build(sb.builder("localhost").ca_file(other.ca_file()));
    assert_both_refused(&client, "another CA", SECRET);
    assert_eq!(sb.counter("requests"), 0);
}

#[test]
fn a_name_the_certificate_does_not_cover_fails_even_with_the_ca() {
    let sb = TlsSandbox::start(&[
        "--tls-host",
        "other.example",
        "--app-key",
        KEY,
        "--app-secret",
        OWN_SECRET,
    ]);
    for host in ["localhost", "127.0.0.1"] {
        let client = build(
            Client::builder(KEY, OWN_SECRET)
                .base_url(sb.url(host))
                .timeout(Duration::from_secs(5))
                .ca_file(sb.ca_file()),
        );
        assert_both_refused(&client, &format!("wrong host, {host}"), OWN_SECRET);
    }
}

#[test]
fn an_expired_certificate_fails_even_with_the_ca() {
    let sb = TlsSandbox::start(&[
        "--tls-expired",
        "--app-key",
        KEY,
        "--app-secret",
        OWN_SECRET,
    ]);
    for host in ["localhost", "127.0.0.1"] {
        let client = build(
            Client::builder(KEY, OWN_SECRET)
                .base_url(sb.url(host))
                .timeout(Duration::from_secs(5))
                .ca_file(sb.ca_file()),
        );
        assert_both_refused(&client, &format!("expired, {host}"), OWN_SECRET);
    }
}

#[test]
fn insecure_mode_gets_past_every_bad_certificate() {
    let unknown = TlsSandbox::start(&[]);
    let wrong_host = TlsSandbox::start(&["--tls-host", "other.example"]);
    let expired = TlsSandbox::start(&["--tls-expired"]);
    for (sb, what) in [
        (&unknown, "unknown CA"),
        (&wrong_host, "wrong host"),
        (&expired, "expired"),
    ] {
        // Refused without insecure mode, with or without the CA...
        for with_ca in [false, true] {
            let mut builder = sb.builder("localhost");
            if with_ca {
                builder = builder.ca_file(sb.ca_file());
            }
            if what == "unknown CA" && with_ca {
                continue; // that one is the good case
            }
            let e = build(builder)
                .click2call(&request())
                .expect_err("a bad certificate");
            assert_tls_failure(&e, what, SECRET);
        }
        // ...and let through with it, CA file or not.
        for with_ca in [false, true] {
            let mut builder = sb.builder("localhost").insecure_skip_verify(true);
            if with_ca {
                builder = builder.ca_file(sb.ca_file());
            }
            both_calls(&build(builder))
                .unwrap_or_else(|e| panic!("{what}, insecure, CA file {with_ca}: {e}"));
        }
    }
    // Every refusal was at the handshake: only the insecure calls arrived.
    assert_eq!(wrong_host.counter("requests"), 4);
    assert_eq!(unknown.counter("requests"), 4);
}

#[test]
fn plain_http_against_the_https_port_is_a_bad_response() {
    let sb = TlsSandbox::start(&[]);
    let client = build(
        Client::builder(KEY, SECRET)
            .base_url(format!("http://127.0.0.1:{}", sb.port()))
            .timeout(Duration::from_secs(5)),
    );
    let e = client
        .click2call(&request())
        .expect_err("plain HTTP to HTTPS");
    // BadResponse, not Transport: the sandbox reads the request as a TLS
    // record, finds it is not one, answers with a TLS decode_error alert (7
    // bytes: 15 03 03 00 02 02 32), drains what the client still sends and
    // closes cleanly (FIN, no reset). So the client always gets bytes back,
    // and they are not an HTTP status line.
    assert_eq!(e.kind(), ErrorKind::BadResponse, "{e}");
    assert!(!e.request_not_sent(), "the request was written: {e}");
    assert!(
        e.message()
            .ends_with("; if the server speaks TLS (HTTPS), use an https:// base URL"),
        "{e}"
    );
    assert_no_secret(&e, SECRET);
    // The sandbox never got an HTTP request, and still serves HTTPS.
    assert_eq!(sb.counter("requests"), 0);
    both_calls(&build(sb.builder("localhost").ca_file(sb.ca_file()))).expect("HTTPS still works");
}

#[test]
fn https_against_a_plain_http_sandbox_is_a_tls_failure() {
    let sb = Sandbox::start();
    let client = build(
        Client::builder(KEY, SECRET)
            .base_url(format!("https://127.0.0.1:{}", sb.port()))
            .timeout(Duration::from_secs(5))
            .insecure_skip_verify(true),
    );
    let e = client
        .click2call(&request())
        .expect_err("HTTPS to plain HTTP");
    // The ClientHello is not HTTP; the sandbox answers 400 in plain text,
    // which the client's TLS layer rejects as not a TLS record: even
    // insecure mode does not get past a server that does not speak TLS.
    assert_tls_failure(&e, "HTTPS to HTTP", SECRET);
    assert_eq!(sb.requests(), 0);
    assert!(
        e.message().ends_with(
            "; nothing was sent; the server answered with something that is not TLS: \
             it may speak plain HTTP (then use an http:// base URL)"
        ),
        "{e}"
    );
    // A certificate the client does not trust is another matter: no hint.
    let tls = TlsSandbox::start(&[]);
    let e = build(tls.builder("localhost")).call_stop("s").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Tls, "{e}");
    assert!(!e.message().contains("plain HTTP"), "{e}");
}

/// A `voicecb sandbox` child killed and reaped when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_listening_line_says_https_and_ca_pem_comes_before_the_port_file() {
    let dir = TempDir::new("tls-line");
    let tls_dir = dir.path().join("made-by-the-sandbox");
    let port_file = dir.path().join("port");
    let mut child = Killed(
        Command::new(BIN)
            .arg("sandbox")
            .arg("--tls-dir")
            .arg(&tls_dir)
            .arg("--port-file")
            .arg(&port_file)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn `voicecb sandbox`"),
    );
    let stdout = child.0.stdout.take().unwrap();
    let mut line = String::new();
    // The sandbox prints this one line, then nothing until it stops.
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the listening line");
    let deadline = Instant::now() + Duration::from_secs(10);
    let port = loop {
        if let Ok(text) = std::fs::read_to_string(&port_file) {
            break text.trim().parse::<u16>().expect("a port");
        }
        assert!(Instant::now() < deadline, "no port file within 10 s");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(tls_dir.join("ca.pem").is_file());
    assert_eq!(
        line,
        format!("voicecb sandbox listening on https://127.0.0.1:{port}\n")
    );
    let client = build(
        Client::builder(KEY, SECRET)
            .base_url(format!("https://localhost:{port}"))
            .timeout(Duration::from_secs(5))
            .ca_file(tls_dir.join("ca.pem")),
    );
    both_calls(&client).expect("calls to the sandbox started by hand");
}

#[test]
fn sandbox_help_lists_the_tls_flags() {
    let out = Command::new(BIN)
        .args(["sandbox", "--help"])
        .output()
        .expect("run `voicecb sandbox --help`");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for flag in ["--tls-dir DIR", "--tls-host NAME", "--tls-expired"] {
        assert!(text.contains(flag), "{flag} missing from:\n{text}");
    }
    // Misuse is a usage error (status 2) naming the flag.
    let out = Command::new(BIN)
        .args(["sandbox", "--tls-expired"])
        .stdin(Stdio::null())
        .output()
        .expect("run `voicecb sandbox --tls-expired`");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--tls-expired needs --tls-dir"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
