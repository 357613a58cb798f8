//! NP401: no filesystem for /.

use super::{Context, Finding, Rule, Severity};

pub(crate) const RULE: Rule = Rule {
    code: "NP401",
    title: "no filesystem for /",
    severity: Severity::Error,
    explanation: "The installed system needs a root filesystem: a fileSystems.\"/\" entry, or a disko content with mountpoint = \"/\".\n\nFix: mount something at /.",
    needs_facts: false,
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let c = cx.config;
    let has_storage = !c.disko.disks.is_empty() || !c.file_systems.is_empty();
    if has_storage && !c.file_systems.contains_key("/") {
        let at = c
            .disko
            .disks
            .values()
            .next()
            .and_then(|d| d.at.as_ref())
            .or(c.host_name.at.as_ref());
        out.push(cx.finding(&RULE, "nothing is mounted at /".into(), at));
    }
}
