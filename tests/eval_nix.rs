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
    if common::skip_without_nix("real_nix_gives_the_same_config") {
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
    if common::skip_without_nix("real_nix_reads_every_target_kind") {
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

/// A store path made with a filter (`builtins.path`, `filterSource`) holds
/// only what the filter kept, and a copy of such a copy is filtered again:
/// reading under them (readDir, pathExists, readFile) and their paths are
/// what nix gives. nix 2.8 adds the paths only in read-write mode, which
/// writes them to this machine's /nix/store (a few bytes, content-addressed).
#[test]
fn filtered_store_paths_read_as_nix_reads_them() {
    let test = "filtered_store_paths_read_as_nix_reads_them";
    if common::skip_without_nix(test) {
        return;
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("filtered-store");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src/sub/deeper")).unwrap();
    // Links inside the copy: one to a file the filter leaves out (it
    // dangles in the copy), one to a directory (followed in the copy).
    std::os::unix::fs::symlink("a.txt", dir.join("src/to-a")).unwrap();
    std::os::unix::fs::symlink("sub", dir.join("src/to-sub")).unwrap();
    for (file, text) in [
        ("src/a.txt", "a"),
        ("src/keep.nix", "1"),
        ("src/sub/a.txt", "sub a"),
        ("src/sub/b.txt", "sub b"),
        ("src/sub/deeper/c.o", "object"),
    ] {
        std::fs::write(dir.join(file), text).unwrap();
    }
    let expr = format!(
        r#"let
  b = builtins;
  src = {src};
  once = b.path {{ path = src; name = "once"; filter = p: t: b.baseNameOf p != "a.txt"; }};
  twice = b.path {{ path = once; name = "twice"; filter = p: t: b.baseNameOf p != "b.txt"; }};
  legacy = b.filterSource (p: t: t == "directory" || b.match ".*\\.o" p == null) src;
in {{
  paths = [ once twice legacy ];
  top = b.attrNames (b.readDir once);
  sub = b.attrNames (b.readDir "${{once}}/sub");
  twiceSub = b.attrNames (b.readDir "${{twice}}/sub");
  gone = [ (b.pathExists "${{once}}/a.txt") (b.pathExists "${{once}}/sub/a.txt") (b.pathExists "${{twice}}/sub/b.txt")
    (b.pathExists "${{once}}/sub/../a.txt") (b.pathExists "${{once}}/to-a") (b.pathExists "${{once}}/to-sub/a.txt") ];
  viaLink = b.attrNames (b.readDir "${{once}}/to-sub");
  up = b.attrNames (b.readDir "${{once}}/sub/..");
  kept = b.readFile "${{twice}}/keep.nix";
  deeper = b.attrNames (b.readDir "${{legacy}}/sub/deeper");
}}"#,
        src = dir.join("src").display()
    );
    let nix = Command::new("nix-instantiate")
        .args([
            "--read-write-mode",
            "--eval",
            "--strict",
            "--json",
            "-E",
            &expr,
        ])
        .env("NIX_REMOTE", "")
        .output()
        .unwrap();
    assert!(
        nix.status.success(),
        "nix: {}",
        String::from_utf8_lossy(&nix.stderr)
    );
    let ours = Command::new(env!("CARGO_BIN_EXE_nixplan"))
        .args(["eval", "--strict", "--json", "-E", &expr])
        .output()
        .unwrap();
    assert!(
        ours.status.success(),
        "nixplan: {}",
        String::from_utf8_lossy(&ours.stderr)
    );
    let nix: serde_json::Value = serde_json::from_slice(&nix.stdout).unwrap();
    let ours: serde_json::Value = serde_json::from_slice(&ours.stdout).unwrap();
    assert_eq!(ours, nix);
    // Not vacuous: the filters left things out (the link to a left-out
    // file is there, dangling: pathExists does not follow it).
    assert_eq!(
        nix["gone"],
        serde_json::json!([false, false, false, false, true, false])
    );
    assert_eq!(nix["deeper"], serde_json::json!([]));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs `cmd` with sh in `dir`; it must succeed.
fn sh(dir: &Path, cmd: &str) {
    let out = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{cmd}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A flake's `self.sourceInfo` is nix's: its source's store path (all of
/// a git work tree for a flake in a subdirectory), its NAR hash, and for
/// git the commit's time, and where no tracked file changed, its rev,
/// shortRev and revCount; for a directory, the newest modification time.
/// Asked of nix 2.8 for a clean, a touched (clean) and a dirty git work
/// tree and a directory.
#[test]
fn a_flakes_source_info_is_what_nix_gives() {
    let test = "a_flakes_source_info_is_what_nix_gives";
    if common::skip_without_nix(test) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let flake = r#"{
  outputs = { self }: {
    diskoConfigurations.x.disko.devices.disk.info.device =
      builtins.toJSON (builtins.removeAttrs self.sourceInfo [ "outPath" ] // {
        root = self.sourceInfo.outPath;
        names = builtins.filter (n: n != "diskoConfigurations") (builtins.attrNames self);
      });
  };
}
"#;
    let commit = "git -c user.email=t@t -c user.name=t commit -q -m c";
    let mut cases = Vec::new();
    for case in ["clean", "touched", "dirty", "dir"] {
        let root = tmp.path().join(case);
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("sub/flake.nix"), flake).unwrap();
        std::fs::write(root.join("other.nix"), "1\n").unwrap();
        match case {
            "dir" => cases.push((
                format!("{}/sub#x", root.display()),
                format!("path:{}/sub", root.display()),
            )),
            _ => {
                sh(&root, &format!("git init -q . && git add -A && {commit}"));
                match case {
                    "dirty" => sh(&root, "echo 2 > other.nix"),
                    // Its time changed, not its content: still clean.
                    "touched" => sh(&root, "touch -d '+1 minute' other.nix sub/flake.nix"),
                    _ => {}
                }
                cases.push((
                    format!("{}/sub#x", root.display()),
                    format!("git+file://{}?dir=sub", root.display()),
                ));
            }
        }
    }
    for (target, reference) in &cases {
        let out = Command::new(env!("CARGO_BIN_EXE_nixplan"))
            .args(["config", "--json", target])
            .env("NIXPLAN_OFFLINE", "1")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{target}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let c: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let ours = c["disko"]["disks"]["info"]["device"]["value"]
            .as_str()
            .unwrap()
            .to_string();
        let out = Command::new("nix")
            .args([
                "--extra-experimental-features",
                "nix-command flakes",
                "eval",
                "--raw",
                &format!("{reference}#diskoConfigurations.x.disko.devices.disk.info.device"),
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "nix: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let theirs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let ours: serde_json::Value = serde_json::from_str(&ours).unwrap();
        // `_type = "flake"` is among self's names in nixplan, as in the
        // call-flake.nix of later nix; nix 2.8 has none.
        let mut ours = ours;
        if let Some(names) = ours["names"].as_array_mut() {
            names.retain(|n| n != "_type");
        }
        assert_eq!(ours, theirs, "{target}");
    }
}

/// A flake is read from its copy in the store, as nix reads it: `./.` and
/// `self` name the store path nix computes (sops-nix, for one, checks that
/// its files are there), what is read under it is what nix copied — in a
/// git work tree the files git tracks, of the whole tree (a flake in a
/// subdirectory reads `../`), elsewhere the flake's directory, or all of
/// ROOT for `path:ROOT?dir=SUB` — and positions name the files where they
/// are. nix 2.8 is asked for the same strings (it adds the copy to this
/// machine's /nix/store; for `?dir=`, which its `path:` references do not
/// take, for its copy of ROOT). `self` is `./.` as in nix 2.14 and later (2.8
/// gave the top of the source), so it is checked against nixplan's own
/// `./.`.
#[test]
fn a_flake_is_read_from_its_store_path_as_nix_reads_it() {
    let test = "a_flake_is_read_from_its_store_path_as_nix_reads_it";
    if common::skip_without_nix(test) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let flake = r#"{
  outputs = { self }: {
    diskoConfigurations.x.disko.devices.disk = {
      seen.device = "${toString ./.}/${builtins.toJSON (builtins.pathExists ../untracked.nix)}-${import ../common.nix}";
      self.device = "${self}";
    };
  };
}
"#;
    let mut cases = Vec::new();
    for (case, git) in [("git", true), ("dir", false)] {
        let root = tmp.path().join(case);
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("sub/flake.nix"), flake).unwrap();
        std::fs::write(root.join("common.nix"), "\"common\"\n").unwrap();
        std::fs::write(root.join("untracked.nix"), "\"untracked\"\n").unwrap();
        if git {
            sh(&root, "git init -q . && git add sub/flake.nix common.nix");
            cases.push((
                format!("{}/sub#x", root.display()),
                format!("git+file://{}?dir=sub", root.display()),
                "false-common",
            ));
        } else {
            // nix 2.8 takes no `dir=` in a `path:` reference: asked for
            // its copy of ROOT, as its path fetcher makes it.
            cases.push((
                format!("path:{}?dir=sub#x", root.display()),
                format!("path:{}", root.display()),
                "true-common",
            ));
        }
    }
    for (target, reference, tail) in &cases {
        let out = Command::new(env!("CARGO_BIN_EXE_nixplan"))
            .args(["config", "--json", target])
            .env("NIXPLAN_OFFLINE", "1")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{target}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let c: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let disks = &c["disko"]["disks"];
        let seen = disks["seen"]["device"]["value"].as_str().unwrap();
        let nix = |args: &[&str]| {
            let out = Command::new("nix")
                .args([
                    "--extra-experimental-features",
                    "nix-command flakes",
                    "eval",
                    "--raw",
                ])
                .args(args)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "nix: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).into_owned()
        };
        let expected = match reference.strip_prefix("path:") {
            Some(root) => format!(
                "{}/sub/{tail}",
                nix(&[
                    "--impure",
                    "--expr",
                    &format!("builtins.path {{ path = {root}; name = \"source\"; }}")
                ])
            ),
            None => nix(&[&format!(
                "{reference}#diskoConfigurations.x.disko.devices.disk.seen.device"
            )]),
        };
        assert_eq!(seen, expected, "{target}");
        assert!(
            seen.starts_with("/nix/store/") && seen.ends_with(&format!("/sub/{tail}")),
            "{seen}"
        );
        let dot = seen.trim_end_matches(&format!("/{tail}"));
        assert_eq!(
            disks["self"]["device"]["value"].as_str(),
            Some(dot),
            "{target}"
        );
        // Positions name the file where it is, not its store path.
        let at = disks["seen"]["device"]["at"].as_str().unwrap();
        assert!(
            at.contains(&format!("{}/", tmp.path().display())) && at.contains("/sub/flake.nix:"),
            "{at}"
        );
    }
}
