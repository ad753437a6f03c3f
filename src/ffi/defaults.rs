//! The library's defaults, for wrappers that need them as values of their
//! own (a default argument, a documented constant): read here, never
//! restated, so that policy lives once, in Rust.

use std::ffi::{CString, c_char};
use std::ptr;
use std::sync::OnceLock;
use std::time::Duration;

use super::boundary::guard_value;
use crate::client::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_RETRY_ATTEMPTS, DEFAULT_TIMEOUT, RetryPolicy,
};
use crate::notify::{BILL_INTEGERS, DEFAULT_WINDOW};

fn millis(d: Duration) -> u32 {
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX)
}

/// The connect timeout of a client whose options do not set one, in
/// milliseconds (5000). Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn voicecb_default_connect_timeout_ms() -> u32 {
    guard_value(0, || millis(DEFAULT_CONNECT_TIMEOUT))
}

/// The whole-request timeout of a client whose options do not set one, in
/// milliseconds (15000). Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn voicecb_default_timeout_ms() -> u32 {
    guard_value(0, || millis(DEFAULT_TIMEOUT))
}

/// The tries in all (the first included) a wrapper's retry settings start
/// from (3). Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn voicecb_default_retry_max_attempts() -> u32 {
    guard_value(0, || DEFAULT_RETRY_ATTEMPTS)
}

/// The bound of the first wait between tries, in milliseconds (200).
/// Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn voicecb_default_retry_initial_backoff_ms() -> u32 {
    guard_value(0, || {
        millis(RetryPolicy::new(DEFAULT_RETRY_ATTEMPTS).initial_backoff)
    })
}

/// The largest bound of a wait between tries, in milliseconds (5000).
/// Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn voicecb_default_retry_max_backoff_ms() -> u32 {
    guard_value(0, || {
        millis(RetryPolicy::new(DEFAULT_RETRY_ATTEMPTS).max_backoff)
    })
}

/// How far a push's `Created` may be from now, either way, in seconds,
/// when the receiver does not choose (300). Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn voicecb_default_notification_window_secs() -> u32 {
    guard_value(0, || {
        u32::try_from(DEFAULT_WINDOW.as_secs()).unwrap_or(u32::MAX)
    })
}

fn bill_integers() -> &'static [CString] {
    static NAMES: OnceLock<Vec<CString>> = OnceLock::new();
    NAMES.get_or_init(|| {
        BILL_INTEGERS
            .iter()
            .filter_map(|name| CString::new(*name).ok())
            .collect()
    })
}

/// The number of bill-record fields the platform sends as integers; with
/// `voicecb_bill_integer_field_at`, lists them (wrappers type those fields
/// as numbers). Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn voicecb_bill_integer_field_count() -> usize {
    guard_value(0, || bill_integers().len())
}

/// The name of the `index`th bill-record field sent as an integer
/// ("fwdUnaswRsn", ...), or NULL past the end. Static: never free it.
/// Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn voicecb_bill_integer_field_at(index: usize) -> *const c_char {
    guard_value(ptr::null(), || {
        bill_integers()
            .get(index)
            .map_or(ptr::null(), |n| n.as_ptr())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn defaults_are_the_librarys() {
        let policy = RetryPolicy::new(DEFAULT_RETRY_ATTEMPTS);
        assert_eq!(
            voicecb_default_connect_timeout_ms(),
            millis(DEFAULT_CONNECT_TIMEOUT)
        );
        assert_eq!(voicecb_default_timeout_ms(), millis(DEFAULT_TIMEOUT));
        assert_eq!(voicecb_default_retry_max_attempts(), DEFAULT_RETRY_ATTEMPTS);
        assert_eq!(
            voicecb_default_retry_initial_backoff_ms(),
            millis(policy.initial_backoff)
        );
        assert_eq!(
            voicecb_default_retry_max_backoff_ms(),
            millis(policy.max_backoff)
        );
        assert_eq!(
            u64::from(voicecb_default_notification_window_secs()),
            DEFAULT_WINDOW.as_secs()
        );
        let names: Vec<&str> = (0..voicecb_bill_integer_field_count())
            .map(|i| unsafe { CStr::from_ptr(voicecb_bill_integer_field_at(i)) })
            .map(|c| c.to_str().unwrap())
            .collect();
        assert_eq!(names, BILL_INTEGERS);
        assert!(voicecb_bill_integer_field_at(names.len()).is_null());
    }
}
