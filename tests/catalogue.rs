//! Checks the result-code catalogue against the spec it was copied from, so
//! that a typo, a dropped row or a row filed under the wrong API fails here.

use std::collections::HashSet;

use voicecb::codes::{self, Api, Category};

const TABLE_HEADER: &str = "表6 结果码说明 响应码 结果码 英文描述 中文描述 处理方法 ";

/// The text of each result-code table of the spec, in the spec's order
/// (click2Call's first, then callStop's).
fn spec_tables() -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/spec/voice-callback-api.zh.txt"
    );
    let spec = std::fs::read_to_string(path).expect("read the spec");
    let mut tables = Vec::new();
    let mut rest = spec.as_str();
    while let Some(at) = rest.find(TABLE_HEADER) {
        let body = &rest[at + TABLE_HEADER.len()..];
        let end = body.find("\n  •").unwrap_or(body.len());
        tables.push(body[..end].trim().to_owned());
        rest = &body[end..];
    }
    tables
}

/// The table text the spec would show for `api`'s rows of the catalogue.
fn rebuilt(api: Api) -> String {
    let mut parts = Vec::new();
    let mut status = None;
    for row in codes::table(api) {
        if status != Some(row.http_status()) {
            status = Some(row.http_status());
            parts.push(row.http_status().to_string());
        }
        parts.push(format!(
            "{} {} {} {}",
            row.code(),
            row.en(),
            row.zh(),
            row.advice_zh()
        ));
    }
    parts.join(" ")
}

/// Fails with the first differing position and some context on both sides,
/// since the tables are several kilobytes of mostly Chinese text.
fn assert_same_text(api: Api, got: &str, want: &str) {
    if got == want {
        return;
    }
    let at = got
        .char_indices()
        .zip(want.chars())
        .find(|((_, g), w)| g != w)
        .map(|((i, _), _)| i)
        .unwrap_or(got.len().min(want.len()));
    let context = |s: &str| -> String {
        let start = s[..at.min(s.len())]
            .char_indices()
            .rev()
            .nth(40)
            .map_or(0, |(i, _)| i);
        s[start..].chars().take(120).collect()
    };
    panic!(
        "{api:?}: catalogue differs from the spec at byte {at} (catalogue {} bytes, spec {} bytes)\n\
         catalogue: …{}\n\
         spec:      …{}",
        got.len(),
        want.len(),
        context(got),
        context(want),
    );
}

#[test]
fn spec_has_two_result_tables() {
    assert_eq!(spec_tables().len(), 2);
}

#[test]
fn click2call_table_matches_spec() {
    let tables = spec_tables();
    assert_same_text(Api::Click2Call, &rebuilt(Api::Click2Call), &tables[0]);
    assert_eq!(codes::table(Api::Click2Call).count(), 63);
}

#[test]
fn call_stop_table_matches_spec() {
    let tables = spec_tables();
    assert_same_text(Api::CallStop, &rebuilt(Api::CallStop), &tables[1]);
    assert_eq!(codes::table(Api::CallStop).count(), 32);
}

#[test]
fn same_code_under_two_statuses() {
    let digest = codes::lookup(Api::Click2Call, 401, "1010010").expect("401/1010010");
    assert_eq!(digest.en(), "Invalid digest.");
    assert_eq!(digest.category(), Category::Signature);
    assert!(!digest.retryable());

    let flow = codes::lookup(Api::Click2Call, 403, "1010010").expect("403/1010010");
    assert_eq!(
        flow.en(),
        "The flow control upper limit is reached on the platform."
    );
    assert_eq!(flow.category(), Category::Quota);
    assert!(flow.retryable());
}

#[test]
fn unknown_rows_are_absent() {
    assert!(codes::describe(999, "1").is_none());
    assert!(codes::lookup(Api::CallStop, 500, "1020152").is_some());
    assert!(codes::lookup(Api::Click2Call, 500, "1020152").is_none());
    // Under another status the same code is a different row.
    assert!(codes::lookup(Api::CallStop, 403, "1020152").is_none());
}

#[test]
fn describe_prefers_click2call_wording() {
    let row = codes::describe(401, "1010013").expect("401/1010013");
    assert!(row.listed_for(Api::Click2Call));
    assert!(!row.advice_zh().ends_with('。'));
    let stop = codes::describe(500, "1020152").expect("500/1020152");
    assert!(stop.listed_for(Api::CallStop));
}

#[test]
fn status_and_code_are_unique_per_api() {
    for api in [Api::Click2Call, Api::CallStop] {
        let mut seen = HashSet::new();
        for row in codes::table(api) {
            assert!(
                seen.insert((row.http_status(), row.code())),
                "{api:?} lists {}/{} twice",
                row.http_status(),
                row.code()
            );
        }
    }
}

#[test]
fn every_row_is_listed_somewhere() {
    for row in codes::all() {
        assert!(
            Api::ALL.iter().any(|api| row.listed_for(*api)),
            "{}/{} is in no table",
            row.http_status(),
            row.code()
        );
    }
}

#[test]
fn only_transient_limits_and_stop_timeout_are_retryable() {
    let mut retryable = Vec::new();
    for row in codes::all().iter().filter(|r| r.retryable()) {
        let stop_timeout = row.http_status() == 500
            && row.code() == "1023002"
            && row.listed_for(Api::CallStop)
            && !row.listed_for(Api::Click2Call);
        assert!(
            row.category() == Category::Quota || stop_timeout,
            "{}/{} is retryable but neither a quota nor callStop's timeout",
            row.http_status(),
            row.code()
        );
        retryable.push((row.http_status(), row.code()));
    }
    assert_eq!(
        retryable,
        [
            (403, "1010009"),
            (403, "1010010"),
            (403, "1020165"),
            (500, "1020154"),
            (500, "1023002"),
        ]
    );
    // A click2Call timeout may have dialled already.
    let timeout = codes::lookup(Api::Click2Call, 500, "1023002").expect("500/1023002");
    assert!(!timeout.retryable());
    assert!(
        !codes::lookup(Api::Click2Call, 500, "1010001")
            .unwrap()
            .retryable()
    );
}

#[test]
fn success_is_the_only_success() {
    for row in codes::all() {
        assert_eq!(
            row.code() == "0",
            row.category() == Category::Success,
            "{}",
            row.code()
        );
    }
}

#[test]
fn every_row_has_an_english_advice() {
    for row in codes::all() {
        let en = row.advice();
        let what = format!("{}/{}", row.http_status(), row.code());
        assert!(!en.trim().is_empty(), "{what} has no English advice");
        // English: no CJK character, and not the Chinese copied over.
        assert!(
            en.is_ascii(),
            "{what}: the English advice is not plain ASCII: {en}"
        );
        assert_ne!(en, row.advice_zh(), "{what}");
        assert!(en.ends_with('.'), "{what}: {en}");
        // voice-call-more-apis.md gives its codes no advice.
        if row.http_status_documented() {
            assert!(!row.advice_zh().is_ascii(), "{what}: Chinese advice lost");
        }
    }
}

/// The rows of the notification, verification and recording APIs are the
/// codes `spec/voice-call-more-apis.md` gives (section 1.6), each text as
/// it spells it, with the APIs it names, and without an HTTP status.
#[test]
fn scene_codes_match_the_more_apis_spec() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/spec/voice-call-more-apis.md");
    let spec = std::fs::read_to_string(path).expect("read the spec");
    let scene_rows: Vec<_> = codes::all()
        .iter()
        .filter(|r| !r.http_status_documented())
        .collect();
    let listed = |code: &str| {
        let row = scene_rows.iter().find(|r| r.code() == code).expect(code);
        Api::ALL
            .into_iter()
            .filter(|a| row.listed_for(*a))
            .collect::<Vec<_>>()
    };
    let mut codes_seen: Vec<_> = scene_rows.iter().map(|r| r.code()).collect();
    codes_seen.sort();
    assert_eq!(
        codes_seen,
        ["1010007", "1012002", "1012003", "1012004", "1012005"]
    );
    for code in ["1012002", "1012003", "1012004", "1012005"] {
        assert_eq!(listed(code), [Api::CallNotify], "{code}");
    }
    assert_eq!(
        listed("1010007"),
        [Api::CallNotify, Api::CallVerify, Api::RecordUrl]
    );
    for row in &scene_rows {
        let line = spec
            .lines()
            .find(|l| l.contains(&format!("`{}`", row.code())) && l.starts_with('|'))
            .or_else(|| {
                spec.lines()
                    .find(|l| l.contains(&format!("`{}` \"{}", row.code(), row.en())))
            })
            .unwrap_or_else(|| panic!("{} is not in the spec", row.code()));
        assert!(
            line.contains(row.en()),
            "{}: {:?} not in {line}",
            row.code(),
            row.en()
        );
        if !row.zh().is_empty() {
            assert!(
                line.contains(row.zh()),
                "{}: {:?} not in {line}",
                row.code(),
                row.zh()
            );
        }
        assert!(!row.listed_for(Api::Click2Call) && !row.listed_for(Api::CallStop));
    }
    // Matched under any status but 2xx, since the spec gives none.
    for status in [400, 403, 404, 500] {
        let row = codes::lookup(Api::CallNotify, status, "1012003").expect("1012003");
        assert_eq!(row.http_status(), 403);
    }
    assert!(codes::lookup(Api::CallNotify, 200, "1012003").is_none());
    assert!(codes::lookup(Api::CallVerify, 403, "1012003").is_none());
    assert!(codes::lookup(Api::Click2Call, 403, "1010007").is_none());
    // The other codes of the new APIs are described from click2Call's table.
    assert_eq!(
        codes::describe(403, "1010010").unwrap().en(),
        "The flow control upper limit is reached on the platform."
    );
}
