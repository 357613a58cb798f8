//! Compiling a typed configuration into a plan: a [`Builder`] collects the
//! actions of every phase (one file per phase under `phases/`, one per
//! disko type under `disko/`), each saying what it needs and produces; the
//! order comes from that (`nixplan_plan::order`), then the phases the
//! options keep, the summary and the hash.

use std::collections::{BTreeMap, BTreeSet};

use nixplan_nixos::config::{Config, Pos};
use nixplan_plan::order;
use nixplan_plan::shell::clean_env;
use nixplan_plan::{
    Action, Kind, Phase, Plan, PlanTarget, Resource, RunsOn, SourceDigest, SourceRef,
    FORMAT_VERSION,
};

use crate::options::{PlanError, PlanOptions};
use crate::summary::summarize;

/// The plan's record of where the user wrote what caused an action.
pub(crate) fn source_of(at: &Option<Pos>) -> Option<SourceRef> {
    at.as_ref().map(|at| SourceRef {
        file: at.file.to_string(),
        line: at.line,
    })
}

/// Join a mountpoint under the root mount point (`/` → `/mnt`).
pub fn under(root: &str, path: &str) -> String {
    let root = root.trim_end_matches('/');
    if path == "/" {
        if root.is_empty() {
            "/".into()
        } else {
            root.into()
        }
    } else {
        format!(
            "{root}{}",
            if path.starts_with('/') {
                path.to_string()
            } else {
                format!("/{path}")
            }
        )
    }
}

/// Collects the actions of one plan, with what the later steps need to know
/// of the earlier ones (mounts, members of arrays, groups and pools).
pub(crate) struct Builder<'a> {
    pub(crate) config: &'a Config,
    pub(crate) root: String,
    pub(crate) actions: Vec<Action>,
    /// Mountpoint (on the target, e.g. `/boot`) → the resource of its mount.
    pub(crate) mounts: BTreeMap<String, Resource>,
    /// PVs of each volume group, members of each md array and zpool.
    pub(crate) pvs: BTreeMap<String, Vec<String>>,
    pub(crate) md_members: BTreeMap<String, Vec<String>>,
    pub(crate) pool_members: BTreeMap<String, Vec<String>>,
    pub(crate) bcachefs_members: BTreeMap<String, Vec<(String, String)>>,
}

/// An action on the target as the disko and persist phases write it.
pub(crate) struct NewAction {
    pub(crate) id: String,
    pub(crate) phase: Phase,
    pub(crate) kind: Kind,
    pub(crate) argv: Option<Vec<String>>,
    pub(crate) script: Option<String>,
    pub(crate) destructive: bool,
    pub(crate) check: Option<Vec<String>>,
    pub(crate) needs: Vec<Resource>,
    pub(crate) produces: Vec<Resource>,
    pub(crate) at: Option<Pos>,
    pub(crate) reason: String,
}

impl Builder<'_> {
    pub(crate) fn add(&mut self, a: NewAction) {
        self.actions.push(Action {
            id: a.id,
            phase: a.phase,
            kind: a.kind,
            deps: Vec::new(),
            argv: a.argv,
            script: a.script,
            env: clean_env(),
            stdin: None,
            runs_on: RunsOn::Target,
            destructive: a.destructive,
            check: a.check,
            condition: None,
            needs: a.needs,
            produces: a.produces,
            source: source_of(&a.at),
            reason: a.reason,
        });
    }

    pub(crate) fn argv(parts: &[&str]) -> Option<Vec<String>> {
        Some(parts.iter().map(|s| s.to_string()).collect())
    }

    /// A check that `device` carries a signature: `KEY` (`TYPE`, `PTTYPE`)
    /// with any value, or exactly `value`. (`blkid -p` alone also succeeds
    /// on an empty partition: it reports the partition entry.)
    pub(crate) fn probe(device: &str, key: &str, value: Option<&str>) -> Option<Vec<String>> {
        let grep = match value {
            Some(v) => format!("grep -qx '{key}={v}'"),
            None => format!("grep -q '^{key}='"),
        };
        Self::argv(&[
            "sh",
            "-c",
            &format!("blkid -p -o export \"$1\" | {grep}"),
            "sh",
            device,
        ])
    }
}

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
    let activation_snippets = b.activation()?;
    let ordered = order::order(b.actions).map_err(PlanError::Order)?;
    let actions = crate::phases::reboot::unmount_and_reboot(config, ordered);
    let mut actions = order::order(actions).map_err(PlanError::Order)?;
    actions = select_phases(actions, options);
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
        },
        source,
        phases: Phase::ALL
            .into_iter()
            .filter(|p| actions.iter().any(|a| a.phase == *p))
            .collect(),
        actions,
        summary,
        hash: String::new(),
    };
    Ok(plan.seal())
}
fn select_phases(actions: Vec<Action>, options: &PlanOptions) -> Vec<Action> {
    let kept: Vec<Action> = actions
        .into_iter()
        .filter(|a| options.phases.includes(a.phase))
        .collect();
    let ids: BTreeSet<String> = kept.iter().map(|a| a.id.clone()).collect();
    kept.into_iter()
        .map(|mut a| {
            a.deps.retain(|d| ids.contains(d));
            a
        })
        .collect()
}
