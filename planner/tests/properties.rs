//! Properties: any valid disko layout gives a plan that `verify` accepts,
//! and whose unmount order is exactly the reverse of its mount order; and
//! any configuration at all, valid or hostile (odd devices, sizes,
//! mountpoints, names, types, nesting), ends in a plan `verify` accepts
//! or in an error, never a panic (our fuzz target for config and plan;
//! `PROPTEST_CASES=N` runs longer by hand).

mod common;

use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Part {
    size: &'static str,
    priority: Option<i32>,
    content: u8,
    mountpoint: &'static str,
}

const MOUNTPOINTS: &[&str] = &[
    "/",
    "/boot",
    "/home",
    "/home/alice",
    "/var",
    "/var/lib",
    "/srv",
    "/srv/a/b",
    "/nix",
    "/persist",
];

fn part() -> impl Strategy<Value = Part> {
    (
        prop::sample::select(vec!["1M", "256M", "1G", "10G"]),
        prop::option::of(0i32..2000),
        0u8..5,
        prop::sample::select(MOUNTPOINTS.to_vec()),
    )
        .prop_map(|(size, priority, content, mountpoint)| Part {
            size,
            priority,
            content,
            mountpoint,
        })
}

fn layout() -> impl Strategy<Value = Vec<(Vec<Part>, bool)>> {
    prop::collection::vec((prop::collection::vec(part(), 1..5), any::<bool>()), 1..4)
}

fn nix(disks: &[(Vec<Part>, bool)]) -> String {
    let mut used = std::collections::BTreeSet::new();
    let mut out = String::from("{\n  disko.devices.disk = {\n");
    for (d, (parts, rest)) in disks.iter().enumerate() {
        out.push_str(&format!("    d{d} = {{ device = \"/dev/vd{}\"; content.type = \"gpt\"; content.partitions = {{\n", (b'a' + d as u8) as char));
        for (i, p) in parts.iter().enumerate() {
            let size = if *rest && i == parts.len() - 1 {
                "100%"
            } else {
                p.size
            };
            let prio = p
                .priority
                .map(|x| format!("priority = {x}; "))
                .unwrap_or_default();
            let content = match p.content {
                0 => String::new(),
                1 => "content = { type = \"swap\"; };".into(),
                2 if used.insert(p.mountpoint) => {
                    format!("content = {{ type = \"filesystem\"; format = \"ext4\"; mountpoint = \"{}\"; }};", p.mountpoint)
                }
                3 if used.insert(p.mountpoint) => format!(
                    "content = {{ type = \"luks\"; name = \"c{d}{i}\"; settings.keyFile = \"/tmp/k\"; content = {{ type = \"filesystem\"; format = \"xfs\"; mountpoint = \"{}\"; }}; }};",
                    p.mountpoint
                ),
                4 if used.insert(p.mountpoint) => format!(
                    "content = {{ type = \"btrfs\"; subvolumes.\"@s{d}{i}\".mountpoint = \"{}\"; }};",
                    p.mountpoint
                ),
                _ => String::new(),
            };
            out.push_str(&format!(
                "      p{i} = {{ size = \"{size}\"; {prio}{content} }};\n"
            ));
        }
        out.push_str("    }; };\n");
    }
    out.push_str("  };\n}\n");
    out
}

/// Values a hostile or careless configuration might hold, as Nix text.
fn wild() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "\"/dev/vda\"",
            "\"/dev/disk/by-id/x\"",
            "\"\"",
            "\"sda\"",
            "\"/dev/../etc\"",
            "\"/\"",
            "\"/../escape\"",
            "\"//x\"",
            "\"/a/./b\"",
            "\"/a b\"",
            "\"100%\"",
            "\"-5M\"",
            "\"lots\"",
            "\"0\"",
            "\"1K\"",
            "\"9999999999999T\"",
            "\"50%\"",
            "null",
            "true",
            "0",
            "-1",
            "9223372036854775807",
            "[ ]",
            "{ }",
            "[ \"a\" ]",
            "\"ext4\"",
            "\"btrfs\"",
            "\"vfat\"",
            "\"tmpfs\"",
            "\"xfs\"",
            "\"bogus\"",
            "\"gpt\"",
            "\"filesystem\"",
            "\"luks\"",
            "\"lvm_pv\"",
            "\"swap\"",
            "\"zfs\"",
            "\"mdraid\"",
            "\"EF00\"",
            "\"8300\"",
            "\"'; rm -rf / #\"",
            "\"$(reboot)\"",
            "\"\\n\"",
            "(x: x)",
            "./.",
            "(throw \"boom\")",
            "(builtins.abort \"no\")",
        ])
        .prop_map(String::from),
        "[a-z/%.0-9 -]{0,12}".prop_map(|s| format!("{s:?}")),
    ]
}

/// A disko-shaped attribute set with wild values in every field.
fn hostile() -> impl Strategy<Value = String> {
    let field = prop::sample::select(vec![
        "device",
        "type",
        "size",
        "start",
        "end",
        "format",
        "mountpoint",
        "mountOptions",
        "name",
        "priority",
        "label",
        "extraArgs",
        "keyFile",
        "mountPoint",
        "subvolumes",
        "partitions",
        "content",
        "lvs",
        "datasets",
        "pool",
        "vg",
        "passwordFile",
    ]);
    let leaf = (field.clone(), wild()).prop_map(|(f, v)| format!("{f} = {v};"));
    let node = leaf.prop_recursive(3, 24, 4, move |inner| {
        (field.clone(), prop::collection::vec(inner, 0..4))
            .prop_map(|(f, kids)| format!("{f} = {{ {} }};", kids.join(" ")))
    });
    (
        prop::collection::vec(node.clone(), 1..4),
        prop::collection::vec(node, 0..3),
        prop::collection::vec(wild(), 0..3),
    )
        .prop_map(|(disk, nodev, persisted)| {
            format!(
                "{{ disko.devices.disk.d = {{ {} }}; disko.devices.nodev.\"/\" = {{ {} }}; environment.persistence.\"/persist\".directories = [ {} ]; }}",
                disk.join(" "),
                nodev.join(" "),
                persisted.join(" ")
            )
        })
}

/// Mostly a sensible value, sometimes a wild one.
fn mostly(sane: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(sane.to_vec()).prop_map(String::from),
        1 => wild(),
    ]
}

/// A gpt disk of filesystem partitions shaped as disko wants, with odd
/// values in its fields: these reach the planner.
fn skeleton() -> impl Strategy<Value = String> {
    let part = (
        mostly(&["\"1G\"", "\"512M\"", "\"100%\""]),
        mostly(&["\"ext4\"", "\"vfat\"", "\"xfs\"", "\"btrfs\""]),
        mostly(&[
            "\"/\"",
            "\"/boot\"",
            "\"/home\"",
            "\"/nix\"",
            "\"/persist\"",
        ]),
        mostly(&["\"8300\"", "\"EF00\""]),
    );
    (
        mostly(&["\"/dev/vda\"", "\"/dev/disk/by-id/virtio-a\""]),
        prop::collection::vec(part, 1..5),
    )
        .prop_map(|(device, parts)| {
            let parts: Vec<String> = parts
                .iter()
                .enumerate()
                .map(|(i, (size, format, mountpoint, ptype))| {
                    format!("p{i} = {{ size = {size}; type = {ptype}; content = {{ type = \"filesystem\"; format = {format}; mountpoint = {mountpoint}; }}; }};")
                })
                .collect();
            format!(
                "{{ disko.devices.disk.d = {{ device = {device}; type = \"disk\"; content = {{ type = \"gpt\"; partitions = {{ {} }}; }}; }}; }}",
                parts.join(" ")
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(96),
        ..ProptestConfig::default()
    })]
    #[test]
    fn hostile_configurations_plan_or_fail_cleanly(src in prop_oneof![hostile(), skeleton()]) {
        let src2 = src.clone();
        let ended = std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn(move || common::try_plan_of(&src2))
            .unwrap()
            .join();
        prop_assert!(ended.is_ok(), "panicked on:\n{}", src);
        // How far the inputs get (for a run by hand): NIXPLAN_FUZZ_STATS=FILE.
        if let Some(stats) = std::env::var_os("NIXPLAN_FUZZ_STATS") {
            use std::io::Write;
            let what = match &ended {
                Ok(Ok(p)) => format!("plan {} actions", p.actions.len()),
                Ok(Err(e)) => format!("error {}", e.lines().next().unwrap_or("").chars().take(60).collect::<String>()),
                Err(_) => "panic".into(),
            };
            let mut f = std::fs::OpenOptions::new().create(true).append(true).open(stats).unwrap();
            writeln!(f, "{what}").unwrap();
        }
        if let Ok(Ok(plan)) = ended {
            let problems = nixplan_plan::verify::verify(&plan);
            prop_assert!(problems.is_empty(), "{}\n{:?}", src, problems);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    #[test]
    fn random_layouts_verify(disks in layout()) {
        let src = nix(&disks);
        let plan = common::plan_of(&src);
        let problems = nixplan_plan::verify::verify(&plan);
        prop_assert!(problems.is_empty(), "{src}\n{problems:?}");
        let mounts: Vec<&str> = plan.actions.iter().filter(|a| a.kind == "mount").map(|a| a.argv.as_ref().unwrap()[4].as_str()).collect();
        let mut unmounts: Vec<&str> = plan.actions.iter().filter(|a| a.kind == "unmount").map(|a| a.argv.as_ref().unwrap()[1].as_str()).collect();
        unmounts.reverse();
        prop_assert_eq!(mounts, unmounts);
    }
}

/// Found by `hostile_configurations_plan_or_fail_cleanly`: a format that
/// is a path made `mkfs./dev/vda` write to a device the plan named nowhere.
#[test]
fn a_format_that_is_not_a_filesystem_type_is_refused_at_its_line() {
    let src = "{ disko.devices.disk.d = { device = \"/dev/disk/by-id/virtio-a\"; type = \"disk\"; content = { type = \"gpt\"; partitions = { p0 = { size = \"1G\"; type = \"8300\"; content = { type = \"filesystem\"; format = \"/dev/vda\"; mountpoint = \"/boot\"; }; }; p1 = { size = \"1G\"; type = \"8300\"; content = { type = \"filesystem\"; format = \"ext4\"; mountpoint = \"/\"; }; }; }; }; }; }";
    let err = common::try_plan_of(src).unwrap_err();
    assert!(
        err.contains("format \"/dev/vda\" is not a filesystem type"),
        "{err}"
    );
    assert!(err.contains(":1:"), "no position: {err}");
}
