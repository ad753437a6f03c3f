//! The `voicecb` binary, run as a process against its own sandbox
//! (`voicecb sandbox`), as an operator or the demo would run it.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_voicecb");
const KEY: &str = "sandbox-app-key";
const SECRET: &str = "sandbox-app-secret";
const DISPLAY: &str = "+8675512345678";
const CALLER: &str = "+8613800000001";
const CALLEE: &str = "+8613800000002";

/// Every variable the binary reads; cleared for each run so that the
/// developer's own environment cannot change a result.
const VARS: [&str; 8] = [
    "VOICECB_BASE_URL",
    "VOICECB_APP_KEY",
    "VOICECB_APP_SECRET",
    "VOICECB_CA_FILE",
    "VOICECB_INSECURE_SKIP_VERIFY",
    "VOICECB_PROXY",
    "VOICECB_TIMEOUT",
    "VOICECB_CONNECT_TIMEOUT",
];

/// A directory of its own per test, removed at the end.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let dir = std::env::temp_dir().join(format!(
            "voicecb-cli-{}-{}-{nanos}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A `voicecb sandbox` child process, killed when dropped (a failed
/// assertion included), its output kept in files for diagnostics.
struct Sandbox {
    child: Child,
    port: u16,
    port_file: PathBuf,
    dir: TempDir,
}

impl Sandbox {
    fn start() -> Sandbox {
        Sandbox::start_with(&[], &[])
    }

    fn start_with(args: &[&str], env: &[(&str, &str)]) -> Sandbox {
        let dir = TempDir::new();
        let port_file = dir.0.join("port");
        let mut cmd = Command::new(BIN);
        cmd.arg("sandbox")
            .arg("--port-file")
            .arg(&port_file)
            .args(args);
        for var in VARS {
            cmd.env_remove(var);
        }
        cmd.envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(dir.0.join("stdout")).unwrap())
            .stderr(std::fs::File::create(dir.0.join("stderr")).unwrap());
        let child = cmd.spawn().expect("spawn voicecb sandbox");
        let mut sandbox = Sandbox {
            child,
            port: 0,
            port_file,
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            // The file is renamed into place, so any content seen is whole.
            if let Ok(text) = std::fs::read_to_string(&sandbox.port_file) {
                sandbox.port = text
                    .trim_end()
                    .parse()
                    .expect("port file holds a port number");
                assert!(text.ends_with('\n'), "{text:?}");
                return sandbox;
            }
            if let Some(status) = sandbox.child.try_wait().unwrap() {
                panic!("sandbox exited with {status}: {}", sandbox.file("stderr"));
            }
            assert!(
                Instant::now() < deadline,
                "no port file after 10 s: {}",
                sandbox.file("stderr")
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.0.join(name)).unwrap_or_default()
    }

    /// The sandbox's counters, read with a bare HTTP/1.1 GET: no client
    /// code of the crate is involved.
    fn stats(&self) -> Value {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(
            b"GET /__sandbox/stats HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        )
        .unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").expect("an HTTP answer");
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        serde_json::from_str(body).unwrap_or_else(|e| panic!("stats are not JSON ({e}): {body}"))
    }

    /// Forces the sandbox's next platform answer: `http_status` with `body`
    /// verbatim (`POST /__sandbox/next`).
    fn force_raw(&self, http_status: u16, body: &str) {
        let admin = serde_json::json!({"http_status": http_status, "raw_body": body, "count": 1})
            .to_string();
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(
            s,
            "POST /__sandbox/next HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{admin}",
            admin.len()
        )
        .unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }

    fn requests(&self) -> u64 {
        self.stats()["requests"]
            .as_u64()
            .expect("a requests counter")
    }

    /// Runs `voicecb` against this sandbox with its default credentials.
    fn run(&self, args: &[&str]) -> Run {
        self.run_as(SECRET, args)
    }

    fn run_as(&self, secret: &str, args: &[&str]) -> Run {
        voicecb(
            args,
            &[
                ("VOICECB_BASE_URL", &self.url()),
                ("VOICECB_APP_KEY", KEY),
                ("VOICECB_APP_SECRET", secret),
            ],
        )
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One finished run of the binary.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:?}"))
    }

    fn assert_code(&self, code: i32) -> &Run {
        assert_eq!(self.code, code, "{self:#?}");
        self
    }
}

fn voicecb(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(BIN);
    for var in VARS {
        cmd.env_remove(var);
    }
    let out = cmd
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    Run {
        code: out.status.code().expect("exited, not killed"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn call_args(extra: &[&'static str]) -> Vec<&'static str> {
    let mut v = vec![
        "call",
        "--display-nbr",
        DISPLAY,
        "--caller",
        CALLER,
        "--callee",
        CALLEE,
    ];
    v.extend_from_slice(extra);
    v
}

/// A port nobody listens on: bound, noted, released.
fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn call_and_stop_against_the_sandbox() {
    let sb = Sandbox::start();
    assert_eq!(
        sb.file("stdout"),
        format!("voicecb sandbox listening on {}\n", sb.url())
    );

    let call = sb.run(&call_args(&[
        "--return-idle-port",
        "--record",
        "--max-duration",
        "30",
    ]));
    call.assert_code(0);
    let lines: Vec<&str> = call.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{call:?}");
    let session = lines[0];
    assert!(!session.is_empty() && !session.contains(' '), "{call:?}");
    let idle: u16 = lines[1]
        .strip_prefix("idle ports: ")
        .expect("idle ports line")
        .parse()
        .unwrap();
    assert!(idle > 0);
    assert_eq!(call.stderr, "");

    let plain = sb.run(&call_args(&[]));
    plain.assert_code(0);
    assert_eq!(
        plain.stdout.lines().count(),
        1,
        "no idle ports unless asked: {plain:?}"
    );

    let stop = sb.run(&["stop", session]);
    stop.assert_code(0);
    assert!(stop.stdout.contains(session), "{stop:?}");
    let stats = sb.stats();
    assert_eq!(
        (stats["click2call"].as_u64(), stats["callstop"].as_u64()),
        (Some(2), Some(1)),
        "{stats}"
    );

    // The platform no longer knows the session: a refusal, exit 1.
    let again = sb.run(&["stop", session]);
    again.assert_code(1);
    assert!(again.stderr.contains("1020152"), "{again:?}");
}

#[test]
fn wrong_secret_is_a_platform_refusal() {
    let sb = Sandbox::start();
    let run = sb.run_as("not-the-secret", &call_args(&[]));
    run.assert_code(1);
    assert!(run.stderr.starts_with("voicecb: "), "{run:?}");
    assert!(
        run.stderr.contains("1010010") && run.stderr.contains("401"),
        "{run:?}"
    );
    assert!(run.stderr.contains("Invalid digest"), "resultdesc: {run:?}");
    assert!(
        run.stderr.contains("advice: Check that PasswordDigest"),
        "catalogue advice: {run:?}"
    );
    assert_eq!(run.stdout, "");
}

#[test]
fn invalid_values_exit_2_naming_the_field_and_send_nothing() {
    let sb = Sandbox::start();
    let before = sb.requests();
    let cases: [(&[&str], &str, &str); 4] = [
        (
            &[
                "call",
                "--display-nbr",
                DISPLAY,
                "--caller",
                "8613800000001",
                "--callee",
                CALLEE,
            ],
            "callerNbr",
            "--caller",
        ),
        (
            &[
                "call",
                "--display-nbr",
                DISPLAY,
                "--caller",
                CALLER,
                "--callee",
                "+86 138",
            ],
            "calleeNbr",
            "--callee",
        ),
        (
            &[
                "call",
                "--display-nbr",
                DISPLAY,
                "--caller",
                CALLER,
                "--callee",
                CALLEE,
                "--max-duration",
                "1441",
            ],
            "maxDuration",
            "--max-duration",
        ),
        (
            &[
                "call",
                "--display-nbr",
                DISPLAY,
                "--caller",
                CALLER,
                "--callee",
                CALLEE,
                "--user-data",
                "{x}",
            ],
            "userData",
            "--user-data",
        ),
    ];
    for (args, field, flag) in cases {
        let run = sb.run(args);
        run.assert_code(2);
        assert!(
            run.stderr.contains(field) && run.stderr.contains(flag),
            "{args:?}: {run:?}"
        );
    }
    let long_id = "s".repeat(257);
    let run = sb.run(&["stop", &long_id]);
    run.assert_code(2);
    assert!(run.stderr.contains("sessionid"), "{run:?}");
    assert_eq!(
        sb.requests(),
        before,
        "an invalid request reached the sandbox"
    );
}

#[test]
fn usage_errors_exit_2_naming_the_flag() {
    let env = [
        ("VOICECB_APP_KEY", KEY),
        ("VOICECB_APP_SECRET", SECRET),
        ("VOICECB_BASE_URL", "http://127.0.0.1:1"),
    ];
    let cases: [(&[&str], &str); 8] = [
        (
            &[
                "call",
                "--display-nbr",
                DISPLAY,
                "--caller",
                CALLER,
                "--callee",
                CALLEE,
                "--bogus",
            ],
            "--bogus",
        ),
        (
            &[
                "call",
                "--display-nbr",
                DISPLAY,
                "--caller",
                "--callee",
                CALLEE,
            ],
            "--caller",
        ),
        (
            &[
                "call",
                "--display-nbr",
                DISPLAY,
                "--caller",
                CALLER,
                "--callee",
            ],
            "--callee",
        ),
        (
            &["call", "--display-nbr", DISPLAY, "--caller", CALLER],
            "--callee",
        ),
        (
            &[
                "call",
                "--display-nbr",
                DISPLAY,
                "--caller",
                CALLER,
                "--callee",
                CALLEE,
                "--last-min-to-ue",
                "x",
            ],
            "--last-min-to-ue",
        ),
        (&["stop"], "SESSION_ID"),
        (&["frobnicate"], "frobnicate"),
        (&["sandbox", "--app-key", "k"], "--app-secret"),
    ];
    for (args, named) in cases {
        let run = voicecb(args, &env);
        run.assert_code(2);
        assert!(
            run.stderr.starts_with("voicecb: ") && run.stderr.contains(named),
            "{args:?}: {run:?}"
        );
        assert_eq!(run.stdout, "");
    }
    let run = voicecb(&[], &[]);
    run.assert_code(2);
}

/// The sandbox's credentials with `url` as the platform.
fn platform_env(url: &str) -> Vec<(&'static str, &str)> {
    vec![
        ("VOICECB_BASE_URL", url),
        ("VOICECB_APP_KEY", KEY),
        ("VOICECB_APP_SECRET", SECRET),
    ]
}

#[test]
fn closed_port_is_a_transport_error() {
    let url = format!("http://127.0.0.1:{}", closed_port());
    let env = platform_env(&url);
    let run = voicecb(&call_args(&[]), &env);
    run.assert_code(3);
    assert!(run.stderr.starts_with("voicecb: "), "{run:?}");
    voicecb(&["stop", "some-session"], &env).assert_code(3);
    let json = voicecb(&["stop", "some-session", "--json"], &env);
    json.assert_code(3);
    assert_eq!(json.json()["error"]["kind"], "transport", "{json:?}");
}

#[test]
fn missing_credentials_exit_2_naming_the_variable() {
    let url = format!("http://127.0.0.1:{}", closed_port());
    let no_secret = [("VOICECB_BASE_URL", url.as_str()), ("VOICECB_APP_KEY", KEY)];
    for args in [call_args(&[]), vec!["stop", "x"], vec!["sign"]] {
        let run = voicecb(&args, &no_secret);
        run.assert_code(2);
        assert!(
            run.stderr.contains("VOICECB_APP_SECRET"),
            "{args:?}: {run:?}"
        );
    }
    let run = voicecb(&["stop", "x"], &[("VOICECB_APP_SECRET", SECRET)]);
    run.assert_code(2);
    assert!(run.stderr.contains("VOICECB_APP_KEY"), "{run:?}");
    let run = voicecb(&["stop", "x", "--json"], &no_secret);
    run.assert_code(2);
    let err = &run.json()["error"];
    assert_eq!(
        (err["kind"].as_str(), err["field"].as_str()),
        (Some("usage"), Some("VOICECB_APP_SECRET"))
    );
}

#[test]
fn bad_environment_is_named() {
    let sb = Sandbox::start();
    let cases = [
        ("VOICECB_TIMEOUT", "soon"),
        ("VOICECB_CONNECT_TIMEOUT", "0"),
        ("VOICECB_BASE_URL", "ftp://example.com"),
        ("VOICECB_INSECURE_SKIP_VERIFY", "maybe"),
        ("VOICECB_CA_FILE", "/nonexistent/ca.pem"),
    ];
    for (var, value) in cases {
        let mut env = vec![("VOICECB_APP_KEY", KEY), ("VOICECB_APP_SECRET", SECRET)];
        let url = sb.url();
        if var != "VOICECB_BASE_URL" {
            env.push(("VOICECB_BASE_URL", &url));
        }
        env.push((var, value));
        let run = voicecb(&["stop", "x"], &env);
        run.assert_code(2);
        assert!(run.stderr.contains(var), "{var}={value}: {run:?}");
    }
    assert_eq!(sb.requests(), 0);
}

#[test]
fn json_output_parses() {
    let sb = Sandbox::start();

    let call = sb.run(&[
        "--json",
        "call",
        "--display-nbr",
        DISPLAY,
        "--caller",
        CALLER,
        "--callee",
        CALLEE,
    ]);
    call.assert_code(0);
    let v = call.json();
    let session = v["session_id"].as_str().expect("session_id").to_owned();
    assert!(v["idle_port"].is_null(), "{v}");
    let with_port = sb
        .run(&call_args(&["--return-idle-port", "--json"]))
        .assert_code(0)
        .json();
    assert!(with_port["idle_port"].as_u64().is_some(), "{with_port}");

    let stop = sb.run(&["stop", &session, "--json"]);
    stop.assert_code(0);
    assert_eq!(stop.json(), serde_json::json!({"ok": true}));

    let sign = sb.run(&["sign", "--json"]);
    sign.assert_code(0);
    let h = sign.json();
    assert_eq!(
        h["authorization"],
        r#"AKSK realm="SDP",profile="UsernameToken",type="Appkey""#
    );
    assert!(
        h["x_aksk"]
            .as_str()
            .unwrap()
            .starts_with(&format!("UsernameToken Username=\"{KEY}\"")),
        "{h}"
    );

    let codes = sb.run(&["codes", "--json"]).assert_code(0).json();
    let rows = codes.as_array().expect("an array");
    assert_eq!(rows.len(), voicecb::codes::all().len());
    for key in [
        "http_status",
        "code",
        "category",
        "retryable",
        "en",
        "zh",
        "advice",
    ] {
        assert!(rows.iter().all(|r| r.get(key).is_some()), "{key}");
    }

    // A platform refusal: the error object on stdout, the same exit status.
    let refused = sb.run_as("wrong", &call_args(&["--json"]));
    refused.assert_code(1);
    let e = &refused.json()["error"];
    assert_eq!(e["kind"], "platform");
    assert_eq!(e["http_status"], 401);
    assert_eq!(e["result_code"], "1010010");
    assert_eq!(e["category"], "signature");
    assert_eq!(e["retryable"], false);
    assert!(
        e["result_desc"].is_string() && e["message"].is_string(),
        "{e}"
    );
    assert_eq!(refused.stderr, "");

    let invalid = sb.run(&[
        "call",
        "--json",
        "--display-nbr",
        DISPLAY,
        "--caller",
        "x",
        "--callee",
        CALLEE,
    ]);
    invalid.assert_code(2);
    let e = &invalid.json()["error"];
    assert_eq!(
        (e["kind"].as_str(), e["field"].as_str()),
        (Some("invalid_argument"), Some("callerNbr"))
    );

    let usage = voicecb(&["call", "--json", "--nope"], &[]);
    usage.assert_code(2);
    assert_eq!(usage.json()["error"]["kind"], "usage");

    let unknown = voicecb(&["codes", "42", "--json"], &[]);
    unknown.assert_code(2);
    assert!(
        unknown.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("42")
    );
}

#[test]
fn sandbox_json_line() {
    let sb = Sandbox::start_with(&["--json"], &[]);
    let line: Value = serde_json::from_str(&sb.file("stdout")).unwrap();
    assert_eq!(line, serde_json::json!({"listening": sb.url()}));
}

#[test]
fn sign_matches_an_independent_vector() {
    let env = [("VOICECB_APP_KEY", "key"), ("VOICECB_APP_SECRET", "secret")];
    let run = voicecb(
        &["sign", "--nonce", "A", "--created", "2018-02-12T15:30:20Z"],
        &env,
    );
    run.assert_code(0);
    assert_eq!(
        run.stdout,
        "Authorization: AKSK realm=\"SDP\",profile=\"UsernameToken\",type=\"Appkey\"\n\
         X-AKSK: UsernameToken Username=\"key\",PasswordDigest=\"WOXQ8jXK7LPGeoUDrFOrJKqlOWPy7SlFv2eyr2Z6xGg=\",\
         Nonce=\"A\",Created=\"2018-02-12T15:30:20Z\"\n"
    );
    // Without them: a fresh 32-character nonce and the current UTC time.
    let a = voicecb(&["sign"], &env).assert_code(0).stdout.clone();
    let b = voicecb(&["sign"], &env).assert_code(0).stdout.clone();
    assert_ne!(a, b);
    let nonce = a
        .split("Nonce=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert_eq!(nonce.len(), 32);
    assert!(nonce.bytes().all(|c| c.is_ascii_alphanumeric()));
    let created = a
        .split("Created=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let year = chrono::Utc::now().format("%Y-").to_string();
    assert!(
        created.starts_with(&year) && created.ends_with('Z') && created.len() == 20,
        "{created}"
    );

    let bad = voicecb(&["sign", "--nonce", "not-alnum"], &env);
    bad.assert_code(2);
    assert!(bad.stderr.contains("--nonce"), "{bad:?}");
}

#[test]
fn codes_lists_every_status_of_a_code() {
    let run = voicecb(&["codes", "1010010"], &[]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("401 1010010") && run.stdout.contains("403 1010010"),
        "{run:?}"
    );
    assert!(
        run.stdout.contains("Invalid digest.") && run.stdout.contains("flow control"),
        "{run:?}"
    );
    assert!(run.stdout.contains("PasswordDigest校验失败。"), "{run:?}");

    let rows = voicecb(&["codes", "1010010", "--json"], &[])
        .assert_code(0)
        .json();
    let statuses: Vec<u64> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["http_status"].as_u64().unwrap())
        .collect();
    assert!(statuses.contains(&401) && statuses.contains(&403), "{rows}");

    let all = voicecb(&["codes"], &[]);
    all.assert_code(0);
    assert_eq!(
        all.stdout.lines().count(),
        voicecb::codes::all().len() + 1,
        "a header and every row"
    );
    assert!(all.stdout.lines().all(|l| l.split('\t').count() == 8));

    let unknown = voicecb(&["codes", "9999999"], &[]);
    unknown.assert_code(2);
    assert!(unknown.stderr.contains("9999999"), "{unknown:?}");
}

#[test]
fn the_secret_never_appears_in_call_or_stop_output() {
    const MY_SECRET: &str = "s3cr3t-Do-Not-Print-7Qx";
    let sb = Sandbox::start_with(
        &[
            "--app-key",
            "my-key",
            "--app-secret",
            MY_SECRET,
            "--display-nbr",
            "+8610000000",
        ],
        &[],
    );
    let closed = format!("http://127.0.0.1:{}", closed_port());
    let good = [
        ("VOICECB_BASE_URL", sb.url()),
        ("VOICECB_APP_KEY", "my-key".into()),
        ("VOICECB_APP_SECRET", MY_SECRET.into()),
    ];
    let env = |overrides: &[(&'static str, String)]| {
        let mut e: Vec<(&str, String)> = good.to_vec();
        e.retain(|(k, _)| !overrides.iter().any(|(o, _)| o == k));
        e.extend(overrides.iter().cloned());
        e
    };
    let run = |args: &[&str], env: &[(&str, String)]| {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        voicecb(args, &env)
    };
    let call = [
        "call",
        "--display-nbr",
        "+8610000000",
        "--caller",
        CALLER,
        "--callee",
        CALLEE,
    ];
    let mut runs = Vec::new();

    let ok = run(&call, &good);
    ok.assert_code(0);
    let session = ok.stdout.trim().to_owned();
    runs.push(ok);
    runs.push(run(&["stop", &session], &good));
    runs[1].assert_code(0);
    for json in [false, true] {
        let mut with = |args: &[&str], env: &[(&str, String)], code: i32| {
            let mut args = args.to_vec();
            if json {
                args.push("--json");
            }
            let r = run(&args, env);
            r.assert_code(code);
            runs.push(r);
        };
        with(&call, &good, 0);
        with(&["stop", "no-such-session"], &good, 1);
        with(&call, &env(&[("VOICECB_APP_KEY", "other-key".into())]), 1);
        with(
            &[
                "call",
                "--display-nbr",
                "+8610000000",
                "--caller",
                "x",
                "--callee",
                CALLEE,
            ],
            &good,
            2,
        );
        with(&call, &env(&[("VOICECB_BASE_URL", closed.clone())]), 3);
        with(
            &["stop", "x"],
            &env(&[("VOICECB_BASE_URL", "ftp://example.com".into())]),
            2,
        );
        with(&["stop", "x"], &env(&[("VOICECB_TIMEOUT", "-1".into())]), 2);
        with(
            &["stop", "x"],
            &env(&[("VOICECB_INSECURE_SKIP_VERIFY", "1".into())]),
            1,
        );
    }
    assert!(runs.len() > 10);
    for r in &runs {
        assert!(
            !r.stdout.contains(MY_SECRET) && !r.stderr.contains(MY_SECRET),
            "{r:?}"
        );
        for header in ["PasswordDigest=", "X-AKSK"] {
            assert!(
                !r.stdout.contains(header) && !r.stderr.contains(header),
                "{r:?}"
            );
        }
    }
    assert!(!sb.file("stdout").contains(MY_SECRET) && !sb.file("stderr").contains(MY_SECRET));
}

#[test]
fn sandbox_takes_credentials_from_the_environment() {
    let sb = Sandbox::start_with(
        &[],
        &[
            ("VOICECB_APP_KEY", "env-key"),
            ("VOICECB_APP_SECRET", "env-secret"),
        ],
    );
    let env = [
        ("VOICECB_BASE_URL", sb.url()),
        ("VOICECB_APP_KEY", "env-key".into()),
        ("VOICECB_APP_SECRET", "env-secret".into()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    voicecb(&call_args(&[]), &env).assert_code(0);
    // The default app was replaced, not joined.
    let run = sb.run(&call_args(&[]));
    run.assert_code(1);
}

#[cfg(unix)]
#[test]
fn sandbox_exits_cleanly_on_sigterm() {
    let mut sb = Sandbox::start();
    // SAFETY: signalling our own child, which has not been reaped.
    assert_eq!(
        unsafe { libc::kill(sb.child.id() as libc::pid_t, libc::SIGTERM) },
        0
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = sb.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "still running 10 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}");
    assert!(
        !Path::new(&sb.port_file).exists(),
        "the port file outlived the sandbox"
    );
}

#[test]
fn help_and_version() {
    let version = voicecb(&["--version"], &[]);
    version.assert_code(0);
    assert_eq!(
        version.stdout,
        format!("libvoicecb/{}\n", env!("CARGO_PKG_VERSION"))
    );
    let help = voicecb(&["--help"], &[]);
    help.assert_code(0);
    assert_eq!(voicecb(&["help"], &[]).stdout, help.stdout);
    for needle in VARS.iter().copied().chain([
        "--display-nbr",
        "--display-callee-nbr",
        "--last-min-to-ue",
        "--callee-media",
        "--party-type-required-in-disconnect",
        "--encode-user-data",
        "--port-file",
        "--time-window",
        "--nonce",
        "--created",
        "--json",
        "SESSION_ID",
    ]) {
        assert!(help.stdout.contains(needle), "{needle} missing from --help");
    }
    for cmd in ["call", "stop", "sign", "codes", "sandbox"] {
        let run = voicecb(&[cmd, "--help"], &[]);
        run.assert_code(0);
        assert!(
            run.stdout.starts_with(&format!("Usage: voicecb {cmd}")),
            "{run:?}"
        );
        assert_eq!(voicecb(&["help", cmd], &[]).stdout, run.stdout);
    }
    assert!(
        voicecb(&["call", "--help"], &[])
            .stdout
            .contains("--record-hint-tone")
    );
}

/// The event lines of a run's stderr (`voicecb: click2Call attempt 1: ...`).
fn event_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("voicecb: click2Call ") || l.starts_with("voicecb: callStop "))
        .collect()
}

#[test]
fn verbose_prints_each_event_and_json_has_attempts_and_elapsed() {
    let sb = Sandbox::start();
    let ok = sb.run(&call_args(&["-v"]));
    ok.assert_code(0);
    let events = event_lines(&ok.stderr);
    assert_eq!(events.len(), 2, "one try and the end: {ok:?}");
    assert!(
        events[0].starts_with("voicecb: click2Call attempt 1: answered"),
        "{ok:?}"
    );
    assert!(
        events[1].starts_with("voicecb: click2Call finished after 1 attempt: answered"),
        "{ok:?}"
    );
    assert_eq!(ok.stderr.lines().count(), 2, "nothing else: {ok:?}");
    // Numbers are masked in the events.
    assert!(!ok.stderr.contains(CALLER), "{ok:?}");
    let session = ok.stdout.trim_end().to_owned();

    let stop = sb.run(&["--verbose", "stop", &session]);
    stop.assert_code(0);
    assert!(
        stop.stderr
            .starts_with("voicecb: callStop attempt 1: answered"),
        "{stop:?}"
    );

    // Without the flag, no event is printed.
    assert_eq!(sb.run(&call_args(&[])).assert_code(0).stderr, "");

    let refused = sb.run_as("wrong", &call_args(&["-v"]));
    refused.assert_code(1);
    let events = event_lines(&refused.stderr);
    assert_eq!(events.len(), 2, "{refused:?}");
    assert!(
        events[0].contains("refused (HTTP 401, resultcode 1010010"),
        "{refused:?}"
    );

    let json = sb.run(&call_args(&["--json", "-v"]));
    json.assert_code(0);
    let v = json.json();
    assert_eq!(v["attempts"], 1, "{v}");
    assert!(v["elapsed_ms"].as_f64().is_some_and(|ms| ms >= 0.0), "{v}");
    assert_eq!(event_lines(&json.stderr).len(), 2, "{json:?}");

    let refused = sb.run_as("wrong", &call_args(&["--json"]));
    refused.assert_code(1);
    let e = &refused.json()["error"];
    assert_eq!(e["attempts"], 1, "{e}");
    assert!(e["elapsed_ms"].as_f64().is_some_and(|ms| ms >= 0.0), "{e}");
    let usage = voicecb(&["call", "--json", "--nope"], &[]).json();
    assert_eq!(
        (&usage["error"]["attempts"], &usage["error"]["elapsed_ms"]),
        (&Value::from(0), &Value::from(0)),
        "{usage}"
    );
}

/// A server that accepts one connection and never answers; its thread ends
/// when the client gives up and closes the connection.
fn silent_server() -> (u16, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let thread = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let mut sink = Vec::new();
        let _ = conn.read_to_end(&mut sink);
    });
    (port, thread)
}

#[test]
fn errors_say_whether_the_request_was_sent() {
    let refused_url = format!("http://127.0.0.1:{}", closed_port());
    let env = platform_env(&refused_url);
    let json = voicecb(&call_args(&["--json"]), &env);
    json.assert_code(3);
    assert_eq!(json.json()["error"]["request_not_sent"], true, "{json:?}");
    let human = voicecb(&call_args(&[]), &env);
    human.assert_code(3);
    assert!(human.stderr.contains("nothing was sent"), "{human:?}");
    assert!(!human.stderr.contains("may or may not"), "{human:?}");

    // The request left, the answer never came: it may have been placed.
    let (port, server) = silent_server();
    let silent_url = format!("http://127.0.0.1:{port}");
    let mut env = platform_env(&silent_url);
    env.push(("VOICECB_TIMEOUT", "0.5"));
    let json = voicecb(&call_args(&["--json"]), &env);
    server.join().unwrap();
    json.assert_code(3);
    let e = &json.json()["error"];
    assert_eq!(
        (&e["kind"], &e["request_not_sent"]),
        (&Value::from("timeout"), &Value::from(false)),
        "{e}"
    );
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("may have been placed"),
        "{e}"
    );
    // The 0.5 s limit ran out, so the call took at least that long.
    assert_eq!(e["attempts"], 1, "{e}");
    assert!(
        e["elapsed_ms"].as_f64().is_some_and(|ms| ms >= 500.0),
        "{e}"
    );

    let usage = voicecb(&["call", "--json", "--nope"], &[]);
    assert_eq!(usage.json()["error"]["request_not_sent"], true);
    let invalid = voicecb(&call_args(&["--json", "--max-duration", "5000"]), &[]);
    invalid.assert_code(2);
    assert_eq!(invalid.json()["error"]["request_not_sent"], true);
    let help = voicecb(&["call", "--help"], &[]).stdout;
    assert!(!help.contains("may or may not"), "{help}");
    assert!(
        help.contains("if nothing was, no call was placed"),
        "{help}"
    );
}

#[test]
fn the_production_platform_is_announced_before_sending() {
    // The proxy refuses the connection, so nothing leaves this host.
    let proxy = format!("http://127.0.0.1:{}", closed_port());
    let env = [
        ("VOICECB_APP_KEY", KEY),
        ("VOICECB_APP_SECRET", SECRET),
        ("VOICECB_PROXY", proxy.as_str()),
    ];
    let notice = format!(
        "voicecb: calling the production platform at {}\n",
        voicecb::client::DEFAULT_BASE_URL
    );
    for args in [
        call_args(&[]),
        vec!["stop", "some-session"],
        call_args(&["--json"]),
    ] {
        let run = voicecb(&args, &env);
        run.assert_code(3);
        assert!(run.stderr.starts_with(&notice), "{args:?}: {run:?}");
    }
    // Neither when a platform is named nor for a command that sends nothing.
    let sb = Sandbox::start();
    assert_eq!(sb.run(&call_args(&[])).assert_code(0).stderr, "");
    let sign = voicecb(&["sign"], &env);
    sign.assert_code(0);
    assert_eq!(sign.stderr, "");
    // A mistake in the call is reported before, and instead of, the notice.
    let invalid = voicecb(&call_args(&["--caller", "x"]), &env);
    invalid.assert_code(2);
    assert!(!invalid.stderr.contains("production"), "{invalid:?}");
}

#[test]
fn non_ascii_user_data_hint_names_the_flag() {
    let sb = Sandbox::start();
    let run = sb.run(&call_args(&["--user-data", "h\u{e9}llo"]));
    run.assert_code(2);
    assert!(run.stderr.contains("set --encode-user-data"), "{run:?}");
    assert!(!run.stderr.contains("ClientBuilder"), "{run:?}");
    let encoded = sb.run(&call_args(&[
        "--user-data",
        "h\u{e9}llo",
        "--encode-user-data",
    ]));
    encoded.assert_code(0);
    assert_eq!(sb.requests(), 1);
}

#[test]
fn control_characters_never_reach_the_terminal() {
    let sb = Sandbox::start();
    let raw =
        "{\"resultcode\":\"0\",\"resultdesc\":\"Success\",\"sessionId\":\"a\\r\\nb\\u001b[31m\"}";
    let escaped = r"a\r\nb\u{1b}[31m";
    sb.force_raw(200, raw);
    let human = sb.run(&call_args(&[]));
    human.assert_code(3);
    let raw_controls = |s: &str| s.chars().any(|c| c.is_control() && c != '\n');
    assert!(
        !raw_controls(&human.stderr) && human.stdout.is_empty(),
        "{human:?}"
    );
    assert!(
        human.stderr.contains(&format!(
            "\nvoicecb: sessionId of the call that may be ringing: {escaped}\n"
        )),
        "{human:?}"
    );

    sb.force_raw(200, raw);
    let json = sb.run(&call_args(&["--json"]));
    json.assert_code(3);
    assert!(!raw_controls(&json.stdout), "{json:?}");
    assert_eq!(json.json()["error"]["session_id"], escaped, "{json:?}");

    // A refusal whose resultdesc has them, and an id typed with them.
    sb.force_raw(
        403,
        "{\"resultcode\":\"1010010\",\"resultdesc\":\"bad\\r\\n\\u001b[2Jdesc\"}",
    );
    let refused = sb.run(&call_args(&["-v"]));
    refused.assert_code(1);
    assert!(!raw_controls(&refused.stderr), "{refused:?}");
    let stop = sb.run(&["-v", "stop", "x\u{1b}[2J\ry"]);
    stop.assert_code(2);
    assert!(!raw_controls(&stop.stderr), "{stop:?}");
    let unknown = voicecb(&["codes", "4\u{1b}[2J2"], &[]);
    unknown.assert_code(2);
    assert!(!raw_controls(&unknown.stderr), "{unknown:?}");
}

#[test]
fn the_environment_is_read_by_the_librarys_rules() {
    let sb = Sandbox::start();
    let url = sb.url();
    let env = |var, value| {
        vec![
            ("VOICECB_BASE_URL", url.as_str()),
            ("VOICECB_APP_KEY", KEY),
            ("VOICECB_APP_SECRET", SECRET),
            (var, value),
        ]
    };
    // The library's rule, named by the variable, exit 2, nothing sent.
    let run = voicecb(
        &["stop", "x"],
        &env("VOICECB_INSECURE_SKIP_VERIFY", "maybe"),
    );
    run.assert_code(2);
    assert!(
        run.stderr.starts_with(
            "voicecb: VOICECB_INSECURE_SKIP_VERIFY must be 1 or 0 (true/false, yes/no), got 'maybe'\n"
        ),
        "{run:?}"
    );
    let run = voicecb(&["stop", "x", "--json"], &env("VOICECB_TIMEOUT", "-1"));
    run.assert_code(2);
    let e = &run.json()["error"];
    assert_eq!(
        (e["kind"].as_str(), e["field"].as_str()),
        (Some("usage"), Some("VOICECB_TIMEOUT")),
        "{e}"
    );
    assert_eq!(sb.requests(), 0);
    // Accepted spellings; the insecure one is said on stderr even with --json.
    let run = sb.run(&call_args(&[]));
    let session = run.assert_code(0).stdout.trim_end().to_owned();
    let run = voicecb(
        &["stop", &session, "--json"],
        &env("VOICECB_INSECURE_SKIP_VERIFY", "yes"),
    );
    run.assert_code(0);
    assert!(
        run.stderr.contains("VOICECB_INSECURE_SKIP_VERIFY is set"),
        "{run:?}"
    );
    let run = voicecb(&call_args(&[]), &env("VOICECB_CONNECT_TIMEOUT", "2.5"));
    run.assert_code(0);
    assert_eq!(run.stderr, "");
}
