//! Gives the shared library its SONAME and export list. The header is not
//! generated here (a build never writes into the source tree): `make header`
//! regenerates include/voicecb.h.

use std::env;
use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    println!("cargo:rerun-if-changed=voicecb.map");

    let major = env::var("CARGO_PKG_VERSION_MAJOR").unwrap();
    // Linkers record the SONAME, so programs built against 0.x keep loading
    // any later 0.y; the export list keeps every non-voicecb_ symbol local.
    if env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libvoicecb.so.{major}");
        println!(
            "cargo:rustc-cdylib-link-arg=-Wl,--version-script={}",
            dir.join("voicecb.map").display()
        );
    }
}
