//! `nixplan plan TARGET`: evaluate, plan, print or save.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use nixplan_nixos::config::Target;
use nixplan_plan::{sha256_hex, PhaseSelection, SourceDigest, SourceFile};
use nixplan_planner::{render, BootstrapMode, KexecImage, PlanOptions};

use crate::cli::{BootstrapArg, PlanArgs, PlanFormat, PlanInputs};
use crate::target::{load_config, parse_target};

/// Every file the evaluation read (and flake.lock), relative to the target,
/// but those in the store: a store path's contents never change (an
/// input's are pinned by flake.lock), so they are neither hashed again
/// here (a NixOS evaluation reads thousands of nixpkgs' files) nor
/// checked by apply, where they may be absent.
fn source_digest(target: &Target, files: &[std::path::PathBuf]) -> SourceDigest {
    let base = match target {
        Target::Flake { dir, .. } => dir.clone(),
        Target::Module { file } => Path::new(file)
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
    };
    // Where store paths are, as the inputs' resolution sees it.
    let store = nixplan_flake::store_dir();
    let mut paths: Vec<std::path::PathBuf> = files
        .iter()
        .filter(|p| !p.starts_with(nixplan_eval::fs::EMBEDDED_ROOT) && !p.starts_with(&store))
        .cloned()
        .collect();
    if let Target::Flake { dir, .. } = target {
        let lock = Path::new(dir).join("flake.lock");
        if lock.is_file() {
            paths.push(lock);
        }
    }
    paths.sort();
    paths.dedup();
    let mut out = Vec::new();
    for p in paths {
        let Ok(data) = std::fs::read(&p) else {
            continue;
        };
        let shown = p
            .strip_prefix(&base)
            .map(|r| r.display().to_string())
            .unwrap_or_else(|_| p.display().to_string());
        out.push(SourceFile {
            path: shown,
            sha256: sha256_hex(&data),
        });
    }
    let listing: String = out
        .iter()
        .map(|f| format!("{}\0{}\n", f.path, f.sha256))
        .collect();
    SourceDigest {
        digest: format!("sha256:{}", sha256_hex(listing.as_bytes())),
        root: Some(base),
        // Only a named root's reference says more than `root`.
        reference: target.flake_reference().filter(|r| r.starts_with("path:")),
        files: out,
    }
}

/// The phases named by `--phases` and `--stop-after`; an unknown one is
/// an error here.
pub fn phase_selection(
    only: &[String],
    stop_after: Option<&str>,
) -> Result<PhaseSelection, ExitCode> {
    PhaseSelection::parse(only, stop_after).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(1)
    })
}

/// The flake attribute `nix build` builds the node's system from.
fn flake_attr_of(target: &Target, config: &nixplan_nixos::config::Config) -> Option<String> {
    // The flake as nix must be given it to read what nixplan read (a
    // named root's `path:ROOT?dir=SUB`; an untracked flake as `path:`).
    let flake = target.nix_flake_reference()?;
    let name = target.name();
    match (&config.target.toplevel, config.target.kind.as_str()) {
        (Some(attr), _) => Some(format!("{flake}#{attr}")),
        (None, "nixosConfiguration") => Some(format!(
            "{flake}#nixosConfigurations.{name}.config.system.build.toplevel"
        )),
        (None, _) => None,
    }
}

/// Whether `sel` (`--on`: names, globs, `@tag`s, comma separated) picks
/// the node `name` with these tags.
fn selected(sel: &str, name: &str, tags: &[String]) -> Result<bool, String> {
    let mut any = false;
    for item in sel.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (pattern, against): (&str, Vec<&str>) = match item.strip_prefix('@') {
            Some(tag) => (tag, tags.iter().map(|t| t.as_str()).collect()),
            None => (item, vec![name]),
        };
        let p = glob::Pattern::new(pattern)
            .map_err(|e| format!("--on {item:?} is not a name, glob or @tag: {e}"))?;
        any |= against.iter().any(|w| p.matches(w));
    }
    Ok(any)
}

/// A deploy to several nodes of a hive (`--on`, or a flake directory as
/// TARGET): each node evaluated and planned as `PATH#NAME` would be, then
/// one plan with a section per host.
fn make_hive_plan(
    inputs: &PlanInputs,
    dir: &str,
    goal: nixplan_planner::deploy::Goal,
) -> Result<nixplan_planner::Plan, ExitCode> {
    let fail = |e: String| {
        eprintln!("error: {e}");
        ExitCode::from(1)
    };
    let dir = std::path::absolute(dir)
        .map_err(|e| fail(format!("{dir}: {e}")))?
        .display()
        .to_string();
    if !Path::new(&dir).join("flake.nix").is_file() && !Path::new(&dir).join("hive.nix").is_file() {
        return Err(fail(format!(
            "'{dir}' has no flake.nix (nor a colmena hive.nix)"
        )));
    }
    for (flag, given) in [
        ("--target-host", inputs.target_host.is_some()),
        ("--system", inputs.choices.system.is_some()),
    ] {
        if given {
            return Err(fail(format!(
                "{flag} names one host's: with several nodes, give it per node (deployment.targetHost) or plan PATH#NAME"
            )));
        }
    }
    let (names, allow_all) =
        crate::target::flake_nodes(&dir, &inputs.choices.inputs).map_err(|_| ExitCode::from(1))?;
    if inputs.choices.on.is_none() && !allow_all {
        return Err(fail(format!(
            "the hive sets meta.allowApplyAll = false: say which nodes with --on (nodes: {})",
            names.join(", ")
        )));
    }
    if names.is_empty() {
        return Err(fail(format!(
            "'{dir}' has no colmena hive and no nixosConfigurations to deploy to"
        )));
    }
    let mut prebuilt = std::collections::BTreeMap::new();
    for pair in &inputs.choices.node_system {
        let Some((name, path)) = pair.split_once('=') else {
            return Err(fail(format!("--node-system {pair:?}: give NAME=PATH")));
        };
        if !names.iter().any(|n| n == name) {
            return Err(fail(format!(
                "--node-system {pair:?}: the hive has no node {name} (nodes: {})",
                names.join(", ")
            )));
        }
        prebuilt.insert(name.to_string(), path.to_string());
    }
    let sel = inputs.choices.on.clone().unwrap_or_else(|| "*".into());
    // Names and globs choose without evaluating; tags need each node's
    // deployment.tags, so with a tag every node is evaluated (as colmena
    // does).
    let by_tag = sel.split(',').any(|i| i.trim().starts_with('@'));
    // Every name, glob and tag read before any node is evaluated.
    selected(&sel, "", &[]).map_err(fail)?;
    let mut nodes = Vec::new();
    for name in &names {
        if !by_tag && !selected(&sel, name, &[]).map_err(fail)? {
            continue;
        }
        let mut node = PlanInputs {
            target: format!("{dir}#{name}"),
            target_host: None,
            choices: inputs.choices.clone(),
        };
        node.choices.system = prebuilt.get(name).cloned();
        nodes.push((name, node));
    }
    // Each node is evaluated in a process of its own (`--eval nix` runs a
    // nix per node): one per core, at most 4, one with nix, unless told.
    let jobs = inputs.choices.eval_jobs.map_or_else(
        || match inputs.choices.inputs.eval {
            crate::cli::EvalWith::Nix => 1,
            _ => std::thread::available_parallelism().map_or(1, |n| n.get().min(4)),
        },
        |n| n as usize,
    );
    let outcomes = crate::nodes::evaluate(nodes.len(), jobs, |i| {
        let (name, node) = &nodes[i];
        node_plan(node, name, &sel, goal)
    });
    let mut plans = Vec::new();
    // In the nodes' order, as one after the other: what each said, and
    // the first that fails ends the plan.
    for ((name, _), outcome) in nodes.iter().zip(outcomes) {
        let outcome = match outcome {
            crate::nodes::Ended::Gave(outcome) => outcome,
            crate::nodes::Ended::Died(how) => {
                return Err(fail(format!(
                    "evaluating node {name} failed unexpectedly ({how})"
                )))
            }
            // Only a node after one that failed is not started, and the
            // plan ended at that one.
            crate::nodes::Ended::NotStarted => {
                return Err(fail(format!("node {name} was not evaluated")))
            }
        };
        eprint!("{}", outcome.said);
        for report in &outcome.profiles {
            crate::eval_cmd::write_profile(report);
        }
        match outcome.plan {
            Ok(Some(plan)) => plans.push(plan),
            Ok(None) => {}
            Err(()) => return Err(ExitCode::from(1)),
        }
    }
    if plans.is_empty() {
        return Err(fail(format!(
            "--on {sel} selects none of the nodes ({})",
            names.join(", ")
        )));
    }
    let name = Path::new(&dir)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "hive".into());
    Ok(nixplan_planner::deploy::hive(
        &name,
        goal,
        plans,
        env!("CARGO_PKG_VERSION"),
    ))
}

/// A hive node's plan: evaluated, chosen by `--on` (a tag needs the
/// evaluation), and planned; `None` when `--on` leaves it out. A failure
/// has been said.
fn node_plan(
    node: &PlanInputs,
    name: &str,
    sel: &str,
    goal: nixplan_planner::deploy::Goal,
) -> Result<Option<nixplan_planner::Plan>, ()> {
    let target = parse_target(&node.target).map_err(|e| crate::say!("error: {e}"))?;
    let (ev, config) = load_config(&node.target, &node.choices.inputs)?;
    let digest = source_digest(&target, &ev.files_read);
    crate::eval_cmd::finish(ev);
    let tags = config
        .deployment
        .as_ref()
        .map(|d| d.tags.value.clone())
        .unwrap_or_default();
    if !selected(sel, name, &tags).map_err(|e| crate::say!("error: {e}"))? {
        return Ok(None);
    }
    let attr = flake_attr_of(&target, &config);
    deploy_plan(node, goal, &config, digest, attr)
        .map(Some)
        .map_err(|_| ())
}

/// One node's deploy plan.
fn deploy_plan(
    inputs: &PlanInputs,
    goal: nixplan_planner::deploy::Goal,
    config: &nixplan_nixos::config::Config,
    digest: SourceDigest,
    flake_attr: Option<String>,
) -> Result<nixplan_planner::Plan, ExitCode> {
    let c = &inputs.choices;
    let install_only = [
        ("--facts", c.facts.is_some()),
        ("--extra-files", c.extra_files.is_some()),
        ("--chown", !c.chown.is_empty()),
        ("--kexec-url", c.kexec_url.is_some()),
        ("--kexec-tarball", c.kexec_tarball.is_some()),
        ("--secret-file", !c.secret_file.is_empty()),
        ("--bootstrap", c.bootstrap != BootstrapArg::Auto),
    ];
    if let Some((flag, _)) = install_only.iter().find(|(_, given)| *given) {
        crate::say!("error: {flag} is for installs; a deploy (--goal) does not take it");
        return Err(ExitCode::from(1));
    }
    let options = nixplan_planner::deploy::DeployOptions {
        goal,
        target_host: inputs.target_host.clone(),
        system: c.system.clone(),
        flake_attr,
        build_on_target: c.build_on_target,
        confirm_timeout: (!c.no_rollback).then_some(c.confirm_timeout),
        substitute_on_destination: c.substitute_on_destination,
        force_replace_unknown_profiles: c.force_replace_unknown_profiles,
        builders: c.builders.clone(),
        reboot: c.reboot,
        nixplan_version: env!("CARGO_PKG_VERSION").to_string(),
    };
    nixplan_planner::deploy::plan(config, &options, digest).map_err(|e| {
        crate::say!("error: {e}");
        ExitCode::from(1)
    })
}

/// Evaluate the target and plan it; errors are printed here.
pub fn make_plan(
    inputs: &PlanInputs,
    phases: &PhaseSelection,
) -> Result<nixplan_planner::Plan, ExitCode> {
    if let Some(goal) = inputs.choices.goal {
        let is_dir = !inputs.target.contains('#') && Path::new(&inputs.target).is_dir();
        if inputs.choices.on.is_some() || is_dir {
            if *phases != PhaseSelection::default() {
                eprintln!(
                    "error: --phases/--stop-after are for installs; a deploy (--goal) does not take them"
                );
                return Err(ExitCode::from(1));
            }
            let dir = inputs.target.trim_end_matches('#');
            if dir.contains('#') {
                eprintln!(
                    "error: --on picks nodes of a hive: give the flake's directory, not {}",
                    inputs.target
                );
                return Err(ExitCode::from(1));
            }
            return make_hive_plan(inputs, dir, goal);
        }
    }
    let target = parse_target(&inputs.target).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(1)
    })?;
    let (ev, config) =
        load_config(&inputs.target, &inputs.choices.inputs).map_err(|_| ExitCode::from(1))?;
    let facts = match &inputs.choices.facts {
        Some(f) => match std::fs::read_to_string(f)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
        {
            Ok(v) => Some(v),
            Err(e) => {
                eprintln!("error: cannot read facts from {}: {e}", f.display());
                return Err(ExitCode::from(1));
            }
        },
        None => None,
    };
    let flake_attr = flake_attr_of(&target, &config);
    let digest = source_digest(&target, &ev.files_read);
    if let Some(goal) = inputs.choices.goal {
        crate::eval_cmd::finish(ev);
        if *phases != PhaseSelection::default() {
            eprintln!(
                "error: --phases/--stop-after are for installs; a deploy (--goal) does not take them"
            );
            return Err(ExitCode::from(1));
        }
        if !inputs.choices.node_system.is_empty() {
            eprintln!("error: --node-system is for a hive deploy (--on); one node's built system is --system PATH");
            return Err(ExitCode::from(1));
        }
        return deploy_plan(inputs, goal, &config, digest, flake_attr);
    }
    let options = PlanOptions {
        target_host: inputs.target_host.clone(),
        bootstrap: match inputs.choices.bootstrap {
            BootstrapArg::Auto => BootstrapMode::Auto,
            BootstrapArg::Kexec => BootstrapMode::Kexec,
            BootstrapArg::Live => BootstrapMode::Live,
            BootstrapArg::None => BootstrapMode::None,
        },
        system: inputs.choices.system.clone(),
        flake_attr,
        facts,
        phases: phases.clone(),
        extra_files: inputs.choices.extra_files.as_ref().map(|p| {
            std::path::absolute(p)
                .unwrap_or_else(|_| p.clone())
                .display()
                .to_string()
        }),
        chown: inputs
            .choices
            .chown
            .chunks(2)
            .map(|c| (c[0].clone(), c[1].clone()))
            .collect(),
        kexec_image: match (&inputs.choices.kexec_url, &inputs.choices.kexec_tarball) {
            (_, Some(path)) => {
                let data = std::fs::read(path).map_err(|e| {
                    eprintln!("error: cannot read {}: {e}", path.display());
                    ExitCode::from(1)
                })?;
                KexecImage::Upload {
                    path: std::path::absolute(path)
                        .unwrap_or_else(|_| path.clone())
                        .display()
                        .to_string(),
                    sha256: sha256_hex(&data),
                }
            }
            (Some(url), None) => KexecImage::Download { url: url.clone() },
            (None, None) => KexecImage::default(),
        },
        secret_files: {
            let mut out = Vec::new();
            for pair in inputs.choices.secret_file.chunks(2) {
                let (remote, local) = (&pair[0], std::path::Path::new(&pair[1]));
                if !remote.starts_with('/') {
                    eprintln!(
                        "error: --secret-file {remote}: the path on the target must be absolute"
                    );
                    return Err(ExitCode::from(1));
                }
                // Only checked to be readable now; read when applying.
                if let Err(e) = std::fs::File::open(local) {
                    eprintln!("error: --secret-file {}: {e}", local.display());
                    return Err(ExitCode::from(1));
                }
                out.push((
                    remote.clone(),
                    std::path::absolute(local)
                        .unwrap_or_else(|_| local.to_path_buf())
                        .display()
                        .to_string(),
                ));
            }
            out
        },
        nixplan_version: env!("CARGO_PKG_VERSION").to_string(),
    };
    crate::eval_cmd::finish(ev);
    // What lint calls an error is not planned: one validation for both.
    let errors: Vec<_> = nixplan_planner::lint::lint(
        &config,
        &crate::lint_cmd::main_file(&target),
        options.facts.as_ref(),
    )
    .into_iter()
    .filter(|f| f.severity == nixplan_planner::lint::Severity::Error)
    .collect();
    if !errors.is_empty() {
        for f in &errors {
            crate::lint_cmd::print_finding(f);
        }
        eprintln!(
            "error: nothing was planned: the configuration has {} lint error{} (`nixplan lint {}` shows every finding)",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" },
            inputs.target
        );
        return Err(ExitCode::from(1));
    }
    nixplan_planner::plan(&config, &options, digest).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(1)
    })
}

pub fn run(args: PlanArgs) -> ExitCode {
    let phases = match phase_selection(&args.phases, args.stop_after.as_deref()) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let mut plan = match make_plan(&args.inputs, &phases) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if let Some(key) = &args.sign {
        plan = match nixplan_plan::signature::sign(plan, key) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(1);
            }
        };
    }
    if let Some(out) = &args.out {
        if let Err(e) = std::fs::write(out, plan.to_json()) {
            eprintln!("error: cannot write {}: {e}", out.display());
            return ExitCode::from(1);
        }
        eprintln!(
            "{} (saved to {})",
            render::summary_line(&plan),
            out.display()
        );
    }
    if let Some(old_path) = &args.diff {
        let old = match std::fs::read_to_string(old_path)
            .map_err(|e| e.to_string())
            .and_then(|t| nixplan_planner::Plan::from_json(&t))
        {
            Ok(p) => p,
            Err(e) => {
                eprintln!("error: cannot read the plan {}: {e}", old_path.display());
                return ExitCode::from(1);
            }
        };
        print!("{}", nixplan_planner::diff::render(&old, &plan));
    } else if args.out.is_none() || args.format.is_some() {
        let color = std::io::stdout().is_terminal();
        match args.format.unwrap_or(PlanFormat::Text) {
            PlanFormat::Json => print!("{}", plan.to_json()),
            PlanFormat::Text => print!("{}", render::text(&plan, &render::Style { color })),
            PlanFormat::Dot => print!("{}", render::dot(&plan)),
            PlanFormat::Mermaid => print!("{}", render::mermaid(&plan)),
            PlanFormat::Markdown => print!("{}", render::markdown(&plan)),
        }
    }
    if args.detailed_exitcode && plan.summary.destructive > 0 {
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}
