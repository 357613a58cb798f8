//! disko rules: layouts that disko would partition without complaint and
//! that then fail to mount, boot, or fit.

use std::collections::BTreeMap;

use nixplan_nixos::config::{
    Btrfs, Config, Content, Filesystem, Gpt, Luks, LvmPv, Mdraid, Swap, Table, Zfs,
};

use super::{Context, Finding, Rule, Severity};

pub const NP201: Rule = Rule {
    code: "NP201",
    title: "two filesystems on one mountpoint",
    severity: Severity::Error,
    explanation: "Two contents (or a content and a dataset or nodev) with the same mountpoint: only one can be mounted there, and disko's fileSystems entries collide.\n\nFix: give each its own mountpoint.",
};
pub const NP202: Rule = Rule {
    code: "NP202",
    title: "misplaced 100% partition",
    severity: Severity::Error,
    explanation: "A partition of size \"100%\" takes the rest of the disk. There can be one per table, and it must sort last (disko gives it priority 9001): a partition after it has no space left.\n\nExample: two partitions with size = \"100%\", or a 100% partition with priority = 10 and another with priority 1000.\n\nFix: keep one 100% partition and do not give it a priority lower than the others'.",
};
pub const NP203: Rule = Rule {
    code: "NP203",
    title: "size that does not parse",
    severity: Severity::Error,
    explanation: "Sizes are a number with an optional unit (K, M, G, T, P, with an optional iB/B) or a percentage (\"100%\", and for LVM \"50%VG\", \"100%FREE\").\n\nExample: size = \"512 MB\";\n\nFix: size = \"512M\";",
};
pub const NP204: Rule = Rule {
    code: "NP204",
    title: "partitions larger than the declared disk",
    severity: Severity::Error,
    explanation: "The fixed sizes of a disk's partitions add up to more than its declared imageSize: building the image (or a disk of that size) fails.\n\nExample: imageSize = \"4G\"; with an ESP of 1G and a root of 8G.\n\nFix: enlarge imageSize or shrink the partitions.",
};
pub const NP205: Rule = Rule {
    code: "NP205",
    title: "member of a device that does not exist",
    severity: Severity::Error,
    explanation: "An lvm_pv naming a volume group that is not declared is silently dropped by disko; the same holds for a zfs member naming a missing pool and an mdraid naming a missing mdadm array.\n\nExample: content = { type = \"lvm_pv\"; vg = \"mainpool\"; }; with only lvm_vg.pool declared.\n\nFix: fix the name or declare the device.",
};
pub const NP206: Rule = Rule {
    code: "NP206",
    title: "EFI boot loader without an ESP",
    severity: Severity::Error,
    explanation: "systemd-boot (and grub with efiSupport) install to the EFI system partition: a vfat partition of type EF00 mounted at boot.loader.efi.efiSysMountPoint (/boot by default).\n\nFix: add ESP = { type = \"EF00\"; size = \"512M\"; content = { type = \"filesystem\"; format = \"vfat\"; mountpoint = \"/boot\"; }; };",
};
pub const NP207: Rule = Rule {
    code: "NP207",
    title: "BIOS grub on GPT without a BIOS boot partition",
    severity: Severity::Error,
    explanation: "grub booting a GPT disk in BIOS mode needs a small partition of type EF02 to hold its core image.\n\nFix: boot = { size = \"1M\"; type = \"EF02\"; };",
};
pub const NP208: Rule = Rule {
    code: "NP208",
    title: "small ESP",
    severity: Severity::Warning,
    explanation: "An ESP under 256M fills up after a few kernel generations with systemd-boot.\n\nFix: size = \"512M\" (or 1G).",
};
pub const NP209: Rule = Rule {
    code: "NP209",
    title: "unstable device name",
    severity: Severity::Warning,
    explanation: "/dev/sdX, /dev/vdX and /dev/nvmeXnY can change between boots and machines; disko would then wipe the wrong disk.\n\nFix: use /dev/disk/by-id/... paths.",
};
pub const NP210: Rule = Rule {
    code: "NP210",
    title: "duplicate partition label",
    severity: Severity::Error,
    explanation: "Partitions are found by /dev/disk/by-partlabel/<label>; two partitions with the same label make that path ambiguous.\n\nFix: give the partitions (or the disks) distinct names.",
};
pub const NP211: Rule = Rule {
    code: "NP211",
    title: "LUKS without a key in a non-interactive install",
    severity: Severity::Warning,
    explanation: "A LUKS device with neither passwordFile nor keyFile asks for a passphrase while installing; an unattended apply stops there.\n\nFix: settings.keyFile = \"/tmp/secret.key\"; (uploaded with the plan's secrets), or passwordFile.",
};
pub const NP212: Rule = Rule {
    code: "NP212",
    title: "resumable swap with random encryption",
    severity: Severity::Error,
    explanation: "randomEncryption gives swap a new key at every boot, so a hibernation image written to it can never be resumed.\n\nFix: drop resumeDevice or randomEncryption.",
};
pub const NP213: Rule = Rule {
    code: "NP213",
    title: "relative mountpoint",
    severity: Severity::Error,
    explanation: "Mountpoints are absolute paths.\n\nExample: mountpoint = \"boot\";\n\nFix: mountpoint = \"/boot\";",
};
pub const NP214: Rule = Rule {
    code: "NP214",
    title: "subvolume mounted twice",
    severity: Severity::Error,
    explanation: "The same btrfs subvolume declared twice on one filesystem, or mounted at two places.\n\nFix: one subvolume per mountpoint.",
};

pub const NP215: Rule = Rule {
    code: "NP215",
    title: "partition GUID that cannot find its partition",
    severity: Severity::Error,
    explanation: "A partition with a fixed `uuid` is found by /dev/disk/by-partuuid/<uuid>. udev names those links in lower case, so a GUID written in upper case never appears there and every step waiting for it fails; the same GUID on two partitions makes the link point at either.\n\nExample: uuid = \"6E1BC4F0-7D0A-4B1E-9A55-3C2F9E8D4B10\";\n\nFix: uuid = \"6e1bc4f0-7d0a-4b1e-9a55-3c2f9e8d4b10\"; and one GUID per partition.",
};

/// The GPT type GUID of an EFI system partition (sgdisk's EF00).
const ESP_GUID: &str = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";

/// Parse a disko size to bytes (None for percentages); Err when invalid.
pub fn parse_size(s: &str) -> Result<Option<u64>, ()> {
    let s = s.trim();
    if s.ends_with('%')
        || s.contains("%VG")
        || s.contains("%FREE")
        || s.contains("%PVS")
        || s.contains("%ORIGIN")
    {
        let num = s.split('%').next().unwrap_or("");
        return num.parse::<f64>().map(|_| None).map_err(|_| ());
    }
    let digits: String = s
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let unit = s[digits.len()..]
        .trim_end_matches("iB")
        .trim_end_matches('B');
    let n: f64 = digits.parse().map_err(|_| ())?;
    let mult: u64 = match unit {
        "" => 1,
        "K" | "k" => 1 << 10,
        "M" | "m" => 1 << 20,
        "G" | "g" => 1 << 30,
        "T" | "t" => 1 << 40,
        "P" | "p" => 1 << 50,
        "s" => 512,
        _ => return Err(()),
    };
    Ok(Some((n * mult as f64) as u64))
}

/// A partition's size in bytes: its `size`, or `end - start` when it is
/// given by its bounds (None when that depends on the disk).
fn partition_bytes(size: &str, start: &str, end: &str) -> Option<u64> {
    if size != "0" {
        return parse_size(size).ok().flatten();
    }
    if let Some(rel) = end.strip_prefix('+') {
        return parse_size(rel).ok().flatten();
    }
    if end.starts_with('-') {
        return None;
    }
    let e = parse_size(end).ok().flatten()?;
    let s = if start == "0" {
        0
    } else {
        parse_size(start).ok().flatten()?
    };
    e.checked_sub(s)
}

/// Every content with where it is (a readable path) and its `at`.
fn walk<'a>(c: &'a Content, path: String, out: &mut Vec<(String, &'a Content)>) {
    out.push((path.clone(), c));
    match c {
        Content::Gpt(Gpt { partitions, .. }) => {
            for p in partitions {
                if let Some(inner) = &p.content {
                    walk(inner, format!("{path}.partitions.{}", p.name), out);
                }
            }
        }
        Content::Table(Table { partitions, .. }) => {
            for (i, p) in partitions.iter().enumerate() {
                if let Some(inner) = &p.content {
                    walk(inner, format!("{path}.partitions.{i}"), out);
                }
            }
        }
        Content::Luks(Luks {
            content: Some(inner),
            ..
        }) => walk(inner, format!("{path}.content"), out),
        _ => {}
    }
}

fn all_contents(c: &Config) -> Vec<(String, &Content)> {
    let mut out = Vec::new();
    for (n, d) in &c.disko.disks {
        if let Some(x) = &d.content {
            walk(x, format!("disk.{n}.content"), &mut out);
        }
    }
    for (n, vg) in &c.disko.lvm_vgs {
        for (l, lv) in &vg.lvs {
            if let Some(x) = &lv.content {
                walk(x, format!("lvm_vg.{n}.lvs.{l}.content"), &mut out);
            }
        }
    }
    for (n, md) in &c.disko.mdadm {
        if let Some(x) = &md.content {
            walk(x, format!("mdadm.{n}.content"), &mut out);
        }
    }
    for (n, zp) in &c.disko.zpools {
        for (d, ds) in &zp.datasets {
            if let Some(x) = &ds.content {
                walk(x, format!("zpool.{n}.datasets.{d}.content"), &mut out);
            }
        }
    }
    out
}

pub fn check(cx: &Context, out: &mut Vec<Finding>) {
    let c = cx.config;
    let contents = all_contents(c);
    // Mountpoints and subvolumes.
    let mut mountpoints: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    let mut claim = |mp: &str, at: Option<&String>, out: &mut Vec<Finding>| {
        if !mp.starts_with('/') {
            out.push(cx.finding(
                "NP213",
                format!("the mountpoint '{mp}' is not absolute"),
                at,
            ));
        }
        if !mountpoints.insert(mp.to_string()) {
            out.push(cx.finding("NP201", format!("two filesystems are mounted at {mp}"), at));
        }
    };
    for (_, content) in &contents {
        match content {
            Content::Filesystem(Filesystem { mountpoint, at, .. }) => {
                if let Some(mp) = &mountpoint.value {
                    claim(mp, mountpoint.at.as_ref().or(at.as_ref()), out);
                }
            }
            Content::Btrfs(Btrfs {
                mountpoint,
                subvolumes,
                at,
                ..
            }) => {
                if let Some(mp) = &mountpoint.value {
                    claim(mp, mountpoint.at.as_ref().or(at.as_ref()), out);
                }
                let mut names: BTreeMap<String, ()> = BTreeMap::new();
                for sv in subvolumes {
                    let name = sv.name.value.trim_matches('/').to_string();
                    if names.insert(name.clone(), ()).is_some() {
                        out.push(cx.finding(
                            "NP214",
                            format!("the subvolume {name} is declared twice on one filesystem"),
                            sv.name.at.as_ref().or(sv.at.as_ref()),
                        ));
                    }
                    if let Some(mp) = &sv.mountpoint.value {
                        claim(mp, sv.mountpoint.at.as_ref().or(at.as_ref()), out);
                    }
                }
            }
            Content::Swap(Swap {
                random_encryption,
                resume_device,
                at,
                ..
            }) if random_encryption.value && resume_device.value => {
                out.push(cx.finding("NP212", "this swap is both the resume device and randomly encrypted: hibernation can never resume".into(), resume_device.at.as_ref().or(at.as_ref())));
            }
            Content::Luks(Luks {
                name,
                password_file,
                key_file,
                ask_password,
                at,
                ..
            }) if password_file.value.is_none()
                && key_file.value.is_none()
                && ask_password.value =>
            {
                out.push(cx.finding("NP211", format!("LUKS device {} has neither passwordFile nor keyFile: the install stops to ask for a passphrase", name.value), name.at.as_ref().or(at.as_ref())));
            }
            Content::LvmPv(LvmPv { vg, at, .. }) if !c.disko.lvm_vgs.contains_key(&vg.value) => {
                out.push(cx.finding("NP205", format!("this lvm_pv names the volume group '{}', which is not declared (disko would drop it silently)", vg.value), vg.at.as_ref().or(at.as_ref())));
            }
            Content::Zfs(Zfs { pool, at, .. }) if !c.disko.zpools.contains_key(&pool.value) => {
                out.push(cx.finding(
                    "NP205",
                    format!(
                        "this zfs member names the pool '{}', which is not declared",
                        pool.value
                    ),
                    pool.at.as_ref().or(at.as_ref()),
                ));
            }
            Content::Mdraid(Mdraid { name, at, .. })
                if !c.disko.mdadm.contains_key(&name.value) =>
            {
                out.push(cx.finding(
                    "NP205",
                    format!(
                        "this mdraid member names the array '{}', which is not declared",
                        name.value
                    ),
                    name.at.as_ref().or(at.as_ref()),
                ));
            }
            _ => {}
        }
    }
    for n in c.disko.nodev.values() {
        if let Some(mp) = &n.mountpoint.value {
            claim(mp, n.at.as_ref(), out);
        }
    }
    for zp in c.disko.zpools.values() {
        for ds in zp.datasets.values() {
            if let Some(mp) = &ds.mountpoint.value {
                claim(mp, ds.mountpoint.at.as_ref().or(ds.at.as_ref()), out);
            }
        }
    }
    // Declared disk sizes (only where the user declared one).
    for (disk_name, disk) in &c.disko.disks {
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
                    "NP204",
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
    // Partition tables.
    let mut labels: BTreeMap<&str, &str> = BTreeMap::new();
    let mut uuids: BTreeMap<String, &str> = BTreeMap::new();
    for (disk_name, disk) in &c.disko.disks {
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
            out.push(cx.finding("NP209", format!("disk {disk_name} is named {dev}, which can change between boots; use /dev/disk/by-id/..."), disk.device.at.as_ref()));
        }
        for (_, content) in contents
            .iter()
            .filter(|(p, _)| p.starts_with(&format!("disk.{disk_name}.content")))
        {
            let Content::Gpt(Gpt { partitions, .. }) = content else {
                continue;
            };
            let full: Vec<_> = partitions
                .iter()
                .filter(|p| p.size.value == "100%")
                .collect();
            if full.len() > 1 {
                out.push(cx.finding(
                    "NP202",
                    format!(
                        "{} partitions of {disk_name} take 100% of the disk",
                        full.len()
                    ),
                    full[1].size.at.as_ref().or(full[1].at.as_ref()),
                ));
            } else if let Some(f) = full.first() {
                if partitions.last().map(|l| l.name != f.name).unwrap_or(false) {
                    out.push(cx.finding("NP202", format!("partition {} takes the rest of {disk_name} but is not last (its priority is {})", f.name, f.priority.value), f.priority.at.as_ref().or(f.size.at.as_ref()).or(f.at.as_ref())));
                }
            }
            for p in partitions {
                if parse_size(&p.size.value).is_err() {
                    out.push(cx.finding(
                        "NP203",
                        format!(
                            "the size '{}' of partition {} does not parse",
                            p.size.value, p.name
                        ),
                        p.size.at.as_ref().or(p.at.as_ref()),
                    ));
                }
                if let Some(uuid) = &p.uuid.value {
                    let at = p.uuid.at.as_ref().or(p.at.as_ref());
                    if uuid.chars().any(|c| c.is_ascii_uppercase())
                        && p.device.value.ends_with(uuid.as_str())
                    {
                        out.push(cx.finding(
                            "NP215",
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
                            "NP215",
                            format!("the partition GUID {uuid} is used twice (disks {prev} and {disk_name})"),
                            at,
                        ));
                    }
                }
                if let Some(prev) = labels.insert(&p.label.value, disk_name) {
                    out.push(cx.finding(
                        "NP210",
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
    for vg in c.disko.lvm_vgs.values() {
        for lv in vg.lvs.values() {
            if parse_size(&lv.size.value).is_err() {
                out.push(cx.finding(
                    "NP203",
                    format!(
                        "the size '{}' of logical volume {} does not parse",
                        lv.size.value, lv.name
                    ),
                    lv.size.at.as_ref().or(lv.at.as_ref()),
                ));
            }
        }
    }
    // Boot loader and ESP.
    let bl = &c.boot_loader;
    let efi = bl.systemd_boot.value || (bl.grub.value && bl.grub_efi_support.value);
    let esp_mount = &bl.efi_sys_mount_point.value;
    let mut esp_found = false;
    let mut bios_boot = false;
    for (_, content) in &contents {
        let Content::Gpt(Gpt { partitions, .. }) = content else {
            continue;
        };
        for p in partitions {
            if p.type_code.value.eq_ignore_ascii_case("EF02") {
                bios_boot = true;
            }
            if p.type_code.value.eq_ignore_ascii_case("EF00")
                || p.type_code.value.eq_ignore_ascii_case(ESP_GUID)
            {
                if let Some(Content::Filesystem(Filesystem {
                    format, mountpoint, ..
                })) = &p.content
                {
                    if format.value == "vfat"
                        && mountpoint.value.as_deref() == Some(esp_mount.as_str())
                    {
                        esp_found = true;
                        if let Some(bytes) =
                            partition_bytes(&p.size.value, &p.start.value, &p.end.value)
                        {
                            if bytes < 256 << 20 {
                                out.push(cx.finding(
                                    "NP208",
                                    format!("the ESP {} is {} (under 256M)", p.name, p.size.value),
                                    p.size.at.as_ref().or(p.at.as_ref()),
                                ));
                            }
                        }
                    }
                }
            }
        }
    }
    // An ESP may also sit on an array (mdadm RAID1 with metadata 1.0) or a
    // nodev: any vfat filesystem at the ESP mountpoint counts.
    let vfat_at_esp = contents.iter().any(|(_, c)| {
        matches!(c, Content::Filesystem(Filesystem { format, mountpoint, .. }) if format.value == "vfat" && mountpoint.value.as_deref() == Some(esp_mount.as_str()))
    }) || c.file_systems.get(esp_mount.as_str()).is_some_and(|fs| fs.fs_type.value == "vfat");
    esp_found |= vfat_at_esp;
    let has_disko_disks = !c.disko.disks.is_empty();
    if efi && has_disko_disks && !esp_found {
        let at = if bl.systemd_boot.value {
            bl.systemd_boot.at.as_ref()
        } else {
            bl.grub_efi_support.at.as_ref()
        };
        out.push(cx.finding("NP206", format!("an EFI boot loader is enabled but no vfat partition of type EF00 is mounted at {esp_mount}"), at));
    }
    let gpt_disks = contents
        .iter()
        .any(|(_, c)| matches!(c, Content::Gpt(Gpt { .. })));
    // Only where the user chose grub (its default of true says nothing).
    let grub_chosen =
        bl.grub.at.is_some() || bl.grub_device.at.is_some() || bl.grub_devices.at.is_some();
    if bl.grub.value && grub_chosen && !bl.grub_efi_support.value && gpt_disks && !bios_boot {
        out.push(cx.finding(
            "NP207",
            "grub boots these GPT disks in BIOS mode but no partition has type EF02".into(),
            bl.grub.at.as_ref(),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("512M"), Ok(Some(512 << 20)));
        assert_eq!(parse_size("1G"), Ok(Some(1 << 30)));
        assert_eq!(parse_size("2GiB"), Ok(Some(2 << 30)));
        assert_eq!(parse_size("100%"), Ok(None));
        assert_eq!(parse_size("100%FREE"), Ok(None));
        assert!(parse_size("512 MB").is_err());
        assert!(parse_size("lots").is_err());
    }
}
