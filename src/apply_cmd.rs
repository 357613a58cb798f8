//! `nixplan apply PLAN.json | TARGET`: load (or make) the plan, pick the
//! transport, and run it with the executor; progress bars on a terminal,
//! plain lines otherwise.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use nixplan_executor::{
    apply, ApplyOptions, Event, Local, Observer, Outcome, Ssh, SshOptions, Transport,
};
use nixplan_plan::Phase;
use nixplan_planner::{render, Plan};

use crate::cli::{ApplyArgs, PlanInputs};

/// Progress on a terminal: a bar per phase; elsewhere: a line per action.
struct Progress {
    bars: Option<(MultiProgress, Vec<(Phase, ProgressBar)>)>,
    interrupted: Arc<AtomicBool>,
    interactive: bool,
    total: usize,
    done: usize,
}

impl Progress {
    fn line(&self, text: &str) {
        match &self.bars {
            Some((multi, _)) => {
                let _ = multi.println(text);
            }
            None => println!("{text}"),
        }
    }

    fn bar(&self, phase: Phase) -> Option<&ProgressBar> {
        self.bars
            .as_ref()
            .and_then(|(_, bars)| bars.iter().find(|(p, _)| *p == phase).map(|(_, b)| b))
    }
}

impl Observer for Progress {
    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start { phases, log } => {
                self.total = phases.iter().map(|(_, n)| n).sum();
                if let Some(log) = log {
                    self.line(&format!("log: {}", log.display()));
                }
                if self.interactive {
                    let multi = MultiProgress::new();
                    let style = ProgressStyle::with_template(
                        "{prefix:>10} [{bar:30}] {pos}/{len} {wide_msg}",
                    )
                    .expect("a valid template")
                    .progress_chars("=> ");
                    let bars = phases
                        .into_iter()
                        .map(|(p, n)| {
                            let bar = multi.add(ProgressBar::new(n as u64));
                            bar.set_style(style.clone());
                            bar.set_prefix(p.as_str());
                            (p, bar)
                        })
                        .collect();
                    self.bars = Some((multi, bars));
                }
            }
            Event::Note(text) => self.line(&format!("note: {text}")),
            Event::Output { action, text } => {
                self.line(&format!("{}:\n{}", action.id, text.trim_end()));
            }
            Event::Begin { action } => {
                if let Some(bar) = self.bar(action.phase) {
                    bar.set_message(action.id.clone());
                }
            }
            Event::End { action, outcome } => {
                self.done += 1;
                let text = match outcome {
                    Outcome::WouldRun { command } => {
                        let mut s = String::new();
                        if let Some(c) = &action.condition {
                            s.push_str(&format!("  (only {c})\n"));
                        }
                        if let Some(source) = &action.stdin {
                            s.push_str(&format!(
                                "  (stdin: {}, read when applying)\n",
                                source.trim_start_matches("file:")
                            ));
                        }
                        if let Some(check) = &action.check {
                            s.push_str(&format!(
                                "  (skipped when `{}` succeeds)\n",
                                check.join(" ")
                            ));
                        }
                        if command.is_empty() {
                            s.push_str("  (nothing to run: orders the others)");
                        } else {
                            s.push_str(&format!("  {}", command.replace('\n', "\n  ")));
                        }
                        let mark = if action.destructive { "!" } else { " " };
                        self.line(&format!(
                            "{mark} {} [{}]\n{s}",
                            action.id,
                            if action.runs_on == nixplan_plan::RunsOn::Local {
                                "here"
                            } else {
                                "target"
                            }
                        ));
                        return;
                    }
                    done => outcome_text(done),
                };
                match self.bar(action.phase) {
                    Some(bar) => {
                        bar.inc(1);
                        if !matches!(outcome, Outcome::Done | Outcome::AlreadyDone { .. }) {
                            let _ = self
                                .bars
                                .as_ref()
                                .map(|(m, _)| m.println(format!("{}: {text}", action.id)));
                        }
                        if bar.position() == bar.length().unwrap_or(0) {
                            bar.finish_with_message("done");
                        }
                    }
                    None => println!("[{}/{}] {}: {text}", self.done, self.total, action.id),
                }
            }
        }
    }

    fn confirm(&mut self, question: &str) -> bool {
        if !self.interactive {
            eprintln!("{question}\nrefusing without --yes: stdin is not a terminal");
            return false;
        }
        eprint!("{question} Type yes to continue: ");
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        answer.trim() == "yes"
    }

    fn keep_going(&mut self) -> bool {
        !self.interrupted.load(Ordering::SeqCst)
    }
}

/// How `plan` is reached: SSH to `host` (its control socket and the
/// installer's host key in this plan's state, so a resume after a kexec
/// finds the key), or this machine.
pub(crate) fn transport_for(
    args: &ApplyArgs,
    plan: &Plan,
    host: Option<&str>,
    state_dir: &Path,
    sudo_password: Option<&[u8]>,
) -> Result<Box<dyn Transport>, String> {
    let Some(h) = host else {
        return Ok(Box::new(Local::default()));
    };
    let ssh_dir = nixplan_executor::journal::Journal::dir_for(state_dir, &plan.hash).join("ssh");
    std::fs::create_dir_all(&ssh_dir)
        .map_err(|e| format!("cannot create {}: {e}", ssh_dir.display()))?;
    let mut ssh = Box::new(Ssh::new(SshOptions {
        destination: h.to_string(),
        port: args.port.or(plan.target.port),
        identity: args.identity.clone(),
        // The command line's first: ssh takes the first value it is given.
        options: args
            .ssh_option
            .iter()
            .chain(&plan.target.ssh_options)
            .cloned()
            .collect(),
        state_dir: ssh_dir,
        post_kexec_port: args.post_kexec_port,
        program: None,
    }));
    ssh.set_password(sudo_password.map(|p| p.to_vec()));
    Ok(ssh)
}

/// A deploy's keys given as `text`: the plan names them
/// (`key-text:NAME`), apply evaluates the configuration again (from the
/// plan's own sources, which apply holds unchanged) and reads each text.
pub(crate) fn key_texts(
    plan: &Plan,
    args: &ApplyArgs,
) -> Result<std::collections::BTreeMap<String, Vec<u8>>, String> {
    use nixplan_planner::deploy::KEY_TEXT;
    let mut out = std::collections::BTreeMap::new();
    let wanted: Vec<&str> = plan
        .actions
        .iter()
        .filter_map(|a| a.stdin.as_deref())
        .filter(|s| s.starts_with(KEY_TEXT))
        .collect();
    if wanted.is_empty() || args.dry_run {
        return Ok(out);
    }
    let root = args
        .source
        .as_ref()
        .map(|p| p.display().to_string())
        .or_else(|| plan.source.reference.clone())
        .or_else(|| plan.source.root.clone())
        .ok_or("the plan does not say where its flake is (give --source DIR)")?;
    let target = format!("{root}#{}", plan.target.name);
    // The inputs the plan was made with: its overrides again. An input of
    // another flake (`REF#name`: a partition's) can only have come from
    // --override-source, which names a repository the plan does not keep.
    let mut flags = args.choices.inputs.clone();
    for i in &plan.inputs {
        if let (nixplan_plan::InputSource::Override, Some(r)) = (i.source, &i.reference) {
            if i.path.contains('#') {
                return Err(format!(
                    "the keys' text is read by evaluating {target} again, but the plan's input '{}' was given with --override-source, which a saved plan cannot repeat: apply the target itself (`nixplan apply {target} --override-source REPO {r}`)",
                    i.path
                ));
            }
            flags.override_input.extend([i.path.clone(), r.clone()]);
        }
    }
    let (ev, config) = crate::target::load_config(&target, &flags)
        .map_err(|_| format!("cannot evaluate {target} again to read its keys' text"))?;
    crate::eval_cmd::finish(ev);
    let keys = config.deployment.map(|d| d.keys).unwrap_or_default();
    for w in wanted {
        let name = &w[KEY_TEXT.len()..];
        let text = keys
            .values()
            .find(|k| k.name.value == name)
            .and_then(|k| k.text.clone())
            .ok_or_else(|| format!("{target} has no deployment.keys.{name}.text now"))?;
        out.insert(w.to_string(), text.into_bytes());
    }
    Ok(out)
}

/// The login's sudo password (`--ask-sudo-password`, `--sudo-password-file`).
pub(crate) fn sudo_password(args: &ApplyArgs) -> Result<Option<Vec<u8>>, String> {
    if let Some(f) = &args.sudo_password_file {
        let data = std::fs::read(f).map_err(|e| format!("cannot read {}: {e}", f.display()))?;
        let line = data.split(|b| *b == b'\n').next().unwrap_or_default();
        return Ok(Some(line.to_vec()));
    }
    if !args.ask_sudo_password || args.dry_run {
        return Ok(None);
    }
    if !std::io::stdin().is_terminal() {
        return Err("--ask-sudo-password needs a terminal (or --sudo-password-file)".into());
    }
    rpassword::prompt_password("sudo password on the target: ")
        .map(|p| Some(p.into_bytes()))
        .map_err(|e| format!("cannot read the password: {e}"))
}

/// How an action ended, as a line says it.
pub(crate) fn outcome_text(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Done => "done".to_string(),
        Outcome::AlreadyDone { why } => format!("skipped: {why}"),
        Outcome::NotNeeded { why } => format!("not needed: {why}"),
        Outcome::Failed(f) => format!("FAILED\n{f}"),
        Outcome::Blocked { by } => format!("not run: {by} failed"),
        Outcome::WouldRun { command } => {
            format!("would run:\n  {}", command.replace('\n', "\n  "))
        }
    }
}

fn default_state_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("XDG_STATE_HOME") {
        return PathBuf::from(d).join("nixplan");
    }
    // Root keeps its state with the system's; others under their home.
    let is_root = std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false);
    match std::env::var_os("HOME") {
        Some(h) if !is_root => PathBuf::from(h).join(".local/state/nixplan"),
        _ => PathBuf::from("/var/lib/nixplan"),
    }
}

fn load_or_make(args: &ApplyArgs) -> Result<(Plan, Option<PathBuf>, bool), ExitCode> {
    let path = Path::new(&args.plan_or_target);
    if path.extension().is_some_and(|e| e == "json") && path.is_file() {
        let planning = [
            ("--facts", args.choices.facts.is_some()),
            ("--system", args.choices.system.is_some()),
            ("--extra-files", args.choices.extra_files.is_some()),
            ("--chown", !args.choices.chown.is_empty()),
            ("--kexec-url", args.choices.kexec_url.is_some()),
            ("--kexec-tarball", args.choices.kexec_tarball.is_some()),
            ("--secret-file", !args.choices.secret_file.is_empty()),
            ("--goal", args.choices.goal.is_some()),
            ("--on", args.choices.on.is_some()),
            ("--node-system", !args.choices.node_system.is_empty()),
            ("--no-rollback", args.choices.no_rollback),
            ("--build-on-target", args.choices.build_on_target),
            (
                "--substitute-on-destination",
                args.choices.substitute_on_destination,
            ),
            (
                "--force-replace-unknown-profiles",
                args.choices.force_replace_unknown_profiles,
            ),
            ("--builders", args.choices.builders.is_some()),
            ("--reboot", args.choices.reboot),
            (
                "--override-input",
                !args.choices.inputs.override_input.is_empty(),
            ),
            (
                "--override-source",
                !args.choices.inputs.override_source.is_empty(),
            ),
            ("--offline", args.choices.inputs.offline),
            ("--strict-inputs", args.choices.inputs.strict_inputs),
            (
                "--eval",
                args.choices.inputs.eval != crate::cli::EvalWith::Embedded,
            ),
            (
                "--bootstrap",
                args.choices.bootstrap != crate::cli::BootstrapArg::Auto,
            ),
        ];
        if let Some((flag, _)) = planning.iter().find(|(_, given)| *given) {
            eprintln!(
                "error: {flag} changes what is planned; a saved plan runs as it was reviewed: plan again with it"
            );
            return Err(ExitCode::from(1));
        }
        let text = std::fs::read_to_string(path).map_err(|e| {
            eprintln!("error: cannot read {}: {e}", path.display());
            ExitCode::from(1)
        })?;
        let plan = Plan::from_json(&text).map_err(|e| {
            eprintln!("error: {}: {e}", path.display());
            ExitCode::from(1)
        })?;
        if let Some(signers) = &args.allowed_signers {
            match nixplan_plan::signature::check(&plan, signers) {
                Ok(principal) => eprintln!("the plan is signed by {principal}"),
                Err(e) => {
                    eprintln!("error: {}: refused: {e}", path.display());
                    return Err(ExitCode::from(1));
                }
            }
        }
        let root = args
            .source
            .clone()
            .or_else(|| plan.source.root.as_ref().map(PathBuf::from));
        return Ok((plan, root, false));
    }
    if args.allowed_signers.is_some() {
        eprintln!(
            "error: --allowed-signers checks a saved, signed plan; {} is not one (plan it with --sign --out PLAN.json first)",
            args.plan_or_target
        );
        return Err(ExitCode::from(1));
    }
    let inputs = PlanInputs {
        target: args.plan_or_target.clone(),
        target_host: args.target_host.clone(),
        choices: args.choices.clone(),
    };
    let phases = crate::plan_cmd::phase_selection(&args.phases, args.stop_after.as_deref())?;
    let plan = crate::plan_cmd::make_plan(&inputs, &phases)?;
    Ok((plan, None, true))
}

fn passphrase(args: &ApplyArgs, plan: &Plan) -> Result<Option<Vec<u8>>, ExitCode> {
    if let Some(f) = &args.passphrase_file {
        let mut data = std::fs::read(f).map_err(|e| {
            eprintln!("error: cannot read {}: {e}", f.display());
            ExitCode::from(1)
        })?;
        // A trailing newline is not part of the passphrase (as cryptsetup
        // treats a passphrase typed at its prompt).
        if data.last() == Some(&b'\n') {
            data.pop();
        }
        return Ok(Some(data));
    }
    let needed = plan.actions.iter().any(|a| {
        a.argv
            .as_ref()
            .is_some_and(|v| v.iter().any(|w| w == "--key-file=-"))
    });
    if !needed || args.dry_run {
        return Ok(None);
    }
    if !std::io::stdin().is_terminal() {
        eprintln!("error: the plan encrypts a device with a passphrase: give --passphrase-file");
        return Err(ExitCode::from(1));
    }
    let first = rpassword::prompt_password("LUKS passphrase: ").map_err(|_| ExitCode::from(1))?;
    let again = rpassword::prompt_password("again: ").map_err(|_| ExitCode::from(1))?;
    if first != again {
        eprintln!("error: the passphrases differ");
        return Err(ExitCode::from(1));
    }
    Ok(Some(first.into_bytes()))
}

pub fn run(args: ApplyArgs) -> ExitCode {
    let (plan, source_root, fresh) = match load_or_make(&args) {
        Ok(x) => x,
        Err(code) => return code,
    };
    // Before any prompt, any secret read, any host of a hive deployed.
    if let (Some(why), false) = (nixplan_executor::run::incomplete(&plan), args.dry_run) {
        eprintln!("error: {why}");
        return ExitCode::from(1);
    }
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if fresh && !args.dry_run {
        let color = std::io::stdout().is_terminal();
        print!("{}", render::text(&plan, &render::Style { color }));
    }
    let secret = match passphrase(&args, &plan) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let phases = match crate::plan_cmd::phase_selection(&args.phases, args.stop_after.as_deref()) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let state_dir = args.state_dir.clone().unwrap_or_else(default_state_dir);
    let mut opts = ApplyOptions {
        dry_run: args.dry_run,
        resume: args.resume,
        yes: args.yes,
        phases,
        state_dir: state_dir.clone(),
        timeout: Duration::from_secs(args.timeout),
        passphrase: secret,
        source_root,
        unmount_own: args.unmount_own,
        ..ApplyOptions::default()
    };
    // A saved plan's commands were made for its host (the closure copy
    // names it): another host needs another plan.
    if !fresh && args.target_host.is_some() && args.target_host != plan.target.host {
        eprintln!(
            "error: the plan was made for {}, not {}: plan again with --target-host",
            plan.target
                .host
                .as_deref()
                .unwrap_or("the machine nixplan runs on"),
            args.target_host.as_deref().unwrap_or_default()
        );
        return ExitCode::from(1);
    }
    let interrupted = Arc::new(AtomicBool::new(false));
    {
        let flag = interrupted.clone();
        // The running command finishes (it is in its own process group);
        // the run stops before the next one and can be resumed.
        let _ = ctrlc::set_handler(move || {
            flag.store(true, Ordering::SeqCst);
            eprintln!("\ninterrupted: stopping after the running action (then --resume)");
        });
    }
    let sudo = match sudo_password(&args) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    if !plan.hosts.is_empty() {
        return crate::hive_apply::run(&args, &plan, &opts, interrupted, sudo.as_deref());
    }
    let host = args
        .target_host
        .clone()
        .or_else(|| plan.target.host.clone());
    match key_texts(&plan, &args) {
        Ok(t) => opts.stdin_values = t,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    }
    let mut local = Local::default();
    let mut target = match transport_for(&args, &plan, host.as_deref(), &state_dir, sudo.as_deref())
    {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let mut progress = Progress {
        bars: None,
        interrupted,
        interactive: interactive && !args.dry_run,
        total: 0,
        done: 0,
    };
    let report = match apply(&plan, target.as_mut(), &mut local, &opts, &mut progress) {
        Ok(r) => r,
        Err(refusal) => {
            eprintln!("error: {refusal}");
            return ExitCode::from(1);
        }
    };
    if let Some((multi, _)) = &progress.bars {
        let _ = multi.clear();
    }
    if args.dry_run {
        println!(
            "dry run: {} actions on {}; nothing was run",
            report.outcomes.len(),
            target.describe()
        );
        return ExitCode::SUCCESS;
    }
    let failures = report.failures();
    for f in &failures {
        eprintln!("{f}");
    }
    let log = report
        .log
        .as_ref()
        .map(|l| l.display().to_string())
        .unwrap_or_default();
    if report.interrupted {
        eprintln!("stopped before the end; continue with --resume (log: {log})");
        return ExitCode::from(130);
    }
    if !report.succeeded() {
        let blocked = report
            .outcomes
            .iter()
            .filter(|(_, o)| matches!(o, Outcome::Blocked { .. }))
            .count();
        eprintln!(
            "{} actions failed, {blocked} not run because of them (log: {log})",
            failures.len()
        );
        return ExitCode::from(1);
    }
    let skipped = report
        .outcomes
        .iter()
        .filter(|(_, o)| matches!(o, Outcome::AlreadyDone { .. }))
        .count();
    println!(
        "applied: {} actions ({skipped} already done) on {} (log: {log})",
        report.outcomes.len(),
        target.describe()
    );
    ExitCode::SUCCESS
}
