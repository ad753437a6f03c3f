//! The platform calls: the checks of the body in the platform's order, each
//! with its result code, and the answers (the scenes' own checks are in
//! `scenes.rs`, the recording URL's in `record.rs`).

use super::*;

/// A refusal: HTTP status and result code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Reject(
    pub(super) u16,
    pub(super) &'static str,
    /// Why, for `--verbose`: never a secret nor a digest; empty when the
    /// code's description says it all.
    pub(super) &'static str,
);

/// The `resultdesc` the platform would send.
pub(super) fn result_desc(api: Api, status: u16, code: &str) -> String {
    if code == "0" {
        return "Success".into();
    }
    codes::lookup(api, status, code)
        .or_else(|| codes::describe(status, code))
        .map(|c| c.en())
        .or_else(|| scene_code_desc(code))
        .unwrap_or("Unknown error.")
        .to_string()
}

pub(super) fn result_body(
    api: Api,
    status: u16,
    code: &str,
    desc: Option<String>,
    extra: Map<String, Value>,
) -> Response {
    let mut body = Map::new();
    body.insert("resultcode".into(), code.into());
    body.insert(
        "resultdesc".into(),
        desc.unwrap_or_else(|| result_desc(api, status, code))
            .into(),
    );
    body.extend(extra);
    Response::json(status, Value::Object(body).to_string())
}

pub(super) fn platform(shared: &Shared, req: &Request) -> Response {
    let api = if req.path == CALLSTOP_PATH {
        Api::CallStop
    } else {
        Api::Click2Call
    };
    let forced = {
        let mut st = shared.lock();
        st.requests += 1;
        match req.path.as_str() {
            CLICK2CALL_PATH => st.click2call += 1,
            CALLSTOP_PATH => st.callstop += 1,
            CALLNOTIFY_PATH => st.callnotify += 1,
            CALLVERIFY_PATH => st.callverify += 1,
            RECORD_PATH => st.record += 1,
            _ => {}
        }
        st.last_user_agent = req.header("user-agent").unwrap_or("").to_string();
        st.last_created = req
            .header("x-aksk")
            .map(|v| v.strip_prefix("UsernameToken ").unwrap_or(v))
            .and_then(|v| attribute(v, "Created"))
            .unwrap_or("")
            .to_string();
        st.pop_forced()
    };
    if let Some((status, code, desc, raw_body)) = forced {
        if shared.verbose {
            log_request(
                req,
                status,
                &format!("resultcode {code}"),
                "a forced answer",
            );
        }
        return match raw_body {
            Some(raw) => Response::json(status, raw),
            None => result_body(api, status, &code, desc, Map::new()),
        };
    }
    if req.method == "GET" && req.path == RECORD_PATH {
        return record_url(shared, req);
    }
    let mut extra = Map::new();
    let (status, code, why) = match answer(shared, req, &mut extra) {
        Ok(()) => (200, "0", ""),
        Err(Reject(status, code, why)) => {
            // The scenes' answers always carry sessionId, empty on failure.
            if [CALLNOTIFY_PATH, CALLVERIFY_PATH].contains(&req.path.as_str()) {
                extra.insert("sessionId".into(), "".into());
            }
            (status, code, why)
        }
    };
    if shared.verbose {
        let why = if why.is_empty() && code != "0" {
            result_desc(api, status, code)
        } else {
            why.to_owned()
        };
        log_request(req, status, &format!("resultcode {code}"), &why);
    }
    result_body(api, status, code, None, extra)
}

/// One line on stderr for `--verbose`: the request, the answer and, for a
/// refusal, the check and why. Only the method and path of the request are
/// written: its headers carry the digest and its body the numbers.
pub(super) fn log_request(req: &Request, status: u16, outcome: &str, why: &str) {
    let sep = if why.is_empty() { "" } else { ": " };
    eprintln!(
        "voicecb sandbox: {} {} -> {status} {outcome}{sep}{why}",
        req.method, req.path
    );
}

/// Runs the platform's checks in the platform's order; on success fills
/// `extra` with the fields a success carries.
pub(super) fn answer(
    shared: &Shared,
    req: &Request,
    extra: &mut Map<String, Value>,
) -> Result<(), Reject> {
    let app = authenticate(shared, req)?;
    enum Route {
        Click2Call,
        CallStop,
        CallNotify,
        CallVerify,
    }
    let route = match (req.method.as_str(), req.path.as_str()) {
        ("POST", CLICK2CALL_PATH) => Route::Click2Call,
        ("POST", CALLSTOP_PATH) => Route::CallStop,
        ("POST", CALLNOTIFY_PATH) => Route::CallNotify,
        ("POST", CALLVERIFY_PATH) => Route::CallVerify,
        _ => return Err(Reject(403, "1010006", "")),
    };
    // The media type is what comes before any parameter, whole: a prefix
    // test would take `application/jsonx`.
    let content_type = req.header("content-type").unwrap_or("");
    let media_type = content_type.split(';').next().unwrap_or("").trim();
    if !media_type.eq_ignore_ascii_case("application/json") {
        return Err(Reject(
            500,
            "1020001",
            "Content-Type is not application/json",
        ));
    }
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&req.body) else {
        return Err(Reject(500, "1020001", ""));
    };
    match route {
        Route::Click2Call => click2call(shared, app, &body, extra),
        Route::CallStop => call_stop(shared, app, &body),
        Route::CallNotify => call_notify(shared, app, &body, extra),
        Route::CallVerify => call_verify(shared, app, &body, extra),
    }
}

/// E.164 with a leading `+`, as the platform wants caller and callee.
pub(super) fn is_e164(number: &str) -> bool {
    let Some(digits) = number.strip_prefix('+') else {
        return false;
    };
    (7..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

/// `statusUrl` / `feeUrl`: standard Base64 of an http(s) URL of at most 128
/// bytes drawn from the spec's character set.
pub(super) fn is_valid_notify_url(encoded: &str) -> bool {
    let Ok(decoded) = BASE64.decode(encoded) else {
        return false;
    };
    if decoded.len() > 128
        || !decoded
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"-:./".contains(&b))
    {
        return false;
    }
    let rest = decoded
        .strip_prefix(b"http://")
        .or_else(|| decoded.strip_prefix(b"https://"));
    rest.is_some_and(|r| !r.is_empty())
}

/// The spec forbids braces and Chinese characters in `userData`.
pub(super) fn is_valid_user_data(s: &str) -> bool {
    let is_cjk = |c: char| {
        matches!(c as u32,
            0x2E80..=0x9FFF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF | 0x20000..=0x2FA1F)
    };
    (1..=256).contains(&s.chars().count()) && !s.chars().any(|c| c == '{' || c == '}' || is_cjk(c))
}

pub(super) type Body = Map<String, Value>;

/// A field that is present and not `null`: the platform (a Java service)
/// treats `null` like an absent field.
pub(super) fn field<'a>(body: &'a Body, name: &str) -> Option<&'a Value> {
    body.get(name).filter(|v| !v.is_null())
}

pub(super) fn text_len_ok(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.chars().count())
}

pub(super) fn required_str<'a>(
    body: &'a Body,
    name: &str,
    min: usize,
    max: usize,
) -> Result<&'a str, Reject> {
    match field(body, name) {
        Some(Value::String(s)) if text_len_ok(s, min, max) => Ok(s),
        _ => Err(Reject(500, "1020001", "")),
    }
}

pub(super) fn optional_str<'a>(
    body: &'a Body,
    name: &str,
    ok: impl Fn(&str) -> bool,
) -> Result<Option<&'a str>, Reject> {
    match field(body, name) {
        None => Ok(None),
        Some(Value::String(s)) if ok(s) => Ok(Some(s)),
        Some(_) => Err(Reject(500, "1020001", "")),
    }
}

pub(super) fn click2call(
    shared: &Shared,
    app: &App,
    body: &Body,
    extra: &mut Map<String, Value>,
) -> Result<(), Reject> {
    let display = required_str(body, "displayNbr", 4, 31)?;
    let caller = required_str(body, "callerNbr", 4, 31)?;
    let callee = required_str(body, "calleeNbr", 4, 31)?;
    let display_callee = required_str(body, "displayCalleeNbr", 4, 31)?;
    if !is_e164(callee) {
        return Err(Reject(500, "1020001", ""));
    }
    let max_duration = match field(body, "maxDuration") {
        None => 0,
        Some(v) => match v.as_u64() {
            Some(m) if m <= 1440 => m,
            _ => return Err(Reject(500, "1020001", "")),
        },
    };
    let one_of = |allowed: &'static [&'static str]| move |s: &str| allowed.contains(&s);
    let voice = |s: &str| text_len_ok(s, 1, 128);
    optional_str(body, "lastMinToUE", one_of(&["toa", "tob", "both"]))?;
    optional_str(body, "calleeMedia", one_of(&["all", "none", "fail"]))?;
    optional_str(body, "playPreVoice", is_flag)?;
    let record = optional_str(body, "recordFlag", is_flag)? == Some("true");
    let party_type = optional_str(body, "partyTypeRequiredInDisconnect", is_flag)? == Some("true");
    for name in ["lastMinVoice", "preVoice", "waitVoice", "recordHintTone"] {
        optional_str(body, name, voice)?;
    }
    let common = common_fields(body)?;

    owns(app, display)?;
    owns(app, display_callee)?;
    if !is_e164(caller) {
        return Err(Reject(403, "1010024", ""));
    }
    let call = Call {
        caller: caller.into(),
        display_callee: display_callee.into(),
        party_type,
        record,
        ..Call::new(
            app,
            Scene::Callback,
            (display, callee),
            &common,
            plan(Scenario::of(callee), max_duration),
        )
    };
    start_call(shared, call, common.return_idle_port, extra)
}

/// Places `call` (its id, number and start are set here): it becomes
/// active, its first step due at once; fills `extra` with `sessionId` and,
/// if asked, `idlePort`.
pub(super) fn start_call(
    shared: &Shared,
    mut call: Call,
    return_idle_port: bool,
    extra: &mut Map<String, Value>,
) -> Result<(), Reject> {
    let idle_port = |active: usize| Value::from(VOICE_PORTS.saturating_sub(active) as u64);
    let mut st = shared.lock();
    if st.calls.len() >= VOICE_PORTS {
        return Err(Reject(500, "1020154", ""));
    }
    let started_at = chrono::Utc::now();
    let stamp = started_at.format("%Y%m%d%H%M%S").to_string();
    let st = &mut *st;
    // The counter makes ids unique; the loop only guards against a
    // wrapped counter meeting a still-active id within the same second.
    let mut id = String::new();
    for _ in 0..64 {
        let n = st.next_session % SESSION_SPACE;
        st.next_session = (st.next_session + 1) % SESSION_SPACE;
        id = format!("{:04}_{:03}_0_{stamp}@{HOST_NAME}", n / 1000, n % 1000);
        if !st.calls.contains_key(&id) {
            break;
        }
    }
    if st.calls.contains_key(&id) {
        return Err(Reject(500, "1020154", ""));
    }
    let seq = st.next_call;
    st.next_call += 1;
    let started = Instant::now();
    call.seq = seq;
    call.id = id.clone();
    call.started = started;
    call.started_at = started_at;
    // The first step is due at once; the life thread takes it.
    st.timers.push(Reverse((started, seq, id.clone())));
    st.calls.insert(id.clone(), call);
    shared.life.notify_all();
    extra.insert("sessionId".into(), id.into());
    if return_idle_port {
        extra.insert("idlePort".into(), idle_port(st.calls.len()));
    }
    Ok(())
}

/// A validated `statusUrl` / `feeUrl` decoded (the validator has checked it
/// is Base64 of ASCII).
pub(super) fn decode_url(encoded: &str) -> String {
    BASE64
        .decode(encoded)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_default()
}

pub(super) fn call_stop(shared: &Shared, app: &App, body: &Body) -> Result<(), Reject> {
    let session = required_str(body, "sessionid", 1, 256)?;
    if required_str(body, "signal", 1, 128)? != "call_stop" {
        return Err(Reject(500, "1020001", ""));
    }
    let mut st = shared.lock();
    let now = Instant::now();
    if st
        .calls
        .get(session)
        .is_none_or(|c| c.signer.key != app.key)
    {
        return Err(Reject(500, "1020152", ""));
    }
    // Steps already due happen first: the call may even have ended by
    // itself a moment ago, and then it is no longer there to stop.
    catch_up(shared, &mut st, session, now);
    let Some(call) = st.calls.get(session) else {
        return Err(Reject(500, "1020152", ""));
    };
    let last = call.plan[..call.next].last().map_or(0, |(at, _)| *at);
    let at = shared
        .sim_ms(now.saturating_duration_since(call.started))
        .max(last);
    end_call(shared, &mut st, session, Ending::Stopped, at);
    Ok(())
}
