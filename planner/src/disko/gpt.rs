//! GPT tables (disko's `gpt`): `sgdisk` per partition in disko's order, fixed GUIDs and attributes, the hybrid MBR.

use super::*;

impl Builder<'_> {
    pub(crate) fn gpt(&mut self, c: &Gpt, id: &str, ready: &Resource) -> Result<(), PlanError> {
        let Gpt {
            device,
            partitions,
            efi_gpt_partition_first,
            at,
        } = c;

        let table = format!("{id}/table");
        self.add(NewAction {
            id: table.clone(),
            phase: Phase::Disko,
            kind: Kind::PartitionTable,
            argv: Self::argv(&["sgdisk", "--clear", device]),
            script: None,
            destructive: true,
            check: Self::probe(device, "PTTYPE", Some("gpt")),
            needs: vec![ready.into()],
            produces: vec![
                Resource::new(Res::Table, device.to_string()),
                Resource::new(Res::GptSlot, format!("{device}:0")),
            ],
            at: at.clone(),
            reason: format!("write an empty GPT partition table on {device}"),
        });
        // Partitions in disko's order (priority, then name); each
        // needs the one before it, as sgdisk allocates in order.
        for (i, p) in partitions.iter().enumerate() {
            let n = i + 1;
            let mut argv = vec![
                "sgdisk".to_string(),
                "--align-end".into(),
                format!("--new={n}:{}:{}", p.start.value, p.end.value),
                format!("--change-name={n}:{}", p.label.value),
                format!("--typecode={n}:{}", p.type_code.value),
                // As disko: always, so the entry has exactly these
                // attribute bits (a hex mask; none is 0).
                format!(
                    "--attributes={n}:=:{:x}",
                    p.attributes
                        .value
                        .iter()
                        .filter(|b| (0..64).contains(*b))
                        .fold(0u64, |m, b| m | (1u64 << b))
                ),
            ];
            if p.alignment.value > 0 {
                argv.push(format!("--set-alignment={}", p.alignment.value));
            } else if p.start.value.ends_with('s') || p.end.value.ends_with('s') {
                argv.push("--set-alignment=1".into());
            }
            let guid = p.uuid.value.as_deref().unwrap_or("R");
            argv.insert(3, format!("--partition-guid={n}:{guid}"));
            argv.push(device.clone());
            let pid = format!("{id}/partition/{}", p.name);
            self.add(NewAction {
                        id: pid.clone(),
                        phase: Phase::Disko,
                        kind: Kind::Partition,
                        argv: None,
                        script: Some(format!(
                            "set -eu\n{}\npartprobe {}\nudevadm trigger --subsystem-match=block\nudevadm settle --timeout 120\n{}",
                            argv.iter().map(|a| sh_quote(a)).collect::<Vec<_>>().join(" "),
                            sh_quote(device),
                            super::udev::partition_link(device, n, &p.label.value, &p.device.value)
                        )),
                        destructive: false,
                        // The disk's own partition table says so (a by-partlabel
                        // link alone could be stale, or another disk's), and
                        // its link is there once udev has seen it (right after
                        // a boot, udev may not have yet).
                        check: Self::argv(&[
                            "sh",
                            "-c",
                            "sgdisk -i \"$1\" \"$2\" | grep -qxF \"Partition name: '$3'\" && udevadm trigger --subsystem-match=block && udevadm settle --timeout 120 && test -b \"$4\"",
                            "sh",
                            &n.to_string(),
                            device,
                            &p.label.value,
                            &p.device.value,
                        ]),
                        needs: vec![Resource::new(Res::Table, device.to_string()), Resource::new(Res::GptSlot, format!("{device}:{i}"))],
                        produces: vec![Resource::new(Res::Block, p.device.value.to_string()), Resource::new(Res::GptSlot, format!("{device}:{n}"))],
                        at: p.at.clone(),
                        reason: format!("create partition {n} '{}' ({}, type {}) on {device}", p.label.value, if p.size.value == "100%" { "the rest of the disk".to_string() } else { p.size.value.clone() }, p.type_code.value),
                    });
        }
        // As disko does: contents once every partition exists (the
        // table is re-read after each partition), and after the
        // hybrid MBR when there is one.
        let mut all = Resource::new(Res::GptSlot, format!("{device}:{}", partitions.len()));
        if let Some(hybrid) =
            self.hybrid_mbr(id, device, partitions, efi_gpt_partition_first, &all)?
        {
            all = hybrid;
        }
        for p in partitions {
            if let Some(inner) = &p.content {
                let pid = format!("{id}/partition/{}", p.name);
                let before = self.actions.len();
                self.content(
                    inner,
                    &pid,
                    &Resource::new(Res::Block, p.device.value.to_string()),
                )?;
                if let Some(first) = self.actions.get_mut(before) {
                    first.needs.push(all.clone());
                }
            }
        }

        Ok(())
    }

    /// The hybrid MBR of a GPT disk (partitions with `hybrid` set), made
    /// once every partition exists: `sgdisk -h` lists them (with `:EE`
    /// when the 0xEE entry goes last), then sfdisk sets the MBR types and
    /// boot flags by MBR slot. (disko passes the GPT number to sfdisk,
    /// which is another slot whenever the 0xEE entry is first, its
    /// default; and its default `sgdisk -h` line lacks the space before
    /// the device.) Returns the resource the contents then wait for.
    pub(crate) fn hybrid_mbr(
        &mut self,
        id: &str,
        device: &str,
        partitions: &[nixplan_nixos::config::Partition],
        ee_first: &nixplan_nixos::config::Located<bool>,
        after: &Resource,
    ) -> Result<Option<Resource>, PlanError> {
        let hybrids: Vec<(usize, &nixplan_nixos::config::Hybrid)> = partitions
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.hybrid.as_ref().map(|h| (i + 1, h)))
            .collect();
        if hybrids.is_empty() {
            return Ok(None);
        }
        if hybrids.len() > 3 {
            return Err(PlanError::Invalid {
                message: format!(
                    "{device}: a hybrid MBR holds at most 3 GPT partitions (its 4th entry is the 0xEE one), and {} have `hybrid` set",
                    hybrids.len()
                ),
                at: hybrids[3].1.at.clone(),
            });
        }
        let ee_first = ee_first.value;
        let slot = |k: usize| if ee_first { k + 2 } else { k + 1 };
        let ee_slot = if ee_first { 1 } else { hybrids.len() + 1 };
        let mut spec: Vec<String> = hybrids.iter().map(|(n, _)| n.to_string()).collect();
        if !ee_first {
            spec.push("EE".into());
        }
        let dev = sh_quote(device);
        let nested = "sfdisk --label-nested dos";
        let mut script = format!("set -eu\nsgdisk -h {} {dev}\n", spec.join(":"));
        // (sfdisk pads a one-digit type with a space.)
        let mut check = format!("[ \"$({nested} --part-type {dev} {ee_slot} | tr -d ' ')\" = ee ]");
        let mut bootable = Vec::new();
        for (k, (n, h)) in hybrids.iter().enumerate() {
            let s = slot(k);
            match &h.mbr_partition_type.value {
                Some(t) => {
                    let hex = t.trim_start_matches("0x").trim_start_matches("0X");
                    let short = hex.trim_start_matches('0').to_ascii_lowercase();
                    if short.is_empty()
                        || short.len() > 2
                        || !short.chars().all(|c| c.is_ascii_hexdigit())
                    {
                        return Err(PlanError::Invalid {
                            message: format!("partition {n} of {device}: mbrPartitionType '{t}' is not an MBR type (a hex byte such as 0x0c)"),
                            at: h.at.clone(),
                        });
                    }
                    script.push_str(&format!("{nested} --part-type {dev} {s} {}\n", sh_quote(t)));
                    check.push_str(&format!(
                        " && [ \"$({nested} --part-type {dev} {s} | tr -d ' ')\" = {short} ]"
                    ));
                }
                None => check.push_str(&format!(" && {nested} --part-type {dev} {s} >/dev/null")),
            }
            if h.mbr_bootable_flag.value {
                bootable.push(s.to_string());
            }
        }
        // One call: --activate clears the flag of every slot it is not given.
        if !bootable.is_empty() {
            script.push_str(&format!(
                "{nested} --activate {dev} {}\n",
                bootable.join(" ")
            ));
            for s in &bootable {
                check.push_str(&format!(
                    " && {nested} --activate {dev} | grep -q '[^0-9]{s}$'"
                ));
            }
        }
        script.push_str(&format!(
            "partprobe {dev}\nudevadm trigger --subsystem-match=block\nudevadm settle --timeout 120\n"
        ));
        let produced = Resource::new(Res::HybridMbr, device.to_string());
        self.add(NewAction {
            id: format!("{id}/hybrid-mbr"),
            phase: Phase::Disko,
            kind: Kind::HybridMbr,
            argv: None,
            script: Some(script),
            destructive: false,
            check: Self::argv(&["sh", "-c", &check]),
            needs: vec![after.clone()],
            produces: vec![produced.clone()],
            at: hybrids[0].1.at.clone(),
            reason: format!(
                "make the MBR of {device} hybrid: GPT partitions {} in MBR slots {}, the 0xEE entry {}",
                hybrids.iter().map(|(n, _)| n.to_string()).collect::<Vec<_>>().join(", "),
                (0..hybrids.len()).map(|k| slot(k).to_string()).collect::<Vec<_>>().join(", "),
                if ee_first { "first" } else { "last" }
            ),
        });
        Ok(Some(produced))
    }
}
