//! One file per phase, in the order they run: facts, bootstrap, disko,
//! persist, install, activation, reboot. The disko phase's content types
//! each have a file under `disko/`.

pub(crate) mod activation;
pub(crate) mod bootstrap;
pub(crate) mod disko;
pub(crate) mod facts;
pub(crate) mod install;
pub(crate) mod persist;
pub(crate) mod reboot;

use nixplan_plan::placeholder::{ESCALATION, SSH_OPTIONS, SSH_TARGET};
use nixplan_plan::shell::clean_env;
use nixplan_plan::{Action, Kind, Phase, Resource, RunsOn};

/// The environment of a local action that reaches the target over SSH.
pub(crate) fn reach_target(a: &mut Action) {
    a.env.insert("NIX_SSHOPTS".into(), SSH_OPTIONS.into());
    a.env.insert("NIXPLAN_TARGET".into(), SSH_TARGET.into());
    a.env.insert("NIXPLAN_SUDO".into(), ESCALATION.into());
}

// Every field of an action is spelled out at each call; a builder would hide
// which ones the bootstrap steps set.
#[allow(clippy::too_many_arguments)]
pub(crate) fn action(
    id: &str,
    phase: Phase,
    kind: Kind,
    argv: Option<Vec<String>>,
    script: Option<String>,
    needs: Vec<Resource>,
    produces: Vec<Resource>,
    reason: &str,
) -> Action {
    Action {
        id: id.into(),
        phase,
        kind,
        deps: Vec::new(),
        argv,
        script,
        env: clean_env(),
        stdin: None,
        runs_on: RunsOn::Target,
        destructive: false,
        check: None,
        condition: None,
        needs,
        produces,
        source: None,
        reason: reason.into(),
    }
}
