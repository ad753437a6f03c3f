//! Regressions found by the fuzz targets (fuzz/README.md). Each test names
//! its target; the inputs that found it are in fuzz/regressions/<target>/
//! and can be replayed with `cargo +nightly fuzz run <target> <file>`.
//!
//! The tests accept either fix: refusing the value (an InvalidArgument
//! that names the field) or sending a body without the character.

use serde_json::Value;
use voicecb::request::call_stop_body;
use voicecb::{Click2Call, ErrorKind};

/// Control characters other than CR, LF and NUL, which the validators
/// already refuse: C0 (backspace, tab, escape, ^A), DEL and C1 (NEL).
const CONTROLS: [&str; 6] = ["\u{8}", "\t", "\u{1b}[2J", "\u{1}", "\u{7f}", "\u{85}"];

fn base() -> Click2Call {
    Click2Call::new("+8675512345678", "+8613800000001", "+8613800000002")
}

/// Either refused, naming `field`, or a JSON body with no control character
/// in any string value.
fn assert_refused_or_clean(result: Result<Vec<u8>, voicecb::Error>, field: &str, what: &str) {
    match result {
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{what}: {e}");
            assert_eq!(e.field(), Some(field), "{what}: {e}");
        }
        Ok(body) => {
            let v: Value = serde_json::from_slice(&body).unwrap();
            for (k, v) in v.as_object().unwrap() {
                if let Some(s) = v.as_str() {
                    assert!(
                        !s.chars().any(char::is_control),
                        "{what}: body sends {k} = {s:?}"
                    );
                }
            }
        }
    }
}

/// Target `validation`, input fuzz/regressions/validation/control-in-sessionid
/// (found as crash-2a6d4b8a-sessionid-backspace): callStop sends a session
/// id holding a control character.
#[test]
fn call_stop_body_keeps_control_characters_out() {
    for c in CONTROLS {
        let sid = format!("1202_566_0_20161228102743@callen{c}abler.home1.com");
        assert_refused_or_clean(
            call_stop_body(&sid),
            "sessionid",
            &format!("sessionid {sid:?}"),
        );
    }
}

/// Target `validation`, inputs control-in-wait-voice and
/// c1-control-in-pre-voice: the announcement file names take any control
/// character but CR, LF and NUL.
#[test]
fn voice_file_names_keep_control_characters_out() {
    for c in CONTROLS {
        let v = Some(format!("voice{c}1.wav"));
        let cases = [
            (
                "lastMinVoice",
                Click2Call {
                    last_min_voice: v.clone(),
                    ..base()
                },
            ),
            (
                "preVoice",
                Click2Call {
                    pre_voice: v.clone(),
                    ..base()
                },
            ),
            (
                "waitVoice",
                Click2Call {
                    wait_voice: v.clone(),
                    ..base()
                },
            ),
            (
                "recordHintTone",
                Click2Call {
                    record_hint_tone: v.clone(),
                    ..base()
                },
            ),
        ];
        for (field, req) in cases {
            assert_refused_or_clean(req.to_body(false), field, &format!("{field} {v:?}"));
        }
    }
}

/// Target `validation`, input control-in-user-data: an ASCII userData with a
/// control character is sent as is, with or without
/// encode_non_ascii_user_data (ASCII is never encoded).
#[test]
fn user_data_keeps_control_characters_out() {
    for c in CONTROLS {
        let req = Click2Call {
            user_data: Some(format!("customer{c}Id123")),
            ..base()
        };
        for encode in [false, true] {
            assert_refused_or_clean(
                req.to_body(encode),
                "userData",
                &format!("userData {c:?}, encode {encode}"),
            );
        }
    }
}
