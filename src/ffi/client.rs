//! The client handle and the two calls.

use std::ffi::c_char;
use std::time::Duration;

use super::boundary::{
    Handle, free_handle, give_handle, guard, guard_value, handle, out_arg, owned_string, str_arg,
    voicecb_result,
};
use super::error::voicecb_error;
use super::options::voicecb_options;
use super::request::voicecb_click2call;
use crate::client::{Binding, Client, ClientBuilder};
use crate::error::Error;
use crate::response::CallResult;

/// A client: credentials, settings and a pool of kept-alive connections.
/// Made by `voicecb_client_new`, freed by `voicecb_client_free`. Every call
/// takes it `const`: any number of threads may use one client at once.
pub struct voicecb_client {
    pub(crate) inner: Client,
}

impl super::boundary::Handle for voicecb_client {
    const TAG: u64 = 0x7663636c69656e74;
    const NAME: &'static str = "voicecb_client";
}

const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<voicecb_client>();
};

/// Makes a client for the app `app_key` with secret `app_secret`. `opts`
/// may be NULL for every default; the client copies what it needs, so
/// `opts` may be freed right after. Checks every setting (and reads the CA
/// file) but does no network I/O. On success `*out` is a new client.
///
/// # Safety
/// Strings are NUL-terminated; `opts` is NULL or live; `out` is writable;
/// `err` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_client_new(
    app_key: *const c_char,
    app_secret: *const c_char,
    opts: *const voicecb_options,
    out: *mut *mut voicecb_client,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    guard(err, || {
        let app_key = unsafe { str_arg(app_key, "app_key") }?;
        let app_secret = unsafe { str_arg(app_secret, "app_secret") }?;
        out_arg(out, "out")?;
        let b = ClientBuilder::new(app_key, app_secret).binding(Binding::C);
        // SAFETY: NULL or a live handle, as the caller promises.
        let b = configured(b, unsafe { super::boundary::live(opts) });
        give_handle(out, voicecb_client { inner: b.build()? });
        Ok(())
    })
}

/// Makes a client from the environment: `VOICECB_APP_KEY` and
/// `VOICECB_APP_SECRET` (required), `VOICECB_BASE_URL`, `VOICECB_CA_FILE`,
/// `VOICECB_INSECURE_SKIP_VERIFY`, `VOICECB_PROXY`, `VOICECB_TIMEOUT` and
/// `VOICECB_CONNECT_TIMEOUT` (seconds), with the rules of the `voicecb`
/// command; an empty variable counts as unset. A setting given in `opts`
/// (which may be NULL) replaces the environment's; its on/off options can
/// only turn an option on. An error names the variable
/// (`voicecb_error_field`). Otherwise as `voicecb_client_new`.
///
/// # Safety
/// `opts` is NULL or live; `out` is writable; `err` is NULL or writable.
/// No other thread may change the environment during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_client_new_from_env(
    opts: *const voicecb_options,
    out: *mut *mut voicecb_client,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    guard(err, || {
        out_arg(out, "out")?;
        let b = ClientBuilder::from_env()?.binding(Binding::C);
        // SAFETY: NULL or a live handle, as the caller promises.
        let b = configured(b, unsafe { super::boundary::live(opts) });
        give_handle(out, voicecb_client { inner: b.build()? });
        Ok(())
    })
}

/// `b` with the settings of `opts` (none when NULL).
fn configured(mut b: ClientBuilder, opts: Option<&voicecb_options>) -> ClientBuilder {
    let Some(o) = opts else { return b };
    if let Some(v) = &o.base_url {
        b = b.base_url(v);
    }
    if let Some(v) = o.connect_timeout {
        b = b.connect_timeout(v);
    }
    if let Some(v) = o.timeout {
        b = b.timeout(v);
    }
    if let Some(v) = &o.ca_file {
        b = b.ca_file(v);
    }
    if let Some(v) = &o.proxy {
        b = b.proxy(v);
    }
    if let Some(v) = &o.user_agent {
        b = b.user_agent(v);
    }
    if let Some(v) = &o.retry {
        b = b.retry(v.clone());
    }
    if let Some(hook) = o.event_hook {
        b = b.on_event(move |e| hook.call(e));
    }
    if let Some(v) = o.binding {
        b = b.binding(v);
    }
    if o.insecure_skip_verify {
        b = b.insecure_skip_verify(true);
    }
    b.encode_non_ascii_user_data(o.encode_non_ascii_user_data)
        .clock_offset_secs(o.clock_offset_secs)
        .mask_numbers(!o.numbers_unmasked)
        .allow_base_url_path(o.allow_base_url_path)
}

/// Frees a client and closes its connections. NULL is allowed. No other
/// thread may be using the client.
///
/// # Safety
/// `client` is NULL or a handle from `voicecb_client_new`, not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_client_free(client: *mut voicecb_client) {
    unsafe { free_handle(client) }
}

pub(crate) fn per_call_timeout(ms: u32) -> Option<Duration> {
    (ms > 0).then(|| Duration::from_millis(ms.into()))
}

/// The body of the `*_send` functions of the APIs that place a call:
/// `place` makes the call with the client, the request and the per-call
/// timeout; the session id and idle ports are handed to the caller.
///
/// # Safety
/// As for `voicecb_click2call_send`, with `req` a handle of type `T`.
pub(crate) unsafe fn send<T: Handle>(
    client: *const voicecb_client,
    req: *const T,
    timeout_ms: u32,
    session_id_out: *mut *mut c_char,
    idle_port_out: *mut i32,
    err: *mut *mut voicecb_error,
    place: impl FnOnce(&Client, &T, Option<Duration>) -> Result<CallResult, Error>,
) -> voicecb_result {
    guard(err, || {
        let client = unsafe { handle(client, "client") }?;
        let req = unsafe { handle(req, "req") }?;
        out_arg(session_id_out, "session_id_out")?;
        let result = place(&client.inner, req, per_call_timeout(timeout_ms))?;
        // SAFETY: checked by out_arg; idle_port_out checked for NULL.
        unsafe {
            *session_id_out = owned_string(&result.session_id);
            if !idle_port_out.is_null() {
                *idle_port_out = result.idle_port.map_or(-1, i32::from);
            }
        }
        Ok(())
    })
}

/// The body of the `*_send_result` functions, as [`send`] but handing
/// over a result handle.
///
/// # Safety
/// As for `voicecb_click2call_send_result`, with `req` a handle of type `T`.
pub(crate) unsafe fn send_result<T: Handle>(
    client: *const voicecb_client,
    req: *const T,
    timeout_ms: u32,
    out: *mut *mut voicecb_call_result,
    err: *mut *mut voicecb_error,
    place: impl FnOnce(&Client, &T, Option<Duration>) -> Result<CallResult, Error>,
) -> voicecb_result {
    guard(err, || {
        let client = unsafe { handle(client, "client") }?;
        let req = unsafe { handle(req, "req") }?;
        out_arg(out, "out")?;
        let inner = place(&client.inner, req, per_call_timeout(timeout_ms))?;
        give_handle(
            out,
            voicecb_call_result {
                session_id: super::boundary::to_cstring(&inner.session_id),
                inner,
            },
        );
        Ok(())
    })
}

/// Places a voice callback. Validates `req` first and sends nothing if it
/// is invalid. `timeout_ms` is a deadline for this call, retries included
/// (0: none; each try still has the client's request timeout). On success
/// `*session_id_out` is the platform's session id, which the caller frees
/// with `voicecb_string_free`, and, when
/// `idle_port_out` is not NULL, `*idle_port_out` is the platform's count of
/// idle ports, or -1 when it sent none or a value that is not an integer
/// 0-65535 (ask with `voicecb_click2call_set_return_idle_port`). A call
/// that may have been placed is never lost: when the call fails and the
/// answer held a `sessionId`, `voicecb_error_session_id` gives it.
/// Thread-safe.
///
/// # Safety
/// `client` and `req` are live handles (`req` not being changed by another
/// thread); `session_id_out` is writable; `idle_port_out` and `err` are
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_click2call_send(
    client: *const voicecb_client,
    req: *const voicecb_click2call,
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
            |c, r: &voicecb_click2call, t| c.click2call_within(&r.inner, t),
        )
    }
}

/// A placed call's result: its session id, the idle ports the platform
/// reported, and how many tries and how long the call took. Made by
/// `voicecb_click2call_send_result`, freed by `voicecb_call_result_free`;
/// immutable, so any thread may read it.
pub struct voicecb_call_result {
    session_id: std::ffi::CString,
    inner: CallResult,
}

impl super::boundary::Handle for voicecb_call_result {
    const TAG: u64 = 0x766363616c6c7273;
    const NAME: &'static str = "voicecb_call_result";
}

/// `voicecb_click2call_send` giving the whole result: on success `*out` is
/// a new result handle (free it with `voicecb_call_result_free`). The
/// failure's error carries the same facts (`voicecb_error_attempts`,
/// `voicecb_error_elapsed_us`). Thread-safe.
///
/// # Safety
/// As for `voicecb_click2call_send`; `out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_click2call_send_result(
    client: *const voicecb_client,
    req: *const voicecb_click2call,
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
            |c, r: &voicecb_click2call, t| c.click2call_within(&r.inner, t),
        )
    }
}

/// Frees a result. NULL is allowed.
///
/// # Safety
/// `result` is NULL or a handle from a `*_send_result` function, not
/// freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_call_result_free(result: *mut voicecb_call_result) {
    unsafe { free_handle(result) }
}

/// The call's session id. Borrowed: valid until `voicecb_call_result_free`.
/// NULL when `result` is NULL.
///
/// # Safety
/// `result` is NULL or a live result.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_call_result_session_id(
    result: *const voicecb_call_result,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        unsafe { super::boundary::live(result) }.map_or(std::ptr::null(), |r| r.session_id.as_ptr())
    })
}

/// The platform's count of idle ports, or -1 when it sent none (and for NULL).
///
/// # Safety
/// `result` is NULL or a live result.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_call_result_idle_port(result: *const voicecb_call_result) -> i32 {
    guard_value(-1, || {
        unsafe { super::boundary::live(result) }
            .map_or(-1, |r| r.inner.idle_port.map_or(-1, i32::from))
    })
}

/// How many tries the call made (more than 1 only with a retry policy);
/// 0 for NULL.
///
/// # Safety
/// `result` is NULL or a live result.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_call_result_attempts(result: *const voicecb_call_result) -> u32 {
    guard_value(0, || {
        unsafe { super::boundary::live(result) }.map_or(0, |r| r.inner.attempts)
    })
}

/// How long the call took in all, tries and waits included, in
/// microseconds; 0 for NULL.
///
/// # Safety
/// `result` is NULL or a live result.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_call_result_elapsed_us(result: *const voicecb_call_result) -> u64 {
    guard_value(0, || {
        unsafe { super::boundary::live(result) }
            .map_or(0, |r| super::events::micros(r.inner.elapsed))
    })
}

/// Stops the call `session_id` (both parties are released). `timeout_ms`
/// as for `voicecb_click2call_send`. Thread-safe.
///
/// # Safety
/// `client` is a live handle; `session_id` a NUL-terminated string; `err`
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_call_stop(
    client: *const voicecb_client,
    session_id: *const c_char,
    timeout_ms: u32,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    guard(err, || {
        let client = unsafe { handle(client, "client") }?;
        let session_id = unsafe { str_arg(session_id, "sessionid") }?;
        client
            .inner
            .call_stop_within(session_id, per_call_timeout(timeout_ms))?;
        Ok(())
    })
}
