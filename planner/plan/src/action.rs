//! The closed vocabularies of an action: its phase, its kind, where it runs
//! and the condition under which it runs. Each is an enum in code and a
//! fixed string in the plan's JSON, so a plan written by one nixplan reads
//! the same in another and an unknown value is refused when the plan is read.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::facts;

/// The phases, declared in the order they run (`Ord` follows it).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Phase {
    Facts,
    Bootstrap,
    Disko,
    Persist,
    Install,
    Activation,
    Reboot,
    /// Changing a running NixOS: build, copy, keys, profile, switch.
    Deploy,
}

impl Phase {
    pub const ALL: [Phase; 8] = [
        Phase::Facts,
        Phase::Bootstrap,
        Phase::Disko,
        Phase::Persist,
        Phase::Install,
        Phase::Activation,
        Phase::Reboot,
        Phase::Deploy,
    ];

    /// The word the plan's JSON and the command line use.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Reads a phase named on the command line.
    pub fn parse(s: &str) -> Result<Phase, String> {
        s.parse().map_err(|_| {
            let all: Vec<&str> = Phase::ALL.iter().map(|p| p.as_str()).collect();
            format!("unknown phase {s:?} (phases: {})", all.join(", "))
        })
    }
}

/// Compared with the word itself (tests and filters read better so).
impl PartialEq<&str> for Phase {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// Which phases a plan (or a run of it) keeps: only those named (all when
/// none is), and none after `stop_after`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PhaseSelection {
    pub only: Vec<Phase>,
    pub stop_after: Option<Phase>,
}

impl PhaseSelection {
    /// Reads the phases named on the command line.
    pub fn parse(only: &[String], stop_after: Option<&str>) -> Result<PhaseSelection, String> {
        Ok(PhaseSelection {
            only: only
                .iter()
                .map(|p| Phase::parse(p))
                .collect::<Result<_, _>>()?,
            stop_after: stop_after.map(Phase::parse).transpose()?,
        })
    }

    pub fn includes(&self, phase: Phase) -> bool {
        (self.only.is_empty() || self.only.contains(&phase))
            && self.stop_after.is_none_or(|last| phase <= last)
    }
}

/// What an action does, one word a reviewer can filter on.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::Display,
    strum::IntoStaticStr,
    strum::EnumIter,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Kind {
    // facts and bootstrap
    Facts,
    Upload,
    Kexec,
    Precondition,
    SecretFile,
    Barrier,
    // disko
    Wipe,
    PartitionTable,
    Partition,
    HybridMbr,
    LuksFormat,
    LuksOpen,
    LuksAddKey,
    Pvcreate,
    Vgcreate,
    Lvcreate,
    MdadmCreate,
    MdraidMember,
    ZfsMember,
    BcachefsMember,
    ZpoolCreate,
    ZpoolExport,
    ZfsDataset,
    ZfsVolume,
    Mkfs,
    Mkswap,
    BtrfsSubvolume,
    BcachefsSubvolume,
    /// An encrypted bcachefs filesystem's key put in the session keyring.
    BcachefsUnlock,
    /// A `/dev/disk` link udev would make, made where udev does not run.
    DeviceLink,
    Swapfile,
    Mount,
    Unmount,
    /// A disko create hook: the user's shell, run as disko runs it.
    DiskoHook,
    // persist
    Directory,
    Chown,
    // install
    Build,
    CopyClosure,
    ExtraFiles,
    HostKeys,
    NixosInstall,
    // activation and reboot
    ActivationSnippet,
    Reboot,
    // deploy
    /// A `deployment.keys` entry written on the target (its content
    /// streamed at apply time, never in the plan).
    Key,
    /// The system profile pointed at the new system.
    Profile,
    /// The magic-rollback watchdog armed on the target.
    Watchdog,
    /// `switch-to-configuration GOAL`.
    Switch,
    /// The controller confirms over a new SSH connection (disarms the
    /// watchdog).
    Confirm,
    /// Shows what is about to change (closure diff, dry activation); its
    /// output is shown to the user.
    Preview,
    /// Runs nothing: the run goes on past it only when the user agrees
    /// (`--yes`, or yes at a prompt) after what came before.
    Approval,
}

impl Kind {
    /// The word the plan's JSON uses.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Whether an action of this kind destroys what was on a device (or,
    /// for kexec, the running system): `verify` holds each action's
    /// `destructive` to this.
    pub fn destroys_data(self) -> bool {
        matches!(
            self,
            Kind::Wipe
                | Kind::PartitionTable
                | Kind::LuksFormat
                | Kind::Pvcreate
                | Kind::MdadmCreate
                | Kind::MdraidMember
                | Kind::ZfsMember
                | Kind::BcachefsMember
                | Kind::ZpoolCreate
                | Kind::Mkfs
                | Kind::Mkswap
                | Kind::Kexec
        )
    }

    /// Actions that take the machine away from under the connection.
    pub fn ends_the_system(self) -> bool {
        matches!(self, Kind::Kexec | Kind::Reboot)
    }
}

impl PartialEq<&str> for Kind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// Where an action runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunsOn {
    /// The machine being installed (over SSH, or this one).
    Target,
    /// The machine nixplan runs on (builds, copies to the target).
    Local,
}

/// When an action runs at all, decided by the executor from the target's
/// facts. The JSON spells each out as the sentence a reviewer reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Condition {
    #[serde(rename = "always")]
    Always,
    #[serde(rename = "never on the machine nixplan runs on")]
    NotThisMachine,
    #[serde(
        rename = "facts: not a NixOS installer (os-release ID=nixos, VARIANT_ID=installer), and no Secure Boot, kernel lockdown, kexec_load_disabled or container"
    )]
    KexecWorks,
    #[serde(
        rename = "facts: not a NixOS installer, and kexec cannot work (Secure Boot, kernel lockdown, kexec_load_disabled or a container); needs nix and nixos-install on PATH, and root (or sudo/doas)"
    )]
    KexecCannotWork,
}

impl Condition {
    /// Whether the condition holds on a target with these facts;
    /// `this_machine` says the target is the machine nixplan runs on.
    pub fn holds(self, facts: &serde_json::Value, this_machine: bool) -> bool {
        match self {
            Condition::Always => true,
            Condition::NotThisMachine => !this_machine,
            Condition::KexecWorks => {
                !facts::is_installer(facts) && facts::kexec_blocker(facts).is_none()
            }
            Condition::KexecCannotWork => {
                !facts::is_installer(facts) && facts::kexec_blocker(facts).is_some()
            }
        }
    }

    /// The sentence the plan shows.
    pub fn describe(self) -> &'static str {
        match self {
            Condition::Always => "always",
            Condition::NotThisMachine => "never on the machine nixplan runs on",
            Condition::KexecWorks => "facts: not a NixOS installer (os-release ID=nixos, VARIANT_ID=installer), and no Secure Boot, kernel lockdown, kexec_load_disabled or container",
            Condition::KexecCannotWork => "facts: not a NixOS installer, and kexec cannot work (Secure Boot, kernel lockdown, kexec_load_disabled or a container); needs nix and nixos-install on PATH, and root (or sudo/doas)",
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_words_are_the_display_words() {
        for p in Phase::ALL {
            assert_eq!(serde_json::to_value(p).unwrap(), p.as_str());
            assert_eq!(Phase::parse(p.as_str()).unwrap(), p);
        }
        for c in [
            Condition::Always,
            Condition::NotThisMachine,
            Condition::KexecWorks,
            Condition::KexecCannotWork,
        ] {
            assert_eq!(serde_json::to_value(c).unwrap(), c.describe());
        }
        for k in <Kind as strum::IntoEnumIterator>::iter() {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
    }

    #[test]
    fn an_unknown_phase_names_the_known_ones() {
        let e = Phase::parse("dsko").unwrap_err();
        assert!(e.contains("unknown phase \"dsko\""), "{e}");
        assert!(e.contains("facts, bootstrap, disko"), "{e}");
    }

    #[test]
    fn selection_keeps_named_phases_up_to_the_last() {
        let s = PhaseSelection {
            only: vec![Phase::Disko, Phase::Install],
            stop_after: Some(Phase::Persist),
        };
        assert!(s.includes(Phase::Disko));
        assert!(!s.includes(Phase::Install));
        assert!(!s.includes(Phase::Facts));
        assert!(PhaseSelection::default().includes(Phase::Reboot));
    }
}
