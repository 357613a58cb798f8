//! `nixplan lint` and `nixplan explain`: every registered rule has a file
//! under tests/lint/ that triggers it (and nothing else) and a fixed
//! counterpart under tests/lint/clean/; every correct fixture lints clean,
//! and the human, JSON and SARIF reports are pinned.

mod common;

use std::path::Path;

use common::{fixture_targets, nixplan_text, root};
use nixplan_planner::lint::{Severity, RULES};

fn codes(json: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
    let mut c: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect();
    c.sort();
    c.dedup();
    c
}

/// `nixplan lint FILE --format json`, with the rule's facts when it needs
/// some (`tests/lint/NPXXX.facts.json`).
fn lint_json(file: &str, facts: Option<&str>) -> (i32, String, String) {
    let mut args = vec!["lint", file, "--format", "json", "--deny", "warnings"];
    if let Some(f) = facts {
        args.extend(["--facts", f]);
    }
    nixplan_text(&args)
}

/// The lint target at `base` (`tests/lint/NPXXX`, or under `clean/`) and
/// the file its findings point into: `base.nix`, a module file; or the
/// flake `base/` (rules about flake inputs), its `box` host, in
/// `base/flake.nix`.
fn trigger(base: &str) -> Option<(String, String)> {
    if root().join(format!("{base}.nix")).is_file() {
        return Some((format!("{base}.nix"), format!("{base}.nix")));
    }
    root()
        .join(base)
        .join("flake.nix")
        .is_file()
        .then(|| (format!("{base}#box"), format!("{base}/flake.nix")))
}

/// Every trigger file says, in `# expect NPXXX at LINE:COLUMN` lines at
/// its end, exactly where each of its findings must point (the element of
/// a list, the line of a snippet): the findings are exactly these.
#[test]
fn every_trigger_file_pins_the_line_and_column_of_its_findings() {
    let mut checked = 0;
    for entry in std::fs::read_dir(root().join("tests/lint")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        if !name.starts_with("NP") || name.ends_with(".json") {
            continue;
        }
        let Some((target, file)) = (if name.ends_with(".nix") {
            let f = format!("tests/lint/{name}");
            Some((f.clone(), f))
        } else {
            trigger(&format!("tests/lint/{name}"))
        }) else {
            continue;
        };
        let text = std::fs::read_to_string(root().join(&file)).unwrap();
        let mut want: Vec<String> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# expect "))
            .map(str::to_string)
            .collect();
        assert!(
            !want.is_empty(),
            "{file} has no `# expect CODE at LINE:COL` line"
        );
        let code = &name[..5];
        let facts = format!("tests/lint/{code}.facts.json");
        let facts = root().join(&facts).is_file().then_some(facts.as_str());
        let (_, out, err) = lint_json(&target, facts);
        let v: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{file}: {e}: {err}"));
        let mut got: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                format!(
                    "{} at {}:{}",
                    f["code"].as_str().unwrap(),
                    f["line"],
                    f["column"]
                )
            })
            .collect();
        want.sort();
        got.sort();
        assert_eq!(got, want, "{file}: where its findings point");
        checked += 1;
    }
    assert!(checked >= RULES.len(), "only {checked} trigger files");
}

/// Generated from the registry: every rule has a trigger file that reports
/// it and nothing else, pointing into that file, and a fixed counterpart
/// that lints clean; `explain` knows it. A rule without both files fails.
#[test]
fn every_registered_rule_triggers_on_its_file_and_its_fix_is_clean() {
    assert!(RULES.len() >= 31, "the registry lost rules");
    for rule in RULES {
        let code = rule.code;
        let facts_file = format!("tests/lint/{code}.facts.json");
        let (target, file) = trigger(&format!("tests/lint/{code}"))
            .unwrap_or_else(|| panic!("{code} is registered but tests/lint/{code}.nix is missing"));
        let (clean, _) = trigger(&format!("tests/lint/clean/{code}")).unwrap_or_else(|| {
            panic!("{code} is registered but tests/lint/clean/{code}.nix is missing")
        });
        let facts = root()
            .join(&facts_file)
            .is_file()
            .then_some(facts_file.as_str());
        assert_eq!(
            rule.needs_facts,
            facts.is_some(),
            "{code}: a rule that needs facts has {facts_file}, and only such a rule"
        );
        let (_, out, err) = lint_json(&target, facts);
        assert_eq!(codes(&out), [code.to_string()], "{file}: {err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        for f in v.as_array().unwrap() {
            assert_eq!(
                f["file"],
                file.as_str(),
                "{code} must point at the user's file: {f}"
            );
            assert!(
                f["line"].as_u64().unwrap() > 1 && f["column"].as_u64().unwrap() >= 1,
                "{code}: {f}"
            );
            assert_eq!(f["severity"], rule.severity.as_str(), "{code}: {f}");
        }
        let (exit, out, err) = lint_json(&clean, facts);
        assert_eq!(
            (exit, out.trim()),
            (0, "[]"),
            "{clean} must lint clean: {err}"
        );
        let (code_exit, explanation, _) = nixplan_text(&["explain", code]);
        assert_eq!(code_exit, 0);
        assert!(
            explanation.starts_with(code) && explanation.contains("Fix"),
            "{explanation}"
        );
    }
    // No trigger or clean file is left without its rule.
    for dir in ["tests/lint", "tests/lint/clean"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().to_string();
            if let Some(code) = name.strip_prefix("NP").map(|_| &name[..5]) {
                assert!(
                    RULES.iter().any(|r| r.code == code),
                    "{dir}/{name} belongs to no registered rule"
                );
            }
        }
    }
    // NP213 also covers a mountpoint that climbs out of the root.
    let (_, out, err) = nixplan_text(&["lint", "tests/lint/NP213-escape.nix", "--format", "json"]);
    assert_eq!(codes(&out), ["NP213".to_string()], "{err}");
    assert!(out.contains("'/../etc' is not a clean path"), "{out}");
    // NP102 also covers a filesystem between the root and a persisted path.
    let (_, out, err) = nixplan_text(&["lint", "tests/lint/NP102-parent.nix", "--format", "json"]);
    assert_eq!(codes(&out), ["NP102".to_string()], "{err}");
    assert!(
        out.contains("/persist/srv/data holds the persisted"),
        "{out}"
    );
    // A btrfs subvolume nested in the one mounted (at boot) at /persist shows
    // through it before its own mount: what is persisted there is in place.
    // A separate subvolume mounted at the same place is not.
    let (_, out, err) = nixplan_text(&[
        "lint",
        "tests/lint/NP102-subvolume-separate.nix",
        "--format",
        "json",
    ]);
    assert_eq!(codes(&out), ["NP102".to_string()], "{err}");
    assert!(out.contains("/persist/srv holds the persisted"), "{out}");
    let (exit, out, err) = nixplan_text(&[
        "lint",
        "tests/lint/clean/NP102-nested-subvolume.nix",
        "--format",
        "json",
    ]);
    assert_eq!((exit, codes(&out)), (0, vec![]), "{err}");
    let (exit, _, err) = nixplan_text(&["explain", "NP999"]);
    assert_eq!(exit, 1);
    assert!(err.contains("NP101"), "{err}");
}

#[test]
fn correct_configurations_lint_clean() {
    let mut targets = vec![
        "tests/lint/clean-base.nix".to_string(),
        "tests/lint/clean-impermanent.nix".to_string(),
    ];
    targets.extend(
        fixture_targets()
            .into_iter()
            .filter(|t| !t.dir.starts_with("bad-"))
            .map(|t| t.arg),
    );
    for t in targets {
        let (exit, out, err) =
            nixplan_text(&["lint", &t, "--format", "json", "--deny", "warnings"]);
        // The fixtures' inputs are stand-ins offline, which lint says
        // (NP501, NP502: information); nothing else may be found.
        let v: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{t}: {e}: {err}"));
        let other: Vec<&serde_json::Value> = v
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| !matches!(f["code"].as_str(), Some("NP501" | "NP502")))
            .collect();
        assert_eq!((exit, other.len()), (0, 0), "{t}: {out} {err}");
    }
}

#[test]
fn broken_fixtures_are_caught() {
    for (target, code) in [
        ("tests/fixtures/bad-two-full-partitions/disko.nix", "NP202"),
        ("tests/fixtures/bad-persist-on-tmpfs#willow", "NP101"),
        (
            "tests/fixtures/bad-activation-cycle/configuration.nix",
            "NP302",
        ),
        (
            "tests/fixtures/bad-activation-unknown-dep/configuration.nix",
            "NP301",
        ),
        ("tests/fixtures/bad-missing-root/disko.nix", "NP401"),
        ("tests/fixtures/bad-esp-too-small/disko.nix", "NP208"),
        ("tests/fixtures/bad-lvm-missing-vg/disko.nix", "NP205"),
    ] {
        let (_, out, err) = nixplan_text(&["lint", target, "--format", "json"]);
        assert!(
            codes(&out).contains(&code.to_string()),
            "{target} must trigger {code}: {out} {err}"
        );
    }
}

#[test]
fn exit_codes_follow_severity() {
    assert_eq!(
        nixplan_text(&["lint", "tests/lint/NP101.nix"]).0,
        1,
        "errors fail"
    );
    assert_eq!(
        nixplan_text(&["lint", "tests/lint/NP107.nix"]).0,
        0,
        "warnings pass"
    );
    assert_eq!(
        nixplan_text(&["lint", "tests/lint/NP107.nix", "--deny", "warnings"]).0,
        1,
        "unless denied"
    );
    assert_eq!(nixplan_text(&["lint", "tests/lint/clean-base.nix"]).0, 0);
}

#[test]
fn report_formats() {
    let (_, human_out, human_err) = nixplan_text(&["lint", "tests/lint/several.nix"]);
    let (_, json, _) = nixplan_text(&["lint", "tests/lint/several.nix", "--format", "json"]);
    let (_, sarif, _) = nixplan_text(&["lint", "tests/lint/several.nix", "--format", "sarif"]);
    let s: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(s["version"], "2.1.0");
    let results = s["runs"][0]["results"].as_array().unwrap();
    assert_eq!(
        results.len(),
        serde_json::from_str::<serde_json::Value>(&json)
            .unwrap()
            .as_array()
            .unwrap()
            .len()
    );
    for r in results {
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "tests/lint/several.nix");
        assert!(loc["region"]["startLine"].as_u64().unwrap() > 0);
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            s["runs"][0]["tool"]["driver"]["rules"][idx]["id"],
            r["ruleId"]
        );
    }
    insta::with_settings!({ snapshot_path => root().join("snapshots/lint"), prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("several.human", format!("{human_err}{human_out}"));
        insta::assert_snapshot!("several.json", json);
        insta::assert_snapshot!("several.sarif", sarif);
    });
}

#[test]
fn facts_enable_the_architecture_rule() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let facts = dir.join("facts-x86_64.json");
    std::fs::write(&facts, r#"{"arch":"x86_64"}"#).unwrap();
    let (exit, out, _) = nixplan_text(&[
        "lint",
        "tests/lint/NP402.nix",
        "--format",
        "json",
        "--facts",
        facts.to_str().unwrap(),
    ]);
    assert_eq!((exit, codes(&out)), (1, vec!["NP402".to_string()]));
    let (exit, out, _) = nixplan_text(&[
        "lint",
        "tests/lint/clean-base.nix",
        "--format",
        "json",
        "--facts",
        facts.to_str().unwrap(),
    ]);
    assert_eq!((exit, out.trim()), (0, "[]"));
    let (exit, _, _) = nixplan_text(&["explain", "NP402"]);
    assert_eq!(exit, 0);
}

/// One validation for lint and plan: what lint calls an error is not
/// planned (the findings are shown), and each fixed counterpart plans.
#[test]
fn plan_refuses_what_lint_calls_an_error() {
    for rule in RULES.iter().filter(|r| r.severity == Severity::Error) {
        let code = rule.code;
        let facts_file = format!("tests/lint/{code}.facts.json");
        let facts = root()
            .join(&facts_file)
            .is_file()
            .then_some(facts_file.as_str());
        for (file, plans) in [
            (format!("tests/lint/{code}.nix"), false),
            (format!("tests/lint/clean/{code}.nix"), true),
        ] {
            let mut args = vec!["plan", file.as_str(), "--format", "json"];
            if let Some(f) = facts {
                args.extend(["--facts", f]);
            }
            let (exit, _, err) = nixplan_text(&args);
            if plans {
                assert_eq!(exit, 0, "{file} must plan: {err}");
            } else {
                assert_eq!(exit, 1, "{file} must not plan");
                assert!(
                    err.contains(code) && err.contains("nothing was planned"),
                    "{file}: {err}"
                );
            }
        }
    }
}
