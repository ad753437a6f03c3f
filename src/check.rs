//! [`Client::check`]: proves a configuration works without placing a call.
//!
//! The platform authenticates a request before it reads the body: the app
//! key (403/1010003), the headers (400/1023xxx), the digest (401/1010010)
//! and `Created` (401/1010013) are checked first, and only then the
//! request itself. A `callStop` for a session that cannot exist is
//! therefore refused with 500/1020152 ("Invalid sessionid") exactly when
//! the credentials passed, and with the auth check's own code when they did
//! not. That probe is the only request a check sends: it costs no call and
//! rings no phone.
//!
//! Before the probe, the check resolves the endpoint, connects to it and,
//! for `https://`, makes a TLS handshake of its own with the client's trust
//! settings, to report what ureq does not expose (the protocol version, the
//! certificate, the root that verified it). The probe then goes the way
//! every call goes, through the client's connection pool.

use std::fmt::Write as _;
use std::io::Write as _;
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rustls::pki_types::{CertificateDer, ServerName, TrustAnchor, UnixTime};
use serde_json::{Value, json};
use ureq::unversioned::resolver::Resolver;
use ureq::unversioned::transport::NextTimeout;

use crate::client::{
    API_REFUSED, Answer, CLOCK_REFUSED, Client, NO_DATE_NOTE, STOP_MAY_HAVE_ARRIVED, Trust,
};
use crate::codes::Api;
use crate::error::{Error, ErrorKind, TimeoutLimit, clock_refusal_advice};
use crate::events::TryFacts;
use crate::request::call_stop_body;
use crate::response::{escape_controls, parse_call_stop};

/// The session id of the probe: `0000_000_0_00000000000000@libvoicecb-check.invalid`.
///
/// It has the shape of the platform's ids
/// (`1200_366_0_20161228102743@callenabler.home1.com`: a number, a
/// number, a flag, a 14-digit `yyyyMMddHHmmss` stamp, `@`, the issuing
/// host) and 51 characters, within the spec's `String(1-256)` for
/// `sessionid`, so no syntax rule refuses it. It cannot be the id of a
/// call: its stamp is the 0th day of the 0th month of year 0, a time at
/// which no call was ever placed, and its host is under `.invalid`, which
/// RFC 6761 reserves so that it is never any machine's name, so no
/// platform node issues ids ending in it. A refusal of the probe can
/// therefore never stop a call, and its success would mean the server is
/// not the platform.
pub const PROBE_SESSION_ID: &str = "0000_000_0_00000000000000@libvoicecb-check.invalid";

/// The one answer that says the credentials passed: the probe's session
/// does not exist (under 500).
const SESSION_REFUSED: &str = "1020152";

/// The outcome of a check: whether the platform accepted the credentials,
/// or the first thing that stood in the way. Codes are never renumbered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Verdict {
    /// The app key, the digest and `Created` passed: the probe was refused
    /// only for its session id (500/1020152).
    Accepted = 0,
    /// The platform does not know the app key (403/1010003, 500/1020150).
    AppKeyUnknown = 1,
    /// The digest was refused (401/1010010): the app secret is wrong.
    WrongSecret = 2,
    /// `Created` was refused (401/1010013): the clocks differ too much.
    ClockSkew = 3,
    /// An authentication header was refused (400/1023xxx).
    HeaderRefused = 4,
    /// The platform does not know the API path (403/1010006).
    WrongPath = 5,
    /// Another refusal of the app or of this host (a suspended app key, an
    /// IP not on the white list, ...); the catalogue's advice says more.
    Refused = 6,
    /// The server answered, but not as the platform answers the probe: not
    /// the platform, or a proxy or gateway in the way.
    UnexpectedAnswer = 7,
    /// The endpoint's name did not resolve.
    NotResolved = 8,
    /// No connection could be made (refused, unreachable, connect timeout).
    ConnectFailed = 9,
    /// The TLS handshake failed (an untrusted, expired or misnamed
    /// certificate, or a server that does not speak TLS).
    TlsFailed = 10,
    /// Connected, but no answer came within the time allowed.
    Timeout = 11,
    /// The connection broke after the probe was sent.
    TransportFailed = 12,
}

impl Verdict {
    /// Every verdict, in code order.
    pub const ALL: [Verdict; 13] = [
        Verdict::Accepted,
        Verdict::AppKeyUnknown,
        Verdict::WrongSecret,
        Verdict::ClockSkew,
        Verdict::HeaderRefused,
        Verdict::WrongPath,
        Verdict::Refused,
        Verdict::UnexpectedAnswer,
        Verdict::NotResolved,
        Verdict::ConnectFailed,
        Verdict::TlsFailed,
        Verdict::Timeout,
        Verdict::TransportFailed,
    ];

    /// The verdict's stable number (the C enum's value).
    pub fn code(self) -> u32 {
        self as u32
    }

    /// The verdict's stable name: "accepted", "app_key_unknown", ...
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Accepted => "accepted",
            Verdict::AppKeyUnknown => "app_key_unknown",
            Verdict::WrongSecret => "wrong_secret",
            Verdict::ClockSkew => "clock_skew",
            Verdict::HeaderRefused => "header_refused",
            Verdict::WrongPath => "wrong_path",
            Verdict::Refused => "refused",
            Verdict::UnexpectedAnswer => "unexpected_answer",
            Verdict::NotResolved => "not_resolved",
            Verdict::ConnectFailed => "connect_failed",
            Verdict::TlsFailed => "tls_failed",
            Verdict::Timeout => "timeout",
            Verdict::TransportFailed => "transport_failed",
        }
    }

    /// The verdict of a [`name`](Verdict::name).
    pub fn parse(name: &str) -> Option<Verdict> {
        Verdict::ALL.into_iter().find(|v| v.name() == name)
    }

    /// What the verdict means, in a few words.
    pub fn summary(self) -> &'static str {
        match self {
            Verdict::Accepted => "credentials accepted",
            Verdict::AppKeyUnknown => "app key unknown",
            Verdict::WrongSecret => "digest refused: wrong app secret",
            Verdict::ClockSkew => "Created refused: clock skew",
            Verdict::HeaderRefused => "authentication header refused",
            Verdict::WrongPath => "API path unknown: wrong base URL path",
            Verdict::Refused => "refused by the platform",
            Verdict::UnexpectedAnswer => "not the platform's answer",
            Verdict::NotResolved => "the endpoint's name does not resolve",
            Verdict::ConnectFailed => "cannot connect",
            Verdict::TlsFailed => "TLS handshake failed",
            Verdict::Timeout => "no answer",
            Verdict::TransportFailed => "the connection broke",
        }
    }
}

/// One step of a check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StepKind {
    /// Resolving the endpoint's name to addresses.
    Resolve,
    /// Connecting to one of them (TCP).
    Connect,
    /// The TLS handshake and the certificate (`https://` only).
    Tls,
    /// The probe: a `callStop` of [`PROBE_SESSION_ID`].
    Probe,
    /// The platform's clock (its `Date`) against this host's.
    Clock,
    /// The platform's verdict on the app key, the digest and `Created`.
    Credentials,
}

impl StepKind {
    /// The step's name as reports show it: "resolve", "connect", "tls",
    /// "probe", "clock", "credentials".
    pub fn name(self) -> &'static str {
        match self {
            StepKind::Resolve => "resolve",
            StepKind::Connect => "connect",
            StepKind::Tls => "tls",
            StepKind::Probe => "probe",
            StepKind::Clock => "clock",
            StepKind::Credentials => "credentials",
        }
    }
}

/// How a step went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StepStatus {
    /// It passed.
    Ok,
    /// It passed, with something to fix (certificate checks turned off).
    Warning,
    /// It failed; the step's advice says what to do.
    Failed,
    /// Not tried: an earlier step failed, or it does not apply.
    Skipped,
}

impl StepStatus {
    /// "ok", "warning", "failed" or "skipped".
    pub fn name(self) -> &'static str {
        match self {
            StepStatus::Ok => "ok",
            StepStatus::Warning => "warning",
            StepStatus::Failed => "failed",
            StepStatus::Skipped => "skipped",
        }
    }
}

/// One line of a check's checklist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// Which step.
    pub kind: StepKind,
    /// How it went.
    pub status: StepStatus,
    /// What was found (or why it was not tried).
    pub detail: String,
    /// What to do, for a step that failed or warned.
    pub advice: Option<String>,
}

/// What the TLS handshake showed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsFacts {
    /// The protocol version: "TLSv1.3" or "TLSv1.2".
    pub version: String,
    /// The server certificate's subject, e.g. "CN=localhost".
    pub subject: String,
    /// When the server certificate expires.
    pub not_after: Option<DateTime<Utc>>,
    /// Which root verified the chain and where it came from, or why
    /// nothing did (`insecure_skip_verify`).
    pub verified_by: String,
}

/// What [`Client::check`] found, step by step, and the verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckReport {
    /// `host:port` the client talks to.
    pub endpoint: String,
    /// `host:port` of the proxy, when requests go through one.
    pub proxy: Option<String>,
    /// The addresses the endpoint resolved to.
    pub addresses: Vec<SocketAddr>,
    /// The address the check connected to.
    pub connected_to: Option<SocketAddr>,
    /// How long the TCP connection took to set up.
    pub connect_time: Option<Duration>,
    /// The TLS handshake's facts (`https://`, when it succeeded).
    pub tls: Option<TlsFacts>,
    /// The probe's round trip, from sending to the last byte of the answer.
    pub probe_time: Option<Duration>,
    /// The HTTP status of the probe's answer.
    pub http_status: Option<u16>,
    /// The `resultcode` of the probe's answer.
    pub result_code: Option<String>,
    /// The `resultdesc` of the probe's answer.
    pub result_desc: Option<String>,
    /// The platform's clock, from the answer's `Date` header.
    pub platform_time: Option<DateTime<Utc>>,
    /// The platform's clock minus this host's, in seconds (positive: this
    /// host is behind). The `Date` header has whole seconds, so ±1 s is
    /// noise.
    pub clock_skew_secs: Option<i64>,
    /// The client's `clock_offset_secs`, added to this host's clock when
    /// signing.
    pub clock_offset_secs: i64,
    /// The verdict.
    pub verdict: Verdict,
    /// What to do about the verdict (for [`Verdict::Accepted`], what was
    /// proven).
    pub advice: String,
    /// One entry per step, in the order run.
    pub steps: Vec<Step>,
    /// How long the whole check took.
    pub elapsed: Duration,
}

impl CheckReport {
    /// True when the credentials were accepted and no step failed.
    pub fn passed(&self) -> bool {
        self.verdict == Verdict::Accepted
            && self.steps.iter().all(|s| s.status != StepStatus::Failed)
    }

    /// The report as a checklist a person reads at a glance: one line per
    /// step, `ok`, `warn`, `FAIL` or `--`, and under a step that failed or
    /// warned, what to do.
    pub fn checklist(&self) -> String {
        let mut out = String::new();
        for step in &self.steps {
            let mark = match step.status {
                StepStatus::Ok => "ok  ",
                StepStatus::Warning => "warn",
                StepStatus::Failed => "FAIL",
                StepStatus::Skipped => "--  ",
            };
            let _ = writeln!(out, "{mark}  {:<11}  {}", step.kind.name(), step.detail);
            if let Some(advice) = &step.advice {
                let _ = writeln!(out, "{:<17}what to do: {advice}", "");
            }
        }
        let warned = self.steps.iter().any(|s| s.status == StepStatus::Warning);
        let end = match (self.passed(), warned) {
            (true, false) => "every step passed",
            (true, true) => "passed, with a warning above",
            (false, _) => "failed: see what to do above",
        };
        let _ = writeln!(
            out,
            "verdict: {} ({}): {end}",
            self.verdict.name(),
            self.verdict.summary()
        );
        out
    }

    /// The report as a JSON object (durations in microseconds, times in
    /// RFC 3339); the Python and Go wrappers read it.
    pub fn to_json(&self) -> String {
        let us = |d: Option<Duration>| d.map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
        let tls = self.tls.as_ref().map(|t| {
            json!({
                "version": t.version,
                "subject": t.subject,
                "not_after": t.not_after.map(|t| t.to_rfc3339()),
                "verified_by": t.verified_by,
            })
        });
        let steps: Vec<Value> = self
            .steps
            .iter()
            .map(|s| {
                json!({
                    "step": s.kind.name(),
                    "status": s.status.name(),
                    "detail": s.detail,
                    "advice": s.advice,
                })
            })
            .collect();
        json!({
            "passed": self.passed(),
            "verdict": self.verdict.name(),
            "verdict_code": self.verdict.code(),
            "summary": self.verdict.summary(),
            "advice": self.advice,
            "endpoint": self.endpoint,
            "proxy": self.proxy,
            "addresses": self.addresses.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "connected_to": self.connected_to.map(|a| a.to_string()),
            "connect_us": us(self.connect_time),
            "tls": tls,
            "probe_us": us(self.probe_time),
            "http_status": self.http_status,
            "result_code": self.result_code,
            "result_desc": self.result_desc,
            "platform_time": self.platform_time.map(|t| t.to_rfc3339()),
            "clock_skew_secs": self.clock_skew_secs,
            "clock_offset_secs": self.clock_offset_secs,
            "steps": steps,
            "elapsed_us": us(Some(self.elapsed)),
        })
        .to_string()
    }
}

impl std::fmt::Display for CheckReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.checklist())
    }
}

impl Client {
    /// Proves the configuration works without placing a call: resolves
    /// and connects to the endpoint, makes a TLS handshake, and sends one
    /// `callStop` of [`PROBE_SESSION_ID`], a session that cannot exist,
    /// whose answer says whether the app key, the digest and `Created`
    /// passed. Never retried; the client's connect and request timeouts
    /// apply. The result is a report, never an error: what failed is its
    /// verdict.
    pub fn check(&self) -> CheckReport {
        self.check_within(None)
    }

    /// [`check`](Client::check) with a bound on the whole check (each step
    /// still has at most the client's own timeouts).
    pub fn check_within(&self, timeout: Option<Duration>) -> CheckReport {
        let started = Instant::now();
        let mut run = Run {
            client: self,
            deadline: timeout.map(|t| started + t),
            report: CheckReport {
                endpoint: self.target.endpoint.clone(),
                proxy: self.target.proxy.clone(),
                addresses: Vec::new(),
                connected_to: None,
                connect_time: None,
                tls: None,
                probe_time: None,
                http_status: None,
                result_code: None,
                result_desc: None,
                platform_time: None,
                clock_skew_secs: None,
                clock_offset_secs: self.clock_offset_secs,
                verdict: Verdict::Accepted,
                advice: String::new(),
                steps: Vec::new(),
                elapsed: Duration::ZERO,
            },
        };
        run.all();
        run.report.elapsed = started.elapsed();
        run.report
    }
}

/// A check under way.
struct Run<'a> {
    client: &'a Client,
    deadline: Option<Instant>,
    report: CheckReport,
}

/// A step that stopped the check: its verdict and what to say.
struct Stop {
    verdict: Verdict,
    detail: String,
    advice: String,
}

impl Run<'_> {
    fn all(&mut self) {
        let order = [
            StepKind::Resolve,
            StepKind::Connect,
            StepKind::Tls,
            StepKind::Probe,
        ];
        if let Some(proxy) = &self.client.target.proxy {
            for kind in [StepKind::Resolve, StepKind::Connect, StepKind::Tls] {
                self.step(
                    kind,
                    StepStatus::Skipped,
                    format!("not checked apart: requests go through the proxy {proxy}, so the probe covers it"),
                    None,
                );
            }
        }
        let mut stream = None;
        for kind in order {
            if self.client.target.proxy.is_some() && kind != StepKind::Probe {
                continue;
            }
            let outcome = match kind {
                StepKind::Resolve => self.resolve(),
                StepKind::Connect => self.connect().map(|s| {
                    stream = Some(s);
                }),
                StepKind::Tls => match stream.take() {
                    Some(s) => self.tls(s),
                    None => Ok(()),
                },
                _ => self.probe(),
            };
            if let Err(stop) = outcome {
                self.fail(kind, stop);
                return;
            }
        }
    }

    fn step(&mut self, kind: StepKind, status: StepStatus, detail: String, advice: Option<String>) {
        self.report.steps.push(Step {
            kind,
            status,
            detail,
            advice,
        });
    }

    /// Records the failed step, its verdict, and the steps not tried.
    fn fail(&mut self, kind: StepKind, stop: Stop) {
        self.report.verdict = stop.verdict;
        self.report.advice = stop.advice.clone();
        self.step(kind, StepStatus::Failed, stop.detail, Some(stop.advice));
        const ALL: [StepKind; 6] = [
            StepKind::Resolve,
            StepKind::Connect,
            StepKind::Tls,
            StepKind::Probe,
            StepKind::Clock,
            StepKind::Credentials,
        ];
        let after = ALL
            .iter()
            .position(|k| *k == kind)
            .map_or(ALL.len(), |i| i + 1);
        for later in &ALL[after..] {
            self.step(
                *later,
                StepStatus::Skipped,
                format!("not tried: the {} step failed", kind.name()),
                None,
            );
        }
    }

    /// Time left before the check's deadline, capped at `limit`.
    fn left(&self, limit: Duration) -> Duration {
        match self.deadline {
            Some(d) => limit.min(d.saturating_duration_since(Instant::now())),
            None => limit,
        }
    }

    fn host_port(&self) -> (&str, u16) {
        let endpoint = self.client.target.endpoint.as_str();
        // `endpoint` always carries a port (Target::new adds the scheme's).
        let (host, port) = endpoint.rsplit_once(':').unwrap_or((endpoint, "443"));
        let host = host.trim_start_matches('[').trim_end_matches(']');
        (host, port.parse().unwrap_or(443))
    }

    fn resolve(&mut self) -> Result<(), Stop> {
        let client = self.client;
        let endpoint = &client.target.endpoint;
        let uri: ureq::http::Uri = format!("{}://{endpoint}/", client.target.scheme)
            .parse()
            .map_err(|e| Stop {
                verdict: Verdict::NotResolved,
                detail: format!("{endpoint} is not a host and port: {e}"),
                advice: "give the base URL as scheme://host:port".into(),
            })?;
        let timeout = NextTimeout {
            after: self.left(client.connect_timeout).into(),
            reason: ureq::Timeout::Resolve,
            per_read: None,
            per_write: None,
        };
        match client
            .resolver
            .resolve(&uri, client.agent.config(), timeout)
        {
            Ok(addrs) if !addrs.is_empty() => {
                self.report.addresses = addrs.iter().copied().collect();
                let list: Vec<String> = addrs.iter().map(ToString::to_string).collect();
                let (host, _) = self.host_port();
                let detail = if host.parse::<std::net::IpAddr>().is_ok() {
                    format!("{endpoint} is an IP address: nothing to resolve")
                } else {
                    format!("{endpoint} is {}", list.join(", "))
                };
                self.step(StepKind::Resolve, StepStatus::Ok, detail, None);
                Ok(())
            }
            Ok(_) => Err(Stop {
                verdict: Verdict::NotResolved,
                detail: format!("{endpoint} resolved to no address"),
                advice: "check the host name of the base URL and this host's DNS".into(),
            }),
            Err(e) => Err(Stop {
                verdict: Verdict::NotResolved,
                detail: format!("cannot resolve {endpoint}: {e}"),
                advice: "check the host name of the base URL and this host's DNS".into(),
            }),
        }
    }

    fn connect(&mut self) -> Result<TcpStream, Stop> {
        let endpoint = self.client.target.endpoint.clone();
        let mut failures = Vec::new();
        let mut out_of_time = false;
        for addr in self.report.addresses.clone() {
            let limit = self.left(self.client.connect_timeout);
            if limit.is_zero() {
                failures.push(format!("{addr}: the check's own timeout ran out"));
                out_of_time = true;
                break;
            }
            let started = Instant::now();
            match TcpStream::connect_timeout(&addr, limit) {
                Ok(stream) => {
                    let took = started.elapsed();
                    self.report.connected_to = Some(addr);
                    self.report.connect_time = Some(took);
                    self.step(
                        StepKind::Connect,
                        StepStatus::Ok,
                        format!("connected to {addr} in {}", millis(took)),
                        None,
                    );
                    return Ok(stream);
                }
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                    failures.push(format!(
                        "{addr}: no connection within {}",
                        crate::client::seconds(limit)
                    ));
                    // The check's deadline, not the connect timeout, ran out.
                    out_of_time = limit < self.client.connect_timeout;
                }
                Err(e) => failures.push(format!("{addr}: {e}")),
            }
        }
        Err(Stop {
            verdict: if out_of_time {
                Verdict::Timeout
            } else {
                Verdict::ConnectFailed
            },
            detail: format!("cannot connect to {endpoint}: {}", failures.join("; ")),
            advice: "check the base URL's host and port; a refused connection means nothing listens there, a timeout that a firewall or the network drops the packets".into(),
        })
    }

    fn tls(&mut self, tcp: TcpStream) -> Result<(), Stop> {
        if self.client.target.scheme != "https" {
            self.step(
                StepKind::Tls,
                StepStatus::Skipped,
                "not used: the base URL is http://".into(),
                None,
            );
            return Ok(());
        }
        let endpoint = self.client.target.endpoint.clone();
        let (host, _) = self.host_port();
        let host = host.to_owned();
        let failed = |detail: String, advice: String| Stop {
            verdict: Verdict::TlsFailed,
            detail,
            advice,
        };
        let limit = self.left(self.client.connect_timeout);
        if limit.is_zero() {
            return Err(Stop {
                verdict: Verdict::Timeout,
                detail: format!("no handshake with {endpoint}: the check's own timeout ran out"),
                advice: "give the check more time".into(),
            });
        }
        let _ = tcp.set_read_timeout(Some(limit));
        let _ = tcp.set_write_timeout(Some(limit));
        let name = ServerName::try_from(host.clone()).map_err(|e| {
            failed(
                format!("{host} is not a name TLS can check: {e}"),
                "use the platform's host name in the base URL".into(),
            )
        })?;
        let (config, anchors) = tls_config(&self.client.trust);
        let mut conn = rustls::ClientConnection::new(Arc::new(config), name).map_err(|e| {
            failed(
                format!("cannot start TLS: {e}"),
                "report this as a bug".into(),
            )
        })?;
        let mut tcp = tcp;
        let started = Instant::now();
        // Each round moves the handshake on or fails; a handshake takes a
        // few, so the bound only guards against a peer that never finishes.
        let mut rounds = 0;
        while conn.is_handshaking() {
            rounds += 1;
            let stalled = std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "the handshake did not finish in 64 exchanges",
            );
            let round = if rounds > 64 {
                Err(stalled)
            } else {
                conn.complete_io(&mut tcp).map(|_| ())
            };
            if let Err(e) = round {
                return Err(tls_failure(&endpoint, &host, &e, started.elapsed(), limit));
            }
        }
        conn.send_close_notify();
        let _ = conn.complete_io(&mut tcp);
        let _ = tcp.flush();
        let version = match conn.protocol_version() {
            Some(rustls::ProtocolVersion::TLSv1_3) => "TLSv1.3".to_owned(),
            Some(rustls::ProtocolVersion::TLSv1_2) => "TLSv1.2".to_owned(),
            Some(v) => format!("{v:?}"),
            None => "unknown".to_owned(),
        };
        let chain: Vec<CertificateDer<'static>> = conn
            .peer_certificates()
            .unwrap_or_default()
            .iter()
            .map(|c| c.clone().into_owned())
            .collect();
        let (subject, not_after) = chain
            .first()
            .and_then(|c| der::cert_subject_and_expiry(c))
            .map_or(("(unreadable)".to_owned(), None), |(s, t)| (s, t));
        let (status, verified_by, advice) = match &self.client.trust {
            Trust::Nothing => (
                StepStatus::Warning,
                "nobody: insecure_skip_verify is on".to_owned(),
                Some("turn insecure_skip_verify off: anyone on the path can read the calls and reuse their signatures; trust a test server's CA with ca_file instead".to_owned()),
            ),
            trust => (StepStatus::Ok, anchor_of(&chain, &anchors, trust), None),
        };
        let expiry = not_after.map_or("an unreadable expiry".to_owned(), |t| {
            format!("expires {}", t.format("%Y-%m-%d %H:%M:%S UTC"))
        });
        self.step(
            StepKind::Tls,
            status,
            format!("{version}; certificate {subject}, {expiry}; verified by {verified_by}"),
            advice,
        );
        self.report.tls = Some(TlsFacts {
            version,
            subject,
            not_after,
            verified_by,
        });
        Ok(())
    }

    fn probe(&mut self) -> Result<(), Stop> {
        let client = self.client;
        let body = call_stop_body(PROBE_SESSION_ID).map_err(|e| Stop {
            verdict: Verdict::UnexpectedAnswer,
            detail: format!("the probe could not be made: {e}"),
            advice: "report this as a bug".into(),
        })?;
        // Never retried, whatever the client's policy: one request, one answer.
        let left = self
            .deadline
            .map(|d| d.saturating_duration_since(Instant::now()));
        let started = Instant::now();
        let mut facts = TryFacts::default();
        let answer = client.send(
            Api::CallStop,
            &client.call_stop_url,
            Some(&body),
            left,
            &mut facts,
        );
        let took = started.elapsed();
        let answer = match answer {
            Ok(a) => a,
            Err(e) => return Err(transport_stop(&e)),
        };
        self.report.probe_time = Some(took);
        self.report.http_status = Some(answer.status);
        let refusal = parse_call_stop(answer.status, &answer.body);
        if let Err(e) = &refusal {
            self.report.result_code = e.result_code().map(str::to_owned);
            self.report.result_desc = e.result_desc().map(str::to_owned);
        } else {
            self.report.result_code = Some("0".into());
        }
        let shown = match (&self.report.result_code, &self.report.result_desc) {
            (Some(c), Some(d)) => format!(
                "{}/{} {}",
                answer.status,
                escape_controls(c),
                escape_controls(d)
            ),
            (Some(c), None) => format!("{}/{}", answer.status, escape_controls(c)),
            _ => format!("HTTP {}", answer.status),
        };
        let probe_detail = format!(
            "callStop of {PROBE_SESSION_ID} (no call can have that id) answered {shown} in {}",
            millis(took)
        );
        let code = self.report.result_code.clone();
        let verdict = match (&refusal, answer.status, code.as_deref()) {
            (Err(e), 500, Some(SESSION_REFUSED)) if e.kind() == ErrorKind::Platform => {
                Verdict::Accepted
            }
            (Err(e), _, Some(code)) if e.kind() == ErrorKind::Platform => {
                platform_verdict(answer.status, code)
            }
            _ => Verdict::UnexpectedAnswer,
        };
        if verdict == Verdict::UnexpectedAnswer {
            let why = match &refusal {
                Ok(()) => format!(
                    "it says it stopped a call with the id {PROBE_SESSION_ID}, which no platform issues"
                ),
                Err(e) => e.message().to_owned(),
            };
            return Err(Stop {
                verdict,
                detail: format!("{probe_detail}: not the platform's answer ({why})"),
                advice: format!(
                    "check that {} is the platform's address and that no proxy or gateway answers in its place",
                    client.target.describe()
                ),
            });
        }
        self.step(StepKind::Probe, StepStatus::Ok, probe_detail, None);
        self.clock(&answer, verdict);
        let e = refusal.err();
        self.credentials(verdict, answer.status, code.as_deref(), e.as_ref(), &answer);
        Ok(())
    }

    fn clock(&mut self, answer: &Answer, verdict: Verdict) {
        let offset = self.client.clock_offset_secs;
        let skew = answer.clock_skew_secs();
        self.report.clock_skew_secs = skew;
        self.report.platform_time = answer
            .date()
            .and_then(|d| DateTime::parse_from_rfc2822(d).ok())
            .map(|t| t.with_timezone(&Utc));
        let Some(skew) = skew else {
            let status = if verdict == Verdict::ClockSkew {
                StepStatus::Failed
            } else {
                StepStatus::Skipped
            };
            let advice = (verdict == Verdict::ClockSkew).then(|| NO_DATE_NOTE.to_owned());
            self.step(
                StepKind::Clock,
                status,
                "the answer had no readable Date header".into(),
                advice,
            );
            return;
        };
        let date = answer.date().map(escape_controls).unwrap_or_default();
        let host = match skew {
            0 => "this host's clock agrees".to_owned(),
            s if s > 0 => format!("this host's clock is {s} s behind"),
            s => format!("this host's clock is {} s ahead", -s),
        };
        let created = if offset == 0 {
            String::new()
        } else {
            format!(
                "; clock_offset_secs adds {offset} s, so Created is {} s off the platform's clock",
                offset - skew
            )
        };
        let detail = format!("the platform's Date is {date}; {host}{created}");
        if verdict == Verdict::ClockSkew {
            let advice = clock_refusal_advice(skew, offset);
            self.step(StepKind::Clock, StepStatus::Failed, detail, Some(advice));
        } else {
            self.step(StepKind::Clock, StepStatus::Ok, detail, None);
        }
    }

    fn credentials(
        &mut self,
        verdict: Verdict,
        status: u16,
        code: Option<&str>,
        refusal: Option<&Error>,
        answer: &Answer,
    ) {
        let code = code.unwrap_or("");
        if verdict == Verdict::Accepted {
            self.report.advice = "the app key, the digest and Created passed; the probe was refused only because its session cannot exist, so no call was placed or stopped".into();
            let detail = format!(
                "accepted: the app key, the digest and Created passed ({status}/{code} is the answer for a valid request of a session that does not exist)"
            );
            self.step(StepKind::Credentials, StepStatus::Ok, detail, None);
            return;
        }
        let catalogue = refusal
            .and_then(Error::code_info)
            .map(|c| c.advice().to_owned());
        let advice = match verdict {
            Verdict::AppKeyUnknown => "the platform knows no such app key: copy it again from the app management page, without spaces, and check there that the app is active".to_owned(),
            Verdict::WrongSecret => "the app key is known but the digest is wrong, so the app secret is not this app key's: copy the secret again from the app management page (not the key twice, no spaces or newline)".to_owned(),
            Verdict::ClockSkew => match answer.clock_skew_secs() {
                Some(skew) => clock_refusal_advice(skew, self.client.clock_offset_secs),
                None => NO_DATE_NOTE.to_owned(),
            },
            Verdict::WrongPath => self.client.target.doubled_path_note().unwrap_or_else(|| {
                "the base URL's host answers, but not with the platform's API: check that the base URL is the platform's address".to_owned()
            }) + " (the credentials were not checked)",
            _ => catalogue.clone().unwrap_or_else(|| "see the platform's result code catalogue".to_owned()),
        };
        let desc = self
            .report
            .result_desc
            .as_deref()
            .map(escape_controls)
            .unwrap_or_default();
        let detail = format!("{}: {status}/{code} {desc}", verdict.summary());
        self.report.verdict = verdict;
        self.report.advice = advice.clone();
        // The clock step above says it whole when it could compare clocks.
        let said = verdict == Verdict::ClockSkew && self.report.clock_skew_secs.is_some();
        let step_advice = if said {
            "fix the clock as the clock step says".to_owned()
        } else {
            advice
        };
        self.step(
            StepKind::Credentials,
            StepStatus::Failed,
            detail,
            Some(step_advice),
        );
    }
}

/// The verdict of a platform refusal of the probe.
fn platform_verdict(status: u16, code: &str) -> Verdict {
    match (status, code) {
        (403, "1010003") | (500, "1020150") => Verdict::AppKeyUnknown,
        (401, "1010010") => Verdict::WrongSecret,
        (401, CLOCK_REFUSED) => Verdict::ClockSkew,
        (400, c) if c.starts_with("1023") => Verdict::HeaderRefused,
        (403, API_REFUSED) => Verdict::WrongPath,
        _ => Verdict::Refused,
    }
}

/// The verdict of a probe that got no answer.
fn transport_stop(e: &Error) -> Stop {
    let verdict = match e.kind() {
        ErrorKind::Tls => Verdict::TlsFailed,
        ErrorKind::Timeout if e.timeout_limit() == Some(TimeoutLimit::Connect) => {
            Verdict::ConnectFailed
        }
        ErrorKind::Timeout => Verdict::Timeout,
        ErrorKind::Transport if e.request_not_sent() => Verdict::ConnectFailed,
        ErrorKind::BadResponse => Verdict::UnexpectedAnswer,
        _ => Verdict::TransportFailed,
    };
    let advice = match verdict {
        Verdict::Timeout => {
            "the server accepted the connection but did not answer: check that the base URL is the platform's (a wrong port can hold connections open), and that no firewall or proxy swallows the request; a slow network needs a longer timeout"
        }
        Verdict::TlsFailed => {
            "check the server's certificate: trust a test server's CA with ca_file"
        }
        Verdict::ConnectFailed => "check the base URL's host and port, and the proxy's",
        Verdict::UnexpectedAnswer => {
            "check that the base URL is the platform's address, with the right scheme (http:// or https://)"
        }
        _ => "try again; if it persists, check the network path to the platform",
    };
    Stop {
        verdict,
        // The probe's session does not exist: nothing can have been stopped.
        detail: e.message().replace(
            STOP_MAY_HAVE_ARRIVED,
            "the probe may have reached the server, which cannot stop a call for it",
        ),
        advice: advice.to_owned(),
    }
}

/// The message and advice of a failed handshake.
fn tls_failure(
    endpoint: &str,
    host: &str,
    e: &std::io::Error,
    took: Duration,
    limit: Duration,
) -> Stop {
    use rustls::{CertificateError, Error as Tls};
    let inner = e.get_ref().and_then(|i| i.downcast_ref::<Tls>());
    let timed_out = matches!(
        e.kind(),
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
    );
    let detail = if timed_out {
        format!(
            "no TLS handshake with {endpoint} within {} (took {}): the server accepted the connection but did not answer it",
            crate::client::seconds(limit),
            millis(took)
        )
    } else {
        format!("TLS handshake with {endpoint} failed: {e}")
    };
    let advice = match inner {
        Some(Tls::InvalidCertificate(CertificateError::UnknownIssuer)) => "the server's certificate is signed by a CA this client does not trust: for a test server with its own CA, give that CA's PEM file as ca_file; the platform's certificate chains to a built-in root, so against it this means something on the path intercepts TLS".to_owned(),
        Some(Tls::InvalidCertificate(CertificateError::Expired | CertificateError::ExpiredContext { .. })) => "the server's certificate has expired (or this host's clock is far ahead): renew the certificate, or fix the host's clock".to_owned(),
        Some(Tls::InvalidCertificate(CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. })) => format!("the server's certificate is not for {host:?}: use the host name the certificate is for in the base URL"),
        Some(Tls::InvalidMessage(rustls::InvalidMessage::InvalidContentType)) => "the server answered with something that is not TLS: it may speak plain HTTP (then use an http:// base URL)".to_owned(),
        _ if timed_out => "check that the base URL's port is the platform's HTTPS port".to_owned(),
        _ => "check the server's certificate and the client's ca_file".to_owned(),
    };
    let verdict = if timed_out {
        Verdict::Timeout
    } else {
        Verdict::TlsFailed
    };
    Stop {
        verdict,
        detail,
        advice,
    }
}

/// A rustls configuration that trusts what the client trusts, and the
/// trust anchors to name the root from.
fn tls_config(trust: &Trust) -> (rustls::ClientConfig, Vec<TrustAnchor<'static>>) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .expect("ring supports every protocol version rustls has");
    let anchors: Vec<TrustAnchor<'static>> = match trust {
        Trust::BuiltIn => webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        Trust::CaFile(_, certs) => certs
            .iter()
            .filter_map(|c| {
                webpki::anchor_from_trusted_cert(c)
                    .ok()
                    .map(|a| a.to_owned())
            })
            .collect(),
        Trust::Nothing => Vec::new(),
    };
    let config = match trust {
        Trust::Nothing => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerifier(provider)))
            .with_no_client_auth(),
        _ => builder
            .with_root_certificates(rustls::RootCertStore {
                roots: anchors.clone(),
            })
            .with_no_client_auth(),
    };
    (config, anchors)
}

/// Names the root that anchors `chain` (already verified by the
/// handshake) and where it came from.
fn anchor_of(
    chain: &[CertificateDer<'static>],
    anchors: &[TrustAnchor<'static>],
    trust: &Trust,
) -> String {
    let whence = match trust {
        Trust::CaFile(path, _) => format!("a root of the CA file {}", path.display()),
        _ => "a built-in Mozilla root (webpki-roots)".to_owned(),
    };
    let Some((end, intermediates)) = chain.split_first() else {
        return whence;
    };
    let Ok(end) = webpki::EndEntityCert::try_from(end) else {
        return whence;
    };
    let algs = rustls::crypto::ring::default_provider()
        .signature_verification_algorithms
        .all;
    match end.verify_for_usage(
        algs,
        anchors,
        intermediates,
        UnixTime::now(),
        webpki::KeyUsage::server_auth(),
        None,
        None,
    ) {
        Ok(path) => format!("{} ({whence})", der::name(path.anchor().subject.as_ref())),
        Err(_) => whence,
    }
}

/// The handshake verifier for `insecure_skip_verify`: accepts any
/// certificate, as the client's own connections then do.
#[derive(Debug)]
struct NoVerifier(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for NoVerifier {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        Ok(rustls::client::danger::HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.verify_tls12_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// A duration as the checklist shows it: "0.4 ms", "12.3 ms".
fn millis(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Just enough DER to read a certificate's subject and expiry for a
/// report: webpki verifies certificates but does not expose either, and a
/// general X.509 crate would add a dozen crates to the library for two
/// fields. Every read is bounds-checked; anything unexpected gives `None`.
mod der {
    use chrono::{DateTime, NaiveDateTime, Utc};

    const SEQUENCE: u8 = 0x30;
    const SET: u8 = 0x31;
    const OID: u8 = 0x06;

    /// The first element of `input`: its tag, its contents and what follows.
    pub(super) fn next(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
        let (&tag, rest) = input.split_first()?;
        // High tag numbers do not occur in the fields read here.
        if tag & 0x1f == 0x1f {
            return None;
        }
        let (&first, rest) = rest.split_first()?;
        let (len, rest) = match first {
            n if n < 0x80 => (usize::from(n), rest),
            0x81..=0x84 => {
                let bytes = usize::from(first & 0x7f);
                if rest.len() < bytes {
                    return None;
                }
                let len = rest[..bytes]
                    .iter()
                    .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
                (len, &rest[bytes..])
            }
            _ => return None,
        };
        if rest.len() < len {
            return None;
        }
        Some((tag, &rest[..len], &rest[len..]))
    }

    /// The contents of the element `input` starts with, if it has `tag`.
    fn expect(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
        let (t, value, rest) = next(input)?;
        (t == tag).then_some((value, rest))
    }

    /// The subject (as [`name`] renders it) and `notAfter` of a DER
    /// certificate.
    pub(super) fn cert_subject_and_expiry(cert: &[u8]) -> Option<(String, Option<DateTime<Utc>>)> {
        let (cert, _) = expect(cert, SEQUENCE)?;
        let (tbs, _) = expect(cert, SEQUENCE)?;
        let mut rest = tbs;
        // version [0] EXPLICIT, absent in v1 certificates
        if let Some((0xa0, _, after)) = next(rest) {
            rest = after;
        }
        let (_serial, rest) = expect(rest, 0x02)?;
        let (_signature, rest) = expect(rest, SEQUENCE)?;
        let (_issuer, rest) = expect(rest, SEQUENCE)?;
        let (validity, rest) = expect(rest, SEQUENCE)?;
        let (subject, _) = expect(rest, SEQUENCE)?;
        let (_, _, after_not_before) = next(validity)?;
        let (tag, not_after, _) = next(after_not_before)?;
        Some((name(subject), time(tag, not_after)))
    }

    /// A UTCTime (0x17) or GeneralizedTime (0x18) of the form ...Z.
    pub(super) fn time(tag: u8, value: &[u8]) -> Option<DateTime<Utc>> {
        let text = std::str::from_utf8(value).ok()?;
        let full = match tag {
            0x17 if text.len() == 13 => {
                // RFC 5280: YY of 50 and more is 19YY.
                let yy: u32 = text.get(..2)?.parse().ok()?;
                format!("{}{text}", if yy >= 50 { "19" } else { "20" })
            }
            0x18 if text.len() == 15 => text.to_owned(),
            _ => return None,
        };
        NaiveDateTime::parse_from_str(&full, "%Y%m%d%H%M%SZ")
            .ok()
            .map(|t| t.and_utc())
    }

    /// The contents of a `Name` (a SEQUENCE of SETs of attribute type and
    /// value) as `CN=..., O=...`, in the order given; attributes of other
    /// types are left out, control characters escaped.
    pub(super) fn name(mut input: &[u8]) -> String {
        let mut parts = Vec::new();
        while let Some((tag, set, rest)) = next(input) {
            input = rest;
            if tag != SET {
                continue;
            }
            let mut attrs = set;
            while let Some((SEQUENCE, attr, rest)) = next(attrs) {
                attrs = rest;
                let Some((oid, value)) = expect(attr, OID) else {
                    continue;
                };
                let Some((label, (vtag, text, _))) = label(oid).zip(next(value)) else {
                    continue;
                };
                if let Some(text) = string(vtag, text) {
                    parts.push(format!(
                        "{label}={}",
                        crate::response::escape_controls(&text)
                    ));
                }
            }
        }
        if parts.is_empty() {
            "(no readable name)".to_owned()
        } else {
            parts.join(", ")
        }
    }

    fn label(oid: &[u8]) -> Option<&'static str> {
        Some(match oid {
            [0x55, 0x04, 0x03] => "CN",
            [0x55, 0x04, 0x05] => "serialNumber",
            [0x55, 0x04, 0x06] => "C",
            [0x55, 0x04, 0x07] => "L",
            [0x55, 0x04, 0x08] => "ST",
            [0x55, 0x04, 0x0a] => "O",
            [0x55, 0x04, 0x0b] => "OU",
            _ => return None,
        })
    }

    /// A directory string's text.
    fn string(tag: u8, value: &[u8]) -> Option<String> {
        match tag {
            // UTF8String, PrintableString, IA5String
            0x0c | 0x13 | 0x16 => std::str::from_utf8(value).ok().map(str::to_owned),
            // TeletexString, read as Latin-1 as most software does
            0x14 => Some(value.iter().map(|&b| char::from(b)).collect()),
            // BMPString: UTF-16BE
            0x1e if value.len() % 2 == 0 => {
                let units: Vec<u16> = value
                    .chunks_exact(2)
                    .map(|c| u16::from_be_bytes([c[0], c[1]]))
                    .collect();
                String::from_utf16(&units).ok()
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_probe_session_is_a_valid_sessionid() {
        // The same rules a callStop's session id is checked against.
        assert!(call_stop_body(PROBE_SESSION_ID).is_ok());
        assert!((1..=256).contains(&PROBE_SESSION_ID.len()));
        assert!(PROBE_SESSION_ID.ends_with(".invalid"));
    }

    #[test]
    fn verdicts_have_dense_codes_and_unique_names() {
        for (i, v) in Verdict::ALL.iter().enumerate() {
            assert_eq!(v.code() as usize, i);
            assert_eq!(Verdict::parse(v.name()), Some(*v));
        }
        let names: std::collections::HashSet<_> = Verdict::ALL.iter().map(|v| v.name()).collect();
        assert_eq!(names.len(), Verdict::ALL.len());
    }

    #[test]
    fn platform_refusals_map_to_their_verdicts() {
        assert_eq!(platform_verdict(403, "1010003"), Verdict::AppKeyUnknown);
        assert_eq!(platform_verdict(500, "1020150"), Verdict::AppKeyUnknown);
        assert_eq!(platform_verdict(401, "1010010"), Verdict::WrongSecret);
        assert_eq!(
            platform_verdict(403, "1010010"),
            Verdict::Refused,
            "flow control, not the digest"
        );
        assert_eq!(platform_verdict(401, "1010013"), Verdict::ClockSkew);
        assert_eq!(platform_verdict(400, "1023006"), Verdict::HeaderRefused);
        assert_eq!(platform_verdict(403, "1010006"), Verdict::WrongPath);
        assert_eq!(platform_verdict(403, "1010008"), Verdict::Refused);
    }

    #[test]
    fn der_reads_times_and_refuses_truncation() {
        let t = der::time(0x17, b"491231235959Z").unwrap();
        assert_eq!(t.to_rfc3339(), "2049-12-31T23:59:59+00:00");
        let t = der::time(0x17, b"500101000000Z").unwrap();
        assert_eq!(t.to_rfc3339(), "1950-01-01T00:00:00+00:00");
        let t = der::time(0x18, b"20261201045959Z").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-12-01T04:59:59+00:00");
        assert_eq!(der::time(0x17, b"4912312359Z"), None);
        // A length past the end, a long length form of 5 bytes, a high tag.
        assert_eq!(der::next(&[0x30, 0x05, 1, 2]), None);
        assert_eq!(der::next(&[0x30, 0x85, 0, 0, 0, 0, 1]), None);
        assert_eq!(der::next(&[0x1f, 0x01, 0]), None);
        assert_eq!(
            der::next(&[0x30, 0x81, 0x01, 7]),
            Some((0x30, &[7u8][..], &[][..]))
        );
    }

    /// A DER element: tag, length (short or long form), contents.
    fn tlv(tag: u8, contents: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        match contents.len() {
            n if n < 0x80 => out.push(n as u8),
            n if n < 0x100 => out.extend([0x81, n as u8]),
            n => out.extend([0x82, (n >> 8) as u8, n as u8]),
        }
        out.extend_from_slice(contents);
        out
    }

    #[test]
    fn der_reads_a_certificates_subject_and_expiry_and_survives_any_cut() {
        let cn = |name: &[u8]| {
            let attr = [tlv(0x06, &[0x55, 0x04, 0x03]), tlv(0x0c, name)].concat();
            tlv(0x30, &tlv(0x31, &tlv(0x30, &attr)))
        };
        let validity = [tlv(0x17, b"260101000000Z"), tlv(0x18, b"20271201045544Z")].concat();
        let tbs = [
            tlv(0xa0, &tlv(0x02, &[2])),
            tlv(0x02, &[1]),
            tlv(
                0x30,
                &tlv(0x06, &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]),
            ),
            cn(b"issuer CA"),
            tlv(0x30, &validity),
            cn(b"rtccall.example.com"),
            // A long subject public key info, for the long length form.
            tlv(0x30, &[0u8; 300]),
        ]
        .concat();
        let cert = tlv(
            0x30,
            &[tlv(0x30, &tbs), tlv(0x30, &[]), tlv(0x03, &[0])].concat(),
        );
        let (subject, not_after) =
            der::cert_subject_and_expiry(&cert).expect("a whole certificate");
        assert_eq!(subject, "CN=rtccall.example.com");
        assert_eq!(not_after.unwrap().to_rfc3339(), "2027-12-01T04:55:44+00:00");
        // Every cut is refused or read, never a panic nor an overread.
        for end in 0..cert.len() {
            let _ = der::cert_subject_and_expiry(&cert[..end]);
        }
        assert_eq!(der::cert_subject_and_expiry(&cert[..cert.len() - 1]), None);
    }

    #[test]
    fn der_names_render_known_attributes_in_order() {
        // SET { SEQ { OID 2.5.4.6, PrintableString "CN" } }, SET { SEQ { OID 2.5.4.3, UTF8String "a\nb" } }
        let name = [
            0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x06, 0x13, 0x02, b'C', b'N', //
            0x31, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x03, b'a', b'\n', b'b',
        ];
        assert_eq!(der::name(&name), "C=CN, CN=a\\nb");
        assert_eq!(der::name(&name[..20]), "C=CN");
        assert_eq!(der::name(&[]), "(no readable name)");
    }
}
