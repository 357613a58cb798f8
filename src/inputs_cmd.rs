//! `nixplan inputs TARGET [--json]`: every node of the flake's lock, where
//! its source comes from (override, path, store, cache, fetched, stand-in,
//! unavailable) and where it is on this machine. What is missing is
//! fetched, `--jobs` at a time.

use std::path::Path;
use std::process::ExitCode;

use nixplan_flake::{Origin, Resolver};
use serde_json::json;

use crate::cli::InputsArgs;
use crate::target::{parse_target, resolver_options};

pub fn run(args: InputsArgs) -> ExitCode {
    let dir = match args.target.rsplit_once('#') {
        Some(_) => match parse_target(&args.target) {
            Ok(nixplan_nixos::config::Target::Flake { dir, .. }) => dir,
            Ok(_) => unreachable!("PATH#NAME is a flake target"),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(1);
            }
        },
        None => {
            let p =
                std::path::absolute(&args.target).unwrap_or_else(|_| args.target.clone().into());
            if !p.join("flake.nix").is_file() {
                eprintln!("error: '{}' has no flake.nix", p.display());
                return ExitCode::from(1);
            }
            p.display().to_string()
        }
    };
    let mut resolver = match Resolver::new(Path::new(&dir), resolver_options(&args.inputs)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    if resolver.lock.is_none() {
        eprintln!("error: '{dir}' has no flake.lock: run `nix flake lock`");
        return ExitCode::from(1);
    }
    let all = match resolver.resolve_all(args.jobs) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let rows: Vec<serde_json::Value> = all
        .iter()
        .map(|(reached, r)| {
            let l = r.locked.as_ref();
            let forge = match l.map(|l| &l.kind) {
                Some(nixplan_flake::source::Kind::Forge { owner, repo, .. }) => {
                    Some((owner.as_str(), repo.as_str()))
                }
                _ => None,
            };
            let origin = match r.origin {
                Origin::Unavailable
                    if forge.is_some_and(|(o, r)| nixplan_nixos::inputs::has_stand_in(o, r)) =>
                {
                    "stand-in"
                }
                o => o.word(),
            };
            json!({
                "path": reached.path,
                "node": reached.key,
                "type": l.map(|l| l.type_name().to_string()),
                "reference": l.map(|l| l.reference()),
                "rev": l.and_then(|l| l.rev().map(str::to_string)),
                "narHash": l.and_then(|l| l.nar_hash).map(|h| h.sri()),
                "origin": origin,
                "reason": r.reason,
                "local": r.path.as_ref().map(|p| p.display().to_string()),
            })
        })
        .collect();
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&rows).expect("JSON values print")
        );
    } else {
        let s = |v: &serde_json::Value, k: &str| v[k].as_str().unwrap_or("-").to_string();
        let width = rows.iter().map(|r| s(r, "path").len()).max().unwrap_or(0);
        for r in &rows {
            let place = match r["local"].as_str() {
                Some(p) => p.to_string(),
                None => format!("({})", s(r, "reason")),
            };
            println!(
                "{:width$}  {:9}  {:11}  {}  {}  {}",
                s(r, "path"),
                s(r, "type"),
                s(r, "origin"),
                s(r, "reference"),
                s(r, "narHash"),
                place
            );
        }
    }
    ExitCode::SUCCESS
}
