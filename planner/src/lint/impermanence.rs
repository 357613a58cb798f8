//! Impermanence rules: what an impermanent system needs to boot the first
//! time and keep its state.

use std::collections::BTreeMap;

use super::{holding, is_tmpfs_root, mounts, Context, Finding, Rule, Severity};

pub const NP101: Rule = Rule {
    code: "NP101",
    title: "persistence root on no persistent filesystem",
    severity: Severity::Error,
    explanation: "A persistence root must live on a filesystem that survives reboots. If no filesystem is mounted at or above it (or only a tmpfs root is), everything 'persisted' vanishes at the next boot.\n\nExample:\n  fileSystems.\"/\" = { fsType = \"tmpfs\"; };\n  environment.persistence.\"/persist\".directories = [ \"/var/lib/nixos\" ];\n  # nothing mounted at /persist\n\nFix: mount a real filesystem at the persistence root (a disko partition or subvolume with mountpoint = \"/persist\").",
};
pub const NP102: Rule = Rule {
    code: "NP102",
    title: "persistence filesystem not needed for boot",
    severity: Severity::Error,
    explanation: "impermanence bind-mounts persisted paths early in boot; the filesystem holding the persistence root must be mounted in the initrd.\n\nExample:\n  fileSystems.\"/persist\" = { device = \"/dev/vda2\"; fsType = \"ext4\"; };\n\nFix: fileSystems.\"/persist\".neededForBoot = true;",
};
pub const NP103: Rule = Rule {
    code: "NP103",
    title: "tmpfs root without a separate /nix",
    severity: Severity::Error,
    explanation: "With / on tmpfs, the Nix store must be on its own persistent filesystem, or the system is lost at reboot (and the tmpfs fills up).\n\nFix: add a filesystem (partition, subvolume or dataset) mounted at /nix.",
};
pub const NP104: Rule = Rule {
    code: "NP104",
    title: "malformed persisted path",
    severity: Severity::Error,
    explanation: "Persisted paths must be absolute, must not end in a slash and must not contain '..'.\n\nExample: directories = [ \"var/lib/foo/\" ];\n\nFix: directories = [ \"/var/lib/foo\" ];",
};
pub const NP105: Rule = Rule {
    code: "NP105",
    title: "path persisted twice",
    severity: Severity::Error,
    explanation: "The same path persisted twice (or as both a file and a directory) makes impermanence create two conflicting bind mounts.\n\nFix: keep one entry.",
};
pub const NP106: Rule = Rule {
    code: "NP106",
    title: "file NixOS generates is persisted",
    severity: Severity::Error,
    explanation: "/etc/passwd, /etc/group and /etc/shadow are generated at every activation; persisting them fights NixOS and can lock users out.\n\nFix: persist /var/lib/nixos (which keeps uid/gid allocations) instead.",
};
pub const NP107: Rule = Rule {
    code: "NP107",
    title: "machine identity not persisted",
    severity: Severity::Warning,
    explanation: "On an impermanent root, /etc/machine-id and the SSH host keys are regenerated at every boot unless persisted: journals break and clients see a new host key.\n\nFix: files = [ \"/etc/machine-id\" \"/etc/ssh/ssh_host_ed25519_key\" \"/etc/ssh/ssh_host_ed25519_key.pub\" ];",
};
pub const NP108: Rule = Rule {
    code: "NP108",
    title: "/var/lib/nixos not persisted",
    severity: Severity::Warning,
    explanation: "NixOS records the uids and gids it allocated in /var/lib/nixos. On an impermanent root with users or groups without a fixed uid/gid, not persisting it can hand persisted files to another user after a change.\n\nFix: directories = [ \"/var/lib/nixos\" ]; or give every user a uid and every group a gid.",
};
pub const NP109: Rule = Rule {
    code: "NP109",
    title: "persisted home of an unknown user",
    severity: Severity::Error,
    explanation: "environment.persistence.<root>.users.<name> must name a user of users.users; otherwise its home and owner cannot be known.\n\nFix: declare users.users.<name> or fix the name.",
};
pub const NP110: Rule = Rule {
    code: "NP110",
    title: "invalid mode",
    severity: Severity::Error,
    explanation: "A mode must be octal (\"0755\") or symbolic (\"u=rwx,g=rx,o=\").\n\nFix: use a valid mode string.",
};

/// Mountpoints NixOS mounts in the initrd whatever neededForBoot says.
const NEEDED_FOR_BOOT: &[&str] = &[
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

fn valid_mode(m: &str) -> bool {
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

pub fn check(cx: &Context, out: &mut Vec<Finding>) {
    let c = cx.config;
    let mounts = mounts(c);
    let tmpfs_root = is_tmpfs_root(c);
    if tmpfs_root && !c.file_systems.contains_key("/nix") {
        out.push(cx.finding(
            "NP103",
            "/ is a tmpfs but /nix has no filesystem of its own".into(),
            c.file_systems["/"].at.as_ref(),
        ));
    }
    let mut persisted_all: Vec<String> = Vec::new();
    for p in c.persistence.values().filter(|p| p.enable.value) {
        let root = &p.root.value;
        match holding(&mounts, root) {
            None => out.push(cx.finding(
                "NP101",
                format!("no filesystem is mounted at or above the persistence root {root}"),
                p.at.as_ref(),
            )),
            Some((mp, fs_type, needed, at)) => {
                if fs_type == "tmpfs" {
                    out.push(cx.finding("NP101", format!("the persistence root {root} is on the tmpfs mounted at {mp}: it is lost at every reboot"), p.at.as_ref()));
                } else if !needed && !NEEDED_FOR_BOOT.contains(&mp) {
                    out.push(cx.finding(
                        "NP102",
                        format!("{mp} holds the persistence root {root} but is not neededForBoot"),
                        at.or(p.at.as_ref()),
                    ));
                }
            }
        }
        let mut seen: BTreeMap<String, &'static str> = BTreeMap::new();
        let mut entries: Vec<(String, &'static str, Option<&String>, String)> = Vec::new();
        for d in &p.directories {
            entries.push((
                d.directory.clone(),
                "directory",
                d.at.as_ref(),
                d.mode.clone(),
            ));
        }
        for f in &p.files {
            entries.push((f.file.clone(), "file", f.at.as_ref(), f.parent_mode.clone()));
        }
        for (user, u) in &p.users {
            if !c.users.contains_key(user) {
                out.push(cx.finding(
                    "NP109",
                    format!("{root}: users.{user} names a user that users.users does not declare"),
                    u.at.as_ref(),
                ));
            }
            for d in &u.directories {
                entries.push((
                    format!(
                        "{}/{}",
                        u.home.value.trim_end_matches('/'),
                        d.directory.trim_start_matches('/')
                    ),
                    "directory",
                    d.at.as_ref(),
                    d.mode.clone(),
                ));
            }
            for f in &u.files {
                entries.push((
                    format!(
                        "{}/{}",
                        u.home.value.trim_end_matches('/'),
                        f.file.trim_start_matches('/')
                    ),
                    "file",
                    f.at.as_ref(),
                    f.parent_mode.clone(),
                ));
            }
        }
        // Every filesystem between the root and a persisted path is needed
        // at boot too (the bind mounts are made in the initrd).
        let root_mount = holding(&mounts, root).map(|m| m.0);
        for (path, _, at, _) in &entries {
            let full = format!(
                "{}/{}",
                root.trim_end_matches('/'),
                path.trim_start_matches('/')
            );
            if let Some((mp, fs_type, needed, _)) = holding(&mounts, &full) {
                if Some(mp) != root_mount
                    && !needed
                    && fs_type != "tmpfs"
                    && !NEEDED_FOR_BOOT.contains(&mp)
                {
                    out.push(cx.finding(
                        "NP102",
                        format!("{mp} holds the persisted {full} but is not neededForBoot"),
                        *at,
                    ));
                }
            }
        }
        for (path, kind, at, mode) in entries {
            if !path.starts_with('/')
                || (path.len() > 1 && path.ends_with('/'))
                || path.split('/').any(|s| s == "..")
            {
                out.push(cx.finding("NP104", format!("the persisted {kind} '{path}' must be absolute, without a trailing slash or '..'"), at));
            }
            if let Some(prev) = seen.insert(path.clone(), kind) {
                out.push(cx.finding(
                    "NP105",
                    format!("'{path}' is persisted twice (as a {prev} and as a {kind})"),
                    at,
                ));
            }
            if ["/etc/passwd", "/etc/group", "/etc/shadow"].contains(&path.as_str()) {
                out.push(cx.finding("NP106", format!("{path} is generated by NixOS at every activation and must not be persisted"), at));
            }
            if !valid_mode(&mode) {
                out.push(cx.finding(
                    "NP110",
                    format!("'{mode}' (for {path}) is not a valid mode"),
                    at,
                ));
            }
            persisted_all.push(path);
        }
    }
    if tmpfs_root && !c.persistence.is_empty() {
        let first_at = c.persistence.values().next().and_then(|p| p.at.as_ref());
        for needed in ["/etc/machine-id", "/etc/ssh/ssh_host_ed25519_key"] {
            let dir_covers = persisted_all
                .iter()
                .any(|p| needed.starts_with(&format!("{p}/")));
            if !persisted_all.iter().any(|p| p == needed) && !dir_covers {
                out.push(cx.finding(
                    "NP107",
                    format!("{needed} is not persisted: it changes at every boot"),
                    first_at,
                ));
            }
        }
        let unfixed = c
            .users
            .iter()
            .any(|(n, u)| n != "root" && u.uid.value.is_none())
            || c.groups
                .iter()
                .any(|(n, g)| n != "root" && g.gid.value.is_none());
        if unfixed
            && !persisted_all
                .iter()
                .any(|p| p == "/var/lib/nixos" || p == "/var/lib" || p == "/var")
        {
            out.push(cx.finding("NP108", "/var/lib/nixos is not persisted while some users or groups have no fixed uid/gid".into(), first_at));
        }
    }
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
