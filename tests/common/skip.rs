//! Every skip of an integration test goes through here. A skip says why in
//! the test's output and is recorded in `target/tmp/skipped-tests.txt` as
//! `SUITE::TEST: WHY`; `tests/run.sh` lists them at the end and fails on
//! any that `tests/skips-allowed.txt` does not allow, with its reason.

use std::path::Path;

/// The test binary's name (`apply_loop` for `apply_loop-0123abcd`).
fn suite() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .map(|s| match s.rsplit_once('-') {
            Some((name, hash)) if hash.chars().all(|c| c.is_ascii_hexdigit()) => name.to_string(),
            _ => s,
        })
        .unwrap_or_else(|| "?".into())
}

/// Say that `test` did not run and why, and record it.
pub fn skipped(test: &str, why: &str) {
    let name = format!("{}::{test}", suite());
    eprintln!("skipped {name}: {why}");
    let list = Path::new(env!("CARGO_TARGET_TMPDIR")).join("skipped-tests.txt");
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(list)
    {
        use std::io::Write;
        let _ = writeln!(f, "{name}: {}", why.replace('\n', " "));
    }
}

/// Skip `test` when `missing` says what it lacks; but when the environment
/// variable `require` is `1` (the test command sets it where it installed
/// what the test needs), fail instead.
pub fn skip_unless(test: &str, missing: Option<String>, require: &str) -> bool {
    let Some(why) = missing else {
        return false;
    };
    if std::env::var(require).as_deref() == Ok("1") {
        panic!("{test}: {why}, and {require}=1");
    }
    skipped(test, &why);
    true
}
