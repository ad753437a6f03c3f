//! The one place that deals with the boundary itself: result codes, the
//! panic guard, pointer and string checks, handles and out-parameters.

use std::ffi::{CStr, CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};

use super::error::voicecb_error;
use crate::error::{Error, ErrorKind};

/// Result of every fallible function. 0 is success; values are never
/// renumbered, and a retired value stays reserved.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum voicecb_result {
    /// Success.
    VOICECB_OK = 0,
    /// A required pointer argument was NULL.
    VOICECB_ERR_NULL_ARGUMENT = 1,
    /// A string argument was not valid UTF-8.
    VOICECB_ERR_INVALID_UTF8 = 2,
    /// An argument broke a rule of the API; nothing was sent. The error's
    /// field names it.
    VOICECB_ERR_INVALID_ARGUMENT = 3,
    /// Connecting failed or the connection broke (refused, DNS, reset, proxy).
    VOICECB_ERR_TRANSPORT = 4,
    /// The connect timeout or the request timeout ran out.
    VOICECB_ERR_TIMEOUT = 5,
    /// The TLS handshake failed (untrusted or expired certificate, wrong host).
    VOICECB_ERR_TLS = 6,
    /// The server's answer was not what the API defines.
    VOICECB_ERR_BAD_RESPONSE = 7,
    /// The platform refused the request; see the error's HTTP status,
    /// result code and catalogue entry.
    VOICECB_ERR_PLATFORM = 8,
    /// The catalogue has no entry for the (HTTP status, code) looked up.
    VOICECB_ERR_NOT_FOUND = 9,
    /// A bug in the library: a panic was caught at the boundary. The
    /// library stays usable, but please report it.
    VOICECB_ERR_PANIC = 10,
    /// A pushed notification body is not what the API defines (not JSON,
    /// no eventType, a field of an impossible type, over 1 MiB); the
    /// error's message names what is wrong.
    VOICECB_ERR_BAD_NOTIFICATION = 11,
    /// A pushed notification's signature did not verify; the error's
    /// message names the check that failed.
    VOICECB_ERR_BAD_SIGNATURE = 12,
}

use voicecb_result::*;

impl voicecb_result {
    pub(crate) fn of_kind(kind: ErrorKind) -> voicecb_result {
        match kind {
            ErrorKind::InvalidArgument => VOICECB_ERR_INVALID_ARGUMENT,
            ErrorKind::Transport => VOICECB_ERR_TRANSPORT,
            ErrorKind::Timeout => VOICECB_ERR_TIMEOUT,
            ErrorKind::Tls => VOICECB_ERR_TLS,
            ErrorKind::BadResponse => VOICECB_ERR_BAD_RESPONSE,
            ErrorKind::Platform => VOICECB_ERR_PLATFORM,
            ErrorKind::BadNotification => VOICECB_ERR_BAD_NOTIFICATION,
            ErrorKind::BadSignature => VOICECB_ERR_BAD_SIGNATURE,
        }
    }

    /// A static, NUL-terminated English description.
    pub(crate) fn text(self) -> &'static CStr {
        match self {
            VOICECB_OK => c"success",
            VOICECB_ERR_NULL_ARGUMENT => c"a required pointer argument was NULL",
            VOICECB_ERR_INVALID_UTF8 => c"a string argument was not valid UTF-8",
            VOICECB_ERR_INVALID_ARGUMENT => {
                c"an argument broke a rule of the API; nothing was sent"
            }
            VOICECB_ERR_TRANSPORT => c"transport error: connecting failed or the connection broke",
            VOICECB_ERR_TIMEOUT => c"timed out",
            VOICECB_ERR_TLS => c"TLS handshake failed",
            VOICECB_ERR_BAD_RESPONSE => c"the server's answer was not what the API defines",
            VOICECB_ERR_PLATFORM => c"the platform refused the request",
            VOICECB_ERR_NOT_FOUND => c"no catalogue entry for that HTTP status and code",
            VOICECB_ERR_PANIC => c"internal error: a panic was caught at the C boundary",
            VOICECB_ERR_BAD_NOTIFICATION => c"the notification body is not what the API defines",
            VOICECB_ERR_BAD_SIGNATURE => c"the notification signature did not verify",
        }
    }

    /// Every value, for the code-to-text function and its tests.
    pub(crate) const ALL: [voicecb_result; 13] = [
        VOICECB_OK,
        VOICECB_ERR_NULL_ARGUMENT,
        VOICECB_ERR_INVALID_UTF8,
        VOICECB_ERR_INVALID_ARGUMENT,
        VOICECB_ERR_TRANSPORT,
        VOICECB_ERR_TIMEOUT,
        VOICECB_ERR_TLS,
        VOICECB_ERR_BAD_RESPONSE,
        VOICECB_ERR_PLATFORM,
        VOICECB_ERR_NOT_FOUND,
        VOICECB_ERR_PANIC,
        VOICECB_ERR_BAD_NOTIFICATION,
        VOICECB_ERR_BAD_SIGNATURE,
    ];
}

/// Why a call failed: its code, and the details for the error handle.
pub(crate) struct Failure {
    pub(crate) code: voicecb_result,
    pub(crate) error: Error,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Failure {
        Failure {
            code: voicecb_result::of_kind(error.kind()),
            error,
        }
    }
}

impl Failure {
    pub(crate) fn null(arg: &'static str) -> Failure {
        Failure {
            code: VOICECB_ERR_NULL_ARGUMENT,
            error: Error::invalid(arg, "must not be NULL"),
        }
    }

    pub(crate) fn utf8(arg: &'static str) -> Failure {
        Failure {
            code: VOICECB_ERR_INVALID_UTF8,
            error: Error::invalid(arg, "must be valid UTF-8"),
        }
    }

    pub(crate) fn not_found(message: String) -> Failure {
        Failure {
            code: VOICECB_ERR_NOT_FOUND,
            error: Error::new(ErrorKind::InvalidArgument, message),
        }
    }
}

pub(crate) type Outcome = Result<(), Failure>;

/// Runs the body of an exported function: catches any panic, and on failure
/// hands the details to `err` when the caller asked for them.
pub(crate) fn guard(
    err: *mut *mut voicecb_error,
    body: impl FnOnce() -> Outcome,
) -> voicecb_result {
    let failure = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => return VOICECB_OK,
        Ok(Err(failure)) => failure,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            Failure {
                code: VOICECB_ERR_PANIC,
                // The kind is not shown through the ABI: the code is.
                error: Error::new(
                    ErrorKind::Platform,
                    format!("internal error in libvoicecb, please report it: panic: {what}"),
                ),
            }
        }
    };
    if !err.is_null() {
        // Building the handle allocates; a panic here must not escape either.
        if let Ok(handle) = catch_unwind(AssertUnwindSafe(|| {
            voicecb_error::new(failure.code, failure.error)
        })) {
            // SAFETY: checked non-NULL; the caller promises it is writable.
            unsafe { *err = Box::into_raw(Box::new(handle)) };
        }
    }
    failure.code
}

/// For functions with nothing to report (free functions): swallow a panic.
pub(crate) fn guard_void(body: impl FnOnce()) {
    let _ = catch_unwind(AssertUnwindSafe(body));
}

/// For accessors that return a value: `fallback` on panic.
pub(crate) fn guard_value<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

/// Reads a required NUL-terminated UTF-8 string argument.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string that outlives `'a`.
pub(crate) unsafe fn str_arg<'a>(p: *const c_char, arg: &'static str) -> Result<&'a str, Failure> {
    if p.is_null() {
        return Err(Failure::null(arg));
    }
    // SAFETY: non-NULL, and the caller promises NUL termination.
    unsafe { CStr::from_ptr(p) }
        .to_str()
        .map_err(|_| Failure::utf8(arg))
}

/// Borrows a handle the caller passed in.
///
/// # Safety
/// `p` is NULL or a live handle of type `T` made by this library.
pub(crate) unsafe fn handle<'a, T>(p: *const T, arg: &'static str) -> Result<&'a T, Failure> {
    // SAFETY: the caller promises a live handle.
    unsafe { p.as_ref() }.ok_or_else(|| Failure::null(arg))
}

/// Borrows a handle mutably (setters).
///
/// # Safety
/// `p` is NULL or a live handle of type `T` that no other thread uses now.
pub(crate) unsafe fn handle_mut<'a, T>(p: *mut T, arg: &'static str) -> Result<&'a mut T, Failure> {
    // SAFETY: the caller promises a live, unshared handle.
    unsafe { p.as_mut() }.ok_or_else(|| Failure::null(arg))
}

/// Checks that an out-parameter can be written, before any work is done.
pub(crate) fn out_arg<T>(p: *mut T, arg: &'static str) -> Result<(), Failure> {
    if p.is_null() {
        Err(Failure::null(arg))
    } else {
        Ok(())
    }
}

/// Hands a new handle to the caller through `out` (checked by [`out_arg`]).
pub(crate) fn give_handle<T>(out: *mut *mut T, value: T) {
    // SAFETY: `out` was checked non-NULL; the caller promises it is writable.
    unsafe { *out = Box::into_raw(Box::new(value)) };
}

/// Frees a handle made by [`give_handle`]; NULL is ignored.
///
/// # Safety
/// `p` is NULL or a handle of type `T` from [`give_handle`], not freed before.
pub(crate) unsafe fn free_handle<T>(p: *mut T) {
    guard_void(|| {
        if !p.is_null() {
            // SAFETY: the caller promises it came from Box::into_raw.
            drop(unsafe { Box::from_raw(p) });
        }
    })
}

/// A string for the caller to own, freed by `voicecb_string_free`.
pub(crate) fn owned_string(s: &str) -> *mut c_char {
    to_cstring(s).into_raw()
}

/// A C string of `s`; an interior NUL (possible only in text from the
/// network) becomes a space, since these strings are for reading.
pub(crate) fn to_cstring(s: &str) -> CString {
    CString::new(s.replace('\0', " ")).expect("NULs were replaced")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::error::{voicecb_error_code, voicecb_error_free, voicecb_error_message};

    #[test]
    fn a_panic_becomes_the_panic_code_with_a_message() {
        let mut err: *mut voicecb_error = std::ptr::null_mut();
        let rc = guard(&mut err, || panic!("boom"));
        assert_eq!(rc, VOICECB_ERR_PANIC);
        assert!(!err.is_null());
        unsafe {
            assert_eq!(voicecb_error_code(err), VOICECB_ERR_PANIC);
            let msg = CStr::from_ptr(voicecb_error_message(err)).to_str().unwrap();
            assert!(msg.contains("panic: boom"), "{msg}");
            voicecb_error_free(err);
        }
        // Without an error out-parameter the code alone comes back.
        assert_eq!(
            guard(std::ptr::null_mut(), || panic!("again")),
            VOICECB_ERR_PANIC
        );
        assert_eq!(guard_value(7, || panic!("value")), 7);
        guard_void(|| panic!("void"));
    }

    #[test]
    fn every_code_has_its_own_text() {
        let texts: std::collections::HashSet<_> =
            voicecb_result::ALL.iter().map(|r| r.text()).collect();
        assert_eq!(texts.len(), voicecb_result::ALL.len());
        for (i, r) in voicecb_result::ALL.iter().enumerate() {
            assert_eq!(*r as i32, i as i32, "codes are dense and never renumbered");
        }
    }

    #[test]
    fn interior_nul_from_the_network_is_replaced() {
        assert_eq!(to_cstring("a\0b").as_bytes(), b"a b");
    }
}
