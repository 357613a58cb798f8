//! NP105: path persisted twice.

use std::collections::BTreeMap;

use super::persistence::{enabled, entries};

use super::{Context, Finding, Rule, Severity};

pub(crate) const RULE: Rule = Rule {
    code: "NP105",
    title: "path persisted twice",
    severity: Severity::Error,
    explanation: "The same path persisted twice (or as both a file and a directory) makes impermanence create two conflicting bind mounts.\n\nFix: keep one entry.",
    needs_facts: false,
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for p in enabled(cx.config) {
        let mut seen: BTreeMap<String, &'static str> = BTreeMap::new();
        for e in entries(p) {
            if let Some(prev) = seen.insert(e.path.clone(), e.kind) {
                out.push(cx.finding(
                    &RULE,
                    format!(
                        "'{}' is persisted twice (as a {prev} and as a {})",
                        e.path, e.kind
                    ),
                    e.at,
                ));
            }
        }
    }
}
