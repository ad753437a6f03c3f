//! What each message says: where the request went, which limit ran out
//! after how long, whether the request left, the English advice and what
//! the library knows beyond it, and options named as the caller spells them.

mod common;

use std::time::Duration;

use common::{CALLEE, CALLER, DISPLAY, FaultServer, Sandbox, refused_port};
use voicecb::{Binding, Click2Call, Client, ErrorKind};

fn request() -> Click2Call {
    Click2Call::new(DISPLAY, CALLER, CALLEE)
}

#[test]
fn a_refused_connection_names_the_endpoint_and_says_nothing_was_sent() {
    let port = refused_port();
    let client = Client::builder("k", "s")
        .base_url(format!("http://127.0.0.1:{port}"))
        .build()
        .unwrap();
    let e = client.click2call(&request()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport);
    let want = format!("transport error: could not connect to 127.0.0.1:{port}: ");
    assert!(e.message().starts_with(&want), "{e}");
    assert!(e.message().ends_with("; nothing was sent"), "{e}");
}

#[test]
fn a_name_that_does_not_resolve_is_named_and_nothing_was_sent() {
    let client = Client::builder("k", "s")
        .base_url("http://voicecb-test.invalid:8080")
        .build()
        .unwrap();
    let e = client.call_stop("s").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
    assert!(
        e.message()
            .starts_with("transport error: cannot resolve voicecb-test.invalid: "),
        "{e}"
    );
    assert!(e.message().ends_with("; nothing was sent"), "{e}");
}

#[test]
fn a_timeout_says_which_limit_after_how_long_and_that_the_call_may_be_placed() {
    let server = FaultServer::silent();
    let client = Client::builder("k", "s")
        .base_url(server.base_url())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let e = client.click2call(&request()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert_eq!(
        e.message(),
        format!(
            "timed out: no answer from 127.0.0.1:{} within 0.3 s (request timeout); the request may \
             have reached the platform, so the call may have been placed",
            server.port()
        )
    );
    let e = client.call_stop("s").unwrap_err();
    assert!(
        e.message().ends_with("so the call may have been stopped"),
        "{e}"
    );
    // A per-call timeout shorter than the client's is the one named.
    let e = client
        .click2call_within(&request(), Some(Duration::from_millis(200)))
        .unwrap_err();
    assert!(e.message().contains("(the call's own timeout"), "{e}");
}

#[test]
fn a_wrong_secret_says_the_secret_is_wrong_in_english() {
    let sb = Sandbox::start();
    let client = Client::builder(common::KEY, "not-the-secret")
        .base_url(sb.base_url())
        .build()
        .unwrap();
    let e = client.click2call(&request()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Platform);
    let m = e.message();
    assert!(
        m.contains("advice: Check that PasswordDigest is filled in correctly."),
        "{e}"
    );
    assert!(
        m.contains("so that secret is wrong for this app_key"),
        "{e}"
    );
    assert!(
        m.contains("a proxy on the way rewrote the X-AKSK header"),
        "{e}"
    );
    assert!(m.is_ascii(), "the message is English only: {e}");
    let info = e.code_info().unwrap();
    assert_eq!(info.advice_zh(), "请检查PasswordDigest字段填写是否正确。");
}

#[test]
fn a_base_url_with_a_path_is_told_the_path_is_doubled() {
    // Refused at build unless asked for; asked for, the refusal explains.
    let sb = Sandbox::start();
    let client = sb
        .builder()
        .base_url(format!(
            "{}/rest/httpsessions/click2Call/v2.0",
            sb.base_url()
        ))
        .allow_base_url_path(true)
        .build()
        .unwrap();
    let e = client.click2call(&request()).unwrap_err();
    assert_eq!(
        (e.http_status(), e.result_code()),
        (Some(403), Some("1010006"))
    );
    let want = format!(
        "the base URL holds the path \"/rest/httpsessions/click2Call/v2.0\", which the library puts \
         before the API's own path (/rest/httpsessions/...), so the path is doubled: give the base \
         URL as http://127.0.0.1:{} only",
        sb.port()
    );
    assert!(e.message().contains(&want), "{e}");
    // Without a path, a 1010006 gets the catalogue's advice alone.
    sb.force(403, "1010006", None);
    let e = sb.client().click2call(&request()).unwrap_err();
    assert!(!e.message().contains("doubled"), "{e}");
}

#[test]
fn a_missing_number_is_required() {
    let client = Client::builder("k", "s").build().unwrap();
    let e = client
        .click2call(&Click2Call::new(DISPLAY, "", CALLEE))
        .unwrap_err();
    assert_eq!(e.message(), "invalid callerNbr: is required");
    assert_eq!(e.rule(), Some("is required"));
    let e = client.call_stop("").unwrap_err();
    assert_eq!(e.message(), "invalid sessionid: is required");
    let e = Client::builder("", "s").build().unwrap_err();
    assert_eq!(e.message(), "invalid app_key: is required");
}

#[test]
fn the_user_data_hint_names_the_option_as_the_binding_spells_it() {
    let req = Click2Call {
        user_data: Some("订单 42".into()),
        ..request()
    };
    for (binding, spelling) in [
        (None, "ClientBuilder::encode_non_ascii_user_data(true)"),
        (
            Some(Binding::Rust),
            "ClientBuilder::encode_non_ascii_user_data(true)",
        ),
        (Some(Binding::Python), "encode_non_ascii_user_data=True"),
        (
            Some(Binding::Go),
            "voicecb.WithEncodeNonASCIIUserData(true)",
        ),
        (Some(Binding::Cli), "--encode-user-data"),
        (
            Some(Binding::C),
            "voicecb_options_set_encode_non_ascii_user_data(opts, true, &err)",
        ),
    ] {
        let mut b = Client::builder("k", "s");
        if let Some(binding) = binding {
            b = b.binding(binding);
        }
        let e = b.build().unwrap().click2call(&req).unwrap_err();
        assert_eq!(e.field(), Some("userData"));
        assert!(e.message().contains(spelling), "{binding:?}: {e}");
        for other in [
            "=True",
            "WithEncode",
            "--encode",
            "voicecb_options",
            "ClientBuilder",
        ] {
            if !spelling.contains(other) {
                assert!(!e.message().contains(other), "{binding:?}: {e}");
            }
        }
    }
}
