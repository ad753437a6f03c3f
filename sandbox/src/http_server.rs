//! A small HTTP/1.1 server on `std` alone, just enough to stand in for the
//! platform in tests: one thread per connection, keep-alive, pipelining,
//! `Content-Length` and chunked request bodies, and hard limits on every
//! size, duration and loop so that no input can hang or crash it.
//!
//! It serves plain HTTP, or HTTPS on the same terms when started with a
//! rustls `ServerConfig` ([`Server::start_tls`]): the TLS handshake is done
//! in the connection's own thread under [`Limits::handshake_timeout`], so a
//! client that stalls it holds one connection slot, never the accept loop,
//! and a handshake that fails just closes the connection (after the TLS
//! alert, if rustls has one to send).
//!
//! Every response is JSON (`application/json;charset=UTF-8`) because the
//! platform only ever answers JSON; errors of the HTTP layer itself carry a
//! small `{"error": "..."}` body.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rustls::{ServerConfig, ServerConnection, StreamOwned};

/// The only content type this server ever answers with.
pub const CONTENT_TYPE: &str = "application/json;charset=UTF-8";

/// Sizes, durations and counts the server enforces.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Request line plus headers, terminator included.
    pub max_head: usize,
    /// Decoded request body.
    pub max_body: usize,
    /// Number of header fields (and of chunked trailer fields).
    pub max_headers: usize,
    /// How long a read may wait for the next byte, between requests as well
    /// as within one.
    pub idle_timeout: Duration,
    /// How long one request may take to arrive once its first byte came, so
    /// that a client trickling bytes cannot hold a thread forever.
    pub request_timeout: Duration,
    /// How long writing a response may block.
    pub write_timeout: Duration,
    /// Connections served at once; more are answered 503 and closed.
    pub max_connections: usize,
    /// Requests served on one connection before it is closed.
    pub max_requests_per_connection: usize,
    /// How long a TLS handshake may take, from accept (HTTPS only).
    pub handshake_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_head: 64 * 1024,
            max_body: 1024 * 1024,
            max_headers: 128,
            idle_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(60),
            write_timeout: Duration::from_secs(30),
            max_connections: 256,
            max_requests_per_connection: 100_000,
            handshake_timeout: Duration::from_secs(10),
        }
    }
}

/// One parsed request.
#[derive(Debug, Clone)]
pub struct Request {
    /// The method, case preserved (methods are case-sensitive).
    pub method: String,
    /// The path of the request target: no scheme, authority or query.
    pub path: String,
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    pub minor_version: u8,
    /// Header fields in arrival order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked if it was sent chunked.
    pub body: Vec<u8>,
}

impl Request {
    /// The first value of header `name`, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether `Connection` lists `token` (case-insensitive, any header
    /// occurrence, comma-separated lists).
    fn connection_has(&self, token: &str) -> bool {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("connection"))
            .flat_map(|(_, v)| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    }

    /// Whether the client wants the connection kept after this request.
    pub fn keep_alive(&self) -> bool {
        if self.minor_version == 0 {
            self.connection_has("keep-alive") && !self.connection_has("close")
        } else {
            !self.connection_has("close")
        }
    }
}

/// A response to send: always JSON.
#[derive(Debug, Clone)]
pub struct Response {
    /// HTTP status code (200-599).
    pub status: u16,
    /// Body bytes, sent verbatim.
    pub body: Vec<u8>,
    /// Close the connection after this response even if the client wants
    /// keep-alive.
    pub close: bool,
    /// Stop the server once this response is written; written first so
    /// that a process exiting when the server stops still delivers it.
    pub stop_server: bool,
}

impl Response {
    /// A response with `body`, keeping the connection open if the client wants.
    pub fn json(status: u16, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            body: body.into(),
            close: false,
            stop_server: false,
        }
    }

    /// An error of the HTTP layer: `{"error": message}`, then close.
    pub fn error(status: u16, message: &str) -> Response {
        let body = serde_json::json!({ "error": message }).to_string();
        Response {
            status,
            body: body.into_bytes(),
            close: true,
            stop_server: false,
        }
    }
}

/// What the server calls for every well-formed request.
pub type Handler = dyn Fn(&Request) -> Response + Send + Sync + 'static;

/// The stop flag shared by the server, its accept thread and connections.
#[derive(Clone, Debug)]
struct Control {
    inner: Arc<ControlInner>,
}

#[derive(Debug)]
struct ControlInner {
    stopped: AtomicBool,
    wake_addr: SocketAddr,
}

impl Control {
    /// Stops accepting connections. Idempotent.
    fn stop(&self) {
        if self.inner.stopped.swap(true, Ordering::SeqCst) {
            return;
        }
        // The accept thread sits in a blocking accept(); a connection of our
        // own is the portable way to get it to look at the flag.
        let _ = TcpStream::connect_timeout(&self.inner.wake_addr, Duration::from_secs(1));
    }

    /// Whether `stop` was called.
    fn is_stopped(&self) -> bool {
        self.inner.stopped.load(Ordering::SeqCst)
    }
}

/// A running server. Dropping it stops it like [`Server::shutdown`].
pub struct Server {
    addr: SocketAddr,
    control: Control,
    accept: Option<JoinHandle<()>>,
    /// Disconnected once the accept thread has finished: lets shutdown wait
    /// for it with a bound, which `JoinHandle::join` cannot.
    finished: Option<mpsc::Receiver<()>>,
}

/// How long `shutdown` waits for the accept thread.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(3);
/// Connections being turned away with 503 at once; beyond, they are dropped.
const MAX_REJECTING: usize = 32;
/// How many first bytes of a request are checked as a method before the
/// head is whole.
const METHOD_PREFIX: usize = 32;

impl Server {
    /// Binds `listen` and serves `handler` over plain HTTP on a background
    /// thread.
    // The sandbox always goes through `start_tls`; the tests use this.
    #[cfg_attr(not(test), allow(dead_code))]
    pub fn start(listen: SocketAddr, limits: Limits, handler: Arc<Handler>) -> io::Result<Server> {
        Server::start_tls(listen, limits, handler, None)
    }

    /// Like [`Server::start`], serving HTTPS with `tls` when given.
    pub fn start_tls(
        listen: SocketAddr,
        limits: Limits,
        handler: Arc<Handler>,
        tls: Option<Arc<ServerConfig>>,
    ) -> io::Result<Server> {
        if limits.max_connections == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "max_connections must be at least 1",
            ));
        }
        let listener = TcpListener::bind(listen)?;
        let addr = listener.local_addr()?;
        let wake_addr = match addr {
            SocketAddr::V4(a) if a.ip().is_unspecified() => {
                SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, a.port()))
            }
            SocketAddr::V6(a) if a.ip().is_unspecified() => {
                SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, a.port()))
            }
            other => other,
        };
        let control = Control {
            inner: Arc::new(ControlInner {
                stopped: AtomicBool::new(false),
                wake_addr,
            }),
        };
        let (done_tx, done_rx) = mpsc::channel::<()>();
        let thread_control = control.clone();
        let accept = thread::Builder::new()
            .name(format!("http-accept-{}", addr.port()))
            .spawn(move || {
                let _done = done_tx;
                accept_loop(listener, limits, handler, thread_control, tls);
            })?;
        Ok(Server {
            addr,
            control,
            accept: Some(accept),
            finished: Some(done_rx),
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Blocks until a response with `stop_server` stops the server.
    pub fn wait(mut self) {
        if let Some(handle) = self.accept.take() {
            let _ = handle.join();
        }
    }

    /// Stops accepting and waits (bounded) for the accept thread. Open
    /// connections finish on their own: at their next request (answered 503)
    /// or at their idle timeout.
    pub fn shutdown(self) {
        drop(self);
    }

    fn stop_and_join(&mut self) {
        self.control.stop();
        let Some(handle) = self.accept.take() else {
            return;
        };
        let finished = match self.finished.take() {
            Some(rx) => matches!(
                rx.recv_timeout(SHUTDOWN_WAIT),
                Err(mpsc::RecvTimeoutError::Disconnected) | Ok(())
            ),
            None => false,
        };
        if finished {
            let _ = handle.join();
        }
        // Otherwise the thread is left detached rather than hanging the caller.
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("addr", &self.addr).finish()
    }
}

/// Releases a connection slot even if the connection thread panics.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn accept_loop(
    listener: TcpListener,
    limits: Limits,
    handler: Arc<Handler>,
    control: Control,
    tls: Option<Arc<ServerConfig>>,
) {
    let active = Arc::new(AtomicUsize::new(0));
    let rejecting = Arc::new(AtomicUsize::new(0));
    let mut backoff = Duration::from_millis(1);
    while !control.is_stopped() {
        let stream = match listener.accept() {
            Ok((stream, _)) => {
                backoff = Duration::from_millis(1);
                stream
            }
            Err(_) => {
                // Typically EMFILE or a connection reset before accept; back
                // off so a persistent error does not spin a core.
                thread::sleep(backoff);
                backoff = (backoff * 2).min(Duration::from_millis(100));
                continue;
            }
        };
        if control.is_stopped() {
            break;
        }
        // Some platforms hand out accepted sockets inheriting flags; the
        // connection code relies on blocking reads with timeouts.
        let _ = stream.set_nonblocking(false);
        let _ = stream.set_nodelay(true);
        if active.fetch_add(1, Ordering::SeqCst) >= limits.max_connections {
            active.fetch_sub(1, Ordering::SeqCst);
            reject_busy(stream, &rejecting, tls.clone());
            continue;
        }
        let slot = Slot(active.clone());
        let handler = handler.clone();
        let control = control.clone();
        let tls = tls.clone();
        // If the spawn fails the closure is dropped, which closes the stream
        // and frees the slot.
        let _ = thread::Builder::new()
            .name("http-conn".into())
            .spawn(move || {
                let _slot = slot;
                match tls {
                    None => serve_connection(stream, limits, &*handler, &control),
                    Some(config) => {
                        if let Some(stream) =
                            tls_handshake(stream, config, limits.handshake_timeout)
                        {
                            serve_connection(stream, limits, &*handler, &control);
                        }
                    }
                }
            });
    }
}

/// A TLS connection of the server.
pub(crate) type TlsStream = StreamOwned<ServerConnection, TcpStream>;

/// Does the server side of a TLS handshake on `tcp`, bounded by `timeout`
/// in all (each read waits only for what is left of it). `None` when it
/// fails or times out; the connection is then closed, after the alert that
/// rustls may have queued (a plain-HTTP client thus gets a few bytes of
/// TLS alert and a clean close rather than a reset).
fn tls_handshake(
    mut tcp: TcpStream,
    config: Arc<ServerConfig>,
    timeout: Duration,
) -> Option<TlsStream> {
    let deadline = Instant::now() + timeout;
    let Ok(mut conn) = ServerConnection::new(config) else {
        return None;
    };
    // Bounded: each round reads at least one byte or ends, and the whole
    // handshake is bounded by the deadline and by rustls' own size limits.
    loop {
        let now = Instant::now();
        if now >= deadline {
            return None;
        }
        let left = (deadline - now).max(Duration::from_millis(1));
        if tcp.set_read_timeout(Some(left)).is_err() || tcp.set_write_timeout(Some(left)).is_err() {
            return None;
        }
        while conn.wants_write() {
            match conn.write_tls(&mut tcp) {
                Ok(0) | Err(_) => return None,
                Ok(_) => {}
            }
        }
        if !conn.is_handshaking() {
            return Some(StreamOwned::new(conn, tcp));
        }
        match conn.read_tls(&mut tcp) {
            Ok(0) => return None,
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return None,
        }
        if conn.process_new_packets().is_err() {
            // Send the alert describing the failure, if there is one.
            for _ in 0..4 {
                if !conn.wants_write() || !matches!(conn.write_tls(&mut tcp), Ok(n) if n > 0) {
                    break;
                }
            }
            linger_close(&mut tcp, Duration::from_secs(1));
            return None;
        }
    }
}

fn reject_busy(stream: TcpStream, rejecting: &Arc<AtomicUsize>, tls: Option<Arc<ServerConfig>>) {
    if rejecting.fetch_add(1, Ordering::SeqCst) >= MAX_REJECTING {
        rejecting.fetch_sub(1, Ordering::SeqCst);
        return;
    }
    let slot = Slot(rejecting.clone());
    // A thread of its own so that a slow client cannot stall accepting; the
    // count above bounds how many of these exist.
    let _ = thread::Builder::new()
        .name("http-busy".into())
        .spawn(move || {
            let _slot = slot;
            // Over HTTPS the answer needs a handshake first, as short-lived
            // as the rest of this.
            match tls {
                None => answer_busy(stream),
                Some(config) => {
                    if let Some(stream) = tls_handshake(stream, config, Duration::from_secs(1)) {
                        answer_busy(stream);
                    }
                }
            }
        });
}

fn answer_busy<S: Stream>(mut stream: S) {
    let _ = stream.set_write_wait(Duration::from_secs(1));
    let resp = Response::error(503, "too many connections");
    let _ = stream.write_all(&encode_response(&resp, false, true, false));
    stream.finish(Duration::from_secs(1));
}

/// Half-closes, then drains what the client still sends for a short while,
/// so that closing with unread input does not send a RST that could destroy
/// the response before the client reads it.
fn linger_close(stream: &mut TcpStream, max_wait: Duration) {
    let _ = stream.flush();
    let _ = stream.shutdown(Shutdown::Write);
    let deadline = Instant::now() + max_wait;
    let mut drained = 0usize;
    let mut buf = [0u8; 16 * 1024];
    while drained < 8 * 1024 * 1024 {
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        let _ = stream.set_read_timeout(Some((deadline - now).max(Duration::from_millis(1))));
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => drained += n,
        }
    }
}

/// The byte stream a connection reads requests from and writes interim
/// responses to; a trait so that the parser can be fed from memory in tests.
pub(crate) trait Transport: Read + Write {
    /// Bounds the next read.
    fn set_read_wait(&mut self, wait: Duration) -> io::Result<()>;
}

impl Transport for TcpStream {
    fn set_read_wait(&mut self, wait: Duration) -> io::Result<()> {
        // A zero timeout is an error for set_read_timeout.
        self.set_read_timeout(Some(wait.max(Duration::from_millis(1))))
    }
}

impl Transport for TlsStream {
    fn set_read_wait(&mut self, wait: Duration) -> io::Result<()> {
        // A read that times out mid-record leaves the partial record in
        // rustls' buffer, so the next read goes on from there.
        self.sock.set_read_wait(wait)
    }
}

/// A connection's stream, plain or TLS: what a connection thread serves.
pub(crate) trait Stream: Transport {
    /// Bounds each write.
    fn set_write_wait(&mut self, wait: Duration) -> io::Result<()>;
    /// Ends the connection so that what was written gets to the client:
    /// see [`linger_close`].
    fn finish(&mut self, max_wait: Duration);
}

impl Stream for TcpStream {
    fn set_write_wait(&mut self, wait: Duration) -> io::Result<()> {
        self.set_write_timeout(Some(wait.max(Duration::from_millis(1))))
    }

    fn finish(&mut self, max_wait: Duration) {
        linger_close(self, max_wait);
    }
}

impl Stream for TlsStream {
    fn set_write_wait(&mut self, wait: Duration) -> io::Result<()> {
        self.sock.set_write_wait(wait)
    }

    fn finish(&mut self, max_wait: Duration) {
        // close_notify tells the client the answer is whole; then the TCP
        // side lingers like a plain connection.
        self.conn.send_close_notify();
        let _ = self.flush();
        linger_close(&mut self.sock, max_wait);
    }
}

/// Why a request could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReadError {
    /// Answer with this status and message, then close.
    Reject(u16, &'static str),
    /// The connection is unusable (I/O error); close without answering.
    Abort,
}

fn reject<T>(status: u16, message: &'static str) -> Result<T, ReadError> {
    Err(ReadError::Reject(status, message))
}

/// Reads requests off one connection, keeping bytes that arrived early
/// (pipelining) for the next request.
pub(crate) struct Connection<T: Transport> {
    io: T,
    buf: Vec<u8>,
    pos: usize,
    limits: Limits,
}

enum Fill {
    Data,
    Eof,
    Timeout,
}

/// How a request body is delimited.
#[derive(Debug, PartialEq, Eq)]
enum Framing {
    None,
    Length(usize),
    Chunked,
}

/// Request line and header fields, before the body is read.
#[derive(Debug)]
struct Head {
    method: String,
    target: String,
    minor_version: u8,
    headers: Vec<(String, String)>,
}

impl<T: Transport> Connection<T> {
    pub(crate) fn new(io: T, limits: Limits) -> Self {
        Connection {
            io,
            buf: Vec::new(),
            pos: 0,
            limits,
        }
    }

    pub(crate) fn io_mut(&mut self) -> &mut T {
        &mut self.io
    }

    fn pending(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    fn fill(&mut self, deadline: Option<Instant>) -> Result<Fill, ReadError> {
        let mut wait = self.limits.idle_timeout;
        if let Some(deadline) = deadline {
            let now = Instant::now();
            if now >= deadline {
                return Ok(Fill::Timeout);
            }
            wait = wait.min(deadline - now);
        }
        if self.io.set_read_wait(wait).is_err() {
            return Err(ReadError::Abort);
        }
        let mut chunk = [0u8; 16 * 1024];
        // Interrupted reads are retried, a bounded number of times.
        for _ in 0..16 {
            match self.io.read(&mut chunk) {
                Ok(0) => return Ok(Fill::Eof),
                Ok(n) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    return Ok(Fill::Data);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return Ok(Fill::Timeout);
                }
                Err(_) => return Err(ReadError::Abort),
            }
        }
        Err(ReadError::Abort)
    }

    /// Like `fill`, for when the current request is incomplete.
    fn fill_more(&mut self, deadline: Option<Instant>) -> Result<(), ReadError> {
        match self.fill(deadline)? {
            Fill::Data => Ok(()),
            Fill::Eof => reject(400, "incomplete request"),
            Fill::Timeout => reject(408, "request timeout"),
        }
    }

    /// Reads the next request. `Ok(None)`: the client closed or went idle
    /// between requests.
    pub(crate) fn read_request(&mut self) -> Result<Option<Request>, ReadError> {
        self.buf.drain(..self.pos);
        self.pos = 0;
        let max_head = self.limits.max_head;
        let mut deadline: Option<Instant> = None;
        let mut skipped = 0usize;
        let mut scanned = 0usize;
        let (head_len, consumed) = loop {
            // RFC 9112 2.2: empty lines before a request line are ignored.
            while skipped <= max_head {
                match self.pending().first() {
                    Some(b'\r') | Some(b'\n') => {
                        self.pos += 1;
                        skipped += 1;
                    }
                    _ => break,
                }
            }
            if skipped > max_head {
                return reject(400, "request head too large");
            }
            // Bytes that cannot begin a method are refused before the head
            // is whole, so that a client speaking something else (a TLS
            // ClientHello, which has no blank line to wait for) is told at
            // once rather than at the request timeout. Only the first bytes
            // are looked at, so that this stays O(1) per read.
            let start = &self.pending()[..self.pending().len().min(METHOD_PREFIX)];
            let method = start.split(|&b| b == b' ').next().unwrap_or(start);
            if !method.iter().all(|&b| is_tchar(b)) {
                return reject(400, "malformed method");
            }
            if let Some(found) = find_head_end(self.pending(), scanned) {
                break found;
            }
            if self.pending().len() > max_head {
                return reject(400, "request head too large");
            }
            scanned = self.pending().len().saturating_sub(2);
            let had_data = !self.pending().is_empty();
            match self.fill(deadline)? {
                Fill::Data => {
                    if deadline.is_none() && !self.pending().is_empty() {
                        deadline = Some(Instant::now() + self.limits.request_timeout);
                    }
                }
                Fill::Eof if had_data => return reject(400, "incomplete request"),
                Fill::Timeout if had_data => return reject(408, "request timeout"),
                Fill::Eof | Fill::Timeout => return Ok(None),
            }
        };
        if consumed > max_head {
            return reject(400, "request head too large");
        }
        let head = parse_head(&self.pending()[..head_len], &self.limits)?;
        self.pos += consumed;
        let deadline = deadline.unwrap_or_else(|| Instant::now() + self.limits.request_timeout);

        let framing = framing(&head, self.limits.max_body)?;
        self.handle_expect(&head, &framing)?;
        let body = match framing {
            Framing::None => Vec::new(),
            Framing::Length(n) => {
                // Bounded: every round adds at least one byte or fails.
                while self.pending().len() < n {
                    self.fill_more(Some(deadline))?;
                }
                let body = self.pending()[..n].to_vec();
                self.pos += n;
                body
            }
            Framing::Chunked => self.read_chunked(deadline)?,
        };
        let path = path_of(&head.target);
        Ok(Some(Request {
            method: head.method,
            path,
            minor_version: head.minor_version,
            headers: head.headers,
            body,
        }))
    }

    /// Answers `Expect: 100-continue` (RFC 9110 10.1.1) so that clients such
    /// as curl do not stall a second before sending the body.
    fn handle_expect(&mut self, head: &Head, framing: &Framing) -> Result<(), ReadError> {
        let Some(expect) = header_of(&head.headers, "expect") else {
            return Ok(());
        };
        if head.minor_version == 0 {
            // HTTP/1.0 clients cannot know 100-continue; RFC says ignore it.
            return Ok(());
        }
        if !expect.trim().eq_ignore_ascii_case("100-continue") {
            return reject(417, "unsupported expectation");
        }
        if *framing != Framing::None && self.pending().is_empty() {
            let interim = b"HTTP/1.1 100 Continue\r\n\r\n";
            if self
                .io
                .write_all(interim)
                .and_then(|_| self.io.flush())
                .is_err()
            {
                return Err(ReadError::Abort);
            }
        }
        Ok(())
    }

    /// Reads one line of a chunked body, without its line ending.
    fn read_line(&mut self, max: usize, deadline: Instant) -> Result<Vec<u8>, ReadError> {
        let mut scanned = 0usize;
        loop {
            if let Some(i) = self.pending()[scanned..].iter().position(|&b| b == b'\n') {
                let end = scanned + i;
                if end > max {
                    return reject(400, "chunk line too long");
                }
                let mut line = self.pending()[..end].to_vec();
                self.pos += end + 1;
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(line);
            }
            scanned = self.pending().len();
            if scanned > max {
                return reject(400, "chunk line too long");
            }
            self.fill_more(Some(deadline))?;
        }
    }

    fn read_chunked(&mut self, deadline: Instant) -> Result<Vec<u8>, ReadError> {
        let max_body = self.limits.max_body;
        // Everything that is not data (size lines, extensions, trailers) is
        // bounded by the head limit, so the wire size stays bounded too.
        let mut overhead_left = self.limits.max_head;
        let mut body = Vec::new();
        // Each round consumes at least one data byte or ends, so
        // max_body + 1 rounds suffice.
        for _ in 0..=max_body {
            let line = self.read_line(overhead_left.min(4096), deadline)?;
            overhead_left = overhead_left.saturating_sub(line.len() + 2);
            if overhead_left == 0 {
                return reject(400, "chunked framing too large");
            }
            let size = parse_chunk_size(&line)?;
            if size == 0 {
                self.read_trailers(deadline, overhead_left)?;
                return Ok(body);
            }
            if size > max_body - body.len() {
                return reject(413, "request body too large");
            }
            while self.pending().len() < size {
                self.fill_more(Some(deadline))?;
            }
            body.extend_from_slice(&self.pending()[..size]);
            self.pos += size;
            // The data must be followed by exactly one line ending.
            let end = self.read_line(1, deadline)?;
            if !end.is_empty() {
                return reject(400, "malformed chunk");
            }
        }
        reject(400, "malformed chunked body")
    }

    fn read_trailers(&mut self, deadline: Instant, mut budget: usize) -> Result<(), ReadError> {
        // Trailer fields are read and dropped: nothing here uses them.
        for _ in 0..=self.limits.max_headers {
            let line = self.read_line(budget, deadline)?;
            if line.is_empty() {
                return Ok(());
            }
            budget = budget.saturating_sub(line.len() + 2);
            if budget == 0 {
                return reject(400, "chunked trailers too large");
            }
            parse_field(&line)?;
        }
        reject(400, "too many trailer fields")
    }
}

fn header_of<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Finds the blank line ending a head: returns (head length, bytes to
/// consume including the blank line). Bare LF line endings are accepted
/// (RFC 9112 2.2 allows it).
fn find_head_end(buf: &[u8], from: usize) -> Option<(usize, usize)> {
    let mut i = from;
    while i < buf.len() {
        let nl = i + buf[i..].iter().position(|&b| b == b'\n')?;
        let rest = &buf[nl + 1..];
        if rest.starts_with(b"\n") {
            return Some((nl, nl + 2));
        }
        if rest.starts_with(b"\r\n") {
            return Some((nl, nl + 3));
        }
        i = nl + 1;
    }
    None
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn parse_head(head: &[u8], limits: &Limits) -> Result<Head, ReadError> {
    let mut lines = head
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let request_line = lines.next().unwrap_or(&[]);
    let mut parts = request_line.split(|&b| b == b' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return reject(400, "malformed request line");
    };
    if method.is_empty() || !method.iter().all(|&b| is_tchar(b)) {
        return reject(400, "malformed method");
    }
    if target.is_empty() || !target.iter().all(|&b| (0x21..0x7f).contains(&b)) {
        return reject(400, "malformed request target");
    }
    let minor_version = match version {
        b"HTTP/1.1" => 1,
        b"HTTP/1.0" => 0,
        [b'H', b'T', b'T', b'P', b'/', major, b'.', minor]
            if major.is_ascii_digit() && minor.is_ascii_digit() =>
        {
            return reject(505, "HTTP version not supported");
        }
        _ => return reject(400, "malformed HTTP version"),
    };
    let mut headers = Vec::new();
    for line in lines {
        if headers.len() >= limits.max_headers {
            return reject(400, "too many header fields");
        }
        headers.push(parse_field(line)?);
    }
    Ok(Head {
        // Validated as ASCII above.
        method: String::from_utf8_lossy(method).into_owned(),
        target: String::from_utf8_lossy(target).into_owned(),
        minor_version,
        headers,
    })
}

fn parse_field(line: &[u8]) -> Result<(String, String), ReadError> {
    if line.first().is_some_and(|&b| b == b' ' || b == b'\t') {
        // Obsolete line folding: RFC 9112 5.2 allows rejecting it.
        return reject(400, "obsolete header folding");
    }
    let Some(colon) = line.iter().position(|&b| b == b':') else {
        return reject(400, "malformed header field");
    };
    let name = &line[..colon];
    if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
        return reject(400, "malformed header name");
    }
    let value = trim_ows(&line[colon + 1..]);
    if value.iter().any(|&b| (b < 0x20 && b != b'\t') || b == 0x7f) {
        return reject(400, "control character in header value");
    }
    Ok((
        String::from_utf8_lossy(name).into_owned(),
        String::from_utf8_lossy(value).into_owned(),
    ))
}

fn trim_ows(mut v: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = v {
        v = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = v {
        v = rest;
    }
    v
}

/// Decides how the body is delimited (RFC 9112 6.3), refusing the
/// ambiguous combinations that enable request smuggling.
fn framing(head: &Head, max_body: usize) -> Result<Framing, ReadError> {
    let te: Vec<&str> = head
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("transfer-encoding"))
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .collect();
    let cl: Vec<&str> = head
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .collect();
    if !te.is_empty() {
        if head.minor_version == 0 {
            return reject(400, "transfer-encoding in an HTTP/1.0 request");
        }
        if !cl.is_empty() {
            return reject(400, "both transfer-encoding and content-length");
        }
        if te.last().is_none_or(|c| !c.eq_ignore_ascii_case("chunked")) {
            return reject(400, "transfer-encoding must end with chunked");
        }
        if te.len() != 1 {
            return reject(501, "unsupported transfer-coding");
        }
        return Ok(Framing::Chunked);
    }
    let Some(first) = cl.first() else {
        return Ok(Framing::None);
    };
    if cl.iter().any(|v| v != first) {
        return reject(400, "conflicting content-length");
    }
    if first.is_empty() || !first.bytes().all(|b| b.is_ascii_digit()) {
        return reject(400, "malformed content-length");
    }
    // Too many digits for usize is still a well-formed, just huge, length.
    let n = first.parse::<usize>().unwrap_or(usize::MAX);
    if n > max_body {
        return reject(413, "request body too large");
    }
    Ok(if n == 0 {
        Framing::None
    } else {
        Framing::Length(n)
    })
}

fn parse_chunk_size(line: &[u8]) -> Result<usize, ReadError> {
    let digits_end = line
        .iter()
        .position(|b| !b.is_ascii_hexdigit())
        .unwrap_or(line.len());
    let (digits, rest) = line.split_at(digits_end);
    if digits.is_empty() || digits.len() > 15 {
        return reject(400, "malformed chunk size");
    }
    let rest = trim_ows(rest);
    if !rest.is_empty() && rest[0] != b';' {
        return reject(400, "malformed chunk size");
    }
    let mut size = 0usize;
    for &d in digits {
        let v = (d as char).to_digit(16).unwrap_or(0) as usize;
        size = size.saturating_mul(16).saturating_add(v);
    }
    Ok(size)
}

/// The path of a request target: origin-form as is, absolute-form without
/// scheme and authority, query and fragment dropped.
fn path_of(target: &str) -> String {
    let mut rest = target;
    for scheme in ["http://", "https://"] {
        if rest.len() >= scheme.len() && rest[..scheme.len()].eq_ignore_ascii_case(scheme) {
            let after = &rest[scheme.len()..];
            rest = after.find('/').map_or("/", |i| &after[i..]);
            break;
        }
    }
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    rest[..end].to_string()
}

fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        417 => "Expectation Failed",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

/// RFC 7231 IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn http_date(now: chrono::DateTime<chrono::Utc>) -> String {
    now.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// Serializes a response. `head_only` for HEAD requests; `http10_keep_alive`
/// when an HTTP/1.0 client asked to keep the connection (it must be told).
fn encode_response(
    resp: &Response,
    head_only: bool,
    close: bool,
    http10_keep_alive: bool,
) -> Vec<u8> {
    let connection = if close {
        "Connection: close\r\n"
    } else if http10_keep_alive {
        "Connection: keep-alive\r\n"
    } else {
        ""
    };
    let head = format!(
        "HTTP/1.1 {} {}\r\nDate: {}\r\nServer: voicecb-sandbox\r\nContent-Type: {}\r\nContent-Length: {}\r\n{}\r\n",
        resp.status,
        reason(resp.status),
        http_date(chrono::Utc::now()),
        CONTENT_TYPE,
        resp.body.len(),
        connection
    );
    let mut out = head.into_bytes();
    if !head_only {
        out.extend_from_slice(&resp.body);
    }
    out
}

fn serve_connection<S: Stream>(
    mut stream: S,
    limits: Limits,
    handler: &Handler,
    control: &Control,
) {
    let _ = stream.set_write_wait(limits.write_timeout);
    let mut conn = Connection::new(stream, limits);
    for served in 1..=limits.max_requests_per_connection {
        let request = match conn.read_request() {
            Ok(Some(request)) => request,
            Ok(None) | Err(ReadError::Abort) => return,
            Err(ReadError::Reject(status, message)) => {
                let resp = Response::error(status, message);
                let _ = conn
                    .io_mut()
                    .write_all(&encode_response(&resp, false, true, false));
                conn.io_mut().finish(Duration::from_secs(2));
                return;
            }
        };
        let resp = if control.is_stopped() {
            Response::error(503, "server is shutting down")
        } else {
            // A panicking handler must not take the connection's slot or the
            // server down with it.
            catch_unwind(AssertUnwindSafe(|| handler(&request)))
                .unwrap_or_else(|_| Response::error(500, "internal error"))
        };
        // The last request a connection may carry says so, so that the
        // client does not send another into a closing socket.
        let last = served == limits.max_requests_per_connection;
        let close =
            resp.close || resp.stop_server || !request.keep_alive() || control.is_stopped() || last;
        let http10_keep_alive = !close && request.minor_version == 0;
        let bytes = encode_response(&resp, request.method == "HEAD", close, http10_keep_alive);
        let written = conn
            .io_mut()
            .write_all(&bytes)
            .and_then(|()| conn.io_mut().flush());
        if resp.stop_server {
            control.stop();
        }
        if written.is_err() {
            return;
        }
        if close {
            conn.io_mut().finish(Duration::from_secs(2));
            return;
        }
    }
    conn.io_mut().finish(Duration::from_secs(2));
}

/// Shared test helpers: a raw client that reads one response at a time.
#[cfg(test)]
pub(crate) mod test_client {
    use super::*;

    /// One response as the client saw it.
    #[derive(Debug)]
    pub struct Answer {
        pub status: u16,
        pub headers: Vec<(String, String)>,
        pub body: Vec<u8>,
    }

    impl Answer {
        pub fn header(&self, name: &str) -> Option<&str> {
            header_of(&self.headers, name)
        }
        pub fn json(&self) -> serde_json::Value {
            serde_json::from_slice(&self.body).unwrap_or_else(|e| {
                panic!(
                    "body is not JSON ({e}): {}",
                    String::from_utf8_lossy(&self.body)
                )
            })
        }
    }

    /// A client over plain TCP by default, or over any other stream (TLS).
    pub struct RawClient<S = TcpStream> {
        pub stream: S,
        buf: Vec<u8>,
    }

    impl RawClient<TcpStream> {
        pub fn connect(addr: SocketAddr) -> RawClient {
            let stream =
                TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            stream
                .set_write_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            RawClient::over(stream)
        }
    }

    impl<S: Read + Write> RawClient<S> {
        /// A client on a stream already set up (timeouts included).
        pub fn over(stream: S) -> RawClient<S> {
            RawClient {
                stream,
                buf: Vec::new(),
            }
        }

        pub fn send(&mut self, bytes: &[u8]) {
            self.stream.write_all(bytes).expect("write");
        }

        /// Reads one response; `None` if the server closed first.
        pub fn read_answer(&mut self) -> Option<Answer> {
            self.read_answer_to(false)
        }

        /// Reads one response; `head_only` for answers to HEAD, which
        /// announce a length but carry no body.
        pub fn read_answer_to(&mut self, head_only: bool) -> Option<Answer> {
            let mut chunk = [0u8; 16 * 1024];
            let head_end = loop {
                if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    break i;
                }
                assert!(self.buf.len() < 1 << 20, "response head too large");
                match self.stream.read(&mut chunk) {
                    Ok(0) | Err(_) => return None,
                    Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                }
            };
            let head = String::from_utf8(self.buf[..head_end].to_vec()).expect("ASCII head");
            self.buf.drain(..head_end + 4);
            let mut lines = head.split("\r\n");
            let status_line = lines.next().unwrap();
            let status: u16 = status_line
                .split(' ')
                .nth(1)
                .and_then(|s| s.parse().ok())
                .expect("status code");
            let headers: Vec<(String, String)> = lines
                .map(|l| {
                    let (n, v) = l.split_once(':').expect("header line");
                    (n.trim().to_string(), v.trim().to_string())
                })
                .collect();
            if status == 100 {
                return self.read_answer_to(head_only);
            }
            let len: usize = header_of(&headers, "content-length")
                .expect("content-length")
                .parse()
                .unwrap();
            let len = if head_only { 0 } else { len };
            while self.buf.len() < len {
                match self.stream.read(&mut chunk) {
                    Ok(0) | Err(_) => return None,
                    Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                }
            }
            let body = self.buf.drain(..len).collect();
            Some(Answer {
                status,
                headers,
                body,
            })
        }

        pub fn request(&mut self, bytes: &[u8]) -> Answer {
            self.send(bytes);
            self.read_answer().expect("an answer")
        }

        /// True if the server closed the connection (EOF or reset) within
        /// the read timeout.
        pub fn closed(&mut self) -> bool {
            let mut chunk = [0u8; 1024];
            for _ in 0..1024 {
                match self.stream.read(&mut chunk) {
                    Ok(0) => return true,
                    Ok(_) => continue,
                    Err(e) => {
                        return !matches!(
                            e.kind(),
                            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                        );
                    }
                }
            }
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_client::RawClient;
    use super::*;
    use rand::RngExt;

    /// In-memory transport: reads from a script, records what is written.
    struct Memory {
        input: io::Cursor<Vec<u8>>,
        output: Vec<u8>,
    }

    impl Read for Memory {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.input.read(buf)
        }
    }

    impl Write for Memory {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.output.write(buf)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Transport for Memory {
        fn set_read_wait(&mut self, _: Duration) -> io::Result<()> {
            Ok(())
        }
    }

    fn memory(input: &[u8]) -> Connection<Memory> {
        Connection::new(
            Memory {
                input: io::Cursor::new(input.to_vec()),
                output: Vec::new(),
            },
            Limits::default(),
        )
    }

    fn parse_one(input: &[u8]) -> Result<Option<Request>, ReadError> {
        memory(input).read_request()
    }

    fn echo_server(limits: Limits) -> Server {
        Server::start("127.0.0.1:0".parse().unwrap(), limits, echo_handler()).expect("start")
    }

    fn echo_handler() -> Arc<Handler> {
        Arc::new(|req: &Request| {
            if req.path == "/panic" {
                panic!("handler panic on purpose");
            }
            if req.path == "/stop" {
                let mut resp = Response::json(200, "{\"stopping\":true}");
                resp.stop_server = true;
                return resp;
            }
            let body = serde_json::json!({
                "method": req.method,
                "path": req.path,
                "len": req.body.len(),
                "body": String::from_utf8_lossy(&req.body),
                "x": req.header("x-test"),
            });
            Response::json(200, body.to_string())
        })
    }

    #[test]
    fn parses_simple_request_with_body() {
        let req = parse_one(
            b"POST /a?b=c HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nX-Test:  v \r\n\r\nabc",
        )
        .unwrap()
        .unwrap();
        assert_eq!(req.method, "POST");
        assert_eq!(req.path, "/a");
        assert_eq!(req.body, b"abc");
        assert_eq!(req.header("x-TEST"), Some("v"));
        assert!(req.keep_alive());
    }

    #[test]
    fn pipelined_requests_are_kept_apart() {
        let mut conn = memory(
            b"\r\nPOST /1 HTTP/1.1\r\nContent-Length: 2\r\n\r\nxyGET /2 HTTP/1.1\n\nGET /3 HTTP/1.0\r\n\r\n",
        );
        let a = conn.read_request().unwrap().unwrap();
        let b = conn.read_request().unwrap().unwrap();
        let c = conn.read_request().unwrap().unwrap();
        assert_eq!((a.path.as_str(), a.body.as_slice()), ("/1", &b"xy"[..]));
        assert_eq!(b.path, "/2");
        assert_eq!(c.path, "/3");
        assert!(!c.keep_alive());
        assert!(conn.read_request().unwrap().is_none());
    }

    #[test]
    fn keep_alive_rules() {
        let r = |s: &[u8]| parse_one(s).unwrap().unwrap().keep_alive();
        assert!(r(b"GET / HTTP/1.1\r\n\r\n"));
        assert!(!r(b"GET / HTTP/1.1\r\nConnection: Close\r\n\r\n"));
        assert!(!r(b"GET / HTTP/1.1\r\nConnection: foo, close\r\n\r\n"));
        assert!(!r(b"GET / HTTP/1.0\r\n\r\n"));
        assert!(r(b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"));
    }

    #[test]
    fn chunked_bodies_are_decoded() {
        let req = parse_one(
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\n",
        )
        .unwrap()
        .unwrap();
        assert_eq!(req.body, b"abc0123456789");
    }

    #[test]
    fn malformed_requests_are_rejected() {
        let cases: &[(&[u8], u16)] = &[
            (b"GARBAGE\r\n\r\n", 400),
            (b"GET /\r\n\r\n", 400),
            (b"GET  / HTTP/1.1\r\n\r\n", 400),
            (b"GET / HTTP/2.0\r\n\r\n", 505),
            (b"GET / FTP/1.1\r\n\r\n", 400),
            (b"G(T / HTTP/1.1\r\n\r\n", 400),
            (b"GET / HTTP/1.1\r\nNo colon\r\n\r\n", 400),
            (b"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", 400),
            (b"GET / HTTP/1.1\r\nA: x\r\n folded\r\n\r\n", 400),
            (b"GET / HTTP/1.1\r\nA: x\x01y\r\n\r\n", 400),
            (b"POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n", 400),
            (b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400),
            (
                b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
                400,
            ),
            (b"POST / HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n", 413),
            (
                b"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n",
                413,
            ),
            (b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab", 400),
            (
                b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
                400,
            ),
            (b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
            (
                b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
                501,
            ),
            (
                b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
                400,
            ),
            (
                b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                400,
            ),
            (
                b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n",
                400,
            ),
            (
                b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFF\r\n",
                400,
            ),
            (
                b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n200000\r\n",
                413,
            ),
            (b"POST / HTTP/1.1\r\nExpect: magic\r\n\r\n", 417),
            (b"GET / HTTP/1.1\r\nHost: x", 400),
        ];
        for (input, status) in cases {
            match parse_one(input) {
                Err(ReadError::Reject(s, _)) => {
                    assert_eq!(s, *status, "input {:?}", String::from_utf8_lossy(input))
                }
                other => panic!(
                    "input {:?}: expected {status}, got {other:?}",
                    String::from_utf8_lossy(input)
                ),
            }
        }
    }

    #[test]
    fn non_http_bytes_are_refused_before_the_head_is_whole() {
        // A TLS ClientHello's first bytes: no blank line will ever come.
        let mut conn = memory(&[22, 3, 1, 0, 200, 1, 0, 0, 196, 3, 3]);
        assert_eq!(
            conn.read_request().unwrap_err(),
            ReadError::Reject(400, "malformed method")
        );
        // A method still arriving is waited for, whatever its length.
        let long = vec![b'A'; 200];
        assert_eq!(
            memory(&long).read_request().unwrap_err(),
            ReadError::Reject(400, "incomplete request")
        );
        assert!(
            memory(b"\r\nPOS")
                .read_request()
                .is_err_and(|e| e == ReadError::Reject(400, "incomplete request"))
        );
    }

    #[test]
    fn oversized_head_is_rejected() {
        let mut input = b"GET / HTTP/1.1\r\nX-Big: ".to_vec();
        input.extend(std::iter::repeat_n(b'a', 70 * 1024));
        input.extend_from_slice(b"\r\n\r\n");
        assert_eq!(
            parse_one(&input).unwrap_err(),
            ReadError::Reject(400, "request head too large")
        );
        let many: Vec<u8> = std::iter::once(b"GET / HTTP/1.1\r\n".to_vec())
            .chain((0..200).map(|i| format!("H{i}: v\r\n").into_bytes()))
            .chain(std::iter::once(b"\r\n".to_vec()))
            .flatten()
            .collect();
        assert!(matches!(parse_one(&many), Err(ReadError::Reject(400, _))));
        let blank_lines = vec![b'\n'; 100 * 1024];
        assert!(matches!(
            parse_one(&blank_lines),
            Err(ReadError::Reject(400, _))
        ));
    }

    #[test]
    fn expect_continue_gets_an_interim_answer() {
        let mut input =
            b"POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n".to_vec();
        // The body "arrives later": a Cursor cannot show that, so check the
        // interim answer is written when the body is not yet buffered.
        let mut conn = memory(&input);
        assert!(matches!(
            conn.read_request(),
            Err(ReadError::Reject(400, _))
        ));
        assert!(conn.io.output.starts_with(b"HTTP/1.1 100 Continue\r\n\r\n"));
        input.extend_from_slice(b"ok");
        let mut conn = memory(&input);
        assert_eq!(conn.read_request().unwrap().unwrap().body, b"ok");
        assert!(conn.io.output.is_empty(), "body already there: no 100");
    }

    #[test]
    fn fuzz_parser_never_panics() {
        let mut rng = rand::rng();
        let alphabet: &[u8] = b"GETPOST /HTTP1.0\r\n:;,chunkedContent-LengthTransfer-Encoding0123456789abcdefXY \t\x00\xff";
        for _ in 0..3000 {
            let len = rng.random_range(0..400);
            let input: Vec<u8> = if rng.random_bool(0.5) {
                (0..len).map(|_| rng.random::<u8>()).collect()
            } else {
                (0..len)
                    .map(|_| alphabet[rng.random_range(0..alphabet.len())])
                    .collect()
            };
            let mut conn = memory(&input);
            // Bounded: every successful read consumes input.
            for _ in 0..500 {
                match conn.read_request() {
                    Ok(Some(_)) => continue,
                    Ok(None) | Err(ReadError::Abort) => break,
                    Err(ReadError::Reject(status, _)) => {
                        assert!((400..=505).contains(&status));
                        break;
                    }
                }
            }
        }
        // Mutations of a valid chunked request hit the deeper paths.
        let valid = b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Type: a\r\n\r\n4\r\nabcd\r\n0\r\n\r\n";
        for _ in 0..3000 {
            let mut input = valid.to_vec();
            for _ in 0..rng.random_range(1..4) {
                let i = rng.random_range(0..input.len());
                input[i] = alphabet[rng.random_range(0..alphabet.len())];
            }
            let _ = memory(&input).read_request();
        }
    }

    #[test]
    fn path_forms() {
        assert_eq!(path_of("/a/b?x#y"), "/a/b");
        assert_eq!(path_of("http://h:1/p?q"), "/p");
        assert_eq!(path_of("HTTPS://h"), "/");
        assert_eq!(path_of("*"), "*");
    }

    #[test]
    fn date_is_imf_fixdate() {
        use chrono::TimeZone;
        let t = chrono::Utc
            .with_ymd_and_hms(1994, 11, 6, 8, 49, 37)
            .unwrap();
        assert_eq!(http_date(t), "Sun, 06 Nov 1994 08:49:37 GMT");
    }

    #[test]
    fn keep_alive_over_tcp_with_standard_headers() {
        let server = echo_server(Limits::default());
        let mut c = RawClient::connect(server.local_addr());
        let a = c.request(b"POST /one HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
        assert_eq!(a.status, 200);
        assert_eq!(a.json()["body"], "hello");
        assert_eq!(a.header("content-type"), Some(CONTENT_TYPE));
        assert_eq!(
            a.header("content-length").unwrap(),
            a.body.len().to_string()
        );
        let date = a.header("date").unwrap();
        assert!(chrono::DateTime::parse_from_rfc2822(date).is_ok(), "{date}");
        assert!(date.ends_with(" GMT"));
        let b = c.request(b"GET /two HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(b.json()["path"], "/two");
        c.send(b"HEAD /three HTTP/1.1\r\nConnection: close\r\n\r\n");
        let h = c.read_answer_to(true).unwrap();
        assert_eq!(h.status, 200);
        assert!(h.body.is_empty());
        assert_eq!(h.header("connection"), Some("close"));
        assert!(c.closed());
    }

    #[test]
    fn the_last_request_of_a_connection_is_answered_with_close() {
        let server = echo_server(Limits {
            max_requests_per_connection: 2,
            ..Limits::default()
        });
        let mut c = RawClient::connect(server.local_addr());
        let a = c.request(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_ne!(a.header("connection"), Some("close"));
        let b = c.request(b"GET /b HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(b.header("connection"), Some("close"));
        assert!(c.closed());
    }

    #[test]
    fn http10_closes_unless_keep_alive() {
        let server = echo_server(Limits::default());
        let mut c = RawClient::connect(server.local_addr());
        let a = c.request(b"GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        assert_eq!(a.header("connection"), Some("keep-alive"));
        let b = c.request(b"GET /b HTTP/1.0\r\n\r\n");
        assert_eq!(b.header("connection"), Some("close"));
        assert!(c.closed());
    }

    #[test]
    fn chunked_and_expect_over_tcp() {
        let server = echo_server(Limits::default());
        let mut c = RawClient::connect(server.local_addr());
        c.send(b"POST /c HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
        let mut interim = [0u8; 25];
        c.stream.read_exact(&mut interim).unwrap();
        assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
        c.send(b"abc");
        assert_eq!(c.read_answer().unwrap().json()["body"], "abc");
        let a = c
            .request(b"POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n");
        assert_eq!(a.json()["body"], "hi");
    }

    #[test]
    fn garbage_and_oversize_over_tcp_then_server_still_works() {
        let server = echo_server(Limits::default());
        let addr = server.local_addr();
        let mut rng = rand::rng();
        for _ in 0..20 {
            let mut c = RawClient::connect(addr);
            let mut junk: Vec<u8> = (0..rng.random_range(1..2000))
                .map(|_| rng.random::<u8>())
                .collect();
            junk.extend_from_slice(b"\r\n\r\n");
            c.send(&junk);
            if let Some(a) = c.read_answer() {
                assert!(a.status >= 400, "{}", a.status);
                assert!(a.json()["error"].is_string());
            }
        }
        let mut c = RawClient::connect(addr);
        let mut big = b"GET / HTTP/1.1\r\nX: ".to_vec();
        big.extend(std::iter::repeat_n(b'a', 100 * 1024));
        big.extend_from_slice(b"\r\n\r\n");
        // The server may answer before reading it all; a write error is fine.
        let _ = c.stream.write_all(&big);
        assert_eq!(c.read_answer().map(|a| a.status), Some(400));

        let mut c = RawClient::connect(addr);
        let mut body = b"POST / HTTP/1.1\r\nContent-Length: 2097152\r\n\r\n".to_vec();
        body.extend(std::iter::repeat_n(b'x', 2 * 1024 * 1024));
        let _ = c.stream.write_all(&body);
        assert_eq!(c.read_answer().map(|a| a.status), Some(413));

        let mut c = RawClient::connect(addr);
        assert_eq!(c.request(b"GET /ok HTTP/1.1\r\n\r\n").status, 200);
    }

    #[test]
    fn a_tls_client_hello_to_the_plain_server_is_answered_at_once() {
        let server = echo_server(Limits::default());
        let mut c = RawClient::connect(server.local_addr());
        let start = Instant::now();
        c.send(&[22, 3, 1, 0, 200, 1, 0, 0, 196, 3, 3]);
        assert_eq!(c.read_answer().map(|a| a.status), Some(400));
        assert!(start.elapsed() < Duration::from_secs(2));
        assert!(c.closed());
    }

    #[test]
    fn handler_panic_gives_500_and_server_survives() {
        let server = echo_server(Limits::default());
        let mut c = RawClient::connect(server.local_addr());
        assert_eq!(c.request(b"GET /panic HTTP/1.1\r\n\r\n").status, 500);
        let mut c = RawClient::connect(server.local_addr());
        assert_eq!(c.request(b"GET /fine HTTP/1.1\r\n\r\n").status, 200);
    }

    #[test]
    fn connection_limit_answers_503() {
        let limits = Limits {
            max_connections: 2,
            ..Limits::default()
        };
        let server = echo_server(limits);
        let addr = server.local_addr();
        let mut held: Vec<RawClient> = (0..2).map(|_| RawClient::connect(addr)).collect();
        // Make sure both are being served before the third arrives.
        for c in &mut held {
            assert_eq!(c.request(b"GET / HTTP/1.1\r\n\r\n").status, 200);
        }
        let mut third = RawClient::connect(addr);
        let a = third.read_answer().expect("a 503");
        assert_eq!(a.status, 503);
        drop(held);
        // Slots free up once the server sees the close; bounded retries.
        let mut ok = false;
        for _ in 0..100 {
            let mut c = RawClient::connect(addr);
            c.send(b"GET / HTTP/1.1\r\n\r\n");
            if c.read_answer().is_some_and(|a| a.status == 200) {
                ok = true;
                break;
            }
            thread::sleep(Duration::from_millis(20));
        }
        assert!(ok, "slots were not released");
    }

    #[test]
    fn idle_connections_are_closed() {
        let limits = Limits {
            idle_timeout: Duration::from_millis(200),
            ..Limits::default()
        };
        let server = echo_server(limits);
        let mut c = RawClient::connect(server.local_addr());
        assert_eq!(c.request(b"GET / HTTP/1.1\r\n\r\n").status, 200);
        let start = Instant::now();
        assert!(c.closed());
        assert!(start.elapsed() < Duration::from_secs(5));
        // Half a request then silence: 408.
        let mut c = RawClient::connect(server.local_addr());
        c.send(b"GET / HT");
        assert_eq!(c.read_answer().map(|a| a.status), Some(408));
    }

    #[test]
    fn shutdown_stops_accepting_and_answers_open_connections_503() {
        let server = echo_server(Limits::default());
        let addr = server.local_addr();
        let mut c = RawClient::connect(addr);
        assert_eq!(c.request(b"GET / HTTP/1.1\r\n\r\n").status, 200);
        let start = Instant::now();
        server.shutdown();
        assert!(start.elapsed() < Duration::from_secs(4));
        let a = c.request(b"GET / HTTP/1.1\r\n\r\n");
        assert_eq!(a.status, 503);
        assert!(c.closed());
        assert!(TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err());
    }

    #[test]
    fn stop_server_response_is_delivered_then_ends_wait() {
        let server = echo_server(Limits::default());
        let addr = server.local_addr();
        let stopper = thread::spawn(move || {
            let mut c = RawClient::connect(addr);
            let a = c.request(b"POST /stop HTTP/1.1\r\n\r\n");
            assert_eq!(a.status, 200);
            assert_eq!(a.header("connection"), Some("close"));
            assert!(c.closed());
        });
        server.wait();
        stopper.join().unwrap();
        assert!(TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err());
    }
    // ------------------------------------------------------------- HTTPS

    /// A directory of its own under the system's temporary one, removed
    /// when dropped.
    struct TempDir(std::path::PathBuf);

    impl TempDir {
        fn new() -> TempDir {
            static N: AtomicUsize = AtomicUsize::new(0);
            let dir = std::env::temp_dir().join(format!(
                "voicecb-http-tls-{}-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::SeqCst),
                chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0)
            ));
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    type TlsClientStream = StreamOwned<rustls::ClientConnection, TcpStream>;

    /// An HTTPS echo server with a certificate for `host` (expired if
    /// asked), and a client configuration that trusts its CA.
    struct TlsFixture {
        server: Server,
        client: Arc<rustls::ClientConfig>,
        _dir: TempDir,
    }

    fn tls_echo_server(limits: Limits, host: &str, expired: bool) -> TlsFixture {
        let dir = TempDir::new();
        let settings = crate::tls::Settings {
            dir: dir.0.join("tls"),
            host: host.to_owned(),
            expired,
        };
        let config = crate::tls::server_config(&settings).expect("TLS config");
        let server = Server::start_tls(
            "127.0.0.1:0".parse().unwrap(),
            limits,
            echo_handler(),
            Some(config),
        )
        .expect("start");
        let client = client_config(&settings.ca_path());
        TlsFixture {
            server,
            client,
            _dir: dir,
        }
    }

    fn client_config(ca: &std::path::Path) -> Arc<rustls::ClientConfig> {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject;
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_file_iter(ca).expect("ca.pem") {
            roots.add(cert.expect("a PEM certificate")).unwrap();
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        Arc::new(
            rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_root_certificates(roots)
                .with_no_client_auth(),
        )
    }

    /// A client whose handshake starts with its first write.
    fn tls_connect(
        addr: SocketAddr,
        config: &Arc<rustls::ClientConfig>,
        name: &str,
    ) -> RawClient<TlsClientStream> {
        let name = rustls::pki_types::ServerName::try_from(name.to_owned()).unwrap();
        let conn = rustls::ClientConnection::new(config.clone(), name).unwrap();
        let tcp = RawClient::connect(addr).stream;
        RawClient::over(StreamOwned::new(conn, tcp))
    }

    /// The rustls error a failed client handshake ended with.
    fn handshake_error(c: &mut RawClient<TlsClientStream>) -> rustls::Error {
        let e = c
            .stream
            .write_all(b"GET / HTTP/1.1\r\n\r\n")
            .and_then(|()| c.stream.flush())
            .expect_err("the handshake should fail");
        assert_eq!(e.kind(), io::ErrorKind::InvalidData, "{e}");
        e.get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            .unwrap_or_else(|| panic!("not a rustls error: {e}"))
            .clone()
    }

    #[test]
    fn https_keep_alive_pipelining_and_close() {
        let fx = tls_echo_server(Limits::default(), "localhost", false);
        let addr = fx.server.local_addr();
        for name in ["localhost", "127.0.0.1", "::1"] {
            let mut c = tls_connect(addr, &fx.client, name);
            let a = c.request(b"POST /one HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
            assert_eq!((a.status, a.json()["body"].as_str()), (200, Some("hello")));
            assert_eq!(a.header("content-type"), Some(CONTENT_TYPE));
            c.send(b"GET /two HTTP/1.1\r\n\r\nGET /three HTTP/1.1\r\nConnection: close\r\n\r\n");
            assert_eq!(c.read_answer().unwrap().json()["path"], "/two");
            let last = c.read_answer().unwrap();
            assert_eq!(last.json()["path"], "/three");
            assert_eq!(last.header("connection"), Some("close"));
            // The server says close_notify: a clean end, seen as EOF.
            let mut rest = Vec::new();
            assert_eq!(c.stream.read_to_end(&mut rest).unwrap(), 0, "{name}");
        }
        // The ALPN the server offers is the one protocol it speaks.
        let mut c = tls_connect(addr, &fx.client, "localhost");
        assert_eq!(c.request(b"GET / HTTP/1.1\r\n\r\n").status, 200);
        assert_eq!(c.stream.conn.alpn_protocol(), None, "client offered none");
    }

    #[test]
    fn https_certificate_failures_as_the_client_sees_them() {
        use rustls::CertificateError as C;
        let good = tls_echo_server(Limits::default(), "localhost", false);
        let other = tls_echo_server(Limits::default(), "other.example", false);
        let expired = tls_echo_server(Limits::default(), "localhost", true);
        let addr = good.server.local_addr();

        // Trusting another sandbox's CA is trusting none of this one's.
        let mut c = tls_connect(addr, &other.client, "localhost");
        assert_eq!(
            handshake_error(&mut c),
            rustls::Error::InvalidCertificate(C::UnknownIssuer)
        );
        // A name the certificate does not cover.
        let mut c = tls_connect(other.server.local_addr(), &other.client, "localhost");
        assert!(
            matches!(
                handshake_error(&mut c),
                rustls::Error::InvalidCertificate(C::NotValidForNameContext { .. })
            ),
            "wrong name"
        );
        let mut c = tls_connect(other.server.local_addr(), &other.client, "127.0.0.1");
        assert!(matches!(
            handshake_error(&mut c),
            rustls::Error::InvalidCertificate(C::NotValidForNameContext { .. })
        ));
        // ...and the name it does.
        let mut c = tls_connect(other.server.local_addr(), &other.client, "other.example");
        assert_eq!(c.request(b"GET / HTTP/1.1\r\n\r\n").status, 200);
        // Expired.
        let mut c = tls_connect(expired.server.local_addr(), &expired.client, "localhost");
        assert!(matches!(
            handshake_error(&mut c),
            rustls::Error::InvalidCertificate(C::ExpiredContext { .. })
        ));
        // Failed handshakes leave the servers serving.
        for (fx, name) in [(&good, "localhost"), (&other, "other.example")] {
            let mut c = tls_connect(fx.server.local_addr(), &fx.client, name);
            assert_eq!(c.request(b"GET / HTTP/1.1\r\n\r\n").status, 200);
        }
    }

    #[test]
    fn plain_http_on_the_https_port_gets_an_alert_then_a_clean_close() {
        let fx = tls_echo_server(Limits::default(), "localhost", false);
        let mut c = RawClient::connect(fx.server.local_addr());
        c.send(b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello");
        let mut got = Vec::new();
        // EOF, not a reset: the server drained the request before closing.
        c.stream.read_to_end(&mut got).expect("a clean close");
        // One TLS record: alert (21), a TLS version, length 2, fatal (2),
        // decode_error (50).
        assert_eq!(got.len(), 7, "{got:?}");
        assert_eq!((got[0], got[1], &got[3..]), (21, 3, &[0, 2, 2, 50][..]));
        // And the server still serves HTTPS.
        let mut c = tls_connect(fx.server.local_addr(), &fx.client, "localhost");
        assert_eq!(c.request(b"GET / HTTP/1.1\r\n\r\n").status, 200);
    }

    #[test]
    fn a_stalled_handshake_holds_neither_the_accept_loop_nor_its_slot_for_long() {
        let limits = Limits {
            handshake_timeout: Duration::from_secs(3),
            ..Limits::default()
        };
        let fx = tls_echo_server(limits, "localhost", false);
        let addr = fx.server.local_addr();
        // Connected, and silent; another one sends half a ClientHello.
        let mut silent = RawClient::connect(addr);
        let mut half = RawClient::connect(addr);
        half.send(&[22, 3, 1, 0, 200, 1, 0]);
        let start = Instant::now();
        let mut c = tls_connect(addr, &fx.client, "localhost");
        assert_eq!(c.request(b"GET / HTTP/1.1\r\n\r\n").status, 200);
        // Had either stalled connection held the accept loop, this would
        // have waited for its handshake time (3 s) first.
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
        // Both are closed once their handshake time is up, well before the
        // clients' own 10 s read timeout.
        assert!(silent.closed());
        assert!(half.closed());
        assert!(start.elapsed() < Duration::from_secs(8));
    }

    #[test]
    fn busy_https_connections_get_503_over_tls() {
        let limits = Limits {
            max_connections: 1,
            ..Limits::default()
        };
        let fx = tls_echo_server(limits, "localhost", false);
        let addr = fx.server.local_addr();
        let mut held = tls_connect(addr, &fx.client, "localhost");
        assert_eq!(held.request(b"GET / HTTP/1.1\r\n\r\n").status, 200);
        let mut second = tls_connect(addr, &fx.client, "localhost");
        assert_eq!(second.request(b"GET / HTTP/1.1\r\n\r\n").status, 503);
    }
}
