//! `voicecb`'s command line and environment, parsed by hand with std only.
//!
//! The usage texts are generated from the same flag tables the parser uses,
//! so that they cannot drift apart, and errors about a library field name the
//! flag or variable the value came from.

use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use voicecb::client::{
    DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, DEFAULT_USER_AGENT,
};
use voicecb::{CalleeMedia, Click2Call, Client, LastMinToUe};

use crate::output::Failure;

/// The platform's address.
pub const BASE_URL_VAR: &str = "VOICECB_BASE_URL";
/// The app key.
pub const APP_KEY_VAR: &str = "VOICECB_APP_KEY";
/// The app secret.
pub const APP_SECRET_VAR: &str = "VOICECB_APP_SECRET";
/// A PEM file of CAs to trust.
pub const CA_FILE_VAR: &str = "VOICECB_CA_FILE";
/// Skip TLS certificate checks.
pub const INSECURE_VAR: &str = "VOICECB_INSECURE_SKIP_VERIFY";
/// An HTTP proxy.
pub const PROXY_VAR: &str = "VOICECB_PROXY";
/// The whole-request timeout, seconds.
pub const TIMEOUT_VAR: &str = "VOICECB_TIMEOUT";
/// The connect timeout, seconds.
pub const CONNECT_TIMEOUT_VAR: &str = "VOICECB_CONNECT_TIMEOUT";

/// Each variable with the library setting (an [`voicecb::Error::field`]) it
/// fills, so that an error about the setting names the variable.
const ENV_FIELDS: &[(&str, &str)] = &[
    (BASE_URL_VAR, "base_url"),
    (APP_KEY_VAR, "app_key"),
    (APP_SECRET_VAR, "app_secret"),
    (CA_FILE_VAR, "ca_file"),
    (PROXY_VAR, "proxy"),
    (TIMEOUT_VAR, "timeout"),
    (CONNECT_TIMEOUT_VAR, "connect_timeout"),
];

/// One flag of a command.
struct Flag {
    /// The flag as typed, e.g. `--caller`.
    name: &'static str,
    /// Placeholder of its value; `None` for a switch.
    value: Option<&'static str>,
    /// The API field or library setting it fills, to name the flag in the
    /// library's errors about that field.
    field: Option<&'static str>,
    /// Whether it may be given more than once.
    repeats: bool,
    /// One line of help.
    help: &'static str,
}

const fn opt(
    name: &'static str,
    value: &'static str,
    field: &'static str,
    help: &'static str,
) -> Flag {
    Flag {
        name,
        value: Some(value),
        field: Some(field),
        repeats: false,
        help,
    }
}

const fn switch(name: &'static str, field: &'static str, help: &'static str) -> Flag {
    Flag {
        name,
        value: None,
        field: Some(field),
        repeats: false,
        help,
    }
}

// One flag per line: the tables read as the usage text they become.
#[rustfmt::skip]
const CALL_FLAGS: &[Flag] = &[
    opt("--display-nbr", "N", "displayNbr", "number the caller sees, one of the app's numbers (required)"),
    opt("--caller", "N", "callerNbr", "party rung first, +{country code}{number} (required)"),
    opt("--callee", "N", "calleeNbr", "party bridged in once the caller answers (required)"),
    opt("--display-callee-nbr", "N", "displayCalleeNbr", "number the callee sees (default: --display-nbr)"),
    opt("--max-duration", "M", "maxDuration", "minutes after the answer before the call is ended, 0-1440; 0 = no limit"),
    opt("--last-min-voice", "F", "lastMinVoice", "announcement file played in the last minute"),
    opt("--last-min-to-ue", "toa|tob|both", "lastMinToUE", "who hears it: caller, callee or both"),
    switch("--play-pre-voice", "playPreVoice", "play --pre-voice to the caller before ringing the callee"),
    opt("--pre-voice", "F", "preVoice", "announcement file played to the caller first"),
    opt("--wait-voice", "F", "waitVoice", "tone file the caller hears while the callee is rung"),
    opt("--callee-media", "all|none|fail", "calleeMedia", "callee-side media the caller hears while waiting"),
    opt("--status-url", "U", "statusUrl", "URL for call-state notifications, [A-Za-z0-9-:./], <=128 bytes"),
    opt("--fee-url", "U", "feeUrl", "URL for bills, same rules as --status-url"),
    switch("--record", "recordFlag", "record the call (the app must have recording enabled)"),
    opt("--record-hint-tone", "F", "recordHintTone", "announcement file telling the parties they are recorded"),
    switch("--party-type-required-in-disconnect", "partyTypeRequiredInDisconnect", "say in the disconnect event who hung up"),
    switch("--return-idle-port", "returnIdlePort", "ask for the platform's count of idle ports"),
    opt("--user-data", "S", "userData", "your own tag, echoed in notifications; 1-256 ASCII, no { or }"),
    switch("--encode-user-data", "encode_non_ascii_user_data", "Base64-encode a non-ASCII --user-data instead of refusing it"),
];

const STOP_FLAGS: &[Flag] = &[];

#[rustfmt::skip]
const SIGN_FLAGS: &[Flag] = &[
    opt("--nonce", "N", "nonce", "1-128 characters of [0-9A-Za-z] (default: 32 random ones)"),
    opt("--created", "T", "created", "the Created time, e.g. 2018-02-12T15:30:20Z (default: now, UTC)"),
];

const CODES_FLAGS: &[Flag] = &[];

#[rustfmt::skip]
const SANDBOX_FLAGS: &[Flag] = &[
    opt("--listen", "ADDR", "listen", "address to listen on (default 127.0.0.1:0, any free port)"),
    opt("--port-file", "F", "port_file", "write the port, once listening, to this file (atomically)"),
    opt("--app-key", "K", "app_key", "the one app key the sandbox accepts (then --app-secret is required)"),
    opt("--app-secret", "S", "app_secret", "its secret; a throwaway one: ps shows it"),
    Flag { repeats: true, ..opt("--display-nbr", "N", "display_nbr", "a display number of the app, replacing the default ones") },
    opt("--time-window", "SECS", "time_window", "how far Created may be from the sandbox's clock, either way"),
    opt("--time-scale", "MS_PER_MINUTE", "time_scale", "real milliseconds one simulated minute of a call lasts (default 1000)"),
    switch("--sign-pushes", "sign_pushes", "sign pushes with X-AKSK (HMAC of url + nonce + created)"),
    switch("--push-to-any-host", "push_to_any_host", "push to any http host, not only 127.0.0.0/8 and localhost"),
    opt("--tls-dir", "DIR", "tls_dir", "serve HTTPS with a throwaway CA made at start; its certificate goes to DIR/ca.pem"),
    opt("--tls-host", "NAME", "tls_host", "name the certificate is for (default localhost, with 127.0.0.1 and ::1)"),
    switch("--tls-expired", "tls_expired", "make the server certificate expired (valid from two days ago until yesterday)"),
];

/// A command, for its usage text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topic {
    /// `voicecb call`
    Call,
    /// `voicecb stop`
    Stop,
    /// `voicecb sign`
    Sign,
    /// `voicecb codes`
    Codes,
    /// `voicecb sandbox`
    Sandbox,
}

const TOPICS: [Topic; 5] = [
    Topic::Call,
    Topic::Stop,
    Topic::Sign,
    Topic::Codes,
    Topic::Sandbox,
];

impl Topic {
    fn name(self) -> &'static str {
        match self {
            Topic::Call => "call",
            Topic::Stop => "stop",
            Topic::Sign => "sign",
            Topic::Codes => "codes",
            Topic::Sandbox => "sandbox",
        }
    }

    fn from_name(s: &str) -> Option<Topic> {
        TOPICS.into_iter().find(|t| t.name() == s)
    }

    fn synopsis(self) -> &'static str {
        match self {
            Topic::Call => "call --display-nbr N --caller N --callee N [FLAGS]",
            Topic::Stop => "stop SESSION_ID",
            Topic::Sign => "sign [--nonce N] [--created T]",
            Topic::Codes => "codes [CODE]",
            Topic::Sandbox => "sandbox [FLAGS]",
        }
    }

    fn summary(self) -> &'static str {
        match self {
            Topic::Call => "place a voice callback; prints the session id",
            Topic::Stop => "stop a call placed by `call`",
            Topic::Sign => "print the Authorization and X-AKSK headers a request would carry",
            Topic::Codes => "print the result-code catalogue, or the rows of one code",
            Topic::Sandbox => "run a local fake of the platform for tests and demos",
        }
    }

    fn flags(self) -> &'static [Flag] {
        match self {
            Topic::Call => CALL_FLAGS,
            Topic::Stop => STOP_FLAGS,
            Topic::Sign => SIGN_FLAGS,
            Topic::Codes => CODES_FLAGS,
            Topic::Sandbox => SANDBOX_FLAGS,
        }
    }

    /// Names of the positional arguments, and how many are required.
    fn positionals(self) -> (&'static [&'static str], usize) {
        match self {
            Topic::Stop => (&["SESSION_ID"], 1),
            Topic::Codes => (&["CODE"], 0),
            _ => (&[], 0),
        }
    }

    /// Needs the app's credentials from the environment.
    fn uses_credentials(self) -> bool {
        matches!(self, Topic::Call | Topic::Stop | Topic::Sign)
    }
}

/// A parsed command line.
pub struct Invocation {
    /// `--json` was given: output and errors as JSON on stdout.
    pub json: bool,
    /// What to do.
    pub command: Command,
}

/// What to do.
pub enum Command {
    /// Print the usage text, of one command or of all.
    Help(Option<Topic>),
    /// Print `libvoicecb/<version>`.
    Version,
    /// Place a call.
    Call(CallArgs),
    /// Stop a call.
    Stop {
        /// The id `call` printed.
        session_id: String,
    },
    /// Print the signing headers.
    Sign {
        /// `--nonce`, else a fresh random one.
        nonce: Option<String>,
        /// `--created`, else now.
        created: Option<String>,
    },
    /// Print the catalogue, or one code's rows.
    Codes {
        /// The code asked for, if any.
        code: Option<String>,
    },
    /// Run the sandbox.
    Sandbox(SandboxArgs),
}

/// The arguments of `call`.
pub struct CallArgs {
    /// The request, not yet validated: the library does that and names the field.
    pub request: Click2Call,
    /// `--encode-user-data`.
    pub encode_user_data: bool,
}

/// The arguments of `sandbox`; unset ones take the sandbox's defaults.
pub struct SandboxArgs {
    /// `--listen`.
    pub listen: Option<SocketAddr>,
    /// `--port-file`.
    pub port_file: Option<PathBuf>,
    /// `--app-key` and `--app-secret`.
    pub app: Option<(String, String)>,
    /// Every `--display-nbr`.
    pub display_nbrs: Vec<String>,
    /// `--time-window`.
    pub time_window: Option<Duration>,
    /// `--time-scale`: real duration of one simulated minute.
    pub time_scale: Option<Duration>,
    /// `--sign-pushes`.
    pub sign_pushes: bool,
    /// `--push-to-any-host`.
    pub push_to_any_host: bool,
    /// `--tls-dir`, with `--tls-host` and `--tls-expired`: serve HTTPS.
    pub tls: Option<crate::tls::Settings>,
}

/// A usage or configuration error: exit status 2.
#[derive(Debug)]
pub struct UsageError {
    /// What is wrong, naming the flag or variable and the rule.
    pub message: String,
    /// The flag, argument or variable at fault.
    pub field: Option<String>,
    /// The command whose usage text would help, if one was recognised.
    pub topic: Option<Topic>,
}

impl UsageError {
    pub fn new(
        topic: Option<Topic>,
        field: Option<&str>,
        message: impl Into<String>,
    ) -> UsageError {
        UsageError {
            message: message.into(),
            field: field.map(str::to_owned),
            topic,
        }
    }

    /// The hint printed after the message.
    pub fn hint(&self) -> String {
        match self.topic {
            Some(t) => format!("try `voicecb {} --help`", t.name()),
            None => "try `voicecb --help`".to_owned(),
        }
    }
}

/// Whether `--json` is among the flags, looked for before parsing so that a
/// usage error can be reported as JSON too.
pub fn wants_json<A: AsRef<OsStr>>(args: &[A]) -> bool {
    args.iter()
        .map(AsRef::as_ref)
        .take_while(|a| *a != "--")
        .any(|a| a == "--json")
}

/// Parses the arguments after the program name.
pub fn parse(args: Vec<OsString>) -> Result<Invocation, UsageError> {
    let mut strings = Vec::with_capacity(args.len());
    for (i, a) in args.into_iter().enumerate() {
        match a.into_string() {
            Ok(s) => strings.push(s),
            Err(a) => {
                return Err(UsageError::new(
                    None,
                    None,
                    format!("argument {} is not valid UTF-8: {a:?}", i + 1),
                ));
            }
        }
    }
    let json = wants_json(&strings);
    let (mut help, mut version) = (false, false);
    let mut rest = strings.iter();
    let name = loop {
        match rest.next().map(String::as_str) {
            None => break None,
            Some("--json") => {}
            Some("-h" | "--help") => help = true,
            Some("-V" | "--version") => version = true,
            Some(flag) if flag.starts_with('-') && flag != "-" => {
                return Err(UsageError::new(
                    None,
                    Some(flag),
                    format!("unknown flag {flag} before the command"),
                ));
            }
            Some(name) => break Some(name),
        }
    };
    // A --help or --version before the command wins over the command.
    let command = match name {
        _ if help => Command::Help(name.and_then(Topic::from_name)),
        _ if version => Command::Version,
        None => return Err(UsageError::new(None, None, "no command given")),
        Some("help") => match rest.find(|a| !a.starts_with('-')) {
            None => Command::Help(None),
            Some(t) => match Topic::from_name(t) {
                Some(t) => Command::Help(Some(t)),
                None => return Err(unknown_command(t)),
            },
        },
        Some(name) => {
            let topic = Topic::from_name(name).ok_or_else(|| unknown_command(name))?;
            match parse_flags(topic, rest.as_slice())? {
                None => Command::Help(Some(topic)),
                Some(p) => build(topic, p)?,
            }
        }
    };
    Ok(Invocation { json, command })
}

fn unknown_command(name: &str) -> UsageError {
    let names: Vec<&str> = TOPICS.iter().map(|t| t.name()).collect();
    UsageError::new(
        None,
        None,
        format!(
            "unknown command '{name}' (commands: {}, help)",
            names.join(", ")
        ),
    )
}

/// The flags and positionals given to one command.
struct Parsed {
    topic: Topic,
    flags: Vec<(&'static Flag, Option<String>)>,
    positionals: Vec<String>,
}

/// Splits a command's arguments into flags and positionals. Returns `None`
/// when `--help` was asked for, which wins over every other mistake.
fn parse_flags(topic: Topic, args: &[String]) -> Result<Option<Parsed>, UsageError> {
    let mut parsed = Parsed {
        topic,
        flags: Vec::new(),
        positionals: Vec::new(),
    };
    let mut first_error: Option<UsageError> = None;
    let mut help = false;
    let mut only_positionals = false;
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if only_positionals || !arg.starts_with('-') || arg == "-" {
            parsed.positionals.push(arg.clone());
            continue;
        }
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v)),
            _ => (arg.as_str(), None),
        };
        let error = |msg: String| Some(UsageError::new(Some(topic), Some(name), msg));
        let mut fail = |e: Option<UsageError>| {
            if first_error.is_none() {
                first_error = e;
            }
        };
        match (name, inline) {
            ("--", None) => only_positionals = true,
            ("--json", None) => {}
            ("-h" | "--help", None) => help = true,
            ("--json" | "--help", Some(_)) => fail(error(format!("{name} takes no value"))),
            _ => match topic.flags().iter().find(|f| f.name == name) {
                None => fail(error(format!(
                    "unknown flag {name} for `voicecb {}`",
                    topic.name()
                ))),
                Some(flag) => {
                    let value = match (flag.value, inline) {
                        (None, None) => None,
                        (None, Some(_)) => {
                            fail(error(format!("{name} takes no value")));
                            continue;
                        }
                        (Some(_), Some(v)) => Some(v.to_owned()),
                        // A following flag is a forgotten value, not the
                        // value: `--caller --callee N` must not call "--callee".
                        (Some(meta), None) => match args.get(i) {
                            Some(v) if !v.starts_with("--") => {
                                i += 1;
                                Some(v.clone())
                            }
                            _ => {
                                fail(error(format!("missing value for {name} (expected {meta})")));
                                continue;
                            }
                        },
                    };
                    if !flag.repeats && parsed.flags.iter().any(|(f, _)| f.name == flag.name) {
                        fail(error(format!("{name} given more than once")));
                    }
                    parsed.flags.push((flag, value));
                }
            },
        }
    }
    if help {
        return Ok(None);
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    let (names, required) = topic.positionals();
    if parsed.positionals.len() < required {
        let missing = names[parsed.positionals.len()];
        return Err(UsageError::new(
            Some(topic),
            Some(missing),
            format!("missing {missing}"),
        ));
    }
    if parsed.positionals.len() > names.len() {
        let extra = &parsed.positionals[names.len()];
        return Err(UsageError::new(
            Some(topic),
            None,
            format!(
                "unexpected argument '{extra}' for `voicecb {}`",
                topic.name()
            ),
        ));
    }
    Ok(Some(parsed))
}

impl Parsed {
    fn get(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .find(|(f, _)| f.name == name)
            .and_then(|(_, v)| v.as_deref())
    }

    fn get_owned(&self, name: &str) -> Option<String> {
        self.get(name).map(str::to_owned)
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.flags
            .iter()
            .filter(|(f, _)| f.name == name)
            .filter_map(|(_, v)| v.clone())
            .collect()
    }

    fn required(&self, name: &str) -> Result<String, UsageError> {
        self.get_owned(name)
            .ok_or_else(|| self.error(name, format!("missing required flag {name}")))
    }

    /// A switch is `Some(true)` when given; an absent one stays unset so that
    /// the platform's default applies.
    fn switch(&self, name: &str) -> Option<bool> {
        self.flags
            .iter()
            .any(|(f, _)| f.name == name)
            .then_some(true)
    }

    fn error(&self, flag: &str, message: String) -> UsageError {
        UsageError::new(Some(self.topic), Some(flag), message)
    }
}

fn build(topic: Topic, p: Parsed) -> Result<Command, UsageError> {
    Ok(match topic {
        Topic::Call => Command::Call(call_args(&p)?),
        Topic::Stop => Command::Stop {
            session_id: p.positionals[0].clone(),
        },
        Topic::Sign => Command::Sign {
            nonce: p.get_owned("--nonce"),
            created: p.get_owned("--created"),
        },
        Topic::Codes => Command::Codes {
            code: p.positionals.first().cloned(),
        },
        Topic::Sandbox => Command::Sandbox(sandbox_args(&p)?),
    })
}

fn call_args(p: &Parsed) -> Result<CallArgs, UsageError> {
    let display_nbr = p.required("--display-nbr")?;
    let mut request = Click2Call::new(
        display_nbr,
        p.required("--caller")?,
        p.required("--callee")?,
    );
    if let Some(n) = p.get_owned("--display-callee-nbr") {
        request.display_callee_nbr = n;
    }
    // The range (0-1440) is the library's rule; only the syntax is checked here.
    request.max_duration = match p.get("--max-duration") {
        None => None,
        Some(m) => Some(m.parse().map_err(|_| {
            p.error(
                "--max-duration",
                format!("--max-duration must be whole minutes, 0 to 1440, got '{m}'"),
            )
        })?),
    };
    request.last_min_to_ue = match p.get("--last-min-to-ue") {
        None => None,
        Some(v) => Some(
            LastMinToUe::parse_field(v)
                .map_err(|e| p.error("--last-min-to-ue", format!("--last-min-to-ue: {e}")))?,
        ),
    };
    request.callee_media = match p.get("--callee-media") {
        None => None,
        Some(v) => Some(
            CalleeMedia::parse_field(v)
                .map_err(|e| p.error("--callee-media", format!("--callee-media: {e}")))?,
        ),
    };
    request.last_min_voice = p.get_owned("--last-min-voice");
    request.play_pre_voice = p.switch("--play-pre-voice");
    request.pre_voice = p.get_owned("--pre-voice");
    request.wait_voice = p.get_owned("--wait-voice");
    request.status_url = p.get_owned("--status-url");
    request.fee_url = p.get_owned("--fee-url");
    request.record_flag = p.switch("--record");
    request.record_hint_tone = p.get_owned("--record-hint-tone");
    request.party_type_required_in_disconnect = p.switch("--party-type-required-in-disconnect");
    request.return_idle_port = p.switch("--return-idle-port");
    request.user_data = p.get_owned("--user-data");
    Ok(CallArgs {
        request,
        encode_user_data: p.switch("--encode-user-data").is_some(),
    })
}

fn sandbox_args(p: &Parsed) -> Result<SandboxArgs, UsageError> {
    let listen = match p.get("--listen") {
        None => None,
        Some(a) => Some(a.parse().map_err(|_| {
            p.error(
                "--listen",
                format!("--listen must be IP:PORT, e.g. 127.0.0.1:0, got '{a}'"),
            )
        })?),
    };
    let app = match (p.get_owned("--app-key"), p.get_owned("--app-secret")) {
        (None, None) => None,
        (Some(k), Some(s)) if !k.is_empty() && !s.is_empty() => Some((k, s)),
        (Some(_), Some(_)) => {
            return Err(p.error(
                "--app-key",
                "--app-key and --app-secret must not be empty".into(),
            ));
        }
        (Some(_), None) => {
            return Err(p.error("--app-secret", "--app-key needs --app-secret".into()));
        }
        (None, Some(_)) => return Err(p.error("--app-key", "--app-secret needs --app-key".into())),
    };
    let time_window = match p.get("--time-window") {
        None => None,
        Some(t) => Some(seconds(t).ok_or_else(|| {
            p.error(
                "--time-window",
                format!("--time-window must be a number of seconds > 0, got '{t}'"),
            )
        })?),
    };
    let max_scale = crate::sandbox::MAX_TIME_SCALE.as_millis();
    let time_scale = match p.get("--time-scale") {
        None => None,
        Some(t) => Some(
            t.trim()
                .parse::<u64>()
                .ok()
                .filter(|ms| (1..=max_scale).contains(&u128::from(*ms)))
                .map(Duration::from_millis)
                .ok_or_else(|| {
                    p.error(
                        "--time-scale",
                        format!(
                            "--time-scale must be whole milliseconds per simulated minute, 1 to {max_scale}, got '{t}'"
                        ),
                    )
                })?,
        ),
    };
    let tls = tls_settings(p)?;
    Ok(SandboxArgs {
        listen,
        port_file: p.get_owned("--port-file").map(PathBuf::from),
        app,
        display_nbrs: p.all("--display-nbr"),
        time_window,
        time_scale,
        sign_pushes: p.switch("--sign-pushes").is_some(),
        push_to_any_host: p.switch("--push-to-any-host").is_some(),
        tls,
    })
}

/// `--tls-dir`, `--tls-host` and `--tls-expired`; the last two need the first.
fn tls_settings(p: &Parsed) -> Result<Option<crate::tls::Settings>, UsageError> {
    let host = p.get_owned("--tls-host");
    let expired = p.switch("--tls-expired").is_some();
    let Some(dir) = p.get_owned("--tls-dir") else {
        for (flag, given) in [("--tls-host", host.is_some()), ("--tls-expired", expired)] {
            if given {
                return Err(p.error(flag, format!("{flag} needs --tls-dir")));
            }
        }
        return Ok(None);
    };
    if dir.is_empty() {
        return Err(p.error("--tls-dir", "--tls-dir must not be empty".into()));
    }
    let mut settings = crate::tls::Settings::new(dir);
    if let Some(host) = host {
        crate::tls::check_host(&host)
            .map_err(|why| p.error("--tls-host", format!("--tls-host {why}, got '{host}'")))?;
        settings.host = host;
    }
    settings.expired = expired;
    Ok(Some(settings))
}

/// A positive, finite number of seconds, fractions allowed.
fn seconds(s: &str) -> Option<Duration> {
    let secs: f64 = s.trim().parse().ok()?;
    if secs > 0.0 {
        Duration::try_from_secs_f64(secs).ok()
    } else {
        None
    }
}

/// Where a library field's value came from (a flag, `SESSION_ID` or a
/// variable), to name it in the error.
pub fn source_of(field: &str) -> Option<&'static str> {
    if field == "sessionid" {
        return Some("SESSION_ID");
    }
    let flag = [CALL_FLAGS, SIGN_FLAGS]
        .into_iter()
        .flatten()
        .find(|f| f.field == Some(field))
        .map(|f| f.name);
    flag.or_else(|| {
        ENV_FIELDS
            .iter()
            .find(|(_, f)| *f == field)
            .map(|(var, _)| *var)
    })
}

/// A variable's value; unset and empty are the same, so that `VAR=` in a
/// script turns a setting off rather than into a confusing error.
pub fn env_var(name: &str) -> Result<Option<String>, UsageError> {
    match std::env::var(name) {
        Ok(v) if v.is_empty() => Ok(None),
        Ok(v) => Ok(Some(v)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(UsageError::new(
            None,
            Some(name),
            format!("{name} is not valid UTF-8"),
        )),
    }
}

/// `VOICECB_APP_KEY` and `VOICECB_APP_SECRET`, both required.
pub fn credentials() -> Result<(String, String), UsageError> {
    let need = |name: &str| {
        env_var(name)?.ok_or_else(|| {
            UsageError::new(
                None,
                Some(name),
                format!("{name} is not set (credentials come only from the environment)"),
            )
        })
    };
    Ok((need(APP_KEY_VAR)?, need(APP_SECRET_VAR)?))
}

/// The client, configured from the environment only.
pub fn client_from_env(encode_user_data: bool) -> Result<Client, Failure> {
    let (key, secret) = credentials()?;
    let mut builder = Client::builder(key, secret).encode_non_ascii_user_data(encode_user_data);
    if let Some(url) = env_var(BASE_URL_VAR)? {
        builder = builder.base_url(url);
    }
    if let Some(path) = env_var(CA_FILE_VAR)? {
        builder = builder.ca_file(path);
    }
    if let Some(proxy) = env_var(PROXY_VAR)? {
        builder = builder.proxy(proxy);
    }
    if let Some(t) = env_duration(TIMEOUT_VAR)? {
        builder = builder.timeout(t);
    }
    if let Some(t) = env_duration(CONNECT_TIMEOUT_VAR)? {
        builder = builder.connect_timeout(t);
    }
    let insecure = match env_var(INSECURE_VAR)?.as_deref() {
        None | Some("0" | "false" | "no") => false,
        Some("1" | "true" | "yes") => true,
        Some(other) => {
            return Err(UsageError::new(
                None,
                Some(INSECURE_VAR),
                format!("{INSECURE_VAR} must be 1 or 0, got '{other}'"),
            )
            .into());
        }
    };
    if insecure {
        // Said even with --json (on stderr): nobody should miss that the
        // certificate was not checked.
        eprintln!(
            "voicecb: warning: {INSECURE_VAR} is set: the server's TLS certificate is not checked"
        );
    }
    Ok(builder.insecure_skip_verify(insecure).build()?)
}

fn env_duration(name: &str) -> Result<Option<Duration>, UsageError> {
    match env_var(name)? {
        None => Ok(None),
        Some(v) => seconds(&v).map(Some).ok_or_else(|| {
            UsageError::new(
                None,
                Some(name),
                format!("{name} must be a number of seconds > 0, got '{v}'"),
            )
        }),
    }
}

/// The usage text of one command, or of all of them.
pub fn usage(topic: Option<Topic>) -> String {
    let mut s = String::new();
    match topic {
        None => {
            let _ = writeln!(
                s,
                "voicecb ({DEFAULT_USER_AGENT}): a client of the voice-callback (click-to-call) API\n"
            );
            let _ = writeln!(s, "Usage:");
            for t in TOPICS {
                let _ = writeln!(s, "  voicecb {}\n      {}", t.synopsis(), t.summary());
            }
            let _ = writeln!(s, "  voicecb help [COMMAND] | --help | --version");
            for t in TOPICS {
                if !t.flags().is_empty() {
                    let _ = writeln!(s, "\nFlags of `voicecb {}`:", t.name());
                    flag_lines(&mut s, t.flags());
                }
            }
            codes_note(&mut s);
        }
        Some(t) => {
            let _ = writeln!(
                s,
                "Usage: voicecb {}\n\n{}.",
                t.synopsis(),
                capitalised(t.summary())
            );
            if !t.flags().is_empty() {
                let _ = writeln!(s, "\nFlags:");
                flag_lines(&mut s, t.flags());
            }
            match t {
                Topic::Sandbox => sandbox_note(&mut s),
                Topic::Codes => codes_note(&mut s),
                _ => {}
            }
        }
    }
    let _ = writeln!(s, "\nFlags of every command (anywhere on the line):");
    let version = format!("print {DEFAULT_USER_AGENT}");
    let globals = [
        (
            "--json",
            "machine-readable output on stdout, errors included",
        ),
        ("-h, --help", "this text"),
        ("-V, --version", version.as_str()),
        ("--", "end of flags: the rest are arguments"),
    ];
    for (left, help) in globals {
        let _ = writeln!(s, "  {left:<38}{help}");
    }
    if topic.is_none_or(Topic::uses_credentials) {
        env_lines(&mut s);
    }
    let _ = writeln!(s, "\nExit status:");
    let _ = writeln!(s, "  0  success");
    let _ = writeln!(
        s,
        "  1  the platform refused (its resultcode, resultdesc and advice on stderr)"
    );
    let _ = writeln!(s, "  2  usage or validation error (nothing was sent)");
    let _ = write!(
        s,
        "  3  transport, timeout, TLS or bad response (the call may or may not have been placed)"
    );
    s
}

fn flag_lines(s: &mut String, flags: &[Flag]) {
    for f in flags {
        let left = match f.value {
            Some(v) => format!("{} {v}", f.name),
            None => f.name.to_owned(),
        };
        let repeat = if f.repeats { " (repeatable)" } else { "" };
        if left.len() >= 38 {
            let _ = writeln!(s, "  {left}\n  {:<38}{}{repeat}", "", f.help);
        } else {
            let _ = writeln!(s, "  {left:<38}{}{repeat}", f.help);
        }
    }
}

fn env_lines(s: &mut String) {
    let vars = [
        (
            BASE_URL_VAR,
            format!("the platform, http(s)://host[:port] (default {DEFAULT_BASE_URL})"),
        ),
        (
            APP_KEY_VAR,
            "the app key (required by call, stop and sign)".to_owned(),
        ),
        (
            APP_SECRET_VAR,
            "the app secret (required likewise; never printed)".to_owned(),
        ),
        (
            CA_FILE_VAR,
            "PEM file of CAs to trust instead of the built-in roots".to_owned(),
        ),
        (
            INSECURE_VAR,
            "1 skips every TLS certificate check (throwaway test servers only)".to_owned(),
        ),
        (
            PROXY_VAR,
            "HTTP proxy, http://host:port (no other proxy variable is read)".to_owned(),
        ),
        (
            TIMEOUT_VAR,
            format!(
                "whole-request timeout, seconds (default {})",
                DEFAULT_TIMEOUT.as_secs_f64()
            ),
        ),
        (
            CONNECT_TIMEOUT_VAR,
            format!(
                "connect timeout, seconds (default {})",
                DEFAULT_CONNECT_TIMEOUT.as_secs_f64()
            ),
        ),
    ];
    let _ = writeln!(
        s,
        "\nEnvironment (credentials are never taken from flags: ps would show them):"
    );
    for (name, help) in vars {
        if name.len() >= 30 {
            let _ = writeln!(s, "  {name}\n  {:<30}{help}", "");
        } else {
            let _ = writeln!(s, "  {name:<30}{help}");
        }
    }
}

fn sandbox_note(s: &mut String) {
    // Read from the sandbox itself so that the text cannot go stale.
    let defaults = crate::sandbox::Config::default();
    let app = defaults.apps.first();
    let _ = writeln!(
        s,
        "\nWithout --app-key, the sandbox uses {APP_KEY_VAR} and {APP_SECRET_VAR} if both are set,\n\
         else its own app: key {}, secret {}, display numbers {}.\n\
         The default time window is {} s. The sandbox prints\n\
         `voicecb sandbox listening on http://ADDR` and runs until killed or until\n\
         POST /__sandbox/shutdown; GET /__sandbox/stats shows its counters.\n\
         With --tls-dir it serves HTTPS instead (and prints https://ADDR) with a\n\
         certificate signed by a CA made at start: trust DIR/ca.pem ({CA_FILE_VAR});\n\
         the keys are never written. ca.pem is in place before the port file.",
        app.map_or("-", |a| a.key.as_str()),
        app.map_or("-", |a| a.secret.as_str()),
        app.map_or(String::new(), |a| a.display_nbrs.join(" ")),
        defaults.time_window.as_secs_f64(),
    );
    let _ = writeln!(
        s,
        "\nEach placed call plays out on a simulated clock ({} ms of real time per\n\
         simulated minute unless --time-scale): A (callerNbr) is called, rings 3 s\n\
         and answers; then B (calleeNbr) is called, rings 3 s and answers; the call\n\
         runs until callStop or until maxDuration minutes after B answered. With a\n\
         statusUrl, each step is pushed as a status event (callout, alerting, answer\n\
         for A, then for B, then disconnect); with a feeUrl, one bill follows the\n\
         disconnect. Pushes: http or https, to 127.0.0.0/8 or localhost only unless\n\
         --push-to-any-host (others are skipped, noted in the stats); connect 2 s,\n\
         whole push 5 s, up to {} attempts for a status event and {} for a bill.\n\
         A call that ended by itself can no longer be stopped (1020152).\n\
         \n\
         Scenario numbers, by the end of calleeNbr (A still answers):",
        defaults.time_scale.as_millis(),
        crate::pusher::STATUS_ATTEMPTS,
        crate::pusher::BILL_ATTEMPTS,
    );
    for (ending, what) in crate::sandbox::SCENARIO_NUMBERS {
        let _ = writeln!(s, "  ...{ending}  {what}");
    }
}

fn codes_note(s: &mut String) {
    let _ = writeln!(
        s,
        "\n`voicecb codes` prints one tab-separated row per line: status, code, category,\n\
         retryable, apis, en, zh, advice. `voicecb codes CODE` prints each row of CODE,\n\
         under every HTTP status it appears with, as a block."
    );
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(args: &[&str]) -> Result<Invocation, UsageError> {
        parse(args.iter().map(OsString::from).collect())
    }

    #[test]
    fn call_flags_fill_the_request() {
        let inv = parse_str(&[
            "call",
            "--display-nbr",
            "+861",
            "--json",
            "--caller=+862",
            "--callee",
            "+863",
            "--record",
            "--max-duration",
            "30",
            "--last-min-to-ue",
            "tob",
        ])
        .unwrap();
        assert!(inv.json);
        let Command::Call(c) = inv.command else {
            panic!()
        };
        assert_eq!(c.request.display_callee_nbr, "+861");
        assert_eq!(c.request.caller_nbr, "+862");
        assert_eq!(c.request.record_flag, Some(true));
        assert_eq!(c.request.play_pre_voice, None);
        assert_eq!(c.request.max_duration, Some(30));
        assert_eq!(c.request.last_min_to_ue, Some(LastMinToUe::Callee));
    }

    #[test]
    fn mistakes_name_the_flag() {
        let field = |args: &[&str]| parse_str(args).err().unwrap().field.unwrap();
        assert_eq!(field(&["call", "--bogus"]), "--bogus");
        assert_eq!(field(&["call", "--caller", "--callee", "+1"]), "--caller");
        assert_eq!(field(&["call", "--caller"]), "--caller");
        assert_eq!(
            field(&["call", "--caller", "+1", "--callee", "+2"]),
            "--display-nbr"
        );
        assert_eq!(field(&["call", "--record=yes"]), "--record");
        assert_eq!(field(&["stop"]), "SESSION_ID");
        assert_eq!(field(&["sandbox", "--app-key", "k"]), "--app-secret");
        assert!(matches!(
            parse_str(&["call", "--bogus", "--help"]).unwrap().command,
            Command::Help(Some(Topic::Call))
        ));
    }

    #[test]
    fn every_flag_is_in_the_usage() {
        let all = usage(None);
        for t in TOPICS {
            for f in t.flags() {
                assert!(all.contains(f.name), "{}", f.name);
                assert!(usage(Some(t)).contains(f.name), "{}", f.name);
            }
        }
        for (var, _) in ENV_FIELDS {
            assert!(all.contains(var), "{var}");
        }
    }

    #[test]
    fn sandbox_push_flags() {
        let Command::Sandbox(a) = parse_str(&["sandbox"]).unwrap().command else {
            panic!()
        };
        assert_eq!(
            (a.time_scale, a.sign_pushes, a.push_to_any_host),
            (None, false, false)
        );
        let inv = parse_str(&[
            "sandbox",
            "--time-scale",
            "60",
            "--sign-pushes",
            "--push-to-any-host",
        ])
        .unwrap();
        let Command::Sandbox(a) = inv.command else {
            panic!()
        };
        assert_eq!(a.time_scale, Some(Duration::from_millis(60)));
        assert!(a.sign_pushes && a.push_to_any_host);
        let field = |args: &[&str]| parse_str(args).err().unwrap().field.unwrap();
        for bad in ["0", "-5", "1.5", "x", "3600001"] {
            assert_eq!(
                field(&["sandbox", "--time-scale", bad]),
                "--time-scale",
                "{bad}"
            );
        }
        assert_eq!(field(&["sandbox", "--sign-pushes=yes"]), "--sign-pushes");
    }

    #[test]
    fn sandbox_tls_flags() {
        let tls = |args: &[&str]| match parse_str(args).unwrap().command {
            Command::Sandbox(a) => a.tls,
            _ => panic!("not the sandbox"),
        };
        assert_eq!(tls(&["sandbox"]), None);
        let t = tls(&["sandbox", "--tls-dir=d"]).unwrap();
        assert_eq!(
            (t.dir, t.host.as_str(), t.expired),
            (PathBuf::from("d"), "localhost", false)
        );
        let t = tls(&[
            "sandbox",
            "--tls-expired",
            "--tls-dir",
            "/tmp/x",
            "--tls-host",
            "other.example",
        ])
        .unwrap();
        assert_eq!(
            (t.dir, t.host.as_str(), t.expired),
            (PathBuf::from("/tmp/x"), "other.example", true)
        );
        let field = |args: &[&str]| parse_str(args).err().unwrap().field.unwrap();
        assert_eq!(field(&["sandbox", "--tls-host", "h"]), "--tls-host");
        assert_eq!(field(&["sandbox", "--tls-expired"]), "--tls-expired");
        assert_eq!(field(&["sandbox", "--tls-dir="]), "--tls-dir");
        assert_eq!(field(&["sandbox", "--tls-dir"]), "--tls-dir");
        assert_eq!(field(&["sandbox", "--tls-expired=1"]), "--tls-expired");
        for bad in ["a b", "h/x", "ünï.example"] {
            assert_eq!(
                field(&["sandbox", "--tls-dir", "d", "--tls-host", bad]),
                "--tls-host",
                "{bad}"
            );
        }
    }

    #[test]
    fn sources() {
        assert_eq!(source_of("callerNbr"), Some("--caller"));
        assert_eq!(source_of("base_url"), Some(BASE_URL_VAR));
        assert_eq!(source_of("nonce"), Some("--nonce"));
    }
}
