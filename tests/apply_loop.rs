//! `apply` for real, on loop devices backed by sparse files this test
//! creates: the plans of tests/fixtures/apply/ run through the executor,
//! and the result is read back with blkid, the mount table and stat.
//!
//! The lab (tests/common/lab.rs) plays udev for its own devices and
//! removes everything it made by name, also when a test fails.
//!
//! These tests need root and the disk tools; without them they say so and
//! pass, unless NIXPLAN_REQUIRE_LOOP_TESTS=1 (the test command sets it).

mod common;

use common::lab::*;
use nixplan_executor::{apply, Local, Outcome, Report};

fn apply_fixture(name: &str, disks: usize) -> (Lab, String, Report) {
    let mut lab = Lab::new(disks, 256);
    let plan = lab.plan(name);
    let opts = options(&lab, "state", false);
    let report = run(&mut lab, &plan, &opts, None);
    assert!(report.succeeded(), "{report:?}");
    let state = lab.state();
    (lab, state, report)
}

fn lines_with<'a>(state: &'a str, prefix: &str) -> Vec<&'a str> {
    state.lines().filter(|l| l.starts_with(prefix)).collect()
}

/// The MBR entries of `disk` as `sfdisk -d` lists them (of the hybrid
/// MBR nested in a GPT with `nested`), spaces squeezed.
fn mbr_entries(disk: &str, nested: bool) -> Vec<String> {
    let label = if nested { "--label-nested dos " } else { "" };
    let (ok, dump) = sh(&format!("sfdisk {label}-d {disk}"));
    assert!(ok, "{dump}");
    dump.lines()
        .filter(|l| l.starts_with(disk))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

/// Apply the fixture's plan again with --resume: what became of the
/// action whose id ends with `suffix`.
fn resumed(lab: &mut Lab, fixture: &str, suffix: &str) -> Outcome {
    let plan = lab.plan(fixture);
    let opts = options(lab, "state", true);
    let report = run(lab, &plan, &opts, None);
    report
        .outcomes
        .into_iter()
        .find(|(id, _)| id.ends_with(suffix))
        .map(|(_, o)| o)
        .unwrap_or_else(|| panic!("no action ending in {suffix}"))
}

#[test]
fn esp_and_ext4_are_partitioned_formatted_and_mounted() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if skip_unless_available("esp_and_ext4") || skip_for_kernel("esp_and_ext4", &["ext4"]) {
        return;
    }
    let mut lab = Lab::new(1, 256);
    let plan = lab.plan("esp-ext4");
    let opts = options(&lab, "state", false);
    let mut obs = LabObserver {
        lab: &mut lab,
        started: 0,
        stop_at: None,
    };
    let report = apply(
        &plan,
        &mut Local::default(),
        &mut Local::default(),
        &opts,
        &mut obs,
    )
    .unwrap_or_else(|r| panic!("refused: {r}"));
    let state = lab.state();
    let disk = &lab.loops[0];
    let id = &lab.id;
    assert!(state.contains(&format!(
        "{disk}p1: TYPE=vfat PART_ENTRY_NAME=disk-a{id}-ESP PART_ENTRY_TYPE=c12a7328-f81f-11d2-ba4b-00a0c93ec93b PART_ENTRY_SIZE=131072"
    )), "{state}");
    assert!(
        state.contains(&format!("{disk}p2: LABEL=root{id} TYPE=ext4 PART_ENTRY_NAME=disk-a{id}-root PART_ENTRY_TYPE=0fc63daf-8483-4772-8e79-3d69d8477de4")),
        "{state}"
    );
    let esp_mount = format!("disko/disk/a{id}/partition/ESP/mount");
    if kernel_lacks(&["vfat"]).is_none() {
        assert!(report.succeeded(), "{report:?}");
        assert_eq!(
            lines_with(&state, "mount "),
            vec!["mount <root> ext4 ", "mount <root>/boot vfat "],
            "{state}"
        );
        // umask=0077 reached the mount.
        let (_, mode) = sh(&format!("stat -c %a {}/boot", lab.root().display()));
        assert_eq!(mode.trim(), "700");
    } else {
        // This kernel cannot mount vfat: exactly that action fails, with
        // its command and output, and the rest of the plan still ran.
        eprintln!("note: this kernel has no vfat; checking the failure report instead");
        let failures = report.failures();
        assert_eq!(failures.len(), 1, "{report:?}");
        let f = failures[0];
        assert_eq!(f.action, esp_mount);
        assert_eq!(f.status, "exit code 32");
        assert!(f.command.contains("mount -t vfat"), "{}", f.command);
        assert!(f.tail.contains("vfat"), "{}", f.tail);
        assert_eq!(lines_with(&state, "mount "), vec!["mount <root> ext4 "]);
    }
}

#[test]
fn btrfs_subvolumes_and_swap() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if skip_unless_available("btrfs_subvolumes_and_swap")
        || skip_for_kernel("btrfs_subvolumes_and_swap", &["btrfs"])
    {
        return;
    }
    let (lab, state, _) = apply_fixture("btrfs-subvolumes", 1);
    let disk = &lab.loops[0];
    assert!(state.contains(&format!("{disk}p1: TYPE=swap")), "{state}");
    assert!(state.contains(&format!("{disk}p2: TYPE=btrfs")), "{state}");
    assert_eq!(
        lines_with(&state, "mount "),
        vec![
            "mount <root> btrfs subvol=/@root",
            "mount <root>/home btrfs subvol=/@home",
            "mount <root>/nix btrfs noatime,subvol=/@nix",
        ],
        "{state}"
    );
    let (ok, list) = sh(&format!("btrfs subvolume list {}", lab.root().display()));
    assert!(ok, "{list}");
    let names: Vec<&str> = list
        .lines()
        .filter_map(|l| l.split(' ').next_back())
        .collect();
    assert_eq!(names, vec!["@home", "@nix", "@root"], "{list}");
}

#[test]
fn an_msdos_table_made_with_parted() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if skip_unless_available("an_msdos_table") || skip_for_kernel("an_msdos_table", &["ext4"]) {
        return;
    }
    let (mut lab, state, _) = apply_fixture("msdos", 1);
    let disk = lab.loops[0].clone();
    assert_eq!(
        mbr_entries(&disk, false),
        vec![
            format!("{disk}p1 : start= 2048, size= 129024, type=83, bootable"),
            format!("{disk}p2 : start= 131072, size= 327680, type=83"),
            format!("{disk}p3 : start= 458752, size= 65536, type=82"),
        ],
    );
    assert!(state.contains(&format!("{disk}p3: TYPE=swap")), "{state}");
    assert_eq!(
        lines_with(&state, "mount "),
        vec!["mount <root> ext4 ", "mount <root>/boot ext4 "],
        "{state}"
    );
    // Resumed: the table's check sees parted's label (blkid's `dos`).
    let table = resumed(&mut lab, "msdos", "/table");
    assert!(
        matches!(&table, Outcome::AlreadyDone { why } if why.contains("its check still passes")),
        "{table:?}"
    );
}

#[test]
fn hybrid_mbr_and_a_fixed_partition_guid() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if skip_unless_available("hybrid_mbr") || skip_for_kernel("hybrid_mbr", &["ext4"]) {
        return;
    }
    let (mut lab, state, _) = apply_fixture("hybrid-mbr-uuid", 1);
    let disk = lab.loops[0].clone();
    // The MBR: GPT partitions 1 and 2 in slots 1 and 2 (the first with
    // the asked type, bootable; the second with the type sgdisk derives
    // from 8300), the 0xEE entry last, as efiGptPartitionFirst = false.
    assert_eq!(
        mbr_entries(&disk, true),
        vec![
            format!("{disk}p1 : start= 2048, size= 32768, type=c, bootable"),
            format!("{disk}p2 : start= 34816, size= 65536, type=83"),
            format!("{disk}p3 : start= 1, size= 2047, type=ee"),
        ],
    );
    // The GPT is whole, and the root partition has the fixed GUID; the
    // plan found it by that GUID.
    let (ok, verify) = sh(&format!("sgdisk -v {disk}"));
    assert!(ok && verify.contains("No problems found"), "{verify}");
    // The attribute bits 1 and 2 of the first partition, none on others.
    let (_, info) = sh(&format!("sgdisk -i 1 {disk}; sgdisk -i 2 {disk}"));
    let flags: Vec<&str> = info
        .lines()
        .filter_map(|l| l.strip_prefix("Attribute flags: "))
        .collect();
    assert_eq!(
        flags,
        vec!["0000000000000006", "0000000000000000"],
        "{info}"
    );
    let (_, guid) = sh(&format!("blkid -p -o value -s PART_ENTRY_UUID {disk}p3"));
    assert_eq!(guid.trim(), lab.uuid);
    assert_eq!(
        lines_with(&state, "mount "),
        vec!["mount <root> ext4 ", "mount <root>/boot ext4 "],
        "{state}"
    );
    let plan = lab.plan("hybrid-mbr-uuid");
    let mkfs = plan
        .actions
        .iter()
        .find(|a| a.id.ends_with("partition/root/format"))
        .unwrap();
    let by_guid = format!("/dev/disk/by-partuuid/{}", lab.uuid);
    assert!(
        mkfs.argv.iter().flatten().any(|w| *w == by_guid),
        "{mkfs:?}"
    );
    // Resumed: the hybrid MBR's check sees it done.
    let hybrid = resumed(&mut lab, "hybrid-mbr-uuid", "/hybrid-mbr");
    assert!(
        matches!(&hybrid, Outcome::AlreadyDone { why } if why.contains("its check still passes")),
        "{hybrid:?}"
    );
}

#[test]
fn luks_with_a_key_file_under_lvm() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if skip_unless_available("luks_with_a_key_file_under_lvm")
        || skip_for_kernel("luks_with_a_key_file_under_lvm", &["device-mapper", "ext4"])
    {
        return;
    }
    let (lab, state, _) = apply_fixture("luks-lvm", 1);
    let id = &lab.id;
    assert!(
        state.contains(&format!("{}p2: TYPE=crypto_LUKS", lab.loops[0])),
        "{state}"
    );
    assert!(
        state.contains(&format!("/dev/mapper/crypt{id}: TYPE=LVM2_member")),
        "{state}"
    );
    assert!(
        state.contains(&format!("/dev/vg{id}/root: TYPE=ext4")),
        "{state}"
    );
    assert_eq!(
        lines_with(&state, "mount "),
        vec![
            "mount <root> ext4 ",
            "mount <root>/boot vfat ",
            "mount <root>/home ext4 "
        ],
        "{state}"
    );
    let (ok, lvs) = sh(&format!("lvs --noheadings -o lv_name vg{id}"));
    assert!(ok, "{lvs}");
    let mut names: Vec<&str> = lvs.split_whitespace().collect();
    names.sort();
    assert_eq!(names, vec!["home", "root"]);
}

#[test]
fn mdadm_raid1_over_two_disks() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if skip_unless_available("mdadm_raid1_over_two_disks")
        || skip_for_kernel("mdadm_raid1_over_two_disks", &["md", "ext4"])
    {
        return;
    }
    let (lab, state, _) = apply_fixture("mdadm-raid1", 2);
    for l in &lab.loops {
        assert!(
            state.contains(&format!("{l}p1: TYPE=linux_raid_member")),
            "{state}"
        );
    }
    assert!(
        state.contains(&format!("/dev/md/md{}: TYPE=ext4", lab.id)),
        "{state}"
    );
    let (ok, detail) = sh(&format!("mdadm --detail /dev/md/md{}", lab.id));
    assert!(ok && detail.contains("Raid Level : raid1"), "{detail}");
    assert!(detail.contains("Raid Devices : 2"), "{detail}");
    assert_eq!(lines_with(&state, "mount "), vec!["mount <root> ext4 "]);
}

#[test]
fn tmpfs_root_with_persisted_directories_owned_and_moded() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if skip_unless_available("tmpfs_root_with_persisted_directories")
        || skip_for_kernel("tmpfs_root_with_persisted_directories", &["tmpfs", "ext4"])
    {
        return;
    }
    let (_lab, state, _) = apply_fixture("tmpfs-impermanence", 1);
    assert_eq!(
        lines_with(&state, "mount "),
        vec![
            "mount <root> tmpfs ",
            "mount <root>/nix ext4 ",
            "mount <root>/persist ext4 "
        ],
        "{state}"
    );
    for want in [
        "dir <root>/persist/var/log 755 0:0",
        "dir <root>/persist/var/lib/colord 750 400:400",
        "dir <root>/persist/var/lib/private 700 0:0",
        "dir <root>/persist/etc 755 0:0",
        "dir <root>/persist/var/keys 700 0:0",
        "dir <root>/persist/home/alice 700 1000:1000",
        "dir <root>/persist/home/alice/Documents 755 1000:1000",
        "dir <root>/persist/home/alice/.ssh 700 1000:1000",
        // Parents inside a home are the user's (impermanence's default
        // permissions at that level), above it root's.
        "dir <root>/persist/home 755 0:0",
        "dir <root>/persist/home/alice/.local 755 1000:1000",
        "dir <root>/persist/home/alice/.local/share 755 1000:1000",
        "dir <root>/persist/home/alice/.local/share/direnv 755 1000:1000",
        "dir <root>/persist/home/alice/.config 755 1000:1000",
        "dir <root>/persist/home/alice/.config/git 755 1000:1000",
    ] {
        assert!(state.lines().any(|l| l == want), "{want}\n{state}");
    }
}

/// On a machine where udev makes no /dev/disk links (this one, with the
/// lab not playing udev), a plan of only the disko and persist phases
/// (`--phases disko,persist`, the installer assumed up) still partitions,
/// formats, mounts and creates the persisted directories with their owners
/// and modes: each partition's script links its by-partlabel name itself,
/// and says so in the log.
#[test]
fn without_udev_the_plan_links_its_partitions_itself() {
    let test = "without_udev_the_plan_links_its_partitions_itself";
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if skip_unless_available(test) || skip_for_kernel(test, &["tmpfs", "ext4"]) {
        return;
    }
    let mut lab = Lab::new(1, 256);
    lab.play_udev = false;
    let plan = lab.plan_with("tmpfs-impermanence", &["--phases", "disko,persist"]);
    assert_eq!(
        plan.assumed
            .iter()
            .map(|r| r.to_string())
            .collect::<Vec<_>>(),
        ["bootstrap:ready"]
    );
    let opts = options(&lab, "state", false);
    let report = run(&mut lab, &plan, &opts, None);
    assert!(report.succeeded(), "{report:?}");
    let log = report
        .log
        .as_ref()
        .and_then(|l| std::fs::read_to_string(l).ok())
        .unwrap_or_default();
    let label = format!("disk-f{}-persist", lab.id);
    assert!(
        log.contains(&format!(
            "udev made no link /dev/disk/by-partlabel/{label}: linked it to {}p2",
            lab.loops[0]
        )),
        "{log}"
    );
    let state = lab.state();
    assert_eq!(
        lines_with(&state, "mount "),
        vec![
            "mount <root> tmpfs ",
            "mount <root>/nix ext4 ",
            "mount <root>/persist ext4 "
        ],
        "{state}"
    );
    for want in [
        "dir <root>/persist/var/lib/colord 750 400:400",
        "dir <root>/persist/home/alice/.ssh 700 1000:1000",
    ] {
        assert!(state.lines().any(|l| l == want), "{want}\n{state}");
    }
}

/// The links other than a partition's by-partlabel that udev would make
/// and disko's paths name, made by the plan's own snippets where udev does
/// not run (this machine): a filesystem's `/dev/disk/by-uuid` (bcachefs
/// filesystems are mounted by it; tried here on ext4, which this kernel
/// has), and md's `by-id/md-name-any:NAME-partN` for a partition of a GPT
/// on an array (tried on a loop disk's partition, which has the same
/// kernel naming). A link that exists is left alone.
#[test]
fn without_udev_uuid_and_md_partition_links_are_made_by_the_plan() {
    let test = "without_udev_uuid_and_md_partition_links_are_made_by_the_plan";
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if skip_unless_available(test) || skip_for_kernel(test, &["ext4"]) {
        return;
    }
    let lab = Lab::new(2, 64);
    let run = |script: &str| {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(script)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{script}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stderr).to_string()
    };
    // by-uuid: the filesystem's device, found by blkid.
    let (ok, out) = sh(&format!("mkfs.ext4 -q -F -U {} {}", lab.uuid, lab.loops[0]));
    assert!(ok, "{out}");
    let link = format!("/dev/disk/by-uuid/{}", lab.uuid);
    assert!(
        !std::path::Path::new(&link).exists(),
        "udev runs here after all"
    );
    let said = run(&nixplan_planner::udev::uuid_link(&lab.uuid));
    assert_eq!(
        std::fs::read_link(&link).unwrap().to_string_lossy(),
        lab.loops[0]
    );
    assert!(
        said.contains(&format!(
            "udev made no link {link}: linked it to {}",
            lab.loops[0]
        )),
        "{said}"
    );
    // Made: a second run leaves it and says nothing.
    assert_eq!(run(&nixplan_planner::udev::uuid_link(&lab.uuid)), "");
    // A UUID no device has: no link.
    let other = "00000000-0000-4000-8000-00000000beef";
    run(&nixplan_planner::udev::uuid_link(other));
    assert!(!std::path::Path::new(&format!("/dev/disk/by-uuid/{other}")).exists());
    // md-name-any: partition 1 of the array's disk, if it carries the name.
    let disk = &lab.loops[1];
    let name = format!("md-{}", lab.id);
    let (ok, out) = sh(&format!("sgdisk --clear --new=1:0:+8M --change-name=1:{name} {disk} && partprobe {disk} || partx -u {disk}"));
    assert!(ok, "{out}");
    let md_link = format!("/dev/disk/by-id/md-name-any:{}-part1", lab.id);
    let wrong = nixplan_planner::udev::partition_link(disk, 1, "another-name", &md_link);
    run(&wrong);
    assert!(
        !std::path::Path::new(&md_link).exists(),
        "linked a partition of another name"
    );
    let said = run(&nixplan_planner::udev::partition_link(
        disk, 1, &name, &md_link,
    ));
    assert_eq!(
        std::fs::read_link(&md_link).unwrap().to_string_lossy(),
        format!("{disk}p1")
    );
    assert!(
        said.contains("udev made no link /dev/disk/by-id/md-name-any:"),
        "{said}"
    );
}

/// A journal that cannot be written (its disk is full) stops the run:
/// the action whose start could not be noted does not run, nothing after
/// it either, and once there is room again `--resume` finishes the job.
#[test]
fn a_full_state_directory_stops_the_run_and_resume_finishes_it() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if skip_unless_available("a_full_state_directory")
        || skip_for_kernel("a_full_state_directory", &["tmpfs", "ext4"])
    {
        return;
    }
    let mut lab = Lab::new(1, 256);
    let plan = lab.plan("tmpfs-impermanence");
    // The state directory on a small tmpfs of this test's own.
    let state = lab.dir.path().join("small-state");
    std::fs::create_dir_all(&state).unwrap();
    let (ok, out) = sh(&format!(
        "mount -t tmpfs -o size=256k nixplan-test {}",
        state.display()
    ));
    assert!(ok, "{out}");
    struct Unmount(std::path::PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = sh(&format!("umount {}", self.0.display()));
        }
    }
    let _unmount = Unmount(state.clone());
    struct Filler<'l> {
        lab: &'l mut Lab,
        ends: usize,
        at: usize,
        fill: std::path::PathBuf,
        notes: Vec<String>,
    }
    impl Filler<'_> {
        /// Fill the state's tmpfs so that the journal's next write needs
        /// a page there is no room for: first pad the journal with a
        /// harmless record (a `started` one of no action) up to a page
        /// boundary, then take every free page.
        fn fill_up(&self) {
            let dir = self.fill.parent().unwrap();
            let journal = std::fs::read_dir(dir)
                .unwrap()
                .flatten()
                .map(|e| e.path().join("journal.jsonl"))
                .find(|p| p.exists())
                .unwrap();
            let len = std::fs::metadata(&journal).unwrap().len() as usize;
            let head = "{\"run\":\"pad\",\"action\":\"padding-";
            let tail = "\",\"status\":\"started\",\"at\":0.0}\n";
            let mut room = (4096 - len % 4096) % 4096;
            if room < head.len() + tail.len() {
                room += 4096;
            }
            let pad = format!("{head}{}{tail}", "x".repeat(room - head.len() - tail.len()));
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .open(&journal)
                .unwrap();
            std::io::Write::write_all(&mut f, pad.as_bytes()).unwrap();
            let _ = sh(&format!(
                "dd if=/dev/zero of={} bs=4k 2>/dev/null",
                self.fill.display()
            ));
        }
    }
    impl nixplan_executor::Observer for Filler<'_> {
        fn event(&mut self, event: nixplan_executor::Event<'_>) {
            match event {
                nixplan_executor::Event::End { .. } => {
                    self.lab.settle_links();
                    self.ends += 1;
                    if self.ends == self.at {
                        self.fill_up();
                    }
                }
                nixplan_executor::Event::Note(n) => self.notes.push(n),
                _ => {}
            }
        }
        fn confirm(&mut self, _q: &str) -> bool {
            false
        }
    }
    let mut opts = options(&lab, "unused", false);
    opts.state_dir = state.clone();
    let table = plan
        .actions
        .iter()
        .position(|a| a.kind == "partition-table")
        .unwrap();
    let mut obs = Filler {
        lab: &mut lab,
        ends: 0,
        at: table,
        fill: state.join("fill"),
        notes: Vec::new(),
    };
    let report = apply(
        &plan,
        &mut Local::default(),
        &mut Local::default(),
        &opts,
        &mut obs,
    )
    .unwrap_or_else(|r| panic!("refused: {r}"));
    let notes = std::mem::take(&mut obs.notes);
    assert!(report.interrupted, "{report:?}");
    assert_eq!(report.outcomes.len(), table + 1, "{report:?}");
    let (id, last) = report.outcomes.last().unwrap();
    assert_eq!(id, &plan.actions[table].id);
    match last {
        Outcome::Failed(f) => assert!(
            f.status
                .starts_with("not run: the journal cannot be written"),
            "{f:?}"
        ),
        other => panic!("{other:?}"),
    }
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("stopped: the journal cannot be written")),
        "{notes:?}"
    );
    // The table was not written.
    let disk = lab.loops[0].clone();
    let (_, pt) = sh(&format!("blkid -p -o value -s PTTYPE {disk}"));
    assert_eq!(pt.trim(), "", "a partition table was written");
    // Room again: resume, and the job is done.
    std::fs::remove_file(state.join("fill")).unwrap();
    opts.resume = true;
    let report = run(&mut lab, &plan, &opts, None);
    assert!(report.succeeded(), "{report:?}");
    let state_now = lab.state();
    assert!(
        state_now
            .lines()
            .any(|l| l == "dir <root>/persist/home/alice/.ssh 700 1000:1000"),
        "{state_now}"
    );
}

/// Interrupt after every k of one fixture, resume, compare with an
/// uninterrupted run.
#[test]
fn interrupted_after_every_step_then_resumed_equals_one_run() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if skip_unless_available("interrupted_then_resumed")
        || skip_for_kernel("interrupted_then_resumed", &["tmpfs", "ext4"])
    {
        return;
    }
    let mut lab = Lab::new(1, 256);
    let plan = lab.plan("tmpfs-impermanence");
    let reference = {
        let opts = options(&lab, "state-ref", false);
        run(&mut lab, &plan, &opts, None);
        let s = lab.state();
        lab.teardown();
        s
    };
    let n = plan.actions.len();
    for k in 0..n {
        let state_dir = format!("state-{k}");
        let opts = options(&lab, &state_dir, false);
        let first = run(&mut lab, &plan, &opts, Some(k));
        assert!(first.interrupted, "k={k}");
        assert_eq!(first.outcomes.len(), k);
        // Without --resume a partly applied plan is refused.
        if k > 0 {
            let mut obs = LabObserver {
                lab: &mut lab,
                started: 0,
                stop_at: None,
            };
            let opts = options(obs.lab, &state_dir, false);
            let refused = apply(
                &plan,
                &mut Local::default(),
                &mut Local::default(),
                &opts,
                &mut obs,
            )
            .unwrap_err();
            assert!(refused.0.contains("--resume"), "{refused}");
        }
        let opts = options(&lab, &state_dir, true);
        let second = run(&mut lab, &plan, &opts, None);
        assert!(second.succeeded(), "k={k}: {second:?}");
        // What the first run did is not done again (facts are always
        // gathered afresh).
        for (id, _) in first.outcomes.iter().filter(|(id, _)| id != "facts/gather") {
            let again = &second.outcomes.iter().find(|(i, _)| i == id).unwrap().1;
            assert!(
                matches!(again, Outcome::AlreadyDone { .. }),
                "k={k}: {id} was {again:?} on resume"
            );
        }
        assert_eq!(lab.state(), reference, "k={k}");
        lab.teardown();
    }
}

/// On a terminal, apply asks before destroying anything, naming the disk
/// and its size; anything but `yes` leaves the disk as it was.
#[test]
fn the_confirmation_names_the_disk_and_no_means_nothing_changes() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if skip_unless_available("the_confirmation_names_the_disk") {
        return;
    }
    if !sh("command -v script").0 {
        skipped("the_confirmation_names_the_disk", "no script(1) for a pty");
        return;
    }
    let lab = Lab::new(1, 64);
    // Something on the disk that must survive.
    let disk = &lab.loops[0];
    let (ok, out) = sh(&format!("mkfs.ext4 -q -L keepme{} {disk}", lab.id));
    assert!(ok, "{out}");
    lab.plan("esp-ext4");
    let plan = lab.plan_file("esp-ext4");
    let cmd = format!(
        "{} apply {} --state-dir {}",
        env!("CARGO_BIN_EXE_nixplan"),
        plan.display(),
        lab.dir.path().join("state").display()
    );
    let (ok, out) = sh(&format!(
        "printf 'no\\n' | script -qec {} /dev/null",
        transport_quote(&cmd)
    ));
    assert!(!ok, "{out}");
    assert!(
        out.contains(&format!(
            "destructive actions on the machine nixplan runs on: erases {disk} (0.1 GiB)"
        )),
        "{out}"
    );
    assert!(out.contains("Type yes to continue"), "{out}");
    assert!(out.contains("not confirmed: nothing was changed"), "{out}");
    let (_, label) = sh(&format!("blkid -p -o value -s LABEL {disk}"));
    assert_eq!(label.trim(), format!("keepme{}", lab.id));
}

fn transport_quote(s: &str) -> String {
    nixplan_executor::transport::sh_quote(s)
}

/// A disk the plan would wipe is in use (here: mounted by a first run of
/// the same plan): a second run, with another state directory, refuses
/// before anything runs, naming what uses it; and the wipe itself checks
/// again on the target and refuses. Nothing on the disk changes.
#[test]
fn a_disk_in_use_is_never_wiped() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if skip_unless_available("a_disk_in_use_is_never_wiped")
        || skip_for_kernel("a_disk_in_use_is_never_wiped", &["btrfs"])
    {
        return;
    }
    let (mut lab, before, _) = apply_fixture("btrfs-subvolumes", 1);
    let disk = lab.loops[0].clone();
    let plan = lab.plan("btrfs-subvolumes");
    let opts = options(&lab, "another-state", false);
    // A second run over mounted filesystems.
    let refused = refused(&mut lab, &plan, &opts);
    assert!(refused.0.contains("is in use"), "{refused}");
    assert!(
        refused
            .0
            .contains(&format!("{disk}p2 on {}", lab.root().display())),
        "the refusal names the mounted partition: {refused}"
    );
    assert_eq!(lab.state(), before, "nothing on the disk changed");
    // Right before it runs, the wipe checks again on the target.
    let wipe = plan
        .actions
        .iter()
        .find(|a| a.kind == nixplan_plan::Kind::Wipe)
        .expect("the plan wipes the disk");
    let script = wipe.script.as_deref().expect("the wipe is a script");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(script)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the wipe ran on a busy disk: {err}");
    assert!(err.contains("refusing to wipe"), "{err}");
    assert!(err.contains(&format!("{disk}p2")), "{err}");
    assert_eq!(lab.state(), before, "nothing on the disk changed");
}

/// Unmounts a mount this test made outside the plan's root, also when
/// the test fails.
struct ForeignMount(std::path::PathBuf);

impl Drop for ForeignMount {
    fn drop(&mut self) {
        let _ = sh(&format!("umount {}", self.0.display()));
    }
}

/// `--unmount-own`: over a finished run of the same plan (another state
/// directory), the plan's own mounts are unmounted, deepest first, each
/// said, and the plan runs again; a mount of the disk that is not the
/// plan's is never touched: the run is refused, naming it.
#[test]
fn unmount_own_unmounts_exactly_the_plans_mounts() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if skip_unless_available("unmount_own_unmounts_exactly_the_plans_mounts")
        || skip_for_kernel("unmount_own_unmounts_exactly_the_plans_mounts", &["btrfs"])
    {
        return;
    }
    let (mut lab, before, _) = apply_fixture("btrfs-subvolumes", 1);
    let disk = lab.loops[0].clone();
    let plan = lab.plan("btrfs-subvolumes");
    let root = lab.root().display().to_string();
    // A mount of the disk that is not the plan's: refused, untouched.
    let foreign = lab.dir.path().join("foreign");
    std::fs::create_dir_all(&foreign).unwrap();
    let (ok, out) = sh(&format!("mount {disk}p2 {}", foreign.display()));
    assert!(ok, "{out}");
    let guard = ForeignMount(foreign.clone());
    let mut opts = options(&lab, "second-state", false);
    opts.unmount_own = true;
    let refused = refused(&mut lab, &plan, &opts);
    assert!(
        refused.0.contains("is in use") && refused.0.contains(&foreign.display().to_string()),
        "{refused}"
    );
    assert_eq!(lab.state(), before, "nothing on the disk changed");
    let (_, mounts) = sh("findmnt -rn -o TARGET");
    assert!(
        mounts.lines().any(|l| l == root),
        "the plan's mounts stay: {mounts}"
    );
    drop(guard);
    // Only the plan's own mounts: unmounted, and the plan runs again.
    let mut opts = options(&lab, "third-state", false);
    opts.unmount_own = true;
    let report = run(&mut lab, &plan, &opts, None);
    assert_no_failure(&report, "--unmount-own over a finished run");
    assert!(report.succeeded(), "{report:?}");
    let log = std::fs::read_to_string(report.log.as_ref().expect("a log")).unwrap_or_default();
    let said: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("this plan's own mount, from an earlier run"))
        .collect();
    assert!(said.len() >= 2, "each unmount is said: {log}");
    let first_root = said
        .iter()
        .position(|l| l.contains(&format!("unmounting {root}:")));
    assert_eq!(
        first_root,
        Some(said.len() - 1),
        "the root is unmounted last: {said:?}"
    );
    let (_, mounts) = sh("findmnt -rn -o TARGET");
    assert!(mounts.lines().any(|l| l == root), "mounted again: {mounts}");
}

/// A run that starts while another one is working on the same disk: it
/// passes every guard (the disk was just wiped, nothing is mounted yet),
/// but the first run holds the disk's lock, so it destroys nothing.
struct SecondRunAfterTheWipe<'l> {
    first: LabObserver<'l>,
    plan: &'l nixplan_planner::Plan,
    opts: nixplan_executor::ApplyOptions,
    second: Option<Result<Report, nixplan_executor::Refusal>>,
}

/// The second run's observer: agrees to nothing it is asked.
struct Bystander;

impl nixplan_executor::Observer for Bystander {
    fn event(&mut self, _event: nixplan_executor::Event<'_>) {}
    fn confirm(&mut self, _question: &str) -> bool {
        false
    }
}

impl nixplan_executor::Observer for SecondRunAfterTheWipe<'_> {
    fn event(&mut self, event: nixplan_executor::Event<'_>) {
        let wiped = matches!(
            &event,
            nixplan_executor::Event::End { action, outcome: Outcome::Done }
                if action.kind == nixplan_plan::Kind::Wipe
        );
        self.first.event(event);
        if wiped && self.second.is_none() {
            self.second = Some(apply(
                self.plan,
                &mut Local::default(),
                &mut Local::default(),
                &self.opts,
                &mut Bystander,
            ));
        }
    }
    fn confirm(&mut self, question: &str) -> bool {
        self.first.confirm(question)
    }
    fn keep_going(&mut self) -> bool {
        self.first.keep_going()
    }
}

#[test]
fn two_runs_on_one_disk_exactly_one_runs() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if skip_unless_available("two_runs_on_one_disk_exactly_one_runs")
        || skip_for_kernel("two_runs_on_one_disk_exactly_one_runs", &["btrfs"])
    {
        return;
    }
    let mut lab = Lab::new(1, 256);
    let disk = lab.loops[0].clone();
    let plan = lab.plan("btrfs-subvolumes");
    let first_opts = options(&lab, "first", false);
    let second_opts = options(&lab, "second", false);
    let mut obs = SecondRunAfterTheWipe {
        first: LabObserver {
            lab: &mut lab,
            started: 0,
            stop_at: None,
        },
        plan: &plan,
        opts: second_opts,
        second: None,
    };
    let first = apply(
        &plan,
        &mut Local::default(),
        &mut Local::default(),
        &first_opts,
        &mut obs,
    )
    .unwrap_or_else(|r| panic!("the first run was refused: {r}"));
    let second = obs.second.take().expect("the second run was started");
    assert_no_failure(&first, "");
    let second = second.unwrap_or_else(|r| panic!("refused before locking: {r}"));
    let failures = second.failures();
    assert_eq!(failures.len(), 1, "{second:?}");
    let failed = plan.actions.iter().find(|a| a.id == failures[0].action);
    assert_eq!(failed.map(|a| a.kind), Some(nixplan_plan::Kind::Wipe));
    assert!(
        failures[0]
            .status
            .contains("another nixplan is applying a plan to")
            && failures[0].status.contains(&disk),
        "{}",
        failures[0].status
    );
    for (id, outcome) in &second.outcomes {
        let action = plan.actions.iter().find(|a| &a.id == id).unwrap();
        assert!(
            !(action.destructive && *outcome == Outcome::Done),
            "the second run destroyed with {id}"
        );
    }
    // The first run's result is whole: the layout it made is mounted.
    let state = lab.state();
    assert!(state.contains("btrfs"), "{state}");
}

/// Unmounts what a test mounted itself, by name, also when it fails.
struct Mounted(std::path::PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        sh(&format!("umount {}", self.0.display()));
    }
}

#[test]
fn a_member_of_a_mounted_multi_device_btrfs_is_never_wiped() {
    let test = "a_member_of_a_mounted_multi_device_btrfs_is_never_wiped";
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if skip_unless_available(test) || skip_for_kernel(test, &["btrfs"]) {
        return;
    }
    let mut lab = Lab::new(2, 256);
    let (disk, other) = (lab.loops[0].clone(), lab.loops[1].clone());
    // The other one first: device 1 of the filesystem, which the kernel
    // names as the mount's source whichever member is mounted.
    let (ok, out) = sh(&format!(
        "mkfs.btrfs -q -f -d raid1 -m raid1 {other} {disk}"
    ));
    assert!(ok, "{out}");
    let at = lab.dir.path().join("elsewhere");
    std::fs::create_dir_all(&at).unwrap();
    // Mounted from the other member: lsblk shows nothing mounted on `disk`.
    let (ok, out) = sh(&format!("mount -t btrfs {disk} {}", at.display()));
    assert!(ok, "{out}");
    let _mounted = Mounted(at.clone());
    let before = lab.state();
    let plan = lab.plan("btrfs-subvolumes");
    let opts = options(&lab, "state", false);
    let refused = refused(&mut lab, &plan, &opts);
    assert!(
        refused
            .0
            .contains(&format!("{disk} belongs to the btrfs filesystem"))
            && refused.0.contains(&format!("from {other}")),
        "{refused}"
    );
    assert_eq!(lab.state(), before, "nothing on the disks changed");
    // Right before it runs, the wipe checks again on the target.
    let wipe = plan
        .actions
        .iter()
        .find(|a| a.kind == nixplan_plan::Kind::Wipe)
        .expect("the plan wipes the disk");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(wipe.script.as_deref().expect("the wipe is a script"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the wipe ran on a busy disk: {err}");
    assert!(
        err.contains(&format!("{disk} belongs to the mounted btrfs filesystem")),
        "{err}"
    );
    assert_eq!(lab.state(), before, "nothing on the disks changed");
}
