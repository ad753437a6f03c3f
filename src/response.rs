//! Parsing the platform's answers.
//!
//! Tolerant where the platform has been seen to vary (unknown fields, a
//! numeric `resultcode` or `idlePort`), strict where it matters: success is
//! HTTP 2xx with `resultcode` "0", and anything else is an error that keeps
//! what the platform said.

use serde::Deserialize;
use serde_json::Value;

use crate::codes::Api;
use crate::error::Error;

/// The most of a body the library reads; a longer one is a bad response.
pub const MAX_BODY: usize = 64 * 1024;

/// A successful click2Call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallResult {
    /// The platform's id of the call; give it to [`Client::call_stop`](crate::Client::call_stop).
    pub session_id: String,
    /// The platform's count of idle call ports, when the request set
    /// `return_idle_port` and the platform sent it as an integer 0-65535;
    /// any other value (negative, too large, a float, text, an object) is
    /// unknown, since the call was placed all the same.
    pub idle_port: Option<u16>,
    /// How many tries the call made (more than 1 only with a retry policy).
    pub attempts: u32,
    /// How long the call took in all, tries and waits included.
    pub elapsed: std::time::Duration,
}

#[derive(Deserialize)]
struct Answer {
    resultcode: Option<Value>,
    resultdesc: Option<Value>,
    #[serde(rename = "sessionId")]
    session_id: Option<Value>,
    #[serde(rename = "idlePort")]
    idle_port: Option<Value>,
}

/// The longest `sessionId` [`Client::call_stop`](crate::Client::call_stop)
/// accepts, in characters.
pub const MAX_SESSION_ID_LEN: usize = 256;

/// Interprets a click2Call answer. `body` may be longer than [`MAX_BODY`]
/// (then it is refused).
///
/// A call may have been placed whenever the answer names a session, so
/// every error whose body held a string `sessionId` carries it in
/// [`Error::session_id`]: a refusal with a 3xx or 5xx status, a body cut
/// at the size limit or broken after the id, and an id that callStop
/// would not take (with control characters, escaped, or too long).
pub fn parse_click2call(status: u16, body: &[u8]) -> Result<CallResult, Error> {
    parse_call(Api::Click2Call, status, body)
}

/// Interprets the answer of an API that places a call (click2Call,
/// callnotify, callVerify: their answers are the same, spec section 0.4),
/// as [`parse_click2call`] does; refusals are looked up in `api`'s table.
pub fn parse_call(api: Api, status: u16, body: &[u8]) -> Result<CallResult, Error> {
    call_answer(api, status, body).map_err(|e| match salvage_session_id(body) {
        Some(id) if e.session_id().is_none() => e.with_session_id(escape_controls(&id)),
        _ => e,
    })
}

fn call_answer(api: Api, status: u16, body: &[u8]) -> Result<CallResult, Error> {
    let answer = parse(api, status, body)?;
    let session_id = match answer.session_id {
        Some(Value::String(s)) if !s.is_empty() => s,
        _ => {
            return Err(Error::bad_response(
                status,
                "resultcode 0 without a sessionId",
                body,
            ));
        }
    };
    let chars = session_id.chars().count();
    if chars > MAX_SESSION_ID_LEN || session_id.chars().any(char::is_control) {
        let what = if chars > MAX_SESSION_ID_LEN {
            format!(
                "the sessionId has {chars} characters, more than the {MAX_SESSION_ID_LEN} callStop accepts"
            )
        } else {
            "the sessionId has control characters, which callStop refuses".to_owned()
        };
        return Err(
            Error::bad_response(status, &what, body).with_session_id(escape_controls(&session_id))
        );
    }
    // The count of idle ports is advisory: an odd one must not turn a
    // placed call into an error the caller cannot stop.
    let idle_port = answer
        .idle_port
        .as_ref()
        .and_then(as_integer)
        .and_then(|n| u16::try_from(n).ok());
    Ok(CallResult {
        session_id,
        idle_port,
        attempts: 1,
        elapsed: std::time::Duration::ZERO,
    })
}

/// Interprets a callStop answer. `body` may be longer than [`MAX_BODY`]
/// (then it is refused).
pub fn parse_call_stop(status: u16, body: &[u8]) -> Result<(), Error> {
    parse(Api::CallStop, status, body).map(|_| ())
}

/// Checks an answer for success (2xx and `resultcode` "0"); a refusal is
/// looked up in `api`'s table.
pub(crate) fn parse_answer(api: Api, status: u16, body: &[u8]) -> Result<(), Error> {
    parse(api, status, body).map(|_| ())
}

/// The last string `sessionId` of the top-level object of `body`, read as
/// far as the body is well formed: a body cut short or broken after the
/// id still gives it.
fn salvage_session_id(body: &[u8]) -> Option<String> {
    use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

    struct Seed<'a>(&'a mut Option<String>);

    impl<'de> Visitor<'de> for Seed<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while let Some(key) = map.next_key::<String>()? {
                if key == "sessionId" {
                    match map.next_value::<Value>()? {
                        Value::String(s) if !s.is_empty() => *self.0 = Some(s),
                        _ => {}
                    }
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(())
        }
    }

    impl<'de> DeserializeSeed<'de> for Seed<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_map(self)
        }
    }

    let mut found = None;
    let mut de = serde_json::Deserializer::from_slice(body);
    // The error is expected for a cut or broken body: what was read before it counts.
    let _ = Seed(&mut found).deserialize(&mut de);
    found
}

/// `s` with every control character written as an escape (`\r`, `\n`,
/// `\u{1b}`), so that it cannot split a log line or drive a terminal: the
/// escaping of the library's messages, for a program printing what it got.
pub fn escape_controls(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_owned();
    }
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn parse(api: Api, status: u16, body: &[u8]) -> Result<Answer, Error> {
    if body.len() > MAX_BODY {
        return Err(Error::bad_response(
            status,
            "the body is larger than 64 KiB",
            body,
        ));
    }
    // The four fields straight from the bytes, without building a `Value`
    // of the whole answer; whatever does not go that way (not an object, a
    // field given twice, not JSON) takes the path through `Value`, which
    // also says what is wrong. The `{` check keeps a JSON array out: serde
    // would read its items as the fields in order; and the text must be
    // UTF-8 as a whole, which serde does not check in the fields it skips.
    let fast = match std::str::from_utf8(body) {
        Ok(text) if text.trim_start().starts_with('{') => serde_json::from_str::<Answer>(text).ok(),
        _ => None,
    };
    let answer: Answer = match fast {
        Some(answer) => answer,
        None => match serde_json::from_slice::<Value>(body) {
            Ok(v @ Value::Object(_)) => {
                serde_json::from_value(v).expect("every field is an optional Value")
            }
            Ok(_) => {
                return Err(Error::bad_response(
                    status,
                    "the body is JSON but not an object",
                    body,
                ));
            }
            Err(_) => return Err(Error::bad_response(status, "the body is not JSON", body)),
        },
    };
    let code: std::borrow::Cow<'_, str> = match &answer.resultcode {
        Some(Value::String(s)) if !s.is_empty() => s.as_str().into(),
        Some(v @ Value::Number(_)) if as_integer(v).is_some() => v.to_string().into(),
        Some(_) => {
            return Err(Error::bad_response(
                status,
                "resultcode is not a string or an integer",
                body,
            ));
        }
        None => return Err(Error::bad_response(status, "no resultcode", body)),
    };
    if (200..300).contains(&status) && code == "0" {
        return Ok(answer);
    }
    let desc = match &answer.resultdesc {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    Err(Error::platform(api, status, code.into_owned(), desc))
}

/// An integer, sent as a JSON number or a string of digits.
fn as_integer(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn success() {
        let r = parse_click2call(
            200,
            br#"{"resultcode":"0","resultdesc":"Success","sessionId":"1_2_0_3@x","extra":[1]}"#,
        )
        .unwrap();
        assert_eq!(
            r,
            CallResult {
                session_id: "1_2_0_3@x".into(),
                idle_port: None,
                attempts: 1,
                elapsed: std::time::Duration::ZERO
            }
        );
        let r =
            parse_click2call(200, br#"{"resultcode":0,"sessionId":"s","idlePort":"17"}"#).unwrap();
        assert_eq!(r.idle_port, Some(17));
        parse_call_stop(200, br#"{"resultcode":"0","resultdesc":"Success"}"#).unwrap();
    }

    #[test]
    fn platform_errors_carry_status_code_and_catalogue() {
        let e = parse_click2call(
            401,
            br#"{"resultcode":"1010010","resultdesc":"Invalid digest."}"#,
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Platform);
        assert_eq!(
            (e.http_status(), e.result_code(), e.result_desc()),
            (Some(401), Some("1010010"), Some("Invalid digest."))
        );
        assert_eq!(e.code_info().unwrap().zh(), "PasswordDigest校验失败。");
        let e = parse_click2call(403, br#"{"resultcode":1010010,"resultdesc":"x"}"#).unwrap_err();
        assert!(e.retryable() && e.code_info().unwrap().en().contains("flow control"));
        let e =
            parse_call_stop(500, br#"{"resultcode":"9999999","resultdesc":"new"}"#).unwrap_err();
        assert!(e.code_info().is_none() && e.message().contains("not in the catalogue"));
        // 2xx with a non-zero code, and a non-2xx with code 0, are both refusals.
        assert_eq!(
            parse_call_stop(200, br#"{"resultcode":"1020152"}"#)
                .unwrap_err()
                .kind(),
            ErrorKind::Platform
        );
        assert_eq!(
            parse_call_stop(500, br#"{"resultcode":"0"}"#)
                .unwrap_err()
                .kind(),
            ErrorKind::Platform
        );
    }

    #[test]
    fn bad_responses() {
        for body in [
            &b""[..],
            b"<html>502 Bad Gateway</html>",
            b"[]",
            br#"{"resultdesc":"x"}"#,
            br#"{"resultcode":true}"#,
            br#"{"resultcode":"0"}"#,
            br#"{"resultcode":"0","sessionId":5}"#,
            b"\xff\xfe",
        ] {
            let e = parse_click2call(200, body).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::BadResponse, "{body:?}: {e}");
            assert_eq!(e.http_status(), Some(200));
        }
        let e = parse_click2call(502, b"<html><body>Bad Gateway</body></html>").unwrap_err();
        assert!(
            e.message().contains("HTTP 502") && e.message().contains("Bad Gateway"),
            "{e}"
        );
    }

    #[test]
    fn odd_idle_ports_are_unknown_not_errors() {
        for port in [
            "-1", "70000", "65536", "1.5", "\"abc\"", "{}", "[1]", "true", "null",
        ] {
            let body = format!(r#"{{"resultcode":"0","sessionId":"s1","idlePort":{port}}}"#);
            let r =
                parse_click2call(200, body.as_bytes()).unwrap_or_else(|e| panic!("{port}: {e}"));
            assert_eq!((r.session_id.as_str(), r.idle_port), ("s1", None), "{port}");
        }
        let r = parse_click2call(
            200,
            br#"{"resultcode":"0","sessionId":"s","idlePort":65535}"#,
        )
        .unwrap();
        assert_eq!(r.idle_port, Some(65535));
    }

    #[test]
    fn errors_of_an_answer_with_a_session_id_carry_it() {
        for (status, body, kind, id) in [
            (
                302,
                &br#"{"resultcode":"0","sessionId":"s302"}"#[..],
                ErrorKind::Platform,
                "s302",
            ),
            (
                500,
                br#"{"resultcode":"0","sessionId":"s500"}"#,
                ErrorKind::Platform,
                "s500",
            ),
            (
                200,
                br#"{"resultcode":"1","sessionId":"s200"}"#,
                ErrorKind::Platform,
                "s200",
            ),
            (
                200,
                b"{\"resultcode\":\"0\",\"sessionId\":\"sbad\",\"x\":\"\xff\"}",
                ErrorKind::BadResponse,
                "sbad",
            ),
            (
                200,
                br#"{"resultcode":"0","sessionId":"scut","pad":"ppp"#,
                ErrorKind::BadResponse,
                "scut",
            ),
            (
                200,
                br#"{"sessionId":"snocode"}"#,
                ErrorKind::BadResponse,
                "snocode",
            ),
        ] {
            let e = parse_click2call(status, body).unwrap_err();
            assert_eq!((e.kind(), e.session_id()), (kind, Some(id)), "{e}");
        }
        // An oversized body whose start holds the id.
        let mut big = br#"{"resultcode":"0","sessionId":"sbig","pad":""#.to_vec();
        big.resize(MAX_BODY + 1, b'p');
        let e = parse_click2call(200, &big).unwrap_err();
        assert_eq!(
            (e.kind(), e.session_id()),
            (ErrorKind::BadResponse, Some("sbig")),
            "{e}"
        );
        // A nested sessionId is not the call's.
        let e = parse_click2call(500, br#"{"resultcode":"1","x":{"sessionId":"n"}}"#).unwrap_err();
        assert_eq!(e.session_id(), None);
        // callStop errors have none.
        let e = parse_call_stop(500, br#"{"resultcode":"0","sessionId":"s"}"#).unwrap_err();
        assert_eq!(e.session_id(), None);
    }

    #[test]
    fn session_ids_callstop_would_refuse_are_bad_responses_carrying_them_escaped() {
        let e = parse_click2call(
            200,
            b"{\"resultcode\":\"0\",\"sessionId\":\"a\\r\\nb\\u001b[31m\"}",
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BadResponse, "{e}");
        assert_eq!(e.session_id(), Some("a\\r\\nb\\u{1b}[31m"));
        assert!(e.message().contains("control characters"), "{e}");
        assert!(!e.message().contains(['\r', '\n', '\x1b']), "{e:?}");
        let long = "x".repeat(MAX_SESSION_ID_LEN + 1);
        let body = format!(r#"{{"resultcode":"0","sessionId":"{long}"}}"#);
        let e = parse_click2call(200, body.as_bytes()).unwrap_err();
        assert_eq!(
            (e.kind(), e.session_id()),
            (ErrorKind::BadResponse, Some(&long[..]))
        );
        let ok = "x".repeat(MAX_SESSION_ID_LEN);
        let body = format!(r#"{{"resultcode":"0","sessionId":"{ok}"}}"#);
        assert_eq!(
            parse_click2call(200, body.as_bytes()).unwrap().session_id,
            ok
        );
    }

    #[test]
    fn result_desc_is_escaped_in_the_message() {
        let e = parse_click2call(
            403,
            b"{\"resultcode\":\"1\",\"resultdesc\":\"bad\\r\\nX-Injected: 1\\u001b[2J\"}",
        )
        .unwrap_err();
        assert_eq!(e.result_desc(), Some("bad\r\nX-Injected: 1\x1b[2J"));
        assert!(!e.message().contains(['\r', '\n', '\x1b']), "{e:?}");
        assert!(
            e.message().contains("bad\\r\\nX-Injected: 1\\u{1b}[2J"),
            "{e}"
        );
    }
}
