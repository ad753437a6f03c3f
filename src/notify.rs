//! What the platform pushes to the `statusUrl` and `feeUrl` of a call:
//! call-status events and bills, parsed from the body of the `POST`, and
//! the optional check of their signature.
//!
//! ```
//! let body = br#"{"eventType":"disconnect","statusInfo":{"sessionId":"s1","stateCode":0,"partyType":"1"}}"#;
//! match voicecb::notify::parse(body)? {
//!     voicecb::Notification::Status(ev) => assert_eq!(ev.state_code, Some(0)),
//!     voicecb::Notification::Bill(bill) => println!("{} records", bill.records.len()),
//!     voicecb::Notification::Other { event_type, .. } => println!("ignored {event_type}"),
//! }
//! # Ok::<(), voicecb::Error>(())
//! ```
//!
//! The receiver answers `200` to every push it took in; the platform sends
//! a push again when it gets anything else, so a receiver that cannot parse
//! one should still log it (see [`Notification::raw`]).
//!
//! Parsing is tolerant where deployments vary (unknown event types and
//! fields are kept, counters come as numbers or as strings of digits) and
//! strict where a value could not be what the API says (an object where a
//! number belongs): such a body is an [`ErrorKind::BadNotification`](crate::ErrorKind::BadNotification)
//! naming the field, never a panic.

use std::borrow::Cow;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{Map, Value};

use crate::error::Error;
use crate::request::decode_user_data;
use crate::signing;

/// The largest body [`parse`] reads: 50 bill records take a few tens of
/// KiB, so anything near this is not from the platform, and refusing it
/// before parsing bounds the memory a sender can make the receiver use.
pub const MAX_BODY_LEN: usize = 1024 * 1024;

/// The most records one bill push carries (the platform merges the bills
/// of calls that end close together, up to this many).
pub const MAX_BILL_RECORDS: usize = 50;

/// The most fields a `statusInfo` object or one bill record may have. The
/// platform sends a few dozen; a body with more is refused (a
/// [`ErrorKind::BadNotification`](crate::ErrorKind::BadNotification)
/// naming the object), which bounds the work of listing the fields.
pub const MAX_FIELDS: usize = 1024;

/// How far a push's `Created` may be from now, either way, for [`verify`]
/// unless the receiver chooses otherwise (the wrappers' default).
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(300);

/// The format of every time in a push ("2019-01-24 03:04:24"); the
/// platform's clock, UTC.
pub const TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// One push, as [`parse`] read it.
// One value per push, short-lived: boxing the larger variant would only
// make matching on it clumsier.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Notification {
    /// A call-status event (`callout`, `alerting`, `answer`, `collectInfo`,
    /// `disconnect`).
    Status(StatusEvent),
    /// A bill (`fee`): one to fifty call records.
    Bill(Bill),
    /// An event type this library does not know; kept whole so that a
    /// receiver can still log or handle it.
    Other {
        /// The `eventType` as sent.
        event_type: String,
        /// The whole body.
        raw: Value,
    },
}

impl Notification {
    /// The `eventType` as sent (its case too).
    pub fn event_type(&self) -> &str {
        match self {
            Notification::Status(ev) => &ev.event_type,
            Notification::Bill(_) => raw_event_type(self.raw()),
            Notification::Other { event_type, .. } => event_type,
        }
    }

    /// The whole body as parsed, unknown fields included.
    pub fn raw(&self) -> &Value {
        match self {
            Notification::Status(ev) => &ev.raw,
            Notification::Bill(bill) => &bill.raw,
            Notification::Other { raw, .. } => raw,
        }
    }
}

fn raw_event_type(raw: &Value) -> &str {
    raw.get("eventType").and_then(Value::as_str).unwrap_or("")
}

/// The kind of a call-status event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StatusKind {
    /// `callout`: the platform is calling a party.
    Callout,
    /// `alerting`: a party's phone is ringing.
    Alerting,
    /// `answer`: a party answered.
    Answer,
    /// `collectInfo`: the digits a party keyed in (see `digit_info`).
    CollectInfo,
    /// `disconnect`: the call ended (see `state_code`, `party_type`).
    Disconnect,
}

impl StatusKind {
    /// Every kind, in the order a call goes through them.
    pub const ALL: [StatusKind; 5] = [
        StatusKind::Callout,
        StatusKind::Alerting,
        StatusKind::Answer,
        StatusKind::CollectInfo,
        StatusKind::Disconnect,
    ];

    /// The `eventType` the API uses for this kind.
    pub fn api_name(self) -> &'static str {
        match self {
            StatusKind::Callout => "callout",
            StatusKind::Alerting => "alerting",
            StatusKind::Answer => "answer",
            StatusKind::CollectInfo => "collectInfo",
            StatusKind::Disconnect => "disconnect",
        }
    }

    /// The kind of an `eventType`, matched without regard to ASCII case as
    /// the platform's own sample receivers do.
    pub fn from_api_name(event_type: &str) -> Option<StatusKind> {
        StatusKind::ALL
            .into_iter()
            .find(|k| k.api_name().eq_ignore_ascii_case(event_type))
    }
}

/// A call-status event: the `statusInfo` of the push, typed.
///
/// Every field is optional because deployments leave some out; `raw`
/// keeps what was sent, including fields this library does not name.
#[derive(Clone, Debug, PartialEq)]
pub struct StatusEvent {
    /// Which event.
    pub kind: StatusKind,
    /// The `eventType` as sent.
    pub event_type: String,
    /// `sessionId`: the call, as click2Call returned it.
    pub session_id: Option<String>,
    /// `timestamp` as sent ("2019-01-24 03:04:24", UTC); see [`StatusEvent::time`].
    pub timestamp: Option<String>,
    /// `caller`: the calling number.
    pub caller: Option<String>,
    /// `called`: the called number.
    pub called: Option<String>,
    /// `userData` of the call, decoded when this library had Base64-encoded
    /// it (see `encode_non_ascii_user_data`), otherwise as sent.
    pub user_data: Option<String>,
    /// `stateCode` (on `disconnect`): why the call ended.
    pub state_code: Option<i64>,
    /// `stateDesc` (on `disconnect`): the text of `stateCode`.
    pub state_desc: Option<String>,
    /// `partyType` (on `disconnect`, when the call set
    /// `partyTypeRequiredInDisconnect`): which party hung up, as sent
    /// (a number is given as its decimal text).
    pub party_type: Option<String>,
    /// `digitInfo` (on `collectInfo`): the digits keyed in.
    pub digit_info: Option<String>,
    /// `displayCallerNum`: the number shown to the called party.
    pub display_caller_num: Option<String>,
    /// The whole body; `raw["statusInfo"]` is the event's object.
    pub raw: Value,
}

impl StatusEvent {
    /// `timestamp` read as a date and time (UTC, the platform's clock).
    /// An error when it is absent or not "yyyy-MM-dd HH:mm:ss"; parsing
    /// leaves that to the caller because a bad time should not lose the
    /// rest of the event.
    pub fn time(&self) -> Result<NaiveDateTime, Error> {
        match &self.timestamp {
            Some(t) => parse_time(t),
            None => Err(Error::bad_notification("statusInfo has no timestamp")),
        }
    }

    /// The `statusInfo` object as sent.
    pub fn info(&self) -> Option<&Map<String, Value>> {
        self.raw.get("statusInfo").and_then(Value::as_object)
    }

    /// A `statusInfo` field by its API name, as text: strings as sent
    /// (`userData` decoded), integers in decimal, other values as JSON.
    /// `None` when the field is absent or null. Gives the C ABI and this
    /// API the same view of fields this library does not name.
    pub fn get(&self, field: &str) -> Option<Cow<'_, str>> {
        render(self.info()?.get(field)?, field, STATUS_INTEGERS)
    }
}

/// A bill: the records of `feeLst`.
#[derive(Clone, Debug, PartialEq)]
pub struct Bill {
    /// Up to [`MAX_BILL_RECORDS`] records, in the order sent; none when the
    /// push has no `feeLst` (the vendor marks it optional).
    pub records: Vec<BillRecord>,
    /// The whole body.
    pub raw: Value,
}

/// One call record of a bill. Times are "yyyy-MM-dd HH:mm:ss" strings as
/// sent (read them with [`parse_time`]); counters and codes are integers
/// whether the platform sent numbers or strings of digits.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BillRecord {
    /// `direction`: the direction of the call.
    pub direction: Option<i64>,
    /// `spId`: the cloud account.
    pub sp_id: Option<String>,
    /// `appKey`: the app that placed the call.
    pub app_key: Option<String>,
    /// `icid`: the record's unique id.
    pub icid: Option<String>,
    /// `bindNum`: the platform number of the call.
    pub bind_num: Option<String>,
    /// `sessionId`: the call, as click2Call returned it.
    pub session_id: Option<String>,
    /// `callerNum`: the calling number.
    pub caller_num: Option<String>,
    /// `calleeNum`: the called number.
    pub callee_num: Option<String>,
    /// `fwdDisplayNum`: the number shown on the forwarded leg.
    pub fwd_display_num: Option<String>,
    /// `fwdDstNum`: the number the call was forwarded to.
    pub fwd_dst_num: Option<String>,
    /// `callInTime`: when the call came in.
    pub call_in_time: Option<String>,
    /// `fwdStartTime`: when the forwarded leg started.
    pub fwd_start_time: Option<String>,
    /// `fwdAlertingTime`: when the forwarded leg rang.
    pub fwd_alerting_time: Option<String>,
    /// `fwdAnswerTime`: when the forwarded leg was answered.
    pub fwd_answer_time: Option<String>,
    /// `callEndTime`: when the call ended.
    pub call_end_time: Option<String>,
    /// `fwdUnaswRsn`: the Q.850 cause when the forwarded leg failed.
    pub fwd_unasw_rsn: Option<i64>,
    /// `failTime`: when the call failed.
    pub fail_time: Option<String>,
    /// `ulFailReason`: where the call failed.
    pub ul_fail_reason: Option<i64>,
    /// `sipStatusCode`: the SIP status of a failure.
    pub sip_status_code: Option<i64>,
    /// `callOutStartTime`: when the first leg (to the caller) started.
    pub call_out_start_time: Option<String>,
    /// `callOutAlertingTime`: when the first leg rang.
    pub call_out_alerting_time: Option<String>,
    /// `callOutAnswerTime`: when the first leg was answered.
    pub call_out_answer_time: Option<String>,
    /// `callOutUnaswRsn`: the Q.850 cause when the first leg failed.
    pub call_out_unasw_rsn: Option<i64>,
    /// `recordFlag`: 1 when the call was recorded.
    pub record_flag: Option<i64>,
    /// `recordStartTime`: when recording started.
    pub record_start_time: Option<String>,
    /// `recordObjectName`: the recording's file name.
    pub record_object_name: Option<String>,
    /// `recordBucketName`: the recording's bucket.
    pub record_bucket_name: Option<String>,
    /// `recordDomain`: the recording's storage domain.
    pub record_domain: Option<String>,
    /// `recordFileDownloadUrl`: where to download the recording.
    pub record_file_download_url: Option<String>,
    /// `ttsPlayTimes`: how many text-to-speech announcements were played.
    pub tts_play_times: Option<i64>,
    /// `ttsTransDuration`: seconds spent converting text to speech.
    pub tts_trans_duration: Option<i64>,
    /// `serviceType`: "002" ([`SERVICE_TYPE_VOICE_CALLBACK`]) for voice
    /// callback, "001" ([`SERVICE_TYPE_VOICE_PLAYBACK`]) for voice
    /// notification and verification code calls.
    pub service_type: Option<String>,
    /// `hostName`: the platform host that wrote the record.
    pub host_name: Option<String>,
    /// `userData` of the call, decoded as in [`StatusEvent::user_data`].
    pub user_data: Option<String>,
    /// `dynIVRStartTime`: when the dynamic IVR started.
    pub dyn_ivr_start_time: Option<String>,
    /// `dynIVRPath`: the path the caller took through the dynamic IVR.
    pub dyn_ivr_path: Option<String>,
    /// `origCalleeNum`: the callee number as the call asked for it.
    pub orig_callee_num: Option<String>,
    /// The record's object as sent, unknown fields included.
    pub raw: Value,
}

impl BillRecord {
    /// A field by its API name, as text, as [`StatusEvent::get`] does.
    pub fn get(&self, field: &str) -> Option<Cow<'_, str>> {
        render(self.raw.as_object()?.get(field)?, field, BILL_INTEGERS)
    }
}

/// The `serviceType` of voice-callback records.
pub const SERVICE_TYPE_VOICE_CALLBACK: &str = "002";
/// The `serviceType` of voice playback records: voice notification and
/// verification code calls (`voice-call-more-apis.md` line 505). The two
/// scenes share it; a record tells them apart only by its `sessionId`.
pub const SERVICE_TYPE_VOICE_PLAYBACK: &str = "001";

/// The `statusInfo` fields typed as integers.
const STATUS_INTEGERS: &[&str] = &["stateCode"];
/// The record fields typed as integers.
pub const BILL_INTEGERS: &[&str] = &[
    "direction",
    "fwdUnaswRsn",
    "ulFailReason",
    "sipStatusCode",
    "callOutUnaswRsn",
    "recordFlag",
    "ttsPlayTimes",
    "ttsTransDuration",
];

/// Reads one push body, whatever its event type.
///
/// Refused, with an [`ErrorKind::BadNotification`](crate::ErrorKind::BadNotification) whose message says
/// what is wrong: a body over [`MAX_BODY_LEN`] (before any parsing), an
/// empty body, one that is not JSON or nested too deeply, one that is not
/// an object or has no string `eventType`; for a status event, a missing
/// or non-object `statusInfo`; for a bill, a `feeLst` that is not an array
/// of 1 to [`MAX_BILL_RECORDS`] objects (a bill without `feeLst` has no
/// records); a `statusInfo` or record of more than [`MAX_FIELDS`] fields;
/// and a known field of an
/// impossible type (an object where a number belongs, text that is not an
/// integer in a counter). A UTF-8 byte-order mark is skipped.
pub fn parse(body: &[u8]) -> Result<Notification, Error> {
    if body.len() > MAX_BODY_LEN {
        return Err(too_large(body.len()));
    }
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::bad_notification("the body is empty"));
    }
    // serde_json stops at 128 levels of nesting with an error, so a
    // hostile body cannot exhaust the stack.
    let raw: Value = serde_json::from_slice(body)
        .map_err(|e| Error::bad_notification(format!("the body is not JSON: {e}")))?;
    let top = raw.as_object().ok_or_else(|| {
        Error::bad_notification(format!(
            "the body is {}, not a JSON object",
            type_name(&raw)
        ))
    })?;
    let event_type = match top.get("eventType") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(Value::String(_)) => return Err(Error::bad_notification("eventType is empty")),
        None | Some(Value::Null) => {
            return Err(Error::bad_notification("the body has no eventType"));
        }
        Some(other) => {
            return Err(Error::bad_notification(format!(
                "eventType is {}, not a string",
                type_name(other)
            )));
        }
    };
    if let Some(kind) = StatusKind::from_api_name(&event_type) {
        let info = object_field(top, "statusInfo", &event_type)?;
        let event = status_event(kind, event_type, info)?;
        Ok(Notification::Status(StatusEvent { raw, ..event }))
    } else if event_type.eq_ignore_ascii_case("fee") {
        let records = bill_records(top)?;
        Ok(Notification::Bill(Bill { records, raw }))
    } else {
        Ok(Notification::Other { event_type, raw })
    }
}

/// The error for a body over [`MAX_BODY_LEN`]; also used by the C ABI,
/// which must refuse before it may even look at the bytes.
pub(crate) fn too_large(len: usize) -> Error {
    Error::bad_notification(format!(
        "the body is {len} bytes, more than the {MAX_BODY_LEN} a notification may have"
    ))
}

/// Reads a push time ("2019-01-24 03:04:24"). Also takes the runs of
/// spaces seen in some of the platform's samples.
pub fn parse_time(value: &str) -> Result<NaiveDateTime, Error> {
    let squeezed = value.split_whitespace().collect::<Vec<_>>().join(" ");
    NaiveDateTime::parse_from_str(&squeezed, TIME_FORMAT).map_err(|_| {
        Error::bad_notification(format!(
            "{value:?} is not a time of the form yyyy-MM-dd HH:mm:ss"
        ))
    })
}

fn object_field<'a>(
    top: &'a Map<String, Value>,
    name: &str,
    event_type: &str,
) -> Result<&'a Map<String, Value>, Error> {
    match top.get(name) {
        Some(Value::Object(o)) => Ok(o),
        None | Some(Value::Null) => Err(Error::bad_notification(format!(
            "{name} is missing (eventType {event_type:?})"
        ))),
        Some(other) => Err(Error::bad_notification(format!(
            "{name} is {}, not an object",
            type_name(other)
        ))),
    }
}

fn status_event(
    kind: StatusKind,
    event_type: String,
    info: &Map<String, Value>,
) -> Result<StatusEvent, Error> {
    check_field_count("statusInfo", info)?;
    let f = Fields {
        obj: info,
        place: Cow::Borrowed("statusInfo"),
    };
    Ok(StatusEvent {
        kind,
        event_type,
        session_id: f.text("sessionId")?,
        timestamp: f.text("timestamp")?,
        caller: f.text("caller")?,
        called: f.text("called")?,
        user_data: f.user_data()?,
        state_code: f.int("stateCode")?,
        state_desc: f.text("stateDesc")?,
        party_type: f.text("partyType")?,
        digit_info: f.text("digitInfo")?,
        display_caller_num: f.text("displayCallerNum")?,
        raw: Value::Null,
    })
}

fn bill_records(top: &Map<String, Value>) -> Result<Vec<BillRecord>, Error> {
    let list = match top.get("feeLst") {
        Some(Value::Array(a)) => a,
        // The vendor marks feeLst optional: a bill without records.
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(other) => {
            return Err(Error::bad_notification(format!(
                "feeLst is {}, not an array",
                type_name(other)
            )));
        }
    };
    if list.is_empty() || list.len() > MAX_BILL_RECORDS {
        return Err(Error::bad_notification(format!(
            "feeLst has {} records; a bill has 1 to {MAX_BILL_RECORDS}",
            list.len()
        )));
    }
    list.iter()
        .enumerate()
        .map(|(i, v)| bill_record(i, v))
        .collect()
}

fn bill_record(index: usize, value: &Value) -> Result<BillRecord, Error> {
    let obj = value.as_object().ok_or_else(|| {
        Error::bad_notification(format!(
            "feeLst[{index}] is {}, not an object",
            type_name(value)
        ))
    })?;
    let place = format!("feeLst[{index}]");
    check_field_count(&place, obj)?;
    let f = Fields {
        obj,
        place: Cow::Owned(place),
    };
    Ok(BillRecord {
        direction: f.int("direction")?,
        sp_id: f.text("spId")?,
        app_key: f.text("appKey")?,
        icid: f.text("icid")?,
        bind_num: f.text("bindNum")?,
        session_id: f.text("sessionId")?,
        caller_num: f.text("callerNum")?,
        callee_num: f.text("calleeNum")?,
        fwd_display_num: f.text("fwdDisplayNum")?,
        fwd_dst_num: f.text("fwdDstNum")?,
        call_in_time: f.text("callInTime")?,
        fwd_start_time: f.text("fwdStartTime")?,
        fwd_alerting_time: f.text("fwdAlertingTime")?,
        fwd_answer_time: f.text("fwdAnswerTime")?,
        call_end_time: f.text("callEndTime")?,
        fwd_unasw_rsn: f.int("fwdUnaswRsn")?,
        fail_time: f.text("failTime")?,
        ul_fail_reason: f.int("ulFailReason")?,
        sip_status_code: f.int("sipStatusCode")?,
        call_out_start_time: f.text("callOutStartTime")?,
        call_out_alerting_time: f.text("callOutAlertingTime")?,
        call_out_answer_time: f.text("callOutAnswerTime")?,
        call_out_unasw_rsn: f.int("callOutUnaswRsn")?,
        record_flag: f.int("recordFlag")?,
        record_start_time: f.text("recordStartTime")?,
        record_object_name: f.text("recordObjectName")?,
        record_bucket_name: f.text("recordBucketName")?,
        record_domain: f.text("recordDomain")?,
        record_file_download_url: f.text("recordFileDownloadUrl")?,
        tts_play_times: f.int("ttsPlayTimes")?,
        tts_trans_duration: f.int("ttsTransDuration")?,
        service_type: f.text("serviceType")?,
        host_name: f.text("hostName")?,
        user_data: f.user_data()?,
        dyn_ivr_start_time: f.text("dynIVRStartTime")?,
        dyn_ivr_path: f.text("dynIVRPath")?,
        orig_callee_num: f.text("origCalleeNum")?,
        raw: value.clone(),
    })
}

fn check_field_count(place: &str, obj: &Map<String, Value>) -> Result<(), Error> {
    if obj.len() > MAX_FIELDS {
        return Err(Error::bad_notification(format!(
            "{place} has {} fields, more than the {MAX_FIELDS} a notification object may have",
            obj.len()
        )));
    }
    Ok(())
}

/// The fields of one object, with the place to name in errors.
struct Fields<'a> {
    obj: &'a Map<String, Value>,
    place: Cow<'a, str>,
}

impl Fields<'_> {
    /// A text field. A number is taken as its decimal text (deployments
    /// differ); a boolean, array or object cannot be text.
    fn text(&self, name: &str) -> Result<Option<String>, Error> {
        match self.obj.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(other) => Err(self.wrong(name, other, "a string")),
        }
    }

    /// An integer field: a JSON integer or a string of digits (trimmed,
    /// optionally signed); an empty string means absent.
    fn int(&self, name: &str) -> Result<Option<i64>, Error> {
        match self.obj.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => match as_int(v) {
                Some(n) => Ok(n),
                None => Err(self.wrong(name, v, "an integer or a string of digits")),
            },
        }
    }

    fn user_data(&self) -> Result<Option<String>, Error> {
        Ok(self
            .text("userData")?
            .map(|u| decode_user_data(&u).into_owned()))
    }

    fn wrong(&self, name: &str, value: &Value, expected: &str) -> Error {
        // The value itself is not quoted: bodies carry phone numbers.
        let what = match value {
            Value::String(_) => "a string that is not an integer",
            Value::Number(_) => "a number that is not a 64-bit integer",
            other => type_name(other),
        };
        Error::bad_notification(format!("{}.{name} is {what}, not {expected}", self.place))
    }
}

/// `Some(None)` for an empty string, `Some(Some(n))` for an integer,
/// `None` when the value cannot be one.
fn as_int(v: &Value) -> Option<Option<i64>> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                    .map(|f| f as i64)
            })
            .map(Some),
        Value::String(s) if s.trim().is_empty() => Some(None),
        Value::String(s) => s.trim().parse::<i64>().ok().map(Some),
        _ => None,
    }
}

/// A field as text for [`StatusEvent::get`] and [`BillRecord::get`].
fn render<'a>(value: &'a Value, field: &str, integers: &[&str]) -> Option<Cow<'a, str>> {
    if integers.contains(&field) {
        if let Some(n) = as_int(value) {
            return n.map(|n| Cow::Owned(n.to_string()));
        }
    }
    match value {
        Value::Null => None,
        Value::String(s) if field == "userData" => Some(decode_user_data(s)),
        Value::String(s) => Some(Cow::Borrowed(s)),
        other => Some(Cow::Owned(other.to_string())),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The clock of the platform that signs pushes: the time zone its
/// `Created` is written in. The vendor's current pages state Beijing time
/// (UTC+8) written with a literal `Z`; other deployments use UTC.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SignerClock {
    /// `Created` is UTC (the default).
    #[default]
    Utc,
    /// `Created` is Beijing time, UTC+8, despite its `Z`.
    Utc8,
}

impl SignerClock {
    /// Seconds the signer's clock is ahead of UTC.
    pub fn offset_secs(self) -> i64 {
        match self {
            SignerClock::Utc => 0,
            SignerClock::Utc8 => 8 * 3600,
        }
    }
}

/// Which message a push's digest is over.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum DigestForm {
    /// Either of the two below (the default).
    #[default]
    Any,
    /// `url + nonce + created`, nothing between.
    Plain,
    /// `url + "\n" + nonce + "\n" + created`, as the vendor's pages show.
    Lines,
}

/// How [`verify_with`] checks a push's signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifyOptions {
    /// How far `Created` may be from now, either way (default 5 minutes).
    pub window: Duration,
    /// The time zone the signer writes `Created` in (default UTC).
    pub signer_clock: SignerClock,
    /// The digest forms accepted (default both).
    pub digest_form: DigestForm,
}

impl Default for VerifyOptions {
    fn default() -> VerifyOptions {
        VerifyOptions {
            window: Duration::from_secs(300),
            signer_clock: SignerClock::Utc,
            digest_form: DigestForm::Any,
        }
    }
}

/// Checks the signature of a push, for deployments that sign them, with a
/// UTC signer clock and either digest form; see [`verify_with`].
pub fn verify(
    app_key: &str,
    app_secret: &str,
    url: &str,
    authorization: Option<&str>,
    x_aksk: Option<&str>,
    window: Duration,
) -> Result<(), Error> {
    verify_at(
        app_key,
        app_secret,
        url,
        authorization,
        x_aksk,
        window,
        Utc::now(),
    )
}

/// [`verify`] against a given clock, for tests and replaying logged pushes.
pub fn verify_at(
    app_key: &str,
    app_secret: &str,
    url: &str,
    authorization: Option<&str>,
    x_aksk: Option<&str>,
    window: Duration,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let opts = VerifyOptions {
        window,
        ..VerifyOptions::default()
    };
    verify_with_at(app_key, app_secret, url, authorization, x_aksk, &opts, now)
}

/// Checks the signature of a push, for deployments that sign them.
///
/// The headers are those of requests (`Authorization`, `X-AKSK`, see
/// [`signing`]), but the digest covers the URL the push was sent to:
/// `Base64(HMAC-SHA256(app_secret, url + nonce + created))`, with or
/// without "\n" between the three ([`VerifyOptions::digest_form`] pins one).
/// `url` is the `statusUrl`/`feeUrl` exactly as given to click2Call (not
/// Base64). `Created` is read in the signer's time zone
/// ([`VerifyOptions::signer_clock`]: UTC, or UTC+8 as the vendor's pages
/// state), so the window need not be widened to hide the difference.
/// Checks, in order: `Authorization` is the fixed value, `X-AKSK` is
/// present and well formed, its `Username` is `app_key`, its `Nonce` is 1
/// to 128 characters of `[0-9A-Za-z]` (so no part of the URL can be moved
/// into it), its `Created` is within the window of the current time
/// (either way), and its digest matches; the digest comparison takes the
/// same time wherever the first difference is. A failure is an
/// [`ErrorKind::BadSignature`](crate::ErrorKind::BadSignature) naming the
/// check; empty `app_key`, `app_secret` or `url` are
/// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument).
///
/// It does not remember nonces: a push replayed within the window verifies
/// again, so a receiver that must not act twice should also key on the
/// event (session id and event type, or the record's `icid`). Nor does the
/// digest cover the body: only HTTPS keeps a body from being changed on
/// the way.
pub fn verify_with(
    app_key: &str,
    app_secret: &str,
    url: &str,
    authorization: Option<&str>,
    x_aksk: Option<&str>,
    opts: &VerifyOptions,
) -> Result<(), Error> {
    verify_with_at(
        app_key,
        app_secret,
        url,
        authorization,
        x_aksk,
        opts,
        Utc::now(),
    )
}

/// [`verify_with`] against a given clock, for tests and replaying logged pushes.
pub fn verify_with_at(
    app_key: &str,
    app_secret: &str,
    url: &str,
    authorization: Option<&str>,
    x_aksk: Option<&str>,
    opts: &VerifyOptions,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    for (field, value) in [
        ("app_key", app_key),
        ("app_secret", app_secret),
        ("url", url),
    ] {
        if value.is_empty() {
            return Err(Error::invalid(field, "is required"));
        }
    }
    match authorization {
        None => return Err(Error::bad_signature("the Authorization header is missing")),
        Some(a) if !signing::is_authorization(a) => {
            return Err(Error::bad_signature(
                "the Authorization header is not the AKSK UsernameToken value",
            ));
        }
        Some(_) => {}
    }
    let x_aksk = x_aksk.ok_or_else(|| Error::bad_signature("the X-AKSK header is missing"))?;
    let parts = signing::parse_x_aksk(x_aksk).map_err(Error::bad_signature)?;
    if parts.username != app_key {
        return Err(Error::bad_signature(
            "X-AKSK Username is not this app's key",
        ));
    }
    if !signing::is_nonce(parts.nonce) {
        return Err(Error::bad_signature(
            "X-AKSK Nonce is not 1 to 128 characters of [0-9A-Za-z]",
        ));
    }
    let written = NaiveDateTime::parse_from_str(parts.created, signing::CREATED_FORMAT)
        .map_err(|_| {
            Error::bad_signature(
                "X-AKSK Created is not a UTC time of the form yyyy-MM-ddTHH:mm:ssZ",
            )
        })?
        .and_utc();
    let offset = chrono::TimeDelta::seconds(opts.signer_clock.offset_secs());
    let created = written.checked_sub_signed(offset).ok_or_else(|| {
        Error::bad_signature("X-AKSK Created is not a time of the form yyyy-MM-ddTHH:mm:ssZ")
    })?;
    let skew = (now - created).num_seconds().unsigned_abs();
    if skew > opts.window.as_secs() {
        let zone = match opts.signer_clock {
            SignerClock::Utc => "UTC",
            SignerClock::Utc8 => "UTC+8",
        };
        return Err(Error::bad_signature(format!(
            "X-AKSK Created is {skew} s away from now, outside the {} s window (read as {zone}; replayed, a clock is off, or the signer writes another time zone)",
            opts.window.as_secs()
        )));
    }
    let given = STANDARD
        .decode(parts.password_digest)
        .map_err(|_| Error::bad_signature("X-AKSK PasswordDigest is not Base64"))?;
    let plain = signing::hmac_sha256(app_secret, &[url, parts.nonce, parts.created]);
    let lines = signing::hmac_sha256(app_secret, &[url, "\n", parts.nonce, "\n", parts.created]);
    // Both comparisons always run, so the time taken does not tell which
    // form a deployment uses either.
    let ok_plain = signing::constant_time_eq(&given, &plain);
    let ok_lines = signing::constant_time_eq(&given, &lines);
    let ok = match opts.digest_form {
        DigestForm::Any => ok_plain | ok_lines,
        DigestForm::Plain => ok_plain,
        DigestForm::Lines => ok_lines,
    };
    if ok {
        Ok(())
    } else {
        let forms = match opts.digest_form {
            DigestForm::Any => "neither url+nonce+created nor url\\nnonce\\ncreated",
            DigestForm::Plain => "not url+nonce+created (the only form accepted)",
            DigestForm::Lines => "not url\\nnonce\\ncreated (the only form accepted)",
        };
        Err(Error::bad_signature(format!(
            "X-AKSK PasswordDigest does not match ({forms} under this app secret and url)"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn integers_come_as_numbers_or_digits() {
        for (v, want) in [
            (serde_json::json!(3), Some(Some(3))),
            (serde_json::json!("3"), Some(Some(3))),
            (serde_json::json!(" -7 "), Some(Some(-7))),
            (serde_json::json!(""), Some(None)),
            (serde_json::json!(2.0), Some(Some(2))),
            (serde_json::json!(2.5), None),
            (serde_json::json!(u64::MAX), None),
            (serde_json::json!("3a"), None),
            (serde_json::json!(true), None),
            (serde_json::json!([1]), None),
        ] {
            assert_eq!(as_int(&v), want, "{v}");
        }
    }

    #[test]
    fn kinds_round_trip_and_ignore_case() {
        for k in StatusKind::ALL {
            assert_eq!(StatusKind::from_api_name(k.api_name()), Some(k));
            assert_eq!(
                StatusKind::from_api_name(&k.api_name().to_uppercase()),
                Some(k)
            );
        }
        assert_eq!(StatusKind::from_api_name("fee"), None);
    }

    #[test]
    fn errors_are_bad_notification() {
        let e = parse(b"{").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BadNotification);
        assert!(
            e.message()
                .starts_with("bad notification: the body is not JSON"),
            "{e}"
        );
    }

    #[test]
    fn times_take_extra_spaces() {
        let t = parse_time("2016-12-26  01:19:46").unwrap();
        assert_eq!(t.to_string(), "2016-12-26 01:19:46");
        assert!(parse_time("2016-12-26T01:19:46Z").is_err());
    }
}
