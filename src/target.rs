//! Turning a TARGET argument (`PATH#NAME` or `FILE.nix`) into an evaluated
//! typed configuration.

use std::path::{Path, PathBuf};

use nixplan_parser::config::{self, Config, Target};
use nixplan_parser::fs::{OsFileSystem, WithEmbedded};
use nixplan_parser::Eval;

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

/// Evaluate a target; on failure the error has been reported.
pub fn load_config(arg: &str) -> Result<(Eval, Config), ()> {
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
    match config::load(&mut ev, &target) {
        Ok(c) => Ok((ev, c)),
        Err(e) => {
            report_eval(&ev, &e);
            std::mem::forget(ev);
            Err(())
        }
    }
}
