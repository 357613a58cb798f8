//! Every flake fixture planned twice: with nixplan's stand-ins (inputs
//! unavailable), and with the real upstream sources given by
//! `--override-input` (disko, impermanence, sops-nix, nixos-hardware...,
//! nixpkgs as nixpkgs' lib). The typed configurations must agree except
//! where `tests/upstream/stand-in-differences.txt` says why they do not;
//! that list must stay exact (a listed difference that is gone fails too).
//! The real run must also say which inputs were real.

mod common;

use std::collections::BTreeSet;

use common::{nixplan_text, root};
use serde_json::Value;

/// Lock node names → the upstream snapshot that is that input.
const UPSTREAM: &[(&str, &str)] = &[
    ("agenix", "agenix"),
    ("disko", "disko"),
    ("home-manager", "home-manager"),
    ("impermanence", "impermanence"),
    ("nixos-hardware", "nixos-hardware"),
    ("nixpkgs", "nixpkgs-lib"),
    ("sops-nix", "sops-nix"),
];

/// The value without positions (`at`, and list elements' `items`): where a
/// value was written differs between the stand-in and the real module by
/// construction.
fn strip(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| *k != "at" && *k != "items")
                .map(|(k, v)| (k.clone(), strip(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(strip).collect()),
        v => v.clone(),
    }
}

#[test]
fn stand_ins_agree_with_upstream_or_say_why_not() {
    let test = "stand_ins_agree_with_upstream_or_say_why_not";
    let Some(upstream) = common::upstream_or_skip(test) else {
        return;
    };
    let targets = std::fs::read_to_string(root().join("tests/fixtures/targets.txt")).unwrap();
    let mut found = BTreeSet::new();
    let mut compared = 0;
    for line in targets.lines().filter(|l| !l.starts_with('#')) {
        let Some((dir, name)) = line.split_once(' ') else {
            continue;
        };
        let fixture = root().join("tests/fixtures").join(dir);
        if !fixture.join("flake.nix").is_file() {
            continue;
        }
        let target = format!("tests/fixtures/{dir}{name}");
        let label = format!("{dir}{name}");
        let (code, out, err) = nixplan_text(&["config", &target, "--json"]);
        if code != 0 {
            // A fixture that is meant to fail is not compared.
            continue;
        }
        let stand_in: Value = serde_json::from_str(&out).unwrap();
        let lock = std::fs::read_to_string(fixture.join("flake.lock")).unwrap_or_default();
        let lock: Value = serde_json::from_str(&lock).unwrap_or(Value::Null);
        let root_inputs = lock["nodes"][lock["root"].as_str().unwrap_or("root")]["inputs"].clone();
        let mut args = vec!["config".to_string(), target.clone(), "--json".into()];
        let mut overridden = Vec::new();
        for (input, snapshot) in UPSTREAM {
            if root_inputs.get(*input).is_some() {
                args.extend([
                    "--override-input".into(),
                    input.to_string(),
                    upstream.join(snapshot).display().to_string(),
                ]);
                overridden.push(*input);
            }
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, out, err2) = nixplan_text(&args);
        compared += 1;
        if code != 0 {
            found.insert(format!("{label} evaluation"));
            assert!(err2.starts_with("error: "), "{label}: {err2}");
            continue;
        }
        let real: Value = serde_json::from_str(&out).unwrap();
        // The real run says what was real.
        for u in real["inputs"].as_array().unwrap() {
            let path = u["path"].as_str().unwrap();
            if overridden.contains(&path) {
                let used = u["used"].as_str().unwrap();
                let expected = if path == "nixpkgs" {
                    "lib-only"
                } else {
                    "real"
                };
                assert_eq!(used, expected, "{label}: input {path}: {u}");
                assert_eq!(u["origin"], "override", "{label}: {u}");
            }
        }
        for (section, value) in stand_in.as_object().unwrap() {
            if section == "inputs" {
                continue;
            }
            if strip(value) != strip(&real[section]) {
                found.insert(format!("{label} {section}"));
            }
        }
        let _ = err;
    }
    assert!(compared >= 15, "only {compared} fixtures compared");
    assert_exactly_listed(&found, true);
}

/// The differences `tests/upstream/stand-in-differences.txt` lists (each
/// must give its reason), of flakes (`DIR#NAME ...`) or of module files.
fn listed_differences(flakes: bool) -> BTreeSet<String> {
    std::fs::read_to_string(root().join("tests/upstream/stand-in-differences.txt"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (key, why) = l
                .split_once(": ")
                .unwrap_or_else(|| panic!("no reason: {l}"));
            assert!(!why.trim().is_empty(), "no reason: {l}");
            key.to_string()
        })
        .filter(|key| key.split(' ').next().unwrap_or("").contains('#') == flakes)
        .collect()
}

/// `found` is exactly what the list says differs: nothing unexplained,
/// nothing stale.
fn assert_exactly_listed(found: &BTreeSet<String>, flakes: bool) {
    let listed = listed_differences(flakes);
    let unexplained: Vec<_> = found.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(found).collect();
    assert!(
        unexplained.is_empty() && stale.is_empty(),
        "stand-ins and upstream differ where tests/upstream/stand-in-differences.txt does not say why: {unexplained:?}; listed there but no longer different: {stale:?}"
    );
}

/// Module files (not flakes) take the real disko and impermanence too
/// (`--override-input disko|impermanence|nixpkgs`): every module-file
/// fixture is configured with the stand-ins and with the upstream sources,
/// and the typed configurations agree except where
/// `tests/upstream/stand-in-differences.txt` says why.
#[test]
fn module_files_agree_with_upstream_or_say_why_not() {
    let test = "module_files_agree_with_upstream_or_say_why_not";
    let Some(upstream) = common::upstream_or_skip(test) else {
        return;
    };
    let given = common::overrides(
        &upstream,
        &[
            ("disko", "disko"),
            ("impermanence", "impermanence"),
            ("nixpkgs", "nixpkgs-lib"),
        ],
    );
    let targets = std::fs::read_to_string(root().join("tests/fixtures/targets.txt")).unwrap();
    let mut found = BTreeSet::new();
    let mut compared = 0;
    for line in targets.lines().filter(|l| !l.starts_with('#')) {
        let Some((dir, file)) = line.split_once(' ') else {
            continue;
        };
        if file.starts_with('#') {
            continue;
        }
        let target = format!("tests/fixtures/{dir}/{file}");
        let (code, out, _) = nixplan_text(&["config", &target, "--json"]);
        if code != 0 {
            continue;
        }
        let stand_in: Value = serde_json::from_str(&out).unwrap();
        let mut args = vec!["config", target.as_str(), "--json"];
        args.extend(given.iter().map(String::as_str));
        let (code, out, err) = nixplan_text(&args);
        compared += 1;
        let label = format!("{dir}/{file}");
        if code != 0 {
            assert!(err.starts_with("error: "), "{label}: {err}");
            found.insert(format!("{label} evaluation"));
            continue;
        }
        let real: Value = serde_json::from_str(&out).unwrap();
        let used: Vec<(&str, &str)> = real["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| (u["path"].as_str().unwrap(), u["origin"].as_str().unwrap()))
            .collect();
        for input in ["disko", "impermanence", "nixpkgs"] {
            assert!(
                used.contains(&(input, "override")),
                "{label}: {input} is not said to be overridden: {used:?}"
            );
        }
        for (section, value) in stand_in.as_object().unwrap() {
            if section != "inputs" && strip(value) != strip(&real[section]) {
                found.insert(format!("{label} {section}"));
            }
        }
    }
    assert!(compared >= 8, "only {compared} module files compared");
    assert_exactly_listed(&found, false);
}

#[test]
fn a_lib_only_nixpkgs_is_refused_with_strict_inputs() {
    let test = "a_lib_only_nixpkgs_is_refused_with_strict_inputs";
    let Some(upstream) = common::upstream_or_skip(test) else {
        return;
    };
    let lib = upstream.join("nixpkgs-lib").display().to_string();
    let disko = upstream.join("disko").display().to_string();
    let args = [
        "plan",
        "tests/fixtures/luks-lvm#cedar",
        "--override-input",
        "nixpkgs",
        &lib,
        "--override-input",
        "disko",
        &disko,
    ];
    let (code, out, err) = nixplan_text(&args);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Input nixpkgs: nixpkgs' real lib, but NixOS is nixplan's declarations"),
        "{out}"
    );
    assert!(out.contains("Input disko: overridden with path:"), "{out}");
    let mut strict = args.to_vec();
    strict.push("--strict-inputs");
    let (code, _, err) = nixplan_text(&strict);
    assert_eq!(code, 1);
    assert!(
        err.contains("is only nixpkgs' lib") && err.contains("--strict-inputs"),
        "{err}"
    );
}

/// A copy of the upstream disko whose partition labels start with
/// `patched-`: a plan that shows them evaluated that disko's own types.
fn patched_disko(upstream: &std::path::Path, to: &std::path::Path) {
    common::copy_dir(&upstream.join("disko"), to);
    let gpt = to.join("lib/types/gpt.nix");
    let text = std::fs::read_to_string(&gpt).unwrap();
    let from = "label = \"${config._parent.type}-";
    assert!(text.contains(from), "disko's gpt.nix has no label default");
    std::fs::write(
        &gpt,
        text.replace(from, "label = \"patched-${config._parent.type}-"),
    )
    .unwrap();
}

/// The real disko in a NixOS that nixplan's own lib evaluates (the flake's
/// nixpkgs unavailable): disko's own types decide the plan, which says the
/// input was itself, and plans as with nixpkgs' real lib. (It was an error
/// inside disko's lib, a function called with an unexpected argument
/// 'pos'; then, until session 31, nixplan's stand-in in its place.)
#[test]
fn the_real_disko_under_nixplans_own_lib_is_evaluated() {
    let test = "the_real_disko_under_nixplans_own_lib_is_evaluated";
    let Some(upstream) = common::upstream_or_skip(test) else {
        return;
    };
    let canonical = |dir: &str| {
        upstream
            .join(dir)
            .canonicalize()
            .unwrap()
            .display()
            .to_string()
    };
    let (disko, nixpkgs) = (canonical("disko"), canonical("nixpkgs-lib"));
    let target = "tests/fixtures/luks-lvm#cedar";
    let plan = |args: &[&str]| {
        let mut all = vec!["plan", target, "--offline"];
        all.extend(args);
        let (code, out, err) = nixplan_text(&all);
        assert_eq!(code, 0, "{args:?}: {err}");
        let (head, actions) = out.split_once("\nfacts\n").expect("a plan");
        (head.to_string(), actions.to_string(), err)
    };
    let (head, own_lib, err) = plan(&["--override-input", "disko", &disko]);
    assert!(
        head.contains(&format!("Input disko: overridden with path:{disko}")),
        "{head}"
    );
    assert!(!err.contains("'disko'"), "{err}");
    // The lint has nothing to say of the input.
    let (_, _, lint) = nixplan_text(&[
        "lint",
        target,
        "--offline",
        "--override-input",
        "disko",
        &disko,
    ]);
    assert!(!lint.contains("'disko'"), "{lint}");
    // As under nixpkgs' real lib, and as nixplan's stand-in plans this
    // configuration, `from` lines included.
    let (_, real_lib, _) = plan(&[
        "--override-input",
        "disko",
        &disko,
        "--override-input",
        "nixpkgs",
        &nixpkgs,
    ]);
    let (_, stand_in, _) = plan(&[]);
    let first_difference = |a: &str, b: &str| {
        a.lines()
            .zip(b.lines())
            .find(|(x, y)| x != y)
            .map(|(x, y)| format!("{x}\n{y}"))
    };
    assert_eq!(first_difference(&own_lib, &real_lib), None);
    assert_eq!(own_lib.len(), real_lib.len());
    assert_eq!(first_difference(&own_lib, &stand_in), None);
    assert_eq!(own_lib.len(), stand_in.len());
    // disko's own types: a copy that labels partitions otherwise.
    let tmp = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("patched-disko");
    let _ = std::fs::remove_dir_all(&tmp);
    patched_disko(&upstream, &tmp);
    let patched = tmp.display().to_string();
    let (_, actions, _) = plan(&["--override-input", "disko", &patched]);
    assert!(actions.contains("'patched-disk-"), "{actions}");
    let _ = std::fs::remove_dir_all(&tmp);
}

/// Where the plan says each value came from (its `from FILE:LINE` lines)
/// is the same with the real upstream inputs as with the stand-ins, for
/// every fixture target: nixpkgs' real module system keeps no places, so
/// nixplan finds them through the definitions (mkOverride, mkIf, mkMerge,
/// list elements), and must find the ones nixplan's own module system
/// keeps. Lines that point into the upstream sources themselves (real
/// impermanence's own activation snippets) are left out.
#[test]
fn the_real_module_system_places_values_where_the_stand_ins_do() {
    let test = "the_real_module_system_places_values_where_the_stand_ins_do";
    let Some(upstream) = common::upstream_or_skip(test) else {
        return;
    };
    let up = upstream
        .canonicalize()
        .unwrap_or(upstream.clone())
        .display()
        .to_string();
    let froms = |plan: &str| -> Vec<String> {
        plan.lines()
            .map(str::trim)
            .filter(|l| l.starts_with("from ") && !l.contains(&up))
            .map(str::to_string)
            .collect()
    };
    let mut compared = 0;
    for t in common::fixture_targets() {
        let (code, stand_in, _) = nixplan_text(&["plan", &t.arg, "--offline"]);
        if code != 0 {
            // The bad-* fixtures, meant to fail.
            assert!(t.dir.starts_with("bad-"), "{} failed to plan", t.arg);
            continue;
        }
        let mut args = vec!["plan".to_string(), t.arg.clone(), "--offline".into()];
        for (input, snapshot) in [
            ("nixpkgs", "nixpkgs-lib"),
            ("disko", "disko"),
            ("impermanence", "impermanence"),
        ] {
            args.extend([
                "--override-input".into(),
                input.into(),
                upstream.join(snapshot).display().to_string(),
            ]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, real, err) = nixplan_text(&args);
        assert_eq!(code, 0, "{}: {err}", t.arg);
        assert!(
            real.contains("Input disko: overridden"),
            "{}: {real}",
            t.arg
        );
        assert_eq!(froms(&real), froms(&stand_in), "{}", t.arg);
        compared += 1;
    }
    assert!(compared >= 25, "only {compared} targets compared");
}

/// The real disko and impermanence plan alike on nixplan's own lib (the
/// flake's nixpkgs unavailable) and on nixpkgs' real lib, for every
/// fixture target: the same actions, said at the same places. (nixplan's
/// module system once placed what a library made, such as impermanence's
/// coercion of a string entry, in the library's file; and a value at the
/// first of its definitions met, whatever their priorities, where nixpkgs'
/// lib finds the winner: colmena-hive-function's monitor defines its disk's
/// device by `lib.mkDefault` in disko.nix and plainly in flake.nix, and
/// every node also by a `lib.mkIf` that never holds, met first.)
#[test]
fn the_real_inputs_plan_alike_on_nixplans_own_lib() {
    let test = "the_real_inputs_plan_alike_on_nixplans_own_lib";
    let Some(upstream) = common::upstream_or_skip(test) else {
        return;
    };
    let over = |inputs: &[&str]| -> Vec<String> {
        let snapshots: Vec<(&str, &str)> = inputs
            .iter()
            .map(|i| (*i, if *i == "nixpkgs" { "nixpkgs-lib" } else { i }))
            .collect();
        common::overrides(&upstream, &snapshots)
    };
    let mut compared = 0;
    for t in common::fixture_targets() {
        let plan = |inputs: &[&str]| {
            let mut args = vec!["plan".to_string(), t.arg.clone(), "--offline".into()];
            args.extend(over(inputs));
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            nixplan_text(&args)
        };
        let (code, own, err) = plan(&["disko", "impermanence"]);
        let (real_code, real, _) = plan(&["disko", "impermanence", "nixpkgs"]);
        assert_eq!(code, real_code, "{}: {err}", t.arg);
        if code != 0 {
            // The bad-* fixtures, meant to fail.
            assert!(t.dir.starts_with("bad-"), "{} failed to plan: {err}", t.arg);
            continue;
        }
        assert!(own.contains("Input disko: overridden"), "{}: {own}", t.arg);
        // nixpkgs' lib given (a module file's override, a flake's lib-only
        // nixpkgs) to the one, not to the other.
        let real_lib = |plan: &str| {
            plan.contains("Input nixpkgs: nixpkgs' real lib")
                || plan.contains("Input nixpkgs: overridden")
        };
        assert!(real_lib(&real), "{}: {real}", t.arg);
        assert!(!real_lib(&own), "{}: {own}", t.arg);
        let actions = |plan: &str| plan.split_once("\nfacts\n").map(|(_, a)| a.to_string());
        let (own, real) = (actions(&own).unwrap(), actions(&real).unwrap());
        for (a, b) in own.lines().zip(real.lines()) {
            assert_eq!(a, b, "{}: nixplan's lib, then nixpkgs' lib", t.arg);
        }
        assert_eq!(own.lines().count(), real.lines().count(), "{}", t.arg);
        compared += 1;
    }
    assert!(compared >= 25, "only {compared} targets compared");
}

/// A nixpkgs with `nixos/` is evaluated as itself: a small tree shaped like
/// nixpkgs (the real lib as `lib/`, an `eval-config.nix` of this test's
/// own that declares NixOS with nixplan's declarations) given as the
/// nixpkgs input; its `lib.nixosSystem` is the tree's, and the plan says
/// the input was real.
#[test]
fn a_nixpkgs_with_nixos_is_evaluated_as_itself() {
    let test = "a_nixpkgs_with_nixos_is_evaluated_as_itself";
    let Some(upstream) = common::upstream_or_skip(test) else {
        return;
    };
    let tmp = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("nixpkgs-shaped");
    let _ = std::fs::remove_dir_all(&tmp);
    let tree = tmp.join("nixpkgs");
    std::fs::create_dir_all(tree.join("nixos/lib")).unwrap();
    std::os::unix::fs::symlink(upstream.join("nixpkgs-lib/lib"), tree.join("lib")).unwrap();
    std::fs::write(
        tree.join("flake.nix"),
        r#"{
  outputs = { self }: {
    lib = (import ./lib).extend (final: prev: {
      nixosSystem = args: import ./nixos/lib/eval-config.nix ({ lib = final; } // args);
    });
  };
}
"#,
    )
    .unwrap();
    std::fs::write(
        tree.join("nixos/lib/eval-config.nix"),
        r#"{ lib ? import ../../lib, modules ? [ ], specialArgs ? { }, system ? null, ... }:
lib.evalModules {
  specialArgs = { modulesPath = toString ../modules; } // specialArgs;
  modules = [
    /nixplan/nixos.nix
    { _module.args.pkgs = import /nixplan/inputs/nixpkgs { inherit lib; }; }
    { networking.hostName = lib.mkDefault "from-the-tree"; }
  ] ++ lib.optional (system != null) { nixpkgs.system = lib.mkDefault system; } ++ modules;
}
"#,
    )
    .unwrap();
    // `import nixpkgs { ... }`: the tree's package set, whose `path` is
    // the tree (what colmena's meta.nixpkgs reads NixOS from).
    std::fs::write(
        tree.join("default.nix"),
        r#"{ system ? "x86_64-linux", overlays ? [ ], config ? { }, ... }:
{ inherit system overlays config; path = ./.; lib = import ./lib; }
"#,
    )
    .unwrap();
    let flake = tmp.join("host");
    std::fs::create_dir_all(&flake).unwrap();
    std::fs::write(
        flake.join("flake.nix"),
        r#"{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  outputs = { self, nixpkgs }: {
    nixosConfigurations.box = nixpkgs.lib.nixosSystem {
      modules = [ { fileSystems."/" = { device = "/dev/vda1"; fsType = "ext4"; }; } ];
    };
    colmena = {
      meta.nixpkgs = import nixpkgs { system = "aarch64-linux"; };
      hived = { fileSystems."/" = { device = "/dev/vdb1"; fsType = "ext4"; }; };
    };
  };
}
"#,
    )
    .unwrap();
    let target = format!("{}#box", flake.display());
    let (c, err) = config_with_nixpkgs(&flake, "box", tree.to_str().unwrap());
    assert_eq!(c["host_name"]["value"], "from-the-tree");
    let nixpkgs = c["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["path"] == "nixpkgs")
        .unwrap();
    assert_eq!(nixpkgs["used"], "real", "{nixpkgs}");
    assert!(!err.contains("only nixpkgs' lib"), "{err}");
    // A colmena node whose meta.nixpkgs is that tree's package set is
    // evaluated by the tree's own eval-config, with its system.
    let (code, out, err) = nixplan_text(&[
        "config",
        &format!("{}#hived", flake.display()),
        "--json",
        "--override-input",
        "nixpkgs",
        tree.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let c: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(c["host_name"]["value"], "from-the-tree");
    assert_eq!(c["system"]["value"], "aarch64-linux");
    // Without the override it is nixplan's stand-in, and said so.
    let (code, out, err) = nixplan_text(&["config", &target, "--json"]);
    assert_eq!(code, 0, "{err}");
    let c: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(c["host_name"]["value"], "nixos");
    assert!(
        err.contains("the flake input 'nixpkgs' is unavailable"),
        "{err}"
    );
}

/// Against a full nixpkgs checkout, when `NIXPLAN_TEST_NIXPKGS` points at
/// one: the real NixOS (`nixos/lib/eval-config.nix`) evaluates fixtures
/// with the real disko, and the plan says nixpkgs was real. This workplace
/// has no nixpkgs checkout (too large to be had here): the skip says so.
#[test]
fn a_full_nixpkgs_checkout_plans_fixtures_with_the_real_nixos() {
    let test = "a_full_nixpkgs_checkout_plans_fixtures_with_the_real_nixos";
    let nixpkgs = std::env::var("NIXPLAN_TEST_NIXPKGS").ok().filter(|p| {
        std::path::Path::new(p)
            .join("nixos/lib/eval-config.nix")
            .is_file()
    });
    let Some(nixpkgs) = nixpkgs else {
        common::skip::skipped(test, "NIXPLAN_TEST_NIXPKGS does not name a nixpkgs checkout (with nixos/lib/eval-config.nix)");
        return;
    };
    let Some(upstream) = common::upstream_or_skip(test) else {
        return;
    };
    let disko = upstream.join("disko").display().to_string();
    for target in [
        "tests/fixtures/luks-lvm#cedar",
        "tests/fixtures/esp-ext4#alder",
    ] {
        let (code, out, err) = nixplan_text(&[
            "config",
            target,
            "--json",
            "--override-input",
            "nixpkgs",
            &nixpkgs,
            "--override-input",
            "disko",
            &disko,
        ]);
        assert_eq!(code, 0, "{target}: {err}");
        let c: Value = serde_json::from_str(&out).unwrap();
        let n = c["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["path"] == "nixpkgs")
            .unwrap();
        assert_eq!(n["used"], "real", "{target}: {n}");
        assert!(
            !c["file_systems"].as_object().unwrap().is_empty(),
            "{target}"
        );
    }
}

/// The commonest NixOS pattern, with nixpkgs as its lib only: a module
/// declares its own option in a NixOS namespace and defines others under
/// a condition reading it (`options.services.app.enable`; `config = mkIf
/// cfg.enable { services.nginx.enable = true; ... }`). The namespace it
/// extends is a set of options, as in NixOS (a namespace declared whole
/// would decide the condition for all of it: an infinite recursion); what
/// is defined in a namespace no module extends can be read.
#[test]
fn a_module_extending_a_namespace_under_its_own_condition_is_evaluated() {
    let Some(c) = lib_only_config(
        "a_module_extending_a_namespace_under_its_own_condition_is_evaluated",
        r#"{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  outputs = { nixpkgs, ... }: {
    nixosConfigurations.h = nixpkgs.lib.nixosSystem {
      modules = [
        ({ config, lib, ... }: let cfg = config.services.app; in {
          options.services.app.enable = lib.mkEnableOption "app";
          config = lib.mkIf cfg.enable {
            services.nginx.enable = true;
            security.sudo.wheelNeedsPassword = false;
            networking.hostName = if config.services.openssh.enable then "ssh" else "app";
          };
        })
        ({ config, ... }: {
          services.app.enable = true;
          fileSystems."/" = { device = "/dev/sda1"; fsType = "ext4"; };
          # `security` is extended by no module: what is defined there is
          # readable.
          users.users.${if config.security.sudo.wheelNeedsPassword then "strict" else "relaxed"}.isNormalUser = true;
        })
      ];
    };
  };
}
"#,
    ) else {
        return;
    };
    // services.openssh.enable: NixOS's default, declared by nixplan in the
    // namespace left plain.
    assert_eq!(c["host_name"]["value"], "app", "{}", c["host_name"]);
    assert!(c["users"].get("relaxed").is_some(), "{}", c["users"]);
}

/// Each name a configuration defines in a NixOS namespace is its own
/// option, as in NixOS: a condition on `programs.firefox` that reads
/// `programs.hyprland` is decided only when firefox is read (declared
/// whole, `programs` would decide it while computing hyprland: an infinite
/// recursion, as DaRacci's hm-helper met). A namespace nothing declares
/// (an absent input's, here `gone`) is read the same way; a leaf
/// (`time.timeZone`) keeps its value.
#[test]
fn each_name_defined_in_a_namespace_is_decided_on_its_own() {
    let Some(c) = lib_only_config(
        "each_name_defined_in_a_namespace_is_decided_on_its_own",
        r#"{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  outputs = { nixpkgs, ... }: {
    nixosConfigurations.h = nixpkgs.lib.nixosSystem {
      modules = [
        ({ config, lib, ... }: {
          config = lib.mkIf config.programs.hyprland.enable { programs.firefox.enable = true; };
        })
        ({ config, lib, ... }: {
          config = lib.mkIf config.gone.feature.enable { programs.hyprland.enable = true; };
        })
        { gone.feature.enable = true; time.timeZone = "UTC"; services.openssh.ports = [ 2222 ]; }
        ({ config, ... }: {
          networking.hostName = if config.programs.firefox.enable then "firefox" else "none";
          users.users.${config.time.timeZone}.isNormalUser = true;
          # Beside the openssh options nixplan knows, what is defined there.
          users.users."port-${toString (builtins.head config.services.openssh.ports)}-${if config.services.openssh.enable then "on" else "off"}".isNormalUser = true;
          fileSystems."/" = { device = "/dev/sda1"; fsType = "ext4"; };
        })
      ];
    };
  };
}
"#,
    ) else {
        return;
    };
    assert_eq!(c["host_name"]["value"], "firefox", "{}", c["host_name"]);
    assert!(c["users"].get("port-2222-off").is_some(), "{}", c["users"]);
    assert!(c["users"].get("UTC").is_some(), "{}", c["users"]);
}

/// `nixplan config DIR#HOST --json` of a flake whose only input is
/// nixpkgs (locked with a placeholder narHash: it is always overridden),
/// given as `nixpkgs`: the configuration, and what nixplan said.
fn config_with_nixpkgs(dir: &std::path::Path, host: &str, nixpkgs: &str) -> (Value, String) {
    let (code, out, err) = run_with_nixpkgs(dir, host, nixpkgs, &["config", "--json"]);
    assert_eq!(code, 0, "{err}");
    (serde_json::from_str(&out).unwrap(), err)
}

/// `nixplan COMMAND DIR#HOST [ARGS]` (`command_args`: the command, then
/// its flags) of a flake whose only input is nixpkgs, given as `nixpkgs`.
fn run_with_nixpkgs(
    dir: &std::path::Path,
    host: &str,
    nixpkgs: &str,
    command_args: &[&str],
) -> (i32, String, String) {
    std::fs::write(
        dir.join("flake.lock"),
        r#"{ "nodes": { "nixpkgs": { "locked": { "type": "github", "owner": "NixOS", "repo": "nixpkgs", "rev": "0000000000000000000000000000000000000000", "narHash": "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" }, "original": { "type": "github", "owner": "NixOS", "repo": "nixpkgs" } }, "root": { "inputs": { "nixpkgs": "nixpkgs" } } }, "root": "root", "version": 7 }"#,
    )
    .unwrap();
    let target = format!("{}#{host}", dir.display());
    let mut args = vec![command_args[0], &target];
    args.extend(&command_args[1..]);
    args.extend(["--override-input", "nixpkgs", nixpkgs]);
    nixplan_text(&args)
}

/// `nixosSystem { pkgs; lib; }` with nixpkgs as its lib only, as nixpkgs'
/// eval-config.nix takes them: the given package set is the modules'
/// `pkgs`, and the given lib (the flake's own extension of nixpkgs' lib)
/// evaluates the modules, which see it as `lib`.
#[test]
fn nixos_system_takes_the_given_pkgs_and_lib() {
    let Some(c) = lib_only_config(
        "nixos_system_takes_the_given_pkgs_and_lib",
        r#"{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  outputs = { nixpkgs, ... }:
    let lib = nixpkgs.lib.extend (final: prev: { mine.user = "from-the-lib"; });
    in {
      nixosConfigurations.h = lib.nixosSystem {
        inherit lib;
        pkgs = nixpkgs.legacyPackages.x86_64-linux // { mine = "from-the-pkgs"; };
        modules = [
          ({ pkgs, lib, ... }: {
            networking.hostName = pkgs.mine;
            users.users.${lib.mine.user}.isNormalUser = true;
            fileSystems."/" = { device = "/dev/sda1"; fsType = "ext4"; };
          })
        ];
      };
    };
}
"#,
    ) else {
        return;
    };
    assert_eq!(
        c["host_name"]["value"], "from-the-pkgs",
        "{}",
        c["host_name"]
    );
    assert!(c["users"].get("from-the-lib").is_some(), "{}", c["users"]);
}

/// What the real module system merged is said where the user wrote it:
/// nixpkgs' lib keeps no places in `config` (nix's neither), so nixplan
/// finds them through each option's definitions — a name in a `mkIf` whose
/// condition is false is not where it was defined, a `mkMerge` is looked
/// into, a default has no place. A type error found inside upstream code
/// (disko's types read a disk's device first) is shown at the definition
/// it is about.
#[test]
fn what_the_real_module_system_merged_is_placed_where_the_user_wrote_it() {
    let test = "what_the_real_module_system_merged_is_placed_where_the_user_wrote_it";
    let at = |v: &Value| v["at"].as_str().unwrap_or_default().to_string();
    let flake = r#"{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  outputs = { nixpkgs, ... }: {
    nixosConfigurations.h = nixpkgs.lib.nixosSystem {
      modules = [
        ({ lib, ... }: {
          fileSystems = lib.mkMerge [
            (lib.mkIf false { "/data" = { device = "/dev/wrong"; }; })
            { "/" = { device = "/dev/sda1"; fsType = "ext4"; }; }
          ];
        })
        { fileSystems."/data" = { device = "/dev/sda2"; fsType = "xfs"; neededForBoot = true; }; }
        DISKO
      ];
    };
  };
}
"#;
    // A definition that wins by its priority, though written later; an
    // option itself (a leaf): the first line of its definition's file.
    let Some((code, out, err)) = lib_only_run_with(
        test,
        &flake.replace(
            "DISKO",
            r#"({ lib, ... }: { fileSystems."/data".fsType = lib.mkForce "ext4"; }) ./users.nix"#,
        ),
        &[("users.nix", "{\n  users.mutableUsers = false;\n}\n")],
        &["config", "--json"],
    ) else {
        return;
    };
    assert_eq!(code, 0, "{err}");
    let c: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(c["mutable_users"]["value"], false);
    assert!(
        at(&c["mutable_users"]).ends_with("/users.nix:1:1"),
        "{}",
        c["mutable_users"]
    );
    let fs = &c["file_systems"];
    assert_eq!(fs["/data"]["fs_type"]["value"], "ext4", "{fs}");
    assert!(
        at(&fs["/data"]["fs_type"]).ends_with("/flake.nix:13:26"),
        "{fs}"
    );
    assert!(at(&fs["/"]["device"]).ends_with("/flake.nix:9:23"), "{fs}");
    assert!(
        at(&fs["/data"]["device"]).ends_with("/flake.nix:12:35"),
        "{fs}"
    );
    assert!(
        at(&fs["/data"]["needed_for_boot"]).ends_with("/flake.nix:12:73"),
        "{fs}"
    );
    // A default: no place of the user's.
    assert_eq!(fs["/"]["needed_for_boot"]["at"], Value::Null, "{fs}");

    let disko = common::upstream().unwrap().join("disko").join("module.nix");
    let with_disko = flake.replace(
        "DISKO",
        &format!(
            r#"{{ imports = [ {} ]; disko.devices.disk.main = {{ device = "sda"; content.type = "gpt"; }}; }}"#,
            disko.display()
        ),
    );
    // Where `device` is on line 13 (after disko's path, which is where
    // the upstream snapshots are on this machine).
    let column = with_disko
        .lines()
        .nth(12)
        .unwrap()
        .find("device = \"sda\"")
        .unwrap()
        + 1;
    let (code, _, err) = lib_only_run(test, &with_disko, &["config", "--json"]).unwrap();
    assert_ne!(code, 0);
    assert!(err.contains("is not of type `An absolute path'"), "{err}");
    assert!(
        err.contains(&format!("flake.nix:13:{column}: defined here"))
            && err.contains("while checking disko.devices.disk (defined at "),
        "{err}"
    );

    // Names inside one option's definitions (disko.devices is a single
    // option): placed at the definition that wins them, level by level as
    // nixpkgs decides (a level's outermost mkOverride counts, its content
    // unread, and a losing definition is dropped whole). Each case in both
    // orders of the two modules.
    let b = r#"{ disko.devices.disk.main = { device = "/dev/vda"; imageSize = "4G"; content.type = "gpt"; }; }"#;
    let config = |first: &str, swapped: bool| {
        let a = format!(
            r#"({{ lib, ... }}: {{ imports = [ {} ]; disko.devices.disk.main = {first}; }})"#,
            disko.display()
        );
        let modules = if swapped {
            format!("{b} {a}")
        } else {
            format!("{a} {b}")
        };
        let module = flake.replace("DISKO", &modules);
        let line = module.lines().nth(12).unwrap().to_string();
        let c = lib_only_config(test, &module).unwrap();
        let main = c["disko"]["disks"]["main"].clone();
        // Where `written` is on line 13.
        let place =
            move |written: &str| format!("/flake.nix:13:{}", line.find(written).unwrap() + 1);
        (main, place)
    };
    for swapped in [false, true] {
        // A mkDefault device loses to a plain one in the other module.
        let (main, place) = config(
            r#"{ device = lib.mkDefault "/dev/sda"; content.type = "gpt"; }"#,
            swapped,
        );
        assert_eq!(main["device"]["value"], "/dev/vda", "{main}");
        assert!(
            at(&main["device"]).ends_with(&place("device = \"/dev/vda\"")),
            "{main}"
        );
        assert!(
            at(&main["image_size"]).ends_with(&place("imageSize")),
            "{main}"
        );
        // Under a mkForce set the same mkDefault device wins: the plain
        // set is dropped whole, its imageSize too (the default, unplaced).
        let (main, place) = config(
            r#"lib.mkForce { device = lib.mkDefault "/dev/sda"; content.type = "gpt"; }"#,
            swapped,
        );
        assert_eq!(main["device"]["value"], "/dev/sda", "{main}");
        assert!(
            at(&main["device"]).ends_with(&place("device = lib.mkDefault")),
            "{main}"
        );
        assert_ne!(main["image_size"]["value"], "4G", "{main}");
        assert_eq!(main["image_size"]["at"], Value::Null, "{main}");
        // A losing definition's content is never read, as in nixpkgs.
        let (main, place) = config(
            r#"lib.mkDefault (lib.mkIf (throw "unread") { device = "/dev/sda"; })"#,
            swapped,
        );
        assert_eq!(main["device"]["value"], "/dev/vda", "{main}");
        assert!(
            at(&main["device"]).ends_with(&place("device = \"/dev/vda\"")),
            "{main}"
        );
    }
}

/// List elements under the real module system are placed by the element
/// each was merged from, as listOf merges them: an element's own mkForce
/// part wins over its plain part (whose `bootable` is dropped: the
/// default, unplaced), and an mkAfter list's elements come after the
/// others' (disko's legacy msdos table: a list of partitions). Each
/// in both orders of the two modules.
#[test]
fn list_elements_are_placed_by_the_definition_element_they_came_from() {
    let test = "list_elements_are_placed_by_the_definition_element_they_came_from";
    let at = |v: &Value| v["at"].as_str().unwrap_or_default().to_string();
    let Some(upstream) = common::upstream_or_skip(test) else {
        return;
    };
    let disko = upstream.join("disko").join("module.nix");
    let a = format!(
        r#"({{ lib, ... }}: {{ imports = [ {} ]; disko.devices.disk.main = {{ device = "/dev/sda"; content = {{ type = "table"; format = "msdos"; partitions = lib.mkAfter [ (lib.mkMerge [ {{ name = "old"; bootable = true; start = "1MiB"; end = "50%"; }} (lib.mkForce {{ name = "late"; start = "50%"; end = "100%"; }}) ]) ]; }}; }}; }})"#,
        disko.display()
    );
    let b = r#"{ disko.devices.disk.main.content.partitions = [ { name = "early"; start = "1MiB"; end = "50%"; } ]; }"#;
    for swapped in [false, true] {
        let modules = if swapped {
            format!("{b} {a}")
        } else {
            format!("{a} {b}")
        };
        let flake = format!(
            r#"{{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  outputs = {{ nixpkgs, ... }}: {{
    nixosConfigurations.h = nixpkgs.lib.nixosSystem {{
      modules = [
        {modules}
      ];
    }};
  }};
}}
"#
        );
        let line = flake.lines().nth(5).unwrap().to_string();
        let place = |written: &str| format!("/flake.nix:6:{}", line.find(written).unwrap() + 1);
        let c = lib_only_config(test, &flake).unwrap();
        let parts = &c["disko"]["disks"]["main"]["content"]["partitions"];
        assert_eq!(parts[0]["name"]["value"], "early", "{parts}");
        assert!(
            at(&parts[0]["name"]).ends_with(&place("name = \"early\"")),
            "{parts}"
        );
        assert_eq!(parts[1]["name"]["value"], "late", "{parts}");
        assert!(
            at(&parts[1]["name"]).ends_with(&place("name = \"late\"")),
            "{parts}"
        );
        assert!(
            at(&parts[1]["start"]).ends_with(&place("start = \"50%\"")),
            "{parts}"
        );
        assert_eq!(parts[1]["bootable"]["value"], false, "{parts}");
        assert_eq!(parts[1]["bootable"]["at"], Value::Null, "{parts}");
    }
}

/// `nixplan config DIR#h --json` of the flake `flake_nix` (written under
/// the test's own directory), its only input nixpkgs given as nixpkgs'
/// lib; `None` (the skip said why) without ../shared/upstream.
fn lib_only_config(test: &str, flake_nix: &str) -> Option<Value> {
    let (code, out, err) = lib_only_run(test, flake_nix, &["config", "--json"])?;
    assert_eq!(code, 0, "{err}");
    Some(serde_json::from_str(&out).unwrap())
}

/// `nixplan COMMAND DIR#h [ARGS]` of the flake `flake_nix`, as
/// `lib_only_config` has it.
fn lib_only_run(
    test: &str,
    flake_nix: &str,
    command_args: &[&str],
) -> Option<(i32, String, String)> {
    lib_only_run_with(test, flake_nix, &[], command_args)
}

/// `lib_only_run` with more files beside flake.nix (name, text).
fn lib_only_run_with(
    test: &str,
    flake_nix: &str,
    files: &[(&str, &str)],
    command_args: &[&str],
) -> Option<(i32, String, String)> {
    let upstream = common::upstream_or_skip(test)?;
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("flake.nix"), flake_nix).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let lib = upstream.join("nixpkgs-lib").display().to_string();
    Some(run_with_nixpkgs(&dir, "h", &lib, command_args))
}

/// A flake shaped like snowfall-lib and flake-utils-plus read it, offline,
/// its nixpkgs given as nixpkgs' lib: every input's `lib` asked with `or`
/// (an unavailable flake's is unread, a plain source's is absent, as nix
/// knows from the lock), every input's packages probed for `nix` (one of
/// them imports a tarball that cannot be fetched offline: unread, so not
/// a package set), and the host built with `import nixpkgs { }`'s lib and
/// NixOS's module list. That lib is nixpkgs' real one, and the tarball is
/// listed as unavailable; with --strict-inputs the tarball is an error.
#[test]
fn a_flake_utils_plus_shaped_flake_plans_offline() {
    let test = "a_flake_utils_plus_shaped_flake_plans_offline";
    let Some(upstream) = common::upstream_or_skip(test) else {
        return;
    };
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(test);
    let _ = std::fs::remove_dir_all(&dir);
    let tools = dir.join("tools");
    std::fs::create_dir_all(&tools).unwrap();
    std::fs::write(
        tools.join("flake.nix"),
        r#"{
  outputs = _: {
    legacyPackages.x86_64-linux = import "${builtins.fetchTarball {
      url = "https://tarballs.invalid/checks.tar.gz";
      sha256 = "0000000000000000000000000000000000000000000000000000000000000000";
    }}/checks.nix" { };
  };
}
"#,
    )
    .unwrap();
    let node = |name: &str, flake: bool| {
        format!(
            r#""{name}": {{ {} "locked": {{ "type": "github", "owner": "o", "repo": "{name}", "rev": "1111111111111111111111111111111111111111", "lastModified": 1700000000, "narHash": "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" }}, "original": {{ "type": "github", "owner": "o", "repo": "{name}" }} }}"#,
            if flake { "" } else { r#""flake": false,"# }
        )
    };
    std::fs::write(
        dir.join("flake.lock"),
        format!(
            r#"{{ "nodes": {{ {}, {}, {}, {}, "root": {{ "inputs": {{ "nixpkgs": "nixpkgs", "gone": "gone", "plain": "plain", "tools": "tools" }} }} }}, "root": "root", "version": 7 }}"#,
            node("nixpkgs", true),
            node("gone", true),
            node("plain", false),
            node("tools", true)
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("flake.nix"),
        r#"{
  inputs = {
    nixpkgs.url = "github:o/nixpkgs";
    gone.url = "github:o/gone";
    plain = { url = "github:o/plain"; flake = false; };
    tools.url = "github:o/tools";
  };
  outputs = inputs@{ nixpkgs, plain, ... }:
    let
      inherit (nixpkgs.lib) attrNames concatStringsSep filterAttrs;
      others = removeAttrs inputs [ "self" ];
      withLib = attrNames (filterAttrs (_: i: builtins.isAttrs (i.lib or null)) others);
      channels = attrNames (filterAttrs (_: i:
        i ? legacyPackages && i.legacyPackages ? x86_64-linux && i.legacyPackages.x86_64-linux ? nix) (removeAttrs others [ "gone" ]));
      channel = import nixpkgs { system = "x86_64-linux"; };
      baseModules = import (channel.path + "/nixos/modules/module-list.nix");
    in {
      # As flake-utils-plus: the channels first, then the hosts.
      nixosConfigurations.h = builtins.seq channels nixpkgs.lib.nixosSystem {
        inherit (channel) lib;
        inherit baseModules;
        modules = [ ({ lib, ... }: {
          networking.hostName = concatStringsSep "-" (withLib ++ channels ++ [ plain.shortRev ]);
          users.users."lib-${lib.versions.majorMinor lib.version}".isNormalUser = true;
          # NixOS's module list is a list (nixplan's NixOS declarations).
          users.users."modules-${toString (builtins.length baseModules)}".isNormalUser = true;
          fileSystems."/" = { device = "/dev/sda1"; fsType = "ext4"; };
        }) ];
      };
    };
}
"#,
    )
    .unwrap();
    let target = format!("{}#h", dir.display());
    let lib = upstream.join("nixpkgs-lib").display().to_string();
    let tools = tools.display().to_string();
    let mut args = vec![
        "config",
        &target,
        "--json",
        "--offline",
        "--override-input",
        "nixpkgs",
        &lib,
        "--override-input",
        "tools",
        &tools,
    ];
    let (code, out, err) = nixplan_text(&args);
    assert_eq!(code, 0, "{err}");
    let c: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        c["host_name"]["value"], "gone-nixpkgs-nixpkgs-1111111",
        "{}",
        c["host_name"]
    );
    let release = std::fs::read_to_string(upstream.join("nixpkgs-lib/lib/.version")).unwrap();
    let user = format!("lib-{}", release.trim());
    assert!(c["users"].get(&user).is_some(), "{user}: {}", c["users"]);
    assert!(c["users"].get("modules-1").is_some(), "{}", c["users"]);
    let tarball = c["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["path"] == "https://tarballs.invalid/checks.tar.gz")
        .unwrap_or_else(|| panic!("{}", c["inputs"]));
    // Its file was imported: an unread value (an empty module, had it
    // been imported as one), recorded as for an unavailable input's file.
    assert_eq!(tarball["used"], "empty-modules", "{tarball}");
    let input = |name: &str| {
        c["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["path"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name}: {}", c["inputs"]))
    };
    // `gone.lib or null` was taken as unread: recorded, as empty modules.
    assert_eq!(input("gone")["used"], "empty-modules");
    // The plain source was only read for what its lock says.
    assert_eq!(input("plain")["used"], "unavailable");
    args.push("--strict-inputs");
    let (code, _, err) = nixplan_text(&args);
    assert_eq!(code, 1);
    assert!(
        err.contains("https://tarballs.invalid/checks.tar.gz") && err.contains("--strict-inputs"),
        "{err}"
    );
}

/// A flake built by snowfall-lib (its `mkFlake`), offline: snowfall-lib is not here, so
/// nixplan's stand-in (written from its documentation) builds it, with a
/// warning; nixpkgs as nixpkgs' lib and the real Home Manager. The host
/// comes from systems/x86_64-linux/HOST, every modules/nixos/** module is
/// imported and sees the flake's library under its namespace, a home of
/// homes/x86_64-linux/USER@HOST makes the user (snowfallorg.users) and its
/// Home Manager configuration, which sees the namespace, `host` and the
/// library too (the host's name is made from it), with the modules
/// `homes.users."USER@HOST"` gives; `lib.snowfall.fs.get-file` names the
/// flake's files. All of them below `snowfall.root` (nix/), as
/// snowfall-lib reads them; its user module imported twice counts once.
#[test]
fn a_snowfall_lib_flake_plans_with_the_stand_in() {
    let test = "a_snowfall_lib_flake_plans_with_the_stand_in";
    let Some(upstream) = common::upstream_or_skip(test) else {
        return;
    };
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(test);
    let _ = std::fs::remove_dir_all(&dir);
    let files: &[(&str, &str)] = &[
        (
            "flake.nix",
            r#"{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs";
    snowfall-lib.url = "github:snowfallorg/lib";
    home-manager.url = "github:nix-community/home-manager";
  };
  outputs = inputs: inputs.snowfall-lib.mkFlake {
    inherit inputs;
    src = ./.;
    snowfall = { namespace = "acme"; root = ./nix; };
    channels-config.allowUnfree = true;
    homes.users."alice@box".modules = [ { home.file.extra.text = "x"; } ];
  };
}
"#,
        ),
        (
            "nix/lib/opts/default.nix",
            r#"{ lib, namespace, ... }: {
  enabled = { enable = true; };
  mkBoolOpt = default: lib.mkOption { type = lib.types.bool; inherit default; };
  named = "${namespace}-lib";
}
"#,
        ),
        (
            "nix/modules/nixos/root/default.nix",
            r#"{ lib, config, namespace, host, inputs, ... }: {
  options.${namespace}.root.enable = lib.${namespace}.mkBoolOpt false;
  config = lib.mkIf config.${namespace}.root.enable {
    # What Home Manager made of alice's home (namespace, host and library).
    networking.hostName = let files = config.home-manager.users.alice.home.file; in
      "${host}-${files."acme-box".text}-${builtins.baseNameOf (lib.snowfall.fs.get-file "systems")}-${if files ? extra then "extra" else "none"}";
    fileSystems."/" = { device = "/dev/vda1"; fsType = "ext4"; };
  };
}
"#,
        ),
        (
            "nix/systems/x86_64-linux/box/default.nix",
            r#"{ lib, inputs, ... }: with lib.acme; {
  # Also imported by mkFlake: once.
  imports = [ inputs.snowfall-lib.nixosModules.user ];
  acme.root = enabled;
  system.stateVersion = "25.05";
}
"#,
        ),
        (
            "nix/homes/x86_64-linux/alice@box/default.nix",
            r#"{ lib, namespace, host, config, ... }: {
  home.stateVersion = "25.05";
  home.file."${namespace}-${host}".text = lib.acme.named;
}
"#,
        ),
        (
            "nix/homes/x86_64-linux/bob@elsewhere/default.nix",
            "{ ... }: { }\n",
        ),
    ];
    for (path, text) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    // Home Manager's nixpkgs follows the flake's.
    let node = |name: &str, owner: &str, repo: &str| {
        let inputs = if name == "home-manager" {
            r#""inputs": { "nixpkgs": "nixpkgs" },"#
        } else {
            ""
        };
        format!(
            r#""{name}": {{ {inputs} "locked": {{ "type": "github", "owner": "{owner}", "repo": "{repo}", "rev": "1111111111111111111111111111111111111111", "narHash": "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" }}, "original": {{ "type": "github", "owner": "{owner}", "repo": "{repo}" }} }}"#
        )
    };
    std::fs::write(
        dir.join("flake.lock"),
        format!(
            r#"{{ "nodes": {{ {}, {}, {}, "root": {{ "inputs": {{ "nixpkgs": "nixpkgs", "snowfall-lib": "snowfall-lib", "home-manager": "home-manager" }} }} }}, "root": "root", "version": 7 }}"#,
            node("nixpkgs", "NixOS", "nixpkgs"),
            node("snowfall-lib", "snowfallorg", "lib"),
            node("home-manager", "nix-community", "home-manager")
        ),
    )
    .unwrap();
    let target = format!("{}#box", dir.display());
    let lib = upstream.join("nixpkgs-lib").display().to_string();
    let hm = upstream.join("home-manager").display().to_string();
    let (code, out, err) = nixplan_text(&[
        "config",
        &target,
        "--json",
        "--offline",
        "--override-input",
        "nixpkgs",
        &lib,
        "--override-input",
        "home-manager",
        &hm,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning: the flake input 'snowfall-lib' is unavailable")
            && err.contains("nixplan's stand-in was evaluated in its place"),
        "{err}"
    );
    let c: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(c["host_name"]["value"], "box-acme-lib-systems-extra");
    assert_eq!(
        c["file_systems"]["/"]["device"]["value"], "/dev/vda1",
        "{}",
        c["file_systems"]
    );
    let alice = &c["users"]["alice"];
    assert_eq!(alice["home"]["value"], "/home/alice", "{}", c["users"]);
    assert_eq!(alice["is_normal_user"]["value"], true);
    assert!(c["users"].get("bob").is_none(), "{}", c["users"]);
    // `nixplan inputs` says so too (a stand-in known by owner and name).
    let (code, out, err) = nixplan_text(&["inputs", &target, "--json", "--offline"]);
    assert_eq!(code, 0, "{err}");
    let rows: Vec<Value> = serde_json::from_str(&out).unwrap();
    let row = rows.iter().find(|r| r["node"] == "snowfall-lib").unwrap();
    assert_eq!(row["origin"], "stand-in", "{row}");
}

/// The activation snippets users write, in every shape the module system
/// merges: read by nixplan (its own module system, and nixpkgs' real lib)
/// as nixpkgs' lib, evaluated by nix itself, merges them under NixOS's
/// declaration (a string, or a submodule of `text` (lines), `deps` and
/// `supportsDryActivation`). Most are one plain definition, which nixplan
/// reads without a submodule evaluation (nixos.nix, `fastSnippet`); the
/// others (several definitions, mkAfter or mkIf inside, a function) go
/// through the submodule. A snippet whose text cannot be evaluated here
/// still has its dependencies.
#[test]
fn activation_snippets_merge_as_nixpkgs_lib_merges_them() {
    let test = "activation_snippets_merge_as_nixpkgs_lib_merges_them";
    let Some(upstream) = common::upstream_or_skip(test) else {
        return;
    };
    if common::skip_without_nix(test) {
        return;
    }
    let first = r#"{ lib, config, ... }: {
  options.secretFile = lib.mkOption { type = lib.types.str; };
  config.system.activationScripts = {
    plain = "echo plain";
    record = { text = "echo record"; deps = [ "plain" ]; };
    dry = { text = "echo dry"; supportsDryActivation = true; };
    twice = { text = "one"; };
    later = { text = lib.mkAfter "late"; deps = [ "plain" ]; };
    cond = { text = "c"; deps = lib.mkIf true [ "record" ]; };
    fn = { ... }: { text = "from a function"; };
    forced = lib.mkForce { text = "forced"; deps = [ "dry" ]; };
    secret = { text = "install ${config.secretFile}"; deps = [ "record" "plain" ]; };
    # One definition, two of its options read through the submodule.
    single = { text = lib.mkAfter "x"; supportsDryActivation = lib.mkDefault true; deps = [ "plain" ]; };
  };
}
"#;
    let second = r#"{ lib, ... }: {
  system.activationScripts = {
    twice = { text = "two"; deps = [ "record" ]; };
    later = { text = "early"; supportsDryActivation = lib.mkDefault true; };
    forced = { text = "not this"; };
  };
}
"#;
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("first.nix"), first).unwrap();
    std::fs::write(dir.join("second.nix"), second).unwrap();
    std::fs::write(
        dir.join("both.nix"),
        "{ imports = [ ./first.nix ./second.nix ]; }\n",
    )
    .unwrap();
    // nix, with NixOS's declaration of the snippets over nixpkgs' lib,
    // the snippets of the module `file` of `dir`.
    let nix = |file: &str| {
        let oracle = format!(
            r#"let
  lib = import {lib};
  inherit (lib) types mkOption;
  snippet = types.submodule {{
    options.text = mkOption {{ type = types.lines; }};
    options.deps = mkOption {{ type = types.listOf types.str; default = [ ]; }};
    options.supportsDryActivation = mkOption {{ type = types.bool; default = false; }};
  }};
  c = (lib.evalModules {{ modules = [
    {{ options.system.activationScripts = mkOption {{ type = types.attrsOf (types.coercedTo types.str (text: {{ inherit text; }}) snippet); default = {{ }}; }}; }}
    {module}
  ]; }}).config;
in builtins.mapAttrs (n: s: {{
  text = if n == "secret" then null else s.text;
  inherit (s) deps supportsDryActivation;
}}) c.system.activationScripts
"#,
            lib = upstream.join("nixpkgs-lib/lib").display(),
            module = dir.join(file).display()
        );
        std::process::Command::new("nix-instantiate")
            .args(["--eval", "--strict", "--json", "-E", &oracle])
            .output()
            .unwrap()
    };
    // nixplan, by its own module system (the module given as the target)
    // and by nixpkgs' lib (a flake's nixosSystem of it).
    let lib = upstream.join("nixpkgs-lib").display().to_string();
    let nixplan = |file: &str| {
        let flake = format!(
            r#"{{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  outputs = {{ nixpkgs, ... }}: {{
    nixosConfigurations.h = nixpkgs.lib.nixosSystem {{ modules = [ ./{file} ]; }};
  }};
}}
"#
        );
        std::fs::write(dir.join("flake.nix"), flake).unwrap();
        let module = dir.join(file).display().to_string();
        [
            (
                "nixplan's module system",
                nixplan_text(&["config", &module, "--json", "--offline"]),
            ),
            (
                "nixpkgs' lib",
                run_with_nixpkgs(&dir, "h", &lib, &["config", "--json"]),
            ),
        ]
    };
    let out = nix("both.nix");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(expected["twice"]["text"], "one\ntwo", "{expected}");
    assert_eq!(expected.as_object().unwrap().len(), 10, "{expected}");
    for (by, (code, out, err)) in nixplan("both.nix") {
        assert_eq!(code, 0, "{by}: {err}");
        let c: Value = serde_json::from_str(&out).unwrap();
        let got = &c["activation_scripts"];
        for (name, want) in expected.as_object().unwrap() {
            let s = &got[name.as_str()];
            assert_eq!(s["deps"]["value"], want["deps"], "{by}: {name}: {s}");
            assert_eq!(
                s["supports_dry_activation"]["value"], want["supportsDryActivation"],
                "{by}: {name}: {s}"
            );
            if name == "secret" {
                // Its text reads an option nothing defines: said, and left
                // out of the plan.
                assert!(
                    s["error"]
                        .as_str()
                        .is_some_and(|e| e.contains("secretFile")),
                    "{by}: {s}"
                );
                assert!(
                    err.contains("activation snippet secret cannot be evaluated"),
                    "{by}: {err}"
                );
            } else {
                assert_eq!(s["text"], want["text"], "{by}: {name}: {s}");
                assert!(s["error"].is_null(), "{by}: {name}: {s}");
            }
        }
        // The places the user wrote them at are kept.
        let at = got["record"]["deps"]["at"].as_str().unwrap_or_default();
        assert!(at.ends_with("first.nix:5:38"), "{by}: {}", got["record"]);
    }

    // A value of another type in a snippet defined once is the error nix
    // gives (the module system's own message).
    std::fs::write(
        dir.join("bad.nix"),
        "{ system.activationScripts.bad = { text = \"a\"; deps = [ 1 ]; }; }\n",
    )
    .unwrap();
    let out = nix("bad.nix");
    assert!(!out.status.success());
    let nix_err = String::from_utf8_lossy(&out.stderr);
    let message = nix_err
        .lines()
        .find_map(|l| l.strip_prefix("error: "))
        .expect("nix says why");
    assert!(message.contains("is not of type `string'"), "{nix_err}");
    for (by, (code, _, err)) in nixplan("bad.nix") {
        assert_eq!(code, 1, "{by}: {err}");
        assert!(err.contains(message), "{by}: {err}\nnix: {message}");
    }
}

/// `text` with each store path of a source (`/nix/store/HASH-source`: the
/// flake's own, which its changed flake.nix changes) as `SELF`.
fn self_source(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("/nix/store/") {
        let (before, from) = rest.split_at(at);
        out.push_str(before);
        let tail = &from["/nix/store/".len()..];
        if tail.get(32..39) == Some("-source") {
            out.push_str("SELF");
            rest = &tail[39..];
        } else {
            out.push_str("/nix/store/");
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

/// A module imported by its file in the input's source (`"${disko}/module.nix"`,
/// `"${home-manager}/nixos"`, `"${sops-nix}/modules/sops"`, a profile of
/// nixos-hardware) is the module the input's flake gives by name: each
/// fixture that names one is copied with every such name written as the
/// file, and the copy's plan is the fixture's, with nixplan's stand-ins and
/// with the real upstream sources (nixpkgs as its lib).
#[test]
fn modules_imported_by_their_files_plan_as_by_their_names() {
    let test = "modules_imported_by_their_files_plan_as_by_their_names";
    const BY_FILE: &[(&str, &str)] = &[
        ("disko.nixosModules.disko", "\"${disko}/module.nix\""),
        (
            "impermanence.nixosModules.impermanence",
            "\"${impermanence}/nixos.nix\"",
        ),
        (
            "home-manager.nixosModules.home-manager",
            "\"${home-manager}/nixos\"",
        ),
        ("sops-nix.nixosModules.sops", "\"${sops-nix}/modules/sops\""),
        (
            "agenix.nixosModules.default",
            "\"${agenix}/modules/age.nix\"",
        ),
        (
            "nixos-hardware.nixosModules.framework-13-7040-amd",
            "\"${nixos-hardware}/framework/13-inch/7040-amd\"",
        ),
    ];
    let upstream = common::upstream_or_skip(test);
    let tmp = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("by-file");
    let _ = std::fs::remove_dir_all(&tmp);
    let mut compared = 0;
    for t in common::fixture_targets() {
        let Some((_, name)) = t.arg.split_once('#') else {
            continue;
        };
        let fixture = root().join("tests/fixtures").join(&t.dir);
        let text = std::fs::read_to_string(fixture.join("flake.nix")).unwrap();
        if t.dir.starts_with("bad-") || !BY_FILE.iter().any(|(n, _)| text.contains(n)) {
            continue;
        }
        // Both copied beside each other (the plan names the flake's files
        // and how it is read, `path:` outside a git work tree).
        let by_name_dir = tmp.join("name").join(&t.dir);
        let by_file_dir = tmp.join("file").join(&t.dir);
        common::copy_dir(&fixture, &by_name_dir);
        common::copy_dir(&fixture, &by_file_dir);
        let rewritten = BY_FILE.iter().fold(text, |s, (n, f)| s.replace(n, f));
        std::fs::write(by_file_dir.join("flake.nix"), rewritten).unwrap();
        let mut ways = vec![vec![]];
        if let Some(up) = &upstream {
            ways.push(
                UPSTREAM
                    .iter()
                    .flat_map(|(input, snapshot)| {
                        [
                            "--override-input".to_string(),
                            input.to_string(),
                            up.join(snapshot).display().to_string(),
                        ]
                    })
                    .collect::<Vec<String>>(),
            );
        }
        for overrides in &ways {
            // The plan's inputs and actions, and the warnings.
            let plan = |dir: &std::path::Path, way: &str| {
                let target = format!("{}#{name}", dir.display());
                let mut args = vec!["plan", target.as_str(), "--offline"];
                args.extend(overrides.iter().map(String::as_str));
                let (code, out, err) = nixplan_text(&args);
                assert_eq!(code, 0, "{target} {overrides:?}: {err}");
                let same =
                    |s: &str| self_source(&s.replace(&format!("by-file/{way}/"), "by-file/X/"));
                let (head, actions) = out.split_once("\nfacts\n").expect("a plan");
                let inputs: Vec<String> = head
                    .lines()
                    .filter(|l| l.starts_with("Input "))
                    .map(same)
                    .collect();
                (inputs, same(actions), same(&err))
            };
            let by_name = plan(&by_name_dir, "name");
            let by_file = plan(&by_file_dir, "file");
            assert_eq!(by_file.0, by_name.0, "{} {overrides:?}", t.arg);
            assert_eq!(by_file.2, by_name.2, "{} {overrides:?}", t.arg);
            let first_difference = by_file
                .1
                .lines()
                .zip(by_name.1.lines())
                .find(|(a, b)| a != b);
            assert_eq!(first_difference, None, "{} {overrides:?}", t.arg);
            assert_eq!(
                by_file.1.lines().count(),
                by_name.1.lines().count(),
                "{} {overrides:?}",
                t.arg
            );
            compared += 1;
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    assert!(compared >= 10, "only {compared} plans compared");
}

/// The real disko's module imported by its file under nixplan's own lib
/// is evaluated as its flake's `nixosModules` are: from the flake input
/// (`"${disko}/module.nix"`), from an input that is not a flake, from a
/// copy that is no input, and in a module file planned on its own. Each
/// plans with that disko's own types (a copy that labels partitions
/// `patched-...`), and otherwise as the stand-in does.
#[test]
fn the_real_disko_by_its_file_under_nixplans_own_lib_is_evaluated() {
    let test = "the_real_disko_by_its_file_under_nixplans_own_lib_is_evaluated";
    let Some(upstream) = common::upstream_or_skip(test) else {
        return;
    };
    let tmp = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("real-disko-file");
    let _ = std::fs::remove_dir_all(&tmp);
    let patched_dir = tmp.join("patched-disko");
    patched_disko(&upstream, &patched_dir);
    let disko = patched_dir.display().to_string();
    let fixture = root().join("tests/fixtures/luks-lvm");
    let flake = std::fs::read_to_string(fixture.join("flake.nix")).unwrap();
    let lock: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture.join("flake.lock")).unwrap())
            .unwrap();
    // The actions of the flake at `dir`, its directory written as DIR.
    let plan = |dir: &std::path::Path, args: &[&str]| {
        let target = format!("{}#cedar", dir.display());
        let mut all = vec!["plan", target.as_str(), "--offline"];
        all.extend(args);
        let (code, out, err) = nixplan_text(&all);
        assert_eq!(code, 0, "{target} {args:?}: {err}");
        let (head, actions) = out.split_once("\nfacts\n").expect("a plan");
        // Its directory, absolute and as the plan names its files.
        let name = dir.file_name().unwrap().to_string_lossy();
        let actions = actions
            .replace(&dir.display().to_string(), "DIR")
            .replace(&format!("real-disko-file/{name}/"), "DIR/");
        (head.to_string(), self_source(&actions), err)
    };
    let by_name = tmp.join("by-name");
    common::copy_dir(&fixture, &by_name);
    let (_, stand_in, _) = plan(&by_name, &[]);
    let not_a_flake = {
        let mut l = lock.clone();
        l["nodes"]["disko"]["flake"] = false.into();
        l["nodes"]["disko"]
            .as_object_mut()
            .unwrap()
            .remove("inputs");
        l
    };
    let cases: [(&str, String, &Value, bool); 3] = [
        (
            "input",
            flake.replace("disko.nixosModules.disko", "\"${disko}/module.nix\""),
            &lock,
            true,
        ),
        (
            "not-a-flake",
            flake
                .replace("disko.nixosModules.disko", "\"${disko}/module.nix\"")
                .replace(
                    "disko.url = \"github:nix-community/disko\";",
                    "disko = { url = \"github:nix-community/disko\"; flake = false; };",
                )
                .replace("disko.inputs.nixpkgs.follows = \"nixpkgs\";", ""),
            &not_a_flake,
            true,
        ),
        (
            "copy",
            flake.replace("disko.nixosModules.disko", "./vendor/disko/module.nix"),
            &lock,
            false,
        ),
    ];
    // The patched labels, and nothing else different from the stand-in.
    let as_stand_in = |name: &str, actions: &str| {
        assert!(actions.contains("'patched-disk-"), "{name}: {actions}");
        let unpatched = actions.replace("patched-disk-", "disk-");
        let first_difference = unpatched
            .lines()
            .zip(stand_in.lines())
            .find(|(a, b)| a != b);
        assert_eq!(first_difference, None, "{name}");
        assert_eq!(unpatched.len(), stand_in.len(), "{name}");
    };
    for (name, text, lock, overridden) in cases {
        assert_ne!(text, flake, "{name}");
        let dir = tmp.join(name);
        common::copy_dir(&fixture, &dir);
        if !overridden {
            common::copy_dir(&patched_dir, &dir.join("vendor/disko"));
        }
        std::fs::write(dir.join("flake.nix"), &text).unwrap();
        std::fs::write(
            dir.join("flake.lock"),
            serde_json::to_string_pretty(lock).unwrap(),
        )
        .unwrap();
        let args: &[&str] = if overridden {
            &["--override-input", "disko", &disko]
        } else {
            &[]
        };
        let (head, actions, err) = plan(&dir, args);
        let said = head.contains(&format!("Input disko: overridden with path:{disko}"));
        assert_eq!(said, overridden, "{name}: {head}");
        assert!(!err.contains("disko"), "{name}: {err}");
        as_stand_in(name, &actions);
    }
    // The input's module and a copy's are two modules declaring the same
    // options: refused, as nixpkgs' module system refuses them.
    let both = tmp.join("copy-and-input");
    common::copy_dir(&fixture, &both);
    common::copy_dir(&patched_dir, &both.join("vendor/disko"));
    std::fs::write(
        both.join("flake.nix"),
        flake.replace(
            "disko.nixosModules.disko",
            "disko.nixosModules.disko ./vendor/disko/module.nix",
        ),
    )
    .unwrap();
    let target = format!("{}#cedar", both.display());
    let (code, _, err) = nixplan_text(&[
        "plan",
        &target,
        "--offline",
        "--override-input",
        "disko",
        &disko,
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("The option `disko.devices' in `")
            && err.contains(&format!("is already declared in `{disko}/module.nix'")),
        "{err}"
    );
    // A module file planned on its own, with no input given.
    let module = tmp.join("disk.nix");
    std::fs::write(
        &module,
        format!("{{ imports = [ {disko}/module.nix ]; disko.devices.disk.a = {{ device = \"/dev/vda\"; type = \"disk\"; content = {{ type = \"gpt\"; partitions.root = {{ size = \"100%\"; content = {{ type = \"filesystem\"; format = \"ext4\"; mountpoint = \"/\"; }}; }}; }}; }}; }}\n"),
    )
    .unwrap();
    let module = module.display().to_string();
    let (code, out, err) = nixplan_text(&["plan", &module, "--phases", "disko"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("'patched-disk-a-root'"), "{out}");
    let _ = std::fs::remove_dir_all(&tmp);
}

/// A `module.nix` imported from an input that cannot be had (no stand-in)
/// is an empty module, as any file of it is: the check for the real
/// disko's module does not look into an unavailable source.
#[test]
fn a_module_file_of_an_unavailable_input_is_an_empty_module() {
    let tmp = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("unavailable-module");
    let _ = std::fs::remove_dir_all(&tmp);
    let fixture = root().join("tests/fixtures/luks-lvm");
    common::copy_dir(&fixture, &tmp);
    let flake = std::fs::read_to_string(fixture.join("flake.nix"))
        .unwrap()
        .replace(
            "disko.inputs.nixpkgs.follows = \"nixpkgs\";",
            "disko.inputs.nixpkgs.follows = \"nixpkgs\"; company.url = \"github:example/company\";",
        )
        .replace(
            "disko.nixosModules.disko",
            "disko.nixosModules.disko \"${inputs.company}/module.nix\"",
        );
    std::fs::write(tmp.join("flake.nix"), flake).unwrap();
    let mut lock: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture.join("flake.lock")).unwrap())
            .unwrap();
    lock["nodes"]["root"]["inputs"]["company"] = "company".into();
    lock["nodes"]["company"] = serde_json::json!({
        "locked": { "type": "github", "owner": "example", "repo": "company", "rev": "1111111111111111111111111111111111111111", "narHash": "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" },
        "original": { "type": "github", "owner": "example", "repo": "company" }
    });
    std::fs::write(
        tmp.join("flake.lock"),
        serde_json::to_string_pretty(&lock).unwrap(),
    )
    .unwrap();
    let target = format!("{}#cedar", tmp.display());
    let (code, out, err) = nixplan_text(&["plan", &target, "--offline"]);
    let _ = std::fs::remove_dir_all(&tmp);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("Input company:") && l.contains("its modules empty")),
        "{}",
        out.split_once("\nfacts\n").map_or(out.as_str(), |(h, _)| h)
    );
}

/// nixplan's stand-ins for disko, impermanence and the secrets modules run
/// under nixpkgs' real lib too (a flake whose nixpkgs is there and whose
/// disko is not): every fixture target planned with only nixpkgs given
/// (as its lib) plans the same actions as with every input a stand-in.
#[test]
fn the_stand_ins_plan_the_same_under_the_real_lib() {
    let test = "the_stand_ins_plan_the_same_under_the_real_lib";
    let Some(upstream) = common::upstream_or_skip(test) else {
        return;
    };
    let nixpkgs = upstream.join("nixpkgs-lib").display().to_string();
    // The actions without the lines saying where a value was written
    // (placed by another module system, checked elsewhere).
    let actions = |plan: &str| -> Option<Vec<String>> {
        let (_, a) = plan.split_once("\nfacts\n")?;
        Some(
            a.lines()
                .filter(|l| !l.trim_start().starts_with("from "))
                .map(str::to_string)
                .collect(),
        )
    };
    let mut compared = 0;
    for t in common::fixture_targets() {
        if t.dir.starts_with("bad-") {
            continue;
        }
        let (code, stand_in, err) = nixplan_text(&["plan", &t.arg, "--offline"]);
        assert_eq!(code, 0, "{}: {err}", t.arg);
        let (code, real_lib, err) = nixplan_text(&[
            "plan",
            &t.arg,
            "--offline",
            "--override-input",
            "nixpkgs",
            &nixpkgs,
        ]);
        assert_eq!(code, 0, "{}: {err}", t.arg);
        let (a, b) = (actions(&real_lib), actions(&stand_in));
        assert!(b.is_some(), "{}: {stand_in}", t.arg);
        let first_difference = a
            .iter()
            .flatten()
            .zip(b.iter().flatten())
            .find(|(x, y)| x != y);
        assert_eq!(first_difference, None, "{}", t.arg);
        assert_eq!(a.map(|a| a.len()), b.map(|b| b.len()), "{}", t.arg);
        compared += 1;
    }
    assert!(compared >= 25, "only {compared} targets compared");
}

/// A configuration not shaped as nixplan's declarations say (here a disko
/// input of another shape, whose disk sets lack what nixplan reads) fails
/// with the report at the user's set, saying what nixplan read of it,
/// not at nixplan's own target expression alone.
#[test]
fn a_set_without_what_nixplan_reads_is_reported_where_the_user_wrote_it() {
    let test = "a_set_without_what_nixplan_reads_is_reported_where_the_user_wrote_it";
    let Some(upstream) = common::upstream_or_skip(test) else {
        return;
    };
    let tmp = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("other-shape");
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(tmp.join("disko")).unwrap();
    std::fs::write(
        tmp.join("disko/flake.nix"),
        "{ outputs = { self }: { nixosModules.disko = { lib, ... }: { options.disko.devices = lib.mkOption { type = lib.types.anything; }; }; }; }\n",
    )
    .unwrap();
    std::fs::write(
        tmp.join("disk.nix"),
        "{ disko.devices = {\n    disk.a = { type = \"disk\";\n      content = null; };\n    mdadm = { }; zpool = { }; lvm_vg = { }; nodev = { }; bcachefs_filesystems = { };\n  };\n}\n",
    )
    .unwrap();
    let module = tmp.join("disk.nix").display().to_string();
    let (code, _, err) = nixplan_text(&[
        "plan",
        &module,
        "--override-input",
        "disko",
        &tmp.join("disko").display().to_string(),
        "--override-input",
        "nixpkgs",
        &upstream.join("nixpkgs-lib").display().to_string(),
    ]);
    let _ = std::fs::remove_dir_all(&tmp);
    assert_ne!(code, 0);
    assert!(err.contains("attribute 'name' missing"), "{err}");
    // At one of the attributes of the disk set (lines 2 and 3).
    assert!(
        (err.contains("disk.nix:2:") || err.contains("disk.nix:3:"))
            && err.contains("defined here"),
        "{err}"
    );
    assert!(
        err.contains("while nixplan read 'name' of this set"),
        "{err}"
    );
}
