//! nixpkgs lib's own module-system test suite, `lib/tests/modules.sh` of
//! the upstream snapshot, run as upstream runs it, with `nix-instantiate`
//! mapped onto `nixplan eval` (tests/upstream/nix-instantiate). Its 407
//! checks compare values and error messages with what upstream expects of
//! nix; each one that fails must be listed, with its reason, in
//! tests/upstream/modules-sh-failures.txt (`LINE reason`), and a listed
//! one that passes must be taken off the list.

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use common::{root, skip::skip_unless};

#[test]
fn nixpkgs_lib_module_tests_pass_as_with_nix() {
    let upstream = match common::upstream() {
        Ok(u) => u,
        Err(why) => {
            skip_unless(
                "nixpkgs_lib_module_tests_pass_as_with_nix",
                Some(why),
                "NIXPLAN_REQUIRE_UPSTREAM",
            );
            return;
        }
    };
    let script = upstream.join("nixpkgs-lib/lib/tests/modules.sh");
    let shim = root().join("tests/upstream");
    let out = Command::new("bash")
        .arg(&script)
        .env_clear()
        .env("PATH", format!("{}:/usr/bin:/bin", shim.display()))
        .env("NIXPLAN", env!("CARGO_BIN_EXE_nixplan"))
        .env("HOME", std::env::temp_dir())
        .output()
        .expect("bash runs");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let count = |what: &str| -> usize {
        text.lines()
            .find_map(|l| l.strip_suffix(what).and_then(|n| n.trim().parse().ok()))
            .unwrap_or_else(|| panic!("modules.sh did not report its {what} count:\n{text}"))
    };
    let (pass, fail) = (count(" Pass"), count(" Fail"));
    let failed: Vec<usize> = text
        .lines()
        .filter_map(|l| l.split_once("TEST FAILED"))
        .filter_map(|(_, rest)| rest.rsplit(':').next()?.trim().parse().ok())
        .collect();
    assert_eq!(failed.len(), fail, "every failure names its line:\n{text}");
    let listed: BTreeMap<usize, String> =
        std::fs::read_to_string(root().join("tests/upstream/modules-sh-failures.txt"))
            .unwrap()
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .map(|l| {
                let (line, why) = l.split_once(' ').unwrap_or((l, ""));
                (line.parse().expect("LINE reason"), why.to_string())
            })
            .collect();
    let unexpected: Vec<&usize> = failed.iter().filter(|l| !listed.contains_key(l)).collect();
    assert!(
        unexpected.is_empty(),
        "modules.sh checks that fail and are not listed: {unexpected:?}\n{text}"
    );
    let fixed: Vec<&usize> = listed.keys().filter(|l| !failed.contains(l)).collect();
    assert!(
        fixed.is_empty(),
        "listed as failing but passing now (take them off the list): {fixed:?}"
    );
    // Debian's nix 2.8 passes 396 of them; nixplan must not do worse.
    assert!(pass >= 396, "{pass} passed, {fail} failed:\n{text}");
    eprintln!("modules.sh: {pass} pass, {fail} fail");
}
