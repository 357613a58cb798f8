//! LVM (disko's `lvm_pv` and `lvm_vg`): physical volumes, then the group once all exist, then logical volumes and their contents.

use super::*;

impl Builder<'_> {
    pub(crate) fn lvm_pv(
        &mut self,
        c: &LvmPv,
        id: &str,
        ready: &Resource,
    ) -> Result<(), PlanError> {
        let LvmPv { device, vg, at } = c;

        self.add(NewAction {
            id: format!("{id}/pvcreate"),
            phase: Phase::Disko,
            kind: Kind::Pvcreate,
            argv: Self::argv(&["pvcreate", "--yes", device]),
            script: None,
            destructive: true,
            check: Self::probe(device, "TYPE", None),
            needs: vec![ready.into()],
            produces: vec![Resource::new(Res::Member, device.to_string())],
            at: at.clone(),
            reason: format!("make {device} a physical volume of {}", vg.value),
        });

        Ok(())
    }

    pub(crate) fn volume_group(&mut self, name: &str, vg: &VolumeGroup) -> Result<(), PlanError> {
        let pvs = self.pvs.get(name).cloned().unwrap_or_default();
        if pvs.is_empty() {
            return Err(PlanError::Invalid {
                message: format!("volume group '{name}' has no lvm_pv"),
                at: vg.at.clone(),
            });
        }
        let mut argv = vec!["vgcreate".to_string(), vg.name.clone()];
        argv.extend(pvs.iter().cloned());
        self.add(NewAction {
            id: format!("disko/lvm_vg/{name}/create"),
            phase: Phase::Disko,
            kind: Kind::Vgcreate,
            argv: Some(argv),
            script: None,
            destructive: false,
            check: Self::argv(&["vgs", &vg.name]),
            needs: pvs
                .iter()
                .map(|p| Resource::new(Res::Member, p.to_string()))
                .collect(),
            produces: vec![
                Resource::new(Res::Vg, name.to_string()),
                Resource::new(Res::VgSpace, format!("{name}:0")),
            ],
            at: vg.at.clone(),
            reason: format!("create volume group {name} on {}", pvs.join(", ")),
        });
        // Logical volumes in priority order; each takes space after the previous.
        let mut lvs: Vec<_> = vg.lvs.values().collect();
        lvs.sort_by(|a, b| (a.priority.value, &a.name).cmp(&(b.priority.value, &b.name)));
        for (i, lv) in lvs.iter().enumerate() {
            let dev = format!("/dev/{}/{}", vg.name, lv.name);
            let size_flag = if lv.size.value.contains('%') {
                "-l"
            } else {
                "-L"
            };
            // A thin volume is virtual (-V) in its pool; other types are segment types.
            let thin = lv.lvm_type.value.as_deref() == Some("thinlv");
            let size_flag = if thin { "-V" } else { size_flag };
            // A percentage alone is of the free space (disko: `N%` → `N%FREE`).
            let size = if size_flag == "-l" && lv.size.value.ends_with('%') {
                format!("{}FREE", lv.size.value)
            } else {
                lv.size.value.clone()
            };
            let mut argv = vec![
                "lvcreate".to_string(),
                "--yes".into(),
                size_flag.into(),
                size,
                "-n".into(),
                lv.name.clone(),
            ];
            match (&lv.lvm_type.value, thin) {
                (_, true) => match &lv.pool.value {
                    Some(pool) => argv.push(format!("--thinpool={pool}")),
                    None => {
                        return Err(PlanError::Invalid {
                            message: format!("thin volume {} names no pool", lv.name),
                            at: lv.at.clone(),
                        })
                    }
                },
                (Some(t), false) => {
                    argv.push("--type".into());
                    argv.push(t.clone());
                }
                (None, false) => {}
            }
            argv.extend(super::as_shell_splits(&lv.extra_args.value));
            argv.push(vg.name.clone());
            self.add(NewAction {
                id: format!("disko/lvm_vg/{name}/lv/{}", lv.name),
                phase: Phase::Disko,
                kind: Kind::Lvcreate,
                argv: Some(argv),
                script: None,
                destructive: false,
                check: Self::argv(&["lvs", &format!("{}/{}", vg.name, lv.name)]),
                needs: vec![
                    Resource::new(Res::Vg, name.to_string()),
                    Resource::new(Res::VgSpace, format!("{name}:{i}")),
                ],
                produces: vec![
                    Resource::new(Res::Block, dev.to_string()),
                    Resource::new(Res::VgSpace, format!("{name}:{}", i + 1)),
                ],
                at: lv.at.clone(),
                reason: format!(
                    "create logical volume {} of {} in {name}",
                    lv.name, lv.size.value
                ),
            });
            if let Some(c) = &lv.content {
                self.content(
                    c,
                    &format!("disko/lvm_vg/{name}/lv/{}", lv.name),
                    &Resource::new(Res::Block, dev.to_string()),
                )?;
            }
        }

        Ok(())
    }
}
