//! Tables 2 and 3: sequential click2Call round trips on one client, and
//! 1, 2, 4 threads sharing one client; against a raw client that writes
//! byte-identical pre-signed requests on kept-alive sockets, and against
//! replicas of the library's ureq agent with and without ureq's
//! DefaultResolver (which spawns a thread per request).

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use ureq::Agent;
use ureq::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use ureq::http::{Method, Request, Uri};
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

use crate::util::{Env, Nonces, Record, median, proc_cpu, request, self_cpu};

/// What one thread of a measurement does: `calls` calls, returning the
/// number that failed.
pub type Worker = Box<dyn FnMut(u64) -> u64 + Send>;

pub fn run(variant: &str, calls: u64, warmup: u64, threads: usize, chunk: u64) {
    let env = Env::get();
    let workers = make_workers(&env, variant, threads, calls + warmup);
    report(&env, variant, workers, calls, warmup, threads, chunk);
}

/// `threads` workers of `variant` for about `total` calls in all; they
/// share one client (the raw client: a socket each).
pub fn make_workers(env: &Env, variant: &str, threads: usize, total: u64) -> Vec<Worker> {
    let mut workers: Vec<Worker> = Vec::new();
    match variant {
        "lib" | "lib-localhost" | "lib-again" | "lib-events-noop" | "lib-events-line" => {
            let base = if variant == "lib-localhost" {
                env.base_url.replace("127.0.0.1", "localhost")
            } else {
                env.base_url.clone()
            };
            let builder = voicecb::Client::builder(&env.app_key, &env.app_secret).base_url(base);
            // Events (issue 15): "lib-again" is a second client with events
            // off, the noise floor of the comparison; "-noop" turns them on
            // with a callback that does nothing; "-line" formats each event's
            // log line, as a logger would.
            let builder = match variant {
                "lib-events-noop" => builder.on_event(|e| {
                    std::hint::black_box(e);
                }),
                "lib-events-line" => builder.on_event(|e| {
                    std::hint::black_box(e.to_string());
                }),
                _ => builder,
            };
            let client = Arc::new(builder.build().expect("client"));
            for _ in 0..threads {
                let client = client.clone();
                let req = request();
                workers.push(Box::new(move |n| {
                    let mut errors = 0;
                    for _ in 0..n {
                        if let Err(e) = client.click2call(&req) {
                            errors += 1;
                            if errors <= 3 {
                                eprintln!("click2call: {e}");
                            }
                        }
                    }
                    errors
                }));
            }
        }
        "ureq" | "ureq-iplit" => {
            let (head, body) = capture(env);
            let agent = Arc::new(replica_agent(variant == "ureq-iplit", user_agent_of(&head)));
            let url: Uri = format!("{}/rest/httpsessions/click2Call/v2.0", env.base_url)
                .parse()
                .expect("the sandbox's base URL makes a URL");
            for _ in 0..threads {
                let (agent, url, body) = (agent.clone(), url.clone(), body.clone());
                let (key, secret) = (env.app_key.clone(), env.app_secret.clone());
                workers.push(Box::new(move |n| {
                    let mut errors = 0;
                    for _ in 0..n {
                        if replica_call(&agent, &url, &body, &key, &secret).is_err() {
                            errors += 1;
                        }
                    }
                    errors
                }));
            }
        }
        "raw" | "raw-split" | "raw-ureqlike" => {
            let mode = match variant {
                "raw" => RawMode::OneWrite,
                "raw-split" => RawMode::Split,
                _ => RawMode::UreqLike,
            };
            let (head, body) = capture(env);
            let addr: SocketAddr = env
                .authority()
                .parse()
                .expect("the raw client needs an IP literal base URL");
            for _ in 0..threads {
                let presigned = presign(
                    env,
                    &head,
                    &body,
                    (total / threads as u64 + 1).min(10_000) as usize,
                );
                let mut raw = RawClient::connect(addr);
                raw.mode = mode;
                raw.head_len = head.len();
                let mut next = 0;
                workers.push(Box::new(move |n| {
                    let mut errors = 0;
                    for _ in 0..n {
                        if !raw.call(&presigned[next % presigned.len()]) {
                            errors += 1;
                        }
                        next += 1;
                    }
                    errors
                }));
            }
        }
        "cabi" | "cabi-b" => {
            let lib = Arc::new(if variant == "cabi" {
                crate::cabi::Lib::open()
            } else {
                crate::cabi::Lib::open_b()
            });
            let client = Arc::new(lib.client(env));
            for _ in 0..threads {
                let (lib, client) = (lib.clone(), client.clone());
                let req = lib.request();
                workers.push(Box::new(move |n| {
                    let mut errors = 0;
                    for _ in 0..n {
                        if !lib.call(&client, &req) {
                            errors += 1;
                        }
                    }
                    errors
                }));
            }
        }
        other => panic!("unknown round-trip variant {other}"),
    }
    workers
}

fn report(
    env: &Env,
    variant: &str,
    workers: Vec<Worker>,
    calls: u64,
    warmup: u64,
    threads: usize,
    chunk: u64,
) {
    let Driven {
        errors,
        wall,
        median_per_call,
        p99,
        max,
        over_1ms,
        cpu,
        server,
    } = drive(workers, warmup, calls, chunk, env.sandbox_pid);
    let mut r = Record::new("roundtrip", variant);
    r.str("lang", "rust")
        .num("threads", threads as f64)
        .num("calls", calls as f64)
        .num("errors", errors as f64)
        .num("wall_s", wall)
        .num("us_per_call", median_per_call * 1e6)
        .num("us_per_call_mean", wall * 1e6 / calls as f64)
        .num("chunk", chunk as f64)
        .num("p99_us", p99 * 1e6)
        .num("max_us", max * 1e6)
        .num("chunks_over_1ms", over_1ms as f64)
        .num("calls_per_s", calls as f64 / wall)
        .num("client_cpu_us_per_call", cpu * 1e6 / calls as f64)
        .num("server_cpu_us_per_call", server * 1e6 / calls as f64)
        .print();
}

/// Runs each worker on its own thread: `warmup` calls in all (which also
/// open the connections), then, from a common start, `calls` calls in all,
/// timed in chunks of `chunk` calls. Returns the errors (warm-up
/// included), the wall time from the start to the last thread's end, the
/// median time per call over the chunks, and the CPU seconds of this
/// process and of the sandbox (NaN when its pid is unknown) over the
/// measured part.
pub fn drive(
    workers: Vec<Worker>,
    warmup: u64,
    calls: u64,
    chunk: u64,
    sandbox_pid: Option<u32>,
) -> Driven {
    let threads = workers.len() as u64;
    let barrier = Arc::new(Barrier::new(workers.len() + 1));
    let handles: Vec<_> = workers
        .into_iter()
        .map(|mut w| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let mut errors = w(warmup / threads);
                barrier.wait();
                let mut left = calls / threads;
                let mut chunks = Vec::new();
                while left > 0 {
                    let n = left.min(chunk);
                    let t = Instant::now();
                    errors += w(n);
                    chunks.push(t.elapsed().as_secs_f64() / n as f64);
                    left -= n;
                }
                (errors, Instant::now(), chunks)
            })
        })
        .collect();
    barrier.wait();
    let start = Instant::now();
    let cpu0 = self_cpu();
    let server0 = sandbox_pid.and_then(proc_cpu);
    let mut errors = 0;
    let mut end = start;
    let mut chunks = Vec::new();
    for h in handles {
        let (e, t, c) = h.join().expect("a worker panicked");
        errors += e;
        end = end.max(t);
        chunks.extend(c);
    }
    let cpu = self_cpu() - cpu0;
    let server = match (sandbox_pid.and_then(proc_cpu), server0) {
        (Some(b), Some(a)) => b - a,
        _ => f64::NAN,
    };
    let med = median(&mut chunks); // sorts
    let p99 = chunks
        .get(chunks.len() * 99 / 100)
        .copied()
        .unwrap_or(f64::NAN);
    let max = chunks.last().copied().unwrap_or(f64::NAN);
    let over_1ms = chunks.iter().filter(|&&c| c > 1e-3).count();
    Driven {
        errors,
        wall: (end - start).as_secs_f64(),
        median_per_call: med,
        p99,
        max,
        over_1ms,
        cpu,
        server,
    }
}

pub struct Driven {
    pub errors: u64,
    pub wall: f64,
    pub median_per_call: f64,
    /// The 99th percentile and the largest of the chunks' time per call,
    /// and how many chunks took over 1 ms per call (with --chunk 1: calls).
    pub p99: f64,
    pub max: f64,
    pub over_1ms: usize,
    pub cpu: f64,
    pub server: f64,
}

/// The library's request, as it leaves the client: a one-shot HTTP server
/// on 127.0.0.1 records it and answers like the platform. Returns the head
/// (with the sandbox's authority in place of the recorder's) and the body.
pub fn capture(env: &Env) -> (String, Vec<u8>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let local = listener.local_addr().unwrap().to_string();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = Vec::new();
        let (head_len, body_len) = read_message(&mut s, &mut buf).expect("a request");
        let body = br#"{"resultcode":"0","resultdesc":"Success","sessionId":"1_1_0_20261128090000@callenabler.home1.com"}"#;
        let answer = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json;charset=UTF-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        s.write_all(answer.as_bytes()).unwrap();
        s.write_all(body).unwrap();
        (
            String::from_utf8(buf[..head_len].to_vec()).unwrap(),
            buf[head_len..head_len + body_len].to_vec(),
        )
    });
    let client = voicecb::Client::builder(&env.app_key, &env.app_secret)
        .base_url(format!("http://{local}"))
        .build()
        .unwrap();
    client
        .click2call(&request())
        .expect("the recorder's answer");
    let (head, body) = server.join().unwrap();
    (head.replace(&local, &env.authority()), body)
}

fn user_agent_of(head: &str) -> String {
    head.lines()
        .find_map(|l| {
            l.split_once(':')
                .filter(|(n, _)| n.eq_ignore_ascii_case("user-agent"))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| voicecb::client::DEFAULT_USER_AGENT.to_owned())
}

/// `n` copies of the captured request, each signed with its own nonce and
/// the current time: byte for byte what the library would send.
fn presign(env: &Env, head: &str, body: &[u8], n: usize) -> Vec<Vec<u8>> {
    let mut nonces = Nonces::new();
    let created = crate::util::created_now();
    (0..n)
        .map(|_| {
            let nonce = nonces.next();
            let digest = crate::util::digest(&env.app_secret, &nonce, &created);
            let x_aksk = format!(
                "UsernameToken Username=\"{}\",PasswordDigest=\"{digest}\",Nonce=\"{nonce}\",Created=\"{created}\"",
                env.app_key
            );
            let mut out = Vec::with_capacity(head.len() + body.len());
            for line in head.split_inclusive("\r\n") {
                match line.split_once(':') {
                    Some((name, _)) if name.eq_ignore_ascii_case("x-aksk") => {
                        out.extend_from_slice(format!("{name}: {x_aksk}\r\n").as_bytes());
                    }
                    _ => out.extend_from_slice(line.as_bytes()),
                }
            }
            out.extend_from_slice(body);
            out
        })
        .collect()
}

/// Reads one HTTP message (head and Content-Length body) into `buf`,
/// which may already hold its start; returns the head's length (blank line
/// included) and the body's.
fn read_message(s: &mut TcpStream, buf: &mut Vec<u8>) -> Option<(usize, usize)> {
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = std::str::from_utf8(&buf[..end]).ok()?;
            let len = head
                .split("\r\n")
                .find_map(|l| {
                    l.split_once(':')
                        .filter(|(n, _)| n.trim().eq_ignore_ascii_case("content-length"))
                })
                .and_then(|(_, v)| v.trim().parse().ok())
                .unwrap_or(0);
            let head_len = end + 4;
            while buf.len() < head_len + len {
                let n = s.read(&mut chunk).ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Some((head_len, len));
        }
        let n = s.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// The floor: one kept-alive socket, one write of pre-signed bytes, one
/// read of the answer; no parsing beyond framing and the result code.
pub struct RawClient {
    addr: SocketAddr,
    stream: TcpStream,
    buf: Vec<u8>,
    pub mode: RawMode,
    pub head_len: usize,
}

/// How the raw client uses its socket.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum RawMode {
    /// One write per request, one read per answer: the floor.
    OneWrite,
    /// The head and the body in two writes ("raw-split").
    Split,
    /// The system calls ureq makes around each request on a pooled
    /// connection ("raw-ureqlike"): a liveness probe (non-blocking read)
    /// when the connection leaves the pool and when it returns, a send
    /// timeout before each of the two writes, a receive timeout before the
    /// read. Only the user-space work of ureq is missing.
    UreqLike,
}

impl RawClient {
    pub fn connect(addr: SocketAddr) -> RawClient {
        let stream = TcpStream::connect(addr).expect("connect to the sandbox");
        stream.set_nodelay(true).ok();
        RawClient {
            addr,
            stream,
            buf: Vec::with_capacity(4096),
            mode: RawMode::OneWrite,
            head_len: 0,
        }
    }

    /// A non-blocking read of one byte that finds nothing: how ureq checks
    /// that a pooled connection is still open.
    fn probe(&mut self) {
        let mut byte = [0u8; 1];
        let _ = self.stream.set_nonblocking(true);
        let _ = self.stream.read(&mut byte);
        let _ = self.stream.set_nonblocking(false);
    }

    /// Sends one request; true when the answer is 200 with resultcode "0".
    /// Reconnects once if the server closed the connection.
    pub fn call(&mut self, request: &[u8]) -> bool {
        for _ in 0..2 {
            self.buf.clear();
            let at = self.head_len.min(request.len());
            let written = match self.mode {
                RawMode::OneWrite => self.stream.write_all(request),
                RawMode::Split => self
                    .stream
                    .write_all(&request[..at])
                    .and_then(|()| self.stream.write_all(&request[at..])),
                RawMode::UreqLike => {
                    self.probe();
                    let t = Some(Duration::from_secs(15));
                    let s = &mut self.stream;
                    s.set_write_timeout(t)
                        .and_then(|()| s.write_all(&request[..at]))
                        .and_then(|()| s.set_write_timeout(t))
                        .and_then(|()| s.write_all(&request[at..]))
                        .and_then(|()| s.set_read_timeout(t))
                }
            };
            if written.is_ok()
                && let Some((head, len)) = read_message(&mut self.stream, &mut self.buf)
            {
                let ok = self.buf.starts_with(b"HTTP/1.1 200")
                    && self.buf[head..head + len]
                        .windows(16)
                        .any(|w| w == br#""resultcode":"0""#);
                if self.mode == RawMode::UreqLike {
                    self.probe();
                }
                return ok;
            }
            self.stream = TcpStream::connect(self.addr).expect("reconnect to the sandbox");
            self.stream.set_nodelay(true).ok();
        }
        false
    }
}

/// Resolves IP literals without a thread; names go to ureq's
/// DefaultResolver. The shape of the change proposed for the library.
#[derive(Debug, Default)]
pub struct IpLiteralResolver(DefaultResolver);

impl Resolver for IpLiteralResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        if let Some(authority) = uri.authority() {
            let host = authority
                .host()
                .trim_start_matches('[')
                .trim_end_matches(']');
            if let Ok(ip) = host.parse::<IpAddr>() {
                let port = authority
                    .port_u16()
                    .unwrap_or(if uri.scheme_str() == Some("https") {
                        443
                    } else {
                        80
                    });
                let mut addrs = self.empty();
                addrs.push(SocketAddr::new(ip, port));
                return Ok(addrs);
            }
        }
        self.0.resolve(uri, config, timeout)
    }
}

/// An agent configured as `Client::build` configures its own (src/client.rs).
pub fn replica_agent(ip_literal_resolver: bool, user_agent: String) -> Agent {
    replica_agent_with(ip_literal_resolver, user_agent, None)
}

/// [`replica_agent`] with other I/O buffer sizes than ureq's (128 KiB each).
pub fn replica_agent_with(
    ip_literal_resolver: bool,
    user_agent: String,
    buffers: Option<usize>,
) -> Agent {
    let mut config = Agent::config_builder()
        .http_status_as_error(false)
        .https_only(false)
        .max_redirects(0)
        .proxy(None)
        .user_agent(user_agent)
        .timeout_resolve(Some(Duration::from_secs(5)))
        .timeout_connect(Some(Duration::from_secs(5)))
        .timeout_global(Some(Duration::from_secs(15)))
        .max_idle_connections(64)
        .max_idle_connections_per_host(64);
    if let Some(size) = buffers {
        config = config.input_buffer_size(size).output_buffer_size(size);
    }
    let config = config.build();
    if ip_literal_resolver {
        Agent::with_parts(
            config,
            DefaultConnector::new(),
            IpLiteralResolver::default(),
        )
    } else {
        Agent::with_parts(config, DefaultConnector::new(), DefaultResolver::default())
    }
}

/// One call as `Client::send` makes it: a fresh nonce and Created, sign,
/// build the request with the fixed headers made once (the URL parsed
/// once, static values), send, read at most 64 KiB.
pub fn replica_call(
    agent: &Agent,
    url: &Uri,
    body: &[u8],
    key: &str,
    secret: &str,
) -> Result<(), ()> {
    // The nonce and Created as the library makes them (a CSPRNG, the
    // digit-by-digit format), so that the replica costs what any client of
    // the API must.
    let nonce = voicecb::signing::fresh_nonce();
    let created = voicecb::signing::created_now(0);
    let auth = voicecb::sign_with(key, secret, &nonce, &created).map_err(|_| ())?;
    let mut request = Request::new(body);
    *request.headers_mut() = HeaderMap::with_capacity(5);
    *request.method_mut() = Method::POST;
    *request.uri_mut() = url.clone();
    let headers = request.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    headers.insert(
        header::AUTHORIZATION,
        HeaderValue::from_static(auth.authorization),
    );
    headers.insert(
        HeaderName::from_static("x-aksk"),
        HeaderValue::try_from(auth.x_aksk).map_err(|_| ())?,
    );
    headers.insert(header::ACCEPT, HeaderValue::from_static("*/*"));
    let mut response = agent.run(request).map_err(|_| ())?;
    let status = response.status().as_u16();
    let mut answer = Vec::with_capacity(512);
    response
        .body_mut()
        .as_reader()
        .take(65_537)
        .read_to_end(&mut answer)
        .map_err(|_| ())?;
    voicecb::response::parse_click2call(status, &answer)
        .map(|_| ())
        .map_err(|_| ())
}
