//! HTTPS for the sandbox: a throwaway CA and a server certificate signed by
//! it, made at start (`voicecb sandbox --tls-dir DIR`), so that tests can
//! check the client's certificate handling against a real handshake.
//!
//! Only the CA's certificate is written (`DIR/ca.pem`), for clients to
//! trust; both private keys stay in this process's memory and go with it.
//! Keys are ECDSA P-256, made and used by ring, the crypto library the
//! client's rustls already uses.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};

/// The host name the certificate is made for unless told otherwise.
pub const DEFAULT_HOST: &str = "localhost";
/// The file the CA's certificate is written to, in the TLS directory.
pub const CA_FILE_NAME: &str = "ca.pem";

const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// What certificate to make, and where to put the CA.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Directory for `ca.pem`; created if missing.
    pub dir: PathBuf,
    /// The server certificate's name: a DNS name or an IP address. For
    /// `localhost` the certificate also covers 127.0.0.1 and ::1.
    pub host: String,
    /// Make the server certificate expired: valid from two days ago until
    /// yesterday.
    pub expired: bool,
}

impl Settings {
    /// Settings for `dir` with the default host and a valid certificate.
    pub fn new(dir: impl Into<PathBuf>) -> Settings {
        Settings {
            dir: dir.into(),
            host: DEFAULT_HOST.to_owned(),
            expired: false,
        }
    }

    /// Where `ca.pem` goes.
    pub fn ca_path(&self) -> PathBuf {
        self.dir.join(CA_FILE_NAME)
    }
}

/// Checks a `--tls-host` value: a DNS name or an IP address, as a client
/// would ask for it. Returns why not.
pub fn check_host(host: &str) -> Result<(), String> {
    if host.is_empty() {
        return Err("must not be empty".into());
    }
    if !host.is_ascii() {
        return Err("must be ASCII (a DNS name or an IP address)".into());
    }
    match ServerName::try_from(host) {
        Ok(_) => Ok(()),
        Err(_) => Err("is neither a DNS name nor an IP address".into()),
    }
}

/// The names the server certificate covers.
fn subject_alt_names(host: &str) -> Result<Vec<SanType>, io::Error> {
    if host.eq_ignore_ascii_case(DEFAULT_HOST) {
        return Ok(vec![
            SanType::DnsName(host.try_into().map_err(rcgen_error)?),
            SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            SanType::IpAddress(IpAddr::V6(Ipv6Addr::LOCALHOST)),
        ]);
    }
    Ok(vec![match host.parse::<IpAddr>() {
        Ok(ip) => SanType::IpAddress(ip),
        Err(_) => SanType::DnsName(host.try_into().map_err(rcgen_error)?),
    }])
}

fn rcgen_error(e: rcgen::Error) -> io::Error {
    io::Error::other(format!("cannot make the test certificate: {e}"))
}

fn rustls_error(e: rustls::Error) -> io::Error {
    io::Error::other(format!("cannot set up TLS: {e}"))
}

/// Makes the CA and the server certificate, writes `ca.pem`, and returns
/// the server's configuration. The CA's key is dropped once it has signed.
pub fn server_config(settings: &Settings) -> io::Result<Arc<ServerConfig>> {
    check_host(&settings.host)
        .map_err(|why| io::Error::new(io::ErrorKind::InvalidInput, format!("TLS host {why}")))?;
    // Now, in the certificate library's own time type, made from seconds
    // since the epoch so that no date library needs to be named for it.
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let now = rcgen::date_time_ymd(1970, 1, 1) + Duration::from_secs(since_epoch.as_secs());

    let ca_key = KeyPair::generate().map_err(rcgen_error)?;
    let mut ca = CertificateParams::default();
    ca.distinguished_name = DistinguishedName::new();
    // A name of its own: clients match issuers by name, so two sandboxes'
    // CAs of one name would make a foreign certificate look like a bad
    // signature rather than an unknown issuer.
    let tag: u64 = rand::random();
    ca.distinguished_name.push(
        DnType::CommonName,
        format!("voicecb sandbox throwaway CA {tag:016x}"),
    );
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    // Valid around the server certificate's whole span, expired one included,
    // so that only the server certificate's own dates are ever at fault.
    ca.not_before = now - 3 * DAY;
    ca.not_after = now + 400 * DAY;
    let ca_cert = ca.self_signed(&ca_key).map_err(rcgen_error)?;
    let issuer = Issuer::new(ca, ca_key);

    let server_key = KeyPair::generate().map_err(rcgen_error)?;
    let mut server = CertificateParams::default();
    server.distinguished_name = DistinguishedName::new();
    server
        .distinguished_name
        .push(DnType::CommonName, settings.host.as_str());
    server.subject_alt_names = subject_alt_names(&settings.host)?;
    server.is_ca = IsCa::ExplicitNoCa;
    server.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    server.use_authority_key_identifier_extension = true;
    if settings.expired {
        server.not_before = now - 2 * DAY;
        server.not_after = now - DAY;
    } else {
        // A day back leaves room for a client whose clock is behind.
        server.not_before = now - DAY;
        server.not_after = now + 365 * DAY;
    }
    let server_cert = server
        .signed_by(&server_key, &issuer)
        .map_err(rcgen_error)?;
    drop(issuer);

    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
    let chain: Vec<CertificateDer<'static>> = vec![server_cert.der().clone()];
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(rustls_error)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(rustls_error)?;
    // Only HTTP/1.1 is served; saying so lets a client that offers h2 too
    // (curl) settle on it in the handshake.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];

    std::fs::create_dir_all(&settings.dir)?;
    crate::write_atomically(&settings.ca_path(), ca_cert.pem().as_bytes())?;
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_checked() {
        for ok in ["localhost", "other.example", "127.0.0.1", "::1", "a-b.c"] {
            assert_eq!(check_host(ok), Ok(()), "{ok}");
        }
        for bad in ["", "a b", "héllo", "a/b", "x:y"] {
            assert!(check_host(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_directory_that_cannot_be_made_is_an_error() {
        let file = std::env::temp_dir().join(format!("voicecb-tls-file-{}", std::process::id()));
        std::fs::write(&file, b"not a directory").unwrap();
        let result = server_config(&Settings::new(file.join("tls")));
        let _ = std::fs::remove_file(&file);
        assert!(result.is_err());
        let bad_host = Settings {
            host: "a b".into(),
            ..Settings::new(std::env::temp_dir())
        };
        let e = server_config(&bad_host).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{e}");
    }
}
