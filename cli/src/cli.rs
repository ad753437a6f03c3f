//! `voicecb`'s command line, parsed by clap (derive), and its environment.
//!
//! Each flag is declared once, below, with its help; its clap id is the API
//! field or library setting it fills, so that an error of the library about
//! that field names the flag ([`source_of`]). clap's own mistakes become
//! [`UsageError`]s naming the flag, reported like every other usage error
//! (exit status 2, JSON with `--json`).

use std::ffi::OsString;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::error::{ContextKind, ContextValue, ErrorKind as ClapErrorKind};
use clap::{ArgAction, Args, ColorChoice, CommandFactory, FromArgMatches, Parser, Subcommand};
use voicecb::client::{
    DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, DEFAULT_USER_AGENT,
};
use voicecb::{Binding, CalleeMedia, Click2Call, Client, LastMinToUe};

use crate::output::Failure;
use crate::scenes::{self, NotifyFlags, RecordUrlFlags, Scene, VerifyFlags};

// The variables are the library's (`voicecb::env`), read with its rules.
pub use voicecb::env::{
    APP_KEY_VAR, APP_SECRET_VAR, BASE_URL_VAR, CA_FILE_VAR, CONNECT_TIMEOUT_VAR, INSECURE_VAR,
    PROXY_VAR, TIMEOUT_VAR,
};

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

/// A command's help starts with its usage line.
/// The flags are listed by [`flag_lines`], in the same form on every page.
const COMMAND_TEMPLATE: &str = "{usage-heading} {usage}\n\n{about}{after-help}";
const ROOT_TEMPLATE: &str =
    "{about-with-newline}\n{usage-heading} {usage}\n\n{all-args}{after-help}";

#[derive(Parser, Debug)]
#[command(name = "voicecb", bin_name = "voicecb", disable_version_flag = true)]
struct Cli {
    /// machine-readable output on stdout, errors included
    #[arg(long, global = true)]
    json: bool,
    /// one line per try of the request on stderr (numbers masked)
    #[arg(short = 'v', long, global = true)]
    verbose: bool,
    /// print libvoicecb/<version>
    #[arg(short = 'V', long, global = true)]
    version: bool,
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Place a voice callback; prints the session id.
    Call(CallFlags),
    /// Place a voice notification (files or TTS templates); prints the session id.
    Notify(NotifyFlags),
    /// Place a voice verification code call; prints the session id.
    Verify(VerifyFlags),
    /// Print the download URL of a recording (from a bill's record fields).
    #[command(name = "record-url")]
    RecordUrl(RecordUrlFlags),
    /// Stop a call placed by `call`.
    Stop {
        /// the session id `call` printed
        #[arg(id = "sessionid", value_name = "SESSION_ID")]
        session_id: String,
    },
    /// Print the Authorization and X-AKSK headers a request would carry.
    Sign(SignFlags),
    /// Print the result-code catalogue, or the rows of one code.
    Codes {
        /// a result code, e.g. 1010010
        #[arg(value_name = "CODE")]
        code: Option<String>,
    },
    /// Run a local fake of the platform for tests and demos.
    // A negative number is taken as a value, which is then refused with the
    // flag's own rule, rather than as an unknown flag.
    #[command(allow_negative_numbers = true)]
    Sandbox(SandboxFlags),
    /// Check the configuration without placing a call: endpoint, TLS, clock, credentials.
    Doctor(crate::doctor::DoctorFlags),
    /// Print a shell completion script for voicecb on stdout.
    Completions {
        /// the shell: bash, zsh or fish
        #[arg(value_name = "SHELL")]
        shell: Shell,
    },
}

/// The shells `voicecb completions` writes for.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shell {
    /// GNU bash
    Bash,
    /// Z shell
    Zsh,
    /// fish
    Fish,
}

#[derive(Args, Debug)]
struct CallFlags {
    /// number the caller sees, one of the app's numbers (required)
    #[arg(long = "display-nbr", id = "displayNbr", value_name = "N")]
    display_nbr: String,
    /// party rung first, +{country code}{number} (required)
    #[arg(long = "caller", id = "callerNbr", value_name = "N")]
    caller: String,
    /// party bridged in once the caller answers (required)
    #[arg(long = "callee", id = "calleeNbr", value_name = "N")]
    callee: String,
    /// number the callee sees (default: --display-nbr)
    #[arg(long = "display-callee-nbr", id = "displayCalleeNbr", value_name = "N")]
    display_callee_nbr: Option<String>,
    /// minutes after the answer before the call is ended, 0-1440; 0 = no limit
    #[arg(long = "max-duration", id = "maxDuration", value_name = "M")]
    max_duration: Option<String>,
    /// announcement file played in the last minute
    #[arg(long = "last-min-voice", id = "lastMinVoice", value_name = "F")]
    last_min_voice: Option<String>,
    /// who hears it: caller, callee or both
    #[arg(
        long = "last-min-to-ue",
        id = "lastMinToUE",
        value_name = "toa|tob|both"
    )]
    last_min_to_ue: Option<String>,
    /// play --pre-voice to the caller before ringing the callee
    #[arg(long = "play-pre-voice", id = "playPreVoice")]
    play_pre_voice: bool,
    /// announcement file played to the caller first
    #[arg(long = "pre-voice", id = "preVoice", value_name = "F")]
    pre_voice: Option<String>,
    /// tone file the caller hears while the callee is rung
    #[arg(long = "wait-voice", id = "waitVoice", value_name = "F")]
    wait_voice: Option<String>,
    /// callee-side media the caller hears while waiting
    #[arg(
        long = "callee-media",
        id = "calleeMedia",
        value_name = "all|none|fail"
    )]
    callee_media: Option<String>,
    /// URL for call-state notifications, [A-Za-z0-9-:./], <=96 bytes (128 in Base64)
    #[arg(long = "status-url", id = "statusUrl", value_name = "U")]
    status_url: Option<String>,
    /// URL for bills, same rules as --status-url
    #[arg(long = "fee-url", id = "feeUrl", value_name = "U")]
    fee_url: Option<String>,
    /// record the call (the app must have recording enabled)
    #[arg(long = "record", id = "recordFlag")]
    record: bool,
    /// announcement file telling the parties they are recorded
    #[arg(long = "record-hint-tone", id = "recordHintTone", value_name = "F")]
    record_hint_tone: Option<String>,
    /// say in the disconnect event who hung up
    #[arg(
        long = "party-type-required-in-disconnect",
        id = "partyTypeRequiredInDisconnect"
    )]
    party_type_required_in_disconnect: bool,
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
struct SignFlags {
    /// 1-128 characters of [0-9A-Za-z] (default: 32 random ones)
    #[arg(long, id = "nonce", value_name = "N")]
    nonce: Option<String>,
    /// the Created time, e.g. 2018-02-12T15:30:20Z (default: now, UTC)
    #[arg(long, id = "created", value_name = "T")]
    created: Option<String>,
}

#[derive(Args, Debug)]
struct SandboxFlags {
    /// address to listen on (default 127.0.0.1:0, any free port)
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
    /// write the port, once listening, to this file (atomically)
    #[arg(long = "port-file", value_name = "F")]
    port_file: Option<PathBuf>,
    /// the one app key the sandbox accepts (then --app-secret is required)
    #[arg(long = "app-key", value_name = "K")]
    app_key: Option<String>,
    /// its secret; a throwaway one: ps shows it
    #[arg(long = "app-secret", value_name = "S")]
    app_secret: Option<String>,
    /// a display number of the app, replacing the default ones (repeatable)
    #[arg(long = "display-nbr", value_name = "N", action = ArgAction::Append)]
    display_nbr: Vec<String>,
    /// how far Created may be from the sandbox's clock, either way
    #[arg(long = "time-window", value_name = "SECS")]
    time_window: Option<String>,
    /// real milliseconds one simulated minute of a call lasts (default 1000)
    #[arg(long = "time-scale", value_name = "MS_PER_MINUTE")]
    time_scale: Option<String>,
    /// sign pushes with X-AKSK (HMAC of url + nonce + created)
    #[arg(long = "sign-pushes")]
    sign_pushes: bool,
    /// with --sign-pushes: Created in UTC (default) or in UTC+8 (Beijing time, still written with Z)
    #[arg(long = "sign-pushes-as", value_name = "utc|utc8", value_parser = ["utc", "utc8"])]
    sign_pushes_as: Option<String>,
    /// with --sign-pushes: digest over url+nonce+created (plain, default) or url\nnonce\ncreated (lines)
    #[arg(long = "push-digest", value_name = "plain|lines", value_parser = ["plain", "lines"])]
    push_digest: Option<String>,
    /// push to any host, not only 127.0.0.0/8 and localhost
    #[arg(long = "push-to-any-host")]
    push_to_any_host: bool,
    /// log each request answered to stderr: method, path, result and, if refused, which check and why (never a secret nor a digest)
    #[arg(long)]
    verbose: bool,
    /// serve HTTPS with a throwaway CA made at start; its certificate goes to DIR/ca.pem
    #[arg(long = "tls-dir", value_name = "DIR")]
    tls_dir: Option<String>,
    /// name the certificate is for (default localhost, with 127.0.0.1 and ::1)
    #[arg(long = "tls-host", value_name = "NAME")]
    tls_host: Option<String>,
    /// make the server certificate expired (valid from two days ago until yesterday)
    #[arg(long = "tls-expired")]
    tls_expired: bool,
    /// read requests' Created as UTC (default), UTC+8 (the current verification page) or either
    #[arg(long = "created-as", value_name = "utc|utc8|either", value_parser = ["utc", "utc8", "either"])]
    created_as: Option<String>,
    /// HTTP status of the template refusals 1012002-1012005, 400-599 (default 403)
    #[arg(long = "template-status", value_name = "STATUS")]
    template_status: Option<String>,
    /// the answer for an unknown recording: STATUS:CODE (default 403:1012007)
    #[arg(long = "record-not-found", value_name = "STATUS:CODE")]
    record_not_found: Option<String>,
    /// how long recording download URLs are valid: N[s|m|h|d], e.g. 30m (default 7d)
    #[arg(long = "record-url-ttl", value_name = "DURATION")]
    record_url_ttl: Option<String>,
}

/// A command, for its usage text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topic {
    /// `voicecb call`
    Call,
    /// `voicecb notify`
    Notify,
    /// `voicecb verify`
    Verify,
    /// `voicecb record-url`
    RecordUrl,
    /// `voicecb stop`
    Stop,
    /// `voicecb sign`
    Sign,
    /// `voicecb codes`
    Codes,
    /// `voicecb sandbox`
    Sandbox,
    /// `voicecb completions`
    Completions,
    /// `voicecb doctor`
    Doctor,
}

const TOPICS: [Topic; 10] = [
    Topic::Call,
    Topic::Notify,
    Topic::Verify,
    Topic::RecordUrl,
    Topic::Stop,
    Topic::Sign,
    Topic::Codes,
    Topic::Sandbox,
    Topic::Completions,
    Topic::Doctor,
];

impl Topic {
    fn name(self) -> &'static str {
        match self {
            Topic::Call => "call",
            Topic::Notify => "notify",
            Topic::Verify => "verify",
            Topic::RecordUrl => "record-url",
            Topic::Stop => "stop",
            Topic::Sign => "sign",
            Topic::Codes => "codes",
            Topic::Sandbox => "sandbox",
            Topic::Completions => "completions",
            Topic::Doctor => "doctor",
        }
    }

    fn from_name(s: &str) -> Option<Topic> {
        TOPICS.into_iter().find(|t| t.name() == s)
    }

    /// Needs the app's credentials from the environment.
    fn uses_credentials(self) -> bool {
        matches!(
            self,
            Topic::Call
                | Topic::Notify
                | Topic::Verify
                | Topic::RecordUrl
                | Topic::Stop
                | Topic::Sign
                | Topic::Doctor
        )
    }
}

/// A parsed command line.
pub struct Invocation {
    /// `--json` was given: output and errors as JSON on stdout.
    pub json: bool,
    /// `-v`/`--verbose` was given: each event of the client on stderr.
    pub verbose: bool,
    /// What to do.
    pub command: Command,
}

/// What to do.
pub enum Command {
    /// Print this help text (of one command or of all).
    Help(String),
    /// Print `libvoicecb/<version>`.
    Version,
    /// Place a call.
    Call(CallArgs),
    /// Place a notification or a verification call, or ask for a recording's URL.
    Scene(Scene),
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
    /// Print a completion script.
    Completions(Shell),
    /// Check the configuration.
    Doctor(crate::doctor::DoctorArgs),
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
    /// `--sign-pushes-as` and `--push-digest`.
    pub push_signing: crate::pusher::PushSigning,
    /// `--push-to-any-host`.
    pub push_to_any_host: bool,
    /// `--verbose`.
    pub verbose: bool,
    /// `--tls-dir`, with `--tls-host` and `--tls-expired`: serve HTTPS.
    pub tls: Option<crate::tls::Settings>,
    /// `--created-as`, `--template-status`, `--record-not-found` and
    /// `--record-url-ttl`.
    pub scenes: SceneArgs,
}

/// The sandbox settings of the notification, verification and recording
/// APIs; unset ones take the sandbox's defaults.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SceneArgs {
    /// `--created-as`.
    pub created_clock: Option<crate::sandbox::CreatedClock>,
    /// `--template-status`.
    pub template_status: Option<u16>,
    /// `--record-not-found`.
    pub record_not_found: Option<(u16, String)>,
    /// `--record-url-ttl`.
    pub record_url_ttl: Option<Duration>,
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
pub fn wants_json(args: &[OsString]) -> bool {
    args.iter()
        .take_while(|a| *a != "--")
        .any(|a| a == "--json")
}

/// The command line's definition, with the help texts that come from the
/// code (the sandbox's defaults, the environment, the exit statuses).
pub fn command() -> clap::Command {
    let root = Cli::command()
        .color(ColorChoice::Never)
        .about(format!(
            "voicecb ({DEFAULT_USER_AGENT}): a client of the voice-callback (click-to-call) API"
        ))
        .help_template(ROOT_TEMPLATE)
        .mut_subcommands(|sc| {
            let topic = Topic::from_name(sc.get_name());
            let mut after = String::new();
            if flag_lines(&mut after, &sc) {
                after.insert_str(0, "Flags and arguments:\n");
            }
            global_lines(&mut after);
            match topic {
                Some(Topic::Sandbox) => sandbox_note(&mut after),
                Some(Topic::Codes) => codes_note(&mut after),
                Some(Topic::Doctor) => crate::doctor::note(&mut after),
                _ => {}
            }
            if topic.is_some_and(Topic::uses_credentials) {
                env_lines(&mut after);
            }
            exit_lines(&mut after);
            sc.help_template(COMMAND_TEMPLATE).after_help(after)
        });
    // The whole reference on one page: every command's flags, read from the
    // definitions above so that the pages cannot drift apart.
    let mut after = String::new();
    for sc in root.get_subcommands() {
        let mut lines = String::new();
        if flag_lines(&mut lines, sc) {
            let _ = write!(
                after,
                "\nFlags and arguments of `voicecb {}`:\n{lines}",
                sc.get_name()
            );
        }
    }
    codes_note(&mut after);
    env_lines(&mut after);
    exit_lines(&mut after);
    root.after_help(after.trim_start().to_owned())
}

/// One line per flag or argument of `sc` (its own, not the global ones);
/// whether there was any.
fn flag_lines(s: &mut String, sc: &clap::Command) -> bool {
    let mut any = false;
    let own = sc.get_arguments().filter(|a| {
        !a.is_global_set()
            && !matches!(a.get_id().as_str(), "help" | "json" | "verbose" | "version")
    });
    for arg in own {
        any = true;
        let value = arg
            .get_action()
            .takes_values()
            .then(|| arg.get_value_names().and_then(|v| v.first()))
            .flatten()
            .map(|v| v.as_str().to_owned());
        let left = match (arg.get_long(), value) {
            (Some(long), Some(v)) => format!("--{long} {v}"),
            (Some(long), None) => format!("--{long}"),
            (None, Some(v)) => v,
            (None, None) => arg.get_id().as_str().to_owned(),
        };
        let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
        if left.len() >= 38 {
            let _ = writeln!(s, "  {left}\n  {:<38}{help}", "");
        } else {
            let _ = writeln!(s, "  {left:<38}{help}");
        }
    }
    any
}

/// The flags every command takes.
fn global_lines(s: &mut String) {
    let _ = writeln!(s, "\nFlags of every command (anywhere on the line):");
    let version = format!("print {DEFAULT_USER_AGENT}");
    let globals = [
        (
            "--json",
            "machine-readable output on stdout, errors included",
        ),
        (
            "-v, --verbose",
            "one line per try of a request on stderr (numbers masked)",
        ),
        ("-h, --help", "this text"),
        ("-V, --version", version.as_str()),
        ("--", "end of flags: the rest are arguments"),
    ];
    for (left, help) in globals {
        let _ = writeln!(s, "  {left:<38}{help}");
    }
}

/// The first command named on the line, for the hint of an error.
fn topic_of(args: &[OsString]) -> Option<Topic> {
    args.iter()
        .filter_map(|a| a.to_str())
        .take_while(|a| *a != "--")
        .find(|a| !a.starts_with('-'))
        .and_then(Topic::from_name)
}

/// Parses the arguments after the program name.
pub fn parse(args: Vec<OsString>) -> Result<Invocation, UsageError> {
    let json = wants_json(&args);
    let topic = topic_of(&args);
    let line = std::iter::once(OsString::from("voicecb")).chain(args);
    let matches = match command().try_get_matches_from(line) {
        Ok(matches) => matches,
        Err(e) if e.kind() == ClapErrorKind::DisplayHelp => {
            let mut text = e.render().to_string();
            if !text.ends_with('\n') {
                text.push('\n');
            }
            return Ok(Invocation {
                json,
                verbose: false,
                command: Command::Help(text),
            });
        }
        Err(e) => return Err(usage_error(&e, topic)),
    };
    let cli = Cli::from_arg_matches(&matches).map_err(|e| usage_error(&e, topic))?;
    if cli.version {
        return Ok(Invocation {
            json,
            verbose: cli.verbose,
            command: Command::Version,
        });
    }
    let command = match cli.command {
        None => return Err(UsageError::new(None, None, "no command given")),
        Some(Cmd::Call(flags)) => Command::Call(call_args(flags)?),
        Some(Cmd::Notify(flags)) => Command::Scene(scenes::notify_args(flags)?),
        Some(Cmd::Verify(flags)) => Command::Scene(scenes::verify_args(flags)?),
        Some(Cmd::RecordUrl(flags)) => Command::Scene(scenes::record_url_args(flags)),
        Some(Cmd::Stop { session_id }) => Command::Stop { session_id },
        Some(Cmd::Sign(SignFlags { nonce, created })) => Command::Sign { nonce, created },
        Some(Cmd::Codes { code }) => Command::Codes { code },
        Some(Cmd::Sandbox(flags)) => Command::Sandbox(sandbox_args(flags)?),
        Some(Cmd::Completions { shell }) => Command::Completions(shell),
        Some(Cmd::Doctor(flags)) => Command::Doctor(crate::doctor::args(flags)?),
    };
    Ok(Invocation {
        json,
        verbose: cli.verbose,
        command,
    })
}

/// clap's error as a usage error: its text without the usage block, and the
/// flag, argument or command it is about.
fn usage_error(e: &clap::Error, topic: Option<Topic>) -> UsageError {
    let named = |value: Option<&ContextValue>| match value {
        Some(ContextValue::String(s)) => Some(s.clone()),
        Some(ContextValue::Strings(v)) => v.first().cloned(),
        _ => None,
    };
    // "--caller <N>" names --caller; "<SESSION_ID>" names SESSION_ID.
    let field = named(e.get(ContextKind::InvalidArg))
        .map(|s| {
            let first = s.split(' ').next().unwrap_or(&s);
            first
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned()
        })
        .or_else(|| named(e.get(ContextKind::InvalidSubcommand)));
    let rendered = e.render().to_string();
    let message = rendered
        .lines()
        .map(str::trim)
        .take_while(|l| !l.is_empty() && !l.starts_with("Usage:"))
        .collect::<Vec<_>>()
        .join(" ");
    let message = message
        .strip_prefix("error: ")
        .unwrap_or(&message)
        .to_owned();
    UsageError {
        message,
        field,
        topic,
    }
}

/// A completion script for `shell`.
pub fn completions(shell: Shell) -> String {
    let shell = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command(), "voicecb", &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn error(topic: Topic, flag: &str, message: String) -> UsageError {
    UsageError::new(Some(topic), Some(flag), message)
}

fn call_args(f: CallFlags) -> Result<CallArgs, UsageError> {
    let error = |flag: &str, message: String| error(Topic::Call, flag, message);
    // A switch is `Some(true)` when given; an absent one stays unset so that
    // the platform's default applies.
    let switch = |given: bool| given.then_some(true);
    let mut request = Click2Call::new(f.display_nbr, f.caller, f.callee);
    if let Some(n) = f.display_callee_nbr {
        request.display_callee_nbr = n;
    }
    // The range (0-1440) is the library's rule; only the syntax is checked here.
    request.max_duration = match f.max_duration {
        None => None,
        Some(m) => Some(m.parse().map_err(|_| {
            error(
                "--max-duration",
                format!("--max-duration must be whole minutes, 0 to 1440, got '{m}'"),
            )
        })?),
    };
    request.last_min_to_ue = match f.last_min_to_ue {
        None => None,
        Some(v) => Some(
            LastMinToUe::parse_field(&v)
                .map_err(|e| error("--last-min-to-ue", format!("--last-min-to-ue: {e}")))?,
        ),
    };
    request.callee_media = match f.callee_media {
        None => None,
        Some(v) => Some(
            CalleeMedia::parse_field(&v)
                .map_err(|e| error("--callee-media", format!("--callee-media: {e}")))?,
        ),
    };
    request.last_min_voice = f.last_min_voice;
    request.play_pre_voice = switch(f.play_pre_voice);
    request.pre_voice = f.pre_voice;
    request.wait_voice = f.wait_voice;
    request.status_url = f.status_url;
    request.fee_url = f.fee_url;
    request.record_flag = switch(f.record);
    request.record_hint_tone = f.record_hint_tone;
    request.party_type_required_in_disconnect = switch(f.party_type_required_in_disconnect);
    request.return_idle_port = switch(f.return_idle_port);
    request.user_data = f.user_data;
    Ok(CallArgs {
        request,
        encode_user_data: f.encode_user_data,
    })
}

fn sandbox_args(f: SandboxFlags) -> Result<SandboxArgs, UsageError> {
    let error = |flag: &str, message: String| error(Topic::Sandbox, flag, message);
    let listen = match f.listen.as_deref() {
        None => None,
        Some(a) => Some(a.parse().map_err(|_| {
            error(
                "--listen",
                format!("--listen must be IP:PORT, e.g. 127.0.0.1:0, got '{a}'"),
            )
        })?),
    };
    let app = match (f.app_key, f.app_secret) {
        (None, None) => None,
        (Some(k), Some(s)) if !k.is_empty() && !s.is_empty() => Some((k, s)),
        (Some(_), Some(_)) => {
            return Err(error(
                "--app-key",
                "--app-key and --app-secret must not be empty".into(),
            ));
        }
        (Some(_), None) => {
            return Err(error("--app-secret", "--app-key needs --app-secret".into()));
        }
        (None, Some(_)) => return Err(error("--app-key", "--app-secret needs --app-key".into())),
    };
    let time_window = match f.time_window.as_deref() {
        None => None,
        Some(t) => Some(voicecb::env::seconds(t).ok_or_else(|| {
            error(
                "--time-window",
                format!("--time-window must be a number of seconds > 0, got '{t}'"),
            )
        })?),
    };
    let max_scale = crate::sandbox::MAX_TIME_SCALE.as_millis();
    let time_scale = match f.time_scale.as_deref() {
        None => None,
        Some(t) => Some(
            t.trim()
                .parse::<u64>()
                .ok()
                .filter(|ms| (1..=max_scale).contains(&u128::from(*ms)))
                .map(Duration::from_millis)
                .ok_or_else(|| {
                    error(
                        "--time-scale",
                        format!(
                            "--time-scale must be whole milliseconds per simulated minute, 1 to {max_scale}, got '{t}'"
                        ),
                    )
                })?,
        ),
    };
    let tls = tls_settings(f.tls_dir, f.tls_host, f.tls_expired)?;
    let push_signing = push_signing(f.sign_pushes, f.sign_pushes_as, f.push_digest)?;
    let scenes = scene_args(
        f.created_as,
        f.template_status,
        f.record_not_found,
        f.record_url_ttl,
    )?;
    Ok(SandboxArgs {
        listen,
        port_file: f.port_file,
        app,
        display_nbrs: f.display_nbr,
        time_window,
        time_scale,
        sign_pushes: f.sign_pushes,
        push_signing,
        push_to_any_host: f.push_to_any_host,
        verbose: f.verbose,
        tls,
        scenes,
    })
}

/// `--created-as` (clap has checked its value), `--template-status`,
/// `--record-not-found` and `--record-url-ttl`.
fn scene_args(
    created_as: Option<String>,
    template_status: Option<String>,
    record_not_found: Option<String>,
    record_url_ttl: Option<String>,
) -> Result<SceneArgs, UsageError> {
    use crate::sandbox::CreatedClock;
    let error = |flag: &str, message: String| error(Topic::Sandbox, flag, message);
    let status = |s: &str| s.parse::<u16>().ok().filter(|n| (400..=599).contains(n));
    let template_status = match template_status.as_deref() {
        None => None,
        Some(s) => Some(status(s).ok_or_else(|| {
            error(
                "--template-status",
                format!("--template-status must be an HTTP status 400-599, got '{s}'"),
            )
        })?),
    };
    let record_not_found = match record_not_found.as_deref() {
        None => None,
        Some(s) => {
            let answer = s.split_once(':').and_then(|(st, code)| {
                let code_ok = (1..=32).contains(&code.len())
                    && code.bytes().all(|b| b.is_ascii_digit())
                    && code != "0";
                Some((status(st)?, code.to_owned())).filter(|_| code_ok)
            });
            Some(answer.ok_or_else(|| {
                error(
                    "--record-not-found",
                    format!(
                        "--record-not-found must be STATUS:CODE, a status 400-599 and a result code of 1-32 digits (not 0), e.g. 403:1012007, got '{s}'"
                    ),
                )
            })?)
        }
    };
    let max_ttl_days = 366;
    let record_url_ttl = match record_url_ttl.as_deref() {
        None => None,
        Some(s) => Some(
            duration(s)
                .filter(|d| *d <= Duration::from_secs(max_ttl_days * 24 * 3600))
                .ok_or_else(|| {
                    error(
                        "--record-url-ttl",
                        format!(
                            "--record-url-ttl must be a whole number with s, m, h or d (seconds if none), at most {max_ttl_days}d, e.g. 30m or 7d, got '{s}'"
                        ),
                    )
                })?,
        ),
    };
    Ok(SceneArgs {
        created_clock: created_as.map(|c| match c.as_str() {
            "utc8" => CreatedClock::Utc8,
            "either" => CreatedClock::Either,
            _ => CreatedClock::Utc,
        }),
        template_status,
        record_not_found,
        record_url_ttl,
    })
}

/// `N`, `Ns`, `Nm`, `Nh` or `Nd`.
fn duration(s: &str) -> Option<Duration> {
    let (digits, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    };
    let n: u64 = digits.parse().ok()?;
    n.checked_mul(scale).map(Duration::from_secs)
}

/// `--sign-pushes-as` and `--push-digest` (clap has checked their values);
/// both shape signed pushes, so they need `--sign-pushes`.
fn push_signing(
    sign: bool,
    clock: Option<String>,
    digest: Option<String>,
) -> Result<crate::pusher::PushSigning, UsageError> {
    use crate::pusher::{DigestLayout, PushSigning, SignClock};
    if !sign {
        for (flag, given) in [
            ("--sign-pushes-as", clock.is_some()),
            ("--push-digest", digest.is_some()),
        ] {
            if given {
                return Err(error(
                    Topic::Sandbox,
                    flag,
                    format!("{flag} needs --sign-pushes"),
                ));
            }
        }
    }
    Ok(PushSigning {
        clock: match clock.as_deref() {
            Some("utc8") => SignClock::Utc8,
            _ => SignClock::Utc,
        },
        digest: match digest.as_deref() {
            Some("lines") => DigestLayout::Lines,
            _ => DigestLayout::Plain,
        },
    })
}

/// `--tls-dir`, `--tls-host` and `--tls-expired`; the last two need the first.
fn tls_settings(
    dir: Option<String>,
    host: Option<String>,
    expired: bool,
) -> Result<Option<crate::tls::Settings>, UsageError> {
    let error = |flag: &str, message: String| error(Topic::Sandbox, flag, message);
    let Some(dir) = dir else {
        for (flag, given) in [("--tls-host", host.is_some()), ("--tls-expired", expired)] {
            if given {
                return Err(error(flag, format!("{flag} needs --tls-dir")));
            }
        }
        return Ok(None);
    };
    if dir.is_empty() {
        return Err(error("--tls-dir", "--tls-dir must not be empty".into()));
    }
    let mut settings = crate::tls::Settings::new(dir);
    if let Some(host) = host {
        crate::tls::check_host(&host)
            .map_err(|why| error("--tls-host", format!("--tls-host {why}, got '{host}'")))?;
        settings.host = host;
    }
    settings.expired = expired;
    Ok(Some(settings))
}

/// Where a library field's value came from (a flag, `SESSION_ID` or a
/// variable), to name it in the error.
pub fn source_of(field: &str) -> Option<String> {
    if field == "sessionid" {
        return Some("SESSION_ID".to_owned());
    }
    // playInfoList[2].templateId: the third --play.
    if let Some(index) = field
        .strip_prefix("playInfoList[")
        .and_then(|rest| rest.split(']').next())
        .and_then(|i| i.parse::<usize>().ok())
    {
        return Some(format!("--play #{}", index + 1));
    }
    let command = Cli::command();
    let flag = ["call", "notify", "verify", "record-url", "sign", "doctor"]
        .into_iter()
        .filter_map(|name| command.find_subcommand(name))
        .flat_map(|sc| sc.get_arguments())
        .find(|arg| arg.get_id() == field)
        .and_then(|arg| match arg.get_long() {
            Some(long) => Some(format!("--{long}")),
            // A positional argument: its value name (FILE_NAME).
            None => arg
                .get_value_names()
                .and_then(|v| v.first())
                .map(|v| v.to_string()),
        });
    flag.or_else(|| {
        ENV_FIELDS
            .iter()
            .find(|(_, f)| *f == field)
            .map(|(var, _)| (*var).to_owned())
    })
}

/// A variable's value, by the library's rules (unset and empty are the
/// same); an error names the variable.
pub fn env_var(name: &'static str) -> Result<Option<String>, UsageError> {
    voicecb::env::var(name).map_err(env_error)
}

/// The library's error about a variable as a usage error naming it.
fn env_error(e: voicecb::Error) -> UsageError {
    match (e.field(), e.rule()) {
        (Some(var), Some(rule)) => UsageError::new(None, Some(var), format!("{var} {rule}")),
        _ => UsageError::new(None, None, e.message()),
    }
}

/// `VOICECB_APP_KEY` and `VOICECB_APP_SECRET`, both required.
pub fn credentials() -> Result<(String, String), UsageError> {
    let need = |name: &'static str| {
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

/// The client of `call` and `stop`, configured from the environment only
/// (`voicecb::env`), its hints naming the CLI's flags. Says on stderr, even
/// with `--json`, what an operator must not miss: that the production
/// platform is called, that certificates are not checked.
pub fn client_from_env(encode_user_data: bool, verbose: bool) -> Result<Client, Failure> {
    client_from_env_with(verbose, |b| b.encode_non_ascii_user_data(encode_user_data))
}

/// [`client_from_env`] with the command's own settings applied by `own`.
pub fn client_from_env_with(
    verbose: bool,
    own: impl FnOnce(voicecb::ClientBuilder) -> voicecb::ClientBuilder,
) -> Result<Client, Failure> {
    // The credentials first: their absence is named as before any other setting.
    credentials()?;
    let mut builder = own(voicecb::env::from_env()
        .map_err(|e| match e.field() {
            Some(f) if f.starts_with("VOICECB_") => Failure::Usage(env_error(e)),
            _ => Failure::Api(e),
        })?
        .binding(Binding::Cli));
    if verbose {
        builder = builder.on_event(|e| eprintln!("voicecb: {e}"));
    }
    // from_env has accepted the value, so only its two meanings are left.
    if matches!(
        env_var(INSECURE_VAR)?.as_deref(),
        Some("1" | "true" | "yes")
    ) {
        eprintln!(
            "voicecb: warning: {INSECURE_VAR} is set: the server's TLS certificate is not checked"
        );
    }
    let client = builder.build()?;
    if env_var(BASE_URL_VAR)?.is_none() {
        eprintln!("voicecb: calling the production platform at {DEFAULT_BASE_URL}");
    }
    Ok(client)
}

fn exit_lines(s: &mut String) {
    let _ = writeln!(s, "\nExit status:");
    let _ = writeln!(s, "  0  success");
    let _ = writeln!(
        s,
        "  1  the platform refused (its resultcode, resultdesc and advice on stderr)"
    );
    let _ = writeln!(s, "  2  usage or validation error (nothing was sent)");
    let _ = write!(
        s,
        "  3  transport, timeout, TLS or bad response (the message says whether anything was\n     sent: if nothing was, no call was placed; else the call may have been placed)"
    );
}

fn env_lines(s: &mut String) {
    let vars = [
        (
            BASE_URL_VAR,
            format!("the platform, http(s)://host[:port] (default {DEFAULT_BASE_URL})"),
        ),
        (
            APP_KEY_VAR,
            "the app key (required by every command but codes, sandbox and completions)".to_owned(),
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
    let _ = write!(s, "\n{}", crate::sandbox::scenes_help());
}

fn codes_note(s: &mut String) {
    let _ = writeln!(
        s,
        "\n`voicecb codes` prints one tab-separated row per line: status, code, category,\n\
         retryable, apis, en, zh, advice. `voicecb codes CODE` prints each row of CODE,\n\
         under every HTTP status it appears with, as a block."
    );
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
        let err = |args: &[&str]| parse_str(args).err().unwrap();
        let field = |args: &[&str]| err(args).field.unwrap();
        assert_eq!(field(&["call", "--bogus"]), "--bogus");
        assert_eq!(field(&["call", "--caller", "--callee", "+1"]), "--caller");
        assert_eq!(field(&["call", "--caller"]), "--caller");
        let missing = err(&["call", "--caller", "+1", "--callee", "+2"]);
        assert_eq!(missing.field.as_deref(), Some("--display-nbr"));
        assert!(missing.message.contains("--display-nbr"), "{missing:?}");
        assert_eq!(missing.topic, Some(Topic::Call));
        assert_eq!(field(&["call", "--record=yes"]), "--record");
        assert_eq!(
            field(&["call", "--caller", "+1", "--caller", "+2"]),
            "--caller"
        );
        assert_eq!(field(&["stop"]), "SESSION_ID");
        assert_eq!(field(&["frobnicate"]), "frobnicate");
        assert_eq!(field(&["sandbox", "--app-key", "k"]), "--app-secret");
        assert!(err(&[]).message.contains("no command"));
        assert!(matches!(
            parse_str(&["call", "--help"]).unwrap().command,
            Command::Help(text) if text.starts_with("Usage: voicecb call")
        ));
    }

    #[test]
    fn every_flag_is_in_the_usage() {
        let help = |args: &[&str]| match parse_str(args).unwrap().command {
            Command::Help(text) => text,
            _ => panic!("not help"),
        };
        let all = help(&["--help"]);
        let root = command();
        for sc in root.get_subcommands().filter(|sc| sc.get_name() != "help") {
            let own = help(&[sc.get_name(), "--help"]);
            for arg in sc.get_arguments().filter_map(|a| a.get_long()) {
                let flag = format!("--{arg}");
                assert!(all.contains(&flag), "{flag}");
                assert!(own.contains(&flag), "{flag}");
            }
        }
        for (var, _) in ENV_FIELDS {
            assert!(all.contains(var), "{var}");
        }
        assert!(all.contains("SESSION_ID") && all.contains("completions"));
    }

    #[test]
    fn completions_cover_every_command() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let script = completions(shell);
            // fish spells a long flag `-l display-nbr`.
            for word in ["voicecb", "call", "sandbox", "display-nbr", "tls-dir"] {
                assert!(script.contains(word), "{shell:?} lacks {word}");
            }
        }
        assert!(matches!(
            parse_str(&["completions", "zsh"]).unwrap().command,
            Command::Completions(Shell::Zsh)
        ));
        assert_eq!(field_of(&["completions", "tcsh"]), "SHELL");
    }

    fn field_of(args: &[&str]) -> String {
        parse_str(args).err().unwrap().field.unwrap()
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
    fn sandbox_scene_flags() {
        use crate::sandbox::CreatedClock;
        let scenes = |args: &[&str]| match parse_str(args).unwrap().command {
            Command::Sandbox(a) => a.scenes,
            _ => panic!("not the sandbox"),
        };
        assert_eq!(scenes(&["sandbox"]), SceneArgs::default());
        let a = scenes(&[
            "sandbox",
            "--created-as",
            "either",
            "--template-status",
            "400",
            "--record-not-found",
            "404:1012999",
            "--record-url-ttl",
            "30m",
        ]);
        assert_eq!(
            a,
            SceneArgs {
                created_clock: Some(CreatedClock::Either),
                template_status: Some(400),
                record_not_found: Some((404, "1012999".into())),
                record_url_ttl: Some(Duration::from_secs(1800)),
            }
        );
        for (ttl, secs) in [("7d", 604_800), ("90", 90), ("2h", 7200), ("0s", 0)] {
            let a = scenes(&["sandbox", "--record-url-ttl", ttl]);
            assert_eq!(a.record_url_ttl, Some(Duration::from_secs(secs)), "{ttl}");
        }
        let utc8 = scenes(&["sandbox", "--created-as=utc8"]);
        assert_eq!(utc8.created_clock, Some(CreatedClock::Utc8));
        for (flag, bad) in [
            ("--created-as", "utc7"),
            ("--template-status", "200"),
            ("--template-status", "x"),
            ("--record-not-found", "404"),
            ("--record-not-found", "404:"),
            ("--record-not-found", "404:0"),
            ("--record-not-found", "404:12a"),
            ("--record-not-found", "301:1012007"),
            ("--record-url-ttl", "1w"),
            ("--record-url-ttl", "-1d"),
            ("--record-url-ttl", "367d"),
            ("--record-url-ttl", ""),
        ] {
            let e = parse_str(&["sandbox", &format!("{flag}={bad}")])
                .err()
                .unwrap();
            assert_eq!(e.field.as_deref(), Some(flag), "{flag} {bad}");
        }
    }

    #[test]
    fn sandbox_push_signing_flags() {
        use crate::pusher::{DigestLayout, PushSigning, SignClock};
        let signing = |args: &[&str]| match parse_str(args).unwrap().command {
            Command::Sandbox(a) => a.push_signing,
            _ => panic!("not the sandbox"),
        };
        assert_eq!(
            signing(&["sandbox", "--sign-pushes"]),
            PushSigning::default()
        );
        assert_eq!(
            signing(&[
                "sandbox",
                "--sign-pushes",
                "--sign-pushes-as=utc8",
                "--push-digest=lines"
            ]),
            PushSigning {
                clock: SignClock::Utc8,
                digest: DigestLayout::Lines
            }
        );
        for flag in ["--sign-pushes-as", "--push-digest"] {
            let value = if flag == "--push-digest" {
                "lines"
            } else {
                "utc8"
            };
            let e = parse_str(&["sandbox", flag, value]).err().unwrap();
            assert_eq!(e.field.as_deref(), Some(flag));
            assert!(e.message.contains("needs --sign-pushes"), "{}", e.message);
            let e = parse_str(&["sandbox", "--sign-pushes", flag, "utc7"])
                .err()
                .unwrap();
            assert_eq!(e.field.as_deref(), Some(flag));
        }
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
        assert_eq!(source_of("callerNbr").as_deref(), Some("--caller"));
        assert_eq!(source_of("base_url").as_deref(), Some(BASE_URL_VAR));
        assert_eq!(source_of("nonce").as_deref(), Some("--nonce"));
        assert_eq!(source_of("sessionid").as_deref(), Some("SESSION_ID"));
    }
}
