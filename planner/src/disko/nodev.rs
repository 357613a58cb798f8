//! Filesystems without a device (disko's `nodev`: tmpfs and the like): only mounted.

use super::*;

impl Builder<'_> {
    pub(crate) fn nodev(&mut self, name: &str, n: &Nodev) {
        if let Some(mp) = &n.mountpoint.value {
            // Its mountpoint where the user wrote one, else the nodev
            // (whose name is its mountpoint by default).
            let written = if n.mountpoint.at.is_some() {
                n.mountpoint.clone()
            } else {
                Located::new(n.mountpoint.value.clone(), n.at.clone())
            };
            self.mount(
                mp,
                &n.fs_type.value,
                &n.device.value,
                &n.mount_options.value,
                None,
                &format!("disko/nodev/{name}"),
                &written,
            );
        }
    }
}
