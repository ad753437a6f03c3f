//! The voice-notification (`callnotify`) and voice-verification-code
//! (`callVerify`) scenes: the checks of their bodies, their calls' lives
//! and their bills (spec: voice-call-more-apis.md, sections 1, 2 and 6).
//!
//! Both call the callee only: `callout` at once, `alerting` 1 simulated s
//! later, `answer` at 4 s (the callee endings 0000480, 0000486 and 0000603
//! fail the call as for click2Call: 8101 after 30 s of ringing, 8102 at
//! once, 8004 after 2 s). Then, on the simulated clock:
//! - notification: each play item lasts [`PLAY_S`]; after an item with
//!   `collectInd` N > 0 the callee keys N digits 2 s after the playback
//!   ([`KEY_NUMBERS`] picks which, or none: then `collectInfo` comes 5 s
//!   later with an empty `digitInfo`), pushed as `collectInfo`; then the
//!   call is released 1 s later (spec 1.4: "The call is then released";
//!   items after it are not played), unless `replayAfterCollection` is
//!   "true" and the keys equal `collectContentTriggerReplaying`: then the
//!   item is played and collected again, at most [`MAX_REPLAYS`] times
//!   (the vendor does not say how many). After the last item without
//!   collection the call is released at once.
//! - verification: `preTone` ([`TONE_S`]), then the code `times` times
//!   (1 s per digit each; `times` 0, "repeat without end", stops after
//!   [`ENDLESS_TIMES`] plays with stateCode 8010, maximum duration), then
//!   `posTone` if given ([`TONE_S`]); the tones are played once, not
//!   repeated with the code (the vendor does not say).
//!
//! A notification or verification call is released by the platform after
//! playing: `disconnect` stateCode 0 "The user releases the call." (the
//! vendor's samples), about the callee. An announcement (`notifyVoice`,
//! `preTone`, `posTone`) the app does not have ([`VOICE_FILES`]) is not
//! refused at the API: the call ends with stateCode 8006 when it comes to
//! play it. Templates are checked at the API ([`TEMPLATES`]): unknown
//! 1012003, not approved 1012002, wrong number of `templateParas` 1012004,
//! a value longer than its variable 1012005, with the configured HTTP
//! status. `callStop` stops these calls too. Their bills have `serviceType`
//! "001", the callee's leg as `callOut*`, `ttsPlayTimes` (templates and
//! code plays), and never recording fields.

use std::fmt::Write as _;

use super::templates::{TEMPLATES, VOICE_FILES, is_voice_file, template};
use super::*;

/// Simulated length of one play item of a notification.
pub(super) const PLAY_S: u64 = 5 * S;
/// Simulated length of `preTone` and of `posTone`.
pub(super) const TONE_S: u64 = 3 * S;
/// When the callee has keyed in the digits, after the playback.
const KEYED_S: u64 = 2 * S;
/// The time the callee has to start keying (the vendor's 5 s).
const KEY_WAIT_S: u64 = 5 * S;
/// Replays of one item at most.
pub(super) const MAX_REPLAYS: usize = 2;
/// Plays of the code when `times` is 0.
pub(super) const ENDLESS_TIMES: u64 = 100;

/// `calleeNbr` endings that pick the keys pressed, for the docs and
/// `--help`; any other number keys the first N of "1234567890" repeated
/// (1, 12, 1234, ...).
pub const KEY_NUMBERS: [(&str, &str); 2] = [
    (
        "0000100",
        "keys nothing: collectInfo 5 s after the playback with digitInfo \"\"; bill ulFailReason 100",
    ),
    (
        "0000111",
        "keys 1 for every digit asked (collectInd 2: \"11\", the vendor's replay example)",
    ),
];

/// Which keys the callee presses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Keys {
    Counting,
    Nothing,
    Ones,
}

impl Keys {
    pub(super) fn of(callee: &str) -> Keys {
        if callee.ends_with(KEY_NUMBERS[0].0) {
            Keys::Nothing
        } else if callee.ends_with(KEY_NUMBERS[1].0) {
            Keys::Ones
        } else {
            Keys::Counting
        }
    }

    pub(super) fn press(self, n: usize) -> String {
        match self {
            Keys::Counting => "1234567890".chars().cycle().take(n).collect(),
            Keys::Nothing => String::new(),
            Keys::Ones => "1".repeat(n),
        }
    }
}

/// The English text of a code the library's catalogue may not carry, as
/// the vendor's notification page gives it (1012004 reuses 1012003's
/// text there).
pub(super) fn scene_code_desc(code: &str) -> Option<&'static str> {
    Some(match code {
        "1012002" => "The template ID is not approved.",
        "1012003" | "1012004" => "The template ID does not exist.",
        "1012005" => "A value of templateParas does not fit its template variable.",
        "1012007" => "The record does not exist.",
        // [ERR]'s text, its typo included.
        "1010007" => "The ativeState of User is not ACTIVATING.",
        _ => return None,
    })
}

/// The fields both scenes share with click2Call.
pub(super) struct Common {
    pub(super) status_url: Option<String>,
    pub(super) fee_url: Option<String>,
    pub(super) return_idle_port: bool,
    pub(super) user_data: Option<String>,
}

pub(super) fn is_flag(s: &str) -> bool {
    s == "true" || s == "false"
}

/// `statusUrl`, `feeUrl`, `returnIdlePort`, `userData` (spec 0.3).
pub(super) fn common_fields(body: &Body) -> Result<Common, Reject> {
    Ok(Common {
        status_url: optional_str(body, "statusUrl", is_valid_notify_url)?.map(decode_url),
        fee_url: optional_str(body, "feeUrl", is_valid_notify_url)?.map(decode_url),
        return_idle_port: optional_str(body, "returnIdlePort", is_flag)? == Some("true"),
        user_data: optional_str(body, "userData", is_valid_user_data)?.map(str::to_owned),
    })
}

/// [`common_fields`] with the scenes' limit on the URLs as sent: their
/// pages type `statusUrl` and `feeUrl` String(1-128), which the Base64 text
/// is (click2Call's sandbox check, older, bounds the decoded URL only).
fn scene_common_fields(body: &Body) -> Result<Common, Reject> {
    for name in ["statusUrl", "feeUrl"] {
        if let Some(Value::String(url)) = field(body, name) {
            if url.len() > 128 {
                return Err(bad(
                    "statusUrl and feeUrl are at most 128 characters of Base64",
                ));
            }
        }
    }
    common_fields(body)
}

fn bad(why: &'static str) -> Reject {
    Reject(500, "1020001", why)
}

/// One `PlayContentInfo`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct PlayItem {
    /// `notifyVoice`, or `None` for a template.
    pub(super) voice: Option<String>,
    pub(super) template: Option<String>,
    pub(super) paras: Vec<String>,
    pub(super) collect: usize,
    pub(super) replay: bool,
    pub(super) trigger: Option<String>,
}

pub(super) fn play_items(body: &Body) -> Result<Vec<PlayItem>, Reject> {
    let Some(Value::Array(list)) = field(body, "playInfoList") else {
        return Err(bad("playInfoList must be an array"));
    };
    if !(1..=5).contains(&list.len()) {
        return Err(bad("playInfoList must have 1 to 5 items"));
    }
    list.iter()
        .map(|item| {
            let Value::Object(o) = item else {
                return Err(bad("a playInfoList item is not an object"));
            };
            let voice = optional_str(o, "notifyVoice", |s| text_len_ok(s, 1, 128))?;
            let template = optional_str(o, "templateId", |s| text_len_ok(s, 1, 32))?;
            if voice.is_some() == template.is_some() {
                return Err(bad(
                    "a playInfoList item needs exactly one of notifyVoice and templateId",
                ));
            }
            let paras = match field(o, "templateParas") {
                None => Vec::new(),
                Some(Value::Array(values)) => values
                    .iter()
                    .map(|v| v.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
                    .ok_or(bad("templateParas must be an array of strings"))?,
                Some(_) => return Err(bad("templateParas must be an array of strings")),
            };
            let collect = match field(o, "collectInd") {
                None => 0,
                Some(v) => match v.as_u64() {
                    Some(n) if n <= 32 => n as usize,
                    _ => return Err(bad("collectInd must be an integer 0-32")),
                },
            };
            let replay = optional_str(o, "replayAfterCollection", is_flag)? == Some("true");
            // Its length was not retrieved: at most collectInd's 32.
            let trigger = optional_str(o, "collectContentTriggerReplaying", |s| {
                text_len_ok(s, 1, 32)
            })?;
            Ok(PlayItem {
                voice: voice.map(str::to_owned),
                template: template.map(str::to_owned),
                paras,
                collect,
                replay,
                trigger: trigger.map(str::to_owned),
            })
        })
        .collect()
}

/// The template checks of the items, in list order; a 1012005 names the
/// value in `desc`.
fn check_templates(
    shared: &Shared,
    items: &[PlayItem],
    desc: &mut Option<String>,
) -> Result<(), Reject> {
    let refuse = |code| Reject(shared.template_status, code, "");
    for (i, item) in items.iter().enumerate() {
        let Some(id) = &item.template else {
            continue;
        };
        let t = template(id).ok_or(refuse("1012003"))?;
        if !t.approved {
            return Err(refuse("1012002"));
        }
        if item.paras.len() != t.variables.len() {
            return Err(refuse("1012004"));
        }
        for (j, (value, max)) in item.paras.iter().zip(t.variables).enumerate() {
            if value.is_empty() || value.chars().count() > *max {
                *desc = Some(format!(
                    "playInfoList[{i}].templateParas[{j}] of templateParas does not fit its \
                     template variable (1 to {max} characters)."
                ));
                return Err(refuse("1012005"));
            }
        }
    }
    Ok(())
}

/// 403/1010023 unless `number` is one of the app's display numbers.
pub(super) fn owns(app: &App, number: &str) -> Result<(), Reject> {
    if app.display_nbrs.iter().any(|d| d == number) {
        Ok(())
    } else {
        Err(Reject(403, "1010023", ""))
    }
}

/// `displayNbr` and `calleeNbr`, as both scenes take them.
fn numbers(body: &Body) -> Result<(&str, &str), Reject> {
    let display = required_str(body, "displayNbr", 4, 31)?;
    let callee = required_str(body, "calleeNbr", 4, 31)?;
    if !is_e164(callee) {
        return Err(bad("calleeNbr is not +E.164"));
    }
    Ok((display, callee))
}

pub(super) fn call_notify(
    shared: &Shared,
    app: &App,
    body: &Body,
    extra: &mut Map<String, Value>,
) -> Result<(), Reject> {
    let (display, callee) = numbers(body)?;
    let items = play_items(body)?;
    let common = scene_common_fields(body)?;
    owns(app, display)?;
    let mut desc = None;
    if let Err(reject) = check_templates(shared, &items, &mut desc) {
        if let Some(desc) = desc {
            extra.insert("resultdesc".into(), desc.into());
        }
        return Err(reject);
    }
    let (plan, digits) = notify_plan(Scenario::of(callee), Keys::of(callee), &items);
    let call = Call {
        digits,
        ..Call::new(app, Scene::Notify, (display, callee), &common, plan)
    };
    start_call(shared, call, common.return_idle_port, extra)
}

pub(super) fn call_verify(
    shared: &Shared,
    app: &App,
    body: &Body,
    extra: &mut Map<String, Value>,
) -> Result<(), Reject> {
    let (display, callee) = numbers(body)?;
    match field(body, "languageType").and_then(Value::as_u64) {
        Some(2) => {}
        _ => return Err(bad("languageType must be the integer 2")),
    }
    let pre_tone = required_str(body, "preTone", 1, 128)?;
    let code = required_str(body, "verifyCode", 2, 8)?;
    if !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("verifyCode must be 2-8 digits"));
    }
    let post_tone = optional_str(body, "posTone", |s| text_len_ok(s, 1, 128))?;
    let times = match field(body, "times") {
        None => 3,
        Some(v) => match v.as_u64() {
            Some(n) if n <= 9 => n,
            _ => return Err(bad("times must be an integer 0-9")),
        },
    };
    let common = scene_common_fields(body)?;
    owns(app, display)?;
    let plan = verify_plan(Scenario::of(callee), pre_tone, code, post_tone, times);
    let call = Call::new(app, Scene::Verify, (display, callee), &common, plan);
    start_call(shared, call, common.return_idle_port, extra)
}

/// The callee is rung: the steps up to its answer and when it answered, or
/// the steps of a call that ends there.
pub(super) fn ring(scenario: Scenario) -> (Vec<(u64, Step)>, Option<u64>) {
    use Event::{Alerting, Answer, Callout};
    let mut steps = vec![(0, Step::Status(Leg::Callee, Callout))];
    let alerting = (S, Step::Status(Leg::Callee, Alerting));
    match scenario {
        Scenario::Answers => {
            steps.push(alerting);
            steps.push((4 * S, Step::Status(Leg::Callee, Answer)));
            return (steps, Some(4 * S));
        }
        Scenario::NoAnswer => {
            steps.push(alerting);
            steps.push((31 * S, Step::End(Ending::NoAnswer)));
        }
        Scenario::Busy => steps.push((S, Step::End(Ending::Busy))),
        Scenario::Rejects => {
            steps.push(alerting);
            steps.push((3 * S, Step::End(Ending::Rejected)));
        }
    }
    (steps, None)
}

/// A notification's steps and the keys of its collections.
pub(super) fn notify_plan(
    scenario: Scenario,
    keys: Keys,
    items: &[PlayItem],
) -> (Vec<(u64, Step)>, Vec<String>) {
    let (mut steps, answered) = ring(scenario);
    let mut digits = Vec::new();
    let Some(mut t) = answered else {
        return (steps, digits);
    };
    for item in items {
        if item.voice.as_deref().is_some_and(|v| !is_voice_file(v)) {
            steps.push((t, Step::End(Ending::VoiceMissing)));
            return (steps, digits);
        }
        let mut replays = 0;
        loop {
            t += PLAY_S;
            steps.push((
                t,
                Step::Played {
                    tts: item.template.is_some(),
                },
            ));
            if item.collect == 0 {
                break;
            }
            let pressed = keys.press(item.collect);
            t += if pressed.is_empty() {
                KEY_WAIT_S
            } else {
                KEYED_S
            };
            let replay = item.replay
                && replays < MAX_REPLAYS
                && item.trigger.as_deref() == Some(pressed.as_str());
            digits.push(pressed);
            steps.push((t, Step::Collect(digits.len() - 1)));
            if !replay {
                steps.push((t + S, Step::End(Ending::Done)));
                return (steps, digits);
            }
            replays += 1;
        }
    }
    steps.push((t, Step::End(Ending::Done)));
    (steps, digits)
}

/// A verification's steps.
pub(super) fn verify_plan(
    scenario: Scenario,
    pre_tone: &str,
    code: &str,
    post_tone: Option<&str>,
    times: u64,
) -> Vec<(u64, Step)> {
    let (mut steps, answered) = ring(scenario);
    let Some(mut t) = answered else {
        return steps;
    };
    if !is_voice_file(pre_tone) {
        steps.push((t, Step::End(Ending::VoiceMissing)));
        return steps;
    }
    t += TONE_S;
    steps.push((t, Step::Played { tts: false }));
    let plays = if times == 0 { ENDLESS_TIMES } else { times };
    for _ in 0..plays {
        t += code.len() as u64 * S;
        steps.push((t, Step::Played { tts: true }));
    }
    if times == 0 {
        steps.push((t, Step::End(Ending::MaxDuration)));
        return steps;
    }
    if let Some(post) = post_tone {
        if !is_voice_file(post) {
            steps.push((t, Step::End(Ending::VoiceMissing)));
            return steps;
        }
        t += TONE_S;
        steps.push((t, Step::Played { tts: false }));
    }
    steps.push((t, Step::End(Ending::Done)));
    steps
}

/// The bill of a notification or verification call: `serviceType` "001",
/// the callee's leg as `callOut*`, no recording fields.
pub(super) fn scene_bill(call: &Call, out: &Outcome, end: u64) -> Value {
    let mut fee = bill_head(call, &call.callee);
    let mut put = |name: &str, value: Value| {
        fee.insert(name.into(), value);
    };
    let leg = |event| call.happened(Leg::Callee, event).map(|at| call.time(at));
    for (name, time) in [
        ("callOutStartTime", leg(Event::Callout)),
        ("callOutAlertingTime", leg(Event::Alerting)),
        ("callOutAnswerTime", leg(Event::Answer)),
    ] {
        if let Some(time) = time {
            put(name, time.into());
        }
    }
    let done = &call.plan[..call.next];
    // Failure point 100: "the collected number is empty".
    let keyed_nothing = done.iter().any(|(_, step)| {
        matches!(step, Step::Collect(n) if call.digits.get(*n).is_some_and(String::is_empty))
    });
    let fail_point = if out.fail_point == 0 && keyed_nothing {
        100
    } else {
        out.fail_point
    };
    let tts_plays = done
        .iter()
        .filter(|(_, step)| *step == Step::Played { tts: true })
        .count();
    put("callOutUnaswRsn", out.q850.into());
    put("callEndTime", call.time(end).into());
    put("ulFailReason", fail_point.into());
    put("sipStatusCode", out.sip.into());
    put("ttsPlayTimes", tts_plays.into());
    put("ttsTransDuration", 0.into());
    bill_tail(call, fee, "001")
}

/// What `voicecb sandbox --help` says about these scenes, the templates,
/// the announcements and recordings: read from the code, so it cannot go
/// stale.
pub fn scenes_help() -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Voice notification (POST {CALLNOTIFY_PATH}) and verification code\n\
         (POST {CALLVERIFY_PATH}) calls ring the callee only: callout, alerting\n\
         1 s later, answer at 4 s (the failing endings above apply). A notification\n\
         plays each playInfoList item for {} s; after an item with collectInd N the\n\
         callee keys N digits 2 s later, pushed as collectInfo with digitInfo, and the\n\
         call is released 1 s later (later items are not played), unless\n\
         replayAfterCollection is \"true\" and the keys equal\n\
         collectContentTriggerReplaying: then the item is replayed, {} times at most.\n\
         A verification plays preTone ({} s), the code times times (1 s a digit;\n\
         times 0 stops after {} plays with stateCode 8010), then posTone; tones are\n\
         not repeated. Both end with disconnect stateCode 0 and a bill with\n\
         serviceType \"001\" and ttsPlayTimes, never recording fields; callStop stops\n\
         them too. An announcement the app lacks ends the call with 8006 when due.\n\
         Their refusals carry sessionId \"\" (1020001 for a field out of its limits).\n\
         \n\
         Keys, by the end of calleeNbr (otherwise the first N of 1234567890...):",
        PLAY_S / S,
        MAX_REPLAYS,
        TONE_S / S,
        ENDLESS_TIMES,
    );
    for (ending, what) in KEY_NUMBERS {
        let _ = writeln!(s, "  ...{ending}  {what}");
    }
    let _ = writeln!(s, "\nThe app's announcements: {}.", VOICE_FILES.join(", "));
    let _ = writeln!(
        s,
        "Its templates (unknown: 1012003; not approved: 1012002; templateParas count\n\
         differs: 1012004; a value too long or empty: 1012005; HTTP status {DEFAULT_TEMPLATE_STATUS} unless\n\
         --template-status):"
    );
    for t in TEMPLATES {
        let limits: Vec<String> = t.variables.iter().map(|n| format!("<= {n}")).collect();
        let _ = writeln!(
            s,
            "  {:<17} {} variable(s) [{}]{}",
            t.id,
            t.variables.len(),
            limits.join(", "),
            if t.approved { "" } else { ", not approved" },
        );
    }
    let _ = writeln!(
        s,
        "\nA click2Call with recordFlag \"true\" whose callee answered is recorded: its\n\
         bill has recordObjectName, recordDomain, recordBucketName and\n\
         recordFileDownloadUrl. GET {RECORD_PATH}?fileName=<recordObjectName>\n\
         &recordDomain=<recordDomain> (AKSK-signed) answers 301 with Location, a URL on\n\
         the sandbox ({DOWNLOAD_PREFIX}...) valid for --record-url-ttl (7 days by\n\
         default; the vendor's older page said 30 minutes), where a one-second WAV\n\
         can be downloaded; any other name or domain gets --record-not-found\n\
         (default {} {}).",
        DEFAULT_RECORD_NOT_FOUND.0, DEFAULT_RECORD_NOT_FOUND.1,
    );
    let _ = writeln!(
        s,
        "\nA bill (any scene) answered 2xx with a JSON resultcode other than \"0\" is\n\
         retried like one answered with an error status, as the vendor's fee pages say."
    );
    s
}
