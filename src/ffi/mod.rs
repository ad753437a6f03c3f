//! The C ABI.
//!
//! Conventions that hold for every function (see `include/voicecb.h`):
//! - A function that can fail returns a [`voicecb_result`]: `VOICECB_OK`
//!   (0) or an error code. Codes are never renumbered.
//! - A NULL pointer argument gives `VOICECB_ERR_NULL_ARGUMENT` unless the
//!   function says it may be NULL; a string that is not UTF-8 gives
//!   `VOICECB_ERR_INVALID_UTF8`.
//! - Out-parameters are written only on success. The optional last argument
//!   `voicecb_error **err`, when not NULL, receives the details of a failure
//!   (free them with `voicecb_error_free`); it is left untouched on success.
//! - No panic crosses the boundary: it becomes `VOICECB_ERR_PANIC`.
//! - Strings the library allocates are freed with `voicecb_string_free`;
//!   `const char *` results are borrowed and must not be freed.

#![allow(non_camel_case_types)]

mod boundary;
pub mod callnotify;
pub mod callverify;
pub mod check;
pub mod client;
pub mod codes;
pub mod defaults;
pub mod error;
pub mod events;
pub mod notify;
pub mod options;
pub mod record;
pub mod request;
pub mod signing;

use std::ffi::c_char;

use boundary::guard_value;
pub use boundary::voicecb_result;

/// Bumped whenever a change breaks binary compatibility (a removed or
/// changed function); wrappers compare it with the value they were written for.
pub const VOICECB_ABI_VERSION: u32 = 1;

static VERSION: &std::ffi::CStr = {
    const V: &str = concat!("libvoicecb/", env!("CARGO_PKG_VERSION"), "\0");
    match std::ffi::CStr::from_bytes_with_nul(V.as_bytes()) {
        Ok(v) => v,
        Err(_) => panic!("version has an interior NUL"),
    }
};

/// The library's version, e.g. "libvoicecb/0.1.0". A static string: never
/// free it. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn voicecb_version() -> *const c_char {
    guard_value(VERSION.as_ptr(), || VERSION.as_ptr())
}

/// The ABI version of the loaded library (`VOICECB_ABI_VERSION` of the
/// header it was built with). Compare it with the header's at start-up.
/// Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn voicecb_abi_version() -> u32 {
    guard_value(VOICECB_ABI_VERSION, || VOICECB_ABI_VERSION)
}

/// Frees a string returned by the library (session ids, signed headers).
/// NULL is allowed and ignored. Never free such a string with libc `free`,
/// and never pass this function a string the library did not return.
///
/// # Safety
/// `s` is NULL or a string returned by this library, not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_string_free(s: *mut c_char) {
    boundary::guard_void(|| {
        if !s.is_null() {
            // SAFETY: the caller promises `s` came from CString::into_raw here.
            drop(unsafe { std::ffi::CString::from_raw(s) });
        }
    })
}
