//! Retries that never place a call twice, and what a clock refusal says.
//! Each test counts the requests the server received.

mod common;

use std::time::Duration;

use common::{CALLEE, CALLER, DISPLAY, FaultServer, Sandbox, quick_retries, refused_port};
use serde_json::json;
use voicecb::client::RetryPolicy;
use voicecb::{Click2Call, ErrorKind};

fn request() -> Click2Call {
    Click2Call::new(DISPLAY, CALLER, CALLEE)
}

#[test]
fn retry_safe_refusals_are_retried_until_success() {
    let sb = Sandbox::start();
    let client = sb.builder().retry(quick_retries(3)).build().unwrap();
    // 403/1010010 (flow control) says the call was not placed.
    sb.admin_post(
        "/__sandbox/next",
        &json!({"http_status": 403, "resultcode": "1010010", "count": 2}),
    );
    let call = client.click2call(&request()).expect("third try succeeds");
    assert!(!call.session_id.is_empty());
    assert_eq!(sb.counter("click2call"), 3);
}

#[test]
fn retries_stop_after_max_attempts() {
    let sb = Sandbox::start();
    let client = sb.builder().retry(quick_retries(2)).build().unwrap();
    sb.admin_post(
        "/__sandbox/next",
        &json!({"http_status": 500, "resultcode": "1020154", "count": 5}),
    );
    let e = client.click2call(&request()).unwrap_err();
    assert_eq!(
        (e.kind(), e.result_code()),
        (ErrorKind::Platform, Some("1020154"))
    );
    assert_eq!(sb.counter("click2call"), 2);
}

#[test]
fn refusals_that_may_have_placed_the_call_are_not_retried() {
    let sb = Sandbox::start();
    let client = sb.builder().retry(quick_retries(5)).build().unwrap();
    // 1023002 "response timeout": for click2Call the call may exist.
    for (status, code) in [
        (500, "1023002"),
        (500, "1010001"),
        (401, "1010010"),
        (403, "1013004"),
    ] {
        sb.reset();
        sb.admin_post(
            "/__sandbox/next",
            &json!({"http_status": status, "resultcode": code, "count": 5}),
        );
        let e = client.click2call(&request()).unwrap_err();
        assert_eq!(e.result_code(), Some(code));
        assert_eq!(sb.counter("click2call"), 1, "{status}/{code} was retried");
    }
    // The same 1023002 is retry-safe for callStop.
    sb.reset();
    let call = client.click2call(&request()).unwrap();
    sb.admin_post(
        "/__sandbox/next",
        &json!({"http_status": 500, "resultcode": "1023002", "count": 1}),
    );
    client
        .call_stop(&call.session_id)
        .expect("the second try stops the call");
    assert_eq!(sb.counter("callstop"), 2);
}

#[test]
fn click2call_is_never_resent_after_the_request_may_have_left() {
    // The server reads the request, then closes without answering.
    let server = FaultServer::fixed(Vec::new());
    let client = voicecb::Client::builder("k", "s")
        .base_url(server.base_url())
        .timeout(Duration::from_secs(3))
        .retry(quick_retries(4))
        .build()
        .unwrap();
    let e = client.click2call(&request()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
    assert!(!e.request_not_sent());
    assert_eq!(server.accepted(), 1, "click2Call was sent again");

    // callStop may be repeated: stopping twice is harmless.
    let e = client
        .call_stop("1234_567_0_20261128000000@callenabler.home1.com")
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport);
    assert_eq!(server.accepted(), 1 + 4, "callStop was not retried");
}

#[test]
fn a_timeout_after_sending_is_not_retried_for_click2call() {
    let server = FaultServer::silent();
    let client = voicecb::Client::builder("k", "s")
        .base_url(server.base_url())
        .timeout(Duration::from_millis(300))
        .retry(quick_retries(3))
        .build()
        .unwrap();
    assert_eq!(
        client.click2call(&request()).unwrap_err().kind(),
        ErrorKind::Timeout
    );
    assert_eq!(server.accepted(), 1);
}

#[test]
fn a_connection_never_made_is_known_unsent() {
    let client = voicecb::Client::builder("k", "s")
        .base_url(format!("http://127.0.0.1:{}", refused_port()))
        .retry(quick_retries(3))
        .build()
        .unwrap();
    let e = client.click2call(&request()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport);
    assert!(
        e.request_not_sent(),
        "a refused connection sent nothing: {e}"
    );
    let invalid = client
        .click2call(&Click2Call::new("x", CALLER, CALLEE))
        .unwrap_err();
    assert!(invalid.request_not_sent());
}

#[test]
fn bad_policies_are_refused() {
    for (policy, field) in [
        (
            RetryPolicy {
                max_attempts: 0,
                ..RetryPolicy::new(1)
            },
            "retry.max_attempts",
        ),
        (
            RetryPolicy {
                max_attempts: 11,
                ..RetryPolicy::new(1)
            },
            "retry.max_attempts",
        ),
        (
            RetryPolicy {
                initial_backoff: Duration::from_secs(6),
                ..RetryPolicy::new(2)
            },
            "retry.initial_backoff",
        ),
        (
            RetryPolicy {
                max_backoff: Duration::from_secs(61),
                initial_backoff: Duration::ZERO,
                max_attempts: 2,
            },
            "retry.max_backoff",
        ),
    ] {
        let e = voicecb::Client::builder("k", "s")
            .retry(policy)
            .build()
            .unwrap_err();
        assert_eq!(e.field(), Some(field));
    }
}

#[test]
fn a_clock_refusal_says_how_far_off_the_clock_is() {
    // A host clock an hour slow against a platform that agrees with us:
    // the Date header shows the clocks agree, so Created was off.
    let sb = Sandbox::start();
    let client = sb.builder().clock_offset_secs(-3600).build().unwrap();
    let e = client.click2call(&request()).unwrap_err();
    assert_eq!(e.result_code(), Some("1010013"));
    assert!(e.clock_skew_secs().is_some_and(|s| s.abs() < 5), "{e}");
    assert!(
        e.message()
            .contains("the client's clock offset of -3600 s put Created outside the window"),
        "{e}"
    );

    // A platform whose clock is two hours ahead of ours.
    let ahead = (chrono::Utc::now() + chrono::TimeDelta::hours(2))
        .to_rfc2822()
        .replace("+0000", "GMT");
    let body = r#"{"resultcode":"1010013","resultdesc":"Time out limit."}"#;
    let answer = format!(
        "HTTP/1.1 401 Unauthorized\r\nDate: {ahead}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let server = FaultServer::fixed(answer);
    let client = voicecb::Client::builder("k", "s")
        .base_url(server.base_url())
        .build()
        .unwrap();
    let e = client.call_stop("s").unwrap_err();
    let skew = e.clock_skew_secs().expect("the Date header was read");
    // Two hours less the time between making the header and reading it,
    // which a loaded machine may stretch to minutes, never to hours.
    assert!((7200 - 600..=7201).contains(&skew), "skew {skew}");
    let said = format!("this host's clock is {skew} s behind the platform's");
    assert!(e.message().contains(&said), "{e}");
}

/// Serves one connection with `handler` on a thread; returns the base URL.
fn serve_once(
    handler: impl FnOnce(std::net::TcpStream) + Send + 'static,
) -> (String, std::thread::JoinHandle<()>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let thread = std::thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let mut buf = [0u8; 4096];
            // The request fits one read here; what matters is the answer.
            let _ = std::io::Read::read(&mut stream, &mut buf);
            handler(stream);
        }
    });
    (url, thread)
}

/// Calls `url` with a client whose whole-request timeout is `timeout`.
fn call_with_timeout(url: &str, timeout: Duration) -> voicecb::Error {
    let client = voicecb::Client::builder("k", "s")
        .base_url(url)
        .timeout(timeout)
        .build()
        .unwrap();
    client.call_stop("s").unwrap_err()
}

/// Blocks until the client closes its end (or a minute passes, which only
/// stops a broken test from hanging): the server's side of "never answer",
/// so that only the client's timeout can end the call.
fn wait_for_client_close(s: &mut std::net::TcpStream) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(60)));
    let mut buf = [0u8; 1024];
    while matches!(std::io::Read::read(s, &mut buf), Ok(n) if n > 0) {}
}

#[test]
fn headers_then_silence_times_out() {
    let (url, t) = serve_once(|mut s| {
        let _ = std::io::Write::write_all(
            &mut s,
            b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"res",
        );
        wait_for_client_close(&mut s);
    });
    let e = call_with_timeout(&url, Duration::from_millis(500));
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert_eq!(
        e.timeout_limit(),
        Some(voicecb::TimeoutLimit::Request),
        "{e}"
    );
    t.join().unwrap();
}

#[test]
fn a_server_dripping_its_head_times_out() {
    // A head that never ends, a byte every 200 ms, until the client gives
    // up: each byte restarts any per-read timer, so only the whole-request
    // limit can end the call. The bound (5 minutes of drip) only stops a
    // broken client from hanging the test; it then fails on the error kind.
    let (url, t) = serve_once(|mut s| {
        let head = b"HTTP/1.1 200 OK\r\nX-Drip: ";
        if std::io::Write::write_all(&mut s, head).is_err() {
            return;
        }
        for _ in 0..1500 {
            if std::io::Write::write_all(&mut s, b"a").is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    });
    let e = call_with_timeout(&url, Duration::from_millis(1500));
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert_eq!(
        e.timeout_limit(),
        Some(voicecb::TimeoutLimit::Request),
        "{e}"
    );
    t.join().unwrap();
}

#[test]
fn a_reset_in_the_middle_of_the_body_is_a_transport_error() {
    let (url, t) = serve_once(|mut s| {
        let _ = std::io::Write::write_all(
            &mut s,
            b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"resultcode\":",
        );
        std::thread::sleep(Duration::from_millis(100));
        // SO_LINGER 0: closing sends RST instead of FIN.
        let fd = std::os::fd::AsRawFd::as_raw_fd(&s);
        let linger = libc::linger {
            l_onoff: 1,
            l_linger: 0,
        };
        unsafe {
            libc::setsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_LINGER,
                (&raw const linger).cast(),
                size_of::<libc::linger>() as u32,
            );
        }
    });
    // The reset, not the (far longer) timeout, must end the call.
    let e = call_with_timeout(&url, Duration::from_secs(600));
    assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
    assert!(!e.request_not_sent());
    t.join().unwrap();
}

#[test]
fn a_per_call_timeout_bounds_the_retries_and_their_waits() {
    let sb = Sandbox::start();
    // Waits of up to 10 s, but a 300 ms deadline for the whole call.
    let policy = RetryPolicy {
        max_attempts: 5,
        initial_backoff: Duration::from_secs(10),
        max_backoff: Duration::from_secs(10),
    };
    // The library's own account of each decision: when a try ended
    // (elapsed) and the wait it then chose (retry_in). Read from the clock
    // once per decision, so the check below holds however slow the
    // machine, and fails only if a wait was chosen that overruns.
    let decisions = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = decisions.clone();
    let client = sb
        .builder()
        .retry(policy)
        .on_event(move |e| {
            if e.kind == voicecb::EventKind::Attempt {
                sink.lock().unwrap().push((e.elapsed, e.retry_in));
            }
        })
        .build()
        .unwrap();
    sb.admin_post(
        "/__sandbox/next",
        &json!({"http_status": 403, "resultcode": "1010010", "count": 10}),
    );
    let e = client
        .click2call_within(&request(), Some(Duration::from_millis(300)))
        .unwrap_err();
    // Full jitter draws each wait from 0 to 10 s, so a short one may still
    // fit before the deadline: the call ends with the last refusal or, when
    // the deadline ran out during a later try, a timeout of the call's own
    // limit; never with the client's 15 s or a try's own error.
    match e.kind() {
        ErrorKind::Platform => assert_eq!(e.result_code(), Some("1010010"), "{e}"),
        ErrorKind::Timeout => {
            assert_eq!(e.timeout_limit(), Some(voicecb::TimeoutLimit::Call), "{e}")
        }
        _ => panic!("{e}"),
    }
    assert!(sb.counter("click2call") >= 1);
    let decisions = decisions.lock().unwrap();
    assert!(!decisions.is_empty());
    for (elapsed, wait) in decisions.iter() {
        if let Some(wait) = wait {
            assert!(
                *elapsed + *wait < Duration::from_millis(300),
                "a wait of {wait:?} chosen at {elapsed:?} overruns the 300 ms deadline"
            );
        }
    }
    // The last try is never followed by a wait.
    assert_eq!(decisions.last().map(|d| d.1), Some(None));
}
