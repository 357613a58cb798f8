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
