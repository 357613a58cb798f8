//! nixplan killed in the middle of an action (SIGKILL: no code of its runs
//! any more): the action's whole process group dies with it, and what
//! escaped the group (a daemon an action started) keeps the run's lock, so
//! a `--resume` refuses to run beside it.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::plan_running;
use nixplan_executor::transport::{holding_lock, Invocation, Program};
use nixplan_executor::{Local, Transport};

fn apply(plan: &Path, state: &Path, resume: bool) -> Child {
    let mut args = vec![
        "apply".to_string(),
        plan.display().to_string(),
        "--yes".into(),
        "--state-dir".into(),
        state.display().to_string(),
    ];
    if resume {
        args.push("--resume".into());
    }
    Command::new(env!("CARGO_BIN_EXE_nixplan"))
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn wait_for(file: &Path) -> String {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if let Ok(t) = std::fs::read_to_string(file) {
            if t.ends_with('\n') {
                return t.trim().to_string();
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{} never appeared", file.display());
}

fn alive(pid: &str) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .unwrap_or_default()
            .contains(") Z ")
}

fn gone_within(pid: &str, limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if !alive(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// Whether the process leads a session of its own (field 6 of
/// /proc/PID/stat, after the command in parentheses).
fn own_session(pid: &str) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    after.split_whitespace().nth(3) == Some(pid)
}

fn kill(pid: &str) {
    let _ = Command::new("kill").args(["-KILL", pid]).status();
}

#[test]
fn the_running_action_dies_with_nixplan() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pid");
    let plan = plan_running(
        &format!("sleep 300 &\necho $! > {}\nwait\n", pid_file.display()),
        None,
    );
    let plan_file = dir.path().join("plan.json");
    std::fs::write(&plan_file, plan.to_json()).unwrap();
    let mut nixplan = apply(&plan_file, &dir.path().join("state"), false);
    let sleeper = wait_for(&pid_file);
    assert!(alive(&sleeper));
    nixplan.kill().unwrap();
    let _ = nixplan.wait();
    let died = gone_within(&sleeper, Duration::from_secs(10));
    if !died {
        kill(&sleeper);
    }
    assert!(died, "the action's process outlived nixplan");
}

#[test]
fn a_resume_refuses_while_a_command_of_the_killed_run_lives() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pid");
    // The daemon leaves the action's process group (setsid), as a service
    // an action starts would: it outlives nixplan, holding the run's lock.
    let plan = plan_running(
        &format!(
            "setsid sleep 300 </dev/null >/dev/null 2>&1 &\necho $! > {}\nsleep 300\n",
            pid_file.display()
        ),
        None,
    );
    let plan_file = dir.path().join("plan.json");
    std::fs::write(&plan_file, plan.to_json()).unwrap();
    let state = dir.path().join("state");
    let mut first = apply(&plan_file, &state, false);
    let daemon = wait_for(&pid_file);
    // `$!` is written when the shell forks, before the child has left the
    // group with setsid: killed sooner, the daemon dies with the group
    // (a race a loaded machine loses). Wait until it leads its session.
    let start = Instant::now();
    while !own_session(&daemon) {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the daemon never left its group"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    first.kill().unwrap();
    let _ = first.wait();
    let out = apply(&plan_file, &state, true).wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let survived = alive(&daemon);
    kill(&daemon);
    assert!(survived, "the escaped command was expected to survive");
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("a command started by an earlier run of this plan is still running"),
        "{err}"
    );
    assert!(gone_within(&daemon, Duration::from_secs(5)));
    // Once it is gone, the plan can be resumed.
    std::fs::remove_file(&pid_file).unwrap();
    let mut again = apply(&plan_file, &state, true);
    let _ = wait_for(&pid_file);
    again.kill().unwrap();
    let _ = again.wait();
    let daemon = std::fs::read_to_string(&pid_file).unwrap();
    kill(daemon.trim());
}

fn inv(program: Program) -> Invocation {
    let mut env = std::collections::BTreeMap::new();
    env.insert("PATH".to_string(), "/usr/bin:/bin".to_string());
    Invocation {
        program,
        env,
        stdin: None,
        timeout: Duration::from_secs(20),
    }
}

/// The run-lock wrapper of remote and sudo commands (in its own process:
/// a fork in another test thread would hold a copy of this one's lock): the command gets its stdin and exit code, and
/// holds the lock (shared) while it lives, so an exclusive `flock -n`
/// fails until it has ended.
#[test]
fn a_command_holding_the_run_lock_keeps_it_while_it_lives() {
    let dir = tempfile::tempdir().unwrap();
    let lock = dir.path().join("run/plan.running").display().to_string();
    let mut echo = inv(Program::Script("cat; exit 3".into()));
    echo.stdin = Some(b"given".to_vec());
    let out = Local::default().run(&holding_lock(&echo, &lock)).unwrap();
    assert_eq!((out.code, &out.stdout[..]), (Some(3), &b"given"[..]));
    let exclusive = || {
        std::process::Command::new("flock")
            .args(["-n", "-x", &lock, "true"])
            .status()
            .unwrap()
            .success()
    };
    assert!(exclusive(), "nothing holds it once the command ended");
    let slow = holding_lock(&inv(Program::Argv(vec!["sleep".into(), "2".into()])), &lock);
    let runner = std::thread::spawn(move || Local::default().run(&slow).unwrap());
    std::thread::sleep(Duration::from_millis(500));
    assert!(!exclusive(), "the running command holds the lock");
    assert_eq!(runner.join().unwrap().code, Some(0));
    assert!(exclusive());
}
