//! `voicecb_client_check`: [`Client::check`](crate::Client::check) for C,
//! a report handle with getters and a JSON form.

use std::ffi::{CString, c_char};
use std::ptr;

use super::boundary::{
    free_handle, give_handle, guard, guard_value, handle, live, out_arg, to_cstring, voicecb_result,
};
use super::client::{per_call_timeout, voicecb_client};
use super::error::voicecb_error;
use crate::check::CheckReport;

/// `voicecb_check_report_verdict`: the app key, the digest and `Created`
/// passed (the probe was refused only for its session, 500/1020152).
pub const VOICECB_CHECK_ACCEPTED: i32 = 0;
/// The platform does not know the app key (403/1010003, 500/1020150).
pub const VOICECB_CHECK_APP_KEY_UNKNOWN: i32 = 1;
/// The digest was refused (401/1010010): the app secret is wrong.
pub const VOICECB_CHECK_WRONG_SECRET: i32 = 2;
/// `Created` was refused (401/1010013): the clocks differ too much.
pub const VOICECB_CHECK_CLOCK_SKEW: i32 = 3;
/// An authentication header was refused (400/1023xxx).
pub const VOICECB_CHECK_HEADER_REFUSED: i32 = 4;
/// The platform does not know the API path (403/1010006).
pub const VOICECB_CHECK_WRONG_PATH: i32 = 5;
/// Another refusal (a suspended app key, an IP not on the white list, ...).
pub const VOICECB_CHECK_REFUSED: i32 = 6;
/// The server answered, but not as the platform answers the probe.
pub const VOICECB_CHECK_UNEXPECTED_ANSWER: i32 = 7;
/// The endpoint's name did not resolve.
pub const VOICECB_CHECK_NOT_RESOLVED: i32 = 8;
/// No connection could be made.
pub const VOICECB_CHECK_CONNECT_FAILED: i32 = 9;
/// The TLS handshake failed.
pub const VOICECB_CHECK_TLS_FAILED: i32 = 10;
/// Connected, but no answer came within the time allowed.
pub const VOICECB_CHECK_TIMEOUT: i32 = 11;
/// The connection broke after the probe was sent.
pub const VOICECB_CHECK_TRANSPORT_FAILED: i32 = 12;

/// What `voicecb_client_check` found. Read it with the
/// `voicecb_check_report_*` getters; every string they return is borrowed,
/// valid until `voicecb_check_report_free`. Immutable: any thread may read
/// it, but it must be freed once, by one.
pub struct voicecb_check_report {
    report: CheckReport,
    texts: Texts,
}

impl super::boundary::Handle for voicecb_check_report {
    const TAG: u64 = 0x7663636865636b21;
    const NAME: &'static str = "voicecb_check_report";
}

/// The report's strings as C strings, made once.
struct Texts {
    verdict_name: CString,
    advice: CString,
    checklist: CString,
    json: CString,
    endpoint: CString,
    addresses: Vec<CString>,
    tls_version: Option<CString>,
    tls_subject: Option<CString>,
    tls_not_after: Option<CString>,
    tls_verified_by: Option<CString>,
    result_code: Option<CString>,
    result_desc: Option<CString>,
    platform_time: Option<CString>,
    /// Per step: name, status, detail, advice.
    steps: Vec<[Option<CString>; 4]>,
}

impl Texts {
    fn of(r: &CheckReport) -> Texts {
        let tls =
            |f: fn(&crate::check::TlsFacts) -> String| r.tls.as_ref().map(|t| to_cstring(&f(t)));
        Texts {
            verdict_name: to_cstring(r.verdict.name()),
            advice: to_cstring(&r.advice),
            checklist: to_cstring(&r.checklist()),
            json: to_cstring(&r.to_json()),
            endpoint: to_cstring(&r.endpoint),
            addresses: r
                .addresses
                .iter()
                .map(|a| to_cstring(&a.to_string()))
                .collect(),
            tls_version: tls(|t| t.version.clone()),
            tls_subject: tls(|t| t.subject.clone()),
            tls_not_after: r
                .tls
                .as_ref()
                .and_then(|t| t.not_after)
                .map(|t| to_cstring(&t.to_rfc3339())),
            tls_verified_by: tls(|t| t.verified_by.clone()),
            result_code: r.result_code.as_deref().map(to_cstring),
            result_desc: r.result_desc.as_deref().map(to_cstring),
            platform_time: r.platform_time.map(|t| to_cstring(&t.to_rfc3339())),
            steps: r
                .steps
                .iter()
                .map(|s| {
                    [
                        Some(to_cstring(s.kind.name())),
                        Some(to_cstring(s.status.name())),
                        Some(to_cstring(&s.detail)),
                        s.advice.as_deref().map(to_cstring),
                    ]
                })
                .collect(),
        }
    }
}

/// Checks the client's configuration without placing a call: resolves and
/// connects to the endpoint, makes a TLS handshake (https), and sends one
/// callStop of a session that cannot exist, whose answer says whether the
/// app key, the digest and `Created` passed. `timeout_ms` bounds the whole
/// check (0: only the client's own timeouts). A failed check is not an
/// error: on `VOICECB_OK`, `*report_out` says what failed in its verdict
/// and steps; free it with `voicecb_check_report_free`. Errors are only
/// for bad arguments (NULL, a freed client).
///
/// # Safety
/// `client` is a live client; `report_out` writable; `err` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_client_check(
    client: *const voicecb_client,
    timeout_ms: u32,
    report_out: *mut *mut voicecb_check_report,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    guard(err, || {
        let client = unsafe { handle(client, "client") }?;
        out_arg(report_out, "report_out")?;
        let report = client.inner.check_within(per_call_timeout(timeout_ms));
        let texts = Texts::of(&report);
        give_handle(report_out, voicecb_check_report { report, texts });
        Ok(())
    })
}

/// Frees a report. NULL is allowed and ignored.
///
/// # Safety
/// `report` is NULL or a report from `voicecb_client_check`, not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_check_report_free(report: *mut voicecb_check_report) {
    unsafe { free_handle(report) }
}

/// Reads a getter's value; `fallback` for NULL, a dead handle or a panic.
fn read<T: Copy>(
    r: *const voicecb_check_report,
    fallback: T,
    f: impl FnOnce(&voicecb_check_report) -> T,
) -> T {
    guard_value(fallback, || {
        // SAFETY: NULL or a handle of this library, as every getter says.
        unsafe { live(r) }.map_or(fallback, f)
    })
}

fn text(s: Option<&CString>) -> *const c_char {
    s.map_or(ptr::null(), |s| s.as_ptr())
}

/// True when the credentials were accepted and no step failed (a step
/// may have warned); false for NULL.
///
/// # Safety
/// `report` is NULL or a report handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_check_report_passed(report: *const voicecb_check_report) -> bool {
    read(report, false, |r| r.report.passed())
}

/// The verdict: one of `VOICECB_CHECK_ACCEPTED` ... `VOICECB_CHECK_TRANSPORT_FAILED`,
/// never renumbered; -1 for NULL.
///
/// # Safety
/// `report` is NULL or a report handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_check_report_verdict(report: *const voicecb_check_report) -> i32 {
    read(report, -1, |r| r.report.verdict.code() as i32)
}

/// The verdict's name: "accepted", "app_key_unknown", "wrong_secret",
/// "clock_skew", "header_refused", "wrong_path", "refused",
/// "unexpected_answer", "not_resolved", "connect_failed", "tls_failed",
/// "timeout", "transport_failed". Borrowed; NULL for NULL.
///
/// # Safety
/// `report` is NULL or a report handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_check_report_verdict_name(
    report: *const voicecb_check_report,
) -> *const c_char {
    read(report, ptr::null(), |r| r.texts.verdict_name.as_ptr())
}

/// What to do about the verdict, in English (for an accepted one, what was
/// proven). Borrowed; NULL for NULL.
///
/// # Safety
/// `report` is NULL or a report handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_check_report_advice(
    report: *const voicecb_check_report,
) -> *const c_char {
    read(report, ptr::null(), |r| r.texts.advice.as_ptr())
}

/// The report as `voicecb doctor` prints it: one line per step, and under
/// a failed one what to do. Borrowed; NULL for NULL.
///
/// # Safety
/// `report` is NULL or a report handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_check_report_checklist(
    report: *const voicecb_check_report,
) -> *const c_char {
    read(report, ptr::null(), |r| r.texts.checklist.as_ptr())
}

/// The whole report as one JSON object (`passed`, `verdict`,
/// `verdict_code`, `summary`, `advice`, `endpoint`, `proxy`, `addresses`,
/// `connected_to`, `connect_us`, `tls` {`version`, `subject`, `not_after`,
/// `verified_by`}, `probe_us`, `http_status`, `result_code`,
/// `result_desc`, `platform_time`, `clock_skew_secs`, `clock_offset_secs`,
/// `steps` [{`step`, `status`, `detail`, `advice`}], `elapsed_us`; unknown
/// values are null). Borrowed; NULL for NULL.
///
/// # Safety
/// `report` is NULL or a report handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_check_report_json(
    report: *const voicecb_check_report,
) -> *const c_char {
    read(report, ptr::null(), |r| r.texts.json.as_ptr())
}

/// `host:port` checked. Borrowed; NULL for NULL.
///
/// # Safety
/// `report` is NULL or a report handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_check_report_endpoint(
    report: *const voicecb_check_report,
) -> *const c_char {
    read(report, ptr::null(), |r| r.texts.endpoint.as_ptr())
}

/// How many addresses the endpoint resolved to; 0 for NULL.
///
/// # Safety
/// `report` is NULL or a report handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_check_report_address_count(
    report: *const voicecb_check_report,
) -> usize {
    read(report, 0, |r| r.texts.addresses.len())
}

/// Address `index` (`ip:port`), or NULL past the end or for NULL. Borrowed.
///
/// # Safety
/// `report` is NULL or a report handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_check_report_address(
    report: *const voicecb_check_report,
    index: usize,
) -> *const c_char {
    read(report, ptr::null(), |r| text(r.texts.addresses.get(index)))
}

/// Microseconds the TCP connection took, or -1 when none was made.
///
/// # Safety
/// `report` is NULL or a report handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_check_report_connect_us(
    report: *const voicecb_check_report,
) -> i64 {
    read(report, -1, |r| micros(r.report.connect_time))
}

/// Microseconds of the probe's round trip, or -1 when it got no answer.
///
/// # Safety
/// `report` is NULL or a report handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_check_report_probe_us(report: *const voicecb_check_report) -> i64 {
    read(report, -1, |r| micros(r.report.probe_time))
}

fn micros(d: Option<std::time::Duration>) -> i64 {
    d.map_or(-1, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

/// The TLS protocol version ("TLSv1.3"), or NULL without a handshake.
/// Borrowed.
///
/// # Safety
/// `report` is NULL or a report handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_check_report_tls_version(
    report: *const voicecb_check_report,
) -> *const c_char {
    read(report, ptr::null(), |r| text(r.texts.tls_version.as_ref()))
}

/// The server certificate's subject ("CN=..., O=..."), or NULL without a
/// handshake. Borrowed.
///
/// # Safety
/// `report` is NULL or a report handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_check_report_tls_subject(
    report: *const voicecb_check_report,
) -> *const c_char {
    read(report, ptr::null(), |r| text(r.texts.tls_subject.as_ref()))
}

/// When the server certificate expires (RFC 3339, UTC), or NULL. Borrowed.
///
/// # Safety
/// `report` is NULL or a report handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_check_report_tls_not_after(
    report: *const voicecb_check_report,
) -> *const c_char {
    read(report, ptr::null(), |r| {
        text(r.texts.tls_not_after.as_ref())
    })
}

/// The root that verified the server's chain and where it came from (the
/// CA file or the built-in roots), or why none did; NULL without a
/// handshake. Borrowed.
///
/// # Safety
/// `report` is NULL or a report handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_check_report_tls_verified_by(
    report: *const voicecb_check_report,
) -> *const c_char {
    read(report, ptr::null(), |r| {
        text(r.texts.tls_verified_by.as_ref())
    })
}

/// The HTTP status of the probe's answer, or 0 when there was none.
///
/// # Safety
/// `report` is NULL or a report handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_check_report_http_status(
    report: *const voicecb_check_report,
) -> u16 {
    read(report, 0, |r| r.report.http_status.unwrap_or(0))
}

/// The probe answer's `resultcode` ("1020152" when the credentials
/// passed), or NULL. Borrowed.
///
/// # Safety
/// `report` is NULL or a report handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_check_report_result_code(
    report: *const voicecb_check_report,
) -> *const c_char {
    read(report, ptr::null(), |r| text(r.texts.result_code.as_ref()))
}

/// The probe answer's `resultdesc`, or NULL. Borrowed.
///
/// # Safety
/// `report` is NULL or a report handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_check_report_result_desc(
    report: *const voicecb_check_report,
) -> *const c_char {
    read(report, ptr::null(), |r| text(r.texts.result_desc.as_ref()))
}

/// The platform's clock from its `Date` header (RFC 3339, UTC), or NULL.
/// Borrowed.
///
/// # Safety
/// `report` is NULL or a report handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_check_report_platform_time(
    report: *const voicecb_check_report,
) -> *const c_char {
    read(report, ptr::null(), |r| {
        text(r.texts.platform_time.as_ref())
    })
}

/// The platform's clock minus this host's, in seconds (positive: this host
/// is behind): true and `*skew_out` set when the answer had a `Date`;
/// false otherwise (then `*skew_out` is not written), and for NULL.
///
/// # Safety
/// `report` is NULL or a report handle; `skew_out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_check_report_clock_skew(
    report: *const voicecb_check_report,
    skew_out: *mut i64,
) -> bool {
    read(report, false, |r| match r.report.clock_skew_secs {
        Some(skew) if !skew_out.is_null() => {
            // SAFETY: checked non-NULL; the caller promises it is writable.
            unsafe { *skew_out = skew };
            true
        }
        _ => false,
    })
}

/// How many steps the report has (resolve, connect, tls, probe, clock,
/// credentials, in that order); 0 for NULL.
///
/// # Safety
/// `report` is NULL or a report handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_check_report_step_count(
    report: *const voicecb_check_report,
) -> usize {
    read(report, 0, |r| r.texts.steps.len())
}

/// A text of step `index`: `field` 0 its name ("resolve", ...), 1 its
/// status ("ok", "warning", "failed", "skipped"), 2 what was found, 3 what
/// to do (NULL unless it failed or warned). NULL past the end, for another
/// `field`, and for NULL. Borrowed.
///
/// # Safety
/// `report` is NULL or a report handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_check_report_step(
    report: *const voicecb_check_report,
    index: usize,
    field: u32,
) -> *const c_char {
    read(report, ptr::null(), |r| {
        let step = r.texts.steps.get(index);
        let field = usize::try_from(field).ok();
        text(
            step.zip(field)
                .and_then(|(s, f)| s.get(f))
                .and_then(Option::as_ref),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Verdict;

    #[test]
    fn the_c_constants_are_the_verdict_codes() {
        let c = [
            VOICECB_CHECK_ACCEPTED,
            VOICECB_CHECK_APP_KEY_UNKNOWN,
            VOICECB_CHECK_WRONG_SECRET,
            VOICECB_CHECK_CLOCK_SKEW,
            VOICECB_CHECK_HEADER_REFUSED,
            VOICECB_CHECK_WRONG_PATH,
            VOICECB_CHECK_REFUSED,
            VOICECB_CHECK_UNEXPECTED_ANSWER,
            VOICECB_CHECK_NOT_RESOLVED,
            VOICECB_CHECK_CONNECT_FAILED,
            VOICECB_CHECK_TLS_FAILED,
            VOICECB_CHECK_TIMEOUT,
            VOICECB_CHECK_TRANSPORT_FAILED,
        ];
        assert_eq!(c.len(), Verdict::ALL.len());
        for (code, v) in c.iter().zip(Verdict::ALL) {
            assert_eq!(*code, v.code() as i32, "{v:?}");
        }
    }

    #[test]
    fn getters_of_null_give_their_none() {
        unsafe {
            assert!(!voicecb_check_report_passed(ptr::null()));
            assert_eq!(voicecb_check_report_verdict(ptr::null()), -1);
            assert!(voicecb_check_report_json(ptr::null()).is_null());
            assert_eq!(voicecb_check_report_step_count(ptr::null()), 0);
            assert!(voicecb_check_report_step(ptr::null(), 0, 0).is_null());
            let mut skew = 7;
            assert!(!voicecb_check_report_clock_skew(ptr::null(), &mut skew));
            assert_eq!(skew, 7);
            assert_eq!(voicecb_check_report_connect_us(ptr::null()), -1);
            voicecb_check_report_free(ptr::null_mut());
        }
    }
}
