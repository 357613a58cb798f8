//! `nixplan verify PLAN.json [--allowed-signers FILE]`: OK, or exactly what is wrong.

use std::process::ExitCode;

use nixplan_plan::Plan;

pub fn run(path: &std::path::Path, allowed_signers: Option<&std::path::Path>) -> ExitCode {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", path.display());
            return ExitCode::from(1);
        }
    };
    let plan = match Plan::from_json(&text) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {}: {e}", path.display());
            return ExitCode::from(1);
        }
    };
    let mut problems = nixplan_plan::verify::verify(&plan);
    let mut signed_by = String::new();
    if let Some(signers) = allowed_signers {
        match nixplan_plan::signature::check(&plan, signers) {
            Ok(principal) => signed_by = format!(", signed by {principal}"),
            Err(e) => problems.push(e),
        }
    }
    if problems.is_empty() {
        let hosts = if plan.hosts.is_empty() {
            String::new()
        } else {
            format!("{} hosts, ", plan.hosts.len())
        };
        let actions: usize = plan.runnable().iter().map(|p| p.actions.len()).sum();
        println!(
            "OK: {hosts}{actions} actions, hash {}{signed_by}",
            plan.hash
        );
        ExitCode::SUCCESS
    } else {
        for p in &problems {
            println!("{p}");
        }
        ExitCode::from(1)
    }
}
