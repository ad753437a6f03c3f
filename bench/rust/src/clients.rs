//! Memory experiment behind a recommendation: what one pooled connection
//! costs with ureq's default buffers (128 KiB in, 128 KiB out) and with
//! smaller ones. 100 agents configured like the library's, one call each.

use crate::roundtrip::{capture, replica_agent_with};
use crate::util::{Env, Record, rss_kib};

pub fn run(buffer_kib: Option<usize>) {
    let env = Env::get();
    let (_, body) = capture(&env);
    let url: ureq::http::Uri = format!("{}/rest/httpsessions/click2Call/v2.0", env.base_url)
        .parse()
        .expect("the sandbox's base URL makes a URL");
    let before = rss_kib();
    let mut agents = Vec::new();
    let mut errors = 0;
    for _ in 0..100 {
        let agent = replica_agent_with(
            true,
            voicecb::client::DEFAULT_USER_AGENT.to_owned(),
            buffer_kib.map(|k| k * 1024),
        );
        if crate::roundtrip::replica_call(&agent, &url, &body, &env.app_key, &env.app_secret)
            .is_err()
        {
            errors += 1;
        }
        agents.push(agent);
    }
    let after = rss_kib();
    Record::new("memory", "buffers")
        .num("buffer_kib", buffer_kib.map_or(128.0, |k| k as f64))
        .num("errors", errors as f64)
        .num("rss_before_kib", before as f64)
        .num("rss_after_kib", after as f64)
        .num("kib_per_connected_agent", (after - before) as f64 / 100.0)
        .print();
}
