//! Events: one per try and one per call, to the callback and to the `log`
//! facade, with the facts a production service needs and no secret.

mod common;

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use common::{CALLEE, CALLER, DISPLAY, FaultServer, KEY, SECRET, Sandbox, quick_retries};
use voicecb::events::Level;
use voicecb::{Click2Call, ClientBuilder, ErrorKind, EventKind, Outcome};

/// An event as the tests keep it (events are borrowed during the callback).
#[derive(Clone, Debug)]
struct Seen {
    kind: EventKind,
    api: &'static str,
    attempt: u32,
    outcome: Outcome,
    level: Level,
    http_status: Option<u16>,
    result_code: Option<String>,
    error_kind: Option<ErrorKind>,
    may_have_reached_platform: bool,
    retry_in: Option<Duration>,
    session_id: Option<String>,
    request_id: Option<String>,
    numbers: Vec<(String, String)>,
    line: String,
    json: String,
    elapsed: Duration,
    attempt_elapsed: Duration,
}

fn recording(builder: ClientBuilder) -> (ClientBuilder, Arc<Mutex<Vec<Seen>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let builder = builder.on_event(move |e| {
        sink.lock().unwrap().push(Seen {
            kind: e.kind,
            api: e.api.name(),
            attempt: e.attempt,
            outcome: e.outcome,
            level: e.level(),
            http_status: e.http_status,
            result_code: e.result_code.map(str::to_owned),
            error_kind: e.error_kind,
            may_have_reached_platform: e.may_have_reached_platform,
            retry_in: e.retry_in,
            session_id: e.session_id.map(str::to_owned),
            request_id: e.request_id.map(str::to_owned),
            numbers: e
                .numbers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
            line: e.to_string(),
            json: e.to_json(),
            elapsed: e.elapsed,
            attempt_elapsed: e.attempt_elapsed,
        })
    });
    (builder, seen)
}

/// Every line the `log` facade received under the target `voicecb`. One
/// logger per process: tests filter by a marker of their own.
struct Capture(Mutex<Vec<(log::Level, String)>>);

impl log::Log for Capture {
    fn enabled(&self, m: &log::Metadata<'_>) -> bool {
        m.target() == "voicecb"
    }
    fn log(&self, r: &log::Record<'_>) {
        if self.enabled(r.metadata()) {
            self.0
                .lock()
                .unwrap()
                .push((r.level(), r.args().to_string()));
        }
    }
    fn flush(&self) {}
}

fn log_lines() -> &'static Capture {
    static CAPTURE: OnceLock<&'static Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let c: &'static Capture = Box::leak(Box::new(Capture(Mutex::new(Vec::new()))));
        log::set_logger(c).expect("the only logger of this test binary");
        log::set_max_level(log::LevelFilter::Debug);
        c
    })
}

fn request() -> Click2Call {
    Click2Call::new(DISPLAY, CALLER, CALLEE)
}

#[test]
fn a_successful_call_is_one_attempt_and_its_end() {
    let sb = Sandbox::start();
    let (builder, seen) = recording(sb.builder());
    let client = builder.build().unwrap();
    let call = client.click2call(&request()).unwrap();
    assert_eq!(call.attempts, 1);
    assert!(call.elapsed > Duration::ZERO);

    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:#?}");
    let (try1, end) = (&seen[0], &seen[1]);
    assert_eq!((try1.kind, try1.attempt), (EventKind::Attempt, 1));
    assert_eq!((end.kind, end.attempt), (EventKind::Finished, 1));
    for e in [try1, end] {
        assert_eq!(e.api, "click2Call");
        assert_eq!(e.outcome, Outcome::Answered);
        assert_eq!(e.session_id.as_deref(), Some(call.session_id.as_str()));
        assert_eq!(e.error_kind, None);
        assert!(e.may_have_reached_platform);
        assert_eq!(e.retry_in, None);
        // The request id is the try's nonce: 32 letters and digits.
        let id = e.request_id.as_deref().expect("a request id");
        assert!(
            id.len() == 32 && id.chars().all(|c| c.is_ascii_alphanumeric()),
            "{id}"
        );
        assert!(e.attempt_elapsed <= e.elapsed);
        assert_eq!(
            e.numbers,
            [
                ("displayNbr", "+86755****5678"),
                ("callerNbr", "+86138****0001"),
                ("displayCalleeNbr", "+86755****5678"),
                ("calleeNbr", "+86138****0002"),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
    }
    assert_eq!((try1.level, end.level), (Level::Debug, Level::Info));
    assert_eq!(end.elapsed, call.elapsed);
    println!("{}\n{}", try1.line, end.line);
    assert!(
        end.line
            .starts_with("click2Call finished after 1 attempt: answered in "),
        "{}",
        end.line
    );
    let json: serde_json::Value = serde_json::from_str(&end.json).unwrap();
    assert_eq!(json["kind"], "finished");
    assert_eq!(json["outcome"], "answered");
    assert_eq!(json["numbers"]["callerNbr"], "+86138****0001");
    assert_eq!(json["session_id"], call.session_id.as_str());

    // callStop: the session id is its argument.
    let (builder, seen) = recording(sb.builder());
    builder
        .build()
        .unwrap()
        .call_stop(&call.session_id)
        .unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert!(seen.iter().all(|e| e.api == "callStop"
        && e.session_id.as_deref() == Some(call.session_id.as_str())
        && e.numbers.is_empty()));
}

#[test]
fn a_refusal_is_a_warning_with_the_platforms_answer() {
    let sb = Sandbox::start();
    let (builder, seen) = recording(sb.builder());
    let client = builder.build().unwrap();
    sb.force(403, "1010010", None);
    let e = client.click2call(&request()).unwrap_err();
    assert_eq!((e.attempts(), e.result_code()), (1, Some("1010010")));
    assert!(e.elapsed() > Duration::ZERO);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:#?}");
    for ev in &seen {
        assert_eq!(ev.outcome, Outcome::Refused);
        assert_eq!(ev.level, Level::Warn);
        assert_eq!(ev.http_status, Some(403));
        assert_eq!(ev.result_code.as_deref(), Some("1010010"));
        assert_eq!(ev.error_kind, Some(ErrorKind::Platform));
        assert_eq!(ev.session_id, None);
    }
    println!("{}", seen[1].line);
    assert!(
        seen[1]
            .line
            .contains("refused (HTTP 403, resultcode 1010010, \""),
        "{}",
        seen[1].line
    );
}

#[test]
fn a_retried_call_reports_each_try_and_the_wait() {
    let sb = Sandbox::start();
    let (builder, seen) = recording(sb.builder().retry(quick_retries(3)));
    let client = builder.build().unwrap();
    // 403/1010010 (flow control) says the call was not placed: retry-safe.
    sb.admin_post(
        "/__sandbox/next",
        &serde_json::json!({"http_status": 403, "resultcode": "1010010", "count": 2}),
    );
    let call = client.click2call(&request()).unwrap();
    assert_eq!(call.attempts, 3);
    let seen = seen.lock().unwrap().clone();
    let kinds: Vec<_> = seen
        .iter()
        .map(|e| (e.kind, e.attempt, e.outcome))
        .collect();
    assert_eq!(
        kinds,
        [
            (EventKind::Attempt, 1, Outcome::Refused),
            (EventKind::Attempt, 2, Outcome::Refused),
            (EventKind::Attempt, 3, Outcome::Answered),
            (EventKind::Finished, 3, Outcome::Answered),
        ]
    );
    for e in &seen[..2] {
        let wait = e.retry_in.expect("a wait before the next try");
        assert!(wait <= Duration::from_millis(20), "{wait:?}");
        assert_eq!(e.level, Level::Warn);
        assert!(e.line.contains("; retry in "), "{}", e.line);
    }
    assert_eq!(seen[2].retry_in, None);
    // Each try signs afresh: three request ids.
    let mut ids: Vec<_> = seen[..3].iter().map(|e| e.request_id.clone()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 3);
    assert!(seen[3].elapsed >= seen[0].elapsed + seen[1].retry_in.unwrap());
}

#[test]
fn a_timeout_says_the_request_may_have_reached_the_platform() {
    let server = FaultServer::silent();
    let (builder, seen) = recording(
        ClientBuilder::new(KEY, SECRET)
            .base_url(server.base_url())
            .timeout(Duration::from_millis(300)),
    );
    let e = builder.build().unwrap().click2call(&request()).unwrap_err();
    assert_eq!((e.kind(), e.attempts()), (ErrorKind::Timeout, 1));
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    for ev in &seen {
        assert_eq!(ev.outcome, Outcome::Timeout);
        assert!(ev.may_have_reached_platform);
        assert_eq!(ev.error_kind, Some(ErrorKind::Timeout));
    }
    assert_eq!((seen[0].level, seen[1].level), (Level::Debug, Level::Warn));
    assert!(
        seen[1]
            .line
            .contains("the request may have reached the platform"),
        "{}",
        seen[1].line
    );
}

#[test]
fn an_invalid_request_ends_without_a_try() {
    let (builder, seen) = recording(ClientBuilder::new(KEY, SECRET).base_url("http://127.0.0.1:9"));
    let e = builder
        .build()
        .unwrap()
        .click2call(&Click2Call::new(DISPLAY, "123", CALLEE))
        .unwrap_err();
    assert_eq!((e.kind(), e.attempts()), (ErrorKind::InvalidArgument, 0));
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        (seen[0].kind, seen[0].attempt, seen[0].outcome),
        (EventKind::Finished, 0, Outcome::Invalid)
    );
    assert!(!seen[0].may_have_reached_platform);
    assert_eq!(seen[0].request_id, None);
}

#[test]
fn masking_can_be_turned_off() {
    let sb = Sandbox::start();
    let (builder, seen) = recording(sb.builder().mask_numbers(false));
    builder.build().unwrap().click2call(&request()).unwrap();
    let seen = seen.lock().unwrap().clone();
    assert!(
        seen[0]
            .numbers
            .contains(&("callerNbr".to_owned(), CALLER.to_owned()))
    );
    assert!(seen[0].line.contains(CALLER), "{}", seen[0].line);
}

#[test]
fn a_panicking_callback_does_not_fail_the_call() {
    let sb = Sandbox::start();
    let client = sb
        .builder()
        .on_event(|_| panic!("the user's bug"))
        .build()
        .unwrap();
    let call = client.click2call(&request()).unwrap();
    client.call_stop(&call.session_id).unwrap();
}

/// Every failing path, captured from the callback and from the log: no
/// secret, no digest, no unmasked number anywhere.
#[test]
fn no_event_or_log_line_shows_the_secret_or_a_number() {
    let logs = log_lines();
    let secret = "s3cr3t-never-shown-0123456789";
    let sb = Sandbox::start();
    let silent = FaultServer::silent();
    let mut everything = Vec::new();
    let marker = |base: ClientBuilder| base.retry(quick_retries(2));
    let builders: Vec<(&str, ClientBuilder)> = vec![
        ("wrong secret", sb.builder_with(KEY, secret)),
        ("unknown key", sb.builder_with("no-such-key", secret)),
        (
            "timeout",
            ClientBuilder::new(KEY, secret)
                .base_url(silent.base_url())
                .timeout(Duration::from_millis(200)),
        ),
        (
            "refused port",
            ClientBuilder::new(KEY, secret)
                .base_url(format!("http://127.0.0.1:{}", common::refused_port())),
        ),
    ];
    for (what, builder) in builders {
        let (builder, seen) = recording(marker(builder));
        let client = builder.build().unwrap();
        let e = client.click2call(&request()).unwrap_err();
        client.call_stop("1_2_0_3@x").unwrap_err();
        println!("{what}: {e}");
        let seen = seen.lock().unwrap().clone();
        assert!(!seen.is_empty(), "{what}: no event");
        everything.extend(seen.iter().flat_map(|e| [e.line.clone(), e.json.clone()]));
    }
    let logged: Vec<String> = logs
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|(_, l)| l.clone())
        .collect();
    assert!(
        logged.iter().any(|l| l.contains("click2Call finished")),
        "the log facade got no event"
    );
    everything.extend(logged);
    for text in &everything {
        assert!(!text.contains(secret), "{text}");
        assert!(
            !text.contains("PasswordDigest") && !text.contains("UsernameToken"),
            "{text}"
        );
        assert!(!text.contains(CALLER) && !text.contains(CALLEE), "{text}");
    }
}
