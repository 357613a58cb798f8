//! `apply` for real, on loop devices backed by sparse files this test
//! creates: the plans of tests/fixtures/apply/ run through the executor,
//! and the result is read back with blkid, the mount table and stat.
//!
//! The machine has no udev daemon, so the lab plays udev for its own
//! devices only: after each action it links `/dev/disk/by-partlabel/NAME`
//! to its loop partitions (and removes links whose partition is gone).
//! Everything the lab creates — loop devices, links, mounts under its own
//! root, mappings, volume groups, arrays — it removes by name when it is
//! dropped, also when a test fails.
//!
//! These tests need root and the disk tools; without them they say so and
//! pass, unless NIXPLAN_REQUIRE_LOOP_TESTS=1 (the test command sets it).

mod common;

use std::collections::BTreeSet;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

use nixplan_executor::{apply, ApplyOptions, Event, Local, Observer, Outcome, Report};
use nixplan_planner::Plan;

/// One lab at a time: loop devices and links are machine-wide.
static SERIAL: Mutex<()> = Mutex::new(());

const TOOLS: &[&str] = &[
    "losetup",
    "sgdisk",
    "partprobe",
    "wipefs",
    "mkfs.ext4",
    "mkfs.vfat",
    "mkfs.btrfs",
    "btrfs",
    "mkswap",
    "cryptsetup",
    "pvcreate",
    "vgcreate",
    "lvcreate",
    "mdadm",
    "blkid",
    "findmnt",
    "udevadm",
];

fn sh(cmd: &str) -> (bool, String) {
    let out = Command::new("/bin/sh").arg("-c").arg(cmd).output().unwrap();
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// Why these tests cannot run here, if they cannot.
fn unavailable() -> Option<String> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Some("needs root for loop devices".into());
    }
    let missing: Vec<&str> = TOOLS
        .iter()
        .copied()
        .filter(|t| !sh(&format!("command -v {t}")).0)
        .collect();
    if !missing.is_empty() {
        return Some(format!("missing tools: {}", missing.join(" ")));
    }
    if !Path::new("/dev/loop-control").exists() {
        return Some("no /dev/loop-control".into());
    }
    None
}

/// What this machine's kernel cannot do, of what a fixture needs (a
/// sandbox kernel may lack device-mapper, md or vfat; no test can install
/// a kernel driver, so these skip, saying why, even in the test command).
fn kernel_lacks(needs: &[&str]) -> Option<String> {
    let filesystems = std::fs::read_to_string("/proc/filesystems").unwrap_or_default();
    let misc = std::fs::read_to_string("/proc/misc").unwrap_or_default();
    let mut missing = Vec::new();
    for need in needs {
        let there = match *need {
            "device-mapper" => misc.contains("device-mapper"),
            "md" => Path::new("/proc/mdstat").exists(),
            fs => filesystems.split_whitespace().any(|f| f == fs),
        };
        if !there {
            missing.push(*need);
        }
    }
    (!missing.is_empty()).then(|| format!("this kernel has no {}", missing.join(", ")))
}

/// Say that a test was skipped and why: in its output, and in a list the
/// test command prints at the end (cargo hides passing tests' output).
fn skipped(test: &str, why: &str) {
    eprintln!("skipped {test}: {why}");
    let list = Path::new(env!("CARGO_TARGET_TMPDIR")).join("skipped-tests.txt");
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(list)
    {
        use std::io::Write;
        let _ = writeln!(f, "apply_loop::{test}: {why}");
    }
}

fn skip_for_kernel(test: &str, needs: &[&str]) -> bool {
    match kernel_lacks(needs) {
        Some(why) => {
            skipped(test, &why);
            true
        }
        None => false,
    }
}

/// Skip (saying why) or panic when the test command requires these tests.
fn skip_unless_available(test: &str) -> bool {
    match unavailable() {
        None => false,
        Some(why) => {
            if std::env::var("NIXPLAN_REQUIRE_LOOP_TESTS").as_deref() == Ok("1") {
                panic!("{test}: {why}, and NIXPLAN_REQUIRE_LOOP_TESTS=1");
            }
            skipped(test, &why);
            true
        }
    }
}

/// Loop devices, links and the mounts, mappings, volume groups and arrays
/// made on them, all removed by name on drop.
struct Lab {
    dir: tempfile::TempDir,
    id: String,
    loops: Vec<String>,
    links: BTreeSet<PathBuf>,
}

impl Lab {
    fn new(disks: usize, size_mib: u64) -> Lab {
        static COUNT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let id = format!("np{}x{n}", std::process::id() % 100000);
        let dir = tempfile::Builder::new()
            .prefix("nixplan-lab-")
            .tempdir()
            .unwrap();
        let mut lab = Lab {
            dir,
            id,
            loops: Vec::new(),
            links: BTreeSet::new(),
        };
        for i in 0..disks {
            let img = lab.dir.path().join(format!("disk{i}.img"));
            let f = std::fs::File::create(&img).unwrap();
            f.set_len(size_mib << 20).unwrap();
            let (ok, out) = sh(&format!(
                "losetup --find --show --partscan {}",
                img.display()
            ));
            assert!(ok, "losetup: {out}");
            lab.loops.push(out.trim().to_string());
        }
        lab
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    fn key_file(&self) -> PathBuf {
        self.dir.path().join("luks.key")
    }

    /// The fixture with this lab's devices, root and names filled in.
    fn fixture(&self, name: &str) -> PathBuf {
        let text = std::fs::read_to_string(
            common::root().join(format!("tests/fixtures/apply/{name}.nix")),
        )
        .unwrap();
        let mut text = text
            .replace("@ROOT@", &self.root().display().to_string())
            .replace("@ID@", &self.id)
            .replace("@KEYFILE@", &self.key_file().display().to_string());
        for (i, l) in self.loops.iter().enumerate() {
            text = text.replace(&format!("@DISK{i}@"), l);
        }
        std::fs::write(self.key_file(), b"correct horse battery staple").unwrap();
        let path = self.dir.path().join(format!("{name}.nix"));
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Plan the fixture (bootstrap none, up to persist), as a user would.
    fn plan(&self, name: &str) -> Plan {
        let file = self.fixture(name);
        let out = self.dir.path().join(format!("{name}.plan.json"));
        let (code, _, err) = common::nixplan_text(&[
            "plan",
            file.to_str().unwrap(),
            "--bootstrap",
            "none",
            "--stop-after",
            "persist",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "plan failed: {err}");
        Plan::from_json(&std::fs::read_to_string(out).unwrap()).unwrap()
    }

    /// What udev would do for this lab's devices: by-partlabel links.
    fn settle_links(&mut self) {
        let mut want: BTreeSet<(PathBuf, String)> = BTreeSet::new();
        for l in &self.loops {
            let name = l.trim_start_matches("/dev/");
            let Ok(entries) = std::fs::read_dir(format!("/sys/block/{name}")) else {
                continue;
            };
            for e in entries.flatten() {
                let part = e.file_name().to_string_lossy().into_owned();
                if !part.starts_with(&format!("{name}p")) {
                    continue;
                }
                let dev = format!("/dev/{part}");
                let (ok, label) = sh(&format!("blkid -p -o value -s PART_ENTRY_NAME {dev}"));
                if ok && !label.trim().is_empty() {
                    let link = Path::new("/dev/disk/by-partlabel").join(label.trim());
                    want.insert((link, dev));
                }
            }
        }
        for link in self.links.clone() {
            if !want.iter().any(|(l, _)| *l == link) {
                let _ = std::fs::remove_file(&link);
                self.links.remove(&link);
            }
        }
        std::fs::create_dir_all("/dev/disk/by-partlabel").unwrap();
        for (link, dev) in want {
            let _ = std::fs::remove_file(&link);
            std::os::unix::fs::symlink(&dev, &link).unwrap();
            self.links.insert(link);
        }
    }

    /// Undo the mounts, volume groups, mappings and arrays of a run (the
    /// loop devices stay).
    fn teardown(&self) {
        let root = self.root();
        if root.exists() {
            sh(&format!("umount -R {} 2>/dev/null", root.display()));
        }
        for l in &self.loops {
            sh(&format!(
                "for p in {l}p*; do [ -b \"$p\" ] && swapoff \"$p\" 2>/dev/null; done; true"
            ));
        }
        sh(&format!("vgchange -an vg{} 2>/dev/null", self.id));
        sh(&format!("cryptsetup close crypt{} 2>/dev/null", self.id));
        sh(&format!("mdadm --stop /dev/md/md{} 2>/dev/null", self.id));
        sh(&format!("rm -f /dev/md/md{}", self.id));
    }

    /// Everything a user would look at afterwards, without what is random
    /// (UUIDs): block devices and their signatures, the mounts under the
    /// root, and every directory under it with owner and mode.
    fn state(&self) -> String {
        let mut out = String::new();
        let mut devices: Vec<String> = Vec::new();
        for l in &self.loops {
            devices.push(l.clone());
            let (_, parts) = sh(&format!("ls -1 {l}p* 2>/dev/null"));
            devices.extend(parts.lines().map(str::to_string));
        }
        for extra in [
            format!("/dev/mapper/crypt{}", self.id),
            format!("/dev/vg{}/root", self.id),
            format!("/dev/vg{}/home", self.id),
            format!("/dev/md/md{}", self.id),
        ] {
            if Path::new(&extra).exists() {
                devices.push(extra);
            }
        }
        for d in &devices {
            let (_, info) = sh(&format!("blkid -p -o export {d}"));
            let kept: Vec<&str> = info
                .lines()
                .filter(|l| {
                    [
                        "TYPE=",
                        "LABEL=",
                        "PART_ENTRY_NAME=",
                        "PART_ENTRY_TYPE=",
                        "PART_ENTRY_SIZE=",
                    ]
                    .iter()
                    .any(|k| l.starts_with(k))
                })
                .collect();
            out.push_str(&format!("{d}: {}\n", kept.join(" ")));
        }
        let root = self.root();
        let (_, mounts) = sh(&format!(
            "findmnt -rn -o TARGET,FSTYPE,OPTIONS -R {}",
            root.display()
        ));
        for line in mounts.lines() {
            let mut f = line.split(' ');
            let (target, fstype, opts) = (
                f.next().unwrap_or(""),
                f.next().unwrap_or(""),
                f.next().unwrap_or(""),
            );
            let subvol: Vec<&str> = opts
                .split(',')
                .filter(|o| o.starts_with("subvol=") || *o == "noatime")
                .collect();
            out.push_str(&format!(
                "mount {} {fstype} {}\n",
                target.replacen(&root.display().to_string(), "<root>", 1),
                subvol.join(",")
            ));
        }
        let mut dirs = Vec::new();
        walk(&root, &mut dirs);
        for d in dirs {
            let m = std::fs::symlink_metadata(&d).unwrap();
            out.push_str(&format!(
                "dir {} {:o} {}:{}\n",
                d.display()
                    .to_string()
                    .replacen(&root.display().to_string(), "<root>", 1),
                m.permissions().mode() & 0o7777,
                m.uid(),
                m.gid()
            ));
        }
        out
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut v: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    v.sort();
    for p in v {
        if p.is_dir() && !p.is_symlink() {
            out.push(p.clone());
            walk(&p, out);
        }
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        self.teardown();
        for link in &self.links {
            let _ = std::fs::remove_file(link);
        }
        for l in &self.loops {
            sh(&format!("losetup -d {l}"));
        }
    }
}

/// The lab as the executor's observer: plays udev after each action, and
/// interrupts the run before action `stop_at` when asked.
struct LabObserver<'l> {
    lab: &'l mut Lab,
    started: usize,
    stop_at: Option<usize>,
}

impl Observer for LabObserver<'_> {
    fn event(&mut self, event: Event<'_>) {
        if let Event::End { .. } = event {
            self.lab.settle_links();
        }
    }

    fn confirm(&mut self, _question: &str) -> bool {
        false
    }

    fn keep_going(&mut self) -> bool {
        self.started += 1;
        match self.stop_at {
            Some(k) => self.started <= k,
            None => true,
        }
    }
}

fn options(lab: &Lab, state: &str, resume: bool) -> ApplyOptions {
    ApplyOptions {
        yes: true,
        resume,
        state_dir: lab.dir.path().join(state),
        timeout: Duration::from_secs(300),
        ..ApplyOptions::default()
    }
}

fn run(lab: &mut Lab, plan: &Plan, opts: &ApplyOptions, stop_at: Option<usize>) -> Report {
    let mut obs = LabObserver {
        lab,
        started: 0,
        stop_at,
    };
    let report = apply(
        plan,
        &mut Local::default(),
        &mut Local::default(),
        opts,
        &mut obs,
    )
    .unwrap_or_else(|r| panic!("refused: {r}"));
    if let Some(f) = report.failures().first() {
        let log = report
            .log
            .as_ref()
            .and_then(|l| std::fs::read_to_string(l).ok())
            .unwrap_or_default();
        panic!("{f}\nthe run's log:\n{log}");
    }
    report
}

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
    let names: Vec<&str> = list.lines().filter_map(|l| l.split(' ').next_back()).collect();
    assert_eq!(names, vec!["@home", "@nix", "@root"], "{list}");
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
        vec!["mount <root> tmpfs ", "mount <root>/persist ext4 "],
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
    ] {
        assert!(state.lines().any(|l| l == want), "{want}\n{state}");
    }
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
