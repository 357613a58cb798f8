//! Property: any valid disko layout gives a plan that `verify` accepts, and
//! whose unmount order is exactly the reverse of its mount order.

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
