//! The client: configuration, the connection pool, and the two calls.

use std::io::Read;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use ureq::Agent;
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};
use ureq::unversioned::transport::DefaultConnector;

use crate::codes::Api;
use crate::error::{Error, ErrorKind};
use crate::request::{
    CALL_STOP_PATH, CLICK2CALL_PATH, Click2Call, call_stop_body, check_no_controls,
};
use crate::resolver::{CachingResolver, ResolveFailed};
use crate::response::{CallResult, MAX_BODY, parse_call_stop, parse_click2call};
use crate::secret::Secret;
use crate::signing;

/// The platform's production endpoint.
pub const DEFAULT_BASE_URL: &str = "https://rtccall.cn-north-1.myhuaweicloud.cn:443";
/// Default time to set up a connection (DNS, TCP, TLS).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default time for a whole request, from connecting to the last byte of the answer.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);
/// Tries in all (the first included) that the wrappers' retry settings
/// start from: `RetryPolicy::new(DEFAULT_RETRY_ATTEMPTS)`.
pub const DEFAULT_RETRY_ATTEMPTS: u32 = 3;
/// The default `User-Agent`.
pub const DEFAULT_USER_AGENT: &str = concat!("libvoicecb/", env!("CARGO_PKG_VERSION"));

const CONTENT_TYPE: &str = "application/json;charset=UTF-8";

/// Configures a [`Client`]. Every setter takes the value as given; all checks
/// happen in [`build`](ClientBuilder::build), which names the bad setting.
#[derive(Clone, Debug)]
pub struct ClientBuilder {
    app_key: String,
    app_secret: Secret,
    base_url: String,
    connect_timeout: Duration,
    timeout: Duration,
    ca_file: Option<PathBuf>,
    insecure_skip_verify: bool,
    proxy: Option<String>,
    user_agent: Option<String>,
    encode_non_ascii_user_data: bool,
    clock_offset_secs: i64,
    retry: RetryPolicy,
}

impl ClientBuilder {
    /// Starts a configuration with the app's key and secret and every default.
    pub fn new(app_key: impl Into<String>, app_secret: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            app_key: app_key.into(),
            app_secret: Secret::new(app_secret.into()),
            base_url: DEFAULT_BASE_URL.to_owned(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            ca_file: None,
            insecure_skip_verify: false,
            proxy: None,
            user_agent: None,
            encode_non_ascii_user_data: false,
            clock_offset_secs: 0,
            retry: RetryPolicy::none(),
        }
    }

    /// The platform's address, `http://` or `https://` with host and port
    /// (default [`DEFAULT_BASE_URL`]). A path, if given, is kept as a prefix.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Time allowed for name resolution and for connecting, TLS included (default 5 s).
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.connect_timeout = t;
        self
    }

    /// Time allowed for a whole request, answer included (default 15 s).
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    /// Trust the certificates of this PEM file instead of the built-in
    /// Mozilla roots.
    pub fn ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_file = Some(path.into());
        self
    }

    /// **Dangerous.** Skips every check of the server's certificate, so
    /// anyone on the path can read the calls and reuse their signatures.
    /// For tests against a server with a throwaway certificate only.
    pub fn insecure_skip_verify(mut self, yes: bool) -> Self {
        self.insecure_skip_verify = yes;
        self
    }

    /// Send requests through this HTTP proxy, `http://host:port` (HTTPS
    /// goes through it with CONNECT). Proxy variables of the environment
    /// are not read: a telephony client should not change route because
    /// of its environment.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = Some(url.into());
        self
    }

    /// The `User-Agent` header (default [`DEFAULT_USER_AGENT`]).
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = Some(ua.into());
        self
    }

    /// Base64-encode a non-ASCII `userData` (with the prefix
    /// [`USER_DATA_BASE64_PREFIX`](crate::request::USER_DATA_BASE64_PREFIX)),
    /// as the spec suggests, instead of refusing it. Off by default.
    pub fn encode_non_ascii_user_data(mut self, yes: bool) -> Self {
        self.encode_non_ascii_user_data = yes;
        self
    }

    /// Seconds to add to this host's clock when signing, for a host whose
    /// clock is known to be off (the platform refuses a `Created` outside its
    /// window with 1010013).
    pub fn clock_offset_secs(mut self, secs: i64) -> Self {
        self.clock_offset_secs = secs;
        self
    }

    /// Retries failed calls where that cannot place a call twice; see
    /// [`RetryPolicy`]. Off by default.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Checks the configuration and makes the client, with its connection
    /// pool. Reads the CA file, if any; does no network I/O.
    pub fn build(self) -> Result<Client, Error> {
        signing::check_header_value("app_key", &self.app_key)?;
        if self.app_secret.expose().is_empty() {
            return Err(Error::invalid("app_secret", "must not be empty"));
        }
        let base = check_base_url(&self.base_url)?;
        if self.connect_timeout.is_zero() {
            return Err(Error::invalid(
                "connect_timeout",
                "must be greater than zero",
            ));
        }
        if self.timeout.is_zero() {
            return Err(Error::invalid("timeout", "must be greater than zero"));
        }
        self.retry.check()?;
        let user_agent = self
            .user_agent
            .unwrap_or_else(|| DEFAULT_USER_AGENT.to_owned());
        check_no_controls("user_agent", &user_agent)?;
        let mut tls = TlsConfig::builder().disable_verification(self.insecure_skip_verify);
        if let Some(path) = &self.ca_file {
            tls = tls.root_certs(load_ca_file(path)?);
        }
        let proxy = match &self.proxy {
            None => None,
            Some(p) => {
                check_no_controls("proxy", p)?;
                Some(
                    ureq::Proxy::new(p)
                        .map_err(|e| Error::invalid("proxy", format!("not a proxy URL ({e})")))?,
                )
            }
        };
        let config = Agent::config_builder()
            .http_status_as_error(false)
            .https_only(false)
            .max_redirects(0)
            .proxy(proxy)
            .user_agent(user_agent)
            .tls_config(tls.build())
            .timeout_resolve(Some(self.connect_timeout))
            .timeout_connect(Some(self.connect_timeout))
            .timeout_global(Some(self.timeout))
            .max_idle_connections(64)
            .max_idle_connections_per_host(64)
            // The answers are small JSON: 16 KiB buffers keep a pooled
            // connection at about 35 KiB of memory instead of 259 KiB.
            .input_buffer_size(16 * 1024)
            .output_buffer_size(16 * 1024)
            .max_response_header_size(8 * 1024)
            .build();
        let agent = Agent::with_parts(
            config,
            DefaultConnector::default(),
            CachingResolver::default(),
        );
        Ok(Client {
            agent,
            click2call_url: format!("{base}{CLICK2CALL_PATH}"),
            call_stop_url: format!("{base}{CALL_STOP_PATH}"),
            app_key: self.app_key,
            app_secret: self.app_secret,
            timeout: self.timeout,
            encode_non_ascii_user_data: self.encode_non_ascii_user_data,
            clock_offset_secs: self.clock_offset_secs,
            retry: self.retry,
        })
    }
}

/// A client of the voice-callback API. Cheap to share: it is `Send + Sync`,
/// and every thread's calls reuse the same pool of kept-alive connections.
#[derive(Debug)]
pub struct Client {
    agent: Agent,
    click2call_url: String,
    call_stop_url: String,
    app_key: String,
    app_secret: Secret,
    timeout: Duration,
    encode_non_ascii_user_data: bool,
    clock_offset_secs: i64,
    retry: RetryPolicy,
}

const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<Client>();
};

impl Client {
    /// Starts configuring a client; see [`ClientBuilder`].
    pub fn builder(app_key: impl Into<String>, app_secret: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(app_key, app_secret)
    }

    /// Places a voice callback: the platform rings the caller, then bridges
    /// the callee. Validates the request first and sends nothing if it is
    /// invalid.
    pub fn click2call(&self, req: &Click2Call) -> Result<CallResult, Error> {
        self.click2call_within(req, None)
    }

    /// [`click2call`](Client::click2call) with a deadline for this call:
    /// `timeout` bounds the whole call, retries and their waits included
    /// (each try still has at most the client's request timeout).
    pub fn click2call_within(
        &self,
        req: &Click2Call,
        timeout: Option<Duration>,
    ) -> Result<CallResult, Error> {
        let body = req.to_body(self.encode_non_ascii_user_data)?;
        self.with_retries(Api::Click2Call, timeout, |left| {
            let answer = self.post(&self.click2call_url, &body, left)?;
            parse_click2call(answer.status, &answer.body).map_err(|e| answer.explain(e))
        })
    }

    /// Stops a call placed by [`click2call`](Client::click2call): both
    /// parties are released.
    pub fn call_stop(&self, session_id: &str) -> Result<(), Error> {
        self.call_stop_within(session_id, None)
    }

    /// [`call_stop`](Client::call_stop) with a deadline for this call, as
    /// for [`click2call_within`](Client::click2call_within).
    pub fn call_stop_within(
        &self,
        session_id: &str,
        timeout: Option<Duration>,
    ) -> Result<(), Error> {
        let body = call_stop_body(session_id)?;
        self.with_retries(Api::CallStop, timeout, |left| {
            let answer = self.post(&self.call_stop_url, &body, left)?;
            parse_call_stop(answer.status, &answer.body).map_err(|e| answer.explain(e))
        })
    }

    /// Runs `attempt` until it succeeds, fails in a way that must not be
    /// retried, the policy's attempts are used up, or the call's deadline
    /// (`timeout` from now) would pass during the wait. `attempt` is given
    /// the time left before the deadline.
    fn with_retries<T>(
        &self,
        api: Api,
        timeout: Option<Duration>,
        mut attempt: impl FnMut(Option<Duration>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut tries = 1;
        loop {
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            match attempt(left) {
                Err(e) if tries < self.retry.max_attempts && may_retry(api, &e) => {
                    let wait = self.retry.backoff(tries);
                    if deadline.is_some_and(|d| Instant::now() + wait >= d) {
                        return Err(e);
                    }
                    std::thread::sleep(wait);
                    tries += 1;
                }
                result => return result,
            }
        }
    }

    /// Signs and sends one request; returns the status, the `Date` header
    /// and at most [`MAX_BODY`] + 1 bytes of the body.
    fn post(&self, url: &str, body: &[u8], timeout: Option<Duration>) -> Result<Answer, Error> {
        let auth = signing::sign(&self.app_key, &self.app_secret, self.clock_offset_secs)?;
        let mut request = self.agent.post(url);
        if let Some(t) = timeout.filter(|t| *t < self.timeout) {
            if t.is_zero() {
                return Err(Error::new(
                    ErrorKind::Timeout,
                    "timed out before the request was sent",
                )
                .before_sending());
            }
            request = request.config().timeout_global(Some(t)).build();
        }
        let mut response = request
            .header("Content-Type", CONTENT_TYPE)
            .header("Authorization", auth.authorization)
            .header("X-AKSK", &auth.x_aksk)
            .send(body)
            .map_err(transport_error)?;
        let status = response.status().as_u16();
        let date = response
            .headers()
            .get("date")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let mut answer = Vec::with_capacity(512);
        response
            .body_mut()
            .as_reader()
            .take(MAX_BODY as u64 + 1)
            .read_to_end(&mut answer)
            .map_err(|e| transport_error(ureq::Error::from(e)))?;
        if answer.len() > MAX_BODY {
            return Err(Error::bad_response(
                status,
                "the body is larger than 64 KiB",
                &answer,
            ));
        }
        Ok(Answer {
            status,
            date,
            body: answer,
            received: chrono::Utc::now(),
        })
    }
}

/// One answer of the platform, as read off the wire.
struct Answer {
    status: u16,
    date: Option<String>,
    body: Vec<u8>,
    received: chrono::DateTime<chrono::Utc>,
}

impl Answer {
    /// Adds what the answer's headers tell about an error: for a refusal
    /// of the time limit, how far the platform's clock is from ours.
    fn explain(&self, e: Error) -> Error {
        if e.kind() != ErrorKind::Platform || e.result_code() != Some(CLOCK_REFUSED) {
            return e;
        }
        match self
            .date
            .as_deref()
            .and_then(|d| chrono::DateTime::parse_from_rfc2822(d).ok())
        {
            Some(platform_now) => e.with_clock_skew(
                (platform_now.with_timezone(&chrono::Utc) - self.received).num_seconds(),
            ),
            None => e,
        }
    }
}

/// The platform's refusal of a `Created` outside its window.
const CLOCK_REFUSED: &str = "1010013";

/// When to retry a failed call. The rule never places a call twice:
///
/// - a request that never left (resolving, connecting or the TLS handshake
///   failed) is retried, for both calls;
/// - a refusal whose catalogue entry says the platform did not place the
///   call and a later try can succeed (flow control, port limits) is
///   retried;
/// - callStop is also retried after a transport error or a timeout, since
///   stopping twice is harmless (a retry may then be told 1020152, "invalid
///   sessionid", if the first try had in fact stopped the call);
/// - click2Call is never re-sent once its request may have reached the
///   platform: a timeout or a broken connection after sending is returned.
///
/// Waits between tries grow exponentially from `initial_backoff` up to
/// `max_backoff`, each with full jitter (a random wait between zero and the
/// bound), so that many clients do not retry in step. Each try has the
/// client's request timeout; a per-call timeout (`click2call_within`, the C
/// functions' `timeout_ms`) bounds the whole call, waits included: no try
/// starts after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all, the first included; 1 means no retries.
    pub max_attempts: u32,
    /// Bound of the first wait.
    pub initial_backoff: Duration,
    /// The largest bound of a wait.
    pub max_backoff: Duration,
}

impl RetryPolicy {
    /// No retries: every failure is returned at once.
    pub fn none() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 1,
            initial_backoff: Duration::ZERO,
            max_backoff: Duration::ZERO,
        }
    }

    /// `max_attempts` tries in all, waits from 200 ms up to 5 s.
    pub fn new(max_attempts: u32) -> RetryPolicy {
        RetryPolicy {
            max_attempts,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
        }
    }

    fn check(&self) -> Result<(), Error> {
        if !(1..=10).contains(&self.max_attempts) {
            return Err(Error::invalid("retry.max_attempts", "must be 1 to 10"));
        }
        if self.initial_backoff > self.max_backoff {
            return Err(Error::invalid(
                "retry.initial_backoff",
                "must not exceed retry.max_backoff",
            ));
        }
        if self.max_backoff > Duration::from_secs(60) {
            return Err(Error::invalid("retry.max_backoff", "must be at most 60 s"));
        }
        Ok(())
    }

    /// The wait after try number `tries` (1-based): full jitter under an
    /// exponentially growing bound.
    fn backoff(&self, tries: u32) -> Duration {
        let bound = self
            .initial_backoff
            .saturating_mul(1 << (tries - 1).min(16))
            .min(self.max_backoff);
        let millis = u64::try_from(bound.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(rand::RngExt::random_range(&mut rand::rng(), 0..=millis))
    }
}

/// Whether a failed try may be repeated without placing a call twice.
fn may_retry(api: Api, e: &Error) -> bool {
    match e.kind() {
        ErrorKind::Platform => e.retryable(),
        ErrorKind::Transport | ErrorKind::Timeout | ErrorKind::Tls => {
            e.request_not_sent() || api == Api::CallStop
        }
        ErrorKind::InvalidArgument | ErrorKind::BadResponse => false,
        // Only the notification functions make these; no request was tried.
        ErrorKind::BadNotification | ErrorKind::BadSignature => false,
    }
}

fn check_base_url(url: &str) -> Result<String, Error> {
    check_no_controls("base_url", url)?;
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(r) if !r.is_empty() && !r.starts_with('/') && !r.contains(['?', '#', ' ']) => {}
        _ => {
            return Err(Error::invalid(
                "base_url",
                "must be http://host[:port] or https://host[:port]",
            ));
        }
    }
    Ok(url.trim_end_matches('/').to_owned())
}

fn load_ca_file(path: &std::path::Path) -> Result<RootCerts, Error> {
    let pem = std::fs::read(path)
        .map_err(|e| Error::invalid("ca_file", format!("cannot read {}: {e}", path.display())))?;
    let mut certs: Vec<Certificate<'static>> = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(PemItem::Certificate(c)) => certs.push(c),
            Ok(_) => {}
            Err(e) => {
                return Err(Error::invalid(
                    "ca_file",
                    format!("{} is not valid PEM: {e}", path.display()),
                ));
            }
        }
    }
    if certs.is_empty() {
        return Err(Error::invalid(
            "ca_file",
            format!("{} holds no PEM certificate", path.display()),
        ));
    }
    Ok(RootCerts::new_with_certs(&certs))
}

/// Sorts ureq's errors into the library's kinds.
fn transport_error(e: ureq::Error) -> Error {
    use std::io::ErrorKind as Io;
    let kind = match &e {
        ureq::Error::Timeout(_) => ErrorKind::Timeout,
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) | ureq::Error::Pem(_) => ErrorKind::Tls,
        ureq::Error::Io(io) if io.kind() == Io::TimedOut || io.kind() == Io::WouldBlock => {
            ErrorKind::Timeout
        }
        ureq::Error::Io(io) if is_tls(io) => ErrorKind::Tls,
        ureq::Error::Protocol(_) | ureq::Error::LargeResponseHeader(..) => ErrorKind::BadResponse,
        _ => ErrorKind::Transport,
    };
    let before_sending = matches!(
        &e,
        ureq::Error::HostNotFound
            | ureq::Error::ConnectionFailed
            | ureq::Error::Timeout(ureq::Timeout::Resolve | ureq::Timeout::Connect)
            | ureq::Error::Tls(_)
            | ureq::Error::Rustls(_)
    ) || matches!(&e, ureq::Error::Io(io) if io.kind() == Io::ConnectionRefused || is_tls(io))
        || matches!(&e, ureq::Error::Other(o) if o.is::<ResolveFailed>());
    let what = match kind {
        ErrorKind::Timeout => "timed out",
        ErrorKind::Tls => "TLS handshake failed",
        ErrorKind::BadResponse => "the server's answer is not valid HTTP",
        _ => "transport error",
    };
    let error = Error::new(kind, format!("{what}: {e}"));
    if before_sending {
        error.before_sending()
    } else {
        error
    }
}

fn is_tls(io: &std::io::Error) -> bool {
    io.get_ref()
        .is_some_and(|inner| inner.is::<rustls::Error>())
}
