//! Tests of the voice-notification and verification scenes and of the
//! recording flow, over raw HTTP with hand-signed requests (the helpers of
//! the sandbox's own tests).

use super::tests::*;
use super::*;

const CALLEE: &str = "+8613700000002";

fn notify_body(items: Value) -> Value {
    json!({
        "displayNbr": DISPLAY,
        "calleeNbr": CALLEE,
        "playInfoList": items,
        "userData": "scene-test",
    })
}

fn verify_body() -> Value {
    json!({
        "displayNbr": DISPLAY,
        "calleeNbr": CALLEE,
        "languageType": 2,
        "preTone": "welcome.wav",
        "verifyCode": "12345678",
        "times": 3,
        "userData": "scene-test",
    })
}

/// `body` with Base64 `statusUrl` / `feeUrl` of the receiver's `prefix`.
fn pushing(mut body: Value, rx: &Receiver, prefix: &str) -> Value {
    body["statusUrl"] = json!(BASE64.encode(rx.url(&format!("{prefix}/s"))));
    body["feeUrl"] = json!(BASE64.encode(rx.url(&format!("{prefix}/f"))));
    body
}

fn placed(c: &mut RawClient, path: &str, body: &Value) -> String {
    let a = call(c, path, body);
    assert_result(&a, 200, "0");
    let v = a.json();
    assert!(v.get("idlePort").is_none(), "{v}");
    assert_eq!(v.as_object().unwrap().len(), 3, "{v}");
    v["sessionId"].as_str().unwrap().to_owned()
}

/// The status events up to and including the disconnect, and the bill.
fn life(rx: &Receiver, prefix: &str) -> (Vec<Value>, Value) {
    let fee = on_path(rx, &format!("{prefix}/f"), 1);
    assert_eq!(fee.len(), 1, "one bill");
    // The bill follows the disconnect on the same lane: all events are in.
    let events = on_path(rx, &format!("{prefix}/s"), 1)
        .iter()
        .map(Received::json)
        .collect();
    (events, fee[0].json())
}

fn types(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["eventType"].as_str().unwrap())
        .collect()
}

fn seconds_between(a: &Value, b: &Value) -> i64 {
    (parse_time(&b["statusInfo"]["timestamp"]) - parse_time(&a["statusInfo"]["timestamp"]))
        .num_seconds()
}

#[track_caller]
fn assert_scene_bill(fee: &Value, id: &str, tts_plays: u64) {
    assert_eq!(fee["eventType"], "fee");
    let list = fee["feeLst"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    let f = &list[0];
    assert_eq!(f["serviceType"], "001", "{f}");
    assert_eq!(f["sessionId"], id);
    assert_eq!(f["bindNum"], DISPLAY);
    assert_eq!(f["callerNum"], DISPLAY);
    assert_eq!(f["calleeNum"], CALLEE);
    assert_eq!(f["appKey"], KEY);
    assert_eq!(f["direction"], 0);
    assert_eq!(f["userData"], "scene-test");
    assert_eq!(f["ttsPlayTimes"], tts_plays, "{f}");
    assert!(f.get("recordFlag").is_none(), "{f}");
    for absent in RECORD_FIELDS {
        assert!(f.get(absent).is_none(), "{absent}: {f}");
    }
    for absent in ["fwdStartTime", "fwdAnswerTime", "fwdDstNum", "callInTime"] {
        assert!(f.get(absent).is_none(), "{absent}: {f}");
    }
}

#[test]
fn notification_plays_collects_and_bills_001() {
    let rx = Receiver::ok();
    let sb = start_scaled(60, false);
    let mut c = client(&sb);
    // The vendor's file-playback example.
    let body = pushing(
        notify_body(json!([{"notifyVoice": "welcome.wav", "collectInd": 4}])),
        &rx,
        "/n",
    );
    let id = placed(&mut c, CALLNOTIFY_PATH, &body);
    let (events, fee) = life(&rx, "/n");
    assert_eq!(
        types(&events),
        ["callout", "alerting", "answer", "collectInfo", "disconnect"]
    );
    for e in &events {
        let info = &e["statusInfo"];
        assert_eq!(info["sessionId"], id.as_str());
        assert_eq!(info["userData"], "scene-test");
        assert_eq!(
            (info["caller"].as_str(), info["called"].as_str()),
            (Some(DISPLAY), Some(CALLEE)),
            "about the callee"
        );
        assert_eq!(
            info.get("digitInfo").is_some(),
            e["eventType"] == "collectInfo"
        );
    }
    assert_eq!(events[3]["statusInfo"]["digitInfo"], "1234");
    let end = &events[4]["statusInfo"];
    assert_eq!(
        (&end["stateCode"], &end["stateDesc"]),
        (&json!(0), &json!("The user releases the call."))
    );
    assert!(end.get("partyType").is_none());
    // Simulated: answer at 4 s, the item 5 s, keys 2 s later, release 1 s.
    assert_eq!(seconds_between(&events[0], &events[2]), 4);
    assert_eq!(
        seconds_between(&events[2], &events[3]),
        PLAY_S as i64 / 1000 + 2
    );
    assert_eq!(seconds_between(&events[3], &events[4]), 1);
    assert_scene_bill(&fee, &id, 0);
    let f = &fee["feeLst"][0];
    assert_eq!(
        parse_time(&f["callOutStartTime"]),
        parse_time(&events[0]["statusInfo"]["timestamp"])
    );
    assert_eq!(
        parse_time(&f["callOutAnswerTime"]),
        parse_time(&events[2]["statusInfo"]["timestamp"])
    );
    assert_eq!(parse_time(&f["callEndTime"]), parse_time(&end["timestamp"]));
    assert_eq!(
        (&f["ulFailReason"], &f["callOutUnaswRsn"]),
        (&json!(0), &json!(0))
    );
    let s = stats(&mut c);
    assert_eq!(
        (&s["callnotify"], &s["active_sessions"]),
        (&json!(1), &json!(0)),
        "{s}"
    );
}

#[test]
fn notification_of_the_vendors_template_sample_and_several_items() {
    let rx = Receiver::ok();
    let sb = start_scaled(60, false);
    let mut c = client(&sb);
    let body = pushing(
        notify_body(
            json!([{"templateId": "test_template", "templateParas": ["3", "人民公园正门"], "collectInd": 5}]),
        ),
        &rx,
        "/t",
    );
    let id = placed(&mut c, CALLNOTIFY_PATH, &body);
    let (events, fee) = life(&rx, "/t");
    assert_eq!(events[3]["statusInfo"]["digitInfo"], "12345");
    assert_scene_bill(&fee, &id, 1);

    // Three items without collection, in list order: released right after
    // the last; the two template plays are TTS plays.
    let items = json!([
        {"notifyVoice": "notifyvoice.wav"},
        {"templateId": "notice_template"},
        {"templateId": "test_template", "templateParas": ["1", "x"], "collectInd": 0},
    ]);
    let id = placed(
        &mut c,
        CALLNOTIFY_PATH,
        &pushing(notify_body(items), &rx, "/m"),
    );
    let (events, fee) = life(&rx, "/m");
    assert_eq!(
        types(&events),
        ["callout", "alerting", "answer", "disconnect"]
    );
    assert_eq!(
        seconds_between(&events[2], &events[3]),
        3 * PLAY_S as i64 / 1000
    );
    assert_scene_bill(&fee, &id, 2);
}

#[test]
fn collection_replays_on_the_trigger_at_most_twice() {
    let rx = Receiver::ok();
    let sb = start_scaled(60, false);
    let mut c = client(&sb);
    let item = |trigger: &str| {
        json!([
            {"notifyVoice": "notifyvoice.wav", "collectInd": 1, "replayAfterCollection": "true", "collectContentTriggerReplaying": trigger},
            {"notifyVoice": "welcome.wav"},
        ])
    };
    placed(
        &mut c,
        CALLNOTIFY_PATH,
        &pushing(notify_body(item("1")), &rx, "/r"),
    );
    placed(
        &mut c,
        CALLNOTIFY_PATH,
        &pushing(notify_body(item("2")), &rx, "/x"),
    );
    // The vendor's FAQ example: replay on "11" with collectInd 2, keyed by
    // the number that keys only 1s.
    let mut faq = notify_body(
        json!([{"notifyVoice": "notifyvoice.wav", "collectInd": 2, "replayAfterCollection": "true", "collectContentTriggerReplaying": "11"}]),
    );
    faq["calleeNbr"] = json!("+8613700000111");
    placed(&mut c, CALLNOTIFY_PATH, &pushing(faq, &rx, "/faq"));
    let (events, _) = life(&rx, "/r");
    assert_eq!(
        types(&events),
        [
            "callout",
            "alerting",
            "answer",
            "collectInfo",
            "collectInfo",
            "collectInfo",
            "disconnect"
        ]
    );
    // Each replay plays the item again before collecting.
    assert_eq!(
        seconds_between(&events[3], &events[4]),
        PLAY_S as i64 / 1000 + 2
    );
    let (events, _) = life(&rx, "/x");
    assert_eq!(
        types(&events),
        ["callout", "alerting", "answer", "collectInfo", "disconnect"]
    );
    let (events, _) = life(&rx, "/faq");
    let keyed: Vec<&Value> = events
        .iter()
        .filter(|e| e["eventType"] == "collectInfo")
        .map(|e| &e["statusInfo"]["digitInfo"])
        .collect();
    assert_eq!(keyed, [&json!("11"), &json!("11"), &json!("11")]);
}

#[test]
fn no_keys_and_a_missing_announcement() {
    let rx = Receiver::ok();
    let sb = start_scaled(60, false);
    let mut c = client(&sb);
    let mut body = notify_body(json!([{"notifyVoice": "welcome.wav", "collectInd": 3}]));
    body["calleeNbr"] = json!("+8613700000100");
    placed(&mut c, CALLNOTIFY_PATH, &pushing(body, &rx, "/k"));
    let (events, fee) = life(&rx, "/k");
    assert_eq!(events[3]["statusInfo"]["digitInfo"], "");
    assert_eq!(
        seconds_between(&events[2], &events[3]),
        PLAY_S as i64 / 1000 + 5
    );
    assert_eq!(fee["feeLst"][0]["ulFailReason"], 100);

    let body = notify_body(json!([
        {"notifyVoice": "welcome.wav"},
        {"notifyVoice": "no-such.wav", "collectInd": 2},
    ]));
    let id = placed(&mut c, CALLNOTIFY_PATH, &pushing(body, &rx, "/v"));
    let (events, fee) = life(&rx, "/v");
    assert_eq!(
        types(&events),
        ["callout", "alerting", "answer", "disconnect"]
    );
    assert_eq!(events[3]["statusInfo"]["stateCode"], 8006);
    assert_eq!(
        seconds_between(&events[2], &events[3]),
        PLAY_S as i64 / 1000
    );
    assert_scene_bill(&fee, &id, 0);
}

#[test]
fn failing_callees_end_scene_calls_like_click2call() {
    let rx = Receiver::ok();
    let sb = start_scaled(60, false);
    let mut c = client(&sb);
    // (callee, events before the disconnect, stateCode, Q.850, SIP)
    let cases = [
        ("+8613700000480", vec!["callout", "alerting"], 8101, 19, 480),
        ("+8613700000486", vec!["callout"], 8102, 17, 486),
        ("+8613700000603", vec!["callout", "alerting"], 8004, 21, 603),
    ];
    for (callee, before, code, q850, sip) in cases {
        let prefix = format!("/{}", &callee[11..]);
        let mut body = verify_body();
        body["calleeNbr"] = json!(callee);
        placed(&mut c, CALLVERIFY_PATH, &pushing(body, &rx, &prefix));
        let (events, fee) = life(&rx, &prefix);
        let mut want = before.clone();
        want.push("disconnect");
        assert_eq!(types(&events), want, "{callee}");
        let info = &events.last().unwrap()["statusInfo"];
        assert_eq!(info["stateCode"], code);
        assert_eq!(info["called"], callee);
        let f = &fee["feeLst"][0];
        assert_eq!(
            (
                &f["callOutUnaswRsn"],
                &f["sipStatusCode"],
                &f["ulFailReason"]
            ),
            (&json!(q850), &json!(sip), &json!(518)),
            "{f}"
        );
        assert!(f.get("callOutAnswerTime").is_none());
        assert_eq!(f["ttsPlayTimes"], 0);
        assert_eq!(f["serviceType"], "001");
    }
}

#[test]
fn verification_plays_the_code_times_and_bills_001() {
    let rx = Receiver::ok();
    let sb = start_scaled(60, false);
    let mut c = client(&sb);
    let mut body = verify_body();
    body["posTone"] = json!("postone.wav");
    let id = placed(&mut c, CALLVERIFY_PATH, &pushing(body, &rx, "/v"));
    let (events, fee) = life(&rx, "/v");
    assert_eq!(
        types(&events),
        ["callout", "alerting", "answer", "disconnect"]
    );
    // preTone 3 s, 8 digits 3 times, posTone 3 s.
    assert_eq!(seconds_between(&events[2], &events[3]), 3 + 3 * 8 + 3);
    assert_eq!(events[3]["statusInfo"]["stateCode"], 0);
    assert_scene_bill(&fee, &id, 3);

    // times absent: 3; times 1 without posTone.
    let mut body = verify_body();
    body.as_object_mut().unwrap().remove("times");
    let id = placed(&mut c, CALLVERIFY_PATH, &pushing(body, &rx, "/d"));
    let (events, fee) = life(&rx, "/d");
    assert_eq!(seconds_between(&events[2], &events[3]), 3 + 3 * 8);
    assert_scene_bill(&fee, &id, 3);
    let mut body = verify_body();
    body["times"] = json!(1);
    body["verifyCode"] = json!("42");
    let id = placed(&mut c, CALLVERIFY_PATH, &pushing(body, &rx, "/1"));
    let (events, fee) = life(&rx, "/1");
    assert_eq!(seconds_between(&events[2], &events[3]), 3 + 2);
    assert_scene_bill(&fee, &id, 1);

    // times 0: repeats until the sandbox's bound, then 8010.
    let mut body = verify_body();
    body["times"] = json!(0);
    body["verifyCode"] = json!("12");
    let id = placed(&mut c, CALLVERIFY_PATH, &pushing(body, &rx, "/0"));
    let (events, fee) = life(&rx, "/0");
    assert_eq!(events[3]["statusInfo"]["stateCode"], 8010);
    assert_scene_bill(&fee, &id, ENDLESS_TIMES);

    // A preTone the app lacks: 8006 right after the answer.
    let mut body = verify_body();
    body["preTone"] = json!("missing.wav");
    placed(&mut c, CALLVERIFY_PATH, &pushing(body, &rx, "/m"));
    let (events, _) = life(&rx, "/m");
    assert_eq!(events[3]["statusInfo"]["stateCode"], 8006);
    assert_eq!(seconds_between(&events[2], &events[3]), 0);
    assert_eq!(stats(&mut c)["callverify"], 5);
}

#[test]
fn scene_calls_give_idle_port_when_asked_and_stop_on_call_stop() {
    let rx = Receiver::ok();
    // One simulated minute per real minute: nothing ends by itself here.
    let sb = start_scaled(60_000, false);
    let mut c = client(&sb);
    for (path, body) in [
        (
            CALLNOTIFY_PATH,
            notify_body(json!([{"notifyVoice": "welcome.wav"}])),
        ),
        (CALLVERIFY_PATH, verify_body()),
    ] {
        let mut body = pushing(body, &rx, path);
        body["returnIdlePort"] = json!("true");
        let a = call(&mut c, path, &body);
        assert_result(&a, 200, "0");
        let v = a.json();
        assert!(v["idlePort"].as_u64().is_some_and(|p| p <= 65_535), "{v}");
        let id = v["sessionId"].as_str().unwrap().to_owned();
        assert_eq!(on_path(&rx, &format!("{path}/s"), 1).len(), 1);
        assert_result(&stop(&mut c, &id), 200, "0");
        let (events, fee) = life(&rx, path);
        assert_eq!(types(&events), ["callout", "disconnect"]);
        assert_eq!(events[1]["statusInfo"]["stateCode"], 8017);
        assert_eq!(events[1]["statusInfo"]["called"], CALLEE);
        assert_eq!(fee["feeLst"][0]["serviceType"], "001");
        assert_result(&stop(&mut c, &id), 500, "1020152");
    }
}

/// Refusals of the scenes carry an empty `sessionId` and place no call.
#[track_caller]
fn assert_refused(c: &mut RawClient, path: &str, body: &Value, status: u16, code: &str) -> Value {
    let a = call(c, path, body);
    assert_result(&a, status, code);
    let v = a.json();
    assert_eq!(v["sessionId"], "", "{v}");
    assert!(v.get("idlePort").is_none());
    v
}

#[test]
fn notification_field_checks_are_1020001() {
    let sb = start();
    let mut c = client(&sb);
    let voice = json!({"notifyVoice": "welcome.wav"});
    let bad_items: Vec<Value> = vec![
        json!([]),
        json!([voice, voice, voice, voice, voice, voice]),
        json!({"notifyVoice": "welcome.wav"}),
        json!(["welcome.wav"]),
        json!([{}]),
        json!([{"notifyVoice": "welcome.wav", "templateId": "test_template"}]),
        json!([{"collectInd": 1}]),
        json!([{"notifyVoice": ""}]),
        json!([{"notifyVoice": "v".repeat(129)}]),
        json!([{"notifyVoice": 5}]),
        json!([{"templateId": "t".repeat(33)}]),
        json!([{"templateId": "test_template", "templateParas": "3"}]),
        json!([{"templateId": "test_template", "templateParas": ["3", 4]}]),
        json!([{"notifyVoice": "welcome.wav", "collectInd": 33}]),
        json!([{"notifyVoice": "welcome.wav", "collectInd": -1}]),
        json!([{"notifyVoice": "welcome.wav", "collectInd": "1"}]),
        json!([{"notifyVoice": "welcome.wav", "collectInd": 1.5}]),
        json!([{"notifyVoice": "welcome.wav", "replayAfterCollection": "yes"}]),
        json!([{"notifyVoice": "welcome.wav", "replayAfterCollection": true}]),
        json!([{"notifyVoice": "welcome.wav", "collectContentTriggerReplaying": ""}]),
        json!([{"notifyVoice": "welcome.wav", "collectContentTriggerReplaying": "1".repeat(33)}]),
        json!([voice, {"notifyVoice": "welcome.wav", "templateId": "x"}]),
    ];
    for items in bad_items {
        assert_refused(&mut c, CALLNOTIFY_PATH, &notify_body(items), 500, "1020001");
    }
    // 97 bytes: 132 characters of Base64, over the field's 128.
    let long_url = BASE64.encode(format!("http://{}", "a".repeat(90)));
    let bad_fields: Vec<(&str, Value)> = vec![
        ("displayNbr", Value::Null),
        ("displayNbr", json!("+86")),
        ("displayNbr", json!("+".repeat(32))),
        ("calleeNbr", Value::Null),
        ("calleeNbr", json!("13700000002")),
        ("calleeNbr", json!(8613700000002u64)),
        ("playInfoList", Value::Null),
        ("statusUrl", json!("not base64!")),
        ("feeUrl", json!(long_url)),
        ("returnIdlePort", json!("1")),
        ("userData", json!("")),
        ("userData", json!("a{b")),
        ("userData", json!("u".repeat(257))),
    ];
    for (name, value) in bad_fields {
        let mut body = notify_body(json!([voice]));
        if value.is_null() {
            body.as_object_mut().unwrap().remove(name);
        } else {
            body[name] = value;
        }
        assert_refused(&mut c, CALLNOTIFY_PATH, &body, 500, "1020001");
    }
    let mut body = notify_body(json!([voice]));
    body["displayNbr"] = json!("+8675500000000");
    assert_refused(&mut c, CALLNOTIFY_PATH, &body, 403, "1010023");
    assert_eq!(stats(&mut c)["active_sessions"], 0);

    // The limits themselves are accepted; unknown fields and templateParas
    // on an announcement are ignored.
    let edge = json!([
        {"notifyVoice": "v".repeat(128), "collectInd": 0, "templateParas": ["x"]},
        {"templateId": "notice_template", "collectInd": 32, "replayAfterCollection": "false",
         "collectContentTriggerReplaying": "1".repeat(32)},
        voice, voice, voice,
    ]);
    let mut body = notify_body(edge);
    body["userData"] = json!("u".repeat(256));
    // 96 bytes: 128 characters of Base64.
    body["statusUrl"] = json!(BASE64.encode(format!("http://{}", "a".repeat(89))));
    body["bindNbr"] = json!("+8675512345678");
    assert_result(&call(&mut c, CALLNOTIFY_PATH, &body), 200, "0");
}

#[test]
fn template_refusals_have_their_codes_and_the_configured_status() {
    let sb = start();
    let mut c = client(&sb);
    let item = |id: &str, paras: Value| {
        notify_body(
            json!([{"notifyVoice": "welcome.wav"}, {"templateId": id, "templateParas": paras}]),
        )
    };
    assert_refused(
        &mut c,
        CALLNOTIFY_PATH,
        &item("no_such_template", json!([])),
        403,
        "1012003",
    );
    assert_refused(
        &mut c,
        CALLNOTIFY_PATH,
        &item("pending_template", json!(["a"])),
        403,
        "1012002",
    );
    assert_refused(
        &mut c,
        CALLNOTIFY_PATH,
        &item("test_template", json!(["3"])),
        403,
        "1012004",
    );
    assert_refused(
        &mut c,
        CALLNOTIFY_PATH,
        &item("test_template", json!(["3", "a", "b"])),
        403,
        "1012004",
    );
    let mut no_paras = item("test_template", json!([]));
    no_paras["playInfoList"][1]
        .as_object_mut()
        .unwrap()
        .remove("templateParas");
    assert_refused(&mut c, CALLNOTIFY_PATH, &no_paras, 403, "1012004");
    let v = assert_refused(
        &mut c,
        CALLNOTIFY_PATH,
        &item("test_template", json!(["3", "x".repeat(21)])),
        403,
        "1012005",
    );
    let desc = v["resultdesc"].as_str().unwrap();
    assert!(
        desc.starts_with("playInfoList[1].templateParas[1] of templateParas"),
        "{desc}"
    );
    assert_refused(
        &mut c,
        CALLNOTIFY_PATH,
        &item("test_template", json!(["", "x"])),
        403,
        "1012005",
    );
    // The vendor's sample values fit (characters, not bytes, count).
    assert_result(
        &call(
            &mut c,
            CALLNOTIFY_PATH,
            &item("test_template", json!(["3", "人民公园正门"])),
        ),
        200,
        "0",
    );
    assert_eq!(stats(&mut c)["active_sessions"], 1);

    let sb = Sandbox::start(Config {
        template_status: 400,
        ..Config::default()
    })
    .unwrap();
    let mut c = client(&sb);
    assert_refused(
        &mut c,
        CALLNOTIFY_PATH,
        &item("nope", json!([])),
        400,
        "1012003",
    );
    let bad = Config {
        template_status: 200,
        ..Config::default()
    };
    assert!(Sandbox::start(bad).is_err());
}

#[test]
fn verification_field_checks_are_1020001() {
    let sb = start();
    let mut c = client(&sb);
    let bad: Vec<(&str, Value)> = vec![
        ("displayNbr", Value::Null),
        ("calleeNbr", json!("+86")),
        ("languageType", Value::Null),
        ("languageType", json!(1)),
        ("languageType", json!("2")),
        ("languageType", json!(2.5)),
        ("preTone", Value::Null),
        ("preTone", json!("")),
        ("preTone", json!("p".repeat(129))),
        ("verifyCode", Value::Null),
        ("verifyCode", json!("1")),
        ("verifyCode", json!("123456789")),
        ("verifyCode", json!("12a4")),
        ("verifyCode", json!(1234)),
        ("verifyCode", json!("１２３４")),
        ("posTone", json!("")),
        ("posTone", json!(1)),
        ("times", json!(10)),
        ("times", json!(-1)),
        ("times", json!("3")),
        ("statusUrl", json!(BASE64.encode("ftp://example.com"))),
        (
            "feeUrl",
            json!(BASE64.encode(format!("http://{}", "a".repeat(90)))),
        ),
        ("returnIdlePort", json!("TRUE")),
        ("userData", json!("中文")),
    ];
    for (name, value) in bad {
        let mut body = verify_body();
        if value.is_null() {
            body.as_object_mut().unwrap().remove(name);
        } else {
            body[name] = value.clone();
        }
        let v = assert_refused(&mut c, CALLVERIFY_PATH, &body, 500, "1020001");
        assert_eq!(v.as_object().unwrap().len(), 3, "{name}={value}: {v}");
    }
    let mut body = verify_body();
    body["displayNbr"] = json!("+8675500000000");
    assert_refused(&mut c, CALLVERIFY_PATH, &body, 403, "1010023");
    assert_eq!(stats(&mut c)["active_sessions"], 0);
    for (name, value) in [
        ("verifyCode", json!("12")),
        ("times", json!(9)),
        ("times", json!(0)),
        ("preTone", json!("p".repeat(128))),
    ] {
        let mut body = verify_body();
        body[name] = value;
        assert_result(&call(&mut c, CALLVERIFY_PATH, &body), 200, "0");
    }
}

#[test]
fn scene_paths_share_auth_wrong_methods_and_forced_answers() {
    let sb = start();
    let mut c = client(&sb);
    let body = verify_body();
    let x = good_x_aksk();
    for path in [CALLNOTIFY_PATH, CALLVERIFY_PATH] {
        let a = c.request(&signed(path, &body, None, Some(&x)));
        assert_result(&a, 400, "1023006");
        assert_eq!(a.json()["sessionId"], "");
        let wrong = x_aksk(KEY, "not-the-secret", "abc", &created_at(0));
        assert_result(
            &c.request(&signed(path, &body, Some(AUTH), Some(&wrong))),
            401,
            "1010010",
        );
        let a = c.request(&raw(
            "GET",
            path,
            &[("Authorization", Some(AUTH)), ("X-AKSK", Some(&x))],
            "",
        ));
        assert_result(&a, 403, "1010006");
    }
    // Path case matters: callNotify and callverify are not the APIs.
    for path in [
        "/rest/httpsessions/callNotify/v2.0",
        "/rest/httpsessions/callverify/v1.0",
        "/rest/httpsessions/callnotify/v1.0",
    ] {
        assert_result(&call(&mut c, path, &body), 403, "1010006");
    }
    admin_post(
        &mut c,
        "/__sandbox/next",
        &json!({"http_status": 500, "resultcode": "1020154"}),
    );
    assert_result(&call(&mut c, CALLVERIFY_PATH, &body), 500, "1020154");
    let s = stats(&mut c);
    assert_eq!(
        (&s["callnotify"], &s["callverify"]),
        (&json!(3), &json!(4)),
        "{s}"
    );
}

#[test]
fn created_may_be_read_on_utc8() {
    let utc8 = created_at(8 * 3600);
    let at = |clock| {
        let sb = Sandbox::start(Config {
            created_clock: clock,
            ..Config::default()
        })
        .unwrap();
        let mut c = client(&sb);
        [created_at(0), utc8.clone()].map(|created| {
            let x = x_aksk(KEY, SECRET, "abc", &created);
            c.request(&signed(
                CALLVERIFY_PATH,
                &verify_body(),
                Some(AUTH),
                Some(&x),
            ))
            .status
        })
    };
    assert_eq!(at(CreatedClock::Utc), [200, 401]);
    assert_eq!(at(CreatedClock::Utc8), [401, 200]);
    assert_eq!(at(CreatedClock::Either), [200, 200]);
}

// ------------------------------------------------------------ recordings

/// A signed GET of the recording-URL API with a raw query.
fn record_request(query: &str) -> Vec<u8> {
    let x = good_x_aksk();
    raw(
        "GET",
        &format!("{RECORD_PATH}?{query}"),
        &[("Authorization", Some(AUTH)), ("X-AKSK", Some(&x))],
        "",
    )
}

fn record_query(file: &str, domain: &str) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-.~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };
    format!("fileName={}&recordDomain={}", enc(file), enc(domain))
}

/// Places a recorded click2Call, lets the callee answer, stops it and
/// returns its bill.
fn recorded_bill(c: &mut RawClient, rx: &Receiver, prefix: &str) -> Value {
    let body = body_with(
        Some(&rx.url(&format!("{prefix}/s"))),
        Some(&rx.url(&format!("{prefix}/f"))),
        json!({"recordFlag": "true"}),
    );
    let id = place(c, &body);
    assert_eq!(
        on_path(rx, &format!("{prefix}/s"), 6).len(),
        6,
        "B answered"
    );
    assert_result(&stop(c, &id), 200, "0");
    on_path(rx, &format!("{prefix}/f"), 1)[0].json()["feeLst"][0].clone()
}

/// The path and query of an absolute URL on the sandbox.
fn path_of(url: &str) -> &str {
    let rest = url
        .strip_prefix("http://sandbox")
        .unwrap_or_else(|| panic!("{url}"));
    assert!(rest.starts_with(DOWNLOAD_PREFIX), "{url}");
    rest
}

fn get(c: &mut RawClient, target: &str) -> Answer {
    c.request(&raw("GET", target, &[], ""))
}

#[test]
fn record_flow_bill_url_and_wav() {
    let rx = Receiver::ok();
    let sb = start_scaled(60, false);
    let mut c = client(&sb);
    let fee = recorded_bill(&mut c, &rx, "/rec");
    for name in RECORD_FIELDS {
        assert!(
            fee[name].as_str().is_some_and(|v| !v.is_empty()),
            "{name}: {fee}"
        );
    }
    assert_eq!(fee["recordFlag"], 1);
    let file = fee["recordObjectName"].as_str().unwrap();
    let domain = fee["recordDomain"].as_str().unwrap();

    let before = chrono::Utc::now().timestamp();
    let a = c.request(&record_request(&record_query(file, domain)));
    let after = chrono::Utc::now().timestamp();
    assert_eq!(a.status, 301, "{:?}", String::from_utf8_lossy(&a.body));
    assert!(a.body.is_empty());
    assert_eq!(a.header("content-length"), Some("0"));
    assert_eq!(a.header("content-type"), None);
    let location = a.header("location").expect("Location").to_owned();
    let target = path_of(&location);
    assert!(
        target.starts_with(&format!("{DOWNLOAD_PREFIX}{file}?Expires=")),
        "{target}"
    );
    let expires: i64 = query_param(target.split_once('?').map(|x| x.1), "Expires")
        .unwrap()
        .unwrap()
        .parse()
        .unwrap();
    let ttl = DEFAULT_RECORD_URL_TTL.as_secs() as i64;
    assert!((before + ttl..=after + ttl).contains(&expires), "{expires}");

    let a = get(&mut c, target);
    assert_eq!(a.status, 200);
    assert_eq!(a.header("content-type"), Some("audio/wav"));
    assert_eq!(a.body, wav::recording());
    assert_eq!(&a.body[..4], b"RIFF");
    assert_eq!(&a.body[8..12], b"WAVE");
    let s = stats(&mut c);
    assert_eq!(
        (&s["record"], &s["downloads"], &s["recordings"]),
        (&json!(1), &json!(1), &json!(1)),
        "{s}"
    );
    assert_eq!(s["requests"], 3, "downloads are not platform requests: {s}");

    // The names as the query's percent-encoding need not touch them.
    let a = c.request(&record_request(&format!(
        "fileName={file}&recordDomain={domain}"
    )));
    assert_eq!(a.status, 301);

    // A download URL the sandbox did not hand out, or altered.
    let forged = target.replace("Signature=", "Signature=0");
    assert_eq!(get(&mut c, &forged).status, 404);
    let other = target.replace(file, "1234_567_0_20260101000000_callenabler.home1.com.wav");
    assert_eq!(get(&mut c, &other).status, 404);
    assert_eq!(get(&mut c, DOWNLOAD_PREFIX).status, 404);
    assert_eq!(c.request(&raw("POST", target, &[], "")).status, 405);
    // Reset forgets recordings.
    admin_post(&mut c, "/__sandbox/reset", &json!({}));
    assert_eq!(get(&mut c, target).status, 404);
    let a = c.request(&record_request(&record_query(file, domain)));
    assert_result(&a, 403, "1012007");
}

#[test]
fn record_url_refusals() {
    let rx = Receiver::ok();
    let mut config = Config {
        time_scale: Duration::from_millis(60),
        ..Config::default()
    };
    config.apps.push(App {
        key: "second-key".into(),
        secret: "second-secret".into(),
        display_nbrs: vec![DISPLAY.into()],
    });
    let sb = Sandbox::start(config).unwrap();
    let mut c = client(&sb);
    let fee = recorded_bill(&mut c, &rx, "/rr");
    let file = fee["recordObjectName"].as_str().unwrap().to_owned();
    let domain = fee["recordDomain"].as_str().unwrap().to_owned();
    let long = "f".repeat(129);
    for query in [
        String::new(),
        format!("recordDomain={domain}"),
        format!("fileName={file}"),
        format!("fileName=&recordDomain={domain}"),
        format!("fileName={long}&recordDomain={domain}"),
        format!("fileName={file}&recordDomain={}", "d".repeat(129)),
        format!("fileName=%zz&recordDomain={domain}"),
        format!("fileName=%FF&recordDomain={domain}"),
    ] {
        let a = c.request(&record_request(&query));
        assert_result(&a, 500, "1020001");
        assert!(a.header("location").is_none());
    }
    for query in [
        record_query("no-such.wav", &domain),
        record_query(&file, "obs.example.com"),
        record_query(&file.to_uppercase(), &domain),
    ] {
        assert_result(&c.request(&record_request(&query)), 403, "1012007");
    }
    // Another app's request for this app's recording.
    let other = x_aksk("second-key", "second-secret", "abc", &created_at(0));
    let target = format!("{RECORD_PATH}?{}", record_query(&file, &domain));
    let a = c.request(&raw(
        "GET",
        &target,
        &[("Authorization", Some(AUTH)), ("X-AKSK", Some(&other))],
        "",
    ));
    assert_result(&a, 403, "1012007");
    // Authentication first, then the method.
    assert_result(&c.request(&raw("GET", &target, &[], "")), 400, "1023006");
    let x = good_x_aksk();
    let a = c.request(&raw(
        "POST",
        &target,
        &[("Authorization", Some(AUTH)), ("X-AKSK", Some(&x))],
        "",
    ));
    assert_result(&a, 403, "1010006");
    assert_eq!(
        c.request(&record_request(&record_query(&file, &domain)))
            .status,
        301
    );
    // A forced answer comes first here too.
    admin_post(
        &mut c,
        "/__sandbox/next",
        &json!({"http_status": 401, "resultcode": "1010013"}),
    );
    assert_result(
        &c.request(&record_request(&record_query(&file, &domain))),
        401,
        "1010013",
    );
}

#[test]
fn record_settings_not_found_answer_and_expiry() {
    let rx = Receiver::ok();
    let sb = Sandbox::start(Config {
        time_scale: Duration::from_millis(60),
        record_not_found: (404, "1012999".into()),
        record_url_ttl: Duration::ZERO,
        ..Config::default()
    })
    .unwrap();
    let mut c = client(&sb);
    let fee = recorded_bill(&mut c, &rx, "/e");
    let file = fee["recordObjectName"].as_str().unwrap();
    let domain = fee["recordDomain"].as_str().unwrap();
    let a = c.request(&record_request(&record_query("none.wav", domain)));
    assert_result(&a, 404, "1012999");
    let a = c.request(&record_request(&record_query(file, domain)));
    assert_eq!(a.status, 301);
    // A zero lifetime: expired at once.
    let target = path_of(a.header("location").unwrap()).to_owned();
    let a = get(&mut c, &target);
    assert_eq!(a.status, 403);
    assert!(a.json()["error"].as_str().unwrap().contains("expired"));

    for bad in [
        Config {
            record_not_found: (200, "1".into()),
            ..Config::default()
        },
        Config {
            record_not_found: (404, "0".into()),
            ..Config::default()
        },
        Config {
            record_not_found: (404, "12a".into()),
            ..Config::default()
        },
        Config {
            record_url_ttl: Duration::from_secs(367 * 24 * 3600),
            ..Config::default()
        },
    ] {
        assert!(Sandbox::start(bad).is_err());
    }
}

#[test]
fn scenes_never_record() {
    let rx = Receiver::ok();
    let sb = start_scaled(60, false);
    let mut c = client(&sb);
    // recordFlag is no field of these APIs: ignored.
    let mut body = verify_body();
    body["recordFlag"] = json!("true");
    placed(&mut c, CALLVERIFY_PATH, &pushing(body, &rx, "/nr"));
    let (_, fee) = life(&rx, "/nr");
    assert!(fee["feeLst"][0].get("recordObjectName").is_none());
    assert_eq!(stats(&mut c)["recordings"], 0);
}

#[test]
fn the_location_follows_the_host_the_client_used() {
    let sb = start();
    let req = |host: Option<&str>| Request {
        method: "GET".into(),
        path: RECORD_PATH.into(),
        query: None,
        headers: host
            .map(|h| vec![("host".into(), h.into())])
            .unwrap_or_default(),
        body: Vec::new(),
    };
    let own = format!("http://{}", sb.local_addr());
    assert_eq!(
        origin_of(&sb.shared, &req(Some("localhost:8080"))),
        "http://localhost:8080"
    );
    assert_eq!(
        origin_of(&sb.shared, &req(Some("[::1]:80"))),
        "http://[::1]:80"
    );
    assert_eq!(origin_of(&sb.shared, &req(None)), own);
    assert_eq!(origin_of(&sb.shared, &req(Some("evil/x?y"))), own);
    assert_eq!(origin_of(&sb.shared, &req(Some(""))), own);
    assert_eq!(
        own_origin(true, "0.0.0.0:443".parse().unwrap()),
        "https://127.0.0.1:443"
    );
    assert_eq!(
        own_origin(false, "[::]:80".parse().unwrap()),
        "http://[::1]:80"
    );
}

#[test]
fn query_decoding() {
    assert_eq!(percent_decode("a%5Fb+c%2B").as_deref(), Some("a_b c+"));
    assert_eq!(percent_decode("%E4%B8%AD").as_deref(), Some("中"));
    assert_eq!(percent_decode("%"), None);
    assert_eq!(percent_decode("%4"), None);
    assert_eq!(percent_decode("%g0"), None);
    assert_eq!(percent_decode("%C3"), None);
    let q = Some("a=1&fileName=x%2Ey&fileName=second&empty=&flag");
    assert_eq!(query_param(q, "fileName"), Ok(Some("x.y".into())));
    assert_eq!(query_param(q, "empty"), Ok(Some(String::new())));
    assert_eq!(query_param(q, "flag"), Ok(Some(String::new())));
    assert_eq!(query_param(q, "missing"), Ok(None));
    assert_eq!(query_param(None, "a"), Ok(None));
    assert_eq!(query_param(Some("a=%zz"), "a"), Err(()));
}

#[test]
fn scene_plans() {
    let at = |p: &[(u64, Step)]| p.iter().map(|(t, _)| t / S).collect::<Vec<_>>();
    let item = |voice: Option<&str>, collect: usize| PlayItem {
        voice: voice.map(str::to_owned),
        template: voice.is_none().then(|| "notice_template".to_owned()),
        paras: Vec::new(),
        collect,
        replay: false,
        trigger: None,
    };
    let (p, d) = notify_plan(
        Scenario::Answers,
        Keys::Counting,
        &[item(Some("welcome.wav"), 0), item(None, 0)],
    );
    assert_eq!(at(&p), [0, 1, 4, 9, 14, 14]);
    assert!(d.is_empty());
    assert_eq!(p[4].1, Step::Played { tts: true });
    assert_eq!(p[5].1, Step::End(Ending::Done));
    // Collection ends the call: the second item is not played.
    let (p, d) = notify_plan(
        Scenario::Answers,
        Keys::Counting,
        &[item(None, 12), item(None, 0)],
    );
    assert_eq!(at(&p), [0, 1, 4, 9, 11, 12]);
    assert_eq!(d, ["123456789012"]);
    let (p, _) = notify_plan(Scenario::Busy, Keys::Counting, &[item(None, 1)]);
    assert_eq!(p.last().unwrap().1, Step::End(Ending::Busy));
    let p = verify_plan(
        Scenario::Answers,
        "pretone.wav",
        "123",
        Some("postone.wav"),
        2,
    );
    assert_eq!(at(&p), [0, 1, 4, 7, 10, 13, 16, 16]);
    let p = verify_plan(Scenario::Answers, "pretone.wav", "123", Some("nope.wav"), 1);
    assert_eq!(
        p.last().unwrap(),
        &(10 * S, Step::End(Ending::VoiceMissing))
    );
    assert_eq!(Keys::Ones.press(3), "111");
    assert_eq!(Keys::of("+8613700000100"), Keys::Nothing);
    assert_eq!(Keys::of("+8613700000111"), Keys::Ones);
    assert_eq!(Keys::of("+8613700001000"), Keys::Counting);
}

#[test]
fn the_help_names_every_template_file_and_key_number() {
    let help = scenes_help();
    for t in TEMPLATES {
        assert!(help.contains(t.id), "{}", t.id);
    }
    for f in VOICE_FILES {
        assert!(help.contains(f), "{f}");
    }
    for (n, _) in KEY_NUMBERS {
        assert!(help.contains(n), "{n}");
    }
    assert!(
        help.contains(RECORD_PATH)
            && help.contains(CALLNOTIFY_PATH)
            && help.contains(CALLVERIFY_PATH)
    );
}
