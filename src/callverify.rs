//! The voice verification code request (`POST /rest/httpsessions/callVerify/v1.0`):
//! its typed fields, its validation and its JSON body. Limits and their
//! lines are those of `voice-call-more-apis.md`, section 2.2.

use serde::Serialize;

use crate::client::Binding;
use crate::error::Error;
use crate::request::{check_number, check_text, check_user_data, encode_url, flag};

/// Path of the voice verification code API (`callVerify` camel case, spec line 57).
pub const CALL_VERIFY_PATH: &str = "/rest/httpsessions/callVerify/v1.0";

/// The only `languageType` the spec documents: 2, Chinese (line 257).
pub const LANGUAGE_TYPE_CHINESE: i64 = 2;
/// The platform's number of plays when `times` is left out (line 261).
pub const DEFAULT_VERIFY_TIMES: u32 = 3;
/// The largest `times` (line 261; the SDK's `@max 9`).
pub const MAX_VERIFY_TIMES: u32 = 9;
/// The shortest `verifyCode`: 2 digits, per the vendor page (line 259; the
/// SDK gives no minimum, section 5 item 8).
pub const MIN_VERIFY_CODE_LEN: usize = 2;
/// The longest `verifyCode` (line 259).
pub const MAX_VERIFY_CODE_LEN: usize = 8;

/// A voice verification code call: the platform calls `callee_nbr`, plays
/// `pre_tone`, speaks the digits of `verify_code`, then plays `pos_tone`.
///
/// ```
/// let req = voicecb::CallVerify {
///     pos_tone: Some("postone.wav".into()),
///     ..voicecb::CallVerify::new("+8675512345678", "+8613800000002", "1234", "pretone.wav")
/// };
/// assert_eq!(req.language_type, 2);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallVerify {
    /// `displayNbr`: the number the callee sees (4-31 characters, line 255).
    pub display_nbr: String,
    /// `calleeNbr`: the party called, `+{country}{number}` (line 256).
    pub callee_nbr: String,
    /// `languageType`: the language of the spoken code. Required by the
    /// API; [`new`](CallVerify::new) sets the only documented value,
    /// [`LANGUAGE_TYPE_CHINESE`] (2), and the library refuses any other
    /// (line 257; section 5 item 9): a value the platform may not know is
    /// caught before a call is placed.
    pub language_type: i64,
    /// `preTone`: WAV file played before the code, 1-128 characters (line 258).
    pub pre_tone: String,
    /// `verifyCode`: 2 to 8 digits 0-9 (line 259).
    pub verify_code: String,
    /// `posTone`: WAV file played after the code, 1-128 characters (line 260).
    pub pos_tone: Option<String>,
    /// `times`: how many times the code is played, 0-9; 0 repeats without
    /// end; `None` leaves it out, and the platform plays it
    /// [`DEFAULT_VERIFY_TIMES`] (3) times (line 261). Whether the tones
    /// repeat with the code is not documented.
    pub times: Option<u32>,
    /// `statusUrl`: as [`CallNotify::status_url`](crate::CallNotify::status_url) (line 262).
    pub status_url: Option<String>,
    /// `feeUrl`: as `status_url` (line 263).
    pub fee_url: Option<String>,
    /// `returnIdlePort`: ask for the platform's count of idle call ports (line 264).
    pub return_idle_port: Option<bool>,
    /// `userData`: the application's tag, as click2Call's (line 265).
    pub user_data: Option<String>,
}

impl CallVerify {
    /// A verification call with its required fields; `languageType` is 2.
    pub fn new(
        display_nbr: impl Into<String>,
        callee_nbr: impl Into<String>,
        verify_code: impl Into<String>,
        pre_tone: impl Into<String>,
    ) -> CallVerify {
        CallVerify {
            display_nbr: display_nbr.into(),
            callee_nbr: callee_nbr.into(),
            language_type: LANGUAGE_TYPE_CHINESE,
            pre_tone: pre_tone.into(),
            verify_code: verify_code.into(),
            pos_tone: None,
            times: None,
            status_url: None,
            fee_url: None,
            return_idle_port: None,
            user_data: None,
        }
    }

    /// The request's phone numbers by API field name, for events.
    pub(crate) fn numbers(&self) -> [(&'static str, &str); 2] {
        [
            ("displayNbr", &self.display_nbr),
            ("calleeNbr", &self.callee_nbr),
        ]
    }

    /// Checks every field against the spec and builds the JSON body;
    /// `encode_non_ascii_user_data` as for
    /// [`Click2Call::to_body`](crate::Click2Call::to_body).
    pub fn to_body(&self, encode_non_ascii_user_data: bool) -> Result<Vec<u8>, Error> {
        self.to_body_for(encode_non_ascii_user_data, Binding::Rust)
    }

    /// [`to_body`](CallVerify::to_body), with messages that name options as
    /// `binding` spells them.
    pub fn to_body_for(
        &self,
        encode_non_ascii_user_data: bool,
        binding: Binding,
    ) -> Result<Vec<u8>, Error> {
        check_number("displayNbr", &self.display_nbr)?;
        check_number("calleeNbr", &self.callee_nbr)?;
        check_language_type(self.language_type)?;
        check_text("preTone", &self.pre_tone, 128)?;
        check_verify_code(&self.verify_code)?;
        if let Some(t) = &self.pos_tone {
            check_text("posTone", t, 128)?;
        }
        if let Some(t) = self.times {
            check_times(t.into())?;
        }
        let status_url = encode_url("statusUrl", &self.status_url)?;
        let fee_url = encode_url("feeUrl", &self.fee_url)?;
        let user_data = match &self.user_data {
            None => None,
            Some(u) => Some(check_user_data(u, encode_non_ascii_user_data, binding)?),
        };
        let body = CallVerifyBody {
            display_nbr: &self.display_nbr,
            callee_nbr: &self.callee_nbr,
            language_type: self.language_type,
            pre_tone: &self.pre_tone,
            verify_code: &self.verify_code,
            pos_tone: self.pos_tone.as_deref(),
            times: self.times,
            status_url,
            fee_url,
            return_idle_port: self.return_idle_port.map(flag),
            user_data,
        };
        Ok(serde_json::to_vec(&body).expect("a struct of strings and integers serializes"))
    }
}

/// `languageType`: only the documented 2 (line 257).
pub(crate) fn check_language_type(n: i64) -> Result<(), Error> {
    if n != LANGUAGE_TYPE_CHINESE {
        return Err(Error::invalid(
            "languageType",
            format!(
                "must be {LANGUAGE_TYPE_CHINESE} (Chinese), the only value the API documents, got {n}"
            ),
        ));
    }
    Ok(())
}

/// `verifyCode`: 2-8 digits 0-9 (line 259).
pub(crate) fn check_verify_code(code: &str) -> Result<(), Error> {
    if !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid("verifyCode", "must be digits 0-9 only"));
    }
    let n = code.len();
    if !(MIN_VERIFY_CODE_LEN..=MAX_VERIFY_CODE_LEN).contains(&n) {
        return Err(Error::invalid(
            "verifyCode",
            format!("must be {MIN_VERIFY_CODE_LEN} to {MAX_VERIFY_CODE_LEN} digits, got {n}"),
        ));
    }
    Ok(())
}

/// `times`, taken wide and signed for the wrappers (line 261).
pub(crate) fn check_times(n: i64) -> Result<u32, Error> {
    match u32::try_from(n) {
        Ok(v) if v <= MAX_VERIFY_TIMES => Ok(v),
        _ => Err(Error::invalid(
            "times",
            format!("must be 0 to {MAX_VERIFY_TIMES} (0 repeats without end), got {n}"),
        )),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CallVerifyBody<'a> {
    display_nbr: &'a str,
    callee_nbr: &'a str,
    language_type: i64,
    pre_tone: &'a str,
    verify_code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pos_tone: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    times: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fee_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    return_idle_port: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_data: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn base() -> CallVerify {
        CallVerify::new(
            "+8675512345678",
            "+8613800000002",
            "12345678",
            "welcome.wav",
        )
    }

    fn field_of(req: &CallVerify) -> String {
        req.to_body(false).unwrap_err().field().unwrap().to_owned()
    }

    #[test]
    fn the_vendors_example_serializes_as_sent() {
        let req = CallVerify {
            times: Some(3),
            user_data: Some("customerId123".into()),
            ..base()
        };
        let b: Value = serde_json::from_slice(&req.to_body(false).unwrap()).unwrap();
        assert_eq!(
            b,
            json!({"displayNbr": "+8675512345678", "calleeNbr": "+8613800000002",
                   "languageType": 2, "preTone": "welcome.wav", "verifyCode": "12345678",
                   "times": 3, "userData": "customerId123"})
        );
        let all = CallVerify {
            pos_tone: Some("postone.wav".into()),
            times: Some(0),
            status_url: Some("http://127.0.0.1:8080/s".into()),
            fee_url: Some("http://127.0.0.1:8080/f".into()),
            return_idle_port: Some(false),
            ..base()
        };
        let b: Value = serde_json::from_slice(&all.to_body(false).unwrap()).unwrap();
        assert_eq!(b.as_object().unwrap().len(), 10);
        assert_eq!(
            (b["times"].clone(), b["returnIdlePort"].clone()),
            (json!(0), json!("false"))
        );
    }

    #[test]
    fn every_limit_names_its_field() {
        for (req, field) in [
            (
                CallVerify {
                    language_type: 1,
                    ..base()
                },
                "languageType",
            ),
            (
                CallVerify {
                    language_type: 3,
                    ..base()
                },
                "languageType",
            ),
            (
                CallVerify {
                    verify_code: "1".into(),
                    ..base()
                },
                "verifyCode",
            ),
            (
                CallVerify {
                    verify_code: "123456789".into(),
                    ..base()
                },
                "verifyCode",
            ),
            (
                CallVerify {
                    verify_code: "12a4".into(),
                    ..base()
                },
                "verifyCode",
            ),
            (
                CallVerify {
                    verify_code: "１２３".into(),
                    ..base()
                },
                "verifyCode",
            ),
            (
                CallVerify {
                    verify_code: String::new(),
                    ..base()
                },
                "verifyCode",
            ),
            (
                CallVerify {
                    pre_tone: String::new(),
                    ..base()
                },
                "preTone",
            ),
            (
                CallVerify {
                    pre_tone: "a".repeat(129),
                    ..base()
                },
                "preTone",
            ),
            (
                CallVerify {
                    pos_tone: Some(String::new()),
                    ..base()
                },
                "posTone",
            ),
            (
                CallVerify {
                    times: Some(10),
                    ..base()
                },
                "times",
            ),
            (
                CallVerify {
                    display_nbr: "+1".into(),
                    ..base()
                },
                "displayNbr",
            ),
            (
                CallVerify {
                    callee_nbr: "x".into(),
                    ..base()
                },
                "calleeNbr",
            ),
            (
                CallVerify {
                    status_url: Some("https://x/a_b".into()),
                    ..base()
                },
                "statusUrl",
            ),
            (
                CallVerify {
                    user_data: Some(String::new()),
                    ..base()
                },
                "userData",
            ),
        ] {
            assert_eq!(field_of(&req), field, "{req:?}");
        }
        for ok in [
            CallVerify {
                verify_code: "12".into(),
                ..base()
            },
            CallVerify {
                times: Some(9),
                pre_tone: "a".repeat(128),
                ..base()
            },
        ] {
            assert!(ok.to_body(false).is_ok(), "{ok:?}");
        }
        let e = CallVerify {
            times: Some(10),
            ..base()
        }
        .to_body(false)
        .unwrap_err();
        assert!(e.message().contains("0 to 9"), "{e}");
        assert!(check_times(-1).is_err());
    }
}
