//! Where each input's source comes from: an override, a path, the store,
//! the cache, or a fetch; or why it is unavailable.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde_json::{json, Value};

use crate::cache::Cache;
use crate::fetch::Fetcher;
use crate::lock::{Lock, Reached};
use crate::source::{Kind, Locked};
use crate::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Origin {
    /// `--override-input`.
    Override,
    /// A `path:` input, read in place.
    Path,
    /// The locked source already in /nix/store.
    Store,
    /// nixplan's source cache.
    Cache,
    /// Fetched now (and kept in the cache).
    Fetched,
    /// Not to be had: see the reason.
    Unavailable,
}

impl Origin {
    pub fn word(self) -> &'static str {
        match self {
            Origin::Override => "override",
            Origin::Path => "path",
            Origin::Store => "store",
            Origin::Cache => "cache",
            Origin::Fetched => "fetched",
            Origin::Unavailable => "unavailable",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Resolved {
    pub origin: Origin,
    /// The source's root (not its flake subdirectory), when available.
    pub path: Option<PathBuf>,
    pub reason: Option<String>,
    /// What the lock (or the override) says of it.
    pub locked: Option<Locked>,
    /// Whether it is a flake (`flake = false` in the lock makes it plain).
    pub flake: bool,
}

impl Resolved {
    fn unavailable(locked: Option<Locked>, flake: bool, reason: String) -> Resolved {
        Resolved {
            origin: Origin::Unavailable,
            path: None,
            reason: Some(reason),
            locked,
            flake,
        }
    }

    /// What the Nix side reads (`builtins.__nixplanHost "input"`): where
    /// the source is and the lock's facts for `self.sourceInfo`.
    pub fn to_json(&self) -> Value {
        let l = self.locked.as_ref();
        let rev = l.and_then(Locked::rev);
        let last = l.and_then(|l| l.last_modified);
        json!({
            "origin": self.origin.word(),
            "path": self.path.as_ref().map(|p| p.display().to_string()),
            "reason": self.reason,
            "flake": self.flake,
            "dir": l.and_then(|l| l.dir.clone()),
            "narHash": l.and_then(|l| l.nar_hash).map(|h| h.sri()),
            "rev": rev,
            "shortRev": rev.map(|r| r.chars().take(7).collect::<String>()),
            "lastModified": last,
            "lastModifiedDate": last.and_then(date),
            "revCount": l.and_then(|l| l.rev_count),
            "type": l.map(|l| l.type_name().to_string()),
            "reference": l.map(Locked::reference),
        })
    }
}

/// `lastModifiedDate` as nix writes it: `%Y%m%d%H%M%S`, UTC.
pub fn date(t: i64) -> Option<String> {
    let d = time::OffsetDateTime::from_unix_timestamp(t).ok()?;
    d.format(time::macros::format_description!(
        "[year][month][day][hour][minute][second]"
    ))
    .ok()
}

#[derive(Debug, Clone)]
pub struct Options {
    /// `--override-input NAME REF`, in order given.
    pub overrides: Vec<(String, String)>,
    /// `--override-source REPO REF`: every locked source of repository
    /// REPO (any revision), in every lock and fetch the evaluation reads
    /// (nested inputs, other flakes' locks such as flake-parts
    /// partitions', `fetchTree`), is REF instead.
    pub sources: Vec<(String, String)>,
    /// `--offline`: nothing is fetched.
    pub offline: bool,
    pub store_dir: String,
    /// nixplan's source cache; `None` when no cache directory is known
    /// (then nothing is fetched either).
    pub cache: Option<Cache>,
    pub rewrites: Vec<(String, String)>,
    /// Draw download progress (on a terminal).
    pub progress: bool,
    /// For relative override paths.
    pub cwd: PathBuf,
}

/// Where store paths are: `NIX_STORE_DIR`, else /nix/store.
pub fn store_dir() -> String {
    std::env::var("NIX_STORE_DIR").unwrap_or_else(|_| "/nix/store".into())
}

impl Options {
    /// What the command line gives, with the environment's defaults.
    pub fn new(overrides: Vec<(String, String)>, offline: bool) -> Options {
        Options {
            overrides,
            sources: Vec::new(),
            offline,
            store_dir: store_dir(),
            cache: Cache::default_root().map(Cache::new),
            rewrites: Fetcher::rewrites_from_env(),
            progress: false,
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")),
        }
    }
}

pub struct Resolver {
    pub flake_dir: PathBuf,
    pub lock: Option<Lock>,
    /// Overrides by input path (`a/b`), and the lock node each names.
    overrides: BTreeMap<String, (Locked, Option<String>)>,
    /// Overrides by repository: the repository, and what replaces it.
    sources: Vec<(Locked, Locked)>,
    opts: Options,
    fetcher: Option<Fetcher>,
    memo: BTreeMap<String, Resolved>,
}

impl Resolver {
    pub fn new(flake_dir: &Path, opts: Options) -> Result<Resolver, Error> {
        let lock = Lock::read(flake_dir)?;
        let mut overrides = BTreeMap::new();
        for (name, reference) in &opts.overrides {
            let locked = Locked::from_flakeref(reference, &opts.cwd)
                .map_err(|m| Error::Override(format!("--override-input {name}: {m}")))?;
            if let Kind::Path { path } = &locked.kind {
                if !Path::new(path).exists() {
                    return Err(Error::Override(format!(
                        "--override-input {name}: '{path}' does not exist"
                    )));
                }
            }
            let names: Vec<&str> = name.split('/').collect();
            let node = lock.as_ref().and_then(|l| l.node_at(&names));
            if node.is_none() && names.len() > 1 {
                return Err(Error::Override(format!(
                    "--override-input {name}: flake.lock has no input '{name}' (nested inputs are named as `nixplan inputs` lists them)"
                )));
            }
            overrides.insert(name.clone(), (locked, node));
        }
        let mut sources = Vec::new();
        for (repo, reference) in &opts.sources {
            let what = |m: String| Error::Override(format!("--override-source {repo}: {m}"));
            let pattern = Locked::repository(repo).map_err(what)?;
            let locked = Locked::from_flakeref(reference, &opts.cwd).map_err(what)?;
            if let Kind::Path { path } = &locked.kind {
                if !Path::new(path).exists() {
                    return Err(what(format!("'{path}' does not exist")));
                }
            }
            sources.push((pattern, locked));
        }
        let fetcher = opts.cache.clone().map(|c| {
            let progress = opts.progress.then(indicatif::MultiProgress::new);
            Fetcher::new(c, opts.rewrites.clone(), progress)
        });
        Ok(Resolver {
            flake_dir: flake_dir.to_path_buf(),
            lock,
            overrides,
            sources,
            opts,
            fetcher,
            memo: BTreeMap::new(),
        })
    }

    /// A resolver for another flake (`builtins.getFlake`): its own lock,
    /// the same store, cache, network rules; no overrides (they name the
    /// first flake's inputs).
    pub fn for_flake(&self, dir: &Path) -> Result<Resolver, Error> {
        Resolver::new(
            dir,
            Options {
                overrides: Vec::new(),
                ..self.opts.clone()
            },
        )
    }

    /// The input paths `--override-input` names, in order.
    pub fn override_names(&self) -> Vec<String> {
        self.opts.overrides.iter().map(|(n, _)| n.clone()).collect()
    }

    /// The source of the input at `path` (`a/b`), which the lock has as
    /// node `node` (`None`: not in the lock); `base` is the directory of
    /// the flake declaring it (relative `path:` inputs start there).
    pub fn input(
        &mut self,
        node: Option<&str>,
        path: &str,
        base: &Path,
    ) -> Result<Resolved, Error> {
        let over = self
            .overrides
            .get(path)
            .or_else(|| {
                node.and_then(|n| {
                    self.overrides
                        .values()
                        .find(|(_, k)| k.as_deref() == Some(n))
                })
            })
            .cloned();
        if let Some((locked, _)) = over {
            // As nix: an input the lock has as plain (`flake = false`)
            // stays plain whatever replaces it.
            let plain = node
                .and_then(|n| self.lock.as_ref()?.nodes.get(n))
                .is_some_and(|n| !n.flake);
            let key = format!("override:{}:{plain}", locked.reference());
            if let Some(r) = self.memo.get(&key) {
                return Ok(r.clone());
            }
            let mut r = self.overridden(&locked, path)?;
            r.flake &= !plain;
            self.memo.insert(key, r.clone());
            return Ok(r);
        }
        let Some(node) = node else {
            return Err(Error::NotLocked(path.to_string()));
        };
        if let Some(r) = self.memo.get(node) {
            return Ok(r.clone());
        }
        let n = self
            .lock
            .as_ref()
            .and_then(|l| l.nodes.get(node))
            .ok_or_else(|| Error::NotLocked(path.to_string()))?;
        let (locked, flake) = (n.locked.clone(), n.flake);
        if let Some(mut r) = self.by_repository(locked.as_ref(), path)? {
            // As nix: an input is plain (`flake = false`) whatever
            // replaces it.
            r.flake &= flake;
            self.memo.insert(node.to_string(), r.clone());
            return Ok(r);
        }
        let r = match self.local(locked.as_ref(), flake, base) {
            Some(r) => r,
            None => self.fetched(locked.expect("local() answers unlocked nodes"), flake, path)?,
        };
        self.memo.insert(node.to_string(), r.clone());
        Ok(r)
    }

    /// A locked source named by evaluation itself (`builtins.fetchTree`
    /// with a narHash, as flake-compat calls it): the store, the cache, or
    /// a fetch checked against the narHash.
    pub fn locked(&mut self, locked: &Locked, label: &str) -> Result<Resolved, Error> {
        let key = format!("fetchTree:{}", locked.reference());
        if let Some(r) = self.memo.get(&key) {
            return Ok(r.clone());
        }
        if let Some(r) = self.by_repository(Some(locked), label)? {
            self.memo.insert(key, r.clone());
            return Ok(r);
        }
        let r = match self.local(Some(locked), true, &self.flake_dir) {
            Some(r) => r,
            None => self.fetched(locked.clone(), true, label)?,
        };
        self.memo.insert(key, r.clone());
        Ok(r)
    }

    /// A file named by its URL and the sha256 of its bytes
    /// (`builtins.fetchurl`): `/nix/store` (the fixed-output path nix
    /// gives it, from `name`), nixplan's cache, or fetched and checked.
    /// Unavailable offline or without a cache: an error saying why.
    pub fn file(&mut self, url: &str, sha256: &[u8; 32], name: &str) -> Result<Resolved, Error> {
        let key = format!("fetchurl:{url}:{}", nix_base32::to_nix_base32(sha256));
        if let Some(r) = self.memo.get(&key) {
            return Ok(r.clone());
        }
        let found = |origin, path| Resolved {
            origin,
            path: Some(path),
            reason: None,
            locked: None,
            flake: false,
        };
        let store = PathBuf::from(nixplan_eval::store::make_fixed_output_path(
            &self.opts.store_dir,
            false,
            "sha256",
            &nixplan_eval::store::hex(sha256),
            sha256,
            name,
        ));
        let r = if store.is_file() {
            found(Origin::Store, store)
        } else if let Some(p) = self.opts.cache.as_ref().and_then(|c| c.lookup_file(sha256)) {
            found(Origin::Cache, p)
        } else if self.opts.offline {
            return Err(Error::Unsupported(format!(
                "{url}: not in /nix/store nor in nixplan's cache, and --offline forbids fetching"
            )));
        } else {
            let Some(fetcher) = self.fetcher.as_ref() else {
                return Err(Error::Unsupported(format!(
                    "{url}: no cache directory to fetch into (set XDG_CACHE_HOME or HOME)"
                )));
            };
            found(Origin::Fetched, fetcher.fetch_file(url, sha256, url)?)
        };
        self.memo.insert(key, r.clone());
        Ok(r)
    }

    /// What `--override-source` gives for a locked source of its
    /// repository (the first that names it), if any.
    fn by_repository(
        &self,
        locked: Option<&Locked>,
        path: &str,
    ) -> Result<Option<Resolved>, Error> {
        let Some(locked) = locked else {
            return Ok(None);
        };
        let Some((_, with)) = self.sources.iter().find(|(p, _)| locked.of_repository(p)) else {
            return Ok(None);
        };
        let mut with = with.clone();
        // The flake's subdirectory is the lock's, unless REF names one.
        if with.dir.is_none() {
            with.dir.clone_from(&locked.dir);
        }
        self.overridden(&with, path).map(Some)
    }

    fn overridden(&self, locked: &Locked, path: &str) -> Result<Resolved, Error> {
        if let Kind::Path { path: p } = &locked.kind {
            let flake = Path::new(p)
                .join(locked.dir.as_deref().unwrap_or(""))
                .join("flake.nix")
                .is_file();
            return Ok(Resolved {
                origin: Origin::Override,
                path: Some(PathBuf::from(p)),
                reason: None,
                locked: Some(locked.clone()),
                flake,
            });
        }
        // A reference to one revision without a narHash: what an earlier
        // fetch found it to hash to, if that source is still cached.
        let mut locked = locked.clone();
        let pinned = locked.nar_hash.is_none() && locked.names_one_revision();
        if pinned {
            locked.nar_hash = self
                .opts
                .cache
                .as_ref()
                .and_then(|c| c.hash_of_reference(&locked.reference()));
        }
        let mut r = match self.local(Some(&locked), true, &self.flake_dir) {
            Some(r) if r.origin != Origin::Unavailable => r,
            _ => self.fetched(locked.clone(), true, path)?,
        };
        if pinned && r.origin == Origin::Fetched {
            let hash = r.locked.as_ref().and_then(|l| l.nar_hash);
            if let (Some(cache), Some(hash)) = (self.opts.cache.as_ref(), hash) {
                let _ = cache.remember_reference(&locked.reference(), &hash);
            }
        }
        if r.origin != Origin::Unavailable {
            r.origin = Origin::Override;
        }
        Ok(r)
    }

    /// Found without the network (path, store, cache), unavailable for a
    /// reason, or `None`: to be fetched.
    fn local(&self, locked: Option<&Locked>, flake: bool, base: &Path) -> Option<Resolved> {
        let Some(locked) = locked else {
            return Some(Resolved::unavailable(
                None,
                flake,
                "its lock node has no locked source".into(),
            ));
        };
        let found = |origin, path: PathBuf| Resolved {
            origin,
            path: Some(path),
            reason: None,
            locked: Some(locked.clone()),
            flake,
        };
        if let Kind::Path { path } = &locked.kind {
            let p = base.join(path);
            return Some(if p.exists() {
                found(Origin::Path, p)
            } else {
                Resolved::unavailable(
                    Some(locked.clone()),
                    flake,
                    format!("path:{} does not exist", p.display()),
                )
            });
        }
        let Some(hash) = locked.nar_hash else {
            return Some(Resolved::unavailable(
                Some(locked.clone()),
                flake,
                "the lock gives no narHash".into(),
            ));
        };
        let store = PathBuf::from(hash.store_path(&self.opts.store_dir));
        if store.exists() {
            return Some(found(Origin::Store, store));
        }
        if let Some(p) = self.opts.cache.as_ref().and_then(|c| c.lookup(&hash)) {
            return Some(found(Origin::Cache, p));
        }
        if self.opts.offline {
            return Some(Resolved::unavailable(
                Some(locked.clone()),
                flake,
                "not in /nix/store nor in nixplan's cache, and --offline forbids fetching".into(),
            ));
        }
        if self.fetcher.is_none() {
            return Some(Resolved::unavailable(
                Some(locked.clone()),
                flake,
                "no cache directory to fetch into (set XDG_CACHE_HOME or HOME)".into(),
            ));
        }
        None
    }

    /// Fetch into the cache. A narHash mismatch is an error; any other
    /// failure makes the input unavailable, with the reason.
    fn fetched(&self, locked: Locked, flake: bool, label: &str) -> Result<Resolved, Error> {
        if self.opts.offline {
            return Ok(Resolved::unavailable(
                Some(locked),
                flake,
                "--offline forbids fetching".into(),
            ));
        }
        let fetcher = self
            .fetcher
            .as_ref()
            .expect("local() answered when there is no fetcher");
        match fetcher.fetch(&locked, label) {
            Ok((path, hash)) => Ok(Resolved {
                origin: Origin::Fetched,
                path: Some(path),
                reason: None,
                // What it was found to hash to, where nothing said.
                locked: Some(Locked {
                    nar_hash: locked.nar_hash.or(Some(hash)),
                    ..locked
                }),
                flake,
            }),
            Err(e @ Error::Mismatch { .. }) => Err(e),
            Err(e) => Ok(Resolved::unavailable(Some(locked), flake, e.to_string())),
        }
    }

    /// Every node of the lock, each with the first path reaching it,
    /// resolved; what must be fetched is fetched `jobs` at a time.
    pub fn resolve_all(&mut self, jobs: usize) -> Result<Vec<(Reached, Resolved)>, Error> {
        let reached = self.lock.as_ref().map(Lock::reached).unwrap_or_default();
        let flake_dir = self.flake_dir.clone();
        // What needs the network, fetched in parallel first.
        let mut todo = Vec::new();
        for r in &reached {
            let over = self.overrides.contains_key(&r.path)
                || self
                    .overrides
                    .values()
                    .any(|(_, k)| k.as_deref() == Some(r.key.as_str()));
            let node = &self
                .lock
                .as_ref()
                .expect("reached nodes come from the lock")
                .nodes[&r.key];
            if !over
                && self
                    .local(node.locked.as_ref(), node.flake, &flake_dir)
                    .is_none()
            {
                todo.push((
                    r.clone(),
                    node.locked.clone().expect("local() answers unlocked nodes"),
                    node.flake,
                ));
            }
        }
        let todo = Mutex::new(todo);
        let done = Mutex::new(Vec::new());
        let this = &*self;
        std::thread::scope(|s| {
            for _ in 0..jobs.max(1) {
                s.spawn(|| loop {
                    let Some((r, locked, flake)) = todo.lock().expect("no worker panics").pop()
                    else {
                        break;
                    };
                    let out = this.fetched(locked, flake, &r.path);
                    done.lock().expect("no worker panics").push((r.key, out));
                });
            }
        });
        for (key, out) in done.into_inner().expect("no worker panics") {
            self.memo.insert(key, out?);
        }
        let mut out = Vec::new();
        for r in reached {
            let res = self.input(Some(&r.key), &r.path, &flake_dir)?;
            out.push((r, res));
        }
        Ok(out)
    }
}
