//! NP209: unstable device name.

use super::{Context, Finding, Rule, Severity};

pub(crate) const RULE: Rule = Rule {
    code: "NP209",
    title: "unstable device name",
    severity: Severity::Warning,
    explanation: "/dev/sdX, /dev/vdX and /dev/nvmeXnY can change between boots and machines; disko would then wipe the wrong disk.\n\nFix: use /dev/disk/by-id/... paths.",
    needs_facts: false,
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for (disk_name, disk) in &cx.config.disko.disks {
        let dev = &disk.device.value;
        let unstable = [
            "/dev/sd",
            "/dev/vd",
            "/dev/hd",
            "/dev/xvd",
            "/dev/nvme",
            "/dev/mmcblk",
        ]
        .iter()
        .any(|p| dev.starts_with(p));
        if unstable {
            out.push(cx.finding(
                &RULE,
                format!("disk {disk_name} is named {dev}, which can change between boots; use /dev/disk/by-id/..."),
                disk.device.at.as_ref(),
            ));
        }
    }
}
