//! Running a plan: refuse what is unsafe or stale before anything runs,
//! gather the target's facts, then run each selected action in the plan's
//! order with exactly its command and environment, journaling before and
//! after each. A failed action blocks everything that depends on it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use nixplan_plan::facts::{is_installer, kexec_blocker, FACTS_SCRIPT};
use nixplan_plan::placeholder::{ESCALATION, SSH_OPTIONS, SSH_TARGET};
use nixplan_plan::{sha256_hex, Action, Kind, Phase, PhaseSelection, Plan, RunsOn};
use serde_json::Value;

use crate::facts;
use crate::journal::{now, Journal, Record, Status};
use crate::transport::{env_argv, sh_quote, Finished, Invocation, Program, Transport};

/// How to run a plan.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// Print every command that would run; run nothing.
    pub dry_run: bool,
    /// Continue a run that stopped, re-running completed actions' checks.
    pub resume: bool,
    /// The user agreed to the destructive actions beforehand (`--yes`).
    pub yes: bool,
    /// The phases this run keeps.
    pub phases: PhaseSelection,
    /// Where journals and logs are kept.
    pub state_dir: PathBuf,
    /// The longest any one action may run.
    pub timeout: Duration,
    /// Streamed on stdin to the actions that read a key from `-`.
    pub passphrase: Option<Vec<u8>>,
    /// The directory the plan's source files are relative to, when they
    /// are at hand: a changed file makes the plan stale.
    pub source_root: Option<PathBuf>,
    /// How long to wait for SSH to come back after kexec.
    pub reconnect_timeout: Duration,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            dry_run: false,
            resume: false,
            yes: false,
            phases: PhaseSelection::default(),
            state_dir: PathBuf::from("/var/lib/nixplan"),
            timeout: Duration::from_secs(2 * 3600),
            passphrase: None,
            source_root: None,
            reconnect_timeout: Duration::from_secs(600),
        }
    }
}

/// What became of an action in this run.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Done,
    /// Its check passed: the effect was already there.
    AlreadyDone {
        why: String,
    },
    NotNeeded {
        why: String,
    },
    Failed(Failure),
    Blocked {
        by: String,
    },
    /// Dry run: what would run.
    WouldRun {
        command: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub action: String,
    pub command: String,
    pub status: String,
    pub tail: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} failed ({}):\n  {}\n{}",
            self.action,
            self.status,
            self.command.replace('\n', "\n  "),
            self.tail
                .lines()
                .map(|l| format!("  | {l}\n"))
                .collect::<String>()
        )
    }
}

/// What the executor tells whoever watches it.
#[derive(Debug)]
pub enum Event<'a> {
    /// The run starts: how many actions of each phase it will look at.
    Start {
        phases: Vec<(Phase, usize)>,
        log: Option<PathBuf>,
    },
    Note(String),
    Begin {
        action: &'a Action,
    },
    End {
        action: &'a Action,
        outcome: &'a Outcome,
    },
}

/// The one watching a run: shows progress, answers questions.
pub trait Observer {
    fn event(&mut self, event: Event<'_>);
    /// Whether to go ahead with the destructive actions `question` lists.
    fn confirm(&mut self, question: &str) -> bool;
    /// Asked before each action: `false` stops the run there (an
    /// interruption; `--resume` continues).
    fn keep_going(&mut self) -> bool {
        true
    }
}

/// How the run ended.
#[derive(Debug)]
pub struct Report {
    pub outcomes: Vec<(String, Outcome)>,
    pub interrupted: bool,
    pub journal_dir: Option<PathBuf>,
    pub log: Option<PathBuf>,
    pub facts: Option<Value>,
}

impl Report {
    pub fn failures(&self) -> Vec<&Failure> {
        self.outcomes
            .iter()
            .filter_map(|(_, o)| match o {
                Outcome::Failed(f) => Some(f),
                _ => None,
            })
            .collect()
    }

    pub fn succeeded(&self) -> bool {
        !self.interrupted
            && self
                .outcomes
                .iter()
                .all(|(_, o)| !matches!(o, Outcome::Failed(_) | Outcome::Blocked { .. }))
    }
}

/// Why a plan was not run at all.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal(pub String);

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn refuse<T>(msg: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal(msg.into()))
}

/// The actions a run looks at: the selected phases, up to `stop_after`.
pub fn select<'p>(plan: &'p Plan, opts: &ApplyOptions) -> Vec<&'p Action> {
    plan.actions
        .iter()
        .filter(|a| opts.phases.includes(a.phase))
        .collect()
}

/// Whether an action's condition holds for these facts (no condition: it
/// always runs).
fn holds(a: &Action, facts: &Value, this_machine: bool) -> bool {
    a.condition.is_none_or(|c| c.holds(facts, this_machine))
}

/// The bootstrap decision a set of facts leads to.
fn bootstrap_decision(facts: &Value) -> String {
    if is_installer(facts) {
        "a NixOS installer (no bootstrap)".into()
    } else {
        match kexec_blocker(facts) {
            Some(why) => format!("the live-system mode ({why})"),
            None => "kexec".into(),
        }
    }
}

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

fn program(action: &Action) -> Option<Program> {
    match (&action.argv, &action.script) {
        (Some(a), _) if !a.is_empty() => Some(Program::Argv(a.clone())),
        (_, Some(s)) => Some(Program::Script(s.clone())),
        _ => None,
    }
}

fn reads_secret_from_stdin(action: &Action) -> bool {
    let dash = |w: &str| w == "--key-file=-" || w == "--key-file=/dev/stdin";
    match (&action.argv, &action.script) {
        (Some(a), _) => a.iter().any(|w| dash(w)),
        (_, Some(s)) => s.split_whitespace().any(dash),
        _ => false,
    }
}

/// Every disk a plan wipes: `(action id, device)`.
fn wiped_disks<'a>(actions: &[&'a Action]) -> Vec<(&'a str, String)> {
    actions
        .iter()
        .filter(|a| a.kind == Kind::Wipe)
        .filter_map(|a| {
            a.needs
                .iter()
                .find_map(|n| n.strip_prefix("device:"))
                .map(|d| (a.id.as_str(), d.to_string()))
        })
        .collect()
}

/// The plan's source files that changed since it was made.
fn stale_sources(plan: &Plan, root: &std::path::Path) -> Result<Vec<String>, Option<String>> {
    let mut changed = Vec::new();
    let mut present = 0;
    for f in &plan.source.files {
        let path = root.join(&f.path);
        match std::fs::read(&path) {
            Ok(data) => {
                present += 1;
                if sha256_hex(&data) != f.sha256 {
                    changed.push(format!("{} changed", f.path));
                }
            }
            Err(_) => changed.push(format!("{} is missing", f.path)),
        }
    }
    if present == 0 && !plan.source.files.is_empty() {
        return Err(Some(format!(
            "the plan's source files are not under {}: not checked for changes",
            root.display()
        )));
    }
    Ok(changed)
}

struct Runner<'r> {
    target: &'r mut dyn Transport,
    local: &'r mut dyn Transport,
    opts: &'r ApplyOptions,
    journal: Journal,
    facts: Value,
    values: BTreeMap<String, String>,
    /// The first journal write that failed: the run stops after the
    /// action that hit it (a resume could not trust what it says).
    journal_error: Option<String>,
    /// The actions without a check: a resume trusts their journal record,
    /// so it is synced.
    unchecked: BTreeSet<String>,
}

impl Runner<'_> {
    fn transport(&self, action: &Action) -> &dyn Transport {
        if action.runs_on == RunsOn::Local {
            &*self.local
        } else {
            &*self.target
        }
    }

    fn record(
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

    fn env_of(&self, action: &Action) -> Result<BTreeMap<String, String>, String> {
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
                    Some(tool) => format!("{tool} -n"),
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

    fn check_passes(&mut self, action: &Action) -> Result<bool, String> {
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

    fn execute(&mut self, action: &Action) -> Outcome {
        let Some(program) = program(action) else {
            // A barrier: it only orders other actions.
            self.record(&action.id, Status::Done, None, None);
            return Outcome::Done;
        };
        let env = match self.env_of(action) {
            Ok(e) => e,
            Err(e) => return self.fail(action, e, String::new(), None),
        };
        let stdin = if let Some(source) = &action.stdin {
            let Some(path) = source.strip_prefix("file:") else {
                return self.fail(
                    action,
                    format!("unknown stdin source {source:?}"),
                    String::new(),
                    None,
                );
            };
            match std::fs::read(path) {
                Ok(data) => Some(data),
                Err(e) => {
                    return self.fail(
                        action,
                        format!("cannot read {path}: {e}"),
                        String::new(),
                        None,
                    )
                }
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
        let fin = match self.transport(action).run(&inv) {
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
        // A value later actions take (the built system's store path).
        let value = if action.kind == Kind::Build {
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
    fn fail_as(&mut self, action: &Action, what: &str, status: String) -> Outcome {
        self.failure(action, what, status, String::new(), None)
    }

    fn fail(
        &mut self,
        action: &Action,
        status: String,
        tail: String,
        fin: Option<&Finished>,
    ) -> Outcome {
        self.failure(action, &action.id, status, tail, fin)
    }

    fn failure(
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
    fn reconnect(&mut self) -> Result<(), String> {
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
        let tool = escalation(&facts, self.target)?;
        self.target.escalate_with(tool);
        self.facts = facts;
        Ok(())
    }

    /// After kexec: the disks to wipe must now be free (nothing mounted).
    fn disks_free(
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

/// How a login runs commands as root: itself (uid 0), or `sudo -n` or
/// `doas -n`, whichever the facts say works without a password.
fn escalation(facts: &Value, target: &dyn Transport) -> Result<Option<String>, String> {
    if facts::get(facts, "uid") == Some("0") {
        Ok(None)
    } else if facts::get(facts, "sudo") == Some("1") {
        Ok(Some("sudo".to_string()))
    } else if facts::get(facts, "doas") == Some("1") {
        Ok(Some("doas".to_string()))
    } else {
        Err(format!(
            "{} logs in as uid {}, and neither sudo -n nor doas -n works there",
            target.describe(),
            facts::get(facts, "uid").unwrap_or("?")
        ))
    }
}

fn gather_facts(target: &dyn Transport) -> Result<Value, String> {
    let mut env = BTreeMap::new();
    env.insert(
        "PATH".to_string(),
        "/run/current-system/sw/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
            .to_string(),
    );
    env.insert("LC_ALL".into(), "C".into());
    let inv = Invocation {
        program: Program::Script(FACTS_SCRIPT.to_string()),
        env,
        stdin: None,
        timeout: Duration::from_secs(120),
    };
    let fin = target
        .run(&inv)
        .map_err(|e| format!("cannot reach {}: {e}", target.describe()))?;
    if !fin.success() {
        return Err(format!(
            "gathering facts on {} failed ({}):\n{}",
            target.describe(),
            fin.describe(),
            fin.tail(10)
        ));
    }
    facts::parse(&String::from_utf8_lossy(&fin.stdout))
}

/// Everything that must hold before the first action runs.
fn preflight(
    plan: &Plan,
    selected: &[&Action],
    facts: &Value,
    this_machine: bool,
    todo: &BTreeSet<String>,
    kexec_done: bool,
) -> Result<(), Refusal> {
    // The decision the plan was made with must still be the target's
    // (unless it was carried out: after the kexec the target is the
    // installer, which needs none).
    if let Some(planned) = plan.target.facts.as_ref().filter(|_| !kexec_done) {
        let (then, now) = (bootstrap_decision(planned), bootstrap_decision(facts));
        if then != now {
            return refuse(format!(
                "the plan was made for {then}, but the target now needs {now}: plan again"
            ));
        }
    }
    for a in selected {
        if let Some(c) = a.condition {
            if c.holds(facts, this_machine) && this_machine && a.kind.ends_the_system() {
                return refuse(format!(
                    "{} would {} the machine nixplan runs on, which nixplan never does: plan with --bootstrap live or none",
                    a.id, a.kind
                ));
            }
        }
    }
    // Tools the target lacks (as far as the facts list tools): refused
    // now, not halfway through.
    // (After a kexec the installer runs the rest, with its own tools.)
    let known = facts.get("tool").and_then(|t| t.as_object());
    let holds = |a: &Action| holds(a, facts, this_machine);
    let kexec_first = selected
        .iter()
        .any(|a| a.kind == Kind::Kexec && todo.contains(&a.id) && holds(a));
    let mut lacking: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for a in selected {
        let runs = todo.contains(&a.id)
            && (!kexec_first || matches!(a.phase, Phase::Facts | Phase::Bootstrap))
            && a.runs_on != RunsOn::Local
            && !matches!(a.kind, Kind::Precondition | Kind::Facts)
            && holds(a);
        if !runs {
            continue;
        }
        let mut words: Vec<&str> = Vec::new();
        for argv in [&a.argv, &a.check].into_iter().flatten() {
            words.extend(argv.first().map(String::as_str));
        }
        if let Some(script) = &a.script {
            words.extend(script.split(|c: char| c.is_whitespace() || ";|&()$`'\"".contains(c)));
        }
        for w in words {
            if known.and_then(|k| k.get(w)).and_then(|v| v.as_str()) == Some("0") {
                let users = lacking.entry(w.to_string()).or_default();
                if !users.contains(&a.id) {
                    users.push(a.id.clone());
                }
            }
        }
    }
    if !lacking.is_empty() {
        let list: Vec<String> = lacking
            .iter()
            .map(|(t, ids)| format!("{t} (for {})", ids.join(", ")))
            .collect();
        return refuse(format!(
            "the target lacks tools the plan needs: {}",
            list.join("; ")
        ));
    }
    let problems = disk_problems(plan, selected, facts, todo, !kexec_first);
    if problems.is_empty() {
        Ok(())
    } else {
        refuse(format!(
            "refusing to run the plan:\n  {}",
            problems.join("\n  ")
        ))
    }
}

/// What is wrong with the disks the plan wipes, on a target with these
/// facts: missing, changed since planning, or (with `mounts`) in use.
/// Before a kexec the running system may well live on them; the kexec'd
/// installer is asked again (`mounts` then).
fn disk_problems(
    plan: &Plan,
    selected: &[&Action],
    facts: &Value,
    todo: &BTreeSet<String>,
    mounts: bool,
) -> Vec<String> {
    let ours: BTreeSet<String> = plan
        .actions
        .iter()
        .flat_map(|a| a.produces.iter())
        .filter_map(|p| p.strip_prefix("mount:"))
        .map(str::to_string)
        .collect();
    let mut problems = Vec::new();
    for (id, dev) in wiped_disks(selected) {
        if !todo.contains(id) {
            continue;
        }
        let Some(disk) = facts::disk(facts, &dev) else {
            problems.push(format!(
                "{dev} is not a disk of the target (lsblk does not list {})",
                facts::resolve(facts, &dev)
            ));
            continue;
        };
        let mounted: Vec<(String, String)> = facts::mounts_on(&disk)
            .into_iter()
            .filter(|(_, m)| !ours.contains(m))
            .collect();
        if !mounts {
        } else if mounted.iter().any(|(_, m)| m == "/") {
            problems.push(format!(
                "{dev} holds the running system (/ is mounted from it)"
            ));
        } else if !mounted.is_empty() {
            let list: Vec<String> = mounted.iter().map(|(d, m)| format!("{d} on {m}")).collect();
            problems.push(format!("{dev} has mounted partitions: {}", list.join(", ")));
        }
        if let Some(then) = plan
            .target
            .facts
            .as_ref()
            .and_then(|f| facts::disk(f, &dev))
        {
            let (s0, s1) = (facts::serial(&then), facts::serial(&disk));
            if s0 != s1 {
                problems.push(format!(
                    "{dev}: the plan was made for serial {}, the target's is {}",
                    s0.unwrap_or_else(|| "(none)".into()),
                    s1.unwrap_or_else(|| "(none)".into())
                ));
            }
            let (z0, z1) = (facts::size(&then), facts::size(&disk));
            if z0 != z1 {
                problems.push(format!(
                    "{dev}: the plan was made for {} bytes, the disk now has {}",
                    z0.map(|z| z.to_string()).unwrap_or_else(|| "?".into()),
                    z1.map(|z| z.to_string()).unwrap_or_else(|| "?".into())
                ));
            }
        }
    }
    problems
}

/// Run a plan on `target` (and its `local` actions here).
pub fn apply(
    plan: &Plan,
    target: &mut dyn Transport,
    local: &mut dyn Transport,
    opts: &ApplyOptions,
    obs: &mut dyn Observer,
) -> Result<Report, Refusal> {
    let problems = nixplan_plan::verify::verify(plan);
    if !problems.is_empty() {
        return refuse(format!(
            "the plan does not verify:\n  {}",
            problems.join("\n  ")
        ));
    }
    if let Some(root) = &opts.source_root {
        match stale_sources(plan, root) {
            Ok(changed) if !changed.is_empty() => {
                return refuse(format!(
                    "the plan is stale: {}; plan again",
                    changed.join(", ")
                ))
            }
            Ok(_) => {}
            Err(Some(note)) => obs.event(Event::Note(note)),
            Err(None) => {}
        }
    }
    let selected = select(plan, opts);
    let mut counts: Vec<(Phase, usize)> = Vec::new();
    for a in &selected {
        match counts.last_mut() {
            Some((p, n)) if *p == a.phase => *n += 1,
            _ => counts.push((a.phase, 1)),
        }
    }

    if opts.dry_run {
        obs.event(Event::Start {
            phases: counts,
            log: None,
        });
        let mut outcomes = Vec::new();
        for a in &selected {
            obs.event(Event::Begin { action: a });
            let outcome = Outcome::WouldRun {
                command: match program(a) {
                    Some(_) => shown(a),
                    None => String::new(),
                },
            };
            obs.event(Event::End {
                action: a,
                outcome: &outcome,
            });
            outcomes.push((a.id.clone(), outcome));
        }
        return Ok(Report {
            outcomes,
            interrupted: false,
            journal_dir: None,
            log: None,
            facts: None,
        });
    }

    let journal = Journal::open(&opts.state_dir, &plan.hash).map_err(Refusal)?;
    let earlier = journal.completed_earlier();
    if !opts.resume && !earlier.is_empty() {
        return refuse(format!(
            "this plan was already run ({} actions completed, journal in {}): continue with --resume",
            earlier.len(),
            journal.dir().display()
        ));
    }
    // An earlier run kexec'd the target: it is the installer now, reached
    // as root with the host key that run accepted (a kexec lasts until the
    // next boot: if the target is not the installer any more, say so).
    let kexec_done = plan
        .actions
        .iter()
        .any(|a| a.kind == Kind::Kexec && earlier.contains_key(&a.id));
    let start_over = |why: String| {
        format!(
            "an earlier run kexec'd {} into the installer, and {why} (rebooted since?): the kexec has to run again; remove the journal ({}) and apply again, the checks skip what is on the disks already",
            plan.target.host.as_deref().unwrap_or("the target"),
            journal.dir().display()
        )
    };
    if kexec_done {
        target.after_kexec(false).map_err(Refusal)?;
    }
    let facts = match gather_facts(target) {
        Ok(f) => f,
        Err(e) if kexec_done => {
            return refuse(start_over(format!(
                "reaching it as the installer failed: {e}"
            )))
        }
        Err(e) => return refuse(e),
    };
    if kexec_done && !is_installer(&facts) {
        return refuse(start_over(
            "it does not report a NixOS installer now".into(),
        ));
    }
    let escalate = escalation(&facts, target).map_err(Refusal)?;
    target.escalate_with(escalate);
    let _ = std::fs::write(
        journal
            .dir()
            .join("runs")
            .join(format!("{}.facts.json", journal.run)),
        serde_json::to_string_pretty(&facts).unwrap_or_default(),
    );
    let this_machine = target.is_this_machine();
    let todo: BTreeSet<String> = selected
        .iter()
        .filter(|a| !earlier.contains_key(&a.id))
        .map(|a| a.id.clone())
        .collect();
    preflight(plan, &selected, &facts, this_machine, &todo, kexec_done)?;

    // Destructive actions the user has not agreed to yet.
    let destroying: Vec<&&Action> = selected
        .iter()
        .filter(|a| a.destructive && todo.contains(&a.id))
        .filter(|a| holds(a, &facts, this_machine))
        .collect();
    if !destroying.is_empty() && !opts.yes {
        let mut disks: Vec<String> = wiped_disks(&selected)
            .into_iter()
            .map(|(_, d)| {
                let disk = facts::disk(&facts, &d);
                let size = disk.as_ref().and_then(facts::size);
                let serial = disk.as_ref().and_then(facts::serial);
                format!(
                    "{d} ({}{})",
                    size.map(|s| format!("{:.1} GiB", s as f64 / (1u64 << 30) as f64))
                        .unwrap_or_else(|| "size unknown".into()),
                    serial
                        .filter(|s| !s.is_empty())
                        .map(|s| format!(", serial {s}"))
                        .unwrap_or_default()
                )
            })
            .collect();
        disks.dedup();
        let question = format!(
            "{} destructive actions on {}: erases {}. Go ahead?",
            destroying.len(),
            target.describe(),
            if disks.is_empty() {
                "data (see the plan)".to_string()
            } else {
                disks.join(", ")
            }
        );
        if !obs.confirm(&question) {
            return refuse("not confirmed: nothing was changed");
        }
    }

    let log = journal.log_path();
    let journal_dir = journal.dir().to_path_buf();
    let mut runner = Runner {
        target,
        local,
        opts,
        journal,
        facts,
        values: earlier
            .iter()
            .filter_map(|(id, r)| r.value.clone().map(|v| (id.clone(), v)))
            .collect(),
        journal_error: None,
        unchecked: plan
            .actions
            .iter()
            .filter(|a| a.check.is_none())
            .map(|a| a.id.clone())
            .collect(),
    };
    obs.event(Event::Start {
        phases: counts,
        log: Some(log.clone()),
    });
    let mut outcomes: Vec<(String, Outcome)> = Vec::new();
    let mut broken: BTreeMap<String, String> = BTreeMap::new();
    let mut interrupted = false;
    for a in &selected {
        if !obs.keep_going() {
            interrupted = true;
            break;
        }
        obs.event(Event::Begin { action: a });
        let scope = Scope {
            plan,
            selected: &selected,
            todo: &todo,
        };
        let outcome = step(&mut runner, a, &earlier, &broken, &scope);
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
    Ok(Report {
        outcomes,
        interrupted,
        journal_dir: Some(journal_dir),
        log: Some(log),
        facts: Some(runner.facts.clone()),
    })
}

/// Where a run stands: the plan, what it looks at, what is left to do.
struct Scope<'p> {
    plan: &'p Plan,
    selected: &'p [&'p Action],
    todo: &'p BTreeSet<String>,
}

fn step(
    runner: &mut Runner<'_>,
    a: &Action,
    earlier: &BTreeMap<String, Record>,
    broken: &BTreeMap<String, String>,
    scope: &Scope<'_>,
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
    let outcome = runner.execute(a);
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::rc::Rc;

    use nixplan_plan::shell::clean_env;

    /// A command the scripted machine ran: its text, stdin and environment.
    type Ran = (String, Option<Vec<u8>>, BTreeMap<String, String>);

    /// A machine that answers from a script: the facts it reports, which
    /// commands fail, and a record of everything it was asked to run.
    #[derive(Clone, Default)]
    struct Scripted {
        facts: String,
        failing: Vec<String>,
        ran: Rc<RefCell<Vec<Ran>>>,
        this_machine: bool,
        host_key_changed: Rc<RefCell<u32>>,
        /// What the facts say once the host key changed (after kexec).
        facts_after_kexec: Option<String>,
        /// Commands whose connection drops under them (ssh exits 255).
        dropping: Vec<String>,
        /// The SSH login, when it plays an SSH target (root after kexec).
        login: Rc<RefCell<Option<String>>>,
        /// Every escalation the executor asked for, in order.
        escalations: Rc<RefCell<Vec<Option<String>>>>,
    }

    fn text(p: &Program) -> String {
        match p {
            Program::Argv(a) => a.join(" "),
            Program::Script(s) => s.clone(),
        }
    }

    impl Transport for Scripted {
        fn run(&self, inv: &Invocation) -> Result<Finished, String> {
            let t = text(&inv.program);
            let is_facts = t == FACTS_SCRIPT;
            if !is_facts {
                self.ran
                    .borrow_mut()
                    .push((t.clone(), inv.stdin.clone(), inv.env.clone()));
            }
            let fails = self.failing.iter().any(|f| t.contains(f.as_str()));
            let drops = self.dropping.contains(&t);
            Ok(Finished {
                code: Some(if drops {
                    255
                } else if fails {
                    1
                } else {
                    0
                }),
                timed_out: false,
                stdout: if is_facts {
                    match (&self.facts_after_kexec, *self.host_key_changed.borrow()) {
                        (Some(f), n) if n > 0 => f.clone().into_bytes(),
                        _ => self.facts.clone().into_bytes(),
                    }
                } else if t.starts_with("nix build") {
                    b"/nix/store/abc-nixos-system\n".to_vec()
                } else {
                    Vec::new()
                },
                stderr: if fails {
                    b"boom\n".to_vec()
                } else {
                    Vec::new()
                },
                elapsed: Duration::from_millis(1),
            })
        }
        fn describe(&self) -> String {
            "scripted".into()
        }
        fn is_this_machine(&self) -> bool {
            self.this_machine
        }
        fn escalate_with(&mut self, tool: Option<String>) {
            self.escalations.borrow_mut().push(tool);
        }
        fn escalation(&self) -> Option<String> {
            self.escalations.borrow().last().cloned().flatten()
        }
        fn after_kexec(&mut self, _fresh: bool) -> Result<(), String> {
            *self.host_key_changed.borrow_mut() += 1;
            let mut login = self.login.borrow_mut();
            if let Some(l) = login.as_mut() {
                *l = format!("root@{}", l.rsplit_once('@').map_or(l.as_str(), |x| x.1));
            }
            Ok(())
        }
        fn login(&self) -> Option<String> {
            self.login.borrow().clone()
        }
    }

    struct Quiet(bool);
    impl Observer for Quiet {
        fn event(&mut self, _e: Event<'_>) {}
        fn confirm(&mut self, _q: &str) -> bool {
            self.0
        }
    }

    fn facts(extra: &str, mounts: &str) -> String {
        format!(
            "os_id=debian\nos_variant_id=\narch=x86_64\nuid=0\nsudo=0\ndoas=0\nsecure_boot=0\nlockdown=\nkexec_load_disabled=0\ncontainer=none\n{extra}disks={{\"blockdevices\":[{{\"path\":\"/dev/vdb\",\"size\":1000,\"serial\":\"S1\",\"mountpoints\":[null],\"children\":[{{\"path\":\"/dev/vdb1\",\"size\":10,\"serial\":null,\"mountpoints\":[{mounts}]}}]}}]}}\n"
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn action(
        id: &str,
        phase: &str,
        kind: &str,
        argv: Option<&[&str]>,
        script: Option<&str>,
        needs: &[&str],
        produces: &[&str],
        deps: &[&str],
    ) -> Action {
        Action {
            id: id.into(),
            phase: Phase::parse(phase).expect("a phase"),
            kind: serde_json::from_value(serde_json::Value::from(kind)).expect("a kind"),
            deps: deps.iter().map(|s| s.to_string()).collect(),
            argv: argv.map(|a| a.iter().map(|s| s.to_string()).collect()),
            script: script.map(str::to_string),
            env: clean_env(),
            stdin: None,
            runs_on: RunsOn::Target,
            destructive: false,
            check: None,
            condition: None,
            needs: needs.iter().map(|s| s.to_string()).collect(),
            produces: produces.iter().map(|s| s.to_string()).collect(),
            source: None,
            reason: String::new(),
        }
    }

    /// facts → ready → wipe /dev/vdb → luksFormat (passphrase on stdin)
    /// → mkfs; an unrelated step; build → install with NIXPLAN_SYSTEM.
    fn plan() -> Plan {
        let mut wipe = action(
            "disko/disk/main/wipe",
            "disko",
            "wipe",
            None,
            Some("wipefs --all /dev/vdb"),
            &["device:/dev/vdb", "bootstrap:ready"],
            &["wiped:/dev/vdb"],
            &["bootstrap/ready"],
        );
        wipe.destructive = true;
        let mut luks = action(
            "disko/luks",
            "disko",
            "luks-format",
            Some(&["cryptsetup", "luksFormat", "/dev/vdb", "--key-file=-"]),
            None,
            &["wiped:/dev/vdb"],
            &["luks:/dev/vdb"],
            &["disko/disk/main/wipe"],
        );
        luks.destructive = true;
        let mut mkfs = action(
            "disko/mkfs",
            "disko",
            "mkfs",
            Some(&["mkfs.ext4", "/dev/mapper/c"]),
            None,
            &["luks:/dev/vdb"],
            &["fs:/dev/mapper/c"],
            &["disko/luks"],
        );
        mkfs.destructive = true;
        let mut build = action(
            "install/build",
            "install",
            "build",
            Some(&["nix", "build", "x"]),
            None,
            &[],
            &["system:built"],
            &[],
        );
        build.runs_on = RunsOn::Local;
        let mut install = action(
            "install/nixos-install",
            "install",
            "nixos-install",
            None,
            Some("nixos-install --system \"$NIXPLAN_SYSTEM\""),
            &["system:built"],
            &["system:installed"],
            &["install/build"],
        );
        install
            .env
            .insert("NIXPLAN_SYSTEM".into(), "@install/build".into());
        let mut reboot = action(
            "reboot/reboot",
            "reboot",
            "reboot",
            Some(&["reboot"]),
            None,
            &["system:installed"],
            &[],
            &["install/nixos-install"],
        );
        reboot.condition = Some(nixplan_plan::Condition::NotThisMachine);
        Plan {
            format_version: 1,
            nixplan_version: "test".into(),
            target: nixplan_plan::PlanTarget {
                name: "t".into(),
                host: None,
                facts: None,
            },
            source: Default::default(),
            phases: Phase::ALL.to_vec(),
            actions: vec![
                action(
                    "facts/gather",
                    "facts",
                    "facts",
                    None,
                    Some(FACTS_SCRIPT),
                    &[],
                    &["facts"],
                    &[],
                ),
                action(
                    "bootstrap/ready",
                    "bootstrap",
                    "barrier",
                    None,
                    None,
                    &["facts"],
                    &["bootstrap:ready"],
                    &["facts/gather"],
                ),
                wipe,
                luks,
                mkfs,
                build,
                install,
                reboot,
            ],
            summary: Default::default(),
            hash: String::new(),
        }
        .seal()
    }

    /// The plan with kexec, for when the facts say it can work.
    fn with_kexec() -> Plan {
        let mut p = plan();
        let mut k = action(
            "bootstrap/kexec",
            "bootstrap",
            "kexec",
            None,
            Some("/root/kexec/run"),
            &["facts"],
            &["bootstrap:kexec"],
            &["facts/gather"],
        );
        k.condition = Some(nixplan_plan::Condition::KexecWorks);
        k.destructive = true;
        p.actions.insert(1, k);
        // As the planner does: changes wait for the bootstrap.
        let ready = &mut p.actions[2];
        assert_eq!(ready.id, "bootstrap/ready");
        ready.needs.push("bootstrap:kexec".into());
        ready.deps.push("bootstrap/kexec".into());
        p.seal()
    }

    fn opts(dir: &std::path::Path) -> ApplyOptions {
        ApplyOptions {
            yes: true,
            state_dir: dir.to_path_buf(),
            passphrase: Some(b"pw".to_vec()),
            ..ApplyOptions::default()
        }
    }

    /// Apply on a scripted target (its `local` actions on a copy of it).
    fn on(t: &mut Scripted, p: &Plan, o: &ApplyOptions, yes: bool) -> Result<Report, Refusal> {
        let mut local = t.clone();
        apply(p, t, &mut local, o, &mut Quiet(yes))
    }

    fn ran(t: &Scripted) -> Vec<String> {
        t.ran.borrow().iter().map(|(c, _, _)| c.clone()).collect()
    }

    #[test]
    fn the_plan_runs_in_order_with_secrets_on_stdin_and_the_built_system() {
        let dir = tempfile::tempdir().unwrap();
        // The reboot's lost connection (ssh's 255) counts as done.
        let mut t = Scripted {
            facts: facts("", "null"),
            dropping: vec!["reboot".into()],
            ..Default::default()
        };
        let report = on(&mut t, &plan(), &opts(dir.path()), false).unwrap();
        assert!(report.succeeded(), "{report:?}");
        let log = t.ran.borrow();
        let luks = log
            .iter()
            .find(|(c, _, _)| c.contains("luksFormat"))
            .unwrap();
        assert_eq!(luks.1.as_deref(), Some(&b"pw"[..]));
        let install = log
            .iter()
            .find(|(c, _, _)| c.contains("nixos-install"))
            .unwrap();
        assert_eq!(install.2["NIXPLAN_SYSTEM"], "/nix/store/abc-nixos-system");
        assert_eq!(install.2["HOME"], "/root");
        // reboot is for other machines only: this one is not "this machine".
        assert!(log.iter().any(|(c, _, _)| c == "reboot"));
    }

    #[test]
    fn a_failure_blocks_only_what_depends_on_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut t = Scripted {
            facts: facts("", "null"),
            failing: vec!["luksFormat".into()],
            ..Default::default()
        };
        let report = on(&mut t, &plan(), &opts(dir.path()), false).unwrap();
        let f = report.failures();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].action, "disko/luks");
        assert_eq!(f[0].status, "exit code 1");
        assert!(f[0].tail.contains("boom"));
        let by_id: BTreeMap<_, _> = report.outcomes.iter().cloned().collect();
        assert_eq!(
            by_id["disko/mkfs"],
            Outcome::Blocked {
                by: "disko/luks".into()
            }
        );
        assert_eq!(by_id["install/nixos-install"], Outcome::Done);
        assert!(!ran(&t).iter().any(|c| c.starts_with("mkfs")));
    }

    #[test]
    fn guards_refuse_before_anything_runs() {
        let cases: Vec<(String, Plan, bool, &str)> = vec![
            (
                facts("", "\"/\""),
                plan(),
                false,
                "holds the running system",
            ),
            (facts("", "\"/srv\""), plan(), false, "/dev/vdb1 on /srv"),
            (
                facts("", "null").replace("/dev/vdb\"", "/dev/vdc\""),
                plan(),
                false,
                "is not a disk of the target",
            ),
            (facts("", "null"), with_kexec(), true, "never does"),
            (
                facts("uid=1000\n", "null"),
                plan(),
                false,
                "neither sudo -n nor doas -n works",
            ),
        ];
        for (f, p, this_machine, want) in cases {
            let dir = tempfile::tempdir().unwrap();
            // The last uid line wins in the facts.
            let f = if f.contains("uid=1000") {
                f.replace("uid=0\n", "")
            } else {
                f
            };
            let mut t = Scripted {
                facts: f,
                this_machine,
                ..Default::default()
            };
            let err = on(&mut t, &p, &opts(dir.path()), true).unwrap_err();
            assert!(err.0.contains(want), "{want}: {err}");
            assert!(ran(&t).is_empty(), "{want}: ran {:?}", ran(&t));
        }
    }

    #[test]
    fn an_edited_or_unconfirmed_plan_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut edited = plan();
        edited.actions[4].argv = Some(vec!["mkfs.ext4".into(), "/dev/sda".into()]);
        let mut t = Scripted {
            facts: facts("", "null"),
            ..Default::default()
        };
        let err = on(&mut t, &edited, &opts(dir.path()), true).unwrap_err();
        assert!(err.0.contains("the plan was edited"), "{err}");
        let mut o = opts(dir.path());
        o.yes = false;
        let err = on(&mut t, &plan(), &o, false).unwrap_err();
        assert!(err.0.contains("not confirmed"), "{err}");
        assert!(ran(&t).is_empty());
    }

    #[test]
    fn recorded_facts_must_still_match() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = plan();
        p.target.facts = Some(facts::parse(&facts("", "null")).unwrap());
        let p = p.seal();
        let mut t = Scripted {
            facts: facts("", "null")
                .replace("\"S1\"", "\"S2\"")
                .replace(":1000", ":2000"),
            ..Default::default()
        };
        let err = on(&mut t, &p, &opts(dir.path()), true).unwrap_err();
        assert!(err.0.contains("serial S1, the target's is S2"), "{err}");
        assert!(err.0.contains("1000 bytes, the disk now has 2000"), "{err}");
        // Secure Boot turned on since planning: a different bootstrap.
        let mut t = Scripted {
            facts: facts("", "null").replace("secure_boot=0", "secure_boot=1"),
            ..Default::default()
        };
        let err = on(&mut t, &p, &opts(dir.path()), true).unwrap_err();
        assert!(err.0.contains("plan again"), "{err}");
    }

    #[test]
    fn after_kexec_the_new_host_key_is_expected_and_the_installer_checked() {
        let dir = tempfile::tempdir().unwrap();
        let mut o = opts(dir.path());
        o.reconnect_timeout = Duration::from_millis(200);
        // The running system lacks nixos-install, and runs from the disk
        // to wipe; the installer kexec boots into has the tool and mounts
        // nothing, so neither is a reason to refuse.
        let mut t = Scripted {
            facts: facts("tool.nixos-install=0\n", "\"/\""),
            facts_after_kexec: Some(facts("", "null").replace(
                "os_id=debian\nos_variant_id=",
                "os_id=nixos\nos_variant_id=installer",
            )),
            ..Default::default()
        };
        let report = on(&mut t, &with_kexec(), &o, false).unwrap();
        assert!(report.succeeded(), "{report:?}");
        assert_eq!(*t.host_key_changed.borrow(), 1);
        assert_eq!(ran(&t)[0], "/root/kexec/run");
        assert_eq!(ran(&t)[1], "true");
        // Coming back as something else than the installer is a failure,
        // and nothing after it runs.
        let dir = tempfile::tempdir().unwrap();
        let mut o = opts(dir.path());
        o.reconnect_timeout = Duration::from_millis(200);
        let mut t = Scripted {
            facts: facts("", "null"),
            ..Default::default()
        };
        let report = on(&mut t, &with_kexec(), &o, false).unwrap();
        let f = report.failures();
        assert_eq!(f[0].action, "bootstrap/kexec");
        assert!(f[0].status.contains("does not report a NixOS installer"));
        // An installer that still has the disk mounted: refused there.
        let dir = tempfile::tempdir().unwrap();
        let mut o = opts(dir.path());
        o.reconnect_timeout = Duration::from_millis(200);
        let mut t = Scripted {
            facts: facts("", "\"/\""),
            facts_after_kexec: Some(facts("", "\"/srv\"").replace(
                "os_id=debian\nos_variant_id=",
                "os_id=nixos\nos_variant_id=installer",
            )),
            ..Default::default()
        };
        let report = on(&mut t, &with_kexec(), &o, false).unwrap();
        let f = report.failures();
        assert_eq!(f[0].action, "bootstrap/kexec");
        assert!(
            f[0].status.contains("after kexec, refusing to go on"),
            "{}",
            f[0].status
        );
        assert!(!ran(&t).iter().any(|c| c.contains("wipefs")));
    }

    #[test]
    fn a_failed_reconnect_leaves_the_kexec_done_and_a_resume_goes_on_as_the_installer() {
        let dir = tempfile::tempdir().unwrap();
        let mut o = opts(dir.path());
        o.reconnect_timeout = Duration::from_millis(200);
        let installer = facts("", "null").replace(
            "os_id=debian\nos_variant_id=",
            "os_id=nixos\nos_variant_id=installer",
        );
        // Planned with the target's facts: kexec decided, not a condition.
        let mut p = with_kexec();
        p.target.facts = Some(facts::parse(&facts("", "null")).unwrap());
        let p = p.seal();
        // The first run's reconnect meets something that is no installer.
        let mut t = Scripted {
            facts: facts("", "null"),
            ..Default::default()
        };
        let report = on(&mut t, &p, &o, false).unwrap();
        let f = report.failures();
        assert_eq!(f[0].action, "bootstrap/kexec");
        assert!(
            f[0].status.contains("does not report a NixOS installer"),
            "{f:?}"
        );
        // The journal still says the kexec was done; the failure after it
        // has its own name.
        let journal = Journal::open(&o.state_dir, &p.hash).unwrap();
        let done = journal.completed_earlier();
        assert!(done.contains_key("bootstrap/kexec"), "{done:?}");
        assert!(journal
            .earlier
            .iter()
            .any(|r| r.action == "bootstrap/kexec/reconnect" && r.status == Status::Failed));
        drop(journal);
        // Resumed once the installer answers: reached as the installer,
        // and the plan's "kexec" decision is not held against it.
        let mut t2 = Scripted {
            facts: installer,
            ..Default::default()
        };
        let mut o2 = o.clone();
        o2.resume = true;
        let report = on(&mut t2, &p, &o2, false).unwrap();
        assert!(report.succeeded(), "{report:?}");
        assert_eq!(*t2.host_key_changed.borrow(), 1);
        assert!(!ran(&t2).iter().any(|c| c == "/root/kexec/run"));
        // Resumed while the target is its old system again (rebooted):
        // refused, saying the kexec has to run again.
        let mut t3 = Scripted {
            facts: facts("", "null"),
            ..Default::default()
        };
        let refused = on(&mut t3, &p, &o2, false).unwrap_err();
        assert!(
            refused.0.contains("the kexec has to run again"),
            "{refused}"
        );
        assert!(ran(&t3).is_empty());
    }

    #[test]
    fn local_actions_reach_the_target_as_the_executor_does_before_and_after_kexec() {
        let dir = tempfile::tempdir().unwrap();
        let mut o = opts(dir.path());
        o.reconnect_timeout = Duration::from_millis(200);
        let mut p = with_kexec();
        let reach = |id: &str, phase: &str, needs: &[&str], deps: &[&str]| {
            let mut a = action(
                id,
                phase,
                "upload",
                None,
                Some(&format!(
                    "ssh $NIX_SSHOPTS \"$NIXPLAN_TARGET\" $NIXPLAN_SUDO {id}"
                )),
                needs,
                &[id],
                deps,
            );
            a.runs_on = RunsOn::Local;
            a.env.insert("NIXPLAN_TARGET".into(), SSH_TARGET.into());
            a.env.insert("NIXPLAN_SUDO".into(), ESCALATION.into());
            a
        };
        // One before the kexec (as the tarball upload is), one after.
        let before = reach("up-before", "bootstrap", &["facts"], &["facts/gather"]);
        let after = reach(
            "up-after",
            "install",
            &["bootstrap:ready"],
            &["bootstrap/ready"],
        );
        p.actions.insert(1, before);
        p.actions.push(after);
        let k = p
            .actions
            .iter()
            .position(|a| a.id == "bootstrap/kexec")
            .unwrap();
        p.actions[k].needs.push("up-before".into());
        p.actions[k].deps.push("up-before".into());
        let p = p.seal();
        let mut t = Scripted {
            facts: facts("", "null").replace("uid=0\nsudo=0", "uid=1000\nsudo=1"),
            facts_after_kexec: Some(facts("", "null").replace(
                "os_id=debian\nos_variant_id=",
                "os_id=nixos\nos_variant_id=installer",
            )),
            login: Rc::new(RefCell::new(Some("deploy@h".into()))),
            ..Default::default()
        };
        let report = on(&mut t, &p, &o, false).unwrap();
        assert!(report.succeeded(), "{report:?}");
        let env_of = |id: &str| {
            let log = t.ran.borrow();
            let (_, _, env) = log.iter().find(|(c, _, _)| c.ends_with(id)).unwrap();
            (env["NIXPLAN_TARGET"].clone(), env["NIXPLAN_SUDO"].clone())
        };
        assert_eq!(env_of("up-before"), ("deploy@h".into(), "sudo -n".into()));
        assert_eq!(env_of("up-after"), ("root@h".into(), String::new()));
        // The target itself: sudo for the deploy login, then none as root.
        assert_eq!(
            *t.escalations.borrow(),
            vec![Some("sudo".to_string()), None]
        );
        // Resumed in a new process: the journal says the kexec happened,
        // so the executor starts as root on the installer.
        let mut t2 = Scripted {
            facts: t.facts_after_kexec.clone().unwrap(),
            login: Rc::new(RefCell::new(Some("deploy@h".into()))),
            ..Default::default()
        };
        let mut o2 = o.clone();
        o2.resume = true;
        let report = on(&mut t2, &p, &o2, false).unwrap();
        assert!(report.succeeded(), "{report:?}");
        assert_eq!(*t2.host_key_changed.borrow(), 1);
        assert_eq!(t2.login().as_deref(), Some("root@h"));
    }

    #[test]
    fn dry_runs_run_nothing_and_show_the_exact_command() {
        let dir = tempfile::tempdir().unwrap();
        let mut t = Scripted::default();
        let mut o = opts(dir.path());
        o.dry_run = true;
        let report = on(&mut t, &plan(), &o, false).unwrap();
        assert!(ran(&t).is_empty());
        let by_id: BTreeMap<_, _> = report.outcomes.into_iter().collect();
        let Outcome::WouldRun { command } = &by_id["disko/mkfs"] else {
            panic!()
        };
        assert!(
            command.starts_with("env -i HOME=/root LANG=C.UTF-8"),
            "{command}"
        );
        assert!(command.ends_with(" mkfs.ext4 /dev/mapper/c"), "{command}");
    }
}
