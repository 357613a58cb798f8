//! NP213: relative mountpoint.

use super::layout::mount_claims;

use super::{Context, Finding, Rule, Severity};

pub(crate) const RULE: Rule = Rule {
    code: "NP213",
    title: "relative mountpoint",
    severity: Severity::Error,
    explanation: "Mountpoints are absolute paths.\n\nExample: mountpoint = \"boot\";\n\nFix: mountpoint = \"/boot\";",
    needs_facts: false,
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for (mp, at) in mount_claims(cx.config) {
        if !mp.starts_with('/') {
            out.push(cx.finding(&RULE, format!("the mountpoint '{mp}' is not absolute"), at));
        }
    }
}
