//! The lazy evaluator. Expressions are evaluated from the lowered arena;
//! every value that is not needed yet is a [`Thunk`]. A thunk being forced is
//! blackholed, so a value that depends on itself is an "infinite recursion"
//! error. Recursion depth is bounded and the native stack grows on demand,
//! so no input overflows the stack.

mod builtins;
mod call;
mod coerce;
mod error;
mod expr;
pub mod fs;
mod import;
pub mod lints;
mod ops;
pub mod print;
mod profile;
mod select;
pub mod store;
mod value;

pub use import::UNAVAILABLE;
pub use select::{closest, Probe};

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::rc::Rc;

pub use error::{ErrorKind, EvalDiagnostic, EvalError, EvalResult, TraceFrame};
pub use value::{
    Attr, AttrMap, AttrSlice, Attrs, Callee, CalleeFn, Closure, Context, Counted, Env, NixString,
    Opaque, OpaqueKind, Pos, PrimOp, PrimOpApp, PrimOpArgs, Thunk, ThunkState, Value,
};

use crate::fs::FileSystem;
use nixplan_syntax::lower::{
    self, Arena, AttrName, AttrsDef, BinOp, Expr, ExprId, Param, StrPart, Var,
};
pub use nixplan_syntax::Str;
use nixplan_syntax::{self as syntax, FileId, ParseDiagnostics, SourceMap, Span, Text};

/// Evaluation settings that Nix takes from its configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    pub store_dir: String,
    pub current_system: String,
    /// `$HOME`, for `~/` paths; `None` makes them an error.
    pub home: Option<String>,
    /// `-I name=path` / `NIX_PATH` entries, for `<name>` paths.
    pub nix_path: Vec<(String, String)>,
    /// Maximum nesting of evaluation (function calls, forced thunks).
    pub max_depth: usize,
    /// Nix's `max-call-depth`: here, the deepest a value may nest when it
    /// is converted to JSON (`toJSON`, `__structuredAttrs`), as nix bounds
    /// it (10000).
    pub max_call_depth: usize,
    /// The most memory evaluation may use, in bytes: a list or string that
    /// would go past it is an evaluation error before it is allocated, and
    /// evaluation stops with an error once past it.
    pub max_memory: usize,
    /// How much memory the process uses now (the binary asks its
    /// allocator); asked every 4096 evaluation steps. Without it only
    /// single lists and strings are checked.
    pub memory_in_use: Option<fn() -> usize>,
    /// What `builtins.getEnv` sees (empty in pure evaluation).
    pub env: HashMap<String, String>,
    /// Files under this directory are named relative to it in diagnostics.
    pub display_root: Option<String>,
    /// `builtins.warn` ends evaluation with an error (nix's
    /// `abort-on-warn` option).
    pub abort_on_warn: bool,
    /// Nix's literal lints (`lint-url-literals`,
    /// `lint-absolute-path-literals`, `lint-short-path-literals`).
    pub literal_lints: lints::LiteralLints,
    /// Experimental features turned on (`parse-toml-timestamps`...).
    pub experimental_features: BTreeSet<String>,
    /// Where lowered files are kept between runs (`lower::frozen`), if
    /// anywhere: a file read before with the same text and context is
    /// not parsed again.
    pub parse_cache: Option<PathBuf>,
    /// Count calls by function (`profile.rs`; `Eval::profile_report`).
    pub profile: bool,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            store_dir: "/nix/store".into(),
            current_system: "x86_64-linux".into(),
            home: None,
            nix_path: Vec::new(),
            max_depth: 200_000,
            max_call_depth: 10_000,
            max_memory: 4 << 30,
            memory_in_use: None,
            env: HashMap::new(),
            display_root: None,
            abort_on_warn: false,
            literal_lints: lints::LiteralLints::default(),
            experimental_features: BTreeSet::new(),
            parse_cache: None,
            profile: false,
        }
    }
}

/// The largest parse cache entry read (nixpkgs' biggest files make a few
/// MB).
const MAX_ENTRY: u64 = 256 << 20;

/// A parse cache entry's bytes, if it is a file of this process's user
/// that no one else may write: what is read from it is run, so an entry
/// planted by another user is parsed again instead (the directory itself
/// is checked when the cache is chosen: `Settings::parse_cache`). The
/// checksum inside only finds damage; the key inside, an entry moved to
/// another file's name.
fn read_own_entry(entry: &Path) -> Option<Vec<u8>> {
    use std::io::Read;
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    // The checks are of the file opened (not followed through a link, not
    // waiting on a FIFO), so it cannot be swapped between them and the read.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(entry)
        .ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() || meta.uid() != euid() || meta.mode() & 0o022 != 0 || meta.len() > MAX_ENTRY
    {
        return None;
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_ENTRY).read_to_end(&mut bytes).ok()?;
    Some(bytes)
}

fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// `dir` as a parse cache, made if missing (mode 0700): only a directory
/// of this process's user that no one else may write, in a directory of
/// this user or root that no one else may write into (or a sticky one,
/// like /tmp). Anything else (a user's cache under `sudo -E`, a link, a
/// shared directory) gives no cache: what is read from it would be run.
/// The entries go in this build's own directory inside it
/// (`build-FINGERPRINT`, checked the same way), made on its first run,
/// which also prunes (`prune_parse_cache`).
pub fn usable_parse_cache(dir: &Path) -> Option<PathBuf> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    let _ = std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir);
    let own = |p: &Path, sticky_ok: bool, root_ok: bool| {
        std::fs::symlink_metadata(p).is_ok_and(|m| {
            m.is_dir()
                && (m.uid() == euid() || (root_ok && m.uid() == 0))
                && (m.mode() & 0o022 == 0 || (sticky_ok && m.mode() & 0o1000 != 0))
        })
    };
    let parent = dir.parent().unwrap_or(Path::new("/"));
    if !(own(dir, false, false) && own(parent, true, true)) {
        return None;
    }
    // One directory per build of the lowering code: a build's first run
    // removes what builds no longer used have left.
    let build = dir.join(format!("build-{}", lower::LOWERING_FINGERPRINT));
    match std::fs::DirBuilder::new().mode(0o700).create(&build) {
        Ok(()) => prune_parse_cache(dir, &build),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => keep_fresh(&build),
        Err(_) => return None,
    }
    own(&build, false, false).then_some(build)
}

/// How long another build's lowered files are kept after its last run
/// (a build's directory is touched at most once a day, when it runs).
const OTHER_BUILDS_KEPT: std::time::Duration = std::time::Duration::from_secs(14 * 24 * 3600);

/// Mark a build's directory as in use (its time, once a day at most).
fn keep_fresh(build: &Path) {
    let day = std::time::Duration::from_secs(24 * 3600);
    let stale = std::fs::metadata(build)
        .and_then(|m| m.modified())
        .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > day));
    if stale {
        let _ =
            std::fs::File::open(build).and_then(|d| d.set_modified(std::time::SystemTime::now()));
    }
}

/// Remove, from the cache directory `dir`, the directories of other builds
/// not run for `OTHER_BUILDS_KEPT`, and the entries of the layout before
/// build directories (directly in `dir`); only what is this user's and
/// named as nixplan names it (`build-VERSION-16 hex digits` holding only
/// entries, an entry being 64 lower-case hex digits, or a temporary file
/// of an entry being written), checked to the letter: the cache may be any
/// directory of the user's (`NIXPLAN_PARSE_CACHE`). A removal that fails
/// is left for the next build.
fn prune_parse_cache(dir: &Path, keep: &Path) {
    use std::os::unix::fs::MetadataExt;
    let Ok(list) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in list.flatten() {
        let path = entry.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.uid() != euid() || path == keep {
            continue;
        }
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if meta.is_dir() && is_build_dir_name(name) {
            let old = meta
                .modified()
                .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > OTHER_BUILDS_KEPT));
            if old && holds_only_entries(&path) {
                let _ = std::fs::remove_dir_all(&path);
            }
        } else if meta.is_file() && is_entry_name(name) && starts_as_entry(&path) {
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// `build-VERSION-FFFFFFFFFFFFFFFF`, as `usable_parse_cache` names them.
fn is_build_dir_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("build-") else {
        return false;
    };
    let Some((version, hash)) = rest.rsplit_once('-') else {
        return false;
    };
    !version.is_empty()
        && version
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'+' || b == b'-')
        && hash.len() == 16
        && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// An entry's name: a BLAKE3 hash in lower-case hex (`cache_key`).
fn is_entry_name(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Whether the file begins as entries of every format do.
fn starts_as_entry(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; lower::MAGIC_FAMILY.len()];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|()| head == lower::MAGIC_FAMILY)
}

/// Whether a build directory holds only entries and temporary files of
/// entries being written (`.tmp` + letters, `store_atomically`).
fn holds_only_entries(dir: &Path) -> bool {
    let Ok(list) = std::fs::read_dir(dir) else {
        return false;
    };
    list.flatten().all(|e| {
        let name = e.file_name();
        let name = name.to_str().unwrap_or("");
        e.file_type().is_ok_and(|t| t.is_file())
            && (is_entry_name(name)
                || name
                    .strip_prefix(".tmp")
                    .is_some_and(|r| r.bytes().all(|b| b.is_ascii_alphanumeric())))
    })
}

/// Write a parse cache entry whole or not at all (a temporary file in the
/// same directory, renamed over it): a reader sees an old entry, a new
/// one, or none. A cache that cannot be written is only a slower next run.
fn store_atomically(entry: &Path, bytes: &[u8]) {
    use std::io::Write;
    let Some(dir) = entry.parent() else { return };
    let _ = tempfile::NamedTempFile::new_in(dir).and_then(|mut tmp| {
        tmp.write_all(bytes)?;
        tmp.persist(entry).map(drop).map_err(|e| e.error)
    });
}

/// Why a source could not be loaded.
#[derive(Debug)]
pub enum LoadError {
    Syntax(Box<ParseDiagnostics>),
    Eval(Box<EvalError>),
}

/// The evaluator: sources, lowered code, caches and settings of one run.
pub struct Eval {
    pub sources: SourceMap,
    pub arena: Arena,
    pub settings: Settings,
    fs: fs::WithWritten,
    /// The place of each global by name (FxHash: short names; a variable
    /// looks its name up once, `global_sites`).
    globals: rustc_hash::FxHashMap<Str, u32>,
    /// The globals' values, by their place in `globals` (a name keeps its
    /// place when its value is replaced).
    global_values: Vec<Thunk>,
    /// The place of the global each variable expression names, by its
    /// expression id (`u32::MAX`: not looked up yet): a variable names one
    /// global forever, and a place never changes.
    global_sites: Vec<u32>,
    import_cache: HashMap<String, Thunk>,
    depth: usize,
    /// How many `__overrides` are being computed: their set's slots are
    /// replaced afterwards, so selections are not taken early meanwhile.
    overriding: u32,
    /// Where the attribute a selection site last found was in its set,
    /// by the site's expression id plus the name's place in the path
    /// (`AttrMap::get_hinted`): a site mostly selects from the same big
    /// set (`lib.mkOption`, `config.x`). A hint is only a first guess,
    /// checked against the name, so two sites sharing one cost nothing
    /// but the guess.
    select_hints: Vec<u32>,
    /// The one thunk of each literal (a number, string, path, `null`,
    /// `true` or `false` written in a file) whose thunk was asked for, by
    /// its expression id: a place in `literals` (`u32::MAX`: none yet).
    /// A literal's value never changes, so every set, list and argument
    /// that holds it shares one thunk, as nix shares the value it keeps
    /// in the expression (measured: 67K thunks on the module tree, 179K
    /// on all of disko's examples).
    literal_sites: Vec<u32>,
    literals: Vec<Thunk>,
    /// Every attribute's place in this evaluation, by its number (`Pos`,
    /// from 1): a set's entry holds the number, not the span.
    positions: Vec<Span>,
    /// The places made from spans that are no binding's (a formal's, a
    /// place given by `__nixplanSetPositions`), each once.
    span_positions: HashMap<Span, Pos>,
    /// Evaluation steps so far (the memory ceiling is checked every 4096).
    steps: u64,
    /// The memory in use at the last check (`Settings::memory_in_use`).
    memory_seen: usize,
    /// Messages of `builtins.trace` and `builtins.warn`, in order.
    pub messages: Vec<String>,
    /// Every file read (imports, readFile, ...), absolute paths, in order.
    pub files_read: Vec<PathBuf>,
    copied_paths: HashMap<String, String>,
    /// The NAR hash of each directory copied to the (virtual) store, by
    /// store path (`builtins.path`, `filterSource`): a flake's `narHash`.
    nar_hashes: HashMap<String, [u8; 32]>,
    regex_cache: HashMap<String, Rc<regex::Regex>>,
    /// Sets placed lazily (`__nixplanPlaceLazily`), by the address of
    /// their `Attrs`: the set itself (held, so the address is never
    /// another set's) and its names' places, forced when one is asked for
    /// (`Eval::place_of`).
    lazy_places: HashMap<usize, (Attrs, Thunk)>,
    /// Derivations instantiated so far, by `.drv` path.
    pub drvs: store::DrvStore,
    /// What evaluation may ask of the program running it
    /// (`builtins.__nixplanHost`); `None` makes those calls errors.
    pub host: Option<Box<dyn Host>>,
    /// Calls counted and timed by function, when `Settings::profile` asks.
    pub(crate) profile: Option<Box<profile::Profile>>,
}

impl Eval {
    /// The profile of this evaluation by function, if `Settings::profile`
    /// asked for one.
    pub fn profile_report(&self) -> Option<String> {
        let p = self.profile.as_ref()?;
        Some(p.report(80, |id| self.sources.describe(self.arena.span(id))))
    }
}

/// Requests evaluation makes of the program running it: nixplan's Nix asks
/// for a flake input's source this way (`builtins.__nixplanHost "input"
/// { ... }`), when evaluation first reaches the input. Arguments and
/// answers are JSON; an `Err` is an evaluation error with that message.
pub trait Host {
    fn call(&mut self, request: &str, args: serde_json::Value)
        -> Result<serde_json::Value, String>;
}

/// A value from JSON, as `builtins.fromJSON` reads it.
pub fn value_from_json(j: serde_json::Value) -> Value {
    builtins::json_to_value(j)
}

/// Stack space kept free below the current frame before growing the stack.
const RED_ZONE: usize = 512 * 1024;
/// How many levels of evaluation go between two looks at the stack: a
/// level's frames (an evaluation, a call, the builtins between them) take
/// a few kilobytes at most, far less than the red zone over 16 levels.
const STACK_CHECK_EVERY: usize = 16;
/// Size of each new stack segment.
const STACK_SEGMENT: usize = 16 * 1024 * 1024;

pub(crate) fn type_err(msg: impl Into<String>, span: Span) -> Box<EvalError> {
    EvalError::new(ErrorKind::Type, msg, Some(span))
}

impl Eval {
    pub fn new(fs: Box<dyn FileSystem>, settings: Settings) -> Eval {
        let profile = settings.profile.then(Box::default);
        let mut ev = Eval {
            sources: SourceMap::new(),
            arena: Arena::default(),
            settings,
            fs: fs::WithWritten::new(fs),
            globals: rustc_hash::FxHashMap::default(),
            global_values: Vec::new(),
            global_sites: Vec::new(),
            import_cache: HashMap::new(),
            depth: 0,
            overriding: 0,
            select_hints: Vec::new(),
            literal_sites: Vec::new(),
            positions: Vec::new(),
            span_positions: HashMap::new(),
            literals: Vec::new(),
            steps: 0,
            memory_seen: 0,
            messages: Vec::new(),
            files_read: Vec::new(),
            copied_paths: HashMap::new(),
            nar_hashes: HashMap::new(),
            regex_cache: HashMap::new(),
            lazy_places: HashMap::new(),
            drvs: store::DrvStore::default(),
            host: None,
            profile,
        };
        builtins::install(&mut ev);
        ev
    }

    pub fn fs(&self) -> &dyn FileSystem {
        &self.fs
    }

    /// A source copied to the store (`builtins.path`, `"${./dir}"`): reads
    /// under the store path read the source, without what its filter
    /// left out.
    pub(crate) fn record_copy(
        &mut self,
        store_path: &str,
        source: &str,
        left_out: std::collections::HashSet<PathBuf>,
        nar_hash: Option<[u8; 32]>,
    ) {
        self.fs.copied(store_path, Path::new(source), left_out);
        if let Some(h) = nar_hash {
            self.nar_hashes.insert(store_path.to_string(), h);
        }
    }

    /// The NAR hash of a directory this evaluation copied to the store.
    pub(crate) fn nar_hash_of(&self, store_path: &str) -> Option<[u8; 32]> {
        self.nar_hashes.get(store_path).copied()
    }

    pub(crate) fn set_global(&mut self, name: &str, t: Thunk) {
        match self.globals.get(name) {
            Some(&i) => self.global_values[i as usize] = t,
            None => {
                let i = self.global_values.len() as u32;
                self.global_values.push(t);
                self.globals.insert(name.into(), i);
            }
        }
    }

    pub fn global(&self, name: &str) -> Option<Thunk> {
        self.globals
            .get(name)
            .map(|&i| self.global_values[i as usize].clone())
    }

    /// The global that variable expression `e` names (`Var::Global` or
    /// `Var::Builtin`), by its place remembered for the expression.
    #[inline]
    pub(crate) fn global_at(&mut self, e: ExprId) -> Thunk {
        if let Some(t) = self
            .global_sites
            .get(e.0 as usize)
            .and_then(|&i| self.global_values.get(i as usize))
        {
            return t.clone();
        }
        self.global_site(e)
    }

    #[inline(never)]
    fn global_site(&mut self, e: ExprId) -> Thunk {
        let (Expr::Var(Var::Global(name)) | Expr::Var(Var::Builtin(name))) = self.arena.get(e)
        else {
            unreachable!("global_at is asked about global variables only")
        };
        // Lowering made the variable global because the name is one.
        let i = self.globals[name];
        *site_entry(&mut self.global_sites, e.0 as usize, self.arena.len()) = i;
        self.global_values[i as usize].clone()
    }

    /// Parse and lower a text; `path` is the file it came from, if any
    /// (relative paths resolve against its directory, else against `base_dir`).
    pub fn load_source(
        &mut self,
        name: &str,
        path: Option<&Path>,
        text: &str,
        base_dir: &str,
    ) -> Result<(FileId, ExprId), LoadError> {
        self.load_source_scoped(name, path, Text::from(text), base_dir, &[])
    }

    /// [`Eval::load_source`] with names bound around the whole file.
    pub fn load_source_scoped(
        &mut self,
        name: &str,
        path: Option<&Path>,
        text: Text,
        base_dir: &str,
        outer: &[Str],
    ) -> Result<(FileId, ExprId), LoadError> {
        // (A clone holds no copy: the text as read, before its line ends
        // are normalised, is the cache's key.)
        let file = self
            .sources
            .add(name.to_string(), path.map(Path::to_path_buf), text.clone());
        let text = &*text;
        let lints = self.settings.literal_lints;
        // The literal lints read the syntax tree: with any on, every file
        // is parsed.
        let cached = match &self.settings.parse_cache {
            Some(dir) if !lints.any() => {
                let key = lower::cache_key(text, base_dir, self.settings.home.as_deref(), outer);
                let entry = dir.join(&key);
                if let Some(bytes) = read_own_entry(&entry) {
                    let globals = &self.globals;
                    let is_global = |n: &str| globals.contains_key(n);
                    // Spans index the text as registered (line ends
                    // normalised), not as read.
                    let len = self.sources.file(file).text.len();
                    if let Some(id) = self.arena.thaw(&key, bytes, file, len, &is_global) {
                        return Ok((file, id));
                    }
                }
                Some((entry, key))
            }
            _ => None,
        };
        let syntax::Parsed { root, added } =
            syntax::parse(&self.sources, file).map_err(LoadError::Syntax)?;
        if lints.any() {
            for finding in lints::check(&root, file, &added, lints) {
                let message = format!("{} ({})", finding.message, finding.setting);
                if finding.fatal {
                    return Err(LoadError::Eval(EvalError::new(
                        ErrorKind::Parse,
                        message,
                        Some(finding.span),
                    )));
                }
                let at = self.sources.describe(finding.span);
                self.messages
                    .push(format!("warning: {message}\n         at {at}"));
            }
        }
        let globals = &self.globals;
        // The answers are part of the cached lowering (checked on reading).
        let asked: RefCell<BTreeMap<Str, bool>> = RefCell::default();
        let is_global = |n: &str| {
            let yes = globals.contains_key(n);
            asked.borrow_mut().insert(n.into(), yes);
            yes
        };
        let first = ExprId(self.arena.len() as u32);
        let cx = lower::LowerContext {
            file,
            base_dir,
            home: self.settings.home.as_deref(),
            is_global: &is_global,
            outer,
            added: &added,
        };
        let id = lower::lower(&mut self.arena, &cx, &root).map_err(|e| {
            let kind = if e.message.starts_with("undefined variable") {
                ErrorKind::UndefinedVariable
            } else {
                ErrorKind::Parse
            };
            LoadError::Eval(EvalError::new(kind, e.message, Some(e.span)))
        })?;
        if let Some((entry, key)) = cached {
            let asked = asked.into_inner().into_iter().collect();
            if let Some(bytes) = self.arena.freeze(&key, first, id, asked) {
                store_atomically(&entry, &bytes);
            }
        }
        Ok((file, id))
    }

    /// Evaluate a lowered root expression in the global scope.
    pub fn eval_root(&mut self, e: ExprId) -> EvalResult<Value> {
        let env = Env::root();
        self.eval(e, &env)
    }

    // ----- forcing -------------------------------------------------------

    pub fn force(&mut self, t: &Thunk) -> EvalResult<Value> {
        // A computed value is cloned in place (the common case).
        if let Some(v) = t.value() {
            return Ok(v);
        }
        // Else the state is taken out of its Cell (leaving a blackhole,
        // which is what a thunk being computed is) and put back where it
        // stays.
        let state = t.0.replace(ThunkState::Blackhole(None));
        match &state {
            ThunkState::Done(_) => unreachable!("handled above"),
            ThunkState::Blackhole(e) => {
                let span = e.map(|e| self.arena.span(e));
                t.0.set(state);
                return Err(EvalError::new(
                    ErrorKind::InfiniteRecursion,
                    "infinite recursion encountered",
                    span,
                ));
            }
            ThunkState::Pending(e, _) => t.replace_blackhole(ThunkState::Blackhole(Some(*e))),
            ThunkState::Native(_)
            | ThunkState::Apply(..)
            | ThunkState::MapAttr(..)
            | ThunkState::ZipAttr(..) => {}
        }
        let result = match &state {
            ThunkState::Pending(e, env) => self.eval(*e, env),
            ThunkState::Native(f) => f(self),
            ThunkState::Apply(c, a) => self.call_callee(c, a.clone()),
            ThunkState::MapAttr(m, i) => match m.source.map.at(*i as usize) {
                Some((name, attr)) => self.call_named(&m.callee, name, attr.value.clone()),
                None => unreachable!("made for an attribute of the set"),
            },
            ThunkState::ZipAttr(z, i) => match z.entries.get(*i as usize) {
                Some((name, values)) => {
                    let values = Thunk::ready(Value::List(values.clone()));
                    self.call_named(&z.callee, name, values)
                }
                None => unreachable!("made for an entry of the zip"),
            },
            _ => unreachable!("checked above"),
        };
        match result {
            Ok(v) => {
                t.replace_blackhole(ThunkState::Done(v.clone()));
                Ok(v)
            }
            Err(err) => {
                // As in Nix, a failed thunk can be forced again (tryEval).
                t.0.set(state);
                Err(err)
            }
        }
    }

    /// The function of `c` called on `a`, forcing it first where it is not
    /// computed yet.
    fn call_callee(&mut self, c: &Callee, a: Thunk) -> EvalResult<Value> {
        match &c.f {
            CalleeFn::Value(f) => self.call(f, a, c.span),
            CalleeFn::Lazy(t) => {
                let f = self.force(t)?;
                self.call(&f, a, c.span)
            }
        }
    }

    /// A thunk for `e` in `env`, without allocating for what is already a value.
    #[inline(always)]
    pub fn thunk(&mut self, e: ExprId, env: &Env) -> Thunk {
        // The commonest two inline, with no frame of their own: a variable
        // whose slot is filled, and an expression to compute later. The
        // rest (literals, selections, functions...) out of line.
        match self.arena.get(e) {
            Expr::Var(Var::Local { depth, slot }) => {
                if let Some(t) = lookup_env(env, *depth).slot(*slot as usize) {
                    return t;
                }
                self.thunk_rest(e, env)
            }
            Expr::Frozen
            | Expr::Int(_)
            | Expr::Float(_)
            | Expr::Str(_)
            | Expr::Null
            | Expr::Bool(_)
            | Expr::Path(_)
            | Expr::Var(_)
            | Expr::Lambda(_)
            | Expr::Select { .. } => self.thunk_rest(e, env),
            _ => Thunk::pending(e, env.clone()),
        }
    }

    #[inline(never)]
    fn thunk_rest(&mut self, e: ExprId, env: &Env) -> Thunk {
        match self.arena.get(e) {
            Expr::Frozen => {
                self.arena.decode(e);
                self.thunk(e, env)
            }
            Expr::Int(_)
            | Expr::Float(_)
            | Expr::Str(_)
            | Expr::Null
            | Expr::Bool(_)
            | Expr::Path(_) => self.literal(e),
            Expr::Var(Var::Local { depth, slot }) => {
                // Slots of a `rec` set or `let` under construction are not there yet.
                match lookup_env(env, *depth).slot(*slot as usize) {
                    Some(t) => t,
                    None => Thunk::pending(e, env.clone()),
                }
            }
            Expr::Var(Var::Global(_)) => self.global_at(e),
            // A holder of its own, as for a selection.
            Expr::Var(Var::Builtin(_)) => match self.global_at(e).value() {
                Some(v) => Thunk::ready(v),
                None => Thunk::pending(e, env.clone()),
            },
            Expr::Lambda(_) => Thunk::ready(Value::Lambda(Closure {
                env: env.clone(),
                expr: e,
            })),
            // `x.a.b` where `x`, `x.a` and `x.a.b` are computed already:
            // the attribute's own thunk, but for a function, a float or a
            // list of one or two its value in a holder of its own. nix
            // makes a new value for every selection: `==` says two holders
            // that are one are equal (sharing would make `[ x.f ] ==
            // [ x.f ]` true, and a NaN equal to itself), and a short list
            // is printed «repeated» by its holder (`print::container_key`).
            // Any other value is compared and printed by what it is.
            Expr::Select { expr, path, .. } => match self.selected_now(*expr, path, env) {
                Some(t) => match t.value() {
                    Some(v @ (Value::Lambda(_) | Value::PrimOp(_) | Value::Float(_))) => {
                        Thunk::ready(v)
                    }
                    Some(Value::List(l)) if matches!(l.len(), 1 | 2) => {
                        Thunk::ready(Value::List(l))
                    }
                    Some(_) => t,
                    None => Thunk::pending(e, env.clone()),
                },
                None => Thunk::pending(e, env.clone()),
            },
            _ => Thunk::pending(e, env.clone()),
        }
    }

    /// `f name value` for `callee`'s `f` (an attribute of `mapAttrs` or
    /// `zipAttrsWith`, forced): the name's thunk made now.
    fn call_named(&mut self, callee: &Callee, name: &Str, value: Thunk) -> EvalResult<Value> {
        let g = self.call_callee(callee, Thunk::ready(Value::str(name.clone())))?;
        self.call(&g, value, callee.span)
    }

    /// The place of a binding written at `span`, whose number is kept in
    /// the binding (`known`, 0 until its first set is made): a set made
    /// again from the same text gives its entries the same numbers, with
    /// no search. `None` only past 4 billion places.
    #[inline]
    pub(crate) fn binding_pos(&mut self, known: &std::cell::Cell<u32>, span: Span) -> Option<Pos> {
        if let Some(n) = std::num::NonZeroU32::new(known.get()) {
            return Some(Pos(n));
        }
        let pos = self.new_pos(span)?;
        known.set(pos.0.get());
        Some(pos)
    }

    /// A new place, numbered next in `positions`.
    fn new_pos(&mut self, span: Span) -> Option<Pos> {
        let number = u32::try_from(self.positions.len()).ok()?.checked_add(1)?;
        let pos = Pos(std::num::NonZeroU32::new(number)?);
        self.positions.push(span);
        Some(pos)
    }

    /// The place of `span`, where no binding is (`binding_pos`), made once.
    /// (A span that is also a binding's gets a second number here: places
    /// are compared by their spans, `span_of`, not by their numbers.)
    pub fn pos_of_span(&mut self, span: Span) -> Option<Pos> {
        if let Some(p) = self.span_positions.get(&span) {
            return Some(*p);
        }
        let pos = self.new_pos(span)?;
        self.span_positions.insert(span, pos);
        Some(pos)
    }

    /// The span of a place made by this evaluation.
    pub fn span_of(&self, pos: Pos) -> Span {
        self.positions[pos.0.get() as usize - 1]
    }

    /// The thunk of literal `e` (`literal_sites`), made the first time.
    fn literal(&mut self, e: ExprId) -> Thunk {
        let at = site_entry(&mut self.literal_sites, e.0 as usize, self.arena.len());
        if let Some(t) = self.literals.get(*at as usize) {
            return t.clone();
        }
        let v = match self.arena.get(e) {
            Expr::Int(i) => Value::Int(*i),
            Expr::Float(f) => Value::Float(*f),
            Expr::Str(s) => Value::str(s.clone()),
            Expr::Bool(b) => Value::Bool(*b),
            Expr::Path(p) => Value::Path(p.clone()),
            // `null` (`thunk` sends only literals here).
            _ => Value::Null,
        };
        let t = Thunk::ready(v);
        *at = self.literals.len() as u32;
        self.literals.push(t.clone());
        t
    }

    /// Attribute `key` of `a`, for the `i`th name of selection site `e`,
    /// looked up where the site last found it first (`select_hints`).
    #[inline(always)]
    pub(crate) fn get_at_site(
        &mut self,
        a: &Attrs,
        key: &str,
        e: ExprId,
        i: usize,
    ) -> Option<Thunk> {
        if a.map.len() <= AttrSlice::SCANNED {
            return a.map.get(key).map(|attr| attr.value.clone());
        }
        self.get_hinted(a, key, e.0 as usize + i)
    }

    #[inline(never)]
    fn get_hinted(&mut self, a: &Attrs, key: &str, at: usize) -> Option<Thunk> {
        let hint = site_entry(&mut self.select_hints, at, self.arena.len());
        a.map.get_hinted(key, hint).map(|attr| attr.value.clone())
    }

    /// The thunk `base.path` selects, if it can be had without forcing
    /// anything: `base` a variable whose value is a set already, each
    /// name static and present (an absent one may be synthesised by an
    /// opaque stand-in, or fall to `or`: left to evaluation).
    fn selected_now(&self, base: ExprId, path: &[AttrName], env: &Env) -> Option<Thunk> {
        if self.overriding > 0 {
            return None;
        }
        let mut t = match self.arena.get(base) {
            Expr::Var(Var::Local { depth, slot }) => {
                lookup_env(env, *depth).slot(*slot as usize)?
            }
            Expr::Var(Var::Global(g) | Var::Builtin(g)) => self.global(g)?,
            _ => return None,
        };
        for name in path {
            let AttrName::Static(name) = name else {
                return None;
            };
            t = t.attr_now(name)?;
        }
        Some(t)
    }

    #[inline]
    /// One level deeper into a value (comparing, forcing deeply, printing):
    /// bounded as evaluation depth is, on a stack that grows on demand, so
    /// an infinite or cyclic value ends in an error, not a crash.
    pub(crate) fn nested<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> EvalResult<T>,
    ) -> EvalResult<T> {
        self.depth += 1;
        if self.depth > self.settings.max_depth {
            self.depth -= 1;
            return Err(EvalError::new(
                ErrorKind::Depth,
                format!(
                    "a value is nested more than {} levels deep (is it infinite, or cyclic?)",
                    self.settings.max_depth
                ),
                None,
            ));
        }
        let r = stacker::maybe_grow(256 * 1024, 8 * 1024 * 1024, || f(self));
        self.depth -= 1;
        r
    }

    /// Refuses what would take more than [`Settings::max_memory`]: `count`
    /// items of about `each` bytes (a list's elements, a string's bytes).
    pub(crate) fn check_size(
        &self,
        what: &str,
        count: usize,
        each: usize,
        span: Span,
    ) -> EvalResult<()> {
        // As of the last check (every 4096 steps): asking is a system call.
        let in_use = self.memory_seen;
        match count.checked_mul(each).and_then(|b| b.checked_add(in_use)) {
            Some(bytes) if bytes <= self.settings.max_memory => Ok(()),
            _ => Err(EvalError::new(
                ErrorKind::Other,
                format!(
                    "{what} of {count} would take more than the memory limit ({} MiB; --max-memory)",
                    self.settings.max_memory >> 20
                ),
                Some(span),
            )),
        }
    }

    /// Refuses a string of `len` bytes: one longer than nixplan keeps
    /// (its length is 32 bits: [`MAX_TEXT`]), or one past the memory
    /// ceiling. Asked by everything that makes a string of a length the
    /// program chooses (concatenation, interpolation, `replaceStrings`,
    /// `concatStringsSep`, `toString` of a list, `toJSON`, `toXML`,
    /// `readFile`, an imported file), before or while it grows.
    pub(crate) fn check_text(&self, len: usize, span: Span) -> EvalResult<()> {
        if len > MAX_TEXT {
            return Err(EvalError::new(
                ErrorKind::Other,
                format!(
                    "a string of {len} bytes is longer than nixplan can hold (4 GiB less one byte)"
                ),
                Some(span),
            ));
        }
        self.check_size("a string", len, 1, span)
    }

    fn enter(&mut self, span: impl FnOnce(&Self) -> Span) -> EvalResult<()> {
        self.steps = self.steps.wrapping_add(1);
        if self.steps.is_multiple_of(4096) {
            if let Some(in_use) = self.settings.memory_in_use.map(|f| f()) {
                self.memory_seen = in_use;
                if in_use > self.settings.max_memory {
                    return Err(EvalError::new(
                        ErrorKind::Other,
                        format!(
                            "evaluation uses more than the memory limit ({} MiB; --max-memory)",
                            self.settings.max_memory >> 20
                        ),
                        Some(span(self)),
                    ));
                }
            }
        }
        self.depth += 1;
        if self.depth > self.settings.max_depth {
            let span = span(self);
            self.depth -= 1;
            return Err(EvalError::new(
                ErrorKind::Depth,
                format!(
                    "evaluation is nested more than {} levels deep (runaway recursion?)",
                    self.settings.max_depth
                ),
                Some(span),
            ));
        }
        Ok(())
    }
}

/// The longest string nixplan keeps: [`Str`] holds its length in 32
/// bits (nix has no such limit; [`Eval::check_text`] refuses a longer
/// one with an error).
pub(crate) const MAX_TEXT: usize = u32::MAX as usize;

#[inline]
/// Entry `at` of a table kept by expression id (`global_sites`,
/// `select_hints`), the table grown to the arena's size first if it is
/// shorter (new entries `u32::MAX`: nothing known).
fn site_entry(table: &mut Vec<u32>, at: usize, arena_len: usize) -> &mut u32 {
    if at >= table.len() {
        table.resize(arena_len.max(at + 1), u32::MAX);
    }
    &mut table[at]
}

pub(crate) fn lookup_env(env: &Env, depth: u32) -> &Env {
    let mut e = env;
    for _ in 0..depth {
        e = e.parent().expect("lowering computed a valid depth");
    }
    e
}

pub(crate) fn as_f64(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        _ => f64::NAN,
    }
}

/// The string an expression evaluates to, in a fresh evaluation (for the
/// builtins' property tests).
#[cfg(test)]
pub(crate) fn string_of(src: &str) -> String {
    let mut ev = Eval::new(Box::new(fs::OsFileSystem), Settings::default());
    let (_, root) = ev
        .load_source("t.nix", None, src, "/")
        .expect("the source loads");
    match ev.eval_root(root).expect("it evaluates") {
        Value::String(s) => s.s.to_string(),
        _ => panic!("not a string: {src}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A string longer than `Str` can hold (its length is 32 bits) is
    /// refused with an error however high the memory ceiling is; one of
    /// the longest length it holds is not (the ceiling allowing it).
    #[test]
    fn a_string_of_4_gib_is_refused_with_an_error() {
        let settings = Settings {
            max_memory: usize::MAX,
            ..Settings::default()
        };
        let ev = Eval::new(Box::new(fs::OsFileSystem), settings);
        let span = Span {
            file: nixplan_syntax::FileId(0),
            start: 0,
            end: 0,
        };
        let err = ev.check_text(MAX_TEXT + 1, span).unwrap_err();
        assert!(
            err.message
                .contains("a string of 4294967296 bytes is longer than nixplan can hold"),
            "{}",
            err.message
        );
        assert!(ev.check_text(MAX_TEXT, span).is_ok());
        assert_eq!(MAX_TEXT, u32::MAX as usize);
    }

    /// A call that fails (a required argument missing) leaves nothing
    /// holding what it was given: no environment is left holding itself
    /// through a default's thunk.
    #[test]
    fn a_failed_call_lets_its_argument_go() {
        let mut ev = Eval::new(Box::new(fs::OsFileSystem), Settings::default());
        let x = Thunk::ready(Value::Int(1));
        // `src` called with `{ x = 1; }` and `extra`: the error it fails with.
        let mut fail = |src: &str, extra: &[&str]| {
            let (file, root) = ev
                .load_source("t.nix", None, src, "/")
                .expect("the source loads");
            let f = ev.eval_root(root).expect("a function");
            let mut arg = AttrMap::new();
            arg.insert("x", x.clone());
            for name in extra {
                arg.insert(*name, Thunk::ready(Value::Null));
            }
            let span = Span {
                file,
                start: 0,
                end: 1,
            };
            let err = ev.call(&f, Thunk::ready(Value::attrs(arg)), span);
            err.expect_err("the call fails").message
        };
        let missing = fail("{ x, y ? x, z }: x", &[]);
        assert!(
            missing.contains("without required argument 'z'"),
            "{missing}"
        );
        // Held here only: the set went with the call.
        assert_eq!(value::Counted::count(&x.0), 1);
        let unexpected = fail("{ x, y ? x }: x", &["w"]);
        assert!(
            unexpected.contains("unexpected argument 'w'"),
            "{unexpected}"
        );
        assert_eq!(value::Counted::count(&x.0), 1);
    }

    /// An attribute's place is a number kept in its binding: every set made
    /// from the same text holds the same number, which names the binding's
    /// span; a place given to no binding (`functionArgs`' formals) is made
    /// once however often it is asked for.
    #[test]
    fn a_binding_has_one_place() {
        let mut ev = Eval::new(Box::new(fs::OsFileSystem), Settings::default());
        let src = "let f = x: { a = x;\n  b = 2; }; g = { y }: y; in [ (f 1) (f 2) (builtins.functionArgs g) (builtins.functionArgs g) ]";
        let (file, root) = ev
            .load_source("t.nix", None, src, "/")
            .expect("the source loads");
        let Ok(Value::List(sets)) = ev.eval_root(root) else {
            panic!("a list")
        };
        let mut places = Vec::new();
        for t in sets.iter() {
            let Ok(Value::Attrs(set)) = ev.force(t) else {
                panic!("a list of sets")
            };
            let pos: Vec<Pos> = set
                .map
                .iter()
                .map(|(_, a)| a.pos.expect("placed"))
                .collect();
            places.push(pos);
        }
        assert_eq!(places[0], places[1]);
        assert_ne!(places[0][0], places[0][1]);
        assert_eq!(places[2], places[3]);
        assert_eq!(ev.positions.len(), 3);
        let b = ev.span_of(places[1][1]);
        assert_eq!(b.file, file);
        assert_eq!(&src[b.start as usize..b.end as usize], "b = 2;");
        let y = ev.span_of(places[3][0]);
        assert_eq!(&src[y.start as usize..y.end as usize], "y");
    }

    /// A literal's thunk is made once and shared by everything that holds
    /// it: the lists two calls of one function make hold the same thunks.
    #[test]
    fn a_literal_has_one_thunk() {
        let mut ev = Eval::new(Box::new(fs::OsFileSystem), Settings::default());
        let src = r#"let f = x: [ "s" 1 2.5 null true /p x ]; in [ (f 1) (f 2) ]"#;
        let (_, root) = ev
            .load_source("t.nix", None, src, "/")
            .expect("the source loads");
        let lists = |ev: &mut Eval, v: Value| -> Vec<Rc<[Thunk]>> {
            let Value::List(outer) = v else {
                panic!("a list")
            };
            outer
                .iter()
                .map(|t| match ev.force(t) {
                    Ok(Value::List(l)) => l,
                    _ => panic!("a list of lists"),
                })
                .collect()
        };
        let v = ev.eval_root(root).expect("it evaluates");
        let l = lists(&mut ev, v);
        assert_eq!(l[0].len(), 7);
        for (i, (a, b)) in l[0].iter().zip(l[1].iter()).take(6).enumerate() {
            assert!(a.ptr_eq(b), "literal {i} is shared");
        }
        // The argument is not a literal of the function: two thunks.
        assert!(!l[0][6].ptr_eq(&l[1][6]));
        let values: Vec<String> = l[1]
            .iter()
            .map(|t| match ev.force(t) {
                Ok(v) => v.type_phrase().to_string(),
                Err(_) => panic!("each element evaluates"),
            })
            .collect();
        assert_eq!(
            values,
            [
                "a string",
                "an integer",
                "a float",
                "null",
                "a Boolean",
                "a path",
                "an integer"
            ]
        );
    }
}
