//! Nix's own language suite (`tests/functional/lang` of NixOS/nix, in
//! `../shared/upstream/nix-lang-tests`) through `nixplan eval`, run the way
//! Nix's `lang.sh` runs it: each test's `.flags` on the command line,
//! `NIX_PATH=lang/dir3:lang/dir4`, `HOME=/fake-home`, `TEST_VAR=foo`, from
//! the directory above `lang/`, the working directory written as `/pwd` in
//! what is compared.
//!
//! - `eval-okay-NAME`: exit 0, stdout equal to `.exp` (and for `.exp.xml`,
//!   `--xml --no-location` equal to it);
//! - `eval-fail-NAME`: exit 1 (an evaluation error, not a crash or an
//!   unknown flag);
//! - `parse-fail-NAME`: `--parse` exits 1; `parse-okay-NAME`: exits 0.
//!
//! Every test that does not pass is listed with its reason in
//! `tests/upstream/nix-lang-deviations.txt`; a listed test that passes
//! fails this test too (the line is stale). Thresholds of issue 18 are
//! checked on top. The report of each run is in
//! `target/nix-lang-report.txt`.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Files that are symbolic links in Nix's repository; the snapshot holds
/// each as a plain file whose text is the link's target.
const SYMLINKS: &[&str] = &[
    "readDir/ldir",
    "readDir/linked",
    "symlink-resolution/broken",
    "symlink-resolution/foo/overlays",
];

/// The suite copied under `DIR/lang`, its links links again.
fn suite_copy(snapshot: &Path, dir: &Path) -> PathBuf {
    let lang = dir.join("lang");
    common::copy_dir(snapshot, &lang);
    for link in SYMLINKS {
        let path = lang.join(link);
        let target = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        std::os::unix::fs::symlink(target.trim_end_matches('\n'), &path).unwrap();
    }
    lang
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(dir: &Path, args: &[String]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_nixplan"))
        .current_dir(dir)
        .arg("eval")
        .args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("NO_COLOR", "1")
        .env("NIXPLAN_OFFLINE", "1")
        .env("NIX_PATH", "lang/dir3:lang/dir4")
        .env("HOME", "/fake-home")
        .env("TEST_VAR", "foo")
        .output()
        .unwrap();
    let pwd = dir.display().to_string();
    let fix = |b: &[u8]| String::from_utf8_lossy(b).replace(&pwd, "/pwd");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: fix(&out.stdout),
        stderr: fix(&out.stderr),
    }
}

fn flags(lang: &Path, name: &str) -> Vec<String> {
    std::fs::read_to_string(lang.join(format!("{name}.flags")))
        .map(|t| t.split_whitespace().map(String::from).collect())
        .unwrap_or_default()
}

fn first_line(s: &str) -> String {
    s.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .chars()
        .take(160)
        .collect()
}

/// Why `name` failed, or `None` when it passed.
fn check(dir: &Path, lang: &Path, name: &str) -> Option<String> {
    let file = format!("lang/{name}.nix");
    let mut args = flags(lang, name);
    if name.starts_with("parse-") {
        let r = run(dir, &["--parse".into(), file]);
        let want = if name.starts_with("parse-okay") { 0 } else { 1 };
        return (r.code != want).then(|| {
            format!(
                "--parse exited {} (want {want}): {}",
                r.code,
                first_line(&r.stderr)
            )
        });
    }
    args.push(file.clone());
    let r = run(dir, &args);
    if name.starts_with("eval-fail") {
        return (r.code != 1).then(|| {
            format!(
                "exited {} (want 1): {}",
                r.code,
                first_line(&r.stderr).trim()
            )
        });
    }
    let exp = lang.join(format!("{name}.exp"));
    if exp.is_file() {
        let want = std::fs::read_to_string(&exp).unwrap();
        if r.code != 0 {
            return Some(format!("exited {}: {}", r.code, first_line(&r.stderr)));
        }
        if r.stdout.trim_end() != want.trim_end() {
            return Some(format!(
                "output differs: got {:?}",
                r.stdout.chars().take(160).collect::<String>()
            ));
        }
    }
    let xml = lang.join(format!("{name}.exp.xml"));
    if xml.is_file() {
        let want = std::fs::read_to_string(&xml).unwrap();
        let r = run(dir, &["--xml".into(), "--no-location".into(), file]);
        if r.code != 0 {
            return Some(format!(
                "--xml exited {}: {}",
                r.code,
                first_line(&r.stderr)
            ));
        }
        if r.stdout.trim_end() != want.trim_end() {
            return Some("--xml output differs".into());
        }
    }
    None
}

#[test]
fn nix_language_suite() {
    let Some(upstream) = common::upstream_or_skip("nix_language_suite") else {
        return;
    };
    let snapshot = upstream.join("nix-lang-tests");
    let tmp = tempfile::tempdir().unwrap();
    let lang = suite_copy(&snapshot, tmp.path());
    let mut names: Vec<String> = std::fs::read_dir(&lang)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            let stem = name.strip_suffix(".nix")?.to_string();
            let tested = ["eval-okay-", "eval-fail-", "parse-okay-", "parse-fail-"]
                .iter()
                .any(|p| stem.starts_with(p));
            // `.exp-disabled`: Nix's own runner skips these too.
            let disabled = lang.join(format!("{stem}.exp-disabled")).exists();
            (tested && !disabled).then_some(stem)
        })
        .collect();
    names.sort();

    let mut failures: BTreeMap<String, String> = BTreeMap::new();
    let mut totals: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for name in &names {
        let kind = ["eval-okay", "eval-fail", "parse-okay", "parse-fail"]
            .into_iter()
            .find(|k| name.starts_with(k))
            .unwrap();
        let t = totals.entry(kind).or_default();
        t.1 += 1;
        match check(tmp.path(), &lang, name) {
            None => t.0 += 1,
            Some(why) => {
                failures.insert(name.clone(), why);
            }
        }
    }

    let listed_text =
        std::fs::read_to_string(common::root().join("tests/upstream/nix-lang-deviations.txt"))
            .unwrap();
    let listed: BTreeMap<String, String> = listed_text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (name, why) = l.split_once(' ').unwrap_or((l, ""));
            (name.to_string(), why.trim().to_string())
        })
        .collect();

    let mut report = String::new();
    for (kind, (pass, all)) in &totals {
        report.push_str(&format!("{kind}: {pass} of {all}\n"));
    }
    for (name, why) in &failures {
        report.push_str(&format!("FAIL {name}: {why}\n"));
    }
    let report_path = common::root().join("target/nix-lang-report.txt");
    let _ = std::fs::write(&report_path, &report);
    eprintln!("{report}");

    let mut problems = Vec::new();
    for (name, why) in &failures {
        if !listed.contains_key(name) {
            problems.push(format!("{name} fails and is not listed: {why}"));
        }
    }
    for (name, why) in &listed {
        if why.is_empty() {
            problems.push(format!("{name} is listed without a reason"));
        }
        if !failures.contains_key(name) {
            problems.push(format!("{name} is listed but passes (stale line)"));
        }
    }
    // Issue 18's floor.
    let floor = [
        ("eval-okay", 140),
        ("eval-fail", 280),
        ("parse-fail", 41),
        ("parse-okay", totals.get("parse-okay").map_or(0, |t| t.1)),
    ];
    for (kind, min) in floor {
        let pass = totals.get(kind).map_or(0, |t| t.0);
        if pass < min {
            problems.push(format!("{kind}: {pass} pass, at least {min} must"));
        }
    }
    assert!(
        problems.is_empty(),
        "{}\n(report: {})",
        problems.join("\n"),
        report_path.display()
    );
}
