//! `nixplan config TARGET [--json]`: the typed configuration.

use std::process::ExitCode;

use crate::cli::ConfigArgs;
use crate::target::load_config;

pub fn run(args: ConfigArgs) -> ExitCode {
    let loaded = load_config(&args.target, &args.inputs);
    let Ok((ev, config)) = loaded else {
        return ExitCode::from(1);
    };
    for m in &ev.messages {
        eprintln!("{m}");
    }
    if args.json {
        match serde_json::to_string_pretty(&config) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(1);
            }
        }
    } else {
        println!(
            "{} ({}), {} [{}]",
            config.host_name.value, config.target.kind, config.system.value, config.target.name
        );
        for (name, d) in &config.disko.disks {
            println!("  disk {name}: {}", d.device.value);
        }
        for (mp, fs) in &config.file_systems {
            println!(
                "  {mp}: {} {}",
                fs.fs_type.value,
                fs.device.value.as_deref().unwrap_or("-")
            );
        }
        for (root, p) in &config.persistence {
            let dirs =
                p.directories.len() + p.users.values().map(|u| u.directories.len()).sum::<usize>();
            println!(
                "  persistence {root}: {dirs} directories, {} files",
                p.files.len()
            );
        }
        for w in &config.warnings {
            println!("  warning: {w}");
        }
        for a in &config.failed_assertions {
            println!("  failed assertion: {a}");
        }
    }
    crate::eval_cmd::finish(ev);
    ExitCode::SUCCESS
}
