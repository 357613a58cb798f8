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
        let dir = abs(path);
        if !dir.join("flake.nix").is_file() {
            return Err(format!("'{}' has no flake.nix", dir.display()));
        }
        if name.is_empty() {
            return Err(format!("'{arg}': name the configuration after '#'"));
        }
        return Ok(Target::Flake {
            dir: dir.display().to_string(),
            name: name.to_string(),
        });
    }
    let file = abs(arg);
    if file.is_dir() && file.join("flake.nix").is_file() {
        return Err(format!(
            "'{arg}' is a flake: name a configuration, as in '{arg}#HOST'"
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
    o.progress = std::io::stderr().is_terminal();
    o
}

/// Evaluate a target (with nixplan's evaluator, or nix's with `--eval
/// nix`); on failure the error has been reported.
pub fn load_config(arg: &str, flags: &InputFlags) -> Result<(Eval, Config), ()> {
    if flags.eval == EvalWith::Nix {
        return load_config_with_nix(arg, flags);
    }
    let target = match parse_target(arg) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
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
    if let Target::Flake { dir, .. } = &target {
        // A broken lock is said at its line before anything reads it.
        if let Err(e) = nixplan_nixos::lockfile::check(&mut ev, dir) {
            report_eval(&ev, &e);
            return Err(());
        }
        let resolver = Resolver::new(Path::new(dir), resolver_options(flags)).map_err(|e| {
            eprintln!("error: {e}");
        })?;
        let host = InputHost::new(resolver, flags.strict_inputs);
        log = Some(host.log.clone());
        ev.host = Some(Box::new(host));
    } else if !flags.override_input.is_empty() {
        eprintln!("error: --override-input applies to flakes (PATH#NAME), not to module files");
        return Err(());
    }
    match config::load(&mut ev, &target) {
        Ok(mut c) => {
            if let Some(log) = log {
                c.inputs = log.borrow().values().cloned().collect();
            }
            for w in nixplan_nixos::inputs::warnings(&c.inputs) {
                crate::report::warn(&w);
            }
            Ok((ev, c))
        }
        Err(e) => {
            report_eval(&ev, &e);
            std::mem::forget(ev);
            Err(())
        }
    }
}

/// `--eval nix`: ask the installed nix for the configuration's values.
fn load_config_with_nix(arg: &str, flags: &InputFlags) -> Result<(Eval, Config), ()> {
    let target = parse_target(arg).map_err(|e| eprintln!("error: {e}"))?;
    let (dir, name) = match &target {
        Target::Flake { dir, name } => (dir.clone(), name.clone()),
        Target::Module { .. } => {
            eprintln!("error: --eval nix evaluates flakes (PATH#NAME); use the embedded evaluator for module files");
            return Err(());
        }
    };
    let attr = format!("path:{dir}#nixosConfigurations.{name}.config");
    let output = std::process::Command::new("nix")
        .args([
            "--extra-experimental-features",
            "nix-command flakes",
            "eval",
            "--json",
            &attr,
            "--apply",
        ])
        .arg(config::NIX_SELECT)
        .args(
            flags
                .overrides()
                .iter()
                .flat_map(|(n, r)| ["--override-input".to_string(), n.clone(), r.clone()]),
        )
        .args(flags.offline.then_some("--offline"))
        .output();
    let output = match output {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: --eval nix needs a nix installation (running nix failed: {e})");
            return Err(());
        }
    };
    if !output.status.success() {
        eprintln!(
            "error: nix eval {attr} failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        return Err(());
    }
    let json: serde_json::Value = match serde_json::from_slice(&output.stdout) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("error: nix printed something that is not JSON: {e}");
            return Err(());
        }
    };
    let mut ev = Eval::new(
        Box::new(WithEmbedded(OsFileSystem)),
        settings_from_env(&[], 200_000),
    );
    match config::from_nix_json(&mut ev, &target, "nixosConfiguration", json) {
        Ok(c) => Ok((ev, c)),
        Err(e) => {
            report_eval(&ev, &e);
            Err(())
        }
    }
}
