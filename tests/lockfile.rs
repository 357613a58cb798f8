//! A broken `flake.lock` is refused before anything is evaluated, with an
//! error at the lock file's line (the node it is about), never at
//! nixplan's own code; and a target the flake does not have lists the
//! ones it has. Each case is the esp-ext4 fixture with its lock edited.

mod common;

use std::path::Path;

use common::{nixplan_text, root};

/// The esp-ext4 fixture copied to a temporary flake, its lock edited.
fn flake_with_lock(dir: &Path, edit: impl FnOnce(String) -> String) -> String {
    let from = root().join("tests/fixtures/esp-ext4");
    for f in ["flake.nix", "configuration.nix", "disko.nix"] {
        std::fs::copy(from.join(f), dir.join(f)).unwrap();
    }
    let lock = std::fs::read_to_string(from.join("flake.lock")).unwrap();
    std::fs::write(dir.join("flake.lock"), edit(lock)).unwrap();
    format!("{}#alder", dir.display())
}

/// The line of `needle` in the lock file as edited (1-based).
fn line_of(dir: &Path, needle: &str) -> usize {
    let text = std::fs::read_to_string(dir.join("flake.lock")).unwrap();
    text[..text.find(needle).expect("needle in the lock")]
        .matches('\n')
        .count()
        + 1
}

fn refused(edit: impl FnOnce(String) -> String, expected: &str, at: &str) {
    let dir = tempfile::tempdir().unwrap();
    let target = flake_with_lock(dir.path(), edit);
    let (code, _, err) = nixplan_text(&["config", &target]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("invalid flake.lock"), "{err}");
    assert!(err.contains(expected), "expected {expected:?} in: {err}");
    let line = line_of(dir.path(), at);
    assert!(
        err.contains(&format!("flake.lock:{line}:")),
        "the error points at line {line} of flake.lock: {err}"
    );
    assert!(
        !err.contains("/nixplan/"),
        "points into nixplan's code: {err}"
    );
}

#[test]
fn the_fixtures_lock_is_accepted_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let target = flake_with_lock(dir.path(), |l| l);
    let (code, _, err) = nixplan_text(&["config", &target]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_version_nix_does_not_read() {
    refused(
        |l| l.replace("\"version\": 7", "\"version\": 4"),
        "version 4 is not one nix reads (5 to 7)",
        "\"version\"",
    );
}

#[test]
fn a_missing_root_node() {
    refused(
        |l| l.replace("\"root\": \"root\"", "\"root\": \"main\""),
        "the root node `main` is not among the nodes",
        "\"root\": \"main\"",
    );
}

#[test]
fn an_input_naming_a_node_that_does_not_exist() {
    refused(
        |l| l.replace("\"disko\": \"disko\"", "\"disko\": \"disko_2\""),
        "node `root`: input `disko` names the node `disko_2`, which does not exist",
        "\"root\": {",
    );
}

#[test]
fn an_unknown_input_type() {
    refused(
        |l| l.replacen("\"type\": \"github\"", "\"type\": \"gopher\"", 1),
        "node `disko`: locked input type `gopher` is not one nix knows",
        "\"disko\": {",
    );
}

#[test]
fn follows_that_lead_nowhere_or_in_a_cycle() {
    refused(
        |l| {
            l.replacen(
                "\"nixpkgs\"\n        ]",
                "\"nixpkgs\", \"nope\"\n        ]",
                1,
            )
        },
        "node `disko`: input `nixpkgs` follows `nixpkgs/nope`, which does not exist",
        "\"disko\": {",
    );
    // root's nixpkgs follows disko/nixpkgs, which follows nixpkgs: a
    // cycle, found at the first of its nodes.
    refused(
        |l| {
            l.replace(
                "\"nixpkgs\": \"nixpkgs\"\n      }",
                "\"nixpkgs\": [ \"disko\", \"nixpkgs\" ]\n      }",
            )
        },
        "which follows itself (a cycle)",
        "\"disko\": {",
    );
}

#[test]
fn not_json_at_all() {
    refused(
        |l| l.replacen("\"nodes\": {", "\"nodes\": {{", 1),
        "not JSON",
        "\"nodes\": {{",
    );
}

#[test]
fn a_wrong_target_lists_the_targets_there_are() {
    let (code, _, err) = nixplan_text(&["config", "tests/fixtures/colmena-hive#nope"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("it has: colmena node db1, colmena node web1, colmena node web2"),
        "{err}"
    );
    assert!(err.contains("colmena-hive/flake.nix"), "{err}");
    assert!(!err.contains("/nixplan/nixplan.nix"), "{err}");
}
