//! Filesystems without a device (disko's `nodev`: tmpfs and the like): only mounted.

use super::*;

impl Builder<'_> {
    pub(crate) fn nodev(&mut self, name: &str, n: &Nodev) {
        if let Some(mp) = &n.mountpoint.value {
            self.mount(
                mp,
                &n.fs_type.value,
                &n.device.value,
                &n.mount_options.value,
                None,
                &format!("disko/nodev/{name}"),
                &n.mountpoint,
            );
        }
    }
}
