//! Table 5: time to create a client, with the one-time cost of its TLS
//! configuration. ureq does not build that in `Client::build` but on the
//! client's first https connection (ureq's src/tls/rustls.rs,
//! `build_config`): the rustls `ClientConfig` with ring and the built-in
//! webpki roots. `tls_config` repeats exactly that.

use std::sync::Arc;
use std::time::Instant;

use crate::util::{Record, median};

fn tls_config() -> Arc<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .expect("all TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}

pub fn run(warm_iters: u32) {
    let (key, secret) = ("sandbox-app-key", "sandbox-app-secret");
    // The first client of the process: what a program pays at start-up.
    let t = Instant::now();
    let first = voicecb::Client::builder(key, secret)
        .build()
        .expect("client");
    let cold = t.elapsed().as_secs_f64();
    drop(first);
    let t = Instant::now();
    let config = tls_config();
    let tls_cold = t.elapsed().as_secs_f64();
    drop(config);
    // Later ones: medians of single timings.
    let mut builds = Vec::new();
    let mut tls = Vec::new();
    for _ in 0..warm_iters {
        let t = Instant::now();
        drop(std::hint::black_box(
            voicecb::Client::builder(key, secret)
                .build()
                .expect("client"),
        ));
        builds.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        drop(std::hint::black_box(tls_config()));
        tls.push(t.elapsed().as_secs_f64());
    }
    Record::new("start", "rust")
        .str("lang", "rust")
        .num("cold_us", cold * 1e6)
        .num("warm_us", median(&mut builds) * 1e6)
        .num("tls_cold_us", tls_cold * 1e6)
        .num("tls_warm_us", median(&mut tls) * 1e6)
        .num("roots", webpki_roots::TLS_SERVER_ROOTS.len() as f64)
        .print();
}
