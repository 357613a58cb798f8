//! NP204: partitions larger than the declared disk.

use nixplan_nixos::config::{Content, Gpt};

use super::layout::{parse_size, partition_bytes};

use super::{Context, Finding, Rule, Severity};

pub(crate) const RULE: Rule = Rule {
    code: "NP204",
    title: "partitions larger than the declared disk",
    severity: Severity::Error,
    explanation: "The fixed sizes of a disk's partitions add up to more than its declared imageSize: building the image (or a disk of that size) fails.\n\nExample: imageSize = \"4G\"; with an ESP of 1G and a root of 8G.\n\nFix: enlarge imageSize or shrink the partitions.",
    needs_facts: false,
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    // Only where the user declared a size.
    for (disk_name, disk) in &cx.config.disko.disks {
        if disk.image_size.at.is_none() {
            continue;
        }
        let Ok(Some(limit)) = parse_size(&disk.image_size.value) else {
            continue;
        };
        if let Some(Content::Gpt(Gpt { partitions, .. })) = &disk.content {
            let total: u64 = partitions
                .iter()
                .filter_map(|p| partition_bytes(&p.size.value, &p.start.value, &p.end.value))
                .sum();
            if total > limit {
                out.push(cx.finding(
                    &RULE,
                    format!(
                        "the partitions of {disk_name} need {} MiB but imageSize is {}",
                        total >> 20,
                        disk.image_size.value
                    ),
                    disk.image_size.at.as_ref(),
                ));
            }
        }
    }
}
