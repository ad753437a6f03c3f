//! Pushed notifications (call status and bills) through the C ABI: parse a
//! body into an opaque, immutable handle and read it with getters, and
//! optionally verify a push's signature.
//!
//! Getters hand out `const char *` borrowed from the handle. Every string
//! they can return is made once, at parse time, and the handle is never
//! changed afterwards: a `&self` getter then needs no interior mutability
//! or lock, the pointers stay valid until `voicecb_notification_free`, and
//! any number of threads may read one handle at once.

use std::ffi::{CStr, CString, c_char};
use std::ptr;
use std::time::Duration;

use super::boundary::{
    Failure, free_handle, give_handle, guard, guard_value, out_arg, str_arg, to_cstring,
    voicecb_result,
};
use super::error::voicecb_error;
use crate::notify::{self, Notification, StatusKind};

/// `voicecb_notification_type`: a call-status event.
pub const VOICECB_NOTIFICATION_STATUS: i32 = 1;
/// `voicecb_notification_type`: a bill (`eventType` "fee").
pub const VOICECB_NOTIFICATION_BILL: i32 = 2;
/// `voicecb_notification_type`: an event type the library does not know.
pub const VOICECB_NOTIFICATION_OTHER: i32 = 3;

/// The largest push body `voicecb_notification_parse` accepts, in bytes.
pub const VOICECB_NOTIFICATION_MAX_BODY: usize = 1048576;
/// The most records a bill may carry.
pub const VOICECB_NOTIFICATION_MAX_RECORDS: usize = 50;
/// The most fields a `statusInfo` object or one bill record may have; a
/// push with more is refused with `VOICECB_ERR_BAD_NOTIFICATION`.
pub const VOICECB_NOTIFICATION_MAX_FIELDS: usize = 1024;

/// `signer_clock` of `voicecb_notification_verify_with`: the signer
/// writes `Created` in UTC.
pub const VOICECB_SIGNER_CLOCK_UTC: i32 = 0;
/// `signer_clock` of `voicecb_notification_verify_with`: the signer
/// writes `Created` in Beijing time (UTC+8) with a literal `Z`, as the
/// vendor's current pages state.
pub const VOICECB_SIGNER_CLOCK_UTC8: i32 = 1;

/// `digest_form` of `voicecb_notification_verify_with`: either form.
pub const VOICECB_DIGEST_FORM_ANY: i32 = 0;
/// `digest_form`: only `url + nonce + created`.
pub const VOICECB_DIGEST_FORM_PLAIN: i32 = 1;
/// `digest_form`: only `url + "\n" + nonce + "\n" + created`.
pub const VOICECB_DIGEST_FORM_LINES: i32 = 2;

/// `voicecb_notification_status_kind`: `callout`.
pub const VOICECB_STATUS_CALLOUT: i32 = 1;
/// `voicecb_notification_status_kind`: `alerting`.
pub const VOICECB_STATUS_ALERTING: i32 = 2;
/// `voicecb_notification_status_kind`: `answer`.
pub const VOICECB_STATUS_ANSWER: i32 = 3;
/// `voicecb_notification_status_kind`: `collectInfo`.
pub const VOICECB_STATUS_COLLECT_INFO: i32 = 4;
/// `voicecb_notification_status_kind`: `disconnect`.
pub const VOICECB_STATUS_DISCONNECT: i32 = 5;

/// The fields of an object, sorted by name, each as (name, C name, C
/// value); made once at parse time. Looked up by binary search, and read
/// by index (`voicecb_notification_field_value`), so that listing every
/// field stays linear.
type Texts = Vec<(String, CString, CString)>;

/// A bill record: its fields and its own JSON.
struct Record {
    fields: Texts,
    raw_json: CString,
}

/// A parsed push. Made by `voicecb_notification_parse`, freed by
/// `voicecb_notification_free`. Immutable: any thread may read it, and
/// several at once.
pub struct voicecb_notification {
    pub(crate) inner: Notification,
    event_type: CString,
    raw_json: CString,
    /// The `statusInfo` fields of a status event; empty otherwise.
    fields: Texts,
    /// The bill's records; empty for other events.
    records: Vec<Record>,
}

impl super::boundary::Handle for voicecb_notification {
    const TAG: u64 = 0x76636e6f74696679;
    const NAME: &'static str = "voicecb_notification";
}

impl voicecb_notification {
    fn new(inner: Notification) -> voicecb_notification {
        let (fields, records) = match &inner {
            Notification::Status(ev) => {
                let names = ev
                    .info()
                    .map(|o| o.keys().cloned().collect::<Vec<_>>())
                    .unwrap_or_default();
                (
                    texts(names, |name| ev.get(name).map(|v| v.into_owned())),
                    Vec::new(),
                )
            }
            Notification::Bill(bill) => {
                let records = bill
                    .records
                    .iter()
                    .map(|r| {
                        let names = r
                            .raw
                            .as_object()
                            .map(|o| o.keys().cloned().collect::<Vec<_>>())
                            .unwrap_or_default();
                        Record {
                            fields: texts(names, |name| r.get(name).map(|v| v.into_owned())),
                            raw_json: to_cstring(&r.raw.to_string()),
                        }
                    })
                    .collect();
                (Texts::new(), records)
            }
            Notification::Other { .. } => (Texts::new(), Vec::new()),
        };
        voicecb_notification {
            event_type: to_cstring(inner.event_type()),
            raw_json: to_cstring(&inner.raw().to_string()),
            fields,
            records,
            inner,
        }
    }
}

fn texts(mut names: Vec<String>, get: impl Fn(&str) -> Option<String>) -> Texts {
    // A name with a NUL cannot be asked for through a C string; listing it
    // with the NUL replaced would name a field that the getters cannot find.
    names.retain(|n| !n.contains('\0'));
    names.sort();
    names
        .into_iter()
        .filter_map(|name| get(&name).map(|v| (to_cstring(&name), to_cstring(&v), name)))
        .map(|(c_name, value, name)| (name, c_name, value))
        .collect()
}

/// Borrows a handle for a getter; `None` for NULL.
///
/// # Safety
/// `n` is NULL or a live handle.
unsafe fn live<'a>(n: *const voicecb_notification) -> Option<&'a voicecb_notification> {
    // SAFETY: the caller promises a live handle or NULL.
    unsafe { super::boundary::live(n) }
}

/// A field-name argument of a getter; `None` for NULL or invalid UTF-8,
/// which no field has.
///
/// # Safety
/// `field` is NULL or a NUL-terminated string.
unsafe fn field_name<'a>(field: *const c_char) -> Option<&'a str> {
    if field.is_null() {
        return None;
    }
    // SAFETY: non-NULL, and the caller promises NUL termination.
    unsafe { CStr::from_ptr(field) }.to_str().ok()
}

fn lookup(texts: &Texts, field: &str) -> *const c_char {
    texts
        .binary_search_by(|(name, ..)| name.as_str().cmp(field))
        .map_or(ptr::null(), |i| texts[i].2.as_ptr())
}

fn name_at(texts: &Texts, index: usize) -> *const c_char {
    texts
        .get(index)
        .map_or(ptr::null(), |(_, name, _)| name.as_ptr())
}

fn value_at(texts: &Texts, index: usize) -> *const c_char {
    texts
        .get(index)
        .map_or(ptr::null(), |(_, _, value)| value.as_ptr())
}

/// Parses the body of a push (call status or bill) into a new handle.
/// `body` is the request body's `len` bytes, not NUL-terminated; NULL is
/// allowed only with `len` 0 (an empty body, refused as such). On success
/// `*out` is a new handle the caller frees with
/// `voicecb_notification_free`. A body that is not what the API defines
/// (not JSON, no eventType, a known field of an impossible type, a bill of
/// 0 or more than 50 records, a `statusInfo` or record of more than
/// `VOICECB_NOTIFICATION_MAX_FIELDS` fields, more than 1 MiB) gives
/// `VOICECB_ERR_BAD_NOTIFICATION`, whose message names what is wrong; a
/// NULL `body` with `len` > 0 or a NULL `out` gives
/// `VOICECB_ERR_NULL_ARGUMENT`. An unknown eventType is not an error: it
/// gives a handle of type `VOICECB_NOTIFICATION_OTHER`. Thread-safe.
///
/// # Safety
/// `body` is NULL or points to `len` readable bytes; `out` is writable;
/// `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_notification_parse(
    body: *const u8,
    len: usize,
    out: *mut *mut voicecb_notification,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    guard(err, || {
        if body.is_null() && len > 0 {
            return Err(Failure::null("body"));
        }
        out_arg(out, "out")?;
        // Refused before the bytes are looked at, as the Rust API does.
        if len > notify::MAX_BODY_LEN {
            return Err(notify::too_large(len).into());
        }
        let bytes: &[u8] = match body.is_null() {
            true => &[],
            // SAFETY: non-NULL, and the caller promises `len` readable bytes.
            false => unsafe { std::slice::from_raw_parts(body, len) },
        };
        let parsed = notify::parse(bytes)?;
        give_handle(out, voicecb_notification::new(parsed));
        Ok(())
    })
}

/// Frees a notification and every string borrowed from it. NULL is
/// allowed. No other thread may be using it.
///
/// # Safety
/// `n` is NULL or a handle from `voicecb_notification_parse`, not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_notification_free(n: *mut voicecb_notification) {
    unsafe { free_handle(n) }
}

/// What the push is: `VOICECB_NOTIFICATION_STATUS`,
/// `VOICECB_NOTIFICATION_BILL` or `VOICECB_NOTIFICATION_OTHER`; 0 when `n`
/// is NULL. Thread-safe.
///
/// # Safety
/// `n` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_notification_type(n: *const voicecb_notification) -> i32 {
    guard_value(0, || match unsafe { live(n) }.map(|n| &n.inner) {
        Some(Notification::Status(_)) => VOICECB_NOTIFICATION_STATUS,
        Some(Notification::Bill(_)) => VOICECB_NOTIFICATION_BILL,
        Some(Notification::Other { .. }) => VOICECB_NOTIFICATION_OTHER,
        None => 0,
    })
}

/// The `eventType` as sent ("answer", "fee", or one the library does not
/// know). Borrowed: valid until `voicecb_notification_free`. NULL when
/// `n` is NULL. Thread-safe.
///
/// # Safety
/// `n` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_notification_event_type(
    n: *const voicecb_notification,
) -> *const c_char {
    guard_value(ptr::null(), || {
        unsafe { live(n) }.map_or(ptr::null(), |n| n.event_type.as_ptr())
    })
}

/// For a status event, one of `VOICECB_STATUS_CALLOUT`,
/// `VOICECB_STATUS_ALERTING`, `VOICECB_STATUS_ANSWER`,
/// `VOICECB_STATUS_COLLECT_INFO`, `VOICECB_STATUS_DISCONNECT`; 0 for a
/// bill, an unknown event, or a NULL `n`. Thread-safe.
///
/// # Safety
/// `n` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_notification_status_kind(n: *const voicecb_notification) -> i32 {
    guard_value(0, || match unsafe { live(n) }.map(|n| &n.inner) {
        Some(Notification::Status(ev)) => match ev.kind {
            StatusKind::Callout => VOICECB_STATUS_CALLOUT,
            StatusKind::Alerting => VOICECB_STATUS_ALERTING,
            StatusKind::Answer => VOICECB_STATUS_ANSWER,
            StatusKind::CollectInfo => VOICECB_STATUS_COLLECT_INFO,
            StatusKind::Disconnect => VOICECB_STATUS_DISCONNECT,
        },
        _ => 0,
    })
}

/// A `statusInfo` field of a status event by its API name ("sessionId",
/// "timestamp", "caller", "called", "stateCode", "stateDesc",
/// "partyType", "digitInfo", "userData", or any other the platform sent),
/// as text: strings as sent, "userData" decoded when libvoicecb
/// Base64-encoded it, integer fields ("stateCode") in decimal whether sent
/// as a number or as digits, other numbers and booleans as JSON text,
/// nested values as compact JSON. NULL when the field is absent or null,
/// when the push is not a status event, or when `n` or `field` is NULL or
/// `field` is not UTF-8. Borrowed: valid until
/// `voicecb_notification_free`. Thread-safe.
///
/// # Safety
/// `n` is NULL or a live handle; `field` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_notification_get(
    n: *const voicecb_notification,
    field: *const c_char,
) -> *const c_char {
    guard_value(ptr::null(), || {
        match (unsafe { live(n) }, unsafe { field_name(field) }) {
            (Some(n), Some(field)) => lookup(&n.fields, field),
            _ => ptr::null(),
        }
    })
}

/// For a `disconnect` (or any status event that has one), `stateCode`
/// into `*out`. `VOICECB_ERR_NOT_FOUND` when the event has none or the
/// push is not a status event; `VOICECB_ERR_NULL_ARGUMENT` when `n` or
/// `out` is NULL. `*out` is written only on success. Thread-safe.
///
/// # Safety
/// `n` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_notification_state_code(
    n: *const voicecb_notification,
    out: *mut i64,
) -> voicecb_result {
    guard(ptr::null_mut(), || {
        let n = unsafe { live(n) }.ok_or_else(|| Failure::null("n"))?;
        out_arg(out, "out")?;
        let code = match &n.inner {
            Notification::Status(ev) => ev.state_code,
            _ => None,
        };
        let code =
            code.ok_or_else(|| Failure::not_found("the notification has no stateCode".into()))?;
        // SAFETY: checked by out_arg.
        unsafe { *out = code };
        Ok(())
    })
}

/// The number of records of a bill (1 to 50); 0 for any other push or a
/// NULL `n`. Thread-safe.
///
/// # Safety
/// `n` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_notification_record_count(
    n: *const voicecb_notification,
) -> usize {
    guard_value(0, || unsafe { live(n) }.map_or(0, |n| n.records.len()))
}

/// A field of bill record `index` (0 to count - 1) by its API name
/// ("sessionId", "callEndTime", "ttsPlayTimes", "recordFileDownloadUrl",
/// "serviceType", ...), as text by the rules of `voicecb_notification_get`;
/// counters ("direction", "fwdUnaswRsn", "ulFailReason", "sipStatusCode",
/// "callOutUnaswRsn", "recordFlag", "ttsPlayTimes", "ttsTransDuration")
/// in decimal whether sent as numbers or as digits. NULL when absent,
/// when `index` is out of range, when the push is not a bill, or when `n`
/// or `field` is NULL or `field` is not UTF-8. Borrowed: valid until
/// `voicecb_notification_free`. Thread-safe.
///
/// # Safety
/// `n` is NULL or a live handle; `field` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_notification_record_get(
    n: *const voicecb_notification,
    index: usize,
    field: *const c_char,
) -> *const c_char {
    guard_value(ptr::null(), || {
        match (unsafe { live(n) }, unsafe { field_name(field) }) {
            (Some(n), Some(field)) => n
                .records
                .get(index)
                .map_or(ptr::null(), |r| lookup(&r.fields, field)),
            _ => ptr::null(),
        }
    })
}

/// The whole body as compact JSON (object keys may come in another order
/// than sent; userData as sent), for logging or for fields the getters do
/// not reach. Borrowed: valid until `voicecb_notification_free`. NULL when
/// `n` is NULL. Thread-safe.
///
/// # Safety
/// `n` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_notification_raw_json(
    n: *const voicecb_notification,
) -> *const c_char {
    guard_value(ptr::null(), || {
        unsafe { live(n) }.map_or(ptr::null(), |n| n.raw_json.as_ptr())
    })
}

/// Checks the signature of a push, for deployments that sign them (others
/// send neither header: then do not call this). `url` is the
/// statusUrl/feeUrl exactly as given to click2Call (not Base64);
/// `authorization` and `x_aksk` are the values of the `Authorization` and
/// `X-AKSK` headers, NULL when absent (which fails verification). Checks
/// the Authorization value, that X-AKSK's Username is `app_key`, that its
/// Created is within `window_secs` of now, and that its digest is
/// Base64(HMAC-SHA256(app_secret, url + nonce + created)), with or without
/// "\n" between the three, compared in constant time, with Created read as
/// UTC (`voicecb_notification_verify_with` reads it as UTC+8 and pins the
/// digest form). The Nonce must be 1 to 128 characters of [0-9A-Za-z]. `VOICECB_OK` when
/// it verifies; `VOICECB_ERR_BAD_SIGNATURE` when not, with a message
/// naming the failed check (never a digest or the secret);
/// `VOICECB_ERR_INVALID_ARGUMENT` for an empty `app_key`, `app_secret` or
/// `url`. Nonces are not remembered: a replay within the window verifies
/// again. Thread-safe.
///
/// # Safety
/// `app_key`, `app_secret` and `url` are NUL-terminated; `authorization`
/// and `x_aksk` are NULL or NUL-terminated; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_notification_verify(
    app_key: *const c_char,
    app_secret: *const c_char,
    url: *const c_char,
    authorization: *const c_char,
    x_aksk: *const c_char,
    window_secs: u32,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    guard(err, || {
        let opts = notify::VerifyOptions {
            window: Duration::from_secs(u64::from(window_secs)),
            ..notify::VerifyOptions::default()
        };
        unsafe { verify_args(app_key, app_secret, url, authorization, x_aksk, &opts) }
    })
}

/// `voicecb_notification_verify` with the signer's clock and the digest
/// form given: `signer_clock` is `VOICECB_SIGNER_CLOCK_UTC` (what
/// `voicecb_notification_verify` assumes) or `VOICECB_SIGNER_CLOCK_UTC8`
/// (Created in Beijing time with a literal Z, as the vendor's current pages
/// state), so that the window need not be widened by 8 hours;
/// `digest_form` is `VOICECB_DIGEST_FORM_ANY` (either),
/// `VOICECB_DIGEST_FORM_PLAIN` (url + nonce + created only) or
/// `VOICECB_DIGEST_FORM_LINES` (url "\n" nonce "\n" created only). The X-AKSK
/// Nonce must be 1 to 128 characters of [0-9A-Za-z]. Another value of
/// `signer_clock` or `digest_form` gives `VOICECB_ERR_INVALID_ARGUMENT`
/// naming it. Thread-safe.
///
/// # Safety
/// As for `voicecb_notification_verify`.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn voicecb_notification_verify_with(
    app_key: *const c_char,
    app_secret: *const c_char,
    url: *const c_char,
    authorization: *const c_char,
    x_aksk: *const c_char,
    window_secs: u32,
    signer_clock: i32,
    digest_form: i32,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    guard(err, || {
        let signer_clock = match signer_clock {
            VOICECB_SIGNER_CLOCK_UTC => notify::SignerClock::Utc,
            VOICECB_SIGNER_CLOCK_UTC8 => notify::SignerClock::Utc8,
            other => {
                return Err(crate::error::Error::invalid(
                    "signer_clock",
                    format!(
                        "must be VOICECB_SIGNER_CLOCK_UTC (0) or VOICECB_SIGNER_CLOCK_UTC8 (1), got {other}"
                    ),
                )
                .into());
            }
        };
        let digest_form = match digest_form {
            VOICECB_DIGEST_FORM_ANY => notify::DigestForm::Any,
            VOICECB_DIGEST_FORM_PLAIN => notify::DigestForm::Plain,
            VOICECB_DIGEST_FORM_LINES => notify::DigestForm::Lines,
            other => {
                return Err(crate::error::Error::invalid(
                    "digest_form",
                    format!("must be VOICECB_DIGEST_FORM_ANY, _PLAIN or _LINES (0-2), got {other}"),
                )
                .into());
            }
        };
        let opts = notify::VerifyOptions {
            window: Duration::from_secs(u64::from(window_secs)),
            signer_clock,
            digest_form,
        };
        unsafe { verify_args(app_key, app_secret, url, authorization, x_aksk, &opts) }
    })
}

/// The string arguments of the verify functions, checked, then the check.
///
/// # Safety
/// As for `voicecb_notification_verify`.
unsafe fn verify_args(
    app_key: *const c_char,
    app_secret: *const c_char,
    url: *const c_char,
    authorization: *const c_char,
    x_aksk: *const c_char,
    opts: &notify::VerifyOptions,
) -> Result<(), Failure> {
    let app_key = unsafe { str_arg(app_key, "app_key") }?;
    let app_secret = unsafe { str_arg(app_secret, "app_secret") }?;
    let url = unsafe { str_arg(url, "url") }?;
    let authorization = match authorization.is_null() {
        true => None,
        false => Some(unsafe { str_arg(authorization, "authorization") }?),
    };
    let x_aksk = match x_aksk.is_null() {
        true => None,
        false => Some(unsafe { str_arg(x_aksk, "x_aksk") }?),
    };
    notify::verify_with(app_key, app_secret, url, authorization, x_aksk, opts)?;
    Ok(())
}

/// The value of the `index`th `statusInfo` field (in the order of
/// `voicecb_notification_field_name`), rendered as by
/// `voicecb_notification_get`, or NULL past the end or for a NULL `n`.
/// Listing every field with this and `voicecb_notification_field_name`
/// takes time linear in their number. Borrowed: valid until
/// `voicecb_notification_free`. Thread-safe.
///
/// # Safety
/// `n` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_notification_field_value(
    n: *const voicecb_notification,
    index: usize,
) -> *const c_char {
    guard_value(ptr::null(), || {
        unsafe { live(n) }.map_or(ptr::null(), |n| value_at(&n.fields, index))
    })
}

/// The value of the `index`th field of bill record `record` (in the order
/// of `voicecb_notification_record_field_name`), rendered as by
/// `voicecb_notification_record_get`, or NULL past the end, past the last
/// record, or for a NULL `n`. Borrowed: valid until
/// `voicecb_notification_free`. Thread-safe.
///
/// # Safety
/// `n` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_notification_record_field_value(
    n: *const voicecb_notification,
    record: usize,
    index: usize,
) -> *const c_char {
    guard_value(ptr::null(), || {
        unsafe { live(n) }
            .and_then(|n| n.records.get(record))
            .map_or(ptr::null(), |r| value_at(&r.fields, index))
    })
}

/// The number of `statusInfo` fields of a status event, for listing them
/// with `voicecb_notification_field_name`; 0 for other pushes and NULL.
///
/// # Safety
/// `n` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_notification_field_count(n: *const voicecb_notification) -> usize {
    guard_value(0, || unsafe { live(n) }.map_or(0, |n| n.fields.len()))
}

/// The name of the `index`th `statusInfo` field (sorted by name), or NULL
/// past the end. Borrowed: valid until `voicecb_notification_free`.
///
/// # Safety
/// `n` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_notification_field_name(
    n: *const voicecb_notification,
    index: usize,
) -> *const c_char {
    guard_value(ptr::null(), || {
        unsafe { live(n) }.map_or(ptr::null(), |n| name_at(&n.fields, index))
    })
}

/// The number of fields of bill record `record`; 0 past the last record,
/// for other pushes and NULL.
///
/// # Safety
/// `n` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_notification_record_field_count(
    n: *const voicecb_notification,
    record: usize,
) -> usize {
    guard_value(0, || {
        unsafe { live(n) }
            .and_then(|n| n.records.get(record))
            .map_or(0, |r| r.fields.len())
    })
}

/// The name of the `index`th field (sorted by name) of bill record
/// `record`, or NULL past the end. Borrowed: valid until
/// `voicecb_notification_free`.
///
/// # Safety
/// `n` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_notification_record_field_name(
    n: *const voicecb_notification,
    record: usize,
    index: usize,
) -> *const c_char {
    guard_value(ptr::null(), || {
        unsafe { live(n) }
            .and_then(|n| n.records.get(record))
            .map_or(ptr::null(), |r| name_at(&r.fields, index))
    })
}

/// The JSON of bill record `record` alone, or NULL past the last record.
/// Borrowed: valid until `voicecb_notification_free`.
///
/// # Safety
/// `n` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_notification_record_raw_json(
    n: *const voicecb_notification,
    record: usize,
) -> *const c_char {
    guard_value(ptr::null(), || {
        unsafe { live(n) }
            .and_then(|n| n.records.get(record))
            .map_or(ptr::null(), |r| r.raw_json.as_ptr())
    })
}

/// The `timestamp` of a status event ("yyyy-MM-dd HH:mm:ss", UTC) as
/// seconds since 1970-01-01 UTC in `*unix_secs`. `VOICECB_ERR_NOT_FOUND`
/// when the push has none (or is not a status event),
/// `VOICECB_ERR_BAD_NOTIFICATION` when it is not in that format. Thread-safe.
///
/// # Safety
/// `n` is a live handle; `unix_secs` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_notification_time(
    n: *const voicecb_notification,
    unix_secs: *mut i64,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    guard(err, || {
        let n = unsafe { live(n) }.ok_or_else(|| Failure::null("n"))?;
        out_arg(unix_secs, "unix_secs")?;
        let Notification::Status(event) = &n.inner else {
            return Err(Failure::not_found(
                "only a status event has a timestamp".into(),
            ));
        };
        if event.timestamp.is_none() {
            return Err(Failure::not_found(
                "the status event has no timestamp".into(),
            ));
        }
        let time = event.time()?;
        // SAFETY: checked by out_arg.
        unsafe { *unix_secs = time.and_utc().timestamp() };
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_match_the_core() {
        assert_eq!(VOICECB_NOTIFICATION_MAX_FIELDS, notify::MAX_FIELDS);
        assert_eq!(VOICECB_NOTIFICATION_MAX_BODY, notify::MAX_BODY_LEN);
        assert_eq!(VOICECB_NOTIFICATION_MAX_RECORDS, notify::MAX_BILL_RECORDS);
    }

    #[test]
    fn fields_are_listed_and_the_time_is_read() {
        let body = br#"{"eventType":"answer","statusInfo":{"sessionId":"s","timestamp":"2019-01-24 03:04:24","caller":"+1"}}"#;
        let mut n = ptr::null_mut();
        unsafe {
            assert_eq!(
                voicecb_notification_parse(body.as_ptr(), body.len(), &mut n, ptr::null_mut()),
                voicecb_result::VOICECB_OK
            );
            assert_eq!(voicecb_notification_field_count(n), 3);
            let names: Vec<_> = (0..3)
                .map(|i| {
                    CStr::from_ptr(voicecb_notification_field_name(n, i))
                        .to_str()
                        .unwrap()
                })
                .collect();
            assert_eq!(names, ["caller", "sessionId", "timestamp"]);
            assert!(voicecb_notification_field_name(n, 3).is_null());
            let mut secs = 0i64;
            assert_eq!(
                voicecb_notification_time(n, &mut secs, ptr::null_mut()),
                voicecb_result::VOICECB_OK
            );
            assert_eq!(secs, 1548299064);
            assert_eq!(voicecb_notification_record_field_count(n, 0), 0);
            assert!(voicecb_notification_record_raw_json(n, 0).is_null());
            voicecb_notification_free(n);
        }
        let bill =
            br#"{"eventType":"fee","feeLst":[{"sessionId":"a","direction":1},{"sessionId":"b"}]}"#;
        unsafe {
            assert_eq!(
                voicecb_notification_parse(bill.as_ptr(), bill.len(), &mut n, ptr::null_mut()),
                voicecb_result::VOICECB_OK
            );
            assert_eq!(voicecb_notification_record_field_count(n, 0), 2);
            assert_eq!(
                CStr::from_ptr(voicecb_notification_record_field_name(n, 0, 0))
                    .to_str()
                    .unwrap(),
                "direction"
            );
            assert_eq!(
                CStr::from_ptr(voicecb_notification_record_raw_json(n, 1))
                    .to_str()
                    .unwrap(),
                r#"{"sessionId":"b"}"#
            );
            let mut secs = 7i64;
            assert_eq!(
                voicecb_notification_time(n, &mut secs, ptr::null_mut()),
                voicecb_result::VOICECB_ERR_NOT_FOUND
            );
            assert_eq!(secs, 7);
            voicecb_notification_free(n);
        }
    }

    #[test]
    fn constants_match_the_kinds() {
        let kinds = [
            (StatusKind::Callout, VOICECB_STATUS_CALLOUT),
            (StatusKind::Alerting, VOICECB_STATUS_ALERTING),
            (StatusKind::Answer, VOICECB_STATUS_ANSWER),
            (StatusKind::CollectInfo, VOICECB_STATUS_COLLECT_INFO),
            (StatusKind::Disconnect, VOICECB_STATUS_DISCONNECT),
        ];
        for (kind, code) in kinds {
            let body = format!(
                r#"{{"eventType":"{}","statusInfo":{{"sessionId":"s"}}}}"#,
                kind.api_name()
            );
            let mut n = ptr::null_mut();
            unsafe {
                assert_eq!(
                    voicecb_notification_parse(body.as_ptr(), body.len(), &mut n, ptr::null_mut()),
                    voicecb_result::VOICECB_OK
                );
                assert_eq!(voicecb_notification_status_kind(n), code);
                assert_eq!(voicecb_notification_type(n), VOICECB_NOTIFICATION_STATUS);
                voicecb_notification_free(n);
            }
        }
    }

    #[test]
    fn borrowed_strings_are_stable_across_calls() {
        let body = br#"{"eventType":"fee","feeLst":[{"sessionId":"a","ttsPlayTimes":"4"}]}"#;
        let mut n = ptr::null_mut();
        unsafe {
            assert_eq!(
                voicecb_notification_parse(body.as_ptr(), body.len(), &mut n, ptr::null_mut()),
                voicecb_result::VOICECB_OK
            );
            let a = voicecb_notification_record_get(n, 0, c"sessionId".as_ptr());
            let b = voicecb_notification_record_get(n, 0, c"sessionId".as_ptr());
            assert_eq!(a, b);
            assert_eq!(
                CStr::from_ptr(voicecb_notification_record_get(
                    n,
                    0,
                    c"ttsPlayTimes".as_ptr()
                )),
                c"4"
            );
            assert!(voicecb_notification_record_get(n, 1, c"sessionId".as_ptr()).is_null());
            voicecb_notification_free(n);
        }
    }
}
