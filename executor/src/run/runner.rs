//! The run loop: each selected action in order, blocked when a dependency failed, skipped when its condition does not hold or its check passes, otherwise run with exactly its command, environment and stdin, and journaled before and after.

use super::*;

/// The command an action runs, as a reader would type it.
pub fn shown(action: &Action) -> String {
    let inv = Invocation {
        program: program(action).unwrap_or(Program::Argv(Vec::new())),
        env: action.env.clone(),
        stdin: None,
        timeout: Duration::ZERO,
    };
    let argv = env_argv(&inv, None);
    let n = argv.len();
    match &inv.program {
        Program::Script(s) => {
            let head: Vec<String> = argv[..n - 1].iter().map(|w| sh_quote(w)).collect();
            format!(
                "{} '\n{}'",
                head.join(" "),
                s.trim_end().replace('\'', "'\\''")
            )
        }
        Program::Argv(_) => argv
            .iter()
            .map(|w| sh_quote(w))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

pub(super) fn program(action: &Action) -> Option<Program> {
    match (&action.argv, &action.script) {
        (Some(a), _) if !a.is_empty() => Some(Program::Argv(a.clone())),
        (_, Some(s)) => Some(Program::Script(s.clone())),
        _ => None,
    }
}

pub(super) fn reads_secret_from_stdin(action: &Action) -> bool {
    let dash = |w: &str| w == "--key-file=-" || w == "--key-file=/dev/stdin";
    match (&action.argv, &action.script) {
        (Some(a), _) => a.iter().any(|w| dash(w)),
        (_, Some(s)) => s.split_whitespace().any(dash),
        _ => false,
    }
}

pub(super) struct Runner<'r> {
    pub(super) target: &'r mut dyn Transport,
    pub(super) local: &'r mut dyn Transport,
    pub(super) opts: &'r ApplyOptions,
    pub(super) journal: Journal,
    pub(super) facts: Value,
    pub(super) values: BTreeMap<String, String>,
    /// The first journal write that failed: the run stops after the
    /// action that hit it (a resume could not trust what it says).
    pub(super) journal_error: Option<String>,
    /// The locks of the disks the plan wipes (see `disklock.rs`).
    pub(super) disk_locks: DiskLocks,
    /// The actions without a check: a resume trusts their journal record,
    /// so it is synced.
    pub(super) unchecked: BTreeSet<String>,
}

impl Runner<'_> {
    pub(super) fn transport(&self, action: &Action) -> &dyn Transport {
        if action.runs_on == RunsOn::Local {
            &*self.local
        } else {
            &*self.target
        }
    }

    pub(super) fn record(
        &mut self,
        action: &str,
        status: Status,
        fin: Option<&Finished>,
        value: Option<String>,
    ) {
        let r = Record {
            run: String::new(),
            action: action.to_string(),
            status,
            at: now(),
            seconds: fin.map(|f| f.elapsed.as_secs_f64()),
            exit_code: fin.and_then(|f| f.code),
            output_sha256: fin.map(|f| {
                let mut all = f.stdout.clone();
                all.extend_from_slice(&f.stderr);
                sha256_hex(&all)
            }),
            value,
        };
        // A journal that cannot be written is reported, not ignored: the
        // run stops before the next action (see the loop in `apply`).
        let durable = status.completed() && self.unchecked.contains(action);
        if let Err(e) = self.journal.record(r, durable) {
            self.journal.log(&format!("JOURNAL ERROR: {e}\n"));
            self.journal_error.get_or_insert(e);
        }
    }

    pub(super) fn env_of(&self, action: &Action) -> Result<BTreeMap<String, String>, String> {
        let mut env = action.env.clone();
        for (k, v) in env.iter_mut() {
            if v == SSH_OPTIONS || v == SSH_TARGET {
                let filled = if v == SSH_OPTIONS {
                    self.target.ssh_options().map(|o| o.join(" "))
                } else {
                    self.target.login()
                };
                *v = filled.ok_or_else(|| {
                    format!(
                        "{k} needs an SSH target, and this is {}",
                        self.target.describe()
                    )
                })?;
                continue;
            }
            if v == ESCALATION {
                *v = match self.target.escalation() {
                    // The password goes to commands the executor runs on
                    // the target only: local actions reach it as the login.
                    Some(Escalation::SudoWithPassword) => String::new(),
                    Some(e) => e
                        .words()
                        .iter()
                        .map(|w| crate::transport::sh_quote(w))
                        .collect::<Vec<_>>()
                        .join(" "),
                    None => String::new(),
                };
                continue;
            }
            if let Some(from) = v.strip_prefix('@') {
                match self.values.get(from) {
                    Some(val) => *v = val.clone(),
                    None => {
                        return Err(format!(
                            "{k} comes from what {from} printed, and no run recorded it"
                        ))
                    }
                }
            }
        }
        Ok(env)
    }

    pub(super) fn check_passes(&mut self, action: &Action) -> Result<bool, String> {
        let Some(check) = &action.check else {
            return Ok(false);
        };
        let inv = Invocation {
            program: Program::Argv(check.clone()),
            env: self.env_of(action)?,
            stdin: None,
            timeout: Duration::from_secs(120),
        };
        let fin = self.transport(action).run(&inv)?;
        self.journal.log(&format!(
            "== check of {}: {} -> {}\n",
            action.id,
            check.join(" "),
            fin.describe()
        ));
        Ok(fin.success())
    }

    pub(super) fn execute(&mut self, action: &Action, obs: &mut dyn Observer) -> Outcome {
        if action.kind == Kind::Approval && !self.opts.dry_run {
            let question = format!("{}: {}?", action.id, action.reason);
            let agreed = self.opts.yes || obs.confirm(&question);
            if !agreed {
                return self.fail(action, "not approved".into(), String::new(), None);
            }
        }
        let Some(program) = program(action) else {
            // A barrier: it only orders other actions.
            self.record(&action.id, Status::Done, None, None);
            return Outcome::Done;
        };
        let env = match self.env_of(action) {
            Ok(e) => e,
            Err(e) => return self.fail(action, e, String::new(), None),
        };
        // Nothing is destroyed on a disk another run holds.
        if action.kind.destroys_data()
            && action.kind != Kind::Kexec
            && action.runs_on != RunsOn::Local
        {
            if let Err(e) = self.lock_disks() {
                return self.fail(action, e, String::new(), None);
            }
        }
        let stdin = if let Some(source) = &action.stdin {
            let given = self.opts.stdin_values.get(source).cloned();
            match given.map(Ok).unwrap_or_else(|| stdin_of(source)) {
                Ok(data) => Some(data),
                Err(e) => return self.fail(action, e, String::new(), None),
            }
        } else if reads_secret_from_stdin(action) {
            match &self.opts.passphrase {
                Some(p) => Some(p.clone()),
                None => {
                    return self.fail(
                        action,
                        "it reads a passphrase on stdin and none was given".into(),
                        String::new(),
                        None,
                    )
                }
            }
        } else {
            None
        };
        let inv = Invocation {
            program,
            env,
            stdin,
            timeout: self.opts.timeout,
        };
        self.record(&action.id, Status::Started, None, None);
        // Nothing runs that the journal could not note: a resume must
        // know what may have happened.
        if let Some(e) = &self.journal_error {
            let e = e.clone();
            return self.fail(
                action,
                format!("not run: the journal cannot be written ({e})"),
                String::new(),
                None,
            );
        }
        self.journal.log(&format!(
            "== {} on {}\n{}\n",
            action.id,
            self.transport(action).describe(),
            shown(action)
        ));
        let ran = if action.kind == Kind::Confirm {
            self.transport(action).run_fresh(&inv)
        } else {
            self.transport(action).run(&inv)
        };
        let fin = match ran {
            Ok(f) => f,
            Err(e) => return self.fail(action, e, String::new(), None),
        };
        self.journal.log(&format!(
            "-- stdout\n{}-- stderr\n{}-- {} in {:.1?}\n",
            String::from_utf8_lossy(&fin.stdout),
            String::from_utf8_lossy(&fin.stderr),
            fin.describe(),
            fin.elapsed
        ));
        // kexec and reboot end the SSH session under the command: ssh's
        // 255 (connection lost) is what success looks like there.
        let dropped = !self.target.is_this_machine()
            && action.runs_on != RunsOn::Local
            && action.kind.ends_the_system()
            && fin.code == Some(255);
        if !fin.success() && !dropped {
            let status = fin.describe();
            return self.fail(action, status, fin.tail(20), Some(&fin));
        }
        if action.kind == Kind::Preview {
            obs.event(Event::Output {
                action,
                text: String::from_utf8_lossy(&fin.stdout).into_owned(),
            });
        }
        // A value later actions take (the built system's store path, the
        // watchdog's directory, what a check read on the target).
        let value = if matches!(
            action.kind,
            Kind::Build | Kind::Watchdog | Kind::Precondition
        ) {
            String::from_utf8_lossy(&fin.stdout)
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .map(|l| l.trim().to_string())
        } else {
            None
        };
        if let Some(v) = &value {
            self.values.insert(action.id.clone(), v.clone());
        }
        self.record(&action.id, Status::Done, Some(&fin), value);
        Outcome::Done
    }

    /// A failure after `action` did its work: journaled as `what`, so the
    /// action's own record still says it is done.
    pub(super) fn fail_as(&mut self, action: &Action, what: &str, status: String) -> Outcome {
        self.failure(action, what, status, String::new(), None)
    }

    pub(super) fn fail(
        &mut self,
        action: &Action,
        status: String,
        tail: String,
        fin: Option<&Finished>,
    ) -> Outcome {
        self.failure(action, &action.id, status, tail, fin)
    }

    pub(super) fn failure(
        &mut self,
        action: &Action,
        journaled_as: &str,
        status: String,
        tail: String,
        fin: Option<&Finished>,
    ) -> Outcome {
        self.record(journaled_as, Status::Failed, fin, None);
        self.journal
            .log(&format!("== {journaled_as} FAILED: {status}\n"));
        Outcome::Failed(Failure {
            action: action.id.clone(),
            command: shown(action),
            status,
            tail,
        })
    }

    /// After kexec: the target comes back as the installer with a new host
    /// key; wait for SSH, then learn the facts again.
    pub(super) fn reconnect(&mut self) -> Result<(), String> {
        // Locks taken on the old system are gone with it: take them again
        // on the installer.
        if let DiskLocks::Held { disks, .. } = &self.disk_locks {
            self.disk_locks = DiskLocks::Pending(disks.clone());
        }
        self.target.after_kexec(true)?;
        let deadline = std::time::Instant::now() + self.opts.reconnect_timeout;
        // The old system may still answer for a moment.
        std::thread::sleep(Duration::from_secs(5).min(self.opts.reconnect_timeout / 4));
        loop {
            let probe = Invocation {
                program: Program::Argv(vec!["true".into()]),
                env: BTreeMap::new(),
                stdin: None,
                timeout: Duration::from_secs(30),
            };
            if matches!(self.target.run(&probe), Ok(f) if f.success()) {
                break;
            }
            if std::time::Instant::now() > deadline {
                return Err(format!(
                    "{} did not come back over SSH within {:?} after kexec",
                    self.target.describe(),
                    self.opts.reconnect_timeout
                ));
            }
            std::thread::sleep(Duration::from_secs(5).min(self.opts.reconnect_timeout / 4));
        }
        let facts = gather_facts(self.target)?;
        if !is_installer(&facts) {
            return Err("after kexec the target does not report a NixOS installer".into());
        }
        // The installer's login is root: no escalation command.
        let tool = escalation(&facts, self.target, None)?;
        self.target.escalate_with(tool);
        self.facts = facts;
        Ok(())
    }

    /// After kexec: the disks to wipe must now be free (nothing mounted).
    pub(super) fn disks_free(
        &self,
        plan: &Plan,
        selected: &[&Action],
        todo: &BTreeSet<String>,
    ) -> Result<(), String> {
        let problems = disk_problems(plan, selected, &self.facts, todo, true);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "after kexec, refusing to go on:\n  {}",
                problems.join("\n  ")
            ))
        }
    }
}

/// Where a run stands: the plan, what it looks at, what is left to do.
pub(super) struct Scope<'p> {
    pub(super) plan: &'p Plan,
    pub(super) selected: &'p [&'p Action],
    pub(super) todo: &'p BTreeSet<String>,
}

pub(super) fn step(
    runner: &mut Runner<'_>,
    a: &Action,
    earlier: &BTreeMap<String, Record>,
    broken: &BTreeMap<String, String>,
    scope: &Scope<'_>,
    obs: &mut dyn Observer,
) -> Outcome {
    if let Some(by) = a.deps.iter().find_map(|d| broken.get(d)) {
        runner.record(&a.id, Status::Blocked, None, None);
        return Outcome::Blocked { by: by.clone() };
    }
    let this_machine = runner.target.is_this_machine();
    if let Some(c) = a.condition {
        if !c.holds(&runner.facts, this_machine) {
            runner.record(&a.id, Status::NotNeeded, None, None);
            return Outcome::NotNeeded {
                why: format!("only {c}"),
            };
        }
    }
    if a.kind == Kind::Facts {
        // Gathered before anything ran (the guards needed them).
        runner.record(&a.id, Status::Done, None, None);
        return Outcome::Done;
    }
    let done_before = earlier.get(&a.id);
    match runner.check_passes(a) {
        Ok(true) => {
            runner.record(&a.id, Status::AlreadyDone, None, None);
            return Outcome::AlreadyDone {
                why: match done_before {
                    Some(r) => format!("done in run {}, and its check still passes", r.run),
                    None => "its check passes: already there".into(),
                },
            };
        }
        Ok(false) => {}
        Err(e) => {
            return runner.fail(
                a,
                format!("its check could not run: {e}"),
                String::new(),
                None,
            )
        }
    }
    if let Some(r) = done_before {
        // What streams a file is cheap and idempotent to run again, and
        // its effect may be gone (a secret in /tmp after a reboot).
        if a.check.is_none() && a.stdin.is_none() {
            runner.record(&a.id, Status::AlreadyDone, None, r.value.clone());
            return Outcome::AlreadyDone {
                why: format!(
                    "done in run {} (no check can tell: the journal is trusted)",
                    r.run
                ),
            };
        }
        // Done before, but its effect is gone (a reboot closed mappings,
        // unmounted filesystems): run it again.
    }
    let outcome = runner.execute(a, obs);
    if outcome == Outcome::Done && a.kind == Kind::Reboot {
        // A deploy goes on after its reboot (it waits for the target to
        // come back): the multiplexed connection died with the system.
        runner.target.forget_connection();
    }
    if outcome == Outcome::Done && a.kind == Kind::Kexec {
        if let Err(e) = runner
            .reconnect()
            .and_then(|_| runner.disks_free(scope.plan, scope.selected, scope.todo))
        {
            // The kexec itself happened (its record stays the last word on
            // it, so a resume knows the target is the installer now); what
            // failed after it is journaled under its own name.
            return runner.fail_as(a, &format!("{}/reconnect", a.id), e);
        }
    }
    outcome
}

/// Runs every selected action in order until the end, an interruption or a
/// journal that cannot be written.
pub(super) fn run_all(
    mut runner: Runner<'_>,
    scope: &Scope<'_>,
    earlier: &BTreeMap<String, Record>,
    counts: Vec<(Phase, usize)>,
    obs: &mut dyn Observer,
) -> Report {
    let log = runner.journal.log_path();
    let journal_dir = runner.journal.dir().to_path_buf();
    obs.event(Event::Start {
        phases: counts,
        log: Some(log.clone()),
    });
    let mut outcomes: Vec<(String, Outcome)> = Vec::new();
    let mut broken: BTreeMap<String, String> = BTreeMap::new();
    let mut interrupted = false;
    for a in scope.selected {
        if !obs.keep_going() {
            interrupted = true;
            break;
        }
        obs.event(Event::Begin { action: a });
        let outcome = step(&mut runner, a, earlier, &broken, scope, obs);
        match &outcome {
            Outcome::Failed(_) => {
                broken.insert(a.id.clone(), a.id.clone());
            }
            Outcome::Blocked { by } => {
                broken.insert(a.id.clone(), by.clone());
            }
            _ => {}
        }
        obs.event(Event::End {
            action: a,
            outcome: &outcome,
        });
        outcomes.push((a.id.clone(), outcome));
        if let Some(e) = &runner.journal_error {
            obs.event(Event::Note(format!(
                "stopped: the journal cannot be written ({e})"
            )));
            interrupted = true;
            break;
        }
    }
    runner.target.hold_while_running(None);
    runner.local.hold_while_running(None);
    runner.target.hold_remote_lock(None);
    Report {
        outcomes,
        interrupted,
        journal_dir: Some(journal_dir),
        log: Some(log),
        facts: Some(runner.facts.clone()),
    }
}

/// What an action's `stdin` names, read here: `file:PATH` (a file on this
/// machine) or `command:["ARGV", ...]` (what a command run here prints, a
/// deployment key's `keyCommand`). Secrets: neither is in the plan.
pub(super) fn stdin_of(source: &str) -> Result<Vec<u8>, String> {
    if let Some(path) = source.strip_prefix("file:") {
        return std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"));
    }
    if let Some(json) = source.strip_prefix("command:") {
        let argv: Vec<String> = serde_json::from_str(json)
            .map_err(|e| format!("stdin {source:?} is not a command: {e}"))?;
        let Some((program, args)) = argv.split_first() else {
            return Err(format!("stdin {source:?} names an empty command"));
        };
        let out = std::process::Command::new(program)
            .args(args)
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::inherit())
            .output()
            .map_err(|e| format!("cannot run {program}: {e}"))?;
        if !out.status.success() {
            return Err(format!("`{}` failed ({})", argv.join(" "), out.status));
        }
        return Ok(out.stdout);
    }
    if source.starts_with("key-text:") {
        return Err(format!(
            "{source}: the key's text was not read from the configuration (apply evaluates it again)"
        ));
    }
    Err(format!("unknown stdin source {source:?}"))
}
