//! What a client did, as it did it: one [`Event`] per try of a request and
//! one when the call ends.
//!
//! Events go to the callback given to
//! [`ClientBuilder::on_event`](crate::ClientBuilder::on_event) and to the
//! [`log`] facade under the target `voicecb`. They never hold the app
//! secret, a digest, the `X-AKSK` header or a request body; phone numbers
//! are masked unless [`ClientBuilder::mask_numbers`](crate::ClientBuilder::mask_numbers)
//! turns that off. With no callback set and no logger enabled for the
//! target, no event is built.

use std::ffi::CStr;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::codes::{Api, as_str};
use crate::error::{Error, ErrorKind};

/// Which moment of a call an [`Event`] reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// One try of the request has ended (answered, refused or failed).
    Attempt,
    /// The call has ended: it succeeded, or the library gave up.
    Finished,
}

impl EventKind {
    /// "attempt" or "finished", stable for logs and JSON.
    pub fn name(self) -> &'static str {
        as_str(self.name_cstr())
    }

    pub(crate) fn name_cstr(self) -> &'static CStr {
        match self {
            EventKind::Attempt => c"attempt",
            EventKind::Finished => c"finished",
        }
    }
}

/// How a try (or the whole call) came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The platform answered with success (HTTP 2xx, `resultcode` "0").
    Answered,
    /// The platform answered and refused.
    Refused,
    /// A value broke a rule; nothing was sent.
    Invalid,
    /// Connecting failed or the connection broke.
    Transport,
    /// A timeout ran out.
    Timeout,
    /// The TLS handshake failed.
    Tls,
    /// The answer was not what the API defines.
    BadResponse,
}

impl Outcome {
    fn of(result: Result<(), &Error>) -> Outcome {
        match result.map_err(Error::kind) {
            Ok(()) => Outcome::Answered,
            Err(ErrorKind::Platform) => Outcome::Refused,
            Err(ErrorKind::InvalidArgument) => Outcome::Invalid,
            Err(ErrorKind::Timeout) => Outcome::Timeout,
            Err(ErrorKind::Tls) => Outcome::Tls,
            Err(ErrorKind::BadResponse) => Outcome::BadResponse,
            Err(ErrorKind::Transport | ErrorKind::BadNotification | ErrorKind::BadSignature) => {
                Outcome::Transport
            }
        }
    }

    /// A short lower-case name, stable for logs and JSON: "answered",
    /// "refused", "invalid", "transport", "timeout", "tls", "bad_response".
    pub fn name(self) -> &'static str {
        as_str(self.name_cstr())
    }

    pub(crate) fn name_cstr(self) -> &'static CStr {
        match self {
            Outcome::Answered => c"answered",
            Outcome::Refused => c"refused",
            Outcome::Invalid => c"invalid",
            Outcome::Transport => c"transport",
            Outcome::Timeout => c"timeout",
            Outcome::Tls => c"tls",
            Outcome::BadResponse => c"bad_response",
        }
    }
}

/// How much an [`Event`] matters, as the `log` levels go: tries are
/// `Debug`, a call's success `Info`, refusals, retries and failures `Warn`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// A try that neither failed the call nor is retried.
    Debug = 0,
    /// A call that succeeded.
    Info = 1,
    /// A refusal, a try that will be retried, or a call that failed.
    Warn = 2,
}

impl Level {
    /// "debug", "info" or "warn".
    pub fn name(self) -> &'static str {
        match self {
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
        }
    }

    fn log_level(self) -> log::Level {
        match self {
            Level::Debug => log::Level::Debug,
            Level::Info => log::Level::Info,
            Level::Warn => log::Level::Warn,
        }
    }
}

/// One thing a client did. Borrowed: valid during the callback only; copy
/// what you keep.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Event<'a> {
    /// A try ended, or the call did.
    pub kind: EventKind,
    /// The API called.
    pub api: Api,
    /// The try, from 1; for [`EventKind::Finished`], the tries made (0 when
    /// the request was refused before any try).
    pub attempt: u32,
    /// How long this try took (for `Finished`: the last try).
    pub attempt_elapsed: Duration,
    /// How long the call has taken so far, waits included.
    pub elapsed: Duration,
    /// How the try (or the call) came out.
    pub outcome: Outcome,
    /// The HTTP status of the answer, when there was one.
    pub http_status: Option<u16>,
    /// The platform's `resultcode`, when it sent one.
    pub result_code: Option<&'a str>,
    /// The platform's `resultdesc`, when it sent one.
    pub result_desc: Option<&'a str>,
    /// The error's kind, for a try or call that failed.
    pub error_kind: Option<ErrorKind>,
    /// False only when the library knows no byte of the request left.
    pub may_have_reached_platform: bool,
    /// For a try that will be retried: the wait before the next one.
    pub retry_in: Option<Duration>,
    /// The call's `sessionId`, when known (a click2Call's answer, a
    /// callStop's argument).
    pub session_id: Option<&'a str>,
    /// The try's `Nonce`, unique per request: a request id to match a log
    /// line with the platform's records. `None` when nothing was signed.
    pub request_id: Option<&'a str>,
    /// The request's phone numbers by API field name (`callerNbr`, ...),
    /// masked unless masking is off.
    pub numbers: &'a [(&'static str, String)],
}

impl Event<'_> {
    /// The level this event is logged at.
    pub fn level(&self) -> Level {
        match (self.kind, self.outcome) {
            (_, Outcome::Refused) => Level::Warn,
            (EventKind::Attempt, _) if self.retry_in.is_some() => Level::Warn,
            (EventKind::Attempt, _) => Level::Debug,
            (EventKind::Finished, Outcome::Answered) => Level::Info,
            (EventKind::Finished, _) => Level::Warn,
        }
    }

    /// The event as one JSON object, with the field names of the C ABI's
    /// `voicecb_event_json` (durations in milliseconds as numbers, absent
    /// values as null).
    pub fn to_json(&self) -> String {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let numbers: serde_json::Map<String, serde_json::Value> = self
            .numbers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone().into()))
            .collect();
        serde_json::json!({
            "kind": self.kind.name(),
            "level": self.level().name(),
            "api": self.api.name(),
            "attempt": self.attempt,
            "attempt_elapsed_ms": ms(self.attempt_elapsed),
            "elapsed_ms": ms(self.elapsed),
            "outcome": self.outcome.name(),
            "http_status": self.http_status,
            "result_code": self.result_code,
            "result_desc": self.result_desc,
            "error_kind": self.error_kind.map(ErrorKind::name),
            "may_have_reached_platform": self.may_have_reached_platform,
            "retry_in_ms": self.retry_in.map(ms),
            "session_id": self.session_id,
            "request_id": self.request_id,
            "numbers": numbers,
        })
        .to_string()
    }
}

impl fmt::Display for Event<'_> {
    /// One log line: `click2Call attempt 1: refused (HTTP 403, resultcode
    /// 1010010) in 12.3 ms, total 12.3 ms; retry in 100 ms; request id ...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            EventKind::Attempt => write!(f, "{} attempt {}: ", self.api.name(), self.attempt)?,
            EventKind::Finished => write!(
                f,
                "{} finished after {} attempt{}: ",
                self.api.name(),
                self.attempt,
                if self.attempt == 1 { "" } else { "s" }
            )?,
        }
        f.write_str(self.outcome.name())?;
        match (self.http_status, self.result_code) {
            (Some(s), Some(c)) => write!(f, " (HTTP {s}, resultcode {c}")?,
            (Some(s), None) => write!(f, " (HTTP {s}")?,
            _ => {}
        }
        if self.http_status.is_some() {
            if let Some(d) = self.result_desc {
                write!(f, ", \"{}\"", crate::response::escape_controls(d))?;
            }
            f.write_str(")")?;
        }
        write!(
            f,
            " in {:.1} ms, total {:.1} ms",
            self.attempt_elapsed.as_secs_f64() * 1000.0,
            self.elapsed.as_secs_f64() * 1000.0
        )?;
        // Said only where no answer proves it either way.
        if !matches!(
            self.outcome,
            Outcome::Answered | Outcome::Refused | Outcome::Invalid
        ) {
            f.write_str(if self.may_have_reached_platform {
                "; the request may have reached the platform"
            } else {
                "; nothing was sent"
            })?;
        }
        if let Some(w) = self.retry_in {
            write!(f, "; retry in {} ms", w.as_millis())?;
        }
        if let Some(s) = self.session_id {
            write!(f, "; sessionId {}", crate::response::escape_controls(s))?;
        }
        for (field, number) in self.numbers {
            write!(f, "; {field} {number}")?;
        }
        if let Some(r) = self.request_id {
            write!(f, "; request id {r}")?;
        }
        Ok(())
    }
}

/// The callback type of [`ClientBuilder::on_event`](crate::ClientBuilder::on_event).
pub type EventCallback = Arc<dyn Fn(&Event<'_>) + Send + Sync + 'static>;

/// Where a client's events go.
#[derive(Clone, Default)]
pub(crate) struct Sink {
    pub(crate) callback: Option<EventCallback>,
    pub(crate) mask_numbers: bool,
}

impl fmt::Debug for Sink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sink")
            .field("callback", &self.callback.as_ref().map(|_| "<fn>"))
            .field("mask_numbers", &self.mask_numbers)
            .finish()
    }
}

/// The log target of every event.
pub const LOG_TARGET: &str = "voicecb";

impl Sink {
    /// Whether anyone listens at `level`: the one check on the path of a
    /// call when events are off (an `Option` test and the `log` crate's
    /// atomic max-level read).
    pub(crate) fn wants(&self, level: Level) -> bool {
        self.callback.is_some() || log::log_enabled!(target: LOG_TARGET, level.log_level())
    }

    /// Whether anyone listens at all (any level).
    pub(crate) fn active(&self) -> bool {
        self.wants(Level::Debug) || self.wants(Level::Warn)
    }

    pub(crate) fn emit(&self, event: &Event<'_>) {
        let level = event.level();
        if log::log_enabled!(target: LOG_TARGET, level.log_level()) {
            log::log!(target: LOG_TARGET, level.log_level(), "{event}");
        }
        if let Some(cb) = &self.callback {
            // A panicking callback must not unwind through the library's
            // call (and from there into C): it is the user's bug, reported
            // on the log, and the call goes on.
            if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| cb(event))).is_err() {
                log::error!(target: LOG_TARGET, "the event callback panicked; the call goes on");
            }
        }
    }

    /// The numbers of a request as events show them.
    pub(crate) fn numbers(&self, fields: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
        fields
            .iter()
            .map(|(k, v)| {
                let shown = if self.mask_numbers {
                    mask_number(v)
                } else {
                    (*v).to_owned()
                };
                (*k, shown)
            })
            .collect()
    }
}

/// Masks a phone number as the platform's documents print them: the four
/// digits before the last four become `****` (`+8613800000001` →
/// `+86138****0001`), so the country code, the operator prefix and the
/// last four digits stay readable. A number of 8 characters or fewer keeps
/// at most its last four, and never fewer than four characters (or all of
/// a shorter one) are masked.
pub fn mask_number(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    let n = chars.len();
    if n <= 8 {
        let keep = n.saturating_sub(4);
        let mut s = "*".repeat(n - keep);
        s.extend(&chars[n - keep..]);
        return s;
    }
    let mut s: String = chars[..n - 8].iter().collect();
    s.push_str("****");
    s.extend(&chars[n - 4..]);
    s
}

/// What one try tells its event: filled in by the request path while it
/// signs and reads.
#[derive(Default)]
pub(crate) struct TryFacts {
    /// Whether to keep the request id (only when someone listens).
    pub(crate) keep_request_id: bool,
    pub(crate) request_id: Option<String>,
}

/// Facts of a whole call, for events and for the result or the error.
pub(crate) struct CallFacts<'a> {
    pub(crate) api: Api,
    pub(crate) numbers: Vec<(&'static str, String)>,
    pub(crate) session_id: Option<&'a str>,
}

impl CallFacts<'_> {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn event<'e>(
        &'e self,
        kind: EventKind,
        attempt: u32,
        attempt_elapsed: Duration,
        elapsed: Duration,
        result: Result<Option<&'e str>, &'e Error>,
        retry_in: Option<Duration>,
        request_id: Option<&'e str>,
    ) -> Event<'e> {
        let error = result.err();
        Event {
            kind,
            api: self.api,
            attempt,
            attempt_elapsed,
            elapsed,
            outcome: Outcome::of(result.map(|_| ())),
            http_status: error.and_then(Error::http_status),
            result_code: error.and_then(Error::result_code),
            result_desc: error.and_then(Error::result_desc),
            error_kind: error.map(Error::kind),
            may_have_reached_platform: error.is_none_or(|e| !e.request_not_sent()),
            retry_in,
            session_id: result.ok().flatten().or(self.session_id),
            request_id,
            numbers: &self.numbers,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_masked_as_the_platform_prints_them() {
        assert_eq!(mask_number("+8613800000001"), "+86138****0001");
        assert_eq!(mask_number("+8675512345678"), "+86755****5678");
        assert_eq!(mask_number("123456789"), "1****6789");
        assert_eq!(mask_number("12345678"), "****5678");
        assert_eq!(mask_number("123"), "***");
        assert_eq!(mask_number(""), "");
        // Never the digits it hides, whatever the length.
        for n in 0..30 {
            let number: String = (0..n).map(|i| char::from(b'0' + (i % 10) as u8)).collect();
            let masked = mask_number(&number);
            assert_eq!(masked.chars().count(), n, "{number}");
            if n >= 5 {
                assert!(masked.contains("****"), "{number} -> {masked}");
            }
        }
    }
}
