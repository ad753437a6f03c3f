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
    /// A handle argument is not a live handle of its type: freed already,
    /// or a pointer to something else. Caught where the library can tell
    /// cheaply (each handle carries a tag, wiped when it is freed); it is a
    /// bug in the caller, and a use after free stays undefined behaviour
    /// when the memory has been reused meanwhile.
    VOICECB_ERR_INVALID_HANDLE = 13,
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
            VOICECB_ERR_INVALID_HANDLE => {
                c"a handle argument is not a live handle of its type (freed, or another type's)"
            }
        }
    }

    /// Every value, for the code-to-text function and its tests.
    pub(crate) const ALL: [voicecb_result; 14] = [
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
        VOICECB_ERR_INVALID_HANDLE,
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

    pub(crate) fn invalid_handle(arg: &'static str, type_name: &str) -> Failure {
        Failure {
            code: VOICECB_ERR_INVALID_HANDLE,
            error: Error::invalid(
                arg,
                format!(
                    "is not a live {type_name} (freed already, or another type's handle): a bug in the caller"
                ),
            ),
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
            unsafe { *err = Box::into_raw(Box::new(Tagged::new(handle))).cast() };
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

/// A handle type of the C ABI. Its values live behind a tag (see
/// [`Tagged`]), so that a freed or foreign pointer is usually caught.
pub(crate) trait Handle: Sized {
    /// This type's tag: distinct per type, never [`FREED`].
    const TAG: u64;
    /// The C name, for messages.
    const NAME: &'static str;
}

/// The tag a handle gets when it is freed.
const FREED: u64 = 0xdead_0000_dead_0000;

/// What a handle pointer given to C points to: the tag first (at offset
/// 0 for every type, so a pointer to another handle type, or to a freed
/// one, reads a tag that does not match), then the value. C sees only
/// the opaque `T *`.
#[repr(C)]
pub(crate) struct Tagged<T> {
    tag: u64,
    value: T,
}

impl<T: Handle> Tagged<T> {
    /// A value tagged as live, for a handle that lives on the stack (an
    /// event during its callback).
    pub(crate) fn new(value: T) -> Tagged<T> {
        Tagged { tag: T::TAG, value }
    }

    /// The pointer C gets.
    pub(crate) fn as_handle(&self) -> *const T {
        std::ptr::from_ref(self).cast()
    }
}

/// The live handle behind `p`; `None` for NULL or a tag that is not `T`'s.
///
/// # Safety
/// `p` is NULL or points to at least 8 readable bytes (any handle of this
/// library, live or, until its memory is reused, freed).
unsafe fn tagged<'a, T: Handle>(p: *const T) -> Option<Option<&'a Tagged<T>>> {
    if p.is_null() {
        return None;
    }
    let t = p.cast::<Tagged<T>>();
    // SAFETY: non-NULL; the caller promises the first 8 bytes are
    // readable. A volatile read, so that it is never assumed.
    let tag = unsafe { std::ptr::read_volatile(std::ptr::addr_of!((*t).tag)) };
    // SAFETY: the tag says it is a live Tagged<T>.
    Some((tag == T::TAG).then(|| unsafe { &*t }))
}

/// Borrows a handle the caller passed in: NULL and a handle that is not a
/// live `T` give their own errors.
///
/// # Safety
/// `p` is NULL or a handle made by this library (of any type).
pub(crate) unsafe fn handle<'a, T: Handle>(
    p: *const T,
    arg: &'static str,
) -> Result<&'a T, Failure> {
    match unsafe { tagged(p) } {
        None => Err(Failure::null(arg)),
        Some(None) => Err(Failure::invalid_handle(arg, T::NAME)),
        Some(Some(t)) => Ok(&t.value),
    }
}

/// Borrows a handle mutably (setters), as [`handle`].
///
/// # Safety
/// As [`handle`], and no other thread uses the handle now.
pub(crate) unsafe fn handle_mut<'a, T: Handle>(
    p: *mut T,
    arg: &'static str,
) -> Result<&'a mut T, Failure> {
    // Checked first through a shared borrow; the caller promises the handle
    // is not shared now.
    unsafe { handle(p, arg) }?;
    // SAFETY: a live Tagged<T>, unshared.
    Ok(unsafe { &mut (*p.cast::<Tagged<T>>()).value })
}

/// For getters: the live handle behind `p`, or `None` for NULL and a
/// handle that is not a live `T` (the getter then returns its "none").
///
/// # Safety
/// As [`handle`].
pub(crate) unsafe fn live<'a, T: Handle>(p: *const T) -> Option<&'a T> {
    unsafe { tagged(p) }.flatten().map(|t| &t.value)
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
pub(crate) fn give_handle<T: Handle>(out: *mut *mut T, value: T) {
    let p = Box::into_raw(Box::new(Tagged::new(value))).cast::<T>();
    // SAFETY: `out` was checked non-NULL; the caller promises it is writable.
    unsafe { *out = p };
}

/// Frees a handle made by [`give_handle`]; NULL is ignored, and so is a
/// pointer that is not a live `T` (freed already, or another type's),
/// which is reported on stderr instead of freeing memory twice.
///
/// # Safety
/// `p` is NULL or a handle made by this library.
pub(crate) unsafe fn free_handle<T: Handle>(p: *mut T) {
    guard_void(|| match unsafe { tagged(p) } {
        None => {}
        Some(None) => eprintln!(
            "libvoicecb: {}_free was given a pointer that is not a live {0} (freed already, or another type's handle): ignored",
            T::NAME
        ),
        Some(Some(_)) => {
            let t = p.cast::<Tagged<T>>();
            // SAFETY: a live Tagged<T> from Box::into_raw. The tag is
            // wiped first, so that a later use of this pointer finds it
            // dead (until the memory is reused).
            unsafe {
                std::ptr::write_volatile(std::ptr::addr_of_mut!((*t).tag), FREED);
                drop(Box::from_raw(t));
            }
        }
    })
}

/// A string for the caller to own, freed by `voicecb_string_free`.
pub(crate) fn owned_string(s: &str) -> *mut c_char {
    to_cstring(s).into_raw()
}

/// [`owned_string`] of a string the library made and gives up: its buffer
/// becomes the C string's (no copy when it has room for the NUL).
pub(crate) fn owned_string_from(s: String) -> *mut c_char {
    into_cstring(s.into_bytes()).into_raw()
}

/// A C string of `s`; an interior NUL (possible only in text from the
/// network) becomes a space, since these strings are for reading. One
/// allocation, with room for the NUL.
pub(crate) fn to_cstring(s: &str) -> CString {
    let mut bytes = Vec::with_capacity(s.len() + 1);
    bytes.extend_from_slice(s.as_bytes());
    into_cstring(bytes)
}

/// [`to_cstring`] of UTF-8 bytes given up by their owner. A NUL byte is
/// never part of a longer UTF-8 sequence, so replacing it byte by byte is
/// what replacing the character would be.
fn into_cstring(mut bytes: Vec<u8>) -> CString {
    for b in bytes.iter_mut().filter(|b| **b == 0) {
        *b = b' ';
    }
    CString::new(bytes).expect("NULs were replaced")
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
        assert_eq!(to_cstring("\0é\0日\0").to_str(), Ok(" é 日 "));
        let given = String::from("\0x\0");
        let c = owned_string_from(given);
        // SAFETY: made just above by into_raw.
        let back = unsafe { CString::from_raw(c) };
        assert_eq!(back.as_bytes(), b" x ");
    }
}
