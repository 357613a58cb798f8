//! NP210: duplicate partition label.

use std::collections::BTreeMap;

use super::layout::disk_gpt_tables;

use super::{Context, Finding, Rule, Severity};

pub(crate) const RULE: Rule = Rule {
    code: "NP210",
    title: "duplicate partition label",
    severity: Severity::Error,
    explanation: "Partitions are found by /dev/disk/by-partlabel/<label>; two partitions with the same label make that path ambiguous.\n\nFix: give the partitions (or the disks) distinct names.",
    needs_facts: false,
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let mut labels: BTreeMap<&str, &str> = BTreeMap::new();
    for (disk_name, partitions) in disk_gpt_tables(cx.config) {
        for p in partitions {
            if let Some(prev) = labels.insert(&p.label.value, disk_name) {
                out.push(cx.finding(
                    &RULE,
                    format!(
                        "the partition label {} is used twice (disks {prev} and {disk_name})",
                        p.label.value
                    ),
                    p.label.at.as_ref().or(p.at.as_ref()),
                ));
            }
        }
    }
}
