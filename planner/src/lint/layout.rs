//! What the disko rules read of a layout: every content with its place,
//! the mountpoints claimed (in the order disko's fileSystems would see
//! them), the GPT tables of each disk, the ESP, sizes in bytes.

use nixplan_nixos::config::{Btrfs, Config, Content, Filesystem, Gpt, Luks, Partition, Pos, Table};

/// The GPT type GUID of an EFI system partition (sgdisk's EF00).
pub(crate) const ESP_GUID: &str = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";

/// Parse a disko size to bytes (None for percentages); Err when invalid.
pub(crate) fn parse_size(s: &str) -> Result<Option<u64>, ()> {
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
pub(crate) fn partition_bytes(size: &str, start: &str, end: &str) -> Option<u64> {
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

pub(crate) fn all_contents(c: &Config) -> Vec<(String, &Content)> {
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

/// Every mountpoint a disko content, subvolume, nodev or dataset claims,
/// with where it was written, in disko's order.
pub(crate) fn mount_claims(c: &Config) -> Vec<(&str, Option<&Pos>)> {
    let mut claims = Vec::new();
    for (_, content) in all_contents(c) {
        match content {
            Content::Filesystem(Filesystem { mountpoint, at, .. }) => {
                if let Some(mp) = &mountpoint.value {
                    claims.push((mp.as_str(), mountpoint.at.as_ref().or(at.as_ref())));
                }
            }
            Content::Btrfs(Btrfs {
                mountpoint,
                subvolumes,
                at,
                ..
            }) => {
                if let Some(mp) = &mountpoint.value {
                    claims.push((mp.as_str(), mountpoint.at.as_ref().or(at.as_ref())));
                }
                for sv in subvolumes {
                    if let Some(mp) = &sv.mountpoint.value {
                        claims.push((mp.as_str(), sv.mountpoint.at.as_ref().or(at.as_ref())));
                    }
                }
            }
            _ => {}
        }
    }
    for n in c.disko.nodev.values() {
        if let Some(mp) = &n.mountpoint.value {
            claims.push((mp.as_str(), n.at.as_ref()));
        }
    }
    for zp in c.disko.zpools.values() {
        for ds in zp.datasets.values() {
            if let Some(mp) = &ds.mountpoint.value {
                claims.push((mp.as_str(), ds.mountpoint.at.as_ref().or(ds.at.as_ref())));
            }
        }
    }
    claims
}

/// The partitions of each GPT table on a disk (not on an array or a
/// volume), with the disk's name, in disk order.
pub(crate) fn disk_gpt_tables(c: &Config) -> Vec<(&str, &[Partition])> {
    let contents = all_contents(c);
    let mut out = Vec::new();
    for disk_name in c.disko.disks.keys() {
        for (_, content) in contents
            .iter()
            .filter(|(p, _)| p.starts_with(&format!("disk.{disk_name}.content")))
        {
            if let Content::Gpt(Gpt { partitions, .. }) = content {
                out.push((disk_name.as_str(), partitions.as_slice()));
            }
        }
    }
    out
}

/// The ESPs: EF00 partitions holding a vfat filesystem mounted at the EFI
/// system mount point; and whether some GPT table has a BIOS boot (EF02)
/// partition.
pub(crate) fn esp_partitions(c: &Config) -> (Vec<&Partition>, bool) {
    let esp_mount = &c.boot_loader.efi_sys_mount_point.value;
    let mut esps = Vec::new();
    let mut bios_boot = false;
    for (_, content) in all_contents(c) {
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
                        esps.push(p);
                    }
                }
            }
        }
    }
    (esps, bios_boot)
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
