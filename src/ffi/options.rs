//! Client options: a handle with one setter per option, so that options can
//! be added later without breaking the ABI.

use std::ffi::c_char;
use std::time::Duration;

use super::boundary::{
    Failure, free_handle, give_handle, guard, handle_mut, out_arg, str_arg, voicecb_result,
};
use super::error::voicecb_error;
use super::events::{Hook, voicecb_event_callback};
use crate::client::{Binding, RetryPolicy};
use crate::error::Error;
use crate::request::check_no_controls;

/// Options for `voicecb_client_new`: endpoint, timeouts, TLS, proxy, user
/// agent. Made by `voicecb_options_new`, freed by `voicecb_options_free`.
/// Not thread-safe while being set; a client copies what it needs, so the
/// options may be freed or reused once the client is made.
#[derive(Clone, Debug, Default)]
pub struct voicecb_options {
    pub(crate) base_url: Option<String>,
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) ca_file: Option<String>,
    pub(crate) insecure_skip_verify: bool,
    pub(crate) proxy: Option<String>,
    pub(crate) user_agent: Option<String>,
    pub(crate) encode_non_ascii_user_data: bool,
    pub(crate) clock_offset_secs: i64,
    pub(crate) allow_base_url_path: bool,
    pub(crate) retry: Option<RetryPolicy>,
    pub(crate) binding: Option<Binding>,
    pub(crate) event_hook: Option<Hook>,
    /// Masking is on by default, so the default (false) keeps it on.
    pub(crate) numbers_unmasked: bool,
}

impl super::boundary::Handle for voicecb_options {
    const TAG: u64 = 0x76636f7074696f6e;
    const NAME: &'static str = "voicecb_options";
}

/// Makes an options handle with every default (production endpoint,
/// 5 s connect timeout, 15 s request timeout, built-in root certificates).
///
/// # Safety
/// `out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_options_new(out: *mut *mut voicecb_options) -> voicecb_result {
    guard(std::ptr::null_mut(), || {
        out_arg(out, "out")?;
        give_handle(out, voicecb_options::default());
        Ok(())
    })
}

/// Frees an options handle. NULL is allowed.
///
/// # Safety
/// `opts` is NULL or a handle from `voicecb_options_new`, not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_options_free(opts: *mut voicecb_options) {
    unsafe { free_handle(opts) }
}

/// Sets a string option from a required C string.
unsafe fn set_str(
    opts: *mut voicecb_options,
    value: *const c_char,
    name: &'static str,
    err: *mut *mut voicecb_error,
    apply: impl FnOnce(&mut voicecb_options, String),
) -> voicecb_result {
    guard(err, || {
        let opts = unsafe { handle_mut(opts, "opts") }?;
        let value = unsafe { str_arg(value, name) }?;
        apply(opts, value.to_owned());
        Ok(())
    })
}

/// Sets a duration option given in milliseconds; 0 is refused.
unsafe fn set_millis(
    opts: *mut voicecb_options,
    ms: u32,
    name: &'static str,
    err: *mut *mut voicecb_error,
    apply: impl FnOnce(&mut voicecb_options, Duration),
) -> voicecb_result {
    guard(err, || {
        let opts = unsafe { handle_mut(opts, "opts") }?;
        if ms == 0 {
            return Err(Failure::from(Error::invalid(
                name,
                "must be greater than zero",
            )));
        }
        apply(opts, Duration::from_millis(ms.into()));
        Ok(())
    })
}

/// Sets the platform's address, `http[s]://host[:port]` with a port
/// 1-65535 when given (default
/// `https://rtccall.cn-north-1.myhuaweicloud.cn:443`). A path other than
/// "/" is refused unless `voicecb_options_set_allow_base_url_path` is
/// set. Checked by `voicecb_client_new`, which names "base_url".
///
/// # Safety
/// `opts` is a live handle; `url` a NUL-terminated string; `err` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_options_set_base_url(
    opts: *mut voicecb_options,
    url: *const c_char,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    unsafe { set_str(opts, url, "base_url", err, |o, v| o.base_url = Some(v)) }
}

/// Sets the time allowed for DNS, TCP and TLS set-up, in milliseconds
/// (default 5000). 0 is refused.
///
/// # Safety
/// `opts` is a live handle; `err` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_options_set_connect_timeout_ms(
    opts: *mut voicecb_options,
    ms: u32,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    unsafe {
        set_millis(opts, ms, "connect_timeout", err, |o, d| {
            o.connect_timeout = Some(d)
        })
    }
}

/// Sets the time allowed for a whole request, answer included, in
/// milliseconds (default 15000). 0 is refused.
///
/// # Safety
/// `opts` is a live handle; `err` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_options_set_timeout_ms(
    opts: *mut voicecb_options,
    ms: u32,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    unsafe { set_millis(opts, ms, "timeout", err, |o, d| o.timeout = Some(d)) }
}

/// Trusts the certificates of this PEM file instead of the built-in roots.
/// The file is read by `voicecb_client_new`.
///
/// # Safety
/// `opts` is a live handle; `path` a NUL-terminated string; `err` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_options_set_ca_file(
    opts: *mut voicecb_options,
    path: *const c_char,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    unsafe { set_str(opts, path, "ca_file", err, |o, v| o.ca_file = Some(v)) }
}

/// **Dangerous.** When `insecure` is true, skips every check of the
/// server's certificate: anyone on the path can read the calls and reuse
/// their signatures. For tests against a throwaway certificate only.
///
/// # Safety
/// `opts` is a live handle; `err` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_options_set_insecure_skip_verify(
    opts: *mut voicecb_options,
    insecure: bool,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    guard(err, || {
        unsafe { handle_mut(opts, "opts") }?.insecure_skip_verify = insecure;
        Ok(())
    })
}

/// Sends requests through this HTTP proxy, `http://host:port` or
/// `https://host:port`; other schemes (`socks5://`) and ports outside
/// 1-65535 are refused by `voicecb_client_new`, which names "proxy". Proxy
/// variables of the environment are never read.
///
/// # Safety
/// `opts` is a live handle; `url` a NUL-terminated string; `err` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_options_set_proxy(
    opts: *mut voicecb_options,
    url: *const c_char,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    unsafe { set_str(opts, url, "proxy", err, |o, v| o.proxy = Some(v)) }
}

/// Sets the `User-Agent` header (default "libvoicecb/<version>"). A
/// control character (CR, LF, ...) gives `VOICECB_ERR_INVALID_ARGUMENT`.
///
/// # Safety
/// `opts` is a live handle; `user_agent` a NUL-terminated string; `err` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_options_set_user_agent(
    opts: *mut voicecb_options,
    user_agent: *const c_char,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    guard(err, || {
        let opts = unsafe { handle_mut(opts, "opts") }?;
        let value = unsafe { str_arg(user_agent, "user_agent") }?;
        check_no_controls("user_agent", value)?;
        opts.user_agent = Some(value.to_owned());
        Ok(())
    })
}

/// When `encode` is true, a non-ASCII `userData` is Base64-encoded (with
/// the prefix "b64:") instead of refused. Off by default.
///
/// # Safety
/// `opts` is a live handle; `err` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_options_set_encode_non_ascii_user_data(
    opts: *mut voicecb_options,
    encode: bool,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    guard(err, || {
        unsafe { handle_mut(opts, "opts") }?.encode_non_ascii_user_data = encode;
        Ok(())
    })
}

/// Seconds to add to this host's clock when signing, for a host whose
/// clock is known to be off (the platform refuses with 1010013). At most
/// one day (86400) either way, checked by `voicecb_client_new`.
///
/// # Safety
/// `opts` is a live handle; `err` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_options_set_clock_offset_secs(
    opts: *mut voicecb_options,
    secs: i64,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    guard(err, || {
        unsafe { handle_mut(opts, "opts") }?.clock_offset_secs = secs;
        Ok(())
    })
}

/// When `allow` is true, a base URL with a path (`https://gw.example.com/voice`)
/// is accepted and the path is put in front of the API's paths. Off by
/// default: a pasted full endpoint URL would fail with 403/1010006 on
/// every call, so `voicecb_client_new` refuses a path unless this is set.
///
/// # Safety
/// `opts` is a live handle; `err` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_options_set_allow_base_url_path(
    opts: *mut voicecb_options,
    allow: bool,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    guard(err, || {
        unsafe { handle_mut(opts, "opts") }?.allow_base_url_path = allow;
        Ok(())
    })
}

/// Retries failed calls where that cannot place a call twice: a request
/// that never left (connecting failed), a refusal the catalogue marks
/// retry-safe, and callStop after a transport error or timeout. click2Call
/// is never re-sent once its request may have reached the platform.
/// `max_attempts` counts every try (1 to 10; 1 turns retries off); waits
/// grow from `initial_backoff_ms` to at most `max_backoff_ms` (60000 at
/// most), each with full jitter. Other values give
/// `VOICECB_ERR_INVALID_ARGUMENT` naming `retry.max_attempts`,
/// `retry.initial_backoff` or `retry.max_backoff`, and leave the options
/// as they were.
///
/// # Safety
/// `opts` is a live handle; `err` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_options_set_retry(
    opts: *mut voicecb_options,
    max_attempts: u32,
    initial_backoff_ms: u32,
    max_backoff_ms: u32,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    guard(err, || {
        let opts = unsafe { handle_mut(opts, "opts") }?;
        let policy = RetryPolicy {
            max_attempts,
            initial_backoff: Duration::from_millis(initial_backoff_ms.into()),
            max_backoff: Duration::from_millis(max_backoff_ms.into()),
        };
        policy.check()?;
        opts.retry = Some(policy);
        Ok(())
    })
}

/// Tells the library which interface the program uses, so that messages
/// name options as that interface spells them: "c" (the default),
/// "python", "go", "cli" or "rust". For wrappers; C programs need not call
/// it. Any other name gives `VOICECB_ERR_INVALID_ARGUMENT`.
///
/// # Safety
/// `opts` is a live handle; `name` a NUL-terminated string; `err` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_options_set_binding(
    opts: *mut voicecb_options,
    name: *const c_char,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    guard(err, || {
        let opts = unsafe { handle_mut(opts, "opts") }?;
        let name = unsafe { str_arg(name, "binding") }?;
        let binding = Binding::parse(name).ok_or_else(|| {
            let names: Vec<String> = Binding::ALL
                .iter()
                .map(|b| format!("{:?}", b.name()))
                .collect();
            Error::invalid(
                "binding",
                format!("must be one of {}, got {name:?}", names.join(", ")),
            )
        })?;
        opts.binding = Some(binding);
        Ok(())
    })
}

/// Calls `callback(event, userdata)` with every event of the calls of the
/// clients made with these options: one per try of a request and one when
/// a call ends (see `voicecb_event_callback` for when it runs, and the
/// `voicecb_event_*` getters). `userdata` is passed as given and never
/// read; since calls on several threads report concurrently, whatever it
/// points to must be safe to use from those threads. A NULL `callback`
/// turns events off (the default). Events never hold the app secret, a
/// digest, the `X-AKSK` header or a request body.
///
/// # Safety
/// `opts` is a live handle; `callback` is NULL or a function of that type
/// that stays callable while any client made with these options lives;
/// `err` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_options_set_event_callback(
    opts: *mut voicecb_options,
    callback: voicecb_event_callback,
    userdata: *mut std::ffi::c_void,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    guard(err, || {
        unsafe { handle_mut(opts, "opts") }?.event_hook = callback.map(|callback| Hook {
            callback,
            userdata: userdata as usize,
        });
        Ok(())
    })
}

/// When `mask` is true (the default), events show phone numbers as the
/// platform's documents print them, `+86138****0001`; false shows them
/// whole, for logs allowed to hold personal data.
///
/// # Safety
/// `opts` is a live handle; `err` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn voicecb_options_set_mask_numbers(
    opts: *mut voicecb_options,
    mask: bool,
    err: *mut *mut voicecb_error,
) -> voicecb_result {
    guard(err, || {
        unsafe { handle_mut(opts, "opts") }?.numbers_unmasked = !mask;
        Ok(())
    })
}
