//! The layout's promises that the compiler does not check: the executor
//! links no evaluator (it runs plans; it never evaluates Nix), and the plan
//! contract links neither side.

use std::process::Command;

/// The packages `package` links (normal dependencies, all depths).
fn linked(package: &str) -> Vec<String> {
    let out = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--offline",
            "--edges",
            "normal",
            "--prefix",
            "none",
            "--format",
            "{p}",
            "-p",
            package,
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

const EVALUATOR: &[&str] = &[
    "nixplan-syntax",
    "nixplan-eval",
    "nixplan-flake",
    "nixplan-nixos",
    "nixplan-planner",
    "rnix",
    "rowan",
];

#[test]
fn the_tree_is_read_right() {
    // The planner evaluates (through the parser): if this did not show,
    // the tests below could not fail.
    let deps = linked("nixplan-planner");
    for evaluator in EVALUATOR.iter().filter(|d| **d != "nixplan-planner") {
        assert!(deps.iter().any(|d| d == evaluator), "{evaluator}: {deps:?}");
    }
}

#[test]
fn the_executor_links_no_evaluator() {
    let deps = linked("nixplan-executor");
    assert!(deps.iter().any(|d| d == "nixplan-plan"), "{deps:?}");
    for bad in EVALUATOR {
        assert!(
            !deps.iter().any(|d| d == bad),
            "the executor links {bad}: {deps:?}"
        );
    }
}

#[test]
fn the_plan_contract_links_neither_side() {
    let deps = linked("nixplan-plan");
    for bad in EVALUATOR.iter().chain(&["nixplan-executor"]) {
        assert!(
            !deps.iter().any(|d| d == bad),
            "the plan contract links {bad}: {deps:?}"
        );
    }
}
