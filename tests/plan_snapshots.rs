//! `nixplan plan` of every fixture target, as text and JSON, pinned as insta
//! snapshots under snapshots/plan/; fixtures the planner refuses pin the
//! error. Every saved plan must pass `nixplan verify`.

mod common;

use std::path::Path;

use common::{fixture_targets, nixplan, root};

#[test]
fn plan_of_every_fixture() {
    let repo = root().display().to_string();
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    for t in fixture_targets() {
        let (dir, arg, name) = (&t.dir, &t.arg, &t.name);
        let saved = tmp.join(format!("{name}.plan.json"));
        let out = nixplan(&[
            "plan",
            arg,
            "--out",
            saved.to_str().unwrap(),
            "--format",
            "text",
        ]);
        let stdout = String::from_utf8_lossy(&out.stdout).replace(&repo, "<repo>");
        let stderr = String::from_utf8_lossy(&out.stderr).replace(&repo, "<repo>");
        insta::with_settings!({ snapshot_path => root().join("snapshots/plan"), prepend_module_to_snapshot => false }, {
            if out.status.success() {
                insta::assert_snapshot!(format!("{name}.text"), stdout);
                let json = std::fs::read_to_string(&saved).unwrap().replace(&repo, "<repo>");
                // The hash covers the absolute flake path in install/build, so
                // it depends on the checkout; `verify` below checks it instead.
                let plan: serde_json::Value = serde_json::from_str(&json).unwrap();
                let hash = plan["hash"].as_str().unwrap();
                assert!(hash.starts_with("sha256:") && hash.len() == 71, "{hash}");
                let json = json.replace(hash, "sha256:<checked by verify>");
                insta::assert_snapshot!(format!("{name}.json"), json);
                let v = nixplan(&["verify", saved.to_str().unwrap()]);
                assert!(v.status.success(), "{arg}: verify failed: {}", String::from_utf8_lossy(&v.stdout));
            } else {
                assert!(dir.starts_with("bad-"), "{arg} failed to plan:\n{stderr}");
                assert_eq!(out.status.code(), Some(1));
                insta::assert_snapshot!(format!("{name}.error"), stderr);
            }
        });
    }
}

#[test]
fn detailed_exitcode_says_when_data_is_destroyed() {
    let out = nixplan(&[
        "plan",
        "tests/fixtures/esp-ext4#alder",
        "--detailed-exitcode",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = nixplan(&[
        "plan",
        "tests/fixtures/esp-ext4#alder",
        "--detailed-exitcode",
        "--phases",
        "install",
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn facts_decide_the_bootstrap() {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let cases = [
        (
            r#"{"os_id":"nixos","os_variant_id":"installer"}"#,
            "none: the target runs a NixOS installer",
            None,
        ),
        (
            r#"{"os_id":"debian","secure_boot":"1"}"#,
            "live: kexec cannot work because Secure Boot is on",
            Some("bootstrap/live-check"),
        ),
        (
            r#"{"os_id":"ubuntu","container":"lxc"}"#,
            "live: kexec cannot work because it is a container (lxc)",
            Some("bootstrap/live-check"),
        ),
        (
            r#"{"os_id":"debian","lockdown":"none","kexec_load_disabled":"0","container":"none","by_id":{"nvme-Samsung_SSD_970_EVO_Plus_1TB_S4EWNX0R304712K":"/dev/nvme0n1"},"disks":"{\"blockdevices\":[{\"path\":\"/dev/nvme0n1\",\"size\":1000204886016}]}"}"#,
            "kexec:",
            Some("bootstrap/kexec"),
        ),
    ];
    for (i, (facts, mode, action)) in cases.iter().enumerate() {
        let f = tmp.join(format!("facts-{i}.json"));
        std::fs::write(&f, facts).unwrap();
        let out = nixplan(&[
            "plan",
            "tests/fixtures/esp-ext4#alder",
            "--facts",
            f.to_str().unwrap(),
            "--format",
            "json",
        ]);
        assert!(out.status.success());
        let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(
            plan["summary"]["bootstrap"]
                .as_str()
                .unwrap()
                .starts_with(mode),
            "{facts}: {}",
            plan["summary"]["bootstrap"]
        );
        if i == 3 {
            assert_eq!(
                plan["summary"]["wipes"][0],
                "/dev/disk/by-id/nvme-Samsung_SSD_970_EVO_Plus_1TB_S4EWNX0R304712K (932 GiB)"
            );
        }
        let ids: Vec<&str> = plan["actions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["phase"] == "bootstrap")
            .map(|a| a["id"].as_str().unwrap())
            .collect();
        // Every plan ends the bootstrap phase with the barrier the wipes wait for.
        let mut expected: Vec<&str> = action.iter().copied().collect();
        expected.push("bootstrap/ready");
        assert_eq!(ids, expected, "{facts}");
    }
}

#[test]
fn phases_stop_after_and_extra_files() {
    let plan = |args: &[&str]| -> serde_json::Value {
        let mut all = vec![
            "plan",
            "tests/fixtures/impermanence-tmpfs-root#fir",
            "--format",
            "json",
        ];
        all.extend_from_slice(args);
        let out = nixplan(&all);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let phases = |p: &serde_json::Value| -> Vec<String> {
        p["phases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        phases(&plan(&["--stop-after", "persist"])),
        ["facts", "bootstrap", "disko", "persist"]
    );
    assert_eq!(
        phases(&plan(&["--phases", "disko,reboot"])),
        ["disko", "reboot"]
    );
    let p = plan(&[
        "--extra-files",
        "tests/fixtures",
        "--chown",
        "/home/alice",
        "1000:100",
        "--target-host",
        "root@192.0.2.1",
    ]);
    let actions = p["actions"].as_array().unwrap();
    let pos = |id: &str| {
        actions
            .iter()
            .position(|a| a["id"] == id)
            .unwrap_or_else(|| panic!("no {id}"))
    };
    assert!(
        pos("install/extra-files") < pos("install/host-keys")
            && pos("install/host-keys") < pos("install/nixos-install")
    );
    let script = actions[pos("install/extra-files")]["script"]
        .as_str()
        .unwrap();
    assert!(
        script.contains("| ssh $NIX_SSHOPTS \"$NIXPLAN_TARGET\" $NIXPLAN_SUDO 'tar -C /mnt -xf - --no-same-owner --no-overwrite-dir'")
            && script.contains("$NIXPLAN_SUDO 'chown -R 1000:100 /mnt/home/alice'"),
        "{script}"
    );
    assert_eq!(actions[pos("install/extra-files")]["runs_on"], "local");
    // Local actions reach the target as the executor does: its SSH
    // options, its login (root after a kexec), its escalation.
    for id in ["install/extra-files", "install/copy-closure"] {
        let env = &actions[pos(id)]["env"];
        assert_eq!(env["NIX_SSHOPTS"], "@ssh-options", "{id}");
        assert_eq!(env["NIXPLAN_TARGET"], "@ssh-target", "{id}");
        assert_eq!(env["NIXPLAN_SUDO"], "@escalation", "{id}");
    }
    let install = &actions[pos("install/nixos-install")];
    assert_eq!(install["env"]["HOME"], "/root");
    // The built system's path reaches it as NIXPLAN_SYSTEM, an explicit input.
    let script = install["script"].as_str().unwrap();
    assert!(script.contains("nixos-install --no-root-passwd --no-channel-copy --root /mnt --system \"$NIXPLAN_SYSTEM\""), "{script}");
    assert_eq!(install["env"]["NIXPLAN_SYSTEM"], "@install/build");
    let wipe = &actions[pos("disko/disk/main/wipe")];
    assert!(
        wipe["deps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d == "bootstrap/ready"),
        "wipes wait for the bootstrap"
    );
}

/// A hybrid MBR has room for three GPT partitions (the fourth entry is the
/// 0xEE one), and an MBR type is one hex byte: either mistake is an error
/// at the user's line, not a half-partitioned disk.
#[test]
fn hybrid_mbr_mistakes_point_at_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, parts: &str| {
        let file = dir.path().join(name);
        std::fs::write(
            &file,
            format!(
                "{{\n  disko.devices.disk.d = {{\n    type = \"disk\";\n    device = \"/dev/disk/by-id/ata-X\";\n    content = {{\n      type = \"gpt\";\n      partitions = {{\n{parts}        root = {{ size = \"100%\"; content = {{ type = \"filesystem\"; format = \"ext4\"; mountpoint = \"/\"; }}; }};\n      }};\n    }};\n  }};\n}}\n"
            ),
        )
        .unwrap();
        file
    };
    let four: String = (1..=4)
        .map(|i| format!("        p{i} = {{ priority = {i}; size = \"1M\"; hybrid = {{ }}; }};\n"))
        .collect();
    let file = write("four.nix", &four);
    let (code, _, err) = common::nixplan_text(&["plan", file.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("a hybrid MBR holds at most 3 GPT partitions")
            && err.contains(&format!("{}:11:", file.display())),
        "{err}"
    );
    let file = write(
        "type.nix",
        "        fw = { priority = 1; size = \"1M\"; hybrid.mbrPartitionType = \"fat32\"; };\n",
    );
    let (code, _, err) = common::nixplan_text(&["plan", file.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("mbrPartitionType 'fat32' is not an MBR type")
            && err.contains(&format!("{}:8:", file.display())),
        "{err}"
    );
    // GPT attribute bits are 0 to 63.
    let file = write(
        "bits.nix",
        "        fw = { priority = 1; size = \"1M\"; attributes = [ 2 64 ]; };\n",
    );
    let (code, _, err) = common::nixplan_text(&["plan", file.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("integer between 0 and 63") && err.contains(&format!("{}:8:", file.display())),
        "{err}"
    );
}

/// disko's and impermanence's submodules are strict, as in NixOS: a
/// misspelt option is an error at the user's line with the option meant,
/// never a silently unmounted filesystem or an unpersisted directory.
#[test]
fn misspelt_disko_and_impermanence_options_are_errors_at_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "content = { type = \"filesystem\"; format = \"ext4\"; mountPoint = \"/\"; };",
            "environment.persistence.\"/persist\".directories = [ ];",
            "The option `disko.devices.disk.d.content.partitions.root.content.mountPoint' does not exist. Did you mean `disko.devices.disk.d.content.partitions.root.content.mountpoint'?",
            ":7:",
        ),
        (
            "content = { type = \"filesystem\"; format = \"ext4\"; mountpoint = \"/\"; };",
            "environment.persistence.\"/persist\".fles = [ \"/etc/machine-id\" ];",
            "The option `environment.persistence.\"/persist\".fles' does not exist. Did you mean `environment.persistence.\"/persist\".files'?",
            ":11:",
        ),
    ];
    for (content, persistence, wanted, line) in cases {
        let file = dir.path().join("typo.nix");
        std::fs::write(
            &file,
            format!(
                "{{\n  disko.devices.disk.d = {{\n    device = \"/dev/disk/by-id/ata-X\";\n    content = {{\n      type = \"gpt\";\n      partitions = {{\n        root = {{ size = \"100%\"; {content} }};\n      }};\n    }};\n  }};\n  {persistence}\n}}\n"
            ),
        )
        .unwrap();
        for command in ["plan", "lint"] {
            let (code, _, err) = common::nixplan_text(&[command, file.to_str().unwrap()]);
            assert_eq!(code, 1, "{command}: {err}");
            assert!(
                err.contains(wanted) && err.contains(&format!("{}{line}", file.display())),
                "{command}: {wanted}\n{err}"
            );
        }
    }
    // What impermanence itself declares is accepted (nixplan does not read
    // it): the set's allowTrash, an entry's hideMount, method, filePath.
    let file = dir.path().join("declared.nix");
    std::fs::write(
        &file,
        "{\n  environment.persistence.\"/persist\" = {\n    allowTrash = true;\n    directories = [ { directory = \"/var/lib/x\"; hideMount = true; allowTrash = true; } ];\n    files = [ { file = \"/etc/machine-id\"; method = \"symlink\"; } ];\n    users.alice.directories = [ \"Documents\" ];\n  };\n}\n",
    )
    .unwrap();
    let (code, out, err) = common::nixplan_text(&["config", file.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("/var/lib/x") && out.contains("Documents"),
        "{out}"
    );
}

/// A zpool topology must place exactly the devices that are zfs members
/// of the pool (disko would silently skip creating it otherwise), and its
/// modes are disko's.
#[test]
fn zpool_topology_mistakes_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let fixture =
        std::fs::read_to_string(common::root().join("tests/fixtures/zfs-topology/disko.nix"))
            .unwrap();
    let cases = [
        // The cache disk is a member of the pool but in no vdev.
        (
            "cache = [ \"cache\" ];",
            "",
            "these zfs members of the pool are in no vdev: /dev/disk/by-partlabel/disk-cache-zfs",
        ),
        // A member that is no zfs content of the pool.
        (
            "members = [ \"x\" \"y\" ];",
            "members = [ \"x\" \"y\" \"w\" ];",
            "these vdev members have no content `type = \"zfs\"; pool = \"zroot\";`: /dev/disk/by-partlabel/disk-w-zfs",
        ),
        (
            "mode = \"mirror\";\n            members = [ \"x\" \"y\" ];",
            "mode = \"raid5\";\n            members = [ \"x\" \"y\" ];",
            "is not of type",
        ),
        // Only log, special and cache: a pool needs data vdevs.
        (
            "vdev = [",
            "vdev = [ ]; dedup = [",
            "the topology has no data vdevs",
        ),
    ];
    for (from, to, wanted) in cases {
        assert!(fixture.contains(from), "{from}");
        let file = dir.path().join("disko.nix");
        std::fs::write(&file, fixture.replacen(from, to, 1)).unwrap();
        let (code, _, err) = common::nixplan_text(&["plan", file.to_str().unwrap()]);
        assert_eq!(code, 1, "{err}");
        assert!(err.contains(wanted), "{wanted}\n{err}");
        assert!(err.contains(&file.display().to_string()), "{err}");
    }
}
