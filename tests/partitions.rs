//! A flake written as DaRacci/nix-config's is: flake-parts partitions
//! (`nixosConfigurations` from a partition whose inputs are locked in
//! `nixos/flake.lock`, loaded by flake-parts through its vendored
//! flake-compat), a lib extended from nixpkgs' (`nixpkgs.lib.extend`)
//! whose `nixosSystem` builds the host, and inputs that are not to be had
//! here: a plain source whose file is imported for a module, and a flake
//! whose module is imported. nixplan loads the partition's lock as it loads
//! the target's; `--override-source` reaches it (nix's `--override-input`
//! does not), and what is unavailable degrades with a warning.

mod common;

use std::path::{Path, PathBuf};

use common::nixplan_text;
use serde_json::Value;

const FAKE_HASH: &str = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

fn node(owner: &str, repo: &str, rev: &str, extra: &str) -> String {
    format!(
        r#"{{ {extra} "locked": {{ "lastModified": 1700000000, "narHash": "{FAKE_HASH}", "owner": "{owner}", "repo": "{repo}", "rev": "{rev}", "type": "github" }}, "original": {{ "owner": "{owner}", "repo": "{repo}", "type": "github" }} }}"#
    )
}

/// The flake, written under `dir`.
fn write_flake(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir.join("nixos")).unwrap();
    let w = |p: &str, text: &str| std::fs::write(dir.join(p), text).unwrap();
    w(
        "flake.nix",
        r#"{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
    flake-parts.url = "github:hercules-ci/flake-parts";
    flake-parts.inputs.nixpkgs-lib.follows = "nixpkgs";
  };
  outputs = inputs@{ flake-parts, ... }:
    let lib = inputs.nixpkgs.lib.extend (final: prev: { mine.hostName = "birch"; });
    in flake-parts.lib.mkFlake { inherit inputs; specialArgs.lib = lib; } {
      imports = [ flake-parts.flakeModules.partitions ];
      systems = [ "x86_64-linux" ];
      partitionedAttrs.nixosConfigurations = "nixos";
      partitions.nixos = {
        extraInputsFlake = ./nixos;
        module = ./nixos/flake-module.nix;
      };
    };
}
"#,
    );
    w(
        "flake.lock",
        &format!(
            r#"{{ "nodes": {{
  "flake-parts": {},
  "nixpkgs": {},
  "root": {{ "inputs": {{ "flake-parts": "flake-parts", "nixpkgs": "nixpkgs" }} }}
}}, "root": "root", "version": 7 }}
"#,
            node(
                "hercules-ci",
                "flake-parts",
                &"1".repeat(40),
                r#""inputs": { "nixpkgs-lib": [ "nixpkgs" ] },"#
            ),
            node("NixOS", "nixpkgs", &"2".repeat(40), ""),
        ),
    );
    w(
        "nixos/flake.nix",
        r#"{
  inputs = {
    disko.url = "github:nix-community/disko/latest";
    impermanence.url = "github:nix-community/impermanence";
    jovian.url = "github:Jovian-Experiments/Jovian-NixOS";
    private-modules = { url = "github:someone/private-modules"; flake = false; };
  };
  outputs = _: { };
}
"#,
    );
    w(
        "nixos/flake.lock",
        &format!(
            r#"{{ "nodes": {{
  "disko": {},
  "impermanence": {},
  "jovian": {},
  "private-modules": {},
  "root": {{ "inputs": {{ "disko": "disko", "impermanence": "impermanence", "jovian": "jovian", "private-modules": "private-modules" }} }}
}}, "root": "root", "version": 7 }}
"#,
            node("nix-community", "disko", &"3".repeat(40), ""),
            node("nix-community", "impermanence", &"4".repeat(40), ""),
            node("Jovian-Experiments", "Jovian-NixOS", &"5".repeat(40), ""),
            node(
                "someone",
                "private-modules",
                &"6".repeat(40),
                r#""flake": false,"#
            ),
        ),
    );
    w(
        "nixos/flake-module.nix",
        r#"{ inputs, lib, ... }:
{
  flake.nixosConfigurations.${lib.mine.hostName} = lib.nixosSystem {
    inherit lib;
    modules = [
      inputs.disko.nixosModules.disko
      inputs.impermanence.nixosModules.impermanence
      inputs.jovian.nixosModules.default
      (import "${inputs.private-modules}/default.nix" { }).modules.extra
      ./host.nix
    ];
  };
}
"#,
    );
    w(
        "nixos/host.nix",
        r#"{ lib, ... }:
{
  networking.hostName = lib.mine.hostName;
  jovian.steam.enable = true;
  disko.devices.disk.main = {
    device = "/dev/vda";
    type = "disk";
    content = {
      type = "gpt";
      partitions = {
        ESP = { size = "512M"; type = "EF00"; content = { type = "filesystem"; format = "vfat"; mountpoint = "/boot"; }; };
        nix = { size = "20G"; content = { type = "filesystem"; format = "ext4"; mountpoint = "/nix"; }; };
        root = { size = "100%"; content = { type = "filesystem"; format = "ext4"; mountpoint = "/persist"; }; };
      };
    };
  };
  disko.devices.nodev."/" = { fsType = "tmpfs"; mountOptions = [ "size=2G" ]; };
  fileSystems."/persist".neededForBoot = true;
  environment.persistence."/persist".directories = [ "/var/lib/nixos" "/var/log" ];
}
"#,
    );
}

fn sources(upstream: &Path, repos: &[(&str, &str)]) -> Vec<String> {
    repos
        .iter()
        .flat_map(|(repo, snap)| {
            [
                "--override-source".to_string(),
                format!("github:{repo}"),
                upstream.join(snap).display().to_string(),
            ]
        })
        .collect()
}

fn setup(test: &str) -> Option<(PathBuf, PathBuf)> {
    let upstream = common::upstream_or_skip(test)?;
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(test);
    write_flake(&dir);
    Some((upstream, dir))
}

fn run(dir: &Path, extra: &[String]) -> (i32, String, String) {
    let target = format!("{}#birch", dir.display());
    let mut args = vec!["plan".to_string(), target, "--format".into(), "json".into()];
    args.extend(extra.iter().cloned());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    nixplan_text(&args)
}

fn input<'a>(plan: &'a Value, suffix: &str) -> &'a Value {
    plan["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["path"].as_str().unwrap_or("").ends_with(suffix))
        .unwrap_or_else(|| panic!("no input ending in {suffix}: {}", plan["inputs"]))
}

#[test]
fn a_partitions_lock_is_read_and_reached_by_override_source() {
    let test = "a_partitions_lock_is_read_and_reached_by_override_source";
    let Some((upstream, dir)) = setup(test) else {
        return;
    };
    let all = sources(
        &upstream,
        &[
            ("hercules-ci/flake-parts", "flake-parts"),
            ("NixOS/nixpkgs", "nixpkgs-lib"),
            ("nix-community/disko", "disko"),
            ("nix-community/impermanence", "impermanence"),
        ],
    );
    let (code, out, err) = run(&dir, &all);
    assert_eq!(code, 0, "{err}");
    let plan: Value = serde_json::from_str(&out).unwrap();
    let text = out.as_str();
    // The partition's disko and impermanence are the real ones.
    for name in ["#disko", "#impermanence"] {
        let i = input(&plan, name);
        assert_eq!(i["source"], "override", "{i}");
        assert!(i["reference"].as_str().unwrap().starts_with("path:"), "{i}");
    }
    // What is not to be had degrades, with a warning each.
    assert_eq!(input(&plan, "#jovian")["source"], "empty-modules");
    assert_eq!(input(&plan, "#private-modules")["source"], "empty-modules");
    assert!(
        err.contains("#jovian' is unavailable") && err.contains("#private-modules' is unavailable"),
        "{err}"
    );
    // The plan's facts come from the partition's real disko and
    // impermanence, the host's name from the extended lib.
    for fact in [
        "/dev/disk/by-partlabel/disk-main-ESP",
        "/persist/var/lib/nixos",
        "birch",
    ] {
        assert!(text.contains(fact), "{fact} missing from the plan");
    }

    // A plain input (`flake = false`) stays plain whatever replaces it,
    // even a directory with a flake.nix (nix's rule): its file is read.
    let private = dir.join("private-src");
    std::fs::create_dir_all(&private).unwrap();
    std::fs::write(
        private.join("flake.nix"),
        "{ outputs = _: throw \"evaluated as a flake\"; }\n",
    )
    .unwrap();
    std::fs::write(
        private.join("default.nix"),
        "{ }: { modules.extra = { environment.persistence.\"/persist\".directories = [ \"/var/lib/private-extra\" ]; }; }\n",
    )
    .unwrap();
    let mut with_private = all.clone();
    with_private.extend([
        "--override-source".into(),
        "github:someone/private-modules".into(),
        private.display().to_string(),
    ]);
    let (code, out, err) = run(&dir, &with_private);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("/persist/var/lib/private-extra"),
        "the plain input's module was not read"
    );
    let plan: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(input(&plan, "#private-modules")["source"], "override");

    // Without the override the partition's disko is nixplan's stand-in,
    // said as such, and the plan is the same in its disks.
    let fewer: Vec<String> = all
        .chunks(3)
        .filter(|c| !c[1].ends_with("/disko"))
        .flatten()
        .cloned()
        .collect();
    let (code, out, err) = run(&dir, &fewer);
    assert_eq!(code, 0, "{err}");
    let plan: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(input(&plan, "#disko")["source"], "stand-in");
    assert!(out.contains("/dev/disk/by-partlabel/disk-main-ESP"));

    // --strict-inputs refuses what was degraded (here the lib-only
    // nixpkgs is met first; a_file_of_an_unavailable_source_is_refused_with_strict_inputs
    // covers the imported file).
    let mut strict = all.clone();
    strict.push("--strict-inputs".into());
    let (code, _, err) = run(&dir, &strict);
    assert_eq!(code, 1);
    assert!(err.contains("--strict-inputs forbids"), "{err}");
}

/// A file imported from a plain input that cannot be had (`import
/// "${priv}/x.nix" { }` then a module of it): an empty module, with a
/// warning and the plan's input line saying so; `--strict-inputs` refuses
/// it at the line that imports it. Needs nothing of ../shared/upstream.
#[test]
fn a_file_of_an_unavailable_source_is_refused_with_strict_inputs() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("unavailable-plain-source");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("flake.nix"),
        r#"{
  inputs.priv = { url = "github:someone/private"; flake = false; };
  outputs = { priv, ... }: {
    diskoConfigurations.main = {
      imports = [ (import "${priv}/disko-extras.nix" { }).modules.extra ];
      disko.devices.disk.main = {
        device = "/dev/disk/by-id/x"; type = "disk";
        content = { type = "gpt"; partitions.root = { size = "100%"; content = { type = "filesystem"; format = "ext4"; mountpoint = "/"; }; }; };
      };
    };
  };
}
"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("flake.lock"),
        format!(
            r#"{{ "nodes": {{ "priv": {}, "root": {{ "inputs": {{ "priv": "priv" }} }} }}, "root": "root", "version": 7 }}"#,
            node("someone", "private", &"6".repeat(40), r#""flake": false,"#)
        ),
    )
    .unwrap();
    let target = format!("{}#main", dir.display());
    let (code, out, err) = nixplan_text(&["plan", &target, "--phases", "disko"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("the flake input 'priv' is unavailable")
            && err.contains("modules taken from it were empty"),
        "{err}"
    );
    assert!(
        out.contains("Input priv: unavailable, its modules empty"),
        "{out}"
    );
    assert!(
        out.contains("/dev/disk/by-partlabel/disk-main-root"),
        "{out}"
    );
    let (code, _, err) = nixplan_text(&["plan", &target, "--phases", "disko", "--strict-inputs"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("'priv' is unavailable")
            && err.contains("--strict-inputs forbids using empty modules")
            && err.contains("flake.nix:5:"),
        "{err}"
    );
}

#[test]
fn override_source_names_a_repository() {
    let test = "override_source_names_a_repository";
    let Some((upstream, dir)) = setup(test) else {
        return;
    };
    let disko = upstream.join("disko").display().to_string();
    for (repo, why) in [
        ("github:nix-community", "OWNER/REPO"),
        ("nix-community/disko", "is not a repository"),
    ] {
        let (code, _, err) = run(
            &dir,
            &["--override-source".into(), repo.into(), disko.clone()],
        );
        assert_eq!(code, 1, "{repo}");
        assert!(
            err.contains("--override-source") && err.contains(why),
            "{err}"
        );
    }
    let (code, _, err) = run(
        &dir,
        &[
            "--override-source".into(),
            "github:nix-community/disko".into(),
            "/nonexistent/disko".into(),
        ],
    );
    assert_eq!(code, 1);
    assert!(err.contains("does not exist"), "{err}");
}
