//! The error handle: the details of one failed call.

use std::ffi::{CString, c_char};
use std::ptr;

use super::boundary::{
    Failure, free_handle, guard, guard_value, out_arg, to_cstring, voicecb_result,
};
use crate::codes::CodeInfo;
use crate::error::{Error, TimeoutLimit};

/// `voicecb_error_timeout_limit`: the error is not a timeout.
pub const VOICECB_TIMEOUT_LIMIT_NONE: i32 = 0;
/// `voicecb_error_timeout_limit`: the client's connect timeout ran out.
pub const VOICECB_TIMEOUT_LIMIT_CONNECT: i32 = 1;
/// `voicecb_error_timeout_limit`: the client's request timeout ran out.
pub const VOICECB_TIMEOUT_LIMIT_REQUEST: i32 = 2;
/// `voicecb_error_timeout_limit`: the call's own `timeout_ms` ran out.
pub const VOICECB_TIMEOUT_LIMIT_CALL: i32 = 3;

/// The C values of the library's timeout limits, both ways.
const TIMEOUT_LIMITS: [(i32, TimeoutLimit); 3] = [
    (VOICECB_TIMEOUT_LIMIT_CONNECT, TimeoutLimit::Connect),
    (VOICECB_TIMEOUT_LIMIT_REQUEST, TimeoutLimit::Request),
    (VOICECB_TIMEOUT_LIMIT_CALL, TimeoutLimit::Call),
];

/// Details of a failed call: a message, the field of a validation error,
/// and what the platform answered. Made by the library, freed with
/// `voicecb_error_free`. Immutable, so any thread may read it.
pub struct voicecb_error {
    code: voicecb_result,
    message: CString,
    field: Option<CString>,
    rule: Option<CString>,
    http_status: u16,
    result_code: Option<CString>,
    result_desc: Option<CString>,
    info: Option<&'static CodeInfo>,
    not_sent: bool,
    clock_skew_secs: Option<i64>,
    timeout_limit: i32,
    session_id: Option<CString>,
    attempts: u32,
    elapsed_us: u64,
}

impl super::boundary::Handle for voicecb_error {
    const TAG: u64 = 0x76636572726f7221;
    const NAME: &'static str = "voicecb_error";
}

impl voicecb_error {
    pub(crate) fn new(code: voicecb_result, e: Error) -> voicecb_error {
        voicecb_error {
            code,
            message: to_cstring(e.message()),
            field: e.field().map(to_cstring),
            rule: e.rule().map(to_cstring),
            http_status: e.http_status().unwrap_or(0),
            result_code: e.result_code().map(to_cstring),
            result_desc: e.result_desc().map(to_cstring),
            info: e.code_info(),
            not_sent: e.request_not_sent(),
            clock_skew_secs: e.clock_skew_secs(),
            timeout_limit: e.timeout_limit().map_or(VOICECB_TIMEOUT_LIMIT_NONE, |l| {
                TIMEOUT_LIMITS
                    .iter()
                    .find(|(_, known)| *known == l)
                    .map_or(VOICECB_TIMEOUT_LIMIT_NONE, |(value, _)| *value)
            }),
            session_id: e.session_id().map(to_cstring),
            attempts: e.attempts(),
            elapsed_us: super::events::micros(e.elapsed()),
        }
    }
}

fn text(s: Option<&CString>) -> *const c_char {
    s.map_or(ptr::null(), |s| s.as_ptr())
}

/// Frees an error. NULL is allowed.
///
/// # Safety
/// `err` is NULL or an error from this library, not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_error_free(err: *mut voicecb_error) {
    unsafe { free_handle(err) }
}

/// The result code of the failed call (never `VOICECB_OK`);
/// `VOICECB_ERR_NULL_ARGUMENT` when `err` is NULL,
/// `VOICECB_ERR_INVALID_HANDLE` when it is not a live error.
///
/// # Safety
/// `err` is NULL or a live error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_error_code(err: *const voicecb_error) -> voicecb_result {
    guard_value(voicecb_result::VOICECB_ERR_PANIC, || {
        if err.is_null() {
            return voicecb_result::VOICECB_ERR_NULL_ARGUMENT;
        }
        unsafe { super::boundary::live(err) }
            .map_or(voicecb_result::VOICECB_ERR_INVALID_HANDLE, |e| e.code)
    })
}

/// What happened and, where known, what to do, in English (platform
/// errors add the catalogue's advice; `voicecb_code_info_advice_zh` of
/// `voicecb_error_code_info` has the spec's Chinese). Never contains the app
/// secret or a digest. Borrowed: valid until `voicecb_error_free`.
/// NULL when `err` is NULL.
///
/// # Safety
/// `err` is NULL or a live error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_error_message(err: *const voicecb_error) -> *const c_char {
    guard_value(ptr::null(), || {
        unsafe { super::boundary::live(err) }.map_or(ptr::null(), |e| e.message.as_ptr())
    })
}

/// For `VOICECB_ERR_INVALID_ARGUMENT`, `VOICECB_ERR_NULL_ARGUMENT` and
/// `VOICECB_ERR_INVALID_UTF8`: the field or argument at fault, as the API
/// names it ("displayNbr", "maxDuration", "app_key", ...). NULL otherwise.
/// Borrowed: valid until `voicecb_error_free`.
///
/// # Safety
/// `err` is NULL or a live error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_error_field(err: *const voicecb_error) -> *const c_char {
    guard_value(ptr::null(), || {
        unsafe { super::boundary::live(err) }.map_or(ptr::null(), |e| text(e.field.as_ref()))
    })
}

/// For `VOICECB_ERR_INVALID_ARGUMENT`, `VOICECB_ERR_NULL_ARGUMENT` and
/// `VOICECB_ERR_INVALID_UTF8`: the rule the field broke, without
/// the field's name ("must be 0 to 1440 minutes, got 5000"), for a wrapper
/// that names the field in its own spelling. NULL otherwise. Borrowed:
/// valid until `voicecb_error_free`.
///
/// # Safety
/// `err` is NULL or a live error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_error_rule(err: *const voicecb_error) -> *const c_char {
    guard_value(ptr::null(), || {
        unsafe { super::boundary::live(err) }.map_or(ptr::null(), |e| text(e.rule.as_ref()))
    })
}

/// The HTTP status of the server's answer, or 0 when there was none.
///
/// # Safety
/// `err` is NULL or a live error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_error_http_status(err: *const voicecb_error) -> u16 {
    guard_value(0, || {
        unsafe { super::boundary::live(err) }.map_or(0, |e| e.http_status)
    })
}

/// The platform's `resultcode`, or NULL when it sent none. Borrowed: valid
/// until `voicecb_error_free`.
///
/// # Safety
/// `err` is NULL or a live error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_error_result_code(err: *const voicecb_error) -> *const c_char {
    guard_value(ptr::null(), || {
        unsafe { super::boundary::live(err) }.map_or(ptr::null(), |e| text(e.result_code.as_ref()))
    })
}

/// The platform's `resultdesc`, or NULL when it sent none. Borrowed: valid
/// until `voicecb_error_free`.
///
/// # Safety
/// `err` is NULL or a live error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_error_result_desc(err: *const voicecb_error) -> *const c_char {
    guard_value(ptr::null(), || {
        unsafe { super::boundary::live(err) }.map_or(ptr::null(), |e| text(e.result_desc.as_ref()))
    })
}

/// The catalogue's entry for the platform's (HTTP status, resultcode), or
/// NULL when the catalogue does not know it (or the error is not a
/// platform refusal). Static: valid for the life of the process.
///
/// # Safety
/// `err` is NULL or a live error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_error_code_info(err: *const voicecb_error) -> *const CodeInfo {
    guard_value(ptr::null(), || {
        unsafe { super::boundary::live(err) }
            .and_then(|e| e.info)
            .map_or(ptr::null(), |i| i as *const CodeInfo)
    })
}

/// True when the library knows no byte of the request reached the network
/// (a validation error, or a connection that could not be made); false
/// means the request may have reached the platform, so a click2Call may
/// have placed a call. False when `err` is NULL.
///
/// # Safety
/// `err` is NULL or a live error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_error_request_not_sent(err: *const voicecb_error) -> bool {
    guard_value(false, || {
        unsafe { super::boundary::live(err) }.is_some_and(|e| e.not_sent)
    })
}

/// For a refusal of the time limit (1010013) whose answer had a `Date`
/// header: `*out` is how many seconds the platform's clock is ahead of this
/// host's (negative: behind). `VOICECB_ERR_NOT_FOUND` when unknown.
///
/// # Safety
/// `err` is NULL or a live error; `out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_error_clock_skew_secs(
    err: *const voicecb_error,
    out: *mut i64,
) -> voicecb_result {
    guard(std::ptr::null_mut(), || {
        let e = unsafe { super::boundary::handle(err, "err") }?;
        out_arg(out, "out")?;
        let skew = e
            .clock_skew_secs
            .ok_or_else(|| Failure::not_found("no clock skew is known for this error".into()))?;
        // SAFETY: checked by out_arg.
        unsafe { *out = skew };
        Ok(())
    })
}

/// For `VOICECB_ERR_TIMEOUT`: which limit ran out, one of the
/// `VOICECB_TIMEOUT_LIMIT_*` values; `VOICECB_TIMEOUT_LIMIT_NONE` for other
/// errors and when `err` is NULL. A caller that derived a call's
/// `timeout_ms` from a deadline of its own can tell from
/// `VOICECB_TIMEOUT_LIMIT_CALL` that its deadline was the cause, without
/// comparing clocks.
///
/// # Safety
/// `err` is NULL or a live error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_error_timeout_limit(err: *const voicecb_error) -> i32 {
    guard_value(VOICECB_TIMEOUT_LIMIT_NONE, || {
        unsafe { super::boundary::live(err) }
            .map_or(VOICECB_TIMEOUT_LIMIT_NONE, |e| e.timeout_limit)
    })
}

/// How many tries of the request the failed call made: 0 when it was
/// refused before any (an invalid argument), for errors that are not a
/// call's, and for NULL.
///
/// # Safety
/// `err` is NULL or a live error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_error_attempts(err: *const voicecb_error) -> u32 {
    guard_value(0, || {
        unsafe { super::boundary::live(err) }.map_or(0, |e| e.attempts)
    })
}

/// How long the failed call took in all, tries and waits included, in
/// microseconds; 0 for errors that are not a call's and for NULL.
///
/// # Safety
/// `err` is NULL or a live error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_error_elapsed_us(err: *const voicecb_error) -> u64 {
    guard_value(0, || {
        unsafe { super::boundary::live(err) }.map_or(0, |e| e.elapsed_us)
    })
}

/// The name of a `VOICECB_TIMEOUT_LIMIT_*` value: "connect", "request" or
/// "call"; NULL for `VOICECB_TIMEOUT_LIMIT_NONE` and unknown values. A
/// static string: never free it. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn voicecb_timeout_limit_name(limit: i32) -> *const c_char {
    guard_value(ptr::null(), || {
        TIMEOUT_LIMITS
            .iter()
            .find(|(value, _)| *value == limit)
            .map_or(ptr::null(), |(_, l)| l.c_name().as_ptr())
    })
}

/// For a failed `voicecb_click2call_send` whose answer held a string
/// `sessionId` (a refusal with a 3xx or 5xx status, a body too large or
/// broken after the id, an id `voicecb_call_stop` would refuse): that id,
/// so that the call, which may be ringing, can still be stopped. Control
/// characters in it are escaped ("\\r", "\\n", "\\u{1b}"). NULL when the
/// answer held none, for every other error, and when `err` is NULL.
/// Borrowed: valid until `voicecb_error_free`; never free it.
///
/// # Safety
/// `err` is NULL or a live error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_error_session_id(err: *const voicecb_error) -> *const c_char {
    guard_value(ptr::null(), || {
        unsafe { super::boundary::live(err) }.map_or(ptr::null(), |e| text(e.session_id.as_ref()))
    })
}

/// A static English description of a result code ("success", "timed out",
/// ...). Never NULL: an unknown value gives "unknown result code". Never
/// free it. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn voicecb_result_str(code: i32) -> *const c_char {
    guard_value(c"unknown result code".as_ptr(), || {
        voicecb_result::ALL
            .iter()
            .find(|r| **r as i32 == code)
            .map_or(c"unknown result code", |r| r.text())
            .as_ptr()
    })
}
