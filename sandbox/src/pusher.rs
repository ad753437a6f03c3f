//! The sandbox's push worker: delivers a call's status events and bill to
//! the `statusUrl` / `feeUrl` given in its click2Call, as real HTTP/1.1
//! POSTs through ureq (http or https, the built-in roots of trust), on
//! threads of its own so that the API never waits for a receiver.
//!
//! - Loopback only (`127.0.0.0/8` literals and `localhost`) unless
//!   [`PushConfig::any_host`] is set: the sandbox runs inside tests, and a
//!   URL copied from a sample (`http://10.0.0.1/fee`, `http://example.com/s`)
//!   must not send traffic off the machine. Other hosts are skipped and noted.
//! - A bounded queue served by a small pool of workers. Pushes to one
//!   receiver (host and port) go out one at a time and in order (a "lane"
//!   per receiver), so that it sees a call's events, then its bill, in the
//!   order they happened, retries included, and a slow or dead receiver
//!   holds up only its own lane.
//! - Each attempt connects within 2 s and must end within 5 s. A 2xx answer
//!   is success, except for a bill whose answer is a JSON object with a
//!   `resultcode` other than "0" (the vendor's fee-push pages: the platform
//!   decides by `resultcode` when there is one); another status, a
//!   connection error, a timeout or a garbled answer is retried after a backoff of 1, 2, 4, ... simulated seconds
//!   (scaled like the rest of a call's life), up to 3 attempts for a status
//!   event and 6 for a bill, then given up and counted as failed.
//! - [`Pusher::shutdown`] drops what is still queued and joins the workers
//!   within the connect timeout; a worker still in an exchange then is left
//!   to end it on its own (within the attempt timeout), uncounted.

use std::collections::{HashMap, VecDeque};
use std::io;
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rand::RngExt;

/// Connect timeout of one attempt.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Whole-exchange timeout of one attempt, connect included.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);
/// Attempts for a status event.
pub const STATUS_ATTEMPTS: u32 = 3;
/// Attempts for a bill (the platform re-pushes a bill up to 6 times).
pub const BILL_ATTEMPTS: u32 = 6;
/// Pushes accepted and not yet finished, at most; more are dropped (and
/// counted as failed) rather than let memory grow without bound.
pub const QUEUE_CAPACITY: usize = 10_000;
/// Workers of the pool.
const WORKERS: usize = 4;
/// Notes kept for the stats, newest last.
const MAX_NOTES: usize = 20;
/// The longest an idle worker sleeps before looking again.
const IDLE_WAIT: Duration = Duration::from_secs(1);
/// The longest backoff, whatever the time scale.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// What is pushed: decides the number of attempts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A call-status event, to the `statusUrl`.
    Status,
    /// A bill, to the `feeUrl`.
    Bill,
}

impl Kind {
    fn max_attempts(self) -> u32 {
        match self {
            Kind::Status => STATUS_ATTEMPTS,
            Kind::Bill => BILL_ATTEMPTS,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Status => "status",
            Kind::Bill => "bill",
        }
    }
}

/// The app whose key and secret sign a push (with `--sign-pushes`).
#[derive(Clone)]
pub struct Signer {
    /// The `Username` of `X-AKSK`.
    pub key: String,
    /// The HMAC key. Never printed.
    pub secret: String,
}

/// One notification to deliver.
#[derive(Clone)]
pub struct Push {
    pub kind: Kind,
    /// The decoded target URL.
    pub url: String,
    /// The JSON body.
    pub body: String,
    /// Signs the push when set.
    pub signer: Option<Signer>,
}

/// How the pusher behaves.
#[derive(Clone, Copy, Debug)]
pub struct PushConfig {
    /// Real duration of one simulated minute; backoffs are scaled by it.
    pub time_scale: Duration,
    /// Push to any host, not only to loopback ones.
    pub any_host: bool,
    /// How signed pushes write `Created` and lay out their digest.
    pub signing: PushSigning,
}

/// The clock a signed push's `Created` is read from. The platform's
/// samples show both: UTC, and Beijing time (UTC+8) written with a literal
/// `Z` all the same; receivers must be testable against either.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SignClock {
    /// `Created` is UTC (the default).
    #[default]
    Utc,
    /// `Created` is UTC+8, still suffixed `Z`.
    Utc8,
}

/// How the signed push's digest joins url, nonce and created.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DigestLayout {
    /// `url + nonce + created`, concatenated (the default).
    #[default]
    Plain,
    /// `url + "\n" + nonce + "\n" + created`.
    Lines,
}

/// The variant signed pushes are made in (see [`SignClock`], [`DigestLayout`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PushSigning {
    /// The clock of `Created`.
    pub clock: SignClock,
    /// The layout of the digested text.
    pub digest: DigestLayout,
}

/// Counters for `GET /__sandbox/stats`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PushStats {
    /// Pushes delivered (a 2xx answer), whatever the number of attempts.
    pub sent: u64,
    /// Pushes given up after their last attempt, or dropped on a full queue.
    pub failed: u64,
    /// Pushes accepted and not finished: waiting, backing off or in flight.
    pub queued: u64,
    /// Pushes never tried: an https or off-machine target, or a bad URL.
    pub skipped: u64,
    /// HTTP exchanges tried, retries included.
    pub attempts: u64,
    /// The latest notes on skipped and failed pushes, oldest first.
    pub notes: Vec<String>,
}

struct Item {
    id: u64,
    push: Arc<Push>,
    attempts: u32,
    generation: u64,
}

struct Lane {
    items: VecDeque<Item>,
    busy: bool,
    not_before: Instant,
}

struct State {
    lanes: HashMap<String, Lane>,
    pending: usize,
    /// Bumped by [`Pusher::reset`]: counts of older pushes are ignored.
    generation: u64,
    sent: u64,
    failed: u64,
    skipped: u64,
    attempts: u64,
    notes: VecDeque<String>,
    /// Workers not yet ended.
    running: usize,
}

impl State {
    fn note(&mut self, text: String) {
        if self.notes.len() == MAX_NOTES {
            self.notes.pop_front();
        }
        self.notes.push_back(text);
    }
}

struct Shared {
    config: PushConfig,
    /// One agent for every push: its pool keeps connections to receivers
    /// that keep them alive.
    agent: ureq::Agent,
    state: Mutex<State>,
    wake: Condvar,
    stop: AtomicBool,
    next_id: AtomicU64,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The worker pool. Dropping it shuts it down like [`Pusher::shutdown`].
pub struct Pusher {
    shared: Arc<Shared>,
    workers: Mutex<Vec<JoinHandle<()>>>,
}

impl std::fmt::Debug for Pusher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pusher")
            .field("config", &self.shared.config)
            .finish_non_exhaustive()
    }
}

impl Pusher {
    /// Starts the workers.
    pub fn start(config: PushConfig) -> io::Result<Pusher> {
        let agent = ureq::Agent::config_builder()
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_global(Some(ATTEMPT_TIMEOUT))
            // Any status is an outcome of its own, and a redirect is not
            // followed: the platform posts to the URL it was given.
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None)
            .user_agent(format!("voicecb-sandbox/{}", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent();
        let shared = Arc::new(Shared {
            config,
            agent,
            state: Mutex::new(State {
                lanes: HashMap::new(),
                pending: 0,
                generation: 0,
                sent: 0,
                failed: 0,
                skipped: 0,
                attempts: 0,
                notes: VecDeque::new(),
                running: WORKERS,
            }),
            wake: Condvar::new(),
            stop: AtomicBool::new(false),
            next_id: AtomicU64::new(0),
        });
        let pusher = Pusher {
            shared: shared.clone(),
            workers: Mutex::new(Vec::new()),
        };
        for index in 0..WORKERS {
            let shared = shared.clone();
            let handle = thread::Builder::new()
                .name(format!("voicecb-pusher-{index}"))
                .spawn(move || worker(&shared));
            match handle {
                Ok(handle) => pusher.lock_workers().push(handle),
                Err(e) => {
                    // The workers not started will never end on their own.
                    pusher.shared.lock().running -= WORKERS - index;
                    return Err(e);
                }
            }
        }
        Ok(pusher)
    }

    fn lock_workers(&self) -> MutexGuard<'_, Vec<JoinHandle<()>>> {
        self.workers.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues a push; never blocks on the network. A push that cannot be
    /// tried (see the module doc) is counted as skipped, one that finds the
    /// queue full as failed, each with a note.
    pub fn submit(&self, push: Push) {
        if self.shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let lane = match parse_push_url(&push.url) {
            Err(why) => Err(why),
            Ok(target) if !self.shared.config.any_host && !is_loopback_host(&target.host) => {
                Err(format!(
                    "host {} is not on this machine (start the sandbox with --push-to-any-host to allow it)",
                    target.host
                ))
            }
            Ok(target) => Ok(format!(
                "{}://{}:{}",
                if target.https { "https" } else { "http" },
                target.host.to_ascii_lowercase(),
                target.port
            )),
        };
        let mut st = self.shared.lock();
        let lane = match lane {
            Ok(lane) => lane,
            Err(why) => {
                st.skipped += 1;
                st.note(format!(
                    "skipped {} push to {}: {why}",
                    push.kind.name(),
                    push.url
                ));
                return;
            }
        };
        if st.pending >= QUEUE_CAPACITY {
            st.failed += 1;
            st.note(format!(
                "dropped {} push to {}: queue full ({QUEUE_CAPACITY})",
                push.kind.name(),
                push.url
            ));
            return;
        }
        let item = Item {
            id: self.shared.next_id.fetch_add(1, Ordering::Relaxed),
            push: Arc::new(push),
            attempts: 0,
            generation: st.generation,
        };
        st.lanes
            .entry(lane)
            .or_insert_with(|| Lane {
                items: VecDeque::new(),
                busy: false,
                not_before: Instant::now(),
            })
            .items
            .push_back(item);
        st.pending += 1;
        drop(st);
        self.shared.wake.notify_one();
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> PushStats {
        let st = self.shared.lock();
        PushStats {
            sent: st.sent,
            failed: st.failed,
            queued: st.pending as u64,
            skipped: st.skipped,
            attempts: st.attempts,
            notes: st.notes.iter().cloned().collect(),
        }
    }

    /// Drops every queued push and zeroes the counters. An exchange in flight
    /// finishes but is no longer counted.
    pub fn reset(&self) {
        let mut st = self.shared.lock();
        st.generation += 1;
        st.lanes.clear();
        st.pending = 0;
        st.sent = 0;
        st.failed = 0;
        st.skipped = 0;
        st.attempts = 0;
        st.notes.clear();
        drop(st);
        self.shared.wake.notify_all();
    }

    /// Drops what is queued and joins the workers that end within
    /// [`CONNECT_TIMEOUT`]; one still in an exchange is left to end it on
    /// its own (ureq cannot cut it), within [`ATTEMPT_TIMEOUT`]. Idempotent.
    pub fn shutdown(&self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        let deadline = Instant::now() + CONNECT_TIMEOUT;
        let mut st = self.shared.lock();
        st.lanes.clear();
        st.pending = 0;
        self.shared.wake.notify_all();
        while st.running > 0 {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            st = self
                .shared
                .wake
                .wait_timeout(st, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        drop(st);
        for handle in std::mem::take(&mut *self.lock_workers()) {
            if handle.is_finished() {
                let _ = handle.join();
            }
        }
    }
}

impl Drop for Pusher {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// The backoff before attempt `done + 1`: 2^(done-1) simulated seconds.
fn backoff(time_scale: Duration, done: u32) -> Duration {
    let sim_second = time_scale / 60;
    sim_second
        .saturating_mul(1u32 << done.saturating_sub(1).min(16))
        .min(MAX_BACKOFF)
}

fn worker(shared: &Shared) {
    while let Some((key, id, push)) = next_job(shared) {
        let outcome = deliver(shared, &push);
        finish(shared, &key, id, outcome);
    }
    shared.lock().running -= 1;
    shared.wake.notify_all();
}

/// Waits for a lane that is idle, non-empty and due; marks it busy.
fn next_job(shared: &Shared) -> Option<(String, u64, Arc<Push>)> {
    let mut st = shared.lock();
    loop {
        if shared.stop.load(Ordering::SeqCst) {
            return None;
        }
        let now = Instant::now();
        let mut earliest: Option<Instant> = None;
        let mut pick = None;
        for (key, lane) in &st.lanes {
            if lane.busy || lane.items.is_empty() {
                continue;
            }
            if lane.not_before <= now {
                pick = Some(key.clone());
                break;
            }
            earliest = Some(earliest.map_or(lane.not_before, |e| e.min(lane.not_before)));
        }
        if let Some(key) = pick {
            let lane = st.lanes.get_mut(&key)?;
            lane.busy = true;
            let head = lane.items.front()?;
            let job = (key, head.id, head.push.clone());
            return Some(job);
        }
        let wait = earliest
            .map_or(IDLE_WAIT, |t| t.saturating_duration_since(now))
            .clamp(Duration::from_millis(1), IDLE_WAIT);
        st = shared
            .wake
            .wait_timeout(st, wait)
            .unwrap_or_else(|e| e.into_inner())
            .0;
    }
}

/// Books the outcome of one attempt on the lane's head.
fn finish(shared: &Shared, key: &str, id: u64, outcome: Result<u16, String>) {
    let mut st = shared.lock();
    let generation = st.generation;
    let time_scale = shared.config.time_scale;
    let mut note = None;
    let mut counts = (0u64, 0u64, 0u64); // attempts, sent, failed
    let mut finished = false;
    if let Some(lane) = st.lanes.get_mut(key) {
        // A reset may have replaced the lane: then its head is another push,
        // perhaps in flight on another worker, and the lane is not ours.
        if let Some(head) = lane.items.front_mut().filter(|h| h.id == id) {
            lane.busy = false;
            head.attempts += 1;
            let current = head.generation == generation;
            counts.0 = u64::from(current);
            match &outcome {
                Ok(status) if (200..300).contains(status) => {
                    counts.1 = u64::from(current);
                    finished = true;
                }
                _ if head.attempts >= head.push.kind.max_attempts() => {
                    counts.2 = u64::from(current);
                    finished = true;
                    let why = match &outcome {
                        Ok(status) => format!("HTTP {status}"),
                        Err(e) => e.clone(),
                    };
                    note = current.then(|| {
                        format!(
                            "gave up {} push to {} after {} attempts: {why}",
                            head.push.kind.name(),
                            head.push.url,
                            head.attempts
                        )
                    });
                }
                _ => lane.not_before = Instant::now() + backoff(time_scale, head.attempts),
            }
            if finished {
                lane.items.pop_front();
            }
        }
        if lane.items.is_empty() {
            st.lanes.remove(key);
        }
    }
    if finished {
        st.pending = st.pending.saturating_sub(1);
    }
    st.attempts += counts.0;
    st.sent += counts.1;
    st.failed += counts.2;
    if let Some(note) = note {
        st.note(note);
    }
    drop(st);
    shared.wake.notify_all();
}

/// Where a push goes: what its lane is keyed on, and what the host check
/// looks at.
#[derive(Debug, PartialEq, Eq)]
struct Target {
    https: bool,
    host: String,
    port: u16,
}

/// Splits `http[s]://host[:port][/path]`. The platform's URL rules
/// (letters, digits and `-:./` only) leave out queries, user info and IPv6
/// literals.
fn parse_push_url(url: &str) -> Result<Target, String> {
    let (https, rest) = if let Some(rest) = url.strip_prefix("http://") {
        (false, rest)
    } else if let Some(rest) = url.strip_prefix("https://") {
        (true, rest)
    } else {
        return Err("not an http or https URL".into());
    };
    let authority = rest.split('/').next().unwrap_or(rest);
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => {
            let port = port
                .parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| format!("bad port {port:?}"))?;
            (host, port)
        }
        None => (authority, if https { 443 } else { 80 }),
    };
    if host.is_empty() || host.contains(':') {
        return Err("no host".into());
    }
    Ok(Target {
        https,
        host: host.to_string(),
        port,
    })
}

fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

/// One attempt: `Ok(status)` once an answer came back, else why not.
/// Signed with a fresh nonce and `Created` when the push has a signer.
fn deliver(shared: &Shared, push: &Push) -> Result<u16, String> {
    if shared.stop.load(Ordering::SeqCst) {
        return Err("shutting down".into());
    }
    let mut request = shared
        .agent
        .post(&push.url)
        .header("Content-Type", "application/json;charset=UTF-8");
    if let Some(signer) = &push.signer {
        let nonce = format!("{:032X}", rand::rng().random::<u128>());
        let signing = shared.config.signing;
        let offset = match signing.clock {
            SignClock::Utc => chrono::TimeDelta::zero(),
            SignClock::Utc8 => chrono::TimeDelta::hours(8),
        };
        let created = (chrono::Utc::now() + offset)
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string();
        // The sandbox's own HMAC code, never the library's signer.
        if let Some(digest) =
            crate::sandbox::push_digest(&signer.secret, &push.url, &nonce, &created, signing.digest)
        {
            request = request
                .header(
                    "Authorization",
                    "AKSK realm=\"SDP\",profile=\"UsernameToken\",type=\"Appkey\"",
                )
                .header(
                    "X-AKSK",
                    format!(
                        "UsernameToken Username=\"{}\",PasswordDigest=\"{digest}\",Nonce=\"{nonce}\",Created=\"{created}\"",
                        signer.key
                    ),
                );
        }
    }
    match request.send(push.body.as_bytes()) {
        Ok(mut answer) => {
            let status = answer.status().as_u16();
            if push.kind == Kind::Bill && (200..300).contains(&status) {
                if let Some(code) = refused_code(&mut answer) {
                    return Err(format!("HTTP {status} with resultcode {code:?}"));
                }
            }
            // Otherwise the body is not read: the status is the outcome.
            Ok(status)
        }
        Err(ureq::Error::Timeout(_)) => {
            Err(format!("no answer within {} s", ATTEMPT_TIMEOUT.as_secs()))
        }
        Err(e @ (ureq::Error::ConnectionFailed | ureq::Error::HostNotFound)) => {
            Err(format!("cannot connect to {}: {e}", host_of(&push.url)))
        }
        Err(ureq::Error::Io(e)) if e.kind() == io::ErrorKind::ConnectionRefused => {
            Err(format!("cannot connect to {}: {e}", host_of(&push.url)))
        }
        Err(e) => Err(format!("sending failed: {e}")),
    }
}

/// The `resultcode` of a bill's answer when it is there and not "0". An
/// answer too long (over 64 KiB), unreadable or not a JSON object has none:
/// its status decides.
fn refused_code(answer: &mut ureq::http::Response<ureq::Body>) -> Option<String> {
    let body = answer
        .body_mut()
        .with_config()
        .limit(64 * 1024)
        .read_to_vec()
        .ok()?;
    let value: serde_json::Value = serde_json::from_slice(&body).ok()?;
    let code = value.as_object()?.get("resultcode")?;
    let code = match code {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    (code != "0").then_some(code)
}

/// `host:port` of a push URL, for notes.
fn host_of(url: &str) -> String {
    match parse_push_url(url) {
        Ok(t) => format!("{}:{}", t.host, t.port),
        Err(_) => url.to_string(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::{SocketAddr, TcpListener, TcpStream};
    use std::sync::atomic::AtomicUsize;

    /// How a test receiver answers the n-th request (0-based).
    pub type Answering = Arc<dyn Fn(usize) -> Option<u16> + Send + Sync>;
    /// The same with the body of the answer too.
    pub type AnsweringWithBody = Arc<dyn Fn(usize) -> Option<(u16, String)> + Send + Sync>;
    /// What a receiver answers unless told otherwise.
    const OK_BODY: &str = "{\"resultcode\":\"0\"}";

    /// One request as a receiver saw it.
    #[derive(Clone, Debug)]
    pub struct Received {
        pub path: String,
        pub headers: Vec<(String, String)>,
        pub body: String,
        pub at: Instant,
    }

    impl Received {
        pub fn header(&self, name: &str) -> Option<&str> {
            self.headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        }

        pub fn json(&self) -> serde_json::Value {
            serde_json::from_str(&self.body)
                .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
        }
    }

    /// A local HTTP receiver on 127.0.0.1: records each request and answers
    /// as `answering` says (`None`: never answer, just hold the connection
    /// until the sender gives up or the receiver stops). Bounded: at most
    /// 1000 connections, 10 s per connection; stopped when dropped.
    pub struct Receiver {
        pub addr: SocketAddr,
        received: Arc<Mutex<Vec<Received>>>,
        stop: Arc<AtomicBool>,
        thread: Option<JoinHandle<()>>,
    }

    impl Receiver {
        pub fn ok() -> Receiver {
            Receiver::start(Arc::new(|_| Some(200)))
        }

        pub fn start(answering: Answering) -> Receiver {
            Receiver::start_with_bodies(Arc::new(move |n| {
                answering(n).map(|status| (status, OK_BODY.to_owned()))
            }))
        }

        pub fn start_with_bodies(answering: AnsweringWithBody) -> Receiver {
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind receiver");
            listener.set_nonblocking(true).unwrap();
            let addr = listener.local_addr().unwrap();
            let received = Arc::new(Mutex::new(Vec::new()));
            let stop = Arc::new(AtomicBool::new(false));
            let connections = Arc::new(AtomicUsize::new(0));
            let thread = {
                let (received, stop) = (received.clone(), stop.clone());
                thread::spawn(move || {
                    let started = Instant::now();
                    let mut handlers = Vec::new();
                    while !stop.load(Ordering::SeqCst)
                        && started.elapsed() < Duration::from_secs(30)
                        && connections.load(Ordering::SeqCst) < 1000
                    {
                        match listener.accept() {
                            Ok((stream, _)) => {
                                let n = connections.fetch_add(1, Ordering::SeqCst);
                                let (received, stop, answering) =
                                    (received.clone(), stop.clone(), answering.clone());
                                handlers.push(thread::spawn(move || {
                                    serve_one(stream, n, &received, &stop, &answering)
                                }));
                            }
                            Err(_) => thread::sleep(Duration::from_millis(2)),
                        }
                    }
                    for h in handlers {
                        let _ = h.join();
                    }
                })
            };
            Receiver {
                addr,
                received,
                stop,
                thread: Some(thread),
            }
        }

        pub fn url(&self, path: &str) -> String {
            format!("http://{}{path}", self.addr)
        }

        pub fn received(&self) -> Vec<Received> {
            self.received.lock().unwrap().clone()
        }

        /// Waits (at most `within`) until `n` requests came in; returns them.
        pub fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
            let t0 = Instant::now();
            loop {
                let got = self.received();
                if got.len() >= n || t0.elapsed() >= within {
                    return got;
                }
                thread::sleep(Duration::from_millis(5));
            }
        }
    }

    impl Drop for Receiver {
        fn drop(&mut self) {
            self.stop.store(true, Ordering::SeqCst);
            if let Some(t) = self.thread.take() {
                let _ = t.join();
            }
        }
    }

    fn serve_one(
        mut stream: TcpStream,
        n: usize,
        received: &Mutex<Vec<Received>>,
        stop: &AtomicBool,
        answering: &AnsweringWithBody,
    ) {
        let _ = stream.set_nonblocking(false);
        let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
        let t0 = Instant::now();
        let mut data = Vec::new();
        let mut buf = [0u8; 4096];
        let mut request = None;
        while request.is_none() && t0.elapsed() < Duration::from_secs(10) {
            if stop.load(Ordering::SeqCst) {
                return;
            }
            match stream.read(&mut buf) {
                Ok(0) => return,
                Ok(k) => data.extend_from_slice(&buf[..k]),
                Err(_) => {}
            }
            request = parse_request(&data);
            if data.len() > 1024 * 1024 {
                return;
            }
        }
        let Some(request) = request else { return };
        received.lock().unwrap().push(request);
        match answering(n) {
            Some((status, body)) => {
                let _ = stream.write_all(
                    format!(
                        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    )
                    .as_bytes(),
                );
            }
            None => {
                // Hold the connection, bounded, until the sender gives up.
                while !stop.load(Ordering::SeqCst) && t0.elapsed() < Duration::from_secs(10) {
                    if let Ok(0) = stream.read(&mut buf) {
                        return;
                    }
                }
            }
        }
    }

    /// A whole request (head and `Content-Length` body), if `data` has one.
    fn parse_request(data: &[u8]) -> Option<Received> {
        let end = data.windows(4).position(|w| w == b"\r\n\r\n")?;
        let head = std::str::from_utf8(&data[..end]).ok()?;
        let mut lines = head.split("\r\n");
        let request_line = lines.next()?;
        let mut parts = request_line.split(' ');
        assert_eq!(parts.next(), Some("POST"), "{request_line}");
        let path = parts.next()?.to_string();
        assert_eq!(parts.next(), Some("HTTP/1.1"), "{request_line}");
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
            .collect();
        let len: usize = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let body = data.get(end + 4..end + 4 + len)?;
        Some(Received {
            path,
            headers,
            body: String::from_utf8(body.to_vec()).ok()?,
            at: Instant::now(),
        })
    }

    fn config() -> PushConfig {
        PushConfig {
            time_scale: Duration::from_millis(60),
            any_host: false,
            signing: PushSigning::default(),
        }
    }

    fn push(kind: Kind, url: String, body: &str) -> Push {
        Push {
            kind,
            url,
            body: body.into(),
            signer: None,
        }
    }

    fn wait_stats(p: &Pusher, done: impl Fn(&PushStats) -> bool) -> PushStats {
        let t0 = Instant::now();
        loop {
            let s = p.stats();
            if done(&s) || t0.elapsed() > Duration::from_secs(10) {
                return s;
            }
            thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn urls_are_split_and_checked() {
        let t = parse_push_url("http://127.0.0.1:8080/a/b").unwrap();
        assert_eq!(
            (t.https, t.host.as_str(), t.port),
            (false, "127.0.0.1", 8080)
        );
        let t = parse_push_url("http://localhost").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("localhost", 80));
        let t = parse_push_url("https://localhost/s").unwrap();
        assert_eq!((t.https, t.port), (true, 443));
        for bad in [
            "http://",
            "http://:80/x",
            "http://h:0/",
            "http://h:99999/",
            "ftp://h/",
        ] {
            assert!(parse_push_url(bad).is_err(), "{bad}");
        }
        assert!(is_loopback_host("127.0.0.1"));
        assert!(is_loopback_host("127.9.9.9"));
        assert!(is_loopback_host("LocalHost"));
        for other in ["10.0.0.1", "example.com", "192.168.1.1", "0.0.0.0"] {
            assert!(!is_loopback_host(other), "{other}");
        }
    }

    #[test]
    fn backoff_is_scaled_and_capped() {
        let scale = Duration::from_millis(600); // 10 ms per simulated second
        assert_eq!(backoff(scale, 1), Duration::from_millis(10));
        assert_eq!(backoff(scale, 2), Duration::from_millis(20));
        assert_eq!(backoff(scale, 5), Duration::from_millis(160));
        assert_eq!(backoff(Duration::from_secs(3600), 30), MAX_BACKOFF);
    }

    #[test]
    fn delivers_in_order_with_headers() {
        let rx = Receiver::ok();
        let p = Pusher::start(config()).unwrap();
        for i in 0..5 {
            p.submit(push(
                Kind::Status,
                rx.url("/status"),
                &format!("{{\"n\":{i}}}"),
            ));
        }
        let s = wait_stats(&p, |s| s.sent == 5);
        assert_eq!(
            (s.sent, s.failed, s.queued, s.attempts),
            (5, 0, 0, 5),
            "{s:?}"
        );
        let got = rx.received();
        let order: Vec<u64> = got
            .iter()
            .map(|r| r.json()["n"].as_u64().unwrap())
            .collect();
        assert_eq!(order, [0, 1, 2, 3, 4]);
        let first = &got[0];
        assert_eq!(first.path, "/status");
        assert_eq!(
            first.header("content-type"),
            Some("application/json;charset=UTF-8")
        );
        assert_eq!(first.header("host"), Some(rx.addr.to_string().as_str()));
        assert!(first.header("authorization").is_none());
        assert!(first.header("x-aksk").is_none());
    }

    #[test]
    fn retries_until_2xx_and_gives_up_after_the_limit() {
        // 500 twice, then 200: one push, three attempts.
        let rx = Receiver::start(Arc::new(|n| Some(if n < 2 { 500 } else { 200 })));
        let p = Pusher::start(config()).unwrap();
        p.submit(push(Kind::Status, rx.url("/s"), "{}"));
        let s = wait_stats(&p, |s| s.sent == 1);
        assert_eq!((s.sent, s.failed, s.attempts), (1, 0, 3), "{s:?}");
        assert_eq!(rx.received().len(), 3);
        // Backoff: 1 then 2 simulated seconds (1 ms, 2 ms) between attempts.
        let at: Vec<Instant> = rx.received().iter().map(|r| r.at).collect();
        assert!(at[1] >= at[0] && at[2] >= at[1]);

        // Always 503: a status push stops after 3 attempts, a bill after 6.
        let rx = Receiver::start(Arc::new(|_| Some(503)));
        p.reset();
        p.submit(push(Kind::Status, rx.url("/s"), "{}"));
        p.submit(push(Kind::Bill, rx.url("/f"), "{}"));
        let s = wait_stats(&p, |s| s.failed == 2);
        assert_eq!(
            (s.sent, s.failed, s.queued, s.attempts),
            (0, 2, 0, 9),
            "{s:?}"
        );
        assert_eq!(rx.received().len(), 9);
        assert!(
            s.notes
                .iter()
                .any(|n| n.contains("after 6 attempts: HTTP 503")),
            "{s:?}"
        );
    }

    #[test]
    fn a_bill_answered_with_a_failing_resultcode_is_retried() {
        // 200 with resultcode 1 twice, then 200 with "0"; a status event is
        // done at the first 200 whatever its body.
        let rx = Receiver::start_with_bodies(Arc::new(|n| {
            let body = match n {
                0 | 1 => r#"{"resultcode":"1","resultdesc":"busy"}"#,
                _ => r#"{"resultcode":"0","resultdesc":"Success"}"#,
            };
            Some((200, body.to_owned()))
        }));
        let p = Pusher::start(config()).unwrap();
        p.submit(push(Kind::Bill, rx.url("/f"), "{}"));
        let s = wait_stats(&p, |s| s.sent == 1);
        assert_eq!((s.sent, s.failed, s.attempts), (1, 0, 3), "{s:?}");
        let rx = Receiver::start_with_bodies(Arc::new(|_| {
            Some((200, r#"{"resultcode":"1"}"#.to_owned()))
        }));
        p.reset();
        p.submit(push(Kind::Status, rx.url("/s"), "{}"));
        p.submit(push(Kind::Bill, rx.url("/f"), "{}"));
        let s = wait_stats(&p, |s| s.failed == 1 && s.sent == 1);
        assert_eq!((s.sent, s.failed, s.attempts), (1, 1, 7), "{s:?}");
        assert!(
            s.notes
                .iter()
                .any(|n| n.contains("after 6 attempts: HTTP 200 with resultcode \"1\"")),
            "{s:?}"
        );
        // No resultcode, or a body that is no JSON: the status decides.
        for body in ["", "OK", r#"{"resultdesc":"x"}"#, "[1]"] {
            let rx = Receiver::start_with_bodies(Arc::new(move |_| Some((200, body.to_owned()))));
            p.reset();
            p.submit(push(Kind::Bill, rx.url("/f"), "{}"));
            let s = wait_stats(&p, |s| s.sent == 1);
            assert_eq!((s.sent, s.attempts), (1, 1), "{body}: {s:?}");
        }
    }

    #[test]
    fn connection_errors_are_retried_then_counted() {
        // A port with nothing listening: refused at once, every attempt.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let p = Pusher::start(config()).unwrap();
        p.submit(push(
            Kind::Status,
            format!("http://127.0.0.1:{port}/s"),
            "{}",
        ));
        let s = wait_stats(&p, |s| s.failed == 1);
        assert_eq!((s.sent, s.failed, s.attempts), (0, 1, 3), "{s:?}");
        assert!(s.notes[0].contains("cannot connect"), "{s:?}");
    }

    #[test]
    fn off_machine_targets_are_skipped() {
        let p = Pusher::start(config()).unwrap();
        p.submit(push(Kind::Bill, "http://10.0.0.1:8080/fee".into(), "{}"));
        p.submit(push(Kind::Status, "https://example.com/s".into(), "{}"));
        p.submit(push(Kind::Status, "ftp://127.0.0.1/s".into(), "{}"));
        let s = p.stats();
        assert_eq!((s.skipped, s.queued, s.attempts), (3, 0, 0), "{s:?}");
        assert!(s.notes[0].contains("--push-to-any-host"), "{s:?}");
        assert!(s.notes[1].contains("--push-to-any-host"), "{s:?}");
        assert!(s.notes[2].contains("not an http or https URL"), "{s:?}");
    }

    #[test]
    fn https_targets_are_tried_over_tls() {
        // A listener that keeps the first byte of each connection, then
        // closes it: a TLS client starts with a handshake record (22), and
        // each of the three attempts fails when the connection closes.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let firsts = thread::spawn(move || {
            let mut firsts = Vec::new();
            for _ in 0..STATUS_ATTEMPTS {
                let (mut conn, _) = listener.accept().unwrap();
                conn.set_read_timeout(Some(Duration::from_secs(10)))
                    .unwrap();
                let mut byte = [0u8; 1];
                conn.read_exact(&mut byte).unwrap();
                firsts.push(byte[0]);
            }
            firsts
        });
        let p = Pusher::start(config()).unwrap();
        p.submit(push(
            Kind::Status,
            format!("https://127.0.0.1:{port}/s"),
            "{}",
        ));
        let s = wait_stats(&p, |s| s.failed == 1);
        assert_eq!(
            (s.skipped, s.sent, s.failed, s.attempts),
            (0, 0, 1, 3),
            "{s:?}"
        );
        assert_eq!(firsts.join().unwrap(), [22; STATUS_ATTEMPTS as usize]);
    }

    #[test]
    fn a_receiver_that_never_answers_times_out_and_shutdown_is_bounded() {
        let rx = Receiver::start(Arc::new(|_| None));
        let ok = Receiver::ok();
        let p = Pusher::start(config()).unwrap();
        p.submit(push(Kind::Status, rx.url("/hang"), "{}"));
        // Another lane is not held up by the silent receiver.
        p.submit(push(Kind::Status, ok.url("/ok"), "{}"));
        assert_eq!(ok.wait_for(1, Duration::from_secs(5)).len(), 1);
        assert_eq!(rx.wait_for(1, Duration::from_secs(5)).len(), 1);
        let s = wait_stats(&p, |s| s.sent == 1);
        assert_eq!((s.sent, s.queued), (1, 1), "{s:?}");
        let t0 = Instant::now();
        p.shutdown();
        assert!(t0.elapsed() < Duration::from_secs(3), "{:?}", t0.elapsed());
        assert_eq!(p.stats().queued, 0);
        // After shutdown, submissions are ignored.
        p.submit(push(Kind::Status, ok.url("/late"), "{}"));
        assert_eq!(p.stats().queued, 0);
    }

    #[test]
    fn signed_pushes_carry_a_verifiable_digest() {
        let rx = Receiver::ok();
        let p = Pusher::start(config()).unwrap();
        let url = rx.url("/signed");
        p.submit(Push {
            signer: Some(Signer {
                key: "k1".into(),
                secret: "s1".into(),
            }),
            ..push(Kind::Bill, url.clone(), "{}")
        });
        let got = rx.wait_for(1, Duration::from_secs(5));
        assert_eq!(got.len(), 1);
        let r = &got[0];
        assert_eq!(
            r.header("authorization"),
            Some(r#"AKSK realm="SDP",profile="UsernameToken",type="Appkey""#)
        );
        let x = r.header("x-aksk").unwrap();
        let attr = |name: &str| {
            let start = x.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
            let len = x[start..].find('"').unwrap();
            x[start..start + len].to_string()
        };
        assert!(x.starts_with("UsernameToken "));
        assert_eq!(attr("Username"), "k1");
        let (nonce, created) = (attr("Nonce"), attr("Created"));
        assert_eq!(nonce.len(), 32);
        assert!(chrono::NaiveDateTime::parse_from_str(&created, "%Y-%m-%dT%H:%M:%SZ").is_ok());
        // A test-local HMAC, independent of the sandbox's.
        use base64::Engine as _;
        use hmac::{Hmac, KeyInit, Mac};
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"s1").unwrap();
        mac.update(format!("{url}{nonce}{created}").as_bytes());
        let want = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        assert_eq!(attr("PasswordDigest"), want);
    }

    #[test]
    fn reset_drops_queued_pushes_and_counters() {
        let rx = Receiver::start(Arc::new(|_| Some(500)));
        let p = Pusher::start(PushConfig {
            // Long backoffs: the pushes wait in their lanes.
            time_scale: Duration::from_secs(600),
            any_host: false,
            signing: PushSigning::default(),
        })
        .unwrap();
        p.submit(push(Kind::Bill, rx.url("/f"), "{}"));
        rx.wait_for(1, Duration::from_secs(5));
        let s = wait_stats(&p, |s| s.attempts == 1);
        assert_eq!((s.queued, s.attempts), (1, 1), "{s:?}");
        p.reset();
        assert_eq!(p.stats(), PushStats::default());
    }
}
