//! NP102: persistence filesystem not needed for boot.

use super::persistence::{enabled, entries, holding, mounts, there_at_boot, NEEDED_FOR_BOOT};

use super::{Context, Finding, Rule, Severity};

pub(crate) const RULE: Rule = Rule {
    code: "NP102",
    title: "persistence filesystem not needed for boot",
    severity: Severity::Error,
    explanation: "impermanence bind-mounts persisted paths early in boot; the filesystem holding the persistence root must be mounted in the initrd.\n\nExample:\n  fileSystems.\"/persist\" = { device = \"/dev/vda2\"; fsType = \"ext4\"; };\n\nFix: fileSystems.\"/persist\".neededForBoot = true;",
    needs_facts: false,
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let mounts = mounts(cx.config);
    for p in enabled(cx.config) {
        let root = &p.root.value;
        let root_mount = holding(&mounts, root);
        if let Some((mp, fs_type, needed, at)) = root_mount {
            // impermanence itself asserts that a filesystem mounted at the
            // root is neededForBoot; a nested subvolume is not enough there.
            let there = needed
                || NEEDED_FOR_BOOT.contains(&mp)
                || (mp != root.trim_end_matches('/') && there_at_boot(cx.config, mp));
            if fs_type != "tmpfs" && !there {
                out.push(cx.finding(
                    &RULE,
                    format!("{mp} holds the persistence root {root} but is not neededForBoot"),
                    at.or(p.at.as_ref()),
                ));
            }
        }
        // Every filesystem between the root and a persisted path is needed
        // at boot too (the bind mounts are made in the initrd).
        for e in entries(p) {
            let full = format!(
                "{}/{}",
                root.trim_end_matches('/'),
                e.path.trim_start_matches('/')
            );
            if let Some((mp, fs_type, needed, _)) = holding(&mounts, &full) {
                if Some(mp) != root_mount.map(|m| m.0)
                    && !needed
                    && fs_type != "tmpfs"
                    && !there_at_boot(cx.config, mp)
                {
                    out.push(cx.finding(
                        &RULE,
                        format!("{mp} holds the persisted {full} but is not neededForBoot"),
                        e.at,
                    ));
                }
            }
        }
    }
}
