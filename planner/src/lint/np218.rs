//! NP218: a disko mount hook, which nixplan does not run.

use super::{Context, Finding, Rule, Severity};

pub(crate) const RULE: Rule = Rule {
    code: "NP218",
    title: "disko mount hook that the plan does not run",
    severity: Severity::Warning,
    explanation: "disko runs a device's preMountHook and postMountHook around each of that device's own mount commands in its mount script. nixplan runs create hooks where disko runs them (preCreateHook before the device is made, postCreateHook after everything of it exists and before anything of it is mounted), but not mount hooks: the plan mounts without them, and whatever they do does not happen.\n\nExample: zpool.zroot.postMountHook = \"zfs load-key -a\";\n\nFix: do it in a postCreateHook (which the plan runs and shows), or after `nixplan apply`.",
    needs_facts: false,
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for (key, hooks) in &cx.config.disko.hooks {
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
                "{} of {key} will not run: nixplan runs disko's create hooks, not its mount hooks",
                set.join(" and ")
            ),
            hooks.mount_at.as_ref().or(hooks.at.as_ref()),
        ));
    }
}
