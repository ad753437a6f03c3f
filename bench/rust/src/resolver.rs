//! The maintainer's hint, measured alone: ureq's DefaultResolver with a
//! timeout (the library always sets one) spawns a thread per request, even
//! for an IP literal and even when a pooled connection is then reused.

use std::time::Duration;

use ureq::unversioned::resolver::{DefaultResolver, Resolver};
use ureq::unversioned::transport::NextTimeout;
use ureq::unversioned::transport::time::Duration as UDuration;

use crate::roundtrip::IpLiteralResolver;
use crate::util::{Record, interleaved};

pub fn run(iters: u64, reps: u32) {
    let config = ureq::Agent::config_builder().build();
    let with_timeout = NextTimeout {
        after: UDuration::Exact(Duration::from_secs(5)),
        reason: ureq::Timeout::Resolve,
        per_read: None,
        per_write: None,
    };
    let no_timeout = NextTimeout {
        after: UDuration::NotHappening,
        ..with_timeout
    };
    let ip: ureq::http::Uri = "http://127.0.0.1:8080/rest/httpsessions/click2Call/v2.0"
        .parse()
        .unwrap();
    let name: ureq::http::Uri = "http://localhost:8080/rest/httpsessions/click2Call/v2.0"
        .parse()
        .unwrap();
    let default = DefaultResolver::default();
    let literal = IpLiteralResolver::default();
    for rep in 0..reps {
        let cases: [(&str, &dyn Resolver, &ureq::http::Uri, NextTimeout); 5] = [
            ("default_ip_timeout", &default, &ip, with_timeout),
            ("default_ip_no_timeout", &default, &ip, no_timeout),
            ("default_localhost_timeout", &default, &name, with_timeout),
            ("default_localhost_no_timeout", &default, &name, no_timeout),
            ("ip_literal", &literal, &ip, with_timeout),
        ];
        let mut fs: Vec<Box<dyn FnMut()>> = cases
            .iter()
            .map(|(_, resolver, uri, timeout)| {
                let (resolver, uri, timeout, config) = (*resolver, *uri, *timeout, &config);
                Box::new(move || {
                    std::hint::black_box(resolver.resolve(uri, config, timeout).expect("resolves"));
                }) as Box<dyn FnMut()>
            })
            .collect();
        let mut refs: Vec<&mut dyn FnMut()> = fs
            .iter_mut()
            .map(|f| &mut **f as &mut dyn FnMut())
            .collect();
        let chunk = 20;
        let t = interleaved(chunk, (iters / chunk).max(1) as u32, &mut refs);
        for ((variant, ..), secs) in cases.iter().zip(t) {
            Record::new("resolver", variant)
                .num("rep", f64::from(rep))
                .num("iters", iters as f64)
                .num("ns_per_op", secs * 1e9)
                .print();
        }
    }
}
