//! A client configured from the environment: the variables the CLI reads,
//! with the same names and rules in every language (C
//! `voicecb_client_new_from_env`, Python `Client.from_env`, Go
//! `NewClientFromEnv`).

use std::time::Duration;

use crate::client::ClientBuilder;
use crate::error::Error;

/// The platform's address (default: production).
pub const BASE_URL_VAR: &str = "VOICECB_BASE_URL";
/// The app key (required).
pub const APP_KEY_VAR: &str = "VOICECB_APP_KEY";
/// The app secret (required).
pub const APP_SECRET_VAR: &str = "VOICECB_APP_SECRET";
/// A PEM file of CAs to trust instead of the built-in roots.
pub const CA_FILE_VAR: &str = "VOICECB_CA_FILE";
/// `1`/`true`/`yes` skips TLS certificate checks (`0`/`false`/`no`: not).
pub const INSECURE_VAR: &str = "VOICECB_INSECURE_SKIP_VERIFY";
/// An HTTP proxy, `http://host:port`.
pub const PROXY_VAR: &str = "VOICECB_PROXY";
/// The whole-request timeout, seconds (fractions allowed, > 0).
pub const TIMEOUT_VAR: &str = "VOICECB_TIMEOUT";
/// The connect timeout, seconds (fractions allowed, > 0).
pub const CONNECT_TIMEOUT_VAR: &str = "VOICECB_CONNECT_TIMEOUT";

/// Every variable [`from_env`] reads.
pub const VARS: [&str; 8] = [
    BASE_URL_VAR,
    APP_KEY_VAR,
    APP_SECRET_VAR,
    CA_FILE_VAR,
    INSECURE_VAR,
    PROXY_VAR,
    TIMEOUT_VAR,
    CONNECT_TIMEOUT_VAR,
];

/// A variable's value; unset and empty are the same, so that `VAR=` in a
/// script turns a setting off rather than into a confusing error.
pub fn var(name: &'static str) -> Result<Option<String>, Error> {
    match std::env::var(name) {
        Ok(v) if v.is_empty() => Ok(None),
        Ok(v) => Ok(Some(v)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err(Error::invalid(name, "is not valid UTF-8".to_owned()))
        }
    }
}

/// A positive, finite number of seconds, fractions allowed.
pub fn seconds(s: &str) -> Option<Duration> {
    let secs: f64 = s.trim().parse().ok()?;
    if secs > 0.0 {
        Duration::try_from_secs_f64(secs).ok()
    } else {
        None
    }
}

fn duration(name: &'static str) -> Result<Option<Duration>, Error> {
    match var(name)? {
        None => Ok(None),
        Some(v) => seconds(&v).map(Some).ok_or_else(|| {
            Error::invalid(name, format!("must be a number of seconds > 0, got '{v}'"))
        }),
    }
}

/// A builder with the credentials and settings of the environment
/// ([`VARS`]); set anything else (or override) on the builder. Errors name
/// the variable (`Error::field`). The secret's value never appears in one.
/// A set [`INSECURE_VAR`] is logged as a warning (target `voicecb`).
pub fn from_env() -> Result<ClientBuilder, Error> {
    let need = |name: &'static str| {
        var(name)?.ok_or_else(|| {
            Error::invalid(
                name,
                "is not set (the credentials come from the environment)",
            )
        })
    };
    let mut b = ClientBuilder::new(need(APP_KEY_VAR)?, need(APP_SECRET_VAR)?);
    if let Some(url) = var(BASE_URL_VAR)? {
        b = b.base_url(url);
    }
    if let Some(path) = var(CA_FILE_VAR)? {
        b = b.ca_file(path);
    }
    if let Some(proxy) = var(PROXY_VAR)? {
        b = b.proxy(proxy);
    }
    if let Some(t) = duration(TIMEOUT_VAR)? {
        b = b.timeout(t);
    }
    if let Some(t) = duration(CONNECT_TIMEOUT_VAR)? {
        b = b.connect_timeout(t);
    }
    let insecure = match var(INSECURE_VAR)?.as_deref() {
        None | Some("0" | "false" | "no") => false,
        Some("1" | "true" | "yes") => true,
        Some(other) => {
            return Err(Error::invalid(
                INSECURE_VAR,
                format!("must be 1 or 0 (true/false, yes/no), got '{other}'"),
            ));
        }
    };
    if insecure {
        log::warn!(
            target: crate::events::LOG_TARGET,
            "{INSECURE_VAR} is set: the server's TLS certificate is not checked"
        );
    }
    Ok(b.insecure_skip_verify(insecure))
}

impl ClientBuilder {
    /// [`from_env`]: a builder with the environment's credentials and
    /// settings.
    pub fn from_env() -> Result<ClientBuilder, Error> {
        from_env()
    }
}
