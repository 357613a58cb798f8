//! The summary at the top of a plan: the counts and wiped disks the plan
//! contract computes (`verify` recomputes them), and what only the planner
//! knows: directories, activation snippets, the bootstrap decision.

use nixplan_plan::{Action, Summary};

pub(crate) fn summarize(
    actions: &[Action],
    directories: usize,
    bootstrap: &str,
    snippets: usize,
    facts: Option<&serde_json::Value>,
) -> Summary {
    Summary {
        directories,
        activation_snippets: snippets,
        bootstrap: bootstrap.to_string(),
        ..Summary::of_actions(actions, facts)
    }
}
