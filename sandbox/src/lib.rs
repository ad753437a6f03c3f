//! The sandbox of libvoicecb: a local stand-in for the voice-callback
//! platform (see [`sandbox`]), served over HTTP or HTTPS, with the pushes of
//! each call's life. `voicecb sandbox` (the CLI package) runs it.

mod http_server;
pub mod pusher;
pub mod sandbox;
pub mod tls;

use std::io::{self, Write as _};
use std::path::Path;

/// Writes `bytes` to a temporary file beside `path`, then renames it over
/// `path`, so that a reader polling for it never sees it empty or
/// half-written. The temporary file is removed if anything fails.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if path.file_name().is_none() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a file name",
        ));
    }
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
