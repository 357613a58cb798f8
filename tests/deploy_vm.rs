//! Deploys to a host with a real systemd (the Debian VM of
//! tests/common/vm.rs, which has nix-bin): the switch runs as a transient
//! unit of `systemd-run --wait`, the rollback watchdog is a transient unit
//! too, a switch that stops sshd is rolled back by it, keys get real
//! owners and modes, a login whose sudo asks for a password gets it over
//! stdin, and a login that escalates with doas does so through
//! `deployment.privilegeEscalationCommand`. Without D-Bus (which
//! `systemd-run --wait` needs) the switch runs directly and says so.
//! With `--reboot` the VM reboots, comes back, runs the new system, and
//! gets its post-activation keys only then.
//!
//! The systems are built here by nix-bin from derivations of the test
//! (tests/common/ssh.rs `build_system`) and copied into the VM's store by
//! the plan's `nix copy`. Without qemu or the image the test says so (a
//! recorded skip, which the test command does not allow), unless
//! NIXPLAN_REQUIRE_VM_TESTS=1: then it fails.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::lab::sh;
use common::ssh::build_system;
use common::vm::{image_dir, Vm};

fn missing() -> Option<String> {
    if let Some(m) = common::vm::unavailable() {
        return Some(m);
    }
    for tool in ["nix-build", "nix"] {
        if !sh(&format!("command -v {tool}")).0 {
            return Some(format!("missing {tool}"));
        }
    }
    None
}

/// Plan `goal` for node `node` of the flake in `dir`, save it, and apply
/// it with these extra `apply` arguments: (exit code, what apply said).
/// A VM that reboots meanwhile (`--reboot`) is booted again.
fn deploy(
    vm: &mut Vm,
    dir: &Path,
    node: &str,
    goal: &str,
    plan_extra: &[&str],
    apply_extra: &[&str],
) -> (i32, String) {
    let plan = dir.join(format!("{node}-{goal}.plan.json"));
    let mut args = vec![
        "plan".to_string(),
        format!("{}#{node}", dir.join("hive").display()),
        "--goal".into(),
        goal.into(),
        "--out".into(),
        plan.display().to_string(),
        "--offline".into(),
    ];
    args.extend(plan_extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
    let (code, _, err) = common::nixplan_text(&args);
    assert_eq!(code, 0, "plan: {err}");
    let said = dir.join(format!("{node}-{goal}.said"));
    let child = Command::new(env!("CARGO_BIN_EXE_nixplan"))
        .args(["apply", plan.to_str().unwrap(), "--yes", "-i"])
        .arg(image_dir().join("id_ed25519"))
        .args(["--state-dir", dir.join("state").to_str().unwrap()])
        .args([
            "--ssh-option",
            &format!(
                "UserKnownHostsFile={}",
                vm.dir.path().join("known_hosts").display()
            ),
        ])
        .args(["--ssh-option", "GlobalKnownHostsFile=/dev/null"])
        .args(["--ssh-option", "IdentitiesOnly=yes"])
        .args(["--ssh-option", "ConnectTimeout=10"])
        .args(apply_extra)
        .stdin(std::process::Stdio::null())
        .stdout(std::fs::File::create(&said).unwrap())
        .stderr(std::fs::File::create(said.with_extension("err")).unwrap())
        .spawn()
        .unwrap();
    // The apply ends with the test, also when the test fails meanwhile.
    struct Reap(std::process::Child);
    impl Drop for Reap {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut child = Reap(child);
    let reboots = plan_extra.contains(&"--reboot");
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        // Only a plan that reboots the VM may find it down.
        if reboots {
            vm.boot_again_if_down(&[]);
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    (
        status.code().unwrap_or(-1),
        std::fs::read_to_string(&said).unwrap()
            + &std::fs::read_to_string(said.with_extension("err")).unwrap(),
    )
}

/// A command in the VM as root that must succeed: its output.
fn vm_ok(vm: &Vm, cmd: &str) -> String {
    let (ok, out) = vm.sh(cmd);
    assert!(ok, "{cmd}: {out}\nconsole:\n{}", vm.console());
    out
}

#[test]
fn switch_under_systemd_rollback_keys_sudo_password_and_doas_in_a_vm() {
    if common::skip::skip_unless(
        "switch_under_systemd_rollback_keys_sudo_password_and_doas_in_a_vm",
        missing(),
        "NIXPLAN_REQUIRE_VM_TESTS",
    ) {
        return;
    }
    let mut vm = Vm::boot(&[]);
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    // The target: a system profile directory, a service user that owns
    // keys, and `pw`, whose sudo asks for its password.
    let password = "deploy with a password 7";
    vm_ok(
        &vm,
        &format!(
            "set -e
mkdir -p /nix/var/nix/profiles
useradd --system --user-group svc
useradd --create-home --shell /bin/sh pw
printf '%s\\n' 'pw:{password}' | chpasswd
printf 'pw ALL=(ALL) ALL\\n' > /etc/sudoers.d/pw && chmod 0440 /etc/sudoers.d/pw
install -d -m 0700 -o pw -g pw /home/pw/.ssh
install -m 0600 -o pw -g pw /root/.ssh/authorized_keys /home/pw/.ssh/authorized_keys
# ops may run `env` as root through doas and nothing else: `doas -n true`
# (what finding an escalation tool tries) fails, the node's own command
# (doas, in front of the executor's `env -i …`) works.
printf 'permit nopass ops as root cmd env\n' > /etc/doas.conf"
        ),
    );
    // As NixOS's boot does: /run/current-system is the profile's system.
    vm.write(
        "/etc/systemd/system/current-system.service",
        r#"[Service]
Type=oneshot
ExecStart=/bin/sh -c 'ln -sfn "$$(readlink -f /nix/var/nix/profiles/system)" /run/current-system'
[Install]
WantedBy=multi-user.target
"#,
    );
    vm_ok(&vm, "systemctl enable current-system.service 2>&1");
    // The good system (re)starts sshd; the broken one stops it. Each
    // records its goal, and whether it ran as a systemd unit (systemd
    // gives every unit's processes INVOCATION_ID).
    // (`\''${`: a `${` that neither Nix's string nor the build's
    // here-document expands; a second line keeps the indentation of
    // build_system's indented string.)
    let record = "echo \"\\$0 \\$1 \\''${INVOCATION_ID:+unit}\" >> /run/deploy-units";
    let good = build_system(
        dir,
        "good",
        &format!("{record}\n    /bin/systemctl start ssh.service"),
    );
    let newer = build_system(
        dir,
        "newer",
        &format!("{record}\n    /bin/systemctl start ssh.service"),
    );
    let broken = build_system(
        dir,
        "broken",
        &format!("{record}\n    /bin/systemctl stop ssh.service"),
    );
    let flake = dir.join("hive");
    std::fs::create_dir_all(&flake).unwrap();
    std::fs::write(flake.join("pw.key"), "pw-secret\n").unwrap();
    std::fs::write(
        flake.join("flake.nix"),
        format!(
            r#"{{
  outputs = {{ self }}: {{
    colmena = {{
      vm = {{
        deployment = {{
          targetHost = "127.0.0.1";
          targetPort = {port};
          keys."svc.key" = {{
            text = "svc-secret";
            user = "svc";
            group = "svc";
            permissions = "0440";
            destDir = "/var/lib/svc-keys";
          }};
          keys."late.key" = {{
            keyCommand = [ "printf" "late" ];
            uploadAt = "post-activation";
          }};
        }};
      }};
      pw = {{
        deployment = {{
          targetHost = "127.0.0.1";
          targetPort = {port};
          targetUser = "pw";
          keys."pw.key" = {{ keyFile = ./pw.key; user = "svc"; permissions = "0400"; }};
        }};
      }};
      ops = {{
        deployment = {{
          targetHost = "127.0.0.1";
          targetPort = {port};
          targetUser = "ops";
          privilegeEscalationCommand = [ "doas" ];
          keys."ops.key" = {{ text = "ops-secret"; group = "svc"; permissions = "0640"; }};
        }};
      }};
      opsauto = {{
        deployment = {{
          targetHost = "127.0.0.1";
          targetPort = {port};
          targetUser = "ops";
          keys."ops.key" = {{ text = "ops-secret"; }};
        }};
      }};
    }};
  }};
}}
"#,
            port = vm.port
        ),
    )
    .unwrap();

    // A switch: copied into the VM's store, the profile set, the switch
    // run as a transient unit, confirmed over a new connection; keys with
    // their owners and modes.
    let (code, said) = deploy(
        &mut vm,
        dir,
        "vm",
        "switch",
        &["--system", &good, "--confirm-timeout", "20"],
        &[],
    );
    assert_eq!(code, 0, "{said}\nconsole:\n{}", vm.console());
    let units = vm_ok(&vm, "cat /run/deploy-units");
    let good_stc = format!("{good}/bin/switch-to-configuration");
    assert_eq!(
        units.lines().collect::<Vec<_>>(),
        vec![
            format!("{good_stc} dry-activate "),
            format!("{good_stc} switch unit")
        ],
        "the switch ran as a systemd unit, the preview did not"
    );
    assert_eq!(
        vm_ok(
            &vm,
            "readlink /nix/var/nix/profiles/system; readlink -f /run/current-system"
        ),
        format!("system-1-link\n{good}\n")
    );
    assert_eq!(
        vm_ok(
            &vm,
            "stat -c '%U %G %a' /var/lib/svc-keys/svc.key; cat /var/lib/svc-keys/svc.key; echo; stat -c '%U %G %a' /run/keys/late.key"
        ),
        "svc svc 440\nsvc-secret\nroot root 600\n"
    );

    // A switch that stops sshd: the confirmation cannot come over a new
    // connection, the run fails, and the watchdog (a transient unit, not
    // a child of the SSH session) rolls back: profile generation 1 and
    // the good system activated again, which starts sshd.
    let (code, said) = deploy(
        &mut vm,
        dir,
        "vm",
        "switch",
        &["--system", &broken, "--confirm-timeout", "20"],
        &[],
    );
    assert_ne!(
        code, 0,
        "a switch that cut the target off succeeded: {said}"
    );
    assert!(said.contains("deploy/confirm"), "{said}");
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        let (ok, out) = vm.sh("ls -d /run/nixplan/deploy-*/rolled-back");
        if ok && !out.trim().is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no rollback within 240 s: {out}\nconsole:\n{}",
            vm.console()
        );
        std::thread::sleep(Duration::from_secs(3));
    }
    let broken_stc = format!("{broken}/bin/switch-to-configuration");
    let units = vm_ok(&vm, "cat /run/deploy-units");
    assert_eq!(
        units.lines().skip(2).collect::<Vec<_>>(),
        vec![
            format!("{broken_stc} dry-activate "),
            format!("{broken_stc} switch unit"),
            format!("{good_stc} switch unit"),
        ],
        "the rollback re-activated the good system from a unit"
    );
    assert_eq!(
        vm_ok(
            &vm,
            "readlink /nix/var/nix/profiles/system; readlink -f /run/current-system"
        ),
        format!("system-1-link\n{good}\n")
    );
    // The watchdog was a transient unit: its journal says why it acted.
    let journal = vm_ok(
        &vm,
        "d=$(dirname /run/nixplan/deploy-*/rolled-back); journalctl -q -o cat -u \"nixplan-rollback-${d##*-}\"",
    );
    assert!(journal.contains("not confirmed within 20 s"), "{journal}");

    // A login whose sudo asks for a password: without it the run is
    // refused before anything runs; with it (over stdin only) the key is
    // written as root with its owner and mode.
    let (code, said) = deploy(&mut vm, dir, "pw", "keys", &[], &[]);
    assert_ne!(code, 0);
    assert!(said.contains("--ask-sudo-password"), "{said}");
    let pw_file = dir.join("pw");
    std::fs::write(&pw_file, format!("{password}\n")).unwrap();
    let (code, said) = deploy(
        &mut vm,
        dir,
        "pw",
        "keys",
        &[],
        &["--sudo-password-file", pw_file.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{said}");
    assert_eq!(
        vm_ok(
            &vm,
            "stat -c '%U %a' /run/keys/pw.key; cat /run/keys/pw.key"
        ),
        "svc 400\npw-secret\n"
    );
    let (found, _) = sh(&format!("grep -rlF '{password}' '{}'", dir.display()));
    assert!(
        !found || only_in(&pw_file, dir, password),
        "the password was written down"
    );

    // A login that escalates with doas, as its node says
    // (privilegeEscalationCommand): neither `sudo -n true` nor `doas -n
    // true` works for it, so only the node's command can.
    let (code, said) = deploy(&mut vm, dir, "opsauto", "keys", &[], &[]);
    assert_ne!(code, 0);
    assert!(said.contains("neither sudo -n nor doas -n works"), "{said}");
    let (code, said) = deploy(&mut vm, dir, "ops", "keys", &[], &[]);
    assert_eq!(code, 0, "{said}");
    assert_eq!(
        vm_ok(&vm, "stat -c '%U %G %a' /run/keys/ops.key"),
        "root svc 640\n"
    );

    // Without D-Bus `systemd-run --wait` cannot work: the activation runs
    // directly, and the log says so.
    vm_ok(&vm, "systemctl stop dbus.socket dbus.service");
    let (code, said) = deploy(
        &mut vm,
        dir,
        "vm",
        "test",
        &["--system", &good, "--confirm-timeout", "20"],
        &[],
    );
    assert_eq!(code, 0, "{said}");
    let units = vm_ok(&vm, "cat /run/deploy-units");
    assert_eq!(
        units.lines().last().unwrap(),
        format!("{good_stc} test "),
        "{units}"
    );
    let (said_so, _) = sh(&format!(
        "grep -rl 'systemd-run --wait does not work here' '{}'",
        dir.join("state").display()
    ));
    assert!(said_so, "the direct switch was not said in the log");

    // --reboot: after the confirmed switch the target reboots (qemu
    // exits, and is booted again from the same disks); the plan waits for
    // a new boot id, checks that the new system runs (the boot made
    // /run/current-system from the profile), and only then writes the
    // post-activation key, in the new boot's /run.
    let before = vm_ok(&vm, "cat /proc/sys/kernel/random/boot_id");
    let (code, said) = deploy(
        &mut vm,
        dir,
        "vm",
        "switch",
        &["--system", &newer, "--confirm-timeout", "20", "--reboot"],
        &[],
    );
    assert_eq!(code, 0, "{said}\nconsole:\n{}", vm.console());
    assert_ne!(vm_ok(&vm, "cat /proc/sys/kernel/random/boot_id"), before);
    assert_eq!(
        vm_ok(
            &vm,
            "readlink -f /run/current-system; cat /run/keys/late.key"
        ),
        format!("{newer}\nlate")
    );
    assert!(said.contains("deploy/rebooted"), "{said}");
}

/// Whether `needle` occurs under `dir` only in `file`.
fn only_in(file: &Path, dir: &Path, needle: &str) -> bool {
    let mut all: Vec<PathBuf> = Vec::new();
    common::lab::walk(dir, &mut all);
    all.iter()
        .filter(|p| p.is_file())
        .filter(|p| {
            std::fs::read(p)
                .map(|b| String::from_utf8_lossy(&b).contains(needle))
                .unwrap_or(false)
        })
        .all(|p| p == file)
}
