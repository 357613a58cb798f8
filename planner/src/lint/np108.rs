//! NP108: /var/lib/nixos not persisted.

use super::persistence::{enabled, entries, is_tmpfs_root};

use super::{Context, Finding, Rule, Severity};

pub(crate) const RULE: Rule = Rule {
    code: "NP108",
    title: "/var/lib/nixos not persisted",
    severity: Severity::Warning,
    explanation: "NixOS records the uids and gids it allocated in /var/lib/nixos. On an impermanent root with users or groups without a fixed uid/gid, not persisting it can hand persisted files to another user after a change.\n\nFix: directories = [ \"/var/lib/nixos\" ]; or give every user a uid and every group a gid.",
    needs_facts: false,
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let c = cx.config;
    if !is_tmpfs_root(c) || c.persistence.is_empty() {
        return;
    }
    let first_at = c.persistence.values().next().and_then(|p| p.at.as_ref());
    let unfixed = c
        .users
        .iter()
        .any(|(n, u)| n != "root" && u.uid.value.is_none())
        || c.groups
            .iter()
            .any(|(n, g)| n != "root" && g.gid.value.is_none());
    let persisted = enabled(c)
        .flat_map(entries)
        .any(|e| e.path == "/var/lib/nixos" || e.path == "/var/lib" || e.path == "/var");
    if unfixed && !persisted {
        out.push(
            cx.finding(
                &RULE,
                "/var/lib/nixos is not persisted while some users or groups have no fixed uid/gid"
                    .into(),
                first_at,
            ),
        );
    }
}
