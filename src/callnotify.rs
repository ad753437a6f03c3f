//! The voice notification request (`POST /rest/httpsessions/callnotify/v2.0`):
//! its typed fields, its validation and its JSON body.
//!
//! Every limit comes from `voice-call-more-apis.md` (the spec of the
//! notification, verification and recording APIs); each check names the
//! line it enforces. Errors name the field as the API does, with the index
//! of a play item: `playInfoList[2].templateId`.

use serde::Serialize;

use crate::client::Binding;
use crate::error::Error;
use crate::request::{
    check_no_controls, check_number, check_text, check_user_data, encode_url, flag,
};

/// Path of the voice notification API (`callnotify` all lower case, spec line 56).
pub const CALL_NOTIFY_PATH: &str = "/rest/httpsessions/callnotify/v2.0";

/// The most play items a notification takes (`playInfoList`, spec line 148).
pub const MAX_PLAY_ITEMS: usize = 5;
/// The largest `collectInd` (spec line 163; the SDK's `@max 32`).
pub const MAX_COLLECT_IND: u32 = 32;
/// The longest `notifyVoice`, in characters (spec line 160).
pub const MAX_NOTIFY_VOICE_LEN: usize = 128;
/// The longest `templateId`, in characters (spec line 161).
pub const MAX_TEMPLATE_ID_LEN: usize = 32;
/// The longest value of `templateParas`, in UTF-8 bytes (spec line 171).
pub const MAX_TEMPLATE_PARA_BYTES: usize = 32;

/// One item of `playInfoList`: a recorded file (`notifyVoice`) or a TTS
/// template (`templateId` with `templateParas`), optionally followed by
/// digit collection.
///
/// ```
/// let voice = voicecb::PlayInfo::voice("notifyvoice.wav");
/// let template = voicecb::PlayInfo {
///     collect_ind: Some(5),
///     ..voicecb::PlayInfo::template("test_template", ["3", "人民公园正门"])
/// };
/// # let _ = (voice, template);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlayInfo {
    /// `notifyVoice`: file name of an uploaded announcement (a WAV file),
    /// 1-128 characters. Exactly one of this and `template_id` (line 167).
    pub notify_voice: Option<String>,
    /// `templateId`: an approved TTS template, 1-32 characters.
    pub template_id: Option<String>,
    /// `templateParas`: one value per variable of the template, each at most
    /// 32 bytes of UTF-8 (line 171). Only with `template_id`; whether the
    /// count matches the template is the platform's check (1012004).
    pub template_paras: Vec<String>,
    /// `collectInd`: digits to collect after the item plays, 0-32; 0 or
    /// `None` collects none (line 163).
    pub collect_ind: Option<u32>,
    /// `replayAfterCollection`: replay the item when the digits collected
    /// equal `collect_content_trigger_replaying` (line 164). Only with a
    /// `collect_ind` of 1 or more.
    pub replay_after_collection: Option<bool>,
    /// `collectContentTriggerReplaying`: the digits that replay the item
    /// (line 165). Only with `replay_after_collection` true; keypad
    /// characters (0-9, `*`, `#`), 1 to `collect_ind` of them (the spec does
    /// not give its length: this is the library's rule, since the digits
    /// collected are at most `collect_ind`).
    pub collect_content_trigger_replaying: Option<String>,
}

impl PlayInfo {
    /// An item that plays an uploaded announcement file.
    pub fn voice(notify_voice: impl Into<String>) -> PlayInfo {
        PlayInfo {
            notify_voice: Some(notify_voice.into()),
            ..PlayInfo::default()
        }
    }

    /// An item that speaks a TTS template with its parameters.
    pub fn template<S: Into<String>>(
        template_id: impl Into<String>,
        paras: impl IntoIterator<Item = S>,
    ) -> PlayInfo {
        PlayInfo {
            template_id: Some(template_id.into()),
            template_paras: paras.into_iter().map(Into::into).collect(),
            ..PlayInfo::default()
        }
    }
}

/// A voice notification: the platform calls `callee_nbr` from
/// `display_nbr` and plays 1 to 5 items. Unset (`None`) optional fields are
/// left out of the request, so the platform's defaults apply.
///
/// ```
/// let req = voicecb::CallNotify::new(
///     "+8675512345678",
///     "+8613800000002",
///     [voicecb::PlayInfo::voice("notifyvoice.wav")],
/// );
/// assert_eq!(req.play_info_list.len(), 1);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallNotify {
    /// `displayNbr`: the number the callee sees; one of the app's numbers
    /// (4-31 characters, lines 103 and 146).
    pub display_nbr: String,
    /// `calleeNbr`: the party called, `+{country}{number}` (lines 104 and 147).
    pub callee_nbr: String,
    /// `playInfoList`: 1 to 5 items, played in list order (line 148; the
    /// order is not documented, line 154).
    pub play_info_list: Vec<PlayInfo>,
    /// `statusUrl`: where call-status events are pushed; a plain URL of at
    /// most 96 bytes, Base64-encoded by the library (lines 105 and 149).
    pub status_url: Option<String>,
    /// `feeUrl`: where bills are pushed; as `status_url` (lines 106 and 150).
    pub fee_url: Option<String>,
    /// `returnIdlePort`: ask for the platform's count of idle call ports
    /// (lines 107 and 151).
    pub return_idle_port: Option<bool>,
    /// `userData`: the application's tag, echoed in pushes; as click2Call's
    /// (lines 108 and 152).
    pub user_data: Option<String>,
}

impl CallNotify {
    /// A notification with the two numbers and its play items.
    pub fn new(
        display_nbr: impl Into<String>,
        callee_nbr: impl Into<String>,
        play_info_list: impl IntoIterator<Item = PlayInfo>,
    ) -> CallNotify {
        CallNotify {
            display_nbr: display_nbr.into(),
            callee_nbr: callee_nbr.into(),
            play_info_list: play_info_list.into_iter().collect(),
            ..CallNotify::default()
        }
    }

    /// The request's phone numbers by API field name, for events.
    pub(crate) fn numbers(&self) -> [(&'static str, &str); 2] {
        [
            ("displayNbr", &self.display_nbr),
            ("calleeNbr", &self.callee_nbr),
        ]
    }

    /// Checks every field against the spec and builds the JSON body;
    /// `encode_non_ascii_user_data` as for
    /// [`Click2Call::to_body`](crate::Click2Call::to_body).
    pub fn to_body(&self, encode_non_ascii_user_data: bool) -> Result<Vec<u8>, Error> {
        self.to_body_for(encode_non_ascii_user_data, Binding::Rust)
    }

    /// [`to_body`](CallNotify::to_body), with messages that name options as
    /// `binding` spells them.
    pub fn to_body_for(
        &self,
        encode_non_ascii_user_data: bool,
        binding: Binding,
    ) -> Result<Vec<u8>, Error> {
        check_number("displayNbr", &self.display_nbr)?;
        check_number("calleeNbr", &self.callee_nbr)?;
        let n = self.play_info_list.len();
        if n == 0 || n > MAX_PLAY_ITEMS {
            return Err(Error::invalid(
                "playInfoList",
                format!("must hold 1 to {MAX_PLAY_ITEMS} items, got {n}"),
            ));
        }
        for (i, item) in self.play_info_list.iter().enumerate() {
            check_play_info(item).map_err(|e| at_item(i, e))?;
        }
        let status_url = encode_url("statusUrl", &self.status_url)?;
        let fee_url = encode_url("feeUrl", &self.fee_url)?;
        let user_data = match &self.user_data {
            None => None,
            Some(u) => Some(check_user_data(u, encode_non_ascii_user_data, binding)?),
        };
        let body = CallNotifyBody {
            display_nbr: &self.display_nbr,
            callee_nbr: &self.callee_nbr,
            play_info_list: self
                .play_info_list
                .iter()
                .map(|p| PlayInfoBody {
                    notify_voice: p.notify_voice.as_deref(),
                    template_id: p.template_id.as_deref(),
                    template_paras: (!p.template_paras.is_empty()).then_some(&p.template_paras),
                    collect_ind: p.collect_ind,
                    replay_after_collection: p.replay_after_collection.map(flag),
                    collect_content_trigger_replaying: p
                        .collect_content_trigger_replaying
                        .as_deref(),
                })
                .collect(),
            status_url,
            fee_url,
            return_idle_port: self.return_idle_port.map(flag),
            user_data,
        };
        Ok(serde_json::to_vec(&body).expect("a struct of strings and integers serializes"))
    }
}

/// The error of item `index`'s field, named with the list and the index.
pub(crate) fn at_item(index: usize, e: Error) -> Error {
    let field = e.field().unwrap_or("");
    Error::invalid_at(
        format!("playInfoList[{index}].{field}"),
        e.rule().unwrap_or(""),
    )
}

/// The rules of one item; errors name the item's own field, which
/// [`at_item`] prefixes.
pub(crate) fn check_play_info(p: &PlayInfo) -> Result<(), Error> {
    match (&p.notify_voice, &p.template_id) {
        (Some(_), Some(_)) => {
            return Err(Error::invalid(
                "templateId",
                "an item takes exactly one of notifyVoice and templateId, got both",
            ));
        }
        (None, None) => {
            return Err(Error::invalid(
                "notifyVoice",
                "an item takes exactly one of notifyVoice and templateId, got neither",
            ));
        }
        (Some(voice), None) => {
            check_text("notifyVoice", voice, MAX_NOTIFY_VOICE_LEN)?;
            if !p.template_paras.is_empty() {
                return Err(Error::invalid(
                    "templateParas",
                    "is only for an item with a templateId, not a notifyVoice",
                ));
            }
        }
        (None, Some(id)) => {
            check_text("templateId", id, MAX_TEMPLATE_ID_LEN)?;
            for (j, para) in p.template_paras.iter().enumerate() {
                check_template_para(para).map_err(|e| {
                    Error::invalid_at(format!("templateParas[{j}]"), e.rule().unwrap_or(""))
                })?;
            }
        }
    }
    let collect = match p.collect_ind {
        Some(n) => check_collect_ind(n.into())?,
        None => 0,
    };
    if p.replay_after_collection == Some(true) && collect == 0 {
        return Err(Error::invalid(
            "replayAfterCollection",
            "is only meaningful with a collectInd of 1 to 32 (no digits are collected)",
        ));
    }
    if let Some(trigger) = &p.collect_content_trigger_replaying {
        if p.replay_after_collection != Some(true) {
            return Err(Error::invalid(
                "collectContentTriggerReplaying",
                "is only meaningful with replayAfterCollection true",
            ));
        }
        check_trigger(trigger, collect)?;
    }
    Ok(())
}

/// A value of `templateParas`: at most 32 bytes of UTF-8 (spec line 171).
pub(crate) fn check_template_para(value: &str) -> Result<(), Error> {
    check_no_controls("templateParas", value)?;
    if value.len() > MAX_TEMPLATE_PARA_BYTES {
        return Err(Error::invalid(
            "templateParas",
            format!(
                "each value must be at most {MAX_TEMPLATE_PARA_BYTES} bytes of UTF-8, got {}",
                value.len()
            ),
        ));
    }
    Ok(())
}

/// `collectInd`, taken wide and signed so that every wrapper gets this
/// rule for a negative value too (spec line 163).
pub(crate) fn check_collect_ind(n: i64) -> Result<u32, Error> {
    match u32::try_from(n) {
        Ok(v) if v <= MAX_COLLECT_IND => Ok(v),
        _ => Err(Error::invalid(
            "collectInd",
            format!("must be 0 to {MAX_COLLECT_IND} digits, got {n}"),
        )),
    }
}

/// `collectContentTriggerReplaying`: keypad characters, 1 to `collect` of
/// them (the library's rule: the spec gives no length, line 165).
pub(crate) fn check_trigger(value: &str, collect: u32) -> Result<(), Error> {
    const FIELD: &str = "collectContentTriggerReplaying";
    if value.is_empty()
        || !value
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'*' || b == b'#')
    {
        return Err(Error::invalid(
            FIELD,
            "must be keypad characters (0-9, '*', '#'), at least one",
        ));
    }
    let n = value.len();
    if n > collect as usize {
        return Err(Error::invalid(
            FIELD,
            format!(
                "must be at most collectInd ({collect}) characters, since no more digits are collected, got {n}"
            ),
        ));
    }
    Ok(())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CallNotifyBody<'a> {
    display_nbr: &'a str,
    callee_nbr: &'a str,
    play_info_list: Vec<PlayInfoBody<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fee_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    return_idle_port: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_data: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PlayInfoBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    notify_voice: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    template_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    template_paras: Option<&'a Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    collect_ind: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    replay_after_collection: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    collect_content_trigger_replaying: Option<&'a str>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn base() -> CallNotify {
        CallNotify::new(
            "+8675512345678",
            "+8613800000002",
            [PlayInfo::voice("notifyvoice.wav")],
        )
    }

    fn body(req: &CallNotify) -> Value {
        serde_json::from_slice(&req.to_body(false).unwrap()).unwrap()
    }

    fn err_of(req: &CallNotify) -> Error {
        req.to_body(false).unwrap_err()
    }

    fn with_items(items: Vec<PlayInfo>) -> CallNotify {
        CallNotify {
            play_info_list: items,
            ..base()
        }
    }

    #[test]
    fn the_vendors_two_examples_serialize_as_sent() {
        let file = with_items(vec![PlayInfo {
            collect_ind: Some(4),
            ..PlayInfo::voice("welcome.wav")
        }]);
        assert_eq!(
            body(&file),
            json!({"displayNbr": "+8675512345678", "calleeNbr": "+8613800000002",
                   "playInfoList": [{"notifyVoice": "welcome.wav", "collectInd": 4}]})
        );
        let tts = CallNotify {
            status_url: Some("https://example.com/status".into()),
            fee_url: Some("https://example.com/fee".into()),
            return_idle_port: Some(true),
            user_data: Some("order42".into()),
            ..with_items(vec![PlayInfo {
                collect_ind: Some(5),
                replay_after_collection: Some(true),
                collect_content_trigger_replaying: Some("11".into()),
                ..PlayInfo::template("test_template", ["3", "人民公园正门"])
            }])
        };
        let b = body(&tts);
        assert_eq!(
            b["playInfoList"],
            json!([{"templateId": "test_template", "templateParas": ["3", "人民公园正门"],
                    "collectInd": 5, "replayAfterCollection": "true",
                    "collectContentTriggerReplaying": "11"}])
        );
        assert_eq!(
            b["statusUrl"],
            json!("aHR0cHM6Ly9leGFtcGxlLmNvbS9zdGF0dXM=")
        );
        assert_eq!(b["returnIdlePort"], json!("true"));
        assert_eq!(b["userData"], json!("order42"));
        assert_eq!(b.as_object().unwrap().len(), 7);
    }

    #[test]
    fn play_list_holds_one_to_five_items() {
        let e = err_of(&with_items(vec![]));
        assert_eq!(e.field(), Some("playInfoList"));
        assert!(e.message().contains("1 to 5 items, got 0"), "{e}");
        let six = vec![PlayInfo::voice("a.wav"); 6];
        assert_eq!(err_of(&with_items(six)).field(), Some("playInfoList"));
        assert!(
            with_items(vec![PlayInfo::voice("a.wav"); 5])
                .to_body(false)
                .is_ok()
        );
    }

    #[test]
    fn item_errors_name_the_item_and_its_field() {
        let ok = PlayInfo::voice("a.wav");
        let cases: Vec<(PlayInfo, &str, &str)> = vec![
            (PlayInfo::default(), "notifyVoice", "got neither"),
            (
                PlayInfo {
                    template_id: Some("t".into()),
                    ..PlayInfo::voice("a.wav")
                },
                "templateId",
                "got both",
            ),
            (PlayInfo::voice(""), "notifyVoice", "1 to 128"),
            (PlayInfo::voice("a".repeat(129)), "notifyVoice", "1 to 128"),
            (
                PlayInfo::template("t".repeat(33), ["x"]),
                "templateId",
                "1 to 32",
            ),
            (
                PlayInfo::template("t", ["ok", &"字".repeat(11)]),
                "templateParas[1]",
                "at most 32 bytes",
            ),
            (
                PlayInfo {
                    template_paras: vec!["x".into()],
                    ..PlayInfo::voice("a.wav")
                },
                "templateParas",
                "only for an item with a templateId",
            ),
            (
                PlayInfo {
                    collect_ind: Some(33),
                    ..PlayInfo::voice("a.wav")
                },
                "collectInd",
                "0 to 32",
            ),
            (
                PlayInfo {
                    replay_after_collection: Some(true),
                    collect_ind: Some(0),
                    ..PlayInfo::voice("a.wav")
                },
                "replayAfterCollection",
                "collectInd of 1 to 32",
            ),
            (
                PlayInfo {
                    collect_ind: Some(2),
                    collect_content_trigger_replaying: Some("1".into()),
                    ..PlayInfo::voice("a.wav")
                },
                "collectContentTriggerReplaying",
                "replayAfterCollection true",
            ),
            (
                PlayInfo {
                    collect_ind: Some(2),
                    replay_after_collection: Some(true),
                    collect_content_trigger_replaying: Some("111".into()),
                    ..PlayInfo::voice("a.wav")
                },
                "collectContentTriggerReplaying",
                "at most collectInd (2)",
            ),
            (
                PlayInfo {
                    collect_ind: Some(2),
                    replay_after_collection: Some(true),
                    collect_content_trigger_replaying: Some("1a".into()),
                    ..PlayInfo::voice("a.wav")
                },
                "collectContentTriggerReplaying",
                "keypad characters",
            ),
        ];
        for (bad, field, says) in cases {
            let e = err_of(&with_items(vec![ok.clone(), ok.clone(), bad.clone()]));
            assert_eq!(
                e.field(),
                Some(&*format!("playInfoList[2].{field}")),
                "{bad:?}"
            );
            assert!(e.message().contains(says), "{bad:?}: {e}");
            assert!(
                e.message()
                    .starts_with(&format!("invalid playInfoList[2].{field}: ")),
                "{e}"
            );
        }
        // The edges that pass.
        let edges = vec![
            PlayInfo::voice("a".repeat(128)),
            PlayInfo::template("t".repeat(32), ["字".repeat(10) + "ab"]),
            PlayInfo {
                collect_ind: Some(32),
                replay_after_collection: Some(true),
                collect_content_trigger_replaying: Some("*#0".into()),
                ..PlayInfo::voice("a.wav")
            },
            PlayInfo {
                collect_ind: Some(0),
                replay_after_collection: Some(false),
                ..PlayInfo::template("t", Vec::<String>::new())
            },
        ];
        assert!(with_items(edges).to_body(false).is_ok());
    }

    #[test]
    fn shared_fields_follow_click2calls_rules() {
        for (req, field) in [
            (
                CallNotify {
                    display_nbr: "123".into(),
                    ..base()
                },
                "displayNbr",
            ),
            (
                CallNotify {
                    callee_nbr: "8613800000002".into(),
                    ..base()
                },
                "calleeNbr",
            ),
            (
                CallNotify {
                    status_url: Some(format!("https://{}", "a".repeat(90))),
                    ..base()
                },
                "statusUrl",
            ),
            (
                CallNotify {
                    fee_url: Some("ftp://x".into()),
                    ..base()
                },
                "feeUrl",
            ),
            (
                CallNotify {
                    user_data: Some("{x}".into()),
                    ..base()
                },
                "userData",
            ),
        ] {
            assert_eq!(err_of(&req).field(), Some(field));
        }
    }
}
