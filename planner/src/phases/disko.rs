//! The disko phase: every disk wiped, its content made (one file per disko type under `disko/`), arrays, groups and pools once their members exist, filesystems formatted and mounted parent before child under the root mount point.

use std::collections::{BTreeMap, BTreeSet};

use nixplan_nixos::config::{
    hook_key, Bcachefs, Content, Gpt, Hooks, Located, Luks, LvmPv, Mdraid, Pos, Table, Zfs,
};
use nixplan_plan::shell::sh_quote;
use nixplan_plan::{Kind, Phase};
use nixplan_plan::{Resource, ResourceKind as Res};

use crate::builder::{under, ActivationHooks, Builder, MountHooks, NewAction};
use crate::error::PlanError;

impl Builder<'_> {
    /// First pass: who belongs to which volume group, array and pool.
    pub(crate) fn collect_members(&mut self, c: &Content) {
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
                extra_format_args,
                ..
            }) => self.bcachefs_members.entry(fs.clone()).or_default().push((
                device.clone(),
                label.value.clone(),
                extra_format_args.value.clone(),
            )),
            _ => {}
        }
    }

    pub(crate) fn disko(&mut self) -> Result<(), PlanError> {
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
                script: Some(WIPE_SCRIPT.replace("@DISK@", &sh_quote(&dev))),
                destructive: true,
                check: None,
                needs: vec![Resource::new(Res::Device, dev.to_string()), Resource::new(Res::Bootstrap, "ready")],
                produces: vec![Resource::new(Res::Wiped, dev.to_string())],
                at: disk.device.at.clone(),
                reason: format!("erase every signature on disk {name} ({dev}) and on its partitions, and its partition table"),
            });
            if let Some(c) = &disk.content {
                let ready = Resource::new(Res::Wiped, dev.to_string());
                self.with_hooks(&hook_key("disk", name), &id, |b| b.content(c, &id, &ready))?;
            }
        }
        for (name, md) in &config.disko.mdadm {
            let id = format!("disko/mdadm/{name}");
            self.with_hooks(&hook_key("mdadm", name), &id, |b| b.mdadm_array(name, md))?;
        }
        for (name, vg) in &config.disko.lvm_vgs {
            let id = format!("disko/lvm_vg/{name}");
            self.with_hooks(&hook_key("lvm_vg", name), &id, |b| b.volume_group(name, vg))?;
        }
        for (name, pool) in &config.disko.zpools {
            let id = format!("disko/zpool/{name}");
            self.with_hooks(&hook_key("zpool", name), &id, |b| b.zpool(name, pool))?;
        }
        for (name, f) in &config.disko.bcachefs_filesystems {
            let id = format!("disko/bcachefs_filesystems/{name}");
            self.with_hooks(&hook_key("bcachefs_filesystem", name), &id, |b| {
                b.bcachefs_filesystem(name, f)
            })?;
        }
        for (name, n) in &config.disko.nodev {
            let id = format!("disko/nodev/{name}");
            self.with_hooks(&hook_key("nodev", name), &id, |b| {
                b.nodev(name, n);
                Ok(())
            })?;
        }
        Ok(())
    }

    /// Adds, with `make`, the actions that create (and mount) what `key`
    /// names, between its disko create hooks, as disko runs them: the
    /// preCreateHook before all of those actions (once what they need from
    /// elsewhere exists), the postCreateHook after every one that creates
    /// and before every mount (disko's whole create script runs before its
    /// mount script), and so before anything that needs a mount.
    pub(crate) fn with_hooks(
        &mut self,
        key: &str,
        id: &str,
        make: impl FnOnce(&mut Self) -> Result<(), PlanError>,
    ) -> Result<(), PlanError> {
        let hooks = match self.config.disko.hooks.get(key) {
            Some(h) if !h.is_empty() => h.clone(),
            _ => return make(self),
        };
        let first = self.actions.len();
        make(self)?;
        let end = self.actions.len();
        let mount_hooks = !hooks.pre_mount.is_empty() || !hooks.post_mount.is_empty();
        if mount_hooks {
            self.wrap_mounts(key, &hooks, first, end);
        }
        let post_create = self.create_hooks(key, id, &hooks, first, end);
        if mount_hooks && crate::disko::has_activation_script(&self.config.disko, key) {
            self.wrap_activation(key, id, &hooks, first, end, post_create);
        }
        Ok(())
    }

    /// Whether `id` is an action running mount hooks (around a mount or
    /// around device activation): part of disko's mount script.
    fn runs_mount_hooks(&self, id: &str) -> bool {
        self.mount_hooks
            .iter()
            .any(|m| m.pre.as_deref() == Some(id) || m.post.as_deref() == Some(id))
            || self
                .activation_hooks
                .iter()
                .any(|h| h.pre.as_deref() == Some(id) || h.post.as_deref() == Some(id))
    }

    /// Which of `actions[first..end]` come after disko's create script:
    /// the mounts and the mount hooks, and whatever needs what one of
    /// those produces.
    fn after_mounts(&self, first: usize, end: usize) -> Vec<bool> {
        let mut late = vec![false; end - first];
        let mut late_made: BTreeSet<Resource> = BTreeSet::new();
        loop {
            let mut changed = false;
            for (i, a) in self.actions[first..end].iter().enumerate() {
                if !late[i]
                    && (a.kind == Kind::Mount
                        || self.runs_mount_hooks(&a.id)
                        || a.needs.iter().any(|n| late_made.contains(n)))
                {
                    late[i] = true;
                    late_made.extend(a.produces.iter().cloned());
                    changed = true;
                }
            }
            if !changed {
                return late;
            }
        }
    }

    /// What `actions[first..end]` make before any mount.
    fn made_before_mounts(&self, first: usize, end: usize) -> Vec<Resource> {
        let late = self.after_mounts(first, end);
        self.actions[first..end]
            .iter()
            .zip(&late)
            .filter(|(_, l)| !**l)
            .flat_map(|(a, _)| a.produces.iter().cloned())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    }

    /// The create hooks of `key` around `actions[first..end]`, as disko
    /// runs them; the resource of its post-create hook, if it has one.
    fn create_hooks(
        &mut self,
        key: &str,
        id: &str,
        hooks: &Hooks,
        first: usize,
        end: usize,
    ) -> Option<Resource> {
        if hooks.pre_create.is_empty() && hooks.post_create.is_empty() {
            return None;
        }
        let made: BTreeSet<Resource> = self.actions[first..end]
            .iter()
            .flat_map(|a| a.produces.iter().cloned())
            .collect();
        // What the subtree needs from elsewhere: the hook needs it too.
        let outside: Vec<Resource> = self.actions[first..end]
            .iter()
            .flat_map(|a| a.needs.iter().cloned())
            .filter(|r| !made.contains(r))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut before = outside.clone();
        if !hooks.pre_create.is_empty() {
            let done = Resource::new(Res::Hook, format!("{id}:pre-create"));
            self.add(hook_action(
                key,
                id,
                "pre",
                hooks,
                outside.clone(),
                done.clone(),
            ));
            for a in &mut self.actions[first..end] {
                a.needs.push(done.clone());
            }
            before.push(done);
        }
        if hooks.post_create.is_empty() {
            return None;
        }
        // Mounts, and whatever needs what a mount (or such an action)
        // produces, come after the hook; the rest before it.
        let late = self.after_mounts(first, end);
        let mut needs = self.made_before_mounts(first, end);
        if needs.is_empty() {
            needs = before;
        }
        let done = Resource::new(Res::Hook, format!("{id}:post-create"));
        self.add(hook_action(key, id, "post", hooks, needs, done.clone()));
        for (a, l) in self.actions[first..end].iter_mut().zip(&late) {
            if *l {
                a.needs.push(done.clone());
            }
        }
        Some(done)
    }

    /// The mount hooks of `key` once more around its device activation, as
    /// disko wraps a thing's `dev` mount script (opening LUKS, activating a
    /// volume group, importing a pool; a partition table's, even empty)
    /// before any mount: `( preMountHook; DEV; postMountHook )`. The plan
    /// activated the devices when it made them, so the hooks run alone: the
    /// pre hook after everything of `key` is made (and its create hooks),
    /// the post hook after it, and the hooks of the things inside `key`
    /// between the two (inner pre hooks after this pre hook, this post hook
    /// after the inner post hooks). Every mount waits for them all
    /// ([`Builder::order_mount_hooks`]).
    fn wrap_activation(
        &mut self,
        key: &str,
        id: &str,
        hooks: &Hooks,
        first: usize,
        end: usize,
        post_create: Option<Resource>,
    ) {
        let mut needs = self.made_before_mounts(first, end);
        needs.extend(post_create);
        // The activation hooks of the things inside, made in this range.
        let inner: Vec<ActivationHooks> = self
            .activation_hooks
            .iter()
            .filter(|h| {
                [&h.pre, &h.post]
                    .into_iter()
                    .flatten()
                    .any(|hid| self.actions[first..end].iter().any(|a| &a.id == hid))
            })
            .cloned()
            .collect();
        let mut made = ActivationHooks::default();
        for (when, body) in [("pre", &hooks.pre_mount), ("post", &hooks.post_mount)] {
            if body.is_empty() {
                continue;
            }
            let hid = format!("{id}/{when}-activation-mount-hook");
            let done = Resource::new(Res::Hook, hid.clone());
            let mut needs = needs.clone();
            if when == "post" {
                // After this thing's pre hook and every inner post hook.
                needs.extend(made.pre.iter().map(|p| Resource::new(Res::Hook, p.clone())));
                needs.extend(
                    inner
                        .iter()
                        .flat_map(|h| h.post.iter().chain(h.pre.iter()))
                        .map(|p| Resource::new(Res::Hook, p.clone())),
                );
            }
            self.add(disko_hook(
                hid.clone(),
                format!("exec bash -c {}", sh_quote(&hook_shell(hooks, body))),
                needs,
                done.clone(),
                hooks.mount_at.clone().or_else(|| hooks.at.clone()),
                format!(
                    "run the {when}MountHook of {key} {} its device activation, as disko's mount script does (the devices are active since they were made; shell written in the configuration)",
                    if when == "pre" { "before" } else { "after" }
                ),
            ));
            if when == "pre" {
                // Before the inner things' activation hooks.
                let inner_ids: Vec<&String> = inner
                    .iter()
                    .flat_map(|h| h.pre.iter().chain(h.post.iter()))
                    .collect();
                for a in self
                    .actions
                    .iter_mut()
                    .filter(|a| inner_ids.contains(&&a.id))
                {
                    a.needs.push(done.clone());
                }
                made.pre = Some(hid);
            } else {
                made.post = Some(hid);
            }
        }
        self.activation_hooks.push(made);
    }

    /// Wraps every mount among `actions[first..end]` (what `key` made) in
    /// its mount hooks, as disko wraps each of a thing's `fs` mount
    /// scripts: `( preMountHook; mount; postMountHook )`, the hooks of an
    /// enclosing thing around those of the things inside it. Each hook runs
    /// in a shell of its own with its thing's variables (in disko's one
    /// subshell a variable a pre hook sets is still set for the post hook;
    /// here it is not). Each mount
    /// gets at most one action before it and one after it, holding every
    /// hook around it in that order; [`Builder::order_mount_hooks`] puts
    /// the first after whatever the mount waits for and the second before
    /// whatever uses the mount.
    fn wrap_mounts(&mut self, key: &str, hooks: &Hooks, first: usize, end: usize) {
        let mounts: Vec<usize> = (first..end)
            .filter(|&i| self.actions[i].kind == Kind::Mount)
            .collect();
        for i in mounts {
            let mount = self.actions[i].id.clone();
            let target = self.actions[i]
                .produces
                .first()
                .map(|r| r.name().to_string())
                .unwrap_or_default();
            let k = match self.mount_hooks.iter().position(|m| m.mount == mount) {
                Some(k) => k,
                None => {
                    self.mount_hooks.push(MountHooks {
                        mount: mount.clone(),
                        ..MountHooks::default()
                    });
                    self.mount_hooks.len() - 1
                }
            };
            for (when, body) in [("pre", &hooks.pre_mount), ("post", &hooks.post_mount)] {
                if body.is_empty() {
                    continue;
                }
                let line = format!(
                    "bash -c {}  # {when}MountHook of {key}\n",
                    sh_quote(&hook_shell(hooks, body))
                );
                let existing = if when == "pre" {
                    &self.mount_hooks[k].pre
                } else {
                    &self.mount_hooks[k].post
                };
                if let Some(hid) = existing.clone() {
                    // An enclosing thing's hooks: before the inner ones'
                    // pre hooks, after their post hooks.
                    let a = self
                        .actions
                        .iter_mut()
                        .find(|a| a.id == hid)
                        .expect("the hook action was added with its id");
                    let script = a.script.get_or_insert_with(String::new);
                    let body = script
                        .strip_prefix("set -e\n")
                        .unwrap_or(script)
                        .to_string();
                    *script = if when == "pre" {
                        format!("set -e\n{line}{body}")
                    } else {
                        format!("set -e\n{body}{line}")
                    };
                    a.reason = if when == "pre" {
                        a.reason.replacen(
                            "preMountHook of ",
                            &format!("preMountHook of {key}, then of "),
                            1,
                        )
                    } else {
                        a.reason.replacen(
                            " (shell written",
                            &format!(", then of {key} (shell written"),
                            1,
                        )
                    };
                    continue;
                }
                let hid = format!("{mount}/{when}-mount-hooks");
                let done = Resource::new(Res::Hook, hid.clone());
                let needs = if when == "pre" {
                    self.actions[i].needs.clone()
                } else {
                    self.actions[i].produces.clone()
                };
                self.add(disko_hook(
                    hid.clone(),
                    format!("set -e\n{line}"),
                    needs,
                    done.clone(),
                    hooks.mount_at.clone().or_else(|| hooks.at.clone()),
                    format!(
                        "{} mounting {target}, run the {when}MountHook of {key} (shell written in the configuration)",
                        if when == "pre" { "before" } else { "after" }
                    ),
                ));
                if when == "pre" {
                    self.actions[i].needs.push(done);
                    self.mount_hooks[k].pre = Some(hid);
                } else {
                    self.mount_hooks[k].post = Some(hid);
                }
            }
        }
    }

    /// Once every action is planned: every mount waits for every
    /// activation's hooks; a mount's pre-mount hooks wait for all the
    /// mount waits for (its parent mount too), and whatever uses
    /// the mount waits for its post-mount hooks, as nothing runs between
    /// disko's wrapped mount script and the next one.
    pub(crate) fn order_mount_hooks(&mut self) {
        // disko's mount script activates every device (each wrapped in its
        // hooks) before it mounts anything: every mount waits for every
        // activation's hooks, not only those of what holds it.
        let activations: Vec<Resource> = self
            .activation_hooks
            .iter()
            .flat_map(|h| h.pre.iter().chain(h.post.iter()))
            .map(|id| Resource::new(Res::Hook, id.clone()))
            .collect();
        for a in self.actions.iter_mut().filter(|a| a.kind == Kind::Mount) {
            for r in &activations {
                if !a.needs.contains(r) {
                    a.needs.push(r.clone());
                }
            }
        }
        for m in std::mem::take(&mut self.mount_hooks) {
            let Some(mi) = self.actions.iter().position(|a| a.id == m.mount) else {
                continue;
            };
            let mount = self.actions[mi].clone();
            if let Some(pre) = &m.pre {
                let done = Resource::new(Res::Hook, pre.clone());
                if let Some(a) = self.actions.iter_mut().find(|a| &a.id == pre) {
                    for n in mount.needs.iter().filter(|n| **n != done) {
                        if !a.needs.contains(n) {
                            a.needs.push(n.clone());
                        }
                    }
                }
            }
            if let Some(post) = &m.post {
                let done = Resource::new(Res::Hook, post.clone());
                for a in self.actions.iter_mut() {
                    if a.id != *post
                        && a.id != mount.id
                        && Some(&a.id) != m.pre.as_ref()
                        && a.needs.iter().any(|n| mount.produces.contains(n))
                        && !a.needs.contains(&done)
                    {
                        a.needs.push(done.clone());
                    }
                }
            }
        }
    }

    /// Plan a content on `device`, available once `ready` exists.
    pub(crate) fn content(
        &mut self,
        c: &Content,
        id: &str,
        ready: &Resource,
    ) -> Result<(), PlanError> {
        let key = hook_key(c.type_name(), c.device());
        let hook_id = format!("{id}/{}", c.type_name());
        self.with_hooks(&key, &hook_id, |b| match c {
            Content::Gpt(c) => b.gpt(c, id, ready),
            Content::Table(c) => b.table(c, id, ready),
            Content::Filesystem(c) => b.filesystem(c, id, ready),
            Content::Swap(c) => b.swap(c, id, ready),
            Content::Luks(c) => b.luks(c, id, ready),
            Content::LvmPv(c) => b.lvm_pv(c, id, ready),
            Content::Mdraid(c) => b.mdraid(c, id, ready),
            Content::Zfs(c) => b.zfs(c, id, ready),
            Content::Btrfs(c) => b.btrfs(c, id, ready),
            Content::Bcachefs(c) => b.bcachefs(c, id, ready),
        })
    }

    /// Format a single device (`argv` is the mkfs command); as disko, only
    /// where there is no signature at all. Returns the filesystem resource.
    pub(crate) fn format(
        &mut self,
        id: &str,
        device: &str,
        fs_type: &str,
        argv: Vec<String>,
        ready: &Resource,
        at: &Option<Pos>,
    ) -> Resource {
        let fs = Resource::new(Res::Fs, device.to_string());
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
    pub(crate) fn member(
        &mut self,
        id: &str,
        kind: Kind,
        device: &str,
        ready: &Resource,
        at: &Option<Pos>,
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
            produces: vec![Resource::new(Res::Member, device.to_string())],
            at: at.clone(),
            reason: format!("clear {device} to become a member of {of}"),
        });
    }

    /// Record a mount; its action is created in `mount_actions`, once all
    /// mountpoints are known (a mount needs its parent mount).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn mount(
        &mut self,
        mp: &str,
        fs_type: &str,
        device: &str,
        options: &[String],
        ready: Option<&Resource>,
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
        let needs: Vec<Resource> = ready.into_iter().cloned().collect();
        self.mounts.insert(
            mp.to_string(),
            Resource::new(Res::Mount, target.to_string()),
        );
        self.add(NewAction {
            id: format!("{id}/mount"),
            phase: Phase::Disko,
            kind: Kind::Mount,
            argv: Some(argv),
            script: None,
            destructive: false,
            check: Self::argv(&["findmnt", "--source", device, "--mountpoint", &target]),
            needs,
            produces: vec![Resource::new(Res::Mount, target.to_string())],
            at: at.at.clone(),
            reason: format!("mount {device} ({fs_type}) at {target}"),
        });
    }

    /// The mount a path lives on: the longest mountpoint that contains it
    /// (walking up the path's ancestors: linear in its depth).
    pub(crate) fn mount_holding(&self, path: &str) -> Option<(String, Resource)> {
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
    pub(crate) fn link_mounts(&mut self) {
        let by_resource: BTreeMap<Resource, String> = self
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
}

/// The wipe of one disk (`@DISK@`), which checks on the target, right
/// before it runs, that nothing uses the disk: anything mounted (swap
/// too) or stacked on it, a member of a btrfs mounted from another member
/// (by UUID, probed with blkid: lsblk knows none where udev does not run),
/// a vdev of an imported zpool.
const WIPE_SCRIPT: &str = r#"set -eu
# Never a disk in use: anything mounted (swap too) or stacked on it,
tree=$(lsblk --pairs --paths --output NAME,TYPE,MOUNTPOINT @DISK@) || { echo "cannot list @DISK@: not wiped" >&2; exit 1; }
busy=$(printf '%s\n' "$tree" | grep -Ev 'TYPE="(disk|loop|part)" MOUNTPOINT=""$' || true)
# a member of a btrfs mounted from another member, a vdev of an imported zpool.
mounted=" "
for src in $(awk '$3 == "btrfs" { print $1 }' /proc/self/mounts | sort -u); do
  mounted="$mounted$(blkid -s UUID -o value "$src" 2>/dev/null || true) "
done
pools=$(command -v zpool >/dev/null 2>&1 && zpool list -HPv 2>/dev/null | awk -F'\t' '$1 == "" { for (i = 2; i <= NF; i++) if ($i ~ /^\//) print $i }' | while read -r v; do readlink -f "$v"; done || true)
for dev in $(lsblk --list --noheadings --paths --output NAME @DISK@); do
  uuid=$(blkid -s UUID -o value -t TYPE=btrfs "$dev" 2>/dev/null || true)
  if [ -n "$uuid" ]; then
    case "$mounted" in *" $uuid "*) busy="$busy
$dev belongs to the mounted btrfs filesystem $uuid" ;; esac
  fi
  if [ -n "$pools" ] && printf '%s\n' "$pools" | grep -qxF "$dev"; then busy="$busy
$dev is a vdev of an imported zpool"; fi
done
if [ -n "$busy" ]; then
  echo "refusing to wipe @DISK@, it is in use:" >&2
  echo "$busy" >&2
  exit 1
fi
for part in $(lsblk --list --noheadings --paths --output NAME,TYPE @DISK@ | awk '$2 == "part" { print $1 }'); do
  wipefs --all --force "$part"
done
wipefs --all --force @DISK@
dd if=/dev/zero of=@DISK@ bs=440 count=1 conv=notrunc
udevadm settle --timeout 120
"#;

/// A hook's shell as disko runs it: `set -efux`, the thing's variables
/// (disko's `defineHookVariables`), then the hook.
fn hook_shell(hooks: &Hooks, body: &str) -> String {
    let mut inner = String::from("set -efux\n");
    for (k, v) in &hooks.variables {
        inner.push_str(&format!("{}={}\n", k.replace('-', "_"), sh_quote(v)));
    }
    inner.push_str(body);
    inner
}

/// The action that runs one of a thing's create hooks (`when`: `pre` or
/// `post`) with disko's shell variables and its `set -efux`.
fn hook_action(
    key: &str,
    id: &str,
    when: &str,
    hooks: &Hooks,
    needs: Vec<Resource>,
    done: Resource,
) -> NewAction {
    let body = if when == "pre" {
        &hooks.pre_create
    } else {
        &hooks.post_create
    };
    disko_hook(
        format!("{id}/{when}-create-hook"),
        format!("exec bash -c {}", sh_quote(&hook_shell(hooks, body))),
        needs,
        done,
        hooks.at.clone(),
        format!("run the {when}CreateHook of {key} (shell written in the configuration)"),
    )
}

/// An action running shell of the configuration's disko hooks.
fn disko_hook(
    id: String,
    script: String,
    needs: Vec<Resource>,
    done: Resource,
    at: Option<Pos>,
    reason: String,
) -> NewAction {
    NewAction {
        id,
        phase: Phase::Disko,
        kind: Kind::DiskoHook,
        argv: None,
        script: Some(script),
        destructive: false,
        check: None,
        needs,
        produces: vec![done],
        at,
        reason,
    }
}
