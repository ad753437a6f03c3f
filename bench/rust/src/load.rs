//! The load run of issue 7 through the Rust API: `threads` threads share
//! one client and place `per_thread` calls each; resident memory is read
//! when a tenth of the calls and when all of them are done.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use crate::util::{Env, Record, request, rss_kib};

/// Returns false when a call failed or memory grew more than `max_growth_kib`.
pub fn run(threads: u64, per_thread: u64, max_growth_kib: u64) -> bool {
    let env = Env::get();
    let client = Arc::new(
        voicecb::Client::builder(&env.app_key, &env.app_secret)
            .base_url(&env.base_url)
            .build()
            .expect("client"),
    );
    let total = threads * per_thread;
    let checkpoint = total / 10;
    let done = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let rss_at_checkpoint = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (client, done, errors, rss_cp) = (
                client.clone(),
                done.clone(),
                errors.clone(),
                rss_at_checkpoint.clone(),
            );
            std::thread::spawn(move || {
                let req = request();
                for _ in 0..per_thread {
                    if let Err(e) = client.click2call(&req)
                        && errors.fetch_add(1, Ordering::Relaxed) < 3
                    {
                        eprintln!("load: {e}");
                    }
                    if done.fetch_add(1, Ordering::Relaxed) + 1 == checkpoint {
                        rss_cp.store(rss_kib(), Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("a load thread panicked");
    }
    let wall = start.elapsed().as_secs_f64();
    let rss_end = rss_kib();
    let rss_cp = rss_at_checkpoint.load(Ordering::Relaxed);
    let errors = errors.load(Ordering::Relaxed);
    let growth = rss_end as i64 - rss_cp as i64;
    println!(
        "load rust: {threads} threads x {per_thread} calls = {} calls, {errors} errors, {:.0} calls/s; RSS {rss_cp} KiB after {checkpoint} calls, {rss_end} KiB after {total} ({growth:+} KiB)",
        done.load(Ordering::Relaxed),
        total as f64 / wall
    );
    Record::new("load", "rust")
        .num("threads", threads as f64)
        .num("calls", done.load(Ordering::Relaxed) as f64)
        .num("errors", errors as f64)
        .num("wall_s", wall)
        .num("checkpoint", checkpoint as f64)
        .num("rss_checkpoint_kib", rss_cp as f64)
        .num("rss_end_kib", rss_end as f64)
        .num("growth_kib", growth as f64)
        .print();
    errors == 0 && growth <= max_growth_kib as i64
}
