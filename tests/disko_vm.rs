//! disko's examples made for real in a VM with a full kernel (vfat,
//! device-mapper for LUKS and LVM, md), three times each: by disko's own
//! create and mount scripts, by nixplan's plan with its stand-in disko, and
//! by nixplan's plan with the real disko; what the kernel then shows must
//! be the same (tests/common/disko_examples.rs says what is compared).
//! tests/disko_loop.rs does the same on this machine's loop devices for
//! the examples its kernel can make.
//!
//! Not here: the ZFS and bcachefs examples, and `complex`, which has a
//! zpool (the VM's Debian kernel has neither), f2fs (no mkfs.f2fs in the image), luks-interactive-login (its
//! script asks for a password on a terminal), mdadm-raid5-args (disko's
//! own script fails there: `partprobe` of the new two-disk RAID5 array ends
//! in "Invalid argument during seek for read"), with-lib (its disks are
//! keyed by their devices, so moving one onto another disk renames its
//! labels), multi-device-no-deps (nixplan plans installs and refuses a layout with
//! no `/`, as tests/disko-upstream/deviations.txt says) and stand-alone
//! (a NixOS configuration calling disko's library itself, no
//! `disko.devices`).
//!
//! Without qemu or the image the test says so (a recorded skip, which the
//! test command does not allow), unless NIXPLAN_REQUIRE_VM_TESTS=1: then it
//! fails.
//!
//! Each example takes one to two minutes under TCG, so the test command
//! makes the ones in [`BY_DEFAULT`] (one of each kind of thing disko makes
//! that no other example here covers better); `NIXPLAN_DISKO_EXAMPLES=all`
//! makes every one (by hand: about 40 minutes), `=a,b` only those.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::disko_examples::{compare, first_failure, Machine};
use common::vm::{sh_through, write_through, Vm};
use nixplan_executor::{apply, ApplyOptions, Event, Local, Observer, Ssh};
use nixplan_planner::Plan;

const EXAMPLES: &[&str] = &[
    "boot-raid1",
    "btrfs-only-root-subvolume",
    "btrfs-subvolumes",
    "gpt-bios-compat",
    "gpt-name-with-whitespace",
    "gpt-unformatted",
    "hybrid",
    "hybrid-mbr",
    "hybrid-tmpfs-on-root",
    "legacy-table",
    "legacy-table-with-whitespace",
    "long-device-name",
    "luks-btrfs-raid",
    "luks-btrfs-subvolumes",
    "luks-lvm",
    "luks-on-mdadm",
    "lvm-raid",
    "lvm-sizes-sort",
    "lvm-thin",
    "mdadm",
    "mdadm-raid0",
    "negative-size",
    "simple-efi",
    "swap",
    "tmpfs",
    "xfs-with-quota",
];

/// What the test command makes: md with a GPT on the array, LUKS under
/// LVM, btrfs subvolumes with swap files, an msdos table with names that
/// have spaces, a hybrid MBR, GPT names that udev escapes.
const BY_DEFAULT: &[&str] = &[
    "mdadm",
    "luks-lvm",
    "btrfs-subvolumes",
    "legacy-table-with-whitespace",
    "hybrid-mbr",
    "gpt-name-with-whitespace",
];

struct InVm {
    vm: Vm,
    /// One connection for the test's own commands.
    ssh: Ssh,
    here: tempfile::TempDir,
}

struct Quiet;

impl Observer for Quiet {
    fn event(&mut self, _e: Event<'_>) {}
    fn confirm(&mut self, _q: &str) -> bool {
        false
    }
}

impl Machine for InVm {
    fn disks(&self) -> Vec<String> {
        (0..3)
            .map(|i| format!("/dev/disk/by-id/virtio-nixplan-d{i}"))
            .collect()
    }
    fn root(&self) -> String {
        "/mnt/disko".into()
    }
    fn sh(&self, cmd: &str) -> (bool, String) {
        sh_through(&self.ssh, cmd)
    }
    fn write(&self, path: &str, text: &str) {
        write_through(&self.ssh, path, text)
    }
    fn scratch_there(&self) -> String {
        "/root".into()
    }
    fn scratch_here(&self) -> PathBuf {
        self.here.path().to_path_buf()
    }
    fn plan_args(&self) -> Vec<String> {
        vec!["--target-host".into(), "root@127.0.0.1".into()]
    }
    fn apply(&mut self, plan: &Plan, state: &str) -> Result<(), String> {
        let opts = ApplyOptions {
            yes: true,
            state_dir: self.here.path().join(state),
            timeout: Duration::from_secs(600),
            ..ApplyOptions::default()
        };
        let report = apply(
            plan,
            &mut Ssh::new(self.vm.ssh_options()),
            &mut Local::default(),
            &opts,
            &mut Quiet,
        )
        .map_err(|r| format!("refused: {r}"))?;
        first_failure(&report)
    }
    fn script_path(&self) -> String {
        "/usr/sbin:/usr/bin:/sbin:/bin".into()
    }
}

#[test]
fn disko_examples_in_a_vm_look_as_disko_makes_them() {
    let test = "disko_examples_in_a_vm_look_as_disko_makes_them";
    if common::skip::skip_unless(test, common::vm::unavailable(), "NIXPLAN_REQUIRE_VM_TESTS") {
        return;
    }
    let Some(upstream) = common::upstream_or_skip(test) else {
        return;
    };
    let only = std::env::var("NIXPLAN_DISKO_EXAMPLES").unwrap_or_else(|_| BY_DEFAULT.join(","));
    let chosen: Vec<&str> = EXAMPLES
        .iter()
        .copied()
        .filter(|name| only == "all" || only.split(',').any(|n| n == *name))
        .collect();
    let others: Vec<&str> = EXAMPLES
        .iter()
        .copied()
        .filter(|n| !chosen.contains(n))
        .collect();
    if !others.is_empty() {
        eprintln!(
            "not made in this run (NIXPLAN_DISKO_EXAMPLES=all makes them): {}",
            others.join(" ")
        );
    }
    let vm = Vm::boot(&[4096, 4096, 4096]);
    let mut m = InVm {
        ssh: vm.transport(),
        vm,
        here: tempfile::tempdir().unwrap(),
    };
    let mut problems = Vec::new();
    let mut made = 0;
    for name in &chosen {
        let started = std::time::Instant::now();
        let found = compare(&mut m, name, &upstream);
        eprintln!(
            "{name}: {} ({:.0} s)",
            if found.is_empty() { "same" } else { "differs" },
            started.elapsed().as_secs_f64()
        );
        problems.extend(found);
        made += 1;
    }
    assert!(
        made > 0,
        "NIXPLAN_DISKO_EXAMPLES named no example of this test"
    );
    assert!(
        problems.is_empty(),
        "{}\n(console:\n{})",
        problems.join("\n"),
        m.vm.console()
    );
}
