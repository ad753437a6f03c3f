//! A call's whole life: click2Call to the sandbox with status and fee URLs
//! on a local receiver, the pushes parsed and verified with the library,
//! callStop, then the disconnect and the bill.

mod common;

use std::time::Duration;

use common::{CALLEE, CALLER, DISPLAY, KEY, Push, SECRET, Sandbox, next, receiver};
use voicecb::notify::{Notification, StatusKind};
use voicecb::{Click2Call, notify};

#[test]
fn click2call_pushes_then_call_stop_then_disconnect_and_bill() {
    let sb = Sandbox::start_with(&["--sign-pushes", "--time-scale", "600"]);
    let (base, rx) = receiver();
    let client = sb
        .builder()
        .encode_non_ascii_user_data(true)
        .build()
        .unwrap();
    let call = client
        .click2call(&Click2Call {
            status_url: Some(format!("{base}/status")),
            fee_url: Some(format!("{base}/fee")),
            user_data: Some("客户-42".into()),
            party_type_required_in_disconnect: Some(true),
            record_flag: Some(true),
            ..Click2Call::new(DISPLAY, CALLER, CALLEE)
        })
        .unwrap();

    let expected = [
        (StatusKind::Callout, CALLER),
        (StatusKind::Alerting, CALLER),
        (StatusKind::Answer, CALLER),
        (StatusKind::Callout, CALLEE),
        (StatusKind::Alerting, CALLEE),
        (StatusKind::Answer, CALLEE),
    ];
    for (kind, called) in expected {
        let push = next(&rx);
        assert_eq!(push.path, "/status");
        let url = format!("{base}/status");
        notify::verify(
            KEY,
            SECRET,
            &url,
            push.authorization.as_deref(),
            push.x_aksk.as_deref(),
            Duration::from_secs(300),
        )
        .expect("the sandbox signs its pushes");
        let wrong = notify::verify(
            KEY,
            "not-the-secret",
            &url,
            push.authorization.as_deref(),
            push.x_aksk.as_deref(),
            Duration::from_secs(300),
        );
        assert!(wrong.is_err(), "a wrong secret must not verify");
        let Notification::Status(event) = notify::parse(&push.body).unwrap() else {
            panic!("not a status event")
        };
        assert_eq!(event.kind, kind);
        assert_eq!(event.session_id.as_deref(), Some(call.session_id.as_str()));
        assert_eq!(event.called.as_deref(), Some(called));
        assert_eq!(
            event.user_data.as_deref(),
            Some("客户-42"),
            "userData comes back decoded"
        );
        assert!(event.time().is_ok());
    }

    client.call_stop(&call.session_id).unwrap();
    let Notification::Status(disconnect) = notify::parse(&next(&rx).body).unwrap() else {
        panic!("not a status event")
    };
    assert_eq!(disconnect.kind, StatusKind::Disconnect);
    assert!(disconnect.state_code.is_some() && disconnect.party_type.is_some());

    let push = next(&rx);
    assert_eq!(push.path, "/fee");
    let Notification::Bill(bill) = notify::parse(&push.body).unwrap() else {
        panic!("not a bill")
    };
    assert_eq!(bill.records.len(), 1);
    let record = &bill.records[0];
    assert_eq!(record.session_id.as_deref(), Some(call.session_id.as_str()));
    assert_eq!(record.service_type.as_deref(), Some("002"));
    assert!(record.fwd_answer_time.is_some());
    // The caller's leg is the platform's call out; recorded from B's answer.
    assert!(record.call_out_start_time.is_some() && record.call_out_answer_time.is_some());
    assert!(record.call_in_time.is_none());
    assert_eq!(record.call_out_unasw_rsn, Some(0));
    assert_eq!(record.record_flag, Some(1));
    assert_eq!(record.record_start_time, record.fwd_answer_time);
    let object = record
        .record_object_name
        .as_deref()
        .expect("recordObjectName");
    let (domain, bucket) = (
        record.record_domain.as_deref().expect("recordDomain"),
        record
            .record_bucket_name
            .as_deref()
            .expect("recordBucketName"),
    );
    assert_eq!(
        record.record_file_download_url.as_deref(),
        Some(format!("https://{domain}/{bucket}/{object}").as_str())
    );
    assert_eq!(record.user_data.as_deref(), Some("客户-42"));
    // The call has ended: stopping it again is refused.
    assert_eq!(
        client
            .call_stop(&call.session_id)
            .unwrap_err()
            .result_code(),
        Some("1020152")
    );
}

/// The first push of a call placed on a sandbox started with `flags`.
fn first_signed_push(flags: &[&str]) -> (String, Push) {
    let mut args = vec!["--sign-pushes", "--time-scale", "600"];
    args.extend_from_slice(flags);
    let sb = Sandbox::start_with(&args);
    let (base, rx) = receiver();
    let url = format!("{base}/status");
    sb.client()
        .click2call(&Click2Call {
            status_url: Some(url.clone()),
            ..Click2Call::new(DISPLAY, CALLER, CALLEE)
        })
        .unwrap();
    (url, next(&rx))
}

/// Each signing variant of the sandbox verifies with exactly the options
/// naming it: the other clock is 8 h off, the other digest form differs.
#[test]
fn each_push_signing_variant_verifies_with_its_options_only() {
    use notify::{DigestForm, SignerClock, VerifyOptions};
    let variants: [(&[&str], SignerClock, DigestForm); 5] = [
        (&[], SignerClock::Utc, DigestForm::Plain),
        (
            &["--sign-pushes-as", "utc"],
            SignerClock::Utc,
            DigestForm::Plain,
        ),
        (
            &["--sign-pushes-as", "utc8"],
            SignerClock::Utc8,
            DigestForm::Plain,
        ),
        (
            &["--push-digest", "lines"],
            SignerClock::Utc,
            DigestForm::Lines,
        ),
        (
            &["--sign-pushes-as", "utc8", "--push-digest", "lines"],
            SignerClock::Utc8,
            DigestForm::Lines,
        ),
    ];
    for (flags, clock, form) in variants {
        let (url, push) = first_signed_push(flags);
        let check = |signer_clock, digest_form| {
            let opts = VerifyOptions {
                signer_clock,
                digest_form,
                ..VerifyOptions::default()
            };
            notify::verify_with(
                KEY,
                SECRET,
                &url,
                push.authorization.as_deref(),
                push.x_aksk.as_deref(),
                &opts,
            )
        };
        check(clock, form).unwrap_or_else(|e| panic!("{flags:?}: {e}"));
        let other_clock = match clock {
            SignerClock::Utc => SignerClock::Utc8,
            SignerClock::Utc8 => SignerClock::Utc,
        };
        let other_form = match form {
            DigestForm::Lines => DigestForm::Plain,
            _ => DigestForm::Lines,
        };
        assert!(check(other_clock, form).is_err(), "{flags:?}: clock");
        assert!(check(clock, other_form).is_err(), "{flags:?}: digest form");
    }
}
