//! A local stand-in for the voice-callback platform, used by every test and
//! by the demo. It implements the platform calls with the platform's
//! checks, in the platform's order, each answered with the platform's own
//! HTTP status and result code (`spec/voice-callback-api.zh.txt`): click2Call
//! and callStop; voice notification and verification code (their scenes are
//! in `sandbox/scenes.rs`) and the recording URL (`sandbox/record.rs`), per
//! `voice-call-more-apis.md`. A few unauthenticated admin paths under
//! `/__sandbox/` let tests force answers and read counters.
//!
//! The digest is verified by code of its own here, never by the library's
//! signer: a mistake shared by both sides would otherwise go unnoticed.
//!
//! # A call's life
//!
//! Each placed call plays out on a simulated clock, whether or not anyone
//! listens: the platform rings the caller (A), then the callee (B), then
//! the call runs until `callStop` or until `maxDuration` is up. With a
//! `statusUrl` the sandbox pushes each step as a status event
//! (`callout`, `alerting`, `answer` for A, the same three for B, then one
//! `disconnect`); with a `feeUrl` it pushes one bill after the disconnect.
//! Pushes are made by [`crate::pusher`] (http or https, through ureq):
//! loopback hosts only (others are skipped with a note in the stats) unless
//! [`Config::push_to_any_host`], retried on failure, never holding up an
//! API answer. A call ended by itself (a scenario below, or `maxDuration`)
//! is no longer active: a later `callStop` gets 500/1020152.
//!
//! Timing model, in simulated seconds from the click2Call answer (one
//! simulated minute lasts [`Config::time_scale`] of real time, 1 s by
//! default, so one simulated second is 1/60 of it; event timestamps and
//! bill times are on the simulated clock too, starting at the real time of
//! the click2Call, so a 1-minute call shows 60 s between answer and end):
//!
//! | step                    | normal | no answer | busy | rejects |
//! |-------------------------|--------|-----------|------|---------|
//! | A callout               | 0      | 0         | 0    | 0       |
//! | A alerting              | 1      | 1         | 1    | 1       |
//! | A answer                | 4      | 4         | 4    | 4       |
//! | B callout               | 5      | 5         | 5    | 5       |
//! | B alerting              | 6      | 6         | -    | 6       |
//! | B answer                | 9      | -         | -    | -       |
//! | disconnect (by itself)  | 9 + 60 x maxDuration (none if 0) | 36 | 6 | 8 |
//!
//! `callStop` ends the call at once, after the steps already due.
//!
//! # Scenario numbers
//!
//! The end of `calleeNbr` picks how B behaves (A always answers):
//! - `...0000480`: B rings and never answers; after 30 simulated seconds
//!   the call ends with stateCode 8101.
//! - `...0000486`: B is busy; the call ends at once with stateCode 8102.
//! - `...0000603`: B rings and rejects the call; stateCode 8004.
//! - anything else: B answers.
//!
//! The state codes are the platform's documented hang-up reason values
//! (通话挂机原因值): 0 released after answer (a `callStop` of an answered
//! call), 8010 maximum duration reached, 8017 released on the user's
//! instruction (a `callStop` before B answered), 8101 B does not answer,
//! 8102 B busy, 8004 hung up while ringing (there is no "rejected" value,
//! so a rejection is B hanging up while ringing). The bill's `fwdUnaswRsn`
//! is the Q.850 cause (19 no answer, 17 busy, 21 rejected, 0 otherwise),
//! `ulFailReason` the platform's failure point 518 ("remote party failed,
//! see the Q.850 cause", 0 otherwise) and `sipStatusCode` the SIP final
//! answer (480, 486, 603, 0 otherwise).
//!
//! A status event's `caller` / `called` are the number the party sees and
//! the party's number: `displayNbr` / `callerNbr` for A's steps,
//! `displayCalleeNbr` / `calleeNbr` for B's. The disconnect is about A when
//! the platform ended the call (`callStop`, `maxDuration`: it releases A
//! first) and about B when B failed. With `partyTypeRequiredInDisconnect`
//! it carries `partyType`, a string: "0" A hung up (never played here),
//! "1" B (busy, rejected), "2" the platform (`callStop`, `maxDuration`, no
//! answer); the doc names the three kinds in that order but the public
//! copy gives no values, so the numbering is the sandbox's.
//!
//! With [`Config::sign_pushes`] each push carries `Authorization: AKSK
//! realm="SDP",profile="UsernameToken",type="Appkey"` and an `X-AKSK` whose
//! digest is `Base64(HMAC-SHA256(app secret, url + nonce + created))` over
//! the decoded push URL, made by this file's own HMAC code.
//!
//! Admin paths (no authentication, not counted as platform requests):
//! - `POST /__sandbox/next` `{"http_status": 403, "resultcode": "1010010",
//!   "resultdesc": "...", "count": 1, "raw_body": "..."}` queues forced
//!   answers for the next `count` platform requests (counted first, then
//!   answered before any check); `raw_body` is sent verbatim. Answers
//!   `{"queued": <answers now pending>}`, or 400 `{"error": "..."}`; at
//!   most 100000 pending answers, 1000 entries and 4 MiB of texts are held
//!   at once (more is refused with 400 naming the limit).
//! - `GET /__sandbox/stats`: `requests` (every non-admin request, rejected
//!   and forced ones included), `click2call` / `callstop` (requests on each
//!   path, whatever their outcome; likewise `callnotify`, `callverify` and
//!   `record`), `recordings` (recordings made and remembered), `downloads`
//!   (recordings downloaded), `active_sessions`, `queued`,
//!   `last_user_agent`, `last_created` (of the last non-admin request, "" if
//!   it had none), and of the pushes: `pushes_sent` (delivered),
//!   `pushes_failed` (given up after the last attempt, or dropped on a full
//!   queue), `pushes_queued` (not finished yet), `pushes_skipped` (bad or
//!   off-machine targets), `push_attempts` (HTTP exchanges, retries
//!   included) and `push_notes` (the latest reasons for skipped and failed
//!   pushes).
//! - `POST /__sandbox/reset`: clears forced answers, counters, sessions,
//!   recordings and pending pushes.
//! - `GET /__sandbox/recordings/<object>?Expires=..&Signature=..`: a
//!   recording's download URL, as the recording-URL API hands it out.
//! - `POST /__sandbox/shutdown`: answers, then stops the sandbox, which ends
//!   [`Sandbox::wait`].
//!
//! With [`Config::tls`] (`--tls-dir`) everything above is served over HTTPS
//! instead, with a certificate signed by a CA made at start ([`crate::tls`]),
//! so that clients' certificate checks can be tested.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet, VecDeque};
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit, Mac};
use rand::RngExt;
use serde_json::{Map, Value, json};
use sha2::Sha256;
use voicecb::codes::{self, Api};

use crate::http_server::{Handler, Limits, Request, Response, Server};
use crate::pusher::{DigestLayout, Kind, Push, PushConfig, PushSigning, Pusher, Signer};

mod admin;
mod api;
mod auth;
mod life;
mod record;
#[cfg(test)]
mod scene_tests;
mod scenes;
mod templates;
mod wav;

use self::admin::*;
use self::api::*;
use self::auth::*;
use self::life::*;
use self::record::*;
use self::scenes::*;

pub use self::auth::CreatedClock;
pub(crate) use self::auth::push_digest;
pub use self::life::SCENARIO_NUMBERS;
pub use self::record::{DEFAULT_RECORD_URL_TTL, RECORD_PATH};
pub use self::scenes::{KEY_NUMBERS, scenes_help};
pub use self::templates::{TEMPLATES, Template, VOICE_FILES};

/// Path of the click-to-call API.
pub const CLICK2CALL_PATH: &str = "/rest/httpsessions/click2Call/v2.0";
/// Path of the call-stop API.
pub const CALLSTOP_PATH: &str = "/rest/httpsessions/callStop/v2.0";
/// Path of the voice-notification API (`callnotify` all lower case).
pub const CALLNOTIFY_PATH: &str = "/rest/httpsessions/callnotify/v2.0";
/// Path of the voice-verification-code API (`callVerify` camel case).
pub const CALLVERIFY_PATH: &str = "/rest/httpsessions/callVerify/v1.0";
/// HTTP status of the template refusals (1012002-1012005) unless
/// configured: the vendor's table gives none; the other 1012xxx codes of
/// click2Call's table are 403.
pub const DEFAULT_TEMPLATE_STATUS: u16 = 403;
/// The answer to a recording-URL request for a recording the sandbox never
/// made, unless configured: the vendor's table for that API was not
/// retrieved. 1012007 "The record does not exist." is the wording of the
/// vendor's other product (PrivateNumber); 403 like the 1012xxx codes.
pub const DEFAULT_RECORD_NOT_FOUND: (u16, &str) = (403, "1012007");

const ADMIN_PREFIX: &str = "/__sandbox/";
/// Voice ports of the pretend platform: active sessions beyond this get
/// 1020154 "Insufficient voice ports", which also bounds memory.
const VOICE_PORTS: usize = 65_535;
/// Forced answers pending at once; a bound on memory, not a platform rule.
const MAX_FORCED: u64 = 100_000;
/// Forced-answer entries queued at once: the admin paths have no
/// authentication, so what they can make the sandbox hold is bounded.
const MAX_FORCED_ENTRIES: usize = 1_000;
/// Bytes of `resultcode`, `resultdesc` and `raw_body` queued at once.
const MAX_FORCED_BYTES: usize = 4 * 1024 * 1024;
/// The session counter wraps here: it fills the `{4}_{3}` digit groups.
const SESSION_SPACE: u64 = 10_000_000;
/// Real duration of one simulated minute unless configured.
pub const DEFAULT_TIME_SCALE: Duration = Duration::from_secs(1);
/// The slowest time scale accepted: one simulated minute per real hour.
pub const MAX_TIME_SCALE: Duration = Duration::from_secs(3600);
/// The domain of session ids, and the bill's `hostName`.
const HOST_NAME: &str = "callenabler.home1.com";
/// The bill's `spId`: the pretend customer account.
const SP_ID: &str = "voicecb_sandbox";
/// The longest the call-life thread sleeps before looking again.
const LIFE_IDLE: Duration = Duration::from_secs(1);

/// An application registered on the sandbox.
#[derive(Clone)]
pub struct App {
    /// The app key (the `Username` of `X-AKSK`).
    pub key: String,
    /// The app secret: the HMAC key. Never printed.
    pub secret: String,
    /// Numbers this app may use as `displayNbr` / `displayCalleeNbr`.
    pub display_nbrs: Vec<String>,
}

impl fmt::Debug for App {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("App")
            .field("key", &self.key)
            .field("secret", &"<redacted>")
            .field("display_nbrs", &self.display_nbrs)
            .finish()
    }
}

/// How to run a sandbox.
#[derive(Clone, Debug)]
pub struct Config {
    /// Address to bind; port 0 picks a free port (see [`Sandbox::local_addr`]).
    pub listen: SocketAddr,
    /// Registered applications; keys must be unique and non-empty.
    pub apps: Vec<App>,
    /// How far `Created` may be from the sandbox's clock, either way
    /// (whole seconds count).
    pub time_window: Duration,
    /// Connections served at once; more are answered 503.
    pub max_connections: usize,
    /// Real duration of one simulated minute of a call's life (see the
    /// module doc), 1 ms to [`MAX_TIME_SCALE`].
    pub time_scale: Duration,
    /// Sign pushes with `Authorization` / `X-AKSK`, the digest being
    /// `Base64(HMAC-SHA256(app secret, url + nonce + created))`.
    pub sign_pushes: bool,
    /// With `sign_pushes`: the clock of `Created` and the digest's layout
    /// (default UTC and `url + nonce + created`).
    pub push_signing: PushSigning,
    /// Push to any host, not only to `127.0.0.0/8` and `localhost`.
    pub push_to_any_host: bool,
    /// Log each request answered to stderr: method, path, the answer and,
    /// for a refusal, the check and why (never a secret nor a digest).
    pub verbose: bool,
    /// Serve HTTPS instead of HTTP, with a throwaway CA and certificate
    /// made at start (see [`crate::tls`]); the CA goes to `ca.pem` there.
    pub tls: Option<crate::tls::Settings>,
    /// The clock `Created` is checked against (the vendor's pages differ).
    pub created_clock: CreatedClock,
    /// HTTP status of the template refusals 1012002-1012005, 400-599
    /// ([`DEFAULT_TEMPLATE_STATUS`]).
    pub template_status: u16,
    /// HTTP status (400-599) and result code of a recording-URL request
    /// naming no recording of the app ([`DEFAULT_RECORD_NOT_FOUND`]).
    pub record_not_found: (u16, String),
    /// How long a recording's download URL is valid
    /// ([`DEFAULT_RECORD_URL_TTL`]: 7 days, as the current page says; an
    /// older version said 30 minutes). Zero makes every URL expired.
    pub record_url_ttl: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            apps: vec![App {
                key: "sandbox-app-key".into(),
                secret: "sandbox-app-secret".into(),
                display_nbrs: vec!["+8675512345678".into()],
            }],
            time_window: Duration::from_secs(300),
            max_connections: 256,
            time_scale: DEFAULT_TIME_SCALE,
            sign_pushes: false,
            push_signing: PushSigning::default(),
            push_to_any_host: false,
            verbose: false,
            tls: None,
            created_clock: CreatedClock::default(),
            template_status: DEFAULT_TEMPLATE_STATUS,
            record_not_found: (
                DEFAULT_RECORD_NOT_FOUND.0,
                DEFAULT_RECORD_NOT_FOUND.1.to_owned(),
            ),
            record_url_ttl: DEFAULT_RECORD_URL_TTL,
        }
    }
}

/// The warning to print when the sandbox listens on `addr`, if it is not
/// a loopback address: anyone who can reach it can use the admin paths
/// (no authentication) and sign requests with the default app's secret,
/// which is public.
pub fn exposure_warning(addr: SocketAddr) -> Option<String> {
    if addr.ip().is_loopback() {
        return None;
    }
    Some(format!(
        "warning: the sandbox listens on {addr}, not a loopback address: anyone who \
         can reach it can queue answers, reset or stop it through /__sandbox/ (no \
         authentication), and the default app secret is public; prefer 127.0.0.1"
    ))
}

/// A running sandbox. Dropping it shuts it down like [`Sandbox::shutdown`].
pub struct Sandbox {
    server: Option<Server>,
    shared: Arc<Shared>,
    life: Option<JoinHandle<()>>,
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox")
            .field("server", &self.server)
            .field("time_scale", &self.shared.time_scale)
            .field("sign_pushes", &self.shared.sign_pushes)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Binds `config.listen` and serves on background threads; returns at once.
    pub fn start(config: Config) -> io::Result<Sandbox> {
        let invalid = |msg: &str| io::Error::new(io::ErrorKind::InvalidInput, msg.to_string());
        let mut keys = HashSet::new();
        for app in &config.apps {
            if app.key.is_empty() {
                return Err(invalid("an app key is empty"));
            }
            if !keys.insert(app.key.as_str()) {
                // The key is not secret; naming it helps fix the config.
                return Err(invalid(&format!("app key {:?} is listed twice", app.key)));
            }
        }
        if config.time_scale < Duration::from_millis(1) || config.time_scale > MAX_TIME_SCALE {
            return Err(invalid(
                "the time scale must be 1 ms to 1 h per simulated minute",
            ));
        }
        if !(400..=599).contains(&config.template_status) {
            return Err(invalid("the template refusal status must be 400-599"));
        }
        let (nf_status, nf_code) = &config.record_not_found;
        if !(400..=599).contains(nf_status) || !is_result_code(nf_code) {
            return Err(invalid(
                "the record-not-found answer must be a status 400-599 and a code of 1-32 digits, not 0",
            ));
        }
        if config.record_url_ttl > MAX_RECORD_URL_TTL {
            return Err(invalid("the record URL lifetime must be at most 366 days"));
        }
        // Before any thread starts: a certificate that cannot be made (or a
        // ca.pem that cannot be written) is a plain start error.
        let tls = match &config.tls {
            Some(settings) => Some(crate::tls::server_config(settings)?),
            None => None,
        };
        let pusher = Pusher::start(PushConfig {
            time_scale: config.time_scale,
            any_host: config.push_to_any_host,
            signing: config.push_signing,
        })?;
        let shared = Arc::new(Shared {
            apps: config.apps,
            time_window: config.time_window,
            time_scale: config.time_scale,
            sign_pushes: config.sign_pushes,
            verbose: config.verbose,
            created_clock: config.created_clock,
            template_status: config.template_status,
            record_not_found: config.record_not_found,
            record_url_ttl: config.record_url_ttl,
            https: config.tls.is_some(),
            origin: OnceLock::new(),
            record_key: rand::rng().random(),
            state: Mutex::new(State::new()),
            life: Condvar::new(),
            stopping: AtomicBool::new(false),
            pusher,
        });
        let life = {
            let shared = shared.clone();
            thread::Builder::new()
                .name("voicecb-sandbox-life".into())
                .spawn(move || run_life(&shared))?
        };
        let mut sandbox = Sandbox {
            server: None,
            shared: shared.clone(),
            life: Some(life),
        };
        let limits = Limits {
            max_connections: config.max_connections,
            ..Limits::default()
        };
        let handler: Arc<Handler> = {
            let shared = shared.clone();
            Arc::new(move |req: &Request| handle(&shared, req))
        };
        // On failure, dropping `sandbox` stops the threads started above.
        let server = Server::start_tls(config.listen, limits, handler, tls)?;
        let _ = shared
            .origin
            .set(own_origin(shared.https, server.local_addr()));
        sandbox.server = Some(server);
        Ok(sandbox)
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        match &self.server {
            Some(server) => server.local_addr(),
            None => SocketAddr::from(([0, 0, 0, 0], 0)),
        }
    }

    /// Blocks until the sandbox is stopped, which `POST /__sandbox/shutdown`
    /// does; then stops the call-life and push threads.
    pub fn wait(mut self) {
        if let Some(server) = self.server.take() {
            server.wait();
        }
    }

    /// Stops accepting and joins the accept thread (bounded). Open
    /// keep-alive connections close at their next request (503) or at their
    /// idle timeout. Pushes still queued are dropped; one in flight is cut
    /// (bounded by the pusher's connect timeout).
    pub fn shutdown(mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown();
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown();
        }
        self.shared.stopping.store(true, Ordering::SeqCst);
        {
            // Taken so that the life thread is either waiting (and gets the
            // notification) or will see `stopping` before it waits again.
            let _st = self.shared.lock();
            self.shared.life.notify_all();
        }
        if let Some(life) = self.life.take() {
            let _ = life.join();
        }
        self.shared.pusher.shutdown();
    }
}

struct Shared {
    apps: Vec<App>,
    time_window: Duration,
    time_scale: Duration,
    sign_pushes: bool,
    verbose: bool,
    created_clock: CreatedClock,
    template_status: u16,
    record_not_found: (u16, String),
    record_url_ttl: Duration,
    /// Serving HTTPS: the scheme of the URLs the sandbox hands out.
    https: bool,
    /// `scheme://address` of the sandbox as bound (a wildcard address as
    /// loopback): where its URLs point when a request has no usable `Host`.
    origin: OnceLock<String>,
    /// Signs recording download URLs; made at start, never shown.
    record_key: [u8; 32],
    state: Mutex<State>,
    /// Wakes the call-life thread: a new timer, or shutdown.
    life: Condvar,
    stopping: AtomicBool,
    pusher: Pusher,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves counters at worst slightly
        // off; the sandbox must keep answering.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Real time from simulated milliseconds.
    fn real(&self, sim_ms: u64) -> Duration {
        let nanos = u128::from(sim_ms) * self.time_scale.as_nanos() / 60_000;
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }

    /// Simulated milliseconds from real time.
    fn sim_ms(&self, real: Duration) -> u64 {
        let ms = real.as_nanos() * 60_000 / self.time_scale.as_nanos().max(1);
        u64::try_from(ms).unwrap_or(u64::MAX)
    }
}

struct Forced {
    status: u16,
    code: String,
    desc: Option<String>,
    raw_body: Option<String>,
    remaining: u64,
}

impl Forced {
    fn bytes(&self) -> usize {
        self.code.len()
            + self.desc.as_ref().map_or(0, String::len)
            + self.raw_body.as_ref().map_or(0, String::len)
    }
}

struct State {
    forced: VecDeque<Forced>,
    requests: u64,
    click2call: u64,
    callstop: u64,
    callnotify: u64,
    callverify: u64,
    record: u64,
    downloads: u64,
    /// Recordings made, by object name, for the recording-URL API.
    recordings: HashMap<String, Recording>,
    /// Their object names, oldest first, to bound how many are kept.
    recording_order: VecDeque<String>,
    last_user_agent: String,
    last_created: String,
    /// Active calls by session id (ids are unique across apps).
    calls: HashMap<String, Call>,
    /// When each active call's next step is due: one timer per call.
    timers: BinaryHeap<Reverse<(Instant, u64, String)>>,
    /// Survives resets so ids stay unique over a sandbox's life.
    next_session: u64,
    /// Numbers calls, so that a stale timer never drives a newer call.
    next_call: u64,
}

impl State {
    fn new() -> State {
        State {
            forced: VecDeque::new(),
            requests: 0,
            click2call: 0,
            callstop: 0,
            callnotify: 0,
            callverify: 0,
            record: 0,
            downloads: 0,
            recordings: HashMap::new(),
            recording_order: VecDeque::new(),
            last_user_agent: String::new(),
            last_created: String::new(),
            calls: HashMap::new(),
            timers: BinaryHeap::new(),
            // A random start keeps ids of different sandbox runs apart.
            next_session: rand::rng().random_range(0..SESSION_SPACE),
            next_call: 0,
        }
    }

    fn reset(&mut self) {
        let (next_session, next_call) = (self.next_session, self.next_call);
        *self = State::new();
        self.next_session = next_session;
        self.next_call = next_call;
    }

    /// Bytes the queued forced answers hold (their texts).
    fn forced_bytes(&self) -> usize {
        self.forced.iter().map(Forced::bytes).sum()
    }

    fn forced_pending(&self) -> u64 {
        self.forced.iter().map(|f| f.remaining).sum()
    }

    fn pop_forced(&mut self) -> Option<(u16, String, Option<String>, Option<String>)> {
        let front = self.forced.front_mut()?;
        front.remaining -= 1;
        let out = (
            front.status,
            front.code.clone(),
            front.desc.clone(),
            front.raw_body.clone(),
        );
        if front.remaining == 0 {
            self.forced.pop_front();
        }
        Some(out)
    }
}

fn handle(shared: &Shared, req: &Request) -> Response {
    if req.path.starts_with(DOWNLOAD_PREFIX) {
        let response = download(shared, req);
        if shared.verbose {
            log_request(req, response.status, "(recording download)", "");
        }
        response
    } else if req.path.starts_with(ADMIN_PREFIX) || req.path == "/__sandbox" {
        let response = admin(shared, req);
        if shared.verbose {
            log_request(req, response.status, "(admin)", "");
        }
        response
    } else {
        platform(shared, req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    pub(super) use crate::http_server::test_client::{Answer, RawClient};
    use std::io::Write;
    use std::net::TcpStream;
    use std::thread;
    use std::time::Instant;

    pub(super) const KEY: &str = "sandbox-app-key";
    pub(super) const SECRET: &str = "sandbox-app-secret";
    pub(super) const DISPLAY: &str = "+8675512345678";
    pub(super) const AUTH: &str = r#"AKSK realm="SDP",profile="UsernameToken",type="Appkey""#;

    /// Test-only signer, kept apart from the sandbox's on purpose.
    pub(super) fn sign(secret: &str, nonce: &str, created: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{nonce}{created}").as_bytes());
        BASE64.encode(mac.finalize().into_bytes())
    }

    pub(super) fn created_at(offset_secs: i64) -> String {
        (chrono::Utc::now() + chrono::TimeDelta::seconds(offset_secs))
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    }

    pub(super) fn x_aksk(key: &str, secret: &str, nonce: &str, created: &str) -> String {
        format!(
            r#"UsernameToken Username="{key}", PasswordDigest="{}", Nonce="{nonce}", Created="{created}""#,
            sign(secret, nonce, created)
        )
    }

    pub(super) fn good_x_aksk() -> String {
        x_aksk(
            KEY,
            SECRET,
            "66C92B11FF8A425FB8D4CCFE0ED9ED1F",
            &created_at(0),
        )
    }

    /// A raw request; `None` headers are left out.
    pub(super) fn raw(
        method: &str,
        path: &str,
        headers: &[(&str, Option<&str>)],
        body: &str,
    ) -> Vec<u8> {
        let mut out = format!("{method} {path} HTTP/1.1\r\nHost: sandbox\r\n");
        for (name, value) in headers {
            if let Some(value) = value {
                out.push_str(&format!("{name}: {value}\r\n"));
            }
        }
        out.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        out.into_bytes()
    }

    /// A fully valid request with selected headers replaced.
    pub(super) fn signed(path: &str, body: &Value, auth: Option<&str>, x: Option<&str>) -> Vec<u8> {
        raw(
            "POST",
            path,
            &[
                ("Content-Type", Some("application/json;charset=UTF-8")),
                ("Authorization", auth),
                ("X-AKSK", x),
                ("User-Agent", Some("voicecb-test/1")),
            ],
            &body.to_string(),
        )
    }

    pub(super) fn click_body() -> Value {
        json!({
            "displayNbr": DISPLAY,
            "callerNbr": "+8613700000001",
            "calleeNbr": "+8613700000002",
            "displayCalleeNbr": DISPLAY,
            "userData": "cwgtest",
        })
    }

    pub(super) fn start() -> Sandbox {
        Sandbox::start(Config::default()).expect("start sandbox")
    }

    pub(super) fn client(sb: &Sandbox) -> RawClient {
        RawClient::connect(sb.local_addr())
    }

    pub(super) fn call(c: &mut RawClient, path: &str, body: &Value) -> Answer {
        let x = good_x_aksk();
        c.request(&signed(path, body, Some(AUTH), Some(&x)))
    }

    #[track_caller]
    pub(super) fn assert_result(a: &Answer, status: u16, code: &str) {
        let v = a.json();
        assert_eq!(
            (a.status, v["resultcode"].as_str()),
            (status, Some(code)),
            "body: {v}"
        );
        let desc = v["resultdesc"].as_str().expect("resultdesc");
        assert!(!desc.is_empty());
        if code == "0" {
            assert_eq!(desc, "Success");
        } else {
            // The two tables may word a row differently; either wording is
            // the platform's. Rows missing from the catalogue get a fallback.
            let known: Vec<&str> = codes::all()
                .iter()
                .filter(|c| c.http_status() == status && c.code() == code)
                .map(|c| c.en())
                .collect();
            // A text of the vendor's with a `%s` (1012005's, cut short by
            // the source) is matched as the template it is.
            let fills = |k: &&str| {
                k.split_once("%s")
                    .is_some_and(|(_, rest)| desc.contains(rest.trim_end_matches('…')))
            };
            assert!(
                known.is_empty() || known.contains(&desc) || known.iter().any(fills),
                "{desc:?} not in {known:?}"
            );
        }
    }

    pub(super) fn stats(c: &mut RawClient) -> Value {
        c.request(b"GET /__sandbox/stats HTTP/1.1\r\n\r\n").json()
    }

    pub(super) fn admin_post(c: &mut RawClient, path: &str, body: &Value) -> Answer {
        c.request(&raw("POST", path, &[], &body.to_string()))
    }

    #[test]
    fn digest_matches_an_independent_vector() {
        // Computed with Python's hmac/hashlib/base64 modules.
        let want = "KHJ3gVwavaV/szu+83e+Vw0oAlankM7WKCIKm+XFYrc=";
        let (nonce, created) = ("ac1c911c4792492687f8f6b2264a491e", "2018-05-26T00:35:30Z");
        assert_eq!(
            password_digest(SECRET, nonce, created).as_deref(),
            Some(want)
        );
        assert_eq!(sign(SECRET, nonce, created), want);
    }

    #[test]
    fn both_calls_succeed_on_one_keep_alive_connection() {
        let sb = start();
        let mut c = client(&sb);
        let a = call(&mut c, CLICK2CALL_PATH, &click_body());
        assert_result(&a, 200, "0");
        assert_eq!(
            a.header("content-type"),
            Some("application/json;charset=UTF-8")
        );
        assert!(a.header("date").is_some_and(|d| d.ends_with(" GMT")));
        assert!(a.header("connection").is_none(), "kept alive");
        let v = a.json();
        assert!(v.get("idlePort").is_none());
        let id = v["sessionId"].as_str().unwrap().to_string();
        let (head, domain) = id.split_once('@').unwrap();
        assert_eq!(domain, "callenabler.home1.com");
        let parts: Vec<&str> = head.split('_').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [4, 3, 1, 14]
        );
        assert_eq!(parts[2], "0");
        assert!(parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())));

        let b = call(
            &mut c,
            CALLSTOP_PATH,
            &json!({"sessionid": id, "signal": "call_stop"}),
        );
        assert_result(&b, 200, "0");
        assert_eq!(
            b.json().as_object().unwrap().len(),
            2,
            "only resultcode and resultdesc"
        );
        let s = stats(&mut c);
        assert_eq!(
            (s["requests"].as_u64(), s["active_sessions"].as_u64()),
            (Some(2), Some(0))
        );
    }

    #[test]
    fn authorization_header_codes() {
        let sb = start();
        let mut c = client(&sb);
        let x = good_x_aksk();
        let cases: &[(Option<&str>, &str)] = &[
            (None, "1023006"),
            (
                Some(r#"Basic realm="SDP",profile="UsernameToken",type="Appkey""#),
                "1023006",
            ),
            (
                Some(r#"AKSK profile="UsernameToken",type="Appkey""#),
                "1023007",
            ),
            (
                Some(r#"AKSK realm=SDP,profile="UsernameToken",type="Appkey""#),
                "1023007",
            ),
            (Some(r#"AKSK realm="SDP",type="Appkey""#), "1023008"),
            (
                Some(r#"AKSK realm="sdp",profile="UsernameToken",type="Appkey""#),
                "1023009",
            ),
            (
                Some(r#"AKSK realm="SDP",profile="Token",type="Appkey""#),
                "1023010",
            ),
            (
                Some(r#"AKSK realm="SDP",profile="UsernameToken""#),
                "1023012",
            ),
            (
                Some(r#"AKSK realm="SDP", profile="UsernameToken", type="AppKey""#),
                "1023011",
            ),
        ];
        for (auth, code) in cases {
            let a = c.request(&signed(CLICK2CALL_PATH, &click_body(), *auth, Some(&x)));
            assert_result(&a, 400, code);
        }
        // Order: a missing realm wins over a wrong profile, a wrong realm
        // over a missing type.
        let a = c.request(&signed(
            CLICK2CALL_PATH,
            &click_body(),
            Some(r#"AKSK profile="x""#),
            Some(&x),
        ));
        assert_result(&a, 400, "1023007");
        let a = c.request(&signed(
            CLICK2CALL_PATH,
            &click_body(),
            Some(r#"AKSK realm="x",profile="y""#),
            Some(&x),
        ));
        assert_result(&a, 400, "1023009");
    }

    #[test]
    fn x_aksk_header_codes() {
        let sb = start();
        let mut c = client(&sb);
        let created = created_at(0);
        let d = sign(SECRET, "abc", &created);
        let cases: Vec<(Option<String>, &str)> = vec![
            (None, "1023033"),
            (
                Some(format!(
                    r#"Username="{KEY}",Nonce="abc",Created="{created}",PasswordDigest="{d}""#
                )),
                "1023038",
            ),
            (
                Some(format!(
                    r#"UsernameToken Nonce="abc",Created="{created}",PasswordDigest="{d}""#
                )),
                "1023034",
            ),
            (
                Some(format!(
                    r#"UsernameToken Username="{KEY}",Created="{created}",PasswordDigest="{d}""#
                )),
                "1023035",
            ),
            (
                Some(format!(
                    r#"UsernameToken Username="{KEY}",Nonce="abc",PasswordDigest="{d}""#
                )),
                "1023036",
            ),
            (
                Some(format!(
                    r#"UsernameToken Username="{KEY}",Nonce="abc",Created="{created}""#
                )),
                "1023037",
            ),
        ];
        for (x, code) in &cases {
            let a = c.request(&signed(
                CLICK2CALL_PATH,
                &click_body(),
                Some(AUTH),
                x.as_deref(),
            ));
            assert_result(&a, 400, code);
        }
        // The same attributes without spaces after commas are accepted.
        let x = format!(
            r#"UsernameToken Username="{KEY}",PasswordDigest="{d}",Nonce="abc",Created="{created}""#
        );
        let a = c.request(&signed(
            CLICK2CALL_PATH,
            &click_body(),
            Some(AUTH),
            Some(&x),
        ));
        assert_result(&a, 200, "0");
    }

    #[test]
    fn unknown_app_key_is_1010003() {
        let sb = start();
        let mut c = client(&sb);
        let x = x_aksk("no-such-key", SECRET, "abc", &created_at(0));
        let a = c.request(&signed(
            CLICK2CALL_PATH,
            &click_body(),
            Some(AUTH),
            Some(&x),
        ));
        assert_result(&a, 403, "1010003");
    }

    #[test]
    fn bad_digest_and_bad_nonce_are_1010010() {
        let sb = start();
        let mut c = client(&sb);
        let created = created_at(0);
        let wrong_secret = x_aksk(KEY, "other-secret", "abc", &created);
        let unpadded = format!(
            r#"UsernameToken Username="{KEY}",PasswordDigest="{}",Nonce="abc",Created="{created}""#,
            sign(SECRET, "abc", &created).trim_end_matches('=')
        );
        let long_nonce = "a".repeat(129);
        // Correct digests over nonces the spec does not allow.
        let bad_nonces = [
            x_aksk(KEY, SECRET, "abc-def", &created),
            x_aksk(KEY, SECRET, &long_nonce, &created),
            format!(
                r#"UsernameToken Username="{KEY}",PasswordDigest="{}",Nonce="",Created="{created}""#,
                sign(SECRET, "", &created)
            ),
        ];
        for x in [wrong_secret, unpadded].iter().chain(&bad_nonces) {
            let a = c.request(&signed(CLICK2CALL_PATH, &click_body(), Some(AUTH), Some(x)));
            assert_result(&a, 401, "1010010");
        }
        let x = x_aksk(KEY, SECRET, &"a".repeat(128), &created);
        assert_result(
            &c.request(&signed(
                CLICK2CALL_PATH,
                &click_body(),
                Some(AUTH),
                Some(&x),
            )),
            200,
            "0",
        );
    }

    #[test]
    fn created_checks_are_1010013() {
        let sb = start();
        let mut c = client(&sb);
        let now = created_at(0);
        let malformed = [
            now.replace('T', " "),
            now.trim_end_matches('Z').to_string(),
            format!("{}.000Z", now.trim_end_matches('Z')),
            "2018-02-30T15:30:20Z".to_string(),
            created_at(310),
            created_at(-310),
        ];
        for created in &malformed {
            let x = x_aksk(KEY, SECRET, "abc", created);
            let a = c.request(&signed(
                CLICK2CALL_PATH,
                &click_body(),
                Some(AUTH),
                Some(&x),
            ));
            assert_result(&a, 401, "1010013");
        }
        // Two minutes old: fine with the default window of 300 s...
        let old = x_aksk(KEY, SECRET, "abc", &created_at(-120));
        assert_result(
            &c.request(&signed(
                CLICK2CALL_PATH,
                &click_body(),
                Some(AUTH),
                Some(&old),
            )),
            200,
            "0",
        );
        // ...but not with a 60 s window.
        let strict = Sandbox::start(Config {
            time_window: Duration::from_secs(60),
            ..Config::default()
        })
        .unwrap();
        let mut c = client(&strict);
        assert_result(
            &c.request(&signed(
                CLICK2CALL_PATH,
                &click_body(),
                Some(AUTH),
                Some(&old),
            )),
            401,
            "1010013",
        );
    }

    #[test]
    fn unknown_path_and_wrong_method_are_1010006_after_auth() {
        let sb = start();
        let mut c = client(&sb);
        let x = good_x_aksk();
        let body = click_body().to_string();
        let h = |auth| {
            vec![
                ("Content-Type", Some("application/json")),
                ("Authorization", auth),
                ("X-AKSK", Some(x.as_str())),
            ]
        };
        let a = c.request(&raw(
            "POST",
            "/rest/httpsessions/click2Call/v1.0",
            &h(Some(AUTH)),
            &body,
        ));
        assert_result(&a, 403, "1010006");
        let a = c.request(&raw("GET", CLICK2CALL_PATH, &h(Some(AUTH)), ""));
        assert_result(&a, 403, "1010006");
        let a = c.request(&raw("PUT", CALLSTOP_PATH, &h(Some(AUTH)), &body));
        assert_result(&a, 403, "1010006");
        let a = c.request(&raw("POST", "/nowhere", &h(None), &body));
        assert_result(&a, 400, "1023006");
    }

    #[test]
    fn body_checks_are_1020001() {
        let sb = start();
        let mut c = client(&sb);
        let x = good_x_aksk();
        let with = |ct: Option<&str>, body: &str| {
            raw(
                "POST",
                CLICK2CALL_PATH,
                &[
                    ("Content-Type", ct),
                    ("Authorization", Some(AUTH)),
                    ("X-AKSK", Some(&x)),
                ],
                body,
            )
        };
        let good = click_body().to_string();
        for req in [
            with(None, &good),
            with(Some("text/plain"), &good),
            // The whole media type counts, not its first 16 characters.
            with(Some("application/jsonx"), &good),
            with(Some("application/json-seq; charset=UTF-8"), &good),
            with(Some("application/json"), ""),
            with(Some("application/json"), "[1,2]"),
            with(Some("application/json"), "{not json"),
            with(Some("application/json"), "\"a string\""),
        ] {
            assert_result(&c.request(&req), 500, "1020001");
        }
        assert_result(&c.request(&with(Some("Application/JSON"), &good)), 200, "0");
        assert_result(
            &c.request(&with(Some(" application/json ; charset=UTF-8"), &good)),
            200,
            "0",
        );
    }

    #[test]
    fn click2call_field_checks() {
        let sb = start();
        let mut c = client(&sb);
        let url = BASE64.encode("https://example.com:8443/status");
        let valid_optional = json!({
            "maxDuration": 1440, "lastMinVoice": "lastmin_voice1.wav", "lastMinToUE": "toa",
            "playPreVoice": "true", "preVoice": "pre.wav", "waitVoice": "wait.wav", "calleeMedia": "fail",
            "statusUrl": url, "feeUrl": BASE64.encode("http://10.0.0.1/fee"), "recordFlag": "false",
            "recordHintTone": "hint.wav", "partyTypeRequiredInDisconnect": "true", "returnIdlePort": "false",
            "userData": "x".repeat(256), "somethingUnknown": 1, "waitVoice2": null,
        });
        let mut all = click_body();
        all.as_object_mut()
            .unwrap()
            .extend(valid_optional.as_object().unwrap().clone());
        assert_result(&call(&mut c, CLICK2CALL_PATH, &all), 200, "0");
        let with_null = {
            let mut b = click_body();
            b["maxDuration"] = Value::Null;
            b
        };
        assert_result(&call(&mut c, CLICK2CALL_PATH, &with_null), 200, "0");

        let long_url = BASE64.encode(format!("http://{}", "a".repeat(122)));
        let bad: Vec<(&str, Value)> = vec![
            ("displayNbr", Value::Null),
            ("displayNbr", json!("+86")),
            ("callerNbr", json!(8613700000001u64)),
            ("callerNbr", json!("+8613700000001000000000000000000")),
            ("calleeNbr", json!("")),
            ("calleeNbr", json!("13700000002")),
            ("calleeNbr", json!("+0137000000")),
            ("displayCalleeNbr", json!(["+8675512345678"])),
            ("maxDuration", json!(1441)),
            ("maxDuration", json!(-1)),
            ("maxDuration", json!(1.5)),
            ("maxDuration", json!("10")),
            ("lastMinToUE", json!("all")),
            ("playPreVoice", json!(true)),
            ("recordFlag", json!("TRUE")),
            ("partyTypeRequiredInDisconnect", json!("yes")),
            ("returnIdlePort", json!("1")),
            ("calleeMedia", json!("some")),
            ("lastMinVoice", json!("")),
            ("preVoice", json!("p".repeat(129))),
            ("waitVoice", json!(5)),
            ("recordHintTone", json!("")),
            ("statusUrl", json!("not base64!")),
            ("statusUrl", json!(BASE64.encode("ftp://example.com"))),
            ("statusUrl", json!(BASE64.encode("http://"))),
            ("feeUrl", json!(BASE64.encode("http://example.com/a?b=c"))),
            ("feeUrl", json!(long_url)),
            ("feeUrl", json!(url.trim_end_matches('='))),
            ("userData", json!("")),
            ("userData", json!("a{b}")),
            ("userData", json!("中文")),
            ("userData", json!("u".repeat(257))),
        ];
        for (name, value) in bad {
            let mut body = click_body();
            if value.is_null() {
                body.as_object_mut().unwrap().remove(name);
            } else {
                body[name] = value.clone();
            }
            let a = call(&mut c, CLICK2CALL_PATH, &body);
            assert_eq!(a.status, 500, "{name}={value}");
            assert_result(&a, 500, "1020001");
        }
        let ok_url = BASE64.encode(format!("http://{}", "a".repeat(121)));
        let mut body = click_body();
        body["feeUrl"] = json!(ok_url);
        assert_result(&call(&mut c, CLICK2CALL_PATH, &body), 200, "0");
    }

    #[test]
    fn number_checks_1010023_and_1010024() {
        let sb = start();
        let mut c = client(&sb);
        for field in ["displayNbr", "displayCalleeNbr"] {
            let mut body = click_body();
            body[field] = json!("+8675500000000");
            assert_result(&call(&mut c, CLICK2CALL_PATH, &body), 403, "1010023");
        }
        for caller in [
            "8613700000001",
            "+0613700000001",
            "+86137-0000001",
            "+123456",
        ] {
            let mut body = click_body();
            body["callerNbr"] = json!(caller);
            assert_result(&call(&mut c, CLICK2CALL_PATH, &body), 403, "1010024");
        }
        // Display numbers are checked before the caller.
        let mut body = click_body();
        body["displayNbr"] = json!("+8675500000000");
        body["callerNbr"] = json!("bad-caller");
        assert_result(&call(&mut c, CLICK2CALL_PATH, &body), 403, "1010023");
        // A malformed callee is a parameter error, before numbers are looked up.
        body["calleeNbr"] = json!("+86-bad");
        assert_result(&call(&mut c, CLICK2CALL_PATH, &body), 500, "1020001");
    }

    #[test]
    fn idle_port_only_when_asked() {
        let sb = start();
        let mut c = client(&sb);
        let mut body = click_body();
        body["returnIdlePort"] = json!("true");
        let a = call(&mut c, CLICK2CALL_PATH, &body);
        assert_result(&a, 200, "0");
        let port = a.json()["idlePort"].as_u64().expect("idlePort integer");
        assert!(port <= 65_535);
        body["returnIdlePort"] = json!("false");
        assert!(
            call(&mut c, CLICK2CALL_PATH, &body)
                .json()
                .get("idlePort")
                .is_none()
        );
        // A refusal carries no idlePort, asked or not.
        body["returnIdlePort"] = json!("true");
        body["callerNbr"] = json!("8613700000001");
        let refused = call(&mut c, CLICK2CALL_PATH, &body);
        assert_result(&refused, 403, "1010024");
        assert!(
            refused.json().get("idlePort").is_none(),
            "{}",
            refused.json()
        );
    }

    #[test]
    fn call_stop_checks_and_double_stop() {
        let mut config = Config::default();
        config.apps.push(App {
            key: "second-key".into(),
            secret: "second-secret".into(),
            display_nbrs: vec![DISPLAY.into()],
        });
        let sb = Sandbox::start(config).unwrap();
        let mut c = client(&sb);
        let id = call(&mut c, CLICK2CALL_PATH, &click_body()).json()["sessionId"]
            .as_str()
            .unwrap()
            .to_string();
        for body in [
            json!({"sessionid": id}),
            json!({"sessionid": id, "signal": "stop"}),
            json!({"sessionid": "", "signal": "call_stop"}),
            json!({"sessionid": "s".repeat(257), "signal": "call_stop"}),
            json!({"sessionid": 5, "signal": "call_stop"}),
        ] {
            assert_result(&call(&mut c, CALLSTOP_PATH, &body), 500, "1020001");
        }
        // Another app cannot stop this app's session.
        let other = x_aksk("second-key", "second-secret", "abc", &created_at(0));
        let stop = json!({"sessionid": id, "signal": "call_stop"});
        let a = c.request(&signed(CALLSTOP_PATH, &stop, Some(AUTH), Some(&other)));
        assert_result(&a, 500, "1020152");
        let unknown = json!({"sessionid": "1200_366_0_20161228102743@callenabler.home1.com", "signal": "call_stop"});
        assert_result(&call(&mut c, CALLSTOP_PATH, &unknown), 500, "1020152");
        assert_result(&call(&mut c, CALLSTOP_PATH, &stop), 200, "0");
        assert_result(&call(&mut c, CALLSTOP_PATH, &stop), 500, "1020152");
    }

    #[test]
    fn session_ids_are_unique() {
        let sb = start();
        let mut c = client(&sb);
        let mut seen = HashSet::new();
        for _ in 0..200 {
            let a = call(&mut c, CLICK2CALL_PATH, &click_body());
            assert!(seen.insert(a.json()["sessionId"].as_str().unwrap().to_string()));
        }
        assert_eq!(stats(&mut c)["active_sessions"], 200);
    }

    #[test]
    fn concurrent_clients_get_unique_sessions_and_exact_counts() {
        let sb = start();
        let addr = sb.local_addr();
        let workers: Vec<_> = (0..8)
            .map(|_| {
                thread::spawn(move || {
                    let mut c = RawClient::connect(addr);
                    (0..25)
                        .map(|_| {
                            let a = call(&mut c, CLICK2CALL_PATH, &click_body());
                            assert_result(&a, 200, "0");
                            a.json()["sessionId"].as_str().unwrap().to_string()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut seen = HashSet::new();
        for w in workers {
            for id in w.join().unwrap() {
                assert!(seen.insert(id));
            }
        }
        let s = stats(&mut client(&sb));
        assert_eq!(
            (s["requests"].as_u64(), s["active_sessions"].as_u64()),
            (Some(200), Some(200))
        );
    }

    #[test]
    fn exposure_warning_only_off_loopback() {
        for addr in ["127.0.0.1:0", "127.8.0.1:80", "[::1]:8080"] {
            assert_eq!(exposure_warning(addr.parse().unwrap()), None, "{addr}");
        }
        for addr in ["0.0.0.0:8080", "192.168.1.5:80", "[::]:0"] {
            let w = exposure_warning(addr.parse().unwrap()).expect(addr);
            assert!(w.contains(addr) && w.contains("no authentication"), "{w}");
            assert!(w.contains("secret is public"), "{w}");
        }
    }

    /// What the unauthenticated admin paths can queue is bounded in
    /// answers, entries and bytes, each refusal naming its limit.
    #[test]
    fn forced_answers_are_bounded() {
        let sb = start();
        let mut c = client(&sb);
        let next = |c: &mut RawClient, body: Value| admin_post(c, "/__sandbox/next", &body);
        let refused = |a: &Answer, limit: &str| {
            let error = a.json()["error"].as_str().unwrap_or("").to_owned();
            a.status == 400 && error.contains(limit)
        };
        let a = next(
            &mut c,
            json!({"http_status": 403, "resultcode": "1", "count": MAX_FORCED}),
        );
        assert_eq!(a.status, 200);
        let a = next(&mut c, json!({"http_status": 403, "resultcode": "1"}));
        assert!(refused(&a, "100000 answers"), "{}", a.json());

        let reset = |c: &mut RawClient| {
            assert_eq!(admin_post(c, "/__sandbox/reset", &json!({})).status, 200)
        };
        reset(&mut c);
        // 900 000 bytes a request (the body limit is 1 MiB): the fifth
        // would bring the texts over 4 MiB.
        let big = json!({"http_status": 502, "raw_body": "x".repeat(900_000)});
        for _ in 0..4 {
            assert_eq!(next(&mut c, big.clone()).status, 200);
        }
        let a = next(&mut c, big.clone());
        assert!(refused(&a, "4194304 bytes"), "{}", a.json());
        assert_eq!(stats(&mut c)["queued"], 4, "the refused one is not queued");

        reset(&mut c);
        for _ in 0..MAX_FORCED_ENTRIES {
            assert_eq!(
                next(&mut c, json!({"http_status": 403, "resultcode": "1"})).status,
                200
            );
        }
        let a = next(&mut c, json!({"http_status": 403, "resultcode": "1"}));
        assert!(refused(&a, "1000 entries"), "{}", a.json());
    }

    #[test]
    fn forced_answers() {
        let sb = start();
        let mut c = client(&sb);
        let q = admin_post(
            &mut c,
            "/__sandbox/next",
            &json!({"http_status": 403, "resultcode": "1010010", "count": 2}),
        );
        assert_eq!((q.status, q.json()["queued"].as_u64()), (200, Some(2)));
        let q = admin_post(
            &mut c,
            "/__sandbox/next",
            &json!({"http_status": 500, "resultcode": "1020002", "resultdesc": "custom text"}),
        );
        assert_eq!(q.json()["queued"], 3);
        let q = admin_post(
            &mut c,
            "/__sandbox/next",
            &json!({"http_status": 502, "raw_body": "<html>bad gateway</html>"}),
        );
        assert_eq!(q.json()["queued"], 4);

        // Forced answers come before any check: even an unsigned request.
        let a = c.request(&raw("POST", CLICK2CALL_PATH, &[], "{}"));
        assert_result(&a, 403, "1010010");
        assert_eq!(
            a.json()["resultdesc"],
            result_desc(Api::Click2Call, 403, "1010010")
        );
        let a = call(&mut c, CALLSTOP_PATH, &json!({}));
        assert_result(&a, 403, "1010010");
        let a = call(&mut c, CLICK2CALL_PATH, &click_body());
        assert_eq!(
            (a.status, a.json()["resultdesc"].as_str()),
            (500, Some("custom text"))
        );
        let a = call(&mut c, CLICK2CALL_PATH, &click_body());
        assert_eq!(
            (a.status, a.body.as_slice()),
            (502, &b"<html>bad gateway</html>"[..])
        );
        assert_eq!(
            a.header("content-type"),
            Some("application/json;charset=UTF-8")
        );
        // Queue drained: back to normal.
        assert_result(&call(&mut c, CLICK2CALL_PATH, &click_body()), 200, "0");
        let s = stats(&mut c);
        assert_eq!(
            (
                s["requests"].as_u64(),
                s["click2call"].as_u64(),
                s["callstop"].as_u64()
            ),
            (Some(5), Some(4), Some(1))
        );
        assert_eq!(s["queued"], 0);

        for bad in [
            json!([]),
            json!({"resultcode": "1"}),
            json!({"http_status": 99, "resultcode": "1"}),
            json!({"http_status": 204, "resultcode": "1"}),
            json!({"http_status": "403", "resultcode": "1"}),
            json!({"http_status": 403}),
            json!({"http_status": 403, "resultcode": ""}),
            json!({"http_status": 403, "resultcode": 1010010}),
            json!({"http_status": 403, "resultcode": "1", "count": 0}),
            json!({"http_status": 403, "resultcode": "1", "count": 1000000}),
            json!({"http_status": 403, "resultcode": "1", "cuont": 2}),
        ] {
            let a = admin_post(&mut c, "/__sandbox/next", &bad);
            assert_eq!(a.status, 400, "{bad}");
            assert!(a.json()["error"].is_string());
        }
        let a = c.request(&raw("POST", "/__sandbox/next", &[], "not json"));
        assert_eq!(a.status, 400);
        assert_eq!(stats(&mut c)["queued"], 0);
    }

    #[test]
    fn stats_count_and_reset_clears() {
        let sb = start();
        let mut c = client(&sb);
        let s = stats(&mut c);
        assert_eq!(s["requests"], 0);
        assert_eq!(s["last_user_agent"], "");
        let created = created_at(0);
        let x = x_aksk(KEY, SECRET, "abc", &created);
        call(&mut c, CLICK2CALL_PATH, &click_body());
        let bad = c.request(&signed(CLICK2CALL_PATH, &click_body(), None, Some(&x)));
        assert_result(&bad, 400, "1023006");
        c.request(&raw("GET", "/favicon.ico", &[], ""));
        c.request(&signed(CALLSTOP_PATH, &json!({}), Some(AUTH), Some(&x)));
        admin_post(
            &mut c,
            "/__sandbox/next",
            &json!({"http_status": 500, "resultcode": "1010001", "count": 3}),
        );
        let s = stats(&mut c);
        assert_eq!(s["requests"], 4, "{s}");
        assert_eq!(s["click2call"], 2);
        assert_eq!(s["callstop"], 1);
        assert_eq!(s["active_sessions"], 1);
        assert_eq!(s["queued"], 3);
        assert_eq!(s["last_user_agent"], "voicecb-test/1");
        assert_eq!(s["last_created"], created.as_str());
        assert_eq!(
            admin_post(&mut c, "/__sandbox/reset", &json!({})).status,
            200
        );
        let s = stats(&mut c);
        for k in [
            "requests",
            "click2call",
            "callstop",
            "active_sessions",
            "queued",
            "pushes_sent",
            "pushes_failed",
            "pushes_queued",
            "pushes_skipped",
            "push_attempts",
        ] {
            assert_eq!(s[k], 0, "{k}");
        }
        assert_eq!(s["push_notes"], json!([]));
        assert_eq!(s["last_created"], "");
        assert_result(&call(&mut c, CLICK2CALL_PATH, &click_body()), 200, "0");
        assert_eq!(
            c.request(b"GET /__sandbox/nope HTTP/1.1\r\n\r\n").status,
            404
        );
        assert_eq!(
            c.request(b"GET /__sandbox/reset HTTP/1.1\r\n\r\n").status,
            405
        );
        assert_eq!(
            c.request(b"POST /__sandbox/stats HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
                .status,
            405
        );
        assert_eq!(stats(&mut c)["requests"], 1);
    }

    #[test]
    fn garbage_and_oversize_get_4xx_and_sandbox_survives() {
        let sb = start();
        let addr = sb.local_addr();
        let mut rng = rand::rng();
        for _ in 0..30 {
            let mut c = RawClient::connect(addr);
            let junk: Vec<u8> = (0..rng.random_range(1..3000))
                .map(|_| rng.random::<u8>())
                .chain(*b"\r\n\r\n")
                .collect();
            c.send(&junk);
            if let Some(a) = c.read_answer() {
                assert!(matches!(a.status, 400 | 413 | 431 | 505), "{}", a.status);
            }
        }
        let mut c = RawClient::connect(addr);
        let mut big = b"POST /rest/httpsessions/click2Call/v2.0 HTTP/1.1\r\nX-Pad: ".to_vec();
        big.extend(std::iter::repeat_n(b'p', 65 * 1024));
        big.extend_from_slice(b"\r\n\r\n");
        let _ = c.stream.write_all(&big);
        // Request Header Fields Too Large: the head is over 64 KiB.
        assert_eq!(c.read_answer().map(|a| a.status), Some(431));

        let mut c = RawClient::connect(addr);
        let body = format!("{{\"userData\":\"{}\"}}", "u".repeat(1024 * 1024));
        let _ = c.stream.write_all(&raw(
            "POST",
            CLICK2CALL_PATH,
            &[("Content-Type", Some("application/json"))],
            &body,
        ));
        assert_eq!(c.read_answer().map(|a| a.status), Some(413));

        let mut c = RawClient::connect(addr);
        assert_result(&call(&mut c, CLICK2CALL_PATH, &click_body()), 200, "0");
        // Rejected at the HTTP layer: never reached the platform counters.
        assert_eq!(stats(&mut c)["requests"], 1);
    }

    #[test]
    fn secrets_are_redacted_in_debug() {
        let text = format!("{:?}", Config::default());
        assert!(!text.contains(SECRET), "{text}");
        assert!(text.contains("<redacted>"));
        assert!(text.contains(KEY));
        let sb = start();
        assert!(!format!("{sb:?}").contains(SECRET));
    }

    #[test]
    fn config_is_validated() {
        let mut config = Config::default();
        config.apps.push(config.apps[0].clone());
        let err = Sandbox::start(config).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(!err.to_string().contains(SECRET));
        let config = Config {
            max_connections: 0,
            ..Config::default()
        };
        assert!(Sandbox::start(config).is_err());
    }

    #[test]
    fn validators() {
        assert!(is_e164("+8613700000001"));
        assert!(is_e164("+1234567"));
        assert!(!is_e164("+123456"));
        assert!(!is_e164("+1234567890123456"));
        assert!(!is_e164("+0234567"));
        assert!(!is_e164("8613700000001"));
        assert!(is_valid_notify_url(&BASE64.encode("http://a")));
        assert!(!is_valid_notify_url(&BASE64.encode("http://a b")));
        assert!(!is_valid_notify_url(&BASE64.encode("http://a_b")));
        assert!(!is_valid_notify_url("aHR0cDovL2E")); // unpadded
        assert!(parse_created("2018-02-12T15:30:20Z").is_some());
        assert!(parse_created("2018-2-12T15:30:20Z").is_none());
        assert!(parse_created("2018-02-12T25:30:20Z").is_none());
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert_eq!(attribute(r#"a="1", b = "2",c=3"#, "b"), Some("2"));
        assert_eq!(attribute(r#"a="1",c=3"#, "c"), None);
        assert_eq!(attribute(r#"a=""#, "a"), None);
    }

    #[test]
    fn shutdown_endpoint_ends_wait_and_shutdown_is_bounded() {
        let sb = start();
        let addr = sb.local_addr();
        let waiter = thread::spawn(move || sb.wait());
        let mut c = RawClient::connect(addr);
        let a = c.request(&raw("POST", "/__sandbox/shutdown", &[], ""));
        assert_eq!(a.status, 200);
        let t0 = Instant::now();
        // Bounded: join returns once wait() does.
        waiter.join().unwrap();
        assert!(t0.elapsed() < Duration::from_secs(5));
        assert!(TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err());

        let sb = start();
        let mut c = client(&sb);
        assert_result(&call(&mut c, CLICK2CALL_PATH, &click_body()), 200, "0");
        let t0 = Instant::now();
        sb.shutdown();
        assert!(t0.elapsed() < Duration::from_secs(4));
        assert_eq!(
            c.request(&raw("GET", "/__sandbox/stats", &[], "")).status,
            503
        );
    }

    // ------------------------------------------------------------ call life

    pub(super) use crate::pusher::tests::{Received, Receiver};
    use std::sync::Arc;

    /// A sandbox whose simulated minute lasts `ms_per_minute` real ms.
    pub(super) fn start_scaled(ms_per_minute: u64, sign_pushes: bool) -> Sandbox {
        Sandbox::start(Config {
            time_scale: Duration::from_millis(ms_per_minute),
            sign_pushes,
            ..Config::default()
        })
        .expect("start sandbox")
    }

    /// `click_body()` with its notification URLs (Base64-encoded as the API
    /// wants) and any extra fields.
    pub(super) fn body_with(status: Option<&str>, fee: Option<&str>, extra: Value) -> Value {
        let mut body = click_body();
        if let Some(url) = status {
            body["statusUrl"] = json!(BASE64.encode(url));
        }
        if let Some(url) = fee {
            body["feeUrl"] = json!(BASE64.encode(url));
        }
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    }

    pub(super) fn place(c: &mut RawClient, body: &Value) -> String {
        let a = call(c, CLICK2CALL_PATH, body);
        assert_result(&a, 200, "0");
        a.json()["sessionId"].as_str().unwrap().to_string()
    }

    pub(super) fn stop(c: &mut RawClient, id: &str) -> Answer {
        call(
            c,
            CALLSTOP_PATH,
            &json!({"sessionid": id, "signal": "call_stop"}),
        )
    }

    /// The requests a receiver got on `path`, once there are `n` (waits at
    /// most 10 s).
    pub(super) fn on_path(rx: &Receiver, path: &str, n: usize) -> Vec<Received> {
        let t0 = Instant::now();
        loop {
            let got: Vec<Received> = rx
                .received()
                .into_iter()
                .filter(|r| r.path == path)
                .collect();
            if got.len() >= n || t0.elapsed() > Duration::from_secs(10) {
                return got;
            }
            thread::sleep(Duration::from_millis(5));
        }
    }

    /// Waits (at most 10 s) until the stats satisfy `done`.
    pub(super) fn stats_until(c: &mut RawClient, done: impl Fn(&Value) -> bool) -> Value {
        let t0 = Instant::now();
        loop {
            let s = stats(c);
            if done(&s) || t0.elapsed() > Duration::from_secs(10) {
                return s;
            }
            thread::sleep(Duration::from_millis(5));
        }
    }

    pub(super) fn event_types(got: &[Received]) -> Vec<String> {
        got.iter()
            .map(|r| r.json()["eventType"].as_str().unwrap().to_string())
            .collect()
    }

    pub(super) fn parse_time(t: &Value) -> chrono::NaiveDateTime {
        let t = t.as_str().unwrap_or_else(|| panic!("not a time: {t}"));
        assert_eq!(t.len(), 19, "{t}");
        chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S")
            .unwrap_or_else(|e| panic!("{t}: {e}"))
    }

    /// The fields of a recorded call's bill besides `recordFlag`.
    pub(super) const RECORD_FIELDS: [&str; 5] = [
        "recordStartTime",
        "recordObjectName",
        "recordBucketName",
        "recordDomain",
        "recordFileDownloadUrl",
    ];

    const BILL_FIELDS: [&str; 32] = [
        "direction",
        "spId",
        "appKey",
        "icid",
        "bindNum",
        "sessionId",
        "callerNum",
        "calleeNum",
        "fwdDisplayNum",
        "fwdDstNum",
        "callOutStartTime",
        "callOutAlertingTime",
        "callOutAnswerTime",
        "callOutUnaswRsn",
        "fwdStartTime",
        "fwdAlertingTime",
        "fwdAnswerTime",
        "callEndTime",
        "fwdUnaswRsn",
        "ulFailReason",
        "sipStatusCode",
        "recordFlag",
        "recordStartTime",
        "recordObjectName",
        "recordBucketName",
        "recordDomain",
        "recordFileDownloadUrl",
        "ttsPlayTimes",
        "ttsTransDuration",
        "serviceType",
        "hostName",
        "userData",
    ];

    #[test]
    fn a_call_pushes_six_events_then_disconnect_and_a_bill_on_call_stop() {
        let rx = Receiver::ok();
        let sb = start_scaled(60, false); // 1 ms per simulated second
        let mut c = client(&sb);
        let body = body_with(
            Some(&rx.url("/status")),
            Some(&rx.url("/fee")),
            json!({"partyTypeRequiredInDisconnect": "true", "recordFlag": "true"}),
        );
        let id = place(&mut c, &body);
        let events = on_path(&rx, "/status", 6);
        assert_eq!(
            event_types(&events),
            [
                "callout", "alerting", "answer", "callout", "alerting", "answer"
            ]
        );
        for (i, e) in events.iter().enumerate() {
            assert_eq!(
                e.header("content-type"),
                Some("application/json;charset=UTF-8")
            );
            assert!(e.header("x-aksk").is_none(), "unsigned by default");
            let v = e.json();
            assert_eq!(v.as_object().unwrap().len(), 2, "{v}");
            let info = &v["statusInfo"];
            assert_eq!(info["sessionId"], id.as_str());
            assert_eq!(info["userData"], "cwgtest");
            parse_time(&info["timestamp"]);
            // A's leg shows displayNbr calling callerNbr; B's leg
            // displayCalleeNbr calling calleeNbr.
            let (caller, called) = if i < 3 {
                (DISPLAY, "+8613700000001")
            } else {
                (DISPLAY, "+8613700000002")
            };
            assert_eq!(
                (info["caller"].as_str(), info["called"].as_str()),
                (Some(caller), Some(called))
            );
            assert!(info.get("stateCode").is_none());
            assert!(info.get("partyType").is_none());
        }
        assert!(on_path(&rx, "/fee", 0).is_empty(), "no bill before the end");
        assert_eq!(stats(&mut c)["active_sessions"], 1);

        assert_result(&stop(&mut c, &id), 200, "0");
        assert_eq!(stats(&mut c)["active_sessions"], 0);
        let events = on_path(&rx, "/status", 7);
        assert_eq!(events.len(), 7);
        let disconnect = events[6].json();
        assert_eq!(disconnect["eventType"], "disconnect");
        let info = &disconnect["statusInfo"];
        assert_eq!(info["stateCode"], 0);
        assert!(info["stateCode"].is_u64(), "an integer");
        assert_eq!(info["stateDesc"], "The user releases the call.");
        assert_eq!(info["partyType"], Party::Platform.value());
        assert_eq!(
            (info["caller"].as_str(), info["called"].as_str()),
            (Some(DISPLAY), Some("+8613700000001"))
        );
        let times: Vec<_> = events
            .iter()
            .map(|e| parse_time(&e.json()["statusInfo"]["timestamp"]))
            .collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");

        let bills = on_path(&rx, "/fee", 1);
        assert_eq!(bills.len(), 1);
        assert_eq!(
            bills[0].header("content-type"),
            Some("application/json;charset=UTF-8")
        );
        let bill = bills[0].json();
        assert_eq!(bill["eventType"], "fee");
        let list = bill["feeLst"].as_array().unwrap();
        assert_eq!(list.len(), 1);
        let fee = &list[0];
        for name in BILL_FIELDS {
            assert!(fee.get(name).is_some(), "{name} missing: {fee}");
        }
        assert_eq!(fee.as_object().unwrap().len(), BILL_FIELDS.len(), "{fee}");
        assert_eq!(fee["direction"], 0);
        assert_eq!(fee["appKey"], KEY);
        assert_eq!(fee["sessionId"], id.as_str());
        assert_eq!(fee["bindNum"], DISPLAY);
        assert_eq!(fee["callerNum"], DISPLAY);
        assert_eq!(fee["calleeNum"], "+8613700000001");
        assert_eq!(fee["fwdDisplayNum"], DISPLAY);
        assert_eq!(fee["fwdDstNum"], "+8613700000002");
        assert_eq!(
            (
                &fee["fwdUnaswRsn"],
                &fee["ulFailReason"],
                &fee["sipStatusCode"]
            ),
            (&json!(0), &json!(0), &json!(0))
        );
        assert_eq!(fee["recordFlag"], 1);
        assert_eq!(fee["serviceType"], "002");
        assert_eq!(fee["hostName"], HOST_NAME);
        assert_eq!(fee["userData"], "cwgtest");
        assert!(!fee["icid"].as_str().unwrap().is_empty());
        // Consistent with the events: A's callout, B's three steps, the end.
        assert!(fee.get("callInTime").is_none(), "{fee}");
        assert_eq!(parse_time(&fee["callOutStartTime"]), times[0]);
        assert_eq!(parse_time(&fee["callOutAlertingTime"]), times[1]);
        assert_eq!(parse_time(&fee["callOutAnswerTime"]), times[2]);
        assert_eq!(fee["callOutUnaswRsn"], 0);
        // Recorded from B's answer, stored under names of its own.
        assert_eq!(parse_time(&fee["recordStartTime"]), times[5]);
        let object = format!("{}.wav", id.replace('@', "_"));
        assert_eq!(fee["recordObjectName"], object.as_str());
        assert_eq!(fee["recordBucketName"], RECORD_BUCKET);
        assert_eq!(fee["recordDomain"], RECORD_DOMAIN);
        assert_eq!(
            fee["recordFileDownloadUrl"],
            format!("https://{RECORD_DOMAIN}/{RECORD_BUCKET}/{object}")
        );
        assert_eq!(parse_time(&fee["fwdStartTime"]), times[3]);
        assert_eq!(parse_time(&fee["fwdAlertingTime"]), times[4]);
        assert_eq!(parse_time(&fee["fwdAnswerTime"]), times[5]);
        assert_eq!(parse_time(&fee["callEndTime"]), times[6]);
        // Simulated: B answered 9 s after A's callout, rang 3 s.
        assert_eq!((times[5] - times[0]).num_seconds(), 9);
        assert_eq!((times[5] - times[4]).num_seconds(), 3);

        // One receiver: the bill comes after the disconnect.
        let paths: Vec<String> = rx.received().into_iter().map(|r| r.path).collect();
        assert_eq!(paths[6..], ["/status", "/fee"]);
        let s = stats_until(&mut c, |s| s["pushes_queued"] == 0);
        assert_eq!(
            (&s["pushes_sent"], &s["pushes_failed"], &s["push_attempts"]),
            (&json!(8), &json!(0), &json!(8)),
            "{s}"
        );
        // Stopped: no longer active.
        assert_result(&stop(&mut c, &id), 500, "1020152");
        thread::sleep(Duration::from_millis(30));
        assert_eq!(rx.received().len(), 8, "nothing after the bill");
    }

    #[test]
    fn max_duration_ends_the_call_by_itself() {
        let rx = Receiver::ok();
        let sb = start_scaled(60, false);
        let mut c = client(&sb);
        let body = body_with(
            Some(&rx.url("/s")),
            Some(&rx.url("/f")),
            json!({"maxDuration": 1}),
        );
        let t0 = Instant::now();
        let id = place(&mut c, &body);
        let events = on_path(&rx, "/s", 7);
        // 69 simulated seconds at 1 ms each; generous for a loaded machine.
        assert!(t0.elapsed() < Duration::from_secs(5));
        assert_eq!(events.len(), 7);
        let last = events[6].json();
        assert_eq!(last["eventType"], "disconnect");
        assert_eq!(last["statusInfo"]["stateCode"], 8010);
        assert!(last["statusInfo"].get("partyType").is_none(), "not asked");
        let answer = parse_time(&events[5].json()["statusInfo"]["timestamp"]);
        let end = parse_time(&last["statusInfo"]["timestamp"]);
        assert_eq!((end - answer).num_seconds(), 60, "one simulated minute");
        let fee = &on_path(&rx, "/f", 1)[0].json()["feeLst"][0];
        assert_eq!(parse_time(&fee["callEndTime"]), end);
        assert_eq!(fee["recordFlag"], 0);
        assert_eq!(stats(&mut c)["active_sessions"], 0);
        assert_result(&stop(&mut c, &id), 500, "1020152");
    }

    #[test]
    fn max_duration_also_ends_a_call_nobody_listens_to() {
        let sb = start_scaled(60, false);
        let mut c = client(&sb);
        let mut body = click_body();
        body["maxDuration"] = json!(1);
        let id = place(&mut c, &body);
        let s = stats_until(&mut c, |s| s["active_sessions"] == 0);
        assert_eq!(s["active_sessions"], 0);
        assert_eq!(
            (&s["push_attempts"], &s["pushes_skipped"]),
            (&json!(0), &json!(0))
        );
        assert_result(&stop(&mut c, &id), 500, "1020152");
    }

    #[test]
    fn scenario_numbers_end_the_call_on_the_callee_side() {
        let rx = Receiver::ok();
        let sb = start_scaled(60, false);
        let mut c = client(&sb);
        // (callee, events, stateCode, partyType, Q.850, SIP, B alerted)
        let cases = [
            ("+8613700000480", 5, 8101, Party::Platform, 19, 480, true),
            ("+8613700000486", 4, 8102, Party::Callee, 17, 486, false),
            ("+8613700000603", 5, 8004, Party::Callee, 21, 603, true),
        ];
        let mut ids = Vec::new();
        for (callee, ..) in cases {
            let path = format!("/{}", &callee[callee.len() - 3..]);
            let mut body = body_with(
                Some(&rx.url(&format!("{path}/s"))),
                Some(&rx.url(&format!("{path}/f"))),
                json!({"partyTypeRequiredInDisconnect": "true", "recordFlag": "true"}),
            );
            body["calleeNbr"] = json!(callee);
            ids.push(place(&mut c, &body));
        }
        for ((callee, before, code, party, q850, sip, alerted), id) in cases.into_iter().zip(&ids) {
            let path = format!("/{}", &callee[callee.len() - 3..]);
            let events = on_path(&rx, &format!("{path}/s"), before + 1);
            let mut want = vec!["callout", "alerting", "answer", "callout"];
            if alerted {
                want.push("alerting");
            }
            want.push("disconnect");
            assert_eq!(event_types(&events), want, "{callee}");
            let info = &events[before].json()["statusInfo"];
            assert_eq!(info["stateCode"], code, "{callee}");
            assert!(!info["stateDesc"].as_str().unwrap().is_empty());
            assert_eq!(info["partyType"], party.value(), "{callee}");
            assert_eq!(info["sessionId"], id.as_str());
            // About B's leg.
            assert_eq!(
                (info["caller"].as_str(), info["called"].as_str()),
                (Some(DISPLAY), Some(callee))
            );
            let fee = &on_path(&rx, &format!("{path}/f"), 1)[0].json()["feeLst"][0];
            assert!(fee.get("fwdAnswerTime").is_none(), "{callee}: {fee}");
            assert_eq!(fee.get("fwdAlertingTime").is_some(), alerted, "{callee}");
            assert_eq!(fee["fwdUnaswRsn"], q850, "{callee}");
            assert_eq!(fee["ulFailReason"], 518, "{callee}");
            assert_eq!(fee["sipStatusCode"], sip, "{callee}");
            assert_eq!(fee["fwdDstNum"], callee);
            // Asked for, but B never answered: nothing was recorded.
            assert_eq!(fee["recordFlag"], 0, "{callee}");
            for absent in RECORD_FIELDS {
                assert!(fee.get(absent).is_none(), "{absent}: {fee}");
            }
            assert!(fee.get("callOutAnswerTime").is_some(), "{fee}");
            assert_eq!(
                parse_time(&fee["callEndTime"]),
                parse_time(&info["timestamp"])
            );
            assert_result(&stop(&mut c, id), 500, "1020152");
        }
        assert_eq!(stats(&mut c)["active_sessions"], 0);
    }

    #[test]
    fn call_stop_before_the_callee_answered() {
        let rx = Receiver::ok();
        // One simulated minute per real minute: the call stays at A's
        // callout for the whole test.
        let sb = start_scaled(60_000, false);
        let mut c = client(&sb);
        let id = place(
            &mut c,
            &body_with(Some(&rx.url("/s")), Some(&rx.url("/f")), json!({})),
        );
        assert_eq!(on_path(&rx, "/s", 1).len(), 1);
        assert_result(&stop(&mut c, &id), 200, "0");
        let events = on_path(&rx, "/s", 2);
        assert_eq!(event_types(&events), ["callout", "disconnect"]);
        assert_eq!(events[1].json()["statusInfo"]["stateCode"], 8017);
        let fee = &on_path(&rx, "/f", 1)[0].json()["feeLst"][0];
        for absent in ["fwdStartTime", "fwdAlertingTime", "fwdAnswerTime"] {
            assert!(fee.get(absent).is_none(), "{absent}: {fee}");
        }
        // Stopped at A's callout: only A's start; not asked to record.
        assert!(fee.get("callOutStartTime").is_some(), "{fee}");
        for absent in ["callOutAlertingTime", "callOutAnswerTime", "callInTime"] {
            assert!(fee.get(absent).is_none(), "{absent}: {fee}");
        }
        assert_eq!(fee["recordFlag"], 0);
        for absent in RECORD_FIELDS {
            assert!(fee.get(absent).is_none(), "{absent}: {fee}");
        }
        assert_eq!(fee["fwdUnaswRsn"], 0);
    }

    #[test]
    fn a_failing_receiver_gets_the_push_retried_in_order() {
        // 500 for the first two requests, then 200.
        let rx = Receiver::start(Arc::new(|n| Some(if n < 2 { 500 } else { 200 })));
        let sb = start_scaled(60, false);
        let mut c = client(&sb);
        place(&mut c, &body_with(Some(&rx.url("/s")), None, json!({})));
        let got = on_path(&rx, "/s", 8);
        assert_eq!(got.len(), 8, "6 events, the first tried 3 times");
        let types = event_types(&got);
        assert_eq!(
            types,
            [
                "callout", "callout", "callout", "alerting", "answer", "callout", "alerting",
                "answer"
            ]
        );
        assert_eq!(got[0].body, got[2].body, "a retry sends the same body");
        let s = stats_until(&mut c, |s| s["pushes_sent"] == 6);
        assert_eq!(
            (&s["pushes_sent"], &s["pushes_failed"], &s["push_attempts"]),
            (&json!(6), &json!(0), &json!(8)),
            "{s}"
        );
    }

    #[test]
    fn a_silent_receiver_never_holds_up_the_api_and_shutdown_is_bounded() {
        let rx = Receiver::start(Arc::new(|_| None));
        let sb = start_scaled(60, false);
        let mut c = client(&sb);
        let body = body_with(Some(&rx.url("/s")), Some(&rx.url("/f")), json!({}));
        let mut ids = Vec::new();
        for _ in 0..5 {
            let t0 = Instant::now();
            ids.push(place(&mut c, &body));
            assert!(t0.elapsed() < Duration::from_secs(1), "{:?}", t0.elapsed());
        }
        assert_eq!(rx.wait_for(1, Duration::from_secs(5)).len(), 1);
        for id in &ids {
            let t0 = Instant::now();
            assert_result(&stop(&mut c, id), 200, "0");
            assert!(t0.elapsed() < Duration::from_secs(1));
        }
        let s = stats(&mut c);
        assert_eq!(s["pushes_sent"], 0);
        assert!(s["pushes_queued"].as_u64().unwrap() > 1, "{s}");
        let t0 = Instant::now();
        sb.shutdown();
        assert!(t0.elapsed() < Duration::from_secs(4), "{:?}", t0.elapsed());
    }

    #[test]
    fn signed_pushes_verify_with_an_independent_hmac() {
        let rx = Receiver::ok();
        let sb = start_scaled(60, true);
        let mut c = client(&sb);
        let url = rx.url("/signed/status");
        place(&mut c, &body_with(Some(&url), None, json!({})));
        let got = on_path(&rx, "/signed/status", 6);
        assert_eq!(got.len(), 6);
        for r in &got {
            assert_eq!(r.header("authorization"), Some(AUTH));
            let x = r.header("x-aksk").expect("X-AKSK");
            let token = x.strip_prefix("UsernameToken ").expect("UsernameToken");
            assert_eq!(attribute(token, "Username"), Some(KEY));
            let nonce = attribute(token, "Nonce").unwrap();
            let created = attribute(token, "Created").unwrap();
            assert!(parse_created(created).is_some(), "{created}");
            // Test-local HMAC over url + nonce + created.
            let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
            mac.update(format!("{url}{nonce}{created}").as_bytes());
            let want = BASE64.encode(mac.finalize().into_bytes());
            assert_eq!(attribute(token, "PasswordDigest"), Some(want.as_str()));
        }
        let nonces: HashSet<_> = got
            .iter()
            .map(|r| r.header("x-aksk").unwrap().to_string())
            .collect();
        assert_eq!(nonces.len(), 6, "a fresh nonce per push");
    }

    #[test]
    fn off_machine_urls_are_skipped_with_a_note() {
        let sb = start_scaled(60, false);
        let mut c = client(&sb);
        let id = place(
            &mut c,
            &body_with(
                Some("https://example.com:8443/status"),
                Some("http://10.0.0.1:8080/fee"),
                json!({}),
            ),
        );
        let s = stats_until(&mut c, |s| s["pushes_skipped"] == 6);
        assert_eq!(s["pushes_skipped"], 6, "{s}");
        assert_result(&stop(&mut c, &id), 200, "0");
        let s = stats(&mut c);
        assert_eq!(
            (
                &s["pushes_skipped"],
                &s["push_attempts"],
                &s["pushes_queued"]
            ),
            (&json!(8), &json!(0), &json!(0)),
            "{s}"
        );
        let notes: Vec<&str> = s["push_notes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap())
            .collect();
        assert!(notes.iter().any(|n| n.contains("example.com")), "{notes:?}");
        assert!(notes.iter().any(|n| n.contains("10.0.0.1")), "{notes:?}");
    }

    #[test]
    fn reset_forgets_calls_and_pushes() {
        let rx = Receiver::start(Arc::new(|_| Some(500)));
        // Slow: backoffs of seconds keep pushes queued.
        let sb = start_scaled(60_000, false);
        let mut c = client(&sb);
        let id = place(&mut c, &body_with(Some(&rx.url("/s")), None, json!({})));
        let s = stats_until(&mut c, |s| s["push_attempts"] == 1);
        assert_eq!(s["pushes_queued"], 1, "{s}");
        admin_post(&mut c, "/__sandbox/reset", &json!({}));
        let s = stats(&mut c);
        assert_eq!(
            (&s["pushes_queued"], &s["active_sessions"]),
            (&json!(0), &json!(0))
        );
        assert_result(&stop(&mut c, &id), 500, "1020152");
    }

    #[test]
    fn plans_and_outcomes() {
        let steps = |p: Vec<(u64, Step)>| p.into_iter().map(|(at, _)| at / S).collect::<Vec<_>>();
        assert_eq!(steps(plan(Scenario::Answers, 0)), [0, 1, 4, 5, 6, 9]);
        assert_eq!(steps(plan(Scenario::Answers, 2)), [0, 1, 4, 5, 6, 9, 129]);
        assert_eq!(steps(plan(Scenario::NoAnswer, 5)), [0, 1, 4, 5, 6, 36]);
        assert_eq!(steps(plan(Scenario::Busy, 5)), [0, 1, 4, 5, 6]);
        assert_eq!(steps(plan(Scenario::Rejects, 0)), [0, 1, 4, 5, 6, 8]);
        assert_eq!(
            plan(Scenario::Answers, 1440).last().unwrap().1,
            Step::End(Ending::MaxDuration)
        );
        assert_eq!(Scenario::of("+8613700000480"), Scenario::NoAnswer);
        assert_eq!(Scenario::of("+8613700000486"), Scenario::Busy);
        assert_eq!(Scenario::of("+8613700000603"), Scenario::Rejects);
        assert_eq!(Scenario::of("+8613700004800"), Scenario::Answers);
        assert_eq!(outcome(Ending::Stopped, true).state_code, 0);
        assert_eq!(outcome(Ending::Stopped, false).state_code, 8017);
        assert_eq!(outcome(Ending::MaxDuration, true).state_code, 8010);
        assert_eq!(outcome(Ending::Busy, false).leg, Leg::Callee);

        let sb = start_scaled(600, false); // 10 ms per simulated second
        assert_eq!(sb.shared.real(S), Duration::from_millis(10));
        assert_eq!(sb.shared.real(60 * S), Duration::from_millis(600));
        assert_eq!(sb.shared.sim_ms(Duration::from_millis(25)), 2500);
        let bad = Config {
            time_scale: Duration::ZERO,
            ..Config::default()
        };
        assert!(Sandbox::start(bad).is_err());
    }
}
