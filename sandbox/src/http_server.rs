//! The sandbox's HTTP server: hyper's HTTP/1.1 (keep-alive, pipelining,
//! chunked bodies, `Expect: 100-continue`) on a tokio runtime of its own,
//! behind a synchronous [`Handler`], with hard limits on every size,
//! duration and count so that no client can hang or exhaust it.
//!
//! It serves plain HTTP, or HTTPS on the same terms when started with a
//! rustls `ServerConfig` ([`Server::start_tls`]): the TLS handshake
//! (tokio-rustls) runs in the connection's own task under
//! [`Limits::handshake_timeout`], so a client that stalls it holds one
//! connection slot, never the accept loop, and a handshake that fails just
//! closes the connection (after the TLS alert, if rustls has one to send).
//!
//! Responses of the handler are JSON (`application/json;charset=UTF-8`)
//! because the platform answers JSON, except the few the handler marks
//! otherwise (the recording URL's bodiless 301, a recording's WAV bytes);
//! the server's own refusals
//! (body too large or too slow, too many connections, shutting down) carry
//! a small `{"error": "..."}` body. Malformed heads are refused by hyper
//! itself (400, or 431 for a head over the limit).

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::task::{Context, Poll};
use std::thread;
use std::time::Duration;

use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::StatusCode;
use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use rustls::ServerConfig;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::time::{Sleep, sleep, timeout};
use tokio_rustls::TlsAcceptor;

/// The only content type this server ever answers with.
pub const CONTENT_TYPE: &str = "application/json;charset=UTF-8";

/// Sizes, durations and counts the server enforces.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Request line plus headers, terminator included.
    pub max_head: usize,
    /// Decoded request body.
    pub max_body: usize,
    /// Number of header fields.
    pub max_headers: usize,
    /// How long a connection may wait for the whole head of its next
    /// request, idle time between requests included.
    pub idle_timeout: Duration,
    /// How long the body of a request may take to arrive once its head
    /// came, so that a client trickling bytes cannot hold a slot forever.
    pub request_timeout: Duration,
    /// How long writing a response may block.
    pub write_timeout: Duration,
    /// Connections served at once; the requests of more are answered 503
    /// and their connections closed.
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

/// One request, body read whole.
#[derive(Debug, Clone)]
pub struct Request {
    /// The method, case preserved (methods are case-sensitive).
    pub method: String,
    /// The path of the request target: no scheme, authority or query.
    pub path: String,
    /// The query of the request target as sent (still percent-encoded),
    /// without the `?`; `None` when the target has none.
    pub query: Option<String>,
    /// Header fields in arrival order (names lower-cased by hyper).
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
}

/// A response to send: JSON unless the handler says otherwise.
#[derive(Debug, Clone)]
pub struct Response {
    /// HTTP status code (200-599).
    pub status: u16,
    /// Body bytes, sent verbatim.
    pub body: Vec<u8>,
    /// The `Content-Type`; `None` sends none (a redirect without a body).
    pub content_type: Option<&'static str>,
    /// More header fields (e.g. `location`). Names are the handler's own
    /// constants, lower case; a value that is not a valid header value is
    /// left out.
    pub headers: Vec<(&'static str, String)>,
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
            content_type: Some(CONTENT_TYPE),
            headers: Vec::new(),
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
            content_type: Some(CONTENT_TYPE),
            headers: Vec::new(),
            close: true,
            stop_server: false,
        }
    }
}

/// What the server calls for every well-formed request. It runs on a
/// blocking thread of the server's runtime, so it may take locks.
pub type Handler = dyn Fn(&Request) -> Response + Send + Sync + 'static;

/// How long `shutdown` waits for the accept loop to end.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(3);
/// Connections being turned away with 503 at once; beyond, they are dropped.
const MAX_REJECTING: usize = 32;
/// How long a connection turned away may take to get its 503.
const REJECT_WAIT: Duration = Duration::from_secs(1);
/// Worker threads of a server's runtime (handlers run on its blocking pool).
const WORKERS: usize = 2;

/// What the accept loop and every connection share.
struct Serving {
    limits: Limits,
    handler: Arc<Handler>,
    tls: Option<TlsAcceptor>,
    /// `true` once the server is stopping.
    stop: watch::Sender<bool>,
    active: AtomicUsize,
    rejecting: AtomicUsize,
    /// Notified whenever a connection ends.
    ended: Notify,
}

impl Serving {
    /// Stops accepting connections. Idempotent.
    fn stop(&self) {
        self.stop.send_replace(true);
    }

    fn is_stopped(&self) -> bool {
        *self.stop.borrow()
    }
}

/// A running server. Dropping it stops it like [`Server::shutdown`].
pub struct Server {
    addr: SocketAddr,
    serving: Arc<Serving>,
    /// Disconnected once the accept loop has ended: lets `wait` and
    /// `shutdown` wait for it (with a bound for the latter) while the
    /// connections still open finish on their own.
    finished: Option<mpsc::Receiver<()>>,
}

impl Server {
    /// Binds `listen` and serves `handler` over plain HTTP on a background
    /// runtime.
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
        let listener = std::net::TcpListener::bind(listen)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(WORKERS)
            .thread_name(format!("http-{}", addr.port()))
            .enable_all()
            .build()?;
        let listener = {
            let _guard = runtime.enter();
            TcpListener::from_std(listener)?
        };
        let serving = Arc::new(Serving {
            limits,
            handler,
            tls: tls.map(TlsAcceptor::from),
            stop: watch::Sender::new(false),
            active: AtomicUsize::new(0),
            rejecting: AtomicUsize::new(0),
            ended: Notify::new(),
        });
        let (done_tx, done_rx) = mpsc::channel::<()>();
        let thread_serving = serving.clone();
        thread::Builder::new()
            .name(format!("http-accept-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(accept_loop(listener, thread_serving.clone()));
                drop(done_tx);
                // Connections still open are answered 503 at their next
                // request or closed at their idle timeout; the runtime
                // lives until they are, within the longest a request may
                // take, then goes with whatever is left.
                let limits = thread_serving.limits;
                let longest = limits.idle_timeout + limits.request_timeout + limits.write_timeout;
                runtime.block_on(async {
                    let _ = timeout(longest, drained(&thread_serving)).await;
                });
                runtime.shutdown_background();
            })?;
        Ok(Server {
            addr,
            serving,
            finished: Some(done_rx),
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Blocks until a response with `stop_server` stops the server.
    pub fn wait(mut self) {
        if let Some(finished) = self.finished.take() {
            let _ = finished.recv();
        }
    }

    /// Stops accepting and waits (bounded) for the accept loop to end. Open
    /// connections finish on their own: at their next request (answered
    /// 503) or at their idle timeout.
    pub fn shutdown(self) {
        drop(self);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.serving.stop();
        if let Some(finished) = self.finished.take() {
            // Otherwise the loop is left to end on its own rather than
            // hanging the caller.
            let _ = finished.recv_timeout(SHUTDOWN_WAIT);
        }
    }
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("addr", &self.addr).finish()
    }
}

/// Resolves once no connection is open any more.
async fn drained(serving: &Serving) {
    loop {
        let ended = serving.ended.notified();
        tokio::pin!(ended);
        // Registered before the counts are read, so that no end is missed.
        ended.as_mut().enable();
        if serving.active.load(Ordering::SeqCst) == 0
            && serving.rejecting.load(Ordering::SeqCst) == 0
        {
            return;
        }
        ended.await;
    }
}

/// A connection's place in one of the two counts, given back when the
/// connection's task ends (or is dropped with the runtime).
struct Slot {
    serving: Arc<Serving>,
    rejecting: bool,
}

impl Slot {
    fn count(&self) -> &AtomicUsize {
        if self.rejecting {
            &self.serving.rejecting
        } else {
            &self.serving.active
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.count().fetch_sub(1, Ordering::SeqCst);
        self.serving.ended.notify_waiters();
    }
}

async fn accept_loop(listener: TcpListener, serving: Arc<Serving>) {
    let mut stop = serving.stop.subscribe();
    let mut backoff = Duration::from_millis(1);
    while !*stop.borrow_and_update() {
        let accepted = tokio::select! {
            changed = stop.changed() => match changed {
                Ok(()) => continue,
                Err(_) => break,
            },
            accepted = listener.accept() => accepted,
        };
        let tcp = match accepted {
            Ok((tcp, _)) => {
                backoff = Duration::from_millis(1);
                tcp
            }
            Err(_) => {
                // Typically EMFILE or a connection reset before accept; back
                // off so a persistent error does not spin a core.
                sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_millis(100));
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        let limit = serving.limits.max_connections;
        if serving.active.fetch_add(1, Ordering::SeqCst) >= limit {
            serving.active.fetch_sub(1, Ordering::SeqCst);
            if serving.rejecting.fetch_add(1, Ordering::SeqCst) >= MAX_REJECTING {
                serving.rejecting.fetch_sub(1, Ordering::SeqCst);
                continue;
            }
            let slot = Slot {
                serving: serving.clone(),
                rejecting: true,
            };
            // Bounded in time, so that a slow client cannot keep a
            // rejecting place; the count above bounds how many there are.
            tokio::spawn(async move {
                let _ = timeout(REJECT_WAIT, connection(tcp, slot, true)).await;
            });
            continue;
        }
        let slot = Slot {
            serving: serving.clone(),
            rejecting: false,
        };
        tokio::spawn(connection(tcp, slot, false));
    }
    // The listener is dropped here: the port no longer accepts.
}

/// Serves one connection: the TLS handshake if any, then HTTP/1.1; every
/// request of a `busy` one is answered 503.
async fn connection(tcp: TcpStream, slot: Slot, busy: bool) {
    let serving = slot.serving.clone();
    match &serving.tls {
        None => serve_http(tcp, &serving, busy).await,
        Some(acceptor) => {
            let wait = if busy {
                REJECT_WAIT
            } else {
                serving.limits.handshake_timeout
            };
            // A failed handshake has had its alert sent by tokio-rustls; a
            // timed-out one is just closed.
            if let Ok(Ok(tls)) = timeout(wait, acceptor.accept(tcp)).await {
                serve_http(tls, &serving, busy).await;
            }
        }
    }
    drop(slot);
}

async fn serve_http<I>(io: I, serving: &Arc<Serving>, busy: bool)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let limits = serving.limits;
    let served = Arc::new(AtomicUsize::new(0));
    let stop_after = Arc::new(AtomicBool::new(false));
    let service = {
        let serving = serving.clone();
        let stop_after = stop_after.clone();
        service_fn(move |req| {
            let serving = serving.clone();
            let stop_after = stop_after.clone();
            let nth = served.fetch_add(1, Ordering::SeqCst) + 1;
            async move {
                let resp = if busy {
                    Response::error(503, "too many connections")
                } else {
                    answer(req, &serving).await
                };
                if resp.stop_server {
                    stop_after.store(true, Ordering::SeqCst);
                }
                // The last request a connection may carry says so, so that
                // the client does not send another into a closing socket.
                let close = busy
                    || resp.close
                    || resp.stop_server
                    || serving.is_stopped()
                    || nth >= limits.max_requests_per_connection;
                Ok::<_, Infallible>(to_hyper(resp, close))
            }
        })
    };
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.idle_timeout)
        .max_header_size(limits.max_head)
        .max_headers(limits.max_headers)
        .keep_alive(true);
    let io = TokioIo::new(WriteTimeout::new(io, limits.write_timeout));
    let _ = builder.serve_connection(io, service).await;
    // The response that asked for it has been written and the connection
    // closed: only now does the server stop.
    if stop_after.load(Ordering::SeqCst) {
        serving.stop();
    }
}

/// Reads the body (bounded in size and time) and runs the handler.
async fn answer(req: hyper::Request<Incoming>, serving: &Arc<Serving>) -> Response {
    let limits = serving.limits;
    let (parts, body) = req.into_parts();
    let body = match timeout(
        limits.request_timeout,
        Limited::new(body, limits.max_body).collect(),
    )
    .await
    {
        Ok(Ok(collected)) => collected.to_bytes().to_vec(),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => {
            return Response::error(413, "request body too large");
        }
        Ok(Err(_)) => return Response::error(400, "malformed request body"),
        Err(_) => return Response::error(408, "request body not received in time"),
    };
    if serving.is_stopped() {
        return Response::error(503, "server is shutting down");
    }
    let request = Request {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                (name.as_str().to_owned(), value)
            })
            .collect(),
        body,
    };
    let handler = serving.handler.clone();
    // A panicking handler must not take the connection or the server down
    // with it: the blocking task's panic comes back as an error.
    tokio::task::spawn_blocking(move || handler(&request))
        .await
        .unwrap_or_else(|_| Response::error(500, "internal error"))
}

fn to_hyper(resp: Response, close: bool) -> hyper::Response<Full<Bytes>> {
    let mut out = hyper::Response::new(Full::new(Bytes::from(resp.body)));
    *out.status_mut() =
        StatusCode::from_u16(resp.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = out.headers_mut();
    if let Some(content_type) = resp.content_type {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    for (name, value) in resp.headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    headers.insert(header::SERVER, HeaderValue::from_static("voicecb-sandbox"));
    if close {
        headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    out
}

/// A connection whose writes fail with `TimedOut` once one has been
/// blocked for `limit`, so that a client that stops reading cannot hold
/// its slot (hyper has no write timeout of its own).
struct WriteTimeout<I> {
    io: I,
    limit: Duration,
    blocked: Option<Pin<Box<Sleep>>>,
}

impl<I> WriteTimeout<I> {
    fn new(io: I, limit: Duration) -> Self {
        WriteTimeout {
            io,
            limit,
            blocked: None,
        }
    }

    /// Maps a write's poll: ready clears the clock, pending starts it (if
    /// not running) and turns into an error once it has run out.
    fn watch<T>(&mut self, cx: &mut Context<'_>, poll: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        if poll.is_ready() {
            self.blocked = None;
            return poll;
        }
        let limit = self.limit;
        let blocked = self.blocked.get_or_insert_with(|| Box::pin(sleep(limit)));
        match blocked.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "write blocked for too long",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<I: AsyncRead + Unpin> AsyncRead for WriteTimeout<I> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for WriteTimeout<I> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.io).poll_write(cx, buf);
        self.watch(cx, poll)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.io).poll_flush(cx);
        self.watch(cx, poll)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.io).poll_shutdown(cx);
        self.watch(cx, poll)
    }
}

/// Shared test helpers: a raw client that reads one response at a time.
#[cfg(test)]
pub(crate) mod test_client {
    use std::io::{self, Read, Write};
    use std::net::{SocketAddr, TcpStream};
    use std::time::Duration;

    /// The first value of header `name` in `headers`, case-insensitively.
    fn header_of<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

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
    use rustls::StreamOwned;
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::thread;
    use std::time::Instant;

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
    fn pipelined_requests_paths_and_bodies_are_kept_apart() {
        let server = echo_server(Limits::default());
        let mut c = RawClient::connect(server.local_addr());
        c.send(
            b"POST /a?q=1 HTTP/1.1\r\nContent-Length: 3\r\nX-Test: one\r\n\r\nabc\
              GET http://example.com/b/c?x HTTP/1.1\r\nHost: example.com\r\n\r\n\
              POST /d HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n",
        );
        let a = c.read_answer().unwrap().json();
        assert_eq!(
            (&a["path"], &a["body"], &a["x"]),
            (&"/a".into(), &"abc".into(), &"one".into())
        );
        let b = c.read_answer().unwrap().json();
        assert_eq!((&b["method"], &b["path"]), (&"GET".into(), &"/b/c".into()));
        assert_eq!(c.read_answer().unwrap().json()["body"], "z");
    }

    #[test]
    fn malformed_requests_are_refused_and_closed() {
        let server = echo_server(Limits {
            max_headers: 4,
            ..Limits::default()
        });
        let cases: [&[u8]; 5] = [
            b"GET / HTTP/1.1\r\nBad Header: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
            b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\n\r\n",
        ];
        for case in cases {
            let mut c = RawClient::connect(server.local_addr());
            c.send(case);
            let status = c.read_answer().map(|a| a.status);
            assert!(
                matches!(status, Some(400..=499) | None),
                "{status:?} for {}",
                String::from_utf8_lossy(case)
            );
            assert!(c.closed(), "{}", String::from_utf8_lossy(case));
        }
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
        // HTTP/1.0 closes unless told otherwise, so no header is needed.
        let b = c.request(b"GET /b HTTP/1.0\r\n\r\n");
        assert_ne!(b.header("connection"), Some("keep-alive"));
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
            }
        }
        let mut c = RawClient::connect(addr);
        let mut big = b"GET / HTTP/1.1\r\nX: ".to_vec();
        big.extend(std::iter::repeat_n(b'a', 100 * 1024));
        big.extend_from_slice(b"\r\n\r\n");
        // The server may answer before reading it all; a write error is fine.
        let _ = c.stream.write_all(&big);
        assert_eq!(c.read_answer().map(|a| a.status), Some(431));

        let mut c = RawClient::connect(addr);
        let mut body = b"POST / HTTP/1.1\r\nContent-Length: 2097152\r\n\r\n".to_vec();
        body.extend(std::iter::repeat_n(b'x', 2 * 1024 * 1024));
        let _ = c.stream.write_all(&body);
        let a = c.read_answer().expect("an answer");
        assert_eq!(a.status, 413);
        assert_eq!(a.json()["error"], "request body too large");

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
        let a = third.request(b"GET / HTTP/1.1\r\n\r\n");
        assert_eq!(a.status, 503);
        assert_eq!(a.json()["error"], "too many connections");
        assert!(third.closed());
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
        // Half a request then silence: closed when the time is up.
        let mut c = RawClient::connect(server.local_addr());
        c.send(b"GET / HT");
        assert!(c.closed());
        assert!(start.elapsed() < Duration::from_secs(5));
        // Half a body then silence: 408 once the request's time is up.
        let server = echo_server(Limits {
            request_timeout: Duration::from_millis(200),
            ..Limits::default()
        });
        let mut c = RawClient::connect(server.local_addr());
        c.send(b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nhalf");
        let a = c.read_answer().expect("an answer");
        assert_eq!(a.status, 408);
        assert_eq!(a.header("connection"), Some("close"));
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
