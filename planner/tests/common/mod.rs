//! Planning a configuration written inline, for the tests.
// Each test binary uses only part of this module.
#![allow(dead_code)]

use std::path::PathBuf;

use nixplan_eval::fs::OsFileSystem;
use nixplan_eval::{Eval, Settings};
use nixplan_nixos::config::{self, Config, Target};
use nixplan_nixos::embedded::WithEmbedded;
use nixplan_plan::{Plan, SourceDigest};
use nixplan_planner::{plan, BootstrapMode, PlanOptions};

/// `module` written to a fixed place per content (the same input has the
/// same path, so the same plan).
fn write_module(prefix: &str, module: &str) -> PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "{prefix}-{}",
        nixplan_plan::sha256_hex(module.as_bytes())
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("configuration.nix");
    // Tests with the same module share this path and run in parallel:
    // written whole (a temporary file renamed), never seen half-written.
    let tmp = tempfile::NamedTempFile::new_in(&dir).unwrap();
    std::fs::write(tmp.path(), module).unwrap();
    tmp.persist(&file).unwrap();
    file
}

/// The typed configuration of a module file, or the error a user sees.
fn load(file: &std::path::Path, settings: Settings) -> Result<Config, String> {
    let mut ev = Eval::new(Box::new(WithEmbedded(OsFileSystem)), settings);
    let loaded = config::load(
        &mut ev,
        &Target::Module {
            file: file.display().to_string(),
        },
    )
    .map_err(|e| e.render_plain(&ev.sources));
    std::mem::forget(ev);
    loaded
}

fn options() -> PlanOptions {
    PlanOptions {
        target_host: None,
        bootstrap: BootstrapMode::Auto,
        system: Some("/nix/store/00000000000000000000000000000000-nixos-system".into()),
        flake_attr: None,
        facts: None,
        phases: Default::default(),
        extra_files: None,
        chown: vec![],
        kexec_image: Default::default(),
        secret_files: Vec::new(),
        nixplan_version: "test".into(),
    }
}

/// Plan `module` as `nixplan plan` does (lint errors refuse it): the plan,
/// or the error a user would see.
pub fn try_plan_of(module: &str) -> Result<Plan, String> {
    let file = write_module("hostile", module);
    let cfg = load(
        &file,
        Settings {
            max_depth: 5_000,
            ..Settings::default()
        },
    )?;
    let errors: Vec<String> = nixplan_planner::lint::lint(&cfg, &file.display().to_string(), None)
        .into_iter()
        .filter(|f| f.severity == nixplan_planner::lint::Severity::Error)
        .map(|f| f.message)
        .collect();
    if !errors.is_empty() {
        return Err(errors.join("; "));
    }
    plan(&cfg, &options(), SourceDigest::default()).map_err(|e| e.to_string())
}

/// The plan of `module` (no lint): a test failure if it has none.
pub fn plan_of(module: &str) -> Plan {
    let file = write_module("ordering", module);
    let cfg = load(&file, Settings::default()).unwrap_or_else(|e| panic!("{e}"));
    plan(&cfg, &options(), SourceDigest::default()).unwrap_or_else(|e| panic!("{e}"))
}
