#!/usr/bin/env bash
# Builds the Debian VM that tests/apply_vm.rs applies plans in: a kernel
# with device-mapper, md and vfat (which the sandbox kernel lacks), udev,
# D-Bus (systemd-run --wait needs the system bus, as on NixOS),
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
packages=linux-image-amd64,initramfs-tools,kmod,systemd-sysv,udev,dbus,openssh-server,iproute2,procps,util-linux,fdisk,gdisk,parted,dosfstools,e2fsprogs,btrfs-progs,xfsprogs,cryptsetup-bin,lvm2,mdadm,sudo,opendoas,kexec-tools,curl,nix-bin,libdbi-perl
echo "debootstrap (bookworm, $mirror): this takes a few minutes"
debootstrap --variant=minbase --include="$packages" bookworm "$rootfs" "$mirror" > "$out/debootstrap.log" 2>&1 \
  || { tail -20 "$out/debootstrap.log"; exit 1; }

# debootstrap passes over an --include it cannot find: say so here.
for t in sudo doas kexec nix-store sshd mdadm cryptsetup sgdisk; do
  chroot "$rootfs" /usr/bin/env PATH=/usr/sbin:/usr/bin:/sbin:/bin sh -c "command -v $t" >/dev/null \
    || { echo "the VM image lacks $t"; exit 1; }
done
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
# A login that escalates with doas only (sudo -n refuses it).
chroot "$rootfs" useradd --create-home --shell /bin/sh ops
install -d -m 0700 -o "$(chroot "$rootfs" id -u ops)" -g "$(chroot "$rootfs" id -g ops)" "$rootfs/home/ops/.ssh"
install -m 0600 -o "$(chroot "$rootfs" id -u ops)" -g "$(chroot "$rootfs" id -g ops)" "$out/id_ed25519.pub" "$rootfs/home/ops/.ssh/authorized_keys"
printf 'permit nopass ops as root\n' > "$rootfs/etc/doas.conf"
chmod 0400 "$rootfs/etc/doas.conf"
# A boot with nixplan.installer=1 on its command line (the kexec test's
# stand-in installer kexecs into this same kernel with it) presents itself
# as a NixOS installer with a new host key, as nixos-images' kexec
# installer would. Bind mounts under /run: the next boot is Debian again.
cat > "$rootfs/usr/local/sbin/nixplan-installer" <<'SCRIPT'
#!/bin/sh
set -eu
d=/run/nixplan-installer
mkdir -p "$d"
printf 'ID=nixos\nVARIANT_ID=installer\n' > "$d/os-release"
mount --bind "$d/os-release" /etc/os-release
ssh-keygen -q -t ed25519 -N '' -C nixplan-installer -f "$d/ssh_host_ed25519_key"
mount --bind "$d/ssh_host_ed25519_key" /etc/ssh/ssh_host_ed25519_key
mount --bind "$d/ssh_host_ed25519_key.pub" /etc/ssh/ssh_host_ed25519_key.pub
SCRIPT
chmod 0755 "$rootfs/usr/local/sbin/nixplan-installer"
cat > "$rootfs/etc/systemd/system/nixplan-installer.service" <<'UNIT'
[Unit]
Description=Present this boot as a NixOS installer (nixplan's kexec test)
ConditionKernelCommandLine=nixplan.installer=1
After=local-fs.target
Before=ssh.service

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/nixplan-installer

[Install]
WantedBy=multi-user.target
UNIT
ln -sf /etc/systemd/system/nixplan-installer.service \
  "$rootfs/etc/systemd/system/multi-user.target.wants/nixplan-installer.service"
printf '[127.0.0.1]:* %s\n' "$(cut -d' ' -f1,2 "$rootfs/etc/ssh/ssh_host_ed25519_key.pub")" > "$out/known_hosts"
# The kernel, the initramfs (with virtio and ext4), and the image.
cp "$(ls "$rootfs"/boot/vmlinuz-* | sort | tail -1)" "$out/vmlinuz"
cp "$(ls "$rootfs"/boot/initrd.img-* | sort | tail -1)" "$out/initrd.img"
rm -rf "$rootfs/var/cache/apt/archives"/*.deb
mkfs.ext4 -q -L vmroot -d "$rootfs" "$out/root.img" 3G
rm -rf "$rootfs"
echo "$stamp" > "$out/stamp"
echo "built $out/root.img"
