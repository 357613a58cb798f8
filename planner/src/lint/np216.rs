//! NP216: a disk whose device is not an absolute path.

use super::{Context, Finding, Rule, Severity};

pub(crate) const RULE: Rule = Rule {
    code: "NP216",
    title: "disk device that is not an absolute path",
    severity: Severity::Error,
    explanation: "A disk's device is the path of its block device; disko and the plan run `wipefs`, `sgdisk` and `mkfs` on it. A relative or empty path names some file in the working directory, or nothing.\n\nExample: device = \"sda\";\n\nFix: device = \"/dev/disk/by-id/ata-...\"; (the disk's stable name)",
    needs_facts: false,
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for (name, disk) in &cx.config.disko.disks {
        let dev = &disk.device.value;
        if !dev.starts_with('/') {
            out.push(cx.finding(
                &RULE,
                format!("disk {name}: the device '{dev}' is not an absolute path"),
                disk.device.at.as_ref().or(disk.at.as_ref()),
            ));
        }
    }
}
