//! The shared signing vectors (computed by Python's hmac, see
//! tests/vectors/make_aksk.py) checked through the Rust API.

use serde_json::Value;

#[test]
fn rust_signing_matches_independent_vectors() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/aksk.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let vectors = doc["vectors"].as_array().unwrap();
    assert!(vectors.len() >= 5);
    for v in vectors {
        let s = |k: &str| v[k].as_str().unwrap();
        let h =
            voicecb::sign_with(s("app_key"), s("app_secret"), s("nonce"), s("created")).unwrap();
        assert_eq!(h.authorization, s("authorization"), "{}", s("name"));
        assert_eq!(h.x_aksk, s("x_aksk"), "{}", s("name"));
    }
}
