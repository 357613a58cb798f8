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
//! Up to `jobs` children run at once; the parent (one thread: nothing
//! else runs while it forks) waits for them and reads each one's outcome
//! from a file it opened for it before the fork. With one job a child
//! says what it says as it goes (its standard error is the parent's);
//! with several, each holds its words back and the parent prints them in
//! the nodes' order. Where a fork fails, the node is evaluated in this
//! process instead. As one after the other would: no node after one that
//! failed is started.

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

/// Nodes `0..n`, each by `work` in a child process, up to `jobs` at once:
/// each one's outcome in order, `None` for one whose child ended without
/// one (it crashed) or that was not started (a node before it failed).
pub fn evaluate<T: Serialize + DeserializeOwned>(
    n: usize,
    jobs: usize,
    work: impl Fn(usize) -> Result<T, ()>,
) -> Vec<Option<Outcome<T>>> {
    let jobs = jobs.clamp(1, n.max(1));
    let hold = jobs > 1;
    let mut outcomes: Vec<Option<Outcome<T>>> = (0..n).map(|_| None).collect();
    // The first node (in order) that failed.
    let mut failed = usize::MAX;
    let mut running: Vec<(libc::pid_t, usize, std::fs::File)> = Vec::new();
    let mut next = 0;
    loop {
        while running.len() < jobs && next < n && next <= failed {
            let i = next;
            next += 1;
            match fork_node(|| outcome_of(|| work(i), hold)) {
                Some((pid, file)) => running.push((pid, i, file)),
                // No child: evaluated here.
                None => {
                    let outcome = outcome_of(|| work(i), hold);
                    if outcome.plan.is_err() {
                        failed = failed.min(i);
                    }
                    outcomes[i] = Some(outcome);
                }
            }
        }
        let Some(pid) = wait_any(&running) else {
            break;
        };
        let Some(at) = running.iter().position(|(p, _, _)| *p == pid) else {
            continue;
        };
        let (_, i, mut file) = running.swap_remove(at);
        let outcome = file.rewind().ok().and_then(|()| {
            serde_json::from_reader::<_, Outcome<T>>(std::io::BufReader::new(file)).ok()
        });
        if outcome.as_ref().is_none_or(|o| o.plan.is_err()) {
            failed = failed.min(i);
        }
        outcomes[i] = outcome;
    }
    outcomes
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
/// keeps (opened here, unnamed), then ends; its id and the file. `None`
/// where no child could be made.
fn fork_node<T: Serialize>(
    work: impl FnOnce() -> Outcome<T>,
) -> Option<(libc::pid_t, std::fs::File)> {
    let file = tempfile::tempfile().ok()?;
    // What is buffered is written once, by the parent.
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // SAFETY: the process runs one thread here (the evaluation's; the
    // main thread only waits for it to end, holding nothing), so the
    // child's one thread finds no lock held by a thread it does not have.
    match unsafe { libc::fork() } {
        -1 => None,
        0 => {
            // The child: its profiles go back to the parent, and ^C ends
            // it (as a nix evaluating would end).
            // SAFETY: setting a signal's disposition to its default.
            unsafe { libc::signal(libc::SIGINT, libc::SIG_DFL) };
            crate::eval_cmd::hold_profiles();
            let mut file = file;
            let written = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
                .ok()
                .and_then(|outcome| {
                    let mut out = std::io::BufWriter::new(&mut file);
                    serde_json::to_writer(&mut out, &outcome).ok()?;
                    out.flush().ok()
                });
            let _ = std::io::stderr().flush();
            // Ended at once: nothing of the parent's (its buffers, its
            // exit handlers) runs twice.
            // SAFETY: ends this process.
            unsafe { libc::_exit(if written.is_some() { 0 } else { 101 }) }
        }
        pid => Some((pid, file)),
    }
}

/// Waits for one of the children `running` to end: its id, `None` when
/// none is left.
fn wait_any(running: &[(libc::pid_t, usize, std::fs::File)]) -> Option<libc::pid_t> {
    if running.is_empty() {
        return None;
    }
    loop {
        let mut status = 0;
        // SAFETY: waits for any child of this process, writing its status.
        let pid = unsafe { libc::waitpid(-1, &mut status, 0) };
        if pid > 0 {
            return Some(pid);
        }
        if std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            // No child left to wait for (ECHILD): those still listed are
            // gone without an outcome.
            return running.first().map(|(p, _, _)| *p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `evaluate_in_a_single_threaded_process` needs: forking from a
    /// process that runs other tests' threads could find an allocator's
    /// lock held in the child, so the forks are made by that test alone,
    /// run in a test process of its own.
    #[test]
    fn nodes_are_evaluated_in_processes_of_their_own() {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "nodes::tests::evaluate_in_a_single_threaded_process",
                "--ignored",
                "--test-threads=1",
                "--nocapture",
            ])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    #[test]
    #[ignore = "forks: run alone by nodes_are_evaluated_in_processes_of_their_own"]
    fn evaluate_in_a_single_threaded_process() {
        let me = std::process::id();
        // Each node in a child of its own, its result sent back; what a
        // node says is held back and given with it when several run at
        // once.
        let outcomes = evaluate(4, 2, |i| {
            crate::say!("node {i} says");
            Ok((i, std::process::id()))
        });
        let mut pids = Vec::new();
        for (i, o) in outcomes.iter().enumerate() {
            let o = o.as_ref().expect("every node evaluated");
            let (n, pid) = o.plan.expect("no failure");
            assert_eq!(n, i);
            assert_ne!(pid, me);
            assert_eq!(o.said, format!("node {i} says\n"));
            pids.push(pid);
        }
        pids.sort();
        pids.dedup();
        assert_eq!(pids.len(), 4);

        // One at a time, a node says what it says itself.
        let one = evaluate(2, 1, |i| {
            crate::say!("node {i} says");
            Ok(i)
        });
        assert!(one
            .iter()
            .all(|o| o.as_ref().is_some_and(|o| o.said.is_empty())));

        // A failure: no node after it is started (those running finish).
        let failed = evaluate(6, 2, |i| if i == 2 { Err(()) } else { Ok(i) });
        assert!(failed[2].as_ref().is_some_and(|o| o.plan.is_err()));
        assert!(failed[..2]
            .iter()
            .all(|o| o.as_ref().is_some_and(|o| o.plan.is_ok())));
        assert!(failed[4..].iter().all(Option::is_none));

        // A node whose child dies leaves no outcome, and ends the run as
        // a failure does.
        let died = evaluate(3, 1, |i| {
            if i == 1 {
                panic!("node 1 dies");
            }
            Ok(i)
        });
        assert!(died[0].is_some() && died[1].is_none() && died[2].is_none());
    }
}
