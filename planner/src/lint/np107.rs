//! NP107: machine identity not persisted.

use super::persistence::{enabled, entries, is_tmpfs_root};

use super::{Context, Finding, Rule, Severity};

pub(crate) const RULE: Rule = Rule {
    code: "NP107",
    title: "machine identity not persisted",
    severity: Severity::Warning,
    explanation: "On an impermanent root, /etc/machine-id and the SSH host keys are regenerated at every boot unless persisted: journals break and clients see a new host key.\n\nFix: files = [ \"/etc/machine-id\" \"/etc/ssh/ssh_host_ed25519_key\" \"/etc/ssh/ssh_host_ed25519_key.pub\" ];",
    needs_facts: false,
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let c = cx.config;
    if !is_tmpfs_root(c) || c.persistence.is_empty() {
        return;
    }
    let first_at = c.persistence.values().next().and_then(|p| p.at.as_ref());
    let persisted: Vec<String> = enabled(c).flat_map(entries).map(|e| e.path).collect();
    for needed in ["/etc/machine-id", "/etc/ssh/ssh_host_ed25519_key"] {
        let dir_covers = persisted
            .iter()
            .any(|p| needed.starts_with(&format!("{p}/")));
        if !persisted.iter().any(|p| p == needed) && !dir_covers {
            out.push(cx.finding(
                &RULE,
                format!("{needed} is not persisted: it changes at every boot"),
                first_at,
            ));
        }
    }
}
