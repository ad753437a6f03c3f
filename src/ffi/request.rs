//! The click2Call request handle: the required numbers at creation, one
//! setter per optional field, so that fields can be added without breaking
//! the ABI. Each setter checks the value it sets (so that the error comes
//! from the line that set it) and `voicecb_click2call_send` checks the
//! whole request again, with the client's options.

use std::ffi::c_char;

use super::boundary::{
    Failure, free_handle, give_handle, guard, guard_value, handle_mut, out_arg, str_arg,
    voicecb_result,
};
use super::error::voicecb_error;
use crate::error::Error;
use crate::request::{self, CalleeMedia, Click2Call, LastMinToUe};

/// `lastMinToUE` "toa": only the caller hears the last-minute announcement.
pub const VOICECB_LAST_MIN_TO_UE_CALLER: i32 = 1;
/// `lastMinToUE` "tob": only the callee hears it.
pub const VOICECB_LAST_MIN_TO_UE_CALLEE: i32 = 2;
/// `lastMinToUE` "both" (the platform's default).
pub const VOICECB_LAST_MIN_TO_UE_BOTH: i32 = 3;
/// `calleeMedia` "all": the caller hears all of the callee side's tones (default).
pub const VOICECB_CALLEE_MEDIA_ALL: i32 = 1;
/// `calleeMedia` "none": the caller hears the wait tone until the callee answers.
pub const VOICECB_CALLEE_MEDIA_NONE: i32 = 2;
/// `calleeMedia` "fail": only failure announcements reach the caller.
pub const VOICECB_CALLEE_MEDIA_FAIL: i32 = 3;

/// A click2Call request. Made by `voicecb_click2call_new`, freed by
/// `voicecb_click2call_free`. Setters need exclusive use; once built, one
/// request may be sent by many threads at once, and sent again.
#[derive(Debug)]
pub struct voicecb_click2call {
    pub(crate) inner: Click2Call,
}

impl super::boundary::Handle for voicecb_click2call {
    const TAG: u64 = 0x7663633263616c6c;
    const NAME: &'static str = "voicecb_click2call";
}

/// Makes a request with the three numbers every call needs;
/// `displayCalleeNbr` starts equal to `display_nbr`. The numbers are
/// checked when the request is sent. On success `*out` is a new request.
///
/// # Safety
/// Strings are NUL-terminated; `out` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_click2call_new(
    display_nbr: *const c_char,
    caller_nbr: *const c_char,
    callee_nbr: *const c_char,
    out: *mut *mut voicecb_click2call,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    guard(err, || {
        let display = unsafe { str_arg(display_nbr, "displayNbr") }?;
        let caller = unsafe { str_arg(caller_nbr, "callerNbr") }?;
        let callee = unsafe { str_arg(callee_nbr, "calleeNbr") }?;
        out_arg(out, "out")?;
        give_handle(
            out,
            voicecb_click2call {
                inner: Click2Call::new(display, caller, callee),
            },
        );
        Ok(())
    })
}

/// Frees a request. NULL is allowed.
///
/// # Safety
/// `req` is NULL or a handle from `voicecb_click2call_new`, not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_click2call_free(req: *mut voicecb_click2call) {
    unsafe { free_handle(req) }
}

/// Runs a setter on a live request inside the guard.
unsafe fn set(
    req: *mut voicecb_click2call,
    err: *mut *mut voicecb_error,
    apply: impl FnOnce(&mut Click2Call) -> Result<(), Failure>,
) -> voicecb_result {
    guard(err, || apply(&mut unsafe { handle_mut(req, "req") }?.inner))
}

// cbindgen does not expand macros, so every exported setter is written out;
// the shared work is in `set`, `set_text` and `set_flag`.

/// Checks a required string argument with the rule of its field, then
/// stores it.
unsafe fn set_text(
    req: *mut voicecb_click2call,
    value: *const c_char,
    api_name: &'static str,
    err: *mut *mut voicecb_error,
    apply: impl FnOnce(&mut Click2Call, String),
) -> voicecb_result {
    unsafe {
        set(req, err, |r| {
            let value = str_arg(value, api_name)?;
            check_field(api_name, value)?;
            apply(r, value.to_owned());
            Ok(())
        })
    }
}

/// The rule of a text field that does not depend on the client; the
/// same functions check the whole request at sending.
fn check_field(api_name: &'static str, value: &str) -> Result<(), Error> {
    match api_name {
        "displayCalleeNbr" => request::check_number(api_name, value),
        "statusUrl" | "feeUrl" => request::encode_url(api_name, &Some(value.to_owned())).map(drop),
        "userData" => request::check_user_data_text(value),
        _ => request::check_voice(api_name, &Some(value.to_owned())),
    }
}

/// Stores a boolean in a field.
unsafe fn set_flag(
    req: *mut voicecb_click2call,
    value: bool,
    err: *mut *mut voicecb_error,
    apply: impl FnOnce(&mut Click2Call, bool),
) -> voicecb_result {
    unsafe {
        set(req, err, |r| {
            apply(r, value);
            Ok(())
        })
    }
}

/// Sets `displayCalleeNbr`, the number the callee sees (default: `displayNbr`).
///
/// # Safety
/// `req` is a live handle no other thread uses now; `value` is a
/// NUL-terminated string; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_click2call_set_display_callee_nbr(
    req: *mut voicecb_click2call,
    value: *const c_char,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    unsafe {
        set_text(req, value, "displayCalleeNbr", err, |r, v| {
            r.display_callee_nbr = v
        })
    }
}

/// Sets `lastMinVoice`, the announcement file of the last minute (1-128 characters).
///
/// # Safety
/// `req` is a live handle no other thread uses now; `value` is a
/// NUL-terminated string; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_click2call_set_last_min_voice(
    req: *mut voicecb_click2call,
    value: *const c_char,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    unsafe {
        set_text(req, value, "lastMinVoice", err, |r, v| {
            r.last_min_voice = Some(v)
        })
    }
}

/// Sets `preVoice`, the file played to the caller before the callee is rung (1-128).
///
/// # Safety
/// `req` is a live handle no other thread uses now; `value` is a
/// NUL-terminated string; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_click2call_set_pre_voice(
    req: *mut voicecb_click2call,
    value: *const c_char,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    unsafe { set_text(req, value, "preVoice", err, |r, v| r.pre_voice = Some(v)) }
}

/// Sets `waitVoice`, the file the caller hears while the callee is rung (1-128).
///
/// # Safety
/// `req` is a live handle no other thread uses now; `value` is a
/// NUL-terminated string; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_click2call_set_wait_voice(
    req: *mut voicecb_click2call,
    value: *const c_char,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    unsafe { set_text(req, value, "waitVoice", err, |r, v| r.wait_voice = Some(v)) }
}

/// Sets `statusUrl`, where call-status events are pushed: a plain http(s)
/// URL of a-z A-Z 0-9 - : . / (the library Base64-encodes it). The API
/// takes at most 128 characters of the Base64 form, so the URL may have at
/// most 96 bytes; a longer one is refused by `voicecb_click2call_send`
/// before anything is sent, naming the field and both lengths.
///
/// # Safety
/// `req` is a live handle no other thread uses now; `value` is a
/// NUL-terminated string; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_click2call_set_status_url(
    req: *mut voicecb_click2call,
    value: *const c_char,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    unsafe { set_text(req, value, "statusUrl", err, |r, v| r.status_url = Some(v)) }
}

/// Sets `feeUrl`, where bills are pushed; rules as for `statusUrl`.
///
/// # Safety
/// `req` is a live handle no other thread uses now; `value` is a
/// NUL-terminated string; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_click2call_set_fee_url(
    req: *mut voicecb_click2call,
    value: *const c_char,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    unsafe { set_text(req, value, "feeUrl", err, |r, v| r.fee_url = Some(v)) }
}

/// Sets `recordHintTone`, the file telling the parties they are recorded (1-128).
///
/// # Safety
/// `req` is a live handle no other thread uses now; `value` is a
/// NUL-terminated string; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_click2call_set_record_hint_tone(
    req: *mut voicecb_click2call,
    value: *const c_char,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    unsafe {
        set_text(req, value, "recordHintTone", err, |r, v| {
            r.record_hint_tone = Some(v)
        })
    }
}

/// Sets `userData`, the application's tag echoed in notifications: 1-256
/// ASCII characters without '{' or '}' (see
/// `voicecb_options_set_encode_non_ascii_user_data`).
///
/// # Safety
/// `req` is a live handle no other thread uses now; `value` is a
/// NUL-terminated string; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_click2call_set_user_data(
    req: *mut voicecb_click2call,
    value: *const c_char,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    unsafe { set_text(req, value, "userData", err, |r, v| r.user_data = Some(v)) }
}

/// Sets `playPreVoice`: play `preVoice` to the caller before ringing the callee.
///
/// # Safety
/// `req` is a live handle no other thread uses now; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_click2call_set_play_pre_voice(
    req: *mut voicecb_click2call,
    value: bool,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    unsafe { set_flag(req, value, err, |r, v| r.play_pre_voice = Some(v)) }
}

/// Sets `recordFlag`: record the call (the app must have recording enabled).
///
/// # Safety
/// `req` is a live handle no other thread uses now; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_click2call_set_record_flag(
    req: *mut voicecb_click2call,
    value: bool,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    unsafe { set_flag(req, value, err, |r, v| r.record_flag = Some(v)) }
}

/// Sets `partyTypeRequiredInDisconnect`: say in the disconnect event who hung up.
///
/// # Safety
/// `req` is a live handle no other thread uses now; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_click2call_set_party_type_required_in_disconnect(
    req: *mut voicecb_click2call,
    value: bool,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    unsafe {
        set_flag(req, value, err, |r, v| {
            r.party_type_required_in_disconnect = Some(v)
        })
    }
}

/// Sets `returnIdlePort`: ask for the platform's count of idle call ports.
///
/// # Safety
/// `req` is a live handle no other thread uses now; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_click2call_set_return_idle_port(
    req: *mut voicecb_click2call,
    value: bool,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    unsafe { set_flag(req, value, err, |r, v| r.return_idle_port = Some(v)) }
}

/// Sets `maxDuration`: minutes after the callee answers before the platform
/// ends the call, 1 to 1440; 0 means no limit. Any other value gives
/// `VOICECB_ERR_INVALID_ARGUMENT` naming the field and the range, and the
/// request keeps its earlier value.
///
/// # Safety
/// `req` is a live handle no other thread uses now; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_click2call_set_max_duration(
    req: *mut voicecb_click2call,
    minutes: u32,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    unsafe { voicecb_click2call_set_max_duration_i64(req, minutes.into(), err) }
}

/// `voicecb_click2call_set_max_duration` for a signed or wider number, so
/// that a wrapper whose integers are signed gets the field's range for a
/// negative value instead of a conversion error of its own.
///
/// # Safety
/// `req` is a live handle no other thread uses now; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_click2call_set_max_duration_i64(
    req: *mut voicecb_click2call,
    minutes: i64,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    unsafe {
        set(req, err, |r| {
            r.max_duration = Some(request::check_max_duration(minutes)?);
            Ok(())
        })
    }
}

/// Sets `lastMinToUE` to one of the `VOICECB_LAST_MIN_TO_UE_*` values;
/// any other value gives `VOICECB_ERR_INVALID_ARGUMENT`.
///
/// # Safety
/// `req` is a live handle no other thread uses now; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_click2call_set_last_min_to_ue(
    req: *mut voicecb_click2call,
    value: i32,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    unsafe {
        set(req, err, |r| {
            let v = LastMinToUe::from_number(value).ok_or_else(|| {
                Error::invalid(
                    "lastMinToUE",
                    format!("must be one of VOICECB_LAST_MIN_TO_UE_* (1-3), got {value}"),
                )
            })?;
            r.last_min_to_ue = Some(v);
            Ok(())
        })
    }
}

/// Sets `calleeMedia` to one of the `VOICECB_CALLEE_MEDIA_*` values; any
/// other value gives `VOICECB_ERR_INVALID_ARGUMENT`.
///
/// # Safety
/// `req` is a live handle no other thread uses now; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_click2call_set_callee_media(
    req: *mut voicecb_click2call,
    value: i32,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    unsafe {
        set(req, err, |r| {
            let v = CalleeMedia::from_number(value).ok_or_else(|| {
                Error::invalid(
                    "calleeMedia",
                    format!("must be one of VOICECB_CALLEE_MEDIA_* (1-3), got {value}"),
                )
            })?;
            r.callee_media = Some(v);
            Ok(())
        })
    }
}

/// Sets `lastMinToUE` from the API's value: "toa", "tob" or "both";
/// anything else gives `VOICECB_ERR_INVALID_ARGUMENT` naming the field.
/// For wrappers whose users write the API's strings.
///
/// # Safety
/// `req` is a live handle no other thread uses now; `value` is a
/// NUL-terminated string; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_click2call_set_last_min_to_ue_name(
    req: *mut voicecb_click2call,
    value: *const c_char,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    unsafe {
        set(req, err, |r| {
            r.last_min_to_ue = Some(LastMinToUe::parse_field(str_arg(value, "lastMinToUE")?)?);
            Ok(())
        })
    }
}

/// Sets `calleeMedia` from the API's value: "all", "none" or "fail";
/// anything else gives `VOICECB_ERR_INVALID_ARGUMENT` naming the field.
///
/// # Safety
/// `req` is a live handle no other thread uses now; `value` is a
/// NUL-terminated string; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_click2call_set_callee_media_name(
    req: *mut voicecb_click2call,
    value: *const c_char,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    unsafe {
        set(req, err, |r| {
            r.callee_media = Some(CalleeMedia::parse_field(str_arg(value, "calleeMedia")?)?);
            Ok(())
        })
    }
}

/// The API's value of a `VOICECB_LAST_MIN_TO_UE_*` number ("toa", "tob",
/// "both"), or NULL for any other number. Static; thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn voicecb_last_min_to_ue_name(value: i32) -> *const c_char {
    guard_value(std::ptr::null(), || {
        LastMinToUe::from_number(value).map_or(std::ptr::null(), |v| v.api_name_cstr().as_ptr())
    })
}

/// The API's value of a `VOICECB_CALLEE_MEDIA_*` number ("all", "none",
/// "fail"), or NULL for any other number. Static; thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn voicecb_callee_media_name(value: i32) -> *const c_char {
    guard_value(std::ptr::null(), || {
        CalleeMedia::from_number(value).map_or(std::ptr::null(), |v| v.api_name_cstr().as_ptr())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for v in LastMinToUe::ALL {
            let name = unsafe { std::ffi::CStr::from_ptr(voicecb_last_min_to_ue_name(v as i32)) };
            assert_eq!(LastMinToUe::parse(name.to_str().unwrap()), Some(v));
        }
        for v in CalleeMedia::ALL {
            let name = unsafe { std::ffi::CStr::from_ptr(voicecb_callee_media_name(v as i32)) };
            assert_eq!(CalleeMedia::parse(name.to_str().unwrap()), Some(v));
        }
        assert!(voicecb_last_min_to_ue_name(0).is_null() && voicecb_callee_media_name(4).is_null());
        let e = LastMinToUe::parse_field("TOA").unwrap_err();
        assert_eq!(e.field(), Some("lastMinToUE"));
        assert!(e.message().contains("\"toa\""), "{e}");
    }

    #[test]
    fn enum_constants_match_the_core() {
        assert_eq!(VOICECB_LAST_MIN_TO_UE_CALLER, LastMinToUe::Caller as i32);
        assert_eq!(VOICECB_LAST_MIN_TO_UE_CALLEE, LastMinToUe::Callee as i32);
        assert_eq!(VOICECB_LAST_MIN_TO_UE_BOTH, LastMinToUe::Both as i32);
        assert_eq!(VOICECB_CALLEE_MEDIA_ALL, CalleeMedia::All as i32);
        assert_eq!(VOICECB_CALLEE_MEDIA_NONE, CalleeMedia::None as i32);
        assert_eq!(VOICECB_CALLEE_MEDIA_FAIL, CalleeMedia::Fail as i32);
    }
}
