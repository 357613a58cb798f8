//! The facts phase: the first action of every plan runs the facts script
//! on the target (the executor also runs it before anything else, to check
//! its guards against what the plan was made for).

use nixplan_plan::facts::FACTS_SCRIPT;
use nixplan_plan::{Action, Kind, Phase, Resource, ResourceKind};

use super::action;

/// Learn what the target is.
pub(crate) fn gather() -> Action {
    action(
        "facts/gather",
        Phase::Facts,
        Kind::Facts,
        None,
        Some(FACTS_SCRIPT.to_string()),
        vec![],
        vec![Resource::bare(ResourceKind::Facts)],
        "learn the target's OS, architecture, Secure Boot and kexec state, tools and disks",
    )
}
