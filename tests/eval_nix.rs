//! `config --eval nix`: the installed nix, asked for the same values, gives
//! the same typed configuration as the embedded evaluator (positions
//! aside). nix evaluates nixplan's own modules here (copied into a flake
//! beside each configuration), so this also checks them on real Nix.
//! Configurations that use `pkgs` are left out: on real Nix, nixplan's
//! opaque package set is not available (a real nixpkgs input would be).

mod common;

use std::path::Path;
use std::process::Command;

/// The value without positions (`at`, and list elements' `items`):
/// `--eval nix` reads no positions.
fn strip_positions(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => serde_json::Value::Object(
            m.into_iter()
                .filter(|(k, _)| k != "at" && k != "items")
                .map(|(k, v)| (k, strip_positions(v)))
                .collect(),
        ),
        serde_json::Value::Array(a) => {
            serde_json::Value::Array(a.into_iter().map(strip_positions).collect())
        }
        v => v,
    }
}

#[test]
fn real_nix_gives_the_same_config() {
    if common::skip::skip_unless(
        "real_nix_gives_the_same_config",
        common::nix_missing(),
        "NIXPLAN_REQUIRE_NIX",
    ) {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("eval-nix");
    let _ = std::fs::remove_dir_all(&tmp);
    let cases = [
        ("tests/lint", "clean-impermanent.nix"),
        ("tests/lint", "clean-base.nix"),
        ("tests/fixtures/disko-plain-file", "disko.nix"),
        ("tests/fixtures/mdadm-raid1-boot", "disko.nix"),
        ("tests/fixtures/swap-random-encryption", "configuration.nix"),
        ("tests/fixtures/lvm-thin-and-raid", "configuration.nix"),
    ];
    for (i, (dir, file)) in cases.iter().enumerate() {
        let flake = tmp.join(format!("case{i}"));
        common::copy_dir(&root.join(dir), &flake.join("config"));
        common::copy_dir(&root.join("parser/nixos/nix"), &flake.join("nixplan"));
        std::fs::write(
            flake.join("flake.nix"),
            format!("{{\n  outputs = {{ self }}: {{\n    nixosConfigurations.box = (import ./nixplan/nixplan.nix).nixosSystem {{ modules = [ ./config/{file} ]; }};\n  }};\n}}\n"),
        )
        .unwrap();
        let target = format!("{}#box", flake.display());
        let run = |extra: &[&str]| {
            let out = Command::new(env!("CARGO_BIN_EXE_nixplan"))
                .args(["config", "--json"])
                .args(extra)
                .arg(&target)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{dir}/{file} {extra:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            strip_positions(serde_json::from_slice(&out.stdout).unwrap())
        };
        let embedded = run(&[]);
        let nix = run(&["--eval", "nix"]);
        assert_eq!(embedded, nix, "{dir}/{file}: the evaluators disagree");
    }
}

/// `--eval nix` on every target kind: module files, and a flake's
/// diskoConfigurations and colmena nodes (nixplan's own Nix run by nix on
/// the flake nix loads) give what the embedded evaluator gives.
#[test]
fn real_nix_reads_every_target_kind() {
    if common::skip::skip_unless(
        "real_nix_reads_every_target_kind",
        common::nix_missing(),
        "NIXPLAN_REQUIRE_NIX",
    ) {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("eval-nix-kinds");
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    std::fs::copy(
        root.join("tests/fixtures/disko-plain-file/disko.nix"),
        tmp.join("disko.nix"),
    )
    .unwrap();
    std::fs::write(
        tmp.join("flake.nix"),
        "{\n  outputs = { self }: {\n    diskoConfigurations.plain = import ./disko.nix;\n    colmena = {\n      meta = { };\n      web = { imports = [ ./disko.nix ]; networking.hostName = \"web\"; deployment.targetHost = \"web.example\"; };\n    };\n  };\n}\n",
    )
    .unwrap();
    let targets = [
        root.join("tests/fixtures/disko-plain-file/disko.nix")
            .display()
            .to_string(),
        root.join("tests/fixtures/mdadm-raid1-boot/disko.nix")
            .display()
            .to_string(),
        format!("{}#plain", tmp.display()),
        format!("{}#web", tmp.display()),
    ];
    for target in &targets {
        let run = |extra: &[&str]| {
            let out = Command::new(env!("CARGO_BIN_EXE_nixplan"))
                .args(["config", "--json"])
                .args(extra)
                .arg(target)
                .env("NIXPLAN_OFFLINE", "1")
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{target} {extra:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            strip_positions(serde_json::from_slice(&out.stdout).unwrap())
        };
        let embedded = run(&[]);
        let nix = run(&["--eval", "nix"]);
        assert_eq!(embedded, nix, "{target}: the evaluators disagree");
    }
}
