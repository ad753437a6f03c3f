//! Benchmarks and load driver of libvoicecb (Rust side). Each subcommand
//! prints one JSON object per measurement on stdout; bench/run.py runs
//! them, repeats them and writes BENCHMARKS.md.
//!
//!   voicecb-bench sign      [--iters N] [--reps R]
//!   voicecb-bench paired    [--variants raw,cabi,lib,ureq,ureq-iplit,lib-localhost] [--rounds R] [--warmup W]
//!                           (also lib-again, lib-events-noop, lib-events-line: events off/on;
//!                           cabi-b: a second build named by VOICECB_BENCH_LIB_B, for before/after)
//!   voicecb-bench roundtrip --variant lib|lib-localhost|raw|cabi|ureq|ureq-iplit
//!                           [--calls N] [--warmup W] [--threads T] [--chunk C]
//!   voicecb-bench resolver  [--iters N] [--reps R]
//!   voicecb-bench start     [--iters N]
//!   voicecb-bench clients   [--buffer-kib K]
//!   voicecb-bench load      [--threads T] [--calls-per-thread N] [--max-growth-kib K]
//!
//! The sandbox comes from VOICECB_BASE_URL / VOICECB_APP_KEY /
//! VOICECB_APP_SECRET; VOICECB_BENCH_SANDBOX_PID, when set, lets round
//! trips report the sandbox's CPU time per call.

mod cabi;
mod clients;
mod load;
mod paired;
mod resolver;
mod roundtrip;
mod sign;
mod start;
mod util;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = args.first() else {
        eprintln!("usage: voicecb-bench sign|roundtrip|resolver|start|load [--flag value]...");
        std::process::exit(2);
    };
    let flag = |name: &str| -> Option<&str> {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map(String::as_str)
    };
    let num = |name: &str, default: u64| -> u64 {
        flag(name)
            .map(|v| {
                v.parse()
                    .unwrap_or_else(|_| panic!("{name}: not a number: {v}"))
            })
            .unwrap_or(default)
    };
    match cmd.as_str() {
        "sign" => sign::run(num("--iters", 200_000), num("--reps", 5) as u32),
        "roundtrip" => roundtrip::run(
            flag("--variant").unwrap_or("lib"),
            num("--calls", 5_000),
            num("--warmup", 500),
            num("--threads", 1) as usize,
            num("--chunk", 50),
        ),
        "paired" => {
            let list = flag("--variants").unwrap_or("raw,cabi,lib,ureq,ureq-iplit,lib-localhost");
            let variants: Vec<&str> = list.split(',').collect();
            paired::run(&variants, num("--rounds", 40) as u32, num("--warmup", 200));
        }
        "resolver" => resolver::run(num("--iters", 2_000), num("--reps", 5) as u32),
        "clients" => clients::run(flag("--buffer-kib").map(|v| v.parse().expect("--buffer-kib"))),
        "start" => start::run(num("--iters", 200) as u32),
        "load" => {
            let ok = load::run(
                num("--threads", 8),
                num("--calls-per-thread", 10_000),
                num("--max-growth-kib", 1024),
            );
            std::process::exit(if ok { 0 } else { 1 });
        }
        other => {
            eprintln!("voicecb-bench: unknown command {other}");
            std::process::exit(2);
        }
    }
}
