//! The disko phase's content types, one file each: what disko's type of
//! that name creates, as actions of the [`Builder`]. The dispatch from a
//! `Content` to its file is `phases/disko.rs` (`Builder::content`).

mod bcachefs;
mod btrfs;
mod filesystem;
mod gpt;
mod luks;
mod lvm;
mod mdadm;
mod nodev;
mod swap;
mod table;
pub mod udev;
mod zfs;

pub use zfs::zpool_topology;

/// Whether disko's mount script of the thing with hook key `key` (`KIND
/// NAME`) has a device activation part (`dev`), which disko wraps in the
/// thing's mount hooks: a partition table (even with nothing to activate),
/// LUKS, a volume group, a pool, a ZFS volume, an encrypted ZFS
/// filesystem, and a disk or md array whose content has one.
pub(crate) fn has_activation_script(disko: &nixplan_nixos::config::Disko, key: &str) -> bool {
    use nixplan_nixos::config::Content;
    let content = |c: &Option<Content>| {
        matches!(
            c,
            Some(Content::Gpt(_) | Content::Table(_) | Content::Luks(_))
        )
    };
    let (kind, name) = key.split_once(' ').unwrap_or((key, ""));
    match kind {
        "gpt" | "table" | "luks" | "lvm_vg" | "zpool" => true,
        "disk" => disko.disks.get(name).is_some_and(|d| content(&d.content)),
        "mdadm" => disko.mdadm.get(name).is_some_and(|m| content(&m.content)),
        "dataset" => {
            let (pool, ds) = name.split_once('/').unwrap_or((name, ""));
            disko
                .zpools
                .get(pool)
                .and_then(|p| p.datasets.values().find(|d| d.name == ds))
                .is_some_and(|d| {
                    d.kind.value == "zfs_volume"
                        || d.options
                            .value
                            .get("keylocation")
                            .is_some_and(|k| k != "none")
                })
        }
        _ => false,
    }
}

/// The words of argument lists that disko writes into its script unquoted
/// (`${toString extraArgs}`: btrfs's mkfs, LVs, swap, LUKS format and open,
/// a bcachefs filesystem's format): the shell reads the joined elements as
/// shell words, so `"-d raid1"` is two words and `"--label 'my fs'"` is
/// `--label` and `my fs` (POSIX quoting, by the `shlex` crate). disko quotes
/// others (a filesystem's `extraArgs`, mdadm's, a zvol's), which stay one
/// word each. Expansions (`$X`, globs) are not performed: the words keep
/// them as written. Text whose quotes do not close is split at blanks
/// (bash would stop the script there).
pub(crate) fn as_shell_splits(args: &[String]) -> Vec<String> {
    let joined = args.join(" ");
    shlex::split(&joined).unwrap_or_else(|| {
        joined
            .split([' ', '\t', '\n'])
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect()
    })
}

// What every content type's file works with (each starts with `use super::*`).
use std::collections::{BTreeMap, BTreeSet};

use nixplan_nixos::config::{
    hook_key, numbered_partition, Bcachefs, BcachefsFilesystem, Btrfs, Dataset, Filesystem, Gpt,
    Located, Luks, LvmPv, MdArray, Mdraid, Nodev, Swap, Table, VolumeGroup, Zfs, Zpool,
};
use nixplan_plan::shell::sh_quote;
use nixplan_plan::{Kind, Phase, Resource, ResourceKind as Res};

use crate::builder::{under, Builder, NewAction};
use crate::error::PlanError;

#[cfg(test)]
mod shell_split_tests {
    #[test]
    fn unquoted_lists_split_as_the_shell_splits_them() {
        let words = |v: &[&str]| {
            super::as_shell_splits(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        };
        assert_eq!(
            words(&["-d raid1", "/dev/mapper/p1"]),
            ["-d", "raid1", "/dev/mapper/p1"]
        );
        assert_eq!(
            words(&["--label 'my fs'", "-f"]),
            ["--label", "my fs", "-f"]
        );
        assert_eq!(words(&["--iter-time\t1"]), ["--iter-time", "1"]);
        assert_eq!(words(&[]), Vec::<String>::new());
    }
}
