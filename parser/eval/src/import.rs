//! `import` and `scopedImport`: reading, parsing and lowering a file once,
//! and how files are named in diagnostics.

use crate::*;

/// Where nixplan's Nix puts an unavailable input's source: `UNAVAILABLE/LABEL`.
pub const UNAVAILABLE: &str = "/nixplan/unavailable/";

impl Eval {
    /// Whether `path` is a directory, through symbolic links (as nix
    /// resolves an imported path: `import ./lib` where `lib` links to a
    /// directory imports its default.nix).
    fn is_dir_following_links(&self, path: &Path) -> bool {
        let mut p = path.to_path_buf();
        for _ in 0..40 {
            match self.fs.file_type(&p) {
                Ok(crate::fs::FileType::Directory) => return true,
                Ok(crate::fs::FileType::Symlink) => match self.fs.read_link(&p) {
                    Ok(target) => {
                        p = match p.parent() {
                            Some(parent) => parent.join(target),
                            None => target,
                        }
                    }
                    Err(_) => return false,
                },
                _ => return false,
            }
        }
        false
    }

    /// `scopedImport scope path`: the file sees `scope`'s attributes as
    /// variables (before builtins). Not cached, as in Nix.
    pub fn import_scoped(&mut self, path: &str, scope: &Attrs, span: Span) -> EvalResult<Value> {
        if let Some(v) = self.import_unavailable(path, span)? {
            return Ok(v);
        }
        let mut p = path.to_string();
        if self.is_dir_following_links(Path::new(&p)) {
            p = format!("{}/default.nix", p.trim_end_matches('/'));
        }
        let text = self.read_source_text(&p, span)?;
        let names: Vec<Str> = scope.names().cloned().collect();
        let slots = scope.map.values().map(|a| a.value.clone());
        let base = parent_dir(&p);
        let root = self.load_imported(&p, text, &base, &names, span)?;
        let env = Env::of(None, slots);
        self.eval(root, &env)
    }

    /// A file of an unavailable flake input (its `outPath` is
    /// [`UNAVAILABLE`]`/LABEL`): the host records that it was used as
    /// empty modules (an error under `--strict-inputs`), and the value is
    /// the stand-in for anything ([`OpaqueKind::Unread`]).
    fn import_unavailable(&mut self, path: &str, span: Span) -> EvalResult<Option<Value>> {
        let Some(rest) = path.strip_prefix(UNAVAILABLE) else {
            return Ok(None);
        };
        let mut reason = None;
        if self.host.is_some() {
            let args = serde_json::json!({ "file": path, "used": "empty modules" });
            let answer = crate::builtins::ask_host(self, "degraded", args, span)?;
            reason = answer
                .get("reason")
                .and_then(serde_json::Value::as_str)
                .map(str::to_string);
        }
        Ok(Some(crate::select::unread(rest, reason)))
    }

    /// A file read below an unavailable source (`readFile`, `readDir`,
    /// `pathExists`...): an error naming the source and why it is not
    /// here, instead of "no such file" (nix would have failed to fetch it).
    pub(crate) fn check_available(&mut self, p: &str, span: Span) -> EvalResult<()> {
        let Some(rest) = p.strip_prefix(UNAVAILABLE) else {
            return Ok(());
        };
        let mut what = "a source that is unavailable".to_string();
        if self.host.is_some() {
            let args = serde_json::json!({ "file": p, "used": "unavailable" });
            let answer = crate::builtins::ask_host(self, "degraded", args, span)?;
            let text = |k: &str| answer.get(k).and_then(serde_json::Value::as_str);
            if let (Some(source), Some(reason)) = (text("path"), text("reason")) {
                what = format!("the source of '{source}', which is unavailable ({reason})");
            }
        }
        Err(EvalError::new(
            ErrorKind::Unsupported,
            format!("cannot read '{rest}': it is in {what}; make the source available: allow the network, give it with --override-input or --override-source, or put it in /nix/store (`nix flake archive`)"),
            Some(span),
        ))
    }

    pub(crate) fn read_source_text(&mut self, p: &str, span: Span) -> EvalResult<Text> {
        // nixplan's own files, compiled in: no copy, and UTF-8 already.
        if let Some(text) = self.fs.read_static(Path::new(p)) {
            self.record_read(p);
            self.check_text(text.len(), span)?;
            return Ok(Text::Static(text));
        }
        let bytes = self.fs.read(Path::new(p)).map_err(|e| {
            EvalError::new(ErrorKind::Io, format!("cannot read '{p}': {e}"), Some(span))
        })?;
        self.record_read(p);
        self.check_text(bytes.len(), span)?;
        let text = String::from_utf8(bytes).map_err(|_| {
            EvalError::new(
                ErrorKind::Io,
                format!("'{p}' is not valid UTF-8"),
                Some(span),
            )
        })?;
        Ok(Text::from(text))
    }

    pub(crate) fn load_imported(
        &mut self,
        p: &str,
        text: Text,
        base: &str,
        outer: &[Str],
        span: Span,
    ) -> EvalResult<ExprId> {
        let shown = self.display_name(p);
        match self.load_source_scoped(&shown, Some(Path::new(p)), text, base, outer) {
            Ok((_, root)) => Ok(root),
            Err(LoadError::Eval(e)) => Err(e),
            Err(LoadError::Syntax(d)) => {
                let first = d
                    .errors
                    .first()
                    .map(|e| format!("{} at {}:{}:{}", e.message, d.name, e.line, e.column))
                    .unwrap_or_default();
                Err(EvalError::new(
                    ErrorKind::Syntax,
                    format!("syntax error in '{p}': {first}"),
                    Some(span),
                ))
            }
        }
    }

    /// `import path`: parse, lower and evaluate a file once per path.
    pub fn import_path(&mut self, path: &str, span: Span) -> EvalResult<Value> {
        if let Some(v) = self.import_unavailable(path, span)? {
            return Ok(v);
        }
        let mut p = path.to_string();
        if self.is_dir_following_links(Path::new(&p)) {
            p = format!("{}/default.nix", p.trim_end_matches('/'));
        }
        if let Some(t) = self.import_cache.get(&p).cloned() {
            return self.force(&t);
        }
        let text = self.read_source_text(&p, span)?;
        if self.host.is_some() && is_flake_compat(&text) {
            let answer = crate::builtins::ask_host(
                self,
                "flakeCompat",
                serde_json::json!({ "file": p }),
                span,
            )?;
            if let Some(loader) = answer.get("loader").and_then(serde_json::Value::as_str) {
                let v = self.import_path(loader, span)?;
                self.import_cache.insert(p, Thunk::ready(v.clone()));
                return Ok(v);
            }
        }
        let base = parent_dir(&p);
        let root = self.load_imported(&p, text, &base, &[], span)?;
        let env = Env::root();
        let t = Thunk::pending(root, env);
        self.import_cache.insert(p, t.clone());
        self.force(&t)
    }
}

impl Eval {
    /// How a file is named in diagnostics: relative to the display root.
    /// A file under a store path copied from a source (the user's flake
    /// is evaluated from its store path, as nix does) is named by the
    /// source's path.
    pub fn display_name(&self, p: &str) -> String {
        let real = self.real_path(p);
        let p = real.as_deref().unwrap_or(p);
        if let Some(root) = &self.settings.display_root {
            let root = root.trim_end_matches('/');
            if let Some(rest) = p.strip_prefix(root).and_then(|r| r.strip_prefix('/')) {
                return rest.to_string();
            }
        }
        p.to_string()
    }
}

impl Eval {
    /// Note a file evaluation read (a plan is stale when one changes), by
    /// where it really is.
    pub(crate) fn record_read(&mut self, p: &str) {
        let real = self.real_path(p).unwrap_or_else(|| p.to_string());
        self.files_read.push(PathBuf::from(real));
    }

    /// Where a path under a store path copied from a source really is
    /// (see [`crate::fs::WithWritten::real_path`]); `None` elsewhere.
    pub fn real_path(&self, p: &str) -> Option<String> {
        let store = self.settings.store_dir.trim_end_matches('/');
        if !p.strip_prefix(store).is_some_and(|r| r.starts_with('/')) {
            return None;
        }
        self.fs
            .real_path(Path::new(p))
            .map(|r| r.display().to_string())
    }
}

pub(crate) fn parent_dir(p: &str) -> String {
    match p.rfind('/') {
        Some(0) => "/".to_string(),
        Some(i) => p[..i].to_string(),
        None => ".".to_string(),
    }
}

/// Whether a file is flake-compat (edolstra's, or a copy such as
/// flake-parts' vendored one): it reads `src`'s flake.lock and fetches each
/// node with `fetchTree`. With a host, nixplan loads the flake itself.
fn is_flake_compat(text: &str) -> bool {
    let has = |what: &str| memchr::memmem::find(text.as_bytes(), what.as_bytes()).is_some();
    has("callLocklessFlake") && has("/flake.lock") && has("fetchTree")
}

#[cfg(test)]
mod tests {
    /// flake-compat as edolstra's and flake-parts' vendored copy write it
    /// (the lines that matter), and files that only look alike.
    #[test]
    fn flake_compat_is_told_by_what_it_does() {
        let compat = r#"{ src, system ? builtins.currentSystem or "unknown-system" }:
let
  lockFilePath = src + "/flake.lock";
  lockFile = builtins.fromJSON (builtins.readFile lockFilePath);
  fetchTree = builtins.fetchTree or (info: throw "x");
  callLocklessFlake = flakeSrc: let flake = import (flakeSrc + "/flake.nix"); in flake;
in { }"#;
        assert!(super::is_flake_compat(compat));
        for other in [
            "{ src }: builtins.fetchTree { type = \"path\"; path = src; }",
            "{ src }: builtins.fromJSON (builtins.readFile (src + \"/flake.lock\"))",
            "let callLocklessFlake = 1; in callLocklessFlake",
        ] {
            assert!(!super::is_flake_compat(other), "{other}");
        }
    }
}
