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
