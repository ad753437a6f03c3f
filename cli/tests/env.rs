//! A client from the environment: the variables the CLI reads, the same
//! rules. One test only: the environment is the process's, and tests of
//! one binary run on threads at once.

mod common;

use common::{CALLEE, CALLER, DISPLAY, KEY, SECRET, Sandbox};
use voicecb::env::{APP_KEY_VAR, APP_SECRET_VAR, BASE_URL_VAR, INSECURE_VAR, TIMEOUT_VAR, VARS};
use voicecb::{Click2Call, ClientBuilder, ErrorKind};

fn set(name: &str, value: &str) {
    // SAFETY: this binary's only test; no other thread reads the
    // environment while it runs.
    unsafe { std::env::set_var(name, value) }
}

#[test]
fn a_client_from_the_environment() {
    for v in VARS {
        // SAFETY: as in `set`.
        unsafe { std::env::remove_var(v) }
    }
    let e = ClientBuilder::from_env().unwrap_err();
    assert_eq!(
        (e.kind(), e.field()),
        (ErrorKind::InvalidArgument, Some(APP_KEY_VAR))
    );
    println!("{e}");
    set(APP_KEY_VAR, KEY);
    let e = ClientBuilder::from_env().unwrap_err();
    assert_eq!(e.field(), Some(APP_SECRET_VAR), "{e}");
    // Empty is unset.
    set(APP_SECRET_VAR, "");
    assert_eq!(
        ClientBuilder::from_env().unwrap_err().field(),
        Some(APP_SECRET_VAR)
    );
    set(APP_SECRET_VAR, SECRET);

    for (var, value) in [
        (TIMEOUT_VAR, "0"),
        (TIMEOUT_VAR, "abc"),
        (INSECURE_VAR, "maybe"),
    ] {
        set(var, value);
        let e = ClientBuilder::from_env().unwrap_err();
        println!("{e}");
        assert_eq!(e.field(), Some(var), "{e}");
        assert!(e.message().contains(value), "{e}");
        assert!(!e.message().contains(SECRET), "{e}");
        set(var, "");
    }

    let sb = Sandbox::start();
    set(BASE_URL_VAR, &sb.base_url());
    set(TIMEOUT_VAR, "2.5");
    let client = ClientBuilder::from_env().unwrap().build().unwrap();
    let call = client
        .click2call(&Click2Call::new(DISPLAY, CALLER, CALLEE))
        .unwrap();
    client.call_stop(&call.session_id).unwrap();
    // What the builder sets afterwards wins.
    set(BASE_URL_VAR, "http://127.0.0.1:9");
    let client = ClientBuilder::from_env()
        .unwrap()
        .base_url(sb.base_url())
        .build()
        .unwrap();
    client
        .click2call(&Click2Call::new(DISPLAY, CALLER, CALLEE))
        .unwrap();
}
