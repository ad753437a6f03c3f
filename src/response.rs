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
    /// `return_idle_port` and the platform sent it.
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

/// Interprets a click2Call answer.
pub fn parse_click2call(status: u16, body: &[u8]) -> Result<CallResult, Error> {
    let answer = parse(Api::Click2Call, status, body)?;
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
    let idle_port = match answer.idle_port {
        None | Some(Value::Null) => None,
        Some(v) => match as_integer(&v).and_then(|n| u16::try_from(n).ok()) {
            Some(n) => Some(n),
            None => {
                return Err(Error::bad_response(
                    status,
                    "idlePort is not an integer 0-65535",
                    body,
                ));
            }
        },
    };
    // The tally is the client's to fill in: one answer knows nothing of
    // the tries before it.
    Ok(CallResult {
        session_id,
        idle_port,
        attempts: 1,
        elapsed: std::time::Duration::ZERO,
    })
}

/// Interprets a callStop answer.
pub fn parse_call_stop(status: u16, body: &[u8]) -> Result<(), Error> {
    parse(Api::CallStop, status, body).map(|_| ())
}

fn parse(api: Api, status: u16, body: &[u8]) -> Result<Answer, Error> {
    let answer: Answer = match serde_json::from_slice::<Value>(body) {
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
    };
    let code = match &answer.resultcode {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(v @ Value::Number(_)) if as_integer(v).is_some() => v.to_string(),
        Some(_) => {
            return Err(Error::bad_response(
                status,
                "resultcode is not a string or an integer",
                body,
            ));
        }
        None => return Err(Error::bad_response(status, "no resultcode", body)),
    };
    let desc = match &answer.resultdesc {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    if (200..300).contains(&status) && code == "0" {
        Ok(answer)
    } else {
        Err(Error::platform(api, status, code, desc))
    }
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
            br#"{"resultcode":"0","sessionId":"s","idlePort":70000}"#,
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
}
