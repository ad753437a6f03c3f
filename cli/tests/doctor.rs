//! `Client::check` and `voicecb doctor` against the sandbox and the fault
//! servers: one test per verdict, and the proof that a check places no call
//! and stops none.

mod common;

use std::process::Command;
use std::time::Duration;

use common::{
    BIN, CALLEE, CALLER, DISPLAY, FaultServer, KEY, SECRET, Sandbox, TlsSandbox, refused_port,
};
use serde_json::Value;
use voicecb::check::{CheckReport, PROBE_SESSION_ID, StepKind, StepStatus};
use voicecb::{Click2Call, Verdict};

/// The status of one step of a report.
fn status(report: &CheckReport, kind: StepKind) -> StepStatus {
    report
        .steps
        .iter()
        .find(|s| s.kind == kind)
        .unwrap_or_else(|| panic!("no {kind:?} step:\n{report}"))
        .status
}

/// The report has its verdict, failed, and says so in its checklist;
/// no text of it holds the secret.
fn assert_failed(report: &CheckReport, verdict: Verdict, failed_step: StepKind) {
    assert_eq!(report.verdict, verdict, "\n{report}");
    assert!(!report.passed(), "\n{report}");
    assert_eq!(
        status(report, failed_step),
        StepStatus::Failed,
        "\n{report}"
    );
    let failed = report
        .steps
        .iter()
        .find(|s| s.kind == failed_step)
        .expect("the failed step");
    assert!(
        failed.advice.as_deref().is_some_and(|a| !a.is_empty()),
        "a failed step says what to do:\n{report}"
    );
    assert!(!report.advice.is_empty(), "\n{report}");
    let text = report.checklist();
    assert!(
        text.contains(&format!("verdict: {}", verdict.name())),
        "{text}"
    );
    for t in [text, report.to_json(), format!("{report:?}")] {
        assert!(!t.contains(SECRET), "the secret leaked: {t}");
    }
}

#[test]
fn good_credentials_are_accepted_and_every_step_passes() {
    let sb = Sandbox::start();
    let report = sb.client().check();
    assert_eq!(report.verdict, Verdict::Accepted, "\n{report}");
    assert!(report.passed(), "\n{report}");
    assert_eq!(report.http_status, Some(500));
    assert_eq!(report.result_code.as_deref(), Some("1020152"));
    assert_eq!(
        report.addresses,
        [format!("127.0.0.1:{}", sb.port()).parse().unwrap()]
    );
    assert!(report.connect_time.is_some() && report.probe_time.is_some());
    assert!(report.platform_time.is_some() && report.clock_skew_secs.is_some());
    assert_eq!(
        status(&report, StepKind::Tls),
        StepStatus::Skipped,
        "http://"
    );
    for kind in [
        StepKind::Resolve,
        StepKind::Connect,
        StepKind::Probe,
        StepKind::Clock,
        StepKind::Credentials,
    ] {
        assert_eq!(status(&report, kind), StepStatus::Ok, "{kind:?}\n{report}");
    }
    assert!(
        report.checklist().ends_with("every step passed\n"),
        "{report}"
    );
    // One request: the probe, and nothing else.
    assert_eq!(sb.counter("requests"), 1);
    assert_eq!(sb.counter("callstop"), 1);
}

#[test]
fn a_check_places_no_call_and_stops_none() {
    let sb = Sandbox::start();
    let client = sb.client();
    // A live call the checks must leave alone.
    let call = client
        .click2call(&Click2Call::new(DISPLAY, CALLER, CALLEE))
        .expect("place a call");
    let before = sb.stats();
    assert_eq!(before["click2call"], 1, "{before}");
    assert_eq!(before["active_sessions"], 1, "{before}");
    // Every verdict the platform gives, and a forced success of the probe.
    let wrong_secret = sb.builder_with(KEY, "not-the-secret").build().unwrap();
    let wrong_key = sb.builder_with("no-such-key", SECRET).build().unwrap();
    let skewed = sb.builder().clock_offset_secs(600).build().unwrap();
    let checks = [
        (&client, Verdict::Accepted),
        (&wrong_secret, Verdict::WrongSecret),
        (&wrong_key, Verdict::AppKeyUnknown),
        (&skewed, Verdict::ClockSkew),
    ];
    for (c, verdict) in &checks {
        assert_eq!(c.check().verdict, *verdict);
    }
    let after = sb.stats();
    assert_eq!(after["click2call"], 1, "no click2Call was sent: {after}");
    assert_eq!(
        after["callstop"],
        checks.len() as u64,
        "one callStop per check, and none else: {after}"
    );
    assert_eq!(after["active_sessions"], 1, "the call is still up: {after}");
    // It is still there to be stopped: the checks stopped nothing.
    client.call_stop(&call.session_id).expect("stop the call");
    assert_eq!(sb.stats()["active_sessions"], 0);
}

#[test]
fn a_wrong_key_is_reported_as_unknown() {
    let sb = Sandbox::start();
    let report = sb
        .builder_with("no-such-key", SECRET)
        .build()
        .unwrap()
        .check();
    assert_failed(&report, Verdict::AppKeyUnknown, StepKind::Credentials);
    assert_eq!(
        (report.http_status, report.result_code.as_deref()),
        (Some(403), Some("1010003"))
    );
    assert_eq!(
        status(&report, StepKind::Probe),
        StepStatus::Ok,
        "the platform answered"
    );
}

#[test]
fn a_wrong_secret_is_reported_as_a_refused_digest() {
    let sb = Sandbox::start();
    let report = sb
        .builder_with(KEY, "not-the-secret")
        .build()
        .unwrap()
        .check();
    assert_failed(&report, Verdict::WrongSecret, StepKind::Credentials);
    assert_eq!(
        (report.http_status, report.result_code.as_deref()),
        (Some(401), Some("1010010"))
    );
    assert!(report.advice.contains("app secret"), "{}", report.advice);
    for t in [report.checklist(), report.to_json()] {
        assert!(!t.contains("not-the-secret"), "the secret leaked: {t}");
    }
}

#[test]
fn a_clock_ten_minutes_off_is_reported_with_the_skew() {
    let sb = Sandbox::start();
    let report = sb.builder().clock_offset_secs(600).build().unwrap().check();
    assert_failed(&report, Verdict::ClockSkew, StepKind::Credentials);
    assert_eq!(
        status(&report, StepKind::Clock),
        StepStatus::Failed,
        "\n{report}"
    );
    assert_eq!(
        (report.http_status, report.result_code.as_deref()),
        (Some(401), Some("1010013"))
    );
    assert_eq!(report.clock_offset_secs, 600);
    // The sandbox shares this host's clock: the offset is what is wrong.
    assert!(
        report.advice.contains("offset of 600 s"),
        "{}",
        report.advice
    );
    // The same offset the other way round passes once removed.
    assert!(sb.client().check().passed());
}

#[test]
fn a_wrong_path_prefix_is_reported_as_a_wrong_path() {
    let sb = Sandbox::start();
    let client = sb
        .builder()
        .base_url(format!("{}/voice", sb.base_url()))
        .allow_base_url_path(true)
        .build()
        .unwrap();
    let report = client.check();
    assert_failed(&report, Verdict::WrongPath, StepKind::Credentials);
    assert_eq!(
        (report.http_status, report.result_code.as_deref()),
        (Some(403), Some("1010006"))
    );
    assert!(report.advice.contains("\"/voice\""), "{}", report.advice);
    assert!(
        report
            .advice
            .contains(&format!("http://127.0.0.1:{} only", sb.port())),
        "{}",
        report.advice
    );
}

#[test]
fn other_refusals_and_a_success_of_the_probe_have_their_own_verdicts() {
    let sb = Sandbox::start();
    let client = sb.client();
    sb.force(400, "1023006", None);
    assert_failed(
        &client.check(),
        Verdict::HeaderRefused,
        StepKind::Credentials,
    );
    sb.force(403, "1010008", None);
    let report = client.check();
    assert_failed(&report, Verdict::Refused, StepKind::Credentials);
    // The catalogue's advice for a suspended app key.
    let info =
        voicecb::codes::lookup(voicecb::Api::CallStop, 403, "1010008").expect("in the catalogue");
    assert_eq!(report.advice, info.advice());
    // No platform stops a call of an id it never issued.
    sb.force(200, "0", None);
    assert_failed(&client.check(), Verdict::UnexpectedAnswer, StepKind::Probe);
    sb.force_raw(502, "<html>bad gateway</html>");
    assert_failed(&client.check(), Verdict::UnexpectedAnswer, StepKind::Probe);
}

#[test]
fn tls_with_the_servers_ca_names_the_version_the_certificate_and_the_root() {
    let sb = TlsSandbox::start(&[]);
    let report = sb
        .builder("localhost")
        .ca_file(sb.ca_file())
        .build()
        .unwrap()
        .check();
    assert!(report.passed(), "\n{report}");
    assert_eq!(status(&report, StepKind::Tls), StepStatus::Ok);
    let tls = report.tls.as_ref().expect("TLS facts");
    assert_eq!(tls.version, "TLSv1.3");
    assert_eq!(tls.subject, "CN=localhost");
    assert!(
        tls.not_after.is_some_and(|t| t > chrono::Utc::now()),
        "{tls:?}"
    );
    assert!(
        tls.verified_by
            .starts_with("CN=voicecb sandbox throwaway CA"),
        "{tls:?}"
    );
    assert!(
        tls.verified_by
            .contains(&sb.ca_file().display().to_string()),
        "{tls:?}"
    );
}

#[test]
fn tls_with_an_unknown_ca_fails_before_anything_is_sent() {
    let sb = TlsSandbox::start(&[]);
    let report = sb.builder("localhost").build().unwrap().check();
    assert_failed(&report, Verdict::TlsFailed, StepKind::Tls);
    assert!(report.advice.contains("ca_file"), "{}", report.advice);
    for kind in [StepKind::Probe, StepKind::Clock, StepKind::Credentials] {
        assert_eq!(status(&report, kind), StepStatus::Skipped, "{kind:?}");
    }
    assert_eq!(sb.counter("requests"), 0, "no probe was sent");
}

#[test]
fn a_plain_http_server_behind_https_is_a_tls_failure_that_says_so() {
    let plain = FaultServer::fixed("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    let client = voicecb::Client::builder(KEY, SECRET)
        .base_url(format!("https://127.0.0.1:{}", plain.port()))
        .build()
        .unwrap();
    let report = client.check();
    assert_failed(&report, Verdict::TlsFailed, StepKind::Tls);
    assert!(
        report.advice.contains("use an http:// base URL"),
        "{}",
        report.advice
    );
}

#[test]
fn insecure_skip_verify_passes_with_a_warning() {
    let sb = TlsSandbox::start(&[]);
    let report = sb
        .builder("localhost")
        .insecure_skip_verify(true)
        .build()
        .unwrap()
        .check();
    assert!(report.passed(), "\n{report}");
    assert_eq!(
        status(&report, StepKind::Tls),
        StepStatus::Warning,
        "\n{report}"
    );
    assert!(
        report
            .checklist()
            .ends_with("passed, with a warning above\n"),
        "{report}"
    );
}

#[test]
fn a_refusing_port_fails_the_connect_step() {
    let port = refused_port();
    let client = voicecb::Client::builder(KEY, SECRET)
        .base_url(format!("http://127.0.0.1:{port}"))
        .build()
        .unwrap();
    let report = client.check();
    assert_failed(&report, Verdict::ConnectFailed, StepKind::Connect);
    assert_eq!(report.http_status, None);
}

#[test]
fn a_server_that_never_answers_ends_in_the_checks_timeout() {
    let silent = FaultServer::silent();
    let client = voicecb::Client::builder(KEY, SECRET)
        .base_url(silent.base_url())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    // The server holds the connection and never answers: only the check's
    // own limit can end it.
    let report = client.check_within(Some(Duration::from_secs(1)));
    assert_failed(&report, Verdict::Timeout, StepKind::Probe);
    assert_eq!(status(&report, StepKind::Connect), StepStatus::Ok);
    let probe = report
        .steps
        .iter()
        .find(|s| s.kind == StepKind::Probe)
        .unwrap();
    assert!(
        probe.detail.contains("the call's own timeout"),
        "not the client's 30 s:\n{report}"
    );
    // Over https the handshake is what goes unanswered.
    let client = voicecb::Client::builder(KEY, SECRET)
        .base_url(format!("https://127.0.0.1:{}", silent.port()))
        .build()
        .unwrap();
    let report = client.check_within(Some(Duration::from_secs(1)));
    assert_failed(&report, Verdict::Timeout, StepKind::Tls);
}

#[test]
fn the_probe_is_the_documented_session_id() {
    assert_eq!(
        PROBE_SESSION_ID,
        "0000_000_0_00000000000000@libvoicecb-check.invalid"
    );
}

/// Runs `voicecb doctor ARGS` with only these variables set.
fn doctor(vars: &[(&str, &str)], args: &[&str]) -> (i32, String, String) {
    let mut cmd = Command::new(BIN);
    cmd.arg("doctor").args(args);
    for var in voicecb::env::VARS {
        cmd.env_remove(var);
    }
    cmd.env("VOICECB_TIMEOUT", "5");
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run voicecb doctor");
    let text = |b: Vec<u8>| String::from_utf8(b).expect("UTF-8 output");
    (
        out.status.code().expect("an exit status"),
        text(out.stdout),
        text(out.stderr),
    )
}

#[test]
fn doctor_prints_a_checklist_and_exits_0_only_when_every_step_passed() {
    let sb = Sandbox::start();
    let url = sb.base_url();
    let env = |key: &'static str, secret: &'static str| {
        vec![
            ("VOICECB_BASE_URL", url.clone()),
            ("VOICECB_APP_KEY", key.to_owned()),
            ("VOICECB_APP_SECRET", secret.to_owned()),
        ]
    };
    let run = |vars: Vec<(&str, String)>, args: &[&str]| {
        let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        doctor(&vars, args)
    };
    let (code, out, _) = run(env(KEY, SECRET), &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("ok    credentials  accepted"), "{out}");
    assert!(
        out.ends_with("verdict: accepted (credentials accepted): every step passed\n"),
        "{out}"
    );

    let (code, out, err) = run(env(KEY, "not-the-secret"), &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("FAIL  credentials  digest refused: wrong app secret: 401/1010010"),
        "{out}"
    );
    assert!(out.contains("what to do: "), "{out}");
    assert!(!out.contains("not-the-secret") && !err.contains("not-the-secret"));

    let (code, out, _) = run(env(KEY, SECRET), &["--clock-offset", "600"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("verdict: clock_skew"), "{out}");

    let (code, out, _) = run(env(KEY, SECRET), &["--json"]);
    assert_eq!(code, 0, "{out}");
    let v: Value = serde_json::from_str(&out).expect("one JSON object");
    assert_eq!(v["verdict"], "accepted");
    assert_eq!(v["passed"], true);
    assert_eq!(v["result_code"], "1020152");
    assert_eq!(v["steps"].as_array().map(Vec::len), Some(6));

    let (code, out, err) = run(env(KEY, SECRET), &["--clock-offset", "ten"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("--clock-offset must be whole seconds"),
        "{err}"
    );

    let refused = format!("http://127.0.0.1:{}", refused_port());
    let (code, out, _) = run(
        vec![
            ("VOICECB_BASE_URL", refused),
            ("VOICECB_APP_KEY", KEY.into()),
            ("VOICECB_APP_SECRET", SECRET.into()),
        ],
        &[],
    );
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("FAIL  connect"), "{out}");
    // Only the successful and refused probes reached the sandbox: no call.
    assert_eq!(sb.counter("click2call"), 0);
}

#[test]
fn through_a_proxy_the_probe_covers_the_path() {
    // A proxy that refuses: the probe cannot leave this host.
    let proxy = format!("http://127.0.0.1:{}", refused_port());
    let client = voicecb::Client::builder(KEY, SECRET)
        .base_url("https://rtccall.example.invalid")
        .proxy(&proxy)
        .build()
        .unwrap();
    let report = client.check();
    assert_eq!(
        report.proxy.as_deref(),
        Some(proxy.trim_start_matches("http://"))
    );
    for kind in [StepKind::Resolve, StepKind::Connect, StepKind::Tls] {
        assert_eq!(
            status(&report, kind),
            StepStatus::Skipped,
            "{kind:?}\n{report}"
        );
    }
    assert_failed(&report, Verdict::ConnectFailed, StepKind::Probe);
}
