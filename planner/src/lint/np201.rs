//! NP201: two filesystems on one mountpoint.

use std::collections::BTreeSet;

use super::layout::mount_claims;

use super::{Context, Finding, Rule, Severity};

pub(crate) const RULE: Rule = Rule {
    code: "NP201",
    title: "two filesystems on one mountpoint",
    severity: Severity::Error,
    explanation: "Two contents (or a content and a dataset or nodev) with the same mountpoint: only one can be mounted there, and disko's fileSystems entries collide.\n\nFix: give each its own mountpoint.",
    needs_facts: false,
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let mut seen = BTreeSet::new();
    for (mp, at) in mount_claims(cx.config) {
        if !seen.insert(mp) {
            out.push(cx.finding(&RULE, format!("two filesystems are mounted at {mp}"), at));
        }
    }
}
