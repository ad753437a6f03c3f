//! Shared pieces: settings from the environment, clocks, resident memory,
//! nonces, JSON output.

use std::fmt::Write as _;
use std::time::Instant;

/// Where the sandbox is and how to sign for it (tests/with-sandbox.sh and
/// bench/run.py set these).
pub struct Env {
    pub base_url: String,
    pub app_key: String,
    pub app_secret: String,
    /// The sandbox's pid, to read its CPU time around a measurement.
    pub sandbox_pid: Option<u32>,
}

impl Env {
    pub fn get() -> Env {
        let var = |k: &str, d: &str| std::env::var(k).unwrap_or_else(|_| d.to_owned());
        Env {
            base_url: var("VOICECB_BASE_URL", "http://127.0.0.1:8080"),
            app_key: var("VOICECB_APP_KEY", "sandbox-app-key"),
            app_secret: var("VOICECB_APP_SECRET", "sandbox-app-secret"),
            sandbox_pid: std::env::var("VOICECB_BENCH_SANDBOX_PID")
                .ok()
                .and_then(|p| p.parse().ok()),
        }
    }

    /// `host:port` of the base URL (http only).
    pub fn authority(&self) -> String {
        self.base_url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned()
    }
}

/// The call every round-trip benchmark places. The callee number ends in
/// 0000486 ("busy" in the sandbox), so each call ends by itself 0.1 s after
/// it is placed and the sandbox's table of active calls stays small over
/// any number of calls.
pub const DISPLAY: &str = "+8675512345678";
pub const CALLER: &str = "+8613800000001";
pub const CALLEE: &str = "+8613800000486";

pub fn request() -> voicecb::Click2Call {
    voicecb::Click2Call::new(DISPLAY, CALLER, CALLEE)
}

/// CPU time (user + system) of this process, in seconds.
pub fn self_cpu() -> f64 {
    // SAFETY: getrusage writes the struct it is given.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// CPU time (user + system, threads that ended included) of process `pid`,
/// in seconds, from /proc (clock-tick resolution, 10 ms).
pub fn proc_cpu(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    // Fields 14 and 15 of stat(5) are utime and stime; `rest` starts at field 3.
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    Some(ticks / hz)
}

/// Resident memory of this process, in KiB (VmRSS).
pub fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// A small, fast generator of distinct nonces (not a CSPRNG: only the
/// raw client and the ureq replicas use it, outside or beside the library).
pub struct Nonces(u64);

impl Nonces {
    pub fn new() -> Nonces {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64;
        Nonces(t ^ (u64::from(std::process::id()) << 32) ^ 0x9E37_79B9_7F4A_7C15)
    }

    fn next_u64(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn next(&mut self) -> String {
        const ALPHA: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        let mut s = String::with_capacity(32);
        while s.len() < 32 {
            let mut r = self.next_u64();
            for _ in 0..10 {
                if s.len() == 32 {
                    break;
                }
                s.push(ALPHA[(r % 62) as usize] as char);
                r /= 62;
            }
        }
        s
    }
}

pub fn created_now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `Base64(HMAC-SHA256(secret, nonce + created))`, straight from the crates.
pub fn digest(secret: &str, nonce: &str, created: &str) -> String {
    use base64::Engine as _;
    use hmac::{KeyInit, Mac};
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(nonce.as_bytes());
    mac.update(created.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// One measurement, printed as a line of JSON for bench/run.py.
pub struct Record {
    text: String,
}

impl Record {
    pub fn new(bench: &str, variant: &str) -> Record {
        let mut r = Record {
            text: String::from("{"),
        };
        r.str("bench", bench);
        r.str("variant", variant);
        r
    }

    pub fn str(&mut self, k: &str, v: &str) -> &mut Self {
        if self.text.len() > 1 {
            self.text.push(',');
        }
        let escaped: String = v
            .chars()
            .flat_map(|c| match c {
                '"' => "\\\"".chars().collect::<Vec<_>>(),
                '\\' => "\\\\".chars().collect(),
                c if (c as u32) < 0x20 => format!("\\u{:04x}", c as u32).chars().collect(),
                c => vec![c],
            })
            .collect();
        let _ = write!(self.text, "\"{k}\":\"{escaped}\"");
        self
    }

    pub fn num(&mut self, k: &str, v: f64) -> &mut Self {
        if self.text.len() > 1 {
            self.text.push(',');
        }
        if v.is_finite() {
            let _ = write!(self.text, "\"{k}\":{v}");
        } else {
            let _ = write!(self.text, "\"{k}\":null");
        }
        self
    }

    pub fn list(&mut self, k: &str, v: &[f64]) -> &mut Self {
        if self.text.len() > 1 {
            self.text.push(',');
        }
        let items: Vec<String> = v
            .iter()
            .map(|x| {
                if x.is_finite() {
                    format!("{x}")
                } else {
                    "null".into()
                }
            })
            .collect();
        let _ = write!(self.text, "\"{k}\":[{}]", items.join(","));
        self
    }

    pub fn print(&mut self) {
        self.text.push('}');
        println!("{}", self.text);
        self.text.pop();
    }
}

/// Runs `f` `n` times; seconds per run.
pub fn time_per_op(n: u64, mut f: impl FnMut()) -> f64 {
    let t = Instant::now();
    for _ in 0..n {
        f();
    }
    t.elapsed().as_secs_f64() / n as f64
}

/// The median of `v` (which it sorts).
pub fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Times several variants in interleaved chunks of `chunk` runs each,
/// `chunks` times; returns, per variant, the median seconds per run over
/// its chunks. A chunk that another process preempted is an outlier that
/// the median drops, and any drift of the machine hits every variant alike.
pub fn interleaved(chunk: u64, chunks: u32, fs: &mut [&mut dyn FnMut()]) -> Vec<f64> {
    let mut times: Vec<Vec<f64>> = vec![Vec::with_capacity(chunks as usize); fs.len()];
    for _ in 0..chunks {
        for (i, f) in fs.iter_mut().enumerate() {
            times[i].push(time_per_op(chunk, &mut **f));
        }
    }
    times.iter_mut().map(|t| median(t)).collect()
}
