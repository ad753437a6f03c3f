//! Every function of the C ABI runs inside the panic guard: its body starts
//! with one of the guards of `ffi::boundary` (or a setter helper of its file
//! that does), so that no panic can unwind into C. Read from the source,
//! since a getter that cannot panic today may tomorrow.

use std::path::Path;

/// Bodies may open with these: the guards themselves, `free_handle` (which
/// guards), and the setter helpers, each checked below to open with a guard.
const GUARDS: [&str; 4] = ["guard(", "guard_value(", "guard_void(", "free_handle("];
const HELPERS: [&str; 9] = [
    "set(",
    "set_item(",
    "send(",
    "send_result(",
    "set_str(",
    "set_millis(",
    "set_text(",
    "set_flag(",
    "read(",
];

/// The first statement of each `fn` whose signature line contains `marker`:
/// (name, first non-empty line of its body, `unsafe {` blocks unwrapped).
fn bodies(source: &str, marker: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find(marker) {
        let after = &rest[at + marker.len()..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let open = after.find(" {\n").expect("a body") + 3;
        let mut first = after[open..]
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("")
            .to_owned();
        while let Some(inner) = first.strip_prefix("unsafe {") {
            first = inner.trim().to_owned();
            if first.is_empty() {
                // `unsafe {` alone on its line: the next line is the call.
                let next = after[open..]
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .nth(1)
                    .unwrap_or("");
                first = next.to_owned();
            }
        }
        let first = first
            .trim_start_matches("super::boundary::")
            .trim_start_matches("boundary::")
            .to_owned();
        found.push((name, first));
        rest = &after[open..];
    }
    found
}

#[test]
fn every_exported_function_runs_inside_the_panic_guard() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ffi");
    let mut exported = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let source = std::fs::read_to_string(&path).unwrap();
        for (name, first) in bodies(&source, "extern \"C\" fn ") {
            exported.push(name.clone());
            // Or it hands over to another exported function, itself checked.
            let delegates = first.starts_with("voicecb_");
            assert!(
                delegates || GUARDS.iter().chain(&HELPERS).any(|g| first.starts_with(g)),
                "{}: {name} starts with `{first}`, not a guard",
                path.display()
            );
        }
        for (name, first) in bodies(&source, "fn ") {
            if HELPERS.contains(&format!("{name}(").as_str()) {
                // `set` guards; the other helpers may go through it.
                let through_set = name != "set" && first.starts_with("set(");
                assert!(
                    through_set || GUARDS.iter().any(|g| first.starts_with(g)),
                    "{}: helper {name} starts with `{first}`",
                    path.display()
                );
            }
        }
    }
    // Every function of the header was looked at: a parse that found few
    // would make this test pass for nothing.
    let header =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("include/voicecb.h"))
            .unwrap();
    // The identifier right before each `(`.
    let mut declared: Vec<&str> = header
        .split('(')
        .filter_map(|piece| {
            let start = piece
                .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
                .map_or(0, |i| i + 1);
            Some(&piece[start..]).filter(|w| w.starts_with("voicecb_"))
        })
        .collect();
    declared.sort_unstable();
    declared.dedup();
    exported.sort_unstable();
    assert_eq!(exported, declared);
}
