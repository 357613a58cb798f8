//! Compiling a typed configuration into actions: bootstrap, disko (wipe,
//! create, format, mount), persistent directories, install, activation,
//! unmount and reboot. Each action says what it needs and produces; the
//! order comes from that (see `order.rs`).

use std::collections::{BTreeMap, BTreeSet};

use nixplan_nixos::config::{
    Bcachefs, Btrfs, Config, Content, Filesystem, Gpt, Located, Luks, LvmPv, Mdraid, Swap, Table,
    Zfs,
};

use crate::activation;
use nixplan_plan::order::{self, OrderError};
use nixplan_plan::shell::{clean_env, sh_quote};
use nixplan_plan::{
    Action, Condition, Kind, Phase, PhaseSelection, Plan, PlanTarget, RunsOn, SourceDigest,
    SourceRef, Summary, FORMAT_VERSION,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BootstrapMode {
    /// Decide from the target's facts (shown as conditions without them).
    Auto,
    Kexec,
    /// Install from the running system (nix and nixos-install on PATH).
    Live,
    /// The target already runs a NixOS installer.
    None,
}

#[derive(Debug, Clone)]
pub struct PlanOptions {
    pub target_host: Option<String>,
    pub bootstrap: BootstrapMode,
    /// A prebuilt system (`/nix/store/...-nixos-system-...`); otherwise the
    /// plan builds `flake_attr` locally.
    pub system: Option<String>,
    /// `PATH#nixosConfigurations.NAME...toplevel`, for the build action.
    pub flake_attr: Option<String>,
    pub facts: Option<serde_json::Value>,
    /// The phases the plan keeps.
    pub phases: PhaseSelection,
    /// A directory whose contents are copied into the new root (`/mnt`)
    /// before installing (`--extra-files`), owned as `chown` says.
    pub extra_files: Option<String>,
    pub chown: Vec<(String, String)>,
    /// Where the kexec installer comes from.
    pub kexec_image: KexecImage,
    /// Secret files to put on the target before disko runs (LUKS key
    /// files): `(path on the target, file here)`; their contents are
    /// streamed, never put in the plan.
    pub secret_files: Vec<(String, String)>,
    pub nixplan_version: String,
}

/// The kexec installer tarball: downloaded by the target, or uploaded from
/// here (its sha256 is in the plan and checked on the target before use).
#[derive(Debug, Clone, PartialEq)]
pub enum KexecImage {
    Download { url: String },
    Upload { path: String, sha256: String },
}

/// nixos-images' kexec installer for the target's architecture (`uname -m`).
pub const DEFAULT_KEXEC_URL: &str = "https://github.com/nix-community/nixos-images/releases/latest/download/nixos-kexec-installer-noninteractive-$(uname -m)-linux.tar.gz";

impl Default for KexecImage {
    fn default() -> Self {
        KexecImage::Download {
            url: DEFAULT_KEXEC_URL.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum PlanError {
    Order(OrderError),
    Activation(activation::ActivationError),
    Invalid { message: String, at: Option<String> },
}

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlanError::Order(e) => write!(f, "{e}"),
            PlanError::Activation(e) => match e {
                activation::ActivationError::UnknownDependency { at: Some(at), .. }
                | activation::ActivationError::Cycle { at: Some(at), .. } => {
                    write!(f, "{e} (at {at})")
                }
                _ => write!(f, "{e}"),
            },
            PlanError::Invalid {
                message,
                at: Some(at),
            } => write!(f, "{message} (at {at})"),
            PlanError::Invalid { message, at: None } => write!(f, "{message}"),
        }
    }
}

/// A directory to create under a persistence root: path, user, group,
/// mode, where it was defined, and what it is for.
type PersistEntry = (String, String, String, String, Option<String>, &'static str);

fn source_of(at: &Option<String>) -> Option<SourceRef> {
    let at = at.as_ref()?;
    let mut parts = at.rsplitn(3, ':');
    let _col = parts.next()?;
    let line = parts.next()?.parse().ok()?;
    let file = parts.next()?.to_string();
    Some(SourceRef { file, line })
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

struct Builder<'a> {
    config: &'a Config,
    root: String,
    actions: Vec<Action>,
    /// Mountpoint (on the target, e.g. `/boot`) → the resource of its mount.
    mounts: BTreeMap<String, String>,
    /// PVs of each volume group, members of each md array and zpool.
    pvs: BTreeMap<String, Vec<String>>,
    md_members: BTreeMap<String, Vec<String>>,
    pool_members: BTreeMap<String, Vec<String>>,
    bcachefs_members: BTreeMap<String, Vec<(String, String)>>,
}

struct NewAction {
    id: String,
    phase: Phase,
    kind: Kind,
    argv: Option<Vec<String>>,
    script: Option<String>,
    destructive: bool,
    check: Option<Vec<String>>,
    needs: Vec<String>,
    produces: Vec<String>,
    at: Option<String>,
    reason: String,
}

impl Builder<'_> {
    fn add(&mut self, a: NewAction) {
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

    fn argv(parts: &[&str]) -> Option<Vec<String>> {
        Some(parts.iter().map(|s| s.to_string()).collect())
    }

    /// A check that `device` carries a signature: `KEY` (`TYPE`, `PTTYPE`)
    /// with any value, or exactly `value`. (`blkid -p` alone also succeeds
    /// on an empty partition: it reports the partition entry.)
    fn probe(device: &str, key: &str, value: Option<&str>) -> Option<Vec<String>> {
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

    // ----- disko ------------------------------------------------------------

    /// First pass: who belongs to which volume group, array and pool.
    fn collect_members(&mut self, c: &Content) {
        match c {
            Content::Gpt(Gpt { partitions, .. }) => partitions
                .iter()
                .filter_map(|p| p.content.as_ref())
                .for_each(|c| self.collect_members(c)),
            Content::Table(Table { partitions, .. }) => partitions
                .iter()
                .filter_map(|p| p.content.as_ref())
                .for_each(|c| self.collect_members(c)),
            Content::Luks(Luks {
                content: Some(inner),
                ..
            }) => self.collect_members(inner),
            Content::LvmPv(LvmPv { device, vg, .. }) => self
                .pvs
                .entry(vg.value.clone())
                .or_default()
                .push(device.clone()),
            Content::Mdraid(Mdraid { device, name, .. }) => self
                .md_members
                .entry(name.value.clone())
                .or_default()
                .push(device.clone()),
            Content::Zfs(Zfs { device, pool, .. }) => self
                .pool_members
                .entry(pool.value.clone())
                .or_default()
                .push(device.clone()),
            Content::Bcachefs(Bcachefs {
                device,
                filesystem: Located {
                    value: Some(fs), ..
                },
                label,
                ..
            }) => self
                .bcachefs_members
                .entry(fs.clone())
                .or_default()
                .push((device.clone(), label.value.clone())),
            _ => {}
        }
    }

    fn disko(&mut self) -> Result<(), PlanError> {
        let config = self.config;
        for disk in config.disko.disks.values() {
            if let Some(c) = &disk.content {
                self.collect_members(c);
            }
        }
        for vg in config.disko.lvm_vgs.values() {
            for lv in vg.lvs.values() {
                if let Some(c) = &lv.content {
                    self.collect_members(c);
                }
            }
        }
        for md in config.disko.mdadm.values() {
            if let Some(c) = &md.content {
                self.collect_members(c);
            }
        }
        for (name, disk) in &config.disko.disks {
            let dev = disk.device.value.clone();
            let id = format!("disko/disk/{name}");
            self.add(NewAction {
                id: format!("{id}/wipe"),
                phase: Phase::Disko,
                kind: Kind::Wipe,
                argv: None,
                script: Some(format!(
                    "set -eu\nfor part in $(lsblk --list --noheadings --paths --output NAME,TYPE {d} | awk '$2 == \"part\" {{ print $1 }}'); do\n  wipefs --all --force \"$part\"\ndone\nwipefs --all --force {d}\ndd if=/dev/zero of={d} bs=440 count=1 conv=notrunc\nudevadm settle --timeout 120\n",
                    d = sh_quote(&dev)
                )),
                destructive: true,
                check: None,
                needs: vec![format!("device:{dev}"), "bootstrap:ready".into()],
                produces: vec![format!("wiped:{dev}")],
                at: disk.device.at.clone(),
                reason: format!("erase every signature on disk {name} ({dev}) and on its partitions, and its partition table"),
            });
            if let Some(c) = &disk.content {
                self.content(c, &id, &format!("wiped:{dev}"))?;
            }
        }
        for (name, md) in &config.disko.mdadm {
            let dev = format!("/dev/md/{}", md.name);
            let members = self.md_members.get(name).cloned().unwrap_or_default();
            if members.is_empty() {
                return Err(PlanError::Invalid {
                    message: format!("mdadm array '{name}' has no mdraid members"),
                    at: md.at.clone(),
                });
            }
            let mut argv = vec![
                "mdadm".to_string(),
                "--create".into(),
                dev.clone(),
                format!("--level={}", md.level.value),
                format!("--raid-devices={}", members.len()),
                format!("--metadata={}", md.metadata.value),
                "--force".into(),
                "--homehost=any".into(),
                "--run".into(),
            ];
            argv.extend(members.iter().cloned());
            self.add(NewAction {
                id: format!("disko/mdadm/{name}/create"),
                phase: Phase::Disko,
                kind: Kind::MdadmCreate,
                argv: Some(argv),
                script: None,
                destructive: true,
                check: Self::argv(&["test", "-b", &dev]),
                needs: members.iter().map(|m| format!("member:{m}")).collect(),
                produces: vec![format!("block:{dev}")],
                at: md.at.clone(),
                reason: format!(
                    "assemble RAID{} array {name} from {}",
                    md.level.value,
                    members.join(", ")
                ),
            });
            if let Some(c) = &md.content {
                self.content(c, &format!("disko/mdadm/{name}"), &format!("block:{dev}"))?;
            }
        }
        for (name, vg) in &config.disko.lvm_vgs {
            let pvs = self.pvs.get(name).cloned().unwrap_or_default();
            if pvs.is_empty() {
                return Err(PlanError::Invalid {
                    message: format!("volume group '{name}' has no lvm_pv"),
                    at: vg.at.clone(),
                });
            }
            let mut argv = vec!["vgcreate".to_string(), vg.name.clone()];
            argv.extend(pvs.iter().cloned());
            self.add(NewAction {
                id: format!("disko/lvm_vg/{name}/create"),
                phase: Phase::Disko,
                kind: Kind::Vgcreate,
                argv: Some(argv),
                script: None,
                destructive: false,
                check: Self::argv(&["vgs", &vg.name]),
                needs: pvs.iter().map(|p| format!("member:{p}")).collect(),
                produces: vec![format!("vg:{name}"), format!("vg-space:{name}:0")],
                at: vg.at.clone(),
                reason: format!("create volume group {name} on {}", pvs.join(", ")),
            });
            // Logical volumes in priority order; each takes space after the previous.
            let mut lvs: Vec<_> = vg.lvs.values().collect();
            lvs.sort_by(|a, b| (a.priority.value, &a.name).cmp(&(b.priority.value, &b.name)));
            for (i, lv) in lvs.iter().enumerate() {
                let dev = format!("/dev/{}/{}", vg.name, lv.name);
                let size_flag = if lv.size.value.contains('%') {
                    "-l"
                } else {
                    "-L"
                };
                // A thin volume is virtual (-V) in its pool; other types are segment types.
                let thin = lv.lvm_type.value.as_deref() == Some("thinlv");
                let size_flag = if thin { "-V" } else { size_flag };
                let mut argv = vec![
                    "lvcreate".to_string(),
                    "--yes".into(),
                    size_flag.into(),
                    lv.size.value.clone(),
                    "-n".into(),
                    lv.name.clone(),
                ];
                match (&lv.lvm_type.value, thin) {
                    (_, true) => match &lv.pool.value {
                        Some(pool) => argv.push(format!("--thinpool={pool}")),
                        None => {
                            return Err(PlanError::Invalid {
                                message: format!("thin volume {} names no pool", lv.name),
                                at: lv.at.clone(),
                            })
                        }
                    },
                    (Some(t), false) => {
                        argv.push("--type".into());
                        argv.push(t.clone());
                    }
                    (None, false) => {}
                }
                argv.extend(lv.extra_args.value.iter().cloned());
                argv.push(vg.name.clone());
                self.add(NewAction {
                    id: format!("disko/lvm_vg/{name}/lv/{}", lv.name),
                    phase: Phase::Disko,
                    kind: Kind::Lvcreate,
                    argv: Some(argv),
                    script: None,
                    destructive: false,
                    check: Self::argv(&["lvs", &format!("{}/{}", vg.name, lv.name)]),
                    needs: vec![format!("vg:{name}"), format!("vg-space:{name}:{i}")],
                    produces: vec![format!("block:{dev}"), format!("vg-space:{name}:{}", i + 1)],
                    at: lv.at.clone(),
                    reason: format!(
                        "create logical volume {} of {} in {name}",
                        lv.name, lv.size.value
                    ),
                });
                if let Some(c) = &lv.content {
                    self.content(
                        c,
                        &format!("disko/lvm_vg/{name}/lv/{}", lv.name),
                        &format!("block:{dev}"),
                    )?;
                }
            }
        }
        for (name, pool) in &config.disko.zpools {
            let members = self.pool_members.get(name).cloned().unwrap_or_default();
            if members.is_empty() {
                return Err(PlanError::Invalid {
                    message: format!("zpool '{name}' has no zfs members"),
                    at: pool.at.clone(),
                });
            }
            let mut argv = vec![
                "zpool".to_string(),
                "create".into(),
                "-f".into(),
                "-R".into(),
                self.root.clone(),
            ];
            for (k, v) in &pool.options.value {
                argv.push("-o".into());
                argv.push(format!("{k}={v}"));
            }
            for (k, v) in &pool.root_fs_options.value {
                argv.push("-O".into());
                argv.push(format!("{k}={v}"));
            }
            if let Some(mp) = &pool.mountpoint.value {
                argv.push("-m".into());
                argv.push(mp.clone());
            }
            argv.push(pool.name.clone());
            match &pool.mode.value {
                serde_json::Value::String(m) => {
                    if !m.is_empty() {
                        argv.push(m.clone());
                    }
                    argv.extend(members.iter().cloned());
                }
                serde_json::Value::Object(o) => {
                    let t = o.get("topology").unwrap_or(&serde_json::Value::Null);
                    argv.extend(zpool_topology(name, t, &members).map_err(|message| {
                        PlanError::Invalid {
                            message,
                            at: pool.mode.at.clone(),
                        }
                    })?);
                }
                other => {
                    return Err(PlanError::Invalid {
                        message: format!(
                            "zpool '{name}': mode {other} is neither a mode string nor a topology"
                        ),
                        at: pool.mode.at.clone(),
                    })
                }
            }
            let pool_res = format!("zpool:{name}");
            self.add(NewAction {
                id: format!("disko/zpool/{name}/create"),
                phase: Phase::Disko,
                kind: Kind::ZpoolCreate,
                argv: Some(argv),
                script: None,
                destructive: true,
                check: Self::argv(&["zpool", "list", &pool.name]),
                needs: members.iter().map(|m| format!("member:{m}")).collect(),
                produces: vec![pool_res.clone()],
                at: pool.at.clone(),
                reason: format!("create ZFS pool {name} on {}", members.join(", ")),
            });
            let mut datasets: Vec<_> = pool.datasets.values().collect();
            datasets.sort_by(|a, b| a.name.cmp(&b.name));
            let names: BTreeSet<&str> = datasets.iter().map(|d| d.name.as_str()).collect();
            for ds in datasets {
                let full = format!("{}/{}", pool.name, ds.name);
                let parent = ds
                    .name
                    .rsplit_once('/')
                    .map(|(p, _)| p)
                    .filter(|p| names.contains(p));
                let mut needs = vec![pool_res.clone()];
                if let Some(p) = parent {
                    needs.push(format!("dataset:{}/{p}", pool.name));
                }
                let volume = ds.kind.value == "zfs_volume";
                let mut argv = vec!["zfs".to_string(), "create".into()];
                if !volume {
                    argv.push("-up".into());
                }
                if volume {
                    argv.push("-V".into());
                    match &ds.size.value {
                        Some(size) => argv.push(size.clone()),
                        None => {
                            return Err(PlanError::Invalid {
                                message: format!("the ZFS volume {full} has no size"),
                                at: ds.at.clone(),
                            })
                        }
                    }
                }
                for (k, v) in &ds.options.value {
                    argv.push("-o".into());
                    argv.push(format!("{k}={v}"));
                }
                if !volume {
                    if let Some(mp) = &ds.mountpoint.value {
                        if !ds.options.value.contains_key("mountpoint") {
                            argv.push("-o".into());
                            argv.push(format!("mountpoint={mp}"));
                        }
                    }
                }
                argv.push(full.clone());
                let mut produces = vec![format!("dataset:{full}")];
                if volume {
                    produces.push(format!("block:/dev/zvol/{full}"));
                }
                self.add(NewAction {
                    id: format!("disko/zpool/{name}/dataset/{}", ds.name),
                    phase: Phase::Disko,
                    kind: if volume {
                        Kind::ZfsVolume
                    } else {
                        Kind::ZfsDataset
                    },
                    argv: Some(argv),
                    script: None,
                    destructive: false,
                    check: Self::argv(&["zfs", "list", &full]),
                    needs,
                    produces,
                    at: ds.at.clone(),
                    reason: format!(
                        "create ZFS {} {full}",
                        if volume { "volume" } else { "dataset" }
                    ),
                });
                if volume {
                    if let Some(c) = &ds.content {
                        self.content(
                            c,
                            &format!("disko/zpool/{name}/dataset/{}", ds.name),
                            &format!("block:/dev/zvol/{full}"),
                        )?;
                    }
                } else if let Some(mp) = &ds.mountpoint.value {
                    let legacy = ds
                        .options
                        .value
                        .get("mountpoint")
                        .is_some_and(|m| m == "legacy");
                    let mut opts = ds.mount_options.value.clone();
                    if !legacy {
                        opts.push("zfsutil".into());
                    }
                    self.mount(
                        mp,
                        "zfs",
                        &full,
                        &opts,
                        &format!("dataset:{full}"),
                        &format!("disko/zpool/{name}/dataset/{}", ds.name),
                        &ds.mountpoint,
                    );
                }
            }
        }
        for (name, f) in &config.disko.bcachefs_filesystems {
            let members = self.bcachefs_members.get(name).cloned().unwrap_or_default();
            if members.is_empty() {
                return Err(PlanError::Invalid {
                    message: format!("bcachefs filesystem '{name}' has no member devices"),
                    at: f.at.clone(),
                });
            }
            let mut argv = vec![
                "bcachefs".to_string(),
                "format".into(),
                format!("--uuid={}", f.uuid.value),
            ];
            argv.extend(f.extra_format_args.value.iter().cloned());
            for (dev, label) in &members {
                if !label.is_empty() {
                    argv.push(format!("--label={label}"));
                }
                argv.push(dev.clone());
            }
            let fs_res = format!("fs:bcachefs:{name}");
            self.add(NewAction {
                id: format!("disko/bcachefs/{name}/format"),
                phase: Phase::Disko,
                kind: Kind::Mkfs,
                argv: Some(argv),
                script: None,
                destructive: true,
                check: Self::argv(&["blkid", "--match-token", &format!("UUID={}", f.uuid.value)]),
                needs: members.iter().map(|(d, _)| format!("member:{d}")).collect(),
                produces: vec![fs_res.clone()],
                at: f.at.clone(),
                reason: format!(
                    "format bcachefs filesystem {name} over {}",
                    members
                        .iter()
                        .map(|(d, _)| d.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
            if let Some(mp) = &f.mountpoint.value {
                let devices = members
                    .iter()
                    .map(|(d, _)| d.as_str())
                    .collect::<Vec<_>>()
                    .join(":");
                self.mount(
                    mp,
                    "bcachefs",
                    &devices,
                    &f.mount_options.value,
                    &fs_res,
                    &format!("disko/bcachefs/{name}"),
                    &f.mountpoint,
                );
            }
        }
        for (name, n) in &config.disko.nodev {
            if let Some(mp) = &n.mountpoint.value {
                self.mount(
                    mp,
                    &n.fs_type.value,
                    &n.device.value,
                    &n.mount_options.value,
                    "",
                    &format!("disko/nodev/{name}"),
                    &n.mountpoint,
                );
            }
        }
        Ok(())
    }

    /// The hybrid MBR of a GPT disk (partitions with `hybrid` set), made
    /// once every partition exists: `sgdisk -h` lists them (with `:EE`
    /// when the 0xEE entry goes last), then sfdisk sets the MBR types and
    /// boot flags by MBR slot. (disko passes the GPT number to sfdisk,
    /// which is another slot whenever the 0xEE entry is first, its
    /// default; and its default `sgdisk -h` line lacks the space before
    /// the device.) Returns the resource the contents then wait for.
    fn hybrid_mbr(
        &mut self,
        id: &str,
        device: &str,
        partitions: &[nixplan_nixos::config::Partition],
        ee_first: &nixplan_nixos::config::Located<bool>,
        after: &str,
    ) -> Result<Option<String>, PlanError> {
        let hybrids: Vec<(usize, &nixplan_nixos::config::Hybrid)> = partitions
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.hybrid.as_ref().map(|h| (i + 1, h)))
            .collect();
        if hybrids.is_empty() {
            return Ok(None);
        }
        if hybrids.len() > 3 {
            return Err(PlanError::Invalid {
                message: format!(
                    "{device}: a hybrid MBR holds at most 3 GPT partitions (its 4th entry is the 0xEE one), and {} have `hybrid` set",
                    hybrids.len()
                ),
                at: hybrids[3].1.at.clone(),
            });
        }
        let ee_first = ee_first.value;
        let slot = |k: usize| if ee_first { k + 2 } else { k + 1 };
        let ee_slot = if ee_first { 1 } else { hybrids.len() + 1 };
        let mut spec: Vec<String> = hybrids.iter().map(|(n, _)| n.to_string()).collect();
        if !ee_first {
            spec.push("EE".into());
        }
        let dev = sh_quote(device);
        let nested = "sfdisk --label-nested dos";
        let mut script = format!("set -eu\nsgdisk -h {} {dev}\n", spec.join(":"));
        // (sfdisk pads a one-digit type with a space.)
        let mut check = format!("[ \"$({nested} --part-type {dev} {ee_slot} | tr -d ' ')\" = ee ]");
        let mut bootable = Vec::new();
        for (k, (n, h)) in hybrids.iter().enumerate() {
            let s = slot(k);
            match &h.mbr_partition_type.value {
                Some(t) => {
                    let hex = t.trim_start_matches("0x").trim_start_matches("0X");
                    let short = hex.trim_start_matches('0').to_ascii_lowercase();
                    if short.is_empty()
                        || short.len() > 2
                        || !short.chars().all(|c| c.is_ascii_hexdigit())
                    {
                        return Err(PlanError::Invalid {
                            message: format!("partition {n} of {device}: mbrPartitionType '{t}' is not an MBR type (a hex byte such as 0x0c)"),
                            at: h.at.clone(),
                        });
                    }
                    script.push_str(&format!("{nested} --part-type {dev} {s} {}\n", sh_quote(t)));
                    check.push_str(&format!(
                        " && [ \"$({nested} --part-type {dev} {s} | tr -d ' ')\" = {short} ]"
                    ));
                }
                None => check.push_str(&format!(" && {nested} --part-type {dev} {s} >/dev/null")),
            }
            if h.mbr_bootable_flag.value {
                bootable.push(s.to_string());
            }
        }
        // One call: --activate clears the flag of every slot it is not given.
        if !bootable.is_empty() {
            script.push_str(&format!(
                "{nested} --activate {dev} {}\n",
                bootable.join(" ")
            ));
            for s in &bootable {
                check.push_str(&format!(
                    " && {nested} --activate {dev} | grep -q '[^0-9]{s}$'"
                ));
            }
        }
        script.push_str(&format!(
            "partprobe {dev}\nudevadm trigger --subsystem-match=block\nudevadm settle --timeout 120\n"
        ));
        let produced = format!("hybrid-mbr:{device}");
        self.add(NewAction {
            id: format!("{id}/hybrid-mbr"),
            phase: Phase::Disko,
            kind: Kind::HybridMbr,
            argv: None,
            script: Some(script),
            destructive: false,
            check: Self::argv(&["sh", "-c", &check]),
            needs: vec![after.to_string()],
            produces: vec![produced.clone()],
            at: hybrids[0].1.at.clone(),
            reason: format!(
                "make the MBR of {device} hybrid: GPT partitions {} in MBR slots {}, the 0xEE entry {}",
                hybrids.iter().map(|(n, _)| n.to_string()).collect::<Vec<_>>().join(", "),
                (0..hybrids.len()).map(|k| slot(k).to_string()).collect::<Vec<_>>().join(", "),
                if ee_first { "first" } else { "last" }
            ),
        });
        Ok(Some(produced))
    }

    /// Plan a content on `device`, available once `ready` exists.
    fn content(&mut self, c: &Content, id: &str, ready: &str) -> Result<(), PlanError> {
        match c {
            Content::Gpt(Gpt {
                device,
                partitions,
                efi_gpt_partition_first,
                at,
            }) => {
                let table = format!("{id}/table");
                self.add(NewAction {
                    id: table.clone(),
                    phase: Phase::Disko,
                    kind: Kind::PartitionTable,
                    argv: Self::argv(&["sgdisk", "--clear", device]),
                    script: None,
                    destructive: true,
                    check: Self::probe(device, "PTTYPE", Some("gpt")),
                    needs: vec![ready.into()],
                    produces: vec![format!("table:{device}"), format!("gpt-slot:{device}:0")],
                    at: at.clone(),
                    reason: format!("write an empty GPT partition table on {device}"),
                });
                // Partitions in disko's order (priority, then name); each
                // needs the one before it, as sgdisk allocates in order.
                for (i, p) in partitions.iter().enumerate() {
                    let n = i + 1;
                    let mut argv = vec![
                        "sgdisk".to_string(),
                        "--align-end".into(),
                        format!("--new={n}:{}:{}", p.start.value, p.end.value),
                        format!("--change-name={n}:{}", p.label.value),
                        format!("--typecode={n}:{}", p.type_code.value),
                        // As disko: always, so the entry has exactly these
                        // attribute bits (a hex mask; none is 0).
                        format!(
                            "--attributes={n}:=:{:x}",
                            p.attributes
                                .value
                                .iter()
                                .filter(|b| (0..64).contains(*b))
                                .fold(0u64, |m, b| m | (1u64 << b))
                        ),
                    ];
                    if p.alignment.value > 0 {
                        argv.push(format!("--set-alignment={}", p.alignment.value));
                    } else if p.start.value.ends_with('s') || p.end.value.ends_with('s') {
                        argv.push("--set-alignment=1".into());
                    }
                    let guid = p.uuid.value.as_deref().unwrap_or("R");
                    argv.insert(3, format!("--partition-guid={n}:{guid}"));
                    argv.push(device.clone());
                    let pid = format!("{id}/partition/{}", p.name);
                    self.add(NewAction {
                        id: pid.clone(),
                        phase: Phase::Disko,
                        kind: Kind::Partition,
                        argv: None,
                        script: Some(format!(
                            "set -eu\n{}\npartprobe {}\nudevadm trigger --subsystem-match=block\nudevadm settle --timeout 120\n",
                            argv.iter().map(|a| sh_quote(a)).collect::<Vec<_>>().join(" "),
                            sh_quote(device)
                        )),
                        destructive: false,
                        // The disk's own partition table says so (a by-partlabel
                        // link alone could be stale, or another disk's), and
                        // its link is there once udev has seen it (right after
                        // a boot, udev may not have yet).
                        check: Self::argv(&[
                            "sh",
                            "-c",
                            "sgdisk -i \"$1\" \"$2\" | grep -qxF \"Partition name: '$3'\" && udevadm trigger --subsystem-match=block && udevadm settle --timeout 120 && test -b \"$4\"",
                            "sh",
                            &n.to_string(),
                            device,
                            &p.label.value,
                            &p.device.value,
                        ]),
                        needs: vec![format!("table:{device}"), format!("gpt-slot:{device}:{i}")],
                        produces: vec![format!("block:{}", p.device.value), format!("gpt-slot:{device}:{n}")],
                        at: p.at.clone(),
                        reason: format!("create partition {n} '{}' ({}, type {}) on {device}", p.label.value, if p.size.value == "100%" { "the rest of the disk".to_string() } else { p.size.value.clone() }, p.type_code.value),
                    });
                }
                // As disko does: contents once every partition exists (the
                // table is re-read after each partition), and after the
                // hybrid MBR when there is one.
                let mut all = format!("gpt-slot:{device}:{}", partitions.len());
                if let Some(hybrid) =
                    self.hybrid_mbr(id, device, partitions, efi_gpt_partition_first, &all)?
                {
                    all = hybrid;
                }
                for p in partitions {
                    if let Some(inner) = &p.content {
                        let pid = format!("{id}/partition/{}", p.name);
                        let before = self.actions.len();
                        self.content(inner, &pid, &format!("block:{}", p.device.value))?;
                        if let Some(first) = self.actions.get_mut(before) {
                            first.needs.push(all.clone());
                        }
                    }
                }
            }
            Content::Table(Table {
                device,
                format,
                partitions,
                at,
            }) => {
                self.add(NewAction {
                    id: format!("{id}/table"),
                    phase: Phase::Disko,
                    kind: Kind::PartitionTable,
                    argv: Self::argv(&["parted", "-s", device, "--", "mklabel", &format.value]),
                    script: None,
                    destructive: true,
                    // blkid names parted's msdos tables `dos` (the wipe
                    // before it has cleared any older table).
                    check: Self::probe(
                        device,
                        "PTTYPE",
                        Some(if format.value == "msdos" {
                            "dos"
                        } else {
                            &format.value
                        }),
                    ),
                    needs: vec![ready.into()],
                    produces: vec![format!("table:{device}"), format!("msdos-slot:{device}:0")],
                    at: at.clone(),
                    reason: format!(
                        "write an empty {} partition table on {device}",
                        format.value
                    ),
                });
                for (i, p) in partitions.iter().enumerate() {
                    let n = i + 1;
                    let part_dev = numbered_partition(device, n);
                    let mut cmd = vec![
                        "parted".to_string(),
                        "-s".into(),
                        device.clone(),
                        "--".into(),
                        "mkpart".into(),
                        p.part_type.value.clone(),
                    ];
                    if let Some(fs) = &p.fs_type.value {
                        cmd.push(fs.clone());
                    }
                    cmd.push(p.start.value.clone());
                    cmd.push(p.end.value.clone());
                    let mut script = format!(
                        "set -eu\n{}\n",
                        cmd.iter()
                            .map(|a| sh_quote(a))
                            .collect::<Vec<_>>()
                            .join(" ")
                    );
                    if p.bootable.value {
                        script.push_str(&format!(
                            "parted -s {} -- set {n} boot on\n",
                            sh_quote(device)
                        ));
                    }
                    for f in &p.flags.value {
                        script.push_str(&format!(
                            "parted -s {} -- set {n} {} on\n",
                            sh_quote(device),
                            sh_quote(f)
                        ));
                    }
                    script.push_str(&format!("partprobe {}\nudevadm trigger --subsystem-match=block\nudevadm settle --timeout 120\n", sh_quote(device)));
                    let pid = format!("{id}/partition/{n}");
                    self.add(NewAction {
                        id: pid.clone(),
                        phase: Phase::Disko,
                        kind: Kind::Partition,
                        argv: None,
                        script: Some(script),
                        destructive: false,
                        check: Self::argv(&["test", "-b", &part_dev]),
                        needs: vec![
                            format!("table:{device}"),
                            format!("msdos-slot:{device}:{i}"),
                        ],
                        produces: vec![
                            format!("block:{part_dev}"),
                            format!("msdos-slot:{device}:{n}"),
                        ],
                        at: p.start.at.clone(),
                        reason: format!(
                            "create {} partition {n} ({} to {}) on {device}",
                            p.part_type.value, p.start.value, p.end.value
                        ),
                    });
                    if let Some(inner) = &p.content {
                        self.content(inner, &pid, &format!("block:{part_dev}"))?;
                    }
                }
            }
            Content::Filesystem(Filesystem {
                device,
                format,
                mountpoint,
                mount_options,
                extra_args,
                at,
            }) => {
                let mut argv = vec![format!("mkfs.{}", format.value)];
                argv.extend(extra_args.value.iter().cloned());
                argv.push(device.clone());
                let fs = self.format(id, device, &format.value, argv, ready, at);
                if let Some(mp) = &mountpoint.value {
                    self.mount(
                        mp,
                        &format.value,
                        device,
                        &mount_options.value,
                        &fs,
                        id,
                        mountpoint,
                    );
                }
            }
            Content::Swap(Swap {
                device,
                extra_args,
                at,
                ..
            }) => {
                let mut argv = vec!["mkswap".to_string()];
                argv.extend(extra_args.value.iter().cloned());
                argv.push(device.clone());
                self.add(NewAction {
                    id: format!("{id}/mkswap"),
                    phase: Phase::Disko,
                    kind: Kind::Mkswap,
                    argv: Some(argv),
                    script: None,
                    destructive: true,
                    check: Self::probe(device, "TYPE", None),
                    needs: vec![ready.into()],
                    produces: vec![format!("swap:{device}")],
                    at: at.clone(),
                    reason: format!("make swap space on {device}"),
                });
            }
            Content::Luks(Luks {
                device,
                name,
                password_file,
                key_file,
                additional_key_files,
                extra_format_args,
                extra_open_args,
                ask_password,
                content,
                at,
                ..
            }) => {
                let key = key_file.value.clone().or(password_file.value.clone());
                let mut format_argv = vec![
                    "cryptsetup".to_string(),
                    "-q".into(),
                    "luksFormat".into(),
                    device.clone(),
                ];
                format_argv.extend(extra_format_args.value.iter().cloned());
                let mut open_argv = vec![
                    "cryptsetup".to_string(),
                    "open".into(),
                    device.clone(),
                    name.value.clone(),
                ];
                match &key {
                    Some(k) => {
                        format_argv.push("--key-file".into());
                        format_argv.push(k.clone());
                        open_argv.push("--key-file".into());
                        open_argv.push(k.clone());
                    }
                    None if ask_password.value => {
                        // The executor streams the passphrase on stdin.
                        format_argv.push("--key-file=-".into());
                        open_argv.push("--key-file=-".into());
                    }
                    None => {}
                }
                open_argv.extend(extra_open_args.value.iter().cloned());
                let luks = format!("luks:{device}");
                self.add(NewAction {
                    id: format!("{id}/luks-format"),
                    phase: Phase::Disko,
                    kind: Kind::LuksFormat,
                    argv: Some(format_argv),
                    script: None,
                    destructive: true,
                    check: Self::argv(&["cryptsetup", "isLuks", device]),
                    needs: vec![ready.into()],
                    produces: vec![luks.clone()],
                    at: at.clone(),
                    reason: format!(
                        "encrypt {device} with LUKS ({})",
                        match &key {
                            Some(k) => format!("key from {k}"),
                            None => "passphrase asked at apply time".into(),
                        }
                    ),
                });
                let mapped = format!("/dev/mapper/{}", name.value);
                for (i, extra) in additional_key_files.value.iter().enumerate() {
                    let mut argv = vec![
                        "cryptsetup".to_string(),
                        "luksAddKey".into(),
                        device.clone(),
                        extra.clone(),
                    ];
                    if let Some(k) = &key {
                        argv.push("--key-file".into());
                        argv.push(k.clone());
                    }
                    self.add(NewAction {
                        id: format!("{id}/luks-add-key/{i}"),
                        phase: Phase::Disko,
                        kind: Kind::LuksAddKey,
                        argv: Some(argv),
                        script: None,
                        destructive: false,
                        check: None,
                        needs: vec![luks.clone()],
                        produces: vec![format!("luks-key:{device}:{i}")],
                        at: additional_key_files.at.clone(),
                        reason: format!("add the key file {extra} to {device}"),
                    });
                }
                self.add(NewAction {
                    id: format!("{id}/luks-open"),
                    phase: Phase::Disko,
                    kind: Kind::LuksOpen,
                    argv: Some(open_argv),
                    script: None,
                    destructive: false,
                    check: Self::argv(&["cryptsetup", "status", &name.value]),
                    needs: vec![luks],
                    produces: vec![format!("block:{mapped}")],
                    at: name.at.clone(),
                    reason: format!("open {device} as {mapped}"),
                });
                if let Some(inner) = content {
                    self.content(inner, &format!("{id}/luks"), &format!("block:{mapped}"))?;
                }
            }
            Content::LvmPv(LvmPv { device, vg, at }) => {
                self.add(NewAction {
                    id: format!("{id}/pvcreate"),
                    phase: Phase::Disko,
                    kind: Kind::Pvcreate,
                    argv: Self::argv(&["pvcreate", "--yes", device]),
                    script: None,
                    destructive: true,
                    check: Self::probe(device, "TYPE", None),
                    needs: vec![ready.into()],
                    produces: vec![format!("member:{device}")],
                    at: at.clone(),
                    reason: format!("make {device} a physical volume of {}", vg.value),
                });
            }
            Content::Mdraid(Mdraid { device, name, at }) => {
                self.member(
                    id,
                    Kind::MdraidMember,
                    device,
                    ready,
                    at,
                    format!("array {}", name.value),
                    vec![
                        "test".into(),
                        "-b".into(),
                        format!("/dev/md/{}", name.value),
                    ],
                );
            }
            Content::Zfs(Zfs { device, pool, at }) => {
                self.member(
                    id,
                    Kind::ZfsMember,
                    device,
                    ready,
                    at,
                    format!("pool {}", pool.value),
                    vec!["zpool".into(), "list".into(), pool.value.clone()],
                );
            }
            Content::Btrfs(Btrfs {
                device,
                extra_args,
                mountpoint,
                mount_options,
                subvolumes,
                swap,
                at,
            }) => {
                let mut argv = vec!["mkfs.btrfs".to_string()];
                argv.extend(extra_args.value.iter().cloned());
                argv.push(device.clone());
                let fs = self.format(id, device, "btrfs", argv, ready, at);
                for sv in subvolumes {
                    let name = sv.name.value.trim_start_matches('/').to_string();
                    let svid = format!("{id}/subvolume/{name}");
                    self.add(NewAction {
                        id: svid.clone(),
                        phase: Phase::Disko,
                        kind: Kind::BtrfsSubvolume,
                        argv: None,
                        script: Some(format!(
                            "set -eu\ntop=$(mktemp -d)\nmount -t btrfs {d} \"$top\"\ntrap 'umount \"$top\"; rmdir \"$top\"' EXIT\nbtrfs subvolume show \"$top\"/{n} >/dev/null 2>&1 || btrfs subvolume create \"$top\"/{n}\n",
                            d = sh_quote(device),
                            n = sh_quote(&name)
                        )),
                        destructive: false,
                        check: None,
                        needs: vec![fs.clone()],
                        produces: vec![format!("subvolume:{device}:{name}")],
                        at: sv.name.at.clone(),
                        reason: format!("create btrfs subvolume {name} on {device}"),
                    });
                    if let Some(mp) = &sv.mountpoint.value {
                        let mut opts = sv.mount_options.value.clone();
                        opts.push(format!("subvol={name}"));
                        self.mount(
                            mp,
                            "btrfs",
                            device,
                            &opts,
                            &format!("subvolume:{device}:{name}"),
                            &svid,
                            &sv.mountpoint,
                        );
                        for sw in &sv.swap {
                            self.swapfile(&svid, mp, sw);
                        }
                    }
                }
                if let Some(mp) = &mountpoint.value {
                    self.mount(
                        mp,
                        "btrfs",
                        device,
                        &mount_options.value,
                        &fs,
                        id,
                        mountpoint,
                    );
                    for sw in swap {
                        self.swapfile(id, mp, sw);
                    }
                }
            }
            Content::Bcachefs(Bcachefs {
                device,
                filesystem: Located {
                    value: Some(fs), ..
                },
                at,
                ..
            }) => {
                self.member(
                    id,
                    Kind::BcachefsMember,
                    device,
                    ready,
                    at,
                    format!("bcachefs filesystem {fs}"),
                    Self::probe(device, "TYPE", Some("bcachefs")).unwrap_or_default(),
                );
            }
            Content::Bcachefs(Bcachefs {
                device,
                mountpoint,
                mount_options,
                extra_format_args,
                at,
                ..
            }) => {
                let mut argv = vec!["bcachefs".to_string(), "format".into()];
                argv.extend(extra_format_args.value.iter().cloned());
                argv.push(device.clone());
                let fs = self.format(id, device, "bcachefs", argv, ready, at);
                if let Some(mp) = &mountpoint.value {
                    self.mount(
                        mp,
                        "bcachefs",
                        device,
                        &mount_options.value,
                        &fs,
                        id,
                        mountpoint,
                    );
                }
            }
        }
        Ok(())
    }

    /// Format a single device (`argv` is the mkfs command); as disko, only
    /// where there is no signature at all. Returns the filesystem resource.
    fn format(
        &mut self,
        id: &str,
        device: &str,
        fs_type: &str,
        argv: Vec<String>,
        ready: &str,
        at: &Option<String>,
    ) -> String {
        let fs = format!("fs:{device}");
        self.add(NewAction {
            id: format!("{id}/format"),
            phase: Phase::Disko,
            kind: Kind::Mkfs,
            argv: Some(argv),
            script: None,
            destructive: true,
            check: Self::probe(device, "TYPE", None),
            needs: vec![ready.into()],
            produces: vec![fs.clone()],
            at: at.clone(),
            reason: format!(
                "format {device} as {fs_type} (skipped when it already has a signature)"
            ),
        });
        fs
    }

    /// Clear a device that becomes a member of an array, pool or
    /// multi-device filesystem (created once all its members exist).
    #[allow(clippy::too_many_arguments)]
    fn member(
        &mut self,
        id: &str,
        kind: Kind,
        device: &str,
        ready: &str,
        at: &Option<String>,
        of: String,
        check: Vec<String>,
    ) {
        self.add(NewAction {
            id: format!("{id}/{kind}"),
            phase: Phase::Disko,
            kind,
            argv: Self::argv(&["wipefs", "--all", "--force", device]),
            script: None,
            destructive: true,
            // Never clear a member of what already exists (a re-run).
            check: Some(check),
            needs: vec![ready.into()],
            produces: vec![format!("member:{device}")],
            at: at.clone(),
            reason: format!("clear {device} to become a member of {of}"),
        });
    }

    fn swapfile(&mut self, id: &str, mountpoint: &str, sw: &nixplan_nixos::config::Swapfile) {
        let path = format!(
            "{}/{}",
            under(&self.root, mountpoint).trim_end_matches('/'),
            sw.path.value.trim_start_matches('/')
        );
        self.add(NewAction {
            id: format!("{id}/swapfile/{}", sw.name),
            phase: Phase::Disko,
            kind: Kind::Swapfile,
            argv: Self::argv(&[
                "btrfs",
                "filesystem",
                "mkswapfile",
                "--size",
                &sw.size.value,
                &path,
            ]),
            script: None,
            destructive: false,
            check: Self::argv(&["test", "-f", &path]),
            needs: vec![format!("mount:{}", under(&self.root, mountpoint))],
            produces: vec![format!("swapfile:{path}")],
            at: sw.size.at.clone(),
            reason: format!("create a {} swap file {path}", sw.size.value),
        });
    }

    /// Record a mount; its action is created in `mount_actions`, once all
    /// mountpoints are known (a mount needs its parent mount).
    #[allow(clippy::too_many_arguments)]
    fn mount(
        &mut self,
        mp: &str,
        fs_type: &str,
        device: &str,
        options: &[String],
        ready: &str,
        id: &str,
        at: &Located<Option<String>>,
    ) {
        let target = under(&self.root, mp);
        let mut argv = vec![
            "mount".to_string(),
            "-t".into(),
            fs_type.to_string(),
            device.to_string(),
            target.clone(),
        ];
        let opts: Vec<String> = options
            .iter()
            .filter(|o| *o != "defaults")
            .cloned()
            .collect();
        let mut all_opts = opts.clone();
        all_opts.push("X-mount.mkdir".into());
        argv.push("-o".into());
        argv.push(all_opts.join(","));
        let mut needs = Vec::new();
        if !ready.is_empty() {
            needs.push(ready.to_string());
        }
        self.mounts
            .insert(mp.to_string(), format!("mount:{target}"));
        self.add(NewAction {
            id: format!("{id}/mount"),
            phase: Phase::Disko,
            kind: Kind::Mount,
            argv: Some(argv),
            script: None,
            destructive: false,
            check: Self::argv(&["findmnt", "--source", device, "--mountpoint", &target]),
            needs,
            produces: vec![format!("mount:{target}")],
            at: at.at.clone(),
            reason: format!("mount {device} ({fs_type}) at {target}"),
        });
    }

    /// The mount a path lives on: the longest mountpoint that contains it
    /// (walking up the path's ancestors: linear in its depth).
    fn mount_holding(&self, path: &str) -> Option<(String, String)> {
        let mut p = path.trim_end_matches('/').to_string();
        loop {
            let key = if p.is_empty() {
                "/".to_string()
            } else {
                p.clone()
            };
            if let Some(r) = self.mounts.get(&key) {
                return Some((key, r.clone()));
            }
            if p.is_empty() {
                return None;
            }
            match p.rfind('/') {
                Some(i) => p.truncate(i),
                None => p.clear(),
            }
        }
    }

    /// Each mount needs the mount of its parent mountpoint.
    fn link_mounts(&mut self) {
        let by_resource: BTreeMap<String, String> = self
            .mounts
            .iter()
            .map(|(m, r)| (r.clone(), m.clone()))
            .collect();
        let mut links = Vec::new();
        for (i, a) in self
            .actions
            .iter()
            .enumerate()
            .filter(|(_, a)| a.kind == Kind::Mount)
        {
            let Some(mp) = a.produces.first().and_then(|r| by_resource.get(r)) else {
                continue;
            };
            if mp == "/" {
                continue;
            }
            let parent = mp.rsplit_once('/').map(|(p, _)| p).unwrap_or("");
            if let Some((_, r)) = self.mount_holding(parent) {
                links.push((i, r));
            }
        }
        for (i, r) in links {
            self.actions[i].needs.push(r);
        }
    }

    // ----- persist ------------------------------------------------------------

    fn owner(&self, user: &str, group: &str) -> (String, String, bool) {
        let uid = self.config.users.get(user).and_then(|u| u.uid.value);
        let gid = self.config.groups.get(group).and_then(|g| g.gid.value);
        let known = uid.is_some() && gid.is_some();
        (
            uid.map(|u| u.to_string())
                .unwrap_or_else(|| user.to_string()),
            gid.map(|g| g.to_string())
                .unwrap_or_else(|| group.to_string()),
            known,
        )
    }

    fn persist(&mut self) -> Result<usize, PlanError> {
        let mut count = 0;
        let mut created: BTreeSet<String> = BTreeSet::new();
        let config = self.config;
        for p in config.persistence.values() {
            if !p.enable.value {
                continue;
            }
            let root_path = p.root.value.clone();
            let Some((_, holder)) = self.mount_holding(&root_path) else {
                return Err(PlanError::Invalid {
                    message: format!(
                        "no filesystem is mounted at or above the persistence root {root_path}"
                    ),
                    at: p.at.clone(),
                });
            };
            let root_id = format!("persist/root{}", root_path);
            let target_root = under(&self.root, &root_path);
            self.add(NewAction {
                id: root_id.clone(),
                phase: Phase::Persist,
                kind: Kind::Directory,
                argv: Self::argv(&[
                    "install",
                    "-d",
                    "-m",
                    "0755",
                    "-o",
                    "0",
                    "-g",
                    "0",
                    &target_root,
                ]),
                script: None,
                destructive: false,
                check: Self::argv(&["test", "-d", &target_root]),
                needs: vec![holder.clone()],
                produces: vec![format!("dir:{target_root}")],
                at: p.at.clone(),
                reason: format!("create the persistence root {root_path}"),
            });
            count += 1;
            let mut entries: Vec<PersistEntry> = Vec::new();
            for d in &p.directories {
                entries.push((
                    d.directory.clone(),
                    d.user.clone(),
                    d.group.clone(),
                    d.mode.clone(),
                    d.at.clone(),
                    "directory",
                ));
            }
            for f in &p.files {
                let parent = f
                    .file
                    .rsplit_once('/')
                    .map(|(d, _)| d.to_string())
                    .filter(|d| !d.is_empty());
                if let Some(dir) = parent {
                    entries.push((
                        dir,
                        f.parent_user.clone(),
                        f.parent_group.clone(),
                        f.parent_mode.clone(),
                        f.at.clone(),
                        "parent of a persisted file",
                    ));
                }
            }
            // The homes of users.<name>: parents created below one belong
            // to that user (impermanence's default permissions at that
            // level: the user, their group, 0755); all others to root.
            let mut levels: Vec<(String, String, String)> = Vec::new();
            for (user, u) in &p.users {
                let home = u.home.value.clone();
                let group = config
                    .users
                    .get(user)
                    .map(|x| x.group.value.clone())
                    .unwrap_or_else(|| "users".into());
                levels.push((home.clone(), user.clone(), group.clone()));
                entries.push((
                    home.clone(),
                    user.clone(),
                    group.clone(),
                    "0700".into(),
                    u.at.clone(),
                    "home directory",
                ));
                for d in &u.directories {
                    let path = if d.directory.starts_with('/') {
                        format!("{}{}", home, d.directory)
                    } else {
                        format!("{home}/{}", d.directory)
                    };
                    entries.push((
                        path,
                        d.user.clone(),
                        d.group.clone(),
                        d.mode.clone(),
                        d.at.clone(),
                        "directory",
                    ));
                }
                for f in &u.files {
                    let file = if f.file.starts_with('/') {
                        format!("{}{}", home, f.file)
                    } else {
                        format!("{home}/{}", f.file)
                    };
                    if let Some((dir, _)) = file.rsplit_once('/') {
                        entries.push((
                            dir.to_string(),
                            f.parent_user.clone(),
                            f.parent_group.clone(),
                            f.parent_mode.clone(),
                            f.at.clone(),
                            "parent of a persisted file",
                        ));
                    }
                }
            }
            // Every parent between the persistence root and an entry is an
            // entry of its own (else `install -d` would make it root's,
            // 0755, under a user's home too); parents before children.
            // Keyed by the path with '/' as the lowest character: a parent
            // sorts right before its children.
            let mut all: BTreeMap<String, PersistEntry> = BTreeMap::new();
            let norm = |p: &str| -> String {
                let mut out = String::with_capacity(p.len() + 1);
                for c in p.split('/').filter(|c| !c.is_empty()) {
                    out.push('/');
                    out.push_str(c);
                }
                out
            };
            let key = |p: &str| p.replace('/', "\u{1}");
            let homes: Vec<(String, &String, &String)> = levels
                .iter()
                .map(|(home, u, g)| (format!("{}/", norm(home)), u, g))
                .collect();
            for e in entries.iter_mut() {
                e.0 = norm(&e.0);
            }
            for e in &entries {
                all.entry(key(&e.0)).or_insert_with(|| e.clone());
            }
            for e in &entries {
                for (i, _) in e.0.match_indices('/').skip(1) {
                    let dir = &e.0[..i];
                    let k = key(dir);
                    if all.contains_key(&k) {
                        continue;
                    }
                    let (user, group) = homes
                        .iter()
                        .find(|(prefix, _, _)| dir.starts_with(prefix.as_str()))
                        .map(|(_, u, g)| (u.to_string(), g.to_string()))
                        .unwrap_or_else(|| ("root".into(), "root".into()));
                    all.insert(
                        k,
                        (
                            dir.to_string(),
                            user,
                            group,
                            "0755".into(),
                            e.4.clone(),
                            "parent directory",
                        ),
                    );
                }
            }
            for (path, user, group, mode, at, what) in all.into_values() {
                let full = format!("{}{}", root_path.trim_end_matches('/'), path);
                let target = under(&self.root, &full);
                if !created.insert(target.clone()) {
                    continue;
                }
                let (o, g, known) = self.owner(&user, &group);
                let id = format!("persist/dir{full}");
                let mut needs = vec![format!("dir:{target_root}")];
                if let Some((parent, _)) = path.rsplit_once('/').filter(|(p, _)| !p.is_empty()) {
                    let parent = format!("{}{parent}", root_path.trim_end_matches('/'));
                    needs.push(format!("dir:{}", under(&self.root, &parent)));
                }
                if let Some((_, m)) = self.mount_holding(&full) {
                    if m != holder {
                        needs.push(m);
                    }
                }
                if known {
                    self.add(NewAction {
                        id,
                        phase: Phase::Persist,
                        kind: Kind::Directory,
                        argv: Self::argv(&[
                            "install", "-d", "-m", &mode, "-o", &o, "-g", &g, &target,
                        ]),
                        script: None,
                        destructive: false,
                        check: Self::argv(&["test", "-d", &target]),
                        needs,
                        produces: vec![format!("dir:{target}")],
                        at,
                        reason: format!(
                            "create the persisted {what} {path} ({user}:{group}, mode {mode})"
                        ),
                    });
                } else {
                    // Names without a fixed uid/gid are resolved on the
                    // installed system, once its users exist.
                    self.add(NewAction {
                        id: id.clone(),
                        phase: Phase::Persist,
                        kind: Kind::Directory,
                        argv: Self::argv(&["install", "-d", "-m", &mode, "-o", "0", "-g", "0", &target]),
                        script: None,
                        destructive: false,
                        check: Self::argv(&["test", "-d", &target]),
                        needs,
                        produces: vec![format!("dir:{target}")],
                        at: at.clone(),
                        reason: format!("create the persisted {what} {path} (mode {mode}; owner set after install)"),
                    });
                    self.add(NewAction {
                        id: format!("activation/chown{full}"),
                        phase: Phase::Activation,
                        kind: Kind::Chown,
                        argv: Self::argv(&["nixos-enter", "--root", &self.root, "--", "chown", &format!("{user}:{group}"), &full]),
                        script: None,
                        destructive: false,
                        check: None,
                        needs: vec![format!("dir:{target}"), "system:installed".into()],
                        produces: vec![format!("owner:{target}")],
                        at,
                        reason: format!("give {path} to {user}:{group}, resolved from the installed system's users (no fixed uid/gid in the config)"),
                    });
                }
                count += 1;
            }
        }
        Ok(count)
    }
}

use nixplan_nixos::config::numbered_partition;

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
    let bootstrap = crate::bootstrap::actions(options);
    let bootstrap_mode = bootstrap.mode.clone();
    b.actions.extend(bootstrap.actions);
    b.disko()?;
    b.link_mounts();
    let directories = b.persist()?;
    let persisted: Vec<String> = b
        .actions
        .iter()
        .filter(|a| a.phase == Phase::Persist)
        .flat_map(|a| a.produces.iter().cloned())
        .collect();
    let mut install = crate::bootstrap::install_actions(options, &root, &b.mounts);
    // Persistent directories exist before the system is installed.
    for a in install.iter_mut().filter(|a| a.kind == Kind::NixosInstall) {
        a.needs.extend(persisted.iter().cloned());
    }
    b.actions.extend(install);
    let snippets = activation::order(&config.activation_scripts).map_err(PlanError::Activation)?;
    // NixOS's own snippets run as part of its activation; the user's run in
    // NixOS's order after them.
    let user_snippets: Vec<&String> = snippets
        .iter()
        .filter(|n| !config.activation_scripts[*n].provided_by_nixos)
        .collect();
    for (i, name) in user_snippets.iter().enumerate() {
        let name: &String = name;
        let s = &config.activation_scripts[name];
        let mut needs = vec!["system:installed".to_string()];
        if i > 0 {
            needs.push(format!("activation:{}", user_snippets[i - 1]));
        }
        b.add(NewAction {
            id: format!("activation/snippet/{name}"),
            phase: Phase::Activation,
            kind: Kind::ActivationSnippet,
            argv: Some(vec![
                "nixos-enter".into(),
                "--root".into(),
                root.clone(),
                "--".into(),
                "/bin/sh".into(),
                "-c".into(),
                s.text.clone(),
            ]),
            script: None,
            destructive: false,
            check: None,
            needs,
            produces: vec![format!("activation:{name}")],
            at: s.at.clone(),
            reason: format!(
                "run activation snippet {name} ({} of {} in NixOS order, after {})",
                snippets.iter().position(|n| n == name).unwrap_or(0) + 1,
                snippets.len(),
                if s.deps.value.is_empty() {
                    "no dependencies".to_string()
                } else {
                    s.deps.value.join(", ")
                }
            ),
        });
    }
    // First order without unmounts, then unmount in exactly the reverse
    // order of the mounts, before rebooting.
    let ordered = order::order(b.actions).map_err(PlanError::Order)?;
    let mount_order: Vec<(String, String)> = ordered
        .iter()
        .filter(|a| a.kind == Kind::Mount)
        .map(|a| {
            (
                a.id.clone(),
                a.produces[0].trim_start_matches("mount:").to_string(),
            )
        })
        .collect();
    let mut actions = ordered;
    let finished: Vec<String> = actions
        .iter()
        .flat_map(|a| a.produces.iter().cloned())
        .filter(|r| {
            r.starts_with("activation:") || r.starts_with("owner:") || r == "system:installed"
        })
        .collect();
    let mut previous: Option<String> = None;
    for (mount_id, target) in mount_order.iter().rev() {
        let mut needs = finished.clone();
        if let Some(p) = &previous {
            needs.push(p.clone());
        }
        let produced = format!("unmounted:{target}");
        let mut a = Action {
            id: format!(
                "reboot/unmount/{}",
                mount_id.strip_suffix("/mount").unwrap_or(mount_id)
            ),
            phase: Phase::Reboot,
            kind: Kind::Unmount,
            deps: Vec::new(),
            argv: Some(vec!["umount".into(), target.clone()]),
            script: None,
            env: clean_env(),
            stdin: None,
            runs_on: RunsOn::Target,
            destructive: false,
            check: Some(vec![
                "sh".into(),
                "-c".into(),
                format!("! findmnt --mountpoint {}", sh_quote(target)),
            ]),
            condition: None,
            needs,
            produces: vec![produced.clone()],
            source: None,
            reason: format!("unmount {target} (reverse of {mount_id})"),
        };
        a.needs.push(format!("mount:{target}"));
        previous = Some(produced);
        actions.push(a);
    }
    let mut reboot_needs: Vec<String> = finished.clone();
    if let Some(p) = &previous {
        reboot_needs.push(p.clone());
    }
    // A pool must be exported, or the first boot finds it last imported by
    // another host and refuses it.
    for pool in config.disko.zpools.values() {
        let mut needs = finished.clone();
        needs.extend(previous.iter().cloned());
        needs.push(format!("zpool:{}", pool.name));
        let produced = format!("exported:{}", pool.name);
        reboot_needs.push(produced.clone());
        actions.push(Action {
            id: format!("reboot/zpool-export/{}", pool.name),
            phase: Phase::Reboot,
            kind: Kind::ZpoolExport,
            deps: Vec::new(),
            argv: Some(vec!["zpool".into(), "export".into(), pool.name.clone()]),
            script: None,
            env: clean_env(),
            stdin: None,
            runs_on: RunsOn::Target,
            destructive: false,
            check: Some(vec![
                "sh".into(),
                "-c".into(),
                format!("! zpool list {}", sh_quote(&pool.name)),
            ]),
            condition: None,
            needs,
            produces: vec![produced],
            source: source_of(&pool.at),
            reason: format!(
                "export ZFS pool {} so the installed system imports it at boot",
                pool.name
            ),
        });
    }
    actions.push(Action {
        id: "reboot/reboot".into(),
        phase: Phase::Reboot,
        kind: Kind::Reboot,
        deps: Vec::new(),
        argv: Some(vec!["reboot".into()]),
        script: None,
        env: clean_env(),
        stdin: None,
        runs_on: RunsOn::Target,
        destructive: false,
        check: None,
        condition: Some(Condition::NotThisMachine),
        needs: reboot_needs,
        produces: vec!["rebooted".into()],
        source: None,
        reason: "boot the installed system".into(),
    });
    let mut actions = order::order(actions).map_err(PlanError::Order)?;
    actions = select_phases(actions, options);
    let summary = summarize(
        &actions,
        directories,
        &bootstrap_mode,
        user_snippets.len(),
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

/// The size of a disk, from the facts (lsblk JSON; by-id links resolved).
fn disk_size(facts: Option<&serde_json::Value>, device: &str) -> Option<u64> {
    let facts = facts?;
    let path = match device.strip_prefix("/dev/disk/by-id/") {
        Some(id) => facts.get("by_id")?.get(id)?.as_str()?.to_string(),
        None => device.to_string(),
    };
    let disks = match facts.get("disks")? {
        serde_json::Value::String(s) => serde_json::from_str::<serde_json::Value>(s).ok()?,
        v => v.clone(),
    };
    let dev = disks
        .get("blockdevices")?
        .as_array()?
        .iter()
        .find(|d| d.get("path").and_then(|p| p.as_str()) == Some(path.as_str()))?
        .clone();
    match dev.get("size")? {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.parse().ok(),
        _ => None,
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

fn summarize(
    actions: &[Action],
    directories: usize,
    bootstrap: &str,
    snippets: usize,
    facts: Option<&serde_json::Value>,
) -> Summary {
    Summary {
        actions: actions.len(),
        destructive: actions.iter().filter(|a| a.destructive).count(),
        wipes: actions
            .iter()
            .filter(|a| a.kind == Kind::Wipe)
            .filter_map(|a| a.needs.first())
            .map(|n| {
                let dev = n.trim_start_matches("device:");
                match disk_size(facts, dev) {
                    Some(size) => format!("{dev} ({})", human_size(size)),
                    None => dev.to_string(),
                }
            })
            .collect(),
        filesystems: actions.iter().filter(|a| a.kind == Kind::Mkfs).count(),
        mounts: actions.iter().filter(|a| a.kind == Kind::Mount).count(),
        directories,
        activation_snippets: snippets,
        bootstrap: bootstrap.to_string(),
    }
}

/// A vdev: its mode ("" for a stripe) and its member devices.
type Vdev = (String, Vec<String>);

/// The vdev part of `zpool create` for disko's topology form: the vdevs,
/// then `spare`, `log`, `dedup`, `special` and `cache`, each keyword
/// written once before its group, stripe vdevs (mode "") first within a
/// group. A member is a path, or a disk name standing for that disk's
/// partition named `zfs` (as disko reads them). They must be exactly the
/// devices whose content is this pool (disko skips creating the pool
/// otherwise, with only a message): a mismatch is an error here.
pub fn zpool_topology(
    pool: &str,
    t: &serde_json::Value,
    registered: &[String],
) -> Result<Vec<String>, String> {
    let path = |m: &str| {
        if m.starts_with('/') {
            m.to_string()
        } else {
            format!("/dev/disk/by-partlabel/disk-{m}-zfs")
        }
    };
    let strs = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .map(|a| a.iter().filter_map(|x| x.as_str()).map(path).collect())
            .unwrap_or_default()
    };
    let vdevs = |v: &serde_json::Value| -> Vec<Vdev> {
        let list: Vec<&serde_json::Value> = match v {
            serde_json::Value::Array(a) => a.iter().collect(),
            serde_json::Value::Null => Vec::new(),
            one => vec![one],
        };
        let mut out: Vec<Vdev> = list
            .iter()
            .map(|d| {
                (
                    d["mode"].as_str().unwrap_or("").to_string(),
                    strs(&d["members"]),
                )
            })
            .collect();
        // Stripes first, each kind in its written order.
        out.sort_by_key(|(mode, _)| !mode.is_empty());
        out
    };
    let data = vdevs(&t["vdev"]);
    if data.is_empty() {
        return Err(format!(
            "zpool '{pool}': the topology has no data vdevs (topology.vdev is empty)"
        ));
    }
    let mut groups: Vec<(&str, Vec<Vdev>)> = vec![("", data)];
    let spare = strs(&t["spare"]);
    if !spare.is_empty() {
        groups.push(("spare", vec![(String::new(), spare)]));
    }
    groups.push(("log", vdevs(&t["log"])));
    groups.push(("dedup", vdevs(&t["dedup"])));
    groups.push(("special", vdevs(&t["special"])));
    let cache = strs(&t["cache"]);
    if !cache.is_empty() {
        groups.push(("cache", vec![(String::new(), cache)]));
    }
    let mut argv = Vec::new();
    let mut named: Vec<String> = Vec::new();
    for (keyword, vdevs) in groups {
        if vdevs.is_empty() {
            continue;
        }
        if !keyword.is_empty() {
            argv.push(keyword.to_string());
        }
        for (mode, devices) in vdevs {
            if devices.is_empty() {
                return Err(format!(
                    "zpool '{pool}': a {} vdev without members",
                    if keyword.is_empty() { "data" } else { keyword }
                ));
            }
            if !mode.is_empty() {
                argv.push(mode);
            }
            named.extend(devices.iter().cloned());
            argv.extend(devices);
        }
    }
    let mut a = named.clone();
    a.sort();
    let mut b: Vec<String> = registered.to_vec();
    b.sort();
    if a != b {
        let missing: Vec<&String> = b.iter().filter(|d| !a.contains(d)).collect();
        let extra: Vec<&String> = a.iter().filter(|d| !b.contains(d)).collect();
        let dup = a.windows(2).find(|w| w[0] == w[1]).map(|w| w[0].clone());
        let mut why = Vec::new();
        if !missing.is_empty() {
            why.push(format!(
                "these zfs members of the pool are in no vdev: {}",
                missing
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if !extra.is_empty() {
            why.push(format!(
                "these vdev members have no content `type = \"zfs\"; pool = \"{pool}\";`: {}",
                extra
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if let Some(d) = dup {
            why.push(format!("{d} is in two vdevs"));
        }
        return Err(format!(
            "zpool '{pool}': the topology does not account for exactly the pool's members ({}); disko would skip creating the pool",
            why.join("; ")
        ));
    }
    Ok(argv)
}
