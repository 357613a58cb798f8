//! ZFS (disko's `zfs` members and `zpool`): members, `zpool create` with options and topology, datasets and volumes.

use super::*;

impl Builder<'_> {
    pub(crate) fn zfs(&mut self, c: &Zfs, id: &str, ready: &Resource) -> Result<(), PlanError> {
        let Zfs { device, pool, at } = c;

        self.member(
            id,
            Kind::ZfsMember,
            device,
            ready,
            at,
            format!("pool {}", pool.value),
            vec!["zpool".into(), "list".into(), pool.value.clone()],
        );

        Ok(())
    }

    pub(crate) fn zpool(&mut self, name: &str, pool: &Zpool) -> Result<(), PlanError> {
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
        // The pool's own dataset gets its mountpoint after (`zfs set -u`,
        // below); one that must not mount has none from the start, so it
        // never shadows what is under it (disko's rule).
        if pool
            .root_fs_options
            .value
            .get("canmount")
            .map(String::as_str)
            == Some("off")
        {
            argv.push("-m".into());
            argv.push("none".into());
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
        let pool_res = Resource::new(Res::Zpool, name.to_string());
        self.add(NewAction {
            id: format!("disko/zpool/{name}/create"),
            phase: Phase::Disko,
            kind: Kind::ZpoolCreate,
            argv: Some(argv),
            script: None,
            destructive: true,
            check: Self::argv(&["zpool", "list", &pool.name]),
            needs: members
                .iter()
                .map(|m| Resource::new(Res::Member, m.to_string()))
                .collect(),
            produces: vec![pool_res.clone()],
            at: pool.at.clone(),
            reason: format!("create ZFS pool {name} on {}", members.join(", ")),
        });
        // The pool's own (root) dataset, which disko calls `__root`: the
        // real disko lists it among the datasets, nixplan's stand-in does
        // not, so it is made from the pool's settings when missing.
        let root_dataset = Dataset {
            name: ROOT_DATASET.into(),
            kind: Located::new("zfs_fs".into(), pool.at.clone()),
            options: pool.root_fs_options.clone(),
            mountpoint: pool.mountpoint.clone(),
            mount_options: pool.mount_options.clone(),
            size: Located::new(None, None),
            extra_args: Default::default(),
            content: None,
            at: pool.at.clone(),
        };
        let mut datasets: Vec<_> = pool.datasets.values().collect();
        if !pool.datasets.contains_key(ROOT_DATASET) {
            datasets.push(&root_dataset);
        }
        datasets.sort_by(|a, b| a.name.cmp(&b.name));
        let names: BTreeSet<&str> = datasets.iter().map(|d| d.name.as_str()).collect();
        for ds in datasets {
            let key = hook_key("dataset", &format!("{}/{}", pool.name, ds.name));
            let id = format!("disko/zpool/{name}/dataset/{}", ds.name);
            self.with_hooks(&key, &id, |b| b.dataset(name, pool, ds, &names, &pool_res))?;
        }
        Ok(())
    }
}

impl Builder<'_> {
    /// One dataset or volume of pool `name` (`names`: all of its datasets).
    fn dataset(
        &mut self,
        name: &str,
        pool: &Zpool,
        ds: &Dataset,
        names: &BTreeSet<&str>,
        pool_res: &Resource,
    ) -> Result<(), PlanError> {
        if ds.name == ROOT_DATASET {
            self.root_dataset(name, pool, ds, pool_res);
            return Ok(());
        }
        let full = format!("{}/{}", pool.name, ds.name);
        let parent = ds
            .name
            .rsplit_once('/')
            .map(|(p, _)| p)
            .filter(|p| names.contains(p));
        let mut needs = vec![pool_res.clone()];
        if let Some(p) = parent {
            needs.push(Resource::new(Res::Dataset, format!("{}/{p}", pool.name)));
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
        if !ds.extra_args.value.is_empty() {
            if !volume {
                return Err(PlanError::Invalid {
                    message: format!(
                        "the ZFS dataset {full} sets extraArgs, which disko has only for a zfs_volume"
                    ),
                    at: ds.extra_args.at.clone().or_else(|| ds.at.clone()),
                });
            }
            // Each one word, as disko escapes them.
            argv.extend(ds.extra_args.value.iter().cloned());
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
        let mut produces = vec![Resource::new(Res::Dataset, full.to_string())];
        if volume {
            produces.push(Resource::new(Res::Block, format!("/dev/zvol/{full}")));
        }
        self.add(NewAction {
            id: format!("disko/zpool/{name}/dataset/{}", ds.name),
            phase: Phase::Disko,
            kind: if volume {
                Kind::ZfsVolume
            } else {
                Kind::ZfsDataset
            },
            // A volume's /dev/zvol link: made here where udev does not.
            argv: (!volume).then(|| argv.clone()),
            script: volume.then(|| {
                format!(
                    "set -eu\n{}\n{}",
                    argv.iter()
                        .map(|a| sh_quote(a))
                        .collect::<Vec<_>>()
                        .join(" "),
                    super::udev::zvol_link(&full)
                )
            }),
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
                    &Resource::new(Res::Block, format!("/dev/zvol/{full}")),
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
                Some(&Resource::new(Res::Dataset, full.to_string())),
                &format!("disko/zpool/{name}/dataset/{}", ds.name),
                &ds.mountpoint,
            );
        }
        Ok(())
    }
}

/// disko's name for a pool's own dataset.
const ROOT_DATASET: &str = "__root";

/// Properties ZFS sets only when a dataset is created (disko leaves them
/// out of `zfs set`).
const ONETIME_PROPERTIES: &[&str] = &[
    "encryption",
    "casesensitivity",
    "utf8only",
    "normalization",
    "volblocksize",
    "pbkdf2iters",
    "pbkdf2salt",
    "keyformat",
];

impl Builder<'_> {
    /// The pool's own dataset: it exists with the pool; its properties
    /// and mountpoint are set without mounting (`zfs set -u`), then it is
    /// mounted unless it has no mountpoint or must not mount.
    fn root_dataset(&mut self, name: &str, pool: &Zpool, ds: &Dataset, pool_res: &Resource) {
        let full = pool.name.clone();
        let mut props: BTreeMap<String, String> = BTreeMap::new();
        if let Some(mp) = &ds.mountpoint.value {
            props.insert("mountpoint".into(), mp.clone());
        }
        props.extend(ds.options.value.clone());
        props.retain(|k, _| !ONETIME_PROPERTIES.contains(&k.as_str()));
        let id = format!("disko/zpool/{name}/dataset/{ROOT_DATASET}");
        let set = Resource::new(Res::Dataset, full.clone());
        if !props.is_empty() {
            let mut argv = vec!["zfs".to_string(), "set".into(), "-u".into()];
            argv.extend(props.iter().map(|(k, v)| format!("{k}={v}")));
            argv.push(full.clone());
            self.add(NewAction {
                id: id.clone(),
                phase: Phase::Disko,
                kind: Kind::ZfsDataset,
                argv: Some(argv),
                script: None,
                destructive: false,
                check: None,
                needs: vec![pool_res.clone()],
                produces: vec![set.clone()],
                // Declared by disko itself: said at the pool.
                at: ds.at.clone().or_else(|| pool.at.clone()),
                reason: format!("set the properties of {full}, the pool's own dataset"),
            });
        }
        let opt = |k: &str| ds.options.value.get(k).map(String::as_str);
        let Some(mp) = &ds.mountpoint.value else {
            return;
        };
        if opt("mountpoint") == Some("none") || opt("canmount") == Some("off") {
            return;
        }
        let mut opts = ds.mount_options.value.clone();
        if opt("mountpoint") != Some("legacy") {
            opts.push("zfsutil".into());
        }
        let ready = if props.is_empty() {
            pool_res.clone()
        } else {
            set
        };
        // disko declares the root dataset from the pool: the user wrote
        // the pool's mountpoint (the dataset's, where disko's own types
        // place it, is in disko's zpool.nix), unless the dataset's differs.
        let pool_written =
            pool.mountpoint.at.is_some() && pool.mountpoint.value == ds.mountpoint.value;
        let written = if pool_written || ds.mountpoint.at.is_none() {
            &pool.mountpoint
        } else {
            &ds.mountpoint
        };
        self.mount(mp, "zfs", &full, &opts, Some(&ready), &id, written);
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
