//! Planning a configuration written inline, for the tests.

use nixplan_eval::fs::OsFileSystem;
use nixplan_eval::{Eval, Settings};
use nixplan_nixos::config::{self, Target};
use nixplan_nixos::embedded::WithEmbedded;
use nixplan_plan::{Plan, SourceDigest};
use nixplan_planner::{plan, BootstrapMode, PlanOptions};

/// Plan `module` as `nixplan plan` does (lint errors refuse it): the plan,
/// or the error a user would see.
pub fn try_plan_of(module: &str) -> Result<Plan, String> {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "hostile-{}",
        nixplan_plan::sha256_hex(module.as_bytes())
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("configuration.nix");
    std::fs::write(&file, module).unwrap();
    let mut ev = Eval::new(
        Box::new(WithEmbedded(OsFileSystem)),
        Settings {
            max_depth: 5_000,
            ..Settings::default()
        },
    );
    let loaded = config::load(
        &mut ev,
        &Target::Module {
            file: file.display().to_string(),
        },
    );
    let cfg = match loaded {
        Ok(c) => c,
        Err(e) => {
            let message = e.render_plain(&ev.sources);
            std::mem::forget(ev);
            return Err(message);
        }
    };
    std::mem::forget(ev);
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

pub fn plan_of(module: &str) -> Plan {
    // A fixed place per content, so that the same input has the same path.
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "ordering-{}",
        nixplan_plan::sha256_hex(module.as_bytes())
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("configuration.nix");
    std::fs::write(&file, module).unwrap();
    let mut ev = Eval::new(Box::new(WithEmbedded(OsFileSystem)), Settings::default());
    let cfg = match config::load(
        &mut ev,
        &Target::Module {
            file: file.display().to_string(),
        },
    ) {
        Ok(c) => c,
        Err(e) => panic!("{}", e.render_plain(&ev.sources)),
    };
    let options = PlanOptions {
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
    };
    let p = plan(&cfg, &options, SourceDigest::default()).unwrap_or_else(|e| panic!("{e}"));
    std::mem::forget(ev);
    p
}
