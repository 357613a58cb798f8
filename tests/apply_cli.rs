//! `nixplan apply` from the command line, where nothing may run: dry runs,
//! and plans refused before any command (stale sources, edited plans).

mod common;

use common::nixplan_text;

/// A copy of a fixture flake, planned and saved beside it.
fn planned_copy(fixture: &str, name: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let src = common::root().join("tests/fixtures").join(fixture);
    for e in std::fs::read_dir(&src).unwrap().flatten() {
        std::fs::copy(e.path(), dir.path().join(e.file_name())).unwrap();
    }
    let plan = dir.path().join("plan.json").display().to_string();
    let target = format!("{}#{name}", dir.path().display());
    let (code, _, err) = nixplan_text(&["plan", &target, "--out", &plan]);
    assert_eq!(code, 0, "{err}");
    (dir, plan)
}

#[test]
fn a_dry_run_prints_every_command_with_its_environment() {
    let (_dir, plan) = planned_copy("esp-ext4", "alder");
    let (code, out, err) = nixplan_text(&["apply", &plan, "--dry-run"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("dry run: 19 actions"), "{out}");
    assert!(
        out.contains("! disko/disk/main/partition/root/format [target]\n  (skipped when `sh -c blkid -p -o export \"$1\" | grep -q '^TYPE=' sh /dev/disk/by-partlabel/disk-main-root` succeeds)\n  env -i HOME=/root LANG=C.UTF-8 LC_ALL=C.UTF-8 PATH="),
        "{out}"
    );
    assert!(
        out.contains("mkfs.ext4 /dev/disk/by-partlabel/disk-main-root\n"),
        "{out}"
    );
    assert!(
        out.contains("(only never on the machine nixplan runs on)"),
        "{out}"
    );
}

#[test]
fn a_stale_plan_is_refused_naming_what_changed() {
    let (dir, plan) = planned_copy("esp-ext4", "alder");
    let disko = dir.path().join("disko.nix");
    let text = std::fs::read_to_string(&disko).unwrap();
    std::fs::write(&disko, text.replace("512M", "1G")).unwrap();
    let (code, _, err) = nixplan_text(&["apply", &plan, "--dry-run"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("the plan is stale: disko.nix changed; plan again"),
        "{err}"
    );
}

#[test]
fn an_edited_plan_is_refused() {
    let (_dir, plan) = planned_copy("esp-ext4", "alder");
    let text = std::fs::read_to_string(&plan).unwrap();
    std::fs::write(&plan, text.replacen("mkfs.ext4", "mkfs.xfs", 1)).unwrap();
    let (code, _, err) = nixplan_text(&["apply", &plan, "--dry-run"]);
    assert_eq!(code, 1);
    assert!(err.contains("the plan does not verify"), "{err}");
    assert!(err.contains("(the plan was edited)"), "{err}");
}

#[test]
fn unknown_phases_are_refused() {
    let (_dir, plan) = planned_copy("esp-ext4", "alder");
    let (code, _, err) = nixplan_text(&["apply", &plan, "--dry-run", "--stop-after", "dsko"]);
    assert_eq!(code, 1);
    assert!(err.contains("unknown phase \"dsko\""), "{err}");
}

#[test]
fn a_saved_plan_runs_only_on_the_host_it_was_made_for() {
    let (_dir, plan) = planned_copy("esp-ext4", "alder");
    let (code, _, err) = nixplan_text(&[
        "apply",
        &plan,
        "--dry-run",
        "--target-host",
        "root@192.0.2.1",
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("the plan was made for the machine nixplan runs on, not root@192.0.2.1"),
        "{err}"
    );
}

#[test]
fn a_saved_plan_is_not_replanned_behind_the_reviewers_back() {
    let (_dir, plan) = planned_copy("esp-ext4", "alder");
    let (code, _, err) = nixplan_text(&["apply", &plan, "--dry-run", "--bootstrap", "kexec"]);
    assert_eq!(code, 1);
    assert!(err.contains("--bootstrap changes what is planned"), "{err}");
    // Where its inputs come from too.
    for extra in [
        &["--override-input", "disko", "/tmp"][..],
        &["--strict-inputs"],
        &["--eval", "nix"],
    ] {
        let mut args = vec!["apply", plan.as_str(), "--dry-run"];
        args.extend_from_slice(extra);
        let (code, _, err) = nixplan_text(&args);
        assert_eq!(code, 1, "{extra:?}");
        assert!(
            err.contains(&format!("{} changes what is planned", extra[0])),
            "{err}"
        );
    }
}

/// An activation snippet whose text cannot be evaluated where the plan is
/// made (a secret not checked out): `config` says so and has everything
/// else, the plan leaves that snippet out and says it is incomplete
/// wherever a reviewer looks (text, markdown, JSON under the hash), a dry
/// run still shows it, and apply refuses it (the executor's admission
/// test runs that refusal).
#[test]
fn a_snippet_that_cannot_be_evaluated_makes_an_incomplete_plan() {
    let file = "tests/incomplete/secret-not-checked-out.nix";
    let why = "The option `secrets.db.file' is used but not defined. (at tests/incomplete/secret-not-checked-out.nix:16:33)";
    let (code, out, err) = nixplan_text(&["config", file, "--json"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!(
            "warning: the activation snippet install-secrets cannot be evaluated here: {why}"
        )),
        "{err}"
    );
    let c: serde_json::Value = serde_json::from_str(&out).unwrap();
    let snippets = &c["activation_scripts"];
    assert_eq!(snippets["install-secrets"]["error"], why);
    assert_eq!(snippets["install-secrets"]["deps"]["value"][0], "users");
    assert_eq!(snippets["motd"]["text"], "echo hello > /etc/motd");
    assert!(snippets["motd"].get("error").is_none());

    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.json").display().to_string();
    let (code, _, err) = nixplan_text(&["plan", file, "--out", &plan]);
    assert_eq!(code, 0, "{err}");
    let p: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&plan).unwrap()).unwrap();
    assert_eq!(
        p["incomplete"][0]["what"],
        "activation snippet install-secrets"
    );
    assert_eq!(p["incomplete"][0]["error"], why);
    // Format 2: a nixplan that reads only format 1 (which would drop
    // `incomplete`) refuses it by its format; a complete plan stays 1.
    assert_eq!(p["format_version"], 2);
    let complete = dir.path().join("complete.json").display().to_string();
    let (code, _, err) = nixplan_text(&["plan", "tests/lint/clean/NP503.nix", "--out", &complete]);
    assert_eq!(code, 0, "{err}");
    let c: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&complete).unwrap()).unwrap();
    assert_eq!(c["format_version"], 1);
    // The diff says what the new plan lacks before its changes.
    let (code, out, err) = nixplan_text(&["plan", file, "--diff", &complete]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(
            "! the new plan lacks activation snippet install-secrets: it cannot be evaluated here"
        ) && out.contains("apply refuses it"),
        "{out}"
    );
    let ids: Vec<&str> = p["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"activation/snippet/motd"), "{ids:?}");
    assert!(
        !ids.iter().any(|i| i.contains("install-secrets")),
        "{ids:?}"
    );

    let line = format!("Incomplete: the activation snippet install-secrets could not be evaluated here ({why}); apply refuses this plan");
    let (code, text, _) = nixplan_text(&["plan", file]);
    assert_eq!(code, 0);
    assert!(text.contains(&line), "{text}");
    let (_, md, _) = nixplan_text(&["plan", file, "--format", "markdown"]);
    assert!(
        md.contains(&format!("#### ⛔ Incomplete\n\n- {line}")),
        "{md}"
    );
    let (code, out, err) = nixplan_text(&["apply", &plan, "--dry-run"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        format!("{out}{err}").contains(&format!("this plan is incomplete, apply refuses it:\n  activation snippet install-secrets: {why}")),
        "{out}{err}"
    );
    // Refused before anything (a prompt, a connection): the plan is for a
    // host that cannot be reached anyway (TEST-NET-1).
    let remote = dir.path().join("remote.json").display().to_string();
    let (code, _, err) = nixplan_text(&[
        "plan",
        file,
        "--target-host",
        "root@192.0.2.1",
        "--out",
        &remote,
    ]);
    assert_eq!(code, 0, "{err}");
    let state = dir.path().join("state");
    let (code, _, err) = nixplan_text(&[
        "apply",
        &remote,
        "--state-dir",
        &state.display().to_string(),
    ]);
    assert_eq!(code, 1);
    // Not even the run's state (its SSH directory) was made.
    assert!(!state.exists(), "{err}");
    assert!(
        err.starts_with(&format!("error: the plan is incomplete (it lacks what could not be evaluated where it was made):\n  activation snippet install-secrets: {why}\n")),
        "{err}"
    );
}
