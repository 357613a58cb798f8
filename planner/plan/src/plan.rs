//! The plan: the contract between planning and running (see DESIGN.md).
//! Everything the executor will run is in it, exactly; its hash covers
//! everything but the hash itself.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{Condition, Kind, Phase, Resource, ResourceKind, RunsOn};

/// The newest plan format this nixplan writes and reads. Format 2 marks a
/// plan with `incomplete` or `source.reference` (an older nixplan would
/// drop either and then find the plan edited); a plan is written in the oldest format that holds all of
/// it (see [`Plan::seal`]), so one that lacks nothing stays readable by a
/// nixplan that reads only format 1, and one that lacks something is
/// refused there by its format instead of losing what it lacks.
pub const FORMAT_VERSION: u32 = 2;
/// The oldest plan format this nixplan reads.
pub const OLDEST_FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Plan {
    pub format_version: u32,
    pub nixplan_version: String,
    pub target: PlanTarget,
    pub source: SourceDigest,
    /// The flake inputs evaluation reached and how each served: a reviewer
    /// sees which parts of the plan came from stand-ins (covered by the
    /// hash).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<PlanInput>,
    pub phases: Vec<Phase>,
    /// What the phases left out of this plan (`--phases`, `--stop-after`)
    /// would have produced and its actions need: taken as already there
    /// (the machine is already booted into an installer, say). Shown to the
    /// reviewer, covered by the hash, and `verify` holds the plan to it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assumed: Vec<Resource>,
    /// What of the configuration could not be evaluated here (an
    /// activation snippet that reads a secret which is not checked out):
    /// left out of the actions, shown to the reviewer, covered by the
    /// hash; `apply` refuses a plan with any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub incomplete: Vec<Incomplete>,
    pub actions: Vec<Action>,
    pub summary: Summary,
    pub hash: String,
    /// An SSH signature of the hash (`plan --sign`), see `signature.rs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// A hive deploy (`plan HIVE --on …`): one plan per host, each sealed
    /// with its own hash; this plan has no actions of its own and its hash
    /// covers them all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<Plan>,
}

/// A part of the configuration the plan lacks: what it is
/// (`activation snippet agenixInstall`) and why, with where.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Incomplete {
    pub what: String,
    pub error: String,
}

/// One flake input the plan's evaluation reached.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PlanInput {
    /// `nixpkgs`, `home-manager/nixpkgs` (as `--override-input` names it).
    pub path: String,
    /// The locked reference, or the override's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nar_hash: Option<String>,
    pub source: InputSource,
    /// Why it was not its real source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What the plan's evaluation read for an input. Where on this machine
/// the real source was found (store, cache, a fetch) is not part of the
/// plan: the same lock gives the same plan everywhere.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum InputSource {
    /// The locked source, as its narHash says.
    Locked,
    /// A `path:` input, read in place.
    Path,
    /// `--override-input` or `--override-source`: not what the lock says.
    Override,
    /// nixplan's stand-in for it: unavailable.
    StandIn,
    /// Unavailable: the modules taken from it were empty.
    EmptyModules,
    /// A nixpkgs that is only its lib: its real lib evaluated nixplan's
    /// NixOS declarations, with stand-in packages.
    LibOnly,
    /// Unavailable (reached, nothing of it needed).
    Unavailable,
}

impl InputSource {
    /// Whether the plan read something other than this input's real source.
    pub fn is_stand_in(self) -> bool {
        matches!(
            self,
            InputSource::StandIn
                | InputSource::EmptyModules
                | InputSource::LibOnly
                | InputSource::Unavailable
        )
    }

    pub fn word(self) -> &'static str {
        match self {
            InputSource::Locked => "locked",
            InputSource::Path => "path",
            InputSource::Override => "override",
            InputSource::StandIn => "stand-in",
            InputSource::EmptyModules => "empty modules",
            InputSource::LibOnly => "lib only",
            InputSource::Unavailable => "unavailable",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PlanTarget {
    pub name: String,
    /// `user@host`, or null for the machine nixplan runs on.
    pub host: Option<String>,
    pub facts: Option<serde_json::Value>,
    /// A deploy's goal (`switch`, `boot`, ...); none for an install.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goal: Option<String>,
    /// The SSH port, where the configuration names one
    /// (`deployment.targetPort`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// More `ssh -o` options for this host (`deployment.sshOptions`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ssh_options: Vec<String>,
    /// The command a non-root login runs commands as root with, word for
    /// word, where the node sets its own
    /// (`deployment.privilegeEscalationCommand` other than colmena's
    /// default `sudo -H --`); otherwise the executor finds `sudo -n` or
    /// `doas -n` (or a password, `--ask-sudo-password`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalation: Option<Vec<String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct SourceDigest {
    pub digest: String,
    /// The directory `files` are relative to, as it was given when planning
    /// (apply re-reads them from there to refuse a stale plan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root: Option<String>,
    /// The flake reference the plan was made from where `root` alone does
    /// not say it (`path:ROOT?dir=SUB`: all of ROOT is the flake's
    /// source): apply evaluates it again for the keys' text (format 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    pub files: Vec<SourceFile>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SourceFile {
    pub path: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SourceRef {
    pub file: String,
    pub line: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Action {
    /// Stable, readable: `disko/disk/main/partition/ESP`.
    pub id: String,
    pub phase: Phase,
    pub kind: Kind,
    pub deps: Vec<String>,
    pub argv: Option<Vec<String>>,
    pub script: Option<String>,
    pub env: BTreeMap<String, String>,
    /// What the executor streams to the command's stdin: `file:PATH`, a
    /// file on the machine nixplan runs on (a secret: named, never copied
    /// into the plan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stdin: Option<String>,
    pub runs_on: RunsOn,
    pub destructive: bool,
    /// Exit status 0 means the action's effect is already there.
    pub check: Option<Vec<String>>,
    /// When this action runs at all (decided by the target's facts).
    pub condition: Option<Condition>,
    pub needs: Vec<Resource>,
    pub produces: Vec<Resource>,
    pub source: Option<SourceRef>,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Summary {
    pub actions: usize,
    pub destructive: usize,
    pub wipes: Vec<String>,
    pub filesystems: usize,
    pub mounts: usize,
    pub directories: usize,
    pub activation_snippets: usize,
    pub bootstrap: String,
}

impl Summary {
    /// The counts a summary gives of these actions, and the disks they
    /// wipe (with sizes from `facts`); the rest (directories, snippets,
    /// the bootstrap decision) is the planner's to fill in.
    pub fn of_actions(actions: &[Action], facts: Option<&serde_json::Value>) -> Summary {
        Summary {
            actions: actions.len(),
            destructive: actions.iter().filter(|a| a.destructive).count(),
            wipes: actions
                .iter()
                .filter(|a| a.kind == Kind::Wipe)
                .filter_map(|a| a.needs.first())
                .filter(|n| n.kind() == ResourceKind::Device)
                .map(|n| {
                    let dev = n.name();
                    match crate::facts::disk_size(facts, dev) {
                        Some(size) => format!("{dev} ({})", human_size(size)),
                        None => dev.to_string(),
                    }
                })
                .collect(),
            filesystems: actions.iter().filter(|a| a.kind == Kind::Mkfs).count(),
            mounts: actions.iter().filter(|a| a.kind == Kind::Mount).count(),
            ..Summary::default()
        }
    }
}

fn human_size(bytes: u64) -> String {
    let gib = bytes as f64 / (1u64 << 30) as f64;
    if gib >= 1024.0 {
        format!("{:.1} TiB", gib / 1024.0)
    } else if gib >= 10.0 {
        format!("{gib:.0} GiB")
    } else {
        format!("{gib:.1} GiB")
    }
}

pub fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Plan {
    /// What of the configuration this plan lacks (a hive's: each host's,
    /// named), one line each: `[HOST: ]WHAT: WHY`. Apply refuses a plan
    /// with any.
    pub fn lacking(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .incomplete
            .iter()
            .map(|i| format!("{}: {}", i.what, i.error))
            .collect();
        for h in &self.hosts {
            out.extend(
                h.lacking()
                    .into_iter()
                    .map(|l| format!("{}: {l}", h.target.name)),
            );
        }
        out
    }

    /// The hash of everything but the hash and the signature.
    pub fn compute_hash(&self) -> String {
        let mut copy = self.clone();
        copy.hash = String::new();
        copy.signature = None;
        let text = serde_json::to_string(&copy).expect("plans serialise");
        format!("sha256:{}", sha256_hex(text.as_bytes()))
    }

    /// Sets the format (the oldest that holds the plan: 2 when it or a
    /// host lacks something or names its flake by a reference, else 1)
    /// and the hash.
    pub fn seal(mut self) -> Plan {
        let referenced = self
            .runnable()
            .iter()
            .chain(std::iter::once(&&self))
            .any(|p| p.source.reference.is_some());
        self.format_version = if self.lacking().is_empty() && !referenced {
            1
        } else {
            2
        };
        self.hash = self.compute_hash();
        self
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("plans serialise");
        s.push('\n');
        s
    }

    pub fn from_json(text: &str) -> Result<Plan, String> {
        let plan: Plan =
            serde_json::from_str(text).map_err(|e| format!("not a nixplan plan: {e}"))?;
        if !(OLDEST_FORMAT_VERSION..=FORMAT_VERSION).contains(&plan.format_version) {
            return Err(format!(
                "plan format {} is not supported (this nixplan reads {OLDEST_FORMAT_VERSION} to {FORMAT_VERSION})",
                plan.format_version
            ));
        }
        Ok(plan)
    }

    /// The plans that run: the hosts of a hive plan, or this one.
    pub fn runnable(&self) -> Vec<&Plan> {
        if self.hosts.is_empty() {
            vec![self]
        } else {
            self.hosts.iter().collect()
        }
    }

    pub fn action(&self, id: &str) -> Option<&Action> {
        self.actions.iter().find(|a| a.id == id)
    }
}
