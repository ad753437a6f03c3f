//! The recording download URL through the C ABI.

use std::ffi::c_char;

use super::boundary::{guard, handle, out_arg, owned_string, str_arg, voicecb_result};
use super::client::{per_call_timeout, voicecb_client};
use super::error::voicecb_error;
use super::notify::voicecb_notification;
use crate::error::Error;
use crate::notify::Notification;

/// Asks the platform for the download URL of a recording: `file_name` is
/// a bill's `recordObjectName`, `record_domain` its `recordDomain` (each
/// 1-128 characters; the library percent-encodes them). The platform
/// answers with a redirect; the library never follows it and gives its
/// `Location`. On success `*url_out` is the URL, which the caller frees
/// with `voicecb_string_free`. `timeout_ms` as for
/// `voicecb_click2call_send`; with a retry policy, a read like this one is
/// also retried after transport errors and timeouts. The URL is valid for
/// 7 days per the current spec page (30 minutes per an older one): fetch
/// it soon rather than store it. Thread-safe.
///
/// # Safety
/// `client` is a live handle; strings are NUL-terminated; `url_out` is
/// writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_record_url(
    client: *const voicecb_client,
    file_name: *const c_char,
    record_domain: *const c_char,
    timeout_ms: u32,
    url_out: *mut *mut c_char,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    guard(err, || {
        let client = unsafe { handle(client, "client") }?;
        let file_name = unsafe { str_arg(file_name, "fileName") }?;
        let record_domain = unsafe { str_arg(record_domain, "recordDomain") }?;
        out_arg(url_out, "url_out")?;
        let url = client.inner.record_url_within(
            file_name,
            record_domain,
            per_call_timeout(timeout_ms),
        )?;
        // SAFETY: checked by out_arg.
        unsafe { *url_out = owned_string(&url) };
        Ok(())
    })
}

/// The download URL of the recording of bill record `record` (0 to
/// `voicecb_notification_record_count(n) - 1`) of a parsed bill: asked of
/// the platform with the record's `recordObjectName` and `recordDomain`,
/// or its `recordFileDownloadUrl` as it is (no I/O) when those are empty.
/// `VOICECB_ERR_INVALID_ARGUMENT` naming `recordObjectName` for a record
/// of a call that was not recorded, and naming `record` past the last
/// record. Otherwise as `voicecb_record_url`. Thread-safe.
///
/// # Safety
/// `client` and `n` are live handles; `url_out` is writable; `err` is NULL
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_notification_record_url(
    client: *const voicecb_client,
    n: *const voicecb_notification,
    record: usize,
    timeout_ms: u32,
    url_out: *mut *mut c_char,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    guard(err, || {
        let client = unsafe { handle(client, "client") }?;
        let n = unsafe { handle(n, "n") }?;
        out_arg(url_out, "url_out")?;
        let records = match &n.inner {
            Notification::Bill(bill) => &bill.records[..],
            _ => &[],
        };
        let rec = records.get(record).ok_or_else(|| {
            Error::invalid(
                "record",
                format!(
                    "no such bill record: the notification has {}, numbered from 0",
                    records.len()
                ),
            )
        })?;
        let url = client
            .inner
            .record_url_for_within(rec, per_call_timeout(timeout_ms))?;
        // SAFETY: checked by out_arg.
        unsafe { *url_out = owned_string(&url) };
        Ok(())
    })
}
