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

/// The words of argument lists that disko writes into its script unquoted
/// (`${toString extraArgs}`: btrfs's mkfs, LVs, swap, LUKS format and open,
/// a bcachefs filesystem's format): the shell splits each element at
/// blanks, so `"-d raid1"` is two words. disko quotes others (a
/// filesystem's `extraArgs`, mdadm's, a zvol's), which stay one word each.
/// No globbing: disko's lists name no patterns.
pub(crate) fn as_shell_splits(args: &[String]) -> impl Iterator<Item = String> + '_ {
    args.iter().flat_map(|a| {
        a.split([' ', '\t', '\n'])
            .filter(|w| !w.is_empty())
            .map(str::to_string)
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
