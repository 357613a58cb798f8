//! A Debian VM under qemu (TCG) for the tests that need a real kernel
//! with device-mapper, md and vfat, a real systemd, or a reboot: built by
//! tests/vm/build-image.sh into target/vm/, booted with sparse disk images
//! of the caller's sizes, reached over SSH through a port forwarded on
//! 127.0.0.1 and checked against the VM's own host key. qemu (by its pid)
//! and every file are removed when the `Vm` is dropped, also on failure.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nixplan_executor::transport::{Invocation, Program};
use nixplan_executor::{Ssh, SshOptions};

pub fn image_dir() -> PathBuf {
    super::root().join("target/vm")
}

/// Why the VM cannot run here, if it cannot.
pub fn unavailable() -> Option<String> {
    if !Command::new("sh")
        .args(["-c", "command -v qemu-system-x86_64 && command -v qemu-img"])
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
    {
        return Some("no qemu-system-x86_64".into());
    }
    for f in [
        "root.img",
        "vmlinuz",
        "initrd.img",
        "id_ed25519",
        "known_hosts",
    ] {
        if !image_dir().join(f).exists() {
            return Some(format!(
                "no VM image (target/vm/{f}): run tests/vm/build-image.sh"
            ));
        }
    }
    None
}

/// A booted VM with its own disks, removed on drop.
pub struct Vm {
    pub dir: tempfile::TempDir,
    pub qemu: Option<Child>,
    pub port: u16,
}

impl Vm {
    pub fn boot(disks: &[u64]) -> Vm {
        let dir = tempfile::Builder::new()
            .prefix("nixplan-vm-")
            .tempdir()
            .unwrap();
        let overlay = dir.path().join("root.qcow2");
        let status = Command::new("qemu-img")
            .args(["create", "-q", "-f", "qcow2", "-F", "raw", "-b"])
            .arg(image_dir().join("root.img"))
            .arg(&overlay)
            .status()
            .unwrap();
        assert!(status.success());
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        for (i, size) in disks.iter().enumerate() {
            let img = dir.path().join(format!("disk{i}.img"));
            std::fs::File::create(&img)
                .unwrap()
                .set_len(size << 20)
                .unwrap();
        }
        Vm::boot_from(dir, disks, port)
    }

    pub fn console(&self) -> String {
        let text = std::fs::read_to_string(self.dir.path().join("console.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    pub fn ssh_options(&self) -> SshOptions {
        self.ssh_options_as("root")
    }

    pub fn ssh_options_as(&self, user: &str) -> SshOptions {
        let known = self.dir.path().join("known_hosts");
        if !known.exists() {
            let key = std::fs::read_to_string(image_dir().join("known_hosts")).unwrap();
            let key = key.split_once(' ').unwrap().1.trim().to_string();
            std::fs::write(&known, format!("[127.0.0.1]:{} {key}\n", self.port)).unwrap();
        }
        let state = self.dir.path().join("ssh");
        std::fs::create_dir_all(&state).unwrap();
        SshOptions {
            destination: format!("{user}@127.0.0.1"),
            port: Some(self.port),
            identity: Some(image_dir().join("id_ed25519")),
            options: vec![
                format!("UserKnownHostsFile={}", known.display()),
                "GlobalKnownHostsFile=/dev/null".into(),
                "ConnectTimeout=20".into(),
                "IdentitiesOnly=yes".into(),
            ],
            state_dir: state,
            // The installer is the same VM behind the same forwarded port.
            post_kexec_port: Some(self.port),
            program: None,
        }
    }

    pub fn transport(&self) -> Ssh {
        Ssh::new(self.ssh_options())
    }

    /// Run a shell command in the VM (over a new connection).
    pub fn sh(&self, cmd: &str) -> (bool, String) {
        sh_through(&self.transport(), cmd)
    }

    /// Write a file in the VM (its content over stdin).
    pub fn write(&self, path: &str, content: &str) {
        write_through(&self.transport(), path, content)
    }

    pub fn wait_for_ssh(&mut self, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(q) = self.qemu.as_mut() {
                if let Ok(Some(status)) = q.try_wait() {
                    panic!("qemu exited ({status}):\n{}", self.console());
                }
            }
            if self
                .sh("test -e /run/systemd/units || true; udevadm settle")
                .0
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the VM did not answer over SSH:\n{}",
                self.console()
            );
            std::thread::sleep(Duration::from_secs(3));
        }
    }

    /// Reboot the VM (qemu runs with -no-reboot, so: power off, boot again
    /// from the same disks).
    pub fn restart(&mut self, disks: &[u64]) {
        let _ = self.sh("sync; systemctl poweroff");
        if let Some(mut q) = self.qemu.take() {
            let deadline = Instant::now() + Duration::from_secs(300);
            while q.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(500));
            }
            let _ = q.kill();
            let _ = q.wait();
        }
        self.boot_again(disks);
    }

    /// Boot again (qemu has exited) on the same overlay and disks.
    fn boot_again(&mut self, disks: &[u64]) {
        let dir = std::mem::replace(
            &mut self.dir,
            tempfile::Builder::new()
                .prefix("nixplan-vm-")
                .tempdir()
                .unwrap(),
        );
        let again = Vm::boot_from(dir, disks, self.port);
        *self = again;
    }

    /// After the guest rebooted itself (qemu runs with -no-reboot, so it
    /// exited): boot it again from the same disks and wait for SSH.
    /// Whether it had to.
    pub fn boot_again_if_down(&mut self, disks: &[u64]) -> bool {
        let exited = self
            .qemu
            .as_mut()
            .is_some_and(|q| matches!(q.try_wait(), Ok(Some(_))));
        if !exited {
            return false;
        }
        self.qemu = None;
        self.boot_again(disks);
        true
    }

    pub fn boot_from(dir: tempfile::TempDir, disks: &[u64], port: u16) -> Vm {
        let mut cmd = Command::new("qemu-system-x86_64");
        cmd.args([
            "-machine", "q35", "-accel", "tcg", "-m", "1536", "-smp", "2",
        ])
        .args(["-display", "none", "-no-reboot"])
        .arg("-serial")
        .arg(format!("file:{}", dir.path().join("console.log").display()))
        .arg("-kernel")
        .arg(image_dir().join("vmlinuz"))
        .arg("-initrd")
        .arg(image_dir().join("initrd.img"))
        .args([
            "-append",
            "root=LABEL=vmroot rw console=ttyS0 net.ifnames=0",
        ])
        .arg("-drive")
        .arg(format!(
            "file={},if=virtio,format=qcow2",
            dir.path().join("root.qcow2").display()
        ))
        .args([
            "-netdev",
            &format!("user,id=n0,hostfwd=tcp:127.0.0.1:{port}-:22"),
        ])
        .args(["-device", "virtio-net-pci,netdev=n0"]);
        for i in 0..disks.len() {
            let img = dir.path().join(format!("disk{i}.img"));
            cmd.arg("-drive")
                .arg(format!("file={},if=none,id=d{i},format=raw", img.display()));
            cmd.args([
                "-device",
                &format!("virtio-blk-pci,drive=d{i},serial=nixplan-d{i}"),
            ]);
        }
        // qemu dies with the test, even when the test is killed.
        // SAFETY: prctl is async-signal-safe; nothing else runs in pre_exec.
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let qemu = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut vm = Vm {
            dir,
            qemu: Some(qemu),
            port,
        };
        vm.wait_for_ssh(Duration::from_secs(900));
        vm
    }
}

impl Drop for Vm {
    fn drop(&mut self) {
        if let Some(mut q) = self.qemu.take() {
            let _ = q.kill();
            let _ = q.wait();
        }
    }
}

/// Run a shell command in the VM through `ssh` (a held connection is
/// much faster under TCG than a new one per command).
pub fn sh_through(ssh: &Ssh, cmd: &str) -> (bool, String) {
    let mut env = std::collections::BTreeMap::new();
    env.insert("PATH".into(), "/usr/sbin:/usr/bin:/sbin:/bin".into());
    let out = nixplan_executor::Transport::run(
        ssh,
        &Invocation {
            program: Program::Script(cmd.into()),
            env,
            stdin: None,
            timeout: Duration::from_secs(300),
        },
    )
    .unwrap();
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.success(), text)
}

/// Write a file in the VM through `ssh` (its content over stdin).
pub fn write_through(ssh: &Ssh, path: &str, content: &str) {
    let mut env = std::collections::BTreeMap::new();
    env.insert("PATH".into(), "/usr/bin:/bin".into());
    let out = nixplan_executor::Transport::run(
        ssh,
        &Invocation {
            program: Program::Argv(vec!["tee".into(), path.into()]),
            env,
            stdin: Some(content.as_bytes().to_vec()),
            timeout: Duration::from_secs(60),
        },
    )
    .unwrap();
    assert!(out.success(), "{}", out.tail(5));
}
