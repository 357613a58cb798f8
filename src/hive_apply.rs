//! `apply` of a hive plan: each host's plan run by the executor as a plan
//! of its own (its own transport, journal and resume), `--parallel N` at
//! once; one host's failure stops the others only with `--fail-fast`.
//! A progress bar per host on a terminal, `[host] ...` lines otherwise,
//! and a table of every host at the end.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use nixplan_executor::{apply, ApplyOptions, Event, Local, Observer, Outcome};
use nixplan_planner::Plan;

use crate::cli::ApplyArgs;

/// One host's progress: its bar, or lines prefixed with its name.
struct HostProgress {
    name: String,
    bar: Option<ProgressBar>,
    multi: Option<MultiProgress>,
    interrupted: Arc<AtomicBool>,
    /// Set when a host failed and `--fail-fast` was given.
    stop_all: Arc<AtomicBool>,
    yes: bool,
}

impl HostProgress {
    fn line(&self, text: &str) {
        let text = format!("[{}] {text}", self.name);
        match &self.multi {
            Some(m) => {
                let _ = m.println(text);
            }
            None => println!("{text}"),
        }
    }
}

impl Observer for HostProgress {
    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start { phases, log } => {
                let total: usize = phases.iter().map(|(_, n)| n).sum();
                if let Some(b) = &self.bar {
                    b.set_length(total as u64);
                }
                if let Some(log) = log {
                    self.line(&format!("log: {}", log.display()));
                }
            }
            Event::Note(text) => self.line(&format!("note: {text}")),
            Event::Output { action, text } => {
                let text = text
                    .trim_end()
                    .replace('\n', &format!("\n[{}] ", self.name));
                self.line(&format!("{}:\n[{}] {text}", action.id, self.name));
            }
            Event::Begin { action } => {
                if let Some(b) = &self.bar {
                    b.set_message(action.id.clone());
                }
            }
            Event::End { action, outcome } => {
                let text = crate::apply_cmd::outcome_text(outcome);
                match &self.bar {
                    Some(b) => {
                        b.inc(1);
                        if !matches!(outcome, Outcome::Done | Outcome::AlreadyDone { .. }) {
                            self.line(&format!("{}: {text}", action.id));
                        }
                    }
                    None => self.line(&format!("{}: {text}", action.id)),
                }
            }
        }
    }

    fn confirm(&mut self, question: &str) -> bool {
        // Hosts run at once: nobody can be asked one question per host.
        if !self.yes {
            self.line(&format!(
                "{question}\nrefusing: a hive is applied with --yes when it asks"
            ));
        }
        self.yes
    }

    fn keep_going(&mut self) -> bool {
        !self.interrupted.load(Ordering::SeqCst) && !self.stop_all.load(Ordering::SeqCst)
    }
}

/// How one host ended.
struct HostResult {
    name: String,
    host: String,
    ok: bool,
    text: String,
    log: Option<PathBuf>,
}

fn run_host(
    args: &ApplyArgs,
    plan: &Plan,
    opts: &ApplyOptions,
    progress: &mut HostProgress,
    sudo: Option<&[u8]>,
) -> HostResult {
    let host = plan.target.host.clone();
    let mut result = HostResult {
        name: plan.target.name.clone(),
        host: host
            .clone()
            .unwrap_or_else(|| "the machine nixplan runs on".into()),
        ok: false,
        text: String::new(),
        log: None,
    };
    let mut target =
        match crate::apply_cmd::transport_for(args, plan, host.as_deref(), &opts.state_dir, sudo) {
            Ok(t) => t,
            Err(e) => {
                result.text = e;
                return result;
            }
        };
    let mut opts = opts.clone();
    opts.source_root = plan.source.root.as_ref().map(PathBuf::from);
    match crate::apply_cmd::key_texts(plan, args) {
        Ok(t) => opts.stdin_values = t,
        Err(e) => {
            result.text = e;
            return result;
        }
    }
    let mut local = Local::default();
    match apply(plan, target.as_mut(), &mut local, &opts, progress) {
        Err(refusal) => result.text = format!("refused: {refusal}"),
        Ok(report) => {
            result.log = report.log.clone();
            let failures = report.failures();
            if opts.dry_run {
                result.ok = true;
                result.text = format!("dry run: {} actions", report.outcomes.len());
            } else if report.interrupted {
                result.text = "stopped before the end (then --resume)".into();
            } else if !failures.is_empty() {
                result.text = failures
                    .iter()
                    .map(|f| f.to_string())
                    .collect::<Vec<_>>()
                    .join("\n");
            } else if !report.succeeded() {
                result.text = "not every action ran".into();
            } else {
                result.ok = true;
                result.text = format!("{} actions", report.outcomes.len());
            }
        }
    }
    if let Some(b) = &progress.bar {
        b.finish_with_message(if result.ok { "done" } else { "FAILED" });
    }
    result
}

pub fn run(
    args: &ApplyArgs,
    plan: &Plan,
    opts: &ApplyOptions,
    interrupted: Arc<AtomicBool>,
    sudo: Option<&[u8]>,
) -> ExitCode {
    if args.target_host.is_some() || args.port.is_some() {
        eprintln!(
            "error: a hive plan names each host's login itself (deployment.targetHost, targetPort): --target-host and --port are for one host"
        );
        return ExitCode::from(1);
    }
    let interactive = std::io::IsTerminal::is_terminal(&std::io::stderr()) && !args.dry_run;
    let multi = interactive.then(MultiProgress::new);
    let style = ProgressStyle::with_template("{prefix:>12} [{bar:30}] {pos}/{len} {wide_msg}")
        .expect("a valid template")
        .progress_chars("=> ");
    let stop_all = Arc::new(AtomicBool::new(false));
    let queue: Mutex<VecDeque<&Plan>> = Mutex::new(plan.hosts.iter().collect());
    let results: Mutex<Vec<HostResult>> = Mutex::new(Vec::new());
    let workers = (args.parallel as usize).min(plan.hosts.len()).max(1);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let next = queue.lock().expect("no worker panics").pop_front();
                let Some(host) = next else { break };
                let bar = multi.as_ref().map(|m| {
                    let b = m.add(ProgressBar::new(host.actions.len() as u64));
                    b.set_style(style.clone());
                    b.set_prefix(host.target.name.clone());
                    b
                });
                let mut progress = HostProgress {
                    name: host.target.name.clone(),
                    bar,
                    multi: multi.clone(),
                    interrupted: interrupted.clone(),
                    stop_all: stop_all.clone(),
                    yes: args.yes,
                };
                let r = if progress.keep_going() {
                    run_host(args, host, opts, &mut progress, sudo)
                } else {
                    HostResult {
                        name: host.target.name.clone(),
                        host: host.target.host.clone().unwrap_or_default(),
                        ok: false,
                        text: "not started: another host failed (--fail-fast) or interrupted"
                            .into(),
                        log: None,
                    }
                };
                if !r.ok && args.fail_fast {
                    stop_all.store(true, Ordering::SeqCst);
                }
                results.lock().expect("no worker panics").push(r);
            });
        }
    });
    if let Some(m) = &multi {
        let _ = m.clear();
    }
    let mut results = results.into_inner().expect("no worker panics");
    results.sort_by(|a, b| a.name.cmp(&b.name));
    let width = results
        .iter()
        .map(|r| r.name.len())
        .max()
        .unwrap_or(4)
        .max(4);
    println!("{:width$}  {:6}  login / what happened", "host", "result");
    for r in &results {
        let first = r.text.lines().next().unwrap_or_default();
        println!(
            "{:width$}  {:6}  {} — {first}",
            r.name,
            if r.ok { "ok" } else { "FAILED" },
            r.host
        );
        if !r.ok {
            for l in r.text.lines().skip(1) {
                eprintln!("{:width$}          {l}", "");
            }
            if let Some(log) = &r.log {
                eprintln!("{:width$}          log: {}", "", log.display());
            }
        }
    }
    let failed = results.iter().filter(|r| !r.ok).count();
    if failed > 0 {
        eprintln!("{failed} of {} hosts failed", results.len());
        return ExitCode::from(1);
    }
    println!("applied to {} hosts", results.len());
    ExitCode::SUCCESS
}
