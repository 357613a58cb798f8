//! The [`Builder`]: collects the actions of one plan, each with the
//! resources it needs and produces, and what later steps need to know of
//! earlier ones (mounts, members of arrays, groups and pools). The phases
//! (`phases/`) and disko types (`disko/`) add to it; it depends on neither.

use std::collections::BTreeMap;

use nixplan_nixos::config::{Config, Pos};
use nixplan_plan::shell::clean_env;
use nixplan_plan::{Action, Kind, Phase, Resource, RunsOn, SourceRef};

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
    /// Members of each bcachefs filesystem: device, label, its own format arguments.
    pub(crate) bcachefs_members: BTreeMap<String, Vec<(String, String, Vec<String>)>>,
    /// Mounts wrapped by disko mount hooks: the mount's id, and the ids of
    /// the actions running the hooks before and after it.
    pub(crate) mount_hooks: Vec<MountHooks>,
    /// The actions running mount hooks around device activation, per
    /// thing, in the order they were added.
    pub(crate) activation_hooks: Vec<ActivationHooks>,
}

/// The actions running one thing's disko mount hooks around its device
/// activation: the pre hook's and the post hook's (each if it has one).
#[derive(Default, Clone)]
pub(crate) struct ActivationHooks {
    pub(crate) pre: Option<String>,
    pub(crate) post: Option<String>,
}

#[derive(Default)]
pub(crate) struct MountHooks {
    pub(crate) mount: String,
    pub(crate) pre: Option<String>,
    pub(crate) post: Option<String>,
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
