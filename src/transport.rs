//! The plain TCP transport of the client's connections.
//!
//! ureq's own TCP transport spends ten system calls per kept-alive round trip
//! on bookkeeping besides the two that move the bytes: it sets the socket's
//! timeout before every write and read (the remaining time changes between
//! calls, so the cache it keeps never hits), and its liveness probe, run
//! when a connection enters the pool and again when it leaves it, switches
//! the socket to non-blocking mode and back around a read. Profiled, those
//! were a third of the C ABI's client CPU per call (BENCHMARKS.md, "Where
//! the client's CPU goes"). This transport moves the same bytes with the
//! same timeouts and the same errors, and:
//!
//! - keeps a socket timeout armed while it is no longer than the time left
//!   and not much shorter (7/8 of it): a timeout that fires early is noticed
//!   against the real deadline, which the transport computes itself, and
//!   the read or write goes on with the time left. A socket never waits past
//!   the deadline, and a steady client sets its timeouts once per connection;
//! - sends a request's head and body in one write: it holds the first
//!   write of a request (a head of a few hundred bytes) until the next write
//!   or the first read, whichever comes first. Two writes cost two system
//!   calls and two TCP segments, and on loopback the sender's call also
//!   runs the receiver's half of the stack;
//! - probes liveness with one `recv(MSG_PEEK | MSG_DONTWAIT)`, and not at
//!   all when the connection returns to the pool right after the answer was
//!   read: the probe when it leaves the pool, before the next request, is the
//!   one that finds a connection that the server closed or wrote garbage on.
//!
//! Proxied connections (ureq's CONNECT connector runs first and hands them
//! on) and TLS (rustls, chained after this one) are unchanged.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use ureq::Timeout;
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, ShutdownHandle,
    Transport,
};

/// Opens the TCP connections of requests that no proxy connector took.
#[derive(Debug, Default)]
pub(crate) struct LeanTcpConnector;

impl<In: Transport> Connector<In> for LeanTcpConnector {
    type Out = Either<In, LeanTcpTransport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        if let Some(transport) = chained {
            return Ok(Some(Either::A(transport)));
        }
        let stream = connect_any(details)?;
        if details.config.no_delay() {
            stream.set_nodelay(true)?;
        }
        let transport = LeanTcpTransport::new(
            stream,
            LazyBuffers::new(
                details.config.input_buffer_size(),
                details.config.output_buffer_size(),
            ),
        );
        (details.register_shutdown)(Arc::downgrade(&transport.stream) as Weak<dyn ShutdownHandle>)?;
        Ok(Some(Either::B(transport)))
    }
}

/// Tries the resolved addresses in turn, sharing the connect budget between
/// them as ureq does (halving: the first address gets the most), and
/// reporting the last address's failure when all fail.
fn connect_any(details: &ConnectionDetails) -> Result<TcpStream, ureq::Error> {
    const MIN_PER_ADDRESS: Duration = Duration::from_millis(10);
    let start = Instant::now();
    let budget = details.timeout.not_zero().map(|d| *d);
    let count = details.addrs.len();
    let total_weight = 2.0 * (1.0 - 0.5_f64.powi(count as i32));
    let mut weight = 1.0_f64;
    let mut last: Option<ureq::Error> = None;
    for addr in details.addrs.iter() {
        let per_addr = budget
            .map(|b| Duration::from_secs_f64(b.as_secs_f64() * weight / total_weight))
            .map(|d| d.max(MIN_PER_ADDRESS));
        weight /= 2.0;
        match connect_one(*addr, per_addr) {
            Ok(stream) => return Ok(stream),
            Err(e) if is_timeout(&e) => {
                if budget.is_some_and(|b| start.elapsed() >= b) {
                    return Err(ureq::Error::Timeout(details.timeout.reason));
                }
                last = Some(ureq::Error::Timeout(Timeout::Connect));
            }
            Err(e) if is_address_specific(&e) => last = Some(ureq::Error::Io(e)),
            Err(e) => return Err(ureq::Error::Io(e)),
        }
    }
    Err(last.unwrap_or_else(|| {
        ureq::Error::Io(io::Error::new(
            io::ErrorKind::ConnectionRefused,
            "Connection refused",
        ))
    }))
}

fn connect_one(addr: SocketAddr, timeout: Option<Duration>) -> io::Result<TcpStream> {
    match timeout {
        Some(t) => TcpStream::connect_timeout(&addr, t),
        None => TcpStream::connect(addr),
    }
}

/// Failures that concern only the address tried (the next one may work):
/// the same list as ureq's.
fn is_address_specific(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::HostUnreachable
            | io::ErrorKind::NetworkUnreachable
            | io::ErrorKind::NetworkDown
            | io::ErrorKind::AddrNotAvailable
    )
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
    )
}

/// One plain TCP connection of the pool.
pub(crate) struct LeanTcpTransport {
    /// Shared (weakly) with the shutdown handle that closing the client uses
    /// to wake a blocked read.
    stream: Arc<TcpStream>,
    buffers: LazyBuffers,
    read_timeout: Armed,
    write_timeout: Armed,
    /// Bytes written but not sent yet: at most one write, of at most
    /// [`HOLD_MAX`] bytes, sent with the next write or before the next read.
    held: Vec<u8>,
    /// The last operation was a read that got bytes: the connection is
    /// going back to the pool with an answer just read, and the probe can
    /// wait until it is taken out again.
    just_read: bool,
}

impl std::fmt::Debug for LeanTcpTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeanTcpTransport")
            .field("peer", &self.stream.peer_addr().ok())
            .finish()
    }
}

/// The timeout armed on one direction of the socket (`None`: none, the
/// socket's default, which waits for ever).
#[derive(Debug, Default, Clone, Copy)]
struct Armed(Option<Duration>);

impl Armed {
    /// Arms a timeout no longer than `left` unless the armed one already
    /// fits: not longer than `left`, and at least 7/8 of it, so that a
    /// remaining time that shrinks by a little within a call, or comes back
    /// to the same value on the next call, costs no system call.
    fn fit(
        &mut self,
        left: Option<Duration>,
        set: impl FnOnce(Option<Duration>) -> io::Result<()>,
    ) -> io::Result<()> {
        let fits = match (self.0, left) {
            (None, None) => true,
            (Some(armed), Some(left)) => armed <= left && armed * 8 >= left * 7,
            _ => false,
        };
        if fits {
            return Ok(());
        }
        // Headroom of 1/16 below `left`: the next few remaining times (each
        // a little shorter) still fit.
        let new = left.map(|l| (l - l / 16).max(Duration::from_micros(1)));
        set(new)?;
        self.0 = new;
        Ok(())
    }

    /// Arms exactly `left` (after a timeout fired before the deadline).
    fn exact(
        &mut self,
        left: Duration,
        set: impl FnOnce(Option<Duration>) -> io::Result<()>,
    ) -> io::Result<()> {
        let left = left.max(Duration::from_micros(1));
        set(Some(left))?;
        self.0 = Some(left);
        Ok(())
    }
}

/// The time a transport operation may take, as ureq gives it, and the
/// instant it runs out (`None`: no limit).
fn deadline(timeout: &NextTimeout) -> Result<Option<Instant>, ureq::Error> {
    if timeout.after.is_not_happening() {
        return Ok(None);
    }
    if timeout.after.is_zero() {
        return Err(ureq::Error::Timeout(timeout.reason));
    }
    Ok(Some(Instant::now() + *timeout.after))
}

fn time_left(deadline: Option<Instant>) -> Option<Duration> {
    deadline.map(|d| d.saturating_duration_since(Instant::now()))
}

impl LeanTcpTransport {
    fn new(stream: TcpStream, buffers: LazyBuffers) -> LeanTcpTransport {
        LeanTcpTransport {
            stream: Arc::new(stream),
            buffers,
            read_timeout: Armed::default(),
            write_timeout: Armed::default(),
            held: Vec::new(),
            just_read: false,
        }
    }
}

/// The most a write may hold back: a request head, which ureq writes
/// whole before the body.
const HOLD_MAX: usize = 4096;

impl LeanTcpTransport {
    /// Sends the held bytes, within `timeout` (ureq's, for the write).
    fn send_held(&mut self, timeout: NextTimeout) -> Result<(), ureq::Error> {
        let timeout = timeout.for_write();
        let deadline = deadline(&timeout)?;
        let stream = &*self.stream;
        self.write_timeout
            .fit(time_left(deadline), |t| stream.set_write_timeout(t))?;
        let mut sent = 0;
        // Whatever happens, nothing stays held: a failed write ends the
        // connection's use (ureq drops it), and a later request must not
        // send these bytes first.
        let held = std::mem::take(&mut self.held);
        while sent < held.len() {
            match (&mut &*stream).write(&held[sent..]) {
                Ok(0) => return Err(io::Error::from(io::ErrorKind::WriteZero).into()),
                Ok(n) => sent += n,
                Err(e) if is_timeout(&e) || e.kind() == io::ErrorKind::Interrupted => {
                    match time_left(deadline) {
                        Some(left) if left.is_zero() => {
                            return Err(ureq::Error::Timeout(timeout.reason));
                        }
                        Some(left) => self
                            .write_timeout
                            .exact(left, |t| stream.set_write_timeout(t))?,
                        // No deadline: only a signal gets here; write again.
                        None => {}
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        // Keep the allocation for the next request.
        self.held = held;
        self.held.clear();
        Ok(())
    }
}

impl Transport for LeanTcpTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.just_read = false;
        let output = &self.buffers.output()[..amount];
        if self.held.is_empty() && amount <= HOLD_MAX {
            // ureq's timeout for this write is checked when it is sent: a
            // spent budget is reported then, before anything is read.
            self.held.extend_from_slice(output);
            return Ok(());
        }
        self.held.extend_from_slice(output);
        self.send_held(timeout)
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.just_read = false;
        if !self.held.is_empty() {
            self.send_held(timeout)?;
        }
        let timeout = timeout.for_read();
        let deadline = deadline(&timeout)?;
        let stream = &*self.stream;
        self.read_timeout
            .fit(time_left(deadline), |t| stream.set_read_timeout(t))?;
        let amount = loop {
            let input = self.buffers.input_append_buf();
            match (&*self.stream).read(input) {
                Ok(n) => break n,
                Err(e) if is_timeout(&e) || e.kind() == io::ErrorKind::Interrupted => {
                    match time_left(deadline) {
                        Some(left) if left.is_zero() => {
                            return Err(ureq::Error::Timeout(timeout.reason));
                        }
                        Some(left) => self
                            .read_timeout
                            .exact(left, |t| stream.set_read_timeout(t))?,
                        // No deadline: a signal interrupted a read that
                        // may wait for ever; say so, as ureq does.
                        None => return Err(e.into()),
                    }
                }
                Err(e) => return Err(e.into()),
            }
        };
        self.buffers.input_appended(amount);
        self.just_read = amount > 0;
        Ok(amount > 0)
    }

    fn is_open(&mut self) -> bool {
        if std::mem::take(&mut self.just_read) {
            return true;
        }
        probe(&self.stream)
    }
}

/// Whether the connection can carry another request: nothing is waiting
/// to be read (bytes would be an answer to nothing; end of file, a close).
#[cfg(unix)]
fn probe(stream: &TcpStream) -> bool {
    use std::os::fd::AsRawFd;
    let mut byte = 0u8;
    // SAFETY: one byte of writable memory that outlives the call, on a
    // socket that `stream` keeps open.
    let n = unsafe {
        libc::recv(
            stream.as_raw_fd(),
            (&mut byte as *mut u8).cast(),
            1,
            libc::MSG_PEEK | libc::MSG_DONTWAIT,
        )
    };
    n < 0 && io::Error::last_os_error().kind() == io::ErrorKind::WouldBlock
}

#[cfg(not(unix))]
fn probe(stream: &TcpStream) -> bool {
    if stream.set_nonblocking(true).is_err() {
        return false;
    }
    let open = matches!(stream.peek(&mut [0u8]), Err(e) if e.kind() == io::ErrorKind::WouldBlock);
    stream.set_nonblocking(false).is_ok() && open
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use ureq::unversioned::transport::time::Duration as UreqDuration;

    #[test]
    fn a_fitting_timeout_is_not_set_again() {
        let sets = RefCell::new(Vec::new());
        let mut armed = Armed::default();
        let set = |t| {
            sets.borrow_mut().push(t);
            Ok(())
        };
        let thirty = Duration::from_secs(30);
        armed.fit(Some(thirty), set).unwrap();
        // The same call a little later, and the next call: no system call.
        armed
            .fit(Some(thirty - Duration::from_millis(3)), set)
            .unwrap();
        armed.fit(Some(thirty), set).unwrap();
        assert_eq!(*sets.borrow(), vec![Some(thirty - thirty / 16)]);
    }

    #[test]
    fn the_armed_timeout_never_exceeds_the_time_left() {
        let sets = RefCell::new(Vec::new());
        let mut armed = Armed::default();
        let set = |t| {
            sets.borrow_mut().push(t);
            Ok(())
        };
        armed.fit(Some(Duration::from_secs(30)), set).unwrap();
        // Much less time left than armed: re-armed below it.
        armed.fit(Some(Duration::from_millis(500)), set).unwrap();
        let last = sets.borrow().last().copied().flatten().unwrap();
        assert!(last <= Duration::from_millis(500), "{last:?}");
        // Far more time left than armed (a new call after a short one):
        // re-armed too, or every read would wake up early.
        armed.fit(Some(Duration::from_secs(30)), set).unwrap();
        assert_eq!(sets.borrow().len(), 3);
        // No limit at all: the timeout is taken off.
        armed.fit(None, set).unwrap();
        assert_eq!(sets.borrow().last().copied(), Some(None));
    }

    #[test]
    fn a_zero_or_tiny_time_left_never_arms_zero() {
        // A zero socket timeout means "wait for ever" to the kernel.
        let mut armed = Armed::default();
        let mut got = None;
        armed
            .fit(Some(Duration::from_nanos(1)), |t| {
                got = t;
                Ok(())
            })
            .unwrap();
        assert!(got.is_some_and(|t| !t.is_zero()));
        armed
            .exact(Duration::ZERO, |t| {
                got = t;
                Ok(())
            })
            .unwrap();
        assert!(got.is_some_and(|t| !t.is_zero()));
    }

    #[test]
    fn a_spent_budget_is_a_timeout_with_ureqs_reason() {
        let spent = NextTimeout {
            after: UreqDuration::Exact(Duration::ZERO),
            reason: Timeout::Global,
            per_read: None,
            per_write: None,
        };
        assert!(matches!(
            deadline(&spent),
            Err(ureq::Error::Timeout(Timeout::Global))
        ));
        let open = NextTimeout::default();
        assert!(matches!(deadline(&open), Ok(None)));
    }

    fn connected() -> (LeanTcpTransport, TcpStream) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        // A test that goes wrong fails instead of waiting for ever.
        server
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        (
            LeanTcpTransport::new(client, LazyBuffers::new(1024, 1024)),
            server,
        )
    }

    fn within(d: Duration, reason: Timeout) -> NextTimeout {
        NextTimeout {
            after: UreqDuration::Exact(d),
            reason,
            per_read: None,
            per_write: None,
        }
    }

    fn write(t: &mut LeanTcpTransport, bytes: &[u8]) -> Result<(), ureq::Error> {
        t.buffers().output()[..bytes.len()].copy_from_slice(bytes);
        t.transmit_output(
            bytes.len(),
            within(Duration::from_secs(30), Timeout::SendBody),
        )
    }

    #[test]
    fn a_head_is_held_and_sent_with_its_body_or_before_the_first_read() {
        let (mut t, mut server) = connected();
        write(&mut t, b"HEAD ").unwrap();
        // Nothing was sent: the server has nothing to read, now or later.
        server.set_nonblocking(true).unwrap();
        let mut buf = [0u8; 64];
        let e = server.read(&mut buf).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::WouldBlock);
        server.set_nonblocking(false).unwrap();
        // The body goes out with the head, in one write.
        write(&mut t, b"BODY").unwrap();
        server.read_exact(&mut buf[..9]).unwrap();
        assert_eq!(&buf[..9], b"HEAD BODY");
        // A request without a body: the held head goes out before the read
        // that waits for its answer.
        write(&mut t, b"GET").unwrap();
        server.write_all(b"answer").unwrap();
        assert!(
            t.await_input(within(Duration::from_secs(30), Timeout::RecvResponse))
                .unwrap()
        );
        server.read_exact(&mut buf[..3]).unwrap();
        assert_eq!(&buf[..3], b"GET");
        assert!(t.buffers().input().starts_with(b"answer"));
        assert!(t.held.is_empty());
    }

    #[test]
    fn a_read_is_never_given_up_before_its_deadline() {
        // A timeout armed for a longer earlier wait fits the next (7/8 of it
        // or more), so it fires before the deadline: the read must go on
        // with the time left and report the timeout only at the deadline.
        let (mut t, _server) = connected();
        let stream = Arc::clone(&t.stream);
        t.read_timeout
            .fit(Some(Duration::from_millis(400)), |d| {
                stream.set_read_timeout(d)
            })
            .unwrap();
        assert_eq!(t.read_timeout.0, Some(Duration::from_millis(375)));
        let wait = Duration::from_millis(420);
        let started = Instant::now();
        let e = t
            .await_input(within(wait, Timeout::RecvResponse))
            .unwrap_err();
        assert!(
            matches!(e, ureq::Error::Timeout(Timeout::RecvResponse)),
            "{e:?}"
        );
        assert!(
            started.elapsed() >= wait,
            "gave up after {:?}",
            started.elapsed()
        );
    }

    #[test]
    fn the_connection_returning_with_its_answer_is_probed_when_taken_out() {
        let (mut t, mut server) = connected();
        server.write_all(b"answer").unwrap();
        assert!(
            t.await_input(within(Duration::from_secs(30), Timeout::RecvResponse))
                .unwrap()
        );
        // Into the pool right after the answer: no probe needed.
        assert!(t.is_open());
        drop(server);
        // Wait for the close to arrive: a blocking peek returns 0 at EOF.
        assert_eq!(t.stream.peek(&mut [0u8]).unwrap(), 0);
        // Out of the pool: probed, found closed.
        assert!(!t.is_open());
    }

    #[test]
    fn the_probe_tells_idle_from_closed_and_from_unread_bytes() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut server, _) = listener.accept().unwrap();
        assert!(probe(&client), "an idle connection is open");
        server.write_all(b"x").unwrap();
        server.flush().unwrap();
        // Wait for the byte to arrive (an event, not a sleep): a blocking
        // peek returns once it is there, and leaves it unread.
        client.peek(&mut [0u8]).unwrap();
        assert!(!probe(&client), "unread bytes: not reusable");
        let mut byte = [0u8];
        (&client).read_exact(&mut byte).unwrap();
        assert!(probe(&client), "the byte consumed: open again");
        drop(server);
        // Wait for the close to arrive: a blocking peek returns 0 at EOF.
        assert_eq!(client.peek(&mut [0u8]).unwrap(), 0);
        assert!(!probe(&client), "closed by the peer");
    }
}
