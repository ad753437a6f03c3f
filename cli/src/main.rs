//! `voicecb`: the command-line client of libvoicecb, for people operating an
//! integration, and a local sandbox of the platform for tests and demos.
//!
//! Credentials and the endpoint come only from the environment (flags would
//! show in `ps`); see `voicecb --help`. Parsing lives in `cli`, printing in
//! `output`; this file only dispatches.

mod cli;
mod doctor;
mod output;
mod scenes;

use voicecb_sandbox::{pusher, sandbox, tls};

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use cli::{APP_KEY_VAR, APP_SECRET_VAR, CallArgs, Command, SandboxArgs, Topic, UsageError};
use output::Failure;

fn main() -> ExitCode {
    let args: Vec<_> = std::env::args_os().skip(1).collect();
    let json = cli::wants_json(&args);
    match cli::parse(args)
        .map_err(Failure::from)
        .and_then(|inv| run(inv.command, inv.json, inv.verbose))
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            output::report(&failure, json);
            ExitCode::from(failure.exit_code())
        }
    }
}

fn run(command: Command, json: bool, verbose: bool) -> Result<(), Failure> {
    match command {
        Command::Help(text) => output::emit(&text),
        Command::Completions(shell) => output::emit(&cli::completions(shell)),
        Command::Version => output::emit(&format!("{}\n", voicecb::client::DEFAULT_USER_AGENT)),
        Command::Call(args) => call(args, json, verbose),
        Command::Scene(scene) => scenes::run(scene, json, verbose),
        Command::Stop { session_id } => {
            cli::client_from_env(false, verbose)?.call_stop(&session_id)?;
            output::stopped(&session_id, json)
        }
        Command::Sign { nonce, created } => sign(nonce, created, json),
        Command::Codes { code } => codes(code, json),
        Command::Sandbox(args) => run_sandbox(args, json),
        Command::Doctor(args) => doctor::run(args, json, verbose),
    }
}

fn call(args: CallArgs, json: bool, verbose: bool) -> Result<(), Failure> {
    // The client validates too; checking first reports a mistake in the call
    // even before the credentials are set up.
    args.request
        .to_body_for(args.encode_user_data, voicecb::Binding::Cli)?;
    let client = cli::client_from_env(args.encode_user_data, verbose)?;
    output::call(&client.click2call(&args.request)?, json)
}

fn sign(nonce: Option<String>, created: Option<String>, json: bool) -> Result<(), Failure> {
    let (key, secret) = cli::credentials()?;
    let nonce = nonce.unwrap_or_else(voicecb::signing::fresh_nonce);
    let created = created.unwrap_or_else(|| voicecb::signing::created_now(0));
    output::headers(&voicecb::sign_with(&key, &secret, &nonce, &created)?, json)
}

fn codes(code: Option<String>, json: bool) -> Result<(), Failure> {
    let all = voicecb::codes::all();
    let Some(code) = code else {
        return output::codes(&all.iter().collect::<Vec<_>>(), false, json);
    };
    let rows: Vec<_> = all.iter().filter(|r| r.code() == code.trim()).collect();
    if rows.is_empty() {
        let msg = format!(
            "unknown result code '{code}': not in the catalogue (`voicecb codes` lists it)"
        );
        return Err(UsageError::new(Some(Topic::Codes), Some("CODE"), msg).into());
    }
    output::codes(&rows, true, json)
}

fn run_sandbox(args: SandboxArgs, json: bool) -> Result<(), Failure> {
    let mut config = sandbox::Config::default();
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    let app = match args.app {
        Some(app) => Some(app),
        None => app_from_env()?,
    };
    if let Some((key, secret)) = app {
        let display_nbrs = config
            .apps
            .first()
            .map(|a| a.display_nbrs.clone())
            .unwrap_or_default();
        config.apps = vec![sandbox::App {
            key,
            secret,
            display_nbrs,
        }];
    }
    if !args.display_nbrs.is_empty() {
        for app in &mut config.apps {
            app.display_nbrs = args.display_nbrs.clone();
        }
    }
    if let Some(window) = args.time_window {
        config.time_window = window;
    }
    if let Some(scale) = args.time_scale {
        config.time_scale = scale;
    }
    config.sign_pushes = args.sign_pushes;
    config.push_signing = args.push_signing;
    config.push_to_any_host = args.push_to_any_host;
    config.verbose = args.verbose;
    // The CA's certificate is written by `Sandbox::start`, before it
    // listens, so ca.pem is in place before the port file below.
    config.tls = args.tls;
    let scenes = args.scenes;
    if let Some(clock) = scenes.created_clock {
        config.created_clock = clock;
    }
    if let Some(status) = scenes.template_status {
        config.template_status = status;
    }
    if let Some(answer) = scenes.record_not_found {
        config.record_not_found = answer;
    }
    if let Some(ttl) = scenes.record_url_ttl {
        config.record_url_ttl = ttl;
    }
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let listen = config.listen;
    #[cfg(unix)]
    exit_on_signal(args.port_file.clone());
    let sandbox = sandbox::Sandbox::start(config)
        .map_err(|e| Failure::Io(format!("cannot start the sandbox on {listen}: {e}")))?;
    let addr = sandbox.local_addr();
    if let Some(warning) = sandbox::exposure_warning(addr) {
        eprintln!("voicecb sandbox: {warning}");
    }
    output::listening(&format!("{scheme}://{addr}"), json)?;
    if let Some(path) = &args.port_file {
        if let Err(e) = write_port_file(path, addr.port()) {
            sandbox.shutdown();
            return Err(Failure::Io(format!(
                "cannot write the port file {}: {e}",
                path.display()
            )));
        }
    }
    sandbox.wait();
    // Stopped through its admin path: the port no longer answers.
    if let Some(path) = &args.port_file {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

/// The sandbox's app from `VOICECB_APP_KEY` and `VOICECB_APP_SECRET`, so that
/// the same environment drives both the sandbox and the client.
fn app_from_env() -> Result<Option<(String, String)>, UsageError> {
    match (cli::env_var(APP_KEY_VAR)?, cli::env_var(APP_SECRET_VAR)?) {
        (Some(key), Some(secret)) => Ok(Some((key, secret))),
        (None, None) => Ok(None),
        (Some(_), None) => Err(UsageError::new(
            Some(Topic::Sandbox),
            Some(APP_SECRET_VAR),
            format!(
                "{APP_KEY_VAR} is set but {APP_SECRET_VAR} is not: the sandbox takes both or neither"
            ),
        )),
        (None, Some(_)) => Err(UsageError::new(
            Some(Topic::Sandbox),
            Some(APP_KEY_VAR),
            format!(
                "{APP_SECRET_VAR} is set but {APP_KEY_VAR} is not: the sandbox takes both or neither"
            ),
        )),
    }
}

/// Writes the port atomically, so that a reader polling for `path` never
/// sees it empty or half-written.
fn write_port_file(path: &Path, port: u16) -> std::io::Result<()> {
    voicecb_sandbox::write_atomically(path, format!("{port}\n").as_bytes())
}

/// Makes SIGINT and SIGTERM end the sandbox with status 0, its port file
/// removed, instead of killing it mid-line. signal-hook's iterator does the
/// async-signal-safe part; the removal and exit run on a thread of its own.
#[cfg(unix)]
fn exit_on_signal(port_file: Option<PathBuf>) {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
        return;
    };
    std::thread::spawn(move || {
        if signals.forever().next().is_some() {
            if let Some(path) = port_file {
                let _ = std::fs::remove_file(path);
            }
            std::process::exit(0);
        }
    });
}
