//! Table 1: time per X-AKSK header against HMAC-SHA256 of the same message.

use std::ffi::CString;
use std::hint::black_box;

use hmac::{KeyInit, Mac};

use crate::util::{Record, interleaved};

/// The message every variant signs: a 32-character nonce and a Created,
/// the shape the library signs for every request.
pub const KEY: &str = "sandbox-app-key";
pub const SECRET: &str = "sandbox-app-secret";
pub const NONCE: &str = "Xq3vB7kP9mN2wR5tY8zC1dF4gH6jL0aS";
pub const CREATED: &str = "2026-11-28T09:00:00Z";

/// `reps` rounds; in each, every variant runs `iters` times, in
/// interleaved chunks of 1,000, and reports its median chunk. Prints one
/// record per variant and round. The C ABI's `voicecb_sign` (the shipped
/// library, loaded with dlopen) takes its turns with the others, so that
/// its ratio to the floor is measured side by side too.
pub fn run(iters: u64, reps: u32) {
    let lib = crate::cabi::Lib::open();
    let (ckey, csecret) = (CString::new(KEY).unwrap(), CString::new(SECRET).unwrap());
    let (cnonce, ccreated) = (CString::new(NONCE).unwrap(), CString::new(CREATED).unwrap());
    // Warm up caches, branch predictors and the allocator.
    for _ in 0..iters / 10 {
        black_box(voicecb::sign_with(KEY, SECRET, NONCE, CREATED).unwrap());
        lib.sign(&ckey, &csecret, Some((&cnonce, &ccreated)));
    }
    for rep in 0..reps {
        let mut floor = || {
            let mut mac =
                <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(black_box(SECRET).as_bytes())
                    .unwrap();
            mac.update(black_box(NONCE).as_bytes());
            mac.update(black_box(CREATED).as_bytes());
            black_box(mac.finalize().into_bytes());
        };
        let mut hmac_b64 = || {
            black_box(crate::util::digest(
                black_box(SECRET),
                black_box(NONCE),
                black_box(CREATED),
            ));
        };
        let mut sign_with = || {
            black_box(
                voicecb::sign_with(
                    black_box(KEY),
                    black_box(SECRET),
                    black_box(NONCE),
                    black_box(CREATED),
                )
                .unwrap(),
            );
        };
        let mut c_sign = || lib.sign(black_box(&ckey), &csecret, Some((&cnonce, &ccreated)));
        let mut c_sign_fresh = || lib.sign(black_box(&ckey), &csecret, None);
        let chunk = 1000;
        let t = interleaved(
            chunk,
            (iters / chunk).max(1) as u32,
            &mut [
                &mut floor,
                &mut hmac_b64,
                &mut sign_with,
                &mut c_sign,
                &mut c_sign_fresh,
            ],
        );
        for (variant, secs) in [
            ("hmac", t[0]),
            ("hmac_base64", t[1]),
            ("sign_with", t[2]),
            ("c_voicecb_sign", t[3]),
            ("c_voicecb_sign_fresh", t[4]),
        ] {
            Record::new("sign", variant)
                .num("rep", f64::from(rep))
                .num("iters", iters as f64)
                .num("ns_per_op", secs * 1e9)
                .print();
        }
    }
}
