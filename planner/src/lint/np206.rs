//! NP206: EFI boot loader without an ESP.

use nixplan_nixos::config::{Content, Filesystem};

use super::layout::{all_contents, esp_partitions};

use super::{Context, Finding, Rule, Severity};

pub(crate) const RULE: Rule = Rule {
    code: "NP206",
    title: "EFI boot loader without an ESP",
    severity: Severity::Error,
    explanation: "systemd-boot (and grub with efiSupport) install to the EFI system partition: a vfat partition of type EF00 mounted at boot.loader.efi.efiSysMountPoint (/boot by default).\n\nFix: add ESP = { type = \"EF00\"; size = \"512M\"; content = { type = \"filesystem\"; format = \"vfat\"; mountpoint = \"/boot\"; }; };",
    needs_facts: false,
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let c = cx.config;
    let bl = &c.boot_loader;
    let efi = bl.systemd_boot.value || (bl.grub.value && bl.grub_efi_support.value);
    if !efi || c.disko.disks.is_empty() {
        return;
    }
    let esp_mount = &bl.efi_sys_mount_point.value;
    // An ESP may also sit on an array (mdadm RAID1 with metadata 1.0) or a
    // nodev: any vfat filesystem at the ESP mountpoint counts.
    let vfat_at_esp = all_contents(c).iter().any(|(_, content)| {
        matches!(content, Content::Filesystem(Filesystem { format, mountpoint, .. }) if format.value == "vfat" && mountpoint.value.as_deref() == Some(esp_mount.as_str()))
    }) || c.file_systems.get(esp_mount.as_str()).is_some_and(|fs| fs.fs_type.value == "vfat");
    if esp_partitions(c).0.is_empty() && !vfat_at_esp {
        let at = if bl.systemd_boot.value {
            bl.systemd_boot.at.as_ref()
        } else {
            bl.grub_efi_support.at.as_ref()
        };
        out.push(cx.finding(
            &RULE,
            format!("an EFI boot loader is enabled but no vfat partition of type EF00 is mounted at {esp_mount}"),
            at,
        ));
    }
}
