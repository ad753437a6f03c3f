//! Name resolution for the client's connections.
//!
//! ureq resolves the host before every request, even one that reuses a
//! kept-alive connection, and with a timeout it does so on a new thread each
//! time: the benchmarks measured that thread as over half of a round trip
//! on loopback. This resolver answers an IP literal at once and remembers a
//! name's addresses for a short while; only a name not seen recently goes
//! to ureq's resolver (a thread, under the connect timeout).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long a name's addresses are reused. Short, so that a changed DNS
/// record (a failover) is followed within a minute; long enough that a busy
/// client resolves about once a minute, not once a call.
const TTL: Duration = Duration::from_secs(60);

/// Names remembered at most; a client talks to one or two.
const MAX_NAMES: usize = 16;

#[derive(Debug, Default)]
pub(crate) struct CachingResolver {
    inner: DefaultResolver,
    names: Mutex<HashMap<String, (Instant, ResolvedSocketAddrs)>>,
}

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let Some(authority) = uri.authority() else {
            return self.inner.resolve(uri, config, timeout);
        };
        let port = authority
            .port_u16()
            .unwrap_or(if uri.scheme_str() == Some("https") {
                443
            } else {
                80
            });
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']');
        if let Ok(ip) = host.parse::<IpAddr>() {
            let mut addrs = self.empty();
            addrs.push(SocketAddr::new(ip, port));
            return Ok(addrs);
        }
        // RFC 6761: names under .invalid never resolve, and resolvers should
        // say so without asking the network.
        let lower = host.trim_end_matches('.').to_ascii_lowercase();
        if lower == "invalid" || lower.ends_with(".invalid") {
            return Err(resolve_failed(
                host,
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "a name under .invalid never resolves (RFC 6761)",
                ),
            ));
        }
        let key = format!("{host}:{port}");
        if let Some((at, addrs)) = self.lock().get(&key) {
            if at.elapsed() < TTL {
                return Ok(addrs.clone());
            }
        }
        let addrs = self
            .inner
            .resolve(uri, config, timeout)
            .map_err(|e| match e {
                // ureq reports a failed lookup as a bare I/O error, which could
                // not be told from one after sending.
                ureq::Error::Io(io) => resolve_failed(host, io),
                e => e,
            })?;
        let mut names = self.lock();
        if names.len() >= MAX_NAMES {
            names.clear();
        }
        names.insert(key, (Instant::now(), addrs.clone()));
        Ok(addrs)
    }
}

/// The client's resolver as the agent holds it, shared with
/// [`Client::check`](crate::Client::check).
#[derive(Debug)]
pub(crate) struct SharedResolver(pub(crate) std::sync::Arc<CachingResolver>);

impl Resolver for SharedResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        self.0.resolve(uri, config, timeout)
    }
}

/// A name that could not be resolved: nothing was sent.
#[derive(Debug)]
pub(crate) struct ResolveFailed {
    host: String,
    cause: std::io::Error,
}

impl std::fmt::Display for ResolveFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot resolve {}: {}", self.host, self.cause)
    }
}

impl std::error::Error for ResolveFailed {}

fn resolve_failed(host: &str, cause: std::io::Error) -> ureq::Error {
    ureq::Error::Other(Box::new(ResolveFailed {
        host: host.to_owned(),
        cause,
    }))
}

impl CachingResolver {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, ResolvedSocketAddrs)>> {
        // The map holds no invariant a panicking thread could break.
        self.names.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(r: &CachingResolver, url: &str) -> Result<Vec<SocketAddr>, ureq::Error> {
        let uri: Uri = url.parse().unwrap();
        let config = Config::default();
        // No deadline: ureq then resolves on this thread.
        let timeout = NextTimeout::default();
        r.resolve(&uri, &config, timeout)
            .map(|a| a.iter().copied().collect())
    }

    #[test]
    fn ip_literals_need_no_lookup() {
        let r = CachingResolver::default();
        assert_eq!(
            resolve(&r, "http://127.0.0.1:8080/x").unwrap(),
            ["127.0.0.1:8080".parse().unwrap()]
        );
        assert_eq!(
            resolve(&r, "https://[::1]/x").unwrap(),
            ["[::1]:443".parse().unwrap()]
        );
        assert!(r.lock().is_empty(), "literals are not cached");
    }

    #[test]
    fn names_are_remembered() {
        let r = CachingResolver::default();
        let first = resolve(&r, "http://localhost:9/").unwrap();
        assert!(!first.is_empty());
        assert_eq!(r.lock().len(), 1);
        assert_eq!(resolve(&r, "http://localhost:9/").unwrap(), first);
        let e = resolve(&r, "http://voicecb-test.invalid:9/").unwrap_err();
        assert!(e.to_string().contains("RFC 6761"), "{e}");
    }
}
