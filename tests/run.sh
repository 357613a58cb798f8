#!/usr/bin/env bash
# The test command: installs what the tests need (Debian packages, only when
# missing), checks the committed Nix outputs against the real nix, then runs
# every test of the workspace, and the lints.
set -euo pipefail
cd "$(dirname "$0")/.."

# A fresh clone gains nothing from incremental artifacts (they were a
# sixth of the test build); the build takes about 1.5 GB without them.
export CARGO_INCREMENTAL=0
echo "== disk space here (the build and the VM image need about 3 GB)"
df -h . | tail -1

# Real disk tools for the loop-device tests of apply (tests/apply_loop.rs),
# OpenSSH for the SSH transport tests, sudo for a deploy through a sudo
# password (tests/deploy_ssh.rs), qemu and debootstrap for the VM.
tools="nix-instantiate:nix-bin sgdisk:gdisk sfdisk:fdisk parted:parted mkfs.vfat:dosfstools \
  mkfs.btrfs:btrfs-progs mkfs.xfs:xfsprogs cryptsetup:cryptsetup-bin lvcreate:lvm2 mdadm:mdadm \
  udevadm:udev sshd:openssh-server ssh:openssh-client sudo:sudo \
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

echo "== real nix generates the committed disko scripts (tests/disko_upstream.rs compares plans with them)"
tests/disko-upstream/regenerate.sh --check

echo "== the VM for tests/apply_vm.rs and tests/deploy_vm.rs (Debian under qemu; rebuilt when its script changes)"
if tests/vm/build-image.sh; then
  export NIXPLAN_REQUIRE_VM_TESTS=1
else
  # The VM test then skips, and that skip is not allowed: the run fails
  # at the end, after every other test has run.
  echo "the VM image could not be built: the VM tests will skip, and this run will fail"
fi

echo "== cargo test"
# The loop-device and SSH tests must run here: as root with the tools above
# they fail rather than skip (only a kernel without a driver skips them).
export NIXPLAN_REQUIRE_LOOP_TESTS=1
# nix-bin is installed above: the real-nix tests must run.
export NIXPLAN_REQUIRE_NIX=1
# The upstream snapshots (../shared/upstream, or NIXPLAN_UPSTREAM) are part
# of the project: the tests that run upstream's own suites must run.
export NIXPLAN_REQUIRE_UPSTREAM=1
skipped=target/tmp/skipped-tests.txt
rm -f "$skipped"
cargo test --workspace --lib --bins --tests
if [ -s "$skipped" ]; then
  echo "== skipped, and why"
  cat "$skipped"
fi
# Every skip must be allowed, with its reason, in tests/skips-allowed.txt.
refused=0
if [ -s "$skipped" ]; then
  while IFS= read -r line; do
    name=${line%%: *}
    allowed=
    while IFS='|' read -r test words reason; do
      test=$(echo "$test" | xargs); words=$(echo "$words" | xargs)
      case "$test" in ''|'#'*) continue ;; esac
      if [ "$test" = "$name" ] && [[ "$line" == *"$words"* ]]; then allowed=1; break; fi
    done < tests/skips-allowed.txt
    if [ -z "$allowed" ]; then
      echo "not allowed to skip: $line (tests/skips-allowed.txt)"
      refused=1
    fi
  done < "$skipped"
fi
[ "$refused" = 0 ]

echo "== formatting and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
# The benchmark scripts run by hand: at least they must parse.
for f in benches/*.sh; do bash -n "$f"; done
echo "all tests passed"
