//! bcachefs (disko's `bcachefs` and `bcachefs_filesystems`): single devices, and multi-device filesystems formatted once every member exists.

use super::*;

impl Builder<'_> {
    pub(crate) fn bcachefs(
        &mut self,
        c: &Bcachefs,
        id: &str,
        ready: &Resource,
    ) -> Result<(), PlanError> {
        // A member of a multi-device filesystem is cleared here and formatted
        // with the others; a device of its own is formatted here.
        if let Bcachefs {
            device,
            filesystem: Located {
                value: Some(fs), ..
            },
            at,
            ..
        } = c
        {
            self.member(
                id,
                Kind::BcachefsMember,
                device,
                ready,
                at,
                format!("bcachefs filesystem {fs}"),
                Self::probe(device, "TYPE", Some("bcachefs")).unwrap_or_default(),
            );

            return Ok(());
        }
        let Bcachefs {
            device,
            mountpoint,
            mount_options,
            extra_format_args,
            at,
            ..
        } = c;

        let mut argv = vec!["bcachefs".to_string(), "format".into()];
        argv.extend(extra_format_args.value.iter().cloned());
        argv.push(device.clone());
        let fs = self.format(id, device, "bcachefs", argv, ready, at);
        if let Some(mp) = &mountpoint.value {
            self.mount(
                mp,
                "bcachefs",
                device,
                &mount_options.value,
                Some(&fs),
                id,
                mountpoint,
            );
        }

        Ok(())
    }

    pub(crate) fn bcachefs_filesystem(
        &mut self,
        name: &str,
        f: &BcachefsFilesystem,
    ) -> Result<(), PlanError> {
        let members = self.bcachefs_members.get(name).cloned().unwrap_or_default();
        if members.is_empty() {
            return Err(PlanError::Invalid {
                message: format!("bcachefs filesystem '{name}' has no member devices"),
                at: f.at.clone(),
            });
        }
        let mut argv = vec![
            "bcachefs".to_string(),
            "format".into(),
            format!("--uuid={}", f.uuid.value),
        ];
        argv.extend(f.extra_format_args.value.iter().cloned());
        for (dev, label) in &members {
            if !label.is_empty() {
                argv.push(format!("--label={label}"));
            }
            argv.push(dev.clone());
        }
        let fs_res = Resource::new(Res::Fs, format!("bcachefs:{name}"));
        self.add(NewAction {
            id: format!("disko/bcachefs/{name}/format"),
            phase: Phase::Disko,
            kind: Kind::Mkfs,
            argv: Some(argv),
            script: None,
            destructive: true,
            check: Self::argv(&["blkid", "--match-token", &format!("UUID={}", f.uuid.value)]),
            needs: members
                .iter()
                .map(|(d, _)| Resource::new(Res::Member, d.to_string()))
                .collect(),
            produces: vec![fs_res.clone()],
            at: f.at.clone(),
            reason: format!(
                "format bcachefs filesystem {name} over {}",
                members
                    .iter()
                    .map(|(d, _)| d.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
        if let Some(mp) = &f.mountpoint.value {
            let devices = members
                .iter()
                .map(|(d, _)| d.as_str())
                .collect::<Vec<_>>()
                .join(":");
            self.mount(
                mp,
                "bcachefs",
                &devices,
                &f.mount_options.value,
                Some(&fs_res),
                &format!("disko/bcachefs/{name}"),
                &f.mountpoint,
            );
        }

        Ok(())
    }
}
