#![warn(missing_docs)]
//! libvoicecb: a client for the voice-callback ("click to call") REST API,
//! and for the platform's voice notification, voice verification code and
//! recording download URL APIs.
//!
//! ```no_run
//! let client = voicecb::Client::builder("app-key", "app-secret").build()?;
//! let call = client.click2call(&voicecb::Click2Call::new("+8675512345678", "+8613800000001", "+8613800000002"))?;
//! client.call_stop(&call.session_id)?;
//! # Ok::<(), voicecb::Error>(())
//! ```
//!
//! The same functions are exported to C by the [`ffi`] module.

pub mod callnotify;
pub mod callverify;
pub mod check;
pub mod client;
pub mod codes;
pub mod env;
pub mod error;
pub mod events;
pub mod notify;
pub mod record;
pub mod request;
mod resolver;
pub mod response;
mod secret;
pub mod signing;
mod transport;

pub mod ffi;

pub use callnotify::{CallNotify, PlayInfo};
pub use callverify::CallVerify;
pub use check::{CheckReport, Verdict};
pub use client::{Binding, Client, ClientBuilder, RetryPolicy};
pub use codes::{Api, Category, CodeInfo};
pub use error::{Error, ErrorKind, TimeoutLimit};
pub use events::{Event, EventKind, Outcome};
pub use notify::{
    Bill, BillRecord, DigestForm, Notification, SignerClock, StatusEvent, StatusKind, VerifyOptions,
};
pub use record::RecordLocation;
pub use request::{CalleeMedia, Click2Call, LastMinToUe};
pub use response::CallResult;
pub use signing::{AuthHeaders, sign_with};
