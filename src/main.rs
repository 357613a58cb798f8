//! The `nixplan` command: argument parsing and glue over the parser,
//! planner and executor crates. Only this crate touches the terminal, the
//! process environment and the real file system.

mod apply_cmd;
mod cli;
mod config_cmd;
mod eval_cmd;
mod lint_cmd;
mod plan_cmd;
mod target;
mod verify_cmd;

use std::process::ExitCode;

use clap::Parser;

// The evaluator allocates many small, short-lived values.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    // Evaluation recurses; run it on a thread with a generous stack (the
    // evaluator also grows its stack on demand and bounds its depth).
    let worker = std::thread::Builder::new()
        .name("nixplan".into())
        .stack_size(256 * 1024 * 1024)
        .spawn(move || run(args));
    match worker.map(|h| h.join()) {
        Ok(Ok(code)) => code,
        _ => {
            eprintln!("error: nixplan failed unexpectedly");
            ExitCode::from(1)
        }
    }
}

fn run(args: cli::Cli) -> ExitCode {
    match args.command {
        cli::Command::Eval(a) => eval_cmd::run(a),
        cli::Command::Config(a) => config_cmd::run(a),
        cli::Command::Plan(a) => plan_cmd::run(a),
        cli::Command::Lint(a) => lint_cmd::run(a),
        cli::Command::Explain { code } => lint_cmd::explain(&code),
        cli::Command::Apply(a) => apply_cmd::run(a),
        cli::Command::Verify { plan } => verify_cmd::run(&plan),
    }
}
