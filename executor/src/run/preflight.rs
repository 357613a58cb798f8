//! Facts and guards: reach the target (as the installer after a kexec), learn its facts and how it escalates, then refuse, before anything runs, what would harm the wrong disk or cannot work there.

use nixplan_plan::ResourceKind;

use super::*;

/// Whether an action's condition holds for these facts (no condition: it
/// always runs).
pub(super) fn holds(a: &Action, facts: &Value, this_machine: bool) -> bool {
    a.condition.is_none_or(|c| c.holds(facts, this_machine))
}

/// The bootstrap decision a set of facts leads to.
pub(super) fn bootstrap_decision(facts: &Value) -> String {
    if is_installer(facts) {
        "a NixOS installer (no bootstrap)".into()
    } else {
        match kexec_blocker(facts) {
            Some(why) => format!("the live-system mode ({why})"),
            None => "kexec".into(),
        }
    }
}

/// Every disk a plan wipes: `(action id, device)`.
pub(super) fn wiped_disks<'a>(actions: &[&'a Action]) -> Vec<(&'a str, String)> {
    actions
        .iter()
        .filter(|a| a.kind == Kind::Wipe)
        .filter_map(|a| {
            a.needs
                .iter()
                .find(|n| n.kind() == ResourceKind::Device)
                .map(|d| (a.id.as_str(), d.name().to_string()))
        })
        .collect()
}

/// How a login runs commands as root: itself (uid 0), or `sudo -n` or
/// `doas -n`, whichever the facts say works without a password.
pub(super) fn escalation(
    facts: &Value,
    target: &mut dyn Transport,
    command: Option<&[String]>,
) -> Result<Option<Escalation>, String> {
    if facts::get(facts, "uid") == Some("0") {
        return Ok(None);
    }
    if let Some(words) = command {
        // The node's own command: it must let the login through without
        // asking (as colmena requires), which a `true` run through it
        // shows before anything else runs.
        let e = Escalation::Command(words.to_vec());
        target.escalate_with(Some(e.clone()));
        let probe = Invocation {
            program: Program::Argv(vec!["true".into()]),
            env: probe_env(),
            stdin: None,
            timeout: Duration::from_secs(60),
        };
        let ran = target.run(&probe);
        target.escalate_with(None);
        return match ran {
            Ok(f) if f.success() => Ok(Some(e)),
            Ok(f) => Err(format!(
                "{} logs in as uid {}, and its deployment.privilegeEscalationCommand ({}) does not run commands as root there without asking ({}):\n{}",
                target.describe(),
                facts::get(facts, "uid").unwrap_or("?"),
                words.join(" "),
                f.describe(),
                f.tail(5)
            )),
            Err(err) => Err(format!("cannot reach {}: {err}", target.describe())),
        };
    }
    if facts::get(facts, "sudo") == Some("1") {
        Ok(Some(Escalation::Tool("sudo".to_string())))
    } else if facts::get(facts, "doas") == Some("1") {
        Ok(Some(Escalation::Tool("doas".to_string())))
    } else if target.has_password() {
        Ok(Some(Escalation::SudoWithPassword))
    } else {
        Err(format!(
            "{} logs in as uid {}, and neither sudo -n nor doas -n works there (a sudo that asks for a password: --ask-sudo-password)",
            target.describe(),
            facts::get(facts, "uid").unwrap_or("?")
        ))
    }
}

/// The environment of nixplan's own probes on a target (facts, locks):
/// the system's tools wherever the system keeps them, C locale.
pub(super) fn probe_env() -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    env.insert(
        "PATH".to_string(),
        "/run/current-system/sw/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
            .to_string(),
    );
    env.insert("LC_ALL".into(), "C".into());
    env
}

pub(super) fn gather_facts(target: &dyn Transport) -> Result<Value, String> {
    let inv = Invocation {
        program: Program::Script(FACTS_SCRIPT.to_string()),
        env: probe_env(),
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
pub(super) fn preflight(
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
    // A build of nothing (the target has no flake attribute) would fail
    // after the disks were changed: refused now.
    if let Some(a) = selected.iter().find(|a| {
        todo.contains(&a.id)
            && a.argv
                .iter()
                .flatten()
                .any(|w| w == nixplan_plan::placeholder::NO_FLAKE_ATTRIBUTE)
    }) {
        return refuse(format!(
            "{} has nothing to build: the target has no flake attribute nix can build (a module file, or a raw `colmena` output). Plan it with --system /nix/store/... (a system built beforehand), or only up to the disks with --stop-after persist",
            a.id
        ));
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
        // A tool the script asks for with `command -v` first is optional.
        let mut optional: Vec<&str> = Vec::new();
        if let Some(script) = &a.script {
            let split: Vec<&str> = script
                .split(|c: char| c.is_whitespace() || ";|&()$`'\"".contains(c))
                .filter(|w| !w.is_empty())
                .collect();
            for pair in split.windows(3) {
                if pair[0] == "command" && pair[1] == "-v" {
                    optional.push(pair[2]);
                }
            }
            words.extend(split);
        }
        for w in words.into_iter().filter(|w| !optional.contains(w)) {
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
pub(super) fn disk_problems(
    plan: &Plan,
    selected: &[&Action],
    facts: &Value,
    todo: &BTreeSet<String>,
    mounts: bool,
) -> Vec<String> {
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
        // Whatever mounts it, this plan's own from an earlier run too (its
        // wipe is still to run here, so this is another run's work).
        let mounted = facts::mounts_on(&disk);
        let holders = facts::holders_on(&disk);
        let elsewhere = facts::used_elsewhere(facts, &disk);
        if !mounts {
        } else if mounted.iter().any(|(_, m)| m == "/") {
            problems.push(format!(
                "{dev} holds the running system (/ is mounted from it)"
            ));
        } else if !mounted.is_empty() || !holders.is_empty() || !elsewhere.is_empty() {
            let list: Vec<String> = mounted
                .iter()
                .map(|(d, m)| format!("{d} on {m}"))
                .chain(holders.iter().map(|(d, t)| format!("{d} ({t}) is open")))
                .chain(elsewhere)
                .collect();
            problems.push(format!(
                "{dev} is in use: {}; unmount and close them first (they may be this plan's own, from a run with another state directory)",
                list.join(", ")
            ));
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

/// What reaching the target found.
pub(super) struct Reached {
    pub(super) facts: Value,
    /// An earlier run kexec'd it: it is the installer now, reached as root.
    pub(super) kexec_done: bool,
}

/// Reach the target (as the installer when an earlier run kexec'd it),
/// learn its facts and how it runs commands as root; the facts are kept
/// beside the run's log.
pub(super) fn reach(
    plan: &Plan,
    target: &mut dyn Transport,
    journal: &Journal,
    earlier: &BTreeMap<String, Record>,
) -> Result<Reached, Refusal> {
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
    let escalate =
        escalation(&facts, target, plan.target.escalation.as_deref()).map_err(Refusal)?;
    target.escalate_with(escalate);
    let _ = std::fs::write(
        journal
            .dir()
            .join("runs")
            .join(format!("{}.facts.json", journal.run)),
        serde_json::to_string_pretty(&facts).unwrap_or_default(),
    );
    Ok(Reached { facts, kexec_done })
}

/// `--unmount-own`: the disks this run wipes are mounted only where this
/// plan itself mounts (an earlier run of it, with another state
/// directory): unmount exactly those, deepest first, each said, and return
/// the facts gathered again. Nothing is done when any use is not the
/// plan's own (a foreign mount, an open LUKS, LVM or md holder, the
/// running system): `preflight` then refuses and names it.
pub(super) fn unmount_own(
    plan: &Plan,
    selected: &[&Action],
    facts: &Value,
    todo: &BTreeSet<String>,
    target: &dyn Transport,
    journal: &mut Journal,
    obs: &mut dyn Observer,
) -> Result<Option<Value>, Refusal> {
    let own: BTreeSet<&str> = plan
        .actions
        .iter()
        .filter(|a| a.kind == Kind::Mount)
        .flat_map(|a| a.produces.iter())
        .filter(|r| r.kind() == ResourceKind::Mount)
        .map(|r| r.name())
        .collect();
    let mut points: Vec<String> = Vec::new();
    for (id, dev) in wiped_disks(selected) {
        if !todo.contains(id) {
            continue;
        }
        let Some(disk) = facts::disk(facts, &dev) else {
            continue;
        };
        let mounted = facts::mounts_on(&disk);
        let foreign = mounted.iter().any(|(_, m)| !own.contains(m.as_str()))
            || !facts::holders_on(&disk).is_empty()
            || !facts::used_elsewhere(facts, &disk).is_empty();
        if foreign {
            return Ok(None);
        }
        points.extend(mounted.into_iter().map(|(_, m)| m));
    }
    if points.is_empty() {
        return Ok(None);
    }
    points.sort();
    points.dedup();
    // Deepest first: /mnt/boot before /mnt.
    points.sort_by_key(|p| std::cmp::Reverse(p.matches('/').count()));
    for point in &points {
        let said = format!(
            "unmounting {point}: this plan's own mount, from an earlier run (--unmount-own)"
        );
        journal.log(&format!("== {said}\n"));
        obs.event(Event::Note(said));
        let inv = Invocation {
            program: Program::Argv(vec!["umount".into(), point.clone()]),
            env: probe_env(),
            stdin: None,
            timeout: Duration::from_secs(120),
        };
        let fin = target
            .run(&inv)
            .map_err(|e| Refusal(format!("cannot unmount {point}: {e}")))?;
        if !fin.success() {
            return refuse(format!(
                "cannot unmount {point} ({}):\n{}",
                fin.describe(),
                fin.tail(10)
            ));
        }
    }
    gather_facts(target).map(Some).map_err(Refusal)
}

/// The lock a run's commands hold on a remote target while they live
/// (`/run/nixplan/plan-HASH.running`): taken exclusively for a moment, it
/// says whether a command of an earlier run of this plan is still running
/// there (nixplan was killed, the SSH connection dropped, the command went
/// on); refused if so, else every command of this run holds it shared.
pub(super) fn remote_running_lock(plan: &Plan, target: &mut dyn Transport) -> Result<(), Refusal> {
    let short: String = plan
        .hash
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(16)
        .collect();
    let lock = format!("/run/nixplan/plan-{short}.running");
    let inv = Invocation {
        program: Program::Script(format!(
            "l={}; command -v flock >/dev/null 2>&1 || exit 0; [ -e \"$l\" ] || exit 0; flock -n -x \"$l\" true || exit 75",
            sh_quote(&lock)
        )),
        env: probe_env(),
        stdin: None,
        timeout: Duration::from_secs(60),
    };
    let fin = target
        .run(&inv)
        .map_err(|e| Refusal(format!("cannot reach {}: {e}", target.describe())))?;
    match fin.code {
        Some(0) => {
            target.hold_remote_lock(Some(lock));
            Ok(())
        }
        Some(75) => refuse(format!(
            "a command started by an earlier run of this plan is still running on {} (it holds {lock} there): wait for it to end, or end it, then --resume",
            target.describe()
        )),
        _ => refuse(format!(
            "cannot check the run lock {lock} on {} ({}):\n{}",
            target.describe(),
            fin.describe(),
            fin.tail(10)
        )),
    }
}
