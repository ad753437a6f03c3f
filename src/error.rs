//! The one error type of the library.

use std::fmt;

use crate::codes::{Api, CodeInfo};

/// What went wrong, coarsely: the C ABI's result codes and the wrappers'
/// exception classes map one-to-one onto these.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// A value given to the library broke a rule; nothing was sent.
    /// [`Error::field`] names the field.
    InvalidArgument,
    /// The connection could not be made or broke: refused, DNS, reset, proxy.
    Transport,
    /// The connect timeout or the whole-request timeout ran out.
    Timeout,
    /// The TLS handshake failed: untrusted or expired certificate, wrong host name.
    Tls,
    /// The server answered, but not with the JSON the API defines.
    BadResponse,
    /// The platform answered and refused: a `resultcode` other than "0", or a
    /// non-2xx status.
    Platform,
    /// A pushed notification (call status or bill) is not what the API
    /// defines: not JSON, no `eventType`, a field of an impossible type,
    /// too large. The message names what is wrong.
    BadNotification,
    /// A pushed notification's `Authorization`/`X-AKSK` headers did not
    /// verify. The message names the check that failed, never a digest.
    BadSignature,
}

/// Which configured limit ran out, for an [`ErrorKind::Timeout`]: what a
/// caller that derived a per-call limit from its own deadline needs to know
/// whether its deadline was the cause, without comparing clocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimeoutLimit {
    /// The client's connect timeout (resolving, connecting, TLS set-up).
    Connect,
    /// The client's request timeout (one whole request, answer included).
    Request,
    /// The per-call timeout given to a `*_within` call (C: `timeout_ms`),
    /// which bounds the whole call, retries and waits included.
    Call,
}

impl TimeoutLimit {
    /// A short lower-case name, stable for logs and the wrappers:
    /// "connect", "request" or "call".
    pub fn name(self) -> &'static str {
        crate::codes::as_str(self.c_name())
    }

    /// [`name`](TimeoutLimit::name) as a C string, for the C ABI.
    pub(crate) fn c_name(self) -> &'static std::ffi::CStr {
        match self {
            TimeoutLimit::Connect => c"connect",
            TimeoutLimit::Request => c"request",
            TimeoutLimit::Call => c"call",
        }
    }
}

impl ErrorKind {
    /// A short lower-case name, stable for logs and JSON.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::InvalidArgument => "invalid_argument",
            ErrorKind::Transport => "transport",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Tls => "tls",
            ErrorKind::BadResponse => "bad_response",
            ErrorKind::Platform => "platform",
            ErrorKind::BadNotification => "bad_notification",
            ErrorKind::BadSignature => "bad_signature",
        }
    }
}

/// An error from the library. Its texts never contain the app secret or a
/// digest: they are built only from the field names, rules, the platform's
/// answer and the transport's own message.
#[derive(Clone, Debug)]
pub struct Error(Box<Details>);

/// Boxed: an error is rare, and a one-pointer `Error` keeps every
/// `Result<T, Error>` small.
#[derive(Clone, Debug)]
struct Details {
    kind: ErrorKind,
    message: String,
    field: Option<std::borrow::Cow<'static, str>>,
    rule: Option<String>,
    http_status: Option<u16>,
    result_code: Option<String>,
    result_desc: Option<String>,
    info: Option<&'static CodeInfo>,
    not_sent: bool,
    clock_skew_secs: Option<i64>,
    timeout_limit: Option<TimeoutLimit>,
    session_id: Option<String>,
    attempts: u32,
    elapsed: std::time::Duration,
}

impl Details {
    fn bare(kind: ErrorKind) -> Details {
        Details {
            kind,
            message: String::new(),
            field: None,
            rule: None,
            http_status: None,
            result_code: None,
            result_desc: None,
            info: None,
            not_sent: false,
            clock_skew_secs: None,
            timeout_limit: None,
            session_id: None,
            attempts: 0,
            elapsed: std::time::Duration::ZERO,
        }
    }
}

impl Error {
    /// A validation error: `field` broke `rule`.
    pub(crate) fn invalid(field: &'static str, rule: impl Into<String>) -> Error {
        Error::invalid_at(field, rule)
    }

    /// A validation error of a field whose name is built, with its index
    /// (`playInfoList[2].templateId`).
    pub(crate) fn invalid_at(
        field: impl Into<std::borrow::Cow<'static, str>>,
        rule: impl Into<String>,
    ) -> Error {
        let field = field.into();
        let rule = rule.into();
        Error(Box::new(Details {
            kind: ErrorKind::InvalidArgument,
            message: format!("invalid {field}: {rule}"),
            field: Some(field),
            rule: Some(rule),
            not_sent: true,
            ..Details::bare(ErrorKind::InvalidArgument)
        }))
    }

    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error(Box::new(Details {
            message: message.into(),
            ..Details::bare(kind)
        }))
    }

    pub(crate) fn bad_response(http_status: u16, what: &str, body: &[u8]) -> Error {
        Error(Box::new(Details {
            message: format!(
                "bad response (HTTP {http_status}): {what}; body starts: {}",
                excerpt(body)
            ),
            http_status: Some(http_status),
            ..Details::bare(ErrorKind::BadResponse)
        }))
    }

    pub(crate) fn platform(
        api: Api,
        http_status: u16,
        result_code: String,
        result_desc: String,
    ) -> Error {
        // Another API's own rows (the notification's template codes) do
        // not describe a refusal: only its own table and click2Call's and
        // callStop's, which the other APIs are expected to share.
        let info = crate::codes::lookup(api, http_status, &result_code)
            .or_else(|| crate::codes::lookup(Api::Click2Call, http_status, &result_code))
            .or_else(|| crate::codes::lookup(Api::CallStop, http_status, &result_code));
        // The platform's own text goes into the message escaped, as body
        // excerpts do, so that it cannot split a log line.
        let mut message = format!(
            "platform refused (HTTP {http_status}, resultcode {}): {}",
            crate::response::escape_controls(&result_code),
            crate::response::escape_controls(&result_desc)
        );
        match info {
            Some(info) => {
                // The platform usually sends the catalogue's own English text.
                if info.en().trim_end_matches('.') != result_desc.trim().trim_end_matches('.') {
                    message.push_str(" -- ");
                    message.push_str(info.en());
                }
                message.push_str(" advice: ");
                message.push_str(info.advice());
                if let Some(more) = known_cause(http_status, info.code()) {
                    message.push(' ');
                    message.push_str(more);
                }
            }
            None => {
                message.push_str(" -- code not in the catalogue; see the platform's documentation")
            }
        }
        Error(Box::new(Details {
            message,
            http_status: Some(http_status),
            result_code: Some(result_code),
            result_desc: Some(result_desc),
            info,
            ..Details::bare(ErrorKind::Platform)
        }))
    }

    /// A transport failure that happened before any byte of the request
    /// left: connecting, resolving or the TLS handshake failed.
    pub(crate) fn before_sending(mut self) -> Error {
        self.0.not_sent = true;
        self
    }

    /// Notes how many tries a call made and how long it took in all.
    pub(crate) fn with_tally(mut self, attempts: u32, elapsed: std::time::Duration) -> Error {
        self.0.attempts = attempts;
        self.0.elapsed = elapsed;
        self
    }

    /// Notes which limit ran out, for a timeout.
    pub(crate) fn with_timeout_limit(mut self, limit: TimeoutLimit) -> Error {
        self.0.timeout_limit = Some(limit);
        self
    }

    /// Notes the `sessionId` the answer held: a call may have been placed.
    /// `id` is already escaped when it had control characters.
    pub(crate) fn with_session_id(mut self, id: String) -> Error {
        self.0.session_id = Some(id);
        self
    }

    /// Adds what the library knows about a refusal beyond the catalogue.
    pub(crate) fn with_note(mut self, note: &str) -> Error {
        self.0.message.push_str(" -- ");
        self.0.message.push_str(note);
        self
    }

    /// Notes that the platform's clock differs from this host's by `skew`
    /// seconds (platform minus host), as its `Date` header showed.
    pub(crate) fn with_clock_skew(mut self, skew: i64, clock_offset_secs: i64) -> Error {
        self.0.message.push_str(" -- ");
        self.0
            .message
            .push_str(&clock_refusal_advice(skew, clock_offset_secs));
        self.0.clock_skew_secs = Some(skew);
        self
    }

    /// A notification body that cannot be read: `what` says why (it names
    /// the field, never echoes a secret; bodies carry none).
    pub(crate) fn bad_notification(what: impl Into<String>) -> Error {
        Error(Box::new(Details {
            message: format!("bad notification: {}", what.into()),
            ..Details::bare(ErrorKind::BadNotification)
        }))
    }

    /// A notification signature that did not verify: `check` names the
    /// check that failed. Never pass it a digest or the secret.
    pub(crate) fn bad_signature(check: impl Into<String>) -> Error {
        Error(Box::new(Details {
            message: format!("bad notification signature: {}", check.into()),
            ..Details::bare(ErrorKind::BadSignature)
        }))
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The whole message: what happened and, where known, what to do.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// For [`ErrorKind::InvalidArgument`]: the field that broke a rule, named
    /// as in the API (`displayNbr`, `maxDuration`, ...) or as the argument
    /// (`app_key`, `base_url`, ...), with the index of a list's item
    /// (`playInfoList[2].templateId`).
    pub fn field(&self) -> Option<&str> {
        self.0.field.as_deref()
    }

    /// For [`ErrorKind::InvalidArgument`]: the rule the field broke, without
    /// the field's name ("must be 0 to 1440 minutes, got 5000"), for a
    /// wrapper that names the field its own way.
    pub fn rule(&self) -> Option<&str> {
        self.0.rule.as_deref()
    }

    /// The HTTP status of the answer, when there was one.
    pub fn http_status(&self) -> Option<u16> {
        self.0.http_status
    }

    /// The platform's `resultcode`, when it sent one.
    pub fn result_code(&self) -> Option<&str> {
        self.0.result_code.as_deref()
    }

    /// The platform's `resultdesc`, when it sent one.
    pub fn result_desc(&self) -> Option<&str> {
        self.0.result_desc.as_deref()
    }

    /// The catalogue's entry for the platform's (HTTP status, resultcode),
    /// when the catalogue knows it.
    pub fn code_info(&self) -> Option<&'static CodeInfo> {
        self.0.info
    }

    /// True when the platform's answer proves the call was not placed and
    /// the same request may be sent again later.
    pub fn retryable(&self) -> bool {
        self.0.info.is_some_and(|i| i.retryable())
    }

    /// True when the library knows that no byte of the request reached the
    /// network: a validation error, or a connection that could not be made.
    /// False means the request may have reached the platform.
    pub fn request_not_sent(&self) -> bool {
        self.0.not_sent
    }

    /// On a refusal for the time limit (1010013): how many seconds the
    /// platform's clock is ahead of this host's (negative: behind), when the
    /// answer's `Date` header showed it.
    pub fn clock_skew_secs(&self) -> Option<i64> {
        self.0.clock_skew_secs
    }

    /// How many tries of the request the call made: 0 when it was refused
    /// before any (an invalid argument), and for errors that are not a
    /// call's (building a client, reading a push).
    pub fn attempts(&self) -> u32 {
        self.0.attempts
    }

    /// How long the call took in all, tries and waits included; zero for
    /// errors that are not a call's.
    pub fn elapsed(&self) -> std::time::Duration {
        self.0.elapsed
    }

    /// For [`ErrorKind::Timeout`]: which limit ran out. `None` for other
    /// kinds.
    pub fn timeout_limit(&self) -> Option<TimeoutLimit> {
        self.0.timeout_limit
    }

    /// For a failed click2Call whose answer held a string `sessionId` (a
    /// refusal with a 3xx or 5xx status, a body too large or broken after
    /// the id, an id callStop would refuse): that id, so that the call,
    /// which may be ringing, can still be stopped. Control characters in
    /// it are escaped (`\r`, `\n`, `\u{1b}`), so an id that had any
    /// cannot be given to callStop as is: see the message.
    pub fn session_id(&self) -> Option<&str> {
        self.0.session_id.as_deref()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for Error {}

/// What the library knows about a refusal that the spec's advice does not
/// say, from the refusal alone.
fn known_cause(http_status: u16, code: &str) -> Option<&'static str> {
    match (http_status, code) {
        // The library computes the digest itself, so a wrong digest means
        // the secret it was given is not the app's, or the header changed
        // on the way.
        (401, "1010010") => Some(
            "The library computed the digest from the app secret it was given, so that secret \
             is wrong for this app_key (or a proxy on the way rewrote the X-AKSK header).",
        ),
        (401, "1010013") => Some(
            "The library signs with this host's clock (plus the client's clock offset), in UTC.",
        ),
        _ => None,
    }
}

/// The first 200 bytes of a body, printable, for error messages.
fn excerpt(body: &[u8]) -> String {
    const MAX: usize = 200;
    let cut = &body[..body.len().min(MAX)];
    let mut s: String = String::from_utf8_lossy(cut)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if body.is_empty() {
        s.push_str("(empty)");
    } else if body.len() > MAX {
        s.push_str("...");
    }
    format!("{:?}", s.trim())
}

/// What to do about a refused `Created`, given the platform's clock minus
/// this host's (`skew`, from its `Date` header) and the client's offset.
pub(crate) fn clock_refusal_advice(skew: i64, clock_offset_secs: i64) -> String {
    // A few seconds are the answer's own travel time.
    if skew.abs() < 5 && clock_offset_secs != 0 {
        format!(
            "the platform's Date header agrees with this host's clock, so the client's clock offset of {clock_offset_secs} s put Created outside the window: set the offset to 0",
        )
    } else if skew.abs() < 5 {
        "the platform's Date header agrees with this host's clock, so Created was refused although the clocks agree: ask the administrator how wide the platform's window is".to_owned()
    } else {
        format!(
            "this host's clock is {} s {} the platform's (its Date header): fix the host's clock (NTP), or set the client's clock offset to {skew} s",
            skew.abs(),
            if skew > 0 { "behind" } else { "ahead of" },
        )
    }
}
