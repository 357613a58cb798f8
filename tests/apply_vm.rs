//! `apply` in a virtual machine: what the sandbox kernel cannot do
//! (device-mapper for LUKS and LVM, md for RAID, vfat for the ESP) and what
//! must never happen to the machine nixplan runs on (a reboot in the middle
//! of a run). The VM (tests/common/vm.rs) is Debian with udev, sshd and the
//! disk tools, booted under qemu (TCG) with sparse disk images this test
//! creates.
//!
//! Without qemu or the image the test says so (a recorded skip, which the
//! test command does not allow), unless NIXPLAN_REQUIRE_VM_TESTS=1 (the
//! test command sets it when it could build the image): then it fails.
//!
//! Booting the VM under TCG takes minutes, so one test runs every scenario
//! on one boot, in order.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::vm::Vm;
use nixplan_executor::{apply, ApplyOptions, Event, Local, Observer, Outcome, Ssh};
use nixplan_planner::Plan;

/// A fixture for the VM: its disks by id, roots under /mnt.
fn fixture(dir: &Path, name: &str, id: &str, disks: &[usize]) -> PathBuf {
    let mut text =
        std::fs::read_to_string(common::root().join(format!("tests/fixtures/apply/{name}.nix")))
            .unwrap()
            .replace("@ROOT@", &format!("/mnt/{id}"))
            .replace("@ID@", id)
            .replace("@KEYFILE@", "/root/luks.key");
    for (slot, d) in disks.iter().enumerate() {
        text = text.replace(
            &format!("@DISK{slot}@"),
            &format!("/dev/disk/by-id/virtio-nixplan-d{d}"),
        );
    }
    let path = dir.join(format!("{name}.nix"));
    std::fs::write(&path, text).unwrap();
    path
}

fn plan(dir: &Path, name: &str, id: &str, disks: &[usize]) -> Plan {
    plan_as(dir, name, id, disks, "root", "none")
}

fn plan_as(dir: &Path, name: &str, id: &str, disks: &[usize], user: &str, bootstrap: &str) -> Plan {
    plan_with(dir, name, id, disks, user, bootstrap, &[])
}

fn plan_with(
    dir: &Path,
    name: &str,
    id: &str,
    disks: &[usize],
    user: &str,
    bootstrap: &str,
    extra: &[&str],
) -> Plan {
    let file = fixture(dir, name, id, disks);
    let out = dir.join(format!("{name}-{id}.plan.json"));
    let host = format!("{user}@127.0.0.1");
    let (code, _, err) = common::nixplan_text(
        &[
            "plan",
            file.to_str().unwrap(),
            "--target-host",
            &host,
            "--bootstrap",
            bootstrap,
            "--out",
            out.to_str().unwrap(),
        ]
        .into_iter()
        // Up to persist, unless the caller plans the whole install.
        .chain(if extra.contains(&"--system") {
            vec![]
        } else {
            vec!["--stop-after", "persist"]
        })
        .chain(extra.iter().copied())
        .collect::<Vec<_>>(),
    );
    assert_eq!(code, 0, "{err}");
    Plan::from_json(&std::fs::read_to_string(out).unwrap()).unwrap()
}

struct Interrupt(Option<usize>, usize);

impl Observer for Interrupt {
    fn event(&mut self, _e: Event<'_>) {}
    fn confirm(&mut self, _q: &str) -> bool {
        false
    }
    fn keep_going(&mut self) -> bool {
        self.1 += 1;
        self.0.is_none_or(|k| self.1 <= k)
    }
}

fn run(
    vm: &Vm,
    plan: &Plan,
    state: &Path,
    resume: bool,
    stop_at: Option<usize>,
) -> nixplan_executor::Report {
    let report = run_raw(vm, plan, state, resume, stop_at);
    common::lab::assert_no_failure(&report, &format!("\nconsole:\n{}", vm.console()));
    report
}

/// Apply over SSH as the plan's user; failures are the caller's to judge.
fn run_raw(
    vm: &Vm,
    plan: &Plan,
    state: &Path,
    resume: bool,
    stop_at: Option<usize>,
) -> nixplan_executor::Report {
    let opts = ApplyOptions {
        yes: true,
        resume,
        state_dir: state.to_path_buf(),
        timeout: Duration::from_secs(600),
        ..ApplyOptions::default()
    };
    apply_with(vm, plan, &opts, stop_at)
}

/// Apply over SSH, as the plan's user, with these options.
fn apply_with(
    vm: &Vm,
    plan: &Plan,
    opts: &ApplyOptions,
    stop_at: Option<usize>,
) -> nixplan_executor::Report {
    let user = plan
        .target
        .host
        .as_deref()
        .and_then(|h| h.split_once('@'))
        .map(|(u, _)| u)
        .unwrap_or("root");
    let mut ssh = Ssh::new(vm.ssh_options_as(user));
    apply(
        plan,
        &mut ssh,
        &mut Local::default(),
        opts,
        &mut Interrupt(stop_at, 0),
    )
    .unwrap_or_else(|r| panic!("refused: {r}"))
}

#[test]
fn disks_reboots_doas_sudo_live_mode_and_a_real_kexec_in_a_vm() {
    if common::skip::skip_unless(
        "disks_reboots_doas_sudo_live_mode_and_a_real_kexec_in_a_vm",
        common::vm::unavailable(),
        "NIXPLAN_REQUIRE_VM_TESTS",
    ) {
        return;
    }
    let disks = [256u64, 256, 256, 256, 128, 256];
    let mut vm = Vm::boot(&disks);
    let work = tempfile::tempdir().unwrap();
    // The LUKS key lives here; the plan puts it on the target (streamed).
    let key = work.path().join("luks.key");
    std::fs::write(&key, "correct horse battery staple").unwrap();

    // The live-system mode checks its preconditions first: this Debian has
    // no nix, so nothing after the check runs and d4 keeps what it had.
    let (ok, out) = vm.sh("mkfs.ext4 -q -L keep /dev/disk/by-id/virtio-nixplan-d4");
    assert!(ok, "{out}");
    let live = plan_as(
        work.path(),
        "tmpfs-impermanence",
        "l1",
        &[4],
        "root",
        "live",
    );
    let report = run_raw(&vm, &live, &work.path().join("s-live"), false, None);
    let f = report.failures();
    assert_eq!(f.len(), 1, "{report:?}");
    assert_eq!(f[0].action, "bootstrap/live-check");
    assert!(report
        .outcomes
        .iter()
        .filter(|(_, o)| matches!(o, Outcome::Blocked { .. }))
        .any(|(id, _)| id.ends_with("/wipe")));
    let (_, label) = vm.sh("blkid -p -o value -s LABEL /dev/disk/by-id/virtio-nixplan-d4");
    assert_eq!(label.trim(), "keep");

    // A non-root login that only doas lets through (sudo is installed,
    // but `sudo -n` refuses it): commands run through `doas -n`, and the
    // persisted directories get their numeric owners.
    let doas = plan_as(work.path(), "tmpfs-impermanence", "u1", &[4], "ops", "none");
    let report = run(&vm, &doas, &work.path().join("s-doas"), false, None);
    common::lab::assert_no_failure(&report, "");
    let facts = report.facts.as_ref().unwrap();
    assert_eq!(
        (&facts["uid"], &facts["sudo"], &facts["doas"]),
        (&"1001".into(), &"0".into(), &"1".into()),
        "{facts}"
    );
    let (_, st) =
        vm.sh("stat -c '%a %u:%g' /mnt/u1/persist/home/alice/.ssh /mnt/u1/persist/var/lib/colord");
    assert_eq!(st.trim(), "700 1000:1000\n750 400:400");

    // ESP (vfat) + ext4 on d0.
    let esp = plan(work.path(), "esp-ext4", "e1", &[0]);
    assert!(run(&vm, &esp, &work.path().join("s-esp"), false, None).succeeded());
    let (_, m) = vm.sh("findmnt -rn -o TARGET,FSTYPE -R /mnt/e1");
    assert_eq!(m.trim(), "/mnt/e1 ext4\n/mnt/e1/boot vfat");
    let (_, mode) = vm.sh("stat -c %a /mnt/e1/boot");
    assert_eq!(mode.trim(), "700");
    // udev made the links the plan uses: the ESP is partition 1 of d0.
    let (_, esp_dev) = vm.sh("readlink -f /dev/disk/by-partlabel/disk-ae1-ESP");
    let (_, d0) = vm.sh("readlink -f /dev/disk/by-id/virtio-nixplan-d0");
    assert_eq!(esp_dev.trim(), format!("{}1", d0.trim()));

    // RAID1 over d2 and d3.
    let md = plan(work.path(), "mdadm-raid1", "m1", &[2, 3]);
    assert!(run(&vm, &md, &work.path().join("s-md"), false, None).succeeded());
    let (ok, detail) = vm.sh("mdadm --detail /dev/md/mdm1");
    assert!(ok && detail.contains("Raid Level : raid1"), "{detail}");
    assert!(detail.contains("Active Devices : 2"), "{detail}");
    let (_, m) = vm.sh("findmnt -rn -o TARGET,FSTYPE,SOURCE /mnt/m1");
    assert!(m.starts_with("/mnt/m1 ext4 /dev/md"), "{m}");

    // LUKS (key file) under LVM on d1: interrupted in the middle, the VM
    // reboots (mappings closed, nothing mounted), then --resume: the
    // completed actions' checks fail where the reboot undid them and those
    // run again; the result is a whole install.
    let luks = plan_with(
        work.path(),
        "luks-lvm",
        "c1",
        &[1],
        "root",
        "none",
        &["--secret-file", "/root/luks.key", key.to_str().unwrap()],
    );
    let saved = std::fs::read_to_string(work.path().join("luks-lvm-c1.plan.json")).unwrap();
    assert!(!saved.contains("correct horse"), "the key is in the plan");
    let state = work.path().join("s-luks");
    let open_at = luks
        .actions
        .iter()
        .position(|a| a.kind == "luks-open")
        .unwrap();
    let first = run(&vm, &luks, &state, false, Some(open_at + 5));
    assert!(first.interrupted);
    let (_, before) = vm.sh("cryptsetup status cryptc1 | head -1");
    assert!(before.contains("is active"), "{before}");
    vm.restart(&disks);
    let (_, after) = vm.sh("cryptsetup status cryptc1 | head -1; true");
    assert!(after.contains("inactive"), "{after}");
    let second = run(&vm, &luks, &state, true, None);
    assert!(second.succeeded(), "{second:?}");
    let outcome = |id: &str| {
        second
            .outcomes
            .iter()
            .find(|(i, _)| i.ends_with(id))
            .map(|(_, o)| o.clone())
            .unwrap()
    };
    // Opened again (the reboot closed it), formatted once only.
    assert_eq!(outcome("crypt/luks-open"), Outcome::Done);
    assert!(matches!(
        outcome("crypt/luks-format"),
        Outcome::AlreadyDone { .. }
    ));
    let (_, m) = vm.sh("findmnt -rn -o TARGET,FSTYPE -R /mnt/c1");
    assert_eq!(
        m.trim(),
        "/mnt/c1 ext4\n/mnt/c1/boot ext4\n/mnt/c1/home ext4",
        "{m}"
    );
    let (_, lvs) = vm.sh("lvs --noheadings -o lv_name vgc1 | sort | tr -d ' '");
    assert_eq!(lvs.trim(), "home\nroot");
    let (_, pv) = vm.sh("blkid -p -o value -s TYPE /dev/mapper/cryptc1");
    assert_eq!(pv.trim(), "LVM2_member");
    let (_, st) = vm.sh("stat -c '%a' /root/luks.key; cat /root/luks.key");
    assert_eq!(st, "600\ncorrect horse battery staple");
    for log in [&first.log, &second.log] {
        let text = std::fs::read_to_string(log.as_ref().unwrap()).unwrap();
        assert!(!text.contains("correct horse"), "the key is in a log");
    }

    // A real kexec, from a `deploy` login (sudo): a stand-in for
    // nixos-images' tarball (uploaded, its sha256 checked on the target)
    // whose kexec/run loads this VM's own kernel with nixplan.installer=1
    // and executes it; that boot presents itself as a NixOS installer with
    // a new host key (tests/vm/build-image.sh). The executor waits for SSH,
    // logs in as root (the installer's login), accepts the new key into
    // this run's own known_hosts only, reads the facts again, and goes on.
    let stand_in = work.path().join("stand-in");
    std::fs::create_dir_all(stand_in.join("kexec")).unwrap();
    std::fs::write(
        stand_in.join("kexec/run"),
        "#!/bin/sh\nset -eu\nk=$(ls /boot/vmlinuz-* | sort | tail -1)\n\
         i=$(ls /boot/initrd.img-* | sort | tail -1)\n\
         kexec -l \"$k\" --initrd=\"$i\" --reuse-cmdline --append=nixplan.installer=1\n\
         echo 'machine will boot into nixos in 2s...'\n\
         nohup sh -c 'sleep 2; sync; kexec -e' >/dev/null 2>&1 &\n",
    )
    .unwrap();
    let tarball = work.path().join("kexec.tar.gz");
    let (ok, out) = common::lab::sh(&format!(
        "chmod +x {d}/kexec/run && tar -czf {t} -C {d} kexec",
        d = stand_in.display(),
        t = tarball.display()
    ));
    assert!(ok, "{out}");
    let user_known_hosts = std::fs::read_to_string(vm.dir.path().join("known_hosts")).unwrap();
    let (_, boot_before) = vm.sh("cat /proc/sys/kernel/random/boot_id");
    let kexec = plan_with(
        work.path(),
        "tmpfs-impermanence",
        "k1",
        &[4],
        "deploy",
        "auto",
        &["--kexec-tarball", tarball.to_str().unwrap()],
    );
    let report = run(&vm, &kexec, &work.path().join("s-kexec"), false, None);
    common::lab::assert_no_failure(&report, &format!("\nconsole:\n{}", vm.console()));
    let by_id: std::collections::BTreeMap<_, _> = report.outcomes.iter().cloned().collect();
    assert_eq!(by_id["bootstrap/kexec-upload"], Outcome::Done);
    assert_eq!(by_id["bootstrap/kexec"], Outcome::Done);
    assert!(matches!(
        by_id["bootstrap/live-check"],
        Outcome::NotNeeded { .. }
    ));
    // The facts after the kexec: the installer, reached as root.
    let facts = report.facts.as_ref().unwrap();
    assert_eq!(facts["os_variant_id"], "installer");
    assert_eq!(facts["uid"], "0");
    // The user's known_hosts is untouched (the test's own connections now
    // fail strict checking), the new key is in the run's own file.
    assert_eq!(
        std::fs::read_to_string(vm.dir.path().join("known_hosts")).unwrap(),
        user_known_hosts
    );
    let (ok, refused) = vm.sh("true");
    assert!(
        !ok && refused.contains("REMOTE HOST IDENTIFICATION HAS CHANGED"),
        "{refused}"
    );
    let learnt =
        std::fs::read_to_string(vm.dir.path().join("ssh/known_hosts.after-kexec")).unwrap();
    std::fs::write(vm.dir.path().join("known_hosts"), &learnt).unwrap();
    let (_, new_key) = vm.sh("cut -d' ' -f2 /etc/ssh/ssh_host_ed25519_key.pub");
    assert!(
        !new_key.trim().is_empty() && learnt.contains(new_key.trim()),
        "{learnt}"
    );
    // A new kernel booted (a new boot id) in the same qemu process: kexec,
    // not a reboot (qemu runs with -no-reboot and would have exited).
    let (_, boot_after) = vm.sh("cat /proc/sys/kernel/random/boot_id; cat /proc/cmdline");
    assert_ne!(boot_after.lines().next(), boot_before.lines().next());
    assert!(boot_after.contains("nixplan.installer=1"), "{boot_after}");
    assert!(vm.qemu.as_mut().unwrap().try_wait().unwrap().is_none());
    // The upload went through sudo into /root, from the deploy login.
    let (ok, _) = vm.sh("test -s /root/nixplan-kexec.tar.gz");
    assert!(ok, "the kexec tarball is not in /root");
    let (_, st) = vm.sh("stat -c '%a %u:%g' /mnt/k1/persist/home/alice/.ssh");
    assert_eq!(st.trim(), "700 1000:1000");

    // kexec again, the tarball downloaded by the target (curl) from a URL
    // (`--kexec-url`): an HTTP server of this test's own, which the VM
    // reaches at qemu's host address. The VM is a stand-in installer by
    // now, so kexec is chosen explicitly (auto would need none).
    let served = serve_once(&std::fs::read(&tarball).unwrap());
    let url = format!(
        "http://10.0.2.2:{}/nixos-kexec-installer.tar.gz",
        served.port
    );
    let again = plan_with(
        work.path(),
        "tmpfs-impermanence",
        "k2",
        &[4],
        "root",
        "kexec",
        &["--kexec-url", &url],
    );
    let (_, boot_before) = vm.sh("cat /proc/sys/kernel/random/boot_id");
    let report = run(&vm, &again, &work.path().join("s-kexec2"), false, None);
    common::lab::assert_no_failure(&report, &format!("\nconsole:\n{}", vm.console()));
    assert_eq!(
        served.requests(),
        1,
        "the target did not download the tarball"
    );
    let learnt =
        std::fs::read_to_string(vm.dir.path().join("ssh/known_hosts.after-kexec")).unwrap();
    std::fs::write(vm.dir.path().join("known_hosts"), &learnt).unwrap();
    let (_, boot_after) = vm.sh("cat /proc/sys/kernel/random/boot_id");
    assert_ne!(boot_after, boot_before, "no new kernel booted");
    let (_, st) = vm.sh("stat -c '%a %u:%g' /mnt/k2/persist/home/alice/.ssh");
    assert_eq!(st.trim(), "700 1000:1000");

    install_and_reboot(&mut vm, work.path());
}

/// An HTTP server on this machine's loopback that serves one body to
/// any GET, and counts the requests.
struct Served {
    port: u16,
    count: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl Served {
    fn requests(&self) -> usize {
        self.count.load(std::sync::atomic::Ordering::SeqCst)
    }
}

fn serve_once(body: &[u8]) -> Served {
    use std::io::{BufRead, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (body, seen) = (body.to_vec(), count.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = std::io::BufReader::new(&stream);
            let mut line = String::new();
            // The request line and headers, up to the blank line.
            while reader.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
                if line == "\r\n" || line == "\n" {
                    break;
                }
                line.clear();
            }
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut out = &stream;
            let _ = write!(
                out,
                "HTTP/1.0 200 OK\r\nContent-Type: application/gzip\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            let _ = out.write_all(&body);
        }
    });
    Served { port, count }
}

/// The whole plan, install and reboot included, on d5, from a `deploy`
/// login that escalates with sudo: the closure copied by `nix copy` over
/// the executor's SSH options (the remote nix-store run through sudo),
/// extra files unpacked and chowned through sudo, host keys made, and
/// nixos-install run — here a stand-in on the VM's PATH that records its
/// arguments and environment, since Debian has no NixOS to install — then
/// the unmounts in reverse order and the reboot (qemu runs with
/// -no-reboot, so the VM stops and ssh loses the connection).
fn install_and_reboot(vm: &mut Vm, work: &Path) {
    let system = work.join("system");
    std::fs::create_dir_all(system.join("bin")).unwrap();
    std::fs::write(system.join("bin/activate"), "#!/bin/sh\necho activated\n").unwrap();
    let (ok, path) = common::lab::sh(&format!("nix-store --add {} 2>/dev/null", system.display()));
    assert!(ok, "{path}");
    let path = path.trim().to_string();
    vm.write(
        "/usr/local/bin/nixos-install",
        "#!/bin/sh\nprintf '%s\\n' \"$@\" > /root/nixos-install.args\nenv | sort > /root/nixos-install.env\n",
    );
    let (ok, out) = vm.sh("chmod +x /usr/local/bin/nixos-install");
    assert!(ok, "{out}");
    // Extra files: owned here by uid 4242 (they arrive owned by root), one
    // tree chowned on the target, and the folder itself mode 0700 (the
    // new root keeps its own mode).
    let extra = work.join("extra");
    let (ok, out) = common::lab::sh(&format!(
        "set -e; mkdir -p {e}/etc/nixplan {e}/home/alice/.config; chmod 0700 {e}; \
         echo hello > {e}/etc/nixplan/greeting; chmod 0640 {e}/etc/nixplan/greeting; \
         echo x > {e}/home/alice/.config/app; chown -R 4242:4242 {e}",
        e = extra.display()
    ));
    assert!(ok, "{out}");
    let full = plan_with(
        work,
        "esp-ext4",
        "i1",
        &[5],
        "deploy",
        "none",
        &[
            "--system",
            &path,
            "--extra-files",
            extra.to_str().unwrap(),
            "--chown",
            "/home/alice",
            "1000:100",
        ],
    );
    assert!(full.actions.iter().any(|a| a.id == "reboot/reboot"));
    let state = work.join("s-install");
    let mut first = ApplyOptions {
        yes: true,
        state_dir: state.clone(),
        timeout: Duration::from_secs(600),
        phases: nixplan_plan::PhaseSelection {
            only: Vec::new(),
            stop_after: Some(nixplan_plan::Phase::Activation),
        },
        ..ApplyOptions::default()
    };
    // Something the caller's environment has must not reach the target.
    std::env::set_var("NIXPLAN_CALLER_SECRET", "leaked");
    let report = apply_with(vm, &full, &first, None);
    std::env::remove_var("NIXPLAN_CALLER_SECRET");
    common::lab::assert_no_failure(&report, &format!("\nconsole:\n{}", vm.console()));
    let (_, copied) = vm.sh(&format!("cat /mnt/i1{path}/bin/activate"));
    assert_eq!(copied, "#!/bin/sh\necho activated\n");
    let (ok, _) = vm.sh("test -s /mnt/i1/etc/ssh/ssh_host_ed25519_key");
    assert!(ok, "host keys were not made");
    let (_, st) = vm.sh(
        "stat -c '%n %a %u:%g' /mnt/i1 /mnt/i1/etc/nixplan/greeting /mnt/i1/home/alice/.config/app; \
         cat /mnt/i1/etc/nixplan/greeting",
    );
    assert_eq!(
        st,
        "/mnt/i1 755 0:0\n/mnt/i1/etc/nixplan/greeting 640 0:0\n\
         /mnt/i1/home/alice/.config/app 644 1000:100\nhello\n"
    );
    let (_, args) = vm.sh("cat /root/nixos-install.args");
    assert_eq!(
        args.lines().collect::<Vec<_>>(),
        vec![
            "--no-root-passwd",
            "--no-channel-copy",
            "--root",
            "/mnt/i1",
            "--system",
            path.as_str()
        ]
    );
    let (_, env) = vm.sh("cat /root/nixos-install.env");
    let names: Vec<&str> = env
        .lines()
        .filter_map(|l| l.split_once('=').map(|x| x.0))
        .collect();
    assert_eq!(
        names,
        vec!["HOME", "LANG", "LC_ALL", "PATH", "PWD"],
        "{env}"
    );
    assert!(env.contains("HOME=/root\n"), "{env}");
    // Then the rest: unmount in reverse order, reboot.
    first.resume = true;
    first.phases = nixplan_plan::PhaseSelection {
        only: vec![nixplan_plan::Phase::Reboot],
        stop_after: None,
    };
    let report = apply_with(vm, &full, &first, None);
    common::lab::assert_no_failure(&report, &format!("\nconsole:\n{}", vm.console()));
    let ids: Vec<&str> = report.outcomes.iter().map(|(i, _)| i.as_str()).collect();
    assert_eq!(
        ids,
        vec![
            "reboot/unmount/disko/disk/ai1/partition/ESP",
            "reboot/unmount/disko/disk/ai1/partition/root",
            "reboot/reboot"
        ]
    );
    let stopped = Instant::now() + Duration::from_secs(120);
    let q = vm.qemu.as_mut().unwrap();
    while q.try_wait().unwrap().is_none() {
        assert!(Instant::now() < stopped, "the VM did not reboot");
        std::thread::sleep(Duration::from_millis(500));
    }
    let _ = common::lab::sh(&format!("nix-store --delete {path} 2>/dev/null"));
}
