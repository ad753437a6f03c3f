//! Signing through the C ABI, for debugging and the shared test vectors.

use std::ffi::c_char;

use super::boundary::{guard, out_arg, owned_string, owned_string_from, str_arg, voicecb_result};
use super::error::voicecb_error;

/// Computes the two headers that sign a request. `nonce` (1-128
/// characters of [0-9A-Za-z]) and `created` (UTC, "yyyy-MM-ddTHH:mm:ssZ")
/// may each be NULL for a fresh random nonce and the current time; give
/// both to reproduce a signature. On success `*authorization_out` and
/// `*x_aksk_out` are new strings the caller frees with
/// `voicecb_string_free`. The X-AKSK value holds a digest that works as a
/// password for a few minutes: do not log it. Thread-safe.
///
/// # Safety
/// Strings are NUL-terminated (`nonce` and `created` may be NULL); the out-parameters are writable; `err` is
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_sign(
    app_key: *const c_char,
    app_secret: *const c_char,
    nonce: *const c_char,
    created: *const c_char,
    authorization_out: *mut *mut c_char,
    x_aksk_out: *mut *mut c_char,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    guard(err, || {
        let app_key = unsafe { str_arg(app_key, "app_key") }?;
        let app_secret = unsafe { str_arg(app_secret, "app_secret") }?;
        // The caller's strings are borrowed, not copied; only what the
        // library makes up is owned.
        let (made_nonce, made_created);
        let nonce = match nonce.is_null() {
            true => {
                made_nonce = crate::signing::fresh_nonce();
                made_nonce.as_str()
            }
            false => unsafe { str_arg(nonce, "nonce") }?,
        };
        let created = match created.is_null() {
            true => {
                made_created = crate::signing::created_now(0);
                made_created.as_str()
            }
            false => unsafe { str_arg(created, "created") }?,
        };
        out_arg(authorization_out, "authorization_out")?;
        out_arg(x_aksk_out, "x_aksk_out")?;
        let headers = crate::signing::sign_with(app_key, app_secret, nonce, created)?;
        // SAFETY: both checked by out_arg.
        unsafe {
            *authorization_out = owned_string(headers.authorization);
            *x_aksk_out = owned_string_from(headers.x_aksk);
        }
        Ok(())
    })
}
