//! Checking a plan (also one read back from a file): its hash, that its
//! graph is acyclic and ordered (everything an action needs is produced
//! before it), that parents are mounted before children and unmounted after
//! them, that persisted directories live on mounted filesystems, and that
//! nothing destroys a device the configuration does not name. And the
//! meaning, not only the hash (a plan edited with its hash recomputed):
//! commands are not empty, `destructive` is what the kind says, destroyed
//! devices are ones the plan names in its resources, the summary is what
//! the actions add up to.

use std::collections::{BTreeMap, BTreeSet};

use crate::order;
use crate::plan::{Plan, Summary};
use crate::{Kind, Phase};
use crate::{Resource, ResourceKind};

/// What is wrong with a plan; empty means OK.
pub fn verify(plan: &Plan) -> Vec<String> {
    let mut problems = Vec::new();
    let expected = plan.compute_hash();
    if plan.hash != expected {
        problems.push(format!(
            "the hash is {} but the content hashes to {expected} (the plan was edited)",
            plan.hash
        ));
    }
    if !plan.hosts.is_empty() {
        // A hive plan: its hash covers the hosts; each is a plan of its own.
        if !plan.actions.is_empty() {
            problems.push("a hive plan has actions of its own besides its hosts".into());
        }
        let mut names = BTreeSet::new();
        for h in &plan.hosts {
            if !names.insert(h.target.name.as_str()) {
                problems.push(format!("the host {} is in the plan twice", h.target.name));
            }
            if h.target.goal.is_none() || h.target.goal != plan.target.goal {
                problems.push(format!(
                    "the host {}'s goal is not the hive plan's",
                    h.target.name
                ));
            }
            if !h.hosts.is_empty() {
                problems.push(format!("the host {} has hosts of its own", h.target.name));
            }
            problems.extend(
                verify(h)
                    .into_iter()
                    .map(|p| format!("{}: {p}", h.target.name)),
            );
        }
        return problems;
    }
    let ids: BTreeSet<&str> = plan.actions.iter().map(|a| a.id.as_str()).collect();
    if ids.len() != plan.actions.len() {
        problems.push("two actions have the same id".into());
    }
    if let Err(e) = order::graph_assuming(&plan.actions, &plan.assumed) {
        problems.push(format!("the graph is broken: {e}"));
    }
    // Everything needed is produced earlier (or provided by the machine).
    let mut produced: BTreeMap<&Resource, usize> = BTreeMap::new();
    for (i, a) in plan.actions.iter().enumerate() {
        for r in &a.produces {
            produced.insert(r, i);
        }
    }
    let index: BTreeMap<&str, usize> = plan
        .actions
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id.as_str(), i))
        .collect();
    for (i, a) in plan.actions.iter().enumerate() {
        for d in &a.deps {
            match index.get(d.as_str()).copied() {
                Some(j) if j >= i => {
                    problems.push(format!("{} runs before {d}, which it depends on", a.id))
                }
                Some(_) => {}
                None => problems.push(format!("{} depends on {d}, which is not in the plan", a.id)),
            }
        }
        for r in &a.needs {
            match produced.get(r) {
                Some(&j) if j >= i => {
                    problems.push(format!("{} needs {r} before it is produced", a.id))
                }
                None if !r.is_external() && !plan.assumed.contains(r) => problems.push(format!(
                    "{} needs {r}, which nothing produces and the plan does not assume",
                    a.id
                )),
                _ => {}
            }
        }
    }
    // Mounts: parent before child; unmounts exactly reversed.
    let mounts: Vec<&str> = plan
        .actions
        .iter()
        .filter(|a| a.kind == Kind::Mount)
        .filter_map(|a| a.produces.first())
        .map(|r| r.name())
        .collect();
    for (i, m) in mounts.iter().enumerate() {
        for earlier in &mounts[..i] {
            if earlier.starts_with(&format!("{}/", m.trim_end_matches('/'))) {
                problems.push(format!("{earlier} is mounted before its parent {m}"));
            }
        }
    }
    let unmounts: Vec<&str> = plan
        .actions
        .iter()
        .filter(|a| a.kind == Kind::Unmount)
        .filter_map(|a| a.argv.as_ref()?.get(1).map(|s| s.as_str()))
        .collect();
    if !unmounts.is_empty() {
        let reversed: Vec<&str> = mounts.iter().rev().copied().collect();
        if unmounts != reversed {
            problems.push(format!(
                "the unmount order {unmounts:?} is not the reverse of the mount order {mounts:?}"
            ));
        }
    }
    // Persisted directories live on a mounted filesystem.
    if !mounts.is_empty() {
        for a in plan
            .actions
            .iter()
            .filter(|a| a.phase == Phase::Persist && a.kind == Kind::Directory)
        {
            let Some(path) = a.argv.as_ref().and_then(|v| v.last()) else {
                continue;
            };
            let on_mount = mounts
                .iter()
                .any(|m| path == m || path.starts_with(&format!("{}/", m.trim_end_matches('/'))));
            if !on_mount {
                problems.push(format!(
                    "{} creates {path}, which is on no mounted filesystem",
                    a.id
                ));
            }
        }
    }
    // Destructive actions only touch devices the configuration names:
    // disks it wipes, or devices the plan itself creates.
    let named: BTreeSet<&Resource> = plan
        .actions
        .iter()
        .filter(|a| a.kind == Kind::Wipe)
        .flat_map(|a| a.needs.iter())
        .collect();
    for a in plan
        .actions
        .iter()
        .filter(|a| a.destructive && a.phase == Phase::Disko)
    {
        let ok = a
            .needs
            .iter()
            .all(|r| r.kind() != ResourceKind::Device || named.contains(r))
            && a.needs
                .iter()
                .any(|r| produced.contains_key(r) || named.contains(r));
        if !ok {
            problems.push(format!(
                "{} destroys data on a device the configuration does not name",
                a.id
            ));
        }
    }
    meaning(plan, &mut problems);
    problems
}

/// Device files a command may name that are not devices it changes.
const PSEUDO_DEVICES: &[&str] = &[
    "/dev/null",
    "/dev/zero",
    "/dev/random",
    "/dev/urandom",
    "/dev/stdin",
    "/dev/stdout",
    "/dev/stderr",
];

/// The `/dev/...` paths in a command's words.
fn device_words(text: &str) -> impl Iterator<Item = &str> {
    text.match_indices("/dev/").map(move |(i, _)| {
        let rest = &text[i..];
        // A colon ends the word only where one ends a phrase ("X: linked
        // it"): udev names md arrays' links `md-name-any:NAME-partN`.
        let end = rest
            .char_indices()
            .find(|&(j, c)| {
                c.is_whitespace()
                    || "'\";,)$`|&<>".contains(c)
                    || (c == ':'
                        && rest[j + 1..]
                            .chars()
                            .next()
                            .is_none_or(|n| n.is_whitespace() || "'\"".contains(n)))
            })
            .map_or(rest.len(), |(j, _)| j);
        &rest[..end]
    })
}

/// `dev` is a numbered partition of `disk` (`sda1`, `nvme0n1p2`, `by-id/x-part3`)
/// (as the kernel and udev name them: `-partN` under /dev/disk/, `pN`
/// after a name ending in a digit, `N` otherwise).
fn is_partition_of(dev: &str, disk: &str) -> bool {
    let Some(rest) = dev.strip_prefix(disk) else {
        return false;
    };
    let digits = if disk.starts_with("/dev/disk/") {
        rest.strip_prefix("-part")
    } else if disk.ends_with(|c: char| c.is_ascii_digit()) {
        rest.strip_prefix('p')
    } else {
        Some(rest)
    };
    digits.is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
}

fn meaning(plan: &Plan, problems: &mut Vec<String>) {
    // What a destructive action may write to: the disks the plan wipes, and
    // what actions before it produced (not what it names itself: an edited
    // action could name anything).
    let mut named: BTreeSet<&str> = plan
        .actions
        .iter()
        .filter(|a| a.kind == Kind::Wipe)
        .flat_map(|a| a.needs.iter())
        .filter(|r| r.kind() == ResourceKind::Device)
        .map(|r| r.name())
        .collect();
    for a in &plan.actions {
        if a.argv
            .as_ref()
            .is_some_and(|v| v.first().is_none_or(|w| w.is_empty()))
        {
            problems.push(format!("{} has an empty command", a.id));
        }
        if a.destructive != a.kind.destroys_data() {
            problems.push(format!(
                "{} is a {} action, which {} data, but the plan says destructive: {}",
                a.id,
                a.kind,
                if a.kind.destroys_data() {
                    "destroys"
                } else {
                    "does not destroy"
                },
                a.destructive
            ));
        }
        if a.destructive {
            let words = a
                .argv
                .iter()
                .flatten()
                .map(String::as_str)
                .chain(a.script.as_deref());
            for text in words {
                for dev in device_words(text) {
                    // An array is written where it is created.
                    let creates =
                        a.kind == Kind::MdadmCreate && a.produces.iter().any(|r| r.name() == dev);
                    let known = creates
                        || named.contains(dev)
                        || PSEUDO_DEVICES.contains(&dev)
                        || named
                            .iter()
                            .any(|n| n.starts_with("/dev/") && is_partition_of(dev, n));
                    if !known {
                        problems.push(format!(
                            "{} writes to {dev}, which the plan names nowhere else",
                            a.id
                        ));
                    }
                }
            }
        }
        named.extend(
            a.produces
                .iter()
                .map(|r| r.name())
                .filter(|name| !name.is_empty()),
        );
    }
    let counted = Summary::of_actions(&plan.actions, plan.target.facts.as_ref());
    let s = &plan.summary;
    let mut differs = Vec::new();
    if s.actions != counted.actions {
        differs.push(format!(
            "{} actions (there are {})",
            s.actions, counted.actions
        ));
    }
    if s.destructive != counted.destructive {
        differs.push(format!(
            "{} destructive (there are {})",
            s.destructive, counted.destructive
        ));
    }
    if s.wipes != counted.wipes {
        differs.push(format!(
            "wipes {:?} (the plan wipes {:?})",
            s.wipes, counted.wipes
        ));
    }
    if s.filesystems != counted.filesystems {
        differs.push(format!(
            "{} filesystems (there are {})",
            s.filesystems, counted.filesystems
        ));
    }
    if s.mounts != counted.mounts {
        differs.push(format!(
            "{} mounts (there are {})",
            s.mounts, counted.mounts
        ));
    }
    if !differs.is_empty() {
        problems.push(format!("the summary says {}", differs.join(", ")));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn device_words_keep_the_colons_of_md_links() {
        let text = "mkfs.ext4 /dev/disk/by-id/md-name-any:raid1-part1; echo \"udev made no link /dev/disk/by-partlabel/x: linked it to /dev/sda1:\"";
        assert_eq!(
            super::device_words(text).collect::<Vec<_>>(),
            vec![
                "/dev/disk/by-id/md-name-any:raid1-part1",
                "/dev/disk/by-partlabel/x",
                "/dev/sda1"
            ]
        );
    }

    use super::is_partition_of;

    #[test]
    fn partitions_are_named_as_the_kernel_and_udev_name_them() {
        assert!(is_partition_of("/dev/sda1", "/dev/sda"));
        assert!(is_partition_of("/dev/nvme0n1p2", "/dev/nvme0n1"));
        assert!(is_partition_of(
            "/dev/disk/by-id/x-part3",
            "/dev/disk/by-id/x"
        ));
        assert!(!is_partition_of("/dev/sdap1", "/dev/sda"));
        assert!(!is_partition_of("/dev/nvme0n12", "/dev/nvme0n1"));
        assert!(!is_partition_of("/dev/loop10", "/dev/loop1"));
        assert!(!is_partition_of(
            "/dev/disk/by-id/x12",
            "/dev/disk/by-id/x1"
        ));
    }
}
