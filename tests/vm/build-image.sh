#!/usr/bin/env bash
# Builds the Debian VM that tests/apply_vm.rs applies plans in: a kernel
# with device-mapper, md and vfat (which the sandbox kernel lacks), udev,
# sshd and the disk tools. Output in target/vm/: root.img (ext4, made with
# mke2fs -d from a debootstrap folder), vmlinuz, initrd.img, the test's SSH
# key (id_ed25519) and the VM's host key in known_hosts. Rebuilt only when
# this script changes. Needs root, debootstrap and network access to the
# Debian mirror.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=target/vm
stamp="$(sha256sum "$0" | cut -c1-16)"
if [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$stamp" ] && [ -f "$out/root.img" ]; then
  exit 0
fi
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
rm -rf "$out"
mkdir -p "$out"
rootfs="$out/rootfs"
# (libdbi-perl provides perl-dbdabi-94, a virtual package nix-bin needs
# that debootstrap does not resolve.)
packages=linux-image-amd64,initramfs-tools,kmod,systemd-sysv,udev,openssh-server,iproute2,procps,util-linux,gdisk,parted,dosfstools,e2fsprogs,btrfs-progs,xfsprogs,cryptsetup-bin,lvm2,mdadm,sudo,nix-bin,libdbi-perl
echo "debootstrap (bookworm, $mirror): this takes a few minutes"
debootstrap --variant=minbase --include="$packages" bookworm "$rootfs" "$mirror" > "$out/debootstrap.log" 2>&1 \
  || { tail -20 "$out/debootstrap.log"; exit 1; }

echo nixplan-vm > "$rootfs/etc/hostname"
printf 'LABEL=vmroot / ext4 rw,errors=remount-ro 0 1\n' > "$rootfs/etc/fstab"
mkdir -p "$rootfs/etc/systemd/network"
printf '[Match]\nName=en* eth*\n[Network]\nDHCP=yes\n' > "$rootfs/etc/systemd/network/50-dhcp.network"
ln -sf /lib/systemd/system/systemd-networkd.service \
  "$rootfs/etc/systemd/system/multi-user.target.wants/systemd-networkd.service"
# mdadm must not assemble or monitor arrays on its own: the tests create them.
printf 'AUTO -all\nMAILADDR root\n' > "$rootfs/etc/mdadm/mdadm.conf"
printf 'PermitRootLogin prohibit-password\nPasswordAuthentication no\nUseDNS no\n' \
  > "$rootfs/etc/ssh/sshd_config.d/nixplan.conf"
rm -f "$rootfs"/etc/ssh/ssh_host_*
ssh-keygen -q -t ed25519 -N '' -C nixplan-vm -f "$rootfs/etc/ssh/ssh_host_ed25519_key"
ssh-keygen -q -t ed25519 -N '' -C nixplan-test -f "$out/id_ed25519"
install -d -m 0700 "$rootfs/root/.ssh"
install -m 0600 "$out/id_ed25519.pub" "$rootfs/root/.ssh/authorized_keys"
# A non-root login that escalates with sudo, as on many rented servers.
chroot "$rootfs" useradd --create-home --shell /bin/sh deploy
install -d -m 0700 -o "$(chroot "$rootfs" id -u deploy)" -g "$(chroot "$rootfs" id -g deploy)" "$rootfs/home/deploy/.ssh"
install -m 0600 -o "$(chroot "$rootfs" id -u deploy)" -g "$(chroot "$rootfs" id -g deploy)" "$out/id_ed25519.pub" "$rootfs/home/deploy/.ssh/authorized_keys"
printf 'deploy ALL=(ALL) NOPASSWD: ALL\n' > "$rootfs/etc/sudoers.d/deploy"
chmod 0440 "$rootfs/etc/sudoers.d/deploy"
printf '[127.0.0.1]:* %s\n' "$(cut -d' ' -f1,2 "$rootfs/etc/ssh/ssh_host_ed25519_key.pub")" > "$out/known_hosts"
# The kernel, the initramfs (with virtio and ext4), and the image.
cp "$(ls "$rootfs"/boot/vmlinuz-* | sort | tail -1)" "$out/vmlinuz"
cp "$(ls "$rootfs"/boot/initrd.img-* | sort | tail -1)" "$out/initrd.img"
rm -rf "$rootfs/var/cache/apt/archives"/*.deb
mkfs.ext4 -q -L vmroot -d "$rootfs" "$out/root.img" 3G
rm -rf "$rootfs"
echo "$stamp" > "$out/stamp"
echo "built $out/root.img"
