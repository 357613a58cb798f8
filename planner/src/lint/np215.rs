//! NP215: partition GUID that cannot find its partition.

use std::collections::BTreeMap;

use super::layout::disk_gpt_tables;

use super::{Context, Finding, Rule, Severity};

pub(crate) const RULE: Rule = Rule {
    code: "NP215",
    title: "partition GUID that cannot find its partition",
    severity: Severity::Error,
    explanation: "A partition with a fixed `uuid` is found by /dev/disk/by-partuuid/<uuid>. udev names those links in lower case, so a GUID written in upper case never appears there and every step waiting for it fails; the same GUID on two partitions makes the link point at either.\n\nExample: uuid = \"6E1BC4F0-7D0A-4B1E-9A55-3C2F9E8D4B10\";\n\nFix: uuid = \"6e1bc4f0-7d0a-4b1e-9a55-3c2f9e8d4b10\"; and one GUID per partition.",
    needs_facts: false,
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let mut uuids: BTreeMap<String, &str> = BTreeMap::new();
    for (disk_name, partitions) in disk_gpt_tables(cx.config) {
        for p in partitions {
            let Some(uuid) = &p.uuid.value else {
                continue;
            };
            let at = p.uuid.at.as_ref().or(p.at.as_ref());
            if uuid.chars().any(|c| c.is_ascii_uppercase())
                && p.device.value.ends_with(uuid.as_str())
            {
                out.push(cx.finding(
                    &RULE,
                    format!(
                        "partition {} of {disk_name}: udev links /dev/disk/by-partuuid/{} in lower case, so {} never appears",
                        p.name,
                        uuid.to_ascii_lowercase(),
                        p.device.value
                    ),
                    at,
                ));
            }
            if let Some(prev) = uuids.insert(uuid.to_ascii_lowercase(), disk_name) {
                out.push(cx.finding(
                    &RULE,
                    format!(
                        "the partition GUID {uuid} is used twice (disks {prev} and {disk_name})"
                    ),
                    at,
                ));
            }
        }
    }
}
