//! `nixplan verify PLAN.json`: OK, or exactly what is wrong.

use std::process::ExitCode;

use nixplan_plan::Plan;

pub fn run(path: &std::path::Path) -> ExitCode {
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
    let problems = nixplan_plan::verify::verify(&plan);
    if problems.is_empty() {
        println!("OK: {} actions, hash {}", plan.actions.len(), plan.hash);
        ExitCode::SUCCESS
    } else {
        for p in &problems {
            println!("{p}");
        }
        ExitCode::from(1)
    }
}
