//! Paired round trips: several clients in one process, each with its own
//! connection to the sandbox, take turns in short chunks (the raw client
//! 200 calls, the others 50), the order turning every round. Whatever else
//! the machine does then hits all of them alike, and each round gives a
//! ratio of clients measured side by side. Prints one record per client
//! with its time per call in every round.

use std::time::Instant;

use crate::roundtrip::{Worker, make_workers};
use crate::util::{Env, Record, median, proc_cpu, self_cpu};

pub fn run(variants: &[&str], rounds: u32, warmup: u64) {
    let env = Env::get();
    let chunk_of = |v: &str| if v.starts_with("raw") { 200 } else { 50 };
    let mut clients: Vec<(&str, u64, Worker)> = variants
        .iter()
        .map(|v| {
            let chunk = chunk_of(v);
            let w = make_workers(&env, v, 1, chunk * u64::from(rounds) + warmup)
                .pop()
                .unwrap();
            (*v, chunk, w)
        })
        .collect();
    let n = clients.len();
    let mut errors = vec![0u64; n];
    for (i, (_, _, w)) in clients.iter_mut().enumerate() {
        errors[i] += w(warmup);
    }
    let mut per_call: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds as usize); n];
    let mut cpu = vec![0.0; n];
    let mut server = vec![0.0; n];
    let mut calls = vec![0u64; n];
    for r in 0..rounds as usize {
        for k in 0..n {
            let i = (k + r) % n;
            let (_, chunk, w) = &mut clients[i];
            let (cpu0, srv0) = (self_cpu(), env.sandbox_pid.and_then(proc_cpu));
            let t = Instant::now();
            errors[i] += w(*chunk);
            let elapsed = t.elapsed().as_secs_f64();
            cpu[i] += self_cpu() - cpu0;
            server[i] += match (env.sandbox_pid.and_then(proc_cpu), srv0) {
                (Some(b), Some(a)) => b - a,
                _ => f64::NAN,
            };
            calls[i] += *chunk;
            per_call[i].push(elapsed / *chunk as f64);
        }
    }
    for (i, (v, _, _)) in clients.iter().enumerate() {
        let rounds_us: Vec<f64> = per_call[i].iter().map(|s| s * 1e6).collect();
        let mut sorted = rounds_us.clone();
        Record::new("paired", v)
            .str("lang", "rust")
            .num("calls", calls[i] as f64)
            .num("errors", errors[i] as f64)
            .num("us_per_call", median(&mut sorted))
            .num("client_cpu_us_per_call", cpu[i] * 1e6 / calls[i] as f64)
            .num("server_cpu_us_per_call", server[i] * 1e6 / calls[i] as f64)
            .list("rounds_us", &rounds_us)
            .print();
    }
}
