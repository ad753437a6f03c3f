//! The result-code catalogue through the C ABI. Entries are static: their
//! pointers and strings stay valid for the life of the process and are
//! never freed.

use std::ffi::c_char;
use std::ptr;

use super::boundary::{Failure, guard, guard_value, out_arg, str_arg, voicecb_result};
use super::error::voicecb_error;
use crate::codes::{self, Api, CodeInfo};

/// The click2Call API's table of result codes.
pub const VOICECB_API_CLICK2CALL: i32 = 1;
/// The callStop API's table of result codes.
pub const VOICECB_API_CALL_STOP: i32 = 2;
/// The voice notification API's table (callnotify).
pub const VOICECB_API_CALL_NOTIFY: i32 = 3;
/// The voice verification code API's table (callVerify).
pub const VOICECB_API_CALL_VERIFY: i32 = 4;
/// The recording download URL API's table.
pub const VOICECB_API_RECORD_URL: i32 = 5;

fn api_of(api: i32) -> Option<Api> {
    match api {
        VOICECB_API_CLICK2CALL => Some(Api::Click2Call),
        VOICECB_API_CALL_STOP => Some(Api::CallStop),
        VOICECB_API_CALL_NOTIFY => Some(Api::CallNotify),
        VOICECB_API_CALL_VERIFY => Some(Api::CallVerify),
        VOICECB_API_RECORD_URL => Some(Api::RecordUrl),
        _ => None,
    }
}

/// Category of a catalogue entry: the request succeeded.
pub const VOICECB_CATEGORY_SUCCESS: i32 = 0;
/// Category: the `Authorization` or `X-AKSK` header is missing or malformed.
pub const VOICECB_CATEGORY_AUTH_HEADER: i32 = 1;
/// Category: the digest did not verify, or the clock is off.
pub const VOICECB_CATEGORY_SIGNATURE: i32 = 2;
/// Category: the app key, app or account is unknown, suspended or not allowed.
pub const VOICECB_CATEGORY_APP: i32 = 3;
/// Category: a phone number is invalid or not the app's.
pub const VOICECB_CATEGORY_NUMBER: i32 = 4;
/// Category: a quota, call limit, port limit or flow control was hit.
pub const VOICECB_CATEGORY_QUOTA: i32 = 5;
/// Category: a policy refused the call (blacklist, whitelist, risk control, region).
pub const VOICECB_CATEGORY_POLICY: i32 = 6;
/// Category: a request parameter is malformed.
pub const VOICECB_CATEGORY_PARAMETER: i32 = 7;
/// Category: an internal error of the platform.
pub const VOICECB_CATEGORY_PLATFORM: i32 = 8;

/// Looks up the catalogue entry for an HTTP status and a platform
/// `resultcode` (any API's table; click2Call's wording first). On success
/// `*out` is a static entry; `VOICECB_ERR_NOT_FOUND` when there is none.
/// Thread-safe.
///
/// # Safety
/// `code` is a NUL-terminated string; `out` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_code_lookup(
    http_status: u16,
    code: *const c_char,
    out: *mut *const CodeInfo,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    guard(err, || {
        let code = unsafe { str_arg(code, "code") }?;
        out_arg(out, "out")?;
        let info = codes::describe(http_status, code).ok_or_else(|| {
            Failure::not_found(format!(
                "no catalogue entry for HTTP {http_status} code {code:?}"
            ))
        })?;
        // SAFETY: checked by out_arg.
        unsafe { *out = info };
        Ok(())
    })
}

/// Looks up the entry of one API's table (`VOICECB_API_*`): a few rows
/// are worded differently, and one (500/1023002) is retry-safe only for
/// callStop. The tables of the notification, verification and recording
/// APIs hold only the codes their spec adds (1012002-1012005, 1010007),
/// matched under any HTTP status but 2xx since the spec gives none. Otherwise as
/// `voicecb_code_lookup`; an unknown `api` gives `VOICECB_ERR_INVALID_ARGUMENT`.
///
/// # Safety
/// `code` is a NUL-terminated string; `out` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_code_lookup_for(
    api: i32,
    http_status: u16,
    code: *const c_char,
    out: *mut *const CodeInfo,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    guard(err, || {
        let which = api_of(api).ok_or_else(|| {
            Failure::from(crate::error::Error::invalid(
                "api",
                format!("must be one of VOICECB_API_* (1-5), got {api}"),
            ))
        })?;
        let code = unsafe { str_arg(code, "code") }?;
        out_arg(out, "out")?;
        let info = codes::lookup(which, http_status, code).ok_or_else(|| {
            Failure::not_found(format!(
                "no entry for HTTP {http_status} code {code:?} in that API's table"
            ))
        })?;
        // SAFETY: checked by out_arg.
        unsafe { *out = info };
        Ok(())
    })
}

/// True when the table of `api` (`VOICECB_API_*`) lists this entry; false
/// for NULL or an unknown `api`.
///
/// # Safety
/// `info` is NULL or an entry from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_code_info_listed_for(info: *const CodeInfo, api: i32) -> bool {
    guard_value(false, || match (unsafe { info.as_ref() }, api_of(api)) {
        (Some(i), Some(a)) => i.listed_for(a),
        _ => false,
    })
}

/// The number of catalogue entries; with `voicecb_code_at`, lists them all.
#[unsafe(no_mangle)]
pub extern "C" fn voicecb_code_count() -> usize {
    guard_value(0, || codes::all().len())
}

/// The catalogue entry at `index` (0 to `voicecb_code_count() - 1`), or
/// NULL past the end. Static.
#[unsafe(no_mangle)]
pub extern "C" fn voicecb_code_at(index: usize) -> *const CodeInfo {
    guard_value(ptr::null(), || {
        codes::all()
            .get(index)
            .map_or(ptr::null(), |i| i as *const CodeInfo)
    })
}

/// The platform's `resultcode`, e.g. "1010010".
/// Static UTF-8; never free it. NULL when `info` is NULL.
///
/// # Safety
/// `info` is NULL or an entry from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_code_info_code(info: *const CodeInfo) -> *const c_char {
    guard_value(ptr::null(), || {
        unsafe { info.as_ref() }.map_or(ptr::null(), |i| i.code_cstr().as_ptr())
    })
}

/// The spec's English description.
/// Static UTF-8; never free it. NULL when `info` is NULL.
///
/// # Safety
/// `info` is NULL or an entry from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_code_info_en(info: *const CodeInfo) -> *const c_char {
    guard_value(ptr::null(), || {
        unsafe { info.as_ref() }.map_or(ptr::null(), |i| i.en_cstr().as_ptr())
    })
}

/// The spec's Chinese description.
/// Static UTF-8; never free it. NULL when `info` is NULL.
///
/// # Safety
/// `info` is NULL or an entry from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_code_info_zh(info: *const CodeInfo) -> *const c_char {
    guard_value(ptr::null(), || {
        unsafe { info.as_ref() }.map_or(ptr::null(), |i| i.zh_cstr().as_ptr())
    })
}

/// The handling advice in English (the spec's Chinese advice, translated;
/// `voicecb_code_info_advice_zh` has the original).
/// Static UTF-8; never free it. NULL when `info` is NULL.
///
/// # Safety
/// `info` is NULL or an entry from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_code_info_advice(info: *const CodeInfo) -> *const c_char {
    guard_value(ptr::null(), || {
        unsafe { info.as_ref() }.map_or(ptr::null(), |i| i.advice_cstr().as_ptr())
    })
}

/// The spec's handling advice, in Chinese, to the letter; "" for the
/// codes whose source gives none (those whose
/// `voicecb_code_info_http_status_documented` is false).
/// Static UTF-8; never free it. NULL when `info` is NULL.
///
/// # Safety
/// `info` is NULL or an entry from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_code_info_advice_zh(info: *const CodeInfo) -> *const c_char {
    guard_value(ptr::null(), || {
        unsafe { info.as_ref() }.map_or(ptr::null(), |i| i.advice_zh_cstr().as_ptr())
    })
}

/// The HTTP status the platform sends with this code; 0 when `info` is NULL.
///
/// # Safety
/// `info` is NULL or an entry from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_code_info_http_status(info: *const CodeInfo) -> u16 {
    guard_value(0, || {
        unsafe { info.as_ref() }.map_or(0, |i| i.http_status())
    })
}

/// False when the spec gives the code without its HTTP status (the codes
/// of the notification, verification and recording APIs): the status
/// above is then an inference, and lookups match the code under any
/// status but 2xx. False for NULL.
///
/// # Safety
/// `info` is NULL or an entry from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_code_info_http_status_documented(info: *const CodeInfo) -> bool {
    guard_value(false, || {
        unsafe { info.as_ref() }.is_some_and(|i| i.http_status_documented())
    })
}

/// One of the `VOICECB_CATEGORY_*` values; -1 when `info` is NULL.
///
/// # Safety
/// `info` is NULL or an entry from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_code_info_category(info: *const CodeInfo) -> i32 {
    guard_value(-1, || {
        unsafe { info.as_ref() }.map_or(-1, |i| i.category() as i32)
    })
}

/// True when the answer proves the call was not placed and sending the
/// same request again later is safe; false when `info` is NULL.
///
/// # Safety
/// `info` is NULL or an entry from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_code_info_retryable(info: *const CodeInfo) -> bool {
    guard_value(false, || {
        unsafe { info.as_ref() }.is_some_and(|i| i.retryable())
    })
}

/// A short stable name for a `VOICECB_CATEGORY_*` value ("auth_header",
/// "quota", ...), or NULL for an unknown value. Static.
#[unsafe(no_mangle)]
pub extern "C" fn voicecb_category_name(category: i32) -> *const c_char {
    guard_value(ptr::null(), || {
        use crate::codes::Category::*;
        let name = [
            Success, AuthHeader, Signature, App, Number, Quota, Policy, Parameter, Platform,
        ]
        .into_iter()
        .find(|c| *c as i32 == category)
        .map(|c| c.name_cstr());
        name.map_or(ptr::null(), |n| n.as_ptr())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::Category;

    #[test]
    fn category_constants_match_the_core() {
        let pairs = [
            (VOICECB_CATEGORY_SUCCESS, Category::Success),
            (VOICECB_CATEGORY_AUTH_HEADER, Category::AuthHeader),
            (VOICECB_CATEGORY_SIGNATURE, Category::Signature),
            (VOICECB_CATEGORY_APP, Category::App),
            (VOICECB_CATEGORY_NUMBER, Category::Number),
            (VOICECB_CATEGORY_QUOTA, Category::Quota),
            (VOICECB_CATEGORY_POLICY, Category::Policy),
            (VOICECB_CATEGORY_PARAMETER, Category::Parameter),
            (VOICECB_CATEGORY_PLATFORM, Category::Platform),
        ];
        for (c, cat) in pairs {
            assert_eq!(c, cat as i32);
            let name = unsafe { std::ffi::CStr::from_ptr(voicecb_category_name(c)) };
            assert_eq!(name.to_str().unwrap(), cat.name());
        }
        assert!(voicecb_category_name(9).is_null());
    }
}
