//! The client: configuration, the connection pool, and the two calls.

use std::io::Read;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use ureq::Agent;
use ureq::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use ureq::http::{Method, Request, Uri};
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};
use ureq::unversioned::transport::{ConnectProxyConnector, Connector, RustlsConnector};

use std::sync::Arc;

use crate::callnotify::{CALL_NOTIFY_PATH, CallNotify};
use crate::callverify::{CALL_VERIFY_PATH, CallVerify};
use crate::codes::Api;
use crate::error::{Error, ErrorKind, TimeoutLimit};
use crate::events::{CallFacts, Event, EventKind, Level, Sink, TryFacts};
use crate::record::{RECORD_URL_PATH, RecordLocation, parse_record_url, record_url_query};
use crate::request::{
    CALL_STOP_PATH, CLICK2CALL_PATH, Click2Call, call_stop_body, check_no_controls,
};
use crate::resolver::{CachingResolver, ResolveFailed, SharedResolver};
use crate::response::{CallResult, MAX_BODY, parse_call, parse_call_stop};
use crate::secret::Secret;
use crate::signing::{self, SigningKey};
use crate::transport::LeanTcpConnector;

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

/// The longest app key accepted, in bytes. The platform's keys are about
/// 30 characters; a longer value is a mistake (a file pasted whole) that
/// would otherwise fail on every call with a misleading transport error.
pub const MAX_APP_KEY_LEN: usize = 256;
/// The longest app secret accepted, in bytes (the platform's are about 30).
pub const MAX_APP_SECRET_LEN: usize = 256;
/// The largest [`ClientBuilder::clock_offset_secs`] either way: one day.
/// A host clock off by more is broken, not skewed.
pub const MAX_CLOCK_OFFSET_SECS: i64 = 24 * 60 * 60;

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
    allow_base_url_path: bool,
    retry: RetryPolicy,
    binding: Binding,
    sink: Sink,
}

/// The interface a program uses the library through. Messages that tell
/// the user to set an option name it as that interface spells it, so a
/// wrapper sets its own and never rewrites the library's text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Binding {
    /// The Rust crate ([`ClientBuilder`]); the default.
    #[default]
    Rust,
    /// The C ABI (`voicecb.h`).
    C,
    /// The Python package (`voicecb.Client`).
    Python,
    /// The Go package (`voicecb.NewClient`).
    Go,
    /// The `voicecb` command line.
    Cli,
}

impl Binding {
    /// Every binding, for the C ABI's name lookup.
    pub const ALL: [Binding; 5] = [
        Binding::Rust,
        Binding::C,
        Binding::Python,
        Binding::Go,
        Binding::Cli,
    ];

    /// The binding's short name: "rust", "c", "python", "go" or "cli".
    pub fn name(self) -> &'static str {
        match self {
            Binding::Rust => "rust",
            Binding::C => "c",
            Binding::Python => "python",
            Binding::Go => "go",
            Binding::Cli => "cli",
        }
    }

    /// The binding of a [`name`](Binding::name).
    pub fn parse(name: &str) -> Option<Binding> {
        Binding::ALL.into_iter().find(|b| b.name() == name)
    }

    /// How this binding turns on
    /// [`encode_non_ascii_user_data`](ClientBuilder::encode_non_ascii_user_data).
    pub(crate) fn encode_user_data_option(self) -> &'static str {
        match self {
            Binding::Rust => "ClientBuilder::encode_non_ascii_user_data(true)",
            Binding::C => "voicecb_options_set_encode_non_ascii_user_data(opts, true, &err)",
            Binding::Python => "encode_non_ascii_user_data=True on the voicecb.Client",
            Binding::Go => "voicecb.WithEncodeNonASCIIUserData(true)",
            Binding::Cli => "--encode-user-data",
        }
    }
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
            allow_base_url_path: false,
            retry: RetryPolicy::none(),
            binding: Binding::Rust,
            sink: Sink {
                callback: None,
                mask_numbers: true,
            },
        }
    }

    /// The platform's address, `http://` or `https://` with host and an
    /// optional port 1-65535 (default [`DEFAULT_BASE_URL`]). A path other
    /// than "/" is refused unless [`allow_base_url_path`](Self::allow_base_url_path)
    /// is set.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Accepts a base URL with a path (`https://gw.example.com/voice`),
    /// which is then put in front of the API's paths. Off by default: users
    /// often paste the full endpoint (`.../rest/httpsessions/click2Call/v2.0`)
    /// and then get 403/1010006 on every call, so a path must be asked for.
    pub fn allow_base_url_path(mut self, yes: bool) -> Self {
        self.allow_base_url_path = yes;
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

    /// Send requests through this HTTP proxy, `http://host:port` or
    /// `https://host:port` (HTTPS goes through it with CONNECT); other
    /// schemes (`socks5://`, ...) and a port outside 1-65535 are refused. Proxy variables of the environment
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
    /// window with 1010013). At most [`MAX_CLOCK_OFFSET_SECS`] either way.
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

    /// The interface the program uses, so that messages name options as it
    /// spells them (default [`Binding::Rust`]). Set by each wrapper.
    pub fn binding(mut self, binding: Binding) -> Self {
        self.binding = binding;
        self
    }

    /// Calls `f` with every [`Event`] of the client's calls: one per try and
    /// one when a call ends, on the calling thread, during the call. Keep it
    /// quick; a panic in it is caught and logged. Events also go to the
    /// [`log`] facade (target `voicecb`) whether or not a callback is set.
    pub fn on_event(mut self, f: impl Fn(&Event<'_>) + Send + Sync + 'static) -> Self {
        self.sink.callback = Some(Arc::new(f));
        self
    }

    /// Whether events and log lines mask phone numbers
    /// (`+86138****0001`, see [`mask_number`](crate::events::mask_number)).
    /// On by default; turn it off only where logs may hold personal data.
    pub fn mask_numbers(mut self, yes: bool) -> Self {
        self.sink.mask_numbers = yes;
        self
    }

    /// Checks the configuration and makes the client, with its connection
    /// pool. Reads the CA file, if any; does no network I/O.
    pub fn build(self) -> Result<Client, Error> {
        signing::check_header_value("app_key", &self.app_key)?;
        if self.app_key.len() > MAX_APP_KEY_LEN {
            return Err(Error::invalid(
                "app_key",
                format!(
                    "must be at most {MAX_APP_KEY_LEN} bytes, got {}",
                    self.app_key.len()
                ),
            ));
        }
        let secret_len = self.app_secret.expose().len();
        if secret_len == 0 {
            return Err(Error::invalid("app_secret", "is required"));
        }
        if secret_len > MAX_APP_SECRET_LEN {
            return Err(Error::invalid(
                "app_secret",
                format!("must be at most {MAX_APP_SECRET_LEN} bytes, got {secret_len}"),
            ));
        }
        if self.clock_offset_secs.unsigned_abs() > MAX_CLOCK_OFFSET_SECS.unsigned_abs() {
            return Err(Error::invalid(
                "clock_offset_secs",
                format!(
                    "must be -{MAX_CLOCK_OFFSET_SECS} to {MAX_CLOCK_OFFSET_SECS} seconds (one day), got {}",
                    self.clock_offset_secs
                ),
            ));
        }
        let base = check_base_url(&self.base_url, self.allow_base_url_path)?;
        let target = Target::new(&base, self.proxy.as_deref());
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
        let user_agent_header = HeaderValue::try_from(user_agent.as_str()).map_err(|_| {
            Error::invalid(
                "user_agent",
                "must be text an HTTP header can carry (no control characters)",
            )
        })?;
        let mut tls = TlsConfig::builder().disable_verification(self.insecure_skip_verify);
        let trust = match &self.ca_file {
            _ if self.insecure_skip_verify => Trust::Nothing,
            Some(path) => {
                let certs = load_ca_file(path)?;
                tls = tls.root_certs(RootCerts::new_with_certs(&certs));
                Trust::CaFile(
                    path.clone(),
                    certs.iter().map(|c| c.der().to_vec().into()).collect(),
                )
            }
            None => Trust::BuiltIn,
        };
        let proxy = match &self.proxy {
            None => None,
            Some(p) => {
                check_no_controls("proxy", p)?;
                check_proxy(p)?;
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
        let resolver = Arc::new(CachingResolver::default());
        // ureq's default chain less its SOCKS warning (only http and https
        // proxies pass `check_proxy`), with a leaner TCP transport.
        let connector =
            ().chain(ConnectProxyConnector::default())
                .chain(LeanTcpConnector)
                .chain(RustlsConnector::default());
        let agent = Agent::with_parts(config, connector, SharedResolver(resolver.clone()));
        Ok(Client {
            agent,
            click2call_url: api_uri(&base, CLICK2CALL_PATH)?,
            call_stop_url: api_uri(&base, CALL_STOP_PATH)?,
            call_notify_url: api_uri(&base, CALL_NOTIFY_PATH)?,
            call_verify_url: api_uri(&base, CALL_VERIFY_PATH)?,
            record_url: format!("{base}{RECORD_URL_PATH}"),
            user_agent: user_agent_header,
            app_key: self.app_key,
            signing_key: SigningKey::new(&self.app_secret),
            timeout: self.timeout,
            connect_timeout: self.connect_timeout,
            encode_non_ascii_user_data: self.encode_non_ascii_user_data,
            clock_offset_secs: self.clock_offset_secs,
            retry: self.retry,
            binding: self.binding,
            target,
            sink: self.sink,
            resolver,
            trust,
        })
    }
}

/// A client of the voice-callback API. Cheap to share: it is `Send + Sync`,
/// and every thread's calls reuse the same pool of kept-alive connections.
#[derive(Debug)]
pub struct Client {
    pub(crate) agent: Agent,
    click2call_url: Uri,
    pub(crate) call_stop_url: Uri,
    call_notify_url: Uri,
    call_verify_url: Uri,
    /// The recording URL API's endpoint, to which a call adds its query.
    record_url: String,
    /// The `User-Agent` header's value, checked once.
    user_agent: HeaderValue,
    app_key: String,
    /// The app secret as an HMAC key (wiped when the client is dropped).
    signing_key: SigningKey,
    pub(crate) timeout: Duration,
    pub(crate) connect_timeout: Duration,
    encode_non_ascii_user_data: bool,
    pub(crate) clock_offset_secs: i64,
    retry: RetryPolicy,
    pub(crate) binding: Binding,
    sink: Sink,
    pub(crate) target: Target,
    /// The agent's resolver, shared so that [`Client::check`] resolves as
    /// the calls do.
    pub(crate) resolver: Arc<CachingResolver>,
    pub(crate) trust: Trust,
}

/// Which certificates the client trusts, for [`Client::check`]'s own
/// handshake (ureq keeps its configuration to itself).
#[derive(Debug)]
pub(crate) enum Trust {
    /// The built-in Mozilla roots (webpki-roots), ureq's default.
    BuiltIn,
    /// The certificates of `ca_file`.
    CaFile(PathBuf, Vec<rustls::pki_types::CertificateDer<'static>>),
    /// `insecure_skip_verify`: none checked.
    Nothing,
}

/// Where requests go, as messages name it.
#[derive(Debug)]
pub(crate) struct Target {
    /// `host:port` of the base URL, the port made explicit.
    pub(crate) endpoint: String,
    /// `http` or `https`.
    pub(crate) scheme: &'static str,
    /// The base URL's path, when it has one besides "/".
    pub(crate) path: Option<String>,
    /// `host:port` of the proxy, without credentials.
    pub(crate) proxy: Option<String>,
}

impl Target {
    /// `base` has passed [`check_base_url`].
    fn new(base: &str, proxy: Option<&str>) -> Target {
        let (scheme, rest) = match base.strip_prefix("https://") {
            Some(rest) => ("https", rest),
            None => ("http", base.strip_prefix("http://").unwrap_or(base)),
        };
        let (authority, path) = match rest.find('/') {
            Some(at) => (&rest[..at], Some(rest[at..].to_owned())),
            None => (rest, None),
        };
        Target {
            endpoint: host_port(authority, if scheme == "https" { 443 } else { 80 }),
            scheme,
            path: path.filter(|p| p != "/"),
            proxy: proxy.map(|p| {
                let rest = p.split_once("://").map_or(p, |(_, r)| r);
                host_port(rest.split('/').next().unwrap_or(rest), 80)
            }),
        }
    }

    /// The endpoint, and the proxy the request goes through.
    pub(crate) fn describe(&self) -> String {
        match &self.proxy {
            Some(p) => format!("{} (through the proxy {p})", self.endpoint),
            None => self.endpoint.clone(),
        }
    }
}

/// `host:port` of a URL's authority: credentials dropped (they must never
/// reach a message), the scheme's port added when none is given.
fn host_port(authority: &str, default_port: u16) -> String {
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let has_port = match host.rfind(']') {
        Some(end) => host[end..].contains(':'),
        None => host.contains(':'),
    };
    if has_port {
        host.to_owned()
    } else {
        format!("{host}:{default_port}")
    }
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
        self.place_call(
            Api::Click2Call,
            &self.click2call_url,
            &req.numbers(),
            req.to_body_for(self.encode_non_ascii_user_data, self.binding),
            timeout,
        )
    }

    /// Places a voice notification: the platform calls the callee and
    /// plays the items of `playInfoList`. Validates the request first and
    /// sends nothing if it is invalid (errors name the field, with the
    /// item's index: `playInfoList[2].templateId`). Never re-sent once it
    /// may have reached the platform, as for click2Call (see [`RetryPolicy`]).
    pub fn call_notify(&self, req: &CallNotify) -> Result<CallResult, Error> {
        self.call_notify_within(req, None)
    }

    /// [`call_notify`](Client::call_notify) with a deadline for this call,
    /// as for [`click2call_within`](Client::click2call_within).
    pub fn call_notify_within(
        &self,
        req: &CallNotify,
        timeout: Option<Duration>,
    ) -> Result<CallResult, Error> {
        self.place_call(
            Api::CallNotify,
            &self.call_notify_url,
            &req.numbers(),
            req.to_body_for(self.encode_non_ascii_user_data, self.binding),
            timeout,
        )
    }

    /// Places a voice verification code call: the platform calls the
    /// callee and speaks the code between the tones. Validation and retries
    /// as for [`call_notify`](Client::call_notify).
    pub fn call_verify(&self, req: &CallVerify) -> Result<CallResult, Error> {
        self.call_verify_within(req, None)
    }

    /// [`call_verify`](Client::call_verify) with a deadline for this call,
    /// as for [`click2call_within`](Client::click2call_within).
    pub fn call_verify_within(
        &self,
        req: &CallVerify,
        timeout: Option<Duration>,
    ) -> Result<CallResult, Error> {
        self.place_call(
            Api::CallVerify,
            &self.call_verify_url,
            &req.numbers(),
            req.to_body_for(self.encode_non_ascii_user_data, self.binding),
            timeout,
        )
    }

    /// Sends one of the APIs that place a call, with its checked body.
    fn place_call(
        &self,
        api: Api,
        url: &Uri,
        numbers: &[(&'static str, &str)],
        body: Result<Vec<u8>, Error>,
        timeout: Option<Duration>,
    ) -> Result<CallResult, Error> {
        let facts = CallFacts {
            api,
            numbers: if self.sink.active() {
                self.sink.numbers(numbers)
            } else {
                Vec::new()
            },
            session_id: None,
        };
        let body = match body {
            Ok(body) => body,
            Err(e) => return Err(self.refused_before_trying(&facts, e)),
        };
        self.with_retries(
            &facts,
            timeout,
            |r: &CallResult| Some(r.session_id.as_str()),
            |left, tf| {
                let answer = self.send(api, url, Some(&body), left, tf)?;
                parse_call(api, answer.status, &answer.body).map_err(|e| self.explain(&answer, e))
            },
        )
        .map(|(mut result, attempts, elapsed)| {
            result.attempts = attempts;
            result.elapsed = elapsed;
            result
        })
    }

    /// The download URL of a recording: `file_name` is a bill's
    /// `recordObjectName`, `record_domain` its `recordDomain` (each 1-128
    /// characters, percent-encoded by the library). The platform answers
    /// with a redirect whose `Location` is the URL; the library never
    /// follows it (that would fetch the recording itself) and returns it.
    /// The URL is valid for 7 days per the current spec page, 30 minutes
    /// per an older one: fetch it soon, and ask again rather than store it.
    /// A read, so a retry policy also retries it after transport errors
    /// and timeouts.
    pub fn record_url(&self, file_name: &str, record_domain: &str) -> Result<String, Error> {
        self.record_url_within(file_name, record_domain, None)
    }

    /// [`record_url`](Client::record_url) with a deadline for this call, as
    /// for [`click2call_within`](Client::click2call_within).
    pub fn record_url_within(
        &self,
        file_name: &str,
        record_domain: &str,
        timeout: Option<Duration>,
    ) -> Result<String, Error> {
        let facts = CallFacts {
            api: Api::RecordUrl,
            numbers: Vec::new(),
            session_id: None,
        };
        let url = match record_url_query(file_name, record_domain)
            .and_then(|query| api_uri(&self.record_url, &query))
        {
            Ok(url) => url,
            Err(e) => return Err(self.refused_before_trying(&facts, e)),
        };
        self.with_retries(
            &facts,
            timeout,
            |_: &String| None,
            |left, tf| {
                let answer = self.send(Api::RecordUrl, &url, None, left, tf)?;
                let location = answer.location().map(|l| self.resolve(l));
                parse_record_url(answer.status, location.as_deref(), &answer.body)
                    .map_err(|e| self.explain(&answer, e))
            },
        )
        .map(|(url, _, _)| url)
    }

    /// The download URL of a bill record's recording
    /// ([`BillRecord::record_url_params`](crate::BillRecord::record_url_params)):
    /// asked of the platform with `recordObjectName` and `recordDomain`, or
    /// `recordFileDownloadUrl` as it is (no I/O) when those are empty. An
    /// invalid-argument error naming `recordObjectName` when the record has
    /// none of them (a call not recorded).
    pub fn record_url_for(&self, record: &crate::BillRecord) -> Result<String, Error> {
        self.record_url_for_within(record, None)
    }

    /// [`record_url_for`](Client::record_url_for) with a deadline for the
    /// request, as for [`record_url_within`](Client::record_url_within).
    pub fn record_url_for_within(
        &self,
        record: &crate::BillRecord,
        timeout: Option<Duration>,
    ) -> Result<String, Error> {
        match record.record_url_params() {
            Some(RecordLocation::Query {
                file_name,
                record_domain,
            }) => self.record_url_within(&file_name, &record_domain, timeout),
            Some(RecordLocation::DownloadUrl(url)) => Ok(url),
            None => Err(Error::invalid(
                "recordObjectName",
                "the bill record has neither recordObjectName with recordDomain nor \
                 recordFileDownloadUrl: the call was not recorded (click2Call's recordFlag; \
                 notification and verification calls are never recorded)",
            )),
        }
    }

    /// A `Location` as sent, or resolved against the base URL when it is a
    /// path (`/files/r.wav`).
    fn resolve(&self, location: &str) -> String {
        let l = location.trim();
        if l.starts_with('/') && !l.starts_with("//") {
            format!("{}://{}{l}", self.target.scheme, self.target.endpoint)
        } else {
            l.to_owned()
        }
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
        let facts = CallFacts {
            api: Api::CallStop,
            numbers: Vec::new(),
            session_id: Some(session_id),
        };
        let body = match call_stop_body(session_id) {
            Ok(body) => body,
            Err(e) => return Err(self.refused_before_trying(&facts, e)),
        };
        self.with_retries(
            &facts,
            timeout,
            |_: &()| None,
            |left, tf| {
                let answer =
                    self.send(Api::CallStop, &self.call_stop_url, Some(&body), left, tf)?;
                parse_call_stop(answer.status, &answer.body).map_err(|e| self.explain(&answer, e))
            },
        )
        .map(|_| ())
    }

    /// Reports a request refused before any try (an invalid argument).
    fn refused_before_trying(&self, facts: &CallFacts<'_>, e: Error) -> Error {
        if self.sink.wants(Level::Warn) {
            let ev = facts.event(
                EventKind::Finished,
                0,
                Duration::ZERO,
                Duration::ZERO,
                Err(&e),
                None,
                None,
            );
            self.sink.emit(&ev);
        }
        e
    }

    /// Runs `attempt` until it succeeds, fails in a way that must not be
    /// retried, the policy's attempts are used up, or the call's deadline
    /// (`timeout` from now) would pass during the wait. `attempt` is given
    /// the time left before the deadline. Reports each try and the end of
    /// the call as events, and returns the tries made and the time taken
    /// (on the error too).
    fn with_retries<T>(
        &self,
        facts: &CallFacts<'_>,
        timeout: Option<Duration>,
        session_of: impl Fn(&T) -> Option<&str>,
        mut attempt: impl FnMut(Option<Duration>, &mut TryFacts) -> Result<T, Error>,
    ) -> Result<(T, u32, Duration), Error> {
        let started = Instant::now();
        let deadline = timeout.map(|t| started + t);
        // Checked once a call: with no callback and no logger, no event is
        // built and no request id kept.
        let events = self.sink.active();
        let mut tries = 1;
        loop {
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            let mut tf = TryFacts {
                keep_request_id: events,
                ..TryFacts::default()
            };
            let try_started = Instant::now();
            let result = attempt(left, &mut tf);
            // One reading of the clock for the decision and its event, so
            // that an event's `elapsed + retry_in` is what was decided on.
            let now = Instant::now();
            let try_elapsed = now - try_started;
            let retry_in = match &result {
                Err(e) if tries < self.retry.max_attempts && may_retry(facts.api, e) => {
                    let wait = self.retry.backoff(tries);
                    // A wait that would overrun the deadline ends the call.
                    deadline.is_none_or(|d| now + wait < d).then_some(wait)
                }
                _ => None,
            };
            if events {
                let ev = facts.event(
                    EventKind::Attempt,
                    tries,
                    try_elapsed,
                    now - started,
                    result.as_ref().map(&session_of),
                    retry_in,
                    tf.request_id.as_deref(),
                );
                self.sink.emit(&ev);
            }
            match retry_in {
                Some(wait) if result.is_err() => {
                    std::thread::sleep(wait);
                    tries += 1;
                }
                _ => {
                    let elapsed = started.elapsed();
                    if events {
                        let ev = facts.event(
                            EventKind::Finished,
                            tries,
                            try_elapsed,
                            elapsed,
                            result.as_ref().map(&session_of),
                            None,
                            tf.request_id.as_deref(),
                        );
                        self.sink.emit(&ev);
                    }
                    return match result {
                        Ok(v) => Ok((v, tries, elapsed)),
                        Err(e) => Err(e.with_tally(tries, elapsed)),
                    };
                }
            }
        }
    }

    /// Signs and sends one request, a POST of `body` or a GET when there is
    /// none; returns the status, the `Date` and `Location` headers and at
    /// most [`MAX_BODY`] + 1 bytes of the body (the parsers refuse more
    /// than [`MAX_BODY`], after reading a session id from its start).
    pub(crate) fn send(
        &self,
        api: Api,
        uri: &Uri,
        body: Option<&[u8]>,
        timeout: Option<Duration>,
        tf: &mut TryFacts,
    ) -> Result<Answer, Error> {
        let nonce = signing::fresh_nonce();
        let created = signing::created_now(self.clock_offset_secs);
        let auth = self.signing_key.sign(&self.app_key, &nonce, &created);
        if tf.keep_request_id {
            tf.request_id = Some(nonce);
        }
        // The shorter of the two whole-request limits is the one that can
        // run out: the error names it, so that a caller that derived the
        // per-call limit from its own deadline can blame that deadline
        // without racing its clock against ours.
        let mut limit = Limit::Request(self.timeout);
        let mut own_timeout = None;
        if let Some(t) = timeout.filter(|t| *t < self.timeout) {
            if t.is_zero() {
                return Err(Error::new(
                    ErrorKind::Timeout,
                    "the call's own timeout ran out before this try could be sent; nothing was sent",
                )
                .before_sending()
                .with_timeout_limit(TimeoutLimit::Call));
            }
            own_timeout = Some(t);
            limit = Limit::Call(t);
        }
        let attempt = Attempt {
            api,
            target: &self.target,
            connect_timeout: self.connect_timeout,
            limit,
        };
        // The agent never follows redirects (max_redirects 0): the
        // recording URL API's answer is the redirect itself.
        let sent = match body {
            Some(body) => self
                .request(Method::POST, uri, auth.x_aksk, body)
                .and_then(|r| self.run(r, own_timeout)),
            None => self
                .request(Method::GET, uri, auth.x_aksk, ())
                .and_then(|r| self.run(r, own_timeout)),
        };
        let (parts, mut body) = sent.map_err(|e| attempt.error(e))?.into_parts();
        let mut answer = Vec::with_capacity(512);
        body.as_reader()
            .take(MAX_BODY as u64 + 1)
            .read_to_end(&mut answer)
            .map_err(|e| attempt.error(ureq::Error::from(e)))?;
        Ok(Answer {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body: answer,
            received: chrono::Utc::now(),
        })
    }

    /// A request of this client's, signed with `x_aksk`. The fixed headers
    /// are made once (static, or built with the client) so that a call
    /// copies none of them: ureq would parse and copy each one given as a
    /// string, its own `User-Agent` and `Accept` included.
    fn request<B>(
        &self,
        method: Method,
        uri: &Uri,
        x_aksk: String,
        body: B,
    ) -> Result<Request<B>, ureq::Error> {
        // The X-AKSK value is made of the app key (checked when the client
        // was built), Base64, an alphanumeric nonce and Created: always a
        // header value, so this never fails in practice.
        let x_aksk = HeaderValue::try_from(x_aksk).map_err(|e| ureq::Error::Http(e.into()))?;
        let mut request = Request::new(body);
        // Room for the five headers below: the map is allocated once
        // instead of growing as they go in (ureq keeps the headers it adds
        // apart from it).
        *request.headers_mut() = HeaderMap::with_capacity(5);
        *request.method_mut() = method;
        *request.uri_mut() = uri.clone();
        let headers = request.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static(signing::AUTHORIZATION),
        );
        headers.insert(X_AKSK, x_aksk);
        headers.insert(header::USER_AGENT, self.user_agent.clone());
        headers.insert(header::ACCEPT, HeaderValue::from_static("*/*"));
        Ok(request)
    }

    /// Runs `request` through the agent, within `own_timeout` when the call
    /// has one shorter than the client's.
    fn run<B: ureq::AsSendBody>(
        &self,
        request: Request<B>,
        own_timeout: Option<Duration>,
    ) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
        match own_timeout {
            None => self.agent.run(request),
            Some(t) => self.agent.run(
                self.agent
                    .configure_request(request)
                    .timeout_global(Some(t))
                    .build(),
            ),
        }
    }
}

/// The `X-AKSK` header's name.
const X_AKSK: HeaderName = HeaderName::from_static("x-aksk");

/// One answer of the platform, as read off the wire.
pub(crate) struct Answer {
    pub(crate) status: u16,
    headers: HeaderMap,
    pub(crate) body: Vec<u8>,
    pub(crate) received: chrono::DateTime<chrono::Utc>,
}

impl Answer {
    /// The `Date` header, when it is text.
    pub(crate) fn date(&self) -> Option<&str> {
        self.headers.get(header::DATE)?.to_str().ok()
    }

    /// The `Location` header, when it is text: the recording URL API's answer.
    pub(crate) fn location(&self) -> Option<&str> {
        self.headers.get(header::LOCATION)?.to_str().ok()
    }

    /// The platform's clock minus this host's, in seconds, from the
    /// answer's `Date` header (None without a readable one).
    pub(crate) fn clock_skew_secs(&self) -> Option<i64> {
        let platform_now = chrono::DateTime::parse_from_rfc2822(self.date()?).ok()?;
        Some((platform_now.with_timezone(&chrono::Utc) - self.received).num_seconds())
    }
}

impl Client {
    /// Adds what the library knows beyond the catalogue about a refusal:
    /// how far the platform's clock is from ours (from the answer's
    /// `Date`), and a base URL path that doubles the API's path.
    fn explain(&self, answer: &Answer, e: Error) -> Error {
        if e.kind() != ErrorKind::Platform {
            return e;
        }
        match (e.http_status(), e.result_code()) {
            (Some(401), Some(CLOCK_REFUSED)) => match answer.clock_skew_secs() {
                Some(skew) => e.with_clock_skew(skew, self.clock_offset_secs),
                None => e.with_note(NO_DATE_NOTE),
            },
            (Some(403), Some(API_REFUSED)) => match self.target.doubled_path_note() {
                Some(note) => e.with_note(&note),
                None => e,
            },
            _ => e,
        }
    }
}

/// The fate of a callStop that failed after sending.
pub(crate) const STOP_MAY_HAVE_ARRIVED: &str =
    "the request may have reached the platform, so the call may have been stopped";
/// The platform's refusal of a `Created` outside its window (under 401).
pub(crate) const CLOCK_REFUSED: &str = "1010013";
/// The platform's refusal of an unknown API path (under 403).
pub(crate) const API_REFUSED: &str = "1010006";
/// What to do about a refused `Created` when the answer had no `Date`.
pub(crate) const NO_DATE_NOTE: &str = "the answer had no Date header to compare clocks with: check this host's clock (NTP) against UTC";

impl Target {
    /// For a refused API path: the base URL's path, which the library put
    /// in front of the API's own, and the base URL to give instead.
    pub(crate) fn doubled_path_note(&self) -> Option<String> {
        let path = self.path.as_ref()?;
        Some(format!(
            "the base URL holds the path {path:?}, which the library puts before the API's own path \
             (/rest/httpsessions/...), so the path is doubled: give the base URL as {}://{} only",
            self.scheme, self.endpoint
        ))
    }
}

/// Which time limit bounds a try, for the message when it runs out.
#[derive(Clone, Copy, Debug)]
enum Limit {
    /// The client's request timeout.
    Request(Duration),
    /// The call's own, shorter timeout (a per-call timeout, a Go context
    /// deadline), with retries and waits already spent.
    Call(Duration),
}

impl Limit {
    fn which(&self) -> TimeoutLimit {
        match self {
            Limit::Request(_) => TimeoutLimit::Request,
            Limit::Call(_) => TimeoutLimit::Call,
        }
    }
}

/// What a message about a failed try needs to know.
struct Attempt<'a> {
    api: Api,
    target: &'a Target,
    connect_timeout: Duration,
    limit: Limit,
}

/// When to retry a failed call. The rule never places a call twice:
///
/// - a request that never left (resolving, connecting or the TLS handshake
///   failed) is retried, for both calls;
/// - a refusal whose catalogue entry says the platform did not place the
///   call and a later try can succeed (flow control, port limits) is
///   retried;
/// - callStop is also retried after a transport error or a timeout, since
///   stopping twice is harmless (a retry may then be told 1020152, "invalid
///   sessionid", if the first try had in fact stopped the call); so is the
///   recording URL request ([`Client::record_url`]), a read;
/// - click2Call, the voice notification and the verification code call are
///   never re-sent once their request may have reached the platform: a
///   timeout or a broken connection after sending is returned.
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

    pub(crate) fn check(&self) -> Result<(), Error> {
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
            // Stopping twice is harmless, and reading a recording's URL
            // has no effect at all; the APIs that place a call are re-sent
            // only when nothing left.
            e.request_not_sent() || matches!(api, Api::CallStop | Api::RecordUrl)
        }
        ErrorKind::InvalidArgument | ErrorKind::BadResponse => false,
        // Only the notification functions make these; no request was tried.
        ErrorKind::BadNotification | ErrorKind::BadSignature => false,
    }
}

/// The URL of an API: the checked base URL and the API's path (and query),
/// parsed once for all the calls to it.
fn api_uri(base: &str, path: &str) -> Result<Uri, Error> {
    Uri::try_from(format!("{base}{path}")).map_err(|e| {
        Error::invalid(
            "base_url",
            format!(
                "does not make a valid URL ({e}): only ASCII letters, digits and -._~!$&'()*+,;=:@[]% \
                 may appear in it (write an international host name in punycode, xn--...)"
            ),
        )
    })
}

/// Checks a base URL: scheme, host, port, and a path only when asked for.
fn check_base_url(url: &str, allow_path: bool) -> Result<String, Error> {
    check_no_controls("base_url", url)?;
    let (_, authority, path) = split_url("base_url", url, &["http", "https"])?;
    if !allow_path && !path.is_empty() && path != "/" {
        return Err(Error::invalid(
            "base_url",
            format!(
                "must be http[s]://host[:port] without a path, got the path {path:?}: the API's paths \
                 are added to it, so a full endpoint URL would fail with 403/1010006; set \
                 allow_base_url_path to put a gateway's prefix in front of them"
            ),
        ));
    }
    check_port("base_url", authority)?;
    Ok(url.trim_end_matches('/').to_owned())
}

/// Checks a proxy URL: `http://` or `https://`, host, port 1-65535.
fn check_proxy(url: &str) -> Result<(), Error> {
    let (_, authority, path) = split_url("proxy", url, &["http", "https"])?;
    if !path.is_empty() && path != "/" {
        return Err(Error::invalid(
            "proxy",
            "must be http[s]://[user:password@]host[:port] without a path",
        ));
    }
    // A proxy may carry its own credentials before the host.
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    check_port("proxy", host_port)
}

/// Splits `scheme://authority/path` and checks the scheme is one of
/// `schemes` and that there is a host, and no query or fragment.
fn split_url<'a>(
    field: &'static str,
    url: &'a str,
    schemes: &[&str],
) -> Result<(&'a str, &'a str, &'a str), Error> {
    let rule = || format!("must be http://host[:port] or https://host[:port], got {url:?}");
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| Error::invalid(field, rule()))?;
    if !schemes.iter().any(|s| s.eq_ignore_ascii_case(scheme)) {
        return Err(Error::invalid(
            field,
            format!("the scheme must be http or https, got {scheme:?}"),
        ));
    }
    if rest.contains(['?', '#', ' ']) {
        return Err(Error::invalid(field, rule()));
    }
    let (authority, path) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host.is_empty() || host.starts_with(':') {
        return Err(Error::invalid(field, rule()));
    }
    if field == "base_url" && authority.contains('@') {
        return Err(Error::invalid(
            field,
            "must not carry a user name or password (user@host)",
        ));
    }
    Ok((scheme, authority, path))
}

/// The port of `host[:port]` (IPv6 literals in brackets), when given, must
/// be 1-65535: otherwise the request would go to the scheme's default port
/// or fail deep in the transport.
fn check_port(field: &'static str, host_port: &str) -> Result<(), Error> {
    let after_host = match host_port.strip_prefix('[') {
        Some(v6) => match v6.find(']') {
            Some(end) => &v6[end + 1..],
            None => return Err(Error::invalid(field, "has an IPv6 address without ']'")),
        },
        None => host_port.find(':').map_or("", |i| &host_port[i..]),
    };
    if after_host.is_empty() {
        return Ok(());
    }
    let port = after_host.strip_prefix(':').ok_or_else(|| {
        Error::invalid(
            field,
            format!("has {after_host:?} after the host, not :port"),
        )
    })?;
    match port.parse::<u16>() {
        Ok(p) if p > 0 && port.bytes().all(|b| b.is_ascii_digit()) => Ok(()),
        _ => Err(Error::invalid(
            field,
            format!("the port must be a number 1-65535, got {port:?}"),
        )),
    }
}

fn load_ca_file(path: &std::path::Path) -> Result<Vec<Certificate<'static>>, Error> {
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
    Ok(certs)
}

impl Attempt<'_> {
    /// Sorts ureq's errors into the library's kinds, with a message that
    /// says where the request went, which limit ran out after how long,
    /// and whether the request can have left.
    fn error(&self, e: ureq::Error) -> Error {
        use std::io::ErrorKind as Io;
        let kind = match &e {
            ureq::Error::Timeout(_) => ErrorKind::Timeout,
            ureq::Error::Tls(_) | ureq::Error::Rustls(_) | ureq::Error::Pem(_) => ErrorKind::Tls,
            ureq::Error::Io(io) if io.kind() == Io::TimedOut || io.kind() == Io::WouldBlock => {
                ErrorKind::Timeout
            }
            ureq::Error::Io(io) if is_tls(io) => ErrorKind::Tls,
            ureq::Error::Protocol(_) | ureq::Error::LargeResponseHeader(..) => {
                ErrorKind::BadResponse
            }
            _ => ErrorKind::Transport,
        };
        let connect_timeout = matches!(
            &e,
            ureq::Error::Timeout(ureq::Timeout::Resolve | ureq::Timeout::Connect)
        );
        let before_sending = connect_timeout
            || matches!(
                &e,
                ureq::Error::HostNotFound
                    | ureq::Error::ConnectionFailed
                    | ureq::Error::Tls(_)
                    | ureq::Error::Rustls(_)
            )
            || matches!(&e, ureq::Error::Io(io) if io.kind() == Io::ConnectionRefused || is_tls(io))
            || matches!(&e, ureq::Error::Other(o) if o.is::<ResolveFailed>());
        let to = self.target.describe();
        let what = match kind {
            ErrorKind::Timeout if connect_timeout => format!(
                "timed out: could not connect to {to} within {} (connect timeout)",
                seconds(self.connect_timeout)
            ),
            ErrorKind::Timeout => {
                let (limit, which) = match self.limit {
                    Limit::Request(t) => (t, "request timeout"),
                    Limit::Call(t) => (t, "the call's own timeout"),
                };
                format!(
                    "timed out: no answer from {to} within {} ({which})",
                    seconds(limit)
                )
            }
            ErrorKind::Tls => format!("TLS handshake with {to} failed: {e}"),
            ErrorKind::BadResponse => format!("the answer of {to} is not valid HTTP: {e}"),
            _ => match &e {
                // The resolver's own text names the host and why.
                ureq::Error::Other(o) if o.is::<ResolveFailed>() => format!("transport error: {o}"),
                ureq::Error::HostNotFound => {
                    format!("transport error: cannot resolve the host of {to}")
                }
                _ if before_sending => format!("transport error: could not connect to {to}: {e}"),
                _ => format!("transport error: the connection to {to} failed: {e}"),
            },
        };
        let fate = if before_sending {
            "nothing was sent".to_owned()
        } else {
            match self.api {
                Api::Click2Call | Api::CallNotify | Api::CallVerify => {
                    "the request may have reached the platform, so the call may have been placed"
                }
                Api::RecordUrl => {
                    "the request may have reached the platform (a read: asking again is safe)"
                }
                Api::CallStop => STOP_MAY_HAVE_ARRIVED,
            }
            .to_owned()
        };
        let hint = match kind {
            ErrorKind::Tls if self.target.scheme == "https" && not_tls(&e) => {
                "; the server answered with something that is not TLS: it may speak plain HTTP (then use an http:// base URL)"
            }
            ErrorKind::BadResponse
                if self.target.scheme == "http" && matches!(e, ureq::Error::Protocol(_)) =>
            {
                "; if the server speaks TLS (HTTPS), use an https:// base URL"
            }
            _ => "",
        };
        let mut error = Error::new(kind, format!("{what}; {fate}{hint}"));
        if kind == ErrorKind::Timeout {
            // ureq names the nearest limit: resolving and connecting have
            // the connect timeout, everything else the whole-request one.
            error = error.with_timeout_limit(if connect_timeout {
                TimeoutLimit::Connect
            } else {
                self.limit.which()
            });
        }
        if before_sending {
            error.before_sending()
        } else {
            error
        }
    }
}

/// A duration as messages show it: "2.0 s", "0.25 s".
pub(crate) fn seconds(d: Duration) -> String {
    let s = format!("{:.3}", d.as_secs_f64());
    let s = s.trim_end_matches('0');
    if s.ends_with('.') {
        format!("{s}0 s")
    } else {
        format!("{s} s")
    }
}

/// True when the TLS layer got bytes that are not a TLS record at all,
/// which is what a plain-HTTP server's answer looks like to it.
fn not_tls(e: &ureq::Error) -> bool {
    let invalid = |r: &rustls::Error| {
        matches!(
            r,
            rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType)
        )
    };
    match e {
        ureq::Error::Rustls(r) => invalid(r),
        ureq::Error::Io(io) => io
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            .is_some_and(invalid),
        _ => false,
    }
}

fn is_tls(io: &std::io::Error) -> bool {
    io.get_ref()
        .is_some_and(|inner| inner.is::<rustls::Error>())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Connect timeouts cannot be provoked on loopback (connecting there
    // never hangs), so the mapping is checked here; the message names the
    // same limit.
    #[test]
    fn timeout_limits_follow_ureqs_reason() {
        let target = Target::new("http://127.0.0.1:9", None);
        let second = Duration::from_secs(1);
        for (reason, limit, want, says) in [
            (
                ureq::Timeout::Connect,
                Limit::Call(second),
                TimeoutLimit::Connect,
                "(connect timeout)",
            ),
            (
                ureq::Timeout::Resolve,
                Limit::Request(second),
                TimeoutLimit::Connect,
                "(connect timeout)",
            ),
            (
                ureq::Timeout::Global,
                Limit::Call(second),
                TimeoutLimit::Call,
                "(the call's own timeout)",
            ),
            (
                ureq::Timeout::Global,
                Limit::Request(second),
                TimeoutLimit::Request,
                "(request timeout)",
            ),
            (
                ureq::Timeout::RecvResponse,
                Limit::Call(second),
                TimeoutLimit::Call,
                "(the call's own timeout)",
            ),
        ] {
            let attempt = Attempt {
                api: Api::Click2Call,
                target: &target,
                connect_timeout: second,
                limit,
            };
            let e = attempt.error(ureq::Error::Timeout(reason));
            assert_eq!(e.kind(), ErrorKind::Timeout);
            assert_eq!(e.timeout_limit(), Some(want), "{reason:?}");
            assert!(e.message().contains(says), "{reason:?}: {e}");
        }
        let attempt = Attempt {
            api: Api::Click2Call,
            target: &target,
            connect_timeout: second,
            limit: Limit::Call(second),
        };
        let e = attempt.error(ureq::Error::ConnectionFailed);
        assert_eq!(e.timeout_limit(), None);
    }
}
