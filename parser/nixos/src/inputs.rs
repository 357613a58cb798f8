//! The flake inputs an evaluation reaches: nixplan's Nix asks for each one
//! when it first uses it (`builtins.__nixplanHost "input"`), and says when
//! it had to use a stand-in or empty modules instead (`"degraded"`). The
//! log of both is what the plan shows of its inputs.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::Path;
use std::rc::Rc;

use nixplan_eval::Host;
use nixplan_flake::{Origin, Resolver};
use serde::Serialize;
use serde_json::{json, Value};

/// The repositories nixplan has a stand-in for (`standIns` in
/// `nix/nixplan.nix`; a test checks they agree).
pub const STAND_INS: &[&str] = &[
    "agenix",
    "colmena",
    "disko",
    "home-manager",
    "impermanence",
    "import-tree",
    "nixos-hardware",
    "nixpkgs",
    "sops-nix",
];

/// Whether nixplan has a stand-in for the forge repository OWNER/REPO:
/// those of [`STAND_INS`] by name, and those a name alone does not tell
/// (`unavailable` in `nix/nixplan.nix`): snowfall-lib (`snowfallorg/lib`)
/// and nix-systems' lists.
pub fn has_stand_in(owner: &str, repo: &str) -> bool {
    const SYSTEMS: &[&str] = &[
        "default",
        "default-linux",
        "default-darwin",
        "x86_64-linux",
        "aarch64-linux",
        "x86_64-darwin",
        "aarch64-darwin",
    ];
    STAND_INS.contains(&repo)
        || (owner == "snowfallorg" && repo == "lib")
        || (owner == "nix-systems" && SYSTEMS.contains(&repo))
}

/// How an input served the evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Used {
    /// Its real source was evaluated.
    Real,
    /// nixplan's stand-in for it was evaluated instead: the input was
    /// unavailable.
    StandIn,
    /// Unavailable: the modules taken from it were empty.
    EmptyModules,
    /// Unavailable: its packages were opaque stand-ins, its overlays
    /// changed nothing.
    StandInPackages,
    /// A nixpkgs that is only its lib: the real lib, with nixplan's NixOS
    /// declarations for `lib.nixosSystem` and stand-in packages.
    LibOnly,
    /// Unavailable and reached (an error if anything of it was needed).
    Unavailable,
}

impl Used {
    pub fn word(self) -> &'static str {
        match self {
            Used::Real => "real",
            Used::StandIn => "stand-in",
            Used::EmptyModules => "empty modules",
            Used::StandInPackages => "stand-in packages",
            Used::LibOnly => "lib only",
            Used::Unavailable => "unavailable",
        }
    }
}

/// One input the evaluation reached.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct InputUse {
    /// `nixpkgs`, `home-manager/nixpkgs`: as `--override-input` names it.
    pub path: String,
    /// The locked reference (`github:OWNER/REPO/REV`), or the override's.
    pub reference: Option<String>,
    pub nar_hash: Option<String>,
    /// Where its source came from (override, path, store, cache, fetched,
    /// unavailable).
    pub origin: String,
    pub used: Used,
    pub reason: Option<String>,
    /// Where its source is on this machine.
    pub local: Option<String>,
}

impl InputUse {
    /// How messages name it: a flake input by its path in the lock; a
    /// source a fetcher asked for (`fetchTarball`, `fetchTree`), logged
    /// under its own reference, as that source.
    pub fn noun(&self) -> String {
        if self.reference.as_deref() == Some(self.path.as_str()) {
            format!("the source '{}'", self.path)
        } else {
            format!("the flake input '{}'", self.path)
        }
    }
}

pub type InputLog = Rc<RefCell<BTreeMap<String, InputUse>>>;

/// Answers the evaluation's input requests from a [`Resolver`].
pub struct InputHost {
    resolver: Resolver,
    /// Lock node → the first input path reaching it.
    labels: BTreeMap<String, String>,
    /// Flakes `builtins.getFlake` loaded, each with its own lock; the
    /// Nix side names them by their place here, from 1.
    others: Vec<OtherFlake>,
    strict: bool,
    pub log: InputLog,
    /// The source root a `path:ROOT?dir=SUB` target named.
    pub source_root: Option<std::path::PathBuf>,
}

struct OtherFlake {
    reference: String,
    resolver: Resolver,
    labels: BTreeMap<String, String>,
}

fn lock_labels(resolver: &Resolver) -> BTreeMap<String, String> {
    resolver
        .lock
        .as_ref()
        .map(|l| l.reached().into_iter().map(|r| (r.key, r.path)).collect())
        .unwrap_or_default()
}

impl InputHost {
    /// `strict`: an input that is unavailable and used anyway (a stand-in,
    /// empty modules) is an error (`--strict-inputs`).
    pub fn new(resolver: Resolver, strict: bool) -> InputHost {
        let labels = lock_labels(&resolver);
        InputHost {
            resolver,
            labels,
            others: Vec::new(),
            strict,
            log: InputLog::default(),
            source_root: None,
        }
    }

    fn input(&mut self, args: &Value) -> Result<Value, String> {
        let node = args.get("node").and_then(Value::as_str);
        // Which flake's lock: the target's (0), or one `getFlake` loaded.
        let flake = args.get("flake").and_then(Value::as_u64).unwrap_or(0) as usize;
        let (resolver, labels, prefix) = match flake {
            0 => (&mut self.resolver, &self.labels, String::new()),
            n => match self.others.get_mut(n - 1) {
                Some(o) => (&mut o.resolver, &o.labels, format!("{}#", o.reference)),
                None => return Err(format!("no flake {n} was loaded")),
            },
        };
        let label = match node {
            Some(n) => labels.get(n).cloned().unwrap_or_else(|| n.to_string()),
            None => args
                .get("path")
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_string(),
        };
        let label = format!("{prefix}{label}");
        let base = args.get("base").and_then(Value::as_str).unwrap_or("/");
        let r = match resolver.input(node, &label, Path::new(base)) {
            Ok(r) => r,
            // Said at the input's declaration in flake.nix by the Nix side.
            Err(e @ nixplan_flake::Error::NotLocked(_)) => {
                return Ok(json!({ "error": e.to_string() }))
            }
            Err(e) => return Err(e.to_string()),
        };
        let l = r.locked.as_ref();
        self.log.borrow_mut().insert(
            label.clone(),
            InputUse {
                path: label.clone(),
                reference: l.map(|l| l.reference()),
                nar_hash: l.and_then(|l| l.nar_hash).map(|h| h.sri()),
                origin: r.origin.word().to_string(),
                used: if r.origin == Origin::Unavailable {
                    Used::Unavailable
                } else {
                    Used::Real
                },
                reason: r.reason.clone(),
                local: r.path.as_ref().map(|p| p.display().to_string()),
            },
        );
        let mut j = r.to_json();
        j["label"] = json!(label);
        Ok(j)
    }

    fn degraded(&mut self, args: &Value) -> Result<Value, String> {
        // A file read from an unavailable input's source
        // (`/nixplan/unavailable/LABEL/...`): the input whose label is the
        // longest that leads to it.
        // Labels and file paths both use `/`: only an input that is
        // unavailable can be meant; none known, the first component.
        let file = args.get("file").and_then(Value::as_str);
        let from_file = file.and_then(|f| {
            let rest = f.strip_prefix(nixplan_eval::UNAVAILABLE)?;
            let log = self.log.borrow();
            log.iter()
                .filter(|(k, u)| {
                    u.used != Used::Real
                        && (rest == k.as_str() || rest.starts_with(&format!("{k}/")))
                })
                .map(|(k, _)| k)
                .max_by_key(|k| k.len())
                .cloned()
                .or_else(|| rest.split('/').next().map(str::to_string))
        });
        let path = from_file
            .or_else(|| args.get("path").and_then(Value::as_str).map(str::to_string))
            .unwrap_or_else(|| "?".to_string());
        let reason = args
            .get("reason")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| self.log.borrow().get(&path).and_then(|u| u.reason.clone()))
            .unwrap_or_else(|| "unavailable".to_string());
        let used = match args.get("used").and_then(Value::as_str) {
            Some("stand-in") => Used::StandIn,
            Some("lib-only") => Used::LibOnly,
            Some("stand-in packages") => Used::StandInPackages,
            // A file read below it (an error follows): nothing changes.
            Some("unavailable") => {
                let shown = self.log.borrow().get(&path).map(|u| u.path.clone());
                return Ok(match shown {
                    Some(shown) => json!({ "reason": reason, "path": shown }),
                    // No source known by that name: nothing to say of it.
                    None => json!({}),
                });
            }
            _ => Used::EmptyModules,
        };
        if self.strict {
            let it = self
                .log
                .borrow()
                .get(&path)
                .map_or_else(|| format!("the flake input '{path}'"), InputUse::noun);
            return Err(match used {
                Used::LibOnly => format!(
                    "{it} is only nixpkgs' lib (no nixos/), and --strict-inputs forbids nixplan's NixOS declarations in place of NixOS"
                ),
                _ => {
                    let instead = match used {
                        Used::StandIn => "nixplan's stand-in",
                        Used::StandInPackages => "stand-in packages",
                        _ => "empty modules",
                    };
                    format!("{it} is unavailable ({reason}) and --strict-inputs forbids using {instead} for it")
                }
            });
        }
        if let Some(u) = self.log.borrow_mut().get_mut(&path) {
            u.used = used;
            // The reason the evaluation gives, where the log has none.
            if u.reason.is_none() && args.get("reason").and_then(Value::as_str).is_some() {
                u.reason = Some(reason.clone());
            }
        }
        Ok(json!({ "reason": reason }))
    }
}

impl InputHost {
    /// `builtins.fetchTree { type; ...; narHash; }`: the source, found or
    /// fetched and checked; without a narHash nothing is fetched (the
    /// result could not be checked).
    fn fetch_tree(&mut self, args: &Value) -> Result<Value, String> {
        let Some(map) = args.as_object() else {
            return Err("fetchTree: expected an attribute set of a locked reference".into());
        };
        let locked =
            nixplan_flake::Locked::from_json(map).map_err(|m| format!("fetchTree: {m}"))?;
        if locked.nar_hash.is_none()
            && !matches!(locked.kind, nixplan_flake::source::Kind::Path { .. })
        {
            return Err(format!(
                "fetchTree {}: nixplan fetches only sources with a narHash (it checks what it fetched against it); pin it as a flake input, or use --eval nix",
                locked.reference()
            ));
        }
        let label = locked.reference();
        let r = self
            .resolver
            .locked(&locked, &label)
            .map_err(|e| e.to_string())?;
        let mut j = r.to_json();
        match &r.path {
            Some(p) => j["outPath"] = json!(p.display().to_string()),
            // Unavailable (offline, say): its tree is unread, as an
            // unavailable input's is: a file read below it is an `Unread`
            // value, an error where it is used. HM's flake imports its
            // tests (fetching nmt) when flake-utils-plus asks whether its
            // legacyPackages hold `nix`.
            None if !self.strict => {
                // Its key is also its place below UNAVAILABLE: no `//`,
                // which a path would lose.
                let key = label.replace("://", ":");
                self.log.borrow_mut().insert(
                    key.clone(),
                    InputUse {
                        path: label.clone(),
                        reference: Some(label.clone()),
                        nar_hash: locked.nar_hash.map(|h| h.sri()),
                        origin: r.origin.word().to_string(),
                        used: Used::Unavailable,
                        reason: r.reason.clone(),
                        local: None,
                    },
                );
                j["outPath"] = json!(format!("{}{key}", nixplan_eval::UNAVAILABLE));
            }
            None => {
                return Err(format!(
                    "fetchTree {label}: unavailable ({}), and --strict-inputs forbids reading on without it",
                    r.reason.as_deref().unwrap_or("not found")
                ))
            }
        }
        Ok(j)
    }
}

impl InputHost {
    /// `builtins.fetchurl { url; sha256; name; }` (sha256 in hex): the
    /// file, from the store, the cache, or fetched and checked.
    fn fetch_url(&mut self, args: &Value) -> Result<Value, String> {
        let text = |k: &str| args.get(k).and_then(Value::as_str).unwrap_or("");
        let (url, hex, name) = (text("url"), text("sha256"), text("name"));
        // Hex, as the evaluator sends it; parsed as a narHash's hex form.
        let Some(sha) =
            nixplan_flake::NarHash::parse(&format!("sha256:{hex}")).filter(|_| hex.len() == 64)
        else {
            return Err(format!("fetchurl {url}: invalid sha256 '{hex}'"));
        };
        let r = self
            .resolver
            .file(url, &sha.0, name)
            .map_err(|e| format!("fetchurl {e}"))?;
        let path = r.path.as_ref().map(|p| p.display().to_string());
        Ok(json!({ "outPath": path, "origin": r.origin.word() }))
    }
}

impl InputHost {
    /// `builtins.getFlake REF`: the flake's source (a local directory read
    /// in place, or a reference with a narHash: the store, the cache, or
    /// fetched and checked), a resolver for its own lock, and the Nix
    /// function that loads it (`getflake.nix`, with this answer).
    fn get_flake(&mut self, args: &Value) -> Result<Value, String> {
        let reference = args.get("ref").and_then(Value::as_str).unwrap_or("");
        let cwd = std::env::current_dir().unwrap_or_else(|_| "/".into());
        let locked = nixplan_flake::Locked::from_flakeref(reference, &cwd)
            .map_err(|m| format!("getFlake: {m}"))?;
        let r = if let nixplan_flake::source::Kind::Path { path } = &locked.kind {
            if !Path::new(path).is_dir() {
                return Err(format!(
                    "getFlake '{reference}': '{path}' is not a directory"
                ));
            }
            nixplan_flake::Resolved {
                origin: Origin::Path,
                path: Some(path.into()),
                reason: None,
                locked: Some(locked.clone()),
                flake: true,
            }
        } else if locked.nar_hash.is_none() {
            return Err(format!(
                "getFlake '{reference}': nixplan fetches only what it can check: give a locked reference with its narHash (`?narHash=sha256-…`, as `nix flake metadata` shows it), or a local directory"
            ));
        } else {
            self.resolver
                .locked(&locked, reference)
                .map_err(|e| e.to_string())?
        };
        let Some(source) = r.path.clone() else {
            return Err(format!(
                "getFlake '{reference}': unavailable ({})",
                r.reason.as_deref().unwrap_or("not found")
            ));
        };
        let dir = match locked.dir.as_deref() {
            Some(sub) if !sub.is_empty() => source.join(sub),
            _ => source.clone(),
        };
        if !dir.join("flake.nix").is_file() {
            return Err(format!(
                "getFlake '{reference}': '{}' has no flake.nix",
                dir.display()
            ));
        }
        let resolver = self.resolver.for_flake(&dir).map_err(|e| e.to_string())?;
        self.others.push(OtherFlake {
            reference: reference.to_string(),
            labels: lock_labels(&resolver),
            resolver,
        });
        let mut j = r.to_json();
        j["id"] = json!(self.others.len());
        j["outPath"] = json!(source.display().to_string());
        j["flakeDir"] = json!(dir.display().to_string());
        j["loader"] = json!("/nixplan/getflake.nix");
        Ok(j)
    }
}

impl Host for InputHost {
    fn call(&mut self, request: &str, args: Value) -> Result<Value, String> {
        match request {
            "fetchurl" => self.fetch_url(&args),
            "getFlake" => self.get_flake(&args),
            "input" => self.input(&args),
            "degraded" => self.degraded(&args),
            "fetchTree" => self.fetch_tree(&args),
            // flake-compat is loaded by nixplan's own flake loading.
            "flakeCompat" => Ok(json!({ "loader": "/nixplan/flake-compat.nix" })),
            "overrides" => Ok(json!(self.resolver.override_names())),
            "flakeSource" => flake_source_once(&args, self.source_root.as_deref()),
            other => Err(format!("unknown host request '{other}'")),
        }
    }
}

/// Whether nixplan reads the flake in `dir` as the files git tracks of a
/// work tree (else as a directory).
pub fn read_from_git(dir: &Path) -> bool {
    flake_source_once(&json!({ "dir": dir.display().to_string() }), None)
        .is_ok_and(|v| v["git"] == json!(true))
}

/// [`flake_source`], asked once per process for a flake (a hive's plan
/// loads its flake once for the node list and once per node; git is asked
/// once). The files do not change under one command.
fn flake_source_once(args: &Value, given: Option<&Path>) -> Result<Value, String> {
    type Answers = std::collections::HashMap<(String, Option<std::path::PathBuf>), Value>;
    static ANSWERS: std::sync::Mutex<Option<Answers>> = std::sync::Mutex::new(None);
    let key = (args.to_string(), given.map(Path::to_path_buf));
    if let Some(v) = ANSWERS
        .lock()
        .ok()
        .and_then(|m| m.as_ref().and_then(|m| m.get(&key).cloned()))
    {
        return Ok(v);
    }
    let v = flake_source(args, given)?;
    if let Ok(mut m) = ANSWERS.lock() {
        m.get_or_insert_with(Default::default)
            .insert(key, v.clone());
    }
    Ok(v)
}

/// What nix copies to the store of the user's flake in `dir`: in a git
/// work tree (`.git` in `dir` or a directory above it) whose git tracks
/// the flake's flake.nix, the files git tracks of the whole work tree
/// (`root`, its top; the flake is read in `sub` below it; a submodule is
/// an empty directory, as nix copies it without `submodules=1`);
/// otherwise — or when git cannot say (not installed, a repository of
/// another owner) — `dir`, all of it but a `.git` (a `path:` flake).
/// `given`: the root a `path:ROOT?dir=SUB` reference named (all of it).
/// `leftOut`: the absolute paths of the entries not copied (nothing under
/// them is).
fn flake_source(args: &Value, given: Option<&Path>) -> Result<Value, String> {
    let dir = args
        .get("dir")
        .and_then(Value::as_str)
        .ok_or("flakeSource: no dir")?;
    let dir = Path::new(dir);
    // `git`: read as the files git tracks (else as a directory, `path:`).
    let answer = |root: &Path, left_out: Vec<String>, git: bool, mut info: Value| {
        let sub = dir.strip_prefix(root).unwrap_or(Path::new(""));
        let date = info["lastModified"]
            .as_i64()
            .and_then(nixplan_flake::resolve::date);
        info["lastModifiedDate"] = json!(date);
        json!({
            "root": root.display().to_string(),
            "sub": sub.display().to_string(),
            "leftOut": left_out,
            "git": git,
            "info": info,
        })
    };
    // A `path:` flake's `lastModified`, as nix gives it: the newest
    // modification time of what is copied.
    let path_info = |root: &Path, left_out: &[String]| {
        let left: std::collections::HashSet<&str> = left_out.iter().map(String::as_str).collect();
        let mut newest = 0u64;
        let mut todo = vec![root.to_path_buf()];
        while let Some(p) = todo.pop() {
            let Ok(meta) = std::fs::symlink_metadata(&p) else {
                continue;
            };
            if let Ok(t) = meta.modified() {
                let secs = t
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                newest = newest.max(secs);
            }
            if meta.is_dir() {
                for e in std::fs::read_dir(&p).into_iter().flatten().flatten() {
                    let q = e.path();
                    if !left.contains(q.to_string_lossy().as_ref()) {
                        todo.push(q);
                    }
                }
            }
        }
        json!({ "lastModified": newest })
    };
    let own = || {
        let git = dir.join(".git");
        let left_out = if git.exists() {
            vec![git.display().to_string()]
        } else {
            Vec::new()
        };
        let info = path_info(dir, &left_out);
        answer(dir, left_out, false, info)
    };
    if let Some(root) = given.filter(|r| dir.starts_with(r)) {
        return Ok(answer(root, Vec::new(), false, path_info(root, &[])));
    }
    let Some(root) = dir.ancestors().find(|d| d.join(".git").exists()) else {
        return Ok(own());
    };
    // The listing, the commit and its count are asked at once (the work
    // tree's comparison once the flake is known to be git's): four gits
    // one after the other were most of a small flake's plan.
    let listing = git_start(root, &["ls-files", "-z", "--cached", "--stage"]);
    let mut info = GitInfo::start(root);
    let Some(listing) = git_output(listing) else {
        return Ok(own());
    };
    // `MODE SHA STAGE`, a tab, `PATH` each; a submodule's mode is 160000.
    let mut tracked = std::collections::HashSet::new();
    let mut holding = std::collections::HashSet::new();
    for entry in listing.split(|b| *b == 0).filter(|e| !e.is_empty()) {
        let entry = String::from_utf8_lossy(entry);
        let Some((meta, path)) = entry.split_once('\t') else {
            continue;
        };
        let path = root.join(path);
        if meta.starts_with("160000 ") {
            // Walked into, so that all it holds is left out.
            holding.insert(path.clone());
        } else {
            tracked.insert(path.clone());
        }
        let mut p = path.parent();
        while let Some(d) = p {
            if d == root || !holding.insert(d.to_path_buf()) {
                break;
            }
            p = d.parent();
        }
    }
    // A flake git does not track (new, or in an ignored directory) is read
    // as a `path:` flake: nix would not find its flake.nix in the copy.
    if !tracked.contains(&dir.join("flake.nix")) {
        return Ok(own());
    }
    info.compare(root);
    let mut left_out = Vec::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if tracked.contains(&p) {
                continue;
            }
            if holding.contains(&p) {
                todo.push(p);
            } else {
                left_out.push(p.display().to_string());
            }
        }
    }
    left_out.sort();
    Ok(answer(root, left_out, true, info.finish()))
}

/// `git -C ROOT ARGS…` started, its output read by [`git_output`].
fn git_start(root: &Path, args: &[&str]) -> Option<std::process::Child> {
    std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()
}

/// What a started git printed, if it started and succeeded.
fn git_output(child: Option<std::process::Child>) -> Option<Vec<u8>> {
    child?
        .wait_with_output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| o.stdout)
}

/// A git flake's `sourceInfo` beside its `narHash`, as nix gives it: the
/// commit's time (`lastModified`), and where no tracked file differs from
/// the commit, its `rev`, `shortRev` and `revCount`; `submodules = false`.
/// A repository without a commit has `lastModified = 0`. The gits that
/// say it run at once: the commit and its count from the start (they only
/// read: stopped when not wanted), the comparison of the work tree (which
/// may refresh git's index, under its lock) only once the flake is known
/// to be read from git, and never stopped.
struct GitInfo {
    head: Option<std::process::Child>,
    diff: Option<std::process::Child>,
    count: Option<std::process::Child>,
}

impl GitInfo {
    fn start(root: &Path) -> GitInfo {
        GitInfo {
            // The commit and its time at once.
            head: git_start(root, &["log", "-1", "--format=%H %ct", "HEAD"]),
            diff: None,
            count: git_start(root, &["rev-list", "--count", "HEAD"]),
        }
    }

    /// Whether a tracked file differs from the commit, as nix asks it: by
    /// content (a file only touched is not a change; `git diff` looks past
    /// stale stat data), submodules aside.
    fn compare(&mut self, root: &Path) {
        self.diff = git_start(root, &["diff", "HEAD", "--quiet", "--ignore-submodules"]);
    }

    fn finish(mut self) -> Value {
        let text = |c| git_output(c).map(|o| String::from_utf8_lossy(&o).trim().to_string());
        let head = text(self.head.take());
        let clean = git_output(self.diff.take()).is_some();
        if !clean {
            // Not wanted: stopped (the drop).
            return json!({ "lastModified": head_time(head.as_deref()), "submodules": false });
        }
        let count = text(self.count.take());
        let Some(head) = head else {
            return json!({ "lastModified": 0, "submodules": false });
        };
        let (rev, _) = head.split_once(' ').unwrap_or((head.as_str(), "0"));
        let count: u64 = count.and_then(|t| t.parse().ok()).unwrap_or(0);
        json!({
            "lastModified": head_time(Some(&head)),
            "rev": rev,
            "shortRev": rev.get(..7).unwrap_or(rev),
            "revCount": count,
            "submodules": false,
        })
    }
}

/// The commit's time from `HASH TIME` (0 without a commit).
fn head_time(head: Option<&str>) -> u64 {
    head.and_then(|h| h.split_once(' '))
        .and_then(|(_, t)| t.parse().ok())
        .unwrap_or(0)
}

/// The gits not waited for: those that only read are stopped, the
/// comparison is waited for (stopped, it could leave git's index locked).
impl Drop for GitInfo {
    fn drop(&mut self) {
        for mut child in [self.head.take(), self.count.take()].into_iter().flatten() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some(mut child) = self.diff.take() {
            let _ = child.wait();
        }
    }
}

/// The warnings a reviewer must see: each input that was not itself.
pub fn warnings(uses: &[InputUse]) -> Vec<String> {
    uses.iter()
        .filter(|u| u.used != Used::Real)
        .map(|u| {
            let why = u.reason.as_deref().unwrap_or("unavailable");
            let it = u.noun();
            match u.used {
                Used::StandIn => format!(
                    "{it} is unavailable ({why}): nixplan's stand-in was evaluated in its place, so what the plan shows of it is nixplan's reading, not the input's"
                ),
                Used::EmptyModules => format!(
                    "{it} is unavailable ({why}): the modules taken from it were empty, and the options they would declare were accepted unchecked"
                ),
                Used::LibOnly => format!(
                    "{it} is only nixpkgs' lib (no nixos/): its real lib evaluated nixplan's own NixOS declarations, with stand-in packages"
                ),
                Used::StandInPackages => format!(
                    "{it} is unavailable ({why}): its packages were opaque stand-ins and its overlays changed nothing, so what the plan shows of them is nixplan's reading"
                ),
                _ => format!("{it} is unavailable ({why})"),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(dir: &Path, cmd: &str) {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(cmd)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{cmd}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn source(dir: &Path, given: Option<&Path>) -> (String, String, Vec<String>) {
        let a = flake_source(&json!({ "dir": dir.display().to_string() }), given).unwrap();
        let s = |k: &str| a[k].as_str().unwrap().to_string();
        let left = a["leftOut"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        (s("root"), s("sub"), left)
    }

    /// What of a flake nix copies: a git work tree's tracked files (a
    /// submodule empty), else the flake's directory; an untracked
    /// flake.nix or a given root read as `path:`.
    #[test]
    fn the_flake_source_is_what_nix_copies() {
        let tmp = tempfile::tempdir().unwrap();
        let top = tmp.path().canonicalize().unwrap();
        let t = |p: &str| {
            if p.is_empty() {
                top.display().to_string()
            } else {
                top.join(p).display().to_string()
            }
        };
        std::fs::create_dir_all(top.join("sub")).unwrap();
        std::fs::create_dir_all(top.join("secrets")).unwrap();
        std::fs::create_dir_all(top.join("new")).unwrap();
        for f in [
            "sub/flake.nix",
            "common.nix",
            "untracked.nix",
            "secrets/key",
            "new/flake.nix",
        ] {
            std::fs::write(top.join(f), "{ }\n").unwrap();
        }
        // Not (yet) a git work tree: the directory, all of it.
        assert_eq!(
            source(&top.join("sub"), None),
            (t("sub"), String::new(), vec![])
        );
        sh(&top, "git init -q . && git add sub/flake.nix common.nix && git update-index --add --cacheinfo 160000,1111111111111111111111111111111111111111,secrets");
        let (root, sub, left) = source(&top.join("sub"), None);
        assert_eq!((root, sub), (t(""), "sub".to_string()));
        assert_eq!(
            left,
            vec![t(".git"), t("new"), t("secrets/key"), t("untracked.nix")]
        );
        // Untracked: as `path:`.
        assert_eq!(
            source(&top.join("new"), None),
            (t("new"), String::new(), vec![])
        );
        // `path:ROOT?dir=sub`: all of ROOT.
        assert_eq!(
            source(&top.join("sub"), Some(&top)),
            (t(""), "sub".to_string(), vec![])
        );
    }
}
