//! The commands a disko script or a plan's disko actions ran (as the stub
//! recorded them), reduced to facts that mean the same whichever tool
//! wrote them: one partition per disk and number with its start, end,
//! name, type and attributes however many sgdisk calls set them; a
//! filesystem, a LUKS device, a volume, an array, a pool, a dataset, a
//! subvolume (on the device it lives on, not the temporary directory it
//! was created through), a swap; and each mount with its device, target,
//! type and options. Queries (blkid, findmnt, lvdisplay ...) and
//! housekeeping (udevadm, partprobe, temporary directories) are not facts.
//! A command this file does not know becomes an `other` fact with its
//! words, so it is compared too rather than dropped.

use std::collections::BTreeMap;

/// One recorded command: the tool's name, then its arguments.
pub type Call = Vec<String>;

/// Reads a stub log: records end in 0x1e, words are separated by 0x1f.
/// An argument with a blank in it is kept quoted (`'-d raid1'`), so that a
/// fact tells one word with a blank from two words (`-d raid1`).
pub fn parse_log(log: &str) -> Vec<Call> {
    log.split('\x1e')
        .filter(|r| !r.is_empty())
        .map(|r| {
            r.split('\x1f')
                .map(|a| {
                    if a.contains([' ', '\t', '\n']) {
                        format!("'{a}'")
                    } else {
                        a.to_string()
                    }
                })
                .collect()
        })
        .collect()
}

/// What a sequence of commands did.
#[derive(Default, Debug)]
pub struct Facts {
    /// Every fact but the mounts, sorted.
    pub facts: Vec<String>,
    /// The mounts (`mount TARGET DEVICE TYPE OPTIONS`), in the order run.
    pub mounts: Vec<String>,
}

impl Facts {
    /// Facts and mounts in one sorted list, for comparison as sets.
    pub fn all(&self) -> Vec<String> {
        let mut all: Vec<String> = self.facts.iter().chain(&self.mounts).cloned().collect();
        all.sort();
        all
    }

    /// The mounts whose parent directory is mounted later: `CHILD before PARENT`.
    pub fn misordered_mounts(&self) -> Vec<String> {
        let targets: Vec<&str> = self
            .mounts
            .iter()
            .map(|m| m.split(' ').nth(1).unwrap_or(""))
            .collect();
        let mut out = Vec::new();
        for (i, child) in targets.iter().enumerate() {
            for parent in &targets[i + 1..] {
                let under = *parent == "/mnt" && child.starts_with("/mnt/")
                    || child.starts_with(&format!("{parent}/"));
                if under {
                    out.push(format!("mount order: {child} before {parent}"));
                }
            }
        }
        out
    }
}

/// Mount options that do not change what is mounted: `defaults` is what
/// mount does without options, and both tools create the mount point.
const NEUTRAL_OPTIONS: &[&str] = &["defaults", "X-mount.mkdir"];

struct Reducer<'t> {
    tmp: &'t str,
    facts: Vec<String>,
    mounts: Vec<String>,
    /// Mounted now: target → (device, subvolume mounted there).
    table: Vec<(String, String, String)>,
    /// sgdisk's settings by (disk, partition number).
    parts: BTreeMap<(String, String), BTreeMap<&'static str, String>>,
    /// The filesystem each device was formatted with.
    fs_of: BTreeMap<String, String>,
}

/// `zfs create` / `zpool create` in one order: flags sorted, `-o`/`-O`
/// properties sorted, then the other words in their order (the dataset,
/// or the pool's name and its vdevs).
fn zfs_words(args: &[String]) -> String {
    let mut flags = Vec::new();
    let mut props = Vec::new();
    let mut rest = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-o" | "-O" | "-V" | "-R" | "-m" | "-b" | "-t" => props.push(format!(
                "{a} {}",
                it.next().map(String::as_str).unwrap_or("")
            )),
            s if s.starts_with('-') => flags.push(s.to_string()),
            s => rest.push(s.to_string()),
        }
    }
    flags.sort();
    props.sort();
    flags
        .into_iter()
        .chain(props)
        .chain(rest)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A GPT attribute setting as the mask it leaves: sgdisk's `=:HEX` sets
/// the mask, `set:BIT` one bit.
fn attribute_mask(v: &str) -> String {
    let mask = if let Some(hex) = v.strip_prefix("=:") {
        u64::from_str_radix(hex.trim_start_matches("0x"), 16).ok()
    } else if let Some(bit) = v.strip_prefix("set:") {
        bit.parse::<u32>().ok().and_then(|b| 1u64.checked_shl(b))
    } else {
        None
    };
    match mask {
        Some(m) => format!("{m:#x}"),
        None => v.to_string(),
    }
}

/// The non-option words of `args`, with the values of `valued` options
/// skipped (`-o X` or `--opt X`; `--opt=X` needs nothing).
fn positionals<'a>(args: &'a [String], valued: &[&str]) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if valued.contains(&a.as_str()) {
            it.next();
        } else if a == "--" {
            continue;
        } else if !a.starts_with('-') {
            out.push(a.as_str());
        }
    }
    out
}

/// `/a//b/` → `/a/b`.
fn clean_path(p: &str) -> String {
    let mut out = String::new();
    for part in p.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        out.push_str(part);
    }
    if out.is_empty() {
        "/".into()
    } else {
        out
    }
}

impl Reducer<'_> {
    fn fact(&mut self, f: String) {
        self.facts.push(f);
    }

    /// A path inside a mounted filesystem as `DEVICE:SUBVOL/PATH`.
    fn inside(&self, path: &str) -> String {
        let path = clean_path(path);
        let best = self
            .table
            .iter()
            .filter(|(target, _, _)| path == *target || path.starts_with(&format!("{target}/")))
            .max_by_key(|(target, _, _)| target.len());
        match best {
            Some((target, device, subvol)) => {
                let rest = &path[target.len()..];
                format!("{device}:{}", clean_path(&format!("{subvol}/{rest}")))
            }
            None => format!("(not mounted):{path}"),
        }
    }

    fn call(&mut self, call: &Call) {
        let (name, args) = (call[0].as_str(), &call[1..]);
        let words = |skip: &[&str]| -> String {
            args.iter()
                .filter(|a| !skip.contains(&a.as_str()))
                .cloned()
                .collect::<Vec<_>>()
                .join(" ")
        };
        match name {
            "blkid" | "findmnt" | "mountpoint" | "lsblk" | "pvdisplay" | "vgdisplay"
            | "lvdisplay" | "pvs" | "vgs" | "lvs" | "udevadm" | "partprobe" | "modprobe"
            | "mkdir" | "rm" | "rmdir" | "touch" | "chmod" | "chown" | "zvol_wait" => {}
            "vgchange"
                if args
                    .iter()
                    .any(|a| a == "-a" || a.starts_with("--activate")) => {}
            "hook-mark" => self.fact(format!("hook {}", words(&[]))),
            "sgdisk" => self.sgdisk(args),
            "parted" => {
                let rest: Vec<&str> = args
                    .iter()
                    .map(String::as_str)
                    .filter(|a| !matches!(*a, "-s" | "--script" | "--" | "-a" | "optimal"))
                    .collect();
                if let Some((dev, cmd)) = rest.split_first() {
                    self.fact(format!("parted {dev} {}", cmd.join(" ")));
                }
            }
            n if n.starts_with("mkfs.") => {
                let fs = &n["mkfs.".len()..];
                // Several devices (btrfs) in any order: the order only
                // numbers them.
                let mut devs: Vec<&str> = args
                    .iter()
                    .map(String::as_str)
                    .filter(|a| a.starts_with("/dev/"))
                    .collect();
                devs.sort();
                let rest: Vec<&str> = args
                    .iter()
                    .map(String::as_str)
                    .filter(|a| !a.starts_with("/dev/") && !a.is_empty())
                    .collect();
                for d in &devs {
                    self.fs_of.insert(d.to_string(), fs.to_string());
                }
                self.fact(format!(
                    "format {} {fs} [{}]",
                    devs.join(" "),
                    rest.join(" ")
                ));
            }
            "mkswap" => {
                let pos = positionals(args, &["-L", "--label", "-U", "--uuid"]);
                self.fact(format!("swap-format {} [{}]", pos.join(" "), words(&pos)));
            }
            "swapon" => self.fact(format!("swapon {}", words(&[]))),
            "cryptsetup" => self.cryptsetup(args),
            "pvcreate" => self.fact(format!(
                "pv {}",
                words(&["--yes", "-y", "-ff", "-f", "--force"])
            )),
            "vgcreate" => {
                let pos = positionals(args, &[]);
                if let Some((vg, devs)) = pos.split_first() {
                    let mut devs = devs.to_vec();
                    devs.sort();
                    self.fact(format!("vg {vg} {}", devs.join(" ")));
                }
            }
            "lvcreate" => self.lvcreate(args),
            "mdadm" => self.fact(format!("mdadm {}", words(&["--run", "--force"]))),
            "zpool" => match args.first().map(String::as_str) {
                Some("list" | "status" | "get" | "import") => {}
                Some("create") => self.fact(format!("zpool create {}", zfs_words(&args[1..]))),
                _ => self.fact(format!("zpool {}", words(&[]))),
            },
            "zfs" => match args.first().map(String::as_str) {
                Some("get" | "list") => {}
                Some("create") => self.fact(format!("zfs create {}", zfs_words(&args[1..]))),
                _ => self.fact(format!("zfs {}", words(&[]))),
            },
            "btrfs" => self.btrfs(args),
            "bcachefs" => match (
                args.first().map(String::as_str),
                args.get(1).map(String::as_str),
            ) {
                (Some("subvolume"), Some("create")) => {
                    let path = args.last().unwrap().clone();
                    let at = self.inside(&path);
                    self.fact(format!("bcachefs-subvolume {at}"));
                }
                // disko's test for an existing subvolume.
                (Some("subvolume"), Some("snapshot")) => {}
                // Unlocking again changes nothing (the key is in the keyring).
                (Some("unlock"), _) => {
                    let f = format!("bcachefs {}", words(&[]));
                    if !self.facts.contains(&f) {
                        self.fact(f);
                    }
                }
                _ => self.fact(format!("bcachefs {}", words(&[]))),
            },
            "mount" => self.mount(args),
            "umount" => {
                if let Some(target) = positionals(args, &[]).last() {
                    let target = clean_path(target);
                    self.table.retain(|(t, _, _)| *t != target);
                }
            }
            _ => self.fact(format!("other {name} {}", words(&[]))),
        }
    }

    fn sgdisk(&mut self, args: &[String]) {
        let dev = positionals(args, &[]).last().map(|d| d.to_string());
        let Some(dev) = dev else {
            return;
        };
        let mut align_end = false;
        let mut i = 0;
        while i < args.len() {
            let a = args[i].as_str();
            // `--opt=V`, `--opt V` or `-o V`.
            let (opt, value) = match a.split_once('=') {
                Some((o, v)) if o.starts_with("--") => (o, Some(v.to_string())),
                _ if a.starts_with('-') && !["--align-end", "-I", "--clear", "-o"].contains(&a) => {
                    i += 1;
                    (a, args.get(i).cloned())
                }
                _ => (a, None),
            };
            i += 1;
            let key = match opt {
                "--clear" | "-o" => {
                    self.fact(format!("table {dev} gpt"));
                    continue;
                }
                "--align-end" | "-I" => {
                    align_end = true;
                    continue;
                }
                "--new" | "-n" => "new",
                "--change-name" | "-c" => "name",
                "--typecode" | "-t" => "type",
                "--attributes" | "-A" => "attributes",
                "--partition-guid" | "-u" => "guid",
                "--hybrid" | "-h" => {
                    self.fact(format!("hybrid-mbr {dev} {}", value.unwrap_or_default()));
                    continue;
                }
                _ if !opt.starts_with('-') => continue,
                _ => {
                    self.fact(format!("sgdisk {dev} {opt} {}", value.unwrap_or_default()));
                    continue;
                }
            };
            let value = value.unwrap_or_default();
            let (num, rest) = value.split_once(':').unwrap_or((&value, ""));
            let entry = self
                .parts
                .entry((dev.clone(), num.to_string()))
                .or_default();
            entry.insert(key, rest.to_string());
            if key == "new" && align_end {
                entry.insert("align", "end".into());
            }
        }
    }

    fn cryptsetup(&mut self, args: &[String]) {
        let quiet = ["-q", "--batch-mode"];
        let rest: Vec<&String> = args
            .iter()
            .filter(|a| !quiet.contains(&a.as_str()))
            .collect();
        let Some(verb) = rest.iter().position(|a| !a.starts_with('-')) else {
            return;
        };
        let others = rest
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != verb)
            .map(|(_, a)| a.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        match rest[verb].as_str() {
            "isOpen" | "status" | "isLuks" => {}
            "luksFormat" => self.fact(format!("luks-format {others}")),
            "open" | "luksOpen" => self.fact(format!("luks-open {others}")),
            v => self.fact(format!("cryptsetup {v} {others}")),
        }
    }

    fn lvcreate(&mut self, args: &[String]) {
        let mut set = BTreeMap::new();
        let mut vg = String::new();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let (opt, inline) = match a.split_once('=') {
                Some((o, v)) if o.starts_with("--") => (o, Some(v.to_string())),
                _ => (a.as_str(), None),
            };
            let key = match opt {
                "-L" | "--size" => "size",
                "-l" | "--extents" => "extents",
                "-n" | "--name" => "name",
                "-T" | "--thinpool" => "thinpool",
                "-V" | "--virtualsize" => "virtualsize",
                "--type" => "type",
                "-m" | "--mirrors" => "mirrors",
                "-i" | "--stripes" => "stripes",
                "--yes" | "-y" | "-W" | "-Z" | "--wipesignatures" => continue,
                o if o.starts_with('-') => {
                    set.insert(o.to_string(), inline.unwrap_or_default());
                    continue;
                }
                _ => {
                    vg = a.clone();
                    continue;
                }
            };
            let value = inline.or_else(|| it.next().cloned()).unwrap_or_default();
            set.insert(key.to_string(), value);
        }
        let name = set.remove("name").unwrap_or_default();
        let rest: Vec<String> = set.iter().map(|(k, v)| format!("{k}={v}")).collect();
        self.fact(format!("lv {vg}/{name} {}", rest.join(" ")));
    }

    fn btrfs(&mut self, args: &[String]) {
        let path = args.last().cloned().unwrap_or_default();
        match (
            args.first().map(String::as_str),
            args.get(1).map(String::as_str),
        ) {
            (Some("subvolume"), Some("show")) | (Some("filesystem"), Some("show")) => {}
            (Some("subvolume"), Some("create")) => {
                // The path is the one positional word (disko writes its
                // extraArgs after it); the options are part of the fact.
                let rest = &args[2..];
                let path = positionals(rest, &["-i"])
                    .first()
                    .map(|p| p.to_string())
                    .unwrap_or_default();
                let at = self.inside(&path);
                let options: Vec<&str> = rest
                    .iter()
                    .map(String::as_str)
                    .filter(|w| *w != path)
                    .collect();
                if options.is_empty() {
                    self.fact(format!("subvolume {at}"));
                } else {
                    self.fact(format!("subvolume {at} with {}", options.join(" ")));
                }
            }
            (Some("filesystem"), Some("mkswapfile")) => {
                let at = self.inside(&path);
                let size = positionals(&args[2..args.len() - 1], &[]).join(" ");
                let size_arg = args
                    .iter()
                    .position(|a| a == "--size" || a == "-s")
                    .and_then(|i| args.get(i + 1))
                    .cloned()
                    .unwrap_or(size);
                self.fact(format!("swapfile {at} size={size_arg}"));
            }
            _ => self.fact(format!("btrfs {}", args.join(" "))),
        }
    }

    fn mount(&mut self, args: &[String]) {
        let mut fstype = String::new();
        let mut options: Vec<String> = Vec::new();
        let mut pos = Vec::new();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                "-t" => fstype = it.next().cloned().unwrap_or_default(),
                "-o" => options.extend(
                    it.next()
                        .map(|o| o.split(',').map(str::to_string).collect::<Vec<_>>())
                        .unwrap_or_default(),
                ),
                s if s.starts_with("-t") && s.len() > 2 => fstype = s[2..].to_string(),
                s if s.starts_with('-') => options.push(s.to_string()),
                s => pos.push(s.to_string()),
            }
        }
        let (device, target) = match pos.as_slice() {
            [d, t] => (d.clone(), clean_path(t)),
            _ => {
                self.fact(format!("mount {}", args.join(" ")));
                return;
            }
        };
        // A subvolume is named from the top of the filesystem, with or
        // without the leading slash.
        for o in options.iter_mut() {
            if let Some(v) = o.strip_prefix("subvol=") {
                *o = format!("subvol={}", clean_path(v));
            }
        }
        if fstype.is_empty() {
            // mount finds the type itself: the one the device was given.
            fstype = self.fs_of.get(&device).cloned().unwrap_or_default();
        }
        let subvol = options
            .iter()
            .find_map(|o| o.strip_prefix("subvol="))
            .map(clean_path)
            .unwrap_or_else(|| "/".into());
        self.table.retain(|(t, _, _)| *t != target);
        self.table.push((target.clone(), device.clone(), subvol));
        if target.starts_with(self.tmp) {
            return; // a temporary mount to create subvolumes through
        }
        options.retain(|o| !NEUTRAL_OPTIONS.contains(&o.as_str()));
        options.sort();
        options.dedup();
        self.mounts.push(format!(
            "mount {target} {device} {} [{}]",
            if fstype.is_empty() { "auto" } else { &fstype },
            options.join(",")
        ));
    }
}

/// Reduces the commands one run recorded; `tmp` is the directory temporary
/// mount points were made in.
pub fn reduce(calls: &[Call], tmp: &str) -> Facts {
    let mut r = Reducer {
        tmp,
        facts: Vec::new(),
        mounts: Vec::new(),
        table: Vec::new(),
        parts: BTreeMap::new(),
        fs_of: BTreeMap::new(),
    };
    for call in calls {
        r.call(call);
    }
    for ((dev, num), mut set) in std::mem::take(&mut r.parts) {
        // sgdisk's defaults: a random GUID, type 8300, no attributes.
        if set.get("guid").is_some_and(|g| g == "R") {
            set.remove("guid");
        }
        set.entry("type").or_insert_with(|| "8300".into());
        if let Some(t) = set.get_mut("type") {
            *t = t.to_uppercase();
        }
        if let Some(a) = set.get_mut("attributes") {
            *a = attribute_mask(a);
        }
        if set.get("attributes").is_some_and(|a| a == "0x0") {
            set.remove("attributes");
        }
        let fields: Vec<String> = set.iter().map(|(k, v)| format!("{k}={v}")).collect();
        r.fact(format!("partition {dev} {num} {}", fields.join(" ")));
    }
    r.facts.sort();
    Facts {
        facts: r.facts,
        mounts: r.mounts,
    }
}
