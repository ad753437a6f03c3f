//! A string that must never be shown: the app secret.

use std::fmt;

use zeroize::Zeroize;

/// Holds the app secret. `Debug` and `Display` print `<redacted>`, and the
/// bytes are overwritten when it is dropped (when the client is freed), so
/// a core dump taken later does not carry it.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(secret: String) -> Secret {
        Secret(secret)
    }

    /// The secret itself, for the one place that needs it: the HMAC key.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.wipe();
    }
}

impl Secret {
    /// Overwrites the bytes with zeros (the `zeroize` crate's writes are
    /// volatile, so the compiler cannot drop them as dead stores).
    fn wipe(&mut self) {
        self.0.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wiping_leaves_no_byte_of_the_secret() {
        let mut s = Secret::new("top-secret-value".to_owned());
        let (ptr, cap) = (s.0.as_ptr(), s.0.capacity());
        s.wipe();
        // The buffer is still allocated (the String is alive): read it whole.
        let bytes = unsafe { std::slice::from_raw_parts(ptr, cap) };
        assert!(bytes.iter().all(|b| *b == 0), "{bytes:?}");
        assert_eq!(s.expose(), "");
    }

    #[test]
    fn formatting_never_shows_it() {
        let s = Secret::new("top-secret-value".to_owned());
        assert_eq!(format!("{s} {s:?}"), "<redacted> <redacted>");
    }
}
