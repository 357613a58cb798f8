//! The real-world flakes of `../shared/realworld-dev` (ten public NixOS
//! configurations using disko and impermanence, each with a manifest of
//! facts read by hand): each is planned with `--override-input` for every
//! input found in `../shared/upstream` (nixpkgs as nixpkgs' lib; and
//! `--override-source` for those that other locks in the repository name,
//! such as flake-parts partitions'), offline,
//! every fact of its manifest is looked for in the typed configuration,
//! and the plan is made (`nixplan plan`: lint's errors stop it).
//! What each repository reaches today is written in
//! `tests/realworld-expected.txt`, with why; the test fails when a
//! repository does worse, or better (then the file is brought up to date).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{nixplan_text, root, skip::skip_unless};
use serde_json::Value;

/// Repositories (lock `repo`) → upstream snapshot.
const UPSTREAM: &[(&str, &str)] = &[
    ("agenix", "agenix"),
    ("colmena", "colmena"),
    ("default", "nix-systems-default"),
    ("disko", "disko"),
    ("flake-parts", "flake-parts"),
    ("flake-utils", "flake-utils"),
    ("home-manager", "home-manager"),
    ("impermanence", "impermanence"),
    ("lanzaboote", "lanzaboote"),
    ("nixos-hardware", "nixos-hardware"),
    ("nixpkgs", "nixpkgs-lib"),
    ("nixpkgs.lib", "nixpkgs-lib"),
    ("sops-nix", "sops-nix"),
];

fn realworld() -> Result<PathBuf, String> {
    let candidates: Vec<PathBuf> = std::env::var_os("NIXPLAN_REALWORLD")
        .map(PathBuf::from)
        .into_iter()
        .chain([
            root().join("../shared/realworld-dev"),
            PathBuf::from("/work/shared/realworld-dev"),
        ])
        .collect();
    candidates
        .iter()
        .find(|p| p.join("README.md").is_file() && p.join("src").is_dir())
        .cloned()
        .ok_or_else(|| {
            format!("no realworld-dev corpus (set NIXPLAN_REALWORLD); looked in {candidates:?}")
        })
}

/// `--override-input PATH DIR` for every lock node reached from the root
/// (up to four inputs deep) whose repository is an upstream snapshot.
fn overrides(lock: &Value, upstream: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let nodes = &lock["nodes"];
    fn walk(
        nodes: &Value,
        key: &str,
        prefix: &str,
        depth: usize,
        upstream: &Path,
        out: &mut Vec<(String, String)>,
    ) {
        if depth > 3 {
            return;
        }
        let Some(inputs) = nodes[key]["inputs"].as_object() else {
            return;
        };
        for (name, r) in inputs {
            let Some(target) = r.as_str() else { continue };
            let node = &nodes[target];
            let repo = node["locked"]["repo"]
                .as_str()
                .or(node["original"]["repo"].as_str())
                .unwrap_or(target);
            let path = format!("{prefix}{name}");
            if let Some((_, snap)) = UPSTREAM.iter().find(|(r, _)| *r == repo) {
                out.push((path.clone(), upstream.join(snap).display().to_string()));
            }
            // An overridden input still takes its own inputs from the lock.
            walk(nodes, target, &format!("{path}/"), depth + 1, upstream, out);
        }
    }
    walk(
        nodes,
        lock["root"].as_str().unwrap_or("root"),
        "",
        0,
        upstream,
        &mut out,
    );
    out
}

/// `--override-source github:OWNER/REPO DIR` for every GitHub source of
/// an upstream snapshot's repository locked in any `flake.lock` of the
/// repository (its own, and those of flakes it loads itself: flake-parts
/// partitions), which `--override-input` cannot reach.
fn source_overrides(flake: &Path, upstream: &Path) -> Vec<(String, String)> {
    let mut locks = Vec::new();
    let mut stack = vec![flake.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() && !p.is_symlink() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n == "flake.lock") {
                locks.push(p);
            }
        }
    }
    locks.sort();
    let mut out: Vec<(String, String)> = Vec::new();
    for lock in locks {
        let Ok(lock) = std::fs::read_to_string(&lock)
            .map_err(|_| ())
            .and_then(|t| serde_json::from_str::<Value>(&t).map_err(|_| ()))
        else {
            continue;
        };
        for node in lock["nodes"]
            .as_object()
            .into_iter()
            .flat_map(|o| o.values())
        {
            let l = &node["locked"];
            let (Some("github"), Some(owner), Some(repo)) =
                (s(&l["type"]), s(&l["owner"]), s(&l["repo"]))
            else {
                continue;
            };
            let Some((_, snap)) = UPSTREAM.iter().find(|(r, _)| *r == repo) else {
                continue;
            };
            let key = format!("github:{owner}/{repo}").to_lowercase();
            if !out.iter().any(|(k, _)| k.to_lowercase() == key) {
                out.push((
                    format!("github:{owner}/{repo}"),
                    upstream.join(snap).display().to_string(),
                ));
            }
        }
    }
    out
}

fn s(v: &Value) -> Option<&str> {
    v.as_str()
}

/// The manifest's facts missing from the configuration, each named.
fn missing_facts(m: &Value, c: &Value) -> Vec<String> {
    let mut missing = Vec::new();
    let mut check = |ok: bool, what: String| {
        if !ok {
            missing.push(what);
        }
    };
    let d = &c["disko"];
    for disk in m["disks"].as_array().into_iter().flatten() {
        let name = s(&disk["name"]).unwrap_or("?");
        let cd = &d["disks"][name];
        check(
            cd["device"]["value"] == disk["device"],
            format!("disk {name} device"),
        );
        let parts = cd["content"]["partitions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for p in disk["partitions"].as_array().into_iter().flatten() {
            let pn = s(&p["name"]).unwrap_or("?");
            let found = parts
                .iter()
                .find(|q| q["name"] == p["name"] || q["name"] == p["partition_name"]);
            let Some(q) = found else {
                check(false, format!("partition {name}/{pn}"));
                continue;
            };
            check(
                q["size"]["value"] == p["size"],
                format!("partition {name}/{pn} size"),
            );
            if !p["type"].is_null() {
                check(
                    q["type_code"]["value"] == p["type"],
                    format!("partition {name}/{pn} type"),
                );
            }
            check(
                q["content"]["type"] == p["content"],
                format!("partition {name}/{pn} content"),
            );
            for (fact, field) in [("format", "format"), ("mountpoint", "mountpoint")] {
                if !p[fact].is_null() {
                    check(
                        q["content"][field]["value"] == p[fact],
                        format!("partition {name}/{pn} {fact}"),
                    );
                }
            }
        }
    }
    for vg in m["lvm_vgs"].as_array().into_iter().flatten() {
        let vn = s(&vg["name"]).unwrap_or("?");
        for lv in vg["lvs"].as_array().into_iter().flatten() {
            let ln = s(&lv["name"]).unwrap_or("?");
            let cl = &d["lvm_vgs"][vn]["lvs"][ln];
            check(
                cl["size"]["value"] == lv["size"],
                format!("lv {vn}/{ln} size"),
            );
            check(
                cl["content"]["type"] == lv["content"],
                format!("lv {vn}/{ln} content"),
            );
            for fact in ["format", "mountpoint"] {
                if !lv[fact].is_null() {
                    check(
                        cl["content"][fact]["value"] == lv[fact],
                        format!("lv {vn}/{ln} {fact}"),
                    );
                }
            }
            for (sub, mp) in lv["subvolumes"].as_object().into_iter().flatten() {
                let subs = cl["content"]["subvolumes"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                check(
                    subs.iter().any(|x| {
                        x["name"]["value"] == sub.as_str() && x["mountpoint"]["value"] == *mp
                    }),
                    format!("lv {vn}/{ln} subvolume {sub}"),
                );
            }
        }
    }
    for pool in m["zpools"].as_array().into_iter().flatten() {
        let pn = s(&pool["name"]).unwrap_or("?");
        for ds in pool["datasets"].as_array().into_iter().flatten() {
            let dn = s(&ds["name"]).unwrap_or("?");
            let cds = &d["zpools"][pn]["datasets"][dn];
            check(
                cds["kind"]["value"] == ds["type"],
                format!("dataset {pn}/{dn}"),
            );
            if !ds["options_mountpoint"].is_null() {
                check(
                    cds["options"]["value"]["mountpoint"] == ds["options_mountpoint"],
                    format!("dataset {pn}/{dn} mountpoint option"),
                );
            }
        }
    }
    for n in m["nodev"].as_array().into_iter().flatten() {
        let mp = s(&n["mountpoint"]).unwrap_or("?");
        check(
            d["nodev"][mp]["fs_type"]["value"] == n["fsType"],
            format!("nodev {mp}"),
        );
    }
    let persistence: Vec<&Value> = c["persistence"]
        .as_object()
        .map(|o| o.values().collect())
        .unwrap_or_default();
    for p in m["persistence"].as_array().into_iter().flatten() {
        let r = s(&p["root"]).unwrap_or("?");
        let kind = s(&p["kind"]).unwrap_or("?");
        let trimmed = r.trim_end_matches('/');
        let entries: Vec<&&Value> = persistence
            .iter()
            .filter(|e| {
                e["root"]["value"].as_str().map(|x| x.trim_end_matches('/')) == Some(trimmed)
            })
            .collect();
        if entries.is_empty() {
            check(false, format!("persistence {r} ({kind})"));
            continue;
        }
        let mut dirs = Vec::new();
        let mut files = Vec::new();
        for e in &entries {
            dirs.extend(
                e["directories"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|x| s(&x["directory"]).map(str::to_string)),
            );
            files.extend(
                e["files"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|x| s(&x["file"]).map(str::to_string)),
            );
            for u in e["users"].as_object().into_iter().flatten().map(|(_, u)| u) {
                let home = s(&u["home"]["value"]).unwrap_or("");
                for x in u["directories"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|x| s(&x["directory"]))
                {
                    dirs.push(x.to_string());
                    dirs.push(format!("{home}/{x}"));
                }
                for x in u["files"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|x| s(&x["file"]))
                {
                    files.push(x.to_string());
                    files.push(format!("{home}/{x}"));
                }
            }
        }
        for x in p["sample_directories"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(s)
        {
            check(
                dirs.iter().any(|d| d == x),
                format!("persistence {r} directory {x}"),
            );
        }
        for x in p["sample_files"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(s)
        {
            check(
                files.iter().any(|f| f == x),
                format!("persistence {r} file {x}"),
            );
        }
    }
    missing
}

/// What a repository reaches: `plans` (every fact, and the plan made),
/// `plans, missing: A; B`, `config has the facts, plan stops: FIRST ERROR
/// LINE` (or `missing: A; B; plan stops: …`) or `stops: FIRST ERROR LINE`
/// (cut at 100 characters).
fn outcome(corpus: &Path, upstream: &Path, manifest: &Path) -> String {
    let m: Value = serde_json::from_str(&std::fs::read_to_string(manifest).unwrap()).unwrap();
    let repo = manifest.file_stem().unwrap().to_string_lossy().into_owned();
    let target = s(&m["target"]).unwrap();
    let (dir, host) = target.split_once('#').unwrap();
    let flake = corpus.join("src").join(&repo).join(dir);
    let lock: Value = std::fs::read_to_string(flake.join("flake.lock"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    // A flake below the repository's top is read with all of the
    // repository as its source (nix copies a git work tree whole; these
    // snapshots have no .git, so the reference says so: `?dir=`).
    let target = match dir.trim_matches('/') {
        "" => format!("{}#{host}", flake.display()),
        sub => format!(
            "path:{}?dir={sub}#{host}",
            corpus.join("src").join(&repo).display()
        ),
    };
    let mut args = vec![
        "config".to_string(),
        target,
        "--json".into(),
        "--offline".into(),
    ];
    for (path, dir) in overrides(&lock, upstream) {
        args.extend(["--override-input".into(), path, dir]);
    }
    for (repo, dir) in source_overrides(&flake, upstream) {
        args.extend(["--override-source".into(), repo, dir]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, err) = nixplan_text(&args);
    if code != 0 {
        let first = err
            .lines()
            .find(|l| l.starts_with("error"))
            .unwrap_or("(no error line)");
        // Said relative to the repository, wherever the corpus is.
        let real = flake.canonicalize().unwrap_or_else(|_| flake.clone());
        let first = first
            .replace(&format!("{}/", flake.display()), "")
            .replace(&format!("{}/", real.display()), "");
        let first: String = first.chars().take(100).collect();
        return format!("stops: {}", first.trim_end());
    }
    let c: Value = serde_json::from_str(&out).unwrap();
    let missing = missing_facts(&m, &c);
    // The plan itself is made too: lint's errors, the planner's own
    // refusals and the plan's making stop it where `config` is content.
    let mut plan_args = args.clone();
    plan_args[0] = "plan";
    plan_args.retain(|a| *a != "--json");
    let (code, _, err) = nixplan_text(&plan_args);
    if code != 0 {
        let first = err
            .lines()
            .find(|l| l.starts_with("error"))
            .unwrap_or("(no error line)");
        let first: String = first.chars().take(100).collect();
        return if missing.is_empty() {
            format!("config has the facts, plan stops: {}", first.trim_end())
        } else {
            format!(
                "missing: {}; plan stops: {}",
                missing.join("; "),
                first.trim_end()
            )
        };
    }
    if missing.is_empty() {
        "plans".into()
    } else {
        format!("plans, missing: {}", missing.join("; "))
    }
}

#[test]
fn realworld_flakes_reach_what_the_expectations_say() {
    let test = "realworld_flakes_reach_what_the_expectations_say";
    let (corpus, upstream) = match (realworld(), common::upstream()) {
        (Ok(c), Ok(u)) => (c, u),
        (Err(why), _) | (_, Err(why)) => {
            skip_unless(test, Some(why), "NIXPLAN_REQUIRE_UPSTREAM");
            return;
        }
    };
    let expected: BTreeMap<String, String> =
        std::fs::read_to_string(root().join("tests/realworld-expected.txt"))
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| {
                let (repo, rest) = l.split_once(": ").unwrap_or_else(|| panic!("bad line {l}"));
                // `OUTCOME  -- why` (the reason is for people).
                let outcome = rest.split("  -- ").next().unwrap().trim_end();
                (repo.to_string(), outcome.to_string())
            })
            .collect();
    let mut manifests: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    manifests.sort();
    let mut wrong = Vec::new();
    for m in &manifests {
        let repo = m.file_stem().unwrap().to_string_lossy().into_owned();
        let got = outcome(&corpus, &upstream, m);
        eprintln!("{repo}: {got}");
        if expected.get(&repo) != Some(&got) {
            wrong.push(format!(
                "{repo}: {got}\n    expected: {}",
                expected
                    .get(&repo)
                    .map(String::as_str)
                    .unwrap_or("(no line)")
            ));
        }
    }
    assert!(manifests.len() >= 10, "{manifests:?}");
    assert!(
        wrong.is_empty(),
        "tests/realworld-expected.txt is not what happens:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_fact_check_sees_a_wrong_or_missing_fact() {
    let m: Value = serde_json::from_str(
        r#"{ "disks": [ { "name": "main", "device": "/dev/vda", "partitions": [
               { "name": "root", "size": "100%", "type": null, "content": "filesystem", "format": "ext4", "mountpoint": "/", "partition_name": "root" } ] } ],
             "lvm_vgs": [], "zpools": [], "nodev": [],
             "persistence": [ { "root": "/persist", "kind": "nixos", "sample_directories": [ "/var/log" ], "sample_files": [] } ] }"#,
    )
    .unwrap();
    let good: Value = serde_json::from_str(
        r#"{ "disko": { "disks": { "main": { "device": { "value": "/dev/vda" }, "content": { "partitions": [
               { "name": "root", "size": { "value": "100%" }, "content": { "type": "filesystem", "format": { "value": "ext4" }, "mountpoint": { "value": "/" } } } ] } } } },
             "persistence": { "/persist": { "root": { "value": "/persist" }, "directories": [ { "directory": "/var/log" } ], "files": [], "users": {} } } }"#,
    )
    .unwrap();
    assert!(
        missing_facts(&m, &good).is_empty(),
        "{:?}",
        missing_facts(&m, &good)
    );
    let mut bad = good.clone();
    bad["disko"]["disks"]["main"]["content"]["partitions"][0]["content"]["format"]["value"] =
        "xfs".into();
    bad["persistence"]["/persist"]["directories"] = serde_json::json!([]);
    assert_eq!(
        missing_facts(&m, &bad),
        [
            "partition main/root format",
            "persistence /persist directory /var/log"
        ]
    );
}
