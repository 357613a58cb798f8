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
