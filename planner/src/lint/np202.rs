//! NP202: misplaced 100% partition.

use super::layout::disk_gpt_tables;

use super::{Context, Finding, Rule, Severity};

pub(crate) const RULE: Rule = Rule {
    code: "NP202",
    title: "misplaced 100% partition",
    severity: Severity::Error,
    explanation: "A partition of size \"100%\" takes the rest of the disk. There can be one per table, and it must sort last (disko gives it priority 9001): a partition after it has no space left.\n\nExample: two partitions with size = \"100%\", or a 100% partition with priority = 10 and another with priority 1000.\n\nFix: keep one 100% partition and do not give it a priority lower than the others'.",
    needs_facts: false,
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for (disk_name, partitions) in disk_gpt_tables(cx.config) {
        let full: Vec<_> = partitions
            .iter()
            .filter(|p| p.size.value == "100%")
            .collect();
        if full.len() > 1 {
            out.push(cx.finding(
                &RULE,
                format!(
                    "{} partitions of {disk_name} take 100% of the disk",
                    full.len()
                ),
                full[1].size.at.as_ref().or(full[1].at.as_ref()),
            ));
        } else if let Some(f) = full.first() {
            if partitions.last().is_some_and(|l| l.name != f.name) {
                out.push(cx.finding(
                    &RULE,
                    format!("partition {} takes the rest of {disk_name} but is not last (its priority is {})", f.name, f.priority.value),
                    f.priority.at.as_ref().or(f.size.at.as_ref()).or(f.at.as_ref()),
                ));
            }
        }
    }
}
