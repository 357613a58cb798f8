//! `nixplan eval`: strict evaluation printed as nix-instantiate prints it.

use std::io::Write;
use std::process::ExitCode;

use nixplan_eval::fs::OsFileSystem;
use nixplan_eval::{Attrs, Env, Eval, Settings, Thunk, Value};
use nixplan_eval::{EvalError, LoadError};
use nixplan_nixos::embedded::WithEmbedded;

use crate::cli::EvalArgs;

/// Where lowered files are kept between runs: `lowered/` beside the
/// source cache (`$XDG_CACHE_HOME/nixplan`, else `~/.cache/nixplan`);
/// `NIXPLAN_PARSE_CACHE=off` turns it off, another value is the directory
/// to use; only a directory of this user's that no one else can write is
/// used (see `usable_parse_cache`). A `$HOME` that is not a directory (a build user's
/// `/homeless-shelter`, `/nonexistent`) gets no cache: nothing is created
/// there.
pub fn parse_cache_dir() -> Option<std::path::PathBuf> {
    let dir: std::path::PathBuf = match std::env::var_os("NIXPLAN_PARSE_CACHE") {
        Some(v) if v == "off" => return None,
        Some(v) if !v.is_empty() => v.into(),
        _ => {
            let xdg = std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty());
            let home_is_dir = std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .is_some_and(|h| std::path::Path::new(&h).is_dir());
            if xdg.is_none() && !home_is_dir {
                return None;
            }
            nixplan_flake::cache::Cache::default_root()?.join("lowered")
        }
    };
    nixplan_eval::usable_parse_cache(&dir)
}

/// The end of an evaluator: its profile written if one was asked for
/// (`NIXPLAN_EVAL_PROFILE=FILE`: the first evaluation of the process
/// replaces the file, later ones (a hive's nodes, a second pass for keys)
/// are appended), or held for the process that asked ([`hold_profiles`]),
/// then left to the OS. Values may nest deeper than a recursive drop can
/// go, and the process ends soon anyway.
pub fn finish(ev: Eval) {
    if let Some(report) = ev.profile_report() {
        match HELD_PROFILES.lock() {
            Ok(mut held) if held.is_some() => held.get_or_insert_with(Vec::new).push(report),
            _ => write_profile(&report),
        }
    }
    std::mem::forget(ev);
}

/// Profiles held back instead of written (`Some`): in a process that
/// evaluates a hive's node for its parent, which writes them in the
/// nodes' order.
static HELD_PROFILES: std::sync::Mutex<Option<Vec<String>>> = std::sync::Mutex::new(None);

/// From now on, the profiles of evaluations that finish are held back.
pub fn hold_profiles() {
    if let Ok(mut held) = HELD_PROFILES.lock() {
        held.get_or_insert_with(Vec::new);
    }
}

/// The profiles held back so far (`hold_profiles`), taken.
pub fn held_profiles() -> Vec<String> {
    HELD_PROFILES
        .lock()
        .ok()
        .and_then(|mut held| held.as_mut().map(std::mem::take))
        .unwrap_or_default()
}

/// Writes an evaluation's profile to `NIXPLAN_EVAL_PROFILE`'s file, if it
/// is set: the first of the process replaces the file, the next are
/// appended.
pub fn write_profile(report: &str) {
    use std::io::Write;
    static WRITTEN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    let Some(path) = std::env::var_os("NIXPLAN_EVAL_PROFILE") else {
        return;
    };
    let again = WRITTEN.swap(true, std::sync::atomic::Ordering::SeqCst);
    // Asked for by hand: a file that cannot be written loses only the
    // profile.
    let _ = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(again)
        .truncate(!again)
        .open(path)
        .and_then(|mut f| f.write_all(report.as_bytes()));
}

pub fn settings_from_env(include: &[String], max_depth: usize) -> Settings {
    let mut s = Settings {
        home: std::env::var("HOME").ok(),
        max_depth,
        memory_in_use: Some(crate::memory_in_use),
        ..Settings::default()
    };
    s.env = std::env::vars().collect();
    s.parse_cache = parse_cache_dir();
    s.profile = std::env::var_os("NIXPLAN_EVAL_PROFILE").is_some();
    s.display_root = std::env::current_dir()
        .ok()
        .map(|d| d.display().to_string());
    let mut entries: Vec<String> = include.to_vec();
    if let Ok(np) = std::env::var("NIX_PATH") {
        entries.extend(np.split(':').filter(|e| !e.is_empty()).map(String::from));
    }
    // `<nixplan/lib.nix>` (nixplan's own lib and module system) is found
    // after the search path's entries, as nix finds `<nix/...>`.
    // Relative entries are relative to the working directory, as in Nix.
    let absolute = |p: &str| -> String {
        if p.starts_with('/') || p.contains("://") {
            p.to_string()
        } else {
            std::env::current_dir()
                .map(|d| d.join(p).display().to_string())
                .unwrap_or_else(|_| p.to_string())
        }
    };
    for e in entries {
        match e.split_once('=') {
            Some((k, v)) => s.nix_path.push((k.to_string(), absolute(v))),
            None => s.nix_path.push((String::new(), absolute(&e))),
        }
    }
    s
}

pub fn report_eval(ev: &Eval, e: &EvalError) {
    // Plain (for tools): the message exactly as it was made, as nix shows
    // a `throw`'s text, paths absolute. Drawn for a person: paths under
    // the working directory shortened, as the labels are.
    let mut e = e.clone();
    if let (false, Some(root)) = (crate::report::is_plain(), &ev.settings.display_root) {
        e.message = e
            .message
            .replace(&format!("{}/", root.trim_end_matches('/')), "");
    }
    let report = miette::Report::new(e.to_diagnostic(&ev.sources));
    crate::say!("{report:?}");
}

fn flush_messages(ev: &mut Eval) {
    for m in ev.messages.drain(..) {
        eprintln!("{m}");
    }
}

/// `--arg NAME EXPR` and `--argstr NAME STRING`: each EXPR parsed now
/// (relative paths against the working directory) and evaluated when used.
fn auto_args(ev: &mut Eval, args: &EvalArgs, cwd: &str) -> Result<Attrs, ExitCode> {
    let mut out = nixplan_eval::AttrMap::new();
    for pair in args.arg.chunks(2) {
        let (name, expr) = (&pair[0], &pair[1]);
        match ev.load_source(&format!("(--arg {name})"), None, expr, cwd) {
            Ok((_, e)) => out.insert(name.as_str(), Thunk::pending(e, Env::root())),
            Err(LoadError::Syntax(d)) => {
                eprintln!("{:?}", miette::Report::new(*d));
                return Err(ExitCode::from(1));
            }
            Err(LoadError::Eval(e)) => {
                report_eval(ev, &e);
                return Err(ExitCode::from(1));
            }
        }
    }
    for pair in args.argstr.chunks(2) {
        out.insert_value(pair[0].as_str(), Value::str(pair[1].as_str()));
    }
    Ok(Attrs::of(out))
}

pub fn run(args: EvalArgs) -> ExitCode {
    let mut settings = settings_from_env(&args.include, args.max_depth);
    settings.max_memory = args.max_memory.saturating_mul(1 << 20);
    settings.max_call_depth = args.max_call_depth;
    for pair in args.option.chunks(2) {
        match (pair[0].as_str(), pair.get(1).map(String::as_str)) {
            ("abort-on-warn", Some("true")) => settings.abort_on_warn = true,
            ("abort-on-warn", Some("false")) => settings.abort_on_warn = false,
            (name, value) => {
                eprintln!(
                    "error: unsupported setting --option {name} {}: nixplan eval knows abort-on-warn (true/false)",
                    value.unwrap_or("")
                );
                return ExitCode::from(1);
            }
        }
    }
    settings.literal_lints = nixplan_eval::lints::LiteralLints {
        url: args.lint_url_literals.unwrap_or_default(),
        absolute_path: args.lint_absolute_path_literals.unwrap_or_default(),
        short_path: args.lint_short_path_literals.unwrap_or_default(),
    };
    settings.experimental_features = args
        .extra_experimental_features
        .iter()
        .flat_map(|f| f.split_whitespace())
        .map(String::from)
        .collect();
    let mut ev = Eval::new(Box::new(WithEmbedded(OsFileSystem)), settings);
    // `fetchTarball` and `fetchTree` with a hash: nixplan's fetcher and
    // cache, as for flake inputs (no flake here: no lock, no overrides).
    let offline = args.offline || std::env::var("NIXPLAN_OFFLINE").is_ok_and(|v| v == "1");
    let mut options = nixplan_flake::Options::new(Vec::new(), offline);
    options.progress = std::io::IsTerminal::is_terminal(&std::io::stderr());
    match nixplan_flake::Resolver::new(std::path::Path::new("/nonexistent/nixplan-eval"), options) {
        Ok(resolver) => {
            ev.host = Some(Box::new(nixplan_nixos::inputs::InputHost::new(
                resolver, false,
            )));
        }
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    }
    let cwd = std::env::current_dir()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "/".into());
    let loaded = match (&args.expr, &args.file) {
        (Some(expr), _) => ev.load_source("«string»", None, expr, &cwd),
        (None, Some(file)) => {
            let abs = if file.is_absolute() {
                file.clone()
            } else {
                std::path::Path::new(&cwd).join(file)
            };
            let abs = if abs.is_dir() {
                abs.join("default.nix")
            } else {
                abs
            };
            let text = match std::fs::read_to_string(&abs) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("error: cannot read '{}': {e}", file.display());
                    return ExitCode::from(1);
                }
            };
            let base = abs
                .parent()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "/".into());
            ev.files_read.push(abs.clone());
            ev.load_source(&file.display().to_string(), Some(&abs), &text, &base)
        }
        (None, None) => unreachable!("clap requires one"),
    };
    let root = match loaded {
        Ok(_) if args.parse => {
            flush_messages(&mut ev);
            return ExitCode::SUCCESS;
        }
        Ok((_, root)) => root,
        Err(LoadError::Syntax(d)) => {
            eprintln!("{:?}", miette::Report::new(*d));
            return ExitCode::from(1);
        }
        Err(LoadError::Eval(e)) => {
            report_eval(&ev, &e);
            return ExitCode::from(1);
        }
    };
    let span = ev.arena.span(root);
    let auto_args = match auto_args(&mut ev, &args, &cwd) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let result = (|| {
        let mut v = ev.eval_root(root)?;
        if let Some(path) = &args.attr {
            v = ev.select_path_with(&v, path, &auto_args, span)?;
        }
        // As nix-instantiate: the result is called only when arguments
        // were given.
        if !auto_args.is_empty() {
            v = ev.auto_call(&v, &auto_args, span)?;
        }
        ev.deep_force(&v, span)?;
        let mut ctx = std::collections::BTreeSet::new();
        if args.json {
            ev.print_json(&v, span, &mut ctx)
        } else if args.xml {
            ev.print_xml(&v, !args.no_location, span, &mut ctx)
                .map(|x| x.trim_end().to_string())
        } else {
            ev.print_nix(&v, span)
        }
    })();
    flush_messages(&mut ev);
    let code = match result {
        Ok(text) => {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            report_eval(&ev, &e);
            ExitCode::from(1)
        }
    };
    // Values may nest deeper than a recursive drop can go, and the process
    // ends here anyway: let the OS reclaim the evaluator.
    crate::eval_cmd::finish(ev);
    code
}
