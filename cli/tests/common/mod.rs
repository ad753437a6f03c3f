//! Shared helpers of the integration tests: a `voicecb sandbox` child process
//! with its admin endpoints, a bare HTTP/1.1 client on `std` alone, and two
//! tiny fault servers. Everything listens and connects on 127.0.0.1 only,
//! and every wait and loop is bounded.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use voicecb::{Client, ClientBuilder};

/// The `voicecb` binary of this package.
pub const BIN: &str = env!("CARGO_BIN_EXE_voicecb");
/// The sandbox's default app.
pub const KEY: &str = "sandbox-app-key";
pub const SECRET: &str = "sandbox-app-secret";
/// The default app's one display number.
pub const DISPLAY: &str = "+8675512345678";
pub const CALLER: &str = "+8613800000001";
pub const CALLEE: &str = "+8613800000002";

/// Variables the binary reads; removed from the sandbox's environment so
/// that the developer's own settings cannot change its app.
const VARS: [&str; 8] = [
    "VOICECB_BASE_URL",
    "VOICECB_APP_KEY",
    "VOICECB_APP_SECRET",
    "VOICECB_CA_FILE",
    "VOICECB_INSECURE_SKIP_VERIFY",
    "VOICECB_PROXY",
    "VOICECB_TIMEOUT",
    "VOICECB_CONNECT_TIMEOUT",
];

/// A retry policy whose waits are short, for tests that count tries.
pub fn quick_retries(max_attempts: u32) -> voicecb::RetryPolicy {
    voicecb::RetryPolicy {
        max_attempts,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(20),
    }
}

/// How long a raw exchange with a local server may take.
const RAW_TIMEOUT: Duration = Duration::from_secs(10);
/// The most of an answer the raw client keeps.
const RAW_MAX: usize = 1024 * 1024;

/// A directory of its own, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!(
            "voicecb-{tag}-{}-{}-{nanos}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("create a temporary directory");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A `voicecb sandbox` child process on a free port, killed and reaped when
/// dropped (a failed assertion included).
pub struct Sandbox {
    child: Child,
    port: u16,
    _dir: TempDir,
}

impl Sandbox {
    /// A sandbox with the default app.
    pub fn start() -> Sandbox {
        Sandbox::start_with(&[])
    }

    /// A sandbox with extra arguments (`--app-key`, `--time-window`, ...).
    pub fn start_with(args: &[&str]) -> Sandbox {
        let dir = TempDir::new("sandbox");
        let port_file = dir.path().join("port");
        let mut cmd = Command::new(BIN);
        cmd.arg("sandbox")
            .arg("--port-file")
            .arg(&port_file)
            .args(args);
        for var in VARS {
            cmd.env_remove(var);
        }
        // The sandbox prints one line when listening and nothing per
        // request, so an unread stderr pipe cannot fill up.
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let child = cmd.spawn().expect("spawn `voicecb sandbox`");
        let mut sandbox = Sandbox {
            child,
            port: 0,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            // The binary renames the file into place: any content is whole.
            if let Ok(text) = std::fs::read_to_string(&port_file) {
                sandbox.port = text
                    .trim()
                    .parse()
                    .unwrap_or_else(|e| panic!("port file holds {text:?}: {e}"));
                assert_ne!(sandbox.port, 0, "the sandbox reported port 0");
                return sandbox;
            }
            if let Some(status) = sandbox.child.try_wait().expect("poll the sandbox") {
                // It has exited, so reading its stderr to the end cannot block.
                let mut err = String::new();
                if let Some(mut pipe) = sandbox.child.stderr.take() {
                    let _ = pipe.read_to_string(&mut err);
                }
                panic!("the sandbox exited with {status} before listening: {err}");
            }
            assert!(
                Instant::now() < deadline,
                "the sandbox wrote no port file within 10 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A builder for the default app against this sandbox, 5 s timeout.
    pub fn builder(&self) -> ClientBuilder {
        self.builder_with(KEY, SECRET)
    }

    /// [`builder`](Sandbox::builder) with other credentials.
    pub fn builder_with(&self, key: &str, secret: &str) -> ClientBuilder {
        Client::builder(key, secret)
            .base_url(self.base_url())
            .timeout(Duration::from_secs(5))
    }

    /// A client for the default app with a 5 s timeout.
    pub fn client(&self) -> Client {
        self.builder()
            .build()
            .expect("build a client for the sandbox")
    }

    /// POSTs JSON to an admin path; the answer must be 200 and JSON.
    pub fn admin_post(&self, path: &str, body: &Value) -> Value {
        let body = body.to_string();
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let answer = raw_http(self.port, request.as_bytes());
        assert_eq!(answer.status, 200, "POST {path} {body}: {}", answer.text());
        answer.json()
    }

    /// The sandbox's counters (`GET /__sandbox/stats`).
    pub fn stats(&self) -> Value {
        let answer = raw_http(
            self.port,
            b"GET /__sandbox/stats HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        );
        assert_eq!(answer.status, 200, "stats: {}", answer.text());
        answer.json()
    }

    /// One counter of the stats, which must be an integer.
    pub fn counter(&self, name: &str) -> u64 {
        let stats = self.stats();
        stats[name]
            .as_u64()
            .unwrap_or_else(|| panic!("stats have no integer {name:?}: {stats}"))
    }

    /// Platform requests seen so far.
    pub fn requests(&self) -> u64 {
        self.counter("requests")
    }

    /// Forces the next platform answer to `http_status` with `code` (and
    /// `desc`, else the catalogue's English text).
    pub fn force(&self, http_status: u16, code: &str, desc: Option<&str>) {
        let mut body = json!({"http_status": http_status, "resultcode": code, "count": 1});
        if let Some(desc) = desc {
            body["resultdesc"] = json!(desc);
        }
        let answer = self.admin_post("/__sandbox/next", &body);
        assert!(answer["queued"].as_u64() >= Some(1), "{answer}");
    }

    /// Forces the next platform answer to `http_status` with `body` verbatim.
    pub fn force_raw(&self, http_status: u16, body: &str) {
        let answer = self.admin_post(
            "/__sandbox/next",
            &json!({"http_status": http_status, "raw_body": body, "count": 1}),
        );
        assert!(answer["queued"].as_u64() >= Some(1), "{answer}");
    }

    /// Clears forced answers, counters and sessions.
    pub fn reset(&self) {
        self.admin_post("/__sandbox/reset", &json!({}));
    }

    /// Stops the sandbox through its admin path and returns all it wrote
    /// on stderr (it has exited, so reading to the end cannot block).
    pub fn shutdown_for_stderr(&mut self) -> String {
        self.admin_post("/__sandbox/shutdown", &json!({}));
        let status = self.child.wait().expect("wait for the sandbox");
        assert!(status.success(), "the sandbox exited with {status}");
        let mut err = String::new();
        if let Some(mut pipe) = self.child.stderr.take() {
            pipe.read_to_string(&mut err)
                .expect("read the sandbox's stderr");
        }
        err
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An answer read by [`raw_http`].
#[derive(Debug)]
pub struct RawAnswer {
    pub status: u16,
    /// Header fields, names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawAnswer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("the body is not JSON ({e}): {}", self.text()))
    }
}

/// Sends one raw request (which should say `Connection: close`) to
/// 127.0.0.1:`port` and reads the whole answer, bounded in time and size.
/// Only `Content-Length` framing is understood (all the sandbox sends).
pub fn raw_http(port: u16, request: &[u8]) -> RawAnswer {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream =
        TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect to 127.0.0.1");
    stream.set_read_timeout(Some(RAW_TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(RAW_TIMEOUT)).unwrap();
    stream.write_all(request).expect("send the raw request");
    read_answer(&mut stream)
}

/// Reads one whole answer from `stream`, bounded in time and size.
fn read_answer(stream: &mut impl Read) -> RawAnswer {
    let deadline = Instant::now() + RAW_TIMEOUT;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(answer) = parse_answer(&buf) {
            return answer;
        }
        assert!(Instant::now() < deadline, "no whole answer within 10 s");
        assert!(buf.len() <= RAW_MAX, "answer larger than 1 MiB");
        match stream.read(&mut chunk) {
            Ok(0) => panic!(
                "connection closed before a whole answer: {:?}",
                String::from_utf8_lossy(&buf)
            ),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) => panic!("reading the answer: {e}"),
        }
    }
}

/// A whole `Content-Length` answer at the start of `buf`, if there is one.
fn parse_answer(buf: &[u8]) -> Option<RawAnswer> {
    let head_end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&buf[..head_end]).expect("an ASCII head");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let status = status_line
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP/1.1 status line: {status_line:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map(|(_, v)| v.parse().expect("a numeric Content-Length"))
        .unwrap_or(0);
    let body = buf.get(head_end + 4..head_end + 4 + len)?;
    Some(RawAnswer {
        status,
        headers,
        body: body.to_vec(),
    })
}

/// How long a fault server lives at most, whatever the test does.
const FAULT_SERVER_LIFE: Duration = Duration::from_secs(10);

/// A listener on 127.0.0.1:0 whose thread runs `serve` on each accepted
/// connection until the guard is dropped or [`FAULT_SERVER_LIFE`] passes.
pub struct FaultServer {
    port: u16,
    stop: Arc<AtomicBool>,
    accepted: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
}

impl FaultServer {
    fn start(serve: impl Fn(TcpStream, &mut Vec<TcpStream>) + Send + 'static) -> FaultServer {
        let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind 127.0.0.1:0");
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let accepted = Arc::new(AtomicUsize::new(0));
        let (stop2, accepted2) = (stop.clone(), accepted.clone());
        let thread = std::thread::spawn(move || {
            let deadline = Instant::now() + FAULT_SERVER_LIFE;
            // Connections kept open until the server ends.
            let mut held = Vec::new();
            while !stop2.load(Ordering::SeqCst) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => {
                        accepted2.fetch_add(1, Ordering::SeqCst);
                        let _ = stream.set_nonblocking(false);
                        serve(stream, &mut held);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
            drop(held);
        });
        FaultServer {
            port,
            stop,
            accepted,
            thread: Some(thread),
        }
    }

    /// Accepts connections and never answers: each socket is held open,
    /// unread, until the server ends.
    pub fn silent() -> FaultServer {
        FaultServer::start(|stream, held| held.push(stream))
    }

    /// Answers every request with `answer`, verbatim, then closes.
    pub fn fixed(answer: impl Into<Vec<u8>>) -> FaultServer {
        let answer: Vec<u8> = answer.into();
        FaultServer::start(move |mut stream, _| {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
            // Read the whole request first: closing a socket with unread
            // input makes the kernel send RST, which could destroy the
            // answer before the client reads it.
            read_request(&mut stream);
            // The client may hang up early (it stops reading after 64 KiB);
            // write errors are expected then.
            let _ = stream.write_all(&answer);
            let _ = stream.flush();
            let _ = stream.shutdown(std::net::Shutdown::Write);
            // Let the client read to the end before the socket goes.
            let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
            let mut sink = [0u8; 1024];
            for _ in 0..64 {
                match stream.read(&mut sink) {
                    Ok(n) if n > 0 => {}
                    _ => break,
                }
            }
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            // Bounded: the loop checks `stop` every 10 ms, and one
            // connection's serving is bounded by its socket timeouts.
            let _ = t.join();
        }
    }
}

/// Reads one request head and its `Content-Length` body, bounded by the
/// stream's read timeout and 1 MiB.
fn read_request(stream: &mut TcpStream) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let deadline = Instant::now() + Duration::from_secs(5);
    while buf.len() <= RAW_MAX && Instant::now() < deadline {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                return;
            }
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// A port of 127.0.0.1 that was free a moment ago and has no listener now.
pub fn refused_port() -> u16 {
    let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind 127.0.0.1:0");
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    port
}

/// A `voicecb sandbox --tls-dir` child: HTTPS with a throwaway CA made at
/// its start. Fields drop in order: the process is killed before its
/// directory (and the CA file in it) goes.
pub struct TlsSandbox {
    pub sandbox: Sandbox,
    dir: TempDir,
    /// The name its certificate is for (`--tls-host`, else `localhost`).
    host: String,
}

impl TlsSandbox {
    /// A sandbox serving HTTPS, with extra arguments (`--tls-host`,
    /// `--tls-expired`, `--app-key`, ...).
    pub fn start(args: &[&str]) -> TlsSandbox {
        let dir = TempDir::new("tls");
        let tls_dir = dir.path().join("tls");
        let tls_dir = tls_dir.to_str().expect("a UTF-8 temporary path");
        let mut all = vec!["--tls-dir", tls_dir];
        all.extend_from_slice(args);
        let sandbox = Sandbox::start_with(&all);
        let host = args
            .iter()
            .position(|a| *a == "--tls-host")
            .and_then(|i| args.get(i + 1))
            .map_or("localhost", |h| *h)
            .to_owned();
        let tls = TlsSandbox { sandbox, dir, host };
        // The port file, which `start_with` waited for, comes after ca.pem.
        assert!(
            tls.ca_file().is_file(),
            "the port file was written before {}",
            tls.ca_file().display()
        );
        tls
    }

    /// The directory given as `--tls-dir`.
    pub fn tls_dir(&self) -> PathBuf {
        self.dir.path().join("tls")
    }

    /// The CA's certificate, `ca.pem` in the TLS directory.
    pub fn ca_file(&self) -> PathBuf {
        self.tls_dir().join("ca.pem")
    }

    pub fn port(&self) -> u16 {
        self.sandbox.port()
    }

    /// `https://HOST:PORT`.
    pub fn url(&self, host: &str) -> String {
        format!("https://{host}:{}", self.port())
    }

    /// A builder for the default app against `https://HOST:PORT`, 5 s
    /// timeout, trusting nothing but the built-in roots (no `ca_file`).
    pub fn builder(&self, host: &str) -> ClientBuilder {
        Client::builder(KEY, SECRET)
            .base_url(self.url(host))
            .timeout(Duration::from_secs(5))
    }

    /// The sandbox's counters, over HTTPS trusting `ca.pem`, asking for
    /// the name its certificate is for (so not for an expired one).
    pub fn stats(&self) -> Value {
        let answer = https_raw(
            self.port(),
            &self.ca_file(),
            &self.host,
            b"GET /__sandbox/stats HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        );
        assert_eq!(answer.status, 200, "stats: {}", answer.text());
        answer.json()
    }

    /// One integer counter of the stats.
    pub fn counter(&self, name: &str) -> u64 {
        let stats = self.stats();
        stats[name]
            .as_u64()
            .unwrap_or_else(|| panic!("stats have no integer {name:?}: {stats}"))
    }
}

/// Like [`raw_http`], over TLS to 127.0.0.1:`port` as server `name`,
/// trusting only the certificates of the PEM file `ca`.
pub fn https_raw(port: u16, ca: &Path, name: &str, request: &[u8]) -> RawAnswer {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName};
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca).expect("read the CA file") {
        roots
            .add(cert.expect("a PEM certificate"))
            .expect("a usable CA certificate");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from(name.to_owned()).expect("a server name");
    let conn = rustls::ClientConnection::new(Arc::new(config), name).expect("a TLS client");
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let tcp =
        TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect to 127.0.0.1");
    tcp.set_read_timeout(Some(RAW_TIMEOUT)).unwrap();
    tcp.set_write_timeout(Some(RAW_TIMEOUT)).unwrap();
    let mut stream = rustls::StreamOwned::new(conn, tcp);
    stream
        .write_all(request)
        .expect("send the raw request over TLS");
    stream.flush().expect("send the raw request over TLS");
    read_answer(&mut stream)
}

/// One push as received: its path, headers (lower-case names) and body.
pub struct Push {
    pub path: String,
    pub authorization: Option<String>,
    pub x_aksk: Option<String>,
    pub body: Vec<u8>,
}

/// Receives pushes on 127.0.0.1, answering 200 to each, and sends them to
/// the test through a channel. Ends with the test process.
pub fn receiver() -> (String, mpsc::Receiver<Push>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(1000) {
            let Ok(mut stream) = stream else { continue };
            let tx = tx.clone();
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                let mut buf = Vec::new();
                let mut chunk = [0u8; 8192];
                // Requests on one connection, one after another (bounded).
                for _ in 0..1000 {
                    let head_end = loop {
                        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            break i + 4;
                        }
                        match stream.read(&mut chunk) {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    };
                    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
                    let header = |name: &str| {
                        head.lines().find_map(|l| {
                            let (k, v) = l.split_once(':')?;
                            k.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
                        })
                    };
                    let len: usize = header("content-length")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0);
                    while buf.len() < head_end + len {
                        match stream.read(&mut chunk) {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let push = Push {
                        path: head.split_whitespace().nth(1).unwrap_or("").to_owned(),
                        authorization: header("authorization"),
                        x_aksk: header("x-aksk"),
                        body: buf[head_end..head_end + len].to_vec(),
                    };
                    buf.drain(..head_end + len);
                    // Into the channel before the 200: the sandbox sends a
                    // receiver's next push only after this answer, possibly
                    // on another connection (another thread here), so
                    // answering first could let that push overtake this one.
                    if tx.send(push).is_err() {
                        return;
                    }
                    let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
                }
            });
        }
    });
    (base, rx)
}

pub fn next(rx: &mpsc::Receiver<Push>) -> Push {
    rx.recv_timeout(Duration::from_secs(10))
        .expect("a push within 10 s")
}
