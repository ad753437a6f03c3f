//! What `voicecb` prints: results as text or JSON on stdout, errors as
//! `voicecb: ...` on stderr (or as JSON on stdout with `--json`), and the
//! exit status of each kind of failure.
//!
//! Nothing here ever sees the app secret; the only digest printed is the one
//! `voicecb sign` is asked for.

use std::io::{self, Write};
use std::time::Duration;

use serde_json::{Value, json};
use voicecb::{Api, AuthHeaders, CallResult, CodeInfo, Error, ErrorKind};

use crate::cli::{self, UsageError};

/// Why a command failed.
pub enum Failure {
    /// A bad command line or environment: exit 2.
    Usage(UsageError),
    /// The library's error: exit 2, 1 or 3 by its kind.
    Api(Error),
    /// A local I/O failure (binding a port, writing a file or stdout): exit 3.
    Io(String),
    /// Already reported on stdout (`voicecb doctor`): exit with this status.
    Reported(u8),
}

impl From<UsageError> for Failure {
    fn from(e: UsageError) -> Failure {
        Failure::Usage(e)
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::Api(e)
    }
}

impl Failure {
    /// 1 the platform refused, 2 usage or validation, 3 everything on the way.
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Usage(_) => 2,
            Failure::Api(e) => match e.kind() {
                ErrorKind::InvalidArgument => 2,
                ErrorKind::Platform => 1,
                ErrorKind::Transport
                | ErrorKind::Timeout
                | ErrorKind::Tls
                | ErrorKind::BadResponse
                | ErrorKind::BadNotification
                | ErrorKind::BadSignature => 3,
            },
            Failure::Io(_) => 3,
            Failure::Reported(code) => *code,
        }
    }

    /// The one-line message, naming the flag or variable a bad field came from.
    fn message(&self) -> String {
        match self {
            Failure::Usage(e) => e.message.clone(),
            Failure::Api(e) => match e.field().and_then(cli::source_of) {
                Some(source) => format!("{} (from {source})", e.message()),
                None => e.message().to_owned(),
            },
            Failure::Io(m) => m.clone(),
            Failure::Reported(_) => String::new(),
        }
    }

    fn json(&self) -> Value {
        let mut error = json!({
            "kind": null, "message": self.message(), "field": null, "http_status": null,
            "result_code": null, "result_desc": null, "category": null, "retryable": false,
            "request_not_sent": false, "session_id": null, "attempts": 0, "elapsed_ms": 0,
        });
        match self {
            Failure::Usage(u) => {
                error["kind"] = json!("usage");
                error["field"] = json!(u.field);
                error["request_not_sent"] = json!(true);
            }
            Failure::Api(e) => {
                error["kind"] = json!(e.kind().name());
                error["field"] = json!(e.field());
                error["http_status"] = json!(e.http_status());
                error["result_code"] = json!(e.result_code());
                error["result_desc"] = json!(e.result_desc());
                error["category"] = json!(e.code_info().map(|i| i.category().name()));
                error["retryable"] = json!(e.retryable());
                error["request_not_sent"] = json!(e.request_not_sent());
                error["session_id"] = json!(e.session_id());
                error["attempts"] = json!(e.attempts());
                error["elapsed_ms"] = json!(millis(e.elapsed()));
            }
            Failure::Io(_) => error["kind"] = json!("io"),
            Failure::Reported(_) => {}
        }
        json!({ "error": error })
    }
}

/// Reports a failure: JSON on stdout with `--json`, else lines on stderr.
pub fn report(failure: &Failure, json: bool) {
    if matches!(failure, Failure::Reported(_)) {
        return;
    }
    if json {
        // Nowhere left to report a failure to write the report.
        let _ = print_json(&failure.json());
        return;
    }
    let mut lines = Vec::new();
    match failure {
        Failure::Api(e) if e.kind() == ErrorKind::Platform => {
            lines.push(format!(
                "platform refused (HTTP {}): resultcode {}, resultdesc {:?}",
                e.http_status().unwrap_or(0),
                e.result_code().unwrap_or(""),
                e.result_desc().unwrap_or(""),
            ));
            match e.code_info() {
                Some(info) => {
                    lines.push(format!("  meaning: {} ({})", info.en(), info.zh()));
                    lines.push(format!("  advice: {}", info.advice()));
                    let retry = if info.retryable() { "yes, later" } else { "no" };
                    lines.push(format!("  retryable: {retry}"));
                }
                None => lines.push(
                    "  this code is not in the catalogue; see the platform's documentation".into(),
                ),
            }
        }
        Failure::Usage(u) => {
            lines.push(u.message.clone());
            lines.push(u.hint());
        }
        other => lines.push(other.message()),
    }
    if let Failure::Api(e) = failure {
        if let Some(id) = e.session_id() {
            lines.push(format!("sessionId of the call that may be ringing: {id}"));
        }
    }
    let mut err = io::stderr().lock();
    for line in lines {
        // A value the user typed or the network sent can be in any line:
        // none may split it or drive the terminal.
        let _ = writeln!(err, "voicecb: {}", escape(&line));
    }
}

/// `s` with its control characters escaped (`\r`, `\n`, `\u{1b}`), as the
/// library escapes those in its messages.
fn escape(s: &str) -> String {
    voicecb::response::escape_controls(s)
}

/// Milliseconds, to a tenth.
fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 10_000.0).round() / 10.0
}

/// Writes text to stdout and flushes it, so that a reader of a pipe sees it
/// at once (the sandbox line is waited for).
pub fn emit(text: &str) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Failure::Io(format!("cannot write to stdout: {e}")))
}

pub fn print_json(v: &Value) -> Result<(), Failure> {
    emit(&format!("{v}\n"))
}

/// The answer to `call`.
pub fn call(result: &CallResult, json: bool) -> Result<(), Failure> {
    if json {
        return print_json(&json!({
            "session_id": result.session_id, "idle_port": result.idle_port,
            "attempts": result.attempts, "elapsed_ms": millis(result.elapsed),
        }));
    }
    let mut text = format!("{}\n", escape(&result.session_id));
    if let Some(n) = result.idle_port {
        text.push_str(&format!("idle ports: {n}\n"));
    }
    emit(&text)
}

/// The answer to `stop`.
pub fn stopped(session_id: &str, json: bool) -> Result<(), Failure> {
    if json {
        return print_json(&json!({ "ok": true }));
    }
    emit(&format!("stopped {}\n", escape(session_id)))
}

/// The two headers of `sign`.
pub fn headers(h: &AuthHeaders, json: bool) -> Result<(), Failure> {
    if json {
        return print_json(&json!({ "authorization": h.authorization, "x_aksk": h.x_aksk }));
    }
    emit(&format!(
        "Authorization: {}\nX-AKSK: {}\n",
        h.authorization, h.x_aksk
    ))
}

/// Catalogue rows: the whole catalogue one tab-separated row per line, or
/// the rows of one code (`one`) as readable blocks.
pub fn codes(rows: &[&CodeInfo], one: bool, json: bool) -> Result<(), Failure> {
    if json {
        let rows: Vec<Value> = rows
            .iter()
            .map(|r| {
                json!({
                    "http_status": r.http_status(), "code": r.code(), "category": r.category().name(),
                    "retryable": r.retryable(), "apis": apis(r), "en": r.en(), "zh": r.zh(), "advice": r.advice(),
                    "http_status_documented": r.http_status_documented(),
                })
            })
            .collect();
        return print_json(&Value::Array(rows));
    }
    let mut text = String::new();
    if one {
        for r in rows {
            text.push_str(&format!(
                "{} {} ({}, {}; {}{})\n  en: {}\n  zh: {}\n  advice: {}\n",
                r.http_status(),
                r.code(),
                r.category().name(),
                if r.retryable() {
                    "retryable"
                } else {
                    "not retryable"
                },
                apis(r).join(", "),
                // The spec gives the code without a status: an inference.
                if r.http_status_documented() {
                    ""
                } else {
                    "; HTTP status not documented, matched under any"
                },
                r.en(),
                r.zh(),
                r.advice(),
            ));
        }
    } else {
        text.push_str("status\tcode\tcategory\tretryable\tapis\ten\tzh\tadvice\n");
        for r in rows {
            text.push_str(&format!(
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
                r.http_status(),
                r.code(),
                r.category().name(),
                if r.retryable() { "yes" } else { "no" },
                apis(r).join(","),
                r.en(),
                r.zh(),
                r.advice(),
            ));
        }
    }
    emit(&text)
}

fn apis(r: &CodeInfo) -> Vec<&'static str> {
    Api::ALL
        .into_iter()
        .filter(|a| r.listed_for(*a))
        .map(|a| match a {
            Api::Click2Call => "click2call",
            Api::CallStop => "call_stop",
            Api::CallNotify => "call_notify",
            Api::CallVerify => "call_verify",
            Api::RecordUrl => "record_url",
        })
        .collect()
}

/// The sandbox's one line, once it listens.
pub fn listening(url: &str, json: bool) -> Result<(), Failure> {
    if json {
        return print_json(&json!({ "listening": url }));
    }
    emit(&format!("voicecb sandbox listening on {url}\n"))
}
