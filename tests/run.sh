#!/usr/bin/env bash
# The test command: installs what the tests need (Debian packages, only when
# missing), checks the committed Nix outputs against the real nix, then runs
# every test of the workspace, and the lints.
set -euo pipefail
cd "$(dirname "$0")/.."

# Real disk tools for the loop-device tests of apply (tests/apply_loop.rs),
# OpenSSH for the SSH transport tests, qemu and debootstrap for the VM.
tools="nix-instantiate:nix-bin sgdisk:gdisk sfdisk:fdisk parted:parted mkfs.vfat:dosfstools \
  mkfs.btrfs:btrfs-progs mkfs.xfs:xfsprogs cryptsetup:cryptsetup-bin lvcreate:lvm2 mdadm:mdadm \
  udevadm:udev sshd:openssh-server ssh:openssh-client \
  qemu-system-x86_64:qemu-system-x86 qemu-img:qemu-utils debootstrap:debootstrap"
updated=
install_missing() {
  local need=() tool
  for tool in $tools; do
    command -v "${tool%%:*}" >/dev/null || PATH="$PATH:/usr/sbin:/sbin" command -v "${tool%%:*}" >/dev/null || need+=("${tool##*:}")
  done
  if [ ${#need[@]} -gt 0 ]; then
    echo "installing: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    [ -n "$updated" ] || apt-get update -qq
    updated=1
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
}
install_missing
# One package can take another's tool away (Debian's qemu-system-x86
# removes a newer qemu-utils backport, and with it qemu-img): once more.
install_missing

echo "== real nix agrees with the committed corpus outputs"
tests/corpus/regenerate.sh --check

echo "== the VM for tests/apply_vm.rs (Debian under qemu; rebuilt when its script changes)"
if tests/vm/build-image.sh; then
  export NIXPLAN_REQUIRE_VM_TESTS=1
else
  echo "the VM image could not be built: tests/apply_vm.rs will skip"
fi

echo "== cargo test"
# The loop-device and SSH tests must run here: as root with the tools above
# they fail rather than skip (only a kernel without a driver skips them).
export NIXPLAN_REQUIRE_LOOP_TESTS=1
skipped=target/tmp/skipped-tests.txt
rm -f "$skipped"
cargo test --workspace --lib --bins --tests
if [ -s "$skipped" ]; then
  echo "== skipped, and why"
  cat "$skipped"
fi

echo "== formatting and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
echo "all tests passed"
