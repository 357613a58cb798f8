//! NP103: tmpfs root without a separate /nix.

use super::persistence::is_tmpfs_root;

use super::{Context, Finding, Rule, Severity};

pub(crate) const RULE: Rule = Rule {
    code: "NP103",
    title: "tmpfs root without a separate /nix",
    severity: Severity::Error,
    explanation: "With / on tmpfs, the Nix store must be on its own persistent filesystem, or the system is lost at reboot (and the tmpfs fills up).\n\nFix: add a filesystem (partition, subvolume or dataset) mounted at /nix.",
    needs_facts: false,
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let c = cx.config;
    if is_tmpfs_root(c) && !c.file_systems.contains_key("/nix") {
        out.push(cx.finding(
            &RULE,
            "/ is a tmpfs but /nix has no filesystem of its own".into(),
            c.file_systems["/"].at.as_ref(),
        ));
    }
}
