//! Planning time (the typed configuration is evaluated once, outside the
//! measurement) for large layouts, and how it grows when they double.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use nixplan_eval::fs::OsFileSystem;
use nixplan_eval::{Eval, Settings};
use nixplan_nixos::config::{self, Config, Target};
use nixplan_nixos::embedded::WithEmbedded;
use nixplan_plan::SourceDigest;
use nixplan_planner::{plan, BootstrapMode, PlanOptions};

fn config_of(name: &str, module: &str) -> Config {
    let dir = std::env::temp_dir().join(format!("nixplan-bench-{name}"));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("configuration.nix");
    std::fs::write(&file, module).unwrap();
    let mut ev = Eval::new(Box::new(WithEmbedded(OsFileSystem)), Settings::default());
    let c = config::load(
        &mut ev,
        &Target::Module {
            file: file.display().to_string(),
        },
    )
    .unwrap_or_else(|e| panic!("{}", e.render_plain(&ev.sources)));
    std::mem::forget(ev);
    c
}

fn disks(n: usize) -> String {
    format!(
        r#"{{ lib, ... }}: {{
  disko.devices.disk = lib.genAttrs (builtins.genList (i: "d${{toString i}}") {n}) (name: {{
    device = "/dev/disk/by-id/${{name}}";
    content.type = "gpt";
    content.partitions = lib.genAttrs (builtins.genList (i: "p${{toString i}}") 8) (p: {{
      size = if p == "p7" then "100%" else "1G";
      content = {{ type = "filesystem"; format = "ext4"; mountpoint = "/srv/${{name}}/${{p}}"; }};
    }});
  }});
  fileSystems."/" = {{ device = "none"; fsType = "tmpfs"; }};
}}"#
    )
}

fn persisted(n: usize) -> String {
    format!(
        r#"{{
  disko.devices.disk.main = {{ device = "/dev/vda"; content.type = "gpt";
    content.partitions.p = {{ size = "100%"; content = {{ type = "filesystem"; format = "ext4"; mountpoint = "/"; }}; }}; }};
  environment.persistence."/persist".directories = builtins.genList (i: {{
    directory = "/var/lib/app${{toString (i / 100)}}/d${{toString i}}"; mode = "0750";
  }}) {n};
}}"#
    )
}

fn options() -> PlanOptions {
    PlanOptions {
        target_host: None,
        bootstrap: BootstrapMode::Auto,
        system: Some("/nix/store/00000000000000000000000000000000-system".into()),
        flake_attr: None,
        facts: None,
        phases: Default::default(),
        extra_files: None,
        chown: vec![],
        kexec_image: Default::default(),
        secret_files: Vec::new(),
        nixplan_version: "bench".into(),
    }
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("plan");
    g.sample_size(10);
    for n in [32, 64, 128] {
        let cfg = config_of(&format!("disks{n}"), &disks(n));
        g.bench_with_input(BenchmarkId::new("disks_x8", n), &cfg, |b, cfg| {
            b.iter(|| plan(cfg, &options(), SourceDigest::default()).unwrap())
        });
    }
    for n in [10_000, 20_000, 40_000] {
        let cfg = config_of(&format!("persist{n}"), &persisted(n));
        g.bench_with_input(BenchmarkId::new("persisted_dirs", n), &cfg, |b, cfg| {
            b.iter(|| plan(cfg, &options(), SourceDigest::default()).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
