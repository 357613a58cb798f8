//! A filesystem on a device (disko's `filesystem`): mkfs where there is no signature, then its mount.

use super::*;

impl Builder<'_> {
    pub(crate) fn filesystem(
        &mut self,
        c: &Filesystem,
        id: &str,
        ready: &Resource,
    ) -> Result<(), PlanError> {
        let Filesystem {
            device,
            format,
            mountpoint,
            mount_options,
            extra_args,
            at,
        } = c;

        // The format names a mkfs.FORMAT program (and the mount's type):
        // a word, never a path (`format = "/dev/vda"` would run a program
        // of that name on a device the plan names nowhere).
        let word = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
        if format.value.is_empty()
            || !format.value.chars().all(word)
            || format.value.starts_with('.')
        {
            return Err(PlanError::Invalid {
                message: format!(
                    "{id}: format {:?} is not a filesystem type (mkfs.FORMAT: ext4, vfat, xfs, ...)",
                    format.value
                ),
                at: format.at.clone().or_else(|| at.clone()),
            });
        }
        let mut argv = vec![format!("mkfs.{}", format.value)];
        argv.extend(extra_args.value.iter().cloned());
        argv.push(device.clone());
        let fs = self.format(id, device, &format.value, argv, ready, at);
        if let Some(mp) = &mountpoint.value {
            self.mount(
                mp,
                &format.value,
                device,
                &mount_options.value,
                Some(&fs),
                id,
                mountpoint,
            );
        }

        Ok(())
    }
}
