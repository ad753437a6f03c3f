//! The platform's result-code catalogue: every row of the result-code tables
//! of the click2Call and callStop API documents (`spec/voice-callback-api.zh.txt`).
//!
//! Rows are keyed by (HTTP status, result code): the same code can mean two
//! different things under two statuses (1010010 is "Invalid digest" under 401
//! but "flow control upper limit" under 403). The two API documents word a
//! few rows differently, so a row records which APIs' tables carry it.

use std::ffi::CStr;

/// Which API a result came from; the tables differ slightly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Api {
    /// `POST /rest/httpsessions/click2Call/v2.0`
    Click2Call,
    /// `POST /rest/httpsessions/callStop/v2.0`
    CallStop,
    /// `POST /rest/httpsessions/callnotify/v2.0` (voice notification)
    CallNotify,
    /// `POST /rest/httpsessions/callVerify/v1.0` (voice verification code)
    CallVerify,
    /// `GET /rest/provision/voice/record/v1.0` (recording download URL)
    RecordUrl,
}

impl Api {
    /// The API's name as the platform's documents write it: "click2Call",
    /// "callStop".
    pub fn name(self) -> &'static str {
        as_str(self.name_cstr())
    }

    pub(crate) fn name_cstr(self) -> &'static CStr {
        match self {
            Api::Click2Call => c"click2Call",
            Api::CallStop => c"callStop",
            Api::CallNotify => c"callNotify",
            Api::CallVerify => c"callVerify",
            Api::RecordUrl => c"recordUrl",
        }
    }

    /// Every API, in the order of their numbers in the C ABI.
    pub const ALL: [Api; 5] = [
        Api::Click2Call,
        Api::CallStop,
        Api::CallNotify,
        Api::CallVerify,
        Api::RecordUrl,
    ];

    /// The bit of a catalogue row's list of tables.
    const fn bit(self) -> u8 {
        match self {
            Api::Click2Call => 1,
            Api::CallStop => 2,
            Api::CallNotify => 4,
            Api::CallVerify => 8,
            Api::RecordUrl => 16,
        }
    }
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
        as_str(self.name_cstr())
    }

    pub(crate) fn name_cstr(self) -> &'static CStr {
        match self {
            Category::Success => c"success",
            Category::AuthHeader => c"auth_header",
            Category::Signature => c"signature",
            Category::App => c"app",
            Category::Number => c"number",
            Category::Quota => c"quota",
            Category::Policy => c"policy",
            Category::Parameter => c"parameter",
            Category::Platform => c"platform",
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
    advice_zh: &'static CStr,
    category: Category,
    retryable: bool,
    /// The APIs whose tables list the row ([`Api::bit`]).
    apis: u8,
    /// False when the source gives the code but not its HTTP status:
    /// `http_status` is then an inference, and a lookup matches the code
    /// under any status.
    status_documented: bool,
}

impl CodeInfo {
    /// HTTP status the platform answers with for this code (an inference
    /// when [`http_status_documented`](Self::http_status_documented) is false).
    pub fn http_status(&self) -> u16 {
        self.http_status
    }
    /// Whether the spec gives the row's HTTP status. The codes
    /// `voice-call-more-apis.md` adds (1012002-1012005, 1010007) come
    /// without one (its lines 220-223 and 237); the catalogue files them
    /// under 403 like the other 1012xxx and 1010xxx codes of the click2Call
    /// table (line 235-236, an inference) and matches them under any status.
    pub fn http_status_documented(&self) -> bool {
        self.status_documented
    }
    /// The `resultcode` string, e.g. "1010010".
    pub fn code(&self) -> &'static str {
        as_str(self.code)
    }
    /// The English description from the spec.
    pub fn en(&self) -> &'static str {
        as_str(self.en)
    }
    /// The Chinese description from the spec.
    pub fn zh(&self) -> &'static str {
        as_str(self.zh)
    }
    /// The handling advice, in English: the spec's Chinese advice
    /// translated, read with its English description.
    pub fn advice(&self) -> &'static str {
        as_str(self.advice)
    }
    /// The spec's handling advice, in Chinese, to the letter; empty for the
    /// rows whose source gives none (the codes of `voice-call-more-apis.md`,
    /// see [`http_status_documented`](Self::http_status_documented)).
    pub fn advice_zh(&self) -> &'static str {
        as_str(self.advice_zh)
    }
    /// What kind of problem this is.
    pub fn category(&self) -> Category {
        self.category
    }
    /// True when the platform did not place the call and a later retry of the
    /// same request is safe (it cannot double-dial).
    pub fn retryable(&self) -> bool {
        self.retryable
    }
    /// Whether the table of `api` lists this row.
    pub fn listed_for(&self, api: Api) -> bool {
        self.apis & api.bit() != 0
    }
    // The C ABI hands these out without copying; until it calls them they
    // would warn as dead code.
    pub(crate) fn code_cstr(&self) -> &'static CStr {
        self.code
    }
    pub(crate) fn en_cstr(&self) -> &'static CStr {
        self.en
    }
    pub(crate) fn zh_cstr(&self) -> &'static CStr {
        self.zh
    }
    pub(crate) fn advice_cstr(&self) -> &'static CStr {
        self.advice
    }
    pub(crate) fn advice_zh_cstr(&self) -> &'static CStr {
        self.advice_zh
    }
}

pub(crate) fn as_str(s: &'static CStr) -> &'static str {
    // Every text is a literal in this file, so it is valid UTF-8.
    s.to_str().unwrap_or("")
}

/// Looks up a row of `api`'s table. A row whose HTTP status the spec does
/// not give matches its code under any status but 2xx.
pub fn lookup(api: Api, http_status: u16, code: &str) -> Option<&'static CodeInfo> {
    CATALOGUE.iter().find(|e| {
        e.listed_for(api)
            && e.code() == code
            && (e.http_status == http_status
                || (!e.status_documented && !(200..300).contains(&http_status)))
    })
}

/// Looks up a row of any table, preferring click2Call's wording, then
/// callStop's, then the tables of the other APIs ([`Api::ALL`]'s order).
/// This is how a refusal of the voice-notification, verification and
/// recording APIs is described when their own rows lack the code: the spec
/// expects their tables to overlap click2Call's (`voice-call-more-apis.md`
/// lines 230-232, not verified).
pub fn describe(http_status: u16, code: &str) -> Option<&'static CodeInfo> {
    Api::ALL
        .into_iter()
        .find_map(|api| lookup(api, http_status, code))
}

/// Every row. Each API's rows come in its table's order; a row the callStop
/// table words differently follows click2Call's wording of it, and rows only
/// callStop lists sit where its table puts them.
pub fn all() -> &'static [CodeInfo] {
    CATALOGUE
}

/// Every row of `api`'s table, in the spec's order.
pub fn table(api: Api) -> impl Iterator<Item = &'static CodeInfo> {
    CATALOGUE.iter().filter(move |e| e.listed_for(api))
}

// Builds one row; the first argument names the tables that list it
// (`both`, `click2call` or `call_stop`) so that each row stays one line.
macro_rules! row {
    (@listed both) => { Api::Click2Call.bit() | Api::CallStop.bit() };
    (@listed click2call) => { Api::Click2Call.bit() };
    (@listed call_stop) => { Api::CallStop.bit() };
    (@listed call_notify) => { Api::CallNotify.bit() };
    (@listed scenes) => { Api::CallNotify.bit() | Api::CallVerify.bit() | Api::RecordUrl.bit() };
    (@documented yes) => { true };
    (@documented inferred) => { false };
    ($listed:ident, $status:literal, $code:literal, $en:literal, $zh:literal, $advice_zh:literal, $advice:literal, $category:ident, $retryable:literal) => {
        CodeInfo {
            http_status: $status,
            code: $code,
            en: $en,
            zh: $zh,
            advice: $advice,
            advice_zh: $advice_zh,
            category: Category::$category,
            retryable: $retryable,
            apis: row!(@listed $listed),
            status_documented: true,
        }
    };
    // A row of `voice-call-more-apis.md`: `inferred` when it gives no HTTP status.
    ($listed:ident, $documented:ident, $status:literal, $code:literal, $en:literal, $zh:literal, $advice_zh:literal, $advice:literal, $category:ident, $retryable:literal) => {
        CodeInfo {
            status_documented: row!(@documented $documented),
            ..row!($listed, $status, $code, $en, $zh, $advice_zh, $advice, $category, $retryable)
        }
    };
}

// Texts are copied to the letter from `spec/voice-callback-api.zh.txt`, odd
// spacing ("Common error code .") and missing final "。" included, so that
// tests/catalogue.rs can rebuild both tables and compare them with the spec.
// The English advice (the last text of a row) is not in the spec: it
// translates the Chinese advice before it, read with the row's English
// description, so that messages need not quote Chinese.
//
// A row worded identically in both tables is listed once for both; a row the
// two tables word differently appears twice, callStop's wording right after
// click2Call's, so that `table(api)` keeps each table's order.
//
// `retryable` is true only when the answer proves the call was NOT placed
// AND the same request can succeed later, so that a retry can never dial
// twice: the transient quota, flow-control and port limits whose advice is
// "wait a minute", and callStop's response timeout (stopping twice is
// harmless). click2Call's response timeout is not retryable: the call may
// have been placed. Platform errors are not either: nothing says whether the
// call went out.
#[rustfmt::skip]
static CATALOGUE: &[CodeInfo] = &[
    row!(both, 200, c"0", c"Success.", c"成功。", c"无需处理。", c"No action needed.", Success, false),
    row!(both, 400, c"1023006", c"Authorization not contained in the HTTP header.", c"鉴权失败,请检查鉴权请求正确性。", c"请检查消息头中是否携带了Authorization,PasswordDigest字段填写是否正确,携带的app_key填写是否正确,且生成随机数的时间与发送请求时的本地时间不能相差太大。", c"Check that the HTTP header carries Authorization, that PasswordDigest is filled in correctly, that the app_key carried is correct, and that the time the nonce was generated is not far from the local time the request is sent.", AuthHeader, false),
    row!(both, 400, c"1023007", c"realm not contained in Authorization.", c"Authorization字段中未找到realm属性。", c"请检查Authorization字段中的是否携带了realm属性。", c"Check that the Authorization header carries the realm attribute.", AuthHeader, false),
    row!(both, 400, c"1023008", c"profile not contained in Authorization.", c"Authorization字段中未找到profile属性。", c"请检查Authorization字段中的是否携带了profile属性。", c"Check that the Authorization header carries the profile attribute.", AuthHeader, false),
    row!(both, 400, c"1023009", c"The value of realm in Authorization must be SDP.", c"Authorization中realm属性值应该为“SDP”。", c"请检查Authorization字段中的realm属性值是否为“SDP”。", c"Check that the realm attribute of the Authorization header is \"SDP\".", AuthHeader, false),
    row!(both, 400, c"1023010", c"The value of profile in Authorization must be UsernameToken.", c"Authorization中profile属性值应该为“UsernameToken”。", c"请检查Authorization字段中的profile属性值是否为“UsernameToken”。", c"Check that the profile attribute of the Authorization header is \"UsernameToken\".", AuthHeader, false),
    row!(both, 400, c"1023011", c"The value of type in Authorization must be app_key.", c"Authorization中type属性值应该为“Appkey”。", c"请检查Authorization字段中的type属性值是否为“Appkey”。", c"Check that the type attribute of the Authorization header is \"Appkey\".", AuthHeader, false),
    row!(both, 400, c"1023012", c"type not contained in Authorization.", c"Authorization字段中未找到type属性。", c"请检查Authorization字段中是否携带了type属性。", c"Check that the Authorization header carries the type attribute.", AuthHeader, false),
    row!(both, 400, c"1023033", c"HTTP header not found X-AKSK field.", c"HTTP头未找到X-AKSK字段。", c"请检查HTTP消息头中是否携带了X-AKSK字段。", c"Check that the HTTP header carries the X-AKSK field.", AuthHeader, false),
    row!(both, 400, c"1023034", c"UserName not contained in X-AKSK.", c"X-AKSK字段中未找到UserName属性。", c"请检查X-AKSK字段中的是否携带了Username属性。", c"Check that the X-AKSK header carries the Username attribute.", AuthHeader, false),
    row!(both, 400, c"1023035", c"Nonce not contained in X-AKSK.", c"X-AKSK字段中未找到Nonce属性。", c"请检查X-AKSK字段中的是否携带了Nonce属性。", c"Check that the X-AKSK header carries the Nonce attribute.", AuthHeader, false),
    row!(both, 400, c"1023036", c"Created not contained in X-AKSK.", c"X-AKSK字段中未找到Created属性。", c"请检查X-AKSK字段中的是否携带了Created属性。", c"Check that the X-AKSK header carries the Created attribute.", AuthHeader, false),
    row!(both, 400, c"1023037", c"PasswordDigest not contained in X-AKSK.", c"X-AKSK字段中未找到PasswordDigest属性。", c"请检查X-AKSK字段中的是否携带了PasswordDigest属性。", c"Check that the X-AKSK header carries the PasswordDigest attribute.", AuthHeader, false),
    row!(both, 400, c"1023038", c"UsernameToken not contained in X-AKSK.", c"X-AKSK中没有携带UsernameToken。", c"请检查X-AKSK字段中的是否携带了UsernameToken属性。", c"Check that the X-AKSK header carries the UsernameToken attribute.", AuthHeader, false),
    row!(both, 401, c"1010010", c"Invalid digest.", c"PasswordDigest校验失败。", c"请检查PasswordDigest字段填写是否正确。", c"Check that PasswordDigest is filled in correctly.", Signature, false),
    row!(click2call, 401, c"1010013", c"Time out limit.", c"时间超出限制。", c"请确认X-AKSK鉴权时,生成随机数的时间与发送请求时的本地时间不能相差太大(具体差值请与管理员确认)", c"For X-AKSK authentication, make sure the time the nonce was generated (Created) is not far from the local time the request is sent (ask the administrator for the exact tolerance).", Signature, false),
    row!(call_stop, 401, c"1010013", c"Time out limit.", c"时间超出限制。", c"请确认X-AKSK鉴权时,生成随机数的时间与发送请求时的本地时间不能相差太大(具体差值请与管理员确认)。", c"For X-AKSK authentication, make sure the time the nonce was generated (Created) is not far from the local time the request is sent (ask the administrator for the exact tolerance).", Signature, false),
    row!(both, 403, c"1010002", c"Invalid request.", c"非法请求。", c"检查请求携带的参数格式是否都合法。", c"Check that every parameter of the request has a valid format.", Parameter, false),
    row!(both, 403, c"1010003", c"Invalid app_key.", c"无效的app_key。", c"检查请求携带的app_key是否填写正确,app_key从应用管理页面获取,若填写正确,请在应用管理页面检查请求携带的app_key所属应用状态是否正常。", c"Check that the app_key of the request is correct (it is shown on the application management page); if it is, check on the application management page that the app it belongs to is in a normal state.", App, false),
    row!(both, 403, c"1010006", c"Invalid Rest API.", c"无效的Rest API。", c"检查请求方法填写是否正确。", c"Check that the request method (the API called) is correct.", Parameter, false),
    row!(both, 403, c"1010008", c"The status of the app_key is unavailable.", c"app_key被暂停使用。", c"请在应用管理页面检查请求携带的app_key所属应用状态是否正常。", c"On the application management page, check that the app this app_key belongs to is in a normal state.", App, false),
    row!(both, 403, c"1010009", c"No more APIs can be invoked.", c"API达到调用上限。", c"请稍等一分钟后再试,并联系管理员申请更高的应用使用配额。", c"Wait a minute and try again, and ask the administrator for a higher usage quota for the app.", Quota, true),
    row!(both, 403, c"1010010", c"The flow control upper limit is reached on the platform.", c"平台达到系统流控上限。", c"请稍等一分钟后再试。", c"Wait a minute and try again.", Quota, true),
    row!(both, 403, c"1010011", c"The app is not allowed to access a commercial address.", c"APP没有访问商用地址的权限。", c"请在应用管理页面检查请求携带的app_key所属应用状态是否正常。", c"On the application management page, check that the app this app_key belongs to is in a normal state.", App, false),
    row!(click2call, 403, c"1010021", c"Application unavailable.", c"应用不可用。", c"请在应用管理页面检查请求携带的app_key所属应用状态是否正常。", c"On the application management page, check that the app this app_key belongs to is in a normal state.", App, false),
    row!(click2call, 403, c"1010023", c"Invalid display number.", c"号码填写不合法。", c"检查displayNbr和displayCalleeNbr参数的填写是否合法,与号码管理页面的“固话号码”保持一致。若合法,请确认该号码是否已申请并下发。申请号码在号码订购页面申请,号码下发后可在号码管理页面查看。", c"Check that displayNbr and displayCalleeNbr are valid and match a \"fixed-line number\" of the number management page. If they do, make sure the number was applied for and allocated: numbers are applied for on the number ordering page and, once allocated, shown on the number management page.", Number, false),
    row!(click2call, 403, c"1010024", c"Invalid caller number.", c"主叫号码不合法。", c"检查callerNbr参数的填写是否合法。", c"Check that callerNbr is valid.", Number, false),
    row!(click2call, 403, c"1010040", c"The app_key is not allowed to invoke the API.", c"app_key没有调用本API的权限。", c"请联系管理员确认该app_key对应的应用是否具有语音回呼能力。", c"Ask the administrator whether the app of this app_key has the voice callback capability.", App, false),
    row!(click2call, 403, c"1012001", c"Resource of number is not to be applied.", c"资源未申请。", c"app_key和业务号码未绑定。", c"The app_key and the service number are not bound to each other.", Number, false),
    row!(click2call, 403, c"1012006", c"The service number is not applied.", c"业务号码未申请。", c"请确认是否申请业务号码。", c"Make sure a service number was applied for.", Number, false),
    row!(click2call, 403, c"1012012", c"Application does not open recording function.", c"应用未开启录音功能。", c"请在应用管理页面确认请求携带的app_key是否开启了录音功能。", c"On the application management page, check that the app of this app_key has recording enabled.", App, false),
    row!(click2call, 403, c"1013001", c"Calls exceed the SP limit.", c"请求次数超过SP配置上限。", c"请和管理员确认开发者呼叫数量限制。", c"Ask the administrator about the developer's call limit.", Quota, false),
    row!(click2call, 403, c"1013002", c"Calls exceed the APP limit.", c"请求次数超过应用配置上限。", c"请和管理员确认应用呼叫数量限制。", c"Ask the administrator about the app's call limit.", Quota, false),
    row!(click2call, 403, c"1013003", c"Calls exceed the display number limit.", c"SP的主显号码受限。", c"请和管理员确认显示号码呼叫数量限制。", c"Ask the administrator about the display number's call limit.", Quota, false),
    row!(click2call, 403, c"1013004", c"Callee in blacklist.", c"被叫用户是黑名单。", c"被叫号码在运营商黑名单库。", c"The callee number is on the carrier's blacklist.", Policy, false),
    row!(click2call, 403, c"1013010", c"Caller in blacklist.", c"主叫用户是黑名单。", c"主叫号码在运营商黑名单库。", c"The caller number is on the carrier's blacklist.", Policy, false),
    row!(click2call, 403, c"1013011", c"Callee is not on the whitelist.", c"被叫用户不在白名单中。", c"请和管理员确认被叫号码白名单限制。", c"Ask the administrator about the callee whitelist restriction.", Policy, false),
    // Policy: the advice points at the security controls, not at a bug.
    row!(click2call, 403, c"1013100", c"Common error code .", c"未知错误。", c"请和管理员确认安全管控限制。", c"Ask the administrator about the security control restrictions.", Policy, false),
    row!(click2call, 403, c"1013101", c"Abnormal call restricted .", c"呼叫行为异常。", c"请和管理员确认安全管控限制。", c"Ask the administrator about the security control restrictions.", Policy, false),
    row!(click2call, 403, c"1013111", c"International callin is forbidden.", c"国际呼入限制。", c"请检查请求的号码格式是否为国际号码格式。", c"Check that the numbers of the request are in international format.", Policy, false),
    row!(click2call, 403, c"1013112", c"International callout is forbidden.", c"国际呼出限制。", c"请检查请求的号码格式是否为国际号码格式。", c"Check that the numbers of the request are in international format.", Policy, false),
    row!(click2call, 403, c"1013113", c"Abnormal call duration restricted.", c"通话时间异常。", c"请检查请求的号码是否通话时间异常。", c"Check whether the numbers of the request have an abnormal call duration.", Policy, false),
    row!(click2call, 403, c"1013115", c"Abnormal call completion rate restricted.", c"呼叫接通率异常。", c"请检查请求的号码是否呼叫接通率异常。", c"Check whether the numbers of the request have an abnormal call completion rate.", Policy, false),
    row!(click2call, 403, c"1013116", c"Caller call frequency restricted.", c"主叫呼叫频次限制。", c"请检查主叫号码是否有呼叫频次限制。", c"Check whether the caller number has a call frequency limit.", Policy, false),
    row!(click2call, 403, c"1013117", c"Callee call frequency restricted.", c"被叫呼叫频次限制。", c"请检查被叫号码是否有呼叫频次限制。", c"Check whether the callee number has a call frequency limit.", Policy, false),
    row!(click2call, 403, c"1013118", c"Service number call frequency restricted.", c"业务号码呼叫频次限制。", c"请检查业务号码是否有呼叫频次限制。", c"Check whether the service number has a call frequency limit.", Policy, false),
    // Policy although it names a number: a suspension is a platform decision the caller cannot fix by editing the request.
    row!(click2call, 403, c"1013119", c"Service number suspend.", c"业务号码被暂停。", c"请和管理员确认号码状态。", c"Ask the administrator about the number's status.", Policy, false),
    // Policy although it reads like a missing parameter: the IPv4 source address is demanded by the risk controls.
    row!(click2call, 403, c"1013120", c"Ip address is null.", c"IPv4地址未携带。", c"请客户接口携带请求发送方IPv4地址。", c"The client's request must carry the sender's IPv4 address.", Policy, false),
    row!(click2call, 403, c"1013121", c"Call black time forbidden.", c"呼叫时段限制。", c"呼叫时段为休息时段,请工作时段再呼叫。", c"Calls are not allowed in rest hours: call again in working hours.", Policy, false),
    // Policy: suspension after complaints, an enforcement measure rather than an app setting.
    row!(click2call, 403, c"1013122", c"Sub enterprise is suspended.", c"子企业已被暂停。", c"查看是否因投诉被下线,可查看订购号码时填写的邮箱是否有业务下线通知邮件。", c"Check whether the service was taken offline after complaints: look for an offline notice in the mailbox given when the number was ordered.", Policy, false),
    row!(click2call, 403, c"1020165", c"The number of app_key voice call ports exceeds the upper limit.", c"超出语音呼叫端口数限制。", c"请稍等一分钟后再试。建议联系管理员为该应用申请更多的端口配额。", c"Wait a minute and try again. Consider asking the administrator for more port quota for the app.", Quota, true),
    row!(click2call, 403, c"1020166", c"The app client ip is not in ip white list.", c"请求发送方app IP不在白名单列表中。", c"运营商IP地域管控,此地区无法呼通。", c"The carrier restricts calls by IP region: calls from this region cannot get through.", Policy, false),
    row!(call_stop, 403, c"1020166", c"The app client ip is not in ip white list.", c"请求发送方app IP不在白名单列表中。", c"联系管理员检查IP白名单是否配置正确。", c"Ask the administrator to check that the IP whitelist is configured correctly.", Policy, false),
    row!(click2call, 403, c"1020168", c"The call is rejected because the login IP of the peer app is blacklisted .", c"请求发送方app登录IP是黑名单。", c"运营商IP地域管控,此地区无法呼通。", c"The carrier restricts calls by IP region: calls from this region cannot get through.", Policy, false),
    row!(click2call, 403, c"1020171", c"The call is rejected because the login IP of the peer app is blacklisted area.", c"请求发送方app登录IP在受限地域。", c"运营商IP地域管控,此地区无法呼通。", c"The carrier restricts calls by IP region: calls from this region cannot get through.", Policy, false),
    // Policy although it mentions authentication: the source IP is banned. Not retryable: the ban lasts 30 minutes and follows repeated authentication failures, which a blind retry would only add to.
    row!(click2call, 403, c"1020176", c"Authentication failed, try again later", c"鉴权失败,稍后重试。", c"IP因鉴权失败次数过多导致被拉黑,请30分钟后重试,或联系管理员放通该IP。", c"The IP address was blacklisted after too many authentication failures: try again in 30 minutes, or ask the administrator to allow this IP address.", Policy, false),
    row!(call_stop, 403, c"1020176", c"Authentication failed, try again later", c"鉴权失败,稍后重试", c"IP因鉴权失败次数过多导致被拉黑,请30分钟后重试,或联系管理员放通该IP。", c"The IP address was blacklisted after too many authentication failures: try again in 30 minutes, or ask the administrator to allow this IP address.", Policy, false),
    row!(both, 500, c"1010001", c"Internal system error.", c"系统错误。", c"请联系管理员处理。", c"Contact the administrator.", Platform, false),
    row!(both, 500, c"1020001", c"Parameter error.", c"参数错误。", c"检查请求携带的参数格式是否都合法。", c"Check that every parameter of the request has a valid format.", Parameter, false),
    row!(both, 500, c"1020002", c"Internal error.", c"内部错误。", c"请联系管理员处理。", c"Contact the administrator.", Platform, false),
    // App although answered with 500: the advice is the same as for 403/1010003.
    row!(click2call, 500, c"1020150", c"The app_key is invalid.", c"app_key无效。", c"检查请求携带的app_key是否填写正确,app_key从应用管理页面获取,若填写正确,请在应用管理页面检查请求携带的app_key所属应用状态是否正常。", c"Check that the app_key of the request is correct (it is shown on the application management page); if it is, check on the application management page that the app it belongs to is in a normal state.", App, false),
    row!(call_stop, 500, c"1020150", c"The app_key is invalid.", c"appKey无效。", c"检查请求携带的app_key是否填写正确,app_key从应用管理页面获取,若填写正确,请在应用管理页面检查请求携带的app_key所属应用状态是否正常。", c"Check that the app_key of the request is correct (it is shown on the application management page); if it is, check on the application management page that the app it belongs to is in a normal state.", App, false),
    // Parameter: the request names a session the platform does not know.
    row!(call_stop, 500, c"1020152", c"Invalid sessionid.", c"sessionid无效。", c"检查请求携带的sessionid是否填写正确。语音回呼的sessionid是调用“语音回呼场景API”的成功响应消息的sessionid参数值,也可通过呼叫状态和话单通知API获取。", c"Check that the sessionid of the request is correct. A voice callback's sessionid is the sessionid of the successful answer to the voice callback API (click2Call); the call status and bill notifications carry it too.", Parameter, false),
    row!(click2call, 500, c"1020151", c"The bindNum is invalid.", c"业务号码无效。", c"业务号码无效,请联系管理员处理。", c"The service number is invalid: contact the administrator.", Number, false),
    row!(click2call, 500, c"1020154", c"Insufficient voice ports.", c"语音端口不足。", c"请稍等一分钟后再试,并联系管理员申请扩容语音端口。", c"Wait a minute and try again, and ask the administrator for more voice ports.", Quota, true),
    row!(both, 500, c"1023001", c"Internal error.", c"内部错误。", c"请联系管理员处理。", c"Contact the administrator.", Platform, false),
    row!(click2call, 500, c"1023002", c"Response timeout.", c"响应超时。", c"重新发送一次请求。", c"Send the request again.", Platform, false),
    row!(call_stop, 500, c"1023002", c"Response timeout.", c"响应超时。", c"重新发送一次请求,若依然返回响应超时,请联系管理员处理。", c"Send the request again; if it still times out, contact the administrator.", Platform, true),
    row!(click2call, 500, c"1040001", c"south ne error with responseCode: %$ and responseMsg: %$.", c"南部网元错误。", c"请联系管理员处理。", c"Contact the administrator.", Platform, false),
    // The codes `voice-call-more-apis.md` adds (section 1.6), copied as it
    // gives them: no HTTP status (filed under 403, matched under any), no
    // Chinese advice (left empty), 1012004's English text reusing 1012003's
    // and 1012005's cut short by the source. The English advice is ours.
    // 1012002-1012005: voice notification only (lines 220-223).
    row!(call_notify, inferred, 403, c"1012002", c"The template ID is not approved.", c"模板ID审核未通过", c"", c"Use a template that the console shows as approved, or wait for its review.", Parameter, false),
    row!(call_notify, inferred, 403, c"1012003", c"The template ID does not exist.", c"模板ID不存在", c"", c"Check templateId against the app's templates on the console.", Parameter, false),
    row!(call_notify, inferred, 403, c"1012004", c"The template ID does not exist.", c"templateParas的参数个数与模板的变量个数不一致", c"", c"Give templateParas exactly one value per variable of the template.", Parameter, false),
    row!(call_notify, inferred, 403, c"1012005", c"%s of templateParas does…", c"", c"", c"A value of templateParas does not fit its template variable: check its kind (TXT, NUM, DATE YYYY/MM/DD, TIME HH:MM[:SS]) and that it is at most 32 bytes.", Parameter, false),
    // 1010007: the developer guide's error page (line 237), for no API in
    // particular: listed for the three APIs of that document.
    row!(scenes, inferred, 403, c"1010007", c"The ativeState of User is not ACTIVATING.", c"用户状态未激活", c"", c"The account is not activated: finish its activation on the console or ask the administrator.", App, false),
];
