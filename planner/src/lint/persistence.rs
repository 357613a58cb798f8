//! What the impermanence rules read of a configuration: the mounted
//! filesystems and which one holds a path, and every persisted entry of a
//! persistence root (directories, files, and those of `users.<name>`
//! under the user's home) with its kind, mode and where it was written.

use nixplan_nixos::config::{Config, Persistence, Pos};

/// Mountpoints NixOS mounts in the initrd whatever neededForBoot says.
pub(crate) const NEEDED_FOR_BOOT: &[&str] = &[
    "/",
    "/nix",
    "/nix/store",
    "/var",
    "/var/log",
    "/var/lib",
    "/var/lib/nixos",
    "/etc",
    "/usr",
];

pub(crate) fn valid_mode(m: &str) -> bool {
    let octal = (3..=4).contains(&m.len()) && m.chars().all(|c| ('0'..='7').contains(&c));
    let symbolic = !m.is_empty()
        && m.split(',').all(|clause| {
            let (who, rest) = clause.split_at(clause.find(['=', '+', '-']).unwrap_or(clause.len()));
            who.chars().all(|c| "ugoa".contains(c))
                && !rest.is_empty()
                && rest[1..].chars().all(|c| "rwxXst".contains(c))
        });
    octal || symbolic
}

/// Mounted filesystems: mountpoint → (fsType, neededForBoot, where).
pub(crate) fn mounts(config: &Config) -> Vec<(&str, &str, bool, Option<&Pos>)> {
    config
        .file_systems
        .values()
        .map(|fs| {
            (
                fs.mount_point.value.as_str(),
                fs.fs_type.value.as_str(),
                fs.needed_for_boot.value,
                fs.at.as_ref(),
            )
        })
        .collect()
}

/// Whether what is below a mountpoint is there when the initrd's mounts
/// are made: the filesystem is mounted in the initrd (neededForBoot, or one
/// NixOS mounts there anyway), or it is a btrfs subvolume nested, at the
/// same relative path, in a subvolume of the same device mounted above it
/// that is itself there (`@persist/home` at /persist/home below `@persist`
/// at /persist): a nested subvolume shows through its parent's mount, so its
/// files are in place before its own mount is made.
pub(crate) fn there_at_boot(config: &Config, mp: &str) -> bool {
    // `file_systems` is keyed by mount point.
    let mounted_at = |mp: &str| config.file_systems.get(mp);
    let Some(fs) = mounted_at(mp) else {
        return false;
    };
    if fs.needed_for_boot.value || NEEDED_FOR_BOOT.contains(&mp) {
        return true;
    }
    let subvol = |fs: &nixplan_nixos::config::FileSystem| {
        fs.options
            .value
            .iter()
            .rev()
            .find_map(|o| o.strip_prefix("subvol="))
            .map(|s| s.trim_matches('/').to_string())
    };
    if fs.fs_type.value != "btrfs" || fs.device.value.is_none() || mp == "/" {
        return false;
    }
    let Some(mine) = subvol(fs) else {
        return false;
    };
    let parent_dir = match mp.trim_end_matches('/').rsplit_once('/') {
        Some(("", _)) | None => "/",
        Some((dir, _)) => dir,
    };
    let Some((above, ..)) = holding(&mounts(config), parent_dir) else {
        return false;
    };
    let Some(up) = mounted_at(above) else {
        return false;
    };
    if up.fs_type.value != "btrfs" || up.device.value != fs.device.value {
        return false;
    }
    let rel = mp
        .strip_prefix(above.trim_end_matches('/'))
        .unwrap_or(mp)
        .trim_matches('/');
    let theirs = subvol(up).unwrap_or_default();
    let expected = if theirs.is_empty() {
        rel.to_string()
    } else {
        format!("{theirs}/{rel}")
    };
    mine == expected && there_at_boot(config, above)
}

/// The mountpoint holding a path (the longest containing one).
pub(crate) fn holding<'a>(
    mounts: &[(&'a str, &'a str, bool, Option<&'a Pos>)],
    path: &str,
) -> Option<(&'a str, &'a str, bool, Option<&'a Pos>)> {
    mounts
        .iter()
        .filter(|(mp, ..)| {
            *mp == "/" || path == *mp || path.starts_with(&format!("{}/", mp.trim_end_matches('/')))
        })
        .max_by_key(|(mp, ..)| mp.len())
        .copied()
}

pub(crate) fn is_tmpfs_root(config: &Config) -> bool {
    config
        .file_systems
        .get("/")
        .is_some_and(|fs| fs.fs_type.value == "tmpfs")
}

/// A persisted path as the rules see it.
pub(crate) struct Entry<'a> {
    /// As written (a user's paths joined to their home).
    pub(crate) path: String,
    /// `directory` or `file`.
    pub(crate) kind: &'static str,
    pub(crate) at: Option<&'a Pos>,
    /// The directory's mode, or a file's parent's.
    pub(crate) mode: String,
}

/// The enabled persistence roots.
pub(crate) fn enabled(c: &Config) -> impl Iterator<Item = &Persistence> {
    c.persistence.values().filter(|p| p.enable.value)
}

/// Every entry of one persistence root: directories, files, then each
/// user's directories and files.
pub(crate) fn entries(p: &Persistence) -> Vec<Entry<'_>> {
    let mut out = Vec::new();
    for d in &p.directories {
        out.push(Entry {
            path: d.directory.clone(),
            kind: "directory",
            at: d.at.as_ref(),
            mode: d.mode.clone(),
        });
    }
    for f in &p.files {
        out.push(Entry {
            path: f.file.clone(),
            kind: "file",
            at: f.at.as_ref(),
            mode: f.parent_mode.clone(),
        });
    }
    for u in p.users.values() {
        let home = u.home.value.trim_end_matches('/');
        for d in &u.directories {
            out.push(Entry {
                path: format!("{home}/{}", d.directory.trim_start_matches('/')),
                kind: "directory",
                at: d.at.as_ref(),
                mode: d.mode.clone(),
            });
        }
        for f in &u.files {
            out.push(Entry {
                path: format!("{home}/{}", f.file.trim_start_matches('/')),
                kind: "file",
                at: f.at.as_ref(),
                mode: f.parent_mode.clone(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn modes() {
        for ok in ["0755", "755", "0700", "u=rwx,g=rx,o=", "a+r"] {
            assert!(super::valid_mode(ok), "{ok}");
        }
        for bad in ["", "0855", "rwx", "u=rwq", "07555"] {
            assert!(!super::valid_mode(bad), "{bad}");
        }
    }
}
