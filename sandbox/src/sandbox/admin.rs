//! The unauthenticated admin paths under `/__sandbox/`: forced answers,
//! counters, reset and shutdown.

use super::*;

pub(super) fn admin_json(status: u16, body: Value) -> Response {
    Response::json(status, body.to_string())
}

pub(super) fn admin_error(status: u16, message: &str) -> Response {
    admin_json(status, json!({ "error": message }))
}

pub(super) fn admin(shared: &Shared, req: &Request) -> Response {
    let method = req.method.as_str();
    match (req.path.as_str(), method) {
        ("/__sandbox/next", "POST") => queue_forced(shared, &req.body),
        ("/__sandbox/stats", "GET") => {
            let pushes = shared.pusher.stats();
            let st = shared.lock();
            admin_json(
                200,
                json!({
                    "requests": st.requests,
                    "click2call": st.click2call,
                    "callstop": st.callstop,
                    "callnotify": st.callnotify,
                    "callverify": st.callverify,
                    "record": st.record,
                    "recordings": st.recordings.len(),
                    "downloads": st.downloads,
                    "active_sessions": st.calls.len(),
                    "queued": st.forced_pending(),
                    "last_user_agent": st.last_user_agent,
                    "last_created": st.last_created,
                    "pushes_sent": pushes.sent,
                    "pushes_failed": pushes.failed,
                    "pushes_queued": pushes.queued,
                    "pushes_skipped": pushes.skipped,
                    "push_attempts": pushes.attempts,
                    "push_notes": pushes.notes,
                }),
            )
        }
        ("/__sandbox/reset", "POST") => {
            // Sessions first: no call can queue a push once they are gone.
            shared.lock().reset();
            shared.pusher.reset();
            admin_json(200, json!({ "reset": true }))
        }
        ("/__sandbox/shutdown", "POST") => {
            let mut resp = admin_json(200, json!({ "stopping": true }));
            resp.stop_server = true;
            resp
        }
        ("/__sandbox/next" | "/__sandbox/reset" | "/__sandbox/shutdown", _) => {
            admin_error(405, "use POST")
        }
        ("/__sandbox/stats", _) => admin_error(405, "use GET"),
        _ => admin_error(404, "unknown admin path"),
    }
}

pub(super) fn queue_forced(shared: &Shared, body: &[u8]) -> Response {
    match parse_forced(body) {
        Err(message) => admin_error(400, message),
        Ok(forced) => {
            let mut st = shared.lock();
            let limits = [
                (
                    st.forced_pending() + forced.remaining > MAX_FORCED,
                    format!("{MAX_FORCED} answers"),
                ),
                (
                    st.forced.len() >= MAX_FORCED_ENTRIES,
                    format!("{MAX_FORCED_ENTRIES} entries"),
                ),
                (
                    st.forced_bytes() + forced.bytes() > MAX_FORCED_BYTES,
                    format!("{MAX_FORCED_BYTES} bytes of resultcode, resultdesc and raw_body"),
                ),
            ];
            if let Some((_, limit)) = limits.iter().find(|(over, _)| *over) {
                let message = format!(
                    "forced answers are limited to {limit} queued at once (POST /__sandbox/reset clears them)"
                );
                return admin_error(400, &message);
            }
            st.forced.push_back(forced);
            admin_json(200, json!({ "queued": st.forced_pending() }))
        }
    }
}

pub(super) fn parse_forced(body: &[u8]) -> Result<Forced, &'static str> {
    const FIELDS: [&str; 5] = [
        "http_status",
        "resultcode",
        "resultdesc",
        "count",
        "raw_body",
    ];
    let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(body) else {
        return Err("body must be a JSON object");
    };
    if obj.keys().any(|k| !FIELDS.contains(&k.as_str())) {
        return Err("unknown field; allowed: http_status, resultcode, resultdesc, count, raw_body");
    }
    let status = match obj.get("http_status").map(Value::as_u64) {
        Some(Some(s)) if (200..=599).contains(&s) && s != 204 && s != 304 => s as u16,
        _ => return Err("http_status must be an integer 200-599 (not 204 or 304)"),
    };
    let text = |name: &str| -> Result<Option<String>, &'static str> {
        match obj.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err("resultcode, resultdesc and raw_body must be strings"),
        }
    };
    let raw_body = text("raw_body")?;
    let code = text("resultcode")?;
    let desc = text("resultdesc")?;
    let code = match code {
        Some(c) if !c.is_empty() && c.len() <= 32 => c,
        Some(_) => return Err("resultcode must be 1-32 characters"),
        None if raw_body.is_some() => String::new(),
        None => return Err("resultcode is required unless raw_body is given"),
    };
    let remaining = match obj.get("count").map(Value::as_u64) {
        None => 1,
        Some(Some(n)) if (1..=MAX_FORCED).contains(&n) => n,
        Some(_) => return Err("count must be an integer 1-100000"),
    };
    Ok(Forced {
        status,
        code,
        desc,
        raw_body,
        remaining,
    })
}
