//! btrfs (disko's `btrfs`): mkfs (one or several devices), subvolumes, swap files, mounts.

use super::*;

impl Builder<'_> {
    pub(crate) fn btrfs(&mut self, c: &Btrfs, id: &str, ready: &Resource) -> Result<(), PlanError> {
        let Btrfs {
            device,
            extra_args,
            mountpoint,
            mount_options,
            subvolumes,
            swap,
            at,
        } = c;

        // The device first, then the extra arguments, as disko writes it:
        // for a filesystem of several devices (`extraArgs = [ "-d raid1"
        // "/dev/mapper/p1" ]`) the order gives each its devid, and the
        // kernel names the filesystem after devid 1.
        let mut argv = vec!["mkfs.btrfs".to_string(), device.clone()];
        argv.extend(super::as_shell_splits(&extra_args.value));
        let fs = self.format(id, device, "btrfs", argv, ready, at);
        for sv in subvolumes {
            let name = sv.name.value.trim_start_matches('/').to_string();
            let svid = format!("{id}/subvolume/{name}");
            self.add(NewAction {
                        id: svid.clone(),
                        phase: Phase::Disko,
                        kind: Kind::BtrfsSubvolume,
                        argv: None,
                        // As disko: the parent directory is made first (a
                        // nested subvolume's parent need not be one), and
                        // the extra arguments follow the path, split as
                        // disko's unquoted list is.
                        script: Some(format!(
                            "set -eu\ntop=$(mktemp -d)\nmount -t btrfs {d} \"$top\"\ntrap 'umount \"$top\"; rmdir \"$top\"' EXIT\nmkdir -p \"$(dirname \"$top\"/{n})\"\nbtrfs subvolume show \"$top\"/{n} >/dev/null 2>&1 || btrfs subvolume create \"$top\"/{n}{extra}\n",
                            d = sh_quote(device),
                            n = sh_quote(&name),
                            extra = super::as_shell_splits(&sv.extra_args.value)
                                .iter()
                                .map(|w| format!(" {}", sh_quote(w)))
                                .collect::<String>()
                        )),
                        destructive: false,
                        check: None,
                        needs: vec![fs.clone()],
                        produces: vec![Resource::new(Res::Subvolume, format!("{device}:{name}"))],
                        // Its name where the user wrote one, else the
                        // subvolume (named by its attribute).
                        at: sv.name.at.clone().or_else(|| sv.at.clone()),
                        reason: format!("create btrfs subvolume {name} on {device}"),
                    });
            if let Some(mp) = &sv.mountpoint.value {
                let mut opts = sv.mount_options.value.clone();
                opts.push(format!("subvol={name}"));
                self.mount(
                    mp,
                    "btrfs",
                    device,
                    &opts,
                    Some(&Resource::new(Res::Subvolume, format!("{device}:{name}"))),
                    &svid,
                    &sv.mountpoint,
                );
                for sw in &sv.swap {
                    self.swapfile(&svid, mp, sw);
                }
            }
        }
        if let Some(mp) = &mountpoint.value {
            self.mount(
                mp,
                "btrfs",
                device,
                &mount_options.value,
                Some(&fs),
                id,
                mountpoint,
            );
            for sw in swap {
                self.swapfile(id, mp, sw);
            }
        }

        Ok(())
    }

    pub(crate) fn swapfile(
        &mut self,
        id: &str,
        mountpoint: &str,
        sw: &nixplan_nixos::config::Swapfile,
    ) {
        let path = format!(
            "{}/{}",
            under(&self.root, mountpoint).trim_end_matches('/'),
            sw.path.value.trim_start_matches('/')
        );
        self.add(NewAction {
            id: format!("{id}/swapfile/{}", sw.name),
            phase: Phase::Disko,
            kind: Kind::Swapfile,
            argv: Self::argv(&[
                "btrfs",
                "filesystem",
                "mkswapfile",
                "--size",
                &sw.size.value,
                &path,
            ]),
            script: None,
            destructive: false,
            check: Self::argv(&["test", "-f", &path]),
            needs: vec![Resource::new(Res::Mount, under(&self.root, mountpoint))],
            produces: vec![Resource::new(Res::Swapfile, path.to_string())],
            at: sw.size.at.clone(),
            reason: format!("create a {} swap file {path}", sw.size.value),
        });
    }
}
