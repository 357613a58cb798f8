//! Compiling a typed configuration into a plan: a [`Builder`](crate::builder::Builder) collects the
//! actions of every phase (one file per phase under `phases/`, one per
//! disko type under `disko/`), each saying what it needs and produces; the
//! order comes from that (`nixplan_plan::order`), then the phases the
//! options keep, the summary and the hash.

use std::collections::{BTreeMap, BTreeSet};

use nixplan_nixos::config::Config;
use nixplan_plan::order;
use nixplan_plan::{
    Action, InputSource, Kind, Phase, Plan, PlanInput, PlanTarget, Resource, SourceDigest,
    FORMAT_VERSION,
};

use crate::builder::Builder;
use crate::error::PlanError;
use crate::options::PlanOptions;
use crate::summary::summarize;

/// Plan a configuration.
/// Build the plan of a configuration.
pub fn plan(
    config: &Config,
    options: &PlanOptions,
    source: SourceDigest,
) -> Result<Plan, PlanError> {
    let root = config.disko.root_mount_point.clone();
    let mut b = Builder {
        config,
        root: root.clone(),
        actions: Vec::new(),
        mounts: BTreeMap::new(),
        pvs: BTreeMap::new(),
        md_members: BTreeMap::new(),
        pool_members: BTreeMap::new(),
        bcachefs_members: BTreeMap::new(),
        mount_hooks: Vec::new(),
        activation_hooks: Vec::new(),
    };
    let mut facts_and_bootstrap = vec![crate::phases::facts::gather()];
    let bootstrap = crate::phases::bootstrap::actions(options);
    let bootstrap_mode = bootstrap.mode.clone();
    facts_and_bootstrap.extend(bootstrap.actions);
    b.actions.extend(facts_and_bootstrap);
    b.disko()?;
    b.link_mounts();
    let directories = b.persist()?;
    let persisted: Vec<Resource> = b
        .actions
        .iter()
        .filter(|a| a.phase == Phase::Persist)
        .flat_map(|a| a.produces.iter().cloned())
        .collect();
    let mut install = crate::phases::install::actions(options, &root, &b.mounts);
    // Persistent directories exist before the system is installed.
    for a in install.iter_mut().filter(|a| a.kind == Kind::NixosInstall) {
        a.needs.extend(persisted.iter().cloned());
    }
    b.actions.extend(install);
    b.order_mount_hooks();
    let activation_snippets = b.activation()?;
    let ordered = order::order(b.actions).map_err(PlanError::Order)?;
    let actions = crate::phases::reboot::unmount_and_reboot(config, ordered);
    let actions = order::order(actions).map_err(PlanError::Order)?;
    let (actions, assumed) = select_phases(actions, options);
    let summary = summarize(
        &actions,
        directories,
        &bootstrap_mode,
        activation_snippets,
        options.facts.as_ref(),
    );
    let plan = Plan {
        format_version: FORMAT_VERSION,
        nixplan_version: options.nixplan_version.clone(),
        target: PlanTarget {
            name: config.target.name.clone(),
            host: options.target_host.clone(),
            facts: options.facts.clone(),
            goal: None,
            port: None,
            ssh_options: Vec::new(),
            escalation: None,
        },
        source,
        inputs: plan_inputs(config),
        assumed,
        incomplete: incomplete(config),
        phases: Phase::ALL
            .into_iter()
            .filter(|p| actions.iter().any(|a| a.phase == *p))
            .collect(),
        actions,
        summary,
        hash: String::new(),
        signature: None,
        hosts: Vec::new(),
    };
    Ok(plan.seal())
}
/// What of the configuration could not be evaluated here, as the plan
/// records it.
pub(crate) fn incomplete(config: &Config) -> Vec<nixplan_plan::Incomplete> {
    config
        .activation_scripts
        .iter()
        .filter_map(|(name, s)| {
            Some(nixplan_plan::Incomplete {
                what: format!("activation snippet {name}"),
                error: s.error.clone()?,
            })
        })
        .collect()
}

/// The inputs evaluation reached, as the plan records them.
pub(crate) fn plan_inputs(config: &Config) -> Vec<PlanInput> {
    use nixplan_nixos::inputs::Used;
    config
        .inputs
        .iter()
        .map(|u| {
            let source = match (u.used, u.origin.as_str()) {
                (Used::Real, "override") => InputSource::Override,
                (Used::Real, "path") => InputSource::Path,
                (Used::Real, _) => InputSource::Locked,
                (Used::StandIn | Used::StandInPackages, _) => InputSource::StandIn,
                (Used::EmptyModules, _) => InputSource::EmptyModules,
                (Used::LibOnly, _) => InputSource::LibOnly,
                (Used::Unavailable, _) => InputSource::Unavailable,
            };
            PlanInput {
                path: u.path.clone(),
                reference: u.reference.clone(),
                nar_hash: u.nar_hash.clone(),
                source,
                reason: if source.is_stand_in() {
                    u.reason.clone()
                } else {
                    None
                },
            }
        })
        .collect()
}

/// The actions of the selected phases, and what they need from the
/// others (assumed to be there).
fn select_phases(actions: Vec<Action>, options: &PlanOptions) -> (Vec<Action>, Vec<Resource>) {
    let (kept, dropped): (Vec<Action>, Vec<Action>) = actions
        .into_iter()
        .partition(|a| options.phases.includes(a.phase));
    let from_dropped: BTreeSet<&Resource> =
        dropped.iter().flat_map(|a| a.produces.iter()).collect();
    let from_kept: BTreeSet<&Resource> = kept.iter().flat_map(|a| a.produces.iter()).collect();
    let assumed: Vec<Resource> = kept
        .iter()
        .flat_map(|a| a.needs.iter())
        .filter(|r| from_dropped.contains(r) && !from_kept.contains(r))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .cloned()
        .collect();
    let ids: BTreeSet<String> = kept.iter().map(|a| a.id.clone()).collect();
    let kept = kept
        .into_iter()
        .map(|mut a| {
            a.deps.retain(|d| ids.contains(d));
            a
        })
        .collect();
    (kept, assumed)
}
