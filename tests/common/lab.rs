//! A lab of loop devices for the tests that apply plans for real
//! (tests/apply_loop.rs, tests/apply_ssh.rs).
//!
//! The machine has no udev daemon, so the lab plays udev for its own
//! devices only: after each action it links `/dev/disk/by-partlabel/NAME`
//! to its loop partitions (and removes links whose partition is gone).
//! Everything the lab creates — loop devices, links, mounts under its own
//! root, mappings, volume groups, arrays — it removes by name when it is
//! dropped, also when a test fails.

use std::collections::BTreeSet;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

use nixplan_executor::{apply, ApplyOptions, Event, Local, Observer, Report, Transport};
use nixplan_planner::Plan;

pub use super::skip::{skip_unless, skipped};

/// One lab at a time: loop devices and links are machine-wide.
pub static SERIAL: Mutex<()> = Mutex::new(());

pub const TOOLS: &[&str] = &[
    "losetup",
    "sgdisk",
    "sfdisk",
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

pub fn sh(cmd: &str) -> (bool, String) {
    let out = Command::new("/bin/sh").arg("-c").arg(cmd).output().unwrap();
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// Why these tests cannot run here, if they cannot.
pub fn unavailable() -> Option<String> {
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
/// a kernel driver, so these skip, saying why; the test command fails on
/// those `tests/skips-allowed.txt` does not name).
pub fn kernel_lacks(needs: &[&str]) -> Option<String> {
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

pub fn skip_for_kernel(test: &str, needs: &[&str]) -> bool {
    match kernel_lacks(needs) {
        Some(why) => {
            skipped(test, &why);
            true
        }
        None => false,
    }
}

/// Skip (saying why) or fail when the test command requires these tests.
pub fn skip_unless_available(test: &str) -> bool {
    skip_unless(test, unavailable(), "NIXPLAN_REQUIRE_LOOP_TESTS")
}

/// Loop devices, links and the mounts, mappings, volume groups and arrays
/// made on them, all removed by name on drop.
pub struct Lab {
    pub dir: tempfile::TempDir,
    pub id: String,
    pub loops: Vec<String>,
    /// A partition GUID unique to this lab (`@UUID@` in fixtures).
    pub uuid: String,
    links: BTreeSet<PathBuf>,
    /// Whether the lab plays udev (makes the links after each action); a
    /// test of a machine without udev turns it off.
    pub play_udev: bool,
    /// A process whose mount namespace holds the lab's mounts (an sshd
    /// started by `ip netns exec`), when they are not in ours.
    pub mounts_of: Option<u32>,
}

impl Lab {
    pub fn new(disks: usize, size_mib: u64) -> Lab {
        static COUNT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let id = format!("np{}x{n}", std::process::id() % 100000);
        let dir = tempfile::Builder::new()
            .prefix("nixplan-lab-")
            .tempdir()
            .unwrap();
        let uuid = std::fs::read_to_string("/proc/sys/kernel/random/uuid")
            .unwrap()
            .trim()
            .to_string();
        let mut lab = Lab {
            dir,
            id,
            loops: Vec::new(),
            uuid,
            links: BTreeSet::new(),
            play_udev: true,
            mounts_of: None,
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

    pub fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    pub fn key_file(&self) -> PathBuf {
        self.dir.path().join("luks.key")
    }

    /// The fixture with this lab's devices, root and names filled in.
    pub fn fixture(&self, name: &str) -> PathBuf {
        let text =
            std::fs::read_to_string(super::root().join(format!("tests/fixtures/apply/{name}.nix")))
                .unwrap();
        let mut text = text
            .replace("@ROOT@", &self.root().display().to_string())
            .replace("@ID@", &self.id)
            .replace("@UUID@", &self.uuid)
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
    pub fn plan(&self, name: &str) -> Plan {
        self.plan_with(name, &[])
    }

    /// The plan's file (as `plan --out` wrote it).
    pub fn plan_file(&self, name: &str) -> PathBuf {
        self.dir.path().join(format!("{name}.plan.json"))
    }

    /// Plan with further `nixplan plan` arguments.
    pub fn plan_with(&self, name: &str, extra: &[&str]) -> Plan {
        let file = self.fixture(name);
        let out = self.plan_file(name);
        let mut args = vec![
            "plan",
            file.to_str().unwrap(),
            "--bootstrap",
            "none",
            "--stop-after",
            "persist",
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let (code, _, err) = super::nixplan_text(&args);
        assert_eq!(code, 0, "plan failed: {err}");
        Plan::from_json(&std::fs::read_to_string(out).unwrap()).unwrap()
    }

    /// What udev would do for this lab's devices: by-partlabel and
    /// by-partuuid links.
    pub fn settle_links(&mut self) {
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
                for (tag, dir) in [
                    ("PART_ENTRY_NAME", "/dev/disk/by-partlabel"),
                    ("PART_ENTRY_UUID", "/dev/disk/by-partuuid"),
                ] {
                    let (ok, value) = sh(&format!("blkid -p -o value -s {tag} {dev}"));
                    if ok && !value.trim().is_empty() {
                        want.insert((Path::new(dir).join(value.trim()), dev.clone()));
                    }
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
        std::fs::create_dir_all("/dev/disk/by-partuuid").unwrap();
        for (link, dev) in want {
            let _ = std::fs::remove_file(&link);
            std::os::unix::fs::symlink(&dev, &link).unwrap();
            self.links.insert(link);
        }
    }

    /// Run a command where the lab's mounts are.
    fn sh_mounts(&self, cmd: &str) -> (bool, String) {
        match self.mounts_of {
            Some(pid) => sh(&format!(
                "nsenter -t {pid} -m -- /bin/sh -c '{}'",
                cmd.replace('\'', "'\\''")
            )),
            None => sh(cmd),
        }
    }

    /// Undo the mounts, volume groups, mappings and arrays of a run (the
    /// loop devices stay).
    pub fn teardown(&self) {
        let root = self.root();
        if root.exists() {
            self.sh_mounts(&format!("umount -R {} 2>/dev/null", root.display()));
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
    pub fn state(&self) -> String {
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
        let (_, mounts) = self.sh_mounts(&format!(
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
        // Another mount namespace's view of the root: /proc/PID/root.
        let seen = match self.mounts_of {
            Some(pid) => PathBuf::from(format!("/proc/{pid}/root{}", root.display())),
            None => root.clone(),
        };
        let mut dirs = Vec::new();
        walk(&seen, &mut dirs);
        for d in dirs {
            let m = std::fs::symlink_metadata(&d).unwrap();
            out.push_str(&format!(
                "dir {} {:o} {}:{}\n",
                d.display()
                    .to_string()
                    .replacen(&seen.display().to_string(), "<root>", 1),
                m.permissions().mode() & 0o7777,
                m.uid(),
                m.gid()
            ));
        }
        out
    }
}

pub fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
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
        // Links a plan made itself (where udev made none) to this lab's
        // partitions: removed by what they point at.
        for dir in [
            "/dev/disk/by-partlabel",
            "/dev/disk/by-partuuid",
            "/dev/disk/by-uuid",
            "/dev/disk/by-id",
        ] {
            for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let target = std::fs::read_link(e.path()).unwrap_or_default();
                let target = target.to_string_lossy();
                if self
                    .loops
                    .iter()
                    .any(|l| *target == **l || target.starts_with(&format!("{l}p")))
                {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        for l in &self.loops {
            sh(&format!("losetup -d {l}"));
            // The lock a run took on this disk (executor/src/run/disklock.rs).
            let name = l.trim_start_matches("/dev/").replace('/', "_");
            let _ = std::fs::remove_file(format!("/run/nixplan/disk-{name}.lock"));
        }
    }
}

/// The lab as the executor's observer: plays udev after each action, and
/// interrupts the run before action `stop_at` when asked.
pub struct LabObserver<'l> {
    pub lab: &'l mut Lab,
    pub started: usize,
    pub stop_at: Option<usize>,
}

impl Observer for LabObserver<'_> {
    fn event(&mut self, event: Event<'_>) {
        if let Event::End { .. } = event {
            if self.lab.play_udev {
                self.lab.settle_links();
            }
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

pub fn options(lab: &Lab, state: &str, resume: bool) -> ApplyOptions {
    ApplyOptions {
        yes: true,
        resume,
        state_dir: lab.dir.path().join(state),
        timeout: Duration::from_secs(300),
        ..ApplyOptions::default()
    }
}

/// Apply `plan` here, expecting it to be refused before anything runs:
/// the refusal (a test failure if it ran).
pub fn refused(lab: &mut Lab, plan: &Plan, opts: &ApplyOptions) -> nixplan_executor::Refusal {
    let mut obs = LabObserver {
        lab,
        started: 0,
        stop_at: None,
    };
    match apply(
        plan,
        &mut Local::default(),
        &mut Local::default(),
        opts,
        &mut obs,
    ) {
        Ok(report) => panic!("the plan ran instead of being refused: {report:?}"),
        Err(r) => r,
    }
}

pub fn run(lab: &mut Lab, plan: &Plan, opts: &ApplyOptions, stop_at: Option<usize>) -> Report {
    run_on(&mut Local::default(), lab, plan, opts, stop_at)
}

/// Apply `plan` on `target`; a failed action fails the test with the log.
pub fn run_on(
    target: &mut dyn Transport,
    lab: &mut Lab,
    plan: &Plan,
    opts: &ApplyOptions,
    stop_at: Option<usize>,
) -> Report {
    let mut obs = LabObserver {
        lab,
        started: 0,
        stop_at,
    };
    let report = apply(plan, target, &mut Local::default(), opts, &mut obs)
        .unwrap_or_else(|r| panic!("refused: {r}"));
    assert_no_failure(&report, "");
    report
}

/// Fail the test on the run's first failed action, with its whole log
/// (and `extra`, e.g. a VM console).
pub fn assert_no_failure(report: &Report, extra: &str) {
    if let Some(f) = report.failures().first() {
        let log = report
            .log
            .as_ref()
            .and_then(|l| std::fs::read_to_string(l).ok())
            .unwrap_or_default();
        panic!("{f}\nthe run's log:\n{log}{extra}");
    }
}
