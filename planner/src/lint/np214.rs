//! NP214: subvolume mounted twice.

use std::collections::BTreeSet;

use nixplan_nixos::config::{Btrfs, Content};

use super::layout::all_contents;

use super::{Context, Finding, Rule, Severity};

pub(crate) const RULE: Rule = Rule {
    code: "NP214",
    title: "subvolume mounted twice",
    severity: Severity::Error,
    explanation: "The same btrfs subvolume declared twice on one filesystem, or mounted at two places.\n\nFix: one subvolume per mountpoint.",
    needs_facts: false,
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for (_, content) in all_contents(cx.config) {
        let Content::Btrfs(Btrfs { subvolumes, .. }) = content else {
            continue;
        };
        let mut names = BTreeSet::new();
        for sv in subvolumes {
            let name = sv.name.value.trim_matches('/').to_string();
            if !names.insert(name.clone()) {
                out.push(cx.finding(
                    &RULE,
                    format!("the subvolume {name} is declared twice on one filesystem"),
                    sv.name.at.as_ref().or(sv.at.as_ref()),
                ));
            }
        }
    }
}
