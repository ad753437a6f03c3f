//! `voicecb doctor`: [`voicecb::Client::check`] from the command line, as a
//! checklist (or `--json`), with the exit status of its verdict.

use std::fmt::Write as _;

use clap::Args;
use voicecb::Verdict;

use crate::cli::{Topic, UsageError};
use crate::output::{self, Failure};

#[derive(Args, Debug)]
pub struct DoctorFlags {
    /// seconds added to this host's clock when signing (the library's clock_offset_secs), to try out what the clock advice suggests
    #[arg(
        long = "clock-offset",
        id = "clock_offset_secs",
        value_name = "SECS",
        allow_negative_numbers = true
    )]
    clock_offset: Option<String>,
}

/// The arguments of `doctor`.
pub struct DoctorArgs {
    /// `--clock-offset`, 0 when not given.
    pub clock_offset_secs: i64,
}

pub fn args(f: DoctorFlags) -> Result<DoctorArgs, UsageError> {
    // The range (a day either way) is the library's rule; only the syntax here.
    let clock_offset_secs = match f.clock_offset {
        None => 0,
        Some(s) => s.trim().parse().map_err(|_| {
            UsageError::new(
                Some(Topic::Doctor),
                Some("--clock-offset"),
                format!("--clock-offset must be whole seconds, e.g. -30 or 600, got '{s}'"),
            )
        })?,
    };
    Ok(DoctorArgs { clock_offset_secs })
}

/// Runs the check and prints it; exits 0 only when every step passed.
pub fn run(args: DoctorArgs, json: bool, verbose: bool) -> Result<(), Failure> {
    let client =
        crate::cli::client_from_env_with(verbose, |b| b.clock_offset_secs(args.clock_offset_secs))?;
    let report = client.check();
    if json {
        output::emit(&format!("{}\n", report.to_json()))?;
    } else {
        let mut text = format!(
            "voicecb doctor: {}{} (one callStop of a session that cannot exist; no call is placed)\n",
            report.endpoint,
            report
                .proxy
                .as_deref()
                .map(|p| format!(" through the proxy {p}"))
                .unwrap_or_default()
        );
        text.push_str(&report.checklist());
        output::emit(&text)?;
    }
    if report.passed() {
        return Ok(());
    }
    Err(Failure::Reported(exit_status(report.verdict)))
}

/// 1 when the platform refused the credentials or the request, 3 when it
/// could not be reached or did not answer as the platform does: the
/// statuses the other commands use for the same failures.
fn exit_status(verdict: Verdict) -> u8 {
    match verdict {
        Verdict::AppKeyUnknown
        | Verdict::WrongSecret
        | Verdict::ClockSkew
        | Verdict::HeaderRefused
        | Verdict::WrongPath
        | Verdict::Refused => 1,
        // A step failed although the credentials passed: none does today.
        Verdict::Accepted => 1,
        _ => 3,
    }
}

/// What `voicecb doctor --help` says besides its flags.
pub fn note(s: &mut String) {
    let _ = write!(
        s,
        "\nWhat it does: resolves and connects to VOICECB_BASE_URL, makes a TLS handshake\n\
         (https://: protocol, certificate, the root that verified it), then sends one\n\
         callStop of the session {}, which cannot exist.\n\
         The platform checks the app key, the headers, the digest and Created before the\n\
         session, so its answer is the verdict on the credentials: 500/1020152 means they\n\
         passed. No call is placed or stopped. One line per step; under a failed step,\n\
         what to do. Exit status: 0 only when every step passed.\n",
        voicecb::check::PROBE_SESSION_ID
    );
}
