//! What the integration tests share: running the `nixplan` binary from the
//! repository root in a fixed environment, and the fixture targets.
// Each test binary uses only part of this module.
#![allow(dead_code)]

pub mod disko_examples;
pub mod lab;
pub mod skip;
pub mod ssh;
pub mod vm;

use std::path::Path;
use std::process::{Command, Output};

/// A copy of the directory `from` at `to` (files and directories).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `nixplan ARGS` from the repository root, with nothing of the caller's
/// environment but a fixed PATH (and no colours).
fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nixplan"));
    cmd.current_dir(root())
        .args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("NO_COLOR", "1")
        // Inputs come from overrides, /nix/store or stand-ins: never the
        // network (the fetcher's tests serve their own).
        .env("NIXPLAN_OFFLINE", "1");
    cmd
}

/// `nixplan ARGS` (see [`command`]) with `env` set and `unset` removed.
pub fn nixplan_env(args: &[&str], env: &[(&str, &str)], unset: &[&str]) -> (i32, String, String) {
    let mut cmd = command(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    for k in unset {
        cmd.env_remove(k);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `nixplan ARGS` (see [`command`]); stderr is a pipe, so diagnostics are
/// plain.
pub fn nixplan(args: &[&str]) -> Output {
    command(args).output().unwrap()
}

/// `nixplan ARGS` with its diagnostics drawn as on a terminal (source
/// snippets) though stderr is a pipe.
pub fn nixplan_rich(args: &[&str]) -> Output {
    command(args)
        .env("NIXPLAN_DIAGNOSTICS", "rich")
        .output()
        .unwrap()
}

/// Exit code, stdout and stderr of `nixplan ARGS`.
pub fn nixplan_text(args: &[&str]) -> (i32, String, String) {
    let out = nixplan(args);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A target of tests/fixtures/targets.txt.
pub struct FixtureTarget {
    /// The fixture's directory under tests/fixtures.
    pub dir: String,
    /// The command-line argument: `tests/fixtures/DIR#NAME` or a file.
    pub arg: String,
    /// A name for its snapshots.
    pub name: String,
}

pub fn fixture_targets() -> Vec<FixtureTarget> {
    let text = std::fs::read_to_string(root().join("tests/fixtures/targets.txt")).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (dir, target) = l.split_once(' ').unwrap();
            let arg = match target.strip_prefix('#') {
                Some(name) => format!("tests/fixtures/{dir}#{name}"),
                None => format!("tests/fixtures/{dir}/{target}"),
            };
            let name = format!(
                "{dir}-{}",
                target.trim_start_matches('#').trim_end_matches(".nix")
            );
            FixtureTarget {
                dir: dir.to_string(),
                arg,
                name,
            }
        })
        .collect()
}

/// Why the nix tests cannot run, if nix is not installed.
pub fn nix_missing() -> Option<String> {
    Command::new("nix")
        .arg("--version")
        .output()
        .is_err()
        .then(|| "no nix installed (tests/run.sh installs Debian's nix-bin)".to_string())
}

/// The snapshots of upstream projects (disko, nixpkgs' lib, flake-parts…)
/// that tests evaluate: `$NIXPLAN_UPSTREAM`, else `../shared/upstream`
/// beside the repository, else `/work/shared/upstream` (where the project
/// keeps them). `Err` says where it looked.
pub fn upstream() -> Result<std::path::PathBuf, String> {
    let candidates: Vec<std::path::PathBuf> = std::env::var_os("NIXPLAN_UPSTREAM")
        .map(std::path::PathBuf::from)
        .into_iter()
        .chain([
            root().join("../shared/upstream"),
            std::path::PathBuf::from("/work/shared/upstream"),
        ])
        .collect();
    candidates
        .iter()
        .find(|p| p.join("nixpkgs-lib/lib/default.nix").is_file())
        .cloned()
        .ok_or_else(|| {
            format!(
                "no upstream snapshots (set NIXPLAN_UPSTREAM); looked in {}",
                candidates
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
}

/// The upstream snapshots, or `None` when `test` is skipped without them
/// (said and recorded; a failure under `NIXPLAN_REQUIRE_UPSTREAM=1`).
pub fn upstream_or_skip(test: &str) -> Option<std::path::PathBuf> {
    match upstream() {
        Ok(u) => Some(u),
        Err(why) => {
            skip::skip_unless(test, Some(why), "NIXPLAN_REQUIRE_UPSTREAM");
            None
        }
    }
}

/// Whether `test` is skipped because nix is not installed (said and
/// recorded; a failure under `NIXPLAN_REQUIRE_NIX=1`).
pub fn skip_without_nix(test: &str) -> bool {
    skip::skip_unless(test, nix_missing(), "NIXPLAN_REQUIRE_NIX")
}

/// A sealed plan of one action running `script` on the target: this
/// machine, or `host` over SSH.
pub fn plan_running(script: &str, host: Option<&str>) -> nixplan_plan::Plan {
    use nixplan_plan::shell::clean_env;
    use nixplan_plan::{
        Action, Kind, Phase, Plan, PlanTarget, Resource, ResourceKind, RunsOn, Summary,
    };
    let action = Action {
        id: "bootstrap/slow".into(),
        phase: Phase::Bootstrap,
        kind: Kind::Precondition,
        deps: Vec::new(),
        argv: None,
        script: Some(script.into()),
        env: clean_env(),
        stdin: None,
        runs_on: RunsOn::Target,
        destructive: false,
        check: None,
        condition: None,
        needs: Vec::new(),
        produces: vec![Resource::new(ResourceKind::Bootstrap, "slow")],
        source: None,
        reason: "take a while".into(),
    };
    let actions = vec![action];
    Plan {
        format_version: nixplan_plan::FORMAT_VERSION,
        nixplan_version: "test".into(),
        target: PlanTarget {
            name: "here".into(),
            host: host.map(str::to_string),
            facts: None,
            goal: None,
            port: None,
            ssh_options: Vec::new(),
            escalation: None,
        },
        source: Default::default(),
        inputs: Vec::new(),
        assumed: Vec::new(),
        incomplete: Vec::new(),
        phases: vec![Phase::Bootstrap],
        summary: Summary {
            bootstrap: "none".into(),
            ..Summary::of_actions(&actions, None)
        },
        actions,
        hash: String::new(),
        signature: None,
        hosts: Vec::new(),
    }
    .seal()
}

/// `--override-input INPUT DIR` for each `(input, snapshot)`, the snapshot
/// a directory of `upstream` (../shared/upstream).
pub fn overrides(upstream: &Path, inputs: &[(&str, &str)]) -> Vec<String> {
    inputs
        .iter()
        .flat_map(|(input, dir)| {
            [
                "--override-input".to_string(),
                input.to_string(),
                upstream.join(dir).display().to_string(),
            ]
        })
        .collect()
}
