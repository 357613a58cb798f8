//! Running a plan, as a list of stages (see [`apply`]), each in its own
//! file: admission (`admit.rs`), facts and guards (`preflight.rs`),
//! confirmation (`confirm.rs`), the run loop and journal (`runner.rs`).
//! Refuse what is unsafe or stale before anything runs,
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
use crate::transport::{env_argv, sh_quote, Escalation, Finished, Invocation, Program, Transport};

mod admit;
pub use admit::incomplete;
mod confirm;
mod disklock;
mod preflight;
mod runner;
#[cfg(test)]
mod tests;

use admit::*;
use confirm::*;
use disklock::DiskLocks;
use preflight::*;
pub use runner::shown;
use runner::*;

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
    /// When the disks the plan wipes are in use only by this plan's own
    /// mounts (an earlier run's, with another state directory), unmount
    /// exactly those, deepest first, saying so, instead of refusing.
    pub unmount_own: bool,
    /// What an action's `stdin` names that only the caller can read (a
    /// deployment key's text, `key-text:NAME`, from the configuration).
    pub stdin_values: BTreeMap<String, Vec<u8>>,
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
            unmount_own: false,
            stdin_values: BTreeMap::new(),
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
    /// What an action that shows its output printed (a deploy's preview).
    Output {
        action: &'a Action,
        text: String,
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

/// Run a plan on `target` (and its `local` actions here): admit the plan,
/// reach the target and learn its facts, refuse what the guards refuse,
/// confirm what destroys data, then run the actions in order.
pub fn apply(
    plan: &Plan,
    target: &mut dyn Transport,
    local: &mut dyn Transport,
    opts: &ApplyOptions,
    obs: &mut dyn Observer,
) -> Result<Report, Refusal> {
    let selected = admit(plan, opts, obs)?;
    let counts = phase_counts(&selected);
    if opts.dry_run {
        return Ok(dry_run(&selected, counts, obs));
    }
    let mut journal = Journal::open(&opts.state_dir, &plan.hash).map_err(Refusal)?;
    // A deploy is run again whole unless resumed (colmena applies a
    // configuration as often as asked; every step is idempotent).
    if plan.target.goal.is_some() && !opts.resume && !journal.completed_earlier().is_empty() {
        let kept = journal.start_over().map_err(Refusal)?;
        obs.event(Event::Note(format!(
            "this deploy ran before: run again from the start (--resume continues an unfinished run instead; the earlier journal is {})",
            kept.display()
        )));
    }
    let earlier = journal.completed_earlier();
    if !opts.resume && !earlier.is_empty() {
        return refuse(format!(
            "this plan was already run ({} actions completed, journal in {}): continue with --resume",
            earlier.len(),
            journal.dir().display()
        ));
    }
    let Reached {
        mut facts,
        kexec_done,
    } = reach(plan, target, &journal, &earlier)?;
    let this_machine = target.is_this_machine();
    let todo: BTreeSet<String> = selected
        .iter()
        .filter(|a| !earlier.contains_key(&a.id))
        .map(|a| a.id.clone())
        .collect();
    let locked_remotely = !this_machine || target.escalation().is_some();
    // Not before a kexec still to run: the mounts are the old system's.
    let kexec_pending = selected
        .iter()
        .any(|a| a.kind == Kind::Kexec && todo.contains(&a.id));
    if opts.unmount_own && !kexec_done && !kexec_pending {
        // A command of an earlier run still going on the target is found
        // before anything is unmounted under it.
        if locked_remotely {
            remote_running_lock(plan, target)?;
        }
        if let Some(after) =
            unmount_own(plan, &selected, &facts, &todo, &*target, &mut journal, obs)?
        {
            facts = after;
        }
    }
    preflight(plan, &selected, &facts, this_machine, &todo, kexec_done)?;
    confirm(&selected, &todo, &facts, &*target, opts, obs)?;
    // Commands started here hold the run's lock while they live: a run
    // started while one of them is still going (nixplan was killed) waits.
    target.hold_while_running(Some(journal.running_lock()));
    local.hold_while_running(Some(journal.running_lock()));
    if locked_remotely {
        remote_running_lock(plan, target)?;
    }
    let runner = Runner {
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
        disk_locks: DiskLocks::Pending(
            wiped_disks(&selected).into_iter().map(|(_, d)| d).collect(),
        ),
        unchecked: plan
            .actions
            .iter()
            .filter(|a| a.check.is_none())
            .map(|a| a.id.clone())
            .collect(),
    };
    let scope = Scope {
        plan,
        selected: &selected,
        todo: &todo,
    };
    Ok(run_all(runner, &scope, &earlier, counts, obs))
}

/// How many actions of each phase a run looks at, in order.
fn phase_counts(selected: &[&Action]) -> Vec<(Phase, usize)> {
    let mut counts: Vec<(Phase, usize)> = Vec::new();
    for a in selected {
        match counts.last_mut() {
            Some((p, n)) if *p == a.phase => *n += 1,
            _ => counts.push((a.phase, 1)),
        }
    }
    counts
}

/// A dry run: every action shown with the command it would run, nothing run.
fn dry_run(selected: &[&Action], counts: Vec<(Phase, usize)>, obs: &mut dyn Observer) -> Report {
    obs.event(Event::Start {
        phases: counts,
        log: None,
    });
    let mut outcomes = Vec::new();
    for a in selected {
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
    Report {
        outcomes,
        interrupted: false,
        journal_dir: None,
        log: None,
        facts: None,
    }
}
