//! Turning a TARGET argument (`PATH#NAME` or `FILE.nix`) into an evaluated
//! typed configuration.

use std::path::{Path, PathBuf};

use nixplan_eval::fs::OsFileSystem;
use nixplan_eval::Eval;
use nixplan_nixos::config::{self, Config, Target};
use nixplan_nixos::embedded::WithEmbedded;

use std::io::IsTerminal;

use nixplan_flake::Resolver;
use nixplan_nixos::inputs::InputHost;

use crate::cli::{EvalWith, InputFlags};
use crate::eval_cmd::{report_eval, settings_from_env};

pub fn parse_target(arg: &str) -> Result<Target, String> {
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the working directory: {e}"))?;
    let abs = |p: &str| -> PathBuf {
        let p = if p.is_empty() { "." } else { p };
        let path = Path::new(p);
        let joined = if path.is_absolute() {
            path.to_path_buf()
        } else {
            cwd.join(path)
        };
        normalize(&joined)
    };
    if let Some((path, name)) = arg.rsplit_once('#') {
        // nix's `path:ROOT?dir=SUB`: the flake in ROOT/SUB, its source all
        // of ROOT.
        // `path:DIR` alone: all of DIR, as nix's `path:` copies it.
        let scheme = path.starts_with("path:");
        let path = path.strip_prefix("path:").unwrap_or(path);
        let (path, root) = match path.split_once('?') {
            Some((root, query)) => {
                let params: Vec<&str> = query.split('&').collect();
                let sub = match params[..] {
                    [one] => one.strip_prefix("dir="),
                    _ => None,
                }
                .ok_or_else(|| {
                    format!("'{arg}': the only parameter a flake reference takes here is dir=SUBDIRECTORY")
                })?;
                let root = abs(root);
                (root.join(sub).display().to_string(), Some(root))
            }
            None if scheme => (path.to_string(), Some(abs(path))),
            None => (path.to_string(), None),
        };
        let dir = abs(&path);
        if let Some(root) = &root {
            if !dir.starts_with(root) {
                return Err(format!("'{arg}': dir= leaves '{}'", root.display()));
            }
        }
        if !dir.join("flake.nix").is_file() && !dir.join("hive.nix").is_file() {
            return Err(format!(
                "'{}' has no flake.nix (nor a colmena hive.nix)",
                dir.display()
            ));
        }
        if name.is_empty() {
            return Err(format!("'{arg}': name the configuration after '#'"));
        }
        return Ok(Target::Flake {
            dir: dir.display().to_string(),
            name: name.to_string(),
            root: root.map(|r| r.display().to_string()),
        });
    }
    let file = abs(arg);
    if file.is_dir() && file.join("flake.nix").is_file() {
        return Err(format!(
            "'{arg}' is a flake: name a configuration, as in '{arg}#HOST'"
        ));
    }
    if file.is_dir() && file.join("hive.nix").is_file() {
        return Err(format!(
            "'{arg}' is a colmena hive: name a node, as in '{arg}#HOST'"
        ));
    }
    if !file.is_file() {
        return Err(format!(
            "'{arg}' is neither a file nor PATH#NAME of a flake"
        ));
    }
    Ok(Target::Module {
        file: file.display().to_string(),
    })
}

fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

/// How inputs are resolved for this run: the flags, and
/// `NIXPLAN_OFFLINE=1` (the tests' default) as `--offline`.
pub fn resolver_options(flags: &InputFlags) -> nixplan_flake::Options {
    let offline = flags.offline || std::env::var("NIXPLAN_OFFLINE").is_ok_and(|v| v == "1");
    let mut o = nixplan_flake::Options::new(flags.overrides(), offline);
    o.sources = flags.sources();
    // Not where what is said is held back (a hive's nodes evaluated at
    // once): their bars would draw over each other.
    o.progress = std::io::stderr().is_terminal() && !crate::report::holding();
    o
}

/// The inputs `--override-input` can give a plain module file.
const MODULE_FILE_INPUTS: &[&str] = &["disko", "impermanence", "nixpkgs"];

/// Evaluate a target (with nixplan's evaluator, or nix's with `--eval
/// nix`); on failure the error has been reported.
pub fn load_config(arg: &str, flags: &InputFlags) -> Result<(Eval, Config), ()> {
    if flags.eval == EvalWith::Nix {
        return load_config_with_nix(arg, flags);
    }
    let target = match parse_target(arg) {
        Ok(t) => t,
        Err(e) => {
            crate::say!("error: {e}");
            return Err(());
        }
    };
    let mut ev = Eval::new(
        Box::new(WithEmbedded(OsFileSystem)),
        settings_from_env(&[], 200_000),
    );
    // Flakes are evaluated purely: no environment variables.
    ev.settings.env.clear();
    let mut log = None;
    if let Target::Flake { dir, root, .. } = &target {
        // A broken lock is said at its line before anything reads it.
        if let Err(e) = nixplan_nixos::lockfile::check(&mut ev, dir) {
            report_eval(&ev, &e);
            return Err(());
        }
        let resolver = Resolver::new(Path::new(dir), resolver_options(flags)).map_err(|e| {
            crate::say!("error: {e}");
        })?;
        let mut host = InputHost::new(resolver, flags.strict_inputs);
        host.source_root = root.as_ref().map(PathBuf::from);
        log = Some(host.log.clone());
        ev.host = Some(Box::new(host));
    } else if let Target::Module { file } = &target {
        if !flags.override_input.is_empty() {
            // A module file has no flake.lock of its own: only the inputs
            // nixplan knows how to use without one can be given.
            if let Some((name, _)) = flags
                .overrides()
                .into_iter()
                .find(|(n, _)| !MODULE_FILE_INPUTS.contains(&n.as_str()))
            {
                crate::say!(
                    "error: --override-input {name}: a module file (not a flake) can be given only {} (the disko and impermanence it is planned with, and the nixpkgs whose lib evaluates it)",
                    MODULE_FILE_INPUTS.join(", ")
                );
                return Err(());
            }
            let dir = Path::new(file).parent().unwrap_or(Path::new("/"));
            let resolver = Resolver::new(dir, resolver_options(flags)).map_err(|e| {
                crate::say!("error: {e}");
            })?;
            let host = InputHost::new(resolver, flags.strict_inputs);
            log = Some(host.log.clone());
            ev.host = Some(Box::new(host));
        }
    }
    match config::load(&mut ev, &target) {
        Ok(mut c) => {
            if let Some(log) = log {
                c.inputs = log.borrow().values().cloned().collect();
            }
            for w in nixplan_nixos::inputs::warnings(&c.inputs) {
                crate::report::warn(&w);
            }
            for (name, s) in &c.activation_scripts {
                if let Some(e) = &s.error {
                    crate::report::warn(&format!(
                        "the activation snippet {name} cannot be evaluated here: {e}; a plan leaves it out and is incomplete (apply refuses it)"
                    ));
                }
            }
            Ok((ev, c))
        }
        Err(e) => {
            report_eval(&ev, &e);
            crate::eval_cmd::finish(ev);
            Err(())
        }
    }
}

/// The names the flake in `dir` deploys to (its colmena hive's nodes, else
/// its nixosConfigurations); on failure the error has been reported.
pub fn flake_nodes(dir: &str, flags: &InputFlags) -> Result<(Vec<String>, bool), ()> {
    let mut ev = Eval::new(
        Box::new(WithEmbedded(OsFileSystem)),
        settings_from_env(&[], 200_000),
    );
    ev.settings.env.clear();
    let resolver = Resolver::new(Path::new(dir), resolver_options(flags)).map_err(|e| {
        crate::say!("error: {e}");
    })?;
    ev.host = Some(Box::new(InputHost::new(resolver, flags.strict_inputs)));
    let out = config::flake_nodes(&mut ev, dir).map_err(|e| report_eval(&ev, &e));
    crate::eval_cmd::finish(ev);
    out
}

/// `nix ARGS` (flakes enabled): its JSON output, or the error reported
/// (unless `quiet`).
fn nix_json_with(args: &[String], quiet: bool) -> Result<serde_json::Value, ()> {
    let output = std::process::Command::new("nix")
        .args(["--extra-experimental-features", "nix-command flakes"])
        .args(args)
        .output();
    let output = match output {
        Ok(o) => o,
        Err(e) => {
            crate::say!("error: --eval nix needs a nix installation (running nix failed: {e})");
            return Err(());
        }
    };
    if !output.status.success() {
        if !quiet {
            crate::say!(
                "error: nix eval failed:\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        return Err(());
    }
    serde_json::from_slice(&output.stdout).map_err(|e| {
        crate::say!("error: nix printed something that is not JSON: {e}");
    })
}

fn nix_json(args: &[String]) -> Result<serde_json::Value, ()> {
    nix_json_with(args, false)
}

/// `--eval nix`: ask the installed nix for the configuration's values. A
/// flake's nixosConfigurations are nix's own (`nix eval
/// path:DIR#nixosConfigurations.NAME.config`, with `--override-input` and
/// `--offline` passed on); colmena nodes, diskoConfigurations and module
/// files are nixplan's own Nix (`nixplan.nix`, written to a temporary
/// directory) run by nix, on the flake nix loads (`builtins.getFlake`).
fn load_config_with_nix(arg: &str, flags: &InputFlags) -> Result<(Eval, Config), ()> {
    let target = parse_target(arg).map_err(|e| crate::say!("error: {e}"))?;
    if !flags.override_source.is_empty() {
        crate::say!("error: --override-source is nixplan's own (nix has none): with --eval nix, give each input with --override-input");
        return Err(());
    }
    let passed: Vec<String> = flags
        .overrides()
        .into_iter()
        .flat_map(|(n, r)| ["--override-input".to_string(), n, r])
        .chain(flags.offline.then(|| "--offline".to_string()))
        .collect();
    let quote = nixplan_eval::print::escape_string;
    let select = config::NIX_SELECT;
    let (kind, json) = match &target {
        Target::Flake { dir, name, .. } => {
            // nix reads the flake as nixplan does: from ROOT when given, a
            // git work tree's tracked files, else the directory.
            let reference = target
                .nix_flake_reference()
                .expect("a flake target has a reference");
            let mut probe = vec![
                "eval".to_string(),
                "--json".into(),
                format!("{reference}#nixosConfigurations"),
                "--apply".into(),
                format!("c: builtins.hasAttr {} c", quote(name)),
            ];
            probe.extend(passed.iter().cloned());
            // A flake without nixosConfigurations (or that nix cannot load)
            // is asked again below, where nix's error is shown.
            let is_nixos = nix_json_with(&probe, true).unwrap_or(serde_json::Value::Bool(false))
                == serde_json::Value::Bool(true);
            if is_nixos {
                let mut args = vec![
                    "eval".to_string(),
                    "--json".into(),
                    format!("{reference}#nixosConfigurations.{name}.config"),
                    "--apply".into(),
                    select.to_string(),
                ];
                args.extend(passed.iter().cloned());
                ("nixosConfiguration".to_string(), nix_json(&args)?)
            } else {
                if !flags.override_input.is_empty() {
                    crate::say!("error: --eval nix passes --override-input to nix for nixosConfigurations only ('{name}' is not one)");
                    return Err(());
                }
                let tmp = embedded_copy()?;
                let expr = format!(
                    "(import {}/nixplan.nix).targetOf (builtins.getFlake {}) {} {}",
                    tmp.path().display(),
                    quote(&reference),
                    quote(dir),
                    quote(name)
                );
                with_kind(&expr, select, &passed)?
            }
        }
        Target::Module { file } => {
            let tmp = embedded_copy()?;
            let expr = format!(
                "(import {}/nixplan.nix).fileTarget {}",
                tmp.path().display(),
                quote(file)
            );
            with_kind(&expr, select, &passed)?
        }
    };
    let mut ev = Eval::new(
        Box::new(WithEmbedded(OsFileSystem)),
        settings_from_env(&[], 200_000),
    );
    match config::from_nix_json(&mut ev, &target, &kind, json) {
        Ok(c) => Ok((ev, c)),
        Err(e) => {
            report_eval(&ev, &e);
            Err(())
        }
    }
}

/// nixplan's Nix sources in a temporary directory, for nix to read.
fn embedded_copy() -> Result<tempfile::TempDir, ()> {
    let tmp = tempfile::Builder::new()
        .prefix("nixplan-nix-")
        .tempdir()
        .map_err(|e| crate::say!("error: cannot make a temporary directory: {e}"))?;
    nixplan_nixos::embedded::write_to(tmp.path())
        .map_err(|e| crate::say!("error: cannot write nixplan's Nix sources: {e}"))?;
    Ok(tmp)
}

/// `nix eval --impure --expr EXPR` of a `{ kind; eval; }` target: its kind
/// and the selected configuration.
fn with_kind(
    expr: &str,
    select: &str,
    passed: &[String],
) -> Result<(String, serde_json::Value), ()> {
    let mut args = vec![
        "eval".to_string(),
        "--impure".into(),
        "--json".into(),
        "--expr".into(),
        expr.to_string(),
        "--apply".into(),
        format!("t: {{ kind = t.kind; config = ({select}) t.eval.config; }}"),
    ];
    args.extend(passed.iter().cloned());
    let mut out = nix_json(&args)?;
    let kind = out["kind"].as_str().unwrap_or("module").to_string();
    Ok((kind, out["config"].take()))
}
