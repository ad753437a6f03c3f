//! The platform's result-code catalogue: every row of the result-code tables
//! of the click2Call and callStop API documents (`spec/voice-callback-api.zh.txt`).
//!
//! Rows are keyed by (HTTP status, result code): the same code can mean two
//! different things under two statuses (1010010 is "Invalid digest" under 401
//! but "flow control upper limit" under 403). The two API documents word a
//! few rows differently, so a row records which APIs' tables carry it.

use std::ffi::CStr;

/// Which API a result came from; the two tables differ slightly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Api {
    /// `POST /rest/httpsessions/click2Call/v2.0`
    Click2Call,
    /// `POST /rest/httpsessions/callStop/v2.0`
    CallStop,
}

/// What kind of problem a result code reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum Category {
    /// The request succeeded (code "0").
    Success = 0,
    /// The `Authorization` or `X-AKSK` header is missing or malformed (1023xxx under 400).
    AuthHeader = 1,
    /// The digest did not verify or `Created` is outside the platform's window.
    Signature = 2,
    /// The app key, the app or the account is unknown, suspended or not allowed.
    App = 3,
    /// A phone number is invalid, not applied for or not bound to the app.
    Number = 4,
    /// A quota, call limit, port limit or flow control was hit.
    Quota = 5,
    /// A policy refused the call: blacklist, whitelist, risk control, region, time of day.
    Policy = 6,
    /// A request parameter is malformed.
    Parameter = 7,
    /// An internal error of the platform.
    Platform = 8,
}

impl Category {
    /// A short lower-case English name, stable for logs and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Category::Success => "success",
            Category::AuthHeader => "auth_header",
            Category::Signature => "signature",
            Category::App => "app",
            Category::Number => "number",
            Category::Quota => "quota",
            Category::Policy => "policy",
            Category::Parameter => "parameter",
            Category::Platform => "platform",
        }
    }
}

/// One row of the catalogue. Texts are stored NUL-terminated so that the C
/// ABI can hand them out without copying; the accessors strip the NUL.
#[derive(Debug)]
pub struct CodeInfo {
    http_status: u16,
    code: &'static CStr,
    en: &'static CStr,
    zh: &'static CStr,
    advice: &'static CStr,
    category: Category,
    retryable: bool,
    click2call: bool,
    call_stop: bool,
}

impl CodeInfo {
    /// HTTP status the platform answers with for this code.
    pub fn http_status(&self) -> u16 { self.http_status }
    /// The `resultcode` string, e.g. "1010010".
    pub fn code(&self) -> &'static str { as_str(self.code) }
    /// The English description from the spec.
    pub fn en(&self) -> &'static str { as_str(self.en) }
    /// The Chinese description from the spec.
    pub fn zh(&self) -> &'static str { as_str(self.zh) }
    /// The handling advice from the spec (Chinese).
    pub fn advice(&self) -> &'static str { as_str(self.advice) }
    /// What kind of problem this is.
    pub fn category(&self) -> Category { self.category }
    /// True when the platform did not place the call and a later retry of the
    /// same request is safe (it cannot double-dial).
    pub fn retryable(&self) -> bool { self.retryable }
    /// Whether the table of `api` lists this row.
    pub fn listed_for(&self, api: Api) -> bool {
        match api {
            Api::Click2Call => self.click2call,
            Api::CallStop => self.call_stop,
        }
    }
    pub(crate) fn code_cstr(&self) -> &'static CStr { self.code }
    pub(crate) fn en_cstr(&self) -> &'static CStr { self.en }
    pub(crate) fn zh_cstr(&self) -> &'static CStr { self.zh }
    pub(crate) fn advice_cstr(&self) -> &'static CStr { self.advice }
}

fn as_str(s: &'static CStr) -> &'static str {
    // Every text is a literal in this file, so it is valid UTF-8.
    s.to_str().unwrap_or("")
}

/// Looks up a row of `api`'s table.
pub fn lookup(api: Api, http_status: u16, code: &str) -> Option<&'static CodeInfo> {
    CATALOGUE
        .iter()
        .find(|e| e.listed_for(api) && e.http_status == http_status && e.code() == code)
}

/// Looks up a row of either table, preferring click2Call's wording.
pub fn describe(http_status: u16, code: &str) -> Option<&'static CodeInfo> {
    lookup(Api::Click2Call, http_status, code).or_else(|| lookup(Api::CallStop, http_status, code))
}

/// Every row, in the order of the spec's tables (click2Call's first).
pub fn all() -> &'static [CodeInfo] {
    CATALOGUE
}

/// Every row of `api`'s table, in the spec's order.
pub fn table(api: Api) -> impl Iterator<Item = &'static CodeInfo> {
    CATALOGUE.iter().filter(move |e| e.listed_for(api))
}

// TODO(helper): full catalogue.
static CATALOGUE: &[CodeInfo] = &[
    CodeInfo { http_status: 200, code: c"0", en: c"Success.", zh: c"成功。", advice: c"无需处理。", category: Category::Success, retryable: false, click2call: true, call_stop: true },
];
