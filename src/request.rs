//! The two requests: their typed fields, their validation against the spec's
//! limits, and their JSON bodies.
//!
//! Validation runs before any network I/O, and its errors name the field as
//! the API does (`displayNbr`, `maxDuration`, ...) and the rule broken.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use std::ffi::CStr;

use serde::Serialize;

use crate::client::Binding;
use crate::error::Error;

/// Path of the click2Call API.
pub const CLICK2CALL_PATH: &str = "/rest/httpsessions/click2Call/v2.0";
/// Path of the callStop API.
pub const CALL_STOP_PATH: &str = "/rest/httpsessions/callStop/v2.0";

/// The longest `maxDuration`, in minutes.
pub const MAX_DURATION_LIMIT: u32 = 1440;

/// Marks a `userData` that the library Base64-encoded because it was not
/// ASCII, so that the notification parser can decode it again.
pub const USER_DATA_BASE64_PREFIX: &str = "b64:";

/// Undoes the encoding `encode_non_ascii_user_data` applies: a `userData`
/// of [`USER_DATA_BASE64_PREFIX`] + Base64(UTF-8) comes back as the text
/// the caller set. Anything else, including a prefix followed by invalid
/// Base64 or by bytes that are not UTF-8, comes back as sent: the platform
/// echoes `userData` untouched, so a value that does not decode was not
/// encoded by this library and is the caller's own. Kept next to the
/// encoder so that one file knows the format.
pub fn decode_user_data(value: &str) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    // The encoder never sends an empty payload (userData is 1+ characters).
    let Some(payload) = value
        .strip_prefix(USER_DATA_BASE64_PREFIX)
        .filter(|p| !p.is_empty())
    else {
        return Cow::Borrowed(value);
    };
    match STANDARD
        .decode(payload)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
    {
        Some(text) => Cow::Owned(text),
        None => Cow::Borrowed(value),
    }
}

/// Who hears the last-minute announcement (`lastMinToUE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum LastMinToUe {
    /// Only the caller (`toa`).
    Caller = 1,
    /// Only the callee (`tob`).
    Callee = 2,
    /// Both parties (`both`), the platform's default.
    Both = 3,
}

/// Which of the callee side's media the caller hears while waiting (`calleeMedia`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum CalleeMedia {
    /// Pass every tone through (`all`), the platform's default.
    All = 1,
    /// Keep playing the wait tone until the callee answers (`none`).
    None = 2,
    /// Pass through only failure announcements (`fail`).
    Fail = 3,
}

impl LastMinToUe {
    /// Every value, in the order of their numbers.
    pub const ALL: [LastMinToUe; 3] = [LastMinToUe::Caller, LastMinToUe::Callee, LastMinToUe::Both];

    /// The API's value: `toa`, `tob` or `both`.
    pub fn api_name(self) -> &'static str {
        as_str(self.api_name_cstr())
    }

    pub(crate) fn api_name_cstr(self) -> &'static CStr {
        match self {
            LastMinToUe::Caller => c"toa",
            LastMinToUe::Callee => c"tob",
            LastMinToUe::Both => c"both",
        }
    }

    /// Parses the API's value (`toa`, `tob`, `both`).
    pub fn parse(s: &str) -> Option<LastMinToUe> {
        LastMinToUe::ALL.into_iter().find(|v| v.api_name() == s)
    }

    /// Parses the API's value, or says which values the field takes.
    pub fn parse_field(s: &str) -> Result<LastMinToUe, Error> {
        LastMinToUe::parse(s).ok_or_else(|| {
            Error::invalid(
                "lastMinToUE",
                format!("must be \"toa\", \"tob\" or \"both\", got {s:?}"),
            )
        })
    }

    /// The value whose number (`VOICECB_LAST_MIN_TO_UE_*`) is `n`.
    pub fn from_number(n: i32) -> Option<LastMinToUe> {
        LastMinToUe::ALL.into_iter().find(|v| *v as i32 == n)
    }
}

impl CalleeMedia {
    /// Every value, in the order of their numbers.
    pub const ALL: [CalleeMedia; 3] = [CalleeMedia::All, CalleeMedia::None, CalleeMedia::Fail];

    /// The API's value: `all`, `none` or `fail`.
    pub fn api_name(self) -> &'static str {
        as_str(self.api_name_cstr())
    }

    pub(crate) fn api_name_cstr(self) -> &'static CStr {
        match self {
            CalleeMedia::All => c"all",
            CalleeMedia::None => c"none",
            CalleeMedia::Fail => c"fail",
        }
    }

    /// Parses the API's value (`all`, `none`, `fail`).
    pub fn parse(s: &str) -> Option<CalleeMedia> {
        CalleeMedia::ALL.into_iter().find(|v| v.api_name() == s)
    }

    /// Parses the API's value, or says which values the field takes.
    pub fn parse_field(s: &str) -> Result<CalleeMedia, Error> {
        CalleeMedia::parse(s).ok_or_else(|| {
            Error::invalid(
                "calleeMedia",
                format!("must be \"all\", \"none\" or \"fail\", got {s:?}"),
            )
        })
    }

    /// The value whose number (`VOICECB_CALLEE_MEDIA_*`) is `n`.
    pub fn from_number(n: i32) -> Option<CalleeMedia> {
        CalleeMedia::ALL.into_iter().find(|v| *v as i32 == n)
    }
}

impl Serialize for LastMinToUe {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.api_name())
    }
}

impl Serialize for CalleeMedia {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.api_name())
    }
}

fn as_str(s: &'static CStr) -> &'static str {
    // Every name is an ASCII literal above.
    s.to_str().unwrap_or("")
}

/// A click2Call request: the platform rings `caller_nbr`, then bridges
/// `callee_nbr`. Unset (`None`) optional fields are left out of the request,
/// so the platform's defaults apply.
///
/// ```
/// let req = voicecb::Click2Call {
///     max_duration: Some(30),
///     ..voicecb::Click2Call::new("+8675512345678", "+8613800000001", "+8613800000002")
/// };
/// assert_eq!(req.display_callee_nbr, "+8675512345678");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Click2Call {
    /// `displayNbr`: the number the caller sees; one of the app's numbers.
    pub display_nbr: String,
    /// `callerNbr`: the party rung first, `+{country}{number}`.
    pub caller_nbr: String,
    /// `displayCalleeNbr`: the number the callee sees; one of the app's numbers.
    pub display_callee_nbr: String,
    /// `calleeNbr`: the party bridged in, `+{country}{number}`.
    pub callee_nbr: String,
    /// `maxDuration`: minutes after the callee answers before the platform
    /// ends the call, 1 to 1440; 0 means no limit.
    pub max_duration: Option<u32>,
    /// `lastMinVoice`: announcement file played in the last minute.
    pub last_min_voice: Option<String>,
    /// `lastMinToUE`: who hears the last-minute announcement.
    pub last_min_to_ue: Option<LastMinToUe>,
    /// `playPreVoice`: play `pre_voice` to the caller before ringing the callee.
    pub play_pre_voice: Option<bool>,
    /// `preVoice`: announcement file played to the caller before the callee is rung.
    pub pre_voice: Option<String>,
    /// `waitVoice`: file the caller hears while the callee is rung.
    pub wait_voice: Option<String>,
    /// `calleeMedia`: which of the callee side's media the caller hears.
    pub callee_media: Option<CalleeMedia>,
    /// `statusUrl`: where the platform pushes call-status events. A plain
    /// URL; the library Base64-encodes it as the API wants. The API takes at
    /// most 128 Base64 characters, so at most [`MAX_NOTIFY_URL_LEN`] (96)
    /// bytes of URL.
    pub status_url: Option<String>,
    /// `feeUrl`: where the platform pushes bills. A plain URL, encoded by the library.
    pub fee_url: Option<String>,
    /// `recordFlag`: record the call (the app must have recording enabled).
    pub record_flag: Option<bool>,
    /// `recordHintTone`: announcement file that tells the parties they are recorded.
    pub record_hint_tone: Option<String>,
    /// `partyTypeRequiredInDisconnect`: say in the disconnect event who hung up.
    pub party_type_required_in_disconnect: Option<bool>,
    /// `returnIdlePort`: ask the platform for its count of idle call ports.
    pub return_idle_port: Option<bool>,
    /// `userData`: the application's own tag, echoed in notifications.
    /// 1 to 256 ASCII characters without `{` or `}`; see
    /// [`ClientBuilder::encode_non_ascii_user_data`](crate::ClientBuilder::encode_non_ascii_user_data).
    pub user_data: Option<String>,
}

impl Click2Call {
    /// The request's phone numbers by API field name, for events.
    pub(crate) fn numbers(&self) -> [(&'static str, &str); 4] {
        [
            ("displayNbr", &self.display_nbr),
            ("callerNbr", &self.caller_nbr),
            ("displayCalleeNbr", &self.display_callee_nbr),
            ("calleeNbr", &self.callee_nbr),
        ]
    }

    /// A request with the three numbers every call needs; `displayCalleeNbr`
    /// is set to `display_nbr`, as most applications want.
    pub fn new(
        display_nbr: impl Into<String>,
        caller_nbr: impl Into<String>,
        callee_nbr: impl Into<String>,
    ) -> Click2Call {
        let display_nbr = display_nbr.into();
        Click2Call {
            display_callee_nbr: display_nbr.clone(),
            display_nbr,
            caller_nbr: caller_nbr.into(),
            callee_nbr: callee_nbr.into(),
            ..Click2Call::default()
        }
    }

    /// Checks every field against the spec and builds the JSON body.
    /// `encode_non_ascii_user_data` Base64-encodes a non-ASCII `userData`
    /// (marked with [`USER_DATA_BASE64_PREFIX`]) instead of refusing it.
    pub fn to_body(&self, encode_non_ascii_user_data: bool) -> Result<Vec<u8>, Error> {
        self.to_body_for(encode_non_ascii_user_data, Binding::Rust)
    }

    /// [`to_body`](Click2Call::to_body), with messages that name options
    /// as `binding` spells them (the CLI checks a request before it has
    /// the credentials to build a client).
    pub fn to_body_for(
        &self,
        encode_non_ascii_user_data: bool,
        binding: Binding,
    ) -> Result<Vec<u8>, Error> {
        check_number("displayNbr", &self.display_nbr)?;
        check_number("callerNbr", &self.caller_nbr)?;
        check_number("displayCalleeNbr", &self.display_callee_nbr)?;
        check_number("calleeNbr", &self.callee_nbr)?;
        if let Some(m) = self.max_duration {
            check_max_duration(m.into())?;
        }
        check_voice("lastMinVoice", &self.last_min_voice)?;
        check_voice("preVoice", &self.pre_voice)?;
        check_voice("waitVoice", &self.wait_voice)?;
        check_voice("recordHintTone", &self.record_hint_tone)?;
        let status_url = encode_url("statusUrl", &self.status_url)?;
        let fee_url = encode_url("feeUrl", &self.fee_url)?;
        let user_data = match &self.user_data {
            None => None,
            Some(u) => Some(check_user_data(u, encode_non_ascii_user_data, binding)?),
        };
        let body = Click2CallBody {
            display_nbr: &self.display_nbr,
            caller_nbr: &self.caller_nbr,
            display_callee_nbr: &self.display_callee_nbr,
            callee_nbr: &self.callee_nbr,
            max_duration: self.max_duration,
            last_min_voice: self.last_min_voice.as_deref(),
            last_min_to_ue: self.last_min_to_ue,
            play_pre_voice: self.play_pre_voice.map(flag),
            pre_voice: self.pre_voice.as_deref(),
            wait_voice: self.wait_voice.as_deref(),
            callee_media: self.callee_media,
            status_url,
            fee_url,
            record_flag: self.record_flag.map(flag),
            record_hint_tone: self.record_hint_tone.as_deref(),
            party_type_required_in_disconnect: self.party_type_required_in_disconnect.map(flag),
            return_idle_port: self.return_idle_port.map(flag),
            user_data,
        };
        Ok(serde_json::to_vec(&body).expect("a struct of strings and integers serializes"))
    }
}

/// Checks a session id and builds the callStop body.
pub fn call_stop_body(session_id: &str) -> Result<Vec<u8>, Error> {
    if session_id.is_empty() {
        return Err(Error::invalid("sessionid", "is required"));
    }
    check_text("sessionid", session_id, 256)?;
    let body = CallStopBody {
        sessionid: session_id,
        signal: "call_stop",
    };
    Ok(serde_json::to_vec(&body).expect("a struct of strings serializes"))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Click2CallBody<'a> {
    display_nbr: &'a str,
    caller_nbr: &'a str,
    display_callee_nbr: &'a str,
    callee_nbr: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_duration: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_min_voice: Option<&'a str>,
    #[serde(rename = "lastMinToUE", skip_serializing_if = "Option::is_none")]
    last_min_to_ue: Option<LastMinToUe>,
    #[serde(skip_serializing_if = "Option::is_none")]
    play_pre_voice: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pre_voice: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    wait_voice: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    callee_media: Option<CalleeMedia>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fee_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    record_flag: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    record_hint_tone: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    party_type_required_in_disconnect: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    return_idle_port: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_data: Option<String>,
}

#[derive(Serialize)]
struct CallStopBody<'a> {
    sessionid: &'a str,
    signal: &'static str,
}

/// The API wants booleans as the strings "true" and "false".
pub(crate) fn flag(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

/// Control characters (CR, LF, NUL, tab, escape, DEL, C1) are refused
/// everywhere: they split headers and log lines, and no field of the API
/// needs one.
pub(crate) fn check_no_controls(field: &'static str, value: &str) -> Result<(), Error> {
    if value.chars().any(char::is_control) {
        return Err(Error::invalid(
            field,
            "must not contain control characters (CR, LF, NUL, tab, ...)",
        ));
    }
    Ok(())
}

/// A text field of 1 to `max` characters.
pub(crate) fn check_text(field: &'static str, value: &str, max: usize) -> Result<(), Error> {
    check_no_controls(field, value)?;
    let n = value.chars().count();
    if n == 0 || n > max {
        return Err(Error::invalid(
            field,
            format!("must be 1 to {max} characters, got {n}"),
        ));
    }
    Ok(())
}

/// `maxDuration`, taken as a wide signed number so that a wrapper whose
/// integers are signed gets this rule for a negative value too.
pub(crate) fn check_max_duration(minutes: i64) -> Result<u32, Error> {
    match u32::try_from(minutes) {
        Ok(m) if m <= MAX_DURATION_LIMIT => Ok(m),
        _ => Err(Error::invalid(
            "maxDuration",
            format!("must be 0 to {MAX_DURATION_LIMIT} minutes, got {minutes}"),
        )),
    }
}

pub(crate) fn check_number(field: &'static str, value: &str) -> Result<(), Error> {
    if value.is_empty() {
        return Err(Error::invalid(field, "is required"));
    }
    check_no_controls(field, value)?;
    let n = value.len();
    if !(4..=31).contains(&n) {
        return Err(Error::invalid(
            field,
            format!("must be 4 to 31 characters, got {n}"),
        ));
    }
    let digits = value.strip_prefix('+').unwrap_or("");
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid(
            field,
            "must be '+' followed by digits only, as +{country code}{number}",
        ));
    }
    Ok(())
}

pub(crate) fn check_voice(field: &'static str, value: &Option<String>) -> Result<(), Error> {
    match value {
        Some(v) => check_text(field, v, 128),
        None => Ok(()),
    }
}

/// Checks a notification URL against the spec's character set and length,
/// then Base64-encodes it as the API wants.
pub(crate) fn encode_url(
    field: &'static str,
    value: &Option<String>,
) -> Result<Option<String>, Error> {
    let Some(url) = value else { return Ok(None) };
    check_no_controls(field, url)?;
    if url.is_empty() || url.len() > 128 {
        return Err(Error::invalid(
            field,
            format!("must be 1 to 128 bytes, got {}", url.len()),
        ));
    }
    if let Some(bad) = url
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | ':' | '.' | '/')))
    {
        return Err(Error::invalid(
            field,
            format!("may contain only a-z, A-Z, 0-9, '-', ':', '.' and '/', found {bad:?}"),
        ));
    }
    let host = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match host {
        Some(rest) if !rest.is_empty() && !rest.starts_with('/') => {}
        _ => {
            return Err(Error::invalid(
                field,
                "must be an http:// or https:// URL with a host",
            ));
        }
    }
    // The spec gives the field String(1-128) and asks for it Base64-encoded:
    // the value the platform checks is the encoded one.
    let encoded = STANDARD.encode(url);
    if encoded.len() > MAX_NOTIFY_URL_ENCODED {
        return Err(Error::invalid(
            field,
            format!(
                "is {} bytes, {} in Base64; the API takes at most {MAX_NOTIFY_URL_ENCODED} Base64 characters (a URL of at most {MAX_NOTIFY_URL_LEN} bytes)",
                url.len(),
                encoded.len()
            ),
        ));
    }
    Ok(Some(encoded))
}

/// The longest Base64 form of a `statusUrl`/`feeUrl` the API takes.
pub const MAX_NOTIFY_URL_ENCODED: usize = 128;
/// The longest plain `statusUrl`/`feeUrl` whose Base64 form fits.
pub const MAX_NOTIFY_URL_LEN: usize = MAX_NOTIFY_URL_ENCODED / 4 * 3;

/// The checks of `userData` that do not depend on the client: a request
/// setter can make them at once. ASCII and the length as sent are checked
/// at sending, where the client's encoding option is known.
pub(crate) fn check_user_data_text(value: &str) -> Result<(), Error> {
    check_no_controls("userData", value)?;
    if value.contains(['{', '}']) {
        return Err(Error::invalid("userData", "must not contain '{' or '}'"));
    }
    if value.is_empty() {
        return Err(Error::invalid(
            "userData",
            "must be 1 to 256 characters as sent, got 0",
        ));
    }
    Ok(())
}

pub(crate) fn check_user_data(
    value: &str,
    encode_non_ascii: bool,
    binding: Binding,
) -> Result<String, Error> {
    check_user_data_text(value)?;
    let out = if value.is_ascii() {
        value.to_owned()
    } else if encode_non_ascii {
        format!("{USER_DATA_BASE64_PREFIX}{}", STANDARD.encode(value))
    } else {
        return Err(Error::invalid(
            "userData",
            format!(
                "must be ASCII: Base64-encode it yourself, or set {} so that the library \
                 sends it as \"{USER_DATA_BASE64_PREFIX}\" + Base64",
                binding.encode_user_data_option()
            ),
        ));
    };
    let n = out.len();
    if n == 0 || n > 256 {
        return Err(Error::invalid(
            "userData",
            format!("must be 1 to 256 characters as sent, got {n}"),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn base() -> Click2Call {
        Click2Call::new("+8675512345678", "+8613800000001", "+8613800000002")
    }

    fn body(req: &Click2Call) -> Value {
        serde_json::from_slice(&req.to_body(false).unwrap()).unwrap()
    }

    fn field_of(req: &Click2Call) -> String {
        req.to_body(false).unwrap_err().field().unwrap().to_owned()
    }

    #[test]
    fn minimal_body_has_only_the_numbers() {
        assert_eq!(
            body(&base()),
            json!({"displayNbr": "+8675512345678", "callerNbr": "+8613800000001",
                   "displayCalleeNbr": "+8675512345678", "calleeNbr": "+8613800000002"})
        );
    }

    #[test]
    fn every_optional_field_is_typed_as_the_api_wants() {
        let req = Click2Call {
            max_duration: Some(1440),
            last_min_voice: Some("lastmin_voice1.wav".into()),
            last_min_to_ue: Some(LastMinToUe::Callee),
            play_pre_voice: Some(true),
            pre_voice: Some("pre_voice1.wav".into()),
            wait_voice: Some("wait_voice1.wav".into()),
            callee_media: Some(CalleeMedia::None),
            status_url: Some("https://example.com/status".into()),
            fee_url: Some("http://10.0.0.1:8080/fee".into()),
            record_flag: Some(false),
            record_hint_tone: Some("recordhint_voice1.wav".into()),
            party_type_required_in_disconnect: Some(true),
            return_idle_port: Some(true),
            user_data: Some("customerId123".into()),
            ..base()
        };
        let b = body(&req);
        assert_eq!(b.as_object().unwrap().len(), 18);
        assert_eq!(b["maxDuration"], json!(1440));
        assert_eq!(b["lastMinToUE"], json!("tob"));
        assert_eq!(b["calleeMedia"], json!("none"));
        assert_eq!(b["playPreVoice"], json!("true"));
        assert_eq!(b["recordFlag"], json!("false"));
        assert_eq!(b["partyTypeRequiredInDisconnect"], json!("true"));
        assert_eq!(b["returnIdlePort"], json!("true"));
        assert_eq!(
            b["statusUrl"],
            json!("aHR0cHM6Ly9leGFtcGxlLmNvbS9zdGF0dXM=")
        );
        assert_eq!(
            b["feeUrl"],
            json!(STANDARD.encode("http://10.0.0.1:8080/fee"))
        );
        assert_eq!(b["userData"], json!("customerId123"));
    }

    #[test]
    fn numbers() {
        for bad in [
            "",
            "+12",
            "8613800000001",
            "+86-138",
            "+86 138",
            &format!("+{}", "1".repeat(31)),
            "+861\r\n",
        ] {
            let req = Click2Call {
                caller_nbr: bad.into(),
                ..base()
            };
            assert_eq!(field_of(&req), "callerNbr", "{bad:?}");
        }
        assert_eq!(
            field_of(&Click2Call {
                display_nbr: "x".into(),
                ..base()
            }),
            "displayNbr"
        );
        assert_eq!(
            field_of(&Click2Call {
                display_callee_nbr: "x".into(),
                ..base()
            }),
            "displayCalleeNbr"
        );
        assert_eq!(
            field_of(&Click2Call {
                callee_nbr: "x".into(),
                ..base()
            }),
            "calleeNbr"
        );
        let ok = Click2Call {
            caller_nbr: "+123".into(),
            callee_nbr: format!("+{}", "1".repeat(30)),
            ..base()
        };
        assert!(ok.to_body(false).is_ok());
    }

    #[test]
    fn limits_name_field_and_rule() {
        let err = Click2Call {
            max_duration: Some(1441),
            ..base()
        }
        .to_body(false)
        .unwrap_err();
        assert_eq!(err.field(), Some("maxDuration"));
        assert!(err.message().contains("0 to 1440"), "{err}");
        assert!(
            Click2Call {
                max_duration: Some(0),
                ..base()
            }
            .to_body(false)
            .is_ok()
        );
        assert_eq!(
            field_of(&Click2Call {
                pre_voice: Some(String::new()),
                ..base()
            }),
            "preVoice"
        );
        assert_eq!(
            field_of(&Click2Call {
                wait_voice: Some("a".repeat(129)),
                ..base()
            }),
            "waitVoice"
        );
        assert!(
            Click2Call {
                wait_voice: Some("a".repeat(128)),
                ..base()
            }
            .to_body(false)
            .is_ok()
        );
        assert_eq!(
            field_of(&Click2Call {
                last_min_voice: Some("a\nb".into()),
                ..base()
            }),
            "lastMinVoice"
        );
        assert_eq!(
            field_of(&Click2Call {
                record_hint_tone: Some("a\0".into()),
                ..base()
            }),
            "recordHintTone"
        );
    }

    #[test]
    fn urls() {
        for bad in [
            "",
            "ftp://x.com/a",
            "https://",
            "https:///x",
            "example.com/a",
            "https://x.com/a?b=1",
            "https://x.com/a_b",
            "https://例子.com/",
        ] {
            let req = Click2Call {
                status_url: Some(bad.into()),
                ..base()
            };
            assert_eq!(field_of(&req), "statusUrl", "{bad:?}");
        }
        let long = format!("https://{}", "a".repeat(121));
        assert_eq!(
            field_of(&Click2Call {
                fee_url: Some(long.clone()),
                ..base()
            }),
            "feeUrl"
        );
        // 97 bytes is 132 in Base64: refused, naming both lengths.
        let e = Click2Call {
            fee_url: Some(long[..97].into()),
            ..base()
        }
        .to_body(false)
        .unwrap_err();
        assert_eq!(e.field(), Some("feeUrl"));
        assert!(e.message().contains("97 bytes, 132 in Base64"), "{e}");
        let e = Click2Call {
            status_url: Some(long[..128].into()),
            ..base()
        }
        .to_body(false)
        .unwrap_err();
        assert_eq!(e.field(), Some("statusUrl"));
        assert!(
            Click2Call {
                fee_url: Some(long[..MAX_NOTIFY_URL_LEN].into()),
                status_url: Some(long[..MAX_NOTIFY_URL_LEN].into()),
                ..base()
            }
            .to_body(false)
            .is_ok()
        );
    }

    #[test]
    fn user_data() {
        for bad in ["", "{x}", "{a", "a}", "客户", &"a".repeat(257), "a\rb"] {
            assert_eq!(
                field_of(&Click2Call {
                    user_data: Some(bad.into()),
                    ..base()
                }),
                "userData",
                "{bad:?}"
            );
        }
        let req = Click2Call {
            user_data: Some("客户123".into()),
            ..base()
        };
        let b: Value = serde_json::from_slice(&req.to_body(true).unwrap()).unwrap();
        assert_eq!(
            b["userData"],
            json!(format!("b64:{}", STANDARD.encode("客户123")))
        );
        let ascii = Click2Call {
            user_data: Some("plain".into()),
            ..base()
        };
        let b: Value = serde_json::from_slice(&ascii.to_body(true).unwrap()).unwrap();
        assert_eq!(b["userData"], json!("plain"));
        let too_long_encoded = Click2Call {
            user_data: Some("客".repeat(80)),
            ..base()
        };
        assert_eq!(
            too_long_encoded.to_body(true).unwrap_err().field(),
            Some("userData")
        );
    }

    #[test]
    fn user_data_decodes_back_and_leaves_the_rest_alone() {
        let req = Click2Call {
            user_data: Some("客户123".into()),
            ..base()
        };
        let b: Value = serde_json::from_slice(&req.to_body(true).unwrap()).unwrap();
        assert_eq!(decode_user_data(b["userData"].as_str().unwrap()), "客户123");
        // Not ours: no prefix, a prefix without valid Base64, Base64 of non-UTF-8.
        for as_sent in ["customerId123", "b64:", "b64:***", "b64:/w==", "B64:5a6i"] {
            assert_eq!(decode_user_data(as_sent), as_sent, "{as_sent}");
        }
    }

    #[test]
    fn call_stop() {
        let b: Value = serde_json::from_slice(
            &call_stop_body("1202_566_0_20161228102743@callenabler.home1.com").unwrap(),
        )
        .unwrap();
        assert_eq!(
            b,
            json!({"sessionid": "1202_566_0_20161228102743@callenabler.home1.com", "signal": "call_stop"})
        );
        for bad in ["", "a\nb", &"s".repeat(257)] {
            assert_eq!(call_stop_body(bad).unwrap_err().field(), Some("sessionid"));
        }
    }
}
