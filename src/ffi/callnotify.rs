//! The voice notification request handle: the two numbers at creation,
//! play items added one by one, one setter per optional field. As for
//! `voicecb_click2call`, each setter checks what it sets, and
//! `voicecb_callnotify_send` checks the whole request again.

use std::ffi::c_char;

use super::boundary::{
    Failure, free_handle, give_handle, guard, guard_value, handle_mut, out_arg, str_arg,
    voicecb_result,
};
use super::client::{send, send_result, voicecb_call_result, voicecb_client};
use super::error::voicecb_error;
use crate::callnotify::{
    self, CallNotify, MAX_NOTIFY_VOICE_LEN, MAX_PLAY_ITEMS, MAX_TEMPLATE_ID_LEN, PlayInfo, at_item,
};
use crate::error::Error;
use crate::request::{self, check_text};

/// A voice notification request. Made by `voicecb_callnotify_new`, freed
/// by `voicecb_callnotify_free`. Setters need exclusive use; once built,
/// one request may be sent by many threads at once, and sent again.
#[derive(Debug)]
pub struct voicecb_callnotify {
    inner: CallNotify,
}

impl super::boundary::Handle for voicecb_callnotify {
    const TAG: u64 = 0x76636e6f74696663;
    const NAME: &'static str = "voicecb_callnotify";
}

/// Makes a notification with its two numbers (`displayNbr`, `calleeNbr`;
/// checked when it is sent) and no play item yet: add 1 to 5 with
/// `voicecb_callnotify_add_play_voice` / `voicecb_callnotify_add_play_template`.
/// On success `*out` is a new request.
///
/// # Safety
/// Strings are NUL-terminated; `out` is writable; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_callnotify_new(
    display_nbr: *const c_char,
    callee_nbr: *const c_char,
    out: *mut *mut voicecb_callnotify,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    guard(err, || {
        let display = unsafe { str_arg(display_nbr, "displayNbr") }?;
        let callee = unsafe { str_arg(callee_nbr, "calleeNbr") }?;
        out_arg(out, "out")?;
        give_handle(
            out,
            voicecb_callnotify {
                inner: CallNotify::new(display, callee, []),
            },
        );
        Ok(())
    })
}

/// Frees a request. NULL is allowed.
///
/// # Safety
/// `req` is NULL or a handle from `voicecb_callnotify_new`, not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_callnotify_free(req: *mut voicecb_callnotify) {
    unsafe { free_handle(req) }
}

/// Runs a setter on a live request inside the guard.
unsafe fn set(
    req: *mut voicecb_callnotify,
    err: *mut *mut voicecb_error,
    apply: impl FnOnce(&mut CallNotify) -> Result<(), Failure>,
) -> voicecb_result {
    guard(err, || apply(&mut unsafe { handle_mut(req, "req") }?.inner))
}

/// Runs a setter on play item `index` of a live request; its errors
/// name the item's field with the index.
unsafe fn set_item(
    req: *mut voicecb_callnotify,
    index: usize,
    err: *mut *mut voicecb_error,
    apply: impl FnOnce(&mut PlayInfo) -> Result<(), Failure>,
) -> voicecb_result {
    unsafe {
        set(req, err, |r| {
            let n = r.play_info_list.len();
            let item = r.play_info_list.get_mut(index).ok_or_else(|| {
                Error::invalid_at(
                    format!("playInfoList[{index}]"),
                    format!("no such play item: the request has {n}, numbered from 0"),
                )
            })?;
            apply(item).map_err(|f| Failure {
                code: f.code,
                error: at_item(index, f.error),
            })
        })
    }
}

/// Appends a play item after checking it.
fn add_item(r: &mut CallNotify, item: PlayInfo) -> Result<(), Failure> {
    let n = r.play_info_list.len();
    if n >= MAX_PLAY_ITEMS {
        return Err(Error::invalid(
            "playInfoList",
            format!("must hold 1 to {MAX_PLAY_ITEMS} items, and has {MAX_PLAY_ITEMS} already"),
        )
        .into());
    }
    callnotify::check_play_info(&item).map_err(|e| at_item(n, e))?;
    r.play_info_list.push(item);
    Ok(())
}

/// Appends a play item that plays an uploaded announcement file
/// (`notifyVoice`, 1-128 characters, a WAV file). Items are numbered from
/// 0 in the order they are added; a sixth item is refused.
///
/// # Safety
/// `req` is a live handle no other thread uses now; `notify_voice` is a
/// NUL-terminated string; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_callnotify_add_play_voice(
    req: *mut voicecb_callnotify,
    notify_voice: *const c_char,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    unsafe {
        set(req, err, |r| {
            let v = str_arg(notify_voice, "notifyVoice")?;
            check_text("notifyVoice", v, MAX_NOTIFY_VOICE_LEN)
                .map_err(|e| at_item(r.play_info_list.len(), e))?;
            add_item(r, PlayInfo::voice(v))
        })
    }
}

/// Appends a play item that speaks an approved TTS template (`templateId`,
/// 1-32 characters); give its parameters with
/// `voicecb_callnotify_add_template_para`. Numbered as for
/// `voicecb_callnotify_add_play_voice`.
///
/// # Safety
/// `req` is a live handle no other thread uses now; `template_id` is a
/// NUL-terminated string; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_callnotify_add_play_template(
    req: *mut voicecb_callnotify,
    template_id: *const c_char,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    unsafe {
        set(req, err, |r| {
            let v = str_arg(template_id, "templateId")?;
            check_text("templateId", v, MAX_TEMPLATE_ID_LEN)
                .map_err(|e| at_item(r.play_info_list.len(), e))?;
            add_item(r, PlayInfo::template(v, Vec::<String>::new()))
        })
    }
}

/// Appends a play item given as the two fields of the API, either of which
/// may be NULL (left out): the library checks that exactly one is given, as
/// for a Rust `PlayInfo`, and names the item (`playInfoList[2].templateId`
/// for both, `.notifyVoice` for neither). For bindings whose item type has
/// both fields; a C program may call `voicecb_callnotify_add_play_voice` or
/// `voicecb_callnotify_add_play_template` instead. Numbered as for those.
///
/// # Safety
/// `req` is a live handle no other thread uses now; `notify_voice` and
/// `template_id` are each NULL or a NUL-terminated string; `err` is NULL
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_callnotify_add_play_item(
    req: *mut voicecb_callnotify,
    notify_voice: *const c_char,
    template_id: *const c_char,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    unsafe {
        set(req, err, |r| {
            // NULL here means "not given", not a missing argument.
            let given = |p: *const c_char, name: &'static str| -> Result<Option<String>, Failure> {
                if p.is_null() {
                    Ok(None)
                } else {
                    str_arg(p, name).map(|v| Some(v.to_owned()))
                }
            };
            let item = PlayInfo {
                notify_voice: given(notify_voice, "notifyVoice")?,
                template_id: given(template_id, "templateId")?,
                ..PlayInfo::default()
            };
            add_item(r, item)
        })
    }
}

/// The number of play items added so far (0 to 5); 0 for NULL or a handle
/// that is not a live request.
///
/// # Safety
/// `req` is NULL or a handle no other thread is changing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_callnotify_play_item_count(
    req: *const voicecb_callnotify,
) -> usize {
    guard_value(0, || {
        unsafe { super::boundary::live(req) }.map_or(0, |r| r.inner.play_info_list.len())
    })
}

/// Appends a value to `templateParas` of template item `item` (one per
/// variable of the template, in order; each at most 32 bytes of UTF-8).
/// Refused for an item that plays a file. Errors name the field with the
/// item's index (`playInfoList[1].templateParas[0]`).
///
/// # Safety
/// `req` is a live handle no other thread uses now; `value` is a
/// NUL-terminated string; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_callnotify_add_template_para(
    req: *mut voicecb_callnotify,
    item: usize,
    value: *const c_char,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    unsafe {
        set_item(req, item, err, |p| {
            let v = str_arg(value, "templateParas")?;
            if p.template_id.is_none() {
                return Err(Error::invalid(
                    "templateParas",
                    "is only for an item with a templateId, not a notifyVoice",
                )
                .into());
            }
            let j = p.template_paras.len();
            callnotify::check_template_para(v).map_err(|e| {
                Error::invalid_at(format!("templateParas[{j}]"), e.rule().unwrap_or(""))
            })?;
            p.template_paras.push(v.to_owned());
            Ok(())
        })
    }
}

/// Sets `collectInd` of item `item`: the digits to collect after it plays,
/// 0 to 32 (0: none). Any other value gives `VOICECB_ERR_INVALID_ARGUMENT`
/// naming `playInfoList[item].collectInd`, and the item keeps its value.
///
/// # Safety
/// `req` is a live handle no other thread uses now; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_callnotify_item_set_collect_ind(
    req: *mut voicecb_callnotify,
    item: usize,
    digits: i64,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    unsafe {
        set_item(req, item, err, |p| {
            p.collect_ind = Some(callnotify::check_collect_ind(digits)?);
            Ok(())
        })
    }
}

/// Sets `replayAfterCollection` of item `item`: replay it when the digits
/// collected equal its `collectContentTriggerReplaying`. Sending refuses
/// `true` without a `collectInd` of 1 or more.
///
/// # Safety
/// `req` is a live handle no other thread uses now; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_callnotify_item_set_replay_after_collection(
    req: *mut voicecb_callnotify,
    item: usize,
    value: bool,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    unsafe {
        set_item(req, item, err, |p| {
            p.replay_after_collection = Some(value);
            Ok(())
        })
    }
}

/// Sets `collectContentTriggerReplaying` of item `item`: the keypad
/// characters (0-9, '*', '#') that replay it. Sending refuses it without
/// `replayAfterCollection` true, or longer than the item's `collectInd`.
///
/// # Safety
/// `req` is a live handle no other thread uses now; `value` is a
/// NUL-terminated string; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_callnotify_item_set_collect_content_trigger_replaying(
    req: *mut voicecb_callnotify,
    item: usize,
    value: *const c_char,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    unsafe {
        set_item(req, item, err, |p| {
            let v = str_arg(value, "collectContentTriggerReplaying")?;
            // The length against collectInd is checked at sending, whatever
            // order the two are set in.
            callnotify::check_trigger(v, callnotify::MAX_COLLECT_IND)?;
            p.collect_content_trigger_replaying = Some(v.to_owned());
            Ok(())
        })
    }
}

/// Checks a text field that does not depend on the client, then stores it.
unsafe fn set_text(
    req: *mut voicecb_callnotify,
    value: *const c_char,
    api_name: &'static str,
    err: *mut *mut voicecb_error,
    apply: impl FnOnce(&mut CallNotify, String),
) -> voicecb_result {
    unsafe {
        set(req, err, |r| {
            let value = str_arg(value, api_name)?;
            match api_name {
                "userData" => request::check_user_data_text(value)?,
                _ => request::encode_url(api_name, &Some(value.to_owned())).map(drop)?,
            }
            apply(r, value.to_owned());
            Ok(())
        })
    }
}

/// Sets `statusUrl`, where call-status events are pushed; the rules of
/// `voicecb_click2call_set_status_url` (a plain URL of at most 96 bytes).
///
/// # Safety
/// `req` is a live handle no other thread uses now; `value` is a
/// NUL-terminated string; `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_callnotify_set_status_url(
    req: *mut voicecb_callnotify,
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
pub unsafe extern "C" fn voicecb_callnotify_set_fee_url(
    req: *mut voicecb_callnotify,
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
pub unsafe extern "C" fn voicecb_callnotify_set_user_data(
    req: *mut voicecb_callnotify,
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
pub unsafe extern "C" fn voicecb_callnotify_set_return_idle_port(
    req: *mut voicecb_callnotify,
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

/// Places the voice notification. Validates `req` first and sends nothing
/// if it is invalid (the error's field names the item:
/// `playInfoList[2].templateId`). Never re-sent once it may have reached
/// the platform. Otherwise as `voicecb_click2call_send`: `*session_id_out`
/// is freed by the caller with `voicecb_string_free`; `idle_port_out` may
/// be NULL. Thread-safe.
///
/// # Safety
/// `client` and `req` are live handles (`req` not being changed by another
/// thread); `session_id_out` is writable; `idle_port_out` and `err` are
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_callnotify_send(
    client: *const voicecb_client,
    req: *const voicecb_callnotify,
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
            |c, r: &voicecb_callnotify, t| c.call_notify_within(&r.inner, t),
        )
    }
}

/// `voicecb_callnotify_send` giving the whole result, as
/// `voicecb_click2call_send_result` does (free it with
/// `voicecb_call_result_free`). Thread-safe.
///
/// # Safety
/// As for `voicecb_callnotify_send`; `out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_callnotify_send_result(
    client: *const voicecb_client,
    req: *const voicecb_callnotify,
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
            |c, r: &voicecb_callnotify, t| c.call_notify_within(&r.inner, t),
        )
    }
}
