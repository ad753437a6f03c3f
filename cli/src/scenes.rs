//! `voicecb notify`, `voicecb verify` and `voicecb record-url`: the voice
//! notification, the verification code call and the recording download
//! URL. Flags are declared here; their clap ids are the API's field names,
//! so that the library's errors name the flag (`cli::source_of`). Limits
//! are the library's: only the syntax of a flag's value is checked here.

use clap::Args;
use serde_json::{Map, Value};
use voicecb::{CallNotify, CallVerify, PlayInfo};

use crate::cli::{Topic, UsageError, client_from_env};
use crate::output::{self, Failure};

/// The two numbers of both requests.
#[derive(Args, Debug)]
struct Numbers {
    /// number the callee sees, one of the app's numbers (required)
    #[arg(long = "display-nbr", id = "displayNbr", value_name = "N")]
    display_nbr: String,
    /// party called, +{country code}{number} (required)
    #[arg(long = "callee", id = "calleeNbr", value_name = "N")]
    callee: String,
}

/// The optional fields both requests share with click2Call.
#[derive(Args, Debug)]
struct Common {
    /// URL for call-state notifications, [A-Za-z0-9-:./], <=96 bytes (128 in Base64)
    #[arg(long = "status-url", id = "statusUrl", value_name = "U")]
    status_url: Option<String>,
    /// URL for bills, same rules as --status-url
    #[arg(long = "fee-url", id = "feeUrl", value_name = "U")]
    fee_url: Option<String>,
    /// ask for the platform's count of idle ports
    #[arg(long = "return-idle-port", id = "returnIdlePort")]
    return_idle_port: bool,
    /// your own tag, echoed in notifications; 1-256 ASCII, no { or }
    #[arg(long = "user-data", id = "userData", value_name = "S")]
    user_data: Option<String>,
    /// Base64-encode a non-ASCII --user-data instead of refusing it
    #[arg(long = "encode-user-data", id = "encode_non_ascii_user_data")]
    encode_user_data: bool,
}

#[derive(Args, Debug)]
pub struct NotifyFlags {
    #[command(flatten)]
    numbers: Numbers,
    /// a play item, 1-5 in order: a WAV file name, or a JSON object of the
    /// API's fields, e.g. {"templateId":"t","templateParas":["3"],"collectInd":1}
    #[arg(
        long = "play",
        id = "playInfoList",
        value_name = "F|JSON",
        required = true
    )]
    play: Vec<String>,
    #[command(flatten)]
    common: Common,
}

#[derive(Args, Debug)]
pub struct VerifyFlags {
    #[command(flatten)]
    numbers: Numbers,
    /// the code spoken, 2-8 digits (required)
    #[arg(long = "code", id = "verifyCode", value_name = "DIGITS")]
    code: String,
    /// WAV file played before the code (required)
    #[arg(long = "pre-tone", id = "preTone", value_name = "F")]
    pre_tone: String,
    /// WAV file played after the code
    #[arg(long = "pos-tone", id = "posTone", value_name = "F")]
    pos_tone: Option<String>,
    /// plays of the code, 0-9, 0 = without end (default: the platform's 3)
    #[arg(long = "times", id = "times", value_name = "N")]
    times: Option<String>,
    /// language of the code; only 2 (Chinese) is documented (default 2)
    #[arg(long = "language-type", id = "languageType", value_name = "N")]
    language_type: Option<String>,
    #[command(flatten)]
    common: Common,
}

#[derive(Args, Debug)]
pub struct RecordUrlFlags {
    /// a bill's recordObjectName, 1-128 characters
    #[arg(id = "fileName", value_name = "FILE_NAME")]
    file_name: String,
    /// a bill's recordDomain, 1-128 characters
    #[arg(id = "recordDomain", value_name = "RECORD_DOMAIN")]
    record_domain: String,
}

/// A command of this file, parsed.
pub enum Scene {
    /// `voicecb notify`.
    Notify(CallNotify, bool),
    /// `voicecb verify`.
    Verify(CallVerify, bool),
    /// `voicecb record-url`.
    RecordUrl(String, String),
}

pub fn notify_args(f: NotifyFlags) -> Result<Scene, UsageError> {
    let items = f
        .play
        .iter()
        .enumerate()
        .map(|(i, p)| play_item(i, p))
        .collect::<Result<Vec<_>, _>>()?;
    let c = f.common;
    let req = CallNotify {
        status_url: c.status_url,
        fee_url: c.fee_url,
        return_idle_port: c.return_idle_port.then_some(true),
        user_data: c.user_data,
        ..CallNotify::new(f.numbers.display_nbr, f.numbers.callee, items)
    };
    Ok(Scene::Notify(req, c.encode_user_data))
}

pub fn verify_args(f: VerifyFlags) -> Result<Scene, UsageError> {
    let n = f.numbers;
    let mut req = CallVerify::new(n.display_nbr, n.callee, f.code, f.pre_tone);
    req.pos_tone = f.pos_tone;
    req.times = whole(f.times.as_deref(), "--times", "0 to 9")?;
    if let Some(n) = whole(f.language_type.as_deref(), "--language-type", "2")? {
        req.language_type = n;
    }
    let c = f.common;
    req.status_url = c.status_url;
    req.fee_url = c.fee_url;
    req.return_idle_port = c.return_idle_port.then_some(true);
    req.user_data = c.user_data;
    Ok(Scene::Verify(req, c.encode_user_data))
}

pub fn record_url_args(f: RecordUrlFlags) -> Scene {
    Scene::RecordUrl(f.file_name, f.record_domain)
}

/// A whole number flag; its range is the library's rule.
fn whole<T: std::str::FromStr>(
    value: Option<&str>,
    flag: &str,
    range: &str,
) -> Result<Option<T>, UsageError> {
    value
        .map(|v| {
            v.parse().map_err(|_| {
                UsageError::new(
                    Some(Topic::Verify),
                    Some(flag),
                    format!("{flag} must be a whole number, {range}, got '{v}'"),
                )
            })
        })
        .transpose()
}

/// One `--play`: a file name, or a JSON object of `PlayContentInfo` fields.
fn play_item(index: usize, value: &str) -> Result<PlayInfo, UsageError> {
    let error = |message: String| {
        UsageError::new(
            Some(Topic::Notify),
            Some("--play"),
            format!("--play #{} ({value}): {message}", index + 1),
        )
    };
    if !value.trim_start().starts_with('{') {
        return Ok(PlayInfo::voice(value));
    }
    let object: Map<String, Value> =
        serde_json::from_str(value).map_err(|e| error(format!("not a JSON object: {e}")))?;
    let text = |v: &Value, key: &str| {
        v.as_str()
            .map(str::to_owned)
            .ok_or_else(|| error(format!("{key} must be a string")))
    };
    let mut item = PlayInfo::default();
    for (key, v) in &object {
        match key.as_str() {
            "notifyVoice" => item.notify_voice = Some(text(v, key)?),
            "templateId" => item.template_id = Some(text(v, key)?),
            "collectContentTriggerReplaying" => {
                item.collect_content_trigger_replaying = Some(text(v, key)?)
            }
            "templateParas" => {
                item.template_paras = v
                    .as_array()
                    .ok_or_else(|| error("templateParas must be an array of strings".into()))?
                    .iter()
                    .map(|p| text(p, "each of templateParas"))
                    .collect::<Result<_, _>>()?
            }
            // The range (0-32) is the library's rule: only the type is checked here.
            "collectInd" => {
                item.collect_ind = Some(
                    v.as_u64()
                        .and_then(|n| u32::try_from(n).ok())
                        .ok_or_else(|| error("collectInd must be a whole number 0-32".into()))?,
                )
            }
            "replayAfterCollection" => {
                item.replay_after_collection = Some(match v {
                    Value::Bool(b) => *b,
                    Value::String(s) if s == "true" || s == "false" => s == "true",
                    _ => return Err(error("replayAfterCollection must be true or false".into())),
                })
            }
            other => {
                return Err(error(format!(
                    "unknown field {other:?}; the fields are notifyVoice, templateId, \
                     templateParas, collectInd, replayAfterCollection, collectContentTriggerReplaying"
                )));
            }
        }
    }
    Ok(item)
}

/// Runs a command of this file.
pub fn run(scene: Scene, json: bool, verbose: bool) -> Result<(), Failure> {
    match scene {
        Scene::Notify(req, encode) => {
            // The library validates too; checking first reports a mistake
            // even before the credentials are set up.
            req.to_body_for(encode, voicecb::Binding::Cli)?;
            let client = client_from_env(encode, verbose)?;
            output::call(&client.call_notify(&req)?, json)
        }
        Scene::Verify(req, encode) => {
            req.to_body_for(encode, voicecb::Binding::Cli)?;
            let client = client_from_env(encode, verbose)?;
            output::call(&client.call_verify(&req)?, json)
        }
        Scene::RecordUrl(file_name, record_domain) => {
            voicecb::record::record_url_query(&file_name, &record_domain)?;
            let url = client_from_env(false, verbose)?.record_url(&file_name, &record_domain)?;
            if json {
                output::print_json(&serde_json::json!({ "url": url }))
            } else {
                output::emit(&format!("{}\n", voicecb::response::escape_controls(&url)))
            }
        }
    }
}
