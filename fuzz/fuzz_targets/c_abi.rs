//! Drives the exported C functions (`voicecb::ffi::*`) with arbitrary bytes,
//! as a C program would call them.
//!
//! The input is a little program: a sequence of operations, each an opcode
//! byte, a flags byte, then its arguments. A string argument is a length
//! byte and that many bytes, copied into a 256-byte buffer and
//! NUL-terminated INSIDE it: strings may be non-UTF-8 and may hold early
//! NULs, but never lack a terminator (that is the one thing the C ABI cannot
//! defend against). Flag bit 0 set passes `err` as NULL; the other bits make
//! pointer arguments NULL. Integers are little-endian; missing bytes read as 0.
//!
//! Checked on every call:
//! - the result is a known code, never VOICECB_ERR_PANIC, and the very code
//!   an independent model of the argument checks predicts (NULL, UTF-8,
//!   validation, catalogue look-ups through the Rust API);
//! - out-parameters are pre-filled with a sentinel: written (non-NULL) on
//!   VOICECB_OK, untouched otherwise;
//! - `*err` is untouched on success and a live error handle on failure
//!   whenever `err` is given; its getters agree with the code;
//! - `voicecb_client_new` agrees with `ClientBuilder::build` on the same
//!   settings (success, or the field at fault);
//! - everything is freed, and the leak checker of `cargo fuzz` (ASan/LSan)
//!   reports what is not.
//!
//! No network I/O can happen: a client is only ever made and freed, its base
//! URL forced to http://127.0.0.1:1; `voicecb_click2call_send` and
//! `voicecb_call_stop` are called with a NULL client only. A CA file is
//! never read from a path the input chose: before `voicecb_client_new` it is
//! replaced by a missing path, a file of input bytes, or a valid PEM file.
#![no_main]

use std::ffi::{CStr, c_char};
use std::path::PathBuf;
use std::ptr::{self, null, null_mut};
use std::sync::OnceLock;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use voicecb::client::{ClientBuilder, RetryPolicy};
use voicecb::codes::{self, Api, CodeInfo};
use voicecb::ffi::client::*;
use voicecb::ffi::codes::*;
use voicecb::ffi::error::*;
use voicecb::ffi::notify::*;
use voicecb::ffi::options::*;
use voicecb::ffi::request::*;
use voicecb::ffi::signing::voicecb_sign;
use voicecb::ffi::voicecb_result::{self, *};
use voicecb::ffi::{VOICECB_ABI_VERSION, voicecb_abi_version, voicecb_string_free, voicecb_version};

const MAX_OPS: usize = 64;
/// Opcodes are taken modulo this.
const OPS: u8 = 33;
const BUF: usize = 256;
const SAFE_BASE_URL: &CStr = c"http://127.0.0.1:1";
const MISSING_CA: &str = "/nonexistent-voicecb-fuzz/ca.pem";
static GOOD_CA: &[u8] = include_bytes!("../seeds/ca.pem");

// Sentinels for out-parameters: never dereferenced, only compared.
const ERR_SENTINEL: *mut voicecb_error = 0x10 as *mut voicecb_error;
const STR_SENTINEL: *mut c_char = 0x20 as *mut c_char;
const INFO_SENTINEL: *const CodeInfo = 0x30 as *const CodeInfo;
const OPTS_SENTINEL: *mut voicecb_options = 0x40 as *mut voicecb_options;
const CLIENT_SENTINEL: *mut voicecb_client = 0x50 as *mut voicecb_client;
const REQ_SENTINEL: *mut voicecb_click2call = 0x60 as *mut voicecb_click2call;
const I32_SENTINEL: i32 = -0x5eed;
const I64_SENTINEL: i64 = -0x5eed_5eed;

/// A C string argument: 256 bytes, NUL-terminated within.
struct CBuf([u8; BUF]);

impl CBuf {
    fn ptr(&self) -> *const c_char {
        self.0.as_ptr().cast()
    }
    fn bytes(&self) -> &[u8] {
        CStr::from_bytes_until_nul(&self.0).expect("NUL inside the buffer").to_bytes()
    }
}

/// An argument: NULL (None) or a C string.
type Arg = Option<CBuf>;

fn ptr_of(a: &Arg) -> *const c_char {
    a.as_ref().map_or(null(), CBuf::ptr)
}

/// What a string argument check gives: the text, or the code it fails with.
fn model_str(a: &Arg) -> Result<&str, voicecb_result> {
    let b = a.as_ref().ok_or(VOICECB_ERR_NULL_ARGUMENT)?;
    std::str::from_utf8(b.bytes()).map_err(|_| VOICECB_ERR_INVALID_UTF8)
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        let n = N.min(self.0.len());
        out[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        out
    }
    fn u8(&mut self) -> u8 {
        self.take::<1>()[0]
    }
    fn bool(&mut self) -> bool {
        self.u8() & 1 == 1
    }
    fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.take())
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.take())
    }
    fn i32(&mut self) -> i32 {
        i32::from_le_bytes(self.take())
    }
    fn i64(&mut self) -> i64 {
        i64::from_le_bytes(self.take())
    }
    fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.take())
    }
    /// A length byte, then up to 255 bytes, NUL-terminated in the buffer.
    fn cbuf(&mut self) -> CBuf {
        let len = usize::from(self.u8()).min(self.0.len()).min(BUF - 1);
        let mut buf = [0xA5u8; BUF];
        buf[..len].copy_from_slice(&self.0[..len]);
        buf[len] = 0;
        self.0 = &self.0[len..];
        CBuf(buf)
    }
    /// A string argument, NULL when `null` is set.
    fn arg(&mut self, null: bool) -> Arg {
        if null { None } else { Some(self.cbuf()) }
    }
    /// Up to 4 KiB of raw bytes (a CA file's content).
    fn blob(&mut self) -> Vec<u8> {
        let len = usize::from(self.u16() % 4096).min(self.0.len());
        let out = self.0[..len].to_vec();
        self.0 = &self.0[len..];
        out
    }
}

/// The error out-parameter of one call.
struct ErrOut {
    given: bool,
    slot: *mut voicecb_error,
}

impl ErrOut {
    fn new(flags: u8) -> ErrOut {
        ErrOut { given: flags & 1 == 0, slot: ERR_SENTINEL }
    }
    fn ptr(&mut self) -> *mut *mut voicecb_error {
        if self.given { &mut self.slot } else { null_mut() }
    }
    /// Checks the code against the model and the error handle against the
    /// code, then frees the handle. True on VOICECB_OK.
    fn check(self, what: &str, rc: voicecb_result, expected: voicecb_result) -> bool {
        self.check_field(what, rc, expected, None)
    }
    /// As `check`, and the error names `field` when that is given.
    fn check_field(self, what: &str, rc: voicecb_result, expected: voicecb_result, field: Option<&str>) -> bool {
        let code = rc as i32;
        assert!(known_code(code), "{what}: unknown result code {code}");
        assert_ne!(rc, VOICECB_ERR_PANIC, "{what}: a panic was caught at the boundary");
        assert_eq!(rc, expected, "{what}: returned {rc:?}, the model expected {expected:?}");
        if !self.given {
            return rc == VOICECB_OK;
        }
        if rc == VOICECB_OK {
            assert_eq!(self.slot, ERR_SENTINEL, "{what}: *err written on success");
            return true;
        }
        assert!(self.slot != ERR_SENTINEL && !self.slot.is_null(), "{what}: failed without an error handle");
        unsafe {
            inspect_error(what, self.slot, rc);
            if let Some(f) = field {
                assert_eq!(utf8(what, voicecb_error_field(self.slot)), f, "{what}: the C and Rust errors name other fields");
            }
            voicecb_error_free(self.slot);
        }
        false
    }
}

const UNKNOWN_CODE: &str = "unknown result code";

/// The codes the library knows: 0 up to the last with a text of its own.
/// Read from the library (codes are added over time, never renumbered),
/// and checked once: dense, each with its own text, PANIC among them.
fn known_code(code: i32) -> bool {
    static LAST: OnceLock<i32> = OnceLock::new();
    let last = *LAST.get_or_init(|| {
        let text = |c: i32| utf8("voicecb_result_str", voicecb_result_str(c)).to_owned();
        let last = (0..1000).take_while(|c| text(*c) != UNKNOWN_CODE).last().expect("code 0 has a text");
        let texts: std::collections::HashSet<String> = (0..=last).map(text).collect();
        assert_eq!(texts.len(), last as usize + 1, "two result codes share a text");
        assert!(last >= VOICECB_ERR_PANIC as i32);
        assert_eq!(text(-1), UNKNOWN_CODE);
        last
    });
    (0..=last).contains(&code)
}

fn utf8<'a>(what: &str, p: *const c_char) -> &'a str {
    assert!(!p.is_null(), "{what}: NULL string");
    unsafe { CStr::from_ptr(p) }.to_str().unwrap_or_else(|_| panic!("{what}: not UTF-8"))
}

unsafe fn inspect_error(what: &str, e: *mut voicecb_error, rc: voicecb_result) {
    unsafe {
        assert_eq!(voicecb_error_code(e), rc, "{what}: error handle has another code");
        let msg = utf8(what, voicecb_error_message(e));
        assert!(!msg.is_empty(), "{what}: empty message");
        let field = voicecb_error_field(e);
        let validation = matches!(rc, VOICECB_ERR_NULL_ARGUMENT | VOICECB_ERR_INVALID_UTF8 | VOICECB_ERR_INVALID_ARGUMENT);
        if validation {
            let f = utf8(what, field);
            assert!(!f.is_empty() && msg.contains(f), "{what}: message {msg:?} does not name field {f:?}");
            assert!(voicecb_error_request_not_sent(e), "{what}: validation error may have been sent");
        }
        // Nothing here reaches a server.
        assert_eq!(voicecb_error_http_status(e), 0, "{what}");
        assert!(voicecb_error_result_code(e).is_null(), "{what}");
        assert!(voicecb_error_result_desc(e).is_null(), "{what}");
        assert!(voicecb_error_code_info(e).is_null(), "{what}");
        let mut skew = I64_SENTINEL;
        assert_eq!(voicecb_error_clock_skew_secs(e, &mut skew), VOICECB_ERR_NOT_FOUND);
        assert_eq!(skew, I64_SENTINEL, "{what}: clock skew written on failure");
        assert_eq!(voicecb_error_clock_skew_secs(e, null_mut()), VOICECB_ERR_NULL_ARGUMENT);
    }
}

/// The settings stored in the options handle, as the Rust API takes them.
#[derive(Clone, Default)]
struct Shadow {
    base_url: Option<String>,
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    ca_file: Option<String>,
    insecure: bool,
    proxy: Option<String>,
    user_agent: Option<String>,
    encode: bool,
    clock_offset: i64,
    retry: Option<RetryPolicy>,
}

#[derive(Default)]
struct State {
    opts: Option<(*mut voicecb_options, Shadow)>,
    req: Option<*mut voicecb_click2call>,
    notif: Option<*mut voicecb_notification>,
}

impl State {
    /// The options handle to pass: the live one, or NULL when asked or none.
    fn opts(&mut self, null: bool) -> (*mut voicecb_options, Option<&mut Shadow>) {
        match (&mut self.opts, null) {
            (Some((p, s)), false) => (*p, Some(s)),
            _ => (null_mut(), None),
        }
    }
    fn req(&self, null: bool) -> *mut voicecb_click2call {
        if null { null_mut() } else { self.req.unwrap_or(null_mut()) }
    }
    fn free_opts(&mut self) {
        if let Some((p, _)) = self.opts.take() {
            unsafe { voicecb_options_free(p) }
        }
    }
    fn free_req(&mut self) {
        if let Some(p) = self.req.take() {
            unsafe { voicecb_click2call_free(p) }
        }
    }
    fn free_notif(&mut self) {
        if let Some(p) = self.notif.take() {
            unsafe { voicecb_notification_free(p) }
        }
    }
}

impl Drop for State {
    fn drop(&mut self) {
        self.free_opts();
        self.free_req();
        self.free_notif();
    }
}

fuzz_target!(|data: &[u8]| {
    let mut r = Reader(data);
    let mut st = State::default();
    for _ in 0..MAX_OPS {
        if r.0.is_empty() {
            break;
        }
        let op = r.u8();
        let flags = r.u8();
        let bit = |i: u32| flags & (1 << i) != 0;
        unsafe {
            match op % OPS {
                0 => sign(&mut r, flags),
                1 => code_lookup(&mut r, flags),
                2 => code_lookup_for(&mut r, flags),
                3 => code_at(&mut r),
                4 => {
                    let null_out = bit(1);
                    let mut out = OPTS_SENTINEL;
                    let rc = voicecb_options_new(if null_out { null_mut() } else { &mut out });
                    if null_out {
                        assert_eq!(rc, VOICECB_ERR_NULL_ARGUMENT);
                        assert_eq!(out, OPTS_SENTINEL);
                    } else {
                        assert_eq!(rc, VOICECB_OK);
                        assert!(out != OPTS_SENTINEL && !out.is_null());
                        st.free_opts();
                        st.opts = Some((out, Shadow::default()));
                    }
                }
                5 => st.free_opts(),
                6..=12 => set_option(&mut st, &mut r, op % OPS, flags),
                13 => {
                    let (opts, shadow) = st.opts(bit(1));
                    let v = r.bool();
                    let mut err = ErrOut::new(flags);
                    let rc = voicecb_options_set_encode_non_ascii_user_data(opts, v, err.ptr());
                    let expected = if opts.is_null() { VOICECB_ERR_NULL_ARGUMENT } else { VOICECB_OK };
                    if err.check("set_encode_non_ascii_user_data", rc, expected) {
                        shadow.unwrap().encode = v;
                    }
                }
                14 => {
                    let (opts, shadow) = st.opts(bit(1));
                    let v = r.i64();
                    let mut err = ErrOut::new(flags);
                    let rc = voicecb_options_set_clock_offset_secs(opts, v, err.ptr());
                    let expected = if opts.is_null() { VOICECB_ERR_NULL_ARGUMENT } else { VOICECB_OK };
                    if err.check("set_clock_offset_secs", rc, expected) {
                        shadow.unwrap().clock_offset = v;
                    }
                }
                15 => {
                    let (opts, shadow) = st.opts(bit(1));
                    let (attempts, initial, max) = (r.u32(), r.u32(), r.u32());
                    let mut err = ErrOut::new(flags);
                    let rc = voicecb_options_set_retry(opts, attempts, initial, max, err.ptr());
                    let expected = if opts.is_null() { VOICECB_ERR_NULL_ARGUMENT } else { VOICECB_OK };
                    if err.check("set_retry", rc, expected) {
                        shadow.unwrap().retry = Some(RetryPolicy {
                            max_attempts: attempts,
                            initial_backoff: Duration::from_millis(initial.into()),
                            max_backoff: Duration::from_millis(max.into()),
                        });
                    }
                }
                16 => client_new(&mut st, &mut r, flags),
                17 => {
                    let display = r.arg(bit(1));
                    let caller = r.arg(bit(2));
                    let callee = r.arg(bit(3));
                    let null_out = bit(4);
                    let mut out = REQ_SENTINEL;
                    let mut err = ErrOut::new(flags);
                    let rc = voicecb_click2call_new(
                        ptr_of(&display),
                        ptr_of(&caller),
                        ptr_of(&callee),
                        if null_out { null_mut() } else { &mut out },
                        err.ptr(),
                    );
                    let expected = model_str(&display)
                        .and(model_str(&caller))
                        .and(model_str(&callee))
                        .and(if null_out { Err(VOICECB_ERR_NULL_ARGUMENT) } else { Ok("") })
                        .map_or_else(|e| e, |_| VOICECB_OK);
                    if err.check("click2call_new", rc, expected) {
                        assert!(out != REQ_SENTINEL && !out.is_null());
                        st.free_req();
                        st.req = Some(out);
                    } else {
                        assert_eq!(out, REQ_SENTINEL, "click2call_new: *out written on failure");
                    }
                }
                18 => st.free_req(),
                19 => set_request_text(&mut st, &mut r, flags),
                20 => {
                    let req = st.req(bit(1));
                    let v = r.bool();
                    let which = r.u8() % 4;
                    let setter = [
                        voicecb_click2call_set_play_pre_voice,
                        voicecb_click2call_set_record_flag,
                        voicecb_click2call_set_party_type_required_in_disconnect,
                        voicecb_click2call_set_return_idle_port,
                    ][usize::from(which)];
                    let mut err = ErrOut::new(flags);
                    let rc = setter(req, v, err.ptr());
                    let expected = if req.is_null() { VOICECB_ERR_NULL_ARGUMENT } else { VOICECB_OK };
                    err.check("click2call flag setter", rc, expected);
                }
                21 => {
                    let req = st.req(bit(1));
                    let minutes = r.u32();
                    let mut err = ErrOut::new(flags);
                    let rc = voicecb_click2call_set_max_duration(req, minutes, err.ptr());
                    let expected = if req.is_null() { VOICECB_ERR_NULL_ARGUMENT } else { VOICECB_OK };
                    err.check("set_max_duration", rc, expected);
                }
                22 | 23 => {
                    let req = st.req(bit(1));
                    let v = r.i32();
                    let mut err = ErrOut::new(flags);
                    let (rc, name) = if op % OPS == 22 {
                        (voicecb_click2call_set_last_min_to_ue(req, v, err.ptr()), "set_last_min_to_ue")
                    } else {
                        (voicecb_click2call_set_callee_media(req, v, err.ptr()), "set_callee_media")
                    };
                    let expected = if req.is_null() {
                        VOICECB_ERR_NULL_ARGUMENT
                    } else if (1..=3).contains(&v) {
                        VOICECB_OK
                    } else {
                        VOICECB_ERR_INVALID_ARGUMENT
                    };
                    err.check(name, rc, expected);
                }
                24 => {
                    // Only ever with a NULL client: no network I/O.
                    let req = st.req(bit(1));
                    let null_sid = bit(2);
                    let null_idle = bit(3);
                    let timeout = r.u32();
                    let mut sid = STR_SENTINEL;
                    let mut idle = I32_SENTINEL;
                    let mut err = ErrOut::new(flags);
                    let rc = voicecb_click2call_send(
                        null(),
                        req,
                        timeout,
                        if null_sid { null_mut() } else { &mut sid },
                        if null_idle { null_mut() } else { &mut idle },
                        err.ptr(),
                    );
                    err.check("click2call_send(NULL client)", rc, VOICECB_ERR_NULL_ARGUMENT);
                    assert_eq!((sid, idle), (STR_SENTINEL, I32_SENTINEL), "send: out-parameters written on failure");
                }
                25 => {
                    let sid = r.arg(bit(1));
                    let timeout = r.u32();
                    let mut err = ErrOut::new(flags);
                    let rc = voicecb_call_stop(null(), ptr_of(&sid), timeout, err.ptr());
                    err.check("call_stop(NULL client)", rc, VOICECB_ERR_NULL_ARGUMENT);
                }
                26 => {
                    let code = r.i32();
                    let s = utf8("voicecb_result_str", voicecb_result_str(code));
                    assert_eq!(s == UNKNOWN_CODE, !known_code(code), "result_str({code}) = {s:?}");
                }
                27 => {
                    let c = r.i32();
                    let p = voicecb_category_name(c);
                    assert_eq!(p.is_null(), !(0..=8).contains(&c), "category_name({c})");
                    if !p.is_null() {
                        assert!(!utf8("category_name", p).is_empty());
                    }
                }
                28 => misc(),
                29 => notification_parse(&mut st, &mut r, flags),
                30 => notification_getters(&mut st, &mut r, flags),
                31 => st.free_notif(),
                _ => notification_verify(&mut r, flags),
            }
        }
    }
});

unsafe fn sign(r: &mut Reader, flags: u8) {
    let bit = |i: u32| flags & (1 << i) != 0;
    let key = r.arg(bit(1));
    let secret = r.arg(bit(2));
    let nonce = r.arg(bit(3));
    let created = r.arg(bit(4));
    let (null_auth, null_x) = (bit(5), bit(6));
    let mut auth = STR_SENTINEL;
    let mut x = STR_SENTINEL;
    let mut err = ErrOut::new(flags);
    let rc = unsafe {
        voicecb_sign(
            ptr_of(&key),
            ptr_of(&secret),
            ptr_of(&nonce),
            ptr_of(&created),
            if null_auth { null_mut() } else { &mut auth },
            if null_x { null_mut() } else { &mut x },
            err.ptr(),
        )
    };
    // The model: arguments in order; NULL nonce/created mean fresh ones.
    let expected = (|| {
        let k = model_str(&key)?;
        let s = model_str(&secret)?;
        let n = if nonce.is_none() { None } else { Some(model_str(&nonce)?) };
        let c = if created.is_none() { None } else { Some(model_str(&created)?) };
        if null_auth || null_x {
            return Err(VOICECB_ERR_NULL_ARGUMENT);
        }
        let header_safe = |s: &str| !s.is_empty() && !s.contains('"') && !s.chars().any(char::is_control);
        let nonce_ok = n.is_none_or(|n| (1..=128).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_alphanumeric()));
        let valid = header_safe(k) && c.is_none_or(header_safe) && !s.is_empty() && nonce_ok;
        if valid { Ok(()) } else { Err(VOICECB_ERR_INVALID_ARGUMENT) }
    })()
    .map_or_else(|e| e, |_| VOICECB_OK);
    if err.check("voicecb_sign", rc, expected) {
        assert!(auth != STR_SENTINEL && x != STR_SENTINEL, "sign: out-parameters not written");
        assert_eq!(utf8("authorization", auth), voicecb::signing::AUTHORIZATION);
        let xs = utf8("x_aksk", x);
        assert!(!xs.chars().any(char::is_control), "control character in X-AKSK {xs:?}");
        if let (Some(n), Some(c)) = (&nonce, &created) {
            let rust = voicecb::sign_with(
                model_str(&key).unwrap(),
                model_str(&secret).unwrap(),
                std::str::from_utf8(n.bytes()).unwrap(),
                std::str::from_utf8(c.bytes()).unwrap(),
            )
            .expect("the Rust API signs what the C ABI signed");
            assert_eq!(xs, rust.x_aksk, "C and Rust signatures differ");
        }
        unsafe {
            voicecb_string_free(auth);
            voicecb_string_free(x);
        }
    } else {
        assert_eq!((auth, x), (STR_SENTINEL, STR_SENTINEL), "sign: out-parameters written on failure");
    }
}

unsafe fn inspect_info(what: &str, info: *const CodeInfo) {
    assert!(!info.is_null() && info != INFO_SENTINEL, "{what}: no entry");
    assert!(codes::all().iter().any(|e| ptr::eq(e, info)), "{what}: not a catalogue entry");
    unsafe {
        let code = utf8(what, voicecb_code_info_code(info));
        assert_eq!(code, (*info).code());
        for p in [voicecb_code_info_en(info), voicecb_code_info_zh(info), voicecb_code_info_advice(info)] {
            assert!(!utf8(what, p).is_empty(), "{what}: empty text");
        }
        assert_eq!(voicecb_code_info_http_status(info), (*info).http_status());
        let cat = voicecb_code_info_category(info);
        assert!(!voicecb_category_name(cat).is_null(), "{what}: category {cat} has no name");
        assert_eq!(voicecb_code_info_retryable(info), (*info).retryable());
        assert!(
            voicecb_code_info_listed_for(info, VOICECB_API_CLICK2CALL)
                || voicecb_code_info_listed_for(info, VOICECB_API_CALL_STOP),
            "{what}: entry of no table"
        );
        assert!(!voicecb_code_info_listed_for(info, 0) && !voicecb_code_info_listed_for(info, 3));
    }
}

unsafe fn code_lookup(r: &mut Reader, flags: u8) {
    let status = r.u16();
    let code = r.arg(flags & 2 != 0);
    let null_out = flags & 4 != 0;
    let mut out = INFO_SENTINEL;
    let mut err = ErrOut::new(flags);
    let rc = unsafe { voicecb_code_lookup(status, ptr_of(&code), if null_out { null_mut() } else { &mut out }, err.ptr()) };
    let found = model_str(&code).ok().and_then(|c| codes::describe(status, c));
    let expected = match model_str(&code) {
        Err(e) => e,
        Ok(_) if null_out => VOICECB_ERR_NULL_ARGUMENT,
        Ok(_) if found.is_none() => VOICECB_ERR_NOT_FOUND,
        Ok(_) => VOICECB_OK,
    };
    if err.check("code_lookup", rc, expected) {
        assert!(ptr::eq(out, found.unwrap()), "code_lookup: another entry than describe()");
        unsafe { inspect_info("code_lookup", out) };
    } else {
        assert_eq!(out, INFO_SENTINEL, "code_lookup: *out written on failure");
    }
}

unsafe fn code_lookup_for(r: &mut Reader, flags: u8) {
    let api = match r.u8() % 4 {
        0 => VOICECB_API_CLICK2CALL,
        1 => VOICECB_API_CALL_STOP,
        _ => r.i32(),
    };
    let status = r.u16();
    let code = r.arg(flags & 2 != 0);
    let null_out = flags & 4 != 0;
    let mut out = INFO_SENTINEL;
    let mut err = ErrOut::new(flags);
    let rc = unsafe {
        voicecb_code_lookup_for(api, status, ptr_of(&code), if null_out { null_mut() } else { &mut out }, err.ptr())
    };
    let which = match api {
        VOICECB_API_CLICK2CALL => Some(Api::Click2Call),
        VOICECB_API_CALL_STOP => Some(Api::CallStop),
        _ => None,
    };
    let found = which.zip(model_str(&code).ok()).and_then(|(a, c)| codes::lookup(a, status, c));
    let expected = match (which, model_str(&code)) {
        (None, _) => VOICECB_ERR_INVALID_ARGUMENT,
        (_, Err(e)) => e,
        _ if null_out => VOICECB_ERR_NULL_ARGUMENT,
        _ if found.is_none() => VOICECB_ERR_NOT_FOUND,
        _ => VOICECB_OK,
    };
    if err.check("code_lookup_for", rc, expected) {
        assert!(ptr::eq(out, found.unwrap()), "code_lookup_for: another entry than lookup()");
        assert!(unsafe { voicecb_code_info_listed_for(out, api) }, "code_lookup_for: entry not listed for its API");
        unsafe { inspect_info("code_lookup_for", out) };
    } else {
        assert_eq!(out, INFO_SENTINEL, "code_lookup_for: *out written on failure");
    }
}

unsafe fn code_at(r: &mut Reader) {
    let n = voicecb_code_count();
    assert_eq!(n, codes::all().len());
    let raw = r.u64();
    let index = if raw & 1 == 0 { (raw >> 1) as usize % (n + 2) } else { raw as usize };
    let p = voicecb_code_at(index);
    assert_eq!(p.is_null(), index >= n, "code_at({index}) of {n}");
    if !p.is_null() {
        unsafe { inspect_info("code_at", p) };
    }
    unsafe {
        assert!(voicecb_code_info_code(null()).is_null());
        assert!(voicecb_code_info_en(null()).is_null());
        assert!(voicecb_code_info_zh(null()).is_null());
        assert!(voicecb_code_info_advice(null()).is_null());
        assert_eq!(voicecb_code_info_http_status(null()), 0);
        assert_eq!(voicecb_code_info_category(null()), -1);
        assert!(!voicecb_code_info_retryable(null()));
        assert!(!voicecb_code_info_listed_for(null(), VOICECB_API_CLICK2CALL));
    }
}

/// Ops 6-12: the string and duration setters of the options handle.
unsafe fn set_option(st: &mut State, r: &mut Reader, op: u8, flags: u8) {
    let (opts, shadow) = st.opts(flags & 2 != 0);
    let mut err = ErrOut::new(flags);
    match op {
        7 | 8 => {
            let ms = r.u32();
            let rc = unsafe {
                if op == 7 {
                    voicecb_options_set_connect_timeout_ms(opts, ms, err.ptr())
                } else {
                    voicecb_options_set_timeout_ms(opts, ms, err.ptr())
                }
            };
            let expected = match (opts.is_null(), ms) {
                (true, _) => VOICECB_ERR_NULL_ARGUMENT,
                (false, 0) => VOICECB_ERR_INVALID_ARGUMENT,
                _ => VOICECB_OK,
            };
            if err.check("set timeout", rc, expected) {
                let d = Some(Duration::from_millis(ms.into()));
                let s = shadow.unwrap();
                if op == 7 { s.connect_timeout = d } else { s.timeout = d }
            }
        }
        10 => {
            let v = r.bool();
            let rc = unsafe { voicecb_options_set_insecure_skip_verify(opts, v, err.ptr()) };
            let expected = if opts.is_null() { VOICECB_ERR_NULL_ARGUMENT } else { VOICECB_OK };
            if err.check("set_insecure_skip_verify", rc, expected) {
                shadow.unwrap().insecure = v;
            }
        }
        _ => {
            let value = r.arg(flags & 4 != 0);
            type Setter = unsafe extern "C" fn(*mut voicecb_options, *const c_char, *mut *mut voicecb_error) -> voicecb_result;
            let (setter, name): (Setter, &str) = match op {
                6 => (voicecb_options_set_base_url, "set_base_url"),
                9 => (voicecb_options_set_ca_file, "set_ca_file"),
                11 => (voicecb_options_set_proxy, "set_proxy"),
                _ => (voicecb_options_set_user_agent, "set_user_agent"),
            };
            let rc = unsafe { setter(opts, ptr_of(&value), err.ptr()) };
            let expected = if opts.is_null() {
                VOICECB_ERR_NULL_ARGUMENT
            } else {
                model_str(&value).map_or_else(|e| e, |_| VOICECB_OK)
            };
            if err.check(name, rc, expected) {
                let v = Some(model_str(&value).unwrap().to_owned());
                let s = shadow.unwrap();
                match op {
                    6 => s.base_url = v,
                    9 => s.ca_file = v,
                    11 => s.proxy = v,
                    _ => s.user_agent = v,
                }
            }
        }
    }
}

/// Where a CA file may be read from: never a path the input chose.
fn ca_path(choice: u8, content: &[u8]) -> String {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("voicecb-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("temp dir");
        std::fs::write(d.join("good.pem"), GOOD_CA).expect("write good.pem");
        d
    });
    match choice % 3 {
        0 => MISSING_CA.to_owned(),
        1 => {
            let p = dir.join("input.pem");
            std::fs::write(&p, content).expect("write input.pem");
            p.to_str().unwrap().to_owned()
        }
        _ => dir.join("good.pem").to_str().unwrap().to_owned(),
    }
}

unsafe fn client_new(st: &mut State, r: &mut Reader, flags: u8) {
    let bit = |i: u32| flags & (1 << i) != 0;
    let key = r.arg(bit(1));
    let secret = r.arg(bit(2));
    let null_out = bit(4);
    let ca_choice = r.u8();
    let ca_content = r.blob();
    let (opts, shadow) = st.opts(bit(3));
    // Never a real endpoint, never a CA path from the input.
    let mut shadow = shadow.map(|s| {
        let rc = unsafe { voicecb_options_set_base_url(opts, SAFE_BASE_URL.as_ptr(), null_mut()) };
        assert_eq!(rc, VOICECB_OK);
        s.base_url = Some(SAFE_BASE_URL.to_str().unwrap().to_owned());
        if s.ca_file.is_some() {
            let path = ca_path(ca_choice, &ca_content);
            let c = std::ffi::CString::new(path.clone()).unwrap();
            assert_eq!(unsafe { voicecb_options_set_ca_file(opts, c.as_ptr(), null_mut()) }, VOICECB_OK);
            s.ca_file = Some(path);
        }
        s.clone()
    });
    let mut out = CLIENT_SENTINEL;
    let mut err = ErrOut::new(flags);
    let rc = unsafe {
        voicecb_client_new(ptr_of(&key), ptr_of(&secret), opts, if null_out { null_mut() } else { &mut out }, err.ptr())
    };
    // The model: string arguments, the out-parameter, then the Rust builder.
    let mut field = None;
    let expected = (|| {
        let k = model_str(&key)?;
        let s = model_str(&secret)?;
        if null_out {
            return Err(VOICECB_ERR_NULL_ARGUMENT);
        }
        let mut b = ClientBuilder::new(k, s);
        if let Some(o) = shadow.take() {
            if let Some(v) = o.base_url { b = b.base_url(v) }
            if let Some(v) = o.connect_timeout { b = b.connect_timeout(v) }
            if let Some(v) = o.timeout { b = b.timeout(v) }
            if let Some(v) = o.ca_file { b = b.ca_file(v) }
            if let Some(v) = o.proxy { b = b.proxy(v) }
            if let Some(v) = o.user_agent { b = b.user_agent(v) }
            if let Some(v) = o.retry { b = b.retry(v) }
            b = b.insecure_skip_verify(o.insecure).encode_non_ascii_user_data(o.encode).clock_offset_secs(o.clock_offset);
        }
        match b.build() {
            Ok(_) => Ok(()),
            Err(e) => {
                field = Some(e.field().unwrap_or_else(|| panic!("ClientBuilder::build error without a field: {e}")).to_owned());
                Err(VOICECB_ERR_INVALID_ARGUMENT)
            }
        }
    })()
    .map_or_else(|e| e, |_| VOICECB_OK);
    if err.check_field("client_new", rc, expected, field.as_deref()) {
        assert!(out != CLIENT_SENTINEL && !out.is_null(), "client_new: *out not written");
        unsafe { voicecb_client_free(out) };
    } else {
        assert_eq!(out, CLIENT_SENTINEL, "client_new: *out written on failure");
    }
}

unsafe fn set_request_text(st: &mut State, r: &mut Reader, flags: u8) {
    type Setter = unsafe extern "C" fn(*mut voicecb_click2call, *const c_char, *mut *mut voicecb_error) -> voicecb_result;
    const SETTERS: [(Setter, &str); 8] = [
        (voicecb_click2call_set_display_callee_nbr, "set_display_callee_nbr"),
        (voicecb_click2call_set_last_min_voice, "set_last_min_voice"),
        (voicecb_click2call_set_pre_voice, "set_pre_voice"),
        (voicecb_click2call_set_wait_voice, "set_wait_voice"),
        (voicecb_click2call_set_status_url, "set_status_url"),
        (voicecb_click2call_set_fee_url, "set_fee_url"),
        (voicecb_click2call_set_record_hint_tone, "set_record_hint_tone"),
        (voicecb_click2call_set_user_data, "set_user_data"),
    ];
    let req = st.req(flags & 2 != 0);
    let (setter, name) = SETTERS[usize::from(r.u8() % 8)];
    let value = r.arg(flags & 4 != 0);
    let mut err = ErrOut::new(flags);
    let rc = unsafe { setter(req, ptr_of(&value), err.ptr()) };
    let expected = if req.is_null() {
        VOICECB_ERR_NULL_ARGUMENT
    } else {
        model_str(&value).map_or_else(|e| e, |_| VOICECB_OK)
    };
    err.check(name, rc, expected);
}

unsafe fn misc() {
    let v = utf8("version", voicecb_version());
    assert!(v.starts_with("libvoicecb/"), "{v}");
    assert_eq!(voicecb_abi_version(), VOICECB_ABI_VERSION);
    unsafe {
        voicecb_string_free(null_mut());
        voicecb_error_free(null_mut());
        voicecb_options_free(null_mut());
        voicecb_client_free(null_mut());
        voicecb_click2call_free(null_mut());
        assert_eq!(voicecb_error_code(null()), VOICECB_ERR_NULL_ARGUMENT);
        assert!(voicecb_error_message(null()).is_null());
        assert!(voicecb_error_field(null()).is_null());
        assert_eq!(voicecb_error_http_status(null()), 0);
        assert!(voicecb_error_result_code(null()).is_null());
        assert!(voicecb_error_result_desc(null()).is_null());
        assert!(voicecb_error_code_info(null()).is_null());
        assert!(!voicecb_error_request_not_sent(null()));
        let mut skew = I64_SENTINEL;
        assert_eq!(voicecb_error_clock_skew_secs(null(), &mut skew), VOICECB_ERR_NULL_ARGUMENT);
        assert_eq!(skew, I64_SENTINEL);
    }
}

unsafe fn notification_parse(st: &mut State, r: &mut Reader, flags: u8) {
    let bit = |i: u32| flags & (1 << i) != 0;
    let body = r.blob();
    let (null_body, null_out, zero_len) = (bit(1), bit(2), bit(3));
    let len = if zero_len { 0 } else { body.len() };
    let mut out: *mut voicecb_notification = 0x70 as *mut voicecb_notification;
    let sentinel = out;
    let mut err = ErrOut::new(flags);
    let rc = unsafe {
        voicecb_notification_parse(
            if null_body { null() } else { body.as_ptr() },
            len,
            if null_out { null_mut() } else { &mut out },
            err.ptr(),
        )
    };
    let seen: &[u8] = if null_body { &[] } else { &body[..len] };
    let expected = if null_body && len > 0 || null_out {
        VOICECB_ERR_NULL_ARGUMENT
    } else {
        match voicecb::notify::parse(seen) {
            Ok(_) => VOICECB_OK,
            Err(e) => {
                assert_eq!(e.kind(), voicecb::ErrorKind::BadNotification, "{e}");
                VOICECB_ERR_BAD_NOTIFICATION
            }
        }
    };
    if err.check("notification_parse", rc, expected) {
        assert!(out != sentinel && !out.is_null(), "notification_parse: *out not written");
        st.free_notif();
        st.notif = Some(out);
    } else {
        assert_eq!(out, sentinel, "notification_parse: *out written on failure");
    }
}

unsafe fn notification_getters(st: &mut State, r: &mut Reader, flags: u8) {
    let bit = |i: u32| flags & (1 << i) != 0;
    let n = if bit(1) { null_mut() } else { st.notif.unwrap_or(null_mut()) };
    let field = r.arg(bit(2));
    let index = usize::from(r.u8());
    unsafe {
        let ty = voicecb_notification_type(n);
        assert_eq!(ty == 0, n.is_null(), "notification_type {ty}");
        assert!((0..=3).contains(&ty));
        let et = voicecb_notification_event_type(n);
        assert_eq!(et.is_null(), n.is_null());
        if !et.is_null() {
            assert!(!utf8("event_type", et).is_empty());
        }
        let kind = voicecb_notification_status_kind(n);
        assert_eq!(kind != 0, ty == VOICECB_NOTIFICATION_STATUS, "status_kind {kind} of type {ty}");
        assert!((0..=5).contains(&kind));
        let v = voicecb_notification_get(n, ptr_of(&field));
        if !v.is_null() {
            utf8("notification_get", v);
            assert_eq!(ty, VOICECB_NOTIFICATION_STATUS, "a field of a push that is not a status event");
        }
        let mut code = I64_SENTINEL;
        let rc = voicecb_notification_state_code(n, if bit(3) { null_mut() } else { &mut code });
        let expected_null = n.is_null() || bit(3);
        match rc {
            VOICECB_OK => assert!(!expected_null && ty == VOICECB_NOTIFICATION_STATUS),
            VOICECB_ERR_NULL_ARGUMENT => assert!(expected_null),
            VOICECB_ERR_NOT_FOUND => assert!(!expected_null),
            other => panic!("notification_state_code returned {other:?}"),
        }
        if rc != VOICECB_OK {
            assert_eq!(code, I64_SENTINEL, "state_code: *out written on failure");
        }
        let count = voicecb_notification_record_count(n);
        if ty == VOICECB_NOTIFICATION_BILL {
            assert!((1..=50).contains(&count), "a bill of {count} records");
        } else {
            assert_eq!(count, 0);
        }
        let v = voicecb_notification_record_get(n, index, ptr_of(&field));
        if !v.is_null() {
            utf8("record_get", v);
            assert!(index < count, "record_get past the end");
        }
        let raw = voicecb_notification_raw_json(n);
        assert_eq!(raw.is_null(), n.is_null());
        if !raw.is_null() {
            utf8("raw_json", raw);
        }
        let fields = voicecb_notification_field_count(n);
        if ty != VOICECB_NOTIFICATION_STATUS {
            assert_eq!(fields, 0);
        }
        let name = voicecb_notification_field_name(n, index);
        assert_eq!(name.is_null(), index >= fields, "field_name({index}) of {fields}");
        if !name.is_null() {
            let name = utf8("field_name", name);
            let c = std::ffi::CString::new(name).expect("a listed name has no NUL");
            assert!(!voicecb_notification_get(n, c.as_ptr()).is_null(), "listed field {name:?} has no value");
        }
        let record = usize::from(r.u8());
        let rec_fields = voicecb_notification_record_field_count(n, record);
        if record >= count {
            assert_eq!(rec_fields, 0);
        }
        let name = voicecb_notification_record_field_name(n, record, index);
        assert_eq!(name.is_null(), index >= rec_fields, "record_field_name({record}, {index}) of {rec_fields}");
        if !name.is_null() {
            utf8("record_field_name", name);
        }
        let rec_json = voicecb_notification_record_raw_json(n, record);
        assert_eq!(rec_json.is_null(), record >= count);
        if !rec_json.is_null() {
            utf8("record_raw_json", rec_json);
        }
        let mut secs = I64_SENTINEL;
        let mut err = ErrOut::new(flags);
        let null_out = bit(4);
        let rc = voicecb_notification_time(n, if null_out { null_mut() } else { &mut secs }, err.ptr());
        let expected = if n.is_null() || null_out {
            VOICECB_ERR_NULL_ARGUMENT
        } else if rc == VOICECB_OK {
            VOICECB_OK
        } else if ty == VOICECB_NOTIFICATION_STATUS && rc == VOICECB_ERR_BAD_NOTIFICATION {
            rc
        } else {
            VOICECB_ERR_NOT_FOUND
        };
        if err.check("notification_time", rc, expected) {
            assert_eq!(ty, VOICECB_NOTIFICATION_STATUS);
        } else {
            assert_eq!(secs, I64_SENTINEL, "time: *unix_secs written on failure");
        }
    }
}

unsafe fn notification_verify(r: &mut Reader, flags: u8) {
    let bit = |i: u32| flags & (1 << i) != 0;
    let key = r.arg(bit(1));
    let secret = r.arg(bit(2));
    let url = r.arg(bit(3));
    let auth = r.arg(bit(4));
    let x = r.arg(bit(5));
    let window = r.u32();
    let mut err = ErrOut::new(flags);
    let rc = unsafe {
        voicecb_notification_verify(ptr_of(&key), ptr_of(&secret), ptr_of(&url), ptr_of(&auth), ptr_of(&x), window, err.ptr())
    };
    // The argument checks are modelled exactly; past them, the outcome
    // depends on the clock, so only its kind is checked.
    let expected = (|| {
        let k = model_str(&key)?;
        let s = model_str(&secret)?;
        let u = model_str(&url)?;
        if auth.is_some() {
            model_str(&auth)?;
        }
        if x.is_some() {
            model_str(&x)?;
        }
        if k.is_empty() || s.is_empty() || u.is_empty() {
            return Err(VOICECB_ERR_INVALID_ARGUMENT);
        }
        Ok(())
    })();
    let expected = match expected {
        Err(e) => e,
        Ok(()) if rc == VOICECB_OK => VOICECB_OK,
        Ok(()) => VOICECB_ERR_BAD_SIGNATURE,
    };
    err.check("notification_verify", rc, expected);
}
