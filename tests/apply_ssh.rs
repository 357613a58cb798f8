//! `apply` over SSH: a real sshd, with a host key this test generates, in a
//! network namespace this test creates (reached through a veth pair), and
//! a plan applied through it to loop devices. The namespace shares the
//! machine's devices, so the lab (tests/common/lab.rs) sees what the remote
//! side made. The sshd (by its pid), the namespace and the veth pair are
//! removed by name, also when a test fails.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::lab::*;
use common::ssh::*;
use nixplan_executor::transport::{Invocation, Program};
use nixplan_executor::{Local, Ssh, Transport};

fn skip(test: &str) -> bool {
    if skip_unless_available(test) {
        return true;
    }
    skip_unless(test, unavailable_ssh(), "NIXPLAN_REQUIRE_LOOP_TESTS")
}

fn env_only(path: &str) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    env.insert("PATH".to_string(), path.to_string());
    env.insert("HOME".to_string(), "/root".to_string());
    env
}

#[test]
fn ssh_commands_get_exactly_their_environment_and_stdin() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if skip("ssh_commands_get_exactly_their_environment_and_stdin") {
        return;
    }
    let target = SshTarget::start(0);
    let ssh = target.transport();
    let out = ssh
        .run(&Invocation {
            program: Program::Argv(vec!["env".into()]),
            env: env_only("/usr/bin:/bin"),
            stdin: None,
            timeout: Duration::from_secs(60),
        })
        .unwrap();
    assert!(out.success(), "{}\n{}", out.tail(20), target.log());
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort();
    assert_eq!(lines, vec!["HOME=/root", "PATH=/usr/bin:/bin"]);
    // A secret goes over stdin; the argv the remote side sees has none.
    let out = ssh
        .run(&Invocation {
            program: Program::Script(
                "read -r s; echo \"got ${#s} bytes\"; cat /proc/$$/cmdline | tr '\\0' ' '".into(),
            ),
            env: env_only("/usr/bin:/bin"),
            stdin: Some(b"hunter2-secret\n".to_vec()),
            timeout: Duration::from_secs(60),
        })
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("got 14 bytes\n"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
    // Local actions that reach the target (nix copy, extra files) get the
    // same options as NIX_SSHOPTS: with them alone, plain ssh gets in.
    let opts = ssh.ssh_options().unwrap().join(" ");
    assert!(opts.contains("StrictHostKeyChecking=yes"), "{opts}");
    let mut env = env_only("/usr/bin:/bin");
    env.insert("NIX_SSHOPTS".into(), opts);
    let out = Local::default()
        .run(&Invocation {
            program: Program::Script(format!(
                "ssh $NIX_SSHOPTS root@{} echo reached",
                target.address
            )),
            env,
            stdin: None,
            timeout: Duration::from_secs(60),
        })
        .unwrap();
    assert!(out.success(), "{}", out.tail(10));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "reached\n");
    // The connection is multiplexed: a control socket exists.
    let sockets: Vec<_> = std::fs::read_dir(target.dir.path().join("state"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("ssh-0-"))
        .collect();
    assert_eq!(sockets.len(), 1);
}

#[test]
fn an_unknown_host_key_is_refused() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if skip("an_unknown_host_key_is_refused") {
        return;
    }
    let target = SshTarget::start(1);
    let empty = target.dir.path().join("empty_known_hosts");
    std::fs::write(&empty, "").unwrap();
    let state = target.dir.path().join("state-strict");
    std::fs::create_dir_all(&state).unwrap();
    let ssh = Ssh::new(target.options(&empty, state));
    let out = ssh
        .run(&Invocation {
            program: Program::Argv(vec!["true".into()]),
            env: env_only("/usr/bin:/bin"),
            stdin: None,
            timeout: Duration::from_secs(60),
        })
        .unwrap();
    assert!(!out.success());
    assert!(
        out.tail(5).contains("Host key verification failed"),
        "{}",
        out.tail(5)
    );
    // And nothing was learnt behind the user's back.
    assert_eq!(std::fs::read_to_string(&empty).unwrap(), "");
}

#[test]
fn a_plan_is_applied_over_ssh_to_loop_devices() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if skip("a_plan_is_applied_over_ssh_to_loop_devices")
        || skip_for_kernel("a_plan_is_applied_over_ssh", &["tmpfs", "ext4"])
    {
        return;
    }
    let target = SshTarget::start(2);
    let mut lab = Lab::new(1, 256);
    let host = format!("root@{}", target.address);
    lab.mounts_of = target.sshd_pid();
    let plan = lab.plan_with("tmpfs-impermanence", &["--target-host", &host]);
    assert_eq!(plan.target.host.as_deref(), Some(host.as_str()));
    let opts = options(&lab, "state", false);
    let mut ssh = target.transport();
    let report = run_on(&mut ssh, &mut lab, &plan, &opts, None);
    assert!(report.succeeded(), "{report:?}\n{}", target.log());
    // The facts came from the other side of the connection.
    let facts = report.facts.unwrap();
    assert_eq!(facts["uid"], "0");
    let state = lab.state();
    assert!(
        state
            .lines()
            .any(|l| l == "dir <root>/persist/home/alice/.ssh 700 1000:1000"),
        "{state}"
    );
    assert!(state.contains("mount <root>/persist ext4"), "{state}");
}

/// nixplan killed (SIGKILL) while an action runs over SSH: the remote
/// command goes on (sshd does not end it), and it holds the run's lock on
/// the target, so a `--resume` refuses to run beside it, naming it; once
/// it has ended, the resume runs.
#[test]
fn a_resume_refuses_while_a_remote_command_of_the_killed_run_lives() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if skip("a_resume_refuses_while_a_remote_command_of_the_killed_run_lives") {
        return;
    }
    let target = SshTarget::start(4);
    let host = format!("root@{}", target.address);
    let dir = target.dir.path().to_path_buf();
    let pid_file = dir.join("remote.pid");
    // The namespace shares this machine's processes and files: the remote
    // command's pid is readable (and killable) here.
    let plan = common::plan_running(
        &format!("echo $$ > {}\nexec sleep 300\n", pid_file.display()),
        Some(&host),
    );
    let plan_file = dir.join("plan.json");
    std::fs::write(&plan_file, plan.to_json()).unwrap();
    let known = format!("UserKnownHostsFile={}", dir.join("known_hosts").display());
    let identity = dir.join("id");
    let state = dir.join("state");
    let apply = |resume: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_nixplan"));
        cmd.args(["apply", plan_file.to_str().unwrap(), "--yes", "-i"])
            .arg(&identity)
            .args(["--state-dir", state.to_str().unwrap()])
            .args([
                "--ssh-option",
                &known,
                "--ssh-option",
                "GlobalKnownHostsFile=/dev/null",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if resume {
            cmd.arg("--resume");
        }
        cmd.spawn().unwrap()
    };
    struct Remote(PathBuf);
    impl Drop for Remote {
        fn drop(&mut self) {
            if let Ok(pid) = std::fs::read_to_string(&self.0) {
                let _ = Command::new("kill").args(["-KILL", pid.trim()]).status();
            }
        }
    }
    let remote = Remote(pid_file.clone());
    let mut first = apply(false);
    let deadline = Instant::now() + Duration::from_secs(60);
    let pid = loop {
        if let Ok(t) = std::fs::read_to_string(&pid_file) {
            if t.ends_with('\n') {
                break t.trim().to_string();
            }
        }
        assert!(
            Instant::now() < deadline,
            "the remote command never started: {}",
            target.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    first.kill().unwrap();
    let _ = first.wait();
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        Path::new(&format!("/proc/{pid}")).exists(),
        "the remote command was expected to outlive nixplan"
    );
    let out = apply(true).wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("a command started by an earlier run of this plan is still running on")
            && err.contains(&host),
        "{err}"
    );
    // Once it has ended, the resume runs the action again.
    drop(remote);
    std::fs::remove_file(&pid_file).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Path::new(&format!("/proc/{pid}")).exists() {
        assert!(Instant::now() < deadline, "the remote command did not end");
        std::thread::sleep(Duration::from_millis(50));
    }
    let _remote = Remote(pid_file.clone());
    let mut again = apply(true);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !pid_file.exists() {
        assert!(
            Instant::now() < deadline,
            "the resume did not run the action"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    again.kill().unwrap();
    let _ = again.wait();
}

/// The CLI's own SSH options reach ssh: `--ssh-option` (here the only
/// place the target's host key is known) and `-i`. Without the option the
/// same command is refused by strict host key checking.
#[test]
fn the_cli_connects_with_its_ssh_options() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if skip("the_cli_connects_with_its_ssh_options") {
        return;
    }
    let target = SshTarget::start(3);
    let host = format!("root@{}", target.address);
    let plan = target.dir.path().join("plan.json");
    let fixture = common::root().join("tests/fixtures/disko-plain-file/disko.nix");
    let (code, _, err) = common::nixplan_text(&[
        "plan",
        fixture.to_str().unwrap(),
        "--target-host",
        &host,
        "--out",
        plan.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let known = format!(
        "UserKnownHostsFile={}",
        target.dir.path().join("known_hosts").display()
    );
    let identity = target.dir.path().join("id");
    let apply = |options: &[&str], state: &str| {
        let state = target.dir.path().join(state);
        let mut args = vec![
            "apply",
            plan.to_str().unwrap(),
            "-i",
            identity.to_str().unwrap(),
            "--phases",
            "facts",
            "--yes",
            "--state-dir",
            state.to_str().unwrap(),
            "--ssh-option",
            "GlobalKnownHostsFile=/dev/null",
            "--ssh-option",
            "ConnectTimeout=10",
        ];
        for o in options {
            args.extend(["--ssh-option", o]);
        }
        common::nixplan_text(&args)
    };
    let (code, out, err) = apply(&[&known], "with");
    assert_eq!(code, 0, "{out}\n{err}\n{}", target.log());
    assert!(out.contains("facts/gather"), "{out}");
    let (code, out, err) = apply(&["UserKnownHostsFile=/dev/null"], "without");
    assert_ne!(code, 0, "{out}");
    assert!(err.contains("Host key verification failed"), "{err}");
}
