//! The C ABI of the shipped `libvoicecb.so`, loaded with dlopen, so that
//! C ABI calls and the raw client can alternate in one process (paired
//! measurements). The calls are those of a C program: a client, one
//! request built once, `voicecb_click2call_send`, `voicecb_string_free`.

use std::ffi::{CStr, CString, c_char, c_void};
use std::ptr::null_mut;

use crate::util::{CALLEE, CALLER, DISPLAY, Env};

type OptionsNew = unsafe extern "C" fn(*mut *mut c_void) -> i32;
type OptionsSetBaseUrl = unsafe extern "C" fn(*mut c_void, *const c_char, *mut *mut c_void) -> i32;
type OptionsFree = unsafe extern "C" fn(*mut c_void);
type ClientNew = unsafe extern "C" fn(
    *const c_char,
    *const c_char,
    *const c_void,
    *mut *mut c_void,
    *mut *mut c_void,
) -> i32;
type RequestNew = unsafe extern "C" fn(
    *const c_char,
    *const c_char,
    *const c_char,
    *mut *mut c_void,
    *mut *mut c_void,
) -> i32;
type Send = unsafe extern "C" fn(
    *const c_void,
    *const c_void,
    u32,
    *mut *mut c_char,
    *mut i32,
    *mut *mut c_void,
) -> i32;
type Sign = unsafe extern "C" fn(
    *const c_char,
    *const c_char,
    *const c_char,
    *const c_char,
    *mut *mut c_char,
    *mut *mut c_char,
    *mut *mut c_void,
) -> i32;
type StringFree = unsafe extern "C" fn(*mut c_char);
type ErrorFree = unsafe extern "C" fn(*mut c_void);
type ErrorMessage = unsafe extern "C" fn(*const c_void) -> *const c_char;

pub struct Lib {
    options_new: OptionsNew,
    options_set_base_url: OptionsSetBaseUrl,
    options_free: OptionsFree,
    client_new: ClientNew,
    request_new: RequestNew,
    send: Send,
    sign: Sign,
    string_free: StringFree,
    error_free: ErrorFree,
    error_message: ErrorMessage,
}

/// A `voicecb_client *` (the ABI lets any number of threads share one).
pub struct Client(*mut c_void);
// SAFETY: the C ABI documents a client as usable from any thread at once.
unsafe impl std::marker::Send for Client {}
unsafe impl Sync for Client {}

/// A built `voicecb_click2call *` (sendable by many threads once built).
pub struct Request(*mut c_void);
// SAFETY: the C ABI documents a built request as sendable from any thread.
unsafe impl std::marker::Send for Request {}
unsafe impl Sync for Request {}

impl Lib {
    /// Loads the library named by VOICECB_BENCH_LIB (bench/run.py sets it
    /// to target/release/libvoicecb.so), by default that file.
    pub fn open() -> Lib {
        let path = std::env::var("VOICECB_BENCH_LIB")
            .unwrap_or_else(|_| "target/release/libvoicecb.so".into());
        Lib::open_path(path)
    }

    /// Loads the second build named by VOICECB_BENCH_LIB_B (variant
    /// `cabi-b`), so that a change to the library is measured before and
    /// after in one process, paired. No default: the same file twice would
    /// compare a build with itself without saying so.
    pub fn open_b() -> Lib {
        match std::env::var("VOICECB_BENCH_LIB_B") {
            Ok(path) if !path.is_empty() => Lib::open_path(path),
            _ => panic!(
                "variant cabi-b needs VOICECB_BENCH_LIB_B: the path of another build's libvoicecb.so \
                 (copy it aside before rebuilding; glibc loads one file once)"
            ),
        }
    }

    fn open_path(path: String) -> Lib {
        let cpath = CString::new(path.clone()).unwrap();
        // SAFETY: dlopen/dlsym with NUL-terminated names; the symbols have
        // the types of include/voicecb.h.
        unsafe {
            let h = libc::dlopen(cpath.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL);
            assert!(!h.is_null(), "dlopen {path} failed");
            let sym = |name: &str| {
                let n = CString::new(name).unwrap();
                let p = libc::dlsym(h, n.as_ptr());
                assert!(!p.is_null(), "{name} not found in {path}");
                p
            };
            Lib {
                options_new: std::mem::transmute::<*mut c_void, OptionsNew>(sym(
                    "voicecb_options_new",
                )),
                options_set_base_url: std::mem::transmute::<*mut c_void, OptionsSetBaseUrl>(sym(
                    "voicecb_options_set_base_url",
                )),
                options_free: std::mem::transmute::<*mut c_void, OptionsFree>(sym(
                    "voicecb_options_free",
                )),
                client_new: std::mem::transmute::<*mut c_void, ClientNew>(sym(
                    "voicecb_client_new",
                )),
                request_new: std::mem::transmute::<*mut c_void, RequestNew>(sym(
                    "voicecb_click2call_new",
                )),
                send: std::mem::transmute::<*mut c_void, Send>(sym("voicecb_click2call_send")),
                sign: std::mem::transmute::<*mut c_void, Sign>(sym("voicecb_sign")),
                string_free: std::mem::transmute::<*mut c_void, StringFree>(sym(
                    "voicecb_string_free",
                )),
                error_free: std::mem::transmute::<*mut c_void, ErrorFree>(sym(
                    "voicecb_error_free",
                )),
                error_message: std::mem::transmute::<*mut c_void, ErrorMessage>(sym(
                    "voicecb_error_message",
                )),
            }
        }
    }

    pub fn client(&self, env: &Env) -> Client {
        let url = CString::new(env.base_url.clone()).unwrap();
        let key = CString::new(env.app_key.clone()).unwrap();
        let secret = CString::new(env.app_secret.clone()).unwrap();
        // SAFETY: the calls of include/voicecb.h with valid pointers.
        unsafe {
            let mut opts = null_mut();
            assert_eq!((self.options_new)(&mut opts), 0);
            assert_eq!(
                (self.options_set_base_url)(opts, url.as_ptr(), null_mut()),
                0
            );
            let mut client = null_mut();
            assert_eq!(
                (self.client_new)(key.as_ptr(), secret.as_ptr(), opts, &mut client, null_mut()),
                0
            );
            (self.options_free)(opts);
            Client(client)
        }
    }

    pub fn request(&self) -> Request {
        let (d, a, b) = (
            CString::new(DISPLAY).unwrap(),
            CString::new(CALLER).unwrap(),
            CString::new(CALLEE).unwrap(),
        );
        let mut req = null_mut();
        // SAFETY: as above.
        unsafe {
            assert_eq!(
                (self.request_new)(d.as_ptr(), a.as_ptr(), b.as_ptr(), &mut req, null_mut()),
                0
            )
        };
        Request(req)
    }

    /// One `voicecb_sign` as a C program makes it, both strings freed:
    /// with the given nonce and Created, or (NULL, NULL) a fresh nonce and
    /// the time now. Panics on failure (the arguments are valid).
    pub fn sign(&self, key: &CStr, secret: &CStr, given: Option<(&CStr, &CStr)>) {
        let (nonce, created) = given.map_or((std::ptr::null(), std::ptr::null()), |(n, c)| {
            (n.as_ptr(), c.as_ptr())
        });
        let (mut auth, mut x) = (null_mut(), null_mut());
        // SAFETY: NUL-terminated strings or NULL where the ABI allows it;
        // the out-pointers are ours and freed as the ABI says.
        unsafe {
            let rc = (self.sign)(
                key.as_ptr(),
                secret.as_ptr(),
                nonce,
                created,
                &mut auth,
                &mut x,
                null_mut(),
            );
            assert_eq!(rc, 0, "voicecb_sign failed");
            (self.string_free)(auth);
            (self.string_free)(x);
        }
    }

    /// One `voicecb_click2call_send`; true on success.
    pub fn call(&self, client: &Client, req: &Request) -> bool {
        let mut sid = null_mut();
        let mut err = null_mut();
        // SAFETY: live handles; the out-pointers are ours.
        unsafe {
            if (self.send)(client.0, req.0, 0, &mut sid, null_mut(), &mut err) == 0 {
                (self.string_free)(sid);
                true
            } else {
                eprintln!(
                    "voicecb_click2call_send: {}",
                    CStr::from_ptr((self.error_message)(err)).to_string_lossy()
                );
                (self.error_free)(err);
                false
            }
        }
    }
}
