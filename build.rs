//! Generates include/voicecb.h with cbindgen and gives the shared library
//! its SONAME and export list.

use std::env;
use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=src/codes.rs");
    println!("cargo:rerun-if-changed=cbindgen.toml");
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

    let mut config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("cbindgen.toml");
    config.after_includes = Some(format!(
        "\n#define VOICECB_VERSION_MAJOR {}\n#define VOICECB_VERSION_MINOR {}\n#define VOICECB_VERSION_PATCH {}\n#define VOICECB_VERSION_STRING \"libvoicecb/{}\"\n\n/* A catalogue entry: static, never freed; read it with voicecb_code_info_*. */\ntypedef struct voicecb_code_info voicecb_code_info;\n",
        major,
        env::var("CARGO_PKG_VERSION_MINOR").unwrap(),
        env::var("CARGO_PKG_VERSION_PATCH").unwrap(),
        env::var("CARGO_PKG_VERSION").unwrap(),
    ));
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(dir.join("src/ffi/mod.rs"))
        .generate()
        .expect("cbindgen could not generate the header");
    // Only src/ffi is parsed, so that no constant of the Rust API leaks into
    // the header; the one core type the ABI hands out is declared above.
    // Writes only when the text changed, so an unchanged header keeps its
    // mtime and does not trigger rebuilds of C code.
    bindings.write_to_file(dir.join("include/voicecb.h"));
}
