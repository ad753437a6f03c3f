//! Recordings: what a recorded voice-callback call leaves behind, the
//! recording-URL API (`GET /rest/provision/voice/record/v1.0`) and the
//! download of the audio from the sandbox itself.
//!
//! A recorded call (click2Call with `recordFlag` "true" whose callee
//! answered) is registered when it ends, under its `recordObjectName`, for
//! the app that placed it. The API answers a request naming it (`fileName`
//! = `recordObjectName`, `recordDomain` = the bill's `recordDomain`) with
//! `301 Moved Permanently`, `Location` a download URL on the sandbox and no
//! body, as the vendor's example shows. The URL is
//! `<origin>/__sandbox/recordings/<object>?Expires=<unix s>&Signature=<hex>`:
//! `origin` is the scheme and `Host` the request came with (the sandbox's
//! own address when `Host` is missing or unusable), `Expires` the end of
//! its validity ([`Config::record_url_ttl`], wall-clock time), `Signature`
//! an HMAC-SHA256 under a key made at start, so that only URLs the sandbox
//! handed out work. Fetching it (GET, no authentication, as a storage
//! service's signed URL) gives a small WAV file (`wav.rs`); an expired URL
//! gets 403 and an unknown or altered one 404, with a JSON `error`.

use super::*;
use crate::sandbox::wav;

/// Path of the recording-URL API.
pub const RECORD_PATH: &str = "/rest/provision/voice/record/v1.0";
/// Where recordings are downloaded from.
pub(super) const DOWNLOAD_PREFIX: &str = "/__sandbox/recordings/";
/// How long a download URL is valid unless configured: 7 days, as the
/// vendor's current page says (an older version said 30 minutes).
pub const DEFAULT_RECORD_URL_TTL: Duration = Duration::from_secs(7 * 24 * 3600);
/// The longest validity accepted.
pub(super) const MAX_RECORD_URL_TTL: Duration = Duration::from_secs(366 * 24 * 3600);
/// Recordings remembered at once; the oldest are forgotten beyond.
pub(super) const MAX_RECORDINGS: usize = 100_000;

/// A recording the sandbox made.
pub(super) struct Recording {
    /// The app whose call it is: only it may ask for the URL.
    app_key: String,
}

/// A recorded call's recording, for its bill.
pub(super) struct RecordLink {
    /// Simulated ms of the call at which recording started (B's answer).
    pub(super) start: u64,
    /// `recordObjectName`.
    pub(super) object: String,
}

/// A result code as the platform writes one: digits, not "0".
pub(super) fn is_result_code(code: &str) -> bool {
    (1..=32).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_digit()) && code != "0"
}

/// `scheme://address` of a bound sandbox; a wildcard address is reached
/// over loopback.
pub(super) fn own_origin(https: bool, addr: SocketAddr) -> String {
    let scheme = if https { "https" } else { "http" };
    let ip = match addr.ip() {
        std::net::IpAddr::V4(ip) if ip.is_unspecified() => std::net::Ipv4Addr::LOCALHOST.into(),
        std::net::IpAddr::V6(ip) if ip.is_unspecified() => std::net::Ipv6Addr::LOCALHOST.into(),
        ip => ip,
    };
    format!("{scheme}://{}", SocketAddr::new(ip, addr.port()))
}

/// Where the client reached the sandbox: its scheme and the request's
/// `Host` when that is a plain `host[:port]`, else the sandbox's address.
pub(super) fn origin_of(shared: &Shared, req: &Request) -> String {
    let plain = |h: &str| {
        (1..=255).contains(&h.len())
            && h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
    };
    match req.header("host") {
        Some(host) if plain(host) => {
            let scheme = if shared.https { "https" } else { "http" };
            format!("{scheme}://{host}")
        }
        _ => shared.origin.get().cloned().unwrap_or_default(),
    }
}

/// Registers the recording of `call` (recorded from simulated `start`).
pub(super) fn register_recording(st: &mut State, call: &Call, start: u64) -> RecordLink {
    let object = format!("{}.wav", call.id.replace('@', "_"));
    if st.recording_order.len() >= MAX_RECORDINGS {
        if let Some(old) = st.recording_order.pop_front() {
            st.recordings.remove(&old);
        }
    }
    st.recording_order.push_back(object.clone());
    st.recordings.insert(
        object.clone(),
        Recording {
            app_key: call.signer.key.clone(),
        },
    );
    RecordLink { start, object }
}

fn download_url(shared: &Shared, origin: &str, object: &str) -> String {
    let expires = chrono::Utc::now()
        .timestamp()
        .saturating_add(i64::try_from(shared.record_url_ttl.as_secs()).unwrap_or(i64::MAX));
    let signature = url_signature(shared, object, expires);
    format!("{origin}{DOWNLOAD_PREFIX}{object}?Expires={expires}&Signature={signature}")
}

fn url_signature(shared: &Shared, object: &str, expires: i64) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&shared.record_key)
        .expect("HMAC takes any key length");
    mac.update(object.as_bytes());
    mac.update(b"\n");
    mac.update(expires.to_string().as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Decodes a percent-encoded query value; `+` is a space, as a Java
/// servlet reads a query. `None` for a bad escape or bytes not UTF-8.
pub(super) fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// The first value of query parameter `name`, decoded: `Ok(None)` when it
/// is absent, `Err` when it cannot be decoded.
pub(super) fn query_param(query: Option<&str>, name: &str) -> Result<Option<String>, ()> {
    for pair in query.unwrap_or("").split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if percent_decode(key).as_deref() == Some(name) {
            return percent_decode(value).map(Some).ok_or(());
        }
    }
    Ok(None)
}

/// `GET /rest/provision/voice/record/v1.0`, after the forced answers: the
/// AKSK checks, both query values (1-128 characters, else 500/1020001),
/// then the recording (the configured "not found" answer when the app has
/// none by that name and domain).
pub(super) fn record_url(shared: &Shared, req: &Request) -> Response {
    let refused = |Reject(status, code, why): Reject| {
        if shared.verbose {
            let why = if why.is_empty() {
                result_desc(Api::Click2Call, status, code)
            } else {
                why.to_owned()
            };
            log_request(req, status, &format!("resultcode {code}"), &why);
        }
        result_body(Api::Click2Call, status, code, None, Map::new())
    };
    let app = match authenticate(shared, req) {
        Ok(app) => app,
        Err(reject) => return refused(reject),
    };
    let param = |name| match query_param(req.query.as_deref(), name) {
        Ok(Some(v)) if text_len_ok(&v, 1, 128) => Ok(v),
        _ => Err(Reject(
            500,
            "1020001",
            "fileName and recordDomain must each be 1-128 characters",
        )),
    };
    let (file_name, domain) = match (param("fileName"), param("recordDomain")) {
        (Ok(f), Ok(d)) => (f, d),
        (Err(reject), _) | (_, Err(reject)) => return refused(reject),
    };
    let known = {
        let st = shared.lock();
        domain == RECORD_DOMAIN
            && st
                .recordings
                .get(&file_name)
                .is_some_and(|r| r.app_key == app.key)
    };
    if !known {
        let (status, code) = &shared.record_not_found;
        if shared.verbose {
            log_request(
                req,
                *status,
                &format!("resultcode {code}"),
                "no recording of this app by that fileName and recordDomain",
            );
        }
        return result_body(Api::Click2Call, *status, code, None, Map::new());
    }
    let location = download_url(shared, &origin_of(shared, req), &file_name);
    if shared.verbose {
        log_request(req, 301, "Location", "");
    }
    Response {
        content_type: None,
        headers: vec![("location", location)],
        ..Response::json(301, Vec::new())
    }
}

/// `GET /__sandbox/recordings/<object>?Expires=..&Signature=..`.
pub(super) fn download(shared: &Shared, req: &Request) -> Response {
    if req.method != "GET" {
        return admin_error(405, "use GET");
    }
    let object = &req.path[DOWNLOAD_PREFIX.len()..];
    let query = req.query.as_deref();
    let expires = query_param(query, "Expires")
        .ok()
        .flatten()
        .and_then(|e| e.parse::<i64>().ok());
    let signature = query_param(query, "Signature").ok().flatten();
    let mut st = shared.lock();
    let genuine = match (expires, &signature) {
        (Some(expires), Some(signature)) => constant_time_eq(
            url_signature(shared, object, expires).as_bytes(),
            signature.as_bytes(),
        ),
        _ => false,
    };
    if !genuine || !st.recordings.contains_key(object) {
        return admin_error(
            404,
            "no such recording, or not a URL the sandbox handed out",
        );
    }
    // Expired at its `Expires` second itself, so that a zero lifetime
    // gives URLs that are expired at once.
    if expires.is_some_and(|e| chrono::Utc::now().timestamp() >= e) {
        return admin_error(403, "the download URL has expired");
    }
    st.downloads += 1;
    Response {
        content_type: Some("audio/wav"),
        ..Response::json(200, wav::recording())
    }
}
