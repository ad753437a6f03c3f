//! Events to a C callback: a borrowed, read-only event handle with getters.

use std::cell::OnceCell;
use std::ffi::{CString, c_char, c_void};
use std::ptr;

use super::boundary::{Tagged, guard_value, live, str_arg, to_cstring, voicecb_result};
use crate::events::Event;

/// `voicecb_event_level`: a try that neither failed the call nor is retried.
pub const VOICECB_EVENT_LEVEL_DEBUG: i32 = 0;
/// `voicecb_event_level`: a call that succeeded.
pub const VOICECB_EVENT_LEVEL_INFO: i32 = 1;
/// `voicecb_event_level`: a refusal, a try that will be retried, or a call
/// that failed.
pub const VOICECB_EVENT_LEVEL_WARN: i32 = 2;

/// The event callback: called with every event of a client's calls (one
/// per try of a request and one when the call ends), on the thread that
/// makes the call, during the call, so that calls on several threads call
/// it concurrently. `event` is borrowed: valid only until the callback
/// returns; copy what you keep. The callback must return normally (no
/// `longjmp`, no C++ exception) and should be quick: the call waits for it.
/// It may call any `voicecb_event_*` getter, and must not free or use the
/// client it reports on.
pub type voicecb_event_callback =
    Option<unsafe extern "C" fn(event: *const voicecb_event, userdata: *mut c_void)>;

/// A C callback and its argument, as set on the options.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Hook {
    pub(crate) callback: unsafe extern "C" fn(*const voicecb_event, *mut c_void),
    /// The caller's pointer, kept as an address: the library never reads
    /// it, and the caller promises it may be used from any thread.
    pub(crate) userdata: usize,
}

impl Hook {
    /// Calls the C callback with `event`.
    pub(crate) fn call(&self, event: &Event<'_>) {
        let handle = Tagged::new(voicecb_event {
            event: ptr::from_ref(event).cast(),
            texts: OnceCell::new(),
        });
        // SAFETY: the caller gave a function of this type; `handle` lives
        // until it returns.
        unsafe { (self.callback)(handle.as_handle(), self.userdata as *mut c_void) }
    }
}

/// One event, borrowed during the callback. Read it with the
/// `voicecb_event_*` getters; every string a getter returns is borrowed
/// too, valid until the callback returns.
pub struct voicecb_event {
    // An `Event<'_>` whose lifetime is the callback's: the handle never
    // outlives the call of `Hook::call` that made it.
    event: *const Event<'static>,
    texts: OnceCell<Texts>,
}

impl super::boundary::Handle for voicecb_event {
    const TAG: u64 = 0x76636576656e7421;
    const NAME: &'static str = "voicecb_event";
}

/// The event's strings as C strings, made on the first getter that needs
/// one (most callbacks read a few numbers, or the JSON).
struct Texts {
    result_code: Option<CString>,
    result_desc: Option<CString>,
    session_id: Option<CString>,
    request_id: Option<CString>,
    numbers: Vec<(&'static str, CString)>,
    json: CString,
    line: CString,
}

impl voicecb_event {
    fn event(&self) -> &Event<'_> {
        // SAFETY: see the field's comment.
        unsafe { &*self.event }
    }

    fn texts(&self) -> &Texts {
        self.texts.get_or_init(|| {
            let e = self.event();
            Texts {
                result_code: e.result_code.map(to_cstring),
                result_desc: e.result_desc.map(to_cstring),
                session_id: e.session_id.map(to_cstring),
                request_id: e.request_id.map(to_cstring),
                numbers: e.numbers.iter().map(|(k, v)| (*k, to_cstring(v))).collect(),
                json: to_cstring(&e.to_json()),
                line: to_cstring(&e.to_string()),
            }
        })
    }
}

/// Reads a getter's value; `fallback` for a NULL event or a panic.
fn read<T: Copy>(ev: *const voicecb_event, fallback: T, f: impl FnOnce(&voicecb_event) -> T) -> T {
    guard_value(fallback, || {
        // SAFETY: NULL or the live event of the running callback.
        unsafe { live(ev) }.map_or(fallback, f)
    })
}

fn text(s: Option<&CString>) -> *const c_char {
    s.map_or(ptr::null(), |s| s.as_ptr())
}

/// How much the event matters: `VOICECB_EVENT_LEVEL_DEBUG` (a try),
/// `_INFO` (a call that succeeded) or `_WARN` (a refusal, a retry, a
/// failed call); `VOICECB_EVENT_LEVEL_DEBUG` for NULL. Check it first to
/// skip what you do not log.
///
/// # Safety
/// `ev` is NULL or the event of the running callback.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_event_level(ev: *const voicecb_event) -> i32 {
    read(ev, VOICECB_EVENT_LEVEL_DEBUG, |e| e.event().level() as i32)
}

/// "attempt" (a try of the request ended) or "finished" (the call ended).
/// Static; NULL for NULL.
///
/// # Safety
/// `ev` is NULL or the event of the running callback.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_event_kind(ev: *const voicecb_event) -> *const c_char {
    read(ev, ptr::null(), |e| e.event().kind.name_cstr().as_ptr())
}

/// The API called: "click2Call" or "callStop". Static; NULL for NULL.
///
/// # Safety
/// `ev` is NULL or the event of the running callback.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_event_api(ev: *const voicecb_event) -> *const c_char {
    read(ev, ptr::null(), |e| e.event().api.name_cstr().as_ptr())
}

/// The try, from 1; for a "finished" event, the tries made (0 when the
/// request was refused before any try). 0 for NULL.
///
/// # Safety
/// `ev` is NULL or the event of the running callback.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_event_attempt(ev: *const voicecb_event) -> u32 {
    read(ev, 0, |e| e.event().attempt)
}

/// How long this try took, in microseconds (for "finished": the last try).
///
/// # Safety
/// `ev` is NULL or the event of the running callback.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_event_attempt_elapsed_us(ev: *const voicecb_event) -> u64 {
    read(ev, 0, |e| micros(e.event().attempt_elapsed))
}

/// How long the call has taken so far, waits included, in microseconds.
///
/// # Safety
/// `ev` is NULL or the event of the running callback.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_event_elapsed_us(ev: *const voicecb_event) -> u64 {
    read(ev, 0, |e| micros(e.event().elapsed))
}

pub(crate) fn micros(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// How the try (or the call) came out: "answered", "refused", "invalid",
/// "transport", "timeout", "tls" or "bad_response". Static; NULL for NULL.
///
/// # Safety
/// `ev` is NULL or the event of the running callback.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_event_outcome(ev: *const voicecb_event) -> *const c_char {
    read(ev, ptr::null(), |e| e.event().outcome.name_cstr().as_ptr())
}

/// The result code the try (or call) failed with, as the call returns it;
/// `VOICECB_OK` when it succeeded (and for NULL).
///
/// # Safety
/// `ev` is NULL or the event of the running callback.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_event_error_code(ev: *const voicecb_event) -> voicecb_result {
    read(ev, voicecb_result::VOICECB_OK, |e| {
        e.event()
            .error_kind
            .map_or(voicecb_result::VOICECB_OK, voicecb_result::of_kind)
    })
}

/// The HTTP status of the answer, 0 when there was none.
///
/// # Safety
/// `ev` is NULL or the event of the running callback.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_event_http_status(ev: *const voicecb_event) -> u16 {
    read(ev, 0, |e| e.event().http_status.unwrap_or(0))
}

/// The platform's `resultcode`, NULL when it sent none. Borrowed.
///
/// # Safety
/// `ev` is NULL or the event of the running callback.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_event_result_code(ev: *const voicecb_event) -> *const c_char {
    read(ev, ptr::null(), |e| text(e.texts().result_code.as_ref()))
}

/// The platform's `resultdesc`, NULL when it sent none. Borrowed.
///
/// # Safety
/// `ev` is NULL or the event of the running callback.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_event_result_desc(ev: *const voicecb_event) -> *const c_char {
    read(ev, ptr::null(), |e| text(e.texts().result_desc.as_ref()))
}

/// False only when the library knows no byte of the request left (true for
/// a success). False for NULL.
///
/// # Safety
/// `ev` is NULL or the event of the running callback.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_event_may_have_reached_platform(ev: *const voicecb_event) -> bool {
    read(ev, false, |e| e.event().may_have_reached_platform)
}

/// For a try that will be retried: the wait before the next try, in
/// milliseconds; -1 otherwise.
///
/// # Safety
/// `ev` is NULL or the event of the running callback.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_event_retry_in_ms(ev: *const voicecb_event) -> i64 {
    read(ev, -1, |e| {
        e.event()
            .retry_in
            .map_or(-1, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    })
}

/// The call's `sessionId` when known (a click2Call's answer, a callStop's
/// argument), else NULL. Borrowed.
///
/// # Safety
/// `ev` is NULL or the event of the running callback.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_event_session_id(ev: *const voicecb_event) -> *const c_char {
    read(ev, ptr::null(), |e| text(e.texts().session_id.as_ref()))
}

/// The try's `Nonce`, unique per request: a request id for matching log
/// lines with the platform's records. NULL when nothing was signed.
/// Borrowed.
///
/// # Safety
/// `ev` is NULL or the event of the running callback.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_event_request_id(ev: *const voicecb_event) -> *const c_char {
    read(ev, ptr::null(), |e| text(e.texts().request_id.as_ref()))
}

/// The request's phone number of the API field `field` ("displayNbr",
/// "callerNbr", "displayCalleeNbr", "calleeNbr"), masked unless the
/// client's masking is off; NULL when the request has no such number (a
/// callStop has none). Borrowed.
///
/// # Safety
/// `ev` is NULL or the event of the running callback; `field` is NULL or
/// NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_event_number(
    ev: *const voicecb_event,
    field: *const c_char,
) -> *const c_char {
    read(ev, ptr::null(), |e| {
        let Ok(field) = (unsafe { str_arg(field, "field") }) else {
            return ptr::null();
        };
        e.texts()
            .numbers
            .iter()
            .find(|(k, _)| *k == field)
            .map_or(ptr::null(), |(_, v)| v.as_ptr())
    })
}

/// The whole event as one JSON object (`kind`, `level`, `api`, `attempt`,
/// `attempt_elapsed_ms`, `elapsed_ms`, `outcome`, `http_status`,
/// `result_code`, `result_desc`, `error_kind`, `may_have_reached_platform`,
/// `retry_in_ms`, `session_id`, `request_id`, `numbers`; absent values are
/// null). Borrowed; NULL for NULL.
///
/// # Safety
/// `ev` is NULL or the event of the running callback.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_event_json(ev: *const voicecb_event) -> *const c_char {
    read(ev, ptr::null(), |e| e.texts().json.as_ptr())
}

/// The event as one English log line, e.g. `click2Call attempt 1: refused
/// (HTTP 403, resultcode 1010010) in 3.2 ms, total 3.2 ms; the request may
/// have reached the platform; retry in 57 ms; ...`. Borrowed; NULL for NULL.
///
/// # Safety
/// `ev` is NULL or the event of the running callback.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_event_line(ev: *const voicecb_event) -> *const c_char {
    read(ev, ptr::null(), |e| e.texts().line.as_ptr())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::Level;

    // Literals above, because cbindgen writes only literal constants.
    #[test]
    fn the_level_constants_are_the_levels() {
        assert_eq!(VOICECB_EVENT_LEVEL_DEBUG, Level::Debug as i32);
        assert_eq!(VOICECB_EVENT_LEVEL_INFO, Level::Info as i32);
        assert_eq!(VOICECB_EVENT_LEVEL_WARN, Level::Warn as i32);
    }
}
