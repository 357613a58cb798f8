//! Real upstream code evaluated by nixplan, checked against upstream's
//! own expectations or nix's output, never against nixplan's own:
//!
//! - nixpkgs lib's module-system test suite, `lib/tests/modules.sh` of the
//!   upstream snapshot, run as upstream runs it, with `nix-instantiate`
//!   mapped onto `nixplan eval` (tests/upstream/nix-instantiate). Its 407
//!   checks compare values and error messages with what upstream expects
//!   of nix; each one that fails must be listed, with its reason, in
//!   tests/upstream/modules-sh-failures.txt (`LINE reason`), and a listed
//!   one that passes must be taken off the list.
//! - tests/upstream/evals/*.nix (flake-parts' mkFlake, Home Manager's lib
//!   with impermanence's home-manager module), each evaluated by nixplan
//!   and by nix-instantiate: the JSON must be the same.

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use common::{root, skip::skip_unless};

#[test]
fn upstream_evaluations_give_what_nix_gives() {
    let test = "upstream_evaluations_give_what_nix_gives";
    let Some(upstream) = common::upstream_or_skip(test) else {
        return;
    };
    let no_nix = Command::new("nix-instantiate")
        .arg("--version")
        .output()
        .is_err()
        .then(|| "no nix-instantiate (tests/run.sh installs Debian's nix-bin)".to_string());
    if skip_unless(test, no_nix, "NIXPLAN_REQUIRE_NIX") {
        return;
    }
    let dir = root().join("tests/upstream/evals");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 2, "the evaluations are there");
    for file in files {
        let expr = format!(
            "import {} {{ upstream = {}; }}",
            file.display(),
            upstream.display()
        );
        let nix = Command::new("nix-instantiate")
            .args(["--eval", "--strict", "--json", "-E", &expr])
            .env("NIX_REMOTE", "")
            .output()
            .unwrap();
        let ours = Command::new(env!("CARGO_BIN_EXE_nixplan"))
            .args(["eval", "--json", "-E", &expr])
            .output()
            .unwrap();
        let name = file.file_name().unwrap().to_string_lossy();
        assert!(
            nix.status.success(),
            "{name}: nix failed: {}",
            String::from_utf8_lossy(&nix.stderr)
        );
        assert!(
            ours.status.success(),
            "{name}: nixplan failed: {}",
            String::from_utf8_lossy(&ours.stderr)
        );
        let parse = |o: &[u8]| -> serde_json::Value {
            serde_json::from_slice(o).unwrap_or_else(|e| panic!("{name}: not JSON: {e}"))
        };
        assert_eq!(parse(&ours.stdout), parse(&nix.stdout), "{name}");
    }
}

/// nixplan's stand-in lib (what a flake whose nixpkgs is unavailable is
/// evaluated with) against the real one: tests/upstream/lib-cases.nix
/// with the real lib by nix, and with the stand-in by nix and by nixplan.
#[test]
fn the_stand_in_lib_gives_what_the_real_lib_gives() {
    let test = "the_stand_in_lib_gives_what_the_real_lib_gives";
    let Some(upstream) = common::upstream_or_skip(test) else {
        return;
    };
    if common::skip_without_nix(test) {
        return;
    }
    let cases = root().join("tests/upstream/lib-cases.nix");
    let standin = root().join("parser/nixos/nix/lib.nix");
    let with = |lib: String| format!("import {} {{ lib = import {lib}; }}", cases.display());
    let run = |program: &str, args: &[&str], expr: String| -> serde_json::Value {
        let out = Command::new(program)
            .args(args)
            .args(["--strict", "--json", "-E", &expr])
            .env("NIX_REMOTE", "")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{program} {expr}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    // Read-write: nix 2.8 adds the filtered sources of lib.sources' cases
    // to its store only then (a few bytes in this machine's /nix/store),
    // and the cases read them back.
    let real = run(
        "nix-instantiate",
        &["--eval", "--read-write-mode"],
        with(upstream.join("nixpkgs-lib/lib").display().to_string()),
    );
    let by_nix = run(
        "nix-instantiate",
        &["--eval", "--read-write-mode"],
        with(standin.display().to_string()),
    );
    let by_us = run(
        env!("CARGO_BIN_EXE_nixplan"),
        &["eval"],
        with("/nixplan/lib.nix".into()),
    );
    let names: Vec<&String> = real.as_object().unwrap().keys().collect();
    assert!(names.len() >= 30, "{names:?}");
    for name in names {
        assert_eq!(by_nix[name], real[name], "{name}: the stand-in, by nix");
        assert_eq!(by_us[name], real[name], "{name}: the stand-in, by nixplan");
    }
}

/// Declarations of one option that clash are refused in nixpkgs' words:
/// the same declaration blamed, the same files before it, with the real
/// lib by nix and with the stand-in by nixplan.
#[test]
fn clashing_declarations_are_refused_as_nixpkgs_refuses_them() {
    let test = "clashing_declarations_are_refused_as_nixpkgs_refuses_them";
    let Some(upstream) = common::upstream_or_skip(test) else {
        return;
    };
    if common::skip_without_nix(test) {
        return;
    }
    // Modules listed one, two, three, four: nixpkgs folds their
    // declarations last first.
    let cases = [
        r#"(m "/one" { type = lib.types.str; }) (m "/two" { type = lib.types.str; default = "a"; }) (m "/three" { description = "d"; }) (m "/four" { type = lib.types.int; default = "b"; })"#,
        r#"(m "/one" { type = lib.types.str; }) (m "/two" { type = lib.types.str; }) (m "/three" { description = "d"; }) (m "/four" { type = lib.types.int; })"#,
        r#"(m "/one" { default = 1; }) (m "/two" { example = 1; }) (m "/three" { example = 2; default = 2; })"#,
        // The type clash comes first in fold order, the key clash after.
        r#"(m "/one" { default = 2; }) (m "/two" { type = lib.types.str; }) (m "/three" { type = lib.types.int; default = 1; })"#,
    ];
    for modules in cases {
        let expr = |lib: &str| {
            format!(
                "let lib = import {lib}; m = f: o: {{ _file = f; options.x = lib.mkOption o; }}; in \
                 (lib.evalModules {{ modules = [ {modules} {{ x = \"s\"; }} ]; }}).config.x"
            )
        };
        let first_line = |program: &str, args: &[&str], expr: String| -> String {
            let out = Command::new(program)
                .args(args)
                .args(["-E", &expr])
                .env("NIX_REMOTE", "")
                .output()
                .unwrap();
            assert!(!out.status.success(), "{program} {expr}: no error");
            let err = String::from_utf8_lossy(&out.stderr).into_owned();
            let line = err.lines().next().unwrap_or("").to_string();
            // nixplan adds where it was thrown.
            line.split(" (at ").next().unwrap().to_string()
        };
        let real = upstream.join("nixpkgs-lib/lib").display().to_string();
        let by_nix = first_line("nix-instantiate", &["--eval"], expr(&real));
        let by_us = first_line(
            env!("CARGO_BIN_EXE_nixplan"),
            &["eval"],
            expr("/nixplan/lib.nix"),
        );
        assert!(by_nix.contains("is already declared in"), "{by_nix}");
        assert_eq!(by_us, by_nix, "{modules}");
    }
}

#[test]
fn nixpkgs_lib_module_tests_pass_as_with_nix() {
    let Some(upstream) = common::upstream_or_skip("nixpkgs_lib_module_tests_pass_as_with_nix")
    else {
        return;
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

/// Every public name of nixpkgs' lib (top level, and in each namespace
/// both have) is in the stand-in lib, or listed with its reason in
/// tests/upstream/lib-missing.txt; a listed name the stand-in now has
/// fails too, so the list stays true.
#[test]
fn every_public_name_of_the_real_lib_is_in_the_stand_in_or_listed() {
    let test = "every_public_name_of_the_real_lib_is_in_the_stand_in_or_listed";
    let Some(upstream) = common::upstream_or_skip(test) else {
        return;
    };
    // By nixplan's evaluator: nix 2.8 stops at the newer builtins the
    // real lib names (readFileType...), which listing names never calls.
    let out = Command::new(env!("CARGO_BIN_EXE_nixplan"))
        .args(["eval", "--strict", "--json", "--arg", "real"])
        .arg(upstream.join("nixpkgs-lib/lib"))
        .args(["--arg", "standin"])
        .arg(root().join("parser/nixos/nix/lib.nix"))
        .arg(root().join("tests/upstream/lib-names.nix"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let missing: Vec<String> = serde_json::from_slice(&out.stdout).unwrap();
    let listed_text =
        std::fs::read_to_string(root().join("tests/upstream/lib-missing.txt")).unwrap();
    let mut listed = std::collections::BTreeSet::new();
    for line in listed_text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let (names, why) = line
            .split_once(" | ")
            .unwrap_or_else(|| panic!("lib-missing.txt: `NAMES | why` expected: {line}"));
        assert!(!why.trim().is_empty(), "lib-missing.txt: no reason: {line}");
        listed.extend(names.split_whitespace().map(str::to_string));
    }
    let unlisted: Vec<&String> = missing.iter().filter(|n| !listed.contains(*n)).collect();
    let stale: Vec<&String> = listed.iter().filter(|n| !missing.contains(n)).collect();
    assert!(
        unlisted.is_empty() && stale.is_empty(),
        "missing from the stand-in lib and not in tests/upstream/lib-missing.txt: {unlisted:?}\nlisted there but present (or not in the real lib): {stale:?}"
    );
}
