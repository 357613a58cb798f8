//! A hive's nodes evaluated each in a process of its own: a child forked
//! per node, which evaluates it, sends back what came of it and ends, so
//! that all the memory of its evaluation goes back to the system with it.
//!
//! An evaluation's memory is not all freed when it ends: values that
//! refer to themselves (a `let` of functions calling each other, the
//! module system's `config`) are counted references in a loop, which a
//! count never sees fall to zero. In one process a hive of N nodes held
//! N evaluations' worth (measured: 2.2 MB per node of a small stand-in
//! hive; a real NixOS node holds hundreds). colmena evaluates a hive in
//! nix processes of a few nodes each for the same reason.
//!
//! Up to `jobs` children run at once; the parent waits for them and
//! reads each one's outcome from a file it opened for it before the fork.
//! With one job a child says what it says as it goes (its standard error
//! is the parent's); with several, each holds its words back and the
//! parent prints them in the nodes' order. Where no child can be made,
//! the node is evaluated in this process, with a warning. As one after
//! the other would: no node after one that failed is started, and those
//! after it still running are stopped.

use std::io::{Seek, Write};

use serde::{de::DeserializeOwned, Deserialize, Serialize};

/// What a node's evaluation gave: its result (a failure has been said),
/// what it said when it was held back, and the profiles of its
/// evaluations (`NIXPLAN_EVAL_PROFILE`), for the parent to write in the
/// nodes' order.
#[derive(Serialize, Deserialize)]
pub struct Outcome<T> {
    pub plan: Result<T, ()>,
    pub said: String,
    pub profiles: Vec<String>,
}

/// How a node's evaluation ended.
pub enum Ended<T> {
    Gave(Outcome<T>),
    /// Its process ended without an outcome (it panicked, or was killed):
    /// how, as a phrase.
    Died(String),
    /// Not started: a node before it failed.
    NotStarted,
}

/// Nodes `0..n`, each by `work` in a child process, up to `jobs` at once:
/// how each ended, in order.
pub fn evaluate<T: Serialize + DeserializeOwned>(
    n: usize,
    jobs: usize,
    work: impl Fn(usize) -> Result<T, ()>,
) -> Vec<Ended<T>> {
    let jobs = jobs.clamp(1, n.max(1));
    let hold = jobs > 1;
    let mut ended: Vec<Ended<T>> = (0..n).map(|_| Ended::NotStarted).collect();
    // The first node (in order) that failed.
    let mut failed = usize::MAX;
    let mut running: Vec<Child> = Vec::new();
    let mut next = 0;
    let mut warned = false;
    loop {
        while running.len() < jobs && next < n && next <= failed {
            let i = next;
            next += 1;
            match fork_node(|| outcome_of(|| work(i), hold)) {
                Ok((pid, file)) => running.push(Child { pid, node: i, file }),
                Err(why) => {
                    if !warned {
                        warned = true;
                        crate::say!(
                            "warning: no process could be started for a node ({why}): evaluated in this one, which keeps its memory"
                        );
                    }
                    let here = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        outcome_of(|| work(i), hold)
                    }));
                    ended[i] = match here {
                        Ok(outcome) => Ended::Gave(outcome),
                        Err(_) => Ended::Died("it panicked".into()),
                    };
                    if !succeeded(&ended[i]) {
                        failed = failed.min(i);
                    }
                }
            }
        }
        let Some((pid, status)) = wait_any(&running) else {
            break;
        };
        let Some(at) = running.iter().position(|c| c.pid == pid) else {
            continue;
        };
        let Child {
            node: i, mut file, ..
        } = running.swap_remove(at);
        let outcome = file.rewind().ok().and_then(|()| {
            serde_json::from_reader::<_, Outcome<T>>(std::io::BufReader::new(file)).ok()
        });
        ended[i] = match outcome {
            Some(outcome) => Ended::Gave(outcome),
            None => Ended::Died(died(status)),
        };
        if !succeeded(&ended[i]) {
            failed = failed.min(i);
            // Nodes after it are not needed: stopped, and not waited for
            // longer than their end takes.
            for c in running.iter().filter(|c| c.node > failed) {
                // SAFETY: a signal to a child of this process, not yet
                // waited for (its id is still its own).
                unsafe { libc::kill(c.pid, libc::SIGKILL) };
            }
        }
    }
    ended
}

/// Whether a node's evaluation gave a result.
fn succeeded<T>(e: &Ended<T>) -> bool {
    matches!(e, Ended::Gave(o) if o.plan.is_ok())
}

/// A node's child process: its id, its node, and the file it writes its
/// outcome to.
struct Child {
    pid: libc::pid_t,
    node: usize,
    file: std::fs::File,
}

/// `work`'s result, what it said if held back, and the profiles of the
/// evaluations it finished.
fn outcome_of<T>(work: impl FnOnce() -> Result<T, ()>, hold: bool) -> Outcome<T> {
    let (plan, said) = if hold {
        crate::report::captured(work)
    } else {
        (work(), String::new())
    };
    Outcome {
        plan,
        said,
        profiles: crate::eval_cmd::held_profiles(),
    }
}

/// A child that runs `work` and writes its outcome to a file the parent
/// keeps (opened here, unnamed), then ends; its id and the file, or why
/// there is none.
fn fork_node<T: Serialize>(
    work: impl FnOnce() -> Outcome<T>,
) -> Result<(libc::pid_t, std::fs::File), String> {
    let file = tempfile::tempfile().map_err(|e| format!("a file for its outcome: {e}"))?;
    // What is buffered is written once, by the parent.
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // SAFETY: the process runs two threads here: the evaluation's, this
    // one, and `main`'s, which only waits for it to end (holding no lock).
    // No other thread is started before a plan is made (apply's ^C
    // handler and its hosts' threads come after), so the child's one
    // thread finds no lock held by a thread it does not have; what is
    // this thread's (its blocks, mimalloc's heap) is copied whole.
    let parent = unsafe { libc::getpid() };
    match unsafe { libc::fork() } {
        -1 => Err(format!("fork: {}", std::io::Error::last_os_error())),
        0 => {
            // The child: ^C ends it, as does its parent's end, however it
            // ends; its profiles go back to the parent.
            // SAFETY: setting a signal's disposition to its default, and
            // asking for a signal when the parent ends.
            unsafe {
                libc::signal(libc::SIGINT, libc::SIG_DFL);
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                if libc::getppid() != parent {
                    libc::_exit(102);
                }
            }
            crate::eval_cmd::hold_profiles();
            let mut file = file;
            let code = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)) {
                Err(_) => PANICKED,
                Ok(outcome) => {
                    let mut out = std::io::BufWriter::new(&mut file);
                    match serde_json::to_writer(&mut out, &outcome).map(|()| out.flush()) {
                        Ok(Ok(())) => 0,
                        _ => UNSENT,
                    }
                }
            };
            let _ = std::io::stdout().flush();
            let _ = std::io::stderr().flush();
            // Ended at once: nothing of the parent's (its buffers, its
            // exit handlers) runs twice.
            // SAFETY: ends this process.
            unsafe { libc::_exit(code) }
        }
        pid => Ok((pid, file)),
    }
}

/// A child's exit status when its node's evaluation panicked, and when
/// its outcome could not be written to its file.
const PANICKED: libc::c_int = 101;
const UNSENT: libc::c_int = 103;

/// How a child that gave no outcome ended, from its wait status.
fn died(status: libc::c_int) -> String {
    if libc::WIFSIGNALED(status) {
        format!(
            "its process was killed by signal {}",
            libc::WTERMSIG(status)
        )
    } else if libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == PANICKED {
        "it panicked".into()
    } else if libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == UNSENT {
        "its outcome could not be written back".into()
    } else if libc::WIFEXITED(status) && libc::WEXITSTATUS(status) != 0 {
        format!("its process exited with {}", libc::WEXITSTATUS(status))
    } else {
        "its process ended without an outcome".into()
    }
}

/// Waits for one of the children `running` to end: its id and wait
/// status, `None` when none is left.
fn wait_any(running: &[Child]) -> Option<(libc::pid_t, libc::c_int)> {
    let first = running.first()?;
    loop {
        let mut status = 0;
        // SAFETY: waits for a child of this process (they are all the
        // nodes': no other is started while nodes are evaluated), writing
        // its status.
        let pid = unsafe { libc::waitpid(-1, &mut status, 0) };
        if pid > 0 {
            return Some((pid, status));
        }
        if std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            // No child left to wait for (ECHILD): those still listed are
            // gone, their files read as they are.
            return Some((first.pid, 0));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Set by `nodes_are_evaluated_in_processes_of_their_own` for the test
    /// process it starts, where the forking test runs alone.
    const ALONE: &str = "NIXPLAN_TEST_FORK_ALONE";

    /// Forking from a process that runs other tests' threads could find
    /// a lock (stderr's, the allocator's) held in the child, so the forks
    /// are made by `evaluate_in_a_single_threaded_process` alone, in a test
    /// process of its own, within two minutes.
    #[test]
    fn nodes_are_evaluated_in_processes_of_their_own() {
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "nodes::tests::evaluate_in_a_single_threaded_process",
                "--ignored",
                "--test-threads=1",
                "--nocapture",
            ])
            .env(ALONE, "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let start = std::time::Instant::now();
        while child.try_wait().unwrap().is_none() {
            if start.elapsed() > std::time::Duration::from_secs(120) {
                let _ = child.kill();
                panic!("the forking test did not end in two minutes");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let out = child.wait_with_output().unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "{stdout}\n{stderr}"
        );
        // One at a time, a node's child says what it says itself, as it
        // goes.
        assert!(
            stderr.contains("one job: node 0\none job: node 1\n"),
            "{stderr}"
        );
    }

    #[test]
    #[ignore = "forks: run alone by nodes_are_evaluated_in_processes_of_their_own"]
    fn evaluate_in_a_single_threaded_process() {
        if std::env::var_os(ALONE).is_none() {
            eprintln!("skipped: forks only in a test process of its own ({ALONE})");
            return;
        }
        let me = std::process::id();
        let gave = |e: &Ended<_>| match e {
            Ended::Gave(o) => o.plan.is_ok(),
            _ => false,
        };
        // Each node in a child of its own, its result sent back; what a
        // node says is held back and given with it when several run at
        // once.
        let ended = evaluate(4, 2, |i| {
            crate::say!("node {i} says");
            Ok((i, std::process::id()))
        });
        let mut pids = Vec::new();
        for (i, e) in ended.iter().enumerate() {
            let Ended::Gave(o) = e else {
                panic!("node {i} not evaluated")
            };
            let (n, pid) = o.plan.expect("no failure");
            assert_eq!(n, i);
            assert_ne!(pid, me);
            assert_eq!(o.said, format!("node {i} says\n"));
            pids.push(pid);
        }
        pids.sort();
        pids.dedup();
        assert_eq!(pids.len(), 4);

        // One at a time, a node says what it says itself (the outer test
        // reads it).
        let one = evaluate(2, 1, |i| {
            crate::say!("one job: node {i}");
            Ok(i)
        });
        assert!(one
            .iter()
            .all(|e| matches!(e, Ended::Gave(o) if o.said.is_empty() && o.plan.is_ok())));

        // A failure: no node after it is started.
        let failed = evaluate(5, 1, |i| if i == 2 { Err(()) } else { Ok(i) });
        assert!(failed[..2].iter().all(gave));
        assert!(matches!(&failed[2], Ended::Gave(o) if o.plan.is_err()));
        assert!(failed[3..].iter().all(|e| matches!(e, Ended::NotStarted)));
        // With several at once, those before it are all given.
        let failed = evaluate(5, 2, |i| if i == 2 { Err(()) } else { Ok(i) });
        assert!(failed[..2].iter().all(gave));
        assert!(matches!(&failed[2], Ended::Gave(o) if o.plan.is_err()));

        // A node whose child dies gives how, and ends the run as a
        // failure does.
        let died = evaluate(3, 1, |i| {
            if i == 1 {
                panic!("node 1 dies");
            }
            Ok(i)
        });
        assert!(gave(&died[0]));
        assert!(matches!(&died[1], Ended::Died(how) if how == "it panicked"));
        assert!(matches!(&died[2], Ended::NotStarted));
        let killed = evaluate(1, 1, |_| -> Result<(), ()> {
            // SAFETY: the child ends itself with a signal.
            unsafe { libc::raise(libc::SIGKILL) };
            Ok(())
        });
        assert!(
            matches!(&killed[0], Ended::Died(how) if how == "its process was killed by signal 9")
        );
    }
}
