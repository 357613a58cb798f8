//! NP203: size that does not parse.

use super::layout::{disk_gpt_tables, parse_size};

use super::{Context, Finding, Rule, Severity};

pub(crate) const RULE: Rule = Rule {
    code: "NP203",
    title: "size that does not parse",
    severity: Severity::Error,
    explanation: "Sizes are a number with an optional unit (K, M, G, T, P, with an optional iB/B) or a percentage (\"100%\", and for LVM \"50%VG\", \"100%FREE\").\n\nExample: size = \"512 MB\";\n\nFix: size = \"512M\";",
    needs_facts: false,
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for (_, partitions) in disk_gpt_tables(cx.config) {
        for p in partitions {
            if parse_size(&p.size.value).is_err() {
                out.push(cx.finding(
                    &RULE,
                    format!(
                        "the size '{}' of partition {} does not parse",
                        p.size.value, p.name
                    ),
                    p.size.at.as_ref().or(p.at.as_ref()),
                ));
            }
        }
    }
    for vg in cx.config.disko.lvm_vgs.values() {
        for lv in vg.lvs.values() {
            if parse_size(&lv.size.value).is_err() {
                out.push(cx.finding(
                    &RULE,
                    format!(
                        "the size '{}' of logical volume {} does not parse",
                        lv.size.value, lv.name
                    ),
                    lv.size.at.as_ref().or(lv.at.as_ref()),
                ));
            }
        }
    }
}
