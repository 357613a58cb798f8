//! Flake inputs found in /nix/store from flake.lock's narHash are loaded
//! for real; and assertions and warnings that modules set are shown.

mod common;

use std::path::Path;
use std::process::Command;

use common::nixplan_text;

#[test]
fn locked_inputs_in_the_store_are_loaded() {
    let missing = Command::new("nix-store")
        .arg("--version")
        .output()
        .is_err()
        .then(|| "nix-store is not installed (tests/run.sh installs Debian's nix-bin)".to_string());
    if common::skip::skip_unless(
        "locked_inputs_in_the_store_are_loaded",
        missing,
        "NIXPLAN_REQUIRE_NIX",
    ) {
        return;
    }
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("store-inputs");
    let _ = std::fs::remove_dir_all(&tmp);
    // The input's source, added to the store as `nix flake` would have.
    let source = tmp.join("source");
    std::fs::create_dir_all(&source).unwrap();
    std::fs::write(
        source.join("flake.nix"),
        "{ outputs = { self }: { nixosModules.hardened = { lib, ... }: { networking.hostName = lib.mkDefault \"from-store\"; system.activationScripts.hardening = \"echo hardened\"; }; }; }\n",
    )
    .unwrap();
    let added = Command::new("nix-store")
        .args(["--add-fixed", "--recursive", "sha256"])
        .arg(&source)
        .output()
        .unwrap();
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let store_path = String::from_utf8(added.stdout).unwrap().trim().to_string();
    let hash = Command::new("nix")
        .args([
            "--extra-experimental-features",
            "nix-command",
            "hash",
            "path",
        ])
        .arg(&source)
        .output()
        .unwrap();
    let nar_hash = String::from_utf8(hash.stdout).unwrap().trim().to_string();
    assert!(nar_hash.starts_with("sha256-"), "{nar_hash}");
    // nixplan computes the same store path from the hash.
    let (_, out, _) = nixplan_text(&[
        "eval",
        "-E",
        &format!("builtins.__nixplanLockedPath \"{nar_hash}\""),
    ]);
    assert_eq!(out.trim(), format!("\"{store_path}\""));

    let flake = tmp.join("host");
    std::fs::create_dir_all(&flake).unwrap();
    std::fs::write(
        flake.join("flake.nix"),
        r#"{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.05";
  inputs.company.url = "github:example/company-modules";
  outputs = { self, nixpkgs, company }: {
    nixosConfigurations.box = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      modules = [ company.nixosModules.hardened { fileSystems."/" = { device = "/dev/disk/by-label/root"; fsType = "ext4"; }; } ];
    };
  };
}
"#,
    )
    .unwrap();
    let lock = serde_json::json!({
        "version": 7,
        "root": "root",
        "nodes": {
            "root": { "inputs": { "nixpkgs": "nixpkgs", "company": "company" } },
            "nixpkgs": { "locked": { "type": "github", "owner": "NixOS", "repo": "nixpkgs", "rev": "0000000000000000000000000000000000000000", "narHash": "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" }, "original": { "type": "github", "owner": "NixOS", "repo": "nixpkgs" } },
            "company": { "locked": { "type": "github", "owner": "example", "repo": "company-modules", "rev": "1111111111111111111111111111111111111111", "narHash": nar_hash }, "original": { "type": "github", "owner": "example", "repo": "company-modules" } }
        }
    });
    std::fs::write(
        flake.join("flake.lock"),
        serde_json::to_string_pretty(&lock).unwrap(),
    )
    .unwrap();
    let target = format!("{}#box", flake.display());
    let (code, out, err) = nixplan_text(&["config", "--json", &target]);
    assert_eq!(code, 0, "{err}");
    let c: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(c["host_name"]["value"], "from-store");
    assert_eq!(
        c["activation_scripts"]["hardening"]["text"],
        "echo hardened"
    );
    // The plan's sources: the flake's own files, none of the store's (a
    // store path never changes; apply may run where it is absent).
    let (code, out, err) = nixplan_text(&["plan", "--format", "json", &target]);
    assert_eq!(code, 0, "{err}");
    let plan: serde_json::Value = serde_json::from_str(&out).unwrap();
    let files: Vec<&str> = plan["source"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["flake.lock", "flake.nix"], "{out}");
    // Remove what this test put in the store, by name.
    let _ = Command::new("nix-store")
        .args(["--delete", &store_path])
        .output();
}

#[test]
fn assertions_and_warnings_are_shown() {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("assertions");
    std::fs::create_dir_all(&tmp).unwrap();
    let file = tmp.join("configuration.nix");
    std::fs::write(
        &file,
        r#"{ config, ... }: {
  fileSystems."/" = { device = "/dev/disk/by-label/root"; fsType = "ext4"; };
  assertions = [
    { assertion = config.networking.hostName != "nixos"; message = "set networking.hostName"; }
    { assertion = true; message = "never shown"; }
  ];
  warnings = [ "this machine has no backups" ];
}
"#,
    )
    .unwrap();
    let (code, out, err) = nixplan_text(&["config", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("failed assertion: set networking.hostName") && !out.contains("never shown"),
        "{out}"
    );
    assert!(
        out.contains("warning: this machine has no backups"),
        "{out}"
    );
    let (_, json, _) = nixplan_text(&["config", "--json", file.to_str().unwrap()]);
    let c: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        c["failed_assertions"],
        serde_json::json!(["set networking.hostName"])
    );
}
