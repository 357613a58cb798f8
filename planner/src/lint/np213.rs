//! NP213: mountpoint that is not a clean absolute path.

use super::layout::mount_claims;

use super::{Context, Finding, Rule, Severity};

pub(crate) const RULE: Rule = Rule {
    code: "NP213",
    title: "mountpoint that is not a clean absolute path",
    severity: Severity::Error,
    explanation: "Mountpoints are absolute paths, and are mounted under the root mount point (/mnt): one with `..` would be mounted outside it, on the installer's own files; `.`, `//` or a trailing `/` name the same place as another spelling and defeat the order of mounts.\n\nExample: mountpoint = \"boot\"; or mountpoint = \"/../etc\";\n\nFix: mountpoint = \"/boot\";",
    needs_facts: false,
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for (mp, at) in mount_claims(cx.config) {
        if !mp.starts_with('/') {
            out.push(cx.finding(&RULE, format!("the mountpoint '{mp}' is not absolute"), at));
        } else if mp != "/"
            && (mp.ends_with('/')
                || mp[1..]
                    .split('/')
                    .any(|c| c.is_empty() || c == "." || c == ".."))
        {
            out.push(cx.finding(
                &RULE,
                format!("the mountpoint '{mp}' is not a clean path (no '..', '.', '//' or trailing '/')"),
                at,
            ));
        }
    }
}
