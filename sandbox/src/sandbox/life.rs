//! A placed call's simulated life: its steps on the simulated clock, how it
//! ends, its status events and bill (see the module doc of the sandbox).

use super::*;

/// One party of the call: A (`callerNbr`), rung first, or B (`calleeNbr`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Leg {
    Caller,
    Callee,
}

/// A status event before the disconnect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Event {
    Callout,
    Alerting,
    Answer,
}

impl Event {
    pub(super) fn name(self) -> &'static str {
        match self {
            Event::Callout => "callout",
            Event::Alerting => "alerting",
            Event::Answer => "answer",
        }
    }
}

/// How a call ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Ending {
    /// `callStop`.
    Stopped,
    /// `maxDuration` minutes after B answered.
    MaxDuration,
    /// B rang out.
    NoAnswer,
    /// B was busy.
    Busy,
    /// B rejected the call while ringing.
    Rejected,
    /// A notification or verification call played everything.
    Done,
    /// A notification or verification call came to an announcement the
    /// app does not have.
    VoiceMissing,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Step {
    Status(Leg, Event),
    /// An announcement or a TTS text (template, verification code) has
    /// been played: nothing is pushed; the bill counts the TTS plays.
    Played {
        tts: bool,
    },
    /// The keys collected after a play item: a `collectInfo` event with
    /// the call's `digits[n]`.
    Collect(usize),
    End(Ending),
}

/// What kind of call it is: which API placed it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Scene {
    /// click2Call: A, then B, possibly recorded.
    Callback,
    /// callnotify: the callee only, play items.
    Notify,
    /// callVerify: the callee only, the code.
    Verify,
}

/// How B behaves, from the end of `calleeNbr` (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Scenario {
    Answers,
    NoAnswer,
    Busy,
    Rejects,
}

/// `calleeNbr` endings that pick a scenario, for the docs and `--help`.
pub const SCENARIO_NUMBERS: [(&str, &str); 3] = [
    (
        "0000480",
        "B rings, never answers: disconnect 8101 after 30 simulated s",
    ),
    ("0000486", "B is busy: disconnect 8102, no B alerting"),
    ("0000603", "B rings, then rejects: disconnect 8004"),
];

impl Scenario {
    pub(super) fn of(callee: &str) -> Scenario {
        if callee.ends_with(SCENARIO_NUMBERS[0].0) {
            Scenario::NoAnswer
        } else if callee.ends_with(SCENARIO_NUMBERS[1].0) {
            Scenario::Busy
        } else if callee.ends_with(SCENARIO_NUMBERS[2].0) {
            Scenario::Rejects
        } else {
            Scenario::Answers
        }
    }
}

/// Simulated milliseconds per simulated second.
pub(super) const S: u64 = 1000;

/// A call's steps, at simulated milliseconds from its start (the table of
/// the module doc).
pub(super) fn plan(scenario: Scenario, max_duration_min: u64) -> Vec<(u64, Step)> {
    use Event::{Alerting, Answer, Callout};
    use Leg::{Callee, Caller};
    let mut steps = vec![
        (0, Step::Status(Caller, Callout)),
        (S, Step::Status(Caller, Alerting)),
        (4 * S, Step::Status(Caller, Answer)),
        (5 * S, Step::Status(Callee, Callout)),
    ];
    match scenario {
        Scenario::Answers => {
            steps.push((6 * S, Step::Status(Callee, Alerting)));
            steps.push((9 * S, Step::Status(Callee, Answer)));
            if max_duration_min > 0 {
                let end = 9 * S + max_duration_min * 60 * S;
                steps.push((end, Step::End(Ending::MaxDuration)));
            }
        }
        Scenario::NoAnswer => {
            steps.push((6 * S, Step::Status(Callee, Alerting)));
            steps.push((36 * S, Step::End(Ending::NoAnswer)));
        }
        Scenario::Busy => steps.push((6 * S, Step::End(Ending::Busy))),
        Scenario::Rejects => {
            steps.push((6 * S, Step::Status(Callee, Alerting)));
            steps.push((8 * S, Step::End(Ending::Rejected)));
        }
    }
    steps
}

/// An active call.
pub(super) struct Call {
    pub(super) seq: u64,
    pub(super) id: String,
    /// The app that placed it: owns it, and signs its pushes.
    pub(super) signer: Signer,
    pub(super) started: Instant,
    pub(super) started_at: chrono::DateTime<chrono::Utc>,
    pub(super) display: String,
    pub(super) caller: String,
    pub(super) callee: String,
    pub(super) display_callee: String,
    pub(super) user_data: Option<String>,
    pub(super) status_url: Option<String>,
    pub(super) fee_url: Option<String>,
    pub(super) party_type: bool,
    pub(super) record: bool,
    pub(super) scene: Scene,
    /// The keys of each `Step::Collect`.
    pub(super) digits: Vec<String>,
    pub(super) plan: Vec<(u64, Step)>,
    /// Index of the first step not yet happened.
    pub(super) next: usize,
}

impl Call {
    /// A call of `app` from `display` to `callee` not yet placed (see
    /// `start_call`): the callee sees `display`; no caller leg, party type
    /// nor recording unless set after.
    pub(super) fn new(
        app: &App,
        scene: Scene,
        (display, callee): (&str, &str),
        common: &Common,
        plan: Vec<(u64, Step)>,
    ) -> Call {
        Call {
            seq: 0,
            id: String::new(),
            signer: Signer {
                key: app.key.clone(),
                secret: app.secret.clone(),
            },
            started: Instant::now(),
            started_at: chrono::Utc::now(),
            display: display.into(),
            caller: String::new(),
            callee: callee.into(),
            display_callee: display.into(),
            user_data: common.user_data.clone(),
            status_url: common.status_url.clone(),
            fee_url: common.fee_url.clone(),
            party_type: false,
            record: false,
            scene,
            digits: Vec::new(),
            plan,
            next: 0,
        }
    }

    /// When (simulated ms) a status step happened, if it did.
    pub(super) fn happened(&self, leg: Leg, event: Event) -> Option<u64> {
        self.plan[..self.next]
            .iter()
            .find(|(_, s)| *s == Step::Status(leg, event))
            .map(|(at, _)| *at)
    }

    /// `yyyy-MM-dd HH:mm:ss` (UTC) of a simulated instant.
    pub(super) fn time(&self, sim_ms: u64) -> String {
        let offset = chrono::TimeDelta::milliseconds(i64::try_from(sim_ms).unwrap_or(i64::MAX));
        self.started_at
            .checked_add_signed(offset)
            .unwrap_or(self.started_at)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    }

    /// `caller` / `called` of a status event about one leg: the number the
    /// party sees calling, and the party's own number.
    pub(super) fn numbers(&self, leg: Leg) -> (&str, &str) {
        match leg {
            Leg::Caller => (&self.display, &self.caller),
            Leg::Callee => (&self.display_callee, &self.callee),
        }
    }

    pub(super) fn push(&self, shared: &Shared, kind: Kind, url: &str, body: Value) {
        shared.pusher.submit(Push {
            kind,
            url: url.to_owned(),
            body: body.to_string(),
            signer: shared.sign_pushes.then(|| self.signer.clone()),
        });
    }

    pub(super) fn status_info(&self, leg: Leg, sim_ms: u64) -> Map<String, Value> {
        let (caller, called) = self.numbers(leg);
        let mut info = Map::new();
        info.insert("sessionId".into(), self.id.clone().into());
        info.insert("timestamp".into(), self.time(sim_ms).into());
        info.insert("caller".into(), caller.into());
        info.insert("called".into(), called.into());
        if let Some(user_data) = &self.user_data {
            info.insert("userData".into(), user_data.clone().into());
        }
        info
    }
}

/// Who hung up, for `partyType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Party {
    /// A hung up first: the sandbox never plays that, but the value is
    /// part of the mapping.
    #[allow(dead_code)]
    Caller,
    Callee,
    Platform,
}

impl Party {
    /// The `partyType` value. The platform's doc names the three kinds
    /// (主叫挂机, 被叫挂机, 平台挂机) in this order; the sandbox numbers them
    /// from 0 in that order, as strings like the platform's other enums.
    pub(super) fn value(self) -> &'static str {
        match self {
            Party::Caller => "0",
            Party::Callee => "1",
            Party::Platform => "2",
        }
    }
}

/// What the disconnect and the bill say about an ending.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Outcome {
    pub(super) state_code: u32,
    pub(super) state_desc: &'static str,
    pub(super) party: Party,
    /// The leg the disconnect event is about: A when the platform released
    /// the call (it releases A first), B when B failed.
    pub(super) leg: Leg,
    /// Q.850 cause of B's failure (`fwdUnaswRsn`), 0 if none.
    pub(super) q850: u32,
    /// The platform's failure point (`ulFailReason`), 0 if none.
    pub(super) fail_point: u32,
    /// SIP final answer of B's failure (`sipStatusCode`), 0 if none.
    pub(super) sip: u32,
}

pub(super) fn outcome(ending: Ending, b_answered: bool) -> Outcome {
    let normal = |state_code, state_desc| Outcome {
        state_code,
        state_desc,
        party: Party::Platform,
        leg: Leg::Caller,
        q850: 0,
        fail_point: 0,
        sip: 0,
    };
    // 518: "the remote party's call failed; see the Q.850 cause".
    let failed = |state_code, state_desc, party, q850, sip| Outcome {
        state_code,
        state_desc,
        party,
        leg: Leg::Callee,
        q850,
        fail_point: 518,
        sip,
    };
    match ending {
        Ending::Stopped if b_answered => normal(0, "The user releases the call."),
        Ending::Stopped => normal(8017, "The call is released on the user's instruction."),
        Ending::MaxDuration => normal(8010, "The call reached its maximum duration."),
        Ending::NoAnswer => failed(
            8101,
            "The callee does not answer.",
            Party::Platform,
            19,
            480,
        ),
        Ending::Busy => failed(8102, "The callee is busy.", Party::Callee, 17, 486),
        Ending::Rejected => failed(
            8004,
            "The user hung up while ringing.",
            Party::Callee,
            21,
            603,
        ),
        // The platform releases the callee once all is played: the
        // vendor's samples of these scenes show 0 with this text.
        Ending::Done => Outcome {
            leg: Leg::Callee,
            ..normal(0, "The user releases the call.")
        },
        Ending::VoiceMissing => Outcome {
            leg: Leg::Callee,
            ..normal(8006, "The announcement file does not exist.")
        },
    }
}

/// Makes the steps of call `id` that are due by `now` happen, in order.
pub(super) fn catch_up(shared: &Shared, st: &mut State, id: &str, now: Instant) {
    loop {
        let Some(call) = st.calls.get_mut(id) else {
            return;
        };
        let Some(&(at, step)) = call.plan.get(call.next) else {
            return;
        };
        if call.started + shared.real(at) > now {
            return;
        }
        call.next += 1;
        match step {
            Step::Status(leg, event) => {
                if let Some(url) = &call.status_url {
                    let body = json!({
                        "eventType": event.name(),
                        "statusInfo": call.status_info(leg, at),
                    });
                    call.push(shared, Kind::Status, url, body);
                }
            }
            Step::Played { .. } => {}
            Step::Collect(n) => {
                if let Some(url) = &call.status_url {
                    let mut info = call.status_info(Leg::Callee, at);
                    let digits = call.digits.get(n).cloned().unwrap_or_default();
                    info.insert("digitInfo".into(), digits.into());
                    let body = json!({"eventType": "collectInfo", "statusInfo": info});
                    call.push(shared, Kind::Status, url, body);
                }
            }
            Step::End(ending) => {
                end_call(shared, st, id, ending, at);
                return;
            }
        }
    }
}

/// Ends call `id` at simulated `at`: no longer active; pushes the
/// disconnect and the bill.
pub(super) fn end_call(shared: &Shared, st: &mut State, id: &str, ending: Ending, at: u64) {
    let Some(call) = st.calls.remove(id) else {
        return;
    };
    let b_answer = call.happened(Leg::Callee, Event::Answer);
    let mut out = outcome(ending, b_answer.is_some());
    if call.scene != Scene::Callback {
        // The callee is the only party.
        out.leg = Leg::Callee;
    }
    // Recording starts when B answers: a call whose B never answered has
    // no recording. Notifications and verifications are never recorded.
    let recording = b_answer
        .filter(|_| call.scene == Scene::Callback && call.record)
        .map(|start| register_recording(st, &call, start));
    if let Some(url) = &call.status_url {
        let mut info = call.status_info(out.leg, at);
        info.insert("stateCode".into(), out.state_code.into());
        info.insert("stateDesc".into(), out.state_desc.into());
        if call.party_type {
            info.insert("partyType".into(), out.party.value().into());
        }
        let body = json!({"eventType": "disconnect", "statusInfo": info});
        call.push(shared, Kind::Status, url, body);
    }
    if let Some(url) = &call.fee_url {
        let fee = match call.scene {
            Scene::Callback => bill(&call, &out, at, recording.as_ref()),
            Scene::Notify | Scene::Verify => scene_bill(&call, &out, at),
        };
        let body = json!({"eventType": "fee", "feeLst": [fee]});
        call.push(shared, Kind::Bill, url, body);
    }
}

/// `recordDomain` of a recorded call's bill: a reserved name (.invalid),
/// so that nothing ever fetches a sandbox recording from the network; the
/// recording-URL API hands out download URLs on the sandbox itself (see
/// `record.rs`).
pub(super) const RECORD_DOMAIN: &str = "obs.sandbox.invalid";
/// `recordBucketName` of a recorded call's bill.
pub(super) const RECORD_BUCKET: &str = "voicecb-sandbox-records";

/// The bill (`FeeInfo`) of an ended call. A leg is the platform's first
/// call (to `callerNbr`, showing `displayNbr`), B the forwarded one (to
/// `calleeNbr`, showing `displayCalleeNbr`); times of steps that did not
/// happen are left out.
pub(super) fn bill(call: &Call, out: &Outcome, end: u64, recording: Option<&RecordLink>) -> Value {
    let mut fee = bill_head(call, &call.caller);
    let mut put = |name: &str, value: Value| {
        fee.insert(name.into(), value);
    };
    put("fwdDisplayNum", call.display_callee.clone().into());
    put("fwdDstNum", call.callee.clone().into());
    // The platform calls A out (the vendor's samples carry callOut* for
    // it, not callInTime), then forwards to B (fwd*).
    let a = |event| call.happened(Leg::Caller, event).map(|at| call.time(at));
    let b = |event| call.happened(Leg::Callee, event).map(|at| call.time(at));
    for (name, time) in [
        ("callOutStartTime", a(Event::Callout)),
        ("callOutAlertingTime", a(Event::Alerting)),
        ("callOutAnswerTime", a(Event::Answer)),
        ("fwdStartTime", b(Event::Callout)),
        ("fwdAlertingTime", b(Event::Alerting)),
        ("fwdAnswerTime", b(Event::Answer)),
    ] {
        if let Some(time) = time {
            put(name, time.into());
        }
    }
    // A always answers in the sandbox: no cause for its leg.
    put("callOutUnaswRsn", 0.into());
    put("callEndTime", call.time(end).into());
    put("fwdUnaswRsn", out.q850.into());
    put("ulFailReason", out.fail_point.into());
    put("sipStatusCode", out.sip.into());
    put("recordFlag", u32::from(recording.is_some()).into());
    if let Some(rec) = recording {
        put("recordStartTime", call.time(rec.start).into());
        put("recordObjectName", rec.object.clone().into());
        put("recordBucketName", RECORD_BUCKET.into());
        put("recordDomain", RECORD_DOMAIN.into());
        // A direct URL on the reserved domain: never fetched.
        let url = format!("https://{RECORD_DOMAIN}/{RECORD_BUCKET}/{}", rec.object);
        put("recordFileDownloadUrl", url.into());
    }
    put("ttsPlayTimes", 0.into());
    put("ttsTransDuration", 0.into());
    bill_tail(call, fee, "002")
}

/// The fields every bill starts with; `callee_num` is the number the
/// platform called first (the bill's `calleeNum`).
pub(super) fn bill_head(call: &Call, callee_num: &str) -> Map<String, Value> {
    let mut fee = Map::new();
    let icid = format!("{:032x}.{}", rand::rng().random::<u128>(), call.seq);
    fee.insert("direction".into(), 0.into());
    fee.insert("spId".into(), SP_ID.into());
    fee.insert("appKey".into(), call.signer.key.clone().into());
    fee.insert("icid".into(), icid.into());
    fee.insert("bindNum".into(), call.display.clone().into());
    fee.insert("sessionId".into(), call.id.clone().into());
    fee.insert("callerNum".into(), call.display.clone().into());
    fee.insert("calleeNum".into(), callee_num.into());
    fee
}

/// The fields every bill ends with.
pub(super) fn bill_tail(call: &Call, mut fee: Map<String, Value>, service_type: &str) -> Value {
    fee.insert("serviceType".into(), service_type.into());
    fee.insert("hostName".into(), HOST_NAME.into());
    if let Some(user_data) = &call.user_data {
        fee.insert("userData".into(), user_data.clone().into());
    }
    Value::Object(fee)
}

/// The call-life thread: makes each call's steps happen when due. One timer
/// per active call: set when the call is placed, renewed here after each
/// step; a timer of a call no longer active is dropped.
pub(super) fn run_life(shared: &Shared) {
    let mut st = shared.lock();
    loop {
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        let now = Instant::now();
        let next_due = st.timers.peek().map(|Reverse((due, _, _))| *due);
        match next_due {
            Some(due) if due <= now => {
                let Some(Reverse((_, seq, id))) = st.timers.pop() else {
                    continue;
                };
                if st.calls.get(&id).is_none_or(|c| c.seq != seq) {
                    continue;
                }
                catch_up(shared, &mut st, &id, now);
                if let Some(call) = st.calls.get(&id) {
                    if let Some((at, _)) = call.plan.get(call.next) {
                        let due = call.started + shared.real(*at);
                        st.timers.push(Reverse((due, seq, id)));
                    }
                }
            }
            _ => {
                let wait = next_due
                    .map_or(LIFE_IDLE, |due| due.saturating_duration_since(now))
                    .min(LIFE_IDLE);
                st = shared
                    .life
                    .wait_timeout(st, wait)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
        }
    }
}
