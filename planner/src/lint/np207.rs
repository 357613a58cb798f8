//! NP207: BIOS grub on GPT without a BIOS boot partition.

use nixplan_nixos::config::{Content, Gpt};

use super::layout::{all_contents, esp_partitions};

use super::{Context, Finding, Rule, Severity};

pub(crate) const RULE: Rule = Rule {
    code: "NP207",
    title: "BIOS grub on GPT without a BIOS boot partition",
    severity: Severity::Error,
    explanation: "grub booting a GPT disk in BIOS mode needs a small partition of type EF02 to hold its core image.\n\nFix: boot = { size = \"1M\"; type = \"EF02\"; };",
    needs_facts: false,
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let c = cx.config;
    let bl = &c.boot_loader;
    let gpt_disks = all_contents(c)
        .iter()
        .any(|(_, content)| matches!(content, Content::Gpt(Gpt { .. })));
    let (_, bios_boot) = esp_partitions(c);
    // Only where the user chose grub (its default of true says nothing).
    let grub_chosen =
        bl.grub.at.is_some() || bl.grub_device.at.is_some() || bl.grub_devices.at.is_some();
    if bl.grub.value && grub_chosen && !bl.grub_efi_support.value && gpt_disks && !bios_boot {
        out.push(cx.finding(
            &RULE,
            "grub boots these GPT disks in BIOS mode but no partition has type EF02".into(),
            bl.grub.at.as_ref(),
        ));
    }
}
