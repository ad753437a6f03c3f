//! The voice verification code request handle: the required fields at
//! creation, one setter per optional field; as for `voicecb_click2call`,
//! each setter checks what it sets and sending checks everything again.

use std::ffi::c_char;

use super::boundary::{
    Failure, free_handle, give_handle, guard, handle_mut, out_arg, str_arg, voicecb_result,
};
use super::client::{send, send_result, voicecb_call_result, voicecb_client};
use super::error::voicecb_error;
use crate::callverify::{self, CallVerify};
use crate::request::{self, check_text};

/// A voice verification code request. Made by `voicecb_callverify_new`,
/// freed by `voicecb_callverify_free`. Setters need exclusive use; once
/// built, one request may be sent by many threads at once, and sent again.
#[derive(Debug)]
pub struct voicecb_callverify {
    inner: CallVerify,
}

impl super::boundary::Handle for voicecb_callverify {
    const TAG: u64 = 0x7663766572696679;
    const NAME: &'static str = "voicecb_callverify";
}

/// The only `languageType` the API documents: 2, Chinese (the default of
/// a new request).
pub const VOICECB_LANGUAGE_TYPE_CHINESE: i32 = 2;

/// Makes a verification call with its required fields: `displayNbr`,
/// `calleeNbr`, `verifyCode` (2 to 8 digits) and `preTone` (the WAV file
/// played before the code, 1-128 characters); `languageType` starts at 2.
/// Everything is checked when the request is sent. On success `*out` is a
/// new request.
///
/// # Safety
/// Strings are NUL-terminated; `out` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_callverify_new(
    display_nbr: *const c_char,
    callee_nbr: *const c_char,
    verify_code: *const c_char,
    pre_tone: *const c_char,
    out: *mut *mut voicecb_callverify,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    guard(err, || {
        let display = unsafe { str_arg(display_nbr, "displayNbr") }?;
        let callee = unsafe { str_arg(callee_nbr, "calleeNbr") }?;
        let code = unsafe { str_arg(verify_code, "verifyCode") }?;
        let tone = unsafe { str_arg(pre_tone, "preTone") }?;
        out_arg(out, "out")?;
        give_handle(
            out,
            voicecb_callverify {
                inner: CallVerify::new(display, callee, code, tone),
            },
        );
        Ok(())
    })
}

/// Frees a request. NULL is allowed.
///
/// # Safety
/// `req` is NULL or a handle from `voicecb_callverify_new`, not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_callverify_free(req: *mut voicecb_callverify) {
    unsafe { free_handle(req) }
}

/// Runs a setter on a live request inside the guard.
unsafe fn set(
    req: *mut voicecb_callverify,
    err: *mut *mut voicecb_error,
    apply: impl FnOnce(&mut CallVerify) -> Result<(), Failure>,
) -> voicecb_result {
    guard(err, || apply(&mut unsafe { handle_mut(req, "req") }?.inner))
}

/// Checks a text field that does not depend on the client, then stores it.
unsafe fn set_text(
    req: *mut voicecb_callverify,
    value: *const c_char,
    api_name: &'static str,
    err: *mut *mut voicecb_error,
    apply: impl FnOnce(&mut CallVerify, String),
) -> voicecb_result {
    unsafe {
        set(req, err, |r| {
            let value = str_arg(value, api_name)?;
            match api_name {
                "userData" => request::check_user_data_text(value)?,
                "posTone" => check_text(api_name, value, 128)?,
                _ => request::encode_url(api_name, &Some(value.to_owned())).map(drop)?,
            }
            apply(r, value.to_owned());
            Ok(())
        })
    }
}

/// Sets `languageType`. The API documents only 2 (Chinese,
/// `VOICECB_LANGUAGE_TYPE_CHINESE`, the default); any other value gives
/// `VOICECB_ERR_INVALID_ARGUMENT` and the request keeps its value.
///
/// # Safety
/// `req` is a live handle no other thread uses now; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_callverify_set_language_type(
    req: *mut voicecb_callverify,
    value: i64,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    unsafe {
        set(req, err, |r| {
            callverify::check_language_type(value)?;
            r.language_type = value;
            Ok(())
        })
    }
}

/// Sets `posTone`, the WAV file played after the code (1-128 characters).
///
/// # Safety
/// `req` is a live handle no other thread uses now; `value` is a
/// NUL-terminated string; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_callverify_set_pos_tone(
    req: *mut voicecb_callverify,
    value: *const c_char,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    unsafe { set_text(req, value, "posTone", err, |r, v| r.pos_tone = Some(v)) }
}

/// Sets `times`, how many times the code is played: 0 to 9, 0 repeating
/// without end (unset: the platform plays it 3 times). Any other value
/// gives `VOICECB_ERR_INVALID_ARGUMENT` and the request keeps its value.
///
/// # Safety
/// `req` is a live handle no other thread uses now; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_callverify_set_times(
    req: *mut voicecb_callverify,
    times: i64,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    unsafe {
        set(req, err, |r| {
            r.times = Some(callverify::check_times(times)?);
            Ok(())
        })
    }
}

/// Sets `statusUrl`; the rules of `voicecb_click2call_set_status_url`.
///
/// # Safety
/// `req` is a live handle no other thread uses now; `value` is a
/// NUL-terminated string; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_callverify_set_status_url(
    req: *mut voicecb_callverify,
    value: *const c_char,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    unsafe { set_text(req, value, "statusUrl", err, |r, v| r.status_url = Some(v)) }
}

/// Sets `feeUrl`; rules as for `statusUrl`.
///
/// # Safety
/// `req` is a live handle no other thread uses now; `value` is a
/// NUL-terminated string; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_callverify_set_fee_url(
    req: *mut voicecb_callverify,
    value: *const c_char,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    unsafe { set_text(req, value, "feeUrl", err, |r, v| r.fee_url = Some(v)) }
}

/// Sets `userData`; the rules of `voicecb_click2call_set_user_data`.
///
/// # Safety
/// `req` is a live handle no other thread uses now; `value` is a
/// NUL-terminated string; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_callverify_set_user_data(
    req: *mut voicecb_callverify,
    value: *const c_char,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    unsafe { set_text(req, value, "userData", err, |r, v| r.user_data = Some(v)) }
}

/// Sets `returnIdlePort`: ask for the platform's count of idle call ports.
///
/// # Safety
/// `req` is a live handle no other thread uses now; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_callverify_set_return_idle_port(
    req: *mut voicecb_callverify,
    value: bool,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    unsafe {
        set(req, err, |r| {
            r.return_idle_port = Some(value);
            Ok(())
        })
    }
}

/// Places the verification code call; as `voicecb_callnotify_send`.
/// Thread-safe.
///
/// # Safety
/// `client` and `req` are live handles (`req` not being changed by another
/// thread); `session_id_out` is writable; `idle_port_out` and `err` are
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_callverify_send(
    client: *const voicecb_client,
    req: *const voicecb_callverify,
    timeout_ms: u32,
    session_id_out: *mut *mut c_char,
    idle_port_out: *mut i32,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    unsafe {
        send(
            client,
            req,
            timeout_ms,
            session_id_out,
            idle_port_out,
            err,
            |c, r: &voicecb_callverify, t| c.call_verify_within(&r.inner, t),
        )
    }
}

/// `voicecb_callverify_send` giving the whole result (free it with
/// `voicecb_call_result_free`). Thread-safe.
///
/// # Safety
/// As for `voicecb_callverify_send`; `out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_callverify_send_result(
    client: *const voicecb_client,
    req: *const voicecb_callverify,
    timeout_ms: u32,
    out: *mut *mut voicecb_call_result,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    unsafe {
        send_result(
            client,
            req,
            timeout_ms,
            out,
            err,
            |c, r: &voicecb_callverify, t| c.call_verify_within(&r.inner, t),
        )
    }
}
