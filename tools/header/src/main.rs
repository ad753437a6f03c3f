//! `cargo run -p voicecb-header [OUT]`: writes the C header of libvoicecb,
//! generated from src/ffi with cbindgen, to OUT (include/voicecb.h of the
//! workspace by default). `make header` runs it; CI then diffs the result
//! against the committed header.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    // The workspace root is the library's package: two levels up from here.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("include/voicecb.h"));
    let mut config = match cbindgen::Config::from_file(root.join("cbindgen.toml")) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("voicecb-header: cbindgen.toml: {e}");
            return ExitCode::FAILURE;
        }
    };
    let Some(version) = library_version(&root.join("Cargo.toml")) else {
        eprintln!("voicecb-header: no [package] version in the workspace's Cargo.toml");
        return ExitCode::FAILURE;
    };
    let mut parts = version.split('.');
    let (major, minor, patch) = match (parts.next(), parts.next(), parts.next()) {
        (Some(a), Some(b), Some(c)) => (a, b, c),
        _ => {
            eprintln!("voicecb-header: version {version:?} is not MAJOR.MINOR.PATCH");
            return ExitCode::FAILURE;
        }
    };
    config.after_includes = Some(format!(
        "\n#define VOICECB_VERSION_MAJOR {}\n#define VOICECB_VERSION_MINOR {}\n#define VOICECB_VERSION_PATCH {}\n#define VOICECB_VERSION_STRING \"libvoicecb/{}\"\n\n/* A catalogue entry: static, never freed; read it with voicecb_code_info_*. */\ntypedef struct voicecb_code_info voicecb_code_info;\n",
        major, minor, patch, version,
    ));
    // Only src/ffi is parsed, so that no constant of the Rust API leaks into
    // the header; the one core type the ABI hands out is declared above.
    let bindings = match cbindgen::Builder::new()
        .with_config(config)
        .with_src(root.join("src/ffi/mod.rs"))
        .generate()
    {
        Ok(bindings) => bindings,
        Err(e) => {
            eprintln!("voicecb-header: cbindgen could not generate the header: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Writes only when the text changed, so an unchanged header keeps its
    // mtime and does not trigger rebuilds of C code.
    bindings.write_to_file(&out);
    ExitCode::SUCCESS
}

/// The `version` of the `[package]` section of the library's Cargo.toml:
/// this tool is a package of its own, so its CARGO_PKG_VERSION is not the
/// library's.
fn library_version(cargo_toml: &Path) -> Option<String> {
    let text = std::fs::read_to_string(cargo_toml).ok()?;
    let mut in_package = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package {
            if let Some(value) = line.strip_prefix("version") {
                let value = value.trim_start().strip_prefix('=')?.trim();
                return Some(value.trim_matches('"').to_owned());
            }
        }
    }
    None
}
