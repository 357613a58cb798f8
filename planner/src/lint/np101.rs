//! NP101: persistence root on no persistent filesystem.

use super::persistence::{enabled, holding, mounts};

use super::{Context, Finding, Rule, Severity};

pub(crate) const RULE: Rule = Rule {
    code: "NP101",
    title: "persistence root on no persistent filesystem",
    severity: Severity::Error,
    explanation: "A persistence root must live on a filesystem that survives reboots. If no filesystem is mounted at or above it (or only a tmpfs root is), everything 'persisted' vanishes at the next boot.\n\nExample:\n  fileSystems.\"/\" = { fsType = \"tmpfs\"; };\n  environment.persistence.\"/persist\".directories = [ \"/var/lib/nixos\" ];\n  # nothing mounted at /persist\n\nFix: mount a real filesystem at the persistence root (a disko partition or subvolume with mountpoint = \"/persist\").",
    needs_facts: false,
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let mounts = mounts(cx.config);
    for p in enabled(cx.config) {
        let root = &p.root.value;
        match holding(&mounts, root) {
            None => out.push(cx.finding(
                &RULE,
                format!("no filesystem is mounted at or above the persistence root {root}"),
                p.at.as_ref(),
            )),
            Some((mp, "tmpfs", ..)) => out.push(cx.finding(
                &RULE,
                format!("the persistence root {root} is on the tmpfs mounted at {mp}: it is lost at every reboot"),
                p.at.as_ref(),
            )),
            Some(_) => {}
        }
    }
}
