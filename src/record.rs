//! The recording download URL API (`GET /rest/provision/voice/record/v1.0`):
//! its query, its answer (a redirect, not JSON), and where a bill record
//! says a recording is. Lines cited are those of `voice-call-more-apis.md`.

use crate::codes::Api;
use crate::error::Error;
use crate::notify::BillRecord;
use crate::request::check_text;
use crate::response::{escape_controls, parse_answer};

/// Path of the recording download URL API (spec line 58).
pub const RECORD_URL_PATH: &str = "/rest/provision/voice/record/v1.0";

/// The longest `fileName` and `recordDomain` the API takes, in characters
/// (lines 292-293). Bills type `recordDomain` as 1-256 (line 296, section 5
/// item 4): the library keeps to the API's 128, so that a longer value is
/// refused here, naming the field, rather than by the platform.
pub const MAX_RECORD_QUERY_LEN: usize = 128;

/// The query of a recording URL request, `?fileName=..&recordDomain=..`,
/// both values checked (1-128 characters, no control characters) and
/// percent-encoded (every byte but RFC 3986's unreserved characters).
pub fn record_url_query(file_name: &str, record_domain: &str) -> Result<String, Error> {
    check_text("fileName", file_name, MAX_RECORD_QUERY_LEN)?;
    check_text("recordDomain", record_domain, MAX_RECORD_QUERY_LEN)?;
    Ok(format!(
        "?fileName={}&recordDomain={}",
        percent_encode(file_name),
        percent_encode(record_domain)
    ))
}

fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Interprets a recording URL answer: a redirect (301 per the spec, line
/// 302; 302, 303, 307 and 308 are taken too) whose `Location` is the
/// download URL. Any other answer is an error: a `resultcode` body goes
/// through the catalogue (line 312), anything else is a bad response.
/// `location` is the header as received; a path-only one is resolved by
/// the client against its base URL before this.
pub fn parse_record_url(status: u16, location: Option<&str>, body: &[u8]) -> Result<String, Error> {
    if matches!(status, 301 | 302 | 303 | 307 | 308) {
        return match location.map(str::trim) {
            Some(l) if l.chars().any(char::is_control) => Err(Error::bad_response(
                status,
                &format!(
                    "the Location header has control characters: {}",
                    escape_controls(l)
                ),
                body,
            )),
            Some(l) if l.starts_with("http://") || l.starts_with("https://") => Ok(l.to_owned()),
            Some(l) if !l.is_empty() => Err(Error::bad_response(
                status,
                &format!("the Location header is not an http(s) URL: {l:?}"),
                body,
            )),
            _ => Err(Error::bad_response(
                status,
                "a redirect without a Location header (the download URL)",
                body,
            )),
        };
    }
    parse_answer(Api::RecordUrl, status, body)?;
    Err(Error::bad_response(
        status,
        "resultcode 0 but no redirect: the API answers a download URL with 301 and Location",
        body,
    ))
}

/// Where a bill record says its recording is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecordLocation {
    /// `recordObjectName` and `recordDomain`: the query of
    /// [`Client::record_url`](crate::Client::record_url).
    Query {
        /// `recordObjectName`, the API's `fileName`.
        file_name: String,
        /// `recordDomain`.
        record_domain: String,
    },
    /// `recordFileDownloadUrl`, given when the two above are empty
    /// (line 336): a download URL as it is.
    DownloadUrl(String),
}

impl BillRecord {
    /// Where this record's recording is: `recordObjectName` with
    /// `recordDomain` when both are there and not empty, else
    /// `recordFileDownloadUrl` when it is (spec line 336); `None` for a
    /// call that was not recorded (notification and verification calls
    /// never are, line 339). [`Client::record_url_for`](crate::Client::record_url_for)
    /// turns it into a download URL.
    pub fn record_url_params(&self) -> Option<RecordLocation> {
        fn given(v: &Option<String>) -> Option<&str> {
            v.as_deref().map(str::trim).filter(|s| !s.is_empty())
        }
        match (
            given(&self.record_object_name),
            given(&self.record_domain),
            given(&self.record_file_download_url),
        ) {
            (Some(f), Some(d), _) => Some(RecordLocation::Query {
                file_name: f.to_owned(),
                record_domain: d.to_owned(),
            }),
            (_, _, Some(url)) => Some(RecordLocation::DownloadUrl(url.to_owned())),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn query_values_are_checked_and_percent_encoded() {
        assert_eq!(
            record_url_query("1200_366_0_20161228102743.wav", "ostor.huawei.com").unwrap(),
            "?fileName=1200_366_0_20161228102743.wav&recordDomain=ostor.huawei.com"
        );
        assert_eq!(
            record_url_query("a b&c=d/é", "x?y#z%").unwrap(),
            "?fileName=a%20b%26c%3Dd%2F%C3%A9&recordDomain=x%3Fy%23z%25"
        );
        for (f, d, field) in [
            ("", "d", "fileName"),
            (&*"f".repeat(129), "d", "fileName"),
            ("f", "", "recordDomain"),
            ("f", &*"d".repeat(129), "recordDomain"),
            ("f\r\n", "d", "fileName"),
        ] {
            let e = record_url_query(f, d).unwrap_err();
            assert_eq!(e.field(), Some(field), "{e}");
        }
        assert!(record_url_query(&"字".repeat(128), &"d".repeat(128)).is_ok());
    }

    #[test]
    fn the_answer_is_the_location_of_a_redirect() {
        assert_eq!(
            parse_record_url(301, Some("https://obs.example.com/r.wav?sig=1"), b"").unwrap(),
            "https://obs.example.com/r.wav?sig=1"
        );
        for (status, location) in [
            (301, None),
            (301, Some("")),
            (301, Some("ftp://x/y")),
            (301, Some("https://x/\r\nSet-Cookie: a")),
            (200, None),
        ] {
            let e = parse_record_url(status, location, b"RIFF....WAVE").unwrap_err();
            assert_eq!(
                e.kind(),
                ErrorKind::BadResponse,
                "{status} {location:?}: {e}"
            );
        }
        let e = parse_record_url(200, None, br#"{"resultcode":"0"}"#).unwrap_err();
        assert!(e.message().contains("no redirect"), "{e}");
        let e = parse_record_url(
            400,
            None,
            br#"{"resultcode":"1023006","resultdesc":"Authorization not contained in the HTTP header."}"#,
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Platform);
        assert_eq!(e.code_info().unwrap().code(), "1023006");
        let e = parse_record_url(403, None, br#"{"resultcode":"1010007","resultdesc":"x"}"#)
            .unwrap_err();
        assert!(e.code_info().unwrap().listed_for(Api::RecordUrl));
        let e = parse_record_url(404, None, br#"{"resultcode":"9999","resultdesc":"gone"}"#)
            .unwrap_err();
        assert!(e.code_info().is_none() && e.message().contains("not in the catalogue"));
    }

    #[test]
    fn a_bill_record_says_where_its_recording_is() {
        let rec = |f: Option<&str>, d: Option<&str>, u: Option<&str>| BillRecord {
            record_object_name: f.map(Into::into),
            record_domain: d.map(Into::into),
            record_file_download_url: u.map(Into::into),
            ..BillRecord::default()
        };
        let query = RecordLocation::Query {
            file_name: "r.wav".into(),
            record_domain: "d.example.com".into(),
        };
        assert_eq!(
            rec(Some("r.wav"), Some("d.example.com"), Some("https://u/x")).record_url_params(),
            Some(query)
        );
        let url = Some(RecordLocation::DownloadUrl("https://u/x".into()));
        assert_eq!(
            rec(Some("r.wav"), Some(""), Some("https://u/x")).record_url_params(),
            url
        );
        assert_eq!(
            rec(None, Some("d"), Some("https://u/x")).record_url_params(),
            url
        );
        assert_eq!(rec(Some(" "), Some("d"), None).record_url_params(), None);
        assert_eq!(rec(None, None, Some("")).record_url_params(), None);
    }
}
