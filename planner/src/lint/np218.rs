//! NP218: a disko mount hook that disko never runs (on swap or a member
//! of an LVM group, pool, array or bcachefs filesystem).

use super::{Context, Finding, Rule, Severity};

pub(crate) const RULE: Rule = Rule {
    code: "NP218",
    title: "disko mount hook that disko never runs",
    severity: Severity::Warning,
    explanation: "disko wraps each of a thing's mount scripts in its preMountHook and postMountHook, and so does the plan: around every mount of the thing, and once around its device activation. A swap content's mount script (`swapon`) is keyed by its device, and disko's mount script runs only the mount scripts of filesystems (in the order of their mountpoints), so a swap content's mount hooks never run, with disko or with the plan; nor do those of an LVM PV, a ZFS, md or bcachefs member, whose mount scripts are empty (what they hold is mounted through the group, pool, array or filesystem, with its own hooks).\n\nExample: content = { type = \"swap\"; postMountHook = \"...\"; };\n\nFix: do it in a postCreateHook (which disko and the plan run), or in the installed system.",
    needs_facts: false,
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for (key, hooks) in &cx.config.disko.hooks {
        // disko's `_mount` of these is empty: nothing to wrap.
        let kind = key.split_once(' ').map_or(key.as_str(), |(k, _)| k);
        if !matches!(kind, "swap" | "lvm_pv" | "zfs" | "mdraid" | "bcachefs") {
            continue;
        }
        let set: Vec<&str> = [
            ("preMountHook", &hooks.pre_mount),
            ("postMountHook", &hooks.post_mount),
        ]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(n, _)| *n)
        .collect();
        if set.is_empty() {
            continue;
        }
        out.push(cx.finding(
            &RULE,
            format!(
                "{} of {key} never runs: disko's mount script has nothing of a {kind} content to wrap in it (neither has the plan)",
                set.join(" and ")
            ),
            hooks.mount_at.as_ref().or(hooks.at.as_ref()),
        ));
    }
}
