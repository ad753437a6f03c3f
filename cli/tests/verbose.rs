//! `voicecb sandbox --verbose`: one stderr line per request answered, saying
//! which check refused it and why, and never a secret or a digest.

mod common;

use common::{CALLEE, CALLER, DISPLAY, KEY, SECRET, Sandbox};
use voicecb::Click2Call;

#[test]
fn verbose_logs_each_request_with_why_it_was_refused_and_no_secret() {
    const WRONG: &str = "wrong-secret-7f3a";
    let mut sb = Sandbox::start_with(&["--verbose"]);
    let call = Click2Call::new(DISPLAY, CALLER, CALLEE);
    sb.client().click2call(&call).unwrap();
    let refused = sb
        .builder_with(KEY, WRONG)
        .build()
        .unwrap()
        .click2call(&call);
    assert_eq!(refused.unwrap_err().result_code(), Some("1010010"));
    let log = sb.shutdown_for_stderr();
    let path = "/rest/httpsessions/click2Call/v2.0";
    let lines: Vec<&str> = log.lines().filter(|l| l.contains(path)).collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert!(
        lines[0].contains(&format!("POST {path} -> 200 resultcode 0")),
        "{log}"
    );
    assert!(
        lines[1].contains(&format!("POST {path} -> 401 resultcode 1010010"))
            && lines[1]
                .contains("digest mismatch: computed over nonce+created with the app's secret"),
        "{log}"
    );
    assert!(log.contains("POST /__sandbox/shutdown -> 200"), "{log}");
    for secret in [SECRET, WRONG, "PasswordDigest", "Nonce="] {
        assert!(!log.contains(secret), "{secret:?} in {log}");
    }
}

#[test]
fn without_verbose_requests_are_not_logged() {
    let mut sb = Sandbox::start();
    sb.client()
        .click2call(&Click2Call::new(DISPLAY, CALLER, CALLEE))
        .unwrap();
    let log = sb.shutdown_for_stderr();
    assert!(!log.contains("click2Call"), "{log}");
}
