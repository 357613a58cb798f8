//! The persist phase: impermanence's persistence roots, persisted directories and the parents of persisted files, with owner and mode, right after the mounts and before the install.

use std::collections::{BTreeMap, BTreeSet};

use nixplan_nixos::config::Pos;
use nixplan_plan::{Kind, Phase};
use nixplan_plan::{Resource, ResourceKind as Res};

use crate::builder::{under, Builder, NewAction};
use crate::error::PlanError;

/// A directory to create under a persistence root.
#[derive(Clone)]
struct PersistedDir {
    /// Relative to the persistence root, normalised (`/a/b`).
    path: String,
    user: String,
    group: String,
    mode: String,
    /// Where it was defined.
    at: Option<Pos>,
    /// What it is for, as the plan's reason says it.
    what: &'static str,
}

impl Builder<'_> {
    pub(crate) fn owner(&self, user: &str, group: &str) -> (String, String, bool) {
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

    pub(crate) fn persist(&mut self) -> Result<usize, PlanError> {
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
                produces: vec![Resource::new(Res::Dir, target_root.to_string())],
                at: p.at.clone(),
                reason: format!("create the persistence root {root_path}"),
            });
            count += 1;
            let mut entries: Vec<PersistedDir> = Vec::new();
            for d in &p.directories {
                entries.push(PersistedDir {
                    path: d.directory.clone(),
                    user: d.user.clone(),
                    group: d.group.clone(),
                    mode: d.mode.clone(),
                    at: d.at.clone(),
                    what: "directory",
                });
            }
            for f in &p.files {
                let parent = f
                    .file
                    .rsplit_once('/')
                    .map(|(d, _)| d.to_string())
                    .filter(|d| !d.is_empty());
                if let Some(dir) = parent {
                    entries.push(PersistedDir {
                        path: dir,
                        user: f.parent_user.clone(),
                        group: f.parent_group.clone(),
                        mode: f.parent_mode.clone(),
                        at: f.at.clone(),
                        what: "parent of a persisted file",
                    });
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
                entries.push(PersistedDir {
                    path: home.clone(),
                    user: user.clone(),
                    group: group.clone(),
                    mode: "0700".into(),
                    at: u.at.clone(),
                    what: "home directory",
                });
                for d in &u.directories {
                    let path = if d.directory.starts_with('/') {
                        format!("{}{}", home, d.directory)
                    } else {
                        format!("{home}/{}", d.directory)
                    };
                    entries.push(PersistedDir {
                        path,
                        user: d.user.clone(),
                        group: d.group.clone(),
                        mode: d.mode.clone(),
                        at: d.at.clone(),
                        what: "directory",
                    });
                }
                for f in &u.files {
                    let file = if f.file.starts_with('/') {
                        format!("{}{}", home, f.file)
                    } else {
                        format!("{home}/{}", f.file)
                    };
                    if let Some((dir, _)) = file.rsplit_once('/') {
                        entries.push(PersistedDir {
                            path: dir.to_string(),
                            user: f.parent_user.clone(),
                            group: f.parent_group.clone(),
                            mode: f.parent_mode.clone(),
                            at: f.at.clone(),
                            what: "parent of a persisted file",
                        });
                    }
                }
            }
            // Every parent between the persistence root and an entry is an
            // entry of its own (else `install -d` would make it root's,
            // 0755, under a user's home too); parents before children.
            // Keyed by the path with '/' as the lowest character: a parent
            // sorts right before its children.
            let mut all: BTreeMap<String, PersistedDir> = BTreeMap::new();
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
                e.path = norm(&e.path);
            }
            for e in &entries {
                all.entry(key(&e.path)).or_insert_with(|| e.clone());
            }
            for e in &entries {
                for (i, _) in e.path.match_indices('/').skip(1) {
                    let dir = &e.path[..i];
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
                        PersistedDir {
                            path: dir.to_string(),
                            user,
                            group,
                            mode: "0755".into(),
                            at: e.at.clone(),
                            what: "parent directory",
                        },
                    );
                }
            }
            for PersistedDir {
                path,
                user,
                group,
                mode,
                at,
                what,
            } in all.into_values()
            {
                let full = format!("{}{}", root_path.trim_end_matches('/'), path);
                let target = under(&self.root, &full);
                if !created.insert(target.clone()) {
                    continue;
                }
                let (o, g, known) = self.owner(&user, &group);
                let id = format!("persist/dir{full}");
                let mut needs = vec![Resource::new(Res::Dir, target_root.to_string())];
                if let Some((parent, _)) = path.rsplit_once('/').filter(|(p, _)| !p.is_empty()) {
                    let parent = format!("{}{parent}", root_path.trim_end_matches('/'));
                    needs.push(Resource::new(Res::Dir, under(&self.root, &parent)));
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
                        produces: vec![Resource::new(Res::Dir, target.to_string())],
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
                        produces: vec![Resource::new(Res::Dir, target.to_string())],
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
                        needs: vec![Resource::new(Res::Dir, target.to_string()), Resource::new(Res::System, "installed")],
                        produces: vec![Resource::new(Res::Owner, target.to_string())],
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
