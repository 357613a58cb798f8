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

    /// A multi-device bcachefs filesystem as disko makes it: formatted
    /// once every member exists (each member's label and own arguments,
    /// then the filesystem's UUID and arguments, `--encrypted` with the
    /// passphrase from `passwordFile`), its subvolumes created through a
    /// temporary mount, then the filesystem and its subvolumes mounted by
    /// UUID (`X-mount.subdir` for a subvolume).
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
        let uuid = &f.uuid.value;
        let by_uuid = format!("/dev/disk/by-uuid/{uuid}");
        let mut argv = vec!["bcachefs".to_string(), "format".into()];
        for (dev, label, args) in &members {
            argv.push(format!("--label={label}"));
            argv.extend(args.iter().cloned());
            argv.push(dev.clone());
        }
        argv.push(format!("--uuid={uuid}"));
        argv.extend(super::as_shell_splits(&f.extra_format_args.value));
        let password = f.password_file.value.clone();
        let quoted = |argv: &[String]| {
            argv.iter()
                .map(|a| sh_quote(a))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let (format_argv, format_script) = match &password {
            Some(file) => {
                argv.push("--encrypted".into());
                (
                    None,
                    Some(format!("{} < {}", quoted(&argv), sh_quote(file))),
                )
            }
            None => (Some(argv), None),
        };

        let fs_res = Resource::new(Res::Fs, format!("bcachefs:{name}"));
        let devices = members
            .iter()
            .map(|(d, _, _)| d.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        self.add(NewAction {
            id: format!("disko/bcachefs/{name}/format"),
            phase: Phase::Disko,
            kind: Kind::Mkfs,
            argv: format_argv,
            script: format_script,
            destructive: true,
            check: Self::argv(&["blkid", "--match-token", &format!("UUID={uuid}")]),
            needs: members
                .iter()
                .map(|(d, _, _)| Resource::new(Res::Member, d.to_string()))
                .collect(),
            produces: vec![fs_res.clone()],
            at: f.at.clone(),
            reason: format!(
                "format bcachefs filesystem {name} over {devices}{}",
                if password.is_some() {
                    ", encrypted"
                } else {
                    ""
                }
            ),
        });
        // Everything after uses its by-uuid link: made where udev does not.
        let linked = Resource::new(Res::Block, by_uuid.clone());
        self.add(NewAction {
            id: format!("disko/bcachefs/{name}/link"),
            phase: Phase::Disko,
            kind: Kind::DeviceLink,
            argv: None,
            script: Some(format!("set -eu\n{}", super::udev::uuid_link(uuid))),
            destructive: false,
            check: None,
            needs: vec![fs_res.clone()],
            produces: vec![linked.clone()],
            at: f.at.clone(),
            reason: format!(
                "find bcachefs filesystem {name} at {by_uuid} (linked here if udev does not)"
            ),
        });
        // The key in the session keyring for what mounts it here.
        let unlock = password.as_ref().map(|file| {
            format!(
                "bcachefs unlock -k session {} < {}",
                sh_quote(&by_uuid),
                sh_quote(file)
            )
        });
        let mut ready = linked;
        if let Some(unlock) = &unlock {
            let unlocked = Resource::new(Res::Fs, format!("bcachefs:{name}:unlocked"));
            self.add(NewAction {
                id: format!("disko/bcachefs/{name}/unlock"),
                phase: Phase::Disko,
                kind: Kind::BcachefsUnlock,
                argv: None,
                script: Some(unlock.clone()),
                destructive: false,
                check: None,
                needs: vec![ready.clone()],
                produces: vec![unlocked.clone()],
                at: f.password_file.at.clone(),
                reason: format!(
                    "unlock bcachefs filesystem {name} with the passphrase in {}",
                    password.as_deref().unwrap_or("")
                ),
            });
            ready = unlocked;
        }
        let paths: Vec<String> = f
            .subvolumes
            .iter()
            .map(|sv| sv.name.trim_start_matches('/').to_string())
            .collect();
        for sv in &f.subvolumes {
            let path = sv.name.trim_start_matches('/').to_string();
            let made = Resource::new(Res::Subvolume, format!("{by_uuid}:{path}"));
            // Inside its parent subvolume, once that exists.
            let mut needs = vec![ready.clone()];
            if let Some(parent) = paths
                .iter()
                .filter(|p| path.starts_with(&format!("{p}/")))
                .max_by_key(|p| p.len())
            {
                needs.push(Resource::new(Res::Subvolume, format!("{by_uuid}:{parent}")));
            }
            self.add(NewAction {
                id: format!("disko/bcachefs/{name}/subvolume/{path}"),
                phase: Phase::Disko,
                kind: Kind::BcachefsSubvolume,
                argv: None,
                script: Some(format!(
                    "set -eu\ntop=$(mktemp -d)\nmount -t bcachefs -o X-mount.mkdir {dev} \"$top\"\ntrap 'umount \"$top\"; rmdir \"$top\"' EXIT\nmkdir -p -- \"$(dirname -- \"$top\"/{p})\"\ntest -d \"$top\"/{p} || bcachefs subvolume create \"$top\"/{p}\n",
                    dev = sh_quote(&by_uuid),
                    p = sh_quote(&path)
                )),
                destructive: false,
                check: None,
                needs,
                produces: vec![made.clone()],
                at: sv.at.clone(),
                reason: format!("create bcachefs subvolume {path} in {name}"),
            });
            if let Some(mp) = &sv.mountpoint.value {
                let opts = mount_options(
                    Some(format!("X-mount.subdir={path}")),
                    &sv.mount_options.value,
                );
                self.mount(
                    mp,
                    "bcachefs",
                    &by_uuid,
                    &opts,
                    Some(&made),
                    &format!("disko/bcachefs/{name}/subvolume/{path}"),
                    &sv.mountpoint,
                );
            }
        }
        if let Some(mp) = &f.mountpoint.value {
            let opts = mount_options(None, &f.mount_options.value);
            self.mount(
                mp,
                "bcachefs",
                &by_uuid,
                &opts,
                Some(&ready),
                &format!("disko/bcachefs/{name}"),
                &f.mountpoint,
            );
        }

        Ok(())
    }
}

/// disko's bcachefs mount options: `first` (a subvolume's `X-mount.subdir`),
/// then the user's, each once (`mount` adds the `X-mount.mkdir` disko
/// always gives).
fn mount_options(first: Option<String>, given: &[String]) -> Vec<String> {
    let mut opts: Vec<String> = first.into_iter().collect();
    for o in given {
        if !opts.contains(o) && o != "X-mount.mkdir" {
            opts.push(o.clone());
        }
    }
    opts
}
