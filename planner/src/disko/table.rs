//! msdos and legacy tables (disko's `table`), made with `parted`.

use super::*;

impl Builder<'_> {
    pub(crate) fn table(&mut self, c: &Table, id: &str, ready: &Resource) -> Result<(), PlanError> {
        let Table {
            device,
            format,
            partitions,
            at,
        } = c;

        self.add(NewAction {
            id: format!("{id}/table"),
            phase: Phase::Disko,
            kind: Kind::PartitionTable,
            argv: Self::argv(&["parted", "-s", device, "--", "mklabel", &format.value]),
            script: None,
            destructive: true,
            // blkid names parted's msdos tables `dos` (the wipe
            // before it has cleared any older table).
            check: Self::probe(
                device,
                "PTTYPE",
                Some(if format.value == "msdos" {
                    "dos"
                } else {
                    &format.value
                }),
            ),
            needs: vec![ready.into()],
            produces: vec![
                Resource::new(Res::Table, device.to_string()),
                Resource::new(Res::MsdosSlot, format!("{device}:0")),
            ],
            at: at.clone(),
            reason: format!(
                "write an empty {} partition table on {device}",
                format.value
            ),
        });
        for (i, p) in partitions.iter().enumerate() {
            let n = i + 1;
            let part_dev = numbered_partition(device, n);
            let mut cmd = vec![
                "parted".to_string(),
                "-s".into(),
                device.clone(),
                "--".into(),
                "mkpart".into(),
                // On a GPT, parted's first word names the partition (disko
                // passes the name, escaped as udev escapes link names); on
                // msdos it is the part type.
                match (&p.name.value, format.value.as_str()) {
                    (Some(name), "gpt") => hex_escape_udev(name),
                    _ => p.part_type.value.clone(),
                },
            ];
            if let Some(fs) = &p.fs_type.value {
                cmd.push(fs.clone());
            }
            cmd.push(p.start.value.clone());
            cmd.push(p.end.value.clone());
            let mut script = format!(
                "set -eu\n{}\n",
                cmd.iter()
                    .map(|a| sh_quote(a))
                    .collect::<Vec<_>>()
                    .join(" ")
            );
            if p.bootable.value {
                script.push_str(&format!(
                    "parted -s {} -- set {n} boot on\n",
                    sh_quote(device)
                ));
            }
            for f in &p.flags.value {
                script.push_str(&format!(
                    "parted -s {} -- set {n} {} on\n",
                    sh_quote(device),
                    sh_quote(f)
                ));
            }
            script.push_str(&format!("partprobe {}\nudevadm trigger --subsystem-match=block\nudevadm settle --timeout 120\n", sh_quote(device)));
            let pid = format!("{id}/partition/{n}");
            self.add(NewAction {
                id: pid.clone(),
                phase: Phase::Disko,
                kind: Kind::Partition,
                argv: None,
                script: Some(script),
                destructive: false,
                check: Self::argv(&["test", "-b", &part_dev]),
                needs: vec![
                    Resource::new(Res::Table, device.to_string()),
                    Resource::new(Res::MsdosSlot, format!("{device}:{i}")),
                ],
                produces: vec![
                    Resource::new(Res::Block, part_dev.to_string()),
                    Resource::new(Res::MsdosSlot, format!("{device}:{n}")),
                ],
                at: p.start.at.clone(),
                reason: format!(
                    "create {} partition {n} ({} to {}) on {device}",
                    p.part_type.value, p.start.value, p.end.value
                ),
            });
            if let Some(inner) = &p.content {
                self.content(
                    inner,
                    &pid,
                    &Resource::new(Res::Block, part_dev.to_string()),
                )?;
            }
        }

        Ok(())
    }
}

/// A name as udev writes it in a /dev/disk link: bytes other than
/// letters, digits and `#+,-./:=@_` become `\xHH` (disko's
/// `hexEscapeUdevSymlink`, which it also uses for GPT names in a table).
pub(crate) fn hex_escape_udev(name: &str) -> String {
    let mut out = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"#+,-./:=@_".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("\\x{b:X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::hex_escape_udev;

    #[test]
    fn udev_escapes_what_it_does_not_allow() {
        assert_eq!(
            hex_escape_udev("name with spaces"),
            "name\\x20with\\x20spaces"
        );
        assert_eq!(
            hex_escape_udev("a-b_c.d:e=f@g#h+i,j/k"),
            "a-b_c.d:e=f@g#h+i,j/k"
        );
        assert_eq!(hex_escape_udev("é"), "\\xC3\\xA9");
    }
}
